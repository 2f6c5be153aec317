import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { functionStats, totalWeight } from '../../../extension/profile/aggregate';
import { detectFormat, parseProfile } from '../../../extension/profile/import';
import { exportCpuProfile, importCpuProfile, parseCpuProfile } from '../../../extension/profile/importers/cpuprofile';
import { exportFolded, parseFolded } from '../../../extension/profile/importers/folded';
import { ProfileFormatError, stackPath, type Profile } from '../../../extension/profile/model';
import { stackWeights } from './helpers';

const fixtures = join(__dirname, '..', '..', 'fixtures');
const read = (name: string) => readFileSync(join(fixtures, name), 'utf8');

const paths = (p: Profile) =>
  [...p.sampleStack].map((s) =>
    stackPath(p, s)
      .map((f) => p.frames[f]!.name)
      .join(';'),
  );

describe('folded importer', () => {
  const p = parseFolded(read('simple.folded'), 'simple.folded');

  it('reads one sample per line, skipping comments and blank lines', () => {
    assert.equal(p.unit, 'samples');
    assert.deepEqual(paths(p), ['main;parse;tokenize', 'main;parse', 'main;eval;hot', 'main;eval;cold;hot', 'main', 'main;parse;tokenize']);
    assert.deepEqual([...p.sampleWeight], [3, 2, 10, 5, 1, 2]);
    assert.equal(p.sampleTime, undefined);
    assert.equal(totalWeight(p), 23);
  });

  it('interns equal stacks and frames', () => {
    assert.equal(p.sampleStack[0], p.sampleStack[5]);
    assert.equal(p.frames.filter((f) => f.name === 'hot').length, 1);
  });

  it('reads "name (file:line)" locations', () => {
    assert.deepEqual(
      p.frames.find((f) => f.name === 'hot'),
      { name: 'hot', file: '/app/lib.js', line: 12, column: 0, kind: 'js' },
    );
    assert.deepEqual(
      p.frames.find((f) => f.name === 'main'),
      { name: 'main', file: '', line: 0, column: 0, kind: 'js' },
    );
    const py = parseFolded('<module> (app.py:1);work (app.py:7) 3', 'py.folded');
    assert.deepEqual(
      py.frames.map((f) => [f.name, f.kind]),
      [
        ['<module>', 'python'],
        ['work', 'python'],
      ],
    );
  });

  it('keeps runtime frames runtime', () => {
    const q = parseFolded('(garbage collector) 1\nmain;processTicksAndRejections (node:internal/process/task_queues:67) 2\n', 'x.folded');
    assert.equal(q.frames.find((f) => f.name === '(garbage collector)')!.kind, 'runtime');
    assert.equal(q.frames.find((f) => f.name === 'processTicksAndRejections')!.kind, 'runtime');
  });

  it('gives the hand-computed self and total', () => {
    const stats = new Map(functionStats(p).map((f) => [f.name, [f.self, f.total]]));
    assert.deepEqual(stats.get('hot'), [15, 15]);
    assert.deepEqual(stats.get('tokenize'), [5, 5]);
    assert.deepEqual(stats.get('parse'), [2, 7]);
    assert.deepEqual(stats.get('main'), [1, 23]);
    assert.deepEqual(stats.get('eval'), [0, 15]);
    assert.deepEqual(stats.get('cold'), [0, 5]);
  });

  it('accepts fractional and exponent weights', () => {
    const q = parseFolded('a;b 0.5\na 1e3\n', 'x.folded');
    assert.deepEqual([...q.sampleWeight], [0.5, 1000]);
  });

  it('names the bad line and what it expected', () => {
    assert.throws(
      () => parseFolded('a;b 1\nthis line has no count\n', 'bad.folded'),
      (e: unknown) => e instanceof ProfileFormatError && e.message.includes('bad.folded:2') && e.message.includes('frame;frame;frame COUNT'),
    );
    assert.throws(
      () => parseFolded('# only a comment\n\n', 'empty.folded'),
      (e: unknown) => e instanceof ProfileFormatError && /no folded stacks/.test(e.message),
    );
  });
});

describe('folded round trips', () => {
  for (const name of ['simple.folded', 'recursive.folded']) {
    it(`folded → folded keeps the stacks of ${name}`, () => {
      const p = parseFolded(read(name), name);
      const q = parseFolded(exportFolded(p), 'again.folded');
      assert.deepEqual(stackWeights(q), stackWeights(p));
      assert.deepEqual(q.frames, p.frames);
    });

    it(`folded → .cpuprofile → model keeps the stacks of ${name}`, () => {
      const p = parseFolded(read(name), name);
      const q = importCpuProfile(JSON.parse(JSON.stringify(exportCpuProfile(p))));
      assert.deepEqual(stackWeights(q), stackWeights(p));
    });
  }

  it('.cpuprofile → folded → model keeps the stacks of a real profile, to the microsecond', () => {
    const p = parseCpuProfile(read('nbody.cpuprofile'), 'nbody.cpuprofile');
    const q = parseFolded(exportFolded(p), 'nbody.folded');
    assert.deepEqual(stackWeights(q), stackWeights(p));
    assert.deepEqual(
      q.frames.map((f) => [f.name, f.file, f.line]),
      p.frames.map((f) => [f.name, f.file, f.line]),
    );
  });

  it('keeps the file of a frame whose line is unknown', () => {
    const p = parseFolded('main (/app/x.js:0);f (/app/x.js:4) 2\n', 'x.folded');
    assert.equal(p.frames[0]!.file, '/app/x.js');
    const q = parseFolded(exportFolded(p), 'again.folded');
    assert.deepEqual(q.frames, p.frames);
  });
});

describe('format detection', () => {
  it('goes by name first, then by content', () => {
    assert.equal(detectFormat('a.cpuprofile', 'main 1'), 'cpuprofile');
    assert.equal(detectFormat('a.folded', '{'), 'folded');
    assert.equal(detectFormat('a.collapsed', ''), 'folded');
    assert.equal(detectFormat('profile.txt', '  {"nodes": []}'), 'cpuprofile');
    assert.equal(detectFormat('profile.txt', 'main;work 12\n'), 'folded');
    assert.equal(detectFormat('notes.txt', 'hello world'), undefined);
    assert.equal(paths(parseProfile('stacks.txt', 'a;b 1\n')).length, 1);
    assert.throws(() => parseProfile('notes.txt', 'hello world'), ProfileFormatError);
  });
});

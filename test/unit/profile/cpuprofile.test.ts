import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { functionStats, totalWeight } from '../../../extension/profile/aggregate';
import { exportCpuProfile, importCpuProfile, parseCpuProfile, urlToFile } from '../../../extension/profile/importers/cpuprofile';
import { parseFolded } from '../../../extension/profile/importers/folded';
import { ProfileBuilder, ProfileFormatError, type Profile } from '../../../extension/profile/model';
import { stackWeights } from './helpers';

const fixtures = join(__dirname, '..', '..', 'fixtures');
const read = (name: string) => readFileSync(join(fixtures, name), 'utf8');

/** Line times as "file:line" of their frame's function, summed and rounded. */
function lineWeights(p: Profile): Map<string, number> {
  const out = new Map<string, number>();
  for (const lt of p.lines) {
    const f = p.frames[lt.frame]!;
    const key = `${f.name}@${f.file}:${lt.line}`;
    out.set(key, (out.get(key) ?? 0) + lt.weight);
  }
  for (const [k, w] of out) out.set(k, Math.round(w * 1000) / 1000);
  return out;
}

const byName = (p: Profile, name: string) => functionStats(p).find((f) => f.name === name);

describe('cpuprofile importer: hand-checked fixture', () => {
  const p = parseCpuProfile(read('small.cpuprofile'), 'small.cpuprofile');

  it('weights each sample by the time until the next one, in milliseconds', () => {
    assert.equal(p.unit, 'ms');
    assert.deepEqual([...p.sampleWeight], [1, 1, 3, 1, 1, 1, 1, 1, 1, 1]);
    assert.equal(totalWeight(p), 12);
    assert.deepEqual([...p.sampleTime!], [0.5, 1.5, 2.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5, 11.5]);
    assert.equal(p.durationMs, 12.5);
  });

  it('makes 1-based frames, drops the synthetic root and sorts kinds', () => {
    const hot = p.frames.find((f) => f.name === 'hot')!;
    assert.deepEqual(hot, { name: 'hot', file: '/app/main.js', line: 3, column: 13, kind: 'js' });
    assert.equal(p.frames.filter((f) => f.name === 'hot').length, 1, 'equal call frames are one frame');
    assert.ok(!p.frames.some((f) => f.name === '(root)'));
    assert.equal(p.frames.find((f) => f.name === '(anonymous)')!.file, '/app/main.js');
    assert.equal(p.frames.find((f) => f.name === '(garbage collector)')!.kind, 'runtime');
    assert.deepEqual(
      p.frames.find((f) => f.name === 'processTicksAndRejections'),
      { name: 'processTicksAndRejections', file: 'node:internal/process/task_queues', line: 67, column: 35, kind: 'runtime' },
    );
  });

  it('gives the hand-computed self and total per function', () => {
    assert.deepEqual(
      functionStats(p).map((f) => [f.name, f.self, f.total]),
      [
        ['hot', 7, 7],
        ['cold', 2, 3],
        ['(anonymous)', 1, 10],
        ['(garbage collector)', 1, 1],
        ['processTicksAndRejections', 1, 1],
      ],
    );
  });

  it('spreads each node self time over its position ticks', () => {
    assert.deepEqual(
      lineWeights(p),
      new Map([
        ['(anonymous)@/app/main.js:10', 1],
        ['hot@/app/main.js:4', 5.5],
        ['hot@/app/main.js:5', 1.5],
      ]),
    );
  });

  it('reads hit counts as sample counts when there are no samples', () => {
    const cp = JSON.parse(read('small.cpuprofile'));
    delete cp.samples;
    delete cp.timeDeltas;
    const q = importCpuProfile(cp);
    assert.equal(q.unit, 'samples');
    assert.equal(totalWeight(q), 10);
    assert.equal(byName(q, 'hot')!.self, 5);
    assert.equal(q.sampleTime, undefined);
  });
});

describe('cpuprofile importer: a real profile from node --cpu-prof', () => {
  const text = read('nbody.cpuprofile');
  const raw = JSON.parse(text);
  const p = parseCpuProfile(text, 'nbody.cpuprofile');

  it('keeps every sample and the whole duration', () => {
    assert.equal(p.sampleStack.length, raw.samples.length);
    const span = (raw.endTime - raw.startTime) / 1000;
    assert.ok(Math.abs(totalWeight(p) - span) < span * 0.05, `total ${totalWeight(p)} vs span ${span}`);
  });

  it('finds advance() as the hottest function, with its line ticks inside it', () => {
    const top = functionStats(p)[0]!;
    assert.equal(top.name, 'advance');
    assert.ok(top.file.endsWith('nbody.js'));
    assert.equal(top.line, 71);
    assert.ok(top.self / totalWeight(p) > 0.6, `advance self share ${top.self / totalWeight(p)}`);
    const lines = p.lines.filter((l) => p.frames[l.frame]!.name === 'advance');
    assert.ok(lines.length > 3);
    for (const l of lines) assert.ok(l.line >= 71 && l.line < 110, `line ${l.line} inside advance`);
    const sum = lines.reduce((s, l) => s + l.weight, 0);
    assert.ok(Math.abs(sum - top.self) < 1e-6, 'line times add up to the self time');
  });

  it('turns file URLs into paths', () => {
    assert.ok(p.frames.some((f) => f.file.startsWith('/') && f.file.endsWith('examples/nbody.js')));
    assert.equal(urlToFile('file:///a/b%20c.js'), '/a/b c.js');
    assert.equal(urlToFile('node:fs'), 'node:fs');
    assert.equal(urlToFile('https://x.test/app.js'), 'https://x.test/app.js');
  });
});

describe('cpuprofile importer: what it refuses', () => {
  const refuses = (text: string, pattern: RegExp) =>
    assert.throws(
      () => parseCpuProfile(text, 'bad.cpuprofile'),
      (e: unknown) => e instanceof ProfileFormatError && pattern.test(e.message) && e.message.includes('bad.cpuprofile'),
    );
  it('says what is wrong', () => {
    refuses('{"nodes": [', /not valid JSON/);
    refuses('[1, 2]', /not a JSON object/);
    refuses('{"traceEvents": []}', /Chrome trace/);
    refuses('{"nodes": []}', /empty/);
    refuses('{"nodes": [{"id": 1, "callFrame": {}, "children": [9]}], "startTime": 0, "endTime": 1}', /child 9/);
    refuses('{"nodes": [{"id": 1, "callFrame": {}}], "samples": [2], "startTime": 0, "endTime": 1}', /node 2/);
    refuses('{"nodes": [{"id": 1, "callFrame": {}}, {"id": 1, "callFrame": {}}], "startTime": 0, "endTime": 1}', /twice/);
    refuses('{"nodes": [{"id": 1, "callFrame": {}}]}', /startTime/);
  });
});

describe('cpuprofile round trip: import, export, import', () => {
  const roundTrip = (p: Profile) => importCpuProfile(JSON.parse(JSON.stringify(exportCpuProfile(p))));

  for (const name of ['small.cpuprofile', 'nbody.cpuprofile']) {
    it(`keeps the stacks, weights and line times of ${name}`, () => {
      const p = parseCpuProfile(read(name), name);
      const q = roundTrip(p);
      assert.deepEqual(stackWeights(q), stackWeights(p));
      assert.deepEqual(lineWeights(q), lineWeights(p));
      assert.deepEqual(q.frames.map((f) => f.kind).sort(), p.frames.map((f) => f.kind).sort());
      assert.deepEqual(stackWeights(roundTrip(q)), stackWeights(p));
    });
  }

  it('keeps folded stacks whose heaviest stack comes last', () => {
    const p = parseFolded('a;b 1\na;c 2\na;d 100\n', 'x.folded');
    assert.deepEqual(stackWeights(roundTrip(p)), stackWeights(p));
  });

  it('keeps the line times of a function that has self time under two callers', () => {
    const b = new ProfileBuilder('ms');
    const main = b.frame({ name: 'main', file: '/a.js', line: 1, column: 1, kind: 'js' });
    const other = b.frame({ name: 'other', file: '/a.js', line: 20, column: 1, kind: 'js' });
    const hot = b.frame({ name: 'hot', file: '/a.js', line: 5, column: 1, kind: 'js' });
    b.sample(b.path([main, hot]), 3, 0);
    b.sample(b.path([main, other, hot]), 1, 3);
    b.line(hot, 6, 2);
    b.line(hot, 7, 2);
    const p = b.build();
    assert.deepEqual(lineWeights(roundTrip(p)), lineWeights(p));
  });

  it('keeps line times that cover only part of a function (lines mapped away)', () => {
    const b = new ProfileBuilder('ms');
    const f = b.frame({ name: 'f', file: '/a.ts', line: 1, column: 1, kind: 'js' });
    b.sample(b.path([f]), 4, 0);
    b.line(f, 2, 1);
    const p = b.build();
    assert.deepEqual(lineWeights(roundTrip(p)), lineWeights(p));
  });

  it('writes file URLs that read back as the same path, even with # or spaces', () => {
    const b = new ProfileBuilder('ms');
    const f = b.frame({ name: 'f', file: '/tmp/a #1/b c.js', line: 3, column: 2, kind: 'js' });
    b.sample(b.path([f]), 1, 0);
    const q = roundTrip(b.build());
    assert.deepEqual(q.frames, [{ name: 'f', file: '/tmp/a #1/b c.js', line: 3, column: 2, kind: 'js' }]);
  });

  it('writes an empty profile that reads back empty', () => {
    const q = roundTrip(new ProfileBuilder('ms').build());
    assert.equal(q.sampleStack.length, 0);
  });
});

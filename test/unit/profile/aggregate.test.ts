import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { callTree, frameStats, functionStats, lineStats, totalWeight } from '../../../extension/profile/aggregate';
import { toFlameGraphData } from '../../../extension/profile/flame-data';
import { parseCpuProfile } from '../../../extension/profile/importers/cpuprofile';
import { parseFolded } from '../../../extension/profile/importers/folded';
import { mapFrames, ProfileBuilder, type Profile } from '../../../extension/profile/model';
import type { FlameNode } from '../../../extension/protocol';

const fixtures = join(__dirname, '..', '..', 'fixtures');
const folded = (name: string) => parseFolded(readFileSync(join(fixtures, name), 'utf8'), name);

/** The call tree as nested [name, self, total, children] for easy comparison. */
function shape(p: Profile, n: FlameNode): unknown[] {
  return [n.frame < 0 ? 'root' : p.frames[n.frame]!.name, n.self, n.total, n.children.map((c) => shape(p, c))];
}

describe('frameStats', () => {
  it('counts a recursive frame once per sample in its total', () => {
    const p = folded('recursive.folded');
    const byName = new Map(frameStats(p).map((s) => [p.frames[s.frame]!.name, s]));
    assert.deepEqual({ ...byName.get('fib')!, frame: 0 }, { frame: 0, self: 10, total: 10, samples: 4 });
    assert.equal(byName.get('main')!.total, 10);
    assert.equal(byName.get('main')!.self, 0);
    assert.equal(byName.get('other')!.total, 3);
  });

  it('sorts by self, then total, and leaves out frames without samples', () => {
    const p = folded('simple.folded');
    assert.deepEqual(
      frameStats(p).map((s) => p.frames[s.frame]!.name),
      ['hot', 'tokenize', 'parse', 'main', 'eval', 'cold'],
    );
    const b = new ProfileBuilder('samples');
    b.frame({ name: 'unused', file: '', line: 0, column: 0, kind: 'js' });
    b.sample(b.path([b.frame({ name: 'used', file: '', line: 0, column: 0, kind: 'js' })]), 1);
    assert.deepEqual(
      frameStats(b.build()).map((s) => s.frame),
      [1],
    );
  });
});

describe('functionStats', () => {
  it('merges frames of one function that differ only in column, without double counting', () => {
    const b = new ProfileBuilder('ms');
    const f1 = b.frame({ name: 'f', file: '/a.js', line: 3, column: 5, kind: 'js' });
    const f2 = b.frame({ name: 'f', file: '/a.js', line: 3, column: 9, kind: 'js' });
    const g = b.frame({ name: 'g', file: '/a.js', line: 8, column: 1, kind: 'js' });
    b.sample(b.path([f1, f2]), 2, 0);
    b.sample(b.path([f1, g]), 3, 2);
    const stats = functionStats(b.build());
    const f = stats.find((s) => s.name === 'f')!;
    assert.deepEqual([f.self, f.total, f.frames], [2, 5, [f1, f2]]);
    assert.deepEqual(
      stats.map((s) => s.name),
      ['g', 'f'],
    );
  });

  it('keeps the kind and location of each function', () => {
    const p = folded('simple.folded');
    const hot = functionStats(p).find((s) => s.name === 'hot')!;
    assert.deepEqual([hot.file, hot.line, hot.kind, hot.self, hot.total], ['/app/lib.js', 12, 'js', 15, 15]);
  });
});

describe('lineStats', () => {
  it('uses the leaf frame line when the profile has no line ticks', () => {
    const p = folded('simple.folded');
    assert.deepEqual(lineStats(p), new Map([['/app/lib.js', new Map([[12, 15]])]]));
  });

  it("uses V8's line ticks when there are some", () => {
    const p = parseCpuProfile(readFileSync(join(fixtures, 'small.cpuprofile'), 'utf8'), 'small.cpuprofile');
    assert.deepEqual(
      lineStats(p),
      new Map([
        [
          '/app/main.js',
          new Map([
            [10, 1],
            [4, 5.5],
            [5, 1.5],
          ]),
        ],
      ]),
    );
  });
});

describe('callTree', () => {
  it('merges equal paths and sorts children heaviest first', () => {
    const p = folded('simple.folded');
    assert.deepEqual(shape(p, callTree(p)), [
      'root',
      0,
      23,
      [
        [
          'main',
          1,
          23,
          [
            [
              'eval',
              0,
              15,
              [
                ['hot', 10, 10, []],
                ['cold', 0, 5, [['hot', 5, 5, []]]],
              ],
            ],
            ['parse', 2, 7, [['tokenize', 5, 5, []]]],
          ],
        ],
      ],
    ]);
  });

  it('keeps recursion as nested boxes', () => {
    const p = folded('recursive.folded');
    assert.deepEqual(shape(p, callTree(p)), [
      'root',
      0,
      10,
      [
        [
          'main',
          0,
          10,
          [
            ['fib', 1, 7, [['fib', 2, 6, [['fib', 4, 4, []]]]]],
            ['other', 0, 3, [['fib', 3, 3, []]]],
          ],
        ],
      ],
    ]);
  });

  it('adds up to the total weight on a real profile', () => {
    const p = parseCpuProfile(readFileSync(join(fixtures, 'nbody.cpuprofile'), 'utf8'), 'nbody.cpuprofile');
    const root = callTree(p);
    assert.ok(Math.abs(root.total - totalWeight(p)) < 1e-9);
    const check = (n: FlameNode) => {
      const sum = n.self + n.children.reduce((s, c) => s + c.total, 0);
      assert.ok(Math.abs(sum - n.total) < 1e-9);
      for (let i = 1; i < n.children.length; i++) assert.ok(n.children[i - 1]!.total >= n.children[i]!.total);
      n.children.forEach(check);
    };
    check(root);
  });
});

describe('mapFrames', () => {
  it('merges frames that map to the same one, with their stacks and lines', () => {
    const p = parseCpuProfile(readFileSync(join(fixtures, 'small.cpuprofile'), 'utf8'), 'small.cpuprofile');
    const q = mapFrames(p, (f) => (f.name === 'cold' ? { ...f, name: 'hot', line: 3, column: 13 } : f));
    const hot = functionStats(q).find((s) => s.name === 'hot')!;
    assert.deepEqual([hot.self, hot.total], [9, 9]);
    assert.equal(totalWeight(q), totalWeight(p));
    assert.deepEqual([...q.sampleTime!], [...p.sampleTime!]);
  });

  it('drops line times that map into another file than their function', () => {
    const p = parseCpuProfile(readFileSync(join(fixtures, 'small.cpuprofile'), 'utf8'), 'small.cpuprofile');
    const q = mapFrames(
      p,
      (f) => f,
      (f, line) => ({ file: line === 5 ? '/elsewhere.js' : f.file, line: line * 10 }),
    );
    assert.deepEqual(
      lineStats(q).get('/app/main.js'),
      new Map([
        [100, 1],
        [40, 5.5],
      ]),
    );
  });
});

describe('toFlameGraphData', () => {
  it('carries the tree, totals, notes and run', () => {
    const p = folded('simple.folded');
    const run = { file: '/app/x.js', runtime: 'node', args: [], exitCode: 0, signal: null, durationMs: 5 };
    const d = toFlameGraphData(p, { title: 'T', notes: ['n'], warnings: ['w'], run, source: '/tmp/p.cpuprofile' });
    assert.equal(d.total, 23);
    assert.equal(d.sampleCount, 6);
    assert.equal(d.unit, 'samples');
    assert.equal(d.root.total, 23);
    assert.deepEqual([d.title, d.notes, d.warnings, d.run, d.source], ['T', ['n'], ['w'], run, '/tmp/p.cpuprofile']);
  });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { functionStats } from '../../../extension/profile/aggregate';
import {
  change,
  describeChange,
  diffProfiles,
  matchFunctions,
  pruneDiffTree,
  selfChange,
  toDiffGraphData,
  type ProfileDiff,
} from '../../../extension/profile/diff';
import { parseCpuProfile } from '../../../extension/profile/importers/cpuprofile';
import { parseFolded } from '../../../extension/profile/importers/folded';
import { lineMapFromTexts } from '../../../extension/profile/line-map';
import { ProfileBuilder, type Profile } from '../../../extension/profile/model';
import type { DiffFunction, DiffNode } from '../../../extension/protocol';

const folded = (text: string) => parseFolded(text, 'test.folded');
const fixture = (name: string) => parseCpuProfile(readFileSync(join(__dirname, '..', '..', 'fixtures', 'profiles', 'diff', name), 'utf8'), name);

/** The same profile in milliseconds: folded stacks are sample counts. */
function inMs(p: Profile, msPerSample: number): Profile {
  return { ...p, unit: 'ms', sampleWeight: p.sampleWeight.map((w) => w * msPerSample) };
}

function fn(d: ProfileDiff, name: string): DiffFunction {
  const found = d.functions.filter((f) => f.name === name);
  assert.equal(found.length, 1, `one function ${name} in ${JSON.stringify(d.functions.map((f) => f.name))}`);
  return found[0]!;
}

/** The merged tree as nested [name, before total, after total, children], for comparison. */
function shape(d: ProfileDiff, n: DiffNode): unknown[] {
  return [n.frame < 0 ? 'root' : d.frames[n.frame]!.name, n.totalBefore, n.totalAfter, n.children.map((c) => shape(d, c))];
}

describe('matchFunctions', () => {
  it('matches a function whose lines moved (code inserted above it), not one of another name at its old line', () => {
    const before = folded('main (/app/a.js:1);work (/app/a.js:10);hot (/app/a.js:20) 10\nmain (/app/a.js:1);other (/app/a.js:25) 2');
    const after = folded('main (/app/a.js:1);work (/app/a.js:15);hot (/app/a.js:25) 4\nmain (/app/a.js:1);other (/app/a.js:30) 2');
    const pairs = matchFunctions(functionStats(before), functionStats(after));
    const lines = pairs.map(([b, a]) => [b?.name, b?.line, a?.line]);
    assert.deepEqual(lines.sort(), [
      ['hot', 20, 25],
      ['main', 1, 1],
      ['other', 25, 30],
      ['work', 10, 15],
    ]);
  });

  it('tells same-named functions apart by how the code above them moved (nearest line in the shifted region)', () => {
    // Twelve lines inserted at the top move both anonymous functions; the nearest raw line would swap them.
    const before = folded('setup (/app/a.js:5);(anonymous) (/app/a.js:10) 3\nsetup (/app/a.js:5);(anonymous) (/app/a.js:20) 7');
    const after = folded('setup (/app/a.js:17);(anonymous) (/app/a.js:22) 1\nsetup (/app/a.js:17);(anonymous) (/app/a.js:32) 9');
    const pairs = matchFunctions(functionStats(before), functionStats(after));
    const anon = pairs.filter(([b]) => b?.name === '(anonymous)').map(([b, a]) => [b!.line, a!.line, b!.self, a!.self]);
    assert.deepEqual(anon.sort(), [
      [10, 22, 3, 1],
      [20, 32, 7, 9],
    ]);
  });

  it('pairs many same-named functions in order across a shift larger than their spacing, and finds the one removed', () => {
    const anon = (lines: number[]) => folded(lines.map((l) => `main (/app/a.js:1);(anonymous) (/app/a.js:${l}) 1`).join('\n'));
    // Five lines inserted after the second: the nearest raw line would pair each with its neighbour's new place.
    const shifted = matchFunctions(functionStats(anon([10, 13, 16, 19, 22])), functionStats(anon([10, 13, 21, 24, 27])));
    assert.deepEqual(
      shifted.filter(([b]) => b?.name === '(anonymous)').map(([b, a]) => [b?.line, a?.line]),
      [
        [10, 10],
        [13, 13],
        [16, 21],
        [19, 24],
        [22, 27],
      ],
    );
    const removed = matchFunctions(functionStats(anon([10, 20, 30])), functionStats(anon([10, 30])));
    assert.deepEqual(
      removed.filter(([b, a]) => (b ?? a)!.name === '(anonymous)').map(([b, a]) => [b?.line, a?.line]),
      [
        [10, 10],
        [20, undefined],
        [30, 30],
      ],
    );
  });

  it("follows the edit's line mapping when the texts are known", () => {
    const beforeText = ['function a() {', '  return 1;', '}', 'function b() {', '  return 2;', '}'].join('\n');
    const afterText = ['// a comment', '// another', 'function a() {', '  return 1;', '}', '', 'function b() {', '  return 2;', '}'].join('\n');
    const map = lineMapFromTexts(beforeText, afterText);
    const before = folded('a (/app/m.js:1) 1\nb (/app/m.js:4) 1');
    // A third function `b` sits nearer b's old line than b itself: only the mapping gets this right.
    const after = folded('a (/app/m.js:3) 1\nb (/app/m.js:7) 1\nb (/app/m.js:5) 1');
    const pairs = matchFunctions(functionStats(before), functionStats(after), { lineMaps: new Map([['/app/m.js', map]]) });
    assert.deepEqual(
      pairs.map(([b, a]) => [b?.name, b?.line, a?.line]),
      [
        ['a', 1, 3],
        ['b', 4, 7],
        [undefined, undefined, 5],
      ],
    );
  });

  it('takes a named function gone and another new exactly where its line went as renamed', () => {
    // `mix` became `mixBytes` at the same place, two lines further down (a comment was added above).
    const before = folded('main (/app/a.js:1);mix (/app/a.js:5) 6\nmain (/app/a.js:1);other (/app/a.js:20) 1');
    const after = folded('main (/app/a.js:1);mixBytes (/app/a.js:7) 2\nmain (/app/a.js:1);other (/app/a.js:22) 1\nmain (/app/a.js:1);fresh (/app/a.js:30) 1');
    const d = diffProfiles(before, after);
    const renamed = fn(d, 'mixBytes');
    assert.deepEqual([renamed.beforeName, renamed.beforeLine, renamed.afterLine, renamed.selfBefore, renamed.selfAfter], ['mix', 5, 7, 6, 2]);
    assert.equal(fn(d, 'fresh').beforeLine, 0, 'a new function elsewhere stays new');
    // Not at the place the old one went: removed and added, not renamed.
    const moved = diffProfiles(before, folded('main (/app/a.js:1);mixBytes (/app/a.js:12) 2\nmain (/app/a.js:1);other (/app/a.js:22) 1'));
    assert.deepEqual(
      moved.functions
        .filter((f) => f.name.startsWith('mix'))
        .map((f) => [f.name, f.beforeLine, f.afterLine])
        .sort(),
      [
        ['mix', 5, 0],
        ['mixBytes', 0, 12],
      ],
    );
  });

  it('reports removed and added functions', () => {
    const before = folded('main (/app/a.js:1);mix (/app/a.js:5) 6\nmain (/app/a.js:1) 4');
    const after = folded('main (/app/a.js:1);mixFast (/app/a.js:9) 2\nmain (/app/a.js:1) 4');
    const pairs = matchFunctions(functionStats(before), functionStats(after));
    assert.deepEqual(
      pairs.map(([b, a]) => [b?.name, a?.name]),
      [
        ['mix', undefined],
        ['main', 'main'],
        [undefined, 'mixFast'],
      ],
    );
  });
});

describe('diffProfiles', () => {
  it('finds no change between a profile and itself', () => {
    const p = folded('main (/app/a.js:1);work (/app/a.js:10) 6\nmain (/app/a.js:1);(garbage collector) 2');
    const d = diffProfiles(p, p);
    for (const f of d.functions) {
      assert.equal(f.selfBefore, f.selfAfter);
      assert.equal(f.totalBefore, f.totalAfter);
      assert.equal(selfChange(f, d).shareDelta, 0);
    }
    assert.equal(d.root.totalBefore, 8);
    assert.equal(d.root.totalAfter, 8);
  });

  it('computes Δ self and Δ total per function, in the unit and in shares', () => {
    // before: hot 6 of 10 ms; after: hot 2 of 6 ms, and cold is new.
    const before = inMs(folded('main (/app/a.js:1);hot (/app/a.js:5) 6\nmain (/app/a.js:1) 4'), 1);
    const after = inMs(folded('main (/app/a.js:1);hot (/app/a.js:5) 2\nmain (/app/a.js:1) 3\nmain (/app/a.js:1);cold (/app/a.js:9) 1'), 1);
    const d = diffProfiles(before, after);
    const hot = fn(d, 'hot');
    assert.deepEqual([hot.selfBefore, hot.selfAfter, hot.totalBefore, hot.totalAfter], [6, 2, 6, 2]);
    const c = selfChange(hot, d);
    assert.equal(c.delta, -4);
    assert.ok(Math.abs(c.relative! - -2 / 3) < 1e-12);
    assert.ok(Math.abs(c.shareDelta - (2 / 6 - 6 / 10)) < 1e-12);
    const main = fn(d, 'main');
    const t = change(main.totalBefore, main.totalAfter, d);
    assert.equal(t.delta, -4);
    assert.equal(t.shareDelta, 0, 'main is the whole profile on both sides');
    const cold = fn(d, 'cold');
    assert.deepEqual([cold.beforeLine, cold.afterLine, cold.selfBefore, cold.selfAfter], [0, 9, 0, 1]);
    assert.equal(selfChange(cold, d).relative, undefined, 'no relative change from nothing');
    // Largest change of share first.
    assert.equal(d.functions[0]!.name, 'hot');
  });

  it('compares shares across units (ms before, samples after)', () => {
    const before = inMs(folded('main (/app/a.js:1);hot (/app/a.js:5) 8\nmain (/app/a.js:1) 2'), 0.5);
    const after = folded('main (/app/a.js:1);hot (/app/a.js:5) 30\nmain (/app/a.js:1) 70');
    const d = diffProfiles(before, after);
    assert.match(d.notes.join('\n'), /different units.*shares/);
    const c = selfChange(fn(d, 'hot'), d);
    assert.equal(c.delta, undefined, 'milliseconds and samples do not subtract');
    assert.ok(Math.abs(c.shareDelta - (0.3 - 0.8)) < 1e-12);
    assert.ok(Math.abs(c.relative! - (0.3 / 0.8 - 1)) < 1e-12);
  });

  it('merges the two call trees by matched function, across moved lines and recursion', () => {
    const before = folded(
      ['main (/app/a.js:1);fib (/app/a.js:3);fib (/app/a.js:3) 4', 'main (/app/a.js:1);fib (/app/a.js:3) 2', 'main (/app/a.js:1);gone (/app/a.js:9) 2'].join(
        '\n',
      ),
    );
    const after = folded(
      ['main (/app/a.js:1);fib (/app/a.js:4);fib (/app/a.js:4) 1', 'main (/app/a.js:1);fib (/app/a.js:4) 1', 'main (/app/a.js:1);fresh (/app/a.js:12) 3'].join(
        '\n',
      ),
    );
    const d = diffProfiles(before, after);
    assert.deepEqual(shape(d, d.root), [
      'root',
      8,
      5,
      [
        [
          'main',
          8,
          5,
          [
            ['fresh', 0, 3, []],
            ['fib', 6, 2, [['fib', 4, 1, []]]],
            ['gone', 2, 0, []],
          ],
        ],
      ],
    ]);
    // The graph lays out the after weights; frames are the functions at their after lines.
    const main = d.root.children[0]!;
    assert.equal(main.total, 5);
    assert.equal(d.frames[main.children[1]!.frame]!.line, 4);
    assert.equal(fn(d, 'fib').totalBefore, 6, 'recursion counts a sample once');
  });

  it('leaves the calls too small to see in either profile out of a large tree, and says so', () => {
    // One heavy path and 30 000 distinct one-sample paths (each a 40 000th of the profile).
    const lines = ['main;hot 10000'];
    for (let i = 0; i < 30_000; i++) lines.push(`main;f${i} 1`);
    const before = folded(lines.join('\n'));
    const after = folded(lines.slice(0, 15_000).join('\n'));
    const d = diffProfiles(before, after);
    assert.equal(pruneDiffTree(structuredClone(d.root), d, 100_000), 0, 'a tree under the limit is kept whole');
    const data = toDiffGraphData(d, { title: 't', before: { label: 'b' }, after: { label: 'a' } });
    assert.deepEqual(
      data.root.children[0]!.children.map((c) => data.frames[c.frame]!.name),
      ['hot'],
    );
    assert.match(data.notes.join('\n'), /30,000 calls smaller than a 4096th of both profiles are left out/);
    assert.equal(data.functions.length, 30_002, 'the table keeps every function');
  });

  it('pairs a file profiled from another folder by its name', () => {
    const before = folded('main (/ci/build-1/app.js:1);hot (/ci/build-1/app.js:5) 6');
    const after = folded('main (/home/me/app.js:1);hot (/home/me/app.js:5) 3');
    const d = diffProfiles(before, after);
    assert.equal(d.functions.length, 2);
    assert.deepEqual(fn(d, 'hot').file, '/home/me/app.js');
    assert.match(d.notes.join('\n'), /build-1\/app\.js \(before\) is compared with \/home\/me\/app\.js/);
  });

  it('moves per-line self time to the after lines and leaves out the lines of removed functions', () => {
    const side = (lines: [number, number, number][], fns: [string, number][]) => {
      const b = new ProfileBuilder('ms');
      const main = b.frame({ name: 'main', file: '/app/a.js', line: 1, column: 1, kind: 'js' });
      for (const [name, line] of fns) {
        const f = b.frame({ name, file: '/app/a.js', line, column: 1, kind: 'js' });
        const w = lines.filter(([fl]) => fl === line).reduce((s, [, , wt]) => s + wt, 0);
        b.sample(b.path([main, f]), w);
        for (const [fl, l, wt] of lines) if (fl === line) b.line(f, l, wt);
      }
      return b.build();
    };
    // before: kept() at 10 (lines 11, 12), gone() at 20 (line 21); after: kept() moved to 14 (three lines above it).
    const before = side(
      [
        [10, 11, 5],
        [10, 12, 3],
        [20, 21, 9],
      ],
      [
        ['kept', 10],
        ['gone', 20],
      ],
    );
    const after = side(
      [
        [14, 15, 2],
        [14, 16, 3],
      ],
      [['kept', 14]],
    );
    const d = diffProfiles(before, after);
    assert.deepEqual(d.lines.get('/app/a.js'), [
      { line: 15, before: 5, after: 2 },
      { line: 16, before: 3, after: 3 },
    ]);
    // With the texts known, the edit's mapping places the lines instead.
    const text = (pad: number) =>
      ['', ...Array.from({ length: pad }, (_, i) => `// added ${i}`), ...Array.from({ length: 30 }, (_, i) => `line ${i}`)].join('\n');
    const d2 = diffProfiles(before, after, { lineMaps: new Map([['/app/a.js', lineMapFromTexts(text(0), text(4))]]) });
    assert.deepEqual(
      d2.lines.get('/app/a.js')!.map((l) => [l.line, l.before, l.after]),
      [
        [15, 5, 2],
        [16, 3, 3],
        [25, 9, 0],
      ],
    );
  });

  it('shows the real rewrite in the fixtures (node --cpu-prof): the sort got faster, the checksum took a larger share', () => {
    const d = diffProfiles(fixture('before.cpuprofile'), fixture('after.cpuprofile'));
    assert.equal(d.before.unit, 'ms');
    const removed = fn(d, 'insertionSort');
    assert.equal(removed.afterLine, 0);
    assert.ok(selfChange(removed, d).shareDelta < -0.3, `the insertion sort took most of the time before: ${JSON.stringify(removed)}`);
    const checksum = fn(d, 'checksum');
    assert.deepEqual([checksum.beforeLine, checksum.afterLine], [5, 6], 'matched across the inserted comment line');
    assert.ok(selfChange(checksum, d).shareDelta > 0.1);
    const sorted = fn(d, 'sortedCopy');
    assert.deepEqual([sorted.beforeLine, sorted.afterLine], [24, 16], 'matched although 8 lines above it went');
    assert.ok(change(sorted.totalBefore, sorted.totalAfter, d).delta! < 0, 'its total (with the sort) went down');
    assert.ok(d.after.total < d.before.total);
  });
});

describe('describeChange', () => {
  const ms = (w: number) => `${w.toFixed(1)} ms`;
  const sides = { before: { unit: 'ms' as const, total: 100 }, after: { unit: 'ms' as const, total: 50 } };
  it('says the change in the unit with its relative size, or in shares across units', () => {
    assert.equal(describeChange(change(42 + 93.5, 93.5, sides), 'ms', ms), '−42.0 ms (−31 %)');
    assert.equal(describeChange(change(10, 15, sides), 'ms', ms), '+5.0 ms (+50 %)');
    assert.equal(describeChange(change(0, 3, sides), 'ms', ms), '+3.0 ms (new)');
    assert.equal(describeChange(change(0, 0, sides), 'ms', ms), '±0.0 ms (±0 %)');
    const across = { before: { unit: 'ms' as const, total: 100 }, after: { unit: 'samples' as const, total: 10 } };
    assert.equal(describeChange(change(40, 2, across), 'samples', ms), 'share −20.0 pp (−50 %)');
  });
});

describe('lineMapFromTexts', () => {
  it('maps equal lines exactly and changed lines into the block that replaced them', () => {
    const before = ['a', 'b', 'c', 'd', 'e', 'f'].join('\n');
    const after = ['a', 'x', 'b', 'C1', 'C2', 'C3', 'e', 'f', 'g'].join('\n');
    const map = lineMapFromTexts(before, after);
    assert.deepEqual([1, 2, 3, 4, 5, 6].map(map), [1, 3, 4, 5, 7, 8]);
    // A deleted line goes to where the text around it continues.
    const del = lineMapFromTexts('a\nb\nc\nd', 'a\nd');
    assert.deepEqual([1, 2, 3, 4].map(del), [1, 2, 2, 2]);
    // Past the end: moved by the difference in length.
    assert.equal(map(10), 13);
  });
});

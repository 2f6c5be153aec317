import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffProfiles, toDiffGraphData } from '../../../extension/profile/diff';
import { parseFolded } from '../../../extension/profile/importers/folded';
import type { DiffNode } from '../../../extension/protocol';
import { diffFill, diffRows, maxShareDelta, nodeShareDelta, setWidths, trendOf, UNCHANGED, type DiffPalette } from '../../../webview/diff/diff-model';

const palette: DiffPalette = {
  kind: 'dark',
  neutral: { r: 60, g: 60, b: 60, a: 1 },
  slower: { r: 240, g: 60, b: 60, a: 1 },
  faster: { r: 50, g: 130, b: 240, a: 1 },
};

function data() {
  const before = parseFolded('main (/a.js:1);hot (/a.js:5) 6\nmain (/a.js:1);gone (/a.js:9) 2\nmain (/a.js:1) 2', 'b');
  const after = parseFolded('main (/a.js:1);hot (/a.js:5) 1\nmain (/a.js:1);fresh (/a.js:12) 3\nmain (/a.js:1) 1', 'a');
  return toDiffGraphData(diffProfiles(before, after), { title: 't', before: { label: 'b' }, after: { label: 'a' } });
}

const named = (d: ReturnType<typeof data>, n: DiffNode) => (n.frame < 0 ? 'root' : d.frames[n.frame]!.name);

describe('diff model of the comparison page', () => {
  it('lays out either side: widths and left-heavy order follow the chosen profile', () => {
    const d = data();
    const main = d.root.children[0]!;
    setWidths(d.root, 'after', d);
    assert.deepEqual(
      main.children.map((c) => [named(d, c), c.total]),
      [
        ['fresh', 3],
        ['hot', 1],
        ['gone', 0],
      ],
    );
    setWidths(d.root, 'before', d);
    assert.deepEqual(
      main.children.map((c) => [named(d, c), c.total]),
      [
        ['hot', 6],
        ['gone', 2],
        ['fresh', 0],
      ],
    );
    assert.equal(d.root.total, 10);
    // Both: the mean of the shares, so what went away (gone) and what came (fresh) are both drawn.
    setWidths(d.root, 'both', d);
    assert.deepEqual(
      main.children.map((c) => [named(d, c), c.total]),
      [
        ['hot', 0.4],
        ['fresh', 0.3],
        ['gone', 0.1],
      ],
    );
    assert.equal(d.root.total, 1);
    assert.ok(main.children.reduce((s, c) => s + c.total, 0) <= main.total + 1e-12, 'children fit in their parent');
  });

  it('colours by the change of share: red when it grew, blue when it shrank, neutral below the noise, stronger for larger changes', () => {
    const d = data();
    const main = d.root.children[0]!;
    const node = (name: string) => main.children.find((c) => named(d, c) === name)!;
    assert.ok(Math.abs(nodeShareDelta(node('hot'), 'self', d) - (0.2 - 0.6)) < 1e-12);
    const max = maxShareDelta(d.root, 'self', d);
    assert.ok(Math.abs(max - 0.6) < 1e-12, 'fresh went from 0 to 60 %');
    const hot = diffFill(nodeShareDelta(node('hot'), 'self', d), max, palette);
    const fresh = diffFill(nodeShareDelta(node('fresh'), 'self', d), max, palette);
    assert.ok(hot.b > hot.r, `hot got faster: blue ${JSON.stringify(hot)}`);
    assert.ok(fresh.r > fresh.b, `fresh is new: red ${JSON.stringify(fresh)}`);
    assert.deepEqual(fresh, palette.slower, 'the largest change gets the full colour');
    assert.deepEqual(diffFill(UNCHANGED / 2, max, palette), palette.neutral);
    const weak = diffFill(-0.05, max, palette);
    assert.ok(weak.b < hot.b, 'a smaller speedup is a paler blue');
  });

  it('names the trend and sorts the table by the size of a change', () => {
    assert.equal(trendOf(0, 3, 0.3), 'added');
    assert.equal(trendOf(3, 0, -0.3), 'removed');
    assert.equal(trendOf(3, 3, 0.0001), 'unchanged');
    assert.equal(trendOf(3, 2, -0.1), 'faster');
    const d = data();
    const names = (rows: ReturnType<typeof diffRows>) => rows.map((r) => r.fn.name);
    assert.deepEqual(names(diffRows(d, 'deltaSelf', true)), ['fresh', 'hot', 'gone', 'main']);
    assert.deepEqual(names(diffRows(d, 'name', false)), ['fresh', 'gone', 'hot', 'main']);
    assert.deepEqual(names(diffRows(d, 'selfBefore', true)).slice(0, 2), ['hot', 'gone']);
  });
});

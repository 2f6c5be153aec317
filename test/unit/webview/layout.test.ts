import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FlameNode } from '../../../extension/protocol';
import { hitTest, layoutFlame, parentMap, pathTo } from '../../../webview/flame/layout';
import { child, makeData } from './tree';

const data = makeData({ main: { a: { c: 30, d: 10 }, b: 50, tiny: 0.05 }, '(idle)': 10 });
const main = child(data, data.root, 'main');
const a = child(data, main, 'a');
const names = (boxes: { node: { frame: number } }[]) => boxes.map((b) => (b.node.frame < 0 ? 'root' : data.frames[b.node.frame]!.name));

test('the root fills the width and children share it in proportion, heaviest first', () => {
  const l = layoutFlame([data.root], { width: 1000 });
  assert.equal(data.root.total, 100.05);
  const row1 = l.rows[1]!;
  assert.deepEqual(names(row1), ['main', '(idle)']);
  assert.ok(Math.abs(row1[0]!.width - (90.05 / 100.05) * 1000) < 1e-9);
  assert.ok(Math.abs(row1[1]!.x - row1[0]!.width) < 1e-9);
  assert.deepEqual(names(l.rows[2]!), ['b', 'a']);
  assert.deepEqual(names(l.rows[3]!), ['c', 'd']);
  // c starts where a starts: a child sits under its parent's left edge.
  assert.equal(l.rows[3]![0]!.x, l.rows[2]![1]!.x);
  assert.equal(l.depth, 4);
  assert.ok(l.boxes.every((b) => !b.ancestor));
});

test('boxes narrower than the minimum width are culled with their subtrees', () => {
  const l = layoutFlame([data.root], { width: 1000, minWidth: 1 });
  assert.ok(!names(l.boxes).includes('tiny'), 'tiny is 0.5 px wide');
  const wide = layoutFlame([data.root], { width: 100_000, minWidth: 1 });
  assert.ok(names(wide.boxes).includes('tiny'));
  const culled = layoutFlame([data.root], { width: 1000, minWidth: 150 });
  // d (100 px) goes; its parent a (400 px) stays; c (300 px) stays.
  assert.deepEqual(names(culled.boxes).sort(), ['a', 'b', 'c', 'main', 'root'].sort());
});

test('zooming fills the width with the focused node and keeps the path above it', () => {
  const parents = parentMap(data.root);
  const path = pathTo(a, parents);
  assert.deepEqual(names(path.map((node) => ({ node }))), ['root', 'main', 'a']);
  const l = layoutFlame(path, { width: 800 });
  const focus = l.rows[2]![0]!;
  assert.equal(focus.node, a);
  assert.equal(focus.x, 0);
  assert.equal(focus.width, 800);
  assert.equal(focus.ancestor, false);
  assert.deepEqual(
    l.rows[0]!.map((b) => [b.ancestor, b.width]),
    [[true, 800]],
  );
  assert.deepEqual(
    l.rows[1]!.map((b) => [b.ancestor, b.width]),
    [[true, 800]],
  );
  // Siblings of the focused node are not drawn.
  assert.ok(!names(l.boxes).includes('b'));
  assert.deepEqual(
    l.rows[3]!.map((b) => b.width),
    [600, 200],
  );
  assert.equal(l.scale, 800 / 40);
});

test('hit testing finds the box under a point and nothing in the gaps', () => {
  const l = layoutFlame([data.root], { width: 1000 });
  const rh = 18;
  assert.equal(hitTest(l, 10, 5, rh)?.node, data.root);
  const b = hitTest(l, 10, rh * 2 + 3, rh);
  assert.equal(data.frames[b!.node.frame]!.name, 'b');
  const aBox = l.rows[2]![1]!;
  assert.equal(hitTest(l, aBox.x + 1, rh * 2 + 1, rh)?.node, a);
  assert.equal(hitTest(l, 999, rh * 3 + 1, rh), undefined, 'right of a there is no row-3 box');
  assert.equal(hitTest(l, 10, rh * 40, rh), undefined);
  assert.equal(hitTest(l, -1, 1, rh), undefined);
});

test('empty width or path gives no boxes', () => {
  assert.equal(layoutFlame([data.root], { width: 0 }).boxes.length, 0);
  assert.equal(layoutFlame([], { width: 100 }).boxes.length, 0);
});

test('a very deep tree lays out without recursion limits', () => {
  const leaf: FlameNode = { frame: 0, self: 1, total: 1, children: [] };
  let top = leaf;
  for (let i = 0; i < 20_000; i++) top = { frame: 0, self: 0, total: 1, children: [top] };
  const root: FlameNode = { frame: -1, self: 0, total: 1, children: [top] };
  const l = layoutFlame([root], { width: 500 });
  assert.equal(l.depth, 20_002);
  assert.equal(parentMap(root).size, 20_001);
  assert.equal(pathTo(leaf, parentMap(root)).length, 20_002);
});

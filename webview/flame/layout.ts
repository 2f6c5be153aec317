// Computes the boxes of an icicle graph (root at the top) from the merged call tree; pure, no DOM.
import type { FlameNode } from '../../extension/protocol';

/** One drawn box: a node at a depth, in CSS pixels from the left edge of the graph. */
export interface FlameBox {
  x: number;
  width: number;
  /** Row index; the root is row 0. */
  depth: number;
  node: FlameNode;
  /** True for the nodes on the zoom path above the focused node, drawn full width and dimmed. */
  ancestor: boolean;
}

/** The boxes of one layout, plus the same boxes grouped by row for hit testing. */
export interface FlameLayout {
  boxes: FlameBox[];
  /** `rows[d]` holds the boxes of depth d, left to right. */
  rows: FlameBox[][];
  /** Number of rows, so the canvas knows its content height. */
  depth: number;
  /** CSS pixels per unit of weight below the focused node. */
  scale: number;
}

/** Size limits of one layout. */
export interface LayoutOptions {
  /** Width of the graph in CSS pixels. */
  width: number;
  /** Boxes narrower than this (CSS pixels) are left out, with everything under them. */
  minWidth?: number;
  /**
   * The horizontal window shown, as fractions of the focused node's width (default 0..1): zooming by wheel narrows it,
   * panning moves it. Boxes wholly outside are left out; the path above the focus still spans the width.
   */
  window?: readonly [number, number];
}

/**
 * Lays out the tree zoomed to the last node of `path` (which starts at the root):
 * the nodes of the path fill the width on their own rows, and the focused node's
 * descendants share the width in proportion to their totals, heaviest first.
 */
export function layoutFlame(path: readonly FlameNode[], o: LayoutOptions): FlameLayout {
  const minWidth = o.minWidth ?? 1;
  const width = Math.max(0, o.width);
  const boxes: FlameBox[] = [];
  const rows: FlameBox[][] = [];
  const push = (b: FlameBox) => {
    boxes.push(b);
    (rows[b.depth] ??= []).push(b);
  };
  const focus = path[path.length - 1];
  if (!focus || width === 0) return { boxes, rows, depth: 0, scale: 0 };
  for (let i = 0; i < path.length - 1; i++) push({ x: 0, width, depth: i, node: path[i]!, ancestor: true });
  const top = path.length - 1;
  const [w0, w1] = o.window ?? [0, 1];
  const span = Math.max(1e-9, w1 - w0);
  const scale = focus.total > 0 ? width / (focus.total * span) : 0;
  const x0 = w0 === 0 ? 0 : -w0 * focus.total * scale;
  push({ x: x0, width: focus.total * scale, depth: top, node: focus, ancestor: false });
  // Iterative walk so that very deep recursion cannot overflow the stack.
  const stack: { node: FlameNode; x: number; depth: number }[] = [{ node: focus, x: x0, depth: top }];
  while (stack.length > 0) {
    const { node, x, depth } = stack.pop()!;
    let cx = x;
    const placed: { node: FlameNode; x: number; depth: number }[] = [];
    for (const child of node.children) {
      const w = child.total * scale;
      if (w >= minWidth && cx < width && cx + w > 0) {
        push({ x: cx, width: w, depth: depth + 1, node: child, ancestor: false });
        placed.push({ node: child, x: cx, depth: depth + 1 });
      }
      cx += w;
    }
    // Reversed so the leftmost child is laid out first and rows stay sorted by x.
    for (let i = placed.length - 1; i >= 0; i--) stack.push(placed[i]!);
  }
  for (const row of rows) row?.sort((a, b) => a.x - b.x);
  return { boxes, rows, depth: rows.length, scale };
}

/** The box under a point given in CSS pixels of the content (y includes any scroll offset), or undefined. */
export function hitTest(layout: FlameLayout, x: number, y: number, rowHeight: number): FlameBox | undefined {
  if (y < 0 || x < 0) return undefined;
  const row = layout.rows[Math.floor(y / rowHeight)];
  if (!row) return undefined;
  let lo = 0;
  let hi = row.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const b = row[mid]!;
    if (x < b.x) hi = mid - 1;
    else if (x >= b.x + b.width) lo = mid + 1;
    else return b;
  }
  return undefined;
}

/** Maps every node to its parent, for turning a clicked node into a zoom path. */
export function parentMap(root: FlameNode): Map<FlameNode, FlameNode> {
  const parents = new Map<FlameNode, FlameNode>();
  const stack = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    for (const c of n.children) {
      parents.set(c, n);
      stack.push(c);
    }
  }
  return parents;
}

/** The path from the root to `node`, both included. */
export function pathTo(node: FlameNode, parents: ReadonlyMap<FlameNode, FlameNode>): FlameNode[] {
  const path = [node];
  for (let p = parents.get(node); p; p = parents.get(p)) path.push(p);
  return path.reverse();
}

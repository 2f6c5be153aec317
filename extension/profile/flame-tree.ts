// Pure operations on the merged call tree that both the host and the webview use: pruning to what can be drawn,
// and the sandwich view's merged callers and callees of one function. No DOM, no Node APIs.
import type { FlameNode, FrameInfo } from '../protocol';

/** A key that merges frames differing only in column, as the profile's function statistics do. */
export function functionKey(f: Pick<FrameInfo, 'name' | 'file' | 'line'>): string {
  return `${f.name}\u0000${f.file}\u0000${f.line}`;
}

/** How many boxes wide the pruned tree is drawn at most: children narrower than total / PRUNE_WIDTH are left out. */
export const PRUNE_WIDTH = 4096;

/**
 * A copy of the tree under `node` without the nodes narrower than `minTotal`; a node that lost children gets
 * `dropped` (the largest total left out) and an `id` from `register`, by which its full subtree can be asked for.
 * Iterative, so very deep trees cannot overflow the stack.
 */
export function pruneTree(node: FlameNode, minTotal: number, register: (full: FlameNode) => number): FlameNode {
  const copy = (n: FlameNode): FlameNode => ({ frame: n.frame, self: n.self, total: n.total, children: [] });
  const top = copy(node);
  const stack: [FlameNode, FlameNode][] = [[node, top]];
  while (stack.length > 0) {
    const [full, out] = stack.pop()!;
    let dropped = 0;
    for (const c of full.children) {
      if (c.total >= minTotal) {
        const cc = copy(c);
        out.children.push(cc);
        stack.push([c, cc]);
      } else if (c.total > dropped) {
        dropped = c.total;
      }
    }
    if (dropped > 0) {
      out.dropped = dropped;
      out.id = register(full);
    }
  }
  return top;
}

/** Number of nodes in a tree, counted without recursion. */
export function countNodes(root: FlameNode): number {
  let n = 0;
  const stack = [root];
  while (stack.length > 0) {
    const x = stack.pop()!;
    n++;
    for (const c of x.children) stack.push(c);
  }
  return n;
}

/**
 * Puts a subtree the host sent in place of `target`'s pruned children; `target` keeps its identity (views hold it),
 * so only its children, `dropped` and `id` change.
 */
export function graftSubtree(target: FlameNode, subtree: FlameNode): void {
  target.children = subtree.children;
  if (subtree.dropped !== undefined) target.dropped = subtree.dropped;
  else delete target.dropped;
  if (subtree.id !== undefined) target.id = subtree.id;
  else delete target.id;
}

/** The sandwich of one function: who calls it (an inverted tree, callers below the root) and what it calls. */
export interface Sandwich {
  /** Root: the function; its children are its callers, their children the callers' callers. */
  callers: FlameNode;
  /** Root: the function; its children are everything it calls, merged over all its call sites. */
  callees: FlameNode;
}

/**
 * Merges every call of the function `key` (see {@link functionKey}) in the tree: only the outermost call on each
 * path counts, so recursion adds nothing twice. The root of both trees has the frame of the function's heaviest node,
 * or -1 when the function is not in the tree.
 */
export function sandwich(root: FlameNode, frames: readonly FrameInfo[], key: string): Sandwich {
  const isKey = frames.map((f) => functionKey(f) === key);
  const callers: FlameNode = { frame: -1, self: 0, total: 0, children: [] };
  const callees: FlameNode = { frame: -1, self: 0, total: 0, children: [] };
  let heaviest = 0;
  const path: FlameNode[] = [];
  // Depth-first with an explicit path, so each match sees its ancestors.
  const stack: { node: FlameNode; depth: number }[] = [{ node: root, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    path.length = depth;
    path.push(node);
    if (node.frame >= 0 && isKey[node.frame]) {
      if (node.total > heaviest) {
        heaviest = node.total;
        callers.frame = callees.frame = node.frame;
      }
      callers.total += node.total;
      callees.total += node.total;
      callees.self += node.self;
      // Callers: the path upwards, nearest caller first, the root of the profile left out.
      let into = callers;
      for (let i = depth - 1; i >= 1; i--) {
        into = mergeChild(into, path[i]!.frame);
        into.total += node.total;
      }
      into.self += node.total;
      for (const c of node.children) mergeInto(callees, c);
      continue; // Nested calls of the function are inside this one's weight already.
    }
    for (let i = node.children.length - 1; i >= 0; i--) stack.push({ node: node.children[i]!, depth: depth + 1 });
  }
  sortTree(callers);
  sortTree(callees);
  return { callers, callees };
}

function mergeChild(parent: FlameNode, frame: number): FlameNode {
  let c = parent.children.find((x) => x.frame === frame);
  if (!c) {
    c = { frame, self: 0, total: 0, children: [] };
    parent.children.push(c);
  }
  return c;
}

/** Adds a copy of `node`'s subtree under `parent`, merging children with equal frames. */
function mergeInto(parent: FlameNode, node: FlameNode): void {
  const stack: [FlameNode, FlameNode][] = [[parent, node]];
  while (stack.length > 0) {
    const [into, n] = stack.pop()!;
    const m = mergeChild(into, n.frame);
    m.self += n.self;
    m.total += n.total;
    for (const c of n.children) stack.push([m, c]);
  }
}

/** Children heaviest first, everywhere in the tree (left-heavy). */
function sortTree(root: FlameNode): void {
  const stack = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    n.children.sort((a, b) => b.total - a.total);
    for (const c of n.children) stack.push(c);
  }
}

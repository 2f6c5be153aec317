// Pure questions asked of the merged call tree: search matches, hottest functions, where a function is.
import { functionKey } from '../../extension/profile/flame-tree';
import type { FlameGraphData, FlameNode, FrameInfo } from '../../extension/protocol';

/** Frames whose function name or file contains `query`, ignoring case; undefined for an empty query. */
export function matchingFrames(frames: readonly FrameInfo[], query: string): Uint8Array | undefined {
  const q = query.trim().toLowerCase();
  if (!q) return undefined;
  const out = new Uint8Array(frames.length);
  frames.forEach((f, i) => {
    if (f.name.toLowerCase().includes(q) || f.file.toLowerCase().includes(q)) out[i] = 1;
  });
  return out;
}

/** What a search found: the matching nodes, and the weight they cover without counting nested matches twice. */
export interface SearchResult {
  nodes: Set<FlameNode>;
  /** Sum of the totals of matching nodes that have no matching ancestor. */
  total: number;
  /** Distinct matching frames that appear in the tree. */
  frameCount: number;
}

/** Finds the nodes of `root` whose frame is marked in `match`. */
export function searchTree(root: FlameNode, match: Uint8Array): SearchResult {
  const nodes = new Set<FlameNode>();
  const frames = new Set<number>();
  let total = 0;
  const stack: { node: FlameNode; covered: boolean }[] = [{ node: root, covered: false }];
  while (stack.length > 0) {
    const { node, covered } = stack.pop()!;
    const hit = node.frame >= 0 && match[node.frame] === 1;
    if (hit) {
      nodes.add(node);
      frames.add(node.frame);
      if (!covered) total += node.total;
    }
    for (const c of node.children) stack.push({ node: c, covered: covered || hit });
  }
  return { nodes, total, frameCount: frames.size };
}

/** One function (name, file, line) with its weights summed over every call path. */
export interface HotFunction {
  name: string;
  file: string;
  line: number;
  column: number;
  kind: FrameInfo['kind'];
  self: number;
  /** Weight of samples with the function anywhere on the stack, counted once under recursion. */
  total: number;
  /** The heaviest node of this function, for zooming to it. */
  heaviest: FlameNode;
}

export { functionKey } from '../../extension/profile/flame-tree';

/** The functions of the tree by self weight, heaviest first, at most `limit`. */
export function hotFunctions(data: Pick<FlameGraphData, 'frames' | 'root'>, limit = 50): HotFunction[] {
  const keyOfFrame = data.frames.map(functionKey);
  const byKey = new Map<string, HotFunction>();
  // How many nodes of each function are on the current path: a nested one adds no total.
  const open = new Map<string, number>();
  type Item = { node: FlameNode; exit: boolean };
  const stack: Item[] = [{ node: data.root, exit: false }];
  while (stack.length > 0) {
    const { node, exit } = stack.pop()!;
    const frame = node.frame >= 0 ? data.frames[node.frame] : undefined;
    const key = frame ? keyOfFrame[node.frame]! : undefined;
    if (exit) {
      if (key !== undefined) open.set(key, open.get(key)! - 1);
      continue;
    }
    if (frame && key !== undefined) {
      let h = byKey.get(key);
      if (!h) {
        h = { name: frame.name, file: frame.file, line: frame.line, column: frame.column, kind: frame.kind, self: 0, total: 0, heaviest: node };
        byKey.set(key, h);
      }
      h.self += node.self;
      const depth = open.get(key) ?? 0;
      if (depth === 0) h.total += node.total;
      if (node.total > h.heaviest.total) h.heaviest = node;
      open.set(key, depth + 1);
      stack.push({ node, exit: true });
    }
    for (const c of node.children) stack.push({ node: c, exit: false });
  }
  return [...byKey.values()]
    .filter((h) => h.total > 0)
    .sort((a, b) => b.self - a.self || b.total - a.total || a.name.localeCompare(b.name))
    .slice(0, limit);
}

/**
 * The heaviest node of a function called `name` (and, when given, in a file ending with `file`),
 * or undefined when the tree has none.
 */
export function findFunction(data: Pick<FlameGraphData, 'frames' | 'root'>, name: string, file?: string): FlameNode | undefined {
  const norm = (s: string) => s.replace(/\\/g, '/').toLowerCase();
  const wantFile = file ? norm(file) : undefined;
  const ok = data.frames.map((f) => {
    if (f.name !== name) return false;
    if (!wantFile) return true;
    const have = norm(f.file);
    return have === wantFile || have.endsWith(`/${wantFile}`) || wantFile.endsWith(`/${have}`);
  });
  let best: FlameNode | undefined;
  const stack = [data.root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.frame >= 0 && ok[n.frame] && (!best || n.total > best.total)) best = n;
    for (const c of n.children) stack.push(c);
  }
  return best;
}

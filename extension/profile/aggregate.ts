// Pure aggregations of a profile: per function, per line, and the merged call tree the flame graph draws.
import type { FlameNode } from '../protocol';
import type { Profile } from './model';

/** Self and total weight of one frame; total counts a sample once even when the frame recurses. */
export interface FrameStat {
  frame: number;
  self: number;
  total: number;
  samples: number;
}

/** Sum of all sample weights. */
export function totalWeight(p: Profile): number {
  let t = 0;
  for (let i = 0; i < p.sampleWeight.length; i++) t += p.sampleWeight[i]!;
  return t;
}

/** Per-stack self weights by the sample arrays they were summed from: the panel's aggregations share one pass. */
const selfCache = new WeakMap<Float64Array, { stacks: Int32Array; frames: number; self: Float64Array }>();

/** Weight of every stack as a leaf (self), one pass over the samples (shared by calls on the same samples; read only). */
function stackSelf(p: Profile): Float64Array {
  const hit = selfCache.get(p.sampleWeight);
  if (hit && hit.stacks === p.sampleStack && hit.frames === p.stackFrame.length) return hit.self;
  const self = new Float64Array(p.stackFrame.length);
  for (let i = 0; i < p.sampleStack.length; i++) self[p.sampleStack[i]!] += p.sampleWeight[i]!;
  selfCache.set(p.sampleWeight, { stacks: p.sampleStack, frames: p.stackFrame.length, self });
  return self;
}

function stackCounts(p: Profile): Int32Array {
  const n = new Int32Array(p.stackFrame.length);
  for (let i = 0; i < p.sampleStack.length; i++) n[p.sampleStack[i]!]++;
  return n;
}

/** Self and total weight per frame, heaviest self first; frames without samples are left out. */
export function frameStats(p: Profile): FrameStat[] {
  const self = stackSelf(p);
  const counts = stackCounts(p);
  const nf = p.frames.length;
  const fSelf = new Float64Array(nf);
  const fTotal = new Float64Array(nf);
  const fSamples = new Int32Array(nf);
  const seen = new Int32Array(nf).fill(-1);
  for (let s = 0; s < self.length; s++) {
    const w = self[s]!;
    if (w === 0 && counts[s] === 0) continue;
    fSelf[p.stackFrame[s]!] += w;
    // Walk up once per leaf stack; `seen` stops a recursive frame from counting twice.
    for (let x = s; x >= 0; x = p.stackParent[x]!) {
      const f = p.stackFrame[x]!;
      if (seen[f] === s) continue;
      seen[f] = s;
      fTotal[f] += w;
      fSamples[f] += counts[s]!;
    }
  }
  const out: FrameStat[] = [];
  for (let f = 0; f < nf; f++) {
    if (fTotal[f]! > 0 || fSamples[f]! > 0) out.push({ frame: f, self: fSelf[f]!, total: fTotal[f]!, samples: fSamples[f]! });
  }
  return out.sort((a, b) => b.self - a.self || b.total - a.total);
}

/** Self and total weight per function (name + file + line), merging frames that differ only in column. */
export interface FunctionStat {
  name: string;
  file: string;
  line: number;
  kind: string;
  self: number;
  total: number;
  frames: number[];
}

/** Per-function statistics, heaviest self first. */
export function functionStats(p: Profile): FunctionStat[] {
  const byKey = new Map<string, FunctionStat>();
  // Totals must not double count a sample whose stack holds two frames of one function: recompute per key.
  const keyOf = p.frames.map((f) => `${f.name}\u0000${f.file}\u0000${f.line}`);
  const keyIndex = new Map<string, number>();
  const frameKeyIdx = keyOf.map((k) => {
    let i = keyIndex.get(k);
    if (i === undefined) keyIndex.set(k, (i = keyIndex.size));
    return i;
  });
  const nk = keyIndex.size;
  const kSelf = new Float64Array(nk);
  const kTotal = new Float64Array(nk);
  const seen = new Int32Array(nk).fill(-1);
  const self = stackSelf(p);
  for (let s = 0; s < self.length; s++) {
    const w = self[s]!;
    if (w === 0) continue;
    kSelf[frameKeyIdx[p.stackFrame[s]!]!] += w;
    for (let x = s; x >= 0; x = p.stackParent[x]!) {
      const k = frameKeyIdx[p.stackFrame[x]!]!;
      if (seen[k] === s) continue;
      seen[k] = s;
      kTotal[k] += w;
    }
  }
  p.frames.forEach((f, i) => {
    const k = keyOf[i]!;
    const ki = frameKeyIdx[i]!;
    const st = byKey.get(k);
    if (st) st.frames.push(i);
    else byKey.set(k, { name: f.name, file: f.file, line: f.line, kind: f.kind, self: kSelf[ki]!, total: kTotal[ki]!, frames: [i] });
  });
  return [...byKey.values()].filter((s) => s.total > 0).sort((a, b) => b.self - a.self || b.total - a.total);
}

/**
 * Self weight per source line, per file. Uses the profiler's line ticks when it recorded them,
 * otherwise the line of each sample's leaf frame.
 */
export function lineStats(p: Profile): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  const add = (file: string, line: number, w: number) => {
    if (!file || line <= 0 || w === 0) return;
    let m = out.get(file);
    if (!m) out.set(file, (m = new Map()));
    m.set(line, (m.get(line) ?? 0) + w);
  };
  if (p.lines.length > 0) {
    for (const lt of p.lines) add(p.frames[lt.frame]!.file, lt.line, lt.weight);
  } else {
    const self = stackSelf(p);
    for (let s = 0; s < self.length; s++) {
      const f = p.frames[p.stackFrame[s]!]!;
      add(f.file, f.line, self[s]!);
    }
  }
  return out;
}

/** The merged call tree: one node per distinct call path, children sorted heaviest first (left-heavy). */
export function callTree(p: Profile): FlameNode {
  const root: FlameNode = { frame: -1, self: 0, total: 0, children: [] };
  const self = stackSelf(p);
  // Map each stack to its tree node; stacks with equal paths share a node.
  const nodeOf = new Array<FlameNode | undefined>(p.stackFrame.length);
  const childIndex = new Map<FlameNode, Map<number, FlameNode>>();
  const resolve = (s: number): FlameNode => {
    const known = nodeOf[s];
    if (known) return known;
    const chain: number[] = [];
    let x = s;
    while (x >= 0 && !nodeOf[x]) {
      chain.push(x);
      x = p.stackParent[x]!;
    }
    let parent = x >= 0 ? nodeOf[x]! : root;
    for (let i = chain.length - 1; i >= 0; i--) {
      const st = chain[i]!;
      const f = p.stackFrame[st]!;
      let idx = childIndex.get(parent);
      if (!idx) childIndex.set(parent, (idx = new Map()));
      let node = idx.get(f);
      if (!node) {
        node = { frame: f, self: 0, total: 0, children: [] };
        idx.set(f, node);
        parent.children.push(node);
      }
      nodeOf[st] = node;
      parent = node;
    }
    return nodeOf[s]!;
  };
  for (let s = 0; s < self.length; s++) {
    const w = self[s]!;
    if (w === 0) continue;
    resolve(s).self += w;
  }
  const finish = (n: FlameNode): number => {
    let t = n.self;
    for (const c of n.children) t += finish(c);
    n.total = t;
    n.children = n.children.filter((c) => c.total > 0).sort((a, b) => b.total - a.total);
    return t;
  };
  finish(root);
  return root;
}

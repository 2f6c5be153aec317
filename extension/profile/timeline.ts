// The time-ordered flame chart: samples in the order they were taken, consecutive samples with the same stack prefix
// merged into one box per row. Pure; the host computes it for a time window at a resolution, so the webview gets only
// boxes it can draw.
import type { ChartRuns } from '../protocol';
import { stackDepths, type Profile } from './model';

/**
 * When each sample starts, in ms since the profile's start; the chart's time axis. A sample ends at
 * start + max(0, weight), computed where needed rather than stored (8 bytes a sample less).
 */
export interface SampleTimes {
  start: Float64Array;
  /** The samples' weights (ms), shared with the profile. */
  weight: Float64Array;
  /** End of the last sample: the length of the axis. */
  duration: number;
  /** Every sample's end, made on each use (for tests and small profiles). */
  readonly end: Float64Array;
}

/** When sample `i` ends. */
export function sampleEnd(t: Pick<SampleTimes, 'start' | 'weight'>, i: number): number {
  return t.start[i]! + Math.max(0, t.weight[i]!);
}

/**
 * Sample intervals: a recorded time starts a sample and its weight (ms) is how long it stands for; without recorded
 * times (or for sample counts), samples are laid end to end in the order they were taken. Recorded times that
 * never start before the previous sample ends are the starts as they are, without a copy.
 */
export function sampleTimes(p: Pick<Profile, 'sampleWeight' | 'sampleTime' | 'unit'>): SampleTimes {
  const n = p.sampleWeight.length;
  const w = p.sampleWeight;
  const { start, duration } = layOut(p, true);
  const times = {
    start: start!,
    weight: w,
    duration,
    get end(): Float64Array {
      return Float64Array.from({ length: n }, (_, i) => sampleEnd(times, i));
    },
  };
  return times;
}

/** The length of the time axis {@link sampleTimes} makes, without making it. */
export function sampleDuration(p: Pick<Profile, 'sampleWeight' | 'sampleTime' | 'unit'>): number {
  return layOut(p, false).duration;
}

function layOut(p: Pick<Profile, 'sampleWeight' | 'sampleTime' | 'unit'>, keep: boolean): { start: Float64Array | undefined; duration: number } {
  const n = p.sampleWeight.length;
  const w = p.sampleWeight;
  const timed = p.sampleTime && p.sampleTime.length === n && p.unit === 'ms' ? p.sampleTime : undefined;
  let t = 0;
  let i = 0;
  if (timed) {
    for (; i < n; i++) {
      const x = timed[i]!;
      // Math.max would give +0 for -0 and the previous end for a NaN: from there the starts are a copy.
      if (!(x >= t) || (x === 0 && 1 / x < 0)) break;
      t = x + Math.max(0, w[i]!);
    }
    if (i === n) return { start: keep ? timed : undefined, duration: t };
  }
  const start = keep ? new Float64Array(n) : undefined;
  if (start && timed) start.set(timed.subarray(0, i));
  for (; i < n; i++) {
    const s = timed ? Math.max(timed[i]!, t) : t;
    if (start) start[i] = s;
    t = s + Math.max(0, w[i]!);
  }
  return { start, duration: t };
}

/** What the chart is computed from: the profile's stacks and samples, with their times and depths computed once. */
export interface Timeline {
  stackFrame: Int32Array;
  stackParent: Int32Array;
  sampleStack: Int32Array;
  times: SampleTimes;
  depth: Int32Array;
  /** Ancestor tables for common-prefix queries (up[k][s]: the ancestor 2^k levels up, -1 past the root); built on first use. */
  up?: Int32Array[];
  /** The outermost stack (depth 0) of each stack; built on first use. */
  root?: Int32Array;
}

function roots(t: Timeline): Int32Array {
  if (t.root) return t.root;
  const root = new Int32Array(t.stackParent.length);
  // Parents may come after their children in the arrays: climb, remembering what is known.
  const known = new Uint8Array(root.length);
  const chain: number[] = [];
  for (let s = 0; s < root.length; s++) {
    let x = s;
    while (!known[x] && t.stackParent[x]! >= 0) {
      chain.push(x);
      x = t.stackParent[x]!;
    }
    const r = known[x] ? root[x]! : x;
    root[x] = r;
    known[x] = 1;
    while (chain.length > 0) {
      const c = chain.pop()!;
      root[c] = r;
      known[c] = 1;
    }
  }
  return (t.root = root);
}

export function timelineOf(p: Profile): Timeline {
  return { stackFrame: p.stackFrame, stackParent: p.stackParent, sampleStack: p.sampleStack, times: sampleTimes(p), depth: stackDepths(p) };
}

function ancestors(t: Timeline): Int32Array[] {
  if (t.up) return t.up;
  let maxDepth = 0;
  for (let s = 0; s < t.depth.length; s++) if (t.depth[s]! > maxDepth) maxDepth = t.depth[s]!;
  const up = [t.stackParent];
  for (let k = 1; 1 << k <= maxDepth; k++) {
    const prev = up[k - 1]!;
    const next = new Int32Array(prev.length);
    for (let s = 0; s < prev.length; s++) next[s] = prev[s]! < 0 ? -1 : prev[prev[s]!]!;
    up.push(next);
  }
  return (t.up = up);
}

/** The deepest stack that is a prefix of both (-1 when they share no frame), in O(log depth). */
export function commonStack(t: Timeline, a: number, b: number): number {
  if (a < 0 || b < 0) return -1;
  const up = ancestors(t);
  if (t.depth[a]! < t.depth[b]!) [a, b] = [b, a];
  for (let k = up.length - 1, diff = t.depth[a]! - t.depth[b]!; k >= 0; k--) if (diff & (1 << k)) a = up[k]![a]!;
  if (a === b) return a;
  for (let k = up.length - 1; k >= 0; k--) {
    const ua = up[k]![a]!;
    const ub = up[k]![b]!;
    if (ua !== ub) {
      a = ua;
      b = ub;
    }
  }
  return up[0]![a]!;
}

/** The first sample that ends after `v` (ends are in order). */
function firstEndingAfter(t: SampleTimes, v: number): number {
  let lo = 0;
  let hi = t.start.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sampleEnd(t, mid) <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The chart's boxes for samples overlapping `from`..`to` ms, leaving out boxes shorter than `resolution` ms.
 * A box at row d spans the consecutive samples whose stacks share the same ancestor at depth d. Each sample costs only
 * the distance between its stack and the previous one's, so long runs of one stack are cheap.
 */
export function chartRuns(t: Timeline, from: number, to: number, resolution = 0): ChartRuns {
  const out: ChartRuns = { from, to, resolution, depth: [], frame: [], start: [], end: [] };
  const { start, weight } = t.times;
  const n = t.sampleStack.length;
  // Samples are in time order; the first that ends after `from`.
  let i = firstEndingAfter(t.times, from);
  const open: number[] = []; // stack id open at each depth
  const openStart: number[] = [];
  let lastEnd = 0;
  const close = (downTo: number) => {
    for (let d = open.length - 1; d >= downTo; d--) {
      const s0 = openStart[d]!;
      if (lastEnd - s0 >= resolution && lastEnd > s0) {
        out.depth.push(d);
        out.frame.push(t.stackFrame[open[d]!]!);
        out.start.push(s0);
        out.end.push(lastEnd);
      }
    }
    open.length = downTo;
    openStart.length = downTo;
  };
  const path: number[] = [];
  // With a resolution, the samples of each bucket of half the resolution count as one (time-bucketed runs): of the
  // samples under the bucket's most frequent outermost frame (so that a lone GC or idle sample does not break the
  // program's runs), the stack they all have in common. A box of at least the resolution covers a whole bucket, so
  // every box that is kept is found, its edges within a bucket; calls that alternate faster than a bucket break the
  // runs below their common caller instead of showing as one long call.
  const bucket = resolution / 2;
  const rootOf = bucket > 0 ? roots(t) : undefined;
  // Samples per outermost stack in the current bucket, and which entries to clear after it.
  const count = rootOf ? new Int32Array(t.stackParent.length) : undefined;
  const touched: number[] = [];
  const shared = rootOf ? new Int32Array(t.stackParent.length) : undefined;
  for (let next: number; i < n && start[i]! < to; i = next) {
    next = i + 1;
    let s = t.sampleStack[i]!;
    if (rootOf) {
      const until = start[i]! + bucket;
      while (next < n && start[next]! < until) next++;
      // One pass: per outermost stack, its count and the stack its samples have in common so far.
      let top = rootOf[s]!;
      let topCount = 0;
      let last = -1;
      for (let k = i; k < next; k++) {
        const x = t.sampleStack[k]!;
        const r = rootOf[x]!;
        const c = ++count![r];
        if (c === 1) {
          touched.push(r);
          shared![r] = x;
        } else if (x !== last && x !== shared![r]) shared![r] = commonStack(t, shared![r]!, x);
        last = x;
        if (c > topCount) {
          topCount = c;
          top = r;
        }
      }
      for (const r of touched) count![r] = 0;
      touched.length = 0;
      s = shared![top]!;
    }
    const d = t.depth[s]!;
    // The deepest depth at which the open boxes and this sample's stack agree.
    let common = Math.min(open.length - 1, d);
    let x = s;
    for (let k = d; k > common; k--) x = t.stackParent[x]!;
    while (common >= 0 && open[common] !== x) {
      common--;
      x = t.stackParent[x]!;
    }
    close(common + 1);
    path.length = 0;
    for (let y = s, k = d; k > common; k--, y = t.stackParent[y]!) path.push(y);
    for (let k = path.length - 1; k >= 0; k--) {
      open.push(path[k]!);
      openStart.push(start[i]!);
    }
    lastEnd = start[next - 1]! + Math.max(0, weight[next - 1]!);
  }
  close(0);
  return out;
}

/** The resolution (ms) for drawing `from`..`to` in `width` pixels: a box of one pixel or more is kept. */
export function resolutionFor(from: number, to: number, width: number): number {
  return width > 0 ? (to - from) / width : 0;
}

// The hot region, not only the hot function: a leaf that is hottest by self time but cheap per call, called from
// one caller's loop, gains nothing from being compiled on its own (each call into compiled code costs more than
// the function); the unit worth compiling is that caller, with the leaf compiled into it (a kernel's helpers are
// compiled with it). This finds such leaves and names their caller.
import { functionStats, totalWeight, type FunctionStat } from './aggregate';
import type { Profile } from './model';

export interface HotRegion {
  /** The hot leaf. */
  leaf: FunctionStat;
  /** The functions that call it for most of its time (at most three), each with its share of the leaf's self time. */
  callers: { fn: FunctionStat; share: number }[];
  /** Microseconds per call of the leaf, where the profile counts calls (cProfile). */
  perCallUs?: number;
}

/** A leaf is "hot" from this share of the whole run's time. */
const HOT_SHARE = 0.05;
/** A leaf spends at least this share of its total time in itself (it calls little). */
const LEAF_SELF = 0.8;
/** A few callers (at most MAX_CALLERS) account for at least this share of the leaf's time. */
const FEW_CALLERS = 0.8;
const MAX_CALLERS = 3;
/** A leaf with more than this share of its time under a call of itself is recursive. */
const RECURSIVE_SHARE = 0.2;
/** A counted call shorter than this is cheap: the call into compiled code would cost as much. */
const CHEAP_CALL_US = 20;

/** Frames that belong to their enclosing function: comprehensions, generator expressions, lambdas, anonymous callbacks. */
function isInline(name: string): boolean {
  const last = name.split(/[/.]/).at(-1) ?? '';
  return last.startsWith('<') || last === '(anonymous)' || last === '';
}

/** A function Perf Lab can optimize: JavaScript or Python source with a name. */
function isSourceFunction(f: FunctionStat): boolean {
  return (f.kind === 'js' || f.kind === 'python') && f.file !== '' && f.line > 0 && f.name !== '' && !f.name.startsWith('(') && f.name !== '<module>';
}

/** The leaves among the `top` hottest functions whose time comes from one caller, hottest first. */
export function hotRegions(p: Profile, top = 5): HotRegion[] {
  const total = totalWeight(p);
  if (total <= 0) return [];
  const stats = functionStats(p);
  const keyOf = (f: { name: string; file: string; line: number }) => `${f.name}\u0000${f.file}\u0000${f.line}`;
  const byKey = new Map(stats.map((s) => [keyOf(s), s]));
  const frameKey = p.frames.map((f) => keyOf(f));
  const out: HotRegion[] = [];
  for (const leaf of stats.slice(0, top)) {
    if (!isSourceFunction(leaf) || leaf.self < HOT_SHARE * total || leaf.self < LEAF_SELF * leaf.total) continue;
    const key = keyOf(leaf);
    // The leaf's self weight by its nearest caller that is another named function (recursion, comprehensions,
    // anonymous callbacks and built-ins such as sum() or map() in between belong to that caller).
    const callers = new Map<string, number>();
    let recursive = 0;
    for (let i = 0; i < p.sampleStack.length; i++) {
      let s = p.sampleStack[i]!;
      if (frameKey[p.stackFrame[s]!] !== key) continue;
      const parent = p.stackParent[s]!;
      if (parent >= 0 && frameKey[p.stackFrame[parent]!] === key) recursive += p.sampleWeight[i]!;
      const passThrough = (f: Profile['frames'][number]) => isInline(f.name) || f.kind === 'native' || f.kind === 'runtime';
      while (s >= 0 && (frameKey[p.stackFrame[s]!] === key || passThrough(p.frames[p.stackFrame[s]!]!))) s = p.stackParent[s]!;
      if (s < 0) continue;
      const c = frameKey[p.stackFrame[s]!]!;
      callers.set(c, (callers.get(c) ?? 0) + p.sampleWeight[i]!);
    }
    // A recursive leaf is entered once per outside call and recurses inside the compiled code: itself the unit.
    if (recursive > RECURSIVE_SHARE * leaf.self) continue;
    const ranked = [...callers].sort((a, b) => b[1] - a[1]).slice(0, MAX_CALLERS);
    const picked: HotRegion['callers'] = [];
    let covered = 0;
    for (const [k, w] of ranked) {
      if (covered >= FEW_CALLERS) break;
      const fn = byKey.get(k);
      if (!fn || !isSourceFunction(fn)) break;
      picked.push({ fn, share: w / leaf.self });
      covered += w / leaf.self;
    }
    if (covered < FEW_CALLERS) continue;
    let perCallUs: number | undefined;
    if (p.calls && p.unit === 'ms') {
      const counted = leaf.frames.map((f) => p.calls![f]!).filter((n) => !Number.isNaN(n));
      const calls = counted.reduce((a, n) => a + n, 0);
      if (calls > 0) perCallUs = (1000 * leaf.self) / calls;
    }
    // Counted calls that are not cheap: the leaf itself is worth compiling.
    if (perCallUs !== undefined && perCallUs >= CHEAP_CALL_US) continue;
    out.push({ leaf, callers: picked, ...(perCallUs !== undefined ? { perCallUs } : {}) });
  }
  return out;
}

/** One region as a sentence: what to optimize instead, and why. */
export function describeHotRegion(r: HotRegion): string {
  const cost =
    r.perCallUs !== undefined
      ? `each call takes ${r.perCallUs < 1 ? `${Math.round(r.perCallUs * 1000)} ns` : `${r.perCallUs.toFixed(1)} µs`}, less than a call into compiled code costs`
      : 'if each call is short, a call into compiled code costs more than it saves';
  const and = (xs: string[]) => (xs.length <= 2 ? xs.join(' and ') : `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}`);
  const from = and(r.callers.map((c) => `${c.fn.name} (${Math.round(100 * c.share)}%)`));
  const optimize = and(r.callers.map((c) => `${c.fn.name} (line ${c.fn.line})`));
  return `${r.leaf.name} is called from ${from}; ${cost}. Optimize ${optimize} instead: ${r.leaf.name} is compiled into ${r.callers.length === 1 ? 'it' : 'each'}.`;
}

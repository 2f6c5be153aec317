// The break-even model: what crossing into WebAssembly or a Node-API addon costs on this machine, and from that
// the net speedup each target can give a function called with the recorded arguments.
//
// The boundary costs are measured once per machine (Node version + architecture), in a child process of the
// user's Node.js, and cached in the store. A prediction is
//   time(target) = computeFactor(target) × time(JS) + call cost + Σ per-element marshalling × elements,
// where the compute factor (how fast the compiled loop body runs against V8's) starts at 1 — V8's JIT matches
// exact-results compiled code on scalar loops — and is then calibrated on the benchmarks of other functions: the
// median of what those of the same class implied (kernelClass: checked double indices, integer or float work),
// or of all of them once three were measured. Every (predicted, measured) pair is kept, with the kernel's class,
// so the model's error can be reported.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildAddon } from '../../native/build-addon';
import { asset, childScript } from '../assets';
import type { JsCandidate } from '../compiler/compile';
import type { ArrayKind } from '../abi';
import type { Expr, IrModule, Stmt } from '../compiler/ir';
import { walkExpr } from '../compiler/ir-walk';
import { PerfLabError } from '../errors';
import { firstLines } from '../profile/run-child';
import type { TargetId } from '../protocol';
import { isReplayable, type Recording } from '../record/recording';
import { jsTarget, targetsOfLanguage } from '../targets';
import type { MultiBenchResult } from './bench';
import { formatRatio, MARGINAL_SPEEDUP, type RatioEstimate, type Verdict } from './stats';

/** What crossing each boundary costs, in nanoseconds, for one Node.js on one machine. */
export interface BoundaryCosts {
  node: string;
  arch: string;
  measuredAt: string;
  /** A call of a small JavaScript function (V8 may inline it, as it would in a program), for scale. */
  jsCallNs: number;
  /** A call into a trivial WebAssembly export through a JavaScript wrapper, as the loader makes it. */
  wasmCallNs: number;
  /** A call of a trivial Node-API function; NaN when no addon could be built or loaded. */
  napiCallNs: number;
  /** What passing one typed array to Node-API adds (reading its backing store). */
  napiTypedArrayNs: number;
  /** Per element copied into WebAssembly memory (the same again to copy a written array back), by kind. */
  wasmElementNs: Record<ArrayKind, number>;
  /** What each array adds to a call into WebAssembly besides its elements: the loader's checks and offsets (again to copy a written one back). Absent (0) in costs measured before it was. */
  wasmArrayNs?: number;
  /** Per element of a plain Array checked and converted to a Float64Array for the addon (and again to copy back). */
  nativeArrayElementNs: number;
  /** Per code unit of a string copied into a Uint16Array (both targets). Absent in costs measured before it was. */
  codeUnitNs?: number;
}

/** An array argument as the recording passes it: its kind, mean length and whether the function writes it. */
export interface ArrayShape {
  kind: ArrayKind;
  elements: number;
  written: boolean;
  /** A string, whose code units are copied (`codeUnitNs` each) rather than checked as a plain Array's elements. */
  codeUnits?: boolean;
  /** The rows of an array of arrays, whose elements these are: each row costs what one array argument does. */
  rows?: number;
}

/** The parameters the model needs: those of the compiled signature (the same for both targets). */
export type ShapeParam =
  | { kind: 'f64' | 'int32' | 'bool' }
  | { kind: 'array'; array: ArrayKind; written: boolean }
  | { kind: 'rows'; row: ArrayKind; written: boolean }
  | { kind: 'objects'; one: boolean; keys: string[]; written: boolean[]; arrays?: (ArrayKind | null)[] }
  | { kind: 'string' };

/** A JavaScript function's target, as the model names it. */
type Target = TargetId;

/** One target's predicted outcome. */
export interface TargetPrediction {
  target: Target;
  /** Predicted JavaScript time over the target's time per call. */
  speedup: number;
  /** The boundary's share of a call: call cost plus marshalling, in nanoseconds. */
  overheadNs: number;
  computeFactor: number;
  /** How the compute factor was chosen, in words. */
  basis: string;
}

export interface Prediction {
  jsNs: number;
  targets: TargetPrediction[];
  /** `WebAssembly ~1.6×, native ~3×` or `keep JS: calls are too small (120 ns each)`. */
  text: string;
  /** The target to use, or undefined to keep JavaScript. */
  pick?: Target;
}

/** A kept (predicted, measured) pair. */
export interface PredictionPair {
  at: string;
  /** `<file>#<function>`: a function's own pairs do not calibrate its prediction. */
  key: string;
  target: Target;
  node: string;
  jsNs: number;
  overheadNs: number;
  predicted: number;
  measured: number;
  /** The kernel's class (kernelClass); absent in pairs kept before there were classes. */
  class?: KernelClass;
}

/**
 * What kind of work a kernel's hot loops do, as far as the compiled code's speed against V8's goes:
 *  - `checked-index`: element accesses through an index held in a double (`y * w + x`) weigh at least a tenth of
 *    the work; the compiled code converts and checks such an index at every access, while V8 keeps it a small
 *    integer;
 *  - `integer`: integer arithmetic (hashes, bit twiddling, Math.imul) outweighs double arithmetic;
 *  - `float`: the rest, double arithmetic on counted loops, where V8's code is already close to a C compiler's.
 * Operations and accesses are weighted by loop depth (×8 per level) and counted through calls; the loops' own
 * tests and counter updates are left out (both sides pay them alike).
 */
export type KernelClass = 'checked-index' | 'integer' | 'float';

interface Work {
  accesses: number;
  doubleIndex: number;
  intOps: number;
  floatOps: number;
}

/** The class of a kernel from its IR (see KernelClass). */
export function kernelClass(ir: IrModule): KernelClass {
  const memo = new Map<string, Work>();
  const workOf = (name: string, depth = 0): Work => {
    const known = memo.get(name);
    if (known) return known;
    const w: Work = { accesses: 0, doubleIndex: 0, intOps: 0, floatOps: 0 };
    memo.set(name, w); // a recursive call counts as nothing more
    const f = ir.functions.find((g) => g.name === name);
    if (!f || depth > 20) return w;
    const expr = (e: Expr, k: number) =>
      walkExpr(e, (x) => {
        if (x.kind === 'load') {
          w.accesses += k;
          if (x.index.type === 'f64') w.doubleIndex += k;
        } else if (x.kind === 'binary' || x.kind === 'unary') {
          if (x.op.startsWith('i32.') || x.op.startsWith('u32.') || x.op.startsWith('u8clamp.')) w.intOps += k;
          else w.floatOps += k;
        } else if (x.kind === 'math') w.floatOps += k;
        else if (x.kind === 'call') {
          const c = workOf(x.fn, depth + 1);
          w.accesses += k * c.accesses;
          w.doubleIndex += k * c.doubleIndex;
          w.intOps += k * c.intOps;
          w.floatOps += k * c.floatOps;
        }
      });
    const walk = (list: Stmt[], k: number): void => {
      for (const s of list) {
        if (s.kind === 'set' || s.kind === 'expr') expr(s.value, k);
        else if (s.kind === 'store') {
          w.accesses += k;
          if (s.index.type === 'f64') w.doubleIndex += k;
          expr(s.index, k);
          expr(s.value, k);
        } else if (s.kind === 'if') {
          expr(s.cond, k);
          walk(s.then, k);
          walk(s.else, k);
        } else if (s.kind === 'loop') walk(s.body, k * 8);
        else if (s.kind === 'return' && s.value) expr(s.value, k);
      }
    };
    walk(f.body, 1);
    return w;
  };
  const w = workOf(ir.entry);
  const total = w.accesses + w.intOps + w.floatOps;
  if (total > 0 && w.doubleIndex >= 0.1 * total) return 'checked-index';
  return w.intOps > w.floatOps ? 'integer' : 'float';
}

/** The mean array lengths of the recorded calls, for each array parameter. */
export function shapesOf(params: readonly ShapeParam[], recording: Recording): ArrayShape[] {
  const calls = recording.calls.filter((c) => isReplayable(c));
  const out: ArrayShape[] = [];
  params.forEach((p, i) => {
    if (p.kind === 'objects') {
      // Each field of each object is read through its descriptor, as a plain array's element is.
      let objects = 0;
      for (const c of calls) {
        const a = c.args[i] as { length?: unknown } | undefined;
        objects += p.one ? 1 : a && typeof a.length === 'number' ? a.length : 0;
      }
      // A key holding a typed array (one object: `arrays`) crosses as a typed-array argument does.
      const numeric = p.keys.filter((_, k) => !p.arrays?.[k]).length;
      const elements = calls.length > 0 ? (objects * numeric) / calls.length : 0;
      out.push({ kind: 'Array', elements, written: p.keys.some((_, k) => !p.arrays?.[k] && p.written[k]) });
      p.keys.forEach((k, j) => {
        const kind = p.arrays?.[j];
        if (!kind) return;
        let sum = 0;
        for (const c of calls) {
          const held = (c.args[i] as Record<string, { length?: unknown }> | undefined)?.[k];
          sum += held && typeof held.length === 'number' ? held.length : 0;
        }
        out.push({ kind, elements: calls.length > 0 ? sum / calls.length : 0, written: p.written[j]! });
      });
      return;
    }
    if (p.kind === 'rows') {
      // Each row is an element of a plain Array (checked as one) and an array of its own (checked and copied as an
      // array argument is), its elements all copied into one memory: one plain element and one array per row.
      let rows = 0;
      let elements = 0;
      for (const c of calls) {
        const a = c.args[i] as ArrayLike<{ length?: unknown } | undefined> | undefined;
        if (!a || typeof a.length !== 'number') continue;
        rows += a.length;
        for (let r = 0; r < a.length; r++) {
          const row = a[r];
          elements += row && typeof row.length === 'number' ? row.length : 0;
        }
      }
      const per = (n: number) => (calls.length > 0 ? n / calls.length : 0);
      out.push({ kind: 'Array', elements: per(rows), written: false });
      out.push({ kind: p.row, elements: per(elements), written: p.written, rows: per(rows) });
      return;
    }
    if (p.kind !== 'array' && p.kind !== 'string') return;
    let sum = 0;
    for (const c of calls) {
      const a = c.args[i] as { length?: unknown } | undefined;
      sum += a && typeof a.length === 'number' ? a.length : 0;
    }
    // A string's code units are read one by one into a Uint16Array.
    if (p.kind === 'string') out.push({ kind: 'Uint16Array', elements: calls.length > 0 ? sum / calls.length : 0, written: false, codeUnits: true });
    else out.push({ kind: p.array, elements: calls.length > 0 ? sum / calls.length : 0, written: p.written });
  });
  return out;
}

/** The boundary cost of one call to `target` with arrays of these shapes, in nanoseconds, by how its calls cross (its registry entry's `boundary`). */
export function overheadNs(costs: BoundaryCosts, target: Target, arrays: readonly ArrayShape[]): number {
  const boundary = jsTarget(target).boundary;
  // A plain JavaScript call passes arrays by reference.
  if (boundary === 'javascript') return costs.jsCallNs;
  let ns = boundary === 'webassembly' ? costs.wasmCallNs : costs.napiCallNs;
  for (const a of arrays) {
    const times = a.written ? 2 : 1;
    if (a.codeUnits)
      ns +=
        a.elements * (costs.codeUnitNs ?? costs.wasmElementNs.Uint16Array) + (boundary === 'webassembly' ? (costs.wasmArrayNs ?? 0) : costs.napiTypedArrayNs);
    else if (boundary === 'webassembly') ns += (a.elements * costs.wasmElementNs[a.kind] + (a.rows ?? 1) * (costs.wasmArrayNs ?? 0)) * times;
    else if (a.kind === 'Array') ns += a.elements * costs.nativeArrayElementNs * times;
    // Typed rows are copied into one array for the addon, as into WebAssembly memory.
    else if (a.rows !== undefined) ns += a.elements * costs.wasmElementNs[a.kind] * times + costs.napiTypedArrayNs;
    else ns += costs.napiTypedArrayNs;
  }
  return ns;
}

/** What a pair implies the compiled loop body costs relative to JavaScript's (at least a small positive floor). */
export function impliedFactor(p: Pick<PredictionPair, 'jsNs' | 'overheadNs' | 'measured'>): number {
  return Math.max(0.01, (p.jsNs / p.measured - p.overheadNs) / p.jsNs);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Earlier measurements of other functions needed before they calibrate the compute factor (one kernel says little about the next). */
export const MIN_CALIBRATION = 3;

/**
 * Whether a pair says something about the compiled loop: its boundary cost is under half the target's measured
 * time per call (where the boundary dominates, the implied factor is mostly the error of the boundary cost).
 */
function measuresCompute(p: PredictionPair): boolean {
  return p.overheadNs < 0.5 * (p.jsNs / p.measured);
}

/** Weight, in measurements, of the starting point (the compiled loop as fast as JavaScript's) against a calibration. */
export const PRIOR_WEIGHT = 2;

/** The median implied factor of some pairs, drawn toward 1 as if PRIOR_WEIGHT functions had measured exactly 1 (in log scale). */
function shrunkFactor(pairs: readonly PredictionPair[], functions: number): number {
  const logMedian = median(pairs.map((p) => Math.log(impliedFactor(p))));
  return Math.exp((logMedian * functions) / (functions + PRIOR_WEIGHT));
}

/**
 * The compute factor of a target from earlier pairs of other functions whose time was mostly the compiled loop:
 * those of the same class (kernelClass) when there is one, else all of them once there are MIN_CALIBRATION, else 1.
 * The median is drawn toward 1 in proportion to how few functions it rests on (PRIOR_WEIGHT).
 */
export function computeFactor(target: Target, pairs: readonly PredictionPair[], key: string, cls?: KernelClass): { factor: number; basis: string } {
  const own = pairs.filter((p) => p.target === target && p.key !== key && p.measured > 0 && p.jsNs > 0 && measuresCompute(p));
  const same = cls ? own.filter((p) => p.class === cls) : [];
  if (same.length > 0) {
    const n = new Set(same.map((p) => p.key)).size;
    const factor = shrunkFactor(same, n);
    return {
      factor,
      basis: `compiled loop at ${factor.toFixed(2)}× JavaScript's time (${same.length} earlier measurement${same.length === 1 ? '' : 's'} of ${n} other ${cls} kernel${n === 1 ? '' : 's'})`,
    };
  }
  const others = new Set(own.map((p) => p.key)).size;
  if (others < MIN_CALIBRATION)
    return {
      factor: 1,
      basis: `compiled loop as fast as JavaScript's (${others} other function${others === 1 ? '' : 's'} measured, ${MIN_CALIBRATION} needed to calibrate)`,
    };
  const factor = shrunkFactor(own, others);
  return { factor, basis: `compiled loop at ${factor.toFixed(2)}× JavaScript's time (${own.length} earlier measurements of ${others} functions)` };
}

/** Nanoseconds as the recommendation prints them. */
function ns(n: number): string {
  if (n < 1000) return `${Math.round(n)} ns`;
  if (n < 1e6) return `${(n / 1000).toFixed(n < 1e4 ? 1 : 0)} µs`;
  return `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} ms`;
}

/** `~1.6×`, `~3×`: a prediction is rough, its digits say so. */
export function approx(x: number): string {
  return `~${x >= 2.95 ? Math.round(x) : x.toFixed(1)}×`;
}

/** Speedups below this are not worth a rewrite. */
export const WORTHWHILE = 1.1;

/**
 * Predicts the net speedup of each target for calls with these array shapes that take `jsNs` in JavaScript.
 * A target whose call cost could not be measured (NaN) is left out.
 */
export function predict(
  costs: BoundaryCosts,
  targets: readonly Target[],
  arrays: readonly ArrayShape[],
  jsNs: number,
  pairs: readonly PredictionPair[] = [],
  key = '',
  cls?: KernelClass,
): Prediction {
  const out: TargetPrediction[] = [];
  for (const target of targets) {
    const over = overheadNs(costs, target, arrays);
    if (!Number.isFinite(over)) continue;
    const { factor, basis } = computeFactor(target, pairs, key, cls);
    out.push({ target, speedup: jsNs / (factor * jsNs + over), overheadNs: over, computeFactor: factor, basis });
  }
  const name = (t: Target) => jsTarget(t).name;
  const best = out.reduce<TargetPrediction | undefined>((b, t) => (!b || t.speedup > b.speedup ? t : b), undefined);
  if (best && best.speedup >= WORTHWHILE) {
    const ranked = [...out].sort((a, b) => b.speedup - a.speedup);
    return { jsNs, targets: out, text: ranked.map((t) => `${name(t.target)} ${approx(t.speedup)}`).join(', '), pick: best.target };
  }
  const cheapest = out.reduce<number>((m, t) => Math.min(m, t.overheadNs), Infinity);
  const text =
    out.length === 0
      ? 'keep JS: no boundary cost could be measured'
      : cheapest >= 0.1 * jsNs
        ? // Tiny calls are the cause only when they are tiny: a long call whose arrays cost more to copy says so.
          jsNs < 1000
          ? `keep JS: calls are too small (${ns(jsNs)} each)`
          : `keep JS: crossing into compiled code (the call and copying its arrays) costs ${ns(cheapest)} of the ${ns(jsNs)} a call takes`
        : `keep JS: no gain predicted (${out.map((t) => `${name(t.target)} ${approx(t.speedup)}`).join(', ')})`;
  return { jsNs, targets: out, text };
}

/** One target as the benchmark measured it, for {@link predictionStory}. */
export interface MeasuredTarget {
  target: Target;
  name: string;
  speedup: RatioEstimate;
  verdict: Verdict;
}

/**
 * The prediction and the measurement as one story, in one sentence: the measurement decides, and a prediction that
 * disagrees with it is said to be wrong. Both say "use a target" or "keep JavaScript": the model when it predicts a
 * gain of at least {@link WORTHWHILE}, the measurement when a target is significantly faster by at least
 * {@link MARGINAL_SPEEDUP} (the benchmark's own advice, stats.ts recommendation).
 */
export function predictionStory(prediction: Prediction, measured: readonly MeasuredTarget[]): { agrees: boolean; text: string } {
  const shown = (m: MeasuredTarget) => {
    const f = formatRatio(m.speedup);
    return `${m.name} ${f.estimate} (${f.ci}${m.verdict === 'not significant' ? ', not significant' : ''})`;
  };
  const best = [...measured]
    .filter((m) => m.verdict === 'faster' && m.speedup.estimate >= MARGINAL_SPEEDUP)
    .sort((a, b) => b.speedup.estimate - a.speedup.estimate)[0];
  const said = `The break-even model predicted ${prediction.pick ? prediction.text : `"${prediction.text}"`}`;
  const all = measured.map(shown).join(', ');
  if (!best) {
    return prediction.pick
      ? {
          agrees: false,
          text: `${said}; the measurement shows no worthwhile gain (${all}): the model was wrong here, and the measurement decides: keep JavaScript.`,
        }
      : { agrees: true, text: `${said}, and the measurement agrees: no worthwhile gain (${all}): keep JavaScript.` };
  }
  const faster = `${best.name} is ${formatRatio(best.speedup).estimate} faster (${formatRatio(best.speedup).ci})`;
  if (!prediction.pick)
    return { agrees: false, text: `${said}; the measurement shows ${faster}: the model was wrong here, and the measurement decides: use ${best.name}.` };
  if (prediction.pick !== best.target) {
    const picked = measured.find((m) => m.target === prediction.pick);
    return {
      agrees: false,
      text: `${said}; the measurement shows ${faster}${picked ? `, ${shown(picked)}` : ''}: the model ranked the targets wrong here, and the measurement decides: use ${best.name}.`,
    };
  }
  return { agrees: true, text: `${said}, and the measurement agrees: ${faster}.` };
}

/** The model's error over kept pairs: median and mean of |predicted/measured − 1|, per target and in all. */
export function modelError(pairs: readonly PredictionPair[]): {
  n: number;
  medianPct: number;
  meanPct: number;
  byTarget: Partial<Record<Target, { n: number; medianPct: number }>>;
} {
  const err = (p: PredictionPair) => 100 * Math.abs(p.predicted / p.measured - 1);
  const all = pairs.filter((p) => p.measured > 0).map(err);
  const byTarget: Partial<Record<Target, { n: number; medianPct: number }>> = {};
  for (const t of targetsOfLanguage('js')) {
    const e = pairs.filter((p) => p.target === t && p.measured > 0).map(err);
    if (e.length > 0) byTarget[t] = { n: e.length, medianPct: median(e) };
  }
  return { n: all.length, medianPct: all.length ? median(all) : NaN, meanPct: all.length ? all.reduce((a, b) => a + b, 0) / all.length : NaN, byTarget };
}

// ---- Measuring: one child process of the user's Node.js (break-even-probe.ts), cached per Node version and architecture.

/** The trivial addon the Node-API costs are measured with. */
const PROBE_ADDON = 'bench/runtime/probe-addon.cc';

function costsPath(store: string, nodeVersion: string, arch: string): string {
  return join(store, 'break-even', `costs-node${nodeVersion.replace(/^v/, '')}-${arch}.json`);
}

/** Where the (predicted, measured) pairs are kept. */
export function pairsPath(store: string): string {
  return join(store, 'break-even', 'pairs.json');
}

/** Where the fixed cost per run that each rewrite added to whole-program runs is kept (bench/whole-program.ts). */
export function processCostsPath(store: string): string {
  return join(store, 'break-even', 'process-costs.json');
}

/** One whole-program run's fixed cost of a rewrite: what it took beyond its calls' saving (a module's load, a JIT). */
export interface ProcessCost {
  target: TargetId;
  /** The runtime it ran on (`Python 3.11.7`, `Node.js v20.20.2`): costs are learned per runtime. */
  runtime: string;
  ms: number;
  at: string;
}

/** The most observations kept per target and runtime (the oldest go first). */
const PROCESS_COSTS_KEPT = 20;

export async function loadProcessCosts(store: string): Promise<ProcessCost[]> {
  const text = await readFile(processCostsPath(store), 'utf8').catch(() => undefined);
  if (!text) return [];
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? (v as ProcessCost[]) : [];
  } catch {
    return [];
  }
}

/** Keeps one observation (the store's file is rewritten whole, through a temporary file). */
export async function learnProcessCost(store: string, cost: ProcessCost): Promise<void> {
  const all = [...(await loadProcessCosts(store)), cost];
  const same = (c: ProcessCost) => c.target === cost.target && c.runtime === cost.runtime;
  const kept = all.filter((c) => !same(c)).concat(all.filter(same).slice(-PROCESS_COSTS_KEPT));
  await writeJson(processCostsPath(store), kept);
}

/** The fixed cost per run a target adds on a runtime: the median of what earlier runs observed, never below 0. */
export function learnedProcessCost(costs: readonly ProcessCost[], target: TargetId, runtime: string): { ms: number; from: number } {
  const seen = costs.filter((c) => c.target === target && c.runtime === runtime).map((c) => c.ms);
  if (seen.length === 0) return { ms: 0, from: 0 };
  return { ms: Math.max(0, median(seen)), from: seen.length };
}

/** Writes through a temporary file, so a reader never sees half a file. */
async function writeJson(path: string, value: unknown): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  const part = `${path}.${process.pid}.part`;
  await writeFile(part, JSON.stringify(value, null, 1));
  await rename(part, path);
}

export interface MeasureOptions {
  /** The user's node executable (absolute, as probeNode found it). */
  execPath: string;
  /** Its version, `v20.1.0` or `20.1.0` (the cache key with the architecture). */
  version: string;
  store: string;
  /** Measure again even when cached. */
  fresh?: boolean;
  /** Where the probe addon is built (the native build cache by default). */
  cacheDir?: string;
}

/** The boundary costs already measured for this Node.js version and architecture, without measuring; undefined when none. */
export async function cachedBoundaryCosts(store: string, version: string, arch: string = process.arch): Promise<BoundaryCosts | undefined> {
  const text = await readFile(costsPath(store, version, arch), 'utf8').catch(() => undefined);
  if (!text) return undefined;
  try {
    const c = JSON.parse(text) as BoundaryCosts;
    return typeof c.wasmCallNs === 'number' ? { ...c, napiCallNs: c.napiCallNs ?? NaN, napiTypedArrayNs: c.napiTypedArrayNs ?? NaN } : undefined;
  } catch {
    return undefined;
  }
}

/** The boundary costs of this Node.js on this machine: from the store, or measured (≈ 1–3 s) and stored. */
export async function boundaryCosts(o: MeasureOptions): Promise<BoundaryCosts & { cached: boolean }> {
  const path = costsPath(o.store, o.version, process.arch);
  if (!o.fresh) {
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text) {
      try {
        const c = JSON.parse(text) as BoundaryCosts;
        // Costs measured before the per-array cost, or before a plain Array's elements were timed through the
        // loaders' own check (codeUnitNs came with it), are measured again.
        if (typeof c.wasmCallNs === 'number' && typeof c.wasmArrayNs === 'number' && typeof c.codeUnitNs === 'number')
          return { ...c, napiCallNs: c.napiCallNs ?? NaN, napiTypedArrayNs: c.napiTypedArrayNs ?? NaN, cached: true };
      } catch {
        // A damaged cache is measured again.
      }
    }
  }
  let addonPath = '';
  try {
    addonPath = (await buildAddon(asset(PROBE_ADDON), { nodePath: o.execPath, ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}) })).addonPath;
  } catch {
    // No toolchain: the Node-API costs stay unknown and the native target is not predicted.
  }
  const script = childScript('break-even-probe.mjs');
  const tmp = await mkdtemp(join(tmpdir(), 'perf-lab-break-even-'));
  try {
    let stdout: string;
    try {
      ({ stdout } = await promisify(execFile)(o.execPath, [script, addonPath], { cwd: tmp, timeout: 60_000, maxBuffer: 1 << 20 }));
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw new PerfLabError(`The break-even probe failed in ${o.execPath}: ${firstLines(err.stderr || err.message, 6)}`);
    }
    const raw = JSON.parse(stdout.trim().split('\n').pop()!) as BoundaryCosts & { napiCallNs: number | null; napiTypedArrayNs: number | null; sink?: boolean };
    delete raw.sink;
    const costs: BoundaryCosts = { ...raw, napiCallNs: raw.napiCallNs ?? NaN, napiTypedArrayNs: raw.napiTypedArrayNs ?? NaN };
    // JSON has no NaN: unknown costs are stored as null and read back as NaN.
    await writeJson(path, costs);
    return { ...costs, cached: false };
  } finally {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
  }
}

/** The kept pairs (none when the file is missing or damaged). */
export async function loadPairs(store: string): Promise<PredictionPair[]> {
  const text = await readFile(pairsPath(store), 'utf8').catch(() => undefined);
  if (!text) return [];
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? (v as PredictionPair[]) : [];
  } catch {
    return [];
  }
}

/** Adds pairs to the store's file (the newest 1,000 are kept). */
export async function savePairs(store: string, pairs: readonly PredictionPair[]): Promise<PredictionPair[]> {
  const all = [...(await loadPairs(store)), ...pairs].slice(-1000);
  await writeJson(pairsPath(store), all);
  return all;
}

/** The boundary costs in one line, for the command line. */
export function describeCosts(c: BoundaryCosts): string {
  const f = (n: number) => (Number.isFinite(n) ? `${n.toFixed(n < 10 ? 1 : 0)} ns` : 'unknown');
  return `call: JS ${f(c.jsCallNs)}, WebAssembly ${f(c.wasmCallNs)}, Node-API ${f(c.napiCallNs)}; per array into WebAssembly ${f(c.wasmArrayNs ?? 0)}; per element into WebAssembly: Float64Array ${c.wasmElementNs.Float64Array.toFixed(2)} ns, Uint8Array ${c.wasmElementNs.Uint8Array.toFixed(2)} ns, Array ${c.wasmElementNs.Array.toFixed(2)} ns; plain Array to the addon ${c.nativeArrayElementNs.toFixed(2)} ns/element (Node.js ${c.node}, ${c.arch})`;
}

/** A benchmark with the model's prediction for it: the costs used, the prediction, and the pairs now kept. */
export interface CheckedPrediction {
  costs: BoundaryCosts & { cached: boolean };
  prediction: Prediction;
  /** This benchmark's pairs, one per target. */
  pairs: PredictionPair[];
  /** Every kept pair, these included (for the model's error). */
  all: PredictionPair[];
  /** The prediction set against this benchmark's measurement, in one sentence ({@link predictionStory}). */
  story: { agrees: boolean; text: string };
}

/**
 * Predicts the targets of a benchmark from the recording and JavaScript's measured time per call, keeps each
 * (predicted, measured) pair in the store, and returns both. `key` names the function (`<file>#<name>`).
 */
export async function checkPrediction(
  o: MeasureOptions & { key: string; recording: Recording; candidates: readonly JsCandidate[]; bench: MultiBenchResult },
): Promise<CheckedPrediction> {
  const costs = await boundaryCosts(o);
  const js = o.bench.variants.find((v) => v.name === 'JavaScript');
  if (!js || o.candidates.length === 0) throw new PerfLabError('The break-even model needs a benchmark of JavaScript and at least one target.');
  const jsNs = js.median * 1e6;
  const earlier = await loadPairs(o.store);
  const cls = kernelClass(o.candidates[0]!.kernel.ir);
  const prediction = predict(
    costs,
    o.candidates.map((c) => c.target),
    shapesOf(o.candidates[0]!.abi.params, o.recording),
    jsNs,
    earlier,
    o.key,
    cls,
  );
  const at = new Date().toISOString();
  const pairs: PredictionPair[] = [];
  for (const t of prediction.targets) {
    const m = o.bench.targets.find((x) => x.target === t.target);
    if (m)
      pairs.push({
        at,
        key: o.key,
        target: t.target,
        node: costs.node,
        jsNs,
        overheadNs: t.overheadNs,
        predicted: t.speedup,
        measured: m.speedup.estimate,
        class: cls,
      });
  }
  const all = await savePairs(o.store, pairs);
  const story = predictionStory(
    prediction,
    o.bench.targets.map((t) => ({ target: t.target, name: t.name, speedup: t.speedup, verdict: t.verdict })),
  );
  return { costs, prediction, pairs, all, story };
}

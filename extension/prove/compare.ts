// How the proof compares one call of the original with one call of the candidate: the return value bit for bit
// and every array argument after the call, or within a tolerance the candidate declares.

/**
 * A tolerance a candidate may declare (an opt-in that lets floating-point sums be reordered): two numbers match
 * when |a - b| <= absolute + relative * max(|a|, |b|). NaN still matches only NaN, and infinities only themselves.
 */
import type { Tolerance } from '../tolerance';

export type { Tolerance };

/** What one call did: returned a value or threw. */
export type Outcome = { value: unknown } | { threw: string };

/** One array argument that differs after the call. */
export interface ArgDiff {
  /** 0-based argument position. */
  arg: number;
  /** First differing element, or -1 when the lengths or types differ. */
  index: number;
  expected: unknown;
  actual: unknown;
}

export interface CallDiff {
  why: string;
  argsAfter: ArgDiff[];
}

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** The IEEE 754 bits of a double, as a hex string. */
export function bitsOf(x: number): string {
  f64[0] = x;
  return u64[0]!.toString(16).padStart(16, '0');
}

/**
 * Two numbers match bit for bit: +0 and -0 differ, any NaN matches any NaN. NaN payloads are not compared:
 * ECMAScript leaves them to the engine (V8 may canonicalise a NaN whenever it moves a value), so no program can
 * depend on them, and WebAssembly leaves the sign of a NaN result unspecified.
 */
export function sameNumber(a: number, b: number, tolerance?: Tolerance): boolean {
  if (Object.is(a, b)) return true;
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (!tolerance || !Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= tolerance.absolute + tolerance.relative * Math.max(Math.abs(a), Math.abs(b));
}

function isArrayLike(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

function kindOf(v: unknown): string {
  if (Array.isArray(v)) return 'Array';
  if (ArrayBuffer.isView(v)) return Object.getPrototypeOf(v)?.constructor?.name ?? 'typed array';
  return typeof v;
}

/** An object compared by its fields (not an array, a typed array or null). */
function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !isArrayLike(v) && !(v instanceof DataView);
}

/**
 * Whether two values match (numbers as {@link sameNumber}, arrays element by element, objects by their own keys in
 * order and their values, other values with Object.is).
 */
export function sameValue(a: unknown, b: unknown, tolerance?: Tolerance): boolean {
  if (typeof a === 'number' && typeof b === 'number') return sameNumber(a, b, tolerance);
  if (isArrayLike(a) && isArrayLike(b)) return firstDifference(a, b, tolerance) === undefined;
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameValue(a[k], b[k], tolerance));
  }
  return Object.is(a, b);
}

/** The first index where two arrays differ; -1 when their kinds or lengths differ; undefined when they match. */
export function firstDifference(a: ArrayLike<unknown>, b: ArrayLike<unknown>, tolerance?: Tolerance): number | undefined {
  if (kindOf(a) !== kindOf(b) || a.length !== b.length) return -1;
  for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i], tolerance)) return i;
  return undefined;
}

/** A value as the counter-example shows it: -0 and NaN visible, arrays with their type, long arrays cut. */
export function show(v: unknown, max = 12): string {
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (isArrayLike(v)) {
    const items = Array.from({ length: Math.min(v.length, max) }, (_, i) => show(v[i], max));
    const more = v.length > max ? `, … (${v.length} elements)` : '';
    const body = `[${items.join(', ')}${more}]`;
    return Array.isArray(v) ? body : `${kindOf(v)} ${body}`;
  }
  if (v !== null && typeof v === 'object')
    return `{ ${Object.entries(v)
      .map(([k, x]) => `${k}: ${show(x, max)}`)
      .join(', ')} }`;
  return String(v);
}

/** The largest difference between the candidate's numbers and the original's: absolute, and relative to the larger magnitude. */
export interface ErrorSize {
  absolute: number;
  relative: number;
}

/** Folds the difference of two numbers into `into` (pairs that are not both finite are left to the comparison). */
function foldError(a: unknown, b: unknown, into: ErrorSize): void {
  if (typeof a === 'number' && typeof b === 'number') {
    if (!Number.isFinite(a) || !Number.isFinite(b)) return;
    const d = Math.abs(a - b);
    if (d === 0) return;
    into.absolute = Math.max(into.absolute, d);
    into.relative = Math.max(into.relative, d / Math.max(Math.abs(a), Math.abs(b)));
  } else if (isArrayLike(a) && isArrayLike(b) && a.length === b.length) {
    for (let i = 0; i < a.length; i++) foldError(a[i], b[i], into);
  } else if (isRecord(a) && isRecord(b)) {
    for (const k of Object.keys(a)) if (k in b) foldError(a[k], b[k], into);
  }
}

/** How far one call of the candidate is from the original's: the result and every array argument after the call. */
export function callError(
  expected: Outcome,
  actual: Outcome,
  afterE: readonly unknown[],
  afterA: readonly unknown[],
  into: ErrorSize = { absolute: 0, relative: 0 },
): ErrorSize {
  if ('value' in expected && 'value' in actual) foldError(expected.value, actual.value, into);
  for (let i = 0; i < Math.min(afterE.length, afterA.length); i++) foldError(afterE[i], afterA[i], into);
  return into;
}

/** Why one call of the candidate differs from the original's, or undefined when they match. */
export function compareCalls(
  args: readonly unknown[],
  expected: Outcome,
  actual: Outcome,
  afterE: readonly unknown[],
  afterA: readonly unknown[],
  tolerance?: Tolerance,
): CallDiff | undefined {
  const argsAfter: ArgDiff[] = [];
  for (let i = 0; i < args.length; i++) {
    const e = afterE[i];
    const a = afterA[i];
    // An object argument: its fields after the call.
    if (isRecord(e) && isRecord(a)) {
      if (!sameValue(e, a, tolerance)) argsAfter.push({ arg: i, index: -1, expected: e, actual: a });
      continue;
    }
    if (!isArrayLike(e) && !isArrayLike(a)) continue;
    if (!isArrayLike(e) || !isArrayLike(a)) {
      argsAfter.push({ arg: i, index: -1, expected: e, actual: a });
      continue;
    }
    const at = firstDifference(e, a, tolerance);
    if (at !== undefined) argsAfter.push({ arg: i, index: at, expected: at < 0 ? e : e[at], actual: at < 0 ? a : a[at] });
  }
  let why: string | undefined;
  if ('threw' in expected || 'threw' in actual) {
    if (!('threw' in expected)) why = `the candidate threw ${(actual as { threw: string }).threw}, the original returned ${show(expected.value)}`;
    else if (!('threw' in actual)) why = `the original threw ${expected.threw}, the candidate returned ${show(actual.value)}`;
    else if (expected.threw !== actual.threw) why = `they threw different errors: ${expected.threw} / ${actual.threw}`;
  } else if (!sameValue(expected.value, actual.value, tolerance)) {
    const e = expected.value;
    const a = actual.value;
    const bits = typeof e === 'number' && typeof a === 'number' ? ` (bits ${bitsOf(e)} / ${bitsOf(a)})` : '';
    why = `the result differs: ${show(e)} expected, ${show(a)} returned${bits}`;
  }
  if (!why && argsAfter.length > 0) {
    const d = argsAfter[0]!;
    why =
      d.index < 0
        ? `argument ${d.arg + 1} differs after the call (${show(d.expected)} / ${show(d.actual)})`
        : `argument ${d.arg + 1} differs after the call at index ${d.index}: ${show(d.expected)} expected, ${show(d.actual)} written`;
  }
  return why ? { why, argsAfter } : undefined;
}

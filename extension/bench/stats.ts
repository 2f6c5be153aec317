// Statistics of a benchmark: summaries of timing samples, the speedup of one variant over another with its 95 %
// confidence interval (ratioOfMedians says how and why), the verdict and the recommendation it supports, and how a
// ratio and its interval are printed everywhere (formatRatio).
import { seededRandom } from '../random';

/** A sample's location and spread. */
export interface Summary {
  n: number;
  mean: number;
  median: number;
  /** Sample standard deviation (n - 1). */
  sd: number;
  /** Standard error of the mean. */
  sem: number;
  /** Relative margin of error of the mean at 95 %, in percent (Student's t). */
  rme: number;
  min: number;
  max: number;
}

export type Verdict = 'faster' | 'slower' | 'not significant';

/** A ratio with its confidence interval. */
export interface RatioEstimate {
  estimate: number;
  ci95: [number, number];
}

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return xs.length > 0 ? s / xs.length : NaN;
}

/** Sample variance (divides by n - 1); 0 for a single value. */
export function variance(xs: ArrayLike<number>): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i]! - m) ** 2;
  return s / (xs.length - 1);
}

/** The p-quantile (0..1) of sorted values, interpolated linearly between order statistics (R's type 7). */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

export function median(xs: ArrayLike<number>): number {
  return quantileSorted(Float64Array.from(xs).sort(), 0.5);
}

const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069,
  2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** The 97.5th percentile of Student's t with `df` degrees of freedom (a table to 30, then a Cornish-Fisher expansion). */
export function t975(df: number): number {
  if (df < 1) return NaN;
  if (df <= 30) return T975[Math.floor(df) - 1]!;
  const z = 1.959963984540054;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2);
}

/** Mean, median, spread and the relative margin of error of a sample. */
export function summarize(xs: ArrayLike<number>): Summary {
  const n = xs.length;
  const sorted = Float64Array.from(xs).sort();
  const m = mean(sorted);
  const sd = Math.sqrt(variance(sorted));
  const sem = n > 0 ? sd / Math.sqrt(n) : NaN;
  const rme = n > 1 && m !== 0 ? (100 * t975(n - 1) * sem) / Math.abs(m) : 0;
  return { n, mean: m, median: quantileSorted(sorted, 0.5), sd, sem, rme, min: sorted[0] ?? NaN, max: sorted[n - 1] ?? NaN };
}

/** The k-th smallest value (0-based) of `a`, reordering it (Hoare's selection). */
function select(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

/** The median of `a`, reordering it; the same value as {@link median}. */
function medianInPlace(a: Float64Array): number {
  const n = a.length;
  const k = (n - 1) >> 1;
  const lo = select(a, k);
  if (n % 2 === 1) return lo;
  let hi = Infinity;
  for (let i = k + 1; i < n; i++) if (a[i]! < hi) hi = a[i]!;
  return lo + 0.5 * (hi - lo);
}

/**
 * A uniform random sample of at most `capacity` values from a stream of any length (Vitter's algorithm R): every
 * value seen has the same chance, capacity / seen, to be kept, so what is kept is a sample of the whole run, not of
 * its start. Seeded, so that a result can be reproduced.
 */
export class Reservoir {
  private readonly kept: Float64Array;
  private seenCount = 0;
  private readonly random: () => number;

  constructor(
    readonly capacity: number,
    seed = 1,
  ) {
    this.kept = new Float64Array(capacity);
    this.random = seededRandom(seed);
  }

  /** Offers one value. */
  push(x: number): void {
    const i = this.seenCount++;
    if (i < this.capacity) this.kept[i] = x;
    else {
      const j = Math.floor(this.random() * (i + 1));
      if (j < this.capacity) this.kept[j] = x;
    }
  }

  /** How many values were offered. */
  get seen(): number {
    return this.seenCount;
  }

  /** The values kept: all of them while fewer than the capacity were offered. */
  values(): Float64Array {
    return this.kept.slice(0, Math.min(this.seenCount, this.capacity));
  }
}

/** `xs` itself when it has at most `capacity` values, else a uniform random sample of `capacity` of them, kept in their order (the interval reads samples in the order they were measured). */
export function reservoirSample(xs: ArrayLike<number>, capacity: number, seed = 1): ArrayLike<number> {
  if (xs.length <= capacity) return xs;
  const r = new Reservoir(capacity, seed);
  for (let i = 0; i < xs.length; i++) r.push(i);
  const kept = r.values().sort();
  return Float64Array.from(kept, (i) => xs[i]!);
}

/** Contiguous batches a variant's samples are cut into for its interval (with at least {@link MIN_BATCH} samples each). */
export const BATCHES = 20;
/** The fewest samples in a batch; with fewer than 5 batches' worth, every sample is its own batch. */
export const MIN_BATCH = 10;

/** The log of a sample's median with its squared standard error and degrees of freedom (see {@link ratioOfMedians}). */
interface LogMedian {
  median: number;
  log: number;
  /** Squared standard error of `log`: 0 when every sample was equal, NaN when there is one sample. */
  se2: number;
  df: number;
}

function logMedian(xs: ArrayLike<number>): LogMedian {
  const n = xs.length;
  const sorted = Float64Array.from(xs).sort();
  const med = quantileSorted(sorted, 0.5);
  // The finest step between two different samples: the timer's resolution when samples fall on a grid.
  let step = Infinity;
  for (let i = 1; i < n; i++) {
    const d = sorted[i]! - sorted[i - 1]!;
    if (d > 0 && d < step) step = d;
  }
  if (n === 0) return { median: NaN, log: NaN, se2: NaN, df: 0 };
  if (step === Infinity) return { median: med, log: Math.log(med), se2: n === 1 ? NaN : 0, df: n - 1 };
  const batches = Math.min(BATCHES, Math.floor(n / MIN_BATCH));
  let logs: Float64Array;
  // The variance of the median of all samples over that of one batch's median divided by the batches: 1 + 1/m for
  // batches of m ≥ 10 samples (normal samples: 1.12 for m = 10, 1.04 for 20, → 1), π/2 for single samples (a
  // median's asymptotic efficiency against the mean).
  let kappa: number;
  if (batches >= 5) {
    const inOrder = Float64Array.from(xs);
    logs = new Float64Array(batches);
    for (let b = 0; b < batches; b++) logs[b] = Math.log(medianInPlace(inOrder.subarray(Math.floor((b * n) / batches), Math.floor(((b + 1) * n) / batches))));
    kappa = 1 + batches / n;
  } else {
    logs = Float64Array.from(xs, (x) => Math.log(x));
    kappa = Math.PI / 2;
  }
  // A median on a grid is known to half a step at best: that uncertainty (uniform, variance step²/12) is added.
  const se2 = (kappa * variance(logs)) / logs.length + (step / med) ** 2 / 12;
  return { median: med, log: Math.log(med), se2, df: logs.length - 1 };
}

/**
 * The ratio median(numerator) / median(denominator) with its 95 % confidence interval. For timings, pass the
 * baseline's times as the numerator to get a speedup (> 1 means the other variant is faster). Both samples must be
 * in the order they were measured.
 *
 * Method: a t interval on the log of the ratio (the delta method on log-times), log r = log m₁ − log m₂, each
 * median's standard error from batch medians. Each variant's samples are cut into up to 20 contiguous batches in
 * time order and the spread of the batches' log-medians gives the standard error of the variant's log-median; the
 * two errors add (the samples of the two variants are independent), with Welch's degrees of freedom and Student's t.
 * Why: consecutive timings in one process are not independent (a burst of other work, a GC cycle, a frequency
 * change slows many samples in a row), so a bootstrap that resamples single samples — the method before this
 * one — treats 3,000 correlated samples as 3,000 independent ones and gives an interval that shrinks as 1/√n to
 * almost nothing (1.44× [1.44×–1.44×] beside a ±13 % spread) and covers the true ratio far less than 95 % of the
 * time. Batches of consecutive samples carry that drift into their spread. With too few samples for five
 * batches of ten, every sample is its own batch, and the error is widened by π/2 in variance (a median is less
 * precise than a mean). Timings on a coarse grid (a timer's resolution) add the grid's half-step uncertainty, so
 * a median that cannot move between resamples still has an interval. Degenerate cases say so honestly: every
 * sample equal on both sides gives the exact ratio (no spread was measured); a variant with a single sample gives
 * an interval from 0 to ∞ (no spread can be estimated from one sample).
 */
export function ratioOfMedians(numerator: ArrayLike<number>, denominator: ArrayLike<number>): RatioEstimate {
  const a = logMedian(numerator);
  const b = logMedian(denominator);
  const logRatio = a.log - b.log;
  const estimate = a.median / b.median;
  if (Number.isNaN(a.se2) || Number.isNaN(b.se2)) return { estimate, ci95: [0, Infinity] };
  const se2 = a.se2 + b.se2;
  if (se2 === 0) return { estimate, ci95: [estimate, estimate] };
  // Welch–Satterthwaite: a side without spread adds nothing to the variance nor to the degrees of freedom.
  const part = (x: LogMedian) => (x.se2 > 0 ? x.se2 ** 2 / x.df : 0);
  const df = se2 ** 2 / (part(a) + part(b));
  const half = t975(df) * Math.sqrt(se2);
  return { estimate, ci95: [Math.exp(logRatio - half), Math.exp(logRatio + half)] };
}

/**
 * The speedup of runs made in rounds, each round running both versions once in turn (the whole-program runs). Two
 * runs of one round share the machine's load of the moment, so pairing them leaves out the drift between rounds
 * that, on a shared machine, made the unpaired interval of five runs span orders of magnitude (3.68× [0.0012×–11,100×]
 * for a program 5.2 s → 1.4 s in every round). The estimate is the rounds' geometric mean ratio (a ratio of medians
 * would pair runs of different rounds), the interval a t interval on the mean of the rounds' log-ratios. Fewer than
 * two rounds: the unpaired ratio of medians ({@link ratioOfMedians}).
 */
export function pairedRatio(before: readonly number[], after: readonly number[]): RatioEstimate {
  const n = Math.min(before.length, after.length);
  if (n < 2) return ratioOfMedians(before, after);
  const d = Float64Array.from({ length: n }, (_, i) => Math.log(before[i]! / after[i]!));
  const m = mean(d);
  const half = t975(n - 1) * Math.sqrt(variance(d) / n);
  return { estimate: Math.exp(m), ci95: [Math.exp(m - half), Math.exp(m + half)] };
}

/**
 * The median of samples taken in order, with its 95 % interval by the method of {@link ratioOfMedians} (batches of
 * consecutive samples, a t interval on the log): the history's time per call and its interval.
 */
export function medianWithInterval(xs: ArrayLike<number>): RatioEstimate {
  const m = logMedian(xs);
  if (Number.isNaN(m.se2)) return { estimate: m.median, ci95: [0, Infinity] };
  if (m.se2 === 0) return { estimate: m.median, ci95: [m.median, m.median] };
  const half = t975(m.df) * Math.sqrt(m.se2);
  return { estimate: m.median, ci95: [Math.exp(m.log - half), Math.exp(m.log + half)] };
}

/** Samples per variant a benchmark hands on to the history (a uniform random sample, in the order measured). */
export const HISTORY_SAMPLES = 200;

/** The interval's method in words, for a benchmark's note (after "the speedup is the ratio of median times, "). */
export const INTERVAL_METHOD =
  'with a 95% interval from the spread between batches of consecutive samples (up to 20 per variant, so that drift and bursts of other work widen it), a t interval on the log of the ratio';

/** Faster when the whole interval lies above 1, slower when below, otherwise not significant. */
export function verdictOf(speedup: RatioEstimate): Verdict {
  const [lo, hi] = speedup.ci95;
  if (lo > 1) return 'faster';
  if (hi < 1) return 'slower';
  return 'not significant';
}

/** Gains below this are called marginal: real, but rarely worth a second implementation to maintain. */
export const MARGINAL_SPEEDUP = 1.1;

/** `x` rounded to `digits` significant digits (down, up or to the nearest), with the decimals it then shows. */
function roundSignificant(x: number, digits: number, mode: 'floor' | 'ceil' | 'round'): { value: number; decimals: number } {
  if (x === 0 || !Number.isFinite(x)) return { value: x, decimals: 0 };
  const e = Math.floor(Math.log10(Math.abs(x)));
  const scale = 10 ** (digits - 1 - e);
  const v = x * scale;
  // The nudges keep a value a float ulp off a step (1.44 · 100 = 143.99999999999997) on its step.
  const k = mode === 'floor' ? Math.floor(v * (1 + 1e-12)) : mode === 'ceil' ? Math.ceil(v * (1 - 1e-12)) : Math.round(v);
  return { value: k / scale, decimals: Math.max(0, digits - 1 - e) };
}

function printRounded(r: { value: number; decimals: number }): string {
  if (r.value === Infinity) return '∞';
  if (Number.isNaN(r.value)) return '?';
  return `${r.value.toLocaleString('en-US', { minimumFractionDigits: r.decimals, maximumFractionDigits: r.decimals })}×`;
}

/** A ratio as printed: three significant digits (`0.190×`, `1.44×`, `12.3×`, `1,234×`), or more when asked. */
export function formatTimes(x: number, digits = 3): string {
  return printRounded(roundSignificant(x, Math.max(digits, Math.abs(x) >= 1000 ? Math.floor(Math.log10(Math.abs(x))) + 1 : 0), 'round'));
}

/** A duration in milliseconds as printed, in the unit that fits it (`2.50 ns`, `4.20 µs`, `12.5 ms`, `2.50 s`); `0` and `–`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms === 0) return '0';
  if (ms < 1e-3) return `${(ms * 1e6).toFixed(ms < 1e-4 ? 2 : 1)} ns`;
  if (ms < 1) return `${(ms * 1e3).toFixed(ms < 1e-2 ? 2 : 1)} µs`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** A ratio and its interval as printed, the three with the same significant digits. */
export interface FormattedRatio {
  estimate: string;
  lo: string;
  hi: string;
  /** `95% CI 1.440×–1.443×`, or why there is no interval. */
  ci: string;
}

/**
 * A ratio with its interval, printed so that the interval never looks narrower than it is: the bounds are rounded
 * outward (the printed interval holds the computed one), with three significant digits or as many more (up to six)
 * as it takes for the printed width to be at most twice the real one. An interval of [1.4401, 1.4425] prints as
 * 1.440×–1.443×, never 1.44×–1.44×.
 */
export function formatRatio(r: RatioEstimate): FormattedRatio {
  const [lo, hi] = r.ci95;
  if (!Number.isFinite(hi) || !(hi >= lo)) {
    const estimate = formatTimes(r.estimate);
    return { estimate, lo: '0×', hi: '∞', ci: 'no interval: a variant has a single sample, so its spread is unknown' };
  }
  if (hi === lo) {
    const estimate = formatTimes(r.estimate);
    return { estimate, lo: estimate, hi: estimate, ci: 'no spread measured: every sample was equal' };
  }
  let digits = 3;
  for (; digits < 6; digits++) {
    const width = roundSignificant(hi, digits, 'ceil').value - roundSignificant(lo, digits, 'floor').value;
    if (width <= 2 * (hi - lo)) break;
  }
  const out = {
    estimate: printRounded(roundSignificant(r.estimate, digits, 'round')),
    lo: printRounded(roundSignificant(lo, digits, 'floor')),
    hi: printRounded(roundSignificant(hi, digits, 'ceil')),
  };
  return { ...out, ci: `95% CI ${out.lo}–${out.hi}` };
}

/** What the measurement supports, in one sentence that starts with the advice. */
export function recommendation(speedup: RatioEstimate): string {
  const verdict = verdictOf(speedup);
  const { estimate } = speedup;
  const f = formatRatio(speedup);
  if (verdict === 'not significant') return `keep JavaScript: no significant gain (WebAssembly ${f.estimate}, ${f.ci})`;
  if (verdict === 'slower') return `keep JavaScript: WebAssembly is ${formatTimes(1 / estimate)} slower (speedup ${f.estimate}, ${f.ci})`;
  if (estimate < MARGINAL_SPEEDUP)
    return `keep JavaScript unless every percent counts: WebAssembly is only ${((estimate - 1) * 100).toFixed(0)}% faster (${f.ci})`;
  return `use WebAssembly: ${f.estimate} faster (${f.ci})`;
}

// Statistics of a benchmark: summaries of timing samples, the speedup of one variant over another with a bootstrap
// confidence interval (seeded, so a result can be reproduced), the verdict and the recommendation it supports.
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

/** `xs` itself when it has at most `capacity` values, else a uniform random sample of `capacity` of them. */
export function reservoirSample(xs: ArrayLike<number>, capacity: number, seed = 1): ArrayLike<number> {
  if (xs.length <= capacity) return xs;
  const r = new Reservoir(capacity, seed);
  for (let i = 0; i < xs.length; i++) r.push(xs[i]!);
  return r.values();
}

/**
 * The most samples per variant a bootstrap resamples. The interval is computed on a uniform random sample of this
 * size, which can only make it wider than one from every sample (never narrower), and keeps 2,000 resamples of two
 * variants near a second instead of minutes for a million samples.
 */
export const MAX_BOOTSTRAP_SAMPLES = 10_000;

export interface BootstrapOptions {
  statistic?: 'median' | 'mean';
  resamples?: number;
  seed?: number;
  /** Samples per variant resampled, at most ({@link MAX_BOOTSTRAP_SAMPLES} by default). */
  maxSamples?: number;
}

/**
 * The ratio statistic(numerator) / statistic(denominator) with a 95 % percentile-bootstrap interval: both samples
 * are resampled with replacement, independently, `resamples` times. For timings, pass the baseline's times as the
 * numerator to get a speedup (> 1 means the other variant is faster). The estimate uses every sample; a sample
 * longer than `maxSamples` is bootstrapped through a uniform random subsample of that size.
 */
export function bootstrapRatio(numerator: ArrayLike<number>, denominator: ArrayLike<number>, opts: BootstrapOptions = {}): RatioEstimate {
  const statistic = opts.statistic ?? 'median';
  const resamples = opts.resamples ?? 2000;
  const random = seededRandom(opts.seed ?? 1);
  const stat = statistic === 'median' ? (a: Float64Array) => medianInPlace(a) : (a: Float64Array) => mean(a);
  const estimate = stat(Float64Array.from(numerator)) / stat(Float64Array.from(denominator));
  const max = opts.maxSamples ?? MAX_BOOTSTRAP_SAMPLES;
  numerator = reservoirSample(numerator, max, (opts.seed ?? 1) + 1);
  denominator = reservoirSample(denominator, max, (opts.seed ?? 1) + 2);
  const a = new Float64Array(numerator.length);
  const b = new Float64Array(denominator.length);
  const ratios = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < a.length; i++) a[i] = numerator[Math.floor(random() * numerator.length)]!;
    for (let i = 0; i < b.length; i++) b[i] = denominator[Math.floor(random() * denominator.length)]!;
    ratios[r] = stat(a) / stat(b);
  }
  ratios.sort();
  return { estimate, ci95: [quantileSorted(ratios, 0.025), quantileSorted(ratios, 0.975)] };
}

/** Faster when the whole interval lies above 1, slower when below, otherwise not significant. */
export function verdictOf(speedup: RatioEstimate): Verdict {
  const [lo, hi] = speedup.ci95;
  if (lo > 1) return 'faster';
  if (hi < 1) return 'slower';
  return 'not significant';
}

/** Gains below this are called marginal: real, but rarely worth a second implementation to maintain. */
export const MARGINAL_SPEEDUP = 1.1;

function times(x: number): string {
  return `${x.toFixed(x < 10 ? 2 : 1)}×`;
}

/** What the measurement supports, in one sentence that starts with the advice. */
export function recommendation(speedup: RatioEstimate): string {
  const verdict = verdictOf(speedup);
  const { estimate } = speedup;
  const ci = `95% CI ${times(speedup.ci95[0])}–${times(speedup.ci95[1])}`;
  if (verdict === 'not significant') return `keep JavaScript: no significant gain (WebAssembly ${times(estimate)}, ${ci})`;
  if (verdict === 'slower') return `keep JavaScript: WebAssembly is ${times(1 / estimate)} slower (speedup ${times(estimate)}, ${ci})`;
  if (estimate < MARGINAL_SPEEDUP)
    return `keep JavaScript unless every percent counts: WebAssembly is only ${((estimate - 1) * 100).toFixed(0)}% faster (${ci})`;
  return `use WebAssembly: ${times(estimate)} faster (${ci})`;
}

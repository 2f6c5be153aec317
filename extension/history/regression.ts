// Regressions and improvements between consecutive versions of a function's code on the same machine: a rank test
// (Mann–Whitney U) on the stored samples, cut into batch medians first as the benchmark's interval is (stats.ts
// ratioOfMedians: consecutive timings in one process are not independent, batches of them nearly are), so that a
// thousand correlated samples do not make a 1 % drift "significant". A change is flagged when the test says p < 0.01
// and the medians differ by at least 10 % (asv's default factor): small steady shifts between two processes are real
// but not worth an alarm.
import { BATCHES, median, MIN_BATCH } from '../bench/stats';
import type { MeasurementRow } from './store';

/** The test's level and the smallest change flagged. */
export const ALPHA = 0.01;
export const MIN_CHANGE = 0.1;

/** The complementary error function (W. J. Cody's rational approximations via Numerical Recipes' erfc: |ε| < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/**
 * The Mann–Whitney U test, two-sided: U of `a` against `b` and the p-value from the normal approximation with the
 * correction for ties and for continuity (good from about five values a side).
 */
export function mannWhitney(a: readonly number[], b: readonly number[]): { u: number; p: number } {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) return { u: NaN, p: 1 };
  const all = [...a.map((v) => ({ v, first: true })), ...b.map((v) => ({ v, first: false }))].sort((x, y) => x.v - y.v);
  let rankSum = 0;
  let ties = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]!.v === all[i]!.v) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (all[k]!.first) rankSum += rank;
    const t = j - i + 1;
    ties += t ** 3 - t;
    i = j + 1;
  }
  const u = rankSum - (n1 * (n1 + 1)) / 2;
  const mu = (n1 * n2) / 2;
  const n = n1 + n2;
  const sigma2 = ((n1 * n2) / 12) * (n + 1 - ties / (n * (n - 1)));
  if (sigma2 <= 0) return { u, p: 1 };
  const z = Math.max(0, Math.abs(u - mu) - 0.5) / Math.sqrt(sigma2);
  return { u, p: Math.min(1, erfc(z / Math.SQRT2)) };
}

/** Samples in the order measured, as up to 20 medians of consecutive batches (single samples when too few for five batches of ten). */
export function batchMedians(xs: readonly number[]): number[] {
  const n = xs.length;
  const batches = Math.min(BATCHES, Math.floor(n / MIN_BATCH));
  if (batches < 5) return [...xs];
  return Array.from({ length: batches }, (_, b) => median(xs.slice(Math.floor((b * n) / batches), Math.floor(((b + 1) * n) / batches))));
}

/** A version of the code as the history names it: the commit (with the file's hash when it differed), or the file's hash. */
export function versionOf(r: Pick<MeasurementRow, 'commit' | 'dirty' | 'fileHash'>): string {
  if (!r.commit) return r.fileHash.slice(0, 7);
  return r.dirty ? `${r.commit.slice(0, 7)}+${r.fileHash.slice(0, 7)}` : r.commit.slice(0, 7);
}

/** A flagged (or tested) change between a measurement and the last one of the previous version. */
export interface VersionChange {
  variant: string;
  machine: string;
  before: MeasurementRow;
  after: MeasurementRow;
  /** after's median over before's: above 1 is slower. */
  ratio: number;
  p: number;
  kind: 'regression' | 'improvement' | 'no change';
}

/**
 * Tests each version's first measurement against the last measurement of the version before it, per variant and
 * machine (rows oldest first, as readMeasurements gives them). Repeated measurements of one version are not tested
 * against each other: their differences are noise, not a change of the code.
 */
export function versionChanges(rows: readonly MeasurementRow[]): VersionChange[] {
  const out: VersionChange[] = [];
  const groups = new Map<string, MeasurementRow[]>();
  for (const r of rows) {
    const k = `${r.function}\u0000${r.variant}\u0000${r.machine}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  for (const group of groups.values()) {
    for (let i = 1; i < group.length; i++) {
      const after = group[i]!;
      const before = group[i - 1]!;
      if (versionOf(before) === versionOf(after)) continue;
      const ratio = after.medianMs / before.medianMs;
      const { p } = before.samples.length > 1 && after.samples.length > 1 ? mannWhitney(batchMedians(before.samples), batchMedians(after.samples)) : { p: 1 };
      const big = ratio >= 1 + MIN_CHANGE || ratio <= 1 / (1 + MIN_CHANGE);
      const kind = p < ALPHA && big ? (ratio > 1 ? 'regression' : 'improvement') : 'no change';
      out.push({ variant: after.variant, machine: after.machine, before, after, ratio, p, kind });
    }
  }
  return out;
}

/** A p-value as flagged: `p < 0.001`, `p < 0.01`, or `p = 0.03`. */
export function formatP(p: number): string {
  if (p < 0.001) return 'p < 0.001';
  if (p < 0.01) return 'p < 0.01';
  return `p = ${p.toFixed(2)}`;
}

/** A change in words: `▲ 23 % slower than at abc1234 (p < 0.01)`, `▼ 40 % faster than at abc1234 (p < 0.001)`. */
export function describeChange(c: VersionChange): string {
  const at = versionOf(c.before);
  if (c.ratio >= 1) return `▲ ${Math.round((c.ratio - 1) * 100)} % slower than at ${at} (${formatP(c.p)})`;
  return `▼ ${Math.round((1 - c.ratio) * 100)} % faster than at ${at} (${formatP(c.p)})`;
}

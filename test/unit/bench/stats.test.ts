// Benchmark statistics against values worked out by hand.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatRatio,
  formatTimes,
  mean,
  median,
  pairedRatio,
  quantileSorted,
  ratioOfMedians,
  recommendation,
  summarize,
  t975,
  variance,
  verdictOf,
} from '../../../extension/bench/stats';
import { seededRandom } from '../../../extension/random';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} is not ${b}`);

describe('summaries', () => {
  it('mean, median, sample variance and quantiles of small samples', () => {
    assert.equal(mean([1, 2, 3, 4]), 2.5);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([5, 1, 3]), 3);
    // ((1.5² + 0.5²) · 2) / 3 = 5/3
    close(variance([1, 2, 3, 4]), 5 / 3);
    assert.equal(variance([7]), 0);
    // Type 7: h = (4 - 1) · 0.25 = 0.75 → 10 + 0.75 · (20 - 10)
    assert.equal(quantileSorted([10, 20, 30, 40], 0.25), 17.5);
    assert.equal(quantileSorted([10, 20, 30, 40], 1), 40);
  });

  it("Student's t: the table, then the expansion close to the exact values", () => {
    assert.equal(t975(1), 12.706);
    assert.equal(t975(3), 3.182);
    assert.equal(t975(30), 2.042);
    close(t975(40), 2.0211, 1e-4);
    close(t975(120), 1.9799, 1e-4);
    close(t975(1e6), 1.96, 1e-3);
  });

  it('relative margin of error: t · sd / √n / mean', () => {
    const s = summarize([1, 2, 3, 4]);
    assert.equal(s.n, 4);
    close(s.sd, Math.sqrt(5 / 3));
    close(s.sem, Math.sqrt(5 / 3) / 2);
    // 3.182 · 0.645497 / 2.5 · 100 = 82.159 %
    close(s.rme, 82.1588, 1e-3);
    assert.equal(s.min, 1);
    assert.equal(s.max, 4);
    assert.equal(summarize([5, 5, 5]).rme, 0);
  });
});

const gaussian = (random: () => number) => () => {
  let u = 0;
  for (let i = 0; i < 12; i++) u += random();
  return u - 6;
};

/** Timings with median `med` and a log-normal spread of `cv` (about ±cv), independent of each other. */
function lognormal(random: () => number, med: number, cv: number, n: number): number[] {
  const g = gaussian(random);
  return Array.from({ length: n }, () => med * Math.exp(cv * g()));
}

/** Timings whose noise drifts (an AR(1) process on the log, as under bursts of other work): neighbours are alike. */
function drifting(random: () => number, med: number, n: number): number[] {
  const g = gaussian(random);
  let e = 0;
  return Array.from({ length: n }, () => {
    e = 0.95 * e + 0.03 * g();
    return med * Math.exp(e + 0.02 * g());
  });
}

/** The share of `experiments` simulated benchmarks whose interval holds the true speedup (1.44). */
function coverage(experiments: number, sample: (med: number) => number[]): number {
  let held = 0;
  for (let k = 0; k < experiments; k++) {
    const s = ratioOfMedians(sample(1.44), sample(1));
    if (s.ci95[0] <= 1.44 && 1.44 <= s.ci95[1]) held++;
  }
  return held / experiments;
}

describe('speedup and its interval', () => {
  it('the same samples give the same interval: nothing random in it', () => {
    const r = seededRandom(3);
    const a = Array.from({ length: 200 }, () => 2 + r());
    const b = Array.from({ length: 200 }, () => 1 + r());
    assert.deepEqual(ratioOfMedians(a, b), ratioOfMedians(a.slice(), b.slice()));
  });

  it('constant samples: the ratio is exact, its interval has no width, and the text says why', () => {
    const s = ratioOfMedians([4, 4, 4], [2, 2, 2, 2]);
    assert.deepEqual(s, { estimate: 2, ci95: [2, 2] });
    assert.equal(verdictOf(s), 'faster');
    assert.equal(verdictOf(ratioOfMedians([1, 1], [2, 2])), 'slower');
    assert.equal(formatRatio(s).ci, 'no spread measured: every sample was equal');
    assert.equal(recommendation(s), 'use WebAssembly: 2.00× faster (no spread measured: every sample was equal)');
  });

  it('one sample of a variant: no interval can be computed, so none is claimed', () => {
    const s = ratioOfMedians([3], [1, 1.1, 0.9, 1.05]);
    assert.equal(s.estimate, 3 / 1.025);
    assert.deepEqual(s.ci95, [0, Infinity]);
    assert.equal(verdictOf(s), 'not significant');
    assert.match(formatRatio(s).ci, /no interval: a variant has a single sample/);
    assert.match(recommendation(s), /^keep JavaScript: no significant gain/);
  });

  it('two or three samples a side: an interval as wide as so little data allows, never zero', () => {
    for (const [a, b] of [
      [
        [2, 2.1],
        [1, 1.1],
      ],
      [
        [2, 2.1, 2.05],
        [1, 1.02, 0.98],
      ],
    ]) {
      const s = ratioOfMedians(a!, b!);
      assert.ok(s.ci95[0] < s.estimate && s.estimate < s.ci95[1], JSON.stringify(s));
      // Student's t with one or two degrees of freedom: far wider than the samples' own spread.
      assert.ok(s.ci95[1] / s.ci95[0] > 1.1, JSON.stringify(s));
    }
    assert.equal(verdictOf(ratioOfMedians([2, 2.1], [1, 1.1])), 'not significant');
  });

  it('the median ratio of two shifted uniform samples, with an interval around it', () => {
    // JavaScript uniform on [2, 3) (median 2.5), WebAssembly on [1, 2) (median 1.5): speedup 2.5 / 1.5 = 1.667.
    const r = seededRandom(11);
    const js = Array.from({ length: 2001 }, () => 2 + r());
    const wasm = Array.from({ length: 2001 }, () => 1 + r());
    const s = ratioOfMedians(js, wasm);
    close(s.estimate, 5 / 3, 0.03);
    assert.ok(s.ci95[0] < 5 / 3 && 5 / 3 < s.ci95[1], JSON.stringify(s));
    assert.ok(s.ci95[1] - s.ci95[0] < 0.1);
    assert.equal(verdictOf(s), 'faster');
  });

  it('the same distribution twice is not significant', () => {
    const r = seededRandom(2);
    const a = Array.from({ length: 500 }, () => 1 + r());
    const b = Array.from({ length: 500 }, () => 1 + r());
    const s = ratioOfMedians(a, b);
    assert.ok(s.ci95[0] < 1 && s.ci95[1] > 1, JSON.stringify(s));
    assert.equal(verdictOf(s), 'not significant');
  });

  it('never zero-width when the samples vary: many samples, a ±13 % spread, a timer grid', () => {
    const r = seededRandom(5);
    // 20,000 samples a side, ±13 %: the interval is narrow but has a width, and it prints with one.
    const fine = ratioOfMedians(lognormal(r, 200e-6, 0.13, 20_000), lognormal(r, 1050e-6, 0.13, 20_000));
    assert.ok(fine.ci95[1] > fine.ci95[0], JSON.stringify(fine));
    const f = formatRatio(fine);
    assert.notEqual(f.lo, f.hi, JSON.stringify(f));
    // A 200 ns call timed by a clock that ticks every 100 ns: the samples are 100, 200 or 300 ns and the median of
    // any resample is 200 ns, yet the true median is anywhere in a step: the interval says so.
    const grid = (med: number) => lognormal(r, med, 0.13, 5000).map((x) => Math.round(x / 100) * 100);
    const coarse = ratioOfMedians(grid(200), grid(1050));
    assert.ok(coarse.ci95[1] / coarse.ci95[0] > 1.2, JSON.stringify(coarse));
    assert.ok(coarse.ci95[0] < 200 / 1050 && 200 / 1050 < coarse.ci95[1], JSON.stringify(coarse));
  });

  it('covers the true speedup in about 95 % of simulated benchmarks, few samples or many', () => {
    const r = seededRandom(7);
    for (const n of [5, 30, 400, 3000]) {
      const c = coverage(300, (med) => lognormal(r, med, 0.13, n));
      assert.ok(c >= 0.91 && c <= 0.995, `${n} samples a side: ${(100 * c).toFixed(1)} % of the intervals hold the true speedup`);
    }
  });

  it('covers it too when the noise drifts, as on a busy machine (a resampling of single samples did not: 27 %)', () => {
    const r = seededRandom(8);
    const c = coverage(200, (med) => drifting(r, med, 3000));
    assert.ok(c >= 0.9, `${(100 * c).toFixed(1)} % of the intervals hold the true speedup`);
  });

  it('whole programs in rounds: the paired interval leaves out the load that drifts between rounds, and still covers', () => {
    const r = seededRandom(10);
    const g = gaussian(r);
    // Five rounds; each round's load (1× to 4×) slows both versions alike; each run has its own ±5 % noise.
    const rounds = (true_: number) => {
      const load = Array.from({ length: 5 }, () => 1 + 3 * r());
      return {
        before: load.map((l) => 5200 * l * Math.exp(0.05 * g())),
        after: load.map((l) => (5200 / true_) * l * Math.exp(0.05 * g())),
      };
    };
    const { before, after } = rounds(3.7);
    const paired = pairedRatio(before, after);
    const unpaired = ratioOfMedians(before, after);
    assert.ok(paired.ci95[0] > 3 && paired.ci95[1] < 4.5, `near the true 3.7×, and significant: ${JSON.stringify(paired)}`);
    const width = (x: { ci95: [number, number] }) => Math.log(x.ci95[1] / x.ci95[0]);
    assert.ok(width(paired) < width(unpaired) / 3, `${JSON.stringify(paired)} vs ${JSON.stringify(unpaired)}`);
    assert.ok(paired.ci95[0] <= paired.estimate && paired.estimate <= paired.ci95[1]);
    let held = 0;
    for (let k = 0; k < 300; k++) {
      const s = rounds(1.44);
      const p = pairedRatio(s.before, s.after);
      if (p.ci95[0] <= 1.44 && 1.44 <= p.ci95[1]) held++;
    }
    assert.ok(held / 300 >= 0.9 && held / 300 <= 0.995, `${((100 * held) / 300).toFixed(1)} % of the paired intervals hold the true speedup`);
    // One round: nothing to pair, the unpaired interval (from 0 to ∞ for one sample).
    assert.deepEqual(pairedRatio([10], [5]).ci95, [0, Infinity]);
  });

  it('huge outliers (a collection pause in one sample of twenty) leave the median and its interval sound', () => {
    const r = seededRandom(9);
    const spiky = (med: number) => lognormal(r, med, 0.05, 2000).map((x) => (r() < 0.05 ? x * 50 : x));
    const s = ratioOfMedians(spiky(1.44), spiky(1));
    assert.ok(s.ci95[0] <= 1.44 && 1.44 <= s.ci95[1], JSON.stringify(s));
    assert.ok(s.ci95[1] / s.ci95[0] < 1.05, JSON.stringify(s));
  });

  it('prints enough digits that a real interval never looks zero-width, rounding its bounds outward', () => {
    assert.deepEqual(formatRatio({ estimate: 1.4412, ci95: [1.4401, 1.4425] }), {
      estimate: '1.441×',
      lo: '1.440×',
      hi: '1.443×',
      ci: '95% CI 1.440×–1.443×',
    });
    assert.equal(formatRatio({ estimate: 0.1903, ci95: [0.18952, 0.19125] }).ci, '95% CI 0.189×–0.192×');
    assert.equal(formatRatio({ estimate: 3.2, ci95: [3.0, 3.4] }).ci, '95% CI 3.00×–3.40×');
    assert.equal(formatTimes(1234.4), '1,234×');
    const r = seededRandom(10);
    for (let i = 0; i < 2000; i++) {
      const lo = Math.exp(6 * r() - 3);
      const hi = lo * (1 + 10 ** (-6 * r()));
      const f = formatRatio({ estimate: lo, ci95: [lo, hi] });
      assert.notEqual(f.lo, f.hi, `${lo}–${hi}`);
      assert.ok(Number(f.lo.replace(/[×,]/g, '')) <= lo && Number(f.hi.replace(/[×,]/g, '')) >= hi, `${f.ci} holds ${lo}–${hi}`);
    }
  });

  it('recommendations say what to do first, and never call noise a gain', () => {
    assert.equal(recommendation({ estimate: 1.02, ci95: [0.97, 1.08] }), 'keep JavaScript: no significant gain (WebAssembly 1.02×, 95% CI 0.970×–1.08×)');
    assert.equal(recommendation({ estimate: 0.5, ci95: [0.45, 0.55] }), 'keep JavaScript: WebAssembly is 2.00× slower (speedup 0.500×, 95% CI 0.450×–0.550×)');
    assert.equal(
      recommendation({ estimate: 1.05, ci95: [1.03, 1.07] }),
      'keep JavaScript unless every percent counts: WebAssembly is only 5% faster (95% CI 1.03×–1.07×)',
    );
    assert.equal(recommendation({ estimate: 3.2, ci95: [3.0, 3.4] }), 'use WebAssembly: 3.20× faster (95% CI 3.00×–3.40×)');
  });
});

// Benchmark statistics against values worked out by hand.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bootstrapRatio, mean, median, quantileSorted, recommendation, summarize, t975, variance, verdictOf } from '../../../extension/bench/stats';
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

describe('speedup and verdict', () => {
  it('the bootstrap is seeded: the same seed gives the same interval', () => {
    const r = seededRandom(3);
    const a = Array.from({ length: 200 }, () => 2 + r());
    const b = Array.from({ length: 200 }, () => 1 + r());
    assert.deepEqual(bootstrapRatio(a, b, { seed: 5 }), bootstrapRatio(a, b, { seed: 5 }));
  });

  it('constant samples: the ratio is exact and its interval has no width', () => {
    const s = bootstrapRatio([4, 4, 4], [2, 2, 2, 2], { resamples: 100 });
    assert.deepEqual(s, { estimate: 2, ci95: [2, 2] });
    assert.equal(verdictOf(s), 'faster');
    assert.equal(verdictOf(bootstrapRatio([1, 1], [2, 2])), 'slower');
  });

  it('the median ratio of two shifted uniform samples, with an interval around it', () => {
    // JavaScript uniform on [2, 3) (median 2.5), WebAssembly on [1, 2) (median 1.5): speedup 2.5 / 1.5 = 1.667.
    const r = seededRandom(11);
    const js = Array.from({ length: 2001 }, () => 2 + r());
    const wasm = Array.from({ length: 2001 }, () => 1 + r());
    const s = bootstrapRatio(js, wasm, { resamples: 500 });
    close(s.estimate, 5 / 3, 0.03);
    assert.ok(s.ci95[0] < s.estimate && s.estimate < s.ci95[1]);
    assert.ok(s.ci95[1] - s.ci95[0] < 0.1);
    assert.equal(verdictOf(s), 'faster');
    // The mean statistic gives the same ratio here (means 2.5 and 1.5).
    close(bootstrapRatio(js, wasm, { statistic: 'mean', resamples: 200 }).estimate, 5 / 3, 0.03);
  });

  it('the same distribution twice is not significant', () => {
    const r = seededRandom(2);
    const a = Array.from({ length: 500 }, () => 1 + r());
    const b = Array.from({ length: 500 }, () => 1 + r());
    const s = bootstrapRatio(a, b, { resamples: 500 });
    assert.ok(s.ci95[0] < 1 && s.ci95[1] > 1, JSON.stringify(s));
    assert.equal(verdictOf(s), 'not significant');
  });

  it('recommendations say what to do first, and never call noise a gain', () => {
    assert.equal(recommendation({ estimate: 1.02, ci95: [0.97, 1.08] }), 'keep JavaScript: no significant gain (WebAssembly 1.02×, 95% CI 0.97×–1.08×)');
    assert.equal(recommendation({ estimate: 0.5, ci95: [0.45, 0.55] }), 'keep JavaScript: WebAssembly is 2.00× slower (speedup 0.50×, 95% CI 0.45×–0.55×)');
    assert.equal(
      recommendation({ estimate: 1.05, ci95: [1.03, 1.07] }),
      'keep JavaScript unless every percent counts: WebAssembly is only 5% faster (95% CI 1.03×–1.07×)',
    );
    assert.equal(recommendation({ estimate: 3.2, ci95: [3.0, 3.4] }), 'use WebAssembly: 3.20× faster (95% CI 3.00×–3.40×)');
  });
});

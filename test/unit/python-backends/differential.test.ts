// Differential tests of the Cython and pybind11 backends against CPython: every kernel of kernels.ts is compiled
// into one module per target (one build each, cached by content in .cache/), wrapped as Apply wraps it, and run by
// one Python process on random and edge-case inputs next to the original; results, mutated arguments and raised
// exceptions must be identical, floats bit for bit.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { PythonKernel } from '../../../extension/compiler/compile-python';
import { pythonEnv } from '../../python-env';
import { buildBatch } from './build-batch';
import { KERNEL_CASES, lowerCases, prefixKernel, runDifferential } from './kernels';

let python = '';
let kernels: PythonKernel[] = [];

before(async () => {
  python = (await pythonEnv()).python;
  kernels = (await lowerCases(python)).map((k, i) => prefixKernel(k, `k${i}_`));
});

for (const target of ['cython', 'pybind11'] as const) {
  describe(`${target} backend against CPython`, () => {
    it("gives CPython's results, mutations and exceptions on every kernel, bailing out only where it must", { timeout: 900_000 }, async () => {
      const { dir, wrappers } = await buildBatch(python, kernels, target);
      const reports = await runDifferential(python, dir, kernels, wrappers, 1234, 300_000);
      if (process.env.PERF_LAB_VERBOSE)
        console.log(reports.map((r) => `${r.fn}: ${r.cases} calls, ${r.fallbacks} fell back, ${r.mismatchCount} differ`).join('\n'));
      assert.equal(reports.length, KERNEL_CASES.length);
      for (const r of reports) {
        assert.equal(
          r.mismatchCount,
          0,
          `${target} ${r.fn}: ${r.mismatchCount} of ${r.cases} calls differ from CPython, e.g. ${JSON.stringify(r.mismatches, null, 1)}`,
        );
        assert.equal(r.calls, r.cases);
        // The compiled code really ran: most calls did not fall back to the original.
        assert.ok(r.fallbacks < r.cases * 0.6, `${target} ${r.fn}: ${r.fallbacks} of ${r.cases} calls fell back`);
      }
      const byFn = new Map(reports.map((r) => [r.fn, r]));
      // Inputs beyond 64 bits, zero divisors and bad math arguments did reach the bail-out path.
      for (const fn of ['int_ops', 'int_pow', 'float_ops', 'arrays']) assert.ok(byFn.get(fn)!.fallbacks > 0, `${target} ${fn}: no call bailed out`);
      for (const fn of ['mandelbrot', 'collatz_steps', 'advance', 'relax', 'pairwise_sum', 'loops'])
        assert.equal(byFn.get(fn)!.fallbacks, 0, `${target} ${fn} fell back`);
    });
  });
}

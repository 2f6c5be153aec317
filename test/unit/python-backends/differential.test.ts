// Differential tests of the Cython and pybind11 backends against CPython: every kernel of kernels.ts is compiled
// into one module per target (one build each, cached by content in .cache/), wrapped as Apply wraps it, and run by
// one Python process on random and edge-case inputs next to the original; results, mutated arguments and raised
// exceptions must be identical, floats bit for bit.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { emitCythonBatch, CYTHON_RUNTIME_HEADER } from '../../../extension/compiler/backend-cython';
import { emitPybind11Batch, PYBIND11_FLAGS } from '../../../extension/compiler/backend-pybind11';
import type { PythonKernel, PythonTarget } from '../../../extension/compiler/compile-python';
import { PY_NATIVE_RUNTIME } from '../../../extension/compiler/python-native-runtime';
import { buildCython } from '../../../native/build-cython';
import { buildPybind11 } from '../../../native/build-pybind11';
import { pythonEnv } from '../../python-env';
import { KERNEL_CASES, lowerCases, prefixKernel, ROOT, runDifferential, writeWrappers } from './kernels';

let python = '';
let kernels: PythonKernel[] = [];

before(async () => {
  python = (await pythonEnv()).python;
  kernels = (await lowerCases(python)).map((k, i) => prefixKernel(k, `k${i}_`));
});

/** Emits and builds the batch module of a target in .cache/python-backends/<target>-<hash>/; writes the wrappers. */
async function buildBatch(target: Exclude<PythonTarget, 'numba'>): Promise<{ dir: string; wrappers: string[] }> {
  const module = `perf_lab_batch_${target}`;
  const files: Record<string, string> =
    target === 'cython' ? { [`${module}.pyx`]: emitCythonBatch(kernels), [CYTHON_RUNTIME_HEADER]: PY_NATIVE_RUNTIME } : { [`${module}.cpp`]: emitPybind11Batch(kernels, module) };
  const hash = createHash('sha256').update(python).update(JSON.stringify(Object.entries(files))).digest('hex').slice(0, 16);
  const dir = join(ROOT, '.cache', 'python-backends', `${target}-${hash}`);
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  if (target === 'cython') await buildCython({ python, dir, source: `${module}.pyx`, module });
  else await buildPybind11({ python, dir, source: `${module}.cpp`, module, flags: PYBIND11_FLAGS });
  return { dir, wrappers: await writeWrappers(dir, kernels, module, target) };
}

for (const target of ['cython', 'pybind11'] as const) {
  describe(`${target} backend against CPython`, () => {
    it('gives CPython\'s results, mutations and exceptions on every kernel, bailing out only where it must', { timeout: 900_000 }, async () => {
      const { dir, wrappers } = await buildBatch(target);
      const reports = await runDifferential(python, dir, kernels, wrappers, 1234, 300_000);
      if (process.env.PERF_LAB_VERBOSE) console.log(reports.map((r) => `${r.fn}: ${r.cases} calls, ${r.fallbacks} fell back, ${r.mismatchCount} differ`).join("\n"));
      assert.equal(reports.length, KERNEL_CASES.length);
      for (const r of reports) {
        assert.equal(r.mismatchCount, 0, `${target} ${r.fn}: ${r.mismatchCount} of ${r.cases} calls differ from CPython, e.g. ${JSON.stringify(r.mismatches, null, 1)}`);
        assert.equal(r.calls, r.cases);
        // The compiled code really ran: most calls did not fall back to the original.
        assert.ok(r.fallbacks < r.cases * 0.6, `${target} ${r.fn}: ${r.fallbacks} of ${r.cases} calls fell back`);
      }
      const byFn = new Map(reports.map((r) => [r.fn, r]));
      // Inputs beyond 64 bits, zero divisors and bad math arguments did reach the bail-out path.
      for (const fn of ['int_ops', 'int_pow', 'float_ops', 'arrays']) assert.ok(byFn.get(fn)!.fallbacks > 0, `${target} ${fn}: no call bailed out`);
      for (const fn of ['mandelbrot', 'collatz_steps', 'advance', 'relax', 'pairwise_sum', 'loops']) assert.equal(byFn.get(fn)!.fallbacks, 0, `${target} ${fn} fell back`);
    });
  });
}

// Differential test of the Numba backend against CPython: the kernels the Python backends share (semantics fixtures
// and the examples) compiled into one Numba module, wrapped as Apply wraps them, and run by one Python process on
// random and edge-case inputs next to the original (test/unit/python-backends/differential.py): results, mutated
// arguments and exceptions must be identical, floats bit for bit. Also the checked-arithmetic helpers on their own,
// at the edges of int64, since an overflow test on a wrapped result can be folded away by LLVM.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { emitNumbaBatch } from '../../../extension/compiler/backend-numba';
import type { PythonKernel } from '../../../extension/compiler/compile-python';
import { pythonEnv } from '../../python-env';
import { KERNEL_CASES, lowerCases, prefixKernel, ROOT, runDifferential, writeWrappers } from '../python-backends/kernels';

let python = '';
/** Why the tests cannot run: the environment with Numba could not be made (no network, no pip). */
let unavailable = '';
let kernels: PythonKernel[] = [];
let dir = '';
const MODULE = 'perf_lab_batch_numba';

function run(args: string[], stdin?: string): Promise<string> {
  return new Promise((done, fail) => {
    const child = execFile(python, args, { maxBuffer: 64 << 20, timeout: 600_000 }, (err, stdout, stderr) => {
      if (err) return fail(new Error(`${args[0]} failed: ${String(stderr).slice(-3000)}`));
      done(String(stdout));
    });
    child.stdin!.end(stdin ?? '');
  });
}

before(async () => {
  try {
    python = (await pythonEnv()).python;
  } catch (e) {
    unavailable = `the Python environment with Numba could not be made: ${(e as Error).message}`;
    return;
  }
  kernels = (await lowerCases(python)).map((k, i) => prefixKernel(k, `k${i}_`));
  const source = emitNumbaBatch(kernels);
  dir = join(ROOT, '.cache', 'python-backends', `numba-${createHash('sha256').update(python).update(source).digest('hex').slice(0, 16)}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${MODULE}.py`), source);
});

describe('Numba backend against CPython', () => {
  it('checked int64 helpers bail out exactly where Python leaves 64 bits', { timeout: 600_000 }, async (t) => {
    if (unavailable) return t.skip(unavailable);
    const script = `
import sys, json
sys.path.insert(0, ${JSON.stringify(dir)})
import ${MODULE} as k
MIN, MAX = -2**63, 2**63 - 1
# (Products near 2**63: 3037000499**2 and 3 * 3074457345618258602 fit, 3037000500**2 and 2**62 * 2 do not, -2**62 * 2 is MIN.)
vals = [0, 1, -1, 2, -2, 3, -3, 7, -7, 3037000499, -3037000499, 3037000500, -3037000500, 2**31, 2**32 + 1, 2**53 + 1, 2**62, -2**62, MAX, MIN, MAX - 1, MIN + 1, 3074457345618258602, 3074457345618258603, -3074457345618258602]
ops = {"_pl_add": lambda a, b: a + b, "_pl_sub": lambda a, b: a - b, "_pl_mul": lambda a, b: a * b, "_pl_floordiv": lambda a, b: a // b, "_pl_mod": lambda a, b: a % b}
bad = []
checked = 0
for name, op in ops.items():
    f = getattr(k, name)
    for a in vals:
        for b in vals:
            try:
                exact = op(a, b)
            except ZeroDivisionError:
                exact = None
            try:
                got = f(a, b)
            except Exception:
                got = None
            checked += 1
            fits = exact is not None and MIN <= exact <= MAX
            if got is not None and got != exact or got is None and fits:
                bad.append([name, a, b, exact, got])
print(json.dumps({"checked": checked, "bad": bad[:10]}))
`;
    const r = JSON.parse(await run(['-c', script])) as { checked: number; bad: unknown[] };
    assert.ok(r.checked > 2000);
    assert.deepEqual(r.bad, []);
  });

  it("gives CPython's results, mutations and exceptions on every kernel, bailing out only where it must", { timeout: 900_000 }, async (t) => {
    if (unavailable) return t.skip(unavailable);
    const wrappers = await writeWrappers(dir, kernels, MODULE, 'numba');
    const reports = await runDifferential(python, dir, kernels, wrappers, 4321, 600_000);
    assert.equal(reports.length, KERNEL_CASES.length);
    for (const r of reports) {
      assert.equal(
        r.mismatchCount,
        0,
        `numba ${r.fn}: ${r.mismatchCount} of ${r.cases} calls differ from CPython, e.g. ${JSON.stringify(r.mismatches, null, 1)}`,
      );
      assert.equal(r.calls, r.cases);
      assert.ok(r.fallbacks < r.cases * 0.6, `numba ${r.fn}: ${r.fallbacks} of ${r.cases} calls fell back`);
    }
    const byFn = new Map(reports.map((r) => [r.fn, r]));
    for (const fn of ['int_ops', 'int_pow', 'float_ops']) assert.ok(byFn.get(fn)!.fallbacks > 0, `numba ${fn}: no call bailed out`);
    for (const fn of ['mandelbrot', 'collatz_steps', 'advance', 'relax', 'pairwise_sum', 'loops'])
      assert.equal(byFn.get(fn)!.fallbacks, 0, `numba ${fn} fell back`);
  });
});

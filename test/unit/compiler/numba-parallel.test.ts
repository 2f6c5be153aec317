// The numba-parallel target: which loops of a Python kernel the independence analysis (parallel.ts
// analyzePyParallel) runs with prange, the module it generates (golden files), and the real Numba running it next to
// the original on a program of our own (test/fixtures/parallel/kernels.py): results and written arrays equal bit for
// bit, each parallel loop really run in parallel (Numba's warning that it could not be is an error here), an iteration
// that bails out running the original, and a float sum added in the original order.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { asset } from '../../../extension/assets';
import { emitNumbaModule, numbaParallelBackend } from '../../../extension/compiler/backend-numba';
import { compilePython, type PythonCandidate, type PythonKernel } from '../../../extension/compiler/compile-python';
import { selectPythonKernel } from '../../../extension/compiler/frontend-py';
import { analyzePyParallel, describePyParallel } from '../../../extension/compiler/parallel';
import { PerfLabError } from '../../../extension/errors';
import { pythonEnv } from '../../python-env';
import { ROOT } from '../python-backends/kernels';

const FILE = join(ROOT, 'test', 'fixtures', 'parallel', 'kernels.py');
const GOLDEN = join(ROOT, 'test', 'fixtures', 'parallel', 'golden');
const update = process.env.PERF_LAB_UPDATE_GOLDEN === '1';

const CASES: Record<string, string[]> = {
  row_norms: ['ndarray[float64, 2]'],
  escape_energy: ['list[float]', 'list[float]', 'int'],
  smooth: ['ndarray[float64]', 'int'],
  gather: ['ndarray[float64]', 'ndarray[int64]', 'ndarray[float64]'],
  prefix: ['ndarray[float64]', 'ndarray[float64]'],
};

let python = '';
const kernels: Record<string, PythonKernel> = {};
const scratch = mkdtempSync(join(tmpdir(), 'perf-lab-numba-parallel-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

before(async () => {
  python = (await pythonEnv()).python;
  for (const [fn, params] of Object.entries(CASES)) {
    const r = await selectPythonKernel({ python, file: FILE, fileName: 'kernels.py', functionName: fn, params });
    if (!r.ok) throw new Error(`${fn}: refused: ${JSON.stringify(r.refusal)}`);
    kernels[fn] = r.kernel;
  }
});

describe('numba-parallel: which loops run on threads', () => {
  it('takes the loops whose iterations are independent, and says why the others stay serial', () => {
    const report = (fn: string) => describePyParallel(analyzePyParallel(kernels[fn]!.ir));
    assert.equal(report('row_norms'), 'prange: the loop over i runs on threads (from 4 iterations)');
    // The int sum and the float sum are combined after the loop, in the original order.
    assert.equal(report('escape_energy'), 'prange: the loop over i runs on threads (from 4 iterations; total, energy combined in order after it)');
    // The sweep carries u; its two loops over the points (both counting with i) are each independent.
    const smooth = analyzePyParallel(kernels.smooth!.ir);
    assert.deepEqual(
      smooth.loops.map((l) => l.counterName),
      ['i', 'i'],
    );
    assert.deepEqual(smooth.serial, [{ fn: 'smooth', counterName: '_', reason: 'it reads u[…] at an index not proven distinct for each iteration' }]);
    assert.equal(report('gather'), 'prange: the loop over i runs on threads (from 4 iterations)');
    // out[i - 1] is written by the iteration before: the loop is refused, and so is the target.
    assert.match(report('prefix'), /^prange: the loop over i stays serial \(it reads out\[…\]/);
    assert.throws(
      () => numbaParallelBackend.emit(kernels.prefix!, 'k'),
      (e: unknown) => e instanceof PerfLabError && /No loop of prefix runs in parallel: the loop over i: it reads out\[…\]/.test(e.message),
    );
  });

  it('refuses a loop that carries a value, breaks out early, or assigns what is read after it', async () => {
    const src = join(scratch, 'refused.py');
    writeFileSync(
      src,
      [
        'def running(xs):',
        '    last = 0.0',
        '    for i in range(len(xs)):',
        '        y = last * 0.5 + xs[i]',
        '        last = y * y',
        '    return last',
        '',
        'def first_big(xs, out):',
        '    for i in range(len(out)):',
        '        if xs[i] > 10.0:',
        '            break',
        '        out[i] = xs[i] * 2.0',
        '',
        'def temp_after(xs, out):',
        '    t = 0.0',
        '    for i in range(len(out)):',
        '        t = xs[i] * 2.0',
        '        out[i] = t',
        '    return t',
        '',
      ].join('\n'),
    );
    const reasons: string[] = [];
    for (const [fn, params] of [
      ['running', ['list[float]']],
      ['first_big', ['list[float]', 'list[float]']],
      ['temp_after', ['list[float]', 'list[float]']],
    ] as const) {
      const r = await selectPythonKernel({ python, file: src, fileName: 'refused.py', functionName: fn, params: [...params] });
      assert.ok(r.ok, fn);
      const report = analyzePyParallel(r.kernel.ir);
      assert.equal(report.loops.length, 0, fn);
      reasons.push(report.serial[0]!.reason);
    }
    assert.deepEqual(reasons, ['last carries a value from one iteration to the next', 'it breaks out of the loop', 't is read after the loop']);
  });
});

describe('numba-parallel: the generated module', () => {
  it('matches the golden files (PERF_LAB_UPDATE_GOLDEN=1 rewrites them)', () => {
    const helpers = asset('compiler/runtime/numba_helpers.py');
    for (const fn of ['row_norms', 'escape_energy', 'smooth', 'gather']) {
      const text = emitNumbaModule(kernels[fn]!, true).replace(helpers, '# (numba_helpers.py)\n');
      const path = join(GOLDEN, `${fn}.numba_parallel.py`);
      if (update) writeFileSync(path, text);
      else {
        assert.ok(existsSync(path), `${path} is missing: run with PERF_LAB_UPDATE_GOLDEN=1 and review it`);
        assert.equal(text, readFileSync(path, 'utf8'), `${fn}: differs from its golden file`);
      }
    }
  });

  it('takes the worker count (perfLab.parallel.workers, --workers) as its thread count, PERF_LAB_WORKERS still first', () => {
    const plain = numbaParallelBackend.emit(kernels.row_norms!, 'k').files['k.py']!;
    const three = numbaParallelBackend.emit(kernels.row_norms!, 'k', { workers: 3 }).files['k.py']!;
    assert.match(plain, /^_PL_WORKERS = _os\.environ\.get\("PERF_LAB_WORKERS", ""\)$/m);
    assert.match(three, /^_PL_WORKERS = _os\.environ\.get\("PERF_LAB_WORKERS", "3"\)/m);
    assert.equal(three.replace(/"3"\).*$/m, '"")'), plain, 'only the default differs');
  });
});

describe('numba-parallel: compiled by Numba, run next to the original', () => {
  it('gives the same results and writes, runs each proven loop in parallel, and falls back where an iteration bails out', async () => {
    const candidates: PythonCandidate[] = [];
    for (const fn of ['row_norms', 'escape_energy', 'smooth', 'gather'])
      candidates.push(await compilePython(kernels[fn]!, 'numba-parallel', { python, cacheDir: join(scratch, 'cache') }));
    assert.match(candidates[0]!.log[0]!, /^Numba parallel \(numpy .*numba /);
    const driver = join(scratch, 'driver.py');
    writeFileSync(
      driver,
      `
import importlib, json, sys, warnings
import numpy as np
import numba
# A loop Numba could not run in parallel warns; here that fails the test.
warnings.simplefilter("error", numba.NumbaPerformanceWarning)
sys.path.insert(0, ${JSON.stringify(join(ROOT, 'test', 'fixtures', 'parallel'))})
import kernels as K
dirs = json.loads(sys.argv[1])
out = {}
def load(d, mod):
    sys.path.insert(0, d)
    return importlib.import_module(mod)
def same(a, b):
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    return type(a) is type(b) and (a == b or (a != a and b != b))
for fn, d, mod in dirs:
    w = load(d, mod)
    orig = getattr(K, fn)
    results = []
    for n in (0, 3, 64, 5000):
        if fn == "row_norms":
            args = lambda: (rng_copy.standard_normal((n, 7)),)
        elif fn == "escape_energy":
            args = lambda: (rng_copy.uniform(-2, 1, n).tolist(), rng_copy.uniform(-1.5, 1.5, n).tolist(), 60)
        elif fn == "smooth":
            args = lambda: (rng_copy.standard_normal(max(n, 1)), 5)
        else:
            args = lambda: (rng_copy.standard_normal(n), rng_copy.integers(0, max(n, 1), n), np.zeros(n))
        rng_copy = np.random.default_rng(n); a = args()
        rng_copy = np.random.default_rng(n); b = args()
        ra = orig(*a)
        rb = getattr(w, fn)(orig, *b)
        results.append(bool(same(ra, rb) and all(same(x, y) for x, y in zip(a, b) if isinstance(x, np.ndarray))))
    stats = dict(w._stats)
    bail = None
    if fn == "gather":
        # An index out of range: the original raises IndexError, and so does the rewrite (it runs the original).
        xs = np.ones(5000); idx = np.zeros(5000, dtype=np.int64); idx[4321] = 5000
        for f in (orig, lambda *a: w.gather(orig, *a)):
            try:
                f(xs, idx, np.zeros(5000)); bail = "no error"
            except IndexError as e:
                bail = (bail or "") + "IndexError;"
        stats_after = dict(w._stats)
        out[fn + ":bail"] = [bail, stats_after]
    out[fn] = [results, stats, numba.get_num_threads()]
print(json.dumps(out))
`,
    );
    const dirs = candidates.map((c) => [c.entry, c.dir, c.moduleName]);
    const stdout = await new Promise<string>((done, fail) =>
      // Two threads whatever the load (the rewrite otherwise takes only the cores the load average leaves free).
      execFile(
        python,
        [driver, JSON.stringify(dirs)],
        { timeout: 600_000, maxBuffer: 16 << 20, env: { ...process.env, PERF_LAB_WORKERS: '2' } },
        (err, so, se) => (err ? fail(new Error(`${err.message}\n${String(se).slice(-3000)}`)) : done(String(so))),
      ),
    );
    const out = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, [unknown, Record<string, unknown>, number?]>;
    for (const fn of ['row_norms', 'escape_energy', 'smooth', 'gather']) {
      assert.equal(out[fn]![2], 2, `${fn}: ran on ${String(out[fn]![2])} threads`);
      assert.deepEqual(out[fn]![0], [true, true, true, true], `${fn}: a result or a written array differs from the original's`);
      assert.equal(out[fn]![1].fallbacks, 0, `${fn}: fell back (${String(out[fn]![1].reason)})`);
    }
    const [bail, stats] = out['gather:bail']!;
    assert.equal(bail, 'IndexError;IndexError;');
    assert.equal(stats.fallbacks, 1);
    assert.match(String(stats.reason), /an iteration of the parallel loop over i bailed out/);
  });
});

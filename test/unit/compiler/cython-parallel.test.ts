// The cython-parallel target: which loops of a Python kernel run with Cython's prange on OpenMP's threads (the
// independence analysis numba-parallel uses, parallel.ts analyzePyParallel), and the real Cython building and running
// them next to the original on numba-parallel's kernels (test/fixtures/parallel/kernels.py): results and written arrays
// equal bit for bit (escape_energy's float sum added in the original order), two threads taken, and an iteration that
// bails out (an index out of range in one of 5,000) running the original, which raises its IndexError.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cythonParallelBackend, cythonParallelReport } from '../../../extension/compiler/backend-cython';
import { compilePython, type PythonKernel } from '../../../extension/compiler/compile-python';
import { selectPythonKernel } from '../../../extension/compiler/frontend-py';
import { analyzePyParallel, describePyParallel } from '../../../extension/compiler/parallel';
import { PerfLabError } from '../../../extension/errors';
import { pythonEnv } from '../../python-env';
import { ROOT } from '../python-backends/kernels';
import { buildFailure, pythonBuildInfo } from '../../../native/python-build';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'parallel');
const CASES: Record<string, string[]> = {
  row_norms: ['ndarray[float64, 2]'],
  escape_energy: ['list[float]', 'list[float]', 'int'],
  smooth: ['ndarray[float64]', 'int'],
  gather: ['ndarray[float64]', 'ndarray[int64]', 'ndarray[float64]'],
  prefix: ['ndarray[float64]', 'ndarray[float64]'],
};
const RUN = ['row_norms', 'escape_energy', 'smooth', 'gather'];

let python = '';
const kernels: Record<string, PythonKernel> = {};
const scratch = mkdtempSync(join(tmpdir(), 'perf-lab-cython-parallel-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

before(async () => {
  python = (await pythonEnv()).python;
  for (const [fn, params] of Object.entries(CASES)) {
    const r = await selectPythonKernel({ python, file: join(FIXTURES, 'kernels.py'), fileName: 'kernels.py', functionName: fn, params });
    if (!r.ok) throw new Error(`${fn}: refused: ${JSON.stringify(r.refusal)}`);
    kernels[fn] = r.kernel;
  }
});

describe('cython-parallel: which loops run on OpenMP threads', () => {
  it("takes the loops numba-parallel takes, and refuses a function with none, with each loop's reason", () => {
    for (const fn of RUN) assert.equal(describePyParallel(cythonParallelReport(kernels[fn]!)), describePyParallel(analyzePyParallel(kernels[fn]!.ir)), fn);
    assert.throws(
      () => cythonParallelBackend.emit(kernels.prefix!, 'k'),
      (e: unknown) =>
        e instanceof PerfLabError && /^No loop of prefix runs in parallel: the loop over i: it reads out\[…\] at an index not proven/.test(e.message),
    );
  });

  it('keeps serial a loop that calls another function of the file (a cdef function that needs the GIL), saying so', async () => {
    const src = join(scratch, 'calls.py');
    writeFileSync(
      src,
      ['def sq(x):', '    return x * x', '', 'def squares(xs, out):', '    for i in range(len(out)):', '        out[i] = sq(xs[i])', ''].join('\n'),
    );
    const r = await selectPythonKernel({ python, file: src, fileName: 'calls.py', functionName: 'squares', params: ['list[float]', 'list[float]'] });
    assert.ok(r.ok);
    assert.equal(analyzePyParallel(r.kernel.ir).loops.length, 1, 'numba-parallel takes it');
    assert.throws(
      () => cythonParallelBackend.emit(r.kernel, 'k'),
      (e: unknown) =>
        e instanceof PerfLabError && e.message === 'No loop of squares runs in parallel: the loop over i: it calls sq, which Cython runs holding the GIL.',
    );
  });

  it('builds with OpenMP and takes the worker count (perfLab.parallel.workers) as its threads, PERF_LAB_WORKERS first', () => {
    const plain = cythonParallelBackend.emit(kernels.row_norms!, 'k');
    const three = cythonParallelBackend.emit(kernels.row_norms!, 'k', { workers: 3 }).files['k.pyx']!;
    const pyx = plain.files['k.pyx']!;
    assert.match(pyx, /^# distutils: extra_compile_args = .*-fopenmp$/m);
    assert.match(pyx, /^# distutils: extra_link_args = -fopenmp$/m);
    assert.match(pyx, /prange\(<int64_t>n0, nogil=True, num_threads=pl_threads, schedule="static"\)/);
    assert.match(pyx, /^cdef int f_row_norms_L\d+\(.*\) except -1 nogil:$/m);
    assert.match(pyx, /^_PL_WORKERS = _os\.environ\.get\("PERF_LAB_WORKERS", ""\)$/m);
    assert.match(three, /^_PL_WORKERS = _os\.environ\.get\("PERF_LAB_WORKERS", "3"\)/m);
    assert.equal(three.replace(/"3"\).*$/m, '"")'), pyx, 'only the default differs');
    assert.ok(plain.flags.includes('-fopenmp'));
  });
});

describe('cython-parallel: a compiler without OpenMP', () => {
  it('says that OpenMP is what is missing and what to install, from the logs of GCC and Clang without it', async () => {
    const info = await pythonBuildInfo(python);
    for (const log of [
      'k.cpp:1151:10: fatal error: omp.h: No such file or directory',
      "k.cpp:1151:10: fatal error: 'omp.h' file not found",
      "clang: error: unsupported option '-fopenmp'",
      '/usr/bin/ld: cannot find -lgomp: No such file or directory',
      'ld: library not found for -lomp',
    ]) {
      const e = buildFailure("Cython's build", 'k.pyx', `compiling\n${log}\n`, info);
      assert.match(e.message, /The compiler cannot build OpenMP code \(-fopenmp\), which the cython-parallel target needs: .*libgomp.*libomp/, log);
    }
    assert.doesNotMatch(buildFailure("Cython's build", 'k.pyx', 'k.cpp:3: error: expected ;', info).message, /OpenMP/);
  });
});

describe('cython-parallel: built by Cython with OpenMP, run next to the original', () => {
  it('gives the same results and writes on two threads, and runs the original where an iteration bails out', async () => {
    const cacheDir = join(scratch, 'cache');
    const candidates = await Promise.all(RUN.map((fn) => compilePython(kernels[fn]!, 'cython-parallel', { python, cacheDir })));
    assert.match(candidates[0]!.log[0]!, /^Cython parallel /);
    const driver = join(scratch, 'driver.py');
    writeFileSync(
      driver,
      `
import importlib, json, sys
import numpy as np
sys.path.insert(0, ${JSON.stringify(FIXTURES)})
import kernels as K
out = {}
def same(a, b):
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    return type(a) is type(b) and (a == b or (a != a and b != b))
for fn, d, mod in json.loads(sys.argv[1]):
    sys.path.insert(0, d)
    w = importlib.import_module(mod)
    threads = importlib.import_module(mod + "_kernel")._pl_set_threads()
    orig = getattr(K, fn)
    results = []
    for n in (0, 3, 64, 5000):
        def args(rng):
            if fn == "row_norms":
                return (rng.standard_normal((n, 7)),)
            if fn == "escape_energy":
                return (rng.uniform(-2, 1, n).tolist(), rng.uniform(-1.5, 1.5, n).tolist(), 60)
            if fn == "smooth":
                return (rng.standard_normal(max(n, 1)), 5)
            return (rng.standard_normal(n), rng.integers(0, max(n, 1), n), np.zeros(n))
        a = args(np.random.default_rng(n))
        b = args(np.random.default_rng(n))
        ra = orig(*a)
        rb = getattr(w, fn)(orig, *b)
        results.append(bool(same(ra, rb) and all(same(x, y) for x, y in zip(a, b) if isinstance(x, np.ndarray))))
    out[fn] = [results, dict(w._stats), threads]
    if fn == "gather":
        # An index out of range in one iteration: the original raises IndexError, and so does the rewrite (it runs
        # the original), its out untouched by the iterations that ran.
        xs = np.ones(5000); idx = np.zeros(5000, dtype=np.int64); idx[4321] = 5000
        raised = []
        outs = []
        for f in (orig, lambda *a: w.gather(orig, *a)):
            o = np.zeros(5000)
            try:
                f(xs, idx, o); raised.append("no error")
            except IndexError:
                raised.append("IndexError")
            outs.append(o)
        out["gather:bail"] = [raised, dict(w._stats), bool(same(outs[0], outs[1]))]
print(json.dumps(out))
`,
    );
    const dirs = candidates.map((c) => [c.entry, c.dir, c.moduleName]);
    const stdout = await new Promise<string>((done, fail) =>
      // Two threads whatever the load (the rewrite otherwise takes only the cores the load average leaves free).
      execFile(
        python,
        [driver, JSON.stringify(dirs)],
        { timeout: 300_000, maxBuffer: 16 << 20, env: { ...process.env, PERF_LAB_WORKERS: '2' } },
        (err, so, se) => (err ? fail(new Error(`${err.message}\n${String(se).slice(-3000)}`)) : done(String(so))),
      ),
    );
    const out = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, [unknown, Record<string, unknown>, unknown]>;
    for (const fn of RUN) {
      assert.equal(out[fn]![2], 2, `${fn}: takes ${String(out[fn]![2])} threads`);
      assert.deepEqual(out[fn]![0], [true, true, true, true], `${fn}: a result or a written array differs from the original's`);
      assert.equal(out[fn]![1].fallbacks, 0, `${fn}: fell back (${String(out[fn]![1].reason)})`);
    }
    const [raised, stats, sameOut] = out['gather:bail']!;
    assert.deepEqual(raised, ['IndexError', 'IndexError']);
    assert.equal(stats.fallbacks, 1);
    assert.equal(sameOut, true, "the rewrite's out differs from the original's after the bail-out");
  });
});

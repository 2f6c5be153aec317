// A kernel that takes and gives only numbers, strings and lists (1-D, 2-D) crosses into the Cython and pybind11 modules
// without NumPy (compile-python.ts listsWithoutNumpy): neither the wrapper nor the built module imports it, so a
// program of lists does not pay NumPy's import for the function made faster. Each kernel is really compiled and
// built, imported in a fresh interpreter, and run against the original on exact edge cases (-0.0, NaN, ints at the
// ends of 64 bits, bools in the result), with the ints past 64 bits still falling back.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { compilePython, listsWithoutNumpy, type PythonCandidate } from '../../../extension/compiler/compile-python';
import { selectPythonKernel } from '../../../extension/compiler/frontend-py';
import { pythonEnv } from '../../python-env';

const scratch = mkdtempSync(join(tmpdir(), 'perf-lab-no-numpy-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const SOURCE = `
def spectral_row(u):
    n = len(u)
    out = []
    for i in range(n):
        s = 0.0
        for j in range(n):
            s += u[j] / ((i + j) * (i + j + 1) // 2 + i + 1)
        out.append(s)
    return out


def total(xs):
    t = 0
    for x in xs:
        t += x
    return t


def scale(xs, k):
    for i in range(len(xs)):
        xs[i] = xs[i] * k


def signs(xs):
    return [x > 0.0 for x in xs]


def vowels(s):
    n = 0
    for c in s:
        if c == "a" or c == "e":
            n += 1
    return n


def row_sums(m):
    out = []
    for i in range(len(m)):
        s = 0.0
        for j in range(len(m[0])):
            s += m[i][j]
        out.append(s)
    return out


def scale_grid(g, k):
    for i in range(len(g)):
        for j in range(len(g[0])):
            g[i][j] = g[i][j] * k


def sum_array(a):
    t = 0.0
    for i in range(a.shape[0]):
        t += a[i]
    return t
`;

/** Each function, its parameter types, and the argument tuples it is called with (a Python expression). */
const CASES = [
  { fn: 'spectral_row', params: ['list[float]'], calls: '[([1.0] * 40,), ([],), ([-0.0, float("nan"), 1e308, -1e308],)]' },
  { fn: 'total', params: ['list[int]'], calls: '[([1, 2, 3],), ([2**63 - 1, -(2**63)],), ([2**63 - 1, 1],), ([2**64],), ([True, 2],)]' },
  { fn: 'scale', params: ['list[float]', 'float'], calls: '[([1.5, -0.0, float("inf")], -2.0), ([], 3.0)]' },
  { fn: 'signs', params: ['list[float]'], calls: '[([1.0, -1.0, 0.0, float("nan")],), ([],)]' },
  { fn: 'vowels', params: ['str'], calls: '[("banana e",), ("",), ("\\ud800a",)]' },
  { fn: 'row_sums', params: ['list[list[float]]'], calls: '[([[1.0, -0.0], [float("nan"), 2.5], [1e308, 1e308]],), ([[3.0]],)]' },
  { fn: 'scale_grid', params: ['list[list[int]]', 'int'], calls: '[([[1, 2, 3], [4, 5, 6]], -3), ([[2**62, 1]], 2), ([[1, 2], [3, 4, 5]], 2)]' },
] as const;

/**
 * Imports the wrapper in a fresh interpreter, says whether NumPy was imported by then and after the calls, and the
 * original's and the wrapper's results (repr, the arguments after the call included, so -0.0 and NaN are seen).
 */
const PROBE = `
import importlib, json, sys
sys.path.insert(0, sys.argv[1])
src = {}
exec(compile(open(sys.argv[2]).read(), sys.argv[2], "exec"), src)
w = importlib.import_module(sys.argv[3])
imported = "numpy" in sys.modules
import copy
out = []
for args in eval(sys.argv[5]):
    a, b = copy.deepcopy(args), copy.deepcopy(args)
    out.append([repr((src[sys.argv[4]](*a), a)), repr((getattr(w, sys.argv[4])(src[sys.argv[4]], *b), b))])
print(json.dumps({"imported": imported, "after": "numpy" in sys.modules, "results": out, "stats": w._stats}))
`;

interface Probe {
  imported: boolean;
  after: boolean;
  results: [string, string][];
  stats: { calls: number; fallbacks: number; reason: string };
}

function probe(python: string, c: PythonCandidate, file: string, fn: string, calls: string): Promise<Probe> {
  return new Promise((resolve, reject) => {
    execFile(python, ['-c', PROBE, c.dir, file, c.moduleName, fn, calls], { timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${fn}: ${String(stderr).slice(-2000) || err.message}`));
      resolve(JSON.parse(String(stdout)) as Probe);
    });
  });
}

let python = '';
const file = join(scratch, 'lists_only.py');

before(async () => {
  python = (await pythonEnv()).python;
  writeFileSync(file, SOURCE);
});

async function lower(fn: string, params: readonly string[]) {
  const r = await selectPythonKernel({ python, file, fileName: 'lists_only.py', functionName: fn, params: [...params] });
  if (!r.ok) throw new Error(`${fn}: refused: ${JSON.stringify(r.refusal)}`);
  return r.kernel;
}

for (const target of ['cython', 'pybind11'] as const) {
  describe(`${target}: a kernel of lists and numbers`, () => {
    for (const c of CASES) {
      it(`${c.fn} imports no NumPy and gives the original's results`, { timeout: 300_000 }, async () => {
        const kernel = await lower(c.fn, c.params);
        assert.ok(listsWithoutNumpy(kernel.ir, target), `${c.fn} should cross without NumPy`);
        const cand = await compilePython(kernel, target, { python, cacheDir: join(scratch, 'build') });
        // Not at the top (a 2-D list with no rows imports it where it needs it, inside the entry).
        assert.doesNotMatch(cand.files[`${cand.moduleName}.py`]!, /^import numpy/m);
        const p = await probe(python, cand, file, c.fn, c.calls);
        assert.equal(p.imported, false, `importing the ${target} module of ${c.fn} imported NumPy`);
        assert.equal(p.after, false, `calling the ${target} module of ${c.fn} imported NumPy`);
        for (const [original, compiled] of p.results) assert.equal(compiled, original);
        // The compiled code ran.
        assert.ok(p.stats.fallbacks < p.stats.calls, `${c.fn}: every call fell back (${p.stats.reason})`);
        // total: an int past 64 bits, a bool, an overflow; scale_grid: an overflow, a ragged list.
        const expected: Record<string, number> = { total: 3, row_sums: 0, scale_grid: 2 };
        if (c.fn in expected) assert.equal(p.stats.fallbacks, expected[c.fn], p.stats.reason);
      });
    }

    it('a NumPy array argument still goes through NumPy', { timeout: 300_000 }, async () => {
      const kernel = await lower('sum_array', ['ndarray[float64]']);
      assert.equal(listsWithoutNumpy(kernel.ir, target), false);
      const cand = await compilePython(kernel, target, { python, cacheDir: join(scratch, 'build') });
      const p = await probe(python, cand, file, 'sum_array', '[(__import__("numpy").arange(5.0),)]');
      assert.equal(p.imported, true);
      assert.deepEqual(
        p.results.map(([a, b]) => a === b),
        [true],
      );
    });
  });
}

it('Numba takes its lists as NumPy arrays', async () => {
  assert.equal(listsWithoutNumpy((await lower('total', ['list[int]'])).ir, 'numba'), false);
});

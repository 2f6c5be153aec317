// The Python helpers on a real interpreter: the AST export (exact constants, positions, the functions a function
// calls), the recorder (first calls plus a reservoir within the limits, exact values), and the proof, which must
// catch a candidate that differs from the original and shrink the input that shows it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { compilePython } from '../../../extension/compiler/compile-python';
import { selectPythonKernel } from '../../../extension/compiler/frontend-py';
import { provePython } from '../../../extension/prove/prove-python';
import { recordedPyGlobalTypes, recordedPyParamTypes, recordPython } from '../../../extension/record/record-python';
import { pythonEnv } from '../../python-env';

const ROOT = join(__dirname, '..', '..', '..');
const PY = process.env.PERF_LAB_TEST_PYTHON || 'python3';
let tmp = '';

function run(python: string, args: string[]): Promise<string> {
  return new Promise((done, fail) => {
    execFile(python, args, { maxBuffer: 64 << 20 }, (err, stdout, stderr) => (err ? fail(new Error(String(stderr))) : done(String(stdout))));
  });
}

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'perf-lab-pyhelper-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const SCRIPT = `import sys

def scale(xs, k):
    """Doubles in place."""
    for i in range(len(xs)):
        xs[i] = xs[i] * k
    return len(xs) + 2 ** 70 - 2 ** 70


def main():
    n = int(sys.argv[1])
    total = 0
    for c in range(n):
        xs = [0.1 * c, -0.0, float(c)]
        total += scale(xs, 3.0)
    print("done", total)


if __name__ == "__main__":
    main()
`;

describe('perf_lab_ast.py', () => {
  it('exports the function and the functions it calls, with exact constants and positions', async () => {
    const file = join(tmp, 'ast_case.py');
    await writeFile(
      file,
      'import math as m\nfrom math import sqrt\nK = 3\n\ndef g(x):\n    return x * 0.1 + 123456789012345678901234567890\n\ndef f(x):\n    y = g(x)\n    return sqrt(y)\n\ndef unused():\n    pass\n',
    );
    const out = JSON.parse(await run(PY, [join(ROOT, 'python', 'perf_lab_ast.py'), file, 'f'])) as {
      ok: boolean;
      entry: string;
      functions: Record<string, { line: number; endLine: number; body: { value: { right: { value: unknown }; left: { right: { value: unknown } } } }[] }>;
      imports: Record<string, string>;
      globals: string[];
    };
    assert.equal(out.ok, true);
    assert.deepEqual(Object.keys(out.functions).sort(), ['f', 'g']);
    assert.deepEqual(out.imports, { m: 'math', sqrt: 'math.sqrt' });
    assert.deepEqual(out.globals, ['K']);
    assert.equal(out.functions.f!.line, 8);
    assert.equal(out.functions.f!.endLine, 10);
    const ret = out.functions.g!.body[0]!.value;
    assert.deepEqual(ret.right.value, { int: '123456789012345678901234567890' });
    assert.deepEqual(ret.left.right.value, { float: '0x1.999999999999ap-4' });
  });
  it('reports a syntax error with its line instead of failing', async () => {
    const file = join(tmp, 'bad.py');
    await writeFile(file, 'def f(:\n  pass\n');
    const out = JSON.parse(await run(PY, [join(ROOT, 'python', 'perf_lab_ast.py'), file, 'f'])) as { ok: boolean; line: number; message: string };
    assert.equal(out.ok, false);
    assert.equal(out.line, 1);
    assert.match(out.message, /syntax error/);
  });
});

describe('perf_lab_kernel.py record', () => {
  it('keeps the first calls and a reservoir within the limits, with exact values and the argument types', async () => {
    const file = join(tmp, 'rec_case.py');
    await writeFile(file, SCRIPT);
    const store = join(tmp, 'store');
    const rec = await recordPython({ file, functionName: 'scale', python: PY, args: ['200'], limits: { maxCalls: 20, firstCalls: 5 } }, store);
    assert.equal(rec.totalCalls, 200);
    assert.equal(rec.calls.length, 20);
    assert.equal(rec.truncated, true);
    assert.deepEqual(recordedPyParamTypes(rec), ['list[float]', 'float']);
    const data = JSON.parse(await readFile(rec.dataPath, 'utf8')) as { calls: { args: { l?: { f: string }[] }[]; result: unknown; after: unknown[] }[] };
    // The first call as it was: xs = [0.0, -0.0, 0.0] before, tripled after, exactly (hex floats keep -0.0).
    const first = data.calls[0]!;
    assert.deepEqual(
      first.args[0]!.l!.map((x) => x.f),
      ['0x0.0p+0', '-0x0.0p+0', '0x0.0p+0'],
    );
    assert.deepEqual(first.result, { i: '3' });
    const fifth = data.calls[4]!;
    assert.equal(fifth.args[0]!.l![0]!.f, '0x1.999999999999ap-2');
    // The reservoir holds later calls too.
    assert.ok(data.calls.slice(5).every((c) => c.args[0]!.l![2]!.f !== '0x0.0p+0' && c.args[0]!.l![2]!.f !== '0x1.0p+0'));
  });
  it('says when the function is never called', async () => {
    const file = join(tmp, 'rec_case2.py');
    await writeFile(file, SCRIPT);
    await assert.rejects(recordPython({ file, functionName: 'scale', python: PY, args: ['0'] }, join(tmp, 'store2')), /scale was never called in this run/);
  });
  it('names lists of ints and floats side by side, lists of lists with rows of different lengths and records holding lists', async () => {
    const probe = `import sys; sys.path.insert(0, ${JSON.stringify(join(ROOT, 'python'))}); from perf_lab_kernel import type_name
inf = float("inf")
for v in ([1, 2.0], [[0, inf], [2, 0]], [[1.0], [2.0, 3.0]], [(1, 2), (3, 4)], [[], []], [[1], []], [[1, "a"]], [([0.0, 1.0], [2.0], 3.0)], [([1.0], 2), ([1.0], 2.0)], [(([1.0], 2.0), ([3.0], 4.0))]):
    print(type_name(v))`;
    assert.deepEqual((await run(PY, ['-c', probe])).trim().split('\n'), [
      'list[int|float]',
      'list[list[int|float]]',
      'list[list[float] of varying lengths]',
      'list[tuple[int]]',
      'list[list[float]]',
      'list[list[int] of varying lengths]',
      'list',
      'list[tuple[list[float], list[float], float]]',
      'list',
      'list[tuple[tuple[list[float], float], tuple[list[float], float]]]',
    ]);
  });
});

describe('provePython', () => {
  it('proves the Numba version of a function and refuses a sabotaged one with a shrunk counter-example', { timeout: 600_000 }, async (t) => {
    let python: string;
    try {
      python = (await pythonEnv()).python;
    } catch (e) {
      return t.skip(`the Python environment with Numba could not be made: ${(e as Error).message}`);
    }
    const file = join(tmp, 'prove_case.py');
    await writeFile(
      file,
      'def dot(a, b):\n    s = 0.0\n    for i in range(len(a)):\n        s += a[i] * b[i]\n    return s\n\n\nfor k in range(5):\n    dot([0.5 * k, 1.0, 2.0, 3.0], [1.0, -1.0, 0.25, float(k)])\n',
    );
    const store = join(tmp, 'store3');
    const rec = await recordPython({ file, functionName: 'dot', python }, store);
    const sel = await selectPythonKernel({ python, file, fileName: 'prove_case.py', functionName: 'dot', params: recordedPyParamTypes(rec) });
    assert.ok(sel.ok);
    const good = await compilePython(sel.kernel, 'numba', { python, cacheDir: join(store, 'py') });
    const proof = await provePython(good, rec, { python, edgeBudgetMs: 60_000 });
    assert.equal(proof.ok, true, proof.reason);
    assert.equal(proof.recordedCompiledCalls, 5);
    assert.ok(proof.edgeCases > 10);

    // The same module with `*` turned into `+`: the proof must fail, on a recorded call, and shrink it.
    const kernelFile = Object.keys(good.files).find((f) => f.endsWith('_kernel.py'))!;
    const text = good.files[kernelFile]!;
    assert.match(text, /\(a\[i\] \* b\[/);
    await writeFile(join(good.dir, kernelFile), text.replace('(a[i] * b[', '(a[i] + b['));
    const bad = await provePython(good, rec, { python, edgeBudgetMs: 60_000 });
    await writeFile(join(good.dir, kernelFile), text);
    assert.equal(bad.ok, false);
    assert.ok(bad.mismatches > 0);
    assert.equal(bad.counterexample?.foundIn, 'recorded');
    assert.ok(bad.counterexample!.shrinkSteps > 0, JSON.stringify(bad.counterexample));
    assert.match(bad.reason ?? '', /differs from the original/);
  });
});

describe('provePython with module-level data', () => {
  it('gives each run a fresh copy of the module-level lists and refuses a rewrite that leaves one unwritten', { timeout: 600_000 }, async (t) => {
    let python: string;
    try {
      python = (await pythonEnv()).python;
    } catch (e) {
      return t.skip(`the Python environment with Numba could not be made: ${(e as Error).message}`);
    }
    const file = join(tmp, 'module_state.py');
    await writeFile(
      file,
      'X = [1.0, 2.0, 3.0]\nW = [0.5, 0.25, 0.125]\n\n\ndef bump(k):\n    for i in range(len(X)):\n        X[i] += k * W[i]\n    return X[0]\n\n\nfor k in range(4):\n    print(bump(float(k)))\n',
    );
    const store = join(tmp, 'store4');
    const rec = await recordPython({ file, functionName: 'bump', python }, store);
    assert.deepEqual(recordedPyGlobalTypes(rec), { W: 'list[float]', X: 'list[float]' });
    const sel = await selectPythonKernel({
      python,
      file,
      fileName: 'module_state.py',
      functionName: 'bump',
      params: recordedPyParamTypes(rec),
      globals: recordedPyGlobalTypes(rec),
    });
    if (!sel.ok) assert.fail(JSON.stringify(sel.refusal));
    const good = await compilePython(sel.kernel, 'numba', { python, cacheDir: join(store, 'py') });
    const proof = await provePython(good, rec, { python, edgeBudgetMs: 20_000 });
    assert.equal(proof.ok, true, proof.reason);
    assert.equal(proof.recordedCompiledCalls, 4);
    // The wrapper without its copy-back: the result is the same, the module's list after the call is not.
    const wrapperFile = `${good.moduleName}.py`;
    const text = good.files[wrapperFile]!;
    assert.match(text, /_g_X\[:\] = __g_X\.tolist\(\)/);
    await writeFile(join(good.dir, wrapperFile), text.replace(/_g_X\[:\] = __g_X\.tolist\(\)/, 'pass'));
    const bad = await provePython(good, rec, { python, edgeBudgetMs: 20_000 });
    await writeFile(join(good.dir, wrapperFile), text);
    assert.equal(bad.ok, false);
    assert.match(bad.counterexample?.why ?? '', /the module-level X after the call differs/);
  });
});

describe('the proof compares types exactly', () => {
  it('counts a NumPy scalar and the Python number of the same value as different (type(), repr, JSON see them)', async (t) => {
    let python: string;
    try {
      python = (await pythonEnv()).python;
    } catch (e) {
      return t.skip(`the Python environment with NumPy could not be made: ${(e as Error).message}`);
    }
    const script = `
import json, sys
sys.path.insert(0, ${JSON.stringify(join(ROOT, 'python'))})
import numpy as np
import perf_lab_kernel as k
pairs = [(0, np.int64(0)), (5, np.int64(5)), (1.5, np.float64(1.5)), (True, np.True_), (1, True), (1, 1.0), (0.0, -0.0), (0j, complex(-0.0, 0.0)), (1j, complex(0.0, -0.0)), (1 + 0j, 1.0)]
nanj = complex(float("nan"), -0.0)
same = [(0, 0), (np.int64(3), np.int64(3)), (np.float64(-0.0), np.float64(-0.0)), (float("nan"), float("nan")), (np.array([1, 2]), np.array([1, 2])), (nanj, k.decode(json.loads(json.dumps(k.encode(nanj)))))]
print(json.dumps({
    "differ": [k.first_difference(a, b) is not None for a, b in pairs],
    "why": k.first_difference(0, np.int64(0))[3],
    "same": [k.first_difference(a, b) is None for a, b in same],
}))
`;
    const r = JSON.parse(await run(python, ['-c', script])) as { differ: boolean[]; why: string; same: boolean[] };
    assert.deepEqual(
      r.differ,
      r.differ.map(() => true),
    );
    assert.match(r.why, /numpy\.int64.*instead of 0 \(int\)/);
    assert.deepEqual(
      r.same,
      r.same.map(() => true),
    );
  });
});

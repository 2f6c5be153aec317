// The Python frontend: golden IR for each fixture function (typed by its annotations) and for the examples (typed as a
// recording would type them), the refusals with their construct and line, and the exact reading of constants.
// The AST comes from python/perf_lab_ast.py on python3 (standard library only).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { exportPythonAst, lowerPython, parseFloatHex, parsePyType, selectPythonKernel } from '../../../extension/compiler/frontend-py';
import { pythonTargetChoice, pythonTargetsOf } from '../../../extension/compiler/compile-python';
import { printPyIr } from '../../../extension/compiler/print-ir-py';
import { golden } from './golden';

const PY = process.env.PERF_LAB_TEST_PYTHON || 'python3';
const FIXTURES = join(__dirname, '../../fixtures/python');
const EXAMPLES = join(__dirname, '../../../examples/python');

function functionsOf(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/^def (\w+)\(/gm)].map((m) => m[1]!);
}

describe('Python frontend: golden IR', () => {
  for (const fn of functionsOf(join(FIXTURES, 'semantics.py'))) {
    it(`semantics.py ${fn}`, async () => {
      const r = await selectPythonKernel({ python: PY, file: join(FIXTURES, 'semantics.py'), fileName: 'semantics.py', functionName: fn });
      if (!r.ok) assert.fail(`${fn} refused: ${JSON.stringify(r.refusal)}`);
      golden(join(FIXTURES, `semantics.${fn}.ir.txt`), printPyIr(r.kernel.ir));
    });
  }
  const examples: [string, string, string[]][] = [
    ['pairwise.py', 'pairwise_sum', ['list[tuple[float]]']],
    ['nbody.py', 'advance', ['list[list[float]]', 'list[list[float]]', 'list[float]', 'float', 'int']],
    ['stencil.py', 'relax', ['ndarray[float64, 2]', 'ndarray[float64, 2]', 'float', 'int']],
    ['mandelbrot.py', 'mandelbrot', ['int', 'int', 'int']],
    ['collatz.py', 'collatz_steps', ['int']],
  ];
  for (const [file, fn, params] of examples) {
    it(`examples/python/${file} ${fn} (recorded types)`, async () => {
      const r = await selectPythonKernel({ python: PY, file: join(EXAMPLES, file), fileName: file, functionName: fn, params });
      if (!r.ok) assert.fail(`${fn} refused: ${JSON.stringify(r.refusal)}`);
      assert.equal(r.kernel.typesFrom, 'recorded calls');
      golden(join(FIXTURES, `example.${fn}.ir.txt`), printPyIr(r.kernel.ir));
    });
  }
});

describe('Python frontend: what the range analysis proves', () => {
  it('leaves loop counters and dimension-bounded indices unchecked, and checks what may overflow', async () => {
    const r = await selectPythonKernel({
      python: PY,
      file: join(EXAMPLES, 'stencil.py'),
      fileName: 'stencil.py',
      functionName: 'relax',
      params: ['ndarray[float64, 2]', 'ndarray[float64, 2]', 'float', 'int'],
    });
    assert.ok(r.ok);
    const ir = printPyIr(r.kernel.ir);
    // u is indexed within its own shape (i - 1 and i + 1 for i in range(1, n - 1)): no check; f is another array.
    assert.match(ir, /u\[\(int\.sub \$\d+:i int:1\), \$\d+:j\]/);
    assert.match(ir, /f\[!\$\d+:i, !\$\d+:j\]/);
    const c = await selectPythonKernel({
      python: PY,
      file: join(EXAMPLES, 'collatz.py'),
      fileName: 'collatz.py',
      functionName: 'collatz_steps',
      params: ['int'],
    });
    assert.ok(c.ok);
    const cir = printPyIr(c.kernel.ir);
    assert.match(cir, /int\.mul! int:3/);
    assert.match(cir, /\(int\.mod \$\d+:n int:2\)/, 'a modulo by the constant 2 can neither fail nor overflow');
  });
});

describe('Python frontend: refusals name the construct and the line', () => {
  const file = join(FIXTURES, 'refusals.py');
  const expected: [string, number, RegExp, RegExp][] = [
    ['type_change', 8, /total/, /holds a int and then a float|holds an? int and then a float/],
    ['module_global', 15, /LIMIT/, /module-level variable/],
    ['string_op', 19, /BinOp/, /len\(\) is compiled of a list, a tuple, a str or an array/],
    ['try_block', 23, /try/, /outside the subset/],
    ['unbound', 32, /y/, /UnboundLocalError/],
    ['huge_const', 36, /100000000000000000000/, /beyond 64 bits/],
    ['recursive', 40, /if … else/, /two branches give an int and a float/],
    ['list_write_int', 44, /a\[/, /element type/],
    ['mixed_returns', 50, /return/, /returns a int elsewhere|returns a float elsewhere|returns an? \w+ elsewhere/],
    ['slices', 54, /a\[/, /slices/],
  ];
  for (const [fn, line, construct, reason] of expected) {
    it(fn, async () => {
      const r = await selectPythonKernel({ python: PY, file, fileName: 'refusals.py', functionName: fn });
      assert.ok(!r.ok, `${fn} was not refused`);
      assert.equal(r.refusal.line, line, JSON.stringify(r.refusal));
      assert.match(r.refusal.construct, construct, JSON.stringify(r.refusal));
      assert.match(r.refusal.reason, reason, JSON.stringify(r.refusal));
    });
  }
  it('a missing function and a recorded type the compiler does not take', async () => {
    const none = await selectPythonKernel({ python: PY, file, fileName: 'refusals.py', functionName: 'nope' });
    assert.ok(!none.ok && /no function named 'nope'/.test(none.refusal.reason));
    const ast = await exportPythonAst(PY, join(EXAMPLES, 'pairwise.py'), 'pairwise_sum');
    const r = lowerPython(ast, 'pairwise.py', { params: ['numpy.float32'] });
    assert.ok(!r.ok && /passes numpy\.float32/.test(r.refusal.reason) && r.refusal.line === 15);
  });
});

describe('Python frontend: values and types', () => {
  it('reads float.hex() exactly, subnormals and infinities included', () => {
    for (const x of [0.1, -2.5, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 1 / 3, -0]) {
      const hex = x === 0 ? (Object.is(x, -0) ? '-0x0.0p+0' : '0x0.0p+0') : undefined;
      if (hex) assert.ok(Object.is(parseFloatHex(hex), x));
    }
    assert.equal(parseFloatHex('0x1.999999999999ap-4'), 0.1);
    assert.equal(parseFloatHex('0x0.0000000000001p-1022'), 5e-324);
    assert.equal(parseFloatHex('0x1.fffffffffffffp+1023'), 1.7976931348623157e308);
    assert.equal(parseFloatHex('-inf'), -Infinity);
    assert.ok(Number.isNaN(parseFloatHex('nan')));
  });
  it('parses the type names recordings and annotations use', () => {
    assert.deepEqual(parsePyType('ndarray[float64, 2]'), { array: 'ndarray', element: 'float', ndim: 2 });
    assert.deepEqual(parsePyType('List[int]'), { array: 'list', element: 'int', ndim: 1 });
    assert.deepEqual(parsePyType('list[tuple[float]]'), { array: 'list', element: 'float', ndim: 2, rows: 'tuple' });
    assert.equal(parsePyType('ndarray[float32]'), undefined);
    assert.deepEqual(parsePyType('str'), { array: 'str', element: 'int', ndim: 1 });
    assert.equal(parsePyType('dict'), undefined);
  });
});

describe('Python targets chosen in the editor', () => {
  it('perfLab.pythonTarget wins where set; otherwise perfLab.target auto means all three, anything else Numba', () => {
    assert.equal(pythonTargetChoice('cython', 'wasm'), 'cython');
    assert.equal(pythonTargetChoice('pybind11', 'auto'), 'pybind11');
    assert.equal(pythonTargetChoice('auto', 'native'), 'auto');
    assert.equal(pythonTargetChoice(undefined, 'auto'), 'auto');
    assert.equal(pythonTargetChoice(undefined, 'native'), 'numba');
    assert.equal(pythonTargetChoice(undefined, undefined), 'numba');
    assert.equal(pythonTargetChoice('fortran', 'wasm'), 'numba', 'an unknown value is ignored');
    assert.deepEqual(pythonTargetsOf('auto'), ['numba', 'cython', 'pybind11']);
    assert.deepEqual(pythonTargetsOf('cython'), ['cython']);
  });
});

describe('Python frontend: NumPy scalars and Python numbers', () => {
  const SOURCE = `import math


def bool_sum(a: "ndarray[float64]") -> int:
    b = a[0] > 0.0
    return b + b


def partial_sum(a: "ndarray[int64]") -> int:
    s = 0
    for i in range(len(a)):
        s += a[i]
    return s


def calls_partial(a: "ndarray[int64]") -> int:
    return partial_sum(a) + 1


def trunc_element(a: "ndarray[int64]") -> int:
    return math.trunc(a[0])


def mask_index(a: "ndarray[float64]") -> float:
    return a[True]
`;
  async function lower(fn: string) {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const file = join(await mkdtemp(join(tmpdir(), 'perf-lab-pynp-')), 'np_cases.py');
    await writeFile(file, SOURCE);
    return selectPythonKernel({ python: PY, file, fileName: 'np_cases.py', functionName: fn });
  }

  it('refuses what NumPy computes differently from the compiled code, saying why', async () => {
    const cases: [string, number, RegExp][] = [
      ['bool_sum', 6, /NumPy bool/],
      ['calls_partial', 9, /NumPy scalar on some paths and a Python number on others/],
      ['trunc_element', 21, /__trunc__/],
      ['mask_index', 25, /by mask/],
    ];
    for (const [fn, line, reason] of cases) {
      const r = await lower(fn);
      assert.ok(!r.ok, `${fn} was not refused`);
      assert.equal(r.refusal.line, line, JSON.stringify(r.refusal));
      assert.match(r.refusal.reason, reason, JSON.stringify(r.refusal));
    }
  });

  it('tracks a result that is a Python int or a NumPy int64 by the path taken, and the wrapper boxes it', async () => {
    const r = await lower('partial_sum');
    if (!r.ok) assert.fail(JSON.stringify(r.refusal));
    const ir = printPyIr(r.kernel.ir);
    assert.match(ir, /_pl_s_np = bool:False/);
    assert.match(ir, /_pl_result_np\[int:0\] = \(int\.from_bool \$\d+:_pl_s_np\)/);
    const { emitPythonWrapper } = await import('../../../extension/compiler/compile-python');
    const wrapper = emitPythonWrapper(r.kernel, 'k', 'cython');
    assert.match(wrapper, /return _np\.int64\(_result\) if _result_np\[0\] else _result/);
    assert.match(wrapper, /def partial_sum\(_original, a\):/);
  });
});

// The Python frontend: golden IR for each fixture function (typed by its annotations) and for the examples (typed as a
// recording would type them), the refusals with their construct and line, and the exact reading of constants.
// The AST comes from python/perf_lab_ast.py on python3 (standard library only).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { exportPythonAst, lowerPython, parseFloatHex, parsePyType, selectPythonKernel } from '../../../extension/compiler/frontend-py';
import { emitPythonWrapper, pythonTargetChoice, pythonTargetsOf } from '../../../extension/compiler/compile-python';
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
    ['plane', 58, /a\[…\]\[…\]/, /has 3 dimensions: index all 3 \(a\[i, j, k\] or a\[i\]\[j\]\[k\]\)/],
    ['planes', 63, /^a$/, /a is a 3-D array, whose items are 2-D arrays .*range\(a\.shape\[0\]\)/],
    ['like_volume', 71, /^a$/, /np\.zeros_like of a 3-D array: only arrays of 1 or 2 dimensions are built/],
    ['too_deep', 76, /a\[…\]\[…\]\[…\]\[…\]/, /a\[i\]\[j\]\[k\] is a number, which cannot be indexed/],
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
    // A NumPy array of more than 3 dimensions, as the recorder names it: refused with its rank.
    const deep = lowerPython(ast, 'pairwise.py', { params: ['ndarray[float64, 4]'] });
    assert.ok(!deep.ok);
    assert.match(
      deep.refusal.reason,
      /passes ndarray\[float64, 4\] for points.*it has 4 dimensions; the compiled code indexes NumPy arrays of 1 to 3 dimensions/,
    );
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
    assert.deepEqual(parsePyType('ndarray[int64, 3]'), { array: 'ndarray', element: 'int', ndim: 3 });
    assert.equal(parsePyType('ndarray[float64, 4]'), undefined);
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

describe('Python frontend: lists, strs, recursion and function shapes', () => {
  const SOURCE = `import math

import numpy as np


def reassigned(n: int, c: bool) -> int:
    if c:
        n = 5
    return n * 1152921504606846976


def sieve(n: int) -> list:
    is_prime = [True] * (n + 1)
    for i in range(2, n + 1):
        if is_prime[i]:
            for j in range(i * i, n + 1, i):
                is_prime[j] = False
    return [i for i in range(2, n + 1) if is_prime[i]]


def scoped(xs: list[float]) -> float:
    x = 0.5
    ys = [x * 2.0 for x in xs]
    return x + sum(ys)


def rows(n: int, m: int) -> int:
    grid = [[0] * m] * n
    return len(grid)


def grow_argument(xs: list[float]) -> None:
    xs.append(1.0)


def alias(n: int) -> list:
    a = [0] * n
    b = a
    return a


def in_while(xs: list[float]) -> int:
    k = 0
    while sum(xs) > k:
        k += 1
    return k


def floats(xs: list[float]) -> float:
    return sum(x * 2.0 for x in xs)


def guarded(xs: list[int]) -> int:
    return max(xs) if len(xs) > 0 else 0


def default_typed(x, n=3, scale=0.5):
    return x * scale if n > 0 else 0.0


def dict_param(d: dict) -> int:
    return 0


def import_late(x: float) -> float:
    if x > 0.0:
        from math import sqrt
    return sqrt(x)


def fact(n: int) -> int:
    return 1 if n < 2 else n * fact(n - 1)


def words(s: str, t: str) -> int:
    same = 0
    for i in range(min(len(s), len(t))):
        if s[i] == t[i] or s[i] in "aeiou":
            same += ord(t[i]) % 3
    return same


def neighbours(g: list[list[int]], y: int, x: int, k: int) -> int:
    n = 0
    for dy in (-1, 0, 1):
        for dx in [-1, 0, k]:
            if dy == 0 and dx == 0:
                continue
            n += g[(y + dy) % len(g)][(x + dx) % len(g[0])]
    return 1 if n in (2, 3) else 0 if n not in [k, 6] else 2


def mixed_values(x: float) -> float:
    s = 0.0
    for c in (1, 0.5):
        s += c * x
    return s


def float_member(x: float, y: float) -> bool:
    return x in (y, 1.0)


def tail_sums(xs: list[float], i: int) -> float:
    s = 0.0
    for x, y in zip(xs[i + 1:], xs[-3:]):
        s += x * y
    for x in xs[:i]:
        s += abs(x)
    return s


def slice_written(xs: list[float]) -> float:
    s = 0.0
    for x in xs[1:]:
        xs[0] = x
        s += x
    return s


def product(a: list[list[float]], b: list[list[float]]) -> list:
    n = len(a)
    m = len(b[0])
    return [[sum(a[i][k] * b[k][j] for k in range(len(b))) for j in range(m)] for i in range(n)]


def product_len(a: list[list[float]], b: list[list[float]]) -> list:
    return [[sum(a[i][k] * b[k][j] for k in range(len(b))) for j in range(len(b[0]))] for i in range(len(a))]


def triangle(n: int) -> list:
    return [[i * j for j in range(i)] for i in range(n)]
`;
  let file = '';
  async function lower(fn: string, params?: string[]) {
    if (!file) {
      const { mkdtemp, writeFile } = await import('node:fs/promises');
      const { tmpdir } = await import('node:os');
      file = join(await mkdtemp(join(tmpdir(), 'perf-lab-pyshapes-')), 'shapes.py');
      await writeFile(file, SOURCE);
    }
    return selectPythonKernel({ python: PY, file, fileName: 'shapes.py', functionName: fn, ...(params ? { params } : {}) });
  }
  async function ir(fn: string, params?: string[]): Promise<string> {
    const r = await lower(fn, params);
    if (!r.ok) assert.fail(`${fn} refused: ${JSON.stringify(r.refusal)}`);
    return printPyIr(r.kernel.ir);
  }

  it('a parameter reassigned on one path keeps no range from that assignment', async () => {
    assert.match(await ir('reassigned'), /int\.mul! \$0:n int:1152921504606846976/);
  });

  it('proves a sieve’s indices through n + 1 and a step that is positive at run time', async () => {
    const text = await ir('sieve');
    assert.match(text, /arrays is_prime: list\[bool\], _pl_r\d+: list\[int\] \(grows\)/);
    assert.match(text, /for L\d+ \$\d+:j in range\(\(int\.mul! \$\d+:i \$\d+:i\), \(int\.add! \$0:n int:1\), \$\d+:i\)/);
    assert.match(text, /is_prime\[\$\d+:j\] = bool:False/, 'is_prime[j] needs no check');
    assert.match(text, /return _pl_r\d+/);
  });

  it('gives a comprehension’s variable a scope of its own', async () => {
    const text = await ir('scoped');
    assert.match(text, /\$\d+:x = float:0\.5/);
    assert.match(text, /_pl_c\d+_x/);
    assert.match(text, /return \(float\.add \$\d+:x /);
  });

  it('lowers max of a list inside … if … else … as an if statement that runs first', async () => {
    const text = await ir('guarded');
    assert.match(text, /if \(int\.gt xs\.shape\[0\] int:0\)\n(.*\n)*? {6}bail "max\(\) of an empty sequence"/);
  });

  it('types an unannotated parameter by the number it defaults to', async () => {
    const r = await lower('default_typed', ['float']);
    if (!r.ok) assert.fail(JSON.stringify(r.refusal));
    assert.deepEqual(
      r.kernel.ir.functions[0]!.params.map((p) => p.type),
      ['float', 'int', 'float'],
    );
  });

  it('compiles recursion with a depth budget, and str parameters by code point', async () => {
    const fact = await ir('fact');
    assert.match(fact, /entry def fact\(n: int, _pl_depth: int\) -> int/);
    assert.match(fact, /bail "recursion deeper than the compiled code may go"/);
    assert.match(fact, /call fact \(int\.sub! \$0:n int:1\) \(int\.sub \$1:_pl_depth int:1\)/);
    const words = await ir('words');
    assert.match(words, /entry def words\(s: str, t: str\) -> int/);
    assert.match(words, /int\.eq s\[!\$\d+:i\] t\[!\$\d+:i\]/);
    assert.match(words, /int\.eq s\[!\$\d+:i\] int:97/, 'a character compared with "a" by code point');
  });

  it('loops over a tuple or list written in the header, and tests membership in one, value by value', async () => {
    const text = await ir('neighbours');
    // (-1, 0, 1): three constants, taken by a hidden counter in turn.
    assert.match(
      text,
      /for L\d+ \$(\d+):_pl_t\d+ in range\(int:0, int:3, 1\)\n\s+\$\d+:dy = \(int\.cond \(int\.eq \$\1:_pl_t\d+ int:0\) int:-1 \(int\.cond \(int\.eq \$\1:_pl_t\d+ int:1\) int:0 int:1\)\)/,
    );
    // [-1, 0, k]: k read once, when the list is built (before the inner loop, at each outer step), its last value.
    assert.match(text, /\$(\d+):_pl_t\d+ = \$\d+:k\n\s+for L\d+ .*\n\s+\$\d+:dx = .* int:0 \$\1:_pl_t\d+\)\)/);
    // n in (2, 3), n not in [k, 6]: == value by value.
    assert.match(text, /\(int\.eq \$\d+:n int:2\) bool:True \(bool\.cond \(int\.eq \$\d+:n int:3\) bool:True bool:False\)/);
    assert.match(text, /bool\.not \(bool\.cond \(int\.eq \$\d+:n \$\d+:k\) bool:True/);
  });

  it('loops over slices of a list, their bounds clamped as Python clamps them, each element read without a check', async () => {
    const text = await ir('tail_sums');
    // xs[i + 1:]: a bound counted from the end when negative, then clamped to [0, len(xs)]; the length never negative.
    assert.match(
      text,
      /\(int\.cond \(int\.lt \$\d+:_pl_t\d+ int:0\) \(int\.max \(int\.add \$\d+:_pl_t\d+ xs\.shape\[0\]\) int:0\) \(int\.min \$\d+:_pl_t\d+ xs\.shape\[0\]\)\)/,
    );
    assert.match(text, /\(int\.max \(int\.sub xs\.shape\[0\] \$\d+:_pl_t\d+\) int:0\)/);
    // The shorter of the two slices; elements start + c, unchecked.
    assert.match(text, /int\.min \$\d+:_pl_t\d+ \$\d+:_pl_t\d+/);
    assert.match(text, /xs\[\(int\.add \$\d+:_pl_t\d+ \$\d+:_pl_t\d+\)\]/);
    // xs[:i] starts at 0: element c itself.
    assert.match(text, /float\.abs \$\d+:x/);
    assert.match(text, /\$\d+:x = xs\[\$\d+:_pl_t\d+\]/);
  });

  it('builds a table from a nested comprehension: made n × m, then filled cell by cell in its own scope', async () => {
    const text = await ir('product');
    // The element type is learnt from what the cells hold (float), after a first guess of int.
    assert.match(text, /arrays .*_pl_r\d+: list\[list\[float\]\]/);
    assert.match(text, /_pl_r\d+ = alloc\[\(int\.max \$\d+:n int:0\), \(int\.max \$\d+:m int:0\)\] of float:0/);
    assert.match(text, /for L\d+ \$\d+:_pl_c\d+_i in range\(int:0, \$\d+:n, 1\)\n\s+for L\d+ \$\d+:_pl_c\d+_j in range\(int:0, \$\d+:m, 1\)/);
    assert.match(text, /_pl_r\d+\[!?\$\d+:_pl_c\d+_i, !?\$\d+:_pl_c\d+_j\] = /);
    // range(len(b[0])), as public code writes it: the row's length (checked: a missing row bails out).
    const len = await ir('product_len');
    assert.match(len, /_pl_r\d+ = alloc\[\(int\.max a\.shape\[0\] int:0\), \(int\.max .*b\.shape\[1\].*\)\] of float:0/);
  });

  it('refuses what it cannot keep exact, naming the construct and the line', async () => {
    const cases: [string, number, RegExp, RegExp][] = [
      ['rows', 28, /\[\[…\]\] \* n/, /repeats one row/],
      ['grow_argument', 33, /xs\.append/, /argument/],
      ['alias', 38, /^b = a$/, /b and a would be one list from here on/],
      ['in_while', 44, /sum/, /while condition/],
      ['dict_param', 61, /d/, /annotated dict/],
      ['import_late', 68, /sqrt/, /before the function imports it/],
      ['mixed_values', 95, /^1, /, /mix ints and floats/],
      ['float_member', 101, /^y$/, /constants or names of ints/],
      ['slice_written', 116, /^xs\[…\]$/, /iterates over a slice .* may change an array/],
      ['triangle', 132, /\[\[…\] for … in range\(n\)\]/, /the same for every row \(not reading i\)/],
    ];
    for (const [fn, line, construct, reason] of cases) {
      const r = await lower(fn);
      assert.ok(!r.ok, `${fn} was not refused`);
      assert.equal(r.refusal.line, line, JSON.stringify(r.refusal));
      assert.match(r.refusal.construct, construct, JSON.stringify(r.refusal));
      assert.match(r.refusal.reason, reason, JSON.stringify(r.refusal));
    }
  });

  it('refuses sum() of floats on Python 3.12 and later, which sums with compensation', async () => {
    await lower('floats');
    const ast = await exportPythonAst(PY, file, 'floats');
    assert.ok(ast.ok);
    assert.ok(lowerPython({ ...ast, python: '3.11.9' }, 'shapes.py').ok);
    const r = lowerPython({ ...ast, python: '3.12.1' }, 'shapes.py');
    assert.ok(!r.ok && /compensated summation/.test(r.refusal.reason), JSON.stringify(r));
  });
});

describe('Python frontend: enumerate, zip and for targets that unpack', () => {
  const LOOPS = join(__dirname, '../../unit/python-backends/fixtures/loops.py');
  async function ir(fn: string, params?: string[]): Promise<string> {
    const r = await selectPythonKernel({ python: PY, file: LOOPS, fileName: 'loops.py', functionName: fn, ...(params ? { params } : {}) });
    if (!r.ok) assert.fail(`${fn} refused: ${JSON.stringify(r.refusal)}`);
    return printPyIr(r.kernel.ir);
  }

  it('runs a hidden counter to the shortest length and reads each element at it, unchecked', async () => {
    const text = await ir('weighted_mean');
    assert.match(text, /for L0 \$\d+:_pl_t0 in range\(int:0, \(int\.min values\.shape\[0\] weights\.shape\[0\]\), 1\)/);
    assert.match(text, /\$\d+:v = values\[\$\d+:_pl_t0\]\n\s+\$\d+:w = weights\[\$\d+:_pl_t0\]/);
  });

  it("gives an enumerate index counted from 0 the counter's facts: the list it counts is indexed without a check", async () => {
    const text = await ir('prefix_sums');
    assert.match(text, /out\[!\$\d+:i\] = \(int\.add! \$\d+:running xs\[\$\d+:i\]\)/, 'xs[i] proven, out[i] checked');
    // A start evaluated once, before the loop; the index then may leave 64 bits (checked).
    assert.match(await ir('numbered'), /\$\d+:_pl_t0 = \$0:first\n(.*\n)*?\s+\$\d+:k = \(int\.add! \$\d+:_pl_t1 \$\d+:_pl_t0\)/);
  });

  it('unpacks nested targets, ranges with a constant step, and the same in comprehensions', async () => {
    const text = await ir('nested_pairs');
    assert.match(text, /\$\d+:_pl_t1 = \(int\.max \(int\.floordiv \(int\.add \(int\.sub int:10 int:-10\) int:2\) int:3\) int:0\)/);
    assert.match(text, /\$\d+:j = \(int\.add int:10 \(int\.mul \$\d+:_pl_t2 int:-3\)\)/);
    assert.match(await ir('pairs_list'), /\$\d+:_pl_c1_i = \$\d+:_pl_t0\n\s+\$\d+:_pl_c1_x = xs\[\$\d+:_pl_t0\]\n\s+\$\d+:_pl_c1_y = ys\[\$\d+:_pl_t0\]/);
  });

  it('unpacks the rows of a 2-D list or array as records, bailing out where a row has another length', async () => {
    const text = await ir('centre_of_mass');
    assert.match(
      text,
      /if \(int\.ne bodies\.shape\[1\] int:3\)\n\s+bail "a row of bodies does not have 3 values \(Python raises ValueError\)"\n\s+end\n\s+\$\d+:x = bodies\[\$\d+:_pl_t0, int:0\]/,
    );
    assert.match(await ir('kinetic', ['ndarray[float64, 2]', 'ndarray[float64, 2]', 'ndarray[float64]']), /\$\d+:vz = vel\[\$\d+:_pl_t0, int:2\]/);
  });

  it('refuses what it cannot keep exact, naming the construct and the line', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const file = join(await mkdtemp(join(tmpdir(), 'perf-lab-pyloops-')), 'loops.py');
    await writeFile(
      file,
      `def whole(xs: list[float]) -> None:
    for p in enumerate(xs):
        pass


def grows(xs: list[float], ys: list[float]) -> None:
    zs = [0.0]
    for z, x in zip(zs, xs):
        zs.append(x)


def three(xs: list[float]) -> None:
    for i, x, y in enumerate(xs):
        pass


def reused(xs: list[float]) -> None:
    for i in range(3):
        for i, x in enumerate(xs):
            pass


def run_step(xs: list[float], n: int) -> None:
    for i, x in zip(range(0, 10, n), xs):
        pass


def rows(g: list[list[float]]) -> None:
    for i, r in enumerate(g):
        pass


def shadowed(xs: list[float]) -> int:
    for i, x in enumerate(xs):
        pass
    enumerate = 3
    return enumerate
`,
    );
    const cases: [string, number, RegExp, RegExp][] = [
      ['whole', 2, /^p$/, /gives tuples/],
      ['grows', 8, /for z, x in zip/, /appends to zs/],
      ['three', 13, /i, x, y/, /2 values, not 3/],
      ['reused', 19, /^i$/, /enclosing loop/],
      ['run_step', 24, /^n$/, /constant step/],
      ['rows', 29, /^r$/, /each element of g is a row, which the compiled code does not hold in one name/],
      ['shadowed', 34, /enumerate/, /not the builtin/],
    ];
    for (const [fn, line, construct, reason] of cases) {
      const r = await selectPythonKernel({ python: PY, file, fileName: 'loops.py', functionName: fn });
      assert.ok(!r.ok, `${fn} was not refused`);
      assert.equal(r.refusal.line, line, JSON.stringify(r.refusal));
      assert.match(r.refusal.construct, construct, JSON.stringify(r.refusal));
      assert.match(r.refusal.reason, reason, JSON.stringify(r.refusal));
    }
  });
});

describe('Python frontend: lists of lists', () => {
  const GRIDS = join(__dirname, '../../unit/python-backends/fixtures/grids.py');
  async function lower(fn: string, params?: string[], file = GRIDS) {
    return selectPythonKernel({ python: PY, file, fileName: 'grids.py', functionName: fn, ...(params ? { params } : {}) });
  }

  it('builds [[x] * m for _ in range(n)] as a 2-D list of n rows, its dimensions known to the range analysis', async () => {
    const r = await lower('shortest_paths', ['list[list[float]]']);
    if (!r.ok) assert.fail(JSON.stringify(r.refusal));
    const text = printPyIr(r.kernel.ir);
    assert.match(text, /entry def shortest_paths\(d: list\[list\[float\]\]\) -> list\[list\[float\]\]/);
    assert.match(text, /arrays dist: list\[list\[float\]\]\n/, 'a fixed-size local, not a growing list');
    assert.match(text, /dist = alloc\[\(int\.max \$0:n int:0\), \(int\.max \$0:n int:0\)\] of float:0/);
    assert.match(text, /dist\[\$\d+:i, \$\d+:j\] = d\[\$\d+:i, !\$\d+:j\]/, "dist's indices proven by its size, d's columns checked");
  });

  it('refuses rows that differ, one row repeated, and what the recorder saw mixed or ragged, saying why', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const file = join(await mkdtemp(join(tmpdir(), 'perf-lab-pygrids-')), 'grids.py');
    await writeFile(
      file,
      `def per_row(n: int) -> list:
    return [[i] * n for i in range(n)]


def repeated(n: int) -> list:
    return [[0] * n] * n


def grown(n: int) -> list:
    t = [[0] * n for _ in range(n)]
    t.append(3)
    return t


def floyd(d):
    n = len(d)
    for k in range(n):
        for i in range(n):
            for j in range(n):
                d[i][j] = min(d[i][j], d[i][k] + d[k][j])
`,
    );
    const cases: [string, string[] | undefined, number, RegExp, RegExp][] = [
      ['per_row', undefined, 2, /\[\[…\] \* m for … in range\(n\)\]/, /the same for every row \(not reading i/],
      ['repeated', undefined, 6, /\[\[…\]\] \* n/, /repeats one row n times/],
      ['grown', undefined, 11, /t\.append/, /list of lists, whose rows are fixed/],
      ['floyd', ['list[list[int|float]]'], 15, /^d$/, /ints and floats side by side .*Make every element a float/],
      ['floyd', ['list[list[float] of varying lengths]'], 15, /^d$/, /rows have different lengths/],
      ['floyd', ['list[tuple[list[int], float]]'], 15, /^d$/, /records hold lists beside numbers; .* lists of floats and floats only/],
      ['floyd', ['list[tuple[list[float], list[float], float]]'], 20, /^d\[/, /list of records holding lists, .* only in a for loop that unpacks each record/],
    ];
    for (const [fn, params, line, construct, reason] of cases) {
      const r = await lower(fn, params, file);
      assert.ok(!r.ok, `${fn} was not refused`);
      assert.equal(r.refusal.line, line, JSON.stringify(r.refusal));
      assert.match(r.refusal.construct, construct, JSON.stringify(r.refusal));
      assert.match(r.refusal.reason, reason, JSON.stringify(r.refusal));
    }
  });
});

describe('Python frontend: rows held in names, lists joined with +, one list taken by another name', () => {
  const ROWS = join(__dirname, '../../unit/python-backends/fixtures/rows.py');

  it('reads and writes a named row as its array, takes the index once (checked), and returns the argument itself', async () => {
    const r = await selectPythonKernel({ python: PY, file: ROWS, fileName: 'rows.py', functionName: 'relax_paths' });
    if (!r.ok) assert.fail(JSON.stringify(r.refusal));
    const text = printPyIr(r.kernel.ir);
    assert.match(text, /-> dist \(the argument\)/);
    assert.match(text, /\$\d+:_pl_t0 = \$1:k\n/, 'k is below len(dist): the row index needs no check');
    assert.match(text, /dist\[\$\d+:_pl_t1, !\$\d+:j\] = \$\d+:alt/, 'row[j] = alt writes dist, the column checked');
    assert.equal(r.kernel.ir.functions[0]!.resultArg, 'dist');
    const bump = await selectPythonKernel({ python: PY, file: ROWS, fileName: 'rows.py', functionName: 'bump_row' });
    if (!bump.ok) assert.fail(JSON.stringify(bump.refusal));
    assert.match(printPyIr(bump.kernel.ir), /bail "row = grid\[…\]: the row index is out of range \(Python raises IndexError\)"/);
  });

  it('joins lists part by part and moves a list to another name where the old name is built anew before its next use', async () => {
    const r = await selectPythonKernel({ python: PY, file: ROWS, fileName: 'rows.py', functionName: 'rolling_edit' });
    if (!r.ok) assert.fail(JSON.stringify(r.refusal));
    const text = printPyIr(r.kernel.ir);
    assert.match(text, /cur = alloc\[\(int\.add! int:1 \$\d+:_pl_t\d+\)\] of \$\d+:_pl_t\d+\n\s+cur\[int:0\] = \$\d+:_pl_t\d+/);
    assert.match(text, /prev, cur = cur, prev/);
  });

  it('refuses what it cannot keep exact, naming the construct, the line and why', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const file = join(await mkdtemp(join(tmpdir(), 'perf-lab-pyrows-')), 'rows.py');
    await writeFile(
      file,
      `def rebound(d: list[list[float]]) -> float:
    row = d[0]
    s = row[0]
    row = 1.0
    return s + row


def rebuilt(n: int) -> int:
    total = 0
    for t in range(3):
        grid = [[t] * n for _ in range(n)]
        r = grid[0]
        total += r[0]
    return total


def shared(n: int) -> int:
    prev = [0] * n
    cur = [1] * n
    prev = cur
    cur[0] = 5
    return prev[0]


def of_argument(xs: list[int]) -> int:
    ys = [0]
    ys = xs
    return ys[0]


def mixed(n: int) -> list:
    return [0] + [0.5] * n


def returned(d: list[list[float]]) -> list:
    row = d[0]
    return row


def sometimes(d: list[list[float]], k: int):
    if k > 0:
        return d


def word(x: float) -> float:
    return x + float("1.5")


def swapped(a: list[list[float]], b: list[list[float]]) -> float:
    a, b = b, a
    r = a[0]
    return r[0]
`,
    );
    const cases: [string, number, RegExp, RegExp][] = [
      ['rebound', 2, /^row = d\[…\]$/, /row is bound to a row of d here and given another value elsewhere in the function/],
      ['rebuilt', 12, /^r = grid\[…\]$/, /grid is given another list in the function \(or built in a loop\)/],
      ['shared', 20, /^prev = cur$/, /prev and cur would be one list from here on/],
      ['of_argument', 27, /^ys = xs$/, /a second name for the argument xs/],
      ['mixed', 32, /^\[…\] \+ \[…\]$/, /would hold an int and a float; the compiled code keeps one element type/],
      ['returned', 37, /^row$/, /row is a row of d, which the compiled code takes only indexed/],
      ['sometimes', 40, /def sometimes/, /returns its argument d on some paths and None when it reaches its end/],
      ['word', 46, /^float\(…\)$/, /float\(\) of a str is compiled for "inf"/],
      ['swapped', 51, /^r = a\[…\]$/, /a is given another list in the function/],
    ];
    for (const [fn, line, construct, reason] of cases) {
      const r = await selectPythonKernel({ python: PY, file, fileName: 'rows.py', functionName: fn });
      assert.ok(!r.ok, `${fn} was not refused`);
      assert.equal(r.refusal.line, line, JSON.stringify(r.refusal));
      assert.match(r.refusal.construct, construct, JSON.stringify(r.refusal));
      assert.match(r.refusal.reason, reason, JSON.stringify(r.refusal));
    }
  });
});

describe('Python frontend: NumPy scalars as arguments', () => {
  const SCALARS = join(__dirname, '../../unit/python-backends/fixtures/scalars.py');

  it("keeps NumPy's rules for a numpy.float64 argument, and the wrapper checks its exact type", async () => {
    const r = await selectPythonKernel({
      python: PY,
      file: SCALARS,
      fileName: 'scalars.py',
      functionName: 'escape_time',
      params: ['numpy.float64', 'numpy.float64', 'float', 'float', 'int'],
    });
    if (!r.ok) assert.fail(JSON.stringify(r.refusal));
    const text = printPyIr(r.kernel.ir);
    assert.match(text, /entry def escape_time\(zr: numpy\.float64, zi: numpy\.float64, cr: float, ci: float, limit: int\) -> int/);
    // NumPy warns where a float overflows: checked, so the original runs there and warns.
    assert.match(text, /\(float\.mul! \$0:zr \$0:zr\)/);
    const wrapper = emitPythonWrapper(r.kernel, 'k', 'cython');
    assert.match(wrapper, /if type\(zr\) is not _np\.float64:\n\s+return _fallback\("zr is not a numpy\.float64"/);
    assert.match(wrapper, /_kernel\(float\(zr\), float\(zi\), cr, ci, limit\)/);
    const scaled = await selectPythonKernel({ python: PY, file: SCALARS, fileName: 'scalars.py', functionName: 'scaled', params: ['numpy.float64', 'float'] });
    assert.ok(scaled.ok && scaled.kernel.ir.functions[0]!.resultNumpy, 'x * k + 1.0 is a numpy.float64, as NumPy gives it');
  });
});

describe('Python frontend: module-level constants', () => {
  const CONSTANTS = join(__dirname, '../../unit/python-backends/fixtures/constants.py');

  it('reads module-level numbers and tuples of numbers as hidden parameters the wrapper fills and checks at each call', async () => {
    const r = await selectPythonKernel({ python: PY, file: CONSTANTS, fileName: 'constants.py', functionName: 'smooth' });
    if (!r.ok) assert.fail(JSON.stringify(r.refusal));
    assert.match(printPyIr(r.kernel.ir), /entry def smooth\(xs: list\[float\], WEIGHTS: tuple\[float\] \(module-level\), STEPS: int \(module-level\)\)/);
    const wrapper = emitPythonWrapper(r.kernel, 'k', 'numba');
    assert.match(wrapper, /^def smooth\(_original, xs\):/m, 'not arguments of the wrapper');
    assert.match(
      wrapper,
      /_g_STEPS = _original\.__globals__\.get\("STEPS"\)\n\s+if type\(_g_STEPS\) is not int or not _INT64\[0\] <= _g_STEPS <= _INT64\[1\]:\n\s+return _fallback/,
    );
    assert.match(
      wrapper,
      /_g_WEIGHTS = _original\.__globals__\.get\("WEIGHTS"\)\n\s+if type\(_g_WEIGHTS\) is not tuple or not _elements\(_g_WEIGHTS, float\):/,
    );
    assert.match(wrapper, /_kernel\(_xs, __g_WEIGHTS, _g_STEPS\)/);
  });

  it('refuses a module-level value that is not a literal bound once, and constants in a recursion', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const file = join(await mkdtemp(join(tmpdir(), 'perf-lab-pyconst-')), 'consts.py');
    await writeFile(
      file,
      `SCALE = 2.0 * 3.0
LIMIT = 10


def scaled(x: float) -> float:
    return x * SCALE


def count(n: int) -> int:
    return 0 if n <= 0 or n > LIMIT else 1 + count(n - 1)
`,
    );
    for (const [fn, line, construct] of [
      ['scaled', 6, 'SCALE'],
      ['count', 10, 'LIMIT'],
    ] as const) {
      const r = await selectPythonKernel({ python: PY, file, fileName: 'consts.py', functionName: fn });
      assert.ok(!r.ok, `${fn} was not refused`);
      assert.equal(r.refusal.line, line, JSON.stringify(r.refusal));
      assert.equal(r.refusal.construct, construct);
      assert.match(r.refusal.reason, /module-level variable/);
    }
  });
});

describe('Python frontend: module-level data and lists of records', () => {
  const DATA = join(__dirname, '../../unit/python-backends/fixtures/module_data.py');
  const BODY = 'tuple[list[float], list[float], float]';
  const RECORDS = { BODIES: `list[${BODY}]`, BODY_PAIRS: `list[tuple[${BODY}, ${BODY}]]` };

  it('takes the module-level lists the recorded calls typed as hidden parameters, copied back when written', async () => {
    const globals = { X: 'list[float]', Y: 'list[float]', VX: 'list[float]', VY: 'list[float]', MASS: 'list[float]', INDEX_PAIRS: 'list[tuple[int]]' };
    const r = await selectPythonKernel({ python: PY, file: DATA, fileName: 'module_data.py', functionName: 'pull', globals });
    if (!r.ok) assert.fail(JSON.stringify(r.refusal));
    assert.match(printPyIr(r.kernel.ir), /INDEX_PAIRS: list\[tuple\[int\]\] \(module-level\)/);
    const wrapper = emitPythonWrapper(r.kernel, 'k', 'cython');
    assert.match(wrapper, /^def pull\(_original, dt, steps\):/m);
    assert.match(wrapper, /_g_VX = _original\.__globals__\.get\("VX"\)\n\s+if type\(_g_VX\) is not list or not _elements\(_g_VX, float\):/);
    assert.match(wrapper, /_g_VX\[:\] = __g_VX\.tolist\(\)/, 'a written module-level list is copied back into the same list');
    assert.doesNotMatch(wrapper, /_g_MASS\[:\] =/, 'a list only read is not');
    assert.match(wrapper, /if not _distinct\(\(.*_g_X, .*_g_VX,/, 'a written module-level list shares nothing with the others');
    // Without the recorded types, the names are refused as before.
    const bare = await selectPythonKernel({ python: PY, file: DATA, fileName: 'module_data.py', functionName: 'pull' });
    assert.ok(!bare.ok);
    assert.match(bare.refusal.reason, /module-level variable .* whose types its recorded calls showed/);
  });

  it('passes lists of records as their pool rows and floats, one pool for every list they share', async () => {
    const r = await selectPythonKernel({ python: PY, file: DATA, fileName: 'module_data.py', functionName: 'advance_system', globals: RECORDS });
    if (!r.ok) assert.fail(JSON.stringify(r.refusal));
    const wrapper = emitPythonWrapper(r.kernel, 'k', 'numba');
    assert.match(wrapper, /^def advance_system\(_original, dt, n\):/m);
    assert.match(wrapper, /_record\(_r, \(\("L", "L", "f"\), \("L", "L", "f"\)\), _BODY_PAIRS_lists, _BODY_PAIRS_floats, _pool_ids, _pool_rows\)/);
    assert.match(wrapper, /reshape\(len\(_g_BODIES\), 2\)/);
    assert.match(wrapper, /for _row, _new in zip\(_pool_rows, __pool\.tolist\(\)\):\n\s+_row\[:\] = _new/);
    // As a parameter (a default bound to the module's list): the same arrays, and a module-level list it writes is
    // checked against the pool's rows.
    const kick = await selectPythonKernel({
      python: PY,
      file: DATA,
      fileName: 'module_data.py',
      functionName: 'kick',
      params: ['float', `list[${BODY}]`],
      globals: { X: 'list[float]' },
    });
    if (!kick.ok) assert.fail(JSON.stringify(kick.refusal));
    const w2 = emitPythonWrapper(kick.kernel, 'k', 'numba');
    assert.match(w2, /^def kick\(_original, dt, bodies\):/m);
    assert.match(w2, /if not _distinct\(\(_g_X,\), \(_pool_rows,\)\):/);
  });

  it('refuses records used otherwise than unpacked in a for target, naming the construct and line', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const file = join(await mkdtemp(join(tmpdir(), 'perf-lab-pyrec-')), 'recs.py');
    await writeFile(
      file,
      `BODIES = [([0.0, 0.0], [1.0, 0.0], 1.0)]


def whole(dt):
    for body in BODIES:
        pass


def indexed(dt):
    return BODIES[0][2]


def rebound(dt):
    for (r, v, m) in BODIES:
        v = 2.0


def short(dt):
    for (r, v) in BODIES:
        r[0] += dt


def bare(dt):
    for (r, v, m) in BODIES:
        return r
`,
    );
    const cases: [string, number, RegExp, RegExp][] = [
      ['whole', 5, /^body$/, /does not hold in one name; unpack each part/],
      ['indexed', 10, /^BODIES\[…\]/, /reads only in a for loop that unpacks each record/],
      ['rebound', 14, /^v$/, /bound to a list of a record here and given another value/],
      ['short', 19, /^r, v$/, /hold 3 values here, not 2 \(Python raises ValueError\)/],
      ['bare', 25, /^r$/, /a list inside a record, which the compiled code takes only indexed/],
    ];
    for (const [fn, line, construct, reason] of cases) {
      const r = await selectPythonKernel({
        python: PY,
        file,
        fileName: 'recs.py',
        functionName: fn,
        params: ['float'],
        globals: { BODIES: `list[tuple[list[float], list[float], float]]` },
      });
      assert.ok(!r.ok, `${fn} was not refused`);
      assert.equal(r.refusal.line, line, JSON.stringify(r.refusal));
      assert.match(r.refusal.construct, construct, JSON.stringify(r.refusal));
      assert.match(r.refusal.reason, reason, JSON.stringify(r.refusal));
    }
  });
});

describe('Python frontend: complex numbers', () => {
  const CX = join(__dirname, '../../unit/python-backends/fixtures/complex_numbers.py');

  it('holds a complex as two floats and refuses what CPython computes otherwise, naming the construct and the line', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const file = join(await mkdtemp(join(tmpdir(), 'perf-lab-pycomplex-')), 'cx.py');
    await writeFile(
      file,
      `def escape(cr: float, ci: float) -> int:
    z = 0j
    c = complex(cr, ci)
    n = 0
    while abs(z) <= 2.0 and n < 50:
        z = z * z + c
        n += 1
    return n


def power(x: float) -> float:
    z = complex(x, 1.0)
    return (z ** 2).real


def returned(x: float) -> float:
    z = complex(x, 1.0)
    return z if x > 0 else x


def ordered(x: float) -> bool:
    z = complex(x, 1.0)
    return z < 1j


def changes(x: float) -> float:
    z = complex(x, 1.0)
    z = 2.0
    return z


def quotient_in_while(x: float) -> int:
    z = complex(x, 1.0)
    n = 0
    while (z / 2).real > 1.0:
        n += 1
    return n
`,
    );
    const ok = await selectPythonKernel({ python: PY, file, fileName: 'cx.py', functionName: 'escape' });
    if (!ok.ok) assert.fail(JSON.stringify(ok.refusal));
    assert.match(printPyIr(ok.kernel.ir), /hypot/, 'abs(z) is the C library hypot, as CPython computes it');
    const field = await selectPythonKernel({ python: PY, file: CX, fileName: 'complex_numbers.py', functionName: 'step_field' });
    if (!field.ok) assert.fail(JSON.stringify(field.refusal));
    const wrapper = emitPythonWrapper(field.kernel, 'k', 'cython');
    assert.match(wrapper, /^def step_field\(_original, z, c, steps\):/m, 'one argument of the wrapper per complex');
    assert.match(wrapper, /if type\(z\) is not complex:\n\s+return _fallback\("z is not a complex"/);
    assert.match(wrapper, /_kernel\(z\.real, z\.imag, c\.real, c\.imag, steps\)/);
    assert.match(wrapper, /return complex\(float\(_result\[0\]\), float\(_result\[1\]\)\)/);
    for (const [fn, line, reason] of [
      ['power', 13, /complex power/],
      ['returned', 18, /a complex value is compiled where/],
      ['ordered', 23, /not ordered/],
      ['changes', 28, /holds a complex/],
      ['quotient_in_while', 35, /in a while condition/],
    ] as const) {
      const r = await selectPythonKernel({ python: PY, file, fileName: 'cx.py', functionName: fn });
      assert.ok(!r.ok, `${fn} was not refused`);
      assert.equal(r.refusal.line, line, JSON.stringify(r.refusal));
      assert.match(r.refusal.reason, reason, JSON.stringify(r.refusal));
    }
  });
});

// Numba backend: the Python IR → a Python module of `@numba.njit(cache=True)` functions, one per IR function.
//
// Why generated from the IR rather than the original source with @njit: Numba's own semantics differ from Python's
// where it matters (ints wrap at 64 bits, `MIN // -1` traps, math functions return NaN where Python raises, an index
// out of range reads memory). Each operation the IR marks `checked` becomes a small helper that raises when Python's
// answer would differ; the wrapper then runs the original, so results are Python's bit for bit. Everything else is
// emitted as the plain operation. Types are exact by construction: the wrapper passes ints as int64, floats as
// float64 and arrays as float64 / int64 NumPy arrays, and Numba types every int literal as int64 (64-bit platforms).
// `error_model='numpy'` keeps Numba from adding its own division checks where the IR proved them needless.
import type { EmittedKernel, PythonBackend, PythonKernel } from './compile-python';
import { isPyArrayType, type PyExpr, type PyFunction, type PyStmt } from './ir';
import { constSource, kernelOrigin, PyFunctionEmitter, PYTHON_BLOCKS, pythonCond, type Dialect } from './python-emit';
import { UNCHECKED_MATH } from './python-native-runtime';

/** Decorator options: compiled once and cached beside the module, Python's exceptions only where the IR checks. */
export const NUMBA_FLAGS = ['nopython', 'cache=True', "error_model='numpy'"];

const HELPERS = `_MIN = -9223372036854775808
_MAX = 9223372036854775807
_EXACT = 9007199254740992


class _Bail(Exception):
    """Raised where Python's answer would differ from the machine's: the wrapper runs the original instead."""


# Overflow is tested before the operation, never on a wrapped result: LLVM may assume that signed arithmetic does
# not wrap and fold such a test away.
@_njit
def _pl_add(a, b):
    if (b > 0 and a > _MAX - b) or (b < 0 and a < _MIN - b):
        raise _Bail("int overflow")
    return a + b


@_njit
def _pl_sub(a, b):
    if (b < 0 and a > _MAX + b) or (b > 0 and a < _MIN + b):
        raise _Bail("int overflow")
    return a - b


@_njit
def _pl_mul(a, b):
    # The product in doubles is within a relative 2**-51 of the exact one: below 9.0e18 the exact product fits in
    # 64 bits, above 9.3e18 it does not. In between, exact bounds by integer division (no operation wraps: LLVM
    # assumes a product does not, so checking a wrapped product by dividing it again would be optimised away).
    p = float(a) * float(b)
    if -9.0e18 < p < 9.0e18:
        return a * b
    if -9.3e18 < p < 9.3e18:
        if a > 0:
            fits = a <= _MAX // b if b > 0 else b >= (_MIN + a - 1) // a
        else:
            fits = a >= (_MIN + b - 1) // b if b > 0 else b >= -((_MIN + 1) // a)
        if fits:
            return a * b
    raise _Bail("int overflow")


@_njit
def _pl_neg(a):
    if a == _MIN:
        raise _Bail("int overflow")
    return -a


@_njit
def _pl_abs(a):
    if a == _MIN:
        raise _Bail("int overflow")
    return abs(a)


@_njit
def _pl_floordiv(a, b):
    if b == 0 or (b == -1 and a == _MIN):
        raise _Bail("int division")
    q = a // b
    return q


@_njit
def _pl_mod(a, b):
    if b == 0:
        raise _Bail("int modulo by zero")
    if b == -1:
        return 0
    return a % b


@_njit
def _pl_pow(a, b):
    if b < 0:
        raise _Bail("negative int exponent")
    r = 1
    while b > 0:
        if b & 1:
            r = _pl_mul(r, a)
        b >>= 1
        if b > 0:
            a = _pl_mul(a, a)
    return r


@_njit
def _pl_shl(a, b):
    if b < 0:
        raise _Bail("negative shift")
    if a == 0:
        return 0
    if b >= 63 or a > (_MAX >> b) or a < (_MIN >> b):
        raise _Bail("int overflow")
    return a << b


@_njit
def _pl_shr(a, b):
    if b < 0:
        raise _Bail("negative shift")
    if b >= 63:
        return -1 if a < 0 else 0
    return a >> b


@_njit
def _pl_truediv(a, b):
    if b == 0 or a > _EXACT or a < -_EXACT or b > _EXACT or b < -_EXACT:
        raise _Bail("int division")
    return float(a) / float(b)


@_njit
def _pl_exact_float(a):
    if a > _EXACT or a < -_EXACT:
        raise _Bail("int beyond 2**53 compared with a float")
    return float(a)


# A Python int compared with a float exactly, as Python does: -1, 0, 1, or 2 when x is NaN. Beyond 2**53 the int is
# compared with the float's integer part (exact below 2**63; no float beyond 2**52 has a fraction).
@_njit
def _pl_cmp_if(i, x):
    if x != x:
        return 2
    if -_EXACT <= i <= _EXACT:
        f = float(i)
        return -1 if f < x else (1 if f > x else 0)
    if x >= 9223372036854775808.0:
        return -1
    if x < -9223372036854775808.0:
        return 1
    t = int(x)
    return -1 if i < t else (1 if i > t else 0)


@_njit
def _pl_lt_if(i, x):
    return _pl_cmp_if(i, x) == -1


@_njit
def _pl_le_if(i, x):
    c = _pl_cmp_if(i, x)
    return c == -1 or c == 0


@_njit
def _pl_eq_if(i, x):
    return _pl_cmp_if(i, x) == 0


@_njit
def _pl_ne_if(i, x):
    return _pl_cmp_if(i, x) != 0


@_njit
def _pl_gt_if(i, x):
    return _pl_cmp_if(i, x) == 1


@_njit
def _pl_ge_if(i, x):
    c = _pl_cmp_if(i, x)
    return c == 0 or c == 1


# Where NumPy would flag a float64 operation (overflow to infinity, an invalid operation giving NaN) and warn, or raise
# under np.seterr: a NumPy scalar's arithmetic bails out there, and so do the checked divisions.
@_njit
def _pl_npchk(r, a, b):
    if (r != r and a == a and b == b) or (math.isinf(r) and math.isfinite(a) and math.isfinite(b)):
        raise _Bail("float overflow or invalid operation (NumPy warns)")
    return r


@_njit
def _pl_npadd(a, b):
    return _pl_npchk(a + b, a, b)


@_njit
def _pl_npsub(a, b):
    return _pl_npchk(a - b, a, b)


@_njit
def _pl_npmul(a, b):
    return _pl_npchk(a * b, a, b)


@_njit
def _pl_int(x):
    if not (-9.223372036854776e18 <= x < 9.223372036854776e18):
        raise _Bail("float to int")
    return int(x)


@_njit
def _pl_floor(x):
    if not (-9.223372036854776e18 <= x < 9.223372036854776e18):
        raise _Bail("float to int")
    return int(math.floor(x))


@_njit
def _pl_ceil(x):
    if not (-9.223372036854776e18 <= x < 9.223372036854776e18):
        raise _Bail("float to int")
    return int(math.ceil(x))


@_njit
def _pl_fdiv(a, b):
    if b == 0.0:
        raise _Bail("float division by zero")
    return _pl_npchk(a / b, a, b)


@_njit
def _pl_ffloordiv(a, b):
    if b == 0.0:
        raise _Bail("float division by zero")
    return _pl_npchk(a // b, a, b)


@_njit
def _pl_fmod(a, b):
    if b == 0.0:
        raise _Bail("float modulo by zero")
    return _pl_npchk(a % b, a, b)


@_njit
def _pl_fpow(a, b):
    if a == 0.0 and b < 0.0:
        raise _Bail("zero to a negative power")
    if a < 0.0 and math.isfinite(a) and math.isfinite(b) and b != math.floor(b):
        raise _Bail("negative base, fractional exponent")
    r = a ** b
    if math.isinf(r) and math.isfinite(a) and math.isfinite(b):
        raise _Bail("float overflow")
    return r


@_njit
def _pl_m1(r, x):
    if (r != r and x == x) or (math.isinf(r) and math.isfinite(x)):
        raise _Bail("math domain or range error")
    return r


@_njit
def _pl_m2(r, x, y):
    if (r != r and x == x and y == y) or (math.isinf(r) and math.isfinite(x) and math.isfinite(y)):
        raise _Bail("math domain or range error")
    return r


@_njit
def _pl_ix(i, n):
    if i < 0:
        i += n
    if i < 0 or i >= n:
        raise _Bail("index out of range")
    return i
`;

/** Numba writes Python: `math.*` calls checked by a helper, Python's own `//` and `%`, bare names. */
const NUMBA: Dialect = {
  blocks: PYTHON_BLOCKS,
  names: '',
  functions: '',
  helpers: '_',
  pythonDivision: true,
  constant: constText,
  cond: pythonCond,
  math(fn, args) {
    const call = `math.${fn}(${args.join(', ')})`;
    if (UNCHECKED_MATH.has(fn)) return call;
    // The arguments are evaluated once: a helper call takes the result and the arguments as values.
    return args.length === 1 ? `_pl_m1(${call}, ${args[0]})` : `_pl_m2(${call}, ${args.join(', ')})`;
  },
  toFloat: (a) => `float(${a})`,
  toInt: (a) => pythonCond(a, '1', '0'),
  intAbs: (a, checked) => (checked ? `_pl_abs(${a})` : `abs(${a})`),
  floatAbs: (a) => `abs(${a})`,
  not: (a) => `(not ${a})`,
  classify: (fn, a) => `math.${fn}(${a})`,
  dim: (a, axis) => `${a}.shape[${axis}]`,
};

class NumbaEmitter extends PyFunctionEmitter {
  constructor(f: PyFunction) {
    super(f, NUMBA);
  }

  fn(): string {
    const f = this.f;
    const params = f.params.map((p) => p.name).join(', ');
    const lines = ['@_njit', `def ${f.name}(${params}):`];
    const body: string[] = [];
    this.block(f.body, 1, body);
    if (body.length === 0) body.push('    pass');
    return [...lines, ...body].join('\n');
  }

  protected forLoop(s: Extract<PyStmt, { kind: 'for' }>, d: number, pad: string, out: string[]): void {
    out.push(`${pad}for ${this.local(s.local)} in range(${this.expr(s.start)}, ${this.expr(s.stop)}, ${s.step}):`);
    this.loopBody(s.label, s.body, d + 1, out);
  }
}

const MIN_MAX = `

@_njit
def _pl_min(a, b):
    return b if b < a else a


@_njit
def _pl_max(a, b):
    return b if b > a else a
`;

/** A constant as Python source that reads back as the same value and type. */
export function constText(e: Extract<PyExpr, { kind: 'const' }>): string {
  return constSource(e, { true: 'True', false: 'False', int: String, nan: 'math.nan', inf: 'math.inf', negZero: '-0.0' });
}

/** The kernel module: helpers, then one jitted function per IR function. */
export function emitNumbaModule(kernel: PythonKernel): string {
  return emitNumbaBatch([kernel], kernelOrigin(kernel));
}

/** One module with the helpers once and the functions of several kernels (their names must not collide). */
export function emitNumbaBatch(kernels: PythonKernel[], from = `for ${kernels.length} kernels`): string {
  const header = [
    `# Generated by Perf Lab ${from}: compiled by Numba.`,
    '# Checked operations raise _Bail where Python would answer differently; the wrapper then runs the original.',
    'import math',
    '',
    'import numba',
    '',
    `_njit = numba.njit(cache=True, error_model="numpy")`,
    '',
  ].join('\n');
  const fns = kernels.flatMap((k) => k.ir.functions.map((f) => new NumbaEmitter(f).fn()));
  return `${header}${HELPERS}${MIN_MAX}\n\n${fns.join('\n\n\n')}\n`;
}

/** Whether any function of the kernel takes or uses arrays (for the module's notes). */
function usesArrays(kernel: PythonKernel): boolean {
  return kernel.ir.functions.some((f) => f.params.some((p) => isPyArrayType(p.type)));
}

export const numbaBackend: PythonBackend = {
  target: 'numba',
  requires: [
    { module: 'numpy', pip: 'numpy' },
    { module: 'numba', pip: 'numba' },
  ],
  emit(kernel: PythonKernel, kernelModule: string): EmittedKernel {
    const flags = [...NUMBA_FLAGS];
    if (usesArrays(kernel)) flags.push('arrays: C-contiguous float64/int64');
    return { files: { [`${kernelModule}.py`]: emitNumbaModule(kernel) }, flags };
  },
};

// The C++ helpers that give compiled Python kernels Python's number semantics, shared by the pybind11 backend
// (embedded in its .cpp) and the Cython backend (a header its .pyx declares `except +`): each checked operation
// throws `Bail` where Python's answer would differ, and the shared wrapper then runs the original function. The C++
// itself is runtime/py-native-runtime.h; this file adds the math helpers, one per PY_MATH function.
import { asset } from '../assets';
import { PY_MATH } from './ir-py';

/** The math functions that never raise in Python: called without a check. */
export const UNCHECKED_MATH = new Set<string>(['fabs', 'copysign']);
const TWO_ARGS = new Set<string>(['atan2', 'hypot', 'pow', 'copysign']);

/** One helper per math function: the libm call, checked where Python raises; arguments evaluated once. */
function mathHelpers(): string {
  return PY_MATH.map((fn) => {
    const two = TWO_ARGS.has(fn);
    // pow's exponent through pl_opaque: libm's pow, as Python calls it, not the square a compiler folds pow(x, 2.0) into.
    const call = fn === 'pow' ? 'std::pow(x, pl_opaque(y))' : `std::${fn}(${two ? 'x, y' : 'x'})`;
    const body = UNCHECKED_MATH.has(fn) ? call : two ? `pl_m2(${call}, x, y)` : `pl_m1(${call}, x)`;
    return `inline double pl_math_${fn}(${two ? 'double x, double y' : 'double x'}) { return ${body}; }`;
  }).join('\n');
}

/** The line of runtime/py-native-runtime.h that the math helpers replace. */
const MATH_HELPERS_LINE = /^\/\/ PL_MATH_HELPERS:.*$/m;

/** The helpers' C++ (runtime/py-native-runtime.h: inside namespace perf_lab_py; a `using namespace` follows it). */
export const PY_NATIVE_RUNTIME = asset('compiler/runtime/py-native-runtime.h').replace(MATH_HELPERS_LINE, () => mathHelpers());

/** The helpers a Cython module calls, as Cython declares them (`except +` turns a Bail into a Python exception). */
export function cythonRuntimeDeclarations(header: string): string {
  const L = [`cdef extern from "${header}" nogil:`];
  L.push('    const int64_t PL_MIN', '    const double PL_NEG_ZERO', '    const double PL_INF', '    const double PL_NAN');
  const i2 = (name: string, ret = 'int64_t') => L.push(`    ${ret} ${name}(int64_t a, int64_t b) except +`);
  for (const n of ['pl_add', 'pl_sub', 'pl_mul', 'pl_floordiv', 'pl_mod', 'pl_pow', 'pl_shl', 'pl_shr']) i2(n);
  L.push('    int64_t py_floordiv(int64_t a, int64_t b)', '    int64_t py_mod(int64_t a, int64_t b)');
  i2('pl_truediv', 'double');
  for (const n of ['pl_neg', 'pl_abs']) L.push(`    int64_t ${n}(int64_t a) except +`);
  L.push('    double pl_exact_float(int64_t a) except +');
  for (const n of ['pl_int', 'pl_floor', 'pl_ceil']) L.push(`    int64_t ${n}(double x) except +`);
  for (const n of ['pl_lt_if', 'pl_le_if', 'pl_eq_if', 'pl_ne_if', 'pl_gt_if', 'pl_ge_if']) L.push(`    bint ${n}(int64_t i, double x)`);
  for (const n of ['pl_fdiv', 'pl_ffloordiv', 'pl_fmod', 'pl_fpow', 'pl_npadd', 'pl_npsub', 'pl_npmul']) L.push(`    double ${n}(double a, double b) except +`);
  L.push('    double py_fmod(double a, double b)', '    double py_ffloordiv(double a, double b)');
  L.push(
    '    int64_t pl_min(int64_t a, int64_t b)',
    '    double pl_min(double a, double b)',
    '    int64_t pl_max(int64_t a, int64_t b)',
    '    double pl_max(double a, double b)',
  );
  L.push('    bint pl_isnan(double x)', '    bint pl_isinf(double x)', '    bint pl_isfinite(double x)');
  L.push('    int64_t pl_ix(int64_t i, int64_t n) except +', '    uint64_t pl_trips(int64_t start, int64_t stop, int64_t step)');
  L.push('    int64_t pl_step(int64_t step) except +');
  for (const fn of PY_MATH) {
    const two = TWO_ARGS.has(fn);
    L.push(`    double pl_math_${fn}(${two ? 'double x, double y' : 'double x'})${UNCHECKED_MATH.has(fn) ? '' : ' except +'}`);
  }
  return L.join('\n');
}

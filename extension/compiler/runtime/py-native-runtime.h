#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <utility>
#include <vector>

namespace perf_lab_py {

// Thrown where Python's answer would differ from the machine's: the wrapper then runs the original function.
struct Bail : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const int64_t PL_MIN = std::numeric_limits<int64_t>::min();
// An int, so that an int64 is compared with it exactly (as a double, 2**53 + 1 would pass for 2**53).
const int64_t PL_EXACT = 9007199254740992;
const double PL_NEG_ZERO = -0.0;
const double PL_INF = std::numeric_limits<double>::infinity();
const double PL_NAN = std::numeric_limits<double>::quiet_NaN();

template <typename T> struct Arr1 { T *p; int64_t n0; };
template <typename T> struct Arr2 { T *p; int64_t n0, n1; };
template <typename T> struct Arr3 { T *p; int64_t n0, n1, n2; };

inline int64_t pl_add(int64_t a, int64_t b) { int64_t r; if (__builtin_add_overflow(a, b, &r)) throw Bail("int overflow"); return r; }
inline int64_t pl_sub(int64_t a, int64_t b) { int64_t r; if (__builtin_sub_overflow(a, b, &r)) throw Bail("int overflow"); return r; }
inline int64_t pl_mul(int64_t a, int64_t b) { int64_t r; if (__builtin_mul_overflow(a, b, &r)) throw Bail("int overflow"); return r; }
inline int64_t pl_neg(int64_t a) { if (a == PL_MIN) throw Bail("int overflow"); return -a; }
inline int64_t pl_abs(int64_t a) { if (a == PL_MIN) throw Bail("int overflow"); return a < 0 ? -a : a; }

// Python's floor division and modulo: the quotient rounds down, the remainder takes the divisor's sign.
inline int64_t py_floordiv(int64_t a, int64_t b) { int64_t q = a / b; if ((a % b != 0) && ((a < 0) != (b < 0))) --q; return q; }
inline int64_t py_mod(int64_t a, int64_t b) { int64_t r = a % b; if (r != 0 && ((r < 0) != (b < 0))) r += b; return r; }
inline int64_t pl_floordiv(int64_t a, int64_t b) { if (b == 0 || (b == -1 && a == PL_MIN)) throw Bail("int division"); return py_floordiv(a, b); }
inline int64_t pl_mod(int64_t a, int64_t b) { if (b == 0) throw Bail("int modulo by zero"); if (b == -1) return 0; return py_mod(a, b); }

inline int64_t pl_pow(int64_t a, int64_t b) {
  if (b < 0) throw Bail("negative int exponent");
  int64_t r = 1;
  while (b > 0) {
    if (b & 1) r = pl_mul(r, a);
    b >>= 1;
    if (b > 0) a = pl_mul(a, a);
  }
  return r;
}
inline int64_t pl_shl(int64_t a, int64_t b) {
  if (b < 0) throw Bail("negative shift");
  if (a == 0) return 0;
  if (b >= 63) throw Bail("int overflow");
  int64_t r = (int64_t)((uint64_t)a << b);
  if ((r >> b) != a) throw Bail("int overflow");
  return r;
}
inline int64_t pl_shr(int64_t a, int64_t b) { if (b < 0) throw Bail("negative shift"); if (b >= 63) return a < 0 ? -1 : 0; return a >> b; }
inline double pl_truediv(int64_t a, int64_t b) {
  if (b == 0 || a > PL_EXACT || a < -PL_EXACT || b > PL_EXACT || b < -PL_EXACT) throw Bail("int division");
  return (double)a / (double)b;
}
inline double pl_exact_float(int64_t a) { if (a > PL_EXACT || a < -PL_EXACT) throw Bail("int beyond 2**53 compared with a float"); return (double)a; }
// A Python int compared with a float, exactly as Python compares them (not through a rounded double): -1, 0, 1, or 2
// when x is NaN. Beyond 2**53 the int is compared with the float's integer part, which is exact below 2**63.
inline int pl_cmp_if(int64_t i, double x) {
  if (std::isnan(x)) return 2;
  if (i >= -PL_EXACT && i <= PL_EXACT) { double f = (double)i; return f < x ? -1 : f > x ? 1 : 0; }
  if (x >= 9223372036854775808.0) return -1;
  if (x < -9223372036854775808.0) return 1;
  // |i| > 2**53: when i equals trunc(x), x is that integer too (no float beyond 2**52 has a fraction).
  int64_t t = (int64_t)x;
  return i < t ? -1 : i > t ? 1 : 0;
}
inline bool pl_lt_if(int64_t i, double x) { return pl_cmp_if(i, x) == -1; }
inline bool pl_le_if(int64_t i, double x) { int c = pl_cmp_if(i, x); return c == -1 || c == 0; }
inline bool pl_eq_if(int64_t i, double x) { return pl_cmp_if(i, x) == 0; }
inline bool pl_ne_if(int64_t i, double x) { return pl_cmp_if(i, x) != 0; }
inline bool pl_gt_if(int64_t i, double x) { return pl_cmp_if(i, x) == 1; }
inline bool pl_ge_if(int64_t i, double x) { int c = pl_cmp_if(i, x); return c == 0 || c == 1; }
inline bool pl_int_range(double x) { return x >= -9.223372036854776e18 && x < 9.223372036854776e18; }
inline int64_t pl_int(double x) { if (!pl_int_range(x)) throw Bail("float to int"); return (int64_t)x; }
inline int64_t pl_floor(double x) { if (!pl_int_range(x)) throw Bail("float to int"); return (int64_t)std::floor(x); }
inline int64_t pl_ceil(double x) { if (!pl_int_range(x)) throw Bail("float to int"); return (int64_t)std::ceil(x); }

// CPython's float floor division and modulo (Objects/floatobject.c), signed zeros included.
inline double py_fmod(double a, double b) {
  double m = std::fmod(a, b);
  if (m != 0.0) { if ((b < 0) != (m < 0)) m += b; } else m = std::copysign(0.0, b);
  return m;
}
inline double py_ffloordiv(double a, double b) {
  double m = std::fmod(a, b);
  double div = (a - m) / b;
  if (m != 0.0 && ((b < 0) != (m < 0))) div -= 1.0;
  double q;
  if (div != 0.0) { q = std::floor(div); if (div - q > 0.5) q += 1.0; } else q = std::copysign(0.0, a / b);
  return q;
}
// Where NumPy would flag a float64 operation (an overflow to infinity, an invalid operation giving NaN) and warn, or
// raise under np.seterr: a NumPy scalar's arithmetic bails out there, and so do the checked divisions.
inline double pl_npchk(double r, double a, double b) {
  if ((std::isnan(r) && !std::isnan(a) && !std::isnan(b)) || (std::isinf(r) && std::isfinite(a) && std::isfinite(b))) throw Bail("float overflow or invalid operation (NumPy warns)");
  return r;
}
inline double pl_npadd(double a, double b) { return pl_npchk(a + b, a, b); }
inline double pl_npsub(double a, double b) { return pl_npchk(a - b, a, b); }
inline double pl_npmul(double a, double b) { return pl_npchk(a * b, a, b); }
inline double pl_fdiv(double a, double b) { if (b == 0.0) throw Bail("float division by zero"); return pl_npchk(a / b, a, b); }
inline double pl_ffloordiv(double a, double b) { if (b == 0.0) throw Bail("float division by zero"); return pl_npchk(py_ffloordiv(a, b), a, b); }
inline double pl_fmod(double a, double b) { if (b == 0.0) throw Bail("float modulo by zero"); return pl_npchk(py_fmod(a, b), a, b); }
// CPython's x ** y and math.pow are libm's pow, which is not always the correctly rounded x * x that a compiler
// makes of pow(x, 2.0) (glibc's pow errs by up to 0.52 ulp; 1 in 1,200 squares differ): an exponent read through a
// volatile is no constant to fold, so pow itself is called.
inline double pl_opaque(double v) {
  volatile double o = v;
  return o;
}
inline double pl_fpow(double a, double b) {
  if (a == 0.0 && b < 0.0) throw Bail("zero to a negative power");
  if (a < 0.0 && std::isfinite(a) && std::isfinite(b) && b != std::floor(b)) throw Bail("negative base, fractional exponent");
  double r = std::pow(a, pl_opaque(b));
  if (std::isinf(r) && std::isfinite(a) && std::isfinite(b)) throw Bail("float overflow");
  return r;
}
// math.* raise where libm answers NaN for a number, or infinity for finite arguments.
inline double pl_m1(double r, double x) {
  if ((std::isnan(r) && !std::isnan(x)) || (std::isinf(r) && std::isfinite(x))) throw Bail("math domain or range error");
  return r;
}
inline double pl_m2(double r, double x, double y) {
  if ((std::isnan(r) && !std::isnan(x) && !std::isnan(y)) || (std::isinf(r) && std::isfinite(x) && std::isfinite(y))) throw Bail("math domain or range error");
  return r;
}
// Python's min(a, b) / max(a, b): the first argument unless the second is strictly smaller / larger.
template <typename T> inline T pl_min(T a, T b) { return b < a ? b : a; }
template <typename T> inline T pl_max(T a, T b) { return b > a ? b : a; }
inline bool pl_isnan(double x) { return std::isnan(x); }
inline bool pl_isinf(double x) { return std::isinf(x); }
inline bool pl_isfinite(double x) { return std::isfinite(x); }
inline int64_t pl_ix(int64_t i, int64_t n) {
  if (i < 0) i += n;
  if (i < 0 || i >= n) throw Bail("index out of range");
  return i;
}
// A step computed at run time: range() raises ValueError on 0.
inline int64_t pl_step(int64_t step) { if (step == 0) throw Bail("range() step of 0"); return step; }
// The number of values range(start, stop, step) takes, counted without overflow.
inline uint64_t pl_trips(int64_t start, int64_t stop, int64_t step) {
  if (step > 0) return stop > start ? ((uint64_t)stop - (uint64_t)start - 1) / (uint64_t)step + 1 : 0;
  return start > stop ? ((uint64_t)start - (uint64_t)stop - 1) / (0 - (uint64_t)step) + 1 : 0;
}

// Lists and arrays a kernel builds: the elements in a vector, the view the kernel indexes kept pointing at them (a
// bool element is one byte, 0 or 1, as NumPy stores it). A negative dimension bails out (NumPy raises ValueError; a
// list's `[x] * n` arrives as max(n, 0)); so does a size beyond memory (std::bad_alloc is a Python MemoryError).
template <typename T, typename F> inline void pl_alloc(std::vector<T> &b, Arr1<T> &v, int64_t n, F fill) {
  if (n < 0) throw Bail("negative dimension");
  b.assign((size_t)n, (T)fill);
  v = Arr1<T>{b.data(), n};
}
template <typename T, typename F> inline void pl_alloc(std::vector<T> &b, Arr2<T> &v, int64_t n0, int64_t n1, F fill) {
  int64_t size;
  if (n0 < 0 || n1 < 0) throw Bail("negative dimension");
  if (__builtin_mul_overflow(n0, n1, &size)) throw Bail("array too large");
  b.assign((size_t)size, (T)fill);
  v = Arr2<T>{b.data(), n0, n1};
}
template <typename T, typename X> inline void pl_append(std::vector<T> &b, Arr1<T> &v, X x) {
  b.push_back((T)x);
  v = Arr1<T>{b.data(), (int64_t)b.size()};
}
// An array a kernel returns: its elements and shape (n1 is 1 for one dimension).
template <typename T> struct Owned {
  std::vector<T> data;
  int64_t n0, n1;
};

// PL_MATH_HELPERS: one pl_math_<fn> per function of PY_MATH, checked where Python raises (python-native-runtime.ts)
}  // namespace perf_lab_py
using namespace perf_lab_py;

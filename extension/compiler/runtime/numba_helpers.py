import math

import numba
import numpy as _np
from llvmlite import ir as _ir
from numba.core import cgutils as _cgutils
from numba.extending import intrinsic as _intrinsic

_njit = numba.njit(cache=True, error_model="numpy")
# Functions that call each other in a cycle are compiled afresh in each process: Numba 0.68 crashes running such
# functions loaded from its cache.
_njit_uncached = numba.njit(cache=False, error_model="numpy")
_MIN = -9223372036854775808
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


@_intrinsic
def _libm_pow(typingctx, a, b):
    """The C library's pow, as CPython's float ** calls it. Numba's own ** lets LLVM rewrite x ** 0.5 as a square root,
    which differs from pow in the last bit now and then; a call LLVM does not know as pow is left alone."""
    sig = numba.types.float64(numba.types.float64, numba.types.float64)

    def codegen(context, builder, signature, args):
        fnty = _ir.FunctionType(_ir.DoubleType(), [_ir.DoubleType(), _ir.DoubleType()])
        fn = _cgutils.get_or_insert_function(builder.module, fnty, "pow")
        fn.attributes.add("nobuiltin")
        return builder.call(fn, args)

    return sig, codegen


@_njit
def _pl_fpow(a, b):
    if a == 0.0 and b < 0.0:
        raise _Bail("zero to a negative power")
    if a < 0.0 and math.isfinite(a) and math.isfinite(b) and b != math.floor(b):
        raise _Bail("negative base, fractional exponent")
    r = _libm_pow(a, b)
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
def _pl_trips(start, stop, step):
    """The number of values range(start, stop, step) takes, counted without overflow (Numba's own range counts
    stop - start in 64 bits, which wraps for a range wider than that). A step of 0 bails out (Python raises
    ValueError), and so does a range wider than 64 bits: a loop that long ends only by a break or an error, which the
    original then meets."""
    if step > 0:
        if stop <= start:
            return 0
        if start < 0 and stop > _MAX + start:
            raise _Bail("range wider than 64 bits")
        return (stop - start - 1) // step + 1
    if step == 0:
        raise _Bail("range() step of 0")
    if stop >= start:
        return 0
    if stop < 0 and start > _MAX + stop:
        raise _Bail("range wider than 64 bits")
    if step == _MIN:
        return 1
    return (start - stop - 1) // (-step) + 1


@_njit
def _pl_grow(a, n):
    """A growable list's storage with twice the room, its first n elements kept."""
    b = _np.empty(max(8, 2 * n), a.dtype)
    b[:n] = a[:n]
    return b


@_njit
def _pl_ix(i, n):
    if i < 0:
        i += n
    if i < 0 or i >= n:
        raise _Bail("index out of range")
    return i


@_njit
def _pl_min(a, b):
    return b if b < a else a


@_njit
def _pl_max(a, b):
    return b if b > a else a

"""Runs each original function and its compiled wrapper on the same random and edge-case inputs, in one process,
and reports every difference in results (their types included: a NumPy scalar is not a Python number), in mutated
arguments, in raised exceptions or in the warnings given (bit-exact for floats).

stdin: [{"file", "fn", "wrapperDir", "wrapperModule", "entry", "calls", "seed", "repeat"?}]; `calls` is a Python
expression evaluated in the original module's namespace plus the generators below, giving a list of argument tuples;
it is evaluated `repeat` times (1 by default), each time drawing new random values.
stdout: [{"fn", "wrapperModule", "cases", "fallbacks", "mismatches": [...]}]
"""

import copy
import importlib.util
import json
import math
import random
import struct
import sys
import warnings

import numpy as np

INT64 = (-(2**63), 2**63 - 1)


def generators(rng):
    def I(lo=None, hi=None):
        if lo is not None:
            return rng.randint(lo, hi)
        kind = rng.random()
        if kind < 0.5:
            return rng.randint(-100, 100)
        if kind < 0.7:
            return rng.randint(-(2**31), 2**31)
        if kind < 0.9:
            return rng.randint(-(2**62), 2**62)
        return rng.choice([INT64[0], INT64[1], INT64[0] + 1, 0, 1, -1, 2**53 + 1, -(2**53) - 1])

    def F(lo=None, hi=None):
        if lo is not None:
            return rng.uniform(lo, hi)
        kind = rng.random()
        if kind < 0.6:
            return rng.gauss(0.0, 10.0)
        if kind < 0.8:
            return float(rng.randint(-20, 20)) / rng.choice([1.0, 2.0, 4.0, 0.5])
        return rng.choice([0.0, -0.0, math.inf, -math.inf, math.nan, 1e308, -1e308, 5e-324, 1.5, -2.5, 0.1])

    def B():
        """An int next to a power of two where floats stop being exact: 2**53, 2**54, 2**62, 2**63 (±0..3), either sign."""
        e = rng.choice([52, 53, 53, 53, 54, 62, 63])
        v = rng.choice([1, -1]) * (2**e + rng.randint(-3, 3))
        return max(INT64[0], min(INT64[1], v))

    def BF():
        """A float next to 2**53 … 2**63, or an ordinary one; sometimes NaN or an infinity."""
        kind = rng.random()
        if kind < 0.7:
            return float(B()) + rng.choice([0.0, 0.0, 2.0, -2.0, 0.5])
        if kind < 0.9:
            return F()
        return rng.choice([math.nan, math.inf, -math.inf, 9.223372036854776e18, -9.223372036854776e18])

    def NI(n):
        """A 1-D int64 array of n values (small, 64-bit or next to 2**53)."""
        return np.array([rng.choice([I(), B(), I(-5, 5)]) for _ in range(n)], dtype=np.int64)

    def NF(n):
        """A 1-D float64 array of n values (F's kinds, sometimes huge)."""
        return np.array([rng.choice([F(), F(), BF(), rng.choice([1e308, -1e308, 1e200])]) for _ in range(n)], dtype=np.float64)

    def FL(n, lo=-10.0, hi=10.0):
        return [rng.uniform(lo, hi) for _ in range(n)]

    def FG(rows, cols, lo=-10.0, hi=10.0):
        return [[rng.uniform(lo, hi) for _ in range(cols)] for _ in range(rows)]

    def ND(*shape):
        return np.array([rng.uniform(-10.0, 10.0) for _ in range(math.prod(shape))]).reshape(shape)

    def S(n=None):
        """A str of n characters (0 to 8 when not given): ASCII letters mostly, and é, an emoji beyond the BMP, a lone
        surrogate, a NUL."""
        n = rng.randint(0, 8) if n is None else n
        return "".join(rng.choice("abcdeyzAZ") if rng.random() < 0.7 else rng.choice(["\u00e9", "\U0001f600", "\ud800", "\x00", " "]) for _ in range(n))

    return {"I": I, "F": F, "B": B, "BF": BF, "NI": NI, "NF": NF, "FL": FL, "FG": FG, "ND": ND, "S": S, "rng": rng, "np": np, "math": math}


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def state(o):
    """An instance's attributes: its __dict__ and its set slots (a method's self)."""
    out = dict(getattr(o, "__dict__", {}))
    for k in type(o).__mro__:
        for n in k.__dict__.get("__slots__", ()):
            if hasattr(o, n):
                out[n] = getattr(o, n)
    return out


def same(a, b):
    if type(a) is not type(b):
        return False
    if type(a).__module__.startswith("original_"):
        sa, sb = state(a), state(b)
        return list(sa) == list(sb) and all(same(sa[n], sb[n]) for n in sa)
    if isinstance(a, complex):
        return same(a.real, b.real) and same(a.imag, b.imag)
    if isinstance(a, float) or isinstance(a, np.floating):
        return (math.isnan(a) and math.isnan(b)) or struct.pack("<d", a) == struct.pack("<d", b)
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and all(same(x, y) for x, y in zip(a.ravel().tolist(), b.ravel().tolist()))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def outcome(fn, args):
    """("ok", value, warnings) or ("raised", exception type, warnings): warnings as sorted (category, message)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            r = ("ok", fn(*args))
        except Exception as e:
            r = ("raised", type(e).__name__)
    return r + (sorted({(w.category.__name__, str(w.message)) for w in caught}),)


def main():
    jobs = json.load(sys.stdin)
    report = []
    for job in jobs:
        original_module = load(job["file"], "original_" + job["fn"].replace(".", "_"))
        cls, _, fn = job["fn"].rpartition(".")
        # A method (Class.method): the plain function in the class, called with the instance first.
        original = vars(getattr(original_module, cls))[fn] if cls else getattr(original_module, fn)
        sys.path.insert(0, job["wrapperDir"])
        wrapper = importlib.import_module(job["wrapperModule"])
        compiled = getattr(wrapper, job["entry"])
        rng = random.Random(job["seed"])
        env = dict(vars(original_module))
        env.update(generators(rng))
        calls = [c for _ in range(job.get("repeat", 1)) for c in eval(job["calls"], env)]
        mismatches = []
        names = job.get("globals", [])
        for call in calls:
            args = call
            # Each run starts from the same module-level state (the fixture's reset), compared after it as arguments are.
            state = eval(job["reset"], env) if job.get("reset") else None
            if state is not None:
                original_module.reset(*copy.deepcopy(state))
                args = tuple(getattr(original_module, a) if type(a) is str else a for a in call)
            # (A module-level value passed by its name is passed as it is: fresh from reset, and shared as it is there.)
            a1 = args if state is not None else copy.deepcopy(args)
            r1 = outcome(original, a1)
            g1 = [getattr(original_module, n) for n in names]
            if state is not None:
                original_module.reset(*copy.deepcopy(state))
                args = tuple(getattr(original_module, a) if type(a) is str else a for a in call)
            a2 = args if state is not None else copy.deepcopy(args)
            r2 = outcome(lambda *a: compiled(original, *a), a2)
            g2 = [getattr(original_module, n) for n in names]
            if not same(r1, r2) or not same(list(a1), list(a2)) or not same(g1, g2):
                mismatches.append({"args": repr(args)[:300], "state": repr(state)[:300], "python": repr(r1)[:200], "compiled": repr(r2)[:200], "argsAfter": [repr(a1)[:200], repr(a2)[:200]], "globalsAfter": [repr(g1)[:300], repr(g2)[:300]]})
        report.append({"fn": job["fn"], "wrapperModule": job["wrapperModule"], "cases": len(calls), "calls": wrapper._stats["calls"], "fallbacks": wrapper._stats["fallbacks"], "mismatches": mismatches[:5], "mismatchCount": len(mismatches)})
        sys.path.remove(job["wrapperDir"])
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()

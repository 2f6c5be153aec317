"""Times one variant of one Python example kernel in this process: the original function, or a Perf Lab rewrite
called through its wrapper module (as the applied edit calls it). Prints JSON: per-call times in ms, the checksum of
the result and of the mutated arguments after one call on fresh inputs, and the wrapper's fallback count.

    measure.py --file EXAMPLE.py --fn NAME --inputs EXPR [--wrapper-dir DIR --wrapper-module MOD] [--ms 1500]

EXPR is evaluated in the example module's namespace (it may call the example's own helpers) for each call, so that
every call gets fresh inputs; building them is not timed.
"""

import argparse
import hashlib
import importlib
import importlib.util
import json
import sys
import time


def load(path, name="example_under_test"):
    """The module of a file, under a name (registered in sys.modules when it is the program's own)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    if name != "example_under_test":
        sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def variant(original, name, wrapper_dir=None, wrapper_module=None):
    """The function to time: the original, or the rewrite's entry as the applied edit calls it; and the rewrite's
    module (None for the original), whose counters the caller reports."""
    if not wrapper_module:
        return original, None
    sys.path.insert(0, wrapper_dir)
    wrapper = importlib.import_module(wrapper_module)
    entry = getattr(wrapper, name)

    def fn(*args):
        return entry(original, *args)

    return fn, wrapper


def timed(fn, args):
    """The result of one call and its time in ms."""
    t0 = time.perf_counter()
    result = fn(*args)
    return result, (time.perf_counter() - t0) * 1000.0


def checksum(result, args):
    def text(v):
        if hasattr(v, "tobytes"):
            return f"{v.dtype}{v.shape}{v.tobytes().hex()}"
        if isinstance(v, (list, tuple)):
            return "[" + ",".join(text(x) for x in v) + "]"
        return repr(v)

    return hashlib.sha256((text(result) + "|" + text(list(args))).encode()).hexdigest()[:12]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--file", required=True)
    p.add_argument("--fn", required=True)
    p.add_argument("--inputs", required=True)
    p.add_argument("--wrapper-dir")
    p.add_argument("--wrapper-module")
    p.add_argument("--ms", type=float, default=1500.0)
    p.add_argument("--min-samples", type=int, default=5)
    a = p.parse_args()
    module = load(a.file)
    env = vars(module)
    fn, wrapper = variant(getattr(module, a.fn), a.fn, a.wrapper_dir, a.wrapper_module)

    # One call on fresh inputs gives the checksum; it also compiles what compiles on first use (Numba).
    args = eval(a.inputs, env)
    result, first_ms = timed(fn, args)
    digest = checksum(result, args)

    times = []
    budget = a.ms / 1000.0
    warm_until = time.perf_counter() + budget / 5.0
    while time.perf_counter() < warm_until:
        args = eval(a.inputs, env)
        fn(*args)
    end = time.perf_counter() + budget
    while time.perf_counter() < end or len(times) < a.min_samples:
        times.append(timed(fn, eval(a.inputs, env))[1])
    out = {"times": times, "checksum": digest, "firstMs": first_ms}
    if wrapper is not None:
        out["fallbacks"] = wrapper._stats["fallbacks"]
        out["reason"] = wrapper._stats["reason"]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()

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


def load(path):
    spec = importlib.util.spec_from_file_location("example_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
    original = getattr(module, a.fn)
    env = vars(module)
    if a.wrapper_module:
        sys.path.insert(0, a.wrapper_dir)
        wrapper = importlib.import_module(a.wrapper_module)
        entry = getattr(wrapper, a.fn)

        def fn(*args):
            return entry(original, *args)
    else:
        wrapper = None
        fn = original

    # One call on fresh inputs gives the checksum; it also compiles what compiles on first use (Numba).
    args = eval(a.inputs, env)
    t0 = time.perf_counter()
    result = fn(*args)
    first_ms = (time.perf_counter() - t0) * 1000.0
    digest = checksum(result, args)

    times = []
    budget = a.ms / 1000.0
    warm_until = time.perf_counter() + budget / 5.0
    while time.perf_counter() < warm_until:
        args = eval(a.inputs, env)
        fn(*args)
    end = time.perf_counter() + budget
    while time.perf_counter() < end or len(times) < a.min_samples:
        args = eval(a.inputs, env)
        t0 = time.perf_counter()
        fn(*args)
        times.append((time.perf_counter() - t0) * 1000.0)
    out = {"times": times, "checksum": digest, "firstMs": first_ms}
    if wrapper is not None:
        out["fallbacks"] = wrapper._stats["fallbacks"]
        out["reason"] = wrapper._stats["reason"]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()

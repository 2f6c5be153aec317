"""Times a parallel rewrite of a function as Perf Lab generates it (extension/compiler/backend-parallel.ts), or the
function as written, in this process. Prints JSON: the first call's time (the engine's start included), the per-call
times of the calls after it, the checksum of the result and the rewrite's counters.

    measure_parallel.py --file PROGRAM.py --fn NAME --args JSON [--module-dir DIR --module MOD] [--calls N]

JSON is the list of the function's arguments. Each engine is started by the rewrite's first call, as in the program.
"""

import argparse
import hashlib
import json
import os
import sys

from measure import load, timed, variant


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--file", required=True)
    p.add_argument("--fn", required=True)
    p.add_argument("--args", required=True)
    p.add_argument("--module-dir")
    p.add_argument("--module")
    p.add_argument("--calls", type=int, default=8)
    a = p.parse_args()
    # The program's module under its own name, from its folder, as the rewritten program imports it.
    sys.path.insert(0, os.path.dirname(os.path.abspath(a.file)))
    program = load(a.file, os.path.splitext(os.path.basename(a.file))[0])
    fn, rewrite = variant(getattr(program, a.fn), a.fn, a.module_dir, a.module)
    args = json.loads(a.args)
    result, first = timed(fn, args)
    times = []
    for _ in range(a.calls):
        again, ms = timed(fn, args)
        times.append(ms)
        if repr(again) != repr(result):
            raise SystemExit("a call returned another result")
    stats = dict(rewrite._stats) if rewrite is not None else {}
    print(json.dumps({"firstMs": first, "times": times, "checksum": hashlib.sha256(repr(result).encode()).hexdigest()[:12], "stats": stats}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()

"""Perf Lab's Modin check: a pandas program run as it is and with `import pandas as pd` made `import modin.pandas as pd`.

Standard library only here; pandas and Modin are the program's own, imported from its interpreter.

    python perf_lab_modin.py run SCRIPT SOURCE OUT -- ARGS...
        Runs SOURCE's text as the script SCRIPT (__main__, sys.argv[0] = SCRIPT, its folder first on sys.path) with ARGS,
        counting the UserWarnings in which Modin says it runs an operation by "defaulting to pandas" (by operation),
        and writes OUT (pickle): the DataFrames and Series the script leaves at its top level, as pandas objects (a
        Modin one converted with _to_pandas()), and the warnings. Its own output goes where the script's goes.
    python perf_lab_modin.py compare A B
        Prints JSON: whether the frames of two runs are equal exactly (pandas.testing, check_exact, dtypes, index,
        names, column order), and the first difference.
    python perf_lab_modin.py share SCRIPT OUT -- ARGS...
        Runs the script under cProfile and writes OUT (JSON): the run's time, the time spent inside pandas (the cumulative
        time of the calls into pandas from outside it), and the pandas functions called from the program with theirs.
"""
import json
import os
import pickle
import re
import sys
import warnings

# Modin names the operation as `Series.ewm`, <function DataFrame.shift> or squeeze_and_cut.
DEFAULTING = re.compile(r"^\s*(?:`([^`]+)`|<function ([^>]+)>|(\S+)) is not currently supported by", re.S)
DEFAULTING_ANY = re.compile(r"defaulting to pandas", re.I)


def _as_script(script, args):
    sys.argv = [script] + args
    sys.path[0] = os.path.dirname(os.path.abspath(script))


def run(script, source_file, out, args):
    with open(source_file, encoding="utf-8") as f:
        source = f.read()
    _as_script(script, args)
    defaulted = {}
    shown = warnings.showwarning

    def note(message, category, filename, lineno, file=None, line=None):
        text = str(message)
        if issubclass(category, UserWarning) and DEFAULTING_ANY.search(text):
            m = DEFAULTING.search(text)
            op = next((x for x in m.groups() if x), None) if m else None
            op = op or text.strip().splitlines()[0][:80]
            defaulted[op] = defaulted.get(op, 0) + 1
            return
        shown(message, category, filename, lineno, file, line)

    warnings.showwarning = note
    # Modin says each fallback once per operation by default; "always" counts every call.
    warnings.filterwarnings("always", message=".*defaulting to pandas.*", category=UserWarning)
    g = {"__name__": "__main__", "__file__": script, "__builtins__": __builtins__}
    code = compile(source, script, "exec")
    status = 0
    try:
        exec(code, g)
    except SystemExit as e:
        status = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    frames = {}
    for name, value in list(g.items()):
        kind = type(value).__name__
        module = type(value).__module__ or ""
        if kind in ("DataFrame", "Series") and (module.startswith("pandas") or module.startswith("modin")):
            frames[name] = value._to_pandas() if module.startswith("modin") else value
    sys.stdout.flush()
    with open(out, "wb") as f:
        pickle.dump({"frames": frames, "defaulted": defaulted, "status": status}, f)
    sys.exit(status)


def compare(a, b):
    import pandas.testing as pdt

    with open(a, "rb") as f:
        ra = pickle.load(f)
    with open(b, "rb") as f:
        rb = pickle.load(f)
    fa, fb = ra["frames"], rb["frames"]
    out = {"names": sorted(fa), "equal": True, "difference": ""}
    if sorted(fa) != sorted(fb):
        out.update(equal=False, difference="the top-level frames differ: %s against %s" % (sorted(fa), sorted(fb)))
    else:
        for name in sorted(fa):
            x, y = fa[name], fb[name]
            try:
                if type(x) is not type(y):
                    raise AssertionError("%s against %s" % (type(x).__name__, type(y).__name__))
                if type(x).__name__ == "DataFrame":
                    pdt.assert_frame_equal(x, y, check_exact=True, check_dtype=True, check_index_type=True, check_column_type=True, check_names=True)
                else:
                    pdt.assert_series_equal(x, y, check_exact=True, check_dtype=True, check_index_type=True, check_names=True)
            except AssertionError as e:
                out.update(equal=False, difference="%s: %s" % (name, " ".join(str(e).split())[:400]))
                break
    print(json.dumps(out))


def share(script, out, args):
    import cProfile
    import pstats
    import time

    with open(script, encoding="utf-8") as f:
        source = f.read()
    _as_script(script, args)
    g = {"__name__": "__main__", "__file__": script, "__builtins__": __builtins__}
    prof = cProfile.Profile()
    started = time.perf_counter()
    prof.enable()
    try:
        exec(compile(source, script, "exec"), g)
    except SystemExit:
        pass
    finally:
        prof.disable()
    total = time.perf_counter() - started
    sys.stdout.flush()
    stats = pstats.Stats(prof).stats
    sep = os.sep

    def in_pandas(key):
        return (sep + "pandas" + sep) in key[0]

    def imports(key):
        # pandas' class bodies and modules run by the import machinery while it is imported.
        return key[0].startswith("<frozen") or key[2] in ("<built-in method builtins.__build_class__>", "<built-in method builtins.exec>")

    entries = {}
    for key, (cc, nc, tt, ct, callers) in stats.items():
        # Importing pandas is not work Modin would take over.
        if not in_pandas(key) or key[2] == "<module>":
            continue
        # The time of the calls into pandas from outside it: each edge from a caller that is not pandas.
        for caller, edge in callers.items():
            if not in_pandas(caller) and not imports(caller):
                entries[key] = entries.get(key, 0.0) + edge[3]
    inside = sum(entries.values())
    top = sorted(entries.items(), key=lambda kv: -kv[1])[:8]
    doc = {
        "totalS": total,
        "pandasS": min(inside, total),
        "top": [{"function": "%s (%s:%d)" % (k[2], k[0][k[0].rfind(sep + "pandas" + sep) + 1 :], k[1]), "seconds": s} for k, s in top],
    }
    with open(out, "w", encoding="utf-8") as f:
        json.dump(doc, f)


def main(argv):
    if len(argv) < 2:
        raise SystemExit("usage: perf_lab_modin.py run|compare|share …")
    cmd = argv[1]
    rest = argv[2:]
    args = []
    if "--" in rest:
        i = rest.index("--")
        rest, args = rest[:i], rest[i + 1 :]
    if cmd == "run":
        run(rest[0], rest[1], rest[2], args)
    elif cmd == "compare":
        compare(rest[0], rest[1])
    elif cmd == "share":
        share(rest[0], rest[1], args)
    else:
        raise SystemExit("unknown command %s" % cmd)


if __name__ == "__main__":
    main(sys.argv)

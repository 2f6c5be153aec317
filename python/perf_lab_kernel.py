"""Perf Lab's helper for Python rewrites: records a function's real calls, proves a compiled version equal to the
original, and times both. Standard library only (NumPy is used when the program's values are NumPy arrays).

    perf_lab_kernel.py probe MODULE...                  prints {"python", "version", "modules": {name: version|null}}
    perf_lab_kernel.py record --file F --fn NAME --out OUT [--max-calls N] [--first N] [--max-bytes N]
                              [--hard-max-bytes N] [--meta JSON] -- ARGS...
    perf_lab_kernel.py prove REQUEST.json               prints the proof's cases as JSON
    perf_lab_kernel.py bench REQUEST.json               prints timing samples as JSON

record reruns the script as __main__ with NAME wrapped: the first calls and a sample of each shape of call are kept
(arguments before and after the call, result), within a call count and a byte budget (perf_lab_sample.py), and
written as JSON with exact values: ints as decimal strings, floats as float.hex(), arrays as base64 bytes with dtype
and shape; a large value is stored once in "blobs" and referenced from each call as {"ref": key}. The output is the
stored recording: the fields of --meta are written into it.
A "stop" on the control pipe (PERF_LAB_CONTROL_FD) or SIGTERM writes the calls so far.

prove and bench load the file's definitions (imports, functions, classes and assignments at the top level; its
other statements, such as a main() call, are left out) and the compiled wrapper module, and run recorded and
generated inputs through both, each case under a time limit.
"""

import base64
import copy
import importlib
import inspect
import json
import math
import os
import random
import re
import signal
import struct
import sys
import time
import traceback
import types
import ast

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from perf_lab_sample import STORED_ONCE_BYTES, Sampler, call_shape, content_key  # noqa: E402  (beside this file)

HELPER_FILE = os.path.abspath(__file__)
INT64_MIN = -(2 ** 63)
INT64_MAX = 2 ** 63 - 1

try:
    import numpy as np  # noqa: F401  (used when present)
except Exception:  # pragma: no cover - NumPy is optional
    np = None


# ----------------------------------------------------------------------------------------------- values


def is_ndarray(v):
    return np is not None and isinstance(v, np.ndarray)


# The classes a recorded instance may be of, by qualified name: the file's own, from the module that was run or loaded
# (set_classes). An instance of one is recorded as its class's name and its attributes (encode, decode).
CLASSES = {}
INSTANCE_MODULES = ("__main__", "perf_lab_original")
MemberDescriptor = type(type("_Slotted", (), {"__slots__": ("x",)}).x)


def set_classes(mod):
    """The classes defined at the top level of a module (and the classes nested in them), by qualified name."""
    CLASSES.clear()
    todo = [v for v in vars(mod).values() if isinstance(v, type) and v.__module__ == mod.__name__]
    while todo:
        c = todo.pop()
        if CLASSES.setdefault(c.__qualname__, c) is c:
            todo.extend(v for v in vars(c).values() if isinstance(v, type) and v.__module__ == mod.__name__)


def is_instance(v):
    """An instance of a class of the user's file (not a type itself)."""
    return type(v).__module__ in INSTANCE_MODULES and not isinstance(v, type)


def instance_state(v):
    """{name: value} of an instance's own attributes: its __dict__ and the slots of its classes that are set."""
    out = dict(getattr(v, "__dict__", None) or {})
    for k in type(v).__mro__:
        slots = k.__dict__.get("__slots__", ())
        for n in (slots,) if type(slots) is str else slots:
            if n not in ("__dict__", "__weakref__") and n not in out:
                try:
                    out[n] = object.__getattribute__(v, n)
                except AttributeError:
                    pass
    return out


def encode(v):
    """A value as exact JSON; raises TypeError for values a recording cannot hold."""
    t = type(v)
    if t is bool:
        return {"b": v}
    if t is int:
        return {"i": str(v)}
    if t is float:
        return {"f": v.hex()}
    if t is complex:
        return {"c": [v.real.hex(), v.imag.hex()]}
    if v is None:
        return {"n": None}
    if t is str:
        # JSON keeps every code point, lone surrogates included (as \ud800 escapes).
        return {"s": v}
    if t is list:
        return {"l": [encode(x) for x in v]}
    if t is tuple:
        return {"t": [encode(x) for x in v]}
    if np is not None:
        if t is np.ndarray:
            if v.dtype.kind not in "biuf":
                raise TypeError("array of %s" % v.dtype)
            a = np.ascontiguousarray(v)
            return {"nd": {"dtype": a.dtype.str, "shape": list(a.shape), "data": base64.b64encode(a.tobytes()).decode("ascii")}}
        if isinstance(v, np.floating):
            return {"npf": [v.dtype.str, float(v).hex()]}
        if isinstance(v, np.bool_):
            return {"npb": bool(v)}
        if isinstance(v, np.integer):
            return {"npi": [v.dtype.str, str(int(v))]}
    if is_instance(v):
        # An instance of the file's class (a method's self): its class and its attributes, each recorded exactly.
        return {"obj": [t.__qualname__, {n: encode(x) for n, x in instance_state(v).items()}]}
    raise TypeError(type(v).__name__)


def decode(d):
    if "b" in d:
        return d["b"]
    if "i" in d:
        return int(d["i"])
    if "f" in d:
        return float.fromhex(d["f"])
    if "c" in d:
        return complex(float.fromhex(d["c"][0]), float.fromhex(d["c"][1]))
    if "n" in d:
        return None
    if "s" in d:
        return d["s"]
    if "l" in d:
        return [decode(x) for x in d["l"]]
    if "t" in d:
        return tuple(decode(x) for x in d["t"])
    if "nd" in d:
        nd = d["nd"]
        return np.frombuffer(base64.b64decode(nd["data"]), dtype=np.dtype(nd["dtype"])).reshape(nd["shape"]).copy()
    if "npf" in d:
        return np.dtype(d["npf"][0]).type(float.fromhex(d["npf"][1]))
    if "npi" in d:
        return np.dtype(d["npi"][0]).type(int(d["npi"][1]))
    if "npb" in d:
        return np.bool_(d["npb"])
    if "obj" in d:
        cls = CLASSES.get(d["obj"][0])
        if cls is None:
            raise ValueError("no class %s in the file" % d["obj"][0])
        o = cls.__new__(cls)
        for n, x in d["obj"][1].items():
            object.__setattr__(o, n, decode(x))
        return o
    raise ValueError("unknown encoded value %r" % (d,))


def size_of(v):
    """Bytes a value takes in a recording, roughly."""
    if is_ndarray(v):
        return int(v.nbytes) + 64
    if type(v) in (list, tuple):
        return 8 + sum(size_of(x) for x in v)
    if type(v) is str:
        return 8 + 4 * len(v)
    if is_instance(v):
        return 24 + sum(size_of(x) for x in instance_state(v).values())
    return 24


def element_name(xs):
    """float / int when every element is one (bools are not ints here), int|float when both are there side by side
    (float('inf') beside ints), else None."""
    if all(type(x) is float for x in xs):
        return "float"
    if all(type(x) is int for x in xs):
        return "int"
    if all(type(x) in (int, float) for x in xs):
        return "int|float"
    return None


def record_name(r, top=True):
    """tuple[list[float], list[float], float] for a tuple of numbers, lists of numbers and such tuples again (pairs of
    n-body's bodies) with at least one list; else None."""
    if type(r) is not tuple or not r:
        return None
    parts = []
    for x in r:
        if type(x) in (int, float):
            parts.append(type(x).__name__)
        elif type(x) is list and len(x) and element_name(x) in ("int", "float"):
            parts.append("list[%s]" % element_name(x))
        elif type(x) is tuple and record_name(x, False):
            parts.append(record_name(x, False))
        else:
            return None
    if top and not any("list[" in p for p in parts):
        return None
    return "tuple[%s]" % ", ".join(parts)


def type_name(v):
    """The type as the compiler spells it (int, float, list[float], ndarray[float64, 2], …), or a Python name."""
    t = type(v)
    if t in (bool, int, float):
        return t.__name__
    if t in (list, tuple):
        if len(v) == 0:
            return "%s[?]" % t.__name__
        e = element_name(v)
        if e:
            return "%s[%s]" % (t.__name__, e)
        rows = {type(r) for r in v}
        if len(rows) == 1 and rows <= {list, tuple}:
            # Empty rows say nothing of the element type (all empty: float, as element_name says of nothing).
            es = {element_name(r) for r in v if len(r)} or {"float"}
            if None not in es:
                e = es.pop() if len(es) == 1 else "int|float"
                # Rows of different lengths are said so: the compiler takes rows of one length only.
                ragged = "" if len({len(r) for r in v}) == 1 else " of varying lengths"
                return "%s[%s[%s]%s]" % (t.__name__, rows.pop().__name__, e, ragged)
        # Records that hold lists beside numbers (n-body's (position, velocity, mass) tuples), named by their parts.
        records = {record_name(r) for r in v}
        if len(records) == 1 and None not in records:
            return "%s[%s]" % (t.__name__, records.pop())
        return t.__name__
    if is_ndarray(v):
        return "ndarray[%s%s]" % (v.dtype.name, "" if v.ndim == 1 else ", %d" % v.ndim)
    return "%s.%s" % (t.__module__, t.__name__) if t.__module__ != "builtins" else t.__name__


def attribute_types(fn, obj):
    """{name: type} of the attributes of a method's self that its code names (co_names holds attribute names too)."""
    state = instance_state(obj)
    return {n: type_name(state[n]) for n in sorted(code_names(fn.__code__)) if n in state}


def code_names(code):
    """The global names a code object and the code nested in it (comprehensions, lambdas) may read."""
    names = set(code.co_names)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            names |= code_names(c)
    return names


def module_data(fn):
    """{name: value} of the module-level numbers, lists, tuples and NumPy arrays a function reads by name: the compiled
    version takes them as hidden arguments (read from the module at each call), so the recorder says their types and
    the proof and the benchmark give each run the same state of them."""
    g = getattr(fn, "__globals__", None) or {}
    out = {}
    for n in sorted(code_names(fn.__code__)):
        v = g.get(n)
        if type(v) in (bool, int, float, list, tuple) or is_ndarray(v):
            out[n] = v
    return out


NUMBERS = (bool, int, float, complex)


def fresh_copy(v, memo):
    """A copy of lists, tuples and NumPy arrays of numbers, as copy.deepcopy makes it (an object met twice is copied
    once), numbers shared: a flat list of numbers is copied at C speed, so that a large table costs little per run."""
    t = type(v)
    if t in NUMBERS or t is str:
        return v
    k = id(v)
    if k in memo:
        return memo[k]
    if t is list or t is tuple:
        flat = all(type(x) in NUMBERS for x in v)
        out = (v[:] if t is list else v) if flat else t(fresh_copy(x, memo) for x in v)
    elif is_ndarray(v):
        out = v.copy()
    else:
        out = copy.deepcopy(v, memo)
    memo[k] = out
    return out


class ModuleState:
    """The module-level data a function reads, as the module holds it when the proof or the benchmark starts: each run
    gets its own deep copy (one copy of them all, so that a list two of them share stays shared)."""

    def __init__(self, mod, fn):
        self.mod = mod
        self.names = [n for n, v in module_data(fn).items() if type(v) in (list, tuple) or is_ndarray(v)]
        self.pristine = copy.deepcopy(tuple(getattr(mod, n) for n in self.names))

    def install(self):
        """Puts fresh copies into the module; returns them (the state after the run, once it ran)."""
        fresh = fresh_copy(self.pristine, {})
        for n, v in zip(self.names, fresh):
            setattr(self.mod, n, v)
        return fresh

    def compare(self, after_e, after_a):
        for n, x, y in zip(self.names, after_e, after_a):
            d = first_difference(x, y)
            if d:
                return {"why": "the module-level %s after the call differs: %s" % (n, d[3]), "args": []}
        return None


def show(v, limit=8):
    """A short readable form of a value for counter-examples."""
    if type(v) is float:
        return repr(v)
    if type(v) in (list, tuple):
        inner = ", ".join(show(x, limit) for x in v[:limit]) + (", … %d more" % (len(v) - limit) if len(v) > limit else "")
        return "[%s]" % inner if type(v) is list else "(%s%s)" % (inner, "," if len(v) == 1 else "")
    if is_ndarray(v):
        body = show(v.tolist(), limit)
        return "array(%s, dtype=%s)" % (body, v.dtype.name)
    return repr(v)


# ----------------------------------------------------------------------------------------------- record


class Recorder:
    """The calls of one function, sampled by shape with each large value stored once (perf_lab_sample.Sampler)."""

    def __init__(self, max_calls, first, max_bytes, hard_max_bytes, seed=1):
        self.sampler = Sampler(max_calls, first, max_bytes, hard_max_bytes, seed)
        self.depth = 0
        self.keyword = 0
        # The run's time and the function's: each outermost call is timed around the function itself, and what the
        # recorder does around it is left out of the run, with the cost of the clock reads (measured here once).
        self.started = time.perf_counter()
        self.inside = 0.0
        self.hooks = 0.0
        self.timed = 0
        self.active = 0
        t = time.perf_counter()
        for _ in range(999):
            time.perf_counter()
        self.clock = (time.perf_counter() - t) / 1000

    def run(self, fn, args, t0, kwargs=None, nest=True):
        """An outermost call that is not kept (entered at t0; None: inside a timed call): run as it is and timed; with
        `nest`, calls it makes of itself are not counted as the program's."""
        if nest:
            self.depth += 1
        if t0 is not None:
            self.active += 1
            t1 = time.perf_counter()
            self.hooks += t1 - t0
        try:
            return fn(*args, **kwargs) if kwargs else fn(*args)
        finally:
            if t0 is not None:
                self.inside += time.perf_counter() - t1
                self.timed += 1
                self.active -= 1
            if nest:
                self.depth -= 1

    def timing(self):
        """{runMs, functionMs}: each timed call read the clock three or four times, one read inside the function's time."""
        function_s = max(0.0, self.inside - self.timed * self.clock)
        run_s = max(function_s, time.perf_counter() - self.started - self.hooks - 3 * self.timed * self.clock)
        return {"runMs": run_s * 1000, "functionMs": function_s * 1000}

    def take(self, v, added, keys):
        """One value as it is now, encoded: a small one in the call itself, a large one as {"ref": key} by its content
        key, encoded only when the sample does not hold those contents yet (an array is hashed where it is, without a
        copy). Returns (encoded, bytes it adds to the call); raises TypeError for a value a recording cannot hold."""
        if is_ndarray(v):
            if v.dtype.kind not in "biuf":
                raise TypeError("array of %s" % v.dtype)
            size = size_of(v)
            if size < STORED_ONCE_BYTES:
                return encode(v), size
            key = content_key(array=np.ascontiguousarray(v))
            e = None
        else:
            e = encode(v)
            size = size_of(v)
            if type(v) not in (list, tuple, str) or size < STORED_ONCE_BYTES:
                return e, size
            key = content_key(encoded=e)
        keys.append(key)
        if self.sampler.stored_value(key) is None and key not in added:
            added[key] = (encode(v) if e is None else e, size)
        return {"ref": key}, 0

    def wrap(self, fn, method=False):
        rec = self
        sampler = self.sampler
        perf_counter = time.perf_counter
        # A call that names arguments or leaves some to their defaults is kept as the positional call it binds to
        # (the defaults are the very objects the function holds), where every parameter is a plain one.
        try:
            sig = inspect.signature(fn)
            plain = all(p.kind == p.POSITIONAL_OR_KEYWORD for p in sig.parameters.values())
            arity = len(sig.parameters)
        except (TypeError, ValueError):
            sig, plain, arity = None, False, 0

        gseen = {}

        def positional(args, kwargs):
            if not kwargs and (len(args) == arity or not plain):
                return args
            if not plain:
                return None
            try:
                bound = sig.bind(*args, **kwargs)
            except TypeError:
                return None
            bound.apply_defaults()
            return tuple(bound.args)

        def recorded(*args, **kwargs):
            if rec.depth:
                # Nested (recursive) calls run as they are; the outermost call is kept.
                return fn(*args, **kwargs)
            # A call made inside a timed call (recursion through a call not kept) is part of that call's time.
            t0 = None if rec.active else perf_counter()
            full = positional(args, kwargs)
            if full is None:
                # Calls that do not bind to plain parameters are counted, not kept.
                sampler.count()
                if kwargs:
                    rec.keyword += 1
                return rec.run(fn, args, t0, kwargs, nest=False)
            args = full
            shape = call_shape(args)
            p = sampler.propose(shape)
            if p is None:
                return rec.run(fn, args, t0)
            types_ = [type_name(a) for a in args]
            # The module-level data it reads, by type: the compiled version takes them as hidden arguments (it checks
            # them at each call, so a type seen once for the same object of the same length is not looked at again).
            gtypes = {}
            for n, v in module_data(fn).items():
                k = (n, id(v), len(v) if type(v) in (list, tuple) or is_ndarray(v) else v)
                if k not in gseen:
                    gseen[k] = type_name(v)
                gtypes[n] = gseen[k]
            # A method's self: the types of the attributes its code names (hidden arguments of the compiled method).
            extra = {"attrs": attribute_types(fn, args[0])} if method and args and is_instance(args[0]) else {}
            # The arguments as they are now, before the call may write them.
            added, keys, own = {}, [], 64
            try:
                before = []
                for a in args:
                    e, n = rec.take(a, added, keys)
                    before.append(e)
                    own += n
            except (TypeError, ValueError, OverflowError):
                # Kept by its argument types only: it cannot be replayed.
                if sampler.begin(p, [], 64):
                    sampler.put(p, {"args": None, "types": types_, "globals": gtypes, "unrecordable": True, **extra}, 64, [], {}, [])
                return rec.run(fn, args, t0)
            # What the call may write is reserved in the budget: every array until a call of this shape was seen.
            reserve = sum(size_of(a) for i, a in enumerate(args) if (type(a) in (list, tuple) or is_ndarray(a)) and sampler.may_write(shape, i))
            held = [k for k in dict.fromkeys(keys) if k not in added]
            if not sampler.begin(p, held, own + sum(b for _, b in added.values()) + reserve):
                return rec.run(fn, args, t0)
            rec.depth += 1
            t1 = perf_counter()
            try:
                result = fn(*args)
            except BaseException as e:
                t2 = perf_counter()
                sampler.put(p, {"args": before, "types": types_, "globals": gtypes, **extra, "threw": "%s: %s" % (type(e).__name__, e), "after": [None] * len(args)}, own, keys, added, [])
                if t0 is not None:
                    rec.inside += t2 - t1
                    rec.hooks += t1 - t0 + (perf_counter() - t2)
                    rec.timed += 1
                raise
            finally:
                rec.depth -= 1
            t2 = perf_counter()
            after, written = [], []
            for i, (a, b) in enumerate(zip(args, before)):
                if type(a) in (list, tuple) or is_ndarray(a) or is_instance(a):
                    try:
                        e, n = rec.take(a, added, keys)
                    except (TypeError, ValueError, OverflowError):
                        e, n = {"o": type_name(a)}, 0
                    if e == b:
                        after.append({"same": True})
                    else:
                        after.append(e)
                        own += n
                        written.append(i)
                else:
                    after.append(None)
            try:
                res, n = rec.take(result, added, keys)
            except (TypeError, ValueError, OverflowError):
                res, n = {"o": type_name(result)}, 0
            sampler.put(p, {"args": before, "types": types_, "globals": gtypes, **extra, "result": res, "after": after}, own + n, keys, added, written)
            if t0 is not None:
                rec.inside += t2 - t1
                rec.hooks += t1 - t0 + (perf_counter() - t2)
                rec.timed += 1
            return result

        recorded.__wrapped__ = fn
        recorded.__name__ = getattr(fn, "__name__", "recorded")
        recorded.__qualname__ = getattr(fn, "__qualname__", recorded.__name__)
        recorded.__doc__ = getattr(fn, "__doc__", None)
        return recorded


def instrument(source, filename, name):
    """The module's code with `name` (a top-level def, or `Class.method`: a def in a top-level class) wrapped by the
    recorder; None when there is no such def. Also the def's line and its number of parameters (self included)."""
    tree = ast.parse(source, filename)
    body = tree.body
    cls, _, name = name.rpartition(".")
    if cls:
        body = next((st.body for st in tree.body if isinstance(st, ast.ClassDef) and st.name == cls), [])
    for st in body:
        if isinstance(st, ast.FunctionDef) and st.name == name:
            deco = ast.Name(id="__perf_lab_record_method__" if cls else "__perf_lab_record__", ctx=ast.Load())
            ast.copy_location(deco, st)
            # Innermost: the recorder sees the function's own arguments, under any other decorator.
            st.decorator_list.append(deco)
            return compile(tree, filename, "exec", dont_inherit=True), st.lineno, len(st.args.args)
    return None, 0, 0


def original_function(mod, name):
    """The function `name` of a loaded module: a top-level def, or `Class.method` (the plain function in the class)."""
    cls, _, fn = name.rpartition(".")
    return vars(getattr(mod, cls))[fn] if cls else getattr(mod, fn)


def record(file, name, out, args, max_calls, first, max_bytes, hard_max_bytes, meta):
    file = os.path.abspath(file)
    with open(file, "rb") as f:
        source = f.read()
    try:
        code, line, arity = instrument(source, file, name)
    except (SyntaxError, ValueError) as e:
        # The file does not compile (null bytes and bad encodings are ValueErrors): said as "file line N: what".
        where = "%s line %d" % (os.path.basename(file), e.lineno) if getattr(e, "lineno", None) else os.path.basename(file)
        write_json(out, {"syntaxError": "%s: %s: %s" % (where, type(e).__name__, getattr(e, "msg", None) or e)})
        return 1
    if code is None:
        write_json(out, {"error": "no top-level function or method named '%s' in %s (nested functions are not recorded)" % (name, file)})
        return 1
    rec = Recorder(max_calls, first, max_bytes, hard_max_bytes)
    written = [False]

    def finish(status, stopped):
        if written[0]:
            return
        written[0] = True
        s = rec.sampler
        version = sys.version.split()[0]
        # The stored recording itself: the caller's fields (meta), the calls, and each large value once in blobs.
        doc = dict(meta)
        doc.update({
            "line": line, "arity": arity, "totalCalls": s.total, "tooLarge": s.too_large, "keywordCalls": rec.keyword, "calls": s.kept,
            "blobs": s.stored_values(), "shapes": s.shapes(),
            "status": status, "stopped": stopped, "python": version, "executable": sys.executable,
            "runtimeVersion": "Python %s" % version, "interpreter": sys.executable or meta.get("interpreter", ""),
            "timing": rec.timing(),
        })
        write_json(out, doc)

    class Session:
        mode = "record"

        def finish(self, stopped=False, status=0):
            finish(status, stopped)

    fd = os.environ.get("PERF_LAB_CONTROL_FD")
    if fd and fd.isdigit():
        from perf_lab_profile import watch_control

        watch_control(Session(), int(fd))

    def on_term(signum, frame):
        finish(128 + signum, True)
        os._exit(128 + signum)

    try:
        signal.signal(signal.SIGTERM, on_term)
    except (ValueError, OSError):
        pass
    sys.argv = [file] + list(args)
    sys.path[0] = os.path.dirname(file)
    main = types.ModuleType("__main__")
    main.__file__ = file
    main.__builtins__ = __builtins__
    main.__dict__["__perf_lab_record__"] = rec.wrap
    main.__dict__["__perf_lab_record_method__"] = lambda fn: rec.wrap(fn, method=True)
    sys.modules["__main__"] = main
    status = 0
    try:
        exec(code, main.__dict__)
    except SystemExit as e:
        status = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException as e:
        status = 1
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename == HELPER_FILE:
            tb = tb.tb_next
        traceback.print_exception(type(e), e, tb)
    finally:
        finish(status, False)
    sys.stdout.flush()
    sys.stderr.flush()
    return 0


def write_json(path, doc):
    tmp = path + ".part"
    with open(tmp, "w") as f:
        json.dump(doc, f)
    os.replace(tmp, path)


# ----------------------------------------------------------------------------------------------- loading


def load_definitions(file):
    """The file's definitions as a module: top-level imports, defs, classes and assignments, not its other statements."""
    file = os.path.abspath(file)
    with open(file, "rb") as f:
        tree = ast.parse(f.read(), file)
    keep = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign)
    tree.body = [st for st in tree.body if isinstance(st, keep)]
    mod = types.ModuleType("perf_lab_original")
    mod.__file__ = file
    if os.path.dirname(file) not in sys.path:
        sys.path.insert(0, os.path.dirname(file))
    exec(compile(tree, file, "exec", dont_inherit=True), mod.__dict__)
    set_classes(mod)
    return mod


def load_candidate(dir_, module):
    """The wrapper module of a compiled candidate, imported from its folder."""
    if dir_ not in sys.path:
        sys.path.insert(0, dir_)
    return importlib.import_module(module)


def recorded_calls(path):
    """(calls, inputs): the replayable calls of a stored recording, and each one's arguments decoded. A large value
    stored once ({"ref": key} into "blobs") is decoded once and shared by the calls that pass it (the proof and the
    benchmark copy what they pass to a function), never twice within one call: two arguments of equal contents stay
    two arrays."""
    with open(path) as f:
        doc = json.load(f)
    blobs = doc.get("blobs") or {}
    shared = {}
    calls, inputs = [], []
    for c in doc.get("calls", []):
        if c.get("args") is None:
            continue
        args, own = [], set()
        for a in c["args"]:
            if type(a) is dict and "ref" in a:
                v = shared.get(a["ref"])
                if v is None or id(v) in own:
                    fresh = decode(blobs[a["ref"]])
                    if v is None:
                        shared[a["ref"]] = fresh
                    v = fresh
                own.add(id(v))
                args.append(v)
            else:
                args.append(decode(a))
        calls.append(c)
        inputs.append(args)
    return calls, inputs


# ----------------------------------------------------------------------------------------------- compare


def same_scalar(a, b):
    """Exactly the same number: the same type (a NumPy scalar is not the Python number of the same value: type(),
    repr, JSON and isinstance tell them apart), the same value and sign of zero; NaN matches NaN (payloads not
    compared)."""
    if type(a) is not type(b):
        return False
    if type(a) is complex:
        return same_scalar(a.real, b.real) and same_scalar(a.imag, b.imag)
    if isinstance(a, float) or (np is not None and isinstance(a, np.floating)):
        fa, fb = float(a), float(b)
        if fa != fa or fb != fb:
            return fa != fa and fb != fb
        return struct.pack("<d", fa) == struct.pack("<d", fb)
    return a == b


def kind(v):
    """The exact type's name, as a counter-example shows it: int, numpy.int64, numpy.float64, …"""
    t = type(v)
    return t.__name__ if t.__module__ == "builtins" else "%s.%s" % (t.__module__, t.__name__)


def first_difference(a, b, path=()):
    """None when a and b are the same, else (path, a part, b part, why)."""
    if is_instance(a) or is_instance(b):
        # Instances of the file's classes (a method's self): the same class and the same attributes.
        if type(a) is not type(b):
            return path, a, b, "a %s where the original has a %s" % (kind(b), kind(a))
        sa, sb = instance_state(a), instance_state(b)
        if list(sa) != list(sb):
            return path, a, b, "attributes %s instead of %s" % (", ".join(sb), ", ".join(sa))
        for n in sa:
            d = first_difference(sa[n], sb[n], path + (n,))
            if d:
                return d[0], d[1], d[2], "attribute %s: %s" % (n, d[3])
        return None
    if is_ndarray(a) or is_ndarray(b):
        if not (is_ndarray(a) and is_ndarray(b)):
            return path, a, b, "one is an array, the other a %s" % type_name(b if is_ndarray(a) else a)
        if a.dtype != b.dtype or a.shape != b.shape:
            return path, a, b, "dtype or shape differs (%s %s vs %s %s)" % (a.dtype, a.shape, b.dtype, b.shape)
        fa, fb = a.reshape(-1), b.reshape(-1)
        if fa.tobytes() == fb.tobytes():
            return None
        # Element by element as same_scalar compares, all at once (a recorded array may hold millions): floats by
        # value and sign of zero, NaN matching NaN; integers and booleans by value.
        if fa.dtype.kind == "f":
            same = ((fa == fb) & (np.signbit(fa) == np.signbit(fb))) | (np.isnan(fa) & np.isnan(fb))
        else:
            same = fa == fb
        differ = np.flatnonzero(~same)
        if differ.size == 0:
            return None
        i = int(differ[0])
        return path + (i,), fa[i].item(), fb[i].item(), "element %d differs" % i
    if type(a) in (list, tuple) or type(b) in (list, tuple):
        if type(a) is not type(b):
            return path, a, b, "a %s where the original has a %s" % (type(b).__name__, type(a).__name__)
        if len(a) != len(b):
            return path, a, b, "length %d instead of %d" % (len(b), len(a))
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, path + (i,))
            if d:
                return d
        return None
    if not same_scalar(a, b):
        if type(a) is not type(b):
            return path, a, b, "%s (%s) instead of %s (%s)" % (show(b), kind(b), show(a), kind(a))
        return path, a, b, "%s instead of %s" % (show(b), show(a))
    return None


# ----------------------------------------------------------------------------------------------- running cases


class CaseTimeout(BaseException):
    """A case ran past its limit (a BaseException, so that the wrapper's fallback does not catch it)."""


def _alarm(signum, frame):
    raise CaseTimeout()


def run_limited(fn, args, timeout_s):
    """(outcome, seconds): outcome is ("value", v) or ("threw", "Type: msg"); CaseTimeout when it runs too long."""
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout_s)
    start = time.perf_counter()
    try:
        try:
            return ("value", fn(*args)), time.perf_counter() - start
        except CaseTimeout:
            raise
        except RecursionError as e:
            return ("threw", "RecursionError: %s" % e), time.perf_counter() - start
        except Exception as e:
            return ("threw", "%s: %s" % (type(e).__name__, e)), time.perf_counter() - start
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


class Prover:
    def __init__(self, original, wrapper, stats, timeout_floor, state):
        self.original = original
        self.wrapper = wrapper
        self.stats = stats
        self.timeout = timeout_floor
        self.state = state

    def candidate(self, *args):
        return self.wrapper(self.original, *args)

    def run_case(self, args, timeout_s):
        """Runs the original and the candidate on copies of args; a dict describing the case."""
        a1 = copy.deepcopy(args)
        a2 = copy.deepcopy(args)
        g1 = self.state.install()
        try:
            expected, t1 = run_limited(self.original, a1, timeout_s)
        except CaseTimeout:
            return {"skipped": "the original ran longer than %.1f s" % timeout_s}
        before = dict(self.stats)
        g2 = self.state.install()
        try:
            actual, t2 = run_limited(self.candidate, a2, max(timeout_s, 20 * t1 + 1))
        except CaseTimeout:
            return {"skipped": "the candidate ran longer than the time limit", "ms": t1 * 1000}
        ran = self.stats["calls"] > before["calls"] and self.stats["fallbacks"] == before["fallbacks"]
        out = {"kernel": ran, "ms": (t1 + t2) * 1000}
        if not ran:
            out["reason"] = self.stats.get("reason", "")
        diff = compare_outcomes(expected, actual, a1, a2) or self.state.compare(g1, g2)
        if diff:
            out["diff"] = diff
        return out


def compare_outcomes(expected, actual, after_e, after_a):
    if expected[0] != actual[0]:
        what = lambda o: "threw %s" % o[1] if o[0] == "threw" else "returned %s" % show(o[1])
        return {"why": "the original %s, the candidate %s" % (what(expected), what(actual)), "args": []}
    if expected[0] == "threw":
        e, a = expected[1].split(":")[0], actual[1].split(":")[0]
        return None if e == a else {"why": "the original threw %s, the candidate %s" % (expected[1], actual[1]), "args": []}
    d = first_difference(expected[1], actual[1])
    if d:
        return {"why": "the result differs: %s" % d[3], "args": []}
    for i, (x, y) in enumerate(zip(after_e, after_a)):
        d = first_difference(x, y)
        if d:
            index = d[0][0] if d[0] else -1
            return {"why": "argument %d after the call differs: %s" % (i + 1, d[3]), "args": [{"arg": i, "index": index, "expected": show(d[1]), "actual": show(d[2])}]}
    return None


INT_EDGES = [0, 1, -1, 2, -2, 3, 7, -7, 2 ** 31, 2 ** 53 + 1, 2 ** 62, INT64_MAX, INT64_MIN, INT64_MAX - 1, -(2 ** 62)]
FLOAT_EDGES = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, float("nan"), float("inf"), float("-inf"), 1e308, -1e308, 5e-324, 2.0 ** 53, 1e-300, 3.0]


def element_edges(kind_):
    return INT_EDGES[:13] if kind_ == "int" else FLOAT_EDGES


def edge_cases(base, rng):
    """(label, args) variants of the base arguments: each argument replaced by edge values, arrays emptied, shortened,
    and with edge elements."""
    out = []
    for i, a in enumerate(base):
        if is_instance(a):
            # An instance (a method's self): each of its attributes varied as an argument would be.
            state = instance_state(a)
            for label, values, _ in edge_cases(list(state.values()), rng):
                o = copy.deepcopy(a)
                for n, v in zip(state, values):
                    object.__setattr__(o, n, v)
                args = list(copy.deepcopy(base))
                args[i] = o
                what = re.sub(r"^argument (\d+)", lambda m: "attribute %s" % list(state)[int(m.group(1)) - 1], label)
                out.append(("argument %d's %s" % (i + 1, what), args, None))
            continue

        def put(v, label):
            args = list(copy.deepcopy(base))
            args[i] = v
            out.append(("argument %d %s" % (i + 1, label), args, (i, v) if type(v) is int else None))

        t = type(a)
        if t is bool:
            put(not a, "negated")
        elif t is int:
            # Small values first: a huge loop bound runs too long in the original, and larger ones are then skipped.
            for v in sorted(dict.fromkeys(INT_EDGES + [a + 1, a - 1, -a]), key=abs):
                put(v, "= %d" % v)
        elif t is float:
            for v in FLOAT_EDGES + [-a, a * 0.5]:
                put(v, "= %r" % v)
        elif t is complex:
            # Each part at each float edge: infinities, NaN, signed zeros and huge values beside the other part.
            for v in FLOAT_EDGES:
                put(complex(v, a.imag), "= %r" % complex(v, a.imag))
                put(complex(a.real, v), "= %r" % complex(a.real, v))
        elif t is str:
            # Empty, one character, reversed, and characters beyond ASCII, beyond the BMP and a lone surrogate.
            for v, label in (("", "empty"), (a[:1], "of length 1"), (a[::-1], "reversed"), (a + "\u00e9", "with é"),
                             ("\U0001f600" + a, "with an emoji"), (a[: len(a) // 2] + "\ud800", "with a lone surrogate")):
                put(v, label)
        elif t in (list, tuple) or is_ndarray(a):
            n = len(a)
            put(a[:0], "empty")
            if n > 1:
                put(a[:1], "of length 1")
                put(a[: n // 2], "halved")
            if n > 0:
                put(a[::-1] if not is_ndarray(a) else a[::-1].copy(), "reversed")
                leaf = a[0]
                two_d = type(leaf) in (list, tuple) or (is_ndarray(a) and a.ndim == 2)
                kind_ = "float" if (is_ndarray(a) and a.dtype.kind == "f") or (not is_ndarray(a) and (two_d and leaf and type(leaf[0]) is float or not two_d and type(leaf) is float)) else "int"
                for v in element_edges(kind_):
                    b = copy.deepcopy(a)
                    try:
                        if is_ndarray(b):
                            # One element, whatever the number of dimensions.
                            b[(0,) * b.ndim] = v
                        elif two_d:
                            if type(b[0]) is list:
                                b[0][0] = v
                            else:
                                b[0] = (v,) + tuple(b[0][1:])
                        elif type(b) is tuple:
                            b = (v,) + b[1:]
                        else:
                            b[0] = v
                    except (OverflowError, IndexError):
                        continue
                    put(b, "with element %r" % (v,))
    for k in range(8):
        args = [perturb(a, rng) for a in copy.deepcopy(base)]
        out.append(("random variant %d" % (k + 1), args, None))
    return out


def perturb(a, rng):
    t = type(a)
    if t is float:
        return a * rng.uniform(-2, 2)
    if t is complex:
        return complex(a.real * rng.uniform(-2, 2), a.imag * rng.uniform(-2, 2))
    if t is int and not isinstance(a, bool):
        return a + rng.randint(-3, 3)
    if t is list:
        return [perturb(x, rng) for x in a]
    if t is tuple:
        return tuple(perturb(x, rng) for x in a)
    if is_ndarray(a):
        if a.dtype.kind == "f":
            return a * np.array(rng.uniform(-2, 2), dtype=a.dtype)
        if a.dtype.kind == "i":
            return a + np.array(rng.randint(-3, 3), dtype=a.dtype)
    if is_instance(a):
        for n, v in instance_state(a).items():
            object.__setattr__(a, n, perturb(v, rng))
    return a


def shrink_variants(args):
    for i, a in enumerate(args):
        def put(v):
            b = list(args)
            b[i] = v
            return b

        t = type(a)
        if t in (list, tuple) or is_ndarray(a):
            n = len(a)
            if n > 0:
                yield put(a[: n // 2])
                yield put(a[n // 2:] if not is_ndarray(a) else a[n // 2:].copy())
                if n <= 16:
                    for k in range(n):
                        yield put(a[:k] + a[k + 1:] if not is_ndarray(a) else np.delete(a, k, axis=0))
        elif t is str and a:
            yield put(a[: len(a) // 2])
            yield put(a[len(a) // 2:])
        elif t is int and not isinstance(a, bool) and a != 0:
            yield put(0)
            yield put(a // 2)
        elif t is float and a != 0.0 and a == a:
            yield put(0.0)
            yield put(float(round(a)))


def smaller(a, b):
    return weight(a) < weight(b)


def weight(v):
    if type(v) is str:
        return 1000 + len(v)
    if type(v) in (list, tuple):
        return 1000 + sum(weight(x) for x in v)
    if is_ndarray(v):
        return 1000 + int(v.size) * 10
    if type(v) is int:
        return min(abs(v), 10 ** 6) / 10 ** 6
    if type(v) is float:
        return 0 if v == 0 else 0.5
    return 0


EDGE_MEMORY = 2 << 30


def bound_memory(extra):
    """Caps the process's address space at what it maps now plus `extra` bytes, where the platform tells (Linux), so
    that an edge case asking for more memory fails at once with MemoryError, in the original and in the candidate
    alike (whose bail-out then runs the original)."""
    try:
        import resource

        with open("/proc/self/statm") as f:
            mapped = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        want = mapped + extra
        if hard != resource.RLIM_INFINITY:
            want = min(want, hard)
        if soft == resource.RLIM_INFINITY or soft > want:
            resource.setrlimit(resource.RLIMIT_AS, (want, hard))
    except (ImportError, OSError, ValueError):
        pass


def prove(request):
    req = json.load(open(request))
    out = {"cases": [], "loadError": None}
    try:
        mod = load_definitions(req["file"])
        original = original_function(mod, req["fn"])
    except Exception as e:
        out["originalError"] = "%s: %s" % (type(e).__name__, e)
        return out
    try:
        wrapper_mod = load_candidate(req["dir"], req["module"])
        wrapper = getattr(wrapper_mod, req["entry"])
        stats = wrapper_mod._stats
    except Exception as e:
        out["loadError"] = "%s: %s" % (type(e).__name__, e)
        return out
    prover = Prover(original, wrapper, stats, req.get("caseTimeoutMs", 1000) / 1000, ModuleState(mod, original))
    inputs = recorded_calls(req["recording"])[1] if req.get("recording") else []
    recorded = [("recorded call %d" % (i + 1), args) for i, args in enumerate(inputs)]
    slowest = 0.0
    for label, args in recorded:
        r = prover.run_case(args, 60.0)
        r.update(label=label, source="recorded")
        slowest = max(slowest, r.get("ms", 0) / 1000)
        out["cases"].append(r)
        out["cases"][-1]["args"] = args
    # Edge cases get a few times the slowest recorded case, and all of them together a budget: a loop bound set to
    # 2**62 runs too long in the original and is skipped, not waited for. A size set to 2**31 ([0] * n) would fill the
    # machine's memory before any limit could stop it: the address space is capped first.
    bound_memory(EDGE_MEMORY)
    timeout = min(max(prover.timeout, 3 * slowest), 10.0)
    budget_end = time.perf_counter() + req.get("edgeBudgetMs", 30000) / 1000
    # Edge cases vary the smallest recorded call on which the compiled code ran (else the smallest of all).
    ran = [args for (_, args), c in zip(recorded, out["cases"]) if c.get("kernel")]
    fitting = ran or [args for _, args in recorded]
    base = min(fitting, key=weight) if fitting else None
    if base is not None:
        rng = random.Random(1)
        too_long = {}
        for label, args, scalar in edge_cases(base, rng)[: req.get("maxEdgeCases", 200)]:
            if time.perf_counter() > budget_end:
                out["cases"].append({"label": label, "source": "edge", "skipped": "the edge cases' time budget was spent"})
                continue
            if scalar and scalar[0] in too_long and abs(scalar[1]) >= too_long[scalar[0]]:
                out["cases"].append({"label": label, "source": "edge", "skipped": "a smaller value of this argument already ran too long"})
                continue
            r = prover.run_case(args, timeout)
            if scalar and "skipped" in r:
                too_long[scalar[0]] = min(abs(scalar[1]), too_long.get(scalar[0], abs(scalar[1])))
            r.update(label=label, source="edge")
            out["cases"].append(r)
            out["cases"][-1]["args"] = args
    # The smallest counter-example: greedy shrinking from the first failure (a recorded one first).
    failures = [c for c in out["cases"] if "diff" in c]
    failures.sort(key=lambda c: c["source"] != "recorded")
    if failures:
        first = failures[0]
        best, diff, steps, tried = first["args"], first["diff"], 0, 0
        budget = req.get("maxShrinkCases", 300)
        improved = True
        while improved and tried < budget:
            improved = False
            for v in shrink_variants(best):
                if not smaller(v, best):
                    continue
                tried += 1
                r = prover.run_case(v, timeout)
                if "diff" in r:
                    best, diff, steps, improved = v, r["diff"], steps + 1, True
                    break
                if tried >= budget:
                    break
        a1, a2 = copy.deepcopy(best), copy.deepcopy(best)
        try:
            prover.state.install()
            exp = run_limited(original, a1, timeout)[0]
            prover.state.install()
            act = run_limited(prover.candidate, a2, timeout)[0]
        except CaseTimeout:
            exp = act = ("threw", "timeout")
        out["counterexample"] = {
            "args": [show(a) for a in best], "why": diff["why"], "argsAfter": diff["args"],
            "expected": describe(exp), "actual": describe(act),
            "foundIn": first["source"], "label": first["label"], "shrinkSteps": steps,
        }
    for c in out["cases"]:
        c.pop("args", None)
        if "diff" in c:
            c["why"] = c.pop("diff")["why"]
    return out


def describe(outcome):
    return "threw %s" % outcome[1] if outcome[0] == "threw" else "returned %s" % show(outcome[1])


# ----------------------------------------------------------------------------------------------- bench


def bench(request):
    req = json.load(open(request))
    mod = load_definitions(req["file"])
    original = original_function(mod, req["fn"])
    stats = None
    if req.get("module"):
        wrapper_mod = load_candidate(req["dir"], req["module"])
        wrapper = getattr(wrapper_mod, req["entry"])
        stats = wrapper_mod._stats

        def fn(*args):
            return wrapper(original, *args)
    else:
        fn = original
    calls, inputs = recorded_calls(req["recording"])
    if not inputs:
        return {"error": "no recorded calls to replay"}
    written = any(any(x is not None and "same" not in x for x in c.get("after", []) or []) for c in calls)
    pristine = copy.deepcopy(inputs)
    # Module-level data the function reads (and may write): each call starts from the state the module had.
    state = ModuleState(mod, original)
    mutated = [bool(state.names)]
    timer = time.perf_counter_ns

    def restore(i):
        for k, (dst, src) in enumerate(zip(inputs[i], pristine[i])):
            if is_ndarray(dst):
                dst[...] = src
            elif type(dst) is list or is_instance(dst):
                inputs[i][k] = copy.deepcopy(src)

    sink = [None]

    def one_round():
        """Every recorded call once; per-call nanoseconds (the restores of written arguments are not timed)."""
        total = 0
        for i, args in enumerate(inputs):
            if written:
                restore(i)
            if mutated[0]:
                state.install()
            t0 = timer()
            sink[0] = fn(*args)
            total += timer() - t0
        return total / len(inputs)

    warm_end = time.perf_counter() + req.get("warmupMs", 300) / 1000
    one_round()  # compiles (Numba) and fills caches, whatever the warm-up time
    # Module data a round left as it found it is not copied again before each call.
    if mutated[0] and first_difference(tuple(getattr(mod, n) for n in state.names), state.pristine) is None:
        mutated[0] = False
    while time.perf_counter() < warm_end:
        one_round()
    if stats is not None:
        base_calls, base_fallbacks = stats["calls"], stats["fallbacks"]
    samples = []
    end = time.perf_counter() + req.get("timeMs", 1500) / 1000
    first = one_round() / 1e6
    samples.append(first)
    # A call that takes a good part of the measured time gets fewer samples (at least 3).
    min_samples = 3 if first * 3 > req.get("timeMs", 1500) else req.get("minSamples", 10)
    while time.perf_counter() < end or len(samples) < min_samples:
        samples.append(one_round() / 1e6)
        if len(samples) >= req.get("maxSamples", 100000):
            break
    out = {"samples": samples, "calls": len(inputs), "written": written}
    if stats is not None:
        out["stats"] = {"calls": stats["calls"] - base_calls, "fallbacks": stats["fallbacks"] - base_fallbacks, "reason": stats["reason"]}
    return out


# ----------------------------------------------------------------------------------------------- probe


def probe(modules):
    found = {}
    for m in modules:
        try:
            mod = importlib.import_module(m)
            found[m] = str(getattr(mod, "__version__", "") or "installed")
        except Exception:
            found[m] = None
    return {"python": sys.executable, "version": sys.version.split()[0], "modules": found}


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    cmd = argv[1]
    if cmd == "probe":
        sys.stdout.write(json.dumps(probe(argv[2:])))
        return 0
    if cmd == "record":
        opts = {"--max-calls": "64", "--first": "16", "--max-bytes": str(16 << 20), "--hard-max-bytes": str(256 << 20), "--meta": "{}"}
        rest = argv[2:]
        args = []
        if "--" in rest:
            k = rest.index("--")
            rest, args = rest[:k], rest[k + 1:]
        for i in range(0, len(rest) - 1, 2):
            opts[rest[i]] = rest[i + 1]
        return record(
            opts["--file"], opts["--fn"], opts["--out"], args, int(opts["--max-calls"]), int(opts["--first"]), int(opts["--max-bytes"]),
            int(opts["--hard-max-bytes"]), json.loads(opts["--meta"]),
        )
    if cmd in ("prove", "bench"):
        # The answer goes to the request's "out" file: the program's functions may print.
        with open(argv[2]) as f:
            out = json.load(f)["out"]
        try:
            result = prove(argv[2]) if cmd == "prove" else bench(argv[2])
        except Exception as e:
            result = {"error": "%s: %s" % (type(e).__name__, e), "traceback": traceback.format_exc()}
        write_json(out, result)
        return 0
    sys.stderr.write("unknown command %s\n" % cmd)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

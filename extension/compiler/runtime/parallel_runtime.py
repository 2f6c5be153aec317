# Perf Lab's parallel runtime, copied into every module the parallel targets generate (backend-parallel.ts), after the
# line that sets _ENGINE. The generated module adds _pl_body (one iteration's work), _pl_parallel (the function with its
# loop replaced by a call of _map or _comprehension) and the entry the rewritten program calls.
#
# Engines, each imported from the program's interpreter when first used, started once per process and reused:
#   processes  concurrent.futures.ProcessPoolExecutor, items sent in chunks; a worker finds the program's module by its
#              file (the script itself under fork or spawn, else its definitions loaded once), so only items and the
#              work's arguments are pickled;
#   ray        ray.init() with no address: RAY_ADDRESS when set, else a local Ray; the work is a @ray.remote function
#              (pickled by value with what it uses), ray.get in order;
#   dask       distributed.Client() with no address: DASK_SCHEDULER_ADDRESS when set, else a LocalCluster;
#              client.map, client.gather in order.
# The number of local workers (processes, a local Ray's CPUs, a LocalCluster's workers) is PERF_LAB_WORKERS when set
# where the program runs, else _WORKERS when the module sets it (perfLab.parallel.workers, --workers), else one per core.
# An item's exception comes back as a value, so the results before it are collected and the same exception is raised
# where the serial loop raised it. When the engine itself fails (missing, cannot start, cannot send the work), the loop
# runs serially here, which computes the same thing; _stats counts it.
# _CALLEES, when the module sets it, names the functions of the program that one iteration calls and that were
# compiled and proven (a Numba wrapper module each): the work then calls the wrapper, whose per-call guard runs the
# compiled code or the program's own function, in every process or task. Each chunk brings back how many calls the
# wrappers took and how many fell back, added up in _stats["callee_calls"] and _stats["callee_fallbacks"].
import os as _os
import sys as _sys
import types as _types

_stats = {"calls": 0, "fallbacks": 0, "reason": ""}
if globals().get("_CALLEES"):
    _stats.update({"callee_calls": 0, "callee_fallbacks": 0, "callee_reason": ""})
_state = {}


def _workers():
    n = _os.environ.get("PERF_LAB_WORKERS", "").strip()
    if n.isdigit() and int(n) > 0:
        return int(n)
    return globals().get("_WORKERS")


def _callee_guard(module, entry, original):
    """The program's function `original` as the work calls it: the compiled wrapper `module.entry(original, *args)`,
    imported where it runs; the original itself where the wrapper does not import."""
    found = []

    def guarded(*args):
        if not found:
            try:
                import importlib

                found.append(getattr(importlib.import_module(module), entry))
            except Exception:
                found.append(None)
        w = found[0]
        return original(*args) if w is None else w(original, *args)

    return guarded


def _bind(g):
    """_pl_body with the globals of the program's module `g` (its functions, imports and constants), the compiled
    callees in place of the functions they were compiled from."""
    key = ("body", id(g))
    fn = _state.get(key)
    if fn is None or fn[0] is not g:
        callees = globals().get("_CALLEES") or {}
        bg = g
        if callees:
            bg = dict(g)
            for name, (module, entry) in callees.items():
                if callable(g.get(name)):
                    bg[name] = _callee_guard(module, entry, g[name])
        fn = (g, _types.FunctionType(_pl_body.__code__, bg, "_pl_body"))
        _state[key] = fn
    return fn[1]


def _run_items(fn, items, free):
    """(results, error, callee counts): the items' results in order, up to the first that raised, and its exception."""
    return _chunk_task(fn, _callee_modules())(items, free)


def _chunks(items, workers):
    size = max(1, -(-len(items) // (max(1, workers) * 4)))
    return [items[i : i + size] for i in range(0, len(items), size)]


def _same_file(a, b):
    try:
        return a is not None and _os.path.samefile(a, b)
    except OSError:
        return False


def _module_globals(path, name):
    """In a worker process: the globals of the program's module, found by its file."""
    mod = _sys.modules.get(name)
    if mod is not None and _same_file(getattr(mod, "__file__", None), path):
        return mod.__dict__
    for mod in list(_sys.modules.values()):
        if _same_file(getattr(mod, "__file__", None), path):
            return mod.__dict__
    g = _state.get(("definitions", path))
    if g is None:
        # Its imports, functions, classes and assignments, not its other statements (the program's main code).
        import ast

        with open(path, "rb") as f:
            tree = ast.parse(f.read(), path)
        keep = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign)
        tree.body = [st for st in tree.body if isinstance(st, keep)]
        g = {"__name__": "_pl_definitions", "__file__": path, "__builtins__": __builtins__}
        if _os.path.dirname(path) not in _sys.path:
            _sys.path.insert(0, _os.path.dirname(path))
        exec(compile(tree, path, "exec", dont_inherit=True), g)
        _state[("definitions", path)] = g
    return g


def _process_chunk(path, name, items, free):
    return _run_items(_bind(_module_globals(path, name)), items, free)


def _callee_modules():
    return tuple(m for m, _ in (globals().get("_CALLEES") or {}).values())


def _processes_map(g, items, free):
    pool = _state.get("pool")
    if pool is None:
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(max_workers=_workers())
        _state["pool"] = pool
    path, name = g.get("__file__"), g.get("__name__")
    if not path:
        raise RuntimeError("the module of the function has no file for the workers to load")
    futures = [pool.submit(_process_chunk, path, name, c, free) for c in _chunks(items, pool._max_workers)]
    return _gather((f.result() for f in futures), futures)


def _gather(parts, pending):
    results = []
    for out, error, counts in parts:
        results.extend(out)
        _count_callees(counts)
        if error is not None:
            for f in pending:
                f.cancel()
            return results, error
    return results, None


def _count_callees(counts):
    if counts is not None and "callee_calls" in _stats:
        _stats["callee_calls"] += counts[0]
        _stats["callee_fallbacks"] += counts[1]
        if counts[2]:
            _stats["callee_reason"] = counts[2]


def _chunk_task(fn, modules=()):
    """The work over a chunk of items, self-contained (Ray and Dask pickle it by value): (results in order up to the
    first item that raised, its exception, (calls, fallbacks, last reason) of the compiled callees' wrappers here)."""

    def run_chunk(items, free):
        import sys

        def counts():
            stats = [getattr(sys.modules.get(m), "_stats", None) for m in modules]
            stats = [s for s in stats if s]
            return sum(s["calls"] for s in stats), sum(s["fallbacks"] for s in stats), "".join(s["reason"] for s in stats[-1:])

        before = counts()
        out = []
        error = None
        for item in items:
            try:
                out.append(fn(item, *free))
            except Exception as e:
                error = e
                break
        after = counts()
        return out, error, (after[0] - before[0], after[1] - before[1], after[2] if after[1] > before[1] else "")

    return run_chunk


def _ray_map(g, items, free):
    import ray

    if not ray.is_initialized():
        import logging

        # No address: RAY_ADDRESS when set (Ray's own convention), else a Ray on this machine.
        ray.init(logging_level=logging.WARNING, log_to_driver=False, **({"num_cpus": _workers()} if _workers() and not _os.environ.get("RAY_ADDRESS") else {}))
    fn = _bind(g)
    task = _state.get(("ray", id(fn)))
    if task is None:
        task = ray.remote(_chunk_task(fn, _callee_modules()))
        _state[("ray", id(fn))] = task
    cpus = int(ray.cluster_resources().get("CPU", 1))
    refs = [task.remote(c, free) for c in _chunks(items, cpus)]
    return _gather(ray.get(refs), [])


def _dask_map(g, items, free):
    client = _state.get("dask")
    if client is None:
        import atexit
        from distributed import Client

        # No address: DASK_SCHEDULER_ADDRESS when set (Dask's own convention), else a LocalCluster.
        if _os.environ.get("DASK_SCHEDULER_ADDRESS") or not _workers():
            client = Client()
        else:
            client = Client(n_workers=_workers(), threads_per_worker=1)
        atexit.register(client.close)
        _state["dask"] = client
    fn = _bind(g)
    workers = sum(client.nthreads().values()) or 1
    chunks = _chunks(items, workers)
    futures = client.map(_chunk_task(fn, _callee_modules()), chunks, [free] * len(chunks), pure=False)
    return _gather(client.gather(futures), [])


_ENGINES = {"processes": _processes_map, "ray": _ray_map, "dask": _dask_map}


def _map(items, free):
    """(results, error) of the work over the items, in order; called by _pl_parallel with the caller's globals."""
    g = _sys._getframe(1).f_globals
    if not items:
        return [], None
    try:
        return _ENGINES[_ENGINE](g, items, free)
    except Exception as e:
        _stats["fallbacks"] += 1
        _stats["reason"] = "the %s engine failed (%s: %s); the loop ran serially" % (_ENGINE, type(e).__name__, e)
        return _gather([_run_items(_bind(g), items, free)], [])


def _comprehension(items, free):
    """The comprehension's list, in order; an item's exception is raised as the comprehension would."""
    g = _sys._getframe(1).f_globals
    if not items:
        return []
    try:
        results, error = _ENGINES[_ENGINE](g, items, free)
    except Exception as e:
        _stats["fallbacks"] += 1
        _stats["reason"] = "the %s engine failed (%s: %s); the comprehension ran serially" % (_ENGINE, type(e).__name__, e)
        results, error = _gather([_run_items(_bind(g), items, free)], [])
    if error is not None:
        raise error
    return results


def _version(original):
    """_pl_parallel with the original's globals and defaults: the function as it is, its loop on the engine."""
    key = ("version", id(original))
    fn = _state.get(key)
    if fn is None or fn[0] is not original:
        made = _types.FunctionType(_pl_parallel.__code__, original.__globals__, original.__name__, original.__defaults__)
        made.__kwdefaults__ = original.__kwdefaults__
        fn = (original, made)
        _state[key] = fn
    return fn[1]

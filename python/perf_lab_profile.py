"""Perf Lab's Python profiling helper: runs a script under cProfile or a stack sampler and writes JSON.

Standard library only, Python 3.8 or later. The extension runs it on the user's interpreter:

    perf_lab_profile.py run --mode cprofile|sampling|none [--interval US] --out FILE -- SCRIPT [ARGS...]
    perf_lab_profile.py pstats --out FILE PSTATS_FILE
    perf_lab_profile.py pyspy --out FILE [--interval US] [--version V] SPEEDSCOPE_FILE
    perf_lab_profile.py check SCRIPT        (prints JSON: {"ok": true} or the syntax error's place)

Stopping: when the runner writes "stop" on the control pipe (file descriptor in PERF_LAB_CONTROL_FD), or on
SIGTERM, the profile recorded so far is written and the process exits; "done" on the pipe says it was written.

Mode "none" runs the script unprofiled under py-spy (`py-spy record -- python perf_lab_profile.py run --mode none`):
a stop ends the script without answering, so that py-spy sees it exit and writes its samples; `pyspy` then turns
py-spy's speedscope file into the same JSON, with frames named by their function's first line and line heat.
"""

import json
import os
import re
import signal
import sys
import threading
import time
import traceback
import types

FORMAT = "perf-lab-python"
VERSION = 1
HELPER_FILE = os.path.abspath(__file__)
# Beyond this many call paths the cProfile call tree keeps only the heaviest paths' detail.
MAX_TREE_NODES = 200000


class Frames:
    """Interned frames and stacks, as the extension's profile model holds them."""

    def __init__(self):
        self.frames = []
        self.frame_ids = {}
        self.stacks = []
        self.stack_ids = {}

    def frame(self, name, file, line, kind):
        key = (name, file, line, kind)
        i = self.frame_ids.get(key)
        if i is None:
            i = len(self.frames)
            self.frames.append([name, file, line, kind])
            self.frame_ids[key] = i
        return i

    def stack(self, frame, parent):
        key = (frame, parent)
        i = self.stack_ids.get(key)
        if i is None:
            i = len(self.stacks)
            self.stacks.append([frame, parent])
            self.stack_ids[key] = i
        return i


def write_json(path, doc):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, separators=(",", ":"))
    os.replace(tmp, path)


def header(mode):
    return {
        "format": FORMAT,
        "version": VERSION,
        "mode": mode,
        "python": sys.version.split()[0],
        "implementation": sys.implementation.name,
        "executable": sys.executable,
    }


# ---- Function names ----------------------------------------------------------------------------------------------


def shown_name(qualname):
    """A qualified name as every profile shows it: a method `Class.method`, a nested function `outer/inner`
    (Python's `outer.<locals>.inner`), a lambda in a function `outer/<lambda>`."""
    return qualname.replace(".<locals>.", "/")


def code_qualname(code, index=None):
    """The shown name of a code object: its co_qualname (Python 3.11+), else found by compiling its file with `index`
    (given for the user's files only: a profile of numpy's import touches hundreds of library files), else its name."""
    qual = getattr(code, "co_qualname", None)
    if qual:
        return shown_name(qual)
    if index is not None and not code.co_filename.startswith("<"):
        return index.qualname(code.co_name, os.path.abspath(code.co_filename), code.co_firstlineno)
    return code.co_name


_library_dirs = None


def is_library_file(path):
    """Whether a file belongs to the standard library or an installed package (not the user's code)."""
    global _library_dirs
    if _library_dirs is None:
        import sysconfig

        dirs = set()
        for key in ("stdlib", "platstdlib", "purelib", "platlib"):
            d = sysconfig.get_paths().get(key)
            if d:
                dirs.add(os.path.join(os.path.abspath(d), ""))
        _library_dirs = tuple(dirs)
    return path.startswith(_library_dirs) or os.sep + "site-packages" + os.sep in path


# ---- cProfile / pstats -------------------------------------------------------------------------------------------


def pstats_frame(frames, key, names=None):
    """The frame of a pstats key; `names` gives the shown (qualified) name of a Python function's key."""
    file, line, name = key
    if file == "~" or (file.startswith("<") and line == 0):
        # Built-ins: "<built-in method builtins.sum>", "<method 'append' of 'list' objects>".
        label = name
        if label.startswith("<built-in method ") and label.endswith(">"):
            label = label[len("<built-in method "):-1]
        return frames.frame(label, "", 0, "native")
    path = os.path.abspath(file) if not file.startswith("<") else file
    shown = names(key) if names is not None else name
    return frames.frame(shown, path, line, "python" if not file.startswith("<") else "runtime")


def convert_stats(stats, mode, skip_files=(), names=None):
    """Turns pstats' function table (with callers per function) into frames, an approximate call tree and exact counts.

    pstats keeps, per function, its own time, its cumulative time, and the time of each caller -> callee edge,
    but no full stacks. The call tree is expanded from the roots the way gprof2dot and snakeviz do: a function
    reached along a path gets the share of its callee edges in proportion to the time that path spent in it.

    The roots are the functions that received calls no recorded caller made (the script's top level, a thread's
    target, whatever started a pstats file's run), with the time of those calls: a real program's call graph often
    has no function without callers at all (importing a module runs its top level through the same exec() that
    `python -m cProfile` starts the script with, which closes a cycle through every import). Own time the expansion
    could not place on a path is kept at the top level, so that the profile always holds every function's own time.
    `names` gives the shown name of a Python function's key (see pstats_frame).
    """
    frames = Frames()
    skip = set(skip_files)
    # Calls the helper itself made (the profiler's own methods, writing the profile) are left out.
    table = {
        k: v
        for k, v in stats.items()
        if k[0] not in skip and not is_profiler_method(k) and not (v[4] and all(c[0] in skip for c in v[4]))
    }
    callees = {k: [] for k in table}
    roots = []
    for callee, (cc, nc, tt, ct, callers) in table.items():
        inside_calls = 0
        inside_time = 0.0
        for caller, edge in callers.items():
            if caller in table:
                # An edge is (calls, primitive calls, own time, cumulative time), unlike a function's (cc, nc, …).
                inside_calls += edge[0]
                if caller != callee:
                    callees[caller].append((callee, edge[3]))
                    inside_time += edge[3]
        if nc > inside_calls:
            roots.append((callee, max(0.0, ct - inside_time)))
    # exec() at the top (a pstats file of `python -m cProfile script.py`) is the profiler's doing, not the program's.
    expanded_roots = []
    for r, total in roots:
        if is_exec(r):
            ct = table[r][3]
            share = total / ct if ct > 0 else 0.0
            expanded_roots.extend((c, t * share) for c, t in callees[r])
        else:
            expanded_roots.append((r, total))
    samples = []
    placed_self = []
    placed = {}
    nodes = [0]
    truncated = [False]
    # Paths that would carry less than this are not expanded (the call graph of an import of numpy has more paths
    # than a flame graph can draw); their own time is kept at the top level below.
    smallest = 1e-4 * sum(t for _, t in expanded_roots)

    def expand(key, total, parent, on_path, depth):
        cc, nc, tt, ct, _ = table[key]
        share = total / ct if ct > 0 else 0.0
        s = frames.stack(pstats_frame(frames, key, names), parent)
        nodes[0] += 1
        self_time = tt * share
        if self_time > 0:
            placed_self.append((s, key, self_time))
            placed[key] = placed.get(key, 0.0) + self_time
        if depth > 400 or nodes[0] > MAX_TREE_NODES:
            truncated[0] = True
            return
        on_path.add(key)
        for callee, edge_ct in sorted(callees[key], key=lambda e: -e[1]):
            if callee in on_path:
                continue
            part = edge_ct * share
            if part > smallest:
                expand(callee, part, s, on_path, depth + 1)
        on_path.discard(key)

    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, 5000))
    try:
        for key, total in sorted(expanded_roots, key=lambda e: -e[1]):
            if key in table:
                expand(key, total, -1, set(), 0)
    finally:
        sys.setrecursionlimit(old_limit)
    # Recursion through several callers (imports that import) makes the edges into a function add up to more than
    # its own cumulative time, so the paths could give it more own time than it had: its paths share its exact own
    # time. Own time no path carried (cycles the expansion cut, paths too small to draw, calls whose callers were
    # not recorded) is kept at the top level under the function's name: every function's own time is in the
    # profile, exactly, wherever the tree could put it.
    for s, key, self_time in placed_self:
        tt = table[key][2]
        scale = tt / placed[key] if placed[key] > tt else 1.0
        samples.append([s, self_time * scale * 1000.0])
    all_own = sum(v[2] for v in table.values())
    unplaced = 0.0
    for key in sorted(table, key=lambda k: -table[k][2]):
        rest = table[key][2] - min(table[key][2], placed.get(key, 0.0))
        if rest > 1e-7:
            samples.append([frames.stack(pstats_frame(frames, key, names), -1), rest * 1000.0])
            unplaced += rest

    notes = [
        "cProfile counts every call exactly but keeps only caller -> callee edges, not whole stacks: the flame graph's "
        "paths are rebuilt from those edges (as gprof2dot and snakeviz do), so a function called from several places "
        "shares its time among them in proportion to the edge times. Self times and call counts per function are exact; "
        "cProfile records no lines: the editor marks each function's first line with its time; the sampling profiler "
        "gives heat line by line."
    ]
    if truncated[0]:
        notes.append("The call graph has too many paths to expand fully; the deepest paths are not drawn.")
    if unplaced > 0.01 * all_own:
        notes.append(
            f"{unplaced * 1000.0:.1f} ms of the functions' own time ({100.0 * unplaced / all_own:.0f} %) is on no call path "
            "the flame graph draws (paths too small to draw, or recursion through several callers, as in imports): "
            "it is shown at the top level under each function's name."
        )
    functions = []
    for key, (cc, nc, tt, ct, _) in table.items():
        functions.append({"frame": pstats_frame(frames, key, names), "calls": nc, "primitiveCalls": cc, "selfMs": tt * 1000.0, "totalMs": ct * 1000.0})
    doc = header(mode)
    doc.update({"unit": "ms", "frames": frames.frames, "stacks": frames.stacks, "samples": samples, "lines": [], "functions": functions, "notes": notes})
    return doc


def is_exec(key):
    return key[0] == "~" and key[2] in ("<built-in method builtins.exec>", "<built-in function exec>")


def is_profiler_method(key):
    return key[0] == "~" and "_lsprof.Profiler" in key[2]


def load_pstats(path):
    import marshal

    with open(path, "rb") as f:
        stats = marshal.load(f)
    if not isinstance(stats, dict):
        raise ValueError("not a pstats file")
    return stats


# ---- Running a script --------------------------------------------------------------------------------------------


class Session:
    """One profiled run: writes the profile once, whether the script ends, fails or is stopped."""

    def __init__(self, mode, interval_us, out):
        self.mode = mode
        self.interval_us = interval_us
        self.out = out
        self.lock = threading.Lock()
        self.written = False
        self.started = time.perf_counter()
        self.cpu_started = time.process_time()
        self.profiler = None
        self.thread_profilers = []
        self.sampler = None
        self.main_thread_id = threading.get_ident()
        self.pid = os.getpid()
        # cProfile mode: the Python processes the script starts (a process pool's workers, a LocalCluster's) profile
        # themselves into this folder, and their profiles are merged into this one, a root per process.
        self.workers_dir = None

    def start(self):
        self.cpu_started = time.process_time()
        self.started = time.perf_counter()
        if self.mode == "none":
            return
        if self.mode == "cprofile":
            import cProfile

            self.profiler = cProfile.Profile()
            # cProfile sees only the thread that enabled it (before Python 3.12): every thread the script starts
            # gets a profiler of its own, merged at the end.
            threading.setprofile(self.profile_thread)
            self.workers_dir = profile_children(self.out + ".workers", self.forked)
            self.profiler.enable()
        else:
            self.sampler = Sampler(self.main_thread_id, self.interval_us)
            self.sampler.start()

    def profile_thread(self, frame, event, arg):
        """threading's profile hook, called once as a thread starts: hands the thread over to a cProfile of its own."""
        import cProfile

        sys.setprofile(None)
        profiler = cProfile.Profile()
        try:
            # Python 3.12+ has one profiler for all threads (sys.monitoring), which already sees this one.
            profiler.enable()
        except ValueError:
            return
        with self.lock:
            if self.written:
                profiler.disable()
                return
            self.thread_profilers.append(profiler)

    def forked(self):
        """In a child made by os.fork (a process pool's worker under the fork start method): the parent's profilers
        came along; the child profiles itself from here, as a worker, and never writes the parent's profile."""
        self.written = True
        threading.setprofile(None)
        for profiler in [self.profiler] + self.thread_profilers:
            try:
                profiler.disable()
            except Exception:
                pass
        self.profiler = None
        self.thread_profilers = []

    def finish(self, stopped, status=0):
        """Stops profiling and writes the profile; only the first call writes. Safe from any thread."""
        with self.lock:
            if self.written or os.getpid() != self.pid:
                return
            self.written = True
            if self.mode == "none":
                if not stopped:
                    write_json(self.out, {"format": FORMAT + "-status", "status": status})
                return
            duration_ms = (time.perf_counter() - self.started) * 1000.0
            if self.profiler is not None:
                # disable() also closes the calls still in progress, so a stopped run keeps their time.
                self.profiler.disable()
                cpu_ms = (time.process_time() - self.cpu_started) * 1000.0
                threading.setprofile(None)
                stats, names = profiler_stats([self.profiler] + self.thread_profilers)
                doc = convert_stats(stats, "cprofile", skip_files=(HELPER_FILE,), names=names)
                if self.workers_dir:
                    cpu_ms += merge_processes(doc, self.workers_dir)
            else:
                doc = self.sampler.stop_and_collect()
                cpu_ms = (time.process_time() - self.cpu_started) * 1000.0
            doc["durationMs"] = duration_ms
            # The process's CPU time while the script ran (all its threads), against which the runner checks that
            # the profile holds the run.
            doc["cpuMs"] = cpu_ms
            doc["stopped"] = stopped
            write_json(self.out, doc)


def profiler_stats(profilers):
    """The pstats table of one or more cProfile profilers (one per thread) merged, and the shown names of its keys."""
    import cProfile

    stats = {}
    qualnames = {}
    index = CodeIndex()
    for profiler in profilers:
        if profiler is not profilers[0]:
            try:
                profiler.disable()
            except Exception:
                pass
        for entry in profiler.getstats():
            if not isinstance(entry.code, str):
                key = cProfile.label(entry.code)
                if key not in qualnames:
                    qualnames[key] = code_qualname(entry.code, None if is_library_file(os.path.abspath(entry.code.co_filename)) else index)
        profiler.create_stats()
        for key, (cc, nc, tt, ct, callers) in profiler.stats.items():
            have = stats.get(key)
            if have is None:
                stats[key] = (cc, nc, tt, ct, dict(callers))
                continue
            merged = dict(have[4])
            for caller, edge in callers.items():
                prev = merged.get(caller)
                merged[caller] = edge if prev is None else tuple(a + b for a, b in zip(prev, edge))
            stats[key] = (have[0] + cc, have[1] + nc, have[2] + tt, have[3] + ct, merged)
    return stats, lambda key: qualnames.get(key, key[2])


# ---- Child processes (cProfile mode) -----------------------------------------------------------------------------

WORKERS_ENV = "PERF_LAB_PROFILE_WORKERS"

# Written into the folder that PYTHONPATH names first, so that every Python process the script starts (a spawned
# process pool's worker, a LocalCluster's worker, `subprocess.run([sys.executable, ...])`) profiles itself. It takes
# its folder off sys.path again and then imports the environment's own sitecustomize, if there is one, as Python would.
SITECUSTOMIZE = """\
# Written by Perf Lab's profiling helper: this Python process was started by a program Perf Lab profiles.
import os as _pl_os
import sys as _pl_sys

_pl_here = _pl_os.path.dirname(_pl_os.path.abspath(__file__))
_pl_sys.path[:] = [p for p in _pl_sys.path if _pl_os.path.abspath(p or ".") != _pl_here]
try:
    import importlib.util as _pl_util

    _pl_spec = _pl_util.spec_from_file_location("perf_lab_profile_worker", {helper!r})
    _pl_helper = _pl_util.module_from_spec(_pl_spec)
    _pl_spec.loader.exec_module(_pl_helper)
    _pl_helper.start_worker({folder!r})
except Exception:
    pass
try:
    import importlib.machinery as _pl_machinery

    _pl_next = _pl_machinery.PathFinder.find_spec("sitecustomize", _pl_sys.path)
    if _pl_next is not None:
        _pl_module = _pl_util.module_from_spec(_pl_next)
        _pl_sys.modules["sitecustomize"] = _pl_module
        _pl_next.loader.exec_module(_pl_module)
except Exception:
    pass
"""

class _WorkerState(dict):
    """The profiler of this process when it is a child of the profiled script (a dict that weak references reach)."""


_worker = _WorkerState(profiler=None, dump=None, fork_hook=False)


def profile_children(folder, forked):
    """Makes the script's child processes profile themselves into `folder`: new interpreters through a
    sitecustomize on PYTHONPATH (and PERF_LAB_PROFILE_WORKERS), forked ones through an os.fork hook that calls
    `forked` (the parent's profilers stop) and starts a profiler of their own. Returns the folder, or None."""
    try:
        hook = os.path.join(folder, "hook")
        os.makedirs(hook, exist_ok=True)
        for name in os.listdir(folder):
            if name.endswith(".pstats"):
                os.remove(os.path.join(folder, name))
        with open(os.path.join(hook, "sitecustomize.py"), "w", encoding="utf-8") as f:
            f.write(SITECUSTOMIZE.format(helper=HELPER_FILE, folder=folder))
    except OSError:
        return None
    os.environ[WORKERS_ENV] = folder
    rest = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = hook + (os.pathsep + rest if rest else "")

    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=lambda: after_fork(folder, forked))
        _worker["fork_hook"] = True
    return folder


def after_fork(folder, forked=None):
    """In a forked child: the copy of the parent's profiler stops (the script's: `forked`; a worker's), and the
    child starts its own."""
    old = _worker["profiler"]
    _worker["profiler"] = None
    if old is not None:
        try:
            old.disable()
        except Exception:
            pass
    elif forked is not None:
        forked()
    start_worker(folder)


def process_name():
    """What the process is, for its root in the flame graph, and whether it is a multiprocessing worker:
    multiprocessing's name for it (SpawnProcess-1, ForkProcess-2), else its command."""
    mp = sys.modules.get("multiprocessing")
    if mp is not None:
        try:
            name = mp.current_process().name
            if name and name != "MainProcess":
                return name, True
        except Exception:
            pass
    argv = [a for a in getattr(sys, "argv", []) if a]
    return (os.path.basename(argv[0]) if argv and argv[0] != "-c" else "python"), False


def start_worker(folder):
    """Profiles this process (a child of the profiled script) with cProfile, each of its threads too, until it
    exits, and writes its call table to `folder`/<pid>.pstats (converted by the script's helper, so that a worker's
    exit stays quick): at exit (atexit, and multiprocessing's exit finalizers, which a forked worker runs before
    os._exit), or on SIGTERM (a pool's terminate()), after which the signal does what it did before."""
    import atexit
    import cProfile
    import marshal

    profiler = cProfile.Profile()
    threads = []
    lock = threading.Lock()
    cpu_started = time.process_time()
    state = {"done": False}

    def profile_thread(frame, event, arg):
        # As the script's threads are (Session.profile_thread): a Dask worker runs its tasks in threads.
        sys.setprofile(None)
        p = cProfile.Profile()
        try:
            p.enable()
        except ValueError:
            return
        with lock:
            if state["done"]:
                p.disable()
                return
            threads.append(p)

    def dump():
        with lock:
            if state["done"] or _worker["profiler"] is not profiler:
                return
            state["done"] = True
        try:
            profiler.disable()
            threading.setprofile(None)
            stats, names = profiler_stats([profiler] + threads)
            name, worker = process_name()
            doc = {
                "pid": os.getpid(),
                "process": name,
                "worker": worker,
                "cpuMs": (time.process_time() - cpu_started) * 1000.0,
                "stats": stats,
                "names": {key: names(key) for key in stats},
            }
            path = os.path.join(folder, "%d.pstats" % os.getpid())
            with open(path + ".tmp", "wb") as f:
                marshal.dump(doc, f)
            os.replace(path + ".tmp", path)
        except Exception:
            pass

    _worker["profiler"] = profiler
    _worker["dump"] = dump
    atexit.register(dump)
    util = sys.modules.get("multiprocessing.util")
    if util is not None:
        # A forked multiprocessing worker ends with os._exit, after its exit finalizers; its start clears the
        # finalizers registered before it, then runs the after-fork hooks, which register this one again.
        try:
            util.Finalize(None, dump, exitpriority=-1000)
            util.register_after_fork(_worker, lambda _: util.Finalize(None, dump, exitpriority=-1000))
        except Exception:
            pass
    try:
        if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:

            def on_term(signum, frame):
                dump()
                signal.signal(signum, signal.SIG_DFL)
                os.kill(os.getpid(), signum)

            signal.signal(signal.SIGTERM, on_term)
    except (ValueError, OSError, AttributeError):
        pass
    if hasattr(os, "register_at_fork") and not _worker["fork_hook"]:
        _worker["fork_hook"] = True
        os.register_at_fork(after_in_child=lambda: after_fork(folder))
    threading.setprofile(profile_thread)
    profiler.enable()


def merge_processes(doc, folder):
    """Puts the profiles the script's child processes wrote into `doc`, the script's own: each process becomes a
    root of the flame graph ("main process 1234", "worker process 1240 (ForkProcess-1)") with its call tree under
    it; the per-function counts and times add up across processes. Returns the children's CPU time in ms."""
    import marshal

    children = []
    try:
        files = sorted(n for n in os.listdir(folder) if n.endswith(".pstats"))
    except OSError:
        files = []
    for file in files:
        try:
            with open(os.path.join(folder, file), "rb") as f:
                child = marshal.load(f)
            shown = child["names"]
            converted = convert_stats(child.pop("stats"), "cprofile", skip_files=(HELPER_FILE,), names=lambda key, shown=shown: shown.get(key, key[2]))
            converted.update({k: child[k] for k in ("pid", "process", "worker", "cpuMs")})
            children.append(converted)
        except (OSError, ValueError, EOFError, TypeError, KeyError):
            pass
    if not children:
        return 0.0
    children.sort(key=lambda c: c.get("pid", 0))
    frames = Frames()
    samples = []
    functions = {}
    parts = [(doc, "main process %d" % os.getpid())] + [(c, "%s %s (%s)" % ("worker process" if c.get("worker") else "process", c.get("pid", "?"), c.get("process", "python"))) for c in children]
    for part, root_name in parts:
        root = frames.stack(frames.frame(root_name, "", 0, "runtime"), -1)
        fmap = [frames.frame(*f) for f in part["frames"]]
        smap = []
        for frame, parent in part["stacks"]:
            smap.append(frames.stack(fmap[frame], root if parent < 0 else smap[parent]))
        for sample in part["samples"]:
            samples.append([smap[sample[0]]] + list(sample[1:]))
        for fn in part.get("functions", []):
            key = fmap[fn["frame"]]
            have = functions.get(key)
            if have is None:
                functions[key] = dict(fn, frame=key)
            else:
                for field in ("calls", "primitiveCalls", "selfMs", "totalMs"):
                    have[field] += fn[field]
    doc.update({"frames": frames.frames, "stacks": frames.stacks, "samples": samples, "functions": list(functions.values())})
    doc["notes"] = list(doc.get("notes", [])) + [
        "The program started %d Python process%s, profiled by cProfile each: the flame graph has a root per process "
        "(the main process and each worker), and each function's calls and times are added up across processes."
        % (len(children), "" if len(children) == 1 else "es")
    ]
    doc["processes"] = [{"pid": os.getpid(), "name": "main"}] + [{"pid": c.get("pid"), "name": c.get("process")} for c in children]
    return sum(float(c.get("cpuMs", 0.0)) for c in children)


class Sampler(threading.Thread):
    """Samples the main thread's stack every interval: real stacks, with the line each frame is at."""

    def __init__(self, thread_id, interval_us):
        super().__init__(name="perf-lab-sampler", daemon=True)
        self.thread_id = thread_id
        self.interval = max(10, interval_us) / 1e6
        self.frames = Frames()
        self.samples = []
        self.lines = {}
        self.halt = threading.Event()
        self.done = threading.Event()
        self.t0 = time.perf_counter()
        self.code_frames = {}
        self.index = CodeIndex()

    def frame_of(self, code):
        i = self.code_frames.get(code)
        if i is None:
            file = code.co_filename
            path = os.path.abspath(file) if not file.startswith("<") else file
            kind = "python" if not file.startswith("<") else "runtime"
            name = code_qualname(code, None if kind != "python" or is_library_file(path) else self.index)
            i = self.frames.frame(name, path, code.co_firstlineno, kind)
            self.code_frames[code] = i
        return i

    def run(self):
        last = time.perf_counter()
        current = sys._current_frames
        while not self.halt.is_set():
            time.sleep(self.interval)
            now = time.perf_counter()
            frame = current().get(self.thread_id)
            if frame is None:
                break
            if self.halt.is_set():
                break
            # The script's frames are those above the helper's run_script; a sample in any other helper code
            # (writing the profile, a stop handler) is the profiler's own time.
            chain = []
            while frame is not None and frame.f_code.co_filename != HELPER_FILE:
                chain.append((frame.f_code, frame.f_lineno))
                frame = frame.f_back
            if chain and frame is not None and frame.f_code.co_name == "run_script":
                weight = (now - last) * 1000.0
                parent = -1
                for code, _ in reversed(chain):
                    parent = self.frames.stack(self.frame_of(code), parent)
                leaf_code, leaf_line = chain[0]
                self.samples.append([parent, weight, (now - self.t0) * 1000.0])
                if leaf_line is not None:
                    key = (self.frame_of(leaf_code), leaf_line)
                    self.lines[key] = self.lines.get(key, 0.0) + weight
            last = now
        self.done.set()

    def stop_and_collect(self):
        self.halt.set()
        if threading.get_ident() != self.ident:
            self.done.wait(1.0)
        doc = header("sampling")
        doc.update(
            {
                "unit": "ms",
                "intervalUs": self.interval * 1e6,
                "frames": self.frames.frames,
                "stacks": self.frames.stacks,
                "samples": self.samples,
                "lines": [[f, line, w] for (f, line), w in self.lines.items()],
                "notes": [
                    "Sampled by Perf Lab's built-in sampler: a thread reads the main thread's stack every "
                    f"{self.interval * 1e6:.0f} µs and weighs each sample by the wall-clock time since the previous one. "
                    "It sees only Python frames (time in C code counts for the Python line that called it) and only the main thread."
                ],
            }
        )
        return doc


# ---- py-spy ------------------------------------------------------------------------------------------------------


class CodeIndex:
    """The functions of a source file, found by compiling it: py-spy names frames by their current line, the profile
    model by their function's first line (as cProfile and the sampler do); and before Python 3.11, code objects do
    not know their qualified name (co_qualname), which the nesting of code objects in the file gives."""

    def __init__(self):
        self.files = {}

    def functions(self, file):
        """(name, first line, lines, shown qualified name) of each function in the file; none when it cannot be read."""
        found = self.files.get(file)
        if found is None:
            found = []
            try:
                with open(file, "rb") as f:
                    code = compile(f.read(), file, "exec", dont_inherit=True)
            except (OSError, SyntaxError, ValueError):
                code = None
            # (code object, qualified name of its parent, whether the parent is a function)
            todo = [(code, None, False)] if code is not None else []
            while todo:
                c, parent, in_function = todo.pop()
                if parent is None:
                    qual = c.co_name
                elif hasattr(c, "co_qualname"):
                    qual = c.co_qualname
                else:
                    qual = (parent + (".<locals>." if in_function else ".") if parent else "") + c.co_name
                found.append((c.co_name, c.co_firstlineno, code_lines(c), shown_name(qual)))
                # Module and class bodies are not functions (no CO_NEWLOCALS): what they define is named after them.
                is_function = bool(c.co_flags & 0x2)
                prefix = "" if parent is None else qual
                todo.extend((k, prefix, is_function) for k in c.co_consts if isinstance(k, types.CodeType))
            self.files[file] = found
        return found

    def first_line(self, name, file, line):
        best = None
        # py-spy names methods Class.method; code objects know only the method's name.
        name = name.rsplit(".", 1)[-1]
        for co_name, first, lines, _ in self.functions(file):
            if co_name == name and (line in lines or line == first) and (best is None or first > best):
                best = first
        if best is None:
            # The file changed since the run: the nearest function of that name that starts above the line.
            for co_name, first, _, _ in self.functions(file):
                if co_name == name and first <= line and (best is None or first > best):
                    best = first
        return line if best is None else best

    def qualname(self, name, file, first):
        """The shown qualified name of the function `name` that starts at line `first` of `file`; `name` itself
        (as shown) when the file does not have it."""
        bare = name.rsplit(".", 1)[-1]
        for co_name, line, _, qual in self.functions(file):
            if co_name == bare and line == first:
                return qual
        return shown_name(name)


def code_lines(code):
    if hasattr(code, "co_lines"):
        return {line for _, _, line in code.co_lines() if line is not None}
    import dis

    return {line for _, line in dis.findlinestarts(code)}


def convert_speedscope(data, interval_us, version):
    """py-spy's speedscope document (root-first stacks, weights in seconds) -> the helper's JSON.

    Frames below the helper's run_script (the helper itself) are dropped; a stack made only of the helper's frames
    (starting the script, its stop handler) is left out.
    """
    frames = Frames()
    index = CodeIndex()
    mapped = []
    for fr in data["shared"]["frames"]:
        file = fr.get("file") or ""
        name = fr.get("name") or "?"
        line = int(fr.get("line") or 0)
        if file and os.path.abspath(file) == HELPER_FILE:
            mapped.append("run_script" if name == "run_script" else None)
        elif file.startswith("<") or not file:
            mapped.append((name, file, line, "runtime" if file else "native", line))
        else:
            path = os.path.abspath(file)
            first = index.first_line(name, path, line)
            mapped.append((index.qualname(name, path, first), path, first, "python", line))
    samples = []
    lines = {}
    t = 0.0
    # With --subprocesses py-spy names each profile "Process PID Thread TID …": a program that started processes
    # gets a root per process (its first profile is the helper's, the script's own process).
    pids = []
    for profile in data["profiles"]:
        m = re.match(r"Process (\d+)", str(profile.get("name", "")))
        pids.append(m.group(1) if m else None)
    several = len({p for p in pids if p is not None}) > 1
    for profile, pid in zip(data["profiles"], pids):
        root = -1
        if several and pid is not None:
            label = "main process %s" % pid if pid == pids[0] else "process %s" % pid
            root = frames.stack(frames.frame(label, "", 0, "runtime"), -1)
        unit = profile.get("unit", "seconds")
        scale = {"seconds": 1000.0, "milliseconds": 1.0, "microseconds": 0.001, "nanoseconds": 1e-6}.get(unit, 1000.0)
        weights = profile.get("weights") or [interval_us / 1000.0 / scale] * len(profile["samples"])
        for stack, w in zip(profile["samples"], weights):
            ms = w * scale
            t += ms
            chain = [mapped[i] for i in stack]
            if "run_script" in chain:
                chain = chain[len(chain) - chain[::-1].index("run_script"):]
            # A stack through any other helper code (starting the control thread, a stop) is the helper's own time.
            if None in chain:
                continue
            chain = [c for c in chain if isinstance(c, tuple)]
            if not chain:
                continue
            parent = root
            for name, file, first, kind, _ in chain:
                parent = frames.stack(frames.frame(name, file, first, kind), parent)
            samples.append([parent, ms, t])
            name, file, first, kind, line = chain[-1]
            if line and kind == "python":
                key = (frames.frame(name, file, first, kind), line)
                lines[key] = lines.get(key, 0.0) + ms
    doc = header("sampling")
    rate = f"every {interval_us:.0f} µs" if interval_us else "at its default rate"
    doc.update(
        {
            "unit": "ms",
            "intervalUs": interval_us,
            "frames": frames.frames,
            "stacks": frames.stacks,
            "samples": samples,
            "lines": [[f, line, w] for (f, line), w in lines.items()],
            "notes": [
                f"Sampled by py-spy{(' ' + version) if version else ''} from outside the interpreter, {rate}: "
                "real stacks of every Python thread and line heat, without running code inside the program."
            ],
        }
    )
    return doc


def watch_control(session, fd):
    """Waits for "stop" on the control pipe, writes the profile, answers "done" and ends the process."""

    def loop():
        buf = b""
        try:
            while b"\n" not in buf:
                chunk = os.read(fd, 64)
                if not chunk:
                    return
                buf += chunk
        except OSError:
            return
        if buf.split(b"\n")[0].strip() != b"stop":
            return
        if session.mode == "none":
            # py-spy, the parent, writes the samples once it sees this process end.
            sys.stdout.flush()
            os._exit(143)
        answer = b"done\n"
        try:
            session.finish(stopped=True)
        except Exception:
            traceback.print_exc()
            answer = b"failed\n"
        try:
            os.write(fd, answer)
        except OSError:
            pass
        os._exit(143)

    threading.Thread(target=loop, name="perf-lab-control", daemon=True).start()


def wait_for_threads():
    """Joins the threads that are not daemons, as Python does when the main module ends (threading._shutdown)."""
    me = threading.current_thread()
    for t in threading.enumerate():
        if t is not me and not t.daemon and t.is_alive():
            t.join()


def run_script(mode, interval_us, out, script, args):
    script = os.path.abspath(script)
    with open(script, "rb") as f:
        source = f.read()
    code = compile(source, script, "exec", dont_inherit=True)
    sys.argv = [script] + list(args)
    sys.path[0] = os.path.dirname(script)
    main = types.ModuleType("__main__")
    main.__file__ = script
    main.__builtins__ = __builtins__
    sys.modules["__main__"] = main
    # The script's top level runs as a function called from here, not through exec(): exec() is also how every
    # import runs a module's top level, and a profile that started at exec() found no start once the script
    # imported a module (every call in a cycle through exec). A code object without CO_NEWLOCALS runs with its
    # globals as its locals, exactly as exec(code, main.__dict__) would.
    script_main = types.FunctionType(code, main.__dict__, "<module>")

    if mode == "sampling":
        # The sampler thread needs the GIL to look; a shorter switch interval lets it look on time.
        sys.setswitchinterval(min(sys.getswitchinterval(), max(interval_us, 100) / 1e6))
    session = Session(mode, interval_us, out)
    fd = os.environ.get("PERF_LAB_CONTROL_FD")
    if fd and fd.isdigit():
        watch_control(session, int(fd))

    def on_term(signum, frame):
        session.finish(stopped=True)
        os._exit(128 + signum)

    try:
        signal.signal(signal.SIGTERM, on_term)
    except (ValueError, OSError):
        pass

    status = 0
    failure = None
    session.start()
    try:
        script_main()
    except SystemExit as e:
        status = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if e.code is not None and not isinstance(e.code, int):
            failure = e.code
    except BaseException as e:
        status = 1
        failure = e
    finally:
        # The threads the script left running are waited for here, as the interpreter would before it exits, so
        # that their calls are in the profile; then the profile is written, before the traceback is printed (which
        # is not the script's time).
        try:
            wait_for_threads()
        except BaseException:
            pass
        session.finish(stopped=False, status=status)
    if isinstance(failure, BaseException):
        # The traceback starts at the script, not in this helper.
        tb = failure.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename == HELPER_FILE:
            tb = tb.tb_next
        traceback.print_exception(type(failure), failure, tb)
    elif failure is not None:
        print(failure, file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    return status


def check(script):
    try:
        with open(script, "rb") as f:
            compile(f.read(), os.path.abspath(script), "exec", dont_inherit=True)
    except SyntaxError as e:
        return {"ok": False, "file": os.path.abspath(e.filename or script), "line": e.lineno or 0, "column": e.offset or 0, "message": f"{type(e).__name__}: {e.msg}"}
    except (OSError, ValueError) as e:
        return {"ok": False, "file": os.path.abspath(script), "line": 0, "column": 0, "message": str(e)}
    return {"ok": True}


def main(argv):
    import argparse

    parser = argparse.ArgumentParser(prog="perf_lab_profile.py")
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("--mode", choices=["cprofile", "sampling", "none"], default="cprofile")
    r.add_argument("--interval", type=float, default=1000.0, help="sampling interval in microseconds")
    r.add_argument("--out", required=True)
    r.add_argument("script")
    r.add_argument("args", nargs=argparse.REMAINDER)
    p = sub.add_parser("pstats")
    p.add_argument("--out", required=True)
    p.add_argument("file")
    c = sub.add_parser("check")
    c.add_argument("script")
    y = sub.add_parser("pyspy")
    y.add_argument("--out", required=True)
    y.add_argument("--interval", type=float, default=0.0)
    y.add_argument("--version", default="")
    y.add_argument("file")
    ns = parser.parse_args(argv)
    if ns.command == "check":
        print(json.dumps(check(ns.script)))
        return 0
    if ns.command == "pyspy":
        try:
            with open(ns.file, encoding="utf-8") as f:
                doc = convert_speedscope(json.load(f), ns.interval, ns.version)
        except (OSError, ValueError, KeyError, TypeError, IndexError) as e:
            print(f"py-spy's output {ns.file} could not be read ({type(e).__name__}: {e}).", file=sys.stderr)
            return 2
        write_json(ns.out, doc)
        return 0
    if ns.command == "pstats":
        try:
            stats = load_pstats(ns.file)
            doc = convert_stats(stats, "pstats")
        except Exception as e:
            print(f"{ns.file} is not a cProfile/pstats file this Python can read ({type(e).__name__}: {e}).", file=sys.stderr)
            return 2
        write_json(ns.out, doc)
        return 0
    args = ns.args[1:] if ns.args[:1] == ["--"] else ns.args
    return run_script(ns.mode, ns.interval, ns.out, ns.script, args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

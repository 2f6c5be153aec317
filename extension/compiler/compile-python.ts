// The compile stage for Python: a PythonKernel (frontend-py) → a PythonCandidate for one of the Python targets.
//
// How a Python target plugs in (one file per target: backend-numba.ts, backend-cython.ts, backend-pybind11.ts):
//
// - A backend is a `PythonBackend`: it names the packages it needs in the user's interpreter (`requires`), emits the
//   kernel's source files from the Python IR (`emit`), and optionally builds them (`build`, e.g. Cython's build or a
//   C++ compile). It registers itself in `PYTHON_BACKENDS` below.
// - The backend's kernel module, `<moduleName>_kernel`, must define one callable per IR function (named as in the
//   IR, `kernel.ir.entry` being the one called), taking the parameters in order: an `int` as a Python int within
//   int64, a `float` as a Python float, a `bool` as a Python bool, and an array as a C-contiguous NumPy array of
//   float64 / int64 with the declared ndim (lists are already converted) — or, for a backend with `listBuffers` and a
//   kernel of numbers and lists (`listsWithoutNumpy`), each list as an `array.array` ('d', 'q'; a 2-D list as a
//   memoryview of one, shaped (rows, columns)), a list result
//   given back as a list of Python numbers, and no NumPy imported. It returns the result (None for 'none'),
//   writes arrays in place, and raises any exception to bail out (overflow, a zero divisor, an index out of range:
//   whatever the IR marks `checked`). It never needs to mimic Python's exceptions: a bail-out reruns the original.
// - This file writes the wrapper module `<moduleName>.py` around it, the same for every target (`emitPythonWrapper`):
//   `<entry>(original, *args)` checks each argument's exact type, converts lists, copies arrays the kernel may write
//   when it may also bail out, calls the kernel, copies written lists back, and on any type mismatch or exception
//   calls `original(*args)` instead. It counts calls and fallbacks in `_stats`, which the proof reads.
// - The proof, the benchmark and apply use only `PythonCandidate`: the generated files, the built artifacts and the
//   folder they are in. Nothing else changes when a target is added.
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CancelledError, MissingPythonPackages, PerfLabError } from '../errors';
import { noProgress, throwIfCancelled, type StageOptions } from '../progress';
import { TARGET_NAMES } from '../protocol';
import { pythonScript } from '../python-script';
import type { Tolerance } from '../tolerance';
import { isPyArrayType, pyMayBail, pyRecordShapeName, pyTypeName, type PyArrayType, type PyFunction, type PyModule, type PyRecordShape } from './ir-py';
import type { ParallelLoopPlan } from './parallel-py';
import { printPyIr } from './print-ir-py';

/**
 * The Python targets: the compiled ones (a backend below; numba-parallel is Numba with the loops proven parallel on
 * threads) and the parallel ones (backend-parallel.ts).
 */
export type PythonTarget = 'numba' | 'cython' | 'pybind11' | 'numba-parallel' | 'cython-parallel' | 'processes' | 'ray' | 'dask';
/** The compiled targets, which `auto` means. */
export const PYTHON_TARGETS: readonly PythonTarget[] = ['numba', 'cython', 'pybind11'];
/** Every Python target the editor's setting may name. */
const NAMED_TARGETS: readonly string[] = [...PYTHON_TARGETS, 'numba-parallel', 'cython-parallel', 'processes', 'ray', 'dask'];

/**
 * The editor's choice: `perfLab.pythonTarget` where it is set; otherwise `perfLab.target: auto` means every target
 * for Python too, and any other value Numba (WebAssembly and native addons are JavaScript's targets).
 */
export function pythonTargetChoice(pythonTarget: string | undefined, target: string | undefined): PythonTarget | 'auto' {
  if (pythonTarget === 'auto' || NAMED_TARGETS.includes(pythonTarget ?? '')) return pythonTarget as PythonTarget | 'auto';
  return target === 'auto' ? 'auto' : 'numba';
}

/** The targets a choice names: one, or all three for `auto`. */
export function pythonTargetsOf(target: PythonTarget | 'auto'): PythonTarget[] {
  return target === 'auto' ? [...PYTHON_TARGETS] : [target];
}

/** A target's name as the user reads it (the benchmark's variant names). */
export function pythonTargetName(t: PythonTarget): PythonTargetName {
  return TARGET_NAMES[t].name as PythonTargetName;
}

/** How a Python target is named in the benchmark and the panel. */
export type PythonTargetName = 'Numba' | 'Cython' | 'pybind11' | 'Numba parallel' | 'Cython parallel' | 'processes' | 'Ray' | 'Dask';

/** The Python function chosen for compilation, lowered: what every Python backend compiles. */
export interface PythonKernel {
  /** The function's name as the profile shows it (`Particles.step` for a method). */
  name: string;
  /** A method: its class, and the name of its first parameter (the wrapper's first argument, the instance). */
  method?: { class: string; self: string };
  fileName: string;
  /** 1-based line of the `def`. */
  line: number;
  ir: PyModule;
  /** Functions of the same file it calls (compiled with it). */
  callees: string[];
  /** Where the parameter types came from, in words ("annotations", "recorded calls"). */
  typesFrom: string;
}

/** A package a backend needs in the chosen interpreter; `pip` is what to install when it is missing. */
export interface PythonRequirement {
  module: string;
  pip: string;
}

/** What a backend's `emit` returns: the kernel module's source files, named relative to the build folder. */
export interface EmittedKernel {
  files: Record<string, string>;
  /** Compiler flags or decorator options, shown with the candidate. */
  flags: string[];
  /** Set only when the backend reorders floating-point math; results are then compared within it. */
  tolerance?: Tolerance;
}

/** What a backend's `build` gets: the interpreter, the folder the files were written to, cancellation and progress. */
export interface PythonBuildContext extends StageOptions {
  /** The interpreter's executable (the user's). */
  python: string;
  dir: string;
  /** The kernel module's name (`<moduleName>_kernel`). */
  kernelModule: string;
}

export interface PythonBackend {
  target: PythonTarget;
  /**
   * The kernel module takes a list as a buffer of its elements (`array.array`) and gives a list back as a list, where
   * the kernel allows it (`listsWithoutNumpy`): its wrapper and module then never import NumPy.
   */
  listBuffers?: true;
  /** Packages the interpreter must import; each is checked before emitting. */
  requires: PythonRequirement[];
  /**
   * Emits the kernel module `<kernelModule>` (a .py, .pyx or .cpp with its build files). Pure. `workers`: the
   * threads of a target with parallel loops (perfLab.parallel.workers, --workers), when set.
   */
  emit(kernel: PythonKernel, kernelModule: string, opts?: { workers?: number }): EmittedKernel;
  /** Builds what `emit` wrote (absent when the module needs no build, like Numba's). Returns the built files. */
  build?(ctx: PythonBuildContext, emitted: EmittedKernel): Promise<{ artifacts: string[]; log: string[] }>;
}

/** A Python rewrite: what the proof runs, the benchmark measures and apply writes. */
export interface PythonCandidate {
  target: PythonTarget;
  /** What was compiled: the lowered function, or its parallel loop (parallel-py.ts) for a parallel target. */
  kernel: PythonKernel | ParallelLoopPlan;
  /** The wrapper's function, called as `<entry>(original, *args)`. */
  entry: string;
  /** Printed IR (golden tests, the panel); for a parallel target, the loop, the work and the rewritten function. */
  ir: string;
  /** The wrapper module's name; the kernel module is `<moduleName>_kernel`. */
  moduleName: string;
  /** The folder holding the generated and built files (the build cache). */
  dir: string;
  /** Every generated source file (wrapper included), relative to `dir`. */
  files: Record<string, string>;
  /** Built files, relative to `dir` (apply copies them next to the source). */
  artifacts: string[];
  flags: string[];
  log: string[];
  /** Content hash of the generated sources, target and interpreter: the build-cache key. */
  hash: string;
  tolerance?: Tolerance;
}

const registry = new Map<PythonTarget, () => Promise<PythonBackend>>([
  ['numba', async () => (await import('./backend-numba')).numbaBackend],
  ['cython', async () => (await import('./backend-cython')).cythonBackend],
  ['pybind11', async () => (await import('./backend-pybind11')).pybind11Backend],
  ['numba-parallel', async () => (await import('./backend-numba')).numbaParallelBackend],
  ['cython-parallel', async () => (await import('./backend-cython')).cythonParallelBackend],
]);

/** The backend of a target; a target without one is a PerfLabError that says so. */
export async function pythonBackend(target: PythonTarget): Promise<PythonBackend> {
  const load = registry.get(target);
  if (!load) throw new PerfLabError(`The ${pythonTargetName(target)} target is not available in this version of Perf Lab.`);
  return load();
}

/** The Python helper for kernels (record, prove, bench, probe), in python/ next to dist/ or at the checkout's root. */
export function kernelHelperPath(): string {
  return pythonScript('perf_lab_kernel.py');
}

/** What the interpreter has: its version, and each asked-for module's version (null when it does not import). */
export interface PythonProbe {
  python: string;
  version: string;
  modules: Record<string, string | null>;
}

/** Runs the helper's `probe` on the interpreter for `modules` (with a 60 s limit: importing numba takes a while). */
export function probePythonModules(python: string, modules: string[], signal?: AbortSignal): Promise<PythonProbe> {
  return new Promise((resolve, reject) => {
    execFile(
      python,
      [kernelHelperPath(), 'probe', ...modules],
      { timeout: 60_000, windowsHide: true, ...(signal ? { signal } : {}) },
      (err, stdout, stderr) => {
        if (signal?.aborted) return reject(new CancelledError());
        try {
          resolve(JSON.parse(String(stdout)) as PythonProbe);
        } catch {
          const why = String(stderr).trim().split('\n').slice(-2).join(' ') || err?.message || 'no answer';
          reject(
            new PerfLabError(`"${python}" could not run Perf Lab's Python helper (${why}). Set perfLab.pythonPath (--python) to a Python 3.8+ interpreter.`),
          );
        }
      },
    );
  });
}

/** Throws a PerfLabError naming the exact `pip install` when the interpreter lacks a package the target needs. */
export async function checkRequirements(python: string, backend: Pick<PythonBackend, 'target' | 'requires'>, signal?: AbortSignal): Promise<PythonProbe> {
  const probe = await probePythonModules(
    python,
    backend.requires.map((r) => r.module),
    signal,
  );
  const missing = backend.requires.filter((r) => !probe.modules[r.module]);
  if (missing.length > 0) {
    const pip = missing.map((r) => r.pip);
    throw new MissingPythonPackages(
      `The ${pythonTargetName(backend.target)} target needs ${missing.map((r) => r.module).join(' and ')} in ${probe.python} (Python ${probe.version}), which ${missing.length === 1 ? 'does not import' : 'do not import'}. Install ${missing.length === 1 ? 'it' : 'them'}: ${probe.python} -m pip install ${pip.join(' ')}`,
      probe.python,
      pip,
    );
  }
  return probe;
}

export interface PythonCompileOptions extends StageOptions {
  /** The interpreter's executable. */
  python: string;
  /** Build cache; each candidate gets `<cacheDir>/<target>-<hash>/`. */
  cacheDir: string;
  /** The threads of a target with parallel loops (perfLab.parallel.workers, --workers); its default when absent. */
  workers?: number;
}

/**
 * The wrapper and kernel module names of a function of a file: `<stem>_<fn>_<target>_<hash>`. A module name must be
 * an identifier, so the stem is sanitised; the hash of the whole file name keeps `my-script.py` and `my_script.py`
 * (and `a.py`'s `b_f` and `a_b.py`'s `f`) apart.
 */
export function pythonModuleName(fileName: string, functionName: string, target: PythonTarget): string {
  const stem = fileName.replace(/\.py$/i, '').replace(/[^A-Za-z0-9_]/g, '_');
  const hash = createHash('sha256').update(fileName).digest('hex').slice(0, 6);
  return `${stem}_${pythonFunctionIdent(functionName)}_${pythonTargetIdent(target)}_${hash}`.replace(/^(\d)/, '_$1');
}

/** A function's name as a part of a Python identifier: the method `Particles.step` is `Particles_step`. */
export function pythonFunctionIdent(functionName: string): string {
  return functionName.replace(/\./g, '_');
}

/** A target's id as a part of a Python identifier: `numba-parallel` is `numba_parallel`. */
export function pythonTargetIdent(target: PythonTarget): string {
  return target.replace(/-/g, '_');
}

/** Checks the target's packages, emits, writes and builds a kernel: a candidate the proof can run. */
export async function compilePython(kernel: PythonKernel, target: PythonTarget, opts: PythonCompileOptions): Promise<PythonCandidate> {
  const progress = opts.progress ?? noProgress;
  const backend = await pythonBackend(target);
  progress({ message: `Checking ${backend.requires.map((r) => r.module).join(', ')} in ${opts.python}…` });
  const probe = await checkRequirements(opts.python, backend, opts.signal);
  throwIfCancelled(opts.signal);
  const moduleName = pythonModuleName(kernel.fileName, kernel.name, target);
  const kernelModule = `${moduleName}_kernel`;
  progress({ message: `Generating the ${pythonTargetName(target)} module…` });
  const emitted = backend.emit(kernel, kernelModule, opts.workers ? { workers: opts.workers } : {});
  const files = { ...emitted.files, [`${moduleName}.py`]: emitPythonWrapper(kernel, kernelModule, target) };
  const hash = createHash('sha256')
    .update(JSON.stringify([target, probe.python, probe.version, probe.modules, Object.entries(files).sort()]))
    .digest('hex')
    .slice(0, 16);
  const dir = join(opts.cacheDir, `${target}-${hash}`);
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  const versions = backend.requires.map((r) => `${r.module} ${probe.modules[r.module]}`).join(', ');
  const log = [`${pythonTargetName(target)} (${versions}, Python ${probe.version}): ${Object.keys(files).join(', ')}`];
  let artifacts: string[] = [];
  if (backend.build) {
    progress({ message: `Building the ${pythonTargetName(target)} module…` });
    const built = await backend.build({ python: opts.python, dir, kernelModule, ...(opts.signal ? { signal: opts.signal } : {}), progress }, emitted);
    artifacts = built.artifacts;
    log.push(...built.log);
  }
  throwIfCancelled(opts.signal);
  const existing = new Set(await readdir(dir));
  artifacts = artifacts.filter((a) => existing.has(a));
  return {
    target,
    kernel,
    entry: kernel.ir.entry,
    ir: printPyIr(kernel.ir),
    moduleName,
    dir,
    files,
    artifacts,
    flags: emitted.flags,
    log,
    hash,
    ...(emitted.tolerance ? { tolerance: emitted.tolerance } : {}),
  };
}

/**
 * The entry's last parameter, a 1-element int64 array, where the result is a NumPy scalar on some paths and a Python
 * number on others (`s = 0; for …: s += a[i]`): the kernel writes 1 there when it returns a NumPy scalar.
 */
export const RESULT_NP = '_pl_result_np';

/** The targets whose backend sets `listBuffers` (the wrapper is written before the backend module is loaded). */
const LIST_BUFFER_TARGETS: ReadonlySet<PythonTarget> = new Set(['cython', 'pybind11', 'cython-parallel']);

/**
 * Whether a kernel's arguments and result cross between Python and the target's module with no NumPy: the target takes
 * lists as buffers (`PythonBackend.listBuffers`), and every argument is a number, a bool, a complex, a str or a 1-D or
 * 2-D list or tuple of ints or floats, the result one of those scalars, None or a 1-D list, every array the functions
 * make 1-D, and none a NumPy array. The wrapper then passes each list as an `array.array` of its elements ('d' for
 * floats, 'q' for ints, both exact; a 2-D list's rows one after the other, as a memoryview shaped (rows, columns)), the
 * module gives a list back as a list of Python numbers, and neither imports NumPy: a program of lists does not pay
 * NumPy's import (hundreds of milliseconds) for the function made faster.
 */
export function listsWithoutNumpy(mod: PyModule, target: PythonTarget): boolean {
  if (!LIST_BUFFER_TARGETS.has(target)) return false;
  const entry = entryFunction(mod);
  if (entry.resultComplex || entry.resultNumpy) return false;
  if (isPyArrayType(entry.result) && (entry.result.array !== 'list' || entry.result.ndim !== 1)) return false;
  const plain = entry.params.every(
    (p) =>
      p.name !== RESULT_NP &&
      !p.numpy &&
      !p.record &&
      !p.attr?.cell &&
      (!isPyArrayType(p.type) || (p.type.ndim <= 2 && p.type.array !== 'ndarray' && (p.type.array === 'str' || p.type.element !== 'bool'))),
  );
  const params = new Set(mod.functions.flatMap((f) => f.params.filter((p) => isPyArrayType(p.type)).map((p) => `${f.name}:${p.slot}`)));
  return (
    plain &&
    mod.functions.every((f) =>
      f.arrays.every((a, i) => a.type.array !== 'ndarray' && (a.type.ndim === 1 || (a.type.ndim === 2 && params.has(`${f.name}:${i}`)))),
    )
  );
}

/**
 * The last parameter of every function of a kernel with recursion: how many calls it may still nest. The wrapper gives
 * the entry what Python's recursion limit leaves the original from where it is called (less a margin for the
 * wrapper's own frames), at most MAX_DEPTH; a function called with none left bails out, and the original runs.
 */
export const PL_DEPTH = '_pl_depth';
const MAX_DEPTH = 3000;

const INT64_MIN = '-9223372036854775808';
const INT64_MAX = '9223372036854775807';

/** A Python string literal. */
export function pyString(s: string): string {
  return JSON.stringify(s);
}

/**
 * The wrapper module around a kernel module, the same for every target (see the top of this file): argument checks,
 * conversions, copies, the call, and the fallback to the original.
 */
export function emitPythonWrapper(kernel: PythonKernel, kernelModule: string, target: PythonTarget): string {
  const entry = kernel.ir.functions.find((f) => f.name === kernel.ir.entry)!;
  const mayBail = pyMayBail(kernel.ir);
  // The kernel reports in RESULT_NP whether its result is a NumPy scalar, where that depends on the path it took.
  const reportsNp = entry.params.some((p) => p.name === RESULT_NP);
  const recursive = entry.params.some((p) => p.name === PL_DEPTH);
  const params = entry.params.filter((p) => p.name !== RESULT_NP && p.name !== PL_DEPTH);
  // Module-level constants are read from the module, not passed.
  // A complex argument is two parameters of the kernel (its parts), one of the wrapper.
  // A list of records is three arrays of the kernel (PyParam.record), one argument of the wrapper.
  // A method's attributes are read from self (its first argument, `_self` here), not passed.
  const names = [
    ...(kernel.method ? ['_self'] : []),
    ...params
      .filter((p) => !p.global && !p.attr && p.complex?.part !== 'imag' && (!p.record || p.record.part === 'lists'))
      .map((p) => p.complex?.arg ?? (p.record?.part === 'lists' ? p.record.arg : p.name)),
  ];
  const attrs = params.filter((p) => p.attr);
  const records = params.some((p) => p.record);
  // Lists cross as array.array and come back as lists: nothing here needs NumPy (listsWithoutNumpy).
  const buffers = listsWithoutNumpy(kernel.ir, target);
  const argList = names.join(', ');
  const L: string[] = [];
  L.push(`# Generated by Perf Lab from ${kernel.fileName}, function ${kernel.name} (line ${kernel.line}): the ${pythonTargetName(target)} version.`);
  L.push('# The wrapper runs the compiled kernel when the arguments have the types it was compiled for, and the original');
  L.push('# function otherwise, or when the kernel bails out (an int leaving 64 bits, a zero divisor, an index out of range).');
  L.push(buffers ? 'import array as _array' : 'import numpy as _np');
  if (recursive) L.push('import sys as _sys');
  L.push(`from ${kernelModule} import ${kernel.ir.entry} as _kernel`);
  L.push('');
  L.push('_stats = {"calls": 0, "fallbacks": 0, "reason": ""}');
  L.push(`_INT64 = (${INT64_MIN}, ${INT64_MAX})`);
  L.push('');
  L.push('');
  L.push('def _fallback(reason, original, args):');
  L.push('    _stats["fallbacks"] += 1');
  L.push('    _stats["reason"] = reason');
  L.push('    return original(*args)');
  L.push('');
  L.push('');
  L.push('def _distinct(arrays, tables):');
  L.push('    seen = set()');
  L.push('    for x in arrays + tuple(r for t in tables for r in t):');
  L.push('        if id(x) in seen:');
  L.push('            return False');
  L.push('        seen.add(id(x))');
  if (buffers) {
    L.push('    return True');
    if (params.some((p) => isPyArrayType(p.type) && p.type.ndim === 2)) {
      L.push('');
      L.push('');
      L.push('def _matrix(code, rows):');
      L.push("    # A 2-D list's rows one after the other in one array.array, viewed as (rows, columns), C order.");
      L.push('    flat = _array.array(code)');
      L.push('    for r in rows:');
      L.push('        flat.extend(r)');
      L.push('    return memoryview(flat).cast("B").cast(code, (len(rows), len(rows[0])))');
    }
  } else {
    L.push('    nds = [x for x in arrays if type(x) is _np.ndarray]');
    L.push('    return not any(_np.may_share_memory(a, b) for i, a in enumerate(nds) for b in nds[:i])');
  }
  L.push('');
  L.push('');
  if (recursive) {
    L.push('def _depth_budget():');
    L.push('    # The calls the kernel may nest: what the recursion limit leaves the original from here, less a margin.');
    L.push('    frame, depth = _sys._getframe(), 0');
    L.push('    while frame is not None:');
    L.push('        frame, depth = frame.f_back, depth + 1');
    L.push(`    return min(${MAX_DEPTH}, _sys.getrecursionlimit() - depth - 50)`);
    L.push('');
    L.push('');
  }
  if (records) {
    L.push('def _record(r, shape, lists, floats, ids, rows):');
    L.push('    # One record checked against its shape: its floats appended, and the pool row of each of its lists (a list');
    L.push('    # seen before, by identity, keeps its row).');
    L.push('    if type(r) is not tuple or len(r) != len(shape):');
    L.push('        return False');
    L.push('    for x, s in zip(r, shape):');
    L.push('        if type(s) is tuple:');
    L.push('            if not _record(x, s, lists, floats, ids, rows):');
    L.push('                return False');
    L.push('        elif s == "f":');
    L.push('            if type(x) is not float:');
    L.push('                return False');
    L.push('            floats.append(x)');
    L.push('        else:');
    L.push('            if type(x) is not list:');
    L.push('                return False');
    L.push('            k = ids.get(id(x))');
    L.push('            if k is None:');
    L.push('                if not _elements(x, float):');
    L.push('                    return False');
    L.push('                k = ids[id(x)] = len(rows)');
    L.push('                rows.append(x)');
    L.push('            lists.append(k)');
    L.push('    return True');
    L.push('');
    L.push('');
  }
  if (attrs.length > 0) {
    L.push('_MEMBER = type(type("_Slotted", (), {"__slots__": ("x",)}).x)');
    L.push('');
    L.push('');
    L.push('def _plain(obj, names):');
    L.push('    # Each attribute read and written as plain storage, as the compiled method assumes: the class reads and');
    L.push("    # writes attributes as object does, and each name is a slot, or is in the instance's __dict__ with no data");
    L.push('    # descriptor (a property) of that name in the class.');
    L.push('    cls = type(obj)');
    L.push('    if cls.__getattribute__ is not object.__getattribute__ or cls.__setattr__ is not object.__setattr__:');
    L.push('        return False');
    L.push('    own = getattr(obj, "__dict__", None)');
    L.push('    for n in names:');
    L.push('        d = None');
    L.push('        for k in cls.__mro__:');
    L.push('            if n in k.__dict__:');
    L.push('                d = k.__dict__[n]');
    L.push('                break');
    L.push('        if type(d) is _MEMBER:');
    L.push('            continue');
    L.push('        if d is not None and (hasattr(type(d), "__set__") or hasattr(type(d), "__delete__")):');
    L.push('            return False');
    L.push('        if type(own) is not dict or n not in own:');
    L.push('            return False');
    L.push('    return True');
    L.push('');
    L.push('');
  }
  L.push('def _elements(xs, kind):');
  L.push('    if kind is int:');
  L.push('        return all(type(x) is int and _INT64[0] <= x <= _INT64[1] for x in xs)');
  L.push('    return all(type(x) is float for x in xs)');
  L.push('');
  L.push('');
  L.push(`def ${kernel.ir.entry}(_original, ${argList}):`);
  L.push(`    """Runs the compiled ${kernel.name}; \`_original\` is the Python function, called when the kernel cannot run."""`);
  L.push('    _stats["calls"] += 1');
  L.push(`    _args = (${argList}${names.length === 1 ? ',' : ''})`);
  const copyBack: string[] = [];
  const kernelArgs: string[] = [];
  // Where the wrapper holds a parameter's value: a module-level name's and an attribute's in a local of their own.
  const local = (p: (typeof params)[number]): string => (p.global ? `_g_${p.name}` : p.attr ? `_a_${p.attr.name}` : p.name);
  if (records) L.push('    _pool_ids, _pool_rows = {}, []');
  if (attrs.length > 0) {
    const self = kernel.method?.self ?? 'self';
    const list = attrs.map((p) => `${pyString(p.attr!.name)},`).join(' ');
    L.push(`    if not _plain(_self, (${list})):`);
    L.push(
      `        return _fallback(${pyString(`${self}'s attributes are not plain (a property, an unset slot, __getattribute__ or __setattr__)`)}, _original, _args)`,
    );
    L.push('    try:');
    for (const p of attrs) L.push(`        _a_${p.attr!.name} = _self.${p.attr!.name}`);
    L.push('    except AttributeError:');
    L.push(`        return _fallback(${pyString(`${self} lacks an attribute`)}, _original, _args)`);
  }
  for (const p of params) {
    if (p.record) {
      // A list of records: the pool rows of its lists and its floats, per record; the pool after the last of them.
      if (p.record.part === 'pool') {
        L.push('    if len({len(_r) for _r in _pool_rows}) > 1:');
        L.push('        return _fallback("the lists in the records have different lengths", _original, _args)');
        L.push('    __pool = _np.array(_pool_rows, dtype=_np.float64) if _pool_rows else _np.zeros((0, 0), dtype=_np.float64)');
        kernelArgs.push('__pool');
        if (entry.arrays[p.slot]!.written) copyBack.push('    for _row, _new in zip(_pool_rows, __pool.tolist()):', '        _row[:] = _new');
        continue;
      }
      const arg = p.record.arg;
      const v = p.global ? `_g_${arg}` : arg;
      if (p.record.part === 'lists') {
        const shape = p.record.shape;
        const count = (s: PyRecordShape, kind: 'list' | 'float'): number => (Array.isArray(s) ? s.reduce((c, x) => c + count(x, kind), 0) : s === kind ? 1 : 0);
        const literal = (s: PyRecordShape): string =>
          Array.isArray(s) ? `(${s.map(literal).join(', ')}${s.length === 1 ? ',' : ''})` : s === 'list' ? '"L"' : '"f"';
        if (p.global) L.push(`    ${v} = _original.__globals__.get(${pyString(arg)})`);
        L.push(`    _${arg}_lists, _${arg}_floats = [], []`);
        L.push(
          `    if type(${v}) is not list or not all(_record(_r, ${literal(shape)}, _${arg}_lists, _${arg}_floats, _pool_ids, _pool_rows) for _r in ${v}):`,
        );
        const what = `${p.global ? `the module-level ${arg}` : arg} is not a list[${pyRecordShapeName(shape)}]`;
        L.push(`        return _fallback(${pyString(what)}, _original, _args)`);
        L.push(`    __${arg}_lists = _np.array(_${arg}_lists, dtype=_np.int64).reshape(len(${v}), ${count(shape, 'list')})`);
        L.push(`    __${arg}_floats = _np.array(_${arg}_floats, dtype=_np.float64).reshape(len(${v}), ${count(shape, 'float')})`);
      }
      kernelArgs.push(`__${arg}_${p.record.part}`);
      continue;
    }
    const n = local(p);
    // A module-level constant: its value now (the original reads the same name in the same module).
    if (p.global) L.push(`    ${n} = _original.__globals__.get(${pyString(p.name)})`);
    if (p.attr?.cell) {
      // An int or float attribute the method assigns: a one-element array, written back after the call.
      const t = (p.type as PyArrayType).element === 'int' ? 'int' : 'float';
      const shown = pyString(`${kernel.method?.self ?? 'self'}.${p.attr.name} is not a ${t === 'int' ? '64-bit int' : t}`);
      if (t === 'int') L.push(`    if type(${n}) is not int or not _INT64[0] <= ${n} <= _INT64[1]:`);
      else L.push(`    if type(${n}) is not float:`);
      L.push(`        return _fallback(${shown}, _original, _args)`);
      L.push(`    _${n} = _np.array((${n},), dtype=_np.${t}64)`);
      kernelArgs.push(`_${n}`);
      copyBack.push(`    _self.${p.attr.name} = _${n}[0].item()`);
      continue;
    }
    if (p.complex) {
      const arg = p.complex.arg;
      if (p.complex.part === 'real') {
        L.push(`    if type(${arg}) is not complex:`);
        L.push(`        return _fallback(${pyString(`${arg} is not a complex`)}, _original, _args)`);
      }
      kernelArgs.push(`${arg}.${p.complex.part}`);
      continue;
    }
    if (!isPyArrayType(p.type)) {
      if (p.numpy) {
        // A NumPy scalar of that exact type; the kernel takes its value as a Python number.
        const np = p.type === 'int' ? 'int64' : 'float64';
        L.push(`    if type(${n}) is not _np.${np}:`);
        L.push(`        return _fallback(${pyString(`${n} is not a numpy.${np}`)}, _original, _args)`);
        kernelArgs.push(`${p.type}(${n})`);
        continue;
      }
      if (p.type === 'int') L.push(`    if type(${n}) is not int or not _INT64[0] <= ${n} <= _INT64[1]:`);
      else L.push(`    if type(${n}) is not ${p.type}:`);
      const shown = p.attr ? `${kernel.method?.self ?? 'self'}.${p.attr.name}` : n;
      L.push(`        return _fallback(${pyString(`${shown} is not a ${p.type === 'int' ? '64-bit int' : p.type}`)}, _original, _args)`);
      kernelArgs.push(n);
      continue;
    }
    const t = p.type;
    const arr = entry.arrays[p.slot]!;
    const dtype = t.element === 'float' ? '_np.float64' : '_np.int64';
    const k = `_${n}`;
    kernelArgs.push(k);
    const expect = pyString(
      `${p.global ? `the module-level ${p.name}` : p.attr ? `${kernel.method?.self ?? 'self'}.${p.attr.name}` : n} is not a ${pyTypeName(t)}`,
    );
    if (t.array === 'str') {
      // Its code points, one int each, as Python indexes a str (lone surrogates included).
      L.push(`    if type(${n}) is not str:`);
      L.push(`        return _fallback(${expect}, _original, _args)`);
      if (buffers) L.push(`    ${k} = _array.array("q", map(ord, ${n}))`);
      else L.push(`    ${k} = _np.frombuffer(${n}.encode("utf-32-le", "surrogatepass"), dtype=_np.uint32).astype(_np.int64)`);
      continue;
    }
    if (t.array === 'ndarray') {
      L.push(`    if type(${n}) is not _np.ndarray or ${n}.dtype != ${dtype} or ${n}.ndim != ${t.ndim}:`);
      L.push(`        return _fallback(${expect}, _original, _args)`);
      if (arr.written && mayBail) {
        L.push(`    ${k} = _np.array(${n}, order="C")`);
        copyBack.push(`    ${n}[...] = ${k}`);
      } else if (arr.written) {
        L.push(`    ${k} = ${n} if ${n}.flags.c_contiguous and ${n}.flags.writeable else _np.array(${n}, order="C")`);
        copyBack.push(`    if ${k} is not ${n}:`, `        ${n}[...] = ${k}`);
      } else {
        L.push(`    ${k} = ${n} if ${n}.flags.c_contiguous else _np.ascontiguousarray(${n})`);
      }
      continue;
    }
    const kind = t.element === 'float' ? 'float' : 'int';
    if (t.ndim === 1) {
      L.push(`    if type(${n}) is not ${t.array} or not _elements(${n}, ${kind}):`);
    } else {
      const rowType = t.rows === 'tuple' ? 'tuple' : 'list';
      L.push(`    if type(${n}) is not ${t.array} or not all(type(_r) is ${rowType} and len(_r) == len(${n}[0]) and _elements(_r, ${kind}) for _r in ${n}):`);
    }
    L.push(`        return _fallback(${expect}, _original, _args)`);
    const code = kind === 'float' ? '"d"' : '"q"';
    if (buffers && t.ndim === 2) {
      // A memoryview cannot be shaped with a 0: no rows, or empty rows, cross as an empty NumPy array, imported then.
      L.push(`    if ${n} and ${n}[0]:`);
      L.push(`        ${k} = _matrix(${code}, ${n})`);
      L.push('    else:');
      L.push('        import numpy as _np');
      L.push(`        ${k} = _np.zeros((len(${n}), len(${n}[0]) if ${n} else 0), dtype=${dtype})`);
    } else if (buffers) {
      // The elements as C doubles or int64s ('q' is 64 bits on every platform), each checked above: exact.
      L.push(`    ${k} = _array.array(${code}, ${n})`);
    } else if (t.ndim === 2) {
      L.push(`    ${k} = _np.array(${n}, dtype=${dtype}) if ${n} else _np.zeros((0, 0), dtype=${dtype})`);
    } else {
      L.push(`    ${k} = _np.array(${n}, dtype=${dtype})`);
    }
    if (arr.written) {
      if (t.ndim === 1) copyBack.push(`    ${n}[:] = ${k}.tolist()`);
      else copyBack.push(`    for _row, _new in zip(${n}, ${k}.tolist()):`, '        _row[:] = _new');
    }
  }
  // A written array must not share memory with another argument or module-level list it reads (nor a written 2-D
  // list's rows with each other): the kernel's converted copies would not see each other's writes as Python does.
  // (A tuple of numbers or of tuples holds nothing that can be written: equal literals may even be one object.)
  const immutable = (t: PyArrayType): boolean => t.array === 'str' || (t.array === 'tuple' && (t.ndim === 1 || t.rows === 'tuple'));
  const arrays = params.filter((p) => isPyArrayType(p.type) && !immutable(p.type) && !p.record && !p.attr?.cell);
  // The records' lists are the pool's rows: none may be another argument, or a row of one.
  const pooled = params.some((p) => p.record?.part === 'pool');
  if (
    entry.arrays.some((a) => a.written && !a.local) &&
    (arrays.length > 1 || arrays.some((p) => (p.type as PyArrayType).ndim === 2) || (pooled && arrays.length > 0))
  ) {
    const tables = arrays
      .filter((p) => (p.type as PyArrayType).array !== 'ndarray' && (p.type as PyArrayType).ndim === 2 && (p.type as PyArrayType).rows !== 'tuple')
      .map(local);
    if (pooled) tables.push('_pool_rows');
    L.push(`    if not _distinct((${arrays.map((p) => `${local(p)},`).join(' ')}), (${tables.map((t) => `${t},`).join(' ')})):`);
    L.push('        return _fallback("arguments share memory", _original, _args)');
  }
  if (reportsNp) {
    L.push('    _result_np = _np.zeros(1, dtype=_np.int64)');
    kernelArgs.push('_result_np');
  }
  if (recursive) kernelArgs.push('_depth_budget()');
  L.push('    try:');
  L.push(`        _result = _kernel(${kernelArgs.join(', ')})`);
  L.push('    except Exception as _e:');
  L.push('        return _fallback(f"the kernel bailed out ({type(_e).__name__}: {_e})", _original, _args)');
  L.push(...copyBack);
  // The kernel returns a Python int, float or bool; the original's result may be a NumPy scalar (an array element, or
  // arithmetic on one): boxed as the same NumPy type, so that type(), repr and isinstance see what they saw before.
  // A list the kernel built comes back as its NumPy array: a list of the Python numbers again (tolist gives Python
  // ints, floats and bools); a NumPy array as it is, with the dtype and shape the original would have made.
  const box = `_np.${entry.result === 'int' ? 'int64' : entry.result === 'bool' ? 'bool_' : 'float64'}(_result)`;
  if (entry.resultComplex) L.push('    return complex(float(_result[0]), float(_result[1]))');
  // The argument itself (`return dist`), its written rows copied back above.
  else if (entry.resultArg) L.push(`    return ${entry.resultArg}`);
  else if (isPyArrayType(entry.result)) L.push(entry.result.array === 'list' && !buffers ? '    return _result.tolist()' : '    return _result');
  else if (reportsNp) L.push(`    return ${box} if _result_np[0] else _result`);
  else L.push(entry.resultNumpy ? `    return ${box}` : '    return _result');
  return L.join('\n') + '\n';
}

/** The entry function of a kernel's IR. */
export function entryFunction(mod: PyModule): PyFunction {
  return mod.functions.find((f) => f.name === mod.entry)!;
}

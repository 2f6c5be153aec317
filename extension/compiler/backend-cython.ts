// Cython backend: the Python IR → a typed `.pyx` (C++ mode), built with Cython's own build (native/build-cython.ts).
//
// Every local is a C type (`cdef int64_t`, `double`, `bint`), every array a typed memoryview (`double[::1]`,
// `const int64_t[:, ::1]` when only read). `boundscheck` and `wraparound` are off for the module; an index the IR
// could not prove in range goes through `pl_ix`, which wraps a negative index as Python does and bails out past the
// end, so the check is kept exactly where it is needed. `cdivision` stays False (Python's division rules), and every
// operation where C and Python may differ (int overflow, floor division and modulo signs, `**`, float floor division
// and modulo, math domain errors) calls the same C++ helpers as the pybind11 backend (python-native-runtime.ts),
// declared `except +`: a helper that bails out raises, and the shared wrapper runs the original function instead.
import { PerfLabError } from '../errors';
import type { EmittedKernel, PythonBackend, PythonBuildContext, PythonKernel, PythonTarget } from './compile-python';
import { entryFunction, listsWithoutNumpy } from './compile-python';
import { isPyArrayType, walkPyIr, type PyArrayType, type PyExpr, type PyFunction, type PyResult, type PyScalar, type PyStmt } from './ir-py';
import { analyzePyParallel, describePyParallel, noPyParallelLoop, pyFreeThreads, pyWorkersLine, type PyParallelLoop, type PyParallelReport } from './parallel';
import { constSource, kernelOrigin, PyFunctionEmitter, PYTHON_BLOCKS, pythonCond, type Dialect } from './python-emit';
import { cythonRuntimeDeclarations, PY_NATIVE_RUNTIME } from './python-native-runtime';

/** The header the .pyx declares its helpers from, written next to it. */
export const CYTHON_RUNTIME_HEADER = 'perf_lab_py_runtime.h';

/** The module's compiler directives and the C++ compiler flags its build uses. */
export const CYTHON_DIRECTIVES = ['language_level=3', 'boundscheck=False', 'wraparound=False', 'cdivision=False', 'initializedcheck=False', 'nonecheck=False'];
export const CYTHON_COMPILE_ARGS = ['-O3', '-ffp-contract=off', '-std=c++17'];

function cType(t: PyScalar | PyResult): string {
  if (isPyArrayType(t)) return memoryview(t, false);
  return t === 'int' ? 'int64_t' : t === 'float' ? 'double' : t === 'bool' ? 'bint' : 'int';
}

/** The C type of an array's elements: a bool list is stored one byte per element (0 or 1), as NumPy stores bools. */
const ELEMENT_C = { float: 'double', int: 'int64_t', bool: 'uint8_t' } as const;
/** The NumPy dtype the module allocates each element type with. */
const ELEMENT_DTYPE = { float: '_np.float64', int: '_np.int64', bool: '_np.uint8' } as const;
/** The `array.array` type code of each element type, where the module does without NumPy (listsWithoutNumpy). */
const ELEMENT_TYPECODE = { float: '"d"', int: '"q"', bool: '"B"' } as const;

function memoryview(t: PyArrayType, readOnly: boolean): string {
  return `${readOnly ? 'const ' : ''}${ELEMENT_C[t.element]}[${':, '.repeat(t.ndim - 1)}::1]`;
}

/** A constant as Cython source of the same value and C type. */
export function cythonConst(e: Extract<PyExpr, { kind: 'const' }>): string {
  return constSource(e, {
    true: 'True',
    false: 'False',
    int: (v) => (BigInt(v) === -(2n ** 63n) ? 'PL_MIN' : `(<int64_t>${BigInt(v)})`),
    nan: 'PL_NAN',
    inf: 'PL_INF',
    negZero: 'PL_NEG_ZERO',
  });
}

/** Cython writes Python with C casts; every name prefixed (`v_`, `f_`) so that none clashes with a C name or a helper. */
const CYTHON: Dialect = {
  blocks: PYTHON_BLOCKS,
  names: 'v_',
  functions: 'f_',
  helpers: '',
  constant: cythonConst,
  cond: pythonCond,
  math: (fn, args) => `pl_math_${fn}(${args.join(', ')})`,
  toFloat: (a) => `(<double>${a})`,
  toInt: (a) => `(<int64_t>${a})`,
  // abs(-2**63) is the one int abs that leaves int64; the check costs a compare.
  intAbs: (a) => `pl_abs(${a})`,
  floatAbs: (a) => `pl_math_fabs(${a})`,
  not: (a) => `(not ${a})`,
  classify: (fn, a) => `pl_${fn}(${a})`,
  dim: (a, axis) => `(<int64_t>${a}.shape[${axis}])`,
};

class CythonEmitter extends PyFunctionEmitter {
  protected readonly temps: string[] = [];
  /** The functions of one iteration of each parallel loop (cython-parallel), written before the function. */
  private readonly iterations: string[] = [];

  /**
   * `numpy`: the module allocates its arrays with NumPy; else as `array.array`s (`pl_new_<element>`). `parallel`: the
   * loops of this function proven parallel (cython-parallel), run with prange.
   */
  constructor(
    f: PyFunction,
    protected readonly numpy: boolean,
    private readonly parallel = new Map<PyStmt, PyParallelLoop>(),
  ) {
    super(f, CYTHON);
  }

  /** `cdef` functions propagate a Python exception (`except *`): a bail-out raised by a helper reaches the wrapper. */
  fn(): string {
    const f = this.f;
    const params = f.params.map((p) =>
      isPyArrayType(p.type) ? `${memoryview(p.type, !f.arrays[p.slot]!.written)} v_${p.name}` : `${cType(p.type)} v_${p.name}`,
    );
    const body: string[] = [];
    this.block(f.body, 1, body);
    if (f.result === 'none') body.push('    return 0');
    const decls = this.bodyLocals().map((l) => `    cdef ${cType(l.type)} v_${l.name} = ${l.type === 'bool' ? 'False' : '0'}`);
    for (const [i, a] of f.arrays.entries()) {
      if (!a.local) continue;
      decls.push(`    cdef ${memoryview(a.type, false)} ${this.array(i)}`);
      if (a.growable) decls.push(`    cdef int64_t ${this.length(i)} = 0`);
    }
    // A function returning an array returns a memoryview, which carries exceptions without `except *`.
    const except = isPyArrayType(f.result) ? '' : ' except *';
    const fn = [`cdef ${cType(f.result)} f_${f.name}(${params.join(', ')})${except}:`, ...decls, ...this.temps, ...body].join('\n');
    return [...this.iterations, fn].join('\n\n\n');
  }

  /**
   * A loop proven parallel: its bounds evaluated once, as in `forLoop`; each iteration run by a cdef function of its
   * own (`iteration`) without the GIL, on OpenMP's threads (prange). Where an iteration bails out it takes the GIL to
   * raise; Cython's prange keeps that exception, hands out no further iterations, and raises it once the loop is over,
   * so the call bails out and the wrapper runs the original on the untouched arguments. Each sum's terms are kept per
   * iteration and added in the original order after the loop. Too few iterations (or one thread) run the same
   * functions in a plain loop.
   */
  private parallelLoop(par: PyParallelLoop, s: Extract<PyStmt, { kind: 'for' }>, pad: string, out: string[]): void {
    const f = this.f;
    const k = this.tmp++;
    const step = String(par.step);
    this.temps.push(`    cdef int64_t s${k}, j${k}`, `    cdef uint64_t n${k}, u${k}`);
    out.push(`${pad}s${k} = ${this.expr(s.start)}`);
    out.push(`${pad}n${k} = pl_trips(s${k}, ${this.expr(s.stop)}, ${step})`);
    const fname = `f_${f.name}_L${s.label}`;
    // The terms of each sum, one per iteration: `_pl_` names are none the frontend gives.
    const terms = par.reductions.map((_, j) => `v__pl_r${k}_${j}`);
    par.reductions.forEach((r, j) => {
      const element = f.locals[r.local]!.type as PyArrayType['element'];
      this.temps.push(`    cdef ${ELEMENT_C[element]}[::1] ${terms[j]}`);
      out.push(`${pad}${terms[j]} = _array.array(${ELEMENT_TYPECODE[element]}, [0]) * n${k}`);
    });
    this.iterations.push(this.iteration(par, fname));
    const call = (counter: string) =>
      `${fname}(${[
        `<int64_t>(<uint64_t>s${k} + <uint64_t>${counter}${step === '1' ? '' : ` * <uint64_t>(<int64_t>${step})`})`,
        ...par.reads.map((l) => this.local(l)),
        ...par.arrays.map((a) => this.array(a)),
        ...terms,
        ...(terms.length ? [`<int64_t>${counter}`] : []),
      ].join(', ')})`;
    // prange counts with a signed counter: a trip count past 2**62 (never finished anyway) stays serial.
    out.push(`${pad}if n${k} >= ${par.minIterations} and n${k} < (<uint64_t>1 << 62) and pl_threads > 1:`);
    out.push(`${pad}    for j${k} in prange(<int64_t>n${k}, nogil=True, num_threads=pl_threads, schedule="static"):`);
    out.push(`${pad}        ${call(`j${k}`)}`);
    out.push(`${pad}else:`);
    out.push(`${pad}    for u${k} in range(n${k}):`);
    out.push(`${pad}        ${call(`u${k}`)}`);
    if (par.reductions.length === 0) return;
    // The sums, term by term in the original order: the serial loop's very operations.
    this.orderedSums(
      par,
      pad,
      `u${k}`,
      `n${k}`,
      (j) => `_pl_r${k}_${j}[u${k}]`,
      (g) => new CythonEmitter(g, this.numpy),
      out,
    );
  }

  /**
   * One iteration of a parallel loop as a cdef function that runs without the GIL: the counter's value, the locals it
   * reads, the arrays it uses and (with sums) where it puts its terms. It returns 0, or -1 with the exception its
   * bail-out raised (taking the GIL only then).
   */
  private iteration(par: PyParallelLoop, fname: string): string {
    const f = this.f;
    const terms = par.reductions.map((r, j) => ({
      name: `_pl_r${j}`,
      type: { array: 'ndarray' as const, element: f.locals[r.local]!.type as PyArrayType['element'], ndim: 1 as const },
      written: true,
    }));
    const index = f.locals.length;
    const g: PyFunction = { ...f, locals: [...f.locals, { name: '_pl_k', type: 'int' }], arrays: [...f.arrays, ...terms] };
    const body = par.loop.body.map((s): PyStmt => {
      const j = par.reductions.findIndex((r) => r.stmt === s);
      if (j < 0) return s;
      return {
        kind: 'store',
        array: f.arrays.length + j,
        indices: [{ kind: 'local', type: 'int', local: index }],
        checked: [false],
        value: par.reductions[j]!.value,
      };
    });
    // In the order the loop passes them: the counter, the locals read, the arrays, the terms, the term's index.
    const params: IterationParam[] = [
      { local: par.counter },
      ...par.reads.map((local) => ({ local })),
      ...[...par.arrays, ...terms.map((_, j) => f.arrays.length + j)].map((array) => ({ array })),
      ...(terms.length ? [{ local: index }] : []),
    ];
    return new CythonIteration(g, this.numpy).iterationFn(fname, body, params);
  }

  /** NumPy's `full` (a negative dimension raises ValueError), viewed as a typed memoryview. */
  protected allocate(s: Extract<PyStmt, { kind: 'alloc' }>, pad: string, out: string[]): void {
    const a = this.f.arrays[s.array]!;
    const dims = s.dims.map((x) => this.expr(x));
    const shape = dims.length === 1 ? dims[0]! : `(${dims.join(', ')})`;
    if (this.numpy) out.push(`${pad}${this.array(s.array)} = _np.full(${shape}, ${this.expr(s.fill)}, dtype=${ELEMENT_DTYPE[a.type.element]})`);
    else out.push(`${pad}${this.array(s.array)} = pl_new_${a.type.element}(${shape}, ${this.expr(s.fill)})`);
    if (a.growable) out.push(`${pad}${this.length(s.array)} = ${this.array(s.array)}.shape[0]`);
  }

  /** Grows the capacity (doubling, `pl_grow_<element>`) when it is full, then writes at the length. */
  protected appendTo(s: Extract<PyStmt, { kind: 'append' }>, _d: number, pad: string, out: string[]): void {
    const a = this.array(s.array);
    const n = this.length(s.array);
    out.push(`${pad}if ${n} == ${a}.shape[0]:`, `${pad}    ${a} = pl_grow_${this.f.arrays[s.array]!.type.element}(${a}, ${n})`);
    out.push(`${pad}${a}[${n}] = ${this.expr(s.value)}`, `${pad}${n} += 1`);
  }

  protected bailOut(reason: string): string {
    return `raise ValueError(${JSON.stringify(reason)})`;
  }

  protected arrayResult(array: number): string {
    return this.f.arrays[array]!.growable ? `${this.array(array)}[:${this.length(array)}]` : this.array(array);
  }

  /** Bounds evaluated once; a C loop over the trip count; the local takes each value at the top of the body. */
  protected forLoop(s: Extract<PyStmt, { kind: 'for' }>, d: number, pad: string, out: string[]): void {
    const par = this.parallel.get(s);
    if (par) return this.parallelLoop(par, s, pad, out);
    const k = this.tmp++;
    this.temps.push(`    cdef int64_t s${k}`, `    cdef uint64_t n${k}, k${k}`);
    out.push(`${pad}s${k} = ${this.expr(s.start)}`);
    let step: string;
    if (typeof s.step === 'bigint') {
      step = String(s.step);
      out.push(`${pad}n${k} = pl_trips(s${k}, ${this.expr(s.stop)}, ${step})`);
    } else {
      // start, stop, then the step (0 bails out), in Python's order.
      this.temps.push(`    cdef int64_t e${k}, t${k}`);
      out.push(`${pad}e${k} = ${this.expr(s.stop)}`, `${pad}t${k} = pl_step(${this.expr(s.step)})`, `${pad}n${k} = pl_trips(s${k}, e${k}, t${k})`);
      step = `t${k}`;
    }
    out.push(`${pad}for k${k} in range(n${k}):`);
    out.push(`${pad}    ${this.local(s.local)} = <int64_t>(<uint64_t>s${k} + k${k} * <uint64_t>(<int64_t>${step}))`);
    this.loopBody(s.label, s.body, d + 1, out);
  }

  protected override bareReturn(): string {
    return this.f.result === 'none' ? ' 0' : '';
  }
}

/** A parameter of an iteration's function: a local or an array of the function the loop is in. */
type IterationParam = { local: number } | { array: number };

/** The function of one iteration of a parallel loop: no GIL held, a bail-out takes it to raise. */
class CythonIteration extends CythonEmitter {
  /** `params`: the locals and arrays it takes; every other local is its own. */
  iterationFn(name: string, body: PyStmt[], params: IterationParam[]): string {
    const g = this.f;
    const taken = new Set(params.flatMap((p) => ('local' in p ? [p.local] : [])));
    const decl = (p: IterationParam): string => {
      if ('local' in p) return `${cType(g.locals[p.local]!.type)} ${this.local(p.local)}`;
      const a = p.array;
      const param = g.params.some((q) => isPyArrayType(q.type) && q.slot === a);
      return `${memoryview(g.arrays[a]!.type, param && !g.arrays[a]!.written)} ${this.array(a)}`;
    };
    const lines: string[] = [];
    this.loopBody(-1, body, 1, lines);
    const decls = g.locals.flatMap((l, i) => (taken.has(i) ? [] : [`    cdef ${cType(l.type)} v_${l.name} = ${l.type === 'bool' ? 'False' : '0'}`]));
    return [`cdef int ${name}(${params.map(decl).join(', ')}) except -1 nogil:`, ...decls, ...this.temps, ...lines, '    return 0'].join('\n');
  }

  protected override bailOut(reason: string): string {
    return `with gil: raise ValueError(${JSON.stringify(reason)})`;
  }
}

/**
 * The Python-callable entry: typed arguments (Cython converts them; a typed memoryview takes a NumPy array or an
 * `array.array` alike), the cdef kernel, its result. `lists`: the kernel's lists cross without NumPy
 * (listsWithoutNumpy), and a list result is made here, element by element, as a list of Python numbers.
 */
function entryDef(f: PyFunction, lists: boolean, parallel = false): string {
  const params = f.params.map((p) =>
    isPyArrayType(p.type) ? `${memoryview(p.type, !f.arrays[p.slot]!.written)} v_${p.name} not None` : `${cType(p.type)} v_${p.name}`,
  );
  const call = `f_${f.name}(${f.params.map((p) => `v_${p.name}`).join(', ')})`;
  // With parallel loops, the call first sizes their threads to the free cores.
  const head = `def ${f.name}(${params.join(', ')}):${parallel ? '\n    _pl_set_threads()' : ''}`;
  if (f.result === 'none') return [head, `    ${call}`, '    return None'].join('\n');
  if (!isPyArrayType(f.result)) return [head, `    return ${call}`].join('\n');
  // An array comes back as the NumPy array its memoryview views (bools stored as bytes, viewed as NumPy's bool).
  if (!lists) return [head, `    return _np.asarray(${call})${f.result.element === 'bool' ? '.view(_np.bool_)' : ''}`].join('\n');
  // A list as a list: C doubles become floats, int64s ints, and bool bytes (0 or 1) bools.
  const element = f.result.element === 'bool' ? '_r[_i] != 0' : '_r[_i]';
  return [head, `    cdef ${memoryview(f.result, false)} _r = ${call}`, '    cdef Py_ssize_t _i', `    return [${element} for _i in range(_r.shape[0])]`].join(
    '\n',
  );
}

/** The .pyx of the kernel module. */
export function emitCythonModule(kernel: PythonKernel): string {
  return emitPyx(kernelOrigin(kernel), [kernel]);
}

/**
 * The loops of the entry that cython-parallel runs with prange: those the independence analysis (parallel.ts
 * analyzePyParallel) proves parallel, but for a loop that calls another function of the kernel — a cdef function
 * that raises through the GIL (`except *`), which an iteration run without it cannot call — kept serial with that
 * reason.
 */
export function cythonParallelReport(kernel: PythonKernel): PyParallelReport {
  const report = analyzePyParallel(kernel.ir);
  const r: PyParallelReport = { loops: [], serial: [...report.serial] };
  for (const l of report.loops) {
    let called: string | undefined;
    walkPyIr(
      l.loop.body,
      () => {},
      (e) => {
        if (e.kind === 'call') called ??= e.fn;
      },
    );
    if (called) r.serial.push({ fn: l.fn, counterName: l.counterName, reason: `it calls ${called}, which Cython runs holding the GIL` });
    else r.loops.push(l);
  }
  return r;
}

/**
 * The .pyx of the cython-parallel target: the kernel module with the entry's loops proven parallel (`report`, from
 * cythonParallelReport) run with prange on OpenMP's threads; `workers` (perfLab.parallel.workers) their number.
 */
export function emitCythonParallelModule(kernel: PythonKernel, report: PyParallelReport, workers?: number): string {
  return emitPyx(kernelOrigin(kernel), [kernel], { report, workers });
}

/** One .pyx holding several kernels (their function names must differ), each entry exported: tests build it once. */
export function emitCythonBatch(kernels: PythonKernel[]): string {
  return emitPyx(`from ${kernels.length} kernels`, kernels);
}

/** `pl_grow_<element>`: a growable list's storage with twice the room, its first n elements kept. */
function growHelper(element: PyArrayType['element'], numpy: boolean): string {
  const mv = `${ELEMENT_C[element]}[::1]`;
  const room = 'max(8, 2 * n)';
  return [
    `cdef ${mv} pl_grow_${element}(${mv} a, int64_t n):`,
    `    cdef ${mv} b = ${numpy ? `_np.empty(${room}, dtype=${ELEMENT_DTYPE[element]})` : `_array.array(${ELEMENT_TYPECODE[element]}, [0]) * ${room}`}`,
    '    b[:n] = a[:n]',
    '    return b',
  ].join('\n');
}

/** `pl_new_<element>`: a 1-D array of n copies of a value, as an `array.array`; a negative n raises as NumPy's `full` does. */
function newHelper(element: PyArrayType['element']): string {
  const mv = `${ELEMENT_C[element]}[::1]`;
  return [
    `cdef ${mv} pl_new_${element}(int64_t n, ${ELEMENT_C[element]} fill):`,
    '    if n < 0:',
    '        raise ValueError("negative dimensions are not allowed")',
    `    return _array.array(${ELEMENT_TYPECODE[element]}, [fill]) * n`,
  ].join('\n');
}

/**
 * How many OpenMP threads a call's parallel loops take (set by the entry, read by each prange): those of the cores
 * that are free, as numba-parallel and the native target's OpenMP loops do.
 */
function cythonThreads(workers?: number): string[] {
  return [
    '',
    "# Loops proven parallel run their iterations on OpenMP's threads (prange).",
    'import os as _os',
    'import array as _array',
    'cdef int pl_threads = 1',
    '_PL_THREADS = openmp.omp_get_max_threads()',
    pyWorkersLine(workers),
    '',
    '',
    'def _pl_set_threads():',
    '    global pl_threads',
    ...pyFreeThreads('_PL_THREADS', 'OpenMP has (OMP_NUM_THREADS)'),
    '    pl_threads = max(1, min(_PL_THREADS, free))',
    '    return pl_threads',
    '',
    '',
  ];
}

/** The module; `parallel` (cython-parallel): the entry's loops proven parallel, on `workers` threads. */
function emitPyx(origin: string, kernels: PythonKernel[], parallel?: { report: PyParallelReport; workers?: number }): string {
  const functions = kernels.flatMap((k) => k.ir.functions);
  const locals = functions.flatMap((f) => f.arrays.filter((a) => a.local));
  const target: PythonTarget = parallel ? 'cython-parallel' : 'cython';
  // The arrays a kernel makes are NumPy's unless every kernel of the module crosses without NumPy.
  const numpy = !kernels.every((k) => listsWithoutNumpy(k.ir, target));
  const grows = [...new Set(locals.filter((a) => a.growable).map((a) => a.type.element))].sort();
  const allocs = numpy ? [] : [...new Set(locals.map((a) => a.type.element))].sort();
  const head = [
    `# cython: ${CYTHON_DIRECTIVES.join(', ')}`,
    '# distutils: language = c++',
    `# distutils: extra_compile_args = ${[...CYTHON_COMPILE_ARGS, ...(parallel ? ['-fopenmp'] : [])].join(' ')}`,
    ...(parallel ? ['# distutils: extra_link_args = -fopenmp'] : []),
    `# Generated by Perf Lab ${origin}: compiled by Cython.`,
    '# Checked operations raise where Python would answer differently; the wrapper then runs the original.',
    locals.length ? 'from libc.stdint cimport int64_t, uint64_t, uint8_t' : 'from libc.stdint cimport int64_t, uint64_t',
    ...(locals.length ? [numpy ? 'import numpy as _np' : 'import array as _array'] : []),
    '',
    ...(parallel ? ['from cython.parallel cimport prange', 'cimport openmp'] : []),
    cythonRuntimeDeclarations(CYTHON_RUNTIME_HEADER),
    ...(parallel ? cythonThreads(parallel.workers) : []),
    '',
    ...grows.flatMap((e) => [growHelper(e, numpy), '', '']),
    ...allocs.flatMap((e) => [newHelper(e), '', '']),
  ];
  // Cython resolves calls between module-level cdef functions in any order.
  const loops = parallel?.report.loops ?? [];
  const bodies = functions.map((f) => new CythonEmitter(f, numpy, new Map(loops.filter((l) => l.fn === f.name).map((l) => [l.loop, l]))).fn());
  const entries = kernels.map((k) => entryDef(entryFunction(k.ir), listsWithoutNumpy(k.ir, target), parallel !== undefined));
  return `${head.join('\n')}\n${bodies.join('\n\n\n')}\n\n\n${entries.join('\n\n\n')}\n`;
}

export const cythonBackend: PythonBackend = {
  target: 'cython',
  listBuffers: true,
  requires: [
    { module: 'numpy', pip: 'numpy' },
    { module: 'Cython', pip: 'Cython' },
    { module: 'setuptools', pip: 'setuptools' },
  ],
  emit(kernel: PythonKernel, kernelModule: string): EmittedKernel {
    return {
      files: { [`${kernelModule}.pyx`]: emitCythonModule(kernel), [CYTHON_RUNTIME_HEADER]: PY_NATIVE_RUNTIME },
      flags: [...CYTHON_DIRECTIVES.filter((d) => d !== 'language_level=3'), ...CYTHON_COMPILE_ARGS],
    };
  },
  build: buildPyx,
};

/**
 * The cython-parallel target: the Cython module with the entry's loops that the independence analysis proves
 * parallel (cythonParallelReport) run with prange on OpenMP's threads (`-fopenmp`, `nogil`). A function with no such
 * loop cannot be built for it: the reason of each loop is the message.
 */
export const cythonParallelBackend: PythonBackend = {
  target: 'cython-parallel',
  listBuffers: true,
  requires: cythonBackend.requires,
  emit(kernel: PythonKernel, kernelModule: string, opts?: { workers?: number }): EmittedKernel {
    const report = cythonParallelReport(kernel);
    if (report.loops.length === 0) throw new PerfLabError(noPyParallelLoop(kernel.name, report));
    return {
      files: { [`${kernelModule}.pyx`]: emitCythonParallelModule(kernel, report, opts?.workers), [CYTHON_RUNTIME_HEADER]: PY_NATIVE_RUNTIME },
      flags: [...CYTHON_DIRECTIVES.filter((d) => d !== 'language_level=3'), ...CYTHON_COMPILE_ARGS, '-fopenmp', describePyParallel(report)],
    };
  },
  build: buildPyx,
};

/** Builds the .pyx `emit` wrote with Cython's own build (native/build-cython.ts). */
async function buildPyx(ctx: PythonBuildContext, emitted: EmittedKernel): Promise<{ artifacts: string[]; log: string[] }> {
  const { buildCython } = await import('../../native/build-cython');
  const source = Object.keys(emitted.files).find((n) => n.endsWith('.pyx'))!;
  return buildCython({
    python: ctx.python,
    dir: ctx.dir,
    source,
    module: ctx.kernelModule,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...(ctx.progress ? { progress: ctx.progress } : {}),
  });
}

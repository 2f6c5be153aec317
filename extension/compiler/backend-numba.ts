// Numba backend: the Python IR → a Python module of `@numba.njit(cache=True)` functions, one per IR function.
//
// Why generated from the IR rather than the original source with @njit: Numba's own semantics differ from Python's
// where it matters (ints wrap at 64 bits, `MIN // -1` traps, math functions return NaN where Python raises, an index
// out of range reads memory). Each operation the IR marks `checked` becomes a small helper that raises when Python's
// answer would differ; the wrapper then runs the original, so results are Python's bit for bit. Everything else is
// emitted as the plain operation. Types are exact by construction: the wrapper passes ints as int64, floats as
// float64 and arrays as float64 / int64 NumPy arrays, and Numba types every int literal as int64 (64-bit platforms).
// `error_model='numpy'` keeps Numba from adding its own division checks where the IR proved them needless.
import { asset } from '../assets';
import { PerfLabError } from '../errors';
import type { EmittedKernel, PythonBackend, PythonKernel } from './compile-python';
import { isPyArrayType, walkPyIr, type PyExpr, type PyFunction, type PyModule, type PyStmt } from './ir-py';
import { analyzePyParallel, describePyParallel, noPyParallelLoop, pyFreeThreads, pyWorkersLine, type PyParallelLoop } from './parallel';
import { constSource, kernelOrigin, PyFunctionEmitter, PYTHON_BLOCKS, pythonCond, type Dialect } from './python-emit';
import { UNCHECKED_MATH } from './python-native-runtime';

/** Decorator options: compiled once and cached beside the module, Python's exceptions only where the IR checks. */
export const NUMBA_FLAGS = ['nopython', 'cache=True', "error_model='numpy'"];

/** The module's imports and the helpers its checked operations call (runtime/numba_helpers.py). */
const NUMBA_HELPERS = 'compiler/runtime/numba_helpers.py';

/** Numba writes Python: `math.*` calls checked by a helper, Python's own `//` and `%`, bare names. */
const NUMBA: Dialect = {
  blocks: PYTHON_BLOCKS,
  names: '',
  functions: '',
  helpers: '_',
  pythonDivision: true,
  constant: constText,
  cond: pythonCond,
  math(fn, args) {
    // math.pow through the C library's pow, as Python calls it (LLVM would rewrite pow(x, 0.5) as a square root).
    const call = fn === 'pow' ? `_libm_pow(${args.join(', ')})` : `math.${fn}(${args.join(', ')})`;
    if (UNCHECKED_MATH.has(fn)) return call;
    // The arguments are evaluated once: a helper call takes the result and the arguments as values.
    return args.length === 1 ? `_pl_m1(${call}, ${args[0]})` : `_pl_m2(${call}, ${args.join(', ')})`;
  },
  toFloat: (a) => `float(${a})`,
  toInt: (a) => pythonCond(a, '1', '0'),
  intAbs: (a, checked) => (checked ? `_pl_abs(${a})` : `abs(${a})`),
  floatAbs: (a) => `abs(${a})`,
  not: (a) => `(not ${a})`,
  classify: (fn, a) => `math.${fn}(${a})`,
  dim: (a, axis) => `${a}.shape[${axis}]`,
};

class NumbaEmitter extends PyFunctionEmitter {
  /** The functions of one iteration of each parallel loop (written before the function). */
  private readonly iterations: string[] = [];

  constructor(
    f: PyFunction,
    /** Not cached: it calls itself through another function (see numba_helpers.py's _njit_uncached). */
    private readonly uncached = false,
    /** The loops of this function proven parallel (numba-parallel): run with prange. */
    private readonly parallel = new Map<PyStmt, PyParallelLoop>(),
  ) {
    super(f, NUMBA);
  }

  fn(): string {
    const f = this.f;
    const params = f.params.map((p) => p.name).join(', ');
    const parallel = this.parallel.size > 0;
    // A function with parallel loops is compiled under another name; its own name sizes Numba's threads, then calls it.
    const name = parallel ? `_pl_par_${f.name}` : f.name;
    const lines = [`@${parallel ? '_njit_parallel' : '_njit'}${this.uncached ? '_uncached' : ''}`, `def ${name}(${params}):`];
    const body: string[] = [];
    this.block(f.body, 1, body);
    if (body.length === 0) body.push('    pass');
    const fns = [...this.iterations, [...lines, ...body].join('\n')];
    if (parallel) fns.push([`def ${f.name}(${params}):`, '    _pl_set_threads()', `    return ${name}(${params})`].join('\n'));
    return fns.join('\n\n\n');
  }

  /**
   * A loop proven parallel: its bounds evaluated once, as in `forLoop`; each iteration run by a function of its own
   * (`iteration`), which returns False where the serial loop would have bailed out — an exception raised inside a
   * prange is lost by Numba's threads, so none may leave an iteration — and the call bails out once the loop is over
   * if any did. Each sum's terms are kept per iteration and added in the original order after the loop. Too few
   * iterations run the same functions in a plain loop.
   */
  private parallelLoop(par: PyParallelLoop, s: Extract<PyStmt, { kind: 'for' }>, pad: string, out: string[]): void {
    const k = this.tmp++;
    const fk = `_pl_fk${k}`;
    const n = `_pl_fn${k}`;
    const fs = `_pl_fs${k}`;
    const step = String(par.step);
    out.push(`${pad}${fs} = ${this.expr(s.start)}`);
    out.push(`${pad}${n} = _pl_trips(${fs}, ${this.expr(s.stop)}, ${step})`);
    const fname = `_pl_${this.f.name}_L${s.label}`;
    const terms = par.reductions.map((_, r) => `_pl_fr${k}_${r}`);
    this.iterations.push(this.iteration(par, fname));
    const args = [
      `${fs} + ${fk}${step === '1' ? '' : ` * ${step}`}`,
      ...par.reads.map((l) => this.local(l)),
      ...par.arrays.map((a) => this.arrayArg(a)),
      ...terms,
      ...(terms.length ? [fk] : []),
    ].join(', ');
    out.push(`${pad}_pl_fok${k} = _np.ones(${n}, _np.bool_)`);
    par.reductions.forEach((r, j) => out.push(`${pad}${terms[j]} = _np.empty(${n}, ${NUMPY_DTYPE[this.f.locals[r.local]!.type]})`));
    out.push(`${pad}if ${n} >= ${par.minIterations}:`);
    out.push(`${pad}    for ${fk} in _prange(${n}):`);
    out.push(`${pad}        _pl_fok${k}[${fk}] = ${fname}(${args})`);
    out.push(`${pad}else:`);
    out.push(`${pad}    for ${fk} in range(${n}):`);
    out.push(`${pad}        _pl_fok${k}[${fk}] = ${fname}(${args})`);
    out.push(`${pad}if not _pl_fok${k}.all():`);
    out.push(`${pad}    raise _Bail("an iteration of the parallel loop over ${par.counterName} bailed out")`);
    if (par.reductions.length === 0) return;
    // The sums, term by term in the original order: the serial loop's very operations.
    this.orderedSums(
      par,
      pad,
      fk,
      n,
      (j) => `${terms[j]}[${fk}]`,
      (g) => new NumbaEmitter(g, this.uncached),
      out,
    );
  }

  /**
   * One iteration of a parallel loop as a function: the counter's value, the locals it reads, the arrays it uses and
   * (with sums) where it puts its terms; True when it ran to its end, False where the serial loop would have bailed
   * out (it is then run by the original, from the untouched arguments).
   */
  private iteration(par: PyParallelLoop, fname: string): string {
    const f = this.f;
    const terms = par.reductions.map((r, j) => ({
      name: `_pl_r${j}`,
      type: { array: 'ndarray' as const, element: f.locals[r.local]!.type, ndim: 1 as const },
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
    const params = [
      this.local(par.counter),
      ...par.reads.map((l) => this.local(l)),
      ...par.arrays.map((a) => this.array(a)),
      ...terms.map((t) => t.name),
      ...(terms.length ? ['_pl_k'] : []),
    ];
    const lines = [`@_njit${this.uncached ? '_uncached' : ''}`, `def ${fname}(${params.join(', ')}):`, '    try:'];
    const emitter = new NumbaEmitter(g, this.uncached);
    emitter.block(body, 2, lines);
    lines.push('    except Exception:', '        return False', '    return True');
    return lines.join('\n');
  }

  /**
   * The bounds (and a run-time step) evaluated once, in Python's order; a loop over the trip count (_pl_trips, which
   * Numba's own range would get wrong for a range wider than 64 bits); the local takes each value at the top of the
   * body (start + k * step never overflows: it lies between start and stop). Its names (_pl_f…) are none the
   * frontend gives.
   */
  protected forLoop(s: Extract<PyStmt, { kind: 'for' }>, d: number, pad: string, out: string[]): void {
    const par = this.parallel.get(s);
    if (par) return this.parallelLoop(par, s, pad, out);
    const k = this.tmp++;
    out.push(`${pad}_pl_fs${k} = ${this.expr(s.start)}`);
    let step: string;
    if (typeof s.step === 'bigint') {
      step = String(s.step);
      out.push(`${pad}_pl_fn${k} = _pl_trips(_pl_fs${k}, ${this.expr(s.stop)}, ${step})`);
    } else {
      step = `_pl_ft${k}`;
      out.push(
        `${pad}_pl_fe${k} = ${this.expr(s.stop)}`,
        `${pad}${step} = ${this.expr(s.step)}`,
        `${pad}_pl_fn${k} = _pl_trips(_pl_fs${k}, _pl_fe${k}, ${step})`,
      );
    }
    out.push(`${pad}for _pl_fk${k} in range(_pl_fn${k}):`);
    out.push(`${pad}    ${this.local(s.local)} = _pl_fs${k} + _pl_fk${k}${step === '1' ? '' : ` * ${step}`}`);
    this.loopBody(s.label, s.body, d + 1, out);
  }

  /** `np.full` (a negative dimension raises ValueError); a growable list's length is its first dimension. */
  protected allocate(s: Extract<PyStmt, { kind: 'alloc' }>, pad: string, out: string[]): void {
    const a = this.f.arrays[s.array]!;
    const dims = s.dims.map((x) => this.expr(x));
    const shape = dims.length === 1 ? dims[0]! : `(${dims.join(', ')})`;
    out.push(`${pad}${this.array(s.array)} = _np.full(${shape}, ${this.expr(s.fill)}, ${NUMPY_DTYPE[a.type.element]})`);
    // The fill and the dimension were read before the new list replaced the old one; then its length.
    if (a.growable) out.push(`${pad}${this.length(s.array)} = ${this.array(s.array)}.shape[0]`);
  }

  /** Grows the capacity (doubling) when it is full, then writes at the length. */
  protected appendTo(s: Extract<PyStmt, { kind: 'append' }>, _d: number, pad: string, out: string[]): void {
    const a = this.array(s.array);
    const n = this.length(s.array);
    out.push(`${pad}if ${n} == ${a}.shape[0]:`, `${pad}    ${a} = _pl_grow(${a}, ${n})`);
    out.push(`${pad}${a}[${n}] = ${this.expr(s.value)}`, `${pad}${n} += 1`);
  }

  protected bailOut(reason: string): string {
    return `raise _Bail(${JSON.stringify(reason)})`;
  }

  protected arrayResult(array: number): string {
    return this.f.arrays[array]!.growable ? `${this.array(array)}[:${this.length(array)}]` : this.array(array);
  }
}

/** The NumPy dtype of each element type, as the kernel module spells it. */
const NUMPY_DTYPE = { float: '_np.float64', int: '_np.int64', bool: '_np.bool_' } as const;

/** A constant as Python source that reads back as the same value and type. */
export function constText(e: Extract<PyExpr, { kind: 'const' }>): string {
  return constSource(e, { true: 'True', false: 'False', int: String, nan: 'math.nan', inf: 'math.inf', negZero: '-0.0' });
}

/**
 * The kernel module: helpers, then one jitted function per IR function. `parallel`: the entry's loops proven
 * parallel run with prange (the numba-parallel target).
 */
export function emitNumbaModule(kernel: PythonKernel, parallel = false, workers?: number): string {
  return emitNumbaBatch([kernel], kernelOrigin(kernel), parallel, workers);
}

/**
 * The decorators of a function with parallel loops (Numba's parallel=True, its prange), and how many threads a call
 * takes: those of the cores that are free, as the native target's OpenMP loops do (parallel.ts emitParallelLoop), since
 * a thread that waits for a busy core holds up the whole loop at its end (measured on 2 cores under a load average of
 * 9: 40 ms a call on 2 threads, 0.76 ms on 1, 0.65 ms for plain Numba).
 */
function numbaParallel(workers?: number): string {
  return [
    '',
    "# Loops proven parallel run their iterations on Numba's threads (parallel=True, prange).",
    '_njit_parallel = numba.njit(cache=True, error_model="numpy", parallel=True)',
    '_njit_parallel_uncached = numba.njit(cache=False, error_model="numpy", parallel=True)',
    '_prange = numba.prange',
    'import os as _os',
    '_PL_THREADS = numba.config.NUMBA_NUM_THREADS',
    '',
    '',
    pyWorkersLine(workers),
    '',
    '',
    'def _pl_set_threads():',
    ...pyFreeThreads('_PL_THREADS', 'Numba has (NUMBA_NUM_THREADS)'),
    '    numba.set_num_threads(max(1, min(_PL_THREADS, free)))',
    '',
  ].join('\n');
}

/** One module with the helpers once and the functions of several kernels (their names must not collide). */
export function emitNumbaBatch(kernels: PythonKernel[], from = `for ${kernels.length} kernels`, parallel = false, workers?: number): string {
  const header = [
    `# Generated by Perf Lab ${from}: compiled by Numba.`,
    '# Checked operations raise _Bail where Python would answer differently; the wrapper then runs the original.',
    '',
  ].join('\n');
  const fns = kernels.flatMap((k) => {
    const uncached = callsInCycle(k.ir);
    const loops = parallel ? analyzePyParallel(k.ir).loops : [];
    return k.ir.functions.map((f) => new NumbaEmitter(f, uncached, new Map(loops.filter((l) => l.fn === f.name).map((l) => [l.loop, l]))).fn());
  });
  return `${header}${asset(NUMBA_HELPERS)}${parallel ? numbaParallel(workers) : ''}\n\n${fns.join('\n\n\n')}\n`;
}

/** Whether functions of a kernel call each other in a cycle of two or more (is_even calls is_odd calls is_even). */
export function callsInCycle(mod: PyModule): boolean {
  const calls = new Map<string, Set<string>>();
  for (const f of mod.functions) {
    const out = new Set<string>();
    walkPyIr(
      f.body,
      () => {},
      (e) => {
        if (e.kind === 'call' && e.fn !== f.name) out.add(e.fn);
      },
    );
    calls.set(f.name, out);
  }
  // f is in such a cycle when it reaches itself through another function.
  const reaches = (from: string, to: string, seen = new Set<string>()): boolean =>
    [...(calls.get(from) ?? [])].some((g) => g === to || (!seen.has(g) && (seen.add(g), reaches(g, to, seen))));
  return mod.functions.some((f) => reaches(f.name, f.name));
}

/** Whether any function of the kernel takes or uses arrays (for the module's notes). */
function usesArrays(kernel: PythonKernel): boolean {
  return kernel.ir.functions.some((f) => f.params.some((p) => isPyArrayType(p.type)));
}

function numbaFlags(kernel: PythonKernel): string[] {
  // Functions that call each other in a cycle are compiled in each process (Numba crashes on them from its cache).
  const flags = callsInCycle(kernel.ir) ? NUMBA_FLAGS.map((f) => (f === 'cache=True' ? 'cache=False (mutual recursion)' : f)) : [...NUMBA_FLAGS];
  if (usesArrays(kernel)) flags.push('arrays: C-contiguous float64/int64');
  return flags;
}

const NUMBA_REQUIRES = [
  { module: 'numpy', pip: 'numpy' },
  { module: 'numba', pip: 'numba' },
];

export const numbaBackend: PythonBackend = {
  target: 'numba',
  requires: NUMBA_REQUIRES,
  emit(kernel: PythonKernel, kernelModule: string): EmittedKernel {
    return { files: { [`${kernelModule}.py`]: emitNumbaModule(kernel) }, flags: numbaFlags(kernel) };
  },
};

/**
 * The numba-parallel target: the Numba module with the entry's loops that the independence analysis
 * (parallel.ts analyzePyParallel) proves parallel run with prange. A function with no such loop cannot be built
 * for it: the reason of each loop is the message.
 */
export const numbaParallelBackend: PythonBackend = {
  target: 'numba-parallel',
  requires: NUMBA_REQUIRES,
  emit(kernel: PythonKernel, kernelModule: string, opts?: { workers?: number }): EmittedKernel {
    const report = analyzePyParallel(kernel.ir);
    const entry = kernel.ir.entry;
    const callsEntry = kernel.ir.functions.some((f) => {
      let calls = false;
      walkPyIr(
        f.body,
        () => {},
        (e) => (calls ||= e.kind === 'call' && e.fn === entry),
      );
      return calls;
    });
    if (callsEntry) throw new PerfLabError(`${kernel.name} is called again from inside it: its loops would start Numba's threads in every nested call.`);
    if (report.loops.length === 0) throw new PerfLabError(noPyParallelLoop(kernel.name, report));
    return {
      files: { [`${kernelModule}.py`]: emitNumbaModule(kernel, true, opts?.workers) },
      flags: [...numbaFlags(kernel), 'parallel=True', describePyParallel(report)],
    };
  },
};

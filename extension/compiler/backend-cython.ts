// Cython backend: the Python IR → a typed `.pyx` (C++ mode), built with Cython's own build (native/build-cython.ts).
//
// Every local is a C type (`cdef int64_t`, `double`, `bint`), every array a typed memoryview (`double[::1]`,
// `const int64_t[:, ::1]` when only read). `boundscheck` and `wraparound` are off for the module; an index the IR
// could not prove in range goes through `pl_ix`, which wraps a negative index as Python does and bails out past the
// end, so the check is kept exactly where it is needed. `cdivision` stays False (Python's division rules), and every
// operation where C and Python may differ (int overflow, floor division and modulo signs, `**`, float floor division
// and modulo, math domain errors) calls the same C++ helpers as the pybind11 backend (python-native-runtime.ts),
// declared `except +`: a helper that bails out raises, and the shared wrapper runs the original function instead.
import type { EmittedKernel, PythonBackend, PythonKernel } from './compile-python';
import { entryFunction, listsWithoutNumpy } from './compile-python';
import { isPyArrayType, type PyArrayType, type PyExpr, type PyFunction, type PyResult, type PyScalar, type PyStmt } from './ir-py';
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
  private readonly temps: string[] = [];

  /** `numpy`: the module allocates its arrays with NumPy; else as `array.array`s (`pl_new_<element>`). */
  constructor(
    f: PyFunction,
    private readonly numpy: boolean,
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
    return [`cdef ${cType(f.result)} f_${f.name}(${params.join(', ')})${except}:`, ...decls, ...this.temps, ...body].join('\n');
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

/**
 * The Python-callable entry: typed arguments (Cython converts them; a typed memoryview takes a NumPy array or an
 * `array.array` alike), the cdef kernel, its result. `lists`: the kernel's lists cross without NumPy
 * (listsWithoutNumpy), and a list result is made here, element by element, as a list of Python numbers.
 */
function entryDef(f: PyFunction, lists: boolean): string {
  const params = f.params.map((p) =>
    isPyArrayType(p.type) ? `${memoryview(p.type, !f.arrays[p.slot]!.written)} v_${p.name} not None` : `${cType(p.type)} v_${p.name}`,
  );
  const call = `f_${f.name}(${f.params.map((p) => `v_${p.name}`).join(', ')})`;
  const head = `def ${f.name}(${params.join(', ')}):`;
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

function emitPyx(origin: string, kernels: PythonKernel[]): string {
  const functions = kernels.flatMap((k) => k.ir.functions);
  const locals = functions.flatMap((f) => f.arrays.filter((a) => a.local));
  // The arrays a kernel makes are NumPy's unless every kernel of the module crosses without NumPy.
  const numpy = !kernels.every((k) => listsWithoutNumpy(k.ir, 'cython'));
  const grows = [...new Set(locals.filter((a) => a.growable).map((a) => a.type.element))].sort();
  const allocs = numpy ? [] : [...new Set(locals.map((a) => a.type.element))].sort();
  const head = [
    `# cython: ${CYTHON_DIRECTIVES.join(', ')}`,
    '# distutils: language = c++',
    `# distutils: extra_compile_args = ${CYTHON_COMPILE_ARGS.join(' ')}`,
    `# Generated by Perf Lab ${origin}: compiled by Cython.`,
    '# Checked operations raise where Python would answer differently; the wrapper then runs the original.',
    locals.length ? 'from libc.stdint cimport int64_t, uint64_t, uint8_t' : 'from libc.stdint cimport int64_t, uint64_t',
    ...(locals.length ? [numpy ? 'import numpy as _np' : 'import array as _array'] : []),
    '',
    cythonRuntimeDeclarations(CYTHON_RUNTIME_HEADER),
    '',
    ...grows.flatMap((e) => [growHelper(e, numpy), '', '']),
    ...allocs.flatMap((e) => [newHelper(e), '', '']),
  ];
  // Cython resolves calls between module-level cdef functions in any order.
  const bodies = functions.map((f) => new CythonEmitter(f, numpy).fn());
  const entries = kernels.map((k) => entryDef(entryFunction(k.ir), listsWithoutNumpy(k.ir, 'cython')));
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
  async build(ctx, emitted) {
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
  },
};

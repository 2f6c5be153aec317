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
import { entryFunction } from './compile-python';
import { isPyArrayType, type PyArrayType, type PyExpr, type PyFunction, type PyResult, type PyScalar, type PyStmt } from './ir-py';
import { constSource, kernelOrigin, PyFunctionEmitter, PYTHON_BLOCKS, pythonCond, type Dialect } from './python-emit';
import { cythonRuntimeDeclarations, PY_NATIVE_RUNTIME } from './python-native-runtime';

/** The header the .pyx declares its helpers from, written next to it. */
export const CYTHON_RUNTIME_HEADER = 'perf_lab_py_runtime.h';

/** The module's compiler directives and the C++ compiler flags its build uses. */
export const CYTHON_DIRECTIVES = ['language_level=3', 'boundscheck=False', 'wraparound=False', 'cdivision=False', 'initializedcheck=False', 'nonecheck=False'];
export const CYTHON_COMPILE_ARGS = ['-O3', '-ffp-contract=off', '-std=c++17'];

function cType(t: PyScalar | PyResult): string {
  return t === 'int' ? 'int64_t' : t === 'float' ? 'double' : t === 'bool' ? 'bint' : 'int';
}

function memoryview(t: PyArrayType, readOnly: boolean): string {
  return `${readOnly ? 'const ' : ''}${t.element === 'float' ? 'double' : 'int64_t'}[${t.ndim === 2 ? ':, ::1' : '::1'}]`;
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

  constructor(f: PyFunction) {
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
    return [`cdef ${cType(f.result)} f_${f.name}(${params.join(', ')}) except *:`, ...decls, ...this.temps, ...body].join('\n');
  }

  /** Bounds evaluated once; a C loop over the trip count; the local takes each value at the top of the body. */
  protected forLoop(s: Extract<PyStmt, { kind: 'for' }>, d: number, pad: string, out: string[]): void {
    const k = this.tmp++;
    this.temps.push(`    cdef int64_t s${k}`, `    cdef uint64_t n${k}, k${k}`);
    out.push(`${pad}s${k} = ${this.expr(s.start)}`);
    out.push(`${pad}n${k} = pl_trips(s${k}, ${this.expr(s.stop)}, ${s.step})`);
    out.push(`${pad}for k${k} in range(n${k}):`);
    out.push(`${pad}    ${this.local(s.local)} = <int64_t>(<uint64_t>s${k} + k${k} * <uint64_t>(<int64_t>${s.step}))`);
    this.loopBody(s.label, s.body, d + 1, out);
  }

  protected override bareReturn(): string {
    return this.f.result === 'none' ? ' 0' : '';
  }
}

/** The Python-callable entry: typed arguments (Cython converts them), the cdef kernel, its result. */
function entryDef(f: PyFunction): string {
  const params = f.params.map((p) =>
    isPyArrayType(p.type) ? `${memoryview(p.type, !f.arrays[p.slot]!.written)} v_${p.name} not None` : `${cType(p.type)} v_${p.name}`,
  );
  const call = `f_${f.name}(${f.params.map((p) => `v_${p.name}`).join(', ')})`;
  return [`def ${f.name}(${params.join(', ')}):`, `    ${f.result === 'none' ? `${call}\n    return None` : `return ${call}`}`].join('\n');
}

/** The .pyx of the kernel module. */
export function emitCythonModule(kernel: PythonKernel): string {
  return emitPyx(kernelOrigin(kernel), kernel.ir.functions, [entryFunction(kernel.ir)]);
}

/** One .pyx holding several kernels (their function names must differ), each entry exported: tests build it once. */
export function emitCythonBatch(kernels: PythonKernel[]): string {
  return emitPyx(
    `from ${kernels.length} kernels`,
    kernels.flatMap((k) => k.ir.functions),
    kernels.map((k) => entryFunction(k.ir)),
  );
}

function emitPyx(origin: string, functions: PyFunction[], entries: PyFunction[]): string {
  const head = [
    `# cython: ${CYTHON_DIRECTIVES.join(', ')}`,
    '# distutils: language = c++',
    `# distutils: extra_compile_args = ${CYTHON_COMPILE_ARGS.join(' ')}`,
    `# Generated by Perf Lab ${origin}: compiled by Cython.`,
    '# Checked operations raise where Python would answer differently; the wrapper then runs the original.',
    'from libc.stdint cimport int64_t, uint64_t',
    '',
    cythonRuntimeDeclarations(CYTHON_RUNTIME_HEADER),
    '',
  ];
  // Cython resolves calls between module-level cdef functions in any order.
  const bodies = functions.map((f) => new CythonEmitter(f).fn());
  return `${head.join('\n')}\n${bodies.join('\n\n\n')}\n\n\n${entries.map(entryDef).join('\n\n\n')}\n`;
}

export const cythonBackend: PythonBackend = {
  target: 'cython',
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

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
import { isPyArrayType, type PyArrayType, type PyCallArg, type PyExpr, type PyFunction, type PyResult, type PyScalar, type PyStmt } from './ir';
import { cythonRuntimeDeclarations, nativeBinaryText, PY_NATIVE_RUNTIME } from './python-native-runtime';

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
  if (e.type === 'bool') return e.value ? 'True' : 'False';
  if (e.type === 'int') {
    const v = BigInt(e.value);
    return v === -(2n ** 63n) ? 'PL_MIN' : `(<int64_t>${v})`;
  }
  const x = Number(e.value);
  if (Number.isNaN(x)) return 'PL_NAN';
  if (x === Infinity) return 'PL_INF';
  if (x === -Infinity) return '(-PL_INF)';
  if (Object.is(x, -0)) return 'PL_NEG_ZERO';
  const s = String(x);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

class CythonEmitter {
  private readonly loops: number[] = [];
  private readonly temps: string[] = [];
  private tmp = 0;

  constructor(private readonly f: PyFunction) {}

  /** `cdef` functions propagate a Python exception (`except *`): a bail-out raised by a helper reaches the wrapper. */
  fn(): string {
    const f = this.f;
    const params = f.params.map((p) => (isPyArrayType(p.type) ? `${memoryview(p.type, !f.arrays[p.slot]!.written)} v_${p.name}` : `${cType(p.type)} v_${p.name}`));
    const body: string[] = [];
    this.block(f.body, 1, body);
    if (f.result === 'none') body.push('    return 0');
    const scalarParams = new Set(f.params.filter((p) => !isPyArrayType(p.type)).map((p) => p.slot));
    const decls = f.locals.map((l, i) => (scalarParams.has(i) ? '' : `    cdef ${cType(l.type)} v_${l.name} = ${l.type === 'bool' ? 'False' : '0'}`)).filter(Boolean);
    return [`cdef ${cType(f.result)} f_${f.name}(${params.join(', ')}) except *:`, ...decls, ...this.temps, ...body].join('\n');
  }

  private block(stmts: PyStmt[], d: number, out: string[]): void {
    const pad = '    '.repeat(d);
    const start = out.length;
    for (const s of stmts) {
      switch (s.kind) {
        case 'set':
          out.push(`${pad}${this.local(s.local)} = ${this.expr(s.value)}`);
          break;
        case 'store':
          out.push(`${pad}${this.element(s.array, s.indices, s.checked)} = ${this.expr(s.value)}`);
          break;
        case 'expr':
          out.push(`${pad}${this.expr(s.value)}`);
          break;
        case 'if':
          out.push(`${pad}if ${this.expr(s.cond)}:`);
          this.block(s.then, d + 1, out);
          if (s.else.length) {
            out.push(`${pad}else:`);
            this.block(s.else, d + 1, out);
          }
          break;
        case 'for': {
          // Bounds evaluated once; a C loop over the trip count; the local takes each value at the top of the body.
          const k = this.tmp++;
          this.temps.push(`    cdef int64_t s${k}`, `    cdef uint64_t n${k}, k${k}`);
          out.push(`${pad}s${k} = ${this.expr(s.start)}`);
          out.push(`${pad}n${k} = pl_trips(s${k}, ${this.expr(s.stop)}, ${s.step})`);
          out.push(`${pad}for k${k} in range(n${k}):`);
          out.push(`${pad}    ${this.local(s.local)} = <int64_t>(<uint64_t>s${k} + k${k} * <uint64_t>(<int64_t>${s.step}))`);
          this.loops.push(s.label);
          this.block(s.body, d + 1, out);
          this.loops.pop();
          break;
        }
        case 'while':
          out.push(`${pad}while ${this.expr(s.test)}:`);
          this.loops.push(s.label);
          this.block(s.body, d + 1, out);
          this.loops.pop();
          break;
        case 'break':
        case 'continue':
          if (this.loops[this.loops.length - 1] !== s.label) throw new Error(`${s.kind} to loop L${s.label}, which is not the innermost loop`);
          out.push(`${pad}${s.kind}`);
          break;
        case 'return':
          out.push(`${pad}return${s.value ? ` ${this.expr(s.value)}` : this.f.result === 'none' ? ' 0' : ''}`);
          break;
        default: {
          const never: never = s;
          throw new Error(`unknown statement ${JSON.stringify(never)}`);
        }
      }
    }
    if (out.length === start) out.push(`${pad}pass`);
  }

  /** Cython names: a prefix on every Python name, so that none clashes with a C name or a helper. */
  private local(i: number): string {
    return `v_${this.f.locals[i]!.name}`;
  }

  private array(i: number): string {
    return `v_${this.f.arrays[i]!.name}`;
  }

  private element(array: number, indices: PyExpr[], checked: boolean[]): string {
    const a = this.array(array);
    const ix = indices.map((x, k) => (checked[k] ? `pl_ix(${this.expr(x)}, ${a}.shape[${k}])` : this.expr(x)));
    return `${a}[${ix.join(', ')}]`;
  }

  private arg(a: PyCallArg): string {
    if (a.kind === 'array') return this.array(a.array);
    if (a.kind === 'row') {
      const name = this.array(a.array);
      return `${name}[${a.checked ? `pl_ix(${this.expr(a.index)}, ${name}.shape[0])` : this.expr(a.index)}]`;
    }
    return this.expr(a);
  }

  expr(e: PyExpr): string {
    switch (e.kind) {
      case 'const':
        return cythonConst(e);
      case 'local':
        return this.local(e.local);
      case 'unary':
        return this.unary(e);
      case 'binary':
        return this.binary(e);
      case 'math':
        return `pl_math_${e.fn}(${e.args.map((a) => this.expr(a)).join(', ')})`;
      case 'cond':
        return `(${this.expr(e.then)} if ${this.expr(e.cond)} else ${this.expr(e.else)})`;
      case 'load':
        return this.element(e.array, e.indices, e.checked);
      case 'dim':
        return `(<int64_t>${this.array(e.array)}.shape[${e.axis}])`;
      case 'call':
        return `f_${e.fn}(${e.args.map((a) => this.arg(a)).join(', ')})`;
      default: {
        const never: never = e;
        throw new Error(`unknown expression ${JSON.stringify(never)}`);
      }
    }
  }

  private unary(e: Extract<PyExpr, { kind: 'unary' }>): string {
    const a = this.expr(e.arg);
    switch (e.op) {
      case 'int.neg':
        return e.checked ? `pl_neg(${a})` : `(-${a})`;
      case 'int.abs':
        // abs(-2**63) is the one int abs that leaves int64; the check costs a compare.
        return `pl_abs(${a})`;
      case 'int.invert':
        return `(~${a})`;
      case 'float.neg':
        return `(-${a})`;
      case 'float.abs':
        return `pl_math_fabs(${a})`;
      case 'float.from_int':
        return `(<double>${a})`;
      case 'float.from_int_exact':
        return e.checked ? `pl_exact_float(${a})` : `(<double>${a})`;
      case 'int.from_float':
        return `pl_int(${a})`;
      case 'int.floor':
        return `pl_floor(${a})`;
      case 'int.ceil':
        return `pl_ceil(${a})`;
      case 'int.from_bool':
        return `(<int64_t>${a})`;
      case 'float.from_bool':
        return `(1.0 if ${a} else 0.0)`;
      case 'bool.from_int':
        return `(${a} != 0)`;
      case 'bool.from_float':
        return `(${a} != 0.0)`;
      case 'bool.not':
        return `(not ${a})`;
      case 'bool.isnan':
        return `pl_isnan(${a})`;
      case 'bool.isinf':
        return `pl_isinf(${a})`;
      case 'bool.isfinite':
        return `pl_isfinite(${a})`;
      default: {
        const never: never = e.op;
        throw new Error(`unknown unary ${String(never)}`);
      }
    }
  }

  private binary(e: Extract<PyExpr, { kind: 'binary' }>): string {
    return nativeBinaryText(e.op, e.checked, this.expr(e.left), this.expr(e.right));
  }
}

/** The Python-callable entry: typed arguments (Cython converts them), the cdef kernel, its result. */
function entryDef(f: PyFunction): string {
  const params = f.params.map((p) => (isPyArrayType(p.type) ? `${memoryview(p.type, !f.arrays[p.slot]!.written)} v_${p.name} not None` : `${cType(p.type)} v_${p.name}`));
  const call = `f_${f.name}(${f.params.map((p) => `v_${p.name}`).join(', ')})`;
  return [`def ${f.name}(${params.join(', ')}):`, `    ${f.result === 'none' ? `${call}\n    return None` : `return ${call}`}`].join('\n');
}

/** The .pyx of the kernel module. */
export function emitCythonModule(kernel: PythonKernel): string {
  const entry = kernel.ir.functions.find((f) => f.name === kernel.ir.entry)!;
  return emitPyx(`from ${kernel.fileName}, function ${kernel.name} (line ${kernel.line})`, kernel.ir.functions, [entry]);
}

/** One .pyx holding several kernels (their function names must differ), each entry exported: tests build it once. */
export function emitCythonBatch(kernels: PythonKernel[]): string {
  return emitPyx(`from ${kernels.length} kernels`, kernels.flatMap((k) => k.ir.functions), kernels.map((k) => k.ir.functions.find((f) => f.name === k.ir.entry)!));
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
    return buildCython({ python: ctx.python, dir: ctx.dir, source, module: ctx.kernelModule, ...(ctx.signal ? { signal: ctx.signal } : {}), ...(ctx.progress ? { progress: ctx.progress } : {}) });
  },
};

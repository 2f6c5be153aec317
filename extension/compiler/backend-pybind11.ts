// pybind11 backend: the Python IR → one C++ file, a pybind11 extension module with one function per IR function
// (the entry exported to Python), built by native/build-pybind11.ts with the chosen interpreter's headers.
//
// Python's semantics are kept exactly: ints are int64_t and every operation the IR marks `checked` goes through a
// helper that throws `Bail` where Python's answer would differ (overflow, a zero divisor, an index out of range, a
// math domain or range error); pybind11 turns it into a Python exception and the shared wrapper runs the original.
// Floor division and modulo follow Python's signs (CPython's own float algorithm for floats), `**` is done by
// squaring with checked products, and the flags forbid contracting a*b+c into an FMA, so floats match CPython bit for
// bit. Arrays arrive as C-contiguous float64/int64 NumPy arrays (the wrapper converts lists once); the kernel runs
// with the GIL released.
//
// The file also carries cppimport's header and configuration block, so `cppimport.imp("<module>")` builds it too.
import type { EmittedKernel, PythonBackend, PythonKernel } from './compile-python';
import { entryFunction } from './compile-python';
import { nativeBinaryText, PY_NATIVE_RUNTIME } from './python-native-runtime';
import { isPyArrayType, type PyArrayType, type PyCallArg, type PyExpr, type PyFunction, type PyResult, type PyScalar, type PyStmt } from './ir';

/** Compiler flags: optimised, no FMA contraction (CPython rounds every operation), C++17 for pybind11. */
export const PYBIND11_FLAGS = ['-O3', '-ffp-contract=off', '-std=c++17', '-fvisibility=hidden'];



function cType(t: PyScalar | PyResult): string {
  return t === 'int' ? 'int64_t' : t === 'float' ? 'double' : t === 'bool' ? 'bool' : 'void';
}

function elemType(t: PyArrayType): string {
  return t.element === 'float' ? 'double' : 'int64_t';
}

function viewType(t: PyArrayType): string {
  return `${t.ndim === 2 ? 'Arr2' : 'Arr1'}<${elemType(t)}>`;
}

/** A constant as a C++ literal of the same value and type. */
export function cppConst(e: Extract<PyExpr, { kind: 'const' }>): string {
  if (e.type === 'bool') return e.value ? 'true' : 'false';
  if (e.type === 'int') {
    const v = BigInt(e.value);
    return v === -(2n ** 63n) ? 'PL_MIN' : `INT64_C(${v})`;
  }
  const x = Number(e.value);
  if (Number.isNaN(x)) return 'std::numeric_limits<double>::quiet_NaN()';
  if (x === Infinity) return 'std::numeric_limits<double>::infinity()';
  if (x === -Infinity) return '(-std::numeric_limits<double>::infinity())';
  if (Object.is(x, -0)) return '(-0.0)';
  const s = String(x);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

class CppEmitter {
  private readonly loops: number[] = [];
  private tmp = 0;

  constructor(private readonly f: PyFunction) {}

  signature(): string {
    const params = this.f.params.map((p) => `${isPyArrayType(p.type) ? viewType(p.type) : cType(p.type)} v_${p.name}`);
    return `${cType(this.f.result)} f_${this.f.name}(${params.join(', ')})`;
  }

  fn(): string {
    const f = this.f;
    const out = [`${this.signature()} {`];
    const params = new Set(f.params.filter((p) => !isPyArrayType(p.type)).map((p) => p.slot));
    for (const [i, l] of f.locals.entries()) {
      // Zero-initialised (the frontend proved each read comes after a write); a local never read would warn.
      if (!params.has(i)) out.push(`  ${cType(l.type)} v_${l.name} = ${l.type === 'bool' ? 'false' : '0'};`, `  (void)v_${l.name};`);
    }
    this.block(f.body, 1, out);
    out.push('}');
    return out.join('\n');
  }

  private block(stmts: PyStmt[], d: number, out: string[]): void {
    const pad = '  '.repeat(d);
    for (const s of stmts) {
      switch (s.kind) {
        case 'set':
          out.push(`${pad}${this.local(s.local)} = ${this.expr(s.value)};`);
          break;
        case 'store':
          out.push(`${pad}${this.element(s.array, s.indices, s.checked)} = ${this.expr(s.value)};`);
          break;
        case 'expr':
          out.push(`${pad}(void)(${this.expr(s.value)});`);
          break;
        case 'if':
          out.push(`${pad}if (${this.expr(s.cond)}) {`);
          this.block(s.then, d + 1, out);
          if (s.else.length) {
            out.push(`${pad}} else {`);
            this.block(s.else, d + 1, out);
          }
          out.push(`${pad}}`);
          break;
        case 'for': {
          // Bounds evaluated once; the local takes each value at the top of the body (the body may change it).
          const k = this.tmp++;
          out.push(`${pad}{`);
          out.push(`${pad}  const int64_t s${k} = ${this.expr(s.start)};`);
          out.push(`${pad}  const uint64_t n${k} = pl_trips(s${k}, ${this.expr(s.stop)}, INT64_C(${s.step}));`);
          out.push(`${pad}  for (uint64_t k${k} = 0; k${k} < n${k}; ++k${k}) {`);
          out.push(`${pad}    ${this.local(s.local)} = (int64_t)((uint64_t)s${k} + k${k} * (uint64_t)INT64_C(${s.step}));`);
          this.loops.push(s.label);
          this.block(s.body, d + 2, out);
          this.loops.pop();
          out.push(`${pad}  }`);
          out.push(`${pad}}`);
          break;
        }
        case 'while':
          out.push(`${pad}while (${this.expr(s.test)}) {`);
          this.loops.push(s.label);
          this.block(s.body, d + 1, out);
          this.loops.pop();
          out.push(`${pad}}`);
          break;
        case 'break':
        case 'continue':
          if (this.loops[this.loops.length - 1] !== s.label) throw new Error(`${s.kind} to loop L${s.label}, which is not the innermost loop`);
          out.push(`${pad}${s.kind};`);
          break;
        case 'return':
          out.push(`${pad}return${s.value ? ` ${this.expr(s.value)}` : ''};`);
          break;
        default: {
          const never: never = s;
          throw new Error(`unknown statement ${JSON.stringify(never)}`);
        }
      }
    }
  }

  /** C++ names: every Python name gets a prefix, so that none can be a C++ keyword or clash with the helpers. */
  private local(i: number): string {
    return `v_${this.f.locals[i]!.name}`;
  }

  private array(i: number): string {
    return `v_${this.f.arrays[i]!.name}`;
  }

  private element(array: number, indices: PyExpr[], checked: boolean[]): string {
    const a = this.array(array);
    const ix = indices.map((x, k) => (checked[k] ? `pl_ix(${this.expr(x)}, ${a}.n${k})` : `(${this.expr(x)})`));
    return this.f.arrays[array]!.type.ndim === 2 ? `${a}.p[${ix[0]} * ${a}.n1 + ${ix[1]}]` : `${a}.p[${ix[0]}]`;
  }

  private arg(a: PyCallArg): string {
    if (a.kind === 'array') return this.array(a.array);
    if (a.kind === 'row') {
      const name = this.array(a.array);
      const i = a.checked ? `pl_ix(${this.expr(a.index)}, ${name}.n0)` : `(${this.expr(a.index)})`;
      return `${viewType({ ...this.f.arrays[a.array]!.type, ndim: 1 })}{${name}.p + ${i} * ${name}.n1, ${name}.n1}`;
    }
    return this.expr(a);
  }

  expr(e: PyExpr): string {
    switch (e.kind) {
      case 'const':
        return cppConst(e);
      case 'local':
        return this.local(e.local);
      case 'unary':
        return this.unary(e);
      case 'binary':
        return this.binary(e);
      case 'math':
        return `pl_math_${e.fn}(${e.args.map((a) => this.expr(a)).join(', ')})`;
      case 'cond':
        return `(${this.expr(e.cond)} ? ${this.expr(e.then)} : ${this.expr(e.else)})`;
      case 'load':
        return this.element(e.array, e.indices, e.checked);
      case 'dim':
        return `${this.array(e.array)}.n${e.axis}`;
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
        return e.checked ? `pl_abs(${a})` : `std::llabs(${a})`;
      case 'int.invert':
        return `(~${a})`;
      case 'float.neg':
        return `(-${a})`;
      case 'float.abs':
        return `std::fabs(${a})`;
      case 'float.from_int':
        return `((double)${a})`;
      case 'float.from_int_exact':
        return e.checked ? `pl_exact_float(${a})` : `((double)${a})`;
      case 'int.from_float':
        return `pl_int(${a})`;
      case 'int.floor':
        return `pl_floor(${a})`;
      case 'int.ceil':
        return `pl_ceil(${a})`;
      case 'int.from_bool':
        return `((int64_t)${a})`;
      case 'float.from_bool':
        return `(${a} ? 1.0 : 0.0)`;
      case 'bool.from_int':
        return `(${a} != 0)`;
      case 'bool.from_float':
        return `(${a} != 0.0)`;
      case 'bool.not':
        return `(!${a})`;
      case 'bool.isnan':
        return `std::isnan(${a})`;
      case 'bool.isinf':
        return `std::isinf(${a})`;
      case 'bool.isfinite':
        return `std::isfinite(${a})`;
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

/** The Python-facing function: NumPy arrays in, views out, the kernel called without the GIL. */
function binding(f: PyFunction): string {
  const params: string[] = [];
  const setup: string[] = [];
  const args: string[] = [];
  for (const p of f.params) {
    if (!isPyArrayType(p.type)) {
      params.push(`${cType(p.type)} v_${p.name}`);
      args.push(`v_${p.name}`);
      continue;
    }
    const t = p.type;
    const written = f.arrays[p.slot]!.written;
    const el = elemType(t);
    const a = `a_${p.name}`;
    params.push(`py::array_t<${el}, py::array::c_style> ${a}`);
    setup.push(`    if (${a}.ndim() != ${t.ndim}) throw Bail("${p.name} is not ${t.ndim}-D");`);
    // Arrays the kernel only reads may be read-only NumPy arrays; only written ones need mutable data.
    const ptr = written ? `${a}.mutable_data()` : `const_cast<${el} *>(${a}.data())`;
    setup.push(
      t.ndim === 2
        ? `    const ${viewType(t)} v_${p.name}{${ptr}, (int64_t)${a}.shape(0), (int64_t)${a}.shape(1)};`
        : `    const ${viewType(t)} v_${p.name}{${ptr}, (int64_t)${a}.shape(0)};`,
    );
    args.push(`v_${p.name}`);
  }
  const call = `f_${f.name}(${args.join(', ')})`;
  const body =
    f.result === 'none'
      ? [`    {`, `      py::gil_scoped_release nogil;`, `      ${call};`, `    }`, `    return py::none();`]
      : [`    ${cType(f.result)} r;`, `    {`, `      py::gil_scoped_release nogil;`, `      r = ${call};`, `    }`, `    return r;`];
  return [`  m.def("${f.name}", [](${params.join(', ')}) {`, ...setup, ...body, `  });`].join('\n');
}

/** The C++ source of the kernel module `kernelModule`. */
export function emitPybind11Module(kernel: PythonKernel, kernelModule: string): string {
  return emitModule(`from ${kernel.fileName}, function ${kernel.name} (line ${kernel.line})`, kernel.ir.functions, [entryFunction(kernel.ir)], kernelModule);
}

/** One module holding several kernels (their function names must differ), each entry bound: tests build it once. */
export function emitPybind11Batch(kernels: PythonKernel[], moduleName: string): string {
  return emitModule(`from ${kernels.length} kernels`, kernels.flatMap((k) => k.ir.functions), kernels.map((k) => entryFunction(k.ir)), moduleName);
}

function emitModule(origin: string, functions: PyFunction[], entries: PyFunction[], moduleName: string): string {
  const emitters = functions.map((f) => new CppEmitter(f));
  const header = [
    '// cppimport',
    `// Generated by Perf Lab ${origin}: C++ through pybind11.`,
    '// Checked operations throw Bail where Python would answer differently; the wrapper then runs the original.',
  ].join('\n');
  const out = [header, '#include <pybind11/pybind11.h>', '#include <pybind11/numpy.h>', PY_NATIVE_RUNTIME, 'namespace py = pybind11;', '', 'namespace {', ''];
  // Declarations first: the functions may call each other in any order.
  out.push(...emitters.map((e) => `${e.signature()};`), '');
  out.push(emitters.map((e) => e.fn()).join('\n\n'));
  out.push('', '}  // namespace', '', `PYBIND11_MODULE(${moduleName}, m) {`, `  py::register_exception<Bail>(m, "Bail");`, ...entries.map(binding), '}', '');
  out.push('/*', '<%', 'setup_pybind11(cfg)', `cfg['extra_compile_args'] = ${JSON.stringify(PYBIND11_FLAGS.filter((f) => f !== '-fvisibility=hidden'))}`, '%>', '*/', '');
  return out.join('\n');
}

export const pybind11Backend: PythonBackend = {
  target: 'pybind11',
  requires: [
    { module: 'numpy', pip: 'numpy' },
    { module: 'pybind11', pip: 'pybind11' },
  ],
  emit(kernel: PythonKernel, kernelModule: string): EmittedKernel {
    return { files: { [`${kernelModule}.cpp`]: emitPybind11Module(kernel, kernelModule) }, flags: [...PYBIND11_FLAGS, 'GIL released'] };
  },
  async build(ctx, emitted) {
    const { buildPybind11 } = await import('../../native/build-pybind11');
    const source = Object.keys(emitted.files).find((n) => n.endsWith('.cpp'))!;
    return buildPybind11({ python: ctx.python, dir: ctx.dir, source, module: ctx.kernelModule, flags: PYBIND11_FLAGS, ...(ctx.signal ? { signal: ctx.signal } : {}), ...(ctx.progress ? { progress: ctx.progress } : {}) });
  },
};

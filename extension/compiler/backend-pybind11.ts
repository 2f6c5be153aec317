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
import { entryFunction, listsWithoutNumpy } from './compile-python';
import { isPyArrayType, type PyArrayType, type PyExpr, type PyFunction, type PyResult, type PyScalar, type PyStmt } from './ir-py';
import { C_BLOCKS, constSource, kernelOrigin, PyFunctionEmitter, type Dialect } from './python-emit';
import { PY_NATIVE_RUNTIME } from './python-native-runtime';

/** Compiler flags: optimised, no FMA contraction (CPython rounds every operation), C++17 for pybind11. */
export const PYBIND11_FLAGS = ['-O3', '-ffp-contract=off', '-std=c++17', '-fvisibility=hidden'];

function cType(t: PyScalar | PyResult): string {
  if (isPyArrayType(t)) return `Owned<${elemType(t)}>`;
  return t === 'int' ? 'int64_t' : t === 'float' ? 'double' : t === 'bool' ? 'bool' : 'void';
}

/** A bool element is one byte, 0 or 1, as NumPy stores it. */
function elemType(t: PyArrayType): string {
  return t.element === 'float' ? 'double' : t.element === 'int' ? 'int64_t' : 'uint8_t';
}

function viewType(t: PyArrayType): string {
  return `Arr${t.ndim}<${elemType(t)}>`;
}

/** A constant as a C++ literal of the same value and type. */
export function cppConst(e: Extract<PyExpr, { kind: 'const' }>): string {
  return constSource(e, {
    true: 'true',
    false: 'false',
    int: (v) => (BigInt(v) === -(2n ** 63n) ? 'PL_MIN' : `INT64_C(${BigInt(v)})`),
    nan: 'std::numeric_limits<double>::quiet_NaN()',
    inf: 'std::numeric_limits<double>::infinity()',
    negZero: '(-0.0)',
  });
}

/** C++ names: every Python name gets a prefix, so that none can be a C++ keyword or clash with the helpers. */
const CPP: Dialect = {
  blocks: C_BLOCKS,
  names: 'v_',
  functions: 'f_',
  helpers: '',
  constant: cppConst,
  cond: (c, t, e) => `(${c} ? ${t} : ${e})`,
  math: (fn, args) => `pl_math_${fn}(${args.join(', ')})`,
  toFloat: (a) => `((double)${a})`,
  toInt: (a) => `((int64_t)${a})`,
  intAbs: (a, checked) => (checked ? `pl_abs(${a})` : `std::llabs(${a})`),
  floatAbs: (a) => `std::fabs(${a})`,
  not: (a) => `(!${a})`,
  classify: (fn, a) => `std::${fn}(${a})`,
  dim: (a, axis) => `${a}.n${axis}`,
};

class CppEmitter extends PyFunctionEmitter {
  constructor(f: PyFunction) {
    super(f, CPP);
  }

  signature(): string {
    const params = this.f.params.map((p) => `${isPyArrayType(p.type) ? viewType(p.type) : cType(p.type)} v_${p.name}`);
    return `${cType(this.f.result)} f_${this.f.name}(${params.join(', ')})`;
  }

  fn(): string {
    const f = this.f;
    const out = [`${this.signature()} {`];
    // Zero-initialised (the frontend proved each read comes after a write); a local never read would warn.
    for (const l of this.bodyLocals()) out.push(`  ${cType(l.type)} v_${l.name} = ${l.type === 'bool' ? 'false' : '0'};`, `  (void)v_${l.name};`);
    // A local array: its elements (b_) and the view the code indexes (v_), kept in step by pl_alloc and pl_append.
    for (const [i, a] of f.arrays.entries()) {
      if (!a.local) continue;
      out.push(`  std::vector<${elemType(a.type)}> b_${a.name};`, `  ${viewType(a.type)} ${this.array(i)}{nullptr, 0${a.type.ndim === 2 ? ', 0' : ''}};`);
    }
    this.block(f.body, 1, out);
    out.push('}');
    return out.join('\n');
  }

  protected allocate(s: Extract<PyStmt, { kind: 'alloc' }>, pad: string, out: string[]): void {
    const a = this.f.arrays[s.array]!;
    out.push(`${pad}pl_alloc(b_${a.name}, ${this.array(s.array)}, ${[...s.dims, s.fill].map((x) => this.expr(x)).join(', ')});`);
  }

  protected appendTo(s: Extract<PyStmt, { kind: 'append' }>, _d: number, pad: string, out: string[]): void {
    out.push(`${pad}pl_append(b_${this.f.arrays[s.array]!.name}, ${this.array(s.array)}, ${this.expr(s.value)});`);
  }

  protected bailOut(reason: string): string {
    return `throw Bail(${JSON.stringify(reason)})`;
  }

  /** The elements move out with the shape; the binding copies them into a NumPy array once it holds the GIL. */
  protected arrayResult(array: number): string {
    const a = this.f.arrays[array]!;
    const v = this.array(array);
    return `${cType(a.type)}{std::move(b_${a.name}), ${v}.n0, ${a.type.ndim === 2 ? `${v}.n1` : '1'}}`;
  }

  /** Vectors swap their buffers, so each view still points into its own vector after the views are swapped too. */
  protected override swap(a: number, b: number, pad: string, out: string[]): void {
    const [x, y] = [this.f.arrays[a]!, this.f.arrays[b]!];
    if (x.local) out.push(`${pad}std::swap(b_${x.name}, b_${y.name});`);
    out.push(`${pad}std::swap(${this.array(a)}, ${this.array(b)});`);
  }

  /** The view's dimensions are the array's, a growing list's included. */
  protected override dimText(array: number, axis: number): string {
    return `${this.array(array)}.n${axis}`;
  }

  protected override arrayArg(array: number): string {
    return this.array(array);
  }

  /** Bounds evaluated once; the local takes each value at the top of the body (the body may change it). */
  protected forLoop(s: Extract<PyStmt, { kind: 'for' }>, d: number, pad: string, out: string[]): void {
    const k = this.tmp++;
    out.push(`${pad}{`);
    out.push(`${pad}  const int64_t s${k} = ${this.expr(s.start)};`);
    let step: string;
    if (typeof s.step === 'bigint') {
      step = `INT64_C(${s.step})`;
      out.push(`${pad}  const uint64_t n${k} = pl_trips(s${k}, ${this.expr(s.stop)}, ${step});`);
    } else {
      // start, stop, then the step (0 bails out), in Python's order.
      out.push(`${pad}  const int64_t e${k} = ${this.expr(s.stop)};`, `${pad}  const int64_t t${k} = pl_step(${this.expr(s.step)});`);
      out.push(`${pad}  const uint64_t n${k} = pl_trips(s${k}, e${k}, t${k});`);
      step = `t${k}`;
    }
    out.push(`${pad}  for (uint64_t k${k} = 0; k${k} < n${k}; ++k${k}) {`);
    out.push(`${pad}    ${this.local(s.local)} = (int64_t)((uint64_t)s${k} + k${k} * (uint64_t)${step});`);
    this.loopBody(s.label, s.body, d + 2, out);
    out.push(`${pad}  }`);
    out.push(`${pad}}`);
  }

  /** Arrays are flat views: a 2-D element is `p[i * n1 + j]`, a 3-D one `p[(i * n1 + j) * n2 + k]`. */
  protected override element(array: number, indices: PyExpr[], checked: boolean[]): string {
    const a = this.array(array);
    const ix = indices.map((x, k) => (checked[k] ? this.checkedIndex(this.expr(x), `${a}.n${k}`) : `(${this.expr(x)})`));
    return `${a}.p[${ix.reduce((flat, i, k) => `${k > 1 ? `(${flat})` : flat} * ${a}.n${k} + ${i}`)}]`;
  }

  protected override row(array: number, index: PyExpr, checked: boolean): string {
    const name = this.array(array);
    const i = checked ? this.checkedIndex(this.expr(index), `${name}.n0`) : `(${this.expr(index)})`;
    return `${viewType({ ...this.f.arrays[array]!.type, ndim: 1 })}{${name}.p + ${i} * ${name}.n1, ${name}.n1}`;
  }
}

/**
 * The Python-facing function: NumPy arrays in, views out, the kernel called without the GIL. `lists`: the kernel's
 * lists cross without NumPy (listsWithoutNumpy): each comes in as a buffer (`array.array`), and a list result goes
 * out as a list of Python numbers.
 */
function binding(f: PyFunction, lists: boolean): string {
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
    if (lists) {
      // The buffer is held (and the array.array cannot be resized) until the binding returns.
      params.push(`py::buffer ${a}`);
      setup.push(`    const py::buffer_info b_${p.name} = ${a}.request(${written ? 'true' : 'false'});`);
      const dims = Array.from({ length: t.ndim }, (_, k) => `(int64_t)b_${p.name}.shape[${k}]`);
      setup.push(`    const ${viewType(t)} v_${p.name}{pl_buffer<${el}>(b_${p.name}, ${t.ndim}, "${p.name}"), ${dims.join(', ')}};`);
      args.push(`v_${p.name}`);
      continue;
    }
    params.push(`py::array_t<${el}, py::array::c_style> ${a}`);
    setup.push(`    if (${a}.ndim() != ${t.ndim}) throw Bail("${p.name} is not ${t.ndim}-D");`);
    // Arrays the kernel only reads may be read-only NumPy arrays; only written ones need mutable data.
    const ptr = written ? `${a}.mutable_data()` : `const_cast<${el} *>(${a}.data())`;
    const shape = Array.from({ length: t.ndim }, (_, k) => `(int64_t)${a}.shape(${k})`);
    setup.push(`    const ${viewType(t)} v_${p.name}{${ptr}, ${shape.join(', ')}};`);
    args.push(`v_${p.name}`);
  }
  const call = `f_${f.name}(${args.join(', ')})`;
  const element = isPyArrayType(f.result) && f.result.element === 'bool' ? 'bool' : isPyArrayType(f.result) ? elemType(f.result) : '';
  const result = !isPyArrayType(f.result) ? 'r' : lists ? `pl_list<${element}>(r)` : `pl_numpy<${element}>(r, ${f.result.ndim})`;
  const body =
    f.result === 'none'
      ? [`    {`, `      py::gil_scoped_release nogil;`, `      ${call};`, `    }`, `    return py::none();`]
      : [`    ${cType(f.result)} r;`, `    {`, `      py::gil_scoped_release nogil;`, `      r = ${call};`, `    }`, `    return ${result};`];
  return [`  m.def("${f.name}", [](${params.join(', ')}) {`, ...setup, ...body, `  });`].join('\n');
}

/** The C++ source of the kernel module `kernelModule`. */
export function emitPybind11Module(kernel: PythonKernel, kernelModule: string): string {
  return emitModule(kernelOrigin(kernel), [kernel], kernelModule);
}

/** One module holding several kernels (their function names must differ), each entry bound: tests build it once. */
export function emitPybind11Batch(kernels: PythonKernel[], moduleName: string): string {
  return emitModule(`from ${kernels.length} kernels`, kernels, moduleName);
}

/** An array a kernel returned, copied into a new NumPy array of the element type R (bytes 0 / 1 become NumPy bools). */
const PL_NUMPY = [
  'template <typename R, typename T> py::array pl_numpy(const Owned<T> &r, int ndim) {',
  '  std::vector<py::ssize_t> shape{(py::ssize_t)r.n0};',
  '  if (ndim == 2) shape.push_back((py::ssize_t)r.n1);',
  '  py::array_t<R> a(shape);',
  '  static_assert(sizeof(R) == sizeof(T), "same element size");',
  '  if (!r.data.empty()) std::memcpy(a.mutable_data(), r.data.data(), r.data.size() * sizeof(T));',
  '  return std::move(a);',
  '}',
].join('\n');

/**
 * The elements of a buffer the wrapper passed (an `array.array` of the element type, 'd' for double and 'q' for
 * int64, or a memoryview of one shaped (rows, columns)), where they are; a buffer of another type, rank or layout
 * (not C order) bails out.
 */
const PL_BUFFER = [
  'template <typename T> T *pl_buffer(const py::buffer_info &b, int ndim, const char *name) {',
  '  const std::string f = b.format;',
  '  bool ok = b.ndim == ndim && b.itemsize == (py::ssize_t)sizeof(T) &&',
  '            (std::is_floating_point<T>::value ? f == "d" : (f == "q" || (f == "l" && sizeof(long) == 8)));',
  '  py::ssize_t step = (py::ssize_t)sizeof(T);',
  '  for (int k = ndim - 1; ok && k >= 0; --k) {',
  '    if (b.shape[k] > 1 && b.strides[k] != step) ok = false;',
  '    step *= b.shape[k];',
  '  }',
  '  if (!ok) throw Bail(std::string(name) + " is not a buffer of the kernel\'s elements in C order");',
  '  return static_cast<T *>(b.ptr);',
  '}',
].join('\n');

/** A 1-D array a kernel returned, as a list of Python numbers of the type R (bytes 0 / 1 become bools). */
const PL_LIST = [
  'inline PyObject *pl_box(double x) { return PyFloat_FromDouble(x); }',
  'inline PyObject *pl_box(int64_t x) { return PyLong_FromLongLong((long long)x); }',
  'inline PyObject *pl_box(bool x) { return PyBool_FromLong(x ? 1 : 0); }',
  'template <typename R, typename T> py::list pl_list(const Owned<T> &r) {',
  '  py::list out((size_t)r.n0);',
  '  for (int64_t i = 0; i < r.n0; ++i) {',
  '    PyObject *x = pl_box((R)r.data[(size_t)i]);',
  '    if (!x) throw py::error_already_set();',
  '    PyList_SET_ITEM(out.ptr(), (Py_ssize_t)i, x);',
  '  }',
  '  return out;',
  '}',
].join('\n');

function emitModule(origin: string, kernels: PythonKernel[], moduleName: string): string {
  const functions = kernels.flatMap((k) => k.ir.functions);
  const entries = kernels.map((k) => ({ f: entryFunction(k.ir), lists: listsWithoutNumpy(k.ir, 'pybind11') }));
  const emitters = functions.map((f) => new CppEmitter(f));
  const header = [
    '// cppimport',
    `// Generated by Perf Lab ${origin}: C++ through pybind11.`,
    '// Checked operations throw Bail where Python would answer differently; the wrapper then runs the original.',
  ].join('\n');
  // NumPy's header only where an entry takes or gives NumPy arrays: pybind11 imports NumPy when one crosses.
  const numpy = entries.some((e) => !e.lists);
  const returnsArray = numpy && functions.some((f) => isPyArrayType(f.result));
  const returnsList = entries.some((e) => e.lists && isPyArrayType(e.f.result));
  const buffers = entries.some((e) => e.lists && e.f.params.some((p) => isPyArrayType(p.type)));
  const out = [
    header,
    '#include <pybind11/pybind11.h>',
    ...(numpy ? ['#include <pybind11/numpy.h>'] : []),
    ...(returnsArray ? ['#include <cstring>'] : []),
    ...(buffers ? ['#include <string>', '#include <type_traits>'] : []),
  ];
  out.push(PY_NATIVE_RUNTIME, 'namespace py = pybind11;', '', 'namespace {', '');
  if (returnsArray) out.push(PL_NUMPY, '');
  if (buffers) out.push(PL_BUFFER, '');
  if (returnsList) out.push(PL_LIST, '');
  // Declarations first: the functions may call each other in any order.
  out.push(...emitters.map((e) => `${e.signature()};`), '');
  out.push(emitters.map((e) => e.fn()).join('\n\n'));
  out.push(
    '',
    '}  // namespace',
    '',
    `PYBIND11_MODULE(${moduleName}, m) {`,
    `  py::register_exception<Bail>(m, "Bail");`,
    ...entries.map((e) => binding(e.f, e.lists)),
    '}',
    '',
  );
  out.push(
    '/*',
    '<%',
    'setup_pybind11(cfg)',
    `cfg['extra_compile_args'] = ${JSON.stringify(PYBIND11_FLAGS.filter((f) => f !== '-fvisibility=hidden'))}`,
    '%>',
    '*/',
    '',
  );
  return out.join('\n');
}

export const pybind11Backend: PythonBackend = {
  target: 'pybind11',
  listBuffers: true,
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
    return buildPybind11({
      python: ctx.python,
      dir: ctx.dir,
      source,
      module: ctx.kernelModule,
      flags: PYBIND11_FLAGS,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(ctx.progress ? { progress: ctx.progress } : {}),
    });
  },
};

// The Python IR: what the Python frontend (frontend-py.ts) lowers to and the Python backends (Numba, Cython,
// pybind11) read. It has the statement shapes of the JavaScript IR (ir.ts: structured control flow, locals by index,
// arrays by slot) with Python's number semantics, and is a module of its own: the two share no type, so a JavaScript
// backend can never receive a Python kernel and needs no refusal for one. A Python `int` is unbounded; the IR holds
// it in 64 bits, and every operation that could leave that range (or that Python answers with an exception: a zero
// divisor, a math domain error, an index out of range) is marked `checked`: the compiled code then bails out and the
// wrapper runs the original function on the untouched arguments, which gives Python's own answer. An operation is
// unchecked only where the frontend proved the machine's result equal to Python's.

/** Python scalars as the kernel holds them: `int` in 64 bits (bails out beyond), `float` a double, `bool`. */
export type PyScalar = 'int' | 'float' | 'bool';
/** What a function returns: a scalar, nothing, or (the entry only) a list or NumPy array it built. */
export type PyResult = PyScalar | 'none' | PyArrayType;

/**
 * An array parameter: a NumPy array (float64 or int64 elements, 1-D to 3-D) or a list (or tuple) of Python floats /
 * ints, 1-D or 2-D (a 2-D list is a list of rows, each a list or a tuple of the same length; only NumPy arrays are 3-D). The wrapper checks every element's
 * type at each call and passes the kernel a C-contiguous NumPy array; anything else runs the original. A tuple (or
 * a row of tuples) cannot be written. A `str` is read-only too: the wrapper passes its code points (one int each, as
 * Python indexes a str), and an element read from it is a one-character string, which the frontend keeps as its code
 * point. Lists of bools exist only as arrays the function builds itself (a sieve's `[True] * n`).
 */
export interface PyArrayType {
  array: 'ndarray' | 'list' | 'tuple' | 'str';
  element: 'int' | 'float' | 'bool';
  ndim: PyRank;
  /** Rows of a 2-D list: tuples cannot be written. */
  rows?: 'list' | 'tuple';
}
export type PyValueType = PyScalar | PyArrayType;

/** How many dimensions an array has: 3 for NumPy arrays only (see PyArrayType). */
export type PyRank = 1 | 2 | 3;
/** An axis of an array, `len(a)` being axis 0 and `a.shape[k]` axis k. */
export type PyAxis = 0 | 1 | 2;
/** The most dimensions an array parameter may have. */
export const PY_MAX_RANK = 3;

export function isPyArrayType(t: PyValueType | PyResult): t is PyArrayType {
  return typeof t === 'object';
}

/** The name of an array type as annotations, recordings and the printed IR spell it: `ndarray[float64, 2]`, `list[float]`. */
export function pyArrayTypeName(t: PyArrayType): string {
  if (t.array === 'str') return 'str';
  if (t.array === 'ndarray') return `ndarray[${t.element === 'float' ? 'float64' : 'int64'}${t.ndim > 1 ? `, ${t.ndim}` : ''}]`;
  return t.ndim === 2 ? `${t.array}[${t.rows ?? 'list'}[${t.element}]]` : `${t.array}[${t.element}]`;
}

export function pyTypeName(t: PyValueType | PyResult): string {
  return typeof t === 'object' ? pyArrayTypeName(t) : t;
}

/** Python's `math` functions of floats the IR takes (each returns a float; the backend bails out where Python raises). */
export const PY_MATH = [
  'sqrt',
  'exp',
  'expm1',
  'log',
  'log1p',
  'log2',
  'log10',
  'sin',
  'cos',
  'tan',
  'asin',
  'acos',
  'atan',
  'sinh',
  'cosh',
  'tanh',
  'asinh',
  'acosh',
  'atanh',
  'atan2',
  'hypot',
  'pow',
  'fabs',
  'copysign',
] as const;
export type PyMath = (typeof PY_MATH)[number];

export type PyUnaryOp =
  | 'int.neg'
  | 'int.abs'
  | 'int.invert' // checked: -(-2**63), abs(-2**63)
  | 'float.neg'
  | 'float.abs'
  /** float(i): round to nearest even, as Python does; never fails for 64-bit values. */
  | 'float.from_int'
  /** An int compared with a float: checked, bails out unless |i| ≤ 2**53 (where the conversion is exact). */
  | 'float.from_int_exact'
  /** int(x), math.trunc(x): toward zero; checked: bails out on NaN, ±inf and values outside int64. */
  | 'int.from_float'
  /** math.floor(x), math.ceil(x): an int; checked like int.from_float. */
  | 'int.floor'
  | 'int.ceil'
  | 'int.from_bool'
  | 'float.from_bool'
  /** Truth values: `if x`, `not x`, bool(x). */
  | 'bool.from_int'
  | 'bool.from_float'
  | 'bool.not'
  /** math.isnan, math.isinf, math.isfinite. */
  | 'bool.isnan'
  | 'bool.isinf'
  | 'bool.isfinite';

export type PyBinaryOp =
  // int × int → int; checked: the exact result outside int64 (and a zero divisor, a negative exponent or shift)
  | 'int.add'
  | 'int.sub'
  | 'int.mul'
  | 'int.floordiv'
  | 'int.mod'
  | 'int.pow'
  | 'int.shl'
  | 'int.shr'
  | 'int.and'
  | 'int.or'
  | 'int.xor'
  | 'int.min'
  | 'int.max'
  /** int / int → float, correctly rounded; checked: a zero divisor, or an operand beyond 2**53. */
  | 'int.truediv'
  // float × float → float; checked: a zero divisor (/, //, %), pow's domain errors and overflow
  | 'float.add'
  | 'float.sub'
  | 'float.mul'
  | 'float.div'
  | 'float.floordiv'
  | 'float.mod'
  | 'float.pow'
  /** min(a, b) and max(a, b) as Python computes them: `b if b < a else a` (NaN stays where Python keeps it). */
  | 'float.min'
  | 'float.max'
  // comparisons → bool; mixed int/float operands are converted first (float.from_int_exact)
  | 'int.eq'
  | 'int.ne'
  | 'int.lt'
  | 'int.le'
  | 'int.gt'
  | 'int.ge'
  | 'float.eq'
  | 'float.ne'
  | 'float.lt'
  | 'float.le'
  | 'float.gt'
  | 'float.ge'
  | 'bool.eq'
  | 'bool.ne';

export type PyExpr =
  /** Ints as bigint (exactly, within int64), floats and bools as numbers (bools 0 / 1). */
  | { kind: 'const'; type: PyScalar; value: number | bigint }
  | { kind: 'local'; type: PyScalar; local: number }
  | { kind: 'unary'; type: PyScalar; op: PyUnaryOp; arg: PyExpr; checked: boolean }
  | { kind: 'binary'; type: PyScalar; op: PyBinaryOp; left: PyExpr; right: PyExpr; checked: boolean }
  | { kind: 'math'; type: 'float'; fn: PyMath; args: PyExpr[] }
  /** Lazy choice: `x if c else y`, `and`, `or`, comparison chains. */
  | { kind: 'cond'; type: PyScalar; cond: PyExpr; then: PyExpr; else: PyExpr }
  /**
   * `a[i]`, `a[i, j]`, `a[i][j]`, `a[i, j, k]`, `a[i][j][k]`. A negative index counts from the end, as in Python; `checked[k]` is false where the
   * frontend proved 0 ≤ index < the dimension (the backend then neither wraps nor checks), true where the backend must
   * wrap a negative index and bail out on one out of range.
   */
  | { kind: 'load'; type: 'int' | 'float' | 'bool'; array: number; indices: PyExpr[]; checked: boolean[] }
  /** `len(a)` (axis 0), `a.shape[k]`. */
  | { kind: 'dim'; type: 'int'; array: number; axis: PyAxis }
  | { kind: 'call'; type: PyResult; fn: string; args: PyCallArg[] };

/** An argument of a call between kernel functions: a scalar, a whole array, or one row of a 2-D array (a view). */
export type PyCallArg = PyExpr | { kind: 'array'; array: number } | { kind: 'row'; array: number; index: PyExpr; checked: boolean };

export type PyStmt =
  | { kind: 'set'; local: number; value: PyExpr }
  | { kind: 'store'; array: number; indices: PyExpr[]; checked: boolean[]; value: PyExpr }
  | { kind: 'expr'; value: PyExpr }
  | { kind: 'if'; cond: PyExpr; then: PyStmt[]; else: PyStmt[] }
  /**
   * `for local in range(start, stop, step)`: the bounds are evaluated once, in that order; the step is a non-zero
   * constant or an int expression evaluated once after them (0 bails out: Python raises ValueError); the body may
   * assign the local without changing the iteration, and after the loop it holds the last value taken.
   */
  | { kind: 'for'; label: number; local: number; start: PyExpr; stop: PyExpr; step: bigint | PyExpr; body: PyStmt[] }
  | { kind: 'while'; label: number; test: PyExpr; body: PyStmt[] }
  | { kind: 'break'; label: number }
  | { kind: 'continue'; label: number }
  /** `return` with a scalar (or nothing), or with an array the function built (`array`, a local array's slot). */
  | { kind: 'return'; value?: PyExpr; array?: number }
  /**
   * A local array gets a new value: `dims` elements along each axis, every one `fill` (evaluated once, before). A
   * negative dimension bails out (NumPy raises; a list's `[x] * n` is lowered with max(n, 0)). Earlier contents are
   * dropped: nothing else can refer to them (local arrays are never aliased, only passed down to calls).
   */
  | { kind: 'alloc'; array: number; dims: PyExpr[]; fill: PyExpr }
  /** `a, b = b, a` of two local arrays of one type: they exchange their values, lengths included. */
  | { kind: 'swap'; a: number; b: number }
  /** `a.append(value)` on a growable local list: its length grows by one (the backend keeps length and capacity). */
  | { kind: 'append'; array: number; value: PyExpr }
  /** Bails out unconditionally (the wrapper runs the original): where Python would raise or recurse too deep. */
  | { kind: 'bail'; reason: string };

export interface PyLocal {
  name: string;
  type: PyScalar;
}

/**
 * The shape of a record in a list of records that hold lists beside numbers (n-body's `(position, velocity, mass)`
 * tuples, and pairs of them): a tuple of parts, each a list of floats, a float, or a tuple again.
 */
export type PyRecordShape = 'list' | 'float' | PyRecordShape[];

/** The record shape as its type is spelt: `tuple[list[float], list[float], float]`. */
export function pyRecordShapeName(s: PyRecordShape): string {
  return typeof s === 'string' ? (s === 'list' ? 'list[float]' : 'float') : `tuple[${s.map(pyRecordShapeName).join(', ')}]`;
}

export interface PyParam {
  name: string;
  type: PyValueType;
  /** Local index for a scalar, array index for an array. */
  slot: number;
  /**
   * The entry's argument is a NumPy scalar (numpy.float64, numpy.int64), not a Python number: the wrapper checks that
   * exact type and passes its value; the kernel keeps NumPy's rules for it.
   */
  numpy?: true;
  /** One part of a complex argument `arg` (the wrapper checks its exact type and passes `arg.real`, `arg.imag`). */
  complex?: { arg: string; part: 'real' | 'imag' };
  /**
   * Not an argument: a module-level constant the entry reads (`G = 6.674e-11`, a tuple of numbers), which the wrapper
   * reads from the module at each call and checks like an argument (another type, or the name gone, runs the original).
   */
  global?: true;
  /**
   * One of the arrays a list of records (`arg`, a list of tuples of lists of floats and floats) is passed as: `lists`,
   * for each record the row of `pool` that holds each of its lists (int, records × lists); `floats`, each record's
   * floats (records × floats); `pool` (one per kernel, after every record argument), each distinct list of every
   * record argument once, by identity, so that a list two records (or two arguments) share is one row, written once.
   * The wrapper checks each record against `shape` and copies written pool rows back into the very lists.
   */
  record?: { arg: string; part: 'lists' | 'floats'; shape: PyRecordShape } | { part: 'pool' };
  /**
   * For a method: the attribute of self this hidden parameter stands for, read from self at each call and checked as
   * an argument is; a `cell` (an int or float attribute the method assigns) is a one-element list the wrapper fills
   * from the attribute and writes back to it after a call that did not bail out (method-py.ts).
   */
  attr?: { name: string; cell?: true };
}

export interface PyArray {
  name: string;
  type: PyArrayType;
  /** The function (or one it calls) may write to it: the wrapper copies it back. */
  written: boolean;
  /** Built by the function (`[0.0] * n`, a comprehension, `np.zeros(…)`), not a parameter: `alloc` gives it its value. */
  local?: boolean;
  /** A local list the function appends to: its length (what `dim` axis 0 reads) is kept apart from its capacity. */
  growable?: boolean;
}

export interface PyFunction {
  name: string;
  params: PyParam[];
  /** Scalar locals, scalar parameters first. */
  locals: PyLocal[];
  arrays: PyArray[];
  result: PyResult;
  /**
   * The entry returns one of its array arguments itself (`return dist`): the kernel returns nothing ('none'), and the
   * wrapper returns that very object once the kernel's writes are copied back into it.
   */
  resultArg?: string;
  /** The entry returns a complex: its result is a float64 array of its two parts, which the wrapper makes a complex. */
  resultComplex?: true;
  /** The original returns a NumPy scalar (an element of an array, or arithmetic on one): the wrapper boxes it so. */
  resultNumpy?: boolean;
  body: PyStmt[];
  /** 1-based line of the `def` in the source. */
  line: number;
}

export interface PyModule {
  /** The function the module is built for; the others are the functions it calls. */
  entry: string;
  functions: PyFunction[];
}

/** Calls `onStmt` for each statement and `onExpr` for each expression below `list`, in source order (row arguments' indices included). */
export function walkPyIr(list: PyStmt[], onStmt: (s: PyStmt) => void, onExpr: (e: PyExpr) => void): void {
  const expr = (e: PyExpr): void => {
    onExpr(e);
    switch (e.kind) {
      case 'unary':
        return expr(e.arg);
      case 'binary':
        expr(e.left);
        return expr(e.right);
      case 'math':
        return e.args.forEach(expr);
      case 'cond':
        expr(e.cond);
        expr(e.then);
        return expr(e.else);
      case 'load':
        return e.indices.forEach(expr);
      case 'call':
        for (const a of e.args) {
          if (a.kind === 'row') expr(a.index);
          else if (a.kind !== 'array') expr(a);
        }
        return;
      default:
        return;
    }
  };
  for (const s of list) {
    onStmt(s);
    switch (s.kind) {
      case 'set':
      case 'expr':
        expr(s.value);
        break;
      case 'store':
        s.indices.forEach(expr);
        expr(s.value);
        break;
      case 'if':
        expr(s.cond);
        walkPyIr(s.then, onStmt, onExpr);
        walkPyIr(s.else, onStmt, onExpr);
        break;
      case 'for':
        expr(s.start);
        expr(s.stop);
        if (typeof s.step !== 'bigint') expr(s.step);
        walkPyIr(s.body, onStmt, onExpr);
        break;
      case 'while':
        expr(s.test);
        walkPyIr(s.body, onStmt, onExpr);
        break;
      case 'return':
        if (s.value) expr(s.value);
        break;
      case 'alloc':
        s.dims.forEach(expr);
        expr(s.fill);
        break;
      case 'append':
        expr(s.value);
        break;
      default:
        break;
    }
  }
}

/** Whether the compiled code can bail out anywhere (a checked operation or index, a math function, a call that can). */
export function pyMayBail(mod: PyModule): boolean {
  let bail = false;
  const stmt = (s: PyStmt): void => {
    if (s.kind === 'store' && s.checked.some(Boolean)) bail = true;
    // A negative dimension, or memory running out while allocating or growing.
    if (s.kind === 'alloc' || s.kind === 'append' || s.kind === 'bail') bail = true;
    // A step of 0.
    if (s.kind === 'for' && typeof s.step !== 'bigint') bail = true;
  };
  const expr = (e: PyExpr): void => {
    if ((e.kind === 'unary' || e.kind === 'binary') && e.checked) bail = true;
    else if (e.kind === 'math') bail = true;
    else if (e.kind === 'load' && e.checked.some(Boolean)) bail = true;
    else if (e.kind === 'call' && e.args.some((a) => a.kind === 'row' && a.checked)) bail = true;
  };
  for (const f of mod.functions) walkPyIr(f.body, stmt, expr);
  return bail;
}

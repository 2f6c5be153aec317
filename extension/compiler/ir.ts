// The typed IR every frontend lowers to and every backend reads: numeric kernels with structured control flow.
// Each operation names its exact semantics (JavaScript's where they differ from a machine's), so a backend
// never has to guess: `i32.from_f64` is ECMAScript ToInt32, `js.mod` is JavaScript's `%` on doubles.

import { walkPyIr } from './ir-walk';

/** A number as the kernel holds it: a double, or a value proven to be a signed / unsigned 32-bit integer. */
export type NumType = 'f64' | 'i32' | 'u32';
export type ScalarType = NumType | 'bool';
export type ResultType = ScalarType | 'void';

/** Array parameters: the typed-array constructors, and `Array` for a plain array of numbers. */
export const ARRAY_KINDS = [
  'Float64Array',
  'Float32Array',
  'Int32Array',
  'Uint32Array',
  'Int16Array',
  'Uint16Array',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Array',
] as const;
export type ArrayKind = (typeof ARRAY_KINDS)[number];

export interface ArrayType {
  array: ArrayKind;
}
export type ValueType = ScalarType | ArrayType;

/** Bytes per element as the array lives in linear memory (plain arrays are held as doubles). */
export function elementSize(kind: ArrayKind): number {
  switch (kind) {
    case 'Float64Array':
    case 'Array':
      return 8;
    case 'Float32Array':
    case 'Int32Array':
    case 'Uint32Array':
      return 4;
    case 'Int16Array':
    case 'Uint16Array':
      return 2;
    default:
      return 1;
  }
}

/** The type an element read produces. */
export function elementType(kind: ArrayKind): NumType {
  switch (kind) {
    case 'Float64Array':
    case 'Float32Array':
    case 'Array':
      return 'f64';
    case 'Uint32Array':
      return 'u32';
    default:
      return 'i32';
  }
}

export function isArrayType(t: ValueType): t is ArrayType {
  return typeof t === 'object';
}

/**
 * The Math and Number constants the JavaScript frontend compiles as literals; the loaders check once, when they
 * load, that the program's Math and Number still hold these values (they are read-only after).
 */
export const GLOBAL_CONSTANTS: Record<'Math' | 'Number', Readonly<Record<string, number>>> = {
  Math: {
    PI: Math.PI,
    E: Math.E,
    LN2: Math.LN2,
    LN10: Math.LN10,
    LOG2E: Math.LOG2E,
    LOG10E: Math.LOG10E,
    SQRT2: Math.SQRT2,
    SQRT1_2: Math.SQRT1_2,
  },
  Number: {
    MAX_VALUE: Number.MAX_VALUE,
    MIN_VALUE: Number.MIN_VALUE,
    EPSILON: Number.EPSILON,
    MAX_SAFE_INTEGER: Number.MAX_SAFE_INTEGER,
    MIN_SAFE_INTEGER: Number.MIN_SAFE_INTEGER,
    POSITIVE_INFINITY: Infinity,
    NEGATIVE_INFINITY: -Infinity,
    NaN: NaN,
  },
};

/** JavaScript Math functions a backend cannot reproduce bit for bit itself; they are called from the host's Math. */
export const HOST_MATH = [
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
  'cbrt',
  'pow',
  'atan2',
  'hypot',
] as const;
export type HostMath = (typeof HOST_MATH)[number];

export type UnaryOp =
  // f64 -> f64
  | 'f64.neg'
  | 'f64.abs'
  | 'f64.sqrt'
  | 'f64.floor'
  | 'f64.ceil'
  | 'f64.trunc'
  | 'js.round' // Math.round: half-way cases toward +Infinity, keeps -0
  | 'js.sign' // Math.sign
  | 'js.fround' // Math.fround: round to float32 and back
  // conversions
  | 'f64.from_i32'
  | 'f64.from_u32'
  | 'i32.from_f64' // ECMAScript ToInt32 (and ToUint32's bits)
  | 'i32.from_u32'
  | 'u32.from_i32' // same bits, other reading
  | 'u8clamp.from_f64'
  | 'u8clamp.from_i32' // ECMAScript ToUint8Clamp
  // i32 -> i32
  | 'i32.not'
  | 'i32.clz'
  // -> bool
  | 'f64.truthy'
  | 'i32.truthy'
  | 'bool.not';

export type BinaryOp =
  | 'f64.add'
  | 'f64.sub'
  | 'f64.mul'
  | 'f64.div'
  | 'f64.min'
  | 'f64.max'
  | 'js.mod' // JavaScript % on doubles (C fmod)
  | 'js.mod_i32' // JavaScript % on two int32 values, a double result (NaN, -0)
  | 'i32.add'
  | 'i32.sub'
  | 'i32.mul'
  | 'i32.and'
  | 'i32.or'
  | 'i32.xor'
  | 'i32.shl'
  | 'i32.shr_s'
  | 'i32.shr_u'
  | 'f64.eq'
  | 'f64.ne'
  | 'f64.lt'
  | 'f64.le'
  | 'f64.gt'
  | 'f64.ge'
  | 'i32.eq'
  | 'i32.ne'
  | 'i32.lt_s'
  | 'i32.le_s'
  | 'i32.gt_s'
  | 'i32.ge_s'
  | 'i32.lt_u'
  | 'i32.le_u'
  | 'i32.gt_u'
  | 'i32.ge_u';

export type Expr =
  | { kind: 'const'; type: ScalarType; value: number }
  | { kind: 'local'; type: ScalarType; local: number }
  | { kind: 'unary'; type: ScalarType; op: UnaryOp; arg: Expr }
  | { kind: 'binary'; type: ScalarType; op: BinaryOp; left: Expr; right: Expr }
  /** A host Math function: exact by construction, since the host computes it. */
  | { kind: 'math'; type: 'f64'; fn: HostMath; args: Expr[] }
  /** Lazy choice: only the taken branch is evaluated (ternaries, && and ||). */
  | { kind: 'cond'; type: ScalarType; cond: Expr; then: Expr; else: Expr }
  /** An element read; an index outside [0, length) or not an integer bails out (see Stmt 'store'). */
  | { kind: 'load'; type: NumType; array: number; index: Expr }
  | { kind: 'length'; type: 'i32'; array: number }
  | { kind: 'call'; type: ResultType; fn: string; args: CallArg[] };

export type CallArg = Expr | { kind: 'array'; array: number };

export type Stmt =
  | { kind: 'set'; local: number; value: Expr }
  /**
   * An element write. Out of range on a typed array it is ignored, as in JavaScript; on a plain array
   * (where JavaScript would grow the array) the call bails out.
   */
  | { kind: 'store'; array: number; index: Expr; value: Expr }
  | { kind: 'expr'; value: Expr }
  | { kind: 'if'; cond: Expr; then: Stmt[]; else: Stmt[] }
  /**
   * `while (test) body`, `for (; test; update) body`, `do body while (postTest)`.
   * `continue` runs `update` then `postTest`; `break` leaves the loop.
   */
  | { kind: 'loop'; label: number; test?: Expr; body: Stmt[]; update: Stmt[]; postTest?: Expr }
  | { kind: 'break'; label: number }
  | { kind: 'continue'; label: number }
  | { kind: 'return'; value?: Expr };

export interface IrLocal {
  name: string;
  type: ScalarType;
}

export interface IrParam {
  name: string;
  type: ValueType;
  /** Local index for a scalar, array index for an array. */
  slot: number;
  /** A number parameter compiled as int32; the loader checks it and calls the original otherwise. */
  guard?: 'int32';
}

export interface IrArray {
  name: string;
  kind: ArrayKind;
  /** The function (or one it calls) may write to it: the caller must copy it back. */
  written: boolean;
}

export interface IrFunction {
  name: string;
  params: IrParam[];
  /** Scalar locals, parameters first. */
  locals: IrLocal[];
  arrays: IrArray[];
  result: ResultType;
  body: Stmt[];
}

export interface IrModule {
  /** The function the module is built for; the others are the functions it calls. */
  entry: string;
  functions: IrFunction[];
  /**
   * The global bindings and properties the functions read (`Math`, `Math.exp`, `Number`), which the loaders
   * check on every call are still the built-in ones the code was compiled with.
   */
  globals?: string[];
}

// ---------------------------------------------------------------------------------------------------------------
// The Python dialect: the same statement shapes (structured control flow, locals by index, arrays by slot), with
// Python's number semantics. A Python `int` is unbounded; the IR holds it in 64 bits, and every operation that
// could leave that range (or that Python answers with an exception: a zero divisor, a math domain error, an index
// out of range) is marked `checked`: the compiled code then bails out and the wrapper runs the original function
// on the untouched arguments, which gives Python's own answer. An operation is unchecked only where the frontend
// proved the machine's result equal to Python's. The JavaScript backends never receive this dialect (its types
// are distinct), so they need no refusal for it.

/** Python scalars as the kernel holds them: `int` in 64 bits (bails out beyond), `float` a double, `bool`. */
export type PyScalar = 'int' | 'float' | 'bool';
export type PyResult = PyScalar | 'none';

/**
 * An array parameter: a NumPy array (float64 or int64 elements) or a list (or tuple) of Python floats / ints, 1-D or
 * 2-D (a 2-D list is a list of rows, each a list or a tuple of the same length). The wrapper checks every element's
 * type at each call and passes the kernel a C-contiguous NumPy array; anything else runs the original. A tuple (or
 * a row of tuples) cannot be written.
 */
export interface PyArrayType {
  array: 'ndarray' | 'list' | 'tuple';
  element: 'int' | 'float';
  ndim: 1 | 2;
  /** Rows of a 2-D list: tuples cannot be written. */
  rows?: 'list' | 'tuple';
}
export type PyValueType = PyScalar | PyArrayType;

export function isPyArrayType(t: PyValueType): t is PyArrayType {
  return typeof t === 'object';
}

/** The name of an array type as annotations, recordings and the printed IR spell it: `ndarray[float64, 2]`, `list[float]`. */
export function pyArrayTypeName(t: PyArrayType): string {
  if (t.array === 'ndarray') return `ndarray[${t.element === 'float' ? 'float64' : 'int64'}${t.ndim === 2 ? ', 2' : ''}]`;
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
   * `a[i]`, `a[i, j]`, `a[i][j]`. A negative index counts from the end, as in Python; `checked[k]` is false where the
   * frontend proved 0 ≤ index < the dimension (the backend then neither wraps nor checks), true where the backend must
   * wrap a negative index and bail out on one out of range.
   */
  | { kind: 'load'; type: 'int' | 'float'; array: number; indices: PyExpr[]; checked: boolean[] }
  /** `len(a)` (axis 0), `a.shape[k]`. */
  | { kind: 'dim'; type: 'int'; array: number; axis: 0 | 1 }
  | { kind: 'call'; type: PyResult; fn: string; args: PyCallArg[] };

/** An argument of a call between kernel functions: a scalar, a whole array, or one row of a 2-D array (a view). */
export type PyCallArg = PyExpr | { kind: 'array'; array: number } | { kind: 'row'; array: number; index: PyExpr; checked: boolean };

export type PyStmt =
  | { kind: 'set'; local: number; value: PyExpr }
  | { kind: 'store'; array: number; indices: PyExpr[]; checked: boolean[]; value: PyExpr }
  | { kind: 'expr'; value: PyExpr }
  | { kind: 'if'; cond: PyExpr; then: PyStmt[]; else: PyStmt[] }
  /**
   * `for local in range(start, stop, step)`: the bounds are evaluated once, the step is a non-zero constant; the
   * body may assign the local without changing the iteration, and after the loop it holds the last value taken.
   */
  | { kind: 'for'; label: number; local: number; start: PyExpr; stop: PyExpr; step: bigint; body: PyStmt[] }
  | { kind: 'while'; label: number; test: PyExpr; body: PyStmt[] }
  | { kind: 'break'; label: number }
  | { kind: 'continue'; label: number }
  | { kind: 'return'; value?: PyExpr };

export interface PyLocal {
  name: string;
  type: PyScalar;
}

export interface PyParam {
  name: string;
  type: PyValueType;
  /** Local index for a scalar, array index for an array. */
  slot: number;
}

export interface PyArray {
  name: string;
  type: PyArrayType;
  /** The function (or one it calls) may write to it: the wrapper copies it back. */
  written: boolean;
}

export interface PyFunction {
  name: string;
  params: PyParam[];
  /** Scalar locals, scalar parameters first. */
  locals: PyLocal[];
  arrays: PyArray[];
  result: PyResult;
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

/** Whether the compiled code can bail out anywhere (a checked operation or index, a math function, a call that can). */
export function pyMayBail(mod: PyModule): boolean {
  let bail = false;
  const stmt = (s: PyStmt): void => {
    if (s.kind === 'store' && s.checked.some(Boolean)) bail = true;
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

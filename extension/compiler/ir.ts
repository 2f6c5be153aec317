// The JavaScript IR: what the JavaScript frontend (frontend-js.ts) lowers to and the JavaScript backends
// (WebAssembly, C++) read: numeric kernels with structured control flow. Each operation names its exact semantics
// (JavaScript's where they differ from a machine's), so a backend never has to guess: `i32.from_f64` is ECMAScript
// ToInt32, `js.mod` is JavaScript's `%` on doubles. Python has its own IR (ir-py.ts).

import type { AbiParam, ArrayKind, ConstantRead } from '../abi';

/** A number as the kernel holds it: a double, or a value proven to be a signed / unsigned 32-bit integer. */
export type NumType = 'f64' | 'i32' | 'u32';
export type ScalarType = NumType | 'bool';
export type ResultType = ScalarType | 'void';

/** An array parameter, of one of the kinds the loaders pass (abi.ts `ARRAY_KINDS`). */
export interface ArrayType {
  array: ArrayKind;
}
export type ValueType = ScalarType | ArrayType;

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
  /**
   * A local array (IrArray.local) made anew: `values` (a literal `[a, b]`), or `length` elements (an integer in
   * [0, LOCAL_ARRAY_LIMIT), else the call bails out: JavaScript throws a RangeError or allocates more than compiled
   * code takes) that are each `fill` (evaluated once, after the length), or zero in a typed array, or holes in a
   * 'holey' plain array (`new Array(n)`: reading one bails out, since JavaScript would read undefined).
   */
  | { kind: 'alloc'; array: number; length?: Expr; values?: Expr[]; fill?: Expr }
  /** `a.push(v)` on a local plain array: appends, growing it (past LOCAL_ARRAY_LIMIT elements the call bails out). */
  | { kind: 'push'; array: number; value: Expr }
  /**
   * `a.pop()` on a local plain array: one element fewer, none when it is empty. Its value, where the source uses it, is
   * read before by a 'load' of the last element (which bails out on an empty array: JavaScript's is undefined).
   */
  | { kind: 'pop'; array: number }
  /**
   * Two local arrays of one kind exchange what they hold (`t = prev; prev = cur; cur = t`): each variable then holds
   * the other's elements and length, as JavaScript's two references would. Only arrays the function makes.
   */
  | { kind: 'swap'; array: number; other: number }
  | { kind: 'if'; cond: Expr; then: Stmt[]; else: Stmt[] }
  /**
   * `while (test) body`, `for (; test; update) body`, `do body while (postTest)`.
   * `continue` runs `update` then `postTest`; `break` leaves the loop.
   */
  | { kind: 'loop'; label: number; test?: Expr; body: Stmt[]; update: Stmt[]; postTest?: Expr }
  | { kind: 'break'; label: number }
  | { kind: 'continue'; label: number }
  /** `array`: the entry returns that local array (IrFunction.returns), which the loader materialises. */
  | { kind: 'return'; value?: Expr; array?: number };

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
  /**
   * One of the three arrays an array of arrays (one argument) is passed as, in this order: `data`, its rows'
   * elements one after another (plain rows as doubles, typed rows as their kind); `starts`, where each row begins in
   * `data`; `lengths`, each row's length (both Int32Array, as long as the outer array). `row`: the rows' kind.
   */
  rows?: { part: 'data' | 'starts' | 'lengths'; row: ArrayKind };
  /** A string parameter (read only), taken as its UTF-16 code units: a Uint16Array (AbiParam 'string'). */
  string?: true;
  /**
   * One of the Float64Arrays an object or an array of objects with numeric fields (one argument, AbiParam 'objects')
   * is passed as: the values of its key `keys[index]`, one per object. All of one argument's fields come in `keys`
   * order, each as long as the outer array (1 for one object, `one`); `ctor`: the recorded class name; `ownKeys`:
   * every own key in order when some hold functions (methods the function never uses, checked only as present).
   * `arrays`: one object only, for each key the kind of typed array it holds (null: a number); such a key's parameter
   * is that very array, of its kind.
   */
  field?: { keys: string[]; index: number; one: boolean; ctor?: string; ownKeys?: string[]; arrays?: (Exclude<ArrayKind, 'Array'> | null)[] };
}

export interface IrArray {
  name: string;
  kind: ArrayKind;
  /** The function (or one it calls) may write to it: the caller must copy it back. */
  written: boolean;
  /**
   * An array the function makes itself (`[]`, `new Float64Array(n)`; Stmt 'alloc'), not a parameter: its length
   * changes as it is made again or grows (no analysis assumes it fixed). 'holey': a plain array made by
   * `new Array(n)`, whose unwritten elements are holes.
   */
  local?: 'plain' | 'holey' | 'typed';
  /**
   * The array (slot) whose length this one's always equals, as the loader makes them: the fields of one array of
   * objects (IrParam.field) all have the first field's length, so a bound on one bounds them all.
   */
  sameLength?: number;
}

/** The array whose length stands for `array`'s (IrArray.sameLength), itself when none. */
export function lengthArray(f: { arrays: readonly IrArray[] }, array: number): number {
  return f.arrays[array]!.sameLength ?? array;
}

/**
 * The entry's parameters as the loaders take them (one AbiParam per argument of the JavaScript function: an array of
 * arrays, three IR parameters, is one); `read(slot)`: whether an array's elements are read (absent: assume so).
 */
export function abiParams(entry: IrFunction, read?: (slot: number) => boolean): AbiParam[] {
  const out: AbiParam[] = [];
  for (const p of entry.params) {
    if (p.rows) {
      // data, starts, lengths: one argument, written when its data is.
      if (p.rows.part === 'data') out.push({ name: p.name, kind: 'rows', row: p.rows.row, written: entry.arrays[p.slot]!.written });
    } else if (p.field) {
      // One Float64Array per key, in order: one argument.
      if (p.field.index === 0) {
        const { keys, one, ctor, ownKeys, arrays } = p.field;
        const written = keys.map((_, k) => entry.arrays[p.slot + k]!.written);
        const name = p.name.slice(0, p.name.lastIndexOf('.'));
        // `this` (Kernel.self): a method's object, the last argument, which the loader's fallback calls the original on.
        out.push({
          name,
          kind: 'objects',
          one,
          keys,
          written,
          ...(ctor ? { ctor } : {}),
          ...(ownKeys ? { ownKeys } : {}),
          ...(arrays ? { arrays } : {}),
          ...(name === 'this' ? { self: true as const } : {}),
        });
      }
    } else if (p.string) {
      out.push({ name: p.name, kind: 'string' });
    } else if (isArrayType(p.type)) {
      out.push({ name: p.name, kind: 'array', array: p.type.array, written: entry.arrays[p.slot]!.written, ...(read ? { read: read(p.slot) } : {}) });
    } else out.push({ name: p.name, kind: p.type === 'bool' ? 'bool' : p.guard === 'int32' ? 'int32' : 'f64' });
  }
  return out;
}

/** Local arrays hold fewer elements than this (an allocation or a push past it bails out). */
export const LOCAL_ARRAY_LIMIT = 2 ** 27;

/**
 * How deep compiled recursive calls may go (IrFunction.recursive): past it the compiled code bails out and the
 * original runs, before the compiled code's stack could overflow, and well before JavaScript's own limit of about ten
 * thousand frames, so that a call JavaScript cannot complete (RangeError) is never completed by compiled code.
 */
export const RECURSION_LIMIT = 2000;

export interface IrFunction {
  name: string;
  params: IrParam[];
  /** Scalar locals, parameters first. */
  locals: IrLocal[];
  arrays: IrArray[];
  result: ResultType;
  /**
   * The entry returns one of its local arrays (its result is then 'void'): the loader makes the JavaScript value the
   * original returns from its elements, a plain Array of numbers or a new typed array of this kind.
   */
  returns?: ArrayKind;
  /**
   * With `returns` 'Array': the array it returns stands for an array of arrays of numbers, as its number of rows, each
   * row's length, then the rows' elements one after another; the loader makes a plain Array of plain Arrays from it.
   */
  returnsRows?: true;
  body: Stmt[];
  /**
   * It can call itself, directly or through the functions it calls: the backends bound the depth of such calls and
   * bail out past it, so that the original runs (and overflows its stack where JavaScript would).
   */
  recursive?: boolean;
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
  /** File-level numbers the functions hold as literals (module-constants.ts), which the loaders check once. */
  constants?: ConstantRead[];
}

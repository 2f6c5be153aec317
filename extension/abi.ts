// The contract between the compiler and the loaders that run beside the user's program (`wasm/`, `native/`): how
// a compiled function's arguments and result cross into it, the array kinds it takes and their size in memory,
// and the constants the compiled code holds as literals. The backends write it (`compiler/backend-wasm.ts`,
// `compiler/backend-cpp.ts`), the loaders read it; it imports nothing, so neither side imports the other for it.

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

/**
 * How the loader passes each argument of the compiled function: a number checked to be an int32 (`int32`) or not
 * (`f64`), a boolean, or an array of one kind. The proof's edge cases, the benchmark's copies and the fuzzer's
 * inputs follow it too.
 */
export type AbiParam =
  | { name: string; kind: 'f64' | 'int32' | 'bool' }
  | { name: string; kind: 'array'; array: ArrayKind; written: boolean; /** Elements are read (absent: assume so). */ read?: boolean }
  /**
   * An array of arrays (a plain Array whose elements, the rows, are all plain arrays of numbers, `row` 'Array', or
   * all typed arrays of one kind): one argument that the compiled function takes as three arrays, made by the loader
   * for the call: the rows' elements one after another (a Float64Array for plain rows, else of the rows' kind), and
   * each row's start in it and length (two Int32Arrays as long as the outer array). `written`: the loader copies each
   * row back into the very row object after a call that succeeded.
   */
  | { name: string; kind: 'rows'; row: ArrayKind; written: boolean }
  /**
   * A string, read only: the loader checks `typeof` is 'string' and passes its UTF-16 code units (a Uint16Array it
   * makes for the call, read through the built-in charCodeAt), which the compiled function takes as an array.
   */
  | { name: string; kind: 'string' }
  /**
   * An object whose own keys are all numbers (`one`), or a plain Array of such objects: one argument that the
   * compiled function takes as one Float64Array per key, in `keys` order (the field's value of each object, as long
   * as the outer array; of length 1 for one object), made by the loader for the call. Every object must have exactly
   * `keys` as its own enumerable keys, in that order, each a data property holding a number (writable where
   * `written`), and be a plain object or, when `ctor` is given, an instance of one class of that name (the prototype
   * the loader first sees, then that very prototype); a Proxy, or one object seen twice when anything is written,
   * runs the original. After a call that succeeded the written fields are copied back into the very objects.
   * `self`: the object a method was called on (`this`), passed last; the loader's fallback calls the original with
   * it as `this` (and as its last argument). `ownKeys`: every own key in order, when some hold functions (methods
   * the function never uses): each must be there, in that order, as a data property, whatever it holds. `arrays`
   * (one object only): for each of `keys`, the kind of typed array it holds, or null for a number; such a key must
   * hold a typed array of exactly that kind, which the compiled function takes as it is (as it takes an array
   * argument: checked with the other typed arrays for overlap, written in place or copied back) instead of a
   * Float64Array of the values.
   */
  | {
      name: string;
      kind: 'objects';
      one: boolean;
      keys: string[];
      written: boolean[];
      ctor?: string;
      self?: true;
      ownKeys?: string[];
      arrays?: (Exclude<ArrayKind, 'Array'> | null)[];
    };

/** The kind of the array that holds the elements of an array of arrays whose rows are `row`. */
export function rowsDataKind(row: ArrayKind): ArrayKind {
  return row === 'Array' ? 'Float64Array' : row;
}

/**
 * The compiled function's result, as the IR types it (`ResultType`, compiler/ir.ts): WebAssembly returns `i32` and
 * `u32` as an i32 that the loader reads as signed or unsigned, and `bool` as 0 or 1.
 */
export type AbiResult = 'f64' | 'i32' | 'u32' | 'bool' | 'void' | 'array';

/**
 * A file-level number the compiled code holds as a literal (`const SOLAR_MASS = 4 * Math.PI * Math.PI`), and its
 * place in the list the `ready` function Apply writes returns (the kernel's constReads, in order). Before it first
 * runs compiled code the loader checks that the program's binding holds this value: a `var` is undefined until its
 * declaration has run, and an initialiser that ran while Math was replaced computed another value.
 */
export interface ConstantRead {
  name: string;
  index: number;
  value: number;
}

/** What both loaders read. */
interface KernelAbi {
  /** Name of the exported function (WebAssembly) or the property of the addon's exports that holds it (native). */
  export: string;
  params: AbiParam[];
  result: AbiResult;
  /**
   * With result 'array': the kind of array the original returns, which the loader makes from the elements the
   * compiled code returns (a plain Array of numbers, or a new typed array of this kind).
   */
  resultArray?: ArrayKind;
  /**
   * With resultArray 'Array': what the compiled code returns stands for an array of arrays (IrFunction.returnsRows):
   * its number of rows, each row's length, then the rows' elements, which the loader makes into a plain Array of new
   * plain Arrays (emitRowsResult).
   */
  resultRows?: true;
  /** Global bindings the source reads (`Math`, `Math.exp`, `Number`): checked on every call (see IrModule). */
  globals: string[];
  /** File-level numbers held as literals, checked once through `ready` (absent: none). */
  constants?: ConstantRead[];
}

/** The calling convention of a generated WebAssembly module: what its loader needs to marshal a call. */
export interface WasmAbi extends KernelAbi {
  /**
   * The code makes arrays in linear memory: the export takes one more argument, the address of 8 free bytes above
   * the arguments' arrays, where an array result's length is written and after which its arrays go; the memory may
   * grow during the call.
   */
  allocates?: boolean;
  /** Import modules the instance needs: 'Math' is the host's Math object, 'js' holds `mod` (JavaScript's %). */
  imports: ('Math' | 'js')[];
}

/** The calling convention of one kernel inside a native addon. */
export interface NativeAbi extends KernelAbi {
  /** Host Math functions the kernel calls back into JavaScript for (each call costs a Node-API round trip). */
  hostMath: string[];
  /** The kernel can bail out; it snapshots the typed arrays it writes before running. */
  mayBail: boolean;
}

/** How a file generated beside the source carries its identity (apply/generated-file.ts): a text header, a `.wasm` custom section, or its hash in the loader (a built binary). */
export type GeneratedKind = 'text' | 'wasm' | 'binary';

// Recorded values as JSON: numbers exactly (NaN, -0, ±Infinity included), typed arrays as their bytes in base64,
// plain arrays of numbers as their float64 bytes (holes kept), other arrays and objects by their contents. Shared by
// the recorder preload (which encodes) and the stages that read recordings (which decode), so both agree on one
// format. A large value is stored once per recording under its content key and referenced from each call.
import { createHash } from 'node:crypto';

/** Typed-array constructors a recording can hold (plus Node's Buffer, kept as itself). */
export const TYPED_KINDS = [
  'Float64Array',
  'Float32Array',
  'Int32Array',
  'Uint32Array',
  'Int16Array',
  'Uint16Array',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'BigInt64Array',
  'BigUint64Array',
  'Buffer',
] as const;
export type TypedKind = (typeof TYPED_KINDS)[number];

/** One value in a recording's JSON. */
export type EncodedValue =
  | number
  | boolean
  | string
  | null
  /** `bits`: a NaN's 64 bits in hex, when they are not those of the usual NaN. */
  | { num: 'NaN' | 'Infinity' | '-Infinity' | '-0'; bits?: string }
  | { kind: TypedKind; base64: string }
  /** A plain array whose elements are all numbers (or holes): their float64 bytes in base64, the holes' indices. */
  | { numbers: string; holes?: number[] }
  | { array: EncodedValue[] }
  /** A hole of a plain array (an index it does not have), which is not an undefined element. */
  | { hole: true }
  /** A value stored once in the recording's `blobs`, under its content key ({@link contentKey}). */
  | { ref: string }
  | { object: { [key: string]: EncodedValue }; ctor?: string }
  | { undefined: true }
  | { bigint: string }
  /** A value that cannot be recorded (a function, a symbol, a Map…), described; a call holding one is not replayed. */
  | { other: string };

/** The constructor name of a typed array, or undefined for anything else (DataView included). */
export function typedKind(v: unknown): TypedKind | undefined {
  if (!ArrayBuffer.isView(v) || v instanceof DataView) return undefined;
  if (typeof Buffer !== 'undefined' && Buffer.isBuffer(v)) return 'Buffer';
  const name = Object.getPrototypeOf(v)?.constructor?.name as string | undefined;
  return (TYPED_KINDS as readonly string[]).includes(name ?? '') ? (name as TypedKind) : undefined;
}

/** Whether a value is an object Perf Lab records by its fields (a plain object or a class instance). */
function isRecordObject(v: object): boolean {
  return (
    !Array.isArray(v) &&
    !ArrayBuffer.isView(v) &&
    !(v instanceof ArrayBuffer) &&
    !(v instanceof Map) &&
    !(v instanceof Set) &&
    !(v instanceof Date) &&
    !(v instanceof RegExp) &&
    !(v instanceof Promise)
  );
}

/** How deep arrays and objects are followed; deeper values are described, not recorded. */
export const MAX_DEPTH = 4;

/** An estimate of the bytes a deep copy of `v` takes, read without copying (the recorder's budget check). */
export function sizeOf(v: unknown, depth = 0): number {
  if (v === null || typeof v !== 'object') return typeof v === 'string' ? 16 + 2 * v.length : 8;
  if (ArrayBuffer.isView(v)) return 64 + v.byteLength;
  if (depth >= MAX_DEPTH) return 16;
  if (Array.isArray(v)) {
    let n = 32 + 8 * v.length;
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (x !== null && typeof x === 'object') n += sizeOf(x, depth + 1);
      else if (typeof x === 'string') n += 2 * x.length;
    }
    return n;
  }
  if (!isRecordObject(v)) return 16;
  let n = 32;
  for (const k of Object.keys(v)) n += 16 + sizeOf((v as Record<string, unknown>)[k], depth + 1);
  return n;
}

/**
 * A deep copy taken at one moment (before or after a call): typed arrays are copied with their type, arrays
 * and objects by their contents; functions and other host objects are kept by description only.
 */
export function snapshot(v: unknown, depth = 0): unknown {
  if (v === null || typeof v !== 'object')
    return typeof v === 'function' ? new Unrecordable(`function ${v.name || '(anonymous)'}`) : typeof v === 'symbol' ? new Unrecordable(String(v)) : v;
  const kind = typedKind(v);
  if (kind) return kind === 'Buffer' ? Buffer.from(v as Buffer) : (v as Uint8Array).slice();
  if (depth >= MAX_DEPTH) return new Unrecordable(`a value nested deeper than ${MAX_DEPTH} levels`);
  if (Array.isArray(v)) {
    // Holes stay holes.
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) if (i in v) out[i] = snapshot(v[i], depth + 1);
    return out;
  }
  if (!isRecordObject(v)) return new Unrecordable(`a ${Object.getPrototypeOf(v)?.constructor?.name ?? 'object'}`);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = snapshot((v as Record<string, unknown>)[k], depth + 1);
  const ctor = Object.getPrototypeOf(v)?.constructor?.name as string | undefined;
  if (ctor && ctor !== 'Object') Object.defineProperty(out, CTOR, { value: ctor, enumerable: false });
  return out;
}

/** Hidden key under which a snapshot remembers an object's class name. */
const CTOR = Symbol('perf-lab.ctor');

/** The class name a snapshot of an object remembers (`Particle`), or undefined for a plain object. */
export function recordedClass(v: object): string | undefined {
  return (v as { [CTOR]?: string })[CTOR];
}

/**
 * Stands for a function an object held under one of its keys (a method of an object literal made by a factory:
 * `{ x, vx, mass, offsetMomentum: function () {…} }`), recorded by name only. A call holding one can be replayed to
 * a function that never touches that key (the compiler refuses any use of it): the object keeps the key, in its
 * place, holding this stand-in.
 */
export class RecordedMethod {
  constructor(readonly name: string) {}
}

/** Stands for a value that was seen but cannot be recorded; a call holding one cannot be replayed. */
export class Unrecordable {
  constructor(readonly what: string) {}
}

function toBase64(v: ArrayBufferView): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}

const CANONICAL_NAN = nanBits(NaN);

/** A number's 64 bits in hex. */
function nanBits(v: number): string {
  return new BigUint64Array(new Float64Array([v]).buffer)[0]!.toString(16);
}

/** Encodes a snapshot (or any plain value) as JSON-safe data. */
export function encodeValue(v: unknown): EncodedValue {
  if (v === undefined) return { undefined: true };
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (Number.isNaN(v)) {
      const bits = nanBits(v);
      return bits === CANONICAL_NAN ? { num: 'NaN' } : { num: 'NaN', bits };
    }
    if (v === Infinity) return { num: 'Infinity' };
    if (v === -Infinity) return { num: '-Infinity' };
    if (Object.is(v, -0)) return { num: '-0' };
    return v;
  }
  if (typeof v === 'bigint') return { bigint: v.toString() };
  if (v instanceof Unrecordable) return { other: v.what };
  if (v instanceof RecordedMethod) return { other: `function ${v.name}` };
  if (typeof v !== 'object') return { other: typeof v };
  const kind = typedKind(v);
  if (kind) return { kind, base64: toBase64(v as ArrayBufferView) };
  if (Array.isArray(v)) return encodeArray(v);
  if (!isRecordObject(v)) return { other: `a ${Object.getPrototypeOf(v)?.constructor?.name ?? 'object'}` };
  const object: Record<string, EncodedValue> = {};
  for (const k of Object.keys(v)) object[k] = encodeValue((v as Record<string, unknown>)[k]);
  const ctor = (v as { [CTOR]?: string })[CTOR];
  return ctor ? { object, ctor } : { object };
}

/** A plain array: its numbers' bytes when it holds only numbers (and holes), else its elements one by one. */
function encodeArray(v: unknown[]): EncodedValue {
  let numeric = v.length > 0;
  for (let i = 0; i < v.length && numeric; i++) if (i in v && typeof v[i] !== 'number') numeric = false;
  if (numeric) {
    const bits = new Float64Array(v.length);
    const holes: number[] = [];
    for (let i = 0; i < v.length; i++) {
      if (i in v) bits[i] = v[i] as number;
      else holes.push(i);
    }
    return holes.length ? { numbers: toBase64(bits), holes } : { numbers: toBase64(bits) };
  }
  const array = new Array<EncodedValue>(v.length);
  for (let i = 0; i < v.length; i++) array[i] = i in v ? encodeValue(v[i]) : { hole: true };
  return { array };
}

const BYTES_PER_ELEMENT: Record<TypedKind, number> = {
  Float64Array: 8,
  Float32Array: 4,
  Int32Array: 4,
  Uint32Array: 4,
  Int16Array: 2,
  Uint16Array: 2,
  Int8Array: 1,
  Uint8Array: 1,
  Uint8ClampedArray: 1,
  BigInt64Array: 8,
  BigUint64Array: 8,
  Buffer: 1,
};

/** A recording's stored values by content key. */
export type Blobs = Readonly<Record<string, EncodedValue>>;

/**
 * Decodes what {@link encodeValue} wrote; unrecordable values come back as {@link Unrecordable}. A reference is
 * resolved in `blobs`, and each reference decodes to a copy of its own (two arguments of equal contents are two arrays).
 */
export function decodeValue(e: EncodedValue, blobs: Blobs = {}): unknown {
  if (e === null || typeof e !== 'object') return e;
  if ('ref' in e) {
    const stored = Object.prototype.hasOwnProperty.call(blobs, e.ref) ? blobs[e.ref] : undefined;
    if (stored === undefined || (typeof stored === 'object' && stored !== null && 'ref' in stored))
      throw new Error(`a recorded value refers to stored contents ${e.ref}, which the recording does not hold`);
    return decodeValue(stored, blobs);
  }
  if ('num' in e) {
    if (e.num === 'NaN' && e.bits !== undefined) {
      const cell = new BigUint64Array([BigInt(`0x${e.bits}`)]);
      return new Float64Array(cell.buffer)[0];
    }
    return e.num === 'NaN' ? NaN : e.num === 'Infinity' ? Infinity : e.num === '-Infinity' ? -Infinity : -0;
  }
  if ('kind' in e) {
    const bytes = Buffer.from(e.base64, 'base64');
    if (e.kind === 'Buffer') return bytes;
    // Copied into a fresh, aligned buffer of its own.
    const size = BYTES_PER_ELEMENT[e.kind];
    if (bytes.length % size !== 0) throw new Error(`a recorded ${e.kind} holds ${bytes.length} bytes, not a whole number of elements`);
    const C = globalThis[e.kind] as unknown as new (b: ArrayBuffer) => ArrayBufferView;
    const buffer = new ArrayBuffer(bytes.length);
    new Uint8Array(buffer).set(bytes);
    return new C(buffer);
  }
  if ('numbers' in e) {
    const bytes = Buffer.from(e.numbers, 'base64');
    if (bytes.length % 8 !== 0) throw new Error(`a recorded array of numbers holds ${bytes.length} bytes, not a whole number of float64 values`);
    const bits = new Float64Array(bytes.length / 8);
    new Uint8Array(bits.buffer).set(bytes);
    // Element by element: Array.from would make every NaN the same NaN.
    const out = new Array<number>(bits.length);
    const holes = new Set(e.holes ?? []);
    for (let i = 0; i < bits.length; i++) if (!holes.has(i)) out[i] = bits[i]!;
    return out;
  }
  if ('array' in e) {
    const out = new Array<unknown>(e.array.length);
    e.array.forEach((x, i) => {
      if (!(x !== null && typeof x === 'object' && 'hole' in x)) out[i] = decodeValue(x, blobs);
    });
    return out;
  }
  if ('hole' in e) return undefined;
  if ('object' in e) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(e.object)) {
      const x = e.object[k]!;
      // A function held by a key (a method): a stand-in, so that the object keeps its keys in order.
      const method = x !== null && typeof x === 'object' && 'other' in x ? /^function (.*)$/.exec(x.other) : null;
      out[k] = method ? new RecordedMethod(method[1]!) : decodeValue(x, blobs);
    }
    if (e.ctor) Object.defineProperty(out, CTOR, { value: e.ctor, enumerable: false });
    return out;
  }
  if ('undefined' in e) return undefined;
  if ('bigint' in e) return BigInt(e.bigint);
  return new Unrecordable(e.other);
}

/** Whether a decoded value can be passed to a function again exactly as it was recorded. */
export function replayable(v: unknown): boolean {
  if (v instanceof Unrecordable) return false;
  if (Array.isArray(v)) return v.every(replayable);
  if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) return Object.values(v).every(replayable);
  return true;
}

/** Whether two snapshots hold the same contents, bit for bit (used to store an unchanged argument once). */
export function sameSnapshot(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  const ka = typedKind(a);
  if (ka || typedKind(b)) {
    if (ka !== typedKind(b)) return false;
    const x = a as ArrayBufferView;
    const y = b as ArrayBufferView;
    return (
      x.byteLength === y.byteLength &&
      Buffer.compare(Buffer.from(x.buffer, x.byteOffset, x.byteLength), Buffer.from(y.buffer, y.byteOffset, y.byteLength)) === 0
    );
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (i in a !== i in b || !sameSnapshot(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof Unrecordable || b instanceof Unrecordable) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((k) => sameSnapshot((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Values at least this large (by {@link sizeOf}) are stored once per recording and referenced by content key. */
export const STORED_ONCE_BYTES = 1024;

/** Whether a snapshot is stored once by content (a large array, typed array or object) rather than in each call. */
export function storedOnce(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !(v instanceof Unrecordable) && sizeOf(v) >= STORED_ONCE_BYTES;
}

/**
 * The content key of a value: equal keys for values that encode the same, bit for bit (a typed array's kind and
 * bytes; anything else, its exact encoding). A typed array is read where it is, without a copy; other values are
 * keyed from their snapshot (the class a snapshot remembers is part of it).
 */
export function contentKey(v: unknown): string {
  const h = createHash('sha256');
  const kind = typedKind(v);
  if (kind) {
    const view = v as ArrayBufferView;
    h.update(`typed:${kind}:`);
    h.update(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  } else {
    h.update('value:');
    h.update(JSON.stringify(encodeValue(v)));
  }
  return h.digest('hex').slice(0, 32);
}

/** The class of a length: `0`, `1`, or the powers of two it lies between (`512–1023`). */
export function lengthClass(n: number): string {
  if (n <= 1) return String(n);
  const low = 2 ** Math.floor(Math.log2(n));
  return `${low}–${2 * low - 1}`;
}

function shapeOfValue(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  const kind = typedKind(v);
  if (kind) return `${kind}[${lengthClass((v as Uint8Array).length)}]`;
  if (Array.isArray(v)) {
    const first: unknown = v[0];
    const of =
      v.length === 0 ? '' : first === null || typeof first !== 'object' ? typeof first : Array.isArray(first) ? 'array' : (typedKind(first) ?? 'object');
    return `Array${of ? ` of ${of}` : ''}[${lengthClass(v.length)}]`;
  }
  const ctor = Object.getPrototypeOf(v)?.constructor?.name as string | undefined;
  return ctor && ctor !== 'Object' ? ctor : 'object';
}

/**
 * The shape of a call, read without copying: each argument's type, with a typed or plain array's length class
 * (`Float64Array[32768–65535], number`). Calls are sampled so that every shape is represented.
 */
export function callShape(args: readonly unknown[]): string {
  // Taken on every call of a recorded function: a loop, not map and join.
  if (args.length === 0) return '()';
  let out = shapeOfValue(args[0]);
  for (let i = 1; i < args.length; i++) out += `, ${shapeOfValue(args[i])}`;
  return out;
}

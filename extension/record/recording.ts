// A recording: a bounded sample of the real calls of one function (arguments, result, arrays after the call),
// as the proof and the benchmark replay them, and as it is stored on disk.
import type { ParamTypeName } from '../compiler/frontend-js';
import type { RecordLimits, ShapeSummary } from './sampler';
import {
  contentKey,
  decodeValue,
  encodeValue,
  recordedClass,
  RecordedMethod,
  replayable,
  sameSnapshot,
  storedOnce,
  typedKind,
  Unrecordable,
  type Blobs,
  type EncodedValue,
} from './value-codec';

/** One call as the program made it. Values are deep copies: typed arrays, arrays of numbers, numbers exactly. */
export interface RecordedCall {
  args: unknown[];
  /** The return value (undefined when the call threw). */
  result: unknown;
  /** Every array argument (typed or plain) as it was after the call; null where the argument is not an array. */
  argsAfter: unknown[];
  /** `Name: message` of what the call threw, when it threw. */
  threw?: string;
}

/**
 * How long the recorded run took and how much of it the function's outermost calls took, the recorder's own work and
 * its clock reads left out (a recursive call's time is its outermost call's). The program-level prediction before
 * anything is built reads it (bench/whole-program.ts programOutlook).
 */
export interface RecordedTiming {
  runMs: number;
  functionMs: number;
}

/** The sampled calls of one function in one run of a program. */
export interface Recording {
  /** Absolute path of the file the function is in. */
  file: string;
  functionName: string;
  /** Content hash of the file when it was recorded: a recording of a file that changed since is stale. */
  sourceHash: string;
  /** 1-based line of the declaration. */
  line: number;
  /** Parameters the function declares (calls may pass more or fewer arguments). */
  arity: number;
  calls: RecordedCall[];
  /** Calls the program made in all, kept or not. */
  totalCalls: number;
  /** Whether the program made calls that `calls` does not hold (sampled, or too large for the byte budget). */
  truncated: boolean;
  /** Calls drawn for the sample but left out because they did not fit the byte budget. */
  tooLarge: number;
  limits: RecordLimits;
  /** Each shape of call the program made, with the calls kept of it (absent from recordings stored before shapes). */
  shapes?: ShapeSummary[];
  /** What the sampling left out or kept past the budget, in sentences (`samplingNotes`). */
  notes?: string[];
  /** How long the run and the function's calls took (absent from recordings stored before it was kept). */
  timing?: RecordedTiming;
  /** When it was recorded (ISO 8601). */
  recordedAt: string;
  /** The Node.js version that ran the program. */
  runtimeVersion: string;
}

/** The recorder preload's output file. */
export interface RecorderOutput {
  totalCalls: number;
  tooLarge: number;
  calls: EncodedCall[];
  /** The large values the calls refer to (`{ ref }`), each once, by content key. */
  blobs: Record<string, EncodedValue>;
  shapes: ShapeSummary[];
  timing?: RecordedTiming;
}

export interface EncodedCall {
  args: EncodedValue[];
  result: EncodedValue;
  /** `{ same: true }` where the array did not change, null where the argument is not an array. */
  argsAfter: (EncodedValue | { same: true } | null)[];
  threw?: string;
}

/**
 * The stored form of a recording. Version 2 stores each large value once in `blobs` and refers to it from the calls;
 * version 1 (no blobs) is still read.
 */
export interface EncodedRecording extends Omit<Recording, 'calls'> {
  version: 1 | 2;
  calls: EncodedCall[];
  blobs?: Record<string, EncodedValue>;
}

function isArrayArg(v: unknown): boolean {
  return Array.isArray(v) || typedKind(v) !== undefined;
}

/**
 * Encodes calls with each large value stored once, by content key, in `blobs` (the same grid passed on every call is
 * one blob). `keys` may give the content keys of values already keyed (by identity), so that they are not hashed again.
 */
export function encodeCalls(
  calls: readonly RecordedCall[],
  keys: ReadonlyMap<object, string> = new Map(),
): { calls: EncodedCall[]; blobs: Record<string, EncodedValue> } {
  const blobs: Record<string, EncodedValue> = {};
  const known = new Map(keys);
  const value = (v: unknown): EncodedValue => {
    if (!storedOnce(v)) return encodeValue(v);
    const o = v as object;
    let key = known.get(o);
    if (key === undefined) known.set(o, (key = contentKey(v)));
    if (!Object.prototype.hasOwnProperty.call(blobs, key)) blobs[key] = encodeValue(v);
    return { ref: key };
  };
  const out = calls.map((c): EncodedCall => {
    const e: EncodedCall = {
      args: c.args.map(value),
      result: value(c.result),
      argsAfter: c.argsAfter.map((after, i) =>
        after === null || !isArrayArg(after) ? null : after === c.args[i] || sameSnapshot(after, c.args[i]) ? { same: true } : value(after),
      ),
    };
    if (c.threw !== undefined) e.threw = c.threw;
    return e;
  });
  return { calls: out, blobs };
}

/**
 * Decodes calls. A stored value is decoded once and shared by the calls that refer to it (the same 20 MB grid in
 * forty calls is one array, as in the program; the stages copy what they pass to a function), except within one
 * call: two arguments of equal contents are two arrays, never one array passed twice.
 */
export function decodeCalls(calls: readonly EncodedCall[], blobs: Blobs = {}): RecordedCall[] {
  const shared = new Map<string, unknown>();
  const stored = (e: EncodedValue, own?: Set<unknown>): unknown => {
    if (e === null || typeof e !== 'object' || !('ref' in e)) return decodeValue(e, blobs);
    let v = shared.get(e.ref);
    if (v === undefined) shared.set(e.ref, (v = decodeValue(e, blobs)));
    else if (own?.has(v)) v = decodeValue(e, blobs);
    own?.add(v);
    return v;
  };
  return calls.map((e) => {
    const own = new Set<unknown>();
    const args = e.args.map((a) => stored(a, own));
    const out: RecordedCall = {
      args,
      result: stored(e.result),
      argsAfter: e.argsAfter.map((a, i) => (a === null ? null : typeof a === 'object' && 'same' in a ? args[i] : stored(a))),
    };
    if (e.threw !== undefined) out.threw = e.threw;
    return out;
  });
}

export function encodeRecording(r: Recording): EncodedRecording {
  const { calls, blobs } = encodeCalls(r.calls);
  return { version: 2, ...r, calls, blobs };
}

export function decodeRecording(e: EncodedRecording): Recording {
  if (e.version !== 1 && e.version !== 2) throw new Error(`recording format version ${String(e.version)} is not known`);
  const { version: _version, calls, blobs, ...rest } = e;
  return { ...rest, calls: decodeCalls(calls, blobs ?? {}) };
}

/** Whether every argument of a call can be passed again exactly as recorded (no functions, no host objects). */
export function isReplayable(c: RecordedCall): boolean {
  return c.args.every(replayable);
}

/** A key compiled code takes as a field (an identifier, so that `p.x` can name it; never `__proto__`). */
const FIELD_KEY = /^[A-Za-z_$][\w$]*$/;

/** The kind of a typed array an object's key can hold as a compiled field (not a Buffer, not a BigInt array). */
function fieldArrayKind(v: unknown): string | undefined {
  const k = typedKind(v);
  return k && k !== 'Buffer' && !k.startsWith('Big') ? k : undefined;
}

/**
 * The shape of an object whose own keys all hold numbers or typed arrays, as the compiler names it: its class and
 * keys in order, a key holding a typed array with its kind (`Particle{x,y,vx,vy,mass}`, `{x,y}` for a plain object,
 * `Swarm{px:Float64Array,py:Float64Array,damping}`); undefined for any other value.
 */
function objectShape(v: unknown): string | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Unrecordable || v instanceof RecordedMethod || typedKind(v) !== undefined)
    return undefined;
  const keys = Object.keys(v);
  const o = v as Record<string, unknown>;
  const held = (k: string) => typeof o[k] === 'number' || fieldArrayKind(o[k]) !== undefined;
  // A key holding a function (a method, RecordedMethod) is named with `()`: it stays in the shape, as present only.
  if (keys.length === 0 || keys.some((k) => !FIELD_KEY.test(k) || k === '__proto__' || (!held(k) && !(o[k] instanceof RecordedMethod)))) return undefined;
  if (!keys.some(held)) return undefined;
  const ctor = recordedClass(v);
  if (ctor !== undefined && !FIELD_KEY.test(ctor)) return undefined;
  const named = (k: string) => (typeof o[k] === 'number' ? k : fieldArrayKind(o[k]) ? `${k}:${fieldArrayKind(o[k])!}` : `${k}()`);
  return `${ctor ?? ''}{${keys.map(named).join(',')}}`;
}

/** The type of one recorded argument as the compiler names it, or undefined when the compiler has no name for it. */
function argType(v: unknown): ParamTypeName | 'int' | undefined {
  if (typeof v === 'number') return (v | 0) === v && !Object.is(v, -0) ? 'int' : 'double';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'string') return 'string';
  const shape = objectShape(v);
  if (shape) return shape as ParamTypeName;
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'number')) return 'number[]';
    // An array of objects of one shape (the same class and keys, every field a number).
    const first = objectShape(v[0]);
    if (first && !first.includes(':') && v.every((x) => objectShape(x) === first)) return `${first}[]` as ParamTypeName;
    // An array of arrays: rows that are all plain arrays of numbers, or all typed arrays of one kind.
    if (v.every((x) => Array.isArray(x) && x.every((y) => typeof y === 'number'))) return 'number[][]';
    const k = typedKind(v[0]);
    if (k && k !== 'Buffer' && !k.startsWith('Big') && v.every((x) => typedKind(x) === k))
      return `${k as Exclude<ParamTypeName, `${string}[]` | 'number' | 'int32' | 'double' | 'boolean' | 'string'>}[]`;
    return undefined;
  }
  const k = typedKind(v);
  if (!k || k === 'Buffer' || k.startsWith('Big')) return undefined;
  return k as ParamTypeName;
}

/** A recorded value in words, for a refusal: `an array of arrays`, `a Particle object`, `a string`. */
export function describeRecorded(v: unknown): string {
  if (typeof v === 'number') return 'a number';
  if (typeof v === 'boolean') return 'a boolean';
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (v instanceof Unrecordable) return /^(function|Symbol)/.test(v.what) ? `a ${v.what}` : v.what;
  if (typeof v !== 'object') return `a ${typeof v}`;
  const k = typedKind(v);
  if (k) return `a ${k}`;
  if (Array.isArray(v)) {
    const kinds = new Set(
      v.map((x) =>
        Array.isArray(x)
          ? 'arrays'
          : typedKind(x)
            ? `${typedKind(x)}s`
            : x !== null && typeof x === 'object'
              ? 'objects'
              : typeof x === 'number'
                ? 'numbers'
                : 'other',
      ),
    );
    if (kinds.size === 0 || (kinds.size === 1 && kinds.has('numbers'))) return 'an array of numbers';
    const classes = new Set(v.map((x) => (x !== null && typeof x === 'object' ? recordedClass(x) : undefined)));
    if (kinds.size === 1 && kinds.has('objects') && classes.size === 1 && [...classes][0]) return `an array of ${[...classes][0]!} objects`;
    if (kinds.size === 1 && !kinds.has('other')) return `an array of ${[...kinds][0]!}`;
    const other = v.find((x) => typeof x !== 'number' && (x === null || typeof x !== 'object'));
    return other !== undefined || v.includes(null) ? `an array holding ${describeRecorded(other ?? null)}` : 'an array of mixed values';
  }
  const ctor = recordedClass(v);
  return ctor ? `a ${ctor} object` : 'an object';
}

/** Why the compiler does not take a recorded value (one argType has no name for). */
function whyNotTaken(v: unknown): string {
  if (Array.isArray(v)) {
    if (v.length > 0 && v.every((x) => Array.isArray(x) || typedKind(x) !== undefined))
      return 'arrays of arrays are compiled when every row is a plain array of numbers, or every row a typed array of one kind';
    if (v.length > 0 && v.every((x) => x !== null && typeof x === 'object' && !Array.isArray(x) && typedKind(x) === undefined))
      return 'arrays of objects are compiled when every object has the same class and the same keys in the same order, each holding a number';
  } else if (v !== null && typeof v === 'object' && !(v instanceof Unrecordable) && typedKind(v) === undefined)
    return 'objects are compiled when every key holds a number or a typed array (objects holding plain arrays or other objects are not yet)';
  if (typeof v === 'string') return 'strings are not compiled yet';
  if (typeof v === 'bigint' || /^Big/.test(typedKind(v) ?? '')) return 'BigInt values are not compiled';
  return 'compiled code takes only numbers, booleans, typed arrays and arrays of numbers';
}

/**
 * What the recorded calls passed for one parameter: the type the compiler takes, or what the program passed that
 * it does not take, in words (`passed`, e.g. 'an array of arrays') with the reason (`why`).
 */
export type RecordedParam = ParamTypeName | { passed: string; why: string };

/**
 * Each parameter as the recorded calls show it, for a function of `arity` parameters; undefined when no call was
 * recorded. Numbers that were always int32 leave the choice to the compiler ('number'); numbers that were not are
 * 'double', so that the compiled code never guards on an int32 the program does not pass. A parameter whose values
 * the compiler does not take, or whose calls disagree (a number in one, an array in another), says what was passed.
 */
export function recordedParams(rec: Recording, arity: number): RecordedParam[] | undefined {
  // Types come from the calls that can be replayed; only when none can are the others described.
  const replayable = rec.calls.filter(isReplayable);
  const calls = replayable.length ? replayable : rec.calls;
  if (calls.length === 0) return undefined;
  const out: RecordedParam[] = [];
  for (let i = 0; i < arity; i++) {
    let t: ParamTypeName | 'int' | undefined;
    let first: unknown;
    let refused: { passed: string; why: string } | undefined;
    for (const c of calls) {
      const v = c.args[i];
      const a = argType(v);
      if (a === undefined) {
        const passed = describeRecorded(v);
        refused = { passed, why: whyNotTaken(v) };
        break;
      }
      if (t === undefined) [t, first] = [a, v];
      else if ((t === 'int' && a === 'double') || (t === 'double' && a === 'int')) t = 'double';
      else if (t !== a) {
        refused = {
          passed: `${describeRecorded(first)} in some calls and ${describeRecorded(v)} in others`,
          why: 'compiled code takes one type per parameter',
        };
        break;
      }
    }
    out.push(refused ?? (t === 'int' ? 'number' : t!));
  }
  return out;
}

/** The parameter types the recorded calls show, when they show one the compiler takes for every parameter. */
export function recordedParamTypes(rec: Recording, arity: number): ParamTypeName[] | undefined {
  if (!rec.calls.some(isReplayable)) return undefined;
  const params = recordedParams(rec, arity);
  return params?.every((p) => typeof p === 'string') ? (params as ParamTypeName[]) : undefined;
}

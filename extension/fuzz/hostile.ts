// The fuzzer's hostile dimension: what a program can do to a function's arguments and environment that its
// signature does not show. An array argument may come frozen, sealed, with a read-only element, with an
// element behind a getter and setter, behind a Proxy, as a typed-array subclass, or with a length of its own;
// a Math function may be replaced for the call. Every access the disguises see is logged, and the original and
// the compiled version must leave the same log, as they must leave the same results.
import type { Arg } from './differential';
import { pick } from './inputs';

/** How one array argument is disguised. */
export type ArrayDisguise =
  'frozen' | 'sealed' | 'non-extensible' | 'read-only-element' | 'accessor-element' | 'proxy' | 'subclass' | 'own-length' | ObjectDisguise;

/**
 * How an object with numeric fields (one argument, or the middle element of an array of them) is disguised: frozen,
 * a field behind a getter and setter, behind a Proxy, given an extra key, a field turned into a string, made an
 * instance of a class, or (in an array) the same object as its neighbour.
 */
export type ObjectDisguise =
  'object-frozen' | 'object-accessor' | 'object-proxy' | 'object-extra-key' | 'object-string-field' | 'object-class' | 'object-twice';

/** A hostile variation of one call: disguises by argument index, and a Math function replaced for the call. */
export interface Hostility {
  arrays: Map<number, ArrayDisguise>;
  /** `Math[name]` is replaced by a function that logs its calls and answers differently from the built-in. */
  math?: string;
}

const PLAIN: readonly ArrayDisguise[] = ['frozen', 'sealed', 'non-extensible', 'read-only-element', 'accessor-element', 'proxy'];
const TYPED: readonly ArrayDisguise[] = ['non-extensible', 'proxy', 'subclass', 'own-length'];
const OBJECT: readonly ObjectDisguise[] = [
  'object-frozen',
  'object-accessor',
  'object-proxy',
  'object-extra-key',
  'object-string-field',
  'object-class',
  'object-twice',
];

/** An object compared by its fields (not an array, a typed array or null). */
function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}
const MATH: readonly string[] = [
  'sqrt',
  'abs',
  'floor',
  'ceil',
  'round',
  'trunc',
  'exp',
  'log',
  'sin',
  'cos',
  'min',
  'max',
  'pow',
  'atan2',
  'hypot',
  'imul',
  'sign',
  'fround',
  'clz32',
  'cbrt',
];

/** Picks a hostile variation for a call with these arguments (one or two disguises, sometimes a Math function). */
export function randomHostility(r: () => number, args: readonly Arg[]): Hostility {
  const arrays = new Map<number, ArrayDisguise>();
  args.forEach((a, i) => {
    if (typeof a !== 'object' || r() < 0.4) return;
    const objects = isRecord(a) || (Array.isArray(a) && a.some(isRecord));
    arrays.set(i, pick(r, isRecord(a) ? OBJECT : objects && r() < 0.7 ? OBJECT : Array.isArray(a) ? PLAIN : TYPED));
  });
  return { arrays, ...(arrays.size === 0 || r() < 0.3 ? { math: pick(r, MATH) } : {}) };
}

/** Describes a variation for a mismatch report. */
export function describeHostility(h: Hostility): string {
  const parts = [...h.arrays].map(([i, d]) => `argument ${i + 1} ${d}`);
  if (h.math) parts.push(`Math.${h.math} replaced`);
  return parts.join(', ') || 'none';
}

/** Disguises already-cloned arguments as `h` says; the same array twice gets one disguise. */
export function disguiseArgs(args: Arg[], h: Hostility, log: string[]): Arg[] {
  const done = new Map<unknown, Arg>();
  return args.map((a, i) => {
    const d = h.arrays.get(i);
    if (typeof a !== 'object' || !d) return a;
    const seen = done.get(a);
    if (seen) return seen;
    const out = disguise(a, d, `a${i}`, log);
    done.set(a, out);
    return out;
  });
}

class Disguised {}

/** An object argument, or the middle object of an array of them, disguised as `d` says. */
function disguiseObject(a: Arg, d: ObjectDisguise, tag: string, log: string[]): Arg {
  const list = Array.isArray(a) ? (a as unknown[]) : undefined;
  const at = list ? list.length >> 1 : -1;
  const target = list ? list[at] : a;
  if (!isRecord(target)) return a;
  const key = Object.keys(target)[0];
  let out: unknown = target;
  switch (d) {
    case 'object-frozen':
      Object.freeze(target);
      break;
    case 'object-accessor': {
      if (key === undefined) break;
      let v = target[key];
      Object.defineProperty(target, key, {
        get: () => (log.push(`${tag} get ${key}`), v),
        set: (x: unknown) => (log.push(`${tag} set ${key} ${String(x)}`), (v = x)),
        enumerable: true,
        configurable: true,
      });
      break;
    }
    case 'object-proxy':
      out = new Proxy(target, {
        get(t, k, receiver) {
          if (typeof k === 'string') log.push(`${tag} get ${k}`);
          return Reflect.get(t, k, receiver) as unknown;
        },
        set(t, k, value) {
          log.push(`${tag} set ${String(k)} ${String(value)}`);
          return Reflect.set(t, k, value);
        },
      });
      break;
    case 'object-extra-key':
      target.extra = 1;
      break;
    case 'object-string-field':
      if (key !== undefined) target[key] = String(target[key]);
      break;
    case 'object-class':
      Object.setPrototypeOf(target, Disguised.prototype);
      break;
    case 'object-twice':
      if (list && at > 0) out = list[at - 1];
      break;
  }
  if (!list) return out as Arg;
  list[at] = out;
  return a;
}

function disguise(a: ArrayLike<number>, d: ArrayDisguise, tag: string, log: string[]): Arg {
  const o = a as unknown as object;
  switch (d) {
    case 'frozen':
      return Object.freeze(o) as Arg;
    case 'sealed':
      return Object.seal(o) as Arg;
    case 'non-extensible':
      return Object.preventExtensions(o) as Arg;
    case 'read-only-element':
      if (a.length > 0) Object.defineProperty(o, a.length >> 1, { writable: false });
      return a;
    case 'accessor-element': {
      if (a.length === 0) return a;
      const k = a.length >> 1;
      let v = a[k]!;
      Object.defineProperty(o, k, {
        get: () => (log.push(`${tag} get ${k}`), v),
        set: (x: number) => (log.push(`${tag} set ${k} ${String(x)}`), (v = x)),
        enumerable: true,
        configurable: true,
      });
      return a;
    }
    case 'proxy':
      return new Proxy(o, {
        get(t, key, receiver) {
          if (typeof key === 'string') log.push(`${tag} get ${key}`);
          const v = Reflect.get(t, key, key === 'length' && ArrayBuffer.isView(t) ? t : receiver) as unknown;
          return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(t) : v;
        },
        set(t, key, value) {
          log.push(`${tag} set ${String(key)} ${String(value)}`);
          return Reflect.set(t, key, value);
        },
      }) as Arg;
    case 'subclass': {
      const Base = (a as unknown as { constructor: new (x: ArrayLike<number>) => ArrayLike<number> }).constructor;
      class Sub extends Base {}
      return new Sub(a) as unknown as Arg;
    }
    case 'own-length':
      Object.defineProperty(o, 'length', { value: Math.max(0, a.length - 1) });
      return a;
    default:
      return disguiseObject(a, d, tag, log);
  }
}

/** Runs `body` with `Math[name]` replaced by a logging function whose answers differ from the built-in's. */
export function withMathReplaced<T>(name: string | undefined, log: string[], body: () => T): T {
  if (!name) return body();
  const M = Math as unknown as Record<string, unknown>;
  const real = M[name];
  M[name] = (...xs: number[]) => (log.push(`Math.${name}`), xs.length > 1 ? xs[0]! - xs[1]! : -xs[0]! + 0.25);
  try {
    return body();
  } finally {
    M[name] = real;
  }
}

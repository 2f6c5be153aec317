// Runs the original function and the compiled one on the same inputs and compares results and every array
// argument after the call, exactly (Object.is per value: NaN equals NaN, -0 differs from +0).
// Both are real modules written to disk and imported, never evaluated from strings.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadKernel, type LoadedKernel } from '../../wasm/load-kernel';
import type { WasmAbi } from '../abi';
import { describeHostility, disguiseArgs, withMathReplaced, type Hostility } from './hostile';

export type Arg = number | boolean | ArrayLike<number>;

export interface Mismatch {
  args: string;
  expected: string;
  actual: string;
  what: string;
}

export interface DifferentialResult {
  cases: number;
  /** Calls that ran the WebAssembly code rather than falling back to the original. */
  compiledCalls: number;
  mismatches: Mismatch[];
}

let seq = 0;

/** Imports ESM source from a temporary file. */
export async function importSource<T = Record<string, unknown>>(source: string, dir?: string): Promise<T> {
  const where = dir ?? mkdtempSync(join(tmpdir(), 'perf-lab-original-'));
  const file = join(where, `original-${process.pid}-${seq++}.mjs`);
  writeFileSync(file, source);
  return (await import(pathToFileURL(file).href)) as T;
}

type View = { buffer: ArrayBufferLike; byteOffset: number; length: number; constructor: new (b: ArrayBufferLike, o: number, n: number) => Arg };

/** Copies the arguments, keeping what they share: the same array twice, views on one buffer, a row of an array of arrays. */
export function cloneArgs(args: Arg[]): Arg[] {
  const seen = new Map<unknown, Arg>();
  const buffers = new Map<ArrayBufferLike, ArrayBufferLike>();
  const cloneOf = (a: Arg): Arg => {
    if (typeof a !== 'object' || a === null) return a;
    let c = seen.get(a);
    if (!c) {
      if (isRecord(a)) {
        // An object with numeric fields: its own keys, in order, on the same prototype.
        c = Object.assign(Object.create(Object.getPrototypeOf(a) as object | null) as object, a) as unknown as Arg;
        seen.set(a, c);
        return c;
      }
      if (Array.isArray(a)) {
        const rows = a.slice() as unknown[];
        seen.set(a, rows as Arg);
        for (let i = 0; i < rows.length; i++) if (typeof rows[i] === 'object' && rows[i] !== null) rows[i] = cloneOf(rows[i] as Arg);
        return rows as Arg;
      } else {
        const v = a as unknown as View;
        let b = buffers.get(v.buffer);
        if (!b) {
          b = v.buffer.slice(0);
          buffers.set(v.buffer, b);
        }
        c = new v.constructor(b, v.byteOffset, v.length);
      }
      seen.set(a, c);
    }
    return c;
  };
  return args.map(cloneOf);
}

/** An object compared by its fields (not an array, a typed array or null). */
function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

/** The same own keys in the same order, holding the same values (Object.is). */
function sameRecord(x: Record<string, unknown>, y: Record<string, unknown>): boolean {
  const kx = Object.keys(x);
  const ky = Object.keys(y);
  return kx.length === ky.length && kx.every((k, i) => k === ky[i] && Object.is(x[k], y[k]));
}

export function show(v: unknown): string {
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  if (isRecord(v))
    return `{ ${Object.keys(v)
      .map((k) => `${k}: ${show(v[k])}`)
      .join(', ')} }`;
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}[${Array.from(v as unknown as ArrayLike<number>, show).join(', ')}]`;
  return String(v);
}

/** The same value, or (an array the function made) arrays of the same class, length and elements, neither the argument. */
function sameResult(x: unknown, y: unknown): boolean {
  if (Object.is(x, y)) return true;
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
  if (Object.getPrototypeOf(x) !== Object.getPrototypeOf(y) || !(Array.isArray(x) || ArrayBuffer.isView(x))) return false;
  return sameArray(x as ArrayLike<unknown>, y as ArrayLike<unknown>);
}

/** The same elements; rows (of an array of arrays) of the same class holding the same elements. */
function sameArray(a: ArrayLike<unknown>, b: ArrayLike<unknown>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (Object.is(x, y)) continue;
    if (isRecord(x) && isRecord(y) && Object.getPrototypeOf(x) === Object.getPrototypeOf(y) && sameRecord(x, y)) continue;
    const rows = typeof x === 'object' && typeof y === 'object' && x !== null && y !== null && Object.getPrototypeOf(x) === Object.getPrototypeOf(y);
    if (!rows || !(Array.isArray(x) || ArrayBuffer.isView(x)) || !sameArray(x as ArrayLike<unknown>, y as ArrayLike<unknown>)) return false;
  }
  return true;
}

/**
 * Compares one call of both versions. With `hostility`, each version gets its own copy of the arguments
 * disguised the same way (frozen, proxied, accessor-backed, …) and runs with the same Math function replaced;
 * what the disguises logged must then be the same too.
 */
export function compareCall(original: (...a: Arg[]) => unknown, compiled: (...a: Arg[]) => unknown, args: Arg[], hostility?: Hostility): Mismatch | undefined {
  const log1: string[] = [];
  const log2: string[] = [];
  const a1 = hostility ? disguiseArgs(cloneArgs(args), hostility, log1) : cloneArgs(args);
  const a2 = hostility ? disguiseArgs(cloneArgs(args), hostility, log2) : cloneArgs(args);
  let expected: unknown;
  let actual: unknown;
  let threwE: unknown;
  let threwA: unknown;
  withMathReplaced(hostility?.math, log1, () => {
    try {
      expected = original(...a1);
    } catch (e) {
      threwE = e;
    }
  });
  withMathReplaced(hostility?.math, log2, () => {
    try {
      actual = compiled(...a2);
    } catch (e) {
      threwA = e;
    }
  });
  const input = show(args) + (hostility ? ` (${describeHostility(hostility)})` : '');
  if (log1.join('|') !== log2.join('|'))
    return { args: input, expected: log1.join(', ') || 'no access', actual: log2.join(', ') || 'no access', what: 'accesses the program can observe' };
  if (threwE !== undefined && threwA !== undefined && (threwE as Error).constructor !== (threwA as Error).constructor) {
    return { args: input, expected: String(threwE), actual: String(threwA), what: 'exception' };
  }
  if ((threwE === undefined) !== (threwA === undefined))
    return { args: input, expected: String(threwE ?? show(expected)), actual: String(threwA ?? show(actual)), what: 'exception' };
  if (!sameResult(expected, actual)) return { args: input, expected: show(expected), actual: show(actual), what: 'result' };
  for (let i = 0; i < args.length; i++) {
    const x = a1[i];
    const y = a2[i];
    if (isRecord(x) ? !isRecord(y) || !sameRecord(x, y) : typeof x === 'object' && !sameArray(x, y as ArrayLike<number>))
      return { args: input, expected: show(x), actual: show(y), what: `argument ${i + 1} after the call` };
  }
  return undefined;
}

/** Loads the compiled kernel, binds it to the original, and compares them on every input. */
export async function differential(
  original: (...a: Arg[]) => unknown,
  wasm: Uint8Array,
  abi: WasmAbi,
  inputs: Arg[][],
  loaded?: LoadedKernel,
  hostile?: (args: Arg[]) => Hostility | undefined,
): Promise<DifferentialResult> {
  const k = loaded ?? (await loadKernel(wasm, abi));
  const compiled = k.bind(original);
  const before = k.stats.calls - k.stats.fallbacks;
  const mismatches: Mismatch[] = [];
  for (const args of inputs) {
    const m = compareCall(original, compiled, args, hostile?.(args));
    if (m) mismatches.push(m);
  }
  return { cases: inputs.length, compiledCalls: k.stats.calls - k.stats.fallbacks - before, mismatches };
}

// Generated cases for the proof: JavaScript's edge values placed in every scalar parameter and in the elements of
// every array parameter, empty and length-1 arrays, and arrays of the lengths the program really passed.
import type { AbiParam, ArrayKind } from '../abi';

/** One input of the proof. */
export interface ProofCase {
  args: unknown[];
  source: 'recorded' | 'edge' | 'shrink';
  /** What the case tries, e.g. "argument 2 = NaN". */
  label: string;
  /**
   * For a scalar set to a large magnitude: which parameter and how large. When such a case runs out of time
   * (the parameter bounds a loop), larger values of the same parameter are skipped rather than run.
   */
  growth?: { param: number; magnitude: number };
}

/** Edge values for numbers: zeros, specials, subnormals and the 2^31, 2^32 and 2^53 boundaries. */
export const EDGE_SCALARS: readonly number[] = [
  0,
  -0,
  1,
  -1,
  0.5,
  -1.5,
  NaN,
  -Infinity,
  5e-324,
  -5e-324,
  2.2250738585072014e-308,
  -(2 ** 31),
  -(2 ** 31) - 1,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 53 - 1,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53) - 2,
  1.7976931348623157e308,
  Infinity,
];

/** Values placed into array elements. */
export const EDGE_ELEMENTS: readonly number[] = [
  0,
  -0,
  1,
  -1,
  0.5,
  -1.5,
  NaN,
  Infinity,
  -Infinity,
  5e-324,
  -5e-324,
  2.2250738585072014e-308,
  1.7976931348623157e308,
  -(2 ** 31),
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 53 + 2,
  -(2 ** 53) - 2,
  255,
  256,
  -129,
  65535,
  65536,
];

/** A new array of a kind holding `values` (converted by the array itself, as JavaScript would). */
export function makeArray(kind: ArrayKind, values: readonly number[]): unknown {
  if (kind === 'Array') return values.slice();
  const C = globalThis[kind] as unknown as { from(v: readonly number[]): unknown };
  return C.from(values);
}

function arrayValues(v: unknown): number[] | undefined {
  if (Array.isArray(v)) return v.every((x) => typeof x === 'number') ? (v as number[]) : undefined;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array))
    return Array.from(v as unknown as ArrayLike<number>);
  return undefined;
}

/** A plain object holding `from`, `from + 1`, … under `keys`, in order (a key that holds a typed array: four of them). */
function objectOf(keys: readonly string[], from: number, arrays?: readonly (ArrayKind | null)[]): Record<string, unknown> {
  const held = (kind: ArrayKind, i: number) => makeArray(kind, [from + i, from + i + 1, from + i + 2, from + i + 3]);
  return Object.fromEntries(keys.map((k, i) => [k, arrays?.[i] ? held(arrays[i]!, i) : from + i]));
}

/** Arguments to start from when nothing was recorded: small ints, arrays of four elements. */
export function defaultArgs(params: readonly AbiParam[]): unknown[] {
  return params.map((p) =>
    p.kind === 'array'
      ? makeArray(p.array, [1, 2, 3, 4])
      : p.kind === 'rows'
        ? [makeArray(p.row, [1, 2, 3, 4]), makeArray(p.row, [5, 6, 7, 8])]
        : p.kind === 'objects'
          ? p.one
            ? objectOf(p.keys, 1, p.arrays)
            : [objectOf(p.keys, 1), objectOf(p.keys, 5)]
          : p.kind === 'string'
            ? 'abc'
            : p.kind === 'bool'
              ? true
              : p.kind === 'int32'
                ? 3
                : 1.5,
  );
}

/**
 * Copies arguments, keeping an object passed twice as one copy; an array's elements that are arrays or objects (the
 * rows of an array of arrays), and the typed arrays an object's keys hold, are copied too, the same way, so that a
 * row or typed array shared by two places stays shared.
 */
export function copyArgs(args: readonly unknown[]): unknown[] {
  const seen = new Map<unknown, unknown>();
  const copyOf = (a: unknown): unknown => {
    if (a === null || typeof a !== 'object') return a;
    let c = seen.get(a);
    if (c === undefined) {
      if (Array.isArray(a)) {
        const rows = a.slice();
        seen.set(a, rows);
        for (let i = 0; i < rows.length; i++) if (rows[i] !== null && typeof rows[i] === 'object') rows[i] = copyOf(rows[i]);
        return rows;
      }
      if (!ArrayBuffer.isView(a) && Object.values(a).some((v) => ArrayBuffer.isView(v))) {
        // An object holding typed arrays: each copied the same way, so that one held by two keys, or by a key and
        // another argument, stays one array.
        const o: Record<string, unknown> = {};
        seen.set(a, o);
        for (const [k, v] of Object.entries(a)) o[k] = copyOf(v);
        return o;
      }
      c = ArrayBuffer.isView(a) ? (a as unknown as Uint8Array).slice() : structuredClone(a);
      seen.set(a, c);
    }
    return c;
  };
  return args.map(copyOf);
}

/**
 * Edge cases for a signature, around `base` (the smallest recorded call, or {@link defaultArgs}): every scalar
 * set to each edge value, every array emptied, cut to one element, and given edge values at its first, middle
 * and last positions and everywhere.
 */
export function edgeCases(params: readonly AbiParam[], base: readonly unknown[]): ProofCase[] {
  const out: ProofCase[] = [];
  const withArg = (i: number, v: unknown) => {
    const args = copyArgs(base);
    args[i] = v;
    return args;
  };
  const arrays = params.map((p, i) => ({ p, i })).filter((x) => x.p.kind === 'array');
  const grows: ProofCase[] = [];
  params.forEach((p, i) => {
    if (p.kind === 'string') {
      // Empty, one code unit, a lone surrogate, a pair, letters outside Latin-1, the recorded string reversed.
      const given = typeof base[i] === 'string' ? (base[i] as string) : 'abc';
      for (const v of ['', 'a', 'aa', '\ud800', '\ud83d\ude00', 'élan', 'Ωa', [...given].reverse().join(''), given + given]) {
        out.push({ args: withArg(i, v), source: 'edge', label: `argument ${i + 1} = ${JSON.stringify(v)}` });
      }
    } else if (p.kind === 'bool') {
      for (const v of [true, false]) out.push({ args: withArg(i, v), source: 'edge', label: `argument ${i + 1} = ${v}` });
    } else if (p.kind === 'f64' || p.kind === 'int32') {
      for (const v of EDGE_SCALARS) {
        const c: ProofCase = { args: withArg(i, v), source: 'edge', label: `argument ${i + 1} = ${Object.is(v, -0) ? '-0' : v}` };
        // Large positive values may make a loop bounded by the parameter run for ever: tried last, smallest first.
        if (v >= 256) grows.push({ ...c, growth: { param: i, magnitude: v } });
        else out.push(c);
      }
    }
  });
  if (arrays.length > 0) {
    const sized = (n: number, fill: (j: number, old: number[] | undefined) => number) => {
      const args = copyArgs(base);
      for (const { p, i } of arrays) {
        const old = arrayValues(base[i]);
        args[i] = makeArray(
          (p as { array: ArrayKind }).array,
          Array.from({ length: n }, (_, j) => fill(j, old)),
        );
      }
      return args;
    };
    out.push({ args: sized(0, () => 0), source: 'edge', label: 'every array empty' });
    out.push({ args: sized(1, (j, old) => old?.[j] ?? 1), source: 'edge', label: 'every array of length 1' });
    for (const v of EDGE_ELEMENTS) out.push({ args: sized(1, () => v), source: 'edge', label: `every array = [${Object.is(v, -0) ? '-0' : v}]` });
    for (const { p, i } of arrays) {
      const kind = (p as { array: ArrayKind }).array;
      const old = arrayValues(base[i]) ?? [1, 2, 3, 4];
      out.push({ args: withArg(i, makeArray(kind, [])), source: 'edge', label: `argument ${i + 1} empty` });
      if (old.length === 0) continue;
      const spots = [...new Set([0, old.length >> 1, old.length - 1])];
      for (const v of EDGE_ELEMENTS) {
        const shown = Object.is(v, -0) ? '-0' : String(v);
        const some = old.slice();
        for (const s of spots) some[s] = v;
        out.push({ args: withArg(i, makeArray(kind, some)), source: 'edge', label: `argument ${i + 1} holding ${shown} at ${spots.join(', ')}` });
        out.push({
          args: withArg(
            i,
            makeArray(
              kind,
              old.map(() => v),
            ),
          ),
          source: 'edge',
          label: `argument ${i + 1} filled with ${shown}`,
        });
      }
    }
  }
  // Objects: the recorded ones as they are, each field given each edge value in every object, and for an array of
  // objects none and the first alone.
  params.forEach((p, i) => {
    if (p.kind !== 'objects') return;
    const old = base[i];
    const objects = (p.one ? [old] : Array.isArray(old) ? old : []).filter((o): o is Record<string, unknown> => o !== null && typeof o === 'object');
    const rebuilt = (field: (o: Record<string, unknown>) => Record<string, unknown>) => (p.one ? field(objects[0] ?? {}) : objects.map(field));
    out.push({
      args: withArg(
        i,
        rebuilt((o) => ({ ...o })),
      ),
      source: 'edge',
      label: `argument ${i + 1} as recorded`,
    });
    if (!p.one) {
      out.push({ args: withArg(i, []), source: 'edge', label: `argument ${i + 1} empty` });
      if (objects.length > 1) out.push({ args: withArg(i, [{ ...objects[0] }]), source: 'edge', label: `argument ${i + 1} holding its first object only` });
    }
    // A key holding a typed array: filled with each edge value.
    p.keys.forEach((k, j) => {
      const kind = p.arrays?.[j];
      const held = (objects[0] as Record<string, unknown> | undefined)?.[k];
      if (!kind || !ArrayBuffer.isView(held)) return;
      for (const v of EDGE_ELEMENTS) {
        const filled = makeArray(kind, new Array<number>((held as unknown as ArrayLike<number>).length).fill(v));
        out.push({
          args: withArg(
            i,
            rebuilt((o) => ({ ...o, [k]: filled })),
          ),
          source: 'edge',
          label: `argument ${i + 1} with ${k} filled with ${Object.is(v, -0) ? '-0' : String(v)}`,
        });
      }
    });
    for (const k of p.keys.filter((_, j) => !p.arrays?.[j])) {
      for (const v of EDGE_ELEMENTS) {
        const shown = Object.is(v, -0) ? '-0' : String(v);
        out.push({
          args: withArg(
            i,
            rebuilt((o) => ({ ...o, [k]: v })),
          ),
          source: 'edge',
          label: `argument ${i + 1} with ${k} = ${shown}`,
        });
      }
    }
  });
  grows.sort((a, b) => a.growth!.param - b.growth!.param || a.growth!.magnitude - b.growth!.magnitude);
  return [...out, ...grows];
}

/** Total elements of the arrays among a call's arguments (to pick the smallest recorded call as a base). */
export function elementCount(args: readonly unknown[]): number {
  let n = 0;
  for (const a of args) if (Array.isArray(a) || ArrayBuffer.isView(a)) n += (a as ArrayLike<unknown>).length;
  return n;
}

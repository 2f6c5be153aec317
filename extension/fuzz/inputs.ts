// Inputs for proofs and fuzzing: JavaScript's edge values (NaN, ±0, ±Infinity, subnormals, the 2^31, 2^32 and
// 2^53 boundaries), empty and length-1 arrays, and seeded random values.
import type { AbiParam, ArrayKind } from '../abi';
import type { Arg } from './differential';

/** The seeded generator of the cases: the same seed gives the same cases. */
export { seededRandom as rng } from '../random';

export const EDGE_NUMBERS: readonly number[] = [
  0,
  -0,
  1,
  -1,
  0.5,
  -0.5,
  1.5,
  -1.5,
  2.5,
  -2.5,
  0.49999999999999994,
  NaN,
  Infinity,
  -Infinity,
  5e-324,
  -5e-324,
  2.2250738585072014e-308,
  1.7976931348623157e308,
  -1.7976931348623157e308,
  2147483647,
  2147483648,
  -2147483648,
  -2147483649,
  4294967295,
  4294967296,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  2 ** 63,
  2 ** 64,
  3,
  7,
  10,
  255,
  256,
  -128,
  65535,
  1e-7,
  Math.PI,
  -Math.E,
];

const INT32_EDGES = [0, 1, -1, 2, 3, 7, 100, 255, 256, 2147483647, -2147483648, 65535, -32768];

export function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

/** A number: an edge value, a small integer, or a random double. */
export function randomNumber(r: () => number): number {
  const k = r();
  if (k < 0.4) return pick(r, EDGE_NUMBERS);
  if (k < 0.7) return Math.floor(r() * 21) - 10;
  if (k < 0.85) return (r() - 0.5) * 200;
  return (r() - 0.5) * 2 ** Math.floor(r() * 80 - 20);
}

export function randomInt32(r: () => number): number {
  return r() < 0.5 ? pick(r, INT32_EDGES) : Math.floor(r() * 4294967296) - 2147483648;
}

/** An array of the given kind; values are converted by the array itself, as JavaScript would. */
export function randomArray(r: () => number, kind: ArrayKind, length: number): Arg {
  const values = Array.from({ length }, () => (kind === 'Array' || kind.startsWith('Float') ? randomNumber(r) : r() < 0.5 ? randomInt32(r) : randomNumber(r)));
  if (kind === 'Array') return values;
  const C = globalThis[kind] as unknown as { from(v: number[]): Arg };
  return C.from(values);
}

export const LENGTHS = [0, 1, 1, 2, 3, 4, 5, 8, 16];

/** One object with a number under each key, in order (a plain object: the recorded shape of `{x, y}` literals). */
export function randomObject(r: () => number, keys: readonly string[], arrays?: readonly (ArrayKind | null)[], length = 0): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  // A key holding a typed array (AbiParam 'objects' `arrays`): a random one of that kind.
  keys.forEach((k, j) => (o[k] = arrays?.[j] ? randomArray(r, arrays[j]!, length) : randomNumber(r)));
  return o;
}

/** Code units a string argument is made of: a small alphabet (so that elements often compare equal), a letter outside Latin-1, and the two halves of a surrogate pair. */
const STRING_UNITS = ['a', 'b', 'a', 'c', 'é', 'Ω', '\ud83d', '\ude00', '\u0000', '0'];

/** A string of `n` code units, now and then one of the edge strings (empty, one unit, a lone surrogate). */
export function randomString(r: () => number, n: number): string {
  if (r() < 0.1) return pick(r, ['', 'a', '\ud800', '\ud83d\ude00', 'aaaa']);
  let s = '';
  for (let i = 0; i < n; i++) s += pick(r, STRING_UNITS);
  return s;
}

/** Edge values that keep loops short when a number is a size or a bound. */
const SMALL_EDGES = [0, -0, 1, -1, 0.5, 1.5, NaN, 5e-324, -2147483648, 2, 3];

/**
 * One argument list for a signature; int32 parameters get int32 values most of the time.
 * With `small`, numbers stay near the array length, for kernels whose loops run to a number parameter.
 */
export function randomArgs(r: () => number, params: readonly AbiParam[], length?: number, small = false): Arg[] {
  const n = length ?? pick(r, LENGTHS);
  return params.map((p) => {
    if (small && (p.kind === 'f64' || p.kind === 'int32')) return r() < 0.7 ? Math.floor(r() * (n + 3)) - 1 : pick(r, SMALL_EDGES);
    switch (p.kind) {
      case 'f64':
        return randomNumber(r);
      case 'int32':
        return r() < 0.9 ? (r() < 0.7 ? Math.floor(r() * (n + 3)) - 1 : randomInt32(r)) : randomNumber(r);
      case 'bool':
        return r() < 0.5;
      case 'array':
        return randomArray(r, p.array, r() < 0.8 ? n : pick(r, LENGTHS));
      case 'objects':
        return (p.one
          ? randomObject(r, p.keys, p.arrays, n)
          : Array.from({ length: r() < 0.8 ? n : pick(r, LENGTHS) }, () => randomObject(r, p.keys))) as unknown as Arg;
      case 'rows':
        // Rows mostly of one length (a matrix, bodies of seven numbers), sometimes ragged.
        return Array.from({ length: pick(r, LENGTHS) }, () => randomArray(r, p.row, r() < 0.8 ? n : pick(r, LENGTHS))) as Arg;
      case 'string':
        return randomString(r, r() < 0.8 ? n : pick(r, LENGTHS)) as unknown as Arg;
    }
  });
}

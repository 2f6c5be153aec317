// Integer arithmetic on small int32 values done in doubles: `1 / ((i + j) * (i + j + 1) / 2 + i + 1)` with `i`
// and `j` int32 values. When every int32 leaf is within ±L, every step's exact value is N / 2^k with |N| <= 2^53
// (division only by a power of two), so every double operation is exact and the whole expression equals
// N / 2^k, with N computed in 64-bit integers and converted once. The backend checks the leaves at run time
// (all in [0, L): one unsigned compare of their bitwise or) and computes the double expression as before
// otherwise. The result's sign of zero is kept: an
// expression that JavaScript could make -0 is not taken.
import type { Expr } from './ir';

/** Doubles hold every integer up to this magnitude exactly. */
const EXACT = 2 ** 53;
/** Leaves are checked against ±2^p, the largest p (down to MIN_P) that keeps every step exact. */
const MAX_P = 30;
const MIN_P = 8;
const MAX_SCALE = 60;

/** An integer leaf: `f64.from_i32` of an int32 local. */
export type DyadicLeaf = Extract<Expr, { kind: 'unary' }>;

export interface DyadicPlan {
  /** The int32 locals the leaves read (each checked once). */
  locals: number[];
  /** Every leaf is within ±limit (a power of two). */
  limit: number;
}

interface Shape {
  /** Bound on |numerator|. */
  bound: number;
  /** The value is numerator / 2^scale. */
  scale: number;
  /** JavaScript's value is never -0. */
  noNegZero: boolean;
}

function isLeaf(e: Expr): e is DyadicLeaf {
  return e.kind === 'unary' && e.op === 'f64.from_i32' && e.arg.kind === 'local';
}

/** Scale of a division by `c` when `c` is a power of two (1 .. 2^30), else undefined. */
export function powerOfTwo(c: number): number | undefined {
  for (let p = 0; p <= 30; p++) if (c === 2 ** p) return p;
  return undefined;
}

function shape(e: Expr, limit: number, locals: Set<number>): Shape | undefined {
  if (isLeaf(e)) {
    locals.add((e.arg as Extract<Expr, { kind: 'local' }>).local);
    return { bound: limit, scale: 0, noNegZero: true };
  }
  if (e.kind === 'const') {
    const ok = e.type === 'f64' && Number.isInteger(e.value) && Math.abs(e.value) <= EXACT && !Object.is(e.value, -0);
    return ok ? { bound: Math.abs(e.value), scale: 0, noNegZero: true } : undefined;
  }
  if (e.kind !== 'binary') return undefined;
  if (e.op === 'f64.div') {
    const p = e.right.kind === 'const' && e.right.type === 'f64' ? powerOfTwo(e.right.value) : undefined;
    const l = p === undefined ? undefined : shape(e.left, limit, locals);
    if (!l || l.scale + p! > MAX_SCALE) return undefined;
    return { ...l, scale: l.scale + p! };
  }
  if (e.op !== 'f64.add' && e.op !== 'f64.sub' && e.op !== 'f64.mul') return undefined;
  const l = shape(e.left, limit, locals);
  const r = l && shape(e.right, limit, locals);
  if (!l || !r) return undefined;
  if (e.op === 'f64.mul') {
    const bound = l.bound * r.bound;
    const scale = l.scale + r.scale;
    return bound > EXACT || scale > MAX_SCALE ? undefined : { bound, scale, noNegZero: false };
  }
  const scale = Math.max(l.scale, r.scale);
  const bound = l.bound * 2 ** (scale - l.scale) + r.bound * 2 ** (scale - r.scale);
  if (bound > EXACT) return undefined;
  // x + y is -0 only when both are; x - y only when x is -0.
  return { bound, scale, noNegZero: e.op === 'f64.add' ? l.noNegZero || r.noNegZero : l.noNegZero };
}

/**
 * A plan for `e` when it is worth computing in integers: a sum, difference or product of int32 leaves and
 * integer constants, divided only by powers of two, with at least one product of two non-constant values,
 * never -0, exact for leaves within ±2^p for some p >= MIN_P.
 */
export function dyadicPlan(e: Expr): DyadicPlan | undefined {
  if (e.kind !== 'binary' || e.type !== 'f64') return undefined;
  for (let p = MAX_P; p >= MIN_P; p--) {
    const locals = new Set<number>();
    const s = shape(e, 2 ** p, locals);
    if (!s) continue;
    const products = countProducts(e);
    if (!s.noNegZero || products === 0 || locals.size === 0) return undefined;
    return { locals: [...locals].sort((a, b) => a - b), limit: 2 ** p };
  }
  return undefined;
}

function countProducts(e: Expr): number {
  if (e.kind !== 'binary') return 0;
  const own = e.op === 'f64.mul' && e.left.kind !== 'const' && e.right.kind !== 'const' ? 1 : 0;
  return own + countProducts(e.left) + countProducts(e.right);
}

/** The scale (power of two the numerator is divided by) of a node of a planned expression. */
export function dyadicScale(e: Expr): number {
  if (e.kind !== 'binary') return 0;
  if (e.op === 'f64.div') return dyadicScale(e.left) + powerOfTwo((e.right as Extract<Expr, { kind: 'const' }>).value)!;
  if (e.op === 'f64.mul') return dyadicScale(e.left) + dyadicScale(e.right);
  return Math.max(dyadicScale(e.left), dyadicScale(e.right));
}

// Integer arithmetic hidden in doubles: `y * w + x` over int32 values is a double in JavaScript, but as long as
// every step stays within ±2^53 it is an exact integer, and a backend may compute it in 64-bit integers instead.
// So are `k % d` (JavaScript's `%` of two exact integers is their integer remainder, with the dividend's sign),
// and `Math.floor(x / 10)` and `Math.trunc(x / 10)` of an integer by a positive integer constant (the quotient's
// rounding never reaches the next integer below 2^53, so they are integer division). This module
// finds such expressions and the double locals that only ever hold them. Where a static bound cannot show a step
// exact, the backend checks it at run time and bails out (the original then runs), so the integer code never gives
// an answer JavaScript would not: an operand beyond the limit it is checked against, a remainder by zero (NaN in
// JavaScript), a -0 that an integer local cannot hold.

import type { Expr, IrFunction } from './ir';
import { forEachSet } from './ir-walk';

/** Doubles hold every integer up to this magnitude exactly. */
export const EXACT = 2 ** 53;
/** The magnitude an integer local may reach; a value checked at run time bails out beyond it. */
export const CHECKED_LIMIT = 2 ** 49;
/** Factors within this magnitude have a product below 2^52, exact in doubles (`d * d <= k`, see `squareFactors`). */
export const FACTOR_LIMIT = 2 ** 26;
/** Static bounds above this could overflow 64-bit arithmetic: such expressions stay doubles. */
const I64_SAFE = 2 ** 62;
/** The largest constant divisor of an integer division (`Math.floor(x / c)`). */
const MAX_DIVISOR = 2 ** 31;

/**
 * The integer locals of a function (`intLocals`): the double locals that hold exact integers, and among them
 * (`int32`) those that stay int32 values: each assignment is an int32 value, or the local stepped by one, which
 * the backend checks and bails out on past int32 (a counter that reaches 2^31 in one call is rare).
 */
export type IntLocals = ReadonlySet<number> & { readonly int32?: ReadonlySet<number> };

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** An integer-valued double expression: a bound on its magnitude and whether JavaScript can make it -0. */
export interface IntShape {
  bound: number;
  /** JavaScript's value is never -0 (a 64-bit integer has no -0). */
  noNegZero: boolean;
}

/** The bound an operand has once the backend has checked it (operands that might be inexact get checked). */
export function operandBound(s: IntShape): number {
  return s.bound > EXACT ? CHECKED_LIMIT : s.bound;
}

type Binary = Extract<Expr, { kind: 'binary' }>;

/**
 * `x / c` with `x` an integer expression and `c` a positive integer constant (at most 2^31): the dividend, its
 * shape and the divisor. Its floor, truncation and ToInt32 are integer divisions of the exact dividend.
 */
export function intDivision(e: Expr, ints: IntLocals): { x: Expr; shape: IntShape; c: number } | undefined {
  if (e.kind !== 'binary' || e.op !== 'f64.div' || e.right.kind !== 'const') return undefined;
  const c = e.right.value;
  if (!Number.isInteger(c) || c < 1 || c > MAX_DIVISOR) return undefined;
  const shape = intShape(e.left, ints);
  return shape && { x: e.left, shape, c };
}

/**
 * The limit the dividend of an integer division is checked against (undefined: none). Below 2^53 the double
 * quotient x / c lies within half an ulp of the true one, which is at least 1/c from the next integer: floor and
 * truncation of the rounded quotient are those of the true one.
 */
export function dividendLimit(s: IntShape): number | undefined {
  return s.bound >= EXACT ? CHECKED_LIMIT : undefined;
}

/**
 * The limits the operands of an integer operation are checked against at run time (undefined: no check): an
 * operand that might be inexact is checked against CHECKED_LIMIT.
 */
export function operandLimits(l: IntShape, r: IntShape): [number | undefined, number | undefined] {
  const limit = (s: IntShape): number | undefined => (s.bound > EXACT ? CHECKED_LIMIT : undefined);
  return [limit(l), limit(r)];
}

/**
 * Whether a comparison side of shape `s`, computed exactly in 64-bit integers, compares with the other side as
 * JavaScript's value does: when it is exact in doubles itself, or when the other side (of shape `other`) is below
 * 2^53: rounding to the nearest double keeps a value's order against any double, and a value beyond 2^53 rounds to
 * one beyond 2^53 (`d * d <= k` with int32 values: no check).
 */
export function exactCompare(s: IntShape, other: IntShape | undefined): boolean {
  return s.bound <= EXACT || (other !== undefined && other.bound < EXACT);
}

/**
 * The factors of a product of two integer locals (or int32 values, or constants) that may leave the exact doubles
 * (`d * d` of a counter): a comparison with it is made on integers when both factors are within FACTOR_LIMIT at
 * run time (the product is then exact in doubles too), and on doubles, as written, otherwise. The factors are read
 * twice, so only values without effects qualify.
 */
export function squareFactors(e: Expr, ints: IntLocals): [Expr, Expr] | undefined {
  if (e.kind !== 'binary' || e.op !== 'f64.mul') return undefined;
  const s = intShape(e, ints);
  if (s && s.bound <= EXACT) return undefined;
  const leaf = (x: Expr): boolean =>
    (x.kind === 'local' && intShape(x, ints) !== undefined) ||
    (x.kind === 'unary' && (x.op === 'f64.from_i32' || x.op === 'f64.from_u32') && x.arg.kind === 'local') ||
    (x.kind === 'const' && intShape(x, ints) !== undefined && Math.abs(x.value) <= FACTOR_LIMIT);
  return leaf(e.left) && leaf(e.right) ? [e.left, e.right] : undefined;
}

/** The operand shapes of an integer operation on two int32 values (`js.mod_i32`). */
const INT32: IntShape = { bound: 2 ** 31, noNegZero: true };

/**
 * The shape of `e` when it is a sum, difference, product or remainder of int32/uint32 values, integer constants
 * and integer locals (`ints`), an integer division of one by a constant, or a choice between two of them,
 * computable in 64-bit integers without overflow; undefined otherwise.
 */
export function intShape(e: Expr, ints: IntLocals): IntShape | undefined {
  switch (e.kind) {
    case 'const':
      return e.type === 'f64' && Number.isInteger(e.value) && Math.abs(e.value) <= EXACT && !Object.is(e.value, -0)
        ? { bound: Math.abs(e.value), noNegZero: true }
        : undefined;
    case 'local':
      if (e.type !== 'f64' || !ints.has(e.local)) return undefined;
      return { bound: ints.int32?.has(e.local) ? 2 ** 31 : CHECKED_LIMIT, noNegZero: true };
    case 'unary': {
      if (e.op === 'f64.from_i32') return { bound: 2 ** 31, noNegZero: true };
      if (e.op === 'f64.from_u32') return { bound: 2 ** 32, noNegZero: true };
      if (e.op !== 'f64.floor' && e.op !== 'f64.trunc') return undefined;
      // |floor(x / c)| <= |x| for c >= 1. floor(-0 / c) is -0; trunc(-1 / 2) is -0.
      const d = intDivision(e.arg, ints);
      return d && { bound: dividendLimit(d.shape) ?? d.shape.bound, noNegZero: e.op === 'f64.floor' && d.shape.noNegZero };
    }
    case 'binary': {
      if (e.op === 'js.mod_i32') return { bound: INT32.bound, noNegZero: false };
      if (e.op !== 'f64.add' && e.op !== 'f64.sub' && e.op !== 'f64.mul' && e.op !== 'js.mod') return undefined;
      const l = intShape(e.left, ints);
      const r = l && intShape(e.right, ints);
      if (!l || !r) return undefined;
      const lb = operandBound(l);
      const rb = operandBound(r);
      // |x % y| <= |x| and < |y|; the sign is x's, so it is -0 whenever x is negative and y divides it.
      if (e.op === 'js.mod') return { bound: Math.min(lb, rb), noNegZero: false };
      // The bound is itself a double: at 2^53 and beyond its sum or product may have been rounded down (1 + 2^53 is
      // 2^53 in doubles), so a bound that reaches EXACT counts as beyond it and the value is checked where it is used.
      const computed = e.op === 'f64.mul' ? lb * rb : lb + rb;
      const bound = computed >= EXACT ? Math.max(computed, 2 * EXACT) : computed;
      if (bound > I64_SAFE) return undefined;
      // x + y is -0 only when both are; x - y only when x is -0 (and y is +0); a product may be -0.
      const noNegZero = e.op === 'f64.add' ? l.noNegZero || r.noNegZero : e.op === 'f64.sub' ? l.noNegZero : false;
      return { bound, noNegZero };
    }
    case 'cond': {
      // `c ? x : y` (only the branch taken is evaluated).
      if (e.type !== 'f64') return undefined;
      const t = intShape(e.then, ints);
      const f = t && intShape(e.else, ints);
      return t && f && { bound: Math.max(t.bound, f.bound), noNegZero: t.noNegZero && f.noNegZero };
    }
    default:
      return undefined;
  }
}

/** Whether two expressions read the same local (`d` and `d` of `d * d`). */
export function sameLocal(a: Expr, b: Expr): boolean {
  return a.kind === 'local' && b.kind === 'local' && a.local === b.local;
}

/** The shapes of the operands of an integer remainder (`js.mod` of integer expressions, or `js.mod_i32`). */
export function remainderOperands(e: Binary, ints: IntLocals): [IntShape, IntShape] | undefined {
  if (e.op === 'js.mod_i32') return [INT32, INT32];
  if (e.op !== 'js.mod') return undefined;
  const l = intShape(e.left, ints);
  const r = l && intShape(e.right, ints);
  return l && r ? [l, r] : undefined;
}

/**
 * Whether JavaScript's value of an integer expression that may be -0 is told from its integer value and operands
 * (the backend then bails out on a -0 rather than store +0): a remainder is -0 when it is 0 and its dividend is
 * negative (or is 0 and may be -0); a product of two values that are never -0, when it is 0 and an operand is
 * negative; a choice, when the branch taken is one of those or is never -0.
 */
export function negZeroDetectable(e: Expr, ints: IntLocals): boolean {
  if (e.kind === 'cond') return [e.then, e.else].every((x) => intShape(x, ints)?.noNegZero || negZeroDetectable(x, ints));
  if (e.kind !== 'binary') return false;
  if (remainderOperands(e, ints)) return true;
  if (e.op !== 'f64.mul') return false;
  const l = intShape(e.left, ints);
  const r = intShape(e.right, ints);
  return !!l?.noNegZero && !!r?.noNegZero;
}

/**
 * The double locals whose every assignment is an integer expression that is never -0 (or whose -0 the backend
 * detects and bails out on): they can live in 64-bit integer locals. Parameters take part when the loader
 * guarantees an int32 at entry (`guard: 'int32'` on a double parameter: the function also assigns it values that
 * are not int32). Found as the largest set closed under their own assignments (`j = j + 1` keeps `j` an integer
 * local when `j` starts as one).
 */
export function intLocals(f: IrFunction): IntLocals {
  const params = new Set(f.params.filter((p) => typeof p.type !== 'object' && p.guard !== 'int32').map((p) => p.slot));
  const ints = new Set<number>();
  f.locals.forEach((l, i) => {
    if (l.type === 'f64' && !params.has(i)) ints.add(i);
  });
  for (let changed = true; changed;) {
    changed = false;
    forEachSet(f.body, (local, value) => {
      if (!ints.has(local)) return;
      const s = intShape(value, ints);
      if (!s || (!s.noNegZero && !negZeroDetectable(value, ints))) {
        ints.delete(local);
        changed = true;
      }
    });
  }
  return Object.assign(ints, { int32: int32Locals(f, ints) });
}

/** Whether `e` is an int32 value (given the int32 locals): an int32 literal, int32 value or local, a remainder of one. */
export function int32Valued(e: Expr, int32: ReadonlySet<number>): boolean {
  switch (e.kind) {
    case 'const':
      return e.type === 'f64' && Number.isInteger(e.value) && e.value >= INT32_MIN && e.value <= INT32_MAX && !Object.is(e.value, -0);
    case 'local':
      return e.type === 'f64' && int32.has(e.local);
    case 'unary':
      return e.op === 'f64.from_i32';
    case 'binary':
      // |x % y| <= |x|.
      return e.op === 'js.mod_i32' || (e.op === 'js.mod' && int32Valued(e.left, int32));
    case 'cond':
      return e.type === 'f64' && int32Valued(e.then, int32) && int32Valued(e.else, int32);
    default:
      return false;
  }
}

/** `local + 1` or `local - 1` (a counter's step), as a double. */
export function stepOf(e: Expr, local: number): boolean {
  return (
    e.kind === 'binary' &&
    (e.op === 'f64.add' || e.op === 'f64.sub') &&
    e.left.kind === 'local' &&
    e.left.local === local &&
    e.right.kind === 'const' &&
    e.right.value === 1
  );
}

/**
 * The integer locals that stay int32 (IntLocals.int32): every assignment an int32 value or a step by one (checked).
 * The largest such set; a parameter qualifies on its int32 value at entry (exact-ints only takes guarded ones).
 */
function int32Locals(f: IrFunction, ints: ReadonlySet<number>): Set<number> {
  const out = new Set(ints);
  for (let changed = true; changed;) {
    changed = false;
    forEachSet(f.body, (local, value) => {
      if (out.has(local) && !int32Valued(value, out) && !stepOf(value, local)) {
        out.delete(local);
        changed = true;
      }
    });
  }
  return out;
}

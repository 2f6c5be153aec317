// Integer arithmetic hidden in doubles: `y * w + x` over int32 values is a double in JavaScript, but as long as
// every step stays within ±2^53 it is an exact integer, and a backend may compute it in 64-bit integers instead.
// This module finds such expressions and the double locals that only ever hold them. Where a static bound
// cannot show a step exact, the backend checks it at run time and bails out (the original then runs), so the
// integer code never gives an answer JavaScript would not.

import type { Expr, IrFunction } from './ir';
import { forEachSet } from './ir-walk';

/** Doubles hold every integer up to this magnitude exactly. */
export const EXACT = 2 ** 53;
/** The magnitude an integer local may reach; a value checked at run time bails out beyond it. */
export const CHECKED_LIMIT = 2 ** 49;
/** Static bounds above this could overflow 64-bit arithmetic: such expressions stay doubles. */
const I64_SAFE = 2 ** 62;

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

/**
 * The shape of `e` when it is a sum, difference or product of int32/uint32 values, integer constants and
 * integer locals (`ints`), computable in 64-bit integers without overflow; undefined otherwise.
 */
export function intShape(e: Expr, ints: ReadonlySet<number>): IntShape | undefined {
  switch (e.kind) {
    case 'const':
      return e.type === 'f64' && Number.isInteger(e.value) && Math.abs(e.value) <= EXACT && !Object.is(e.value, -0)
        ? { bound: Math.abs(e.value), noNegZero: true }
        : undefined;
    case 'local':
      return e.type === 'f64' && ints.has(e.local) ? { bound: CHECKED_LIMIT, noNegZero: true } : undefined;
    case 'unary':
      if (e.op === 'f64.from_i32') return { bound: 2 ** 31, noNegZero: true };
      if (e.op === 'f64.from_u32') return { bound: 2 ** 32, noNegZero: true };
      return undefined;
    case 'binary': {
      if (e.op !== 'f64.add' && e.op !== 'f64.sub' && e.op !== 'f64.mul') return undefined;
      const l = intShape(e.left, ints);
      const r = l && intShape(e.right, ints);
      if (!l || !r) return undefined;
      const lb = operandBound(l);
      const rb = operandBound(r);
      const bound = e.op === 'f64.mul' ? lb * rb : lb + rb;
      if (bound > I64_SAFE) return undefined;
      // x + y is -0 only when both are; x - y only when x is -0 (and y is +0); a product may be -0.
      const noNegZero = e.op === 'f64.add' ? l.noNegZero || r.noNegZero : e.op === 'f64.sub' ? l.noNegZero : false;
      return { bound, noNegZero };
    }
    default:
      return undefined;
  }
}

/**
 * The double locals (not parameters) whose every assignment is an integer expression that is never -0:
 * they can live in 64-bit integer locals. Found as the largest set closed under their own assignments
 * (`j = j + 1` keeps `j` an integer local when `j` starts as one).
 */
export function intLocals(f: IrFunction): Set<number> {
  const params = new Set(f.params.filter((p) => typeof p.type !== 'object').map((p) => p.slot));
  const ints = new Set<number>();
  f.locals.forEach((l, i) => {
    if (l.type === 'f64' && !params.has(i)) ints.add(i);
  });
  for (let changed = true; changed;) {
    changed = false;
    forEachSet(f.body, (local, value) => {
      if (!ints.has(local)) return;
      const s = intShape(value, ints);
      if (!s || !s.noNegZero) {
        ints.delete(local);
        changed = true;
      }
    });
  }
  return ints;
}

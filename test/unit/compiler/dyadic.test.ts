// Which double expressions over int32 values the backend may compute in 64-bit integers (dyadic.ts), and up to
// which limit on the int32 leaves every step stays exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dyadicPlan, dyadicScale } from '../../../extension/compiler/dyadic';
import type { Expr } from '../../../extension/compiler/ir';

const i32 = (local: number): Expr => ({ kind: 'unary', type: 'f64', op: 'f64.from_i32', arg: { kind: 'local', type: 'i32', local } });
const c = (value: number): Expr => ({ kind: 'const', type: 'f64', value });
const bin = (op: 'f64.add' | 'f64.sub' | 'f64.mul' | 'f64.div', left: Expr, right: Expr): Expr => ({ kind: 'binary', type: 'f64', op, left, right });

test('(i + j)(i + j + 1) / 2 + i + 1: exact for int32 leaves below 2^25, scaled by one halving', () => {
  const s = bin('f64.add', i32(0), i32(1));
  const e = bin('f64.add', bin('f64.add', bin('f64.div', bin('f64.mul', s, bin('f64.add', s, c(1))), c(2)), i32(0)), c(1));
  assert.deepEqual(dyadicPlan(e), { locals: [0, 1], limit: 2 ** 25 });
  assert.equal(dyadicScale(e), 1);
});

test('mixed scales add up: x * y / 4 + x over int32 leaves, limit from the 2^53 bound of the scaled sum', () => {
  const e = bin('f64.add', bin('f64.div', bin('f64.mul', i32(0), i32(1)), c(4)), i32(0));
  assert.equal(dyadicScale(e), 2);
  // In quarters: |x y| + 4 |x| <= 2^53 holds for leaves up to 2^26 (2^52 + 2^28), not up to 2^27 (2^54 + 2^29).
  assert.deepEqual(dyadicPlan(e), { locals: [0, 1], limit: 2 ** 26 });
});

test('not taken: a product JavaScript can make -0, division by a non-power of two, no product, a non-int32 leaf', () => {
  assert.equal(dyadicPlan(bin('f64.mul', i32(0), i32(1))), undefined);
  assert.equal(dyadicPlan(bin('f64.sub', bin('f64.mul', i32(0), i32(1)), c(1))), undefined);
  assert.ok(dyadicPlan(bin('f64.add', bin('f64.mul', i32(0), i32(1)), c(1))));
  assert.equal(dyadicPlan(bin('f64.add', bin('f64.div', bin('f64.mul', i32(0), i32(1)), c(3)), c(1))), undefined);
  assert.equal(dyadicPlan(bin('f64.add', bin('f64.add', i32(0), i32(1)), c(1))), undefined);
  assert.equal(dyadicPlan(bin('f64.add', bin('f64.mul', i32(0), { kind: 'local', type: 'f64', local: 2 }), c(1))), undefined);
  assert.equal(dyadicPlan(bin('f64.add', bin('f64.mul', i32(0), i32(1)), c(0.5))), undefined);
  assert.equal(dyadicPlan(bin('f64.add', bin('f64.mul', i32(0), i32(1)), c(-0))), undefined);
});

test('too wide to stay exact even for leaves below 2^8: not taken', () => {
  let e: Expr = i32(0);
  for (let k = 0; k < 7; k++) e = bin('f64.mul', e, i32(k + 1));
  assert.equal(dyadicPlan(bin('f64.add', e, c(1))), undefined);
  let f: Expr = i32(0);
  for (let k = 0; k < 5; k++) f = bin('f64.mul', f, i32(k + 1));
  assert.deepEqual(dyadicPlan(bin('f64.add', f, c(1)))?.limit, 2 ** 8);
});

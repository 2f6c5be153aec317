// The range analysis behind the entry guard: which accesses it proves, and whether its guard holds for given
// sizes (evaluated here exactly, with BigInt, as the backends evaluate it in 64-bit integers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectKernel } from '../../../extension/compiler/compile';
import { intLocals } from '../../../extension/compiler/exact-ints';
import type { ParamTypeName } from '../../../extension/compiler/frontend-js';
import type { Expr, IrFunction, Stmt } from '../../../extension/compiler/ir';
import { rangeFacts, type RangeFacts } from '../../../extension/compiler/ranges';

async function facts(source: string, params: ParamTypeName[]): Promise<{ f: IrFunction; r: RangeFacts }> {
  const sel = await selectKernel({ source, fileName: 'k.js', functionName: 'k', params });
  if (!sel.ok) throw new Error(sel.refusal.reason);
  const f = sel.kernel.ir.functions.find((x) => x.name === sel.kernel.ir.entry)!;
  return { f, r: rangeFacts(f, intLocals(f), 0x3fffffff) };
}

/** The guard for int32 parameters (`p<local>`, locals numbered without the arrays) and array lengths (`n<array>`). */
function holds(r: RangeFacts, values: Record<string, number>): boolean {
  return r.guard.every((t) => {
    let sum = 0n;
    for (const [mono, c] of t.poly) sum += (mono ? mono.split('*') : []).reduce((x, v) => x * BigInt(values[v]!), BigInt(c));
    return sum <= 0n;
  });
}

/** Loads and stores of the function, in order. */
function accesses(f: IrFunction): (Expr | Stmt)[] {
  const out: (Expr | Stmt)[] = [];
  const expr = (e: Expr): void => {
    if (e.kind === 'load') out.push(e);
    for (const c of e.kind === 'unary'
      ? [e.arg]
      : e.kind === 'binary'
        ? [e.left, e.right]
        : e.kind === 'load'
          ? [e.index]
          : e.kind === 'cond'
            ? [e.cond, e.then, e.else]
            : [])
      expr(c);
  };
  const stmts = (list: Stmt[]): void => {
    for (const s of list) {
      if (s.kind === 'store') out.push(s);
      if (s.kind === 'set' || s.kind === 'expr' || s.kind === 'store') expr(s.value);
      if (s.kind === 'store') expr(s.index);
      if (s.kind === 'if') {
        expr(s.cond);
        stmts(s.then);
        stmts(s.else);
      }
      if (s.kind === 'loop') {
        stmts(s.body);
        stmts(s.update);
      }
    }
  };
  stmts(f.body);
  return out;
}

const BLUR = `function k(src, dst, w, h) {
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      dst[i] = (src[i - w - 1] + src[i - w] + src[i + w + 1] + src[(y + 1) * w + (x - 1)]) / 4;
    }
  }
}`;

test('a row-major blur: every access proven, the guard holds exactly when w × h fits the arrays', async () => {
  const { f, r } = await facts(BLUR, ['Float64Array', 'Float64Array', 'int32', 'int32']);
  assert.equal(accesses(f).filter((a) => r.proven.has(a)).length, 5);
  const at = (w: number, h: number, n0: number, n1 = n0) => holds(r, { p0: w, p1: h, n0, n1 });
  assert.equal(at(256, 256, 65536), true);
  assert.equal(at(256, 256, 65535), false);
  assert.equal(at(256, 256, 65536, 1000), false);
  assert.equal(at(3, 3, 9), true);
  assert.equal(at(-5, 4, 100), false);
  assert.equal(at(65536, 65536, 0x3fffffff), false);
});

test('a border that jumps away narrows the counters: (x, y) = (0, 0) reads are not in the interior', async () => {
  const src = `function k(src, dst, w, h) {
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (x === 0 || y === 0 || x === w - 1 || y === h - 1) { dst[i] = src[i]; continue; }
      dst[i] = Math.round((src[i - w - 1] + src[i + w + 1]) / 2);
    }
  }
}`;
  const { f, r } = await facts(src, ['Uint8Array', 'Uint8Array', 'int32', 'int32']);
  assert.equal(
    accesses(f).every((a) => r.proven.has(a)),
    true,
  );
  assert.equal(holds(r, { p0: 10, p1: 10, n0: 100, n1: 100 }), true);
  assert.equal(holds(r, { p0: 10, p1: 10, n0: 99, n1: 100 }), false);
});

test('an index one past the end is never proven; a <= bound on a parameter is checked against int32 overflow', async () => {
  const { f, r } = await facts('function k(a) { let s = 0; for (let i = 0; i < a.length; i++) s += a[i + 1]; return s; }', ['Float64Array']);
  assert.equal(
    accesses(f).some((a) => r.proven.has(a)),
    false,
  );
  const le = await facts('function k(a, n) { let s = 0; for (let i = 0; i <= n; i++) s += a[i]; return s; }', ['Float64Array', 'int32']);
  assert.equal(
    accesses(le.f).every((a) => le.r.proven.has(a)),
    true,
  );
  assert.equal(holds(le.r, { p0: 9, n0: 10 }), true);
  assert.equal(holds(le.r, { p0: 10, n0: 10 }), false);
  assert.equal(holds(le.r, { p0: 2147483647, n0: 0x3fffffff }), false);
});

test('every step of the index must be exact in doubles: y·w − y·w + x is proven only while y·w stays below 2^52', async () => {
  const src = `function k(a, w, h) {
  let s = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < a.length; x++) s += a[y * w - y * w + x];
  return s;
}`;
  const { f, r } = await facts(src, ['Float64Array', 'int32', 'int32']);
  assert.equal(
    accesses(f).every((a) => r.proven.has(a)),
    true,
  );
  assert.equal(holds(r, { p0: 1000, p1: 3, n0: 8 }), true);
  // y · w reaches 2^23 · 2^30 = 2^53, where JavaScript's doubles round: the guard must fail.
  assert.equal(holds(r, { p0: 2 ** 30, p1: 2 ** 23 + 1, n0: 8 }), false);
  assert.equal(holds(r, { p0: 2 ** 20, p1: 2 ** 10, n0: 8 }), true);
});

test('a decreasing counter and a sum of bytes: the sum is narrowed to int32 and Math.round(s / 3) becomes integer division', async () => {
  const src = `function k(a, out) {
  for (let i = a.length - 1; i >= 1; i--) {
    let s = 0;
    s += a[i];
    s += a[i - 1];
    out[i] = Math.round(s / 3);
  }
}`;
  const { f, r } = await facts(src, ['Uint8Array', 'Uint8Array']);
  assert.equal(
    accesses(f).every((a) => r.proven.has(a)),
    true,
  ); // out's length is checked at entry
  assert.equal(r.roundDivs.size, 1);
  assert.ok([...r.narrow].some((l) => f.locals[l]!.name === 's'));
  assert.equal(holds(r, { n0: 5, n1: 5 }), true);
  assert.equal(holds(r, { n0: 5, n1: 4 }), false);
});

test('ToInt32 of a sum of bytes times a constant is the value itself: (s * 7282) >>> 16 stays in int32', async () => {
  const src = `function k(a, out) {
  for (let i = 1; i < a.length; i++) {
    const s = a[i - 1] + a[i];
    out[i] = (s * 7282) >>> 16;
  }
}`;
  const { r } = await facts(src, ['Uint8Array', 'Uint8Array']);
  assert.equal(r.toInt32s.size, 1);
  // 2 · 255 · 7282 < 2^31 whatever the sizes: only the lengths are checked.
  assert.equal(holds(r, { n0: 9, n1: 9 }), true);
  const big = await facts(src.replace('7282', '2147483647'), ['Uint8Array', 'Uint8Array']);
  assert.equal(big.r.toInt32s.size, 0);
});

test('constant offsets: a[i - 1], a[i], a[i + 1] share the base i - 1, and the guard stays what it was', async () => {
  const src = `function k(a, out) {
  for (let i = 1; i < a.length - 1; i++) out[i] = a[i - 1] + a[i] + a[i + 1];
  for (let i = 0; i < a.length; i++) out[i] = a[i] + a[i + 1];
}`;
  const { f } = await facts(src, ['Float64Array', 'Float64Array']);
  const plain = rangeFacts(f, intLocals(f), 0x3fffffff);
  const r = rangeFacts(f, intLocals(f), 0x3fffffff, { offsets: true });
  assert.deepEqual(r.guard.map((t) => t.key).sort(), plain.guard.map((t) => t.key).sort(), 'offsets add no condition to the guard');
  assert.equal(plain.offsets.size, 0, 'offsets only when asked');
  const [store1, a1, a2, a3, store2, b1, b2] = accesses(f);
  assert.equal(r.offsets.get(a1!), undefined, 'the smallest index is the base itself');
  assert.equal(r.offsets.get(a2!), 1);
  assert.equal(r.offsets.get(a3!), 2);
  assert.equal(r.offsets.get(store1!), 1, 'out[i] shares the base of a[i - 1] (the same index less a constant)');
  // In the second loop i starts at 0: i - 1 may be -1 there, so a[i], a[i + 1] and out[i] only share the base i.
  assert.equal(r.offsets.get(b1!), undefined);
  assert.equal(r.offsets.get(b2!), undefined, 'a[i + 1] may be out of range at the end (not proven): no offset');
  assert.equal(r.offsets.get(store2!), undefined);
});

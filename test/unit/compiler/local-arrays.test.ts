// Arrays made in the function (IrArray.local), compiled to WebAssembly: the memory they grow into, the JavaScript
// value a returned one becomes, holes, and the built-ins the loader checks before it runs compiled code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../../extension/compiler/compile';
import { formatRefusal } from '../../../extension/compiler/refusal';
import { importSource } from '../../../extension/fuzz/differential';
import { loadKernel } from '../../../wasm/load-kernel';
import type { ParamTypeName } from '../../../extension/compiler/frontend-js';

const SOURCE = `
export function grow(a, n) {
  const big = new Float64Array(n);
  for (let i = 0; i < n; i++) big[i] = i;
  for (let i = 0; i < a.length; i++) a[i] = a[i] + big[n - 1 - i];
  return big[n - 1];
}
export function collect(a, n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(i * 0.5);
  for (let i = 0; i < a.length; i++) a[i] = out[i];
  return out;
}
export function squares(n) {
  var sq = new Int16Array(n);
  for (var i = 0; i < n; i++) sq[i] = i * i;
  return sq;
}
export function holes(n, k) {
  const h = new Array(n);
  for (let i = 0; i < n; i += 2) h[i] = i;
  return h[k] === 0 ? -1 : k;
}
export function halves(n) {
  const out = [n];
  if (n > 0) halves(n >> 1);
  for (let i = 0; i < n; i++) out.push(i);
  return out;
}
export function stack(n) {
  const st = [];
  let s = 0;
  for (let i = 0; i < n; i++) {
    st.push(i * 1.5);
    if (i % 3 === 2) {
      const top = st.pop();
      s += top;
      st.pop();
    }
  }
  var last = st.pop();
  let x = 0;
  x = st.pop();
  return s + last * 2 + x + st.length;
}
export function growAtEnd(n) {
  const p = [1, 2];
  for (let i = 0; i < n; i++) p[p.length] = p[i] + p[i + 1];
  return p;
}
`;

async function bound(name: string, params: ParamTypeName[]) {
  const r = await compile({ source: SOURCE, fileName: 'local.mjs', functionName: name, params });
  if (!r.ok) assert.fail(formatRefusal(r.refusal));
  const mod = await importSource<Record<string, (...a: unknown[]) => unknown>>(SOURCE);
  const k = await loadKernel(r.candidate.wasm, r.candidate.abi);
  return { original: mod[name]!, compiled: k.bind(mod[name]!) as (...a: unknown[]) => unknown, stats: k.stats, abi: r.candidate.abi };
}

test('an array made in the function grows the memory; the arguments written are copied back through fresh views', async () => {
  for (const [name, params] of [
    ['grow', ['Float64Array', 'int32']],
    ['collect', ['Float64Array', 'int32']],
  ] as const) {
    const k = await bound(name, [...params]);
    assert.equal(k.abi.allocates, true);
    for (const n of [10, 3_000_000, 20, 9_000_000, 5]) {
      const a1 = new Float64Array([1, 2, 3, 4]);
      const a2 = new Float64Array([1, 2, 3, 4]);
      const expected = k.original(a1, n);
      const actual = k.compiled(a2, n);
      assert.deepEqual(Array.from(a2), Array.from(a1), `${name}(${n}): the argument after the call`);
      if (typeof expected === 'number') assert.ok(Object.is(actual, expected));
      else assert.deepEqual(actual, expected);
    }
    assert.equal(k.stats.fallbacks, 0, k.stats.reason);
  }
});

test('a returned array is what the original returns: a plain Array of numbers, or a new typed array of its class', async () => {
  const plain = await bound('growAtEnd', ['int32']);
  const p = plain.compiled(10) as number[];
  assert.ok(Array.isArray(p) && Object.getPrototypeOf(p) === Array.prototype);
  assert.deepEqual(p, plain.original(10));
  const typed = await bound('squares', ['int32']);
  const s = typed.compiled(300) as Int16Array;
  assert.equal(Object.getPrototypeOf(s), Int16Array.prototype);
  assert.deepEqual(Array.from(s), Array.from(typed.original(300) as Int16Array));
  assert.notEqual(typed.compiled(3), typed.compiled(3), 'a new array each call');
  assert.equal(plain.stats.fallbacks + typed.stats.fallbacks, 0);
  // The entry calling itself as a statement (its result, an array, unused).
  const h = await bound('halves', ['int32']);
  for (const n of [0, 3, 50, 3000]) assert.deepEqual(h.compiled(n), h.original(n));
  assert.equal(h.stats.fallbacks, 0, h.stats.reason);
  // A length JavaScript refuses: the original runs and throws its RangeError.
  assert.throws(() => typed.compiled(-1), RangeError);
  assert.equal(typed.stats.fallbacks, 1);
});

test('pop: the last element taken off; an empty array, whose pop gives undefined where its value is used, runs the original', async () => {
  const k = await bound('stack', ['int32']);
  const ran = [0, 1, 2, 3, 4, 10, 100].map((n) => {
    const before = k.stats.fallbacks;
    assert.ok(Object.is(k.compiled(n), k.original(n)), `stack(${n})`);
    return k.stats.fallbacks === before;
  });
  // 0 and 1 (and 3: two popped at i = 2) leave too few elements for the two pops at the end.
  assert.deepEqual(ran, [false, false, true, false, true, true, true]);
});

test('a hole of new Array(n) read, or a constructor or method replaced, runs the original', async () => {
  const h = await bound('holes', ['int32', 'int32']);
  assert.equal(h.compiled(6, 2), 2);
  assert.equal(h.stats.fallbacks, 0);
  assert.equal(h.compiled(6, 3), 3, 'h[3] is a hole: undefined === 0 is false');
  assert.equal(h.stats.fallbacks, 1);
  assert.equal(h.compiled(6, 0), -1);

  const c = await bound('collect', ['Float64Array', 'int32']);
  const push = Array.prototype.push;
  let pushed = 0;
  Array.prototype.push = function (this: unknown[], ...xs: unknown[]) {
    pushed++;
    return push.apply(this, xs);
  };
  try {
    c.compiled(new Float64Array(2), 3);
  } finally {
    Array.prototype.push = push;
  }
  assert.equal(pushed, 3, 'the original ran, with the program’s push');
  assert.match(c.stats.reason, /Array\.prototype\.push/);

  const s = await bound('squares', ['int32']);
  const Int16 = globalThis.Int16Array;
  class Mine extends Int16 {}
  (globalThis as { Int16Array: unknown }).Int16Array = Mine;
  try {
    assert.ok(s.compiled(4) instanceof Mine);
  } finally {
    (globalThis as { Int16Array: unknown }).Int16Array = Int16;
  }
  assert.match(s.stats.reason, /Int16Array/);
});

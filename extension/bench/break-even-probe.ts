// The break-even probe (dist/break-even-probe.mjs, run by the user's Node.js): times the boundaries a compiled
// function crosses and prints one JSON line of BoundaryCosts (unknown costs as null). argv: the probe addon's path
// ('' when none could be built; runtime/probe-addon.cc).
import { createRequire } from 'node:module';
import { emitPlainElementRead } from '../../wasm/emit-argument-guard';
import { ARRAY_KINDS, type ArrayKind } from '../abi';

type TypedArrayClass = new (buffer: ArrayBufferLike | number, byteOffset?: number, length?: number) => Float64Array;

const require = createRequire(import.meta.url);
const addonPath = process.argv[2];
let sink = 0;

/** Best of several runs of n calls, in ns per call: the least disturbed run. */
function time(n: number, body: (n: number) => void): number {
  let best = Infinity;
  for (let r = 0; r < 7; r++) {
    const t0 = process.hrtime.bigint();
    body(n);
    const t = Number(process.hrtime.bigint() - t0) / n;
    if (r > 0 && t < best) best = t;
  }
  return best;
}

// (module (memory (export "memory") 1) (func (export "f") (param i32) (result i32) local.get 0 i32.const 1 i32.add))
// prettier-ignore
const bytes = new Uint8Array([0,97,115,109,1,0,0,0, 1,6,1,96,1,127,1,127, 3,2,1,0, 5,3,1,0,1,
  7,14,2,1,102,0,0,6,109,101,109,111,114,121,2,0, 10,9,1,7,0,32,0,65,1,106,11]);
const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
const wf = inst.exports.f as (x: number) => number;
const memory = inst.exports.memory as WebAssembly.Memory;
function jsf(x: number): number {
  return (x + 1) | 0;
}

const N = 2_000_000;
const wrapWasm = (x: number) => wf(x);
const jsCallNs = time(N, (n) => {
  let s = 0;
  for (let i = 0; i < n; i++) s = jsf(s);
  sink += s;
});
const wasmCallNs = time(N, (n) => {
  let s = 0;
  for (let i = 0; i < n; i++) s = wrapWasm(s);
  sink += s;
});
const M = 4096;
// A plain Array's elements are read one by one through the loaders' own per-element check (each a data property
// holding a number: a property descriptor per element), the same code for both targets; made here from the very
// text the loaders are generated with.
const plainCopy = new Function(
  '$ownDesc',
  `return function (v, c) { let why; fast: { for (let i = 0, n = v.length; i < n; i++) { ${emitPlainElementRead('v', 1, false)} c[i] = x; } } return why; };`,
)(Object.getOwnPropertyDescriptor) as (v: unknown[], c: Float64Array) => string | undefined;
const plainElementNs = (target: Float64Array) =>
  time(400, (n) => {
    for (let r = 0; r < n; r++) if (plainCopy(plain, target) !== undefined) throw new Error('the plain-array check refused its own array');
    sink += target[1]!;
  }) / M;
const plain: unknown[] = Array.from({ length: M }, (_, i) => i * 0.5);
const wasmElementNs = {} as Record<ArrayKind, number>;
for (const kind of ARRAY_KINDS) {
  if (kind === 'Array') {
    wasmElementNs.Array = plainElementNs(new Float64Array(memory.buffer, 0, M));
    continue;
  }
  const C = (globalThis as unknown as Record<string, TypedArrayClass>)[kind]!;
  const view = new C(memory.buffer, 0, M);
  const src = new C(M).fill(3);
  wasmElementNs[kind] =
    time(400, (n) => {
      for (let i = 0; i < n; i++) view.set(src, 0);
      sink += view[1]!;
    }) / M;
}
// What one small array costs the loader besides its elements: its type check, length, offset and a short copy.
const heap = new Float64Array(memory.buffer);
const small = new Float64Array(5).fill(1.5);
function passArray(a: unknown, off: number): number {
  if (a === null || typeof a !== 'object' || Object.getPrototypeOf(a) !== Float64Array.prototype || (a as Float64Array).length > 0x7fffffff) return -1;
  const f = a as Float64Array;
  const b = off >> 3;
  for (let i = 0, n = f.length; i < n; i++) heap[b + i] = f[i]!;
  return b + f.length;
}
const wasmArrayNs = Math.max(
  0,
  time(N / 4, (n) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += passArray(small, (i & 7) << 6);
    sink += s;
  }) -
    jsCallNs -
    5 * wasmElementNs.Float64Array,
);
// The native loader checks a plain Array's elements with the same code, into a Float64Array of its own: the check
// (a descriptor per element, ~100 ns) is the cost, not where the number lands, so it is timed once for both.
const nativeArrayElementNs = wasmElementNs.Array;
// A string's code units are copied with charCodeAt into a Uint16Array.
const text = 'abcdefghij'.repeat(M / 8).slice(0, M);
const codeUnitNs =
  time(400, (n) => {
    const c = new Uint16Array(memory.buffer, 0, M);
    for (let r = 0; r < n; r++) for (let i = 0; i < M; i++) c[i] = text.charCodeAt(i);
    sink += c[1]!;
  }) / M;
let napiCallNs = NaN;
let napiTypedArrayNs = NaN;
if (addonPath) {
  try {
    const addon = require(addonPath) as { noop(x: number): number; take(a: Float64Array): number };
    const noop = addon.noop;
    const take = addon.take;
    napiCallNs = time(N / 4, (n) => {
      let s = 0;
      for (let i = 0; i < n; i++) s = noop(s);
      sink += s;
    });
    const ta = new Float64Array(16);
    napiTypedArrayNs = Math.max(
      0,
      time(N / 4, (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += take(ta);
        sink += s;
      }) - napiCallNs,
    );
  } catch (e) {
    process.stderr.write('the probe addon could not be loaded: ' + (e && (e as Error).message) + '\n');
  }
}
process.stdout.write(
  JSON.stringify({
    node: process.versions.node,
    arch: process.arch,
    measuredAt: new Date().toISOString(),
    jsCallNs,
    wasmCallNs,
    wasmArrayNs,
    napiCallNs,
    napiTypedArrayNs,
    wasmElementNs,
    nativeArrayElementNs,
    codeUnitNs,
    sink: sink > 0,
  }) + '\n',
);

// Arrays of arrays as parameters, compiled to WebAssembly and to a native addon: rows copied in and each written row
// copied back into the very row object; what the loaders check of the rows, and the original run when a check fails.
// Rows held in variables (const row = m[i]), and arrays of arrays made in the function and returned.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileKernel, selectKernel } from '../../../extension/compiler/compile';
import { compileNative } from '../../../extension/compiler/compile-native';
import type { ParamTypeName } from '../../../extension/compiler/frontend-js';
import { formatRefusal } from '../../../extension/compiler/refusal';
import { importSource } from '../../../extension/fuzz/differential';
import { loadNativeKernel } from '../../../native/load-native-kernel';
import { loadKernel, type LoadedKernel } from '../../../wasm/load-kernel';

const SOURCE = `
export function bump(m, other) {
  var s = 0;
  for (var i = 0; i < m.length; i++) {
    for (var j = 0; j < m[i].length; j++) {
      m[i][j] += 1 + other[0];
      s += m[i][j];
    }
  }
  return s;
}
export function at(m, i, j) {
  return m[i][j];
}
export function bumpRow(m, i, j) {
  const row = m[i];
  row[j] += 1;
  return m[1][0] + row.length;
}
export function sumVia(m) {
  var row, s = 0;
  for (var i = 0; i < m.length; i++) {
    row = m[i];
    for (var j = 0; j < row.length; j++) s += row[j] * (i + 1);
  }
  return s;
}
export function lengthOf(m, i) {
  const row = m[i];
  return i < 0 ? -1 : row.length;
}
export function outer(x, y) {
  var c = [];
  for (var i = 0; i < x.length; i++) {
    var row = new Array(y.length);
    for (var j = 0; j < y.length; j++) row[j] = x[i] * y[j];
    c.push(row);
  }
  return c;
}
export function gaps(n, k) {
  var c = [];
  for (var i = 0; i < n; i++) {
    var row = new Array(3);
    for (var j = 0; j < k; j++) row[j] = i - j;
    c.push(row);
  }
  return c;
}
export function pairs(x) {
  const out = [];
  for (let i = 0; i + 1 < x.length; i++) out.push([x[i], x[i + 1] - x[i]], []);
  const last = out[0];
  if (out.length > 0) last[1] = -last[1];
  return out;
}
`;

type Fn = (...a: unknown[]) => unknown;

async function both(name: string, params: ParamTypeName[]): Promise<{ target: string; original: Fn; compiled: Fn; stats: LoadedKernel['stats'] }[]> {
  const sel = await selectKernel({ source: SOURCE, fileName: 'rows.mjs', functionName: name, params });
  if (!sel.ok) assert.fail(formatRefusal(sel.refusal));
  const mod = await importSource<Record<string, Fn>>(SOURCE);
  const wasm = await compileKernel(sel.kernel);
  const native = await compileNative(sel.kernel, { cacheDir: await mkdtemp(join(tmpdir(), 'perf-lab-rows-')) });
  const kw = await loadKernel(wasm.wasm, wasm.abi);
  const kn = await loadNativeKernel(native.addonPath, native.abi);
  return [
    { target: 'wasm', original: mod[name]!, compiled: kw.bind(mod[name]!) as Fn, stats: kw.stats },
    { target: 'native', original: mod[name]!, compiled: kn.bind(mod[name]!) as Fn, stats: kn.stats },
  ];
}

/** Runs the original on `make()` and the compiled code on another `make()`: the same result and the same arguments after. */
function same(k: { original: Fn; compiled: Fn; stats: LoadedKernel['stats'] }, make: () => unknown[], fallback: boolean, label: string): void {
  const a = make();
  const b = make();
  const before = k.stats.fallbacks;
  let expected: unknown, actual: unknown;
  try {
    expected = k.original(...a);
  } catch (e) {
    expected = String(e);
  }
  try {
    actual = k.compiled(...b);
  } catch (e) {
    actual = String(e);
  }
  assert.deepEqual(actual, expected, `${label}: the result`);
  assert.deepEqual(b, a, `${label}: the arguments after the call`);
  assert.equal(k.stats.fallbacks - before, fallback ? 1 : 0, `${label}: ${fallback ? 'the original ran' : 'compiled code ran'} (${k.stats.reason})`);
}

describe('arrays of arrays', () => {
  it('plain rows and Float64Array rows, ragged, are written back into the same row objects', async () => {
    for (const [rowType, mk] of [
      ['number[][]', (v: number[]) => v],
      ['Float64Array[]', (v: number[]) => Float64Array.from(v)],
    ] as const) {
      for (const k of await both('bump', [rowType, 'Float64Array'])) {
        const label = `${k.target} ${rowType}`;
        same(k, () => [[mk([1, 2, 3]), mk([]), mk([4.5])], new Float64Array([0.25])], false, `${label} ragged`);
        same(k, () => [[], new Float64Array([1])], false, `${label} no rows`);
        const row = mk([1, 2]);
        const m = [row, mk([3])];
        k.compiled(m, new Float64Array([0]));
        assert.equal(m[0], row, `${label}: the row object is kept`);
        assert.deepEqual(Array.from(row), [2, 3], `${label}: written in place`);
        // The same row twice: the original runs (and bumps it twice).
        same(
          k,
          () => {
            const r = mk([1, 2]);
            return [[r, r], new Float64Array([0])];
          },
          true,
          `${label} a row twice`,
        );
        // A row that is also another argument: the original runs.
        if (rowType === 'Float64Array[]') {
          same(
            k,
            () => {
              const r = Float64Array.from([1, 2]);
              return [[r], r];
            },
            true,
            `${label} a row that is the other argument`,
          );
          // Rows sharing one buffer (disjoint views) are not compiled when written.
          same(
            k,
            () => {
              const b = new Float64Array(4);
              return [[b.subarray(0, 2), b.subarray(2)], new Float64Array([1])];
            },
            true,
            `${label} rows of one buffer`,
          );
          same(k, () => [[new Float32Array([1, 2])], new Float64Array([0])], true, `${label} a Float32Array row`);
          same(k, () => [[[1, 2]], new Float64Array([0])], true, `${label} a plain row`);
        } else {
          same(k, () => [[[1, 'x']], new Float64Array([0])], true, `${label} a string in a row`);
          same(k, () => [[Float64Array.from([1, 2])], new Float64Array([0])], true, `${label} a typed row`);
          same(
            k,
            () => {
              const r = [1, 2];
              Object.defineProperty(r, 1, { get: () => 7 });
              return [[r], new Float64Array([0])];
            },
            true,
            `${label} an element with a getter`,
          );
          same(k, () => [[Object.freeze([1, 2])], new Float64Array([0])], true, `${label} a frozen row`);
        }
        same(
          k,
          () => {
            const m2: unknown[] = [mk([1])];
            Object.defineProperty(m2, 0, { get: () => mk([5]) });
            return [m2, new Float64Array([0])];
          },
          true,
          `${label} a row behind a getter`,
        );
        same(k, () => [[mk([1]), null], new Float64Array([0])], true, `${label} a null row`);
      }
    }
  });

  it('an index outside the outer array or a row runs the original (undefined, or a TypeError)', async () => {
    for (const k of await both('at', ['number[][]', 'int32', 'int32'])) {
      same(k, () => [[[1, 2], [3]], 0, 1], false, `${k.target} inside`);
      same(k, () => [[[1, 2], [3]], 1, 1], true, `${k.target} past the row`);
      same(k, () => [[[1, 2], [3]], 1, -1], true, `${k.target} before the row`);
      same(k, () => [[[1, 2], [3]], 2, 0], true, `${k.target} past the outer array`);
    }
  });
});

describe('rows held in variables', () => {
  it('a row written through a variable is the row of the outer array: compiled, unless that row is also another', async () => {
    for (const [rowType, mk] of [
      ['number[][]', (v: number[]) => v],
      ['Float64Array[]', (v: number[]) => Float64Array.from(v)],
    ] as const) {
      for (const k of await both('bumpRow', [rowType, 'int32', 'int32'])) {
        const label = `${k.target} ${rowType}`;
        same(k, () => [[mk([1, 2]), mk([3]), mk([])], 1, 0], false, `${label} written, read back through m[1]`);
        same(k, () => [[mk([1, 2]), mk([3])], 0, 1], false, `${label} another row written`);
        // The same row at two indices: written through one, read through the other — the original runs.
        same(
          k,
          () => {
            const r = mk([1, 2]);
            return [[r, r], 0, 0];
          },
          true,
          `${label} one row at two indices`,
        );
        same(k, () => [[mk([1, 2]), mk([3])], 1, 1], true, `${label} past a ragged row's end`);
        same(k, () => [[mk([1, 2]), mk([3])], 2, 0], true, `${label} a row that is not there (a TypeError)`);
      }
    }
  });

  it('a var given a row in a loop, read; rows shared but only read stay compiled; a row of another kind runs the original', async () => {
    for (const k of await both('sumVia', ['Float64Array[]'])) {
      same(k, () => [[new Float64Array([1, 2]), new Float64Array([]), new Float64Array([3, -0])]], false, `${k.target} ragged`);
      same(
        k,
        () => {
          const r = new Float64Array([1, 2]);
          return [[r, r, r]];
        },
        false,
        `${k.target} one row three times, read only`,
      );
      same(k, () => [[new Float64Array([1]), new Float32Array([2])]], true, `${k.target} a Float32Array among Float64Array rows`);
      same(k, () => [[new Float64Array([1]), [2]]], true, `${k.target} a plain row among Float64Array rows`);
    }
    for (const k of await both('lengthOf', ['number[][]', 'int32'])) {
      same(k, () => [[[1, 2], [3]], 0], false, `${k.target} a row's length`);
      same(k, () => [[[1, 2], [3]], -1], false, `${k.target} a row that is not there, never used`);
      same(k, () => [[[1, 2], [3]], 2], true, `${k.target} the length of a row that is not there (a TypeError)`);
    }
  });
});

describe('arrays of arrays made in the function and returned', () => {
  it('a plain Array of new plain Arrays, the same elements (-0, NaN) and lengths, new objects on every call', async () => {
    for (const k of await both('outer', ['Float64Array', 'Float64Array'])) {
      const x = new Float64Array([1, -0, NaN]);
      const y = new Float64Array([2, 0.5]);
      same(k, () => [x, y], false, `${k.target} 3 × 2`);
      same(k, () => [new Float64Array([]), y], false, `${k.target} no rows`);
      same(k, () => [x, new Float64Array([])], false, `${k.target} empty rows`);
      const a = k.compiled(x, y) as number[][];
      const b = k.compiled(x, y) as number[][];
      assert.ok(Array.isArray(a) && Object.getPrototypeOf(a) === Array.prototype && a.every((r) => Object.getPrototypeOf(r) === Array.prototype));
      assert.ok(Object.is(a[1]![0], -0) && Number.isNaN(a[2]![1]), `${k.target}: -0 and NaN kept`);
      assert.notEqual(a, b, `${k.target}: a new outer array each call`);
      assert.ok(
        a.every((r, i) => r !== b[i]),
        `${k.target}: new rows each call`,
      );
      a[0]![0] = 99;
      assert.equal(b[0]![0], 2, `${k.target}: rows are not shared between calls`);
    }
  });

  it('a row left with holes runs the original (which returns them); rows as literals, one written through a variable', async () => {
    for (const k of await both('gaps', ['int32', 'int32'])) {
      same(k, () => [2, 3], false, `${k.target} rows filled`);
      same(k, () => [2, 1], true, `${k.target} rows with holes`);
      same(k, () => [0, 1], false, `${k.target} no rows`);
    }
    for (const k of await both('pairs', ['Float64Array'])) {
      same(k, () => [new Float64Array([1, 4, -0, 9])], false, `${k.target} pairs and empty rows`);
      same(k, () => [new Float64Array([5])], false, `${k.target} none`);
    }
  });

  it('push replaced on Array.prototype: the original runs', async () => {
    for (const k of await both('outer', ['Float64Array', 'Float64Array'])) {
      const push = Array.prototype.push;
      // Each row pushed twice: compiled code that did not check push would return half the rows.
      const spy = function (this: unknown[], ...v: unknown[]): number {
        return push.apply(this, v.concat(v));
      };
      Array.prototype.push = spy;
      try {
        same(k, () => [new Float64Array([1, 2]), new Float64Array([3])], true, `${k.target} push replaced`);
      } finally {
        Array.prototype.push = push;
      }
    }
  });
});

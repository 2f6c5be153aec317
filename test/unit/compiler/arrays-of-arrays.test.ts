// Arrays of arrays as parameters, compiled to WebAssembly and to a native addon: rows copied in and each written row
// copied back into the very row object; what the loaders check of the rows, and the original run when a check fails.
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

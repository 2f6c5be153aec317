// A row's start and length read once before a loop that cannot change them (row-hoist.ts): which reads move, and that
// a row index with no row there still bails out exactly where the loop reads it, not where the read was moved to.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileKernel, selectKernel } from '../../../extension/compiler/compile';
import { compileNative } from '../../../extension/compiler/compile-native';
import type { ParamTypeName } from '../../../extension/compiler/frontend-js';
import { printIr } from '../../../extension/compiler/print-ir';
import { formatRefusal } from '../../../extension/compiler/refusal';
import { hoistRows } from '../../../extension/compiler/row-hoist';
import { importSource } from '../../../extension/fuzz/differential';
import { loadNativeKernel } from '../../../native/load-native-kernel';
import { loadKernel } from '../../../wasm/load-kernel';

const SOURCE = `
export function multiply(a, b) {
  var n = a.length, p = b[0].length, k = b.length;
  var c = [];
  for (var i = 0; i < n; i++) {
    var row = new Array(p);
    for (var j = 0; j < p; j++) {
      var s = 0;
      for (var t = 0; t < k; t++) s += a[i][t] * b[t][j];
      row[j] = s;
    }
    c.push(row);
  }
  return c;
}
export function dotRow(m, i, v, k) {
  var s = 0;
  for (var t = 0; t < k; t++) if (v[t] > 0) s += m[i][t] * v[t];
  return s + m.length;
}
export function aliasSum(m, i, k) {
  const row = m[i];
  var s = 0;
  for (var t = 0; t < k; t++) s += row[t];
  return s;
}
export function lengths(m, i, k) {
  var s = 0;
  for (var t = 0; t < k; t++) s += m[i].length;
  return s;
}
`;

type Fn = (...a: unknown[]) => unknown;

async function selected(name: string, params: ParamTypeName[]) {
  const sel = await selectKernel({ source: SOURCE, fileName: 'rows.mjs', functionName: name, params });
  if (!sel.ok) assert.fail(formatRefusal(sel.refusal));
  return sel.kernel;
}

describe('row starts and lengths held for a loop', () => {
  it("moves a[i]'s start and length out of the loops that keep i, and keeps b[t]'s and m[i].length's reads", async () => {
    const hoisted = printIr(hoistRows((await selected('multiply', ['number[][]', 'number[][]'])).ir));
    // Read before the j loop (i is the same in it and in the t loop), 0 when i is not a row of a.
    assert.match(
      hoisted,
      /\$\d+:a\.starts\[row\] = \(i32\.cond \(i32\.lt_u \$3:i a\.starts\.length\) a\.starts\[\$3:i\] i32:0\)\n\s*\$\d+:a\.lengths\[row\] = .*\n\s*loop L1/,
    );
    assert.match(hoisted, /a\[\(i32\.cond \(i32\.lt_u \$6:t \$\d+:a\.lengths\[row\]\) \(i32\.add \$\d+:a\.starts\[row\] \$6:t\) i32:-1\)\]/);
    // t changes in the t loop: b[t]'s row is read where it is used.
    assert.match(hoisted, /b\[\(i32\.cond \(i32\.lt_u \$4:j b\.lengths\[\$6:t\]\) \(i32\.add b\.starts\[\$6:t\] \$4:j\) i32:-1\)\]/);
    // m[i].length bails out for a missing row (JavaScript throws): not replaced by a length of 0.
    const lengths = printIr(hoistRows((await selected('lengths', ['number[][]', 'int32', 'int32'])).ir));
    assert.doesNotMatch(lengths, /\[row\]/);
  });

  it('a missing row bails out only where the loop reads it, on both targets', async () => {
    const mod = await importSource<Record<string, Fn>>(SOURCE);
    for (const [name, params, cases] of [
      [
        'dotRow',
        ['number[][]', 'int32', 'Float64Array', 'int32'],
        [
          // [arguments, whether the original runs]
          [[[1, 2, 3]], 0, [1, -1, 2], 3, false],
          [[[1, 2, 3]], 5, [1, 1, 1], 0, false], // no row 5, no iteration
          [[[1, 2, 3]], 5, [-1, 0, -2], 3, false], // no row 5, never read
          [[[1, 2, 3]], -1, [0, 0, 0], 3, false],
          [[[1, 2, 3]], 5, [0, 1, 0], 3, true], // read: TypeError in JavaScript
          [[[1, 2]], 0, [1, 1, 1], 3, true], // m[0][2] is undefined: NaN in JavaScript
          [[[-0, NaN]], 0, [1, 1], 2, false],
        ],
      ],
      [
        'aliasSum',
        ['number[][]', 'int32', 'int32'],
        [
          [[[1.5, -0], []], 0, 2, false],
          [[[1.5, -0], []], 1, 0, false], // an empty row, not read
          [[[1.5, -0], []], 1, 1, true],
          [[[1.5, -0], []], 7, 0, false], // no row 7, not read
          [[[1.5, -0], []], 7, 1, true],
        ],
      ],
    ] as const) {
      const kernel = await selected(name, [...params]);
      assert.match(printIr(hoistRows(kernel.ir)), /starts\[row\]/, `${name}: the row is held for the loop`);
      const wasm = await compileKernel(kernel);
      const native = await compileNative(kernel, { cacheDir: await mkdtemp(join(tmpdir(), 'perf-lab-row-hoist-')) });
      for (const [target, loaded] of [
        ['wasm', await loadKernel(wasm.wasm, wasm.abi)],
        ['native', await loadNativeKernel(native.addonPath, native.abi)],
      ] as const) {
        const original = mod[name]!;
        const compiled = loaded.bind(original) as Fn;
        for (const c of cases) {
          const args = c.slice(0, -1);
          const make = (): unknown[] => args.map((a, k) => (params[k] === 'Float64Array' ? Float64Array.from(a as unknown as number[]) : structuredClone(a)));
          const label = `${target} ${name}(${JSON.stringify(args)})`;
          let expected: unknown, actual: unknown;
          try {
            expected = original(...make());
          } catch (e) {
            expected = String(e);
          }
          const before = loaded.stats.fallbacks;
          try {
            actual = compiled(...make());
          } catch (e) {
            actual = String(e);
          }
          assert.deepEqual(actual, expected, `${label}: the result`);
          assert.equal(loaded.stats.fallbacks - before, c[c.length - 1] ? 1 : 0, `${label}: ${loaded.stats.reason}`);
        }
      }
    }
  });
});

// The break-even model: the pure prediction (boundary cost, compute factor from earlier pairs, the wording of
// the recommendation, the model's error) and the real measuring step, cached per Node version and architecture.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  approx,
  boundaryCosts,
  computeFactor,
  impliedFactor,
  kernelClass,
  loadPairs,
  modelError,
  overheadNs,
  predict,
  predictionStory,
  savePairs,
  shapesOf,
  type BoundaryCosts,
  type PredictionPair,
} from '../../../extension/bench/break-even';
import { readFileSync } from 'node:fs';
import { selectKernel } from '../../../extension/compiler/compile';
import type { ParamTypeName } from '../../../extension/compiler/frontend-js';
import { ARRAY_KINDS } from '../../../extension/abi';
import type { Recording } from '../../../extension/record/recording';

const store = mkdtempSync(join(tmpdir(), 'perf-lab-break-even-'));
after(() => rmSync(store, { recursive: true, force: true }));

const perElement = Object.fromEntries(ARRAY_KINDS.map((k) => [k, k === 'Array' ? 1 : 0.1])) as BoundaryCosts['wasmElementNs'];
const costs: BoundaryCosts = {
  node: '20.0.0',
  arch: 'x64',
  measuredAt: '',
  jsCallNs: 1,
  wasmCallNs: 4,
  napiCallNs: 40,
  napiTypedArrayNs: 10,
  wasmElementNs: perElement,
  nativeArrayElementNs: 2,
};

function pair(key: string, target: 'wasm' | 'native', measured: number, jsNs = 1000, over = 0): PredictionPair {
  return { at: '', key, target, node: '20.0.0', jsNs, overheadNs: over, predicted: 1, measured };
}

describe('break-even model', () => {
  it('adds the call cost and per-element marshalling (twice for written arrays), typed arrays free for native', () => {
    const arrays = [
      { kind: 'Float64Array' as const, elements: 1000, written: false },
      { kind: 'Float64Array' as const, elements: 1000, written: true },
    ];
    assert.equal(overheadNs(costs, 'wasm', arrays), 4 + 100 + 200);
    assert.equal(overheadNs(costs, 'native', arrays), 40 + 10 + 10);
    assert.equal(overheadNs(costs, 'native', [{ kind: 'Array', elements: 100, written: true }]), 40 + 400);
    // Each array also costs the WebAssembly loader a fixed amount, twice for a written one.
    assert.equal(overheadNs({ ...costs, wasmArrayNs: 7 }, 'wasm', arrays), 4 + 100 + 200 + 7 + 14);
  });

  it('reads mean array lengths from the recording', () => {
    const rec = {
      calls: [
        { args: [new Float64Array(10), 3], result: 0, argsAfter: [] },
        { args: [new Float64Array(30), 3], result: 0, argsAfter: [] },
      ],
    } as unknown as Recording;
    assert.deepEqual(shapesOf([{ kind: 'array', array: 'Float64Array', written: false }, { kind: 'int32' }], rec), [
      { kind: 'Float64Array', elements: 20, written: false },
    ]);
  });

  it('counts the rows of an array of arrays, each an element of the outer array and an array of its own, and a string by its code units', () => {
    const rec = {
      calls: [
        {
          args: [
            [
              [1, 2, 3],
              [4, 5, 6],
            ],
            'abcd',
          ],
          result: 0,
          argsAfter: [],
        },
        { args: [[[1], [2], [3], [4]], 'ab'], result: 0, argsAfter: [] },
      ],
    } as unknown as Recording;
    const shapes = shapesOf([{ kind: 'rows', row: 'Array', written: true }, { kind: 'string' }], rec);
    assert.deepEqual(shapes, [
      { kind: 'Array', elements: 3, written: false },
      { kind: 'Array', elements: 5, written: true, rows: 3 },
      { kind: 'Uint16Array', elements: 3, written: false, codeUnits: true },
    ]);
    // Plain rows: 3 outer elements, 5 row elements twice (written), 3 rows' fixed cost twice, 3 code units.
    const c = { ...costs, wasmArrayNs: 7, codeUnitNs: 0.5 };
    assert.equal(overheadNs(c, 'wasm', shapes), 4 + (3 * 1 + 7) + (5 * 1 + 3 * 7) * 2 + (3 * 0.5 + 7));
    assert.equal(overheadNs(c, 'native', shapes), 40 + 3 * 2 + 5 * 2 * 2 + (3 * 0.5 + 10));
    // Typed rows go to the addon as one array whose elements were copied into it.
    const typed = shapesOf([{ kind: 'rows', row: 'Float64Array', written: false }], {
      calls: [{ args: [[new Float64Array(4), new Float64Array(6)]], result: 0, argsAfter: [] }],
    } as unknown as Recording);
    assert.equal(overheadNs(c, 'native', typed), 40 + 2 * 2 + 10 * 0.1 + 10);
  });

  it('counts an object holding typed arrays as its numbers read one by one and each typed array it holds', () => {
    const swarm = (n: number) => ({ px: new Float64Array(n), damping: 0.5, alive: new Uint8Array(n) });
    const rec = {
      calls: [
        { args: [swarm(10)], result: 0, argsAfter: [] },
        { args: [swarm(30)], result: 0, argsAfter: [] },
      ],
    } as unknown as Recording;
    const param = {
      kind: 'objects',
      one: true,
      keys: ['px', 'damping', 'alive'],
      written: [true, false, false],
      arrays: ['Float64Array', null, 'Uint8Array'],
    } as const;
    assert.deepEqual(shapesOf([{ ...param, keys: [...param.keys], written: [...param.written], arrays: [...param.arrays] }], rec), [
      { kind: 'Array', elements: 1, written: false },
      { kind: 'Float64Array', elements: 20, written: true },
      { kind: 'Uint8Array', elements: 20, written: false },
    ]);
  });

  it('says keep JS when the calls are too small, and names the targets when a gain is predicted', () => {
    const tiny = predict(costs, ['wasm', 'native'], [], 30);
    assert.equal(tiny.pick, undefined);
    assert.equal(tiny.text, 'keep JS: calls are too small (30 ns each)');
    // Earlier measurements of other functions: native code ran its loop in a third of JavaScript's time.
    const pairs = [
      pair('a#f', 'native', 3),
      pair('b#g', 'native', 3),
      pair('d#i', 'native', 3),
      pair('c#h', 'wasm', 1.6),
      pair('e#j', 'wasm', 1.6),
      pair('f#k', 'wasm', 1.6),
    ];
    const big = predict(costs, ['wasm', 'native'], [], 100_000, pairs, 'x#k');
    assert.equal(big.pick, 'native');
    // Three functions each: their factors (1/3, 1/1.6) drawn toward 1 against a prior weight of two (exponent 3/5).
    assert.equal(big.text, 'native ~1.9×, WebAssembly ~1.3×');
    // A function's own earlier pairs do not calibrate its prediction.
    assert.equal(computeFactor('native', pairs, 'a#f').factor, 1, 'two other functions are not enough to calibrate');
    assert.ok(Math.abs(computeFactor('native', pairs, 'z#z').factor - (1 / 3) ** (3 / 5)) < 1e-12);
    assert.equal(computeFactor('wasm', [], '').factor, 1);
    assert.equal(predict(costs, ['wasm'], [], 1e6).text, 'keep JS: no gain predicted (WebAssembly ~1.0×)');
  });

  it('blames small calls only when the calls are small: a long call whose arrays cost more to copy says so', () => {
    // 112 µs a call, two 40,000-element arrays copied in and the written one back: the boundary, not the call, is large.
    const arrays = [
      { kind: 'Float64Array' as const, elements: 40_000, written: false },
      { kind: 'Float64Array' as const, elements: 40_000, written: true },
    ];
    const p = predict(costs, ['wasm'], arrays, 112_000);
    assert.equal(p.pick, undefined);
    assert.doesNotMatch(p.text, /too small/);
    assert.match(p.text, /^keep JS: crossing into compiled code \(the call and copying its arrays\) costs [\d.]+ µs of the 112 µs a call takes$/);
  });

  it('tells the prediction and the measurement as one story: the measurement decides, a contradicted prediction is called wrong', () => {
    const measured = (target: 'wasm' | 'native', estimate: number, lo: number, hi: number, verdict: 'faster' | 'slower' | 'not significant') => ({
      target,
      name: target === 'wasm' ? 'WebAssembly' : 'native',
      speedup: { estimate, ci95: [lo, hi] as [number, number] },
      verdict,
    });
    const keep = predict(costs, ['wasm'], [], 30);
    // The case users met: "keep JS" predicted, WebAssembly measured faster, and "use WebAssembly" recommended.
    const wrong = predictionStory(keep, [measured('wasm', 1.44, 1.4, 1.48, 'faster')]);
    assert.equal(wrong.agrees, false);
    assert.equal(
      wrong.text,
      'The break-even model predicted "keep JS: calls are too small (30 ns each)"; the measurement shows WebAssembly is 1.44× faster (95% CI 1.40×–1.48×): the model was wrong here, and the measurement decides: use WebAssembly.',
    );
    const both = predictionStory(keep, [measured('wasm', 0.8, 0.75, 0.85, 'slower')]);
    assert.equal(both.agrees, true);
    assert.equal(
      both.text,
      'The break-even model predicted "keep JS: calls are too small (30 ns each)", and the measurement agrees: no worthwhile gain (WebAssembly 0.800× (95% CI 0.750×–0.850×)): keep JavaScript.',
    );
    const native = { jsNs: 1e5, targets: [], text: 'native ~1.9×, WebAssembly ~1.3×', pick: 'native' as const };
    const right = predictionStory(native, [measured('wasm', 1.3, 1.2, 1.4, 'faster'), measured('native', 2.1, 2, 2.2, 'faster')]);
    assert.deepEqual(right, {
      agrees: true,
      text: 'The break-even model predicted native ~1.9×, WebAssembly ~1.3×, and the measurement agrees: native is 2.10× faster (95% CI 2.00×–2.20×).',
    });
    const ranked = predictionStory(native, [measured('wasm', 1.8, 1.7, 1.9, 'faster'), measured('native', 1.2, 1.1, 1.3, 'faster')]);
    assert.equal(ranked.agrees, false);
    assert.match(
      ranked.text,
      /the measurement shows WebAssembly is 1\.80× faster .*, native 1\.20× .*: the model ranked the targets wrong here, and the measurement decides: use WebAssembly\.$/,
    );
    // A gain too small to act on, or not significant, is no gain: the predicted one was wrong.
    const none = predictionStory(native, [measured('native', 1.05, 0.95, 1.15, 'not significant')]);
    assert.equal(none.agrees, false);
    assert.match(
      none.text,
      /no worthwhile gain \(native 1\.05× \(95% CI 0\.950×–1\.15×, not significant\)\): the model was wrong here, and the measurement decides: keep JavaScript\.$/,
    );
  });

  it('classes kernels by the work of their hot loops', async () => {
    const fixtures = join(__dirname, '../../fixtures/compiler');
    const cls = async (file: string, fn: string, params: ParamTypeName[]) => {
      const sel = await selectKernel({ source: readFileSync(join(fixtures, file), 'utf8'), fileName: file, functionName: fn, params });
      assert.ok(sel.ok, file);
      return sel.ok ? kernelClass(sel.kernel.ir) : undefined;
    };
    // y * w + x indices, held in doubles and checked at each access.
    assert.equal(await cls('blur-f64.mjs', 'blur', ['Float64Array', 'Float64Array', 'number', 'number']), 'checked-index');
    assert.equal(await cls('blur-u8.mjs', 'blur', ['Uint8Array', 'Uint8Array', 'number', 'number']), 'checked-index');
    // One store per pixel after 64 iterations of double arithmetic; the helper evalA is counted at its call site.
    assert.equal(await cls('mandelbrot.mjs', 'mandelbrot', ['Uint8Array', 'number', 'number', 'number']), 'float');
    assert.equal(await cls('spectral-norm.mjs', 'multiplyAtAv', ['Float64Array', 'Float64Array', 'Float64Array']), 'float');
    assert.equal(await cls('hash-i32.mjs', 'hash', ['Int32Array', 'number']), 'integer');
  });

  it('calibrates on kernels of the same class first, then on all of them', () => {
    const classed = (key: string, measured: number, c: PredictionPair['class']): PredictionPair => ({ ...pair(key, 'native', measured), class: c });
    // Checked-index kernels ran slower natively, float kernels faster: the pooled median (1.33× JavaScript's time)
    // would say the same of both.
    const pairs = [
      classed('blur#a', 0.25, 'checked-index'),
      classed('blur#b', 0.5, 'checked-index'),
      classed('loop#c', 1.5, 'float'),
      classed('loop#d', 1.5, 'float'),
    ];
    const slow = computeFactor('native', pairs, 'new#x', 'checked-index');
    // Implied factors 4 and 2: their median in log scale (√8), drawn toward 1 by half (two functions, prior weight two).
    assert.ok(Math.abs(slow.factor - 8 ** 0.25) < 1e-12, `${slow.factor}`);
    assert.match(slow.basis, /2 earlier measurements of 2 other checked-index kernels/);
    assert.ok(Math.abs(computeFactor('native', pairs, 'new#x', 'float').factor - (1 / 1.5) ** 0.5) < 1e-12);
    // Its own pairs never count; with no other kernel of its class, all others (≥ 3) calibrate.
    assert.ok(Math.abs(computeFactor('native', pairs, 'blur#a', 'checked-index').factor - 2 ** (1 / 3)) < 1e-12);
    assert.match(computeFactor('native', pairs, 'h#i', 'integer').basis, /4 earlier measurements of 4 functions/);
    assert.equal(computeFactor('native', pairs, 'h#i').factor, computeFactor('native', pairs, 'h#i', 'integer').factor);
    const big = predict(costs, ['native'], [], 1e6, pairs, 'new#x', 'checked-index');
    assert.equal(big.pick, undefined);
    assert.match(big.text, /keep JS: no gain predicted \(native ~0\.6×\)/);
    // A pair whose time was mostly the boundary says nothing about the loop: it does not calibrate.
    const chatty = { ...classed('tiny#t', 0.25, 'integer'), jsNs: 100, overheadNs: 300 };
    assert.equal(computeFactor('native', [chatty], 'new#x', 'integer').factor, 1);
  });

  it('leaves out a target whose boundary cost is unknown', () => {
    const p = predict({ ...costs, napiCallNs: NaN }, ['wasm', 'native'], [], 1000);
    assert.deepEqual(
      p.targets.map((t) => t.target),
      ['wasm'],
    );
  });

  it('implied factors and the error over pairs', () => {
    assert.ok(Math.abs(impliedFactor({ jsNs: 1000, overheadNs: 0, measured: 2 }) - 0.5) < 1e-12);
    assert.equal(approx(2.96), '~3×');
    assert.equal(approx(1.64), '~1.6×');
    const e = modelError([
      { ...pair('a', 'wasm', 2), predicted: 1 },
      { ...pair('b', 'native', 1), predicted: 1.1 },
    ]);
    assert.equal(e.n, 2);
    assert.ok(Math.abs(e.medianPct - 30) < 1e-9);
    assert.equal(e.byTarget.wasm!.n, 1);
  });

  it('keeps pairs in the store', async () => {
    await savePairs(store, [pair('a', 'wasm', 2)]);
    await savePairs(store, [pair('b', 'native', 3)]);
    assert.deepEqual(
      (await loadPairs(store)).map((p) => p.key),
      ['a', 'b'],
    );
  });

  it('measures the boundary costs in a child process once, then reads them from the store', async () => {
    const first = await boundaryCosts({ execPath: process.execPath, version: process.version, store });
    assert.equal(first.cached, false);
    assert.ok(first.wasmCallNs > 0 && first.wasmCallNs < 1000, `wasm call ${first.wasmCallNs} ns`);
    assert.ok(first.napiCallNs > 0 && first.napiCallNs < 10_000, `Node-API call ${first.napiCallNs} ns`);
    for (const k of ARRAY_KINDS) assert.ok(first.wasmElementNs[k] > 0, k);
    assert.ok(first.nativeArrayElementNs > 0);
    assert.ok(Number.isFinite(first.wasmArrayNs) && first.wasmArrayNs! >= 0 && first.wasmArrayNs! < 1000, `per array ${first.wasmArrayNs} ns`);
    const files = readdirSync(join(store, 'break-even'));
    assert.ok(files.includes(`costs-node${process.versions.node}-${process.arch}.json`), files.join(' '));
    const second = await boundaryCosts({ execPath: process.execPath, version: process.version, store });
    assert.equal(second.cached, true);
    assert.equal(second.wasmCallNs, first.wasmCallNs);
  });
});

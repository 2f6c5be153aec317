// The ⚡ Optimize lens's advice before any build: from cached boundary costs and a recording only; none without them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BoundaryCosts } from '../../../extension/bench/break-even';
import { adviseFromCache, appliedLensAdvice, measuredLensAdvice, recordedShapes, targetsOf } from '../../../extension/lab/optimize-advice';
import type { TargetView } from '../../../extension/protocol';
import type { Recording } from '../../../extension/record/recording';

const COSTS: BoundaryCosts = {
  node: '20.0.0',
  arch: process.arch,
  measuredAt: '2026-01-01T00:00:00.000Z',
  jsCallNs: 1,
  wasmCallNs: 4,
  napiCallNs: 40,
  napiTypedArrayNs: 20,
  wasmElementNs: {
    Float64Array: 0.5,
    Float32Array: 0.5,
    Int32Array: 0.5,
    Uint32Array: 0.5,
    Int16Array: 0.5,
    Uint16Array: 0.5,
    Int8Array: 0.5,
    Uint8Array: 0.5,
    Uint8ClampedArray: 0.5,
    Array: 2,
  },
  nativeArrayElementNs: 3,
};

function recording(calls: { args: unknown[]; argsAfter: unknown[] }[], totalCalls: number): Recording {
  return {
    file: '/w/k.js',
    functionName: 'k',
    sourceHash: 'x',
    line: 1,
    arity: 2,
    calls: calls.map((c) => ({ ...c, result: 0 })),
    totalCalls,
  } as unknown as Recording;
}

function storeWithCosts(): string {
  const store = mkdtempSync(join(tmpdir(), 'perf-lab-advice-'));
  mkdirSync(join(store, 'break-even'), { recursive: true });
  writeFileSync(join(store, 'break-even', `costs-node20.0.0-${process.arch}.json`), JSON.stringify(COSTS));
  return store;
}

test('recorded array arguments: kind, mean length, written when a call changed them', () => {
  const a = new Float64Array(100);
  const b = new Float64Array(100).fill(1);
  const rec = recording(
    [
      { args: [a, 3], argsAfter: [b, null] },
      { args: [new Float64Array(300), 3], argsAfter: [new Float64Array(300), null] },
    ],
    2,
  );
  assert.deepEqual(recordedShapes(rec), [{ kind: 'Float64Array', elements: 200, written: true }]);
  assert.deepEqual(targetsOf('auto'), ['wasm', 'native']);
  assert.deepEqual(targetsOf('native'), ['native']);
  assert.deepEqual(targetsOf('anything'), ['wasm']);
});

test('small calls: keep JS, said on the lens; large calls: the best target with its predicted speedup', async () => {
  const store = storeWithCosts();
  const node = { version: 'v20.0.0', arch: process.arch };
  const rec = recording([{ args: [new Float64Array(1000), 1], argsAfter: [new Float64Array(1000), null] }], 1_000_000);
  // 1,000,000 calls in 50 ms: 50 ns each, less than copying 1,000 elements into WebAssembly.
  const small = await adviseFromCache({ store, node, recording: rec, totalMs: 50, targets: ['wasm', 'native'], key: 'k' });
  assert.ok(small);
  assert.match(small.title, /^keep JS: calls are too small \(50 ns each\)$/);
  assert.match(small.tooltip, /Predicted before any build by the break-even model/);
  assert.match(small.tooltip, /1,000,000 recorded calls of about 50 ns each/);
  // The same calls at 5 ms each: the boundary is negligible; uncalibrated, the model predicts no gain.
  const big = await adviseFromCache({ store, node, recording: recording(rec.calls, 10), totalMs: 50, targets: ['native'], key: 'k' });
  assert.ok(big);
  assert.match(big.title, /^keep JS: no gain predicted \(native ~1\.0×\)$/);
  // With three other functions measured at 3× the model calibrates and names the target; three functions weigh
  // against the prior of 1× (PRIOR_WEIGHT 2), so the factor is 3^(3/5) ≈ 1.9×.
  writeFileSync(
    join(store, 'break-even', 'pairs.json'),
    JSON.stringify(['a', 'b', 'c'].map((key) => ({ at: '', key, target: 'native', node: '20.0.0', jsNs: 5e6, overheadNs: 40, predicted: 1, measured: 3 }))),
  );
  const calibrated = await adviseFromCache({ store, node, recording: recording(rec.calls, 10), totalMs: 50, targets: ['native'], key: 'k' });
  assert.equal(calibrated?.title, 'native ~1.9×');
});

test('no advice without cached costs for that Node, or without calls', async () => {
  const store = storeWithCosts();
  const rec = recording([{ args: [new Float64Array(10), 1], argsAfter: [null, null] }], 10);
  assert.equal(
    await adviseFromCache({ store, node: { version: 'v22.1.0', arch: process.arch }, recording: rec, totalMs: 5, targets: ['wasm'], key: 'k' }),
    undefined,
  );
  assert.equal(
    await adviseFromCache({
      store: mkdtempSync(join(tmpdir(), 'perf-lab-advice-empty-')),
      node: { version: 'v20.0.0', arch: process.arch },
      recording: rec,
      totalMs: 5,
      targets: ['wasm'],
      key: 'k',
    }),
    undefined,
  );
  assert.equal(
    await adviseFromCache({ store, node: { version: 'v20.0.0', arch: process.arch }, recording: recording([], 0), totalMs: 5, targets: ['wasm'], key: 'k' }),
    undefined,
  );
});

test('after a benchmark the lens shows the fastest measured target beside its prediction, or keep JS', () => {
  const view = (target: 'wasm' | 'native', estimate: number, verdict: 'faster' | 'slower' | 'not significant', predicted?: number): TargetView => ({
    target,
    name: target === 'wasm' ? 'WebAssembly' : 'native',
    canApply: true,
    applyNote: '',
    measured: { estimate, ci95: [estimate * 0.9, estimate * 1.1], verdict, recommendation: '' },
    ...(predicted ? { predicted: { speedup: predicted, text: `~${predicted}×` } } : {}),
  });
  const both = measuredLensAdvice([view('wasm', 1.4, 'faster', 1.6), view('native', 2.345, 'faster', 3)])!;
  assert.equal(both.title, 'native 2.35× measured · predicted ~3×');
  assert.match(both.tooltip, /WebAssembly 1\.40× \(95% CI 1\.26×–1\.54×, faster; predicted ~1\.6×\), native 2\.35×/);
  assert.equal(measuredLensAdvice([view('wasm', 0.97, 'not significant'), view('native', 0.5, 'slower', 2)])!.title, 'keep JS: WebAssembly measured 0.970×');
  // The measurement decides: a prediction on the other side of it is marked wrong, on the lens and in its tooltip.
  const contradicted = measuredLensAdvice([view('wasm', 1.44, 'faster', 0.9)])!;
  assert.equal(contradicted.title, 'WebAssembly 1.44× measured · predicted ~0.9× (the model was wrong)');
  assert.match(contradicted.tooltip, /WebAssembly 1\.44× \(95% CI 1\.29×–1\.59×, faster; predicted ~0\.9×, wrongly\)/);
  assert.equal(
    measuredLensAdvice([view('wasm', 0.97, 'not significant', 1.6)])!.title,
    'keep JS: WebAssembly measured 0.970× · predicted ~1.6× (the model was wrong)',
  );
  assert.equal(measuredLensAdvice([{ target: 'native', name: 'native', canApply: false, applyNote: '', refusal: 'not built' }]), undefined);
  assert.equal(appliedLensAdvice(view('native', 2.345, 'faster')).title, 'applied: native 2.35× measured');
  assert.match(appliedLensAdvice({ target: 'wasm', name: 'WebAssembly' }).tooltip, /calls its WebAssembly version/);
});

// The break-even model of a parallel target's dispatch (bench/dispatch.ts): item cost × items against the engine's
// start and per-item cost on the cores there are, and the items read from a recording as perf_lab_kernel.py stores it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dispatchOutlook, dispatchReport, ENGINE_COSTS, recordedItems } from '../../../extension/bench/dispatch';

describe('dispatch break-even model', () => {
  it('says a long loop pays on a process pool, and by how much', () => {
    // 8 items of 100 ms in a 1 s run: on 2 workers 400 ms plus 8 dispatches and the pool's start.
    const d = dispatchOutlook('processes', { runMs: 1000, functionMs: 800 }, 1, 8, 2)!;
    assert.equal(d.itemMs, 100);
    const expected = 200 + 400 + 8 * ENGINE_COSTS.processes.itemMs + ENGINE_COSTS.processes.startMs;
    assert.ok(Math.abs(d.predictedMs - expected) < 1e-9);
    assert.ok(d.pays);
    assert.match(
      dispatchReport(d, 'run_all'),
      /^run_all on processes: 1 call of 8 items at 100\.0 ms each; a process pool costs 62\.0 ms to start and about 120\.1 µs to send each item, on 2 workers: the program 1\.00 s → about 663\.0 ms \(1\.51×\)\.$/,
    );
  });

  it('says keep it serial when the items are cheap or the engine slow to start, with the numbers', () => {
    // 8 items of 10 µs: dispatching them costs more than they do.
    const short = dispatchOutlook('processes', { runMs: 50, functionMs: 0.08 }, 1, 8, 2)!;
    assert.equal(short.pays, false);
    assert.match(
      dispatchReport(short, 'run_all'),
      /^run_all on processes: keep it serial: 1 call of 8 items at 10\.0 µs each; a process pool costs 62\.0 ms to start .*: the program 50\.0 ms → about 112\.9 ms \(0\.44×\)\.$/,
    );
    // Ray's start is seconds: a 1 s loop cannot pay on 2 workers.
    const ray = dispatchOutlook('ray', { runMs: 1000, functionMs: 900 }, 1, 8, 2)!;
    assert.equal(ray.pays, false);
    // One worker: no gain whatever the start.
    assert.equal(dispatchOutlook('processes', { runMs: 10_000, functionMs: 9_000 }, 1, 8, 1)!.pays, false);
    // A start learned on this machine replaces the table's.
    const learned = dispatchOutlook('dask', { runMs: 100_000, functionMs: 90_000 }, 1, 16, 4, { ms: 40_000, from: 3 })!;
    assert.equal(learned.cost.startMs, 40_000);
    assert.match(dispatchReport(learned, 'f'), /40\.00 s to start \(measured here, 3 runs\)/);
  });

  it('has nothing to say without a timed run or items', () => {
    assert.equal(dispatchOutlook('processes', { runMs: 0, functionMs: 0 }, 1, 8, 2), undefined);
    assert.equal(dispatchOutlook('processes', { runMs: 10, functionMs: 5 }, 1, 0, 2), undefined);
  });

  it('reads the items of each recorded call: a list, a stored array, an int count', () => {
    const doc = {
      calls: [{ args: [{ l: [{ i: '1' }, { i: '2' }, { i: '3' }] }, { i: '10' }] }, { args: [{ ref: 'k' }, { i: '30' }] }],
      blobs: { k: { nd: { dtype: '<f8', shape: [5, 2], data: '' } } },
    };
    assert.equal(recordedItems(doc, { param: 0, how: 'length' }), 4);
    assert.equal(recordedItems(doc, { param: 1, how: 'count' }), 20);
    assert.equal(recordedItems(doc, { param: 2, how: 'length' }), undefined);
    assert.equal(recordedItems({}, { param: 0, how: 'length' }), undefined);
  });
});

// The break-even model of a parallel target's dispatch, before anything is built: whether sending a loop's items to a
// process pool, Ray or Dask can pay for the program, from the recording alone. A call's loop of n items of t ms each
// takes n·t serially; on W workers it takes at least n·t / min(W, n) plus n·d (each item sent and its result brought
// back: d, the engine's per-item dispatch), and the program pays the engine's start S once per run. The model says
// what the whole program would then take (the recorded run less the calls' serial time, plus their parallel time and
// S) and, where that is no gain, "keep it serial" with those numbers. It is advice, like the compiled targets'
// outlook (whole-program.ts programOutlook); the benchmark and the whole-program runs measure what happens.
import { formatDuration } from './stats';
import type { ParallelTarget } from '../compiler/backend-parallel';
import { NIL_GAIN } from './whole-program';

/** An engine's start (once per run) and its dispatch per item, in ms. */
export interface EngineCost {
  startMs: number;
  itemMs: number;
}

/**
 * Each engine's cost of start and of an item, where nothing better was learned on this machine: the lightest work of
 * the scaling table (bench/python/SCALING.md, 8 simulations × 100 steps, 1 worker, a 2-core machine under a load
 * average near 9; docs/parallel.md): start + first call, and the per-call time after it over its 8 items.
 */
export const ENGINE_COSTS: Record<ParallelTarget, EngineCost> = {
  processes: { startMs: 62, itemMs: 0.961 / 8 },
  ray: { startMs: 8400, itemMs: 9.6 / 8 },
  dask: { startMs: 2500, itemMs: 49.6 / 8 },
};

/** The model's inputs for one target, and what it predicts. */
export interface DispatchOutlook {
  target: ParallelTarget;
  /** Calls of the function in the recorded run, and the items each sends (mean over the recorded calls). */
  calls: number;
  items: number;
  /** Serial time per item (the function's time per call over its items), in ms. */
  itemMs: number;
  workers: number;
  cost: EngineCost;
  /** Where the start cost comes from: the runs of this target learned here (`from` > 0), else ENGINE_COSTS. */
  startFrom: number;
  /** The run as recorded, and as predicted with the loop on the engine (ms). */
  runMs: number;
  predictedMs: number;
  /** runMs / predictedMs. */
  speedup: number;
  /** Whether it can pay: the predicted speedup exceeds NIL_GAIN. */
  pays: boolean;
}

/** The model for one target: undefined when the run was not timed or the items are not known. */
export function dispatchOutlook(
  target: ParallelTarget,
  timing: { runMs: number; functionMs: number },
  calls: number,
  items: number,
  workers: number,
  learned: { ms: number; from: number } = { ms: 0, from: 0 },
): DispatchOutlook | undefined {
  const { runMs } = timing;
  if (!(runMs > 0) || !(calls > 0) || !(items > 0) || !(workers >= 1)) return undefined;
  const functionMs = Math.min(Math.max(timing.functionMs, 0), runMs);
  const perCall = functionMs / calls;
  const itemMs = perCall / items;
  const cost = { startMs: learned.from > 0 ? learned.ms : ENGINE_COSTS[target].startMs, itemMs: ENGINE_COSTS[target].itemMs };
  const parallelPerCall = (items * itemMs) / Math.min(workers, items) + items * cost.itemMs;
  const predictedMs = runMs - functionMs + calls * parallelPerCall + cost.startMs;
  const speedup = runMs / predictedMs;
  return { target, calls, items, itemMs, workers, cost, startFrom: learned.from, runMs, predictedMs, speedup, pays: speedup > NIL_GAIN };
}

const ENGINE_NAME: Record<ParallelTarget, string> = { processes: 'a process pool', ray: 'Ray', dask: 'Dask' };

function times(x: number): string {
  return `${x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toPrecision(2)}×`;
}

/** One sentence per target: what it can give, or "keep it serial" with the numbers. */
export function dispatchReport(d: DispatchOutlook, functionName: string): string {
  const items = `${Math.round(d.items).toLocaleString('en-US')} item${Math.round(d.items) === 1 ? '' : 's'}`;
  const work = `${d.calls.toLocaleString('en-US')} call${d.calls === 1 ? '' : 's'} of ${items} at ${formatDuration(d.itemMs)} each`;
  const start = `${formatDuration(d.cost.startMs)} to start${d.startFrom > 0 ? ` (measured here, ${d.startFrom} run${d.startFrom === 1 ? '' : 's'})` : ''}`;
  const costs = `${ENGINE_NAME[d.target]} costs ${start} and about ${formatDuration(d.cost.itemMs)} to send each item, on ${d.workers} worker${d.workers === 1 ? '' : 's'}`;
  const after = `the program ${formatDuration(d.runMs)} → about ${formatDuration(d.predictedMs)} (${times(d.speedup)})`;
  return d.pays
    ? `${functionName} on ${d.target}: ${work}; ${costs}: ${after}.`
    : `${functionName} on ${d.target}: keep it serial: ${work}; ${costs}: ${after}.`;
}

/**
 * The items each recorded call sends, on average: the length, or the int value, of the argument the loop goes over,
 * read from the stored recording (`doc`: its `calls[].args` and `blobs`, as perf_lab_kernel.py writes them: `{i}` an
 * int, `{l}`/`{t}` a list or tuple, `{nd}` an array, `{s}` a str, `{ref}` a stored value). Undefined when no call gives it.
 */
export function recordedItems(doc: unknown, items: { param: number; how: 'length' | 'count' }): number | undefined {
  const d = doc as { calls?: { args?: unknown[] }[]; blobs?: Record<string, unknown> } | undefined;
  const value = (v: unknown): Record<string, unknown> | undefined => {
    const o = v as Record<string, unknown> | undefined;
    if (o && typeof o === 'object' && typeof o.ref === 'string') return value(d?.blobs?.[o.ref]);
    return o && typeof o === 'object' ? o : undefined;
  };
  const counts: number[] = [];
  for (const c of d?.calls ?? []) {
    const v = value(c.args?.[items.param]);
    if (!v) continue;
    let n: number | undefined;
    if (items.how === 'count' && typeof v.i === 'string') n = Math.max(0, Number(v.i));
    if (items.how === 'length') {
      if (Array.isArray(v.l)) n = v.l.length;
      else if (Array.isArray(v.t)) n = v.t.length;
      else if (typeof v.s === 'string') n = [...v.s].length;
      else if (v.nd && typeof v.nd === 'object' && Array.isArray((v.nd as { shape?: unknown }).shape)) n = Number((v.nd as { shape: number[] }).shape[0]);
    }
    if (n !== undefined && Number.isFinite(n)) counts.push(n);
  }
  return counts.length ? counts.reduce((a, b) => a + b, 0) / counts.length : undefined;
}

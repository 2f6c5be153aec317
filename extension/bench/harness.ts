// The benchmark's child process: one variant (the original, or the candidate through its loader) measured with
// tinybench on the recorded inputs. Generated for the function's arity so that the timed loop calls it directly,
// `f(a[0], a[1])`, as a program does, not through a spread. Written to a temporary folder and run as a module.

/** Parent to harness. */
export interface BenchRequest {
  type: 'run';
  /** Argument lists, cycled through in order. */
  inputs: unknown[][];
  /** Arguments copied fresh for every call because the function writes to them (copied outside the timed region). */
  copy: number[];
  /** Calls per sample; 0 to calibrate it from `iterationMs`. */
  k: number;
  /** Milliseconds one sample should last when calibrating. */
  iterationMs: number;
  timeMs: number;
  warmupMs: number;
  /**
   * Wall-clock milliseconds, from the request, after which the measurement stops with the samples so far: tinybench
   * counts only the timed part of each sample, so without it a run whose untimed part (copies, its own bookkeeping)
   * dominates could last many times `timeMs`.
   */
  deadlineMs: number;
  /** At most this many samples are sent back: a uniform random sample (reservoir) of all that were measured. */
  keepSamples: number;
}

/** Harness to parent. */
export type FromBenchHarness =
  | { type: 'ready' }
  | {
      type: 'result';
      /** Milliseconds per sample (k calls), as tinybench measured them: all, or a uniform random `keepSamples` of them. */
      samples: number[];
      /** How many samples were measured. */
      measured: number;
      /** Whether the wall-clock deadline ended the measurement. */
      hitDeadline: boolean;
      k: number;
      state: string;
      error?: string;
      stats: { calls: number; fallbacks: number; reason: string } | null;
      sinkType: string;
    };

/** The harness source for a function of `arity` parameters; argv: variant, original URL, loader URL ('' for the original alone), name, tinybench URL. */
export function benchHarness(arity: number): string {
  const args = Array.from({ length: arity }, (_, i) => `a[${i}]`).join(', ');
  return `// Perf Lab benchmark harness: measures one variant of a function with tinybench.
const [variant, originalUrl, loaderUrl, name, tinybenchUrl] = process.argv.slice(2);
const { Bench } = await import(tinybenchUrl);
const original = (await import(originalUrl))[name];
let f = original;
let loader = null;
if (loaderUrl) {
  loader = await import(loaderUrl);
  f = loader.bind(original);
}
// Every result is stored here and reported at the end, so that no call can be optimised away.
let sink;

function copyArgs(args, copy) {
  const out = args.slice();
  for (const i of copy) {
    const v = args[i];
    const c = Array.isArray(v) ? v.slice() : v.slice();
    for (let j = 0; j < out.length; j++) if (args[j] === v) out[j] = c;
  }
  return out;
}

process.once('message', async (m) => {
  const deadline = performance.now() + m.deadlineMs;
  const stop = new AbortController();
  let hitDeadline = false;
  const inputs = m.inputs;
  const n = inputs.length;
  const copy = m.copy;
  const needCopy = copy.length > 0;
  let k = m.k;
  if (!k) {
    // Calls needed for one sample to last about iterationMs: runs of doubling length until one lasts 20 ms
    // (a timer read costs more than a small call, so calls are timed in runs, not one by one).
    let calls = 0;
    let run = 1;
    let perCall = 0;
    for (;;) {
      const t0 = performance.now();
      for (let j = 0; j < run; j++) {
        const a = needCopy ? copyArgs(inputs[calls % n], copy) : inputs[calls % n];
        sink = f(${args});
        calls++;
      }
      const elapsed = performance.now() - t0;
      if (elapsed >= 20 || run >= 1e7) {
        perCall = elapsed / run;
        break;
      }
      run *= 2;
    }
    k = Math.max(1, Math.min(1e6, Math.round(m.iterationMs / Math.max(perCall, 1e-6))));
  }
  const batch = new Array(k);
  let pos = 0;
  // Before every sample, outside the timed region: the next k inputs, fresh copies where the function writes.
  function prepare() {
    // Checked here, between samples: timers cannot fire while tinybench's loop runs.
    if (!hitDeadline && performance.now() > deadline) {
      hitDeadline = true;
      stop.abort();
    }
    for (let j = 0; j < k; j++) {
      const a = inputs[pos];
      pos = pos + 1 === n ? 0 : pos + 1;
      batch[j] = needCopy ? copyArgs(a, copy) : a;
    }
  }
  function sample() {
    for (let j = 0; j < k; j++) {
      const a = batch[j];
      sink = f(${args});
    }
  }
  // The warm-up by wall time (tinybench's counts only the timed part, so copies between samples could stretch it
  // without end): the same samples, unrecorded.
  const warmEnd = performance.now() + m.warmupMs;
  let warmError;
  try {
    do {
      prepare();
      sample();
    } while (performance.now() < warmEnd && !hitDeadline);
  } catch (e) {
    warmError = e;
  }
  const bench = new Bench({ name, time: m.timeMs, warmup: false, retainSamples: true, throws: true, signal: stop.signal, iterations: 10 });
  bench.add(variant, sample, { beforeEach: prepare });
  let error;
  try {
    if (warmError) throw warmError;
    await bench.run();
  } catch (e) {
    error = String(e && e.stack || e);
  }
  const r = bench.tasks[0].result;
  const all = r.latency && r.latency.samples ? r.latency.samples : [];
  // A uniform random sample of them all (algorithm R; tinybench returns them sorted, so never the first ones).
  let seed = 0x9e3779b9;
  const random = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
  const samples = all.slice(0, m.keepSamples);
  for (let i = m.keepSamples; i < all.length; i++) {
    const j = Math.floor(random() * (i + 1));
    if (j < m.keepSamples) samples[j] = all[i];
  }
  const state = r.state === 'aborted-with-statistics' && hitDeadline ? 'completed' : r.state;
  process.send({ type: 'result', samples, measured: all.length, hitDeadline, k, state, error, stats: loader ? { ...loader.stats } : null, sinkType: typeof sink });
});
process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready' });
`;
}

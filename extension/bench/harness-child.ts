// The benchmark's child process (dist/bench-harness.mjs): one variant (the original, or the candidate through its
// loader) measured with tinybench on the recorded inputs. A module generated for the function's arity (harness.ts)
// imports it and hands it the timed loop, so that the loop calls the function directly, `f(a[0], a[1])`, as a
// program does, not through a spread. argv: variant, original URL, loader URL ('' for the original alone), name,
// tinybench URL (Perf Lab's own copy, imported by URL so that the user's folder needs none).
import type { Bench as BenchClass } from 'tinybench';
import type { BenchRequest, FromBenchHarness } from './harness';
import { reservoirSample } from './stats';

type Fn = (...args: unknown[]) => unknown;
interface Loader {
  bind(original: Fn): Fn;
  stats: { calls: number; fallbacks: number; reason: string };
}

/** The part generated for the function's arity. */
export interface TimedLoop {
  /** Calls `f` on `batch[0]` … `batch[k - 1]`, keeping every result alive (in a sink of the generated module). */
  calls(f: Fn, batch: unknown[][], k: number): void;
  /** The type of the last result kept (reported, so that the sink is read). */
  sinkType(): string;
}

/** Arguments prepared at once while calibrating (the runs of calls are cut into chunks of this many). */
const CHUNK = 1024;

function send(m: FromBenchHarness): void {
  process.send!(m);
}

/** A written argument's copy: an array (its objects copied too, field by field), or an object. */
function copyOf(v: unknown): unknown {
  const field = (o: unknown) => (o !== null && typeof o === 'object' && !ArrayBuffer.isView(o) && !Array.isArray(o) ? { ...o } : o);
  return Array.isArray(v) ? v.map(field) : ArrayBuffer.isView(v) ? (v as unknown as Uint8Array).slice() : field(v);
}

function copyArgs(args: unknown[], copy: number[]): unknown[] {
  const out = args.slice();
  for (const i of copy) {
    const v = args[i];
    const c = copyOf(v);
    for (let j = 0; j < out.length; j++) if (args[j] === v) out[j] = c;
  }
  return out;
}

/** Warm-up samples sent back at most. */
const WARMUP_KEPT = 256;

/** Measures the variant argv names with `loop` once the parent sends its request. */
export async function runBench(loop: TimedLoop): Promise<void> {
  const [variant, originalUrl, loaderUrl, name, tinybenchUrl] = process.argv.slice(2) as [string, string, string, string, string];
  const { Bench } = (await import(tinybenchUrl)) as { Bench: typeof BenchClass };
  const original = ((await import(originalUrl)) as Record<string, Fn>)[name]!;
  let f = original;
  let loader: Loader | null = null;
  if (loaderUrl) {
    loader = (await import(loaderUrl)) as Loader;
    f = loader.bind(original);
  }

  process.once('message', async (m: BenchRequest) => {
    const deadline = performance.now() + m.deadlineMs;
    const stop = new AbortController();
    let hitDeadline = false;
    const inputs = m.inputs;
    const n = inputs.length;
    const copy = m.copy;
    const needCopy = copy.length > 0;
    let pos = 0;
    // The next `count` inputs into `batch`, fresh copies where the function writes.
    function fill(batch: unknown[][], count: number): void {
      for (let j = 0; j < count; j++) {
        const a = inputs[pos]!;
        pos = pos + 1 === n ? 0 : pos + 1;
        batch[j] = needCopy ? copyArgs(a, copy) : a;
      }
    }
    let k = m.k;
    if (!k) {
      // Calls needed for one sample to last about iterationMs: runs of doubling length until one lasts 20 ms
      // (a timer read costs more than a small call, so calls are timed in runs, not one by one). The copies are
      // timed with the calls, as they are a small part of a run.
      const chunk: unknown[][] = new Array(CHUNK);
      let run = 1;
      let perCall: number;
      for (;;) {
        const t0 = performance.now();
        for (let done = 0; done < run; done += CHUNK) {
          const count = Math.min(CHUNK, run - done);
          fill(chunk, count);
          loop.calls(f, chunk, count);
        }
        const elapsed = performance.now() - t0;
        if (elapsed >= 20 || run >= 1e7) {
          perCall = elapsed / run;
          break;
        }
        run *= 2;
      }
      k = Math.max(1, Math.min(1e6, Math.round(m.iterationMs / Math.max(perCall, 1e-6))));
      pos = 0;
    }
    const batch: unknown[][] = new Array(k);
    // Before every sample, outside the timed region: the next k inputs, fresh copies where the function writes.
    function prepare(): void {
      // Checked here, between samples: timers cannot fire while tinybench's loop runs.
      if (!hitDeadline && performance.now() > deadline) {
        hitDeadline = true;
        stop.abort();
      }
      fill(batch, k);
    }
    // Each sample's time, in the order they were measured (tinybench keeps its own sorted): the interval cuts them
    // into batches of consecutive samples (stats.ts ratioOfMedians).
    const inOrder: number[] = [];
    // The warm-up's samples too (the first few hundred): when a call is so slow that the bound comes before any
    // timed sample, they are what was measured.
    const warmup: number[] = [];
    let timing = false;
    function sample(): void {
      const t0 = performance.now();
      loop.calls(f, batch, k);
      const ms = performance.now() - t0;
      if (timing) inOrder.push(ms);
      else if (warmup.length < WARMUP_KEPT) warmup.push(ms);
    }
    // The warm-up by wall time (tinybench's counts only the timed part, so copies between samples could stretch it
    // without end): the same samples, unrecorded.
    const warmEnd = performance.now() + m.warmupMs;
    let warmError: unknown;
    try {
      do {
        prepare();
        sample();
      } while (performance.now() < warmEnd && !hitDeadline);
    } catch (e) {
      warmError = e;
    }
    const bench = new Bench({ name, time: m.timeMs, warmup: false, throws: true, signal: stop.signal, iterations: 10 });
    bench.add(variant, sample, { beforeEach: prepare });
    let error: string | undefined;
    try {
      if (warmError) throw warmError;
      timing = true;
      await bench.run();
    } catch (e) {
      error = String((e && (e as Error).stack) || e);
    }
    const r = bench.tasks[0]!.result!;
    const samples = Array.from(reservoirSample(inOrder, m.keepSamples));
    const state = r.state === 'aborted-with-statistics' && hitDeadline ? 'completed' : r.state;
    send({
      type: 'result',
      samples,
      measured: inOrder.length,
      warmup,
      hitDeadline,
      k,
      state,
      error,
      stats: loader ? { ...loader.stats } : null,
      sinkType: loop.sinkType(),
    });
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready' });
}

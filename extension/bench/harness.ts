// The benchmark's child process: harness-child.ts, bundled into dist/ by build.mjs, measures one variant (the
// original, or the candidate through its loader) with tinybench on the recorded inputs. The module the child runs is
// generated for the function's arity and hands the harness its timed loop, so that the loop calls the function
// directly, `f(a[0], a[1])`, as a program does, not through a spread. Written to a temporary folder and run as a module.
import { pathToFileURL } from 'node:url';
import { childScript } from '../assets';

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
  /** At most this many samples are sent back: a uniform random sample (reservoir) of all that were measured, in their order. */
  keepSamples: number;
}

/** Harness to parent. */
export type FromBenchHarness =
  | { type: 'ready' }
  | {
      type: 'result';
      /** Milliseconds per sample (k calls) in the order they were measured: all, or a uniform random `keepSamples` of them. */
      samples: number[];
      /** How many samples were measured. */
      measured: number;
      /** Milliseconds per warm-up sample, the first ones, in order (not part of `samples`). */
      warmup: number[];
      /** Whether the wall-clock deadline ended the measurement. */
      hitDeadline: boolean;
      k: number;
      state: string;
      error?: string;
      stats: { calls: number; fallbacks: number; reason: string } | null;
      sinkType: string;
    };

/**
 * The module the benchmark's child runs for a function of `arity` parameters: the timed loop, written for the arity,
 * handed to the harness (dist/bench-harness.mjs, built from harness-child.ts). argv: variant, original URL, loader URL
 * ('' for the original alone), name, tinybench URL.
 */
export function benchHarness(arity: number): string {
  const args = Array.from({ length: arity }, (_, i) => `a[${i}]`).join(', ');
  return `// Perf Lab benchmark: the timed loop for a function of ${arity} parameters; the harness measures it with tinybench.
import { runBench } from ${JSON.stringify(pathToFileURL(childScript('bench-harness.mjs')).href)};
// Every result is stored here and reported at the end, so that no call can be optimised away.
let sink;
await runBench({
  calls(f, batch, k) {
    for (let j = 0; j < k; j++) {
      const a = batch[j];
      sink = f(${args});
    }
  },
  sinkType: () => typeof sink,
});
`;
}

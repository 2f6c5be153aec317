// The bench stage: the original and the candidate measured on the recorded inputs, each in its own child process of
// the user's Node.js, with tinybench; the speedup with its confidence interval (stats.ts), a verdict and the advice
// the numbers support.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { JsCandidate } from '../compiler/compile';
import { CancelledError, PerfLabError } from '../errors';
import { measuredInTurn, noProgress, throwIfCancelled, type StageOptions } from '../progress';
import type { TargetId, VariantName, VariantView } from '../protocol';
import { probeNode } from '../profile/node-runner';
import { isReplayable, type Recording } from '../record/recording';
import { firstLines, startChild } from '../profile/run-child';
import { sameSnapshot } from '../record/value-codec';
import { jsTarget } from '../targets';
import { writeCandidateLoader, writeOriginal, writeOriginalWith, type OriginalFunction } from '../prove/modules';
import { benchHarness, type BenchRequest, type FromBenchHarness } from './harness';
import {
  formatDuration,
  formatTimes,
  HISTORY_SAMPLES,
  INTERVAL_METHOD,
  ratioOfMedians,
  recommendation,
  reservoirSample,
  summarize,
  verdictOf,
  type RatioEstimate,
  type Verdict,
} from './stats';

export interface BenchOptions extends StageOptions {
  nodePath?: string;
  cwd?: string;
  /** Measured milliseconds per variant (after warm-up); 1,500 by default. */
  timeMs?: number;
  /** Warm-up milliseconds per variant; a fifth of timeMs, at least 200, by default. */
  warmupMs?: number;
  /** How long one sample (k calls) should last; k is calibrated on the JavaScript variant. 0.5 ms by default. */
  iterationMs?: number;
}

export interface BenchResult {
  variants: VariantView[];
  /** JavaScript's median time over WebAssembly's: above 1 the WebAssembly version is faster. */
  speedup: RatioEstimate & { statistic: 'median' };
  verdict: Verdict;
  /** The advice the numbers support, starting with what to do. */
  recommendation: string;
  /** How it was measured and what to keep in mind. */
  note: string;
  /** How the function was called, compared with how the program calls it. */
  callShape: string;
  callsPerSample: number;
  inputs: number;
  runtimeVersion: string;
}

/** One compiled target against JavaScript, in a benchmark of several. */
export interface TargetComparison {
  target: TargetId;
  name: VariantName;
  /** JavaScript's median time over this target's: above 1 the target is faster. */
  speedup: RatioEstimate & { statistic: 'median' };
  verdict: Verdict;
  recommendation: string;
  /** The loader's calls and fallbacks during the measurement. */
  fallbackShare: number;
}

/** JavaScript and every candidate, each measured in its own process in one run. */
export interface MultiBenchResult {
  variants: VariantView[];
  targets: TargetComparison[];
  note: string;
  callShape: string;
  callsPerSample: number;
  inputs: number;
  runtimeVersion: string;
  /** Each variant's time per call (ms), at most HISTORY_SAMPLES of them in the order measured, by variant name: what the history keeps. */
  samples?: Record<string, number[]>;
}

/** tinybench's entry file as a file: URL, resolved from Perf Lab's own install (the harness lives in a temp folder). */
export function tinybenchUrl(): string {
  try {
    return pathToFileURL(require.resolve('tinybench')).href;
  } catch {
    throw new PerfLabError(
      "tinybench is missing from Perf Lab's installation (node_modules/tinybench). Reinstall the extension, or run `npm install` in a checkout.",
    );
  }
}

/** The argument positions the function writes to, from the compiled signature and from the recorded calls. */
export function writtenArgs(candidate: JsCandidate | JsCandidate[], recording: Recording): number[] {
  const out = new Set<number>();
  for (const c of Array.isArray(candidate) ? candidate : [candidate]) {
    c.abi.params.forEach((p, i) => {
      if ((p.kind === 'array' || p.kind === 'rows') && p.written) out.add(i);
      if (p.kind === 'objects' && p.written.some((w) => w)) out.add(i);
    });
  }
  for (const c of recording.calls) {
    c.argsAfter.forEach((after, i) => {
      if (after !== null && !sameSnapshot(after, c.args[i])) out.add(i);
    });
  }
  return [...out].sort((a, b) => a - b);
}

interface VariantRun {
  perCall: Float64Array;
  k: number;
  stats: { calls: number; fallbacks: number; reason: string } | null;
  /** Samples measured (perCall holds all of them, or a uniform random {@link KEEP_SAMPLES}, in their order). */
  measured: number;
  hitDeadline: boolean;
  /** The bound came before any timed sample: perCall holds the warm-up's samples. */
  fromWarmup?: boolean;
  /**
   * A compiled variant stopped at its bound in the middle of a sample: no time per call, but a lower bound on it
   * (milliseconds), the time that sample had run for divided by its calls.
   */
  atLeastMs?: number;
}

/** Time a compiled variant is given past its bound and start-up before it is stopped as too slow to measure. */
const CANDIDATE_GRACE_MS = 2000;

/** Samples per variant sent back from its process and summarised: a uniform random sample of all that were measured. */
export const KEEP_SAMPLES = 50_000;

/** Process start-up and module loading, allowed on top of a variant's measuring bound. */
const STARTUP_ALLOWANCE_MS = 3000;

/**
 * How long one variant may measure, wall clock, from the request to its last sample: twice its warm-up and measured
 * time, plus 2 s for calibration. tinybench counts only the timed part of each sample; this bounds the rest.
 */
export function variantBoundMs(timeMs: number, warmupMs: number): number {
  return 2 * (timeMs + warmupMs) + 2000;
}

/** The most the bench stage of `variants` variants can last, wall clock: each variant's bound and start-up, then the statistics. */
export function benchBoundMs(timeMs: number, warmupMs: number, variants: number): number {
  return variants * (variantBoundMs(timeMs, warmupMs) + STARTUP_ALLOWANCE_MS) + 2000;
}

/** The default warm-up for a measured time: a fifth of it, at least 200 ms. */
export function defaultWarmupMs(timeMs: number): number {
  return Math.max(200, timeMs / 5);
}

/**
 * Measures one variant in its own process. The original may overrun its bound (its time is what everything is
 * compared with); a compiled variant (`candidate`) is stopped soon after it, so that a candidate many times slower
 * than the original is said to be so within the benchmark's time rather than holding it up.
 */
async function runVariant(
  name: VariantName,
  execPath: string,
  harnessPath: string,
  argv: string[],
  cwd: string,
  request: BenchRequest,
  signal: AbortSignal | undefined,
  candidate = false,
): Promise<VariantRun> {
  let stderr = '';
  let sentAt = 0;
  let resolveResult: (m: Extract<FromBenchHarness, { type: 'result' }>) => void = () => {};
  const result = new Promise<Extract<FromBenchHarness, { type: 'result' }>>((r) => (resolveResult = r));
  const child = startChild({
    execPath,
    args: [harnessPath, name, ...argv],
    cwd,
    // A last resort: the harness stops itself at request.deadlineMs, between samples; start-up and loading come on
    // top, and for the original a sample that has started.
    timeoutMs: request.deadlineMs + STARTUP_ALLOWANCE_MS + (candidate ? CANDIDATE_GRACE_MS : 30_000),
    signal,
    ipc: true,
    onOutput: (stream, text) => {
      if (stream === 'stderr' && stderr.length < 4096) stderr += text;
    },
    onMessage: (m) => {
      const msg = m as FromBenchHarness;
      if (msg.type === 'ready') {
        sentAt = performance.now();
        child.send(request);
      } else if (msg.type === 'result') resolveResult(msg);
    },
  });
  const outcome = child.done.then((o) => ({ exited: o }));
  const first = await Promise.race([result.then((r) => ({ r })), outcome]);
  if ('exited' in first) {
    const o = first.exited;
    if (o.stoppedBy === 'cancel') throw new CancelledError('The benchmark was cancelled.');
    if (o.stoppedBy === 'timeout' && candidate && sentAt > 0 && request.k > 0) {
      // The sample running when it was stopped began no later than the bound (the harness starts none after it).
      const atLeastMs = (performance.now() - sentAt - request.deadlineMs) / request.k;
      return { perCall: new Float64Array(0), k: request.k, stats: null, measured: 0, hitDeadline: true, atLeastMs: Math.max(atLeastMs, 0) };
    }
    if (o.stoppedBy === 'timeout') throw new PerfLabError(`The ${name} benchmark did not finish in time.`);
    throw new PerfLabError(`The ${name} benchmark process ended early (${o.signal ?? `exit code ${o.code}`}).${stderr ? `\n${firstLines(stderr, 8)}` : ''}`);
  }
  const r = first.r;
  child.process.disconnect?.();
  const timer = setTimeout(() => child.stop(), 2000);
  await child.done;
  clearTimeout(timer);
  if (r.hitDeadline && r.samples.length === 0 && r.warmup.length > 0 && !r.error) {
    // Calls so slow that the bound came during the warm-up: its samples are all there is.
    return { perCall: Float64Array.from(r.warmup, (s) => s / r.k), k: r.k, stats: r.stats, measured: r.warmup.length, hitDeadline: true, fromWarmup: true };
  }
  if (r.hitDeadline && r.samples.length === 0) {
    throw new PerfLabError(
      `The ${name} benchmark reached its ${(request.deadlineMs / 1000).toFixed(1)} s bound before measuring a sample: one call takes too long to benchmark here. Give the program a smaller input, or raise --time.`,
    );
  }
  if (r.state !== 'completed' || r.samples.length === 0) {
    throw new PerfLabError(`The ${name} benchmark failed (${r.state}).${r.error ? `\n${firstLines(r.error, 6)}` : ''}`);
  }
  return { perCall: Float64Array.from(r.samples, (s) => s / r.k), k: r.k, stats: r.stats, measured: r.measured, hitDeadline: r.hitDeadline };
}

function variantResult(name: VariantName, perCall: Float64Array): VariantView {
  const s = summarize(perCall);
  return { name, median: s.median, mean: s.mean, rme: s.rme, sd: s.sd, min: s.min, max: s.max, samples: s.n };
}

/**
 * Measures the original and the candidate on the recorded inputs, each in its own child process, and estimates
 * the speedup as the ratio of medians with its 95 % interval.
 */
export async function bench(original: OriginalFunction, candidate: JsCandidate, recording: Recording, opts: BenchOptions = {}): Promise<BenchResult> {
  const r = await benchTargets(original, [candidate], recording, opts);
  const t = r.targets[0]!;
  return {
    variants: r.variants,
    speedup: t.speedup,
    verdict: t.verdict,
    recommendation: t.recommendation,
    note: r.note,
    callShape: r.callShape,
    callsPerSample: r.callsPerSample,
    inputs: r.inputs,
    runtimeVersion: r.runtimeVersion,
  };
}

/**
 * Measures the original and every candidate (at most one per target) on the recorded inputs, each in its own
 * child process with the same calls per sample, and compares each candidate with JavaScript.
 */
export async function benchTargets(
  original: OriginalFunction,
  candidates: JsCandidate[],
  recording: Recording,
  opts: BenchOptions = {},
): Promise<MultiBenchResult> {
  const progress = opts.progress ?? noProgress;
  const timeMs = opts.timeMs ?? 1500;
  const warmupMs = opts.warmupMs ?? defaultWarmupMs(timeMs);
  const iterationMs = opts.iterationMs ?? 0.5;
  if (candidates.length === 0) throw new PerfLabError('Nothing to benchmark: no candidate was given.');
  if (new Set(candidates.map((c) => c.target)).size !== candidates.length) throw new PerfLabError('Benchmark one candidate per target.');
  const calls = recording.calls.filter((c) => isReplayable(c) && c.threw === undefined);
  if (calls.length === 0) {
    throw new PerfLabError(
      `No recorded call of ${original.functionName} can be replayed (they hold functions or host objects, or threw). The benchmark needs real inputs: record the function again.`,
    );
  }
  const inputs = calls.map((c) => c.args);
  const copy = writtenArgs(candidates, recording);
  const arity = Math.max(...candidates.map((c) => c.abi.params.length), ...inputs.map((a) => a.length));

  progress({ message: 'Looking for Node.js…' });
  const runtime = await probeNode(opts.nodePath || 'node');
  throwIfCancelled(opts.signal, 'The benchmark was cancelled.');
  const tb = tinybenchUrl();
  const tmp = await mkdtemp(join(tmpdir(), 'perf-lab-bench-'));
  try {
    const originalUrl = await writeOriginal(tmp, original, candidates[0]!);
    const loaders: string[] = [];
    for (const c of candidates) loaders.push(await writeCandidateLoader(tmp, `candidate-${c.target}`, c));
    const harnessPath = join(tmp, 'bench-harness.mjs');
    await writeFile(harnessPath, benchHarness(arity));
    const argvOf = (loaderUrl: string) => [originalUrl, loaderUrl, original.functionName, tb];
    const cwd = opts.cwd ?? tmp;
    const request: BenchRequest = {
      type: 'run',
      inputs,
      copy,
      k: 0,
      iterationMs,
      timeMs,
      warmupMs,
      deadlineMs: variantBoundMs(timeMs, warmupMs),
      keepSamples: KEEP_SAMPLES,
    };

    // The time left, said every second: the rest of this variant's expected time, the variants after it, the statistics.
    const names = ['JavaScript', ...candidates.map((c) => jsTarget(c.target).name)];
    const expectedMs = warmupMs + timeMs + 500;
    const measure = measuredInTurn(names, expectedMs, progress);
    const js = await measure(0, () => runVariant('JavaScript', runtime.execPath, harnessPath, argvOf(''), cwd, request, opts.signal));
    const runs: VariantRun[] = [];
    for (const [i, c] of candidates.entries()) {
      runs.push(
        await measure(i + 1, () =>
          runVariant(jsTarget(c.target).name, runtime.execPath, harnessPath, argvOf(loaders[i]!), cwd, { ...request, k: js.k }, opts.signal, true),
        ),
      );
    }

    progress({ message: 'Computing the confidence intervals…', remainingMs: 500 });
    const all = [js, ...runs];
    const measured = all.reduce((a, r) => a + r.measured, 0);
    const kept = all.reduce((a, r) => a + r.perCall.length, 0);
    const notes = [
      `Each variant ran in its own process of Node.js ${runtime.version}: ${(warmupMs / 1000).toFixed(1)} s of warm-up, then ${(timeMs / 1000).toFixed(1)} s of samples (stopped at ${(request.deadlineMs / 1000).toFixed(1)} s of wall time at most); the speedup is the ratio of median times per call, ${INTERVAL_METHOD}.`,
    ];
    if (kept < measured)
      notes.push(
        `Of ${measured.toLocaleString('en-US')} samples measured, a uniform random ${kept.toLocaleString('en-US')} (at most ${KEEP_SAMPLES.toLocaleString('en-US')} per variant) are summarised.`,
      );
    const cut = all.map((r, i) => (r.hitDeadline && !r.fromWarmup && r.atLeastMs === undefined ? names[i] : undefined)).filter((n) => n !== undefined);
    const warm = all.map((r, i) => (r.fromWarmup ? names[i] : undefined)).filter((n) => n !== undefined);
    if (warm.length > 0)
      notes.push(
        `${warm.join(' and ')} reached the wall-time bound during the warm-up: ${warm.length > 1 ? 'their' : 'its'} time is that of the warm-up's samples, before the JIT settled.`,
      );
    if (cut.length > 0)
      notes.push(
        `${cut.join(' and ')} reached the wall-time bound before ${(timeMs / 1000).toFixed(1)} s of samples (the untimed copies between samples, or a loaded machine): fewer samples, a wider interval.`,
      );
    const jsMedian = summarize(js.perCall).median;
    const k = js.k;
    const targets: TargetComparison[] = candidates.map((c, i) => {
      const run = runs[i]!;
      const name = jsTarget(c.target).name;
      if (run.atLeastMs !== undefined) {
        // Stopped in the middle of a sample: slower than JavaScript by at least the bound on its time per call.
        const bound = jsMedian / Math.max(run.atLeastMs, Number.MIN_VALUE);
        const slower = `${name} is at least ${formatTimes(1 / bound)} slower: one sample of ${k} call${k === 1 ? '' : 's'} had run ${formatDuration(run.atLeastMs * k)} without finishing, where JavaScript takes ${formatDuration(jsMedian)} per call`;
        notes.push(`The ${name} variant was stopped at its wall-time bound in the middle of a sample: ${slower}.`);
        return {
          target: c.target,
          name,
          speedup: { estimate: bound, ci95: [0, bound], statistic: 'median' },
          verdict: 'slower',
          recommendation: `keep JavaScript: ${slower}`,
          fallbackShare: 0,
        };
      }
      const speedup = ratioOfMedians(js.perCall, run.perCall);
      const share = run.stats && run.stats.fallbacks > 0 ? run.stats.fallbacks / Math.max(1, run.stats.calls) : 0;
      if (run.stats && share > 0) {
        const pct = 100 * share;
        notes.push(
          `The ${name} variant fell back to JavaScript on ${pct.toFixed(pct < 1 ? 2 : 0)}% of its calls (${run.stats.reason}), so it measures the original in part.`,
        );
      }
      const advice = recommendation(speedup);
      return {
        target: c.target,
        name,
        speedup: { ...speedup, statistic: 'median' },
        verdict: verdictOf(speedup),
        recommendation: advice.replace(/WebAssembly/g, jsTarget(c.target).advice),
        fallbackShare: share,
      };
    });
    const argList = Array.from({ length: arity }, (_, i) => `a${i}`).join(', ');
    const copied =
      copy.length > 0
        ? ` Argument${copy.length > 1 ? 's' : ''} ${copy.map((i) => i + 1).join(', ')} ${copy.length > 1 ? 'were' : 'was'} copied fresh for every call, before each sample and outside the timed region, because the function writes to ${copy.length > 1 ? 'them' : 'it'}.`
        : '';
    const compiledNames = candidates.map((c) => jsTarget(c.target).name).join(' and ');
    const callShape =
      `${original.functionName}(${argList}) called directly, ${k} time${k === 1 ? '' : 's'} per sample, on the ${inputs.length} recorded input${inputs.length === 1 ? '' : 's'} in turn.${copied}` +
      ` In this loop V8 may inline the JavaScript version, which the program's own call site may not allow; the ${compiledNames} version${candidates.length > 1 ? 's are' : ' is'} never inlined.`;
    const variants = [
      variantResult('JavaScript', js.perCall),
      ...candidates.map((c, i) => {
        const run = runs[i]!;
        // A variant stopped as too slow: no samples, its time per call at least the bound.
        if (run.atLeastMs !== undefined) {
          const t = run.atLeastMs;
          return { name: jsTarget(c.target).name, median: t, mean: t, rme: 0, sd: 0, min: t, max: t, samples: 0 };
        }
        return variantResult(jsTarget(c.target).name, run.perCall);
      }),
    ];
    const noisy = variants.filter((v) => v.rme > 5);
    if (noisy.length > 0)
      notes.push(
        `The measurements were noisy (relative margin of error ${noisy.map((v) => `${v.name} ${v.rme.toFixed(1)}%`).join(', ')}): other work on this machine, or too short a run; a longer run narrows the interval.`,
      );
    const samples = Object.fromEntries(all.map((r, i) => [names[i]!, Array.from(reservoirSample(r.perCall, HISTORY_SAMPLES))]));
    return { variants, targets, note: notes.join(' '), callShape, callsPerSample: k, inputs: inputs.length, runtimeVersion: runtime.version, samples };
  } finally {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
  }
}

/** The original function alone, measured as it is (no candidate): `perf-lab bench`, the history's own measurement. */
export interface OriginalBench {
  variant: VariantView;
  /** Time per call (ms), at most HISTORY_SAMPLES of them in the order measured. */
  samples: number[];
  callsPerSample: number;
  inputs: number;
  runtimeVersion: string;
  execPath: string;
  note: string;
}

/**
 * Measures the original function on the recorded inputs in its own process, with the harness and the settings of
 * {@link benchTargets}; `callees` are the functions of its file it calls (extracted with it).
 */
export async function benchOriginal(original: OriginalFunction, callees: string[], recording: Recording, opts: BenchOptions = {}): Promise<OriginalBench> {
  const timeMs = opts.timeMs ?? 1500;
  const warmupMs = opts.warmupMs ?? defaultWarmupMs(timeMs);
  const calls = recording.calls.filter((c) => isReplayable(c) && c.threw === undefined);
  if (calls.length === 0)
    throw new PerfLabError(
      `No recorded call of ${original.functionName} can be replayed (they hold functions or host objects, or threw). The benchmark needs real inputs: record the function again.`,
    );
  const inputs = calls.map((c) => c.args);
  const runtime = await probeNode(opts.nodePath || 'node');
  throwIfCancelled(opts.signal, 'The benchmark was cancelled.');
  const tb = tinybenchUrl();
  const tmp = await mkdtemp(join(tmpdir(), 'perf-lab-bench-'));
  try {
    const originalUrl = await writeOriginalWith(tmp, original, callees);
    const harnessPath = join(tmp, 'bench-harness.mjs');
    await writeFile(harnessPath, benchHarness(Math.max(recording.arity, ...inputs.map((a) => a.length))));
    const request: BenchRequest = {
      type: 'run',
      inputs,
      copy: writtenArgs([], recording),
      k: 0,
      iterationMs: opts.iterationMs ?? 0.5,
      timeMs,
      warmupMs,
      deadlineMs: variantBoundMs(timeMs, warmupMs),
      keepSamples: KEEP_SAMPLES,
    };
    const progress = opts.progress ?? noProgress;
    const measure = measuredInTurn(['JavaScript'], warmupMs + timeMs + 500, progress);
    const js = await measure(0, () =>
      runVariant('JavaScript', runtime.execPath, harnessPath, [originalUrl, '', original.functionName, tb], opts.cwd ?? tmp, request, opts.signal),
    );
    return {
      variant: variantResult('JavaScript', js.perCall),
      samples: Array.from(reservoirSample(js.perCall, HISTORY_SAMPLES)),
      callsPerSample: js.k,
      inputs: inputs.length,
      runtimeVersion: runtime.version,
      execPath: runtime.execPath,
      note: `Measured in its own process of Node.js ${runtime.version}: ${(warmupMs / 1000).toFixed(1)} s of warm-up, then ${(timeMs / 1000).toFixed(1)} s of samples of ${js.k} call${js.k === 1 ? '' : 's'} each on the ${inputs.length} recorded input${inputs.length === 1 ? '' : 's'}.`,
    };
  } finally {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
  }
}

// The bench stage for Python: the original function and each compiled candidate timed on the recorded calls, each
// variant in its own process of the user's interpreter (python/perf_lab_kernel.py bench), after a warm-up that
// includes Numba's compilation; the statistics are the JavaScript side's (stats.ts): medians, relative margin of
// error, and the speedup as a ratio of medians with its 95 % interval.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StageOptions } from '../progress';
import { kernelHelperPath, pythonTargetName, type PythonCandidate, type PythonTarget, type PythonTargetName } from '../compiler/compile-python';
import { CancelledError, PerfLabError } from '../errors';
import { measuredInTurn, noProgress } from '../progress';
import type { VariantView } from '../protocol';
import { firstLines, startChild } from '../profile/run-child';
import type { PythonRecording } from '../record/record-python';
import {
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

export interface PythonBenchOptions extends StageOptions {
  python: string;
  /** Measured milliseconds per variant (after warm-up); 1,500 by default. */
  timeMs?: number;
  /** Warm-up milliseconds per variant (at least one round of calls, which compiles Numba code); 300 by default. */
  warmupMs?: number;
}

/** One compiled target against CPython. */
export interface PythonTargetComparison {
  target: PythonTarget;
  name: PythonTargetName;
  /** CPython's median time over this target's: above 1 the target is faster. */
  speedup: RatioEstimate & { statistic: 'median' };
  verdict: Verdict;
  recommendation: string;
  /** Share of the measured calls on which the wrapper ran the original instead. */
  fallbackShare: number;
}

/** CPython and every candidate, each measured in its own process in one run. */
export interface PythonBenchResult {
  variants: VariantView[];
  targets: PythonTargetComparison[];
  note: string;
  callShape: string;
  inputs: number;
  runtimeVersion: string;
  /** Each variant's samples (ms per call), at most HISTORY_SAMPLES of them in the order measured, by variant name: what the history keeps. */
  samples?: Record<string, number[]>;
}

interface HelperBench {
  error?: string;
  traceback?: string;
  samples: number[];
  calls: number;
  written: boolean;
  stats?: { calls: number; fallbacks: number; reason: string };
}

async function runVariant(label: string, python: string, tmp: string, request: object, timeMs: number, signal: AbortSignal | undefined): Promise<HelperBench> {
  const req = join(tmp, `${label}.json`);
  const out = join(tmp, `${label}.out.json`);
  await writeFile(req, JSON.stringify({ ...request, out }));
  let stderr = '';
  const child = startChild({
    execPath: python,
    args: [kernelHelperPath(), 'bench', req],
    cwd: tmp,
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
    // Start-up, the warm-up (compilation included) and a slow first call on top of the measured time.
    timeoutMs: timeMs + 10 * 60_000,
    signal,
    onOutput: (stream, text) => {
      if (stream === 'stderr' && stderr.length < 8192) stderr += text;
    },
  });
  const o = await child.done;
  if (o.stoppedBy === 'cancel') throw new CancelledError('The benchmark was cancelled.');
  const text = await readFile(out, 'utf8').catch(() => undefined);
  if (text === undefined)
    throw new PerfLabError(`The ${label} benchmark process ended early (${o.signal ?? `exit code ${o.code}`}).${stderr ? `\n${firstLines(stderr, 8)}` : ''}`);
  const r = JSON.parse(text) as HelperBench;
  if (r.error) throw new PerfLabError(`The ${label} benchmark failed: ${r.error}`, r.traceback);
  return r;
}

function view(name: VariantView['name'], samples: number[]): VariantView {
  const s = summarize(samples);
  return { name, median: s.median, mean: s.mean, rme: s.rme, sd: s.sd, min: s.min, max: s.max, samples: s.n };
}

/** The original Python function alone, measured as it is (no candidate): `perf-lab bench`, the history's own measurement. */
export async function benchPythonOriginal(
  recording: PythonRecording,
  opts: PythonBenchOptions,
): Promise<{ variant: VariantView; samples: number[]; inputs: number; runtimeVersion: string; note: string }> {
  const timeMs = opts.timeMs ?? 1500;
  const warmupMs = opts.warmupMs ?? 300;
  const tmp = await mkdtemp(join(tmpdir(), 'perf-lab-pybench-'));
  try {
    const base = { file: recording.file, fn: recording.functionName, recording: recording.dataPath, timeMs, warmupMs };
    const measure = measuredInTurn(['Python'], warmupMs + timeMs + 1000, opts.progress ?? noProgress);
    const py = await measure(0, () => runVariant('Python', opts.python, tmp, base, timeMs, opts.signal));
    return {
      variant: view('Python', py.samples),
      samples: Array.from(reservoirSample(py.samples, HISTORY_SAMPLES)),
      inputs: py.calls,
      runtimeVersion: recording.runtimeVersion,
      note: `Measured in its own process of ${recording.runtimeVersion}: a warm-up of at least one round of the recorded calls, then ${(timeMs / 1000).toFixed(1)} s of samples; a sample is the mean time per call over one round of the ${py.calls} recorded input${py.calls === 1 ? '' : 's'}.`,
    };
  } finally {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
  }
}

/** Measures CPython and every candidate on the recorded calls, each in its own process, and compares each with CPython. */
export async function benchPython(candidates: PythonCandidate[], recording: PythonRecording, opts: PythonBenchOptions): Promise<PythonBenchResult> {
  const progress = opts.progress ?? noProgress;
  const timeMs = opts.timeMs ?? 1500;
  const warmupMs = opts.warmupMs ?? 300;
  if (candidates.length === 0) throw new PerfLabError('Nothing to benchmark: no candidate was given.');
  const tmp = await mkdtemp(join(tmpdir(), 'perf-lab-pybench-'));
  try {
    const base = { file: recording.file, fn: recording.functionName, recording: recording.dataPath, timeMs, warmupMs };
    // The time left, said every second; a first call that compiles (Numba) can take longer than this expects.
    const names = ['Python', ...candidates.map((c) => pythonTargetName(c.target))];
    const expectedMs = warmupMs + timeMs + 1000;
    const measure = measuredInTurn(names, expectedMs, progress);
    const py = await measure(0, () => runVariant('Python', opts.python, tmp, base, timeMs, opts.signal));
    const runs: HelperBench[] = [];
    for (const [i, c] of candidates.entries()) {
      runs.push(
        await measure(i + 1, () =>
          runVariant(names[i + 1]!, opts.python, tmp, { ...base, dir: c.dir, module: c.moduleName, entry: c.entry }, timeMs, opts.signal),
        ),
      );
    }
    const notes = [
      `Each variant ran in its own process of ${recording.runtimeVersion}: a warm-up of at least one round of the recorded calls (which includes compiling the Numba code, or loading the built module), then ${(timeMs / 1000).toFixed(1)} s of samples; a sample is the mean time per call over one round; the speedup is the ratio of median times, ${INTERVAL_METHOD}.`,
    ];
    const targets: PythonTargetComparison[] = candidates.map((c, i) => {
      const run = runs[i]!;
      const name = pythonTargetName(c.target);
      const speedup = ratioOfMedians(py.samples, run.samples);
      const share = run.stats && run.stats.fallbacks > 0 ? run.stats.fallbacks / Math.max(1, run.stats.calls) : 0;
      if (share > 0)
        notes.push(
          `The ${name} variant fell back to Python on ${(100 * share).toFixed(0)}% of its calls (${run.stats!.reason}), so it measures the original in part.`,
        );
      return {
        target: c.target,
        name,
        speedup: { ...speedup, statistic: 'median' },
        verdict: verdictOf(speedup),
        recommendation: recommendation(speedup)
          .replace(/JavaScript/g, 'Python')
          .replace(/WebAssembly/g, name),
        fallbackShare: share,
      };
    });
    const written = py.written ? ' The function writes to its arguments: they were restored from a copy before every call, outside the timed region.' : '';
    const callShape = `${recording.functionName}(…) called through the same entry the applied edit uses (the wrapper checks and converts the arguments, then calls the compiled code), on the ${py.calls} recorded input${py.calls === 1 ? '' : 's'} in turn.${written}`;
    const variants = [view('Python', py.samples), ...candidates.map((c, i) => view(pythonTargetName(c.target), runs[i]!.samples))];
    const noisy = variants.filter((v) => v.rme > 5);
    if (noisy.length > 0)
      notes.push(
        `The measurements were noisy (relative margin of error ${noisy.map((v) => `${v.name} ${v.rme.toFixed(1)}%`).join(', ')}): other work on this machine, or too short a run.`,
      );
    const samples = Object.fromEntries([py, ...runs].map((r, i) => [names[i]!, Array.from(reservoirSample(r.samples, HISTORY_SAMPLES))]));
    return { variants, targets, note: notes.join(' '), callShape, inputs: py.calls, runtimeVersion: recording.runtimeVersion, samples };
  } finally {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
  }
}

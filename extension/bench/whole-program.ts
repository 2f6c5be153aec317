// The whole program, before and after a rewrite: what the user will feel when they run it. The function-level
// benchmark measures one call; this runs the user's program as they run it (same arguments, same working folder),
// the original and a trial copy with the rewrite applied, interleaved, and compares wall times — the rewrite's
// load cost (a module, a JIT like Numba's) included. It also compares what the two print: a rewrite whose program
// prints something else, or fails, is never applied.
//
// The trial copy lives in a hidden folder inside the source's folder (`.perf-lab-trial-…`), so that module
// resolution (node_modules above it, package.json's "type") is the original's; every other entry of the source's
// folder is linked into it, so local modules and files found next to the script (`__file__`, `import.meta.url`)
// are found. The rewrite's files are written only there, never over a user's file, and the folder is removed after
// the run (a left-over one from a killed run is removed by the next).
import { lstat, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { applyTextEdits, type ApplyPlan } from '../apply/apply';
import { CancelledError, PerfLabError } from '../errors';
import { startChild } from '../profile/run-child';
import type { TargetId } from '../protocol';
import { throwIfCancelled, type StageOptions } from '../progress';
import { median, pairedRatio, ratioOfMedians, verdictOf, type RatioEstimate, type Verdict } from './stats';

/** How a language runs a program file: the executable and the arguments before the program's own. */
export interface ProgramCommand {
  execPath: string;
  /** The arguments that come before the file (e.g. `-X`, flags); the file and the program's arguments follow. */
  args: string[];
  env?: Record<string, string | undefined>;
}

export interface WholeProgramRequest extends StageOptions {
  /** The user's source file, run as it is for "before". */
  file: string;
  /** The text the rewrite was compiled from (the file holds it). */
  source: string;
  functionName: string;
  command: ProgramCommand;
  programArgs: string[];
  /** Plans the rewrite for a copy of the source at `trialFile` (the language's Apply planner). */
  plan(trialFile: string): Promise<ApplyPlan>;
  /** Milliseconds one run may take before it is stopped. */
  runTimeoutMs: number;
  /** Milliseconds the timed runs aim to take in all (runs are fewer for a long program, and it is said). */
  budgetMs: number;
}

/** The outcome: measured (with its verdict), or not measurable, with the reason. */
export type WholeProgramResult =
  | {
      measured: true;
      /** Wall milliseconds of each timed run, in the order they ran (a warm-up run of each is not counted). */
      before: number[];
      after: number[];
      /** median(before) / median(after), with its 95 % interval: > 1 is faster. */
      speedup: RatioEstimate;
      verdict: Verdict;
      /** The first warm-up run of the rewrite, which pays one-time costs (a JIT's compile and cache write). */
      firstAfterMs: number;
      /** What the program printed differs after the rewrite, or it failed: the rewrite must not be applied. */
      changed?: string;
      /** Said beside the numbers: fewer runs than five, or output that varies from run to run. */
      notes: string[];
      /** How the function's calls account for the difference (`explainWholeProgram`), when the benchmark measured them. */
      explained?: WholeProgramStory;
    }
  | { measured: false; reason: string };

/** The least and most timed runs of each variant. */
export const MIN_RUNS = 5;
export const MAX_RUNS = 10;
/** A long program gets fewer runs, never fewer than this. */
export const FLOOR_RUNS = 2;
/** A program is long when five runs of each would take more than this many times the budget. */
const LONG_PROGRAM_FACTOR = 3;
const TRIAL_PREFIX = '.perf-lab-trial-';
/** A trial folder older than this is a left-over of a killed run. */
const STALE_MS = 60 * 60 * 1000;

interface Run {
  ms: number;
  stdout: string;
  code: number | null;
  stderrTail: string;
}

async function runOnce(req: WholeProgramsRequest, file: string, cwd: string): Promise<Run> {
  let stdout = '';
  const child = startChild({
    execPath: req.command.execPath,
    args: [...req.command.args, file, ...req.programArgs],
    cwd,
    ...(req.command.env ? { env: req.command.env } : {}),
    timeoutMs: req.runTimeoutMs,
    signal: req.signal,
    onOutput: (stream, text) => {
      if (stream === 'stdout') stdout += text;
    },
  });
  const out = await child.done;
  if (out.stoppedBy === 'cancel') throw new CancelledError('The whole-program measurement was cancelled.');
  if (out.stoppedBy === 'timeout') throw new PerfLabError(`one run of ${basename(file)} took longer than ${Math.round(req.runTimeoutMs / 1000)} s`);
  return { ms: out.durationMs, stdout, code: out.code, stderrTail: out.stderrTail };
}

/** Removes trial folders of runs that were killed before they could clean up. */
async function removeStaleTrials(dir: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith(TRIAL_PREFIX)) continue;
    const st = await lstat(join(dir, name)).catch(() => undefined);
    if (st?.isDirectory() && Date.now() - st.mtimeMs > STALE_MS) await rm(join(dir, name), { recursive: true, force: true });
  }
}

/** The trial folder: the rewritten source and its files, and links to every other entry of the source's folder. */
async function writeTrial(req: WholeProgramsRequest, dir: string, planOf: (trialFile: string) => Promise<ApplyPlan>): Promise<string> {
  const trialFile = join(dir, basename(req.file));
  await writeFile(trialFile, req.source, { flag: 'wx' });
  const plan = await planOf(trialFile);
  for (const f of plan.files) await writeFile(f.path, f.contents, { flag: 'wx' });
  await writeFile(trialFile, applyTextEdits(req.source, plan.textEdits));
  const own = new Set([basename(trialFile), ...plan.files.map((f) => basename(f.path))]);
  const home = dirname(req.file);
  for (const name of await readdir(home)) {
    if (own.has(name) || name.startsWith(TRIAL_PREFIX)) continue;
    await symlink(join(home, name), join(dir, name));
  }
  return trialFile;
}

/** The first line where two outputs differ, for a message. */
function firstDifference(a: string, b: string): string {
  const x = a.split('\n');
  const y = b.split('\n');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i]) return `line ${i + 1}: "${(x[i] ?? '(nothing)').slice(0, 80)}" became "${(y[i] ?? '(nothing)').slice(0, 80)}"`;
  }
  return 'the output differs';
}

/** Several rewrites measured in one run, each against the same runs of the original. */
export interface WholeProgramsRequest extends Omit<WholeProgramRequest, 'plan'> {
  variants: { id: string; plan(trialFile: string): Promise<ApplyPlan> }[];
}

/** Runs the program before and after one rewrite (`measureWholePrograms` with one variant). */
export async function measureWholeProgram(req: WholeProgramRequest): Promise<WholeProgramResult> {
  const { plan, ...rest } = req;
  return (await measureWholePrograms({ ...rest, variants: [{ id: 'after', plan }] })).get('after')!;
}

/**
 * Runs the program as it is and with each rewrite: one warm-up run of each, then timed rounds in which every version
 * runs once, in an order that rotates from round to round (so that a drift of the machine's speed falls on all), as
 * many rounds as the budget allows between five and ten (fewer, two at least, for a long program, said in `notes`).
 * A rewrite that cannot be set up, fails or prints something else is said so; the others go on.
 */
export async function measureWholePrograms(req: WholeProgramsRequest): Promise<Map<string, WholeProgramResult>> {
  const out = new Map<string, WholeProgramResult>();
  const all = (r: WholeProgramResult) => {
    for (const v of req.variants) if (!out.has(v.id)) out.set(v.id, r);
    return out;
  };
  if (process.platform === 'win32') return all({ measured: false, reason: 'the whole-program run needs symbolic links, which this system does not give' });
  const home = dirname(req.file);
  const progress = req.progress ?? (() => {});
  await removeStaleTrials(home);
  const dirs: string[] = [];
  try {
    const trials: { id: string; file: string; warm?: Run; times: number[]; outputs: Set<string>; changed?: string }[] = [];
    for (const v of req.variants) {
      const dir = await mkdtemp(join(home, TRIAL_PREFIX));
      dirs.push(dir);
      try {
        trials.push({ id: v.id, file: await writeTrial(req, dir, v.plan), times: [], outputs: new Set() });
      } catch (e) {
        if (e instanceof CancelledError) throw e;
        out.set(v.id, { measured: false, reason: `the rewritten program could not be set up (${e instanceof Error ? e.message : String(e)})` });
      }
    }
    if (trials.length === 0) return out;
    const before = (): Promise<Run> => runOnce(req, req.file, home);
    const fails = (r: Run) => (r.code !== 0 ? `the rewritten program failed (exit code ${r.code}): ${r.stderrTail.trim().split('\n').pop() ?? ''}` : undefined);
    progress({ message: `Running ${basename(req.file)} as a whole, before and after (warm-up)…` });
    let warmBefore: Run;
    try {
      warmBefore = await before();
      for (const t of trials) {
        t.warm = await runOnce(req, t.file, home);
        t.outputs.add(t.warm.stdout);
        t.changed = fails(t.warm);
      }
    } catch (e) {
      if (e instanceof PerfLabError && !(e instanceof CancelledError)) return all({ measured: false, reason: e.message });
      throw e;
    }
    if (warmBefore.code !== 0)
      return all({ measured: false, reason: `the program exits with code ${warmBefore.code} on its own, so its time is not compared` });
    const roundCost = warmBefore.ms + trials.reduce((a, t) => a + t.warm!.ms, 0);
    // As many rounds as the budget holds, between five and ten; fewer than five only when five would take more than
    // three times the budget (a long program), never fewer than two.
    const fit = Math.floor(req.budgetMs / Math.max(roundCost, 1));
    const runs =
      MIN_RUNS * roundCost <= LONG_PROGRAM_FACTOR * req.budgetMs
        ? Math.max(MIN_RUNS, Math.min(MAX_RUNS, fit))
        : Math.max(FLOOR_RUNS, Math.floor((LONG_PROGRAM_FACTOR * req.budgetMs) / roundCost));
    const notes: string[] = [];
    if (runs < MIN_RUNS) notes.push(`${runs} runs of each, not ${MIN_RUNS}: one run of the program takes ${(warmBefore.ms / 1000).toFixed(1)} s`);
    const beforeTimes: number[] = [];
    const beforeOutputs = new Set([warmBefore.stdout]);
    for (let i = 0; i < runs; i++) {
      const running = trials.filter((t) => !t.changed);
      if (running.length === 0) break;
      throwIfCancelled(req.signal);
      progress({ message: `Running ${basename(req.file)} as a whole: run ${i + 1} of ${runs}, before and after…` });
      // Every version once per round, starting one further along each round.
      const order: ((typeof trials)[number] | undefined)[] = [undefined, ...running];
      for (let k = 0; k < order.length; k++) {
        const t = order[(k + i) % order.length];
        if (!t) {
          const r = await before();
          beforeTimes.push(r.ms);
          beforeOutputs.add(r.stdout);
        } else {
          const r = await runOnce(req, t.file, home);
          t.changed ??= fails(r);
          t.times.push(r.ms);
          t.outputs.add(r.stdout);
        }
      }
    }
    if (beforeOutputs.size > 1) notes.push('the program prints something different on each run, so its output was not compared');
    for (const t of trials) {
      // Output that is the same on every run of each, but not between them, is a change the rewrite made.
      if (!t.changed && beforeOutputs.size === 1 && t.outputs.size === 1) {
        const [b] = beforeOutputs;
        const [a] = t.outputs;
        if (a !== b) t.changed = `the program prints something else after the rewrite (${firstDifference(b!, a!)})`;
      }
      const times = t.times.length > 0 ? t.times : [t.warm!.ms];
      // Paired by round: the i-th run of each version ran in the same round, under the same load.
      const speedup = beforeTimes.length > 0 ? pairedRatio(beforeTimes, times) : ratioOfMedians([warmBefore.ms], times);
      out.set(t.id, {
        measured: true,
        before: beforeTimes,
        after: t.times,
        speedup,
        verdict: t.changed ? 'not significant' : verdictOf(speedup),
        firstAfterMs: t.warm!.ms,
        ...(t.changed ? { changed: t.changed } : {}),
        notes,
      });
    }
    return out;
  } finally {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The program-level prediction, and what it leaves unexplained: the function's calls (as many as the recorded run
 * made) at the benchmark's mean time per call, before and after, inside the measured run, plus the fixed cost the
 * rewrite added to earlier runs on this machine (loading a module, a JIT's import and compile: learned by the
 * break-even model, `bench/break-even.ts learnedProcessCost`). What the measurement shows beyond that prediction is
 * `unexplainedMs`; what it shows beyond the calls alone is this run's fixed cost, `observedFixedMs`, which is learned.
 */
export interface WholeProgramStory {
  calls: number;
  /** Milliseconds the calls take in the original, and compiled, by the benchmark's means. */
  functionBeforeMs: number;
  functionAfterMs: number;
  /** The fixed cost per run the prediction includes, and the number of earlier runs it was learned from (0: none). */
  fixedMs: number;
  fixedFrom: number;
  /** The whole run's median before, and the prediction after: the run less the calls' saving, plus the fixed cost. */
  beforeMs: number;
  predictedAfterMs: number;
  predictedSpeedup: number;
  /** Measured after less predicted after (may be negative: noise, or calls faster in place than in the benchmark). */
  unexplainedMs: number;
  /** Measured after less the run with the calls' saving alone: this run's fixed cost. */
  observedFixedMs: number;
}

export function explainWholeProgram(
  w: { before: number[]; after: number[] },
  calls: number,
  beforeCallMs: number,
  afterCallMs: number,
  learned: { ms: number; from: number } = { ms: 0, from: 0 },
): WholeProgramStory | undefined {
  if (!(calls > 0) || !(beforeCallMs > 0) || !(afterCallMs > 0) || w.before.length === 0 || w.after.length === 0) return undefined;
  const beforeMs = median(w.before);
  const afterMs = median(w.after);
  const functionBeforeMs = calls * beforeCallMs;
  const functionAfterMs = calls * afterCallMs;
  // The calls cannot take longer than the run they are part of (the benchmark's inputs may differ in cost).
  const saved = Math.min(functionBeforeMs, beforeMs) - Math.min(functionAfterMs, beforeMs);
  const callsOnly = Math.max(beforeMs - saved, 1e-6);
  const predictedAfterMs = callsOnly + learned.ms;
  return {
    calls,
    functionBeforeMs,
    functionAfterMs,
    fixedMs: learned.ms,
    fixedFrom: learned.from,
    beforeMs,
    predictedAfterMs,
    predictedSpeedup: beforeMs / predictedAfterMs,
    unexplainedMs: afterMs - predictedAfterMs,
    observedFixedMs: afterMs - callsOnly,
  };
}

/**
 * The program-level prediction before anything is built, from the recorded run alone: the function's share of that
 * run bounds what compiling it can give the whole program (Amdahl: the program is at most run / (run − function)
 * faster even if the function took no time), and the fixed cost per run a target added on this machine before
 * (`learnedProcessCost`: a module's load, Numba's import) lowers that bound for the target.
 */
export interface ProgramOutlook {
  calls: number;
  /** The recorded run's time and the function's (its outermost calls), the recorder's own work left out. */
  runMs: number;
  functionMs: number;
  /** functionMs / runMs. */
  share: number;
  /** The whole program's speedup if the function took no time at all. */
  bound: number;
  /** Each target asked for with a learned fixed cost (from > 0): that cost, and the bound with it. */
  targets: { target: TargetId; fixedMs: number; from: number; bound: number }[];
  /** Whether the best a target could give the program exceeds NIL_GAIN; false: this would not help. */
  helps: boolean;
}

/** Below this whole-program speedup, even as a bound, a rewrite is not worth building: it is within a run's noise. */
export const NIL_GAIN = 1.05;

export function programOutlook(
  timing: { runMs: number; functionMs: number },
  calls: number,
  fixed: readonly { target: TargetId; ms: number; from: number }[],
): ProgramOutlook | undefined {
  const { runMs } = timing;
  if (!(runMs > 0) || !(timing.functionMs >= 0)) return undefined;
  const functionMs = Math.min(timing.functionMs, runMs);
  const rest = runMs - functionMs;
  const boundWith = (fixedMs: number) => (rest + fixedMs > 0 ? runMs / (rest + fixedMs) : Infinity);
  const targets = fixed.filter((f) => f.from > 0).map((f) => ({ target: f.target, fixedMs: f.ms, from: f.from, bound: boundWith(f.ms) }));
  const bound = boundWith(0);
  // A target whose fixed cost was never seen is bounded by the function's share alone.
  const best = Math.max(...fixed.map((f) => (f.from > 0 ? boundWith(f.ms) : bound)), fixed.length === 0 ? bound : 0);
  return { calls, runMs, functionMs, share: functionMs / runMs, bound, targets, helps: best > NIL_GAIN };
}

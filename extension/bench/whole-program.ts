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
import { throwIfCancelled, type StageOptions } from '../progress';
import { median, ratioOfMedians, verdictOf, type RatioEstimate, type Verdict } from './stats';

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

async function runOnce(req: WholeProgramRequest, file: string, cwd: string): Promise<Run> {
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
async function writeTrial(req: WholeProgramRequest, dir: string): Promise<string> {
  const trialFile = join(dir, basename(req.file));
  await writeFile(trialFile, req.source, { flag: 'wx' });
  const plan = await req.plan(trialFile);
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

/**
 * Runs the program before and after the rewrite: one warm-up run of each, then timed runs in alternating order
 * (ABBA…, so that a drift of the machine's speed falls on both), as many as the budget allows between five and ten
 * (fewer, two at least, for a long program, said in `notes`).
 */
export async function measureWholeProgram(req: WholeProgramRequest): Promise<WholeProgramResult> {
  if (process.platform === 'win32') return { measured: false, reason: 'the whole-program run needs symbolic links, which this system does not give' };
  const home = dirname(req.file);
  const progress = req.progress ?? (() => {});
  await removeStaleTrials(home);
  const dir = await mkdtemp(join(home, TRIAL_PREFIX));
  try {
    let trialFile: string;
    try {
      trialFile = await writeTrial(req, dir);
    } catch (e) {
      if (e instanceof CancelledError) throw e;
      return { measured: false, reason: `the rewritten program could not be set up (${e instanceof Error ? e.message : String(e)})` };
    }
    const before = (): Promise<Run> => runOnce(req, req.file, home);
    const after = (): Promise<Run> => runOnce(req, trialFile, home);
    progress({ message: `Running ${basename(req.file)} as a whole, before and after (warm-up)…` });
    let warmBefore: Run;
    let warmAfter: Run;
    try {
      warmBefore = await before();
      warmAfter = await after();
    } catch (e) {
      if (e instanceof PerfLabError && !(e instanceof CancelledError)) return { measured: false, reason: e.message };
      throw e;
    }
    if (warmBefore.code !== 0) return { measured: false, reason: `the program exits with code ${warmBefore.code} on its own, so its time is not compared` };
    const fails = (r: Run) => (r.code !== 0 ? `the rewritten program failed (exit code ${r.code}): ${r.stderrTail.trim().split('\n').pop() ?? ''}` : undefined);
    const pairCost = warmBefore.ms + warmAfter.ms;
    // As many runs as the budget holds, between five and ten; fewer than five only when five would take more than
    // three times the budget (a long program), never fewer than two.
    const fit = Math.floor(req.budgetMs / Math.max(pairCost, 1));
    const runs =
      MIN_RUNS * pairCost <= LONG_PROGRAM_FACTOR * req.budgetMs
        ? Math.max(MIN_RUNS, Math.min(MAX_RUNS, fit))
        : Math.max(FLOOR_RUNS, Math.floor((LONG_PROGRAM_FACTOR * req.budgetMs) / pairCost));
    const notes: string[] = [];
    if (runs < MIN_RUNS) notes.push(`${runs} runs of each, not ${MIN_RUNS}: one run of the program takes ${(warmBefore.ms / 1000).toFixed(1)} s`);
    const times = { before: [] as number[], after: [] as number[] };
    const outputs = { before: new Set([warmBefore.stdout]), after: new Set([warmAfter.stdout]) };
    let changed = fails(warmAfter);
    for (let i = 0; i < runs && !changed; i++) {
      throwIfCancelled(req.signal);
      progress({ message: `Running ${basename(req.file)} as a whole: run ${i + 1} of ${runs}, before and after…` });
      // ABBA: even rounds run the original first, odd rounds the rewrite first.
      const order = i % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const);
      for (const which of order) {
        const r = await (which === 'before' ? before() : after());
        if (which === 'after') changed ??= fails(r);
        times[which].push(r.ms);
        outputs[which].add(r.stdout);
      }
    }
    // Output that is the same on every run of each, but not between them, is a change the rewrite made.
    if (!changed && outputs.before.size === 1 && outputs.after.size === 1) {
      const [b] = outputs.before;
      const [a] = outputs.after;
      if (a !== b) changed = `the program prints something else after the rewrite (${firstDifference(b!, a!)})`;
    }
    if (outputs.before.size > 1) notes.push('the program prints something different on each run, so its output was not compared');
    const speedup = ratioOfMedians(times.before, times.after);
    return {
      measured: true,
      before: times.before,
      after: times.after,
      speedup,
      verdict: verdictOf(speedup),
      firstAfterMs: warmAfter.ms,
      ...(changed ? { changed } : {}),
      notes,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
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

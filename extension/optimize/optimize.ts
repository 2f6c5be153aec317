// The optimize flow, written once: record → select → compile per target → prove → bench → pick the best → predict,
// for a JavaScript or a Python function (the file decides). The command line prints its events; the editor shows its
// outcome. Both build their request with `optimizeRequest`, so they share the targets a choice names, the build caches,
// which errors make a target unavailable, and the choice of the best target. Apply stays a step the caller takes.
import type { DispatchOutlook } from '../bench/dispatch';
import { readFile } from 'node:fs/promises';
import type { OptIn } from '../../native/opt-ins';
import type { CheckedPrediction } from '../bench/break-even';
import { explainWholeProgram, measureWholePrograms, programOutlook, type ProgramOutlook, type WholeProgramResult } from '../bench/whole-program';
import type { Refusal } from '../compiler/refusal';
import { CancelledError, PerfLabError, userMessage } from '../errors';
import {
  buildCacheDir,
  languageEntry,
  languageOf,
  type AnyBench,
  type AnyCandidate,
  type AnyProof,
  type AnyRecording,
  type Language,
  type StageRequest,
} from '../languages';
import { throwIfCancelled, type ProgressSink } from '../progress';
import type { TargetId } from '../protocol';
import { targetEntry, targetsFor } from '../targets';

/** What to optimize and how; build it with `optimizeRequest`. */
export interface OptimizeRequest extends StageRequest {
  language: Language;
  /** The targets to build, prove and measure side by side (one or more of the language's). */
  targets: TargetId[];
  /** Record again even when a recording of the unchanged file exists. */
  rerecord: boolean;
  /** The caller applies the best rewrite afterwards: what would stop it is checked before anything is recorded. */
  willApply: boolean;
  /** Milliseconds the whole program's timed runs before and after the chosen rewrite aim to take; 0 skips them. */
  wholeProgramMs: number;
}

/** What the command line and the editor gather: the target is a choice (`auto`, a target's id, or nothing). */
export interface OptimizeInput {
  file: string;
  functionName: string;
  target?: string;
  programArgs?: string[];
  timeoutMs?: number;
  timeMs?: number;
  store: string;
  rerecord?: boolean;
  nodePath?: string;
  pythonPath?: string;
  optIns?: OptIn[];
  willApply?: boolean;
  /** Seconds for the whole-program runs (0: none). */
  wholeProgramS?: number;
  /** The parallel engine `auto` adds beside the compiled targets (perfLab.parallel.engine, --engine). */
  engine?: string;
  /** The local workers of a parallel target (perfLab.parallel.workers, --workers); 0 or none: one per core. */
  workers?: number;
}

/** The most targets whose whole program is measured in one run (each adds a run per round). */
export const MAX_WHOLE_PROGRAM_TARGETS = 3;

/** Seconds the whole program's runs aim to take by default (perfLab.wholeProgramTime, --whole-program-time). */
export const DEFAULT_WHOLE_PROGRAM_S = 60;

/** The one way a request is built: the language from the file, the targets from the choice, the defaults. */
export function optimizeRequest(i: OptimizeInput): OptimizeRequest {
  const language = languageOf(i.file);
  return {
    language,
    file: i.file,
    functionName: i.functionName,
    targets: targetsFor(language, i.target, i.engine),
    programArgs: i.programArgs ?? [],
    timeoutMs: i.timeoutMs ?? 60_000,
    timeMs: i.timeMs ?? 1500,
    store: i.store,
    rerecord: i.rerecord === true,
    // `node` and `python3` are the defaults: a request names an executable only when it is another.
    ...(i.nodePath && i.nodePath !== 'node' ? { nodePath: i.nodePath } : {}),
    ...(i.pythonPath && i.pythonPath !== 'python3' ? { pythonPath: i.pythonPath } : {}),
    ...(i.optIns && i.optIns.length > 0 && languageEntry(language).takesOptIns ? { optIns: i.optIns } : {}),
    willApply: i.willApply === true,
    wholeProgramMs: Math.max(0, (i.wholeProgramS ?? DEFAULT_WHOLE_PROGRAM_S) * 1000),
    ...(i.workers && i.workers > 0 ? { workers: Math.floor(i.workers) } : {}),
  };
}

export type { AnyBench, AnyCandidate, AnyProof, AnyRecording };

/** Each stage as it happens, in this order (a target's events in the order of `request.targets`). */
export type OptimizeEvent =
  | { type: 'recording'; file: string; functionName: string; args: string[]; runtime?: string }
  /** `outlook`: the program-level prediction before anything is built, when the recording timed its run. */
  | { type: 'recording-reused'; recording: AnyRecording; outlook?: ProgramOutlook }
  | { type: 'recorded'; recording: AnyRecording; store: string; outlook?: ProgramOutlook }
  | { type: 'refused'; refusal: Refusal }
  /** Before building: whether each parallel target asked for can pay for its dispatch (bench/dispatch.ts). */
  | { type: 'dispatch-outlook'; dispatch: DispatchOutlook[] }
  /** `recordedTypes`: the parameter types the recording gave, in words (absent: none were recorded). */
  | { type: 'compiled'; target: TargetId; candidate: AnyCandidate; recordedTypes?: string[] }
  | { type: 'unavailable'; target: TargetId; reason: string }
  | { type: 'proved'; target: TargetId; proof: AnyProof }
  /** `boundMs`: the most the benchmark may take in all, when the language's benchmark states it. */
  | { type: 'benchmarking'; targets: TargetId[]; timeMs: number; boundMs?: number }
  | { type: 'bench-progress'; message: string; remainingMs?: number }
  | { type: 'benchmarked'; bench: AnyBench }
  | { type: 'predicted'; checked: CheckedPrediction }
  | { type: 'prediction-unavailable'; reason: string }
  | { type: 'whole-program-start'; targets: TargetId[]; budgetMs: number }
  | { type: 'whole-program'; target: TargetId; result: WholeProgramResult };

/** Where a target ended: not built (why), built but not proven, proven (not measured: nothing was), or measured. */
export type TargetStatus = 'unavailable' | 'built' | 'proven' | 'benchmarked';

/** One target of a run. `candidate` absent: not built (`buildError`); `proof` absent: not proven. */
export interface TargetResult<C = AnyCandidate, P = AnyProof> {
  target: TargetId;
  status: TargetStatus;
  candidate?: C;
  buildError?: string;
  proof?: P;
  /** Its measurement against the original (the benchmark's entry for it). */
  measured?: AnyBench['targets'][number];
}

/** The outcome: refused, or done (possibly with no target proven); `best` and `chosen` follow `bestTarget`. */
export type OptimizeOutcome =
  | { kind: 'refused'; language: Language; refusal: Refusal; targets: TargetId[]; recording: AnyRecording; reused: boolean }
  | {
      kind: 'done';
      language: Language;
      recording: AnyRecording;
      reused: boolean;
      /** The source text the candidates were compiled from (Apply checks the file still holds it). */
      source: string;
      /** The interpreter or node that ran everything: its real path and version. */
      runtime: { execPath: string; version: string };
      targets: TargetResult[];
      bench?: AnyBench;
      /** The fastest target measured significantly faster than the original; absent: keep the original. */
      best?: TargetId;
      /** What Apply writes when not told: the target that made the whole program significantly fastest, else `best`, else the first proven target. */
      chosen?: TargetId;
      prediction?: CheckedPrediction;
      predictionError?: string;
      /** What the recorded run predicted for the whole program before anything was built. */
      outlook?: ProgramOutlook;
      /** What the dispatch model predicted for each parallel target before anything was built. */
      dispatch?: DispatchOutlook[];
      /** The whole program before and after `chosen` (absent: not asked for, or nothing was proven). */
      wholeProgram?: WholeProgramResult & { target: TargetId };
      /** Every target whose whole program was measured (the chosen one, and others faster per call), in that order. */
      wholePrograms?: (WholeProgramResult & { target: TargetId })[];
    };

export interface OptimizeOptions {
  signal?: AbortSignal;
  /** Every stage's steps (the editor's notification; the command line shows the benchmark's). */
  progress?: ProgressSink;
  events?: (e: OptimizeEvent) => void;
  /** The program's own output while it is recorded. */
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
}

/** The fastest target that is significantly faster than the original, if any: the one rule for the best target. */
export function bestTarget<T extends { verdict: string; speedup: { estimate: number } }>(r: { targets: readonly T[] }): T | undefined {
  return r.targets.filter((t) => t.verdict === 'faster').sort((a, b) => b.speedup.estimate - a.speedup.estimate)[0];
}

/**
 * Whether a target that failed to build is left out (with the reason) rather than ending the run: only a PerfLabError
 * (a missing toolchain or package, a failed build: the message says what to do), only when other targets were asked
 * for, and never a cancellation. Anything else is a bug and ends the run.
 */
export function isUnavailable(e: unknown, targetsAsked: number): boolean {
  return targetsAsked > 1 && e instanceof PerfLabError && !(e instanceof CancelledError);
}

/**
 * The program-level prediction from the recording's timed run and the fixed costs per run each target asked for added
 * here before (break-even.ts learnedProcessCost); none when the recording did not time its run. Advice: a store that
 * cannot be read leaves the learned costs out.
 */
async function outlookOf(req: OptimizeRequest, recording: AnyRecording, runtime: string): Promise<ProgramOutlook | undefined> {
  if (!recording.timing) return undefined;
  const costs = await import('../bench/break-even');
  const known = await costs.loadProcessCosts(req.store).catch(() => []);
  const fixed = req.targets.map((target) => ({ target, ...costs.learnedProcessCost(known, target, runtime) }));
  return programOutlook(recording.timing, recording.totalCalls, fixed);
}

/** Runs the flow for one function; throws on cancellation, on a bug, or when the only target asked for cannot be built. */
export async function optimize(req: OptimizeRequest, o: OptimizeOptions = {}): Promise<OptimizeOutcome> {
  const emit = o.events ?? (() => {});
  const stage = { ...(o.signal ? { signal: o.signal } : {}), ...(o.progress ? { progress: o.progress } : {}) };
  const { language, file, functionName, targets } = req;
  const check = () => {
    throwIfCancelled(o.signal);
  };

  const lang = await languageEntry(language).stages(req, { ...stage, ...(o.onOutput ? { onOutput: o.onOutput } : {}) });
  // The runtime first: a missing node or interpreter is said before anything runs.
  const runtime = await lang.runtime();
  // Before recording: a name or a file that would stop the apply is reported at once, not after the benchmark.
  if (req.willApply) await lang.checkApplyClashes(targets);

  let recording = req.rerecord ? undefined : await lang.load();
  const reused = recording !== undefined;
  if (!recording) {
    emit({ type: 'recording', file, functionName, args: req.programArgs, runtime: runtime.label });
    recording = await lang.record();
  }
  // Before anything is built: what the recorded run says the whole program can gain (said with the recording).
  const outlook = await outlookOf(req, recording, runtime.label);
  const said = outlook ? { outlook } : {};
  emit(reused ? { type: 'recording-reused', recording, ...said } : { type: 'recorded', recording, store: req.store, ...said });
  check();

  const source = await readFile(file, 'utf8');
  const selected = await lang.select(recording, source);
  if (!selected.ok) {
    emit({ type: 'refused', refusal: selected.refusal });
    return { kind: 'refused', language, refusal: selected.refusal, targets, recording, reused };
  }

  // Before building: whether a parallel target can pay for sending the loop's items and starting its engine. Advice:
  // a failure leaves it out.
  const dispatch = lang.dispatch ? await lang.dispatch(recording, selected.kernel, targets).catch(() => []) : [];
  if (dispatch.length > 0) emit({ type: 'dispatch-outlook', dispatch });
  check();

  // Compile every target; a target that cannot be built is left out with the reason (isUnavailable).
  const cacheDir = buildCacheDir(req.store, language);
  const fromLanguage = await lang.buildContext();
  const results: TargetResult[] = [];
  for (const target of targets) {
    try {
      const entry = targetEntry(target);
      const ctx = { ...stage, ...fromLanguage, cacheDir, source };
      const candidate = await (entry.compile as (k: unknown, c: typeof ctx) => Promise<AnyCandidate>)(selected.kernel, ctx);
      results.push({ target, status: 'built', candidate });
      emit({ type: 'compiled', target, candidate, ...(selected.recordedTypes ? { recordedTypes: selected.recordedTypes } : {}) });
    } catch (e) {
      if (!isUnavailable(e, targets.length)) throw e;
      results.push({ target, status: 'unavailable', buildError: userMessage(e) });
      emit({ type: 'unavailable', target, reason: userMessage(e) });
    }
  }

  for (const r of results) {
    if (!r.candidate) continue;
    r.proof = await lang.prove(r.candidate, recording, source);
    if (r.proof.ok) r.status = 'proven';
    emit({ type: 'proved', target: r.target, proof: r.proof });
  }
  const proven = results.filter((r) => r.status === 'proven');
  const done = {
    kind: 'done' as const,
    language,
    recording,
    reused,
    source,
    runtime: { execPath: runtime.execPath, version: runtime.version },
    targets: results,
    ...said,
    ...(dispatch.length > 0 ? { dispatch } : {}),
  };
  if (proven.length === 0) return done;

  // One run: the original and every proven target, each in its own process, with the same calls per sample.
  const boundMs = lang.boundMs ? await lang.boundMs(proven.length + 1) : undefined;
  emit({ type: 'benchmarking', targets: proven.map((p) => p.target), timeMs: req.timeMs, ...(boundMs !== undefined ? { boundMs } : {}) });
  const progress: ProgressSink = (e) => {
    o.progress?.(e);
    emit({ type: 'bench-progress', message: e.message, ...(e.remainingMs !== undefined ? { remainingMs: e.remainingMs } : {}) });
  };
  const candidates = proven.map((p) => p.candidate!);
  const bench = await lang.bench(candidates, recording, source, progress);
  for (const r of proven) {
    r.measured = bench.targets.find((t) => t.target === r.target);
    if (r.measured) r.status = 'benchmarked';
  }
  emit({ type: 'benchmarked', bench });
  const best = bestTarget<AnyBench['targets'][number]>(bench)?.target;
  let chosen = proven.find((p) => p.target === best)?.target ?? proven[0]!.target;

  // The break-even model's prediction beside the measurement: advice, so a failure other than Cancel leaves it out.
  let prediction: CheckedPrediction | undefined;
  let predictionError: string | undefined;
  if (lang.predict) {
    try {
      prediction = await lang.predict(recording, candidates, bench);
      emit({ type: 'predicted', checked: prediction });
    } catch (e) {
      if (e instanceof CancelledError) throw e;
      predictionError = userMessage(e);
      emit({ type: 'prediction-unavailable', reason: predictionError });
    }
  }

  // The whole program before and after: what the user will feel, which decides Apply. Measured for the chosen target
  // and every other proven target the benchmark found faster per call (at most MAX_WHOLE_PROGRAM_TARGETS), against
  // the same runs of the original: a target fast per call may cost more per run (Numba's import), and the target
  // that makes the program fastest becomes the one chosen.
  let wholeProgram: (WholeProgramResult & { target: TargetId }) | undefined;
  const wholePrograms: (WholeProgramResult & { target: TargetId })[] = [];
  if (req.wholeProgramMs > 0) {
    const measured = [chosen, ...proven.filter((p) => p.target !== chosen && p.measured?.verdict === 'faster').map((p) => p.target)].slice(
      0,
      MAX_WHOLE_PROGRAM_TARGETS,
    );
    emit({ type: 'whole-program-start', targets: measured, budgetMs: req.wholeProgramMs });
    const command = await lang.programCommand();
    const results: Map<string, WholeProgramResult> =
      'unavailable' in command
        ? new Map(measured.map((t) => [t, { measured: false, reason: command.unavailable }]))
        : await measureWholePrograms({
            ...stage,
            file,
            source,
            functionName,
            command,
            programArgs: req.programArgs,
            variants: measured.map((target) => {
              const picked = proven.find((p) => p.target === target)!;
              return {
                id: target,
                plan: (trialFile: string) =>
                  languageEntry(language).planApply({
                    file: trialFile,
                    source,
                    functionName,
                    candidate: picked.candidate!,
                    proof: picked.proof!,
                    python: runtime.execPath,
                  }),
              };
            }),
            runTimeoutMs: req.timeoutMs,
            budgetMs: req.wholeProgramMs,
          });
    const costs = await import('../bench/break-even');
    const known = await costs.loadProcessCosts(req.store);
    for (const target of measured) {
      const result = results.get(target)!;
      // The program-level prediction from the function's calls, beside the measurement.
      const before = bench.variants[0];
      const after = bench.variants.find((v) => v.name === targetEntry(target).name);
      const learned = costs.learnedProcessCost(known, target, runtime.label);
      const explained = result.measured && before && after ? explainWholeProgram(result, recording.totalCalls, before.mean, after.mean, learned) : undefined;
      // What this run's rewrite cost beyond its calls is learned for the next prediction (advice: a failure to keep it is not one).
      if (explained && result.measured && !result.changed)
        await costs
          .learnProcessCost(req.store, { target, runtime: runtime.label, ms: explained.observedFixedMs, at: new Date().toISOString() })
          .catch(() => {});
      const w = { ...result, ...(explained ? { explained } : {}), target };
      wholePrograms.push(w);
      emit({ type: 'whole-program', target, result: w });
    }
    // The target that makes the whole program fastest, when one makes it significantly faster with the same output.
    const fastest = wholePrograms
      .filter((w) => w.measured && w.verdict === 'faster' && !w.changed)
      .sort((a, b) => (b.measured ? b.speedup.estimate : 0) - (a.measured ? a.speedup.estimate : 0))[0];
    if (fastest) chosen = fastest.target;
    wholeProgram = wholePrograms.find((w) => w.target === chosen);
  }
  return {
    ...done,
    bench,
    ...(best ? { best } : {}),
    chosen,
    ...(prediction ? { prediction } : {}),
    ...(predictionError ? { predictionError } : {}),
    ...(wholeProgram ? { wholeProgram } : {}),
    ...(wholePrograms.length > 0 ? { wholePrograms } : {}),
  };
}

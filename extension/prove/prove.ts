// The prove stage: runs the original and a candidate on the recorded inputs plus generated edge cases, in a child
// process of the user's Node.js, and compares every result and every array argument after the call. A mismatch
// is shrunk to the smallest counter-example found. A proof in which the compiled code (almost) never ran proves
// nothing, and says so; a compiled version that does not finish where the original returned is refused. It says
// which case it runs as it goes, and the edge cases together are bounded in time.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsCandidate } from '../compiler/compile';
import { noProgress, throwIfCancelled, type StageOptions } from '../progress';
import { probeNode } from '../profile/node-runner';
import type { TargetId } from '../protocol';
import { isReplayable, type Recording } from '../record/recording';
import { jsTarget, targetsOfLanguage } from '../targets';
import { callError, compareCalls, show, type ArgDiff, type ErrorSize, type Outcome, type Tolerance } from './compare';
import type { ArrayKind } from '../abi';
import { copyArgs, defaultArgs, edgeCases, elementCount, type ProofCase } from './edge-cases';
import { proveHarnessPath } from './harness';
import { writeModules, type OriginalFunction } from './modules';
import { ProofSession, type CaseResult, type CaseRun, type CaseSkipped } from './session';
import { shrinkCandidates, smaller } from './shrink';

export interface ProveOptions extends StageOptions {
  /** The node executable; 'node' on PATH by default. */
  nodePath?: string;
  /** Working folder of the child process. */
  cwd?: string;
  /** Least milliseconds a case may take before it is given up (raised to 20× the slowest recorded case). */
  caseTimeoutMs?: number;
  /** Compare within this tolerance; by default the candidate's own declaration, else bit for bit. */
  tolerance?: Tolerance;
  /** Share of the recorded cases that must run the compiled code for the proof to count (default 0.1). */
  minCompiledShare?: number;
  /** Variants tried while shrinking a counter-example, at most (default 2000). */
  maxShrinkCases?: number;
  /** Time for all edge cases together (30 s by default, as for Python); the cases not started by then are skipped and counted. */
  edgeBudgetMs?: number;
}

/** The smallest input found on which the candidate differs from the original. */
export interface Counterexample {
  args: unknown[];
  expected: Outcome;
  actual: Outcome;
  /** Array arguments that differ after the call. */
  argsAfter: ArgDiff[];
  why: string;
  /** Where the failing input came from before it was shrunk. */
  foundIn: 'recorded' | 'edge';
  /** What the failing input tried before it was shrunk. */
  label: string;
  /** Shrinking steps that were taken. */
  shrinkSteps: number;
}

export interface Proof {
  /** The candidate's target (WebAssembly when absent: proofs kept from before there was a choice). */
  target?: TargetId;
  /** True when every case matched and the compiled code really ran on the recorded inputs. */
  ok: boolean;
  /** Cases run through both versions (recorded + edge). */
  cases: number;
  recordedCases: number;
  edgeCases: number;
  /** Cases given up (ran too long, not run, or not replayable), with why. */
  skipped: SkippedCase[];
  mismatches: number;
  /** Cases on which the candidate ran its compiled code. */
  compiledCalls: number;
  /** Cases on which the candidate fell back to the original. */
  fallbacks: number;
  /** Recorded cases on which the compiled code ran. */
  recordedCompiledCalls: number;
  /** The loader's fallback reasons, most frequent first. */
  fallbackReasons: { reason: string; count: number }[];
  /** Whether the compiled code ran on too few recorded cases for the proof to mean anything. */
  vacuous: boolean;
  /** How results were compared, in words. */
  comparison: string;
  tolerance?: Tolerance;
  /** The largest difference from the original over the cases the compiled code ran (zero when bit for bit). */
  maxError?: ErrorSize;
  counterexample?: Counterexample;
  /** Why the proof failed, in one sentence, when it failed. */
  reason?: string;
  notes: string[];
  durationMs: number;
}

/** A case the proof gave up or did not run. */
export interface SkippedCase {
  /** What the case tries (`argument 3 = 0`: the smallest recorded call with argument 3 set to 0). */
  label: string;
  /** Why, naming a cause only when it is the cause (session.ts CaseSkipped). */
  why: string;
  /** The whole input, as a call (`f(Float64Array [1, 2, … (4,096 elements)], 0)`), when it was run. */
  input?: string;
  cause?: CaseSkipped['cause'];
}

/**
 * The skipped cases in a few notes, one per cause: which inputs did not finish (each shown whole, since the time
 * limit is on the input, not on the value its label names), how many were not run for want of time, and how many
 * larger values were not tried.
 */
export function skippedNotes(skipped: readonly SkippedCase[]): string[] {
  const notes: string[] = [];
  const by = (cause: SkippedCase['cause']) => skipped.filter((k) => k.cause === cause);
  const few = (ks: readonly SkippedCase[]) =>
    ks
      .slice(0, 3)
      .map((k) => `${k.label}${k.input ? `, the call ${k.input}` : ''}: ${k.why}`)
      .join('; ') + (ks.length > 3 ? `; and ${ks.length - 3} more` : '');
  const count = (n: number, one: string, many: string) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
  const slow = by('original');
  if (slow.length > 0)
    notes.push(`${count(slow.length, 'case was', 'cases were')} skipped because the original did not finish on that input in time: ${few(slow)}.`);
  const child = by('child');
  if (child.length > 0) notes.push(`${count(child.length, 'case was', 'cases were')} skipped: ${few(child)}.`);
  const growth = by('growth');
  if (growth.length > 0)
    notes.push(`${count(growth.length, 'larger value was', 'larger values were')} not tried: ${growth[0]!.why.replace(/^not run: /, '')}.`);
  const budget = by('budget');
  if (budget.length > 0) notes.push(`${count(budget.length, 'edge case was', 'edge cases were')} not run: ${budget[0]!.why.replace(/^not run: /, '')}.`);
  const other = skipped.filter((k) => k.cause === undefined);
  if (other.length > 0) notes.push(`${count(other.length, 'case was', 'cases were')} skipped (e.g. ${other[0]!.label}: ${other[0]!.why}).`);
  return notes;
}

/** The comparison in words, as the proof states it. */
export function comparisonText(tolerance?: Tolerance): string {
  if (tolerance) {
    return `within a tolerance of ${tolerance.relative} relative + ${tolerance.absolute} absolute, declared by the candidate (NaN only matches NaN, infinities only themselves)`;
  }
  return 'bit for bit (results and every array argument after the call; +0 and -0 differ; NaN payloads are not compared, since JavaScript engines may canonicalise them)';
}

function outcomeOf(r: CaseRun['expected']): Outcome {
  return r.threw !== undefined ? { threw: r.threw } : { value: r.value };
}

function diffOf(c: ProofCase, r: CaseRun, tolerance?: Tolerance) {
  return compareCalls(c.args, outcomeOf(r.expected), outcomeOf(r.actual), r.expected.args, r.actual.args, tolerance);
}

function isRun(r: CaseResult): r is CaseRun {
  return !('skipped' in r);
}

/** Whether recorded arguments have the shape the compiled signature takes (else they only test the fallback). */
function fitsSignature(args: readonly unknown[], candidate: JsCandidate): boolean {
  const params = candidate.abi.params;
  if (args.length < params.length) return false;
  return params.every((p, i) => {
    const a = args[i];
    const isKind = (v: unknown, kind: ArrayKind) =>
      kind === 'Array' ? Array.isArray(v) : ArrayBuffer.isView(v) && Object.getPrototypeOf(v)?.constructor?.name === kind;
    if (p.kind === 'array') return isKind(a, p.array);
    if (p.kind === 'rows') return Array.isArray(a) && a.every((row) => isKind(row, p.row));
    if (p.kind === 'string') return typeof a === 'string';
    if (p.kind === 'objects') {
      const fits = (o: unknown) => o !== null && typeof o === 'object' && Object.keys(o).join() === (p.ownKeys ?? p.keys).join();
      return p.one ? fits(a) : Array.isArray(a) && a.every(fits);
    }
    return p.kind === 'bool' ? typeof a === 'boolean' : typeof a === 'number';
  });
}

/**
 * Proves a candidate equal to the original on the recorded calls and on generated edge cases, in a child process
 * of the user's Node.js. Without a recording, only edge cases run (and the proof says it used no real inputs).
 */
export async function prove(original: OriginalFunction, candidate: JsCandidate, recording: Recording | undefined, opts: ProveOptions = {}): Promise<Proof> {
  const started = performance.now();
  const progress = opts.progress ?? noProgress;
  const tolerance = opts.tolerance ?? candidate.tolerance;
  const minCompiledShare = opts.minCompiledShare ?? 0.1;
  const checkCancel = () => {
    throwIfCancelled(opts.signal, 'The proof was cancelled.');
  };
  progress({ message: 'Looking for Node.js…' });
  const runtime = await probeNode(opts.nodePath || 'node');
  checkCancel();

  const notes: string[] = [];
  const skipped: Proof['skipped'] = [];
  const recorded: ProofCase[] = [];
  for (const [i, c] of (recording?.calls ?? []).entries()) {
    if (isReplayable(c)) recorded.push({ args: c.args, source: 'recorded', label: `recorded call ${i + 1}` });
    else skipped.push({ label: `recorded call ${i + 1}`, why: 'it holds a value that cannot be recorded (a function or a host object)' });
  }
  const fitting = recorded.filter((c) => fitsSignature(c.args, candidate));
  const base = fitting.length > 0 ? fitting.reduce((a, b) => (elementCount(b.args) < elementCount(a.args) ? b : a)).args : defaultArgs(candidate.abi.params);
  const edges = edgeCases(candidate.abi.params, base);
  if (!recording || recorded.length === 0) notes.push('No recorded calls: only generated edge cases were run, not the inputs the program really passes.');

  const tmp = await mkdtemp(join(tmpdir(), 'perf-lab-prove-'));
  let session: ProofSession | undefined;
  try {
    progress({ message: 'Writing the original and the candidate…' });
    const modules = await writeModules(tmp, original, candidate);
    session = new ProofSession({
      execPath: runtime.execPath,
      harnessPath: proveHarnessPath(),
      harnessArgs: [modules.originalUrl, modules.loaderUrl, original.functionName],
      cwd: opts.cwd ?? tmp,
      signal: opts.signal,
    });

    const floor = opts.caseTimeoutMs ?? 1000;
    const recordedResults = await session.run(
      recorded.map((c) => ({ args: c.args, timeoutMs: Math.max(floor, 30_000) })),
      { onCase: (i) => progress({ message: `Proving: recorded call ${i + 1} of ${recorded.length} through both versions…` }) },
    );
    checkCancel();
    // Edge cases get 20 times the original's slowest recorded call (the compiled version's own time does not count:
    // a slow candidate must not give every edge case minutes), and no more than what is left of the edge budget.
    const slowest = Math.max(0, ...recordedResults.filter(isRun).map((r) => r.expected.ms));
    const caseTimeoutMs = Math.max(floor, Math.ceil(20 * slowest));
    const budgetMs = opts.edgeBudgetMs ?? 30_000;
    const edgeResults = await session.run(
      edges.map((c) => ({ args: c.args, timeoutMs: caseTimeoutMs, growth: c.growth })),
      {
        onCase: (i) => progress({ message: `Proving: edge case ${i + 1} of ${edges.length} (${edges[i]!.label})…` }),
        deadline: performance.now() + budgetMs,
        budgetReason: `not run: the edge cases' ${fixedSeconds(budgetMs)} bound was reached`,
        budgetName: `the edge cases' ${fixedSeconds(budgetMs)}`,
      },
    );
    checkCancel();

    const all = [...recorded, ...edges];
    const results = [...recordedResults, ...edgeResults];
    let compiledCalls = 0;
    let fallbacks = 0;
    let recordedCompiledCalls = 0;
    let mismatches = 0;
    let firstFailure: { c: ProofCase; r: CaseRun } | undefined;
    const maxError: ErrorSize = { absolute: 0, relative: 0 };
    const reasons = new Map<string, number>();
    // Inputs on which the original returned and the compiled version did not (in many times the original's time).
    const hangs: { c: ProofCase; r: CaseSkipped }[] = [];
    const callOf = (args: readonly unknown[]) => `${original.functionName}(${args.map((a) => show(a, 4)).join(', ')})`;
    results.forEach((r, i) => {
      const c = all[i]!;
      if (!isRun(r)) {
        const ran = r.cause !== 'budget' && r.cause !== 'growth';
        skipped.push({ label: c.label, why: r.skipped, cause: r.cause, ...(ran ? { input: callOf(c.args) } : {}) });
        if (r.cause === 'candidate') hangs.push({ c, r });
        return;
      }
      if (r.compiled) {
        compiledCalls++;
        callError(outcomeOf(r.expected), outcomeOf(r.actual), r.expected.args, r.actual.args, maxError);
        if (c.source === 'recorded') recordedCompiledCalls++;
      } else {
        fallbacks++;
        reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + 1);
      }
      if (diffOf(c, r, tolerance)) {
        mismatches++;
        // A failure on a real input is the one to show; otherwise the first edge case.
        if (!firstFailure || (firstFailure.c.source !== 'recorded' && c.source === 'recorded')) firstFailure = { c, r };
      }
    });
    const ran = results.filter(isRun).length;
    const recordedRan = recordedResults.filter(isRun).length;

    let counterexample: Counterexample | undefined;
    if (firstFailure) {
      progress({ message: 'Shrinking the counter-example…' });
      counterexample = await shrink(session, firstFailure.c, firstFailure.r, caseTimeoutMs, tolerance, opts.maxShrinkCases ?? 2000);
    }

    const fallbackReasons = [...reasons].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count);
    let vacuous = false;
    let reason: string | undefined;
    const entry = jsTarget(candidate.target);
    const code = entry.code;
    if (session.loadError) {
      vacuous = true;
      reason = `The ${entry.module} could not be loaded (${session.loadError}), so every call ran the original: nothing was proven.`;
    } else if (recordedRan > 0 && recordedCompiledCalls < minCompiledShare * recordedRan) {
      vacuous = true;
      const why = fallbackReasons[0] ? ` (the loader said: ${fallbackReasons[0].reason})` : '';
      reason = `The ${code} ran on only ${recordedCompiledCalls} of ${recordedRan} recorded calls; the others fell back to the original${why}. The proof is vacuous: the program would almost never run the compiled code.`;
    } else if (recordedRan === 0 && compiledCalls === 0) {
      vacuous = true;
      reason = `The ${code} never ran on any case: every call fell back to the original, so nothing was proven.`;
    }
    if (hangs.length > 0) {
      const h = hangs[0]!;
      reason = `The ${code} did not finish on ${hangs.length === 1 ? 'an input' : `${hangs.length} inputs`} where the original returned: on ${h.c.label}, the call ${callOf(h.c.args)}, ${h.r.skipped}. It may not terminate there, so it is not applied.`;
    }
    if (mismatches > 0 && counterexample) reason = `The candidate differs from the original on ${mismatches} of ${ran} cases: ${counterexample.why}.`;
    if (!vacuous && recordedRan > 0 && recordedCompiledCalls < recordedRan) {
      notes.push(`The ${code} ran on ${recordedCompiledCalls} of ${recordedRan} recorded calls; the others fell back to the original.`);
    }
    notes.push(...skippedNotes(skipped));
    const proof: Proof = {
      target: candidate.target,
      ok: mismatches === 0 && !vacuous && hangs.length === 0,
      cases: ran,
      recordedCases: recordedRan,
      edgeCases: ran - recordedRan,
      skipped,
      mismatches,
      compiledCalls,
      fallbacks,
      recordedCompiledCalls,
      fallbackReasons,
      vacuous,
      comparison: comparisonText(tolerance),
      maxError,
      notes,
      durationMs: performance.now() - started,
    };
    if (tolerance) proof.tolerance = tolerance;
    if (counterexample) proof.counterexample = counterexample;
    if (reason) proof.reason = reason;
    return proof;
  } finally {
    await session?.close().catch(() => {});
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
  }
}

function fixedSeconds(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${Number.isInteger(ms / 1000) ? ms / 1000 : (ms / 1000).toFixed(1)} s`;
}

/** Greedy shrinking: keeps the first simpler variant that still fails, until none does. */
async function shrink(
  session: ProofSession,
  c: ProofCase,
  r: CaseRun,
  timeoutMs: number,
  tolerance: Tolerance | undefined,
  budget: number,
): Promise<Counterexample> {
  let best = { args: c.args, run: r, diff: diffOf(c, r, tolerance)! };
  let steps = 0;
  let tried = 0;
  while (tried < budget) {
    const variants = shrinkCandidates(best.args).filter((v) => smaller(v, best.args));
    if (variants.length === 0) break;
    tried += variants.length;
    const results = await session.run(variants.map((args) => ({ args, timeoutMs })));
    let found = false;
    for (let i = 0; i < variants.length; i++) {
      const res = results[i]!;
      if (!isRun(res)) continue;
      const probe: ProofCase = { args: variants[i]!, source: 'shrink', label: 'shrunk' };
      const diff = diffOf(probe, res, tolerance);
      if (diff) {
        best = { args: variants[i]!, run: res, diff };
        steps++;
        found = true;
        break;
      }
    }
    if (!found) break;
  }
  return {
    args: copyArgs(best.args),
    expected: outcomeOf(best.run.expected),
    actual: outcomeOf(best.run.actual),
    argsAfter: best.diff.argsAfter,
    why: best.diff.why,
    foundIn: c.source === 'recorded' ? 'recorded' : 'edge',
    label: c.label,
    shrinkSteps: steps,
  };
}

/** A proof's largest difference in words: `none (bit for bit)` or `1.2e-15 absolute, 3.4e-16 relative`. */
export function describeError(e: ErrorSize): string {
  if (e.absolute === 0) return 'none (bit for bit)';
  return `${e.absolute.toPrecision(2)} absolute, ${e.relative.toPrecision(2)} relative`;
}

/** The proof in a few lines, for the command line and the panel. */
export function describeProof(p: Proof, functionName: string): string {
  const lines: string[] = [];
  const verdict = p.ok ? 'PROVEN' : p.vacuous ? 'NOT PROVEN (vacuous)' : 'REFUSED';
  // The language's first target goes unnamed, as in proofs from before there was a choice.
  const first = targetsOfLanguage('js')[0]!;
  const name = jsTarget(p.target ?? first).name;
  lines.push(
    `Proof${p.target && p.target !== first ? ` (${name})` : ''}: ${verdict} — ${p.cases} cases (${p.recordedCases} recorded, ${p.edgeCases} edge cases), ${p.mismatches} mismatch${p.mismatches === 1 ? '' : 'es'}`,
  );
  lines.push(`  compared   ${p.comparison}`);
  lines.push(
    `  ran        ${name} on ${p.compiledCalls} cases (${p.recordedCompiledCalls} of ${p.recordedCases} recorded), fell back to JavaScript on ${p.fallbacks}`,
  );
  if (p.maxError && (p.tolerance || p.maxError.absolute > 0)) lines.push(`  max error  ${describeError(p.maxError)}`);
  if (p.fallbackReasons.length > 0)
    lines.push(
      `  fallbacks  ${p.fallbackReasons
        .slice(0, 3)
        .map((f) => `${f.reason} (${f.count})`)
        .join('; ')}`,
    );
  if (p.reason) lines.push(`  reason     ${p.reason}`);
  const c = p.counterexample;
  if (c) {
    lines.push(`  counter-example (from ${c.foundIn === 'recorded' ? 'a recorded call' : `the edge case "${c.label}"`}, shrunk in ${c.shrinkSteps} steps):`);
    lines.push(`    ${functionName}(${c.args.map((a) => show(a)).join(', ')})`);
    lines.push(`    original:  ${'threw' in c.expected ? `threw ${c.expected.threw}` : `returned ${show(c.expected.value)}`}`);
    lines.push(`    candidate: ${'threw' in c.actual ? `threw ${c.actual.threw}` : `returned ${show(c.actual.value)}`}`);
    for (const d of c.argsAfter) {
      lines.push(`    argument ${d.arg + 1} after the call${d.index >= 0 ? ` [${d.index}]` : ''}: ${show(d.expected)} expected, ${show(d.actual)} written`);
    }
  }
  for (const n of p.notes) lines.push(`  note       ${n}`);
  return lines.join('\n') + '\n';
}

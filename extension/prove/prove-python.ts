// The prove stage for Python: the original function and a compiled candidate run on the recorded calls and on
// generated edge cases (NaN, ±0, ±inf, ints near 2**63, empty and one-element arrays, random variants) in a child
// process of the user's interpreter (python/perf_lab_kernel.py prove). Results and every argument after the call
// are compared exactly; a mismatch is shrunk to the smallest counter-example found. A proof in which the compiled
// code (almost) never ran proves nothing, and says so.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernelHelperPath, pythonTargetName, type PythonCandidate, type PythonTarget } from '../compiler/compile-python';
import { CancelledError, PerfLabError } from '../errors';
import { noProgress, type StageOptions } from '../progress';
import { firstLines, startChild } from '../profile/run-child';
import type { PythonRecording } from '../record/record-python';
import { skippedNotes, type Proof } from './prove';

export interface PythonProveOptions extends StageOptions {
  /** The interpreter's executable. */
  python: string;
  /** Least seconds a case may take before it is given up (raised to 3× the slowest recorded case, at most 10 s). */
  caseTimeoutMs?: number;
  /** Time for all edge cases together (30 s by default); the rest are skipped and counted. */
  edgeBudgetMs?: number;
  /** Share of the recorded cases that must run the compiled code for the proof to count (default 0.1). */
  minKernelShare?: number;
}

/** A Python proof: the same fields as the JavaScript one, the target a Python target. */
export type PythonProof = Omit<Proof, 'target' | 'counterexample'> & {
  target: PythonTarget;
  counterexample?: {
    /** Arguments, results and differing elements as Python prints them (repr). */
    args: string[];
    expected: string;
    actual: string;
    argsAfter: { arg: number; index: number; expected: string; actual: string }[];
    why: string;
    foundIn: 'recorded' | 'edge';
    label: string;
    shrinkSteps: number;
  };
};

interface HelperCase {
  label: string;
  source: 'recorded' | 'edge';
  skipped?: string;
  kernel?: boolean;
  reason?: string;
  why?: string;
  ms?: number;
}

interface HelperProof {
  error?: string;
  traceback?: string;
  loadError?: string | null;
  originalError?: string;
  cases: HelperCase[];
  counterexample?: PythonProof['counterexample'] & { foundIn: 'recorded' | 'edge' };
}

/** How results are compared, in words. */
export const PYTHON_COMPARISON =
  'exactly (results and every list or array argument after the call: same type — a NumPy scalar is not the Python number of the same value, an int is not a bool —, same value, +0 and -0 differ, NaN matches NaN without comparing payloads; arrays by dtype, shape and elements; exceptions by type)';

/** Proves a Python candidate equal to the original on the recorded calls and on edge cases. */
export async function provePython(candidate: PythonCandidate, recording: PythonRecording, opts: PythonProveOptions): Promise<PythonProof> {
  const started = performance.now();
  const progress = opts.progress ?? noProgress;
  const name = pythonTargetName(candidate.target);
  const tmp = await mkdtemp(join(tmpdir(), 'perf-lab-pyprove-'));
  try {
    const request = join(tmp, 'request.json');
    const out = join(tmp, 'proof.json');
    await writeFile(
      request,
      JSON.stringify({
        file: recording.file,
        fn: recording.functionName,
        recording: recording.dataPath,
        dir: candidate.dir,
        module: candidate.moduleName,
        entry: candidate.entry,
        caseTimeoutMs: opts.caseTimeoutMs ?? 1000,
        edgeBudgetMs: opts.edgeBudgetMs ?? 30_000,
        out,
      }),
    );
    progress({ message: `Running ${recording.calls.length} recorded calls and the edge cases through Python and ${name}…` });
    let stderr = '';
    const child = startChild({
      execPath: opts.python,
      args: [kernelHelperPath(), 'prove', request],
      cwd: tmp,
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
      timeoutMs: 15 * 60_000,
      signal: opts.signal,
      onOutput: (stream, text) => {
        if (stream === 'stderr' && stderr.length < 8192) stderr += text;
      },
    });
    const outcome = await child.done;
    if (outcome.stoppedBy === 'cancel') throw new CancelledError('The proof was cancelled.');
    const text = await readFile(out, 'utf8').catch(() => undefined);
    if (text === undefined) {
      if (outcome.stoppedBy === 'timeout') throw new PerfLabError('The proof did not finish within 15 minutes. Record the function on a smaller input.');
      throw new PerfLabError(
        `The proof's Python process ended early (${outcome.signal ?? `exit code ${outcome.code}`}).${stderr ? `\n${firstLines(stderr, 8)}` : ''}`,
      );
    }
    const r = JSON.parse(text) as HelperProof;
    if (r.error) throw new PerfLabError(`The proof failed in Python: ${r.error}`, r.traceback);
    if (r.originalError)
      throw new PerfLabError(
        `The definitions of ${recording.file} could not be loaded without running the script (${r.originalError}). Perf Lab loads the file's imports, functions, classes and assignments only.`,
      );
    return proofOf(candidate, r, opts.minKernelShare ?? 0.1, performance.now() - started);
  } finally {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
  }
}

/** The Proof from the helper's cases: counts, fallbacks, vacuity and the verdict. */
export function proofOf(candidate: PythonCandidate, r: HelperProof, minShare: number, durationMs: number): PythonProof {
  const name = pythonTargetName(candidate.target);
  const ran = r.cases.filter((c) => !c.skipped);
  const recorded = ran.filter((c) => c.source === 'recorded');
  const kernelCalls = ran.filter((c) => c.kernel).length;
  const recordedKernel = recorded.filter((c) => c.kernel).length;
  const mismatches = ran.filter((c) => c.why).length;
  const reasons = new Map<string, number>();
  for (const c of ran) if (!c.kernel) reasons.set(c.reason || 'unknown', (reasons.get(c.reason || 'unknown') ?? 0) + 1);
  const fallbackReasons = [...reasons].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count);
  const skipped = r.cases.filter((c) => c.skipped).map((c) => ({ label: c.label, why: c.skipped! }));
  const notes: string[] = [];
  let vacuous = false;
  let reason: string | undefined;
  if (r.loadError) {
    vacuous = true;
    reason = `The ${name} module could not be imported (${r.loadError}), so nothing was proven.`;
  } else if (recorded.length > 0 && recordedKernel < minShare * recorded.length) {
    vacuous = true;
    const why = fallbackReasons[0] ? ` (the wrapper said: ${fallbackReasons[0].reason})` : '';
    reason = `The ${name} code ran on only ${recordedKernel} of ${recorded.length} recorded calls; the others fell back to Python${why}. The proof is vacuous: the program would almost never run the compiled code.`;
  } else if (recorded.length === 0) {
    vacuous = true;
    reason = 'No recorded call could be replayed, so nothing was proven on the inputs the program really passes.';
  }
  if (mismatches > 0 && r.counterexample) reason = `The candidate differs from the original on ${mismatches} of ${ran.length} cases: ${r.counterexample.why}.`;
  if (!vacuous && recordedKernel < recorded.length)
    notes.push(`The ${name} code ran on ${recordedKernel} of ${recorded.length} recorded calls; the others fell back to Python.`);
  notes.push(...skippedNotes(skipped));
  const proof: PythonProof = {
    target: candidate.target,
    ok: mismatches === 0 && !vacuous,
    cases: ran.length,
    recordedCases: recorded.length,
    edgeCases: ran.length - recorded.length,
    skipped,
    mismatches,
    compiledCalls: kernelCalls,
    fallbacks: ran.length - kernelCalls,
    recordedCompiledCalls: recordedKernel,
    fallbackReasons,
    vacuous,
    comparison: PYTHON_COMPARISON,
    notes,
    durationMs,
  };
  if (r.counterexample) proof.counterexample = r.counterexample;
  if (reason) proof.reason = reason;
  return proof;
}

/** The proof in a few lines, for the command line and the log. */
export function describePythonProof(p: PythonProof, functionName: string): string {
  const name = pythonTargetName(p.target);
  const verdict = p.ok ? 'PROVEN' : p.vacuous ? 'NOT PROVEN (vacuous)' : 'REFUSED';
  const lines = [
    `Proof (${name}): ${verdict} — ${p.cases} cases (${p.recordedCases} recorded, ${p.edgeCases} edge cases), ${p.mismatches} mismatch${p.mismatches === 1 ? '' : 'es'}`,
  ];
  lines.push(`  compared   ${p.comparison}`);
  lines.push(
    `  ran        ${name} on ${p.compiledCalls} cases (${p.recordedCompiledCalls} of ${p.recordedCases} recorded), fell back to Python on ${p.fallbacks}`,
  );
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
    lines.push(`    ${functionName}(${c.args.join(', ')})`);
    lines.push(`    original:  ${c.expected}`);
    lines.push(`    candidate: ${c.actual}`);
    for (const d of c.argsAfter)
      lines.push(`    argument ${d.arg + 1} after the call${d.index >= 0 ? ` [${d.index}]` : ''}: ${d.expected} expected, ${d.actual} written`);
  }
  for (const n of p.notes) lines.push(`  note       ${n}`);
  return lines.join('\n') + '\n';
}

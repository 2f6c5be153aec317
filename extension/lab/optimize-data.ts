// What the Before/After panel receives: the proof and the benchmark reduced to plain data, and the function the
// cursor is in. Pure functions, so they are tested without an editor.
import type * as TS from 'typescript';
import type { BenchResult, MultiBenchResult } from '../bench/bench';
import type { PythonBenchResult } from '../bench/bench-python';
import type { Candidate, Target } from '../compiler/compile';
import type { PythonCandidate, PythonTarget } from '../compiler/compile-python';
import { jsFunctions } from '../compiler/js-functions';
import { show } from '../prove/compare';
import type { Proof } from '../prove/prove';
import type { PythonProof } from '../prove/prove-python';
import { approx } from '../bench/break-even';
import { formatTimes, median } from '../bench/stats';
import type { WholeProgramResult } from '../bench/whole-program';
import { OPT_IN_TEXT, OPT_INS, type OptIn } from '../../native/opt-ins';
import { applyDecision } from '../optimize/apply-step';
import { outlookReport, wholeProgramStoryText } from '../optimize/report';
import { bestTarget, type OptimizeOutcome } from '../optimize/optimize';
import { jsTarget } from '../targets';
import { PerfLabError } from '../errors';
import { benchOf } from '../optimize/report';
import type { Recording } from '../record/recording';
import {
  TARGET_NAMES,
  type BenchView,
  type Language,
  type OptimizeData,
  type PredictedView,
  type ProofView,
  type TargetId,
  type TargetView,
  type VariantName,
  type WholeProgramView,
} from '../protocol';

/** Whether a target is one of a Python function's (Numba, Cython, pybind11). */
export function isPythonTarget(t: TargetId): t is PythonTarget {
  return TARGET_NAMES[t].language === 'python';
}

/** A target's name as the benchmark and the panel print it. */
export function targetIdName(t: TargetId): VariantName {
  return TARGET_NAMES[t].name;
}

/** The fields a JavaScript and a Python proof share, as the panel shows them. */
function proofFields(p: Omit<Proof, 'target' | 'counterexample'>): ProofView {
  const view: ProofView = {
    ok: p.ok,
    cases: p.cases,
    recordedCases: p.recordedCases,
    edgeCases: p.edgeCases,
    mismatches: p.mismatches,
    compiledCalls: p.compiledCalls,
    fallbacks: p.fallbacks,
    recordedCompiledCalls: p.recordedCompiledCalls,
    vacuous: p.vacuous,
    comparison: p.comparison,
    fallbackReasons: p.fallbackReasons.slice(0, 5),
    notes: p.notes,
  };
  if (p.reason) view.reason = p.reason;
  if (p.tolerance) view.tolerance = { relative: p.tolerance.relative, absolute: p.tolerance.absolute };
  if (p.maxError) view.maxError = { relative: p.maxError.relative, absolute: p.maxError.absolute };
  return view;
}

/** Where a counter-example was found, in words. */
function foundIn(c: { foundIn: 'recorded' | 'edge'; label: string }): string {
  return c.foundIn === 'recorded' ? 'a recorded call' : `the edge case "${c.label}"`;
}

/** The proof as the panel shows it (the counter-example printed). */
export function proofView(p: Proof, functionName: string): ProofView {
  const view = proofFields(p);
  const c = p.counterexample;
  if (c) {
    const outcome = (o: typeof c.expected) => ('threw' in o ? `threw ${o.threw}` : `returned ${show(o.value)}`);
    view.counterexample = {
      call: `${functionName}(${c.args.map((a) => show(a)).join(', ')})`,
      expected: outcome(c.expected),
      actual: outcome(c.actual),
      argsAfter: c.argsAfter.map(
        (d) => `argument ${d.arg + 1} after the call${d.index >= 0 ? ` [${d.index}]` : ''}: ${show(d.expected)} expected, ${show(d.actual)} written`,
      ),
      foundIn: foundIn(c),
    };
  }
  return view;
}

/** A Python proof as the panel shows it (the counter-example as Python prints it). */
export function pythonProofView(p: PythonProof, functionName: string): ProofView {
  const view = proofFields(p);
  const c = p.counterexample;
  if (c) {
    view.counterexample = {
      call: `${functionName}(${c.args.join(', ')})`,
      expected: c.expected,
      actual: c.actual,
      argsAfter: c.argsAfter.map(
        (d) => `argument ${d.arg + 1} after the call${d.index >= 0 ? ` [${d.index}]` : ''}: ${d.expected} expected, ${d.actual} written`,
      ),
      foundIn: foundIn(c),
    };
  }
  return view;
}

/** A predicted speedup with its printed form. */
function predictedView(speedup: number): PredictedView {
  return { speedup, text: approx(speedup) };
}

/**
 * The benchmark as the panel shows it; `prediction`: the break-even model's prediction set against the measurement
 * (break-even.ts predictionStory); `predicted`: its speedup per target, shown beside its bar.
 */
export function benchView(r: BenchResult, multi?: MultiBenchResult, prediction?: string, predicted?: Partial<Record<TargetId, number>>): BenchView {
  const targets =
    multi && multi.targets.length > 1
      ? multi.targets.map((t) => ({
          name: t.name,
          estimate: t.speedup.estimate,
          ci95: [t.speedup.ci95[0], t.speedup.ci95[1]] as [number, number],
          verdict: t.verdict,
        }))
      : undefined;
  const byName: Partial<Record<VariantName, PredictedView>> = {};
  for (const [t, x] of Object.entries(predicted ?? {}) as [Target, number][]) if (Number.isFinite(x)) byName[TARGET_NAMES[t].name] = predictedView(x);
  return {
    ...(targets ? { targets } : {}),
    ...(prediction ? { prediction } : {}),
    ...(Object.keys(byName).length > 0 ? { predicted: byName } : {}),
    variants: r.variants.map((v) => ({ name: v.name, median: v.median, mean: v.mean, rme: v.rme, sd: v.sd, min: v.min, max: v.max, samples: v.samples })),
    speedup: { estimate: r.speedup.estimate, ci95: [r.speedup.ci95[0], r.speedup.ci95[1]] },
    verdict: r.verdict,
    recommendation: r.recommendation,
    callShape: r.callShape,
    note: r.note,
  };
}

/** What the Apply button says beside it. */
export function applyNote(proof: { ok: boolean; reason?: string; target?: TargetId }, bench: Pick<BenchResult, 'verdict'> | undefined): string {
  const python = !!proof.target && isPythonTarget(proof.target);
  const name = TARGET_NAMES[proof.target ?? 'wasm'].name;
  if (!proof.ok) return `Apply is disabled: ${proof.reason ?? `the ${name} version is not proven equal to the original.`}`;
  if (!bench) return 'Apply writes the proven rewrite; it was not measured.';
  if (bench.verdict === 'faster') {
    if (python)
      return `Apply writes the ${name} module beside the file and makes the function call it, keeping the original as its fallback; Undo reverts all of it.`;
    const entry = jsTarget(proof.target ?? 'wasm');
    const files = entry.artifact ? `the ${entry.module} (.${entry.artifact.extension}) and its loader` : 'its loader';
    return `Apply writes ${files} beside the file and makes the function call it; Undo reverts all of it.`;
  }
  return `Apply still works, but it will not make the program faster (${bench.verdict === 'slower' ? `${name} measured slower` : 'no significant difference'}): keeping ${python ? 'Python' : 'JavaScript'} is the better choice.`;
}

/** One target of a side-by-side run: what was built and proven (or why it could not be). */
export interface TargetOutcome {
  target: Target;
  candidate?: Candidate;
  /** Why no candidate was built (no toolchain, a failed build). */
  buildError?: string;
  proof?: Proof;
}

/** One target of a Python run: what was built and proven (or why it could not be). */
export interface PythonTargetOutcome {
  target: PythonTarget;
  candidate?: PythonCandidate;
  buildError?: string;
  proof?: PythonProof;
}

/** Each target's measurement against the original (the JavaScript and the Python benchmark both give these). */
interface MeasuredTargets {
  targets: readonly {
    target: TargetId;
    speedup: { estimate: number; ci95: readonly [number, number] | number[] };
    verdict: 'faster' | 'slower' | 'not significant';
    recommendation: string;
  }[];
}

/** What was built, in words: the backend's own first line about it (`binaryen -O3 …: 321 bytes in 12 ms`). */
export function builtText(c: Candidate | PythonCandidate): string {
  return c.log[0] ?? '';
}

/** Each target of a side-by-side run as the panel shows it, with its own Apply and, when refused, the reason. */
export function targetViews(
  functionName: string,
  outcomes: readonly (TargetOutcome | PythonTargetOutcome)[],
  multi: MeasuredTargets | undefined,
  predicted: Partial<Record<TargetId, number>> = {},
): TargetView[] {
  return outcomes.map((o) => {
    const name = targetIdName(o.target);
    const m = multi?.targets.find((t) => t.target === o.target);
    const p = isPythonTarget(o.target) ? undefined : predicted[o.target];
    const view: TargetView = { target: o.target, name, canApply: false, applyNote: '' };
    if (o.candidate) view.built = builtText(o.candidate);
    if (o.proof) view.proof = isPythonTarget(o.target) ? pythonProofView(o.proof as PythonProof, functionName) : proofView(o.proof as Proof, functionName);
    if (m)
      view.measured = { estimate: m.speedup.estimate, ci95: [m.speedup.ci95[0]!, m.speedup.ci95[1]!], verdict: m.verdict, recommendation: m.recommendation };
    if (p !== undefined && Number.isFinite(p)) view.predicted = predictedView(p);
    if (!o.candidate) {
      view.refusal = `not built: ${o.buildError ?? 'the build failed'}`;
      view.applyNote = `Apply ${name} is not offered: it was not built.`;
    } else if (!o.proof?.ok) {
      view.refusal = `not proven: ${o.proof?.reason ?? 'the proof did not run'}`;
      view.applyNote = `Apply ${name} is disabled: only a proven rewrite is applied.`;
    } else {
      view.canApply = true;
      view.applyNote = applyNote(o.proof, m);
    }
    return view;
  });
}

/** What to do after a side-by-side run: the fastest target that measured faster, or keep JavaScript, and why. */
export function sideBySideAdvice(views: readonly TargetView[], original = 'JavaScript'): string {
  const best = views.filter((v) => v.canApply && v.measured?.verdict === 'faster').sort((a, b) => b.measured!.estimate - a.measured!.estimate)[0];
  if (best) return best.measured!.recommendation;
  const why = views.map((v) =>
    v.measured ? `${v.name} ${v.measured.verdict} (${formatTimes(v.measured.estimate)})` : `${v.name} ${v.refusal ?? 'not measured'}`,
  );
  return `keep ${original}: ${why.join(', ')}`;
}

/** The Python benchmark as the panel shows it: CPython first, then each target; no break-even prediction (the model knows JavaScript's costs only). */
export function pythonBenchView(r: PythonBenchResult): BenchView {
  const best = [...r.targets].sort((a, b) => b.speedup.estimate - a.speedup.estimate)[0];
  return {
    variants: r.variants.map((v) => ({ ...v, name: v.name === 'Python' ? 'CPython' : v.name })),
    speedup: best ? { estimate: best.speedup.estimate, ci95: [best.speedup.ci95[0], best.speedup.ci95[1]] } : { estimate: 1, ci95: [1, 1] },
    verdict: best?.verdict ?? 'not significant',
    recommendation: best?.recommendation ?? 'keep Python: nothing was measured',
    callShape: r.callShape,
    note: r.note,
    targets: r.targets.map((t) => ({ name: t.name, estimate: t.speedup.estimate, ci95: [t.speedup.ci95[0], t.speedup.ci95[1]], verdict: t.verdict })),
  };
}

/** What the Python flow hands the panel: the function, its recording, each target's outcome and the benchmark. */
export interface PythonRun {
  file: string;
  functionName: string;
  line: number;
  recording: OptimizeData['recording'];
  /** The interpreter, in words (`Python 3.11.2 at /venv/bin/python, from perfLab.pythonPath`). */
  runtime: string;
  outcomes: readonly PythonTargetOutcome[];
  bench?: PythonBenchResult;
  /** The target the optimize flow chose for Apply (its `chosen`). */
  chosen?: TargetId;
}

/** The Before/After panel's data of a Python run: CPython against every target asked for, side by side. */
export function pythonOptimizeData(run: PythonRun): { data: OptimizeData; targets: TargetView[] } {
  const { functionName: name } = run;
  const targets = targetViews(name, run.outcomes, run.bench);
  const proven = run.outcomes.filter((o) => o.proof?.ok);
  // The flow's choice (bestTarget: the fastest significantly faster, else the first proven) when it made one.
  const best = run.chosen ?? (run.bench ? bestTarget(run.bench)?.target : undefined);
  const chosen = run.outcomes.find((o) => o.target === best && o.proof?.ok) ?? proven[0] ?? run.outcomes.find((o) => o.proof) ?? run.outcomes[0];
  const proof: ProofView = chosen?.proof
    ? pythonProofView(chosen.proof, name)
    : {
        ok: false,
        cases: 0,
        recordedCases: 0,
        edgeCases: 0,
        mismatches: 0,
        compiledCalls: 0,
        fallbacks: 0,
        recordedCompiledCalls: 0,
        vacuous: false,
        comparison: '',
        fallbackReasons: [],
        notes: [],
        reason: 'no target was built',
      };
  const bench = run.bench ? pythonBenchView(run.bench) : undefined;
  const measured = chosen && run.bench?.targets.find((t) => t.target === chosen.target);
  const data: OptimizeData = {
    title: `Optimize: ${name}`,
    file: run.file,
    functionName: name,
    line: run.line,
    recording: run.recording,
    ...(chosen ? { target: chosen.target } : {}),
    baseline: 'CPython',
    runtime: run.runtime,
    proof,
    ...(bench ? { bench } : {}),
    canApply: !!chosen?.proof?.ok,
    applyNote: chosen?.proof ? applyNote(chosen.proof, measured) : 'Apply is not offered: no target was built.',
    targets,
    recommendation: sideBySideAdvice(targets, 'Python'),
  };
  return { data, targets };
}

/** What the editor adds to the optimize flow's outcome for the panel. */
export interface PanelContext {
  file: string;
  functionName: string;
  /** The native opt-ins the run was built with (JavaScript's native target). */
  optIns: readonly OptIn[];
  /** Where the interpreter setting came from (a Python run), as the panel says it. */
  runtimeFrom?: string;
}

type DoneOutcome = Extract<OptimizeOutcome, { kind: 'done' }>;

/** A finished run as the panel shows it: its data, each target's view, and the target Apply writes by default. */
export interface OutcomePanel {
  data: OptimizeData;
  targets: TargetView[];
  chosen?: TargetId;
}

/** JavaScript's panel: JavaScript against each target, with the break-even model's prediction told with the measurement. */
function jsPanel(outcome: DoneOutcome, ctx: PanelContext): OutcomePanel {
  const name = ctx.functionName;
  const recording = outcome.recording as Recording;
  const outcomes = outcome.targets as TargetOutcome[];
  const multi = outcome.bench as MultiBenchResult | undefined;
  const predicted: Partial<Record<TargetId, number>> = {};
  for (const p of outcome.prediction?.prediction.targets ?? []) predicted[p.target] = p.speedup;
  // The prediction as the measurement judges it, one sentence (break-even.ts predictionStory), as the command line prints it.
  const prediction = outcome.prediction?.story.text;
  const targets = targetViews(name, outcomes, multi, predicted);
  const chosen = outcomes.find((o) => o.target === outcome.chosen) ?? outcomes.find((o) => o.proof) ?? outcomes[0]!;
  const proof = chosen.proof as Proof | undefined;
  if (!proof) throw new PerfLabError(`${name} could not be built for any target: ${targets.map((t) => `${t.name}: ${t.refusal ?? ''}`).join('; ')}`);
  const result = multi && outcome.chosen ? benchOf(multi, outcome.chosen as Target) : undefined;
  const side = targets.length > 1;
  const data: OptimizeData = {
    title: `Optimize: ${name}`,
    file: ctx.file,
    functionName: name,
    line: recording.line,
    recording: { calls: recording.calls.length, totalCalls: recording.totalCalls, recordedAt: recording.recordedAt, reused: outcome.reused },
    ...(chosen.candidate ? { built: builtText(chosen.candidate) } : {}),
    target: chosen.target,
    proof: proofView(proof, name),
    ...(result ? { bench: benchView(result, multi, prediction, predicted) } : {}),
    canApply: proof.ok,
    applyNote: applyNote(proof, result),
    ...(outcomes.some((o) => o.target === 'native') ? { optIns: optInChoices(ctx.optIns) } : {}),
    ...(side ? { targets, recommendation: `${sideBySideAdvice(targets)}${prediction ? `. ${prediction}` : ''}` } : {}),
  };
  return { data, targets, ...(outcome.chosen ? { chosen: outcome.chosen } : {}) };
}

/** Python's panel: CPython against each target side by side, each with its own Apply, and the interpreter named. */
function pythonPanel(outcome: DoneOutcome, ctx: PanelContext): OutcomePanel {
  const rec = outcome.recording;
  const built = pythonOptimizeData({
    file: ctx.file,
    functionName: ctx.functionName,
    line: rec.line,
    recording: { calls: rec.calls.length, totalCalls: rec.totalCalls, recordedAt: rec.recordedAt, reused: outcome.reused },
    runtime: `Python ${outcome.runtime.version} (${outcome.runtime.execPath}${ctx.runtimeFrom ? `, ${ctx.runtimeFrom}` : ''})`,
    outcomes: outcome.targets as PythonTargetOutcome[],
    ...(outcome.bench ? { bench: outcome.bench as PythonBenchResult } : {}),
    ...(outcome.chosen ? { chosen: outcome.chosen } : {}),
  });
  return { ...built, ...(built.data.target ? { chosen: built.data.target } : {}) };
}

/** Each language's panel builder; the rest of the editor's flow is one for both. */
const PANELS: Record<Language, (outcome: DoneOutcome, ctx: PanelContext) => OutcomePanel> = { js: jsPanel, python: pythonPanel };

/**
 * The Before/After panel of a finished optimize run, for either language: the language's view of its targets, then
 * Apply's decisions (the rule --apply follows) on the chosen target and on each card.
 */
export function outcomePanel(outcome: DoneOutcome, ctx: PanelContext): OutcomePanel {
  const built = PANELS[outcome.language](outcome, ctx);
  const data = withApplyDecisions(built.data, outcome);
  return { data, targets: data.targets ?? built.targets, ...(built.chosen ? { chosen: built.chosen } : {}) };
}

/** The whole-program run as the panel shows it. */
export function wholeProgramView(w: WholeProgramResult & { target: TargetId }): WholeProgramView {
  if (!w.measured) return { target: w.target, notes: [], reason: w.reason };
  return {
    target: w.target,
    speedup: { estimate: w.speedup.estimate, ci95: [w.speedup.ci95[0], w.speedup.ci95[1]] },
    verdict: w.verdict,
    beforeMs: median(w.before),
    afterMs: median(w.after),
    runs: w.before.length,
    firstAfterMs: w.firstAfterMs,
    notes: w.notes,
    ...(w.changed ? { changed: w.changed } : {}),
    ...(w.explained ? { story: wholeProgramStoryText(w.explained) } : {}),
  };
}

/**
 * The panel's data with Apply's decision (optimize/apply-step.ts applyDecision, the rule --apply follows) for the
 * chosen target and each target's card: a rewrite that is not recommended keeps an "Apply anyway" with the reason.
 */
export function withApplyDecisions(data: OptimizeData, outcome: Extract<OptimizeOutcome, { kind: 'done' }>): OptimizeData {
  const blocked = (t: TargetId): string | undefined => {
    const d = applyDecision(outcome, t);
    return d.ok || !d.overridable ? undefined : d.reason;
  };
  const main = data.target && data.canApply ? blocked(data.target) : undefined;
  return {
    ...data,
    ...(outcome.wholeProgram ? { wholeProgram: wholeProgramView(outcome.wholeProgram) } : {}),
    ...(outcome.outlook ? { outlook: outlookReport(outcome.outlook, data.functionName) } : {}),
    ...(main ? { applyBlocked: main } : {}),
    ...(data.targets
      ? {
          targets: data.targets.map((t) => {
            const why = t.canApply ? blocked(t.target) : undefined;
            return why ? { ...t, applyBlocked: why } : t;
          }),
        }
      : {}),
  };
}

/** The data of a panel shown again after a window reload: the compiled code is gone, so nothing can be applied from it. */
export function restoredData(d: OptimizeData): OptimizeData {
  const note = d.applied
    ? d.applyNote
    : 'Shown again after a window reload: the compiled code was not kept. ⚡ Optimize again to apply (an unchanged file reuses its recording and build).';
  return {
    ...d,
    restored: true,
    canApply: false,
    applyNote: note,
    ...(d.targets ? { targets: d.targets.map((t) => ({ ...t, canApply: false, applyNote: t.canApply ? note : t.applyNote })) } : {}),
  };
}

/** The native opt-ins as the panel offers them: what each does, and whether this run used it. */
export function optInChoices(used: readonly OptIn[]): NonNullable<OptimizeData['optIns']> {
  return OPT_INS.map((id) => ({ id, label: OPT_IN_TEXT[id], on: used.includes(id) }));
}

/**
 * The innermost named function around an offset, by the name the profile and Optimize give it (js-functions.ts):
 * a top-level function (declaration, or a variable bound to a function), a method (`Class.method`, `obj.method`)
 * or a nested function (`outer/inner`); a top-level one counts from the start of its statement.
 */
export function functionAt(ts: typeof TS, source: string, fileName: string, offset: number): { name: string; line: number } | undefined {
  const typed = /\.[cm]?tsx?$/i.test(fileName);
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, typed ? ts.ScriptKind.TS : ts.ScriptKind.JS);
  const line = (n: TS.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  let best: { name: string; line: number; start: number } | undefined;
  for (const f of jsFunctions(ts, sf)) {
    let span: TS.Node = f.node;
    if (f.topLevel) while (!ts.isSourceFile(span.parent)) span = span.parent;
    const start = f.topLevel ? span.getFullStart() : span.getStart(sf);
    if (offset < start || offset > span.end || (best && best.start > start)) continue;
    best = { name: f.name, line: line(span), start };
  }
  return best && { name: best.name, line: best.line };
}

// What the Before/After panel receives: the proof and the benchmark reduced to plain data, and the function the
// cursor is in. Pure functions, so they are tested without an editor.
import type * as TS from 'typescript';
import type { BenchResult, MultiBenchResult } from '../bench/bench';
import { targetName, type Candidate, type Target } from '../compiler/compile';
import { show } from '../prove/compare';
import type { Proof } from '../prove/prove';
import { approx } from '../bench/break-even';
import { OPT_IN_TEXT, OPT_INS, type OptIn } from '../../native/opt-ins';
import type { BenchView, OptimizeData, PredictedView, ProofView, TargetView, VariantName } from '../protocol';

/** The proof as the panel shows it (the counter-example printed). */
export function proofView(p: Proof, functionName: string): ProofView {
  const view: ProofView = {
    ok: p.ok,
    cases: p.cases,
    recordedCases: p.recordedCases,
    edgeCases: p.edgeCases,
    mismatches: p.mismatches,
    wasmCalls: p.wasmCalls,
    fallbacks: p.fallbacks,
    recordedWasmCalls: p.recordedWasmCalls,
    vacuous: p.vacuous,
    comparison: p.comparison,
    fallbackReasons: p.fallbackReasons.slice(0, 5),
    notes: p.notes,
  };
  if (p.reason) view.reason = p.reason;
  if (p.tolerance) view.tolerance = { relative: p.tolerance.relative, absolute: p.tolerance.absolute };
  if (p.maxError) view.maxError = { relative: p.maxError.relative, absolute: p.maxError.absolute };
  const c = p.counterexample;
  if (c) {
    const outcome = (o: typeof c.expected) => ('threw' in o ? `threw ${o.threw}` : `returned ${show(o.value)}`);
    view.counterexample = {
      call: `${functionName}(${c.args.map((a) => show(a)).join(', ')})`,
      expected: outcome(c.expected),
      actual: outcome(c.actual),
      argsAfter: c.argsAfter.map((d) => `argument ${d.arg + 1} after the call${d.index >= 0 ? ` [${d.index}]` : ''}: ${show(d.expected)} expected, ${show(d.actual)} written`),
      foundIn: c.foundIn === 'recorded' ? 'a recorded call' : `the edge case "${c.label}"`,
    };
  }
  return view;
}

/** A predicted speedup with its printed form. */
function predictedView(speedup: number): PredictedView {
  return { speedup, text: approx(speedup) };
}

/** The benchmark as the panel shows it; `predicted`: the break-even model's speedup per target, shown beside its bar. */
export function benchView(r: BenchResult, multi?: MultiBenchResult, prediction?: string, predicted?: Partial<Record<Target, number>>): BenchView {
  const targets = multi && multi.targets.length > 1 ? multi.targets.map((t) => ({ name: t.name, estimate: t.speedup.estimate, ci95: [t.speedup.ci95[0], t.speedup.ci95[1]] as [number, number], verdict: t.verdict })) : undefined;
  const byName: Partial<Record<VariantName, PredictedView>> = {};
  for (const [t, x] of Object.entries(predicted ?? {}) as [Target, number][]) if (Number.isFinite(x)) byName[targetName(t)] = predictedView(x);
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
export function applyNote(proof: Proof, bench: Pick<BenchResult, 'verdict'> | undefined): string {
  const name = proof.target === 'native' ? 'native' : 'WebAssembly';
  if (!proof.ok) return `Apply is disabled: ${proof.reason ?? `the ${name} version is not proven equal to the original.`}`;
  if (!bench) return 'Apply writes the proven rewrite; it was not measured.';
  if (bench.verdict === 'faster') return `Apply writes ${proof.target === 'native' ? 'the .node addon' : 'the .wasm'} and its loader beside the file and makes the function call it; Undo reverts all of it.`;
  return `Apply still works, but it will not make the program faster (${bench.verdict === 'slower' ? `${name} measured slower` : 'no significant difference'}): keeping JavaScript is the better choice.`;
}

/** One target of a side-by-side run: what was built and proven (or why it could not be). */
export interface TargetOutcome {
  target: Target;
  candidate?: Candidate;
  /** Why no candidate was built (no toolchain, a failed build). */
  buildError?: string;
  proof?: Proof;
}

/** What was built, in words. */
export function builtText(c: Candidate): string {
  if (c.target === 'wasm') return `${c.wasm.length.toLocaleString('en-US')} bytes of WebAssembly`;
  return `a native addon (${c.flags.join(' ')}${c.node ? `, for Node.js ${c.node.version}` : ''})`;
}

/** Each target of a side-by-side run as the panel shows it, with its own Apply and, when refused, the reason. */
export function targetViews(functionName: string, outcomes: readonly TargetOutcome[], multi: MultiBenchResult | undefined, predicted: Partial<Record<Target, number>> = {}): TargetView[] {
  return outcomes.map((o) => {
    const name = targetName(o.target);
    const m = multi?.targets.find((t) => t.target === o.target);
    const p = predicted[o.target];
    const view: TargetView = { target: o.target, name, canApply: false, applyNote: '' };
    if (o.candidate) view.built = builtText(o.candidate);
    if (o.proof) view.proof = proofView(o.proof, functionName);
    if (m) view.measured = { estimate: m.speedup.estimate, ci95: [m.speedup.ci95[0], m.speedup.ci95[1]], verdict: m.verdict, recommendation: m.recommendation };
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
export function sideBySideAdvice(views: readonly TargetView[]): string {
  const best = views.filter((v) => v.canApply && v.measured?.verdict === 'faster').sort((a, b) => b.measured!.estimate - a.measured!.estimate)[0];
  if (best) return best.measured!.recommendation;
  const why = views.map((v) => (v.measured ? `${v.name} ${v.measured.verdict} (${v.measured.estimate.toFixed(2)}×)` : `${v.name} ${v.refusal ?? 'not measured'}`));
  return `keep JavaScript: ${why.join(', ')}`;
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

/** The top-level function (declaration, or const bound to an arrow function or function expression) around an offset. */
export function functionAt(ts: typeof TS, source: string, fileName: string, offset: number): { name: string; line: number } | undefined {
  const typed = /\.[cm]?tsx?$/i.test(fileName);
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, typed ? ts.ScriptKind.TS : ts.ScriptKind.JS);
  const line = (n: TS.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  for (const st of sf.statements) {
    if (offset < st.getFullStart() || offset > st.end) continue;
    if (ts.isFunctionDeclaration(st) && st.name && st.body) return { name: st.name.text, line: line(st) };
    if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) {
        const init = d.initializer;
        if (ts.isIdentifier(d.name) && init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) && offset >= d.getFullStart() && offset <= d.end) {
          return { name: d.name.text, line: line(st) };
        }
      }
    }
  }
  return undefined;
}

/** Why recorded calls gave the compiler no parameter types: the first argument whose values it does not take. */
export function unusableRecordedArgument(calls: readonly { args: readonly unknown[] }[], arity: number): string | undefined {
  const what = (v: unknown): string | undefined => {
    if (typeof v === 'number' || typeof v === 'boolean') return undefined;
    if (Array.isArray(v)) return v.every((x) => typeof x === 'number') ? undefined : 'an array holding values that are not numbers';
    if (ArrayBuffer.isView(v)) return /^Big/.test(v.constructor.name) ? `a ${v.constructor.name}` : undefined;
    if (v === null) return 'null';
    if (typeof v === 'object') return 'an object';
    return `a ${typeof v}`;
  };
  for (let i = 0; i < arity; i++) {
    for (const c of calls) {
      const w = what(c.args[i]);
      if (w) return `the program passes ${w} as argument ${i + 1}, and compiled code takes only numbers, booleans, typed arrays and arrays of numbers`;
    }
  }
  return undefined;
}

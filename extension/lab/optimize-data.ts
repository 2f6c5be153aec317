// What the Before/After panel receives: the proof and the benchmark reduced to plain data, and the function the
// cursor is in. Pure functions, so they are tested without an editor.
import type * as TS from 'typescript';
import type { BenchResult, MultiBenchResult } from '../bench/bench';
import { show } from '../prove/compare';
import type { Proof } from '../prove/prove';
import type { BenchView, ProofView } from '../protocol';

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

/** The benchmark as the panel shows it. */
export function benchView(r: BenchResult, multi?: MultiBenchResult, prediction?: string): BenchView {
  const targets = multi && multi.targets.length > 1 ? multi.targets.map((t) => ({ name: t.name, estimate: t.speedup.estimate, ci95: [t.speedup.ci95[0], t.speedup.ci95[1]] as [number, number], verdict: t.verdict })) : undefined;
  return {
    ...(targets ? { targets } : {}),
    ...(prediction ? { prediction } : {}),
    variants: r.variants.map((v) => ({ name: v.name, median: v.median, mean: v.mean, rme: v.rme, sd: v.sd, min: v.min, max: v.max, samples: v.samples })),
    speedup: { estimate: r.speedup.estimate, ci95: [r.speedup.ci95[0], r.speedup.ci95[1]] },
    verdict: r.verdict,
    recommendation: r.recommendation,
    callShape: r.callShape,
    note: r.note,
  };
}

/** What the Apply button says beside it. */
export function applyNote(proof: Proof, bench: BenchResult | undefined): string {
  const name = proof.target === 'native' ? 'native' : 'WebAssembly';
  if (!proof.ok) return `Apply is disabled: ${proof.reason ?? `the ${name} version is not proven equal to the original.`}`;
  if (!bench) return 'Apply writes the proven rewrite; it was not measured.';
  if (bench.verdict === 'faster') return `Apply writes ${proof.target === 'native' ? 'the .node addon' : 'the .wasm'} and its loader beside the file and makes the function call it; Undo reverts all of it.`;
  return `Apply still works, but it will not make the program faster (${bench.verdict === 'slower' ? `${name} measured slower` : 'no significant difference'}): keeping JavaScript is the better choice.`;
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

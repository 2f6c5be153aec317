// `Perf Lab: Optimize Function`: record → compile → prove → benchmark with progress and Cancel, then the
// Before/After panel. Refusals name the construct and its line, in a message and in the function's CodeLens.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { benchTargets, type BenchResult, type MultiBenchResult } from '../bench/bench';
import { compileKernel, selectKernel, targetName, type Target } from '../compiler/compile';
import { loadTypeScript } from '../compiler/frontend-js';
import { formatRefusal, type Refusal } from '../compiler/refusal';
import { OPT_INS, normalizeOptIns, type OptIn } from '../../native/opt-ins';
import { CancelledError, PerfLabError, userMessage } from '../errors';
import type { TargetView } from '../protocol';
import { prove } from '../prove/prove';
import { record } from '../record/record';
import { recordedParamTypes, type Recording } from '../record/recording';
import { loadRecording, saveRecording } from '../record/store';
import type { HotFunctionLenses } from './code-lens';
import { reportFailure, workspaceTrusted } from './command-helpers';
import type { Log } from './log';
import { measuredLensAdvice, targetsOf } from './optimize-advice';
import { applyNote, benchView, functionAt, optInChoices, proofView, sideBySideAdvice, targetViews, unusableRecordedArgument, type TargetOutcome } from './optimize-data';
import type { OptimizeSession, OptimizeViews } from './optimize-panel';
import { withStageProgress } from './stage-progress';

export interface OptimizeCommandDeps {
  /** The extension's storage; recordings are kept under `recordings/` in it. */
  storage: vscode.Uri;
  log: Log;
  optimizeViews: OptimizeViews;
  lenses: HotFunctionLenses;
}

/** What the command was invoked on: a function named by a CodeLens or the flame graph, or nothing (the cursor). */
export interface OptimizeTarget {
  file: string;
  name: string;
  line?: number;
  /** The native target's opt-ins (the Before/After panel's toggles); none: exact results. */
  optIns?: OptIn[];
}

function isTarget(arg: unknown): arg is OptimizeTarget {
  return typeof arg === 'object' && arg !== null && typeof (arg as OptimizeTarget).file === 'string' && typeof (arg as OptimizeTarget).name === 'string';
}

type Outcome =
  | { kind: 'refused'; refusal: Refusal }
  | {
      kind: 'done';
      session: Omit<OptimizeSession, 'data' | 'targets'>;
      recording: Recording;
      reused: boolean;
      targets: TargetView[];
      bench?: BenchResult;
      multi?: MultiBenchResult;
      prediction?: string;
      predicted?: Partial<Record<Target, number>>;
    };

/** Runs `Perf Lab: Optimize Function`. */
export async function optimizeFunctionCommand(deps: OptimizeCommandDeps, arg: unknown): Promise<void> {
  const { log } = deps;
  const trusted = await workspaceTrusted(
    'Perf Lab did not optimize this function: it runs the program to record the function\'s real calls, and this folder is not trusted. Trust the folder (Manage Workspace Trust) if you trust its code, then optimize again.',
  );
  if (!trusted) return;

  let uri: vscode.Uri;
  let name: string;
  let optIns: OptIn[] = [];
  if (isTarget(arg)) {
    uri = vscode.Uri.file(arg.file);
    name = arg.name;
    optIns = normalizeOptIns(Array.isArray(arg.optIns) ? arg.optIns.filter((o) => (OPT_INS as readonly string[]).includes(o)) : []);
  } else {
    const editor = vscode.window.activeTextEditor;
    if (editor?.document.uri.scheme === 'file' && /\.py$/i.test(editor.document.uri.fsPath)) {
      const py = await import('./optimize-python-command');
      const found = py.pythonFunctionAt(editor.document.getText(), editor.document.offsetAt(editor.selection.active));
      if (!found) return void vscode.window.showErrorMessage('Perf Lab: the cursor is not in a top-level def. Move it into the function to optimize.');
      return py.optimizePythonCommand(deps, editor.document.uri, found);
    }
    if (!editor || editor.document.uri.scheme !== 'file' || !/\.[cm]?[jt]s$/i.test(editor.document.uri.fsPath)) {
      void vscode.window.showErrorMessage('Perf Lab: put the cursor in a function of a JavaScript or TypeScript file, then run Optimize Function.');
      return;
    }
    const ts = await loadTypeScript();
    const doc = editor.document;
    const found = functionAt(ts, doc.getText(), path.basename(doc.uri.fsPath), doc.offsetAt(editor.selection.active));
    if (!found) {
      void vscode.window.showErrorMessage('Perf Lab: the cursor is not in a top-level function (a function declaration, or a const bound to an arrow function). Move it into the function to optimize.');
      return;
    }
    uri = doc.uri;
    name = found.name;
  }
  if (/\.py$/i.test(uri.fsPath)) return (await import('./optimize-python-command')).optimizePythonCommand(deps, uri, name);

  const doc = await vscode.workspace.openTextDocument(uri);
  if (doc.isDirty) await doc.save();
  const file = uri.fsPath;
  const fileName = path.basename(file);
  const source = doc.getText();
  const cfg = vscode.workspace.getConfiguration('perfLab', uri);
  const nodePath = cfg.get<string>('nodePath', 'node');
  const store = deps.storage.fsPath;
  log.info(`optimizing ${name} in ${file}${optIns.length > 0 ? ` (native opt-ins: ${optIns.join(', ')})` : ''}`);

  try {
    // Before recording: a name or a file that would stop Apply is reported at once, not after the benchmark.
    await (await import('../apply/apply')).checkApplyClashes({ file, source, functionName: name, targets: targetsOf(cfg.get<string>('target', 'wasm')) });
    const outcome = await withStageProgress(`Perf Lab: optimizing ${name}`, async (stage): Promise<Outcome> => {
      let recording = await loadRecording(store, file, name);
      const reused = recording !== undefined;
      if (!recording) {
        recording = await record(
          { file, functionName: name, nodePath, args: cfg.get<string[]>('args', []), timeoutMs: cfg.get<number>('timeout', 60) * 1000, onOutput: (_s, text) => log.append(text) },
          stage,
        );
        await saveRecording(store, recording);
      }
      log.info(`${reused ? 'reusing' : 'recorded'} ${recording.calls.length} of ${recording.totalCalls} calls of ${name}`);
      const params = recordedParamTypes(recording, recording.arity);
      const selected = await selectKernel({ source, fileName, functionName: name, ...(params ? { params } : {}) }, stage);
      if (!selected.ok) {
        const why = params ? undefined : unusableRecordedArgument(recording.calls, recording.arity);
        const refusal = why ? { ...selected.refusal, reason: `${selected.refusal.reason} (recorded: ${why})` } : selected.refusal;
        return { kind: 'refused', refusal };
      }
      const targets = targetsOf(cfg.get<string>('target', 'wasm'));
      const outcomes: TargetOutcome[] = [];
      for (const t of targets) {
        try {
          if (t === 'wasm') {
            outcomes.push({ target: t, candidate: await compileKernel(selected.kernel, stage) });
            continue;
          }
          const { compileNative } = await import('../compiler/compile-native');
          outcomes.push({ target: t, candidate: await compileNative(selected.kernel, { ...stage, nodePath: nodePath || 'node', optIns }) });
        } catch (e) {
          // With both targets asked for, a missing toolchain refuses that target only; alone, it is the answer.
          if (targets.length === 1 || e instanceof CancelledError) throw e;
          const why = userMessage(e);
          log.warn(`${name}: no ${targetName(t)} version: ${why}`);
          outcomes.push({ target: t, buildError: why });
        }
      }
      const original = { source, fileName, functionName: name };
      for (const o of outcomes) if (o.candidate) o.proof = await prove(original, o.candidate, recording, { ...stage, nodePath });
      const proven = outcomes.filter((o): o is Required<Pick<TargetOutcome, 'candidate' | 'proof'>> & TargetOutcome => !!o.candidate && !!o.proof?.ok);
      for (const o of outcomes) if (o.proof && !o.proof.ok) log.warn(`${name}: the ${targetName(o.target)} version was not proven: ${o.proof.reason ?? ''}`);
      const base = { uri, source, functionName: name, outcomes };
      if (proven.length === 0) return { kind: 'done', session: base, recording, reused, targets: targetViews(name, outcomes, undefined) };
      const timeMs = Math.max(0.05, cfg.get<number>('benchmarkTime', 1.5)) * 1000;
      // One run: JavaScript and every proven target, each in its own process, with the same calls per sample.
      const multi = await benchTargets(original, proven.map((p) => p.candidate), recording, { ...stage, nodePath, timeMs });
      // The single-target view (and Apply without a choice) uses the target measured fastest, else the first proven.
      const best = multi.targets.filter((t) => t.verdict === 'faster').sort((a, b) => b.speedup.estimate - a.speedup.estimate)[0];
      const chosen = proven.find((p) => p.target === best?.target) ?? proven[0]!;
      const t = multi.targets.find((x) => x.target === chosen.target)!;
      const result: BenchResult = { ...multi, speedup: t.speedup, verdict: t.verdict, recommendation: t.recommendation };
      let prediction: string | undefined;
      const predicted: Partial<Record<Target, number>> = {};
      try {
        const { checkPrediction } = await import('../bench/break-even');
        const { probeNode } = await import('../profile/node-runner');
        const runtime = await probeNode(nodePath || 'node');
        const key = `${file}#${name}`;
        const checked = await checkPrediction({ execPath: runtime.execPath, version: runtime.version, store, key, recording, candidates: proven.map((p) => p.candidate), bench: multi });
        prediction = checked.prediction.text;
        for (const p of checked.prediction.targets) predicted[p.target] = p.speedup;
        log.info(`break-even model for ${name}: predicted ${prediction}; measured ${multi.targets.map((x) => `${x.name} ${x.speedup.estimate.toFixed(2)}×`).join(', ')}`);
      } catch (e) {
        log.warn(`the break-even model could not predict ${name}: ${userMessage(e)}`);
      }
      return {
        kind: 'done',
        session: { ...base, chosen: chosen.target },
        recording,
        reused,
        bench: result,
        multi,
        targets: targetViews(name, outcomes, multi, predicted),
        predicted,
        ...(prediction ? { prediction } : {}),
      };
    });

    if (outcome.kind === 'refused') {
      const r = outcome.refusal;
      const text = formatRefusal(r);
      deps.lenses.noteRefusal(file, name, text);
      log.warn(`refused ${name}: ${text}`);
      const go = 'Go to Line';
      const into = targetsOf(cfg.get<string>('target', 'wasm')).map((t) => (t === 'wasm' ? 'WebAssembly' : 'native code')).join(' or ');
      const pick = await vscode.window.showWarningMessage(`Perf Lab: ${name} cannot be compiled to ${into}: ${text}`, go);
      if (pick === go) {
        const pos = new vscode.Position(Math.max(0, r.line - 1), Math.max(0, r.column - 1));
        await vscode.window.showTextDocument(uri, { selection: new vscode.Range(pos, pos) });
      }
      return;
    }
    deps.lenses.noteRefusal(file, name, undefined);
    const { session, recording, reused, targets } = outcome;
    const chosen = session.outcomes.find((o) => o.target === session.chosen) ?? session.outcomes.find((o) => o.proof) ?? session.outcomes[0]!;
    const proof = chosen.proof;
    const result = outcome.bench;
    const measured = measuredLensAdvice(targets);
    // The lens shows what was just measured (next to the prediction) without waiting for the next edit or save.
    deps.lenses.noteResult(file, name, measured ? { ...measured, source } : undefined);
    if (!proof) throw new PerfLabError(`${name} could not be built for any target: ${targets.map((t) => `${t.name}: ${t.refusal ?? ''}`).join('; ')}`);
    const side = targets.length > 1;
    deps.optimizeViews.show({
      ...session,
      targets,
      data: {
        title: `Optimize: ${name}`,
        file,
        functionName: name,
        line: recording.line,
        recording: { calls: recording.calls.length, totalCalls: recording.totalCalls, recordedAt: recording.recordedAt, reused },
        wasmBytes: chosen.candidate?.target === 'wasm' ? chosen.candidate.wasm.length : 0,
        target: chosen.target,
        proof: proofView(proof, name),
        ...(result ? { bench: benchView(result, outcome.multi, outcome.prediction, outcome.predicted) } : {}),
        canApply: proof.ok,
        applyNote: applyNote(proof, result),
        ...(session.outcomes.some((o) => o.target === 'native') ? { optIns: optInChoices(optIns) } : {}),
        ...(side ? { targets, recommendation: `${sideBySideAdvice(targets)}${outcome.prediction ? ` (the break-even model predicted ${outcome.prediction})` : ''}` } : {}),
      },
    });
  } catch (e) {
    reportFailure(log, e);
  }
}

// `Perf Lab: Optimize Function`: record → compile → prove → benchmark with progress and Cancel, then the
// Before/After panel. Refusals name the construct and its line, in a message and in the function's CodeLens.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { benchTargets, type BenchResult, type MultiBenchResult } from '../bench/bench';
import { compileKernel, selectKernel, type Candidate, type Target } from '../compiler/compile';
import { loadTypeScript } from '../compiler/frontend-js';
import { formatRefusal, type Refusal } from '../compiler/refusal';
import type { ProgressSink } from '../progress';
import { prove, type Proof } from '../prove/prove';
import { record } from '../record/record';
import { recordedParamTypes, type Recording } from '../record/recording';
import { loadRecording, saveRecording } from '../record/store';
import type { HotFunctionLenses } from './code-lens';
import { reportFailure, workspaceTrusted } from './command-helpers';
import type { Log } from './log';
import { applyNote, benchView, functionAt, proofView, unusableRecordedArgument } from './optimize-data';
import type { OptimizeSession, OptimizeViews } from './optimize-panel';

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
}

function isTarget(arg: unknown): arg is OptimizeTarget {
  return typeof arg === 'object' && arg !== null && typeof (arg as OptimizeTarget).file === 'string' && typeof (arg as OptimizeTarget).name === 'string';
}

type Outcome =
  | { kind: 'refused'; refusal: Refusal }
  | { kind: 'done'; session: Omit<OptimizeSession, 'data'>; recording: Recording; reused: boolean; proof: Proof; bench?: BenchResult; multi?: MultiBenchResult; prediction?: string };

/** Runs `Perf Lab: Optimize Function`. */
export async function optimizeFunctionCommand(deps: OptimizeCommandDeps, arg: unknown): Promise<void> {
  const { log } = deps;
  const trusted = await workspaceTrusted(
    'Perf Lab did not optimize this function: it runs the program to record the function\'s real calls, and this folder is not trusted. Trust the folder (Manage Workspace Trust) if you trust its code, then optimize again.',
  );
  if (!trusted) return;

  let uri: vscode.Uri;
  let name: string;
  if (isTarget(arg)) {
    uri = vscode.Uri.file(arg.file);
    name = arg.name;
  } else {
    const editor = vscode.window.activeTextEditor;
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

  const doc = await vscode.workspace.openTextDocument(uri);
  if (doc.isDirty) await doc.save();
  const file = uri.fsPath;
  const fileName = path.basename(file);
  const source = doc.getText();
  const cfg = vscode.workspace.getConfiguration('perfLab', uri);
  const nodePath = cfg.get<string>('nodePath', 'node');
  const store = deps.storage.fsPath;
  log.info(`optimizing ${name} in ${file}`);

  try {
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Perf Lab: optimizing ${name}`, cancellable: true },
      async (progress, token): Promise<Outcome> => {
        const abort = new AbortController();
        const sub = token.onCancellationRequested(() => abort.abort());
        const report: ProgressSink = (e) => progress.report({ message: e.message });
        const stage = { signal: abort.signal, progress: report };
        try {
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
          const setting = cfg.get<string>('target', 'wasm');
          const targets: Target[] = setting === 'auto' ? ['wasm', 'native'] : setting === 'native' ? ['native'] : ['wasm'];
          const candidates: Candidate[] = [];
          for (const t of targets) {
            if (t === 'wasm') {
              candidates.push(await compileKernel(selected.kernel, stage));
              continue;
            }
            const { compileNative } = await import('../compiler/compile-native');
            try {
              candidates.push(await compileNative(selected.kernel, { ...stage, nodePath: nodePath || 'node' }));
            } catch (e) {
              // With both targets asked for, a missing toolchain leaves WebAssembly; alone, it is the answer.
              if (targets.length === 1) throw e;
              log.warn(`native code is not available: ${e instanceof Error ? e.message : String(e)}`);
            }
          }
          const original = { source, fileName, functionName: name };
          const proofs: { candidate: Candidate; proof: Proof }[] = [];
          for (const candidate of candidates) proofs.push({ candidate, proof: await prove(original, candidate, recording, { ...stage, nodePath }) });
          const proven = proofs.filter((p) => p.proof.ok);
          for (const p of proofs) if (!p.proof.ok) log.warn(`${name}: the ${p.candidate.target} version was not proven: ${p.proof.reason ?? ''}`);
          if (proven.length === 0) {
            const { candidate, proof } = proofs[0]!;
            return { kind: 'done', session: { uri, source, functionName: name, candidate, proof }, recording, reused, proof };
          }
          const timeMs = Math.max(0.05, cfg.get<number>('benchmarkTime', 1.5)) * 1000;
          const multi = await benchTargets(original, proven.map((p) => p.candidate), recording, { ...stage, nodePath, timeMs });
          // Apply writes the target measured fastest (the first proven one when none is faster).
          const best = multi.targets.filter((t) => t.verdict === 'faster').sort((a, b) => b.speedup.estimate - a.speedup.estimate)[0];
          const chosen = proven.find((p) => p.candidate.target === best?.target) ?? proven[0]!;
          const t = multi.targets.find((x) => x.target === chosen.candidate.target)!;
          const result: BenchResult = { ...multi, speedup: t.speedup, verdict: t.verdict, recommendation: t.recommendation };
          let prediction: string | undefined;
          try {
            const { checkPrediction } = await import('../bench/break-even');
            const { probeNode } = await import('../profile/node-runner');
            const runtime = await probeNode(nodePath || 'node');
            const key = `${file}#${name}`;
            const checked = await checkPrediction({ execPath: runtime.execPath, version: runtime.version, store, key, recording, candidates: proven.map((p) => p.candidate), bench: multi });
            prediction = checked.prediction.text;
            log.info(`break-even model for ${name}: predicted ${prediction}; measured ${multi.targets.map((x) => `${x.name} ${x.speedup.estimate.toFixed(2)}×`).join(', ')}`);
          } catch (e) {
            log.warn(`the break-even model could not predict ${name}: ${e instanceof Error ? e.message : String(e)}`);
          }
          const session = { uri, source, functionName: name, candidate: chosen.candidate, proof: chosen.proof };
          return { kind: 'done', session: { ...session, bench: result }, recording, reused, proof: chosen.proof, bench: result, multi, ...(prediction ? { prediction } : {}) };
        } finally {
          sub.dispose();
        }
      },
    );

    if (outcome.kind === 'refused') {
      const r = outcome.refusal;
      const text = formatRefusal(r);
      deps.lenses.noteRefusal(file, name, text);
      log.warn(`refused ${name}: ${text}`);
      const go = 'Go to Line';
      const pick = await vscode.window.showWarningMessage(`Perf Lab: ${name} cannot be compiled to WebAssembly: ${text}`, go);
      if (pick === go) {
        const pos = new vscode.Position(Math.max(0, r.line - 1), Math.max(0, r.column - 1));
        await vscode.window.showTextDocument(uri, { selection: new vscode.Range(pos, pos) });
      }
      return;
    }
    deps.lenses.noteRefusal(file, name, undefined);
    const { session, recording, reused, proof } = outcome;
    const result = outcome.bench;
    deps.optimizeViews.show({
      ...session,
      data: {
        title: `Optimize: ${name}`,
        file,
        functionName: name,
        line: recording.line,
        recording: { calls: recording.calls.length, totalCalls: recording.totalCalls, recordedAt: recording.recordedAt, reused },
        wasmBytes: session.candidate.target === 'wasm' ? session.candidate.wasm.length : 0,
        target: session.candidate.target,
        proof: proofView(proof, name),
        ...(result ? { bench: benchView(result, outcome.multi, outcome.prediction) } : {}),
        canApply: proof.ok,
        applyNote: applyNote(proof, result),
      },
    });
  } catch (e) {
    reportFailure(log, e);
  }
}

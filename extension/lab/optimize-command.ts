// `Perf Lab: Optimize Function`: gathers what to optimize (the function, the settings), runs the optimize flow with
// progress and Cancel, then shows the Before/After panel. Refusals name the construct and its line, in a message and
// in the function's CodeLens. A .py file goes through the same flow, on the interpreter the file runs with.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { loadTypeScript } from '../compiler/frontend-js';
import { formatRefusal } from '../compiler/refusal';
import { OPT_INS, normalizeOptIns, type OptIn } from '../../native/opt-ins';
import { DEFAULT_WHOLE_PROGRAM_S, optimize, optimizeRequest, type OptimizeEvent, type OptimizeOutcome } from '../optimize/optimize';
import { dispatchReport } from '../bench/dispatch';
import { outlookReport, wholeProgramReport } from '../optimize/report';
import { TARGET_NAMES } from '../protocol';
import { targetsProse } from '../targets';
import { originalName } from '../languages';
import type { HotFunctionLenses } from './code-lens';
import { reportFailure, workspaceTrusted } from './command-helpers';
import { editorHistory } from './history';
import type { Log } from './log';
import { measuredLensAdvice } from './optimize-advice';
import { editorOptimizeInput } from './optimize-input';
import { functionAt, outcomePanel, type PanelContext, type PythonTargetOutcome, type TargetOutcome } from './optimize-data';
import type { OptimizeViews } from './optimize-panel';
import { pythonFunctionAt, pythonTargetSetting } from './optimize-python-command';
import { pythonInterpreter } from './python-interpreter';
import { withStageProgress } from './stage-progress';

export interface OptimizeCommandDeps {
  /** The extension's storage; recordings and builds are kept in it (the command line's --store). */
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

/** Runs `Perf Lab: Optimize Function`. */
export async function optimizeFunctionCommand(deps: OptimizeCommandDeps, arg: unknown): Promise<void> {
  const trusted = await workspaceTrusted(
    "Perf Lab did not optimize this function: it runs the program to record the function's real calls, and this folder is not trusted. Trust the folder (Manage Workspace Trust) if you trust its code, then optimize again.",
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
      const found = pythonFunctionAt(editor.document.getText(), editor.document.offsetAt(editor.selection.active));
      if (!found) return void vscode.window.showErrorMessage('Perf Lab: the cursor is not in a top-level def. Move it into the function to optimize.');
      uri = editor.document.uri;
      name = found;
    } else {
      if (!editor || editor.document.uri.scheme !== 'file' || !/\.[cm]?[jt]s$/i.test(editor.document.uri.fsPath)) {
        void vscode.window.showErrorMessage('Perf Lab: put the cursor in a function of a JavaScript or TypeScript file, then run Optimize Function.');
        return;
      }
      const ts = await loadTypeScript();
      const doc = editor.document;
      const found = functionAt(ts, doc.getText(), path.basename(doc.uri.fsPath), doc.offsetAt(editor.selection.active));
      if (!found) {
        void vscode.window.showErrorMessage(
          'Perf Lab: the cursor is not in a named function (a function declaration, a variable or property bound to a function, or a method). Move it into the function to optimize.',
        );
        return;
      }
      uri = doc.uri;
      name = found.name;
    }
  }
  return runOptimize(deps, uri, name, optIns);
}

/** The flow's events in the Perf Lab log. */
function logEvents(log: Log, name: string): (e: OptimizeEvent) => void {
  return (e) => {
    switch (e.type) {
      case 'recording-reused':
      case 'recorded':
        log.info(
          `${e.type === 'recorded' ? 'recorded' : 'reusing'} ${e.recording.calls.length} of ${e.recording.totalCalls} calls of ${name}${'runtimeVersion' in e.recording ? ` (${e.recording.runtimeVersion})` : ''}`,
        );
        if (e.outlook) log.info(outlookReport(e.outlook, name));
        return;
      case 'dispatch-outlook':
        for (const d of e.dispatch) log.info(dispatchReport(d, name));
        return;
      case 'unavailable':
        log.warn(`${name}: no ${TARGET_NAMES[e.target].name} version: ${e.reason}`);
        return;
      case 'proved':
        if (e.proof.ok) log.info(`${name}: the ${TARGET_NAMES[e.target].name} version is proven on ${e.proof.cases} cases`);
        else log.warn(`${name}: the ${TARGET_NAMES[e.target].name} version was not proven: ${e.proof.reason ?? ''}`);
        return;
      case 'benchmarked':
        for (const v of e.bench.variants)
          log.info(`${name} ${v.name}: median ${v.median.toPrecision(4)} ms per call (±${v.rme.toFixed(1)}%, ${v.samples} samples)`);
        for (const t of e.bench.targets) log.info(`${name} ${t.name}: ${t.recommendation}`);
        return;
      case 'predicted':
        log.info(`break-even model for ${name}: ${e.checked.story.text}`);
        return;
      case 'prediction-unavailable':
        log.warn(`the break-even model could not predict ${name}: ${e.reason}`);
        return;
      case 'whole-program':
        log.info(`${name}: ${wholeProgramReport(e.result, TARGET_NAMES[e.target].name).trimEnd()}`);
        return;
      default:
        return;
    }
  };
}

/** perfLab.parallel.engine (only where the user set it) and perfLab.parallel.workers, as the flow's input takes them. */
function parallelSettings(cfg: vscode.WorkspaceConfiguration): { parallelEngine?: string; parallelWorkers?: number } {
  const set = cfg.inspect<string>('parallel.engine');
  const engine = set?.workspaceFolderValue ?? set?.workspaceValue ?? set?.globalValue;
  const workers = cfg.get<number>('parallel.workers', 0);
  return { ...(engine ? { parallelEngine: engine } : {}), ...(workers > 0 ? { parallelWorkers: workers } : {}) };
}

/** Optimizes `name` in `uri` (the workspace is trusted: the caller checked) and shows the outcome. */
async function runOptimize(deps: OptimizeCommandDeps, uri: vscode.Uri, name: string, optIns: OptIn[]): Promise<void> {
  const { log } = deps;
  const doc = await vscode.workspace.openTextDocument(uri);
  if (doc.isDirty) await doc.save();
  const file = uri.fsPath;
  const source = doc.getText();
  const cfg = vscode.workspace.getConfiguration('perfLab', uri);
  const python = /\.py$/i.test(file);
  const interpreter = python ? await pythonInterpreter(uri) : undefined;
  const settings = {
    target: python ? pythonTargetSetting(cfg) : cfg.get<string>('target', 'wasm'),
    args: cfg.get<string[]>('args', []),
    timeoutS: cfg.get<number>('timeout', 60),
    benchmarkTimeS: cfg.get<number>('benchmarkTime', 1.5),
    wholeProgramS: cfg.get<number>('wholeProgramTime', DEFAULT_WHOLE_PROGRAM_S),
    nodePath: cfg.get<string>('nodePath', 'node'),
    ...(interpreter ? { pythonPath: interpreter.path } : {}),
    ...(python ? parallelSettings(cfg) : {}),
  };
  const request = optimizeRequest(editorOptimizeInput(file, name, deps.storage.fsPath, settings, optIns));
  log.info(
    `optimizing ${name} in ${file}${interpreter ? ` with ${interpreter.path} (${interpreter.from})` : ''} for ${request.targets.map((t) => TARGET_NAMES[t].name).join(', ')}${optIns.length > 0 ? ` (native opt-ins: ${optIns.join(', ')})` : ''}`,
  );
  try {
    const { withOptimizeHistory } = await import('../history/recorder');
    // When the recorded run says the whole program cannot gain, the user is told before anything is built; the run
    // goes on unless they stop it there.
    const stop = new AbortController();
    const logged = logEvents(log, name);
    const events = (e: OptimizeEvent) => {
      logged(e);
      if ((e.type === 'recorded' || e.type === 'recording-reused') && e.outlook && !e.outlook.helps) {
        const stopIt = 'Stop';
        void vscode.window.showWarningMessage(`Perf Lab: ${outlookReport(e.outlook, name)}`, stopIt).then((pick) => {
          if (pick === stopIt) stop.abort();
        });
      }
    };
    const outcome = await withStageProgress(`Perf Lab: optimizing ${name}`, (stage) =>
      withOptimizeHistory(editorHistory(log, uri), request, events, (events) =>
        optimize(request, {
          signal: AbortSignal.any([stage.signal, stop.signal]),
          progress: stage.progress,
          events,
          onOutput: (_s, text) => log.append(text),
        }),
      ),
    );
    if (outcome.kind === 'refused') {
      const r = outcome.refusal;
      const text = formatRefusal(r);
      deps.lenses.noteRefusal(file, name, text);
      log.warn(`refused ${name}: ${text}`);
      const go = 'Go to Line';
      const pick = await vscode.window.showWarningMessage(`Perf Lab: ${name} cannot be compiled to ${targetsProse(outcome.targets)}: ${text}`, go);
      if (pick === go) {
        const pos = new vscode.Position(Math.max(0, r.line - 1), Math.max(0, r.column - 1));
        await vscode.window.showTextDocument(uri, { selection: new vscode.Range(pos, pos) });
      }
      return;
    }
    deps.lenses.noteRefusal(file, name, undefined);
    showOutcome(deps, uri, source, outcome, { file, functionName: name, optIns, ...(interpreter ? { runtimeFrom: interpreter.from } : {}) });
  } catch (e) {
    reportFailure(log, e);
  }
}

/**
 * The Before/After panel of a finished run, for either language (optimize-data.ts outcomePanel); the lens shows what
 * was just measured without waiting for the next edit or save.
 */
function showOutcome(deps: OptimizeCommandDeps, uri: vscode.Uri, source: string, outcome: Extract<OptimizeOutcome, { kind: 'done' }>, ctx: PanelContext): void {
  const name = ctx.functionName;
  const panel = outcomePanel(outcome, ctx);
  const measured = measuredLensAdvice(panel.targets, originalName(outcome.language));
  deps.lenses.noteResult(uri.fsPath, name, measured ? { ...measured, source } : undefined);
  deps.optimizeViews.show({
    uri,
    source,
    functionName: name,
    outcomes: outcome.targets as (TargetOutcome | PythonTargetOutcome)[],
    ...(panel.chosen ? { chosen: panel.chosen } : {}),
    ...(outcome.language === 'python' ? { python: outcome.runtime.execPath } : {}),
    targets: panel.targets,
    data: panel.data,
  });
  if (!outcome.targets.some((o) => o.proof?.ok)) {
    void vscode.window.showWarningMessage(`Perf Lab: no rewrite of ${name} was proven equal to the original; the Before/After panel says why for each target.`);
  }
}

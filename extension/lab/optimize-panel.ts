// The Before/After panel of an optimized function (JavaScript against WebAssembly and native code, or CPython against
// Numba, Cython and pybind11): the proof, the benchmark and Apply, which writes the rewrite as one workspace edit
// (the generated files and the edit of the source), so that Undo reverts all of it.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ApplyPlan } from '../apply/apply';
import { PerfLabError, userMessage } from '../errors';
import { OPTIMIZE_VIEW_TYPE, TARGET_NAMES, type FromWebview, type OptimizeData, type TargetId, type TargetView, type ToWebview } from '../protocol';
import type { LensResult } from './code-lens';
import type { Log } from './log';
import { loadPage, NotedState, openSource, SharedPanel, showPageError } from './panels';
import type { PythonTargetOutcome, TargetOutcome } from './optimize-data';

/** One optimized function: what the panel shows and what Apply needs (`O`: its targets' outcomes, JavaScript's by default). */
export interface OptimizeSession<O extends TargetOutcome | PythonTargetOutcome = TargetOutcome> {
  uri: vscode.Uri;
  /** The source text the candidates were compiled from. */
  source: string;
  functionName: string;
  /** Each target asked for: its candidate and proof, or why it was not built. */
  outcomes: O[];
  /** The target Apply writes when the panel does not name one (the fastest proven). */
  chosen?: TargetId;
  /** The interpreter that runs a .py file (its Apply parses the file with it). */
  python?: string;
  /** Each target as the panel and the lens show it. */
  targets: TargetView[];
  data: OptimizeData;
}

/** Shows Before/After panels (one, reused) and applies the rewrite they show. */
export class OptimizeViews implements vscode.Disposable {
  private readonly host: SharedPanel;
  private session: OptimizeSession<TargetOutcome | PythonTargetOutcome> | undefined;
  /** After Apply: waits for the source to be back as it was (Undo), to offer Apply again. */
  private undoWatch: vscode.Disposable | undefined;

  /**
   * @param stateFile where the panel's data is noted each time it changes, so that a window reload can show it
   * again (the webview's own state reaches disk only when the workbench next saves).
   * @param lenses where an applied rewrite is noted, so the function's lens says so at once.
   */
  constructor(
    extensionUri: vscode.Uri,
    private readonly log: Log,
    stateFile?: string,
    private readonly lenses?: { noteResult(file: string, name: string, result: LensResult | undefined): void },
  ) {
    this.host = new SharedPanel(extensionUri, () => {
      this.session = undefined;
      this.stopWatchingUndo();
    });
    this.noted = new NotedState(stateFile, 'Before/After panel', log);
  }

  private readonly noted: NotedState<OptimizeData>;

  /** Opens (or reuses) the panel for a session. */
  show(session: OptimizeSession<TargetOutcome | PythonTargetOutcome>): void {
    this.session = session;
    this.stopWatchingUndo();
    const panel = this.host.open(OPTIMIZE_VIEW_TYPE, session.data.title, false);
    this.render(session.data);
    panel.reveal(undefined, false);
  }

  /**
   * Once the source is back to the text the rewrite was compiled from (Undo of the Apply), the panel shows what it
   * showed before Apply, with its Apply buttons: the candidates are still here, and Apply writes the files again.
   */
  private watchUndo(s: OptimizeSession<TargetOutcome | PythonTargetOutcome>, before: OptimizeData): void {
    this.stopWatchingUndo();
    const key = s.uri.toString();
    this.undoWatch = vscode.workspace.onDidChangeTextDocument((ev) => {
      if (ev.document.uri.toString() !== key || this.session !== s) return;
      const text = ev.document.getText();
      if (text.length !== s.source.length || text !== s.source) return;
      this.stopWatchingUndo();
      s.data = before;
      // The page again, not a message: a panel behind another tab would drop the message.
      this.render(before);
      this.log.info(`${s.functionName}: the Apply was undone; Apply is offered again`);
    });
  }

  private stopWatchingUndo(): void {
    this.undoWatch?.dispose();
    this.undoWatch = undefined;
  }

  /** Shows the Before/After panel again after a window reload, from its noted data: numbers kept, Apply needs a new run. */
  readonly serializer: vscode.WebviewPanelSerializer<unknown> = {
    deserializeWebviewPanel: async (panel) => {
      this.host.adopt(panel);
      panel.webview.options = this.host.options();
      const noted = this.noted.read();
      if (!noted?.proof) {
        showPageError(panel.webview, this.host, 'This Before/After panel was not saved. Run "Perf Lab: Optimize Function" again.');
        return;
      }
      const { restoredData } = await import('./optimize-data');
      this.render(restoredData(noted));
    },
  };

  private render(data: OptimizeData): void {
    const panel = this.host.panel;
    if (!panel) return;
    this.noted.note(data);
    panel.title = data.title;
    const webview = panel.webview;
    const initial: ToWebview = { type: 'optimize', data };
    const html = this.host.html(webview, { title: data.title, initial });
    this.host.listenTo(loadPage(webview, html, (msg) => this.onMessage(msg), this.log, 'Before/After panel'));
  }

  private post(msg: ToWebview): void {
    if (msg.type === 'optimize') this.noted.note(msg.data);
    if (this.host.panel) void this.host.panel.webview.postMessage(msg);
  }

  private onMessage(msg: FromWebview): void {
    switch (msg.type) {
      case 'ready':
        break;
      case 'apply':
        void this.apply(msg.target);
        break;
      case 'openSource':
        void openSource(msg.file, msg.line);
        break;
      case 'optimize':
        void vscode.commands.executeCommand('perfLab.optimizeFunction', {
          file: msg.file,
          name: msg.name,
          line: msg.line,
          ...(msg.optIns ? { optIns: msg.optIns } : {}),
        });
        break;
      case 'error':
        this.log.error(`Before/After panel: ${msg.message}`);
        break;
      default:
        // The flame graph's requests (subtrees, chart runs); this page sends none.
        this.log.warn(`the Before/After panel ignored a message meant for the flame graph: ${msg.type}`);
    }
  }

  /** Writes the rewrite of `target` (the chosen one when absent) as one workspace edit, saves the source, and offers to profile again. */
  private async apply(target?: TargetId): Promise<void> {
    const s = this.session;
    if (!s) return;
    const name = s.functionName;
    const which = target ?? s.chosen ?? s.outcomes.find((o) => o.proof?.ok)?.target ?? s.outcomes[0]?.target ?? 'wasm';
    const { targetIdName } = await import('./optimize-data');
    const as = TARGET_NAMES[which].prose;
    try {
      const outcome = s.outcomes.find((o) => o.target === which);
      if (!outcome?.candidate || !outcome.proof?.ok) throw new PerfLabError(`${name} is not proven equal to its ${as} version, so it cannot be applied.`);
      const doc = await vscode.workspace.openTextDocument(s.uri);
      if (doc.getText() !== s.source) {
        const note = `${path.basename(s.uri.fsPath)} changed since ${name} was optimized: run Optimize Function again.`;
        s.data = {
          ...s.data,
          canApply: false,
          applyNote: note,
          ...(s.data.targets ? { targets: s.data.targets.map((t) => ({ ...t, canApply: false, applyNote: note })) } : {}),
        };
        this.post({ type: 'optimize', data: s.data });
        void vscode.window.showWarningMessage(`Perf Lab: ${note}`);
        return;
      }
      const plan = await this.plan(s, outcome);
      const edit = new vscode.WorkspaceEdit();
      const meta: vscode.WorkspaceEditEntryMetadata = { label: `Perf Lab: run ${name} as ${as}`, needsConfirmation: false };
      // Only a Perf Lab file of this source is replaced (the plan checked each path); a file that appeared since makes the edit fail.
      for (const f of plan.files) edit.createFile(vscode.Uri.file(f.path), { overwrite: f.replaces, contents: f.contents }, meta);
      for (const e of plan.textEdits) edit.replace(s.uri, new vscode.Range(doc.positionAt(e.start), doc.positionAt(e.end)), e.text, meta);
      if (!(await vscode.workspace.applyEdit(edit)))
        throw new PerfLabError(`The editor did not apply the edit of ${path.basename(s.uri.fsPath)} (is the file read-only?)`);
      await doc.save();
      this.log.info(`applied: ${plan.summary}`);
      const view: Pick<TargetView, 'target' | 'name' | 'measured'> = s.targets.find((t) => t.target === which) ?? { target: which, name: targetIdName(which) };
      const { appliedLensAdvice } = await import('./optimize-advice');
      this.lenses?.noteResult(s.uri.fsPath, name, { ...appliedLensAdvice(view), source: doc.getText() });
      const before = s.data;
      const done = `Applied ${targetIdName(which)}. Undo in ${path.basename(s.uri.fsPath)} (Ctrl+Z, or Edit ▸ Undo) reverts the edit and removes the generated files.`;
      s.data = {
        ...s.data,
        canApply: false,
        applyNote: done,
        applied: { summary: plan.summary, files: plan.files.map((f) => path.basename(f.path)), target: which },
        ...(s.data.targets
          ? {
              targets: s.data.targets.map((t) => ({
                ...t,
                canApply: false,
                applyNote: t.target === which ? done : `${name} now runs as ${as}; Undo it first to apply ${t.name}.`,
              })),
            }
          : {}),
      };
      this.post({ type: 'optimize', data: s.data });
      this.watchUndo(s, before);
      // Profile again and compare with the profile before the rewrite (or offer to: perfLab.compareAfterApply).
      await vscode.commands.executeCommand('perfLab.compareAfterApply', {
        file: s.uri.fsPath,
        functionName: name,
        target: as,
        sourceBefore: s.source,
        sourceAfter: doc.getText(),
      });
    } catch (e) {
      const message = userMessage(e);
      this.log.error(message);
      void vscode.window.showErrorMessage(message.startsWith('Perf Lab') ? message : `Perf Lab: ${message}`);
    }
  }

  /** The edit that makes the function call its proven rewrite: the apply step the command line takes too. */
  private async plan(s: OptimizeSession<TargetOutcome | PythonTargetOutcome>, o: TargetOutcome | PythonTargetOutcome): Promise<ApplyPlan> {
    const { planApplyStep } = await import('../optimize/apply-step');
    return planApplyStep({
      file: s.uri.fsPath,
      source: s.source,
      functionName: s.functionName,
      candidate: o.candidate!,
      proof: o.proof!,
      ...(s.python ? { python: s.python } : {}),
    });
  }

  dispose(): void {
    this.stopWatchingUndo();
    this.host.dispose();
  }
}

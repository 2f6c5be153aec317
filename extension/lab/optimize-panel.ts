// The Before/After panel of an optimized function: the proof, the benchmark and Apply, which writes the rewrite as
// one workspace edit (the generated files and the edit of the source), so that Undo reverts all of it.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BenchResult } from '../bench/bench';
import type { Candidate } from '../compiler/compile';
import { PerfLabError, userMessage } from '../errors';
import type { Proof } from '../prove/prove';
import { OPTIMIZE_VIEW_TYPE, type FromWebview, type OptimizeData, type ToWebview } from '../protocol';
import { makeNonce, webviewHtml } from '../view/html';
import type { Log } from './log';

/** One optimized function: what the panel shows and what Apply needs. */
export interface OptimizeSession {
  uri: vscode.Uri;
  /** The source text the candidate was compiled from. */
  source: string;
  functionName: string;
  candidate: Candidate;
  proof: Proof;
  bench?: BenchResult;
  data: OptimizeData;
}

/** Shows Before/After panels (one, reused) and applies the rewrite they show. */
export class OptimizeViews implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private listen: vscode.Disposable | undefined;
  private session: OptimizeSession | undefined;
  private readonly distRoot: vscode.Uri;

  constructor(
    extensionUri: vscode.Uri,
    private readonly log: Log,
  ) {
    this.distRoot = vscode.Uri.joinPath(extensionUri, 'dist');
  }

  /** Opens (or reuses) the panel for a session. */
  show(session: OptimizeSession): void {
    this.session = session;
    const options = { enableScripts: true, localResourceRoots: [this.distRoot] };
    if (!this.panel) {
      const panel = vscode.window.createWebviewPanel(OPTIMIZE_VIEW_TYPE, session.data.title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, options);
      this.panel = panel;
      panel.onDidDispose(() => {
        if (this.panel !== panel) return;
        this.panel = undefined;
        this.listen?.dispose();
        this.listen = undefined;
        this.session = undefined;
      });
    }
    this.render(session.data);
    this.panel.reveal(undefined, false);
  }

  private render(data: OptimizeData): void {
    const panel = this.panel;
    if (!panel) return;
    panel.title = data.title;
    const webview = panel.webview;
    const scriptUri = webview.asWebviewUri(vscode.Uri.joinPath(this.distRoot, 'webview.js')).toString();
    const initial: ToWebview = { type: 'optimize', data };
    this.listen?.dispose();
    webview.html = webviewHtml({ scriptUri, cspSource: webview.cspSource, nonce: makeNonce(), title: data.title, initial });
    this.listen = webview.onDidReceiveMessage((msg: FromWebview) => this.onMessage(msg));
  }

  private post(msg: ToWebview): void {
    if (this.panel) void this.panel.webview.postMessage(msg);
  }

  private onMessage(msg: FromWebview): void {
    switch (msg.type) {
      case 'ready':
        break;
      case 'apply':
        void this.apply();
        break;
      case 'openSource':
        void vscode.window.showTextDocument(vscode.Uri.file(msg.file), { selection: new vscode.Range(msg.line - 1, 0, msg.line - 1, 0), viewColumn: vscode.ViewColumn.One });
        break;
      case 'optimize':
        void vscode.commands.executeCommand('perfLab.optimizeFunction', { file: msg.file, name: msg.name, line: msg.line });
        break;
      case 'error':
        this.log.error(`Before/After panel: ${msg.message}`);
        break;
      default: {
        const never: never = msg;
        this.log.warn(`unknown message from the Before/After panel: ${JSON.stringify(never)}`);
      }
    }
  }

  /** Writes the rewrite as one workspace edit, saves the source, and offers to profile again. */
  private async apply(): Promise<void> {
    const s = this.session;
    if (!s) return;
    const name = s.functionName;
    const as = s.candidate.target === 'native' ? 'native code' : 'WebAssembly';
    try {
      if (!s.proof.ok) throw new PerfLabError(`${name} is not proven equal to its ${as} version, so it cannot be applied.`);
      const doc = await vscode.workspace.openTextDocument(s.uri);
      if (doc.getText() !== s.source) {
        s.data = { ...s.data, canApply: false, applyNote: `${path.basename(s.uri.fsPath)} changed since ${name} was optimized: run Optimize Function again.` };
        this.post({ type: 'optimize', data: s.data });
        void vscode.window.showWarningMessage(`Perf Lab: ${s.data.applyNote}`);
        return;
      }
      const { planApply } = await import('../apply/apply');
      const plan = await planApply({ file: s.uri.fsPath, source: s.source, functionName: name, candidate: s.candidate, proof: s.proof });
      const edit = new vscode.WorkspaceEdit();
      const meta: vscode.WorkspaceEditEntryMetadata = { label: `Perf Lab: run ${name} as ${as}`, needsConfirmation: false };
      for (const f of plan.files) edit.createFile(vscode.Uri.file(f.path), { overwrite: true, contents: f.contents }, meta);
      for (const e of plan.textEdits) edit.replace(s.uri, new vscode.Range(doc.positionAt(e.start), doc.positionAt(e.end)), e.text, meta);
      if (!(await vscode.workspace.applyEdit(edit))) throw new PerfLabError(`The editor did not apply the edit of ${path.basename(s.uri.fsPath)} (is the file read-only?)`);
      await doc.save();
      this.log.info(`applied: ${plan.summary}`);
      s.data = {
        ...s.data,
        canApply: false,
        applyNote: `Applied. Undo in ${path.basename(s.uri.fsPath)} (Ctrl+Z, or Edit ▸ Undo) reverts the edit and removes the generated files.`,
        applied: { summary: plan.summary, files: plan.files.map((f) => path.basename(f.path)) },
      };
      this.post({ type: 'optimize', data: s.data });
      // Profile again and compare with the profile before the rewrite (or offer to: perfLab.compareAfterApply).
      await vscode.commands.executeCommand('perfLab.compareAfterApply', { file: s.uri.fsPath, functionName: name, target: as, sourceBefore: s.source, sourceAfter: doc.getText() });
    } catch (e) {
      const message = userMessage(e);
      this.log.error(message);
      void vscode.window.showErrorMessage(message.startsWith('Perf Lab') ? message : `Perf Lab: ${message}`);
    }
  }

  dispose(): void {
    this.listen?.dispose();
    this.panel?.dispose();
  }
}

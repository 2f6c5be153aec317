// The flame graph panel: one webview reused for every profile, restored after a window reload,
// and the same view as a read-only custom editor for .cpuprofile files.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { PerfLabError, userMessage } from '../errors';
import { FlameSession, toFlameGraphData } from '../profile/flame-data';
import { detectFormat, readProfile } from '../profile/import';
import type { Profile } from '../profile/model';
import { FLAME_VIEW_TYPE, type FlameGraphData, type FromWebview, type ToWebview, type WebviewState } from '../protocol';
import { makeNonce, webviewHtml } from '../view/html';
import type { Log } from './log';

/**
 * Reads a profile file of any format; cProfile/pstats files only in a trusted folder, with the folder's perfLab.pythonPath.
 * @param purpose what the refusal in an untrusted folder says the trust is for ("open", "compare").
 */
export async function readProfileFile(file: string, purpose: string): Promise<Profile> {
  let pythonPath: string | undefined;
  if (detectFormat(file, '') === 'pstats') {
    // pstats files are read by the user's Python (marshal), which is not meant for untrusted data.
    if (!vscode.workspace.isTrusted) throw new PerfLabError(`${path.basename(file)} is a cProfile/pstats file, which Perf Lab reads with Python; it does so only in a trusted folder. Trust the folder (Manage Workspace Trust) to ${purpose} it.`);
    pythonPath = vscode.workspace.getConfiguration('perfLab', vscode.Uri.file(file)).get<string>('pythonPath') || undefined;
  }
  return readProfile(file, pythonPath ? { pythonPath } : {});
}

/** Typed messages to one webview. */
function post(webview: vscode.Webview, msg: ToWebview): void {
  void webview.postMessage(msg);
}

/** Shows profiles in webviews: the shared panel, restored panels and custom editors. */
export class FlameViews implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private readonly distRoot: vscode.Uri;

  /**
   * @param panelStateFile where the shared panel's profile is noted as soon as it is shown: the webview's own
   * state reaches disk only when the workbench next saves, which a reload soon after a profile can outrun.
   */
  constructor(
    extensionUri: vscode.Uri,
    private readonly log: Log,
    private readonly panelStateFile: string,
  ) {
    this.distRoot = vscode.Uri.joinPath(extensionUri, 'dist');
  }

  private options(): vscode.WebviewOptions {
    return { enableScripts: true, localResourceRoots: [this.distRoot] };
  }

  /** Fills a webview with the flame graph page, the data injected, and wires its messages. */
  private attach(webview: vscode.Webview, title: string, data: FlameGraphData | undefined, error?: string): vscode.Disposable {
    webview.options = this.options();
    const scriptUri = webview.asWebviewUri(vscode.Uri.joinPath(this.distRoot, 'webview.js')).toString();
    // The session holds the full tree and timeline; the page gets what it draws and asks for more as it zooms.
    const session = data ? new FlameSession(data) : undefined;
    const sent = session?.initial();
    webview.html = webviewHtml({ scriptUri, cspSource: webview.cspSource, nonce: makeNonce(), title, ...(sent ? { data: sent } : {}), ...(error ? { error } : {}) });
    return webview.onDidReceiveMessage((msg: FromWebview) => this.onMessage(msg, webview, session));
  }

  private onMessage(msg: FromWebview, webview: vscode.Webview, session: FlameSession | undefined): void {
    switch (msg.type) {
      case 'ready':
        break;
      case 'subtree': {
        const node = session?.subtree(msg.id, msg.minTotal);
        if (node) post(webview, { type: 'subtree', id: msg.id, node });
        else this.log.warn(`the flame graph asked for a subtree this panel does not have (${msg.id})`);
        break;
      }
      case 'sandwich': {
        if (session) post(webview, { type: 'sandwich', request: msg.request, ...session.sandwich(msg) });
        break;
      }
      case 'chartRuns': {
        const runs = session?.chart(msg.from, msg.to, msg.width);
        if (runs) post(webview, { type: 'chartRuns', request: msg.request, runs });
        break;
      }
      case 'openSource':
        void this.openSource(msg.file, msg.line, msg.column);
        break;
      case 'error':
        this.log.error(`flame graph: ${msg.message}`);
        break;
      case 'optimize':
        void vscode.commands.executeCommand('perfLab.optimizeFunction', { file: msg.file, name: msg.name, line: msg.line });
        break;
      case 'apply':
        this.log.warn('the flame graph asked to apply a rewrite; only the Before/After panel can');
        break;
      default: {
        const never: never = msg;
        this.log.warn(`unknown message from the flame graph: ${JSON.stringify(never)}`);
      }
    }
  }

  private async openSource(file: string, line: number, column: number): Promise<void> {
    if (!path.isAbsolute(file)) {
      void vscode.window.showInformationMessage(`Perf Lab: ${file} is not a file on this machine (it is part of the runtime), so there is no source to open.`);
      return;
    }
    try {
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
      const pos = new vscode.Position(Math.max(0, line - 1), Math.max(0, column - 1));
      await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, selection: new vscode.Range(pos, pos) });
    } catch {
      void vscode.window.showWarningMessage(`Perf Lab: cannot open ${file}: it does not exist on this machine any more.`);
    }
  }

  /** Shows data in the shared panel, creating it beside the editor if needed. */
  show(data: FlameGraphData): void {
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel(FLAME_VIEW_TYPE, data.title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, this.options());
      this.adopt(this.panel);
    }
    this.panel.title = data.title;
    this.notePanelState({ ...(data.source ? { source: data.source } : {}), title: data.title });
    this.listen?.dispose();
    this.listen = this.attach(this.panel.webview, data.title, data);
    this.panel.reveal(undefined, true);
  }

  private listen: vscode.Disposable | undefined;

  private notePanelState(state: WebviewState): void {
    try {
      mkdirSync(path.dirname(this.panelStateFile), { recursive: true });
      writeFileSync(this.panelStateFile, JSON.stringify(state));
    } catch (e) {
      this.log.warn(`could not note the flame graph's state: ${userMessage(e)}`);
    }
  }

  private notedPanelState(): WebviewState | undefined {
    try {
      return JSON.parse(readFileSync(this.panelStateFile, 'utf8')) as WebviewState;
    } catch {
      return undefined;
    }
  }

  /** Asks the shared panel to highlight a function; false when there is no panel. */
  reveal(name: string, file?: string): boolean {
    if (!this.panel) return false;
    this.panel.reveal(undefined, true);
    post(this.panel.webview, { type: 'reveal', name, ...(file ? { file } : {}) });
    return true;
  }

  private adopt(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    panel.onDidDispose(() => {
      if (this.panel === panel) {
        this.panel = undefined;
        this.listen?.dispose();
        this.listen = undefined;
      }
    });
  }

  /** Reads a profile file and turns it into panel data. */
  private async load(file: string, title?: string): Promise<FlameGraphData> {
    const profile = await readProfileFile(file, 'open');
    return toFlameGraphData(profile, { title: title ?? path.basename(file), source: file });
  }

  /** Restores a panel after a window reload from the profile file its state names. */
  readonly serializer: vscode.WebviewPanelSerializer<WebviewState> = {
    deserializeWebviewPanel: async (panel, state) => {
      this.adopt(panel);
      // The shared panel is the one whose profile was noted last; the webview's state is the fallback.
      const noted = this.notedPanelState();
      if (noted?.source) state = noted;
      const source = state?.source;
      if (!source) {
        this.listen = this.attach(panel.webview, 'Perf Lab', undefined, 'This flame graph was not saved. Profile the file again with "Perf Lab: Profile File".');
        return;
      }
      try {
        const data = await this.load(source, state.title);
        panel.title = data.title;
        this.listen = this.attach(panel.webview, data.title, data);
      } catch (e) {
        this.listen = this.attach(panel.webview, 'Perf Lab', undefined, `The profile behind this panel could not be read again: ${userMessage(e)}`);
      }
    },
  };

  /** Opens .cpuprofile and cProfile/pstats files in the flame graph. */
  readonly cpuprofileEditor: vscode.CustomReadonlyEditorProvider = {
    openCustomDocument: (uri) => ({ uri, dispose: () => {} }),
    resolveCustomEditor: async (doc, panel) => {
      const name = path.basename(doc.uri.fsPath);
      let disposable: vscode.Disposable;
      try {
        if (doc.uri.scheme !== 'file') throw new PerfLabError(`${name} is not on this machine's disk; Perf Lab opens .cpuprofile files from local folders.`);
        const data = await this.load(doc.uri.fsPath, name);
        disposable = this.attach(panel.webview, name, data);
      } catch (e) {
        const message = userMessage(e);
        this.log.error(message);
        void vscode.window.showErrorMessage(message);
        disposable = this.attach(panel.webview, name, undefined, message);
      }
      panel.onDidDispose(() => disposable.dispose());
    },
  };

  dispose(): void {
    this.listen?.dispose();
    this.panel?.dispose();
  }
}

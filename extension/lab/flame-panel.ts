// The flame graph panel: one webview reused for every profile, restored after a window reload,
// and the same view as a read-only custom editor for .cpuprofile files.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { PerfLabError, userMessage } from '../errors';
import { FlameSession, toFlameGraphData } from '../profile/flame-data';
import { detectFormat, readProfile } from '../profile/import';
import type { Profile } from '../profile/model';
import { FLAME_VIEW_TYPE, type FlameGraphData, type FromWebview, type ToWebview, type WebviewState } from '../protocol';
import type { Log } from './log';
import { loadPage, NotedState, openSource, SharedPanel } from './panels';

/**
 * Reads a profile file of any format; cProfile/pstats files only in a trusted folder, with the folder's perfLab.pythonPath.
 * @param purpose what the refusal in an untrusted folder says the trust is for ("open", "compare").
 */
export async function readProfileFile(file: string, purpose: string): Promise<Profile> {
  let pythonPath: string | undefined;
  if (detectFormat(file, '') === 'pstats') {
    // pstats files are read by the user's Python (marshal), which is not meant for untrusted data.
    if (!vscode.workspace.isTrusted)
      throw new PerfLabError(
        `${path.basename(file)} is a cProfile/pstats file, which Perf Lab reads with Python; it does so only in a trusted folder. Trust the folder (Manage Workspace Trust) to ${purpose} it.`,
      );
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
  private readonly host: SharedPanel;

  /**
   * @param panelStateFile where the shared panel's profile is noted as soon as it is shown: the webview's own
   * state reaches disk only when the workbench next saves, which a reload soon after a profile can outrun.
   */
  constructor(
    extensionUri: vscode.Uri,
    private readonly log: Log,
    panelStateFile: string,
  ) {
    this.host = new SharedPanel(extensionUri);
    this.noted = new NotedState(panelStateFile, 'flame graph', log);
  }

  private readonly noted: NotedState<WebviewState>;

  /** Fills a webview with the flame graph page, the data injected, and wires its messages. */
  private attach(webview: vscode.Webview, title: string, data: FlameGraphData | undefined, error?: string): vscode.Disposable {
    webview.options = this.host.options();
    // The session holds the full tree and timeline; the page gets what it draws and asks for more as it zooms.
    const session = data ? new FlameSession(data) : undefined;
    const sent = session?.initial();
    const html = this.host.html(webview, { title, ...(sent ? { data: sent } : {}), ...(error ? { error } : {}) });
    return loadPage(webview, html, (msg) => this.onMessage(msg, webview, session), this.log, 'flame graph');
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
        void openSource(msg.file, msg.line, msg.column);
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
      case 'historyOpen':
      case 'historyText':
        this.log.warn(`the flame graph sent a message of the History view: ${msg.type}`);
        break;
      default: {
        const never: never = msg;
        this.log.warn(`unknown message from the flame graph: ${JSON.stringify(never)}`);
      }
    }
  }

  /** Shows data in the shared panel, creating it beside the editor if needed. */
  show(data: FlameGraphData): void {
    const panel = this.host.open(FLAME_VIEW_TYPE, data.title, true);
    panel.title = data.title;
    this.noted.note({ ...(data.source ? { source: data.source } : {}), title: data.title });
    this.host.listenTo(this.attach(panel.webview, data.title, data));
    panel.reveal(undefined, true);
  }

  /** Asks the shared panel to highlight a function; false when there is no panel. */
  reveal(name: string, file?: string): boolean {
    const panel = this.host.panel;
    if (!panel) return false;
    panel.reveal(undefined, true);
    post(panel.webview, { type: 'reveal', name, ...(file ? { file } : {}) });
    return true;
  }

  /** Reads a profile file and turns it into panel data. */
  private async load(file: string, title?: string): Promise<FlameGraphData> {
    const profile = await readProfileFile(file, 'open');
    return toFlameGraphData(profile, { title: title ?? path.basename(file), source: file });
  }

  /** Restores a panel after a window reload from the profile file its state names. */
  readonly serializer: vscode.WebviewPanelSerializer<WebviewState> = {
    deserializeWebviewPanel: async (panel, state) => {
      this.host.adopt(panel);
      // The shared panel is the one whose profile was noted last; the webview's state is the fallback.
      const noted = this.noted.read();
      if (noted?.source) state = noted;
      const source = state?.source;
      if (!source) {
        this.host.listenTo(
          this.attach(panel.webview, 'Perf Lab', undefined, 'This flame graph was not saved. Profile the file again with "Perf Lab: Profile File".'),
        );
        return;
      }
      try {
        const data = await this.load(source, state.title);
        panel.title = data.title;
        this.host.listenTo(this.attach(panel.webview, data.title, data));
      } catch (e) {
        this.host.listenTo(this.attach(panel.webview, 'Perf Lab', undefined, `The profile behind this panel could not be read again: ${userMessage(e)}`));
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
    this.host.dispose();
  }
}

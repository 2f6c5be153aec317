// The comparison panel: one webview (reused) with the differential flame graph and the table of changes; while it is
// open, the editor shows the comparison's Δ CodeLenses.
import * as vscode from 'vscode';
import type { ProfileDiff } from '../profile/diff';
import { DIFF_VIEW_TYPE, type DiffGraphData, type FromWebview } from '../protocol';
import { makeNonce, webviewHtml } from '../view/html';
import { CompareLenses } from './compare-lens';
import type { Log } from './log';

/** Shows comparisons of two profiles and keeps their CodeLenses. */
export class CompareViews implements vscode.Disposable {
  /** The Δ lenses of the comparison shown; register it as a CodeLens provider. */
  readonly lenses = new CompareLenses();
  private panel: vscode.WebviewPanel | undefined;
  private listen: vscode.Disposable | undefined;
  private readonly distRoot: vscode.Uri;

  constructor(
    extensionUri: vscode.Uri,
    private readonly log: Log,
  ) {
    this.distRoot = vscode.Uri.joinPath(extensionUri, 'dist');
  }

  /** Opens (or reuses) the panel beside the editor, keeping the focus where it is, and shows the comparison's lenses. */
  show(data: DiffGraphData, diff: ProfileDiff): void {
    const options = { enableScripts: true, localResourceRoots: [this.distRoot] };
    if (!this.panel) {
      const panel = vscode.window.createWebviewPanel(DIFF_VIEW_TYPE, data.title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, options);
      this.panel = panel;
      panel.onDidDispose(() => {
        if (this.panel !== panel) return;
        this.panel = undefined;
        this.listen?.dispose();
        this.listen = undefined;
        this.lenses.set(undefined);
      });
    }
    const panel = this.panel;
    panel.title = data.title;
    const webview = panel.webview;
    const scriptUri = webview.asWebviewUri(vscode.Uri.joinPath(this.distRoot, 'webview.js')).toString();
    this.listen?.dispose();
    webview.html = webviewHtml({ scriptUri, cspSource: webview.cspSource, nonce: makeNonce(), title: data.title, initial: { type: 'diff', data } });
    this.listen = webview.onDidReceiveMessage((msg: FromWebview) => this.onMessage(msg));
    this.lenses.set(diff);
    panel.reveal(undefined, true);
  }

  /** Brings the open comparison forward; false when none is open. */
  reveal(): boolean {
    this.panel?.reveal(undefined, false);
    return this.panel !== undefined;
  }

  private onMessage(msg: FromWebview): void {
    switch (msg.type) {
      case 'ready':
        break;
      case 'openSource': {
        const pos = new vscode.Position(Math.max(0, msg.line - 1), 0);
        void vscode.window.showTextDocument(vscode.Uri.file(msg.file), { viewColumn: vscode.ViewColumn.One, selection: new vscode.Range(pos, pos) }).then(undefined, () => {
          void vscode.window.showWarningMessage(`Perf Lab: cannot open ${msg.file}: it does not exist on this machine any more.`);
        });
        break;
      }
      case 'error':
        this.log.error(`comparison panel: ${msg.message}`);
        break;
      default:
        // The other panels' requests (optimize, apply, subtrees); this page sends none.
        this.log.warn(`the comparison panel ignored a message meant for another panel: ${msg.type}`);
    }
  }

  dispose(): void {
    this.listen?.dispose();
    this.panel?.dispose();
    this.lenses.dispose();
  }
}

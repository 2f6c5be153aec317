// The comparison panel: one webview (reused) with the differential flame graph and the table of changes; while it is
// open, the editor shows the comparison's Δ CodeLenses. A window reload brings both back.
import * as vscode from 'vscode';
import type { LineDelta, ProfileDiff } from '../profile/diff';
import { DIFF_VIEW_TYPE, type DiffGraphData, type FromWebview } from '../protocol';
import { CompareLenses, type LensDiff } from './compare-lens';
import type { Log } from './log';
import { loadPage, NotedState, openSource, SharedPanel, showPageError } from './panels';

/** What a reload needs to show a comparison again: the page's data and what its lenses read (as JSON: lines as entries). */
interface NotedComparison {
  data: DiffGraphData;
  lenses: Omit<LensDiff, 'lines'> & { lines: [string, LineDelta[]][] };
}

/** Shows comparisons of two profiles and keeps their CodeLenses. */
export class CompareViews implements vscode.Disposable {
  /** The Δ lenses of the comparison shown; register it as a CodeLens provider. */
  readonly lenses = new CompareLenses();
  private readonly host: SharedPanel;
  private readonly noted: NotedState<NotedComparison>;

  /** @param stateFile where the comparison shown is noted, for a window reload. */
  constructor(
    extensionUri: vscode.Uri,
    private readonly log: Log,
    stateFile?: string,
  ) {
    this.host = new SharedPanel(extensionUri, () => this.lenses.set(undefined));
    this.noted = new NotedState(stateFile, 'comparison panel', log);
  }

  /** Opens (or reuses) the panel beside the editor, keeping the focus where it is, and shows the comparison's lenses. */
  show(data: DiffGraphData, diff: ProfileDiff): void {
    const panel = this.host.open(DIFF_VIEW_TYPE, data.title, true);
    this.noted.note({ data, lenses: { before: diff.before, after: diff.after, functions: diff.functions, lines: [...diff.lines] } });
    this.render(data, diff);
    panel.reveal(undefined, true);
  }

  private render(data: DiffGraphData, diff: LensDiff): void {
    const panel = this.host.panel!;
    panel.title = data.title;
    const webview = panel.webview;
    const html = this.host.html(webview, { title: data.title, initial: { type: 'diff', data } });
    this.host.listenTo(loadPage(webview, html, (msg) => this.onMessage(msg), this.log, 'comparison panel'));
    this.lenses.set(diff);
  }

  /** Shows the comparison again after a window reload, with its Δ lenses, from the noted data. */
  readonly serializer: vscode.WebviewPanelSerializer<unknown> = {
    deserializeWebviewPanel: async (panel) => {
      this.host.adopt(panel);
      panel.webview.options = this.host.options();
      const noted = this.noted.read();
      if (noted?.data && noted.lenses) this.render(noted.data, { ...noted.lenses, lines: new Map(noted.lenses.lines) });
      else showPageError(panel.webview, this.host, 'This comparison was not saved. Run "Perf Lab: Compare Profiles" again.');
    },
  };

  /** Brings the open comparison forward; false when none is open. */
  reveal(): boolean {
    this.host.panel?.reveal(undefined, false);
    return this.host.panel !== undefined;
  }

  private onMessage(msg: FromWebview): void {
    switch (msg.type) {
      case 'ready':
        break;
      case 'openSource':
        void openSource(msg.file, msg.line);
        break;
      case 'error':
        this.log.error(`comparison panel: ${msg.message}`);
        break;
      default:
        // The other panels' requests (optimize, apply, subtrees); this page sends none.
        this.log.warn(`the comparison panel ignored a message meant for another panel: ${msg.type}`);
    }
  }

  dispose(): void {
    this.host.dispose();
    this.lenses.dispose();
  }
}

// Perf Lab: Show History: a function's (or a file's) stored measurements as a chart in one reused webview beside the
// code, drawn again after each saved run. A point opens the stored profile of its code version in the flame graph, or
// compares it with the previous version's in the differential flame graph (profiles are stored once by content hash;
// the one opened is written out under the history's folder, so that the flame graph can read it again after a reload).
// The history as text stays a button away (Copy as Text, Open as Text), as `perf-lab history` prints it.
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { PerfLabError, userMessage } from '../errors';
import { HISTORY_VIEW_TYPE, type FromWebview, type HistoryData, type HistoryPointView, type ToWebview } from '../protocol';
import type { CompareViews } from './compare-panel';
import { readProfileFile, type FlameViews } from './flame-panel';
import { historyFolder } from './history';
import type { Log } from './log';
import { loadPage, NotedState, openSource, SharedPanel, showPageError } from './panels';

/** What the panel shows: a file, and one of its functions (or all). */
interface Shown {
  file: string;
  functionName?: string;
}

const UNTRUSTED = 'the history is read with git, which runs what the repository configures: trust this folder (Manage Workspace Trust) to see it';

/** Reads the history of `shown` from the workspace's store, with the profiles stored of the file. */
async function readHistory(shown: Shown, log: Log): Promise<HistoryData> {
  // The code's identity asks git, which runs what a repository's own configuration names (core.fsmonitor…).
  if (!vscode.workspace.isTrusted) throw new PerfLabError(UNTRUSTED);
  const folder = historyFolder();
  const [{ HistoryStore }, { codeIdentity }, { functionHistory }, { historyData }] = await Promise.all([
    import('../history/store'),
    import('../history/identity'),
    import('../history/report'),
    import('../history/chart-data'),
  ]);
  const shownFile = vscode.workspace.asRelativePath(vscode.Uri.file(shown.file));
  const key = (await codeIdentity(shown.file, '')).key;
  const o = { file: shown.file, shownFile, ...(shown.functionName !== undefined ? { functionName: shown.functionName } : {}) };
  if (!folder) return historyData(functionHistory(key, []), [], o);
  const store = new HistoryStore(folder, (n) => log.warn(n.message));
  const [rows, profiles] = await Promise.all([store.measurements(key, shown.functionName), store.profiles(key)]);
  return historyData(functionHistory(key, rows), profiles, o);
}

export class HistoryViews implements vscode.Disposable {
  private readonly host: SharedPanel;
  private readonly noted: NotedState<Shown>;
  private shown: Shown | undefined;
  private data: HistoryData | undefined;

  constructor(
    extensionUri: vscode.Uri,
    private readonly log: Log,
    private readonly views: { flame: FlameViews; compare: CompareViews },
    stateFile?: string,
  ) {
    this.host = new SharedPanel(extensionUri, () => {
      this.shown = undefined;
      this.data = undefined;
    });
    this.noted = new NotedState(stateFile, 'history panel', log);
  }

  /** Perf Lab: Show History: the history of a function (or the file's, from the palette) beside the code. */
  async show(arg?: unknown, fn?: unknown): Promise<void> {
    const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    if (!uri || uri.scheme !== 'file') {
      void vscode.window.showErrorMessage('Perf Lab: open a source file to see the history of its functions.');
      return;
    }
    const shown: Shown = { file: uri.fsPath, ...(typeof fn === 'string' && fn !== '' ? { functionName: fn } : {}) };
    try {
      const data = await readHistory(shown, this.log);
      const panel = this.host.open(HISTORY_VIEW_TYPE, data.title, true);
      this.noted.note(shown);
      this.render(shown, data);
      panel.reveal(undefined, true);
    } catch (e) {
      const message = `Perf Lab could not read the history of ${vscode.workspace.asRelativePath(uri)}: ${userMessage(e)}`;
      this.log.error(message);
      void vscode.window.showErrorMessage(message);
    }
  }

  private render(shown: Shown, data: HistoryData): void {
    const panel = this.host.panel!;
    this.shown = shown;
    this.data = data;
    panel.title = data.title;
    const html = this.host.html(panel.webview, { title: data.title, initial: { type: 'history', data } });
    this.host.listenTo(loadPage(panel.webview, html, (msg) => void this.onMessage(msg), this.log, 'history panel'));
  }

  /** Draws the open history again (a run was saved). */
  async refresh(): Promise<void> {
    const shown = this.shown;
    const panel = this.host.panel;
    if (!shown || !panel) return;
    try {
      this.data = await readHistory(shown, this.log);
      void panel.webview.postMessage({ type: 'history', data: this.data } satisfies ToWebview);
    } catch (e) {
      this.log.warn(`the history panel could not read the history again: ${userMessage(e)}`);
    }
  }

  /** Shows the history again after a window reload, read afresh from the store. */
  readonly serializer: vscode.WebviewPanelSerializer<unknown> = {
    deserializeWebviewPanel: async (panel) => {
      this.host.adopt(panel);
      panel.webview.options = this.host.options();
      const shown = this.noted.read();
      if (!shown?.file) {
        showPageError(panel.webview, this.host, 'This history was not saved. Run "Perf Lab: Show History" again.');
        return;
      }
      try {
        this.render(shown, await readHistory(shown, this.log));
      } catch (e) {
        showPageError(panel.webview, this.host, `The history could not be read again: ${userMessage(e)}`);
      }
    },
  };

  private point(entity: number): HistoryPointView | undefined {
    return this.data?.series.flatMap((s) => s.points).find((p) => p.entity === entity);
  }

  /** Writes a stored profile out (once) under the history's folder and returns its file. */
  private async profileFile(hash: string): Promise<string> {
    const folder = historyFolder();
    if (!folder) throw new Error('the history is not open yet');
    const file = path.join(folder, 'profiles', `history-${hash.slice(0, 16)}.cpuprofile`);
    const { HistoryStore } = await import('../history/store');
    const bytes = await new HistoryStore(folder, (n) => this.log.warn(n.message)).blob(hash);
    if (!bytes) throw new Error(`the profile ${hash.slice(0, 12)} is no longer in the history`);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, bytes);
    return file;
  }

  private async open(entity: number, action: 'profile' | 'compare'): Promise<void> {
    const p = this.point(entity);
    const data = this.data;
    if (!p || !data) return;
    const base = path.basename(data.file);
    try {
      if (!p.profile) {
        void vscode.window.showInformationMessage(
          `Perf Lab: no profile of ${base} at ${p.version} is stored. Profile File on that version of the code stores one.`,
        );
        return;
      }
      const { toFlameGraphData } = await import('../profile/flame-data');
      const after = await this.profileFile(p.profile);
      if (action === 'profile' || !p.previousProfile) {
        const profile = await readProfileFile(after, 'open');
        this.views.flame.show(toFlameGraphData(profile, { title: `Profile: ${base} at ${p.version}`, source: after }));
        return;
      }
      const before = await this.profileFile(p.previousProfile);
      const { diffProfiles, toDiffGraphData } = await import('../profile/diff');
      const [pb, pa] = await Promise.all([readProfileFile(before, 'compare'), readProfileFile(after, 'compare')]);
      const diff = diffProfiles(pb, pa);
      const sides = { before: { label: `${base} at ${p.previousVersion}`, source: before }, after: { label: `${base} at ${p.version}`, source: after } };
      this.views.compare.show(toDiffGraphData(diff, { title: `Compare: ${sides.before.label} → ${sides.after.label}`, ...sides }), diff);
    } catch (e) {
      const message = `Perf Lab could not open the profile of ${base} at ${p.version}: ${userMessage(e)}`;
      this.log.error(message);
      void vscode.window.showErrorMessage(message);
    }
  }

  private async onMessage(msg: FromWebview): Promise<void> {
    switch (msg.type) {
      case 'ready':
        break;
      case 'historyOpen':
        await this.open(msg.entity, msg.action);
        break;
      case 'historyText': {
        const text = this.data?.text ?? '';
        if (msg.action === 'copy') {
          await vscode.env.clipboard.writeText(text);
          void vscode.window.showInformationMessage('Perf Lab: the history was copied as text.');
        } else {
          const doc = await vscode.workspace.openTextDocument({ content: text, language: 'plaintext' });
          await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
        }
        break;
      }
      case 'openSource':
        void openSource(msg.file, msg.line, msg.column);
        break;
      case 'error':
        this.log.error(`history panel: ${msg.message}`);
        break;
      default:
        this.log.warn(`the history panel ignored a message meant for another panel: ${msg.type}`);
    }
  }

  dispose(): void {
    this.host.dispose();
  }
}

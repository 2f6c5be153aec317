// The history in the editor: a CodeLens above each function whose latest change between versions of the code was
// flagged ("▲ 23 % slower than at abc1234 (p < 0.01)"), which opens the function's History chart (history-panel.ts).
// The store is read only when the history file changed since the last read.
import { stat } from 'node:fs/promises';
import * as vscode from 'vscode';
import type { FunctionHistory } from '../history/report';
import { historyFolder } from './history';
import type { Log } from './log';

interface Cached {
  mtimeMs: number;
  history: FunctionHistory;
}

export class HistoryLenses implements vscode.CodeLensProvider {
  private readonly cache = new Map<string, Cached>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly log: Log) {}

  /** Re-reads the store for the open editors (after a run was saved). */
  refresh(): void {
    this.changed.fire();
  }

  /** The stored history of a file, read again only when the store's file changed. */
  async historyOf(file: string, source?: string): Promise<FunctionHistory | undefined> {
    const folder = historyFolder();
    // The code's identity asks git, which runs what a repository's own configuration names: trusted folders only.
    if (!folder || !vscode.workspace.isTrusted) return undefined;
    const [{ HistoryStore, historyFile }, { codeIdentity }, { functionHistory }] = await Promise.all([
      import('../history/store'),
      import('../history/identity'),
      import('../history/report'),
    ]);
    const mtimeMs = (await stat(historyFile(folder)).catch(() => undefined))?.mtimeMs;
    if (mtimeMs === undefined) return undefined;
    const key = (await codeIdentity(file, '', source)).key;
    const cached = this.cache.get(key);
    if (cached && cached.mtimeMs === mtimeMs) return cached.history;
    const history = functionHistory(key, await new HistoryStore(folder, (n) => this.log.warn(n.message)).measurements(key));
    this.cache.set(key, { mtimeMs, history });
    return history;
  }

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    try {
      const history = await this.historyOf(doc.uri.fsPath, doc.getText());
      if (!history) return [];
      const [{ functionStart }, { latestFlags }] = await Promise.all([import('../history/identity'), import('../history/report')]);
      const lenses: vscode.CodeLens[] = [];
      for (const [fn, text] of latestFlags(history)) {
        const start = await functionStart(doc.getText(), doc.uri.fsPath, fn);
        if (start === undefined) continue;
        const range = new vscode.Range(doc.positionAt(start), doc.positionAt(start));
        lenses.push(new vscode.CodeLens(range, { title: text, command: 'perfLab.showHistory', arguments: [doc.uri, fn] }));
      }
      return lenses;
    } catch (e) {
      this.log.warn(`Perf Lab could not read the history of ${doc.uri.fsPath}: ${e instanceof Error ? e.message : String(e)}`);
      return [];
    }
  }
}

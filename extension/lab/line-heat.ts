// Line heat: a background on each profiled line, stronger where more self time was spent.
import * as vscode from 'vscode';
import { formatShare, formatWeight } from './format';
import type { ProfileStore } from './profile-store';

const LEVELS = 8;

/** Paints line backgrounds in visible editors from the latest profile; toggled by a setting. */
export class LineHeat implements vscode.Disposable {
  private readonly levels: vscode.TextEditorDecorationType[];
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly store: ProfileStore) {
    this.levels = Array.from({ length: LEVELS }, (_, i) => {
      const alpha = (0.08 + (0.42 * (i + 1)) / LEVELS).toFixed(2);
      return vscode.window.createTextEditorDecorationType({
        isWholeLine: true,
        backgroundColor: `rgba(255, 96, 32, ${alpha})`,
        overviewRulerColor: `rgba(255, 96, 32, ${alpha})`,
        overviewRulerLane: vscode.OverviewRulerLane.Right,
      });
    });
    this.subscriptions.push(
      store.onDidChange(() => this.refresh()),
      vscode.window.onDidChangeVisibleTextEditors(() => this.refresh()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('perfLab.lineHeat')) this.refresh();
      }),
    );
  }

  private get enabled(): boolean {
    return vscode.workspace.getConfiguration('perfLab').get<boolean>('lineHeat', true);
  }

  /** Flips the setting; the change listener repaints. */
  async toggle(): Promise<void> {
    await vscode.workspace.getConfiguration('perfLab').update('lineHeat', !this.enabled, vscode.ConfigurationTarget.Global);
  }

  /** Repaints every visible editor. */
  refresh(): void {
    for (const editor of vscode.window.visibleTextEditors) this.paint(editor);
  }

  private paint(editor: vscode.TextEditor): void {
    const heat = this.enabled ? this.store.heat(editor.document.uri.fsPath) : undefined;
    const buckets: vscode.DecorationOptions[][] = this.levels.map(() => []);
    if (heat && heat.lines.size > 0) {
      const max = Math.max(...heat.lines.values());
      const total = this.store.totalWeight;
      const unit = this.store.unit;
      for (const [line, w] of heat.lines) {
        if (line < 1 || line > editor.document.lineCount || w <= 0) continue;
        const level = Math.min(LEVELS - 1, Math.floor((w / max) * LEVELS));
        const hover = new vscode.MarkdownString(`**Perf Lab** · self ${formatWeight(w, unit)} (${formatShare(w, total)}) on this line`);
        buckets[level]!.push({ range: new vscode.Range(line - 1, 0, line - 1, 0), hoverMessage: hover });
      }
    }
    this.levels.forEach((type, i) => editor.setDecorations(type, buckets[i]!));
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
    for (const t of this.levels) t.dispose();
  }
}

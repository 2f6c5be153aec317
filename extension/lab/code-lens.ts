// A CodeLens above each profiled function: `self x ms (y%) · total z ms`.
import * as vscode from 'vscode';
import { formatShare, formatWeight } from './format';
import type { ProfileStore } from './profile-store';

/** Shows each function's self and total time from the latest profile above its first line. */
export class HotFunctionLenses implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly store: ProfileStore) {
    store.onDidChange(() => this.changed.fire());
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const heat = this.store.heat(doc.uri.fsPath);
    if (!heat) return [];
    const total = this.store.totalWeight;
    const unit = this.store.unit;
    const lenses: vscode.CodeLens[] = [];
    const seenLines = new Set<number>();
    // Heaviest first, so that two functions on one line show the heavier one.
    for (const fn of heat.functions) {
      const line = fn.line - 1;
      if (line >= doc.lineCount || seenLines.has(line)) continue;
      // Below a thousandth of the profile a lens is only noise.
      if (fn.total < total / 1000) continue;
      seenLines.add(line);
      const name = fn.name === '(anonymous)' && fn.line === 1 ? '(top level)' : fn.name;
      const title = `self ${formatWeight(fn.self, unit)} (${formatShare(fn.self, total)}) · total ${formatWeight(fn.total, unit)}`;
      lenses.push(
        new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
          title,
          tooltip: `${name}: ${formatShare(fn.total, total)} of the profile including callees. Click to show it in the flame graph.`,
          command: 'perfLab.showFlameGraph',
          arguments: [{ name: fn.name, file: fn.file }],
        }),
      );
    }
    return lenses;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

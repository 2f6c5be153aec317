// CodeLenses of the open comparison: above each compared function `Δ self −42 ms (−31 %) · Δ total …`, and above
// each line whose own time changed noticeably `Δ line −30 ms (−50 %)`. Shown while the comparison panel is open.
import * as vscode from 'vscode';
import { change, describeChange, type DiffSides, type ProfileDiff } from '../profile/diff';
import { formatShare, formatWeight } from './format';

/** A line's change of share below this (1 percentage point) gets no lens of its own. */
const LINE_SHARE_MIN = 0.01;
/** At most this many line lenses per file, the largest changes, none next to another lens (a rewritten function's
 * body changes on every line: its function lens says it once). */
const MAX_LINE_LENSES = 6;

/** What the lenses read of a comparison. */
export type LensDiff = Pick<ProfileDiff, 'before' | 'after' | 'functions' | 'lines'>;

/** Provides the Δ lenses of the current comparison. */
export class CompareLenses implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private diff: LensDiff | undefined;

  /** Shows the lenses of a comparison, or none (undefined). */
  set(diff: LensDiff | undefined): void {
    this.diff = diff;
    this.changed.fire();
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const d = this.diff;
    if (!d) return [];
    const file = doc.uri.fsPath;
    const unit = d.after.unit;
    const lenses: vscode.CodeLens[] = [];
    const used = new Set<number>();
    for (const fn of d.functions) {
      if (fn.file !== file || fn.afterLine <= 0 || fn.afterLine > doc.lineCount || used.has(fn.afterLine)) continue;
      const self = change(fn.selfBefore, fn.selfAfter, d);
      const total = change(fn.totalBefore, fn.totalAfter, d);
      // Functions that hardly ran in either profile say nothing.
      if (Math.max(fn.totalBefore / (d.before.total || 1), fn.totalAfter / (d.after.total || 1)) < 0.001) continue;
      used.add(fn.afterLine);
      const line = fn.afterLine - 1;
      lenses.push(
        new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
          title: `Δ self ${describeChange(self, unit, formatWeight)} · Δ total ${describeChange(total, unit, formatWeight)}`,
          tooltip: `${fn.name === '(anonymous)' && fn.afterLine === 1 ? '(top level)' : fn.name}${fn.beforeName ? ` (was ${fn.beforeName})` : ''}: self ${side(fn.selfBefore, fn.selfAfter, d)}; total ${side(fn.totalBefore, fn.totalAfter, d)}. Click to show the comparison.`,
          command: 'perfLab.showComparison',
          arguments: [],
        }),
      );
    }
    const candidates = (d.lines.get(file) ?? [])
      .map((l) => ({ l, c: change(l.before, l.after, d) }))
      .filter(({ l, c }) => Math.abs(c.shareDelta) >= LINE_SHARE_MIN && l.line <= doc.lineCount && !used.has(l.line))
      .sort((a, b) => Math.abs(b.c.shareDelta) - Math.abs(a.c.shareDelta));
    const lines: typeof candidates = [];
    for (const x of candidates) {
      if (lines.length >= MAX_LINE_LENSES) break;
      if (used.has(x.l.line - 1) || used.has(x.l.line + 1)) continue;
      used.add(x.l.line);
      lines.push(x);
    }
    for (const { l, c } of lines) {
      const line = l.line - 1;
      lenses.push(
        new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
          title: `Δ line ${describeChange(c, unit, formatWeight)}`,
          tooltip: `Line ${l.line}'s own time: ${side(l.before, l.after, d)}.`,
          command: 'perfLab.showComparison',
          arguments: [],
        }),
      );
    }
    return lenses;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** `12.0 ms (30.0%) before, 4.0 ms (20.0%) after`. */
function side(before: number, after: number, d: DiffSides): string {
  return `${formatWeight(before, d.before.unit)} (${formatShare(before, d.before.total)}) before, ${formatWeight(after, d.after.unit)} (${formatShare(after, d.after.total)}) after`;
}

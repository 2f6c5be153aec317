// CodeLenses above each profiled function: `self x ms (y%) · total z ms`, and `⚡ Optimize` beside it; where the
// profile's hot region points from a cheap leaf to its caller, the caller's lens offers it with the leaf inlined and
// the leaf's lens offers the caller instead (region-lens.ts).
import * as vscode from 'vscode';
import { formatShare, formatWeight } from './format';
import type { LensAdvice } from './optimize-advice';
import type { ProfileStore } from './profile-store';
import { optimizableFunction, regionOffers } from './region-lens';

/** Looks up the break-even model's advice for a function (asynchronously; undefined when there is none). */
export type AdviceSource = (file: string, name: string, totalMs: number) => Promise<LensAdvice | undefined>;

/** A result that just landed for a function (measured by Optimize, or applied), valid for one text of its file. */
export interface LensResult extends LensAdvice {
  /** The document text the result belongs to; another text (an edit, Undo past it) hides it. */
  source: string;
}

/** Shows each function's self and total time from the latest profile above its first line. */
export class HotFunctionLenses implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  /** Why a function was refused by the compiler, by `file\0name`, shown in its Optimize lens's tooltip. */
  private readonly refusals = new Map<string, string>();

  /** The break-even model's advice by `file\0name\0total\0document version`, once known (null: none); computed in the background. */
  private readonly advice = new Map<string, LensAdvice | null>();

  /**
   * What the latest Optimize and Apply runs of a function found, by `file\0name`, newest first: each is shown while
   * the document holds its `source` (a measurement comes back with Undo of its Apply).
   */
  private readonly results = new Map<string, LensResult[]>();

  private readonly saved: vscode.Disposable;

  constructor(
    private readonly store: ProfileStore,
    private readonly adviceSource?: AdviceSource,
  ) {
    store.onDidChange(() => {
      this.advice.clear();
      this.changed.fire();
    });
    // The recording is looked up by the content on disk: a save (after Apply, after Undo) asks again.
    this.saved = vscode.workspace.onDidSaveTextDocument(() => {
      if (this.advice.size === 0) return;
      this.advice.clear();
      this.changed.fire();
    });
  }

  /** The advice for a function when already known; otherwise starts computing it and redraws the lenses when done. */
  private adviceFor(file: string, name: string, totalMs: number, version: number): LensAdvice | undefined {
    if (!this.adviceSource || this.store.unit !== 'ms') return undefined;
    // The recording belongs to one content of the file: an edit (Apply, Undo) asks again.
    const key = `${file}\0${name}\0${totalMs}\0${version}`;
    if (this.advice.has(key)) return this.advice.get(key) ?? undefined;
    this.advice.set(key, null);
    this.adviceSource(file, name, totalMs).then(
      (a) => {
        if (!a || !this.advice.has(key)) return;
        this.advice.set(key, a);
        this.changed.fire();
      },
      () => undefined,
    );
    return undefined;
  }

  /** Remembers (or forgets, with undefined) why a function cannot be compiled. */
  noteRefusal(file: string, name: string, refusal: string | undefined): void {
    const key = `${file}\0${name}`;
    if (refusal === undefined) this.refusals.delete(key);
    else this.refusals.set(key, refusal);
    // An optimize run may have measured the boundary costs or recorded the calls: advise again.
    this.advice.clear();
    this.changed.fire();
  }

  /**
   * Remembers (or forgets, with undefined) what Optimize measured or Apply wrote for a function, and redraws the
   * lenses at once: the editor asks again by itself only when the document changes.
   */
  noteResult(file: string, name: string, result: LensResult | undefined): void {
    const key = `${file}\0${name}`;
    if (result === undefined) this.results.delete(key);
    else this.results.set(key, [result, ...(this.results.get(key) ?? []).filter((r) => r.source !== result.source)].slice(0, 4));
    this.changed.fire();
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const heat = this.store.heat(doc.uri.fsPath);
    if (!heat) return [];
    const total = this.store.totalWeight;
    const unit = this.store.unit;
    const lenses: vscode.CodeLens[] = [];
    const seenLines = new Set<number>();
    let text: string | undefined;
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
      // Only named functions can be looked up and rewritten: JavaScript, TypeScript and Python ones.
      const python = fn.kind === 'python';
      const offers = regionOffers(fn, this.store.hotRegions);
      const asLeaf = offers.filter((o) => o.role === 'leaf');
      // A hot leaf cheap per call: its lens offers the caller worth compiling instead, and says why.
      if (asLeaf.length > 0) {
        for (const o of asLeaf) {
          lenses.push(
            new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
              title: o.title,
              tooltip: o.tooltip,
              command: 'perfLab.optimizeFunction',
              arguments: [o.target],
            }),
          );
        }
        continue;
      }
      if (optimizableFunction(fn)) {
        const region = offers.find((o) => o.role === 'caller');
        const refused = this.refusals.get(`${fn.file}\0${fn.name}`);
        const results = refused ? undefined : this.results.get(`${fn.file}\0${fn.name}`);
        const landed = results?.find((r) => r.source === (text ??= doc.getText()));
        // The break-even model knows JavaScript's boundary costs only; a Python function shows what Optimize measured.
        const advice = refused ? undefined : (landed ?? (python ? undefined : this.adviceFor(fn.file, fn.name, fn.total, doc.version)));
        const base = region ? region.title : '⚡ Optimize';
        lenses.push(
          new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
            title: advice ? (region ? `${base} · ${advice.title}` : `${base} (${advice.title})`) : base,
            tooltip: refused
              ? `Last time ${fn.name} could not be compiled: ${refused}`
              : `${region ? region.tooltip : `Compile ${fn.name}, prove it computes the same on its recorded calls, and benchmark both versions.`}${advice ? ` ${advice.tooltip}` : ''}`,
            command: 'perfLab.optimizeFunction',
            arguments: [{ name: fn.name, file: fn.file, line: fn.line }],
          }),
        );
      }
    }
    return lenses;
  }

  dispose(): void {
    this.saved.dispose();
    this.changed.dispose();
  }
}

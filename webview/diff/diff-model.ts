// What the comparison page computes from its data: widths, each frame's change and colour, the table's rows. Pure.
import { change, share, type DiffSides } from '../../extension/profile/diff';
import type { DiffFunction, DiffGraphData, DiffNode } from '../../extension/protocol';
import { mix, type Rgb, type ThemeKind } from '../flame/colors';

/** How wide the boxes are: the mean of both profiles' shares (what went away and what came both show), or one side's weights. */
export type WidthBasis = 'both' | 'after' | 'before';
/** Which change colours a box: of the frame's own (self) time, or of its time with callees (total). */
export type ColourBasis = 'self' | 'total';

/** Below this change of share (a quarter of a percentage point: sampling noise) a frame counts as unchanged and stays neutral. */
export const UNCHANGED = 0.0025;

/**
 * Sets every node's `self` and `total` to what the boxes are as wide as and orders children widest first (left-heavy).
 * For `both` they are the mean of the two shares (0..1), so the whole is 1 and children never outgrow their parent.
 */
export function setWidths(root: DiffNode, basis: WidthBasis, d: DiffSides): void {
  const mean = (b: number, a: number) => (share(b, d.before.total) + share(a, d.after.total)) / 2;
  const all: DiffNode[] = [];
  const stack: DiffNode[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    n.self = basis === 'after' ? n.selfAfter : basis === 'before' ? n.selfBefore : mean(n.selfBefore, n.selfAfter);
    n.total = basis === 'after' ? n.totalAfter : basis === 'before' ? n.totalBefore : mean(n.totalBefore, n.totalAfter);
    all.push(n);
    stack.push(...n.children);
  }
  for (const n of all) n.children.sort((a, b) => b.total - a.total || b.totalAfter - a.totalAfter || b.totalBefore - a.totalBefore);
}

/** The change of a node's share of its profile (after minus before, 0..1 scale): positive is slower. */
export function nodeShareDelta(n: DiffNode, basis: ColourBasis, d: DiffSides): number {
  return basis === 'self'
    ? share(n.selfAfter, d.after.total) - share(n.selfBefore, d.before.total)
    : share(n.totalAfter, d.after.total) - share(n.totalBefore, d.before.total);
}

/** The largest change of share of any node, which the strongest colour stands for. */
export function maxShareDelta(root: DiffNode, basis: ColourBasis, d: DiffSides): number {
  let max = 0;
  const stack: DiffNode[] = [...root.children];
  while (stack.length > 0) {
    const n = stack.pop()!;
    max = Math.max(max, Math.abs(nodeShareDelta(n, basis, d)));
    stack.push(...n.children);
  }
  return max;
}

/** The colours a comparison draws with: a neutral fill, and the strongest red (slower) and blue (faster). */
export interface DiffPalette {
  kind: ThemeKind;
  neutral: Rgb;
  slower: Rgb;
  faster: Rgb;
}

/**
 * A box's fill: neutral when unchanged, else towards red (its share grew) or blue (it shrank), more intense the larger
 * the change relative to the largest one; a power below one keeps small changes visible beside a dominant one.
 */
export function diffFill(delta: number, max: number, p: DiffPalette): Rgb {
  if (Math.abs(delta) < UNCHANGED || !(max > 0)) return p.neutral;
  const t = Math.min(1, Math.abs(delta) / max) ** 0.6;
  return mix(p.neutral, delta > 0 ? p.slower : p.faster, 0.2 + 0.8 * t);
}

/** Whether a function got slower, faster, appeared or went away; by its share of self (or total) time. */
export type Trend = 'slower' | 'faster' | 'unchanged' | 'added' | 'removed';

export function trendOf(before: number, after: number, shareDelta: number): Trend {
  if (before === 0 && after > 0) return 'added';
  if (after === 0 && before > 0) return 'removed';
  if (Math.abs(shareDelta) < UNCHANGED) return 'unchanged';
  return shareDelta > 0 ? 'slower' : 'faster';
}

/** A column of the comparison table. */
export type DiffColumn = 'name' | 'location' | 'selfBefore' | 'selfAfter' | 'deltaSelf' | 'totalBefore' | 'totalAfter' | 'deltaTotal';

/** One row of the comparison table, with its changes worked out. */
export interface DiffRow {
  fn: DiffFunction;
  self: ReturnType<typeof change>;
  total: ReturnType<typeof change>;
}

/** The table's rows, sorted by a column (changes by their share, largest magnitude first when descending). */
export function diffRows(d: DiffSides & Pick<DiffGraphData, 'functions'>, column: DiffColumn, descending: boolean): DiffRow[] {
  const rows = d.functions.map((fn) => ({ fn, self: change(fn.selfBefore, fn.selfAfter, d), total: change(fn.totalBefore, fn.totalAfter, d) }));
  const key = (r: DiffRow): number | string => {
    switch (column) {
      case 'name':
        return r.fn.name.toLowerCase();
      case 'location':
        return `${r.fn.file}\u0000${String(r.fn.afterLine || r.fn.beforeLine).padStart(8, '0')}`;
      case 'selfBefore':
        return share(r.fn.selfBefore, d.before.total);
      case 'selfAfter':
        return share(r.fn.selfAfter, d.after.total);
      case 'deltaSelf':
        return r.self.shareDelta;
      case 'totalBefore':
        return share(r.fn.totalBefore, d.before.total);
      case 'totalAfter':
        return share(r.fn.totalAfter, d.after.total);
      case 'deltaTotal':
        return r.total.shareDelta;
    }
  };
  const delta = column === 'deltaSelf' || column === 'deltaTotal';
  return rows.sort((a, b) => {
    let ka = key(a);
    let kb = key(b);
    // Changes sort by size: the biggest slowdowns and speedups together at the top.
    if (delta) {
      ka = Math.abs(ka as number);
      kb = Math.abs(kb as number);
    }
    const c = typeof ka === 'string' ? ka.localeCompare(kb as string) : (ka as number) - (kb as number);
    return descending ? -c : c;
  });
}

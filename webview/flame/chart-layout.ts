// The flame chart's geometry: runs from the host indexed by row, laid out for a time window; pure, no DOM.
import type { ChartRuns, FlameNode } from '../../extension/protocol';
import type { FlameBox, FlameLayout } from './layout';
import type { NavTree } from './nav';

/** One box of the chart; a FlameNode (total = duration) so the renderer and tooltip treat it like a graph box. */
export interface ChartBox extends FlameNode {
  depth: number;
  start: number;
  end: number;
}

/** Runs grouped by row, each row sorted by start time. */
export interface ChartIndex {
  rows: ChartBox[][];
  from: number;
  to: number;
  resolution: number;
}

/** Indexes the host's parallel arrays into rows of boxes. */
export function indexRuns(runs: ChartRuns): ChartIndex {
  const rows: ChartBox[][] = [];
  for (let i = 0; i < runs.depth.length; i++) {
    const d = runs.depth[i]!;
    const start = runs.start[i]!;
    const end = runs.end[i]!;
    (rows[d] ??= []).push({ frame: runs.frame[i]!, self: 0, total: end - start, children: [], depth: d, start, end });
  }
  for (let d = 0; d < rows.length; d++) (rows[d] ??= []).sort((a, b) => a.start - b.start);
  return { rows, from: runs.from, to: runs.to, resolution: runs.resolution };
}

/** First box of a row that ends after `t`. */
function firstEndingAfter(row: readonly ChartBox[], t: number): number {
  let lo = 0;
  let hi = row.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (row[mid]!.end <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The boxes of window `from`..`to` ms drawn `width` px wide; boxes narrower than `minWidth` px are left out. */
export function layoutChart(index: ChartIndex, o: { from: number; to: number; width: number; minWidth?: number }): FlameLayout {
  const boxes: FlameBox[] = [];
  const rows: FlameBox[][] = [];
  const span = o.to - o.from;
  if (!(span > 0) || o.width <= 0) return { boxes, rows, depth: 0, scale: 0 };
  const scale = o.width / span;
  const minWidth = o.minWidth ?? 0.5;
  for (let d = 0; d < index.rows.length; d++) {
    const row = index.rows[d]!;
    const out: FlameBox[] = (rows[d] = []);
    for (let i = firstEndingAfter(row, o.from); i < row.length; i++) {
      const b = row[i]!;
      if (b.start >= o.to) break;
      const w = (b.end - b.start) * scale;
      if (w < minWidth) continue;
      const box: FlameBox = { x: (b.start - o.from) * scale, width: w, depth: d, node: b, ancestor: false };
      out.push(box);
      boxes.push(box);
    }
  }
  return { boxes, rows, depth: index.rows.length, scale };
}

/** The box of a row that covers time `t`, if any. */
export function boxAt(index: ChartIndex, depth: number, t: number): ChartBox | undefined {
  const row = index.rows[depth];
  if (!row) return undefined;
  const b = row[firstEndingAfter(row, t)];
  return b && b.start <= t ? b : undefined;
}

/** Parent and children of chart boxes, for keyboard movement: a box's caller is the box above that covers its start. */
export function chartNav(index: ChartIndex): NavTree<ChartBox> {
  return {
    parent: (b) => (b.depth > 0 ? boxAt(index, b.depth - 1, b.start) : undefined),
    children: (b) => {
      const row = index.rows[b.depth + 1];
      if (!row) return [];
      const out: ChartBox[] = [];
      for (let i = firstEndingAfter(row, b.start); i < row.length && row[i]!.start < b.end; i++) out.push(row[i]!);
      return out;
    },
  };
}

/** The time window after zooming by `factor` (< 1 zooms in) around `at`, kept inside `min`..`max`. */
export function zoomWindow(from: number, to: number, at: number, factor: number, min: number, max: number, minSpan = 1e-3): [number, number] {
  const span = Math.min(max - min, Math.max(minSpan, (to - from) * factor));
  const t = (at - from) / (to - from || 1);
  return clampWindow(at - t * span, at - t * span + span, min, max);
}

/** A window moved inside `min`..`max` without changing its length (unless it is longer than the range). */
export function clampWindow(from: number, to: number, min: number, max: number): [number, number] {
  const span = Math.min(to - from, max - min);
  let a = Math.max(min, from);
  if (a + span > max) a = max - span;
  return [a, a + span];
}

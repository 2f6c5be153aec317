// The History chart's layout, with no DOM: code versions along x in the order they were first measured, time on a
// linear y axis from zero with round ticks (the top one at or above every interval's end), one series per variant and machine, each point its median with its 95 %
// interval as a whisker, and a marker where the change from the previous version was flagged. The page (history-page.ts)
// draws what this returns; the unit tests check it.
import type { HistoryPointView, HistorySeriesView } from '../../extension/protocol';

export interface ChartSize {
  width: number;
  height: number;
}

/** Room for the axes' labels around the plot. */
export const MARGIN = { left: 64, right: 16, top: 22, bottom: 44 };

export interface Tick {
  /** Pixel position along its axis. */
  pos: number;
  label: string;
  /** A second line under an x tick (the date of the version's first measurement). */
  sub?: string;
}

export interface PlotPoint {
  entity: number;
  x: number;
  /** The median. */
  y: number;
  /** The whisker's ends (y of the interval's low and high end); absent when the point has no interval. */
  whisker?: { lo: number; hi: number };
  marker?: 'regression' | 'improvement';
  point: HistoryPointView;
}

export interface PlotSeries {
  /** Its place among the chart's series: the colour `series-<index % SERIES_COLOURS>`. */
  index: number;
  label: string;
  points: PlotPoint[];
  /** The line through the medians, oldest first (an SVG path). */
  path: string;
}

export interface ChartLayout {
  width: number;
  height: number;
  plot: { left: number; top: number; right: number; bottom: number };
  xTicks: Tick[];
  yTicks: Tick[];
  /** The y axis's top value, in ms. */
  yMax: number;
  series: PlotSeries[];
}

/** How many series colours the page's CSS defines. */
export const SERIES_COLOURS = 6;

/**
 * Round ticks from 0 covering `max`: a step of 1, 2 or 5 times a power of ten giving at most `count` intervals,
 * and the top tick at or above `max`. An empty or zero range gets the ticks of 1.
 */
export function niceTicks(max: number, count = 5): number[] {
  const top = Number.isFinite(max) && max > 0 ? max : 1;
  const raw = top / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => top / s <= count + 1e-9) ?? 10 * pow;
  const n = Math.ceil(top / step - 1e-9);
  // Multiply rather than add, and round off the binary noise (0.1 + 0.2), so that labels stay round.
  return Array.from({ length: n + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

/** The unit of an axis whose top tick is `top` ms (one unit for every tick of the axis): ns, µs, ms or s. */
export function timeUnit(top: number): { unit: string; scale: number } {
  if (top >= 1000) return { unit: 's', scale: 1e-3 };
  if (top >= 1) return { unit: 'ms', scale: 1 };
  if (top >= 1e-3) return { unit: 'µs', scale: 1e3 };
  return { unit: 'ns', scale: 1e6 };
}

/** The labels of a y axis's ticks, all in the top tick's unit and with the decimals the step needs. */
export function tickLabels(ticks: readonly number[]): string[] {
  const top = ticks[ticks.length - 1] || 1;
  const step = ticks.length > 1 ? ticks[1]! - ticks[0]! : top;
  const { unit, scale } = timeUnit(top);
  const scaled = step * scale;
  const decimals = Math.max(0, Math.min(6, Math.ceil(-Math.log10(scaled) - 1e-9)));
  return ticks.map((t) => (t === 0 ? '0' : `${(t * scale).toFixed(decimals)} ${unit}`));
}

/** A series' name in the legend: its variant, and the machine when the chart has more than one. */
export function seriesLabel(s: HistorySeriesView, manyMachines: boolean): string {
  return manyMachines ? `${s.variant} on ${s.machine}` : s.variant;
}

/** The versions of the series' points in the order they were first measured. */
export function versionOrder(series: readonly HistorySeriesView[]): { version: string; at: string }[] {
  const first = new Map<string, string>();
  for (const p of series.flatMap((s) => s.points).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))) {
    if (!first.has(p.version)) first.set(p.version, p.at);
  }
  return [...first].map(([version, at]) => ({ version, at }));
}

/** The date under a version's tick: `Dec 7 06:30` (UTC, as the store keeps it). */
function shortDate(at: string): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return '';
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()]!;
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${month} ${d.getUTCDate()} ${hh}:${mm}`;
}

/**
 * Lays out one chart of `series` (all of one kind: times per call, or whole-program times per run). Each version has a
 * slot of equal width; within it the series sit side by side, and one series' repeated measurements of the version
 * spread over its share, oldest first, so that no point hides another.
 */
export function layoutChart(series: readonly HistorySeriesView[], size: ChartSize): ChartLayout {
  const plot = { left: MARGIN.left, top: MARGIN.top, right: size.width - MARGIN.right, bottom: size.height - MARGIN.bottom };
  const versions = versionOrder(series);
  const slot = new Map(versions.map((v, i) => [v.version, i]));
  const slotWidth = (plot.right - plot.left) / Math.max(1, versions.length);
  const highest = Math.max(0, ...series.flatMap((s) => s.points.map((p) => Math.max(p.medianMs, p.ci95[1] ?? 0))));
  const ticks = niceTicks(highest);
  const yMax = ticks[ticks.length - 1]!;
  const y = (ms: number) => plot.bottom - (ms / yMax) * (plot.bottom - plot.top);
  const labels = tickLabels(ticks);
  const machines = new Set(series.map((s) => s.machine));
  const band = 0.6 * slotWidth;
  const out: PlotSeries[] = series.map((s, si) => {
    const perVersion = new Map<string, number>();
    for (const p of s.points) perVersion.set(p.version, (perVersion.get(p.version) ?? 0) + 1);
    const seen = new Map<string, number>();
    const points: PlotPoint[] = s.points.map((p) => {
      const r = seen.get(p.version) ?? 0;
      seen.set(p.version, r + 1);
      const of = perVersion.get(p.version)!;
      const x = plot.left + slot.get(p.version)! * slotWidth + 0.2 * slotWidth + (band * (si + (r + 0.5) / of)) / series.length;
      const hi = p.ci95[1];
      const marker = p.change && p.change.kind !== 'no change' ? p.change.kind : undefined;
      return {
        entity: p.entity,
        x,
        y: y(p.medianMs),
        ...(hi !== null && Number.isFinite(hi) ? { whisker: { lo: y(p.ci95[0]), hi: y(hi) } } : {}),
        ...(marker ? { marker } : {}),
        point: p,
      };
    });
    const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
    return { index: si, label: seriesLabel(s, machines.size > 1), points, path };
  });
  return {
    width: size.width,
    height: size.height,
    plot,
    xTicks: versions.map((v, i) => ({ pos: plot.left + (i + 0.5) * slotWidth, label: v.version, sub: shortDate(v.at) })),
    yTicks: ticks.map((t, i) => ({ pos: y(t), label: labels[i]! })),
    yMax,
    series: out,
  };
}

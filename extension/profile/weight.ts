// How a weight of a profile reads (a time in ms or s, or a count of samples), wherever one is shown: the flame
// graph's views and the editor's CodeLens, hovers and messages. One function, so that 812 ms in the table is not
// 812.3 ms in the lens. Imports nothing: the webview bundle uses it too.

/** A weight in the profile's unit: milliseconds as ms or s, sample counts as counts. */
export function formatWeight(value: number, unit: 'ms' | 'samples'): string {
  if (unit === 'samples') {
    const n = Math.round(value);
    return `${n.toLocaleString('en-US')} ${n === 1 ? 'sample' : 'samples'}`;
  }
  return formatMs(value);
}

/** Milliseconds with about three significant digits; seconds from 1 s up. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const a = Math.abs(ms);
  if (a === 0) return '0 ms';
  if (a >= 1000) return `${trim((ms / 1000).toFixed(a >= 100_000 ? 0 : a >= 10_000 ? 1 : 2))} s`;
  if (a >= 100) return `${ms.toFixed(0)} ms`;
  if (a >= 10) return `${trim(ms.toFixed(1))} ms`;
  if (a >= 0.01) return `${trim(ms.toFixed(2))} ms`;
  return '<0.01 ms';
}

/** A fixed-point number without trailing zeros (`2.50` → `2.5`, `3.00` → `3`). */
function trim(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

// Formatting of weights and shares for the header, tooltip, table and search summary.

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

/** A share of the whole as a percentage: the one formatter every view of a profile uses. */
export { formatShare } from '../extension/profile/share';

/** A share as a number between 0 and 100 rounded to two decimals, for data attributes. */
export function shareNumber(part: number, whole: number): number {
  if (!(whole > 0)) return 0;
  return Math.round((part / whole) * 10000) / 100;
}

/** A whole count with thousands separators. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** The last segment of a path or URL, for compact labels. */
export function baseName(file: string): string {
  const i = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
  return i >= 0 ? file.slice(i + 1) : file;
}

/** `file:line` (or just the file when the line is unknown); '' for frames without a source. */
export function location(file: string, line: number, short = false): string {
  if (!file) return '';
  // V8 names a WebAssembly module by a hash of its bytes (wasm://wasm/eeb7dd7a): no file a user knows, no line.
  if (file.startsWith('wasm://')) return 'WebAssembly';
  const f = short ? baseName(file) : file;
  return line > 0 ? `${f}:${line}` : f;
}

function trim(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** A round step (1, 2 or 5 times a power of ten) at least `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

// Formatting of weights and shares for the header, tooltip, table and search summary.

/** A weight in the profile's unit, and milliseconds: the one formatter the editor's lenses use too. */
export { formatMs, formatWeight } from '../extension/profile/weight';

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

/** A round step (1, 2 or 5 times a power of ten) at least `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

// How times and shares read in the editor (CodeLens, hovers, messages).

/** A weight with its unit: `812.3 ms` or `42 samples`. */
export function formatWeight(w: number, unit: 'ms' | 'samples'): string {
  if (unit === 'samples') return `${Math.round(w)} samples`;
  if (w >= 1000) return `${(w / 1000).toFixed(2)} s`;
  return `${w.toFixed(1)} ms`;
}

/** A share of a total as a percentage, as the flame graph shows it. */
export { formatShare } from '../profile/share';

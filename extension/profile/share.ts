// How a share of a profile's total reads, wherever one is shown: the flame graph's views, its search summary and
// selection bar, the comparison, the CodeLens and line-heat hovers. One function, so that the same number reads the
// same in every view. Imports nothing: the webview bundle uses it too.

/**
 * A share of the whole as a percentage with one decimal (`85.3%`): `part` and `whole` in the same unit. The
 * percentage is first rounded to 1e-6 of a point, so that two sums of the same weights taken in another order
 * (a function's total from the samples, a search's from the call tree) do not round apart at a half: 85.2499999…
 * and 85.25 both read 85.3%. A share that is not zero never reads 0.0% (`<0.1%`), and one that is not the whole never
 * reads 100.0% (`>99.9%`); '–' when there is no whole.
 */
export function formatShare(part: number, whole: number): string {
  if (!(whole > 0) || !Number.isFinite(part)) return '–';
  const p = Math.round((part / whole) * 1e8) / 1e6;
  if (p === 0) return '0.0%';
  if (p > 0 && p < 0.05) return '<0.1%';
  if (p >= 99.95 && part < whole) return '>99.9%';
  return `${p.toFixed(1)}%`;
}

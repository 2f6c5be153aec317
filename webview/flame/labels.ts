// Fitting labels into boxes: measured once per string, truncated with an ellipsis; pure given a measure function.

const ELLIPSIS = '…';

/**
 * Measures and truncates labels, caching every width it measures and every fit it computes,
 * so redraws cost map look-ups rather than text measurement.
 */
export class LabelFitter {
  private readonly widths = new Map<string, number>();
  private readonly fits = new Map<string, string>();

  constructor(private readonly measure: (text: string) => number) {}

  /** Width of `text` in CSS pixels. */
  width(text: string): number {
    let w = this.widths.get(text);
    if (w === undefined) {
      if (this.widths.size > 50_000) this.widths.clear();
      w = this.measure(text);
      this.widths.set(text, w);
    }
    return w;
  }

  /**
   * The longest prefix of `text` (with an ellipsis when cut) that fits in `max` pixels,
   * or '' when not even one character and the ellipsis fit.
   */
  fit(text: string, max: number): string {
    if (this.width(text) <= max) return text;
    const key = `${Math.floor(max)}\u0000${text}`;
    const known = this.fits.get(key);
    if (known !== undefined) return known;
    let lo = 0;
    let hi = text.length - 1;
    // Binary search on the number of characters kept before the ellipsis.
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.width(text.slice(0, mid) + ELLIPSIS) <= max) lo = mid;
      else hi = mid - 1;
    }
    const out = lo === 0 ? '' : text.slice(0, lo).trimEnd() + ELLIPSIS;
    if (this.fits.size > 20_000) this.fits.clear();
    this.fits.set(key, out);
    return out;
  }

  /** Forgets all widths, for when the font changes. */
  clear(): void {
    this.widths.clear();
    this.fits.clear();
  }
}

// Box colours: a theme colour per frame kind, varied by a hash of the function name; pure, no DOM.
import type { FrameKind } from '../../extension/protocol';

/** An sRGB colour: channels 0..255, alpha 0..1. */
export interface Rgb {
  r: number;
  g: number;
  b: number;
  a: number;
}

/** Parses the colour forms VS Code's theme variables use (#rgb, #rgba, #rrggbb, #rrggbbaa, rgb(), rgba()). */
export function parseColor(s: string | undefined): Rgb | undefined {
  if (!s) return undefined;
  const t = s.trim().toLowerCase();
  const hex = /^#([0-9a-f]{3,8})$/.exec(t)?.[1];
  if (hex) {
    const full = hex.length <= 4 ? [...hex].map((c) => c + c).join('') : hex;
    if (full.length !== 6 && full.length !== 8) return undefined;
    const n = (i: number) => parseInt(full.slice(i, i + 2), 16);
    return { r: n(0), g: n(2), b: n(4), a: full.length === 8 ? n(6) / 255 : 1 };
  }
  const fn = /^rgba?\(([^)]*)\)$/.exec(t)?.[1];
  if (fn) {
    const parts = fn.split(/[\s,/]+/).filter(Boolean);
    if (parts.length < 3) return undefined;
    const ch = (p: string) => (p.endsWith('%') ? (parseFloat(p) * 255) / 100 : parseFloat(p));
    const alpha = parts[3] === undefined ? 1 : parts[3].endsWith('%') ? parseFloat(parts[3]) / 100 : parseFloat(parts[3]);
    const c = { r: ch(parts[0]!), g: ch(parts[1]!), b: ch(parts[2]!), a: alpha };
    return [c.r, c.g, c.b, c.a].every(Number.isFinite) ? c : undefined;
  }
  return undefined;
}

/** CSS text for a colour. */
export function cssColor(c: Rgb): string {
  const r = Math.round(c.r);
  const g = Math.round(c.g);
  const b = Math.round(c.b);
  return c.a >= 1 ? `rgb(${r}, ${g}, ${b})` : `rgba(${r}, ${g}, ${b}, ${+c.a.toFixed(3)})`;
}

/** Hue in degrees, saturation and lightness in 0..1. */
export function rgbToHsl(c: Rgb): [number, number, number] {
  const r = c.r / 255;
  const g = c.g / 255;
  const b = c.b / 255;
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const l = (max + min) / 2;
  if (max === min) return [0, 0, l];
  const d = max - min;
  const s = l > 0.5 ? d / (2 - max - min) : d / (max + min);
  let h = max === r ? (g - b) / d + (g < b ? 6 : 0) : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  h *= 60;
  return [h, s, l];
}

/** An opaque colour from hue in degrees, saturation and lightness in 0..1. */
export function hslToRgb(h: number, s: number, l: number): Rgb {
  const hh = (((h % 360) + 360) % 360) / 360;
  if (s === 0) return { r: l * 255, g: l * 255, b: l * 255, a: 1 };
  const q = l < 0.5 ? l * (1 + s) : l + s - l * s;
  const p = 2 * l - q;
  const f = (t: number) => {
    if (t < 0) t += 1;
    if (t > 1) t -= 1;
    if (t < 1 / 6) return p + (q - p) * 6 * t;
    if (t < 1 / 2) return q;
    if (t < 2 / 3) return p + (q - p) * (2 / 3 - t) * 6;
    return p;
  };
  return { r: f(hh + 1 / 3) * 255, g: f(hh) * 255, b: f(hh - 1 / 3) * 255, a: 1 };
}

/** FNV-1a: a stable 32-bit hash, so a function keeps its colour across reloads. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** WCAG relative luminance, 0 (black) to 1 (white). */
export function luminance(c: Rgb): number {
  const lin = (v: number) => {
    const x = v / 255;
    return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
}

/** WCAG contrast ratio between two opaque colours (1 to 21). */
export function contrast(a: Rgb, b: Rgb): number {
  const la = luminance(a);
  const lb = luminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** The base colour of each frame kind, taken from the theme's chart colours. */
export type KindPalette = Record<FrameKind, Rgb>;

/** Whether the page shows a dark or light theme; fills are darker on dark themes so light text reads. */
export type ThemeKind = 'dark' | 'light';

/** How far the hash may move the hue, per kind: JavaScript spreads widest for the classic warm look. */
const HUE_SPREAD: Record<FrameKind, number> = { js: 34, python: 26, native: 22, runtime: 10 };

/**
 * The fill of a box: the kind's theme colour with its hue, saturation and lightness varied by a hash of
 * the name, kept in a lightness band that suits the theme.
 */
export function frameFill(kind: FrameKind, name: string, palette: KindPalette, theme: ThemeKind): Rgb {
  const [h, s] = rgbToHsl(palette[kind]);
  const hash = hashString(name);
  const u1 = (hash & 0xffff) / 0xffff;
  const u2 = (hash >>> 16) / 0xffff;
  const hue = h + (u1 - 0.5) * HUE_SPREAD[kind];
  const sat = kind === 'runtime' ? Math.min(s, 0.3) : Math.max(0.45, Math.min(0.85, s)) * (0.85 + 0.15 * u2);
  // Lightness is found for a target luminance, not fixed: equal lightness gives a blue far darker than a green, and
  // the label's contrast depends on luminance. The bands keep the theme's own text at 4.5:1 or more on every fill.
  const [lo, hi] = theme === 'dark' ? FILL_LUMINANCE.dark : FILL_LUMINANCE.light;
  return withLuminance(hue, sat, lo + (hi - lo) * u2);
}

/** Relative luminance of box fills per theme: dark fills under light text, light fills under dark text. */
export const FILL_LUMINANCE = { dark: [0.045, 0.085], light: [0.42, 0.6] } as const;

/** The colour of a hue and saturation whose relative luminance is `target` (lightness found by bisection). */
function withLuminance(hue: number, sat: number, target: number): Rgb {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 24; i++) {
    const mid = (lo + hi) / 2;
    if (luminance(hslToRgb(hue, sat, mid)) < target) lo = mid;
    else hi = mid;
  }
  return hslToRgb(hue, sat, (lo + hi) / 2);
}

/** The more readable of two text colours on a fill. */
export function readableText(fill: Rgb, dark: Rgb, light: Rgb): Rgb {
  return contrast(fill, dark) >= contrast(fill, light) ? dark : light;
}

/** How a box is drawn: as is, as a zoom ancestor, or faded behind search matches. */
export enum Look {
  Normal = 0,
  Ancestor = 1,
  Dimmed = 2,
}

/** Linear blend of two colours; t = 0 gives a, 1 gives b. */
export function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return { r: a.r + (b.r - a.r) * t, g: a.g + (b.g - a.g) * t, b: a.b + (b.b - a.b) * t, a: 1 };
}

/**
 * The fill and text of a box: ancestors and faded boxes blend towards the background, and the text is whichever of
 * the theme's background and foreground reads better on the result. Faded boxes (not matching a search) are meant to
 * recede, so their text is blended too.
 */
export function boxStyle(base: Rgb, t: { kind: ThemeKind; background: Rgb; foreground: Rgb }, look: Look): { fill: Rgb; text: Rgb } {
  let fill = base;
  if (look !== Look.Normal) fill = mix(fill, t.background, look === Look.Ancestor ? 0.45 : 0.72);
  const dark = t.kind === 'dark' ? t.background : t.foreground;
  const light = t.kind === 'dark' ? t.foreground : t.background;
  let text = readableText(fill, dark, light);
  if (look === Look.Dimmed) text = mix(text, fill, 0.45);
  return { fill, text };
}

// The colours and font the graph draws with, read from the page's CSS variables (which follow the VS Code theme).
import type { FrameKind } from '../../extension/protocol';
import { parseColor, type KindPalette, type Rgb, type ThemeKind, luminance } from './colors';

/** Everything the canvas needs from the theme, resolved to concrete colours. */
export interface Theme {
  kind: ThemeKind;
  highContrast: boolean;
  background: Rgb;
  foreground: Rgb;
  muted: Rgb;
  palette: KindPalette;
  /** Fill laid over boxes that match the search. */
  match: Rgb;
  /** Outline of boxes that match the search. */
  matchBorder: Rgb;
  /** Outline of the selected function's boxes. */
  focus: Rgb;
  /** Border drawn around every box in high-contrast themes. */
  contrastBorder?: Rgb;
  font: string;
}

const KIND_VARS: Record<FrameKind, string> = {
  js: '--pl-kind-js',
  native: '--pl-kind-native',
  runtime: '--pl-kind-runtime',
  python: '--pl-kind-python',
};

/** Reads the theme from computed styles; every variable has a fallback in style.css, so nothing is missing. */
export function readTheme(el: HTMLElement = document.body): Theme {
  const cs = getComputedStyle(el);
  const v = (name: string, fallback: string): Rgb => parseColor(cs.getPropertyValue(name)) ?? parseColor(fallback)!;
  const background = v('--pl-bg', '#1e1e1e');
  const kind: ThemeKind = luminance(background) < 0.4 ? 'dark' : 'light';
  const palette = {} as KindPalette;
  for (const k of Object.keys(KIND_VARS) as FrameKind[]) palette[k] = v(KIND_VARS[k], '#d18616');
  const border = parseColor(cs.getPropertyValue('--vscode-contrastBorder'));
  const cls = document.body.classList;
  const family = cs.getPropertyValue('--pl-font-family').trim() || 'system-ui, sans-serif';
  const theme: Theme = {
    kind,
    highContrast: cls.contains('vscode-high-contrast') || cls.contains('vscode-high-contrast-light'),
    background,
    foreground: v('--pl-fg', '#cccccc'),
    muted: v('--pl-muted', '#9d9d9d'),
    palette,
    match: v('--pl-match', 'rgba(234, 92, 0, 0.33)'),
    matchBorder: v('--pl-match-border', '#ea5c00'),
    focus: v('--pl-focus', '#0078d4'),
    font: `12px ${family}`,
  };
  if (border && border.a > 0) theme.contrastBorder = border;
  return theme;
}

/**
 * Calls `onChange` when the theme may have changed: VS Code swaps the body's classes; outside VS Code (the standalone
 * page) the browser's colour scheme is mirrored as the `pl-light` class, so style.css keeps one light palette.
 */
export function watchTheme(onChange: () => void): void {
  const mo = new MutationObserver(onChange);
  mo.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  // VS Code rewrites the variables on <html> along with the classes.
  mo.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
  const light = matchMedia('(prefers-color-scheme: light)');
  const mirror = () => {
    const inVsCode = [...document.body.classList].some((c) => c.startsWith('vscode-'));
    document.body.classList.toggle('pl-light', !inVsCode && light.matches);
  };
  mirror();
  light.addEventListener('change', mirror);
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FrameKind } from '../../../extension/protocol';
import { boxStyle, contrast, frameFill, Look, mix, parseColor, type KindPalette, type Rgb, type ThemeKind } from '../../../webview/flame/colors';

/** VS Code's default themes: editor background and foreground, and the chart colours the palette is taken from. */
const THEMES: { name: string; kind: ThemeKind; bg: string; fg: string; js: string; native: string; runtime: string; python: string; border?: string }[] = [
  { name: 'Dark Modern', kind: 'dark', bg: '#1f1f1f', fg: '#cccccc', js: '#d18616', native: '#3794ff', runtime: '#cccccc', python: '#89d185' },
  { name: 'Light Modern', kind: 'light', bg: '#ffffff', fg: '#3b3b3b', js: '#d18616', native: '#1a85ff', runtime: '#000000', python: '#388a34' },
  {
    name: 'Dark High Contrast',
    kind: 'dark',
    bg: '#000000',
    fg: '#ffffff',
    js: '#d18616',
    native: '#3794ff',
    runtime: '#ffffff',
    python: '#89d185',
    border: '#6fc3df',
  },
  {
    name: 'Light High Contrast',
    kind: 'light',
    bg: '#ffffff',
    fg: '#292929',
    js: '#d18616',
    native: '#1a85ff',
    runtime: '#292929',
    python: '#388a34',
    border: '#0f4a85',
  },
];

const NAMES = [
  'main',
  'advance',
  'parse',
  'a',
  'Module._load',
  '(garbage collector)',
  'x'.repeat(60),
  ...Array.from({ length: 200 }, (_, i) => `fn${i * 7919}`),
];
const KINDS: FrameKind[] = ['js', 'native', 'runtime', 'python'];

test('box labels meet WCAG AA (4.5:1) on every fill, in light, dark and high-contrast themes', () => {
  for (const t of THEMES) {
    const c = (s: string) => parseColor(s)!;
    const theme = { kind: t.kind, background: c(t.bg), foreground: c(t.fg) };
    const palette: KindPalette = { js: c(t.js), native: c(t.native), runtime: c(t.runtime), python: c(t.python) };
    let worst = Infinity;
    for (const kind of KINDS) {
      for (const name of NAMES) {
        const base = frameFill(kind, name, palette, t.kind);
        for (const look of [Look.Normal, Look.Ancestor]) {
          const { fill, text } = boxStyle(base, theme, look);
          const ratio = contrast(fill, text);
          worst = Math.min(worst, ratio);
          assert.ok(ratio >= 4.5, `${t.name}: ${kind} ${name} (look ${look}) has text contrast ${ratio.toFixed(2)}`);
        }
      }
    }
    // A high-contrast theme's border around each box stands out from the background (non-text contrast, 3:1).
    if (t.border) assert.ok(contrast(c(t.border), theme.background) >= 3, `${t.name}: box border contrast`);
    assert.ok(worst >= 4.5, `${t.name}: worst ${worst.toFixed(2)}`);
  }
});

test('the root box and the selection and focus outlines stand out from the background', () => {
  for (const t of THEMES) {
    const bg = parseColor(t.bg)!;
    const fg = parseColor(t.fg)!;
    const root = mix(bg, fg, 0.22);
    const { text } = boxStyle(root, { kind: t.kind, background: bg, foreground: fg }, Look.Normal);
    assert.ok(contrast(root, text) >= 4.5, `${t.name}: root label ${contrast(root, text).toFixed(2)}`);
    // VS Code's focusBorder in each theme: outlines are non-text and need 3:1 against the page.
    const focus: Rgb = parseColor(t.kind === 'dark' ? (t.border ? '#f38518' : '#0078d4') : t.border ? '#006bbd' : '#005fb8')!;
    assert.ok(contrast(focus, bg) >= 3, `${t.name}: focus outline ${contrast(focus, bg).toFixed(2)}`);
  }
});

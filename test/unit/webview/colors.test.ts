import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contrast, frameFill, hashString, parseColor, readableText, rgbToHsl, type KindPalette } from '../../../webview/flame/colors';
import { LabelFitter } from '../../../webview/flame/labels';

test('theme colours parse in every form VS Code writes', () => {
  assert.deepEqual(parseColor('#fff'), { r: 255, g: 255, b: 255, a: 1 });
  assert.deepEqual(parseColor('#D18616'), { r: 0xd1, g: 0x86, b: 0x16, a: 1 });
  assert.deepEqual(parseColor('#00000080'), { r: 0, g: 0, b: 0, a: 128 / 255 });
  assert.deepEqual(parseColor(' rgba(10, 20, 30, 0.5) '), { r: 10, g: 20, b: 30, a: 0.5 });
  assert.deepEqual(parseColor('rgb(10 20 30 / 50%)'), { r: 10, g: 20, b: 30, a: 0.5 });
  assert.equal(parseColor(''), undefined);
  assert.equal(parseColor('red'), undefined);
  assert.equal(parseColor('#12345'), undefined);
});

const palette: KindPalette = {
  js: parseColor('#d18616')!,
  native: parseColor('#3794ff')!,
  runtime: parseColor('#808080')!,
  python: parseColor('#89d185')!,
};

test("a function keeps its colour, near its kind's hue, with readable text in both themes", () => {
  assert.equal(hashString('main'), hashString('main'));
  assert.notEqual(hashString('main'), hashString('mainx'));
  const dark = parseColor('#1e1e1e')!;
  const light = parseColor('#ffffff')!;
  for (const theme of ['dark', 'light'] as const) {
    for (const name of ['main', 'parse', 'a', 'Module._load', 'x'.repeat(80)]) {
      const f = frameFill('js', name, palette, theme);
      assert.deepEqual(f, frameFill('js', name, palette, theme));
      const [h] = rgbToHsl(f);
      assert.ok(Math.abs(h - rgbToHsl(palette.js)[0]) <= 17.5, `${name}: hue ${h}`);
      const text = readableText(f, dark, light);
      assert.ok(contrast(f, text) >= 4, `${name} in ${theme}: contrast ${contrast(f, text)}`);
      const [, sNative] = rgbToHsl(frameFill('native', name, palette, theme));
      assert.ok(sNative > 0.3);
      assert.ok(rgbToHsl(frameFill('runtime', name, palette, theme))[1] <= 0.3 + 1e-9);
    }
  }
});

test('labels are measured once each and cut with an ellipsis to fit', () => {
  let calls = 0;
  const fitter = new LabelFitter((t) => {
    calls++;
    return t.length * 10;
  });
  assert.equal(fitter.fit('short', 100), 'short');
  assert.equal(fitter.fit('a_long_function_name', 100), 'a_long_fu…');
  assert.equal(fitter.fit('a_long_function_name', 15), '');
  const before = calls;
  fitter.fit('a_long_function_name', 100);
  fitter.fit('short', 100);
  assert.equal(calls, before, 'repeated fits measure nothing');
  assert.equal(fitter.fit('ab cd', 40), 'ab…', 'trailing spaces before the ellipsis are trimmed');
});

// The pure parts of the end-to-end look checks (test/e2e/look.ts): they must catch what they are meant to catch.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseColor, type Rgb } from '../../../webview/flame/colors';
import { auditScript, composite, over, overlapping, requiredContrast, textContrast } from '../../e2e/look';

const c = (s: string): Rgb => parseColor(s)!;
const WHITE = c('#ffffff');

test('green text on white, as the Before/After verdict was, fails 4.5:1; the themes own foregrounds pass', () => {
  const green = textContrast(c('#89d185'), WHITE);
  assert.ok(green < 2.5 && green > 1.5, `green on white ${green.toFixed(2)}`);
  assert.ok(green < requiredContrast(13, 400));
  assert.ok(textContrast(c('#3b3b3b'), WHITE) >= 4.5, 'Light Modern foreground');
  assert.ok(textContrast(c('#cccccc'), c('#1f1f1f')) >= 4.5, 'Dark Modern foreground');
  // Translucent text is blended first: the theme foreground at 40 % on white is too faint.
  assert.ok(textContrast(c('rgba(59, 59, 59, 0.4)'), WHITE) < 4.5);
  assert.equal(Math.round(textContrast(c('#000000'), WHITE)), 21);
});

test('large text (24 px, or 18.66 px bold) needs 3:1, everything else 4.5:1', () => {
  assert.equal(requiredContrast(13, 400), 4.5);
  assert.equal(requiredContrast(13, 700), 4.5);
  assert.equal(requiredContrast(18.66, 700), 3);
  assert.equal(requiredContrast(18.66, 400), 4.5);
  assert.equal(requiredContrast(24, 400), 3);
});

test('backgrounds are composited from the top layer down to the first opaque one', () => {
  const red = c('#ff0000');
  assert.deepEqual(over(c('rgba(0, 0, 0, 0)'), red), red);
  const half = over(c('rgba(0, 0, 255, 0.5)'), WHITE);
  assert.deepEqual([half.r, half.g, half.b, half.a], [127.5, 127.5, 255, 1]);
  // A translucent bar over a cell over the page: the page's white is what the bar's blue is mixed with.
  const seen = composite([c('rgba(0, 0, 255, 0.5)'), c('rgba(0, 0, 0, 0)'), WHITE, red], c('#000000'));
  assert.deepEqual([seen.r, seen.g, seen.b], [127.5, 127.5, 255]);
  // Nothing opaque: the base shows through.
  const base = composite([c('rgba(255, 255, 255, 0.5)')], c('#000000'));
  assert.deepEqual([base.r, base.g, base.b, base.a], [127.5, 127.5, 127.5, 1]);
});

test('overlapping labels are found; labels that merely touch are not', () => {
  // '1× (CPython)' and '8×' on one axis, the second starting inside the first.
  const boxes = [
    { left: 40, top: 100, right: 120, bottom: 114 },
    { left: 110, top: 100, right: 125, bottom: 114 },
    { left: 125, top: 100, right: 140, bottom: 114 },
    { left: 40, top: 114, right: 120, bottom: 128 },
  ];
  assert.deepEqual(overlapping(boxes), [[0, 1]]);
  assert.deepEqual(overlapping([]), []);
});

test('the page script holds every function it calls and compiles', () => {
  const script = auditScript({ minFontPx: 11, numeric: 'td.num' });
  for (const name of ['parseColor', 'luminance', 'contrast', 'over', 'composite', 'requiredContrast', 'textContrast', 'overlapping', 'auditPage'])
    assert.match(script, new RegExp(`function ${name}\\(`), name);
  assert.doesNotThrow(() => new Function(script));
});

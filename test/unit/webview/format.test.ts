import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatShare as editorShare, formatWeight as editorWeight } from '../../../extension/lab/format';
import { baseName, formatMs, formatShare, formatWeight, location, shareNumber } from '../../../webview/format';

test('milliseconds read with about three significant digits', () => {
  assert.equal(formatMs(0), '0 ms');
  assert.equal(formatMs(0.004), '<0.01 ms');
  assert.equal(formatMs(0.456), '0.46 ms');
  assert.equal(formatMs(2), '2 ms');
  assert.equal(formatMs(12.34), '12.3 ms');
  assert.equal(formatMs(123.4), '123 ms');
  assert.equal(formatMs(1234), '1.23 s');
  assert.equal(formatMs(12_345), '12.3 s');
  assert.equal(formatMs(123_456), '123 s');
});

test('weights in samples are counts, not times', () => {
  assert.equal(formatWeight(1, 'samples'), '1 sample');
  assert.equal(formatWeight(12345, 'samples'), '12,345 samples');
  assert.equal(formatWeight(1500, 'ms'), '1.5 s');
});

test('shares are percentages with one decimal that never round a part to the whole or to zero', () => {
  assert.equal(formatShare(1, 4), '25.0%');
  assert.equal(formatShare(1, 3), '33.3%');
  assert.equal(formatShare(1, 30), '3.3%');
  assert.equal(formatShare(0, 10), '0.0%');
  assert.equal(formatShare(1, 10_000), '<0.1%');
  assert.equal(formatShare(9999.9, 10_000), '>99.9%');
  assert.equal(formatShare(10, 10), '100.0%');
  assert.equal(formatShare(1, 0), '–');
  assert.equal(shareNumber(1, 3), 33.33);
  assert.equal(shareNumber(5, 0), 0);
});

test('locations are file:line, shortened to the base name on request', () => {
  assert.equal(location('/a/b/c.js', 12), '/a/b/c.js:12');
  assert.equal(location('/a/b/c.js', 12, true), 'c.js:12');
  assert.equal(location('C:\\x\\y.py', 0, true), 'y.py');
  assert.equal(location('', 3), '');
  assert.equal(baseName('node:internal/main'), 'main');
});

test('the same share reads the same in every view, however its sum was taken', () => {
  // A function's total summed from the samples and a search's summed over the call tree, in another order: the two
  // floating-point sums can fall on either side of a half (85.25 and 85.2499999…); both read 85.3%.
  const weights = [0.3, 0.6, 84.35];
  const forward = weights.reduce((a, b) => a + b, 0);
  const backward = [...weights].reverse().reduce((a, b) => a + b, 0);
  assert.notEqual(forward, backward);
  assert.notEqual(forward.toFixed(1), backward.toFixed(1));
  assert.equal(formatShare(forward, 100), '85.3%');
  assert.equal(formatShare(backward, 100), '85.3%');
  assert.equal(formatShare(85.24999999999999, 100), '85.3%');
  assert.equal(formatShare(85.2499, 100), '85.2%');
  // The editor's CodeLens and hovers use the same function as the flame graph's page.
  assert.equal(editorShare, formatShare);
  // And a weight: the lens's 812.3 ms was the table's 812 ms.
  assert.equal(editorWeight, formatWeight);
  assert.equal(editorWeight(812.34, 'ms'), '812 ms');
});

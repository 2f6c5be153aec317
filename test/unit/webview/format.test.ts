import { test } from 'node:test';
import assert from 'node:assert/strict';
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

test('shares are percentages that never round a part to the whole or to zero', () => {
  assert.equal(formatShare(1, 4), '25%');
  assert.equal(formatShare(1, 3), '33.3%');
  assert.equal(formatShare(1, 30), '3.33%');
  assert.equal(formatShare(0, 10), '0%');
  assert.equal(formatShare(1, 10_000), '<0.1%');
  assert.equal(formatShare(9999.9, 10_000), '>99.9%');
  assert.equal(formatShare(10, 10), '100%');
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

// The History chart's data and layout: round ticks, versions along x, whiskers from the intervals, markers where a
// change was flagged, and each point's profile and the previous version's (history/chart-data.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { historyData, profileOfVersion } from '../../../extension/history/chart-data';
import { functionHistory } from '../../../extension/history/report';
import type { MeasurementRow, ProfileRow } from '../../../extension/history/store';
import type { HistoryPointView, HistorySeriesView } from '../../../extension/protocol';
import { layoutChart, MARGIN, niceTicks, tickLabels, versionOrder } from '../../../webview/history/chart-model';

test('y ticks are round: 1, 2 or 5 times a power of ten, from zero to at or above the highest value', () => {
  assert.deepEqual(niceTicks(0.0123), [0, 0.005, 0.01, 0.015]);
  assert.deepEqual(niceTicks(7), [0, 2, 4, 6, 8]);
  assert.deepEqual(niceTicks(10), [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(niceTicks(0.3), [0, 0.1, 0.2, 0.3]);
  assert.deepEqual(niceTicks(0), [0, 0.2, 0.4, 0.6, 0.8, 1], 'nothing to show: the ticks of 1');
  assert.deepEqual(niceTicks(Infinity), niceTicks(1));
  for (const max of [1e-6, 3.3e-5, 0.47, 1, 9.99, 123, 4567, 8e4]) {
    const t = niceTicks(max);
    const step = t[1]! - t[0]!;
    const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
    assert.ok(
      [1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-9),
      `${max}: step ${step}`,
    );
    assert.ok(t[t.length - 1]! >= max && t.length <= 6, `${max}: ${t.join(', ')}`);
  }
  // One unit for the axis, with the decimals its step needs.
  assert.deepEqual(tickLabels(niceTicks(0.0123)), ['0', '5 µs', '10 µs', '15 µs']);
  assert.deepEqual(tickLabels(niceTicks(0.3)), ['0', '100 µs', '200 µs', '300 µs']);
  assert.deepEqual(tickLabels([0, 0.5, 1, 1.5]), ['0', '0.5 ms', '1.0 ms', '1.5 ms']);
  assert.deepEqual(tickLabels([0, 2000, 4000]), ['0', '2 s', '4 s']);
  assert.deepEqual(tickLabels([0, 0.00025, 0.0005]), ['0', '250 ns', '500 ns']);
});

const point = (
  entity: number,
  version: string,
  at: string,
  medianMs: number,
  ci95: [number, number | null],
  extra: Partial<HistoryPointView> = {},
): HistoryPointView => ({
  entity,
  at,
  version,
  medianMs,
  ci95,
  n: 50,
  run: entity,
  runKind: 'bench',
  ...extra,
});

test('points sit in their version slot, series side by side; whiskers span the interval; flagged points carry a marker', () => {
  const js: HistorySeriesView = {
    function: 'work',
    variant: 'JavaScript',
    machine: 'm',
    wholeProgram: false,
    points: [
      point(1, 'aaaaaaa', '2026-01-01T10:00:00.000Z', 1, [0.9, 1.1]),
      point(2, 'aaaaaaa', '2026-01-01T11:00:00.000Z', 1.05, [0.95, 1.2]),
      point(3, 'bbbbbbb', '2026-01-02T10:00:00.000Z', 2, [1.8, 2.3], { change: { kind: 'regression', text: '▲ 95 % slower than at aaaaaaa (p < 0.001)' } }),
    ],
  };
  const wasm: HistorySeriesView = {
    function: 'work',
    variant: 'WebAssembly',
    machine: 'm',
    wholeProgram: false,
    points: [point(4, 'bbbbbbb', '2026-01-02T10:00:01.000Z', 0.5, [0.4, null])],
  };
  assert.deepEqual(
    versionOrder([wasm, js]).map((v) => v.version),
    ['aaaaaaa', 'bbbbbbb'],
  );
  const size = { width: 600, height: 300 };
  const l = layoutChart([js, wasm], size);
  const { left, right, top, bottom } = l.plot;
  assert.deepEqual([left, right, top, bottom], [MARGIN.left, 600 - MARGIN.right, MARGIN.top, 300 - MARGIN.bottom]);
  assert.equal(l.yMax, 2.5, 'the highest interval end (2.3) rounded up to a tick');
  assert.deepEqual(
    l.yTicks.map((t) => t.label),
    ['0', '0.5 ms', '1.0 ms', '1.5 ms', '2.0 ms', '2.5 ms'],
  );
  assert.equal(l.yTicks[0]!.pos, bottom);
  assert.equal(l.yTicks[l.yTicks.length - 1]!.pos, top);
  const slot = (right - left) / 2;
  assert.deepEqual(
    l.xTicks.map((t) => [t.label, t.pos, t.sub]),
    [
      ['aaaaaaa', left + slot / 2, 'Jan 1 10:00'],
      ['bbbbbbb', left + 1.5 * slot, 'Jan 2 10:00'],
    ],
  );
  const [s0, s1] = l.series;
  const y = (ms: number) => bottom - (ms / 2.5) * (bottom - top);
  // JavaScript's two measurements of aaaaaaa share its slot, in order, left of the second series' share.
  const [p1, p2, p3] = s0!.points;
  assert.ok(p1!.x < p2!.x && p1!.x > left && p2!.x < left + slot / 2 + 1e-9);
  assert.ok(Math.abs(p1!.y - y(1)) < 1e-9);
  assert.deepEqual(p1!.whisker, { lo: y(0.9), hi: y(1.1) });
  assert.equal(p3!.marker, 'regression');
  assert.ok(p3!.x > left + slot && p3!.x < right);
  assert.equal(p1!.marker, undefined);
  // WebAssembly's point has no upper end: no whisker; it sits right of JavaScript's in the same slot.
  const w = s1!.points[0]!;
  assert.equal(w.whisker, undefined);
  assert.ok(w.x > p3!.x && w.x < right);
  assert.equal(s0!.label, 'JavaScript', 'one machine: the legend names the variant only');
  assert.match(s0!.path, /^M[\d.]+,[\d.]+ L[\d.]+,[\d.]+ L[\d.]+,[\d.]+$/);
  // A second machine is named in the legend.
  const other = { ...wasm, machine: 'other box' };
  assert.equal(layoutChart([js, other], size).series[1]!.label, 'WebAssembly on other box');
});

test('every whisker fits under the top tick, and no data still draws an axis', () => {
  const s: HistorySeriesView = {
    function: 'f',
    variant: 'JavaScript',
    machine: 'm',
    wholeProgram: false,
    points: [point(1, 'v1', '2026-01-01T00:00:00Z', 1, [0.5, 1.7]), point(2, 'v2', '2026-01-02T00:00:00Z', 0.2, [0.1, 0.3])],
  };
  const l = layoutChart([s], { width: 400, height: 200 });
  assert.equal(l.yMax, 2);
  for (const p of l.series[0]!.points) assert.ok(p.whisker!.hi >= l.plot.top && p.whisker!.lo <= l.plot.bottom && p.whisker!.hi < p.whisker!.lo);
  const empty = layoutChart([], { width: 400, height: 200 });
  assert.deepEqual([empty.xTicks.length, empty.yTicks[0]!.label, empty.series.length], [0, '0', 0]);
});

function row(entity: number, at: string, fileHash: string, medianMs: number, samples: number[], variant = 'JavaScript'): MeasurementRow {
  return {
    entity,
    key: 'k',
    function: 'work',
    variant,
    at,
    medianMs,
    ci95: [medianMs * 0.9, medianMs * 1.1],
    n: samples.length,
    samples,
    machine: 'm1',
    machineLabel: 'box (cpu, 4 cores)',
    code: `c-${fileHash}`,
    dirty: false,
    fileHash,
    activity: entity,
    run: entity,
    runKind: 'bench',
  };
}

test("the view's data: each point's profile is the one of the same file contents nearest in time, and the previous version's beside it", () => {
  const fast = Array.from({ length: 40 }, (_, i) => 1 + (i % 5) * 0.01);
  const slow = fast.map((x) => x * 2);
  const rows = [
    row(1, '2026-01-01T10:00:00.000Z', 'aaaa1111', 1.02, fast),
    row(2, '2026-01-02T10:00:00.000Z', 'bbbb2222', 2.04, slow),
    row(3, '2026-01-02T10:05:00.000Z', 'bbbb2222', 1.5, [1.5], 'program with WebAssembly'),
  ];
  const profiles: ProfileRow[] = [
    { entity: 10, at: '2026-01-01T09:00:00.000Z', fileHash: 'aaaa1111', blob: 'blob-a-early' },
    { entity: 11, at: '2026-01-01T10:01:00.000Z', fileHash: 'aaaa1111', blob: 'blob-a' },
    { entity: 12, at: '2026-01-02T09:59:00.000Z', fileHash: 'bbbb2222', blob: 'blob-b' },
    { entity: 13, at: '2026-01-02T10:00:00.000Z', fileHash: 'cccc3333', blob: 'blob-c' },
  ];
  assert.equal(profileOfVersion(profiles, 'aaaa1111', rows[0]!.at)?.blob, 'blob-a');
  assert.equal(profileOfVersion(profiles, 'dddd', rows[0]!.at), undefined);
  const d = historyData(functionHistory('k', rows), profiles, { file: '/w/k.js', shownFile: 'k.js', functionName: 'work' });
  assert.equal(d.title, 'History: work');
  const js = d.series.find((s) => s.variant === 'JavaScript')!;
  assert.equal(js.wholeProgram, false);
  assert.deepEqual(
    js.points.map((p) => [p.version, p.profile, p.previousProfile, p.previousVersion, p.change?.kind]),
    [
      ['aaaa111', 'blob-a', undefined, undefined, undefined],
      ['bbbb222', 'blob-b', 'blob-a', 'aaaa111', 'regression'],
    ],
  );
  assert.equal(d.series.find((s) => s.variant.startsWith('program'))!.wholeProgram, true);
  // A point with one sample has no upper end (JSON cannot carry Infinity).
  const noInterval = historyData(functionHistory('k', [{ ...rows[0]!, ci95: [0, Infinity] }]), [], { file: '/w/k.js', shownFile: 'k.js' });
  assert.deepEqual(noInterval.series[0]!.points[0]!.ci95, [0, null]);
  assert.match(d.text, /◀ regression/);
  // Another function's series are left out when one is asked for.
  const other = historyData(
    functionHistory(
      'k',
      rows.map((r) => ({ ...r, function: 'other' })),
    ),
    profiles,
    { file: '/w/k.js', shownFile: 'k.js', functionName: 'work' },
  );
  assert.equal(other.series.length, 0);
});

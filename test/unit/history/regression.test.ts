// The test between versions: Mann–Whitney U against values worked by hand, and which changes are flagged.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchMedians, describeChange, mannWhitney, versionChanges } from '../../../extension/history/regression';
import { functionHistory, latestFlags } from '../../../extension/history/report';
import type { MeasurementRow } from '../../../extension/history/store';
import { seededRandom } from '../../../extension/random';

test('Mann–Whitney U: U and the normal approximation with continuity and tie corrections', () => {
  // U = 0; σ² = 25·11/12; z = (12.5 − 0.5)/σ = 2.5067; p = 2·(1 − Φ(z)) = 0.01219.
  const r = mannWhitney([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
  assert.equal(r.u, 0);
  assert.ok(Math.abs(r.p - 0.01219) < 2e-4, String(r.p));
  // Symmetric, and all ties: no evidence at all.
  assert.equal(mannWhitney([6, 7, 8, 9, 10], [1, 2, 3, 4, 5]).u, 25);
  assert.equal(mannWhitney([1, 1, 1], [1, 1, 1]).p, 1);
  // Interleaved samples: nothing to see.
  assert.ok(mannWhitney([1, 3, 5, 7, 9], [2, 4, 6, 8, 10]).p > 0.5);
});

test('batch medians: 20 batches of consecutive samples, or the samples themselves when too few', () => {
  const xs = Array.from({ length: 200 }, (_, i) => i);
  const b = batchMedians(xs);
  assert.equal(b.length, 20);
  assert.equal(b[0], 4.5);
  assert.deepEqual(batchMedians([3, 1, 2]), [3, 1, 2]);
});

function row(entity: number, commit: string, scale: number, seed: number, machine = 'm1'): MeasurementRow {
  const random = seededRandom(seed);
  const samples = Array.from({ length: 200 }, () => scale * (1 + 0.05 * (random() - 0.5)));
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    entity,
    key: 'k',
    function: 'f',
    variant: 'JavaScript',
    at: new Date(Date.UTC(2025, 0, 1, 0, entity)).toISOString(),
    medianMs: (sorted[99]! + sorted[100]!) / 2,
    ci95: [scale * 0.99, scale * 1.01],
    n: 1000,
    samples,
    machine,
    machineLabel: machine,
    code: commit,
    commit: commit.repeat(8),
    dirty: false,
    fileHash: 'h',
    activity: entity,
    run: entity,
    runKind: 'bench',
  };
}

test('changes are tested between versions, per machine, and flagged only when significant and at least 10 %', () => {
  const rows = [
    row(1, 'a', 1.0, 1),
    row(2, 'a', 1.02, 2), // the same version again: never tested
    row(3, 'b', 1.03, 3), // a new version, 1 % slower: not flagged (too small)
    row(4, 'c', 1.6, 4), // 55 % slower: a regression
    row(5, 'd', 0.8, 5), // faster: an improvement
    row(6, 'e', 0.5, 6, 'm2'), // another machine: compared with nothing
  ];
  const changes = versionChanges(rows);
  assert.deepEqual(
    changes.map((c) => [c.before.entity, c.after.entity, c.kind]),
    [
      [2, 3, 'no change'],
      [3, 4, 'regression'],
      [4, 5, 'improvement'],
    ],
  );
  assert.ok(changes[1]!.p < 0.001);
  assert.match(describeChange(changes[1]!), /^▲ 5\d % slower than at bbbbbbb \(p < 0\.001\)$/);
  assert.match(describeChange(changes[2]!), /^▼ 50 % faster than at ccccccc \(p < 0\.001\)$/);
});

test("the editor's lens says a function's latest change when it was flagged, and nothing once a later version shows no change", () => {
  const regressed = [row(1, 'a', 1.0, 1), row(2, 'b', 1.6, 2)];
  assert.deepEqual([...latestFlags(functionHistory('k', regressed))], [['f', 'JavaScript: ▲ 61 % slower than at aaaaaaa (p < 0.001)']]);
  assert.deepEqual([...latestFlags(functionHistory('k', [...regressed, row(3, 'c', 1.61, 3)]))], []);
});

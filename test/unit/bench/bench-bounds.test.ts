// The benchmark stays bounded in wall time and in samples, and says how long it has left: a run whose untimed part
// dominates (a large argument copied before every sample) stops at its bound; a million samples are thinned to a
// uniform random sample kept in order, and their interval is computed in a moment.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { benchBoundMs, benchTargets } from '../../../extension/bench/bench';
import { median, ratioOfMedians, Reservoir, reservoirSample } from '../../../extension/bench/stats';
import { progressLines } from '../../../extension/cli';
import { compile } from '../../../extension/compiler/compile';
import { formatRefusal } from '../../../extension/compiler/refusal';
import type { ProgressEvent } from '../../../extension/progress';
import { record } from '../../../extension/record/record';
import { recordedParamTypes } from '../../../extension/record/recording';
import { seededRandom } from '../../../extension/random';

const scratch = mkdtempSync(join(tmpdir(), 'perf-lab-bench-bounds-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('reservoir sample', () => {
  it('keeps every value while there is room, then exactly its capacity', () => {
    const r = new Reservoir(5);
    for (let i = 0; i < 3; i++) r.push(i);
    assert.deepEqual([...r.values()], [0, 1, 2]);
    for (let i = 3; i < 1000; i++) r.push(i);
    assert.equal(r.values().length, 5);
    assert.equal(r.seen, 1000);
    const xs = [1, 2, 3];
    assert.equal(reservoirSample(xs, 10), xs, 'a short sample is returned as it is');
  });

  it('is uniform over the whole stream, not its start, and reproducible', () => {
    const n = 200_000;
    const keep = 4000;
    const kept = reservoirSample(
      Float64Array.from({ length: n }, (_, i) => i),
      keep,
      7,
    );
    assert.equal(kept.length, keep);
    for (let i = 1; i < kept.length; i++) assert.ok(kept[i]! > kept[i - 1]!, 'kept in the order they came');
    // Each quarter of the stream holds a quarter of the kept values, within a few standard errors (√(4000·¼·¾) ≈ 27).
    const quarters = [0, 0, 0, 0];
    for (let i = 0; i < kept.length; i++) quarters[Math.floor((4 * kept[i]!) / n)]!++;
    for (const q of quarters) assert.ok(Math.abs(q - keep / 4) < 150, `quarters ${quarters.join(', ')}`);
    assert.ok(Math.abs(median(kept) - n / 2) < n * 0.03, `median ${median(kept)}`);
    assert.deepEqual(
      Array.from(
        reservoirSample(
          Float64Array.from({ length: n }, (_, i) => i),
          keep,
          7,
        ),
      ),
      Array.from(kept),
    );
  });
});

describe('the interval of a million samples', () => {
  it('is computed in a moment, around the true ratio', { timeout: 30_000 }, () => {
    const random = seededRandom(3);
    // Skewed timings (a tail, as under load): baseline around 2 ms, the other around 1 ms, so the speedup is about 2.
    const timing = (scale: number) => Float64Array.from({ length: 1_000_000 }, () => scale * (1 + 0.1 * random() + (random() < 0.01 ? 5 * random() : 0)));
    const a = timing(2);
    const b = timing(1);
    const started = performance.now();
    const r = ratioOfMedians(a, b);
    const ms = performance.now() - started;
    assert.ok(ms < 5_000, `took ${ms.toFixed(0)} ms`);
    const [lo, hi] = r.ci95;
    assert.ok(lo < r.estimate && r.estimate < hi, `${lo} ${r.estimate} ${hi}`);
    assert.ok(lo < 2 && 2 < hi, `the true speedup 2 lies in ${lo}–${hi}`);
    assert.ok(hi - lo < 0.01, `a narrow interval for a million samples a side: ${lo}–${hi}`);
  });
});

describe('progress lines on the command line', () => {
  it('a line when the step changes, then one every few seconds', () => {
    const lines: string[] = [];
    let t = 0;
    const sink = progressLines(
      (s) => lines.push(s),
      5000,
      () => t,
    );
    sink({ message: 'Measuring JavaScript (1 of 2), about 6 s left…' });
    t = 1000;
    sink({ message: 'Measuring JavaScript (1 of 2), about 5 s left…' });
    t = 2000;
    sink({ message: 'Measuring WebAssembly (2 of 2), about 3 s left…' });
    t = 7500;
    sink({ message: 'Measuring WebAssembly (2 of 2), about 1 s left…' });
    assert.deepEqual(lines, [
      '  Measuring JavaScript (1 of 2), about 6 s left…\n',
      '  Measuring WebAssembly (2 of 2), about 3 s left…\n',
      '  Measuring WebAssembly (2 of 2), about 1 s left…\n',
    ]);
  });
});

describe('bench wall time', () => {
  it('stops at its bound when copies between samples dominate, and reports the time left', { timeout: 120_000 }, async () => {
    // A large array the function writes to: copied fresh before every sample (untimed), while the timed call is tiny.
    const file = join(scratch, 'touch.mjs');
    writeFileSync(
      file,
      'export function touch(a) { a[0] = a[0] + 1; return a[0]; }\nconst a = new Float64Array(1 << 19);\nfor (let i = 0; i < 4; i++) touch(a);\nconsole.log(a[0]);\n',
    );
    const rec = await record({ file, functionName: 'touch' });
    const source = `export function touch(a) { a[0] = a[0] + 1; return a[0]; }\n`;
    const c = await compile({ source, fileName: 'touch.mjs', functionName: 'touch', params: recordedParamTypes(rec, rec.arity) });
    if (!c.ok) assert.fail(formatRefusal(c.refusal));
    const events: ProgressEvent[] = [];
    const timeMs = 400;
    const warmupMs = 100;
    const started = performance.now();
    const r = await benchTargets({ source, fileName: 'touch.mjs', functionName: 'touch' }, [c.candidate], rec, {
      timeMs,
      warmupMs,
      progress: (e) => events.push(e),
    });
    const ms = performance.now() - started;
    const bound = benchBoundMs(timeMs, warmupMs, 2);
    assert.ok(ms < bound, `took ${ms.toFixed(0)} ms, bound ${bound} ms`);
    assert.ok(r.variants.every((v) => v.samples > 0));
    const [lo, hi] = r.targets[0]!.speedup.ci95;
    assert.ok(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi);
    const measuring = events.filter((e) => e.message.startsWith('Measuring'));
    assert.ok(measuring.length >= 2, events.map((e) => e.message).join('\n'));
    for (const e of measuring) {
      assert.match(e.message, /^Measuring (JavaScript|WebAssembly) \([12] of 2\), about \d+ s left…$/);
      assert.ok(typeof e.remainingMs === 'number' && e.remainingMs >= 0);
    }
  });
});

describe('a compiled variant far slower than JavaScript', () => {
  it('is stopped soon after its bound and said to be slower, by at least how much', { timeout: 120_000 }, async () => {
    // The original returns at once; the candidate, compiled from a function of the same name that loops for
    // seconds, is what a kernel many times slower than the JavaScript it replaces looks like to the benchmark.
    const file = join(scratch, 'quick.mjs');
    const original = 'export function spin(n) { return n + 1; }\n';
    writeFileSync(file, `${original}console.log(spin(3000));\n`);
    const rec = await record({ file, functionName: 'spin' });
    const slow = 'export function spin(n) { let s = 0; for (let i = 0; i < n * 1000000; i++) s = (s + i) % 7; return s; }\n';
    const c = await compile({ source: slow, fileName: 'quick.mjs', functionName: 'spin', params: recordedParamTypes(rec, rec.arity) });
    if (!c.ok) assert.fail(formatRefusal(c.refusal));
    const timeMs = 400;
    const warmupMs = 100;
    const started = performance.now();
    const r = await benchTargets({ source: original, fileName: 'quick.mjs', functionName: 'spin' }, [c.candidate], rec, { timeMs, warmupMs });
    const ms = performance.now() - started;
    assert.ok(ms < benchBoundMs(timeMs, warmupMs, 2), `took ${ms.toFixed(0)} ms`);
    const t = r.targets[0]!;
    assert.equal(t.verdict, 'slower');
    assert.ok(t.speedup.estimate < 0.1 && t.speedup.ci95[0] === 0 && t.speedup.ci95[1] === t.speedup.estimate, JSON.stringify(t.speedup));
    assert.match(t.recommendation, /^keep JavaScript: WebAssembly is at least [\d,.]+× slower: one sample of \d+ calls? had run /);
    assert.equal(r.variants[1]!.samples, 0);
  });
});

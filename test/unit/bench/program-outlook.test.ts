// The program-level prediction before anything is built (bench/whole-program.ts programOutlook, optimize/report.ts
// outlookReport): the bound a function's share of the run puts on the whole program, lowered by a target's learned
// fixed cost per run, and "This would not help" when even the bound is no gain; the recorders (Node and Python) time
// the run and the function's outermost calls, their own work left out.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NIL_GAIN, programOutlook } from '../../../extension/bench/whole-program';
import { outlookReport } from '../../../extension/optimize/report';
import { record } from '../../../extension/record/record';
import { recordPython } from '../../../extension/record/record-python';
import { pythonEnv } from '../../python-env';

const scratch = mkdtempSync(join(tmpdir(), 'perf-lab-outlook-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let python = '';
before(async () => {
  python = (await pythonEnv()).python;
});

describe('program outlook', () => {
  it('a function 3% of the run: at most 1.03× for the whole program, which would not help', () => {
    const o = programOutlook({ runMs: 1000, functionMs: 30 }, 1000, [{ target: 'wasm', ms: 0, from: 0 }])!;
    assert.equal(o.share, 0.03);
    assert.ok(Math.abs(o.bound - 1000 / 970) < 1e-12);
    assert.equal(o.helps, false);
    assert.equal(
      outlookReport(o, 'weigh'),
      'This would not help: weigh is 3% of the recorded run (30.0 ms of 1.00 s, 1,000 calls of 30.0 µs): at most 1.03× for the whole program, were it to take no time at all. Optimize goes on all the same; the whole program is measured before Apply.',
    );
  });

  it("a learned fixed cost per run lowers a target's bound; a target with none keeps the share's bound", () => {
    const fixed = [
      { target: 'numba' as const, ms: 950, from: 3 },
      { target: 'cython' as const, ms: 0, from: 0 },
    ];
    const o = programOutlook({ runMs: 1500, functionMs: 1200 }, 1, fixed)!;
    assert.ok(Math.abs(o.bound - 5) < 1e-12);
    assert.deepEqual(
      o.targets.map((t) => [t.target, t.bound]),
      [['numba', 1500 / 1250]],
    );
    assert.equal(o.helps, true);
    assert.equal(
      outlookReport(o, 'total_area'),
      'Predicted before building: total_area is 80% of the recorded run (1.20 s of 1.50 s, 1 call of 1.20 s): at most 5.00× for the whole program, were it to take no time at all; Numba added about 950.0 ms per run here (3 earlier runs): at most 1.20× with it.',
    );
    // Numba alone, whose import costs more than the function can save: no gain, said up front.
    const numba = programOutlook({ runMs: 1500, functionMs: 1200 }, 1, [{ target: 'numba', ms: 1400, from: 2 }])!;
    assert.ok(numba.targets[0]!.bound < 1);
    assert.equal(numba.helps, false);
    assert.match(
      outlookReport(numba, 'total_area'),
      /^This would not help: .*Numba added about 1\.40 s per run here \(2 earlier runs\): at most 0\.882× with it\./,
    );
    // A function that is the whole run: no finite bound; nothing to say without a run's time.
    assert.equal(programOutlook({ runMs: 100, functionMs: 100 }, 1, [])!.bound, Infinity);
    assert.equal(programOutlook({ runMs: 0, functionMs: 0 }, 1, []), undefined);
  });

  // A script where `checksum` is about 1% of the run, the rest in `busy`; and one where the function is the run.
  const SMALL_PY = [
    'def checksum(xs):',
    '    s = 0',
    '    for x in xs:',
    '        s += x',
    '    return s',
    '',
    'def busy(n):',
    '    t = 0',
    '    for i in range(n):',
    '        t += (i * 7) % 11',
    '    return t',
    '',
    'xs = list(range(20_000))',
    'print(busy(3_000_000), checksum(xs))',
    '',
  ].join('\n');

  it('Python: the recorder times the run and the function; a 1% function would not help, a tiny leaf’s caller would', async () => {
    const file = join(scratch, 'small_share.py');
    writeFileSync(file, SMALL_PY);
    const small = await recordPython({ file, functionName: 'checksum', python }, join(scratch, 'py-store'));
    assert.ok(small.timing, 'the recording times its run');
    const o = programOutlook(small.timing, small.totalCalls, [])!;
    assert.ok(o.share < 0.03 && o.bound < NIL_GAIN && !o.helps, JSON.stringify(o));
    // A function called a million times from one loop: its time is most of the run, the recorder's own work left out.
    const leaf = resolve(__dirname, '..', '..', 'fixtures', 'profile-corpus', 'tiny_leaf.py');
    const caller = await recordPython({ file: leaf, functionName: 'total_area', python }, join(scratch, 'py-store'));
    const c = programOutlook(caller.timing!, caller.totalCalls, [])!;
    assert.ok(c.share > 0.6 && c.helps, JSON.stringify(c));
    const area = await recordPython({ file: leaf, functionName: 'area', python }, join(scratch, 'py-store'));
    const a = programOutlook(area.timing!, area.totalCalls, [])!;
    assert.equal(a.calls, 1_000_000);
    assert.ok(a.share < c.share && a.functionMs <= a.runMs, `area ${JSON.stringify(a)} within total_area ${JSON.stringify(c)}`);
  });

  it('Node: the recorder times the run and the function', async () => {
    const small = join(scratch, 'small_share.js');
    writeFileSync(
      small,
      [
        'function checksum(xs) { let s = 0; for (const x of xs) s += x; return s; }',
        'function busy(n) { let t = 0; for (let i = 0; i < n; i++) t += Math.sqrt(i) % 7; return t; }',
        'const xs = Array.from({ length: 20000 }, (_, i) => i);',
        'console.log(busy(40_000_000), checksum(xs));',
        '',
      ].join('\n'),
    );
    const r = await record({ file: small, functionName: 'checksum' });
    assert.ok(r.timing, 'the recording times its run');
    const o = programOutlook(r.timing, r.totalCalls, [])!;
    assert.ok(o.share < 0.03 && !o.helps, JSON.stringify(o));
    const hot = join(scratch, 'hot.js');
    writeFileSync(
      hot,
      [
        'function area(w, h) { return w * h; }',
        'function totalArea(n) { let t = 0; for (let i = 0; i < n; i++) t += area(i % 13, i % 7); return t; }',
        'console.log(totalArea(30_000_000));',
        '',
      ].join('\n'),
    );
    const h = await record({ file: hot, functionName: 'totalArea' });
    const ho = programOutlook(h.timing!, h.totalCalls, [])!;
    assert.ok(ho.share > 0.5 && ho.helps, JSON.stringify(ho));
  });
});

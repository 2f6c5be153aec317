// The bench stage, for real: both variants measured with tinybench in their own child processes, on short times.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { bench, tinybenchUrl, writtenArgs } from '../../../extension/bench/bench';
import { formatDuration } from '../../../extension/bench/stats';
import { compile } from '../../../extension/compiler/compile';
import { formatRefusal } from '../../../extension/compiler/refusal';
import { record } from '../../../extension/record/record';
import { recordedParamTypes } from '../../../extension/record/recording';

const root = resolve(__dirname, '..', '..', '..');

describe('bench', () => {
  it("resolves tinybench from Perf Lab's own installation", () => {
    assert.match(tinybenchUrl(), /^file:\/\/.*\/node_modules\/tinybench\/dist\/index\.js$/);
  });

  it('measures JavaScript and WebAssembly on the recorded inputs and gives a verdict', async () => {
    const file = join(root, 'examples', 'hot-helper.js');
    const source = readFileSync(file, 'utf8');
    const rec = await record({ file, functionName: 'checksum', args: ['1024', '8'] });
    const c = await compile({ source, fileName: 'hot-helper.js', functionName: 'checksum', params: recordedParamTypes(rec, rec.arity) });
    if (!c.ok) assert.fail(formatRefusal(c.refusal));
    const r = await bench({ source, fileName: 'hot-helper.js', functionName: 'checksum' }, c.candidate, rec, { timeMs: 250, warmupMs: 100 });
    assert.deepEqual(
      r.variants.map((v) => v.name),
      ['JavaScript', 'WebAssembly'],
    );
    for (const v of r.variants) {
      assert.ok(v.samples >= 10, `${v.name}: ${v.samples} samples`);
      assert.ok(v.median > 0 && v.mean > 0 && v.min <= v.median && v.median <= v.max);
      assert.ok(Number.isFinite(v.rme) && v.sd >= 0);
      // Sanity: a 1 KB checksum takes between 10 ns and 10 ms per call on any machine.
      assert.ok(v.median > 1e-5 && v.median < 10, formatDuration(v.median));
    }
    assert.ok(['faster', 'slower', 'not significant'].includes(r.verdict));
    const [lo, hi] = r.speedup.ci95;
    assert.ok(lo <= r.speedup.estimate && r.speedup.estimate <= hi);
    assert.equal(r.verdict, lo > 1 ? 'faster' : hi < 1 ? 'slower' : 'not significant');
    assert.match(r.recommendation, r.verdict === 'faster' ? /WebAssembly/ : /^keep JavaScript/);
    assert.equal(r.inputs, 8);
    assert.match(r.callShape, /checksum\(a0\) called directly, \d+ times? per sample, on the 8 recorded inputs/);
    assert.doesNotMatch(r.callShape, /copied fresh/);
    assert.match(r.note, /own process of Node\.js v\d+/);
  });

  it('copies arguments the function writes to, and says so', async () => {
    const file = join(root, 'test', 'fixtures', 'record', 'scale.mjs');
    const source = readFileSync(file, 'utf8');
    const rec = await record({ file, functionName: 'scale' });
    const c = await compile({ source, fileName: 'scale.mjs', functionName: 'scale', params: recordedParamTypes(rec, rec.arity) });
    if (!c.ok) assert.fail(formatRefusal(c.refusal));
    assert.deepEqual(writtenArgs(c.candidate, rec), [0]);
    const r = await bench({ source, fileName: 'scale.mjs', functionName: 'scale' }, c.candidate, rec, { timeMs: 150, warmupMs: 50 });
    assert.match(r.callShape, /Argument 1 was copied fresh for every call, before each sample and outside the timed region/);
    assert.ok(r.variants.every((v) => v.samples > 0));
  });

  it('formats durations with a readable unit', () => {
    assert.equal(formatDuration(2.5e-6), '2.50 ns');
    assert.equal(formatDuration(0.0042), '4.20 µs');
    assert.equal(formatDuration(12.5), '12.5 ms');
    assert.equal(formatDuration(2500), '2.50 s');
    assert.equal(formatDuration(0), '0');
    assert.equal(formatDuration(NaN), '–');
  });
});

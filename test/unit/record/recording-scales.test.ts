// Recording that scales, on real runs: a grid passed on every call is stored once, so a stencil on two 320 KB arrays
// keeps dozens of calls within the budget (and is proven on them); an array the function writes is recorded as it was
// before each call; every size of input is represented; and stored recordings hold each large value once.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { compile } from '../../../extension/compiler/compile';
import { formatRefusal } from '../../../extension/compiler/refusal';
import { describeProof, prove } from '../../../extension/prove/prove';
import { record } from '../../../extension/record/record';
import { recordedParamTypes, type EncodedRecording } from '../../../extension/record/recording';
import { loadRecording, recordingPath, saveRecording } from '../../../extension/record/store';

const root = resolve(__dirname, '..', '..', '..');
const fixtures = join(root, 'test', 'fixtures', 'record');
const scratch = mkdtempSync(join(tmpdir(), 'perf-lab-record-scales-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('recording that scales (JavaScript)', () => {
  it('keeps dozens of calls of a stencil on two 320 KB grids, stores each grid once, and proves the compiled stencil on them', async () => {
    const file = join(fixtures, 'stencil.js');
    const rec = await record({ file, functionName: 'stencil' });
    assert.equal(rec.totalCalls, 1500);
    assert.ok(rec.calls.length >= 30, `${rec.calls.length} calls kept`);
    assert.equal(rec.tooLarge, 0);
    assert.deepEqual(
      rec.shapes?.map((s) => s.shape),
      ['Float64Array[32768–65535], Float64Array[32768–65535]'],
    );
    for (const c of rec.calls) assert.equal((c.args[0] as Float64Array).length, 40_000);
    // The grid once, the output before the first call (zeros) and after (the stencil): three blobs in the store.
    const store = join(scratch, 'store');
    await saveRecording(store, rec);
    const stored = JSON.parse(readFileSync(recordingPath(store, file, 'stencil', rec.sourceHash), 'utf8')) as EncodedRecording;
    assert.equal(stored.version, 2);
    assert.equal(Object.keys(stored.blobs!).length, 3);
    const back = (await loadRecording(store, file, 'stencil'))!;
    assert.equal(back.calls.length, rec.calls.length);
    // Each reference decodes to an array of its own.
    assert.notEqual(back.calls[0]!.args[0], back.calls[1]!.args[0]);

    const source = readFileSync(file, 'utf8');
    const params = recordedParamTypes(rec, rec.arity);
    assert.deepEqual(params, ['Float64Array', 'Float64Array']);
    const compiled = await compile({ source, fileName: 'stencil.js', functionName: 'stencil', params });
    if (!compiled.ok) assert.fail(formatRefusal(compiled.refusal));
    const proof = await prove({ source, fileName: 'stencil.js', functionName: 'stencil' }, compiled.candidate, back, { edgeBudgetMs: 5000 });
    assert.equal(proof.ok, true, describeProof(proof, 'stencil'));
    assert.equal(proof.recordedCases, rec.calls.length);
    assert.equal(proof.recordedCompiledCalls, rec.calls.length);
  });

  it('records the arrays a function writes as they were before each call', async () => {
    const rec = await record({ file: join(fixtures, 'accumulate.js'), functionName: 'accumulate' });
    assert.equal(rec.totalCalls, 200);
    assert.ok(rec.calls.length >= 30);
    for (const c of rec.calls) {
      const [acc, plain, row, k] = c.args as [Float64Array, number[], Float64Array, number];
      // Before call k the accumulator holds k rows; after it, k + 1.
      assert.equal(acc[3], k * 3.5, `call ${k}`);
      assert.equal((c.argsAfter[0] as Float64Array)[3], (k + 1) * 3.5);
      assert.equal(plain[1], k === 0 ? 0 : (k * (k - 1)) / 2);
      assert.equal((c.argsAfter[1] as number[])[1], (k * (k + 1)) / 2);
      // The hole at index 0 stays a hole, before and after.
      assert.ok(!(0 in plain) && !(0 in (c.argsAfter[1] as number[])));
      assert.equal(plain.length, 512);
      assert.equal(row[1], 1.5);
      assert.ok(c.argsAfter[2] !== null);
    }
  });

  it('keeps every size of input: 1,000 calls of 10 elements, 100 of 1,000 and 3 of 100,000', async () => {
    const rec = await record({ file: join(fixtures, 'sizes.js'), functionName: 'total' });
    assert.equal(rec.totalCalls, 1103);
    const lengths = new Set(rec.calls.map((c) => (c.args[0] as Float64Array).length));
    assert.deepEqual(
      [...lengths].sort((a, b) => a - b),
      [10, 1000, 100_000],
    );
    assert.equal(rec.calls.filter((c) => (c.args[0] as Float64Array).length === 100_000).length, 3);
    assert.deepEqual(
      rec.shapes?.map((s) => [s.shape, s.calls]),
      [
        ['Float64Array[8–15]', 1000],
        ['Float64Array[512–1023]', 100],
        ['Float64Array[65536–131071]', 3],
      ],
    );
    assert.ok(rec.notes?.some((n) => n.startsWith('Calls were sampled by shape')));
  });
});

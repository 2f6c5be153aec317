// Recording that scales, on real runs: a grid passed on every call is stored once, so a stencil on two 320 KB arrays
// keeps dozens of calls within the budget (and is proven on them); an array the function writes is recorded as it was
// before each call; every size of input is represented; stored recordings hold each large value once; and a Python
// call with a NumPy array larger than the whole budget is recorded, said in the notes, and proven.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { compile } from '../../../extension/compiler/compile';
import { compilePython } from '../../../extension/compiler/compile-python';
import { selectPythonKernel } from '../../../extension/compiler/frontend-py';
import { formatRefusal } from '../../../extension/compiler/refusal';
import { PerfLabError } from '../../../extension/errors';
import { describeProof, prove } from '../../../extension/prove/prove';
import { provePython } from '../../../extension/prove/prove-python';
import { record } from '../../../extension/record/record';
import { recordedPyParamTypes, recordPython } from '../../../extension/record/record-python';
import { decodeRecording, encodeRecording, recordedParamTypes, type EncodedRecording, type Recording } from '../../../extension/record/recording';
import { loadRecording, recordingPath, saveRecording } from '../../../extension/record/store';
import { pythonEnv } from '../../python-env';

const root = resolve(__dirname, '..', '..', '..');
const fixtures = join(root, 'test', 'fixtures', 'record');
const scratch = mkdtempSync(join(tmpdir(), 'perf-lab-record-scales-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('stored once, decoded apart', () => {
  it('stores equal contents once, and decodes two equal arguments of one call as two arrays', () => {
    const big = () => new Float64Array(1000).fill(0.5);
    const rec: Recording = {
      file: '/x.js',
      functionName: 'f',
      sourceHash: 'h',
      line: 1,
      arity: 2,
      calls: [0, 1, 2].map((k) => ({ args: [big(), big(), k], result: k, argsAfter: [big(), big(), null] })),
      totalCalls: 3,
      truncated: false,
      tooLarge: 0,
      limits: { maxCalls: 64, maxBytes: 1 << 24, firstCalls: 16 },
      recordedAt: 'now',
      runtimeVersion: 'v20',
    };
    const encoded = JSON.parse(JSON.stringify(encodeRecording(rec))) as EncodedRecording;
    assert.equal(Object.keys(encoded.blobs!).length, 1);
    assert.deepEqual(encoded.calls[0]!.argsAfter, [{ same: true }, { same: true }, null]);
    const back = decodeRecording(encoded);
    const [a, b] = back.calls[0]!.args as Float64Array[];
    assert.notEqual(a, b);
    assert.deepEqual(Array.from(a!), Array.from(b!));
    a![0] = 9;
    assert.equal(b![0], 0.5);
  });
});

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
    // The grid is decoded once, shared by the calls that pass it.
    assert.equal(back.calls[0]!.args[0], back.calls[1]!.args[0]);

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

// 2,621,440 float64 values: 20 MB, more than the 16 MB budget. The function reads every 4,099th one, so that the
// original's loop stays short; the script calls it 40 times with the same array and once with a copy of half of it.
const NUMPY_SCRIPT = `import numpy as np


def strided_sum(a):
    s = 0.0
    i = 0
    n = a.shape[0]
    while i < n:
        s += a[i]
        i += 4099
    return s


data = np.arange(2621440, dtype=np.float64) * 0.5
total = 0.0
for k in range(40):
    total += strided_sum(data)
total += strided_sum(data[:1310720].copy())
print(total)
`;

describe('recording that scales (Python)', () => {
  it(
    'records calls with a 20 MB NumPy array past the 16 MB budget, the array stored once, and proves the Numba version on them',
    { timeout: 600_000 },
    async (t) => {
      let python: string;
      try {
        python = (await pythonEnv()).python;
      } catch (e) {
        return t.skip(`the Python environment with NumPy and Numba could not be made: ${(e as Error).message}`);
      }
      const file = join(scratch, 'strided.py');
      writeFileSync(file, NUMPY_SCRIPT);
      const store = join(scratch, 'py-store');
      const rec = await recordPython({ file, functionName: 'strided_sum', python }, store);
      assert.equal(rec.totalCalls, 41);
      // The 20 MB array is one shape, kept past the budget; the same array again costs a reference, so every call of
      // it is kept; the 10 MB half is a shape of its own, and fits the budget.
      assert.equal(rec.calls.length, 41, rec.notes?.join('\n'));
      assert.deepEqual(
        rec.shapes?.map((s) => [s.shape, s.calls, s.kept]),
        [
          ['ndarray[float64, (2097152–4194303)]', 40, 40],
          ['ndarray[float64, (1048576–2097151)]', 1, 1],
        ],
      );
      assert.ok(
        rec.notes?.some((n) => /\(ndarray\[float64, \(2097152–4194303\)\]\) holds 20\.0 MB, more than the 16 MB recording budget/.test(n)),
        rec.notes?.join('\n'),
      );
      const data = JSON.parse(readFileSync(rec.dataPath, 'utf8')) as { calls: { args: { ref?: string }[] }[]; blobs: Record<string, unknown> };
      assert.equal(Object.keys(data.blobs).length, 2);
      assert.equal(new Set(data.calls.map((c) => c.args[0]!.ref)).size, 2);

      const sel = await selectPythonKernel({ python, file, fileName: 'strided.py', functionName: 'strided_sum', params: recordedPyParamTypes(rec) });
      assert.ok(sel.ok);
      const numba = await compilePython(sel.kernel, 'numba', { python, cacheDir: join(store, 'py') });
      const proof = await provePython(numba, rec, { python, edgeBudgetMs: 30_000 });
      assert.equal(proof.ok, true, proof.reason);
      assert.equal(proof.recordedCompiledCalls, 41);
    },
  );

  it('refuses a call larger than a recording can hold, with its size and what to do', { timeout: 120_000 }, async (t) => {
    let python: string;
    try {
      python = (await pythonEnv()).python;
    } catch (e) {
      return t.skip(`the Python environment with NumPy could not be made: ${(e as Error).message}`);
    }
    const file = join(scratch, 'strided-refused.py');
    writeFileSync(file, NUMPY_SCRIPT);
    await assert.rejects(
      recordPython({ file, functionName: 'strided_sum', python, limits: { hardMaxBytes: 8 * 1024 * 1024 } }, join(scratch, 'py-store-2')),
      (e: unknown) =>
        e instanceof PerfLabError &&
        /^strided_sum was called 41 times, but every call held more than the 8 MB a recording can hold \(the largest, with its copy after the call, 40\.0 MB\).*perfLab\.args/.test(
          e.message,
        ),
    );
  });
});

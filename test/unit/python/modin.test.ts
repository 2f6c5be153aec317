// Modin for a pandas-bound program (extension/optimize/modin.ts) with the real Modin on a real Dask scheduler and
// worker started here on 127.0.0.1, reached only through DASK_SCHEDULER_ADDRESS, and stopped by their process ids.
// test/fixtures/parallel/frames.py (groupby, apply, merge on a generated frame) is profiled, rewritten to
// `import modin.pandas as pd`, run both ways and compared (output, exit, top-level frames exactly), and timed; with
// "ewm" the rewrite is refused naming the operation Modin runs by falling back to pandas.
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkModin, modinRewrite } from '../../../extension/optimize/modin';
import { pythonEnv } from '../../python-env';
import { startDaskCluster, stopGroup } from './dask-cluster';

const FIXTURE = join(__dirname, '..', '..', 'fixtures', 'parallel', 'frames.py');
const tmp = mkdtempSync(join(tmpdir(), 'perf-lab-modin-test-'));
const started: ChildProcess[] = [];
let python = '';
let unavailable = '';
let address = '';

after(() => {
  for (const p of started) stopGroup(p);
  rmSync(tmp, { recursive: true, force: true });
});

describe('Modin for a pandas-bound program', () => {
  before(async () => {
    try {
      python = (await pythonEnv()).python;
    } catch (e) {
      unavailable = `the Python test environment could not be made: ${(e as Error).message}`;
      return;
    }
    address = (await startDaskCluster(python, tmp, 2, started)).address;
  });

  it('rewrites the pandas import and refuses a file that imports names from pandas', () => {
    const r = modinRewrite('import sys\nimport pandas as pd\nprint(pd.__name__)\n');
    assert.ok(r.ok);
    assert.equal(r.line, 2);
    assert.match(r.text, /^import modin\.pandas as pd$/m);
    assert.match(r.text, /DASK_SCHEDULER_ADDRESS/);
    const from = modinRewrite('from pandas import DataFrame\n');
    assert.ok(!from.ok && /line 1 imports names from pandas/.test(from.reason));
  });

  it('proves the rewrite on the cluster: same output, every top-level frame equal exactly, and times it', { timeout: 900_000 }, async (t) => {
    if (unavailable) return t.skip(unavailable);
    const c = await checkModin({ file: FIXTURE, python, args: ['1000000'], engine: 'dask', runs: 2, env: { DASK_SCHEDULER_ADDRESS: address } });
    assert.ok(c.share.pandasS > 0.25 * c.share.totalS, JSON.stringify(c.share));
    assert.match(c.share.top[0]!.function, /^apply \(pandas\/core\/series\.py:\d+\)$/);
    assert.equal(c.same, true, c.difference);
    assert.deepEqual(c.frames, ['by_store', 'regions', 'sales', 'stores', 'with_region']);
    assert.deepEqual(c.defaulted, {});
    assert.equal(c.times?.pandasMs.length, 2);
    // Offered only when the whole program is measured faster; on a loaded 2-core machine it is not, and says so.
    if (c.times!.verdict !== 'faster') assert.match(c.refused ?? '', /the program as a whole is not faster with Modin/);
    // The program's work reached the scheduler started here.
    const asked = spawnSync(
      python,
      [
        '-c',
        `from distributed import Client; c = Client(${JSON.stringify(address)}); print(len(c.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.task_prefixes)))); c.close()`,
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(asked.status, 0, asked.stderr);
    assert.ok(Number(asked.stdout.trim()) > 0, asked.stdout);
  });

  it('refuses the rewrite naming the operation Modin runs by falling back to pandas', { timeout: 900_000 }, async (t) => {
    if (unavailable) return t.skip(unavailable);
    const c = await checkModin({ file: FIXTURE, python, args: ['1000000', 'ewm'], engine: 'dask', runs: 1, env: { DASK_SCHEDULER_ADDRESS: address } });
    assert.equal(c.same, true, c.difference);
    assert.ok((c.defaulted['Series.ewm'] ?? 0) >= 1, JSON.stringify(c.defaulted));
    assert.match(c.refused ?? '', /falling back to pandas: .*Series\.ewm \(\d+\)/);
  });
});

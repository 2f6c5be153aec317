// A compiled work function inside the tasks: test/fixtures/parallel/sweep.py's sweep() calls damped(), a numeric
// kernel of the same file, once per item. Rewritten for the process pool (and Dask's LocalCluster), the tasks call
// damped compiled to Numba — recorded on its own calls, proven, behind its per-call guard — with the real engine and
// the real Numba. The applied program prints what the original printed, and its counters show the compiled damped ran
// in the workers; an item of another type (an int stiffness) runs the Python damped and gives the original's result.
// The Ray case runs on the Ray head of parallel-ray.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pythonEnv } from '../../python-env';
import { mixedItems, optimizeWithCallee, original, runApplied } from './callee-flow';

const store = mkdtempSync(join(tmpdir(), 'perf-lab-callee-'));
let python = '';
let unavailable = '';

after(() => rmSync(store, { recursive: true, force: true }));

describe('a compiled work function inside the tasks', () => {
  before(async () => {
    try {
      python = (await pythonEnv()).python;
    } catch (e) {
      unavailable = `the Python test environment could not be made: ${(e as Error).message}`;
    }
  });

  it('processes: damped runs as Numba in the pool’s workers, the program prints the same', { timeout: 600_000 }, async (t) => {
    if (unavailable) return t.skip(unavailable);
    const a = await optimizeWithCallee('processes', python, store);
    const out = runApplied(python, a, 6, 3000);
    assert.ok(out.startsWith(original(python, 6, 3000)), out);
    assert.match(out, /'calls': 1, 'fallbacks': 0, 'reason': '', 'callee_calls': 6, 'callee_fallbacks': 0/);
    // Two int stiffnesses: damped's guard runs the Python damped for those two, the compiled one for the floats.
    const [rewritten, orig, stats] = mixedItems(python, a).trim().split('\n');
    assert.equal(rewritten, orig);
    assert.match(stats!, /'callee_calls': 4, 'callee_fallbacks': 2, 'callee_reason': '[^']+'/);
  });

  it('dask: damped runs as Numba in a LocalCluster’s workers, the program prints the same', { timeout: 900_000 }, async (t) => {
    if (unavailable) return t.skip(unavailable);
    const a = await optimizeWithCallee('dask', python, store);
    const out = runApplied(python, a, 6, 3000);
    assert.ok(out.startsWith(original(python, 6, 3000)), out);
    assert.match(out, /'calls': 1, 'fallbacks': 0, 'reason': '', 'callee_calls': 6, 'callee_fallbacks': 0/);
  });
});

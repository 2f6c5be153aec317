// Profiles of a program that runs its work in a process pool: the workers' time is in the profile, a root per
// process, under cProfile (the helper's sitecustomize and fork hook) and under py-spy (--subprocesses).
import assert from 'node:assert/strict';
import { resolve, join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { Profile } from '../../../extension/profile/model';
import { profilePythonFile } from '../../../extension/profile/python-runner';
import { pythonEnv } from '../../python-env';

const root = resolve(__dirname, '..', '..', '..');
const program = join(root, 'test', 'fixtures', 'parallel', 'pool_profile.py');
// collatz_steps(20000) sums 1,834,604 steps; four items.
const expected = `${4 * 1834604}\n`;
let python = '';
before(async () => {
  python = (await pythonEnv()).python;
});

/** Per root of the flame graph: its name, its total, and the time of samples whose stack passes through `fn`. */
function roots(profile: Profile, fn: string): Map<string, { total: number; fn: number }> {
  const out = new Map<string, { total: number; fn: number }>();
  for (let i = 0; i < profile.sampleStack.length; i++) {
    let s = profile.sampleStack[i]!;
    let through = false;
    let top = s;
    while (s >= 0) {
      if (profile.frames[profile.stackFrame[s]!]!.name === fn) through = true;
      top = s;
      s = profile.stackParent[s]!;
    }
    const name = profile.frames[profile.stackFrame[top]!]!.name;
    const r = out.get(name) ?? { total: 0, fn: 0 };
    r.total += profile.sampleWeight[i]!;
    if (through) r.fn += profile.sampleWeight[i]!;
    out.set(name, r);
  }
  return out;
}

describe("profiles of a process pool's program", () => {
  for (const method of ['fork', 'spawn']) {
    it(`cProfile: each ${method} worker is a root holding the work function's time`, async () => {
      let stdout = '';
      const r = await profilePythonFile({
        file: program,
        args: [method],
        mode: 'cprofile',
        pythonPath: python,
        onOutput: (s, t) => s === 'stdout' && (stdout += t),
      });
      assert.equal(r.run.exitCode, 0);
      assert.equal(stdout, expected, 'the program computes what it computes unprofiled');
      const byRoot = roots(r.profile, 'collatz_steps');
      const names = [...byRoot.keys()];
      assert.ok(
        names.some((n) => /^main process \d+$/.test(n)),
        names.join(', '),
      );
      const prefix = method === 'fork' ? 'ForkProcess' : 'SpawnProcess';
      const workers = names.filter((n) => new RegExp(`^worker process \\d+ \\(${prefix}-\\d+\\)$`).test(n));
      assert.ok(workers.length >= 1, `no ${prefix} root among ${names.join(', ')}`);
      const main = byRoot.get(names.find((n) => n.startsWith('main process'))!)!;
      assert.equal(main.fn, 0, 'the main process never ran the work itself');
      let work = 0;
      for (const w of workers) {
        const { total, fn } = byRoot.get(w)!;
        // The worker's time is mostly the work: start-up, unpickling and the queue wait are the rest.
        assert.ok(fn > 0.3 * total, `${w}: collatz_steps ${fn.toFixed(1)} ms of ${total.toFixed(1)} ms`);
        work += fn;
      }
      // Four calls of about 0.1 s or more each on this machine; the main process waited for them as long.
      assert.ok(work > 100, `the workers' collatz_steps holds ${work.toFixed(1)} ms`);
      assert.ok(r.profile.calls, 'cProfile counts calls');
      const fi = r.profile.frames.findIndex((f) => f.name === 'collatz_steps');
      assert.equal(r.profile.calls[fi], 4, 'the calls are added up across the workers');
      assert.ok(r.notes.some((n) => /a root per process/.test(n)));
    });
  }

  it("cProfile: a Dask LocalCluster's workers are roots holding the task's time (run in the workers' threads)", async () => {
    let stdout = '';
    const r = await profilePythonFile({
      file: join(root, 'test', 'fixtures', 'parallel', 'dask_profile.py'),
      mode: 'cprofile',
      pythonPath: python,
      timeoutMs: 180_000,
      onOutput: (s, t) => s === 'stdout' && (stdout += t),
    });
    assert.equal(r.run.exitCode, 0);
    assert.equal(stdout, expected);
    const byRoot = roots(r.profile, 'collatz_steps');
    const workers = [...byRoot.keys()].filter((n) => /^worker process \d+ \(Dask Worker process/.test(n));
    assert.ok(workers.length >= 1, [...byRoot.keys()].join(', '));
    const work = workers.reduce((sum, n) => sum + byRoot.get(n)!.fn, 0);
    assert.ok(work > 100, `the Dask workers' collatz_steps holds ${work.toFixed(1)} ms`);
    const fi = r.profile.frames.findIndex((f) => f.name === 'collatz_steps');
    assert.equal(r.profile.calls![fi], 4);
  });

  it('py-spy: the workers are sampled too, a root per process', async () => {
    let stdout = '';
    const r = await profilePythonFile({
      file: program,
      args: ['spawn', '4', '30000'],
      mode: 'sampling',
      pythonPath: python,
      onOutput: (s, t) => s === 'stdout' && (stdout += t),
    });
    assert.match(r.run.profiler!, /^py-spy/);
    assert.equal(r.run.exitCode, 0);
    assert.ok(stdout.length > 0);
    const byRoot = roots(r.profile, 'collatz_steps');
    const names = [...byRoot.keys()];
    assert.ok(
      names.some((n) => /^main process \d+$/.test(n)),
      names.join(', '),
    );
    const work = names.filter((n) => /^process \d+$/.test(n)).reduce((sum, n) => sum + byRoot.get(n)!.fn, 0);
    assert.ok(work > 100, `the worker processes' samples in collatz_steps hold ${work.toFixed(1)} ms (${names.join(', ')})`);
  });
});

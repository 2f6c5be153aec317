// The processes and Dask targets with the real engines (no mocks), through the optimize flow as both front ends run
// it: test/fixtures/parallel/sims.py's loops recorded, rewritten, proven on the recorded calls and edge cases,
// benchmarked, applied, and the applied program run again, printing what the original printed. A short loop is
// measured as a whole program and the answer is to keep it serial. The Dask rewrite then runs unchanged on a real
// scheduler and worker started here on 127.0.0.1, reached only through DASK_SCHEDULER_ADDRESS; both are stopped by
// their process ids at the end. (Ray, slow to start, has its own file: parallel-ray.test.ts.)
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writePlan } from '../../../extension/apply/apply';
import type { PythonCandidate } from '../../../extension/compiler/compile-python';
import { applyDecision, planApplyStep } from '../../../extension/optimize/apply-step';
import { optimize, optimizeRequest, type OptimizeOutcome } from '../../../extension/optimize/optimize';
import type { TargetId } from '../../../extension/protocol';
import type { PythonProof } from '../../../extension/prove/prove-python';
import { pythonEnv } from '../../python-env';
import { startDaskCluster, stopGroup } from './dask-cluster';

const FIXTURE = join(__dirname, '..', '..', 'fixtures', 'parallel', 'sims.py');
const store = mkdtempSync(join(tmpdir(), 'perf-lab-parallel-'));
let python = '';
let unavailable = '';
const started: ChildProcess[] = [];

after(() => {
  for (const p of started) stopGroup(p);
  rmSync(store, { recursive: true, force: true });
});

interface Applied {
  outcome: Extract<OptimizeOutcome, { kind: 'done' }>;
  file: string;
  module: string;
}

/** Optimizes `fn` of a copy of sims.py for one target, with the program run as `sims.py fn n steps`, and applies it. */
async function optimizeAndApply(fn: string, target: TargetId, n: number, steps: number, wholeProgramS = 0): Promise<Applied> {
  const dir = mkdtempSync(join(store, `${fn}-`));
  const file = join(dir, 'sims.py');
  copyFileSync(FIXTURE, file);
  const outcome = await optimize(
    optimizeRequest({
      file,
      functionName: fn,
      target,
      programArgs: [fn, String(n), String(steps)],
      store: join(store, 'store'),
      pythonPath: python,
      timeMs: 300,
      wholeProgramS,
      willApply: true,
    }),
  );
  assert.equal(outcome.kind, 'done', JSON.stringify(outcome.kind === 'refused' ? outcome.refusal : ''));
  if (outcome.kind !== 'done') throw new Error('refused');
  const r = outcome.targets.find((t) => t.target === target)!;
  assert.ok(r.candidate, r.buildError);
  const proof = r.proof as PythonProof;
  assert.ok(proof.ok, proof.reason);
  assert.ok(proof.recordedCases >= 1 && proof.mismatches === 0);
  assert.equal(proof.fallbacks, 0, JSON.stringify(proof.fallbackReasons));
  const candidate = r.candidate as PythonCandidate;
  const plan = await planApplyStep({ file, source: outcome.source, functionName: fn, candidate, proof, python });
  await writePlan(plan);
  assert.match(readFileSync(file, 'utf8'), new RegExp(`^def _${fn}_py\\(seeds, steps\\):`, 'm'));
  return { outcome, file, module: candidate.moduleName };
}

/** What the original program prints. */
function original(fn: string, n: number, steps: number): string {
  const r = spawnSync(python, [FIXTURE, fn, String(n), String(steps)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** Runs the applied program as __main__ and prints the rewrite's counters after its output. */
function runApplied(a: Applied, args: string[], env: NodeJS.ProcessEnv = {}, prelude = ''): { stdout: string; stderr: string } {
  const code = `${prelude}import runpy, sys; sys.argv = [${JSON.stringify(a.file)}, ${args.map((x) => JSON.stringify(x)).join(', ')}]; runpy.run_path(${JSON.stringify(a.file)}, run_name="__main__"); import ${a.module} as m; print(m._stats)`;
  const r = spawnSync(python, ['-c', code], { encoding: 'utf8', cwd: dirname(a.file), env: { ...process.env, ...env }, timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr);
  return { stdout: r.stdout, stderr: r.stderr };
}

describe('parallel targets with the real engines', () => {
  before(async () => {
    try {
      python = (await pythonEnv()).python;
    } catch (e) {
      unavailable = `the Python test environment could not be made: ${(e as Error).message}`;
    }
  });

  it('processes: a short append loop is proven and applied exactly, and the whole program says keep it serial', { timeout: 600_000 }, async (t) => {
    if (unavailable) return t.skip(unavailable);
    const a = await optimizeAndApply('run_append', 'processes', 4, 20, 8);
    const w = a.outcome.wholeProgram;
    assert.ok(w?.measured, JSON.stringify(w));
    assert.notEqual(w.verdict, 'faster', 'four items of 20 steps cannot pay for a process pool');
    const decision = applyDecision(a.outcome, 'processes');
    assert.ok(!decision.ok && /the program as a whole/.test(decision.reason), JSON.stringify(decision));
    const run = runApplied(a, ['run_append', '6', '3000']);
    assert.ok(run.stdout.startsWith(original('run_append', 6, 3000)), run.stdout);
    assert.match(run.stdout, /'calls': 1, 'fallbacks': 0/);
  });

  for (const fn of ['run_indexed', 'run_sum']) {
    it(`processes: ${fn} is proven, applied, and prints the same, under fork and under spawn`, { timeout: 600_000 }, async (t) => {
      if (unavailable) return t.skip(unavailable);
      const a = await optimizeAndApply(fn, 'processes', 6, 2000);
      const expected = original(fn, 6, 3000);
      for (const prelude of ['', 'import multiprocessing; multiprocessing.set_start_method("spawn"); ']) {
        const run = runApplied(a, [fn, '6', '3000'], {}, prelude);
        assert.ok(run.stdout.startsWith(expected), `${prelude || 'fork'}: ${run.stdout}`);
        assert.match(run.stdout, /'calls': 1, 'fallbacks': 0/, prelude);
      }
    });
  }

  it('dask: a comprehension on a LocalCluster, then the same rewrite on a scheduler at DASK_SCHEDULER_ADDRESS', { timeout: 900_000 }, async (t) => {
    if (unavailable) return t.skip(unavailable);
    const a = await optimizeAndApply('run_comprehension', 'dask', 6, 2000);
    const expected = original('run_comprehension', 6, 3000);
    const local = runApplied(a, ['run_comprehension', '6', '3000']);
    assert.ok(local.stdout.startsWith(expected), local.stdout);
    assert.match(local.stdout, /'calls': 1, 'fallbacks': 0/);

    const { address, scheduler, worker, log } = await startDaskCluster(python, store, 1, started);
    assert.match(address, /^tcp:\/\/127\.0\.0\.1:\d+$/);
    const remote = runApplied(a, ['run_comprehension', '6', '3000'], { DASK_SCHEDULER_ADDRESS: address });
    assert.ok(remote.stdout.startsWith(expected), remote.stdout);
    assert.match(remote.stdout, /'calls': 1, 'fallbacks': 0/);
    // The scheduler ran the program's tasks: their names start with the work's chunk function.
    const asked = spawnSync(
      python,
      [
        '-c',
        `from distributed import Client; c = Client(${JSON.stringify(address)}); print(sorted(c.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.task_prefixes)))); c.close()`,
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(asked.status, 0, asked.stderr);
    assert.match(asked.stdout, /run_chunk/, `the program's tasks did not reach the scheduler:\n${asked.stdout}\n${log()}`);
    stopGroup(worker);
    stopGroup(scheduler);
  });
});

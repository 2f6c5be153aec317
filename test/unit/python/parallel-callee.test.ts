// A compiled work function inside the tasks: test/fixtures/parallel/sweep.py's sweep() calls damped(), a numeric
// kernel of the same file, once per item. Rewritten for the process pool (and Dask's LocalCluster), the tasks call
// damped compiled to Numba — recorded on its own calls, proven, behind its per-call guard — with the real engine and
// the real Numba. The applied program prints what the original printed, and its counters show the compiled damped ran
// in the workers; an item of another type (an int stiffness) runs the Python damped and gives the original's result.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writePlan } from '../../../extension/apply/apply';
import type { PythonCandidate } from '../../../extension/compiler/compile-python';
import { planApplyStep } from '../../../extension/optimize/apply-step';
import { optimize, optimizeRequest } from '../../../extension/optimize/optimize';
import type { TargetId } from '../../../extension/protocol';
import type { PythonProof } from '../../../extension/prove/prove-python';
import { pythonEnv } from '../../python-env';

const FIXTURE = join(__dirname, '..', '..', 'fixtures', 'parallel', 'sweep.py');
const store = mkdtempSync(join(tmpdir(), 'perf-lab-callee-'));
let python = '';
let unavailable = '';

after(() => rmSync(store, { recursive: true, force: true }));

/** Runs `code` in the folder of `file` with the interpreter; its stdout. */
function py(file: string, code: string, env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(python, ['-c', code], { encoding: 'utf8', cwd: dirname(file), env: { ...process.env, ...env }, timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** Optimizes sweep() of a copy of sweep.py for `target`, checks the compiled callee was built and proven, applies it. */
async function optimizeAndApply(target: TargetId): Promise<{ file: string; module: string; callee: string }> {
  const dir = mkdtempSync(join(store, `${target}-`));
  const file = join(dir, 'sweep.py');
  copyFileSync(FIXTURE, file);
  const outcome = await optimize(
    optimizeRequest({
      file,
      functionName: 'sweep',
      target,
      programArgs: ['6', '2000'],
      store: join(store, 'store'),
      pythonPath: python,
      timeMs: 200,
      wholeProgramS: 0,
      willApply: true,
    }),
  );
  assert.equal(outcome.kind, 'done', JSON.stringify(outcome.kind === 'refused' ? outcome.refusal : ''));
  if (outcome.kind !== 'done') throw new Error('refused');
  const r = outcome.targets.find((t) => t.target === target)!;
  assert.ok(r.candidate, r.buildError);
  const candidate = r.candidate as PythonCandidate;
  assert.match(candidate.log[0]!, /damped compiled to Numba inside each task/, candidate.log.join('\n'));
  assert.ok(
    candidate.log.some((l) => /^damped runs as Numba inside each task, behind its per-call guard \(proven on \d+ recorded call/.test(l)),
    candidate.log.join('\n'),
  );
  const callee = Object.keys(candidate.files).find((f) => /^sweep_damped_numba_\w+\.py$/.test(f) && !f.endsWith('_kernel.py'));
  assert.ok(callee, Object.keys(candidate.files).join(', '));
  const proof = r.proof as PythonProof;
  assert.ok(proof.ok, proof.reason);
  assert.equal(proof.mismatches, 0);
  const plan = await planApplyStep({ file, source: outcome.source, functionName: 'sweep', candidate, proof, python });
  await writePlan(plan);
  for (const f of Object.keys(candidate.files)) assert.ok(existsSync(join(dir, f)), `${f} was not written beside the program`);
  assert.match(readFileSync(file, 'utf8'), /^def _sweep_py\(ks, c, steps\):/m);
  return { file, module: candidate.moduleName, callee: callee.replace(/\.py$/, '') };
}

/** What the original program prints for `n` items of `steps` steps. */
function original(n: number, steps: number): string {
  const r = spawnSync(python, [FIXTURE, String(n), String(steps)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** The applied program run as __main__, then its parallel module's counters. */
function runApplied(a: { file: string; module: string }, n: number, steps: number): string {
  return py(
    a.file,
    `import runpy, sys; sys.argv = [${JSON.stringify(a.file)}, "${n}", "${steps}"]; runpy.run_path(${JSON.stringify(a.file)}, run_name="__main__"); import ${a.module} as m; print(m._stats)`,
  );
}

/** sweep() of the applied program on stiffnesses of which some are ints (damped was recorded with floats). */
function mixedItems(a: { file: string; module: string }): string {
  return py(
    a.file,
    `import sys; sys.path.insert(0, "."); import sweep, ${a.module} as m; print(repr(sweep.sweep([0.75, 2, 1.5, 3], 0.1, 1500))); print(repr(sweep._sweep_py([0.75, 2, 1.5, 3], 0.1, 1500))); print(m._stats)`,
  );
}

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
    const a = await optimizeAndApply('processes');
    const out = runApplied(a, 6, 3000);
    assert.ok(out.startsWith(original(6, 3000)), out);
    assert.match(out, /'calls': 1, 'fallbacks': 0, 'reason': '', 'callee_calls': 6, 'callee_fallbacks': 0/);
    // Two int stiffnesses: damped's guard runs the Python damped for those two, the compiled one for the floats.
    const [rewritten, orig, stats] = mixedItems(a).trim().split('\n');
    assert.equal(rewritten, orig);
    assert.match(stats!, /'callee_calls': 4, 'callee_fallbacks': 2, 'callee_reason': '[^']+'/);
  });

  it('dask: damped runs as Numba in a LocalCluster’s workers, the program prints the same', { timeout: 900_000 }, async (t) => {
    if (unavailable) return t.skip(unavailable);
    const a = await optimizeAndApply('dask');
    const out = runApplied(a, 6, 3000);
    assert.ok(out.startsWith(original(6, 3000)), out);
    assert.match(out, /'calls': 1, 'fallbacks': 0, 'reason': '', 'callee_calls': 6, 'callee_fallbacks': 0/);
  });
});

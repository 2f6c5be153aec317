// The compiled-callee flow shared by the tests of the parallel targets: test/fixtures/parallel/sweep.py's sweep()
// calls damped(), a numeric kernel of the same file, once per item. optimizeWithCallee rewrites sweep for a parallel
// target with damped compiled to Numba inside each task (recorded on its own calls, proven, behind its per-call
// guard), checks the build and the proof, and applies it to a copy of the file; the other helpers run the original and
// the applied program with the real interpreter.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writePlan } from '../../../extension/apply/apply';
import type { PythonCandidate } from '../../../extension/compiler/compile-python';
import { planApplyStep } from '../../../extension/optimize/apply-step';
import { optimize, optimizeRequest } from '../../../extension/optimize/optimize';
import type { TargetId } from '../../../extension/protocol';
import type { PythonProof } from '../../../extension/prove/prove-python';

export const SWEEP = join(__dirname, '..', '..', 'fixtures', 'parallel', 'sweep.py');

/** The applied copy of sweep.py: its path, its parallel module and its compiled callee's module. */
export interface AppliedSweep {
  file: string;
  module: string;
  callee: string;
}

/** Runs `code` in the folder of `file` with the interpreter; its stdout. */
export function py(python: string, file: string, code: string, env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(python, ['-c', code], { encoding: 'utf8', cwd: dirname(file), env: { ...process.env, ...env }, timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** Optimizes sweep() of a copy of sweep.py for `target`, checks the compiled callee was built and proven, applies it. */
export async function optimizeWithCallee(target: TargetId, python: string, store: string): Promise<AppliedSweep> {
  const dir = mkdtempSync(join(store, `${target}-`));
  const file = join(dir, 'sweep.py');
  copyFileSync(SWEEP, file);
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
export function original(python: string, n: number, steps: number): string {
  const r = spawnSync(python, [SWEEP, String(n), String(steps)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** The applied program run as __main__, then its parallel module's counters. */
export function runApplied(python: string, a: AppliedSweep, n: number, steps: number): string {
  return py(
    python,
    a.file,
    `import runpy, sys; sys.argv = [${JSON.stringify(a.file)}, "${n}", "${steps}"]; runpy.run_path(${JSON.stringify(a.file)}, run_name="__main__"); import ${a.module} as m; print(m._stats)`,
  );
}

/** sweep() of the applied program on stiffnesses of which some are ints (damped was recorded with floats). */
export function mixedItems(python: string, a: AppliedSweep): string {
  return py(
    python,
    a.file,
    `import sys; sys.path.insert(0, "."); import sweep, ${a.module} as m; print(repr(sweep.sweep([0.75, 2, 1.5, 3], 0.1, 1500))); print(repr(sweep._sweep_py([0.75, 2, 1.5, 3], 0.1, 1500))); print(m._stats)`,
  );
}

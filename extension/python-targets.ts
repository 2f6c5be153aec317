// Building and proving a Python function for each target asked for, shared by the command line and the editor:
// every target is compiled first, then each build is proven on the recorded calls.
import type { StageOptions } from './compiler/compile';
import { compilePython, type PythonCandidate, type PythonKernel, type PythonTarget } from './compiler/compile-python';
import { CancelledError, PerfLabError, userMessage } from './errors';
import { provePython, type PythonProof } from './prove/prove-python';
import type { PythonRecording } from './record/record-python';

/** One target of a run: what was built and proven, or why it could not be built. */
export interface PythonTargetOutcome {
  target: PythonTarget;
  candidate?: PythonCandidate;
  buildError?: string;
  proof?: PythonProof;
}

/** What the command line prints and the editor logs as each target is built and proven. */
export interface PythonBuildHooks {
  compiled?(candidate: PythonCandidate): void;
  unavailable?(target: PythonTarget, message: string): void;
  proved?(proof: PythonProof): void;
}

/**
 * Compiles the kernel for each target, then proves each build on the recording. With one target asked for, a failed
 * build is thrown; with several, the target is kept with the reason and the others go on.
 */
export async function buildAndProvePython(
  kernel: PythonKernel,
  targets: readonly PythonTarget[],
  rec: PythonRecording,
  opts: StageOptions & { python: string; cacheDir: string },
  hooks: PythonBuildHooks = {},
): Promise<PythonTargetOutcome[]> {
  const outcomes: PythonTargetOutcome[] = [];
  for (const target of targets) {
    try {
      const candidate = await compilePython(kernel, target, opts);
      hooks.compiled?.(candidate);
      outcomes.push({ target, candidate });
    } catch (e) {
      if (!(e instanceof PerfLabError) || e instanceof CancelledError || targets.length === 1) throw e;
      hooks.unavailable?.(target, userMessage(e));
      outcomes.push({ target, buildError: userMessage(e) });
    }
  }
  for (const o of outcomes) {
    if (!o.candidate) continue;
    o.proof = await provePython(o.candidate, rec, opts);
    hooks.proved?.(o.proof);
  }
  return outcomes;
}

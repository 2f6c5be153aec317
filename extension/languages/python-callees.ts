// A compiled work function inside the tasks of a parallel target: where one iteration of the parallel loop calls a
// function of the same file (`results.append(simulate(seed, steps))`), that function is recorded on its own calls,
// lowered, compiled to Numba and proven equal to the original on those calls and the edge cases, as any Numba rewrite
// is. The parallel module (compiler/backend-parallel.ts) then calls it, through the Numba wrapper's per-call guard and
// its fallback to the Python function, inside each process, Ray or Dask task. A callee that cannot be recorded,
// lowered, built or proven stays Python, with the reason in the candidate's log.
import { basename } from 'node:path';
import type { WorkCallee } from '../compiler/backend-parallel';
import type { ParallelLoopPlan } from '../compiler/parallel-py';
import { CancelledError, userMessage } from '../errors';
import type { PythonRuntime } from '../profile/python-runner';
import { throwIfCancelled, type StageOptions } from '../progress';

export interface WorkCalleeRequest extends StageOptions {
  file: string;
  python: PythonRuntime;
  /** The program's arguments, as for the entry's recording. */
  args: string[];
  timeoutMs: number;
  /** Where recordings are kept (the callee's is stored beside the entry's, by its own name). */
  store: string;
  /** The Python build cache. */
  cacheDir: string;
}

/** The file's functions one iteration calls by name, in the body's order (a callee's own callees are compiled with it). */
export function directCallees(plan: ParallelLoopPlan): string[] {
  return plan.callees.filter((name) => new RegExp(`(^|[^\\w.])${name}\\s*\\(`, 'm').test(plan.body));
}

/** Each direct callee compiled to Numba and proven, or the reason it stays Python. */
export async function compileWorkCallees(plan: ParallelLoopPlan, req: WorkCalleeRequest): Promise<WorkCallee[]> {
  const out: WorkCallee[] = [];
  for (const name of directCallees(plan)) {
    try {
      out.push(await compileOne(name, req));
    } catch (e) {
      if (e instanceof CancelledError) throw e;
      out.push({ name, note: `${name} stays Python inside the tasks: ${userMessage(e)}` });
    }
  }
  return out;
}

async function compileOne(name: string, req: WorkCalleeRequest): Promise<WorkCallee> {
  const stage = { ...(req.signal ? { signal: req.signal } : {}), ...(req.progress ? { progress: req.progress } : {}) };
  const { checkRequirements, compilePython, pythonBackend } = await import('../compiler/compile-python');
  // Numba missing: said before the program is run again to record the callee.
  await checkRequirements(req.python.execPath, await pythonBackend('numba'), req.signal);
  const rec = await import('../record/record-python');
  req.progress?.({ message: `Recording ${name}, which each iteration calls…` });
  const recording =
    (await rec.loadPythonRecording(req.store, req.file, name)) ??
    (await rec.recordPython({ file: req.file, functionName: name, python: req.python, args: req.args, timeoutMs: req.timeoutMs }, req.store, stage));
  throwIfCancelled(req.signal);
  const { exportPythonAst, lowerPython } = await import('../compiler/frontend-py');
  const ast = await exportPythonAst(req.python.execPath, req.file, name, req.signal);
  const params = rec.recordedPyParamTypes(recording);
  const lowered = lowerPython(ast, basename(req.file), { params, globals: rec.recordedPyGlobalTypes(recording) });
  if (!lowered.ok) {
    const { formatRefusal } = await import('../compiler/refusal');
    return { name, note: `${name} stays Python inside the tasks: Numba cannot compile it (${formatRefusal(lowered.refusal)})` };
  }
  const candidate = await compilePython(lowered.kernel, 'numba', { ...stage, python: req.python.execPath, cacheDir: req.cacheDir });
  const { provePython } = await import('../prove/prove-python');
  const proof = await provePython(candidate, recording, { ...stage, python: req.python.execPath });
  if (!proof.ok) return { name, note: `${name} stays Python inside the tasks: its Numba version was not proven (${proof.reason ?? 'a mismatch'})` };
  return {
    name,
    candidate,
    note: `${name} runs as Numba inside each task, behind its per-call guard (proven on ${proof.recordedCases} recorded call${proof.recordedCases === 1 ? '' : 's'} and ${proof.edgeCases} edge cases; other arguments run the Python ${name})`,
  };
}

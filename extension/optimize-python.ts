// `perf-lab optimize file.py --fn name`: record → compile (Numba, Cython, pybind11) → prove → bench (→ apply) for a
// Python function, printing each stage as the JavaScript flow does. Loaded late by the command line's optimizeFlow.
import { readFile } from 'node:fs/promises';
import { basename, join, relative, isAbsolute } from 'node:path';
import { writePlan } from './apply/apply';
import { checkPythonApplyClashes, planApplyPython } from './apply/apply-python';
import { benchPython, type PythonBenchResult } from './bench/bench-python';
import { bestTarget, multiBenchReport, type CliIO, type OptimizeFlowOptions } from './cli';
import { pythonTargetName, pythonTargetsOf } from './compiler/compile-python';
import { selectPythonKernel } from './compiler/frontend-py';
import { formatRefusal } from './compiler/refusal';
import { probePython } from './profile/python-runner';
import { describePythonProof, type PythonProof } from './prove/prove-python';
import { buildAndProvePython } from './python-targets';
import { loadPythonRecording, recordPython, recordedPyParamTypes, type PythonRecording } from './record/record-python';


function shown(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/** record → compile → prove → bench (→ apply) for a function of a .py file; `ok` is false on a refusal or a failed proof. */
export async function optimizePythonFlow(o: OptimizeFlowOptions, signal: AbortSignal, io: CliIO): Promise<{ ok: boolean; pythonBench?: PythonBenchResult; proofs?: PythonProof[] }> {
  const { path, functionName, programArgs, timeMs, timeoutMs, store } = o;
  const stage = { signal };
  const targets = pythonTargetsOf(o.pythonTarget ?? 'numba');
  // Before recording: a name or a file that would stop the apply is reported at once, not after the benchmark.
  if (o.apply) await checkPythonApplyClashes({ file: path, functionName, targets });
  const runtime = await probePython(o.pythonPath || 'python3');
  const python = runtime.execPath;
  let rec: PythonRecording | undefined = o.rerecord ? undefined : await loadPythonRecording(store, path, functionName);
  if (rec) {
    io.out(`Using the recording of ${functionName} from ${rec.recordedAt} (${rec.calls.length} of ${rec.totalCalls} calls; --rerecord to record again)\n`);
  } else {
    io.out(`Recording the calls of ${functionName} in ${shown(path)}${programArgs.length > 0 ? ` ${programArgs.join(' ')}` : ''} (Python ${runtime.version})…\n`);
    rec = await recordPython({ file: path, functionName, python: runtime, args: programArgs, timeoutMs, ...(io.programOutput ? { onOutput: io.programOutput } : {}) }, store, stage);
    io.out(`Recorded ${rec.calls.length} of ${rec.totalCalls} call${rec.totalCalls === 1 ? '' : 's'}${rec.truncated ? ' (first calls plus a uniform sample)' : ''}, kept in ${shown(store)}\n`);
  }

  const source = await readFile(path, 'utf8');
  const params = recordedPyParamTypes(rec);
  const selected = await selectPythonKernel({ python, file: path, fileName: basename(path), functionName, params, signal });
  const into = targets.map(pythonTargetName).join(' or ');
  if (!selected.ok) {
    io.out(`\nRefused: ${functionName} cannot be compiled to ${into}: ${formatRefusal(selected.refusal)}\n`);
    return { ok: false };
  }
  const as = params.some(Boolean) ? ` (${params.map((p) => p ?? '?').join(', ')}, as recorded)` : '';
  let proving = false;
  const outcomes = await buildAndProvePython(selected.kernel, targets, rec, { ...stage, python, cacheDir: join(store, 'python') }, {
    compiled: (c) => io.out(`Compiled ${functionName}${as} to ${pythonTargetName(c.target)}: ${shown(join(c.dir, `${c.moduleName}.py`))} (${c.log[0]})\n`),
    unavailable: (t, message) => io.out(`${pythonTargetName(t)} is not available: ${message}\n`),
    proved: (proof) => {
      if (!proving) io.out('\n');
      proving = true;
      io.out(describePythonProof(proof, functionName));
    },
  });
  if (!outcomes.some((o) => o.candidate)) {
    io.out('\n');
    return { ok: false };
  }
  const proofs = outcomes.flatMap((o) => (o.proof ? [o.proof] : []));
  const proven = outcomes.flatMap((o) => (o.candidate && o.proof?.ok ? [{ candidate: o.candidate, proof: o.proof }] : []));
  if (proven.length === 0) {
    io.out('\nNot benchmarked: only a proven rewrite is worth measuring.\n');
    return { ok: false, proofs };
  }
  io.out(`\nBenchmarking (${(timeMs / 1000).toFixed(1)} s per variant, each in its own process)…\n`);
  const bench = await benchPython(proven.map((p) => p.candidate), rec, { ...stage, python, timeMs, ...(io.progress ? { progress: io.progress } : {}) });
  io.out(multiBenchReport(bench, 'Python'));

  if (o.apply) {
    const best = bestTarget(bench);
    const chosen = proven.find((p) => p.candidate.target === best?.target) ?? proven[0]!;
    const plan = await planApplyPython({ file: path, source, functionName, candidate: chosen.candidate, proof: chosen.proof, python });
    await writePlan(plan);
    io.out(`\nApplied (${pythonTargetName(chosen.candidate.target)}): ${plan.summary}\n`);
    for (const f of plan.files) io.out(`  wrote   ${shown(f.path)}\n`);
    io.out(`  edited  ${shown(path)}\n`);
    const t = bench.targets.find((x) => x.target === chosen.candidate.target)!;
    if (t.verdict !== 'faster') io.out(`Note: the benchmark says ${t.verdict}; this rewrite will not make the program faster (${t.recommendation}).\n`);
  }
  return { ok: true, pythonBench: bench, proofs };
}

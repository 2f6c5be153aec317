// Python as a language of the optimize flow: the user's interpreter runs the program, `record/record-python.ts`
// records the function's calls, `compiler/frontend-py.ts` selects the kernel, `prove/prove-python.ts` and
// `bench/bench-python.ts` run candidates in the interpreter, `apply/apply-python.ts` plans the rewrite.
import { basename } from 'node:path';
import type { WorkCallee } from '../compiler/backend-parallel';
import type { PythonCandidate } from '../compiler/compile-python';
import type { ParallelLoopPlan } from '../compiler/parallel-py';
import type { Refusal } from '../compiler/refusal';
import type { PythonSelection } from '../targets';
import type { PythonProof } from '../prove/prove-python';
import type { PythonRecording } from '../record/record-python';
import type { PythonRuntime } from '../profile/python-runner';
import type { ApplyPlan } from '../apply/apply';
import type { ApplyStepInput, LanguageStages, StageRequest, StageRunOptions } from './index';

/** The parameter types a recording gave, in words, or undefined when it gave none. */
function typesInWords(params: readonly (string | undefined)[] | undefined): string[] | undefined {
  if (!params || !params.some(Boolean)) return undefined;
  return params.map((p) => p ?? '?');
}

export async function pythonStages(req: StageRequest, o: StageRunOptions): Promise<LanguageStages> {
  const { file, functionName, store } = req;
  const stage = { ...(o.signal ? { signal: o.signal } : {}), ...(o.progress ? { progress: o.progress } : {}) };
  let probed: Promise<PythonRuntime> | undefined;
  const python = () => (probed ??= import('../profile/python-runner').then((m) => m.probePython(req.pythonPath || 'python3')));
  return {
    runtime: async () => {
      const r = await python();
      return { execPath: r.execPath, version: r.version, label: `Python ${r.version}` };
    },
    checkApplyClashes: async (targets) =>
      (await import('../apply/apply-python')).checkPythonApplyClashes({ file, functionName, targets: targets as PythonCandidate['target'][] }),
    load: async () => (await import('../record/record-python')).loadPythonRecording(store, file, functionName),
    record: async () =>
      (await import('../record/record-python')).recordPython(
        { file, functionName, python: await python(), args: req.programArgs, timeoutMs: req.timeoutMs, ...(o.onOutput ? { onOutput: o.onOutput } : {}) },
        store,
        stage,
      ),
    select: async (r, source) => {
      const rec = r as PythonRecording;
      const { recordedPyAttrTypes, recordedPyGlobalTypes, recordedPyParamTypes } = await import('../record/record-python');
      const { exportPythonAst, lowerPython } = await import('../compiler/frontend-py');
      const { isParallelTarget } = await import('../compiler/backend-parallel');
      const params = recordedPyParamTypes(rec);
      // The lowered function for the compiled targets, the parallel loop for the parallel ones: each only when asked.
      const asked = req.targets ?? [];
      const wantsLoop = asked.some((t) => isParallelTarget(t));
      const wantsKernel = asked.length === 0 || asked.some((t) => !isParallelTarget(t));
      const ast = await exportPythonAst((await python()).execPath, file, functionName, stage.signal);
      const selection: PythonSelection = {};
      if (wantsKernel)
        selection.kernel = lowerPython(ast, basename(file), {
          ...(params ? { params } : {}),
          globals: recordedPyGlobalTypes(rec),
          attrs: recordedPyAttrTypes(rec),
        });
      if (wantsLoop) selection.loop = (await import('../compiler/parallel-py')).findParallelLoop(ast, basename(file), source);
      const parts = [selection.kernel, selection.loop].filter((p) => p !== undefined);
      // Refused when nothing asked for qualifies: the reason of the first kind asked for.
      if (parts.every((p) => !p.ok)) return { ok: false, refusal: (parts[0] as { refusal: Refusal }).refusal };
      const recordedTypes = typesInWords(params);
      return { ok: true, kernel: selection, ...(recordedTypes ? { recordedTypes } : {}) };
    },
    dispatch: async (r, selected, targets) => {
      const rec = r as PythonRecording;
      const loop = (selected as PythonSelection).loop;
      if (!rec.timing || !loop?.ok || !loop.plan.items) return [];
      const { dispatchOutlook, recordedItems } = await import('../bench/dispatch');
      const { readFile } = await import('node:fs/promises');
      const doc = 'blobs' in rec ? rec : JSON.parse(await readFile(rec.dataPath, 'utf8').catch(() => 'null'));
      const items = recordedItems(doc, loop.plan.items);
      if (items === undefined) return [];
      const costs = await import('../bench/break-even');
      const known = await costs.loadProcessCosts(store).catch(() => []);
      const label = `Python ${(await python()).version}`;
      const { availableParallelism } = await import('node:os');
      const { isParallelTarget } = await import('../compiler/backend-parallel');
      return targets
        .filter((t) => isParallelTarget(t))
        .map((t) => dispatchOutlook(t, rec.timing!, rec.totalCalls, items, req.workers || availableParallelism(), costs.learnedProcessCost(known, t, label)))
        .filter((d) => d !== undefined);
    },
    buildContext: async () => {
      // The work's callees are recorded, compiled and proven once per loop, for whichever engines are built.
      const callees = new Map<ParallelLoopPlan, Promise<WorkCallee[]>>();
      const workCallees = (plan: ParallelLoopPlan, cacheDir: string): Promise<WorkCallee[]> => {
        let got = callees.get(plan);
        if (!got) {
          got = python().then(async (runtime) =>
            (await import('./python-callees')).compileWorkCallees(plan, {
              ...stage,
              file,
              python: runtime,
              args: req.programArgs,
              timeoutMs: req.timeoutMs,
              store,
              cacheDir,
            }),
          );
          callees.set(plan, got);
        }
        return got;
      };
      return { python: (await python()).execPath, ...(req.workers ? { workers: req.workers } : {}), workCallees };
    },
    prove: async (c, rec) =>
      (await import('../prove/prove-python')).provePython(c as PythonCandidate, rec as PythonRecording, { ...stage, python: (await python()).execPath }),
    programCommand: async () => ({ execPath: (await python()).execPath, args: [] }),
    bench: async (cs, rec, _source, progress) =>
      (await import('../bench/bench-python')).benchPython(cs as PythonCandidate[], rec as PythonRecording, {
        ...stage,
        progress,
        python: (await python()).execPath,
        timeMs: req.timeMs,
      }),
  };
}

export async function planPythonApply(s: ApplyStepInput): Promise<ApplyPlan> {
  const { planApplyPython } = await import('../apply/apply-python');
  return planApplyPython({
    file: s.file,
    source: s.source,
    functionName: s.functionName,
    candidate: s.candidate as PythonCandidate,
    proof: s.proof as PythonProof,
    python: s.python ?? 'python3',
  });
}

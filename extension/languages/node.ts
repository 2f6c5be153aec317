// JavaScript and TypeScript as a language of the optimize flow: Node runs the program, `record/record.ts` records
// the function's calls, `compiler/frontend-js.ts` selects the kernel, `prove/prove.ts` and `bench/bench.ts` run
// candidates in Node child processes, `apply/apply.ts` plans the rewrite. The break-even model predicts beside the
// measurement.
import { basename } from 'node:path';
import type { Candidate, JsCandidate } from '../compiler/compile';
import type { MultiBenchResult } from '../bench/bench';
import type { Proof } from '../prove/prove';
import type { Recording } from '../record/recording';
import { buildCacheDir, type ApplyStepInput, type LanguageRuntime, type LanguageStages, type StageRequest, type StageRunOptions } from './index';
import type { ApplyPlan } from '../apply/apply';

export async function nodeStages(req: StageRequest, o: StageRunOptions): Promise<LanguageStages> {
  const { file, functionName, store, nodePath } = req;
  const stage = { ...(o.signal ? { signal: o.signal } : {}), ...(o.progress ? { progress: o.progress } : {}) };
  const original = (source: string) => ({ source, fileName: basename(file), functionName });
  let probed: Promise<LanguageRuntime> | undefined;
  const runtime = () =>
    (probed ??= import('../profile/node-runner').then(async (m) => {
      const r = await m.probeNode(nodePath || 'node');
      return { execPath: r.execPath, version: r.version, label: `Node.js ${r.version}` };
    }));
  return {
    runtime,
    checkApplyClashes: async (targets) => (await import('../apply/apply')).checkApplyClashes({ file, functionName, targets }),
    load: async () => (await import('../record/store')).loadRecording(store, file, functionName),
    record: async () => {
      const { record } = await import('../record/record');
      const rec = await record(
        {
          file,
          functionName,
          args: req.programArgs,
          timeoutMs: req.timeoutMs,
          ...(nodePath ? { nodePath } : {}),
          ...(o.onOutput ? { onOutput: o.onOutput } : {}),
        },
        stage,
      );
      await (await import('../record/store')).saveRecording(store, rec);
      return rec;
    },
    select: async (r, source) => {
      const rec = r as Recording;
      const { recordedParams } = await import('../record/recording');
      const { selectKernel } = await import('../compiler/compile');
      // A parameter whose recorded values the compiler does not take is refused by name, with what was passed.
      const params = recordedParams(rec, rec.arity);
      const selected = await selectKernel({ source, fileName: basename(file), functionName, ...(params ? { params } : {}) }, stage);
      if (!selected.ok) return selected;
      return { ok: true, kernel: selected.kernel, ...(params ? { recordedTypes: params.map((p) => (typeof p === 'string' ? p : p.passed)) } : {}) };
    },
    buildContext: async () => ({ ...(nodePath ? { nodePath } : {}), ...(req.optIns ? { optIns: req.optIns } : {}) }),
    prove: async (c, rec, source) =>
      (await import('../prove/prove')).prove(original(source), c as Candidate, rec as Recording, { ...stage, ...(nodePath ? { nodePath } : {}) }),
    bench: async (cs, rec, source, progress) =>
      (await import('../bench/bench')).benchTargets(original(source), cs as Candidate[], rec as Recording, {
        ...stage,
        progress,
        timeMs: req.timeMs,
        ...(nodePath ? { nodePath } : {}),
      }),
    boundMs: async (variants) => {
      const { benchBoundMs, defaultWarmupMs } = await import('../bench/bench');
      return benchBoundMs(req.timeMs, defaultWarmupMs(req.timeMs), variants);
    },
    programCommand: async () =>
      /\.[cm]?tsx?$/i.test(file)
        ? { unavailable: 'a TypeScript program runs through a bundler, which the whole-program run does not do yet' }
        : { execPath: (await runtime()).execPath, args: [] },
    predict: async (rec, cs, bench) => {
      const { checkPrediction } = await import('../bench/break-even');
      const r = await runtime();
      return checkPrediction({
        execPath: r.execPath,
        version: r.version,
        store,
        cacheDir: buildCacheDir(store, 'js'),
        key: `${file}#${functionName}`,
        recording: rec as Recording,
        candidates: cs as Candidate[],
        bench: bench as MultiBenchResult,
      });
    },
  };
}

export async function planNodeApply(s: ApplyStepInput): Promise<ApplyPlan> {
  const { planApply } = await import('../apply/apply');
  return planApply({ file: s.file, source: s.source, functionName: s.functionName, candidate: s.candidate as JsCandidate, proof: s.proof as Proof });
}

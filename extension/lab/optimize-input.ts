// What the editor hands the optimize flow, from its settings: a pure function (no 'vscode'), so that a test can check
// that the editor and the command line ask the flow for the same thing.
import type { OptIn } from '../../native/opt-ins';
import type { OptimizeInput } from '../optimize/optimize';

/** The perfLab.* settings the optimize flow reads, as the editor's configuration gives them. */
export interface OptimizeSettings {
  /** perfLab.target for a JavaScript file; for a .py file, pythonTargetSetting's choice. */
  target: string;
  args: string[];
  /** perfLab.timeout, seconds. */
  timeoutS: number;
  /** perfLab.benchmarkTime, seconds (at least 0.05). */
  benchmarkTimeS: number;
  nodePath: string;
  /** perfLab.wholeProgramTime, seconds (0: the whole program is not run). */
  wholeProgramS?: number;
  /** The interpreter of a .py file. */
  pythonPath?: string;
  /** perfLab.parallel.engine: the parallel target `auto` adds beside the compiled ones, when set. */
  parallelEngine?: string;
  /** perfLab.parallel.workers: a parallel target's local workers (0: one per core). */
  parallelWorkers?: number;
}

/** The flow's input for `name` in `file`: Apply is offered, so the clash check runs before recording. */
export function editorOptimizeInput(file: string, name: string, store: string, s: OptimizeSettings, optIns: OptIn[] = []): OptimizeInput {
  return {
    file,
    functionName: name,
    target: s.target,
    programArgs: s.args,
    timeoutMs: s.timeoutS * 1000,
    timeMs: Math.max(0.05, s.benchmarkTimeS) * 1000,
    store,
    nodePath: s.nodePath,
    ...(s.pythonPath ? { pythonPath: s.pythonPath } : {}),
    optIns,
    willApply: true,
    ...(s.wholeProgramS !== undefined ? { wholeProgramS: s.wholeProgramS } : {}),
    ...(s.parallelEngine ? { engine: s.parallelEngine } : {}),
    ...(s.parallelWorkers && s.parallelWorkers > 0 ? { workers: s.parallelWorkers } : {}),
  };
}

// The language registry: every language whose functions Perf Lab optimizes, one entry each. A language is a runtime
// (the executable that runs the user's program), a recorder, a frontend, a prover, a benchmark and an apply planner;
// the optimize flow (optimize/optimize.ts) and Apply (optimize/apply-step.ts) read the entry instead of branching on
// the language. Its targets are entries of the target registry (targets.ts) with this language.
// docs/architecture.md, "Adding a language", is the recipe.
import type { DispatchOutlook } from '../bench/dispatch';
import { join } from 'node:path';
import type { OptIn } from '../../native/opt-ins';
import type { ApplyPlan } from '../apply/apply';
import type { MultiBenchResult } from '../bench/bench';
import type { PythonBenchResult } from '../bench/bench-python';
import type { CheckedPrediction } from '../bench/break-even';
import type { ProgramCommand } from '../bench/whole-program';
import type { Candidate } from '../compiler/compile';
import type { PythonCandidate } from '../compiler/compile-python';
import type { Refusal } from '../compiler/refusal';
import type { ProgressSink, StageOptions } from '../progress';
import type { Language, TargetId } from '../protocol';
import type { Proof } from '../prove/prove';
import type { PythonProof } from '../prove/prove-python';
import type { Recording } from '../record/recording';
import type { PythonRecording } from '../record/record-python';

/** The language of a function: it decides the runtime, the recorder, the frontend, the prover and the benchmark. */
export type { Language };

export type AnyRecording = Recording | PythonRecording;
export type AnyCandidate = Candidate | PythonCandidate;
export type AnyProof = Proof | PythonProof;
export type AnyBench = MultiBenchResult | PythonBenchResult;

/** What a language's stages need of a request (the optimize flow's `OptimizeRequest` is one). */
export interface StageRequest {
  /** The source file (absolute). */
  file: string;
  functionName: string;
  /** The program's arguments for the recorded run. */
  programArgs: string[];
  /** Milliseconds before the recorded run is stopped (0: none). */
  timeoutMs: number;
  /** Measured milliseconds per variant in the benchmark. */
  timeMs: number;
  /** Where recordings, builds (`buildCacheDir`) and the break-even model's pairs are kept. */
  store: string;
  /** The local workers of a parallel target (perfLab.parallel.workers, --workers); the engine's default (one per core) when absent. */
  workers?: number;
  /** The node executable (JavaScript), or the interpreter (Python); the PATH's by default. */
  nodePath?: string;
  pythonPath?: string;
  /** Native opt-ins; none keeps results exact. */
  optIns?: OptIn[];
  /** The targets asked for: what the frontend selects for (Python: the lowered function, the parallel loop, or both). */
  targets?: readonly TargetId[];
}

export interface StageRunOptions extends StageOptions {
  /** The program's own output while it is recorded. */
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
}

/** The executable that runs the user's code: its real path, its version, and how a message names it. */
export interface LanguageRuntime {
  execPath: string;
  version: string;
  /** `Python 3.11.2`, `Node.js v20.20.2`. */
  label: string;
}

/** The kernel a frontend selected, or the refusal that says why the function cannot be compiled. */
export type Selection = { ok: true; kernel: unknown; recordedTypes?: string[] } | { ok: false; refusal: Refusal };

/** One request's stages in one language; the flow around them (optimize.ts) is the same for every language. */
export interface LanguageStages {
  /** The runtime, asked for first: a missing one is said before anything runs. */
  runtime(): Promise<LanguageRuntime>;
  /** Throws (a PerfLabError that says what to do) when a name or file would stop Apply; run before recording. */
  checkApplyClashes(targets: readonly TargetId[]): Promise<void>;
  /** The stored recording of the unchanged file, if any. */
  load(): Promise<AnyRecording | undefined>;
  record(): Promise<AnyRecording>;
  /** The frontend, typed by the recording. */
  select(rec: AnyRecording, source: string): Promise<Selection>;
  /** What every target's compile gets from this language besides the cache and the source. */
  buildContext(): Promise<{ nodePath?: string; python?: string; optIns?: OptIn[]; workers?: number }>;
  prove(candidate: AnyCandidate, rec: AnyRecording, source: string): Promise<AnyProof>;
  bench(candidates: AnyCandidate[], rec: AnyRecording, source: string, progress: ProgressSink): Promise<AnyBench>;
  /** The most the benchmark of `variants` variants may take, when the language's benchmark states it. */
  boundMs?(variants: number): Promise<number>;
  /** How the user's program is run as a whole (bench/whole-program.ts), or why it cannot be here. */
  programCommand(): Promise<ProgramCommand | { unavailable: string }>;
  /**
   * Before building: whether each parallel target asked for can pay for its dispatch (bench/dispatch.ts), from the
   * recording and what `select` chose; none for a language without parallel targets.
   */
  dispatch?(rec: AnyRecording, selected: unknown, targets: readonly TargetId[]): Promise<DispatchOutlook[]>;
  /** The break-even model's prediction beside the measurement, for a language that has the model. */
  predict?(rec: AnyRecording, candidates: AnyCandidate[], bench: AnyBench): Promise<CheckedPrediction>;
}

/** What Apply needs to plan one target's rewrite. */
export interface ApplyStepInput {
  file: string;
  source: string;
  functionName: string;
  candidate: AnyCandidate;
  proof: AnyProof;
  /** The interpreter that parses a .py file (Python's apply). */
  python?: string;
}

export interface LanguageEntry {
  id: Language;
  /** How the benchmark and the advice name the original: `keep JavaScript`. */
  name: 'JavaScript' | 'Python';
  /** Whether a source file is this language's (by its name). */
  owns(file: string): boolean;
  /** The folder of the store where its targets' builds are cached (`buildCacheDir`). */
  cacheFolder: string;
  /** Whether the native opt-ins apply to its targets. */
  takesOptIns: boolean;
  /** The stages of one request. */
  stages(req: StageRequest, o: StageRunOptions): Promise<LanguageStages>;
  /** The plan of one proven target's rewrite (written by the caller: files, or one workspace edit). */
  planApply(step: ApplyStepInput): Promise<ApplyPlan>;
}

const LANGUAGES: readonly LanguageEntry[] = [
  {
    id: 'python',
    name: 'Python',
    owns: (file) => /\.py$/i.test(file),
    cacheFolder: 'python',
    takesOptIns: false,
    stages: async (req, o) => (await import('./python')).pythonStages(req, o),
    planApply: async (step) => (await import('./python')).planPythonApply(step),
  },
  {
    // Last: JavaScript and TypeScript are every file another language does not own.
    id: 'js',
    name: 'JavaScript',
    owns: () => true,
    cacheFolder: 'native',
    takesOptIns: true,
    stages: async (req, o) => (await import('./node')).nodeStages(req, o),
    planApply: async (step) => (await import('./node')).planNodeApply(step),
  },
];

export function languageEntry(id: Language): LanguageEntry {
  return LANGUAGES.find((l) => l.id === id)!;
}

/** The language of a source file: Python for .py, JavaScript (or TypeScript) otherwise. */
export function languageOf(file: string): Language {
  return LANGUAGES.find((l) => l.owns(file))!.id;
}

/** What a language's function is called in the benchmark and the advice (`keep JavaScript`). */
export function originalName(language: Language): 'JavaScript' | 'Python' {
  return languageEntry(language).name;
}

/**
 * The one rule for where builds are cached: `<store>/native` for JavaScript's targets (native addons), `<store>/python`
 * for Python's; `store` is the command line's --store or the editor's storage folder.
 */
export function buildCacheDir(store: string, language: Language): string {
  return join(store, languageEntry(language).cacheFolder);
}

// Messages and data shared by the extension and the webview. It imports nothing, so both sides can, and every
// other module may depend on it.

/** Where a frame's code lives; 'runtime' is the engine itself (GC, program, idle), 'native' a built-in. */
export type FrameKind = 'js' | 'native' | 'python' | 'runtime';

/** One function at one place in the source (the profile model's frame, profile/model.ts). Lines and columns are 1-based; 0 means unknown. */
export interface FrameInfo {
  name: string;
  /** Absolute path, URL, or '' when the frame has no source. */
  file: string;
  line: number;
  column: number;
  kind: FrameKind;
}

/** One box of the aggregated (left-heavy) flame graph: a frame reached by one call path. */
export interface FlameNode {
  /** Index into {@link FlameGraphData.frames}; -1 for the root. */
  frame: number;
  self: number;
  total: number;
  /** Sorted by total, heaviest first. */
  children: FlameNode[];
  /**
   * Set when the host left out children too narrow to draw at full width: the total of the largest one left out.
   * Zooming in far enough to see it asks for the subtree with a `subtree` message naming {@link id}.
   */
  dropped?: number;
  /** The host's handle for this node's full subtree; present with {@link dropped}. */
  id?: number;
}

/** One function (name + file + line) over the whole profile, for the table and sandwich views. */
export interface FunctionRow {
  name: string;
  file: string;
  line: number;
  column: number;
  kind: FrameKind;
  self: number;
  /** Weight of samples with the function anywhere on the stack, counted once under recursion. */
  total: number;
  /** Samples with the function on the stack. */
  samples: number;
  /** Exact calls, where the profiler counts them (cProfile). */
  calls?: number;
}

/**
 * The flame chart's boxes for a time window, as parallel arrays: box i is frame `frame[i]` at row `depth[i]`
 * (0 = outermost frame) from `start[i]` to `end[i]` ms after the profile's start. Consecutive samples with the same
 * stack prefix are one box; boxes shorter than `resolution` ms are left out (0: nothing left out).
 */
export interface ChartRuns {
  /** The window these boxes cover, in ms since the profile's start. */
  from: number;
  to: number;
  resolution: number;
  depth: number[];
  frame: number[];
  start: number[];
  end: number[];
}

/** Facts about the run that produced a profile, shown in the panel's header. */
export interface RunSummary {
  file: string;
  runtime: string;
  args: string[];
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  stoppedBy?: 'timeout' | 'cancel';
}

/** Everything the flame graph panel draws. */
export interface FlameGraphData {
  title: string;
  unit: 'ms' | 'samples';
  frames: FrameInfo[];
  root: FlameNode;
  /** Sum of all sample weights, in `unit`. */
  total: number;
  sampleCount: number;
  /** True when a tracing profiler counted calls (cProfile): its paths are rebuilt from call edges, not sampled. */
  traced?: boolean;
  /** Facts that change how to read the graph (e.g. inlining turned off). */
  notes: string[];
  /** Things that went wrong but still left a profile (exit code, stderr). */
  warnings: string[];
  run?: RunSummary;
  /** The profile file this was read from, so a reloaded window can read it again. */
  source?: string;
  /** Per-function statistics over the whole profile (table and sandwich views); derived from `root` when absent. */
  functions?: FunctionRow[];
  /** The time-ordered flame chart of the whole profile. */
  chart?: ChartRuns;
  /** True when the host sent a tree pruned to what can be drawn: some nodes carry `dropped` and `id`. */
  pruned?: boolean;
}

/** The proof of a rewrite as the Before/After panel shows it. */
export interface ProofView {
  ok: boolean;
  cases: number;
  recordedCases: number;
  edgeCases: number;
  mismatches: number;
  /** Cases on which the compiled code ran, and on which it fell back to the original. */
  compiledCalls: number;
  fallbacks: number;
  recordedCompiledCalls: number;
  vacuous: boolean;
  /** How results were compared, in words. */
  comparison: string;
  /** Why it failed, in one sentence. */
  reason?: string;
  /** The smallest input on which the versions differ, printed. */
  counterexample?: { call: string; expected: string; actual: string; argsAfter: string[]; foundIn: string };
  fallbackReasons: { reason: string; count: number }[];
  notes: string[];
  /** The tolerance results were compared within (absent: bit for bit). */
  tolerance?: { relative: number; absolute: number };
  /** The largest difference from the original the proof saw (zero when bit for bit). */
  maxError?: { relative: number; absolute: number };
}

/** An optimisation opt-in of the native target. */
export type NativeOptIn = 'march-native' | 'fast-math' | 'threads';

/** The versions of a function the benchmark measures: the original and one per compiled target. */
export type VariantName =
  | 'JavaScript'
  | 'WebAssembly'
  | 'native'
  | 'Python'
  | 'CPython'
  | 'Numba'
  | 'Cython'
  | 'pybind11'
  | 'Numba parallel'
  | 'Cython parallel'
  | 'processes'
  | 'Ray'
  | 'Dask';

/**
 * A target: of a JavaScript function (WebAssembly, native addon) or of a Python one (Numba, Cython, pybind11 compile it;
 * numba-parallel compiles it with its independent loops on Numba's threads; processes, Ray and Dask run its parallel
 * loop).
 */
export type TargetId = 'wasm' | 'native' | 'numba' | 'cython' | 'pybind11' | 'numba-parallel' | 'cython-parallel' | 'processes' | 'ray' | 'dask';

/** A language whose functions Perf Lab compiles (the language registry, extension/languages/, says what each is). */
export type Language = 'js' | 'python';

/**
 * A JavaScript function name Optimize can look up, as the profile shows it: `advance`, a method `NBody.advance`,
 * a nested function `FluidField/lin_solve` (not `(anonymous)`, not a private `#name`).
 */
export const OPTIMIZABLE_JS_NAME = /^[\w$]+(?:[./][\w$]+)*$/;

/** How a target is named to the user; data only, so that the webview reads it too (extension/targets.ts adds the code). */
export interface TargetNames {
  /** The benchmark's variant name and the panel's label: `native`. */
  name: VariantName;
  /** Inside a sentence, what the function is compiled to: `native code`. */
  prose: string;
  /** At the start of a sentence: `Native code`. */
  title: string;
  /** The language of the functions it compiles. */
  language: Language;
}

/** Every target's names (extension/targets.ts holds the rest of each target's entry). */
export const TARGET_NAMES: Record<TargetId, TargetNames> = {
  wasm: { name: 'WebAssembly', prose: 'WebAssembly', title: 'WebAssembly', language: 'js' },
  native: { name: 'native', prose: 'native code', title: 'Native code', language: 'js' },
  numba: { name: 'Numba', prose: 'Numba', title: 'Numba', language: 'python' },
  cython: { name: 'Cython', prose: 'Cython', title: 'Cython', language: 'python' },
  pybind11: { name: 'pybind11', prose: 'pybind11', title: 'pybind11', language: 'python' },
  'numba-parallel': {
    name: 'Numba parallel',
    prose: 'Numba with its independent loops on threads',
    title: 'Numba with its independent loops on threads',
    language: 'python',
  },
  'cython-parallel': {
    name: 'Cython parallel',
    prose: 'Cython with its independent loops on OpenMP threads',
    title: 'Cython with its independent loops on OpenMP threads',
    language: 'python',
  },
  processes: { name: 'processes', prose: 'a process pool', title: 'A process pool', language: 'python' },
  ray: { name: 'Ray', prose: 'Ray', title: 'Ray', language: 'python' },
  dask: { name: 'Dask', prose: 'Dask', title: 'Dask', language: 'python' },
};

/** One variant of the benchmark (the bench stage's result, shown as is); times in milliseconds per call. */
export interface VariantView {
  name: VariantName;
  median: number;
  mean: number;
  /** Relative margin of error of the mean at 95 %, in percent. */
  rme: number;
  sd: number;
  min: number;
  max: number;
  /** Samples taken (each of the benchmark's `callsPerSample` calls). */
  samples: number;
}

/** The benchmark as the Before/After panel shows it. */
export interface BenchView {
  variants: VariantView[];
  /** JavaScript's median over WebAssembly's, with its 95 % interval. */
  speedup: { estimate: number; ci95: [number, number] };
  verdict: 'faster' | 'slower' | 'not significant';
  recommendation: string;
  callShape: string;
  note: string;
  /** Each compiled target against JavaScript, when more than one was measured (`speedup` is the one Apply writes). */
  targets?: { name: VariantName; estimate: number; ci95: [number, number]; verdict: 'faster' | 'slower' | 'not significant' }[];
  /** The break-even model's predicted speedup of each compiled variant (`text`: `~1.6×`), shown beside its measured bar. */
  predicted?: Partial<Record<VariantName, PredictedView>>;
  /**
   * The break-even model's prediction set against the measurement, one sentence that ends with what the measurement
   * decides, e.g. `The break-even model predicted "keep JS: …"; the measurement shows WebAssembly is 1.44× faster (…):
   * the model was wrong here, and the measurement decides: use WebAssembly.` (break-even.ts predictionStory).
   */
  prediction?: string;
}

/** A speedup the break-even model predicted: the number and how it is printed (`~1.6×`). */
export interface PredictedView {
  speedup: number;
  text: string;
}

/** One compiled target of a side-by-side run (`perfLab.target` auto): built or not, proven or not, applicable or not. */
export interface TargetView {
  target: TargetId;
  name: VariantName;
  /** Why this target has nothing to apply (not built, not proven); absent when it was proven. */
  refusal?: string;
  /** Absent when the target could not be built. */
  proof?: ProofView;
  /** What was built, in words (bytes of WebAssembly; the addon's flags and Node). */
  built?: string;
  /** Measured against JavaScript in the shared benchmark. */
  measured?: { estimate: number; ci95: [number, number]; verdict: 'faster' | 'slower' | 'not significant'; recommendation: string };
  /** The break-even model's predicted speedup, before the benchmark. */
  predicted?: PredictedView;
  canApply: boolean;
  applyNote: string;
  /** Why Apply is not recommended (the program is not measured faster, or prints something else): the button then says "Apply anyway". */
  applyBlocked?: string;
}

/** The whole program run before and after the chosen rewrite (bench/whole-program.ts), as the panel shows it. */
export interface WholeProgramView {
  target: TargetId;
  /** Absent when it was not measured; `reason` says why. */
  speedup?: { estimate: number; ci95: [number, number] };
  verdict?: 'faster' | 'slower' | 'not significant';
  /** Median wall milliseconds before and after, the runs of each, and the first run with the rewrite (its one-time costs). */
  beforeMs?: number;
  afterMs?: number;
  runs?: number;
  firstAfterMs?: number;
  notes: string[];
  /** The rewritten program printed something else, or failed. */
  changed?: string;
  reason?: string;
  /** The program-level prediction from the function's calls, and what the rewrite costs beyond them, in a sentence. */
  story?: string;
}

/** Everything the Before/After panel draws for one function. */
export interface OptimizeData {
  title: string;
  file: string;
  functionName: string;
  /** 1-based line of the function. */
  line: number;
  /** The recorded calls the proof and the benchmark used. */
  recording: { calls: number; totalCalls: number; recordedAt: string; reused: boolean };
  /** What was built for `target`, in words (TargetView `built`); absent when nothing was. */
  built?: string;
  /** The target the proof and Apply are for (WebAssembly when absent). */
  target?: TargetId;
  /** The original the rewrites are measured against: JavaScript when absent, CPython for a .py file. */
  baseline?: 'JavaScript' | 'CPython';
  /** The runtime that ran the original, in words (the Python interpreter and where its path came from). */
  runtime?: string;
  proof: ProofView;
  /** Absent when the proof failed (only a proven rewrite is measured). */
  bench?: BenchView;
  /** Whether Apply is offered (the proof passed and the file has not changed since). */
  canApply: boolean;
  /** Said beside the Apply button: why it is disabled, or what applying will not do. */
  applyNote: string;
  /** Why Apply is not recommended (the program is not measured faster, or prints something else): the button then says "Apply anyway". */
  applyBlocked?: string;
  /** The whole program before and after the chosen rewrite; absent when it was not run. */
  wholeProgram?: WholeProgramView;
  /** What the recorded run predicted for the whole program before anything was built (optimize/report.ts outlookReport). */
  outlook?: string;
  /** Set once the rewrite was applied (`target`: which one, when several were offered). */
  applied?: { summary: string; files: string[]; target?: TargetId };
  /** Every target of a side-by-side run, each with its own proof and Apply; absent for a single target. */
  targets?: TargetView[];
  /** What to do, from the measurement (and the model's prediction), for a side-by-side run. */
  recommendation?: string;
  /** Shown again after a window reload: the numbers are kept, the compiled code is not, so Apply needs a new run. */
  restored?: boolean;
  /** The native target's opt-ins, each with what it does and whether this run used it (absent without native code). */
  optIns?: { id: NativeOptIn; label: string; on: boolean }[];
}

/** One function of a comparison of two profiles; weights in each profile's own unit, 0 where it is absent. */
export interface DiffFunction {
  name: string;
  /** Its name before, when it was renamed in place. */
  beforeName?: string;
  file: string;
  kind: FrameKind;
  /** Its line in the before and in the after profile; 0 where it is absent. */
  beforeLine: number;
  afterLine: number;
  selfBefore: number;
  totalBefore: number;
  selfAfter: number;
  totalAfter: number;
}

/** A node of the merged call tree of two profiles; `self` and `total` are what the graph lays out (one side's weights). */
export interface DiffNode extends FlameNode {
  children: DiffNode[];
  selfBefore: number;
  totalBefore: number;
  selfAfter: number;
  totalAfter: number;
}

/** One of the two profiles of a comparison. */
export interface DiffSide {
  label: string;
  unit: 'ms' | 'samples';
  total: number;
  sampleCount: number;
  /** The profile file, when it came from one. */
  source?: string;
}

/** Everything the comparison panel draws: the merged tree, one frame per matched function, and the per-function deltas. */
export interface DiffGraphData {
  title: string;
  before: DiffSide;
  after: DiffSide;
  /** Indexed by {@link DiffNode.frame}: one frame per function, at its after line where it has one. */
  frames: FrameInfo[];
  root: DiffNode;
  functions: DiffFunction[];
  notes: string[];
}

/** One stored measurement as the History view draws it (history/report.ts HistoryPoint, with what can be opened from it). */
export interface HistoryPointView {
  /** The measurement's record in the history. */
  entity: number;
  at: string;
  /** The code version: a commit (`abc1234`, `abc1234+def5678` when the file differed from it) or the file's hash. */
  version: string;
  medianMs: number;
  /** The 95 % interval; the upper end is null when the measurement had too few samples for one. */
  ci95: [number, number | null];
  n: number;
  run: number;
  runKind: string;
  /** The change from the previous version, tested on the samples (a marker when flagged). */
  change?: { kind: 'regression' | 'improvement' | 'no change'; text: string };
  /** A stored profile of this version of the code (its blob's hash): clicking the point opens it. */
  profile?: string;
  /** The previous version's stored profile, when both exist: the point can be compared with it. */
  previousProfile?: string;
  previousVersion?: string;
}

/** One line of the History chart: a function's variant (the original, a target, the whole program) on one machine. */
export interface HistorySeriesView {
  function: string;
  variant: string;
  machine: string;
  /** Whole-program time per run (drawn in its own chart), not time per call. */
  wholeProgram: boolean;
  points: HistoryPointView[];
}

/** Everything the History view draws for a file (or one function of it). */
export interface HistoryData {
  title: string;
  file: string;
  /** The file as the workspace names it. */
  shownFile: string;
  /** The function asked for; absent: every function of the file. */
  functionName?: string;
  series: HistorySeriesView[];
  /** The same history as text (the command line's perf-lab history), for Copy as Text. */
  text: string;
}

/** Messages from the extension to the webview. */
export type ToWebview =
  | { type: 'load'; data: FlameGraphData }
  | { type: 'error'; message: string }
  | { type: 'reveal'; name: string; file?: string }
  | { type: 'optimize'; data: OptimizeData }
  /** The comparison of two profiles (the first message of the comparison panel). */
  | { type: 'diff'; data: DiffGraphData }
  /** The answer to a `subtree` request: the node's subtree, pruned for its own width. */
  | { type: 'subtree'; id: number; node: FlameNode }
  /** The answer to a `chartRuns` request. */
  | { type: 'chartRuns'; request: number; runs: ChartRuns }
  /** The answer to a `sandwich` request: both trees over the whole profile, pruned like the flame graph. */
  | { type: 'sandwich'; request: number; callers: FlameNode; callees: FlameNode }
  /** The History view's data (its first message, and again after a run was saved). */
  | { type: 'history'; data: HistoryData };

/** Messages from the webview to the extension. */
export type FromWebview =
  | { type: 'ready' }
  | { type: 'openSource'; file: string; line: number; column: number }
  | { type: 'error'; message: string }
  /** Optimize a function picked in the flame graph (or again from the Before/After panel, with native opt-ins). */
  | { type: 'optimize'; name: string; file: string; line: number; optIns?: NativeOptIn[] }
  /** Apply the rewrite the Before/After panel shows (`target`: which one, when it offers several). */
  | { type: 'apply'; target?: TargetId }
  /** The flame graph zoomed in so far that a pruned node's (`FlameNode.id`) children show: send its subtree without nodes under `minTotal`. */
  | { type: 'subtree'; id: number; minTotal: number }
  /** The flame chart shows a window finer than its runs: send runs for `from`..`to` ms drawn `width` px wide. */
  | { type: 'chartRuns'; request: number; from: number; to: number; width: number }
  /** The sandwich of a pruned profile: send the callers and callees of the function (name, file and line). */
  | { type: 'sandwich'; request: number; name: string; file: string; line: number }
  /** History: open the profile of a point's code version, or compare it with the previous version's. */
  | { type: 'historyOpen'; entity: number; action: 'profile' | 'compare' }
  /** History: copy the history as text to the clipboard, or open it as a text document. */
  | { type: 'historyText'; action: 'copy' | 'open' };

/** What the webview keeps with vscode.setState, so the panel survives a window reload. */
export interface WebviewState {
  source?: string;
  title?: string;
  /** The History page's selected point (its measurement's record), shown again when the page is. */
  selected?: number;
}

/** The view type of the flame graph panel, registered with a serializer. */
export const FLAME_VIEW_TYPE = 'perfLab.flameGraph';
/** The view type of the Before/After panel of an optimized function. */
export const OPTIMIZE_VIEW_TYPE = 'perfLab.optimize';
/** The view type of the comparison of two profiles. */
export const DIFF_VIEW_TYPE = 'perfLab.compare';
/** The view type of a function's History chart. */
export const HISTORY_VIEW_TYPE = 'perfLab.history';
/** The id of the element that carries the first message (a `ToWebview`: data or an error) as JSON in the page. */
export const INITIAL_DATA_ID = 'perf-lab-data';

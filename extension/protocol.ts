// Messages and data shared by the extension and the webview. This module imports nothing, so both sides can.

/** Where a frame's code lives; 'runtime' is the engine itself (GC, program, idle), 'native' a built-in. */
export type FrameKind = 'js' | 'native' | 'python' | 'runtime';

/** One function at one place in the source. Lines and columns are 1-based; 0 means unknown. */
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
  /** Facts that change how to read the graph (e.g. inlining turned off). */
  notes: string[];
  /** Things that went wrong but still left a profile (exit code, stderr). */
  warnings: string[];
  run?: RunSummary;
  /** The profile file this was read from, so a reloaded window can read it again. */
  source?: string;
}

/** Messages from the extension to the webview. */
export type ToWebview =
  | { type: 'load'; data: FlameGraphData }
  | { type: 'error'; message: string }
  | { type: 'reveal'; name: string; file?: string };

/** Messages from the webview to the extension. */
export type FromWebview =
  | { type: 'ready' }
  | { type: 'openSource'; file: string; line: number; column: number }
  | { type: 'error'; message: string };

/** What the webview keeps with vscode.setState, so the panel survives a window reload. */
export interface WebviewState {
  source?: string;
  title?: string;
}

/** The view type of the flame graph panel, registered with a serializer. */
export const FLAME_VIEW_TYPE = 'perfLab.flameGraph';
/** The id of the element that carries the first message (a `ToWebview`: data or an error) as JSON in the page. */
export const INITIAL_DATA_ID = 'perf-lab-data';

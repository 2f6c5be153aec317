// Turns a profile into what the flame graph panel draws, and answers the panel's requests for more detail:
// the webview gets the call tree pruned to boxes that can be drawn and the flame chart at the resolution it shows.
import type { ChartRuns, FlameGraphData, FlameNode, FunctionRow, RunSummary } from '../protocol';
import { callTree, frameStats, functionStats, totalWeight } from './aggregate';
import { countNodes, functionKey, pruneTree, PRUNE_WIDTH, sandwich, type Sandwich } from './flame-tree';
import type { Profile } from './model';
import { chartRuns, resolutionFor, sampleDuration, timelineOf, type Timeline } from './timeline';

export interface FlameDataOptions {
  title: string;
  notes?: string[];
  warnings?: string[];
  run?: RunSummary;
  source?: string;
}

/** The profile behind each panel data object, so the panel can answer requests for detail it did not send. */
const profiles = new WeakMap<FlameGraphData, Profile>();

/** The panel's data for a profile: its frames, the merged left-heavy call tree and per-function statistics. */
export function toFlameGraphData(p: Profile, o: FlameDataOptions): FlameGraphData {
  const data: FlameGraphData = {
    title: o.title,
    unit: p.unit,
    frames: p.frames,
    root: callTree(p),
    total: totalWeight(p),
    sampleCount: p.sampleStack.length,
    notes: o.notes ?? [],
    warnings: o.warnings ?? [],
    functions: functionRows(p),
  };
  if (o.run) data.run = o.run;
  if (o.source) data.source = o.source;
  if (p.calls) data.traced = true;
  profiles.set(data, p);
  return data;
}

/** Per-function self, total, samples and (where counted) calls, heaviest self first. */
export function functionRows(p: Profile): FunctionRow[] {
  const samplesOfFrame = new Float64Array(p.frames.length);
  for (const s of frameStats(p)) samplesOfFrame[s.frame] = s.samples;
  return functionStats(p).map((f) => {
    const first = p.frames[f.frames[0]!]!;
    let samples = 0;
    let calls = 0;
    let counted = false;
    for (const i of f.frames) {
      samples += samplesOfFrame[i]!;
      const c = p.calls?.[i];
      if (c !== undefined && !Number.isNaN(c)) {
        calls += c;
        counted = true;
      }
    }
    const row: FunctionRow = { name: f.name, file: f.file, line: f.line, column: first.column, kind: first.kind, self: f.self, total: f.total, samples };
    if (counted) row.calls = calls;
    return row;
  });
}

/** Trees with more nodes than this are sent pruned; smaller ones whole, so nothing needs asking for. */
export const MAX_WHOLE_NODES = 20_000;
/** Profiles with more samples than this get a flame chart at the resolution of the panel's width, refined on zoom. */
export const MAX_WHOLE_CHART_SAMPLES = 100_000;

/** Limits of what is sent whole; tests lower them. */
export interface SessionLimits {
  maxWholeNodes?: number;
  maxWholeChartSamples?: number;
  /**
   * For a long timeline, send an empty flame chart that the page fills by asking when the chart is first shown
   * (default), rather than computing it before the first paint; a page without a host (standalone) needs it at once.
   */
  deferChart?: boolean;
}

/**
 * One panel's view of a profile: what to send first, and the answers to the webview's `subtree` and `chartRuns`
 * requests. Holds the full tree and the timeline; the webview holds only what it draws.
 */
export class FlameSession {
  private readonly full: FlameNode;
  private readonly nodes: FlameNode[] = [];
  private readonly ids = new Map<FlameNode, number>();
  private readonly profile: Profile | undefined;
  private timelineMade: Timeline | undefined;
  private readonly maxNodes: number;
  private readonly maxSamples: number;
  private readonly deferChart: boolean;

  constructor(
    private readonly data: FlameGraphData,
    limits: SessionLimits = {},
  ) {
    this.full = data.root;
    const p = profiles.get(data);
    this.profile = p && p.sampleStack.length > 0 ? p : undefined;
    this.maxNodes = limits.maxWholeNodes ?? MAX_WHOLE_NODES;
    this.maxSamples = limits.maxWholeChartSamples ?? MAX_WHOLE_CHART_SAMPLES;
    this.deferChart = limits.deferChart ?? true;
  }

  /** The flame chart's timeline, made when the chart is first needed (16 bytes a sample at most, and its time). */
  private get timeline(): Timeline | undefined {
    if (!this.timelineMade && this.profile) this.timelineMade = timelineOf(this.profile);
    return this.timelineMade;
  }

  /** The data to send first: the tree pruned when large, the flame chart for the whole profile. */
  initial(): FlameGraphData {
    const out: FlameGraphData = { ...this.data };
    if (countNodes(this.full) > this.maxNodes) {
      out.root = this.prune(this.full);
      out.pruned = true;
    }
    const p = this.profile;
    if (p) {
      const whole = p.sampleStack.length <= this.maxSamples;
      if (whole || !this.deferChart) {
        const timeline = this.timeline!;
        const duration = timeline.times.duration;
        out.chart = chartRuns(timeline, 0, duration, whole ? 0 : resolutionFor(0, duration, PRUNE_WIDTH));
      } else {
        // No box is as long as the whole profile: the page sees the chart is coarser than a pixel and asks for it.
        const duration = sampleDuration(p);
        out.chart = { from: 0, to: duration, resolution: duration, depth: [], frame: [], start: [], end: [] };
      }
    }
    return out;
  }

  /**
   * The subtree of a node the webview got pruned, without nodes under `minTotal` (what one pixel weighs at the
   * webview's zoom), but never finer than a 4096th of the node; undefined for an unknown id.
   */
  subtree(id: number, minTotal: number): FlameNode | undefined {
    const node = this.nodes[id];
    return node ? this.prune(node, Math.min(Math.max(minTotal, 0), node.total / PRUNE_WIDTH)) : undefined;
  }

  /** The sandwich of a function over the full tree, each half pruned like the flame graph (its nodes can be asked for). */
  sandwich(fn: { name: string; file: string; line: number }): Sandwich {
    const s = sandwich(this.full, this.data.frames, functionKey(fn));
    return { callers: this.prune(s.callers), callees: this.prune(s.callees) };
  }

  /** Flame chart boxes for a window drawn `width` px wide; undefined when the profile has no timeline. */
  chart(from: number, to: number, width: number): ChartRuns | undefined {
    if (!this.timeline) return undefined;
    const lo = Math.max(0, from);
    const hi = Math.min(this.timeline.times.duration, to);
    return chartRuns(this.timeline, lo, hi, resolutionFor(lo, hi, Math.min(width, PRUNE_WIDTH)));
  }

  private prune(node: FlameNode, minTotal = node.total / PRUNE_WIDTH): FlameNode {
    return pruneTree(node, minTotal, (full) => {
      let id = this.ids.get(full);
      if (id === undefined) {
        id = this.nodes.push(full) - 1;
        this.ids.set(full, id);
      }
      return id;
    });
  }
}

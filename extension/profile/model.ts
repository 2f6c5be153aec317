// The one profile model every importer produces and every view reads.
import { PerfLabError } from '../errors';
import type { FrameInfo, FrameKind } from '../protocol';

// A frame is protocol data (the webview shows frames): its type lives in protocol.ts, which imports nothing.
export type { FrameInfo, FrameKind };
export type Frame = FrameInfo;

/** The names V8 gives its own pseudo-frames (no script behind them); importers mark them 'runtime'. */
export const RUNTIME_NAMES: ReadonlySet<string> = new Set(['(program)', '(garbage collector)', '(idle)', '(root)']);

/** Self time of one source line of one frame. */
export interface LineTime {
  frame: number;
  line: number;
  weight: number;
}

/**
 * A profile as parallel arrays: a stack is a frame plus its parent stack (-1 at a root),
 * and each sample points at its leaf stack with a weight (milliseconds or a sample count).
 */
export interface Profile {
  frames: Frame[];
  stackFrame: Int32Array;
  stackParent: Int32Array;
  sampleStack: Int32Array;
  sampleWeight: Float64Array;
  /** Milliseconds since the profile started, per sample, when the format records it. */
  sampleTime?: Float64Array;
  unit: 'ms' | 'samples';
  /** Per-line self time where the profiler recorded it (V8's position ticks); empty otherwise. */
  lines: LineTime[];
  /** Wall-clock length of the profile in milliseconds, when known. */
  durationMs?: number;
  /** Exact number of calls per frame, where the profiler counts calls (cProfile); NaN for frames it did not count. */
  calls?: Float64Array;
}

/** Thrown when a file cannot be read as a profile; the message says what is wrong and is shown as is. */
export class ProfileFormatError extends PerfLabError {
  override name = 'ProfileFormatError';
}

function frameKey(f: Frame): string {
  return `${f.kind}\u0000${f.name}\u0000${f.file}\u0000${f.line}\u0000${f.column}`;
}

/** Builds a {@link Profile}, interning frames and stacks so equal ones share one index. */
export class ProfileBuilder {
  private readonly frames: Frame[] = [];
  private readonly frameIds = new Map<string, number>();
  private readonly stackFrame: number[] = [];
  private readonly stackParent: number[] = [];
  private readonly stackIds = new Map<string, number>();
  private readonly sampleStack: number[] = [];
  private readonly sampleWeight: number[] = [];
  private readonly sampleTime: number[] = [];
  private readonly lineTimes = new Map<string, LineTime>();
  private timed = true;
  private bulk: { stacks: Int32Array; weights: Float64Array; times: Float64Array | undefined } | undefined;

  constructor(private readonly unit: 'ms' | 'samples') {}

  /** The index of a frame, added the first time it is seen. */
  frame(f: Frame): number {
    const key = frameKey(f);
    let id = this.frameIds.get(key);
    if (id === undefined) {
      id = this.frames.length;
      this.frames.push({ ...f });
      this.frameIds.set(key, id);
    }
    return id;
  }

  /** The frame at an index returned by {@link frame}. */
  frameAt(i: number): Frame | undefined {
    return this.frames[i];
  }

  /** The index of the stack `frame` called from `parent` (-1 for a root). */
  stack(frame: number, parent: number): number {
    const key = `${frame},${parent}`;
    let id = this.stackIds.get(key);
    if (id === undefined) {
      id = this.stackFrame.length;
      this.stackFrame.push(frame);
      this.stackParent.push(parent);
      this.stackIds.set(key, id);
    }
    return id;
  }

  /** The frame of a stack returned by {@link stack}. */
  stackFrameOf(stack: number): number {
    return this.stackFrame[stack]!;
  }

  /** The leaf stack of a path of frames given root first. */
  path(frames: readonly number[]): number {
    let s = -1;
    for (const f of frames) s = this.stack(f, s);
    return s;
  }

  /** Adds a sample; `time` is milliseconds since start, omitted when the format has none. */
  sample(stack: number, weight: number, time?: number): void {
    this.sampleStack.push(stack);
    this.sampleWeight.push(weight);
    if (time === undefined) this.timed = false;
    else this.sampleTime.push(time);
  }

  /**
   * Sets all samples at once from typed arrays (taken, not copied), for readers of large files;
   * not to be mixed with {@link sample}.
   */
  setSamples(stacks: Int32Array, weights: Float64Array, times?: Float64Array): void {
    if (this.sampleStack.length > 0) throw new Error('setSamples after sample');
    this.bulk = { stacks, weights, times };
  }

  /** Adds self time to one line of a frame. */
  line(frame: number, line: number, weight: number): void {
    const key = `${frame}:${line}`;
    const t = this.lineTimes.get(key);
    if (t) t.weight += weight;
    else this.lineTimes.set(key, { frame, line, weight });
  }

  build(durationMs?: number): Profile {
    const p: Profile = {
      frames: this.frames,
      stackFrame: Int32Array.from(this.stackFrame),
      stackParent: Int32Array.from(this.stackParent),
      sampleStack: this.bulk ? this.bulk.stacks : Int32Array.from(this.sampleStack),
      sampleWeight: this.bulk ? this.bulk.weights : Float64Array.from(this.sampleWeight),
      unit: this.unit,
      lines: [...this.lineTimes.values()],
    };
    if (this.bulk) {
      if (this.bulk.times && this.bulk.times.length > 0) p.sampleTime = this.bulk.times;
    } else if (this.timed && this.sampleTime.length > 0) p.sampleTime = Float64Array.from(this.sampleTime);
    if (durationMs !== undefined) p.durationMs = durationMs;
    return p;
  }
}

/** The frames of a stack, root first. */
export function stackPath(p: Profile, stack: number): number[] {
  const out: number[] = [];
  for (let s = stack; s >= 0; s = p.stackParent[s]!) out.push(p.stackFrame[s]!);
  return out.reverse();
}

/**
 * A copy of a profile with each frame replaced (e.g. mapped through a source map).
 * Frames that become equal are merged, and their stacks and line times with them.
 */
export function mapFrames(p: Profile, map: (f: Frame) => Frame, mapLine?: (f: Frame, line: number) => { file: string; line: number } | undefined): Profile {
  const b = new ProfileBuilder(p.unit);
  const newFrame = p.frames.map((f) => b.frame(map(f)));
  const newStack = new Int32Array(p.stackFrame.length);
  // Parents always come before children in builder order, so one pass maps every stack.
  const order = stackOrder(p);
  for (const s of order) {
    const parent = p.stackParent[s]!;
    newStack[s] = b.stack(newFrame[p.stackFrame[s]!]!, parent < 0 ? -1 : newStack[parent]!);
  }
  for (let i = 0; i < p.sampleStack.length; i++) {
    b.sample(newStack[p.sampleStack[i]!]!, p.sampleWeight[i]!, p.sampleTime?.[i]);
  }
  for (const lt of p.lines) {
    const orig = p.frames[lt.frame]!;
    const mapped = mapLine ? mapLine(orig, lt.line) : { file: orig.file, line: lt.line };
    if (!mapped) continue;
    const nf = b.frameAt(newFrame[lt.frame]!);
    // A line that maps into another file than its function's (bundled code) has no place in that file's heat.
    if (nf && mapped.file !== nf.file) continue;
    b.line(newFrame[lt.frame]!, mapped.line, lt.weight);
  }
  return b.build(p.durationMs);
}

/** Depth of every stack (0 for a stack without parent). */
export function stackDepths(p: Pick<Profile, 'stackParent'>): Int32Array {
  const n = p.stackParent.length;
  const depth = new Int32Array(n).fill(-1);
  const chain: number[] = [];
  for (let s = 0; s < n; s++) {
    let x = s;
    while (x >= 0 && depth[x]! < 0) {
      chain.push(x);
      x = p.stackParent[x]!;
    }
    let d = x >= 0 ? depth[x]! : -1;
    while (chain.length > 0) depth[chain.pop()!] = ++d;
  }
  return depth;
}

/** Stack indices ordered so that every parent comes before its children. */
export function stackOrder(p: Profile): number[] {
  const depth = stackDepths(p);
  return Array.from({ length: depth.length }, (_, i) => i).sort((a, b) => depth[a]! - depth[b]!);
}

/** A growable typed array, for readers that do not know how many numbers are coming. */
export class GrowableArray<T extends Int32Array | Float64Array> {
  private data: T;
  length = 0;

  constructor(
    private readonly make: (n: number) => T,
    capacity = 1024,
  ) {
    this.data = make(capacity);
  }

  push(x: number): void {
    if (this.length === this.data.length) {
      const bigger = this.make(Math.ceil(this.data.length * 1.5) + 16);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = x;
  }

  /**
   * The numbers pushed, as a view of the storage (never copied: capacity never written to is never touched, so it
   * costs address space, not memory).
   */
  take(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

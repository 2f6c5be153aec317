// speedscope's JSON file format (https://www.speedscope.app/file-format-schema.json; written by speedscope itself,
// py-spy --format speedscope, rbspy, Austin and others) to and from the model. Sampled and evented profiles are read;
// several profiles in one file (threads) each get a root frame named after them.
import { readFileStreaming, readText, type DocumentReader, type NumberSink, type ScanHandler } from '../json-scan';
import { GrowableArray, ProfileBuilder, ProfileFormatError, RUNTIME_NAMES, stackPath, type Frame, type Profile } from '../model';

export const SPEEDSCOPE_SCHEMA = 'https://www.speedscope.app/file-format-schema.json';

/** One frame of the shared table; line and column are 1-based. */
export interface SpeedscopeFrame {
  name: string;
  file?: string;
  line?: number;
  col?: number;
}

export type SpeedscopeUnit = 'none' | 'nanoseconds' | 'microseconds' | 'milliseconds' | 'seconds' | 'bytes';

export interface SpeedscopeSampledProfile {
  type: 'sampled';
  name: string;
  unit: SpeedscopeUnit;
  startValue: number;
  endValue: number;
  samples: number[][];
  weights: number[];
}

export interface SpeedscopeEventedProfile {
  type: 'evented';
  name: string;
  unit: SpeedscopeUnit;
  startValue: number;
  endValue: number;
  events: { type: 'O' | 'C'; frame: number; at: number }[];
}

export interface SpeedscopeFile {
  $schema: typeof SPEEDSCOPE_SCHEMA;
  shared: { frames: SpeedscopeFrame[] };
  profiles: (SpeedscopeSampledProfile | SpeedscopeEventedProfile)[];
  name?: string;
  activeProfileIndex?: number;
  exporter?: string;
}

const TO_MS: Record<string, number> = { nanoseconds: 1e-6, microseconds: 1e-3, milliseconds: 1, seconds: 1000 };

function fail(source: string, what: string): never {
  throw new ProfileFormatError(
    `${source} is not a usable speedscope profile: ${what}. Perf Lab reads the JSON speedscope exports (File → Export) and py-spy's --format speedscope.`,
  );
}

function toFrame(f: SpeedscopeFrame): Frame {
  const name = typeof f.name === 'string' && f.name ? f.name : '(anonymous)';
  const file = typeof f.file === 'string' ? f.file : '';
  const kind: Frame['kind'] = file.endsWith('.py')
    ? 'python'
    : !file
      ? RUNTIME_NAMES.has(name)
        ? 'runtime'
        : 'native'
      : file.startsWith('node:')
        ? 'runtime'
        : 'js';
  return { name, file, line: typeof f.line === 'number' && f.line > 0 ? f.line : 0, column: typeof f.col === 'number' && f.col > 0 ? f.col : 0, kind };
}

/** One profile of the file as it is read: its stacks are in speedscope frame indices until the end. */
interface PartProfile {
  type: string | undefined;
  name: string | undefined;
  unit: string | undefined;
  startValue: number | undefined;
  endValue: number | undefined;
  // Sampled: the stack of each sample, and its weight.
  stacks: GrowableArray<Int32Array>;
  weights: GrowableArray<Float64Array>;
  // Evented: frame (+1 for open, -(frame+1) for close) and time of each event.
  events: GrowableArray<Int32Array>;
  eventAt: GrowableArray<Float64Array>;
}

/** Collects a speedscope file from the streaming scanner. */
function speedscopeHandler(source: string): DocumentReader<Profile> {
  const frames: SpeedscopeFrame[] = [];
  // Stacks of speedscope frame indices, shared by all profiles.
  const raw = new ProfileBuilder('ms');
  const parts: PartProfile[] = [];
  let sawSchema = false;
  let current: PartProfile | undefined;
  const part = (): PartProfile => {
    if (!current) {
      current = {
        type: undefined,
        name: undefined,
        unit: undefined,
        startValue: undefined,
        endValue: undefined,
        stacks: new GrowableArray((n) => new Int32Array(n)),
        weights: new GrowableArray((n) => new Float64Array(n)),
        events: new GrowableArray((n) => new Int32Array(n)),
        eventAt: new GrowableArray((n) => new Float64Array(n)),
      };
      parts.push(current);
    }
    return current;
  };
  // One sample's stack, root first, built as its numbers arrive.
  let sampleStack = -1;
  const stackSink: NumberSink = {
    push(f) {
      if (!Number.isInteger(f) || f < 0) fail(source, `a sample names frame ${f}, which is no index into shared.frames`);
      sampleStack = raw.stack(f, sampleStack);
    },
    end() {
      part().stacks.push(sampleStack);
      sampleStack = -1;
    },
  };
  const weightSink: NumberSink = { push: (w) => part().weights.push(w) };
  const handler: ScanHandler = {
    action(path) {
      const n = path.length;
      if (n === 0) return 'descend';
      const top = path[0];
      if (typeof top === 'number') fail(source, 'the file is a JSON array, not a speedscope object');
      if (top === '$schema') return 'value';
      if (top === 'shared') return n === 1 || (n === 2 && path[1] === 'frames') ? 'descend' : n === 3 && path[1] === 'frames' ? 'value' : 'skip';
      if (top !== 'profiles') return 'skip';
      if (n <= 2) return 'descend';
      const key = path[2];
      if (key === 'samples') return n === 3 ? 'descend' : n === 4 ? stackSink : 'skip';
      if (key === 'weights') return n === 3 ? weightSink : 'skip';
      if (key === 'events') return n === 3 ? 'descend' : n === 4 ? 'value' : 'skip';
      if (n === 3 && (key === 'type' || key === 'name' || key === 'unit' || key === 'startValue' || key === 'endValue')) return 'value';
      return 'skip';
    },
    value(path, v) {
      const top = path[0];
      if (path.length === 0) fail(source, 'the file is not a JSON object');
      if (top === '$schema') sawSchema = v === SPEEDSCOPE_SCHEMA;
      else if (top === 'shared' && path.length === 3) {
        if (!v || typeof v !== 'object') fail(source, `frame ${String(path[2])} is not an object`);
        frames.push(v as SpeedscopeFrame);
      } else if (top === 'profiles' && path.length === 4) {
        const e = v as { type?: string; frame?: number; at?: number } | null;
        if (!e || (e.type !== 'O' && e.type !== 'C') || typeof e.frame !== 'number' || typeof e.at !== 'number')
          fail(source, `event ${String(path[3])} of profile ${String(path[1])} is not {"type": "O" | "C", "frame": n, "at": t}`);
        part().events.push(e.type === 'O' ? e.frame + 1 : -(e.frame + 1));
        part().eventAt.push(e.at);
      } else if (top === 'profiles' && path.length === 3) {
        const p = part();
        const key = path[2];
        if (key === 'type') p.type = String(v);
        else if (key === 'name') p.name = String(v);
        else if (key === 'unit') p.unit = String(v);
        else if (key === 'startValue' && typeof v === 'number') p.startValue = v;
        else if (key === 'endValue' && typeof v === 'number') p.endValue = v;
      } else if (top === 'profiles' || top === 'shared') fail(source, `"${path.join('.')}" has the wrong shape`);
    },
    leave(path) {
      if (path.length === 2 && path[0] === 'profiles') {
        if (!current) fail(source, `profile ${String(path[1])} is empty`);
        current = undefined;
      }
    },
  };
  const result = () => assemble(source, frames, raw, parts, sawSchema);
  return { handler, result };
}

/** Turns the profiles read into one model: frames from the shared table, one root frame per profile when there are several. */
function assemble(source: string, sfFrames: SpeedscopeFrame[], raw: ProfileBuilder, parts: PartProfile[], sawSchema: boolean): Profile {
  if (parts.length === 0) fail(source, sawSchema ? 'it has no profiles' : 'it has no "profiles" (and no speedscope "$schema")');
  const unitOf = parts[0]!.unit ?? 'none';
  const timed = TO_MS[unitOf] !== undefined;
  const b = new ProfileBuilder(timed ? 'ms' : 'samples');
  const frameOf = new Int32Array(sfFrames.length).fill(-1);
  const finalFrame = (f: number): number => {
    if (f >= sfFrames.length) fail(source, `a sample names frame ${f}, but shared.frames has ${sfFrames.length}`);
    if (frameOf[f]! < 0) frameOf[f] = b.frame(toFrame(sfFrames[f]!));
    return frameOf[f]!;
  };
  const rawProfile = raw.build();
  const stackCount = rawProfile.stackFrame.length;
  const stacks = new GrowableArray((n) => new Int32Array(n));
  const weights = new GrowableArray((n) => new Float64Array(n));
  const times = new GrowableArray((n) => new Float64Array(n));
  let durationMs = 0;
  for (const [k, p] of parts.entries()) {
    const scale = TO_MS[p.unit ?? unitOf] ?? 1;
    const base = parts.length > 1 ? b.stack(b.frame({ name: p.name || `profile ${k + 1}`, file: '', line: 0, column: 0, kind: 'runtime' }), -1) : -1;
    const memo = new Int32Array(stackCount).fill(-2);
    const mapStack = (s: number): number => {
      if (s < 0) return base;
      if (memo[s] !== -2) return memo[s]!;
      const chain: number[] = [];
      let x = s;
      while (x >= 0 && memo[x] === -2) {
        chain.push(x);
        x = rawProfile.stackParent[x]!;
      }
      let parent = x < 0 ? base : memo[x]!;
      for (let i = chain.length - 1; i >= 0; i--) memo[chain[i]!] = parent = b.stack(finalFrame(rawProfile.stackFrame[chain[i]!]!), parent);
      return memo[s]!;
    };
    const start = p.startValue ?? 0;
    if (p.type === 'sampled' || (p.type === undefined && p.stacks.length > 0)) {
      const ps = p.stacks.take();
      const pw = p.weights.take();
      if (pw.length !== ps.length && pw.length !== 0) fail(source, `profile ${k + 1} has ${ps.length} samples but ${pw.length} weights`);
      let t = start;
      for (let i = 0; i < ps.length; i++) {
        const w = pw.length ? pw[i]! : 1;
        const stack = mapStack(ps[i]!);
        if (stack >= 0 && stack !== base) {
          stacks.push(stack);
          weights.push(w * scale);
          times.push((t - start) * scale);
        }
        t += w;
      }
      durationMs = Math.max(durationMs, ((p.endValue ?? t) - start) * scale);
    } else if (p.type === 'evented') {
      const ev = p.events.take();
      const at = p.eventAt.take();
      // The open frames and their stacks, so that closing pops back to the parent's stack.
      const open: number[] = [];
      const openFrame: number[] = [];
      let prev = start;
      for (let i = 0; i < ev.length; i++) {
        const t = at[i]!;
        if (t < prev) fail(source, `profile ${k + 1}'s events go back in time at event ${i} (${t} after ${prev})`);
        if (open.length > 0 && t > prev) {
          stacks.push(open[open.length - 1]!);
          weights.push((t - prev) * scale);
          times.push((prev - start) * scale);
        }
        prev = t;
        const e = ev[i]!;
        if (e > 0) {
          open.push(b.stack(finalFrame(e - 1), open.length ? open[open.length - 1]! : base));
          openFrame.push(e - 1);
        } else {
          const f = -e - 1;
          const at2 = openFrame.lastIndexOf(f);
          if (at2 < 0) fail(source, `profile ${k + 1} closes frame ${f} at ${t}, which is not open`);
          open.length = at2;
          openFrame.length = at2;
        }
      }
      durationMs = Math.max(durationMs, ((p.endValue ?? prev) - start) * scale);
    } else fail(source, `profile ${k + 1} has type "${p.type}"; speedscope knows "sampled" and "evented"`);
  }
  if (stacks.length === 0) fail(source, 'its profiles hold no samples');
  b.setSamples(stacks.take(), weights.take(), timed ? times.take() : undefined);
  return b.build(timed && durationMs > 0 ? durationMs : undefined);
}

/** Parses the text of a speedscope file; `source` names the file in error messages. */
export function parseSpeedscope(text: string | Buffer, source: string): Profile {
  return readText(speedscopeHandler(source), text, source);
}

/** Reads a speedscope file of any size in one streaming pass. */
export function readSpeedscopeFile(path: string, source: string): Promise<Profile> {
  return readFileStreaming(speedscopeHandler(source), path, source);
}

/** Whether the start of a JSON text names speedscope's schema. */
export function looksLikeSpeedscope(head: string): boolean {
  return head.includes(SPEEDSCOPE_SCHEMA);
}

/** Writes the model as one sampled speedscope profile; importing it gives the same stacks and weights. */
export function exportSpeedscope(p: Profile, name = 'Perf Lab profile'): SpeedscopeFile {
  const frames: SpeedscopeFrame[] = p.frames.map((f) => ({
    name: f.name,
    ...(f.file ? { file: f.file } : {}),
    ...(f.line > 0 ? { line: f.line } : {}),
    ...(f.column > 0 ? { col: f.column } : {}),
  }));
  const paths = new Map<number, number[]>();
  const samples: number[][] = [];
  const weights: number[] = [];
  let total = 0;
  for (let i = 0; i < p.sampleStack.length; i++) {
    const s = p.sampleStack[i]!;
    let path = paths.get(s);
    if (!path) paths.set(s, (path = stackPath(p, s)));
    samples.push(path);
    weights.push(p.sampleWeight[i]!);
    total += p.sampleWeight[i]!;
  }
  const unit: SpeedscopeUnit = p.unit === 'ms' ? 'milliseconds' : 'none';
  return {
    $schema: SPEEDSCOPE_SCHEMA,
    shared: { frames },
    profiles: [{ type: 'sampled', name, unit, startValue: 0, endValue: total, samples, weights }],
    name,
    exporter: 'perf-lab',
  };
}

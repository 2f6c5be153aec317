// V8's .cpuprofile (Chrome DevTools, `node --cpu-prof`, the inspector's Profiler.stop) to and from the model.
import { stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isGzipped, readFileStreaming, readText, type DocumentReader, type ScanHandler } from '../json-scan';
import { GrowableArray, ProfileBuilder, ProfileFormatError, RUNTIME_NAMES, stackOrder, type Frame, type Profile } from '../model';

/** The JSON V8 writes. Line and column numbers are 0-based; position-tick lines are 1-based. */
export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; scriptId: string | number; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
  positionTicks?: { line: number; ticks: number }[];
}

/** A file path for a script URL: file: URLs become paths, other URLs stay as they are. */
export function urlToFile(url: string): string {
  if (url.startsWith('file://')) {
    try {
      return fileURLToPath(url);
    } catch {
      return url;
    }
  }
  return url;
}

function toFrame(cf: CpuProfileNode['callFrame']): Frame {
  const url = cf.url ?? '';
  const name = cf.functionName || (url ? '(anonymous)' : '(anonymous)');
  let kind: Frame['kind'] = 'js';
  if (!url) kind = RUNTIME_NAMES.has(cf.functionName) ? 'runtime' : 'native';
  else if (url.startsWith('node:') || url.startsWith('internal/')) kind = 'runtime';
  // Perf Lab saves Python profiles in this format too.
  else if (url.endsWith('.py')) kind = 'python';
  const line = typeof cf.lineNumber === 'number' && cf.lineNumber >= 0 ? cf.lineNumber + 1 : 0;
  const column = typeof cf.columnNumber === 'number' && cf.columnNumber >= 0 ? cf.columnNumber + 1 : 0;
  return { name, file: urlToFile(url), line, column, kind };
}

function fail(source: string, what: string): never {
  throw new ProfileFormatError(
    `${source} is not a usable V8 CPU profile: ${what}. Perf Lab reads the .cpuprofile JSON that Chrome DevTools, \`node --cpu-prof\` or Perf Lab itself writes.`,
  );
}

/**
 * Builds the model from a CPU profile's parts as they arrive: nodes one by one (with `children`, or with `parent`
 * as Chrome's trace chunks have them), then the samples and their time deltas as typed arrays. Nodes become frames
 * and stacks at once; no per-sample object is ever made.
 */
const UNRESOLVED = -2;
/** The most elements an array is allocated for up front (virtual memory, not resident until written). */
const MAX_PRESIZE = 1 << 30;

export class CpuProfileAssembler {
  readonly builder: ProfileBuilder;
  private readonly index = new Map<number, number>();
  private readonly ids: number[] = [];
  private readonly frames: number[] = [];
  private readonly rootNamed: boolean[] = [];
  private readonly hits: number[] = [];
  private readonly ticks = new Map<number, { line: number; ticks: number }[]>();
  private readonly parentOf = new Map<number, number>();
  private stackOf: Int32Array | undefined;
  // Interns each node's frame; a frame enters the profile only when a node of it is used.
  private readonly pool = new ProfileBuilder('ms');

  constructor(
    private readonly source: string,
    builder?: ProfileBuilder,
    /** The stack under which this profile's roots hang (-1: none); set before {@link finish}. Chrome traces put each thread under one. */
    public base = -1,
  ) {
    this.builder = builder ?? new ProfileBuilder('ms');
  }

  get nodeCount(): number {
    return this.ids.length;
  }

  /** Adds one node; throws a {@link ProfileFormatError} naming what is wrong with it. */
  addNode(raw: unknown): void {
    const node = raw as (Partial<CpuProfileNode> & { parent?: number }) | null;
    const k = this.ids.length;
    if (!node || typeof node !== 'object' || typeof node.id !== 'number') fail(this.source, `node #${k} has no numeric "id"`);
    if (!node.callFrame || typeof node.callFrame !== 'object') fail(this.source, `node ${node.id} has no "callFrame"`);
    if (this.index.has(node.id)) fail(this.source, `node id ${node.id} appears twice`);
    this.index.set(node.id, k);
    this.ids.push(node.id);
    this.frames.push(this.pool.frame(toFrame(node.callFrame)));
    this.rootNamed.push(node.callFrame.functionName === '(root)');
    this.hits.push(typeof node.hitCount === 'number' ? node.hitCount : 0);
    if (Array.isArray(node.positionTicks) && node.positionTicks.length > 0) this.ticks.set(k, node.positionTicks);
    if (Array.isArray(node.children)) for (const c of node.children) this.parentOf.set(c, node.id);
    if (typeof node.parent === 'number') this.parentOf.set(node.id, node.parent);
  }

  /** Checks the links between nodes, once all are in, and makes the table of stacks that {@link resolve} fills. */
  private stacks(): Int32Array {
    if (this.stackOf) return this.stackOf;
    for (const [child, parent] of this.parentOf) {
      if (!this.index.has(child)) fail(this.source, `node ${parent} lists child ${child}, which does not exist`);
      if (!this.index.has(parent)) fail(this.source, `node ${child} has parent ${parent}, which does not exist`);
    }
    return (this.stackOf = new Int32Array(this.ids.length).fill(UNRESOLVED));
  }

  /** The stack of a node (the base for the synthetic root), made with its ancestors' on first use. */
  private resolve(k0: number): number {
    const stackOf = this.stackOf!;
    if (stackOf[k0] !== UNRESOLVED) return stackOf[k0]!;
    const chain: number[] = [];
    let k: number | undefined = k0;
    while (k !== undefined && stackOf[k] === UNRESOLVED) {
      chain.push(k);
      if (chain.length > stackOf.length) fail(this.source, `its nodes form a cycle (through node ${this.ids[k]})`);
      const p = this.parentOf.get(this.ids[k]!);
      k = p === undefined ? undefined : this.index.get(p);
    }
    let parent = k === undefined ? this.base : stackOf[k]!;
    for (let i = chain.length - 1; i >= 0; i--) {
      const c = chain[i]!;
      // The synthetic root is no frame of its own: its children are the roots.
      if (!(this.rootNamed[c] && !this.parentOf.has(this.ids[c]!)))
        parent = this.builder.stack(this.builder.frame(this.pool.frameAt(this.frames[c]!)!), parent);
      stackOf[c] = parent;
    }
    return stackOf[k0]!;
  }

  /** Node indices by node id (-1: none), when ids are dense as in V8's profiles; undefined otherwise (use the map). */
  private nodeTable(): Int32Array | undefined {
    let maxId = -1;
    let minId = 0;
    for (const id of this.ids) {
      if (id > maxId) maxId = id;
      if (id < minId) minId = id;
    }
    if (!(minId >= 0 && maxId < 4 * this.ids.length + 1024)) return undefined;
    const table = new Int32Array(maxId + 1).fill(-1);
    this.ids.forEach((id, k) => (table[id] = k));
    return table;
  }

  /**
   * Adds the samples (node ids), spread in time by `timeDeltas` (µs) from `startTime`; a sample stands for the time
   * until the next one, as DevTools counts it. Without samples, each node's hitCount becomes one sample of that
   * weight. The samples and deltas arrays are reused for the result (their contents are overwritten).
   */
  finish(
    samples: Int32Array | Float64Array | undefined,
    timeDeltas: Float64Array | undefined,
    startTime: number,
    endTime: number,
    sampleLines?: Float64Array,
  ): { stacks: Int32Array; weights: Float64Array; times: Float64Array | undefined; selfOfNode: Float64Array } {
    if (this.ids.length === 0) fail(this.source, 'its "nodes" array is empty');
    const stackOf = this.stacks();
    const selfOfNode = new Float64Array(this.ids.length);
    let stacks: Int32Array;
    let weights: Float64Array;
    let times: Float64Array | undefined;
    if (samples && samples.length > 0) {
      const n = samples.length;
      const deltas = timeDeltas && timeDeltas.length === n ? timeDeltas : undefined;
      // Absolute times in µs (in place of the deltas: at a gigabyte every copy counts), reused below as ms since the start.
      const t = deltas ?? new Float64Array(n);
      if (deltas) {
        let x = startTime;
        for (let i = 0; i < n; i++) t[i] = x += Math.max(0, deltas[i]!);
      } else {
        const step = (endTime - startTime) / n;
        for (let i = 0; i < n; i++) t[i] = startTime + step * (i + 1);
      }
      const meanGap = n > 1 ? (t[n - 1]! - t[0]!) / (n - 1) : endTime - startTime;
      // Node ids become stacks in place when they come as an Int32Array.
      stacks = samples instanceof Int32Array ? samples : new Int32Array(n);
      weights = new Float64Array(n);
      const table = this.nodeTable();
      const maxId = table ? table.length - 1 : -1;
      const builder = this.builder;
      let m = 0;
      for (let i = 0; i < n; i++) {
        const id = samples[i]!;
        const k = table ? (id >= 0 && id <= maxId && Number.isInteger(id) ? table[id]! : -1) : (this.index.get(id) ?? -1);
        if (k < 0) fail(this.source, `a sample points at node ${String(id)}, which does not exist`);
        let gapUs = i + 1 < n ? t[i + 1]! - t[i]! : endTime - t[i]!;
        if (!(gapUs >= 0) || (i + 1 === n && gapUs > 10 * meanGap)) gapUs = Math.max(0, meanGap);
        const ms = gapUs / 1000;
        selfOfNode[k] += ms;
        let stack = stackOf[k]!;
        if (stack === UNRESOLVED) stack = this.resolve(k);
        if (stack < 0) continue;
        // Chrome's trace chunks give each sample its line (1-based) in place of V8's position ticks.
        if (sampleLines && sampleLines[i]! > 0 && ms > 0) builder.line(builder.stackFrameOf(stack), sampleLines[i]!, ms);
        // Compacts in place: m never passes i.
        stacks[m] = stack;
        weights[m] = ms;
        t[m] = (t[i]! - startTime) / 1000;
        m++;
      }
      stacks = m < n ? stacks.subarray(0, m) : stacks;
      weights = m < n ? weights.subarray(0, m) : weights;
      times = m < n ? t.subarray(0, m) : t;
    } else {
      const chosen: number[] = [];
      for (let k = 0; k < this.ids.length; k++) {
        if (this.hits[k]! <= 0) continue;
        selfOfNode[k] = this.hits[k]!;
        if (this.resolve(k) >= 0) chosen.push(k);
      }
      stacks = Int32Array.from(chosen, (k) => stackOf[k]!);
      weights = Float64Array.from(chosen, (k) => this.hits[k]!);
    }
    for (const [k, ticks] of this.ticks) {
      const w = selfOfNode[k]!;
      if (!w) continue;
      const stack = this.resolve(k);
      if (stack < 0) continue;
      const totalTicks = ticks.reduce((s, t) => s + t.ticks, 0);
      if (!(totalTicks > 0)) continue;
      const frame = this.builder.stackFrameOf(stack);
      // Line 0 is no line: Perf Lab writes it for self time that has no line of its own (see exportCpuProfile).
      for (const t of ticks) if (t.line > 0) this.builder.line(frame, t.line, (w * t.ticks) / totalTicks);
    }
    return { stacks, weights, times, selfOfNode };
  }
}

/**
 * Collects the top-level parts of a .cpuprofile from the streaming scanner. With the file's size the sample array is
 * allocated once at its largest possible length (two bytes a sample): pages never written are never resident, and
 * no growth leaves copies behind for the collector, which at a gigabyte is the difference between 3 and 4 GB.
 */
function cpuProfileHandler(source: string, fileBytes?: number): DocumentReader<Profile> {
  const asm = new CpuProfileAssembler(source);
  const samples = new GrowableArray((n) => new Int32Array(n), fileBytes ? Math.min(MAX_PRESIZE, Math.ceil(fileBytes / 2)) : 1 << 16);
  let deltas = new GrowableArray((n) => new Float64Array(n), 16);
  let sawNodes = false;
  let sawSamples = false;
  let sawDeltas = false;
  let startTime: unknown;
  let endTime: unknown;
  const handler: ScanHandler = {
    action(path) {
      if (path.length === 0) return 'descend';
      const top = path[0];
      if (typeof top === 'number') fail(source, 'the file is not a JSON object');
      if (path.length === 1) {
        if (top === 'nodes') return ((sawNodes = true), 'descend');
        if (top === 'samples') return ((sawSamples = true), samples);
        if (top === 'timeDeltas') {
          // One delta per sample: V8 writes the samples first, so their count is known.
          deltas = new GrowableArray(
            (n) => new Float64Array(n),
            sawSamples ? samples.length : fileBytes ? Math.min(MAX_PRESIZE, Math.ceil(fileBytes / 2)) : 1 << 16,
          );
          return ((sawDeltas = true), deltas);
        }
        if (top === 'startTime' || top === 'endTime') return 'value';
        if (top === 'traceEvents') fail(source, 'it is a Chrome trace, not a CPU profile (it has "traceEvents" but no "nodes")');
        return 'skip';
      }
      return path.length === 2 && top === 'nodes' ? 'value' : 'skip';
    },
    value(path, v) {
      if (path.length === 0) fail(source, 'the file is not a JSON object');
      if (path[0] === 'nodes' && path.length === 1) fail(source, '"nodes" is not an array');
      else if (path[0] === 'nodes') asm.addNode(v);
      else if (path[0] === 'startTime') startTime = v;
      else if (path[0] === 'endTime') endTime = v;
    },
  };
  const result = (): Profile => {
    if (!sawNodes) fail(source, 'it has no "nodes" array');
    if (asm.nodeCount === 0) fail(source, 'its "nodes" array is empty');
    if (typeof startTime !== 'number' || typeof endTime !== 'number') fail(source, 'it has no numeric "startTime" and "endTime"');
    const s = sawSamples ? samples.take() : undefined;
    const { stacks, weights, times } = asm.finish(s, sawDeltas ? deltas.take() : undefined, startTime, endTime);
    const b = asm.builder;
    const p = buildWith(b, s && s.length > 0 ? 'ms' : 'samples', stacks, weights, times);
    const durationMs = (endTime - startTime) / 1000;
    if (durationMs > 0) p.durationMs = durationMs;
    return p;
  };
  return { handler, result };
}

/** The builder's profile with the given samples and unit. */
export function buildWith(b: ProfileBuilder, unit: Profile['unit'], stacks: Int32Array, weights: Float64Array, times: Float64Array | undefined): Profile {
  b.setSamples(stacks, weights, times);
  const p = b.build();
  p.unit = unit;
  return p;
}

/** A JSON syntax error with what Perf Lab reads instead. */
function withJsonHint(e: unknown): unknown {
  if (e instanceof ProfileFormatError && /is not valid JSON|ends in the middle/.test(e.message)) {
    return new ProfileFormatError(`${e.message} Perf Lab reads the .cpuprofile JSON that Chrome DevTools, \`node --cpu-prof\` or Perf Lab itself writes.`);
  }
  return e;
}

/** Parses the text of a .cpuprofile file; `source` names the file in error messages. */
export function parseCpuProfile(text: string | Buffer, source: string): Profile {
  try {
    return readText(cpuProfileHandler(source), text, source);
  } catch (e) {
    throw withJsonHint(e);
  }
}

/** Reads a .cpuprofile file of any size in one streaming pass, never holding its text; `chunkSize` is in bytes. */
export async function readCpuProfileFile(path: string, source: string, chunkSize?: number): Promise<Profile> {
  try {
    // A compressed file's size says nothing of how many samples it holds.
    return await readFileStreaming(cpuProfileHandler(source, isGzipped(path) ? undefined : (await stat(path)).size), path, source, chunkSize);
  } catch (e) {
    throw withJsonHint(e);
  }
}

/** Converts a CPU profile object into the model; weights are milliseconds. */
export function importCpuProfile(cp: CpuProfile): Profile {
  return parseCpuProfile(JSON.stringify(cp), 'the CPU profile');
}

/** Writes the model as a .cpuprofile; importing the result gives the same stacks, weights and line times. */
export function exportCpuProfile(p: Profile): CpuProfile {
  const ROOT = 1;
  const idOf = (stack: number) => stack + 2;
  const nodes: CpuProfileNode[] = [
    { id: ROOT, callFrame: { functionName: '(root)', scriptId: 0, url: '', lineNumber: -1, columnNumber: -1 }, hitCount: 0, children: [] },
  ];
  const nodeOf = new Map<number, CpuProfileNode>([[ROOT, nodes[0]!]]);
  const scriptIds = new Map<string, number>();
  for (const s of stackOrder(p)) {
    const f = p.frames[p.stackFrame[s]!]!;
    let scriptId = scriptIds.get(f.file);
    if (scriptId === undefined) scriptIds.set(f.file, (scriptId = scriptIds.size + 1));
    const node: CpuProfileNode = {
      id: idOf(s),
      callFrame: {
        functionName: f.name,
        scriptId: f.file ? scriptId : 0,
        url: f.file && f.kind !== 'runtime' && isAbsolute(f.file) ? pathToFileURL(f.file).href : f.file,
        lineNumber: f.line - 1,
        columnNumber: f.column - 1,
      },
      hitCount: 0,
      children: [],
    };
    nodes.push(node);
    nodeOf.set(node.id, node);
    const parent = p.stackParent[s]!;
    nodeOf.get(parent < 0 ? ROOT : idOf(parent))!.children!.push(node.id);
  }
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  // Weights are milliseconds; a sample count is written as one millisecond per sample.
  const perUs = 1000;
  // The importer gives the last sample the mean gap when its own looks far too long (a profile stopped late).
  // Samples without times may come in any order, so the lightest goes last, where that rule can never apply.
  const order = Array.from({ length: p.sampleStack.length }, (_, i) => i);
  if (!p.sampleTime && order.length > 1) {
    let lightest = 0;
    for (let i = 1; i < order.length; i++) if (p.sampleWeight[i]! < p.sampleWeight[lightest]!) lightest = i;
    order.splice(lightest, 1);
    order.push(lightest);
  }
  let t = 0;
  let previous = -1;
  for (const i of order) {
    const id = idOf(p.sampleStack[i]!);
    samples.push(id);
    nodeOf.get(id)!.hitCount! += 1;
    timeDeltas.push(previous < 0 ? 0 : Math.round(p.sampleWeight[previous]! * perUs * 1000) / 1000);
    t += p.sampleWeight[i]! * perUs;
    previous = i;
  }
  // The importer spreads a node's self time over its ticks. Every stack with self time in a frame gets the frame's
  // line times as ticks, plus line 0 for self time no line holds, so each line gets back exactly its own time.
  const selfOfStack = new Float64Array(p.stackFrame.length);
  for (let i = 0; i < p.sampleStack.length; i++) selfOfStack[p.sampleStack[i]!] += p.sampleWeight[i]!;
  const linesOf = new Map<number, { line: number; weight: number }[]>();
  for (const lt of p.lines) {
    const list = linesOf.get(lt.frame);
    if (list) list.push(lt);
    else linesOf.set(lt.frame, [lt]);
  }
  const selfOfFrame = new Float64Array(p.frames.length);
  for (let s = 0; s < selfOfStack.length; s++) selfOfFrame[p.stackFrame[s]!] += selfOfStack[s]!;
  const TICKS_PER_MS = 1e6;
  for (let s = 0; s < selfOfStack.length; s++) {
    const f = p.stackFrame[s]!;
    const lines = linesOf.get(f);
    if (!lines || selfOfStack[s]! <= 0) continue;
    const ticks = lines.map((lt) => ({ line: lt.line, ticks: Math.max(1, Math.round(lt.weight * TICKS_PER_MS)) }));
    const rest = Math.round((selfOfFrame[f]! - lines.reduce((sum, lt) => sum + lt.weight, 0)) * TICKS_PER_MS);
    if (rest > 0) ticks.push({ line: 0, ticks: rest });
    nodeOf.get(idOf(s))!.positionTicks = ticks;
  }
  return { nodes, startTime: 0, endTime: Math.round(t * 1000) / 1000, samples, timeDeltas };
}

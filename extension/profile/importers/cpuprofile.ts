// V8's .cpuprofile (Chrome DevTools, `node --cpu-prof`, the inspector's Profiler.stop) to and from the model.
import { isAbsolute } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ProfileBuilder, ProfileFormatError, stackOrder, type Frame, type Profile } from '../model';

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

const RUNTIME_NAMES = new Set(['(program)', '(garbage collector)', '(idle)', '(root)']);

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
  throw new ProfileFormatError(`${source} is not a usable V8 CPU profile: ${what}. Perf Lab reads the .cpuprofile JSON that Chrome DevTools, \`node --cpu-prof\` or Perf Lab itself writes.`);
}

/** Checks the shape of parsed JSON and returns it as a CPU profile, or throws a {@link ProfileFormatError} that says what is wrong. */
export function validateCpuProfile(json: unknown, source: string): CpuProfile {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail(source, 'the file is not a JSON object');
  const o = json as Record<string, unknown>;
  if (!Array.isArray(o.nodes)) {
    if (Array.isArray(o.traceEvents) || Array.isArray(json)) fail(source, 'it is a Chrome trace, not a CPU profile (it has "traceEvents" but no "nodes")');
    fail(source, 'it has no "nodes" array');
  }
  if (o.nodes.length === 0) fail(source, 'its "nodes" array is empty');
  const ids = new Set<number>();
  for (const [i, n] of (o.nodes as unknown[]).entries()) {
    const node = n as Partial<CpuProfileNode> | null;
    if (!node || typeof node.id !== 'number') fail(source, `node #${i} has no numeric "id"`);
    if (!node.callFrame || typeof node.callFrame !== 'object') fail(source, `node ${node.id} has no "callFrame"`);
    if (ids.has(node.id)) fail(source, `node id ${node.id} appears twice`);
    ids.add(node.id);
  }
  for (const n of o.nodes as CpuProfileNode[]) {
    for (const c of n.children ?? []) if (!ids.has(c)) fail(source, `node ${n.id} lists child ${c}, which does not exist`);
  }
  if (o.samples !== undefined) {
    if (!Array.isArray(o.samples)) fail(source, '"samples" is not an array');
    for (const s of o.samples as unknown[]) if (!ids.has(s as number)) fail(source, `a sample points at node ${String(s)}, which does not exist`);
    if (o.timeDeltas !== undefined && !Array.isArray(o.timeDeltas)) fail(source, '"timeDeltas" is not an array');
  }
  if (typeof o.startTime !== 'number' || typeof o.endTime !== 'number') fail(source, 'it has no numeric "startTime" and "endTime"');
  return o as unknown as CpuProfile;
}

/** Parses the text of a .cpuprofile file; `source` names the file in error messages. */
export function parseCpuProfile(text: string, source: string): Profile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ProfileFormatError(`${source} is not valid JSON (${(e as Error).message}). Perf Lab reads the .cpuprofile JSON that Chrome DevTools, \`node --cpu-prof\` or Perf Lab itself writes.`);
  }
  return importCpuProfile(validateCpuProfile(json, source));
}

/** Converts a validated CPU profile into the model; weights are milliseconds. */
export function importCpuProfile(cp: CpuProfile): Profile {
  const byId = new Map<number, CpuProfileNode>();
  const parentOf = new Map<number, number>();
  for (const n of cp.nodes) byId.set(n.id, n);
  for (const n of cp.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);

  const hasSamples = Array.isArray(cp.samples) && cp.samples.length > 0;
  const b = new ProfileBuilder(hasSamples ? 'ms' : 'samples');
  const stackOf = new Map<number, number>();
  const resolve = (id: number): number => {
    const known = stackOf.get(id);
    if (known !== undefined) return known;
    const chain: number[] = [];
    let x: number | undefined = id;
    while (x !== undefined && !stackOf.has(x)) {
      chain.push(x);
      x = parentOf.get(x);
    }
    let parent = x === undefined ? -1 : stackOf.get(x)!;
    for (let i = chain.length - 1; i >= 0; i--) {
      const node = byId.get(chain[i]!)!;
      // The synthetic root is no frame of its own: its children are the roots.
      if (parentOf.get(node.id) === undefined && node.callFrame.functionName === '(root)') {
        stackOf.set(node.id, -1);
        continue;
      }
      parent = b.stack(b.frame(toFrame(node.callFrame)), parent);
      stackOf.set(node.id, parent);
    }
    return stackOf.get(id)!;
  };

  const selfWeight = new Map<number, number>();
  if (hasSamples) {
    const samples = cp.samples!;
    const deltas = cp.timeDeltas && cp.timeDeltas.length === samples.length ? cp.timeDeltas : undefined;
    const n = samples.length;
    const times = new Float64Array(n);
    if (deltas) {
      let t = cp.startTime;
      for (let i = 0; i < n; i++) times[i] = t += Math.max(0, deltas[i]!);
    } else {
      const step = (cp.endTime - cp.startTime) / n;
      for (let i = 0; i < n; i++) times[i] = cp.startTime + step * (i + 1);
    }
    const meanGap = n > 1 ? (times[n - 1]! - times[0]!) / (n - 1) : cp.endTime - cp.startTime;
    for (let i = 0; i < n; i++) {
      // A sample stands for the time until the next one (as DevTools counts it); the last one until the end.
      let gapUs = i + 1 < n ? times[i + 1]! - times[i]! : cp.endTime - times[i]!;
      if (!(gapUs >= 0) || (i + 1 === n && gapUs > 10 * meanGap)) gapUs = Math.max(0, meanGap);
      const ms = gapUs / 1000;
      const id = samples[i]!;
      const stack = resolve(id);
      selfWeight.set(id, (selfWeight.get(id) ?? 0) + ms);
      if (stack >= 0) b.sample(stack, ms, (times[i]! - cp.startTime) / 1000);
    }
  } else {
    for (const node of cp.nodes) {
      const hits = node.hitCount ?? 0;
      if (hits <= 0) continue;
      const stack = resolve(node.id);
      selfWeight.set(node.id, hits);
      if (stack >= 0) b.sample(stack, hits);
    }
  }

  for (const node of cp.nodes) {
    const ticks = node.positionTicks;
    const w = selfWeight.get(node.id);
    if (!ticks || ticks.length === 0 || !w) continue;
    const stack = resolve(node.id);
    if (stack < 0) continue;
    const totalTicks = ticks.reduce((s, t) => s + t.ticks, 0);
    if (totalTicks <= 0) continue;
    const frame = b.stackFrameOf(stack);
    // Line 0 is no line: Perf Lab writes it for self time that has no line of its own (see exportCpuProfile).
    for (const t of ticks) if (t.line > 0) b.line(frame, t.line, (w * t.ticks) / totalTicks);
  }
  const durationMs = (cp.endTime - cp.startTime) / 1000;
  return b.build(durationMs > 0 ? durationMs : undefined);
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
      callFrame: { functionName: f.name, scriptId: f.file ? scriptId : 0, url: f.file && f.kind !== 'runtime' && isAbsolute(f.file) ? pathToFileURL(f.file).href : f.file, lineNumber: f.line - 1, columnNumber: f.column - 1 },
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

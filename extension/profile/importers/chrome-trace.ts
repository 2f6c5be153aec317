// Chrome's trace-event JSON (DevTools' performance panel, chrome://tracing, --trace-startup, Playwright's and
// Puppeteer's tracing) to the model: the CPU profiles it carries as Profile + ProfileChunk events, one per thread,
// or as one older CpuProfile event. Both the bare array of events and {"traceEvents": [...]} are read. A trace with
// no CPU profile but timed spans (complete "X" events, or "B"/"E" pairs) — Ray's timeline (`ray timeline`,
// `ray.timeline(path)`) is one — is read as its spans: nested by time on each thread, each span's time outside its
// children is its self time, and each thread is a root (a Ray worker, the driver).
import { readFileStreaming, readText, type DocumentReader, type ScanHandler } from '../json-scan';
import { GrowableArray, ProfileBuilder, ProfileFormatError, type Profile } from '../model';
import { buildWith, CpuProfileAssembler } from './cpuprofile';

interface ThreadProfile {
  pid: number | string;
  tid: number | string;
  asm: CpuProfileAssembler;
  samples: GrowableArray<Int32Array>;
  deltas: GrowableArray<Float64Array>;
  lines: GrowableArray<Float64Array>;
  startTime: number | undefined;
  endTime: number | undefined;
}

interface TraceEvent {
  name?: string;
  cat?: string;
  ph?: string;
  pid?: number | string;
  tid?: number | string;
  id?: string | number;
  ts?: number;
  dur?: number;
  args?: { name?: string; data?: Record<string, unknown> };
}

/** A timed span of one thread, in the trace's microseconds. */
interface Span {
  name: string;
  cat: string;
  start: number;
  end: number;
}

function fail(source: string, what: string): never {
  throw new ProfileFormatError(
    `${source} is not a usable Chrome trace: ${what}. Record one in DevTools' Performance panel (Save profile…) or with tracing that includes the "disabled-by-default-v8.cpu_profiler" category.`,
  );
}

const numbers = (v: unknown): number[] => (Array.isArray(v) ? (v as unknown[]).filter((x): x is number => typeof x === 'number') : []);

/** Collects the profile events of a trace from the streaming scanner. */
function traceHandler(source: string): DocumentReader<Profile> {
  const builder = new ProfileBuilder('ms');
  const threads = new Map<string, ThreadProfile>();
  const threadNames = new Map<string, string>();
  const spans = new Map<string, Span[]>();
  const open = new Map<string, TraceEvent[]>();
  let spanBase: number | undefined;
  const addSpan = (key: string, ev: TraceEvent, start: number, end: number) => {
    if (!(end >= start) || !Number.isFinite(start) || !Number.isFinite(end)) return;
    let list = spans.get(key);
    if (!list) spans.set(key, (list = []));
    list.push({ name: ev.name || '(unnamed span)', cat: typeof ev.cat === 'string' ? ev.cat : '', start, end });
  };
  let events = 0;
  const thread = (key: string, ev: TraceEvent): ThreadProfile => {
    let t = threads.get(key);
    if (!t) {
      t = {
        pid: ev.pid ?? 0,
        tid: ev.tid ?? 0,
        asm: new CpuProfileAssembler(`${source} (profile ${key})`, builder),
        samples: new GrowableArray((n) => new Int32Array(n)),
        deltas: new GrowableArray((n) => new Float64Array(n)),
        lines: new GrowableArray((n) => new Float64Array(n)),
        startTime: undefined,
        endTime: undefined,
      };
      threads.set(key, t);
    }
    return t;
  };
  const onEvent = (raw: unknown) => {
    events++;
    if (!raw || typeof raw !== 'object') return;
    const ev = raw as TraceEvent;
    const data = ev.args?.data;
    if (ev.ph === 'M' && ev.name === 'thread_name' && typeof ev.args?.name === 'string') {
      threadNames.set(`${ev.pid}:${ev.tid}`, ev.args.name);
      return;
    }
    if ((ev.ph === 'X' || ev.ph === 'B' || ev.ph === 'E') && typeof ev.ts === 'number') {
      const key = `${ev.pid}:${ev.tid}`;
      // Times from the first span's start: microseconds since an epoch (~1.8e15) keep only a quarter of one, so an
      // end taken as start + duration there would round.
      spanBase ??= ev.ts;
      if (ev.ph === 'X') {
        if (typeof ev.dur === 'number') addSpan(key, ev, ev.ts - spanBase, ev.ts - spanBase + ev.dur);
      } else if (ev.ph === 'B') {
        let stack = open.get(key);
        if (!stack) open.set(key, (stack = []));
        stack.push(ev);
      } else {
        const begin = open.get(key)?.pop();
        if (begin) addSpan(key, begin, begin.ts! - spanBase, ev.ts - spanBase);
      }
      return;
    }
    if (ev.name === 'Profile' && data) {
      const t = thread(`${ev.pid}:${String(ev.id)}`, ev);
      t.tid = ev.tid ?? t.tid;
      if (typeof data.startTime === 'number') t.startTime = data.startTime;
      else if (typeof ev.ts === 'number') t.startTime = ev.ts;
    } else if (ev.name === 'ProfileChunk' && data) {
      const t = thread(`${ev.pid}:${String(ev.id)}`, ev);
      const cp = (data.cpuProfile ?? {}) as { nodes?: unknown[]; samples?: unknown[] };
      for (const node of cp.nodes ?? []) t.asm.addNode(node);
      const samples = numbers(cp.samples);
      const deltas = numbers(data.timeDeltas);
      const lines = numbers(data.lines);
      for (const s of samples) t.samples.push(s);
      for (const d of deltas) t.deltas.push(d);
      // Lines come per sample; a chunk without them keeps the arrays aligned with zeros (no line).
      for (let i = 0; i < samples.length; i++) t.lines.push(lines.length === samples.length ? lines[i]! : 0);
      if (typeof data.endTime === 'number') t.endTime = data.endTime;
    } else if (ev.name === 'CpuProfile' && data && typeof data.cpuProfile === 'object' && data.cpuProfile) {
      // Traces from before profile chunks (Chrome < 67) carry the whole profile in one event.
      const cp = data.cpuProfile as { nodes?: unknown[]; samples?: unknown[]; timeDeltas?: unknown[]; startTime?: number; endTime?: number };
      const t = thread(`${ev.pid}:${ev.tid}:CpuProfile`, ev);
      for (const node of cp.nodes ?? []) t.asm.addNode(node);
      for (const s of numbers(cp.samples)) t.samples.push(s);
      for (const d of numbers(cp.timeDeltas ?? data.timeDeltas)) t.deltas.push(d);
      if (typeof cp.startTime === 'number') t.startTime = cp.startTime;
      if (typeof cp.endTime === 'number') t.endTime = cp.endTime;
    }
  };
  const handler: ScanHandler = {
    action(path) {
      if (path.length === 0) return 'descend';
      if (typeof path[0] === 'number') return path.length === 1 ? 'value' : 'skip';
      if (path[0] === 'traceEvents') return path.length === 1 ? 'descend' : path.length === 2 ? 'value' : 'skip';
      if (path[0] === 'nodes' && path.length === 1) fail(source, 'it is a V8 CPU profile (.cpuprofile), not a trace; give it the .cpuprofile extension');
      return 'skip';
    },
    value(path, v) {
      if (path.length === 0) fail(source, 'it is neither an array of trace events nor an object with "traceEvents"');
      if (typeof path[0] === 'number' || path.length === 2) onEvent(v);
      else if (path[0] === 'traceEvents') fail(source, '"traceEvents" is not an array');
    },
  };
  const result = (): Profile => {
    const used = [...threads.values()].filter((t) => t.samples.length > 0 && t.asm.nodeCount > 0);
    if (used.length === 0 && spans.size > 0) return spanProfile(builder, spans, threadNames);
    if (used.length === 0) {
      fail(
        source,
        events === 0
          ? 'it holds no events'
          : `none of its ${events.toLocaleString('en-US')} events is a CPU profile sample or a timed span (no "ProfileChunk", "CpuProfile", "X" or "B"/"E" events)`,
      );
    }
    const starts = used.map((t) => t.startTime ?? 0);
    const globalStart = Math.min(...starts);
    const parts: { stacks: Int32Array; weights: Float64Array; times: Float64Array | undefined }[] = [];
    let globalEnd = globalStart;
    for (const [i, t] of used.entries()) {
      const samples = t.samples.take();
      const deltas = t.deltas.take();
      const start = starts[i]!;
      let last = start;
      for (let k = 0; k < deltas.length; k++) last += Math.max(0, deltas[k]!);
      // Chunks carry no end time: the last sample stands for the mean gap, like the others.
      const end = t.endTime ?? last + (samples.length > 1 ? (last - start - Math.max(0, deltas[0] ?? 0)) / (samples.length - 1) : 0);
      if (used.length > 1) {
        t.asm.base = builder.stack(builder.frame({ name: threadLabel(t.pid, t.tid, threadNames), file: '', line: 0, column: 0, kind: 'runtime' }), -1);
      }
      const lines = t.lines.take();
      const part = t.asm.finish(
        samples,
        deltas.length === samples.length ? deltas : undefined,
        start,
        end,
        lines.length === samples.length && lines.some((l) => l > 0) ? lines : undefined,
      );
      if (part.times && start !== globalStart) for (let k = 0; k < part.times.length; k++) part.times[k]! += (start - globalStart) / 1000;
      parts.push(part);
      globalEnd = Math.max(globalEnd, end);
    }
    const n = parts.reduce((s, p) => s + p.stacks.length, 0);
    const stacks = new Int32Array(n);
    const weights = new Float64Array(n);
    const times = parts.every((p) => p.times) ? new Float64Array(n) : undefined;
    let at = 0;
    for (const p of parts) {
      stacks.set(p.stacks, at);
      weights.set(p.weights, at);
      if (times) times.set(p.times!, at);
      at += p.stacks.length;
    }
    const profile = buildWith(builder, 'ms', stacks, weights, times);
    const durationMs = (globalEnd - globalStart) / 1000;
    if (durationMs > 0) profile.durationMs = durationMs;
    return profile;
  };
  return { handler, result };
}

// Ray's span for running a task's function sits inside the task's own span: its time is the task's.
const RAY_EXECUTE = 'task:execute';
// Ray names a task's span after its function (`module.function`) in a "task::…" category: the user's code.
const RAY_TASK_CATEGORY = 'task::';

/**
 * A thread's root frame name: its name when the trace gives one, else its id (a long one, as Ray's `worker:<hex>`,
 * cut short), with its process — Ray writes the node's address where a process id would be.
 */
function threadLabel(pid: number | string, tid: number | string, names: ReadonlyMap<string, string>): string {
  const id = String(tid);
  const thread = names.get(`${pid}:${tid}`) ?? (/^\d+$/.test(id) ? `thread ${id}` : id.length > 24 ? `${id.slice(0, 16)}…` : id);
  return `${thread} (${/^\d+$/.test(String(pid)) ? 'pid ' : ''}${pid})`;
}

/**
 * The profile of a trace's spans: on each thread, spans nested by time (a span inside another's interval is its
 * child), each stretch of a span's time outside its children one sample of that weight (ms) at its start. Time when
 * no span is open is not counted: the profile is of the traced work. Threads are roots, in the order first seen.
 */
function spanProfile(builder: ProfileBuilder, spans: ReadonlyMap<string, Span[]>, names: ReadonlyMap<string, string>): Profile {
  let first = Infinity;
  let last = -Infinity;
  for (const list of spans.values())
    for (const sp of list) {
      first = Math.min(first, sp.start);
      last = Math.max(last, sp.end);
    }
  const frameOf = (sp: Span): number =>
    builder.frame({ name: sp.name, file: '', line: 0, column: 0, kind: sp.cat.startsWith(RAY_TASK_CATEGORY) ? 'python' : 'runtime' });
  for (const [key, list] of spans) {
    const at = key.indexOf(':');
    const root = builder.stack(
      builder.frame({ name: threadLabel(key.slice(0, at), key.slice(at + 1), names), file: '', line: 0, column: 0, kind: 'runtime' }),
      -1,
    );
    // Outer spans first: by start, the longer of two that start together first.
    const sorted = [...list].sort((a, b) => a.start - b.start || b.end - a.end);
    // The open spans, each with its stack and where its own time resumes.
    const openSpans: { span: Span; stack: number; from: number }[] = [];
    const emit = (stack: number, from: number, to: number) => {
      if (to > from) builder.sample(stack, (to - from) / 1000, (from - first) / 1000);
    };
    const close = (until: number) => {
      // Closes the open spans that end by `until`, innermost first, giving each the rest of its own time.
      while (openSpans.length > 0 && openSpans[openSpans.length - 1]!.span.end <= until) {
        const top = openSpans.pop()!;
        emit(top.stack, top.from, top.span.end);
        const parent = openSpans[openSpans.length - 1];
        if (parent) parent.from = Math.max(parent.from, top.span.end);
      }
    };
    for (const sp of sorted) {
      close(sp.start);
      const parent = openSpans[openSpans.length - 1];
      // Ray's own "execute" span is the task function running: its time stays the task's self time.
      if (parent && sp.name === RAY_EXECUTE && parent.span.cat.startsWith(RAY_TASK_CATEGORY)) continue;
      // A span that overlaps its parent's end without nesting is cut at that end, so that no time counts twice.
      const span = parent && sp.end > parent.span.end ? { ...sp, end: parent.span.end } : sp;
      if (parent) {
        emit(parent.stack, parent.from, span.start);
        parent.from = span.end;
      }
      openSpans.push({ span, stack: builder.stack(frameOf(span), parent ? parent.stack : root), from: span.start });
    }
    close(Infinity);
  }
  return builder.build(last > first ? (last - first) / 1000 : undefined);
}

/** Parses the text of a Chrome trace; `source` names the file in error messages. */
export function parseChromeTrace(text: string | Buffer, source: string): Profile {
  return readText(traceHandler(source), text, source);
}

/** Reads a Chrome trace file of any size in one streaming pass. */
export function readChromeTraceFile(path: string, source: string): Promise<Profile> {
  return readFileStreaming(traceHandler(source), path, source);
}

/** Whether the start of a JSON text looks like a trace: an array of events, or an object with "traceEvents". */
export function looksLikeChromeTrace(head: string): boolean {
  const t = head.trimStart();
  if (t.startsWith('[')) return /^\[\s*(\{|\])/.test(t);
  return t.startsWith('{') && /"traceEvents"\s*:/.test(t);
}

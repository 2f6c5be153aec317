// The record stage for Python: reruns a script on the user's interpreter with one top-level function wrapped
// (python/perf_lab_kernel.py record), and keeps a bounded sample of its real calls with exact values, sampled by
// shape with each large value stored once (python/perf_lab_sample.py, the rules of sampler.ts). The values
// stay in the helper's own JSON (ints as decimal strings, floats as float.hex(), arrays as bytes), which the proof
// and the benchmark hand back to Python; the extension reads only the argument types and counts.
import { readFile, rm, stat, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { kernelHelperPath } from '../compiler/compile-python';
import { CancelledError, PerfLabError } from '../errors';
import { noProgress, throwIfCancelled, type StageOptions } from '../progress';
import { CONTROL_FD_ENV } from '../profile/preload/control';
import { probePython, type PythonRuntime } from '../profile/python-runner';
import { firstLines, seconds, startChild } from '../profile/run-child';
import { sourceHash } from './record';
import type { Recording, RecordedTiming } from './recording';
import { DEFAULT_LIMITS, samplingNotes, tooLargeMessage, type RecordLimits, type ShapeSummary } from './sampler';
import { readRecordingText, writeRecordingText } from './store';

export interface PythonRecordRequest {
  file: string;
  functionName: string;
  /** The interpreter (perfLab.pythonPath); 'python3' by default. Or one already asked for its version (not asked again). */
  python?: string | PythonRuntime;
  args?: string[];
  cwd?: string;
  /** Milliseconds before the script is stopped and the calls so far are kept; 60,000 by default, 0 for none. */
  timeoutMs?: number;
  limits?: Partial<RecordLimits>;
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
}

/** One kept call as the extension sees it: the argument types (the values stay in the helper's JSON). */
export interface PythonCallSummary {
  types: string[];
  /** The types of the module-level data the function reads by name (numbers, lists, tuples, NumPy arrays), at the call. */
  globals?: Record<string, string>;
  /** A method's call: the types of the attributes of self its code names (numbers, lists, arrays), at the call. */
  attrs?: Record<string, string>;
  threw?: string;
  /** The call held a value that cannot be recorded exactly (it is not replayed). */
  unrecordable?: boolean;
}

/** A recording of a Python function, stored as the helper's JSON plus these fields. */
export interface PythonRecording extends Omit<Recording, 'calls' | 'runtimeVersion'> {
  language: 'python';
  calls: PythonCallSummary[];
  /** "Python 3.11.7". */
  runtimeVersion: string;
  interpreter: string;
  /** The stored file with the exact values, which prove and bench pass to the helper. */
  dataPath: string;
}

interface HelperOutput {
  error?: string;
  line: number;
  arity: number;
  totalCalls: number;
  tooLarge: number;
  /** Calls made with keyword arguments: counted, not kept. */
  keywordCalls?: number;
  calls: (PythonCallSummary & { args: unknown })[];
  /** Each shape of call seen (absent from recordings stored before shapes). */
  shapes?: ShapeSummary[];
  /** The run's and the function's time (absent from recordings stored before it was kept). */
  timing?: RecordedTiming;
  status: number;
  stopped: boolean;
  python: string;
  executable: string;
}

/** The fields the helper writes into its output as given (`--meta`), so that its output is the stored recording. */
type StoredMeta = Pick<PythonRecording, 'language' | 'file' | 'functionName' | 'sourceHash' | 'limits' | 'recordedAt' | 'interpreter'>;

function summary(doc: HelperOutput & Partial<PythonRecording>, dataPath: string): PythonRecording {
  const shapes = doc.shapes ?? [];
  return {
    language: 'python',
    file: doc.file!,
    functionName: doc.functionName!,
    sourceHash: doc.sourceHash!,
    line: doc.line,
    arity: doc.arity,
    calls: doc.calls.map((c) => ({
      types: c.types,
      ...(c.globals ? { globals: c.globals } : {}),
      ...(c.attrs ? { attrs: c.attrs } : {}),
      ...(c.threw !== undefined ? { threw: c.threw } : {}),
      ...(c.args === null ? { unrecordable: true } : {}),
    })),
    totalCalls: doc.totalCalls,
    truncated: doc.totalCalls > doc.calls.length,
    tooLarge: doc.tooLarge,
    limits: doc.limits!,
    ...(doc.shapes ? { shapes, notes: samplingNotes(shapes, doc.limits!) } : {}),
    ...(doc.timing ? { timing: doc.timing } : {}),
    recordedAt: doc.recordedAt!,
    runtimeVersion: doc.runtimeVersion ?? `Python ${doc.python}`,
    interpreter: doc.interpreter || doc.executable,
    dataPath,
  };
}

/**
 * Runs the script with `functionName` recorded and stores the sample in `store` (keyed like every recording, by
 * file, function and content hash). A timeout or a cancel keeps the calls so far; a function never called is an error.
 */
export async function recordPython(req: PythonRecordRequest, store: string, opts: StageOptions = {}): Promise<PythonRecording> {
  const progress = opts.progress ?? noProgress;
  const file = resolve(req.file);
  if (extname(file).toLowerCase() !== '.py') throw new PerfLabError(`Perf Lab records Python functions in .py files; ${basename(file)} is not one.`);
  if (!(await stat(file).catch(() => undefined))?.isFile()) throw new PerfLabError(`${file} does not exist. Save the file, or check its path.`);
  const cwd = resolve(req.cwd ?? dirname(file));
  const limits: Required<RecordLimits> = { ...DEFAULT_LIMITS, ...req.limits };
  const timeoutMs = req.timeoutMs ?? 60_000;
  progress({ message: 'Looking for Python…' });
  const runtime = typeof req.python === 'object' ? req.python : await probePython(req.python || 'python3');
  throwIfCancelled(opts.signal, 'Recording was cancelled.');
  const bytes = await readFile(file);
  const meta: StoredMeta = {
    language: 'python',
    file,
    functionName: req.functionName,
    sourceHash: sourceHash(bytes),
    limits,
    recordedAt: new Date().toISOString(),
    interpreter: runtime.execPath,
  };
  const tmp = await mkdtemp(join(tmpdir(), 'perf-lab-pyrec-'));
  try {
    const out = join(tmp, 'calls.json');
    const args = [
      kernelHelperPath(),
      'record',
      '--file',
      file,
      '--fn',
      req.functionName,
      '--out',
      out,
      '--max-calls',
      String(limits.maxCalls),
      '--first',
      String(limits.firstCalls),
      '--max-bytes',
      String(limits.maxBytes),
      '--hard-max-bytes',
      String(limits.hardMaxBytes),
      '--meta',
      JSON.stringify(meta),
      '--',
      ...(req.args ?? []),
    ];
    progress({ message: `Running ${basename(file)} with ${req.functionName} recorded (Python ${runtime.version})…` });
    const child = startChild({
      execPath: runtime.execPath,
      args,
      cwd,
      env: { ...process.env, [CONTROL_FD_ENV]: '3', PYTHONUNBUFFERED: '1' },
      timeoutMs,
      signal: opts.signal,
      control: true,
      onOutput: req.onOutput,
    });
    const outcome = await child.done;
    const text = await readFile(out, 'utf8').catch(() => undefined);
    if (text === undefined) {
      if (outcome.stoppedBy === 'cancel')
        throw new CancelledError(`Recording was cancelled after ${seconds(outcome.durationMs)}, before any calls could be saved.`);
      if (outcome.stoppedBy)
        throw new PerfLabError(
          `The script was stopped by the ${seconds(timeoutMs)} timeout and did not save its calls. Raise the timeout, or make the script end on its own.`,
        );
      const how = outcome.signal ? `was ended by ${outcome.signal}` : `exited with code ${outcome.code}`;
      throw new PerfLabError(
        `Python ${how} before the calls could be saved.${outcome.stderrHead ? ` Its stderr began:\n${firstLines(outcome.stderrHead, 6)}` : ''}`,
      );
    }
    const doc = JSON.parse(text) as HelperOutput & { syntaxError?: string };
    if (doc.syntaxError)
      throw new PerfLabError(`${doc.syntaxError}. Fix the file (python3 -m py_compile ${basename(file)} shows the same error) and optimize again.`);
    if (doc.error) throw new PerfLabError(`${doc.error}. Choose a function defined at the top level of the file.`);
    if (doc.totalCalls === 0) {
      const ended = outcome.stoppedBy
        ? `it was stopped after ${seconds(outcome.durationMs)}`
        : doc.status !== 0
          ? `it exited with status ${doc.status}`
          : 'it ran to the end';
      const stderr = doc.status !== 0 && outcome.stderrHead ? ` Its stderr began:\n${firstLines(outcome.stderrHead, 6)}` : '';
      throw new PerfLabError(
        `${req.functionName} was never called in this run; ${ended}. Run the script with arguments that reach ${req.functionName} (perfLab.args, or after -- on the command line), or choose a function it calls.${stderr}`,
      );
    }
    if (doc.calls.length === 0 && doc.keywordCalls === doc.totalCalls) {
      throw new PerfLabError(
        `${req.functionName} was called ${doc.totalCalls} times, always with keyword arguments, which are not recorded (the compiled version takes positional arguments). Call it with positional arguments, or choose a function it calls.`,
      );
    }
    if (doc.calls.length === 0) throw new PerfLabError(tooLargeMessage(req.functionName, doc.totalCalls, doc.shapes ?? [], limits));
    // The helper's output already is the stored recording (it wrote the meta fields and the runtime in): stored as
    // it is, without a second copy of a large text.
    const path = await writeRecordingText(store, file, req.functionName, meta.sourceHash, text);
    return summary(doc as HelperOutput & Partial<PythonRecording>, path);
  } finally {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
  }
}

/** The stored recording of a Python function as the file is now; undefined when none (or only a stale one). */
export async function loadPythonRecording(store: string, file: string, functionName: string): Promise<PythonRecording | undefined> {
  const stored = await readRecordingText(store, resolve(file), functionName);
  if (!stored) return undefined;
  try {
    const doc = JSON.parse(stored.text) as HelperOutput & Partial<PythonRecording>;
    return doc.language === 'python' ? summary(doc, stored.path) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The entry parameters' types as the recorded calls show them (the most frequent known type of each; calls of other
 * types then run the original). Undefined for a parameter whose type no call shows (e.g. only empty lists).
 */
export function recordedPyParamTypes(rec: PythonRecording): (string | undefined)[] {
  const out: (string | undefined)[] = [];
  for (let i = 0; i < rec.arity; i++) {
    const counts = new Map<string, number>();
    for (const c of rec.calls) {
      const t = c.types[i];
      if (!t || c.unrecordable || t.endsWith('[?]')) continue;
      counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    const best = [...counts].sort((a, b) => b[1] - a[1])[0];
    out.push(best?.[0]);
  }
  return out;
}

/**
 * The types of the module-level data the function reads (the most frequent known type of each name over the recorded
 * calls): the frontend takes them as hidden arguments, which the compiled version reads from the module at each call.
 */
export function recordedPyGlobalTypes(rec: PythonRecording): Record<string, string> {
  return mostFrequentTypes(rec, (c) => c.globals);
}

/**
 * For a method: the types of the attributes of self its code names (the most frequent known type of each over the
 * recorded calls), which the frontend takes as hidden arguments read from self at each call.
 */
export function recordedPyAttrTypes(rec: PythonRecording): Record<string, string> {
  return mostFrequentTypes(rec, (c) => c.attrs);
}

function mostFrequentTypes(rec: PythonRecording, of: (c: PythonCallSummary) => Record<string, string> | undefined): Record<string, string> {
  const counts = new Map<string, Map<string, number>>();
  for (const c of rec.calls) {
    if (c.unrecordable) continue;
    for (const [name, t] of Object.entries(of(c) ?? {})) {
      if (t.endsWith('[?]')) continue;
      const byType = counts.get(name) ?? new Map<string, number>();
      byType.set(t, (byType.get(t) ?? 0) + 1);
      counts.set(name, byType);
    }
  }
  const out: Record<string, string> = {};
  for (const [name, byType] of counts) out[name] = [...byType].sort((a, b) => b[1] - a[1])[0]![0];
  return out;
}

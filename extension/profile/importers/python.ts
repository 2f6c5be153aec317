// The JSON that Perf Lab's Python helper (python/perf_lab_profile.py) writes for cProfile, its sampler and pstats files.
import { ProfileBuilder, ProfileFormatError, type Frame, type Profile } from '../model';

/** The helper's document, as far as the importer reads it. */
interface PythonProfileDoc {
  format: string;
  version: number;
  mode: 'cprofile' | 'sampling' | 'pstats';
  python: string;
  executable: string;
  unit: 'ms' | 'samples';
  intervalUs?: number;
  frames: [string, string, number, Frame['kind']][];
  stacks: [number, number][];
  samples: ([number, number] | [number, number, number])[];
  lines: [number, number, number][];
  functions?: { frame: number; calls: number; primitiveCalls: number; selfMs: number; totalMs: number }[];
  notes?: string[];
  durationMs?: number;
  /** The process's CPU time while the script ran, all threads (a run of the helper; not in pstats files). */
  cpuMs?: number;
  stopped?: boolean;
}

/** A profile read from the helper's JSON, with what the helper says about how it was taken. */
export interface PythonProfile {
  profile: Profile;
  mode: PythonProfileDoc['mode'];
  /** The interpreter's version and executable. */
  python: string;
  executable: string;
  intervalUs?: number;
  /** Whether the run was stopped (timeout or cancel) before the script ended. */
  stopped: boolean;
  /** The process's CPU time while the script ran, all its threads together, when the helper measured it. */
  cpuMs?: number;
  notes: string[];
}

const KINDS = new Set<Frame['kind']>(['js', 'native', 'python', 'runtime']);

/** Whether a text is the helper's JSON. */
export function isPythonProfileJson(text: string): boolean {
  return /^\s*\{\s*"format"\s*:\s*"perf-lab-python"/.test(text);
}

/** Parses the helper's JSON into the profile model; `source` names it in error messages. */
export function parsePythonProfile(text: string, source: string): PythonProfile {
  let doc: PythonProfileDoc;
  try {
    doc = JSON.parse(text) as PythonProfileDoc;
  } catch (e) {
    throw new ProfileFormatError(`${source} is not valid JSON (${(e as Error).message}).`);
  }
  if (doc?.format !== 'perf-lab-python' || !Array.isArray(doc.frames) || !Array.isArray(doc.stacks) || !Array.isArray(doc.samples)) {
    throw new ProfileFormatError(`${source} is not a Perf Lab Python profile: it lacks the format tag or its frames, stacks and samples.`);
  }
  if (doc.version !== 1)
    throw new ProfileFormatError(`${source} is a Python profile of version ${doc.version}; this Perf Lab reads version 1. Update Perf Lab.`);
  const b = new ProfileBuilder(doc.unit === 'samples' ? 'samples' : 'ms');
  const frameIds = doc.frames.map(([name, file, line, kind]) => b.frame({ name, file, line, column: 0, kind: KINDS.has(kind) ? kind : 'python' }));
  const stackIds = new Int32Array(doc.stacks.length);
  // The helper writes a parent before its children.
  doc.stacks.forEach(([frame, parent], i) => {
    if (frameIds[frame] === undefined || parent >= i) throw new ProfileFormatError(`${source}: stack ${i} refers to a frame or parent that does not exist.`);
    stackIds[i] = b.stack(frameIds[frame]!, parent < 0 ? -1 : stackIds[parent]!);
  });
  const timed = doc.samples.length > 0 && doc.samples.every((s) => s.length > 2);
  for (const s of doc.samples) {
    if (s[0] < 0 || s[0] >= stackIds.length) throw new ProfileFormatError(`${source}: a sample refers to stack ${s[0]}, which does not exist.`);
    b.sample(stackIds[s[0]]!, s[1], timed ? s[2] : undefined);
  }
  for (const [frame, line, weight] of doc.lines ?? []) if (frameIds[frame] !== undefined) b.line(frameIds[frame]!, line, weight);
  const profile = b.build(doc.durationMs);
  if (doc.functions) {
    const calls = new Float64Array(profile.frames.length).fill(NaN);
    for (const f of doc.functions) if (frameIds[f.frame] !== undefined) calls[frameIds[f.frame]!] = f.calls;
    profile.calls = calls;
  }
  const out: PythonProfile = { profile, mode: doc.mode, python: doc.python, executable: doc.executable, stopped: doc.stopped === true, notes: doc.notes ?? [] };
  if (doc.intervalUs !== undefined) out.intervalUs = doc.intervalUs;
  if (typeof doc.cpuMs === 'number' && Number.isFinite(doc.cpuMs)) out.cpuMs = doc.cpuMs;
  return out;
}

// Runs a Python file under cProfile or Perf Lab's stack sampler (python/perf_lab_profile.py on the user's interpreter).
import { execFile, type ExecFileException } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { CancelledError, PerfLabError } from '../errors';
import { noProgress } from '../progress';
import { parsePythonProfile, type PythonProfile } from './importers/python';
import { ProfileFormatError } from './model';
import type { ProfileRequest, ProfileResult, RunInfo } from './node-runner';
import { CONTROL_FD_ENV } from './preload/control';
import { firstLines, startChild, STOP_GRACE_MS } from './run-child';

/** How a Python program is profiled: cProfile (exact call counts) or sampling (real stacks, line heat). */
export type PythonProfiler = 'cprofile' | 'sampling';

/** What to run and how; the fields shared with {@link ProfileRequest} mean the same. */
export interface PythonProfileRequest extends Omit<ProfileRequest, 'nodePath' | 'disableInlining'> {
  /** The interpreter (setting perfLab.pythonPath); 'python3' on PATH by default. */
  pythonPath?: string;
  /** 'cprofile' by default (setting perfLab.pythonProfiler). */
  mode?: PythonProfiler;
}

/** The helper script, in python/ next to dist/ (installed) or at the checkout's root (sources). */
export function pythonHelperPath(): string {
  const candidates = [join(__dirname, '..', 'python', 'perf_lab_profile.py'), join(__dirname, '..', '..', 'python', 'perf_lab_profile.py')];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new PerfLabError(`Perf Lab's Python helper (python/perf_lab_profile.py) is missing from ${candidates[0]}. Reinstall the extension.`);
  return found;
}

export interface PythonRuntime {
  /** The interpreter's real path (sys.executable). */
  execPath: string;
  /** e.g. "3.11.7". */
  version: string;
}

function run(cmd: string, args: string[], cwd?: string): Promise<{ err: ExecFileException | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(cmd, args, { timeout: 30_000, windowsHide: true, maxBuffer: 16 << 20, ...(cwd ? { cwd } : {}) }, (err, stdout, stderr) => done({ err, stdout: String(stdout), stderr: String(stderr) }));
  });
}

/** Asks the interpreter for its version and real path; a missing one becomes advice naming perfLab.pythonPath. */
export async function probePython(pythonPath = 'python3'): Promise<PythonRuntime> {
  const { err, stdout, stderr } = await run(pythonPath, ['-c', 'import json, sys; print(json.dumps([sys.version.split()[0], sys.executable, list(sys.version_info[:2])]))']);
  if (err) {
    if (err.code === 'ENOENT') throw new PerfLabError(`Python was not found at "${pythonPath}". Install Python 3.8 or later, or set perfLab.pythonPath (--python on the command line) to the interpreter's full path.`);
    if (err.code === 'EACCES') throw new PerfLabError(`"${pythonPath}" cannot be executed (permission denied). Set perfLab.pythonPath to a Python interpreter you can run.`);
    throw new PerfLabError(`"${pythonPath}" did not run as Python 3 (${firstLines(stderr, 3) || err.message}). Set perfLab.pythonPath to a Python 3.8+ interpreter.`);
  }
  try {
    const [version, execPath, [major, minor]] = JSON.parse(stdout) as [string, string, [number, number]];
    if (major! < 3 || (major === 3 && minor! < 8)) throw new PerfLabError(`${execPath} is Python ${version}; Perf Lab needs Python 3.8 or later. Set perfLab.pythonPath to a newer interpreter.`);
    return { version, execPath: execPath || pythonPath };
  } catch (e) {
    if (e instanceof PerfLabError) throw e;
    throw new PerfLabError(`"${pythonPath}" did not answer like Python 3. Set perfLab.pythonPath to a Python 3.8+ interpreter.`);
  }
}

/** Compiles the file without running it; throws a {@link PerfLabError} naming file:line:col when it does not parse. */
async function checkPython(runtime: PythonRuntime, file: string): Promise<void> {
  const { err, stdout, stderr } = await run(runtime.execPath, [pythonHelperPath(), 'check', file]);
  let answer: { ok: boolean; file?: string; line?: number; column?: number; message?: string } | undefined;
  try {
    answer = JSON.parse(stdout) as typeof answer;
  } catch {
    answer = undefined;
  }
  if (!answer) throw new PerfLabError(`Python could not check ${file}: ${firstLines(stderr, 4) || err?.message || 'no answer'}`);
  if (answer.ok) return;
  const where = `${answer.file ?? file}${answer.line ? `:${answer.line}${answer.column ? `:${answer.column}` : ''}` : ''}`;
  throw new PerfLabError(`Syntax error in ${where}: ${answer.message ?? 'the file does not compile'}. Fix it and profile again.`);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/**
 * Runs a Python file under cProfile or the sampler in a child process of the user's interpreter.
 * A failing script still yields its profile, with warnings; a timeout or a cancel stops it (the helper writes
 * the profile so far when asked on the control pipe) and kills its whole process tree.
 */
export async function profilePythonFile(req: PythonProfileRequest): Promise<ProfileResult> {
  const progress = req.onProgress ?? noProgress;
  const file = resolve(req.file);
  if (extname(file).toLowerCase() !== '.py') throw new PerfLabError(`Perf Lab cannot profile ${basename(file)} with Python: it runs .py files.`);
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw new PerfLabError(`${file} does not exist. Save the file, or check its path.`);
  const cwd = resolve(req.cwd ?? dirname(file));
  if (!(await stat(cwd).catch(() => undefined))?.isDirectory()) throw new PerfLabError(`The working folder ${cwd} does not exist.`);
  const mode: PythonProfiler = req.mode ?? 'cprofile';
  const interval = Math.max(10, Math.round(req.samplingIntervalUs ?? 1000));
  const timeoutMs = req.timeoutMs ?? 60_000;
  const args = req.args ?? [];
  const checkCancel = () => {
    if (req.signal?.aborted) throw new CancelledError('Profiling was cancelled.');
  };
  checkCancel();
  const helper = pythonHelperPath();
  progress({ message: 'Looking for Python…' });
  const runtime = await probePython(req.pythonPath || 'python3');
  checkCancel();
  progress({ message: `Checking the syntax of ${basename(file)}…` });
  await checkPython(runtime, file);
  checkCancel();

  const tmp = await mkdtemp(join(tmpdir(), 'perf-lab-py-'));
  try {
    const outPath = join(tmp, 'profile.json');
    const helperArgs = [helper, 'run', '--mode', mode, '--interval', String(interval), '--out', outPath, file, ...args];
    const env: Record<string, string | undefined> = { ...process.env, ...req.env, [CONTROL_FD_ENV]: '3', PYTHONUNBUFFERED: '1' };
    const profilerName = mode === 'cprofile' ? 'cProfile' : 'the sampler';
    progress({ message: `Running ${basename(file)} under ${profilerName} (Python ${runtime.version})…` });
    const child = startChild({
      execPath: runtime.execPath,
      args: helperArgs,
      cwd,
      env,
      timeoutMs,
      signal: req.signal,
      control: true,
      onOutput: req.onOutput,
      onStop: (why) => progress({ message: why === 'timeout' ? 'Time is up: saving the profile so far…' : 'Cancelled: saving the profile so far…' }),
    });
    const outcome = await child.done;
    const { durationMs, stderrHead, stderrTail } = outcome;
    const stoppedBy = outcome.stoppedBy === 'caller' ? undefined : outcome.stoppedBy;
    const run: RunInfo = {
      file,
      language: 'python',
      runtime: runtime.execPath,
      runtimeVersion: `Python ${runtime.version}`,
      args,
      // The helper ends a stopped run itself once the profile is written; that exit is not the program's.
      exitCode: stoppedBy ? null : outcome.code,
      signal: outcome.signal,
      durationMs,
      samplingIntervalUs: mode === 'sampling' ? interval : 0,
      stderrTail,
      profiler: mode === 'cprofile' ? 'cProfile' : 'Perf Lab sampler',
    };
    if (stoppedBy) run.stoppedBy = stoppedBy;
    if (outcome.stopHandshakeMs !== undefined) run.stopHandshakeMs = outcome.stopHandshakeMs;

    progress({ message: 'Reading the profile…' });
    const text = await readFile(outPath, 'utf8').catch(() => undefined);
    if (text === undefined) {
      if (stoppedBy) {
        const why = stoppedBy === 'timeout' ? `the ${seconds(timeoutMs)} timeout` : 'a cancel';
        const msg = `The program was stopped after ${seconds(durationMs)} by ${why}, and no profile could be saved: it did not answer within ${seconds(STOP_GRACE_MS)} of being asked (it may be blocked in a C extension that holds the GIL).`;
        if (stoppedBy === 'cancel') throw new CancelledError(msg);
        throw new PerfLabError(`${msg} Raise perfLab.timeout, or make the program end on its own.`);
      }
      throw new PerfLabError(`The program ${outcome.signal ? `was ended by ${outcome.signal}` : `exited with code ${outcome.code}`} before its profile could be written.${stderrHead ? ` Its stderr began:\n${firstLines(stderrHead, 6)}` : ''}`);
    }
    const parsed = parsePythonProfile(text, `The profile of ${basename(file)}`);
    const { profile } = parsed;
    const notes = [...parsed.notes];
    const warnings: string[] = [];
    if (profile.sampleStack.length === 0) {
      notes.push(
        mode === 'sampling'
          ? `The profile holds no samples: the program ended before the sampler took one. Use a smaller interval (now ${interval} µs, setting perfLab.samplingInterval) or give the program more work.`
          : 'The profile holds no timed calls: the program ended before it called anything measurable.',
      );
    }
    if (stoppedBy === 'timeout') warnings.push(`Stopped after ${seconds(durationMs)}: the program reached the ${seconds(timeoutMs)} timeout (perfLab.timeout, --timeout on the command line). The profile holds what was recorded until then.`);
    else if (stoppedBy === 'cancel') warnings.push(`Stopped after ${seconds(durationMs)} because profiling was cancelled. The profile holds what was recorded until then.`);
    else if (outcome.signal) warnings.push(`The program was ended by ${outcome.signal}.${stderrHead ? ` First lines of stderr:\n${firstLines(stderrHead, 6)}` : ''}`);
    else if (outcome.code !== 0) warnings.push(`The program exited with code ${outcome.code}.${stderrHead ? ` First lines of stderr:\n${firstLines(stderrHead, 6)}` : ''}`);
    return { run, profile, notes, warnings };
  } finally {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
  }
}

/** Reads a cProfile/pstats file (Python's marshal format) through the helper, on the given interpreter. */
export async function readPstats(path: string, pythonPath = 'python3'): Promise<PythonProfile> {
  const runtime = await probePython(pythonPath);
  const tmp = await mkdtemp(join(tmpdir(), 'perf-lab-pstats-'));
  try {
    const out = join(tmp, 'profile.json');
    const { err, stderr } = await run(runtime.execPath, [pythonHelperPath(), 'pstats', '--out', out, path]);
    if (err) throw new ProfileFormatError(firstLines(stderr, 3) || `${basename(path)} could not be read as a pstats file (${err.message}).`);
    return parsePythonProfile(await readFile(out, 'utf8'), basename(path));
  } finally {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
  }
}

// Runs a Python file under cProfile, py-spy (when installed next to the interpreter) or Perf Lab's stack sampler
// (python/perf_lab_profile.py on the user's interpreter).
import { execFile, type ExecFileException } from 'node:child_process';
import { constants, existsSync } from 'node:fs';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { PerfLabError, SourceError } from '../errors';
import { noProgress } from '../progress';
import { pythonScript } from '../python-script';
import { parsePythonProfile, type PythonProfile } from './importers/python';
import { ProfileFormatError } from './model';
import { totalWeight } from './aggregate';
import type { ProfileCoverage, ProfileRequest, ProfileResult } from './node-runner';
import { CONTROL_FD_ENV } from './preload/control';
import { cancelCheck, firstLines, profiledRunInfo, profiledRunWarnings, programFolder, runProfiled, stoppedWithoutProfile } from './run-child';

/** How a Python program is profiled: cProfile (exact call counts) or sampling (real stacks, line heat). */
export type PythonProfiler = 'cprofile' | 'sampling';

/** What to run and how; the fields shared with {@link ProfileRequest} mean the same. */
export interface PythonProfileRequest extends Omit<ProfileRequest, 'nodePath' | 'disableInlining'> {
  /** The interpreter (setting perfLab.pythonPath); 'python3' on PATH by default. */
  pythonPath?: string;
  /** 'cprofile' by default (setting perfLab.pythonProfiler). */
  mode?: PythonProfiler;
  /** Sampling with py-spy when it is installed in the interpreter's environment (default), or always the built-in sampler. */
  sampler?: 'auto' | 'builtin';
}

/** The helper script, in python/ next to dist/ (installed) or at the checkout's root (sources). */
export function pythonHelperPath(): string {
  return pythonScript('perf_lab_profile.py');
}

export interface PythonRuntime {
  /** The interpreter's real path (sys.executable). */
  execPath: string;
  /** e.g. "3.11.7". */
  version: string;
  /** Where the interpreter's environment installs executables (sysconfig's scripts paths, the user scheme's too). */
  scripts: string[];
}

function run(cmd: string, args: string[], cwd?: string): Promise<{ err: ExecFileException | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(cmd, args, { timeout: 30_000, windowsHide: true, maxBuffer: 16 << 20, ...(cwd ? { cwd } : {}) }, (err, stdout, stderr) =>
      done({ err, stdout: String(stdout), stderr: String(stderr) }),
    );
  });
}

/** Asks the interpreter for its version and real path; a missing one becomes advice naming perfLab.pythonPath. */
export async function probePython(pythonPath = 'python3'): Promise<PythonRuntime> {
  const probe =
    'import json, os, sys, sysconfig\n' +
    'scripts = []\n' +
    'for scheme in (None, os.name + "_user"):\n' +
    '    try:\n' +
    '        scripts.append(sysconfig.get_path("scripts", scheme) if scheme else sysconfig.get_path("scripts"))\n' +
    '    except KeyError:\n' +
    '        pass\n' +
    'print(json.dumps([sys.version.split()[0], sys.executable, list(sys.version_info[:2]), scripts]))';
  const { err, stdout, stderr } = await run(pythonPath, ['-c', probe]);
  if (err) {
    if (err.code === 'ENOENT')
      throw new PerfLabError(
        `Python was not found at "${pythonPath}". Install Python 3.8 or later, or set perfLab.pythonPath (--python on the command line) to the interpreter's full path.`,
      );
    if (err.code === 'EACCES')
      throw new PerfLabError(`"${pythonPath}" cannot be executed (permission denied). Set perfLab.pythonPath to a Python interpreter you can run.`);
    throw new PerfLabError(
      `"${pythonPath}" did not run as Python 3 (${firstLines(stderr, 3) || err.message}). Set perfLab.pythonPath to a Python 3.8+ interpreter.`,
    );
  }
  try {
    const [version, execPath, [major, minor], scripts] = JSON.parse(stdout) as [string, string, [number, number], string[]];
    if (major! < 3 || (major === 3 && minor! < 8))
      throw new PerfLabError(`${execPath} is Python ${version}; Perf Lab needs Python 3.8 or later. Set perfLab.pythonPath to a newer interpreter.`);
    return { version, execPath: execPath || pythonPath, scripts: scripts.filter((d) => typeof d === 'string' && d) };
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
  const message = `Syntax error in ${where}: ${answer.message ?? 'the file does not compile'}. Fix it and profile again.`;
  if (!answer.line) throw new PerfLabError(message);
  throw new SourceError(message, { file: answer.file ?? file, line: answer.line, column: answer.column ?? 0 });
}

/** The bundled helper's command line (after the interpreter): run `file` under `mode`, sampling every `intervalUs`, writing to `out`. */
export function profileHelperArgs(helper: string, mode: PythonProfiler | 'none', intervalUs: number, out: string, file: string, args: string[]): string[] {
  return [helper, 'run', '--mode', mode, '--interval', String(intervalUs), '--out', out, file, ...args];
}

/**
 * py-spy's arguments to run `command` as its child, sampling every `intervalUs`, into a speedscope file; with
 * `--subprocesses`, the processes the program starts (a process pool's, Dask's or Ray's workers) are sampled too, each
 * a root of the flame graph.
 */
export function pySpyRecordArgs(intervalUs: number, output: string, command: string[]): string[] {
  return [
    'record',
    '--format',
    'speedscope',
    '--full-filenames',
    '--subprocesses',
    '--rate',
    String(Math.round(1e6 / intervalUs)),
    '--output',
    output,
    '--',
    ...command,
  ];
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
  const cwd = await programFolder(file, req.cwd);
  const mode: PythonProfiler = req.mode ?? 'cprofile';
  const interval = Math.max(10, Math.round(req.samplingIntervalUs ?? 1000));
  const timeoutMs = req.timeoutMs ?? 60_000;
  const args = req.args ?? [];
  const checkCancel = cancelCheck(req.signal, 'Profiling was cancelled.');
  checkCancel();
  const helper = pythonHelperPath();
  progress({ message: 'Looking for Python…' });
  const runtime = await probePython(req.pythonPath || 'python3');
  checkCancel();
  progress({ message: `Checking the syntax of ${basename(file)}…` });
  await checkPython(runtime, file);
  checkCancel();

  const pySpy = mode === 'sampling' && req.sampler !== 'builtin' ? await findPySpy(runtime, req.pythonPath) : undefined;
  checkCancel();

  const tmp = await mkdtemp(join(tmpdir(), 'perf-lab-py-'));
  try {
    const outPath = join(tmp, 'profile.json');
    const spyPath = join(tmp, 'py-spy.json');
    // py-spy runs the helper unprofiled (mode none) as its child and reads its stacks from outside; the helper then
    // writes only the script's exit status, and the samples come from py-spy's speedscope file.
    // py-spy spends about 0.4 ms of CPU per sample reading the process (measured: +40 % CPU at 1 kHz, +5 % at 100 Hz),
    // so it samples at most 100 times a second, its own default.
    const spyInterval = Math.max(PY_SPY_MIN_INTERVAL_US, interval);
    const helperArgs = profileHelperArgs(helper, pySpy ? 'none' : mode, interval, outPath, file, args);
    const spyArgs = pySpyRecordArgs(spyInterval, spyPath, [runtime.execPath, ...helperArgs]);
    const env: Record<string, string | undefined> = { ...process.env, ...req.env, [CONTROL_FD_ENV]: '3', PYTHONUNBUFFERED: '1' };
    const profilerName = pySpy ? `py-spy ${pySpy.version}` : mode === 'cprofile' ? 'cProfile' : 'the sampler';
    progress({ message: `Running ${basename(file)} under ${profilerName} (Python ${runtime.version})…` });
    const spyOutput = pySpy ? new PySpyOutputFilter(req.onOutput) : undefined;
    const outcome = await runProfiled({
      execPath: pySpy ? pySpy.path : runtime.execPath,
      args: pySpy ? spyArgs : helperArgs,
      cwd,
      env,
      timeoutMs,
      signal: req.signal,
      onOutput: spyOutput ? (stream, text) => spyOutput.write(stream, text) : req.onOutput,
      progress,
      saves: 'profile',
    });
    spyOutput?.end();
    const { durationMs, stderrHead, stderrTail, stoppedBy } = outcome;
    let exitCode = stoppedBy ? null : outcome.code;
    if (pySpy && !stoppedBy) {
      // py-spy exits with 0 whatever its child did; the helper wrote the script's own status.
      const status = await readFile(outPath, 'utf8').then(
        (t) => (JSON.parse(t) as { status?: number }).status,
        () => undefined,
      );
      exitCode = typeof status === 'number' ? status : outcome.code;
    }
    const info = profiledRunInfo(
      {
        file,
        language: 'python',
        runtime: runtime.execPath,
        runtimeVersion: `Python ${runtime.version}`,
        args,
        // The helper ends a stopped run itself once the profile is written; that exit is not the program's.
        exitCode,
        samplingIntervalUs: pySpy ? spyInterval : mode === 'sampling' ? interval : 0,
        profiler: pySpy ? `py-spy ${pySpy.version}` : mode === 'cprofile' ? 'cProfile' : 'Perf Lab sampler',
      },
      outcome,
    );

    progress({ message: 'Reading the profile…' });
    let text: string | undefined;
    if (pySpy) {
      if (existsSync(spyPath)) {
        const converted = join(tmp, 'py-spy-profile.json');
        const r = await run(runtime.execPath, [helper, 'pyspy', '--out', converted, '--interval', String(spyInterval), '--version', pySpy.version, spyPath]);
        if (r.err) throw new PerfLabError(`py-spy's samples could not be read: ${firstLines(r.stderr, 3) || r.err.message}`);
        text = await readFile(converted, 'utf8');
      } else if (/permission|not permitted|ptrace/i.test(spyOutput!.log + stderrTail)) {
        throw new PerfLabError(
          `py-spy (${pySpy.path}) may not read the program's memory: ${firstLines(spyOutput!.log + stderrTail, 2)}. Allow ptrace for your user (e.g. \`sysctl kernel.yama.ptrace_scope=1\`, or run the container with CAP_SYS_PTRACE), or set perfLab.pythonProfiler to cprofile; uninstalling py-spy from the environment makes sampling use Perf Lab's built-in sampler.`,
        );
      } else if (!stoppedBy && exitCode !== null) {
        // A program that ends before py-spy attaches (tens of milliseconds) leaves no samples, which is not an error.
        text = emptySamplingProfile(runtime, pySpy.version);
      }
    } else {
      text = await readFile(outPath, 'utf8').catch(() => undefined);
    }
    if (text === undefined) {
      if (stoppedBy) throw stoppedWithoutProfile(info, timeoutMs, 'no profile could be saved: it did not answer', 'a C extension that holds the GIL');
      throw new PerfLabError(
        `The program ${outcome.signal ? `was ended by ${outcome.signal}` : `exited with code ${outcome.code}`} before its profile could be written.${stderrHead ? ` Its stderr began:\n${firstLines(stderrHead, 6)}` : ''}`,
      );
    }
    const parsed = parsePythonProfile(text, `The profile of ${basename(file)}`);
    const { profile } = parsed;
    const notes = [...parsed.notes];
    if (pySpy && profile.durationMs === undefined) profile.durationMs = durationMs;
    const warnings = profiledRunWarnings(info, stderrHead, timeoutMs, 'what was recorded');
    const coverage =
      !pySpy && mode === 'cprofile' && parsed.cpuMs !== undefined ? profileCoverage(totalWeight(profile), parsed.cpuMs, profile.durationMs) : undefined;
    if (coverage?.short) warnings.push(shortProfileWarning(coverage));
    else if (profile.sampleStack.length === 0) {
      notes.push(
        pySpy
          ? `The profile holds no samples: the program ended before py-spy took one (it samples every ${spyInterval} µs once attached, which takes a few tens of milliseconds). Give the program more work.`
          : mode === 'sampling'
            ? `The profile holds no samples: the program ended before the sampler took one. Use a smaller interval (now ${interval} µs, setting perfLab.samplingInterval) or give the program more work.`
            : 'The profile holds no timed calls: the program ended before it called anything measurable.',
      );
    }
    return { run: info, profile, notes, warnings, ...(coverage ? { coverage } : {}) };
  } finally {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
  }
}

/** A cProfile profile that holds less than this share of its run is said to miss the run. */
export const SHORT_PROFILE_SHARE = 0.5;
/** Runs shorter than this (ms of CPU and of wall clock) are not judged: the interpreter's own start-up weighs too much. */
const SHORT_PROFILE_MIN_MS = 50;

/**
 * The profile's timed calls against the run. cProfile times calls by the wall clock, so a profile that holds the run
 * times at least its CPU time (more when the program waits), or at least its wall-clock time when native code ran on
 * several cores at once (numpy's BLAS threads): far less than the smaller of the two means calls went unseen.
 */
export function profileCoverage(profiledMs: number, cpuMs: number, wallMs = Infinity): ProfileCoverage {
  const run = Math.min(cpuMs, wallMs);
  return { profiledMs, cpuMs, short: run >= SHORT_PROFILE_MIN_MS && profiledMs < SHORT_PROFILE_SHARE * run };
}

/** What a short profile misses, in words; the command line and the editor each add how to profile with the sampler. */
export function shortProfileWarning(c: ProfileCoverage): string {
  const share = c.cpuMs > 0 ? Math.round((100 * c.profiledMs) / c.cpuMs) : 0;
  return `cProfile timed ${c.profiledMs.toFixed(1)} ms of calls, but the program used ${c.cpuMs.toFixed(1)} ms of CPU: the profile holds about ${share} % of the run, so it does not show where the time went. The sampling profiler reads the program's stacks instead of timing calls, and sees what cProfile missed.`;
}

/** The finest interval py-spy samples at (100 Hz): each sample costs py-spy itself about 0.4 ms of CPU. */
export const PY_SPY_MIN_INTERVAL_US = 10_000;

/** py-spy as installed with the interpreter: its path and version. */
export interface PySpy {
  path: string;
  version: string;
}

/**
 * py-spy installed in the interpreter's environment (`pip install py-spy` puts it in the scripts folder, next to a
 * virtual environment's python), else undefined: sampling then uses the built-in sampler. PATH is not searched, so
 * that the sampler follows the chosen interpreter.
 */
export async function findPySpy(runtime: PythonRuntime, pythonPath?: string): Promise<PySpy | undefined> {
  const dirs = [...runtime.scripts, dirname(runtime.execPath)];
  if (pythonPath && pythonPath.includes('/')) dirs.push(dirname(resolve(pythonPath)));
  for (const dir of [...new Set(dirs)]) {
    const path = join(dir, process.platform === 'win32' ? 'py-spy.exe' : 'py-spy');
    if (
      !(await access(path, constants.X_OK).then(
        () => true,
        () => false,
      ))
    )
      continue;
    const { err, stdout } = await run(path, ['--version']);
    const version = /py-spy\s+(\S+)/.exec(stdout)?.[1];
    if (!err && version) return { path, version };
  }
  return undefined;
}

function emptySamplingProfile(runtime: PythonRuntime, version: string): string {
  return JSON.stringify({
    format: 'perf-lab-python',
    version: 1,
    mode: 'sampling',
    python: runtime.version,
    executable: runtime.execPath,
    unit: 'ms',
    frames: [],
    stacks: [],
    samples: [],
    lines: [],
    notes: [`Sampled by py-spy ${version}.`],
  });
}

/**
 * py-spy writes its messages ("py-spy> Sampling process…") to the stdout its child shares: they are taken out of
 * the program's output line by line (with the blank lines py-spy puts around them) and kept in {@link log}.
 */
class PySpyOutputFilter {
  log = '';
  private partial = '';
  private heldBlank = false;
  private afterMessage = false;

  constructor(private readonly onOutput: PythonProfileRequest['onOutput']) {}

  write(stream: 'stdout' | 'stderr', text: string): void {
    if (stream === 'stderr') {
      this.onOutput?.(stream, text);
      return;
    }
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop()!;
    let out = '';
    for (const line of lines) {
      if (line.startsWith('py-spy> ')) {
        this.log += `${line.slice(8)}\n`;
        this.heldBlank = false;
        this.afterMessage = true;
      } else if (line === '' && !this.heldBlank && !this.afterMessage) {
        this.heldBlank = true;
      } else if (line === '' && this.afterMessage) {
        this.afterMessage = false;
      } else {
        if (this.heldBlank) out += '\n';
        this.heldBlank = false;
        this.afterMessage = false;
        out += `${line}\n`;
      }
    }
    if (out) this.onOutput?.('stdout', out);
  }

  end(): void {
    let out = this.heldBlank ? '\n' : '';
    if (this.partial && !this.partial.startsWith('py-spy> ')) out += this.partial;
    this.partial = '';
    this.heldBlank = false;
    if (out) this.onOutput?.('stdout', out);
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

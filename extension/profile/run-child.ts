// Runs one child process of the user's Node.js for a stage (profile, record, prove, bench): its own process group,
// a timeout and a cancel that end its whole process tree, optionally a control pipe for a stop handshake (the
// profiler writes its samples, the recorder saves its calls, before it is killed) or an IPC channel with
// structured-clone messages.
import { spawn, type ChildProcess } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import { CancelledError, PerfLabError } from '../errors';
import { throwIfCancelled, type ProgressSink } from '../progress';
import { checkReadableFile } from './file-problem';
import { killGroup, killTree, trackGroup, untrackGroup } from './kill-tree';
import type { RunInfo } from './node-runner';
import { DONE_MESSAGE, FAILED_MESSAGE, STOP_MESSAGE } from './preload/control';

/** How long a program gets to save its state after being asked to stop, before it is killed anyway. */
export const STOP_GRACE_MS = 3000;

export interface ChildRequest {
  execPath: string;
  args: string[];
  cwd: string;
  env?: Record<string, string | undefined>;
  /** Milliseconds before the child is stopped; 0 for none. */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** fd 3 is a control pipe: a stop first asks the child to save its state (STOP_MESSAGE) and waits for its answer. */
  control?: boolean;
  /** fd 3 is an IPC channel with structured-clone serialisation (typed arrays, NaN and -0 arrive intact). */
  ipc?: boolean;
  onOutput?: ((stream: 'stdout' | 'stderr', text: string) => void) | undefined;
  onMessage?: (message: unknown) => void;
  /** Called once when a stop begins, before the child is asked to save its state. */
  onStop?: (why: 'timeout' | 'cancel' | 'caller') => void;
}

export interface ChildOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stoppedBy?: 'timeout' | 'cancel' | 'caller';
  /** Whether the child answered a stop by saving its state (control pipe only). */
  saved?: boolean;
  /** Milliseconds from asking a stopped child to save its state to its answer (control pipe only). */
  stopHandshakeMs?: number;
  durationMs: number;
  stderrHead: string;
  stderrTail: string;
}

export interface Child {
  process: ChildProcess;
  /** Sends a message over the IPC channel; false when the channel is closed. */
  send(message: unknown): boolean;
  /** Stops the child (asking it to save first when it has a control pipe) and ends its process tree. */
  stop(why?: 'timeout' | 'cancel' | 'caller'): void;
  /** Settles when the child has exited and its output is closed. */
  done: Promise<ChildOutcome>;
}

const STDERR_HEAD = 4096;
const STDERR_TAIL = 8192;

/** The first non-empty lines of a text. */
export function firstLines(text: string, n: number): string {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .slice(0, n)
    .join('\n');
}

/** Checks that the program file and its working folder (the file's own by default) exist; returns the folder. */
export async function programFolder(file: string, cwd: string | undefined): Promise<string> {
  const st = await stat(file).catch(() => undefined);
  if (!st) throw new PerfLabError(`${file} does not exist. Save the file, or check its path.`);
  // A folder or a pipe: said plainly (a pipe would otherwise be read for ever).
  if (!st.isFile()) await checkReadableFile(file, 'the path of the program file to run');
  const folder = resolve(cwd ?? dirname(file));
  if (!(await stat(folder).catch(() => undefined))?.isDirectory()) throw new PerfLabError(`The working folder ${folder} does not exist.`);
  return folder;
}

/** A check to call between a stage's steps: it throws `message` as a cancel once `signal` has aborted. */
export function cancelCheck(signal: AbortSignal | undefined, message: string): () => void {
  return () => {
    throwIfCancelled(signal, message);
  };
}

/** A duration for a message: "2.5 s", "75 s". */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/** Starts a child process; see {@link ChildRequest}. */
export function startChild(req: ChildRequest): Child {
  const extra = req.ipc ? 'ipc' : req.control ? 'pipe' : 'ignore';
  const child = spawn(req.execPath, req.args, {
    cwd: req.cwd,
    env: req.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe', extra],
    ...(req.ipc ? { serialization: 'advanced' as const } : {}),
    // Its own process group, so that a stop reaches everything it started.
    detached: process.platform !== 'win32',
    windowsHide: true,
  });
  const started = performance.now();
  // Until it is cleaned up, a signal that ends Perf Lab ends this child's group too.
  if (child.pid !== undefined) trackGroup(child.pid);
  let stderrHead = '';
  let stderrTail = '';
  const streamsClosed: Promise<void>[] = [];
  for (const name of ['stdout', 'stderr'] as const) {
    const stream = child[name]!;
    stream.setEncoding('utf8');
    stream.on('data', (text: string) => {
      if (name === 'stderr') {
        if (stderrHead.length < STDERR_HEAD) stderrHead += text.slice(0, STDERR_HEAD - stderrHead.length);
        stderrTail = (stderrTail + text).slice(-STDERR_TAIL);
      }
      req.onOutput?.(name, text);
    });
    streamsClosed.push(new Promise((r) => stream.on('close', () => r())));
  }
  const control = req.control ? (child.stdio[3] as Duplex) : undefined;
  control?.on('error', () => {});
  if (req.ipc) {
    child.on('message', (m) => req.onMessage?.(m));
    // A child that ends mid-send must not crash the extension host.
    child.on('error', () => {});
  }

  let exited = false;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit, rejectExit) => {
    child.on('exit', (code, signal) => {
      exited = true;
      resolveExit({ code, signal });
    });
    child.on('error', (err) => {
      if (!exited && child.pid === undefined) rejectExit(new PerfLabError(`Could not start ${req.execPath}: ${err.message}.`));
    });
  });
  exit.catch(() => {});

  let stoppedBy: ChildOutcome['stoppedBy'];
  let stopping: Promise<{ saved: boolean; ms?: number }> | undefined;
  const stop = (why: 'timeout' | 'cancel' | 'caller' = 'caller') => {
    if (stoppedBy || exited) return;
    stoppedBy = why;
    req.onStop?.(why);
    stopping = (async () => {
      let saved = false;
      let ms: number | undefined;
      if (control) {
        const asked = performance.now();
        const answer = await new Promise<string>((resolveAnswer) => {
          let text = '';
          const timer = setTimeout(() => resolveAnswer('timeout'), STOP_GRACE_MS);
          const finish = (a: string) => {
            clearTimeout(timer);
            resolveAnswer(a);
          };
          control.on('data', (chunk: Buffer) => {
            text += chunk.toString('utf8');
            if (text.includes(`${DONE_MESSAGE}\n`)) finish(DONE_MESSAGE);
            else if (text.includes(`${FAILED_MESSAGE}\n`)) finish(FAILED_MESSAGE);
          });
          void exit.then(
            () => finish('exited'),
            () => finish('exited'),
          );
          control.write(`${STOP_MESSAGE}\n`, (err) => {
            if (err) finish('unreachable');
          });
        });
        ms = performance.now() - asked;
        saved = answer === DONE_MESSAGE;
      }
      if (!exited && child.pid !== undefined) await killTree(child.pid);
      return { saved, ms };
    })();
  };
  const timer = req.timeoutMs > 0 ? setTimeout(() => stop('timeout'), req.timeoutMs) : undefined;
  const onAbort = () => stop('cancel');
  if (req.signal?.aborted) queueMicrotask(onAbort);
  else req.signal?.addEventListener('abort', onAbort, { once: true });

  const done = (async (): Promise<ChildOutcome> => {
    let result: { code: number | null; signal: NodeJS.Signals | null };
    try {
      result = await exit;
    } finally {
      if (timer) clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
    }
    const durationMs = performance.now() - started;
    const stopOutcome = stopping ? await stopping : undefined;
    // Whatever the child left running would hold its output open and outlive it.
    if (child.pid !== undefined) {
      killGroup(child.pid);
      untrackGroup(child.pid);
    }
    let closeTimer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(streamsClosed), new Promise((r) => (closeTimer = setTimeout(r, 1000)))]);
    clearTimeout(closeTimer);
    control?.destroy();
    child.stdout?.destroy();
    child.stderr?.destroy();
    const outcome: ChildOutcome = { code: result.code, signal: result.signal, durationMs, stderrHead, stderrTail };
    if (stoppedBy) outcome.stoppedBy = stoppedBy;
    if (stopOutcome && control) {
      outcome.saved = stopOutcome.saved;
      if (stopOutcome.ms !== undefined) outcome.stopHandshakeMs = stopOutcome.ms;
    }
    return outcome;
  })();

  return {
    process: child,
    send: (message) => {
      if (!child.connected) return false;
      try {
        return child.send(message as Parameters<ChildProcess['send']>[0]);
      } catch {
        return false;
      }
    },
    stop,
    done,
  };
}

/** A program run under a profiler that writes what it recorded so far when asked on the control pipe. */
export interface ProfiledRequest extends Pick<ChildRequest, 'execPath' | 'args' | 'cwd' | 'env' | 'timeoutMs' | 'signal' | 'onOutput'> {
  progress: ProgressSink;
  /** What the profiler saves when stopped, for the progress line: "samples", "profile". */
  saves: string;
}

/** Only a timeout or a cancel stops a profiled program. */
export interface ProfiledOutcome extends ChildOutcome {
  stoppedBy?: 'timeout' | 'cancel';
}

/** Runs a program under its profiler until it ends, times out or is cancelled (the profiler first saving). */
export async function runProfiled(req: ProfiledRequest): Promise<ProfiledOutcome> {
  const { progress, saves, ...child } = req;
  const outcome = await startChild({
    ...child,
    control: true,
    onStop: (why) => progress({ message: why === 'timeout' ? `Time is up: saving the ${saves} so far…` : `Cancelled: saving the ${saves} so far…` }),
  }).done;
  const { stoppedBy, ...rest } = outcome;
  return stoppedBy === 'caller' || stoppedBy === undefined ? rest : { ...rest, stoppedBy };
}

/** The facts of a profiled run: what its runner knows, then what the child's outcome says. */
export function profiledRunInfo(
  facts: Pick<RunInfo, 'file' | 'language' | 'runtime' | 'runtimeVersion' | 'args' | 'exitCode' | 'samplingIntervalUs' | 'profiler'>,
  outcome: ProfiledOutcome,
): RunInfo {
  const run: RunInfo = {
    file: facts.file,
    language: facts.language,
    runtime: facts.runtime,
    runtimeVersion: facts.runtimeVersion,
    args: facts.args,
    exitCode: facts.exitCode,
    signal: outcome.signal,
    durationMs: outcome.durationMs,
    samplingIntervalUs: facts.samplingIntervalUs,
    stderrTail: outcome.stderrTail,
  };
  if (facts.profiler !== undefined) run.profiler = facts.profiler;
  if (outcome.stoppedBy) run.stoppedBy = outcome.stoppedBy;
  if (outcome.stopHandshakeMs !== undefined) run.stopHandshakeMs = outcome.stopHandshakeMs;
  return run;
}

/**
 * The error for a run its timeout or a cancel stopped before the profiler saved anything: `lost` says what was not
 * saved (up to "within …"), `blocked` where the program may be stuck.
 */
export function stoppedWithoutProfile(run: RunInfo, timeoutMs: number, lost: string, blocked: string): Error {
  const why = run.stoppedBy === 'timeout' ? `the ${seconds(timeoutMs)} timeout` : 'a cancel';
  const msg = `The program was stopped after ${seconds(run.durationMs)} by ${why}, and ${lost} within ${seconds(STOP_GRACE_MS)} of being asked (it may be blocked in ${blocked}).`;
  if (run.stoppedBy === 'cancel') return new CancelledError(msg);
  return new PerfLabError(`${msg} Raise perfLab.timeout, or make the program end on its own.`);
}

/**
 * The line of a failed program's stderr that says what went wrong: the exception its last traceback ends with
 * (Python's last line, Node's `Error: …` above the stack), else its last line of its own.
 */
export function programErrorLine(stderr: string): string | undefined {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    // Node's stack lines and Python's traceback lines are indented; Node ends with its version and may print the
    // error's own properties ({ code: … }).
    .filter((l) => l !== '' && !/^\s/.test(l) && !/^Node\.js v\d/.test(l) && !/^[{}\]]/.test(l));
  for (let i = lines.length - 1; i >= 0; i--) {
    if (/^(Uncaught )?([A-Za-z_$][\w$.]*)?(Error|Exception|Interrupt|Exit)\b/.test(lines[i]!)) return lines[i]!.slice(0, 400);
  }
  return lines.at(-1)?.slice(0, 400);
}

/**
 * Why a profiled program failed, in a sentence without its full stop: its exit code or signal and its error line; undefined when it ended
 * with status 0, or when a timeout or a cancel stopped it (that stop was asked for, and its warning says so).
 */
export function programFailure(run: RunInfo): string | undefined {
  if (run.stoppedBy) return undefined;
  const line = programErrorLine(run.stderrTail);
  const said = line ? `: ${line}` : '';
  if (run.signal) return `The program was ended by ${run.signal}${said}`;
  if (run.exitCode === 0 || run.exitCode === null) return undefined;
  return `The program failed with exit code ${run.exitCode}${said}`;
}

/** What went wrong in a run that still left a profile; `kept` says what the profile holds of a stopped run. */
export function profiledRunWarnings(run: RunInfo, stderrHead: string, timeoutMs: number, kept: string): string[] {
  if (run.stoppedBy === 'timeout')
    return [
      `Stopped after ${seconds(run.durationMs)}: the program reached the ${seconds(timeoutMs)} timeout (perfLab.timeout, --timeout on the command line). The profile holds ${kept} until then.`,
    ];
  if (run.stoppedBy === 'cancel') return [`Stopped after ${seconds(run.durationMs)} because profiling was cancelled. The profile holds ${kept} until then.`];
  const stderr = stderrHead ? ` First lines of stderr:\n${firstLines(stderrHead, 6)}` : '';
  if (run.signal) return [`The program was ended by ${run.signal}.${stderr}`];
  if (run.exitCode !== 0) return [`The program exited with code ${run.exitCode}.${stderr}`];
  return [];
}

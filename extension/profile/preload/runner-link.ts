// What both preloads (the profiler's and the recorder's) do to hear their runner: take the settings it passed in the
// environment, and answer its stop request over the control pipe by writing their output before they are killed.
// Runs inside the user's program: no output, no globals but the hidden stop hook.
import * as fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { isMainThread, Worker } from 'node:worker_threads';
import { DONE_MESSAGE, FAILED_MESSAGE, STOP_MESSAGE } from './control';

/** The environment variables through which a runner talks to one preload. */
export interface RunnerEnv {
  /** Path the preload writes its output to; unset when the preload has nothing to do. */
  out: string;
  /** The child's file descriptor of the control pipe. */
  controlFd: string;
  /** The program's own path, shown as process.argv[1] when Perf Lab runs a bundle built from it. */
  argv1: string;
}

/** What the runner passed to a preload. */
export interface RunnerSettings<K extends string> {
  out: string;
  /** The control pipe's file descriptor; NaN when there is none. */
  fd: number;
  /** The preload's other variables. */
  values: Record<K, string | undefined>;
}

/**
 * The runner's settings, removed from the environment so that programs this one starts (which inherit --require)
 * do not write into the same file; undefined on a worker thread or when the runner asked for nothing.
 */
export function takeRunnerSettings<K extends string>(env: RunnerEnv, others: readonly K[]): RunnerSettings<K> | undefined {
  const out = process.env[env.out];
  if (!isMainThread || !out) return undefined;
  const fd = Number(process.env[env.controlFd]);
  const argv1 = process.env[env.argv1];
  const values = {} as Record<K, string | undefined>;
  for (const name of others) values[name] = process.env[name];
  for (const name of [env.out, env.controlFd, env.argv1, ...others]) delete process.env[name];
  // The entry module is already chosen; this only changes what the program sees.
  if (argv1) process.argv[1] = argv1;
  return { out, fd, values };
}

/**
 * A stop hook that writes `contents()` as JSON to `out` once, aside and then renamed so that the runner never reads
 * half a file, and answers whether it is written. Synchronous, so that it works inside an 'exit' handler and inside
 * an interrupt; `contents` returning undefined means there is nothing to write.
 */
export function writeOnStop(out: string, contents: () => unknown): () => boolean {
  let state: 'running' | 'written' | 'failed' = 'running';
  return () => {
    if (state !== 'running') return state === 'written';
    state = 'failed';
    try {
      const value = contents();
      if (value === undefined) return false;
      fs.writeFileSync(`${out}.part`, JSON.stringify(value));
      fs.renameSync(`${out}.part`, out);
      state = 'written';
    } catch {
      // Nothing to report to: the runner sees the missing file.
    }
    return state === 'written';
  };
}

// Runs in a worker so that it is heard while the main thread is busy: `Runtime.evaluate` through a session
// connected to the main thread interrupts even a loop that never yields, and runs the stop hook there.
const CONTROL_WORKER = `
const { Socket } = require('node:net');
const inspector = require('node:inspector');
const { workerData } = require('node:worker_threads');
const pipe = new Socket({ fd: workerData.fd, readable: true, writable: true });
pipe.on('error', () => {});
let text = '';
pipe.on('data', (chunk) => {
  text += chunk;
  if (!text.includes(workerData.stop + '\\n')) return;
  text = '';
  const session = new inspector.Session();
  session.connectToMainThread();
  session.post('Runtime.evaluate', { expression: workerData.expression, returnByValue: true }, (err, res) => {
    const ok = !err && res && res.result && res.result.value === true;
    pipe.write((ok ? workerData.done : workerData.failed) + '\\n');
  });
});
`;

/**
 * Installs `stop` as the hidden global `Symbol.for(key)`, runs it when the program exits, and answers the runner's
 * stop request on control pipe `fd` by running it on the main thread, however busy.
 */
export function answerStop(key: string, stop: () => boolean, fd: number): void {
  Object.defineProperty(globalThis, Symbol.for(key), { value: stop, enumerable: false, configurable: true });
  process.on('exit', stop);
  if (!Number.isInteger(fd) || fd <= 2) return;
  try {
    // Named after the preload's own file (this module is bundled into it), so that the runner drops its frame with the preload's.
    const expression = `globalThis[Symbol.for(${JSON.stringify(key)})]()\n//# sourceURL=${pathToFileURL(__filename).href}`;
    const worker = new Worker(CONTROL_WORKER, {
      eval: true,
      workerData: { fd, stop: STOP_MESSAGE, done: DONE_MESSAGE, failed: FAILED_MESSAGE, expression },
      // The worker must not see the program's flags or environment changes, nor keep the program alive.
      execArgv: [],
      stdout: false,
      stderr: false,
    });
    worker.on('error', () => {});
    worker.unref();
  } catch {
    // Without the worker a timeout still ends the program; it just cannot save the output of a busy loop.
  }
}

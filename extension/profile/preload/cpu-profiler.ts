// Loaded with `node --require` into the profiled program: starts V8's CPU profiler before the program's first line,
// and writes the profile when the program ends or when the runner asks for it over the control pipe.
// It must stay small and side-effect free for the program: no globals but one hidden symbol, no output.
import * as fs from 'node:fs';
import * as inspector from 'node:inspector';
import { pathToFileURL } from 'node:url';
import { isMainThread, Worker } from 'node:worker_threads';
import { ARGV1_ENV, CONTROL_FD_ENV, DONE_MESSAGE, FAILED_MESSAGE, INTERVAL_ENV, OUT_ENV, STOP_KEY, STOP_MESSAGE } from './control';

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

/** The stop call, named after this file so that the runner can drop its frame from the profile with the preload's own. */
function stopExpression(): string {
  return `globalThis[Symbol.for(${JSON.stringify(STOP_KEY)})]()\n//# sourceURL=${pathToFileURL(__filename).href}`;
}

function main(): void {
  const out = process.env[OUT_ENV];
  if (!isMainThread || !out) return;
  const interval = Number(process.env[INTERVAL_ENV]) || 100;
  const fd = Number(process.env[CONTROL_FD_ENV]);
  const argv1 = process.env[ARGV1_ENV];
  // Forked children inherit --require but must not profile into the same file.
  for (const name of [OUT_ENV, INTERVAL_ENV, CONTROL_FD_ENV, ARGV1_ENV]) delete process.env[name];
  // The entry module is already chosen; this only changes what the program sees.
  if (argv1) process.argv[1] = argv1;

  const session = new inspector.Session();
  session.connect();
  let state: 'running' | 'written' | 'failed' = 'running';

  // An in-thread session answers synchronously, so this works inside an 'exit' handler and inside an interrupt.
  const stop = (): boolean => {
    if (state !== 'running') return state === 'written';
    state = 'failed';
    let profile: unknown;
    session.post('Profiler.stop', (err, res) => {
      if (!err) profile = res.profile;
    });
    if (!profile) return false;
    try {
      // Written aside and renamed, so the runner never reads half a file.
      fs.writeFileSync(`${out}.part`, JSON.stringify(profile));
      fs.renameSync(`${out}.part`, out);
      state = 'written';
    } catch {
      // Nothing to report to: the runner sees the missing file.
    }
    session.disconnect();
    return state === 'written';
  };
  Object.defineProperty(globalThis, Symbol.for(STOP_KEY), { value: stop, enumerable: false, configurable: true });
  process.on('exit', stop);

  if (Number.isInteger(fd) && fd > 2) {
    try {
      const worker = new Worker(CONTROL_WORKER, {
        eval: true,
        workerData: { fd, stop: STOP_MESSAGE, done: DONE_MESSAGE, failed: FAILED_MESSAGE, expression: stopExpression() },
        // The worker must not see the program's flags or environment changes, nor keep the program alive.
        execArgv: [],
        stdout: false,
        stderr: false,
      });
      worker.on('error', () => {});
      worker.unref();
    } catch {
      // Without the worker a timeout still ends the program; it just cannot save the samples of a busy loop.
    }
  }

  // Started last, so that the setup above stays out of the profile.
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval });
  session.post('Profiler.start');
}

main();

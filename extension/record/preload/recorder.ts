// Loaded with `node --require` into the program: installs the recorder the instrumented function calls, makes
// Node load the instrumented source of the target file (CommonJS through Module.prototype._compile, ES modules
// through a `module.register` load hook), and writes the sampled calls when the program ends or when the runner
// asks for them over the control pipe. No output, no globals but two hidden symbols.
import * as fs from 'node:fs';
import Module from 'node:module';
import { pathToFileURL } from 'node:url';
import { isMainThread, Worker } from 'node:worker_threads';
import { DONE_MESSAGE, FAILED_MESSAGE, STOP_MESSAGE } from '../../profile/preload/control';
import { RECORD_KEY } from '../instrument';
import type { EncodedCall, RecorderOutput, RecordedCall } from '../recording';
import { encodeCall } from '../recording';
import { CallSampler, DEFAULT_LIMITS, type RecordLimits } from '../sampler';
import { sizeOf, snapshot, typedKind } from '../value-codec';
import { ARGV1_ENV, CONTROL_FD_ENV, LIMITS_ENV, OUT_ENV, SOURCE_ENV, STOP_KEY, TARGET_ENV } from './control';

// Heard while the main thread is busy: `Runtime.evaluate` through a session connected to the main thread
// interrupts even a loop that never yields, and runs the stop hook there (as the profiler preload does).
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

// Runs in Node's module-hooks thread: hands the instrumented source to the ES module loader for the one file.
const LOAD_HOOK = `
let target = '';
let source = '';
export function initialize(data) { target = data.url; source = data.source; }
export async function load(url, context, nextLoad) {
  const r = await nextLoad(url, context);
  if (url === target && r.format === 'module') return { ...r, source, shortCircuit: true };
  return r;
}
`;

function isArrayArg(v: unknown): boolean {
  return Array.isArray(v) || typedKind(v) !== undefined;
}

function errorText(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

function main(): void {
  const out = process.env[OUT_ENV];
  if (!isMainThread || !out) return;
  const target = process.env[TARGET_ENV];
  const sourcePath = process.env[SOURCE_ENV];
  const fd = Number(process.env[CONTROL_FD_ENV]);
  const argv1 = process.env[ARGV1_ENV];
  let limits: RecordLimits = DEFAULT_LIMITS;
  try {
    limits = { ...DEFAULT_LIMITS, ...(JSON.parse(process.env[LIMITS_ENV] ?? '{}') as Partial<RecordLimits>) };
  } catch {
    // The defaults stand.
  }
  // Programs started by this one inherit --require but must not record into the same file.
  for (const name of [OUT_ENV, TARGET_ENV, SOURCE_ENV, CONTROL_FD_ENV, ARGV1_ENV, LIMITS_ENV]) delete process.env[name];
  if (argv1) process.argv[1] = argv1;

  const sampler = new CallSampler<RecordedCall>(limits, 0x5eed);
  let depth = 0;

  const recorder = function (fn: (...a: unknown[]) => unknown, self: unknown, args: unknown[]): unknown {
    // Calls made while a call is being recorded (recursion) are counted, not copied.
    if (depth > 0) {
      sampler.total++;
      return fn.apply(self, args);
    }
    const estimate = 2 * sizeOf(args) + 64;
    const admission = sampler.admit(estimate);
    if (!admission.keep) return fn.apply(self, args);
    const before = args.map((a) => snapshot(a));
    let result: unknown;
    let threw: unknown;
    let failed = false;
    depth++;
    try {
      result = fn.apply(self, args);
    } catch (e) {
      threw = e;
      failed = true;
    } finally {
      depth--;
    }
    const call: RecordedCall = {
      args: before,
      result: failed ? undefined : snapshot(result),
      argsAfter: args.map((a) => (isArrayArg(a) ? snapshot(a) : null)),
    };
    if (failed) call.threw = errorText(threw);
    sampler.put(admission.slot, call, sizeOf(call.args) + sizeOf(call.argsAfter) + sizeOf(call.result));
    if (failed) throw threw;
    return result;
  };
  Object.defineProperty(globalThis, Symbol.for(RECORD_KEY), { value: recorder, enumerable: false, configurable: true });

  if (target && sourcePath) {
    const source = fs.readFileSync(sourcePath, 'utf8');
    // CommonJS: Node compiles the file through here; only its source is swapped.
    type Compile = (this: unknown, content: string, filename: string) => unknown;
    const proto = (Module as unknown as { prototype: { _compile: Compile } }).prototype;
    const compile = proto._compile;
    proto._compile = function (content: string, filename: string) {
      return compile.call(this, filename === target ? source : content, filename);
    };
    // ES modules: a load hook (Node 20.6 and later).
    const register = (Module as unknown as { register?: (url: string, opts: { data: unknown }) => void }).register;
    if (typeof register === 'function') {
      register(`data:text/javascript,${encodeURIComponent(LOAD_HOOK)}`, { data: { url: pathToFileURL(target).href, source } });
    }
  }

  let state: 'running' | 'written' | 'failed' = 'running';
  // Synchronous, so that it works inside an 'exit' handler and inside an interrupt.
  const stop = (): boolean => {
    if (state !== 'running') return state === 'written';
    state = 'failed';
    try {
      const calls: EncodedCall[] = sampler.kept.map(encodeCall);
      const output: RecorderOutput = { totalCalls: sampler.total, tooLarge: sampler.tooLarge, calls };
      // Written aside and renamed, so the runner never reads half a file.
      fs.writeFileSync(`${out}.part`, JSON.stringify(output));
      fs.renameSync(`${out}.part`, out);
      state = 'written';
    } catch {
      // Nothing to report to: the runner sees the missing file.
    }
    return state === 'written';
  };
  Object.defineProperty(globalThis, Symbol.for(STOP_KEY), { value: stop, enumerable: false, configurable: true });
  process.on('exit', stop);

  if (Number.isInteger(fd) && fd > 2) {
    try {
      const expression = `globalThis[Symbol.for(${JSON.stringify(STOP_KEY)})]()\n//# sourceURL=${pathToFileURL(__filename).href}`;
      const worker = new Worker(CONTROL_WORKER, {
        eval: true,
        workerData: { fd, stop: STOP_MESSAGE, done: DONE_MESSAGE, failed: FAILED_MESSAGE, expression },
        execArgv: [],
        stdout: false,
        stderr: false,
      });
      worker.on('error', () => {});
      worker.unref();
    } catch {
      // Without the worker a timeout still ends the program; it just cannot save the calls of a busy loop.
    }
  }
}

main();

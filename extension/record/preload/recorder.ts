// Loaded with `node --require` into the program: installs the recorder the instrumented function calls, makes
// Node load the instrumented source of the target file (CommonJS through Module.prototype._compile, ES modules
// through a `module.register` load hook), and writes the sampled calls when the program ends or when the runner
// asks for them over the control pipe. No output, no globals but two hidden symbols.
import * as fs from 'node:fs';
import Module from 'node:module';
import { pathToFileURL } from 'node:url';
import { answerStop, takeRunnerSettings, writeOnStop } from '../../profile/preload/runner-link';
import { RECORD_KEY } from '../instrument';
import type { EncodedCall, RecorderOutput, RecordedCall } from '../recording';
import { encodeCall } from '../recording';
import { CallSampler, DEFAULT_LIMITS, type RecordLimits } from '../sampler';
import { sizeOf, snapshot, typedKind } from '../value-codec';
import { ARGV1_ENV, CONTROL_FD_ENV, LIMITS_ENV, OUT_ENV, SOURCE_ENV, STOP_KEY, TARGET_ENV } from './control';

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
  const settings = takeRunnerSettings({ out: OUT_ENV, controlFd: CONTROL_FD_ENV, argv1: ARGV1_ENV }, [TARGET_ENV, SOURCE_ENV, LIMITS_ENV]);
  if (!settings) return;
  const target = settings.values[TARGET_ENV];
  const sourcePath = settings.values[SOURCE_ENV];
  let limits: RecordLimits = DEFAULT_LIMITS;
  try {
    limits = { ...DEFAULT_LIMITS, ...(JSON.parse(settings.values[LIMITS_ENV] ?? '{}') as Partial<RecordLimits>) };
  } catch {
    // The defaults stand.
  }

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

  const stop = writeOnStop(settings.out, (): RecorderOutput => {
    const calls: EncodedCall[] = sampler.kept.map(encodeCall);
    return { totalCalls: sampler.total, tooLarge: sampler.tooLarge, calls };
  });
  answerStop(STOP_KEY, stop, settings.fd);
}

main();

// Loaded with `node --require` into the program: installs the recorder the instrumented function calls, makes
// Node load the instrumented source of the target file (CommonJS through Module.prototype._compile, ES modules
// through a `module.register` load hook), and writes the sampled calls when the program ends or when the runner
// asks for them over the control pipe. No output, no globals but two hidden symbols.
import * as fs from 'node:fs';
import Module from 'node:module';
import { pathToFileURL } from 'node:url';
import { answerStop, takeRunnerSettings, writeOnStop } from '../../profile/preload/runner-link';
import { RECORD_KEY } from '../instrument';
import type { RecorderOutput, RecordedCall } from '../recording';
import { encodeCalls } from '../recording';
import { CallSampler, DEFAULT_LIMITS, type RecordLimits } from '../sampler';
import { callShape, contentKey, sameSnapshot, sizeOf, snapshot, storedOnce, typedKind } from '../value-codec';
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

  // The run's time and the function's: each outermost call is timed around the function itself, and what the
  // recorder does around it is left out of the run, with the cost of the clock reads (measured here once).
  const now = performance.now.bind(performance);
  const started = now();
  let inside = 0;
  let hooks = 0;
  let timed = 0;
  let active = 0;
  const clockMs = (() => {
    const t = now();
    for (let i = 0; i < 999; i++) now();
    return (now() - t) / 1000;
  })();
  /** Runs an outermost call (entered at `t0`) that is not kept, timed. */
  const run = (fn: (...a: unknown[]) => unknown, self: unknown, args: unknown[], t0: number): unknown => {
    active++;
    const t1 = now();
    hooks += t1 - t0;
    try {
      return fn.apply(self, args);
    } finally {
      inside += now() - t1;
      timed++;
      active--;
    }
  };

  /**
   * One value at this moment: a small one copied into the call, a large one by its content key, copied only when the
   * sample does not hold those contents yet (a typed array is hashed where it is, without a copy).
   */
  const take = (v: unknown, added: Map<string, { value: unknown; bytes: number }>, keys: string[]): { value: unknown; own: number } => {
    const copy = typedKind(v) !== undefined ? undefined : snapshot(v);
    if (!storedOnce(copy ?? v)) {
      const small = copy ?? snapshot(v);
      return { value: small, own: sizeOf(small) };
    }
    const key = contentKey(copy ?? v);
    keys.push(key);
    const stored = sampler.storedValue(key) ?? added.get(key)?.value;
    if (stored !== undefined) return { value: stored, own: 0 };
    const value = copy ?? snapshot(v);
    added.set(key, { value, bytes: sizeOf(value) });
    return { value, own: 0 };
  };

  const recorder = function (fn: (...a: unknown[]) => unknown, self: unknown, args: unknown[]): unknown {
    // Calls made while a call is being recorded (recursion) are counted, not copied.
    if (depth > 0) {
      sampler.count();
      return fn.apply(self, args);
    }
    // A call made inside a timed call (recursion) is part of that call's time.
    const t0 = active > 0 ? -1 : now();
    const shape = callShape(args);
    const proposal = sampler.propose(shape);
    if (!proposal) return t0 < 0 ? fn.apply(self, args) : run(fn, self, args, t0);
    // The arguments as they are now, before the call may write them.
    const added = new Map<string, { value: unknown; bytes: number }>();
    const keys: string[] = [];
    let own = 64;
    const before = args.map((a) => {
      const t = take(a, added, keys);
      own += t.own;
      return t.value;
    });
    let reserve = 0;
    args.forEach((a, i) => {
      if (isArrayArg(a) && sampler.mayWrite(shape, i)) reserve += sizeOf(a);
    });
    let addedBytes = 0;
    for (const a of added.values()) addedBytes += a.bytes;
    const held = [...new Set(keys)].filter((k) => !added.has(k));
    if (!sampler.begin(proposal, { held, bytes: own + addedBytes + reserve })) return t0 < 0 ? fn.apply(self, args) : run(fn, self, args, t0);
    let result: unknown;
    let threw: unknown;
    let failed = false;
    depth++;
    const t1 = now();
    try {
      result = fn.apply(self, args);
    } catch (e) {
      threw = e;
      failed = true;
    } finally {
      depth--;
    }
    const t2 = now();
    const written: number[] = [];
    const argsAfter = args.map((a, i) => {
      if (!isArrayArg(a)) return null;
      const t = take(a, added, keys);
      if (t.value === before[i] || sameSnapshot(t.value, before[i])) return before[i];
      own += t.own;
      written.push(i);
      return t.value;
    });
    const res = failed ? { value: undefined, own: 8 } : take(result, added, keys);
    own += res.own;
    const call: RecordedCall = { args: before, result: res.value, argsAfter };
    if (failed) call.threw = errorText(threw);
    sampler.put(proposal, call, own, keys, added, written);
    if (t0 >= 0) {
      inside += t2 - t1;
      hooks += t1 - t0 + (now() - t2);
      timed++;
    }
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
    // Each timed call read the clock three or four times: one read inside the function's time, the rest in the run's.
    const functionMs = Math.max(0, inside - timed * clockMs);
    const runMs = Math.max(functionMs, now() - started - hooks - 3 * timed * clockMs);
    const known = new Map<object, string>();
    for (const [key, value] of sampler.storedValues()) if (value !== null && typeof value === 'object') known.set(value, key);
    const { calls, blobs } = encodeCalls(sampler.kept, known);
    return { totalCalls: sampler.total, tooLarge: sampler.tooLarge, calls, blobs, shapes: sampler.shapes(), timing: { runMs, functionMs } };
  });
  answerStop(STOP_KEY, stop, settings.fd);
}

main();

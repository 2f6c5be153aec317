// The differential fuzzer: random programs in the subset and random inputs, original JavaScript vs the
// generated WebAssembly or native code, compared exactly. Used by the unit tests (fast, fixed seed) and
// `npm run fuzz`.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNativeKernel } from '../../native/load-native-kernel';
import { compileWasm } from '../compiler/backend-wasm';
import { compileNativeBatch } from '../compiler/compile-native';
import type * as TS from 'typescript';
import { withData } from '../compiler/extract-js';
import { loadTypeScript, lowerJs, type Kernel, type ParamTypeName } from '../compiler/frontend-js';
import { moduleDataOfFunction } from '../compiler/module-data';
import { compareCall, importSource, differential, type Arg, type Mismatch } from './differential';
import { exportedFunction, generateModule, type GeneratedModule } from './generate';
import { randomHostility, type Hostility } from './hostile';
import { randomArgs, rng } from './inputs';

export interface FuzzOptions {
  seed: number;
  /** Stop after at least this many compared calls. */
  cases: number;
  functionsPerModule?: number;
  inputsPerFunction?: number;
  /**
   * The hostile dimension: some modules shadow or reassign what their functions read, and about a third of the
   * calls get disguised arrays (frozen, proxied, accessor-backed, …) or a replaced Math function (hostile.ts).
   */
  hostile?: boolean;
  /** Called as each module finishes, for progress output. */
  onProgress?: (done: FuzzReport) => void;
}

export interface FuzzFailure {
  source: string;
  fn: string;
  mismatch: Mismatch;
}

export interface FuzzReport {
  programs: number;
  refused: number;
  cases: number;
  /** Calls that ran WebAssembly (the rest fell back to the original: bail-outs, guards). */
  compiledCalls: number;
  failures: FuzzFailure[];
  refusals: string[];
  ms: number;
}

/** A generated function as the fuzzer compiles and calls it: its compiled signature, or why it is skipped. */
type Prepared = { name: string; params: ParamTypeName[]; original: string } | { name: string; refused: string };

/**
 * The module with, for each function that uses file-level variables (module-data.ts), an exported original that takes
 * them after its own arguments as compiled code does (set from the arguments, cells written back: extract-js.ts
 * withData, as the proof's original), and each function's compiled signature: its own types, then the variables'.
 */
function withModuleData(ts: typeof TS, mod: GeneratedModule): { source: string; functions: Prepared[] } {
  const sf = ts.createSourceFile('fuzz.js', mod.source, ts.ScriptTarget.Latest, true);
  const extra: string[] = [];
  const functions = mod.functions.map((f, k): Prepared => {
    const data = moduleDataOfFunction(ts, sf, f.name);
    if (data.length === 0) return { name: f.name, params: f.params, original: f.name };
    const fixed = data.find((d) => d.keyword === 'const');
    if (fixed) return { name: f.name, refused: `${fixed.name} is a const the fuzzer's original cannot set` };
    const own = f.params.map((_, i) => `p${i}`);
    const original = `__data${k}`;
    const body = withData(data, `${f.name}(${own.join(', ')})`).join('\n');
    extra.push(`export function ${original}(${[...own, ...data.map((_, i) => `m${i}`)].join(', ')}) {\n${body}\n}`);
    return { name: f.name, params: [...f.params, ...data.map((d) => (d.cell ? 'number[]' : (mod.dataTypes[d.name] ?? 'number')))], original };
  });
  return { source: [mod.source, ...extra].join('\n'), functions };
}

/** Runs random programs until `cases` calls have been compared. */
export async function fuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const ts = await loadTypeScript();
  const r = rng(opts.seed);
  const report: FuzzReport = { programs: 0, refused: 0, cases: 0, compiledCalls: 0, failures: [], refusals: [], ms: 0 };
  const per = opts.inputsPerFunction ?? 40;
  while (report.cases < opts.cases) {
    const mod = withModuleData(ts, generateModule(r, opts.functionsPerModule ?? 20, opts.hostile));
    const originals = await importSource<Record<string, (...a: Arg[]) => unknown>>(mod.source);
    for (const f of mod.functions) {
      report.programs++;
      const low = 'refused' in f ? undefined : lowerJs(ts, mod.source, 'fuzz.js', f.name, { params: f.params });
      if (!low?.ok) {
        report.refused++;
        if (report.refusals.length < 50) report.refusals.push(low ? low.refusal.reason : (f as { refused: string }).refused);
        continue;
      }
      const art = await compileWasm(low.kernel.ir);
      const inputs: Arg[][] = [];
      for (let k = 0; k < per; k++) inputs.push(randomArgs(r, art.abi.params));
      const original = exportedFunction<(...a: Arg[]) => unknown>(originals, (f as { original: string }).original);
      const res = await differential(original, art.wasm, art.abi, inputs, undefined, hostileCalls(r, opts));
      report.cases += res.cases;
      report.compiledCalls += res.compiledCalls;
      for (const m of res.mismatches.slice(0, 1)) report.failures.push({ source: mod.source, fn: f.name, mismatch: m });
    }
    report.ms = Date.now() - started;
    opts.onProgress?.(report);
  }
  report.ms = Date.now() - started;
  return report;
}

/** With the hostile dimension on, about a third of the calls get a hostile variation. */
function hostileCalls(r: () => number, opts: FuzzOptions): ((args: Arg[]) => Hostility | undefined) | undefined {
  return opts.hostile ? (args) => (r() < 0.35 ? randomHostility(r, args) : undefined) : undefined;
}

type Fn = (...a: Arg[]) => unknown;

/**
 * The same against the native backend: the functions of a few modules built into one addon (a build costs
 * seconds), then compared call by call; repeated until `cases` calls have been compared.
 */
export async function fuzzNative(opts: FuzzOptions & { cacheDir?: string; kernelsPerAddon?: number }): Promise<FuzzReport> {
  const started = Date.now();
  const ts = await loadTypeScript();
  const r = rng(opts.seed);
  const report: FuzzReport = { programs: 0, refused: 0, cases: 0, compiledCalls: 0, failures: [], refusals: [], ms: 0 };
  const per = opts.inputsPerFunction ?? 40;
  const cacheDir = opts.cacheDir ?? mkdtempSync(join(tmpdir(), 'perf-lab-native-fuzz-'));
  while (report.cases < opts.cases) {
    const kernels: Kernel[] = [];
    const originals: Fn[] = [];
    const sources: string[] = [];
    const batch = Math.min(opts.kernelsPerAddon ?? 60, Math.ceil((opts.cases - report.cases) / per));
    while (kernels.length < batch) {
      const mod = withModuleData(ts, generateModule(r, opts.functionsPerModule ?? 20, opts.hostile));
      const exports = await importSource<Record<string, Fn>>(mod.source);
      for (const f of mod.functions) {
        report.programs++;
        const low = 'refused' in f ? undefined : lowerJs(ts, mod.source, 'fuzz.js', f.name, { params: f.params });
        if (!low?.ok) {
          report.refused++;
          if (report.refusals.length < 50) report.refusals.push(low ? low.refusal.reason : (f as { refused: string }).refused);
          continue;
        }
        kernels.push(low.kernel);
        originals.push(exportedFunction(exports, (f as { original: string }).original));
        sources.push(mod.source);
      }
    }
    const candidates = await compileNativeBatch(kernels, { cacheDir });
    const hostile = hostileCalls(r, opts);
    for (let i = 0; i < candidates.length; i++) {
      const c = candidates[i]!;
      const k = await loadNativeKernel(c.addonPath, c.abi);
      const compiled = k.bind(originals[i]! as never) as Fn;
      let failed = false;
      for (let j = 0; j < per; j++) {
        const args = randomArgs(r, c.abi.params);
        const m = compareCall(originals[i]!, compiled, args, hostile?.(args));
        report.cases++;
        if (m && !failed) {
          failed = true;
          report.failures.push({ source: sources[i]!, fn: c.kernel.name, mismatch: m });
        }
      }
      report.compiledCalls += k.stats.calls - k.stats.fallbacks;
    }
    report.ms = Date.now() - started;
    opts.onProgress?.(report);
  }
  report.ms = Date.now() - started;
  return report;
}

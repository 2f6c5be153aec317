// The differential fuzzer: random programs in the subset and random inputs, original JavaScript vs the
// generated WebAssembly, compared exactly. Used by the unit tests (fast, fixed seed) and `npm run fuzz`.
import { compileWasm } from '../backend-wasm';
import { loadTypeScript, lowerJs } from '../frontend-js';
import { importSource, differential, type Arg, type Mismatch } from './differential';
import { generateModule } from './generate';
import { randomArgs, rng } from './inputs';

export interface FuzzOptions {
  seed: number;
  /** Stop after at least this many compared calls. */
  cases: number;
  functionsPerModule?: number;
  inputsPerFunction?: number;
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

/** Runs random programs until `cases` calls have been compared. */
export async function fuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const ts = await loadTypeScript();
  const r = rng(opts.seed);
  const report: FuzzReport = { programs: 0, refused: 0, cases: 0, compiledCalls: 0, failures: [], refusals: [], ms: 0 };
  const per = opts.inputsPerFunction ?? 40;
  while (report.cases < opts.cases) {
    const mod = generateModule(r, opts.functionsPerModule ?? 20);
    const originals = await importSource<Record<string, (...a: Arg[]) => unknown>>(mod.source);
    for (const f of mod.functions) {
      report.programs++;
      const low = lowerJs(ts, mod.source, 'fuzz.js', f.name, { params: f.params });
      if (!low.ok) {
        report.refused++;
        if (report.refusals.length < 50) report.refusals.push(`${low.refusal.reason}`);
        continue;
      }
      const art = await compileWasm(low.kernel.ir);
      const inputs: Arg[][] = [];
      for (let k = 0; k < per; k++) inputs.push(randomArgs(r, art.abi.params));
      const res = await differential(originals[f.name]!, art.wasm, art.abi, inputs);
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

// The compile stage: source + function name → Kernel (frontend) → Candidate (backend), or a Refusal.
import { createHash } from 'node:crypto';
import { noProgress, throwIfCancelled, type StageOptions } from '../progress';
import type { TargetId } from '../protocol';
import type { Tolerance } from '../tolerance';
import type { AbiParam, WasmAbi } from '../abi';
import { compileWasm } from './backend-wasm';
import type { NativeCandidate } from './compile-native';
import { loadTypeScript, lowerJs, type FrontendOptions, type Kernel } from './frontend-js';
import { printIr } from './print-ir';
import type { Refusal } from './refusal';

export interface CompileRequest extends FrontendOptions {
  source: string;
  fileName: string;
  functionName: string;
}

/** A WebAssembly rewrite of a kernel: what the proof runs, the benchmark measures and `apply` writes. */
export interface WasmCandidate {
  target: 'wasm';
  kernel: Kernel;
  /** Printed IR (golden tests, the panel). */
  ir: string;
  wat: string;
  wasm: Uint8Array;
  abi: WasmAbi;
  flags: string[];
  log: string[];
  /** Content hash of the artifact and its calling convention: the build-cache key. */
  hash: string;
}

/**
 * What every JavaScript function's candidate carries, whatever its target: what the prove, bench and apply stages
 * read. The rest (the loader, the files Apply writes) comes from the target's registry entry (targets.ts).
 */
export interface JsCandidate {
  target: TargetId;
  kernel: Kernel;
  /** The calling convention the proof's edge cases and the benchmark's copies follow: the compiled signature. */
  abi: { params: readonly AbiParam[] };
  log: string[];
  /** The build-cache key. */
  hash: string;
  /** The tolerance its proof compares within; absent: bit for bit. */
  tolerance?: Tolerance;
}

/** A compiled rewrite of a kernel for one of the built-in targets. */
export type Candidate = WasmCandidate | NativeCandidate;

/** The built-in targets a kernel can be compiled to. */
export type Target = Candidate['target'];

export type CompileResult = { ok: true; candidate: WasmCandidate } | { ok: false; refusal: Refusal };
export type SelectResult = { ok: true; kernel: Kernel } | { ok: false; refusal: Refusal };

/** Parses the file and lowers the function to the IR (the select stage). */
export async function selectKernel(req: CompileRequest, opts: StageOptions = {}): Promise<SelectResult> {
  const progress = opts.progress ?? noProgress;
  progress({ message: 'Loading the TypeScript parser…' });
  const ts = await loadTypeScript();
  throwIfCancelled(opts.signal);
  progress({ message: `Reading ${req.functionName}…` });
  return lowerJs(ts, req.source, req.fileName, req.functionName, req);
}

/** Compiles a kernel to WebAssembly. */
export async function compileKernel(kernel: Kernel, opts: StageOptions = {}): Promise<WasmCandidate> {
  const progress = opts.progress ?? noProgress;
  progress({ message: 'Compiling to WebAssembly…' });
  const started = Date.now();
  const art = await compileWasm(kernel.ir);
  throwIfCancelled(opts.signal);
  const hash = createHash('sha256').update(art.wasm).update(JSON.stringify(art.abi)).digest('hex').slice(0, 16);
  const log = [`binaryen ${art.flags.join(' ')}: ${art.wasm.length} bytes in ${Date.now() - started} ms`];
  return { target: 'wasm', kernel, ir: printIr(kernel.ir), wat: art.wat, wasm: art.wasm, abi: art.abi, flags: art.flags, log, hash };
}

/** select + compile: a Candidate, or the Refusal that names the first construct outside the subset. */
export async function compile(req: CompileRequest, opts: StageOptions = {}): Promise<CompileResult> {
  const sel = await selectKernel(req, opts);
  if (!sel.ok) return sel;
  return { ok: true, candidate: await compileKernel(sel.kernel, opts) };
}

// Node side of the runtime: writes a compiled kernel (.wasm + loader) to disk and imports it as a real module,
// so that what runs in tests, proofs and benchmarks is exactly what the user's program will load.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WasmAbi } from '../extension/abi';
import { emitLoader } from './emit-loader';

/** What a loader module exports. */
export interface LoadedKernel {
  bind<F extends (...args: never[]) => unknown>(original: F): F;
  stats: { calls: number; fallbacks: number; reason: string };
  loadError: unknown;
  /** A fresh realm's Reflect.apply, which the program cannot have replaced (a method's fallback calls the original with it). */
  apply: typeof Reflect.apply;
}

export interface KernelFiles {
  wasmPath: string;
  loaderPath: string;
}

/** Writes `<base>.wasm` and its loader (`<base>.mjs` or `<base>.cjs`) into `dir`. */
export function writeKernelFiles(dir: string, base: string, wasm: Uint8Array, abi: WasmAbi, format: 'esm' | 'cjs' = 'esm'): KernelFiles {
  const wasmPath = join(dir, `${base}.wasm`);
  const loaderPath = join(dir, `${base}.${format === 'esm' ? 'mjs' : 'cjs'}`);
  writeFileSync(wasmPath, wasm);
  writeFileSync(loaderPath, emitLoader(abi, { format, wasm: { file: `./${base}.wasm` } }));
  return { wasmPath, loaderPath };
}

let counter = 0;

/** Writes the kernel to a fresh temporary folder and imports its loader. */
export async function loadKernel(wasm: Uint8Array, abi: WasmAbi, dir?: string): Promise<LoadedKernel> {
  const where = dir ?? mkdtempSync(join(tmpdir(), 'perf-lab-kernel-'));
  const { loaderPath } = writeKernelFiles(where, `kernel-${process.pid}-${counter++}`, wasm, abi, 'esm');
  return (await import(pathToFileURL(loaderPath).href)) as LoadedKernel;
}

// Node side of the native runtime: writes a kernel's loader beside nothing but a path to its addon and imports
// it as a real module, so tests, proofs and benchmarks run what the user's program will load.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { NativeAbi } from '../extension/abi';
import type { LoadedKernel } from '../wasm/load-kernel';
import { emitNativeLoader } from './emit-native-loader';

let counter = 0;

/** Writes the loader of `abi` (pointing at `addonPath`) to a temporary folder and imports it. */
export async function loadNativeKernel(addonPath: string, abi: NativeAbi, dir?: string): Promise<LoadedKernel> {
  const where = dir ?? mkdtempSync(join(tmpdir(), 'perf-lab-native-'));
  const loaderPath = join(where, `native-${process.pid}-${counter++}.mjs`);
  writeFileSync(loaderPath, emitNativeLoader(abi, { format: 'esm', addon: addonPath }));
  return (await import(pathToFileURL(loaderPath).href)) as LoadedKernel;
}

// The files a proof or a benchmark child imports: the original function as a standalone ES module (with the
// functions it calls and the file's numeric constants) and the candidate's loader: for WebAssembly a copy of the
// .wasm beside it, for native code a loader that requires the built addon where the build cache keeps it. Real files,
// imported as modules, so that both run exactly as they will in the user's program.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { emitNativeLoader } from '../../native/emit-native-loader';
import { writeKernelFiles } from '../../wasm/load-kernel';
import type { Candidate } from '../compiler/compile';
import { extractOriginal } from '../compiler/extract-js';
import { loadTypeScript } from '../compiler/frontend-js';

/** The function being replaced, as its file holds it. */
export interface OriginalFunction {
  /** The file's name (its extension decides whether TypeScript syntax is removed). */
  fileName: string;
  /** The file's source text. */
  source: string;
  functionName: string;
}

export interface LabModules {
  /** file: URL of the original's module (exports the function under its name). */
  originalUrl: string;
  /** file: URL of the candidate's loader (exports `bind`, `stats`, `loadError`). */
  loaderUrl: string;
}

/** Writes the original's module into `dir`. */
export async function writeOriginal(dir: string, original: OriginalFunction, candidate: Candidate): Promise<string> {
  const ts = await loadTypeScript();
  const text = extractOriginal(ts, original.source, original.fileName, original.functionName, candidate.kernel.callees);
  const originalPath = join(dir, 'original.mjs');
  await writeFile(originalPath, text);
  return pathToFileURL(originalPath).href;
}

/** Writes the candidate's loader (and its .wasm) into `dir` as `<base>.mjs`; returns the loader's file: URL. */
export async function writeCandidateLoader(dir: string, base: string, candidate: Candidate): Promise<string> {
  switch (candidate.target) {
    case 'wasm':
      return pathToFileURL(writeKernelFiles(dir, base, candidate.wasm, candidate.abi, 'esm').loaderPath).href;
    case 'native': {
      const loaderPath = join(dir, `${base}.mjs`);
      await writeFile(loaderPath, emitNativeLoader(candidate.abi, { format: 'esm', addon: candidate.addonPath }));
      return pathToFileURL(loaderPath).href;
    }
    default: {
      const never: never = candidate;
      throw new Error(`unknown target ${(never as { target: string }).target}`);
    }
  }
}

/** Writes the original's module and the candidate's files into `dir`. */
export async function writeModules(dir: string, original: OriginalFunction, candidate: Candidate): Promise<LabModules> {
  const originalUrl = await writeOriginal(dir, original, candidate);
  return { originalUrl, loaderUrl: await writeCandidateLoader(dir, 'candidate', candidate) };
}

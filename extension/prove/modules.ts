// The files a proof or a benchmark child imports: the original function as a standalone ES module (with the
// functions it calls and the file's numeric constants) and the candidate's loader, as its target's registry entry
// writes it for the lab (for WebAssembly a copy of the .wasm beside it, for native code a loader that requires the
// built addon where the build cache keeps it). Real files, imported as modules, so that both run exactly as they will
// in the user's program.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { JsCandidate } from '../compiler/compile';
import { extractOriginal } from '../compiler/extract-js';
import { loadTypeScript } from '../compiler/frontend-js';
import { jsTarget } from '../targets';

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
export async function writeOriginal(dir: string, original: OriginalFunction, candidate: JsCandidate): Promise<string> {
  return writeOriginalWith(dir, original, candidate.kernel.callees);
}

/** Writes the original's module into `dir` with the named functions of its file that it calls (`callees`). */
export async function writeOriginalWith(dir: string, original: OriginalFunction, callees: string[]): Promise<string> {
  const ts = await loadTypeScript();
  const text = extractOriginal(ts, original.source, original.fileName, original.functionName, callees);
  const originalPath = join(dir, 'original.mjs');
  await writeFile(originalPath, text);
  return pathToFileURL(originalPath).href;
}

/** Writes the candidate's loader (and its artifact, `<base>.<extension>`) into `dir` as `<base>.mjs`; returns the loader's file: URL. */
export async function writeCandidateLoader(dir: string, base: string, candidate: JsCandidate): Promise<string> {
  const entry = jsTarget(candidate.target);
  const artifactFile = `${base}.${entry.artifact?.extension ?? 'artifact'}`;
  const files = await entry.loaderFiles(candidate, { format: 'esm', where: 'lab', artifactFile, functionName: candidate.kernel.name });
  if (files.artifact) await writeFile(join(dir, artifactFile), files.artifact);
  const loaderPath = join(dir, `${base}.mjs`);
  await writeFile(loaderPath, files.loader);
  return pathToFileURL(loaderPath).href;
}

/** Writes the original's module and the candidate's files into `dir`. */
export async function writeModules(dir: string, original: OriginalFunction, candidate: JsCandidate): Promise<LabModules> {
  const originalUrl = await writeOriginal(dir, original, candidate);
  return { originalUrl, loaderUrl: await writeCandidateLoader(dir, 'candidate', candidate) };
}

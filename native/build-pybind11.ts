// Build driver for pybind11 kernels: the generated .cpp → `<module><EXT_SUFFIX>` in the candidate's folder, compiled
// with the chosen interpreter's headers, pybind11's headers (from that interpreter) and its extension suffix, by
// the C++ compiler directly. The folder is keyed by the content hash of the sources and the interpreter
// (compile-python.ts), so a module already built there is reused as is.
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PerfLabError } from '../extension/errors';
import type { ProgressSink } from '../extension/progress';
import { buildFailure, findCompiler, headersHint, pythonBuildInfo } from './python-build';
import { runTool } from './run-tool';

export interface Pybind11BuildRequest {
  python: string;
  /** The folder holding the source; the module is written next to it. */
  dir: string;
  /** The .cpp file's name in `dir`. */
  source: string;
  /** The module's name (PYBIND11_MODULE's). */
  module: string;
  flags: string[];
  signal?: AbortSignal;
  progress?: ProgressSink;
  env?: NodeJS.ProcessEnv;
}

/** Builds (or finds already built) the module; returns its file name and the compiler's log. */
export async function buildPybind11(req: Pybind11BuildRequest): Promise<{ artifacts: string[]; log: string[] }> {
  const info = await pythonBuildInfo(req.python, req.signal);
  const artifact = `${req.module}${info.extSuffix}`;
  if (existsSync(join(req.dir, artifact))) return { artifacts: [artifact], log: [`${artifact}: built before (same source and interpreter)`] };
  if (!info.pybind11Include) throw new PerfLabError(`pybind11 does not import in ${info.python}. Install it: ${info.python} -m pip install pybind11`);
  if (!info.hasHeaders) throw new PerfLabError(headersHint(info));
  const cxx = findCompiler('cxx', info, req.env);
  const includes = [info.pybind11Include, ...info.includes].flatMap((d) => ['-I', d]);
  const partial = `${artifact}.partial`;
  const args = [...req.flags, '-shared', '-fPIC', ...includes, req.source, '-o', partial];
  req.progress?.({ message: `Compiling ${req.source} with ${cxx}…` });
  const started = performance.now();
  const r = await runTool(cxx, args, { cwd: req.dir, ...(req.env ? { env: req.env } : {}), ...(req.signal ? { signal: req.signal } : {}) });
  if (r.code !== 0) {
    await rm(join(req.dir, partial), { force: true });
    throw buildFailure(`Compiling the pybind11 module with ${cxx}`, join(req.dir, req.source), r.output, info);
  }
  // Renamed only once complete, so that an interrupted build is never taken for a built module.
  await rename(join(req.dir, partial), join(req.dir, artifact));
  const ms = performance.now() - started;
  return { artifacts: [artifact], log: [`${cxx} ${args.join(' ')} (${(ms / 1000).toFixed(1)} s)`, ...(r.output.trim() ? [r.output.trim()] : [])] };
}

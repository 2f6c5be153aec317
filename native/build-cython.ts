// Build driver for Cython kernels: the generated .pyx (C++ mode, with its helper header) → `<module><EXT_SUFFIX>`
// in the candidate's folder, with Cython's own build (`python -m Cython.Build.Cythonize -i -3`, setuptools and the
// interpreter's configured compiler) on the chosen interpreter. The folder is keyed by the content hash of the
// sources and the interpreter (compile-python.ts), so a module already built there is reused as is.
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PerfLabError } from '../extension/errors';
import type { ProgressSink } from '../extension/progress';
import { buildFailure, findCompiler, headersHint, pythonBuildInfo } from './python-build';
import { runTool } from './run-tool';

export interface CythonBuildRequest {
  python: string;
  /** The folder holding the .pyx; the module is written next to it. */
  dir: string;
  /** The .pyx file's name in `dir`. */
  source: string;
  /** The module's name (the .pyx's stem). */
  module: string;
  signal?: AbortSignal;
  progress?: ProgressSink;
  env?: NodeJS.ProcessEnv;
}

/** Builds (or finds already built) the module; returns its file name and the build's log. */
export async function buildCython(req: CythonBuildRequest): Promise<{ artifacts: string[]; log: string[] }> {
  const info = await pythonBuildInfo(req.python, req.signal);
  const artifact = `${req.module}${info.extSuffix}`;
  if (existsSync(join(req.dir, artifact))) return { artifacts: [artifact], log: [`${artifact}: built before (same source and interpreter)`] };
  if (!info.hasHeaders) throw new PerfLabError(headersHint(info));
  // Cython's build asks setuptools for the compiler; check for one first, to say what to install.
  const cxx = findCompiler('cxx', info, req.env);
  const env = { ...(req.env ?? process.env), CXX: cxx };
  const args = ['-m', 'Cython.Build.Cythonize', '-i', '-3', '-q', req.source];
  req.progress?.({ message: `Building ${req.source} with Cython…` });
  const started = performance.now();
  const r = await runTool(info.python, args, { cwd: req.dir, env, ...(req.signal ? { signal: req.signal } : {}) });
  // setuptools' scratch folder is not needed once the module is in place.
  await rm(join(req.dir, 'build'), { recursive: true, force: true });
  if (r.code !== 0 || !existsSync(join(req.dir, artifact))) {
    if (/No module named ['"]?Cython/.test(r.output))
      throw new PerfLabError(`Cython does not import in ${info.python}. Install it: ${info.python} -m pip install Cython`);
    const made = (await readdir(req.dir)).filter((f) => f.startsWith(req.module) && f.endsWith('.so'));
    throw buildFailure(`Cython's build${made.length ? ` (it wrote ${made.join(', ')}, not ${artifact})` : ''}`, join(req.dir, req.source), r.output, info);
  }
  const ms = performance.now() - started;
  return {
    artifacts: [artifact],
    log: [`${info.python} ${args.join(' ')} (${(ms / 1000).toFixed(1)} s)`, ...(r.output.trim() ? [r.output.trim().split('\n').slice(-20).join('\n')] : [])],
  };
}

// What the Python build drivers (build-cython.ts, build-pybind11.ts) share: the chosen interpreter's build facts
// (headers, extension suffix, compilers) asked from its own sysconfig, never from PATH's python, and failures that
// say what to install, with the compiler's log. Tools run through run-tool.ts.
import { PerfLabError } from '../extension/errors';
import { findProgram } from './build-addon';
import { runTool } from './run-tool';

/** What building an extension module for an interpreter needs. */
export interface PythonBuildInfo {
  /** sys.executable. */
  python: string;
  version: string;
  /** Python.h's folders (include, platinclude). */
  includes: string[];
  /** e.g. `.cpython-311-x86_64-linux-gnu.so` */
  extSuffix: string;
  /** The compilers the interpreter was built with (sysconfig CC / CXX), first word only. */
  cc: string;
  cxx: string;
  /** pybind11's headers, when pybind11 imports. */
  pybind11Include?: string;
  /** Whether Python.h exists in the include folders (Debian: python3-dev). */
  hasHeaders: boolean;
}

const PROBE = `import json, os, sys, sysconfig
paths = sysconfig.get_paths()
inc = [p for p in dict.fromkeys([paths.get("include"), paths.get("platinclude")]) if p]
try:
    import pybind11
    pyb = pybind11.get_include()
except Exception:
    pyb = None
print(json.dumps({
    "python": sys.executable,
    "version": sys.version.split()[0],
    "includes": inc,
    "extSuffix": sysconfig.get_config_var("EXT_SUFFIX") or ".so",
    "cc": (sysconfig.get_config_var("CC") or "cc").split()[0],
    "cxx": (sysconfig.get_config_var("CXX") or "c++").split()[0],
    "pybind11Include": pyb,
    "hasHeaders": any(os.path.exists(os.path.join(p, "Python.h")) for p in inc),
}))`;

/** Asks the interpreter how extension modules are built for it. */
export async function pythonBuildInfo(python: string, signal?: AbortSignal): Promise<PythonBuildInfo> {
  const r = await runTool(python, ['-c', PROBE], { cwd: process.cwd(), timeoutMs: 60_000, ...(signal ? { signal } : {}) }).catch((e: Error) => {
    throw new PerfLabError(`${python} could not be run (${e.message}). Set perfLab.pythonPath to a Python 3.8+ interpreter.`);
  });
  try {
    return JSON.parse(r.output.trim().split('\n').pop()!) as PythonBuildInfo;
  } catch {
    throw new PerfLabError(`${python} did not describe its build configuration: ${r.output.trim().split('\n').slice(-3).join(' ')}`);
  }
}

/** The hint for missing Python headers, by platform. */
export function headersHint(info: PythonBuildInfo): string {
  const [major, minor] = info.version.split('.');
  return `Python.h is missing for ${info.python} (Python ${info.version}): install the interpreter's development headers (Debian/Ubuntu: \`sudo apt-get install python${major}.${minor}-dev\` or \`python3-dev\`; Fedora: \`sudo dnf install python3-devel\`).`;
}

/** The C/C++ compiler to use: $CC / $CXX, else the interpreter's own (sysconfig), else the usual names on PATH. */
export function findCompiler(kind: 'cc' | 'cxx', info: PythonBuildInfo, env: NodeJS.ProcessEnv = process.env): string {
  const configured = kind === 'cc' ? env.CC : env.CXX;
  const candidates = configured ? [configured] : kind === 'cc' ? [info.cc, 'gcc', 'cc', 'clang'] : [info.cxx, 'g++', 'c++', 'clang++'];
  for (const c of candidates) {
    const found = c && findProgram(c, env);
    if (found) return found;
  }
  const what = kind === 'cc' ? 'C' : 'C++';
  throw new PerfLabError(
    `No ${what} compiler was found (looked for ${candidates.filter(Boolean).join(', ')}). Install one (Debian/Ubuntu: \`sudo apt-get install ${kind === 'cc' ? 'gcc' : 'g++'}\`; Fedora: \`sudo dnf install ${kind === 'cc' ? 'gcc' : 'gcc-c++'}\`; macOS: \`xcode-select --install\`), or set ${kind === 'cc' ? 'CC' : 'CXX'}.`,
  );
}

/** A compiler's log where it has no OpenMP: no omp.h, no -fopenmp option, no OpenMP runtime to link. */
const OPENMP_MISSING =
  /omp\.h: No such file|omp\.h' file not found|(unrecognized|unsupported|unknown) (command[- ]line )?(option|argument) ['‘"`]?-fopenmp|cannot find -l(g|i)?omp|library not found for -l(g|i)?omp/;

/** A failed build as a message: what failed, a hint when the log shows a known cause, and the log's end. */
export function buildFailure(what: string, source: string, output: string, info: PythonBuildInfo): PerfLabError {
  const hints: string[] = [];
  if (/Python\.h: No such file/.test(output)) hints.push(headersHint(info));
  if (/No module named ['"]?(setuptools|distutils)/.test(output)) hints.push(`Install setuptools: ${info.python} -m pip install setuptools`);
  if (OPENMP_MISSING.test(output))
    hints.push(
      'The compiler cannot build OpenMP code (-fopenmp), which the cython-parallel target needs: use GCC with its libgomp (Debian/Ubuntu: `sudo apt-get install g++`) or Clang with libomp (Debian/Ubuntu: `sudo apt-get install libomp-dev`; macOS: `brew install libomp`); the cython target builds without OpenMP.',
    );
  const tail = output.trim().split('\n').slice(-40).join('\n');
  return new PerfLabError(`${what} failed for ${source}.${hints.length ? ` ${hints.join(' ')}` : ''}\nCompiler log:\n${tail}`);
}

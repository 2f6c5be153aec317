// The Python packages that shape a result, stored each in a field of its own (schema 3: the activities' numpy,
// numba, cython and pybind11 columns), not as one string: asked of the run's interpreter when a Python run is saved
// (the compiler's own probe, compile-python.ts), and read out of the compile log of the runs stored before (migration
// 3), where the only record of them was the candidate's first log line (`Numba (numba 0.60.0, numpy 2.0.2, Python
// 3.11.2): …`).
import { probePythonModules } from '../compiler/compile-python';

/** Each stored package: the activities' column and the module the interpreter imports. */
export const PYTHON_PACKAGES = [
  { field: 'numpy', module: 'numpy' },
  { field: 'numba', module: 'numba' },
  { field: 'cython', module: 'Cython' },
  { field: 'pybind11', module: 'pybind11' },
] as const;

export type PackageField = (typeof PYTHON_PACKAGES)[number]['field'];

/** The versions of the packages an interpreter has; a package it does not import is absent. */
export type PackageVersions = Partial<Record<PackageField, string>>;

/** The probe's answer (module → version, null when it does not import) as fields. */
export function packageFields(modules: Record<string, string | null | undefined>): PackageVersions {
  const out: PackageVersions = {};
  for (const p of PYTHON_PACKAGES) {
    const v = modules[p.module];
    if (typeof v === 'string' && v !== '') out[p.field] = v;
  }
  return out;
}

/** The versions named in a compile log line (`module version` pairs, as compile-python.ts writes them). */
export function packagesFromLog(line: string): PackageVersions {
  const found: Record<string, string> = {};
  for (const p of PYTHON_PACKAGES) {
    const m = new RegExp(`(?:^|[(,\\s])${p.module} ([0-9][^\\s,)]*|installed)(?=[\\s,)]|$)`).exec(line);
    if (m) found[p.module] = m[1]!;
  }
  return packageFields(found);
}

/** Answers kept for a minute per interpreter: a run saved soon after another does not import numba again. */
const cache = new Map<string, { at: number; versions: Promise<PackageVersions> }>();
const KEEP_MS = 60_000;

/** The package versions of an interpreter; empty when it cannot be asked (the run is saved without them). */
export function pythonPackages(python: string): Promise<PackageVersions> {
  const hit = cache.get(python);
  if (hit && Date.now() - hit.at < KEEP_MS) return hit.versions;
  const versions = probePythonModules(
    python,
    PYTHON_PACKAGES.map((p) => p.module),
  )
    .then((probe) => packageFields(probe.modules))
    .catch(() => ({}));
  cache.set(python, { at: Date.now(), versions });
  return versions;
}

// Perf Lab's own Python scripts (python/*.py), run on the user's interpreter: in python/ next to dist/ when
// installed, at the checkout's root when run from the sources.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PerfLabError } from './errors';

/** The path of python/`name`; a clear error when the installation lacks it. */
export function pythonScript(name: string): string {
  const candidates = [join(__dirname, '..', 'python', name), join(__dirname, '..', '..', 'python', name)];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new PerfLabError(`Perf Lab's Python helper (python/${name}) is missing from ${candidates[0]}. Reinstall the extension.`);
  return found;
}

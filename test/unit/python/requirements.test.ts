// A Python target whose packages the interpreter lacks is refused with what to install, in a form the editor can act
// on (its Install in Terminal button runs `python -m pip install …` from the error's fields).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { checkRequirements, type PythonBackend } from '../../../extension/compiler/compile-python';
import { MissingPythonPackages } from '../../../extension/errors';

const python = 'python3';
const unavailable = spawnSync(python, ['--version']).status === 0 ? undefined : 'python3 is not installed';

/** A backend that needs the standard library's json and a package that does not exist. */
const backend = {
  target: 'numba',
  requires: [
    { module: 'json', pip: 'json' },
    { module: 'perf_lab_no_such_module', pip: 'perf-lab-no-such-package' },
  ],
} as unknown as PythonBackend;

describe('checkRequirements', () => {
  it('names the missing package, the interpreter and the pip command, as fields and in the message', { timeout: 120_000 }, async (t) => {
    if (unavailable) return t.skip(unavailable);
    const error = await checkRequirements(python, backend).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof MissingPythonPackages, `expected MissingPythonPackages, got ${String(error)}`);
    assert.deepEqual(error.pip, ['perf-lab-no-such-package'], 'only what does not import');
    const executable = spawnSync(python, ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout.trim();
    assert.equal(error.python, executable);
    assert.match(error.message, /The Numba target needs perf_lab_no_such_module in \S+ \(Python 3\.\d+/);
    assert.ok(error.message.endsWith(`${executable} -m pip install perf-lab-no-such-package`), error.message);
  });

  it('passes when every package imports', { timeout: 120_000 }, async (t) => {
    if (unavailable) return t.skip(unavailable);
    const probe = await checkRequirements(python, { ...backend, requires: [backend.requires[0]!] });
    assert.match(probe.version, /^3\.\d+/);
  });
});

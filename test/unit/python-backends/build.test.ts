// The build drivers of the Cython and pybind11 targets: what they say when something is missing or the compiler
// fails, and their cache.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PYBIND11_FLAGS } from '../../../extension/compiler/backend-pybind11';
import { PerfLabError } from '../../../extension/errors';
import { buildCython } from '../../../native/build-cython';
import { buildPybind11 } from '../../../native/build-pybind11';
import { pythonEnv } from '../../python-env';

const scratch = mkdtempSync(join(tmpdir(), 'perf-lab-pybuild-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let python = '';
before(async () => {
  python = (await pythonEnv()).python;
});

function fails(patterns: RegExp[]) {
  return (e: unknown) => {
    assert.ok(e instanceof PerfLabError, `expected a PerfLabError, got ${String(e)}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  };
}

describe('pybind11 build', () => {
  const good = '#include <pybind11/pybind11.h>\nPYBIND11_MODULE(twice, m) { m.def("twice", [](long x) { return 2 * x; }); }\n';

  it("builds with the interpreter's headers and suffix, then reuses the module", async () => {
    const dir = mkdtempSync(join(scratch, 'ok-'));
    writeFileSync(join(dir, 'twice.cpp'), good);
    const first = await buildPybind11({ python, dir, source: 'twice.cpp', module: 'twice', flags: PYBIND11_FLAGS });
    assert.match(first.artifacts[0]!, /^twice\.cpython-\d+.*\.so$/);
    assert.match(first.log[0]!, /-shared -fPIC .*pybind11.*twice\.cpp/);
    const again = await buildPybind11({ python, dir, source: 'twice.cpp', module: 'twice', flags: PYBIND11_FLAGS });
    assert.deepEqual(again.artifacts, first.artifacts);
    assert.match(again.log[0]!, /built before/);
  });

  it("shows the compiler's log when the C++ does not compile", async () => {
    const dir = mkdtempSync(join(scratch, 'bad-'));
    writeFileSync(join(dir, 'broken.cpp'), '#include <pybind11/pybind11.h>\nint f() { return not_declared_anywhere; }\n');
    await assert.rejects(
      buildPybind11({ python, dir, source: 'broken.cpp', module: 'broken', flags: PYBIND11_FLAGS }),
      fails([/Compiling the pybind11 module/, /Compiler log:/, /not_declared_anywhere/]),
    );
  });

  it('says how to install a compiler when there is none', async () => {
    const dir = mkdtempSync(join(scratch, 'nocxx-'));
    writeFileSync(join(dir, 'twice.cpp'), good);
    await assert.rejects(
      buildPybind11({ python, dir, source: 'twice.cpp', module: 'twice', flags: PYBIND11_FLAGS, env: { ...process.env, CXX: '/nonexistent/g++' } }),
      fails([/No C\+\+ compiler/, /apt-get install g\+\+/, /CXX/]),
    );
  });
});

describe('Cython build', () => {
  it("builds a .pyx with Cython's own build and cleans its scratch folder", async () => {
    const dir = mkdtempSync(join(scratch, 'cy-'));
    writeFileSync(join(dir, 'cube.pyx'), 'def cube(long long x):\n    return x * x * x\n');
    const r = await buildCython({ python, dir, source: 'cube.pyx', module: 'cube' });
    assert.match(r.artifacts[0]!, /^cube\.cpython-.*\.so$/);
    assert.match(r.log[0]!, /Cython\.Build\.Cythonize -i -3/);
  });

  it('names the pip install when Cython does not import', async (t) => {
    // Debian's interpreter without the python3 Cython package (cython3) stands for a user's environment without it.
    const debian = '/usr/bin/python3';
    const probe = await import('node:child_process').then((cp) => cp.spawnSync(debian, ['-c', 'import Cython']));
    if (probe.error || probe.status === 0) return t.skip('needs /usr/bin/python3 without Cython');
    const dir = mkdtempSync(join(scratch, 'nocy-'));
    writeFileSync(join(dir, 'cube.pyx'), 'def cube(long long x):\n    return x * x * x\n');
    await assert.rejects(buildCython({ python: debian, dir, source: 'cube.pyx', module: 'cube' }), fails([/Cython does not import/, /-m pip install Cython/]));
  });
});

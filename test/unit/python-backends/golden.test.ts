// Golden files: the .pyx and .cpp each backend generates for each kernel of kernels.ts, next to this test in golden/.
// PERF_LAB_UPDATE_GOLDEN=1 rewrites them (review the diff); a missing golden file fails.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { CYTHON_RUNTIME_HEADER, emitCythonModule } from '../../../extension/compiler/backend-cython';
import { emitPybind11Module } from '../../../extension/compiler/backend-pybind11';
import type { PythonKernel } from '../../../extension/compiler/compile-python';
import { cythonRuntimeDeclarations, PY_NATIVE_RUNTIME } from '../../../extension/compiler/python-native-runtime';
import { pythonEnv } from '../../python-env';
import { KERNEL_CASES, lowerCases } from './kernels';

const GOLDEN = join(__dirname, 'golden');
const update = process.env.PERF_LAB_UPDATE_GOLDEN === '1';
let kernels: PythonKernel[] = [];

before(async () => {
  kernels = await lowerCases((await pythonEnv()).python);
});

function golden(name: string, actual: string): void {
  const path = join(GOLDEN, name);
  if (update) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  assert.ok(existsSync(path), `${path} is missing: run with PERF_LAB_UPDATE_GOLDEN=1 and review it`);
  assert.equal(actual, readFileSync(path, 'utf8'), `${name} differs from its golden file (PERF_LAB_UPDATE_GOLDEN=1 rewrites it)`);
}

describe('generated Cython and C++', () => {
  it('match the golden files of every kernel', () => {
    KERNEL_CASES.forEach((c, i) => {
      const k = kernels[i]!;
      const module = `${c.id}_kernel`;
      // Likewise the helpers' declarations in every .pyx.
      golden(`${c.id}.pyx`, emitCythonModule(k).replace(cythonRuntimeDeclarations(CYTHON_RUNTIME_HEADER), '# (cythonRuntimeDeclarations)'));
      // The shared runtime is the same in every .cpp: the golden file holds only what the kernel adds.
      golden(`${c.id}.cpp`, emitPybind11Module(k, module).replace(PY_NATIVE_RUNTIME, '// (python-native-runtime.ts)\n'));
    });
  });

  it('declare to Cython every helper the runtime defines, and nothing it does not', () => {
    const declared = [...cythonRuntimeDeclarations('h').matchAll(/ (p[ly]_\w+)\(/g)].map((m) => m[1]!);
    const defined = new Set([...PY_NATIVE_RUNTIME.matchAll(/ (p[ly]_\w+)\(/g)].map((m) => m[1]!));
    for (const name of declared) assert.ok(defined.has(name), `${name} is declared but not defined`);
    for (const name of ['pl_add', 'pl_ix', 'pl_trips', 'py_fmod', 'pl_math_sqrt']) assert.ok(declared.includes(name), `${name} is not declared`);
  });

  it('keep a checked index only where the frontend could not prove it in range', () => {
    const relax = emitCythonModule(kernels[KERNEL_CASES.findIndex((c) => c.id === 'stencil_relax')]!);
    // u's neighbours u[i-1, j] … of i in range(1, n-1) over u's own shape are proven: indexed directly; f's shape is
    // not known to match u's, so f[i, j] keeps its check.
    assert.match(relax, /v_u\[\(v_i - \(<int64_t>1\)\), v_j\]/);
    assert.match(relax, /v_f\[pl_ix\(v_i, v_f\.shape\[0\]\), pl_ix\(v_j, v_f\.shape\[1\]\)\]/);
    // xs[-1 - i] may be negative: wrapped and checked.
    const arrays = emitCythonModule(kernels[KERNEL_CASES.findIndex((c) => c.id === 'arrays')]!);
    assert.match(arrays, /v_xs\[pl_ix\(\(\(<int64_t>-1\) - v_i\), v_xs\.shape\[0\]\)\]/);
  });
});

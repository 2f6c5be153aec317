// Builds every kernel of kernels.ts into one module per Python target (cached by content in .cache/python-backends/)
// and writes the wrappers around it, as Apply wraps a kernel: what the differential tests and the fuzzer run.
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CYTHON_RUNTIME_HEADER, emitCythonBatch } from '../../../extension/compiler/backend-cython';
import { emitNumbaBatch } from '../../../extension/compiler/backend-numba';
import { emitPybind11Batch, PYBIND11_FLAGS } from '../../../extension/compiler/backend-pybind11';
import type { PythonKernel, PythonTarget } from '../../../extension/compiler/compile-python';
import { PY_NATIVE_RUNTIME } from '../../../extension/compiler/python-native-runtime';
import { buildCython } from '../../../native/build-cython';
import { buildPybind11 } from '../../../native/build-pybind11';
import { ROOT, writeWrappers } from './kernels';

/** The batch module of a target for `kernels` (prefixed so that their names differ), built; its wrappers' names. */
export async function buildBatch(python: string, kernels: PythonKernel[], target: PythonTarget): Promise<{ dir: string; wrappers: string[] }> {
  const module = `perf_lab_batch_${target}`;
  const files: Record<string, string> =
    target === 'numba'
      ? { [`${module}.py`]: emitNumbaBatch(kernels) }
      : target === 'cython'
        ? { [`${module}.pyx`]: emitCythonBatch(kernels), [CYTHON_RUNTIME_HEADER]: PY_NATIVE_RUNTIME }
        : { [`${module}.cpp`]: emitPybind11Batch(kernels, module) };
  const hash = createHash('sha256')
    .update(python)
    .update(JSON.stringify(Object.entries(files)))
    .digest('hex')
    .slice(0, 16);
  const dir = join(ROOT, '.cache', 'python-backends', `${target}-${hash}`);
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  if (target === 'cython') await buildCython({ python, dir, source: `${module}.pyx`, module });
  else if (target === 'pybind11') await buildPybind11({ python, dir, source: `${module}.cpp`, module, flags: PYBIND11_FLAGS });
  return { dir, wrappers: await writeWrappers(dir, kernels, module, target) };
}

// The Python differential fuzzer at length: every kernel of kernels.ts (the semantics fixtures, the NumPy-scalar and
// 2**53 fixtures, lists and function shapes, the examples) and `--generated` kernels drawn for the seed (generate.ts:
// lists and arrays built, read, written, swapped, summed and returned), on freshly drawn random and edge-case calls
// until each target has run at least `--cases` calls, next to CPython, in one Python process per target and round
// (differential.py). Exits non-zero on any difference in results (types included), mutated arguments, exceptions or
// warnings.
//
//   node --import tsx test/unit/python-backends/fuzz.ts [--cases 100000] [--seed S] [--generated 60] [--targets numba,cython,pybind11]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PythonKernel, PythonTarget } from '../../../extension/compiler/compile-python';
import { pythonEnv } from '../../python-env';
import { buildBatch } from './build-batch';
import { generateListKernels } from './generate';
import { KERNEL_CASES, lowerCases, prefixKernel, ROOT, runDifferential, type DifferentialReport, type KernelCase } from './kernels';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}

async function fuzzTarget(
  python: string,
  kernels: PythonKernel[],
  kernelCases: KernelCase[],
  target: PythonTarget,
  cases: number,
  seed: number,
): Promise<number> {
  const { dir, wrappers } = await buildBatch(python, kernels, target);
  const started = performance.now();
  const reports: DifferentialReport[][] = [];
  const total = () => reports.flat().reduce((n, r) => n + r.cases, 0);
  // One round first to learn how many calls a round makes, then one run of as many rounds as are still needed.
  reports.push(await runDifferential(python, dir, kernels, wrappers, seed, 3_600_000, 1, kernelCases));
  const perRound = total();
  const more = Math.max(0, Math.ceil((cases - perRound) / perRound));
  if (more > 0) reports.push(await runDifferential(python, dir, kernels, wrappers, seed + 7919, 3_600_000, more, kernelCases));
  const all = reports.flat();
  const sum = (f: (r: DifferentialReport) => number) => all.reduce((n, r) => n + f(r), 0);
  const differ = sum((r) => r.mismatchCount);
  console.log(
    `${target}: ${sum((r) => r.cases)} calls over ${kernels.length} kernels, ${sum((r) => r.fallbacks)} fell back to the original, ${differ} differ from CPython (${((performance.now() - started) / 1000).toFixed(0)} s, seed ${seed})`,
  );
  for (const r of all.filter((x) => x.mismatchCount > 0).slice(0, 5))
    console.log(`  ${r.fn}: ${r.mismatchCount} of ${r.cases} differ, e.g. ${JSON.stringify(r.mismatches[0])}`);
  return differ;
}

async function main(): Promise<void> {
  const cases = Number(arg('cases', '100000'));
  const seed = Number(arg('seed', String(Date.now() % 1_000_000)));
  const targets = arg('targets', 'numba,cython,pybind11').split(',') as PythonTarget[];
  const python = (await pythonEnv()).python;
  // The generated kernels of this seed, in a file of their own; every one must be compiled.
  const folder = join(ROOT, '.cache', 'python-backends', 'generated');
  mkdirSync(folder, { recursive: true });
  const file = join(folder, `gen_${seed}.py`);
  const generated = generateListKernels(seed, Number(arg('generated', '60')), file);
  writeFileSync(file, generated.source);
  const kernelCases = [...KERNEL_CASES, ...generated.cases];
  const kernels = (await lowerCases(python, kernelCases)).map((k, i) => prefixKernel(k, `k${i}_`));
  console.log(`${KERNEL_CASES.length} kernels of kernels.ts and ${generated.cases.length} generated (${file})`);
  let differ = 0;
  for (const target of targets) differ += await fuzzTarget(python, kernels, kernelCases, target, cases, seed);
  process.exit(differ > 0 ? 1 : 0);
}

void main();

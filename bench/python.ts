// `npm run bench:python` (part of `npm run bench`): each Python example's hot function as CPython runs it, and as
// Perf Lab's Numba, Cython and pybind11 rewrites (frontend → IR → backend → build, as Optimize makes them), each
// variant timed in a process of its own through the same wrapper the applied edit calls; the table goes to
// bench/python/RESULTS.md, followed by the scaling table of the parallel targets (bench/parallel.ts: serial against a
// process pool, Ray and Dask at 1…N workers on two work sizes). Options: --ms <per variant, default 1500>, --case <id>
// (repeatable), --python <path> (default: the test environment, test/python-env.ts), --no-scaling (the first table
// only), --no-write (print only).
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { formatRatio, formatTimes, median, ratioOfMedians, summarize } from '../extension/bench/stats';
import { compilePython, PYTHON_TARGETS, pythonTargetName, type PythonCandidate, type PythonTarget } from '../extension/compiler/compile-python';
import { selectPythonKernel } from '../extension/compiler/frontend-py';
import { formatRefusal } from '../extension/compiler/refusal';
import { pythonEnv } from '../test/python-env';
import { parallelScaling } from './parallel';

const root = join(__dirname, '..');
const harness = join(__dirname, 'python', 'measure.py');

/** The examples, their hot function with the argument types a profile run records, and the benchmark's inputs. */
export const PYTHON_BENCH_CASES = [
  {
    id: 'nbody',
    title: 'n-body, 5 bodies × 20,000 steps (lists)',
    file: 'nbody.py',
    fn: 'advance',
    params: ['list[list[float]]', 'list[list[float]]', 'list[float]', 'float', 'int'],
    inputs: '(*make_system(), 0.01, 20000)',
  },
  {
    id: 'pairwise',
    title: 'pairwise distances, 800 points (list of tuples)',
    file: 'pairwise.py',
    fn: 'pairwise_sum',
    params: ['list[tuple[float]]'],
    inputs: '(make_points(800),)',
  },
  {
    id: 'mandelbrot',
    title: 'Mandelbrot 240×160, 100 iterations',
    file: 'mandelbrot.py',
    fn: 'mandelbrot',
    params: ['int', 'int', 'int'],
    inputs: '(240, 160, 100)',
  },
  {
    id: 'stencil',
    title: '5-point Gauss-Seidel, 100×100 × 10 sweeps (NumPy)',
    file: 'stencil.py',
    fn: 'relax',
    params: ['ndarray[float64, 2]', 'ndarray[float64, 2]', 'float', 'int'],
    inputs: '(*make_problem(100), 10)',
  },
  { id: 'collatz', title: 'Collatz steps below 20,000 (ints)', file: 'collatz.py', fn: 'collatz_steps', params: ['int'], inputs: '(20000,)' },
] as const;

type Variant = 'cpython' | PythonTarget;

interface Measured {
  times: number[];
  checksum: string;
  firstMs: number;
  fallbacks?: number;
  reason?: string;
}

function option(name: string): string[] {
  const out: string[] = [];
  process.argv.forEach((a, i) => {
    if (a === `--${name}` && process.argv[i + 1] !== undefined) out.push(process.argv[i + 1]!);
  });
  return out;
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((done, fail) =>
    execFile(cmd, args, { maxBuffer: 64 << 20, timeout: 600_000 }, (err, stdout, stderr) =>
      err ? fail(new Error(`${String(stderr).trim().split('\n').slice(-4).join('\n') || err.message}`)) : done(String(stdout)),
    ),
  );
}

function fmt(ms: number): string {
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  return `${(ms * 1e3).toFixed(1)} µs`;
}

async function main(): Promise<void> {
  const ms = Number(option('ms')[0] ?? 1500);
  const only = option('case');
  const python = option('python')[0] ?? (await pythonEnv()).python;
  const cacheDir = join(root, '.cache', 'bench-python');
  const cases = PYTHON_BENCH_CASES.filter((c) => only.length === 0 || only.includes(c.id));
  const version = (
    await run(python, [
      '-c',
      'import sys, numpy, numba, Cython, pybind11; print(sys.version.split()[0], numpy.__version__, numba.__version__, Cython.__version__, pybind11.__version__)',
    ]).catch(() => '')
  )
    .trim()
    .split(' ');
  const rows: { title: string; m: Partial<Record<Variant, Measured>>; notes: Partial<Record<Variant, string>> }[] = [];
  for (const c of cases) {
    const file = join(root, 'examples', 'python', c.file);
    const row: (typeof rows)[number] = { title: c.title, m: {}, notes: {} };
    rows.push(row);
    const base = ['--file', file, '--fn', c.fn, '--inputs', c.inputs, '--ms', String(ms)];
    process.stderr.write(`${c.id}: CPython…\n`);
    row.m.cpython = JSON.parse(await run(python, [harness, ...base])) as Measured;
    const lowered = await selectPythonKernel({ python, file, fileName: c.file, functionName: c.fn, params: [...c.params] });
    if (!lowered.ok) {
      for (const t of PYTHON_TARGETS) row.notes[t] = `refused: ${formatRefusal(lowered.refusal)}`;
      continue;
    }
    for (const target of PYTHON_TARGETS) {
      let cand: PythonCandidate;
      try {
        process.stderr.write(`${c.id}: building ${pythonTargetName(target)}…\n`);
        cand = await compilePython(lowered.kernel, target, { python, cacheDir });
      } catch (e) {
        row.notes[target] = `not built: ${(e as Error).message.split('\n')[0]}`;
        continue;
      }
      process.stderr.write(`${c.id}: ${pythonTargetName(target)}…\n`);
      row.m[target] = JSON.parse(await run(python, [harness, ...base, '--wrapper-dir', cand.dir, '--wrapper-module', cand.moduleName])) as Measured;
    }
  }

  const speedups: Record<string, number[]> = { numba: [], cython: [], pybind11: [] };
  const lines = [
    `| Example | CPython | ${PYTHON_TARGETS.map(pythonTargetName).join(' | ')} | ${PYTHON_TARGETS.map((t) => `${pythonTargetName(t)} speedup (95 % CI)`).join(' | ')} | Same result |`,
    `|---|---|${PYTHON_TARGETS.map(() => '---|').join('')}${PYTHON_TARGETS.map(() => '---|').join('')}---|`,
  ];
  const notes: string[] = [];
  for (const r of rows) {
    const cp = r.m.cpython!;
    const cell = (v: Variant) => {
      const m = r.m[v];
      if (!m) return '—';
      const s = summarize(m.times);
      return `${fmt(s.median)} ±${s.rme.toFixed(1)} %${m.fallbacks ? ` (${m.fallbacks} fallbacks)` : ''}`;
    };
    const speed = (t: PythonTarget) => {
      const m = r.m[t];
      if (!m) return r.notes[t] ?? '—';
      const ratio = ratioOfMedians(cp.times, m.times);
      speedups[t]!.push(ratio.estimate);
      const f = formatRatio(ratio);
      return f.ci.startsWith('95%') ? `${f.estimate} (${f.lo}–${f.hi})` : `${f.estimate} (${f.ci})`;
    };
    const sums = PYTHON_TARGETS.filter((t) => r.m[t]).map((t) => r.m[t]!.checksum);
    const same = sums.length === 0 ? '—' : sums.every((s) => s === cp.checksum) ? 'yes' : 'NO';
    lines.push(`| ${r.title} | ${cell('cpython')} | ${PYTHON_TARGETS.map(cell).join(' | ')} | ${PYTHON_TARGETS.map(speed).join(' | ')} | ${same} |`);
    for (const t of PYTHON_TARGETS) if (r.notes[t] && r.notes[t]!.length > 40) notes.push(`- ${r.title}, ${pythonTargetName(t)}: ${r.notes[t]}`);
  }
  const all = PYTHON_TARGETS.flatMap((t) => speedups[t]!);
  const summary = [
    `Median speedup over CPython: ${PYTHON_TARGETS.map((t) => `${pythonTargetName(t)} ${speedups[t]!.length ? formatTimes(median(speedups[t]!)) : '—'}`).join(', ')}; all ${all.length} rewrites: ${all.length ? formatTimes(median(all)) : '—'} (goal: ≥ 50×).`,
  ];
  const doc = [
    "# Benchmark: the Python examples under CPython and as Perf Lab's Numba, Cython and pybind11 rewrites",
    '',
    `- Machine: ${cpus()[0]?.model.trim() ?? '?'}, ${cpus().length} cores; Python ${version[0] ?? '?'} (${python}); NumPy ${version[1] ?? '?'}, Numba ${version[2] ?? '?'}, Cython ${version[3] ?? '?'}, pybind11 ${version[4] ?? '?'}`,
    `- Date: ${new Date().toISOString().slice(0, 10)}; command: \`npm run bench:python\` (${ms} ms measured per variant after a warm-up of a fifth of it; at least 5 calls)`,
    "- Each variant runs in a process of its own (bench/python/measure.py) on fresh inputs for every call, built by the example's own helpers and not timed. The rewrites are generated from the example's function exactly as **Optimize** generates them (types as a profile run records them) and called through the same wrapper the applied edit imports: argument checks, list → NumPy conversion and copy-back included; Numba's first call (its compilation) is left out by the warm-up.",
    "- Cells: median time per call ± the relative margin of error of the mean (95 %). Speedup: CPython's median / the rewrite's, with its 95 % interval (extension/bench/stats.ts ratioOfMedians, the bench stage's own). \"Same result\": the checksum of the result and of every mutated argument after one call on fresh inputs equals CPython's for every rewrite.",
    '',
    ...lines,
    '',
    ...summary,
    ...(notes.length ? ['', 'Notes:', ...notes] : []),
    '',
    ...(process.argv.includes('--no-scaling') ? [] : [await parallelScaling(python)]),
  ].join('\n');
  console.log(doc);
  if (!process.argv.includes('--no-write')) writeFileSync(join(__dirname, 'python', 'RESULTS.md'), doc);
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});

// The Python corpus (test/fixtures/py-corpus/): whole scripts written the way numeric Python is written — benchmark-
// game, pyperformance and numba-example shapes, our own code — each with the function a profile finds hot. Each
// script is run, its hot function recorded on that run, compiled to every Python target the test environment has,
// proven, applied to a fresh copy of the script, and the copy run again: its whole output must be the original's,
// and the compiled code must have run in it (the wrapper's counters say so).
//
//   PERF_LAB_CORPUS=sieve,fib node --import tsx --test test/unit/python/py-corpus.test.ts   runs only those scripts
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writePlan } from '../../../extension/apply/apply';
import { planApplyPython } from '../../../extension/apply/apply-python';
import { checkRequirements, compilePython, pythonBackend, PYTHON_TARGETS, type PythonTarget } from '../../../extension/compiler/compile-python';
import { selectPythonKernel } from '../../../extension/compiler/frontend-py';
import { PerfLabError } from '../../../extension/errors';
import { provePython } from '../../../extension/prove/prove-python';
import { recordPython, recordedPyAttrTypes, recordedPyGlobalTypes, recordedPyParamTypes, type PythonRecording } from '../../../extension/record/record-python';
import { pythonEnv } from '../../python-env';
import { root } from '../cli-process';

const CORPUS_DIR = join(root, 'test', 'fixtures', 'py-corpus');

interface CorpusScript {
  file: string;
  /** The hot function. */
  fn: string;
  /** What of the compiled subset it stands for. */
  shows: string;
  /** The types the frontend must find, as the recording gives them. */
  types: string[];
  /** The module-level data it reads, with the types the recording gives them (when it reads any). */
  globals?: Record<string, string>;
  /** For a method: the attributes of self it names, with the types the recording gives them. */
  attrs?: Record<string, string>;
}

export const CORPUS: CorpusScript[] = [
  { file: 'sieve.py', fn: 'primes_below', shows: '[True] * n, a run-time range step, a comprehension returned as a list', types: ['int'] },
  { file: 'moments.py', fn: 'moments', shows: 'sum of a list and of generators, a comprehension, max/min, a list of floats returned', types: ['list[float]'] },
  { file: 'pairwise.py', fn: 'pairwise', shows: 'M, N = X.shape, np.empty((M, M)) returned as a float64 array', types: ['ndarray[float64, 2]'] },
  {
    file: 'histogram.py',
    fn: 'histogram',
    shows: 'np.zeros(bins, dtype=np.int64) returned as an int64 array',
    types: ['list[float]', 'float', 'float', 'int'],
  },
  { file: 'collatz_memo.py', fn: 'longest_chain', shows: 'a table [0] * n, a while loop, tuple assignment', types: ['int'] },
  { file: 'coin_change.py', fn: 'ways_to_pay', shows: 'a tuple bound as a default, [0] * (n + 1) indexed without checks', types: ['int', 'tuple[int]'] },
  { file: 'spectral_norm.py', fn: 'A_times_u', shows: 'the caller of the leaf: a comprehension of sums of generators calling it', types: ['list[float]'] },
  {
    file: 'integrate.py',
    fn: 'integrate',
    shows: 'number defaults, from math import … inside, a local named max, a variable set in a loop read after it',
    types: ['float', 'float', 'int', 'float'],
  },
  { file: 'levenshtein.py', fn: 'levenshtein', shows: 'str parameters by code point, two lists swapped each step', types: ['str', 'str'] },
  { file: 'fib.py', fn: 'fib', shows: 'recursion, the result a checked int', types: ['int'] },
  {
    file: 'pair_potential.py',
    fn: 'cluster_energy',
    shows: 'pairs visited through zip of slices (xs[i + 1:]) inside enumerate(zip(…)), a slice counted from the end',
    types: ['list[float]', 'list[float]', 'list[float]', 'float'],
  },
  {
    file: 'distance_table.py',
    fn: 'distance_table',
    shows: 'a table built by a nested comprehension [[… for j in range(n)] for i in range(n)], returned as a list of lists of floats',
    types: ['list[float]', 'list[float]'],
  },
  {
    file: 'highlife.py',
    fn: 'generation',
    shows: 'neighbour offsets as tuples in for headers, `live in (2, 3)` and `in [3, 6]`, a fresh table returned as a list of lists',
    types: ['list[list[int]]'],
  },
  { file: 'matmul.py', fn: 'matmul', shows: 'np.zeros((n, p)) filled by three loops and returned', types: ['ndarray[float64, 2]', 'ndarray[float64, 2]'] },
  {
    file: 'nbody_defaults.py',
    fn: 'advance',
    shows: 'module-level lists bound as defaults and updated in place',
    types: ['float', 'int', 'list[list[float]]', 'list[list[float]]', 'list[float]'],
  },
  {
    file: 'linear_fit.py',
    fn: 'fit_line',
    shows: 'zip of three lists, enumerate(zip(…)) unpacked, a comprehension over zip',
    types: ['list[float]', 'list[float]', 'list[float]'],
  },
  {
    file: 'floyd_warshall.py',
    fn: 'floyd_warshall',
    shows: 'a list of lists of floats with math.inf, a table [[0.0] * n for _ in range(n)] returned as a list of lists',
    types: ['list[list[float]]'],
  },
  {
    file: 'transit_times.py',
    fn: 'all_pairs',
    shows: 'rows held in names (via_row = times[via], row = times[src]) and written through them, float("inf") inside, the argument returned',
    types: ['list[list[float]]'],
  },
  {
    file: 'spelling_distance.py',
    fn: 'edit_distance',
    shows: 'a row joined as [i] + [0] * len(b), then taken by another name (prev = cur), prev[-1]',
    types: ['str', 'str'],
  },
  { file: 'common_subsequence.py', fn: 'lcs_length', shows: 'rows of a table the function builds held in names, table[-1][-1]', types: ['str', 'str'] },
  {
    file: 'plate_rows.py',
    fn: 'relax',
    shows: "rows of a 2-D NumPy array held in names (views), written through and read through the next row's",
    types: ['ndarray[float64, 2]', 'int'],
  },
  {
    file: 'cluster_energy.py',
    fn: 'energy',
    shows: 'records: lists of tuples unpacked in the for target, through zip and enumerate',
    types: ['list[tuple[float]]', 'list[tuple[float]]'],
  },
  {
    file: 'julia_set.py',
    fn: 'escape_time',
    shows: 'numpy.float64 arguments from iterating np.linspace, kept NumPy scalars inside',
    types: ['numpy.float64', 'numpy.float64', 'float', 'float', 'int'],
  },
  {
    file: 'softened_gravity.py',
    fn: 'potential',
    shows: 'module-level constants and a tuple of weights read at each call, one changed between calls',
    types: ['list[float]', 'list[float]', 'list[float]'],
  },
  {
    file: 'mandelbrot_complex.py',
    fn: 'mandelbrot_row',
    shows: 'complex numbers: a complex argument, complex(x, y), 0j, z = z * z + c, abs(z) in a while condition',
    types: ['complex', 'float', 'int', 'int'],
  },
  {
    file: 'nbody_coordinates.py',
    fn: 'advance',
    shows: 'module-level lists per coordinate read and written by name, a module-level list of index pairs unpacked',
    types: ['float', 'int'],
    globals: {
      MASS: 'list[float]',
      PAIRS: 'list[tuple[int]]',
      VX: 'list[float]',
      VY: 'list[float]',
      VZ: 'list[float]',
      X: 'list[float]',
      Y: 'list[float]',
      Z: 'list[float]',
    },
  },
  {
    file: 'nbody_system.py',
    fn: 'advance',
    shows:
      'module-level bodies as (position, velocity, mass) tuples and the pairs of them built at import, unpacked in the for target, written through the shared lists',
    types: ['float', 'int'],
    globals: {
      PAIRS: 'list[tuple[tuple[list[float], list[float], float], tuple[list[float], list[float], float]]]',
      SYSTEM: 'list[tuple[list[float], list[float], float]]',
    },
  },
  {
    file: 'particle_system.py',
    fn: 'ParticleSystem.step',
    shows: 'a method of a small class: list attributes written in place, number attributes read (self.dt) and assigned (self.time += self.dt, self.steps += 1)',
    types: ['__main__.ParticleSystem'],
    attrs: { damping: 'float', dt: 'float', steps: 'int', time: 'float', vx: 'list[float]', vy: 'list[float]', x: 'list[float]', y: 'list[float]' },
  },
  {
    file: 'heat_rod.py',
    fn: 'HeatRod.relax',
    shows: 'a method of a class with __slots__: a NumPy array attribute swept in place, self.u.shape[0], number attributes read and assigned',
    types: ['__main__.HeatRod', 'int'],
    attrs: { alpha: 'float', change: 'float', left: 'float', right: 'float', sweeps: 'int', u: 'ndarray[float64]' },
  },
];

const only = process.env.PERF_LAB_CORPUS?.split(',').filter(Boolean);
const scripts = only ? CORPUS.filter((c) => only.includes(c.file.replace(/\.py$/, ''))) : CORPUS;

const scratch = mkdtempSync(join(tmpdir(), 'perf-lab-py-corpus-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let python = '';
/** Why a target cannot run here (its package missing), by target. */
const missing = new Map<PythonTarget, string>();

before(async () => {
  python = (await pythonEnv()).python;
  for (const t of PYTHON_TARGETS) {
    try {
      await checkRequirements(python, await pythonBackend(t));
    } catch (e) {
      if (!(e instanceof PerfLabError)) throw e;
      missing.set(t, e.message);
    }
  }
});

/** The script's output, run from its folder as a user runs it. */
function run(file: string): string {
  const r = spawnSync(python, [file], { cwd: join(file, '..'), encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `${basename(file)} failed: ${r.stderr}`);
  return r.stdout;
}

for (const script of scripts) {
  describe(`${script.file} ${script.fn}: ${script.shows}`, () => {
    const name = script.file.replace(/\.py$/, '');
    let expected = '';
    let recording: PythonRecording;

    before(async () => {
      const dir = join(scratch, name, 'recorded');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, script.file);
      copyFileSync(join(CORPUS_DIR, script.file), file);
      expected = run(file);
      recording = await recordPython({ file, functionName: script.fn, python }, join(scratch, 'store'));
    });

    it('records the types the frontend compiles', () => {
      assert.deepEqual(recordedPyParamTypes(recording), script.types);
      if (script.globals) assert.deepEqual(recordedPyGlobalTypes(recording), script.globals);
      if (script.attrs) assert.deepEqual(recordedPyAttrTypes(recording), script.attrs);
    });

    for (const target of PYTHON_TARGETS) {
      it(`compiles to ${target}, proves, applies: the script prints what it printed, running the compiled code`, { timeout: 900_000 }, async (t) => {
        if (missing.has(target)) return t.skip(missing.get(target));
        const selected = await selectPythonKernel({
          python,
          file: recording.file,
          fileName: script.file,
          functionName: script.fn,
          params: recordedPyParamTypes(recording),
          globals: recordedPyGlobalTypes(recording),
          attrs: recordedPyAttrTypes(recording),
        });
        if (!selected.ok) assert.fail(`${script.fn} refused: ${JSON.stringify(selected.refusal)}`);
        const candidate = await compilePython(selected.kernel, target, { python, cacheDir: join(scratch, 'build') });
        const proof = await provePython(candidate, recording, { python });
        assert.ok(proof.ok, `${target} not proven: ${proof.reason ?? ''} ${JSON.stringify(proof.counterexample ?? {})}`);
        assert.equal(proof.mismatches, 0);
        assert.equal(proof.recordedCompiledCalls, proof.recordedCases, `${target}: ${JSON.stringify(proof.fallbackReasons)}`);
        // Applied to a fresh copy of the script, as Apply writes it.
        const dir = join(scratch, name, target);
        mkdirSync(dir, { recursive: true });
        const file = join(dir, script.file);
        copyFileSync(join(CORPUS_DIR, script.file), file);
        const plan = await planApplyPython({ file, source: readFileSync(file, 'utf8'), functionName: script.fn, candidate, proof, python });
        await writePlan(plan);
        // Run once as the user runs it (as __main__, from its folder), then the wrapper's counters are read: the
        // output must be the original's, and the compiled code must have run, with no fallback.
        const probe = spawnSync(
          python,
          [
            '-c',
            `import runpy, sys; sys.argv = [${JSON.stringify(file)}]; runpy.run_path(${JSON.stringify(file)}, run_name="__main__"); import ${candidate.moduleName} as w; print("@stats", w._stats["calls"], w._stats["fallbacks"], w._stats["reason"])`,
          ],
          { cwd: dir, encoding: 'utf8', timeout: 120_000 },
        );
        assert.equal(probe.status, 0, probe.stderr);
        const stats = /^@stats (\d+) (\d+) (.*)\n$/m.exec(probe.stdout);
        assert.ok(stats, probe.stdout);
        assert.equal(probe.stdout.slice(0, stats.index), expected);
        assert.ok(Number(stats[1]) > 0, `${target}: the compiled ${script.fn} was never called`);
        assert.equal(Number(stats[2]), 0, `${target}: ${stats[2]} calls fell back (${stats[3]})`);
      });
    }
  });
}

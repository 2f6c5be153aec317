// perfLab.parallel.engine / --engine and perfLab.parallel.workers / --workers: the editor and the command line build
// the same request through the one registry, and the worker count reaches the generated module, which the proof, the
// benchmark and the applied program run — a real process pool with that many workers.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliOptimizeInput, main } from '../../../extension/cli';
import type { PythonCandidate } from '../../../extension/compiler/compile-python';
import { editorOptimizeInput } from '../../../extension/lab/optimize-input';
import { optimize, optimizeRequest } from '../../../extension/optimize/optimize';
import type { PythonProof } from '../../../extension/prove/prove-python';
import { parallelEngines, targetsFor } from '../../../extension/targets';
import { pythonEnv } from '../../python-env';

const FIXTURE = join(__dirname, '..', '..', 'fixtures', 'parallel', 'sims.py');
const store = mkdtempSync(join(tmpdir(), 'perf-lab-parallel-settings-'));
after(() => rmSync(store, { recursive: true, force: true }));
let python = '';
before(async () => {
  python = (await pythonEnv()).python;
});

const settings = (
  JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, { enum?: string[]; enumDescriptions?: string[]; type: string; minimum?: number }> } };
  }
).contributes.configuration.properties;

describe('parallel settings', () => {
  it("perfLab.parallel.engine offers the registry's parallel targets, each described; workers is a count", () => {
    const engine = settings['perfLab.parallel.engine']!;
    assert.deepEqual(engine.enum, parallelEngines());
    assert.deepEqual(parallelEngines(), ['numba-parallel', 'cython-parallel', 'processes', 'ray', 'dask']);
    assert.equal(engine.enumDescriptions!.length, engine.enum!.length);
    assert.equal(settings['perfLab.parallel.workers']!.type, 'integer');
    assert.equal(settings['perfLab.parallel.workers']!.minimum, 0);
  });

  it('auto adds the engine beside the compiled targets only when one is named', () => {
    assert.deepEqual(targetsFor('python', 'auto'), ['numba', 'cython', 'pybind11']);
    assert.deepEqual(targetsFor('python', 'auto', 'ray'), ['numba', 'cython', 'pybind11', 'ray']);
    assert.deepEqual(targetsFor('python', 'dask', 'ray'), ['dask'], 'a target named is that target');
    assert.deepEqual(targetsFor('js', 'auto', 'ray'), ['wasm', 'native'], 'JavaScript has no engine');
  });

  it('the editor and the command line ask for the same request', () => {
    const file = '/work/sims.py';
    const editor = optimizeRequest(
      editorOptimizeInput(file, 'run_append', '/store', {
        target: 'auto',
        args: ['run_append', '8', '100'],
        timeoutS: 60,
        benchmarkTimeS: 1.5,
        nodePath: 'node',
        wholeProgramS: 60,
        parallelEngine: 'processes',
        parallelWorkers: 3,
      }),
    );
    const cli = optimizeRequest(
      cliOptimizeInput({
        path: file,
        functionName: 'run_append',
        programArgs: ['run_append', '8', '100'],
        timeMs: 1500,
        timeoutMs: 60_000,
        store: '/store',
        pythonTarget: 'auto',
        wholeProgramS: 60,
        engine: 'processes',
        workers: 3,
        apply: true,
      }),
    );
    assert.deepEqual(editor, cli);
    assert.deepEqual(editor.targets, ['numba', 'cython', 'pybind11', 'processes']);
    assert.equal(editor.workers, 3);
  });

  it('the command line says what --engine and --workers take', async () => {
    const run = async (args: string[]) => {
      let err = '';
      const code = await main(args, { out: () => {}, err: (t: string) => (err += t) });
      return { code, err };
    };
    const bad = await run(['optimize', FIXTURE, '--fn', 'run_append', '--target', 'auto', '--engine', 'spark']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.err, /--engine takes numba-parallel, cython-parallel, processes, ray or dask, not "spark"/);
    const alone = await run(['optimize', FIXTURE, '--fn', 'run_append', '--engine', 'ray']);
    assert.match(alone.err, /give --target ray/);
    const half = await run(['optimize', FIXTURE, '--fn', 'run_append', '--target', 'processes', '--workers', '1.5']);
    assert.match(half.err, /--workers takes a whole number of workers, not "1.5"/);
  });

  it('the worker count is written into the rewrite: proven with it, and the applied module starts that many', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(join(store, 'run_append-'));
    const file = join(dir, 'sims.py');
    copyFileSync(FIXTURE, file);
    const outcome = await optimize(
      optimizeRequest({
        file,
        functionName: 'run_append',
        target: 'processes',
        workers: 1,
        programArgs: ['run_append', '4', '200'],
        store: join(store, 'store'),
        pythonPath: python,
        timeMs: 200,
        wholeProgramS: 0,
      }),
    );
    assert.equal(outcome.kind, 'done');
    if (outcome.kind !== 'done') return;
    const r = outcome.targets.find((t) => t.target === 'processes')!;
    const candidate = r.candidate as PythonCandidate;
    assert.ok((r.proof as PythonProof).ok, (r.proof as PythonProof).reason);
    assert.ok(candidate.log.includes('1 local worker (perfLab.parallel.workers, --workers)'), candidate.log.join('\n'));
    const text = candidate.files[`${candidate.moduleName}.py`]!;
    assert.match(text, /^_WORKERS = 1 {2}#/m);
    // The module as generated, imported in the interpreter: the pool it starts has one process, unless the
    // environment where the program runs says otherwise.
    const probe = (env: NodeJS.ProcessEnv) =>
      spawnSync(python, ['-c', `import sys; sys.path.insert(0, ${JSON.stringify(candidate.dir)}); import ${candidate.moduleName} as m; print(m._workers())`], {
        encoding: 'utf8',
        env: { ...process.env, PERF_LAB_WORKERS: '', ...env },
      }).stdout.trim();
    assert.equal(probe({}), '1');
    assert.equal(probe({ PERF_LAB_WORKERS: '2' }), '2');
  });
});

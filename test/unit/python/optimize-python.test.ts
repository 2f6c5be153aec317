// `perf-lab optimize file.py` as users run it (the built dist/cli.js in a child process, `npm run build` first), on a
// copy of an example, with the test environment's interpreter: record → Numba → proof → benchmark → apply; the
// applied script prints what the original printed, with the compiled code and, on an interpreter without Numba,
// through the fallback. Also what a missing package and a refused function say.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pythonModuleName } from '../../../extension/compiler/compile-python';
import { pythonEnv } from '../../python-env';
import { APPLY_REGARDLESS, assertCliBuilt, perfLab, root } from '../cli-process';

const store = mkdtempSync(join(tmpdir(), 'perf-lab-optimize-py-'));
after(() => rmSync(store, { recursive: true, force: true }));
let python = '';
/** Why the tests cannot run: the environment with Numba could not be made (no network, no pip). */
let unavailable = '';

describe('perf-lab optimize file.py', () => {
  before(async () => {
    assertCliBuilt();
    try {
      python = (await pythonEnv()).python;
    } catch (e) {
      unavailable = `the Python environment with Numba could not be made: ${(e as Error).message}`;
    }
  });

  it('records, compiles to Numba, proves, benchmarks and applies; the script prints the same', { timeout: 900_000 }, async (t) => {
    if (unavailable) return t.skip(unavailable);
    const dir = mkdtempSync(join(store, 'work-'));
    const file = join(dir, 'pairwise.py');
    copyFileSync(join(root, 'examples', 'python', 'pairwise.py'), file);
    const expected = spawnSync(python, [file, '120'], { encoding: 'utf8' }).stdout;
    assert.match(expected, /sum of 7140 distances/);
    const r = await perfLab(
      'optimize',
      file,
      '--fn',
      'pairwise_sum',
      '--python',
      python,
      '--target',
      'numba',
      '--time',
      '0.3',
      '--store',
      store,
      ...APPLY_REGARDLESS,
      '--',
      '120',
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /Recorded 1 of 1 call/);
    assert.match(r.stdout, /Compiled pairwise_sum \(list\[tuple\[float\]\], as recorded\) to Numba/);
    assert.match(r.stdout, /Proof \(Numba\): PROVEN — \d+ cases \(1 recorded, \d+ edge cases\), 0 mismatches/);
    assert.match(r.stdout, /^Python +\S+ (µs|ms|s)/m);
    assert.match(r.stdout, /^Numba +\S+ (ns|µs|ms)/m);
    assert.match(r.stdout, /Speedup Numba +[\d.,]+× \(95% CI/);
    assert.match(r.stdout, /Applied \(Numba\): pairwise_sum now calls its Numba version/);
    const module = pythonModuleName('pairwise.py', 'pairwise_sum', 'numba');
    assert.ok(existsSync(join(dir, `${module}.py`)) && existsSync(join(dir, `${module}_kernel.py`)));
    const edited = readFileSync(file, 'utf8');
    assert.match(edited, /^def _pairwise_sum_py\(points\):/m);
    assert.match(edited, /^def pairwise_sum\(points\):/m);
    // With Numba: the compiled code runs (its wrapper counts the call) and the output is the same.
    const probe = spawnSync(
      python,
      [
        '-c',
        `import sys, runpy; sys.argv = [${JSON.stringify(file)}, "120"]; g = runpy.run_path(${JSON.stringify(file)}, run_name="__main__"); import ${module} as w; print(w._stats)`,
      ],
      { encoding: 'utf8', cwd: dir },
    );
    assert.equal(probe.status, 0, probe.stderr);
    assert.ok(probe.stdout.startsWith(expected), probe.stdout);
    assert.match(probe.stdout, /'calls': 1, 'fallbacks': 0/);
    // Without Numba (python3 on PATH has neither NumPy nor Numba here, or another interpreter): the original runs.
    const plain = spawnSync('python3', ['-S', file, '120'], { encoding: 'utf8' });
    assert.equal(plain.stdout, expected, plain.stderr);
  });

  it('runs the original when arguments share memory (the recording cannot show it, the wrapper checks it)', { timeout: 900_000 }, async (t) => {
    if (unavailable) return t.skip(unavailable);
    const dir = mkdtempSync(join(store, 'work-'));
    const file = join(dir, 'alias.py');
    writeFileSync(
      file,
      [
        'def shift(a, b):',
        '    for i in range(1, len(a)):',
        '        b[i] = a[i - 1] + 1.0',
        '',
        '',
        'def rows(m, n):',
        '    for i in range(n):',
        '        for j in range(len(m[i])):',
        '            m[i][j] = m[i][j] + 1.0',
        '',
        '',
        'x = [0.0] * 5',
        'shift(x, x)',
        'grid = [[0.0] * 3] * 4',
        'rows(grid, 4)',
        'y, z = [1.0, 2.0], [0.0, 0.0]',
        'shift(y, z)',
        'g2 = [[0.0] * 3 for _ in range(4)]',
        'rows(g2, 4)',
        'print(x, grid, z, g2)',
        '',
      ].join('\n'),
    );
    const expected = spawnSync(python, [file], { encoding: 'utf8' }).stdout;
    for (const fn of ['shift', 'rows']) {
      const r = await perfLab('optimize', file, '--fn', fn, '--python', python, '--time', '0.2', '--store', store, ...APPLY_REGARDLESS);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.match(r.stdout, /Proof \(Numba\): PROVEN/);
      assert.match(r.stdout, new RegExp(`Applied \\(Numba\\): ${fn} now calls`));
    }
    const after = spawnSync(python, [file], { encoding: 'utf8' });
    assert.equal(after.stdout, expected, after.stderr);
  });

  it('names the package to install, and refuses with the construct and line', { timeout: 300_000 }, async (t) => {
    if (unavailable) return t.skip(unavailable);
    const dir = mkdtempSync(join(store, 'work-'));
    const file = join(dir, 'k.py');
    writeFileSync(file, 'def f(n):\n    total = n\n    for i in range(n):\n        total += 0.5\n    return total\n\n\nprint(f(10))\n');
    const refused = await perfLab('optimize', file, '--fn', 'f', '--python', python, '--store', store);
    assert.equal(refused.code, 1);
    assert.match(refused.stdout, /Refused: f cannot be compiled to Numba: line 2:\d+: total — total holds an int and then a float/);
    const ok = join(dir, 'ok.py');
    writeFileSync(ok, 'def g(n):\n    return n * 2\n\n\nprint(g(21))\n');
    const missing = await perfLab('optimize', ok, '--fn', 'g', '--python', 'python3', '--target', 'numba', '--store', store);
    const hasNumba = spawnSync('python3', ['-c', 'import numba'], { encoding: 'utf8' }).status === 0;
    if (!hasNumba) {
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /The Numba target needs .*numba.* Install (it|them): \S+ -m pip install (numpy )?numba/);
      assert.doesNotMatch(missing.stderr, /at .*\.js:\d+/, 'no stack trace');
    }
    const usage = await perfLab('optimize', ok, '--fn', 'g', '--target', 'wasm');
    assert.equal(usage.code, 2);
    assert.match(
      usage.stderr,
      /--target for a \.py file takes numba, cython, pybind11, numba-parallel, cython-parallel, processes, ray, dask or auto, not "wasm"/,
    );
  });
});

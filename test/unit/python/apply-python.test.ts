// Apply for Python: the plan renames the original to _<fn>_py, adds the new function after it (same parameters, the
// compiled version through its wrapper, the original when the module does not import), writes the generated files
// beside the source, and refuses an unproven candidate or a changed file. The edited script runs on python3 and,
// without the generated module importable, prints what the original printed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { applyTextEdits, writePlan } from '../../../extension/apply/apply';
import { checkPythonApplyClashes, planApplyPython } from '../../../extension/apply/apply-python';
import { compilePython, pythonModuleName, type PythonCandidate } from '../../../extension/compiler/compile-python';
import { selectPythonKernel } from '../../../extension/compiler/frontend-py';
import type { PythonProof } from '../../../extension/prove/prove-python';
import { pythonEnv } from '../../python-env';

const PY = process.env.PERF_LAB_TEST_PYTHON || 'python3';
const dir = mkdtempSync(join(tmpdir(), 'perf-lab-apply-py-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SOURCE =
  'import math\n\n\ndef norm(xs, scale):\n    """Euclidean norm."""\n    s = 0.0\n    for x in xs:\n        s += x * x\n    return math.sqrt(s) * scale\n\n\nprint(norm([3.0, 4.0], 2.0))\n';

function candidate(): PythonCandidate {
  return {
    target: 'numba',
    kernel: { name: 'norm', fileName: 'k.py', line: 4, ir: { entry: 'norm', functions: [] }, callees: [], typesFrom: 'recorded calls' },
    entry: 'norm',
    ir: '',
    moduleName: 'k_norm_numba',
    dir,
    files: { 'k_norm_numba.py': 'raise ImportError("not built in this test")\n', 'k_norm_numba_kernel.py': '# kernel\n' },
    artifacts: [],
    flags: [],
    log: [],
    hash: '0',
  };
}

const proof = { ok: true } as PythonProof;

describe('planApplyPython', () => {
  it('renames the original, adds the calling function after it, and lists the generated files', async () => {
    const file = join(dir, 'k.py');
    writeFileSync(file, SOURCE);
    const plan = await planApplyPython({ file, source: SOURCE, functionName: 'norm', candidate: candidate(), proof, python: PY });
    assert.equal(plan.fallbackName, '_norm_py');
    assert.equal(plan.format, 'py');
    assert.deepEqual(plan.files.map((f) => f.path).sort(), [join(dir, 'k_norm_numba.py'), join(dir, 'k_norm_numba_kernel.py')]);
    const edited = applyTextEdits(SOURCE, plan.textEdits);
    assert.match(edited, /^def _norm_py\(xs, scale\):\n {4}"""Euclidean norm."""/m);
    assert.match(
      edited,
      /try:\n {4}from k_norm_numba import norm as _norm_numba\nexcept Exception:\n {4}_norm_numba = None\n\n\ndef norm\(xs, scale\):\n {4}if _norm_numba is None:\n {8}return _norm_py\(xs, scale\)\n {4}return _norm_numba\(_norm_py, xs, scale\)\n/,
    );
    // The edited script runs, and without the compiled module it prints what the original printed.
    const before = spawnSync(PY, [file], { encoding: 'utf8' }).stdout;
    writeFileSync(file, edited);
    for (const f of plan.files) writeFileSync(f.path, f.contents);
    const r = spawnSync(PY, [file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, before);
  });

  it('refuses an unproven candidate and a file that changed since it was compiled', async () => {
    const file = join(dir, 'k2.py');
    writeFileSync(file, SOURCE);
    await assert.rejects(
      planApplyPython({ file, source: SOURCE, functionName: 'norm', candidate: candidate(), proof: { ok: false } as PythonProof, python: PY }),
      /not proven equal/,
    );
    writeFileSync(file, SOURCE + '# edited\n');
    await assert.rejects(
      planApplyPython({ file, source: SOURCE, functionName: 'norm', candidate: candidate(), proof, python: PY }),
      /changed since norm was compiled/,
    );
  });
});

describe('Python generated files: one set per source, and never a file Perf Lab did not write', () => {
  it('my-script.py and my_script.py in one folder get distinct modules, and each runs its own compiled code', { timeout: 600_000 }, async (t) => {
    let python: string;
    try {
      python = (await pythonEnv()).python;
    } catch (e) {
      return t.skip(`the Python environment with Numba could not be made: ${(e as Error).message}`);
    }
    const sub = mkdtempSync(join(dir, 'names-'));
    const runs: { file: string; expected: string; module: string }[] = [];
    for (const [name, k] of [
      ['my-script.py', 3],
      ['my_script.py', 7],
    ] as const) {
      const file = join(sub, name);
      const source = `def f(n):\n    s = 0\n    for i in range(n):\n        s += i * ${k}\n    return s\n\n\nprint(f(10))\n`;
      writeFileSync(file, source);
      const sel = await selectPythonKernel({ python, file, fileName: name, functionName: 'f', params: ['int'] });
      assert.ok(sel.ok, JSON.stringify(!sel.ok && sel.refusal));
      const cand = await compilePython(sel.kernel, 'numba', { python, cacheDir: join(sub, '.cache') });
      const plan = await planApplyPython({ file, source, functionName: 'f', candidate: cand, proof, python });
      await writePlan(plan);
      runs.push({ file, expected: `${45 * k}\n`, module: cand.moduleName });
    }
    assert.notEqual(runs[0]!.module, runs[1]!.module);
    for (const r of runs) {
      // The compiled code runs (its wrapper counts the call), and it is this file's.
      const probe = spawnSync(
        python,
        ['-c', `import runpy; runpy.run_path(${JSON.stringify(r.file)}, run_name="__main__"); import ${r.module} as w; print(w._stats)`],
        { encoding: 'utf8', cwd: sub },
      );
      assert.equal(probe.status, 0, probe.stderr);
      assert.ok(probe.stdout.startsWith(r.expected), `${basename(r.file)} prints ${JSON.stringify(r.expected)}: ${probe.stdout}`);
      assert.match(probe.stdout, /'calls': 1, 'fallbacks': 0/);
    }
  });

  it('refuses to overwrite a file of the user at a generated path, before recording and at apply', async () => {
    const sub = mkdtempSync(join(dir, 'own-'));
    const file = join(sub, 'k.py');
    writeFileSync(file, SOURCE);
    const mine = join(sub, 'k_norm_numba.py');
    writeFileSync(mine, 'print("my own module")\n');
    await assert.rejects(
      planApplyPython({ file, source: SOURCE, functionName: 'norm', candidate: { ...candidate(), dir: sub }, proof, python: PY }),
      /k_norm_numba\.py \(not a file Perf Lab generated\).*never overwrites a file it did not write/,
    );
    assert.equal(readFileSync(mine, 'utf8'), 'print("my own module")\n');
    assert.equal(readFileSync(file, 'utf8'), SOURCE);
    // The check before recording looks at the names the real compile will use.
    const real = join(sub, `${pythonModuleName('k.py', 'norm', 'cython')}_kernel.pyx`);
    writeFileSync(real, '# my own pyx\n');
    await assert.rejects(
      checkPythonApplyClashes({ file, functionName: 'norm', targets: ['numba', 'cython'] }),
      /_kernel\.pyx \(not a file Perf Lab generated\)/,
    );
    await checkPythonApplyClashes({ file, functionName: 'norm', targets: ['numba', 'pybind11'] });
    // A name the rewrite adds, already in the source (an earlier rewrite), is refused before recording too.
    writeFileSync(file, SOURCE + '_norm_numba = None\n');
    await assert.rejects(checkPythonApplyClashes({ file, functionName: 'norm', targets: ['numba'] }), /already uses the name _norm_numba/);
  });

  it('marks its files as generated from the source, and applies again over them', async () => {
    const sub = mkdtempSync(join(dir, 'again-'));
    const file = join(sub, 'k.py');
    writeFileSync(file, SOURCE);
    const cand = { ...candidate(), dir: sub };
    const plan = await planApplyPython({ file, source: SOURCE, functionName: 'norm', candidate: cand, proof, python: PY });
    assert.ok(plan.files.every((f) => !f.replaces));
    await writePlan(plan);
    assert.match(
      readFileSync(join(sub, 'k_norm_numba.py'), 'utf8'),
      /^# Generated by Perf Lab from "k\.py" \(norm\).* perf-lab-generated \{"source":"k\.py","function":"norm","sourceHash":"[0-9a-f]{16}","artifacts":\{\}\}\nraise ImportError/,
    );
    writeFileSync(file, SOURCE);
    const again = await planApplyPython({ file, source: SOURCE, functionName: 'norm', candidate: cand, proof, python: PY });
    assert.ok(again.files.every((f) => f.replaces));
    await writePlan(again);
    const r = spawnSync(PY, [file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '10.0\n');
  });
});

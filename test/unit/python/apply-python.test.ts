// Apply for Python: the plan renames the original to _<fn>_py, adds the new function after it (same parameters, the
// compiled version through its wrapper, the original when the module does not import), writes the generated files
// beside the source, and refuses an unproven candidate or a changed file. The edited script runs on python3 and,
// without the generated module importable, prints what the original printed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { applyTextEdits } from '../../../extension/apply/apply';
import { planApplyPython } from '../../../extension/apply/apply-python';
import type { PythonCandidate } from '../../../extension/compiler/compile-python';
import type { PythonProof } from '../../../extension/prove/prove-python';

const PY = process.env.PERF_LAB_TEST_PYTHON || 'python3';
const dir = mkdtempSync(join(tmpdir(), 'perf-lab-apply-py-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SOURCE = 'import math\n\n\ndef norm(xs, scale):\n    """Euclidean norm."""\n    s = 0.0\n    for x in xs:\n        s += x * x\n    return math.sqrt(s) * scale\n\n\nprint(norm([3.0, 4.0], 2.0))\n';

function candidate(): PythonCandidate {
  return {
    target: 'numba',
    kernel: { name: 'norm', fileName: 'k.py', line: 4, ir: { entry: 'norm', functions: [] }, callees: [], typesFrom: 'recorded calls' },
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
    assert.match(edited, /^def _norm_py\(xs, scale\):\n    """Euclidean norm."""/m);
    assert.match(edited, /try:\n    from k_norm_numba import norm as _norm_numba\nexcept Exception:\n    _norm_numba = None\n\n\ndef norm\(xs, scale\):\n    if _norm_numba is None:\n        return _norm_py\(xs, scale\)\n    return _norm_numba\(_norm_py, xs, scale\)\n/);
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
    await assert.rejects(planApplyPython({ file, source: SOURCE, functionName: 'norm', candidate: candidate(), proof: { ok: false } as PythonProof, python: PY }), /not proven equal/);
    writeFileSync(file, SOURCE + '# edited\n');
    await assert.rejects(planApplyPython({ file, source: SOURCE, functionName: 'norm', candidate: candidate(), proof, python: PY }), /changed since norm was compiled/);
  });
});

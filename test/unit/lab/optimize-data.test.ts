// The Before/After panel's data and the function under the cursor, without an editor.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BenchResult } from '../../../extension/bench/bench';
import { loadTypeScript } from '../../../extension/compiler/frontend-js';
import type { Candidate } from '../../../extension/compiler/compile';
import type { PythonBenchResult } from '../../../extension/bench/bench-python';
import type { PythonCandidate } from '../../../extension/compiler/compile-python';
import { appliedLensAdvice, measuredLensAdvice } from '../../../extension/lab/optimize-advice';
import {
  applyNote,
  benchView,
  functionAt,
  optInChoices,
  proofView,
  pythonOptimizeData,
  pythonProofView,
  restoredData,
  sideBySideAdvice,
  targetViews,
  outcomePanel,
  withApplyDecisions,
} from '../../../extension/lab/optimize-data';
import type { Proof } from '../../../extension/prove/prove';
import type { PythonProof } from '../../../extension/prove/prove-python';

const proof: Proof = {
  ok: true,
  cases: 12,
  recordedCases: 4,
  edgeCases: 8,
  skipped: [],
  mismatches: 0,
  compiledCalls: 11,
  fallbacks: 1,
  recordedCompiledCalls: 4,
  fallbackReasons: [{ reason: 'argument 1 is not a Float64Array', count: 1 }],
  vacuous: false,
  comparison: 'bit for bit',
  notes: [],
  durationMs: 5,
};
const bench = (verdict: BenchResult['verdict']): BenchResult => ({
  variants: [
    { name: 'JavaScript', median: 2, mean: 2.1, rme: 1.5, sd: 0.1, min: 1.9, max: 2.5, samples: 100 },
    { name: 'WebAssembly', median: 1, mean: 1.05, rme: 2, sd: 0.05, min: 0.9, max: 1.2, samples: 180 },
  ],
  speedup: { estimate: 2, ci95: [1.9, 2.1], statistic: 'median' },
  verdict,
  recommendation: 'use WebAssembly: 2.00× faster',
  note: 'n',
  callShape: 'c',
  callsPerSample: 1,
  inputs: 4,
  runtimeVersion: 'v20',
});

describe('Before/After data', () => {
  it('prints the counter-example of a failed proof', () => {
    const failed: Proof = {
      ...proof,
      ok: false,
      mismatches: 1,
      reason: 'differs',
      counterexample: {
        args: [new Float64Array([-0]), 2],
        expected: { value: 0 },
        actual: { value: -0 },
        argsAfter: [{ arg: 0, index: 0, expected: 1, actual: 2 }],
        why: 'result',
        foundIn: 'edge',
        label: 'negative zero',
        shrinkSteps: 2,
      },
    };
    const v = proofView(failed, 'f');
    assert.equal(v.counterexample?.call, 'f(Float64Array [-0], 2)');
    assert.equal(v.counterexample?.expected, 'returned 0');
    assert.equal(v.counterexample?.actual, 'returned -0');
    assert.deepEqual(v.counterexample?.argsAfter, ['argument 1 after the call [0]: 1 expected, 2 written']);
    assert.match(v.counterexample!.foundIn, /negative zero/);
    assert.match(applyNote(failed, undefined), /disabled: differs/);
  });

  it('says when applying will not make the program faster', () => {
    assert.match(applyNote(proof, bench('faster')), /Undo reverts/);
    assert.match(applyNote(proof, bench('not significant')), /will not make the program faster \(no significant difference\)/);
    assert.match(applyNote(proof, bench('slower')), /will not make the program faster \(WebAssembly measured slower\)/);
    const b = benchView(bench('faster'));
    assert.deepEqual(b.speedup, { estimate: 2, ci95: [1.9, 2.1] });
    assert.equal(b.variants[1]!.name, 'WebAssembly');
    assert.equal(b.targets, undefined);
  });

  it('shows each target against JavaScript when both were measured, and the prediction', () => {
    const r = bench('faster');
    const t = (target: 'wasm' | 'native', name: 'WebAssembly' | 'native', estimate: number) => ({
      target,
      name,
      speedup: { estimate, ci95: [estimate - 0.1, estimate + 0.1] as [number, number], statistic: 'median' as const },
      verdict: 'faster' as const,
      recommendation: '',
      fallbackShare: 0,
    });
    const multi = {
      ...r,
      variants: [...r.variants, { ...r.variants[1]!, name: 'native' as const }],
      targets: [t('wasm', 'WebAssembly', 2), t('native', 'native', 3)],
    };
    const b = benchView(r, multi, 'native ~3×, WebAssembly ~1.6×');
    assert.deepEqual(
      b.targets!.map((x) => [x.name, x.estimate, x.verdict]),
      [
        ['WebAssembly', 2, 'faster'],
        ['native', 3, 'faster'],
      ],
    );
    assert.equal(b.prediction, 'native ~3×, WebAssembly ~1.6×');
    assert.match(applyNote({ ...proof, target: 'native' }, r), /writes the native addon \(\.node\) and its loader beside the file/);
    assert.match(applyNote(proof, r), /writes the WebAssembly module \(\.wasm\) and its loader beside the file/);
  });

  it("puts the model's prediction beside each measured variant", () => {
    const b = benchView(bench('faster'), undefined, 'WebAssembly ~1.6×', { wasm: 1.62, native: Number.NaN });
    assert.deepEqual(b.predicted, { WebAssembly: { speedup: 1.62, text: '~1.6×' } });
  });

  it('gives each target of a side-by-side run its own Apply, or its refusal with the reason', () => {
    const wasm = { target: 'wasm', log: ['binaryen -O3: 321 bytes in 4 ms'] } as unknown as Candidate;
    const native = { target: 'native', log: ['g++ -O3 -ffp-contract=off for Node v20.1.0, ABI 115: built in 900 ms', 'a warning'] } as unknown as Candidate;
    const t = (target: 'wasm' | 'native', name: 'WebAssembly' | 'native', estimate: number, verdict: 'faster' | 'slower' | 'not significant') => ({
      target,
      name,
      speedup: { estimate, ci95: [estimate - 0.1, estimate + 0.1] as [number, number], statistic: 'median' as const },
      verdict,
      recommendation: `use ${name}`,
      fallbackShare: 0,
    });
    const multi = { ...bench('faster'), targets: [t('wasm', 'WebAssembly', 1.1, 'not significant'), t('native', 'native', 2.5, 'faster')] };
    const views = targetViews(
      'f',
      [
        { target: 'wasm', candidate: wasm, proof: { ...proof, target: 'wasm' } },
        { target: 'native', candidate: native, proof: { ...proof, target: 'native' } },
      ],
      multi,
      { wasm: 1.2, native: 3.1 },
    );
    assert.deepEqual(
      views.map((v) => [v.target, v.canApply, v.measured?.estimate, v.predicted?.text]),
      [
        ['wasm', true, 1.1, '~1.2×'],
        ['native', true, 2.5, '~3×'],
      ],
    );
    assert.equal(views[0]!.built, 'binaryen -O3: 321 bytes in 4 ms');
    assert.equal(views[1]!.built, 'g++ -O3 -ffp-contract=off for Node v20.1.0, ABI 115: built in 900 ms');
    assert.match(views[0]!.applyNote, /will not make the program faster/);
    assert.equal(sideBySideAdvice(views), 'use native');

    const refused = targetViews(
      'f',
      [
        { target: 'wasm', candidate: wasm, proof: { ...proof, ok: false, reason: 'results differ on 1 case' } },
        { target: 'native', buildError: 'no C++ compiler: install g++' },
      ],
      undefined,
    );
    assert.deepEqual(
      refused.map((v) => [v.canApply, v.refusal]),
      [
        [false, 'not proven: results differ on 1 case'],
        [false, 'not built: no C++ compiler: install g++'],
      ],
    );
    assert.equal(refused[1]!.proof, undefined);
    assert.equal(
      sideBySideAdvice(refused),
      'keep JavaScript: WebAssembly not proven: results differ on 1 case, native not built: no C++ compiler: install g++',
    );
    const slow = targetViews('f', [{ target: 'wasm', candidate: wasm, proof }], { ...multi, targets: [t('wasm', 'WebAssembly', 0.8, 'slower')] });
    assert.equal(sideBySideAdvice(slow), 'keep JavaScript: WebAssembly slower (0.800×)');
  });

  it('offers the native opt-ins and shows the tolerance and largest error of a proof', () => {
    assert.deepEqual(
      optInChoices(['fast-math']).map((o) => [o.id, o.on]),
      [
        ['march-native', false],
        ['fast-math', true],
        ['threads', false],
      ],
    );
    assert.match(optInChoices([])[1]!.label, /relative 1e-9/);
    const v = proofView({ ...proof, tolerance: { relative: 1e-9, absolute: 1e-12 }, maxError: { relative: 2e-16, absolute: 4e-16 } }, 'f');
    assert.deepEqual(
      [v.tolerance, v.maxError],
      [
        { relative: 1e-9, absolute: 1e-12 },
        { relative: 2e-16, absolute: 4e-16 },
      ],
    );
    assert.equal(proofView(proof, 'f').tolerance, undefined);
  });

  it('shows a panel again after a reload with its numbers and no Apply', () => {
    const data = {
      title: 'Optimize: f',
      file: '/w/f.js',
      functionName: 'f',
      line: 1,
      recording: { calls: 1, totalCalls: 1, recordedAt: '', reused: false },
      built: 'binaryen -O3: 10 bytes in 1 ms',
      proof: proofView(proof, 'f'),
      bench: benchView(bench('faster')),
      canApply: true,
      applyNote: 'Apply writes …',
      targets: [
        { target: 'wasm' as const, name: 'WebAssembly' as const, canApply: true, applyNote: 'Apply writes …' },
        { target: 'native' as const, name: 'native' as const, canApply: false, applyNote: 'not built', refusal: 'not built: no g++' },
      ],
    };
    const r = restoredData(data);
    assert.equal(r.restored, true);
    assert.equal(r.canApply, false);
    assert.deepEqual(
      r.targets!.map((t) => t.canApply),
      [false, false],
    );
    assert.match(r.targets![0]!.applyNote, /Optimize again/);
    assert.equal(r.targets![1]!.applyNote, 'not built', 'a refusal keeps its reason');
    assert.deepEqual(r.bench, data.bench, 'the numbers are kept');
    const applied = restoredData({ ...data, canApply: false, applyNote: 'Applied WebAssembly. Undo …', applied: { summary: 's', files: [] } });
    assert.equal(applied.applyNote, 'Applied WebAssembly. Undo …');
  });

  it("builds a JavaScript run's panel from the flow's outcome, and says so when no target was built", () => {
    const wasm = { target: 'wasm', log: ['binaryen -O3: 321 bytes in 4 ms'] } as unknown as Candidate;
    const outcome = {
      kind: 'done' as const,
      language: 'js' as const,
      recording: { line: 3, calls: [{}, {}], totalCalls: 9, recordedAt: 'then' } as never,
      reused: true,
      source: '',
      runtime: { execPath: 'node', version: 'v20' },
      targets: [{ target: 'wasm' as const, candidate: wasm, proof: { ...proof, target: 'wasm' as const } }] as never,
      chosen: 'wasm' as const,
    };
    const panel = outcomePanel(outcome, { file: '/w/blur.js', functionName: 'blur', optIns: [] });
    assert.equal(panel.chosen, 'wasm');
    assert.equal(panel.data.target, 'wasm');
    assert.deepEqual(panel.data.recording, { calls: 2, totalCalls: 9, recordedAt: 'then', reused: true });
    assert.equal(panel.data.built, 'binaryen -O3: 321 bytes in 4 ms');
    assert.equal(panel.data.canApply, true);
    assert.equal(panel.data.runtime, undefined, 'the interpreter is named for Python runs only');
    assert.throws(
      () =>
        outcomePanel(
          { ...outcome, targets: [{ target: 'wasm', buildError: 'binaryen failed' }] as never },
          { file: '/w/blur.js', functionName: 'blur', optIns: [] },
        ),
      /blur could not be built for any target: WebAssembly: /,
    );
  });

  describe('a Python run', () => {
    const { counterexample: _none, ...shared } = proof;
    const pyProof = (target: PythonProof['target'], ok = true): PythonProof => ({
      ...shared,
      target,
      ok,
      ...(ok ? {} : { reason: 'results differ on 1 case', mismatches: 1 }),
    });
    const cand = (target: PythonCandidate['target'], first: string) => ({ target, moduleName: `_pl_f_${target}`, log: [first] }) as unknown as PythonCandidate;
    const variant = (name: 'Python' | 'Numba' | 'Cython' | 'pybind11', median: number) => ({
      name,
      median,
      mean: median,
      rme: 1,
      sd: 0.01,
      min: median,
      max: median,
      samples: 50,
    });
    const cmp = (target: 'numba' | 'pybind11', name: 'Numba' | 'pybind11', estimate: number, verdict: 'faster' | 'slower' | 'not significant') => ({
      target,
      name,
      speedup: { estimate, ci95: [estimate * 0.9, estimate * 1.1] as [number, number], statistic: 'median' as const },
      verdict,
      recommendation: `use ${name}: ${estimate}× faster`,
      fallbackShare: 0,
    });
    const bench: PythonBenchResult = {
      variants: [variant('Python', 60), variant('Numba', 1), variant('pybind11', 1.5)],
      targets: [cmp('numba', 'Numba', 60, 'faster'), cmp('pybind11', 'pybind11', 40, 'faster')],
      note: 'n',
      callShape: 'c',
      inputs: 4,
      runtimeVersion: 'Python 3.11.2',
    };
    const run = {
      file: '/w/pairwise.py',
      functionName: 'pairwise',
      line: 7,
      recording: { calls: 4, totalCalls: 4, recordedAt: 'then', reused: false },
      runtime: 'Python 3.11.2 (/venv/bin/python, perfLab.pythonPath)',
      outcomes: [
        { target: 'numba' as const, candidate: cand('numba', 'Numba (numba 0.60.0, Python 3.11.2): _pl_f_numba.py'), proof: pyProof('numba') },
        { target: 'cython' as const, buildError: 'Cython is not installed in /venv/bin/python: pip install Cython' },
        {
          target: 'pybind11' as const,
          candidate: cand('pybind11', 'pybind11 (pybind11 2.13.6, Python 3.11.2): _pl_f_pybind11.py'),
          proof: pyProof('pybind11'),
        },
      ],
      bench,
    };

    it('shows CPython against each target, the fastest proven one chosen, and no prediction', () => {
      const { data, targets } = pythonOptimizeData(run);
      assert.equal(data.baseline, 'CPython');
      assert.equal(data.runtime, run.runtime);
      assert.deepEqual(
        data.bench!.variants.map((v) => [v.name, v.median]),
        [
          ['CPython', 60],
          ['Numba', 1],
          ['pybind11', 1.5],
        ],
      );
      assert.deepEqual(
        data.bench!.targets!.map((t) => [t.name, t.estimate, t.verdict]),
        [
          ['Numba', 60, 'faster'],
          ['pybind11', 40, 'faster'],
        ],
      );
      assert.equal(data.bench!.predicted, undefined, 'the break-even model predicts nothing for Python');
      assert.equal(data.bench!.prediction, undefined);
      assert.deepEqual(data.bench!.speedup, { estimate: 60, ci95: [54, 66] });
      assert.equal(data.target, 'numba');
      assert.equal(data.canApply, true);
      assert.match(data.applyNote, /writes the Numba module beside the file .* Undo reverts/);
      assert.deepEqual(
        targets.map((t) => [t.target, t.name, t.canApply, t.measured?.estimate, t.predicted]),
        [
          ['numba', 'Numba', true, 60, undefined],
          ['cython', 'Cython', false, undefined, undefined],
          ['pybind11', 'pybind11', true, 40, undefined],
        ],
      );
      assert.equal(targets[1]!.refusal, 'not built: Cython is not installed in /venv/bin/python: pip install Cython');
      assert.equal(targets[0]!.built, 'Numba (numba 0.60.0, Python 3.11.2): _pl_f_numba.py');
      assert.equal(data.targets, targets);
      assert.equal(data.recommendation, 'use Numba: 60× faster');
      assert.deepEqual(
        restoredData(data).targets!.map((t) => t.canApply),
        [false, false, false],
      );
      const lens = measuredLensAdvice(targets, 'Python')!;
      assert.equal(lens.title, 'Numba 60.0× measured');
      assert.match(lens.tooltip, /^Measured by the last Optimize run against Python: Numba 60\.0× \(95% CI 54\.0×–66\.0×, faster\), pybind11 40\.0×/);
      assert.match(appliedLensAdvice(targets[2]!).tooltip, /calls its pybind11 version/);
      const slow = targets.map((t) => (t.measured ? { ...t, measured: { ...t.measured, verdict: 'not significant' as const } } : t));
      assert.match(measuredLensAdvice(slow, 'Python')!.title, /^keep Python: Numba measured 60\.0×/);
    });

    it("is the panel the editor shows for the flow's outcome, with the interpreter named and the chosen target", () => {
      const outcome = {
        kind: 'done' as const,
        language: 'python' as const,
        recording: { line: 7, calls: [{}, {}, {}, {}], totalCalls: 4, recordedAt: 'then' } as never,
        reused: false,
        source: '',
        runtime: { execPath: '/venv/bin/python', version: '3.11.2' },
        targets: run.outcomes as never,
        bench,
        chosen: 'numba' as const,
      };
      const panel = outcomePanel(outcome, { file: run.file, functionName: 'pairwise', optIns: [], runtimeFrom: 'perfLab.pythonPath' });
      assert.deepEqual(panel.data, withApplyDecisions(pythonOptimizeData({ ...run, chosen: 'numba' }).data, outcome));
      assert.equal(panel.chosen, 'numba');
      assert.equal(panel.targets, panel.data.targets);
    });

    it('keeps Python when nothing is proven, with each reason', () => {
      const { data, targets } = pythonOptimizeData({
        ...run,
        outcomes: [{ target: 'numba', candidate: cand('numba', 'n'), proof: pyProof('numba', false) }, run.outcomes[1]!],
        bench: undefined,
      });
      assert.equal(data.bench, undefined);
      assert.equal(data.canApply, false);
      assert.equal(data.proof.ok, false);
      assert.deepEqual(
        targets.map((t) => t.refusal),
        ['not proven: results differ on 1 case', 'not built: Cython is not installed in /venv/bin/python: pip install Cython'],
      );
      assert.match(data.recommendation!, /^keep Python: Numba not proven: results differ on 1 case, Cython not built/);
      assert.match(applyNote({ ...pyProof('pybind11'), ok: true }, { verdict: 'slower' }), /pybind11 measured slower\): keeping Python is the better choice/);
    });

    it('prints a Python counter-example as Python does', () => {
      const v = pythonProofView(
        {
          ...pyProof('numba', false),
          counterexample: {
            args: ['[0.0, -0.0]', '2'],
            expected: '0.0',
            actual: '-0.0',
            argsAfter: [{ arg: 0, index: 1, expected: '-0.0', actual: '0.0' }],
            why: 'result',
            foundIn: 'edge',
            label: 'signed zeros',
            shrinkSteps: 1,
          },
        },
        'f',
      );
      assert.deepEqual(v.counterexample, {
        call: 'f([0.0, -0.0], 2)',
        expected: '0.0',
        actual: '-0.0',
        argsAfter: ['argument 1 after the call [1]: -0.0 expected, 0.0 written'],
        foundIn: 'the edge case "signed zeros"',
      });
    });
  });

  it('finds the top-level function around the cursor', async () => {
    const ts = await loadTypeScript();
    const src = 'const k = 2;\nfunction a(x) {\n  return x * k;\n}\nexport const b = (y: number): number => {\n  return y + 1;\n};\nconsole.log(a(1));\n';
    assert.deepEqual(functionAt(ts, src, 'f.ts', src.indexOf('x * k')), { name: 'a', line: 2 });
    assert.deepEqual(functionAt(ts, src, 'f.ts', src.indexOf('y + 1')), { name: 'b', line: 5 });
    assert.equal(functionAt(ts, src, 'f.ts', src.indexOf('console')), undefined);
  });
});

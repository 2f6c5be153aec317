// Apply's one rule (optimize/apply-step.ts applyDecision), which the command line's --apply and the editor's panel
// follow: proven, and the whole program significantly faster with the same output; else the reason, and whether
// "Apply anyway" (--force) may override it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WholeProgramResult } from '../../../extension/bench/whole-program';
import { withApplyDecisions } from '../../../extension/lab/optimize-data';
import { applyDecision } from '../../../extension/optimize/apply-step';
import type { OptimizeOutcome } from '../../../extension/optimize/optimize';
import type { OptimizeData } from '../../../extension/protocol';

type Done = Extract<OptimizeOutcome, { kind: 'done' }>;

function outcome(opts: { proven?: boolean; perCall?: 'faster' | 'slower' | 'not significant'; whole?: WholeProgramResult }): Done {
  const target = {
    target: 'wasm' as const,
    status: 'benchmarked' as const,
    proof: { ok: opts.proven ?? true } as never,
    ...(opts.perCall ? { measured: { verdict: opts.perCall } as never } : {}),
  };
  return {
    kind: 'done',
    language: 'js',
    recording: {} as never,
    reused: false,
    source: '',
    runtime: { execPath: 'node', version: 'v20' },
    targets: [target],
    chosen: 'wasm',
    ...(opts.whole ? { wholeProgram: { ...opts.whole, target: 'wasm' as const } } : {}),
  };
}

function whole(verdict: 'faster' | 'slower' | 'not significant', estimate: number, ci95: [number, number], changed?: string): WholeProgramResult {
  return {
    measured: true,
    before: [1, 1, 1, 1, 1],
    after: [1, 1, 1, 1, 1],
    speedup: { estimate, ci95 },
    verdict,
    firstAfterMs: 1,
    notes: [],
    ...(changed ? { changed } : {}),
  };
}

describe('apply decision', () => {
  it('applies a proven rewrite that makes the whole program significantly faster, even when a call measured slower', () => {
    assert.deepEqual(applyDecision(outcome({ perCall: 'slower', whole: whole('faster', 1.3, [1.2, 1.4]) }), 'wasm'), { ok: true });
  });

  it('refuses, overridably, a rewrite the whole program does not gain from, with the interval', () => {
    const slower = applyDecision(outcome({ perCall: 'faster', whole: whole('slower', 0.66, [0.52, 0.83]) }), 'wasm');
    assert.equal(slower.ok, false);
    assert.ok(!slower.ok && slower.overridable);
    assert.match(!slower.ok ? slower.reason : '', /^the program as a whole runs slower with the WebAssembly version: 0\.66\d*× \(95% CI 0\.5\d*×–0\.8\d*×\)$/);
    const same = applyDecision(outcome({ perCall: 'faster', whole: whole('not significant', 1.02, [0.9, 1.1]) }), 'wasm');
    assert.match(!same.ok ? same.reason : '', /^the program as a whole is not measurably faster with the WebAssembly version/);
  });

  it('refuses a rewrite whose program prints something else; never applies an unproven one', () => {
    const changed = applyDecision(
      outcome({ whole: whole('faster', 2, [1.8, 2.2], 'the program prints something else after the rewrite (line 1: "1" became "2")') }),
      'wasm',
    );
    assert.match(!changed.ok ? changed.reason : '', /prints something else/);
    const unproven = applyDecision(outcome({ proven: false, perCall: 'faster' }), 'wasm');
    assert.deepEqual(unproven, { ok: false, reason: 'the WebAssembly version is not proven equal to the original', overridable: false });
  });

  it('lets the function-level benchmark decide when the whole program was not measured, and says so', () => {
    const measuredNot: WholeProgramResult = { measured: false, reason: 'a TypeScript program runs through a bundler' };
    const ok = applyDecision(outcome({ perCall: 'faster', whole: measuredNot }), 'wasm');
    assert.deepEqual(ok, {
      ok: true,
      note: 'the whole program was not measured: a TypeScript program runs through a bundler; the function-level benchmark measured it faster',
    });
    const no = applyDecision(outcome({ perCall: 'not significant' }), 'wasm');
    assert.match(
      !no.ok ? no.reason : '',
      /^the function-level benchmark did not measure the WebAssembly version faster, and the whole program was not measured$/,
    );
  });

  it('the panel keeps "Apply anyway" with the reason, and shows the whole program', () => {
    const data = { target: 'wasm', canApply: true, applyNote: '' } as OptimizeData;
    const decided = withApplyDecisions(data, outcome({ perCall: 'faster', whole: whole('slower', 0.5, [0.4, 0.6]) }));
    assert.match(decided.applyBlocked ?? '', /runs slower/);
    assert.equal(decided.wholeProgram?.verdict, 'slower');
    assert.equal(decided.wholeProgram?.runs, 5);
    const fine = withApplyDecisions(data, outcome({ perCall: 'slower', whole: whole('faster', 1.5, [1.4, 1.6]) }));
    assert.equal(fine.applyBlocked, undefined);
    assert.equal(fine.outlook, undefined, 'no prediction without a timed recording');
    // The prediction made before anything was built is shown beside the measurement, in the command line's words.
    const outlook = { calls: 10, runMs: 1000, functionMs: 20, share: 0.02, bound: 1000 / 980, targets: [], helps: false };
    const told = withApplyDecisions({ ...data, functionName: 'f' }, { ...outcome({ perCall: 'faster' }), outlook });
    assert.match(told.outlook ?? '', /^This would not help: f is 2% of the recorded run .*at most 1\.02× for the whole program/);
  });
});

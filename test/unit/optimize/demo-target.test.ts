// The recipe in docs/architecture.md ("Adding a target") followed for a trivial target: "JavaScript copied verbatim"
// (compiler/backend-js-copy.ts and its registry entry in targets.ts, nothing else). It goes through the one optimize
// flow — record, select, compile, prove, bench — and through Apply on a copy of examples/hot-helper.js, and the
// rewritten program prints what the original printed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { planApply, writePlan } from '../../../extension/apply/apply';
import type { JsCandidate } from '../../../extension/compiler/compile';
import { optimize, optimizeRequest, type OptimizeEvent } from '../../../extension/optimize/optimize';
import type { Proof } from '../../../extension/prove/prove';
import { registerTestTarget, targetsFor } from '../../../extension/targets';

const root = join(__dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'perf-lab-demo-target-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('a target added by the recipe: JavaScript copied verbatim', () => {
  const file = join(dir, 'hot-helper.js');
  copyFileSync(join(root, 'examples', 'hot-helper.js'), file);
  const store = join(dir, 'store');
  const run = () => execFileSync(process.execPath, [file, '4096', '20'], { encoding: 'utf8' });
  const before = run();

  it('is not a target until a test registers it', () => {
    assert.deepEqual(targetsFor('js', 'js-copy'), ['wasm']);
    assert.deepEqual(targetsFor('js', 'auto'), ['wasm', 'native']);
    registerTestTarget();
    assert.deepEqual(targetsFor('js', 'js-copy'), ['js-copy']);
  });

  it('goes through record, prove and bench in optimize(), then Apply writes its loader and the program still works', async () => {
    registerTestTarget();
    const request = optimizeRequest({ file, functionName: 'checksum', target: 'js-copy', programArgs: ['512', '6'], timeMs: 100, store, willApply: true });
    assert.deepEqual(request.targets, ['js-copy']);
    const events: OptimizeEvent['type'][] = [];
    const outcome = await optimize(request, { events: (e) => events.push(e.type) });
    assert.equal(outcome.kind, 'done');
    if (outcome.kind !== 'done') return;
    for (const e of ['recording', 'recorded', 'compiled', 'proved', 'benchmarking', 'benchmarked'] as const)
      assert.ok(events.includes(e), `${e} in ${events.join(', ')}`);

    const [result] = outcome.targets;
    assert.equal(result?.target, 'js-copy');
    assert.equal(result.status, 'benchmarked');
    const proof = result.proof as Proof;
    assert.equal(proof.ok, true, proof.reason);
    assert.equal(proof.target, 'js-copy');
    assert.ok(proof.recordedCompiledCalls > 0 && proof.fallbacks === 0, 'the proof ran the copy on the recorded calls');
    assert.equal(result.measured?.name, 'JavaScript copy');
    assert.equal(outcome.chosen, 'js-copy');

    const plan = await planApply({ file, source: outcome.source, functionName: 'checksum', candidate: result.candidate as JsCandidate, proof });
    assert.deepEqual(
      plan.files.map((f) => [f.path, f.role]),
      [[join(dir, 'hot-helper.js.checksum.js-copy.cjs'), 'loader']],
    );
    assert.match(plan.summary, /^checksum in hot-helper\.js now runs hot-helper\.js\.checksum\.js-copy\.cjs; the original stays in the file as checksum\$js/);
    await writePlan(plan);
    assert.ok(existsSync(join(dir, 'hot-helper.js.checksum.js-copy.cjs')));
    const rewritten = readFileSync(file, 'utf8');
    assert.match(
      rewritten,
      /function checksum\(bytes\) \{\n {2}return \(checksum\$js_copy \|\| \(checksum\$js_copy = require\('\.\/hot-helper\.js\.checksum\.js-copy\.cjs'\)\.bind\(checksum\$js\)\)\)\(bytes\);\n\}/,
    );
    assert.equal(run(), before);
    // The loader keeps the contract of the real ones: bind, stats, loadError.
    const loader = createRequire(__filename)(join(dir, 'hot-helper.js.checksum.js-copy.cjs')) as {
      bind: (f: unknown) => (b: Uint8Array) => number;
      stats: { calls: number };
      loadError: unknown;
    };
    assert.equal(loader.loadError, null);
    let fnv = 2166136261;
    for (const b of [1, 2, 3]) fnv = Math.imul(fnv ^ b, 16777619);
    assert.equal(loader.bind(() => -1)(new Uint8Array([1, 2, 3])), fnv >>> 0);
    assert.equal(loader.stats.calls, 1);
  });
});

// The optimize flow as the command line and the editor call it. The editor's command needs VS Code, so what is
// compared is what each entry point hands the one flow: cliOptimizeInput (cli.ts) and editorOptimizeInput
// (lab/optimize-input.ts, the settings the editor reads) give the same request, and optimize() on that request gives
// one outcome, whose targets, proofs, best target and build cache follow the shared rules. It does not drive VS Code:
// the editor's panel building is tested in test/unit/lab/.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cliOptimizeInput } from '../../../extension/cli';
import { editorOptimizeInput } from '../../../extension/lab/optimize-input';
import {
  bestTarget,
  isUnavailable,
  optimize,
  optimizeRequest,
  type AnyBench,
  type OptimizeEvent,
  type OptimizeOutcome,
} from '../../../extension/optimize/optimize';
import { CancelledError, PerfLabError } from '../../../extension/errors';
import { buildCacheDir } from '../../../extension/languages';
import { targetsFor } from '../../../extension/targets';

const root = join(__dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'perf-lab-optimize-flow-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('optimize: one flow for the command line and the editor', () => {
  const file = join(dir, 'hot-helper.js');
  copyFileSync(join(root, 'examples', 'hot-helper.js'), file);
  const store = join(dir, 'store');

  it('both entry points build the same request for the same function and settings', () => {
    const cli = optimizeRequest(
      cliOptimizeInput({ path: file, functionName: 'checksum', programArgs: ['512', '6'], timeMs: 100, timeoutMs: 60_000, store, target: 'auto', apply: true }),
    );
    const editor = optimizeRequest(
      editorOptimizeInput(file, 'checksum', store, { target: 'auto', args: ['512', '6'], timeoutS: 60, benchmarkTimeS: 0.1, nodePath: 'node' }),
    );
    assert.deepEqual(cli, editor);
    assert.deepEqual(cli.targets, ['wasm', 'native']);
    // The same choice names the same targets for either language.
    assert.deepEqual(targetsFor('js', undefined), ['wasm']);
    assert.deepEqual(targetsFor('python', 'native'), ['numba']);
    assert.deepEqual(targetsFor('python', 'auto'), ['numba', 'cython', 'pybind11']);
  });

  it('which build errors leave a target out: a PerfLabError among several targets, never a cancellation or a bug', () => {
    assert.equal(isUnavailable(new PerfLabError('no compiler'), 2), true);
    assert.equal(isUnavailable(new PerfLabError('no compiler'), 1), false);
    assert.equal(isUnavailable(new CancelledError(), 2), false);
    assert.equal(isUnavailable(new TypeError('bug'), 2), false);
  });

  it('runs record → compile → prove → bench → best → predict once, and a second run reuses the recording and the builds', async () => {
    const request = optimizeRequest(
      cliOptimizeInput({ path: file, functionName: 'checksum', programArgs: ['512', '6'], timeMs: 100, timeoutMs: 60_000, store, target: 'auto' }),
    );
    const run = async () => {
      const events: OptimizeEvent['type'][] = [];
      const outcome = await optimize(request, { events: (e) => events.push(e.type) });
      return { outcome, events };
    };
    const first = await run();
    const second = await run();
    const shape = (o: OptimizeOutcome) => {
      assert.equal(o.kind, 'done');
      if (o.kind !== 'done') throw new Error('refused');
      return {
        targets: o.targets.map((t) => [t.target, t.status, t.proof?.ok ?? null]),
        bestIsTheRule: o.best === bestTarget<AnyBench['targets'][number]>(o.bench!)?.target,
        chosenIsProven: o.targets.some((t) => t.target === o.chosen && t.proof?.ok),
      };
    };
    assert.deepEqual(shape(first.outcome), shape(second.outcome));
    assert.deepEqual(
      shape(first.outcome).targets.map((t) => t[0]),
      ['wasm', 'native'],
    );
    assert.equal(shape(first.outcome).bestIsTheRule, true);
    assert.equal(shape(first.outcome).chosenIsProven, true);
    assert.deepEqual(first.events.slice(0, 2), ['recording', 'recorded']);
    assert.equal(second.events[0], 'recording-reused');
    for (const e of ['compiled', 'proved', 'benchmarking', 'benchmarked'] as const) assert.ok(first.events.includes(e), `${e} in ${first.events.join(', ')}`);
    const o = first.outcome as Extract<OptimizeOutcome, { kind: 'done' }>;
    const native = o.targets.find((t) => t.target === 'native');
    if (native?.candidate && native.candidate.target === 'native') {
      assert.ok(native.candidate.addonPath.startsWith(buildCacheDir(store, 'js')), `${native.candidate.addonPath} is in the store's native cache`);
    }
  });
});

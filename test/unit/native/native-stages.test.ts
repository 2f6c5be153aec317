// The native target through the same loop as WebAssembly, for real: one addon built for two examples, proven in
// the proof's child process, benchmarked three ways (JavaScript, WebAssembly, native) in separate processes, and
// applied next to copies of the files, which print the same with the addon, with a damaged one and without one.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { applyTextEdits, planApply, writePlan } from '../../../extension/apply/apply';
import { benchTargets } from '../../../extension/bench/bench';
import { compileKernel, selectKernel } from '../../../extension/compiler/compile';
import { compileNativeBatch, type NativeCandidate } from '../../../extension/compiler/compile-native';
import type { Kernel, ParamTypeName } from '../../../extension/compiler/frontend-js';
import { record } from '../../../extension/record/record';
import { describeProof, prove } from '../../../extension/prove/prove';

const ROOT = resolve(__dirname, '..', '..', '..');
const HOOK = join(ROOT, 'test', 'fixtures', 'apply', 'stats-hook.mjs');

const EXAMPLES: { file: string; fn: string; params: ParamTypeName[]; args: string[] }[] = [
  { file: 'blur.js', fn: 'blur', params: ['Uint8Array', 'Uint8Array', 'number', 'number'], args: ['48', '32', '6'] },
  { file: 'mandelbrot.mjs', fn: 'mandelbrot', params: ['Uint8Array', 'number', 'number', 'number'], args: ['40', '30', '50', '2'] },
];

function run(file: string, args: string[], loader: string): { stdout: string; stats: { calls: number; fallbacks: number; reason: string } } {
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(HOOK).href, file, ...args], {
    encoding: 'utf8',
    env: { ...process.env, PERF_LAB_TEST_LOADER: pathToFileURL(loader).href },
    timeout: 60_000,
  });
  assert.equal(r.status, 0, `node ${basename(file)} failed:\n${r.stderr}`);
  const m = /PERF_LAB_STATS (.*)/.exec(r.stderr);
  assert.ok(m, r.stderr);
  return { stdout: r.stdout, stats: JSON.parse(m[1]!) };
}

describe('native target through prove, bench and apply', () => {
  let dir: string;
  const sources: string[] = [];
  const kernels: Kernel[] = [];
  let natives: NativeCandidate[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'perf-lab-native-stages-'));
    for (const ex of EXAMPLES) {
      const source = await readFile(join(ROOT, 'examples', ex.file), 'utf8');
      const sel = await selectKernel({ source, fileName: ex.file, functionName: ex.fn, params: ex.params });
      assert.ok(sel.ok, ex.fn);
      if (!sel.ok) return;
      sources.push(source);
      kernels.push(sel.kernel);
    }
    // One build for both kernels.
    natives = await compileNativeBatch(kernels, { cacheDir: join(dir, 'cache') });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('proves, benchmarks three ways and applies each example', { timeout: 240_000 }, async () => {
    assert.equal(natives.length, 2);
    assert.equal(natives[0]!.addonPath, natives[1]!.addonPath, 'one addon holds both kernels');
    for (const [i, ex] of EXAMPLES.entries()) {
      const native = natives[i]!;
      const original = { source: sources[i]!, fileName: ex.file, functionName: ex.fn };
      const proof = await prove(original, native, undefined, { caseTimeoutMs: 300, maxShrinkCases: 50 });
      assert.ok(proof.ok, describeProof(proof, ex.fn));
      assert.equal(proof.target, 'native');
      assert.ok(proof.compiledCalls > 0);
      assert.match(describeProof(proof, ex.fn), /^Proof \(native\): PROVEN/);
      assert.match(describeProof(proof, ex.fn), /ran {8}native on \d+ cases/);

      // Three variants, each in its own process, from the program's own calls.
      const file = join(dir, ex.file);
      await copyFile(join(ROOT, 'examples', ex.file), file);
      const rec = await record({ file, functionName: ex.fn, args: ex.args });
      const wasm = await compileKernel(kernels[i]!);
      const r = await benchTargets(original, [wasm, native], rec, { timeMs: 150, warmupMs: 50 });
      assert.deepEqual(
        r.variants.map((v) => v.name),
        ['JavaScript', 'WebAssembly', 'native'],
      );
      assert.deepEqual(
        r.targets.map((t) => t.target),
        ['wasm', 'native'],
      );
      for (const t of r.targets) assert.ok(t.speedup.estimate > 0 && t.fallbackShare === 0, `${t.name}: ${JSON.stringify(t)} ${r.note}`);
      assert.match(r.callShape, /the WebAssembly and native versions are never inlined/);

      // Apply: <file>.<fn>.node and its loader beside the file; the same output with the addon, a damaged one, none.
      const before = spawnSync(process.execPath, [file, ...ex.args], { encoding: 'utf8' }).stdout;
      const plan = await planApply({ file, source: original.source, functionName: ex.fn, candidate: native, proof });
      const stem = basename(ex.file).replace(/\./g, '\\.');
      const name = basename(ex.file);
      const ext = ex.file.endsWith('.mjs') ? 'mjs' : 'cjs';
      assert.deepEqual(
        plan.files.map((f) => basename(f.path)),
        [`${name}.${ex.fn}.node`, `${name}.${ex.fn}.node.${ext}`],
      );
      assert.match(plan.summary, new RegExp(`now runs ${stem}\\.${ex.fn}\\.node`));
      await writePlan(plan);
      assert.equal(await readFile(file, 'utf8'), applyTextEdits(original.source, plan.textEdits));
      const loader = plan.files.find((f) => f.role === 'loader')!.path;
      const addon = plan.files.find((f) => f.role === 'addon')!.path;
      const fast = run(file, ex.args, loader);
      assert.equal(fast.stdout, before);
      assert.ok(fast.stats.calls > 0 && fast.stats.fallbacks === 0, JSON.stringify(fast.stats));
      // An addon this Node cannot load (damaged, or built for another platform) falls back to the original.
      await writeFile(addon, 'not an addon');
      const damaged = run(file, ex.args, loader);
      assert.equal(damaged.stdout, before);
      assert.ok(damaged.stats.calls > 0 && damaged.stats.fallbacks === damaged.stats.calls, JSON.stringify(damaged.stats));
      assert.match(damaged.stats.reason, /native addon unavailable/);
      await rm(addon);
      const missing = run(file, ex.args, loader);
      assert.equal(missing.stdout, before);
      assert.equal(missing.stats.fallbacks, missing.stats.calls);
    }
  });

  it('refuses to apply a native candidate whose proof failed or is of the other target', async () => {
    const proof = { ok: false, reason: 'it differs', target: 'native' } as unknown as Parameters<typeof planApply>[0]['proof'];
    await assert.rejects(
      planApply({ file: join(dir, 'blur.js'), source: sources[0]!, functionName: 'blur', candidate: natives[0]!, proof }),
      /its native version is not proven/,
    );
    const wasmProof = { ok: true, target: 'wasm', cases: 1, recordedCases: 0 } as unknown as Parameters<typeof planApply>[0]['proof'];
    await assert.rejects(
      planApply({ file: join(dir, 'blur.js'), source: sources[0]!, functionName: 'blur', candidate: natives[0]!, proof: wasmProof }),
      /the proof is of its WebAssembly version/,
    );
  });
});

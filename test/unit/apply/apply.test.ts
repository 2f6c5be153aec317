// The apply stage on copies of real files: compiled, proven, applied, run with node before and after; the loader's
// statistics show which path ran, and without the .wasm the file falls back to JavaScript with the same output.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { applyTextEdits, moduleFormatOf, planApply, writePlan, type ApplyPlan } from '../../../extension/apply/apply';
import { compile, type Candidate } from '../../../extension/compiler/compile';
import { loadTypeScript, type ParamTypeName } from '../../../extension/compiler/frontend-js';
import { prove, type Proof } from '../../../extension/prove/prove';

const ROOT = resolve(__dirname, '..', '..', '..');
const HOOK = join(ROOT, 'test', 'fixtures', 'apply', 'stats-hook.mjs');

interface Stats {
  calls: number;
  fallbacks: number;
  reason: string;
}

/** Runs a file with node (TypeScript through tsx), optionally with the loader's statistics printed at exit. */
function run(file: string, args: string[], loader?: string): { stdout: string; stats?: Stats } {
  const pre = file.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const hook = loader ? ['--import', pathToFileURL(HOOK).href] : [];
  const r = spawnSync(process.execPath, [...pre, ...hook, file, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...(loader ? { PERF_LAB_TEST_LOADER: pathToFileURL(loader).href } : {}) },
    timeout: 60_000,
  });
  assert.equal(r.status, 0, `node ${basename(file)} failed:\n${r.stderr}`);
  const m = /PERF_LAB_STATS (.*)/.exec(r.stderr);
  return { stdout: r.stdout, ...(m ? { stats: JSON.parse(m[1]!) as Stats } : {}) };
}

interface Prepared {
  file: string;
  source: string;
  candidate: Candidate;
  proof: Proof;
}

async function prepare(dir: string, from: string, functionName: string, params?: ParamTypeName[]): Promise<Prepared> {
  const file = join(dir, basename(from));
  await copyFile(from, file);
  const source = await readFile(file, 'utf8');
  const compiled = await compile({ source, fileName: basename(file), functionName, ...(params ? { params } : {}) });
  assert.ok(compiled.ok, `the compiler should accept ${functionName}: ${JSON.stringify(!compiled.ok && compiled.refusal)}`);
  const proof = await prove({ source, fileName: basename(file), functionName }, compiled.candidate, undefined, { caseTimeoutMs: 300, maxShrinkCases: 50 });
  assert.ok(proof.ok, `the proof of ${functionName} should pass: ${proof.reason}`);
  return { file, source, candidate: compiled.candidate, proof };
}

/** Applies, runs, removes the .wasm, runs again: the same output each time, the wasm path then the fallback. */
async function applyAndRun(p: Prepared, functionName: string, args: string[]): Promise<ApplyPlan> {
  const before = run(p.file, args).stdout;
  assert.ok(before.length > 0);
  const plan = await planApply({ file: p.file, source: p.source, functionName, candidate: p.candidate, proof: p.proof });
  await writePlan(plan);
  const after = await readFile(p.file, 'utf8');
  assert.equal(after, applyTextEdits(p.source, plan.textEdits));

  // No line moves: same count, and every line but the function's first and last is unchanged.
  const a = p.source.split('\n');
  const b = after.split('\n');
  assert.equal(b.length, a.length);
  const changed = a.map((l, i) => (l === b[i] ? -1 : i)).filter((i) => i >= 0);
  assert.ok(changed.length >= 1 && changed.length <= 2, `only the first and last lines of ${functionName} change, got lines ${changed.map((i) => i + 1)}`);

  const loader = plan.files.find((f) => f.role === 'loader')!.path;
  const fast = run(p.file, args, loader);
  assert.equal(fast.stdout, before, 'the rewritten file prints what the original printed');
  assert.ok(fast.stats && fast.stats.calls > 0, `the loader was called: ${JSON.stringify(fast.stats)}`);
  assert.equal(fast.stats.fallbacks, 0, `every call ran WebAssembly: ${JSON.stringify(fast.stats)}`);

  await rm(plan.files.find((f) => f.role === 'wasm')!.path);
  const slow = run(p.file, args, loader);
  assert.equal(slow.stdout, before, 'without the .wasm the file still prints the same');
  assert.ok(slow.stats && slow.stats.calls > 0 && slow.stats.fallbacks === slow.stats.calls, `every call fell back: ${JSON.stringify(slow.stats)}`);
  assert.match(slow.stats.reason, /WebAssembly unavailable/);
  return plan;
}

describe('apply stage', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'perf-lab-apply-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('rewrites a CommonJS file (examples/blur.js) to require its loader', { timeout: 120_000 }, async () => {
    const p = await prepare(dir, join(ROOT, 'examples', 'blur.js'), 'blur', ['Uint8Array', 'Uint8Array', 'number', 'number']);
    const plan = await applyAndRun(p, 'blur', ['64', '48', '30']);
    assert.equal(plan.format, 'cjs');
    assert.deepEqual(plan.files.map((f) => basename(f.path)), ['blur.blur.wasm', 'blur.blur.wasm.cjs']);
    const text = await readFile(p.file, 'utf8');
    assert.match(text, /function blur\(src, dst, width, height\) \{ return \(blur\$wasm \|\| \(blur\$wasm = require\('\.\/blur\.blur\.wasm\.cjs'\)\.bind\(blur\$js\)\)\)\(src, dst, width, height\); \} function blur\$js\(/);
    assert.match(plan.summary, /blur\$js/);
  });

  it('rewrites an ES module (examples/mandelbrot.mjs) to import its loader, keeping the export', { timeout: 120_000 }, async () => {
    const p = await prepare(dir, join(ROOT, 'examples', 'mandelbrot.mjs'), 'mandelbrot', ['Uint8Array', 'number', 'number', 'number']);
    const plan = await applyAndRun(p, 'mandelbrot', ['40', '30', '50', '3']);
    assert.equal(plan.format, 'esm');
    assert.deepEqual(plan.files.map((f) => basename(f.path)), ['mandelbrot.mandelbrot.wasm', 'mandelbrot.mandelbrot.wasm.mjs']);
    const text = await readFile(p.file, 'utf8');
    assert.match(text, /export function mandelbrot\(out, width, height, maxIter\) \{ return /);
    assert.match(text, /import \{ bind as mandelbrot\$bind \} from '\.\/mandelbrot\.mandelbrot\.wasm\.mjs';/);
  });

  it('rewrites a TypeScript file with a .cjs loader and its .d.cts, and the result type-checks', { timeout: 120_000 }, async () => {
    const p = await prepare(dir, join(ROOT, 'test', 'fixtures', 'apply', 'smooth.ts'), 'smooth');
    const plan = await applyAndRun(p, 'smooth', []);
    assert.equal(plan.format, 'ts');
    assert.deepEqual(plan.files.map((f) => basename(f.path)), ['smooth.smooth.wasm', 'smooth.smooth.wasm.cjs', 'smooth.smooth.wasm.d.cts']);
    const ts = await loadTypeScript();
    for (const moduleResolution of [ts.ModuleResolutionKind.Node10, ts.ModuleResolutionKind.Bundler, ts.ModuleResolutionKind.NodeNext]) {
      const module = moduleResolution === ts.ModuleResolutionKind.NodeNext ? ts.ModuleKind.NodeNext : ts.ModuleKind.ESNext;
      const program = ts.createProgram([p.file], { noEmit: true, strict: true, target: ts.ScriptTarget.ES2022, module, moduleResolution, types: [], lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'] });
      const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      assert.deepEqual(problems, [], `type errors with moduleResolution ${ts.ModuleResolutionKind[moduleResolution]}`);
    }
  });

  it('refuses a candidate whose proof failed, and a file that was already rewritten', { timeout: 120_000 }, async () => {
    const sub = await mkdtemp(join(dir, 'refuse-'));
    const p = await prepare(sub, join(ROOT, 'examples', 'blur.js'), 'blur', ['Uint8Array', 'Uint8Array', 'number', 'number']);
    const failed: Proof = { ...p.proof, ok: false, reason: 'The candidate differs from the original on 1 of 9 cases.' };
    await assert.rejects(planApply({ file: p.file, source: p.source, functionName: 'blur', candidate: p.candidate, proof: failed }), /not proven equal.*differs/);
    const plan = await planApply({ file: p.file, source: p.source, functionName: 'blur', candidate: p.candidate, proof: p.proof });
    const applied = applyTextEdits(p.source, plan.textEdits);
    await assert.rejects(planApply({ file: p.file, source: applied, functionName: 'blur', candidate: p.candidate, proof: p.proof }), /already uses the name blur\$js/);
    // A file that changed after planning is not written.
    await writeFile(p.file, p.source + '\n// edited\n');
    await assert.rejects(writePlan(plan), /changed since/);
  });

  it('reads the module format as Node.js does', async () => {
    const ts = await loadTypeScript();
    const sub = await mkdtemp(join(dir, 'format-'));
    assert.equal(await moduleFormatOf(ts, join(sub, 'a.mjs'), ''), 'esm');
    assert.equal(await moduleFormatOf(ts, join(sub, 'a.cjs'), 'export {}'), 'cjs');
    assert.equal(await moduleFormatOf(ts, join(sub, 'a.js'), 'export function f() {}'), 'esm');
    assert.equal(await moduleFormatOf(ts, join(sub, 'a.js'), "const x = require('x');"), 'cjs');
    await writeFile(join(sub, 'package.json'), '{"type":"module"}');
    assert.equal(await moduleFormatOf(ts, join(sub, 'a.js'), "const x = 1;"), 'esm');
  });
});

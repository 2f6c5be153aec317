// The apply stage on copies of real files: compiled, proven, applied, run with node before and after; the loader's
// statistics show which path ran, and without the .wasm the file falls back to JavaScript with the same output.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { applyTextEdits, checkApplyClashes, moduleFormatOf, planApply, writePlan, type ApplyPlan } from '../../../extension/apply/apply';
import { compile, selectKernel, type Candidate } from '../../../extension/compiler/compile';
import { compileNative } from '../../../extension/compiler/compile-native';
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

/**
 * Applies, runs, removes the .wasm, runs again: the same output each time, the wasm path then the fallback. A method
 * or nested function may also change the last line of its class (the cache of the bound function is declared
 * after it) or of the top-level statement around it (an ES module's import): `lines` 3. A top-level declaration changes its
 * first line (its new name) and adds its new function after the last line.
 */
async function applyAndRun(p: Prepared, functionName: string, args: string[], lines = 2): Promise<ApplyPlan> {
  const before = run(p.file, args).stdout;
  assert.ok(before.length > 0);
  const plan = await planApply({ file: p.file, source: p.source, functionName, candidate: p.candidate, proof: p.proof });
  await writePlan(plan);
  const after = await readFile(p.file, 'utf8');
  assert.equal(after, applyTextEdits(p.source, plan.textEdits));

  // No line moves: every line but the function's first and last is unchanged, and where it was; a top-level function
  // declaration adds its new function (a comment, the import, the cache and three lines) after the last line.
  const a = p.source.replace(/\n$/, '').split('\n');
  const b = after.replace(/\n$/, '').split('\n');
  assert.ok(b.length >= a.length && b.length <= a.length + 8, `${b.length - a.length} lines added`);
  const changed = a.map((l, i) => (l === b[i] ? -1 : i)).filter((i) => i >= 0);
  assert.ok(changed.length >= 1 && changed.length <= lines, `only the first and last lines of ${functionName} change, got lines ${changed.map((i) => i + 1)}`);

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

/** Type-checks a rewritten TypeScript file (strict) under each module resolution a project may use. */
async function assertTypeChecks(file: string): Promise<void> {
  const ts = await loadTypeScript();
  for (const moduleResolution of [ts.ModuleResolutionKind.Node10, ts.ModuleResolutionKind.Bundler, ts.ModuleResolutionKind.NodeNext]) {
    const module = moduleResolution === ts.ModuleResolutionKind.NodeNext ? ts.ModuleKind.NodeNext : ts.ModuleKind.ESNext;
    const program = ts.createProgram([file], {
      noEmit: true,
      strict: true,
      target: ts.ScriptTarget.ES2022,
      module,
      moduleResolution,
      types: [],
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    assert.deepEqual(problems, [], `type errors with moduleResolution ${ts.ModuleResolutionKind[moduleResolution]}`);
  }
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
    assert.deepEqual(
      plan.files.map((f) => basename(f.path)),
      ['blur.js.blur.wasm', 'blur.js.blur.wasm.cjs'],
    );
    const text = await readFile(p.file, 'utf8');
    const before = await readFile(join(ROOT, 'examples', 'blur.js'), 'utf8');
    // The original keeps its lines under its new name; the new function is written out after the file's last line.
    assert.match(text, /^function blur\$js\(src, dst, width, height\) \{$/m);
    assert.ok(text.startsWith(before.replace('function blur(', 'function blur$js(')), 'every line of the file stays where it was');
    assert.match(
      text.slice(before.length),
      /\nvar blur\$wasm;\nfunction blur\(src, dst, width, height\) \{\n {2}return \(blur\$wasm \|\| \(blur\$wasm = require\('\.\/blur\.js\.blur\.wasm\.cjs'\)\.bind\(blur\$js\)\)\)\(src, dst, width, height\);\n\}\n$/,
    );
    assert.match(plan.summary, /blur\$js/);
  });

  it('rewrites an ES module (examples/mandelbrot.mjs) to import its loader, keeping the export', { timeout: 120_000 }, async () => {
    const p = await prepare(dir, join(ROOT, 'examples', 'mandelbrot.mjs'), 'mandelbrot', ['Uint8Array', 'number', 'number', 'number']);
    const plan = await applyAndRun(p, 'mandelbrot', ['40', '30', '50', '3']);
    assert.equal(plan.format, 'esm');
    assert.deepEqual(
      plan.files.map((f) => basename(f.path)),
      ['mandelbrot.mjs.mandelbrot.wasm', 'mandelbrot.mjs.mandelbrot.wasm.mjs'],
    );
    const text = await readFile(p.file, 'utf8');
    // The export moves to the new function; the original stays, private, where it was.
    assert.match(text, /^function mandelbrot\$js\(out, width, height, maxIter\) \{$/m);
    assert.match(text, /\nexport function mandelbrot\(out, width, height, maxIter\) \{\n {2}return /);
    assert.match(text, /import \{ bind as mandelbrot\$bind \} from '\.\/mandelbrot\.mjs\.mandelbrot\.wasm\.mjs';/);
  });

  it('rewrites a TypeScript file with a .cjs loader and its .d.cts, and the result type-checks', { timeout: 120_000 }, async () => {
    const p = await prepare(dir, join(ROOT, 'test', 'fixtures', 'apply', 'smooth.ts'), 'smooth');
    const plan = await applyAndRun(p, 'smooth', []);
    assert.equal(plan.format, 'ts');
    assert.deepEqual(
      plan.files.map((f) => basename(f.path)),
      ['smooth.ts.smooth.wasm', 'smooth.ts.smooth.wasm.cjs', 'smooth.ts.smooth.wasm.d.cts'],
    );
    await assertTypeChecks(p.file);
  });

  it('rewrites a static method and a closure of a TypeScript file where they are, and the result type-checks', { timeout: 240_000 }, async () => {
    const from = join(ROOT, 'test', 'fixtures', 'apply', 'shapes.ts');
    const cases: [string, ParamTypeName[] | undefined, string[] | undefined][] = [
      ['Series.energy', undefined, undefined],
      // The closure's own parameter, then the variables of blurRows it reads (as a recording types them).
      ['blurRows/row', ['number', 'number', 'Float64Array', 'Float64Array', 'double'], ['width', 'dst', 'src', 'third']],
    ];
    for (const [fn, params, captures] of cases) {
      const p = await prepare(await mkdtemp(join(dir, 'shapes-')), from, fn, params);
      assert.deepEqual(p.candidate.kernel.captures, captures);
      await applyAndRun(p, fn, [], 3);
      const text = await readFile(p.file, 'utf8');
      if (fn === 'Series.energy') assert.match(text, /^ {2}static energy\(values: Float64Array, n: number\): number \{ return \(Series_energy\$wasm \|\| /m);
      else {
        assert.match(
          text,
          /^ {2}const row = \(y: number\): number => \{ return \(blurRows_row\$wasm \|\| \(blurRows_row\$wasm = blurRows_row\$bind\(function\(y: number\) \{$/m,
        );
        assert.match(text, /^ {2}\}\)\)\)\(y, width, dst, src, third\); \}; var blurRows_row\$wasm: any;$/m);
      }
      await assertTypeChecks(p.file);
    }
  });

  it('refuses a candidate whose proof failed, and a file that was already rewritten', { timeout: 120_000 }, async () => {
    const sub = await mkdtemp(join(dir, 'refuse-'));
    const p = await prepare(sub, join(ROOT, 'examples', 'blur.js'), 'blur', ['Uint8Array', 'Uint8Array', 'number', 'number']);
    const failed: Proof = { ...p.proof, ok: false, reason: 'The candidate differs from the original on 1 of 9 cases.' };
    await assert.rejects(
      planApply({ file: p.file, source: p.source, functionName: 'blur', candidate: p.candidate, proof: failed }),
      /not proven equal.*differs/,
    );
    const plan = await planApply({ file: p.file, source: p.source, functionName: 'blur', candidate: p.candidate, proof: p.proof });
    const applied = applyTextEdits(p.source, plan.textEdits);
    await assert.rejects(
      planApply({ file: p.file, source: applied, functionName: 'blur', candidate: p.candidate, proof: p.proof }),
      /already uses the name blur\$js/,
    );
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
    assert.equal(await moduleFormatOf(ts, join(sub, 'a.js'), 'const x = 1;'), 'esm');
  });
});

describe('generated files: one set per source, and never a file Perf Lab did not write', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'perf-lab-apply-names-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A source whose f multiplies by `k`, printing f(20). */
  async function source(sub: string, name: string, k: number): Promise<Prepared> {
    const text = name.endsWith('.mjs')
      ? `export function f(x) { return (x * ${k} + 1) | 0; }\nconsole.log(f(20));\n`
      : name.endsWith('.ts')
        ? `export function f(x: number): number { return (x * ${k} + 1) | 0; }\nconsole.log(f(20));\n`
        : `function f(x) { return (x * ${k} + 1) | 0; }\nconsole.log(f(20));\n`;
    const from = join(await mkdtemp(join(dir, 'stage-')), name);
    await writeFile(from, text);
    return prepare(sub, from, 'f', ['number']);
  }

  it('k.js, k.mjs and k.ts in one folder each run their own compiled code', { timeout: 180_000 }, async () => {
    const sub = await mkdtemp(join(dir, 'k-'));
    const sources = [await source(sub, 'k.js', 2), await source(sub, 'k.mjs', 3), await source(sub, 'k.ts', 5)];
    const plans: ApplyPlan[] = [];
    for (const p of sources) {
      const plan = await planApply({ file: p.file, source: p.source, functionName: 'f', candidate: p.candidate, proof: p.proof });
      await writePlan(plan);
      plans.push(plan);
    }
    const names = plans.flatMap((p) => p.files.map((f) => basename(f.path)));
    assert.equal(new Set(names).size, names.length, `no two sources share a generated file: ${names.join(', ')}`);
    for (const [i, k] of [2, 3, 5].entries()) {
      const r = run(sources[i]!.file, [], plans[i]!.files.find((f) => f.role === 'loader')!.path);
      assert.equal(r.stdout, `${20 * k + 1}\n`, `${basename(sources[i]!.file)} runs its own f`);
      assert.ok(r.stats && r.stats.calls > 0 && r.stats.fallbacks === 0, `through WebAssembly: ${JSON.stringify(r.stats)}`);
    }
  });

  it('refuses to overwrite a file of the user at a generated path, and leaves it and the source untouched', { timeout: 120_000 }, async () => {
    const sub = await mkdtemp(join(dir, 'own-'));
    const p = await source(sub, 'small.js', 2);
    const mine = join(sub, 'small.js.f.wasm.cjs');
    await writeFile(mine, '// my own loader\nmodule.exports = 42;\n');
    await assert.rejects(
      planApply({ file: p.file, source: p.source, functionName: 'f', candidate: p.candidate, proof: p.proof }),
      /small\.js\.f\.wasm\.cjs \(not a file Perf Lab generated\).*never overwrites a file it did not write.*Rename or move that file/,
    );
    await assert.rejects(checkApplyClashes({ file: p.file, source: p.source, functionName: 'f', targets: ['wasm'] }), /small\.js\.f\.wasm\.cjs/);
    assert.equal(await readFile(mine, 'utf8'), '// my own loader\nmodule.exports = 42;\n');
    assert.equal(await readFile(p.file, 'utf8'), p.source);
    // A binary of the user's at the .wasm or .node path is not Perf Lab's either.
    await rm(mine);
    await writeFile(join(sub, 'small.js.f.node'), 'not an addon');
    await assert.rejects(
      checkApplyClashes({ file: p.file, source: p.source, functionName: 'f', targets: ['wasm', 'native'] }),
      /small\.js\.f\.node \(not a file Perf Lab generated\)/,
    );
    // A file that appears between the plan and the write is not overwritten either.
    const plan = await planApply({ file: p.file, source: p.source, functionName: 'f', candidate: p.candidate, proof: p.proof });
    await writeFile(join(sub, 'small.js.f.wasm'), 'mine');
    await assert.rejects(writePlan(plan), /small\.js\.f\.wasm \(not a file Perf Lab generated\)/);
    assert.equal(await readFile(join(sub, 'small.js.f.wasm'), 'utf8'), 'mine');
    assert.equal(await readFile(p.file, 'utf8'), p.source);
  });

  it('marks its files as generated from the source, and applies again over them', { timeout: 120_000 }, async () => {
    const sub = await mkdtemp(join(dir, 'again-'));
    const p = await source(sub, 'again.js', 7);
    const plan = await planApply({ file: p.file, source: p.source, functionName: 'f', candidate: p.candidate, proof: p.proof });
    assert.ok(plan.files.every((f) => !f.replaces));
    await writePlan(plan);
    const loader = await readFile(join(sub, 'again.js.f.wasm.cjs'), 'utf8');
    assert.match(
      loader.split('\n')[0]!,
      /^\/\/ Generated by Perf Lab from "again\.js" \(f\).* perf-lab-generated \{"source":"again\.js","function":"f","sourceHash":"[0-9a-f]{16}","artifacts":\{"again\.js\.f\.wasm":"[0-9a-f]{16}"\}\}$/,
    );
    // The .wasm names its source in a custom section the engine reads.
    const wasm = await readFile(join(sub, 'again.js.f.wasm'));
    const section = WebAssembly.Module.customSections(new WebAssembly.Module(wasm), 'perf-lab');
    assert.equal(JSON.parse(new TextDecoder().decode(section[0])).source, 'again.js');
    // The source is restored (say, from version control) while the generated files stay: applying again replaces them.
    await writeFile(p.file, p.source);
    await checkApplyClashes({ file: p.file, source: p.source, functionName: 'f', targets: ['wasm'] });
    const again = await planApply({ file: p.file, source: p.source, functionName: 'f', candidate: p.candidate, proof: p.proof });
    assert.ok(again.files.every((f) => f.replaces));
    await writePlan(again);
    const r = run(p.file, [], join(sub, 'again.js.f.wasm.cjs'));
    assert.equal(r.stdout, '141\n');
    assert.ok(r.stats && r.stats.fallbacks === 0);
    // A Perf Lab file generated from another source is not this source's to replace.
    await writeFile(p.file, p.source);
    await copyFile(join(sub, 'again.js.f.wasm.cjs'), join(sub, 'other.js.f.wasm.cjs'));
    const other = await source(sub, 'other.js', 7);
    await assert.rejects(
      checkApplyClashes({ file: other.file, source: other.source, functionName: 'f', targets: ['wasm'] }),
      /other\.js\.f\.wasm\.cjs \(Perf Lab generated it from again\.js, not from other\.js\)/,
    );
  });

  it('knows its own .node by the hash its loader records, and applies again over it', { timeout: 300_000 }, async () => {
    const sub = await mkdtemp(join(dir, 'native-'));
    const p = await source(sub, 'nat.js', 9);
    const sel = await selectKernel({ source: p.source, fileName: 'nat.js', functionName: 'f', params: ['number'] });
    assert.ok(sel.ok);
    const candidate = await compileNative(sel.kernel, { cacheDir: join(dir, 'native-cache') });
    const proof = await prove({ source: p.source, fileName: 'nat.js', functionName: 'f' }, candidate, undefined, { caseTimeoutMs: 300, maxShrinkCases: 50 });
    assert.ok(proof.ok, proof.reason);
    const plan = await planApply({ file: p.file, source: p.source, functionName: 'f', candidate, proof });
    assert.deepEqual(
      plan.files.map((f) => basename(f.path)),
      ['nat.js.f.node', 'nat.js.f.node.cjs'],
    );
    await writePlan(plan);
    assert.equal(run(p.file, [], join(sub, 'nat.js.f.node.cjs')).stdout, '181\n');
    await writeFile(p.file, p.source);
    const again = await planApply({ file: p.file, source: p.source, functionName: 'f', candidate, proof });
    assert.ok(again.files.every((f) => f.replaces));
    // A .node that is not the one the loader records is not Perf Lab's.
    await writeFile(join(sub, 'nat.js.f.node'), 'changed');
    await assert.rejects(
      planApply({ file: p.file, source: p.source, functionName: 'f', candidate, proof }),
      /nat\.js\.f\.node \(not a file Perf Lab generated\)/,
    );
  });

  it('refuses before recording a source that already uses a name the rewrite adds', async () => {
    const sub = await mkdtemp(join(dir, 'taken-'));
    const file = join(sub, 'taken.js');
    await writeFile(file, 'function f(x) { return x; }\nconst f$js = 1;\n');
    await assert.rejects(checkApplyClashes({ file, functionName: 'f', targets: ['wasm'] }), /already uses the name f\$js/);
  });
});

// The native opt-ins for real: flags, one addon per set of opt-ins built with the compiler, the threaded loops
// run against JavaScript (the same array as source and destination, a bail-out inside a thread), and proofs on
// recorded calls that compare within the tolerance the candidate declares and report the largest error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EXIT_USAGE, main } from '../../../extension/cli';
import { selectKernel } from '../../../extension/compiler/compile';
import { compileNativeBatch } from '../../../extension/compiler/compile-native';
import { extractOriginal } from '../../../extension/compiler/extract-js';
import { loadTypeScript, type Kernel, type ParamTypeName } from '../../../extension/compiler/frontend-js';
import { compareCall, importSource, type Arg } from '../../../extension/fuzz/differential';
import { randomArgs, rng } from '../../../extension/fuzz/inputs';
import { describeProof, prove } from '../../../extension/prove/prove';
import { record } from '../../../extension/record/record';
import { loadNativeKernel } from '../../../native/load-native-kernel';
import { FAST_MATH_TOLERANCE, optInFlags, optInTolerance, parseOptIns } from '../../../native/opt-ins';

const ROOT = resolve(__dirname, '..', '..', '..');
// Threads without OpenMP's dynamic adjustment, so that the parallel loops really run on several threads even on a
// busy test machine (set before any OpenMP runtime is loaded into this process).
process.env.OMP_DYNAMIC = 'false';
const threadCount = () => (existsSync('/proc/self/task') ? readdirSync('/proc/self/task').length : undefined);
const work = mkdtempSync(join(tmpdir(), 'perf-lab-opt-ins-'));
const cacheDir = join(work, 'cache');

async function kernel(source: string, fileName: string, fn: string, params?: ParamTypeName[]): Promise<Kernel> {
  const sel = await selectKernel({ source, fileName, functionName: fn, ...(params ? { params } : {}) });
  if (!sel.ok) throw new Error(`${fn} refused: ${sel.refusal.reason}`);
  return sel.kernel;
}

test('opt-ins map to flags and tolerances; --opt values are checked', () => {
  assert.deepEqual(optInFlags([]), ['-O3', '-ffp-contract=off', '-fno-math-errno']);
  assert.deepEqual(optInFlags(['march-native']), ['-O3', '-ffp-contract=off', '-fno-math-errno', '-march=native']);
  const fast = optInFlags(['fast-math']);
  assert.ok(fast.includes('-fassociative-math') && fast.includes('-ffp-contract=fast') && !fast.includes('-ffp-contract=off'));
  assert.ok(!fast.includes('-ffast-math') && !fast.includes('-ffinite-math-only'), 'NaN and infinities keep their meaning');
  assert.ok(optInFlags(['threads']).includes('-fopenmp'));
  assert.equal(optInTolerance(['threads', 'march-native']), undefined, 'threads and march-native stay exact');
  assert.deepEqual(optInTolerance(['fast-math']), FAST_MATH_TOLERANCE);
  assert.deepEqual(parseOptIns('threads, march-native,threads'), ['march-native', 'threads']);
  assert.throws(() => parseOptIns('march-native,ofast'), /--opt takes a comma-separated list of march-native, fast-math, threads, not "ofast"/);
});

test('perf-lab optimize --opt: unknown opt-ins and opt-ins without native code are usage errors', async () => {
  const run = async (...args: string[]) => {
    let err = '';
    const code = await main(['optimize', join(work, 'none.mjs'), '--fn', 'f', ...args], { out: () => {}, err: (t: string) => (err += t) });
    return { code, err };
  };
  const bad = await run('--target', 'native', '--opt', 'march-native,O4');
  assert.equal(bad.code, EXIT_USAGE);
  assert.match(bad.err, /--opt takes a comma-separated list of march-native, fast-math, threads, not "O4"/);
  const wasm = await run('--opt', 'threads');
  assert.equal(wasm.code, EXIT_USAGE);
  assert.match(wasm.err, /--opt applies to native code: add --target native \(or auto\)/);
});

const ROWS = `
export function rows(src, dst, w, h, off) {
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      dst[i] = src[i] * 0.5 + src[i + off] * 0.25;
    }
  }
}
`;

test("threads: loops run on threads give JavaScript's results, in place too, and a bail-out in a thread falls back", { timeout: 180_000 }, async () => {
  const blurSource = readFileSync(join(ROOT, 'test/fixtures/compiler/blur-f64.mjs'), 'utf8');
  const blur = await kernel(blurSource, 'blur-f64.mjs', 'blur', ['Float64Array', 'Float64Array', 'number', 'number']);
  const rows = await kernel(ROWS, 'rows.mjs', 'rows', ['Float64Array', 'Float64Array', 'number', 'number', 'number']);
  const [cb, cr] = await compileNativeBatch([blur, rows], { cacheDir, optIns: ['threads'] });
  assert.deepEqual(cb!.optIns, ['threads']);
  assert.ok(cb!.flags.includes('-fopenmp'));
  assert.match(cb!.cpp, /#pragma omp parallel for/);
  assert.ok(
    cb!.log.some((l) => /blur: the loop over y runs on threads/.test(l)),
    cb!.log.join('\n'),
  );

  const blurJs = (await import(pathToFileURL(join(ROOT, 'test/fixtures/compiler/blur-f64.mjs')).href)) as { blur: (...a: unknown[]) => void };
  const kb = await loadNativeKernel(cb!.addonPath, cb!.abi, work);
  const fast = kb.bind(blurJs.blur);
  const w = 97,
    h = 61;
  const img = () => Float64Array.from({ length: w * h }, (_, i) => Math.sin(i * 0.37) * 100);
  const expected = new Float64Array(w * h);
  blurJs.blur(img(), expected, w, h);
  const actual = new Float64Array(w * h);
  const before = threadCount();
  fast(img(), actual, w, h);
  assert.deepEqual(actual, expected);
  // The team's other threads stay alive after the loop (Linux: one task each).
  if (before !== undefined && cpus().length > 1) assert.ok(threadCount()! > before, `threads ${before} → ${threadCount()}`);
  // In place (src === dst): each row reads the one above as already blurred, so only a serial run is right.
  const a = img();
  const b = img();
  blurJs.blur(a, a, w, h);
  fast(b, b, w, h);
  assert.deepEqual(b, a);
  assert.equal(kb.stats.fallbacks, 0, kb.stats.reason);

  // rows() reads src[i + off]: with off = 1 the last element, with off = w the last row, reads past the end, in
  // whichever thread runs it.
  const rowsJs = (await import(`data:text/javascript,${encodeURIComponent(ROWS)}`)) as { rows: (...a: unknown[]) => void };
  const kr = await loadNativeKernel(cr!.addonPath, cr!.abi, work);
  const fr = kr.bind(rowsJs.rows);
  for (const off of [0, 1, w]) {
    const src = img();
    const e = new Float64Array(w * h).fill(7);
    const got = new Float64Array(w * h).fill(7);
    rowsJs.rows(src, e, w, h, off);
    fr(src, got, w, h, off);
    assert.deepEqual(got, e, `off ${off}`);
  }
  assert.equal(kr.stats.calls, 3);
  assert.equal(kr.stats.fallbacks, 2, 'the calls that read past the end bail out, restore dst and run JavaScript');
  assert.match(kr.stats.reason, /bailed out/);
});

test("threads: every compiler fixture builds with OpenMP and gives JavaScript's results on its cases and random inputs", { timeout: 240_000 }, async () => {
  const fixtures = join(ROOT, 'test/fixtures/compiler');
  const files = readdirSync(fixtures).filter((f) => /\.(mjs|ts)$/.test(f) && !f.endsWith('.cases.mjs') && f !== 'refusals.ts');
  const kernels: Kernel[] = [];
  const specs: { file: string; source: string; cases: () => Arg[][] }[] = [];
  for (const file of files) {
    const base = file.replace(/\.(mjs|ts)$/, '');
    const source = readFileSync(join(fixtures, file), 'utf8');
    const specPath = existsSync(join(fixtures, `${base}.cases.mjs`)) ? join(fixtures, `${base}.cases.mjs`) : join(fixtures, file);
    const spec = (await import(pathToFileURL(specPath).href)) as { kernel: { name: string; params?: ParamTypeName[] }; cases(): Arg[][] };
    kernels.push(await kernel(source, file, spec.kernel.name, spec.kernel.params));
    specs.push({ file, source, cases: () => spec.cases() });
  }
  const built = await compileNativeBatch(kernels, { cacheDir, optIns: ['threads'] });
  assert.ok(built.some((c) => /runs on threads/.test(c.log.join('\n'))));
  const ts = await loadTypeScript();
  for (const [i, c] of built.entries()) {
    const { file, source, cases } = specs[i]!;
    const mod = await importSource<Record<string, (...a: Arg[]) => unknown>>(extractOriginal(ts, source, file, c.kernel.name, c.kernel.callees));
    const original = mod[c.kernel.name]!;
    const k = await loadNativeKernel(c.addonPath, c.abi, work);
    const compiled = k.bind(original as never) as (...a: Arg[]) => unknown;
    const r = rng(file.length * 104729);
    const inputs = [...cases(), ...Array.from({ length: 200 }, () => randomArgs(r, c.abi.params, undefined, true))];
    const mismatches = inputs.map((args) => compareCall(original, compiled, args)).filter(Boolean);
    assert.deepEqual(mismatches, [], file);
  }
});

const PROGRAM = `
export function shift(a) {
  for (let i = 0; i < a.length; i++) a[i] = (a[i] + 0.1) - 0.1;
}
export function cancel(x) {
  return (x + 1e16) - 1e16;
}
const a = Float64Array.from({ length: 64 }, (_, i) => 0.05 * (i + 1));
for (let r = 0; r < 3; r++) shift(a);
let s = 0;
for (const x of [1, 3, 0.5, 2]) s += cancel(x);
console.log(a[3], s);
`;

test('fast-math: proven within its declared tolerance with the largest error reported, or refused with a counter-example', { timeout: 240_000 }, async () => {
  const file = join(work, 'fast.mjs');
  writeFileSync(file, PROGRAM);
  const source = readFileSync(file, 'utf8');
  const shift = await kernel(source, 'fast.mjs', 'shift', ['Float64Array']);
  const cancel = await kernel(source, 'fast.mjs', 'cancel', ['number']);
  const [exactShift] = await compileNativeBatch([shift, cancel], { cacheDir });
  const [fastShift, fastCancel] = await compileNativeBatch([shift, cancel], { cacheDir, optIns: ['fast-math'] });
  assert.deepEqual(fastShift!.tolerance, FAST_MATH_TOLERANCE);
  assert.equal(exactShift!.tolerance, undefined);
  assert.notEqual(fastShift!.hash, exactShift!.hash, 'other flags, another build');

  const shiftRec = await record({ file, functionName: 'shift' });
  const cancelRec = await record({ file, functionName: 'cancel' });
  const opts = { caseTimeoutMs: 500, maxShrinkCases: 50 };

  const exact = await prove({ source, fileName: 'fast.mjs', functionName: 'shift' }, exactShift!, shiftRec, opts);
  assert.ok(exact.ok, describeProof(exact, 'shift'));
  assert.deepEqual(exact.maxError, { absolute: 0, relative: 0 });
  assert.match(exact.comparison, /bit for bit/);

  // (x + 0.1) - 0.1 folds to x: JavaScript's rounding is lost in the last bit, well within the tolerance.
  const within = await prove({ source, fileName: 'fast.mjs', functionName: 'shift' }, fastShift!, shiftRec, opts);
  const text = describeProof(within, 'shift');
  assert.ok(within.ok, text);
  assert.ok(within.maxError!.absolute > 0 && within.maxError!.absolute <= FAST_MATH_TOLERANCE.absolute, JSON.stringify(within.maxError));
  assert.match(text, /compared {3}within a tolerance of 1e-9 relative \+ 1e-12 absolute/);
  assert.match(text, /max error {2}\S+ absolute, \S+ relative/);

  // (x + 1e16) - 1e16 folds to x: 1 instead of JavaScript's 0, far outside the tolerance.
  const refused = await prove({ source, fileName: 'fast.mjs', functionName: 'cancel' }, fastCancel!, cancelRec, opts);
  assert.equal(refused.ok, false);
  assert.match(refused.reason ?? '', /differs from the original/);
  assert.match(describeProof(refused, 'cancel'), /counter-example/);
});

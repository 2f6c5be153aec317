// The compiler fixtures compiled to one native addon and run against the original JavaScript on their cases
// plus generated edge cases, bit for bit; golden C++ beside each fixture; the bail-out, aliasing and plain-array
// contracts of the native loader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { selectKernel } from '../../../extension/compiler/compile';
import { compileNativeBatch, type NativeCandidate } from '../../../extension/compiler/compile-native';
import { emitCppKernel } from '../../../extension/compiler/backend-cpp';
import { extractOriginal } from '../../../extension/compiler/extract-js';
import { loadTypeScript, type Kernel, type ParamTypeName } from '../../../extension/compiler/frontend-js';
import { formatRefusal } from '../../../extension/compiler/refusal';
import { compareCall, importSource, type Arg, type Mismatch } from '../../../extension/fuzz/differential';
import { randomArgs, rng } from '../../../extension/fuzz/inputs';
import { loadNativeKernel } from '../../../native/load-native-kernel';
import type { LoadedKernel } from '../../../wasm/load-kernel';
import { golden } from '../compiler/golden';

const fixtures = join(__dirname, '../../fixtures/compiler');
const files = readdirSync(fixtures).filter((f) => /\.(mjs|ts)$/.test(f) && !f.endsWith('.cases.mjs') && f !== 'refusals.ts');

interface FixtureModule {
  kernel: { name: string; params?: ParamTypeName[] };
  cases(): Arg[][];
}

type Fn = (...a: Arg[]) => unknown;

/** Extra kernels for the loader's contracts, built into the same addon. */
const EXTRA: Record<string, string> = {
  // Writes `out`, then reads `src` out of range when k >= src.length: the bail-out must leave `out` untouched.
  writeThenBail:
    'export function writeThenBail(out: Float64Array, src: Float64Array, k: number): number { for (let i = 0; i < out.length; i++) out[i] = i * 10; return src[k]! + out[0]!; }',
  shift: 'export function shift(a: Float64Array, b: Float64Array): void { for (let i = 1; i < a.length; i++) b[i] = a[i - 1]! + 1; }',
  scalePlain:
    'export function scalePlain(a: number[], b: number[], s: number): void { for (let i = 0; i < a.length; i++) { a[i] = a[i]! * s; b[i] = b[i]! + 1; } }',
  trig: 'export function trig(a: Float64Array): number { let s = 0; for (let i = 0; i < a.length; i++) s += Math.sin(a[i]!) * Math.exp(a[i]! / 7) + Math.pow(a[i]!, 0.3) + Math.atan2(a[i]!, 3); return s; }',
  lit: 'export function lit(x: number): boolean { return x === 0.1 || x === 1e-310 || x === -2147483648 || x === 4294967295 || x === 9007199254740993; }',
};

let built: Promise<{ candidates: Map<string, NativeCandidate>; sources: Map<string, string>; specs: Map<string, FixtureModule> }> | undefined;

/** Builds every fixture and extra kernel into one addon, once per test file. */
function buildAll() {
  built ??= (async () => {
    const kernels: Kernel[] = [];
    const names: string[] = [];
    const sources = new Map<string, string>();
    const specs = new Map<string, FixtureModule>();
    for (const file of files) {
      const base = file.replace(/\.(mjs|ts)$/, '');
      const source = readFileSync(join(fixtures, file), 'utf8');
      const specPath = existsSync(join(fixtures, `${base}.cases.mjs`)) ? join(fixtures, `${base}.cases.mjs`) : join(fixtures, file);
      const spec = (await import(pathToFileURL(specPath).href)) as FixtureModule;
      const sel = await selectKernel({ source, fileName: file, functionName: spec.kernel.name, ...(spec.kernel.params ? { params: spec.kernel.params } : {}) });
      if (!sel.ok) assert.fail(formatRefusal(sel.refusal));
      kernels.push(sel.kernel);
      names.push(file);
      sources.set(file, source);
      specs.set(file, spec);
    }
    for (const [name, source] of Object.entries(EXTRA)) {
      const sel = await selectKernel({ source, fileName: `${name}.ts`, functionName: name });
      if (!sel.ok) assert.fail(formatRefusal(sel.refusal));
      kernels.push(sel.kernel);
      names.push(name);
      sources.set(name, source);
    }
    const list = await compileNativeBatch(kernels, { cacheDir: mkdtempSync(join(tmpdir(), 'perf-lab-native-cache-')) });
    return { candidates: new Map(list.map((c, i) => [names[i]!, c])), sources, specs };
  })();
  return built;
}

async function originalOf(name: string, c: NativeCandidate, source: string): Promise<Fn> {
  const ts = await loadTypeScript();
  const fileName = name.includes('.') ? name : `${name}.ts`;
  const mod = await importSource<Record<string, Fn>>(extractOriginal(ts, source, fileName, c.kernel.name, c.kernel.callees));
  return mod[c.kernel.name]!;
}

function compareAll(original: Fn, compiled: Fn, inputs: Arg[][]): Mismatch[] {
  const out: Mismatch[] = [];
  for (const args of inputs) {
    const m = compareCall(original, compiled, args);
    if (m) out.push(m);
  }
  return out;
}

for (const file of files) {
  const base = file.replace(/\.(mjs|ts)$/, '');
  test(`native fixture ${file}: golden C++, same results as JavaScript`, async () => {
    const { candidates, sources, specs } = await buildAll();
    const c = candidates.get(file)!;
    golden(join(fixtures, `${base}.cpp`), emitCppKernel(c.kernel.ir, 'kernel').code);
    const original = await originalOf(file, c, sources.get(file)!);
    const k: LoadedKernel = await loadNativeKernel(c.addonPath, c.abi);
    const compiled = k.bind(original as never) as Fn;
    const cases = specs.get(file)!.cases();
    assert.deepEqual(compareAll(original, compiled, cases), []);
    const ran = k.stats.calls - k.stats.fallbacks;
    assert.ok(ran >= cases.length / 2, `only ${ran} of ${cases.length} cases ran native code (${k.stats.reason})`);
    const r = rng(base.length * 7919);
    const edge: Arg[][] = [];
    for (let i = 0; i < 300; i++) edge.push(randomArgs(r, c.abi.params, undefined, true));
    assert.deepEqual(compareAll(original, compiled, edge), []);
  });
}

test('a bail-out after writes restores the typed arrays the kernel wrote, then runs the original', async () => {
  const { candidates, sources } = await buildAll();
  const c = candidates.get('writeThenBail')!;
  assert.equal(c.abi.mayBail, true);
  const original = await originalOf('writeThenBail', c, sources.get('writeThenBail')!);
  let originalCalls = 0;
  const k = await loadNativeKernel(c.addonPath, c.abi);
  const f = k.bind(((...a: Arg[]) => (originalCalls++, original(...a))) as never) as Fn;
  const out = Float64Array.from([1, 2, 3]);
  const src = Float64Array.from([5, 6]);
  assert.equal(f(out, src, 1), 6);
  assert.deepEqual([...out], [0, 10, 20]);
  assert.equal(originalCalls, 0);
  const out2 = Float64Array.from([7, 8, 9]);
  // JavaScript reads src[5] as undefined: NaN. The native code bails, restores out2, and the original runs once.
  assert.ok(Number.isNaN(f(out2, src, 5)));
  assert.equal(originalCalls, 1);
  assert.match(k.stats.reason, /bailed out/);
  assert.deepEqual(
    compareAll(original, f, [
      [Float64Array.from([1, 2]), src, 9],
      [new Float64Array(0), src, 0],
      [out, src, 1.5],
    ]),
    [],
  );
});

test('typed arrays are used in place (with byteOffset); the same array twice is one memory; overlapping views fall back', async () => {
  const { candidates, sources } = await buildAll();
  const c = candidates.get('shift')!;
  const original = await originalOf('shift', c, sources.get('shift')!);
  const k = await loadNativeKernel(c.addonPath, c.abi);
  const f = k.bind(original as never) as Fn;
  const buf = new Float64Array(8).map((_, i) => i);
  const before = k.stats.fallbacks;
  assert.deepEqual(
    compareAll(original, f, [
      [buf, buf],
      [buf.subarray(0, 5), buf.subarray(2, 7)],
      [buf.subarray(0, 3), buf.subarray(4, 7)],
    ]),
    [],
  );
  // compareAll runs the compiled function once per case: only the overlapping pair fell back.
  assert.equal(k.stats.fallbacks - before, 1);
  const whole = new Float64Array(10);
  const view = new Float64Array(whole.buffer, 16, 4);
  f(Float64Array.from([1, 2, 3, 4]), view);
  assert.deepEqual([...whole], [0, 0, 0, 2, 3, 4, 0, 0, 0, 0]);
});

test('plain arrays are converted once and written back; the same array twice stays one array; non-numbers fall back', async () => {
  const { candidates, sources } = await buildAll();
  const c = candidates.get('scalePlain')!;
  const original = await originalOf('scalePlain', c, sources.get('scalePlain')!);
  const k = await loadNativeKernel(c.addonPath, c.abi);
  const f = k.bind(original as never) as Fn;
  const a = [1, 2, 3];
  f(a, a, 2);
  assert.deepEqual(a, [3, 5, 7]);
  assert.equal(k.stats.fallbacks, 0);
  assert.deepEqual(
    compareAll(original, f, [
      [[1, -0, NaN], [0, 0, 0], 3],
      [[1, 2], [1, 2, 3], -0],
      [[], [], 1],
    ]),
    [],
  );
  const holey = [1, 'x' as unknown as number];
  f(holey, [0, 0], 2);
  assert.deepEqual(holey, [2, NaN]);
  assert.match(k.stats.reason, /not a number/);
});

test('host Math functions are called back in JavaScript: exact on awkward inputs', async () => {
  const { candidates, sources } = await buildAll();
  const c = candidates.get('trig')!;
  assert.deepEqual(c.abi.hostMath, ['atan2', 'exp', 'pow', 'sin']);
  const original = await originalOf('trig', c, sources.get('trig')!);
  const k = await loadNativeKernel(c.addonPath, c.abi);
  const f = k.bind(original as never) as Fn;
  const r = rng(42);
  const inputs: Arg[][] = [];
  for (let i = 0; i < 200; i++) inputs.push([Float64Array.from({ length: 16 }, () => (r() - 0.5) * 10 ** Math.floor(r() * 12 - 4))]);
  inputs.push([Float64Array.from([NaN, -0, 0, Infinity, -Infinity, 5e-324, 1e308, 710, -745, Math.PI])]);
  assert.deepEqual(compareAll(original, f, inputs), []);
  assert.equal(k.stats.fallbacks, 0);
});

test('double constants keep their bits in C++ (0.1, subnormals, 2^53 + 1 rounding)', async () => {
  const { candidates, sources } = await buildAll();
  const c = candidates.get('lit')!;
  const original = await originalOf('lit', c, sources.get('lit')!);
  const k = await loadNativeKernel(c.addonPath, c.abi);
  const f = k.bind(original as never) as Fn;
  assert.deepEqual(compareAll(original, f, [[0.1], [1e-310], [-2147483648], [4294967295], [2 ** 53], [0.30000000000000004], [1]]), []);
});

test('the CommonJS loader falls back to the original when the addon is missing', async () => {
  const { writeFileSync } = await import('node:fs');
  const { createRequire } = await import('node:module');
  const { emitNativeLoader } = await import('../../../native/emit-native-loader');
  const { candidates } = await buildAll();
  const c = candidates.get('lit')!;
  const dir = mkdtempSync(join(tmpdir(), 'perf-lab-native-cjs-'));
  const path = join(dir, 'lit.cjs');
  writeFileSync(path, emitNativeLoader(c.abi, { format: 'cjs', addon: './missing.node' }));
  const k = createRequire(path)(path) as LoadedKernel;
  assert.ok(k.loadError);
  const f = k.bind(((x: number) => x === 7) as never) as Fn;
  assert.equal(f(7), true);
  assert.equal(k.stats.fallbacks, 1);
  assert.match(k.stats.reason, /unavailable/);
});

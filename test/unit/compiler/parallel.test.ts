// The independence analysis behind the native `threads` opt-in: which outer loops it runs on threads, which it
// keeps serial and why, and the OpenMP form the C++ backend writes for them (built and run in
// test/unit/native/opt-ins.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { emitCppKernel } from '../../../extension/compiler/backend-cpp';
import { selectKernel } from '../../../extension/compiler/compile';
import type { ParamTypeName } from '../../../extension/compiler/frontend-js';
import { analyzeParallel, describeParallel, MIN_ITERATIONS, type ParallelReport } from '../../../extension/compiler/parallel';
import type { IrModule } from '../../../extension/compiler/ir';

const fixtures = join(__dirname, '../../fixtures/compiler');

async function ir(source: string, functionName: string, params?: ParamTypeName[]): Promise<IrModule> {
  const sel = await selectKernel({ source, fileName: 'k.ts', functionName, ...(params ? { params } : {}) });
  if (!sel.ok) throw new Error(`refused: ${sel.refusal.reason}`);
  return sel.kernel.ir;
}

async function fixture(file: string, fn: string, params: ParamTypeName[]): Promise<ParallelReport> {
  return analyzeParallel(await ir(readFileSync(join(fixtures, file), 'utf8'), fn, params));
}

async function analyze(source: string, fn: string): Promise<ParallelReport> {
  return analyzeParallel(await ir(source, fn));
}

test('image loops and row-at-a-time loops run on threads', async () => {
  const blur = await fixture('blur-f64.mjs', 'blur', ['Float64Array', 'Float64Array', 'number', 'number']);
  assert.deepEqual(
    blur.loops.map((l) => `${l.fn}:${l.counterName}`),
    ['blur:y'],
  );
  assert.deepEqual(blur.serial, []);
  // src and dst are both Float64Arrays: the same array twice keeps the loop on one thread.
  assert.deepEqual(blur.loops[0]!.aliases, [[1, 0]]);
  assert.equal(blur.loops[0]!.minIterations, MIN_ITERATIONS.nested);
  assert.equal(blur.loops[0]!.minus, 1, 'y < h - 1');

  const u8 = await fixture('blur-u8.mjs', 'blur', ['Uint8Array', 'Uint8Array', 'number', 'number']);
  assert.deepEqual(
    u8.loops.map((l) => l.counterName),
    ['y'],
  );
  const mandel = await fixture('mandelbrot.mjs', 'mandelbrot', ['Uint8Array', 'number', 'number', 'number']);
  assert.deepEqual(
    mandel.loops.map((l) => l.counterName),
    ['py'],
  );
  assert.deepEqual(mandel.loops[0]!.aliases, [], 'one array: nothing to check');
  // Every local of the row loop is private to an iteration (zr, zi, k carried only inside the inner loops).
  assert.ok(mandel.loops[0]!.privates.length >= 8);

  const spectral = await fixture('spectral-norm.mjs', 'multiplyAtAv', ['Float64Array', 'Float64Array', 'Float64Array']);
  assert.deepEqual(
    spectral.loops.map((l) => `${l.fn}:${l.counterName}`),
    ['multiplyAv:i', 'multiplyAtv:i'],
  );
  assert.match(describeParallel(spectral), /multiplyAv: the loop over i runs on threads/);
});

test('loops that carry values, scatter writes or call back into JavaScript stay serial, with the reason', async () => {
  const hash = await fixture('hash-i32.mjs', 'hash', ['Int32Array', 'number']);
  assert.deepEqual(hash.loops, []);
  assert.match(hash.serial[0]!.reason, /h carries a value from one iteration to the next/);

  const nbody = await fixture('nbody-step.mjs', 'advance', [
    'Float64Array',
    'Float64Array',
    'Float64Array',
    'Float64Array',
    'Float64Array',
    'Float64Array',
    'Float64Array',
    'number',
  ]);
  assert.equal(nbody.serial.length, 1, 'the pair loop writes vx[j] for later bodies');
  assert.match(nbody.serial[0]!.reason, /vx\[…\] at an index not proven distinct/);
  assert.equal(nbody.loops.length, 1, 'the position update x[i] += dt * vx[i] is independent');
  assert.equal(nbody.loops[0]!.minIterations, MIN_ITERATIONS.flat);

  const cases: [string, string, RegExp][] = [
    ['function f(a: Float64Array) { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]; return s; }', 'f', /s carries a value|s is read after the loop/],
    ['function f(a: Float64Array) { for (let i = 1; i < a.length; i++) a[i] = a[i - 1] + 1; }', 'f', /two different offsets/],
    ['function f(a: Float64Array) { for (let i = 0; i < a.length - 1; i++) { a[i] = 1; a[i + 1] = 2; } }', 'f', /two different offsets/],
    [
      'function f(a: Float64Array, idx: Int32Array) { for (let i = 0; i < idx.length; i++) a[idx[i]] = i; }',
      'f',
      /writes a\[…\] at an index not proven distinct/,
    ],
    ['function f(a: Float64Array) { for (let i = 0; i < a.length; i++) a[i] = Math.sin(i); }', 'f', /Math\.sin, which runs in JavaScript on the main thread/],
    ['function f(a: Float64Array) { for (let i = 0; i < a.length; i++) { if (a[i] < 0) break; a[i] = 1; } }', 'f', /breaks out of the loop/],
    ['function f(a: Float64Array) { for (let i = 0; i < a.length; i++) { if (a[i] < 0) return 1; a[i] = 1; } return 0; }', 'f', /returns from inside the loop/],
    ['function f(a: Float64Array) { let t = 0; for (let i = 0; i < a.length; i++) { t = a[i] * 2; a[i] = t; } return t; }', 'f', /t is read after the loop/],
    ['function f(a: Float64Array) { let i = 0; while (i < a.length) { a[i] = 1; i += 2; } }', 'f', /not a counted loop/],
    ['function f(a: Float64Array) { let n = a.length; for (let i = 0; i < n; i++) { a[i] = 1; n = a.length >> 1; } }', 'f', /bound changes in the loop/],
    [
      'function g(b: Float64Array, i: number) { b[i] = 0; return 1; }\nfunction f(a: Float64Array, b: Float64Array) { for (let i = 0; i < a.length; i++) a[i] = g(b, i); }',
      'f',
      /calls g, which writes b/,
    ],
    // A row loop whose inner counter may run past the row: i * w + x with x < w + 1 reaches the next row.
    [
      'function f(a: Float64Array, w: number, h: number) { for (let y = 0; y < h; y++) { const m = w + 1; for (let x = 0; x < m; x++) a[y * w + x] = 1; } }',
      'f',
      /not proven distinct/,
    ],
  ];
  for (const [source, fn, reason] of cases) {
    const r = await analyze(source, fn);
    assert.deepEqual(r.loops, [], source);
    assert.ok(r.serial.length > 0, source);
    assert.match(r.serial.map((s) => s.reason).join('; '), reason, source);
  }
});

test('element-wise loops, pure helpers and per-iteration scratch values are accepted', async () => {
  const accepted = [
    'function f(a: Float64Array, b: Float64Array) { for (let i = 0; i < a.length; i++) a[i] = a[i] * 2 + b[i]; }',
    'function sq(x: number) { return x * x; }\nfunction f(a: Float64Array) { for (let i = 0; i < a.length; i++) a[i] = sq(a[i]) + 1; }',
    'function f(a: Float64Array, b: Float64Array) { for (let i = 0; i < b.length; i++) { let s = 0; for (let j = 0; j < b.length; j++) s += b[j] * j; a[i] = s; } }',
    'function f(a: Float64Array, b: Float64Array) { for (let i = 2; i < a.length; i++) { a[i - 2] = b[i] + 1; } }',
  ];
  for (const source of accepted) {
    const r = await analyze(source, 'f');
    assert.equal(r.loops.length, 1, `${source}\n${describeParallel(r)}`);
  }
});

test('the C++ backend writes the OpenMP form only when asked, with private copies and the checks', async () => {
  const m = await ir(readFileSync(join(fixtures, 'blur-f64.mjs'), 'utf8'), 'blur', ['Float64Array', 'Float64Array', 'number', 'number']);
  const plain = emitCppKernel(m, 'k').code;
  assert.doesNotMatch(plain, /#pragma omp/);
  const threaded = emitCppKernel(m, 'k', { threads: true }).code;
  assert.match(threaded, /if \(plab_hi2 - plab_lo2 >= 4 && \(const void\*\)a1 != \(const void\*\)a0\) \{/);
  assert.match(
    threaded,
    /#pragma omp parallel for schedule\(dynamic, plab_chunk2\)\n\s+for \(int64_t plab_k2 = plab_lo2; plab_k2 < plab_hi2; plab_k2\+\+\) plab_iter2\(plab_k2\);/,
  );
  assert.match(threaded, /\} else \{\n\s+for \(int64_t plab_k2 = plab_lo2; plab_k2 < plab_hi2 && !plab_bail2; plab_k2\+\+\) plab_iter2\(plab_k2\);/);
  assert.match(threaded, /const int64_t plab_hi2 = int64_t\(int32_t\(l1\)\) - 1;/);
  assert.match(threaded, /decltype\(l2\) l2 = decltype\(l2\)\(plab_k2\);/);
  assert.match(threaded, /decltype\(l3\) l3\{\};/);
  assert.match(threaded, /if \(plab_bail2\) plab::bail\(\);/);
  // The serial and threaded versions differ only in that loop.
  assert.equal(plain.split('\n').filter((l) => l.includes('plab::load')).length, threaded.split('\n').filter((l) => l.includes('plab::load')).length);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTypeScript, lowerJs, type FrontendResult, type ParamTypeName } from '../../../extension/compiler/frontend-js';
import { printIr } from '../../../extension/compiler/print-ir';
import { formatRefusal } from '../../../extension/compiler/refusal';
import { golden } from './golden';

const fixtures = join(__dirname, '../../fixtures/compiler');

async function lower(source: string, name: string, params?: Parameters<typeof lowerJs>[4]): Promise<FrontendResult> {
  return lowerJs(await loadTypeScript(), source, 'k.ts', name, params);
}

async function ir(source: string, name: string): Promise<string> {
  return irWith(source, name);
}

async function irWith(source: string, name: string, params?: ParamTypeName[]): Promise<string> {
  const r = await lower(source, name, params && { params });
  if (!r.ok) assert.fail(formatRefusal(r.refusal));
  return printIr(r.kernel.ir);
}

test('every refusal fixture names its construct and line', async () => {
  const ts = await loadTypeScript();
  const path = join(fixtures, 'refusals.ts');
  const source = readFileSync(path, 'utf8');
  const sf = ts.createSourceFile(path, source, ts.ScriptTarget.Latest, true);
  const names = sf.statements
    .filter(ts.isFunctionDeclaration)
    .filter((f) => f.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword))
    .map((f) => f.name!.text);
  const lines: string[] = [];
  for (const name of names) {
    const r = lowerJs(ts, source, 'refusals.ts', name);
    assert.equal(r.ok, false, `${name} should be refused`);
    if (!r.ok) lines.push(`${name}: ${formatRefusal(r.refusal)}`);
  }
  golden(join(fixtures, 'refusals.refusals.txt'), lines.join('\n') + '\n');
});

test('loop counters bounded by an int32 stay int32; other sums become doubles', async () => {
  const text = await ir(
    'function f(a: Float64Array): number { let s = 0; let j = 0; for (let i = 0; i < a.length; i++) { s += a[i]!; j++; } return s + j; }',
    'f',
  );
  assert.match(text, /\$\d:i: i32/);
  assert.match(text, /\$\d:j: f64/);
  assert.match(text, /\$\d:s: f64/);
});

test('a counter bounded by a double is not int32', async () => {
  const text = await ir('function f(a: Float64Array, n: number): number { let s = 0; for (let i = 0; i < n * 2; i++) s += i; return s; }', 'f');
  assert.match(text, /\$\d:i: f64/);
});

test('(a + b) | 0 of int32 values is wrapping i32 arithmetic', async () => {
  const text = await ir('function f(a: Int32Array): number { let h = 0; for (let i = 0; i < a.length; i++) h = (h * 31 + a[i]!) | 0; return h; }', 'f');
  assert.match(text, /i32\.add \(i32\.mul/);
  assert.doesNotMatch(text, /i32\.from_f64/);
});

test('a number parameter bounding a loop is speculated int32 with a guard; "double" forbids it', async () => {
  const src = 'function f(a: Float64Array, n: number): number { let s = 0; for (let i = 0; i < n; i++) s += a[i]!; return s; }';
  assert.match(await ir(src, 'f'), /n: i32 \(guard int32\)/);
  const r = await lower(src, 'f', { params: ['Float64Array', 'double'] });
  assert.ok(r.ok);
  if (r.ok) assert.match(printIr(r.kernel.ir), /n: f64/);
});

test('recorded types stand in for missing annotations', async () => {
  const r = await lower('function f(a, k) { return a[0] * k; }', 'f', { params: ['Int16Array', 'number'] });
  assert.ok(r.ok);
  if (r.ok) assert.match(printIr(r.kernel.ir), /a: Int16Array, k: f64/);
});

test('JSDoc types are read in JavaScript files', async () => {
  const ts = await loadTypeScript();
  const r = lowerJs(ts, '/** @param {Float64Array} a @param {number} k */\nfunction f(a, k) { return a[0] * k; }', 'k.js', 'f');
  assert.ok(r.ok, r.ok ? '' : formatRefusal(r.refusal));
});

test('arrow functions and function expressions bound to const are found', async () => {
  assert.match(await ir('const f = (x: number): number => x * 2;', 'f'), /f64\.mul/);
  assert.match(await ir('const g = function (x: number) { return x > 1; };', 'g'), /: bool/);
});

test('an unknown function name is refused with a hint', async () => {
  const r = await lower('function f(x: number) { return x; }', 'nope');
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.refusal.reason, /has no function named nope; its functions go by f \(/);
});

test('a variable that is both bool and number is refused at its assignment', async () => {
  const r = await lower('function f(a: number) { let x = a > 1; x = 2; return 1; }', 'f');
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.refusal.line, 1);
});

/** The refusal's reason, failing when the function compiles. */
async function refusalOf(source: string, name: string, params?: Parameters<typeof lowerJs>[4]): Promise<string> {
  const r = await lower(source, name, params);
  assert.equal(r.ok, false, `${name} should be refused`);
  return r.ok ? '' : formatRefusal(r.refusal);
}

test('var is one variable of the whole function: declared at the top, again in a second loop, read after its loop', async () => {
  const text = await ir(
    'function f(a: Float64Array): number { var i, s = 0; for (i = 0; i < a.length; i++) s += a[i]!; for (var i = 0; i < 3; i++) s += i; return s + i; }',
    'f',
  );
  assert.match(text, /\$\d:i: i32/, 'the counter stays int32 in both loops');
  assert.equal((text.match(/:i: /g) ?? []).length, 1, 'one local for both declarations');
  assert.match(await ir('function g(a: Float64Array): number { for (var k = 0; k < a.length; k++) if (a[k]! > 1) break; return k; }', 'g'), /return \$\d:k/);
});

test('a var assigned before its declaration, in both branches, or in a do-while body is read after', async () => {
  await ir('function f(a: number): number { t = a * 2; var t; return t; }', 'f');
  await ir('function f(a: number): number { if (a > 0) { var t = 1; } else { t = 2; } return t; }', 'f');
  await ir('function f(a: number): number { var t; do { t = a; a--; } while (a > 0); return t; }', 'f');
  await ir('function f(a: number): number { var t; if (a > 0) return 0; else t = 3; return t; }', 'f');
  await ir('function f(a: number): number { var r; for (var i = 0; i < a; i++) { if (i > 2) { r = i; break; } r = 0; } return 1; }', 'f');
});

test('a var some path reads before it is assigned is refused at that read (it would be undefined)', async () => {
  const cases: [string, RegExp][] = [
    ['function f(a: number): number { var t; if (a > 0) t = 1; return t; }', /line 1:\d+: t — t is read where it may not have been assigned yet/],
    ['function f(a: number): number { var s = 0, prev; for (var i = 0; i < a; i++) { if (i > 0) s += prev; prev = i; } return s; }', /prev is read/],
    ['function f(a: number): number { var x = x + 1; return x; }', /x is read/],
    ['function f(a: number): number { var t; while (a > 0) { t = a; a--; } return t; }', /t is read/],
    ['function f(a: number): number { var t; for (;;) { if (a > 1) break; t = 1; } return t; }', /t is read/],
  ];
  for (const [src, re] of cases) assert.match(await refusalOf(src, 'f'), re);
});

test('var redeclaring a parameter is the parameter; var beside let of the same name is refused', async () => {
  assert.match(await ir('function f(a: number): number { var a; var b = a + 1; return b; }', 'f'), /return/);
  assert.match(
    await refusalOf('function f(a: number): number { var x = a; { let x = 2; a += x; } return x; }', 'f'),
    /declared with var \(line 1\) and again with let/,
  );
});

test('file-level numbers are folded in: const and never-assigned var/let, arithmetic on literals, Math constants, earlier constants', async () => {
  const src = [
    'var PI = Math.PI;',
    'const SOLAR_MASS = 4 * PI * PI;',
    'var DAYS_PER_YEAR = 365.24;',
    'let HALF = 1 / 2, MASK = (1 << 8) - 1, ROOT = Math.sqrt(2);',
    'function f(x: number): number { return x * SOLAR_MASS + DAYS_PER_YEAR - HALF + MASK + ROOT; }',
  ].join('\n');
  const r = await lower(src, 'f');
  assert.ok(r.ok, r.ok ? '' : formatRefusal(r.refusal));
  if (!r.ok) return;
  const text = printIr(r.kernel.ir);
  assert.match(text, new RegExp(`f64:${String(4 * Math.PI * Math.PI).replace('.', '\\.')}`));
  assert.match(text, /f64:365\.24/);
  assert.deepEqual(r.kernel.constReads, ['DAYS_PER_YEAR', 'HALF', 'MASK', 'ROOT', 'SOLAR_MASS']);
  assert.deepEqual(r.kernel.ir.constants, [
    { name: 'DAYS_PER_YEAR', index: 0, value: 365.24 },
    { name: 'HALF', index: 1, value: 0.5 },
    { name: 'MASK', index: 2, value: 255 },
    { name: 'ROOT', index: 3, value: Math.SQRT2 },
    { name: 'SOLAR_MASS', index: 4, value: 4 * Math.PI * Math.PI },
  ]);
});

test('file-level variables that are not fixed numbers are hidden parameters, typed by the recorded calls', async () => {
  const f = 'function f(x: number): number { return x * K; }';
  // Without recorded calls there is no type: the refusal names the binding, its line and where the function reads it.
  assert.match(
    await refusalOf(`var K = 2;\n${f}\nK = 3;`, 'f'),
    /line 2:\d+: K — K \(line 1\), a variable of the file that it reads, has no type: record the calls/,
  );
  // Assigned by the program, computed when it runs, read before it is initialised, declared twice (one binding).
  for (const src of [
    `var K = 2;\n${f}\nK = 3;`,
    `const K = Math.sin(1);\n${f}`,
    `const K = 2 ** 0.5;\n${f}`,
    `var K = J * 2;\nvar J = 3;\n${f}`,
    `var K = 1;\nvar K = 2;\n${f}`,
  ]) {
    const r = await lower(src, 'f', { params: ['number', 'number'] });
    assert.ok(r.ok, r.ok ? '' : formatRefusal(r.refusal));
    if (!r.ok) continue;
    assert.deepEqual(r.kernel.moduleData, [{ name: 'K', cell: false, lexical: src.startsWith('const') }], src);
    assert.deepEqual(
      r.kernel.ir.functions[0]!.params.map((p) => p.name),
      ['x', 'K'],
    );
  }
  // Tables: a typed array, and an array of arrays (three arrays, as a parameter is), read.
  const table = 'const W = new Float64Array([0.25, 0.5, 0.25]);\nfunction g(a: Float64Array, i: number): number { return a[i]! * W[i]!; }';
  assert.match(await irWith(table, 'g', ['Float64Array', 'int32', 'Float64Array']), /W\[/);
  const rows = 'var M = [[1, 2], [3]];\nfunction r(i: number): number { return M[i]![0]! + M.length; }';
  assert.match(await irWith(rows, 'r', ['int32', 'number[][]']), /M\.starts/);
  // A variable the function assigns is passed in a cell (a one-element array) and written back; a const is refused.
  const state = 'let seed = 1;\nfunction next(): number { seed = (seed * 16807) % 2147483647; return seed; }';
  const s = await lower(state, 'next', { params: ['number[]'] });
  assert.ok(s.ok, s.ok ? '' : formatRefusal(s.refusal));
  if (s.ok) {
    assert.deepEqual(s.kernel.moduleData, [{ name: 'seed', cell: true, lexical: true }]);
    assert.ok(s.kernel.ir.functions[0]!.arrays[0]!.written);
  }
  assert.match(
    await refusalOf(state, 'next', { params: ['number'] }),
    /seed \(line 1\), a variable of the file that it assigns, held something other than a number/,
  );
  assert.match(
    await refusalOf('const c = 1;\nfunction h(): number { c++; return 0; }', 'h', { params: [] }),
    /line 2:\d+: c — c is a const of the file \(line 1\); assigning it throws a TypeError/,
  );
  // A function it calls reads them too: passed on; an array of arrays only in the function optimized.
  const callee =
    'var T = [1, 2];\nvar S = 0;\nfunction h(i: number): number { S += T[i]!; return S; }\nfunction k(i: number): number { return h(i) + h(i + 1); }';
  const c = await lower(callee, 'k', { params: ['int32', 'number[]', 'number[]'] });
  assert.ok(c.ok, c.ok ? '' : formatRefusal(c.refusal));
  if (c.ok)
    for (const fn of c.kernel.ir.functions)
      assert.deepEqual(
        fn.params.map((p) => p.name),
        ['i', 'S', 'T'],
        fn.name,
      );
  assert.match(
    await refusalOf('var M = [[1]];\nfunction h(): number { return M[0]![0]!; }\nfunction k(): number { return h(); }', 'k', { params: ['number[][]'] }),
    /h reads M \(line 1\), an array of arrays of the file, which is compiled only where the function optimized reads it/,
  );
});

test('string parameters: length, charCodeAt and elements compared with one-unit strings; anything else refused with the line', async () => {
  const src =
    "function f(s, t) {\n  var n = 0;\n  for (var i = 0; i < s.length; i++) if (s[i] === t[i] || s[i] !== 'x' || s.charCodeAt(i) === 65) n++;\n  return n + t.charCodeAt();\n}";
  const text = await irWith(src, 'f', ['string', 'string']);
  assert.match(text, /entry function f\(s: Uint16Array, t: Uint16Array\)/);
  assert.match(text, /i32\.eq s\[\S+\] t\[/);
  assert.match(text, /i32\.ne s\[\S+\] i32:120/);
  const refusal = (body: string) => refusalOf(`function g(s) {\n  ${body}\n}`, 'g', { params: ['string'] });
  const only = /s is a string: compiled are s\.length, s\.charCodeAt\(i\) and s\[i\] compared/;
  assert.match(await refusal("return s.indexOf('a');"), new RegExp(`line 2:10: s\\.indexOf\\('a'\\) — ${only.source}`));
  assert.match(await refusal('return s[0] === "ab" ? 1 : 0;'), /line 2:10: s\[0\] === "ab" — s\[0\] is compared only with a string of length one/);
  assert.match(await refusal('return s[0] === 1 ? 1 : 0;'), /s\[0\] is compared only with a string of length one/);
  assert.match(await refusal('var x = s[0]; return 0;'), only);
  assert.match(await refusal('return s === "a" ? 1 : 0;'), only);
  assert.match(await refusal('return h(s);\n}\nfunction h(s) {\n  return s.length;'), only);
});

test('recorded arguments the compiler does not take are named in the refusal, not blamed on a missing type', async () => {
  const src = 'function advance(dt, bodies) { return dt; }';
  const unusable = { passed: 'an array of arrays', why: 'arrays of arrays are not compiled yet' };
  assert.match(
    await refusalOf(src, 'advance', { params: ['number', unusable] }),
    /bodies — bodies was called with an array of arrays: arrays of arrays are not compiled yet/,
  );
  // An annotation still gives the type.
  assert.ok((await lower('function g(dt, /** @type {number} */ k) { return dt * k; }', 'g', { params: ['number', unusable] })).ok);
});

test('the refusal of an argument the compiler does not take points at where the body uses it', async () => {
  const unusable = { passed: 'an array of arrays', why: 'arrays of arrays are not compiled yet' };
  const why = 'm was called with an array of arrays: arrays of arrays are not compiled yet';
  // The first access into an element (a row), ahead of m.length and of the first element read.
  const src = 'function sum(m) {\n  var s = 0, r;\n  for (var i = 0; i < m.length; i++) {\n    r = m[i];\n    s += m[i][0];\n  }\n  return s;\n}';
  assert.equal(await refusalOf(src, 'sum', { params: [unusable] }), `line 5:10: m[i][0] — ${why}`);
  // Without one, the first element read, then the first use.
  assert.equal(await refusalOf('function f(m) {\n  var n = m.length;\n  return m[n - 1];\n}', 'f', { params: [unusable] }), `line 3:10: m[n - 1] — ${why}`);
  assert.equal(await refusalOf('function f(m) {\n  return m.length;\n}', 'f', { params: [unusable] }), `line 2:10: m.length — ${why}`);
  // A nested function's own m, and a property named m, are not the parameter.
  const shadowed = 'function f(m, k) {\n  function g(m) { return m[0][0]; }\n  var o = { m: 1 };\n  return o.m + m.length;\n}';
  assert.equal(await refusalOf(shadowed, 'f', { params: [unusable, 'number'] }), `line 4:16: m.length — ${why}`);
});

test('rows held in variables and arrays of arrays made in the function: what is compiled, and each refusal with its reason', async () => {
  const rows = (body: string, params: ParamTypeName[] = ['number[][]']) => `function f(m${params.length > 1 ? ', n' : ''}) {\n  ${body}\n}`;
  // const row = m[i], var ai = a[i] (a var given only rows), a file-level table's row: the row's index is held.
  assert.match(await irWith(rows('const row = m[1]; row[0] = row.length; return row[0];'), 'f', ['number[][]']), /m\.lengths\[/);
  assert.match(
    await irWith(rows('var s = 0, ai; for (var i = 0; i < m.length; i++) { ai = m[i]; s += ai[0]; } return s;'), 'f', ['Float64Array[]']),
    /m\.starts\[/,
  );
  assert.match(await irWith('var T = [[1, 2], [3]];\nfunction f(i) { var r = T[i]; return r[0] + r.length; }', 'f', ['int32', 'number[][]']), /T\.starts\[/);
  const row =
    'row holds a row of the array of arrays m: compiled are row[j] (read and written) and row.length; a row used as a value (passed on, compared, returned, stored or given to another variable) is not compiled';
  assert.equal(
    await refusalOf(rows('const row = m[0];\n  return g(row);') + '\nfunction g(a) { return a[0]; }', 'f', { params: ['number[][]'] }),
    `line 3:12: row — ${row}`,
  );
  assert.equal(await refusalOf(rows('const row = m[0];\n  return row;'), 'f', { params: ['number[][]'] }), `line 3:10: row — ${row}`);
  assert.equal(await refusalOf(rows('const row = m[0];\n  const r = row;\n  return r[0];'), 'f', { params: ['number[][]'] }), `line 3:9: r = row — ${row}`);
  assert.match(
    await refusalOf(rows('var row = m[0];\n  row = n[0];\n  return 0;', ['number[][]', 'number[][]']), 'f', { params: ['number[][]', 'number[][]'] }),
    /row holds a row of m here and other values elsewhere/,
  );
  assert.match(
    await refusalOf(rows('m[0] = m[1];\n  return 0;'), 'f', { params: ['number[][]'] }),
    /m is an array of arrays: compiled are m\[i\]\[j\] \(read and written\), m\[i\]\.length, m\.length and a variable holding a row \(const row = m\[i\]\); the outer array or a row passed on, stored or changed are not yet/,
  );
  // Made in the function: rows pushed as literals or as arrays made earlier in the same block and not named after.
  const made = (body: string) => `function f(n) {\n  var c = [];\n  ${body}\n}`;
  const ir = await irWith(
    made('for (var i = 0; i < n; i++) { var row = new Array(2); row[0] = i; row[1] = -i; c.push(row); }\n  c.push([n, n]);\n  return c;'),
    'f',
    ['int32'],
  );
  assert.match(ir, /c\.starts/);
  const copy =
    'row is pushed onto c, which compiled code holds as a copy: compiled when row is made earlier in the same block (var row = new Array(n), []) and named neither after the push in that block nor elsewhere in the push';
  assert.equal(await refusalOf(made('var row = [1, 2];\n  c.push(row);\n  row[0] = 5;\n  return c;'), 'f', { params: ['int32'] }), `line 4:10: row — ${copy}`);
  assert.equal(
    await refusalOf(made('var row = [1, 2];\n  for (var i = 0; i < n; i++) {\n    c.push(row);\n  }\n  return c;'), 'f', { params: ['int32'] }),
    `line 5:12: row — ${copy}`,
  );
  assert.equal(await refusalOf(made('var row = [n];\n  c.push(row, row);\n  return c;'), 'f', { params: ['int32'] }), `line 4:10: row — ${copy}`);
  assert.equal(
    await refusalOf(made('var row = new Float64Array(2);\n  c.push(row);\n  return c;'), 'f', { params: ['int32'] }),
    'line 4:10: row — c holds arrays: compiled are pushed onto it array literals ([x, y]) and arrays of numbers the function makes ([], new Array(n)) held in a variable',
  );
  assert.equal(
    await refusalOf(made('c.push([1]);\n  if (n > 0) return c;\n  var d = [2];\n  return d;'), 'f', { params: ['int32'] }),
    'line 6:3: return d; — the function returns an array of arrays (line 4) and an Array here',
  );
  assert.match(
    await refusalOf(made('c.push([1]);\n  return g(c);') + '\nfunction g(x) { return 1; }', 'f', { params: ['int32'] }),
    /c is an array of arrays: compiled are/,
  );
});

test('keys holding typed arrays: read, written, aliased and passed on; a key given another value and other uses refused with the line', async () => {
  const swarm = (body: string) =>
    `class Swarm {\n  step(dt: number) {\n${body}\n  }\n}\nfunction scale(a: Float64Array, k: number) {\n  for (let i = 0; i < a.length; i++) a[i] *= k;\n}\n`;
  const params: ParamTypeName[] = ['number', 'Swarm{px:Float64Array,vx:Float32Array,damping}'];
  const compiled = [
    'for (let i = 0; i < this.px.length; i++) this.px[i] += this.vx[i] * dt * this.damping;',
    'const { px, vx, damping: d } = this;\nfor (let i = 0; i < px.length; i++) px[i] += vx[i] * d;',
    'var px = this.px;\nfor (var i = 0; i < px.length; i++) px[i] *= dt;',
    'scale(this.px, dt);\nscale(this.px, this.damping);',
  ];
  for (const body of compiled) {
    const r = await lower(swarm(body), 'Swarm.step', { params });
    assert.ok(r.ok, r.ok ? '' : formatRefusal(r.refusal));
  }
  const refused: [string, RegExp, number][] = [
    ['this.px = new Float64Array(4);', /^this\.px holds a Float64Array; giving the key another value inside the function is not compiled/, 3],
    ['const q = 1;\nreturn this.vx + q;', /^this\.vx holds a Float32Array, used here as a value; compiled are its elements/, 4],
    ['if (dt > 0) {\n  var px = this.px;\n  px[0] = 1;\n}', /^px is a var holding this\.px, an object's key, declared in a nested block/, 4],
    ['const { px, mass } = this;', /^mass is not a key of this that holds a number or a typed array \(the recorded objects have px, vx, damping\)/, 3],
    ['const { px = null } = this;', /^destructuring this is compiled as \{ key \} and \{ key: name \}/, 3],
  ];
  for (const [body, reason, line] of refused) {
    const r = await lower(swarm(body), 'Swarm.step', { params });
    assert.equal(r.ok, false, body);
    if (r.ok) continue;
    assert.match(r.refusal.reason, reason, body);
    assert.equal(r.refusal.line, line, body);
  }
  // A plain object parameter (examples/pairwise.ts): destructured and read.
  const pairwise = readFileSync(join(__dirname, '../../../examples/pairwise.ts'), 'utf8');
  const r = await lowerJs(await loadTypeScript(), pairwise, 'pairwise.ts', 'sumPairwiseDistances', {
    params: ['{x:Float64Array,y:Float64Array,z:Float64Array}'],
  });
  assert.ok(r.ok, r.ok ? '' : formatRefusal(r.refusal));
});

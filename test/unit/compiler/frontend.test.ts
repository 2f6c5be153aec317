import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTypeScript, lowerJs, type FrontendResult } from '../../../extension/compiler/frontend-js';
import { printIr } from '../../../extension/compiler/print-ir';
import { formatRefusal } from '../../../extension/compiler/refusal';
import { golden } from './golden';

const fixtures = join(__dirname, '../../fixtures/compiler');

async function lower(source: string, name: string, params?: Parameters<typeof lowerJs>[4]): Promise<FrontendResult> {
  return lowerJs(await loadTypeScript(), source, 'k.ts', name, params);
}

async function ir(source: string, name: string): Promise<string> {
  const r = await lower(source, name);
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
  if (!r.ok) assert.match(r.refusal.reason, /no function named 'nope'/);
});

test('a variable that is both bool and number is refused at its assignment', async () => {
  const r = await lower('function f(a: number) { let x = a > 1; x = 2; return 1; }', 'f');
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.refusal.line, 1);
});

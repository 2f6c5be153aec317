// Programs written to trip the rewrite: each is run with node, compiled, proven, applied and run again, and must
// print the same. What they do to the compiled function's assumptions — frozen and read-only arrays, proxies,
// element getters, a replaced Math function, a reassigned or redeclared helper, a shadowed global, a const read
// before its declaration — is what the loaders' guards and the frontend's module-scope checks exist for.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { compile, compileKernel, selectKernel, type Candidate } from '../../../extension/compiler/compile';
import { compileNative } from '../../../extension/compiler/compile-native';
import type { ParamTypeName } from '../../../extension/compiler/frontend-js';
import { proveApplyRun, runNode } from './apply-and-run';

let dir: string | undefined;
after(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

interface Case {
  name: string;
  fn: string;
  params: ParamTypeName[];
  source: string;
}

/** Writes the program, runs it, compiles `fn` for `target`, proves, applies, and runs it again. */
async function applyAndCompare(c: Case, target: 'wasm' | 'native'): Promise<{ before: string; after: string; source: string }> {
  dir ??= await mkdtemp(join(tmpdir(), 'perf-lab-hostile-'));
  const sub = await mkdtemp(join(dir, `${c.name}-`));
  const file = join(sub, `${c.name}.js`);
  await writeFile(file, c.source);
  const before = runNode(file).stdout;
  const req = { source: c.source, fileName: `${c.name}.js`, functionName: c.fn, params: c.params };
  let candidate: Candidate;
  if (target === 'wasm') {
    const compiled = await compile(req);
    assert.ok(compiled.ok, `compiles: ${JSON.stringify(!compiled.ok && compiled.refusal)}`);
    candidate = compiled.candidate;
  } else {
    const sel = await selectKernel(req);
    assert.ok(sel.ok, `compiles: ${JSON.stringify(!sel.ok && sel.refusal)}`);
    candidate = await compileNative(sel.kernel, { cacheDir: join(dir, 'native-cache') });
  }
  const r = await proveApplyRun(file, c.source, c.fn, candidate);
  return { before, after: r.after, source: r.source };
}

/** Compiles `fn` and expects a refusal whose reason matches. */
async function refused(source: string, fn: string, params: ParamTypeName[], reason: RegExp): Promise<void> {
  const sel = await selectKernel({ source, fileName: 'prog.js', functionName: fn, params });
  assert.ok(!sel.ok, `${fn} should be refused`);
  assert.match(sel.refusal.reason, reason);
}

const FROZEN: Case = {
  name: 'frozen',
  fn: 'scale',
  params: ['number[]', 'number'],
  source: `function scale(a, k) { for (let i = 0; i < a.length; i++) a[i] = a[i] * k; }
const warm = [1, 2, 3]; for (let r = 0; r < 20; r++) scale(warm, 1);
const frozen = Object.freeze([1, 2, 3]);
scale(frozen, 10);
const sealedElement = [5, 6, 7]; Object.defineProperty(sealedElement, 1, { value: 6, writable: false });
scale(sealedElement, 3);
const ok = [1, 2]; scale(ok, 4);
console.log(JSON.stringify([frozen, sealedElement, ok]));
`,
};

const GETTERS: Case = {
  name: 'getters',
  fn: 'total',
  params: ['number[]'],
  source: `function total(a) { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] + a[0]; return s; }
let reads = 0;
const withGetter = [1, 2, 3]; Object.defineProperty(withGetter, 0, { get() { reads++; return 10 + reads; }, enumerable: true });
const viaProxy = new Proxy([1, 2, 3], { get(o, k) { if (k === '1') reads += 100; return Reflect.get(o, k); } });
const results = [total([1, 2, 3]), total(withGetter), total(viaProxy)];
const revoked = Proxy.revocable([1, 2], {}); revoked.revoke();
let threw = ''; try { total(revoked.proxy); } catch (e) { threw = e.constructor.name; }
console.log(JSON.stringify(results), reads, threw);
`,
};

const TYPED_PROXY: Case = {
  name: 'typedproxy',
  fn: 'sum',
  params: ['Float64Array'],
  source: `function sum(a) { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * a[i]; return s; }
const t = new Float64Array([1, 2, 3, 4]);
let reads = 0;
const p = new Proxy(t, { get(o, k) { if (k !== 'length') reads++; return Reflect.get(o, k); } });
let out; try { out = sum(p); } catch (e) { out = e.constructor.name; }
const own = new Float64Array([1, 2, 3]); Object.defineProperty(own, 'length', { value: 2 });
console.log(sum(t), out, reads, sum(own));
`,
};

const MATH_REPLACED: Case = {
  name: 'mathreplaced',
  fn: 'f',
  params: ['number'],
  source: `function f(x) { return Math.exp(x) + Math.sqrt(x) + x ** 2 + Math.PI; }
const before = f(0.5);
Math.exp = () => 1;
const afterExp = f(0.5);
const realSqrt = Math.sqrt; Math.sqrt = () => 2;
const afterSqrt = f(0.5);
Math.sqrt = realSqrt;
const realMath = Math; globalThis.Math = { exp: () => 5, sqrt: () => 6, PI: 3 };
const afterMath = f(0.5);
globalThis.Math = realMath;
console.log(before, afterExp, afterSqrt, afterMath);
`,
};

const POW_REPLACED_FIRST: Case = {
  name: 'powfirst',
  fn: 'g',
  params: ['number'],
  source: `Math.pow = (a, b) => a * b;
Math.sin = (x) => 0;
function g(x) { return x ** 3 + Math.sin(x); }
console.log(g(2), g(0.5));
`,
};

const TDZ: Case = {
  name: 'tdz',
  fn: 'f',
  params: ['number'],
  source: `function f(x) { return twice(x) * K; }
let early;
try { early = f(2); } catch (e) { early = e.constructor.name; }
const K = 3;
const twice = (v) => v * 2;
console.log(early, f(2), f(7));
`,
};

const VAR_BEFORE_INIT: Case = {
  name: 'varearly',
  fn: 'f',
  params: ['number'],
  source: `function f(x) { return x * SCALE + OFFSET; }
var early = f(2);
var SCALE = 3;
var between = f(2);
var OFFSET = 0.5;
console.log(early, between, f(2), f(7));
`,
};

const MATH_REPLACED_AT_INIT: Case = {
  name: 'mathinit',
  fn: 'f',
  params: ['number'],
  source: `const realSqrt = Math.sqrt;
Math.sqrt = (v) => v;
const ROOT2 = Math.sqrt(2);
Math.sqrt = realSqrt;
const HALF_ROOT2 = ROOT2 / 2;
function f(x) { return x * HALF_ROOT2; }
console.log(f(3), f(0.25));
`,
};

// File-level variables the function reads and assigns (passed as hidden arguments, the assigned one in a cell):
// read in their temporal dead zone, swapped for a table of another kind, given an element getter that assigns the
// state itself, and set to a string between calls.
const MODULE_TDZ: Case = {
  name: 'moduletdz',
  fn: 'f',
  params: ['number', 'number[]', 'number[]'],
  source: `function f(x) { seed = (seed * 7 + x) % 101; return seed * TABLE[1]; }
let early;
try { early = f(2); } catch (e) { early = e.constructor.name; }
const TABLE = [1, 2, 3];
let seed = 5;
console.log(early, f(2), f(7), seed);
`,
};

const MODULE_STATE_DISGUISED: Case = {
  name: 'modulestate',
  fn: 'f',
  params: ['number', 'number[]', 'number[]'],
  source: `function f(x) { last = (last * 3 + x) % 1000; return last + W[0]; }
var last = 1;
var W = [10];
console.log(f(1), f(2), last);
W = new Float64Array([20]);
console.log(f(3), last);
W = [30];
Object.defineProperty(W, 0, { get() { last = 999; return 40; } });
console.log(f(4), last);
W = [50];
last = 'x';
console.log(f(5), last);
last = 7;
console.log(f(6), last);
`,
};

// A string parameter (its code units passed): String.prototype.charCodeAt replaced for a call, a String object and
// a string with a surrogate pair.
const STRING_PATCHED: Case = {
  name: 'strings',
  fn: 'count',
  params: ['string'],
  source: `function count(s) { let n = 0; for (let i = 0; i < s.length; i++) if (s[i] === 'a' || s.charCodeAt(i) === 98) n++; return n; }
console.log(count('abcab'), count(''), count('\\ud83d\\ude00ab'));
const real = String.prototype.charCodeAt;
String.prototype.charCodeAt = function (i) { return 98; };
console.log(count('xyz'));
String.prototype.charCodeAt = real;
console.log(count(new String('aab')), count('aab'));
`,
};

const BUILTINS_PATCHED: Case = {
  name: 'builtins',
  fn: 'total',
  params: ['number[]'],
  source: `function total(a) { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]; return s; }
let calls = 0;
const realCall = Function.prototype.call;
Function.prototype.call = function (...xs) { calls++; return realCall.apply(this, xs); };
const realIsArray = Array.isArray;
Array.isArray = (x) => { calls += 100; return realIsArray(x); };
const r = [total([1, 2, 3]), total([1, 'x']), total({ length: 2, 0: 1, 1: 2 })];
Function.prototype.call = realCall;
Array.isArray = realIsArray;
console.log(JSON.stringify(r), calls, total([4, 5]));
`,
};

describe('programs that test what the compiled code assumes print the same after the rewrite', () => {
  for (const c of [
    FROZEN,
    GETTERS,
    TYPED_PROXY,
    MATH_REPLACED,
    POW_REPLACED_FIRST,
    TDZ,
    VAR_BEFORE_INIT,
    MATH_REPLACED_AT_INIT,
    BUILTINS_PATCHED,
    MODULE_TDZ,
    MODULE_STATE_DISGUISED,
    STRING_PATCHED,
  ]) {
    it(`${c.name} (WebAssembly)`, async () => {
      const r = await applyAndCompare(c, 'wasm');
      assert.match(r.source, /\$wasm/, 'the function was rewritten');
      assert.equal(r.after, r.before);
    });
  }
  for (const c of [FROZEN, GETTERS, MATH_REPLACED, VAR_BEFORE_INIT, MODULE_TDZ, MODULE_STATE_DISGUISED, STRING_PATCHED]) {
    it(`${c.name} (native)`, async () => {
      const r = await applyAndCompare(c, 'native');
      assert.match(r.source, /\$native/, 'the function was rewritten');
      assert.equal(r.after, r.before);
    });
  }
});

describe('the frontend refuses names the program can change, with the line', () => {
  it('a helper reassigned later in the file', async () => {
    const src = `function helper(x) { return x * 2; }\nfunction f(x) { return helper(x) + 1; }\nconsole.log(f(1));\nhelper = (x) => x * 3;\nconsole.log(f(1));\n`;
    await refused(src, 'f', ['number'], /helper is assigned at line 4/);
  });
  it('a helper replaced by a block-level function declaration (sloppy mode)', async () => {
    const src = `function helper(x) { return x + 1; }\nfunction f(x) { return helper(x) * 2; }\nif (f(1) > 0) { function helper(x) { return x - 1; } }\n`;
    await refused(src, 'f', ['number'], /helper is declared 2 times in this file \(lines 1, 3\)/);
  });
  it('a file-level Math, Number or Infinity', async () => {
    await refused(
      `const Math = { sqrt: (x) => x / 2 };\nfunction f(x) { return Math.sqrt(x); }\n`,
      'f',
      ['number'],
      /Math is declared in this file \(line 1\)/,
    );
    await refused(`var Number = { EPSILON: 1 };\nfunction f(x) { return x + Number.EPSILON; }\n`, 'f', ['number'], /Number is declared in this file/);
    await refused(
      `function f(x) { return x < Infinity ? x : 0; }\nif (true) { var Infinity = 5; }\n`,
      'f',
      ['number'],
      /Infinity is declared in this file \(line 2\)/,
    );
    await refused(`import { PI as Math } from './m.js';\nfunction f(x) { return Math.abs(x); }\n`, 'f', ['number'], /Math is declared in this file/);
  });
  it('a direct eval anywhere in the file', async () => {
    await refused(`function f(x) { return x * 2; }\neval('f = 1');\n`, 'f', ['number'], /eval/);
  });
  it('but not a local of the same name, nor a shadowed assignment inside another function', async () => {
    const src = `function helper(x) { return x * 2; }\nfunction f(x) { return helper(x) + Math.sqrt(x); }\nfunction g() { let helper = 1; helper = 2; const Math = 3; return helper + Math; }\nfunction h(helper) { helper = 5; return helper; }\n`;
    const sel = await selectKernel({ source: src, fileName: 'prog.js', functionName: 'f', params: ['number'] });
    assert.ok(sel.ok, JSON.stringify(!sel.ok && sel.refusal));
    assert.deepEqual(sel.kernel.ir.globals, ['Math', 'Math.sqrt']);
    const c = await compileKernel(sel.kernel);
    assert.deepEqual(c.abi.globals, ['Math', 'Math.sqrt']);
  });
  it('a file that does not parse is named as such, with the line', async () => {
    const sel = await selectKernel({ source: 'function f(x) {\n  return x +;\n}\n', fileName: 'broken.js', functionName: 'f', params: ['number'] });
    assert.ok(!sel.ok);
    assert.match(sel.refusal.reason, /does not parse \(broken\.js line 2:\d+: Expression expected/);
  });
});

describe('native code keeps the sign of zero where GCC folds it away', () => {
  it('0 - (an int converted to a double) is +0, as in JavaScript (found by the hostile native fuzz run)', async () => {
    const c: Case = {
      name: 'zerosign',
      fn: 'g',
      params: ['number', 'int32'],
      source: `function g(x, i) { const v = -0; return ((Infinity << v) & Math.ceil(v)) - ((NaN * 0) >>> Math.max(256, 13)) + (0 - (i >>> 0)) * 0 + (0 - (x | 0)); }
console.log(Object.is(g(0, 0), 0), Object.is(g(-0, 0), 0), g(5, 3));
`,
    };
    const r = await applyAndCompare(c, 'native');
    assert.match(r.source, /\$native/);
    assert.equal(r.after, r.before);
  });
});

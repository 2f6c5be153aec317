// Programs that pass objects to a compiled function the way a program may that breaks what the compiled code
// assumes of them (a hidden class: the recorded keys in order, own data properties holding numbers, writable where
// written, a plain object or the recorded class): a getter, a frozen object written, a Proxy, an extra key, another
// prototype, a field that becomes a string, one object twice, a hole. Each is run with node, compiled to both
// targets, proven, applied and run again, and must print the same; the calls that fit ran compiled code.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { compileKernel, selectKernel } from '../../../extension/compiler/compile';
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

const ARRAY: Case = {
  name: 'objects-array',
  fn: 'nudge',
  params: ['Vec{x,y}[]', 'number'],
  source: `function Vec(x, y) {
  this.x = x;
  this.y = y;
}
function nudge(pts, k) {
  for (let i = 0; i < pts.length; i++) {
    const p = pts[i];
    p.x += k * p.y;
    p.y -= k;
  }
  return pts.length;
}
const out = [];
const show = (v) => JSON.stringify(v);
const warm = [new Vec(1, 2), new Vec(3, 4)];
for (let r = 0; r < 5; r++) nudge(warm, 0.5);
out.push(show(warm));
let reads = 0;
const g = new Vec(1, 2);
Object.defineProperty(g, 'y', { get() { reads++; return 7; }, set(v) { reads += 10; }, enumerable: true });
nudge([new Vec(0, 1), g], 1);
out.push(reads, g.x);
const frozen = Object.freeze(new Vec(1, 2));
nudge([new Vec(0, 0), frozen], 1);
out.push(show(frozen));
let traps = 0;
const proxied = new Proxy(new Vec(1, 2), { get(o, k) { traps++; return Reflect.get(o, k); }, set(o, k, v) { traps += 100; return Reflect.set(o, k, v); } });
nudge([proxied], 1);
out.push(traps, proxied.x);
const extra = new Vec(1, 2);
extra.z = 5;
nudge([extra], 1);
out.push(show(extra));
class Other {
  constructor() { this.x = 1; this.y = 2; }
  get sum() { return this.x + this.y; }
}
const other = new Other();
nudge([new Vec(1, 1), other], 2);
out.push(show(other), other.sum);
const plain = { x: 1, y: 2 };
nudge([plain], 3);
out.push(show(plain));
const stringy = new Vec(1, 2);
stringy.y = '3';
nudge([stringy], 1);
out.push(show(stringy));
const twice = new Vec(1, 1);
nudge([twice, twice], 1);
out.push(show(twice));
const reordered = new Vec(1, 2);
delete reordered.x;
reordered.x = 4;
nudge([reordered], 1);
out.push(show(reordered));
let threw = '';
try { nudge([new Vec(1, 2), undefined], 1); } catch (e) { threw += e.constructor.name; }
try { nudge([new Vec(1, 2), , new Vec(3, 4)], 1); } catch (e) { threw += ' ' + e.constructor.name; }
const revoked = Proxy.revocable(new Vec(1, 2), {});
revoked.revoke();
try { nudge([revoked.proxy], 1); } catch (e) { threw += ' ' + e.constructor.name; }
out.push(threw, nudge(warm, 0.25), show(warm));
console.log(out.join(' | '));
`,
};

const ONE: Case = {
  name: 'object-one',
  fn: 'kinetic',
  params: ['{m,vx,vy}'],
  source: `function kinetic(b) {
  const e = 0.5 * b.m * (b.vx * b.vx + b.vy * b.vy);
  b.vx *= 0.5;
  return e;
}
const out = [];
const body = { m: 2, vx: 3, vy: 4 };
for (let r = 0; r < 4; r++) out.push(kinetic(body));
let reads = 0;
const getter = { m: 2, get vx() { reads++; return 1; }, vy: 1 };
out.push(kinetic(getter), reads);
const frozen = Object.freeze({ m: 1, vx: 2, vy: 0 });
out.push(kinetic(frozen), frozen.vx);
const readOnlyOther = { m: 1, vx: 2, vy: 0 };
Object.defineProperty(readOnlyOther, 'm', { writable: false });
out.push(kinetic(readOnlyOther), readOnlyOther.vx);
const inherited = Object.create({ m: 3 });
inherited.vx = 1;
inherited.vy = 1;
out.push(kinetic(inherited));
const proxied = new Proxy({ m: 1, vx: 1, vy: 1 }, { get(o, k) { reads += 100; return o[k]; } });
out.push(kinetic(proxied), reads);
const numbery = { m: 1, vx: '2', vy: 0 };
out.push(kinetic(numbery), typeof numbery.vx);
console.log(out.join(' '));
`,
};

// Objects made by a factory with a method among their keys (kept in the shape, checked only as a data property that
// is there): the method replaced by a number still runs compiled code (the function never uses it); a getter in its
// place, the key missing, deleted and added again (another order) or not enumerable run the original.
const METHOD: Case = {
  name: 'objects-method',
  fn: 'drift',
  params: ['{x,v,kick(),m}[]', 'number'],
  source: `function particle(x, v, m) {
  return { x: x, v: v, kick: function (dv) { this.v += dv; }, m: m };
}
function drift(ps, dt) {
  let e = 0;
  for (let i = 0; i < ps.length; i++) {
    ps[i].x += dt * ps[i].v;
    e += 0.5 * ps[i].m * ps[i].v * ps[i].v;
  }
  return e;
}
const out = [];
const show = (ps) => ps.map((p) => p.x + ':' + typeof p.kick).join(',');
const ps = [particle(0, 1, 2), particle(1, -1, 1)];
for (let r = 0; r < 4; r++) out.push(drift(ps, 0.5));
ps[0].kick(2);
out.push(drift(ps, 0.5), show(ps));
const numbered = particle(1, 1, 1);
numbered.kick = 42;
out.push(drift([numbered, particle(0, 2, 1)], 1), show([numbered]));
let calls = 0;
const getter = particle(1, 1, 1);
Object.defineProperty(getter, 'kick', { get() { calls++; return () => {}; }, enumerable: true });
out.push(drift([getter], 1), calls, show([getter]));
const missing = particle(2, 1, 1);
delete missing.kick;
out.push(drift([missing], 1), show([missing]));
const reordered = particle(2, 1, 1);
const k = reordered.kick;
delete reordered.kick;
reordered.kick = k;
out.push(drift([reordered], 1), show([reordered]));
const hidden = particle(3, 1, 1);
Object.defineProperty(hidden, 'kick', { enumerable: false });
out.push(drift([hidden], 1), show([hidden]));
out.push(drift(ps, 0.25), show(ps));
console.log(out.join(' | '));
`,
};

async function applyAndCompare(
  c: Case,
  target: 'wasm' | 'native',
): Promise<{ before: string; after: string; source: string; stats?: { calls: number; fallbacks: number } }> {
  dir ??= await mkdtemp(join(tmpdir(), 'perf-lab-hostile-objects-'));
  const sub = await mkdtemp(join(dir, `${c.name}-${target}-`));
  const file = join(sub, `${c.name}.js`);
  await writeFile(file, c.source);
  const before = runNode(file).stdout;
  const sel = await selectKernel({ source: c.source, fileName: `${c.name}.js`, functionName: c.fn, params: c.params });
  assert.ok(sel.ok, `compiles: ${JSON.stringify(!sel.ok && sel.refusal)}`);
  const candidate = target === 'wasm' ? await compileKernel(sel.kernel) : await compileNative(sel.kernel, { cacheDir: join(dir, 'native-cache') });
  const r = await proveApplyRun(file, c.source, c.fn, candidate, { countCalls: true });
  return { before, after: r.after, source: r.source, ...(r.stats ? { stats: r.stats } : {}) };
}

describe('objects that break the hidden-class assumptions print the same after the rewrite', () => {
  for (const c of [ARRAY, ONE, METHOD]) {
    for (const target of ['wasm', 'native'] as const) {
      it(`${c.name} (${target})`, async () => {
        const r = await applyAndCompare(c, target);
        assert.match(r.source, new RegExp(`\\$${target}\\b`), 'the function was rewritten');
        assert.equal(r.after, r.before);
        assert.ok(r.stats && r.stats.calls > r.stats.fallbacks, `the calls that fit ran compiled code (${JSON.stringify(r.stats)})`);
        assert.ok(r.stats.fallbacks >= (c === METHOD ? 4 : 5), `the hostile calls ran the original (${JSON.stringify(r.stats)})`);
      });
    }
  }
});

describe('a key that holds a method is refused where the function uses it', () => {
  const held = /kick holds a function in the recorded objects \(a method\)/;
  for (const [use, line, reason] of [
    ['ps[i].kick(1);', 'ps[i].kick', /calls a method of an object/],
    ['const f = ps[i].kick;', 'ps[i].kick', held],
    ['ps[i].kick = 3;', 'ps[i].kick', held],
  ] as const) {
    it(use, async () => {
      const source = `function drift(ps, dt) {\n  for (let i = 0; i < ps.length; i++) {\n    ps[i].x += dt;\n    ${use}\n  }\n}\n`;
      const sel = await selectKernel({ source, fileName: 'drift.js', functionName: 'drift', params: ['{x,kick()}[]', 'number'] });
      assert.ok(!sel.ok, 'refused');
      assert.equal(sel.refusal.line, 4, JSON.stringify(sel.refusal));
      assert.ok(sel.refusal.construct.startsWith(line), JSON.stringify(sel.refusal));
      assert.match(sel.refusal.reason, reason);
    });
  }
});

// A method that uses this and counts its calls in a file-level variable (a cell), called on objects that break what
// the compiled code assumes of its object: a getter on a field, a field that holds a string or an array, a frozen
// instance written, a Proxy, and the method run with another this through .call (an instance of another class with
// the same keys, a plain object, undefined in the class's strict code). The program replaces Reflect.apply before
// them, counting its calls: the rewrite's fallback must not call it (the loader's own Reflect.apply does).
const SELF: Case = {
  name: 'self-method',
  fn: 'Osc.step',
  params: ['number', 'number[]', 'Osc{x,v,k}'],
  source: `let ticks = 0;
class Osc {
  constructor(k) { this.x = 1; this.v = 0; this.k = k; }
  step(dt) {
    const a = -this.k * this.x;
    this.v += a * dt;
    this.x += this.v * dt;
    ticks++;
    return this.x;
  }
}
class Other {
  constructor() { this.x = 1; this.v = 0; this.k = 2; }
}
const out = [];
const show = (o) => JSON.stringify(o);
const warm = new Osc(4);
for (let r = 0; r < 5; r++) out.push(warm.step(0.125));
let applies = 0;
const realApply = Reflect.apply;
Reflect.apply = function (f, t, a) { applies++; return realApply(f, t, a); };
let reads = 0;
const getter = new Osc(2);
Object.defineProperty(getter, 'v', { get() { reads++; return 3; }, set(v) { reads += 10; }, enumerable: true, configurable: true });
out.push(getter.step(0.5), reads, ticks);
const stringy = new Osc(2);
stringy.k = '3';
out.push(stringy.step(0.5), show(stringy));
const arrayed = new Osc(2);
arrayed.x = [2];
out.push(arrayed.step(0.5), show(arrayed));
const frozen = Object.freeze(new Osc(2));
try { out.push(frozen.step(0.5)); } catch (e) { out.push(e.constructor.name); }
out.push(show(frozen), ticks);
let traps = 0;
const proxied = new Proxy(new Osc(2), { get(o, k) { traps++; return o[k]; }, set(o, k, v) { traps += 100; o[k] = v; return true; } });
out.push(proxied.step(0.5), traps);
const other = new Other();
out.push(Osc.prototype.step.call(other, 0.5), show(other));
const plain = { x: 1, v: 0, k: 2 };
out.push(Osc.prototype.step.call(plain, 0.5), show(plain));
try { out.push(Osc.prototype.step.call(undefined, 0.5)); } catch (e) { out.push(e.constructor.name); }
for (let r = 0; r < 3; r++) out.push(warm.step(0.25));
out.push(show(warm), ticks, applies);
console.log(out.join(' | '));
`,
};

describe('a method that uses this, called on objects that break its assumptions, prints the same after the rewrite', () => {
  for (const target of ['wasm', 'native'] as const) {
    it(`${SELF.name} (${target})`, async () => {
      const r = await applyAndCompare(SELF, target);
      assert.match(r.source, new RegExp(`\\$${target}\\b`), 'the method was rewritten');
      assert.equal(r.after, r.before);
      assert.ok(r.stats && r.stats.calls > r.stats.fallbacks, `the calls that fit ran compiled code (${JSON.stringify(r.stats)})`);
      assert.ok(r.stats.fallbacks >= 7, `the hostile calls ran the original (${JSON.stringify(r.stats)})`);
    });
  }
});

// Typed arrays held by an object's keys (a class's this, a plain object argument): each key must hold a typed array of
// the recorded kind as a data property; one array in two keys, or in a key and another argument, is one memory (the
// compiled code sees a write through one at the other), and views that overlap run the original. A plain array or a
// Float32Array in place of a Float64Array, a getter, overlapping views, a Proxy, an instance of a subclass and a frozen
// instance whose counter the method writes run the original; so does a call that reads past the end of an argument
// after writing the keys' arrays (the compiled code bails out and the original starts from the arrays as they were).
const TYPED_SELF: Case = {
  name: 'typed-fields-self',
  fn: 'Swarm.step',
  params: ['number', 'Float64Array', 'Swarm{px:Float64Array,vx:Float64Array,damping,steps}'],
  source: `class Swarm {
  constructor(n) {
    this.px = new Float64Array(n);
    this.vx = new Float64Array(n);
    this.damping = 0.5;
    this.steps = 0;
    for (let i = 0; i < n; i++) { this.px[i] = i; this.vx[i] = 1 + (i % 3); }
  }
  step(dt, push) {
    const { px, vx } = this;
    for (let i = 0; i < px.length; i++) {
      vx[i] = vx[i] * this.damping + push[i];
      px[i] += vx[i] * dt;
    }
    this.steps++;
    return px[0] + vx[px.length - 1];
  }
}
class Sub extends Swarm {}
const out = [];
const show = (s) => Array.from(s.px).join(',') + '/' + Array.from(s.vx).join(',') + '/' + s.steps;
const push = new Float64Array([1, 0, -1, 2]);
const warm = new Swarm(4);
for (let r = 0; r < 5; r++) out.push(warm.step(0.25, push));
out.push(show(warm));
const plainArray = new Swarm(4);
plainArray.vx = [1, 2, 3, 4];
out.push(plainArray.step(0.5, push), show(plainArray));
const otherKind = new Swarm(4);
otherKind.vx = new Float32Array([1.1, 2.2, 3.3, 4.4]);
out.push(otherKind.step(0.5, push), show(otherKind));
let reads = 0;
const getter = new Swarm(4);
const hidden = getter.px;
Object.defineProperty(getter, 'px', { get() { reads++; return hidden; }, enumerable: true, configurable: true });
out.push(getter.step(0.5, push), reads, show(getter));
const shared = new Swarm(4);
shared.vx = shared.px;
out.push(shared.step(0.5, push), show(shared));
const aliased = new Swarm(4);
out.push(aliased.step(0.5, aliased.vx), show(aliased));
const buffer = new Float64Array(5);
const overlapping = new Swarm(4);
overlapping.px = new Float64Array(buffer.buffer, 0, 4);
overlapping.vx = new Float64Array(buffer.buffer, 8, 4);
overlapping.vx.set([1, 2, 3, 4]);
out.push(overlapping.step(0.5, push), Array.from(buffer).join(','));
let traps = 0;
const proxied = new Proxy(new Swarm(4), { get(o, k) { traps++; return o[k]; } });
out.push(proxied.step(0.5, push), traps);
const sub = new Sub(4);
out.push(sub.step(0.5, push), show(sub));
const frozen = Object.freeze(new Swarm(4));
try { out.push(frozen.step(0.5, push)); } catch (e) { out.push(e.constructor.name); }
out.push(show(frozen));
const plain = { px: new Float64Array([1, 2, 3, 4]), vx: new Float64Array(4), damping: 1, steps: 0 };
out.push(Swarm.prototype.step.call(plain, 1, push), show(plain));
const short = new Swarm(4);
out.push(short.step(0.5, new Float64Array(2)), show(short));
for (let r = 0; r < 3; r++) out.push(warm.step(0.125, push));
out.push(show(warm));
console.log(out.join(' | '));
`,
};

// A plain object of typed arrays as a parameter ({ x, y }, as examples/pairwise.ts passes), read, and one of its keys
// written: a Float32Array, a plain array, a key missing or added, a Proxy, and another argument that is one of its
// arrays (written through the argument, read through the key) print the same.
const TYPED_PARAM: Case = {
  name: 'typed-fields-param',
  fn: 'scatter',
  params: ['{x:Float64Array,y:Float64Array,w}', 'Float64Array'],
  source: `function scatter(p, into) {
  let s = 0;
  for (let i = 0; i < p.x.length; i++) {
    into[i] = p.x[i] * p.w;
    s += p.y[i] + into[i];
  }
  return s;
}
const out = [];
const pts = { x: new Float64Array([1, 2, 3]), y: new Float64Array([4, 5, 6]), w: 2 };
const into = new Float64Array(3);
for (let r = 0; r < 4; r++) out.push(scatter(pts, into));
out.push(Array.from(into).join(','));
out.push(scatter({ x: new Float32Array([1.5, 2, 3]), y: pts.y, w: 1 }, into));
out.push(scatter({ x: [1, 2, 3], y: pts.y, w: 1 }, into));
out.push(scatter({ x: pts.x, w: 1, y: pts.y }, into));
out.push(scatter(new Proxy(pts, {}), into));
const same = { x: new Float64Array([1, 2, 3]), y: new Float64Array([1, 1, 1]), w: 3 };
out.push(scatter(same, same.y), Array.from(same.y).join(','));
const self = { x: new Float64Array([1, 2, 3]), y: new Float64Array([0, 0, 0]), w: 2 };
out.push(scatter(self, self.x), Array.from(self.x).join(','));
console.log(out.join(' | '));
`,
};

describe('objects holding typed arrays, in hostile shapes and aliased, print the same after the rewrite', () => {
  for (const c of [TYPED_SELF, TYPED_PARAM]) {
    for (const target of ['wasm', 'native'] as const) {
      it(`${c.name} (${target})`, async () => {
        const r = await applyAndCompare(c, target);
        assert.match(r.source, new RegExp(`\\$${target}\\b`), 'the function was rewritten');
        assert.equal(r.after, r.before);
        assert.ok(r.stats && r.stats.calls > r.stats.fallbacks, `the calls that fit ran compiled code (${JSON.stringify(r.stats)})`);
        // Exactly the hostile calls: the shared and aliased arrays ran compiled code (and printed the same).
        assert.equal(r.stats.fallbacks, c === TYPED_SELF ? 8 : 4, `the hostile calls, and only they, ran the original (${JSON.stringify(r.stats)})`);
      });
    }
  }
});

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
  for (const c of [ARRAY, ONE]) {
    for (const target of ['wasm', 'native'] as const) {
      it(`${c.name} (${target})`, async () => {
        const r = await applyAndCompare(c, target);
        assert.match(r.source, new RegExp(`\\$${target}\\b`), 'the function was rewritten');
        assert.equal(r.after, r.before);
        assert.ok(r.stats && r.stats.calls > r.stats.fallbacks, `the calls that fit ran compiled code (${JSON.stringify(r.stats)})`);
        assert.ok(r.stats.fallbacks >= 5, `the hostile calls ran the original (${JSON.stringify(r.stats)})`);
      });
    }
  }
});

// The record stage: the source transform, the value codec, the sampler, and real recorded runs of JavaScript,
// ES module and TypeScript programs (each runs well under a second unless it is meant to be stopped).
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadTypeScript } from '../../../extension/compiler/frontend-js';
import { PerfLabError } from '../../../extension/errors';
import { instrumentSource, internalName } from '../../../extension/record/instrument';
import { record } from '../../../extension/record/record';
import {
  decodeRecording,
  encodeRecording,
  recordedParams,
  recordedParamTypes,
  type EncodedRecording,
  type Recording,
} from '../../../extension/record/recording';
import { CallSampler, samplingNotes } from '../../../extension/record/sampler';
import { loadRecording, RECORDER_FORMAT, recordingPath, saveRecording } from '../../../extension/record/store';
import { callShape, contentKey, decodeValue, encodeValue, sameSnapshot, snapshot, Unrecordable } from '../../../extension/record/value-codec';

const root = resolve(__dirname, '..', '..', '..');
const examples = join(root, 'examples');
const fixtures = join(root, 'test', 'fixtures', 'record');
const scratch = mkdtempSync(join(tmpdir(), 'perf-lab-record-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function checksum(bytes: Uint8Array): number {
  let hash = 2166136261;
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i]!, 16777619);
  return hash >>> 0;
}

describe('instrumentSource', () => {
  it('renames a declaration and adds the wrapper on its last line, so no line moves', async () => {
    const ts = await loadTypeScript();
    const src = "'use strict';\nfunction mix(a, b) {\n  return a + b;\n}\nconsole.log(mix(1, 2));\n";
    const out = instrumentSource(ts, src, 'k.js', 'mix');
    assert.equal(out.line, 2);
    assert.equal(out.arity, 2);
    const lines = out.code.split('\n');
    assert.equal(lines.length, src.split('\n').length);
    assert.match(lines[1]!, new RegExp(`function ${internalName('mix').replace('$', '\\$')}\\(a, b\\)`));
    assert.match(lines[3]!, /^}; function mix\(\.\.\.args\)/);
    assert.equal(lines[4], 'console.log(mix(1, 2));');
  });

  it('keeps exports: a default export moves to the wrapper, a const arrow keeps its keyword', async () => {
    const ts = await loadTypeScript();
    const d = instrumentSource(ts, 'export default function f(x: number): number { return x; }\n', 'k.ts', 'f').code;
    assert.match(d, /^ {7} {8}function __perfLab\$f\(x: number\)/);
    assert.match(d, /; export default function f\(this: any, \.\.\.args: any\[\]\): any/);
    const c = instrumentSource(ts, 'export const g = (x: number) => x * 2\nlet y = 1;\n', 'k.ts', 'g').code;
    assert.match(c, /^export const __perfLab\$g = \(x: number\) => x \* 2; export const g = function g/);
    assert.equal(c.split('\n').length, 3);
  });

  it('refuses a name that is not a function, saying which names there are', async () => {
    const ts = await loadTypeScript();
    assert.throws(
      () => instrumentSource(ts, 'function f() {}\n', 'k.js', 'g'),
      (e: unknown) => e instanceof PerfLabError && /k\.js has no function named g; its functions go by f \(/.test(e.message),
    );
    assert.throws(() => instrumentSource(ts, 'const g = 3;\n', 'k.js', 'g'), /is not a function/);
  });
});

describe('value codec', () => {
  it('round-trips numbers exactly, typed arrays by their bytes, arrays and objects', () => {
    const values: unknown[] = [NaN, -0, 0, Infinity, -Infinity, 5e-324, 2 ** 53 + 2, 'x', true, null, undefined, 12n];
    for (const v of values) assert.ok(Object.is(decodeValue(JSON.parse(JSON.stringify(encodeValue(v)))), v), String(v));
    const f = new Float64Array([NaN, -0, 1.5]);
    const back = decodeValue(JSON.parse(JSON.stringify(encodeValue(f)))) as Float64Array;
    assert.ok(back instanceof Float64Array);
    assert.deepEqual(Array.from(back), [NaN, -0, 1.5]);
    assert.ok(Object.is(back[1], -0));
    const u = decodeValue(encodeValue(new Uint8Array([1, 255]).subarray(1))) as Uint8Array;
    assert.deepEqual(Array.from(u), [255]);
    const nested = decodeValue(JSON.parse(JSON.stringify(encodeValue(snapshot({ x: new Int32Array([-1]), list: [1, -0, NaN] }))))) as {
      x: Int32Array;
      list: number[];
    };
    assert.deepEqual(Array.from(nested.x), [-1]);
    assert.ok(Object.is(nested.list[1], -0));
    assert.ok(decodeValue(encodeValue(snapshot(() => 1))) instanceof Unrecordable);
  });

  it('keeps holes, NaN payloads and -0 of plain arrays, and keys equal contents alike', () => {
    const payload = new Float64Array(new BigUint64Array([0x7ff8_0000_dead_beefn]).buffer)[0]!;
    // eslint-disable-next-line no-sparse-arrays
    const sparse = [1, , -0, payload, undefined];
    const back = decodeValue(JSON.parse(JSON.stringify(encodeValue(snapshot(sparse))))) as unknown[];
    assert.equal(back.length, 5);
    assert.ok(!(1 in back) && 4 in back && back[4] === undefined);
    assert.ok(Object.is(back[2], -0));
    assert.equal(new BigUint64Array(new Float64Array([back[3] as number]).buffer)[0], 0x7ff8_0000_dead_beefn);
    // eslint-disable-next-line no-sparse-arrays
    const mixed = decodeValue(JSON.parse(JSON.stringify(encodeValue(snapshot(['a', , 2]))))) as unknown[];
    assert.ok(!(1 in mixed) && mixed[0] === 'a' && mixed[2] === 2);
    assert.equal(contentKey(new Float64Array([1, 2])), contentKey(new Float64Array([1, 2]).slice()));
    assert.notEqual(contentKey(new Float64Array([0])), contentKey(new Float64Array([-0])));
    assert.notEqual(contentKey(new Float64Array([1])), contentKey(new Float32Array([1, 0])));
    assert.notEqual(contentKey(snapshot([1, 2])), contentKey(snapshot([1, 2, undefined])));
    assert.equal(callShape([new Float64Array(1000), 3, [1.5, 2]]), 'Float64Array[512–1023], number, Array of number[2–3]');
  });

  it('snapshots are deep copies, compared bit for bit', () => {
    const a = new Float64Array([1, 2]);
    const s = snapshot(a) as Float64Array;
    a[0] = 9;
    assert.equal(s[0], 1);
    assert.ok(sameSnapshot(snapshot([0, NaN]), [0, NaN]));
    assert.ok(!sameSnapshot([0], [-0]));
    assert.ok(!sameSnapshot(new Float64Array([1]), new Float32Array([1])));
  });
});

describe('CallSampler', () => {
  /** Offers one call of `shape` whose values are `bytes` bytes of its own plus stored values by key; whether it was kept. */
  function offer(s: CallSampler<number>, shape: string, value: number, bytes: number, stored: Record<string, number> = {}): boolean {
    const p = s.propose(shape);
    if (!p) return false;
    const keys = Object.keys(stored);
    const held = keys.filter((k) => s.storedValue(k) !== undefined);
    const added = new Map(keys.filter((k) => !held.includes(k)).map((k) => [k, { value: k, bytes: stored[k]! }]));
    const addedBytes = [...added.values()].reduce((n, a) => n + a.bytes, 0);
    if (!s.begin(p, { held, bytes: bytes + addedBytes })) return false;
    return s.put(p, value, bytes, keys, added, []);
  }

  it('keeps the first calls, then a reservoir, never more than maxCalls', () => {
    const s = new CallSampler<number>({ maxCalls: 10, maxBytes: 1e9, firstCalls: 4 }, 7);
    for (let i = 0; i < 10_000; i++) offer(s, 'number', i, 8);
    assert.equal(s.kept.length, 10);
    assert.deepEqual(s.kept.slice(0, 4), [0, 1, 2, 3]);
    assert.equal(s.total, 10_000);
    assert.ok(s.truncated);
    // A uniform sample of 10,000 calls: the reservoir's calls are spread out, not the first ones.
    assert.ok(s.kept.slice(4).some((i) => i > 5000));
  });

  it('stays within the byte budget and counts what it left out', () => {
    const s = new CallSampler<number>({ maxCalls: 64, maxBytes: 100, firstCalls: 8 });
    for (let i = 0; i < 20; i++) offer(s, 'number', i, 30);
    assert.equal(s.kept.length, 3);
    assert.ok(s.bytes <= 100);
    assert.equal(s.tooLarge, 17);
  });

  it('counts a stored value once, however many calls refer to it', () => {
    const s = new CallSampler<number>({ maxCalls: 64, maxBytes: 1000, firstCalls: 8 });
    for (let i = 0; i < 200; i++) offer(s, 'Float64Array[512–1023]', i, 10, { grid: 600 });
    assert.equal(s.kept.length, 40);
    assert.equal(s.bytes, 600 + 40 * 10);
    // A call with new contents of the same size does not fit any more.
    assert.equal(offer(s, 'Float64Array[512–1023]', 999, 10, { other: 600 }), false);
  });

  it('keeps every shape: a rare shape takes calls from the common one', () => {
    const s = new CallSampler<number>({ maxCalls: 12, maxBytes: 1e9, firstCalls: 2 }, 3);
    for (let i = 0; i < 3000; i++) {
      const shape = i % 1000 === 500 ? 'Float64Array[65536–131071]' : i % 100 === 7 ? 'Float64Array[512–1023]' : 'Float64Array[8–15]';
      offer(s, shape, i, 8);
    }
    const kept = new Map(s.shapes().map((x) => [x.shape, x.kept]));
    assert.equal(kept.get('Float64Array[65536–131071]'), 3);
    assert.ok(kept.get('Float64Array[512–1023]')! >= 3);
    assert.ok(kept.get('Float64Array[8–15]')! >= 3);
    assert.equal(s.kept.length, 12);
  });

  it('keeps the one call of a shape larger than the budget, up to the hard limit, and says why the rest were not kept', () => {
    const s = new CallSampler<number>({ maxCalls: 64, maxBytes: 100, firstCalls: 8, hardMaxBytes: 1000 });
    for (let i = 0; i < 5; i++) offer(s, 'small', i, 10);
    assert.ok(offer(s, 'big', 5, 10, { huge: 500 }));
    // The same contents again cost only the call's own bytes; new contents of that size do not fit.
    assert.ok(offer(s, 'big', 6, 10, { huge: 500 }));
    assert.equal(offer(s, 'big', 7, 10, { other: 500 }), false);
    assert.equal(offer(s, 'huger', 8, 10, { enormous: 2000 }), false);
    const shapes = s.shapes();
    assert.deepEqual(
      shapes.map((x) => [x.shape, x.kept, x.oversizedBytes, x.refused]),
      [
        ['small', 5, undefined, undefined],
        ['big', 2, 510, undefined],
        ['huger', 0, undefined, 1],
      ],
    );
    assert.ok(s.kept.includes(5) && s.kept.includes(6));
    const notes = samplingNotes(shapes, { maxCalls: 64, maxBytes: 100, firstCalls: 8, hardMaxBytes: 1000 });
    assert.ok(
      notes.some((n) => /The call of shape \(big\) holds 510 bytes, more than the 100 bytes recording budget: it is kept anyway, past the budget/.test(n)),
    );
    assert.ok(notes.some((n) => /No call of shape \(huger\) was recorded: .*perfLab\.args/.test(n)));
  });
});

describe('recorded parameter types', () => {
  /** A recording of calls whose arguments were snapshotted as the recorder does. */
  const recordingOf = (...calls: unknown[][]): Recording =>
    ({
      arity: calls[0]!.length,
      calls: calls.map((args) => ({ args: args.map((a) => snapshot(a)), result: undefined, argsAfter: args.map(() => null) })),
    }) as unknown as Recording;
  class Body {
    constructor(
      readonly x: number,
      readonly mass: number,
    ) {}
  }

  it('gives each parameter its type, or says what the program passed that the compiler does not take', () => {
    const rec = recordingOf(
      [[[1, 2, 3, 4, 5, 6, 7]], [{ x: 1 }], [new Body(1, 2)], new Body(0, 1), 'abc', [1, 'a'], 0.01, 3, [{ x: 1 }, { y: 2 }], { a: 'x' }],
      [[[7, 6, 5, 4, 3, 2, 1]], [{ x: 2 }], [new Body(3, 4)], new Body(1, 1), 'def', [2, 'b'], 0.02, 4, [{ x: 1 }, { y: 2 }], { a: 'y' }],
    );
    assert.deepEqual(recordedParams(rec, 10), [
      'number[][]',
      '{x}[]',
      'Body{x,mass}[]',
      'Body{x,mass}',
      'string',
      { passed: 'an array holding a string', why: 'compiled code takes only numbers, booleans, typed arrays and arrays of numbers' },
      'double',
      'number',
      {
        passed: 'an array of objects',
        why: 'arrays of objects are compiled when every object has the same class and the same keys in the same order, each holding a number',
      },
      {
        passed: 'an object',
        why: 'objects are compiled when every key holds a number or a typed array (objects holding plain arrays or other objects are not yet)',
      },
    ]);
    assert.equal(recordedParamTypes(rec, 10), undefined);
  });

  it('types objects holding typed arrays by each key, of one object only (not arrays of them, nor Buffers or BigInt arrays)', () => {
    class Swarm {
      px = new Float32Array(3);
      alive = new Uint8Array(3);
      damping = 0.99;
    }
    const rec = recordingOf(
      [new Swarm(), [{ x: new Float64Array(1) }], { b: new BigInt64Array(1), n: 1 }, { x: new Float64Array(2), list: [1] }],
      [new Swarm(), [{ x: new Float64Array(1) }], { b: new BigInt64Array(1), n: 1 }, { x: new Float64Array(2), list: [1] }],
    );
    const why = 'objects are compiled when every key holds a number or a typed array (objects holding plain arrays or other objects are not yet)';
    assert.deepEqual(recordedParams(rec, 4), [
      'Swarm{px:Float32Array,alive:Uint8Array,damping}',
      {
        passed: 'an array of objects',
        why: 'arrays of objects are compiled when every object has the same class and the same keys in the same order, each holding a number',
      },
      { passed: 'an object', why },
      { passed: 'an object', why },
    ]);
  });

  it('says so when the calls disagree, and names typed arrays of arrays, rows of mixed kinds and functions', () => {
    const rec = recordingOf(
      [1, [new Float64Array(2)], (x: number) => x, [[1], new Float64Array(1)], [new Int8Array(1)]],
      [new Float64Array(1), [new Float64Array(2)], (x: number) => x, [[2], new Float64Array(1)], [new Int8Array(1), new Uint8Array(1)]],
    );
    const mixedRows = 'arrays of arrays are compiled when every row is a plain array of numbers, or every row a typed array of one kind';
    assert.deepEqual(recordedParams(rec, 5), [
      { passed: 'a number in some calls and a Float64Array in others', why: 'compiled code takes one type per parameter' },
      'Float64Array[]',
      { passed: 'a function (anonymous)', why: 'compiled code takes only numbers, booleans, typed arrays and arrays of numbers' },
      { passed: 'an array of mixed values', why: mixedRows },
      { passed: 'an array of mixed values', why: mixedRows },
    ]);
    assert.deepEqual(recordedParamTypes(recordingOf([new Int16Array(1), 2, true], [new Int16Array(2), 2.5, false]), 3), ['Int16Array', 'double', 'boolean']);
  });
});

describe('record', () => {
  it('records a CommonJS kernel (examples/hot-helper.js checksum): real arguments and results', async () => {
    const rec = await record({ file: join(examples, 'hot-helper.js'), functionName: 'checksum', args: ['512', '12'] });
    assert.equal(rec.totalCalls, 12);
    assert.equal(rec.calls.length, 12);
    assert.equal(rec.truncated, false);
    assert.equal(rec.line, 11);
    assert.equal(rec.arity, 1);
    for (const c of rec.calls) {
      const bytes = c.args[0] as Uint8Array;
      assert.ok(bytes instanceof Uint8Array);
      assert.equal(bytes.length, 512);
      assert.equal(c.result, checksum(bytes));
      assert.ok(sameSnapshot(c.argsAfter[0], bytes));
    }
    // The program flips one byte per round: the recorded inputs are the real, changing ones.
    assert.notEqual(rec.calls[0]!.result, rec.calls[1]!.result);
    assert.deepEqual(recordedParamTypes(rec, rec.arity), ['Uint8Array']);
  });

  it('records an ES module, with mutated arrays and special numbers', async () => {
    const rec = await record({ file: join(fixtures, 'scale.mjs'), functionName: 'scale' });
    assert.equal(rec.totalCalls, 5);
    const first = rec.calls[0]!;
    assert.deepEqual(Array.from(first.args[0] as Float64Array), [1, -0, NaN, Infinity, 2.5, -3]);
    assert.ok(Object.is((first.args[0] as Float64Array)[1], -0));
    assert.deepEqual(Array.from(first.argsAfter[0] as Float64Array), [2, -0, NaN, Infinity, 5, -6]);
    assert.equal(first.argsAfter[1], null);
    assert.ok(Object.is(rec.calls[4]!.args[1], -0));
    assert.equal(first.result, 6);
    // -0 is not an int32, so the recorded type is a double.
    assert.deepEqual(recordedParamTypes(rec, 2), ['Float64Array', 'double']);
  });

  it('records a TypeScript const arrow function through the bundle', async () => {
    const rec = await record({ file: join(fixtures, 'dot.ts'), functionName: 'dot', args: ['20'] });
    assert.equal(rec.totalCalls, 10);
    assert.equal(rec.line, 2);
    const [a, b] = rec.calls[0]!.args as Float64Array[];
    let s = 0;
    for (let i = 0; i < 20; i++) s += a![i]! * b![i]!;
    assert.equal(rec.calls[0]!.result, s);
  });

  it('records objects holding typed arrays (examples/pairwise.ts)', async () => {
    const rec = await record({ file: join(examples, 'pairwise.ts'), functionName: 'sumPairwiseDistances', args: ['30', '2'] });
    assert.equal(rec.totalCalls, 2);
    const p = rec.calls[0]!.args[0] as { x: Float64Array };
    assert.ok(p.x instanceof Float64Array && p.x.length === 30);
    // Typed by its keys in order, each with the kind of typed array it holds.
    assert.deepEqual(recordedParamTypes(rec, 1), ['{x:Float64Array,y:Float64Array,z:Float64Array}']);
  });

  it('keeps a bounded sample: the first calls plus a reservoir', async () => {
    const rec = await record({ file: join(examples, 'hot-helper.js'), functionName: 'mix', args: ['256', '4'], limits: { maxCalls: 20, firstCalls: 5 } });
    assert.equal(rec.totalCalls, 1024);
    assert.equal(rec.calls.length, 20);
    assert.ok(rec.truncated);
    assert.deepEqual(
      rec.calls.slice(0, 5).map((c) => c.args[1]),
      [6, 38, 69, 100, 131],
    );
  });

  it('saves the calls so far when a never-ending program is stopped by the timeout', async () => {
    const rec = await record({ file: join(fixtures, 'forever-calls.js'), functionName: 'step', timeoutMs: 1000, limits: { maxCalls: 16 } });
    assert.ok(rec.totalCalls > 1000, String(rec.totalCalls));
    assert.equal(rec.calls.length, 16);
    assert.equal(rec.calls[0]!.result, 3);
  });

  it('says plainly when the function was never called', async () => {
    await assert.rejects(
      record({ file: join(fixtures, 'never.js'), functionName: 'unused' }),
      (e: unknown) => e instanceof PerfLabError && /^unused was never called in this run; it ran to the end\./.test(e.message),
    );
  });
});

describe('recording store', () => {
  it('finds a recording while the file is unchanged, and not after it changed', async () => {
    const file = join(scratch, 'hot-helper.js');
    copyFileSync(join(examples, 'hot-helper.js'), file);
    const rec = await record({ file, functionName: 'checksum', args: ['64', '3'] });
    const store = join(scratch, 'store');
    await saveRecording(store, rec);
    const back = (await loadRecording(store, file, 'checksum')) as Recording;
    assert.ok(back);
    assert.equal(back.totalCalls, 3);
    assert.deepEqual(Array.from(back.calls[2]!.args[0] as Uint8Array), Array.from(rec.calls[2]!.args[0] as Uint8Array));
    assert.equal(await loadRecording(store, file, 'mix'), undefined);
    // One made by a recorder of another format (which captured other hidden arguments) is not used: it is recorded again.
    const path = recordingPath(store, file, 'checksum', rec.sourceHash);
    renameSync(path, path.replace(`-r${RECORDER_FORMAT}.json`, `-r${RECORDER_FORMAT - 1}.json`));
    assert.equal(await loadRecording(store, file, 'checksum'), undefined);
    await saveRecording(store, rec);
    assert.deepEqual(readdirSync(join(store, 'recordings')), [basename(path)], 'the older one is removed when the function is recorded again');
    writeFileSync(file, readFileSync(file, 'utf8') + '\n// changed\n');
    assert.equal(await loadRecording(store, file, 'checksum'), undefined);
  });

  it('still reads a recording stored before contents were stored once (format version 1)', () => {
    const v1 = {
      version: 1,
      file: '/x.js',
      functionName: 'f',
      sourceHash: 'h',
      line: 1,
      arity: 1,
      calls: [{ args: [{ array: [1, { num: '-0' }] }], result: 3, argsAfter: [{ same: true }] }],
      totalCalls: 1,
      truncated: false,
      tooLarge: 0,
      limits: { maxCalls: 64, maxBytes: 16777216, firstCalls: 16 },
      recordedAt: 'then',
      runtimeVersion: 'v20',
    };
    const back = decodeRecording(JSON.parse(JSON.stringify(v1)) as EncodedRecording);
    assert.ok(Object.is((back.calls[0]!.args[0] as number[])[1], -0));
    assert.deepEqual(back.calls[0]!.argsAfter[0], [1, -0]);
    assert.equal(back.shapes, undefined);
  });

  it('encodes to JSON and back without losing a bit', () => {
    const rec: Recording = {
      file: '/x.js',
      functionName: 'f',
      sourceHash: 'h',
      line: 1,
      arity: 2,
      calls: [{ args: [new Float32Array([NaN, -0]), -0], result: NaN, argsAfter: [new Float32Array([1, 2]), null] }],
      totalCalls: 1,
      truncated: false,
      tooLarge: 0,
      limits: { maxCalls: 1, maxBytes: 1, firstCalls: 1 },
      recordedAt: 'now',
      runtimeVersion: 'v20',
    };
    const back = decodeRecording(JSON.parse(JSON.stringify(encodeRecording(rec))));
    assert.ok(Object.is(back.calls[0]!.args[1], -0));
    assert.ok(Number.isNaN(back.calls[0]!.result));
    assert.deepEqual(Array.from(back.calls[0]!.argsAfter[0] as Float32Array), [1, 2]);
  });
});

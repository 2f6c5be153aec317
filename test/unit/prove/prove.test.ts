// The prove stage: comparison, edge cases and shrinking as pure functions, then real proofs of compiled kernels in a
// child process (a correct candidate, a wrong one with its shrunk counter-example, a vacuous one).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { before, describe, it } from 'node:test';
import type { AbiParam } from '../../../extension/abi';
import { compile, type Candidate } from '../../../extension/compiler/compile';
import type { ParamTypeName } from '../../../extension/compiler/frontend-js';
import { formatRefusal } from '../../../extension/compiler/refusal';
import { record } from '../../../extension/record/record';
import { recordedParamTypes, type Recording } from '../../../extension/record/recording';
import { compareCalls, sameNumber } from '../../../extension/prove/compare';
import { edgeCases } from '../../../extension/prove/edge-cases';
import { describeProof, prove } from '../../../extension/prove/prove';
import { complexity, shrinkCandidates, smaller } from '../../../extension/prove/shrink';

const root = resolve(__dirname, '..', '..', '..');
const hotHelper = join(root, 'examples', 'hot-helper.js');
const fixtures = join(root, 'test', 'fixtures', 'record');

async function candidateOf(source: string, fileName: string, functionName: string, params?: ParamTypeName[]): Promise<Candidate> {
  const r = await compile({ source, fileName, functionName, ...(params ? { params } : {}) });
  if (!r.ok) assert.fail(formatRefusal(r.refusal));
  return r.candidate;
}

describe('compare', () => {
  it('numbers match bit for bit: -0 is not +0, any NaN is NaN', () => {
    assert.ok(sameNumber(NaN, -NaN));
    assert.ok(!sameNumber(0, -0));
    assert.ok(!sameNumber(1, 1 + Number.EPSILON));
    assert.ok(sameNumber(1, 1 + Number.EPSILON, { relative: 1e-12, absolute: 0 }));
    assert.ok(!sameNumber(Infinity, 1e308, { relative: 1, absolute: 1 }));
  });

  it('a call differs by its result or by an array argument after the call', () => {
    const args = [new Float64Array(3)];
    assert.equal(compareCalls(args, { value: 1 }, { value: 1 }, [new Float64Array([1, 2, 3])], [new Float64Array([1, 2, 3])]), undefined);
    const d = compareCalls(args, { value: 1 }, { value: 1 }, [new Float64Array([1, 2, 3])], [new Float64Array([1, 2, -0])])!;
    assert.match(d.why, /argument 1 differs after the call at index 2: 3 expected, -0 written/);
    assert.deepEqual(d.argsAfter, [{ arg: 0, index: 2, expected: 3, actual: -0 }]);
    assert.match(
      compareCalls([], { value: 0 }, { value: -0 }, [], [])!.why,
      /result differs: 0 expected, -0 returned \(bits 0000000000000000 \/ 8000000000000000\)/,
    );
    assert.match(compareCalls([], { value: 0 }, { threw: 'RangeError: x' }, [], [])!.why, /candidate threw RangeError/);
  });
});

describe('edge cases and shrinking', () => {
  const params: AbiParam[] = [
    { name: 'a', kind: 'array', array: 'Float64Array', written: false },
    { name: 'n', kind: 'int32' },
  ];
  it('cover JavaScript edge values in scalars and elements, empty and length-1 arrays, large values last', () => {
    const cases = edgeCases(params, [new Float64Array([1, 2, 3, 4, 5]), 5]);
    const scalars = cases.filter((c) => c.label.startsWith('argument 2 =')).map((c) => c.args[1] as number);
    for (const v of [NaN, -0, -Infinity, Infinity, 5e-324, 2 ** 31, 2 ** 31 - 1, -(2 ** 31), 2 ** 32, 2 ** 53])
      assert.ok(
        scalars.some((x) => Object.is(x, v)),
        String(v),
      );
    assert.ok(cases.some((c) => (c.args[0] as Float64Array).length === 0));
    assert.ok(cases.some((c) => (c.args[0] as Float64Array).length === 1 && Number.isNaN((c.args[0] as Float64Array)[0])));
    assert.ok(
      cases.some((c) => {
        const a = c.args[0] as Float64Array;
        return a.length === 5 && Object.is(a[2], -0) && a[1] === 2;
      }),
    );
    const growth = cases.filter((c) => c.growth);
    assert.ok(growth.length > 0 && cases.slice(-growth.length).every((c) => c.growth));
    assert.ok(growth.every((c, i) => i === 0 || c.growth!.magnitude >= growth[i - 1]!.growth!.magnitude));
  });

  it('shrinking only proposes strictly smaller inputs, arrays of one length cut together', () => {
    const args = [new Float64Array([3.5, 7, 1e9]), new Float64Array([1, 2, 3]), 1234.5];
    const variants = shrinkCandidates(args);
    assert.ok(variants.length > 0);
    assert.ok(variants.every((v) => smaller(v, args)));
    assert.deepEqual(
      variants[0]!.map((a) => (typeof a === 'number' ? a : (a as Float64Array).length)),
      [0, 0, 1234.5],
    );
    assert.ok(complexity(0) < complexity(1) && complexity(1) < complexity(7) && complexity(7) < complexity(0.25) && complexity(0.25) < complexity(NaN));
  });
});

describe('prove (real child processes)', () => {
  const source = readFileSync(hotHelper, 'utf8');
  const original = { source, fileName: 'hot-helper.js', functionName: 'checksum' };
  let rec: Recording;
  before(async () => {
    rec = await record({ file: hotHelper, functionName: 'checksum', args: ['256', '12'] });
  });

  it('proves a correct candidate on the recorded calls and the edge cases, with the WebAssembly code really running', async () => {
    const candidate = await candidateOf(source, 'hot-helper.js', 'checksum', recordedParamTypes(rec, rec.arity));
    const p = await prove(original, candidate, rec);
    assert.equal(p.ok, true, describeProof(p, 'checksum'));
    assert.equal(p.recordedCases, 12);
    assert.ok(p.edgeCases > 20);
    assert.equal(p.mismatches, 0);
    assert.equal(p.recordedCompiledCalls, 12);
    assert.equal(p.vacuous, false);
    assert.match(p.comparison, /bit for bit/);
    assert.match(describeProof(p, 'checksum'), /^Proof: PROVEN/);
  });

  it('refuses a wrong candidate with the smallest counter-example it finds', async () => {
    // The same function, compiled from a version that is off by one once an array has six elements.
    const wrong = source.replace('return hash >>> 0;', 'return (hash + (bytes.length > 5 && bytes[2] > 1 ? 1 : 0)) >>> 0;');
    assert.notEqual(wrong, source);
    const candidate = await candidateOf(wrong, 'hot-helper.js', 'checksum', ['Uint8Array']);
    const p = await prove(original, candidate, rec);
    assert.equal(p.ok, false);
    assert.ok(p.mismatches > 0);
    const c = p.counterexample!;
    assert.ok(c);
    assert.equal(c.foundIn, 'recorded');
    const bytes = c.args[0] as Uint8Array;
    assert.equal(bytes.length, 6, describeProof(p, 'checksum'));
    assert.ok(bytes[2]! > 1);
    assert.ok('value' in c.actual && 'value' in c.expected && c.actual.value === (c.expected.value as number) + 1);
    assert.match(c.why, /the result differs/);
    assert.match(p.reason!, /differs from the original/);
  });

  it('finds a wrong write to an array argument and names the element', async () => {
    const file = join(fixtures, 'scale.mjs');
    const scaleSource = readFileSync(file, 'utf8');
    const scaleRec = await record({ file, functionName: 'scale' });
    const wrong = scaleSource.replace('a[i] = a[i] * k;', 'a[i] = i === 2 ? a[i] * k + 1 : a[i] * k;');
    const candidate = await candidateOf(wrong, 'scale.mjs', 'scale', recordedParamTypes(scaleRec, 2));
    const p = await prove({ source: scaleSource, fileName: 'scale.mjs', functionName: 'scale' }, candidate, scaleRec);
    assert.equal(p.ok, false);
    const c = p.counterexample!;
    assert.equal((c.args[0] as Float64Array).length, 3, describeProof(p, 'scale'));
    assert.equal(c.argsAfter[0]!.arg, 0);
    assert.equal(c.argsAfter[0]!.index, 2);
    assert.match(c.why, /argument 1 differs after the call at index 2/);
  });

  it('calls a proof vacuous when the recorded calls all fall back to the original', async () => {
    // Compiled for Float64Array, while the program passes a Uint8Array: the loader always falls back.
    const candidate = await candidateOf(source, 'hot-helper.js', 'checksum', ['Float64Array']);
    const p = await prove(original, candidate, rec);
    assert.equal(p.mismatches, 0);
    assert.equal(p.vacuous, true);
    assert.equal(p.ok, false);
    assert.equal(p.recordedCompiledCalls, 0);
    assert.match(p.reason!, /ran on only 0 of 12 recorded calls.*not a Float64Array.*vacuous/);
    assert.match(describeProof(p, 'checksum'), /NOT PROVEN \(vacuous\)/);
  });

  it('gives up edge cases that make a loop run for ever, and skips larger values of the same parameter', async () => {
    const file = join(fixtures, 'sum-to.js');
    const src = readFileSync(file, 'utf8');
    const sumRec = await record({ file, functionName: 'sumTo' });
    const candidate = await candidateOf(src, 'sum-to.js', 'sumTo', recordedParamTypes(sumRec, 2));
    const p = await prove({ source: src, fileName: 'sum-to.js', functionName: 'sumTo' }, candidate, sumRec, { caseTimeoutMs: 300 });
    assert.equal(p.ok, true, describeProof(p, 'sumTo'));
    assert.ok(p.skipped.some((s) => /ran longer than/.test(s.why)));
    assert.ok(p.skipped.some((s) => /a smaller value of argument 2 already ran longer/.test(s.why)));
    assert.ok(p.skipped.length <= 12, String(p.skipped.length));
  });
});

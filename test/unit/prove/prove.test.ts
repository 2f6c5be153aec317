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
    assert.ok(p.skipped.some((s) => s.cause === 'original' && /the original did not finish within \d+ ms on this input/.test(s.why)));
    assert.ok(p.skipped.some((s) => /not run: a smaller value of argument 2 \(\d+\) already kept the original running longer than \d+ ms/.test(s.why)));
    assert.ok(p.skipped.length <= 12, String(p.skipped.length));
  });

  it("stops an edge case the original cannot finish where the edge cases' bound ends, however long its own time", async () => {
    // The recorded calls are quick, but with a case time of minutes a large value (2^31 - 1 steps) held the proof for
    // that long: the bound on all edge cases bounds the one running too.
    const file = join(fixtures, 'sum-to.js');
    const src = readFileSync(file, 'utf8');
    const sumRec = await record({ file, functionName: 'sumTo' });
    const candidate = await candidateOf(src, 'sum-to.js', 'sumTo', recordedParamTypes(sumRec, 2));
    const started = performance.now();
    const p = await prove({ source: src, fileName: 'sum-to.js', functionName: 'sumTo' }, candidate, sumRec, { caseTimeoutMs: 120_000, edgeBudgetMs: 2000 });
    const ms = performance.now() - started;
    assert.equal(p.ok, true, describeProof(p, 'sumTo'));
    const cut = p.skipped.filter((s) => s.cause === 'original');
    assert.ok(
      cut.length >= 1 && cut.every((s) => /^the original did not finish within \d+ ms \(what was left of the edge cases' 2 s\) on this input$/.test(s.why)),
      describeProof(p, 'sumTo'),
    );
    assert.ok(ms < 30_000, `the proof took ${Math.round(ms)} ms`);
  });

  describe('an edge case that hangs on one input', () => {
    const file = join(fixtures, 'settle.js');
    const src = readFileSync(file, 'utf8');
    const settle = { source: src, fileName: 'settle.js', functionName: 'settle' };
    let settleRec: Recording;
    before(async () => {
      settleRec = await record({ file, functionName: 'settle' });
    });

    it('names that input, blames no other, and says which case it is on as it goes', async () => {
      const candidate = await candidateOf(src, 'settle.js', 'settle', recordedParamTypes(settleRec, 2));
      const messages: string[] = [];
      const p = await prove(settle, candidate, settleRec, { caseTimeoutMs: 300, progress: (e) => messages.push(e.message) });
      assert.equal(p.ok, true, describeProof(p, 'settle'));
      // Only x = -Infinity never ends. Its answer is not what the case before it (x = NaN, with 3 MB of arrays in its
      // answer) is blamed for: each message leaves the child before the next run starts.
      assert.deepEqual(
        p.skipped.map((s) => [s.label, s.cause]),
        [['argument 2 = -Infinity', 'original']],
        describeProof(p, 'settle'),
      );
      const hang = p.skipped[0]!;
      assert.equal(hang.why, 'the original did not finish within 300 ms on this input');
      assert.match(hang.input!, /^settle\(Float64Array \[0\.14\d*, 0\.28\d*, 0\.42\d*, 0\.57\d*, … \(200000 elements\)\], -Infinity\)$/);
      assert.ok(
        p.notes.some((n) =>
          /^1 case was skipped because the original did not finish on that input in time: argument 2 = -Infinity, the call settle\(.*-Infinity\): the original did not finish within 300 ms on this input\.$/.test(
            n,
          ),
        ),
        p.notes.join('\n'),
      );
      // Progress names each case as it starts: every recorded call, then every edge case, numbered.
      const edges = messages.filter((m) => /^Proving: edge case \d+ of \d+ \(/.test(m));
      const n = Number(/of (\d+)/.exec(edges[0]!)![1]);
      assert.equal(edges.length, n);
      assert.ok(edges.every((m, i) => m.startsWith(`Proving: edge case ${i + 1} of ${n} (`)));
      assert.ok(edges.some((m) => m.endsWith(' (argument 2 = -Infinity)…')));
      assert.ok(messages.includes('Proving: recorded call 3 of 3 through both versions…'));
    });

    it('refuses a compiled version that does not finish where the original returned', async () => {
      // Compiled from a version that never leaves the loop when x is 0.5; the original settles in 30 halvings.
      const wrong = src.replace('while (d > 1e-9) {', 'while (d > 1e-9 || x === 0.5) {');
      assert.notEqual(wrong, src);
      const candidate = await candidateOf(wrong, 'settle.js', 'settle', recordedParamTypes(settleRec, 2));
      const p = await prove(settle, candidate, settleRec, { caseTimeoutMs: 300 });
      assert.equal(p.ok, false);
      const hang = p.skipped.find((s) => s.cause === 'candidate')!;
      assert.equal(hang.label, 'argument 2 = 0.5');
      assert.match(hang.why, /^the compiled version did not finish within \d+ ms on this input, where the original returned in [\d.]+ ms$/);
      assert.match(
        p.reason!,
        /^The WebAssembly code did not finish on an input where the original returned: on argument 2 = 0\.5, the call settle\(.*, 0\.5\), .*It may not terminate there, so it is not applied\.$/,
      );
    });

    it('bounds the edge cases in time: the cases not started by then are counted, not run', async () => {
      const candidate = await candidateOf(src, 'settle.js', 'settle', recordedParamTypes(settleRec, 2));
      const p = await prove(settle, candidate, settleRec, { caseTimeoutMs: 300, edgeBudgetMs: 1 });
      const notRun = p.skipped.filter((s) => s.cause === 'budget');
      assert.ok(p.edgeCases <= 2 && notRun.length + p.edgeCases > 50, describeProof(p, 'settle'));
      assert.ok(notRun.every((s) => s.why === "not run: the edge cases' 1 ms bound was reached" && s.input === undefined));
      assert.ok(p.notes.includes(`${notRun.length} edge cases were not run: the edge cases' 1 ms bound was reached.`), p.notes.join('\n'));
      assert.equal(p.recordedCases, 3);
    });
  });
});

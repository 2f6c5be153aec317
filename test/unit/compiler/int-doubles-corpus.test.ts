// Integer arithmetic that JavaScript holds in doubles (test/fixtures/js-corpus/: trial division, Euclid's algorithm,
// Collatz chains, a divisor sieve over a plain array, digit sums): each program is run, its hot function recorded,
// compiled to WebAssembly and to a native addon, proven, applied, and run again with the same whole output, every
// call running compiled code. The compiled code must hold the integers as integers: no call of the host's `%` or
// of fmod, which made such kernels many times slower than the JavaScript they replaced.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compileKernel, selectKernel } from '../../../extension/compiler/compile';
import { compileNative } from '../../../extension/compiler/compile-native';
import { formatRefusal } from '../../../extension/compiler/refusal';
import { record } from '../../../extension/record/record';
import { recordedParams } from '../../../extension/record/recording';
import { corpusCopies, proveApplyRun, runNode } from './apply-and-run';

const { copyOf, dir } = corpusCopies(join(__dirname, '../../fixtures/js-corpus'), 'perf-lab-int-corpus-');

const PROGRAMS = [
  { file: 'trial-division.js', fn: 'countPrimes', what: '`d * d <= k` and `k % d === 0` over var counters' },
  { file: 'gcd-pairs.js', fn: 'coprimeStats', what: "Euclid's algorithm written out in the loop, a step counter" },
  { file: 'gcd-pairs.js', fn: 'gcd', what: 'both parameters reassigned by `b = a % b`: guarded int32 on entry, integers inside' },
  { file: 'collatz.js', fn: 'longestChain', what: '`n % 2 === 0 ? (n / 2) | 0 : 3 * n + 1`' },
  { file: 'divisor-sieve.js', fn: 'divisorCounts', what: 'a plain array of counts, `k += d` strides' },
  { file: 'digit-sums.js', fn: 'harshad', what: '`x % 10`, `Math.floor(x / 10)` and `k % sum`, a range from two parameters' },
];

describe('integer arithmetic in doubles is compiled as integers, proven, applied, and prints the same', () => {
  for (const p of PROGRAMS) {
    it(`${p.file} ${p.fn}: ${p.what}`, async () => {
      const recorded = await copyOf(p.file, 'record');
      const source = await readFile(recorded, 'utf8');
      const before = runNode(recorded).stdout;
      const rec = await record({ file: recorded, functionName: p.fn });
      assert.ok(rec.calls.length > 0, 'the program calls the function');
      const sel = await selectKernel({ source, fileName: p.file, functionName: p.fn, params: recordedParams(rec, rec.arity)! });
      assert.ok(sel.ok, sel.ok ? '' : formatRefusal(sel.refusal));
      const wasm = await compileKernel(sel.kernel);
      assert.doesNotMatch(wasm.wat, /\(import "js" "mod"/, 'no call of the host % in the WebAssembly');
      const native = await compileNative(sel.kernel, { cacheDir: join(dir(), 'native-cache') });
      assert.doesNotMatch(native.cpp.slice(native.cpp.indexOf('namespace k0_')), /fmod|js_mod/, 'no fmod in the C++');
      for (const candidate of [wasm, native]) {
        const file = await copyOf(p.file, candidate.target);
        const r = await proveApplyRun(file, source, p.fn, candidate, { recording: rec, countCalls: true });
        assert.ok(r.proof.recordedCompiledCalls > 0, `${candidate.target}: the compiled code ran on the recorded calls`);
        assert.equal(r.after, before, `${candidate.target}: the same output`);
        assert.ok(r.stats && r.stats.calls > 0 && r.stats.fallbacks === 0, `${candidate.target}: every call ran compiled code (${JSON.stringify(r.stats)})`);
      }
    });
  }
});

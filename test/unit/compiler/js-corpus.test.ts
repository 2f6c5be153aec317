// Programs written the way classic numeric JavaScript is (test/fixtures/js-corpus/: var everywhere, constants and
// tables at file level, function declarations, a main loop that prints): each is run, its hot function recorded,
// typed by the recording, compiled to WebAssembly and to a native addon, proven on the recorded calls, applied, and
// run again; the whole output must be the same and the applied program must have run the compiled code. The
// programs the compiler does not take yet must be refused through the optimize flow with the real reason.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compileKernel, selectKernel } from '../../../extension/compiler/compile';
import { compileNative } from '../../../extension/compiler/compile-native';
import { formatRefusal } from '../../../extension/compiler/refusal';
import { optimize, optimizeRequest } from '../../../extension/optimize/optimize';
import { record } from '../../../extension/record/record';
import { recordedParams } from '../../../extension/record/recording';
import { corpusCopies, proveApplyRun, runNode } from './apply-and-run';

const { copyOf, dir } = corpusCopies(join(__dirname, '../../fixtures/js-corpus'), 'perf-lab-corpus-');

const COMPILED = [
  { file: 'spectral-norm.js', fn: 'AtAu', what: 'var counters declared once and reused by every loop, helpers called with arrays' },
  { file: 'nbody-flat.js', fn: 'advance', what: 'SOLAR_MASS and STRIDE at file level, var declared in loop bodies' },
  { file: 'mandelbrot-count.js', fn: 'mandelbrot', what: 'var at the top, file-level constants, a counter read after its loop' },
  { file: 'fnv-hash.js', fn: 'hashBytes', what: 'uint32 arithmetic with >>> 0 and Math.imul, a constant computed from literals' },
  { file: 'running-stats.js', fn: 'summarize', what: 'a var assigned before its declaration, declared twice, read after its loop' },
  {
    file: 'fluid-closure.js',
    fn: 'FluidField/lin_solve',
    what: "a constructor's closure reading its numeric locals and calling set_bnd beside it, two fields of different sizes",
  },
  { file: 'nbody-prototype.js', fn: 'NBodySystem.prototype.advance', what: 'a prototype method over a flat Float64Array' },
  { file: 'stats-static.js', fn: 'Stats.variance', what: 'a static method of a class' },
  { file: 'stats-static.js', fn: 'Filters.smooth', what: 'a method of an object literal' },
  { file: 'fibonacci.js', fn: 'fib', what: 'direct recursion, two calls per call' },
  { file: 'quicksort.js', fn: 'quicksort', what: 'recursion over index ranges of a typed array, with a helper' },
  { file: 'primes-list.js', fn: 'primesUpTo', what: 'a Uint8Array of flags and an array literal made in the function, pushed to and returned' },
  { file: 'fannkuch-local.js', fn: 'fannkuch', what: 'three new Array(n) work arrays, holes until filled, and a two-element array literal returned' },
  { file: 'moving-average.js', fn: 'movingAverage', what: 'a Float64Array made in the function, its length from the arguments, and returned' },
  { file: 'moving-average.js', fn: 'histogram', what: 'an Int32Array of counts made in the function and returned' },
  { file: 'nbody-nested.js', fn: 'advance', what: 'bodies as an array of seven-number plain arrays, read and written as bodies[i][k]' },
  { file: 'sieve-flags.js', fn: 'countPrimes', what: 'an array of booleans pushed one by one, flags[0] = flags[1] = false, if (flags[p])' },
  { file: 'sieve-flags.js', fn: 'sumOfPrimes', what: 'new Array(limit + 1).fill(true), flags cleared and read with !isPrime[p]' },
  { file: 'rows-swapped.js', fn: 'editDistance', what: 'the two-row edit distance, new Array(n + 1) rows swapped by var t = prev; prev = cur; cur = t' },
  { file: 'rows-swapped.js', fn: 'diffuse', what: 'two filled rows swapped after each pass, the one u holds at the end returned' },
  { file: 'rows-swapped.js', fn: 'distanceTyped', what: 'Int32Array rows swapped by t = prev; prev = cur; cur = t, t declared with the rows and no value' },
  {
    file: 'nbody-factory.js',
    fn: 'advance',
    what: 'bodies made by a factory as object literals holding seven numbers and a method (offsetMomentum), its numeric fields read and written',
  },
  { file: 'matrix-rows.js', fn: 'relax', what: 'a grid of Float64Array rows relaxed in place, m.length and m[i].length bounding the loops' },
  { file: 'matrix-rows.js', fn: 'rowSums', what: 'a triangle of plain arrays of growing length (ragged rows), read' },
  {
    file: 'matrix-aliases.js',
    fn: 'multiply',
    what: 'C = A·B with var ai = a[i], each row of C made with new Array(p), filled, pushed onto c = [] and c returned',
  },
  { file: 'matrix-aliases.js', fn: 'normalizeRows', what: 'const row = m[i] over Float64Array rows: row.length, row[j] read and row[j] /= sum written' },
  {
    file: 'matrix-aliases.js',
    fn: 'blur',
    what: 'rows of a file-level table of arrays and of the grid held in var wr = WEIGHTS[dy], gr = g[y + dy - 1]; rows pushed one by one, then returned',
  },
  { file: 'matrix-aliases.js', fn: 'extremes', what: 'out.push([lo, hi]) per row of ragged plain rows (one empty, one holding -0), returned' },
  { file: 'smoothing-table.js', fn: 'smooth', what: 'a table of weights at file level (var WEIGHTS = […]), read on every call' },
  {
    file: 'lookup-tables.js',
    fn: 'filterGrid',
    what: 'a Float64Array filled at start-up, an array of arrays and a gain the program changes between calls, all at file level',
  },
  {
    file: 'fasta-random.js',
    fn: 'makeRandom',
    what: "fasta's generator: the file-level seed advanced by a helper it calls, read in and written back, reset by the program once",
  },
  { file: 'levenshtein.js', fn: 'levenshtein', what: 'two string parameters: s.length and s[i - 1] === t[k - 1] over their UTF-16 code units, one with é' },
  {
    file: 'hamming-counts.js',
    fn: 'readStats',
    what: "a.charCodeAt(i) counted, a[i] !== b[i] and a[i] === 'N' compared, reads of unequal length returning early",
  },
  {
    file: 'particles-objects.js',
    fn: 'step',
    what: 'an array of Particle objects made by a constructor function, p = particles[i] held in a var, fields read and written',
  },
  {
    file: 'nbody-objects.js',
    fn: 'advance',
    what: 'n-body over an array of Body objects (x, y, z, vx, vy, vz, mass) made by a constructor function, var aliases and bodies[j].vx += …',
  },
  { file: 'points-literals.js', fn: 'smooth', what: 'an array of { x, y } point literals written in place through const aliases and pts[i + 1].x' },
  { file: 'points-literals.js', fn: 'pathLength', what: 'an array of { x, y } point literals read, its length returned' },
  {
    file: 'damped-oscillators.js',
    fn: 'Oscillator.step',
    what: 'a class method over this: numeric fields read and written (this.v += a * dt, this.steps++), this passed as a hidden argument',
  },
  {
    file: 'particle-system-soa.js',
    fn: 'ParticleSystem.update',
    what: 'a class holding Float32Arrays and a Uint8Array of flags beside numbers: const { x, y, vx, vy, alive } = this, this.count bounding the loop, this.time written',
  },
  {
    file: 'heat-rod-class.js',
    fn: 'Rod.prototype.relax',
    what: "a constructor function's typed arrays passed to a helper of the file (this.u, this.next), var u = this.u written, this.steps++",
  },
  { file: 'point-cloud.js', fn: 'spread', what: 'a plain object { x, y, z, n } of Float64Arrays and a count, read as cloud.x[i] up to cloud.n' },
  { file: 'point-cloud.js', fn: 'drift', what: 'the same object written in place through var x = cloud.x and cloud.z[i] *= …' },
];

describe('classic-style programs are compiled to both targets, proven, applied, and print the same', () => {
  for (const p of COMPILED) {
    it(`${p.file} ${p.fn}: ${p.what}`, async () => {
      const recorded = await copyOf(p.file, 'record');
      const source = await readFile(recorded, 'utf8');
      const before = runNode(recorded).stdout;
      const rec = await record({ file: recorded, functionName: p.fn });
      assert.ok(rec.calls.length > 0, 'the program calls the function');
      const params = recordedParams(rec, rec.arity)!;
      const sel = await selectKernel({ source, fileName: p.file, functionName: p.fn, params });
      assert.ok(sel.ok, sel.ok ? '' : formatRefusal(sel.refusal));
      const candidates = [await compileKernel(sel.kernel), await compileNative(sel.kernel, { cacheDir: join(dir(), 'native-cache') })];
      for (const candidate of candidates) {
        const file = await copyOf(p.file, candidate.target);
        const r = await proveApplyRun(file, source, p.fn, candidate, { recording: rec, countCalls: true });
        assert.ok(r.proof.recordedCompiledCalls > 0, `${candidate.target}: the compiled code ran on the recorded calls`);
        assert.match(r.source, new RegExp(`\\$${candidate.target}\\b`), `${candidate.target}: the function was rewritten`);
        assert.equal(r.after, before, `${candidate.target}: the same output`);
        assert.ok(r.stats && r.stats.calls > 0 && r.stats.fallbacks === 0, `${candidate.target}: every call ran compiled code (${JSON.stringify(r.stats)})`);
      }
    });
  }
});

const REFUSED = [
  {
    file: 'hamming-counts.js',
    fn: 'startsWithPrimer',
    reason:
      "read is a string: compiled are read.length, read.charCodeAt(i) and read[i] compared (===, !==) with a string of length one or with another string's element; any other use of a string is not",
    construct: 'read.slice(0, 2)',
    line: 40,
  },
  {
    file: 'wave-buffers.js',
    fn: 'Wave.step',
    reason:
      "this.prev holds a Float64Array; giving the key another value inside the function is not compiled (the caller's object would have to change with it): compiled are its elements read and written (this.prev[i]), this.prev.length, passing it to a function and const prev = this.prev",
    construct: 'this.prev = this.cur',
    line: 17,
  },
];

describe('what the compiler does not take yet is refused with the real reason, after the arguments are recorded', () => {
  for (const p of REFUSED) {
    it(`${p.file}`, async () => {
      const file = await copyOf(p.file, 'refused');
      const outcome = await optimize(optimizeRequest({ file, functionName: p.fn, store: join(dir(), 'store'), target: 'wasm' }), {});
      assert.equal(outcome.kind, 'refused');
      if (outcome.kind !== 'refused') return;
      assert.ok(outcome.recording.calls.length > 0, 'the arguments were recorded first');
      assert.equal(outcome.refusal.reason, p.reason);
      assert.equal(outcome.refusal.line, p.line);
      if (p.construct) assert.equal(outcome.refusal.construct, p.construct);
      assert.doesNotMatch(outcome.refusal.reason, /has no type/);
    });
  }
});

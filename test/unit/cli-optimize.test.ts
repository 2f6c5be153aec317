// `perf-lab optimize` as users run it: the built dist/cli.js in a child process (run `npm run build` first).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { APPLY_REGARDLESS, assertCliBuilt, perfLab, root } from './cli-process';

const store = mkdtempSync(join(tmpdir(), 'perf-lab-optimize-test-'));
after(() => rmSync(store, { recursive: true, force: true }));

describe('perf-lab optimize', () => {
  before(assertCliBuilt);

  it('records, compiles, proves and benchmarks a kernel, then reuses the recording and applies it', async () => {
    // On a copy: --apply edits the file.
    const dir = mkdtempSync(join(store, 'work-'));
    const file = join(dir, 'hot-helper.js');
    copyFileSync(join(root, 'examples', 'hot-helper.js'), file);
    const expected = spawnSync(process.execPath, [file, '512', '6'], { encoding: 'utf8' }).stdout;
    const args = ['optimize', file, '--fn', 'checksum', '--time', '0.2', '--store', store];
    const r = await perfLab(...args, '--', '512', '6');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /Recorded 6 of 6 calls/);
    assert.match(r.stdout, /Compiled checksum \(Uint8Array, as recorded\) to WebAssembly/);
    assert.match(r.stdout, /Proof: PROVEN — \d+ cases \(6 recorded, \d+ edge cases\), 0 mismatches/);
    assert.match(r.stdout, /^JavaScript +\S+ (ns|µs|ms)/m);
    assert.match(r.stdout, /^WebAssembly +\S+ (ns|µs|ms)/m);
    assert.match(r.stdout, /Speedup \d+\.\d+× \(95% CI \d+\.\d+×–\d+\.\d+×, ratio of medians\): (faster|slower|not significant)/);
    assert.match(r.stdout, /Recommendation: (keep JavaScript|use WebAssembly)/);
    assert.doesNotMatch(r.stdout, /Applied/);
    // --force: this test is about what Apply writes; whether it pays is the next test's.
    const again = await perfLab(...args, '--apply', '--force', '--whole-program-time', '3', '--', '512', '6');
    assert.equal(again.code, 0, again.stderr + again.stdout);
    assert.match(
      again.stdout,
      /Whole program with WebAssembly: \d+\.\d+× \(95% CI \d+\.\d+×–\d+\.\d+×\): (faster|slower|not significant) — \S+ (µs|ms|s) before, \S+ (µs|ms|s) after \(medians of \d+ runs each, interleaved/,
    );
    assert.match(again.stdout, /Using the recording of checksum from .* \(6 of 6 calls; --rerecord to record again\)/);
    assert.match(again.stdout, /Applied: checksum in hot-helper\.js now runs hot-helper\.js\.checksum\.wasm/);
    assert.ok(existsSync(join(dir, 'hot-helper.js.checksum.wasm')) && existsSync(join(dir, 'hot-helper.js.checksum.wasm.cjs')));
    assert.match(readFileSync(file, 'utf8'), /function checksum\$js\(bytes\)/);
    assert.equal(spawnSync(process.execPath, [file, '512', '6'], { encoding: 'utf8' }).stdout, expected, 'the rewritten file prints the same');
  });

  it('--target auto proves both targets, benchmarks three variants and prints the prediction beside the measurement', async () => {
    const dir = mkdtempSync(join(store, 'auto-'));
    const file = join(dir, 'blur.js');
    copyFileSync(join(root, 'examples', 'blur.js'), file);
    const expected = spawnSync(process.execPath, [file, '48', '32', '5'], { encoding: 'utf8' }).stdout;
    const r = await perfLab(
      'optimize',
      file,
      '--fn',
      'blur',
      '--target',
      'auto',
      '--time',
      '0.2',
      '--store',
      store,
      ...APPLY_REGARDLESS,
      '--',
      '48',
      '32',
      '5',
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /Compiled blur .* to WebAssembly: \d[\d,]* bytes/);
    assert.match(r.stdout, /Compiled blur .* to native code: .*kernel\.node/);
    assert.match(r.stdout, /^Proof: PROVEN/m);
    assert.match(r.stdout, /^Proof \(native\): PROVEN/m);
    assert.match(r.stdout, /^JavaScript +\S+ (ns|µs|ms)/m);
    assert.match(r.stdout, /^WebAssembly +\S+ (ns|µs|ms)/m);
    assert.match(r.stdout, /^native +\S+ (ns|µs|ms)/m);
    assert.match(r.stdout, /^Speedup WebAssembly +\d+\.\d+× \(95% CI/m);
    assert.match(r.stdout, /^Speedup native +\d+\.\d+× \(95% CI/m);
    assert.match(r.stdout, /predicted {2}(keep JS: .+|(WebAssembly|native) ~[\d.]+×.*)/);
    assert.match(r.stdout, /WebAssembly predicted ~[\d.]+×, measured [\d.,]+×/);
    assert.match(r.stdout, /native {6}predicted ~[\d.]+×, measured [\d.,]+×/);
    // The prediction and the measurement as one story, the measurement deciding.
    assert.match(
      r.stdout,
      /outcome {4}The break-even model predicted .+(, and the measurement agrees: |; the measurement shows .+: the model (was wrong|ranked the targets wrong) here, and the measurement decides: )/,
    );
    assert.match(r.stdout, /model error {2}median \d+%/);
    const pairs = JSON.parse(readFileSync(join(store, 'break-even', 'pairs.json'), 'utf8')) as { target: string }[];
    assert.deepEqual(
      pairs.slice(-2).map((p) => p.target),
      ['wasm', 'native'],
    );
    assert.match(r.stdout, /Applied \((WebAssembly|native)\): blur in blur\.js now runs blur\.js\.blur\.(wasm|node)/);
    assert.equal(spawnSync(process.execPath, [file, '48', '32', '5'], { encoding: 'utf8' }).stdout, expected, 'the rewritten file prints the same');
    const bad = await perfLab('optimize', file, '--fn', 'blur', '--target', 'gpu');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--target takes wasm, native or auto, not "gpu"/);
  });

  it('--apply refuses a rewrite that makes the program slower as a whole (exit 1, nothing written), and --force applies it', async () => {
    // A one-line helper called three million times: V8 inlines it; any call into compiled code costs more.
    const dir = mkdtempSync(join(store, 'slower-'));
    const file = join(dir, 'tiny-helper.js');
    const text = 'function add(a, b) {\n  return (a + b) % 1000003;\n}\nlet s = 0;\nfor (let i = 0; i < 3000000; i++) s = add(s, i & 7);\nconsole.log(s);\n';
    writeFileSync(file, text);
    const expected = spawnSync(process.execPath, [file], { encoding: 'utf8' }).stdout;
    const args = ['optimize', file, '--fn', 'add', '--time', '0.2', '--store', store, '--apply', '--whole-program-time', '4'];
    const r = await perfLab(...args);
    assert.equal(r.code, 1, r.stderr + r.stdout);
    // Slower as a whole (on a loaded machine the interval may only show it is not faster: refused as well).
    assert.match(r.stdout, /Whole program with WebAssembly: 0\.\d+× \(95% CI [^)]*\): (slower|not significant)/);
    assert.match(
      r.stdout,
      /Not applied: the program as a whole (runs slower|is not measurably faster) with the WebAssembly version: 0\.\d+× \(95% CI [\d.]+×–[\d.]+×\)\. Add --force to apply it anyway\./,
    );
    assert.equal(readFileSync(file, 'utf8'), text, 'the file is unchanged');
    assert.deepEqual(readdirSync(dir), ['tiny-helper.js'], 'nothing was written beside it, and no trial folder is left');
    const forced = await perfLab(...args, '--force');
    assert.equal(forced.code, 0, forced.stderr + forced.stdout);
    assert.match(forced.stdout, /Applied: add in tiny-helper\.js now runs/);
    assert.match(forced.stdout, /Applied with --force although the program as a whole (runs slower|is not measurably faster)/);
    assert.equal(spawnSync(process.execPath, [file], { encoding: 'utf8' }).stdout, expected, 'the rewritten file prints the same');
  });

  it('prints the refusal with its construct and line', async () => {
    // String methods other than length and charCodeAt are not compiled: toLowerCase on line 2.
    const dir = mkdtempSync(join(store, 'refused-'));
    const file = join(dir, 'words.js');
    writeFileSync(
      file,
      "function vowels(word) {\n  const lower = word.toLowerCase();\n  let n = 0;\n  for (let i = 0; i < lower.length; i++) if ('aeiou'.includes(lower[i])) n++;\n  return n;\n}\nlet total = 0;\nfor (let k = 0; k < 200; k++) total += vowels(`Perf Lab ${k}`);\nconsole.log(total);\n",
    );
    const r = await perfLab('optimize', file, '--fn', 'vowels', '--store', store);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /Refused: vowels cannot be compiled to WebAssembly: line 2:\d+: .+ — .+/);
  });

  it('says when the function was never called, and rejects a missing --fn', async () => {
    const r = await perfLab('optimize', 'test/fixtures/record/never.js', '--fn', 'unused', '--store', store);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unused was never called in this run/);
    const u = await perfLab('optimize', 'examples/hot-helper.js');
    assert.equal(u.code, 2);
    assert.match(u.stderr, /needs --fn/);
  });
});

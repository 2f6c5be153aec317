import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { functionStats } from '../../../extension/profile/aggregate';
import { detectFileFormat, detectFormat, parseProfile, readProfile } from '../../../extension/profile/import';
import { exportFolded, parseFolded } from '../../../extension/profile/importers/folded';
import { parsePerfScript } from '../../../extension/profile/importers/perf-script';
import { ProfileFormatError } from '../../../extension/profile/model';
import { stackWeights } from './helpers';
import { PROFILE_FIXTURES } from './profile-fixtures';

const dir = join(__dirname, '..', '..', 'fixtures', 'profiles');

describe('format detection: by name first, then by content', () => {
  it('names the format of every fixture', async () => {
    for (const f of PROFILE_FIXTURES) assert.equal(await detectFileFormat(join(dir, f.file)), f.format, f.file);
  });

  it('goes by the name when it tells, whatever the content', () => {
    assert.equal(detectFormat('x.speedscope.json', '{"nodes": []}'), 'speedscope');
    assert.equal(detectFormat('Trace-20250101T101010.json', '{"nodes": []}'), 'chrome-trace');
    assert.equal(detectFormat('startup.trace.json', ''), 'chrome-trace');
    assert.equal(detectFormat('out.collapsed', '{'), 'folded');
  });

  it('reads the content when the name does not tell', () => {
    const read = (f: string) => readFileSync(join(dir, f), 'utf8');
    assert.equal(detectFormat('a.json', read('py-spy.speedscope.json')), 'speedscope');
    assert.equal(detectFormat('a.json', read('chromium.trace.json')), 'chrome-trace');
    assert.equal(detectFormat('a.json', read('chromium-events-array.json')), 'chrome-trace');
    assert.equal(detectFormat('a.json', read('node-cpu-prof.cpuprofile')), 'cpuprofile');
    assert.equal(detectFormat('a.txt', read('perf-script.collapsed')), 'folded');
    assert.equal(detectFormat('a.json', '[]'), 'chrome-trace');
    assert.equal(detectFormat('a.json', '[1, 2]'), undefined);
  });

  it('says which formats it reads when it reads none', () => {
    assert.throws(
      () => parseProfile('notes.txt', 'hello world'),
      (e: unknown) => e instanceof ProfileFormatError && /speedscope JSON, folded stacks/.test(e.message) && /Chrome traces/.test(e.message),
    );
  });
});

describe('readProfile on the fixtures of real tools', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'perf-lab-import-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  for (const f of PROFILE_FIXTURES) {
    it(`reads ${f.file} (${f.format}); ${f.top} is the hottest function`, async () => {
      const p = await readProfile(join(dir, f.file));
      assert.equal(functionStats(p)[0]!.name, f.top);
      if (f.format === 'pstats') return;
      // The streaming file reader and the text parser agree.
      assert.deepEqual(stackWeights(p), stackWeights(parseProfile(f.file, readFileSync(join(dir, f.file), 'utf8'))));
      // A copy without a telling name is detected by content.
      const renamed = join(tmp, f.format === 'folded' || f.format === 'perf-script' ? 'profile.txt' : 'profile.json');
      copyFileSync(join(dir, f.file), renamed);
      assert.deepEqual(stackWeights(await readProfile(renamed)), stackWeights(p));
    });
  }
});

describe('gzipped profiles (DevTools saves traces as .json.gz)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'perf-lab-gz-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  for (const [fixture, name] of [
    ['chromium.trace.json', 'Trace-20261125T010203.json.gz'],
    ['chromium.trace.json', 'recording.json.gz'],
    ['node-cpu-prof.cpuprofile', 'node.cpuprofile.gz'],
    ['py-spy.speedscope.json', 'py.speedscope.json.gz'],
    ['py-spy-raw.txt', 'stacks.txt.gz'],
  ]) {
    it(`reads ${name} as ${fixture}`, async () => {
      const path = join(tmp, name);
      writeFileSync(path, gzipSync(readFileSync(join(dir, fixture))));
      assert.equal(await detectFileFormat(path), await detectFileFormat(join(dir, fixture)));
      assert.deepEqual(stackWeights(await readProfile(path)), stackWeights(await readProfile(join(dir, fixture))));
    });
  }

  it('says so when a .gz file is not gzip', async () => {
    const path = join(tmp, 'fake.cpuprofile.gz');
    writeFileSync(path, readFileSync(join(dir, 'node-cpu-prof.cpuprofile')));
    await assert.rejects(
      readProfile(path),
      (e: unknown) => e instanceof ProfileFormatError && /fake\.cpuprofile\.gz could not be decompressed/.test(e.message),
    );
  });
});

describe('folded stacks from real tools', () => {
  it('reads perf script | stackcollapse-perf (inferno-collapse-perf): event periods as weights, C frames', () => {
    const p = parseFolded(readFileSync(join(dir, 'perf-script.collapsed'), 'utf8'), 'perf-script.collapsed');
    const fib = functionStats(p).find((f) => f.name === 'fib')!;
    assert.equal(fib.file, '');
    assert.ok(functionStats(p).some((f) => f.name === 'sum_squares'));
    assert.ok(functionStats(p).find((f) => f.name === 'main')!.total > 0.9 * fib.total);
    assert.deepEqual(stackWeights(parseFolded(exportFolded(p), 'again')), stackWeights(p));
  });

  it('reads `perf script` itself into the stacks stackcollapse makes of it, with times and CPU-clock milliseconds', () => {
    // perf.script and perf-script.collapsed come from one perf.data (the second through inferno-collapse-perf).
    const direct = parsePerfScript(readFileSync(join(dir, 'perf.script'), 'utf8'), 'perf.script');
    const collapsed = parseFolded(readFileSync(join(dir, 'perf-script.collapsed'), 'utf8'), 'perf-script.collapsed');
    const names = (w: Map<string, number>, scale: number) => new Map([...w].map(([k, v]) => [k.replace(/@[^;]*/g, ''), Math.round(v * scale)]));
    // The collapsed counts are the event's period in ns; the direct reader keeps milliseconds: both to the µs.
    assert.deepEqual(names(stackWeights(direct), 1e3), names(stackWeights(collapsed), 1e-3));
    assert.equal(direct.unit, 'ms');
    assert.equal(direct.sampleTime!.length, 61);
    assert.equal(direct.sampleTime![0], 0);
    for (let i = 1; i < 61; i++) assert.ok(direct.sampleTime![i]! > direct.sampleTime![i - 1]!, 'in time order');
    const kernel = direct.frames.find((f) => f.name === 'irqentry_exit_to_user_mode')!;
    assert.equal(kernel.kind, 'runtime');
    assert.throws(
      () => parsePerfScript('work 1 2.5: 100 cpu-clock:\n\tnot a frame\n', 'bad.perf'),
      (e: unknown) => e instanceof ProfileFormatError && /bad\.perf:2 is not `perf script` output/.test(e.message),
    );
  });

  it('names JavaScript frames of node --perf-basic-prof in `perf script` output', () => {
    const text =
      'node 42 100.000001: 250000 cpu-clock:\n\t7f01 JS:*hot /app/x.js:12 (/tmp/perf-42.map)\n\t7f02 JS:~main /app/x.js:1 (/tmp/perf-42.map)\n\t55aa [unknown] (/usr/bin/node)\n\n';
    const p = parsePerfScript(text, 'node.perf');
    const hot = p.frames.find((f) => f.name === 'hot')!;
    assert.deepEqual({ file: hot.file, line: hot.line, kind: hot.kind }, { file: '/app/x.js', line: 12, kind: 'js' });
    assert.ok(p.frames.some((f) => f.name === '[node]'));
    assert.equal(p.sampleWeight[0], 0.25);
  });

  it("reads py-spy's --format raw, with file:line per frame and frameless samples left out", () => {
    const text = readFileSync(join(dir, 'py-spy-raw.txt'), 'utf8');
    const p = parseFolded(text, 'py-spy-raw.txt');
    const fib = functionStats(p).find((f) => f.name === 'fib' && f.line === 6)!;
    assert.equal(fib.file, 'work.py');
    assert.equal(p.frames[fib.frames[0]!]!.kind, 'python');
    const total = text
      .split('\n')
      .filter((l) => /\S/.test(l))
      .reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    const frameless = text
      .split('\n')
      .filter((l) => /^\s*\d+$/.test(l))
      .reduce((s, l) => s + Number(l), 0);
    assert.ok(frameless > 0, 'the fixture has samples without frames');
    let sum = 0;
    for (const w of p.sampleWeight) sum += w;
    assert.equal(sum, total - frameless);
    assert.deepEqual(stackWeights(parseFolded(exportFolded(p), 'again')), stackWeights(p));
  });
});

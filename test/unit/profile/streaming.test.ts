import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { JsonScanner, scanJsonText, type JsonPath, type ScanHandler } from '../../../extension/profile/json-scan';
import { parseCpuProfile, readCpuProfileFile } from '../../../extension/profile/importers/cpuprofile';
import { ProfileFormatError, stackPath } from '../../../extension/profile/model';
import { generateProfile } from '../../../bench/viewer/generate';
import { functionStats, totalWeight } from '../../../extension/profile/aggregate';
import { stackWeights } from './helpers';

const fixtures = join(__dirname, '..', '..', 'fixtures');

/** Every value the scanner reports, as JSON text, when asked to descend everywhere and stream arrays named "n". */
function events(text: string, chunk?: number): string[] {
  const out: string[] = [];
  const handler: ScanHandler = {
    action: (path: JsonPath) =>
      path[path.length - 1] === 'n' ? { push: (x) => out.push(`${path.join('.')}#${x}`), end: () => out.push(`${path.join('.')}#end`) } : 'descend',
    value: (path, v) => out.push(`${path.join('.')}=${JSON.stringify(v)}`),
    leave: (path) => out.push(`${path.join('.')}/`),
  };
  const bytes = Buffer.from(text, 'utf8');
  const s = new JsonScanner(handler, 'doc.json');
  if (chunk === undefined) s.write(bytes);
  else for (let i = 0; i < bytes.length; i += chunk) s.write(bytes.subarray(i, i + chunk));
  s.end();
  return out;
}

describe('streaming JSON scanner', () => {
  const doc = '{ "a": [1, -2.5e3, "x\\"]}", {"b": null}], "n": [0, -7, 12345678901, 1.5, -0.25, 3E2, 2e-3 ], "é\\u00e9": true, "m": {}, "e": [] }';

  it('reports every value, number and container end, whatever the chunk size', () => {
    const whole = events(doc);
    assert.deepEqual(whole, [
      'a.0=1',
      'a.1=-2500',
      'a.2="x\\"]}"',
      'a.3.b=null',
      'a.3/',
      'a/',
      'n#0',
      'n#-7',
      'n#12345678901',
      'n#1.5',
      'n#-0.25',
      'n#300',
      'n#0.002',
      'n#end',
      'éé=true',
      'm/',
      'e/',
      '/',
    ]);
    for (const chunk of [1, 2, 3, 7, 64]) assert.deepEqual(events(doc, chunk), whole, `chunks of ${chunk} bytes`);
  });

  it('skips a byte order mark at the start', () => {
    assert.deepEqual(events('\ufeff{"n": [1]}'), ['n#1', 'n#end', '/']);
  });

  it('parses values asked for whole with JSON.parse semantics', () => {
    const got: unknown[] = [];
    scanJsonText('[{"x": [1, {"y": "\\u0041"}]}, 2]', { action: (p) => (p.length === 0 ? 'descend' : 'value'), value: (_p, v) => got.push(v) }, 'doc.json');
    assert.deepEqual(got, [{ x: [1, { y: 'A' }] }, 2]);
  });

  it('refuses broken JSON with the byte where it broke', () => {
    const refuses = (text: string, pattern: RegExp) =>
      assert.throws(
        () => events(text),
        (e: unknown) => e instanceof ProfileFormatError && pattern.test(e.message) && e.message.includes('doc.json'),
      );
    refuses('{"n": [1, 2', /ends after 11 bytes/);
    refuses('{"n": [1,, 2]}', /before ","/);
    refuses('{"n": [1, 2,]}', /after ","/);
    refuses('{"n": [1 2]}', /between numbers/);
    refuses('{"n": [1, x]}', /expected a number/);
    refuses('{"n": [-]}', /"-" is not a number/);
    refuses('{"a" 1}', /expected ":"/);
    refuses('{"a": 1} x', /after the end/);
    refuses('{"a": [1, }', /not valid JSON/);
  });
});

describe('streaming .cpuprofile reader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'perf-lab-stream-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const name of ['nbody.cpuprofile', 'small.cpuprofile', 'profiles/node-cpu-prof.cpuprofile']) {
    it(`reads ${name} from the file in small chunks exactly as from its text`, async () => {
      const text = readFileSync(join(fixtures, name), 'utf8');
      const p = parseCpuProfile(text, name);
      const q = await readCpuProfileFile(join(fixtures, name), name, 97);
      assert.deepEqual(stackWeights(q), stackWeights(p));
      assert.deepEqual(q.lines, p.lines);
      assert.deepEqual([...(q.sampleTime ?? [])], [...(p.sampleTime ?? [])]);
      assert.equal(q.durationMs, p.durationMs);
    });
  }

  it('matches a profile computed by hand from the JSON', async () => {
    // Three nodes under the root, 3000 samples cycling through them, 100 µs apart.
    const nodes = [
      { id: 1, callFrame: { functionName: '(root)', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 }, children: [2] },
      { id: 2, callFrame: { functionName: 'main', scriptId: '1', url: 'file:///app/m.js', lineNumber: 0, columnNumber: 0 }, children: [3, 4] },
      { id: 3, callFrame: { functionName: 'a', scriptId: '1', url: 'file:///app/m.js', lineNumber: 4, columnNumber: 2 }, children: [] },
      { id: 4, callFrame: { functionName: 'b', scriptId: '1', url: 'file:///app/m.js', lineNumber: 9, columnNumber: 2 }, children: [] },
    ];
    const samples = Array.from({ length: 3000 }, (_, i) => [2, 3, 4, 4][i % 4]!);
    const timeDeltas = samples.map(() => 100);
    const path = join(dir, 'hand.cpuprofile');
    writeFileSync(path, JSON.stringify({ nodes, startTime: 0, endTime: 300100, samples, timeDeltas }));
    const p = await readCpuProfileFile(path, 'hand.cpuprofile');
    assert.equal(p.sampleStack.length, 3000);
    assert.ok(Math.abs(totalWeight(p) - 300) < 1e-9);
    const byName = new Map(functionStats(p).map((f) => [f.name, f]));
    assert.ok(Math.abs(byName.get('b')!.self - 150) < 1e-9);
    assert.ok(Math.abs(byName.get('a')!.self - 75) < 1e-9);
    assert.ok(Math.abs(byName.get('main')!.total - 300) < 1e-9);
    assert.equal(p.sampleTime![2999], 300);
  });

  it("reads the viewer benchmark's synthetic profile: every sample, the deep recursion and the long runs", async () => {
    const path = join(dir, 'synthetic.cpuprofile');
    const made = generateProfile(path, 2);
    assert.ok(Math.abs(made.bytes - 2 * 1024 * 1024) < 0.1 * 2 * 1024 * 1024, `${made.bytes} bytes`);
    const p = await readCpuProfileFile(path, 'synthetic.cpuprofile', 65536);
    assert.equal(p.sampleStack.length, made.samples);
    const json = JSON.parse(readFileSync(path, 'utf8')) as { timeDeltas: number[]; endTime: number };
    const span = json.timeDeltas.reduce((a, b) => a + b, 0);
    // Every sample stands for the time to the next; the last one until the end time.
    assert.ok(Math.abs(totalWeight(p) - (json.endTime - json.timeDeltas[0]!) / 1000) < 1e-6, `${totalWeight(p)} ms`);
    assert.equal(json.endTime, span + 100);
    const depth = Math.max(...[...p.stackFrame.keys()].map((s) => stackPath(p, s).length));
    assert.ok(depth > 600, `deepest stack ${depth}`);
    const byName = new Map(functionStats(p).map((f) => [f.name, f]));
    assert.ok(byName.get('tokenize')!.self > 0.1 * totalWeight(p), 'long runs in tokenize');
  });

  it('names the file and what is wrong when the file is broken', async () => {
    const path = join(dir, 'cut.cpuprofile');
    writeFileSync(path, readFileSync(join(fixtures, 'nbody.cpuprofile'), 'utf8').slice(0, 5000));
    await assert.rejects(
      readCpuProfileFile(path, 'cut.cpuprofile'),
      (e: unknown) => e instanceof ProfileFormatError && /cut\.cpuprofile is not valid JSON: it ends after 5000 bytes/.test(e.message),
    );
  });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { functionStats, totalWeight } from '../../../extension/profile/aggregate';
import { parseCpuProfile } from '../../../extension/profile/importers/cpuprofile';
import { parseFolded } from '../../../extension/profile/importers/folded';
import { exportSpeedscope, parseSpeedscope, readSpeedscopeFile, SPEEDSCOPE_SCHEMA } from '../../../extension/profile/importers/speedscope';
import { ProfileFormatError, type Profile } from '../../../extension/profile/model';
import { stackWeights } from './helpers';

const fixtures = join(__dirname, '..', '..', 'fixtures');
const read = (name: string) => readFileSync(join(fixtures, name), 'utf8');

describe('speedscope importer', () => {
  it("reads py-spy's sampled speedscope output, root first, in seconds", () => {
    // py-spy 0.4 `record --format speedscope -r 200` of profiles/src/work.py.
    const p = parseSpeedscope(read('profiles/py-spy.speedscope.json'), 'py-spy.speedscope.json');
    assert.equal(p.unit, 'ms');
    assert.equal(p.sampleStack.length, 120, '125 samples, of which 5 hold no Python frame');
    assert.ok(Math.abs(totalWeight(p) - 600) < 1e-6, `total ${totalWeight(p)} ms`);
    const top = functionStats(p)[0]!;
    assert.equal(top.name, 'fib');
    assert.ok(top.file.endsWith('work.py'));
    assert.equal(p.frames[functionStats(p)[0]!.frames[0]!]!.kind, 'python');
    const main = functionStats(p).find((f) => f.name === 'main')!;
    assert.ok(main.total > 0.8 * totalWeight(p), 'main holds the run');
  });

  it('reads evented and sampled profiles of one file, each under its name', () => {
    const p = parseSpeedscope(read('profiles/evented.speedscope.json'), 'evented.speedscope.json');
    const w = stackWeights(p);
    assert.equal(w.get('main thread@:0;main@/app/server.js:1'), 10 + 5);
    assert.equal(w.get('main thread@:0;main@/app/server.js:1;handle@/app/server.js:10;parse@/app/parse.js:4'), 30);
    assert.equal(w.get('main thread@:0;main@/app/server.js:1;handle@/app/server.js:10;render@/app/render.js:22'), 50);
    assert.equal(w.get('worker thread@:0;worker@:0;parse@/app/parse.js:4'), 3);
    assert.equal(w.get('worker thread@:0;worker@:0;render@/app/render.js:22'), 2.5);
    assert.equal(w.get('worker thread@:0;worker@:0'), 0.5);
    assert.equal(p.durationMs, 100);
  });

  it('streams from the file as it parses the text', async () => {
    const name = 'profiles/py-spy.speedscope.json';
    assert.deepEqual(stackWeights(await readSpeedscopeFile(join(fixtures, name), name)), stackWeights(parseSpeedscope(read(name), name)));
  });

  describe('round trip: import, export, import', () => {
    const cases: [string, () => Profile][] = [
      ['py-spy.speedscope.json', () => parseSpeedscope(read('profiles/py-spy.speedscope.json'), 'a')],
      ['evented.speedscope.json', () => parseSpeedscope(read('profiles/evented.speedscope.json'), 'a')],
      ['node-cpu-prof.cpuprofile', () => parseCpuProfile(read('profiles/node-cpu-prof.cpuprofile'), 'a')],
      ['nbody.cpuprofile', () => parseCpuProfile(read('nbody.cpuprofile'), 'a')],
      ['recursive.folded', () => parseFolded(read('recursive.folded'), 'a')],
    ];
    for (const [name, load] of cases) {
      it(`keeps the stacks and weights of ${name}`, () => {
        const p = load();
        const file = exportSpeedscope(p);
        assert.equal(file.$schema, SPEEDSCOPE_SCHEMA);
        const q = parseSpeedscope(JSON.stringify(file), 'again.speedscope.json');
        assert.deepEqual(stackWeights(q), stackWeights(p));
        assert.equal(q.unit, p.unit);
        assert.deepEqual(stackWeights(parseSpeedscope(JSON.stringify(exportSpeedscope(q)), 'b')), stackWeights(p));
      });
    }
  });

  it('says what is wrong', () => {
    const refuses = (text: string, pattern: RegExp) =>
      assert.throws(
        () => parseSpeedscope(text, 'bad.speedscope.json'),
        (e: unknown) => e instanceof ProfileFormatError && pattern.test(e.message) && e.message.includes('bad.speedscope.json'),
      );
    const head = `"$schema": "${SPEEDSCOPE_SCHEMA}", "shared": {"frames": [{"name": "a"}]}`;
    refuses(`{${head}, "profiles": []}`, /no profiles/);
    refuses(`{${head}, "profiles": [{"type": "sampled", "unit": "none", "samples": [[0], [5]], "weights": [1, 1]}]}`, /frame 5/);
    refuses(`{${head}, "profiles": [{"type": "sampled", "unit": "none", "samples": [[0]], "weights": [1, 2]}]}`, /1 samples but 2 weights/);
    refuses(`{${head}, "profiles": [{"type": "evented", "unit": "none", "startValue": 0, "events": [{"type": "C", "frame": 0, "at": 1}]}]}`, /not open/);
    refuses(`{${head}, "profiles": [{"type": "flat"}]}`, /type "flat"/);
    refuses(`[1]`, /JSON array/);
  });
});

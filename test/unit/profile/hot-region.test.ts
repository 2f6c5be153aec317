// The hot region (profile/hot-region.ts) on real profiles: a tiny leaf called from loops points to its callers, in
// JavaScript and in both Python modes; a leaf that is costly per call does not.
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { before, describe, it } from 'node:test';
import { describeHotRegion, hotRegions } from '../../../extension/profile/hot-region';
import { profileNodeFile } from '../../../extension/profile/node-runner';
import { profilePythonFile } from '../../../extension/profile/python-runner';
import { pythonEnv } from '../../python-env';

const fixtures = resolve(__dirname, '..', '..', 'fixtures', 'hot-region');
let python = '';
before(async () => {
  python = (await pythonEnv()).python;
});

const callerNames = (r: ReturnType<typeof hotRegions>[number]) => r.callers.map((c) => c.fn.name).sort();

describe('hot region', () => {
  it('JavaScript: A, hottest by self time, points to Au and Atu', async () => {
    const r = await profileNodeFile({ file: join(fixtures, 'spectral.js') });
    const [region] = hotRegions(r.profile);
    assert.ok(region, 'a region is found');
    assert.equal(region.leaf.name, 'A');
    assert.deepEqual(callerNames(region), ['Atu', 'Au']);
    assert.equal(region.perCallUs, undefined, 'a sampling profile does not count calls');
    assert.match(
      describeHotRegion(region),
      /^A is called from (Au|Atu) \(\d+%\) and (Au|Atu) \(\d+%\); if each call is short, .* Optimize .* instead: A is compiled into each\.$/,
    );
  });

  for (const mode of ['cprofile', 'sampling'] as const) {
    it(`Python (${mode}): eval_A under comprehensions and sum() points to the two functions that hold them`, async () => {
      // The sampler (py-spy, every 10 ms) needs a longer run to see both callers.
      const r = await profilePythonFile({ file: join(fixtures, 'spectral.py'), args: [mode === 'sampling' ? '150' : '60'], mode, pythonPath: python });
      const region = hotRegions(r.profile).find((x) => x.leaf.name === 'eval_A');
      assert.ok(region, `eval_A is a region: ${hotRegions(r.profile).map(describeHotRegion).join(' | ')}`);
      // Each caller is one of the two functions that hold the comprehensions (a short sample may see only one).
      assert.ok(region.callers.length >= 1);
      for (const name of callerNames(region)) assert.ok(['eval_A_times_u', 'eval_At_times_u'].includes(name), name);
      if (mode === 'cprofile') assert.deepEqual(callerNames(region), ['eval_A_times_u', 'eval_At_times_u']);
      if (mode === 'cprofile') assert.ok(region.perCallUs !== undefined && region.perCallUs < 20, `${region.perCallUs} µs per call`);
    });
  }

  it('a recursive leaf is its own unit: fib under main is not pointed away from', async () => {
    const { readProfile } = await import('../../../extension/profile/import');
    const p = await readProfile(join(fixtures, '..', 'profiles', 'node-cpu-prof.cpuprofile'));
    assert.equal(
      hotRegions(p).find((x) => x.leaf.name === 'fib'),
      undefined,
    );
  });

  it('Python (cprofile): a leaf that costs more per call than a call into compiled code is not pointed away from', async () => {
    const r = await profilePythonFile({ file: join(fixtures, 'heavy_leaf.py'), mode: 'cprofile', pythonPath: python });
    assert.equal(
      hotRegions(r.profile).find((x) => x.leaf.name === 'row_energy'),
      undefined,
    );
  });
});

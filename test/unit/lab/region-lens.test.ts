// The hot region's lenses (lab/region-lens.ts) on real profiles: a tiny Python leaf's lens offers its caller, the
// caller's lens offers itself with the leaf inlined; JavaScript's A offers both its callers; a caller the editor cannot
// optimize (a method) is not offered, and a function in no region has no offer.
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { before, describe, it } from 'node:test';
import { regionOffers, type LensFunction } from '../../../extension/lab/region-lens';
import { functionStats } from '../../../extension/profile/aggregate';
import { hotRegions, type HotRegion } from '../../../extension/profile/hot-region';
import { profileNodeFile } from '../../../extension/profile/node-runner';
import { profilePythonFile } from '../../../extension/profile/python-runner';
import type { Profile } from '../../../extension/profile/model';
import { pythonEnv } from '../../python-env';

const fixtures = resolve(__dirname, '..', '..', 'fixtures');
let python = '';
before(async () => {
  python = (await pythonEnv()).python;
});

const fnOf = (p: Profile, name: string): LensFunction => {
  const f = functionStats(p).find((s) => s.name === name);
  assert.ok(f, `${name} is in the profile`);
  return f;
};

describe('hot region lenses', () => {
  it('Python (cProfile): area points to total_area, and total_area offers itself with area inlined', async () => {
    const file = join(fixtures, 'profile-corpus', 'tiny_leaf.py');
    const { profile } = await profilePythonFile({ file, mode: 'cprofile', pythonPath: python });
    const regions = hotRegions(profile);
    const leaf = regionOffers(fnOf(profile, 'area'), regions);
    assert.equal(leaf.length, 1, JSON.stringify(leaf));
    assert.equal(leaf[0]!.role, 'leaf');
    assert.equal(leaf[0]!.title, '⚡ Optimize total_area instead (area is hot but cheap per call)');
    assert.deepEqual(leaf[0]!.target, { name: 'total_area', file, line: 8 });
    assert.match(
      leaf[0]!.tooltip,
      /^area is called from total_area \(100%\); each call takes \d+ ns, less than a call into compiled code costs\. Optimize total_area \(line 8\) instead/,
    );
    const caller = regionOffers(fnOf(profile, 'total_area'), regions);
    assert.equal(caller.length, 1);
    assert.equal(caller[0]!.role, 'caller');
    assert.equal(caller[0]!.title, '⚡ Optimize total_area (with area inlined)');
    assert.deepEqual(caller[0]!.target, { name: 'total_area', file, line: 8 });
    assert.match(caller[0]!.tooltip, /Compile total_area with area compiled into it/);
  });

  it('JavaScript: A offers Au and Atu instead, each caller offers itself with A inlined', async () => {
    const { profile } = await profileNodeFile({ file: join(fixtures, 'hot-region', 'spectral.js') });
    const regions = hotRegions(profile);
    const leaf = regionOffers(fnOf(profile, 'A'), regions);
    assert.deepEqual(leaf.map((o) => o.target.name).sort(), ['Atu', 'Au']);
    for (const o of leaf) assert.equal(o.title, `⚡ Optimize ${o.target.name} instead (A is hot but cheap per call)`);
    for (const name of ['Au', 'Atu'])
      assert.deepEqual(
        regionOffers(fnOf(profile, name), regions).map((o) => o.title),
        [`⚡ Optimize ${name} (with A inlined)`],
      );
  });

  it('a caller the editor cannot optimize is not offered; a function in no region has none', () => {
    const stat = (name: string, line: number) => ({ name, file: '/w/s.py', line, kind: 'python', self: 1, total: 1, frames: [] });
    const region: HotRegion = { leaf: stat('dot', 1), callers: [{ fn: stat('Body.step', 5), share: 1 }], perCallUs: 0.2 };
    assert.deepEqual(regionOffers(stat('dot', 1), [region]), []);
    assert.deepEqual(regionOffers(stat('Body.step', 5), [region]), []);
    assert.deepEqual(regionOffers(stat('other', 9), [region]), []);
  });
});

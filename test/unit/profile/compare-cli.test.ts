// `perf-lab compare` as users run it: the built dist/cli.js (run `npm run build` first) on the before/after fixtures.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { INITIAL_DATA_ID, type ToWebview } from '../../../extension/protocol';
import { assertCliBuilt, perfLab } from '../cli-process';

const dir = 'test/fixtures/profiles/diff';
const scratch = mkdtempSync(join(tmpdir(), 'perf-lab-compare-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('perf-lab compare', () => {
  before(assertCliBuilt);

  it('prints the functions whose share changed most, with Δ self and Δ total, and writes the differential flame graph', async () => {
    const html = join(scratch, 'diff.html');
    const r = await perfLab('compare', `${dir}/before.cpuprofile`, `${dir}/after.cpuprofile`, '--top', '3', '--html', html);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^Before {2}test\/fixtures\/profiles\/diff\/before\.cpuprofile: [\d.]+ ms, \d+ samples\nAfter {3}.*\nChange {2}−[\d.]+ ms \(−\d+ %\)\n/,
    );
    const lines = r.stdout.split('\n');
    const head = lines.findIndex((l) => l.startsWith('Function '));
    assert.match(lines[head]!, /Self before +Self after +Δ self +Δ self share +Total before +Total after +Δ total/);
    const rows = lines.slice(head + 2, head + 5);
    assert.equal(rows.length, 3, '--top 3');
    assert.match(rows[0]!, /^insertionSort +\/fixture\/work\.js:11 +\d+\.\d% +0\.0% +−[\d.]+ ms \(−100 %\) +−\d+\.\d pp/);
    assert.match(rows[1]!, /^checksum +\/fixture\/work\.js:6 \(was 5\) .* \+\d+\.\d pp/);
    assert.match(r.stdout, /Wrote the differential flame graph to /);
    const page = readFileSync(html, 'utf8');
    const json = new RegExp(`<script type="application/json" id="${INITIAL_DATA_ID}"[^>]*>(.*?)</script>`, 's').exec(page)?.[1];
    const first = JSON.parse(json!) as ToWebview;
    assert.equal(first.type, 'diff');
    if (first.type === 'diff') assert.ok(first.data.functions.some((f) => f.name === 'insertionSort' && f.afterLine === 0));
  });

  it('exits 2 without two profiles, 1 with a message for a missing file', async () => {
    const one = await perfLab('compare', `${dir}/before.cpuprofile`);
    assert.equal(one.code, 2);
    assert.match(one.stderr, /perf-lab compare needs two profiles, before and after; got 1\./);
    const missing = await perfLab('compare', `${dir}/before.cpuprofile`, `${dir}/nope.cpuprofile`);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, `perf-lab: ${dir}/nope.cpuprofile does not exist. Give the paths of two profile files.\n`);
  });
});

// A Node profile names methods and nested functions the way the code addresses them (Grid.step, outer/inner), as the
// Python profiles do; V8 alone names them `step` and `inner`.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { functionStats } from '../../../extension/profile/aggregate';
import { profileNodeFile } from '../../../extension/profile/node-runner';

const scratch = mkdtempSync(join(tmpdir(), 'perf-lab-js-names-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const SOURCE = `class Grid {
  step(n) {
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.sqrt(i);
    return s;
  }
  scale = (n) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += i % 3;
    return s;
  };
}
function outer(n) {
  function inner(k) {
    let s = 0;
    for (let i = 0; i < k; i++) s += Math.sin(i);
    return s;
  }
  let t = 0;
  for (let j = 0; j < n; j++) t += inner(4000);
  return t;
}
const counter = {
  tally(n) {
    let s = 0;
    for (let i = 0; i < n; i++) s += i % 7;
    return s;
  },
};
function topLevel(n) {
  let s = 0;
  for (let i = 0; i < n; i++) s += i & 5;
  return s;
}
const g = new Grid();
let total = 0;
for (let r = 0; r < 40; r++) total += g.step(100_000) + g.scale(100_000);
total += outer(1500) + counter.tally(4_000_000) + topLevel(4_000_000);
console.log(total > 0);
`;

describe('qualified names in Node profiles', () => {
  for (const ext of ['js', 'ts']) {
    it(`names methods Class.method and nested functions outer/inner (.${ext})`, async () => {
      const file = join(scratch, `names.${ext}`);
      writeFileSync(
        file,
        ext === 'ts' ? SOURCE.replace('step(n) {', 'step(n: number): number {').replace('function outer(n) {', 'function outer(n: number): number {') : SOURCE,
      );
      const r = await profileNodeFile({ file, samplingIntervalUs: 200 });
      assert.equal(r.run.exitCode, 0, r.run.stderrTail);
      const names = new Set(
        functionStats(r.profile)
          .filter((f) => f.file === file)
          .map((f) => f.name),
      );
      for (const name of ['Grid.step', 'Grid.scale', 'outer/inner', 'outer', 'tally', 'topLevel'])
        assert.ok(names.has(name), `${name} in ${[...names].join(', ')}`);
      for (const bare of ['step', 'scale', 'inner']) assert.ok(!names.has(bare), `${bare} is qualified`);
    });
  }
});

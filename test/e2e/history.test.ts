// The History view: a function measured and profiled twice by the real command line (perf-lab bench and perf-lab
// profile into the editor's own store), with an edit between that makes it three times slower → the regression
// CodeLens → the History chart with both points, their whiskers and the regression marker → a click on the point opens
// that version's profile in the flame graph, and Compare opens the differential flame graph against the version before.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { ROOT } from './code-server';
import { lineOf, measure, Session } from './workbench';

// The rest of the program takes about as long as work and stays the same, so that work's share of the profile grows
// from about a third to about two thirds (with work alone, its share was 70–85 % in both versions, and the
// comparison's trend for it followed the noise of a loaded machine).
const FAST = `// A kernel whose time the history follows, and the rest of the program, which stays the same.
function work(n) {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.sqrt(i);
  return s;
}

function rest(n) {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.sqrt(i + 0.5);
  return s;
}

let total = 0;
for (let k = 0; k < 3000; k++) total += work(20000) + rest(20000);
console.log(total.toFixed(3));
`;
/** The same program with work doing three times the work. */
const SLOW = FAST.replace(
  '  for (let i = 0; i < n; i++) s += Math.sqrt(i);',
  '  for (let r = 0; r < 3; r++) for (let i = 0; i < n; i++) s += Math.sqrt(i + r);',
);

/** The editor's history store folder, from the line the extension writes to its output channel when it starts. */
async function editorStore(lab: Session): Promise<string> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const log = lab.findLog('Perf Lab');
    const m = log ? /history store: (.+)\/history\.sqlite$/m.exec(readFileSync(log, 'utf8')) : null;
    if (m) {
      mkdirSync(m[1]!, { recursive: true });
      return m[1]!;
    }
    if (Date.now() > deadline) throw new Error("The extension's output channel never said where its history store is");
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The real command line on the workspace's file, storing into the editor's history. */
function cli(lab: Session, store: string, args: string[]): string {
  return execFileSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), ...args, '--store', store], { cwd: lab.workspace, encoding: 'utf8', timeout: 180_000 });
}

describe('history view', () => {
  let lab: Session;
  const suiteStarted = Date.now();

  before(
    async () => {
      lab = await Session.start('history', { prepare: (workspace) => writeFileSync(join(workspace, 'kern.js'), FAST) });
    },
    { timeout: 600_000 },
  );

  after(async () => {
    await lab?.stop();
    measure('history suite wall time', `${((Date.now() - suiteStarted) / 1000).toFixed(1)} s`);
  });

  it('charts a regression between two versions and opens their profiles from its points', { timeout: 420_000 }, async () => {
    const { page } = lab;
    const file = join(lab.workspace, 'kern.js');
    await lab.step('nothing stored yet', async () => {
      await lab.openFile('kern.js');
      await lab.runCommand('Perf Lab: Show History');
      const w = await lab.webviewWith('#history-empty', 60_000);
      assert.match(await w.locator('#history-empty').innerText(), /No measurements of kern\.js are stored yet/);
      await lab.runCommand('View: Close All Editors');
    });

    await lab.step('measure twice', async () => {
      const store = await editorStore(lab);
      const started = Date.now();
      for (const source of [FAST, SLOW]) {
        writeFileSync(file, source);
        cli(lab, store, ['bench', 'kern.js', '--fn', 'work', '--time', '0.5']);
        cli(lab, store, ['profile', 'kern.js', '--out', join(lab.workspace, '..', `kern-${source === FAST ? 'fast' : 'slow'}.cpuprofile`)]);
      }
      const text = cli(lab, store, ['history', 'kern.js', '--fn', 'work']);
      assert.match(text, /◀ regression/, `the command line flags the slower version:\n${text}`);
      measure('two benches and two profiles by the command line', `${((Date.now() - started) / 1000).toFixed(1)} s`);
    });

    let history: FrameLocator | undefined;
    await lab.step('lens to chart', async () => {
      // Opened again, the file's lenses are asked for anew: they read what the command line stored.
      const editor = await lab.openFile('kern.js');
      const line = lineOf(file, /^function work\b/);
      const lens = await lab.codeLensAbove(editor, line, /^function\s+work\b/, /JavaScript: ▲ \d+ % slower than at [0-9a-f]{7} \(p < 0\.0?01\)/, 60_000);
      measure('regression lens', lens);
      await editor.locator('.codelens-decoration a', { hasText: '▲' }).first().click();
      history = await lab.webviewWith('.history-chart .pt.regression', 60_000);
      await page.waitForTimeout(300);
      await lab.screenshot('history-chart');
    });

    await lab.step('points, whiskers and marker', async () => {
      const w = history!;
      assert.match(await w.locator('h1.title').innerText(), /work in kern\.js/);
      const points = w.locator('.history-function[data-function="work"] .history-chart .pt');
      assert.equal(await points.count(), 2, 'one point per measurement');
      const versions = await points.evaluateAll((gs) => gs.map((g) => g.getAttribute('data-version')));
      assert.notEqual(versions[0], versions[1], 'two versions of the code');
      // Each point has its interval as a whisker, and only the slower version carries the marker.
      assert.equal(await w.locator('.history-chart .pt .whisker').count(), 6, 'a whisker (stem and two caps) per point');
      assert.equal(await w.locator('.history-chart .pt.regression .marker-regression').count(), 1);
      assert.equal(await w.locator('.history-chart .pt:not(.regression) .marker').count(), 0);
      const yLabels = await w.locator('.history-chart .y-tick').allTextContents();
      assert.ok(
        yLabels.length >= 3 && yLabels[0] === '0' && yLabels.slice(1).every((l) => /^\d+(\.\d+)? (ns|µs|ms)$/.test(l)),
        `round y ticks: ${yLabels.join(', ')}`,
      );
      assert.match(await w.locator('.history-flagged').innerText(), /Regression JavaScript at [0-9a-f]{7}: ▲ \d+ % slower/);
      // Keyboard: the points are reachable with Tab and say what they are.
      const label = (await w.locator('.pt.regression').getAttribute('aria-label')) ?? '';
      assert.match(label, /JavaScript on .*: [\d.]+ µs per call, 95 % interval .* regression: ▲ \d+ % slower.*Enter opens its profile/);
      assert.equal(await w.locator('.pt.regression').getAttribute('tabindex'), '0');
    });

    await lab.step('point to profile', async () => {
      const started = Date.now();
      await history!.locator('.pt.regression .hit').click();
      const flame = await lab.webviewWith('#hot-functions tr[data-function="work"]', 60_000);
      measure('History point to flame graph', `${((Date.now() - started) / 1000).toFixed(1)} s`);
      assert.ok(await flame.locator('#hot-functions tr[data-function="work"]').count());
      await lab.screenshot('profile-of-point');
    });

    await lab.step('compare with the version before', async () => {
      // The flame graph took the History's place in its group: back to it, the point is still selected.
      await page.locator('.tabs-container .tab', { hasText: 'History: work' }).first().click();
      const w = await lab.webviewWith('#history-compare', 30_000);
      assert.match(await w.locator('#history-details').innerText(), /regression: ▲ \d+ % slower/);
      await w.locator('#history-compare').click();
      const diff = await lab.webviewWith('#diff-functions tr[data-function="work"]', 60_000);
      assert.match(await diff.locator('#title').innerText(), /kern\.js at [0-9a-f]{7} → kern\.js at [0-9a-f]{7}/);
      const trend = await diff.locator('#diff-functions tr[data-function="work"]').first().getAttribute('data-trend');
      assert.equal(trend, 'slower', 'work does three times the work: a larger share of the program');
      await lab.screenshot('compare-with-previous');
    });
  });
});

// Comparing two profiles: two real profiles (node --cpu-prof of the program before and after an edit) selected in the
// explorer → Compare Profiles → differential flame graph with red and blue frames, the Δ table, the Δ CodeLens; and
// the comparison that opens by itself after Apply of an optimized function.
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { ROOT } from './code-server';
import { lineOf, measure, profileThenOptimize, recordCpuProfile, Session } from './workbench';

const VARIANTS = join(ROOT, 'test', 'fixtures', 'profiles', 'diff');

/** Counts the pixels of the differential flame graph that are clearly red and clearly blue. */
async function colourCounts(webview: FrameLocator): Promise<{ red: number; blue: number }> {
  return webview.locator('#diff-flame').evaluate((canvas: HTMLCanvasElement) => {
    const ctx = canvas.getContext('2d')!;
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    let red = 0;
    let blue = 0;
    for (let i = 0; i < data.length; i += 4) {
      const r = data[i]!;
      const g = data[i + 1]!;
      const b = data[i + 2]!;
      if (r > g + 50 && r > b + 50) red++;
      else if (b > r + 50 && b > g + 20) blue++;
    }
    return { red, blue };
  });
}

/** A row of the Δ table as numbers and words. */
async function diffRow(webview: FrameLocator, fn: string): Promise<{ trend: string; deltaSelfShare: number; deltaTotalShare: number; text: string }> {
  const row = webview.locator(`#diff-functions tr[data-function="${fn}"]`).first();
  return {
    trend: (await row.getAttribute('data-trend')) ?? '',
    deltaSelfShare: Number(await row.getAttribute('data-delta-self-share')),
    deltaTotalShare: Number(await row.getAttribute('data-delta-total-share')),
    text: (await row.innerText()).replace(/\s+/g, ' '),
  };
}

describe('compare two profiles', () => {
  let lab: Session;
  const suiteStarted = Date.now();

  before(
    async () => {
      lab = await Session.start('compare', {
        // The Apply step is about the comparison that follows it: the whole-program runs are left to optimize.test.ts.
        settings: { 'perfLab.wholeProgramTime': 0 },
        prepare: (workspace) => {
          // The same file, profiled before and after the edit (so both profiles name it), as a user would.
          copyFileSync(join(VARIANTS, 'work-before.js'), join(workspace, 'work.js'));
          recordCpuProfile(workspace, 'work.js', 'before.cpuprofile');
          copyFileSync(join(VARIANTS, 'work-after.js'), join(workspace, 'work.js'));
          recordCpuProfile(workspace, 'work.js', 'after.cpuprofile');
        },
      });
    },
    { timeout: 600_000 },
  );

  after(async () => {
    await lab?.stop();
    measure('compare suite wall time', `${((Date.now() - suiteStarted) / 1000).toFixed(1)} s`);
  });

  it('compares two .cpuprofile files selected in the explorer', { timeout: 180_000 }, async () => {
    const { page } = lab;
    let webview: FrameLocator | undefined;
    await lab.step('explorer', async () => {
      const clicked = await lab.compareInExplorer('before.cpuprofile', 'after.cpuprofile');
      webview = await lab.webviewWith('#diff-functions tr[data-function="checksum"]', 60_000);
      measure('Compare Profiles to differential flame graph', `${((Date.now() - clicked) / 1000).toFixed(1)} s`);
      await page.waitForTimeout(500);
      await lab.screenshot('differential-flame-graph');
    });

    await lab.step('graph and table', async () => {
      const w = webview!;
      assert.match(await w.locator('#title').innerText(), /before\.cpuprofile → after\.cpuprofile/, 'the older file is "before"');
      assert.match(await w.locator('#diff-legend').innerText(), /faster[\s\S]*unchanged[\s\S]*slower/, 'a legend says what the colours mean');
      assert.ok(Number(await w.locator('#diff-flame').getAttribute('data-boxes')) > 3, 'the graph draws boxes');
      const removed = await diffRow(w, 'insertionSort');
      assert.equal(removed.trend, 'removed', `the insertion sort is gone after the edit: ${JSON.stringify(removed)}`);
      assert.ok(removed.deltaSelfShare < -30, `it took most of the time before: ${JSON.stringify(removed)}`);
      assert.match(removed.text, /−\d[\d.]* m?s \(−100 %\)/);
      const checksum = await diffRow(w, 'checksum');
      assert.equal(checksum.trend, 'slower', `the checksum takes a larger share after: ${JSON.stringify(checksum)}`);
      assert.ok(checksum.deltaSelfShare > 2, JSON.stringify(checksum));
      const sorted = await diffRow(w, 'sortedCopy');
      assert.ok(sorted.deltaTotalShare < -20, `sortedCopy (with its sort) takes a smaller share: ${JSON.stringify(sorted)}`);
      measure(
        'Δ table',
        `insertionSort ${removed.deltaSelfShare} pp self, checksum +${checksum.deltaSelfShare} pp self, sortedCopy ${sorted.deltaTotalShare} pp total`,
      );

      // The default widths (the mean of both shares) show what went away (the insertion sort, blue) beside what grew
      // (the checksum, red).
      const both = await colourCounts(w);
      assert.ok(both.red > 500 && both.blue > 500, `both colours are drawn: ${JSON.stringify(both)}`);
      await w.locator('#diff-width').selectOption('after');
      await page.waitForTimeout(500);
      const after = await colourCounts(w);
      await lab.screenshot('after-widths');
      assert.ok(after.red > 500, `the after profile's widths show the checksum red: ${JSON.stringify(after)}`);
      measure('differential flame graph pixels', `mean-share widths: red ${both.red}, blue ${both.blue}; after widths: red ${after.red}, blue ${after.blue}`);

      // Keyboard: the cursor frame's change is read out (a live region under the graph).
      await w.locator('#diff-flame').focus();
      for (let i = 0; i < 3; i++) await w.locator('#diff-flame').press('ArrowDown');
      assert.match(await w.locator('#diff-cursor').innerText(), /Δ self [+−±].*Δ total [+−±]/);
      // Hovering a box shows the same in the tooltip.
      const box = await w.locator('#diff-flame').boundingBox();
      await page.mouse.move(box!.x + 60, box!.y + 9 + 18 * 3);
      const tip = w.locator('#tooltip');
      await tip.waitFor({ state: 'visible', timeout: 5_000 });
      assert.match(await tip.innerText(), /Δ self[\s\S]*Δ total/);

      // The table sorts by any column.
      await w.locator('#diff-functions button[data-column="name"]').click();
      const names = await w.locator('#diff-functions tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.function ?? ''));
      assert.deepEqual(
        names,
        [...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())),
        'sorted by name',
      );
      assert.equal(await w.locator('#diff-functions th[aria-sort="ascending"]').count(), 1);
    });

    await lab.step('codelens', async () => {
      const file = join(lab.workspace, 'work.js');
      const editor = await lab.openFile('work.js');
      const lens = await lab.codeLensAbove(
        editor,
        lineOf(file, /^function checksum\b/),
        /^function\s+checksum\b/,
        /^Δ self [+−±][\d.]+ m?s \([+−±]\d+ %\) · Δ total [+−]/,
      );
      measure('Δ CodeLens above checksum', lens);
      const sortedLens = await lab.codeLensAbove(editor, lineOf(file, /^function sortedCopy\b/), /^function\s+sortedCopy\b/, /Δ total −[\d.]+ m?s \(−\d+ %\)/);
      measure('Δ CodeLens above sortedCopy', sortedLens);
      await lab.screenshot('codelens');
    });

    await lab.step('the comparison and its lenses come back after a window reload', async () => {
      // (Its tab sits behind work.js.)
      const reloaded = await lab.reloadAndShowTab('Compare: before.cpuprofile');
      const w = await lab.webviewWith('#diff-functions tr[data-function="insertionSort"]', 60_000);
      measure('window reload to the restored comparison', `${((Date.now() - reloaded) / 1000).toFixed(1)} s`);
      assert.match(await w.locator('#title').innerText(), /before\.cpuprofile → after\.cpuprofile/);
      await lab.screenshot('restored-comparison');
      // (The focus is in the panel's page, where the quick-open key does not reach the workbench: the tab, then.)
      await page.locator('.tabs-container .tab', { hasText: 'work.js' }).first().click();
      const file = join(lab.workspace, 'work.js');
      await lab.codeLensAbove(lab.editor('work.js'), lineOf(file, /^function checksum\b/), /^function\s+checksum\b/, /^Δ self [+−][\d.]+ m?s/);
    });
  });

  it('opens the comparison by itself after Apply of an optimized function (blur.js)', { timeout: 300_000 }, async () => {
    const { page } = lab;
    const file = join(lab.workspace, 'blur.js');
    const original = readFileSync(file, 'utf8');
    await profileThenOptimize(lab, 'blur.js', 'blur', /^function\s+blur\b/);
    let applied = 0;
    let groupsBefore = 0;
    await lab.step('apply', async () => {
      const panel = await lab.webviewWith('#apply:enabled', 240_000);
      groupsBefore = await page.locator('.editor-group-container').count();
      await lab.screenshot('before-after');
      applied = Date.now();
      await panel.locator('#apply').click();
    });
    await lab.step('comparison after apply', async () => {
      const w = await lab.webviewWith('#diff-functions tr[data-function="blur"]', 120_000);
      measure('Apply to comparison (profiled again)', `${((Date.now() - applied) / 1000).toFixed(1)} s`);
      await page.waitForTimeout(500);
      await lab.screenshot('after-apply-comparison');
      assert.match(await w.locator('#title').innerText(), /blur\.js before → blur\.js with blur as WebAssembly/);
      const blur = await diffRow(w, 'blur');
      assert.ok(blur.deltaSelfShare < -20, `blur's own time went into WebAssembly: ${JSON.stringify(blur)}`);
      const toast = lab
        .notifications()
        .filter({ hasText: /profiled again: blur total [+−±][\d.]+ m?s \([+−±]\d+ %\)/ })
        .first();
      await toast.waitFor({ timeout: 10_000 });
      measure('after Apply', await lab.notificationText(toast));
      assert.notEqual(readFileSync(file, 'utf8'), original, 'the rewrite was applied');
      // The comparison opens in a group that is there (its own panel's, or the Before/After panel's), not a new one.
      assert.ok((await page.locator('.editor-group-container').count()) <= groupsBefore, `no new editor group (${groupsBefore} before Apply)`);
      assert.doesNotMatch(await w.locator('#diff-functions').innerText(), /\b[0-9a-f]{8}:\d+/, 'no module hash as a location');
    });
    await lab.step('undo', async () => {
      // Undo brings back the profile from before Apply: blur's lens is its time again, not a Δ of the rewritten code.
      const editor = await lab.openFile('blur.js');
      await lab.undoEdit(editor, 'blur.js', () => readFileSync(file, 'utf8') === original);
      await lab.codeLensAbove(editor, lineOf(file, /^function\s+blur\b/), /^function\s+blur\b/, /^self [\d.]+ m?s/);
    });
  });

  it('compares two recent runs of Profile File picked from the command palette', { timeout: 120_000 }, async () => {
    const { page } = lab;
    await lab.step('palette', async () => {
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+Shift+P');
      const input = page.locator('.quick-input-widget input');
      await input.fill('>Perf Lab: Compare Profiles');
      await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Compare Profiles' }).first().click();
      // The runs of blur.js before and after Apply, newest first: the older one is "before".
      const runs = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'blur.js' });
      await page.locator('.quick-input-widget', { hasText: 'the BEFORE profile' }).waitFor({ timeout: 10_000 });
      assert.ok((await runs.count()) >= 2, `both runs of blur.js are offered: ${await page.locator('.quick-input-widget').innerText()}`);
      await lab.screenshot('recent-runs');
      await runs.nth(1).click();
      await page.locator('.quick-input-widget', { hasText: 'the AFTER profile' }).waitFor({ timeout: 10_000 });
      await runs.first().click();
      // The comparison of the two runs, not the one the Apply test left open (which also shows blur).
      const w = await lab.webviewWith('#title:text-matches("^Compare: blur\\.js at ")', 30_000);
      await w.locator('#diff-functions tr[data-function="blur"]').first().waitFor({ timeout: 30_000 });
      assert.match(await w.locator('#title').innerText(), /^Compare: blur\.js at .+ → blur\.js at .+$/);
      const blur = await diffRow(w, 'blur');
      assert.ok(blur.deltaSelfShare < -20, JSON.stringify(blur));
      await lab.screenshot('recent-runs-comparison');
    });
  });
});

// The flame graph page's four views on a real profile in code-server: switching views, search, a selection that
// survives switching, keyboard movement, zoom by wheel, and opening the source from the table.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { wheelFrames } from '../tools/wheel-frames';
import { ROOT } from './code-server';
import { hotRow, lineOf, measure, PROFILE_FILE, Session } from './workbench';

const FN = 'advance';

/** Median and 95th percentile of a list of numbers. */
function percentiles(xs: number[]): { p50: number; p95: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  return { p50: at(0.5), p95: at(0.95), max: s[s.length - 1] ?? NaN };
}

/**
 * A profile of 30,000 call paths: main calls hot (100,000 samples) and spread, which calls 300 groups of 100 leaves of
 * one sample each. Over 20,000 nodes, it is sent pruned: each leaf is far narrower than a pixel of the whole.
 */
function wideProfile(): object {
  type Node = {
    id: number;
    callFrame: { functionName: string; scriptId: string; url: string; lineNumber: number; columnNumber: number };
    hitCount: number;
    children: number[];
  };
  const nodes: Node[] = [];
  const add = (name: string, hits: number, parent?: Node): Node => {
    const n: Node = {
      id: nodes.length + 1,
      callFrame: { functionName: name, scriptId: '1', url: 'file:///wide.js', lineNumber: nodes.length, columnNumber: 0 },
      hitCount: hits,
      children: [],
    };
    nodes.push(n);
    parent?.children.push(n.id);
    return n;
  };
  const root = add('(root)', 0);
  const main = add('main', 0, root);
  const hot = add('hot', 100_000, main);
  const spread = add('spread', 0, main);
  const samples: number[] = Array(100_000).fill(hot.id);
  for (let g = 0; g < 300; g++) {
    const group = add(`group${g}`, 0, spread);
    for (let l = 0; l < 100; l++) samples.push(add(`leaf${g}_${l}`, 1, group).id);
  }
  // A sample every 100 µs: 130,000 samples, more than the panel gets as one flame chart, so it asks for it.
  return { nodes, startTime: 0, endTime: samples.length * 100, samples, timeDeltas: samples.map(() => 100) };
}

describe('flame graph views', () => {
  let lab: Session;
  let webview: FrameLocator;
  const suiteStarted = Date.now();

  before(
    async () => {
      lab = await Session.start('views', {
        prepare: (workspace) => writeFileSync(join(workspace, 'wide.cpuprofile'), JSON.stringify(wideProfile())),
        settings: { 'workbench.editorAssociations': { 'wide.cpuprofile': 'perfLab.cpuprofile' } },
      });
    },
    { timeout: 600_000 },
  );

  after(async () => {
    await lab?.stop();
    measure('views suite wall time', `${((Date.now() - suiteStarted) / 1000).toFixed(1)} s`);
  });

  async function tab(view: string): Promise<void> {
    await webview.locator(`vscode-tab-header[data-view="${view}"]`).click();
    await webview.locator(`body[data-view="${view}"]`).waitFor({ timeout: 5_000 });
  }

  async function boxes(canvas: string): Promise<number> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const n = Number(await webview.locator(canvas).getAttribute('data-boxes'));
      if (n > 0 || Date.now() > deadline) return n;
      await lab.page.waitForTimeout(100);
    }
  }

  it('profiles nbody.js and shows the flame graph view', { timeout: 180_000 }, async () => {
    await lab.step('profile', async () => {
      const editor = await lab.openFile('nbody.js');
      await lab.runFromContextMenu(editor, PROFILE_FILE);
      webview = await lab.webviewWith(`#hot-functions tr[data-function="${FN}"]`, 90_000);
      assert.ok((await boxes('#flame')) >= 5, 'the flame graph draws boxes');
      assert.equal(await webview.locator('body').getAttribute('data-view'), 'flame');
    });
  });

  it('searches: matches highlighted in every view, their total share shown', { timeout: 60_000 }, async () => {
    await lab.step('search', async () => {
      await webview.locator('#search input').fill(FN);
      const summary = webview.locator('#search-summary[data-share]');
      await summary.waitFor({ timeout: 5_000 });
      const share = Number(await summary.getAttribute('data-share'));
      const row = await hotRow(webview, FN);
      assert.ok(Math.abs(share - row.totalShare) < 0.05, `the matches' share (${share} %) is ${FN}'s total share (${row.totalShare} %)`);
      assert.match(await summary.innerText(), /%/);
      await lab.screenshot('search');
      await webview.locator('#search input').fill('');
      await webview.locator('#search-summary:not([data-share])').waitFor({ state: 'attached', timeout: 5_000 });
    });
  });

  it('selects a frame with the keyboard and keeps the selection through all four views', { timeout: 90_000 }, async () => {
    await lab.step('select and switch', async () => {
      const flame = webview.locator('#flame');
      await flame.focus();
      // Down goes to the heaviest callee: from the root, the hot path leads to the hot function.
      for (let i = 0; i < 20 && (await webview.locator(`#selection[data-function="${FN}"]`).count()) === 0; i++) await flame.press('ArrowDown');
      assert.equal(await webview.locator('#selection').getAttribute('data-function'), FN, 'arrow keys moved the cursor to the hot function');
      await flame.press('ArrowUp');
      const parent = await webview.locator('#selection').getAttribute('data-function');
      assert.notEqual(parent, FN, 'up moves to the caller');
      await flame.press('ArrowDown');
      assert.equal(await webview.locator('#selection').getAttribute('data-function'), FN);
      await flame.press('Enter');
      assert.equal(await flame.getAttribute('data-zoom'), FN, 'Enter zooms into the frame under the cursor');
      await flame.press('Escape');
      assert.notEqual(await flame.getAttribute('data-zoom'), FN, 'Esc zooms out');

      await tab('chart');
      assert.ok((await boxes('#chart')) >= 5, 'the flame chart draws boxes');
      assert.equal(await webview.locator('#selection').getAttribute('data-function'), FN, 'the selection survives the switch to the flame chart');
      assert.equal(await webview.locator('#chart').getAttribute('data-cursor'), FN, 'the chart puts its cursor on the selected function');
      await lab.screenshot('flame-chart');

      await tab('sandwich');
      await webview.locator(`#sandwich-heading[data-function="${FN}"]`).waitFor({ timeout: 5_000 });
      assert.ok((await boxes('#sandwich-callers')) >= 2, 'the callers of the function are drawn');
      await lab.screenshot('sandwich');

      await tab('table');
      await webview.locator(`#hot-functions tr[data-function="${FN}"][aria-current="true"]`).waitFor({ timeout: 5_000 });
      assert.equal(await webview.locator('#selection').getAttribute('data-function'), FN);

      await tab('flame');
      assert.equal(await webview.locator('#selection').getAttribute('data-function'), FN, 'and back in the flame graph');
    });
  });

  it('zooms by ctrl+wheel and pans by shift+wheel, redrawing once per frame', { timeout: 60_000 }, async () => {
    await lab.step('wheel', async () => {
      const result = (await webview.locator('#flame').evaluate(wheelFrames)) as { frames: number[]; draws: number[] };
      const f = percentiles(result.frames);
      const d = percentiles(result.draws);
      measure(
        'views: frame interval during 90 frames of wheel zoom/pan (nbody)',
        `p50 ${f.p50.toFixed(1)} ms, p95 ${f.p95.toFixed(1)} ms, max ${f.max.toFixed(1)} ms`,
      );
      measure(
        'views: canvas paint time per draw',
        `p50 ${d.p50.toFixed(2)} ms, p95 ${d.p95.toFixed(2)} ms, max ${d.max.toFixed(2)} ms over ${result.draws.length} draws`,
      );
      assert.ok(result.draws.length <= 92, `180 wheel events drew at most once per frame (${result.draws.length} draws)`);
      assert.ok(result.draws.length >= 30, `the view redrew while zooming (${result.draws.length} draws)`);
      await webview.locator('#flame').press('Escape');
    });
  });

  it('sorts and filters the table, then opens the source from it', { timeout: 90_000 }, async () => {
    await lab.step('table', async () => {
      await tab('table');
      const head = webview.locator('#hot-functions th[data-column="total"]');
      await head.locator('button').click();
      assert.equal(await head.getAttribute('aria-sort'), 'descending');
      const totals = await webview.locator('#hot-functions tbody tr').evaluateAll((rows) => rows.map((r) => Number((r as HTMLElement).dataset.total)));
      assert.ok(
        totals.every((t, i) => i === 0 || totals[i - 1]! >= t),
        'rows are sorted by total, heaviest first',
      );
      await head.locator('button').click();
      assert.equal(await head.getAttribute('aria-sort'), 'ascending');
      // The program's own functions by default; the runtime's rows come back with the box unchecked.
      const kinds = await webview.locator('#hot-functions tbody tr[data-function]').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.kind));
      assert.ok(await webview.locator('#table-mine').isChecked(), 'My code only is the default');
      assert.ok(kinds.length > 0 && kinds.every((k) => k === 'js'), `only the program's functions are listed: ${kinds.join(', ')}`);
      await webview.locator('#table-mine').uncheck();
      const all = await webview.locator('#hot-functions tbody tr[data-function]').count();
      assert.ok(all > kinds.length, `unchecked, the runtime's rows are listed too (${all} rows, ${kinds.length} of them the program's)`);
      await webview.locator('#table-filter input').fill('nbody.js');
      await webview.locator(`#hot-functions tbody tr[data-function="${FN}"]`).waitFor();
      const files = await webview
        .locator('#hot-functions tbody tr[data-function]')
        .evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.file ?? ''));
      assert.ok(files.length < all && files.every((f) => f.endsWith('nbody.js')), `the filter keeps the rows of nbody.js only (${files.length} of ${all})`);
      await webview.locator('#table-filter input').fill('');

      const line = lineOf(join(lab.workspace, 'nbody.js'), /^function\s+advance\b/);
      await webview.locator(`#hot-functions tr[data-function="${FN}"] button.link`).click();
      const status = lab.page.locator('[id="status.editor.selection"]');
      const deadline = Date.now() + 15_000;
      let text = '';
      while (Date.now() < deadline) {
        text = (await status.innerText().catch(() => '')).trim();
        if (new RegExp(`Ln ${line},`).test(text)) break;
        await lab.page.waitForTimeout(200);
      }
      await lab.screenshot('opened-from-table');
      assert.match(text, new RegExp(`Ln ${line},`), `the editor jumped to ${FN} (line ${line})`);
      measure('views: open source from the table', text);
    });
  });

  it('shows the flame graph with a selection (docs/screenshot.png when PERF_LAB_UPDATE_SCREENSHOT is set)', { timeout: 60_000 }, async () => {
    await lab.step('screenshot', async () => {
      await tab('flame');
      // Zoomed out, the table by self time, the hot function selected: the panel as it first looks.
      await webview.locator('#hot-functions th[data-column="self"] button').click();
      if ((await webview.locator('#hot-functions th[data-column="self"]').getAttribute('aria-sort')) !== 'descending')
        await webview.locator('#hot-functions th[data-column="self"] button').click();
      for (let i = 0; i < 10 && Number(await webview.locator('#flame').getAttribute('data-zoom-depth')) > 0; i++)
        await webview.locator('#flame').press('Escape');
      await webview.locator(`#hot-functions tr[data-function="${FN}"] button.fn`).click();
      await webview.locator('#flame').focus();
      await lab.page.waitForTimeout(500);
      const file = await lab.screenshot('flame-graph-selected');
      if (process.env.PERF_LAB_UPDATE_SCREENSHOT) await copyFile(file, join(ROOT, 'docs', 'screenshot.png'));
    });
  });
  it('asks the extension for the calls and the flame chart it left out of a big profile; a hidden panel comes back', { timeout: 120_000 }, async () => {
    await lab.step('pruned', async () => {
      // Opened in the profile panel's group, so that the panel is hidden and must come back afterwards.
      await lab.page.locator('.tabs-container .tab', { hasText: 'Profile: nbody.js' }).first().click();
      await lab.quickOpen('wide.cpuprofile');
      const wide = await lab.webviewWith('#hot-functions tr[data-function="leaf0_0"]', 60_000);
      const flame = wide.locator('#flame');
      await flame.focus();
      // root → main → hot (the heaviest) → its neighbour spread → the first group.
      for (const key of ['ArrowDown', 'ArrowDown', 'ArrowDown', 'ArrowRight', 'ArrowDown']) await flame.press(key);
      assert.match((await wide.locator('#selection').getAttribute('data-function')) ?? '', /^group\d+$/);
      const before = Number(await flame.getAttribute('data-boxes'));
      await flame.press('Enter');
      await wide.locator('#flame[data-grafts]').waitFor({ state: 'attached', timeout: 15_000 });
      // (Generous ceilings: on a loaded 2-core machine the extension's answer can take seconds.)
      const deadline = Date.now() + 20_000;
      let after = 0;
      while (Date.now() < deadline && (after = Number(await flame.getAttribute('data-boxes'))) < 100) await lab.page.waitForTimeout(100);
      measure('views: pruned profile, boxes before and after zooming into a group', `${before} → ${after}`);
      assert.ok(after >= 100, `the group's 100 leaves came from the extension and are drawn (${after} boxes)`);
      await lab.screenshot('pruned-subtree');
      // The flame chart came empty (130,000 samples): shown, it asks the extension for its boxes.
      await wide.locator('vscode-tab-header[data-view="chart"]').click();
      const chartDeadline = Date.now() + 45_000;
      let chartBoxes = 0;
      while (Date.now() < chartDeadline && (chartBoxes = Number(await wide.locator('#chart').getAttribute('data-boxes'))) === 0)
        await lab.page.waitForTimeout(200);
      measure('views: flame chart boxes of 130,000 samples, asked of the extension', String(chartBoxes));
      assert.ok(chartBoxes >= 3, `the flame chart shows the boxes the extension sent (${chartBoxes})`);
      await lab.screenshot('pruned-chart');
      // Its sandwich is merged by the extension from the whole tree: the group's 100 leaves are there.
      const group = await wide.locator('#selection').getAttribute('data-function');
      await wide.locator('vscode-tab-header[data-view="sandwich"]').click();
      await wide.locator(`#sandwich-heading[data-function="${group}"]`).waitFor({ state: 'attached', timeout: 15_000 });
      const sandwichDeadline = Date.now() + 30_000;
      let callees = 0;
      while (Date.now() < sandwichDeadline && (callees = Number(await wide.locator('#sandwich-callees').getAttribute('data-boxes'))) < 101)
        await lab.page.waitForTimeout(100);
      assert.ok(callees >= 101, `the sandwich shows the group's leaves the page never had (${callees} boxes)`);
      measure('views: sandwich of a pruned group, boxes from the extension', String(callees));
      await lab.page.locator('.tabs-container .tab', { hasText: 'Profile: nbody.js' }).first().click();
      await lab.webviewWith(`#hot-functions tr[data-function="${FN}"]`, 30_000);
    });
  });
});

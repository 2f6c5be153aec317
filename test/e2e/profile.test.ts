// Profiling a JavaScript and a TypeScript file from the editor's context menu: flame graph, hot table, CodeLens.
// code-server runs here as on a machine where it never ran: with an empty HOME, which it and everything it runs (the
// extension, the profiled programs) must leave empty.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hotRow, lineOf, measure, Session } from './workbench';

const PROFILE_FILE = /^(Perf Lab: )?Profile File$/;
/** A CodeLens such as `self 812.3 ms (85.1%) · total 900.0 ms`. */
const LENS = /self [\d.,]+ ?(ms|s|µs|samples)? \([\d.]+%\) · total [\d.,]+/;

describe('profile a file from the editor', () => {
  let lab: Session;
  const suiteStarted = Date.now();
  const home = mkdtempSync(join(tmpdir(), 'perf-lab-home-'));

  before(
    async () => {
      lab = await Session.start('profile', { home });
    },
    { timeout: 600_000 },
  );

  after(async () => {
    await lab?.stop();
    rmSync(home, { recursive: true, force: true });
    measure('profile suite wall time', `${((Date.now() - suiteStarted) / 1000).toFixed(1)} s`);
  });

  async function profile(file: string, hot: RegExp, fn: string, inliningNote: RegExp): Promise<void> {
    const editor = await lab.openFile(file);
    await lab.screenshot(`${file}-open`);
    const clicked = Date.now();
    await lab.runFromContextMenu(editor, PROFILE_FILE);
    const webview = await lab.webviewWith(`#hot-functions tr[data-function="${fn}"]`, 90_000);
    measure(`${file}: Profile File to flame graph`, `${((Date.now() - clicked) / 1000).toFixed(1)} s`);
    await lab.screenshot(`${file}-flame-graph`);
    // The inlining note in full on the first profile, in one line after it.
    const notes = await webview.locator('#messages .banner.note').allInnerTexts();
    assert.ok(
      notes.some((n) => inliningNote.test(n)),
      `the inlining note reads ${inliningNote}: ${JSON.stringify(notes)}`,
    );

    const row = await hotRow(webview, fn);
    assert.ok(row.totalShare >= 30 && row.totalShare <= 100, `${fn} should take a plausible share of the profile (≥ 30 % total), got ${JSON.stringify(row)}`);
    assert.ok(row.selfShare >= 0 && row.selfShare <= row.totalShare, `${fn}'s self share should lie within 0 and its total share, got ${JSON.stringify(row)}`);
    measure(`${file}: ${fn} share`, `self ${row.selfShare} %, total ${row.totalShare} %`);

    const line = lineOf(join(lab.workspace, file), hot);
    const lens = await lab.codeLensAbove(editor, line, hot, LENS);
    measure(`${file}: CodeLens above ${fn}`, lens);
    await lab.screenshot(`${file}-codelens`);
  }

  it('profiles examples/nbody.js and shows advance as hot', { timeout: 180_000 }, async () => {
    await lab.step('nbody.js', () => profile('nbody.js', /^function\s+advance\b/, 'advance', /so that small hot functions keep their own frames/));
    const activation = lab.activationMs();
    measure('extension activation', activation === undefined ? 'not found in the Perf Lab output channel' : `${activation} ms`);
  });

  it('profiles examples/pairwise.ts and shows sumPairwiseDistances as hot', { timeout: 180_000 }, async () => {
    await lab.step('pairwise.ts', () =>
      profile(
        'pairwise.ts',
        /^export\s+function\s+sumPairwiseDistances\b/,
        'sumPairwiseDistances',
        /^Note\s*Inlining was turned off, as on your first profile/i,
      ),
    );
  });

  it('restores the flame graph panel after a window reload', { timeout: 120_000 }, async () => {
    await lab.step('reload', async () => {
      await lab.page.reload();
      const webview = await lab.webviewWith('#hot-functions tr[data-function="sumPairwiseDistances"]', 60_000);
      const row = await hotRow(webview, 'sumPairwiseDistances');
      assert.ok(row.totalShare >= 30, `the restored panel shows the same profile, got ${JSON.stringify(row)}`);
      await lab.screenshot('restored-after-reload');
    });
  });

  it('leaves the empty HOME it ran with empty', { timeout: 60_000 }, async () => {
    // Stopped first (stopping again after all is harmless), so that what is written on the way out is seen too.
    await lab.stop();
    assert.deepEqual(readdirSync(home, { recursive: true }), [], `code-server or what it ran wrote into HOME (${home})`);
  });
});

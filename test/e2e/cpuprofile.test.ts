// Opening .cpuprofile files: a real one shows in the flame graph editor, a corrupt one gives an error naming it.
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hotRow, measure, recordCpuProfile, Session } from './workbench';

const HOT_ROW = '#hot-functions tr[data-function="advance"]';

describe('.cpuprofile editor', () => {
  let lab: Session;
  const suiteStarted = Date.now();

  before(
    async () => {
      lab = await Session.start('cpuprofile', {
        prepare: (workspace) => {
          recordCpuProfile(workspace, 'nbody.js', 'nbody-recorded.cpuprofile');
          copyFileSync(join(workspace, 'nbody-recorded.cpuprofile'), join(workspace, 'default-editor.cpuprofile'));
          // Cut off in the middle of the first node: not JSON.
          writeFileSync(join(workspace, 'broken.cpuprofile'), '{"nodes":[{"id":1,"callFrame":{"functionName":"(root)","scriptId":"0","url":"",');
        },
        // VS Code's built-in JavaScript profile viewer also opens *.cpuprofile by default. These files are tied to Perf
        // Lab's editor, as a user would with "Open With…"/"Configure default"; default-editor.cpuprofile is left alone.
        settings: {
          'workbench.editorAssociations': {
            'nbody-recorded.cpuprofile': 'perfLab.cpuprofile',
            'broken.cpuprofile': 'perfLab.cpuprofile',
          },
        },
      });
    },
    { timeout: 600_000 },
  );

  after(async () => {
    await lab?.stop();
    measure('cpuprofile suite wall time', `${((Date.now() - suiteStarted) / 1000).toFixed(1)} s`);
  });

  it('shows a recorded .cpuprofile in the flame graph (perfLab.cpuprofile editor)', { timeout: 120_000 }, async () => {
    await lab.step('recorded', async () => {
      const opened = Date.now();
      await lab.quickOpen('nbody-recorded.cpuprofile');
      const webview = await lab.webviewWith(HOT_ROW, 60_000);
      measure('cpuprofile: open to flame graph', `${((Date.now() - opened) / 1000).toFixed(1)} s`);
      await lab.screenshot('recorded');
      const row = await hotRow(webview, 'advance');
      assert.ok(row.totalShare >= 30 && row.totalShare <= 100, `advance should take a plausible share (≥ 30 % total), got ${JSON.stringify(row)}`);
      measure('cpuprofile: advance share', `self ${row.selfShare} %, total ${row.totalShare} %`);
    });
  });

  it('shows an error naming a corrupt .cpuprofile', { timeout: 120_000 }, async () => {
    await lab.step('corrupt', async () => {
      await lab.quickOpen('broken.cpuprofile');
      // The panel itself must say what is wrong (never a blank panel); the notification repeats it.
      const deadline = Date.now() + 30_000;
      let inPanel: string | undefined;
      while (!inPanel && Date.now() < deadline) {
        for (const webview of await lab.webviews()) {
          const error = webview.locator('#error:visible', { hasText: 'broken.cpuprofile' });
          if ((await error.count()) > 0) inPanel = (await error.first().innerText()).trim();
        }
        if (!inPanel) await lab.page.waitForTimeout(250);
      }
      await lab.screenshot('corrupt');
      assert.ok(inPanel, 'opening broken.cpuprofile showed no error naming the file in the panel within 30 s');
      assert.match(inPanel, /not valid JSON/);
      const toast = lab.notifications().filter({ hasText: 'broken.cpuprofile' });
      assert.ok((await toast.count()) > 0, 'the error is also shown as a notification');
      const where = `panel: ${inPanel}`;
      measure('cpuprofile: corrupt file error', where);
    });
  });

  it('is the editor a .cpuprofile opens in without any setting', { timeout: 120_000 }, async () => {
    await lab.step('default-editor', async () => {
      await lab.quickOpen('default-editor.cpuprofile');
      let shown = true;
      await lab.webviewWith(HOT_ROW, 20_000).catch(() => (shown = false));
      await lab.screenshot('default-editor');
      assert.ok(
        shown,
        "default-editor.cpuprofile did not open in Perf Lab's flame graph: another default editor for *.cpuprofile (VS Code's built-in JavaScript profile viewer, ms-vscode.vscode-js-profile-table) took it",
      );
    });
  });
});

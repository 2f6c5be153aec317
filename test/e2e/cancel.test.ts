// A program that never ends: Cancel in the progress notification stops it, and what was recorded is shown.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { measure, Session } from './workbench';

describe('cancel a profile', () => {
  let lab: Session;
  const suiteStarted = Date.now();

  before(
    async () => {
      lab = await Session.start('cancel');
    },
    { timeout: 600_000 },
  );

  after(async () => {
    await lab?.stop();
    measure('cancel suite wall time', `${((Date.now() - suiteStarted) / 1000).toFixed(1)} s`);
  });

  it('stops examples/forever.js from the notification and shows the samples so far', { timeout: 180_000 }, async () => {
    await lab.step('forever.js', async () => {
      const editor = await lab.openFile('forever.js');
      await lab.runFromContextMenu(editor, /^(Perf Lab: )?Profile File$/);

      const toast = lab
        .notifications()
        .filter({ hasText: /profiling forever\.js/i })
        .first();
      await toast.waitFor({ timeout: 30_000 });
      // Let it record for a while before stopping it.
      await lab.page.waitForTimeout(3_000);
      await lab.screenshot('running');
      await toast.hover();
      const cancel = toast.getByRole('button', { name: 'Cancel' });
      await cancel.click({ timeout: 10_000 });
      const cancelled = Date.now();

      await toast.waitFor({ state: 'detached', timeout: 20_000 });
      measure('cancel: notification gone after', `${((Date.now() - cancelled) / 1000).toFixed(1)} s`);

      // A flame graph of what was recorded (preferred), or at least a message about the cancel; never nothing.
      const deadline = Date.now() + 30_000;
      let graph = false;
      let message: string | undefined;
      let messageSeen = 0;
      while (!graph && Date.now() < deadline) {
        for (const webview of await lab.webviews()) {
          if ((await webview.locator('#hot-functions tr[data-function="spin"]').count()) > 0) graph = true;
        }
        const toast = lab.notifications().filter({ hasText: /cancel|stopped/i });
        if (!message && (await toast.count()) > 0) {
          message = await lab.notificationText(toast.first());
          messageSeen = Date.now();
        }
        // With a message shown, the flame graph gets a few more seconds before the message alone counts.
        if (message && Date.now() - messageSeen > 5_000) break;
        if (!graph) await lab.page.waitForTimeout(250);
      }
      await lab.screenshot('after-cancel');
      measure('cancel: flame graph of the samples so far', graph ? 'shown (spin in #hot-functions)' : 'not shown');
      measure('cancel: message', message ?? 'none');
      assert.ok(graph || message, 'after Cancel, neither a flame graph with spin nor a message about the cancel appeared within 30 s');
      if (!graph)
        assert.doesNotMatch(message ?? '', /profile holds the samples/i, 'the message promises a profile of the samples so far, but no flame graph shows them');
    });
  });
});

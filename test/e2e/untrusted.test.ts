// In a folder that is not trusted, Profile File runs nothing and says how to trust the folder.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { measure, Session } from './workbench';

/** A script that leaves a file behind when it runs, so that the test can tell whether anything ran it. */
const PROBE = `// Writes ran.txt next to itself when run.
require('node:fs').writeFileSync(require('node:path').join(__dirname, 'ran.txt'), 'ran');
function sum(n) {
  let x = 0;
  for (let i = 0; i < n; i++) x += i;
  return x;
}
console.log(sum(1e7));
`;

describe('untrusted workspace', () => {
  let lab: Session;
  const suiteStarted = Date.now();

  before(
    async () => {
      lab = await Session.start('untrusted', {
        workspaceTrust: true,
        prepare: (workspace) => writeFile(join(workspace, 'probe.js'), PROBE),
      });
    },
    { timeout: 600_000 },
  );

  after(async () => {
    await lab?.stop();
    measure('untrusted suite wall time', `${((Date.now() - suiteStarted) / 1000).toFixed(1)} s`);
  });

  it('runs no code and explains how to trust the folder', { timeout: 180_000 }, async () => {
    await lab.step('untrusted', async () => {
      await lab.page.getByText('Restricted Mode').first().waitFor({ timeout: 30_000 });
      const editor = await lab.openFile('probe.js');
      await lab.runFromContextMenu(editor, /^(Perf Lab: )?Profile File$/);

      const message = lab.notifications().filter({ hasText: /trust/i }).first();
      await message.waitFor({ timeout: 30_000 });
      const text = await lab.notificationText(message);
      await lab.screenshot('untrusted-message');
      measure('untrusted: message', text);
      assert.match(text, /not trusted|untrusted|restricted/i, 'the message should say that the folder is not trusted');
      assert.match(text, /trust/i, 'the message should say how to trust the folder');

      // Give a wrongly started run time to leave its mark.
      await lab.page.waitForTimeout(3_000);
      assert.equal(existsSync(join(lab.workspace, 'ran.txt')), false, 'probe.js ran although the folder is not trusted');
      const progress = lab.notifications().filter({ hasText: /profiling probe\.js/i });
      assert.equal(await progress.count(), 0, 'a profiling progress notification appeared although the folder is not trusted');
    });
  });

  it('optimizes nothing and explains why (command palette, cursor in a function)', { timeout: 120_000 }, async () => {
    await lab.step('untrusted optimize', async () => {
      const editor = await lab.openFile('probe.js');
      await lab.focusEditor(editor);
      await lab.goToLine(4);
      await lab.page.keyboard.press('Control+Shift+P');
      const input = lab.page.locator('.quick-input-widget input');
      await input.fill('>Perf Lab: Optimize Function');
      await lab.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Optimize Function' }).first().click();
      const message = lab
        .notifications()
        .filter({ hasText: /did not optimize/i })
        .first();
      await message.waitFor({ timeout: 30_000 });
      const text = await lab.notificationText(message);
      measure('untrusted: optimize message', text);
      assert.match(text, /not trusted/i);
      await lab.page.waitForTimeout(3_000);
      assert.equal(existsSync(join(lab.workspace, 'ran.txt')), false, 'probe.js ran although the folder is not trusted');
      assert.equal(
        await lab
          .notifications()
          .filter({ hasText: /optimizing sum/i })
          .count(),
        0,
        'an optimizing progress notification appeared',
      );
    });
  });
});

// Profiles from other tools open in the flame graph editor: a Chromium trace, py-spy's speedscope file and
// perf's folded stacks, each the real output of its tool (test/fixtures/profiles/), by name alone.
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hotRow, measure, Session } from './workbench';

const FIXTURES = join(__dirname, '..', 'fixtures', 'profiles');

/** Workspace file name → fixture, and the function on top of each. */
const FILES: { file: string; fixture: string; top: string }[] = [
  { file: 'chromium.trace.json', fixture: 'chromium.trace.json', top: 'fib' },
  { file: 'py-spy.speedscope.json', fixture: 'py-spy.speedscope.json', top: 'fib' },
  { file: 'perf-script.collapsed', fixture: 'perf-script.collapsed', top: 'fib' },
];

describe('profiles from other tools in the flame graph editor', () => {
  let lab: Session;

  before(
    async () => {
      lab = await Session.start('formats', {
        prepare: (workspace) => {
          for (const f of FILES) copyFileSync(join(FIXTURES, f.fixture), join(workspace, f.file));
        },
      });
    },
    { timeout: 600_000 },
  );

  after(async () => {
    await lab?.stop();
  });

  for (const f of FILES) {
    it(`opens ${f.file} with ${f.top} on top`, { timeout: 120_000 }, async () => {
      await lab.step(f.file, async () => {
        const opened = Date.now();
        await lab.quickOpen(f.file);
        const webview = await lab.webviewWith(`#hot-functions tr[data-function="${f.top}"]`, 60_000);
        measure(`${f.file}: open to flame graph`, `${((Date.now() - opened) / 1000).toFixed(1)} s`);
        await lab.screenshot(f.file.replace(/\W+/g, '-'));
        const row = await hotRow(webview, f.top);
        const first = await webview.locator('#hot-functions tr[data-function]').first().getAttribute('data-function');
        assert.equal(first, f.top, `${f.top} heads the table of ${f.file}`);
        assert.ok(row.selfShare > 20, `${f.top}'s self share in ${f.file}: ${JSON.stringify(row)}`);
      });
    });
  }
});

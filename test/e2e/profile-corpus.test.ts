// The profile corpus (test/fixtures/profile-corpus/, scripts in the styles real ones use) profiled in the editor under
// cProfile: a script that imports a module from its folder, a method as the hot spot, and a tiny leaf called a
// million times from one loop, whose lens offers its caller (the hot region) and runs Optimize on that caller.
import assert from 'node:assert/strict';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pythonEnv } from '../python-env';
import { hotRow, lineOf, measure, PROFILE_FILE, Session } from './workbench';

const CORPUS = resolve(__dirname, '..', 'fixtures', 'profile-corpus');

describe('the profile corpus in the editor', () => {
  let lab: Session;
  const suiteStarted = Date.now();

  before(
    async () => {
      const { python } = await pythonEnv();
      lab = await Session.start('profile-corpus', {
        prepare: async (workspace) => {
          for (const name of ['local_import.py', 'shapes_util.py', 'method_hot.py', 'tiny_leaf.py']) {
            await cp(join(CORPUS, name), join(workspace, 'corpus', name));
          }
          await mkdir(join(workspace, '.vscode'), { recursive: true });
          await writeFile(
            join(workspace, '.vscode', 'settings.json'),
            JSON.stringify({ 'perfLab.pythonPath': python, 'perfLab.pythonProfiler': 'cprofile', 'perfLab.args': [] }, null, 2),
          );
        },
      });
    },
    { timeout: 600_000 },
  );

  after(async () => {
    await lab?.stop();
    measure('profile-corpus suite wall time', `${((Date.now() - suiteStarted) / 1000).toFixed(1)} s`);
  });

  /** Profiles corpus/<file> from its context menu; asserts `fn` heads the hot functions and returns the editor. */
  async function profile(file: string, fn: string) {
    const editor = await lab.openFile(file);
    const clicked = Date.now();
    await lab.runFromContextMenu(editor, PROFILE_FILE);
    const webview = await lab.webviewWith(`#hot-functions tr[data-function="${fn}"]`, 120_000);
    measure(`${file}: Profile File to flame graph`, `${((Date.now() - clicked) / 1000).toFixed(1)} s`);
    const first = await webview.locator('#hot-functions tbody tr').first().getAttribute('data-function');
    assert.equal(first, fn, `${fn} should head the hot functions of ${file}`);
    const row = await hotRow(webview, fn);
    measure(`${file}: ${fn} share`, `self ${row.selfShare} %, total ${row.totalShare} %`);
    assert.ok(row.selfShare >= 40, `${fn} should hold most of the self time, got ${JSON.stringify(row)}`);
    return editor;
  }

  it('a script importing a module from its folder: weigh on top', { timeout: 240_000 }, async () => {
    await lab.step('local-import', async () => void (await profile('local_import.py', 'weigh')));
  });

  it('a method as the hot spot: Particles.step on top, named by its class', { timeout: 240_000 }, async () => {
    await lab.step('method', async () => void (await profile('method_hot.py', 'Particles.step')));
  });

  it(
    'a tiny leaf: its lens offers the caller, the caller offers itself with the leaf inlined, a click optimizes the caller',
    { timeout: 240_000 },
    async () => {
      await lab.step('tiny-leaf', async () => {
        const editor = await profile('tiny_leaf.py', 'total_area');
        const file = join(lab.workspace, 'corpus', 'tiny_leaf.py');
        const leafLine = /^def\s+area\b/;
        const callerLine = /^def\s+total_area\b/;
        const leafLens = await lab.codeLensAbove(editor, lineOf(file, leafLine), leafLine, /⚡ Optimize total_area instead/);
        measure('tiny_leaf.py: lens above area', leafLens);
        assert.match(leafLens, /area is hot but cheap per call/);
        measure(
          'tiny_leaf.py: lens above total_area',
          await lab.codeLensAbove(editor, lineOf(file, callerLine), callerLine, /⚡ Optimize total_area \(with area inlined\)/),
        );
        await lab.screenshot('tiny-leaf-lenses');
        // The leaf's offer runs Optimize on the caller: its progress names total_area; it is cancelled there.
        await lab.codeLensAbove(editor, lineOf(file, leafLine), leafLine, /⚡ Optimize total_area instead/);
        await editor.locator('.codelens-decoration a', { hasText: '⚡ Optimize total_area instead' }).first().click();
        const toast = lab
          .notifications()
          .filter({ hasText: /optimizing total_area/i })
          .first();
        await toast.waitFor({ timeout: 60_000 });
        await lab.screenshot('tiny-leaf-optimizing-caller');
        await toast.hover();
        await toast.getByRole('button', { name: 'Cancel' }).click({ timeout: 10_000 });
        await toast.waitFor({ state: 'detached', timeout: 60_000 });
      });
    },
  );
});

// Python in the editor: right-click Profile File on a .py file, with perfLab.pythonPath pointing at the test
// environment (test/python-env.ts), under cProfile and then sampling (py-spy, installed in that environment).
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pythonEnv } from '../python-env';
import { hotRow, lineOf, measure, Session } from './workbench';

const PROFILE_FILE = /^(Perf Lab: )?Profile File$/;
const LENS = /self [\d.,]+ ?(ms|s|µs|samples)? \([\d.]+%\) · total [\d.,]+/;

describe('profile a Python file from the editor', () => {
  let lab: Session;
  let python = '';

  before(async () => {
    const env = await pythonEnv();
    python = env.python;
    measure('Python test environment', `${env.created ? 'created' : 'ready; created'} in ${env.seconds} s`);
    lab = await Session.start('python', {
      prepare: async (workspace) => {
        await mkdir(join(workspace, '.vscode'), { recursive: true });
        await writeFile(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'perfLab.pythonPath': python, 'perfLab.args': [] }, null, 2));
      },
    });
  }, { timeout: 600_000 });

  after(async () => {
    await lab?.stop();
  });

  /** Profiles python/<file> from its context menu; returns the webview once `fn` is in the hot table. */
  async function profile(file: string, fn: string) {
    // Quick Open finds it by its name (the only .py of that name in the workspace).
    const editor = await lab.openFile(file);
    const clicked = Date.now();
    await lab.runFromContextMenu(editor, PROFILE_FILE);
    const webview = await lab.webviewWith(`#hot-functions tr[data-function="${fn}"]`, 120_000);
    measure(`${file}: Profile File to flame graph`, `${((Date.now() - clicked) / 1000).toFixed(1)} s`);
    // The hottest function by self time heads the table.
    const first = await webview.locator('#hot-functions tbody tr').first().getAttribute('data-function');
    assert.equal(first, fn, `${fn} should head the hot functions of ${file}`);
    const row = await hotRow(webview, fn);
    assert.ok(row.selfShare >= 50, `${fn} should hold most of the self time, got ${JSON.stringify(row)}`);
    measure(`${file}: ${fn} share`, `self ${row.selfShare} %, total ${row.totalShare} %`);
    // The header names the interpreter the setting chose.
    const runtime = await webview.locator('[data-key="runtime"] .value').first().textContent();
    assert.ok(runtime?.includes(python) && /Python 3\.\d+/.test(runtime), `the header names ${python}, got ${runtime}`);
    return { editor, webview };
  }

  it('profiles python/nbody.py under cProfile: advance on top, with its CodeLens', { timeout: 240_000 }, async () => {
    await lab.step('nbody-cprofile', async () => {
      const { editor, webview } = await profile('nbody.py', 'advance');
      const notes = await webview.locator('.banner.note').allTextContents();
      assert.ok(notes.some((n) => /caller -> callee edges/.test(n)), `the cProfile note is shown: ${notes.join(' | ')}`);
      await lab.screenshot('nbody-cprofile-flame-graph');
      const line = lineOf(join(lab.workspace, 'python', 'nbody.py'), /^def\s+advance\b/);
      measure('python/nbody.py: CodeLens above advance', await lab.codeLensAbove(editor, line, /^def\s+advance\b/, LENS));
    });
  });

  it('profiles python/mandelbrot.py by sampling with py-spy, and says so', { timeout: 240_000 }, async () => {
    await lab.step('mandelbrot-py-spy', async () => {
      await lab.chooseSetting('perfLab.pythonProfiler', 'sampling');
      const { webview } = await profile('mandelbrot.py', 'mandelbrot');
      const notes = await webview.locator('.banner.note').allTextContents();
      assert.ok(notes.some((n) => /Sampled by py-spy \d/.test(n)), `the panel says py-spy sampled: ${notes.join(' | ')}`);
      await lab.screenshot('mandelbrot-py-spy-flame-graph');
    });
  });
});

// Python in the editor: right-click Profile File on a .py file, with perfLab.pythonPath pointing at the test
// environment (test/python-env.ts), under cProfile and then sampling (py-spy, installed in that environment); then
// ⚡ Optimize with perfLab.target auto (Numba, Cython and pybind11 side by side), Apply Cython, the script prints the
// same, Undo restores it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pythonEnv } from '../python-env';
import { hotRow, lineOf, measure, Session } from './workbench';

const PROFILE_FILE = /^(Perf Lab: )?Profile File$/;
const LENS = /self [\d.,]+ ?(ms|s|µs|samples)? \([\d.]+%\) · total [\d.,]+/;
const OPTIMIZED = 'small_mandelbrot.py';
const DEF = /^def\s+mandelbrot\b/;

/** What a script prints under the test environment's interpreter. */
function scriptOutput(python: string, file: string): string {
  const r = spawnSync(python, [file], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `${file} failed: ${r.stderr}`);
  return r.stdout;
}

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
        await writeFile(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'perfLab.pythonPath': python, 'perfLab.args': [], 'perfLab.benchmarkTime': 0.5 }, null, 2));
        // A smaller Mandelbrot than the example's default keeps the recording, the proof and the benchmark short.
        const example = await readFile(join(workspace, 'python', 'mandelbrot.py'), 'utf8');
        await writeFile(join(workspace, OPTIMIZED), example.replace('else 400', 'else 90').replace('else 100', 'else 40'));
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

  it('optimizes mandelbrot to Numba, Cython and pybind11, applies Cython, prints the same, and undoes it', { timeout: 600_000 }, async () => {
    const file = join(lab.workspace, OPTIMIZED);
    const original = readFileSync(file, 'utf8');
    const expected = scriptOutput(python, file);
    const before = new Set(readdirSync(lab.workspace));
    await lab.step('optimize', async () => {
      await lab.chooseSetting('perfLab.target', 'auto');
      const editor = await lab.openFile(OPTIMIZED);
      await lab.runFromContextMenu(editor, PROFILE_FILE);
      await lab.webviewWith('#hot-functions tr[data-function="mandelbrot"]', 120_000);
      await lab.codeLensAbove(editor, lineOf(file, DEF), DEF, /⚡ Optimize/);
      const clicked = Date.now();
      await editor.locator('.codelens-decoration a', { hasText: '⚡ Optimize' }).first().click();
      // One run proves and measures the three targets; the notification offers an Apply for each proven one.
      const toast = lab.notifications().filter({ hasText: /mandelbrot: .*Cython .*×/ }).first();
      await toast.waitFor({ timeout: 480_000 });
      const text = await lab.notificationText(toast);
      measure('small_mandelbrot.py: ⚡ Optimize to the three-way result', `${((Date.now() - clicked) / 1000).toFixed(1)} s: ${text}`);
      for (const t of ['Numba', 'Cython', 'pybind11']) assert.match(text, new RegExp(`${t} [\\d.]+× \\((faster|slower|not significant)\\), proven on \\d+ cases`), `${t} was proven and measured: ${text}`);
      await lab.screenshot('optimize-result');
      await toast.locator('.monaco-button', { hasText: 'Apply Cython' }).first().click();
      const deadline = Date.now() + 30_000;
      while (readFileSync(file, 'utf8') === original && Date.now() < deadline) await lab.page.waitForTimeout(200);
    });
    await lab.step('apply', async () => {
      const applied = readFileSync(file, 'utf8');
      assert.notEqual(applied, original, 'Apply edited the source');
      const added = readdirSync(lab.workspace).filter((f) => !before.has(f));
      assert.ok(added.some((f) => f.endsWith('.so')), `the built Cython module was written next to the source: ${added.join(', ')}`);
      assert.equal(scriptOutput(python, file), expected, 'the script prints what it printed before');
      await lab.screenshot('applied-cython');
    });
    await lab.step('undo', async () => {
      const editor = lab.editor(OPTIMIZED);
      await editor.click({ position: { x: 200, y: 40 } });
      await lab.page.keyboard.press('Control+Z');
      const all = lab.page.locator('.monaco-dialog-box .monaco-button', { hasText: /Undo in \d+ Files|Undo/ }).first();
      if (await all.waitFor({ timeout: 5_000 }).then(() => true, () => false)) await all.click();
      await lab.page.keyboard.press('Control+S');
      const deadline = Date.now() + 20_000;
      while (readFileSync(file, 'utf8') !== original && Date.now() < deadline) await lab.page.waitForTimeout(200);
      assert.equal(readFileSync(file, 'utf8'), original, 'Undo restores the source');
      const gone = Date.now() + 10_000;
      const left = () => readdirSync(lab.workspace).filter((f) => !before.has(f) && f !== '__pycache__');
      while (left().length > 0 && Date.now() < gone) await lab.page.waitForTimeout(200);
      assert.deepEqual(left(), [], 'Undo removes the generated files');
      assert.equal(scriptOutput(python, file), expected);
      assert.ok(existsSync(file));
    });
  });
});

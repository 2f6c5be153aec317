// Python in the editor: right-click Profile File on a .py file, with perfLab.pythonPath pointing at the test
// environment (test/python-env.ts), under cProfile and then sampling (py-spy, installed in that environment); then
// ⚡ Optimize with perfLab.target auto (Numba, Cython and pybind11 side by side in the Before/After panel: CPython's
// bar and one per target, each target's speedup, proof and Apply), Apply Cython from the panel, the script prints the
// same, Undo restores it byte for byte, and the panel comes back after a window reload.
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

  before(
    async () => {
      const env = await pythonEnv();
      python = env.python;
      measure('Python test environment', `${env.created ? 'created' : 'ready; created'} in ${env.seconds} s`);
      lab = await Session.start('python', {
        prepare: async (workspace) => {
          await mkdir(join(workspace, '.vscode'), { recursive: true });
          await writeFile(
            join(workspace, '.vscode', 'settings.json'),
            JSON.stringify(
              {
                'perfLab.pythonPath': python,
                'perfLab.args': [],
                'perfLab.benchmarkTime': 0.5,
                'perfLab.wholeProgramTime': 0,
                'perfLab.compareAfterApply': false,
              },
              null,
              2,
            ),
          );
          // A smaller Mandelbrot than the example's default keeps the recording, the proof and the benchmark short.
          const example = await readFile(join(workspace, 'python', 'mandelbrot.py'), 'utf8');
          await writeFile(join(workspace, OPTIMIZED), example.replace('else 400', 'else 90').replace('else 100', 'else 40'));
        },
      });
    },
    { timeout: 600_000 },
  );

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
      assert.ok(
        notes.some((n) => /caller -> callee edges/.test(n)),
        `the cProfile note is shown: ${notes.join(' | ')}`,
      );
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
      assert.ok(
        notes.some((n) => /Sampled by py-spy \d/.test(n)),
        `the panel says py-spy sampled: ${notes.join(' | ')}`,
      );
      await lab.screenshot('mandelbrot-py-spy-flame-graph');
    });
  });

  it('optimizes mandelbrot to Numba, Cython and pybind11, applies Cython, prints the same, and undoes it', { timeout: 600_000 }, async () => {
    const file = join(lab.workspace, OPTIMIZED);
    const original = readFileSync(file, 'utf8');
    const expected = scriptOutput(python, file);
    const before = new Set(readdirSync(lab.workspace));
    let measured = '';
    await lab.step('optimize', async () => {
      await lab.chooseSetting('perfLab.target', 'auto');
      // cProfile sees every call; py-spy (chosen by the test before) may take no sample of a run this short.
      await lab.chooseSetting('perfLab.pythonProfiler', 'cprofile');
      const editor = await lab.openFile(OPTIMIZED);
      await lab.runFromContextMenu(editor, PROFILE_FILE);
      await lab.webviewWith('#hot-functions tr[data-function="mandelbrot"]', 120_000);
      await lab.codeLensAbove(editor, lineOf(file, DEF), DEF, /⚡ Optimize/);
      const clicked = Date.now();
      await editor.locator('.codelens-decoration a', { hasText: '⚡ Optimize' }).first().click();
      // One run proves and measures the three targets; the Before/After panel shows them side by side.
      const panel = await lab.webviewWith('#speedup-chart', 480_000);
      const title = (await panel.locator('#title').textContent()) ?? '';
      assert.equal(title, 'mandelbrot: CPython vs Numba vs Cython vs pybind11');
      const runtime = (await panel.locator('#runtime').textContent()) ?? '';
      assert.ok(
        runtime.includes(python) && /Python 3\.\d+/.test(runtime) && runtime.includes('perfLab.pythonPath'),
        `the panel names the interpreter: ${runtime}`,
      );
      const variants = ['CPython', 'Numba', 'Cython', 'pybind11'];
      assert.deepEqual(
        await panel.locator('#bench-chart rect[data-variant]').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-variant'))),
        variants,
        'one bar per variant',
      );
      const medians: Record<string, number> = {};
      for (const v of variants) {
        medians[v] = Number(await panel.locator(`#bench-table tr[data-variant="${v}"]`).getAttribute('data-median'));
        assert.ok(medians[v]! > 0, `${v} has a measured median`);
      }
      const speedups: string[] = [];
      for (const [target, name] of [
        ['numba', 'Numba'],
        ['cython', 'Cython'],
        ['pybind11', 'pybind11'],
      ] as const) {
        const card = panel.locator(`#target-${target}`);
        assert.equal(await card.getAttribute('data-proven'), 'true', `${name} was proven equal`);
        const measured = card.locator(`#measured-${target}`);
        const estimate = Number(await measured.getAttribute('data-estimate'));
        const [lo, hi] = [Number(await measured.getAttribute('data-lo')), Number(await measured.getAttribute('data-hi'))];
        assert.ok(lo <= estimate && estimate <= hi, `${name}'s interval holds its estimate: ${lo} ${estimate} ${hi}`);
        // The speedup is CPython's median over the target's, as the table shows them.
        assert.ok(Math.abs(estimate - medians.CPython! / medians[name]!) <= 0.05 * estimate, `${name}: ${estimate}× vs ${medians.CPython} / ${medians[name]}`);
        assert.equal(await measured.getAttribute('data-predicted'), null, 'no break-even prediction is made up for Python');
        assert.equal(await panel.locator(`#speedup-chart rect[data-target="${target}"]`).count(), 1, `${name} has a speedup bar`);
        assert.ok(await panel.locator(`#apply-${target}`).isEnabled(), `${name} can be applied`);
        speedups.push(`${name} ${estimate.toFixed(1)}× [${lo.toFixed(1)}–${hi.toFixed(1)}]`);
      }
      const words = (await panel.locator('body').textContent()) ?? '';
      assert.equal(words.match(/no prediction/g)?.length, 1, 'the panel says once that there is no prediction');
      measure('small_mandelbrot.py: ⚡ Optimize to the three-way panel', `${((Date.now() - clicked) / 1000).toFixed(1)} s: ${speedups.join(', ')}`);
      // The lens says at once what was measured.
      measured = await lab.codeLensAbove(editor, lineOf(file, DEF), DEF, /⚡ Optimize \((Numba|Cython|pybind11) [\d.]+× measured|keep Python/);
      measure('small_mandelbrot.py: lens after Optimize', measured);
      await lab.screenshot('optimize-result');
      await panel.locator('#apply-cython').click();
      const deadline = Date.now() + 30_000;
      while (readFileSync(file, 'utf8') === original && Date.now() < deadline) await lab.page.waitForTimeout(200);
    });
    await lab.step('apply', async () => {
      const applied = readFileSync(file, 'utf8');
      assert.notEqual(applied, original, 'Apply edited the source');
      const added = readdirSync(lab.workspace).filter((f) => !before.has(f));
      assert.ok(
        added.some((f) => f.endsWith('.so')),
        `the built Cython module was written next to the source: ${added.join(', ')}`,
      );
      assert.equal(scriptOutput(python, file), expected, 'the script prints what it printed before');
      // The lens above the kept original says what the function now runs as.
      const kept = /^def\s+_mandelbrot_py\b/;
      measure(
        'small_mandelbrot.py: lens after Apply',
        await lab.codeLensAbove(lab.editor(OPTIMIZED), lineOf(file, kept), kept, /applied: Cython [\d.]+× measured/),
      );
      await lab.screenshot('applied-cython');
    });
    await lab.step('undo', async () => {
      const editor = lab.editor(OPTIMIZED);
      await lab.undoEdit(editor, OPTIMIZED, () => readFileSync(file, 'utf8') === original);
      const deadline = Date.now() + 20_000;
      while (readFileSync(file, 'utf8') !== original && Date.now() < deadline) await lab.page.waitForTimeout(200);
      // The editor may still be writing the file (the undone edit, then the save): run the script only once its
      // tab is clean and the file has stayed the same for a moment.
      await lab.page.locator('.tabs-container .tab.dirty').filter({ hasText: OPTIMIZED }).waitFor({ state: 'detached', timeout: 20_000 });
      await lab.page.waitForTimeout(1_000);
      assert.ok(readFileSync(file).equals(Buffer.from(original, 'utf8')), 'Undo restores the source byte for byte');
      const gone = Date.now() + 10_000;
      const left = () => readdirSync(lab.workspace).filter((f) => !before.has(f) && f !== '__pycache__');
      while (left().length > 0 && Date.now() < gone) await lab.page.waitForTimeout(200);
      assert.deepEqual(left(), [], 'Undo removes the generated files');
      assert.equal(scriptOutput(python, file), expected);
      assert.ok(existsSync(file));
      // Undo brings back the lens of the measurement.
      const lens = measured.split(' | ').pop()!;
      const again = await lab.codeLensAbove(editor, lineOf(file, DEF), DEF, new RegExp(lens.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      assert.ok(again.endsWith(lens), `the measured lens is back after Undo: ${again}`);
    });
    await lab.step('reload', async () => {
      const reloaded = Date.now();
      await lab.page.reload();
      await lab.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      await lab.page.locator('.tabs-container .tab', { hasText: 'Optimize: mandelbrot' }).first().click({ timeout: 60_000 });
      const restored = await lab.webviewWith('#restored', 60_000);
      assert.deepEqual(
        await restored.locator('#bench-chart rect[data-variant]').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-variant'))),
        ['CPython', 'Numba', 'Cython', 'pybind11'],
        'the four bars are back',
      );
      assert.ok(await restored.locator('#apply-numba').isDisabled(), 'the compiled code was not kept: Apply needs a new run');
      assert.ok(await restored.locator('#optimize-again').isEnabled(), 'a new run is one click away');
      measure('window reload to the restored Python panel', `${((Date.now() - reloaded) / 1000).toFixed(1)} s`);
      await lab.screenshot('restored-after-reload');
    });
  });
});

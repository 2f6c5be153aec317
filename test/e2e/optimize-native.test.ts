// The native target from the editor: with perfLab.target = native, profile mandelbrot.mjs, ⚡ Optimize from the
// CodeLens, the Before/After panel lists the native variant with numbers, Apply writes the .node addon and its
// loader (the program still prints the same), and Undo restores the source exactly and removes both files; then the
// lens shows the break-even model's prediction.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { lineOf, measure, profileThenOptimize, programOutput, Session } from './workbench';

const ARGS = ['160', '120', '200', '4'];
const FUNCTION_LINE = /^export\s+function\s+mandelbrot\b/;
const ADDON = 'mandelbrot.mandelbrot.node';
const LOADER = 'mandelbrot.mandelbrot.node.mjs';


describe('optimize a function to native code from the editor', () => {
  let lab: Session;
  const suiteStarted = Date.now();

  before(async () => {
    lab = await Session.start('optimize-native', {
      settings: { 'perfLab.args': ARGS, 'perfLab.benchmarkTime': 1, 'perfLab.target': 'native', 'perfLab.nodePath': process.execPath },
    });
  }, { timeout: 600_000 });

  after(async () => {
    await lab?.stop();
    measure('optimize-native suite wall time', `${((Date.now() - suiteStarted) / 1000).toFixed(1)} s`);
  });

  it('CodeLens → Optimize (native) → Before/After → Apply → Undo on examples/mandelbrot.mjs', { timeout: 240_000 }, async () => {
    const file = join(lab.workspace, 'mandelbrot.mjs');
    const original = readFileSync(file, 'utf8');
    const expected = programOutput(file, ARGS);
    const page = lab.page;

    const started = await profileThenOptimize(lab, 'mandelbrot.mjs', 'mandelbrot', FUNCTION_LINE);

    let panel!: Awaited<ReturnType<Session['webviewWith']>>;
    await lab.step('before-after panel', async () => {
      panel = await lab.webviewWith('#bench-table tr[data-variant="native"]', 150_000);
    });
    measure('CodeLens Optimize (native, build included) to Before/After panel', `${((Date.now() - started) / 1000).toFixed(1)} s`);

    await lab.step('read the numbers', async () => {
      assert.equal(await panel.locator('#proof').getAttribute('data-ok'), 'true');
      assert.ok(Number(await panel.locator('#proof').getAttribute('data-wasm-calls')) > 0, 'the proof ran the native code');
      assert.match(await panel.locator('#proof').innerText(), /Native code on \d+ cases/);
      const medians: Record<string, number> = {};
      for (const variant of ['JavaScript', 'native']) {
        const median = Number(await panel.locator(`#bench-table tr[data-variant="${variant}"]`).getAttribute('data-median'));
        assert.ok(median > 0 && Number.isFinite(median), `${variant} has a median time, got ${median}`);
        assert.equal(await panel.locator(`#bench-chart rect[data-variant="${variant}"]`).count(), 1);
        medians[variant] = median;
      }
      assert.equal(await panel.locator('#bench-table tr[data-variant="WebAssembly"]').count(), 0, 'perfLab.target = native benchmarks no WebAssembly');
      const speedup = panel.locator('#speedup');
      const estimate = Number(await speedup.getAttribute('data-estimate'));
      const lo = Number(await speedup.getAttribute('data-lo'));
      const hi = Number(await speedup.getAttribute('data-hi'));
      assert.ok(lo <= estimate && estimate <= hi, `the speedup ${estimate} lies in its interval [${lo}, ${hi}]`);
      const verdict = await speedup.getAttribute('data-verdict');
      const words = await panel.locator('#verdict').innerText();
      assert.match(words, verdict === 'faster' ? /^Native code is faster: / : /keep JavaScript/);
      measure(
        'mandelbrot native',
        `JS ${(medians.JavaScript! * 1000).toFixed(1)} µs, native ${(medians.native! * 1000).toFixed(1)} µs per call; ${estimate.toFixed(2)}× (95% CI ${lo.toFixed(2)}–${hi.toFixed(2)}), ${verdict}: ${words}`,
      );
      assert.ok(await panel.locator('#apply').isEnabled(), 'Apply is enabled for a proven rewrite');
      await lab.screenshot('before-after-native');
    });

    await lab.step('apply', async () => {
      await panel.locator('#apply').click();
      await panel.locator('#applied').waitFor({ timeout: 30_000 });
      const deadline = Date.now() + 15_000;
      while (!readFileSync(file, 'utf8').includes('mandelbrot$js') && Date.now() < deadline) await page.waitForTimeout(200);
      const applied = readFileSync(file, 'utf8');
      assert.ok(applied.includes(`'./${LOADER}'`), 'the source imports the native loader');
      assert.equal(applied.split('\n').length, original.split('\n').length, 'no line moved');
      assert.ok(existsSync(join(lab.workspace, ADDON)), `${ADDON} was written`);
      assert.ok(existsSync(join(lab.workspace, LOADER)), `${LOADER} was written`);
      assert.equal(programOutput(file, ARGS), expected, 'the rewritten file prints what the original printed');
      // The addon itself loads in that Node (the loader falls back silently otherwise).
      const probe = spawnSync(process.execPath, ['-e', `const m = require(${JSON.stringify(join(lab.workspace, ADDON))}); console.log(Object.keys(m).length > 0)`], { encoding: 'utf8' });
      assert.equal(probe.stdout.trim(), 'true', `the addon loads: ${probe.stderr}`);
      await lab.screenshot('applied-native');
    });

    await lab.step('undo', async () => {
      const editor = lab.editor('mandelbrot.mjs');
      await editor.click({ position: { x: 200, y: 40 } });
      await page.keyboard.press('Control+Z');
      const all = page.locator('.monaco-dialog-box .monaco-button', { hasText: /Undo in \d+ Files|Undo/ }).first();
      if (await all.waitFor({ timeout: 5_000 }).then(() => true, () => false)) await all.click();
      await page.keyboard.press('Control+S');
      const deadline = Date.now() + 20_000;
      while (readFileSync(file, 'utf8') !== original && Date.now() < deadline) await page.waitForTimeout(200);
      assert.equal(readFileSync(file, 'utf8'), original, 'Undo restores the source exactly');
      const gone = Date.now() + 10_000;
      while ((existsSync(join(lab.workspace, ADDON)) || existsSync(join(lab.workspace, LOADER))) && Date.now() < gone) await page.waitForTimeout(200);
      assert.ok(!existsSync(join(lab.workspace, ADDON)) && !existsSync(join(lab.workspace, LOADER)), 'Undo removes the addon and its loader');
      assert.equal(programOutput(file, ARGS), expected);
      await lab.screenshot('undone-native');
    });

    await lab.step('the lens predicts before any build', async () => {
      // The run above measured the boundary costs and kept the recording: with the source restored, the lens
      // carries the model's advice.
      const editor = lab.editor('mandelbrot.mjs');
      const text = await lab.codeLensAbove(editor, lineOf(file, FUNCTION_LINE), FUNCTION_LINE, /⚡ Optimize \((native ~[\d.]+×|keep JS: .+)\)/, 30_000);
      measure('mandelbrot lens advice', text);
      await lab.screenshot('lens-advice');
    });
  });
});

// The native target from the editor, alone and side by side. With perfLab.target = native: profile mandelbrot.mjs,
// ⚡ Optimize from the CodeLens, the Before/After panel lists JavaScript and native only, and the lens shows the
// measurement at once (no edit or save needed); running again with the fast-math opt-in shows the tolerance used
// and the largest error. Then with perfLab.target = auto: one run measures JavaScript, WebAssembly and native, the
// panel charts all three with their intervals and the model's prediction, each proven target has its own Apply;
// Apply native writes the .node addon and its loader (the program still prints the same, the lens says it is
// applied), Undo restores the source byte for byte and removes both files, the panel comes back after a window
// reload, and a fresh profile's lens carries the break-even model's prediction before any build.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatTimes } from '../../extension/bench/stats';
import { lineOf, measure, PROFILE_FILE, profileThenOptimize, programOutput, Session } from './workbench';

const ARGS = ['160', '120', '200', '4'];
const FUNCTION_LINE = /^export\s+function\s+mandelbrot\b/;
const ADDON = 'mandelbrot.mjs.mandelbrot.node';
const LOADER = 'mandelbrot.mjs.mandelbrot.node.mjs';
const NAME = 'mandelbrot.mjs';

type Panel = Awaited<ReturnType<Session['webviewWith']>>;

/** Reads a speedup element's estimate and interval (data-estimate, data-lo, data-hi) and checks they are ordered. */
async function speedupOf(panel: Panel, selector: string): Promise<{ estimate: number; lo: number; hi: number; verdict: string }> {
  const e = panel.locator(selector);
  const estimate = Number(await e.getAttribute('data-estimate'));
  const lo = Number(await e.getAttribute('data-lo'));
  const hi = Number(await e.getAttribute('data-hi'));
  assert.ok(lo <= estimate && estimate <= hi, `${selector}: the speedup ${estimate} lies in its interval [${lo}, ${hi}]`);
  return { estimate, lo, hi, verdict: (await e.getAttribute('data-verdict')) ?? '' };
}

/** The ⚡ Optimize lens whose parenthesis starts with `text`. */
function lensStarting(text: string): RegExp {
  return new RegExp(`⚡ Optimize \\(${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
}

describe('optimize a function to native code from the editor, alone and beside WebAssembly', () => {
  let lab: Session;
  let file: string;
  let original: string;
  let expected: string;
  const suiteStarted = Date.now();

  before(
    async () => {
      lab = await Session.start('optimize-native', {
        settings: {
          'perfLab.args': ARGS,
          'perfLab.benchmarkTime': 1,
          'perfLab.wholeProgramTime': 0,
          'perfLab.target': 'native',
          'perfLab.nodePath': process.execPath,
        },
      });
      file = join(lab.workspace, NAME);
      original = readFileSync(file, 'utf8');
      expected = programOutput(file, ARGS);
    },
    { timeout: 600_000 },
  );

  after(async () => {
    await lab?.stop();
    measure('optimize-native suite wall time', `${((Date.now() - suiteStarted) / 1000).toFixed(1)} s`);
  });

  it('CodeLens → Optimize (native) → Before/After with JavaScript and native; the lens shows the measurement at once', { timeout: 240_000 }, async () => {
    const started = await profileThenOptimize(lab, NAME, 'mandelbrot', FUNCTION_LINE);

    let panel!: Panel;
    await lab.step('before-after panel', async () => {
      panel = await lab.webviewWith('#bench-table tr[data-variant="native"]', 150_000);
    });
    measure('CodeLens Optimize (native, build included) to Before/After panel', `${((Date.now() - started) / 1000).toFixed(1)} s`);

    await lab.step('read the numbers', async () => {
      assert.equal(await panel.locator('#proof').getAttribute('data-ok'), 'true');
      assert.ok(Number(await panel.locator('#proof').getAttribute('data-compiled-calls')) > 0, 'the proof ran the native code');
      assert.match(await panel.locator('#proof').innerText(), /Native code on \d+ cases/);
      const medians: Record<string, number> = {};
      for (const variant of ['JavaScript', 'native']) {
        const median = Number(await panel.locator(`#bench-table tr[data-variant="${variant}"]`).getAttribute('data-median'));
        assert.ok(median > 0 && Number.isFinite(median), `${variant} has a median time, got ${median}`);
        assert.equal(await panel.locator(`#bench-chart rect[data-variant="${variant}"]`).count(), 1);
        medians[variant] = median;
      }
      assert.equal(await panel.locator('#bench-table tr[data-variant="WebAssembly"]').count(), 0, 'perfLab.target = native benchmarks no WebAssembly');
      const { estimate, lo, hi, verdict } = await speedupOf(panel, '#speedup');
      const words = await panel.locator('#verdict').innerText();
      assert.match(words, verdict === 'faster' ? /^Native code is faster: / : /keep JavaScript/);
      measure(
        'mandelbrot native',
        `JS ${(medians.JavaScript! * 1000).toFixed(1)} µs, native ${(medians.native! * 1000).toFixed(1)} µs per call; ${estimate.toFixed(2)}× (95% CI ${lo.toFixed(2)}–${hi.toFixed(2)}), ${verdict}: ${words}`,
      );
      assert.ok(await panel.locator('#apply').isEnabled(), 'Apply is enabled for a proven rewrite');
      await lab.screenshot('before-after-native');
    });

    await lab.step('the lens shows the measurement without an edit or a save', async () => {
      assert.equal(readFileSync(file, 'utf8'), original, 'nothing was written to the file');
      const text = await lab.codeLensAbove(
        lab.editor(NAME),
        lineOf(file, FUNCTION_LINE),
        FUNCTION_LINE,
        /⚡ Optimize \((native [\d.]+× measured|keep JS: native measured [\d.]+×)/,
        15_000,
      );
      measure('mandelbrot lens after Optimize (native)', text);
    });

    await lab.step('run again with the fast-math opt-in: the proof states its tolerance and the largest error', async () => {
      assert.equal(await panel.locator('#opt-in-fast-math').isChecked(), false, 'the first run kept exact results');
      await panel.locator('#opt-in-fast-math').check();
      const again = Date.now();
      await panel.locator('#rerun-opt-ins').click();
      const rerun = await lab.webviewWith('#proof[data-tolerance-relative]', 150_000);
      assert.equal(await rerun.locator('#opt-in-fast-math').isChecked(), true, 'the new run used fast-math');
      assert.equal(Number(await rerun.locator('#proof').getAttribute('data-tolerance-relative')), 1e-9);
      const proofText = await rerun.locator('#proof').innerText();
      assert.match(proofText, /Largest error\s+\S+ relative, \S+ absolute \(tolerance used: 1\.0e-9 relative \+ 1\.0e-12 absolute\)/);
      assert.match(await rerun.locator('#bench-table, #counterexample').first().innerText(), /\S/, 'measured when proven, a counter-example when not');
      measure(
        'mandelbrot fast-math re-run (build, proof, benchmark)',
        `${((Date.now() - again) / 1000).toFixed(1)} s; ${/Largest error[^\n]*\n?[^\n]*/.exec(proofText)?.[0].replace(/\s+/g, ' ')}; proof ${await rerun.locator('#proof').getAttribute('data-ok')}`,
      );
      await lab.screenshot('fast-math');
    });
  });

  it('perfLab.target auto: one run of JavaScript, WebAssembly and native → three-way chart → Apply native → Undo', { timeout: 300_000 }, async () => {
    const page = lab.page;
    await lab.step('perfLab.target: auto in the Settings editor', async () => {
      await lab.chooseSetting('perfLab.target', 'auto');
    });

    let started = 0;
    await lab.step('optimize again from the CodeLens', async () => {
      const editor = lab.editor(NAME);
      await lab.codeLensAbove(editor, lineOf(file, FUNCTION_LINE), FUNCTION_LINE, /⚡ Optimize/);
      started = Date.now();
      await editor.locator('.codelens-decoration a', { hasText: '⚡ Optimize' }).first().click();
    });

    let panel!: Panel;
    let lensAfterAuto = '';
    await lab.step('three-way panel', async () => {
      panel = await lab.webviewWith('#speedup-chart', 150_000);
    });
    measure('CodeLens Optimize (auto: recording and addon reused) to the three-way panel', `${((Date.now() - started) / 1000).toFixed(1)} s`);

    await lab.step('three bars, two intervals, two predictions, two Apply buttons', async () => {
      const variants = ['JavaScript', 'WebAssembly', 'native'];
      assert.deepEqual(
        await panel.locator('#bench-chart rect[data-variant]').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-variant'))),
        variants,
        'one bar per variant',
      );
      const medians: Record<string, number> = {};
      for (const v of variants) {
        medians[v] = Number(await panel.locator(`#bench-table tr[data-variant="${v}"]`).getAttribute('data-median'));
        assert.ok(medians[v]! > 0 && Number.isFinite(medians[v]), `${v} has a median time`);
      }
      assert.equal(await panel.locator('#speedup-chart rect[data-target]').count(), 2, 'a speedup bar per compiled target');
      assert.equal(await panel.locator('#speedup-chart .predicted-mark').count(), 2, "the model's prediction beside each measured speedup");
      const found: string[] = [];
      const measuredAll: { name: string; estimate: number; verdict: string }[] = [];
      for (const [target, name] of [
        ['wasm', 'WebAssembly'],
        ['native', 'native'],
      ] as const) {
        const card = panel.locator(`#target-${target}`);
        assert.equal(await card.getAttribute('data-proven'), 'true', `${name} is proven`);
        const s = await speedupOf(panel, `#measured-${target}`);
        const predicted = Number(await panel.locator(`#measured-${target}`).getAttribute('data-predicted'));
        assert.ok(predicted > 0, `${name} has a predicted speedup`);
        assert.match((await panel.locator(`#bench-chart text[data-variant="${name}"]`).textContent()) ?? '', /× \[[\d.]+×–[\d.]+×\] · predicted ~[\d.]+×/);
        const button = panel.locator(`#apply-${target}`);
        assert.ok(await button.isEnabled(), `Apply ${name} is enabled`);
        assert.match(await button.innerText(), new RegExp(`^Apply ${name}`));
        measuredAll.push({ name, estimate: s.estimate, verdict: s.verdict });
        found.push(`${name} ${s.estimate.toFixed(2)}× (95% CI ${s.lo.toFixed(2)}–${s.hi.toFixed(2)}, ${s.verdict}; predicted ${predicted.toFixed(2)}×)`);
      }
      const advice = await panel.locator('#recommendation .recommendation').innerText();
      assert.match(advice, /^(use|keep JavaScript)/);
      measure(
        'mandelbrot three-way',
        `JS ${(medians.JavaScript! * 1000).toFixed(1)} µs, WebAssembly ${(medians.WebAssembly! * 1000).toFixed(1)} µs, native ${(medians.native! * 1000).toFixed(1)} µs per call; ${found.join(', ')}; ${advice}`,
      );
      await lab.screenshot('before-after-three-way');
      const faster = measuredAll.filter((m) => m.verdict === 'faster').sort((a, b) => b.estimate - a.estimate)[0];
      const top = faster ?? [...measuredAll].sort((a, b) => b.estimate - a.estimate)[0]!;
      // The lens prints a ratio as every ratio is printed (three significant digits: 1.09×, 0.946×).
      lensAfterAuto = faster ? `${top.name} ${formatTimes(top.estimate)} measured` : `keep JS: ${top.name} measured ${formatTimes(top.estimate)}`;
    });

    await lab.step('the lens shows the fastest measured target at once', async () => {
      const text = await lab.codeLensAbove(lab.editor(NAME), lineOf(file, FUNCTION_LINE), FUNCTION_LINE, lensStarting(lensAfterAuto), 15_000);
      measure('mandelbrot lens after Optimize (auto)', text);
    });

    await lab.step('apply native', async () => {
      await panel.locator('#apply-native').click();
      await panel.locator('#applied[data-target="native"]').waitFor({ timeout: 30_000 });
      assert.ok(await panel.locator('#apply-wasm').isDisabled(), 'once native is applied, WebAssembly waits for an Undo');
      const deadline = Date.now() + 15_000;
      while (!readFileSync(file, 'utf8').includes('mandelbrot$js') && Date.now() < deadline) await page.waitForTimeout(200);
      const applied = readFileSync(file, 'utf8');
      assert.ok(applied.includes(`'./${LOADER}'`), 'the source imports the native loader');
      // No line moved: only the function's first line changed (its new name); the new function follows the last line.
      const [a, b] = [original.replace(/\n$/, '').split('\n'), applied.split('\n')];
      assert.equal(a.filter((l, i) => l !== b[i]).length, 1, 'no line moved');
      assert.ok(existsSync(join(lab.workspace, ADDON)), `${ADDON} was written`);
      assert.ok(existsSync(join(lab.workspace, LOADER)), `${LOADER} was written`);
      assert.equal(programOutput(file, ARGS), expected, 'the rewritten file prints what the original printed');
      // The addon itself loads in that Node (the loader falls back silently otherwise).
      const probe = spawnSync(
        process.execPath,
        ['-e', `const m = require(${JSON.stringify(join(lab.workspace, ADDON))}); console.log(Object.keys(m).length > 0)`],
        { encoding: 'utf8' },
      );
      assert.equal(probe.stdout.trim(), 'true', `the addon loads: ${probe.stderr}`);
      const text = await lab.codeLensAbove(lab.editor(NAME), lineOf(file, FUNCTION_LINE), FUNCTION_LINE, /⚡ Optimize \(applied: native/, 15_000);
      measure('mandelbrot lens after Apply native', text);
      await lab.screenshot('applied-native');
      // Apply profiles the file again (perfLab.compareAfterApply) and then says so; undoing before that run has read
      // the file would profile a half-undone program.
      await lab
        .notifications()
        .filter({ hasText: /now runs as/ })
        .first()
        .waitFor({ timeout: 180_000 });
    });

    await lab.step('undo', async () => {
      const editor = lab.editor(NAME);
      await lab.undoEdit(editor, NAME, () => readFileSync(file, 'utf8') === original);
      const deadline = Date.now() + 20_000;
      while (readFileSync(file, 'utf8') !== original && Date.now() < deadline) await page.waitForTimeout(200);
      assert.ok(readFileSync(file).equals(Buffer.from(original, 'utf8')), 'Undo restores the source byte for byte');
      const gone = Date.now() + 10_000;
      while ((existsSync(join(lab.workspace, ADDON)) || existsSync(join(lab.workspace, LOADER))) && Date.now() < gone) await page.waitForTimeout(200);
      assert.ok(!existsSync(join(lab.workspace, ADDON)) && !existsSync(join(lab.workspace, LOADER)), 'Undo removes the addon and its loader');
      assert.equal(programOutput(file, ARGS), expected);
      await lab.screenshot('undone-native');
    });

    await lab.step('the lens shows the measurement again', async () => {
      // The source is the one measured again, so the lens shows that measurement (beside the model's prediction).
      const text = await lab.codeLensAbove(lab.editor(NAME), lineOf(file, FUNCTION_LINE), FUNCTION_LINE, lensStarting(lensAfterAuto), 30_000);
      measure('mandelbrot lens after Undo', text);
      await lab.screenshot('lens-advice');
    });

    await lab.step('the Before/After panel comes back after a window reload', async () => {
      // (The comparison after Apply may have brought the profile's tab to the front of that group.)
      const reloaded = await lab.reloadAndShowTab('Optimize: mandelbrot');
      const restored = await lab.webviewWith('#restored', 60_000);
      assert.equal(await restored.locator('#bench-chart rect[data-variant]').count(), 3, 'the three bars are back');
      assert.ok(await restored.locator('#optimize-again').isEnabled(), 'a new run is one click away');
      measure('window reload to the restored Before/After panel', `${((Date.now() - reloaded) / 1000).toFixed(1)} s`);
      await lab.screenshot('restored-after-reload');
    });

    await lab.step('profiled again in the new window, the lens predicts before any build', async () => {
      // Measurements live in the window that took them; the recording and the boundary costs are on disk, so the
      // lens of a fresh profile carries the model's prediction for both targets.
      const editor = await lab.openFile(NAME);
      await lab.runFromContextMenu(editor, PROFILE_FILE);
      const text = await lab.codeLensAbove(
        editor,
        lineOf(file, FUNCTION_LINE),
        FUNCTION_LINE,
        /⚡ Optimize \(((WebAssembly|native) ~[\d.]+×|keep JS: .+)\)/,
        90_000,
      );
      assert.doesNotMatch(text, /measured/);
      measure('mandelbrot lens before any build (new window)', text);
    });
  });
});

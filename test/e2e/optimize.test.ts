// The editor loop of Optimize Function: profile blur.js, ⚡ Optimize from the CodeLens, the Before/After panel with
// numbers, Apply (the file changes on disk and still prints the same), then Undo restores the file exactly.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { lineOf, measure, PROFILE_FILE, profileThenOptimize, programOutput, Session } from './workbench';

const ARGS = ['160', '120', '300'];
const FUNCTION_LINE = /^function\s+blur\b/;
/**
 * A function that calls string methods, which the compiler refuses (nbody.js's advance, refused before, compiles since
 * arrays of objects do).
 */
const WORDS = `// Counts the vowels of each word: a function of a string.
function vowels(word) {
  const lower = word.toLowerCase();
  let n = 0;
  for (let i = 0; i < lower.length; i++) if ('aeiou'.includes(lower[i])) n++;
  return n;
}

let total = 0;
for (let k = 0; k < 20000; k++) total += vowels(\`Perf Lab \${k}\`);
console.log(total);
`;

describe('optimize a function from the editor', () => {
  let lab: Session;
  const suiteStarted = Date.now();

  before(
    async () => {
      lab = await Session.start('optimize', {
        settings: { 'perfLab.args': ARGS, 'perfLab.benchmarkTime': 0.3, 'perfLab.wholeProgramTime': 3 },
        prepare: (workspace) => writeFileSync(join(workspace, 'words.js'), WORDS),
      });
    },
    { timeout: 600_000 },
  );

  after(async () => {
    await lab?.stop();
    measure('optimize suite wall time', `${((Date.now() - suiteStarted) / 1000).toFixed(1)} s`);
  });

  it('CodeLens → Optimize → Before/After → Apply → Undo on examples/blur.js', { timeout: 240_000 }, async () => {
    const file = join(lab.workspace, 'blur.js');
    const original = readFileSync(file, 'utf8');
    const expected = programOutput(file, ARGS);
    const page = lab.page;

    const started = await profileThenOptimize(lab, 'blur.js', 'blur', FUNCTION_LINE);

    const panel = await (async () => {
      let found: Awaited<ReturnType<Session['webviewWith']>> | undefined;
      await lab.step('before-after panel', async () => {
        found = await lab.webviewWith('#bench-table tr[data-variant="WebAssembly"]', 120_000);
      });
      return found!;
    })();
    measure('CodeLens Optimize to Before/After panel', `${((Date.now() - started) / 1000).toFixed(1)} s`);

    await lab.step('read the numbers', async () => {
      assert.equal(await panel.locator('#proof').getAttribute('data-ok'), 'true');
      const compiledCalls = Number(await panel.locator('#proof').getAttribute('data-compiled-calls'));
      assert.ok(compiledCalls > 0, 'the proof ran the WebAssembly code');
      for (const variant of ['JavaScript', 'WebAssembly']) {
        const median = Number(await panel.locator(`#bench-table tr[data-variant="${variant}"]`).getAttribute('data-median'));
        assert.ok(median > 0 && Number.isFinite(median), `${variant} has a median time, got ${median}`);
        assert.equal(await panel.locator(`#bench-chart rect[data-variant="${variant}"]`).count(), 1);
      }
      const speedup = panel.locator('#speedup');
      const estimate = Number(await speedup.getAttribute('data-estimate'));
      const lo = Number(await speedup.getAttribute('data-lo'));
      const hi = Number(await speedup.getAttribute('data-hi'));
      assert.ok(lo <= estimate && estimate <= hi, `the speedup ${estimate} lies in its interval [${lo}, ${hi}]`);
      const verdict = await speedup.getAttribute('data-verdict');
      const words = await panel.locator('#verdict').innerText();
      if (verdict !== 'faster') assert.match(words, /keep JavaScript/);
      measure('blur speedup', `${estimate.toFixed(2)}× (95% CI ${lo.toFixed(2)}–${hi.toFixed(2)}), ${verdict}: ${words}`);
      // The whole program before and after decides whether Apply is recommended; "Apply anyway" otherwise.
      const whole = panel.locator('#whole-program');
      assert.equal(await whole.getAttribute('data-measured'), 'true', await whole.innerText());
      const wholeVerdict = await whole.getAttribute('data-verdict');
      measure('blur whole program', await whole.locator('.whole-program-result').innerText());
      assert.equal(await panel.locator('#apply').innerText(), wholeVerdict === 'faster' ? 'Apply' : 'Apply anyway');
      if (wholeVerdict !== 'faster') assert.match(await panel.locator('#apply-note').innerText(), /^Not recommended: the program as a whole/);
      assert.ok(await panel.locator('#apply').isEnabled(), 'Apply is enabled for a proven rewrite');
      await lab.screenshot('before-after');
    });

    await lab.step('apply', async () => {
      await panel.locator('#apply').click();
      await panel.locator('#applied').waitFor({ timeout: 30_000 });
      const deadline = Date.now() + 15_000;
      while (!readFileSync(file, 'utf8').includes('blur$js') && Date.now() < deadline) await page.waitForTimeout(200);
      const applied = readFileSync(file, 'utf8');
      assert.match(applied, /\nfunction blur\(src, dst, width, height\) \{\n {2}return .*require\('\.\/blur\.js\.blur\.wasm\.cjs'\)/);
      assert.ok(applied.startsWith(original.replace('function blur(', 'function blur$js(')), 'no line moved; the new function is after the last');
      assert.ok(existsSync(join(lab.workspace, 'blur.js.blur.wasm')) && existsSync(join(lab.workspace, 'blur.js.blur.wasm.cjs')));
      assert.equal(programOutput(file, ARGS), expected, 'the rewritten file prints what the original printed');
      await lab.screenshot('applied');
      // Apply profiles the file again (perfLab.compareAfterApply) and then says so; undoing before that run has read
      // the file would profile a half-undone program.
      await lab
        .notifications()
        .filter({ hasText: /now runs as/ })
        .first()
        .waitFor({ timeout: 180_000 });
    });

    await lab.step('undo', async () => {
      const editor = lab.editor('blur.js');
      await lab.undoEdit(editor, 'blur.js', () => readFileSync(file, 'utf8') === original);
      const deadline = Date.now() + 20_000;
      while (readFileSync(file, 'utf8') !== original && Date.now() < deadline) await page.waitForTimeout(200);
      assert.equal(readFileSync(file, 'utf8'), original, 'Undo restores the source exactly');
      const gone = Date.now() + 10_000;
      while (existsSync(join(lab.workspace, 'blur.js.blur.wasm')) && Date.now() < gone) await page.waitForTimeout(200);
      assert.ok(
        !existsSync(join(lab.workspace, 'blur.js.blur.wasm')) && !existsSync(join(lab.workspace, 'blur.js.blur.wasm.cjs')),
        'Undo removes the generated files',
      );
      assert.equal(programOutput(file, ARGS), expected);
      // The panel offers Apply again once the source is back as it was (its tab may sit behind the comparison).
      await page.locator('.tabs-container .tab', { hasText: 'Optimize: blur' }).first().click({ timeout: 15_000 });
      const again = await lab.webviewWith('#apply:enabled', 15_000);
      assert.equal(await again.locator('#applied').count(), 0, 'the panel no longer says the rewrite is applied');
      await lab.screenshot('undone');
    });

    await lab.step('optimize again from the flame graph', async () => {
      // The profile taken after Apply shows the WebAssembly version; profile the restored file again.
      await lab.runFromContextMenu(lab.editor('blur.js'), PROFILE_FILE);
      const flame = await lab.webviewWith('#hot-functions tr[data-function="blur"]', 90_000);
      await flame.locator('#hot-functions tr[data-function="blur"] .fn').first().click();
      await flame.locator('#optimize-selected').waitFor({ state: 'visible', timeout: 5_000 });
      await flame.locator('#hot-functions tr[data-function="blur"] .fn').first().click({ button: 'right' });
      const item = flame.locator('#menu-optimize');
      await item.waitFor({ state: 'visible', timeout: 5_000 });
      assert.match(await item.innerText(), /Optimize blur/);
      await lab.screenshot('flame-graph-menu');
      await item.click();
      // The unchanged file reuses its recording, so this is compile, prove and benchmark only.
      const again = Date.now();
      const panel2 = await lab.webviewWith('#bench-table tr[data-variant="WebAssembly"]', 60_000);
      await panel2.locator('#summary', { hasText: 'earlier recording' }).waitFor({ timeout: 60_000 });
      measure('flame graph Optimize (recording reused) to Before/After panel', `${((Date.now() - again) / 1000).toFixed(1)} s`);
      assert.ok(await panel2.locator('#apply').isEnabled());
    });
  });

  it('names the construct and line when the compiler refuses (command palette, cursor in words.js vowels)', { timeout: 120_000 }, async () => {
    const file = join(lab.workspace, 'words.js');
    await lab.step('refusal', async () => {
      const editor = await lab.openFile('words.js');
      await lab.focusEditor(editor);
      await lab.goToLine(lineOf(file, /const lower = word/));
      await lab.page.keyboard.press('Control+Shift+P');
      const input = lab.page.locator('.quick-input-widget input');
      await input.fill('>Perf Lab: Optimize Function');
      await lab.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Optimize Function' }).first().click();
      const toast = lab
        .notifications()
        .filter({ hasText: /vowels cannot be compiled to WebAssembly/ })
        .first();
      await toast.waitFor({ timeout: 60_000 });
      const text = await lab.notificationText(toast);
      assert.match(text, /vowels cannot be compiled to WebAssembly: line \d+:\d+: .+ — .+/);
      // The refusal names the argument and that the program passed a string, not a missing type.
      assert.match(text, /— word (was called with|is) a string/);
      measure('refusal of words.js vowels', text);
      await lab.screenshot('refusal');
    });
  });
});

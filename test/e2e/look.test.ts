// How the panels read: the flame graph page (its four views), the Before/After panel and the Compare view of a
// JavaScript file, then the Before/After panel of a Python function (CPython, Numba, Cython and pybind11 side by side,
// which takes the JavaScript one's place: there is one such panel), each produced once and checked in the light, dark
// and high-contrast themes at a 1280 px and a 1920 px window on the colours and boxes the browser rendered
// (test/e2e/look.ts): every text's contrast, no text under 11 px, no truncated numeric cell or placeholder, no
// overlapping chart labels. A screenshot of each goes to test-results/look/.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { pythonEnv } from '../python-env';
import { ROOT } from './code-server';
import { auditFrame, describeFindings, type AuditOptions, type Finding } from './look';
import { measure, profileThenOptimize, recordCpuProfile, RESULTS, Session } from './workbench';

const THEMES = [
  { name: 'Default Light Modern', workbench: 'vs', body: 'vscode-light' },
  { name: 'Default Dark Modern', workbench: 'vs-dark', body: 'vscode-dark' },
  { name: 'Default High Contrast', workbench: 'hc-black', body: 'vscode-high-contrast' },
];
const SIZES = [
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
];
const OPTIONS: AuditOptions = { minFontPx: 11, numeric: 'td.num, th.num' };

/** A panel: the tab that shows it, and an element its page holds once drawn. */
interface Panel {
  name: string;
  tab: string;
  ready: string;
}
/** The JavaScript file's three panels. */
const PANELS: Panel[] = [
  { name: 'flame graph', tab: 'Profile: blur.js', ready: '#hot-functions tr[data-function="blur"]' },
  { name: 'before-after', tab: 'Optimize: blur', ready: '#bench-table tr[data-variant="WebAssembly"]' },
  { name: 'compare', tab: 'Compare: before.cpuprofile', ready: '#diff-functions tr[data-function="checksum"]' },
];
/** The Python script optimized (the example's Mandelbrot on a smaller grid, as in python.test.ts). */
const PYTHON_FILE = 'small_mandelbrot.py';
/** The Python function's Before/After panel, with its four variants. */
const PYTHON_PANEL: Panel = { name: 'python before-after', tab: 'Optimize: mandelbrot', ready: '#bench-table tr[data-variant="pybind11"]' };
/** The flame graph page's views, each checked. */
const VIEWS = ['table', 'flame', 'chart', 'sandwich'];

describe('how the panels read in every theme and window size', () => {
  let lab: Session;
  const suiteStarted = Date.now();

  before(
    async () => {
      const python = (await pythonEnv()).python;
      lab = await Session.start('look', {
        settings: {
          'perfLab.benchmarkTime': 0.3,
          'perfLab.wholeProgramTime': 1,
          'perfLab.pythonPath': python,
          'perfLab.pythonTarget': 'auto',
          'workbench.colorTheme': THEMES[0]!.name,
        },
        prepare: (workspace) => {
          const example = readFileSync(join(workspace, 'python', 'mandelbrot.py'), 'utf8');
          writeFileSync(join(workspace, PYTHON_FILE), example.replace('else 400', 'else 90').replace('else 100', 'else 40'));
          const variants = join(ROOT, 'test', 'fixtures', 'profiles', 'diff');
          copyFileSync(join(variants, 'work-before.js'), join(workspace, 'work.js'));
          recordCpuProfile(workspace, 'work.js', 'before.cpuprofile');
          copyFileSync(join(variants, 'work-after.js'), join(workspace, 'work.js'));
          recordCpuProfile(workspace, 'work.js', 'after.cpuprofile');
        },
      });
    },
    { timeout: 600_000 },
  );

  after(async () => {
    await lab?.stop();
    measure('look suite wall time', `${((Date.now() - suiteStarted) / 1000).toFixed(1)} s`);
  });

  it('opens the flame graph, Before/After and Compare panels', { timeout: 400_000 }, async () => {
    await profileThenOptimize(lab, 'blur.js', 'blur', /^function\s+blur\b/);
    await lab.step('before-after panel', async () => {
      const panel = await lab.webviewWith(PANELS[1]!.ready, 240_000);
      await panel.locator('#whole-program[data-measured]').waitFor({ timeout: 120_000 });
    });
    await lab.step('compare', async () => {
      await lab.compareInExplorer('before.cpuprofile', 'after.cpuprofile');
      await lab.webviewWith(PANELS[2]!.ready, 60_000);
      // One editor group, so that each panel is checked at the width the window gives it.
      await lab.runCommand('View: Single Column Editor Layout');
    });
  });

  it('catches a deliberately low-contrast, tiny, truncated and overlapping text', { timeout: 60_000 }, async () => {
    await lab.step('planted faults', async () => {
      const webview = await show(PANELS[1]!);
      const handle = await webview.locator('html').elementHandle();
      const frame = (await handle.ownerFrame())!;
      await frame.evaluate(`(() => {
        const box = document.createElement('div');
        box.id = 'planted';
        box.style.background = '#ffffff';
        const p = document.createElement('p');
        p.textContent = 'green on white';
        p.style.color = '#89d185';
        const tiny = document.createElement('p');
        tiny.textContent = 'tiny';
        tiny.style.color = '#000000';
        tiny.style.fontSize = '9px';
        const table = document.createElement('table');
        const td = table.insertRow().insertCell();
        td.className = 'num';
        td.textContent = '660 ms (85.3 %)';
        Object.assign(td.style, { maxWidth: '40px', overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap', color: '#000000' });
        const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
        svg.setAttribute('width', '200');
        svg.setAttribute('height', '30');
        for (const [x, t] of [[10, '1× (CPython)'], [40, '8×']]) {
          const text = document.createElementNS('http://www.w3.org/2000/svg', 'text');
          text.setAttribute('x', String(x));
          text.setAttribute('y', '20');
          text.style.fill = '#000000';
          text.style.fontSize = '13px';
          text.textContent = t;
          svg.append(text);
        }
        box.append(p, tiny, table, svg);
        document.body.prepend(box);
      })()`);
      const found = await auditFrame(webview, OPTIONS);
      await frame.evaluate(`document.getElementById('planted').remove()`);
      const has = (kind: Finding['kind'], text: RegExp) => found.some((f) => f.kind === kind && text.test(f.text));
      const all = describeFindings(found);
      assert.ok(has('contrast', /^green on white$/), `low contrast caught:\n${all}`);
      assert.ok(has('size', /^tiny$/), `small text caught:\n${all}`);
      assert.ok(has('truncated', /^660 ms/), `truncated number caught:\n${all}`);
      assert.ok(has('overlap', /1× \(CPython\) \/ 8×/), `overlapping labels caught:\n${all}`);
    });
  });

  /** Brings a panel's tab forward and returns its page once drawn. */
  async function show(panel: Panel): Promise<FrameLocator> {
    await lab.page.locator('.tabs-container .tab', { hasText: panel.tab }).first().click();
    return lab.webviewWith(panel.ready, 30_000);
  }

  /**
   * Checks each panel in every theme and window size (the flame graph page in each of its views) and saves a
   * screenshot of each; the findings go to test-results/look/<file>.
   */
  async function audit(panels: readonly Panel[], file: string): Promise<void> {
    const findings: { where: string; findings: Finding[] }[] = [];
    let checks = 0;
    const started = Date.now();
    for (const theme of THEMES) {
      await lab.step(`theme ${theme.name}`, async () => {
        await lab.chooseColorTheme(theme.name, theme.workbench);
      });
      for (const size of SIZES) {
        await lab.page.setViewportSize(size);
        for (const panel of panels) {
          await lab.step(`${theme.name} ${size.width} ${panel.name}`, async () => {
            const webview = await show(panel);
            await webview.locator(`body.${theme.body}`).waitFor({ timeout: 10_000 });
            const views = panel.name === 'flame graph' ? VIEWS : [''];
            for (const view of views) {
              if (view) {
                await webview.locator(`vscode-tab-header[data-view="${view}"]`).click();
                await webview.locator(`body[data-view="${view}"]`).waitFor({ timeout: 5_000 });
                // The sandwich shows the selected function: blur.
                if (view === 'table') await webview.locator('#hot-functions tr[data-function="blur"] button.fn').first().click();
              }
              // (Layout settles after the resize and the theme's repaint.)
              await lab.page.waitForTimeout(300);
              const where = `${theme.name} ${size.width}px ${panel.name}${view ? ` ${view}` : ''}`;
              const found = await auditFrame(webview, OPTIONS);
              // The selection's buttons stay on the line of the selected function's name.
              const shown = async (selector: string) => ((await webview.locator(selector).count()) > 0 ? webview.locator(selector).boundingBox() : null);
              const name = await shown('#selection .fn-name');
              const optimize = await shown('#optimize-selected');
              if (name && optimize && optimize.y > name.y + name.height)
                found.push({ kind: 'overlap', text: '⚡ Optimize', detail: 'wrapped below the selected function onto a line of its own' });
              checks++;
              if (found.length) findings.push({ where, findings: found });
              await lab.screenshot(`${theme.body.replace('vscode-', '')}-${size.width}-${panel.name.replace(/\W+/g, '-')}${view ? `-${view}` : ''}`);
            }
          });
        }
      }
    }
    measure(
      `look checks (${panels.map((p) => p.name).join(', ')})`,
      `${checks} pages in ${((Date.now() - started) / 1000).toFixed(1)} s, ${findings.reduce((n, f) => n + f.findings.length, 0)} findings`,
    );
    mkdirSync(join(RESULTS, 'look'), { recursive: true });
    writeFileSync(join(RESULTS, 'look', file), JSON.stringify(findings, null, 2));
    assert.equal(findings.length, 0, findings.map((f) => `${f.where}:\n${describeFindings(f.findings)}`).join('\n'));
  }

  it('every text reads and fits: contrast ≥ 4.5:1, ≥ 11 px, whole numbers, no overlapping labels', { timeout: 600_000 }, async () => {
    await audit(PANELS, 'findings.json');
  });

  it('opens the Before/After panel of a Python function: CPython, Numba, Cython and pybind11', { timeout: 900_000 }, async () => {
    await profileThenOptimize(lab, PYTHON_FILE, 'mandelbrot', /^def\s+mandelbrot\b/);
    await lab.step('python before-after panel', async () => {
      const panel = await lab.webviewWith(PYTHON_PANEL.ready, 480_000);
      await panel.locator('#whole-program[data-measured]').waitFor({ timeout: 240_000 });
      await lab.runCommand('View: Single Column Editor Layout');
    });
  });

  it('the Python panel reads and fits in every theme and window size', { timeout: 300_000 }, async () => {
    await audit([PYTHON_PANEL], 'findings-python.json');
  });
});

// Renders a profile as the standalone page and walks its four views in headless Chromium, screenshotting each, then
// zooms and pans the flame graph and the flame chart with the wheel and prints frame intervals and paint times.
// The page gets what the panel gets (the tree pruned as the extension prunes it for a webview).
// Usage: node --import tsx test/tools/views-preview.ts <profile> <out-dir> [--light]
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { chromium } from 'playwright-core';
import { FlameSession, toFlameGraphData } from '../../extension/profile/flame-data';
import { readProfile } from '../../extension/profile/import';
import { standaloneHtml } from '../../extension/view/html';
import { wheelFrames } from './wheel-frames';

async function main(): Promise<void> {
  const [profilePath, outDir = '/tmp/perf-lab-views'] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  if (!profilePath) throw new Error('Usage: views-preview.ts <profile> [out-dir] [--light]');
  await mkdir(outDir, { recursive: true });
  let t = performance.now();
  const profile = await readProfile(profilePath);
  const readMs = performance.now() - t;
  t = performance.now();
  // What the panel is sent, except that the flame chart comes at once: no extension answers the page here.
  const data = new FlameSession(toFlameGraphData(profile, { title: basename(profilePath) }), { deferChart: false }).initial();
  const page = join(outDir, 'views.html');
  const html = standaloneHtml(data, await readFile('dist/webview.js', 'utf8'));
  await writeFile(page, html);
  console.log(
    `read ${readMs.toFixed(0)} ms, panel data ${(performance.now() - t).toFixed(0)} ms, page ${(html.length / 1e6).toFixed(1)} MB, ${profile.sampleStack.length} samples, pruned: ${data.pruned ?? false}, chart boxes ${data.chart?.depth.length ?? 0}`,
  );
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: process.argv.includes('--light') ? 'light' : 'dark' });
  const p = await ctx.newPage();
  const problems: string[] = [];
  p.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
  });
  p.on('pageerror', (e) => problems.push(String(e)));
  const opened = Date.now();
  await p.goto(`file://${page}`);
  await p.locator('body[data-state="ready"]').waitFor({ timeout: 120_000 });
  await p.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  console.log(`page load to first paint: ${Date.now() - opened} ms`);
  await p.waitForTimeout(300);
  await p.screenshot({ path: join(outDir, '1-flame.png') });
  for (const [i, v] of ['chart', 'sandwich', 'table'].entries()) {
    await p.locator(`vscode-tab-header[data-view="${v}"]`).click();
    await p.waitForTimeout(300);
    await p.screenshot({ path: join(outDir, `${i + 2}-${v}.png`) });
  }
  for (const [view, canvas] of [
    ['flame', '#flame'],
    ['chart', '#chart'],
  ] as const) {
    await p.locator(`vscode-tab-header[data-view="${view}"]`).click();
    await p.waitForTimeout(200);
    const r = (await p.locator(canvas).evaluate(wheelFrames)) as { frames: number[]; draws: number[] };
    const q = (xs: number[], f: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(f * xs.length))]!.toFixed(1);
    console.log(
      `${view}: 90 frames of wheel zoom/pan: interval p50 ${q(r.frames, 0.5)} ms, p95 ${q(r.frames, 0.95)} ms; ${r.draws.length} paints, p50 ${q(r.draws, 0.5)} ms, p95 ${q(r.draws, 0.95)} ms, max ${q(r.draws, 1)} ms`,
    );
    await p.screenshot({ path: join(outDir, `5-${view}-zoomed.png`) });
  }
  if (problems.length) console.log(`problems:\n${problems.join('\n')}`);
  await browser.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

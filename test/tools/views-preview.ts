// Renders a profile as the standalone page and walks its four views in headless Chromium, screenshotting each and
// printing the canvases' draw times, for checking the views by eye.
// Usage: node --import tsx test/tools/views-preview.ts <profile> <out-dir> [--light]
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { chromium } from 'playwright-core';
import { toFlameGraphData } from '../../extension/profile/flame-data';
import { readProfile } from '../../extension/profile/import';
import { standaloneHtml } from '../../extension/view/html';

async function main(): Promise<void> {
  const [profilePath, outDir = '/tmp/perf-lab-views'] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  if (!profilePath) throw new Error('Usage: views-preview.ts <profile> [out-dir] [--light]');
  await mkdir(outDir, { recursive: true });
  const data = toFlameGraphData(await readProfile(profilePath), { title: basename(profilePath) });
  const page = join(outDir, 'views.html');
  await writeFile(page, standaloneHtml(data, await readFile('dist/webview.js', 'utf8')));
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: process.argv.includes('--light') ? 'light' : 'dark' });
  const p = await ctx.newPage();
  const problems: string[] = [];
  p.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text()); });
  p.on('pageerror', (e) => problems.push(String(e)));
  await p.goto(`file://${page}`);
  await p.locator('body[data-state="ready"]').waitFor();
  await p.waitForTimeout(300);
  await p.screenshot({ path: join(outDir, '1-flame.png') });
  for (const [i, v] of ['chart', 'sandwich', 'table'].entries()) {
    await p.locator(`vscode-tab-header[data-view="${v}"]`).click();
    await p.waitForTimeout(300);
    await p.screenshot({ path: join(outDir, `${i + 2}-${v}.png`) });
  }
  const times = await p.evaluate(() => (window as unknown as { perfLabDrawTimes: number[] }).perfLabDrawTimes);
  console.log(`draws: ${times.length}, max ${Math.max(...times).toFixed(2)} ms`);
  if (problems.length) console.log(`problems:\n${problems.join('\n')}`);
  await browser.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

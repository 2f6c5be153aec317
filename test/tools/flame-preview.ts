// Renders a profile as the standalone flame graph page and screenshots it in headless Chromium, for checking the view by eye.
// Usage: node --import tsx test/tools/flame-preview.ts <profile> <out-dir> [--light]
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { chromium } from 'playwright-core';
import { standaloneHtml } from '../../extension/view/html';
import { readProfile } from '../../extension/profile/import';
import { toFlameGraphData } from '../../extension/profile/flame-data';

async function main(): Promise<void> {
  const [profilePath, outDir = '/tmp/perf-lab-preview'] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  if (!profilePath) throw new Error('Usage: flame-preview.ts <profile> [out-dir] [--light]');
  const light = process.argv.includes('--light');
  await mkdir(outDir, { recursive: true });
  // A sample note and warning, so the banners show too.
  const data = toFlameGraphData(await readProfile(profilePath), {
    title: basename(profilePath),
    notes: ['Inlining was turned off (--no-turbo-inlining) so small functions keep their own frames.'],
    warnings: ['The program exited with code 1.'],
    run: { file: profilePath, runtime: 'node ' + process.version, args: [], exitCode: 1, signal: null, durationMs: 1720 },
  });
  const html = standaloneHtml(data, await readFile('dist/webview.js', 'utf8'));
  const page = join(outDir, 'flame.html');
  await writeFile(page, html);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium' });
  const ctx = await browser.newContext({ viewport: { width: 1200, height: 800 }, deviceScaleFactor: 2, colorScheme: light ? 'light' : 'dark' });
  const p = await ctx.newPage();
  const problems: string[] = [];
  p.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
  });
  p.on('pageerror', (e) => problems.push(String(e)));
  await p.goto('file://' + page);
  await p.waitForSelector('body[data-state="ready"]');
  await p.waitForTimeout(200);
  const shot = async (name: string) => {
    await p.waitForTimeout(120);
    await p.screenshot({ path: join(outDir, `${name}.png`) });
    console.log(join(outDir, `${name}.png`));
  };
  await shot('overview');
  const canvas = (await p.locator('#flame').boundingBox())!;
  await p.mouse.move(canvas.x + canvas.width * 0.3, canvas.y + 18 * 3 + 9);
  await shot('hover');
  await p.mouse.click(canvas.x + canvas.width * 0.3, canvas.y + 18 * 3 + 9);
  await shot('zoomed');
  await p.keyboard.press('Escape');
  await p
    .locator('#search input')
    .first()
    .fill('prime')
    .catch(async () => {
      await p.locator('#search').click();
      await p.keyboard.type('prime');
    });
  await shot('search');
  console.log('search summary:', await p.locator('#search-summary').textContent(), await p.locator('#search-summary').getAttribute('data-share'));
  const rows = await p.$$eval('#hot-functions tbody tr', (trs) =>
    trs.slice(0, 6).map((t) => `${t.getAttribute('data-function')} self=${t.getAttribute('data-self-share')} total=${t.getAttribute('data-total-share')}`),
  );
  console.log(rows.join('\n'));
  console.log('zoom after Esc:', await p.locator('#flame').getAttribute('data-zoom-depth'));
  if (problems.length) console.log('console problems:\n' + problems.join('\n'));
  await browser.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

// The browser half of the viewer benchmark: Debian's Chromium through playwright-core opens a flame graph page
// (Perf Lab's standalone page, or speedscope's release build with the profile picked in its file input), and this
// measures time to first paint, frame times during a scripted pan and zoom (requestAnimationFrame timestamps), and
// the renderer's peak memory.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../../test/e2e/workbench';

/** Frame-time statistics of one scripted pan/zoom, in milliseconds. */
export interface FrameStats {
  frames: number;
  fps: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
  /** Share of frames slower than 1.5 × 16.7 ms (a missed 60 Hz frame). */
  slowShare: number;
}

export interface BrowserResult {
  ok: boolean;
  /** What went wrong when not ok. */
  error?: string;
  /** Navigation (ours) or file pick (speedscope) to the first frame that shows the flame graph. */
  firstPaintMs?: number;
  /** speedscope's own "import" time from its console, where it printed one. */
  importMs?: number;
  panZoom?: FrameStats;
  /** Peak resident memory of the page's renderer process (VmHWM). */
  rendererPeakBytes?: number;
}

const VIEWPORT = { width: 1280, height: 800 };

/** A page of a fresh browser; functions this file passes to the page may carry the bundler's __name helper. */
async function newPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage({ viewport: VIEWPORT });
  await page.addInitScript({ content: 'globalThis.__name = (f) => f;' });
  return page;
}

/** Peak RSS of the browser's renderer processes: the largest, which is the page's. */
async function rendererPeak(browser: Browser): Promise<number | undefined> {
  const cdp = await browser.newBrowserCDPSession();
  const info = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; id: number }[] };
  let peak: number | undefined;
  for (const p of info.processInfo.filter((x) => x.type === 'renderer')) {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.id}/status`, 'utf8'));
      if (m) peak = Math.max(peak ?? 0, Number(m[1]) * 1024);
    } catch {
      // The process may have ended.
    }
  }
  return peak;
}

function stats(times: number[]): FrameStats {
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  const sorted = [...gaps].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
  const span = times.length > 1 ? times[times.length - 1]! - times[0]! : 0;
  return {
    frames: gaps.length,
    fps: span > 0 ? (1000 * gaps.length) / span : 0,
    medianMs: q(0.5),
    p95Ms: q(0.95),
    maxMs: sorted[sorted.length - 1] ?? 0,
    slowShare: gaps.length ? gaps.filter((g) => g > 25).length / gaps.length : 0,
  };
}

/**
 * Zooms in with Ctrl+wheel, pans by dragging and by horizontal wheel, zooms out, over the largest canvas, while a
 * requestAnimationFrame loop records when each frame starts.
 */
async function panZoom(page: Page): Promise<FrameStats> {
  const box = await page.evaluate(() => {
    let best: { x: number; y: number; w: number; h: number } | undefined;
    for (const c of document.querySelectorAll('canvas')) {
      const r = c.getBoundingClientRect();
      if (r.width * r.height > (best ? best.w * best.h : 0)) best = { x: r.left, y: r.top, w: r.width, h: r.height };
    }
    return best;
  });
  if (!box) throw new Error('no canvas to pan and zoom');
  const cx = box.x + box.w / 2;
  const cy = box.y + Math.min(box.h / 2, 120);
  await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __recording: boolean };
    w.__frames = [];
    w.__recording = true;
    const tick = (t: number) => {
      w.__frames.push(t);
      if (w.__recording) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await page.mouse.move(cx, cy);
  await page.keyboard.down('Control');
  for (let i = 0; i < 25; i++) await page.mouse.wheel(0, -120);
  await page.keyboard.up('Control');
  await page.mouse.down();
  for (let i = 0; i < 40; i++) await page.mouse.move(cx - i * 8, cy + (i % 5), { steps: 1 });
  await page.mouse.up();
  for (let i = 0; i < 25; i++) await page.mouse.wheel(60, 0);
  await page.keyboard.down('Control');
  for (let i = 0; i < 25; i++) await page.mouse.wheel(0, 120);
  await page.keyboard.up('Control');
  const times = await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __recording: boolean };
    w.__recording = false;
    return w.__frames;
  });
  return stats(times);
}

/** The page's time since navigation at the second animation frame from now: the first frame drawn after this point. */
function nextFrameTime(page: Page): Promise<number> {
  return page.evaluate(() => new Promise<number>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now())))));
}

/** Perf Lab's standalone flame graph page. */
export async function measurePerfLab(htmlPath: string, timeoutMs: number): Promise<BrowserResult> {
  const browser = await launchBrowser();
  try {
    const page = await newPage(browser);
    let crashed = false;
    page.on('crash', () => (crashed = true));
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'commit', timeout: timeoutMs });
    await page.waitForFunction(
      () => {
        const c = document.querySelector('canvas');
        return !!c && c.width > 0 && c.getBoundingClientRect().width > 0;
      },
      null,
      { timeout: timeoutMs, polling: 'raf' },
    );
    const firstPaintMs = await nextFrameTime(page);
    const painted = await page.evaluate(() => {
      const c = document.querySelector('canvas')!;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, Math.min(c.height, 100)).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i]) n++;
      return n;
    });
    if (painted === 0) return { ok: false, error: 'the flame graph canvas stayed empty' };
    const panZoomStats = await panZoom(page);
    if (crashed || errors.length) return { ok: false, error: crashed ? 'the page crashed' : errors.join('; ') };
    return { ok: true, firstPaintMs, panZoom: panZoomStats, rendererPeakBytes: await rendererPeak(browser) };
  } catch (e) {
    return { ok: false, error: (e as Error).message.split('\n')[0] };
  } finally {
    await browser.close();
  }
}

/** The speedscope release from npm, opening the same profile through its file input. */
export async function measureSpeedscope(speedscopeIndex: string, profilePath: string, timeoutMs: number): Promise<BrowserResult> {
  const browser = await launchBrowser();
  try {
    const page = await newPage(browser);
    let crashed = false;
    page.on('crash', () => (crashed = true));
    let importMs: number | undefined;
    const problems: string[] = [];
    page.on('console', (m) => {
      const im = /^import: ([\d.]+) ms/.exec(m.text());
      if (im) importMs = Number(im[1]);
      if (m.type() === 'error') problems.push(m.text().split('\n')[0]!);
    });
    page.on('pageerror', (e) => problems.push(e.message.split('\n')[0]!));
    page.on('dialog', (d) => {
      problems.push(d.message().split('\n')[0]!);
      void d.dismiss();
    });
    await page.goto(pathToFileURL(speedscopeIndex).href);
    const picked = await page.evaluate(() => performance.now());
    await page.setInputFiles('input[type=file]', profilePath);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (crashed) return { ok: false, error: 'the page crashed (out of memory)', ...(importMs !== undefined ? { importMs } : {}) };
      if (problems.length) return { ok: false, error: problems.join('; '), ...(importMs !== undefined ? { importMs } : {}) };
      // The page's main thread may be busy importing for minutes: the check must not outlive the deadline.
      const left = deadline - Date.now();
      const shown =
        left > 0 &&
        (await Promise.race([
          page.evaluate(() => document.querySelectorAll('canvas').length > 0 && /Left Heavy/.test(document.body.innerText)).catch(() => false),
          new Promise<false>((r) => setTimeout(() => r(false), left)),
        ]));
      if (shown) break;
      if (Date.now() >= deadline)
        return {
          ok: false,
          error: `no flame graph after ${timeoutMs / 1000} s`,
          ...(importMs !== undefined ? { importMs } : {}),
          rendererPeakBytes: await rendererPeak(browser),
        };
      await new Promise((r) => setTimeout(r, 200));
    }
    const firstPaintMs = (await nextFrameTime(page)) - picked;
    const panZoomStats = await panZoom(page);
    return { ok: true, firstPaintMs, ...(importMs !== undefined ? { importMs } : {}), panZoom: panZoomStats, rendererPeakBytes: await rendererPeak(browser) };
  } catch (e) {
    return { ok: false, error: (e as Error).message.split('\n')[0] };
  } finally {
    await browser.close().catch(() => undefined);
  }
}

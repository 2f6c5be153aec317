// `npm run bench:viewer`: synthetic .cpuprofile files of 10 MB, 100 MB and 1 GB, each read by Perf Lab's host side
// (in its own process, for its peak memory) and shown in Chromium (first paint, pan/zoom frame times), with
// speedscope from npm on the same files in the same run. Writes bench/VIEWER.md.
//   npm run bench:viewer -- [--sizes 10,100,1024] [--no-speedscope] [--out bench/VIEWER.md]
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { measurePerfLab, measureSpeedscope, type BrowserResult, type FrameStats } from './browser';
import { cachedProfile } from './generate';
import type { HostResult } from './host';

const ROOT = join(__dirname, '..', '..');
const CACHE = join(ROOT, '.cache', 'bench-viewer');
const SPEEDSCOPE = join(ROOT, 'node_modules', 'speedscope', 'dist', 'release', 'index.html');
/** How long speedscope gets to show a file before it counts as failed. */
const SPEEDSCOPE_TIMEOUT_MS = 300_000;

interface Baseline {
  readMs: number;
  peakRssBytes: number;
}

interface Row {
  sizeMB: number;
  bytes: number;
  baseline?: Baseline;
  baselineError?: string;
  host?: HostResult;
  hostError?: string;
  hostWallMs?: number;
  ours?: BrowserResult;
  speedscope?: BrowserResult;
}

/** Runs a host measurement in a fresh Node process with the default heap, as the extension host has. */
function runHost<T = HostResult>(args: string[]): Promise<{ result?: T; error?: string; wallMs: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'host.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code, signal) => {
      const wallMs = performance.now() - started;
      const last = out.trim().split('\n').pop() ?? '';
      if (code === 0 && last.startsWith('{')) resolve({ result: JSON.parse(last) as T, wallMs });
      else
        resolve({
          error: `${(
            err
              .trim()
              .split('\n')
              .find((l) => /Error|heap/.test(l)) ??
            err.trim().split('\n').pop() ??
            `exit ${code ?? signal}`
          )
            .trim()
            .slice(0, 120)}`,
          wallMs,
        });
    });
  });
}

const mb = (bytes: number | undefined) => (bytes === undefined ? '–' : `${Math.round(bytes / 1024 / 1024).toLocaleString('en-US')} MB`);
const sec = (ms: number | undefined) => (ms === undefined ? '–' : `${(ms / 1000).toFixed(2)} s`);
const sizeName = (sizeMB: number) => (sizeMB >= 1024 ? `${sizeMB / 1024} GB` : `${sizeMB} MB`);
const frames = (f: FrameStats | undefined) =>
  f ? `${f.fps.toFixed(0)} fps (median ${f.medianMs.toFixed(1)} ms, p95 ${f.p95Ms.toFixed(1)} ms, max ${f.maxMs.toFixed(0)} ms)` : '–';
const failed = (r: BrowserResult | undefined) => (r && !r.ok ? `failed: ${r.error}` : undefined);

const baselineCell = (r: Row) => (r.baseline ? `${sec(r.baseline.readMs)}, peak RSS ${mb(r.baseline.peakRssBytes)}` : `failed: ${r.baselineError}`);

function table(rows: Row[], speedscope: boolean): string {
  const out: string[] = [];
  out.push('### Perf Lab');
  out.push('');
  out.push(
    '| profile | samples | read (host) | read, CPU time | readFile + JSON.parse, for comparison | flame data + page | flame data + page, CPU time | host peak RSS | page size | open → first paint | first paint in Chromium | pan/zoom | renderer peak RSS |',
  );
  out.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const h = r.host;
    const name = `${sizeName(r.sizeMB)} (${mb(r.bytes)})`;
    if (!h) {
      out.push(`| ${name} | – | failed: ${r.hostError} | – | ${baselineCell(r)} | – | – | – | – | – | – | – | – |`);
      continue;
    }
    const open = r.ours?.ok && r.ours.firstPaintMs !== undefined ? h.readMs + h.flameDataMs + r.ours.firstPaintMs : undefined;
    out.push(
      `| ${name} | ${h.samples.toLocaleString('en-US')} | ${sec(h.readMs)} | ${sec(h.readCpuMs)} | ${baselineCell(r)} | ${sec(h.flameDataMs)} | ${sec(h.flameDataCpuMs)} | ${mb(h.peakRssBytes)} | ${mb(h.htmlBytes)} | ${sec(open)} | ${failed(r.ours) ?? sec(r.ours?.firstPaintMs)} | ${failed(r.ours) ? '–' : frames(r.ours?.panZoom)} | ${mb(r.ours?.rendererPeakBytes)} |`,
    );
  }
  if (speedscope) {
    out.push('');
    out.push('### speedscope 1.25.0 (npm), same files, same run');
    out.push('');
    out.push('| profile | import (its console) | file picked → first paint | pan/zoom | renderer peak RSS |');
    out.push('|---|---|---|---|---|');
    for (const r of rows) {
      const s = r.speedscope;
      const name = `${sizeName(r.sizeMB)} (${mb(r.bytes)})`;
      if (!s) out.push(`| ${name} | not run | – | – | – |`);
      else if (!s.ok)
        out.push(
          `| ${name} | ${s.importMs !== undefined ? sec(s.importMs) : '–'} | failed: ${s.error} | – | ${s.rendererPeakBytes ? `${mb(s.rendererPeakBytes)} when stopped` : '–'} |`,
        );
      else out.push(`| ${name} | ${sec(s.importMs)} | ${sec(s.firstPaintMs)} | ${frames(s.panZoom)} | ${mb(s.rendererPeakBytes)} |`);
    }
  }
  return out.join('\n');
}

/** The three goals, each met or missed by how much. */
function goals(rows: Row[]): string[] {
  const lines: string[] = [];
  const gb = rows.find((r) => r.sizeMB >= 1024);
  if (gb) {
    const open = gb.host && gb.ours?.ok;
    lines.push(
      open
        ? `- **1 GB opens**: met — read in ${sec(gb.host!.readMs)} with a host peak of ${mb(gb.host!.peakRssBytes)}, painted in Chromium.`
        : `- **1 GB opens**: missed — ${gb.hostError ?? failed(gb.ours) ?? 'not measured'}.`,
    );
  }
  const hundred = rows.find((r) => r.sizeMB === 100);
  if (hundred?.host && hundred.ours?.ok) {
    const open = hundred.host.readMs + hundred.host.flameDataMs + hundred.ours.firstPaintMs!;
    lines.push(
      open < 3000
        ? `- **100 MB paints in under 3 s**: met — ${sec(open)} from opening the file to the first painted frame.`
        : `- **100 MB paints in under 3 s**: missed by ${sec(open - 3000)} — ${sec(open)} = read ${sec(hundred.host.readMs)} + flame data and page ${sec(hundred.host.flameDataMs)} + first paint in Chromium ${sec(hundred.ours.firstPaintMs)}. The host's steps took ${sec(hundred.host.readCpuMs)} + ${sec(hundred.host.flameDataCpuMs)} of CPU time: with a core to itself, about ${sec(hundred.host.readCpuMs + hundred.host.flameDataCpuMs + hundred.ours.firstPaintMs!)} to the first paint.`,
    );
    const f = hundred.ours.panZoom!;
    lines.push(
      f.fps >= 55 && f.p95Ms <= 25
        ? `- **Pan/zoom at 60 fps on 100 MB**: met — ${frames(f)}.`
        : `- **Pan/zoom at 60 fps on 100 MB**: missed — ${frames(f)}; ${(f.slowShare * 100).toFixed(0)} % of frames took longer than 25 ms.`,
    );
  }
  return lines;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { sizes: { type: 'string' }, 'no-speedscope': { type: 'boolean' }, out: { type: 'string' } } });
  const sizes = (values.sizes ?? '10,100,1024').split(',').map(Number);
  const loadAtStart = loadavg()[0]!;
  const withSpeedscope = !values['no-speedscope'] && existsSync(SPEEDSCOPE);
  const outFile = values.out ?? join(ROOT, 'bench', 'VIEWER.md');
  mkdirSync(CACHE, { recursive: true });
  const rows: Row[] = [];
  for (const sizeMB of sizes) {
    const t = performance.now();
    const { path, made } = cachedProfile(CACHE, sizeMB);
    const bytes = statSync(path).size;
    process.stdout.write(`${sizeName(sizeMB)}: ${made ? `generated in ${sec(performance.now() - t)}` : 'cached'} (${relative(ROOT, path)})\n`);
    const row: Row = { sizeMB, bytes };
    const html = join(CACHE, `flame-${sizeMB}mb.html`);
    const base = await runHost<Baseline>(['--json-parse', path]);
    if (base.result) row.baseline = base.result;
    else row.baselineError = base.error!;
    process.stdout.write(`  readFile + JSON.parse: ${base.result ? `${sec(base.result.readMs)}, peak RSS ${mb(base.result.peakRssBytes)}` : base.error}\n`);
    const host = await runHost([path, html]);
    row.hostWallMs = host.wallMs;
    if (host.result) row.host = host.result;
    else row.hostError = host.error!;
    process.stdout.write(
      `  host: ${host.result ? `read ${sec(host.result.readMs)}, flame data ${sec(host.result.flameDataMs)}, peak RSS ${mb(host.result.peakRssBytes)}` : host.error}\n`,
    );
    if (host.result) {
      row.ours = await measurePerfLab(html, 600_000);
      process.stdout.write(`  Chromium: ${row.ours.ok ? `first paint ${sec(row.ours.firstPaintMs)}, pan/zoom ${frames(row.ours.panZoom)}` : row.ours.error}\n`);
    }
    if (withSpeedscope) {
      row.speedscope = await measureSpeedscope(SPEEDSCOPE, path, SPEEDSCOPE_TIMEOUT_MS);
      process.stdout.write(
        `  speedscope: ${row.speedscope.ok ? `import ${sec(row.speedscope.importMs)}, first paint ${sec(row.speedscope.firstPaintMs)}` : row.speedscope.error}\n`,
      );
    }
    rows.push(row);
  }
  const doc = [
    '# Flame graph viewer at scale',
    '',
    `Written by \`npm run bench:viewer\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${mb(totalmem())} RAM, load average ${loadAtStart.toFixed(1)} at the start and ${loadavg()[0]!.toFixed(1)} at the end (the machine is shared, so wall times are noisy; compare within one run, and see the CPU times), Node ${process.versions.node}, Debian's Chromium headless with software rendering (--disable-gpu).`,
    '',
    "Synthetic `.cpuprofile` files (bench/viewer/generate.ts, cached in `.cache/bench-viewer/`): a 600-deep recursion, a dispatcher fanning out to hundreds or thousands of handlers, long runs in one function, and the runtime's nodes, sampled about every 100 µs. *Read (host)*: the streaming reader building the typed-array model, in a fresh Node process with the default heap (wall time, and the process's CPU time, which waiting for a core does not inflate); *flame data + page*: the aggregation the panel is sent and the standalone page around it; *host peak RSS*: that process's peak resident memory; *open → first paint*: read + flame data + the page's first painted frame; *pan/zoom*: requestAnimationFrame intervals while the page is zoomed with Ctrl+wheel, panned by dragging and by horizontal wheel, and zoomed out, over the flame graph (speedscope: the same gestures on its flame chart). Renderer peak RSS is the page's renderer process (speedscope also holds WebGL buffers in the GPU process, not counted).",
    '',
    table(rows, withSpeedscope),
    '',
    '## Goals',
    '',
    ...goals(rows),
    '',
  ].join('\n');
  writeFileSync(outFile, doc);
  process.stdout.write(`\n${doc}\nWrote ${relative(ROOT, outFile)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});

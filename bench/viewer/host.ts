// One host-side measurement, in a process of its own so that its peak memory is its own: read a profile as the
// extension host does, build what the flame graph panel is sent, and write the standalone page for the browser step.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toFlameGraphData } from '../../extension/profile/flame-data';
import { readProfile } from '../../extension/profile/import';
import { standaloneHtml } from '../../extension/view/html';

/** What the parent reads from this process's last line of output. */
export interface HostResult {
  readMs: number;
  flameDataMs: number;
  /** CPU time (user + system) of the same steps: on a shared machine, what they cost apart from waiting for a core. */
  readCpuMs: number;
  flameDataCpuMs: number;
  samples: number;
  stacks: number;
  frames: number;
  htmlBytes: number;
  peakRssBytes: number;
  /** Peak RSS before the profile was read: the Node process and modules alone. */
  baseRssBytes: number;
}

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

/** The way a profile was read before the streaming reader: the whole text, then JSON.parse. */
async function baseline(profilePath: string): Promise<void> {
  const t = performance.now();
  const json = JSON.parse(await readFile(profilePath, 'utf8')) as { samples?: unknown[] };
  const readMs = performance.now() - t;
  process.stdout.write(`${JSON.stringify({ readMs, samples: json.samples?.length ?? 0, peakRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
}

async function main(): Promise<void> {
  if (process.argv[2] === '--json-parse') return baseline(process.argv[3]!);
  const [profilePath, htmlPath] = process.argv.slice(2);
  if (!profilePath || !htmlPath) throw new Error('usage: host.ts <profile> <page.html>');
  const webview = await readFile(join(__dirname, '..', '..', 'dist', 'webview.js'), 'utf8');
  const baseRssBytes = process.resourceUsage().maxRSS * 1024;
  let t = performance.now();
  let cpu = process.cpuUsage();
  const profile = await readProfile(profilePath);
  const readMs = performance.now() - t;
  const readCpuMs = cpuMs(process.cpuUsage(cpu));
  t = performance.now();
  cpu = process.cpuUsage();
  const data = toFlameGraphData(profile, { title: `Benchmark: ${profilePath.split('/').pop()}` });
  const html = standaloneHtml(data, webview);
  const flameDataMs = performance.now() - t;
  const flameDataCpuMs = cpuMs(process.cpuUsage(cpu));
  await writeFile(htmlPath, html);
  const result: HostResult = {
    readMs,
    flameDataMs,
    readCpuMs,
    flameDataCpuMs,
    samples: profile.sampleStack.length,
    stacks: profile.stackFrame.length,
    frames: profile.frames.length,
    htmlBytes: Buffer.byteLength(html),
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    baseRssBytes,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});

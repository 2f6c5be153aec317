// The scaling table of the parallel targets (docs/parallel.md), written by `npm run bench:python` after its own table
// (or alone: `node --import tsx bench/parallel.ts [--python PATH] [--calls N] [--no-write]`). The function
// test/fixtures/parallel/sims.py run_append (independent simulations, one per seed) is rewritten for each engine
// exactly as Optimize rewrites it (frontend → plan → generated module, with the worker count written in), and timed
// in a fresh process per engine and worker count: the first call starts the engine, the calls after it reuse it.
// Two work sizes: one where the work per item pays for sending it, one where the engine's start is the whole story.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { formatRatio, ratioOfMedians, summarize } from '../extension/bench/stats';
import { compileParallel, PARALLEL_TARGETS, type ParallelTarget } from '../extension/compiler/backend-parallel';
import { exportPythonAst } from '../extension/compiler/frontend-py';
import { findParallelLoop } from '../extension/compiler/parallel-py';
import { TARGET_NAMES } from '../extension/protocol';
import { pythonEnv } from '../test/python-env';

const root = join(__dirname, '..');
const harness = join(__dirname, 'python', 'measure_parallel.py');
const program = join(root, 'test', 'fixtures', 'parallel', 'sims.py');
const FN = 'run_append';

/** The two work sizes: eight seeds each, heavy and light simulations. */
export const SCALING_SIZES = [
  { id: 'large', title: '8 simulations × 300,000 steps', args: [[1, 2, 3, 4, 5, 6, 7, 8], 300_000] },
  { id: 'small', title: '8 simulations × 100 steps', args: [[1, 2, 3, 4, 5, 6, 7, 8], 100] },
] as const;

interface Measured {
  firstMs: number;
  times: number[];
  checksum: string;
  stats: { calls?: number; fallbacks?: number; reason?: string };
}

// The program's folder is on the workers' path, as an installed package or a script's folder would be: Ray pickles the
// harness's copy of the program's functions by reference to its module, and its workers import it.
function run(cmd: string, args: string[]): Promise<string> {
  const path = [dirname(program), process.env.PYTHONPATH].filter(Boolean).join(delimiter);
  return new Promise((done, fail) =>
    execFile(cmd, args, { maxBuffer: 16 << 20, timeout: 300_000, env: { ...process.env, PERF_LAB_WORKERS: '', PYTHONPATH: path } }, (err, stdout, stderr) =>
      err ? fail(new Error(`${String(stderr).trim().split('\n').slice(-4).join('\n') || err.message}`)) : done(String(stdout)),
    ),
  );
}

const sec = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`);
const per = (ms: number) => (ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 1 ? `${ms.toFixed(1)} ms` : `${(ms * 1000).toFixed(0)} µs`);

/** Measures every engine at 1…N workers on both sizes; returns the markdown section. */
export async function parallelScaling(python: string, opts: { calls?: number; maxWorkers?: number; log?: (s: string) => void } = {}): Promise<string> {
  const calls = opts.calls ?? 8;
  const n = opts.maxWorkers ?? cpus().length;
  const log = opts.log ?? ((s: string) => process.stderr.write(s));
  const cacheDir = join(root, '.cache', 'bench-parallel');
  const found = findParallelLoop(await exportPythonAst(python, program, FN), 'sims.py', (await import('node:fs')).readFileSync(program, 'utf8'));
  if (!found.ok) throw new Error(`${FN} did not qualify: ${JSON.stringify(found.refusal)}`);
  const versions = (
    await run(python, [
      '-c',
      'import sys, ray, dask, distributed; print(sys.version.split()[0], ray.__version__, dask.__version__, distributed.__version__)',
    ]).catch(() => '')
  )
    .trim()
    .split(' ');
  const lines: string[] = [];
  const advice: string[] = [];
  for (const size of SCALING_SIZES) {
    const args = ['--file', program, '--fn', FN, '--args', JSON.stringify(size.args), '--calls', String(calls)];
    log(`scaling ${size.id}: serial…\n`);
    const serial = JSON.parse(await run(python, [harness, ...args])) as Measured;
    const s = summarize(serial.times).median;
    lines.push(
      '',
      `**${size.title}** (serial: ${per(s)} per call ±${summarize(serial.times).rme.toFixed(1)} %)`,
      '',
      '| engine | workers | start + first call | per call after it | speedup (95 % CI) | efficiency | first call vs serial |',
      '|---|---|---|---|---|---|---|',
    );
    // The fastest row whose whole 95 % interval is above 1 (none: nothing pays), and the cheapest first call.
    let best: { name: string; speedup: number; first: number } | undefined;
    let cheapestFirst = Infinity;
    for (const target of PARALLEL_TARGETS) {
      for (let w = 1; w <= n; w++) {
        log(`scaling ${size.id}: ${target}, ${w} worker${w === 1 ? '' : 's'}…\n`);
        const cand = await compileParallel(found.plan, target as ParallelTarget, { python, cacheDir, workers: w });
        let m: Measured;
        try {
          m = JSON.parse(await run(python, [harness, ...args, '--module-dir', cand.dir, '--module', cand.moduleName])) as Measured;
        } catch (e) {
          lines.push(`| ${TARGET_NAMES[target].name} | ${w} | not run: ${(e as Error).message.split('\n')[0]} | | | | |`);
          continue;
        }
        if (m.checksum !== serial.checksum) throw new Error(`${target} with ${w} workers computed another result`);
        const ratio = ratioOfMedians(serial.times, m.times);
        const f = formatRatio(ratio);
        const ci = f.ci.startsWith('95%') ? `${f.estimate} (${f.lo}–${f.hi})` : `${f.estimate} (${f.ci})`;
        // eslint-disable-next-line no-control-regex
        const reason = (m.stats.reason ?? '').replace(/\u001b\[[0-9;]*m/g, '').split('\n')[0];
        const fell = m.stats.fallbacks ? ` — ${m.stats.fallbacks} fallbacks, the loop ran serially: ${reason}` : '';
        if (!m.stats.fallbacks) {
          const name = `${TARGET_NAMES[target].name} with ${w} worker${w === 1 ? '' : 's'}`;
          if (ratio.ci95[0] > 1 && ratio.estimate > (best?.speedup ?? 0)) best = { name, speedup: ratio.estimate, first: m.firstMs / s };
          cheapestFirst = Math.min(cheapestFirst, m.firstMs / s);
        }
        lines.push(
          `| ${TARGET_NAMES[target].name} | ${w} | ${sec(m.firstMs)} | ${per(summarize(m.times).median)} ±${summarize(m.times).rme.toFixed(1)} % | ${ci} | ${(ratio.estimate / w).toFixed(2)} | ${(m.firstMs / s).toFixed(1)}×${fell} |`,
        );
      }
    }
    advice.push(
      best
        ? `- ${size.title}: once started, ${best.name} runs a call ${best.speedup.toFixed(2)}× as fast as serial (the whole 95 % interval above 1); its first call, the start included, takes ${best.first.toFixed(1)}× a serial call, so it pays ${best.first < 1 ? 'from the first call' : `once the program makes about ${Math.ceil((best.first - 1) / (1 - 1 / best.speedup)) + 1} such calls`}.`
        : `- ${size.title}: no engine is significantly faster per call${cheapestFirst > 2 ? `, and the first call (the engine's start) takes ${cheapestFirst.toFixed(1)}× a serial call or more` : ''}: keep it serial.`,
    );
  }
  return [
    '## Scaling of the parallel targets: serial against a process pool, Ray and Dask',
    '',
    `- Machine: ${cpus()[0]?.model.trim() ?? '?'}, ${cpus().length} cores (load average ${(await import('node:os')).loadavg()[0]!.toFixed(1)} when it ended); Python ${versions[0] ?? '?'}, Ray ${versions[1] ?? '?'}, Dask ${versions[2] ?? '?'} (distributed ${versions[3] ?? '?'})`,
    `- Date: ${new Date().toISOString().slice(0, 10)}; command: \`npm run bench:python\` (or \`node --import tsx bench/parallel.ts\`); ${calls} calls after the first per engine and worker count.`,
    `- The function: test/fixtures/parallel/sims.py \`${FN}\`, rewritten for each engine as Optimize rewrites it, with the worker count written in (perfLab.parallel.workers); each row is a fresh process (bench/python/measure_parallel.py). "start + first call": the engine's start and one call; "per call after it": the engine started. Speedup: the serial median over the row's, with its 95 % interval (extension/bench/stats.ts ratioOfMedians); efficiency: speedup ÷ workers. Every call's result equals the serial one.`,
    ...lines,
    '',
    ...advice,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const at = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const python = at('python') ?? (await pythonEnv()).python;
  const doc = await parallelScaling(python, { calls: Number(at('calls') ?? 8) });
  console.log(doc);
  if (!process.argv.includes('--no-write')) writeFileSync(join(__dirname, 'python', 'SCALING.md'), doc);
}

if (require.main === module)
  main().catch((e: Error) => {
    console.error(e.message);
    process.exit(1);
  });

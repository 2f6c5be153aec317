// `node --import tsx bench/python/overhead.ts [--rounds N] [--python path]`: how much each Python profiling mode costs
// on the examples. Each round runs every example plainly, under cProfile, under the built-in sampler and under py-spy
// (when installed next to the interpreter), interleaved, with the same command lines and intervals the runner uses
// (the built-in sampler every 1 ms, py-spy every 10 ms). Two measures:
// the CPU time of the whole process tree (the program, the helper's threads and py-spy itself, which while it reads
// the stacks holds the program stopped) — robust on a shared machine, where wall time mostly measures the other
// load — and the fastest wall time from start to exit.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from '../../extension/bench/stats';
import {
  findPySpy,
  probePython,
  profileHelperArgs,
  type PythonProfiler,
  PY_SPY_MIN_INTERVAL_US,
  pySpyRecordArgs,
  pythonHelperPath,
} from '../../extension/profile/python-runner';
import { pythonEnv } from '../../test/python-env';

const root = join(__dirname, '..', '..');

/** The examples and the arguments that make each run last one to two seconds. */
export const OVERHEAD_CASES: { file: string; args: string[] }[] = [
  { file: 'pairwise.py', args: ['2500'] },
  { file: 'nbody.py', args: ['150000'] },
  { file: 'mandelbrot.py', args: ['600', '100'] },
  { file: 'stencil.py', args: ['150', '60'] },
  { file: 'collatz.py', args: ['100000'] },
];

// Runs a command with its output discarded; prints its wall time and the CPU time of it and all it waited for.
const TIMER = `import json, resource, subprocess, sys, time
t = time.perf_counter()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
wall = time.perf_counter() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps([wall * 1000, (r.ru_utime + r.ru_stime) * 1000]))`;

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function timed(python: string, cmd: string[]): Promise<{ wall: number; cpu: number }> {
  return new Promise((done, fail) =>
    execFile(python, ['-c', TIMER, ...cmd], { timeout: 600_000 }, (err, stdout, stderr) => {
      if (err) return fail(new Error(`${cmd.join(' ')} failed: ${String(stderr).slice(-500)}`));
      const [wall, cpu] = JSON.parse(String(stdout)) as [number, number];
      done({ wall, cpu });
    }),
  );
}

type Mode = 'plain' | 'cprofile' | 'builtin' | 'py-spy';

async function main(): Promise<void> {
  const rounds = Number(option('rounds') ?? 5);
  const python = option('python') ?? (await pythonEnv()).python;
  const runtime = await probePython(python);
  const spy = await findPySpy(runtime, python);
  const helper = pythonHelperPath();
  const tmp = mkdtempSync(join(tmpdir(), 'perf-lab-overhead-'));
  const out = join(tmp, 'profile.json');
  // The command lines of extension/profile/python-runner.ts, at a 1 ms interval.
  const command = (mode: Mode, file: string, args: string[]): string[] => {
    const run = (m: PythonProfiler | 'none') => [runtime.execPath, ...profileHelperArgs(helper, m, 1000, out, file, args)];
    if (mode === 'plain') return [runtime.execPath, file, ...args];
    if (mode === 'cprofile') return run('cprofile');
    if (mode === 'builtin') return run('sampling');
    return [spy!.path, ...pySpyRecordArgs(PY_SPY_MIN_INTERVAL_US, join(tmp, 'spy.json'), run('none'))];
  };
  const modes: Mode[] = ['plain', 'cprofile', 'builtin', ...(spy ? (['py-spy'] as const) : [])];
  const times = new Map<string, { wall: number; cpu: number }[]>();
  try {
    for (let r = 0; r < rounds; r++) {
      for (const c of OVERHEAD_CASES) {
        const file = join(root, 'examples', 'python', c.file);
        for (const mode of modes) {
          const key = `${c.file}\u0000${mode}`;
          times.set(key, [...(times.get(key) ?? []), await timed(runtime.execPath, command(mode, file, c.args))]);
        }
      }
      process.stderr.write(`round ${r + 1}/${rounds} done\n`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const head = ['Example', 'plain', 'cProfile', 'built-in sampler (1 ms)', ...(spy ? [`py-spy ${spy.version} (${PY_SPY_MIN_INTERVAL_US / 1000} ms)`] : [])];
  const pct = (t: number, base: number) => `${t >= base ? '+' : '−'}${Math.abs(((t - base) / base) * 100).toFixed(0)} %`;
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const c of OVERHEAD_CASES) {
    const get = (m: Mode) => times.get(`${c.file}\u0000${m}`)!;
    const cpu0 = median(get('plain').map((t) => t.cpu));
    const wall0 = Math.min(...get('plain').map((t) => t.wall));
    const cells = modes.map((m) => {
      const cpu = median(get(m).map((t) => t.cpu));
      const wall = Math.min(...get(m).map((t) => t.wall));
      return m === 'plain' ? `${cpu.toFixed(0)} ms CPU, ${wall.toFixed(0)} ms wall` : `${pct(cpu, cpu0)} CPU, ${pct(wall, wall0)} wall`;
    });
    lines.push(`| \`${c.file} ${c.args.join(' ')}\` | ${cells.join(' | ')} |`);
  }
  console.log(
    `Python ${runtime.version}; ${rounds} interleaved runs per cell; CPU: median CPU time of the process tree (py-spy included); wall: fastest run, start to exit.\n`,
  );
  console.log(lines.join('\n'));
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});

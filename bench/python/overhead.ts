// `node --import tsx bench/python/overhead.ts [--rounds N] [--python path]`: how much each Python profiling mode slows
// the examples down. Each round runs every example plainly, under cProfile, under the built-in sampler and under
// py-spy (when installed next to the interpreter), interleaved so that the machine's load hits them alike; the
// table gives the fastest wall time of the runs (interpreter start included: the least disturbed by other load) and
// the slowdown against the fastest plain run, then the medians.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { findPySpy, probePython, profilePythonFile, type PythonProfileRequest } from '../../extension/profile/python-runner';
import { pythonEnv } from '../../test/python-env';

const root = join(__dirname, '..', '..');

/** The examples and the arguments that make each run about a second. */
export const OVERHEAD_CASES: { file: string; args: string[] }[] = [
  { file: 'pairwise.py', args: ['3000'] },
  { file: 'nbody.py', args: ['300000'] },
  { file: 'mandelbrot.py', args: ['600', '100'] },
  { file: 'stencil.py', args: ['150', '60'] },
  { file: 'collatz.py', args: ['100000'] },
];

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function plainRun(python: string, file: string, args: string[]): Promise<number> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn(python, [file, ...args], { stdio: 'ignore' });
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? done(performance.now() - t0) : fail(new Error(`${file} exited with ${code}`))));
  });
}

function fastest(xs: number[]): number {
  return Math.min(...xs);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

type Mode = 'plain' | 'cprofile' | 'builtin' | 'py-spy';

async function main(): Promise<void> {
  const rounds = Number(option('rounds') ?? 5);
  const python = option('python') ?? (await pythonEnv()).python;
  const runtime = await probePython(python);
  const spy = await findPySpy(runtime, python);
  const modes: Mode[] = ['plain', 'cprofile', 'builtin', ...(spy ? (['py-spy'] as const) : [])];
  const times = new Map<string, number[]>();
  for (let r = 0; r < rounds; r++) {
    for (const c of OVERHEAD_CASES) {
      const file = join(root, 'examples', 'python', c.file);
      for (const mode of modes) {
        let ms: number;
        if (mode === 'plain') ms = await plainRun(runtime.execPath, file, c.args);
        else {
          const req: PythonProfileRequest = { file, args: c.args, pythonPath: python, mode: mode === 'cprofile' ? 'cprofile' : 'sampling', samplingIntervalUs: 1000, timeoutMs: 0 };
          if (mode === 'builtin') req.sampler = 'builtin';
          const result = await profilePythonFile(req);
          if (result.run.exitCode !== 0) throw new Error(`${c.file} under ${mode} exited with ${result.run.exitCode}`);
          ms = result.run.durationMs;
        }
        const key = `${c.file}\u0000${mode}`;
        times.set(key, [...(times.get(key) ?? []), ms]);
      }
    }
    process.stderr.write(`round ${r + 1}/${rounds} done\n`);
  }
  const head = ['Example', 'plain', 'cProfile', 'built-in sampler (1 ms)', ...(spy ? [`py-spy ${spy.version} (1 ms)`] : [])];
  for (const [title, stat] of [['fastest', fastest], ['median', median]] as const) {
    const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
    for (const c of OVERHEAD_CASES) {
      const plain = stat(times.get(`${c.file}\u0000plain`)!);
      const cells = modes.map((m) => {
        const t = stat(times.get(`${c.file}\u0000${m}`)!);
        return m === 'plain' ? `${t.toFixed(0)} ms` : `${t.toFixed(0)} ms (${t >= plain ? '+' : ''}${(((t - plain) / plain) * 100).toFixed(0)} %)`;
      });
      lines.push(`| \`${c.file} ${c.args.join(' ')}\` | ${cells.join(' | ')} |`);
    }
    console.log(`\nPython ${runtime.version} (${runtime.execPath}), ${title} of ${rounds} interleaved runs each, wall time from start to exit:\n`);
    console.log(lines.join('\n'));
  }
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});

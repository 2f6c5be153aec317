// Modin for a pandas-bound program: `import pandas as pd` made `import modin.pandas as pd`, a whole-program rewrite.
// Checked the way every rewrite is, before it is offered: the profile says whether the run's time is inside pandas at
// all; the original and the rewrite run on the same arguments and must print the same, exit the same and leave equal
// DataFrames and Series at the top level (compared exactly by pandas.testing); an operation Modin runs by falling back
// to pandas (its "defaulting to pandas" UserWarning) is counted and named, and refuses the rewrite; and the whole
// program is timed, both versions in turn, start of the engine included. The helper is python/perf_lab_modin.py.
// Modin's engine is its own convention, MODIN_ENGINE (ray or dask); on Dask, DASK_SCHEDULER_ADDRESS connects the
// rewrite to that cluster, as it does for the dask target.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { formatDuration, formatRatio, median, pairedRatio, verdictOf, type RatioEstimate, type Verdict } from '../bench/stats';
import { PerfLabError } from '../errors';
import { formatShare } from '../profile/share';
import { pythonScript } from '../python-script';

/** Below this share of the run inside pandas (a whole-program bound under 1.33×), Modin is not offered. */
export const MIN_PANDAS_SHARE = 0.25;

export type ModinEngine = 'dask' | 'ray';

/** The rewritten source, or why the file has no import to rewrite. */
export type ModinRewrite = { ok: true; text: string; line: number; alias: string } | { ok: false; reason: string };

/** `import pandas as <alias>` at the top level made `import modin.pandas as <alias>`. Pure. */
export function modinRewrite(source: string): ModinRewrite {
  const lines = source.split('\n');
  const fromImport = lines.findIndex((l) => /^\s*from\s+pandas(\.\w+)*\s+import\b/.test(l));
  if (fromImport >= 0)
    return { ok: false, reason: `line ${fromImport + 1} imports names from pandas (${lines[fromImport]!.trim()}); Modin replaces only the pandas module` };
  const at = lines.findIndex((l) => /^import\s+pandas(\s+as\s+\w+)?\s*(#.*)?$/.test(l));
  if (at < 0) return { ok: false, reason: 'the file has no top-level `import pandas` or `import pandas as <name>` to rewrite' };
  const alias = /\bas\s+(\w+)/.exec(lines[at]!)?.[1] ?? 'pandas';
  const connect = [
    '# Perf Lab: pandas on Modin; its engine is MODIN_ENGINE (ray or dask). On Dask, the cluster at',
    "# DASK_SCHEDULER_ADDRESS when it is set (Dask's own convention), else a LocalCluster that Modin starts.",
    'import os as _pl_os',
    '',
    'if _pl_os.environ.get("DASK_SCHEDULER_ADDRESS") and _pl_os.environ.get("MODIN_ENGINE", "").lower() == "dask":',
    '    import distributed as _pl_distributed',
    '',
    '    _pl_dask_client = _pl_distributed.Client()',
  ];
  const rewritten = [...lines.slice(0, at), ...connect, `import modin.pandas as ${alias}`, ...lines.slice(at + 1)];
  return { ok: true, text: rewritten.join('\n'), line: at + 1, alias };
}

export interface ModinRequest {
  file: string;
  python: string;
  args: string[];
  engine: ModinEngine;
  /** Whole-program runs of each version, in turn (at least 2 for an interval). */
  runs: number;
  signal?: AbortSignal;
  /** Extra environment of the runs (DASK_SCHEDULER_ADDRESS, RAY_ADDRESS). */
  env?: NodeJS.ProcessEnv;
}

export interface ModinCheck {
  /** The run's time and the part of it inside pandas (cProfile: calls into pandas from outside it). */
  share: { totalS: number; pandasS: number; top: { function: string; seconds: number }[] };
  rewrite: ModinRewrite;
  /** Same output, exit status and top-level frames. */
  same?: boolean;
  difference?: string;
  /** Modin's fallbacks to pandas, by operation, in the rewrite's run. */
  defaulted: Record<string, number>;
  frames: string[];
  times?: { pandasMs: number[]; modinMs: number[]; speedup: RatioEstimate; verdict: Verdict };
  /** Why the rewrite is not offered; absent when it is. */
  refused?: string;
}

interface Ran {
  stdout: string;
  stderr: string;
  code: number;
  ms: number;
}

function runPython(python: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<Ran> {
  const started = performance.now();
  return new Promise((done, fail) => {
    execFile(
      python,
      args,
      { cwd, env, maxBuffer: 64 * 1024 * 1024, timeout: 15 * 60_000, windowsHide: true, ...(signal ? { signal } : {}) },
      (err, stdout, stderr) => {
        const ms = performance.now() - started;
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code as number) : -1) : 0;
        if (err && code === -1) return fail(new PerfLabError(`${python} could not run: ${err.message}`));
        done({ stdout: String(stdout), stderr: String(stderr), code, ms });
      },
    );
  });
}

/** Profiles, rewrites, runs both versions, compares them and times them. */
export async function checkModin(req: ModinRequest): Promise<ModinCheck> {
  const file = resolve(req.file);
  const cwd = dirname(file);
  const helper = pythonScript('perf_lab_modin.py');
  const tmp = await mkdtemp(join(tmpdir(), 'perf-lab-modin-'));
  const env = { ...process.env, ...req.env, MODIN_ENGINE: req.engine, PYTHONWARNINGS: 'ignore::FutureWarning' };
  try {
    const probe = await runPython(req.python, ['-c', 'import modin, pandas; print(modin.__version__, pandas.__version__)'], cwd, env, req.signal);
    if (probe.code !== 0) throw new PerfLabError(`Modin does not import in ${req.python}: python -m pip install "modin[${req.engine}]"`);
    const shareOut = join(tmp, 'share.json');
    const profiled = await runPython(req.python, [helper, 'share', file, shareOut, '--', ...req.args], cwd, env, req.signal);
    if (profiled.code !== 0)
      throw new PerfLabError(`The program failed under the profiler (exit ${profiled.code}): ${profiled.stderr.trim().split('\n').slice(-3).join(' ')}`);
    const share = JSON.parse(await readFile(shareOut, 'utf8')) as ModinCheck['share'];
    const rewrite = modinRewrite(await readFile(file, 'utf8'));
    const out: ModinCheck = { share, rewrite, defaulted: {}, frames: [] };
    if (!rewrite.ok) return { ...out, refused: rewrite.reason };
    if (share.pandasS < MIN_PANDAS_SHARE * share.totalS)
      return {
        ...out,
        refused: `the run spends ${formatShare(share.pandasS, share.totalS)} of its time inside pandas (${formatDuration(share.pandasS * 1000)} of ${formatDuration(share.totalS * 1000)}); Modin can speed up only that part`,
      };
    const source = join(tmp, 'modin_source.py');
    await writeFile(source, rewrite.text);
    const run = (which: 'pandas' | 'modin', i: number) =>
      runPython(req.python, [helper, 'run', file, which === 'pandas' ? file : source, join(tmp, `${which}-${i}.pkl`), '--', ...req.args], cwd, env, req.signal);
    const pandasMs: number[] = [];
    const modinMs: number[] = [];
    const runs = Math.max(1, req.runs);
    for (let i = 0; i < runs; i++) {
      const a = await run('pandas', i);
      const b = await run('modin', i);
      if (i === 0) {
        if (a.code !== 0) throw new PerfLabError(`The program failed (exit ${a.code}): ${a.stderr.trim().split('\n').slice(-3).join(' ')}`);
        const frames = await runPython(req.python, [helper, 'compare', join(tmp, 'pandas-0.pkl'), join(tmp, 'modin-0.pkl')], cwd, env, req.signal);
        if (b.code !== 0) return { ...out, same: false, refused: `with Modin the program failed (exit ${b.code}): ${lastError(b.stderr)}` };
        const cmp = JSON.parse(frames.stdout) as { names: string[]; equal: boolean; difference: string };
        out.frames = cmp.names;
        out.defaulted = await defaultedOf(req.python, join(tmp, 'modin-0.pkl'), cwd, env, req.signal);
        if (a.stdout !== b.stdout)
          return { ...out, same: false, difference: firstDifference(a.stdout, b.stdout), refused: 'with Modin the program prints something else' };
        if (!cmp.equal) return { ...out, same: false, difference: cmp.difference, refused: `with Modin a DataFrame differs: ${cmp.difference}` };
        out.same = true;
        const ops = Object.entries(out.defaulted);
        if (ops.length > 0)
          return {
            ...out,
            refused: `Modin runs ${ops.reduce((s, [, n]) => s + n, 0)} operation call(s) by falling back to pandas: ${ops.map(([op, n]) => `${op} (${n})`).join(', ')}`,
          };
      }
      pandasMs.push(a.ms);
      modinMs.push(b.ms);
    }
    const speedup = pairedRatio(pandasMs, modinMs);
    out.times = { pandasMs, modinMs, speedup, verdict: verdictOf(speedup) };
    if (out.times.verdict !== 'faster')
      out.refused = `the program as a whole is not faster with Modin: ${formatDuration(median(pandasMs))} → ${formatDuration(median(modinMs))} (${ratioText(speedup)})`;
    return out;
  } finally {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
  }
}

async function defaultedOf(python: string, pkl: string, cwd: string, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<Record<string, number>> {
  const r = await runPython(
    python,
    ['-c', 'import json, pickle, sys; print(json.dumps(pickle.load(open(sys.argv[1], "rb"))["defaulted"]))', pkl],
    cwd,
    env,
    signal,
  );
  return r.code === 0 ? (JSON.parse(r.stdout) as Record<string, number>) : {};
}

function ratioText(r: RatioEstimate): string {
  const f = formatRatio(r);
  return `${f.estimate}, ${f.ci}`;
}

function lastError(stderr: string): string {
  const lines = stderr.trim().split('\n');
  const err = [...lines].reverse().find((l) => /^\w+(Error|Exception)\b/.test(l));
  return err ?? lines.slice(-1)[0] ?? '';
}

function firstDifference(a: string, b: string): string {
  const x = a.split('\n');
  const y = b.split('\n');
  const i = x.findIndex((l, k) => l !== y[k]);
  const at = i < 0 ? x.length : i;
  return `line ${at + 1}: ${JSON.stringify(x[at] ?? '')} against ${JSON.stringify(y[at] ?? '')}`;
}

/** The check in a few lines, for the command line. */
export function modinReport(c: ModinCheck, engine: ModinEngine): string {
  const L: string[] = [];
  L.push(
    `Inside pandas: ${formatShare(c.share.pandasS, c.share.totalS)} of the run (${formatDuration(c.share.pandasS * 1000)} of ${formatDuration(c.share.totalS * 1000)}, cProfile)`,
  );
  for (const t of c.share.top.slice(0, 5)) L.push(`  ${formatDuration(t.seconds * 1000).padStart(9)}  ${t.function}`);
  if (c.rewrite.ok) L.push(`Rewrite: line ${c.rewrite.line}, import modin.pandas as ${c.rewrite.alias} (MODIN_ENGINE=${engine})`);
  if (c.same !== undefined)
    L.push(
      c.same
        ? `Proof: the same output and exit status, ${c.frames.length} top-level DataFrame/Series equal exactly (${c.frames.join(', ') || 'none'})`
        : `Proof: REFUSED — ${c.difference ?? 'the runs differ'}`,
    );
  const ops = Object.entries(c.defaulted);
  if (ops.length > 0) L.push(`Defaulting to pandas: ${ops.map(([op, n]) => `${op} (${n})`).join(', ')}`);
  if (c.times)
    L.push(
      `Whole program (${c.times.pandasMs.length} runs each, in turn, engine start included): pandas ${formatDuration(median(c.times.pandasMs))}, Modin ${formatDuration(median(c.times.modinMs))}: ${ratioText(c.times.speedup)} (${c.times.verdict})`,
    );
  L.push(c.refused ? `Not offered: ${c.refused}.` : `Offered: import modin.pandas as ${c.rewrite.ok ? c.rewrite.alias : 'pd'}.`);
  return L.join('\n') + '\n';
}

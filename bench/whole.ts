// `npm run bench:whole`: what the user feels. Each program of bench/programs/ (our own, in the styles real scripts
// are written in, each running 1–3 s) goes through the one optimize flow the editor and `perf-lab optimize` use,
// with every target of its language side by side: the function's calls recorded, each target built, proven and
// benchmarked per call, then the whole program run as it is and with each rewrite faster per call, in turns. The table
// (per-call and whole-program speedup with their 95 % intervals, the prediction made before building, and whether
// Apply would write it) goes to bench/WHOLE.md. Options: --case <file> (repeatable), --whole-program-time <s> (default
// 20), --long (also the 30 s versions), --python <path>, --no-write.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { formatDuration, formatRatio, median } from '../extension/bench/stats';
import { formatRefusal } from '../extension/compiler/refusal';
import { applyDecision } from '../extension/optimize/apply-step';
import { optimize, optimizeRequest, type OptimizeOutcome } from '../extension/optimize/optimize';
import { TARGET_NAMES } from '../extension/protocol';
import { pythonEnv } from '../test/python-env';

interface Case {
  file: string;
  fn: string;
  args?: string[];
  /** Shown beside the program: what makes it a test of the whole program. */
  what: string;
  long?: boolean;
}

const CASES: Case[] = [
  { file: 'spectral.js', fn: 'AtAu', what: 'var style, the leaf A inlined into its callers' },
  { file: 'primes.js', fn: 'countPrimes', what: 'integer arithmetic held in doubles (% and d * d)' },
  { file: 'blur-small.js', fn: 'tap', what: 'a 3-line leaf called 80 million times from the caller' },
  { file: 'edit-distance.js', fn: 'editDistance', what: 'var style, read-only strings, local typed rows swapped' },
  { file: 'nbody-objects.js', fn: 'advance', what: 'an array of body objects with numeric fields, checked at every call' },
  { file: 'spectral.py', fn: 'A_times_u', what: 'a comprehension of sums calling a one-line leaf' },
  { file: 'sieve.py', fn: 'primes_below', what: 'a list of flags built and a comprehension returned' },
  { file: 'mandel.py', fn: 'mandelbrot', what: 'a float loop per pixel, a list of counts' },
  { file: 'spectral-loops.py', fn: 'times_u', what: 'only floats and lists of floats cross: no NumPy is imported (Cython, pybind11)' },
  { file: 'spectral.py', fn: 'A_times_u', args: ['1400'], what: 'the same at n = 1,400, ~30 s', long: true },
  { file: 'primes.js', fn: 'countPrimes', args: ['40000000'], what: 'the same below 40,000,000, ~30 s', long: true },
];

function option(name: string): string[] {
  const out: string[] = [];
  process.argv.forEach((a, i) => {
    if (a === `--${name}` && process.argv[i + 1] !== undefined) out.push(process.argv[i + 1]!);
  });
  return out;
}

function ratio(r: { estimate: number; ci95: [number, number] }): string {
  // A variant stopped in the middle of a sample is bounded, not measured (bench.ts: "at least N× slower").
  if (r.ci95[0] === 0 && Number.isFinite(r.ci95[1])) return `at most ${formatRatio(r).hi} (stopped in its first sample)`;
  const f = formatRatio(r);
  return f.ci.startsWith('95%') ? `${f.estimate} (${f.lo}–${f.hi})` : `${f.estimate} (${f.ci})`;
}

/** One table row per target of a program: per call, whole program, and what Apply would do. */
function rows(c: Case, outcome: OptimizeOutcome): string[] {
  const name = `${c.file}${c.args ? ` ${c.args.join(' ')}` : ''}: ${c.fn}`;
  if (outcome.kind === 'refused') return [`| ${name} | — | refused: ${formatRefusal(outcome.refusal).replace(/\|/g, '\\|')} | | | |`];
  const bound = outcome.outlook?.bound;
  // The function being all of the recorded run bounds nothing (report.ts outlookReport says "it is all of the run").
  const outlook = !outcome.outlook
    ? '—'
    : `${bound !== undefined && Number.isFinite(bound) ? `≤ ${bound.toFixed(2)}×` : 'no bound: it is all of the run'}${outcome.outlook.helps ? '' : ' (would not help)'}`;
  const out: string[] = [];
  for (const t of outcome.targets) {
    const target = TARGET_NAMES[t.target].name;
    const perCall = t.measured
      ? ratio(t.measured.speedup)
      : t.buildError
        ? `not built: ${t.buildError.split('\n')[0]!.slice(0, 80)}`
        : t.proof
          ? 'not measured'
          : 'not proven';
    const w = outcome.wholePrograms?.find((x) => x.target === t.target);
    const whole = !w
      ? '—'
      : w.measured
        ? `${ratio(w.speedup)}, ${formatDuration(median(w.before))} → ${formatDuration(median(w.after))}${w.changed ? `; output changed: ${w.changed}` : ''}`
        : `not measured: ${w.reason}`;
    const d = t.proof ? applyDecision(outcome, t.target) : undefined;
    const apply = !d ? '—' : d.ok ? 'applies' : `declines: ${d.reason}`;
    out.push(`| ${name} | ${target} | ${perCall.replace(/\|/g, '\\|')} | ${whole.replace(/\|/g, '\\|')} | ${outlook} | ${apply.replace(/\|/g, '\\|')} |`);
  }
  return out;
}

async function main(): Promise<void> {
  const only = option('case');
  const long = process.argv.includes('--long');
  const wholeS = Number(option('whole-program-time')[0] ?? 20);
  const cases = CASES.filter((c) => (only.length ? only.includes(c.file) : long || !c.long));
  const python = option('python')[0] ?? (cases.some((c) => c.file.endsWith('.py')) ? (await pythonEnv()).python : undefined);
  const loadAtStart = loadavg()[0]!;
  const lines = [
    '| Program: function | Target | Per call (95 % CI) | Whole program (95 % CI), median before → after | Predicted before building | Apply |',
    '|---|---|---|---|---|---|',
  ];
  for (const c of cases) {
    const dir = mkdtempSync(join(tmpdir(), 'perf-lab-bench-whole-'));
    try {
      const file = join(dir, c.file);
      cpSync(join(__dirname, 'programs', c.file), file);
      process.stderr.write(`${c.file} ${c.args?.join(' ') ?? ''}: ${c.fn}…\n`);
      const request = optimizeRequest({
        file,
        functionName: c.fn,
        target: 'auto',
        programArgs: c.args ?? [],
        store: join(dir, '.store'),
        wholeProgramS: wholeS,
        ...(python ? { pythonPath: python } : {}),
      });
      const outcome = await optimize(request, { progress: (e) => e.message && process.stderr.write(`  ${e.message}\n`) });
      lines.push(...rows(c, outcome));
    } catch (e) {
      lines.push(`| ${c.file}: ${c.fn} | — | failed: ${(e as Error).message.split('\n')[0]} | | | |`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const doc = [
    '# Benchmark: whole programs before and after, through the optimize flow',
    '',
    `- Machine: ${cpus()[0]?.model.trim() ?? '?'}, ${cpus().length} cores (load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end); Node ${process.version}${python ? `; Python ${basename(python)} (${python})` : ''}`,
    `- Date: ${new Date().toISOString().slice(0, 10)}; command: \`npm run bench:whole${long ? ' -- --long' : ''}\` (whole-program runs aim at ${wholeS} s per program)`,
    '- Each program of [bench/programs/](programs/) is optimized as `perf-lab optimize FILE --fn NAME --target auto` does it: recorded, every target built, proven and benchmarked per call; then the program as a whole runs as it is and with each target faster per call (at most three), taking turns, 5–10 runs each (fewer, at least 2, for a long program). Per call: the ratio of medians; whole program: the rounds\' geometric mean ratio, paired by round; each with its 95 % interval ([docs/benchmarks.md](../docs/benchmarks.md#what-the-numbers-mean)). "Predicted before building": the most the whole program could gain from the recorded run\'s timing, were the function to take no time. "Apply": what `--apply` does with that target (the same rule as the editor\'s Apply button).',
    '',
    ...lines,
    '',
  ].join('\n');
  console.log(doc);
  if (!process.argv.includes('--no-write')) writeFileSync(join(__dirname, 'WHOLE.md'), doc);
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});

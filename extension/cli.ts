#!/usr/bin/env node
// `perf-lab`: the command line. It parses arguments and prints; the work is done by the same modules the extension uses.
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { writePlan } from './apply/apply';
import { approx, describeCosts, modelError, pairsPath, type CheckedPrediction } from './bench/break-even';
import { formatDuration, formatTimes } from './bench/stats';
import type { Target } from './compiler/compile';
import type { PythonTarget } from './compiler/compile-python';
import { parseOptIns, type OptIn } from '../native/opt-ins';
import { formatRefusal } from './compiler/refusal';
import { CancelledError, PerfLabError, userMessage } from './errors';
import { recordProfile, withOptimizeHistory, type HistoryOptions } from './history/recorder';
import { applyDecision, planApplyStep } from './optimize/apply-step';
import {
  DEFAULT_WHOLE_PROGRAM_S,
  optimize,
  optimizeRequest,
  type AnyCandidate,
  type AnyProof,
  type OptimizeEvent,
  type OptimizeInput,
  type OptimizeOutcome,
} from './optimize/optimize';
import { dispatchReport } from './bench/dispatch';
import { benchOf, benchReport, fixed, formatTable, multiBenchReport, outlookReport, wholeProgramReport } from './optimize/report';
import type { ProgressSink } from './progress';
import { functionStats, totalWeight } from './profile/aggregate';
import { change, describeChange, diffProfiles, toDiffGraphData, type ProfileDiff } from './profile/diff';
import { toFlameGraphData } from './profile/flame-data';
import { detectFileFormat, FORMAT_NAMES, readProfile } from './profile/import';
import { exportCpuProfile } from './profile/importers/cpuprofile';
import { describeHotRegion, hotRegions } from './profile/hot-region';
import type { Profile } from './profile/model';
import { formatShare } from './profile/share';
import { checkReadableFile, fileProblem } from './profile/file-problem';
import { killEverythingStarted } from './profile/kill-tree';
import { probePython, profilePythonFile, type PythonProfiler } from './profile/python-runner';
import { profileNodeFile, runSummary, type ProfileResult } from './profile/node-runner';
import { programFailure } from './profile/run-child';
import { TARGET_NAMES, type TargetId } from './protocol';
import { describeProof, type Proof } from './prove/prove';
import { describePythonProof, type PythonProof } from './prove/prove-python';
import { parallelEngines, targetEntry, targetsOfLanguage, targetsProse } from './targets';
import { standaloneHtml, standalonePage } from './view/html';

export { formatTable };

/** Exit codes: success, a problem the user can fix (message printed), a command line that cannot be understood. */
export const EXIT_OK = 0;
export const EXIT_USER_ERROR = 1;
export const EXIT_USAGE = 2;

const USAGE = `Usage:
  perf-lab profile <file> [options] [-- program arguments]
  perf-lab optimize <file> --fn <name> [options] [-- program arguments]
  perf-lab compare <before> <after> [--top N] [--html diff.html]
  perf-lab report <profile> [--top N] [--html flame.html]
  perf-lab bench <file> --fn <name> [--commits A..B] [options] [-- program arguments]
  perf-lab history [<file>] [--fn <name>] [--json] [--export prov.json]
  perf-lab demo [--out-dir dir] [--quick]
  perf-lab modin <file.py> [--engine dask|ray] [--runs N] [--python P] [-- program arguments]

Profiles a JavaScript or TypeScript file (.js .mjs .cjs .ts .mts) under V8's CPU profiler, or a Python
file (.py) under cProfile or Perf Lab's stack sampler, prints the functions with the most self time,
and writes the profile and a flame graph.

Options for profile:
  --out <file.cpuprofile>   write the profile (readable by Perf Lab, Chrome DevTools, speedscope)
  --html <file.html>        write a standalone flame graph page
  --top <n>                 rows in the table of hot functions (default 15)
  --interval <µs>           sampling interval in microseconds (default 100; 1000 for Python's sampler)
  --timeout <s>             stop the program after this many seconds and keep its samples (default 60, 0 for none)
  --node <path>             the node executable to run the program with (default: node on PATH)
  --no-disable-inlining     profile with V8's inlining on, exactly as the program normally runs
  --python <path>           the Python interpreter for .py files (default: python3 on PATH)
  --profiler cprofile|sampling
                            how .py files are profiled: cProfile, exact call counts (default), or the
                            sampler, real stacks and line heat
  --store <dir>             the store whose history keeps the profile (default ~/.cache/perf-lab)
  --no-history              keep nothing of this run in the history
  -h, --help                show this help

Options for report (read a profile recorded elsewhere and print its hot functions):
  <profile>                 .cpuprofile, Chrome trace (.json), speedscope (.json), folded stacks
                            (perf script | stackcollapse, py-spy --format raw), perf script output,
                            cProfile (.prof, .pstats), any
                            of them gzipped (.gz); read in one streaming pass, so gigabyte files open
  --top <n>                 rows in the table (default 15)
  --html <file.html>        also write a standalone flame graph page
  --python <path>           the Python that converts .prof/.pstats files (default: python3 on PATH)

Options for optimize (record the function's real calls → compile → prove → benchmark):
  --fn <name>               the function to rewrite, by the name the profile shows: a function declaration or
                            const arrow function, a method (NBody.advance, NBody.prototype.advance, obj.step),
                            or a nested function (FluidField/lin_solve)
  --target wasm|native|auto the backend: WebAssembly (default), a native Node-API addon built with the local
                            C++ compiler, or auto: both, proven and benchmarked side by side with JavaScript,
                            with the break-even model's prediction next to the measurement.
                            For a .py file: numba (default), cython, pybind11, or auto: all three side by side
                            with CPython; numba-parallel, cython-parallel: Numba or Cython with the loops
                            proven independent on threads (prange); or processes, ray, dask: the function's
                            independent loop run on a process pool, Ray or Dask (RAY_ADDRESS,
                            DASK_SCHEDULER_ADDRESS: a cluster; docs/parallel.md)
  --engine <e>              for a .py file with --target auto: the parallel engine measured beside the compiled
                            targets (numba-parallel, cython-parallel, processes, ray or dask), when the function
                            has an independent loop
  --workers <n>             the local workers of a parallel target (default: one per core); written into the
                            rewrite, PERF_LAB_WORKERS overrides it where the program runs
  --python <path>           the Python interpreter for a .py file (default: python3 on PATH); the targets'
                            packages (numba, Cython, pybind11) must import in it
  --time <s>                measured seconds per variant in the benchmark (default 1.5)
  --timeout <s>             stop the recorded run after this many seconds (default 60, 0 for none)
  --store <dir>             where recordings are kept (default ~/.cache/perf-lab)
  --rerecord                record again even when a recording of the unchanged file exists
  --opt <list>              native opt-ins, comma-separated: march-native (code for this CPU, exact),
                            fast-math (float sums reordered, proven within a relative 1e-9), threads
                            (outer loops proven independent run on threads with OpenMP, exact)
  --node <path>             the node executable to run the program, proof and benchmark with
  --apply                   write the proven rewrite: <file>.<fn>.wasm (or .node) and its loader beside the file,
                            and the function replaced by a call into it (the original kept as <fn>$js, the
                            fallback); with --target auto, the target measured fastest. For a .py file:
                            <stem>_<fn>_<target>.py beside it, the original kept as _<fn>_py. Only when the
                            whole program runs significantly faster with it and prints the same; otherwise
                            nothing is written and the exit status is 1
  --force                   with --apply: apply a proven rewrite even when the program is not measured faster
  --whole-program-time <s>  seconds for running the whole program before and after the rewrite, interleaved,
                            5–10 runs each (default 60; 0 skips it, and the function's benchmark decides)
  --no-history              keep nothing of this run in the history (<store>/history.sqlite)

Options for bench (record the function's calls and measure it as it is, without compiling; stored in the history):
  --fn <name>               the function to measure
  --commits A..B            the function at commit A and at every commit after it up to B, each checked out in a
                            temporary git worktree, measured and stored; the history is printed with the
                            regressions between consecutive commits marked
  --time <s>                measured seconds (default 1.5)
  --timeout <s>             stop the recorded run after this many seconds (default 60, 0 for none)
  --store <dir>             where the recording and the history are kept (default ~/.cache/perf-lab)
  --node <path>, --python <path>
                            the runtime, as for optimize
  --json                    print the history as JSON

Options for history (every stored measurement of a file's functions, oldest first, per variant and machine,
with its 95% interval, the code version and run that produced it, and the changes between versions):
  <file>                    the source file (omitted with --export: the whole store)
  --fn <name>               one function only
  --json                    print it as JSON
  --export <prov.json>      write the provenance graph (runs, recordings, candidates, proofs, measurements, the
                            code and machines they came from) as W3C PROV-JSON
  --store <dir>             the store (default ~/.cache/perf-lab); delete <dir>/history.sqlite to forget it all

Options for compare (two profiles of one program, e.g. before and after an edit):
  <before> <after>          any two profiles perf-lab report reads; functions are matched by name, file and
                            nearest line, so an edit that moved code still matches
  --top <n>                 rows in the table of changes, largest change of self share first (default 15)
  --html <file.html>        also write a standalone differential flame graph page
  --python <path>           the Python that converts .prof/.pstats files (default: python3 on PATH)

Options for demo:
  --out-dir <dir>           where the demo writes its profiles and flame graphs (default out/demo)
  --quick                   run each example on a smaller input (a few seconds in all)

Exit status: 0 success, 1 a problem with the program or its files (the message says what to do), or a profiled
program that failed (its error and exit code are printed, its profile kept), 2 bad usage.`;

class UsageError extends Error {}

/** Where output goes; the tests pass their own. */
export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  /** The program's own output while it runs; hidden when undefined. */
  programOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
  /** A long stage's steps and time left (the benchmark); hidden when undefined. */
  progress?: ProgressSink;
}

/**
 * Progress as lines on stderr: one when the step changes, then one every `everyMs` while it lasts (a log, a CI job
 * and a terminal all show them; nothing is rewritten in place).
 */
export function progressLines(write: (text: string) => void, everyMs = 5000, now = () => performance.now()): ProgressSink {
  let step = '';
  let last = -Infinity;
  return (e) => {
    const thisStep = e.message.replace(/,? about \d+ (s|min) left/, '');
    if (thisStep === step && now() - last < everyMs) return;
    step = thisStep;
    last = now();
    write(`  ${e.message}\n`);
  };
}

const defaultIO: CliIO = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  programOutput: (stream, t) => (stream === 'stdout' ? process.stdout : process.stderr).write(t),
  progress: progressLines((t) => process.stderr.write(t)),
};

/** A path as the user would type it: relative to the working folder when inside it. */
function shown(file: string): string {
  if (!isAbsolute(file)) return file;
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/** A long location (a data: URL, a deep path) shortened in the middle, so that the table stays readable. */
function elided(s: string, max = 72): string {
  return s.length <= max ? s : `${s.slice(0, max / 2 - 1)}…${s.slice(-(max / 2 - 1))}`;
}

/** The top functions by self time: function, file:line, self and total in the profile's unit and as shares. */
export function topTable(p: Profile, top: number): string {
  const total = totalWeight(p);
  const unit = p.unit === 'ms' ? 'ms' : 'samples';
  const digits = p.unit === 'ms' ? 1 : 0;
  const pct = (w: number) => formatShare(w, total);
  const rows = functionStats(p)
    .slice(0, top)
    .map((f) => [
      f.name,
      f.file ? `${elided(shown(f.file))}${f.line > 0 ? `:${f.line}` : ''}` : '',
      fixed(f.self, digits),
      pct(f.self),
      fixed(f.total, digits),
      pct(f.total),
    ]);
  const calls = p.calls;
  if (calls) {
    // Exact call counts (cProfile), summed over the frames of each function.
    functionStats(p)
      .slice(0, top)
      .forEach((f, i) => {
        const counted = f.frames.filter((fr) => !Number.isNaN(calls[fr]!));
        rows[i]!.push(counted.length === 0 ? '' : counted.reduce((a, fr) => a + calls[fr]!, 0).toLocaleString('en-US'));
      });
    return formatTable(['Function', 'Location', `Self ${unit}`, 'Self %', `Total ${unit}`, 'Total %', 'Calls'], rows, [
      false,
      false,
      true,
      true,
      true,
      true,
      true,
    ]);
  }
  return formatTable(['Function', 'Location', `Self ${unit}`, 'Self %', `Total ${unit}`, 'Total %'], rows, [false, false, true, true, true, true]);
}

/** A paragraph about the run: what ran, on what, how long, how it ended, and its notes and warnings. */
export function runReport(r: ProfileResult): string {
  const { run, profile } = r;
  const ended = run.stoppedBy ? `stopped (${run.stoppedBy})` : run.signal ? `ended by ${run.signal}` : `exit code ${run.exitCode}`;
  const lines = [
    `Profiled ${shown(run.file)}${run.args.length > 0 ? ` ${run.args.join(' ')}` : ''}`,
    run.language === 'python' ? `  runtime   ${run.runtimeVersion} (${run.runtime})` : `  runtime   Node.js ${run.runtimeVersion} (${run.runtime})`,
    `  run       ${fixed(run.durationMs / 1000, 2)} s, ${ended}`,
    run.profiler === 'cProfile'
      ? `  profiler  cProfile, ${fixed(totalWeight(profile), 1)} ${profile.unit} of calls timed`
      : `  samples   ${profile.sampleStack.length.toLocaleString('en-US')} at ${run.samplingIntervalUs} µs${run.profiler ? ` (${run.profiler})` : ''}, ${fixed(totalWeight(profile), 1)} ${profile.unit} in all`,
  ];
  for (const n of r.notes) lines.push(`  note      ${n}`);
  for (const w of r.warnings) lines.push(`  warning   ${w.replace(/\n/g, '\n            ')}`);
  if (r.coverage?.short)
    lines.push(`  instead   perf-lab profile ${shown(run.file)} --profiler sampling${run.args.length > 0 ? ` -- ${run.args.join(' ')}` : ''}`);
  return lines.join('\n') + '\n';
}

/** The bundled flame graph script, which sits next to this file in dist/. */
async function webviewScript(): Promise<string> {
  const candidates = [join(__dirname, 'webview.js'), join(__dirname, '..', 'dist', 'webview.js')];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new PerfLabError(`The flame graph script (webview.js) is missing next to ${__filename}. Run \`npm run build\`, or reinstall Perf Lab.`);
  return readFile(found, 'utf8');
}

async function writeOutputs(r: ProfileResult, title: string, out: string | undefined, html: string | undefined, io: CliIO): Promise<void> {
  if (out) {
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, JSON.stringify(exportCpuProfile(r.profile)));
    io.out(`Wrote the profile to ${shown(out)}\n`);
  }
  if (html) {
    const data = toFlameGraphData(r.profile, { title, notes: r.notes, warnings: r.warnings, run: runSummary(r.run), ...(out ? { source: out } : {}) });
    await mkdir(dirname(html), { recursive: true });
    await writeFile(html, standaloneHtml(data, await webviewScript()));
    io.out(`Wrote the flame graph to ${shown(html)}\n`);
  }
}

function positiveNumber(value: string | undefined, name: string, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0))
    throw new UsageError(`--${name} takes a ${allowZero ? 'non-negative' : 'positive'} number, not "${value}".`);
  return n;
}

/** Aborts on the first Ctrl+C so the samples so far are kept; a second one ends everything at once. */
function abortOnInterrupt(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onInt = () => {
    if (controller.signal.aborted) exitOnSignal('SIGINT');
    process.stderr.write('\nStopping the program; press Ctrl+C again to quit at once.\n');
    controller.abort();
  };
  process.on('SIGINT', onInt);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onInt) };
}

/** The signals that end the command line, with their numbers (the exit status is 128 + the number, as shells do). */
export const ENDING_SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGTERM: 15 } as const;

/** Ends every process Perf Lab started (the user's program and its children included), says so, and exits 128 + n. */
function exitOnSignal(signal: keyof typeof ENDING_SIGNALS): never {
  const ended = killEverythingStarted();
  try {
    // The terminal may be gone (SIGHUP): the message is a courtesy, the cleanup above is what matters.
    process.stderr.write(`\nperf-lab: stopped by ${signal}${ended > 0 ? `; ended the program and the processes it started` : ''}.\n`);
  } catch {
    // Nowhere to write.
  }
  // Ended by the signal itself, as the shell expects (status 128 + n): process.exit() can wait for ever on a thread
  // blocked reading a pipe, a signal's default action cannot.
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
  process.exit(128 + ENDING_SIGNALS[signal]);
}

/** Installs the handlers that make a closed terminal, a CI timeout or `kill` end the whole process tree, not only Perf Lab. */
function exitOnSignals(): void {
  for (const signal of Object.keys(ENDING_SIGNALS) as (keyof typeof ENDING_SIGNALS)[]) {
    if (process.platform === 'win32' && signal !== 'SIGINT') continue;
    process.on(signal, () => {
      // A command that keeps the samples on the first Ctrl+C has a handler of its own (abortOnInterrupt).
      if (signal === 'SIGINT' && process.listenerCount('SIGINT') > 1) return;
      exitOnSignal(signal);
    });
  }
}

async function profileCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      html: { type: 'string' },
      top: { type: 'string' },
      interval: { type: 'string' },
      timeout: { type: 'string' },
      node: { type: 'string' },
      'no-disable-inlining': { type: 'boolean' },
      python: { type: 'string' },
      profiler: { type: 'string' },
      store: { type: 'string' },
      'no-history': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(USAGE + '\n');
    return EXIT_OK;
  }
  const [file, ...programArgs] = positionals;
  if (!file) throw new UsageError('perf-lab profile needs a file to run.');
  if (values.profiler !== undefined && values.profiler !== 'cprofile' && values.profiler !== 'sampling')
    throw new UsageError(`--profiler takes cprofile or sampling, not "${values.profiler}".`);
  const python = extname(file).toLowerCase() === '.py';
  const top = Math.floor(positiveNumber(values.top, 'top', 15));
  const interval = positiveNumber(values.interval, 'interval', python ? 1000 : 100);
  const timeout = positiveNumber(values.timeout, 'timeout', 60, true);
  const interrupt = abortOnInterrupt();
  try {
    const common = {
      file: resolve(file),
      args: programArgs,
      samplingIntervalUs: interval,
      timeoutMs: timeout * 1000,
      signal: interrupt.signal,
      ...(io.programOutput ? { onOutput: io.programOutput } : {}),
    };
    const result = python
      ? await profilePythonFile({
          ...common,
          mode: (values.profiler as PythonProfiler | undefined) ?? 'cprofile',
          ...(values.python ? { pythonPath: values.python } : {}),
        })
      : await profileNodeFile({ ...common, disableInlining: !values['no-disable-inlining'], ...(values.node ? { nodePath: values.node } : {}) });
    // A profile that missed the run is not shown as an empty table: the report says so and how to profile instead.
    const empty = result.coverage?.short && totalWeight(result.profile) === 0;
    io.out('\n' + runReport(result) + (empty ? '' : '\n' + topTable(result.profile, top) + '\n'));
    if (!empty) io.out(hotRegionLines(result.profile));
    await recordProfile(cliHistory(resolve(values.store ?? defaultStore()), !values['no-history'], io), result, {
      timeoutMs: timeout * 1000,
      ...(python ? { profiler: values.profiler ?? 'cprofile' } : { disableInlining: !values['no-disable-inlining'] }),
    });
    await writeOutputs(result, `Profile: ${basename(file)}`, values.out && resolve(values.out), values.html && resolve(values.html), io);
    const failure = programFailure(result.run);
    if (failure) {
      io.err(`perf-lab: ${failure} (the profile above holds what it ran until then)\n`);
      return EXIT_USER_ERROR;
    }
  } finally {
    interrupt.dispose();
  }
  return EXIT_OK;
}

/** The leaves worth optimizing through their caller (profile/hot-region.ts), a line each. */
function hotRegionLines(p: Profile): string {
  const lines = hotRegions(p).map((r) => `Hot region: ${describeHotRegion(r)}\n`);
  return lines.length > 0 ? `\n${lines.join('')}` : '';
}

/** The options of the commands that read profile files (report, compare). */
const READ_OPTIONS = { top: { type: 'string' }, html: { type: 'string' }, python: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

/** `perf-lab report`: a profile file from anywhere, read whatever its size, summarised as the top table. */
async function reportCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: READ_OPTIONS });
  if (values.help) {
    io.out(USAGE + '\n');
    return EXIT_OK;
  }
  const [file, ...extra] = positionals;
  if (!file) throw new UsageError('perf-lab report needs a profile file.');
  if (extra.length > 0) throw new UsageError(`perf-lab report reads one profile; unexpected "${extra[0]}".`);
  const top = Math.floor(positiveNumber(values.top, 'top', 15));
  const path = resolve(file);
  await checkReadableFile(path, 'the path of a profile file', shown(path));
  const format = await detectFileFormat(path);
  const started = performance.now();
  const profile = await readProfile(path, values.python ? { pythonPath: values.python } : {});
  const readMs = performance.now() - started;
  const size = statSync(path).size;
  const samples = profile.sampleStack.length.toLocaleString('en-US');
  const weight = `${fixed(totalWeight(profile), profile.unit === 'ms' ? 1 : 0)} ${profile.unit}`;
  io.out(
    `${shown(path)}: ${format ? FORMAT_NAMES[format] : 'profile'}, ${formatBytes(size)}, read in ${fixed(readMs / 1000, 2)} s\n` +
      `  ${profile.unit === 'ms' ? `${samples} samples, ${weight}` : `${weight} in ${samples} entries`}${profile.durationMs !== undefined ? ` over ${fixed(profile.durationMs / 1000, 2)} s` : ''}, ${profile.frames.length.toLocaleString('en-US')} frames\n\n` +
      topTable(profile, top) +
      hotRegionLines(profile),
  );
  if (values.html) {
    const html = resolve(values.html);
    const data = toFlameGraphData(profile, { title: `Profile: ${basename(path)}`, source: path });
    await mkdir(dirname(html), { recursive: true });
    await writeFile(html, standaloneHtml(data, await webviewScript()));
    io.out(`\nWrote the flame graph to ${shown(html)}\n`);
  }
  return EXIT_OK;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${fixed(n / 1024, 1)} KB`;
  if (n < 1024 ** 3) return `${fixed(n / 1024 / 1024, 1)} MB`;
  return `${fixed(n / 1024 ** 3, 2)} GB`;
}

/** `perf-lab compare`: two profiles, their changes per function as a table, and optionally the differential flame graph. */
async function compareCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: READ_OPTIONS });
  if (values.help) {
    io.out(USAGE + '\n');
    return EXIT_OK;
  }
  if (positionals.length !== 2) throw new UsageError(`perf-lab compare needs two profiles, before and after; got ${positionals.length}.`);
  const top = Math.floor(positiveNumber(values.top, 'top', 15));
  const [before, after] = positionals.map((f) => resolve(f)) as [string, string];
  for (const f of [before, after]) await checkReadableFile(f, 'the paths of two profile files', shown(f));
  const { readProfile: read } = await import('./profile/import');
  const options = values.python ? { pythonPath: values.python } : {};
  const diff = diffProfiles(await read(before, options), await read(after, options));
  io.out(compareReport(diff, shown(before), shown(after), top));
  if (values.html) {
    const html = resolve(values.html);
    const title = `Compare: ${basename(before)} → ${basename(after)}`;
    const data = toDiffGraphData(diff, { title, before: { label: basename(before), source: before }, after: { label: basename(after), source: after } });
    await mkdir(dirname(html), { recursive: true });
    await writeFile(html, standalonePage({ type: 'diff', data }, title, await webviewScript()));
    io.out(`\nWrote the differential flame graph to ${shown(html)}\n`);
  }
  return EXIT_OK;
}

/** Both profiles in a line each, the overall change, notes, and the functions whose self share changed most. */
export function compareReport(d: ProfileDiff, beforeName: string, afterName: string, top: number): string {
  const weight = (w: number, unit: 'ms' | 'samples') => (unit === 'ms' ? `${fixed(w, 1)} ms` : `${Math.round(w).toLocaleString('en-US')} samples`);
  const pct = formatShare;
  const pp = (s: number) => `${s > 0 ? '+' : s < 0 ? '−' : '±'}${fixed(Math.abs(s * 100), 1)} pp`;
  const lines = [
    `Before  ${beforeName}: ${weight(d.before.total, d.before.unit)}, ${d.before.sampleCount.toLocaleString('en-US')} samples`,
    `After   ${afterName}: ${weight(d.after.total, d.after.unit)}, ${d.after.sampleCount.toLocaleString('en-US')} samples`,
  ];
  if (d.before.unit === d.after.unit) lines.push(`Change  ${describeChange(change(d.before.total, d.after.total, d), d.after.unit, weight)}`);
  for (const n of d.notes) lines.push(`Note    ${n}`);
  const rows = d.functions.slice(0, top).map((f) => {
    const self = change(f.selfBefore, f.selfAfter, d);
    const total = change(f.totalBefore, f.totalAfter, d);
    const line = f.afterLine || f.beforeLine;
    const moved = f.beforeLine > 0 && f.afterLine > 0 && f.beforeLine !== f.afterLine ? ` (was ${f.beforeLine})` : '';
    return [
      f.beforeName ? `${f.name} (was ${f.beforeName})` : f.name,
      f.file ? `${shown(f.file)}${line > 0 ? `:${line}` : ''}${moved}` : '',
      pct(f.selfBefore, d.before.total),
      pct(f.selfAfter, d.after.total),
      describeChange(self, d.after.unit, weight),
      pp(self.shareDelta),
      pct(f.totalBefore, d.before.total),
      pct(f.totalAfter, d.after.total),
      describeChange(total, d.after.unit, weight),
    ];
  });
  const table = formatTable(['Function', 'Location', 'Self before', 'Self after', 'Δ self', 'Δ self share', 'Total before', 'Total after', 'Δ total'], rows, [
    false,
    false,
    true,
    true,
    true,
    true,
    true,
    true,
    true,
  ]);
  return `${lines.join('\n')}\n\n${table}`;
}

/** The example programs the demo profiles, with what each shows. */
export const DEMO_PROGRAMS: { file: string; args: string[]; quickArgs: string[]; about: string; compareInlining?: string }[] = [
  {
    file: 'nbody.js',
    args: [],
    quickArgs: ['500000'],
    about: 'The Benchmarks Game n-body simulation: almost all time is in advance().',
    compareInlining: 'advance',
  },
  { file: 'pairwise.ts', args: [], quickArgs: ['1500', '4'], about: 'A TypeScript kernel, bundled to run and mapped back to its .ts lines.' },
  {
    file: 'hot-helper.js',
    args: [],
    quickArgs: ['262144', '20'],
    about: 'A small helper called from a loop: it keeps its own frame only with inlining turned off.',
    compareInlining: 'mix',
  },
  { file: 'blur.js', args: [], quickArgs: ['160', '120', '200'], about: 'A 3×3 blur over a Uint8Array: the hot function the demo then rewrites.' },
];

/** The Python example the demo profiles under both of Python's profilers, when python3 is on PATH. */
export const DEMO_PYTHON = {
  file: 'python/pairwise.py',
  args: ['1500'],
  quickArgs: ['500'],
  about: 'Pairwise distances in pure Python: cProfile counts the calls exactly, the sampler finds the hot lines.',
};

/** The functions the demo rewrites after profiling: on a copy of the example, proven, benchmarked, applied and run again. */
export const DEMO_REWRITES: { file: string; fn: string; args: string[]; quickArgs: string[] }[] = [
  { file: 'blur.js', fn: 'blur', args: ['320', '240', '300'], quickArgs: ['160', '120', '50'] },
  { file: 'mandelbrot.mjs', fn: 'mandelbrot', args: ['320', '240', '200', '4'], quickArgs: ['160', '120', '100', '2'] },
];

/** The program's standard output, run with this node. */
async function programOutput(file: string, args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [file, ...args], { cwd: dirname(file), maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

async function demoCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'out-dir': { type: 'string' }, quick: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.out(USAGE + '\n');
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new UsageError(`perf-lab demo takes no arguments, got "${positionals.join(' ')}".`);
  const examples = [join(__dirname, '..', 'examples'), resolve('examples')].find((d) => existsSync(join(d, DEMO_PROGRAMS[0]!.file)));
  if (!examples) throw new PerfLabError('The example programs (examples/) were not found. Run the demo from a Perf Lab checkout: npm run demo.');
  const outDir = resolve(values['out-dir'] ?? join('out', 'demo'));
  const written: string[] = [];
  const interrupt = abortOnInterrupt();
  try {
    for (const ex of DEMO_PROGRAMS) {
      const file = join(examples, ex.file);
      const stem = basename(ex.file, extname(ex.file));
      io.out(`\n=== ${ex.file}: ${ex.about}\n`);
      const programArgs = values.quick ? ex.quickArgs : ex.args;
      const result = await profileNodeFile({ file, args: programArgs, signal: interrupt.signal, timeoutMs: 60_000 });
      io.out(runReport(result) + '\n' + topTable(result.profile, 8));
      const out = join(outDir, `${stem}.cpuprofile`);
      const html = join(outDir, `${stem}.html`);
      await writeOutputs(result, `Profile: ${ex.file}`, out, html, { ...io, out: () => {} });
      written.push(html, out);
      if (ex.compareInlining) {
        const plain = await profileNodeFile({ file, args: programArgs, signal: interrupt.signal, timeoutMs: 60_000, disableInlining: false });
        const share = (r: ProfileResult) => {
          const fn = functionStats(r.profile).find((f) => f.name === ex.compareInlining && f.file === file);
          const total = totalWeight(r.profile);
          return total > 0 && fn ? (100 * fn.self) / total : 0;
        };
        io.out(
          `\nSelf time of ${ex.compareInlining}(): ${fixed(share(result), 1)}% with inlining off (run took ${fixed(result.run.durationMs / 1000, 2)} s), ` +
            `${fixed(share(plain), 1)}% with inlining on (${fixed(plain.run.durationMs / 1000, 2)} s): V8 inlines it into its caller, which then gets the time.\n`,
        );
      }
    }
    {
      const ex = DEMO_PYTHON;
      const file = join(examples, ex.file);
      io.out(`\n=== ${ex.file}: ${ex.about}\n`);
      const python = await probePython().catch((e: unknown) => e as Error);
      if (python instanceof Error) io.out(`Skipped: ${python.message}\n`);
      else {
        for (const mode of ['cprofile', 'sampling'] as const) {
          const result = await profilePythonFile({ file, args: values.quick ? ex.quickArgs : ex.args, mode, signal: interrupt.signal, timeoutMs: 60_000 });
          io.out(runReport(result) + '\n' + topTable(result.profile, 5));
          const stem = `pairwise-py-${mode}`;
          const out = join(outDir, `${stem}.cpuprofile`);
          const html = join(outDir, `${stem}.html`);
          await writeOutputs(result, `Profile: ${ex.file} (${mode})`, out, html, { ...io, out: () => {} });
          written.push(html, out);
        }
      }
    }
    // The rest of the loop: rewrite each hot kernel on a copy, with the proof and the before/after benchmark.
    for (const rw of DEMO_REWRITES) {
      const copyDir = join(outDir, 'rewritten');
      await mkdir(copyDir, { recursive: true });
      const copy = join(copyDir, rw.file);
      await copyFile(join(examples, rw.file), copy);
      const programArgs = values.quick ? rw.quickArgs : rw.args;
      io.out(`\n=== Optimize ${rw.fn}() in ${rw.file} (on a copy: ${shown(copy)})\n`);
      const before = await programOutput(copy, programArgs);
      const r = await optimizeFlow(
        {
          path: copy,
          functionName: rw.fn,
          programArgs,
          timeMs: values.quick ? 300 : 1500,
          timeoutMs: 60_000,
          store: join(outDir, 'recordings'),
          rerecord: true,
          apply: true,
          wholeProgramS: values.quick ? 15 : 45,
        },
        interrupt.signal,
        io,
      );
      if (!r.ok) continue;
      const after = await programOutput(copy, programArgs);
      if (after !== before)
        throw new PerfLabError(
          `The rewritten ${rw.file} printed something else than the original: ${JSON.stringify(after.slice(0, 200))} instead of ${JSON.stringify(before.slice(0, 200))}.`,
        );
      io.out(`The rewritten ${rw.file} prints the same output as the original: ${JSON.stringify(after.trim().slice(0, 120))}\n`);
      written.push(copy);
    }
  } finally {
    interrupt.dispose();
  }
  io.out(
    `\nDemo output (open the .html files in a browser, or the .cpuprofile files in VS Code with Perf Lab):\n${written.map((w) => `  ${shown(w)}`).join('\n')}\n`,
  );
  return EXIT_OK;
}

/** Where the command line keeps recordings: $XDG_CACHE_HOME/perf-lab or ~/.cache/perf-lab. */
export function defaultStore(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'perf-lab');
}

async function optimizeCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      fn: { type: 'string' },
      target: { type: 'string' },
      time: { type: 'string' },
      timeout: { type: 'string' },
      store: { type: 'string' },
      rerecord: { type: 'boolean' },
      node: { type: 'string' },
      python: { type: 'string' },
      apply: { type: 'boolean' },
      force: { type: 'boolean' },
      'whole-program-time': { type: 'string' },
      engine: { type: 'string' },
      workers: { type: 'string' },
      opt: { type: 'string' },
      'no-history': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(USAGE + '\n');
    return EXIT_OK;
  }
  const [file, ...programArgs] = positionals;
  if (!file) throw new UsageError('perf-lab optimize needs a file to run.');
  let optIns: OptIn[];
  try {
    optIns = values.opt === undefined ? [] : parseOptIns(values.opt);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (optIns.length > 0 && (values.target ?? 'wasm') === 'wasm') throw new UsageError('--opt applies to native code: add --target native (or auto).');
  if (!values.fn) throw new UsageError('perf-lab optimize needs --fn <name>: the function to rewrite.');
  const isPython = /\.py$/i.test(file);
  // The registry's targets of the file's language, and auto: every one of them.
  const choices: string[] = [...targetsOfLanguage(isPython ? 'python' : 'js'), 'auto'];
  if (values.target !== undefined && !choices.includes(values.target))
    throw new UsageError(
      `--target${isPython ? ' for a .py file' : ''} takes ${choices.slice(0, -1).join(', ')} or ${choices.at(-1)!}, not "${values.target}".`,
    );
  // No --target: the flow takes the language's first target (targets.ts targetsFor).
  const chosen =
    values.target === undefined ? {} : isPython ? { pythonTarget: values.target as PythonTarget | 'auto' } : { target: values.target as Target | 'auto' };
  const python = isPython && values.python ? { pythonPath: values.python } : {};
  const engines = parallelEngines();
  if (values.engine !== undefined && !engines.includes(values.engine as TargetId))
    throw new UsageError(`--engine takes ${engines.slice(0, -1).join(', ')} or ${engines.at(-1)!}, not "${values.engine}".`);
  if (values.engine !== undefined && (!isPython || values.target !== 'auto'))
    throw new UsageError(`--engine adds a parallel engine to --target auto for a .py file; to run only the engine, give --target ${values.engine}.`);
  const workers = values.workers === undefined ? undefined : positiveNumber(values.workers, 'workers', 0);
  if (workers !== undefined && !Number.isInteger(workers)) throw new UsageError(`--workers takes a whole number of workers, not "${values.workers}".`);
  const parallel = { ...(values.engine ? { engine: values.engine } : {}), ...(workers ? { workers } : {}) };
  const functionName = values.fn;
  const timeMs = positiveNumber(values.time, 'time', 1.5) * 1000;
  const timeoutMs = positiveNumber(values.timeout, 'timeout', 60, true) * 1000;
  const store = resolve(values.store ?? defaultStore());
  // A folder or a pipe named as the program: said now, before a read of it waits for ever.
  if (existsSync(resolve(file)) && !statSync(resolve(file)).isFile()) await checkReadableFile(resolve(file), 'the path of a .js, .ts or .py file', file);
  const interrupt = abortOnInterrupt();
  try {
    const r = await optimizeFlow(
      {
        path: resolve(file),
        functionName,
        programArgs,
        timeMs,
        timeoutMs,
        store,
        ...chosen,
        rerecord: values.rerecord === true,
        apply: values.apply === true,
        force: values.force === true,
        wholeProgramS: positiveNumber(values['whole-program-time'], 'whole-program-time', DEFAULT_WHOLE_PROGRAM_S, true),
        ...(values['no-history'] ? { noHistory: true } : {}),
        ...(optIns.length > 0 ? { optIns } : {}),
        ...(values.node ? { nodePath: values.node } : {}),
        ...python,
        ...parallel,
      },
      interrupt.signal,
      io,
    );
    return r.ok ? EXIT_OK : EXIT_USER_ERROR;
  } finally {
    interrupt.dispose();
  }
}

/** What one optimize run takes: the file, the function, how to run the program and how long to measure. */
export interface OptimizeFlowOptions {
  path: string;
  functionName: string;
  programArgs: string[];
  timeMs: number;
  timeoutMs: number;
  store: string;
  rerecord?: boolean;
  nodePath?: string;
  /** Apply the proven rewrite to `path` (the demo applies it to a copy). */
  apply?: boolean;
  /** Apply even when the program is not measured faster with it (never an unproven rewrite). */
  force?: boolean;
  /** Seconds for the whole-program runs before and after (0: none). */
  wholeProgramS?: number;
  /** A JavaScript target, or auto: all of them side by side (absent: the first, WebAssembly). */
  target?: Target | 'auto';
  /** For a .py file: the interpreter (python3 on PATH by default) and the target (absent: the first, Numba; auto: all). */
  pythonPath?: string;
  pythonTarget?: PythonTarget | 'auto';
  /** Native opt-ins (native/opt-ins.ts); none keeps results exact. */
  optIns?: OptIn[];
  /** Keep nothing of this run in the store's history. */
  noHistory?: boolean;
  /** For a .py file with `auto`: the parallel engine measured beside the compiled targets (--engine). */
  engine?: string;
  /** The local workers of a parallel target (--workers). */
  workers?: number;
}

/**
 * Prints the optimize flow's events as the command line shows them. `io.progress` hears the benchmark's steps only
 * (the other stages are quick, or print their own lines).
 */
export function optimizePrinter(io: CliIO, functionName: string, store: string): { events: (e: OptimizeEvent) => void; progress: ProgressSink } {
  let proving = false;
  let benchmarking = false;
  let compiled = 0;
  const proven: TargetId[] = [];
  const events = (e: OptimizeEvent): void => {
    switch (e.type) {
      case 'recording-reused':
        io.out(
          `Using the recording of ${functionName} from ${e.recording.recordedAt} (${e.recording.calls.length} of ${e.recording.totalCalls} calls; --rerecord to record again)\n`,
        );
        if (e.outlook) io.out(`${outlookReport(e.outlook, functionName)}\n`);
        return;
      case 'dispatch-outlook':
        for (const d of e.dispatch) io.out(`${dispatchReport(d, functionName)}\n`);
        return;
      case 'recording':
        io.out(
          `Recording the calls of ${functionName} in ${shown(e.file)}${e.args.length > 0 ? ` ${e.args.join(' ')}` : ''}${e.runtime ? ` (${e.runtime})` : ''}…\n`,
        );
        return;
      case 'recorded': {
        const r = e.recording;
        const sample = (r.shapes?.length ?? 0) > 1 ? ' (first calls plus a sample of each shape)' : ' (first calls plus a uniform sample)';
        io.out(`Recorded ${r.calls.length} of ${r.totalCalls} call${r.totalCalls === 1 ? '' : 's'}${r.truncated ? sample : ''}, kept in ${shown(e.store)}\n`);
        for (const note of r.notes ?? []) io.out(`  ${note}\n`);
        if (e.outlook) io.out(`${outlookReport(e.outlook, functionName)}\n`);
        return;
      }
      case 'refused':
        return;
      case 'compiled': {
        compiled++;
        const entry = targetEntry(e.target);
        const as = e.recordedTypes ? ` (${e.recordedTypes.join(', ')}, as recorded)` : '';
        io.out(
          `Compiled ${functionName}${as} to ${entry.prose}: ${(entry.built as (c: AnyCandidate, s: (p: string) => string) => string)(e.candidate, shown)}\n`,
        );
        return;
      }
      case 'unavailable':
        io.out(`${TARGET_NAMES[e.target].title} is not available: ${e.reason}\n`);
        return;
      case 'proved':
        if (!proving) io.out('\n');
        proving = true;
        if (e.proof.ok) proven.push(e.target);
        io.out(describeAnyProof(e.proof, functionName));
        return;
      case 'benchmarking':
        benchmarking = true;
        if (proven.length < compiled) io.out(`\nOnly the proven ${proven.map((t) => TARGET_NAMES[t].name).join(' and ')} version is benchmarked.\n`);
        io.out(
          `\nBenchmarking (${fixed(e.timeMs / 1000, 1)} s per variant, each in its own process${e.boundMs !== undefined ? `; at most ${fixed(e.boundMs / 1000, 0)} s in all` : ''})…\n`,
        );
        return;
      case 'bench-progress':
        return;
      case 'benchmarked': {
        benchmarking = false;
        const b = e.bench;
        if ('callsPerSample' in b && b.targets.length === 1) io.out(benchReport(benchOf(b, b.targets[0]!.target)));
        else io.out(multiBenchReport(b, 'callsPerSample' in b ? 'JavaScript' : 'Python'));
        return;
      }
      case 'predicted':
        io.out(predictionText(e.checked, store));
        return;
      case 'prediction-unavailable':
        io.out(`\nBreak-even model unavailable: ${e.reason}\n`);
        return;
      case 'whole-program-start':
        benchmarking = true;
        io.out(
          `\nRunning the whole program as it is and with ${e.targets.map((t) => TARGET_NAMES[t].name).join(', with ')} (about ${fixed(e.budgetMs / 1000, 0)} s)…\n`,
        );
        return;
      case 'whole-program':
        benchmarking = false;
        io.out(wholeProgramReport(e.result, TARGET_NAMES[e.target].name));
        return;
      default: {
        const never: never = e;
        throw new Error(`unknown event ${JSON.stringify(never)}`);
      }
    }
  };
  return { events, progress: (e) => (benchmarking ? io.progress?.(e) : undefined) };
}

/** A JavaScript or a Python proof as the command line prints it. */
function describeAnyProof(proof: AnyProof, functionName: string): string {
  return proof.target && targetEntry(proof.target).language === 'python'
    ? describePythonProof(proof as PythonProof, functionName)
    : describeProof(proof as Proof, functionName);
}

/**
 * The break-even model's prediction beside the measurement (the pairs are kept in the store), ending with the two as
 * one story: the measurement decides, and a prediction it contradicts is called wrong.
 */
function predictionText(c: CheckedPrediction, store: string): string {
  const { costs, prediction, pairs, all } = c;
  let out = `\nBreak-even model (${costs.cached ? 'costs cached' : 'costs measured now'}: ${describeCosts(costs)})\n`;
  out += `  predicted  ${prediction.text}\n`;
  for (const p of pairs) {
    const t = prediction.targets.find((x) => x.target === p.target)!;
    out += `  ${TARGET_NAMES[p.target].name.padEnd(11)} predicted ${approx(p.predicted)}, measured ${formatTimes(p.measured)} (boundary ${fixed(p.overheadNs, 0)} ns of ${fixed(p.jsNs, 0)} ns per call; ${t.basis})\n`;
  }
  out += `  outcome    ${c.story.text}\n`;
  const err = modelError(all);
  if (err.n > 0)
    out += `  model error  median ${fixed(err.medianPct, 0)}%, mean ${fixed(err.meanPct, 0)}% over ${err.n} (predicted, measured) pair${err.n === 1 ? '' : 's'} kept in ${shown(pairsPath(store))}\n`;
  return out;
}

/** What the command line hands the optimize flow (the editor's counterpart: lab/optimize-input.ts). */
export function cliOptimizeInput(o: OptimizeFlowOptions): OptimizeInput {
  const target = /\.py$/i.test(o.path) ? o.pythonTarget : o.target;
  return {
    file: o.path,
    functionName: o.functionName,
    ...(target ? { target } : {}),
    programArgs: o.programArgs,
    timeoutMs: o.timeoutMs,
    timeMs: o.timeMs,
    store: o.store,
    rerecord: o.rerecord === true,
    ...(o.nodePath ? { nodePath: o.nodePath } : {}),
    ...(o.pythonPath ? { pythonPath: o.pythonPath } : {}),
    ...(o.optIns ? { optIns: o.optIns } : {}),
    willApply: o.apply === true,
    ...(o.wholeProgramS !== undefined ? { wholeProgramS: o.wholeProgramS } : {}),
    ...(o.engine ? { engine: o.engine } : {}),
    ...(o.workers ? { workers: o.workers } : {}),
  };
}

/** record → compile → prove → bench (→ apply), printing each stage; `ok` is false on a refusal or when nothing was proven. */
export async function optimizeFlow(o: OptimizeFlowOptions, signal: AbortSignal, io: CliIO): Promise<{ ok: boolean; outcome: OptimizeOutcome }> {
  const request = optimizeRequest(cliOptimizeInput(o));
  const printer = optimizePrinter(io, o.functionName, o.store);
  const outcome = await withOptimizeHistory(cliHistory(o.store, !o.noHistory, io), request, printer.events, (events) =>
    optimize(request, { signal, events, progress: printer.progress, ...(io.programOutput ? { onOutput: io.programOutput } : {}) }),
  );
  if (outcome.kind === 'refused') {
    io.out(`\nRefused: ${o.functionName} cannot be compiled to ${targetsProse(outcome.targets)}: ${formatRefusal(outcome.refusal)}\n`);
    return { ok: false, outcome };
  }
  const proven = outcome.targets.filter((t) => t.proof?.ok);
  if (proven.length === 0) {
    io.out('\nNot benchmarked: only a proven rewrite is worth measuring.\n');
    return { ok: false, outcome };
  }
  if (o.apply) {
    const chosen = proven.find((p) => p.target === outcome.chosen)!;
    const decision = applyDecision(outcome, chosen.target);
    if (!decision.ok && !(o.force && decision.overridable)) {
      io.out(`\nNot applied: ${decision.reason}.${decision.overridable ? ' Add --force to apply it anyway.' : ''} ${shown(o.path)} is unchanged.\n`);
      return { ok: false, outcome };
    }
    const plan = await planApplyStep({
      file: o.path,
      source: outcome.source,
      functionName: o.functionName,
      candidate: chosen.candidate!,
      proof: chosen.proof!,
      python: outcome.runtime.execPath,
    });
    await writePlan(plan);
    const named = proven.length > 1 || outcome.language === 'python';
    io.out(`\nApplied${named ? ` (${TARGET_NAMES[chosen.target].name})` : ''}: ${plan.summary}\n`);
    for (const f of plan.files) io.out(`  wrote   ${shown(f.path)}\n`);
    io.out(`  edited  ${shown(o.path)}\n`);
    if (!decision.ok) io.out(`Applied with --force although ${decision.reason}.\n`);
    else if (decision.note) io.out(`Note: ${decision.note}.\n`);
  }
  return { ok: true, outcome };
}

/** The history the command line keeps in a store (`--no-history`: none); a damaged store or a failed save is said on stderr. */
function cliHistory(store: string, enabled: boolean, io: CliIO): HistoryOptions {
  return {
    store,
    enabled,
    agent: 'perf-lab command line',
    onNotice: (n) => io.err(`perf-lab: ${n.message}\n`),
    onError: (m) => io.err(`perf-lab: ${m}\n`),
  };
}

/** `perf-lab bench`: a function measured as it is and stored; with --commits, at each commit of a range. */
async function benchCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      fn: { type: 'string' },
      commits: { type: 'string' },
      time: { type: 'string' },
      timeout: { type: 'string' },
      store: { type: 'string' },
      node: { type: 'string' },
      python: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(USAGE + '\n');
    return EXIT_OK;
  }
  const [file, ...programArgs] = positionals;
  if (!file) throw new UsageError('perf-lab bench needs a file to run.');
  if (!values.fn) throw new UsageError('perf-lab bench needs --fn <name>: the function to measure.');
  const path = resolve(file);
  await checkReadableFile(path, 'the path of a .js, .ts or .py file', file);
  const store = resolve(values.store ?? defaultStore());
  const input = {
    file: path,
    functionName: values.fn,
    programArgs,
    timeMs: positiveNumber(values.time, 'time', 1.5) * 1000,
    timeoutMs: positiveNumber(values.timeout, 'timeout', 60, true) * 1000,
    ...(values.node ? { nodePath: values.node } : {}),
    ...(values.python ? { pythonPath: values.python } : {}),
    ...(io.progress ? { progress: io.progress } : {}),
  };
  const settings = { timeMs: input.timeMs, timeoutMs: input.timeoutMs, programArgs };
  const h = cliHistory(store, true, io);
  const { measureCommits, measureFunction, storeMeasured } = await import('./history/measure');
  const interrupt = abortOnInterrupt();
  try {
    if (values.commits) {
      const results = await measureCommits({ ...input, signal: interrupt.signal }, values.commits, h, settings, (r, i, n) => {
        const what = 'measured' in r ? `${formatDuration(r.measured.measurement.medianMs)} per call` : `skipped: ${r.skipped}`;
        io.err(`  ${i + 1}/${n} ${r.commit.slice(0, 7)}: ${what}\n`);
      });
      if (results.every((r) => 'skipped' in r)) throw new PerfLabError(`No commit of ${values.commits} could be measured.`);
    } else {
      io.out(`Measuring ${values.fn} in ${shown(path)} as it is…\n`);
      const m = await measureFunction({ ...input, workStore: store, signal: interrupt.signal, ...(io.programOutput ? { onOutput: io.programOutput } : {}) });
      await storeMeasured(h, m, settings);
      if (!values.json) io.out(`${m.note}\n`);
    }
  } finally {
    interrupt.dispose();
  }
  return printHistory(store, path, values.fn, values.json === true, io);
}

/** Prints the stored history of a file's functions (or one), the regressions between versions marked. */
async function printHistory(store: string, path: string, fn: string | undefined, json: boolean, io: CliIO): Promise<number> {
  const [{ codeIdentity }, { HistoryStore }, { functionHistory, historyText }] = await Promise.all([
    import('./history/identity'),
    import('./history/store'),
    import('./history/report'),
  ]);
  const key = (await codeIdentity(path, '')).key;
  const rows = await new HistoryStore(store, (n) => io.err(`perf-lab: ${n.message}\n`)).measurements(key, fn);
  const h = functionHistory(key, rows);
  io.out(json ? JSON.stringify(h, null, 2) + '\n' : '\n' + historyText(h, shown(path)));
  return EXIT_OK;
}

/** `perf-lab history`: a file's stored measurements over time and commits, or the store's provenance graph as PROV-JSON. */
async function historyCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      fn: { type: 'string' },
      json: { type: 'boolean' },
      export: { type: 'string' },
      store: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(USAGE + '\n');
    return EXIT_OK;
  }
  const [file, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`perf-lab history reads one file's history; unexpected "${extra[0]}".`);
  if (!file && !values.export) throw new UsageError('perf-lab history needs a file (or --export prov.json for the whole store).');
  const store = resolve(values.store ?? defaultStore());
  const path = file ? resolve(file) : undefined;
  if (path) await checkReadableFile(path, 'the path of a source file', file!);
  if (values.export) {
    const [{ codeIdentity }, { HistoryStore }, { provDocument }] = await Promise.all([
      import('./history/identity'),
      import('./history/store'),
      import('./history/prov'),
    ]);
    const key = path ? (await codeIdentity(path, '')).key : undefined;
    const doc = await new HistoryStore(store, (n) => io.err(`perf-lab: ${n.message}\n`)).read((db) => provDocument(db, key));
    const out = resolve(values.export);
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, JSON.stringify(doc, null, 2) + '\n');
    io.out(
      `Wrote the provenance graph (${Object.keys(doc.activity).length} activities, ${Object.keys(doc.entity).length} entities) as PROV-JSON to ${shown(out)}\n`,
    );
    if (!path) return EXIT_OK;
  }
  return printHistory(store, path!, values.fn, values.json === true, io);
}

/**
 * `perf-lab modin FILE`: whether `import modin.pandas as pd` pays for a pandas-bound program (optimize/modin.ts): the
 * share of the run inside pandas, the proof (same output, equal top-level frames, no fallback to pandas) and the
 * whole program timed. Status 0 when it is offered, 1 when not.
 */
async function modinCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { engine: { type: 'string' }, runs: { type: 'string' }, python: { type: 'string' } },
  });
  const [file, ...programArgs] = positionals;
  if (!file) throw new UsageError('perf-lab modin needs the Python file.');
  const engine = values.engine ?? 'dask';
  if (engine !== 'dask' && engine !== 'ray') throw new UsageError(`--engine is dask or ray, not "${engine}".`);
  const runs = values.runs === undefined ? 3 : Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs is a whole number of runs, not "${values.runs}".`);
  const { checkModin, modinReport } = await import('./optimize/modin');
  const { probePython } = await import('./profile/python-runner');
  const python = (await probePython(values.python || 'python3')).execPath;
  const c = await checkModin({ file, python, args: programArgs, engine, runs });
  io.out(modinReport(c, engine));
  return c.refused ? 1 : EXIT_OK;
}

/** Runs the command line and returns its exit status; errors are printed, never thrown. */
export async function main(argv: string[], io: CliIO = defaultIO): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'profile':
        return await profileCommand(rest, io);
      case 'demo':
        return await demoCommand(rest, io);
      case 'optimize':
        return await optimizeCommand(rest, io);
      case 'compare':
        return await compareCommand(rest, io);
      case 'report':
        return await reportCommand(rest, io);
      case 'bench':
        return await benchCommand(rest, io);
      case 'history':
        return await historyCommand(rest, io);
      case 'modin':
        return await modinCommand(rest, io);
      case undefined:
      case 'help':
      case '-h':
      case '--help':
        io.out(USAGE + '\n');
        return command === undefined ? EXIT_USAGE : EXIT_OK;
      default:
        throw new UsageError(`Unknown command "${command}".`);
    }
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`perf-lab: ${(e as Error).message}\n\n${USAGE}\n`);
      return EXIT_USAGE;
    }
    if (e instanceof CancelledError) {
      io.err(`perf-lab: ${e.message}\n`);
      return EXIT_USER_ERROR;
    }
    if (e instanceof PerfLabError) {
      io.err(`perf-lab: ${userMessage(e)}\n`);
      return EXIT_USER_ERROR;
    }
    // A file that could not be read or written (a path given with --out, --html, a profile): the path and the reason.
    const file = fileProblem(e);
    if (file) {
      io.err(`perf-lab: ${file.message}\n`);
      return EXIT_USER_ERROR;
    }
    // Not the user's doing: the stack is what a bug report needs.
    io.err(`perf-lab: unexpected problem: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT_USER_ERROR;
  }
}

if (require.main === module) {
  exitOnSignals();
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

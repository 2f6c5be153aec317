// Runs a JavaScript or TypeScript file in the user's Node.js under V8's CPU profiler and returns the run and its profile.
import { execFile, type ExecFileException } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';
import { PerfLabError, SourceError } from '../errors';
import { noProgress, type ProgressSink } from '../progress';
import type { RunSummary } from '../protocol';
import { parseCpuProfile } from './importers/cpuprofile';
import { qualifyJsNames } from './js-names';
import { ProfileBuilder, stackPath, type Profile } from './model';
import { ARGV1_ENV, CONTROL_FD_ENV, INTERVAL_ENV, OUT_ENV } from './preload/control';
import { cancelCheck, firstLines, profiledRunInfo, profiledRunWarnings, programFolder, runProfiled, stoppedWithoutProfile } from './run-child';
import { loadSourceMap, mapProfileToSources } from './source-map';

/** The file extensions Perf Lab can run with Node.js. */
export const SUPPORTED_EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts'] as const;

/** The note a profile taken with inlining turned off carries. */
export const INLINING_NOTE =
  'Inlining was turned off (--no-turbo-inlining) so that small hot functions keep their own frames instead of vanishing into their callers. Shares between functions stay meaningful, but code that makes many small calls runs slower than in production (up to 2× in our examples); turn off perfLab.disableInlining to measure it exactly as it runs.';

/** The same fact in one line, for the profiles after the first that showed {@link INLINING_NOTE}. */
export const INLINING_NOTE_SHORT =
  'Inlining was turned off, as on your first profile (perfLab.disableInlining): code that makes many small calls runs slower here than in production.';

export type Language = 'javascript' | 'typescript' | 'python';

/** What to run and how. */
export interface ProfileRequest {
  /** The .js, .mjs, .cjs, .ts or .mts file to run. */
  file: string;
  /** The node executable (setting perfLab.nodePath); 'node' on PATH by default. */
  nodePath?: string;
  /** Arguments passed to the program. */
  args?: string[];
  /** Working folder of the program; the file's folder by default. */
  cwd?: string;
  /** Extra environment variables for the program. */
  env?: Record<string, string>;
  /** V8's sampling interval in microseconds; 100 by default. */
  samplingIntervalUs?: number;
  /** Milliseconds before the program is stopped and the samples so far are kept; 60,000 by default, 0 for none. */
  timeoutMs?: number;
  /** Runs with --no-turbo-inlining so small hot functions keep their frames; true by default. */
  disableInlining?: boolean;
  signal?: AbortSignal;
  /** Steps reached, for a progress bar or the command line. */
  onProgress?: ProgressSink;
  /** The program's output as it comes. */
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
}

/** Facts about one run, a superset of what the panel header shows. */
export interface RunInfo extends RunSummary {
  language: Language;
  /** The runtime's version, e.g. "v20.20.2"; `runtime` is its resolved executable path. */
  runtimeVersion: string;
  samplingIntervalUs: number;
  /** The last few kilobytes of the program's stderr. */
  stderrTail: string;
  /** Milliseconds from asking a stopped program for its profile to its answer, when it was stopped. */
  stopHandshakeMs?: number;
  /** The profiler, when it is not V8's (e.g. "cProfile"); the report names it instead of the sampling interval. */
  profiler?: string;
}

export interface ProfileResult {
  run: RunInfo;
  /** For TypeScript, already mapped back to the .ts sources. */
  profile: Profile;
  /** Facts that change how to read the profile. */
  notes: string[];
  /** What went wrong but still left a profile. */
  warnings: string[];
  /** How much of the run's CPU time the profile holds, where the runner measures it (Python's cProfile). */
  coverage?: ProfileCoverage;
}

/** A profile's timed calls against the CPU time of the run they come from. */
export interface ProfileCoverage {
  /** Milliseconds of calls the profile holds. */
  profiledMs: number;
  /** The process's CPU time while the program ran, all its threads together. */
  cpuMs: number;
  /** The profile holds far less than the run's CPU time: it misses most of what the program did. */
  short: boolean;
}

/** The fields of a run the panel shows. */
export function runSummary(run: RunInfo): RunSummary {
  const s: RunSummary = {
    file: run.file,
    runtime: `${run.runtime} (${run.runtimeVersion})`,
    args: run.args,
    exitCode: run.exitCode,
    signal: run.signal,
    durationMs: run.durationMs,
  };
  if (run.stoppedBy) s.stoppedBy = run.stoppedBy;
  return s;
}

/** The profiler preload next to the running bundle (dist/), or in dist/ when running from the sources. */
export function preloadPath(): string {
  const candidates = [join(__dirname, 'cpu-profiler.cjs'), join(__dirname, '..', '..', 'dist', 'cpu-profiler.cjs')];
  const found = candidates.find((p) => existsSync(p));
  if (!found)
    throw new PerfLabError(
      `Perf Lab's profiler preload (cpu-profiler.cjs) is missing from ${candidates[0]}. Reinstall the extension, or run \`npm run build\` in a checkout.`,
    );
  return found;
}

interface Runtime {
  execPath: string;
  version: string;
  /** Whether V8 knows --no-maglev-inlining (V8 11 and later), the second compiler that may inline. */
  maglevFlag: boolean;
}

const MAGLEV_FLAG = '--no-maglev-inlining';

function runProbe(nodePath: string, flags: string[]): Promise<{ err: ExecFileException | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    execFile(nodePath, [...flags, '-p', 'JSON.stringify([process.version, process.execPath])'], { timeout: 30_000, windowsHide: true }, (err, stdout, stderr) =>
      resolvePromise({ err, stdout: String(stdout), stderr: String(stderr) }),
    );
  });
}

/** Runs `node -p` once to learn the runtime's version and real path; turns a missing executable into advice. */
export async function probeNode(nodePath = 'node'): Promise<Runtime> {
  let maglevFlag = true;
  let r = await runProbe(nodePath, [MAGLEV_FLAG]);
  // Older V8 refuses flags it does not know: ask again without it.
  if (r.err && /bad option/.test(r.stderr)) {
    maglevFlag = false;
    r = await runProbe(nodePath, []);
  }
  const { err, stdout, stderr } = r;
  if (err) {
    if (err.code === 'ENOENT') {
      throw new PerfLabError(
        `Node.js was not found at "${nodePath}". Install Node.js, or set perfLab.nodePath (--node on the command line) to the full path of the node executable.`,
      );
    }
    if (err.code === 'EACCES')
      throw new PerfLabError(`"${nodePath}" cannot be executed (permission denied). Set perfLab.nodePath to a node executable you can run.`);
    throw new PerfLabError(`"${nodePath}" did not run as Node.js (${firstLines(stderr, 3) || err.message}). Set perfLab.nodePath to a node executable.`);
  }
  try {
    const [version, execPath] = JSON.parse(stdout) as [string, string];
    return { version, execPath, maglevFlag };
  } catch {
    throw new PerfLabError(`"${nodePath}" did not answer like Node.js. Set perfLab.nodePath to a node executable.`);
  }
}

/** Where a syntax error is, as Node prints it: `file:line`, the source line, a caret under the column, then the message. */
export interface SyntaxErrorInfo {
  file: string;
  line: number;
  column: number;
  message: string;
}

/** Reads the location and message of a SyntaxError out of Node's stderr; undefined when it holds none. */
export function parseNodeSyntaxError(stderr: string): SyntaxErrorInfo | undefined {
  const lines = stderr.split(/\r?\n/);
  const messageLine = lines.find((l) => /^SyntaxError\b/.test(l));
  if (!messageLine) return undefined;
  const at = lines.findIndex((l) => /^.+:\d+$/.test(l));
  if (at < 0) return undefined;
  const m = /^(.+):(\d+)$/.exec(lines[at]!)!;
  let column = 0;
  for (let i = at + 1; i < Math.min(lines.length, at + 4); i++) {
    if (/^\s*\^+\s*$/.test(lines[i]!)) {
      column = lines[i]!.indexOf('^') + 1;
      break;
    }
  }
  return { file: m[1]!, line: Number(m[2]), column, message: messageLine.replace(/^SyntaxError:\s*/, '') };
}

/** The error for a file that does not parse, naming file:line:col; `again` is what to do once it is fixed. */
export function syntaxError(e: SyntaxErrorInfo, again = 'profile'): SourceError {
  const where = `${e.file}:${e.line}${e.column > 0 ? `:${e.column}` : ''}`;
  return new SourceError(`Syntax error in ${where}: ${e.message}. Fix it and ${again} again.`, { file: e.file, line: e.line, column: e.column });
}

/** Checks a JavaScript file with `node --check`; throws a {@link PerfLabError} naming file:line:col when it does not parse. */
async function checkJavaScript(runtime: Runtime, file: string, cwd: string): Promise<void> {
  const stderr = await new Promise<string | undefined>((resolvePromise) => {
    execFile(runtime.execPath, ['--check', file], { cwd, timeout: 30_000, windowsHide: true }, (err, _stdout, stderr) =>
      resolvePromise(err ? String(stderr) : undefined),
    );
  });
  if (stderr === undefined) return;
  const info = parseNodeSyntaxError(stderr);
  if (info) throw syntaxError(info);
  throw new PerfLabError(`Node.js could not load ${file}: ${firstLines(stderr, 4)}`);
}

/** Nearest package.json's "type", which decides whether a .ts file is an ES module. */
async function packageType(dir: string): Promise<string | undefined> {
  for (let d = dir; ; d = dirname(d)) {
    try {
      const pkg = JSON.parse(await readFile(join(d, 'package.json'), 'utf8')) as { type?: string };
      return pkg.type;
    } catch {
      // No (readable) package.json here: look further up.
    }
    if (dirname(d) === d) return undefined;
  }
}

export interface Bundle {
  outFile: string;
  format: 'esm' | 'cjs';
}

/**
 * Bundles a TypeScript entry with esbuild into `outDir` with an external source map.
 * Packages stay external, imported from their real files in node_modules, so their frames point there.
 * `plugins` run before Perf Lab's own (the record stage loads an instrumented source through one).
 */
export async function bundleTypeScript(file: string, outDir: string, nodeVersion: string, plugins: Plugin[] = []): Promise<Bundle> {
  const esbuild = await import('esbuild');
  const declared = extname(file) === '.mts' || (await packageType(dirname(file))) === 'module' ? 'esm' : 'cjs';
  const major = /^v(\d+)/.exec(nodeVersion)?.[1] ?? '18';
  const entryDir = dirname(file);
  const skip = Symbol('perf-lab-resolving');

  const build = async (format: 'esm' | 'cjs'): Promise<Bundle> => {
    const outFile = join(outDir, basename(file).replace(/\.m?ts$/i, format === 'esm' ? '.mjs' : '.cjs'));
    const externalPackages: Plugin = {
      name: 'perf-lab-external-packages',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, async (args) => {
          if (args.pluginData === skip || args.path.startsWith('node:')) return undefined;
          // Resolved as the output format will load it: require() for CommonJS, import for ES modules.
          const r = await b.resolve(args.path, {
            kind: format === 'esm' ? 'import-statement' : 'require-call',
            resolveDir: args.resolveDir,
            importer: args.importer,
            pluginData: skip,
          });
          if (r.errors.length > 0 || r.external || !r.path) return undefined;
          // Path aliases that lead back into the project are bundled like any other source file.
          if (!/[\\/]node_modules[\\/]/.test(r.path)) return { path: r.path, sideEffects: r.sideEffects };
          return { path: format === 'esm' ? pathToFileURL(r.path).href : r.path, external: true };
        });
      },
    };
    await esbuild.build({
      entryPoints: [file],
      outfile: outFile,
      bundle: true,
      platform: 'node',
      format,
      target: `node${major}`,
      sourcemap: 'external',
      sourcesContent: true,
      absWorkingDir: entryDir,
      logLevel: 'silent',
      plugins: [...plugins, externalPackages],
      // The program sees its own location, not the temporary folder the bundle runs from
      // (modules in other folders see the entry's folder too).
      define: {
        __dirname: JSON.stringify(entryDir),
        __filename: JSON.stringify(file),
        'import.meta.url': JSON.stringify(pathToFileURL(file).href),
        'import.meta.dirname': JSON.stringify(entryDir),
        'import.meta.filename': JSON.stringify(file),
      },
    });
    return { outFile, format };
  };

  type BuildErrors = { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] };
  try {
    try {
      return await build(declared);
    } catch (e) {
      // Top-level await makes a file an ES module whatever its package says, as Node's own detection would.
      if (declared === 'cjs' && (e as BuildErrors).errors?.some((x) => /top-level await/i.test(x.text))) return await build('esm');
      throw e;
    }
  } catch (e) {
    const errors = (e as BuildErrors).errors;
    const first = errors?.[0];
    if (!first) throw e;
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length > 2 ? 's' : ''})` : '';
    if (first.location) {
      const loc = first.location;
      const place = { file: resolve(entryDir, loc.file), line: loc.line, column: loc.column + 1 };
      throw new SourceError(
        `Could not build ${basename(file)}: ${place.file}:${place.line}:${place.column}: ${first.text}${more}. Fix it and profile again.`,
        place,
      );
    }
    throw new PerfLabError(`Could not build ${basename(file)}: ${first.text}${more}. Fix it and profile again.`);
  }
}

/** The profile without samples that passed through a file (Perf Lab's own preload). */
function withoutFile(p: Profile, file: string): Profile {
  if (!p.frames.some((f) => f.file === file)) return p;
  const b = new ProfileBuilder(p.unit);
  const newFrame = p.frames.map((f) => (f.file === file ? -1 : b.frame(f)));
  const newStack = new Map<number, number>();
  const stackOf = (s: number): number => {
    let id = newStack.get(s);
    if (id === undefined) {
      const path = stackPath(p, s).map((f) => newFrame[f]!);
      id = path.includes(-1) ? -1 : b.path(path);
      newStack.set(s, id);
    }
    return id;
  };
  for (let i = 0; i < p.sampleStack.length; i++) {
    const s = stackOf(p.sampleStack[i]!);
    if (s >= 0) b.sample(s, p.sampleWeight[i]!, p.sampleTime?.[i]);
  }
  for (const lt of p.lines) if (newFrame[lt.frame]! >= 0) b.line(newFrame[lt.frame]!, lt.line, lt.weight);
  return b.build(p.durationMs);
}

/**
 * Runs a file under V8's CPU profiler in a child process of the user's Node.js.
 * A program that fails still yields the profile it wrote, with warnings; a timeout or a cancel
 * stops it, kills its whole process tree and keeps the samples so far.
 */
export async function profileNodeFile(req: ProfileRequest): Promise<ProfileResult> {
  const progress = req.onProgress ?? noProgress;
  const file = resolve(req.file);
  const ext = extname(file).toLowerCase();
  if (!(SUPPORTED_EXTENSIONS as readonly string[]).includes(ext)) {
    throw new PerfLabError(
      `Perf Lab cannot profile ${basename(file)}: it runs JavaScript and TypeScript files (${SUPPORTED_EXTENSIONS.join(' ')}) and Python files (.py).`,
    );
  }
  const cwd = await programFolder(file, req.cwd);
  const language: Language = ext === '.ts' || ext === '.mts' ? 'typescript' : 'javascript';
  const interval = Math.max(1, Math.round(req.samplingIntervalUs ?? 100));
  const timeoutMs = req.timeoutMs ?? 60_000;
  const disableInlining = req.disableInlining ?? true;
  const args = req.args ?? [];
  const checkCancel = cancelCheck(req.signal, 'Profiling was cancelled.');
  checkCancel();

  const preload = preloadPath();
  progress({ message: 'Looking for Node.js…' });
  const runtime = await probeNode(req.nodePath || 'node');
  checkCancel();

  const tmp = await mkdtemp(join(tmpdir(), 'perf-lab-'));
  try {
    let entry = file;
    let bundle: Bundle | undefined;
    if (language === 'typescript') {
      progress({ message: `Bundling ${basename(file)} with esbuild…` });
      bundle = await bundleTypeScript(file, tmp, runtime.version);
      entry = bundle.outFile;
    } else {
      progress({ message: `Checking the syntax of ${basename(file)}…` });
      await checkJavaScript(runtime, file, cwd);
    }
    checkCancel();

    const outPath = join(tmp, 'profile.cpuprofile');
    const inlining = disableInlining ? ['--no-turbo-inlining', ...(runtime.maglevFlag ? [MAGLEV_FLAG] : [])] : [];
    const nodeArgs = [...inlining, '--require', preload, entry, ...args];
    const env: Record<string, string | undefined> = { ...process.env, ...req.env, [OUT_ENV]: outPath, [INTERVAL_ENV]: String(interval), [CONTROL_FD_ENV]: '3' };
    if (bundle) env[ARGV1_ENV] = file;

    progress({ message: `Running ${basename(file)} (Node.js ${runtime.version})…` });
    const outcome = await runProfiled({
      execPath: runtime.execPath,
      args: nodeArgs,
      cwd,
      env,
      timeoutMs,
      signal: req.signal,
      onOutput: req.onOutput,
      progress,
      saves: 'samples',
    });
    const { stderrHead, stoppedBy } = outcome;
    const run = profiledRunInfo(
      { file, language, runtime: runtime.execPath, runtimeVersion: runtime.version, args, exitCode: outcome.code, samplingIntervalUs: interval },
      outcome,
    );

    progress({ message: 'Reading the profile…' });
    const text = await readFile(outPath, 'utf8').catch(() => undefined);
    if (text === undefined) {
      if (stoppedBy) throw stoppedWithoutProfile(run, timeoutMs, 'no samples could be saved: it did not write its profile', 'a native call');
      if (outcome.signal)
        throw new PerfLabError(
          `The program was ended by ${outcome.signal} before its profile could be written.${stderrHead ? ` Its stderr began:\n${firstLines(stderrHead, 6)}` : ''}`,
        );
      throw new PerfLabError(
        `The program exited with code ${outcome.code} before the profiler could record anything.${stderrHead ? ` Its stderr began:\n${firstLines(stderrHead, 6)}` : ''}`,
      );
    }
    let profile = withoutFile(parseCpuProfile(text, `The profile of ${basename(file)}`), preload);
    if (bundle) {
      progress({ message: 'Mapping frames to the TypeScript sources…' });
      const map = await loadSourceMap(bundle.outFile);
      if (map) profile = mapProfileToSources(profile, [{ file: bundle.outFile, map, entry: file }]);
    }
    profile = await qualifyJsNames(profile);

    const notes: string[] = [];
    if (disableInlining) notes.push(INLINING_NOTE);
    if (bundle) notes.push(`${basename(file)} was bundled with esbuild to run; frames and line times are mapped back to the TypeScript sources.`);
    if (profile.sampleStack.length === 0) {
      notes.push(
        `The profile holds no samples: the program ended before the profiler took one. Use a smaller sampling interval (now ${interval} µs, setting perfLab.samplingInterval) or give the program more work so that it runs longer.`,
      );
    }
    return { run, profile, notes, warnings: profiledRunWarnings(run, stderrHead, timeoutMs, 'the samples recorded') };
  } finally {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
  }
}

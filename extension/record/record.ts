// The record stage: reruns a program for real with one of its functions instrumented, and returns a bounded sample
// of that function's real calls (arguments, result, arrays after the call), sampled by shape (`sampler.ts`).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { Plugin } from 'esbuild';
import { loadTypeScript } from '../compiler/frontend-js';
import { CancelledError, PerfLabError } from '../errors';
import { noProgress, throwIfCancelled, type StageOptions } from '../progress';
import { bundleTypeScript, parseNodeSyntaxError, probeNode, SUPPORTED_EXTENSIONS, syntaxError } from '../profile/node-runner';
import { firstLines, programFolder, seconds, startChild } from '../profile/run-child';
import { instrumentSource } from './instrument';
import { ARGV1_ENV, CONTROL_FD_ENV, LIMITS_ENV, OUT_ENV, SOURCE_ENV, TARGET_ENV } from './preload/control';
import { decodeCalls, type Recording, type RecorderOutput } from './recording';
import { DEFAULT_LIMITS, samplingNotes, tooLargeMessage, type RecordLimits } from './sampler';

/** What to run, and which function to record. */
export interface RecordRequest {
  /** The .js, .mjs, .cjs, .ts or .mts file to run; the function must be declared in it. */
  file: string;
  functionName: string;
  /** The node executable; 'node' on PATH by default. */
  nodePath?: string;
  /** Arguments passed to the program. */
  args?: string[];
  /** Working folder of the program; the file's folder by default. */
  cwd?: string;
  env?: Record<string, string>;
  /** Milliseconds before the program is stopped and the calls so far are kept; 60,000 by default, 0 for none. */
  timeoutMs?: number;
  limits?: Partial<RecordLimits>;
  /** The program's output as it comes. */
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
}

/** The recorder preload next to the running bundle (dist/), or in dist/ when running from the sources. */
export function recorderPath(): string {
  const candidates = [join(__dirname, 'recorder.cjs'), join(__dirname, '..', '..', 'dist', 'recorder.cjs')];
  const found = candidates.find((p) => existsSync(p));
  if (!found)
    throw new PerfLabError(
      `Perf Lab's recorder preload (recorder.cjs) is missing from ${candidates[0]}. Reinstall the extension, or run \`npm run build\` in a checkout.`,
    );
  return found;
}

/** The content hash a recording is keyed by: a recording of a file whose hash changed is stale. */
export function sourceHash(source: string | Uint8Array): string {
  return createHash('sha256').update(source).digest('hex').slice(0, 16);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function atLeast(version: string, major: number, minor: number): boolean {
  const m = /^v(\d+)\.(\d+)/.exec(version);
  return !!m && (Number(m[1]) > major || (Number(m[1]) === major && Number(m[2]) >= minor));
}

/**
 * Runs the program in the user's Node.js with `functionName` recorded, and returns the sampled calls.
 * A timeout or a cancel stops the program and keeps the calls so far; a function that was never called is an error.
 */
export async function record(req: RecordRequest, opts: StageOptions = {}): Promise<Recording> {
  const progress = opts.progress ?? noProgress;
  const checkCancel = () => {
    throwIfCancelled(opts.signal, 'Recording was cancelled.');
  };
  const file = resolve(req.file);
  const ext = extname(file).toLowerCase();
  if (!(SUPPORTED_EXTENSIONS as readonly string[]).includes(ext)) {
    throw new PerfLabError(`Perf Lab cannot record calls in ${basename(file)}: it runs JavaScript and TypeScript files (${SUPPORTED_EXTENSIONS.join(' ')}).`);
  }
  const cwd = await programFolder(file, req.cwd);
  const limits: RecordLimits = { ...DEFAULT_LIMITS, ...req.limits };
  const timeoutMs = req.timeoutMs ?? 60_000;
  const args = req.args ?? [];
  const recorder = recorderPath();

  const bytes = await readFile(file);
  const source = bytes.toString('utf8');
  const hash = sourceHash(bytes);
  progress({ message: `Instrumenting ${req.functionName}…` });
  const ts = await loadTypeScript();
  const instrumented = instrumentSource(ts, source, basename(file), req.functionName);
  checkCancel();

  progress({ message: 'Looking for Node.js…' });
  const runtime = await probeNode(req.nodePath || 'node');
  if (ext === '.mjs' && !atLeast(runtime.version, 20, 6)) {
    throw new PerfLabError(
      `Recording calls in an ES module needs Node.js 20.6 or later (module.register); ${runtime.execPath} is ${runtime.version}. Set perfLab.nodePath to a newer Node.js.`,
    );
  }
  checkCancel();

  const tmp = await mkdtemp(join(tmpdir(), 'perf-lab-record-'));
  try {
    const outPath = join(tmp, 'calls.json');
    const env: Record<string, string | undefined> = {
      ...process.env,
      ...req.env,
      [OUT_ENV]: outPath,
      [LIMITS_ENV]: JSON.stringify(limits),
      [CONTROL_FD_ENV]: '3',
    };
    let entry = file;
    if (ext === '.ts' || ext === '.mts') {
      progress({ message: `Bundling ${basename(file)} with esbuild…` });
      const plugin: Plugin = {
        name: 'perf-lab-record',
        setup(b) {
          b.onLoad({ filter: new RegExp(`^${escapeRegExp(file)}$`) }, () => ({ contents: instrumented.code, loader: 'ts', resolveDir: dirname(file) }));
        },
      };
      entry = (await bundleTypeScript(file, tmp, runtime.version, [plugin])).outFile;
      env[ARGV1_ENV] = file;
    } else {
      const sourcePath = join(tmp, `instrumented${ext}`);
      await writeFile(sourcePath, instrumented.code);
      env[TARGET_ENV] = file;
      env[SOURCE_ENV] = sourcePath;
    }
    checkCancel();

    progress({ message: `Running ${basename(file)} with ${req.functionName} recorded (Node.js ${runtime.version})…` });
    const child = startChild({
      execPath: runtime.execPath,
      args: ['--require', recorder, entry, ...args],
      cwd,
      env,
      timeoutMs,
      signal: opts.signal,
      control: true,
      onOutput: req.onOutput,
    });
    const outcome = await child.done;

    const text = await readFile(outPath, 'utf8').catch(() => undefined);
    if (text === undefined) {
      if (outcome.stoppedBy === 'cancel')
        throw new CancelledError(`Recording was cancelled after ${seconds(outcome.durationMs)}, before any calls could be saved.`);
      if (outcome.stoppedBy) {
        throw new PerfLabError(
          `The program was stopped by the ${seconds(timeoutMs)} timeout and did not save its calls within a few seconds (it may be blocked in a native call). Raise the timeout, or make the program end on its own.`,
        );
      }
      const syntax = parseNodeSyntaxError(outcome.stderrHead);
      if (syntax) throw syntaxError(syntax, 'record');
      const how = outcome.signal ? `was ended by ${outcome.signal}` : `exited with code ${outcome.code}`;
      throw new PerfLabError(
        `The program ${how} before its calls could be saved.${outcome.stderrHead ? ` Its stderr began:\n${firstLines(outcome.stderrHead, 6)}` : ''}`,
      );
    }
    const output = JSON.parse(text) as RecorderOutput;
    if (output.totalCalls === 0) {
      const ended = outcome.stoppedBy
        ? `it was stopped after ${seconds(outcome.durationMs)}`
        : outcome.code !== 0
          ? `it exited with code ${outcome.code}`
          : 'it ran to the end';
      const stderr = outcome.code !== 0 && outcome.stderrHead ? ` Its stderr began:\n${firstLines(outcome.stderrHead, 6)}` : '';
      throw new PerfLabError(
        `${req.functionName} was never called in this run; ${ended}. Run the program with arguments that reach ${req.functionName} (perfLab.args, or after -- on the command line), or choose a function it calls.${stderr}`,
      );
    }
    if (output.calls.length === 0) throw new PerfLabError(tooLargeMessage(req.functionName, output.totalCalls, output.shapes, limits));
    const recording: Recording = {
      file,
      functionName: req.functionName,
      sourceHash: hash,
      line: instrumented.line,
      arity: instrumented.arity,
      calls: decodeCalls(output.calls, output.blobs),
      totalCalls: output.totalCalls,
      truncated: output.totalCalls > output.calls.length,
      tooLarge: output.tooLarge,
      limits,
      shapes: output.shapes,
      notes: samplingNotes(output.shapes, limits),
      ...(output.timing ? { timing: output.timing } : {}),
      recordedAt: new Date().toISOString(),
      runtimeVersion: runtime.version,
    };
    return recording;
  } finally {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
  }
}

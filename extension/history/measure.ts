// `perf-lab bench`: a function measured as it is, without compiling it, and stored — for tracking code that is not
// being rewritten — and the asv workflow over a range of commits: each commit checked out in a temporary git
// worktree, its function recorded and measured there, stored under the same key (the repository's first commit and
// the file's path), and the history compared version to version. The recording and the measurement are the optimize
// flow's own stages (languages.ts) and benchmark harness (bench.ts benchOriginal, bench-python.ts benchPythonOriginal).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { PerfLabError } from '../errors';
import { languageEntry, languageOf, type AnyRecording } from '../languages';
import type { ProgressSink } from '../progress';
import type { PythonRecording } from '../record/record-python';
import type { Recording } from '../record/recording';
import { codeIdentity, type CodeIdentity } from './identity';
import { measurementOf, recordMeasurement, type HistoryOptions } from './recorder';
import type { MeasurementData } from './store';

export interface MeasureInput {
  file: string;
  functionName: string;
  programArgs: string[];
  timeMs: number;
  timeoutMs: number;
  /** Where the recording is kept (the store, or a temporary folder for a worktree). */
  workStore: string;
  nodePath?: string;
  pythonPath?: string;
  signal?: AbortSignal;
  progress?: ProgressSink;
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
}

export interface Measured {
  code: CodeIdentity;
  started: string;
  measurement: MeasurementData;
  runtime: { execPath: string; version: string; language: string };
  recording: AnyRecording;
  reused: boolean;
  note: string;
}

/** The names of a JavaScript file's top-level functions (declarations and const function expressions): the original is extracted with them. */
async function topLevelFunctions(source: string, fileName: string): Promise<string[]> {
  const { loadTypeScript } = await import('../compiler/frontend-js');
  const ts = await loadTypeScript();
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const names: string[] = [];
  for (const st of sf.statements) {
    if (ts.isFunctionDeclaration(st) && st.name) names.push(st.name.text);
    else if (ts.isVariableStatement(st))
      for (const d of st.declarationList.declarations)
        if (ts.isIdentifier(d.name) && d.initializer && (ts.isArrowFunction(d.initializer) || ts.isFunctionExpression(d.initializer))) names.push(d.name.text);
  }
  return names;
}

/** Records (or reuses the recording of the unchanged file) and measures the function as it is. */
export async function measureFunction(i: MeasureInput): Promise<Measured> {
  const started = new Date().toISOString();
  const language = languageOf(i.file);
  const stageOptions = { ...(i.signal ? { signal: i.signal } : {}), ...(i.onOutput ? { onOutput: i.onOutput } : {}) };
  const stages = await languageEntry(language).stages(
    {
      file: i.file,
      functionName: i.functionName,
      programArgs: i.programArgs,
      timeoutMs: i.timeoutMs,
      timeMs: i.timeMs,
      store: i.workStore,
      ...(i.nodePath ? { nodePath: i.nodePath } : {}),
      ...(i.pythonPath ? { pythonPath: i.pythonPath } : {}),
    },
    stageOptions,
  );
  const runtime = await stages.runtime();
  const source = await readFile(i.file, 'utf8');
  const code = await codeIdentity(i.file, i.functionName, source);
  const stored = await stages.load();
  const recording = stored ?? (await stages.record());
  const common = { timeMs: i.timeMs, ...(i.signal ? { signal: i.signal } : {}), ...(i.progress ? { progress: i.progress } : {}) };
  if (language === 'python') {
    const { benchPythonOriginal } = await import('../bench/bench-python');
    const r = await benchPythonOriginal(recording as PythonRecording, { ...common, python: runtime.execPath });
    return {
      code,
      started,
      measurement: measurementOf(r.variant, r.samples),
      runtime: { execPath: runtime.execPath, version: runtime.version, language },
      recording,
      reused: stored !== undefined,
      note: r.note,
    };
  }
  const { benchOriginal } = await import('../bench/bench');
  const callees = (await topLevelFunctions(source, basename(i.file))).filter((n) => n !== i.functionName);
  const r = await benchOriginal({ source, fileName: basename(i.file), functionName: i.functionName }, callees, recording as Recording, {
    ...common,
    ...(i.nodePath ? { nodePath: i.nodePath } : {}),
  });
  return {
    code,
    started,
    measurement: measurementOf(r.variant, r.samples),
    runtime: { execPath: r.execPath, version: r.runtimeVersion, language },
    recording,
    reused: stored !== undefined,
    note: r.note,
  };
}

/** Stores a measurement with the recording it ran on. */
export function storeMeasured(h: HistoryOptions, m: Measured, settings: object): Promise<number | undefined> {
  const r = m.recording;
  return recordMeasurement(h, {
    code: m.code,
    started: m.started,
    measurement: m.measurement,
    runtime: m.runtime,
    settings,
    note: m.note,
    recording: {
      key: `${m.code.key}#${r.functionName}@${r.sourceHash}/${r.recordedAt}`,
      label: `${r.calls.length} of ${r.totalCalls} calls of ${r.functionName}, recorded ${r.recordedAt}`,
      data: { calls: r.calls.length, totalCalls: r.totalCalls, recordedAt: r.recordedAt, runtimeVersion: r.runtimeVersion, sourceHash: r.sourceHash },
    },
  });
}

function git(cwd: string, args: string[]): Promise<string> {
  return new Promise((done, fail) =>
    execFile('git', args, { cwd, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) done(stdout.trim());
      else if ((err as NodeJS.ErrnoException).code === 'ENOENT') fail(new PerfLabError('--commits needs git, which was not found on PATH.'));
      else fail(new PerfLabError(`git ${args.join(' ')} failed: ${(stderr || err.message).trim()}`));
    }),
  );
}

/** The commits of `A..B` to measure, oldest first: A itself (the baseline) and every commit after it up to B. */
export async function commitsOf(repo: string, range: string): Promise<string[]> {
  const m = range.includes('...') ? null : /^([^\s]+?)\.\.([^\s]+)$/.exec(range);
  if (!m) throw new PerfLabError(`--commits takes a range A..B (two commits, branches or tags), not "${range}".`);
  const [, a, b] = m;
  const from = await git(repo, ['rev-parse', '--verify', `${a!}^{commit}`]);
  await git(repo, ['rev-parse', '--verify', `${b!}^{commit}`]);
  const after = (await git(repo, ['rev-list', '--reverse', '--ancestry-path', `${a!}..${b!}`])).split('\n').filter(Boolean);
  if (after.length === 0) throw new PerfLabError(`No commit leads from ${a!} to ${b!}: is ${a!} an ancestor of ${b!}?`);
  return [from, ...after];
}

/** What happened at each commit of a range. */
export type CommitResult = { commit: string; measured: Measured } | { commit: string; skipped: string };

/**
 * Measures the function at each commit of `range`, each in a temporary worktree that is removed afterwards, and
 * stores every measurement. A commit where the file or the function is missing, or the run fails, is skipped with
 * the reason; a cancellation ends the range.
 */
export async function measureCommits(
  i: Omit<MeasureInput, 'workStore' | 'file'> & { file: string },
  range: string,
  h: HistoryOptions,
  settings: object,
  onCommit?: (r: CommitResult, index: number, total: number) => void,
): Promise<CommitResult[]> {
  const abs = resolve(i.file);
  let top: string;
  try {
    top = await git(dirname(abs), ['rev-parse', '--show-toplevel']);
  } catch (e) {
    throw new PerfLabError(`--commits measures a file in a git repository; ${abs} is not in one (${e instanceof Error ? e.message : String(e)}).`);
  }
  const rel = relative(resolve(top), abs);
  const commits = await commitsOf(top, range);
  const tmp = await mkdtemp(join(tmpdir(), 'perf-lab-commits-'));
  const results: CommitResult[] = [];
  try {
    for (const [n, commit] of commits.entries()) {
      const tree = join(tmp, `wt-${n}`);
      await git(top, ['worktree', 'add', '--detach', '--quiet', tree, commit]);
      let result: CommitResult;
      try {
        const file = join(tree, ...rel.split(sep));
        if (!existsSync(file)) result = { commit, skipped: `${rel} is not in this commit` };
        else {
          try {
            const measured = await measureFunction({ ...i, file, workStore: join(tmp, 'work') });
            await storeMeasured(h, measured, settings);
            result = { commit, measured };
          } catch (e) {
            if (i.signal?.aborted) throw e;
            result = { commit, skipped: e instanceof Error ? e.message : String(e) };
          }
        }
      } finally {
        await git(top, ['worktree', 'remove', '--force', tree]).catch(() => undefined);
      }
      results.push(result);
      onCommit?.(result, n, commits.length);
    }
  } finally {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    await git(top, ['worktree', 'prune']).catch(() => undefined);
  }
  return results;
}

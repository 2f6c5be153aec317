// `Perf Lab: Profile File`: runs the file under the profiler with progress and Cancel, then shows the results.
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { toFlameGraphData } from '../profile/flame-data';
import { exportCpuProfile } from '../profile/importers/cpuprofile';
import { totalWeight } from '../profile/aggregate';
import { INLINING_NOTE, INLINING_NOTE_SHORT, profileNodeFile, runSummary } from '../profile/node-runner';
import { profilePythonFile, shortProfileWarning, type PythonProfiler } from '../profile/python-runner';
import { reportFailure, workspaceTrusted } from './command-helpers';
import { editorHistory } from './history';
import type { FlameViews } from './flame-panel';
import type { Log } from './log';
import type { ProfileStore } from './profile-store';

export interface ProfileCommandDeps {
  storage: vscode.Uri;
  store: ProfileStore;
  views: FlameViews;
  log: Log;
  /** Where the editor remembers what it has said once (the long inlining note). */
  said?: vscode.Memento;
}

const INLINING_NOTE_SAID = 'perfLab.inliningNoteSaid';

/** The long inlining note on the first profile, its one-line form on the others. */
function sayOnce(notes: readonly string[], said: vscode.Memento | undefined): string[] {
  if (!said || !notes.includes(INLINING_NOTE)) return [...notes];
  if (!said.get<boolean>(INLINING_NOTE_SAID)) {
    void said.update(INLINING_NOTE_SAID, true);
    return [...notes];
  }
  return notes.map((n) => (n === INLINING_NOTE ? INLINING_NOTE_SHORT : n));
}

/** The file a command applies to: the one it was invoked on, else the active editor's. */
function targetUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  return vscode.window.activeTextEditor?.document.uri;
}

/** The button that profiles a Python file again with the sampler after cProfile missed most of the run. */
export const PROFILE_WITH_SAMPLING = 'Profile with Sampling';

/** Runs `Perf Lab: Profile File` on a file; `pythonProfiler` overrides perfLab.pythonProfiler for this run. */
export async function profileFileCommand(deps: ProfileCommandDeps, arg: unknown, pythonProfiler?: PythonProfiler): Promise<void> {
  const { log } = deps;
  const trusted = await workspaceTrusted(
    'Perf Lab did not profile this file: profiling runs its code, and this folder is not trusted. Trust the folder (Manage Workspace Trust) if you trust its code, then profile again.',
  );
  if (!trusted) return;
  const uri = targetUri(arg);
  if (!uri) {
    void vscode.window.showErrorMessage(
      'Perf Lab: open a JavaScript, TypeScript or Python file (.js .mjs .cjs .ts .mts .py), or right-click one in the explorer, then run Profile File.',
    );
    return;
  }
  if (uri.scheme !== 'file') {
    void vscode.window.showErrorMessage(`Perf Lab profiles files on this machine's disk; ${uri.toString()} is not one.`);
    return;
  }
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (doc?.isDirty) await doc.save();

  const cfg = vscode.workspace.getConfiguration('perfLab', uri);
  const file = uri.fsPath;
  const name = path.basename(file);
  log.info(`profiling ${file}`);
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Perf Lab: profiling ${name}`, cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        const sub = token.onCancellationRequested(() => abort.abort());
        try {
          const common = {
            file,
            args: cfg.get<string[]>('args', []),
            timeoutMs: cfg.get<number>('timeout', 60) * 1000,
            signal: abort.signal,
            onProgress: (e: { message?: string }) => progress.report(e),
            onOutput: (_stream: 'stdout' | 'stderr', text: string) => log.append(text),
          };
          if (path.extname(file).toLowerCase() === '.py') {
            const { pythonInterpreter } = await import('./python-interpreter');
            const python = await pythonInterpreter(uri);
            log.info(`Python interpreter: ${python.path} (from ${python.from})`);
            return await profilePythonFile({
              ...common,
              pythonPath: python.path,
              mode: pythonProfiler ?? cfg.get<PythonProfiler>('pythonProfiler', 'cprofile'),
              // The sampler runs inside the interpreter and competes for the GIL: no finer than 1 ms.
              samplingIntervalUs: Math.max(1000, cfg.get<number>('samplingInterval', 100)),
            });
          }
          return await profileNodeFile({
            file,
            nodePath: cfg.get<string>('nodePath', 'node'),
            args: cfg.get<string[]>('args', []),
            samplingIntervalUs: cfg.get<number>('samplingInterval', 100),
            timeoutMs: cfg.get<number>('timeout', 60) * 1000,
            disableInlining: cfg.get<boolean>('disableInlining', true),
            signal: abort.signal,
            onProgress: (e) => progress.report(e),
            onOutput: (_stream, text) => log.append(text),
          });
        } finally {
          sub.dispose();
        }
      },
    );
    const { recordProfile } = await import('../history/recorder');
    await recordProfile(editorHistory(log, uri), result, {
      timeoutMs: cfg.get<number>('timeout', 60) * 1000,
      ...(path.extname(file).toLowerCase() === '.py'
        ? { profiler: pythonProfiler ?? cfg.get<PythonProfiler>('pythonProfiler', 'cprofile') }
        : { disableInlining: cfg.get<boolean>('disableInlining', true) }),
    });
    const short = result.coverage?.short === true;
    if (short) {
      // cProfile missed most of the run: said with a button that profiles with the sampler; an empty profile is not
      // shown, nor kept as the latest (a comparison after Apply would read it as every function gone).
      for (const w of result.warnings) log.warn(w);
      void vscode.window.showWarningMessage(`Perf Lab: ${shortProfileWarning(result.coverage!)}`, PROFILE_WITH_SAMPLING).then(async (pick) => {
        if (pick === PROFILE_WITH_SAMPLING) await profileFileCommand(deps, uri, 'sampling');
      });
      if (totalWeight(result.profile) === 0) return;
    }
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const saved = path.join(deps.storage.fsPath, 'profiles', `${name}-${stamp}.cpuprofile`);
    await mkdir(path.dirname(saved), { recursive: true });
    await writeFile(saved, JSON.stringify(exportCpuProfile(result.profile)));
    log.info(`profile saved to ${saved}`);
    const title = `Profile: ${name}`;
    deps.store.set(result.profile, title, saved, short);
    deps.views.show(
      toFlameGraphData(result.profile, {
        title,
        notes: sayOnce(result.notes, deps.said),
        warnings: result.warnings,
        run: runSummary(result.run),
        source: saved,
      }),
    );
    if (!short) {
      for (const w of result.warnings) log.warn(w);
      if (result.warnings.length > 0) void vscode.window.showWarningMessage(`Perf Lab: ${result.warnings[0]}`);
    }
  } catch (e) {
    reportFailure(log, e);
  }
}

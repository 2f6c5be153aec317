// A cancellable progress notification around a stage: Cancel aborts the stage's signal, its steps show as messages.
import * as vscode from 'vscode';
import type { ProgressSink } from '../progress';

/** What a stage takes from the notification. */
export interface StageProgress {
  signal: AbortSignal;
  progress: ProgressSink;
}

/** Runs `work` under a cancellable notification titled `title`. */
export function withStageProgress<T>(title: string, work: (stage: StageProgress) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const abort = new AbortController();
    const sub = token.onCancellationRequested(() => abort.abort());
    try {
      return await work({ signal: abort.signal, progress: (e) => progress.report({ message: e.message }) });
    } finally {
      sub.dispose();
    }
  });
}

// The editor's side of the history: the workspace's store (the extension's workspace storage, set once at
// activation), whether it is on (perfLab.history.enabled), and where its messages go. The recorder itself
// (history/recorder.ts) is loaded only when a run is saved.
import * as vscode from 'vscode';
import type { HistoryOptions } from '../history/recorder';
import type { Log } from './log';

let folder: string | undefined;
const listeners: (() => void)[] = [];

/** Calls `listener` after each run the editor saves to the history. */
export function onHistorySaved(listener: () => void): void {
  listeners.push(listener);
}

/** Sets the folder of the workspace's history (activate: the workspace storage, else the global one). */
export function setHistoryFolder(dir: string): void {
  folder = dir;
}

/** The folder of the workspace's history, once activation set it. */
export function historyFolder(): string | undefined {
  return folder;
}

/** How the editor records a run of `resource`: off when the setting says so or before activation set the folder. */
export function editorHistory(log: Log, resource?: vscode.Uri): HistoryOptions {
  const enabled = folder !== undefined && vscode.workspace.getConfiguration('perfLab', resource).get<boolean>('history.enabled', true);
  return {
    store: folder ?? '',
    enabled,
    agent: 'Perf Lab for VS Code',
    onNotice: (n) => {
      log.warn(n.message);
      void vscode.window.showWarningMessage(`Perf Lab: ${n.message}`);
    },
    onError: (m) => log.warn(m),
    onSaved: () => listeners.forEach((l) => l()),
  };
}

// The Perf Lab output channel: the program's output, commands run, and errors with their details.
import * as vscode from 'vscode';

export type Log = vscode.LogOutputChannel;

/** Creates the one log channel of the extension. */
export function createLog(): Log {
  return vscode.window.createOutputChannel('Perf Lab', { log: true });
}

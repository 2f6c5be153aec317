// What the commands that run the user's code share: the workspace-trust gate and how a failure reaches the user.
import * as vscode from 'vscode';
import { CancelledError, MissingPythonPackages, PerfLabError, SourceError, userMessage, type SourcePlace } from '../errors';
import type { Log } from './log';

/**
 * Whether the folder is trusted to run its code. When it is not, shows `refusal` (what was not done and how to
 * trust the folder) with a button that opens Manage Workspace Trust, and answers false.
 */
export async function workspaceTrusted(refusal: string): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const manage = 'Manage Workspace Trust';
  const pick = await vscode.window.showWarningMessage(refusal, manage);
  if (pick === manage) await vscode.commands.executeCommand('workbench.trust.manage');
  return false;
}

/** Tells the user why a command ended early: a cancel as information, anything else as an error (logged, with the stack of an unexpected one). */
export function reportFailure(log: Log, e: unknown): void {
  if (e instanceof CancelledError) {
    log.info(e.message);
    void vscode.window.showInformationMessage(`Perf Lab: ${e.message}`);
    return;
  }
  const message = userMessage(e);
  log.error(message);
  if (e instanceof Error && e.stack && !(e instanceof PerfLabError)) log.error(e.stack);
  const shown = message.startsWith('Perf Lab') ? message : `Perf Lab: ${message}`;
  if (e instanceof SourceError) void showSourceError(shown, e.place);
  else if (e instanceof MissingPythonPackages) void showMissingPackages(shown, e);
  else void vscode.window.showErrorMessage(shown);
}

/**
 * Shows that the interpreter lacks packages, with a button that runs the pip install in a terminal (pip itself, with
 * its arguments, no shell) and one that opens the setting naming another interpreter.
 */
async function showMissingPackages(message: string, e: MissingPythonPackages): Promise<void> {
  const install = 'Install in Terminal';
  const setting = 'Choose Interpreter (perfLab.pythonPath)';
  const pick = await vscode.window.showErrorMessage(message, install, setting);
  if (pick === install) {
    const args = ['-m', 'pip', 'install', ...e.pip];
    const terminal = vscode.window.createTerminal({ name: `pip install ${e.pip.join(' ')}`, shellPath: e.python, shellArgs: args });
    terminal.show();
  } else if (pick === setting) {
    await vscode.commands.executeCommand('workbench.action.openSettings', '@id:perfLab.pythonPath');
  }
}

/**
 * Shows an error at a place in a source file, the file named as the workspace names it (the full path made the
 * message too long for a notification), with a button that opens the file there.
 */
async function showSourceError(message: string, place: SourcePlace): Promise<void> {
  const uri = vscode.Uri.file(place.file);
  const goTo = 'Go to Error';
  const pick = await vscode.window.showErrorMessage(message.split(place.file).join(vscode.workspace.asRelativePath(uri)), goTo);
  if (pick !== goTo) return;
  const at = new vscode.Position(Math.max(0, place.line - 1), Math.max(0, place.column - 1));
  await vscode.window.showTextDocument(uri, { selection: new vscode.Range(at, at) });
}

// What `Perf Lab: Optimize Function` gathers for a .py file: the function at the cursor and the Python target setting.
// The run itself is the one optimize flow (optimize-command.ts), on the interpreter the file runs with.
import type * as vscode from 'vscode';
import { pythonTargetChoice, type PythonTarget } from '../compiler/compile-python';

/** The top-level `def` the offset is in (the last one starting at or before it, at column 0), if any. */
export function pythonFunctionAt(text: string, offset: number): string | undefined {
  let found: string | undefined;
  const re = /^(?:async\s+)?def\s+(\w+)\s*\(/gm;
  for (let m = re.exec(text); m && m.index <= offset; m = re.exec(text)) found = m[1];
  return found;
}

/** The Python target settings of `cfg` (perfLab.pythonTarget where set, else what perfLab.target implies). */
export function pythonTargetSetting(cfg: vscode.WorkspaceConfiguration): PythonTarget | 'auto' {
  const set = cfg.inspect<string>('pythonTarget');
  return pythonTargetChoice(set?.workspaceFolderValue ?? set?.workspaceValue ?? set?.globalValue, cfg.get<string>('target'));
}

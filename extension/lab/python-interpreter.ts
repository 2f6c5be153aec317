// Which Python runs a profiled .py file: perfLab.pythonPath, else the Python extension's selected interpreter, else python3.
import * as vscode from 'vscode';

/** The part of the Python extension's public API (ms-python.python, `environments`) that is read here. */
interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } | undefined;
    resolveEnvironment(env: { path: string } | string): Promise<{ executable?: { uri?: vscode.Uri } } | undefined>;
  };
}

/** The interpreter for a file and where the choice came from, for the log and the panel. */
export async function pythonInterpreter(uri: vscode.Uri): Promise<{ path: string; from: string }> {
  const configured = vscode.workspace.getConfiguration('perfLab', uri).get<string>('pythonPath', '');
  if (configured) return { path: configured, from: 'perfLab.pythonPath' };
  const ext = vscode.extensions.getExtension<PythonExtensionApi>('ms-python.python');
  if (ext) {
    try {
      const api = ext.isActive ? ext.exports : await ext.activate();
      const active = api?.environments?.getActiveEnvironmentPath(uri);
      const env = active ? await api.environments!.resolveEnvironment(active) : undefined;
      const executable = env?.executable?.uri?.fsPath;
      if (executable) return { path: executable, from: 'the Python extension' };
    } catch {
      // An extension that fails to answer leaves the default.
    }
  }
  return { path: 'python3', from: 'python3 on PATH' };
}

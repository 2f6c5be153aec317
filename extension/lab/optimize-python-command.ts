// `Perf Lab: Optimize Function` on a .py file: record → compile (Numba, or all three targets when perfLab.target is
// auto) → prove → benchmark, with progress and Cancel, on the interpreter the file runs with. The results go to the
// Perf Lab log and a notification that offers Apply for each proven target, as one undoable workspace edit.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { planApplyPython } from '../apply/apply-python';
import type { PythonBenchResult } from '../bench/bench-python';
import { PYTHON_TARGETS, pythonTargetName, type PythonCandidate, type PythonTarget } from '../compiler/compile-python';
import { formatRefusal } from '../compiler/refusal';
import { CancelledError, PerfLabError, userMessage } from '../errors';
import type { ProgressSink } from '../progress';
import { describePythonProof, type PythonProof } from '../prove/prove-python';
import type { OptimizeCommandDeps } from './optimize-command';
import { reportFailure } from './command-helpers';
import { pythonInterpreter } from './python-interpreter';

/** The top-level `def` the offset is in (the last one starting at or before it, at column 0), if any. */
export function pythonFunctionAt(text: string, offset: number): string | undefined {
  let found: string | undefined;
  const re = /^(?:async\s+)?def\s+(\w+)\s*\(/gm;
  for (let m = re.exec(text); m && m.index <= offset; m = re.exec(text)) found = m[1];
  return found;
}

type Outcome =
  | { kind: 'refused'; text: string; line: number; column: number }
  | { kind: 'done'; proven: { candidate: PythonCandidate; proof: PythonProof }[]; bench?: PythonBenchResult; failed: string[]; python: string };

/** Runs the Python pipeline for `name` in the .py file `uri` (the workspace is trusted: the caller checked). */
export async function optimizePythonCommand(deps: OptimizeCommandDeps, uri: vscode.Uri, name: string): Promise<void> {
  const { log } = deps;
  const doc = await vscode.workspace.openTextDocument(uri);
  if (doc.isDirty) await doc.save();
  const file = uri.fsPath;
  const source = doc.getText();
  const cfg = vscode.workspace.getConfiguration('perfLab', uri);
  const interpreter = await pythonInterpreter(uri);
  const targets: PythonTarget[] = cfg.get<string>('target', 'wasm') === 'auto' ? [...PYTHON_TARGETS] : ['numba'];
  const store = deps.storage.fsPath;
  log.info(`optimizing ${name} in ${file} with ${interpreter.path} (${interpreter.from}) for ${targets.map(pythonTargetName).join(', ')}`);
  try {
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Perf Lab: optimizing ${name}`, cancellable: true },
      async (progress, token): Promise<Outcome> => {
        const abort = new AbortController();
        const sub = token.onCancellationRequested(() => abort.abort());
        const report: ProgressSink = (e) => progress.report({ message: e.message });
        const stage = { signal: abort.signal, progress: report };
        try {
          const { loadPythonRecording, recordPython, recordedPyParamTypes } = await import('../record/record-python');
          const { probePython } = await import('../profile/python-runner');
          const python = (await probePython(interpreter.path)).execPath;
          let rec = await loadPythonRecording(store, file, name);
          if (!rec) {
            rec = await recordPython(
              { file, functionName: name, python, args: cfg.get<string[]>('args', []), timeoutMs: cfg.get<number>('timeout', 60) * 1000, onOutput: (_s, text) => log.append(text) },
              store,
              stage,
            );
          }
          log.info(`${rec.calls.length} of ${rec.totalCalls} calls of ${name} recorded (${rec.runtimeVersion})`);
          const { selectPythonKernel } = await import('../compiler/frontend-py');
          const selected = await selectPythonKernel({ python, file, fileName: path.basename(file), functionName: name, params: recordedPyParamTypes(rec), signal: abort.signal });
          if (!selected.ok) return { kind: 'refused', text: formatRefusal(selected.refusal), line: selected.refusal.line, column: selected.refusal.column };
          const { compilePython } = await import('../compiler/compile-python');
          const { provePython } = await import('../prove/prove-python');
          const failed: string[] = [];
          const proven: { candidate: PythonCandidate; proof: PythonProof }[] = [];
          for (const t of targets) {
            let candidate: PythonCandidate;
            try {
              candidate = await compilePython(selected.kernel, t, { ...stage, python, cacheDir: path.join(store, 'python') });
            } catch (e) {
              if (targets.length === 1 || e instanceof CancelledError) throw e;
              failed.push(`${pythonTargetName(t)}: ${userMessage(e)}`);
              continue;
            }
            const proof = await provePython(candidate, rec, { ...stage, python });
            log.info(describePythonProof(proof, name).trimEnd());
            if (proof.ok) proven.push({ candidate, proof });
            else failed.push(`${pythonTargetName(t)}: not proven (${proof.reason ?? 'see the log'})`);
          }
          if (proven.length === 0) return { kind: 'done', proven, failed, python };
          const { benchPython } = await import('../bench/bench-python');
          const timeMs = Math.max(0.05, cfg.get<number>('benchmarkTime', 1.5)) * 1000;
          const bench = await benchPython(proven.map((p) => p.candidate), rec, { ...stage, python, timeMs });
          for (const v of bench.variants) log.info(`${name} ${v.name}: median ${v.median.toPrecision(4)} ms per call (±${v.rme.toFixed(1)}%, ${v.samples} samples)`);
          for (const t of bench.targets) log.info(`${name} ${t.name}: ${t.recommendation}`);
          return { kind: 'done', proven, bench, failed, python };
        } finally {
          sub.dispose();
        }
      },
    );

    if (outcome.kind === 'refused') {
      deps.lenses.noteRefusal(file, name, outcome.text);
      log.warn(`refused ${name}: ${outcome.text}`);
      const go = 'Go to Line';
      const pick = await vscode.window.showWarningMessage(`Perf Lab: ${name} cannot be compiled to ${targets.map(pythonTargetName).join(' or ')}: ${outcome.text}`, go);
      if (pick === go) {
        const pos = new vscode.Position(Math.max(0, outcome.line - 1), Math.max(0, outcome.column - 1));
        await vscode.window.showTextDocument(uri, { selection: new vscode.Range(pos, pos) });
      }
      return;
    }
    deps.lenses.noteRefusal(file, name, undefined);
    if (outcome.proven.length === 0) {
      void vscode.window.showWarningMessage(`Perf Lab: no rewrite of ${name} was proven equal to the original. ${outcome.failed.join(' ')}`);
      return;
    }
    const byTarget = new Map(outcome.bench!.targets.map((t) => [t.target, t]));
    const summary = outcome.proven
      .map((p) => {
        const t = byTarget.get(p.candidate.target)!;
        return `${t.name} ${t.speedup.estimate.toFixed(1)}× (${t.verdict}), proven on ${p.proof.cases} cases`;
      })
      .join('; ');
    const choices = outcome.proven.map((p) => `Apply ${pythonTargetName(p.candidate.target)}`);
    const pick = await vscode.window.showInformationMessage(`Perf Lab: ${name}: ${summary}.${outcome.failed.length ? ` ${outcome.failed.join(' ')}` : ''}`, ...choices);
    const chosen = outcome.proven.find((p) => pick === `Apply ${pythonTargetName(p.candidate.target)}`);
    if (chosen) await applyPython(deps, uri, source, name, chosen, outcome.python);
  } catch (e) {
    reportFailure(log, e);
  }
}

/** Writes the proven rewrite as one undoable workspace edit (generated files and the source edit) and saves. */
async function applyPython(deps: OptimizeCommandDeps, uri: vscode.Uri, source: string, name: string, chosen: { candidate: PythonCandidate; proof: PythonProof }, python: string): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(uri);
  if (doc.getText() !== source) throw new PerfLabError(`${path.basename(uri.fsPath)} changed since ${name} was optimized: run Optimize Function again.`);
  const plan = await planApplyPython({ file: uri.fsPath, source, functionName: name, candidate: chosen.candidate, proof: chosen.proof, python });
  const edit = new vscode.WorkspaceEdit();
  const meta: vscode.WorkspaceEditEntryMetadata = { label: `Perf Lab: run ${name} as ${pythonTargetName(chosen.candidate.target)}`, needsConfirmation: false };
  for (const f of plan.files) edit.createFile(vscode.Uri.file(f.path), { overwrite: true, contents: f.contents }, meta);
  for (const e of plan.textEdits) edit.replace(uri, new vscode.Range(doc.positionAt(e.start), doc.positionAt(e.end)), e.text, meta);
  if (!(await vscode.workspace.applyEdit(edit))) throw new PerfLabError(`The editor did not apply the edit of ${path.basename(uri.fsPath)} (is the file read-only?)`);
  await doc.save();
  deps.log.info(`applied: ${plan.summary}`);
  void vscode.window.showInformationMessage(`Perf Lab: applied ${pythonTargetName(chosen.candidate.target)}. Undo in ${path.basename(uri.fsPath)} (Ctrl+Z) reverts the edit and removes the generated files.`);
}

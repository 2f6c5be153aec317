// `Perf Lab: Optimize Function` on a .py file: record → compile (Numba, or all three targets when perfLab.target is
// auto) → prove → benchmark, with progress and Cancel, on the interpreter the file runs with. The results go to the
// Before/After panel, CPython against each target side by side, each proven one with its own Apply (one undoable
// workspace edit), and to the function's CodeLens.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PythonBenchResult } from '../bench/bench-python';
import { pythonTargetChoice, pythonTargetName, pythonTargetsOf, type PythonTarget } from '../compiler/compile-python';
import { formatRefusal } from '../compiler/refusal';
import { describePythonProof } from '../prove/prove-python';
import type { PythonRecording } from '../record/record-python';
import type { OptimizeCommandDeps } from './optimize-command';
import { measuredLensAdvice } from './optimize-advice';
import { pythonOptimizeData, type PythonTargetOutcome } from './optimize-data';
import { reportFailure } from './command-helpers';
import { pythonInterpreter } from './python-interpreter';
import { withStageProgress } from './stage-progress';

/** The top-level `def` the offset is in (the last one starting at or before it, at column 0), if any. */
export function pythonFunctionAt(text: string, offset: number): string | undefined {
  let found: string | undefined;
  const re = /^(?:async\s+)?def\s+(\w+)\s*\(/gm;
  for (let m = re.exec(text); m && m.index <= offset; m = re.exec(text)) found = m[1];
  return found;
}

type Outcome =
  | { kind: 'refused'; text: string; line: number; column: number }
  | { kind: 'done'; outcomes: PythonTargetOutcome[]; bench?: PythonBenchResult; rec: PythonRecording; reused: boolean; python: string; version: string };

/** Runs the Python pipeline for `name` in the .py file `uri` (the workspace is trusted: the caller checked). */
export async function optimizePythonCommand(deps: OptimizeCommandDeps, uri: vscode.Uri, name: string): Promise<void> {
  const { log } = deps;
  const doc = await vscode.workspace.openTextDocument(uri);
  if (doc.isDirty) await doc.save();
  const file = uri.fsPath;
  const source = doc.getText();
  const cfg = vscode.workspace.getConfiguration('perfLab', uri);
  const interpreter = await pythonInterpreter(uri);
  const targets = pythonTargetsOf(pythonTargetSetting(cfg));
  const store = deps.storage.fsPath;
  log.info(`optimizing ${name} in ${file} with ${interpreter.path} (${interpreter.from}) for ${targets.map(pythonTargetName).join(', ')}`);
  try {
    // Before recording: a name or a file that would stop Apply is reported at once, not after the benchmark.
    await (await import('../apply/apply-python')).checkPythonApplyClashes({ file, source, functionName: name, targets });
    const outcome = await withStageProgress(`Perf Lab: optimizing ${name}`, async (stage): Promise<Outcome> => {
      const { loadPythonRecording, recordPython, recordedPyParamTypes } = await import('../record/record-python');
      const { probePython } = await import('../profile/python-runner');
      const runtime = await probePython(interpreter.path);
      const python = runtime.execPath;
      let rec = await loadPythonRecording(store, file, name);
      const reused = rec !== undefined;
      if (!rec) {
        rec = await recordPython(
          { file, functionName: name, python: runtime, args: cfg.get<string[]>('args', []), timeoutMs: cfg.get<number>('timeout', 60) * 1000, onOutput: (_s, text) => log.append(text) },
          store,
          stage,
        );
      }
      log.info(`${rec.calls.length} of ${rec.totalCalls} calls of ${name} recorded (${rec.runtimeVersion})`);
      const { selectPythonKernel } = await import('../compiler/frontend-py');
      const selected = await selectPythonKernel({ python, file, fileName: path.basename(file), functionName: name, params: recordedPyParamTypes(rec), signal: stage.signal });
      if (!selected.ok) return { kind: 'refused', text: formatRefusal(selected.refusal), line: selected.refusal.line, column: selected.refusal.column };
      const { buildAndProvePython } = await import('../python-targets');
      const outcomes = await buildAndProvePython(selected.kernel, targets, rec, { ...stage, python, cacheDir: path.join(store, 'python') }, {
        unavailable: (t, message) => log.warn(`${pythonTargetName(t)} is not available: ${message}`),
        proved: (proof) => log.info(describePythonProof(proof, name).trimEnd()),
      });
      const proven = outcomes.filter((o) => o.proof?.ok);
      const base = { kind: 'done' as const, outcomes, rec, reused, python, version: runtime.version };
      if (proven.length === 0) return base;
      const { benchPython } = await import('../bench/bench-python');
      const timeMs = Math.max(0.05, cfg.get<number>('benchmarkTime', 1.5)) * 1000;
      const bench = await benchPython(proven.map((p) => p.candidate!), rec, { ...stage, python, timeMs });
      for (const v of bench.variants) log.info(`${name} ${v.name}: median ${v.median.toPrecision(4)} ms per call (±${v.rme.toFixed(1)}%, ${v.samples} samples)`);
      for (const t of bench.targets) log.info(`${name} ${t.name}: ${t.recommendation}`);
      return { ...base, bench };
    });

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
    const { rec } = outcome;
    const { data, targets: views } = pythonOptimizeData({
      file,
      functionName: name,
      line: rec.line,
      recording: { calls: rec.calls.length, totalCalls: rec.totalCalls, recordedAt: rec.recordedAt, reused: outcome.reused },
      runtime: `Python ${outcome.version} (${outcome.python}, ${interpreter.from})`,
      outcomes: outcome.outcomes,
      ...(outcome.bench ? { bench: outcome.bench } : {}),
    });
    // The lens shows what was just measured without waiting for the next edit or save.
    const measured = measuredLensAdvice(views, 'Python');
    deps.lenses.noteResult(file, name, measured ? { ...measured, source } : undefined);
    deps.optimizeViews.show({ uri, source, functionName: name, outcomes: outcome.outcomes, ...(data.target ? { chosen: data.target } : {}), python: outcome.python, targets: views, data });
    if (!outcome.outcomes.some((o) => o.proof?.ok)) {
      void vscode.window.showWarningMessage(`Perf Lab: no rewrite of ${name} was proven equal to the original; the Before/After panel says why for each target.`);
    }
  } catch (e) {
    reportFailure(log, e);
  }
}

/** The Python target settings of `cfg` (perfLab.pythonTarget where set, else what perfLab.target implies). */
function pythonTargetSetting(cfg: vscode.WorkspaceConfiguration): PythonTarget | 'auto' {
  const set = cfg.inspect<string>('pythonTarget');
  return pythonTargetChoice(set?.workspaceFolderValue ?? set?.workspaceValue ?? set?.globalValue, cfg.get<string>('target'));
}

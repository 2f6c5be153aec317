// The apply stage for Python: the candidate's generated modules (and built files) go next to the source; the original
// function is renamed `_<name>_py` and kept as the fallback, and a new `<name>` with the same parameters, placed right
// after it, calls the compiled version through its wrapper, or the original when the compiled module does not import
// (its package missing, another interpreter) or the wrapper declines the arguments. One plan: files and text edits,
// written by the command line or turned into one undoable WorkspaceEdit by the editor.
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pythonTargetName, type PythonCandidate } from '../compiler/compile-python';
import { exportPythonAst, type PyNode } from '../compiler/frontend-py';
import { PerfLabError } from '../errors';
import type { PythonProof } from '../prove/prove-python';
import { textHash, type ApplyPlan, type PlannedFile, type TextEdit } from './apply';

export interface PythonApplyRequest {
  /** Absolute path of the .py file. */
  file: string;
  /** The source text the candidate was compiled from. */
  source: string;
  functionName: string;
  candidate: PythonCandidate;
  proof: PythonProof;
  /** The interpreter that parses the file (the user's). */
  python: string;
}

/** UTF-16 offset of the start of each line (index 0 is line 1). */
function lineStarts(text: string): number[] {
  const out = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') out.push(i + 1);
  return out;
}

/** A name for the kept original that the file does not use yet. */
function fallbackName(source: string, functionName: string): string {
  for (let k = 1; ; k++) {
    const name = `_${functionName}_py${k === 1 ? '' : k}`;
    if (!new RegExp(`\\b${name}\\b`).test(source)) return name;
  }
}

/** The plan: the generated files beside the source, the original renamed, the new function after it. */
export async function planApplyPython(req: PythonApplyRequest): Promise<ApplyPlan> {
  const { file, source, functionName, candidate, proof } = req;
  if (!proof.ok) throw new PerfLabError(`${functionName} is not proven equal to its ${pythonTargetName(candidate.target)} version, so it is not applied.`);
  const current = await readFile(file, 'utf8').catch(() => undefined);
  if (current !== source) throw new PerfLabError(`${basename(file)} changed since ${functionName} was compiled; nothing was written. Optimize it again.`);
  const ast = await exportPythonAst(req.python, file, functionName);
  if (!ast.ok) throw new PerfLabError(`${basename(file)} has no top-level function named ${functionName} any more (${ast.message}). Save the file and optimize again.`);
  const def = ast.functions[functionName] as PyNode & { endLine?: number };
  const starts = lineStarts(source);
  const defLine = def.line ?? 1;
  const endLine = def.endLine ?? defLine;
  const lineText = source.slice(starts[defLine - 1], starts[defLine] ?? source.length);
  const m = new RegExp(`^(\\s*def\\s+)${functionName}(\\s*\\()`).exec(lineText);
  if (!m) throw new PerfLabError(`The definition of ${functionName} on line ${defLine} of ${basename(file)} does not start with "def ${functionName}(" on one line; apply cannot rename it safely.`);
  const keep = fallbackName(source, functionName);
  const params = (((def.args as PyNode).args as PyNode[]) ?? []).map((p) => String(p.arg));
  const fast = `_${functionName}_${candidate.target}`;
  const name = pythonTargetName(candidate.target);
  const module = candidate.moduleName;
  const nameStart = starts[defLine - 1]! + m[1]!.length;
  const endOfFunction = starts[endLine] ?? source.length;
  const newline = source.slice(0, endOfFunction).endsWith('\n') ? '' : '\n';
  const block = [
    newline,
    '',
    `# Perf Lab: ${functionName} runs its ${name} version (${module}.py beside this file) when that module imports and`,
    `# the arguments have the types it was compiled for; otherwise the original, kept above as ${keep}.`,
    'try:',
    `    from ${module} import ${candidate.kernel.ir.entry} as ${fast}`,
    'except Exception:',
    `    ${fast} = None`,
    '',
    '',
    `def ${functionName}(${params.join(', ')}):`,
    `    if ${fast} is None:`,
    `        return ${keep}(${params.join(', ')})`,
    `    return ${fast}(${keep}${params.map((p) => `, ${p}`).join('')})`,
    '',
  ].join('\n');
  const textEdits: TextEdit[] = [
    { start: nameStart, end: nameStart + functionName.length, text: keep },
    { start: endOfFunction, end: endOfFunction, text: block },
  ];
  const dir = dirname(file);
  const files: PlannedFile[] = [];
  for (const [rel, text] of Object.entries(candidate.files)) files.push({ path: join(dir, rel), contents: new TextEncoder().encode(text), role: 'module' });
  for (const rel of candidate.artifacts) files.push({ path: join(dir, rel), contents: await readFile(join(candidate.dir, rel)), role: 'module' });
  const written = files.map((f) => basename(f.path)).join(', ');
  return {
    file,
    functionName,
    fallbackName: keep,
    format: 'py',
    files,
    textEdits,
    sourceHash: textHash(source),
    summary: `${functionName} now calls its ${name} version (${written}, beside ${basename(file)}); the original stays in the file as ${keep}, which runs when the compiled module does not import or declines the arguments. Undo reverts the edit.`,
  };
}

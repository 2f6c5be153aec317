// The apply stage for Python: the candidate's generated modules (and built files) go next to the source; the original
// function is renamed `_<name>_py` and kept as the fallback, and a new `<name>` with the same parameters, placed right
// after it, calls the compiled version through its wrapper, or the original when the compiled module does not import
// (its package missing, another interpreter) or the wrapper declines the arguments. One plan: files and text edits,
// written by the command line or turned into one undoable WorkspaceEdit by the editor.
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  pythonFunctionIdent,
  pythonModuleName,
  pythonTargetIdent,
  pythonTargetName,
  type PythonCandidate,
  type PythonTarget,
} from '../compiler/compile-python';
import { exportPythonAst, type PyNode } from '../compiler/frontend-py';
import { PerfLabError } from '../errors';
import type { PythonProof } from '../prove/prove-python';
import { textHash, type ApplyPlan, type PlannedFile, type TextEdit } from './apply';
import { binaryHash, checkGeneratedTargets, commentFor, identityLine, type GeneratedIdentity, type GeneratedTarget } from './generated-file';

/** Every Python target, whose fast names (`_<fn>_<target>`) an earlier rewrite leaves in the source. */
const PY_TARGETS: readonly PythonTarget[] = ['numba', 'cython', 'pybind11', 'numba-parallel', 'cython-parallel', 'processes', 'ray', 'dask'];

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

/** Refuses a source that already uses a name the rewrite adds at module level (`_<fn>_numba`, …): an earlier rewrite, or the user's own. */
function checkPythonSourceNames(file: string, source: string, functionName: string): void {
  for (const t of PY_TARGETS) {
    const taken = `_${pythonFunctionIdent(functionName)}_${pythonTargetIdent(t)}`;
    if (new RegExp(`\\b${taken}\\b`).test(source)) {
      throw new PerfLabError(
        `${basename(file)} already uses the name ${taken}: ${functionName} looks optimized already. Undo the earlier rewrite first, or rename ${taken}.`,
      );
    }
  }
}

/** A generated file's name → how it carries its identity: a source text has a header line, a built module does not. */
function kindOf(name: string): 'text' | 'binary' {
  return /\.(py|pyx|pxd|pyi|c|cc|cpp|h|hpp)$/i.test(name) ? 'text' : 'binary';
}

/**
 * The checks apply makes that need no compiled candidate, run before recording: the names the rewrite adds to the
 * source, and the files it would write beside it for each target (`<module>.py` and every `<module>_kernel*`), none of
 * which may be a file Perf Lab did not write. Throws a PerfLabError that says what to do.
 */
export async function checkPythonApplyClashes(req: { file: string; source?: string; functionName: string; targets: readonly PythonTarget[] }): Promise<void> {
  const { file, functionName } = req;
  // Without a readable file there is nothing to check; the recording says what is wrong with the path.
  const source = req.source ?? (await readFile(file, 'utf8').catch(() => undefined));
  if (source === undefined) return;
  checkPythonSourceNames(file, source, functionName);
  const dir = dirname(file);
  const entries = await readdir(dir).catch(() => [] as string[]);
  for (const target of req.targets) {
    const module = pythonModuleName(basename(file), functionName, target);
    const wrapper = join(dir, `${module}.py`);
    const targets: GeneratedTarget[] = [
      { path: wrapper, kind: 'text' },
      ...entries.filter((e) => e.startsWith(`${module}_kernel`)).map((e) => ({ path: join(dir, e), kind: kindOf(e) })),
    ];
    await checkGeneratedTargets(file, functionName, targets, wrapper);
  }
}

/** The plan: the generated files beside the source, the original renamed, the new function after it. */
export async function planApplyPython(req: PythonApplyRequest): Promise<ApplyPlan> {
  const { file, source, functionName, candidate, proof } = req;
  if (!proof.ok) throw new PerfLabError(`${functionName} is not proven equal to its ${pythonTargetName(candidate.target)} version, so it is not applied.`);
  const current = await readFile(file, 'utf8').catch(() => undefined);
  if (current !== source) throw new PerfLabError(`${basename(file)} changed since ${functionName} was compiled; nothing was written. Optimize it again.`);
  const ast = await exportPythonAst(req.python, file, functionName);
  if (!ast.ok)
    throw new PerfLabError(`${basename(file)} has no top-level function named ${functionName} any more (${ast.message}). Save the file and optimize again.`);
  // A method (`Particles.step`): its def in the class, renamed and followed by the new method there; the compiled
  // version is imported before the class statement, at the top level.
  const method = ast.method;
  const shortName = method ? method.method : functionName;
  const def = ast.functions[ast.entry] as PyNode & { endLine?: number };
  const starts = lineStarts(source);
  const defLine = def.line ?? 1;
  const endLine = def.endLine ?? defLine;
  const lineText = source.slice(starts[defLine - 1], starts[defLine] ?? source.length);
  const m = new RegExp(`^(\\s*def\\s+)${shortName}(\\s*\\()`).exec(lineText);
  if (!m)
    throw new PerfLabError(
      `The definition of ${functionName} on line ${defLine} of ${basename(file)} does not start with "def ${shortName}(" on one line; apply cannot rename it safely.`,
    );
  checkPythonSourceNames(file, source, functionName);
  const keep = fallbackName(source, shortName);
  const params = (((def.args as PyNode).args as PyNode[]) ?? []).map((p) => String(p.arg));
  // Parameters with defaults keep them: the very objects the original holds (a module-level list stays that list).
  const defaults = (((def.args as PyNode).defaults as PyNode[]) ?? []).length;
  const signature = params.map((p, i) => (i >= params.length - defaults ? `${p}=${keep}.__defaults__[${i - (params.length - defaults)}]` : p));
  const fast = `_${pythonFunctionIdent(functionName)}_${pythonTargetIdent(candidate.target)}`;
  const name = pythonTargetName(candidate.target);
  const module = candidate.moduleName;
  const nameStart = starts[defLine - 1]! + m[1]!.length;
  const endOfFunction = starts[endLine] ?? source.length;
  const newline = source.slice(0, endOfFunction).endsWith('\n') ? '' : '\n';
  const importLines = ['try:', `    from ${module} import ${candidate.entry} as ${fast}`, 'except Exception:', `    ${fast} = None`];
  const textEdits: TextEdit[] = [{ start: nameStart, end: nameStart + shortName.length, text: keep }];
  if (method) {
    // Indented as the method; the original is reached through the class the method is defined in (__class__), so
    // that rebinding the class's name changes nothing.
    const indent = /^\s*/.exec(lineText)![0];
    const classStart = starts[method.start - 1]!;
    textEdits.push({
      start: classStart,
      end: classStart,
      text: [
        `# Perf Lab: ${functionName} runs its ${name} version (${module}.py beside this file) when that module imports and`,
        `# self's attributes and the arguments have the types it was compiled for; otherwise the original, kept as ${method.class}.${keep}.`,
        ...importLines,
        '',
        '',
        '',
      ].join('\n'),
    });
    const call = params.join(', ');
    const lines = [
      `def ${shortName}(${signature.join(', ')}):`,
      `    if ${fast} is None:`,
      `        return __class__.${keep}(${call})`,
      `    return ${fast}(__class__.${keep}, ${call})`,
    ];
    textEdits.push({ start: endOfFunction, end: endOfFunction, text: [newline, ...lines.map((l) => indent + l), ''].join('\n') });
  } else {
    const block = [
      newline,
      '',
      `# Perf Lab: ${functionName} runs its ${name} version (${module}.py beside this file) when that module imports and`,
      `# the arguments have the types it was compiled for; otherwise the original, kept above as ${keep}.`,
      ...importLines,
      '',
      '',
      `def ${functionName}(${signature.join(', ')}):`,
      `    if ${fast} is None:`,
      `        return ${keep}(${params.join(', ')})`,
      `    return ${fast}(${keep}${params.map((p) => `, ${p}`).join('')})`,
      '',
    ].join('\n');
    textEdits.push({ start: endOfFunction, end: endOfFunction, text: block });
  }
  const dir = dirname(file);
  const enc = new TextEncoder();
  const id: GeneratedIdentity = { source: basename(file), function: functionName, sourceHash: textHash(source) };
  // Built modules first: the wrapper's header records their hashes, which is how a later apply knows them for its own.
  const planned: Omit<PlannedFile, 'replaces'>[] = [];
  const artifacts: Record<string, string> = {};
  for (const rel of candidate.artifacts) {
    const contents = await readFile(join(candidate.dir, rel));
    artifacts[rel] = binaryHash(contents);
    planned.push({ path: join(dir, rel), contents, role: 'module', kind: 'binary' });
  }
  const wrapperName = `${module}.py`;
  for (const [rel, text] of Object.entries(candidate.files)) {
    const header = identityLine(commentFor(rel), rel === wrapperName ? { ...id, artifacts } : id);
    planned.push({ path: join(dir, rel), contents: enc.encode(header + text), role: 'module', kind: 'text', body: enc.encode(text) });
  }
  const manifest = join(dir, wrapperName);
  const existing = await checkGeneratedTargets(file, functionName, planned, manifest);
  const files: PlannedFile[] = planned.map((f) => ({ ...f, replaces: existing.has(f.path) }));
  const written = files.map((f) => basename(f.path)).join(', ');
  return {
    file,
    functionName,
    fallbackName: keep,
    format: 'py',
    files,
    textEdits,
    sourceHash: textHash(source),
    manifest,
    summary: `${functionName} now calls its ${name} version (${written}, beside ${basename(file)}); the original stays in the file as ${method ? `${method.class}.${keep}` : keep}, which runs when the compiled module does not import or declines the arguments. Undo reverts the edit.`,
  };
}

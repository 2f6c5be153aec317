// The source transform that lets a run record one function: the declaration is renamed to an internal name and,
// on the line where it ends, a wrapper with the original name hands every call to the recorder. No line moves,
// so stack traces and the program's own line numbers stay as they were.
import type * as TS from 'typescript';
import { assertParses } from '../compiler/parse-check';
import { PerfLabError } from '../errors';

/** The registry key of the recorder the preload installs on globalThis. */
export const RECORD_KEY = 'perf-lab.record';

/** The internal name the original function gets while a run records it. */
export function internalName(functionName: string): string {
  return `__perfLab$${functionName}`;
}

export interface Instrumented {
  code: string;
  /** 1-based line of the declaration. */
  line: number;
  /** Number of parameters the declaration has. */
  arity: number;
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

function applyEdits(source: string, edits: Edit[]): string {
  let out = source;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** The wrapper: calls the recorder when one is installed, the original otherwise (e.g. in a worker thread). */
function wrapperBody(functionName: string): string {
  const inner = internalName(functionName);
  return `{ const r = globalThis[Symbol.for(${JSON.stringify(RECORD_KEY)})]; return r ? r(${inner}, this, args) : ${inner}.apply(this, args); }`;
}

/**
 * Rewrites `source` so that calls of `functionName` (a top-level function declaration, or a const/let/var bound
 * to an arrow function or function expression) go through the recorder. Throws a {@link PerfLabError} when the
 * file has no such function.
 */
export function instrumentSource(ts: typeof TS, source: string, fileName: string, functionName: string): Instrumented {
  const typed = /\.[cm]?tsx?$/i.test(fileName);
  const kind = typed ? (/x$/i.test(fileName) ? ts.ScriptKind.TSX : ts.ScriptKind.TS) : /x$/i.test(fileName) ? ts.ScriptKind.JSX : ts.ScriptKind.JS;
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, kind);
  assertParses(ts, sf);
  const params = typed ? '(this: any, ...args: any[]): any' : '(...args)';
  const lineOf = (pos: number) => sf.getLineAndCharacterOfPosition(pos).line + 1;
  const inner = internalName(functionName);

  for (const st of sf.statements) {
    if (ts.isFunctionDeclaration(st) && st.name?.text === functionName && st.body) {
      const mods = st.modifiers ?? [];
      const isExport = mods.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
      const isDefault = mods.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
      const isAsync = mods.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword);
      const edits: Edit[] = [{ start: st.name.getStart(sf), end: st.name.end, text: inner }];
      // A default export moves to the wrapper; blanks keep the columns of the rest of the line.
      if (isDefault) {
        for (const m of mods)
          if (m.kind === ts.SyntaxKind.ExportKeyword || m.kind === ts.SyntaxKind.DefaultKeyword)
            edits.push({ start: m.getStart(sf), end: m.end, text: ' '.repeat(m.end - m.getStart(sf)) });
      }
      const prefix = isDefault ? 'export default ' : isExport ? 'export ' : '';
      const star = st.asteriskToken ? '*' : '';
      if (star) throw new PerfLabError(`${functionName} is a generator function: Perf Lab records and compiles plain numeric functions only.`);
      edits.push({ start: st.end, end: st.end, text: `; ${prefix}${isAsync ? 'async ' : ''}function ${functionName}${params} ${wrapperBody(functionName)}` });
      return { code: applyEdits(source, edits), line: lineOf(st.getStart(sf)), arity: st.parameters.length };
    }
    if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) {
        if (!ts.isIdentifier(d.name) || d.name.text !== functionName || !d.initializer) continue;
        const init = d.initializer;
        if (!ts.isArrowFunction(init) && !ts.isFunctionExpression(init)) {
          throw new PerfLabError(
            `${functionName} in ${fileName} is not a function (it is bound to ${ts.SyntaxKind[init.kind]}). Choose a function declaration or a const bound to an arrow function.`,
          );
        }
        const flags = st.declarationList.flags;
        const keyword = flags & ts.NodeFlags.Const ? 'const' : flags & ts.NodeFlags.Let ? 'let' : 'var';
        const isExport = st.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
        // The type annotation stays with the original; the wrapper is typed loosely.
        const edits: Edit[] = [
          { start: d.name.getStart(sf), end: d.name.end, text: inner },
          {
            start: st.end,
            end: st.end,
            text: `; ${isExport ? 'export ' : ''}${keyword} ${functionName} = function ${functionName}${params} ${wrapperBody(functionName)};`,
          },
        ];
        return { code: applyEdits(source, edits), line: lineOf(st.getStart(sf)), arity: init.parameters.length };
      }
    }
  }
  throw new PerfLabError(
    `${fileName} has no top-level function named ${functionName}. Perf Lab records function declarations and consts bound to arrow functions or function expressions; check the name (it is case-sensitive).`,
  );
}

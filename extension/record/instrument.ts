// The source transform that lets a run record one function: the declaration is renamed to an internal name and,
// on the line where it ends, a wrapper with the original name hands every call to the recorder. No line moves,
// so stack traces and the program's own line numbers stay as they were.
import type * as TS from 'typescript';
import { closureScope, findJsFunction, usesThis, type JsFunctionNode } from '../compiler/js-functions';
import { moduleDataOfFunction, moduleDataValue } from '../compiler/module-data';
import { analyseModuleScope } from '../compiler/module-scope';
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

/**
 * The wrapper: calls the recorder when one is installed, the original otherwise (e.g. in a worker thread). With the
 * file-level variables the function uses (`data`, module-data.ts), the recorded arguments are its `arity`
 * parameters and then those variables as compiled code takes them, read at each call; a call that cannot read one (a
 * let not initialised yet) runs unrecorded.
 */
function wrapperBody(functionName: string, arity: number, data: string[]): string {
  const inner = internalName(functionName);
  const open = `{ const r = globalThis[Symbol.for(${JSON.stringify(RECORD_KEY)})];`;
  if (data.length === 0) return `${open} return r ? r(${inner}, this, args) : ${inner}.apply(this, args); }`;
  const c = '__perfLab$c';
  const own = Array.from({ length: arity }, (_, i) => `args[${i}]`);
  const read = ` let ${c}; if (r) try { ${c} = [${data.join(', ')}]; } catch { ${c} = undefined; }`;
  return `${open}${read} return ${c} ? r(() => ${inner}.apply(this, args), this, [${[...own, `...${c}`].join(', ')}]) : ${inner}.apply(this, args); }`;
}

/** The file-level variables the function uses (module-data.ts), as the recorded arguments pass them. */
function hiddenData(ts: typeof TS, sf: TS.SourceFile, functionName: string): string[] {
  return moduleDataOfFunction(ts, sf, functionName).map(moduleDataValue);
}

/**
 * Rewrites `source` so that calls of `functionName` (a top-level function declaration, or a const/let/var bound
 * to an arrow function or function expression; or a method or nested function, by its qualified name) go through
 * the recorder. Throws a {@link PerfLabError} when the
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
      const data = hiddenData(ts, sf, functionName);
      const body = wrapperBody(functionName, st.parameters.length, data);
      edits.push({ start: st.end, end: st.end, text: `; ${prefix}${isAsync ? 'async ' : ''}function ${functionName}${params} ${body}` });
      return { code: applyEdits(source, edits), line: lineOf(st.getStart(sf)), arity: st.parameters.length + data.length };
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
        const data = hiddenData(ts, sf, functionName);
        const body = wrapperBody(functionName, init.parameters.length, data);
        const edits: Edit[] = [
          { start: d.name.getStart(sf), end: d.name.end, text: inner },
          {
            start: st.end,
            end: st.end,
            text: `; ${isExport ? 'export ' : ''}${keyword} ${functionName} = function ${functionName}${params} ${body};`,
          },
        ];
        return { code: applyEdits(source, edits), line: lineOf(st.getStart(sf)), arity: init.parameters.length + data.length };
      }
    }
  }
  const found = findJsFunction(ts, sf, functionName);
  if (found.ok && !found.fn.topLevel) return instrumentNested(ts, sf, source, functionName, found.fn.node);
  if (!found.ok) throw new PerfLabError(`${found.reason}.`);
  throw new PerfLabError(
    `${fileName} has no function named ${functionName} that Perf Lab can record: it records function declarations, functions bound to a variable or a property, and methods.`,
  );
}

/**
 * A method or a nested function, recorded where it is: its body becomes an arrow function of its parameters (so
 * `this`, `arguments` and `super` stay the function's own), which the function calls through the recorder. The
 * recorded arguments are its parameters, then the variables of the enclosing functions it reads (closureScope), as
 * compiled code takes them, and its object when it uses `this`; they are read at each call, and a call that cannot read one (a let not initialised yet)
 * runs unrecorded.
 */
function instrumentNested(ts: typeof TS, sf: TS.SourceFile, source: string, functionName: string, fn: JsFunctionNode): Instrumented {
  const line = sf.getLineAndCharacterOfPosition(fn.getStart(sf)).line + 1;
  const why = (what: string) => new PerfLabError(`${functionName} (line ${line}) ${what}: Perf Lab records and compiles plain numeric functions only.`);
  if (fn.asteriskToken) throw why('is a generator function');
  if (fn.modifiers?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) throw why('is an async function');
  const params: string[] = [];
  for (const p of fn.parameters) {
    if (!ts.isIdentifier(p.name) || p.dotDotDotToken || p.initializer) throw why('has a destructured, rest or default parameter');
    if (p.name.text !== 'this') params.push(p.name.text);
  }
  const closure = closureScope(ts, sf, analyseModuleScope(ts, sf), fn);
  // The enclosing functions' variables it reads, then the file's (module-data.ts), as compiled code takes them.
  // A method that uses this takes its object last (js-functions.ts usesThis).
  const captures = [
    ...('reason' in closure ? [] : closure.captures.map((c) => c.name)),
    ...hiddenData(ts, sf, functionName),
    ...(usesThis(ts, fn) ? ['this'] : []),
  ];
  const body = fn.body!;
  const paramText = fn.parameters
    .filter((p) => !(ts.isIdentifier(p.name) && p.name.text === 'this'))
    .map((p) => p.getText(sf))
    .join(', ');
  const r = '__perfLab$r';
  const f = '__perfLab$f';
  const c = '__perfLab$c';
  const call = `${f}(${params.join(', ')})`;
  const read = captures.length ? ` let ${c}; try { ${c} = [${captures.join(', ')}]; } catch { ${c} = undefined; }` : '';
  const recorded = captures.length ? `[${[...params, `...${c}`].join(', ')}]` : `[${params.join(', ')}]`;
  const when = captures.length ? `${r} && ${c}` : r;
  const open = `{ const ${r} = globalThis[Symbol.for(${JSON.stringify(RECORD_KEY)})]; const ${f} = (${paramText}) => `;
  const close = `;${read} return ${when} ? ${r}(() => ${call}, this, ${recorded}) : ${call}; }`;
  const block = ts.isBlock(body);
  const edits: Edit[] = [
    { start: body.getStart(sf), end: body.getStart(sf), text: block ? open : `${open}(` },
    { start: body.end, end: body.end, text: block ? close : `)${close}` },
  ];
  return { code: applyEdits(source, edits), line, arity: params.length + captures.length };
}

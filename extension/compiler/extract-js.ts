// The original function as a module of its own: the kernel, the functions it calls and the file's numeric
// constants (module-constants.ts), with TypeScript syntax removed. The proof and the benchmark import it instead of the whole file,
// whose top level may run a program.
import type * as TS from 'typescript';
import { moduleConstants } from './module-constants';
import { analyseModuleScope } from './module-scope';

/** ESM source exporting `functionName` with the same behaviour as in `source`. */
export function extractOriginal(ts: typeof TS, source: string, fileName: string, functionName: string, callees: string[]): string {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const wanted = new Set([functionName, ...callees]);
  const parts: string[] = [];
  // The file's numbers the compiled code may fold (module-constants.ts), so the original reads the same values.
  const constants = new Set([...moduleConstants(ts, sf, analyseModuleScope(ts, sf)).values()].map((c) => c.declaration));
  for (const st of sf.statements) {
    if (ts.isFunctionDeclaration(st) && st.name && wanted.has(st.name.text)) {
      const start = st.modifiers?.length ? st.modifiers.end : st.getStart(sf);
      parts.push(source.slice(start, st.end).trim());
    } else if (ts.isVariableStatement(st)) {
      const isConst = (st.declarationList.flags & ts.NodeFlags.Const) !== 0;
      for (const d of st.declarationList.declarations) {
        if (!ts.isIdentifier(d.name) || !d.initializer) continue;
        const init = d.initializer;
        const isFn = isConst && (ts.isArrowFunction(init) || ts.isFunctionExpression(init));
        if ((isFn && wanted.has(d.name.text)) || constants.has(d)) parts.push(`const ${d.getText(sf)};`);
      }
    }
  }
  parts.push(`export { ${functionName} };`);
  const text = parts.join('\n\n') + '\n';
  if (!/\.[cm]?tsx?$/.test(fileName)) return text;
  return ts.transpileModule(text, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;
}

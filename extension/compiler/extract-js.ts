// The original function as a module of its own: the kernel, the functions it calls and the file's numeric
// constants, with TypeScript syntax removed. The proof and the benchmark import it instead of the whole file,
// whose top level may run a program.
import type * as TS from 'typescript';

/** ESM source exporting `functionName` with the same behaviour as in `source`. */
export function extractOriginal(ts: typeof TS, source: string, fileName: string, functionName: string, callees: string[]): string {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const wanted = new Set([functionName, ...callees]);
  const parts: string[] = [];
  for (const st of sf.statements) {
    if (ts.isFunctionDeclaration(st) && st.name && wanted.has(st.name.text)) {
      const start = st.modifiers?.length ? st.modifiers.end : st.getStart(sf);
      parts.push(source.slice(start, st.end).trim());
    } else if (ts.isVariableStatement(st) && st.declarationList.flags & ts.NodeFlags.Const) {
      for (const d of st.declarationList.declarations) {
        if (!ts.isIdentifier(d.name) || !d.initializer) continue;
        const init = d.initializer;
        const isFn = ts.isArrowFunction(init) || ts.isFunctionExpression(init);
        if ((isFn && wanted.has(d.name.text)) || (!isFn && isNumericConstant(ts, init))) parts.push(`const ${d.getText(sf)};`);
      }
    }
  }
  parts.push(`export { ${functionName} };`);
  const text = parts.join('\n\n') + '\n';
  if (!/\.[cm]?tsx?$/.test(fileName)) return text;
  return ts.transpileModule(text, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;
}

function isNumericConstant(ts: typeof TS, e: TS.Expression): boolean {
  if (ts.isParenthesizedExpression(e)) return isNumericConstant(ts, e.expression);
  if (ts.isNumericLiteral(e)) return true;
  if (ts.isPrefixUnaryExpression(e)) return isNumericConstant(ts, e.operand);
  return ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'Math';
}

// The original function as a module of its own: the kernel, the functions it calls and the file's numeric
// constants (module-constants.ts), with TypeScript syntax removed. The proof and the benchmark import it instead of the whole file,
// whose top level may run a program.
import type * as TS from 'typescript';
import { closureScope, findJsFunction, usesThis, type JsFunctionNode } from './js-functions';
import { moduleConstants } from './module-constants';
import { moduleDataOfFunction, type ModuleDatum } from './module-data';
import { analyseModuleScope, type ModuleScope } from './module-scope';

/** ESM source exporting `functionName` with the same behaviour as in `source`. */
export function extractOriginal(ts: typeof TS, source: string, fileName: string, functionName: string, callees: string[]): string {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const wanted = new Set([functionName, ...callees]);
  const parts: string[] = [];
  const scope = analyseModuleScope(ts, sf);
  // The file's numbers the compiled code may fold (module-constants.ts), so the original reads the same values.
  const folded = moduleConstants(ts, sf, scope);
  const constants = new Set([...folded.values()].map((c) => c.declaration));
  // A method or a nested function: made by a function of its closure's variables (below).
  const found = isTopLevelFunction(ts, sf, functionName) ? undefined : findJsFunction(ts, sf, functionName);
  const node = found?.ok ? found.fn.node : topLevelFunction(ts, sf, functionName);
  // The file-level variables it uses (module-data.ts): declared here, and set from the arguments after its own.
  const hidden = moduleDataOfFunction(ts, sf, functionName);
  const nested = found?.ok ? closureOf(ts, sf, scope, found.fn.node, functionName, hidden) : undefined;
  if (hidden.length) parts.push(`let ${hidden.map((d) => d.name).join(', ')};`);
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
  if (nested) parts.push(nested);
  else if (hidden.length && node) {
    const params = node.parameters.map((_, i) => `p${i}`);
    const L = [`function __perfLab$data(${[...params, ...hidden.map((_, i) => `m${i}`)].join(', ')}) {`];
    L.push(...withData(hidden, `${functionName}(${params.join(', ')})`));
    L.push('}', `export { __perfLab$data as ${JSON.stringify(functionName)} };`);
    parts.push(L.join('\n'));
  } else parts.push(`export { ${functionName} };`);
  const text = parts.join('\n\n') + '\n';
  if (!/\.[cm]?tsx?$/.test(fileName)) return text;
  return ts.transpileModule(text, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;
}

/** The function a top-level declaration of `name` binds (a declaration, or a variable bound to a function). */
function topLevelFunction(ts: typeof TS, sf: TS.SourceFile, name: string): JsFunctionNode | undefined {
  for (const st of sf.statements) {
    if (ts.isFunctionDeclaration(st) && st.name?.text === name && st.body) return st;
    if (!ts.isVariableStatement(st)) continue;
    for (const d of st.declarationList.declarations) {
      let init = ts.isIdentifier(d.name) && d.name.text === name ? d.initializer : undefined;
      while (init && ts.isParenthesizedExpression(init)) init = init.expression;
      if (init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))) return init;
    }
  }
  return undefined;
}

/**
 * The body of a function that takes the file-level variables (module-data.ts) after its own arguments, as `m0`, `m1`,
 * …: sets them, makes `call`, and writes the variables it assigns back into their cells. (The differential fuzzer's
 * originals are made the same way.)
 */
export function withData(data: readonly ModuleDatum[], call: string): string[] {
  const set = data.map((d, i) => `${d.name} = m${i}${d.cell ? '[0]' : ''};`);
  const back = data.flatMap((d, i) => (d.cell ? [`m${i}[0] = ${d.name};`] : []));
  if (data.length === 0) return [`  return ${call};`];
  return [`  ${set.join(' ')}`, `  const __perfLab$r = ${call};`, ...(back.length ? [`  ${back.join(' ')}`] : []), '  return __perfLab$r;'];
}

function isTopLevelFunction(ts: typeof TS, sf: TS.SourceFile, name: string): boolean {
  return sf.statements.some(
    (st) =>
      (ts.isFunctionDeclaration(st) && st.name?.text === name) ||
      (ts.isVariableStatement(st) && st.declarationList.declarations.some((d) => ts.isIdentifier(d.name) && d.name.text === name)),
  );
}

/**
 * A method or nested function as a module's export named by its qualified name: a function of the enclosing
 * functions' variables it reads (js-functions.ts closureScope) declares the functions of its closure as the file
 * writes them and returns it; the export takes its parameters, then those variables (the compiled signature), and
 * makes the closure again when they change. A method that uses `this` takes its object after them all.
 */
function closureOf(ts: typeof TS, sf: TS.SourceFile, scope: ModuleScope, fn: JsFunctionNode, exportName: string, data: readonly ModuleDatum[]): string {
  const closure = closureScope(ts, sf, scope, fn);
  const captures = 'reason' in closure ? [] : closure.captures.map((c) => c.name);
  const siblings = 'reason' in closure ? [] : closure.siblings;
  const text = (n: TS.Node) => n.getText(sf);
  const declared = (f: JsFunctionNode): string =>
    ts.isFunctionDeclaration(f) ? text(f) : ts.isVariableDeclaration(f.parent) ? `const ${text(f.parent)};` : '';
  const valueOf = (f: JsFunctionNode): string => {
    if (ts.isFunctionDeclaration(f)) return f.name!.text;
    if (ts.isVariableDeclaration(f.parent) && ts.isIdentifier(f.parent.name)) return f.parent.name.text;
    // A method keeps its syntax in an object literal (a class method is strict, as the module is).
    if (ts.isMethodDeclaration(f)) return `Object.values({ ${sf.text.slice(f.name.getStart(sf), f.end)} })[0]`;
    return `(${text(f)})`;
  };
  const params = fn.parameters.map((_, i) => `p${i}`);
  const hidden = captures.map((_, i) => `c${i}`);
  const L: string[] = [];
  L.push(`function __perfLab$closure(${captures.join(', ')}) {`);
  for (const f of [fn, ...siblings]) {
    const d = declared(f);
    if (d) L.push(d);
  }
  L.push(`  return ${valueOf(fn)};`);
  L.push('}');
  L.push('let __perfLab$made = null;');
  L.push('let __perfLab$with = [];');
  // A method that uses this takes its object last, and is called with it as this. The proof calls the export with
  // the object last; the loader's fallback calls it as the rewritten method calls the original, with the object as
  // this and the other arguments only (emitBind).
  const self = usesThis(ts, fn) ? ['__perfLab$this'] : [];
  const own = [...params, ...hidden, ...data.map((_, i) => `m${i}`)];
  L.push(`function __perfLab$entry(${[...own, ...self].join(', ')}) {`);
  if (self.length) L.push(`  if (arguments.length <= ${own.length}) __perfLab$this = this;`);
  const changed = hidden.map((c, i) => `!Object.is(__perfLab$with[${i}], ${c})`);
  L.push(`  if (${['__perfLab$made === null', ...changed].join(' || ')}) {`);
  L.push(`    __perfLab$made = __perfLab$closure(${hidden.join(', ')});`);
  L.push(`    __perfLab$with = [${hidden.join(', ')}];`);
  L.push('  }');
  const call = self.length ? `Reflect.apply(__perfLab$made, __perfLab$this, [${params.join(', ')}])` : `__perfLab$made(${params.join(', ')})`;
  L.push(...withData(data, call));
  L.push('}');
  L.push(`export { __perfLab$entry as ${JSON.stringify(exportName)} };`);
  return L.join('\n');
}

// What a compiled function may assume about the names it reads from outside itself. The compiler inlines the
// file's helper functions and numeric constants and computes Math and Number with their built-in meaning; that
// is the program's meaning only while the file does not declare those names again, never assigns them, and has
// no direct eval that could. This pass finds every declaration and every assignment of a name at the module's
// scope (resolving each assignment through the function and block scopes around it), so the frontend refuses,
// with the line, a function whose outside names the program can change.
import type * as TS from 'typescript';

type Ts = typeof TS;

/** The module-scope facts the frontend checks each outside name against. */
export interface ModuleScope {
  /** Declarations of `name` whose binding is the module's (top level, `var` in blocks, block-level functions). */
  declarations(name: string): TS.Node[];
  /** Places that assign `name`'s module binding (`=`, compound assignment, `++`, destructuring, for-in/of). */
  writes(name: string): TS.Node[];
  /** A direct `eval(…)` call, which can declare or assign any module binding. */
  directEval: TS.Node | undefined;
  /**
   * The innermost scope around `from` (itself included) that declares `name`: a function-like node, a block, a for
   * statement, a catch clause or a class; undefined when the name is the module's or a global.
   */
  scopeDeclaring(from: TS.Node, name: string): TS.Node | undefined;
}

const FUNCTION_LIKE = (ts: Ts, n: TS.Node): n is TS.SignatureDeclaration & { body?: TS.Node } =>
  ts.isFunctionDeclaration(n) ||
  ts.isFunctionExpression(n) ||
  ts.isArrowFunction(n) ||
  ts.isMethodDeclaration(n) ||
  ts.isConstructorDeclaration(n) ||
  ts.isGetAccessorDeclaration(n) ||
  ts.isSetAccessorDeclaration(n);

/** The names a binding pattern (or a plain identifier) declares. */
function bindingNames(ts: Ts, name: TS.BindingName, out: string[] = []): string[] {
  if (ts.isIdentifier(name)) out.push(name.text);
  else for (const el of name.elements) if (!ts.isOmittedExpression(el)) bindingNames(ts, el.name, out);
  return out;
}

/** Strips what only TypeScript sees (`as`, `!`, `satisfies`, `<T>x`) and parentheses: `(x as T)!` → `x`. */
export function unwrapExpression(ts: Ts, e: TS.Expression): TS.Expression {
  while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isNonNullExpression(e) || ts.isTypeAssertionExpression(e) || ts.isSatisfiesExpression(e))
    e = e.expression;
  return e;
}

/** The identifiers an assignment target writes (`a`, `[a, b]`, `{ x: a, ...r }`), skipping member targets. */
function targetIdentifiers(ts: Ts, e: TS.Expression, out: TS.Identifier[] = []): TS.Identifier[] {
  if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isNonNullExpression(e) || ts.isTypeAssertionExpression(e) || ts.isSatisfiesExpression(e)) {
    return targetIdentifiers(ts, e.expression, out);
  }
  if (ts.isIdentifier(e)) out.push(e);
  else if (ts.isArrayLiteralExpression(e)) for (const el of e.elements) targetIdentifiers(ts, ts.isSpreadElement(el) ? el.expression : el, out);
  else if (ts.isObjectLiteralExpression(e)) {
    for (const p of e.properties) {
      if (ts.isPropertyAssignment(p)) targetIdentifiers(ts, p.initializer, out);
      else if (ts.isShorthandPropertyAssignment(p)) out.push(p.name);
      else if (ts.isSpreadAssignment(p)) targetIdentifiers(ts, p.expression, out);
    }
  } else if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.EqualsToken) targetIdentifiers(ts, e.left, out); // a default
  return out;
}

/** Analyses a source file's module scope. */
export function analyseModuleScope(ts: Ts, sf: TS.SourceFile): ModuleScope {
  const K = ts.SyntaxKind;
  const moduleDecls = new Map<string, TS.Node[]>();
  const addDecl = (name: string, node: TS.Node) => {
    const list = moduleDecls.get(name);
    if (list) list.push(node);
    else moduleDecls.set(name, [node]);
  };

  // Declarations at module scope: the top level's, and what `var` and block-level functions hoist to it. A
  // function declared in a block reaches the module's binding only in sloppy code (Annex B); an ES module, a
  // file that says 'use strict' and TypeScript's module files are strict.
  const strict =
    /\.m[jt]s$/i.test(sf.fileName) ||
    sf.statements.some(
      (s) =>
        ts.isImportDeclaration(s) ||
        ts.isExportDeclaration(s) ||
        ts.isExportAssignment(s) ||
        (ts.canHaveModifiers(s) && ts.getModifiers(s)?.some((m) => m.kind === K.ExportKeyword)),
    ) ||
    sf.statements
      .slice(0, sf.statements.findIndex((s) => !(ts.isExpressionStatement(s) && ts.isStringLiteral(s.expression))) >>> 0)
      .some((s) => ts.isExpressionStatement(s) && ts.isStringLiteral(s.expression) && s.expression.text === 'use strict');
  const hoisted = (n: TS.Node, top: boolean): void => {
    if (FUNCTION_LIKE(ts, n) || ts.isClassLike(n)) {
      if (ts.isFunctionDeclaration(n) && n.name && (top || !strict)) addDecl(n.name.text, n); // top level, or a sloppy block-level function
      if (ts.isClassDeclaration(n) && n.name && top) addDecl(n.name.text, n);
      return;
    }
    if (ts.isVariableStatement(n)) {
      const blockScoped = (n.declarationList.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) !== 0;
      if (top || !blockScoped) for (const d of n.declarationList.declarations) for (const x of bindingNames(ts, d.name)) addDecl(x, d);
    } else if ((ts.isForStatement(n) || ts.isForInStatement(n) || ts.isForOfStatement(n)) && n.initializer && ts.isVariableDeclarationList(n.initializer)) {
      if ((n.initializer.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) === 0)
        for (const d of n.initializer.declarations) for (const x of bindingNames(ts, d.name)) addDecl(x, d);
    } else if (top && ts.isImportDeclaration(n) && n.importClause) {
      const c = n.importClause;
      if (c.name) addDecl(c.name.text, c);
      if (c.namedBindings && ts.isNamespaceImport(c.namedBindings)) addDecl(c.namedBindings.name.text, c.namedBindings);
      if (c.namedBindings && ts.isNamedImports(c.namedBindings)) for (const s of c.namedBindings.elements) addDecl(s.name.text, s);
    } else if (top && ts.isImportEqualsDeclaration(n)) addDecl(n.name.text, n);
    else if (top && (ts.isEnumDeclaration(n) || ts.isModuleDeclaration(n)) && ts.isIdentifier(n.name)) addDecl(n.name.text, n);
    ts.forEachChild(n, (c) => hoisted(c, false));
  };
  for (const st of sf.statements) hoisted(st, true);

  // The names each function or block scope declares, to tell a local assignment from a module one.
  const scopeNames = new Map<TS.Node, Set<string>>();
  const varNames = (body: TS.Node, out: Set<string>): void => {
    const visit = (n: TS.Node): void => {
      if (FUNCTION_LIKE(ts, n) || ts.isClassLike(n)) {
        if (ts.isFunctionDeclaration(n) && n.name) out.add(n.name.text);
        return;
      }
      if (ts.isVariableDeclarationList(n) && (n.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) === 0)
        for (const d of n.declarations) bindingNames(ts, d.name).forEach((x) => out.add(x));
      ts.forEachChild(n, visit);
    };
    ts.forEachChild(body, visit);
  };
  const lexicalNames = (statements: readonly TS.Node[], out: Set<string>): void => {
    for (const s of statements) {
      if (ts.isVariableStatement(s) && s.declarationList.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const))
        for (const d of s.declarationList.declarations) bindingNames(ts, d.name).forEach((x) => out.add(x));
      if ((ts.isClassDeclaration(s) || ts.isFunctionDeclaration(s)) && s.name) out.add(s.name.text);
    }
  };
  const declaredBy = (n: TS.Node): Set<string> | undefined => {
    let names = scopeNames.get(n);
    if (names) return names;
    names = new Set<string>();
    if (FUNCTION_LIKE(ts, n)) {
      for (const p of n.parameters) bindingNames(ts, p.name).forEach((x) => names!.add(x));
      if (ts.isFunctionExpression(n) && n.name) names.add(n.name.text); // a named function expression sees its name
      if (!ts.isArrowFunction(n)) names.add('arguments');
      if (n.body) {
        varNames(n.body, names);
        if (ts.isBlock(n.body)) lexicalNames(n.body.statements, names);
      }
    } else if (ts.isBlock(n) && !ts.isSourceFile(n.parent)) lexicalNames(n.statements, names);
    else if (ts.isCaseBlock(n)) for (const c of n.clauses) lexicalNames(c.statements, names);
    else if ((ts.isForStatement(n) || ts.isForInStatement(n) || ts.isForOfStatement(n)) && n.initializer && ts.isVariableDeclarationList(n.initializer)) {
      if (n.initializer.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const))
        for (const d of n.initializer.declarations) bindingNames(ts, d.name).forEach((x) => names!.add(x));
    } else if (ts.isCatchClause(n) && n.variableDeclaration) bindingNames(ts, n.variableDeclaration.name).forEach((x) => names!.add(x));
    else if (ts.isClassLike(n) && n.name) names.add(n.name.text);
    else return undefined;
    scopeNames.set(n, names);
    return names;
  };
  /** Whether `id` names the module's binding (no function or block around it declares the name). */
  const isModuleBinding = (id: TS.Identifier): boolean => {
    for (let n: TS.Node = id.parent; !ts.isSourceFile(n); n = n.parent) {
      if (declaredBy(n)?.has(id.text)) return false;
    }
    return true;
  };

  const moduleWrites = new Map<string, TS.Node[]>();
  let directEval: TS.Node | undefined;
  const wrote = (id: TS.Identifier, at: TS.Node) => {
    if (!isModuleBinding(id)) return;
    const list = moduleWrites.get(id.text);
    if (list) list.push(at);
    else moduleWrites.set(id.text, [at]);
  };
  const visit = (n: TS.Node): void => {
    if (ts.isBinaryExpression(n) && n.operatorToken.kind >= K.FirstAssignment && n.operatorToken.kind <= K.LastAssignment) {
      for (const id of targetIdentifiers(ts, n.left)) wrote(id, n);
    } else if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && (n.operator === K.PlusPlusToken || n.operator === K.MinusMinusToken)) {
      for (const id of targetIdentifiers(ts, n.operand)) wrote(id, n);
    } else if ((ts.isForInStatement(n) || ts.isForOfStatement(n)) && !ts.isVariableDeclarationList(n.initializer)) {
      for (const id of targetIdentifiers(ts, n.initializer)) wrote(id, n);
    } else if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'eval' && isModuleBinding(n.expression)) {
      directEval ??= n;
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);

  return {
    declarations: (name) => moduleDecls.get(name) ?? [],
    writes: (name) => moduleWrites.get(name) ?? [],
    directEval,
    scopeDeclaring: (from, name) => {
      for (let n: TS.Node = from; !ts.isSourceFile(n); n = n.parent) if (declaredBy(n)?.has(name)) return n;
      return undefined;
    },
  };
}

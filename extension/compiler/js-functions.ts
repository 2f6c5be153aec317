// The functions of a JavaScript or TypeScript file and the names they go by. V8 names a method `advance` and a
// function assigned to a property `NBody.advance`; the profile names methods and nested functions the way the code
// addresses them, `NBody.advance` and `outer/inner` (profile/js-names.ts, with ownName and qualifiedName from here).
// Optimize, the recorder, the extractor and Apply find a function by any of its names (findJsFunction), and a nested
// function's closure (closureScope): the enclosing functions' variables it reads, passed to compiled code as hidden
// parameters, and the enclosing functions' functions it calls, compiled with it.
import type * as TS from 'typescript';
import type { ModuleScope } from './module-scope';

type Ts = typeof TS;

/** A function with a body that a name can address. */
export type JsFunctionNode = TS.FunctionDeclaration | TS.FunctionExpression | TS.ArrowFunction | TS.MethodDeclaration;

export interface JsFunction {
  node: JsFunctionNode;
  /** The name the profile shows: `advance`, `NBody.advance`, `FluidField/lin_solve`. */
  name: string;
  /** Every name it is found by, the profile's first, then the forms code writes (`NBody.prototype.advance`). */
  names: string[];
  /**
   * Declared at the top level of the file (a function declaration, or a const/let/var bound to a function): its
   * name is a binding of the module, which the recorder and Apply rename.
   */
  topLevel: boolean;
}

/** A variable of an enclosing function that a nested function reads: a hidden parameter of its compiled version. */
export interface Capture {
  name: string;
  /** The parameter or variable declaration. */
  declaration: TS.Node;
  /** The enclosing function that declares it. */
  owner: TS.Node;
}

/** What a nested function reads from the functions around it. */
export interface ClosureScope {
  /** Variables read, in the order of their first read (the hidden parameters' order). */
  captures: Capture[];
  /** Functions of the enclosing functions that it (or they, in turn) refers to, compiled with it. */
  siblings: JsFunctionNode[];
}

/** The name V8 gives a function or class: its own, or that of the variable, field or property it is assigned to. */
export function ownName(ts: Ts, node: TS.Node): string | undefined {
  if (ts.isConstructorDeclaration(node) || ts.isGetAccessor(node) || ts.isSetAccessor(node)) return undefined;
  if (ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node)) return node.name?.text;
  if (ts.isMethodDeclaration(node)) return propertyName(ts, node.name);
  if (ts.isFunctionExpression(node) || ts.isArrowFunction(node) || ts.isClassExpression(node)) {
    if (!ts.isArrowFunction(node) && node.name) return node.name.text;
    const p = node.parent;
    if (ts.isVariableDeclaration(p) && p.initializer === node && ts.isIdentifier(p.name)) return p.name.text;
    if ((ts.isPropertyDeclaration(p) || ts.isPropertyAssignment(p)) && p.initializer === node) return propertyName(ts, p.name);
    if (ts.isBinaryExpression(p) && p.right === node && p.operatorToken.kind === ts.SyntaxKind.EqualsToken) return assignedName(ts, p.left);
  }
  return undefined;
}

/**
 * V8's name for a function assigned to a property: the property path without `prototype` (`NBody.prototype.advance`
 * is `NBody.advance`), `this` read as the enclosing function's name (`this.step` in `Grid` is `Grid.step`).
 */
function assignedName(ts: Ts, target: TS.Expression): string | undefined {
  const parts: string[] = [];
  let e: TS.Expression = target;
  while (ts.isPropertyAccessExpression(e)) {
    if (e.name.text !== 'prototype' || parts.length === 0) parts.unshift(e.name.text);
    e = e.expression;
  }
  if (parts.length === 0 || parts[parts.length - 1] === 'prototype') return undefined;
  if (ts.isIdentifier(e)) return [e.text, ...parts].join('.');
  if (e.kind === ts.SyntaxKind.ThisKeyword) {
    for (let p = target.parent; p && !ts.isSourceFile(p); p = p.parent) {
      if (ts.isFunctionLike(p) && !ts.isArrowFunction(p)) {
        const outer = ownName(ts, p);
        return outer === undefined ? parts.join('.') : [outer, ...parts].join('.');
      }
    }
  }
  return undefined;
}

function propertyName(ts: Ts, name: TS.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  return undefined;
}

/** `name` prefixed by the named classes (`Class.`) and functions (`outer/`) around the node; object literals add nothing. */
export function qualifiedName(ts: Ts, node: TS.Node, name: string): string {
  let qualified = name;
  for (let p = node.parent; p && !ts.isSourceFile(p); p = p.parent) {
    const isClass = ts.isClassDeclaration(p) || ts.isClassExpression(p);
    if (!isClass && !(ts.isFunctionLike(p) && 'body' in p && p.body)) continue;
    const outer = ownName(ts, p);
    if (outer === undefined) continue;
    qualified = `${outer}${isClass ? '.' : '/'}${qualified}`;
  }
  return qualified;
}

/** The name the profile shows for a function V8 calls `v8`: qualified when V8's is a plain identifier (js-names.ts). */
export function profileName(ts: Ts, node: TS.Node, v8: string): string {
  return /^[\w$#]+$/.test(v8) ? qualifiedName(ts, node, v8) : v8;
}

/** Every named function of the file with a body, in source order. */
export function jsFunctions(ts: Ts, sf: TS.SourceFile): JsFunction[] {
  const out: JsFunction[] = [];
  const visit = (node: TS.Node): void => {
    if ((ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isArrowFunction(node) || ts.isMethodDeclaration(node)) && node.body) {
      const v8 = ownName(ts, node);
      if (v8 !== undefined) out.push(describe(ts, sf, node, v8));
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

function describe(ts: Ts, sf: TS.SourceFile, node: JsFunctionNode, v8: string): JsFunction {
  const name = profileName(ts, node, v8);
  const names = [name];
  const prefix = name.slice(0, name.length - v8.length);
  const p = node.parent;
  // The forms code writes: `Class.prototype.method`, `obj.method`, `NBody.prototype.advance`.
  if (ts.isMethodDeclaration(node) && ts.isClassLike(p) && !node.modifiers?.some((m) => m.kind === ts.SyntaxKind.StaticKeyword)) {
    names.push(name.replace(/\.([^./]+)$/, '.prototype.$1'));
  }
  if ((ts.isMethodDeclaration(node) || ts.isPropertyAssignment(p)) && ts.isObjectLiteralExpression(ts.isPropertyAssignment(p) ? p.parent : p)) {
    const literal = ts.isPropertyAssignment(p) ? p.parent : p;
    const holder = literal.parent;
    if (ts.isVariableDeclaration(holder) && holder.initializer === literal && ts.isIdentifier(holder.name)) names.push(`${prefix}${holder.name.text}.${v8}`);
  }
  if (ts.isBinaryExpression(p) && p.right === node) {
    const written = p.left.getText(sf).replace(/\s+/g, '');
    if (written !== name && /^[\w$.]+$/.test(written) && !written.startsWith('this.')) names.push(written);
  }
  const topLevel =
    (ts.isFunctionDeclaration(node) && ts.isSourceFile(node.parent)) ||
    ((ts.isFunctionExpression(node) || ts.isArrowFunction(node)) &&
      ts.isVariableDeclaration(p) &&
      p.initializer === node &&
      ts.isVariableDeclarationList(p.parent) &&
      ts.isVariableStatement(p.parent.parent) &&
      ts.isSourceFile(p.parent.parent.parent));
  return { node, name, names: [...new Set(names)], topLevel };
}

export type FoundFunction = { ok: true; fn: JsFunction } | { ok: false; reason: string };

/**
 * The function `name` addresses: a name of exactly one function (its profile name, or a form such as
 * `NBody.prototype.advance`), else the one function whose last name part it is (`lin_solve` for
 * `FluidField/lin_solve`). Otherwise the reason, with the names the file's functions go by.
 */
export function findJsFunction(ts: Ts, sf: TS.SourceFile, name: string): FoundFunction {
  const all = jsFunctions(ts, sf);
  let found = all.filter((f) => f.names.includes(name));
  // A top-level binding is what a plain name means in the code.
  if (found.length > 1 && found.some((f) => f.topLevel)) found = found.filter((f) => f.topLevel);
  if (found.length === 0 && /^[\w$#]+$/.test(name)) found = all.filter((f) => f.names.some((n) => n.endsWith(`.${name}`) || n.endsWith(`/${name}`)));
  if (found.length === 1) return { ok: true, fn: found[0]! };
  const file = sf.fileName.replace(/^.*[\\/]/, '');
  const lineOf = (f: JsFunction) => sf.getLineAndCharacterOfPosition(f.node.getStart(sf)).line + 1;
  if (found.length > 1) {
    return {
      ok: false,
      reason: `${found.length} functions of ${file} are named ${name} (${found.map((f) => `${f.name} at line ${lineOf(f)}`).join(', ')}); choose one by its full name`,
    };
  }
  const listed = all.slice(0, 12).map((f) => (f.names.length > 1 ? `${f.name} (or ${f.names.slice(1).join(', ')})` : f.name));
  const more = all.length > listed.length ? `, and ${all.length - listed.length} more` : '';
  return {
    ok: false,
    reason:
      all.length === 0
        ? `${file} has no named function called ${name} (it has none: a function is found by its name, the variable or property it is assigned to, or its class)`
        : `${file} has no function named ${name}; its functions go by ${listed.join(', ')}${more} (methods as Class.method or Class.prototype.method, nested functions as outer/inner; names are case-sensitive)`,
  };
}

/**
 * An identifier for generated names (files, variables): the qualified name with each `.` `/` `#` as `_`
 * (`NBody.prototype.advance` → `NBody_prototype_advance`).
 */
export function identifierOf(name: string): string {
  return name.replace(/[^\w$]/g, '_');
}

/** The functions around a node, innermost first (function-like nodes with a body). */
export function enclosingFunctions(ts: Ts, node: TS.Node): TS.FunctionLikeDeclaration[] {
  const out: TS.FunctionLikeDeclaration[] = [];
  for (let p = node.parent; p && !ts.isSourceFile(p); p = p.parent)
    if (ts.isFunctionLike(p) && 'body' in p && p.body) out.push(p as TS.FunctionLikeDeclaration);
  return out;
}

/** Why a function's closure cannot be compiled, at a node. */
export interface ClosureProblem {
  node: TS.Node;
  reason: string;
}

/**
 * The variables and functions of enclosing functions that `fn` reads, directly or through the enclosing functions'
 * functions it calls (found by name resolution, module-scope.ts). A function at the top level, or a method of a
 * top-level class or object, has none. A problem is returned for what compiled code could not follow: a variable
 * that is hidden where `fn` is (another of the same name in between), or a let/const that a function declaration
 * (hoisted, so callable before it) reads.
 */
export function closureScope(ts: Ts, sf: TS.SourceFile, scope: ModuleScope, fn: JsFunctionNode): ClosureScope | ClosureProblem {
  const captures = new Map<TS.Node, Capture>();
  const siblings: JsFunctionNode[] = [];
  const group = new Set<TS.Node>([fn]);
  const queue: JsFunctionNode[] = [fn];
  const problems: ClosureProblem[] = [];
  const lineOf = (n: TS.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  // A let or const is in its temporal dead zone until its declaration runs: the compiled call reads it where the
  // function is, so it must be initialised before the function can be called.
  const tdz = (decl: TS.Node, name: string): ClosureProblem | undefined => {
    const list = decl.parent;
    const lexical = ts.isVariableDeclaration(decl) && ts.isVariableDeclarationList(list) && (list.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) !== 0;
    if (!lexical || (!ts.isFunctionDeclaration(fn) && decl.end <= fn.pos)) return undefined;
    return {
      node: fn,
      reason: `it reads ${name}, declared with let or const (line ${lineOf(decl)}), which may not be initialised yet when it is called${ts.isFunctionDeclaration(fn) ? ' (a function declaration is hoisted)' : ''}; declare ${name} with var, or pass it as an argument`,
    };
  };
  while (queue.length) {
    const member = queue.shift()!;
    const visit = (n: TS.Node): void => {
      if (ts.isTypeNode(n)) return;
      if (ts.isIdentifier(n) && isRead(ts, n)) {
        const owner = scope.scopeDeclaring(n.parent, n.text);
        if (owner && !within(owner, member)) {
          const decl = declarationIn(ts, owner, n.text) ?? owner;
          const fnDecl = boundFunction(ts, decl);
          if (fnDecl && (fnDecl === fn || !within(fn, fnDecl))) {
            if (!group.has(fnDecl)) {
              group.add(fnDecl);
              siblings.push(fnDecl);
              queue.push(fnDecl);
              const late = tdz(decl, n.text);
              if (late) problems.push(late);
            }
          } else if (!captures.has(decl)) {
            captures.set(decl, { name: n.text, declaration: decl, owner });
          }
        }
      }
      ts.forEachChild(n, visit);
    };
    if (member.body) visit(member.body);
    for (const p of member.parameters) if (p.initializer) visit(p.initializer);
  }
  // A nested function declaration is a variable of its function: compiled calls keep the one they were compiled with.
  for (const f of group) {
    if (!ts.isFunctionDeclaration(f) || !f.name || ts.isSourceFile(f.parent)) continue;
    const owner = scope.scopeDeclaring(f.parent, f.name.text);
    const write = owner && assignmentOf(ts, scope, owner, f.name.text);
    if (write)
      problems.push({
        node: write,
        reason: `${f.name.text} is assigned at line ${lineOf(write)}; the compiled code would keep calling the function it was compiled with`,
      });
  }
  if (problems.length) return problems[0]!;
  const list = [...captures.values()];
  const names = new Map<string, Capture>();
  for (const c of list) {
    const other = names.get(c.name);
    if (other)
      return {
        node: fn,
        reason: `it reads two variables named ${c.name} of the functions around it (lines ${lineOf(other.declaration)} and ${lineOf(c.declaration)}); rename one of them`,
      };
    names.set(c.name, c);
    // The compiled call passes the variable from where the function is: the same binding must be seen there.
    if (scope.scopeDeclaring(fn.parent, c.name) !== c.owner || scope.scopeDeclaring(fn, c.name) !== scope.scopeDeclaring(fn.parent, c.name)) {
      return {
        node: fn,
        reason: `it reads ${c.name} of an enclosing function (line ${lineOf(c.declaration)}) through a function it calls, but another ${c.name} hides that one where it is declared; rename one of them`,
      };
    }
    const late = tdz(c.declaration, c.name);
    if (late) return late;
  }
  return { captures: list, siblings };
}

/** An assignment of `name` inside `owner` that writes the binding `owner` declares. */
function assignmentOf(ts: Ts, scope: ModuleScope, owner: TS.Node, name: string): TS.Node | undefined {
  const K = ts.SyntaxKind;
  let found: TS.Node | undefined;
  const visit = (n: TS.Node): void => {
    if (found) return;
    let target: TS.Expression | undefined;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind >= K.FirstAssignment && n.operatorToken.kind <= K.LastAssignment) target = n.left;
    if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && (n.operator === K.PlusPlusToken || n.operator === K.MinusMinusToken))
      target = n.operand;
    while (target && ts.isParenthesizedExpression(target)) target = target.expression;
    if (target && ts.isIdentifier(target) && target.text === name && scope.scopeDeclaring(target.parent, name) === owner) found = n;
    else ts.forEachChild(n, visit);
  };
  visit(owner);
  return found;
}

/**
 * Whether a method (or a function expression) uses `this` in its own body: arrow functions inside it share it, other
 * nested functions have their own. Such a method takes its object as a hidden argument, after all others (the
 * frontend's `this` parameter): the recorder records it, the proof's original and Apply pass it.
 */
export function usesThis(ts: Ts, fn: JsFunctionNode): boolean {
  if (ts.isArrowFunction(fn) || ts.isFunctionDeclaration(fn) || !fn.body) return false;
  let found = false;
  const visit = (n: TS.Node): void => {
    if (found) return;
    if (n.kind === ts.SyntaxKind.ThisKeyword) found = true;
    else if (!(ts.isFunctionLike(n) && !ts.isArrowFunction(n)) && !ts.isClassLike(n)) ts.forEachChild(n, visit);
  };
  ts.forEachChild(fn.body, visit);
  return found;
}

/** Whether `inner` is `outer` or inside it. */
function within(inner: TS.Node, outer: TS.Node): boolean {
  for (let n: TS.Node | undefined = inner; n; n = n.parent) if (n === outer) return true;
  return false;
}

/** An identifier read as a value (not a property name, a declared name, a label or a key). */
export function isRead(ts: Ts, id: TS.Identifier): boolean {
  const p = id.parent;
  if (ts.isPropertyAccessExpression(p) && p.name === id) return false;
  if ((ts.isPropertyAssignment(p) || ts.isMethodDeclaration(p) || ts.isPropertyDeclaration(p) || ts.isGetAccessor(p) || ts.isSetAccessor(p)) && p.name === id)
    return false;
  if ((ts.isVariableDeclaration(p) || ts.isParameter(p) || ts.isBindingElement(p)) && p.name === id) return false;
  if ((ts.isFunctionDeclaration(p) || ts.isFunctionExpression(p) || ts.isClassLike(p)) && p.name === id) return false;
  if (ts.isLabeledStatement(p) || ts.isBreakOrContinueStatement(p)) return false;
  if (ts.isQualifiedName(p) || ts.isTypeReferenceNode(p)) return false;
  return true;
}

/** The declaration of `name` that the scope node `owner` holds (a parameter, a variable, a function). */
export function declarationIn(ts: Ts, owner: TS.Node, name: string): TS.Node | undefined {
  if (ts.isFunctionLike(owner)) {
    for (const p of owner.parameters) if (ts.isIdentifier(p.name) && p.name.text === name) return p;
    if (ts.isFunctionExpression(owner) && owner.name?.text === name) return owner;
  }
  let found: TS.Node | undefined;
  const visit = (n: TS.Node): void => {
    if (found) return;
    if (ts.isFunctionDeclaration(n) && n.name?.text === name) {
      found = n;
      return;
    }
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === name) {
      found = n;
      return;
    }
    if (ts.isFunctionLike(n) || ts.isClassLike(n)) return;
    ts.forEachChild(n, visit);
  };
  const body = ts.isFunctionLike(owner) && 'body' in owner ? owner.body : owner;
  if (body) ts.forEachChild(body, visit);
  return found;
}

/** The function a declaration binds: a function declaration, or a const bound to a function expression or arrow. */
export function boundFunction(ts: Ts, decl: TS.Node): JsFunctionNode | undefined {
  if (ts.isFunctionDeclaration(decl) && decl.body) return decl;
  if (ts.isVariableDeclaration(decl) && decl.initializer && ts.isVariableDeclarationList(decl.parent) && decl.parent.flags & ts.NodeFlags.Const) {
    let init: TS.Expression = decl.initializer;
    while (ts.isParenthesizedExpression(init)) init = init.expression;
    if (ts.isFunctionExpression(init) || ts.isArrowFunction(init)) return init;
  }
  return undefined;
}

// The file-level variables a compiled function reads or writes that are not numbers fixed when the file loads
// (module-constants.ts folds those in): tables (`var WEIGHTS = [0.25, 0.5, 0.25]`, a Float64Array, an array of
// arrays) and numbers the program or the function assigns (`var last = 42;` updated by `last = (last * IA + IC) %
// IM`). Compiled code takes each as a hidden parameter after the function's own (and after a closure's variables,
// js-functions.ts closureScope), read where the function is at each call and checked by the loader as an argument
// is. A variable that the function (or a function it calls) assigns is passed in a cell, a plain array of one
// element that the compiled code reads and writes and the loader copies back: the rewritten function (Apply), the
// proof's original (extract-js.ts) and the recorder (instrument.ts) all make the cell from this list and write its
// element back to the variable after the call, so the program sees the same state.
import type * as TS from 'typescript';
import { ARRAY_KINDS } from '../abi';
import { boundFunction, closureScope, declarationIn, findJsFunction, isRead, type JsFunctionNode } from './js-functions';
import { declarationKeyword, moduleConstants, type ModuleConstant } from './module-constants';
import { analyseModuleScope, unwrapExpression, type ModuleScope } from './module-scope';

type Ts = typeof TS;

/** A file-level variable that compiled code takes as a hidden parameter. */
export interface ModuleDatum {
  name: string;
  /** Its first declaration (a `var` may be declared more than once: it is one binding). */
  declaration: TS.VariableDeclaration;
  keyword: 'const' | 'let' | 'var';
  /** Some function of the kernel assigns it: it is passed in a one-element plain array (a cell) and written back. */
  cell: boolean;
  /** The first place a function of the kernel names it (where a refusal about it points). */
  site: TS.Identifier;
}

/** The module data of a kernel: the entry's, in the order of the hidden parameters, and those of each function. */
export interface ModuleData {
  /** Every variable the entry and the functions it calls read or write, in the order of their first use. */
  entry: ModuleDatum[];
  /** Those `fn` (a function of the kernel) and the functions it calls use, in the entry's order. */
  of(fn: TS.Node): ModuleDatum[];
}

/** Why a file-level variable cannot be passed to compiled code, at a node. */
export interface ModuleDataProblem {
  node: TS.Node;
  reason: string;
}

/** Globals the compiled code gives their built-in meaning: a file that declares one is refused by the frontend (useGlobal). */
const BUILT_IN = new Set<string>(['Math', 'Number', 'NaN', 'Infinity', 'undefined', ...ARRAY_KINDS]);

/** The functions declared at the top level that compiled code calls by name: declarations, and consts bound to a function. */
export function topLevelFunctions(ts: Ts, sf: TS.SourceFile): Map<string, JsFunctionNode> {
  const out = new Map<string, JsFunctionNode>();
  for (const st of sf.statements) {
    if (ts.isFunctionDeclaration(st) && st.name && st.body) out.set(st.name.text, st);
    if (ts.isVariableStatement(st) && st.declarationList.flags & ts.NodeFlags.Const) {
      for (const d of st.declarationList.declarations) {
        if (!ts.isIdentifier(d.name) || !d.initializer) continue;
        const init = unwrapExpression(ts, d.initializer);
        if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) out.set(d.name.text, init);
      }
    }
  }
  return out;
}

/** The identifier an assignment or `++`/`--` writes, when `id` is that target. */
function isWritten(ts: Ts, id: TS.Identifier): boolean {
  const K = ts.SyntaxKind;
  let n: TS.Node = id;
  while (ts.isParenthesizedExpression(n.parent)) n = n.parent;
  const p = n.parent;
  if (ts.isBinaryExpression(p) && p.left === n) return p.operatorToken.kind >= K.FirstAssignment && p.operatorToken.kind <= K.LastAssignment;
  return (ts.isPrefixUnaryExpression(p) || ts.isPostfixUnaryExpression(p)) && (p.operator === K.PlusPlusToken || p.operator === K.MinusMinusToken);
}

/** The callee position of a call (`f(…)`), where a name is a function to call, not a value to pass. */
function isCallee(ts: Ts, id: TS.Identifier): boolean {
  let n: TS.Node = id;
  while (ts.isParenthesizedExpression(n.parent)) n = n.parent;
  return (ts.isCallExpression(n.parent) || ts.isNewExpression(n.parent)) && n.parent.expression === n;
}

/**
 * The file-level variables `entry` and the functions it calls (top-level functions named in them, and `members`,
 * the functions of a closure compiled with it) read or write, other than the numbers folded in (`constants`) and the
 * functions themselves. A problem is returned for a variable compiled code could not pass: a const the kernel assigns.
 */
export function moduleData(
  ts: Ts,
  sf: TS.SourceFile,
  scope: ModuleScope,
  constants: ReadonlyMap<string, ModuleConstant>,
  entry: JsFunctionNode,
  members: readonly JsFunctionNode[] = [],
): ModuleData | ModuleDataProblem {
  const functions = topLevelFunctions(ts, sf);
  const group = new Set<TS.Node>([entry, ...members]);
  const lineOf = (n: TS.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  // Each function's own uses, and the functions it names.
  const uses = new Map<TS.Node, { data: Set<string>; calls: Set<TS.Node> }>();
  const order: ModuleDatum[] = [];
  const byName = new Map<string, ModuleDatum>();
  let problem: ModuleDataProblem | undefined;
  const visitFunction = (fn: JsFunctionNode): void => {
    if (uses.has(fn)) return;
    const mine = { data: new Set<string>(), calls: new Set<TS.Node>() };
    uses.set(fn, mine);
    const visit = (n: TS.Node): void => {
      if (ts.isTypeNode(n)) return;
      if (n !== fn && ts.isFunctionLike(n)) return; // a nested function is not compiled with it (the frontend says so)
      if (ts.isIdentifier(n) && isRead(ts, n)) {
        const owner = scope.scopeDeclaring(n.parent, n.text);
        if (owner === undefined) {
          const callee = functions.get(n.text);
          if (callee) mine.calls.add(callee);
          else datum(n, mine);
        } else if (group.size > 1) {
          // A function of the closure, named where it is declared.
          const decl = declarationIn(ts, owner, n.text);
          const f = decl && (group.has(decl) ? decl : boundFunction(ts, decl));
          if (f && group.has(f)) mine.calls.add(f);
        }
      }
      ts.forEachChild(n, visit);
    };
    if (fn.body) visit(fn.body);
    for (const c of mine.calls) visitFunction(c as JsFunctionNode);
  };
  const datum = (id: TS.Identifier, mine: { data: Set<string> }): void => {
    const name = id.text;
    if (BUILT_IN.has(name)) return;
    const decls = scope.declarations(name);
    if (decls.length === 0 || !decls.every((d) => ts.isVariableDeclaration(d))) return; // a global, a class, an import: not data
    const first = decls[0] as TS.VariableDeclaration;
    const keyword = declarationKeyword(ts, first.parent as TS.VariableDeclarationList);
    if (keyword === 'const' && isWritten(ts, id))
      problem ??= { node: id, reason: `${name} is a const of the file (line ${lineOf(first)}); assigning it throws a TypeError, which compiled code does not` };
    if (constants.has(name)) return;
    if (decls.length > 1 && keyword !== 'var') return; // the frontend names the clash
    const init = first.initializer;
    if (init && (ts.isFunctionExpression(init) || ts.isArrowFunction(init) || ts.isClassExpression(init))) return;
    if (isCallee(ts, id)) return;
    let d = byName.get(name);
    if (!d) {
      d = { name, declaration: first, keyword, cell: false, site: id };
      byName.set(name, d);
      order.push(d);
    }
    if (isWritten(ts, id)) d.cell = true;
    mine.data.add(name);
  };
  visitFunction(entry);
  if (problem) return problem;
  // What each function reaches, through the functions it calls (recursion included).
  const reach = new Map<TS.Node, Set<string>>();
  const reachOf = (fn: TS.Node): Set<string> => {
    const known = reach.get(fn);
    if (known) return known;
    const out = new Set<string>();
    const seen = new Set<TS.Node>();
    const stack = [fn];
    while (stack.length) {
      const f = stack.pop()!;
      if (seen.has(f)) continue;
      seen.add(f);
      const u = uses.get(f);
      if (!u) continue;
      u.data.forEach((x) => out.add(x));
      stack.push(...u.calls);
    }
    reach.set(fn, out);
    return out;
  };
  return {
    entry: order,
    of: (fn) => {
      const names = reachOf(fn);
      return order.filter((d) => names.has(d.name));
    },
  };
}

/** The value an argument list passes for each datum: the variable, or a cell holding it. */
export function moduleDataValue(d: Pick<ModuleDatum, 'name' | 'cell'>): string {
  return d.cell ? `[${d.name}]` : d.name;
}

/**
 * The file-level variables a function of `sf` (found by the name Optimize takes: `f`, `K.f`, `outer/inner`) and
 * the functions compiled with it use, as the hidden parameters after its own; empty when there is no such function
 * or a variable cannot be passed (the frontend says why).
 */
export function moduleDataOfFunction(ts: Ts, sf: TS.SourceFile, functionName: string): ModuleDatum[] {
  const scope = analyseModuleScope(ts, sf);
  const top = topLevelFunctions(ts, sf).get(functionName);
  const found = top ? undefined : findJsFunction(ts, sf, functionName);
  const fn = top ?? (found?.ok ? found.fn.node : undefined);
  if (!fn) return [];
  const closure = top ? undefined : closureScope(ts, sf, scope, fn);
  const data = moduleData(ts, sf, scope, moduleConstants(ts, sf, scope), fn, closure && !('reason' in closure) ? closure.siblings : []);
  return 'reason' in data ? [] : data.entry;
}

// Where a `var` could be read before it is assigned. A var is hoisted: it exists from the start of its function,
// holding undefined until an assignment runs, and the compiled code has no undefined. So every read of a var must
// follow an assignment on every path that reaches it; this pass follows the function's statements in the order
// they run (both branches of an if, a loop's first test before its body, a break to the loop's end) and finds the
// first read where that is not proven. It is conservative: a read it cannot prove is reported even if the program
// never reaches it unassigned.
import type * as TS from 'typescript';

type Ts = typeof TS;

/** The names assigned on every path so far; `null` where no path arrives (after return, break, continue). */
type Assigned = Set<string> | null;

function meet(a: Assigned, b: Assigned): Assigned {
  if (a === null) return b === null ? null : new Set(b);
  if (b === null) return new Set(a);
  return new Set([...a].filter((x) => b.has(x)));
}

function copy(a: Assigned): Assigned {
  return a === null ? null : new Set(a);
}

interface LoopExits {
  breaks: Assigned;
  continues: Assigned;
}

/**
 * The first read of one of `names` (the function's vars) that some path reaches before any assignment, or
 * undefined when every read is preceded by one (parameters are not among `names`: they hold a value on entry).
 */
export function firstUnassignedRead(ts: Ts, body: TS.Block, names: ReadonlySet<string>): TS.Identifier | undefined {
  const K = ts.SyntaxKind;
  let found: TS.Identifier | undefined;
  const loops: LoopExits[] = [];
  /** Names a block's let/const/class declarations hide inside it (its reads and writes are not the var's). */
  const hidden: Set<string>[] = [];
  const tracked = (name: string): boolean => names.has(name) && !hidden.some((h) => h.has(name));

  /** Reports the first read of an unassigned name inside an expression (expressions assign nothing we compile). */
  const reads = (n: TS.Node, state: Assigned): void => {
    if (found || state === null) return;
    if (ts.isIdentifier(n)) {
      if (tracked(n.text) && !state.has(n.text)) found = n;
      return;
    }
    if (ts.isPropertyAccessExpression(n)) return reads(n.expression, state);
    if (ts.isPropertyAssignment(n)) return reads(n.initializer, state);
    if (ts.isFunctionLike(n)) return;
    ts.forEachChild(n, (c) => reads(c, state));
  };

  const assign = (name: string, state: Assigned): void => {
    if (state !== null && tracked(name)) state.add(name);
  };

  /** An expression statement: assignments (`a = …`, `a += …`, `a++`, comma lists) and calls. */
  const exprStmt = (e: TS.Expression, state: Assigned): void => {
    while (ts.isParenthesizedExpression(e)) e = e.expression;
    if (ts.isBinaryExpression(e) && e.operatorToken.kind === K.CommaToken) {
      exprStmt(e.left, state);
      return exprStmt(e.right, state);
    }
    if (ts.isBinaryExpression(e) && e.operatorToken.kind >= K.FirstAssignment && e.operatorToken.kind <= K.LastAssignment) {
      let target = e.left;
      while (ts.isParenthesizedExpression(target)) target = target.expression;
      if (ts.isIdentifier(target)) {
        if (e.operatorToken.kind !== K.EqualsToken) reads(target, state);
        reads(e.right, state);
        return assign(target.text, state);
      }
      reads(e.left, state);
      return reads(e.right, state);
    }
    reads(e, state);
  };

  const declarations = (list: TS.VariableDeclarationList, state: Assigned): void => {
    for (const d of list.declarations) {
      if (d.initializer) reads(d.initializer, state);
      if (ts.isIdentifier(d.name) && d.initializer) assign(d.name.text, state);
    }
  };

  const block = (statements: readonly TS.Statement[], state: Assigned): Assigned => {
    const lexical = new Set<string>();
    for (const s of statements) {
      if (ts.isVariableStatement(s) && s.declarationList.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const))
        for (const d of s.declarationList.declarations) if (ts.isIdentifier(d.name)) lexical.add(d.name.text);
      if ((ts.isClassDeclaration(s) || ts.isFunctionDeclaration(s)) && s.name) lexical.add(s.name.text);
    }
    hidden.push(lexical);
    for (const s of statements) state = stmt(s, state);
    hidden.pop();
    return state;
  };

  /** The names assigned on every path after `s`, given those before it. */
  const stmt = (s: TS.Statement, state: Assigned): Assigned => {
    if (found) return state;
    if (ts.isBlock(s)) return block(s.statements, state);
    if (ts.isVariableStatement(s)) {
      declarations(s.declarationList, state);
      return state;
    }
    if (ts.isExpressionStatement(s)) {
      exprStmt(s.expression, state);
      return state;
    }
    if (ts.isIfStatement(s)) {
      reads(s.expression, state);
      const then = stmt(s.thenStatement, copy(state));
      const els = s.elseStatement ? stmt(s.elseStatement, copy(state)) : state;
      return meet(then, els);
    }
    if (ts.isReturnStatement(s) || ts.isThrowStatement(s)) {
      if (s.expression) reads(s.expression, state);
      return null;
    }
    if (ts.isBreakStatement(s) || ts.isContinueStatement(s)) {
      const loop = loops[loops.length - 1];
      if (loop && !s.label) {
        if (ts.isBreakStatement(s)) loop.breaks = meet(loop.breaks, state);
        else loop.continues = meet(loop.continues, state);
      }
      return null;
    }
    if (ts.isWhileStatement(s)) {
      // Every way out of the loop passes its first test: what holds after it holds after the loop.
      reads(s.expression, state);
      loops.push({ breaks: null, continues: null });
      stmt(s.statement, copy(state));
      loops.pop();
      return state;
    }
    if (ts.isForStatement(s)) {
      const inner = copy(state);
      const scoped = new Set<string>();
      if (s.initializer) {
        if (ts.isVariableDeclarationList(s.initializer)) {
          if (s.initializer.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const))
            for (const d of s.initializer.declarations) if (ts.isIdentifier(d.name)) scoped.add(d.name.text);
          hidden.push(scoped);
          declarations(s.initializer, inner);
        } else {
          hidden.push(scoped);
          exprStmt(s.initializer, inner);
        }
      } else hidden.push(scoped);
      if (s.condition) reads(s.condition, inner);
      const exits: LoopExits = { breaks: null, continues: null };
      loops.push(exits);
      const end = stmt(s.statement, copy(inner));
      loops.pop();
      if (s.incrementor) exprStmt(s.incrementor, meet(end, exits.continues));
      hidden.pop();
      return inner;
    }
    if (ts.isDoStatement(s)) {
      const exits: LoopExits = { breaks: null, continues: null };
      loops.push(exits);
      const end = stmt(s.statement, copy(state));
      loops.pop();
      const atTest = meet(end, exits.continues);
      reads(s.expression, atTest);
      return meet(atTest, exits.breaks);
    }
    if (ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s) || ts.isEmptyStatement(s)) return state;
    // Anything else (switch, try, labels, for…of) is refused by the frontend; its reads are checked, it assigns nothing.
    reads(s, state);
    return state;
  };

  block(body.statements, new Set());
  return found;
}

// One walk over a function body of the JavaScript IR: every statement, then every expression inside it, in source
// order (loop tests, bodies, updates and post-tests included). ir-py.ts walkPyIr does the same for the Python IR.
import type { Expr, Stmt } from './ir';

/** An expression and all its sub-expressions, parents first. */
export function walkExpr(e: Expr, visit: (e: Expr) => void): void {
  visit(e);
  switch (e.kind) {
    case 'unary':
      return walkExpr(e.arg, visit);
    case 'binary':
      walkExpr(e.left, visit);
      return walkExpr(e.right, visit);
    case 'math':
      return e.args.forEach((a) => walkExpr(a, visit));
    case 'cond':
      walkExpr(e.cond, visit);
      walkExpr(e.then, visit);
      return walkExpr(e.else, visit);
    case 'load':
      return walkExpr(e.index, visit);
    case 'call':
      for (const a of e.args) if (a.kind !== 'array') walkExpr(a, visit);
      return;
    default:
      return;
  }
}

/** Calls `onStmt` for each statement and `onExpr` for each expression below `list`. */
export function walkIr(list: Stmt[], onStmt: (s: Stmt) => void, onExpr: (e: Expr) => void): void {
  const expr = (e: Expr): void => walkExpr(e, onExpr);
  for (const s of list) {
    onStmt(s);
    switch (s.kind) {
      case 'set':
      case 'expr':
        expr(s.value);
        break;
      case 'store':
        expr(s.index);
        expr(s.value);
        break;
      case 'alloc':
        if (s.length) expr(s.length);
        s.values?.forEach(expr);
        if (s.fill) expr(s.fill);
        break;
      case 'push':
        expr(s.value);
        break;
      case 'if':
        expr(s.cond);
        walkIr(s.then, onStmt, onExpr);
        walkIr(s.else, onStmt, onExpr);
        break;
      case 'loop':
        if (s.test) expr(s.test);
        walkIr(s.body, onStmt, onExpr);
        walkIr(s.update, onStmt, onExpr);
        if (s.postTest) expr(s.postTest);
        break;
      case 'return':
        if (s.value) expr(s.value);
        break;
      default:
        break;
    }
  }
}

/** Calls `fn` for each assignment to a local in `body` and the lists nested in it, in source order. */
export function forEachSet(body: Stmt[], fn: (local: number, value: Expr) => void): void {
  for (const s of body) {
    switch (s.kind) {
      case 'set':
        fn(s.local, s.value);
        break;
      case 'if':
        forEachSet(s.then, fn);
        forEachSet(s.else, fn);
        break;
      case 'loop':
        forEachSet(s.body, fn);
        forEachSet(s.update, fn);
        break;
      default:
        break;
    }
  }
}

// One walk over a function body: every statement, then every expression inside it, in source order (loop tests,
// bodies, updates and post-tests included).
import type { Expr, Stmt } from './ir';

/** Calls `onStmt` for each statement and `onExpr` for each expression below `list`. */
export function walkIr(list: Stmt[], onStmt: (s: Stmt) => void, onExpr: (e: Expr) => void): void {
  const expr = (e: Expr): void => {
    onExpr(e);
    switch (e.kind) {
      case 'unary':
        return expr(e.arg);
      case 'binary':
        expr(e.left);
        return expr(e.right);
      case 'math':
        return e.args.forEach(expr);
      case 'cond':
        expr(e.cond);
        expr(e.then);
        return expr(e.else);
      case 'load':
        return expr(e.index);
      case 'call':
        for (const a of e.args) if (a.kind !== 'array') expr(a);
        return;
      default:
        return;
    }
  };
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

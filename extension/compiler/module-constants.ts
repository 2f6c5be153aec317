// File-level numbers a compiled function may read as literals: `const SOLAR_MASS = 4 * Math.PI * Math.PI;`, or a
// `let`/`var` the file never assigns again (`var DAYS_PER_YEAR = 365.24;`). Each is initialised by arithmetic on
// number literals, Math and Number constants and earlier such bindings, folded here with JavaScript's own
// arithmetic, so the value is the one the program computes. Only operations whose result the language fixes
// exactly are folded (not Math.sin or `**`, whose last bit may differ between engines). Until its declaration has
// run a binding holds no value (a const throws, a var is undefined); the loader checks the values once, through
// the `ready` function Apply writes, before it first runs compiled code (Kernel.constValues).
import type * as TS from 'typescript';
import { GLOBAL_CONSTANTS } from '../abi';
import type { ModuleScope } from './module-scope';

type Ts = typeof TS;

/** A file-level binding whose value the compiled code holds as a literal. */
export interface ModuleConstant {
  value: number;
  declaration: TS.VariableDeclaration;
  keyword: 'const' | 'let' | 'var';
}

/** Math functions whose result ECMAScript defines exactly (correctly rounded or exact). */
const EXACT_MATH: Readonly<Record<string, (...xs: number[]) => number>> = {
  sqrt: Math.sqrt,
  abs: Math.abs,
  floor: Math.floor,
  ceil: Math.ceil,
  trunc: Math.trunc,
  round: Math.round,
  fround: Math.fround,
  sign: Math.sign,
  min: Math.min,
  max: Math.max,
  imul: Math.imul,
  clz32: Math.clz32,
};

/** The keyword of a declaration list. */
export function declarationKeyword(ts: Ts, list: TS.VariableDeclarationList): 'const' | 'let' | 'var' {
  return list.flags & ts.NodeFlags.Const ? 'const' : list.flags & ts.NodeFlags.Let ? 'let' : 'var';
}

/**
 * The file's numeric constants, in source order: top-level `const` declarations, and `let`/`var` declarations of a
 * name declared once and never assigned anywhere in the file, whose initialisers fold to a number.
 */
export function moduleConstants(ts: Ts, sf: TS.SourceFile, scope: ModuleScope): Map<string, ModuleConstant> {
  const out = new Map<string, ModuleConstant>();
  for (const st of sf.statements) {
    if (!ts.isVariableStatement(st)) continue;
    const keyword = declarationKeyword(ts, st.declarationList);
    for (const d of st.declarationList.declarations) {
      if (!ts.isIdentifier(d.name) || !d.initializer) continue;
      const name = d.name.text;
      if (keyword !== 'const' && (scope.declarations(name).length !== 1 || scope.writes(name).length > 0)) continue;
      const value = foldNumber(ts, d.initializer, scope, out);
      if (value !== undefined) out.set(name, { value, declaration: d, keyword });
    }
  }
  return out;
}

/**
 * The value of a constant expression, or undefined when it is not one. `known` holds the constants declared
 * before it (a later one is not initialised yet when this initialiser runs).
 */
export function foldNumber(ts: Ts, e: TS.Expression, scope: ModuleScope, known: ReadonlyMap<string, ModuleConstant>): number | undefined {
  const K = ts.SyntaxKind;
  const fold = (x: TS.Expression): number | undefined => foldNumber(ts, x, scope, known);
  const builtin = (name: string): boolean => scope.declarations(name).length === 0;
  if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isNonNullExpression(e) || ts.isSatisfiesExpression(e) || ts.isTypeAssertionExpression(e))
    return fold(e.expression);
  if (ts.isNumericLiteral(e)) return Number(e.text);
  if (ts.isIdentifier(e)) {
    const c = known.get(e.text);
    if (c) return c.value;
    if ((e.text === 'NaN' || e.text === 'Infinity') && builtin(e.text)) return e.text === 'NaN' ? NaN : Infinity;
    return undefined;
  }
  if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression)) {
    const g = e.expression.text;
    if ((g === 'Math' || g === 'Number') && builtin(g)) return GLOBAL_CONSTANTS[g][e.name.text];
    return undefined;
  }
  if (ts.isPrefixUnaryExpression(e)) {
    const v = fold(e.operand);
    if (v === undefined) return undefined;
    if (e.operator === K.MinusToken) return -v;
    if (e.operator === K.PlusToken) return v;
    if (e.operator === K.TildeToken) return ~v;
    return undefined;
  }
  if (ts.isCallExpression(e) && !e.questionDotToken) {
    const callee = e.expression;
    if (!ts.isPropertyAccessExpression(callee) || !ts.isIdentifier(callee.expression) || callee.expression.text !== 'Math' || !builtin('Math'))
      return undefined;
    const f = EXACT_MATH[callee.name.text];
    if (!f) return undefined;
    const args: number[] = [];
    for (const a of e.arguments) {
      if (ts.isSpreadElement(a)) return undefined;
      const v = fold(a);
      if (v === undefined) return undefined;
      args.push(v);
    }
    return f(...args);
  }
  if (ts.isBinaryExpression(e)) {
    const l = fold(e.left);
    const r = l === undefined ? undefined : fold(e.right);
    if (l === undefined || r === undefined) return undefined;
    switch (e.operatorToken.kind) {
      case K.PlusToken:
        return l + r;
      case K.MinusToken:
        return l - r;
      case K.AsteriskToken:
        return l * r;
      case K.SlashToken:
        return l / r;
      case K.PercentToken:
        return l % r;
      case K.AmpersandToken:
        return l & r;
      case K.BarToken:
        return l | r;
      case K.CaretToken:
        return l ^ r;
      case K.LessThanLessThanToken:
        return l << r;
      case K.GreaterThanGreaterThanToken:
        return l >> r;
      case K.GreaterThanGreaterThanGreaterThanToken:
        return l >>> r;
      default:
        return undefined;
    }
  }
  return undefined;
}

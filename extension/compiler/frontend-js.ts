// JavaScript / TypeScript frontend: parses a file with the TypeScript compiler API and lowers one function
// (and the functions of the same file it calls) to the IR, keeping JavaScript's number semantics exactly.
// Whatever lies outside the numeric subset is refused with the construct and its position.
import type * as TS from 'typescript';
import { ARRAY_KINDS, GLOBAL_CONSTANTS, type ArrayKind } from '../abi';
import { firstUnassignedRead } from './definite-assignment';
import {
  boundFunction,
  closureScope,
  declarationIn,
  findJsFunction,
  ownName,
  qualifiedName,
  usesThis,
  type Capture,
  type JsFunctionNode,
} from './js-functions';
import { declarationKeyword, moduleConstants, type ModuleConstant } from './module-constants';
import { moduleData, topLevelFunctions, type ModuleData, type ModuleDatum } from './module-data';
import { analyseModuleScope, unwrapExpression, type ModuleScope } from './module-scope';
import { firstSyntaxError } from './parse-check';
import {
  HOST_MATH,
  elementType,
  isArrayType,
  type BinaryOp,
  type CallArg,
  type Expr,
  type HostMath,
  type IrArray,
  type IrFunction,
  type IrLocal,
  type IrModule,
  type IrParam,
  type NumType,
  type ResultType,
  type ScalarType,
  type Stmt,
  type ValueType,
} from './ir';
import { RefusalError, type Refusal } from './refusal';

type Ts = typeof TS;

/**
 * A parameter type: from a TypeScript annotation, a JSDoc tag, or the types recorded at run time.
 * 'number' lets the compiler speculate on int32 where the parameter bounds loops or indexes arrays;
 * 'int32' forces that speculation and 'double' forbids it (the loader checks int32 at every call).
 */
export type ParamTypeName =
  | 'number'
  | 'int32'
  | 'double'
  | 'boolean'
  | 'number[]'
  | Exclude<ArrayKind, 'Array'>
  /** An array of arrays: of plain arrays of numbers (`number[][]`), or of typed arrays of one kind (`Float64Array[]`). */
  | `${Exclude<ArrayKind, 'Array'> | 'number[]'}[]`
  /**
   * An object whose keys all hold numbers (or, one object, typed arrays: `px:Float64Array`), by its class and its keys
   * in order (`Particle{x,y,vx,vy,mass}`, `{x,y}` for a plain object), or an array of such objects of one shape
   * (`Body{x,y,z,vx,vy,vz,mass}[]`).
   */
  | `${string}{${string}}`
  | `${string}{${string}}[]`
  /** A string, read only: its length, its code units (`s.charCodeAt(i)`, `s[i]` compared with one). */
  | 'string';

/**
 * An object with numeric fields (`one`), or an array of such objects: its keys that hold numbers in order and its
 * class, if any. `ownKeys`: all its own keys in order, when some hold functions (methods the function must not touch,
 * named `offsetMomentum()` in the type), which the loader checks only as present.
 */
export interface ObjectShape {
  keys: string[];
  ctor?: string;
  one: boolean;
  ownKeys?: string[];
  /**
   * One object only: for each of `keys`, the kind of typed array it holds (`px:Float64Array` in the type), or null
   * for a number; absent when every key holds a number.
   */
  arrays?: (FieldArrayKind | null)[];
}

/** A typed array an object's key holds (ObjectShape.arrays). */
export type FieldArrayKind = Exclude<ArrayKind, 'Array'>;

/**
 * The shape a type name gives (`Body{x,y,mass}[]`, `{x,vx,offsetMomentum()}`, `Swarm{px:Float64Array,damping}`), or
 * undefined when it names no object.
 */
export function objectShapeOf(name: string): ObjectShape | undefined {
  const m = /^([A-Za-z_$][\w$]*)?\{([A-Za-z_$][\w$]*(?:\(\)|:\w+)?(?:,[A-Za-z_$][\w$]*(?:\(\)|:\w+)?)*)\}(\[\])?$/.exec(name);
  if (!m) return undefined;
  const all = m[2]!.split(',');
  const ownKeys = all.map((k) => k.replace('()', '').replace(/:\w+$/, ''));
  const held = all.filter((k) => !k.endsWith('()'));
  const keys = held.map((k) => k.replace(/:\w+$/, ''));
  const arrays = held.map((k) => (k.includes(':') ? (k.slice(k.indexOf(':') + 1) as FieldArrayKind) : null));
  if (new Set(ownKeys).size !== ownKeys.length || ownKeys.includes('__proto__') || keys.length === 0) return undefined;
  if (arrays.some((a) => a !== null && (a === ('Array' as string) || !(ARRAY_KINDS as readonly string[]).includes(a)))) return undefined;
  // Typed-array fields are compiled for one object, not for an array of them.
  if (arrays.some((a) => a !== null) && m[3]) return undefined;
  return {
    keys,
    ...(m[1] ? { ctor: m[1] } : {}),
    one: !m[3],
    ...(keys.length < ownKeys.length ? { ownKeys } : {}),
    ...(arrays.some((a) => a !== null) ? { arrays } : {}),
  };
}

/** An element of a local array of booleans (held as 0 and 1) read back as a boolean. */
function boolRead(load: Expr): Expr {
  return { kind: 'unary', type: 'bool', op: 'f64.truthy', arg: load };
}

function shapeName(t: ObjectShape): string {
  const held = (k: string) => (t.arrays?.[t.keys.indexOf(k)] ? `${k}:${t.arrays[t.keys.indexOf(k)]!}` : k);
  const keys = t.ownKeys ? t.ownKeys.map((k) => (t.keys.includes(k) ? held(k) : `${k}()`)) : t.keys.map(held);
  return `${t.ctor ?? ''}{${keys.join(',')}}${t.one ? '' : '[]'}`;
}

/**
 * An entry parameter's type: a scalar or an array as the IR has them, or an array of arrays (`rows`: the kind of
 * each row), which the entry receives as three arrays (IrParam.rows).
 */
type EntryType = ValueType | { rows: ArrayKind } | { objects: ObjectShape } | { string: true };

/** A string parameter (ParamTypeName 'string'), taken as its UTF-16 code units. */
function isString(t: EntryType): t is { string: true } {
  return typeof t === 'object' && 'string' in t;
}

function isRows(t: EntryType): t is { rows: ArrayKind } {
  return typeof t === 'object' && 'rows' in t;
}

function isObjects(t: EntryType): t is { objects: ObjectShape } {
  return typeof t === 'object' && 'objects' in t;
}

/** What the recorded calls passed for a parameter that the compiler does not take: in words, and why not. */
export interface UnusableParam {
  /** e.g. 'an array of arrays', 'a number in some calls and a Float64Array in others'. */
  passed: string;
  why: string;
}

export interface FrontendOptions {
  /**
   * Types for the entry function's parameters, in order; they win over annotations. A parameter the recorded calls
   * gave no type for (UnusableParam) takes its annotation, or is refused naming what the program passed.
   */
  params?: (ParamTypeName | UnusableParam)[];
}

/** The function chosen for compilation, lowered: what every backend compiles. */
export interface Kernel {
  name: string;
  fileName: string;
  /** 1-based line of the function in its file. */
  line: number;
  ir: IrModule;
  /** Functions of the same file it calls (compiled with it). */
  callees: string[];
  /**
   * A nested function's hidden parameters, after its own: the enclosing functions' variables it reads
   * (js-functions.ts closureScope), passed by the rewritten function from where it is.
   */
  captures?: string[];
  /**
   * The file-level variables it reads or writes (module-data.ts), hidden parameters after its own and `captures`:
   * each passed as it is, or in a one-element array (`cell`) when the function assigns it, which the rewritten
   * function writes back; `lexical`: a let (in its temporal dead zone until its declaration runs).
   */
  moduleData?: { name: string; cell: boolean; lexical: boolean }[];
  /**
   * Top-level bindings it reads (functions, and numbers it holds as literals: IrModule.constants), which hold nothing
   * until their declarations run; Apply's `ready` function returns them in this order.
   */
  constReads?: string[];
  /** A method that uses `this`: its object is the last hidden parameter (after `moduleData`), passed by the caller. */
  self?: true;
}

export type FrontendResult = { ok: true; kernel: Kernel } | { ok: false; refusal: Refusal };

let tsModule: Promise<Ts> | undefined;

/** Loads the TypeScript compiler on first use (it is large). */
export function loadTypeScript(): Promise<Ts> {
  tsModule ??= import('typescript').then((m) => (m as { default?: Ts }).default ?? (m as unknown as Ts));
  return tsModule;
}

/** Parses `source` and lowers `functionName`; a Refusal names the first construct outside the subset. */
export function lowerJs(ts: Ts, source: string, fileName: string, functionName: string, options: FrontendOptions = {}): FrontendResult {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, scriptKind(ts, fileName));
  const syntaxError = firstSyntaxError(ts, sf);
  if (syntaxError) return { ok: false, refusal: { construct: functionName, line: 1, column: 1, reason: `the file does not parse (${syntaxError})` } };
  try {
    const file = new FileLowering(ts, sf);
    const top = file.functions.get(functionName);
    const found = top ? undefined : findJsFunction(ts, sf, functionName);
    if (found && (!found.ok || found.fn.topLevel)) {
      const reason = found.ok
        ? `no function named '${functionName}' at the top level of ${fileName} (function declarations and const arrow functions are looked up)`
        : found.reason;
      return { ok: false, refusal: { construct: functionName, line: 1, column: 1, reason } };
    }
    file.checkEval();
    let fn: FunctionNode;
    let captures: Capture[] = [];
    let siblings: FunctionNode[] = [];
    if (top) {
      fn = top;
      file.useBinding(functionName, fn);
    } else {
      // A method, or a function nested in another: its closure is compiled with it (hidden parameters, siblings).
      fn = found!.ok ? found!.fn.node : top!;
      const closure = closureScope(ts, sf, file.moduleScope, fn);
      if ('reason' in closure) throw file.refuse(closure.node, closure.reason);
      captures = closure.captures;
      siblings = closure.siblings;
      file.enterClosure(fn, captures, closure.siblings);
    }
    const data = moduleData(ts, sf, file.moduleScope, file.constants, fn, siblings);
    if ('reason' in data) throw file.refuse(data.node, data.reason);
    file.moduleData = data;
    // A method that uses this takes its object last (js-functions.ts usesThis): an object of numeric fields.
    file.self = top ? undefined : thisSite(ts, fn);
    const types = entryParamTypes(ts, file, fn, options.params, captures, data.entry);
    const entry = file.lower(top ? functionName : fn, types, true);
    const functions = file.reachable(entry.name);
    markWritten(functions);
    markRecursive(functions);
    keepEntryGuards(functions[0]!, types);
    const constReads = [...file.constReads].filter((c) => c !== functionName).sort();
    const constants = constReads.flatMap((name, index) => (file.constants.has(name) ? [{ name, index, value: file.constants.get(name)!.value }] : []));
    const kernel: Kernel = {
      name: functionName,
      fileName,
      line: sf.getLineAndCharacterOfPosition(fn.getStart(sf)).line + 1,
      ir: { entry: entry.name, functions, globals: [...file.globals].sort(), ...(constants.length ? { constants } : {}) },
      callees: [...new Set(functions.filter((f) => f !== entry && file.isTopLevel(f.name)).map((f) => f.name.replace(/\$\d+$/, '')))],
      constReads,
      ...(captures.length ? { captures: captures.map((c) => c.name) } : {}),
      ...(data.entry.length ? { moduleData: data.entry.map((d) => ({ name: d.name, cell: d.cell, lexical: d.keyword !== 'var' })) } : {}),
      ...(file.self ? { self: true as const } : {}),
    };
    return { ok: true, kernel };
  } catch (e) {
    if (e instanceof RefusalError) return { ok: false, refusal: e.refusal };
    throw e;
  }
}

function scriptKind(ts: Ts, fileName: string): TS.ScriptKind {
  if (/\.[cm]?tsx?$/.test(fileName)) return fileName.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  return fileName.endsWith('x') ? ts.ScriptKind.JSX : ts.ScriptKind.JS;
}

type FunctionNode = JsFunctionNode;

/** What a call needs of the function it calls: its name, result and parameter types (of a function being lowered: as assumed so far). */
interface Signature {
  name: string;
  result: ResultType;
  params: { type: ValueType }[];
}

/**
 * Entry parameter types: recorded/explicit types first, then the annotation or JSDoc type; then the types of the
 * captured variables (hidden parameters), which only the recorded calls give.
 */
function entryParamTypes(
  ts: Ts,
  file: FileLowering,
  fn: FunctionNode,
  given: FrontendOptions['params'],
  captures: Capture[] = [],
  data: ModuleDatum[] = [],
): EntryType[] {
  const count = fn.parameters.length + captures.length + data.length + (file.self ? 1 : 0);
  if (given && given.length !== count) {
    const hidden = captures.length ? ` and ${captures.length} variables of the enclosing functions` : '';
    const files = data.length ? ` and ${data.length} variables of the file` : '';
    const self = file.self ? ' and its object (this)' : '';
    throw file.refuse(fn, `${given.length} parameter types were given for ${fn.parameters.length} parameters${hidden}${files}${self}`);
  }
  const declared = fn.parameters.map((p, i) => {
    const recorded = given?.[i];
    const name = typeof recorded === 'string' ? recorded : annotatedType(ts, p);
    if (!name) {
      if (typeof recorded === 'object')
        throw file.refuse(useOf(ts, file, fn, p) ?? p, `${p.name.getText()} was called with ${recorded.passed}: ${recorded.why}`);
      throw file.refuse(p, 'the parameter has no type: annotate it (number, boolean, Float64Array, number[], …) or record the arguments by profiling');
    }
    return valueTypeOf(name, ts.isIdentifier(p.name) && speculateInt32(ts, fn, p.name.text));
  });
  const hidden = captures.map((c, k) => {
    const recorded = given?.[fn.parameters.length + k];
    const where = `${c.name} (line ${file.lineOf(c.declaration)}), a variable of the enclosing function that it reads,`;
    if (typeof recorded === 'object') throw file.refuse(fn, `${where} held ${recorded.passed} when it was called: ${recorded.why}`);
    if (!recorded) throw file.refuse(fn, `${where} has no type: record the calls by profiling, so that its values are seen`);
    const t = valueTypeOf(recorded, speculateInt32(ts, fn, c.name));
    if (isRows(t)) throw file.refuse(fn, `${where} held an array of arrays when it was called: an enclosing function's array of arrays is not compiled`);
    if (isString(t)) throw file.refuse(fn, `${where} held a string when it was called: an enclosing function's string is not compiled`);
    if (isObjects(t))
      throw file.refuse(
        fn,
        `${where} held ${t.objects.one ? 'an object' : 'an array of objects'} when it was called: an enclosing function's objects are not compiled`,
      );
    return t;
  });
  const files = data.map((d, k) => moduleDatumType(ts, file, fn, d, given?.[fn.parameters.length + captures.length + k]));
  const self = file.self ? [selfType(file, file.self, given?.[count - 1])] : [];
  return [...declared, ...hidden, ...files, ...self];
}

/** The first `this` in a method's own body (arrow functions share it), or undefined when it uses none. */
function thisSite(ts: Ts, fn: FunctionNode): TS.Node | undefined {
  if (!usesThis(ts, fn)) return undefined;
  let site: TS.Node | undefined;
  const visit = (n: TS.Node): void => {
    if (site) return;
    if (n.kind === ts.SyntaxKind.ThisKeyword) site = n;
    else if (!(ts.isFunctionLike(n) && !ts.isArrowFunction(n)) && !ts.isClassLike(n)) ts.forEachChild(n, visit);
  };
  ts.forEachChild(fn.body!, visit);
  return site;
}

/**
 * The type of a method's object (`this`), from the recorded calls: one object whose own keys hold numbers and typed
 * arrays, of the class the recording saw (`Integrator{time,dt,steps}`, `Swarm{px:Float64Array,damping}`).
 */
function selfType(file: FileLowering, site: TS.Node, recorded: ParamTypeName | UnusableParam | undefined): EntryType {
  const where = 'this, the object the method was called on,';
  if (typeof recorded === 'object') throw file.refuse(site.parent, `${where} was ${recorded.passed}: ${recorded.why}`);
  if (!recorded) throw file.refuse(site.parent, `${where} has no type: record the calls by profiling, so that its fields are seen`);
  const t = valueTypeOf(recorded, false);
  if (!isObjects(t) || !t.objects.one) throw file.refuse(site.parent, `${where} was not one object whose fields hold numbers and typed arrays`);
  return t;
}

/**
 * The type of a file-level variable the function reads (module-data.ts), from the recorded calls: a number, a table
 * (a plain or typed array, an array of arrays), or, for a variable the function assigns, the one-element array of
 * numbers it is passed in (its cell).
 */
function moduleDatumType(ts: Ts, file: FileLowering, fn: FunctionNode, d: ModuleDatum, recorded: ParamTypeName | UnusableParam | undefined): EntryType {
  const where = `${d.name} (line ${file.lineOf(d.declaration)}), a variable of the file that it ${d.cell ? 'assigns' : 'reads'},`;
  if (typeof recorded === 'object') {
    const passed = d.cell ? recorded.passed.replace(/^an array of /, '') : recorded.passed;
    throw file.refuse(d.site, `${where} held ${passed} when it was called: ${recorded.why}`);
  }
  if (!recorded) throw file.refuse(d.site, `${where} has no type: record the calls by profiling, so that its values are seen`);
  if (d.cell) {
    if (recorded !== 'number[]') throw file.refuse(d.site, `${where} held something other than a number when it was called: only numbers are written back`);
    return { array: 'Array' };
  }
  const t = valueTypeOf(recorded, speculateInt32(ts, fn, d.name));
  if (isString(t)) throw file.refuse(d.site, `${where} held a string when it was called: strings of the file are not compiled (string parameters are)`);
  if (isObjects(t))
    throw file.refuse(d.site, `${where} held ${t.objects.one ? 'an object' : 'an array of objects'} when it was called: objects of the file are not compiled`);
  return t;
}

/**
 * Where the body uses a parameter whose recorded values the compiler does not take, for the refusal to point at: the
 * first access into one of its elements (`bodies[i][k]`, `bodies[i].x`: the rows or fields of an array of arrays or
 * of objects), else its first element read (`p = particles[i]`, `s[i]`), else its first use (`s.length`); undefined
 * when the body never names the parameter itself (a name that a nested function or block declares again is another
 * binding).
 */
function useOf(ts: Ts, file: FileLowering, fn: FunctionNode, p: TS.ParameterDeclaration): TS.Node | undefined {
  if (!ts.isIdentifier(p.name) || !fn.body) return undefined;
  const name = p.name.text;
  let first: TS.Node | undefined;
  let element: TS.Node | undefined;
  let nested: TS.Node | undefined;
  const accessOf = (n: TS.Node): TS.Node | undefined => {
    const up = n.parent;
    return up && (ts.isElementAccessExpression(up) || ts.isPropertyAccessExpression(up)) && up.expression === n ? up : undefined;
  };
  const visit = (n: TS.Node): void => {
    if (nested) return;
    if (ts.isIdentifier(n) && n.text === name && !isPropertyName(ts, n) && file.moduleScope.scopeDeclaring(n, name) === fn) {
      const read = ts.isElementAccessExpression(n.parent) && n.parent.expression === n ? n.parent : undefined;
      const inner = read && accessOf(read);
      if (inner) nested = inner;
      else if (read) element ??= read;
      else first ??= accessOf(n) ?? n;
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(fn.body);
  return nested ?? element ?? first;
}

/** An identifier that names a property or a label, not a binding (`o.x`'s x, `{ x: 1 }`'s x, `break x`). */
function isPropertyName(ts: Ts, n: TS.Identifier): boolean {
  const up = n.parent;
  return (
    (ts.isPropertyAccessExpression(up) && up.name === n) ||
    (ts.isPropertyAssignment(up) && up.name === n) ||
    ((ts.isBreakOrContinueStatement(up) || ts.isLabeledStatement(up)) && up.label === n)
  );
}

function valueTypeOf(name: ParamTypeName, speculate: boolean): EntryType {
  const shape = objectShapeOf(name);
  if (shape) return { objects: shape };
  if (name.endsWith('[][]')) return { rows: 'Array' };
  if (name.endsWith('[]') && name !== 'number[]') return { rows: name.slice(0, -2) as ArrayKind };
  switch (name) {
    case 'string':
      return { string: true };
    case 'number':
      return speculate ? 'i32' : 'f64';
    case 'int32':
      return 'i32';
    case 'double':
      return 'f64';
    case 'boolean':
      return 'bool';
    case 'number[]':
      return { array: 'Array' };
    default:
      return { array: name as Exclude<ArrayKind, 'Array'> };
  }
}

function annotatedType(ts: Ts, p: TS.ParameterDeclaration): ParamTypeName | undefined {
  const type = p.type ?? ts.getJSDocType(p);
  if (!type) return undefined;
  const text = type.getText().replace(/\s+/g, '');
  if (text === 'number') return 'number';
  if (text === 'boolean') return 'boolean';
  if (text === 'string') return 'string';
  if (text === 'number[]' || text === 'Array<number>') return 'number[]';
  if (text === 'number[][]') return 'number[][]';
  const rows = /^(\w+)\[\]$/.exec(text)?.[1];
  if (rows && (ARRAY_KINDS as readonly string[]).includes(rows) && rows !== 'Array') return `${rows as Exclude<ArrayKind, 'Array'>}[]`;
  if ((ARRAY_KINDS as readonly string[]).includes(text) && text !== 'Array') return text as ParamTypeName;
  return undefined;
}

/**
 * Int32 speculation for a `number` parameter that is never reassigned and bounds a loop counter, takes part in an
 * array index or starts a counted loop: the common shape of sizes, counts and ranges; or that is an operand of `%`,
 * reassigned or not (`n % d`, gcd's `a % b`, Collatz's `n % 2`). The loader checks it per call.
 */
function speculateInt32(ts: Ts, fn: FunctionNode, name: string): boolean {
  let assigned = false;
  let intUse = false;
  let modUse = false;
  const visit = (n: TS.Node, inIndex: boolean): void => {
    if (ts.isIdentifier(n) && n.text === name) {
      if (inIndex) intUse = true;
      return;
    }
    if (isAssignmentTo(ts, n, name)) assigned = true;
    // An operand of % (`k % d`, `n % 2`): integer arithmetic, however the function goes on to assign it.
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.PercentToken && (isName(ts, n.left, name) || isName(ts, n.right, name))) {
      modUse = true;
    }
    if (ts.isBinaryExpression(n) && isRelational(ts, n.operatorToken.kind)) {
      const other = isName(ts, n.left, name) ? n.right : isName(ts, n.right, name) ? n.left : undefined;
      if (other && ts.isIdentifier(other) && (isForCounter(ts, n, other.text) || onlySteps(ts, fn, other.text))) intUse = true;
    }
    if (ts.isForStatement(n) && n.condition) {
      // The start of a counted loop (`for (var k = from; k < to; k++)`).
      if (n.initializer && ts.isVariableDeclarationList(n.initializer)) {
        for (const d of n.initializer.declarations)
          if (d.initializer && isName(ts, d.initializer, name) && ts.isIdentifier(d.name) && onlySteps(ts, n, d.name.text)) intUse = true;
      }
      if (n.initializer) visit(n.initializer, inIndex);
      visit(n.condition, true);
      if (n.incrementor) visit(n.incrementor, inIndex);
      visit(n.statement, inIndex);
      return;
    }
    if (ts.isElementAccessExpression(n)) {
      visit(n.expression, inIndex);
      visit(n.argumentExpression, true);
      return;
    }
    ts.forEachChild(n, (c) => visit(c, inIndex));
  };
  if (fn.body) visit(fn.body, false);
  return modUse || (intUse && !assigned);
}

function isName(ts: Ts, n: TS.Node, name: string): boolean {
  return ts.isIdentifier(unwrapExpression(ts, n as TS.Expression)) && (unwrapExpression(ts, n as TS.Expression) as TS.Identifier).text === name;
}

/** A variable changed only by ++/-- (or += 1, -= 1): a counter. */
function onlySteps(ts: Ts, fn: TS.Node, name: string): boolean {
  let steps = 0;
  let other = false;
  const visit = (c: TS.Node): void => {
    if (isAssignmentTo(ts, c, name)) {
      if (updateStep(ts, c as TS.Expression, name)) steps++;
      else other = true;
    }
    ts.forEachChild(c, visit);
  };
  visit(fn);
  return steps > 0 && !other;
}

function isForCounter(ts: Ts, cond: TS.BinaryExpression, counter: string): boolean {
  const parent = cond.parent;
  return !!parent && ts.isForStatement(parent) && parent.condition === cond && !!parent.initializer && initialisesName(ts, parent.initializer, counter);
}

/** Whether a for loop's initialiser gives `name` its starting value: `let i = 0`, `var i = 0`, or `i = 0` (maybe in a comma list). */
function initialisesName(ts: Ts, init: TS.ForInitializer, name: string): boolean {
  if (ts.isVariableDeclarationList(init)) return init.declarations.some((d) => ts.isIdentifier(d.name) && d.name.text === name);
  const e = unwrapExpression(ts, init);
  if (!ts.isBinaryExpression(e)) return false;
  if (e.operatorToken.kind === ts.SyntaxKind.CommaToken) return initialisesName(ts, e.left, name) || initialisesName(ts, e.right, name);
  return e.operatorToken.kind === ts.SyntaxKind.EqualsToken && isName(ts, e.left, name);
}

function isRelational(ts: Ts, k: TS.SyntaxKind): boolean {
  const K = ts.SyntaxKind;
  return k === K.LessThanToken || k === K.LessThanEqualsToken || k === K.GreaterThanToken || k === K.GreaterThanEqualsToken;
}

function isAssignmentTo(ts: Ts, n: TS.Node, name: string): boolean {
  if (ts.isBinaryExpression(n) && isAssignmentOperator(ts, n.operatorToken.kind)) return isName(ts, n.left, name);
  if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && isIncDec(ts, n.operator)) return isName(ts, n.operand, name);
  return false;
}

function isAssignmentOperator(ts: Ts, k: TS.SyntaxKind): boolean {
  return k >= ts.SyntaxKind.FirstAssignment && k <= ts.SyntaxKind.LastAssignment;
}

function isIncDec(ts: Ts, k: TS.SyntaxKind): boolean {
  return k === ts.SyntaxKind.PlusPlusToken || k === ts.SyntaxKind.MinusMinusToken;
}

/** The value of a file-level variable the kernel assigns: element 0 of its cell (module-data.ts). */
function cellRead(array: number): Expr {
  return { kind: 'load', type: 'f64', array, index: { kind: 'const', type: 'i32', value: 0 } };
}

/**
 * Sets `written` on every array a function stores to, directly or through the functions it calls (again until
 * nothing changes: a recursive callee's flags may be set after its caller read them).
 */
function markWritten(functions: IrFunction[]): void {
  const byName = new Map(functions.map((f) => [f.name, f]));
  const count = () => functions.reduce((n, f) => n + f.arrays.filter((a) => a.written).length, 0);
  let done = new Set<IrFunction>();
  const visit = (f: IrFunction): void => {
    if (done.has(f)) return;
    done.add(f);
    const walkE = (e: Expr): void => {
      switch (e.kind) {
        case 'unary':
          return walkE(e.arg);
        case 'binary':
          walkE(e.left);
          return walkE(e.right);
        case 'math':
          return e.args.forEach(walkE);
        case 'cond':
          walkE(e.cond);
          walkE(e.then);
          return walkE(e.else);
        case 'load':
          return walkE(e.index);
        case 'call': {
          const callee = byName.get(e.fn)!;
          visit(callee);
          const arrayParams = callee.params.filter((p) => isArrayType(p.type));
          let k = 0;
          for (const a of e.args) {
            if (a.kind === 'array') {
              if (callee.arrays[arrayParams[k]!.slot]!.written) f.arrays[a.array]!.written = true;
              k++;
            } else walkE(a);
          }
          return;
        }
        default:
          return;
      }
    };
    const walkS = (s: Stmt): void => {
      switch (s.kind) {
        case 'set':
        case 'expr':
          return walkE(s.value);
        case 'store':
          f.arrays[s.array]!.written = true;
          walkE(s.index);
          return walkE(s.value);
        case 'alloc':
          if (s.length) walkE(s.length);
          s.values?.forEach(walkE);
          if (s.fill) walkE(s.fill);
          return;
        case 'push':
          return walkE(s.value);
        case 'if':
          walkE(s.cond);
          s.then.forEach(walkS);
          return s.else.forEach(walkS);
        case 'loop':
          if (s.test) walkE(s.test);
          if (s.postTest) walkE(s.postTest);
          s.body.forEach(walkS);
          return s.update.forEach(walkS);
        case 'return':
          if (s.value) walkE(s.value);
          return;
        default:
          return;
      }
    };
    f.body.forEach(walkS);
  };
  for (let before = -1; before !== count();) {
    before = count();
    done = new Set<IrFunction>();
    functions.forEach(visit);
  }
}

const HOST_ARITY: Partial<Record<HostMath, number>> = { pow: 2, atan2: 2 };

/** The file: its top-level functions and numeric constants, and the lowered functions by specialisation. */
class FileLowering {
  functions = new Map<string, FunctionNode>();
  /** File-level numbers the compiled code holds as literals (module-constants.ts). */
  readonly constants: Map<string, ModuleConstant>;
  /** Global bindings and properties the lowered functions read (IrModule.globals). */
  readonly globals = new Set<string>();
  /** Top-level consts the lowered functions read (Kernel.constReads). */
  readonly constReads = new Set<string>();
  readonly moduleScope: ModuleScope;
  private lowered = new Map<string, IrFunction>();
  /** The functions being lowered (their current round), which a recursive call reads the signature of. */
  private inProgress = new Map<string, FunctionLowering | undefined>();
  /** Calls that read the signature of a function still being lowered, so far (callees lowered then may change). */
  pendingReads = 0;
  private names = new Map<string, number>();
  private irNames = new Map<string, string>();
  /** The IR names of functions declared at the top level (the others are a closure's: Kernel.callees lists these). */
  private topLevelNames = new Set<string>();
  /** A nested entry's closure: the hidden parameters and the enclosing functions' functions compiled with it. */
  private closure: { captures: Capture[]; members: Set<TS.Node> } | undefined;
  /** The file-level variables the kernel's functions use (module-data.ts), set before lowering. */
  moduleData: ModuleData | undefined;
  /** The entry is a method that uses `this` (its first use): its object is a hidden parameter after all others. */
  self: TS.Node | undefined;
  private nestedNames = new Map<TS.Node, string>();

  constructor(
    readonly ts: Ts,
    readonly sf: TS.SourceFile,
  ) {
    this.moduleScope = analyseModuleScope(ts, sf);
    this.functions = topLevelFunctions(ts, sf);
    this.constants = moduleConstants(ts, sf, this.moduleScope);
  }

  /**
   * Why a name the function reads from the file's top level is not compiled, where it is not one of the variables
   * passed to compiled code (module-data.ts: tables and numbers are): a function held in a variable, or a use the
   * compiled code has no value for. Undefined when the file declares no such binding.
   */
  moduleBindingRefusal(name: string): string | undefined {
    const ts = this.ts;
    const decl = this.moduleScope.declarations(name)[0];
    if (!decl || !ts.isVariableDeclaration(decl)) return undefined;
    const twice = this.declaredTwice(name);
    if (twice) return twice;
    const line = this.lineOf(decl);
    const init = decl.initializer && unwrapExpression(ts, decl.initializer);
    if (init && (ts.isFunctionExpression(init) || ts.isArrowFunction(init) || ts.isClassExpression(init)))
      return `${name} (line ${line}) holds a function or class in a variable of the file; compiled code calls only functions declared with function or bound to a const`;
    return `${name} (line ${line}) is a variable of the file that compiled code does not take here (numbers and arrays of numbers it reads or assigns are): pass it as an argument`;
  }

  /** Why a name declared more than once at module scope cannot be inlined; undefined when it is declared once. */
  private declaredTwice(name: string): string | undefined {
    const decls = this.moduleScope.declarations(name);
    if (decls.length < 2) return undefined;
    return `${name} is declared ${decls.length} times in this file (lines ${decls.map((d) => this.lineOf(d)).join(', ')}); the compiled code could not follow which one is in force`;
  }

  lineOf(node: TS.Node): number {
    return this.sf.getLineAndCharacterOfPosition(node.getStart(this.sf)).line + 1;
  }

  /**
   * Refuses a file whose direct eval could change any name a compiled function reads (it can declare and assign
   * the module's bindings at run time).
   */
  checkEval(): void {
    const e = this.moduleScope.directEval;
    if (e) throw this.refuse(e, 'the file calls eval, which can declare or assign any name the function reads; the compiled code could not follow');
  }

  /**
   * A global the compiled code gives its built-in meaning (`Math`, `Number`, `NaN`, `Infinity`): refused when the
   * file declares the name itself. `property` (e.g. 'exp' of Math) is what the loaders check on every call.
   */
  useGlobal(name: string, property: string | undefined, site: TS.Node): void {
    const decl = this.moduleScope.declarations(name)[0];
    if (decl) {
      throw this.refuse(site, `${name} is declared in this file (line ${this.lineOf(decl)}), so it is not the built-in ${name} the compiled code would use`);
    }
    if (name === 'Math' || name === 'Number' || (ARRAY_KINDS as readonly string[]).includes(name)) {
      this.globals.add(name);
      if (property !== undefined) this.globals.add(`${name}.${property}`);
    }
  }

  /**
   * A top-level function or constant the compiled code inlines: refused when the program can make the name mean
   * something else (declared twice, assigned anywhere in the file), since the compiled code would keep the first.
   */
  useBinding(name: string, site: TS.Node): void {
    const decls = this.moduleScope.declarations(name);
    const twice = this.declaredTwice(name);
    if (twice) throw this.refuse(site, twice);
    const write = this.moduleScope.writes(name)[0];
    if (write) {
      throw this.refuse(site, `${name} is assigned at line ${this.lineOf(write)}; the compiled code would keep using the one it was compiled with`);
    }
    if (decls[0] && this.ts.isVariableDeclaration(decls[0])) this.constReads.add(name);
  }

  refuse(node: TS.Node, reason: string): RefusalError {
    const pos = this.sf.getLineAndCharacterOfPosition(node.getStart(this.sf));
    let construct = node.getText(this.sf).replace(/\s+/g, ' ');
    if (construct.length > 60) construct = construct.slice(0, 57) + '…';
    return new RefusalError({ construct, line: pos.line + 1, column: pos.character + 1, reason });
  }

  /** A nested function (or a method) as the entry, with its closure (js-functions.ts closureScope). */
  enterClosure(entry: FunctionNode, captures: Capture[], siblings: FunctionNode[]): void {
    this.closure = { captures, members: new Set<TS.Node>([entry, ...siblings]) };
    for (const f of [entry, ...siblings]) {
      const v8 = ownName(this.ts, f) ?? 'anonymous';
      let name = qualifiedName(this.ts, f, v8);
      if ([...this.nestedNames.values()].includes(name) || this.functions.has(name)) name = `${name}@${this.lineOf(f)}`;
      this.nestedNames.set(f, name);
    }
  }

  /** The file-level variables `node` (a function of the kernel) and the functions it calls use: its last hidden parameters. */
  moduleDataOf(node: TS.Node): ModuleDatum[] {
    return this.moduleData?.of(node) ?? [];
  }

  /** The hidden parameters of a function of the entry's closure; none for a top-level function. */
  capturesOf(node: TS.Node): Capture[] {
    return this.closure?.members.has(node) ? this.closure.captures : [];
  }

  /** A function of the entry's closure that `callee` names where it is called, if any. */
  closureFunction(callee: TS.Identifier): FunctionNode | undefined {
    if (!this.closure) return undefined;
    const owner = this.moduleScope.scopeDeclaring(callee.parent, callee.text);
    const decl = owner && declarationIn(this.ts, owner, callee.text);
    // (A named function expression calling itself by its own name: the declaration is the function.)
    const fn = decl && (this.closure.members.has(decl) ? (decl as FunctionNode) : boundFunction(this.ts, decl));
    return fn && this.closure.members.has(fn) ? fn : undefined;
  }

  isTopLevel(irName: string): boolean {
    return this.topLevelNames.has(irName);
  }

  /**
   * Lowers a function for the given parameter types (each distinct signature is its own function): a top-level
   * function by name, or a function of the entry's closure by node. A call of a function being lowered (recursion)
   * gets its signature as the current round assumes it (lowerFunction repeats until the assumptions hold).
   */
  lower(ref: string | FunctionNode, types: EntryType[], entry: boolean): Signature {
    const node = typeof ref === 'string' ? this.functions.get(ref)! : ref;
    const name = typeof ref === 'string' ? ref : this.nestedNames.get(ref)!;
    const key = `${name}(${types.map((t) => (isRows(t) ? `${t.rows}[]` : isObjects(t) ? shapeName(t.objects) : isString(t) ? 'string' : isArrayType(t) ? t.array : t)).join(',')})`;
    const done = this.lowered.get(key);
    if (done) return done;
    if (this.inProgress.has(key)) {
      const current = this.inProgress.get(key);
      this.pendingReads++;
      return current!.signature();
    }
    let irName = this.irNames.get(key);
    if (irName === undefined) {
      const n = this.names.get(name) ?? 0;
      this.names.set(name, n + 1);
      irName = entry || n === 0 ? name : `${name}$${n}`;
      this.irNames.set(key, irName);
    }
    if (typeof ref === 'string') this.topLevelNames.add(irName);
    this.inProgress.set(key, undefined);
    const fn = lowerFunction(this, node, irName, types, this.capturesOf(node), (fl) => this.inProgress.set(key, fl), this.lowered, entry);
    this.inProgress.delete(key);
    this.lowered.set(key, fn);
    return fn;
  }

  /** The functions reachable from `entry`, entry first. */
  reachable(entry: string): IrFunction[] {
    const byName = new Map([...this.lowered.values()].map((f) => [f.name, f]));
    const out: IrFunction[] = [];
    const seen = new Set<string>();
    const visit = (name: string): void => {
      if (seen.has(name)) return;
      seen.add(name);
      const f = byName.get(name)!;
      out.push(f);
      forEachCall(f.body, (c) => visit(c));
    };
    visit(entry);
    return out;
  }
}

function forEachCall(body: Stmt[], fn: (name: string) => void): void {
  const e = (x: Expr): void => {
    switch (x.kind) {
      case 'call':
        fn(x.fn);
        return x.args.forEach((a) => a.kind !== 'array' && e(a));
      case 'unary':
        return e(x.arg);
      case 'binary':
        e(x.left);
        return e(x.right);
      case 'math':
        return x.args.forEach(e);
      case 'cond':
        e(x.cond);
        e(x.then);
        return e(x.else);
      case 'load':
        return e(x.index);
      default:
        return;
    }
  };
  const s = (st: Stmt): void => {
    switch (st.kind) {
      case 'set':
      case 'expr':
        return e(st.value);
      case 'store':
        e(st.index);
        return e(st.value);
      case 'alloc':
        if (st.length) e(st.length);
        st.values?.forEach(e);
        if (st.fill) e(st.fill);
        return;
      case 'push':
        return e(st.value);
      case 'if':
        e(st.cond);
        st.then.forEach(s);
        return st.else.forEach(s);
      case 'loop':
        if (st.test) e(st.test);
        if (st.postTest) e(st.postTest);
        st.body.forEach(s);
        return st.update.forEach(s);
      case 'return':
        if (st.value) e(st.value);
        return;
      default:
        return;
    }
  };
  body.forEach(s);
}

/**
 * Lowers a function, repeating until every variable's type is stable (types only widen: i32/u32 → f64), and its
 * result type too when it calls itself. Functions lowered in a round that read the signature of a function still
 * being lowered are lowered again in the next round, from that round's assumptions.
 */
function lowerFunction(
  file: FileLowering,
  node: FunctionNode,
  name: string,
  types: EntryType[],
  hidden: Capture[],
  current: (fl: FunctionLowering) => void,
  lowered: Map<string, IrFunction>,
  entry: boolean,
): IrFunction {
  let assumed: (ScalarType | undefined)[] = [];
  let assumedResult: ResultType | undefined;
  for (let round = 0; ; round++) {
    const before = new Set(lowered.keys());
    const reads = file.pendingReads;
    const fl = new FunctionLowering(file, node, name, types, assumed, assumedResult, hidden, entry);
    current(fl);
    const fn = fl.run();
    const stable = fl.collected.every((t, i) => t === assumed[i]) && fn.result === assumedResult;
    if (stable) return fn;
    if (round > 8) throw file.refuse(node, 'the types of its variables do not settle');
    if (file.pendingReads !== reads) for (const k of lowered.keys()) if (!before.has(k)) lowered.delete(k);
    assumed = fl.collected;
    assumedResult = fn.result;
  }
}

/**
 * The result a recursive call assumes before the first round of its function has ended: void without a
 * `return value`, a boolean when some return gives one, else int32 (the next rounds widen it as needed).
 */
function guessResult(ts: Ts, node: FunctionNode): ResultType {
  const K = ts.SyntaxKind;
  const looksBoolean = (x: TS.Expression): boolean => {
    const e = unwrapExpression(ts, x);
    if (e.kind === K.TrueKeyword || e.kind === K.FalseKeyword) return true;
    if (ts.isPrefixUnaryExpression(e)) return e.operator === K.ExclamationToken;
    if (ts.isConditionalExpression(e)) return looksBoolean(e.whenTrue) || looksBoolean(e.whenFalse);
    if (!ts.isBinaryExpression(e)) return false;
    const op = e.operatorToken.kind;
    return (
      isRelational(ts, op) ||
      op === K.EqualsEqualsEqualsToken ||
      op === K.ExclamationEqualsEqualsToken ||
      op === K.EqualsEqualsToken ||
      op === K.ExclamationEqualsToken ||
      op === K.AmpersandAmpersandToken ||
      op === K.BarBarToken
    );
  };
  if (node.body && !ts.isBlock(node.body)) return looksBoolean(node.body) ? 'bool' : 'i32';
  let valued = false;
  let bool = false;
  const visit = (n: TS.Node): void => {
    if (ts.isFunctionLike(n) || ts.isClassLike(n)) return;
    if (ts.isReturnStatement(n) && n.expression) {
      valued = true;
      if (looksBoolean(n.expression)) bool = true;
    }
    ts.forEachChild(n, visit);
  };
  if (node.body) ts.forEachChild(node.body, visit);
  return !valued ? 'void' : bool ? 'bool' : 'i32';
}

/**
 * An entry parameter speculated int32 that the function also assigns values that are not (`n = n / 2`, `b = a % b`)
 * is a double inside, but the loader still checks that it arrives as an int32 (and calls the original otherwise):
 * its value at entry is an integer, which lets the backends hold it in an integer local (exact-ints.ts). Not for a
 * recursive entry, whose own calls pass doubles.
 */
function keepEntryGuards(entry: IrFunction, types: EntryType[]): void {
  if (entry.recursive) return;
  // An array of arrays is three parameters of the IR (IrParam.rows).
  // An array of arrays is three parameters of the IR (IrParam.rows), an object one per key (IrParam.field).
  const irTypes = types.flatMap((t): (EntryType | undefined)[] =>
    isRows(t) ? [undefined, undefined, undefined] : isObjects(t) ? t.objects.keys.map(() => undefined) : [t],
  );
  entry.params.forEach((p, i) => {
    if (irTypes[i] === 'i32' && p.type === 'f64') p.guard = 'int32';
  });
}

/** Sets `recursive` on each function that can call itself, directly or through others. */
function markRecursive(functions: IrFunction[]): void {
  const calls = new Map(functions.map((f) => [f.name, new Set<string>()]));
  for (const f of functions) forEachCall(f.body, (c) => calls.get(f.name)!.add(c));
  for (const f of functions) {
    const seen = new Set<string>();
    const stack = [...calls.get(f.name)!];
    while (stack.length) {
      const g = stack.pop()!;
      if (g === f.name) {
        f.recursive = true;
        break;
      }
      if (seen.has(g)) continue;
      seen.add(g);
      stack.push(...(calls.get(g) ?? []));
    }
  }
}

/** A name in scope; `capture`: an enclosing function's variable, a hidden parameter (its declaration). */
type Binding =
  | { kind: 'local'; local: number; capture?: Capture }
  /** A file-level variable the kernel assigns (module-data.ts): element 0 of a one-element plain array, its cell. */
  | { kind: 'cell'; array: number; capture?: undefined }
  /** A string parameter: its code units (a Uint16Array, IrParam.string), read only. */
  | { kind: 'string'; array: number; capture?: undefined }
  | { kind: 'array'; array: number; capture?: Capture }
  /**
   * An array of arrays, held as its rows' elements one after another (`data`), each row's start and length: a
   * parameter's (IrParam.rows), or, `local`, one the function makes (`const c = []; … c.push(row)`): three local plain
   * arrays, its starts and lengths held as doubles.
   */
  | { kind: 'rows'; name: string; data: number; starts: number; lengths: number; local?: true; capture?: undefined }
  /** A variable holding a row of an array of arrays (`const row = m[i]`): the index it was taken at. */
  | { kind: 'row'; of: RowsBinding; index: number; capture?: undefined }
  /**
   * An object with numeric fields (`one`) or an array of them: one Float64Array per key (IrParam.field), from array
   * `fields` on, in `keys` order; `name` is the parameter's.
   */
  | { kind: 'objects'; name: string; fields: number; keys: string[]; one: boolean; ownKeys?: string[]; arrays?: (FieldArrayKind | null)[]; capture?: undefined }
  /** A variable holding an element of an array of objects (`const b = bodies[i]`): the index it was taken at. */
  | { kind: 'element'; of: ObjectsBinding; index: number; capture?: undefined };

type ObjectsBinding = Extract<Binding, { kind: 'objects' }>;
type RowsBinding = Extract<Binding, { kind: 'rows' }>;

interface LoopContext {
  label: number;
  /** For an int32 counter loop: the counter's local, proven not to overflow by the loop's condition. */
  counter?: number;
  counterStep?: 1 | -1;
  /** The statement or for-update that steps the counter. */
  counterUpdate?: TS.Expression;
}

function join(a: ScalarType, b: ScalarType): ScalarType | undefined {
  if (a === b) return a;
  if (a === 'bool' || b === 'bool') return undefined;
  return 'f64';
}

class FunctionLowering {
  private ts: Ts;
  private locals: IrLocal[] = [];
  private arrays: IrArray[] = [];
  private params: IrParam[] = [];
  collected: (ScalarType | undefined)[] = [];
  private result: ResultType | undefined;
  private scopes: Map<string, Binding>[] = [];
  private loops: LoopContext[] = [];
  private nextLabel = 0;

  constructor(
    private file: FileLowering,
    private node: FunctionNode,
    private name: string,
    private types: EntryType[],
    private assumed: (ScalarType | undefined)[],
    private assumedResult: ResultType | undefined,
    private hidden: Capture[] = [],
    /** The function optimized (not one it calls): only it may return an array it made. */
    private isEntry = false,
  ) {
    this.ts = file.ts;
  }

  /**
   * Local arrays of booleans (`var flags = []; flags.push(true)`, `new Array(n).fill(true)`), by slot, with where each
   * was made: held as 0 and 1, read back as booleans; only booleans are stored, and the array never leaves the
   * function (passed on, returned, popped), so no one sees the numbers.
   */
  private boolArrays = new Map<number, TS.Node>();

  /** The local array the function returns (IrFunction.returns), and the returns that give no array. */
  private returnsArray: { kind: ArrayKind; node: TS.Node; rows?: true } | undefined;
  private scalarReturn: TS.Node | undefined;

  /** The hidden parameters as a call to another function of the closure passes them on. */
  private hiddenArgs: CallArg[] = [];

  /** The file-level variables it takes (module-data.ts), by name: the scope under all others, which a call passes on from. */
  private dataScope = new Map<string, Binding>();
  /** Reads of the entry's cells before its body, each bailing out on an empty cell. */
  private cellChecks: Stmt[] = [];

  /**
   * The signature a recursive call sees while this function is being lowered: the parameters' types of this round,
   * and the result it assumed (the first round: the results seen so far, else a guess from its return statements).
   */
  signature(): Signature {
    const result = this.assumedResult ?? this.result ?? guessResult(this.ts, this.node);
    return { name: this.name, result, params: this.params.map((p) => ({ type: isArrayType(p.type) ? p.type : this.localType(p.slot) })) };
  }

  private refuse(node: TS.Node, reason: string): RefusalError {
    return this.file.refuse(node, reason);
  }

  run(): IrFunction {
    const ts = this.ts;
    const node = this.node;
    if (node.asteriskToken) throw this.refuse(node, 'generator functions are not compiled');
    if (node.modifiers?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) throw this.refuse(node, 'async functions are not compiled');
    this.scopes.push(this.dataScope);
    const hiddenScope = new Map<string, Binding>();
    this.scopes.push(hiddenScope);
    this.scopes.push(new Map());
    node.parameters.forEach((p, i) => {
      if (!ts.isIdentifier(p.name)) throw this.refuse(p, 'destructured parameters are not compiled');
      if (p.initializer) throw this.refuse(p, 'default parameter values are not compiled');
      if (p.dotDotDotToken) throw this.refuse(p, 'rest parameters are not compiled');
      const t = this.types[i]!;
      if (isString(t)) {
        // Its UTF-16 code units (the loader makes them), read only; passed to no other function.
        if (!this.isEntry) throw this.refuse(p, 'a string is compiled only as a parameter of the function optimized');
        const array = this.arrays.length;
        this.arrays.push({ name: p.name.text, kind: 'Uint16Array', written: false });
        this.params.push({ name: p.name.text, type: { array: 'Uint16Array' }, slot: array, string: true });
        this.scope().set(p.name.text, { kind: 'string', array });
      } else if (isRows(t)) {
        if (!this.isEntry) throw this.refuse(p, 'an array of arrays is compiled only as a parameter of the function optimized');
        this.scope().set(p.name.text, this.rowsParam(p.name.text, t.rows));
      } else if (isObjects(t)) {
        const what = t.objects.one ? 'an object' : 'an array of objects';
        if (!this.isEntry) throw this.refuse(p, `${what} is compiled only as a parameter of the function optimized`);
        this.scope().set(p.name.text, this.objectsParam(p.name.text, t.objects));
      } else if (isArrayType(t)) {
        const array = this.arrays.length;
        this.arrays.push({ name: p.name.text, kind: t.array, written: false });
        this.params.push({ name: p.name.text, type: t, slot: array });
        this.scope().set(p.name.text, { kind: 'array', array });
      } else {
        const local = this.declare(p.name.text, t);
        this.params.push({ name: p.name.text, type: t, slot: local });
      }
    });
    // The enclosing functions' variables it reads, after its own parameters: a scope of their own, which its
    // parameters and locals hide.
    this.hidden.forEach((c, k) => {
      const t = this.types[node.parameters.length + k]! as ValueType;
      if (isArrayType(t)) {
        const array = this.arrays.length;
        this.arrays.push({ name: c.name, kind: t.array, written: false });
        this.params.push({ name: c.name, type: t, slot: array });
        hiddenScope.set(c.name, { kind: 'array', array, capture: c });
        this.hiddenArgs.push({ kind: 'array', array });
      } else {
        const local = this.locals.length;
        this.locals.push({ name: c.name, type: t });
        this.collected[local] = t;
        this.params.push({ name: c.name, type: t, slot: local });
        hiddenScope.set(c.name, { kind: 'local', local, capture: c });
        this.hiddenArgs.push(this.read(local));
      }
    });
    // The file-level variables it uses (module-data.ts), last: a scope under all others.
    this.file.moduleDataOf(node).forEach((d, k) => {
      // (An object was refused by moduleDatumType.)
      const t = this.types[node.parameters.length + this.hidden.length + k]! as ValueType | { rows: ArrayKind };
      if (d.cell) {
        const array = this.arrays.length;
        this.arrays.push({ name: d.name, kind: 'Array', written: false });
        this.params.push({ name: d.name, type: { array: 'Array' }, slot: array });
        this.dataScope.set(d.name, { kind: 'cell', array });
        // A cell that holds no element bails out at once: the original it falls back to writes the variable back
        // into it (growing it) even on a path that never reads it.
        if (this.isEntry) this.cellChecks.push({ kind: 'expr', value: cellRead(array) });
      } else if (isRows(t)) {
        if (!this.isEntry)
          throw this.refuse(
            d.site,
            `${d.name} (line ${this.file.lineOf(d.declaration)}) is an array of arrays of the file, which is compiled only where the function optimized reads it, not in a function it calls`,
          );
        this.dataScope.set(d.name, this.rowsParam(d.name, t.rows));
      } else if (isArrayType(t)) {
        const array = this.arrays.length;
        this.arrays.push({ name: d.name, kind: t.array, written: false });
        this.params.push({ name: d.name, type: t, slot: array });
        this.dataScope.set(d.name, { kind: 'array', array });
      } else if (typeof t === 'string') {
        const local = this.locals.length;
        this.locals.push({ name: d.name, type: t });
        this.collected[local] = t;
        this.params.push({ name: d.name, type: t, slot: local });
        this.dataScope.set(d.name, { kind: 'local', local });
        this.constLocals.add(local); // never assigned: a variable the kernel assigns is a cell
      } else throw this.refuse(d.site, `${d.name} (line ${this.file.lineOf(d.declaration)}) holds a value of the file that compiled code does not take`);
    });
    // A method's object, last (selfType): its fields, as one object parameter's, under the name `this`.
    if (this.isEntry && this.file.self) {
      const t = this.types[this.types.length - 1]! as { objects: ObjectShape };
      this.dataScope.set('this', this.objectsParam('this', t.objects));
    }
    let body: Stmt[];
    if (!node.body) throw this.refuse(node, 'the function has no body');
    if (ts.isBlock(node.body)) {
      this.hoistVars(node.body);
      body = this.block(node.body.statements);
      if (((this.result !== undefined && this.result !== 'void') || this.returnsArray) && this.canComplete(node.body.statements)) {
        throw this.refuse(node.name ?? node, 'some paths reach the end without returning a value (JavaScript would return undefined)');
      }
      if (this.returnsArray && this.scalarReturn)
        throw this.refuse(
          this.scalarReturn,
          `the function returns an array (line ${this.file.lineOf(this.returnsArray.node)}) on some paths and no array here`,
        );
    } else {
      const value = this.expr(node.body);
      this.noteResult(value.type, node.body);
      body = [{ kind: 'return', value: this.asResult(value) }];
    }
    // Parameters take their final (widened) types; an int32 guard is kept only where the parameter stays int32.
    for (const p of this.params) {
      if (isArrayType(p.type)) continue;
      const t = this.localType(p.slot);
      if (p.type === 'i32' && t === 'i32') p.guard = 'int32';
      p.type = t;
    }
    this.locals.forEach((l, i) => (l.type = this.localType(i)));
    return {
      name: this.name,
      params: this.params,
      locals: this.locals,
      arrays: this.arrays,
      result: this.result ?? 'void',
      ...(this.returnsArray ? { returns: this.returnsArray.kind } : {}),
      ...(this.returnsArray?.rows ? { returnsRows: true as const } : {}),
      body: [...this.cellChecks, ...body],
    };
  }

  /** An array of arrays taken as three parameters (IrParam.rows): its rows' elements, each row's start and length. */
  private rowsParam(name: string, row: ArrayKind): Binding {
    const data = this.arrays.length;
    this.arrays.push({ name, kind: row === 'Array' ? 'Float64Array' : row, written: false });
    this.arrays.push({ name: `${name}.starts`, kind: 'Int32Array', written: false });
    this.arrays.push({ name: `${name}.lengths`, kind: 'Int32Array', written: false });
    this.params.push({ name, type: { array: this.arrays[data]!.kind }, slot: data, rows: { part: 'data', row } });
    this.params.push({ name: `${name}.starts`, type: { array: 'Int32Array' }, slot: data + 1, rows: { part: 'starts', row } });
    this.params.push({ name: `${name}.lengths`, type: { array: 'Int32Array' }, slot: data + 2, rows: { part: 'lengths', row } });
    return { kind: 'rows', name, data, starts: data + 1, lengths: data + 2 };
  }

  private scope(): Map<string, Binding> {
    return this.scopes[this.scopes.length - 1]!;
  }

  /**
   * `var` declarations anywhere in the body name one variable of the whole function, from its start (a parameter's
   * name stays the parameter). It is undefined until assigned, which the compiled code cannot hold: a read that
   * some path reaches before any assignment is refused (definite-assignment.ts).
   */
  private hoistVars(body: TS.Block): void {
    const ts = this.ts;
    const vars = new Map<string, TS.Node>();
    const lexical = new Map<string, TS.Node>();
    const visit = (n: TS.Node): void => {
      if (ts.isFunctionLike(n) || ts.isClassLike(n)) return;
      if (ts.isVariableDeclarationList(n)) {
        const var_ = declarationKeyword(ts, n) === 'var';
        for (const d of n.declarations) if (ts.isIdentifier(d.name) && !(var_ ? vars : lexical).has(d.name.text)) (var_ ? vars : lexical).set(d.name.text, d);
      }
      ts.forEachChild(n, visit);
    };
    visit(body);
    const unassigned = new Set<string>();
    for (const [name, decl] of vars) {
      const clash = lexical.get(name);
      if (clash)
        throw this.refuse(
          clash,
          `${name} is declared with var (line ${this.file.lineOf(decl)}) and again with let or const in the same function; give one of them another name`,
        );
      if (this.scope().has(name)) continue; // a parameter
      // An array the function makes (`var p = []`): bound where it is declared, as a let would be (arrayVar).
      if (this.arrayVar(name, decl)) continue;
      // A var only ever given elements of one array of objects (`var p; … p = particles[i]`): the index it holds.
      const of = this.elementVar(name, (e) => this.objectsArray(e));
      if (of) {
        this.scope().set(name, { kind: 'element', of, index: this.elementIndex(name) });
        unassigned.add(name);
        continue;
      }
      // A var only ever given rows of one array of arrays (`var ai = a[i]`): the row index it holds.
      const rows = this.elementVar(name, (e) => this.rowsBinding(e));
      if (rows) {
        this.scope().set(name, { kind: 'row', of: rows, index: this.elementIndex(name) });
        unassigned.add(name);
        continue;
      }
      const local = this.locals.length;
      this.locals.push({ name, type: 'i32' });
      this.collected[local] = undefined;
      this.scope().set(name, { kind: 'local', local });
      unassigned.add(name);
    }
    const read = unassigned.size ? firstUnassignedRead(ts, body, unassigned) : undefined;
    if (read) {
      throw this.refuse(
        read,
        `${read.text} is read where it may not have been assigned yet (a var is undefined until then, which compiled code does not hold); give it a value before the first read on every path`,
      );
    }
  }

  /**
   * A var whose one declaration makes an array (`var p = [], q = new Float64Array(n)`): bound from its declaration to
   * the end of the block around it, as a let would be. A read anywhere else (before the declaration ran, or after the
   * block, where JavaScript could still see it) finds no binding and is refused.
   */
  private arrayVar(name: string, decl: TS.Node): boolean {
    const ts = this.ts;
    if (!ts.isVariableDeclaration(decl) || !decl.initializer || !this.isArrayCreation(decl.initializer)) return false;
    let count = 0;
    const visit = (n: TS.Node): void => {
      if (ts.isFunctionLike(n) || ts.isClassLike(n)) return;
      if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === name) count++;
      ts.forEachChild(n, visit);
    };
    if (this.node.body) visit(this.node.body);
    if (count > 1)
      throw this.refuse(
        decl,
        `${name} makes an array and is declared ${count} times with var; compiled code holds an array made in the function under one declaration`,
      );
    return true;
  }

  /**
   * The array of objects or of arrays (a parameter, or a file-level table of arrays: `arrayOf`) whose elements are
   * all a var is ever given (`p = particles[i]`, `var b = bodies[k]`, `var ai = a[i]`), when it is given nothing else;
   * undefined otherwise.
   */
  private elementVar<B extends Binding>(name: string, arrayOf: (e: TS.Expression) => B | undefined): B | undefined {
    const ts = this.ts;
    let of: B | undefined;
    let other = false;
    const source = (v: TS.Expression | undefined): void => {
      const e = v && unwrapExpression(ts, v);
      const b = e && ts.isElementAccessExpression(e) ? arrayOf(e.expression) : undefined;
      if (!b || (of && of !== b)) other = true;
      else of = b;
    };
    const visit = (n: TS.Node): void => {
      if (ts.isFunctionLike(n) || ts.isClassLike(n)) return;
      if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === name && n.initializer) source(n.initializer);
      else if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && isName(ts, n.left, name)) source(n.right);
      else if (isAssignmentTo(ts, n, name)) other = true;
      ts.forEachChild(n, visit);
    };
    if (this.node.body) visit(this.node.body);
    return other ? undefined : of;
  }

  /** The local that holds the index an element or row variable was taken at (its type settles as a number's does). */
  private elementIndex(name: string): number {
    const local = this.locals.length;
    this.locals.push({ name: `${name}[]`, type: 'i32' });
    this.collected[local] = undefined;
    return local;
  }

  /** The index of `a[i]` on an array of objects, as an element variable holds it. */
  private elementAt(e: TS.ElementAccessExpression): Expr {
    if (e.questionDotToken) throw this.refuse(e, 'optional chaining is not compiled');
    return this.num(e.argumentExpression);
  }

  /**
   * The parameter holding an object or an array of objects (AbiParam 'objects'): one Float64Array per key that holds
   * numbers, and a key that holds a typed array (one object only: ObjectShape.arrays) as that very array.
   */
  private objectsParam(name: string, o: ObjectShape): ObjectsBinding {
    const { keys, one, ctor, ownKeys, arrays } = o;
    const fields = this.arrays.length;
    // The numeric fields all have the first numeric field's length (one per object).
    const first = keys.findIndex((_, k) => !arrays?.[k]);
    keys.forEach((key, index) => {
      const typed = arrays?.[index];
      const same = typed || index === first ? {} : { sameLength: fields + first };
      this.arrays.push({ name: `${name}.${key}`, kind: typed ?? 'Float64Array', written: false, ...same });
      this.params.push({
        name: `${name}.${key}`,
        type: { array: typed ?? 'Float64Array' },
        slot: fields + index,
        field: { keys, index, one, ...(ctor ? { ctor } : {}), ...(ownKeys ? { ownKeys } : {}), ...(arrays ? { arrays } : {}) },
      });
    });
    return { kind: 'objects', name, fields, keys, one, ...(ownKeys ? { ownKeys } : {}), ...(arrays ? { arrays } : {}) };
  }

  /** The array of objects `e` names (a parameter, not one object), if it does. */
  private objectsArray(e: TS.Expression): ObjectsBinding | undefined {
    e = unwrapExpression(this.ts, e);
    const b = this.ts.isIdentifier(e) ? this.lookup(e.text) : undefined;
    return b?.kind === 'objects' && !b.one ? b : undefined;
  }

  /**
   * `o.key` on an object: a parameter holding one, a variable holding an element of an array of objects, or
   * `a[i]` of an array of objects; the field's array and the index of the object in it, and for a key that holds a
   * typed array (one object: ObjectShape.arrays) its kind, the field's array being that very array. Undefined when
   * `e` reaches into no object; a key the recorded objects do not have is refused.
   */
  private fieldOf(e: TS.PropertyAccessExpression): { array: number; index: Expr; typed?: FieldArrayKind } | undefined {
    const ts = this.ts;
    const obj = unwrapExpression(ts, e.expression);
    let b: ObjectsBinding | undefined;
    let index: Expr | undefined;
    let what = obj.getText(this.file.sf);
    if (ts.isIdentifier(obj) || obj.kind === ts.SyntaxKind.ThisKeyword) {
      const x = this.lookup(ts.isIdentifier(obj) ? obj.text : 'this');
      if (obj.kind === ts.SyntaxKind.ThisKeyword && x?.kind !== 'objects') return undefined;
      if (x?.kind === 'objects' && x.one) [b, index] = [x, { kind: 'const', type: 'i32', value: 0 }];
      else if (x?.kind === 'element') [b, index] = [x.of, this.read(x.index)];
      else if (x?.kind === 'objects') {
        if (e.name.text === 'length') return undefined;
        const n = x.name;
        throw this.refuse(e, `${n} is an array of objects: compiled are ${n}[i].field, ${n}.length and a variable holding ${n}[i]`);
      }
    } else if (ts.isElementAccessExpression(obj)) {
      b = this.objectsArray(obj.expression);
      if (b) {
        if (obj.questionDotToken) throw this.refuse(obj, 'optional chaining is not compiled');
        index = this.num(obj.argumentExpression);
        what = `an element of ${b.name}`;
      }
    }
    if (!b || !index) return undefined;
    if (e.questionDotToken) throw this.refuse(e, 'optional chaining is not compiled');
    const k = b.keys.indexOf(e.name.text);
    if (k < 0 && b.ownKeys?.includes(e.name.text))
      throw this.refuse(
        e,
        `${e.name.text} holds a function in the recorded objects (a method): compiled code uses only the keys that hold numbers or typed arrays (${b.keys.join(', ')})`,
      );
    if (k < 0)
      throw this.refuse(
        e,
        `${e.name.text} is not a field of ${what} (the recorded objects have ${b.keys.join(', ')}); reading anything else of an object is not compiled`,
      );
    const typed = b.arrays?.[k];
    return { array: b.fields + k, index, ...(typed ? { typed } : {}) };
  }

  /** The array of `o.key` when that key of an object holds a typed array (ObjectShape.arrays), else undefined. */
  private fieldArray(e: TS.Expression): number | undefined {
    e = unwrapExpression(this.ts, e);
    const field = this.ts.isPropertyAccessExpression(e) ? this.fieldOf(e) : undefined;
    return field?.typed ? field.array : undefined;
  }

  /**
   * `const px = this.px` (or let) of a key that holds a typed array: the name stands for that very array; and
   * `const { x, y, mass } = p` of an object (a parameter, or this): each name a key's typed array, or a local holding
   * the number the key holds then. False for any other declaration. The key cannot be given another array inside the
   * function (refused), so the name and the key hold the same array throughout. A var so declared must be declared
   * once, among the function body's own statements (its binding is then the function's, as JavaScript's is; a read
   * before it is refused by hoistVars).
   */
  private fieldAliases(d: TS.VariableDeclaration, isVar: boolean, constant: boolean, out: Stmt[]): boolean {
    const ts = this.ts;
    if (!d.initializer) return false;
    const init = unwrapExpression(ts, d.initializer);
    const text = init.getText(this.file.sf);
    const varOnce = (name: string, node: TS.Node): void => {
      const statement = d.parent.parent;
      if (!isVar) return;
      if (
        !ts.isVariableStatement(statement) ||
        statement.parent !== this.node.body ||
        this.declarationsOf(name) !== 1 ||
        this.node.parameters.some((p) => ts.isIdentifier(p.name) && p.name.text === name)
      )
        throw this.refuse(
          node,
          `${name} is a var holding ${text}, an object's key, declared in a nested block, more than once or as a parameter too; compiled is one declaration among the function's own statements (or const)`,
        );
    };
    if (ts.isIdentifier(d.name)) {
      const held = this.fieldArray(init);
      if (held === undefined) return false;
      varOnce(d.name.text, d);
      this.scope().set(d.name.text, { kind: 'array', array: held });
      return true;
    }
    if (!ts.isObjectBindingPattern(d.name)) return false;
    const b = ts.isIdentifier(init) ? this.lookup(init.text) : init.kind === ts.SyntaxKind.ThisKeyword ? this.lookup('this') : undefined;
    if (b?.kind !== 'objects' || !b.one) return false;
    for (const el of d.name.elements) {
      if (ts.isIdentifier(el.name)) varOnce(el.name.text, el);
      if (el.dotDotDotToken || el.initializer || !ts.isIdentifier(el.name) || (el.propertyName && !ts.isIdentifier(el.propertyName)))
        throw this.refuse(el, `destructuring ${text} is compiled as { key } and { key: name }, without defaults, rest or nested patterns`);
      const key = (el.propertyName as TS.Identifier | undefined)?.text ?? el.name.text;
      const k = b.keys.indexOf(key);
      if (k < 0) throw this.refuse(el, `${key} is not a key of ${text} that holds a number or a typed array (the recorded objects have ${b.keys.join(', ')})`);
      if (b.arrays?.[k]) {
        this.scope().set(el.name.text, { kind: 'array', array: b.fields + k });
        continue;
      }
      const local = this.declare(el.name.text, 'f64');
      out.push(this.assign(local, { kind: 'load', type: 'f64', array: b.fields + k, index: { kind: 'const', type: 'i32', value: 0 } }, el));
      if (constant) this.constLocals.add(local);
    }
    return true;
  }

  /** How many times the function's own body declares `name` (a variable, or a name in a destructuring pattern). */
  private declarationsOf(name: string): number {
    const ts = this.ts;
    let count = 0;
    const visit = (n: TS.Node): void => {
      if (ts.isFunctionLike(n) || ts.isClassLike(n)) return;
      if ((ts.isVariableDeclaration(n) || ts.isBindingElement(n)) && ts.isIdentifier(n.name) && n.name.text === name) count++;
      ts.forEachChild(n, visit);
    };
    if (this.node.body) visit(this.node.body);
    return count;
  }

  /** Why a key holding a typed array is used other than through its elements. */
  private fieldArrayRefusal(node: TS.Node, e: TS.PropertyAccessExpression, typed: FieldArrayKind, assigned: boolean): RefusalError {
    const text = e.getText(this.file.sf);
    const compiled = `compiled are its elements read and written (${text}[i]), ${text}.length, passing it to a function and const ${e.name.text} = ${text}`;
    return this.refuse(
      node,
      assigned
        ? `${text} holds a ${typed}; giving the key another value inside the function is not compiled (the caller's object would have to change with it): ${compiled}`
        : `${text} holds a ${typed}, used here as a value; ${compiled}`,
    );
  }

  /** Why an object (or an array of them, or an element variable) is used other than through its fields. */
  private objectRefusal(node: TS.Node, b: Extract<Binding, { kind: 'objects' | 'element' }>): RefusalError {
    const name = b.kind === 'element' ? b.of.name : b.name;
    const what =
      b.kind === 'objects' && b.one
        ? `${name} is an object: compiled are its fields read and written (${name}.${b.keys[0]})`
        : `${name} is an array of objects: compiled are ${name}[i].field (read and written), ${name}.length and a variable holding ${name}[i]`;
    return this.refuse(node, `${what}; an object used as a value (passed on, compared, returned or stored) is not compiled`);
  }

  private declare(name: string, initType: ScalarType): number {
    const local = this.locals.length;
    this.locals.push({ name, type: initType });
    this.collected[local] = initType;
    this.scope().set(name, { kind: 'local', local });
    return local;
  }

  /** A var never assigned yet holds no type (it is never read: hoistVars); it is typed int32 until it is. */
  private localType(local: number): ScalarType {
    return this.assumed[local] ?? this.collected[local] ?? 'i32';
  }

  private lookup(name: string): Binding | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const b = this.scopes[i]!.get(name);
      if (b) return b;
    }
    return undefined;
  }

  /** Records a value assigned to a local; bool and number never mix. */
  private assign(local: number, value: Expr, node: TS.Node): Stmt {
    const prev = this.collected[local];
    const t = prev === undefined ? (value.type as ScalarType) : join(prev, value.type as ScalarType);
    if (!t) throw this.refuse(node, 'a variable holds both booleans and numbers');
    this.collected[local] = t;
    return { kind: 'set', local, value: this.convert(value, this.localType(local), node) };
  }

  private noteResult(t: ResultType, node: TS.Node): void {
    if (this.result === undefined) this.result = t;
    else if (this.result !== t) {
      if (this.result === 'void' || t === 'void') throw this.refuse(node, 'the function returns a value on some paths and nothing on others');
      const j = join(this.result, t);
      if (!j) throw this.refuse(node, 'the function returns both booleans and numbers');
      this.result = j;
    }
  }

  private asResult(value: Expr): Expr {
    const want = this.assumedResult ?? value.type;
    return want === 'void' ? value : this.convert(value, want as ScalarType, this.node);
  }

  /** Converts between scalar types where JavaScript's value is unchanged (int → double, same-bits readings). */
  private convert(e: Expr, to: ScalarType, node: TS.Node): Expr {
    if (e.type === to) return e;
    if (e.type === 'bool' || to === 'bool') throw this.refuse(node, 'a boolean where a number is expected (or the reverse)');
    if (to === 'f64') return toF64(e);
    // A value wider than this round assumed: the assumption widens and the function is lowered again.
    return e;
  }

  // ---- statements ----

  private block(stmts: readonly TS.Statement[]): Stmt[] {
    this.scopes.push(new Map());
    const out: Stmt[] = [];
    for (let i = 0; i < stmts.length; i++) {
      const swap = this.swapAt(stmts, i);
      if (swap) {
        out.push(swap);
        i += 2;
      } else out.push(...this.stmt(stmts[i]!));
    }
    this.scopes.pop();
    return out;
  }

  /**
   * `var t = a; a = b; b = t;` (or `t = a;`) over two arrays the function made, of one kind, where `t` is named nowhere
   * else in the function: the two variables exchange their arrays (Stmt 'swap'), as JavaScript's references would.
   */
  private swapAt(stmts: readonly TS.Statement[], i: number): Stmt | undefined {
    const ts = this.ts;
    const K = ts.SyntaxKind;
    const [s1, s2, s3] = [stmts[i], stmts[i + 1], stmts[i + 2]];
    if (!s1 || !s2 || !s3) return undefined;
    const pair = (st: TS.Statement): [string, string] | undefined => {
      if (!ts.isExpressionStatement(st)) return undefined;
      const e = unwrapExpression(ts, st.expression);
      if (!ts.isBinaryExpression(e) || e.operatorToken.kind !== K.EqualsToken) return undefined;
      const [l, r] = [unwrapExpression(ts, e.left), unwrapExpression(ts, e.right)];
      return ts.isIdentifier(l) && ts.isIdentifier(r) ? [l.text, r.text] : undefined;
    };
    let first = pair(s1);
    if (!first && ts.isVariableStatement(s1) && s1.declarationList.declarations.length === 1) {
      const d = s1.declarationList.declarations[0]!;
      const init = d.initializer && unwrapExpression(ts, d.initializer);
      if (ts.isIdentifier(d.name) && init && ts.isIdentifier(init)) first = [d.name.text, init.text];
    }
    const [second, third] = [pair(s2), pair(s3)];
    if (!first || !second || !third) return undefined;
    const [t, a] = first;
    const b = second[1];
    if (second[0] !== a || third[0] !== b || third[1] !== t || a === b || t === a || t === b) return undefined;
    const [ba, bb] = [this.lookup(a), this.lookup(b)];
    if (ba?.kind !== 'array' || bb?.kind !== 'array') return undefined;
    // `t` named nowhere else: its two uses here, and at most a declaration with no value (`var a = …, b = …, t;`).
    let uses = 0;
    const visit = (n: TS.Node): void => {
      if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === t && !n.initializer) return;
      if (ts.isIdentifier(n) && n.text === t) uses++;
      ts.forEachChild(n, visit);
    };
    if (this.node.body) visit(this.node.body);
    if (uses !== 2) return undefined;
    const [x, y] = [this.arrays[ba.array]!, this.arrays[bb.array]!];
    if (!x.local || !y.local)
      throw this.refuse(s1, `${x.local ? b : a} is an array argument; swapping it with another array is not compiled (only arrays the function makes are)`);
    if (x.kind !== y.kind || x.local !== y.local || this.boolArrays.has(ba.array) !== this.boolArrays.has(bb.array))
      throw this.refuse(
        s1,
        `${a} and ${b} are made differently (${x.kind}${x.local === 'holey' ? ' with holes' : ''}, ${y.kind}${y.local === 'holey' ? ' with holes' : ''}); arrays are swapped when made alike (both new Array(n), say)`,
      );
    return { kind: 'swap', array: ba.array, other: bb.array };
  }

  private stmt(s: TS.Statement): Stmt[] {
    const ts = this.ts;
    if (ts.isBlock(s)) return this.block(s.statements);
    if (ts.isEmptyStatement(s)) return [];
    if (ts.isVariableStatement(s)) return this.varList(s.declarationList);
    if (ts.isExpressionStatement(s)) {
      const loop = this.loops[this.loops.length - 1];
      return this.exprStmt(s.expression, loop?.counterUpdate === s.expression ? loop : undefined);
    }
    if (ts.isIfStatement(s)) {
      const cond = this.cond(s.expression);
      const then = this.scoped(s.thenStatement);
      const els = s.elseStatement ? this.scoped(s.elseStatement) : [];
      return [{ kind: 'if', cond, then, else: els }];
    }
    if (ts.isWhileStatement(s)) {
      const test = this.cond(s.expression);
      const label = this.nextLabel++;
      const ctx: LoopContext = { label };
      this.whileCounter(s, ctx);
      this.loops.push(ctx);
      const body = this.scoped(s.statement);
      this.loops.pop();
      return [{ kind: 'loop', label, test, body, update: [] }];
    }
    if (ts.isDoStatement(s)) {
      const label = this.nextLabel++;
      this.loops.push({ label });
      const body = this.scoped(s.statement);
      this.loops.pop();
      const postTest = this.cond(s.expression);
      return [{ kind: 'loop', label, body, update: [], postTest }];
    }
    if (ts.isForStatement(s)) return this.forStmt(s);
    if (ts.isBreakStatement(s) || ts.isContinueStatement(s)) {
      if (s.label) throw this.refuse(s, 'labelled break and continue are not compiled');
      const loop = this.loops[this.loops.length - 1];
      if (!loop) throw this.refuse(s, 'break outside a loop (switch is not compiled)');
      return [{ kind: ts.isBreakStatement(s) ? 'break' : 'continue', label: loop.label }];
    }
    if (ts.isReturnStatement(s)) {
      if (!s.expression) {
        this.scalarReturn ??= s;
        this.noteResult('void', s);
        return [{ kind: 'return' }];
      }
      const returned = unwrapExpression(ts, s.expression);
      const b = ts.isIdentifier(returned) ? this.lookup(returned.text) : undefined;
      if (b?.kind === 'array') return this.returnArray(b.array, s);
      if (b?.kind === 'rows' && b.local) return this.returnRows(b, s);
      if (this.isArrayCreation(returned)) {
        // `return [a, b]`: made, then returned.
        const made = this.newArray('(returned)', returned);
        return [...made, ...this.returnArray((made[0] as { array: number }).array, s)];
      }
      this.scalarReturn ??= s;
      const value = this.expr(s.expression);
      this.noteResult(value.type, s);
      return [{ kind: 'return', value: this.asResult(value) }];
    }
    if (ts.isFunctionDeclaration(s)) throw this.refuse(s, 'nested functions are not compiled; move it to the top level of the file');
    if (ts.isSwitchStatement(s)) throw this.refuse(s, 'switch is not compiled; use if/else');
    if (ts.isForOfStatement(s) || ts.isForInStatement(s)) throw this.refuse(s, 'for…of and for…in are not compiled; use an index loop');
    if (ts.isLabeledStatement(s)) throw this.refuse(s, 'labelled statements are not compiled');
    if (ts.isTryStatement(s)) throw this.refuse(s, 'try/catch is not compiled');
    if (ts.isThrowStatement(s)) throw this.refuse(s, 'throw is not compiled');
    throw this.refuse(s, `${ts.SyntaxKind[s.kind]} is outside the compiled subset`);
  }

  private scoped(s: TS.Statement): Stmt[] {
    this.scopes.push(new Map());
    const out = this.stmt(s);
    this.scopes.pop();
    return out;
  }

  private varList(list: TS.VariableDeclarationList): Stmt[] {
    const ts = this.ts;
    const isVar = declarationKeyword(ts, list) === 'var';
    const out: Stmt[] = [];
    for (const d of list.declarations) {
      // `const px = this.px`, `const { x, y, mass } = p`: keys of an object (fieldAliases).
      if (this.fieldAliases(d, isVar, (list.flags & ts.NodeFlags.Const) !== 0, out)) continue;
      if (!ts.isIdentifier(d.name)) throw this.refuse(d, 'destructuring is not compiled');
      // A var without a value only declares what hoistVars already made; `let x;` would hold undefined.
      if (!d.initializer && isVar) continue;
      if (!d.initializer) throw this.refuse(d, 'a variable without an initial value is not compiled; give it one');
      const init = unwrapExpression(ts, d.initializer);
      if (ts.isIdentifier(init) && this.lookup(init.text)?.kind === 'array') {
        throw this.refuse(d, 'a local alias of an array is not compiled; use the parameter');
      }
      const aliased = ts.isIdentifier(init) ? this.lookup(init.text) : undefined;
      if (aliased?.kind === 'objects' || aliased?.kind === 'element') throw this.objectRefusal(d, aliased);
      if (aliased?.kind === 'row') throw this.refuse(d, ROW_ONLY(init.getText(this.file.sf), aliased.of.name));
      // `const row = m[i]`: the variable holds the row's index (a row variable).
      const rowsOf = ts.isElementAccessExpression(init) ? this.rowsBinding(init.expression) : undefined;
      if (rowsOf) {
        const index = this.rowIndex(init as TS.ElementAccessExpression);
        if (isVar) {
          let b = this.lookup(d.name.text);
          // A var given rows of an array of arrays the function makes, which hoistVars could not see yet: its local
          // becomes the row index (it was never read before it is assigned: hoistVars).
          if (b?.kind === 'local' && !b.capture && rowsOf.local && this.elementVar(d.name.text, (x) => this.rowsBinding(x)) === rowsOf) {
            b = { kind: 'row', of: rowsOf, index: b.local };
            const name = d.name.text;
            const scope = [...this.scopes].reverse().find((m) => m.has(name))!;
            scope.set(name, b);
          }
          if (b?.kind !== 'row' || b.of !== rowsOf) throw this.refuse(d, `${d.name.text} holds a row of ${rowsOf.name} here and other values elsewhere`);
          out.push(this.assign(b.index, index, d));
          continue;
        }
        const local = this.elementIndex(d.name.text);
        this.scope().set(d.name.text, { kind: 'row', of: rowsOf, index: local });
        out.push(this.assign(local, index, d));
        if (list.flags & ts.NodeFlags.Const) this.constLocals.add(local);
        continue;
      }
      // `const b = bodies[i]`: the variable holds the element's index (an element variable).
      const of = ts.isElementAccessExpression(init) ? this.objectsArray(init.expression) : undefined;
      if (of) {
        const index = this.elementAt(init as TS.ElementAccessExpression);
        if (isVar) {
          const b = this.lookup(d.name.text);
          if (b?.kind !== 'element') throw this.refuse(d, `${d.name.text} holds an element of ${of.name} here and other values elsewhere`);
          out.push(this.assign(b.index, index, d));
          continue;
        }
        const local = this.elementIndex(d.name.text);
        this.scope().set(d.name.text, { kind: 'element', of, index: local });
        out.push(this.assign(local, index, d));
        if (list.flags & ts.NodeFlags.Const) this.constLocals.add(local);
        continue;
      }
      if (this.isArrayCreation(init)) {
        if (isVar && this.lookup(d.name.text)?.kind === 'local')
          throw this.refuse(d, `${d.name.text} holds a number elsewhere in the function and an array here`);
        if (this.holdsRows(d.name.text, init)) {
          out.push(...this.newRows(d.name.text));
          continue;
        }
        out.push(...this.newArray(d.name.text, init));
        continue;
      }
      const pop = this.popOf(init);
      if (pop) {
        // `let x = a.pop()`: the last element read (checked), then taken off.
        const value = pop.value();
        if (isVar) {
          const b = this.lookup(d.name.text);
          if (b?.kind !== 'local') throw this.refuse(d, 'assigning to an array parameter is not compiled');
          out.push(this.assign(b.local, value, d), pop.stmt);
          continue;
        }
        const local = this.declare(d.name.text, 'f64');
        out.push(this.assign(local, value, d), pop.stmt);
        if (list.flags & ts.NodeFlags.Const) this.constLocals.add(local);
        continue;
      }
      const value = this.expr(d.initializer);
      if (value.type === 'void') throw this.refuse(d.initializer, 'the called function returns nothing');
      if (isVar) {
        // The function's variable (hoistVars), or the parameter of that name.
        const b = this.lookup(d.name.text);
        if (b?.kind !== 'local') throw this.refuse(d, 'assigning to an array parameter is not compiled');
        out.push(this.assign(b.local, value, d));
        continue;
      }
      const local = this.declare(d.name.text, value.type as ScalarType);
      out.push(this.assign(local, value, d));
      if (list.flags & ts.NodeFlags.Const) this.constLocals.add(local);
    }
    return out;
  }

  private forStmt(s: TS.ForStatement): Stmt[] {
    const ts = this.ts;
    this.scopes.push(new Map());
    const out: Stmt[] = [];
    if (s.initializer) {
      if (ts.isVariableDeclarationList(s.initializer)) out.push(...this.varList(s.initializer));
      else out.push(...this.exprStmt(s.initializer));
    }
    const label = this.nextLabel++;
    const ctx: LoopContext = { label };
    const test = s.condition ? this.cond(s.condition) : undefined;
    this.counterLoop(s, ctx);
    this.loops.push(ctx);
    const body = this.scoped(s.statement);
    const update = s.incrementor ? this.exprStmt(s.incrementor, ctx) : [];
    this.loops.pop();
    this.scopes.pop();
    out.push({ kind: 'loop', label, ...(test ? { test } : {}), body, update });
    return out;
  }

  /**
   * `for (let i = a; i < n; i++)` (or `var i = a`, or `i = a` for a variable declared before) with an int32 `i` and
   * an int32 `n` (or `i > n; i--`): the update runs
   * only after the condition held, so `i` stays within int32 and the counter is compiled as int32.
   */
  private counterLoop(s: TS.ForStatement, ctx: LoopContext): void {
    const ts = this.ts;
    if (!s.initializer || !s.condition || !s.incrementor) return;
    const init = s.initializer;
    this.counterFrom([unwrapExpression(ts, s.condition)], s.incrementor, (name) => initialisesName(ts, init, name) && !assignsName(ts, s.statement, name), ctx);
  }

  /**
   * `while (k < n && …) { …; k++; … }`: the increment is a statement of the loop body itself, and the only
   * assignment to `k` in the function, so it runs once per iteration, after the condition held.
   */
  private whileCounter(s: TS.WhileStatement, ctx: LoopContext): void {
    const ts = this.ts;
    if (!ts.isBlock(s.statement)) return;
    const conjuncts: TS.Expression[] = [];
    const split = (e: TS.Expression): void => {
      e = unwrapExpression(ts, e);
      if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken) {
        split(e.left);
        split(e.right);
      } else conjuncts.push(e);
    };
    split(s.expression);
    for (const st of s.statement.statements) {
      if (!ts.isExpressionStatement(st)) continue;
      const update = st.expression;
      const ok = (name: string): boolean => countAssignments(ts, this.node, name) === 1 && updateStep(ts, update, name) !== undefined;
      this.counterFrom(conjuncts, update, ok, ctx);
      if (ctx.counter !== undefined) return;
    }
  }

  private counterFrom(conds: TS.Expression[], update: TS.Expression, candidate: (name: string) => boolean, ctx: LoopContext): void {
    const ts = this.ts;
    const K = ts.SyntaxKind;
    for (const cond of conds) {
      if (!ts.isBinaryExpression(cond)) continue;
      let counter: string | undefined;
      let bound: TS.Expression | undefined;
      let op = cond.operatorToken.kind;
      const l = unwrapExpression(ts, cond.left);
      const r = unwrapExpression(ts, cond.right);
      if (ts.isIdentifier(l) && candidate(l.text)) {
        counter = l.text;
        bound = r;
      } else if (ts.isIdentifier(r) && candidate(r.text)) {
        counter = r.text;
        bound = l;
        op =
          op === K.LessThanToken
            ? K.GreaterThanToken
            : op === K.GreaterThanToken
              ? K.LessThanToken
              : op === K.LessThanEqualsToken
                ? K.GreaterThanEqualsToken
                : op === K.GreaterThanEqualsToken
                  ? K.LessThanEqualsToken
                  : op;
      }
      if (!counter || !bound) continue;
      const step = updateStep(ts, update, counter);
      const binding = this.lookup(counter);
      if (!step || binding?.kind !== 'local') continue;
      // The bound under the current assumptions (lowering it again has no side effects).
      const b = this.expr(bound);
      if (b.type === 'bool' || b.type === 'void') continue;
      const ok =
        step === 1
          ? (op === K.LessThanToken && upperBound(b) <= 2147483647) || (op === K.LessThanEqualsToken && upperBound(b) < 2147483647)
          : (op === K.GreaterThanToken && lowerBound(b) >= -2147483648) || (op === K.GreaterThanEqualsToken && lowerBound(b) > -2147483648);
      if (ok) {
        ctx.counter = binding.local;
        ctx.counterStep = step;
        ctx.counterUpdate = update;
        return;
      }
    }
  }

  private exprStmt(e: TS.Expression, loop?: LoopContext): Stmt[] {
    const ts = this.ts;
    const K = ts.SyntaxKind;
    e = unwrapExpression(ts, e);
    if (ts.isBinaryExpression(e) && e.operatorToken.kind === K.CommaToken) return [...this.exprStmt(e.left, loop), ...this.exprStmt(e.right, loop)];
    if (ts.isBinaryExpression(e) && e.operatorToken.kind === K.EqualsToken && ts.isIdentifier(unwrapExpression(ts, e.left))) {
      const pop = this.popOf(e.right);
      // `x = a.pop()`: the last element read (checked), then taken off.
      if (pop) return [...this.assignTo(e.left, e, () => pop.value(), loop), pop.stmt];
    }
    const chain = this.assignmentChain(e);
    if (chain) {
      // `a[0] = a[1] = false`: the value once, then stored from the innermost target out, as JavaScript stores it.
      const v = this.expr(chain.value);
      if (v.type === 'void') throw this.refuse(chain.value, 'the called function returns nothing');
      const t = this.temp(v.type as ScalarType);
      const out: Stmt[] = [{ kind: 'set', local: t, value: v }];
      for (const target of chain.targets.reverse()) out.push(...this.assignTo(target, e, () => this.read(t), loop));
      return out;
    }
    if (ts.isBinaryExpression(e) && isAssignmentOperator(ts, e.operatorToken.kind)) {
      const op = e.operatorToken.kind;
      const compound = op === K.EqualsToken ? undefined : compoundOperator(ts, op);
      if (op !== K.EqualsToken && compound === undefined) throw this.refuse(e, 'this assignment operator is not compiled');
      return this.assignTo(
        e.left,
        e,
        (current) => (compound === undefined ? this.expr(e.right) : this.binary(compound, current(), this.expr(e.right), e)),
        loop,
      );
    }
    if ((ts.isPrefixUnaryExpression(e) || ts.isPostfixUnaryExpression(e)) && isIncDec(ts, e.operator)) {
      const one: Expr = { kind: 'const', type: 'i32', value: 1 };
      const op = e.operator === K.PlusPlusToken ? K.PlusToken : K.MinusToken;
      return this.assignTo(e.operand, e, (current) => this.binary(op, current(), one, e), loop);
    }
    if (ts.isCallExpression(e)) {
      const fill = this.fillStmt(e);
      if (fill) return fill;
      const push = this.pushStmt(e);
      if (push) return push;
      const pop = this.popOf(e);
      if (pop) return [pop.stmt];
      const value = this.expr(e);
      return [{ kind: 'expr', value }];
    }
    throw this.refuse(e, 'an expression statement that is not an assignment or a call');
  }

  /**
   * `x = y = … = value` of plain `=` only, whose targets are locals or elements indexed by a literal or a local that
   * no target of the chain is: then evaluating every target before the value (as JavaScript does) or after it is the
   * same. Undefined for anything else (a single assignment included).
   */
  private assignmentChain(e: TS.Expression): { targets: TS.Expression[]; value: TS.Expression } | undefined {
    const ts = this.ts;
    const K = ts.SyntaxKind;
    const isAssign = (x: TS.Expression): x is TS.BinaryExpression => ts.isBinaryExpression(x) && x.operatorToken.kind === K.EqualsToken;
    if (!isAssign(e) || !isAssign(unwrapExpression(ts, e.right))) return undefined;
    const targets: TS.Expression[] = [];
    let x: TS.Expression = e;
    while (isAssign(x)) {
      targets.push(unwrapExpression(ts, x.left));
      x = unwrapExpression(ts, x.right);
    }
    const locals = new Set(targets.filter((t) => ts.isIdentifier(t)).map((t) => (t as TS.Identifier).text));
    for (const t of targets) {
      if (ts.isIdentifier(t)) continue;
      if (!ts.isElementAccessExpression(t) || !ts.isIdentifier(unwrapExpression(ts, t.expression))) return undefined;
      const i = unwrapExpression(ts, t.argumentExpression);
      if (!(ts.isNumericLiteral(i) || (ts.isIdentifier(i) && !locals.has(i.text)))) return undefined;
    }
    return { targets, value: x };
  }

  /**
   * `a.fill(v)` on an array parameter, as a statement: `v` evaluated once, then stored into every element as an
   * assignment would store it (ToNumber once, then the element's conversion). Undefined for any other call.
   */
  private fillStmt(e: TS.CallExpression): Stmt[] | undefined {
    const ts = this.ts;
    const callee = unwrapExpression(ts, e.expression);
    if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== 'fill' || !ts.isIdentifier(unwrapExpression(ts, callee.expression))) return undefined;
    const b = this.lookup((unwrapExpression(ts, callee.expression) as TS.Identifier).text);
    if (b?.kind !== 'array') return undefined;
    this.noBoolEscape(b.array, e, 'fill after it is made');
    if (e.arguments.length !== 1) throw this.refuse(e, 'fill with a start or an end is not compiled (fill(value) is)');
    const v = this.expr(e.arguments[0]!);
    if (v.type === 'bool' || v.type === 'void') throw this.refuse(e.arguments[0]!, 'fill takes a number here');
    const array = b.array;
    const kind = this.arrays[array]!.kind;
    const value = this.temp(v.type as ScalarType);
    const i = this.temp('i32');
    const label = this.nextLabel++;
    const counter = () => this.read(i);
    return [
      { kind: 'set', local: value, value: v },
      { kind: 'set', local: i, value: { kind: 'const', type: 'i32', value: 0 } },
      {
        kind: 'loop',
        label,
        test: { kind: 'binary', type: 'bool', op: 'i32.lt_s', left: counter(), right: { kind: 'length', type: 'i32', array } },
        body: [{ kind: 'store', array, index: counter(), value: this.storeValue(kind, this.read(value), e) }],
        update: [
          { kind: 'set', local: i, value: { kind: 'binary', type: 'i32', op: 'i32.add', left: counter(), right: { kind: 'const', type: 'i32', value: 1 } } },
        ],
      },
    ];
  }

  /**
   * Whether `e` makes a new array: `[…]`, `new Array(n)`, `Array(n)`, `new Float64Array(n)` (any typed-array kind), or
   * one of those `.fill(v)`, with the constructor the global one.
   */
  private isArrayCreation(e: TS.Expression): boolean {
    const ts = this.ts;
    e = unwrapExpression(ts, e);
    if (ts.isArrayLiteralExpression(e)) return true;
    if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && e.expression.name.text === 'fill') {
      const inner = unwrapExpression(ts, e.expression.expression);
      return (ts.isNewExpression(inner) || ts.isCallExpression(inner)) && this.arrayConstructor(inner) !== undefined;
    }
    return (ts.isNewExpression(e) || ts.isCallExpression(e)) && this.arrayConstructor(e) !== undefined;
  }

  /** The array kind a `new X(…)` or `X(…)` constructs, when X is the global Array or a typed-array constructor. */
  private arrayConstructor(e: TS.NewExpression | TS.CallExpression): ArrayKind | undefined {
    const ts = this.ts;
    const callee = unwrapExpression(ts, e.expression);
    if (!ts.isIdentifier(callee) || !(ARRAY_KINDS as readonly string[]).includes(callee.text)) return undefined;
    if (this.lookup(callee.text) || !this.isModuleName(callee)) return undefined;
    return callee.text as ArrayKind;
  }

  /** `let name = <a new array>` (isArrayCreation): a local array, bound from here to the end of the block. */
  private newArray(name: string, init: TS.Expression): Stmt[] {
    const ts = this.ts;
    let e = unwrapExpression(ts, init);
    let fill: TS.Expression | undefined;
    if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && e.expression.name.text === 'fill') {
      if (e.arguments.length !== 1) throw this.refuse(e, 'fill with a start or an end is not compiled (fill(value) is)');
      fill = e.arguments[0]!;
      e = unwrapExpression(ts, e.expression.expression);
    }
    const bools = this.holdsBooleans(name, e, fill);
    const number = (x: TS.Expression): Expr => {
      const v = this.expr(x);
      if (v.type === 'bool')
        throw this.refuse(
          x,
          'an array of booleans is compiled when made as [], [true, …], new Array(n) or new Array(n).fill(true) and given only booleans (held as 0 and 1 inside)',
        );
      if (v.type === 'void') throw this.refuse(x, 'the called function returns nothing');
      return v;
    };
    const element = (x: TS.Expression): Expr => (bools ? this.boolElement(name, init, x) : number(x));
    let kind: ArrayKind = 'Array';
    let local: IrArray['local'] = 'plain';
    let length: Expr | undefined;
    let values: Expr[] | undefined;
    if (ts.isArrayLiteralExpression(e)) {
      values = e.elements.map((x) => {
        if (ts.isSpreadElement(x)) throw this.refuse(x, 'spread (...) in an array literal is not compiled');
        if (ts.isOmittedExpression(x)) throw this.refuse(e, 'an array literal with holes ([a, , b]) is not compiled');
        return toF64(element(x));
      });
    } else {
      const call = e as TS.NewExpression | TS.CallExpression;
      kind = this.arrayConstructor(call)!;
      const args = call.arguments ?? [];
      this.file.useGlobal(kind, undefined, call);
      if (kind !== 'Array') {
        if (!ts.isNewExpression(call)) throw this.refuse(call, `${kind} without new throws a TypeError`);
        local = 'typed';
        if (args.length > 1) throw this.refuse(call, `new ${kind} with ${args.length} arguments is not compiled (new ${kind}(length) is)`);
        const a = args[0] && unwrapExpression(ts, args[0]);
        if (a && ((ts.isIdentifier(a) && this.lookup(a.text)?.kind === 'array') || ts.isArrayLiteralExpression(a)))
          throw this.refuse(a, `a ${kind} copied from an array is not compiled (new ${kind}(length) is, then a loop that copies)`);
        length = a ? number(a) : numConst(0);
      } else if (args.length === 1) {
        // new Array(n): n holes (a read of one would be undefined), unless filled.
        length = number(args[0]!);
        local = fill ? 'plain' : 'holey';
      } else values = args.map((x) => toF64(element(x)));
    }
    let fillValue: Expr | undefined;
    if (fill) {
      if (!length) throw this.refuse(init, 'fill is compiled on new Array(n) and typed arrays of a length');
      this.file.useGlobal(kind, 'prototype.fill', init);
      fillValue = this.storeValue(kind, element(fill), fill);
    }
    const array = this.arrays.length;
    this.arrays.push({ name, kind, written: false, local });
    this.scope().set(name, { kind: 'array', array });
    if (bools && kind === 'Array') this.boolArrays.set(array, init);
    return [{ kind: 'alloc', array, ...(length ? { length } : {}), ...(values ? { values } : {}), ...(fillValue ? { fill: fillValue } : {}) }];
  }

  /**
   * Whether the plain array `name` is made to hold booleans: a literal of `true`/`false`, `.fill(true)`, or an empty
   * one (`[]`, `new Array(n)`) that the function gives a boolean literal, a comparison or a `!` (`name.push(true)`,
   * `name[i] = x < y`, in a chain `name[0] = name[1] = false`). A wrong guess is only a refusal: each store is checked for its type.
   */
  private holdsBooleans(name: string, made: TS.Expression, fill: TS.Expression | undefined): boolean {
    const ts = this.ts;
    const K = ts.SyntaxKind;
    const isBool = (x: TS.Node | undefined): boolean => {
      x = x && unwrapExpression(ts, x as TS.Expression);
      if (!x) return false;
      if (x.kind === K.TrueKeyword || x.kind === K.FalseKeyword) return true;
      if (ts.isPrefixUnaryExpression(x) && x.operator === K.ExclamationToken) return true;
      if (!ts.isBinaryExpression(x)) return false;
      const op = x.operatorToken.kind;
      if (op === K.EqualsToken) return isBool(x.right);
      return (
        op >= K.FirstBinaryOperator &&
        [
          K.LessThanToken,
          K.GreaterThanToken,
          K.LessThanEqualsToken,
          K.GreaterThanEqualsToken,
          K.EqualsEqualsToken,
          K.ExclamationEqualsToken,
          K.EqualsEqualsEqualsToken,
          K.ExclamationEqualsEqualsToken,
        ].includes(op)
      );
    };
    if (fill) return isBool(fill);
    if (ts.isArrayLiteralExpression(made) && made.elements.length) return made.elements.every((x) => isBool(x));
    if (ts.isArrayLiteralExpression(made) || ts.isNewExpression(made) || ts.isCallExpression(made)) {
      if (!ts.isArrayLiteralExpression(made) && (this.arrayConstructor(made) !== 'Array' || (made.arguments?.length ?? 0) > 1)) return false;
      let found = false;
      const named = (x: TS.Expression) => ts.isIdentifier(unwrapExpression(ts, x)) && (unwrapExpression(ts, x) as TS.Identifier).text === name;
      const visit = (n: TS.Node): void => {
        if (found) return;
        if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === 'push' && named(n.expression.expression))
          found = isBool(n.arguments[0]);
        else if (ts.isBinaryExpression(n) && n.operatorToken.kind === K.EqualsToken && ts.isElementAccessExpression(unwrapExpression(ts, n.left)))
          found = named((unwrapExpression(ts, n.left) as TS.ElementAccessExpression).expression) && isBool(n.right);
        if (!found) ts.forEachChild(n, visit);
      };
      ts.forEachChild(this.node, visit);
      return found;
    }
    return false;
  }

  /** A value stored into a local array of booleans (boolArrays): a boolean, held as 1 or 0. */
  private boolElement(name: string, made: TS.Node, x: TS.Expression): Expr {
    const v = this.expr(x);
    return this.asStoredBool(name, made, v, x);
  }

  private asStoredBool(name: string, made: TS.Node, v: Expr, node: TS.Node): Expr {
    if (v.type !== 'bool')
      throw this.refuse(
        node,
        `${name} holds booleans (made at line ${this.file.lineOf(made)}, held as 0 and 1 inside): storing anything but a boolean into it is not compiled`,
      );
    return { kind: 'cond', type: 'f64', cond: v, then: { kind: 'const', type: 'f64', value: 1 }, else: { kind: 'const', type: 'f64', value: 0 } };
  }

  /** Refuses a use of a local array of booleans that would let its 0s and 1s be seen as numbers. */
  private noBoolEscape(array: number, node: TS.Node, what: string): void {
    const made = this.boolArrays.get(array);
    if (made)
      throw this.refuse(
        node,
        `${this.arrays[array]!.name} holds booleans (made at line ${this.file.lineOf(made)}, held as 0 and 1 inside): ${what} is not compiled (its elements read and written with booleans, its length and push are)`,
      );
  }

  /** `a.push(x, …)` on an array the function made, as a statement: the values evaluated first, then appended in order. */
  private pushStmt(e: TS.CallExpression): Stmt[] | undefined {
    const ts = this.ts;
    const callee = unwrapExpression(ts, e.expression);
    if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== 'push' || !ts.isIdentifier(unwrapExpression(ts, callee.expression))) return undefined;
    const name = (unwrapExpression(ts, callee.expression) as TS.Identifier).text;
    const b = this.lookup(name);
    if (b?.kind === 'rows' && b.local) return this.pushRows(e, b);
    if (b?.kind !== 'array') return undefined;
    const a = this.arrays[b.array]!;
    if (a.kind !== 'Array') throw this.refuse(e, `${name} is a ${a.kind}, which has no push`);
    if (!a.local) throw this.refuse(e, `${name} is an array argument; push on it is not compiled (only on arrays the function makes, such as let out = [])`);
    this.file.useGlobal('Array', 'prototype.push', e);
    const made = this.boolArrays.get(b.array);
    const values = e.arguments.map((x) => {
      if (ts.isSpreadElement(x)) throw this.refuse(x, 'push(...values) is not compiled');
      if (made) return this.boolElement(name, made, x);
      const v = this.expr(x);
      if (v.type === 'bool')
        throw this.refuse(
          x,
          `${name} holds numbers: pushing a boolean onto it is not compiled (an array made to hold booleans, such as [] given push(true), is)`,
        );
      if (v.type === 'void') throw this.refuse(x, 'the called function returns nothing');
      return toF64(v);
    });
    if (values.length === 1) return [{ kind: 'push', array: b.array, value: values[0]! }];
    const out: Stmt[] = [];
    const temps = values.map((v) => {
      const t = this.temp('f64');
      out.push({ kind: 'set', local: t, value: v });
      return t;
    });
    for (const t of temps) out.push({ kind: 'push', array: b.array, value: this.read(t) });
    return out;
  }

  /**
   * `a.pop()` on an array the function made: the statement that takes its last element off, and that element read
   * first (for `x = a.pop()`, `let x = a.pop()`: the read bails out on an empty array, whose pop gives undefined).
   */
  private popOf(e: TS.Expression): { stmt: Stmt; value: () => Expr } | undefined {
    const ts = this.ts;
    e = unwrapExpression(ts, e);
    if (!ts.isCallExpression(e)) return undefined;
    const callee = unwrapExpression(ts, e.expression);
    if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== 'pop' || !ts.isIdentifier(unwrapExpression(ts, callee.expression))) return undefined;
    const name = (unwrapExpression(ts, callee.expression) as TS.Identifier).text;
    const b = this.lookup(name);
    if (b?.kind !== 'array') return undefined;
    const a = this.arrays[b.array]!;
    if (a.kind !== 'Array') throw this.refuse(e, `${name} is a ${a.kind}, which has no pop`);
    if (!a.local) throw this.refuse(e, `${name} is an array argument; pop on it is not compiled (only on arrays the function makes)`);
    if (e.arguments.length) throw this.refuse(e, 'pop takes no arguments');
    this.noBoolEscape(b.array, e, 'pop');
    this.file.useGlobal('Array', 'prototype.pop', e);
    const array = b.array;
    const last: Expr = {
      kind: 'binary',
      type: 'i32',
      op: 'i32.sub',
      left: { kind: 'length', type: 'i32', array },
      right: { kind: 'const', type: 'i32', value: 1 },
    };
    return { stmt: { kind: 'pop', array }, value: () => ({ kind: 'load', type: 'f64', array, index: last }) };
  }

  /** `return a` of an array the entry made: the loader makes the JavaScript array from its elements. */
  private returnArray(array: number, s: TS.ReturnStatement): Stmt[] {
    const a = this.arrays[array]!;
    this.noBoolEscape(array, s, 'returning it');
    if (!a.local)
      throw this.refuse(
        s,
        `the function returns its argument ${a.name}; compiled code returns only arrays it makes (the caller would get a copy, not the same array)`,
      );
    if (!this.isEntry)
      throw this.refuse(s, 'a function that returns an array is compiled as the function optimized, not when another compiled function calls it');
    this.noteReturnedArray(a.kind, false, s);
    return [{ kind: 'return', array }];
  }

  private noteReturnedArray(kind: ArrayKind, rows: boolean, s: TS.ReturnStatement): void {
    const what = (k: ArrayKind, r: boolean | undefined) => (r ? 'an array of arrays' : k === 'Array' ? 'an Array' : `a ${k}`);
    if (this.returnsArray && (this.returnsArray.kind !== kind || !!this.returnsArray.rows !== rows))
      throw this.refuse(
        s,
        `the function returns ${what(this.returnsArray.kind, this.returnsArray.rows)} (line ${this.file.lineOf(this.returnsArray.node)}) and ${what(kind, rows)} here`,
      );
    this.returnsArray ??= { kind, node: s, ...(rows ? { rows: true as const } : {}) };
  }

  /**
   * `return c` of an array of arrays the function made (newRows): returned as one plain array, its number of rows,
   * each row's length, then the rows' elements (IrFunction.returnsRows), from which the loader makes the rows.
   */
  private returnRows(b: RowsBinding, s: TS.ReturnStatement): Stmt[] {
    if (!this.isEntry)
      throw this.refuse(s, 'a function that returns an array is compiled as the function optimized, not when another compiled function calls it');
    this.noteReturnedArray('Array', true, s);
    const out = this.arrays.length;
    this.arrays.push({ name: '(returned)', kind: 'Array', written: false, local: 'plain' });
    return [
      { kind: 'alloc', array: out, values: [] },
      { kind: 'push', array: out, value: toF64({ kind: 'length', type: 'i32', array: b.lengths }) },
      ...this.appendAll(b.lengths, out),
      ...this.appendAll(b.data, out),
      { kind: 'return', array: out },
    ];
  }

  /** Pushes every element of the local array `from` onto the local plain array `to`, in order (a hole read bails out). */
  private appendAll(from: number, to: number): Stmt[] {
    const k = this.temp('i32');
    const at: Expr = { kind: 'local', type: 'i32', local: k };
    return [
      { kind: 'set', local: k, value: { kind: 'const', type: 'i32', value: 0 } },
      {
        kind: 'loop',
        label: this.nextLabel++,
        test: { kind: 'binary', type: 'bool', op: 'i32.lt_s', left: at, right: { kind: 'length', type: 'i32', array: from } },
        body: [{ kind: 'push', array: to, value: toF64({ kind: 'load', type: elementType(this.arrays[from]!.kind), array: from, index: at }) }],
        update: [{ kind: 'set', local: k, value: { kind: 'binary', type: 'i32', op: 'i32.add', left: at, right: { kind: 'const', type: 'i32', value: 1 } } }],
      },
    ];
  }

  /**
   * Whether `const name = []` makes an array of arrays: somewhere the function pushes onto it an array literal
   * (`out.push([x, y])`) or a variable it declares as a new array (`var row = new Array(p); … c.push(row)`).
   */
  private holdsRows(name: string, init: TS.Expression): boolean {
    const ts = this.ts;
    init = unwrapExpression(ts, init);
    if (!ts.isArrayLiteralExpression(init) || init.elements.length) return false;
    const arrays = new Set<string>();
    const pushed: TS.Expression[] = [];
    const visit = (n: TS.Node): void => {
      if (ts.isFunctionLike(n) || ts.isClassLike(n)) return;
      if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer && this.isArrayCreation(n.initializer)) arrays.add(n.name.text);
      if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === 'push') {
        const target = unwrapExpression(ts, n.expression.expression);
        if (ts.isIdentifier(target) && target.text === name) pushed.push(...n.arguments.map((x) => unwrapExpression(ts, x as TS.Expression)));
      }
      ts.forEachChild(n, visit);
    };
    if (this.node.body) ts.forEachChild(this.node.body, visit);
    return pushed.some((x) => ts.isArrayLiteralExpression(x) || (ts.isIdentifier(x) && arrays.has(x.text)));
  }

  /** `const c = []` that holds rows (holdsRows): three local plain arrays, its rows' elements, starts and lengths. */
  private newRows(name: string): Stmt[] {
    const data = this.arrays.length;
    this.arrays.push(
      { name, kind: 'Array', written: false, local: 'plain' },
      { name: `${name}.starts`, kind: 'Array', written: false, local: 'plain' },
      { name: `${name}.lengths`, kind: 'Array', written: false, local: 'plain' },
    );
    this.scope().set(name, { kind: 'rows', name, data, starts: data + 1, lengths: data + 2, local: true });
    return [0, 1, 2].map((k): Stmt => ({ kind: 'alloc', array: data + k, values: [] }));
  }

  /**
   * `c.push(row, [x, y], …)` onto an array of arrays the function made: each row's elements copied onto its data, its
   * start and length appended. A copy is what JavaScript's reference would hold only because a pushed variable is
   * never seen again: it was made earlier in the same block, and neither the rest of the block nor the push's other
   * values name it (a later use, if any, is of the array it is made anew).
   */
  private pushRows(e: TS.CallExpression, b: RowsBinding): Stmt[] {
    const ts = this.ts;
    const name = b.name;
    this.file.useGlobal('Array', 'prototype.push', e);
    const stmt = e.parent;
    const block = stmt && ts.isExpressionStatement(stmt) && ts.isBlock(stmt.parent) ? stmt.parent : undefined;
    const out: Stmt[] = [];
    const rows: ({ values: number[] } | { array: number })[] = [];
    for (const arg of e.arguments) {
      if (ts.isSpreadElement(arg)) throw this.refuse(arg, 'push(...values) is not compiled');
      const x = unwrapExpression(ts, arg);
      if (ts.isArrayLiteralExpression(x)) {
        // The values first, all of them, as JavaScript evaluates the arguments before it pushes.
        rows.push({
          values: x.elements.map((v) => {
            if (ts.isSpreadElement(v)) throw this.refuse(v, 'spread (...) in an array literal is not compiled');
            if (ts.isOmittedExpression(v)) throw this.refuse(x, 'an array literal with holes ([a, , b]) is not compiled');
            const value = this.expr(v);
            if (value.type === 'bool' || value.type === 'void')
              throw this.refuse(
                v,
                `${name} is an array of arrays of numbers: a row holding ${value.type === 'bool' ? 'a boolean' : 'nothing'} is not compiled`,
              );
            const t = this.temp('f64');
            out.push({ kind: 'set', local: t, value: toF64(value) });
            return t;
          }),
        });
        continue;
      }
      const row = ts.isIdentifier(x) ? this.lookup(x.text) : undefined;
      const array = row?.kind === 'array' ? row.array : -1;
      const a = this.arrays[array];
      if (!a || !a.local || a.kind !== 'Array' || this.boolArrays.has(array))
        throw this.refuse(
          arg,
          `${name} holds arrays: compiled are pushed onto it array literals ([x, y]) and arrays of numbers the function makes ([], new Array(n)) held in a variable`,
        );
      const id = x as TS.Identifier;
      const named = (n: TS.Node): boolean => (ts.isIdentifier(n) && n.text === id.text) || (ts.forEachChild(n, named) ?? false);
      const index = block ? block.statements.indexOf(stmt as TS.Statement) : -1;
      const made =
        !!block &&
        block.statements
          .slice(0, index)
          .some(
            (st) =>
              ts.isVariableStatement(st) &&
              st.declarationList.declarations.some(
                (d) => ts.isIdentifier(d.name) && d.name.text === id.text && !!d.initializer && this.isArrayCreation(d.initializer),
              ),
          );
      const again = e.arguments.some((y) => y !== arg && named(y)) || (!!block && block.statements.slice(index + 1).some(named));
      if (!made || again)
        throw this.refuse(
          arg,
          `${id.text} is pushed onto ${name}, which compiled code holds as a copy: compiled when ${id.text} is made earlier in the same block (var ${id.text} = new Array(n), []) and named neither after the push in that block nor elsewhere in the push`,
        );
      rows.push({ array });
    }
    for (const r of rows) {
      out.push({ kind: 'push', array: b.starts, value: toF64({ kind: 'length', type: 'i32', array: b.data }) });
      if ('values' in r) {
        out.push({ kind: 'push', array: b.lengths, value: { kind: 'const', type: 'f64', value: r.values.length } });
        for (const t of r.values) out.push({ kind: 'push', array: b.data, value: this.read(t) });
      } else {
        out.push({ kind: 'push', array: b.lengths, value: toF64({ kind: 'length', type: 'i32', array: r.array }) });
        out.push(...this.appendAll(r.array, b.data));
      }
    }
    return out;
  }

  /** `target = value(current)`: a local or an array element; the element index is evaluated once. */
  private assignTo(target: TS.Expression, node: TS.Expression, value: (current: () => Expr) => Expr, loop?: LoopContext): Stmt[] {
    const ts = this.ts;
    target = unwrapExpression(ts, target);
    if (ts.isIdentifier(target)) {
      const b = this.lookup(target.text);
      if (!b) throw this.refuse(target, this.file.moduleBindingRefusal(target.text) ?? `'${target.text}' is not a local variable or parameter of the function`);
      if (b.capture) throw this.refuse(target, this.capturedWrite(b.capture));
      if (b.kind === 'cell') {
        // A file-level variable the kernel assigns: its cell's element (on an empty cell the store bails out).
        const v = value(() => cellRead(b.array));
        return [{ kind: 'store', array: b.array, index: { kind: 'const', type: 'i32', value: 0 }, value: this.storeValue('Array', v, node) }];
      }
      if (b.kind === 'array' && this.arrays[b.array]!.local)
        throw this.refuse(target, `${target.text} holds an array the function made; assigning it another value is not compiled (declare a new variable)`);
      if (b.kind === 'array') throw this.refuse(target, 'assigning to an array parameter is not compiled');
      if (b.kind === 'rows') throw this.refuse(target, ROWS_ONLY(target.text));
      if (b.kind === 'string') throw this.refuse(target, STRING_ONLY(target.text));
      if (b.kind === 'objects') throw this.objectRefusal(target, b);
      if (b.kind === 'row') {
        // `row = m[k]`: the row index it is taken at (elementVar: nothing else is ever given to it).
        const right = ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken ? unwrapExpression(ts, node.right) : undefined;
        if (!right || !ts.isElementAccessExpression(right) || this.rowsBinding(right.expression) !== b.of)
          throw this.refuse(node, `${target.text} holds a row of ${b.of.name}; giving it anything else is not compiled`);
        this.checkNotConst(target, b.index);
        return [this.assign(b.index, this.rowIndex(right), node)];
      }
      if (b.kind === 'element') {
        // `p = particles[i]`: the index it is taken at (elementVar: nothing else is ever given to it).
        const right = ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken ? unwrapExpression(ts, node.right) : undefined;
        if (!right || !ts.isElementAccessExpression(right) || this.objectsArray(right.expression) !== b.of)
          throw this.refuse(node, `${target.text} holds an element of ${b.of.name}; giving it anything else is not compiled`);
        this.checkNotConst(target, b.index);
        return [this.assign(b.index, this.elementAt(right), node)];
      }
      this.checkNotConst(target, b.local);
      const local = b.local;
      if (loop?.counter === local && this.localType(local) === 'i32') {
        // The proven counter update: stays int32.
        const step = updateStep(ts, node, target.text);
        if (step === loop.counterStep) {
          const v: Expr = {
            kind: 'binary',
            type: 'i32',
            op: step === 1 ? 'i32.add' : 'i32.sub',
            left: this.read(local),
            right: { kind: 'const', type: 'i32', value: 1 },
          };
          return [this.assign(local, v, node)];
        }
      }
      return [
        this.assign(
          local,
          value(() => this.read(local)),
          node,
        ),
      ];
    }
    const row = ts.isElementAccessExpression(target) ? this.rowElement(target) : undefined;
    if (row) {
      // An index outside the row bails out before anything is stored (the load that checks it): a plain row would
      // grow, and a typed row's neighbour in data would be written.
      const idx = this.temp(row.index.type as ScalarType);
      const v = value(() => ({ kind: 'load', type: elementType(row.kind), array: row.array, index: this.read(idx) }));
      return [
        { kind: 'set', local: idx, value: row.index },
        { kind: 'expr', value: { kind: 'load', type: elementType(row.kind), array: row.array, index: this.read(idx) } },
        { kind: 'store', array: row.array, index: this.read(idx), value: this.storeValue(row.kind, v, node) },
      ];
    }
    if (ts.isElementAccessExpression(target)) {
      const array = this.arrayOf(target.expression);
      const index = this.expr(target.argumentExpression);
      if (index.type === 'bool' || index.type === 'void') throw this.refuse(target.argumentExpression, 'an array index must be a number');
      const out: Stmt[] = [];
      let idx = index;
      if (!isSimple(index)) {
        const tmp = this.temp(index.type as ScalarType);
        out.push({ kind: 'set', local: tmp, value: index });
        idx = this.read(tmp);
      }
      const kind = this.arrays[array]!.kind;
      const made = this.boolArrays.get(array);
      if (made) {
        const v = value(() => boolRead({ kind: 'load', type: 'f64', array, index: idx }));
        out.push({ kind: 'store', array, index: idx, value: this.asStoredBool(this.arrays[array]!.name, made, v, node) });
        return out;
      }
      const v = value(() => ({ kind: 'load', type: elementType(kind), array, index: idx }));
      out.push({ kind: 'store', array, index: idx, value: this.storeValue(kind, v, node) });
      return out;
    }
    const field = ts.isPropertyAccessExpression(target) ? this.fieldOf(target) : undefined;
    if (field?.typed) throw this.fieldArrayRefusal(node, target as TS.PropertyAccessExpression, field.typed, true);
    if (field) {
      // `p.x = v`, `bodies[i].vx += v`: the index is evaluated once, before the value.
      const out: Stmt[] = [];
      let idx = field.index;
      if (!isSimple(idx)) {
        const tmp = this.temp(idx.type as ScalarType);
        out.push({ kind: 'set', local: tmp, value: idx });
        idx = this.read(tmp);
      }
      // A store outside the array would be ignored (a typed array's); JavaScript throws (the object is undefined), so a
      // load checks the index first and bails out.
      out.push({ kind: 'expr', value: { kind: 'load', type: 'f64', array: field.array, index: idx } });
      const v = value(() => ({ kind: 'load', type: 'f64', array: field.array, index: idx }));
      if (v.type === 'bool') throw this.refuse(node, 'a field compiled holds a number; storing a boolean into it is not compiled');
      out.push({ kind: 'store', array: field.array, index: idx, value: this.storeValue('Float64Array', v, node) });
      return out;
    }
    if (ts.isPropertyAccessExpression(target) && unwrapExpression(ts, target.expression).kind === ts.SyntaxKind.ThisKeyword)
      throw this.thisRefusal(unwrapExpression(ts, target.expression));
    if (ts.isPropertyAccessExpression(target) && ts.isIdentifier(unwrapExpression(ts, target.expression))) {
      const b = this.lookup((unwrapExpression(ts, target.expression) as TS.Identifier).text);
      if (b?.kind === 'objects' && !b.one && target.name.text === 'length')
        throw this.refuse(target, `assigning ${target.getText(this.file.sf)} is not compiled`);
    }
    throw this.refuse(target, 'only local variables, array elements and fields of objects can be assigned');
  }

  /** Why a closure may not assign a variable of an enclosing function. */
  private capturedWrite(c: Capture): string {
    const owner = ownName(this.ts, c.owner);
    return `${c.name} is a variable of ${owner ? `the enclosing function ${owner}` : 'an enclosing function'} (line ${this.file.lineOf(c.declaration)}); a nested function that assigns its enclosing function's variables is not compiled (only reads are): return the value instead`;
  }

  /**
   * Whether a name the function does not declare is the module's (not a function expression's own name or another
   * binding of a function or block around it, which a top-level function or constant of that name does not mean).
   */
  private isModuleName(e: TS.Identifier): boolean {
    return this.file.moduleScope.scopeDeclaring(e.parent, e.text) === undefined;
  }

  /** A use of `this` (or `this.x` around it): the function's object, which compiled code does not have yet. */
  private thisRefusal(node: TS.Node): RefusalError {
    const ts = this.ts;
    let e = node;
    while (ts.isParenthesizedExpression(e.parent) || ts.isNonNullExpression(e.parent)) e = e.parent;
    const field = ts.isPropertyAccessExpression(e.parent) && e.parent.expression === e ? e.parent : undefined;
    if (this.lookup('this'))
      return this.refuse(
        field ?? node,
        field
          ? `${field.getText(this.file.sf)}: compiled of this are its fields that hold numbers or typed arrays (this.${(this.lookup('this') as ObjectsBinding).keys[0]}) read and written`
          : 'this used as a value (passed on, compared, returned or stored) is not compiled: its fields are (this.x read and written)',
      );
    return this.refuse(
      field ?? node,
      `${field ? `the function reads ${field.getText(this.file.sf)}; ` : ''}this is compiled only in the method optimized, where its fields are read and written (not in a function it calls or a nested function)`,
    );
  }

  private constLocals = new Set<number>();
  private checkNotConst(node: TS.Node, local: number): void {
    if (this.constLocals.has(local)) throw this.refuse(node, 'assignment to a constant');
  }

  private temp(type: ScalarType): number {
    const local = this.locals.length;
    this.locals.push({ name: 'tmp', type });
    this.collected[local] = type;
    return local;
  }

  private read(local: number): Expr {
    return { kind: 'local', type: this.localType(local), local };
  }

  /** The value JavaScript stores for `kind`: ToInt32 and friends for integer arrays, ToUint8Clamp for clamped ones. */
  private storeValue(kind: ArrayKind, v: Expr, node: TS.Node): Expr {
    if (v.type === 'bool' || v.type === 'void') throw this.refuse(node, 'only numbers are stored into arrays');
    switch (kind) {
      case 'Float64Array':
      case 'Float32Array':
      case 'Array':
        return toF64(v);
      case 'Uint8ClampedArray':
        return v.type === 'i32'
          ? { kind: 'unary', type: 'i32', op: 'u8clamp.from_i32', arg: v }
          : { kind: 'unary', type: 'i32', op: 'u8clamp.from_f64', arg: toF64(v) };
      default:
        return toI32(v);
    }
  }

  /**
   * A string of one code unit as compiled code compares it: `s[i]` of a string parameter s (its code unit at i; an
   * index outside the string, or not an integer, bails out: JavaScript's s[i] is then undefined), or a literal of
   * length one. Undefined for anything else.
   */
  private codeUnit(x: TS.Expression): Expr | undefined {
    const ts = this.ts;
    const u = unwrapExpression(ts, x);
    if ((ts.isStringLiteral(u) || ts.isNoSubstitutionTemplateLiteral(u)) && u.text.length === 1)
      return { kind: 'const', type: 'i32', value: u.text.charCodeAt(0) };
    if (!ts.isElementAccessExpression(u)) return undefined;
    const s = unwrapExpression(ts, u.expression);
    const b = ts.isIdentifier(s) ? this.lookup(s.text) : undefined;
    if (b?.kind !== 'string') return undefined;
    if (u.questionDotToken) throw this.refuse(u, 'optional chaining is not compiled');
    return { kind: 'load', type: 'i32', array: b.array, index: this.num(u.argumentExpression) };
  }

  /** The array of arrays `e` names, if it does. */
  private rowsBinding(e: TS.Expression): Extract<Binding, { kind: 'rows' }> | undefined {
    e = unwrapExpression(this.ts, e);
    if (!this.ts.isIdentifier(e)) return undefined;
    const b = this.lookup(e.text);
    return b?.kind === 'rows' ? b : undefined;
  }

  /**
   * The row index of `m[i]`, where m is an array of arrays: a read of `starts`/`lengths` at it bails out when it is
   * not a row (JavaScript's m[i] is then undefined, and reading from it throws). It must not call a function: it
   * is evaluated more than once.
   */
  private rowIndex(outer: TS.ElementAccessExpression): Expr {
    if (outer.questionDotToken) throw this.refuse(outer, 'optional chaining is not compiled');
    const i = this.num(outer.argumentExpression);
    if (callsIn(i))
      throw this.refuse(outer.argumentExpression, 'a row index of an array of arrays that calls a function is not compiled: give it to a variable first');
    return i;
  }

  /** Where row `i` of `rows` starts in its data, or its length: an int32 (a local one holds them as doubles). */
  private rowPart(rows: RowsBinding, part: 'starts' | 'lengths', i: Expr): Expr {
    const load: Expr = { kind: 'load', type: rows.local ? 'f64' : 'i32', array: rows[part], index: i };
    return rows.local ? { kind: 'unary', type: 'i32', op: 'i32.from_f64', arg: load } : load;
  }

  /**
   * The row `e` is, `m[i]` of an array of arrays m or a row variable (`row` of `const row = m[i]`): m, and the row's
   * index (a read of `starts`/`lengths` at it bails out when there is no such row).
   */
  private rowOf(e: TS.Expression): { rows: RowsBinding; index: Expr } | undefined {
    const ts = this.ts;
    e = unwrapExpression(ts, e);
    if (ts.isIdentifier(e)) {
      const b = this.lookup(e.text);
      return b?.kind === 'row' ? { rows: b.of, index: this.read(b.index) } : undefined;
    }
    if (!ts.isElementAccessExpression(e)) return undefined;
    const rows = this.rowsBinding(e.expression);
    return rows ? { rows, index: this.rowIndex(e) } : undefined;
  }

  /**
   * `m[i][j]` on an array of arrays m (or `row[j]` on a row variable): the element of `data` it is, at `starts[i] + j` when j is within the row, else
   * at -1 (a read there bails out: JavaScript reads undefined, or grows a plain row, or ignores a typed row's write).
   */
  private rowElement(e: TS.ElementAccessExpression): { array: number; kind: ArrayKind; index: Expr } | undefined {
    const row = this.rowOf(e.expression);
    if (!row) return undefined;
    const { rows, index: i } = row;
    if (e.questionDotToken) throw this.refuse(e, 'optional chaining is not compiled');
    const j = this.num(e.argumentExpression);
    if (callsIn(j))
      throw this.refuse(e.argumentExpression, 'an element index of an array of arrays that calls a function is not compiled: give it to a variable first');
    const start = this.rowPart(rows, 'starts', i);
    const length = this.rowPart(rows, 'lengths', i);
    const kind = this.arrays[rows.data]!.kind;
    if (j.type === 'i32') {
      const inside: Expr = { kind: 'binary', type: 'bool', op: 'i32.lt_u', left: j, right: length };
      const at: Expr = { kind: 'binary', type: 'i32', op: 'i32.add', left: start, right: j };
      return { array: rows.data, kind, index: { kind: 'cond', type: 'i32', cond: inside, then: at, else: { kind: 'const', type: 'i32', value: -1 } } };
    }
    const x = toF64(j);
    // Within the row and an integer: start + j would round a fraction away (m[i][1e-310] is undefined, not m[i][0]).
    const within: Expr = { kind: 'binary', type: 'bool', op: 'f64.lt', left: x, right: toF64(length) };
    const integer: Expr = { kind: 'binary', type: 'bool', op: 'f64.eq', left: { kind: 'unary', type: 'f64', op: 'f64.trunc', arg: x }, right: x };
    const inside: Expr = {
      kind: 'cond',
      type: 'bool',
      cond: { kind: 'binary', type: 'bool', op: 'f64.ge', left: x, right: { kind: 'const', type: 'f64', value: 0 } },
      then: { kind: 'cond', type: 'bool', cond: within, then: integer, else: { kind: 'const', type: 'bool', value: 0 } },
      else: { kind: 'const', type: 'bool', value: 0 },
    };
    const at: Expr = { kind: 'binary', type: 'f64', op: 'f64.add', left: toF64(start), right: x };
    return { array: rows.data, kind, index: { kind: 'cond', type: 'f64', cond: inside, then: at, else: { kind: 'const', type: 'f64', value: -1 } } };
  }

  private arrayOf(e: TS.Expression): number {
    const ts = this.ts;
    e = unwrapExpression(ts, e);
    if (ts.isIdentifier(e)) {
      const b = this.lookup(e.text);
      if (b?.kind === 'array') return b.array;
      if (b?.kind === 'rows') throw this.refuse(e.parent, ROWS_ONLY(e.text));
      if (b?.kind === 'row') throw this.refuse(e.parent, ROW_ONLY(e.text, b.of.name));
      if (b?.kind === 'string') throw this.refuse(e.parent, STRING_ONLY(e.text));
      if (b?.kind === 'objects' || b?.kind === 'element') throw this.objectRefusal(e.parent, b);
      const moduleBinding = b ? undefined : this.file.moduleBindingRefusal(e.text);
      if (moduleBinding) throw this.refuse(e, moduleBinding);
    }
    const held = this.fieldArray(e);
    if (held !== undefined) return held;
    if (ts.isPropertyAccessExpression(e) && unwrapExpression(ts, e.expression).kind === ts.SyntaxKind.ThisKeyword)
      throw this.thisRefusal(unwrapExpression(ts, e.expression));
    if (ts.isPropertyAccessExpression(e) && this.fieldOf(e))
      throw this.refuse(e.parent, `${e.getText(this.file.sf)} is a field holding a number; element access on it is not compiled`);
    throw this.refuse(e, 'element access is compiled only on array parameters');
  }

  /** Whether the statements can finish normally (fall off their end). */
  private canComplete(stmts: readonly TS.Statement[]): boolean {
    const ts = this.ts;
    const completes = (s: TS.Statement): boolean => {
      if (ts.isReturnStatement(s)) return false;
      if (ts.isBlock(s)) return this.canComplete(s.statements);
      if (ts.isIfStatement(s)) return !s.elseStatement || completes(s.thenStatement) || completes(s.elseStatement);
      if ((ts.isWhileStatement(s) || ts.isForStatement(s) || ts.isDoStatement(s)) && isInfinite(ts, s)) return hasBreak(ts, s.statement);
      return true;
    };
    return stmts.every(completes);
  }

  // ---- expressions ----

  /** A condition: booleans as they are, numbers by JavaScript truthiness. */
  private cond(e: TS.Expression): Expr {
    const v = this.expr(e);
    if (v.type === 'void') throw this.refuse(e, 'the called function returns nothing');
    return truthy(v);
  }

  private num(e: TS.Expression): Expr {
    const v = this.expr(e);
    if (v.type === 'bool' || v.type === 'void')
      throw this.refuse(e, v.type === 'bool' ? 'arithmetic on a boolean is not compiled' : 'the called function returns nothing');
    return v;
  }

  expr(node: TS.Expression): Expr {
    const ts = this.ts;
    const K = ts.SyntaxKind;
    const e = unwrapExpression(ts, node);
    if (ts.isNumericLiteral(e)) return numConst(Number(e.text));
    if (e.kind === K.TrueKeyword || e.kind === K.FalseKeyword) return { kind: 'const', type: 'bool', value: e.kind === K.TrueKeyword ? 1 : 0 };
    if (ts.isIdentifier(e)) return this.identifier(e);
    if (ts.isPrefixUnaryExpression(e)) {
      switch (e.operator) {
        case K.MinusToken: {
          const v = this.num(e.operand);
          if (v.kind === 'const') return numConst(-v.value);
          return { kind: 'unary', type: 'f64', op: 'f64.neg', arg: toF64(v) };
        }
        case K.PlusToken:
          return this.num(e.operand);
        case K.ExclamationToken:
          return not(this.cond(e.operand));
        case K.TildeToken:
          return { kind: 'unary', type: 'i32', op: 'i32.not', arg: toI32(this.num(e.operand)) };
        default:
          throw this.refuse(e, 'increment and decrement are compiled only as statements');
      }
    }
    if (ts.isPostfixUnaryExpression(e)) throw this.refuse(e, 'increment and decrement are compiled only as statements');
    if (ts.isBinaryExpression(e)) {
      const op = e.operatorToken.kind;
      if (isAssignmentOperator(ts, op)) throw this.refuse(e, 'an assignment used as a value is not compiled; make it its own statement');
      if (op === K.AmpersandAmpersandToken || op === K.BarBarToken) {
        const l = this.expr(e.left);
        const r = this.expr(e.right);
        if (l.type !== 'bool' || r.type !== 'bool')
          throw this.refuse(e, '&& and || are compiled only on booleans (their value would be an operand); use a ternary');
        return op === K.AmpersandAmpersandToken
          ? { kind: 'cond', type: 'bool', cond: l, then: r, else: { kind: 'const', type: 'bool', value: 0 } }
          : { kind: 'cond', type: 'bool', cond: l, then: { kind: 'const', type: 'bool', value: 1 }, else: r };
      }
      if (op === K.EqualsEqualsEqualsToken || op === K.ExclamationEqualsEqualsToken || op === K.EqualsEqualsToken || op === K.ExclamationEqualsToken) {
        const eq = op === K.EqualsEqualsEqualsToken || op === K.EqualsEqualsToken;
        // Strings of one code unit: an element of a string parameter, or a literal.
        const lu = this.codeUnit(e.left);
        const ru = this.codeUnit(e.right);
        if (lu && ru) return { kind: 'binary', type: 'bool', op: eq ? 'i32.eq' : 'i32.ne', left: lu, right: ru };
        if (lu || ru) {
          // The other side: a string used otherwise is named as such (lowering it refuses it).
          const other = unwrapExpression(ts, lu ? e.right : e.left);
          if (!ts.isStringLiteral(other) && !ts.isNoSubstitutionTemplateLiteral(other)) this.expr(other);
          throw this.refuse(
            e,
            `${(lu ? e.left : e.right).getText(this.file.sf)} is compared only with a string of length one or with another string's element`,
          );
        }
        const l = this.expr(e.left);
        const r = this.expr(e.right);
        if (l.type === 'bool' && r.type === 'bool') return { kind: 'binary', type: 'bool', op: eq ? 'i32.eq' : 'i32.ne', left: l, right: r };
        if (l.type === 'bool' || r.type === 'bool' || l.type === 'void' || r.type === 'void')
          throw this.refuse(e, 'comparing a boolean with a number is not compiled');
        return compare(eq ? 'eq' : 'ne', l, r);
      }
      if (op === K.CommaToken) throw this.refuse(e, 'the comma operator is not compiled');
      if (op === K.QuestionQuestionToken) throw this.refuse(e, '?? is not compiled');
      if (op === K.InKeyword || op === K.InstanceOfKeyword) throw this.refuse(e, `${ts.tokenToString(op)} is not compiled`);
      return this.binary(op, this.num(e.left), this.num(e.right), e);
    }
    if (ts.isConditionalExpression(e)) {
      const c = this.cond(e.condition);
      let a = this.expr(e.whenTrue);
      let b = this.expr(e.whenFalse);
      if (a.type === 'void' || b.type === 'void') throw this.refuse(e, 'the called function returns nothing');
      const t = join(a.type, b.type);
      if (!t) throw this.refuse(e, 'a ternary whose branches are a boolean and a number');
      a = t === 'f64' ? toF64(a) : a;
      b = t === 'f64' ? toF64(b) : b;
      return { kind: 'cond', type: t, cond: c, then: a, else: b };
    }
    if (ts.isElementAccessExpression(e)) {
      const row = this.rowElement(e);
      if (row) return { kind: 'load', type: elementType(row.kind), array: row.array, index: row.index };
      const array = this.arrayOf(e.expression);
      const index = this.num(e.argumentExpression);
      if (this.boolArrays.has(array)) return boolRead({ kind: 'load', type: 'f64', array, index });
      return { kind: 'load', type: elementType(this.arrays[array]!.kind), array, index };
    }
    if (ts.isPropertyAccessExpression(e)) {
      const field = this.fieldOf(e);
      if (field?.typed) throw this.fieldArrayRefusal(e, e, field.typed, false);
      if (field) return { kind: 'load', type: 'f64', array: field.array, index: field.index };
      const obj = unwrapExpression(ts, e.expression);
      // `this.px.length`: the length of the typed array a key holds.
      const held = e.name.text === 'length' ? this.fieldArray(obj) : undefined;
      if (held !== undefined) return { kind: 'length', type: 'i32', array: held };
      if (ts.isIdentifier(obj)) {
        const b = this.lookup(obj.text);
        if (b?.kind === 'array' && e.name.text === 'length') return { kind: 'length', type: 'i32', array: b.array };
        if (b?.kind === 'string' && e.name.text === 'length') return { kind: 'length', type: 'i32', array: b.array };
        if (b?.kind === 'string') throw this.refuse(e, STRING_ONLY(obj.text));
        if (b?.kind === 'objects' && e.name.text === 'length') return { kind: 'length', type: 'i32', array: b.fields };
        if (b?.kind === 'rows' && e.name.text === 'length') return { kind: 'length', type: 'i32', array: b.starts };
        if (!b && obj.text === 'Math' && e.name.text in GLOBAL_CONSTANTS.Math) {
          this.file.useGlobal('Math', undefined, e);
          return numConst(GLOBAL_CONSTANTS.Math[e.name.text]!);
        }
        if (!b && obj.text === 'Number' && e.name.text in GLOBAL_CONSTANTS.Number) {
          this.file.useGlobal('Number', undefined, e);
          return numConst(GLOBAL_CONSTANTS.Number[e.name.text]!);
        }
        const moduleBinding = b ? undefined : this.file.moduleBindingRefusal(obj.text);
        if (moduleBinding) throw this.refuse(obj, moduleBinding);
      }
      if (obj.kind === K.ThisKeyword) throw this.thisRefusal(obj);
      if (e.questionDotToken) throw this.refuse(e, 'optional chaining is not compiled');
      if (e.name.text === 'length') {
        const row = this.rowOf(obj);
        if (row) return this.rowPart(row.rows, 'lengths', row.index);
      }
      if (this.isArrayCreation(obj))
        throw this.refuse(obj, 'an array made here is compiled only as the initial value of a variable (let a = [], var b = new Float64Array(n))');
      throw this.refuse(e, 'property access is compiled only for .length of arrays and Math/Number constants');
    }
    if (ts.isCallExpression(e)) return this.call(e);
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e) || ts.isTemplateExpression(e)) throw this.refuse(e, 'strings are not compiled');
    if (ts.isObjectLiteralExpression(e)) throw this.refuse(e, 'creating objects is not compiled');
    if (this.isArrayCreation(e))
      throw this.refuse(e, 'an array made here is compiled only as the initial value of a variable (let a = [], var b = new Float64Array(n))');
    if (ts.isArrayLiteralExpression(e)) throw this.refuse(e, 'an array literal is compiled only as the initial value of a variable (let a = [x, y])');
    if (ts.isNewExpression(e))
      throw this.refuse(e, 'new is compiled only for arrays: new Array(n), new Float64Array(n) and the other typed arrays, as the initial value of a variable');
    if (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) throw this.refuse(e, 'closures are not compiled');
    if (e.kind === K.ThisKeyword) throw this.thisRefusal(e);
    if (e.kind === K.NullKeyword) throw this.refuse(e, 'null is not compiled');
    if (ts.isTypeOfExpression(e)) throw this.refuse(e, 'typeof is not compiled');
    if (ts.isBigIntLiteral(e)) throw this.refuse(e, 'BigInt is not compiled');
    throw this.refuse(e, `${ts.SyntaxKind[e.kind]} is outside the compiled subset`);
  }

  private identifier(e: TS.Identifier): Expr {
    const b = this.lookup(e.text);
    if (b?.kind === 'local') return this.read(b.local);
    if (b?.kind === 'cell') return cellRead(b.array);
    if (b?.kind === 'string') throw this.refuse(e, STRING_ONLY(e.text));
    if (b?.kind === 'array') throw this.refuse(e, 'an array is used as a value; only its elements, its length and passing it to a function are compiled');
    if (b?.kind === 'rows') throw this.refuse(e, ROWS_ONLY(e.text));
    if (b?.kind === 'row') throw this.refuse(e, ROW_ONLY(e.text, b.of.name));
    if (b?.kind === 'objects' || b?.kind === 'element') throw this.objectRefusal(e, b);
    const c = this.isModuleName(e) ? this.file.constants.get(e.text) : undefined;
    if (c !== undefined) {
      this.file.useBinding(e.text, e);
      return numConst(c.value);
    }
    if (e.text === 'NaN' || e.text === 'Infinity') {
      this.file.useGlobal(e.text, undefined, e);
      return numConst(e.text === 'NaN' ? NaN : Infinity);
    }
    if (e.text === 'undefined') throw this.refuse(e, 'undefined is not compiled');
    const moduleBinding = this.file.moduleBindingRefusal(e.text);
    if (moduleBinding) throw this.refuse(e, moduleBinding);
    throw this.refuse(e, `'${e.text}' is not a parameter, a local, or a numeric constant of the file`);
  }

  binary(op: TS.SyntaxKind, l: Expr, r: Expr, node: TS.Node): Expr {
    const K = this.ts.SyntaxKind;
    if (l.type === 'bool' || r.type === 'bool') throw this.refuse(node, 'arithmetic on a boolean is not compiled');
    const f = (o: BinaryOp): Expr => ({ kind: 'binary', type: 'f64', op: o, left: toF64(l), right: toF64(r) });
    const i = (o: BinaryOp, type: NumType = 'i32'): Expr => ({ kind: 'binary', type, op: o, left: toI32(l), right: toI32(r) });
    switch (op) {
      case K.PlusToken:
        return f('f64.add');
      case K.MinusToken:
        return f('f64.sub');
      case K.AsteriskToken:
        return f('f64.mul');
      case K.SlashToken:
        return f('f64.div');
      case K.PercentToken:
        if (l.type === 'i32' && r.type === 'i32') return { kind: 'binary', type: 'f64', op: 'js.mod_i32', left: l, right: r };
        return f('js.mod');
      case K.AsteriskAsteriskToken:
        return { kind: 'math', type: 'f64', fn: 'pow', args: [toF64(l), toF64(r)] };
      case K.AmpersandToken:
        return i('i32.and');
      case K.BarToken:
        return i('i32.or');
      case K.CaretToken:
        return i('i32.xor');
      case K.LessThanLessThanToken:
        return i('i32.shl');
      case K.GreaterThanGreaterThanToken:
        return i('i32.shr_s');
      case K.GreaterThanGreaterThanGreaterThanToken:
        return i('i32.shr_u', 'u32');
      case K.LessThanToken:
        return compare('lt', l, r);
      case K.LessThanEqualsToken:
        return compare('le', l, r);
      case K.GreaterThanToken:
        return compare('gt', l, r);
      case K.GreaterThanEqualsToken:
        return compare('ge', l, r);
      default:
        throw this.refuse(node, `the operator ${this.ts.tokenToString(op) ?? K[op]} is not compiled`);
    }
  }

  private call(e: TS.CallExpression): Expr {
    const ts = this.ts;
    const callee = unwrapExpression(ts, e.expression);
    if (e.questionDotToken) throw this.refuse(e, 'optional calls are not compiled');
    if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'Math' && !this.lookup('Math')) {
      this.file.useGlobal('Math', callee.name.text, e);
      return this.mathCall(callee.name.text, e);
    }
    // A function of the entry's closure (declared in an enclosing function), or one at the top level.
    const nested = ts.isIdentifier(callee) && !this.lookup(callee.text) ? this.file.closureFunction(callee) : undefined;
    if (ts.isIdentifier(callee) && !this.lookup(callee.text) && (nested || (this.file.functions.has(callee.text) && this.isModuleName(callee)))) {
      if (!nested) this.file.useBinding(callee.text, e);
      const fnNode = nested ?? this.file.functions.get(callee.text)!;
      if (e.arguments.length !== fnNode.parameters.length)
        throw this.refuse(e, `${callee.text} takes ${fnNode.parameters.length} arguments; calls with another count are not compiled`);
      const args: CallArg[] = [];
      const types: ValueType[] = [];
      for (const a of e.arguments) {
        const u = unwrapExpression(ts, a);
        // A key holding a typed array (`step(this.px, n)`) is passed as that array.
        const held = this.fieldArray(u);
        const b = ts.isIdentifier(u) ? this.lookup(u.text) : held !== undefined ? ({ kind: 'array', array: held } as const) : undefined;
        if (b?.kind === 'array') {
          if (this.arrays[b.array]!.local === 'holey')
            throw this.refuse(
              a,
              `${u.getText(this.file.sf)} is made by new Array(n) and may hold holes; passing it to another function is not compiled (new Array(n).fill(0) is)`,
            );
          this.noBoolEscape(b.array, a, 'passing it to another function');
          args.push({ kind: 'array', array: b.array });
          types.push({ array: this.arrays[b.array]!.kind });
        } else {
          const v = this.expr(a);
          if (v.type === 'void') throw this.refuse(a, 'the called function returns nothing');
          args.push(v);
          types.push(v.type as ScalarType);
        }
      }
      if (nested) {
        // The closure's hidden parameters, passed on.
        for (const h of this.hiddenArgs) {
          args.push(h);
          types.push(h.kind === 'array' ? { array: this.arrays[h.array]!.kind } : (h.type as ScalarType));
        }
      }
      // The file-level variables it uses, passed on from this function's own (module-data.ts).
      for (const d of this.file.moduleDataOf(fnNode)) {
        const b = this.dataScope.get(d.name);
        if (b?.kind === 'local') {
          args.push(this.read(b.local));
          types.push(this.localType(b.local));
        } else if (b?.kind === 'array' || b?.kind === 'cell') {
          args.push({ kind: 'array', array: b.array });
          types.push({ array: this.arrays[b.array]!.kind });
        } else
          throw this.refuse(
            e,
            `${callee.text} reads ${d.name} (line ${this.file.lineOf(d.declaration)}), an array of arrays of the file, which is compiled only where the function optimized reads it`,
          );
      }
      const fn = this.file.lower(nested ?? callee.text, types, false);
      // The callee's parameters may have widened (it assigns them): convert the arguments to match.
      const converted = args.map((a, k) => (a.kind === 'array' ? a : this.convert(a, fn.params[k]!.type as ScalarType, e.arguments[k] ?? e)));
      return { kind: 'call', type: fn.result, fn: fn.name, args: converted };
    }
    if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(unwrapExpression(ts, callee.expression))) {
      const name = (unwrapExpression(ts, callee.expression) as TS.Identifier).text;
      const b = this.lookup(name);
      if (b?.kind === 'string') {
        // s.charCodeAt(i): the code unit at i (no argument: at 0). An index outside the string (JavaScript gives NaN)
        // or not an integer (JavaScript truncates it) bails out.
        if (callee.name.text !== 'charCodeAt' || e.arguments.length > 1) throw this.refuse(e, STRING_ONLY(name));
        const index: Expr = e.arguments.length ? this.num(e.arguments[0]!) : { kind: 'const', type: 'i32', value: 0 };
        return { kind: 'load', type: 'i32', array: b.array, index };
      }
    }
    if (ts.isPropertyAccessExpression(callee) && unwrapExpression(ts, callee.expression).kind === ts.SyntaxKind.ThisKeyword)
      throw this.refuse(e, `${callee.getText(this.file.sf)} calls a method of its object; calling methods of this is not compiled (its fields are)`);
    if (ts.isPropertyAccessExpression(callee)) {
      const o = unwrapExpression(ts, callee.expression);
      const inner = ts.isElementAccessExpression(o) ? unwrapExpression(ts, o.expression) : o;
      const b = ts.isIdentifier(inner) ? this.lookup(inner.text) : undefined;
      if (b?.kind === 'objects' || b?.kind === 'element')
        throw this.refuse(e, `${callee.getText(this.file.sf)}() calls a method of an object; calling methods of objects is not compiled (their fields are)`);
    }
    if (
      ts.isPropertyAccessExpression(callee) &&
      (callee.name.text === 'push' || callee.name.text === 'pop') &&
      ts.isIdentifier(unwrapExpression(ts, callee.expression))
    ) {
      const b = this.lookup((unwrapExpression(ts, callee.expression) as TS.Identifier).text);
      if (b?.kind === 'array')
        throw this.refuse(
          e,
          callee.name.text === 'pop'
            ? 'pop is compiled as a statement of its own or as the whole value given to a variable (let x = a.pop(), x = a.pop())'
            : 'push is compiled as a statement of its own (its value, the new length, is not)',
        );
    }
    throw this.refuse(e, 'only Math functions and functions declared at the top level of the same file (or in the function around it) can be called');
  }

  private mathCall(name: string, e: TS.CallExpression): Expr {
    const args = e.arguments.map((a) => this.num(a));
    const n = args.length;
    const one = (): Expr => {
      if (n !== 1) throw this.refuse(e, `Math.${name} with ${n} arguments is not compiled`);
      return args[0]!;
    };
    const u = (op: 'f64.abs' | 'f64.sqrt' | 'f64.floor' | 'f64.ceil' | 'f64.trunc' | 'js.round' | 'js.sign' | 'js.fround'): Expr => {
      const x = one();
      // floor/ceil/trunc/round of an integer is the integer itself.
      if ((op === 'f64.floor' || op === 'f64.ceil' || op === 'f64.trunc' || op === 'js.round') && x.type !== 'f64') return x;
      return { kind: 'unary', type: 'f64', op, arg: toF64(x) };
    };
    switch (name) {
      case 'sqrt':
        return u('f64.sqrt');
      case 'abs':
        return u('f64.abs');
      case 'floor':
        return u('f64.floor');
      case 'ceil':
        return u('f64.ceil');
      case 'trunc':
        return u('f64.trunc');
      case 'round':
        return u('js.round');
      case 'sign':
        return u('js.sign');
      case 'fround':
        return u('js.fround');
      case 'min':
      case 'max': {
        if (n === 0) return numConst(name === 'min' ? Infinity : -Infinity);
        if (n === 1) return args[0]!;
        let acc = toF64(args[0]!);
        for (const a of args.slice(1)) acc = { kind: 'binary', type: 'f64', op: name === 'min' ? 'f64.min' : 'f64.max', left: acc, right: toF64(a) };
        return acc;
      }
      case 'imul':
        if (n !== 2) throw this.refuse(e, 'Math.imul takes 2 arguments');
        return { kind: 'binary', type: 'i32', op: 'i32.mul', left: toI32(args[0]!), right: toI32(args[1]!) };
      case 'clz32':
        return { kind: 'unary', type: 'i32', op: 'i32.clz', arg: toI32(one()) };
      case 'random':
        throw this.refuse(e, 'Math.random is not compiled (results could not be compared)');
      default:
        if ((HOST_MATH as readonly string[]).includes(name)) {
          const fn = name as HostMath;
          const arity = HOST_ARITY[fn] ?? (fn === 'hypot' ? n : 1);
          if (n !== arity || (fn === 'hypot' && (n < 1 || n > 4))) throw this.refuse(e, `Math.${name} with ${n} arguments is not compiled`);
          return { kind: 'math', type: 'f64', fn, args: args.map(toF64) };
        }
        throw this.refuse(e, `Math.${name} is not compiled`);
    }
  }
}

function compoundOperator(ts: Ts, op: TS.SyntaxKind): TS.SyntaxKind | undefined {
  const K = ts.SyntaxKind;
  const map: Partial<Record<TS.SyntaxKind, TS.SyntaxKind>> = {
    [K.PlusEqualsToken]: K.PlusToken,
    [K.MinusEqualsToken]: K.MinusToken,
    [K.AsteriskEqualsToken]: K.AsteriskToken,
    [K.SlashEqualsToken]: K.SlashToken,
    [K.PercentEqualsToken]: K.PercentToken,
    [K.AsteriskAsteriskEqualsToken]: K.AsteriskAsteriskToken,
    [K.AmpersandEqualsToken]: K.AmpersandToken,
    [K.BarEqualsToken]: K.BarToken,
    [K.CaretEqualsToken]: K.CaretToken,
    [K.LessThanLessThanEqualsToken]: K.LessThanLessThanToken,
    [K.GreaterThanGreaterThanEqualsToken]: K.GreaterThanGreaterThanToken,
    [K.GreaterThanGreaterThanGreaterThanEqualsToken]: K.GreaterThanGreaterThanGreaterThanToken,
  };
  return map[op];
}

/** +1 / -1 when `e` is `i++`, `++i`, `i += 1`, `i = i + 1` (or the decrements). */
function updateStep(ts: Ts, e: TS.Expression, name: string): 1 | -1 | undefined {
  const K = ts.SyntaxKind;
  e = unwrapExpression(ts, e);
  if ((ts.isPrefixUnaryExpression(e) || ts.isPostfixUnaryExpression(e)) && isName(ts, e.operand, name)) {
    if (e.operator === K.PlusPlusToken) return 1;
    if (e.operator === K.MinusMinusToken) return -1;
  }
  if (ts.isBinaryExpression(e) && isName(ts, e.left, name)) {
    const r = unwrapExpression(ts, e.right);
    const isOne = ts.isNumericLiteral(r) && Number(r.text) === 1;
    if (e.operatorToken.kind === K.PlusEqualsToken && isOne) return 1;
    if (e.operatorToken.kind === K.MinusEqualsToken && isOne) return -1;
    if (e.operatorToken.kind === K.EqualsToken && ts.isBinaryExpression(r) && isName(ts, r.left, name)) {
      const rr = unwrapExpression(ts, r.right);
      if (ts.isNumericLiteral(rr) && Number(rr.text) === 1) {
        if (r.operatorToken.kind === K.PlusToken) return 1;
        if (r.operatorToken.kind === K.MinusToken) return -1;
      }
    }
  }
  return undefined;
}

function assignsName(ts: Ts, n: TS.Node, name: string): boolean {
  let found = false;
  const visit = (c: TS.Node): void => {
    if (found) return;
    if (isAssignmentTo(ts, c, name)) found = true;
    else ts.forEachChild(c, visit);
  };
  visit(n);
  return found;
}

function countAssignments(ts: Ts, n: TS.Node, name: string): number {
  let count = 0;
  const visit = (c: TS.Node): void => {
    if (isAssignmentTo(ts, c, name)) count++;
    ts.forEachChild(c, visit);
  };
  visit(n);
  return count;
}

/** Largest value an integer-valued expression can take (Infinity when unknown). */
function upperBound(e: Expr): number {
  switch (e.kind) {
    case 'const':
      return e.value;
    case 'length':
      return 0x3fffffff;
    case 'unary':
      if (e.op === 'f64.from_i32') return upperBound(e.arg);
      break;
    case 'binary':
      if (e.op === 'f64.add') return upperBound(e.left) + upperBound(e.right);
      if (e.op === 'f64.sub') return upperBound(e.left) - lowerBound(e.right);
      break;
  }
  return e.type === 'i32' ? 2147483647 : e.type === 'u32' ? 4294967295 : Infinity;
}

/** Smallest value an integer-valued expression can take (-Infinity when unknown). */
function lowerBound(e: Expr): number {
  switch (e.kind) {
    case 'const':
      return e.value;
    case 'length':
      return 0;
    case 'unary':
      if (e.op === 'f64.from_i32') return lowerBound(e.arg);
      break;
    case 'binary':
      if (e.op === 'f64.add') return lowerBound(e.left) + lowerBound(e.right);
      if (e.op === 'f64.sub') return lowerBound(e.left) - upperBound(e.right);
      break;
  }
  return e.type === 'i32' ? -2147483648 : e.type === 'u32' ? 0 : -Infinity;
}

function isInfinite(ts: Ts, s: TS.WhileStatement | TS.ForStatement | TS.DoStatement): boolean {
  const c = ts.isForStatement(s) ? s.condition : s.expression;
  return !c || unwrapExpression(ts, c).kind === ts.SyntaxKind.TrueKeyword;
}

/** A break that leaves this loop (not one inside a nested loop). */
function hasBreak(ts: Ts, n: TS.Node): boolean {
  let found = false;
  const visit = (c: TS.Node): void => {
    if (found) return;
    if (ts.isBreakStatement(c)) found = true;
    else if (!(ts.isWhileStatement(c) || ts.isForStatement(c) || ts.isDoStatement(c))) ts.forEachChild(c, visit);
  };
  visit(n);
  return found;
}

/** What compiles of an array of arrays. */
const STRING_ONLY = (name: string) =>
  `${name} is a string: compiled are ${name}.length, ${name}.charCodeAt(i) and ${name}[i] compared (===, !==) with a string of length one or with another string's element; any other use of a string is not`;

const ROWS_ONLY = (name: string) =>
  `${name} is an array of arrays: compiled are ${name}[i][j] (read and written), ${name}[i].length, ${name}.length and a variable holding a row (const row = ${name}[i]); the outer array or a row passed on, stored or changed are not yet`;
const ROW_ONLY = (name: string, of: string) =>
  `${name} holds a row of the array of arrays ${of}: compiled are ${name}[j] (read and written) and ${name}.length; a row used as a value (passed on, compared, returned, stored or given to another variable) is not compiled`;

/** Whether an expression calls a function (the only IR expression with effects). */
function callsIn(e: Expr): boolean {
  switch (e.kind) {
    case 'call':
      return true;
    case 'unary':
      return callsIn(e.arg);
    case 'binary':
      return callsIn(e.left) || callsIn(e.right);
    case 'math':
      return e.args.some(callsIn);
    case 'cond':
      return callsIn(e.cond) || callsIn(e.then) || callsIn(e.else);
    case 'load':
      return callsIn(e.index);
    default:
      return false;
  }
}

function isSimple(e: Expr): boolean {
  return e.kind === 'const' || e.kind === 'local';
}

/** A number constant: int32 when it is an integer in range (and not -0), otherwise a double. */
export function numConst(v: number): Expr {
  if (Number.isInteger(v) && v >= -2147483648 && v <= 2147483647 && !Object.is(v, -0)) return { kind: 'const', type: 'i32', value: v };
  return { kind: 'const', type: 'f64', value: v };
}

function toF64(e: Expr): Expr {
  if (e.type === 'f64') return e;
  if (e.kind === 'const') return { kind: 'const', type: 'f64', value: e.value };
  return { kind: 'unary', type: 'f64', op: e.type === 'u32' ? 'f64.from_u32' : 'f64.from_i32', arg: e };
}

/**
 * ECMAScript ToInt32. A sum, difference or small product of int32 values is exact as a double, so its
 * ToInt32 is the wrapping 32-bit result: `(a + b) | 0` becomes one i32.add.
 */
function toI32(e: Expr): Expr {
  if (e.type === 'i32') return e;
  if (e.kind === 'const') return { kind: 'const', type: 'i32', value: e.value | 0 };
  if (e.type === 'u32') return { kind: 'unary', type: 'i32', op: 'i32.from_u32', arg: e };
  const wrapped = wrapping(e);
  if (wrapped) return wrapped.expr;
  return { kind: 'unary', type: 'i32', op: 'i32.from_f64', arg: e };
}

const EXACT = 2 ** 53;

/** Rewrites an exactly computed integer expression to wrapping i32 arithmetic, with a bound on its magnitude. */
function wrapping(e: Expr): { expr: Expr; bound: number } | undefined {
  if (e.kind === 'const' && Number.isInteger(e.value) && Math.abs(e.value) < EXACT)
    return { expr: { kind: 'const', type: 'i32', value: e.value | 0 }, bound: Math.abs(e.value) };
  if (e.kind === 'unary' && (e.op === 'f64.from_i32' || e.op === 'f64.from_u32')) {
    return { expr: e.op === 'f64.from_i32' ? e.arg : { kind: 'unary', type: 'i32', op: 'i32.from_u32', arg: e.arg }, bound: 2 ** 32 };
  }
  if (e.kind === 'binary' && (e.op === 'f64.add' || e.op === 'f64.sub' || e.op === 'f64.mul')) {
    const l = wrapping(e.left);
    const r = l && wrapping(e.right);
    if (!l || !r) return undefined;
    const bound = e.op === 'f64.mul' ? l.bound * r.bound : l.bound + r.bound;
    if (bound >= EXACT) return undefined;
    const op = e.op === 'f64.add' ? 'i32.add' : e.op === 'f64.sub' ? 'i32.sub' : 'i32.mul';
    return { expr: { kind: 'binary', type: 'i32', op, left: l.expr, right: r.expr }, bound };
  }
  return undefined;
}

function truthy(e: Expr): Expr {
  if (e.type === 'bool') return e;
  if (e.kind === 'const') return { kind: 'const', type: 'bool', value: e.value !== 0 && !Number.isNaN(e.value) ? 1 : 0 };
  return { kind: 'unary', type: 'bool', op: e.type === 'f64' ? 'f64.truthy' : 'i32.truthy', arg: e };
}

function not(e: Expr): Expr {
  if (e.kind === 'const') return { kind: 'const', type: 'bool', value: e.value ? 0 : 1 };
  return { kind: 'unary', type: 'bool', op: 'bool.not', arg: e };
}

/** A comparison on the narrowest type both sides share exactly (int32 with int32, uint32 with uint32, else doubles). */
function compare(rel: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge', l: Expr, r: Expr): Expr {
  if (l.type === 'i32' && r.type === 'i32') {
    const op = (rel === 'eq' || rel === 'ne' ? `i32.${rel}` : `i32.${rel}_s`) as BinaryOp;
    return { kind: 'binary', type: 'bool', op, left: l, right: r };
  }
  if (l.type === 'u32' && r.type === 'u32') {
    const op = (rel === 'eq' || rel === 'ne' ? `i32.${rel}` : `i32.${rel}_u`) as BinaryOp;
    return { kind: 'binary', type: 'bool', op, left: l, right: r };
  }
  return { kind: 'binary', type: 'bool', op: `f64.${rel}` as BinaryOp, left: toF64(l), right: toF64(r) };
}

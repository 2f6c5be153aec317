// Python frontend: the JSON AST of one function (python/perf_lab_ast.py, run on the user's interpreter) → the Python
// dialect of the IR, keeping Python's semantics exactly. Ints are unbounded in Python: the IR holds them in 64 bits
// and marks every operation that could leave that range `checked` (the compiled code then bails out and the original
// runs), except where a range analysis proves it cannot: loop counters of `range(...)`, lengths, constants, and
// locals assigned once from such values. Indices are proven in range the same way (`for i in range(1, n - 1)` with
// `n = u.shape[0]` makes `u[i - 1]` and `u[i + 1]` safe); other indices wrap negatives and bail out when outside.
// Whatever lies outside the subset is refused with the construct and its line.
import { execFile } from 'node:child_process';
import { CancelledError, PerfLabError } from '../errors';
import { pythonScript } from '../python-script';
import { PL_DEPTH, RESULT_NP, type PythonKernel } from './compile-python';
import {
  PY_MATH,
  PY_MAX_RANK,
  isPyArrayType,
  pyTypeName,
  type PyArray,
  type PyArrayType,
  type PyAxis,
  type PyBinaryOp,
  type PyRank,
  type PyCallArg,
  type PyExpr,
  type PyFunction,
  type PyLocal,
  type PyMath,
  type PyModule,
  type PyParam,
  type PyRecordShape,
  type PyResult,
  type PyScalar,
  type PyStmt,
  type PyValueType,
  pyRecordShapeName,
  walkPyIr,
} from './ir-py';
import { lowerMethod, methodRefusal, selfAttribute, type PyMethodInfo } from './method-py';
import { RefusalError, type Refusal } from './refusal';

/** A node of the exported AST: `_type` is the ast class name; positions are 1-based. */
export interface PyNode {
  _type: string;
  line?: number;
  col?: number;
  [field: string]: unknown;
}

/** What perf_lab_ast.py prints. */
export type PyAstExport =
  | {
      ok: true;
      entry: string;
      functions: Record<string, PyNode>;
      imports: Record<string, string>;
      globals: string[];
      /** Module-level names bound once to a number, a bool or a tuple of numbers, with that type (perf_lab_ast.py). */
      moduleConstants?: Record<string, string>;
      /** How each top-level name gets its value: "def", "class", "import", "constant" or "other" (perf_lab_ast.py). */
      moduleValues?: Record<string, string>;
      /** The entry is a method (`Class.method`, entry `Class_method`): its class (perf_lab_ast.py, method-py.ts). */
      method?: PyMethodInfo;
      python: string;
    }
  | { ok: false; line: number; column: number; message: string };

export interface PyFrontendOptions {
  /** Types of the entry function's parameters as recorded (pyTypeName spelling); they win over annotations. */
  params?: (string | undefined)[];
  /**
   * Types of the module-level data the entry reads by name, as recorded at its calls (`BODIES: list[list[float]]`):
   * hidden parameters the wrapper reads from the module at each call, like the constants the file binds to literals.
   */
  globals?: Record<string, string>;
  /** For a method: the recorded types of the attributes of self its code names (method-py.ts). */
  attrs?: Record<string, string>;
}

export type PyFrontendResult = { ok: true; kernel: PythonKernel } | { ok: false; refusal: Refusal };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const EXACT = 2n ** 53n;

/** A value the range facts know by its key (a dimension, a local that never changes) minus a constant: `key - offset`. */
interface DimRef {
  key: string;
  offset: bigint;
}

/** What a `for` header iterates over (FunctionLowering.iterSource). */
type IterSource =
  | { kind: 'array'; array: number; node: PyNode }
  /** A name that stands for a row of a 2-D array (FunctionLowering.aliases): that row, its index in `local`. */
  | { kind: 'row'; array: number; local: number; node: PyNode }
  /** A range with a constant step: `len` its length (≥ 0), both evaluated before the loop. */
  | { kind: 'range'; start: Val; step: bigint; len: Val; node: PyNode }
  | { kind: 'enumerate'; inner: IterSource; start?: Val; node: PyNode }
  /** A list of records that hold lists beside floats (FunctionLowering.records). */
  | { kind: 'records'; name: string; node: PyNode }
  | { kind: 'zip'; parts: IterSource[]; node: PyNode }
  /** A tuple or list written out in the header (`for dy in (-1, 0, 1)`): its values, evaluated before the loop. */
  | { kind: 'values'; vals: Val[]; node: PyNode }
  /** `xs[a:b]` of a 1-D array: its elements from `start`, `len` of them, both evaluated (and clamped) before the loop. */
  | { kind: 'slice'; array: number; start: Val; len: Val; node: PyNode; base: PyNode };

/** The element of a source at one step: a value, (enumerate, zip) a tuple of them, or row `c` of a 2-D array. */
type SourceElement = Val | { tuple: SourceElement[]; node: PyNode } | { row: number; c: PyExpr; node: PyNode } | { record: string; c: PyExpr; node: PyNode };

/** A closed interval of ints. */
type Range = [bigint, bigint];
const FULL: Range = [INT64_MIN, INT64_MAX];

/** The AST helper beside dist/ (installed) or at the checkout's root. */
export function astHelperPath(): string {
  return pythonScript('perf_lab_ast.py');
}

/** Runs the AST helper on the user's interpreter (so that the file is parsed by the Python that runs it). */
export function exportPythonAst(python: string, file: string, functionName: string, signal?: AbortSignal): Promise<PyAstExport> {
  return new Promise((resolve, reject) => {
    execFile(
      python,
      [astHelperPath(), file, functionName],
      { timeout: 30_000, maxBuffer: 64 << 20, windowsHide: true, ...(signal ? { signal } : {}) },
      (err, stdout, stderr) => {
        if (signal?.aborted) return reject(new CancelledError());
        try {
          resolve(JSON.parse(String(stdout)) as PyAstExport);
        } catch {
          reject(
            new PerfLabError(
              `"${python}" could not read ${file} with Perf Lab's AST helper (${String(stderr).trim().split('\n').pop() || err?.message || 'no answer'}). Set perfLab.pythonPath to a Python 3.8+ interpreter.`,
            ),
          );
        }
      },
    );
  });
}

/** The parts of a type's brackets split at its top-level commas: `a, tuple[b, c]` → [`a`, `tuple[b, c]`]. */
function topLevelParts(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '[') depth++;
    else if (text[i] === ']') depth--;
    else if (text[i] === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/**
 * The record of a list of records that hold lists beside numbers, as the recorder names it
 * (`list[tuple[list[float], list[float], float]]`, pairs of them `list[tuple[tuple[…], tuple[…]]]`): its shape, or
 * undefined for any other type (one without a list inside is a 2-D list, parsePyType's).
 */
export function parseRecordList(text: string): PyRecordShape[] | undefined {
  const t = text.replace(/\s+/g, '');
  const m = /^list\[(tuple\[.*\])\]$/.exec(t);
  if (!m) return undefined;
  const part = (p: string): PyRecordShape | undefined => {
    if (p === 'float') return 'float';
    if (p === 'list[float]') return 'list';
    const inner = /^tuple\[(.*)\]$/.exec(p);
    if (!inner) return undefined;
    const parts = topLevelParts(inner[1]!).map(part);
    return parts.length && parts.every((x) => x !== undefined) ? (parts as PyRecordShape[]) : undefined;
  };
  const shape = part(m[1]!);
  const hasList = (s: PyRecordShape): boolean => s === 'list' || (Array.isArray(s) && s.some(hasList));
  return Array.isArray(shape) && hasList(shape) ? shape : undefined;
}

/** Parses a type name as recordings and annotations spell it: int, float, bool, list[float], ndarray[float64, 2], … */
export function parsePyType(text: string): PyValueType | undefined {
  const t = text
    .replace(/\s+/g, '')
    .replace(/^typing\./, '')
    .replace(/^List\[/, 'list[')
    .replace(/^Tuple\[/, 'tuple[');
  if (t === 'int' || t === 'float' || t === 'bool') return t;
  // A str is passed as its code points, one int each (see PyArrayType).
  if (t === 'str') return { array: 'str', element: 'int', ndim: 1 };
  const elem = (e: string): 'int' | 'float' | undefined => (e === 'float' || e === 'float64' ? 'float' : e === 'int' || e === 'int64' ? 'int' : undefined);
  let m = /^ndarray\[(float64|int64)(?:,([123]))?\]$/.exec(t);
  if (m) return { array: 'ndarray', element: elem(m[1]!)!, ndim: m[2] ? (Number(m[2]) as PyRank) : 1 };
  m = /^(list|tuple)\[(float|int)(?:,\.\.\.)?\]$/.exec(t);
  if (m) return { array: m[1] as 'list' | 'tuple', element: elem(m[2]!)!, ndim: 1 };
  m = /^(list|tuple)\[(list|tuple)\[(float|int)(?:,\.\.\.)?\]\]$/.exec(t);
  if (m) return { array: m[1] as 'list' | 'tuple', element: elem(m[3]!)!, ndim: 2, rows: m[2] as 'list' | 'tuple' };
  return undefined;
}

/** A float constant from Python's float.hex() (also "inf", "-inf", "nan"), exactly. */
export function parseFloatHex(s: string): number {
  if (/^-?inf$/.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/nan$/.test(s)) return NaN;
  const m = /^(-)?0x([01])\.([0-9a-f]*)p([+-]\d+)$/.exec(s);
  if (!m) throw new Error(`not a float.hex() string: ${s}`);
  const frac = m[3]!;
  const mant = Number.parseInt(m[2]! + (frac || '0'), 16);
  const exp = Number(m[4]) - 4 * (frac.length || 1);
  // Two steps, so that neither power of two under- or overflows on its own.
  const half = Math.trunc(exp / 2);
  const v = mant * 2 ** half * 2 ** (exp - half);
  return m[1] ? -v : v;
}

/** The NumPy functions that make an array the compiler takes. */
const NUMPY_BUILDERS = new Set(['zeros', 'ones', 'empty', 'full', 'zeros_like', 'ones_like', 'empty_like', 'full_like', 'arange']);
const MATH_CONSTS: Record<string, number> = { pi: Math.PI, e: Math.E, tau: 2 * Math.PI, inf: Infinity, nan: NaN };

/**
 * Whether a value is a NumPy scalar (an element of an ndarray, or arithmetic on one) rather than a Python number: known
 * while lowering (true, false), or a bool expression the compiled code evaluates (a local assigned a Python int and
 * later a NumPy element keeps a flag beside it). It decides the type of the result, how an int compares with a float
 * (NumPy converts the int to float64, Python compares exactly) and where float arithmetic must bail out (NumPy warns
 * on overflow and invalid operations; Python floats do not).
 */
type Np = boolean | PyExpr;

/** The pseudo-local of the retry set that stands for the function's result. */
const RESULT = '<result>';

/** A value as lowering sees it: the IR expression, whether it is a NumPy scalar, and an int's proven range. */
interface Val {
  e: PyExpr;
  np: Np;
  range?: Range;
  /** A float local that may still hold the int it started with: the slot of its flag (see FunctionLowering.promoted). */
  maybeInt?: number;
  /**
   * A character: a str of one code point (an element of a str, `for c in s`, a one-letter constant), held as its code
   * point. It may be compared, assigned, and given to ord(); anything else is refused (FunctionLowering.expr).
   */
  char?: boolean;
}

/** The largest code point: what an element of a str holds at most. */
const MAX_CODE_POINT = 0x10ffffn;

/** Thrown when a local (or the result) is a NumPy scalar on some paths and not on others: lowered again with a flag. */
class NpVaries extends Error {
  constructor(readonly local: string) {
    super(`numpy-ness of ${local} varies`);
  }
}

/** Thrown when a local turns out to hold an int and then a float: the function is lowered again with it promoted. */
class Promote extends Error {
  constructor(readonly local: string) {
    super(`promote ${local}`);
  }
}

/** Thrown when a function calls itself (or one that calls it) before its result type is known: lowered again assuming one. */
class Recursive extends Error {
  constructor(readonly key: string) {
    super(`${key} is recursive`);
  }
}

/** The element type of a list the function builds, learnt from what it appends (`xs = []`): lowered again knowing it. */
type Element = PyArrayType['element'];
class ElementHint extends Error {
  constructor(
    readonly array: string,
    readonly element: Element,
  ) {
    super(`the elements of ${array} are ${element}s`);
  }
}

/** What a loop counter is known to satisfy inside its loop: a range, and `i + s < dim` for s ≤ slack. */
interface Below {
  dim: string;
  slack: bigint;
}

/** Facts about a local that the range analysis uses. */
interface LocalInfo {
  slot: number;
  type: PyScalar;
  /** Assignments in the function (a `for` header counts as one). */
  assignments: number;
  range?: Range;
  /** Single assignment from `len(a)` / `a.shape[k]` (minus a constant): `local = dim - offset`. */
  dim?: { key: string; offset: bigint };
  below?: Below[];
  /** Whether it holds a NumPy scalar (when the same on every assignment; else a flag local tracks it). */
  np: boolean;
  /** Whether it holds a character (see Val.char); set by its first assignment. */
  char?: boolean;
  /** Whether an assignment (or the parameter's signature) has fixed `np`. */
  npKnown: boolean;
}

/** A specialisation's argument types; `np[i]`: scalar argument i is a NumPy scalar (absent: none is). */
type Signature = { types: PyValueType[]; np?: boolean[]; complex?: boolean[]; records?: (PyRecordShape[] | undefined)[] };

class Refuse {
  static at(node: PyNode | undefined, construct: string, reason: string): RefusalError {
    return new RefusalError({ construct, line: node?.line ?? 1, column: node?.col ?? 1, reason });
  }
}

function nodes(v: unknown): PyNode[] {
  return (Array.isArray(v) ? v : []) as PyNode[];
}

function node(v: unknown): PyNode | undefined {
  return v && typeof v === 'object' && '_type' in (v as object) ? (v as PyNode) : undefined;
}

/** How an array-making expression is lowered (FunctionLowering.build). */
interface Built {
  type: PyArrayType;
  /** The statements that give the local array in `slot` its new value. */
  make(slot: number): PyStmt[];
  /** Per axis, a value that never changes that the dimension equals (`key` minus `offset`, see dimKey), where known. */
  dims?: (DimRef | undefined)[];
}

/**
 * The parts of a list joined with `+`, left to right, when every part is a list written out (`[i]`, `[a, b]`) or one
 * repeated (`[x] * n`, `n * [x]`), and there are at least two; otherwise undefined.
 */
function concatParts(n: PyNode): PyNode[] | undefined {
  if (n._type !== 'BinOp' || n.op !== 'Add') return undefined;
  const parts: PyNode[] = [];
  const walk = (x: PyNode): boolean => {
    if (x._type === 'BinOp' && x.op === 'Add') return walk(node(x.left)!) && walk(node(x.right)!);
    const repeated = x._type === 'BinOp' && x.op === 'Mult' && (node(x.left)?._type === 'List' || node(x.right)?._type === 'List');
    if (x._type !== 'List' && !repeated) return false;
    parts.push(x);
    return true;
  };
  return walk(n) ? parts : undefined;
}

/** Names appended to anywhere in a function body (`xs.append(…)`), or built by a comprehension: their lists grow. */
function appendedNames(body: PyNode[]): Set<string> {
  const out = new Set<string>();
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(visit);
    const x = node(n);
    if (!x) return;
    if (x._type === 'Assign' || x._type === 'AnnAssign') {
      const v = node(x.value);
      const comprehension =
        (v?._type === 'ListComp' && !rowsShape(v)) || (v?._type === 'Call' && ['GeneratorExp', 'ListComp'].includes(String(nodes(v.args)[0]?._type)));
      if (comprehension) for (const t of x._type === 'Assign' ? nodes(x.targets) : [node(x.target)!]) if (t._type === 'Name') out.add(String(t.id));
    }
    if (x._type === 'Call') {
      const f = node(x.func);
      if (f?._type === 'Attribute' && String(f.attr) === 'append' && node(f.value)?._type === 'Name') out.add(String(node(f.value)!.id));
    }
    for (const [k, v] of Object.entries(x)) if (k !== '_type' && typeof v === 'object') visit(v);
  };
  visit(body);
  return out;
}

/**
 * `[[x] * m for v in range(n)]` (or `m * [x]`): a list of n rows, its parts, or undefined for any other comprehension.
 * Whether `range` is the builtin is for the caller to check.
 */
function rowsShape(n: PyNode): { variable: string; range: PyNode; x: PyNode; count: PyNode } | undefined {
  const gens = nodes(n.generators);
  const g = gens[0];
  const target = node(g?.target);
  const iter = node(g?.iter);
  const elt = node(n.elt);
  if (n._type !== 'ListComp' || gens.length !== 1 || nodes(g!.ifs).length || target?._type !== 'Name' || iter?._type !== 'Call') return undefined;
  if (node(iter.func)?._type !== 'Name' || node(iter.func)!.id !== 'range' || nodes(iter.args).length !== 1 || nodes(iter.keywords).length) return undefined;
  if (elt?._type !== 'BinOp' || elt.op !== 'Mult') return undefined;
  const [seq, count] = node(elt.left)!._type === 'List' ? [node(elt.left)!, node(elt.right)!] : [node(elt.right)!, node(elt.left)!];
  if (seq._type !== 'List' || nodes(seq.elts).length !== 1 || nodes(seq.elts)[0]!._type === 'Starred') return undefined;
  return { variable: String(target.id), range: iter, x: nodes(seq.elts)[0]!, count };
}

/** For each name, the names it is swapped with (`a, b = b, a`) anywhere in a function body. */
function swappedNames(body: PyNode[]): [Map<string, Set<string>>, Map<string, number>] {
  const out = new Map<string, Set<string>>();
  const count = new Map<string, number>();
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(visit);
    const x = node(n);
    if (!x) return;
    if (x._type === 'Assign' && nodes(x.targets).length === 1) {
      const t = nodes(node(nodes(x.targets)[0])?.elts);
      const v = nodes(node(x.value)?.elts);
      if (t.length === 2 && v.length === 2 && [...t, ...v].every((e) => e._type === 'Name')) {
        const [a, b] = t.map((e) => String(e.id));
        for (const [p, q] of [
          [a!, b!],
          [b!, a!],
        ] as const) {
          if (!out.has(p)) out.set(p, new Set());
          out.get(p)!.add(q);
          count.set(p, (count.get(p) ?? 0) + 1);
        }
      }
    }
    for (const [k, v] of Object.entries(x)) if (k !== '_type' && typeof v === 'object') visit(v);
  };
  visit(body);
  return [out, count];
}

/** Per name, the names it is assigned from (`prev = cur`): a list it takes from another name (moveArray). */
function nameCopies(body: PyNode[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(visit);
    const x = node(n);
    if (!x) return;
    const t = x._type === 'Assign' && nodes(x.targets).length === 1 ? nodes(x.targets)[0] : undefined;
    const v = node(x.value);
    if (t?._type === 'Name' && v?._type === 'Name') {
      if (!out.has(String(t.id))) out.set(String(t.id), new Set());
      out.get(String(t.id))!.add(String(v.id));
    }
    for (const [k, w] of Object.entries(x)) if (k !== '_type' && typeof w === 'object') visit(w);
  };
  visit(body);
  return out;
}

/**
 * Names assigned `name = a[i]` (one index, of a name `a`), with how many such assignments each has; a name assigned so
 * from two different names maps to the base `''`. Where `a` is a 2-D array these bind the name to a row (bindRowAlias).
 */
function rowBindings(body: PyNode[]): Map<string, { base: string; count: number }> {
  const out = new Map<string, { base: string; count: number }>();
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(visit);
    const x = node(n);
    if (!x) return;
    const t = x._type === 'Assign' && nodes(x.targets).length === 1 ? nodes(x.targets)[0] : undefined;
    const value = node(x.value);
    // `row = a[i]`, and each part of `row, up = a[i], a[i - 1]`.
    const pairs: [PyNode | undefined, PyNode | undefined][] =
      (t?._type === 'Tuple' || t?._type === 'List') && value?._type === 'Tuple' && nodes(t.elts).length === nodes(value.elts).length
        ? nodes(t.elts).map((e, i) => [e, nodes(value.elts)[i]])
        : [[t, value]];
    for (const [target, v] of pairs) {
      const base = v?._type === 'Subscript' ? node(v.value) : undefined;
      const idx = v ? sliceOf(v) : undefined;
      if (target?._type === 'Name' && base?._type === 'Name' && idx && idx._type !== 'Slice' && idx._type !== 'Tuple') {
        const seen = out.get(String(target.id));
        out.set(String(target.id), { base: !seen || seen.base === String(base.id) ? String(base.id) : '', count: (seen?.count ?? 0) + 1 });
      }
    }
    for (const [k, w] of Object.entries(x)) if (k !== '_type' && typeof w === 'object') visit(w);
  };
  visit(body);
  return out;
}

/** The modules a function may import in its body: what the compiler resolves. */
const IMPORTABLE = new Set(['math', 'numpy']);

/** The names import statements in a function body bind. */
function importedNames(body: PyNode[]): Set<string> {
  const out = new Set<string>();
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(visit);
    const x = node(n);
    if (!x) return;
    if (x._type === 'Import' || x._type === 'ImportFrom')
      for (const a of nodes(x.names)) out.add(a.asname ? String(a.asname) : x._type === 'Import' ? String(a.name).split('.')[0]! : String(a.name));
    for (const [k, v] of Object.entries(x)) if (k !== '_type' && typeof v === 'object') visit(v);
  };
  visit(body);
  return out;
}

/** Whether a call is anywhere below a node (other than those `pure` says do nothing but give a value). */
function mentionsCall(n: unknown, pure: (call: PyNode) => boolean = () => false): boolean {
  if (Array.isArray(n)) return n.some((x) => mentionsCall(x, pure));
  const x = node(n);
  if (!x) return false;
  if (x._type === 'Call' && !pure(x)) return true;
  return Object.entries(x).some(([k, v]) => k !== '_type' && typeof v === 'object' && mentionsCall(v, pure));
}

/** Whether a node reads or writes the name anywhere below it. */
function mentions(n: unknown, name: string): boolean {
  if (Array.isArray(n)) return n.some((x) => mentions(x, name));
  const x = node(n);
  if (!x) return false;
  if (x._type === 'Name' && x.id === name) return true;
  return Object.entries(x).some(([k, v]) => k !== '_type' && typeof v === 'object' && mentions(v, name));
}

/** A copy of a comprehension's part with its variables renamed; a nested comprehension may not bind them again. */
function renamed(n: PyNode, renames: ReadonlyMap<string, string>, at: PyNode): PyNode {
  const copy = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(copy);
    const x = node(v);
    if (!x) return v;
    if (x._type === 'Name' && renames.has(String(x.id))) return { ...x, id: renames.get(String(x.id)) };
    const again = x._type === 'comprehension' ? targetNames(node(x.target))?.find((name) => renames.has(name)) : undefined;
    if (again !== undefined) throw Refuse.at(at, show(at), `a nested comprehension binds ${again} again; name its variable differently`);
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(x)) out[k] = typeof val === 'object' ? copy(val) : val;
    return out;
  };
  return copy(n) as PyNode;
}

/** The generator of `… for <name> in <iter>`. */
function comprehensionOver(name: string, iter: PyNode): PyNode {
  return { _type: 'comprehension', target: { _type: 'Name', id: name, line: iter.line, col: iter.col }, iter, ifs: [], is_async: 0 };
}

function call(func: PyNode, args: PyNode[]): PyNode {
  return { _type: 'Call', func, args, keywords: [], line: func.line, col: func.col };
}

function attribute(value: PyNode, attr: string): PyNode {
  return { _type: 'Attribute', value, attr, line: value.line, col: value.col };
}

/** Whether the Python version the AST helper ran on (e.g. "3.12.1") is at least major.minor. */
function pythonAtLeast(version: string, major: number, minor: number): boolean {
  const [a, b] = version.split('.').map(Number);
  return a! > major || (a === major && b! >= minor);
}

/** Short source-like text of a node for refusals. */
function show(n: PyNode | undefined): string {
  if (!n) return '?';
  switch (n._type) {
    case 'Name':
      return String(n.id);
    case 'Attribute':
      return `${show(node(n.value))}.${String(n.attr)}`;
    case 'Call':
      return `${show(node(n.func))}(…)`;
    case 'Subscript':
      return `${show(node(n.value))}[…]`;
    case 'Tuple':
    case 'List':
      return nodes(n.elts).map(show).join(', ');
    case 'Constant': {
      const v = n.value as Record<string, unknown>;
      return 'str' in v ? JSON.stringify(v.str) : String(Object.values(v)[0]);
    }
    default:
      return n._type;
  }
}

/** Names assigned anywhere in a function body (Python's rule for what is local), with their assignment counts. */
function assignedNames(body: PyNode[]): { all: Map<string, number>; fors: Map<string, number> } {
  const out = new Map<string, number>();
  const fors = new Map<string, number>();
  const add = (t: PyNode | undefined) => {
    if (!t) return;
    if (t._type === 'Name') out.set(String(t.id), (out.get(String(t.id)) ?? 0) + 1);
    else if (t._type === 'Tuple' || t._type === 'List') nodes(t.elts).forEach(add);
  };
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(visit);
    const x = node(n);
    if (!x) return;
    if (x._type === 'Assign') nodes(x.targets).forEach(add);
    if (x._type === 'AugAssign' || x._type === 'AnnAssign' || x._type === 'For') add(node(x.target));
    // Every name of a for header's target, unpacked (`for i, (x, y) in …`) or not.
    if (x._type === 'For') for (const name of targetNames(node(x.target)) ?? []) fors.set(name, (fors.get(name) ?? 0) + 1);
    if (x._type === 'NamedExpr') add(node(x.target));
    for (const [k, v] of Object.entries(x)) if (k !== '_type' && typeof v === 'object') visit(v);
  };
  visit(body);
  return { all: out, fors };
}

/** The names a target binds when it is names and tuples of names (`i, (x, y)`); undefined for anything else. */
function targetNames(t: PyNode | undefined): string[] | undefined {
  if (t?._type === 'Name') return [String(t.id)];
  if (t?._type !== 'Tuple' && t?._type !== 'List') return undefined;
  const out: string[] = [];
  for (const e of nodes(t.elts)) {
    const names = targetNames(e);
    if (!names) return undefined;
    out.push(...names);
  }
  return out;
}

function add(a: Range, b: Range): Range {
  return [a[0] + b[0], a[1] + b[1]];
}
function sub(a: Range, b: Range): Range {
  return [a[0] - b[1], a[1] - b[0]];
}
function mul(a: Range, b: Range): Range {
  const p = [a[0] * b[0], a[0] * b[1], a[1] * b[0], a[1] * b[1]];
  return [p.reduce((x, y) => (y < x ? y : x)), p.reduce((x, y) => (y > x ? y : x))];
}
function fits(r: Range): boolean {
  return r[0] >= INT64_MIN && r[1] <= INT64_MAX;
}
function clamp(r: Range | undefined): Range {
  return r && fits(r) ? r : FULL;
}

/** Lowers the module's functions reachable from the entry, one specialisation per argument signature. */
class ModuleLowering {
  readonly lowered: PyFunction[] = [];
  private readonly bySignature = new Map<string, PyFunction>();
  /** The signatures being lowered, with the IR name each will have. */
  private readonly inProgress = new Map<string, string>();
  /** For a recursive signature being lowered: the function its calls see, with the result type assumed. */
  private readonly assumed = new Map<string, PyFunction>();
  /** The source name of each lowered function (specialisations are named `<name>_2`, …). */
  readonly sourceName = new Map<PyFunction, string>();
  /**
   * Whether the entry reaches a function that calls itself (directly or through others). Then every function takes a
   * hidden depth budget (PL_DEPTH) and bails out when it is spent, so that the compiled code never recurses deeper
   * than Python would let the original (which then raises RecursionError itself).
   */
  readonly recursive: boolean;

  constructor(
    readonly ast: Extract<PyAstExport, { ok: true }>,
    readonly fileName: string,
    /** The recorded types of the module-level data the entry reads (PyFrontendOptions.globals). */
    readonly recordedGlobals: Record<string, string> = {},
  ) {
    this.recursive = reachesCycle(ast);
  }

  /** The lowered function for `name` called with `types`; lowered on first use. */
  function(name: string, sig: Signature, at: PyNode | undefined, entry = false): PyFunction {
    const key = `${name}(${sig.types.map((t, i) => `${pyTypeName(t)}${sig.np?.[i] ? ' numpy' : ''}${sig.complex?.[i] ? ' complex' : ''}`).join(',')})`;
    const done = this.bySignature.get(key);
    if (done) return done;
    if (this.inProgress.has(key)) {
      // A recursive call: it sees the function with the result type assumed, or makes its lowering assume one.
      const assumed = this.assumed.get(key);
      if (assumed) return assumed;
      throw new Recursive(key);
    }
    const def = this.ast.functions[name];
    if (!def) throw Refuse.at(at, `${name}(…)`, `${name} is not a function of this file`);
    const count = [...this.bySignature.keys(), ...this.inProgress.keys()].filter((k) => k.startsWith(`${name}(`)).length;
    const irName = count === 0 ? name : `${name}_${count + 1}`;
    this.inProgress.set(key, irName);
    try {
      // Each result type in turn, for a function whose recursive calls need it before its lowering finds it.
      const guesses: (PyScalar | 'none')[] = ['int', 'float', 'bool', 'none'];
      let failed: unknown;
      for (;;) {
        const mark = { lowered: this.lowered.length, signatures: [...this.bySignature.keys()] };
        try {
          const fn = this.lowerOnce(def, irName, sig, entry);
          const assumed = this.assumed.get(key);
          if (assumed && (fn.result !== assumed.result || fn.resultNumpy)) throw new Recursive(key);
          this.bySignature.set(key, fn);
          this.sourceName.set(fn, name);
          this.lowered.push(fn);
          return fn;
        } catch (e) {
          // A refusal under an assumed result type may be the assumption's doing: the next one is tried.
          const wrongGuess = this.assumed.has(key) && e instanceof RefusalError;
          if (!(e instanceof Recursive && e.key === key) && !wrongGuess) throw e;
          if (wrongGuess) failed ??= e;
          // What was lowered on the wrong assumption is dropped.
          this.lowered.length = mark.lowered;
          for (const k of [...this.bySignature.keys()]) if (!mark.signatures.includes(k)) this.bySignature.delete(k);
          const next = guesses.shift();
          if (!next && failed) throw failed;
          if (!next)
            throw Refuse.at(
              def,
              `def ${name}`,
              `${name} calls itself, and its result is not one int, float, bool or None (a Python number, the same type on every path); the compiled code needs one result type`,
            );
          this.assumed.set(key, placeholder(irName, sig, next, def));
        }
      }
    } finally {
      this.inProgress.delete(key);
      this.assumed.delete(key);
    }
  }

  /** One lowering of a function, again with what it turned out to need (a promoted local, a NumPy flag, an element type). */
  private lowerOnce(def: PyNode, irName: string, sig: Signature, entry: boolean): PyFunction {
    // `total = 0` then `total += x` (a float): lowered again with `total` a float that remembers it may be an int.
    const promoted = new Set<string>();
    // A local that is a NumPy scalar on some paths only: lowered again with a flag that tracks it at run time.
    const varying = new Set<string>();
    // The element type of each list the function builds, where the first lowering had to guess it.
    const elements = new Map<string, Element>();
    let fn: PyFunction | undefined;
    while (!fn) {
      try {
        fn = new FunctionLowering(this, def, irName, sig, promoted, varying, entry, elements).lower();
      } catch (e) {
        if (e instanceof NpVaries && !varying.has(e.local) && varying.size < 64) {
          varying.add(e.local);
          continue;
        }
        if (e instanceof ElementHint && !elements.has(e.array) && elements.size < 64) {
          elements.set(e.array, e.element);
          continue;
        }
        if (!(e instanceof Promote) || promoted.has(e.local) || promoted.size > 8) throw e instanceof Promote ? new Error(`cannot promote ${e.local}`) : e;
        promoted.add(e.local);
      }
    }
    return fn;
  }
}

/**
 * What a recursive call sees of a function being lowered: its IR name, its parameters (arrays taken as written, the
 * safe side) and the result type assumed.
 */
function placeholder(irName: string, sig: Signature, result: PyScalar | 'none', def: PyNode): PyFunction {
  const params: PyParam[] = [];
  const arrays: PyArray[] = [];
  sig.types.forEach((t, i) => {
    if (isPyArrayType(t)) {
      params.push({ name: `p${i}`, type: t, slot: arrays.length });
      arrays.push({ name: `p${i}`, type: t, written: true });
    } else params.push({ name: `p${i}`, type: t, slot: i });
  });
  return { name: irName, params, locals: [], arrays, result, body: [], line: def.line ?? 1 };
}

/** Whether the entry reaches a function of the file that calls itself, directly or through others. */
function reachesCycle(ast: Extract<PyAstExport, { ok: true }>): boolean {
  const calls = (name: string): string[] => {
    const def = ast.functions[name];
    if (!def) return [];
    const local = assignedNames(nodes(def.body)).all;
    const out = new Set<string>();
    const visit = (n: unknown): void => {
      if (Array.isArray(n)) return n.forEach(visit);
      const x = node(n);
      if (!x) return;
      if (x._type === 'Call' && node(x.func)?._type === 'Name') {
        const f = String(node(x.func)!.id);
        if (f in ast.functions && !local.has(f)) out.add(f);
      }
      for (const [k, v] of Object.entries(x)) if (k !== '_type' && typeof v === 'object') visit(v);
    };
    visit(def.body);
    return [...out];
  };
  const state = new Map<string, 'open' | 'done'>();
  const cyclic = (name: string): boolean => {
    if (state.get(name) === 'open') return true;
    if (state.get(name) === 'done') return false;
    state.set(name, 'open');
    const found = calls(name).some(cyclic);
    state.set(name, 'done');
    return found;
  };
  return cyclic(ast.entry);
}

/** The parameter types of the entry function: recorded types first, then annotations. */
function entryTypes(def: PyNode, given: (string | undefined)[] | undefined): Signature {
  const args = node(def.args)!;
  const params = nodes(args.args);
  checkPlainParams(def);
  // A NumPy scalar passed as an argument (`for x in np.linspace(…)`): its Python value in the kernel, which keeps
  // NumPy's rules for it (see Np); the wrapper checks its exact type.
  const numpy = (given ?? []).map((rec) => NUMPY_SCALARS[rec ?? '']);
  // A complex argument: two float parts in the kernel (FunctionLowering.isComplex), the wrapper checks its exact type.
  const complex = params.map((p, i) => (given?.[i] ?? annotationText(node(p.annotation))) === 'complex');
  // A list of records that hold lists beside floats (n-body's bodies and pairs of them): passed as arrays of their
  // parts (FunctionLowering.recordParam); its type here stands in for nothing.
  const records = params.map((_, i) => (given?.[i] ? parseRecordList(given[i]!) : undefined));
  const types = params.map((p, i): PyValueType => {
    const rec = given?.[i];
    if (complex[i]) return 'float';
    if (records[i]) return RECORDS_STANDIN;
    const fromRecord = rec ? (numpy[i] ?? parsePyType(rec)) : undefined;
    if (rec && !fromRecord) {
      const name = String(p.arg);
      // The recorder names the two shapes of list it sees but the compiler cannot keep exact (perf_lab_kernel.py type_name).
      const why = rec.includes('int|float')
        ? `its elements are ints and floats side by side (such as float('inf') beside ints): Python keeps each element's own type (int + int stays an int, min() returns the very object it picked), the compiled code holds one element type. Make every element a float (float(w), math.inf) to compile it`
        : /^ndarray\[\w+, *\d+\]$/.test(rec) && Number(/(\d+)\]$/.exec(rec)![1]) > PY_MAX_RANK
          ? `it has ${/(\d+)\]$/.exec(rec)![1]} dimensions; the compiled code indexes NumPy arrays of 1 to ${PY_MAX_RANK} dimensions`
          : rec.includes('of varying lengths')
            ? 'its rows have different lengths; the compiled code takes lists of lists whose rows all have one length'
            : /\[tuple\[.*list\[/.test(rec)
              ? 'its records hold lists beside numbers; the compiled code takes records (tuples, nested or not) of lists of floats and floats only, not ints or lists of ints'
              : 'the compiler takes int, float, bool, lists or tuples of floats or ints, and float64 / int64 NumPy arrays of 1 to 3 dimensions';
      throw Refuse.at(p, name, `the program passes ${rec} for ${name}, which the compiler does not take: ${why}`);
    }
    const annotation = node(p.annotation);
    const t = fromRecord ?? annotationType(annotation) ?? defaultType(def, i);
    if (!t) {
      const text = annotationText(annotation);
      if (annotation)
        throw Refuse.at(
          p,
          String(p.arg),
          `${String(p.arg)} is annotated ${text ?? show(annotation)}, which the compiler does not take (it takes int, float, bool, str, lists or tuples of floats or ints, and float64 / int64 NumPy arrays of 1 to 3 dimensions)${given ? ', and no recorded call shows its type' : ''}`,
        );
      throw Refuse.at(
        p,
        String(p.arg),
        "the parameter has no type: annotate it (int, float, list[float], …) or record the arguments by profiling or optimizing with the program's real calls",
      );
    }
    return t;
  });
  return {
    types,
    ...(numpy.some(Boolean) ? { np: types.map((_, i) => numpy[i] !== undefined) } : {}),
    ...(complex.some(Boolean) ? { complex } : {}),
    ...(records.some(Boolean) ? { records } : {}),
  };
}

/** What a list of records' type is in a Signature (see entryTypes): never lowered as such. */
const RECORDS_STANDIN: PyArrayType = { array: 'list', element: 'float', ndim: 2, rows: 'tuple' };

/** The NumPy scalar types an argument may be, as the recorder names them, and the Python scalar each holds. */
const NUMPY_SCALARS: Record<string, PyScalar | undefined> = { 'numpy.float64': 'float', 'numpy.int64': 'int' };

/** The default of parameter i, where it has one: the node of its value. */
function defaultOf(def: PyNode, i: number): PyNode | undefined {
  const args = node(def.args)!;
  const params = nodes(args.args);
  const defaults = nodes(args.defaults);
  const k = i - (params.length - defaults.length);
  return k >= 0 ? defaults[k] : undefined;
}

/** The type of a number a parameter defaults to (`n=1000`, `dt=0.01`, `-1`): what calls that omit it pass. */
function defaultType(def: PyNode, i: number): PyScalar | undefined {
  const d = constantNumber(defaultOf(def, i));
  return d?.type;
}

/** An int, float or bool constant (a negative one too), as the IR holds it. */
function constantNumber(n: PyNode | undefined): Extract<PyExpr, { kind: 'const' }> | undefined {
  if (!n) return undefined;
  if (n._type === 'UnaryOp' && n.op === 'USub') {
    const c = constantNumber(node(n.operand));
    if (!c || c.type === 'bool') return undefined;
    return c.type === 'int' ? { ...c, value: -BigInt(c.value) } : { ...c, value: -Number(c.value) };
  }
  if (n._type !== 'Constant') return undefined;
  const v = n.value as { int?: string; float?: string; bool?: boolean };
  if (v.bool !== undefined) return { kind: 'const', type: 'bool', value: v.bool ? 1 : 0 };
  if (v.int !== undefined) {
    const i = BigInt(v.int);
    return i >= INT64_MIN && i <= INT64_MAX ? { kind: 'const', type: 'int', value: i } : undefined;
  }
  if (v.float !== undefined) return { kind: 'const', type: 'float', value: parseFloatHex(v.float) };
  return undefined;
}

function checkPlainParams(def: PyNode): void {
  const args = node(def.args)!;
  if (nodes(args.posonlyargs).length || nodes(args.kwonlyargs).length || node(args.vararg) || node(args.kwarg)) {
    throw Refuse.at(
      def,
      `def ${String(def.name)}`,
      'only plain positional parameters are compiled (no *args, **kwargs, keyword-only or positional-only markers)',
    );
  }
  if (nodes(def.decorator_list).length)
    throw Refuse.at(def, `def ${String(def.name)}`, 'decorated functions are not compiled (the decorator could change what the function does)');
  if (def._type !== 'FunctionDef') throw Refuse.at(def, `async def ${String(def.name)}`, 'async functions are not compiled');
}

function annotationText(a: PyNode | undefined): string | undefined {
  if (!a) return undefined;
  switch (a._type) {
    case 'Name':
      return String(a.id);
    case 'Attribute':
      return String(a.attr);
    case 'Subscript': {
      const base = annotationText(node(a.value));
      let s = node(a.slice);
      if (s?._type === 'Index') s = node(s.value);
      const inner = s?._type === 'Tuple' ? nodes(s.elts).map(annotationText).join(',') : annotationText(s);
      return base && inner ? `${base}[${inner}]` : undefined;
    }
    case 'Constant': {
      // A string annotation: "ndarray[float64, 2]".
      const v = a.value as { str?: string };
      return v.str;
    }
    default:
      return undefined;
  }
}

function annotationType(a: PyNode | undefined): PyValueType | undefined {
  const t = annotationText(a);
  return t ? parsePyType(t.replace(/^List/, 'list').replace(/^Tuple/, 'tuple')) : undefined;
}

class FunctionLowering {
  private readonly locals: PyLocal[] = [];
  private readonly info = new Map<string, LocalInfo>();
  private readonly arrays: PyArray[] = [];
  private readonly arrayByName = new Map<string, number>();
  private readonly params: PyParam[] = [];
  private readonly assigned: Map<string, number>;
  /** Names assigned only by for headers: inside each loop, the facts of that loop hold. */
  private readonly forOnly = new Set<string>();
  /** Loop counters whose loop body is being lowered. */
  private readonly activeFor = new Set<string>();
  private result: PyResult | undefined;
  /** Whether each `return` so far gives a NumPy scalar. */
  private readonly returnNp: Np[] = [];
  /** Statements run first: the NumPy flags of parameters that are reassigned. */
  private readonly prologue: PyStmt[] = [];
  /** The local of the depth budget (PL_DEPTH), in a module with recursion. */
  private depth: number | undefined;
  /** The array slot of RESULT_NP, when the entry reports its result's kind at run time. */
  private resultNpArray: number | undefined;
  private labels = 0;
  private loops: number[] = [];
  /** Locals definitely assigned at this point (Python raises UnboundLocalError when reading others). */
  private defined = new Set<string>();
  private temps = 0;
  private readonly name: string;
  /**
   * Where an expression may put statements that run before the statement it is in (a comprehension's loop, a sum over
   * a generator): the list of the statement being lowered, or null where the expression is evaluated again and again
   * (a while condition).
   */
  private pre: PyStmt[] | null = null;
  /** Inside an expression Python evaluates only sometimes (a branch of `… if … else …`, and/or, a comparison chain). */
  private lazy = 0;
  /** Synthetic names made so far: comprehension variables, hidden lists, sums. */
  private synthetic = 0;
  /** A dimension of a local array known to equal another (a parameter's, or a local's that never changes): its key. */
  private readonly dimAlias = new Map<string, DimRef>();
  /** Locals whose value never changes once set: parameters never reassigned, locals assigned once outside any loop. */
  private readonly stable = new Set<string>();
  /** Names appended to somewhere in the function: their lists grow. */
  private readonly appended: Set<string>;
  /** The names each name is swapped with somewhere in the function (`a, b = b, a`), and how many swaps name it. */
  private readonly swaps: Map<string, Set<string>>;
  private readonly swapCount: Map<string, number>;
  /** Lists that start empty whose element type was guessed (int) rather than known. */
  private readonly guessed = new Set<string>();
  /** Names the function imports (`import math` in its body), and what each has imported so far. */
  private readonly importedHere: Set<string>;
  private readonly localImports = new Map<string, string>();
  /** The entry returns this argument itself (`return dist`, returnArray). */
  private resultArg: string | undefined;
  /** The function returns a complex (returnComplex). */
  private resultComplex = false;
  /** Complex locals: the slots of their real and imaginary parts (float locals). */
  private readonly complexLocals = new Map<string, [number, number]>();
  /**
   * Lists of records that hold lists beside floats (parameters or module-level data, see PyParam.record): the arrays
   * of each record's pool rows and floats, and the record's shape.
   */
  private readonly records = new Map<string, { lists: number; floats: number; shape: PyRecordShape[] }>();
  /** The pool of the records' lists (PyParam.record), made with the first list of records. */
  private pool: number | undefined;
  /**
   * Names that stand for a row of a 2-D array: a list inside a record (`for (r, v, m) in bodies`: r, v; a row of the
   * pool) or a row of a list of lists or of a 2-D NumPy array (`row = dist[i]`, bindRowAlias): the array and the int
   * local that holds the row's index (0 ≤ index < its rows). Reads and writes through the name are the array's.
   */
  private readonly aliases = new Map<string, { array: number; local: number }>();
  /** Per name, how many of its assignments are `name = a[i]` of one name `a` (rowBindings), and `a`. */
  private readonly rowBound: Map<string, { base: string; count: number }>;
  /** Local arrays allocated inside a loop: a row alias of one could outlive the list it was taken from. */
  private readonly allocatedInLoop = new Set<string>();
  /** The names each name is assigned from (`prev = cur`, nameCopies). */
  private readonly movedTo: Map<string, Set<string>>;
  /** The swaps that lower `prev = cur` of local arrays (moveArray): the array moved from, checked dead after them. */
  private readonly moves = new Map<PyStmt, { from: number; to: number; at: PyNode }>();

  constructor(
    private readonly mod: ModuleLowering,
    private readonly def: PyNode,
    private readonly irName: string,
    private readonly sig: Signature,
    /**
     * Locals that hold an int constant and later floats (`total = 0; total += x`): kept as floats, with a flag that
     * says the value is still the int. Arithmetic with a float gives the same result either way; any other read
     * bails out while the flag is set (the original then runs), so the compiled code never returns the int as a float.
     */
    private readonly promote: ReadonlySet<string> = new Set(),
    /** Locals whose NumPy-ness differs between assignments (RESULT: between returns): tracked by a flag. */
    private readonly varying: ReadonlySet<string> = new Set(),
    private readonly isEntry = false,
    /** The element type of lists built from nothing (`[]`, a comprehension), learnt from an earlier lowering. */
    private readonly elements: ReadonlyMap<string, Element> = new Map(),
  ) {
    this.name = String(def.name);
    const names = assignedNames(nodes(def.body));
    this.assigned = names.all;
    for (const [n, count] of names.fors) if (names.all.get(n) === count) this.forOnly.add(n);
    for (const p of nodes(node(def.args)?.args)) if (!this.assigned.has(String(p.arg))) this.stable.add(String(p.arg));
    this.appended = appendedNames(nodes(def.body));
    this.rowBound = rowBindings(nodes(def.body));
    this.importedHere = importedNames(nodes(def.body));
    [this.swaps, this.swapCount] = swappedNames(nodes(def.body));
    // Swapped lists keep their lengths apart from their capacities alike, and so do lists one name takes from another
    // (`prev = cur`), through chains of both.
    this.movedTo = nameCopies(nodes(def.body));
    const pairs = [...this.swaps, ...this.movedTo].flatMap(([n, with_]) => [...with_].map((m) => [n, m] as const));
    for (let grew = true; grew;) {
      grew = false;
      for (const [n, m] of pairs)
        if (this.appended.has(n) !== this.appended.has(m)) {
          this.appended.add(n).add(m);
          grew = true;
        }
    }
  }

  lower(): PyFunction {
    checkPlainParams(this.def);
    const params = nodes(node(this.def.args)!.args);
    if (params.length !== this.sig.types.length)
      throw Refuse.at(this.def, `${this.name}(…)`, `${this.name} takes ${params.length} arguments; the call passes ${this.sig.types.length}`);
    params.forEach((p, i) => {
      const name = String(p.arg);
      const t = this.sig.types[i]!;
      if (this.sig.complex?.[i]) {
        const [re, im] = this.complexSlots(name);
        this.defined.add(name);
        this.params.push({ name: this.locals[re]!.name, type: 'float', slot: re, complex: { arg: name, part: 'real' } });
        this.params.push({ name: this.locals[im]!.name, type: 'float', slot: im, complex: { arg: name, part: 'imag' } });
      } else if (this.sig.records?.[i]) {
        if (this.assigned.has(name))
          throw Refuse.at(p, name, `the parameter ${name} is assigned in the function; only the lists in its records may be written`);
        this.recordParam(name, this.sig.records[i]!, p, false);
      } else if (isPyArrayType(t)) {
        // Swapped with another parameter (`s1, s2 = s2, s1`) only: the two names exchange the arrays they refer to.
        if (this.assigned.has(name) && this.assigned.get(name) !== this.swapCount.get(name))
          throw Refuse.at(p, name, `the array parameter ${name} is assigned in the function; only its elements may be`);
        this.arrayByName.set(name, this.arrays.length);
        this.params.push({ name, type: t, slot: this.arrays.length });
        this.arrays.push({ name, type: t, written: false });
      } else {
        const slot = this.declare(name, t, p, true);
        this.defined.add(name);
        const info = this.info.get(name)!;
        info.np = this.sig.np?.[i] ?? false;
        this.params.push({ name, type: t, slot, ...(info.np && this.isEntry ? { numpy: true as const } : {}) });
        if (this.varying.has(name)) this.prologue.push({ kind: 'set', local: this.npFlagOf(name), value: info.np ? TRUE : FALSE });
      }
    });
    if (this.isEntry) this.moduleConstants();
    if (this.pool !== undefined) {
      const type: PyArrayType = { array: 'list', element: 'float', ndim: 2, rows: 'list' };
      this.params.push({ name: '_pl_pool', type, slot: this.pool, record: { part: 'pool' } });
    }
    if (this.varying.has(RESULT)) {
      if (!this.isEntry) {
        throw Refuse.at(
          this.def,
          `def ${this.name}`,
          `${this.name} returns a NumPy scalar on some paths and a Python number on others; the compiled code tells only the entry function's caller which. Convert the result with int() or float(), or return the same kind on every path`,
        );
      }
      this.resultNpArray = this.arrays.length;
      const type: PyArrayType = { array: 'ndarray', element: 'int', ndim: 1 };
      this.params.push({ name: RESULT_NP, type, slot: this.resultNpArray });
      this.arrays.push({ name: RESULT_NP, type, written: true });
    }
    if (this.mod.recursive) {
      // The calls it may still nest (see ModuleLowering.recursive): none left bails out; each call passes one less.
      const slot = this.declare(PL_DEPTH, 'int', this.def, true);
      this.params.push({ name: PL_DEPTH, type: 'int', slot });
      this.depth = slot;
      this.prologue.push({
        kind: 'if',
        cond: { kind: 'binary', type: 'bool', op: 'int.le', left: { kind: 'local', type: 'int', local: slot }, right: ZERO, checked: false },
        then: [{ kind: 'bail', reason: 'recursion deeper than the compiled code may go' }],
        else: [],
      });
    }
    const body = [...this.prologue, ...this.block(nodes(this.def.body), true)];
    for (const bad of movedLive(body, this.moves)) {
      const m = this.moves.get(bad)!;
      const [to, from] = [this.arrays[m.to]!.name, this.arrays[m.from]!.name];
      throw Refuse.at(
        m.at,
        `${to} = ${from}`,
        `${to} and ${from} would be one list from here on, which the compiled code does only where ${from} is given a new list before it is used again (prev = cur at the end of a loop that builds cur anew); copy it (${to} = list(${from})) or swap (${to}, ${from} = ${from}, ${to})`,
      );
    }
    const terminated = this.terminates(nodes(this.def.body));
    if (this.result === undefined) this.result = 'none';
    else if (this.resultArg && !terminated)
      throw Refuse.at(this.def, `def ${this.name}`, `${this.name} returns its argument ${this.resultArg} on some paths and None when it reaches its end`);
    else if (this.result !== 'none' && !terminated) {
      const t = pyTypeName(this.result);
      throw Refuse.at(
        this.def,
        `def ${this.name}`,
        `${this.name} returns ${an(t)} on some paths and None when it reaches its end: make every path return ${an(t)}`,
      );
    }
    const fn: PyFunction = {
      name: this.irName,
      params: this.params,
      locals: this.locals,
      arrays: this.arrays,
      result: this.result,
      ...(this.resultComplex ? { resultComplex: true as const } : {}),
      ...(this.resultArg ? { resultArg: this.resultArg } : {}),
      body,
      line: this.def.line ?? 1,
    };
    if (this.result !== 'none' && !isPyArrayType(this.result) && this.resultNpArray === undefined) {
      const first = this.returnNp[0];
      if (this.returnNp.some((n) => typeof n !== 'boolean' || n !== first)) throw new NpVaries(RESULT);
      if (first === true) fn.resultNumpy = true;
    }
    return fn;
  }

  /**
   * The module-level data the entry reads: constants (`G = 6.674e-11`, `WEIGHTS = (0.5, 0.25)`: bound once to a
   * literal, never declared global) and the numbers, lists and arrays the file binds at its top level whose types the
   * recorded calls saw (`BODIES = [[…], …]`, `PAIRS = [(i, j) for …]`, built at import). They are hidden parameters
   * after the arguments, which the wrapper reads from the module at each call and checks as it checks an argument
   * (written lists are copied back into the very list objects); nothing the compiled code runs can rebind them during
   * the call.
   */
  private moduleConstants(): void {
    // In a recursion the entry is called from the kernel too, where nothing would pass them: they stay refused.
    if (this.mod.recursive) return;
    const values = this.mod.ast.moduleValues ?? {};
    const recorded = Object.entries(this.mod.recordedGlobals).filter(([n]) => values[n] === 'constant' || values[n] === 'other');
    const known: Record<string, string> = { ...Object.fromEntries(recorded), ...(this.mod.ast.moduleConstants ?? {}) };
    const read = new Map<string, PyNode>();
    const visit = (n: unknown): void => {
      if (Array.isArray(n)) return n.forEach(visit);
      const x = node(n);
      if (!x) return;
      if (x._type === 'Name' && String(x.id) in known && !read.has(String(x.id))) read.set(String(x.id), x);
      for (const [k, v] of Object.entries(x)) if (k !== '_type' && typeof v === 'object') visit(v);
    };
    visit(nodes(this.def.body));
    for (const [name, at] of read) {
      if (this.isLocalName(name) || this.importedHere.has(name) || this.params.some((p) => p.name === name)) continue;
      const shape = parseRecordList(known[name]!);
      if (shape) {
        this.recordParam(name, shape, at, true);
        continue;
      }
      const t = parsePyType(known[name]!);
      if (!t) continue;
      if (isPyArrayType(t)) {
        this.arrayByName.set(name, this.arrays.length);
        this.params.push({ name, type: t, slot: this.arrays.length, global: true });
        this.arrays.push({ name, type: t, written: false });
      } else {
        const slot = this.declare(name, t, at, true);
        this.params.push({ name, type: t, slot, global: true });
        this.defined.add(name);
        this.stable.add(name);
      }
    }
  }

  /**
   * A list of records that hold lists beside floats (`SYSTEM = [([x, y, z], [vx, vy, vz], m), …]`, `PAIRS` of two
   * such records): passed as the row of the pool each of its lists is in and its floats (PyParam.record), so that a
   * list two records share, in one list of records or two, is one row of the pool, and a write through one name is
   * seen through the other, as in Python. Only a `for` over it that unpacks each record reads it (bindRecord).
   */
  private recordParam(name: string, shape: PyRecordShape[], at: PyNode, global: boolean): void {
    if (this.mod.recursive) throw Refuse.at(at, name, `${name} is a list of records holding lists, which the compiled code does not take in a recursion`);
    this.pool ??= this.arrays.push({ name: '_pl_pool', type: { array: 'list', element: 'float', ndim: 2, rows: 'list' }, written: false }) - 1;
    const part = (suffix: 'lists' | 'floats', element: 'int' | 'float'): number => {
      const type: PyArrayType = { array: 'tuple', element, ndim: 2, rows: 'tuple' };
      const slot = this.arrays.push({ name: `${name}__${suffix}`, type, written: false }) - 1;
      this.params.push({ name: `${name}__${suffix}`, type, slot, ...(global ? { global: true as const } : {}), record: { arg: name, part: suffix, shape } });
      return slot;
    };
    this.records.set(name, { lists: part('lists', 'int'), floats: part('floats', 'float'), shape });
  }

  // ----- locals

  private declare(name: string, type: PyScalar, at: PyNode | undefined, param = false): number {
    if (this.aliases.has(name))
      throw Refuse.at(
        at,
        name,
        `${name} is bound to ${this.aliasWhat(name)} and given ${an(type)} elsewhere; the compiled code keeps such a name for the list only`,
      );
    if (this.complexLocals.has(name))
      throw Refuse.at(at, name, `${name} holds a complex and ${an(type)}: Python lets a variable change type, the compiled code does not`);
    const existing = this.info.get(name);
    if (existing) {
      if (existing.type !== type) {
        if (
          !param &&
          !this.params.some((p) => p.name === name) &&
          !this.promote.has(name) &&
          new Set([existing.type, type]).has('float') &&
          new Set([existing.type, type]).has('int')
        )
          throw new Promote(name);
        throw Refuse.at(
          at,
          name,
          `${name} holds ${an(existing.type)} and then ${an(type)}: Python lets a variable change type, the compiled code does not. Give it one type (e.g. start a float total at 0.0, not 0)`,
        );
      }
      return existing.slot;
    }
    if (this.arrayByName.has(name)) {
      const a = this.arrays[this.arrayByName.get(name)!]!;
      throw Refuse.at(
        at,
        name,
        a.local
          ? `${name} holds ${an(pyTypeName(a.type))} and then a number: Python lets a variable change type, the compiled code does not`
          : `${name} is an array parameter and cannot be reassigned`,
      );
    }
    const slot = this.locals.length;
    this.locals.push({ name, type });
    this.info.set(name, {
      slot,
      type,
      // A parameter the body reassigns holds the argument on some paths and the assigned value on others.
      assignments: param ? 1 + (this.assigned.get(name) ?? 0) : (this.assigned.get(name) ?? 0),
      np: false,
      npKnown: param,
      ...(param ? { range: type === 'int' ? FULL : undefined } : {}),
    });
    return slot;
  }

  private temp(type: PyScalar): number {
    const name = `_pl_t${this.temps++}`;
    const slot = this.locals.length;
    this.locals.push({ name, type });
    this.info.set(name, { slot, type, assignments: 1, np: false, npKnown: true });
    return slot;
  }

  /** The flag local that says whether a varying local holds a NumPy scalar. */
  private npFlagOf(name: string): number {
    const flag = `_pl_${name}_np`;
    return this.info.get(flag)?.slot ?? this.declare(flag, 'bool', undefined);
  }

  /**
   * Records that `name` is assigned a value of NumPy-ness `np`, after the statements that set it (`set`): a local
   * whose NumPy-ness is the same on every assignment needs nothing; one where it varies gets its flag set (and the
   * function is lowered again when that is found out only now).
   */
  private npAssign(name: string, np: Np, set: PyStmt[]): PyStmt[] {
    const info = this.info.get(name)!;
    if (this.varying.has(name)) {
      const flag = this.npFlagOf(name);
      if (typeof np === 'boolean') return [...set, { kind: 'set', local: flag, value: np ? TRUE : FALSE }];
      // Evaluated before the assignment, which may change what it reads.
      const t = this.temp('bool');
      return [{ kind: 'set', local: t, value: np }, ...set, { kind: 'set', local: flag, value: { kind: 'local', type: 'bool', local: t } }];
    }
    if (typeof np !== 'boolean' || (info.npKnown && info.np !== np)) throw new NpVaries(name);
    info.np = np;
    info.npKnown = true;
    return set;
  }

  /** The NumPy-ness of a local as read now. */
  private npOfLocal(name: string, info: LocalInfo): Np {
    return this.varying.has(name) ? { kind: 'local', type: 'bool', local: this.npFlagOf(name) } : info.np;
  }

  /** `c ? a : b` for NumPy-ness; `c` is evaluated again, so it must not call a function (which could write arrays). */
  private npCond(c: PyExpr, a: Np, b: Np, at: PyNode): Np {
    if (a === b) return a;
    if (!pure(c))
      throw Refuse.at(
        at,
        show(at),
        'whether the value is a NumPy scalar or a Python number depends on a test that calls a function; assign the called value to a variable first',
      );
    return { kind: 'cond', type: 'bool', cond: c, then: npValue(a), else: npValue(b) };
  }

  /** Refuses a bool that may be a NumPy bool where NumPy's rules differ from Python's (arithmetic, indices). */
  private plainBool(v: Val, at: PyNode, what: string): void {
    if (v.e.type === 'bool' && v.np !== false)
      throw Refuse.at(
        at,
        show(at),
        `${what} a NumPy bool (the result of comparing array elements) follows NumPy's rules, not Python's (np.True_ + np.True_ is True, -np.True_ raises); convert it with int() first`,
      );
  }

  /** The flag local of a promoted local (declared with it). */
  private flagOf(name: string): number {
    const flag = `_pl_${name}_is_int`;
    return this.info.get(flag)?.slot ?? this.declare(flag, 'bool', undefined);
  }

  /** A promoted local's value where its type matters: bails out (a float division by zero) while it is still the int. */
  private settle(v: Val): Val {
    if (v.maybeInt === undefined) return v;
    const bail: PyExpr = {
      kind: 'binary',
      type: 'float',
      op: 'float.div',
      left: { kind: 'const', type: 'float', value: 0 },
      right: { kind: 'const', type: 'float', value: 0 },
      checked: true,
    };
    return { e: { kind: 'cond', type: 'float', cond: { kind: 'local', type: 'bool', local: v.maybeInt }, then: bail, else: v.e }, np: v.np };
  }

  /** Assigns a value to a named local: declares it, records what the range analysis may know. */
  private assignLocal(name: string, v: Val, at: PyNode): PyStmt[] {
    this.checkAssignable(name, at);
    if (this.promote.has(name)) {
      const flag = this.flagOf(name);
      const slot = this.declare(name, 'float', at);
      this.defined.add(name);
      const c = v.e;
      if (v.e.type === 'float')
        return this.npAssign(name, v.np, [
          { kind: 'set', local: flag, value: FALSE },
          { kind: 'set', local: slot, value: this.settle(v).e },
        ]);
      if (c.kind === 'const' && c.type === 'int' && BigInt(c.value) >= -EXACT && BigInt(c.value) <= EXACT) {
        return this.npAssign(name, v.np, [
          { kind: 'set', local: flag, value: TRUE },
          { kind: 'set', local: slot, value: { kind: 'const', type: 'float', value: Number(c.value) } },
        ]);
      }
      throw Refuse.at(
        at,
        name,
        `${name} holds an int and then a float: Python lets a variable change type, the compiled code keeps it as a float only while its int is a constant. Give it one type (e.g. start a float total at 0.0, not 0)`,
      );
    }
    const type = v.e.type as PyScalar;
    const fresh = !this.info.has(name);
    const slot = this.declare(name, type, at);
    const info = this.info.get(name)!;
    if (fresh) info.char = !!v.char;
    else if (!!info.char !== !!v.char)
      throw Refuse.at(at, name, `${name} holds a character (a str) and a number: Python lets a variable change type, the compiled code does not`);
    if (type === 'int') {
      if (info.assignments === 1) {
        info.range = v.range ?? FULL;
        const d = this.dimOf(v.e);
        if (d) info.dim = d;
      } else info.range = FULL;
    }
    if (info.assignments === 1 && this.loops.length === 0) this.stable.add(name);
    this.defined.add(name);
    return this.npAssign(name, v.np, [{ kind: 'set', local: slot, value: v.e }]);
  }

  /**
   * `len(a)`, `a.shape[k]`, or one of them minus a constant (or a local holding one), or a local whose value never
   * changes: the key under which the range facts know it.
   */
  private dimOf(e: PyExpr): DimRef | undefined {
    if (e.kind === 'dim') return this.dimKey(e.array, e.axis);
    if (e.kind === 'local') {
      const i = this.localInfo(e.local);
      if (i?.dim) return i.dim;
      if (i?.type === 'int' && this.stable.has(this.locals[e.local]!.name)) return { key: `L${e.local}`, offset: 0n };
      return undefined;
    }
    if (e.kind === 'binary' && e.op === 'int.sub' && e.right.kind === 'const') {
      const d = this.dimOf(e.left);
      const c = BigInt(e.right.value);
      if (d && c >= 0n) return { key: d.key, offset: d.offset + c };
    }
    // n + 1 (`dp = [0] * (n + 1)`, `range(1, n + 1)`): the sum is exact, or it bailed out.
    if (e.kind === 'binary' && e.op === 'int.add' && e.right.kind === 'const') {
      const d = this.dimOf(e.left);
      const c = BigInt(e.right.value);
      if (d && c >= 0n && c <= 1n << 32n) return { key: d.key, offset: d.offset - c };
    }
    return undefined;
  }

  /**
   * The key of an array's dimension for the range facts. A parameter's dimensions never change. A local array made in
   * one place only keeps its dimensions until that place runs again (and a list that grows only grows), which cannot
   * happen inside a loop bounded by them; where the place sized it by a key that never changes, that key. A local
   * array made in several places has no key: nothing is proven about it.
   */
  private dimKey(array: number, axis: PyAxis): DimRef | undefined {
    const a = this.arrays[array]!;
    const own = `${array}:${axis}`;
    // A parameter swapped with another refers to either one's array.
    if (!a.local) return this.swaps.has(a.name) ? undefined : { key: own, offset: 0n };
    if (this.allocSites(a.name) > 1) return undefined;
    const alias = this.dimAlias.get(own);
    // An array swapped with others holds their values in turn: only a dimension they all have is known.
    const partners = this.swaps.get(a.name);
    if (partners) {
      if (!alias) return undefined;
      for (const p of partners) {
        const slot = this.arrayByName.get(p);
        const other = slot === undefined ? undefined : this.dimAlias.get(`${slot}:${axis}`);
        if (!other || other.key !== alias.key || other.offset !== alias.offset || this.allocSites(p) > 1) return undefined;
      }
    }
    return alias ?? { key: own, offset: 0n };
  }

  /** The places a local array is given a new value (a swap only exchanges two). */
  private allocSites(name: string): number {
    // `prev = cur` gives prev cur's list (moveArray): another list, of other dimensions, as a new one would be.
    return (this.assigned.get(name) ?? 0) - (this.swapCount.get(name) ?? 0) + (this.movedTo.has(name) ? 1 : 0);
  }

  private localInfo(slot: number): LocalInfo | undefined {
    for (const i of this.info.values()) if (i.slot === slot) return i;
    return undefined;
  }

  // ----- lists and arrays the function builds

  /** The array a name refers to, once it is certain to be bound (a local list or array is bound by its first assignment). */
  private arrayNamed(n: PyNode): number | undefined {
    const name = String(n.id);
    const slot = this.arrayByName.get(name);
    if (slot !== undefined && this.arrays[slot]!.local && !this.defined.has(name))
      throw Refuse.at(n, name, `${name} may be read before it is assigned (Python would raise UnboundLocalError); assign it first on every path`);
    return slot;
  }

  /** The NumPy function a call names (`np.zeros`, `zeros` imported from numpy), unless a local hides the import. */
  private numpyName(f: PyNode): string | undefined {
    if (f._type === 'Attribute') {
      const b = node(f.value);
      if (b?._type === 'Name' && this.importOf(String(b.id), b) === 'numpy') return String(f.attr);
      return undefined;
    }
    const path = f._type === 'Name' ? this.importOf(String(f.id), f) : undefined;
    return path?.startsWith('numpy.') ? path.slice(6) : undefined;
  }

  /** Whether an expression makes a new list or NumPy array (assigned to a name, it makes that name a local array). */
  private makesArray(n: PyNode): boolean {
    switch (n._type) {
      case 'List':
      case 'ListComp':
        return true;
      case 'BinOp':
        return (n.op === 'Mult' && (node(n.left)?._type === 'List' || node(n.right)?._type === 'List')) || concatParts(n) !== undefined;
      case 'Call': {
        const f = node(n.func)!;
        if (f._type === 'Name' && f.id === 'list' && !this.isLocalName('list')) return true;
        const np = this.numpyName(f);
        return np !== undefined && NUMPY_BUILDERS.has(np);
      }
      default:
        return false;
    }
  }

  /** `name = <a new list or array>`: the local array `name` gets a new value (see the `alloc` statement). */
  private assignArray(name: string, value: PyNode, at: PyNode, annotated?: PyArrayType): PyStmt[] {
    this.checkAssignable(name, at);
    if (this.info.has(name))
      throw Refuse.at(at, name, `${name} holds a number and then a list: Python lets a variable change type, the compiled code does not`);
    const existing = this.arrayByName.get(name);
    if (existing !== undefined && !this.arrays[existing]!.local)
      throw Refuse.at(at, name, `the array parameter ${name} is assigned in the function; only its elements may be`);
    // A comprehension (or list(…)) appends to the list while it reads: it may not read the list it replaces.
    const appends = value._type === 'ListComp' || (value._type === 'Call' && node(value.func)?._type === 'Name' && node(value.func)!.id === 'list');
    if (appends && mentions(value, name)) throw Refuse.at(at, name, `the new value of ${name} is computed from ${name} itself; assign it to another name`);
    const built = this.build(value, name, annotated);
    const slot = this.localArray(name, built.type, at);
    if (this.loops.length > 0) this.allocatedInLoop.add(name);
    const out = built.make(slot);
    const a = this.arrays[slot]!;
    // Sized by values that never change, in the one place it is made: its dimensions are those values.
    if (!a.growable && this.allocSites(name) <= 1)
      built.dims?.forEach((d, k) => {
        if (d !== undefined && (d.key.startsWith('L') || !this.arrays[Number(d.key.split(':')[0])]?.local)) this.dimAlias.set(`${slot}:${k}`, d);
      });
    this.defined.add(name);
    return out;
  }

  /** The slot of the local array `name`, made on its first assignment; every assignment must give it the same type. */
  private localArray(name: string, type: PyArrayType, at: PyNode): number {
    const existing = this.arrayByName.get(name);
    if (existing !== undefined) {
      const a = this.arrays[existing]!;
      if (pyTypeName(a.type) !== pyTypeName(type))
        throw Refuse.at(
          at,
          name,
          `${name} holds ${an(pyTypeName(a.type))} and then ${an(pyTypeName(type))}: Python lets a variable change type, the compiled code does not`,
        );
      return existing;
    }
    const slot = this.arrays.length;
    this.arrays.push({ name, type, written: true, local: true, ...(this.appended.has(name) || name.startsWith('_pl_l') ? { growable: true } : {}) });
    this.arrayByName.set(name, slot);
    return slot;
  }

  /** How an array-making expression is lowered: its type, the statements that make it, and its dimensions' keys. */
  private build(n: PyNode, name: string, annotated?: PyArrayType): Built {
    const list = (element: Element): PyArrayType => ({ array: 'list', element, ndim: 1 });
    switch (n._type) {
      case 'List': {
        const elts = nodes(n.elts);
        if (elts.length === 0) {
          const element = this.guessElement(name, annotated);
          return { type: list(element), make: (slot) => [alloc(slot, [ZERO], zeroOf(element))], dims: [] };
        }
        if (elts.some((e) => e._type === 'Starred')) throw Refuse.at(n, '[*…]', 'unpacking into a list is not compiled');
        if (elts.some((e) => this.makesArray(e) || e._type === 'List'))
          throw Refuse.at(
            n,
            show(n),
            'a list of lists built in the function is compiled only as [[x] * m for _ in range(n)] (or use a 2-D NumPy array, np.zeros((n, m)))',
          );
        const vals = elts.map((e) => this.listElement(e, name));
        const element = vals[0]!.e.type as Element;
        if (vals.some((v) => v.e.type !== element))
          throw Refuse.at(
            n,
            show(n),
            `the list holds ${[...new Set(vals.map((v) => an(String(v.e.type))))].join(' and ')}; the compiled code keeps one element type`,
          );
        return {
          type: list(element),
          make: (slot) => {
            // Every element first (they may read the list this replaces), then the new list.
            const temps = vals.map(() => this.temp(element));
            return [
              ...vals.map((v, i): PyStmt => ({ kind: 'set', local: temps[i]!, value: v.e })),
              alloc(slot, [intConst(BigInt(vals.length))], zeroOf(element)),
              ...temps.map((t, i): PyStmt => ({
                kind: 'store',
                array: slot,
                indices: [intConst(BigInt(i))],
                checked: [false],
                value: { kind: 'local', type: element, local: t },
              })),
            ];
          },
          dims: [],
        };
      }
      case 'BinOp': {
        if (n.op === 'Add') return this.buildConcat(n, name);
        // [x] * n, n * [x]: n copies of x (none when n <= 0).
        const [seq, count] = node(n.left)!._type === 'List' ? [node(n.left)!, node(n.right)!] : [node(n.right)!, node(n.left)!];
        const elts = nodes(seq.elts);
        if (elts.length !== 1 || elts[0]!._type === 'Starred')
          throw Refuse.at(n, show(n), 'only a list of one element is repeated ([x] * n); write the list out or build it in a loop');
        if (elts[0]!._type === 'List' || this.makesArray(elts[0]!))
          throw Refuse.at(
            n,
            '[[…]] * n',
            '[[x] * m] * n repeats one row n times (every row is the same list), which the compiled code does not do; build n rows with [[x] * m for _ in range(n)]',
          );
        const fill = this.listElement(elts[0]!, name);
        const k = this.intArg(count, 'a list repeated by');
        const d = this.dimOf(k.e);
        const element = fill.e.type as Element;
        const size: PyExpr = { kind: 'binary', type: 'int', op: 'int.max', left: k.e, right: ZERO, checked: false };
        return { type: list(element), make: (slot) => [alloc(slot, [size], fill.e)], dims: [d] };
      }
      case 'ListComp':
        return this.buildRows(n, name) ?? this.buildTable(n, name, annotated) ?? this.buildComprehension(n, name, annotated);
      case 'Call': {
        const f = node(n.func)!;
        const args = nodes(n.args);
        if (f._type === 'Name' && f.id === 'list') {
          if (nodes(n.keywords).length || args.length > 1) throw Refuse.at(n, 'list(…)', 'list takes at most one positional argument');
          const arg = args[0];
          if (!arg) return this.build({ ...n, _type: 'List', elts: [] }, name, annotated);
          if (arg._type === 'GeneratorExp' || arg._type === 'ListComp') return this.buildComprehension(arg, name, annotated);
          if (arg._type === 'Call' && node(arg.func)?._type === 'Name' && node(arg.func)!.id === 'range' && !this.isLocalName('range'))
            return this.buildRange(arg, 'list');
          if (arg._type === 'Name' && this.arrayByName.has(String(arg.id))) {
            // list(xs): a copy of a 1-D list, tuple or list built here.
            const src = this.arrays[this.arrayNamed(arg)!]!;
            if (src.type.ndim !== 1 || src.type.array === 'ndarray' || src.type.array === 'str')
              throw Refuse.at(n, show(n), `list() of ${an(pyTypeName(src.type))} is not compiled (only of 1-D lists and tuples of numbers)`);
            return this.buildComprehension(
              {
                _type: 'ListComp',
                elt: { _type: 'Name', id: '_pl_x', line: n.line, col: n.col },
                generators: [comprehensionOver('_pl_x', arg)],
                line: n.line,
                col: n.col,
              },
              name,
              annotated,
            );
          }
          throw Refuse.at(n, show(n), 'list() is compiled of range(…), a comprehension or a 1-D list');
        }
        return this.buildNumpy(this.numpyName(f)!, n);
      }
      default:
        throw Refuse.at(n, show(n), 'this expression does not make a list or array the compiler knows');
    }
  }

  /**
   * `[i] + [0] * n + [x, y]`: lists written out and lists of one value repeated, joined. Each part's values are taken
   * left to right as Python takes them, then the list is made at its whole length: filled with the first repeated value,
   * the other parts written over it. Every part must hold one element type (Python would make a list of ints and floats
   * where they differ, which the compiled code does not hold).
   */
  private buildConcat(n: PyNode, name: string): Built {
    type Part = { vals: Val[] } | { fill: Val; count: Val; countFirst?: true };
    const parts = concatParts(n)!.map((p): Part => {
      if (p._type === 'List') {
        const elts = nodes(p.elts);
        if (elts.some((e) => e._type === 'Starred')) throw Refuse.at(p, '[*…]', 'unpacking into a list is not compiled');
        return { vals: elts.map((e) => this.listElement(e, name)) };
      }
      const leftList = node(p.left)!._type === 'List';
      const [seq, count] = leftList ? [node(p.left)!, node(p.right)!] : [node(p.right)!, node(p.left)!];
      const elts = nodes(seq.elts);
      if (elts.length !== 1 || elts[0]!._type === 'Starred')
        throw Refuse.at(p, show(p), 'only a list of one element is repeated ([x] * n); write the list out or build it in a loop');
      // [x] * k takes x, then k; k * [x] takes k first.
      if (leftList) {
        const fill = this.listElement(elts[0]!, name);
        return { fill, count: this.intArg(count, 'a list repeated by') };
      }
      const k = this.intArg(count, 'a list repeated by');
      return { fill: this.listElement(elts[0]!, name), count: k, countFirst: true };
    });
    const types = new Set(parts.flatMap((p) => ('vals' in p ? p.vals : [p.fill]).map((v) => String(v.e.type))));
    if (types.size > 1)
      throw Refuse.at(
        n,
        '[…] + […]',
        `the joined list would hold ${[...types].map((t) => an(t)).join(' and ')}; the compiled code keeps one element type (write every value as ${types.has('float') ? 'a float' : 'one type'})`,
      );
    const element = ([...types][0] ?? 'int') as Element;
    return {
      type: { array: 'list', element, ndim: 1 },
      make: (slot) => {
        const out: PyStmt[] = [];
        const keep = (v: PyExpr, type: PyScalar): PyExpr => {
          const t = this.temp(type);
          out.push({ kind: 'set', local: t, value: v });
          return { kind: 'local', type, local: t };
        };
        // Every value first, in order (they may read the list this replaces), then the new list.
        type Held = { vals: PyExpr[] } | { fill: PyExpr; count: PyExpr };
        const held = parts.map((p): Held => {
          if ('vals' in p) return { vals: p.vals.map((v) => keep(v.e, element)) };
          const count = (): PyExpr => keep({ kind: 'binary', type: 'int', op: 'int.max', left: p.count.e, right: ZERO, checked: false }, 'int');
          if (p.countFirst) {
            const k = count();
            return { fill: keep(p.fill.e, element), count: k };
          }
          const fill = keep(p.fill.e, element);
          return { fill, count: count() };
        });
        const plus = (a: PyExpr, b: PyExpr, checked = false): PyExpr =>
          a.kind === 'const' && a.value === 0n ? b : { kind: 'binary', type: 'int', op: 'int.add', left: a, right: b, checked };
        // The whole length may leave int64 (Python raises MemoryError or OverflowError): checked; each offset is below it.
        let total: PyExpr = intConst(0n);
        for (const p of held) total = plus(total, 'vals' in p ? intConst(BigInt(p.vals.length)) : p.count, true);
        const first = held.find((p) => 'fill' in p);
        out.push(alloc(slot, [total], first && 'fill' in first ? first.fill : zeroOf(element)));
        let at: PyExpr = intConst(0n);
        for (const p of held) {
          if ('vals' in p) {
            p.vals.forEach((v, i) => out.push({ kind: 'store', array: slot, indices: [plus(at, intConst(BigInt(i)))], checked: [false], value: v }));
            at = plus(at, intConst(BigInt(p.vals.length)));
          } else {
            if (p !== first) {
              const k = this.temp('int');
              const label = this.labels++;
              out.push({
                kind: 'for',
                label,
                local: k,
                start: ZERO,
                stop: p.count,
                step: 1n,
                body: [{ kind: 'store', array: slot, indices: [plus(at, { kind: 'local', type: 'int', local: k })], checked: [false], value: p.fill }],
              });
            }
            at = plus(at, p.count);
          }
        }
        return out;
      },
      dims: [],
    };
  }

  /**
   * `[[x] * m for _ in range(n)]` (or `m * [x]`): n distinct rows of m copies of x, a 2-D list. x and m may not read
   * the comprehension's variable or call a function, so evaluating them once (after n, before the rows) gives every
   * row what Python's n evaluations give. Anything else (`[[x] * m] * n`, which repeats one row, included) is not
   * this shape: undefined.
   */
  private buildRows(n: PyNode, name: string): Built | undefined {
    const shape = rowsShape(n);
    if (!shape || !this.builtinCall(shape.range, 'range')) return undefined;
    const { variable, x, count } = shape;
    // len(a) of an array gives its length and nothing else, on every row alike.
    const len = (c: PyNode): boolean =>
      this.builtinCall(c, 'len') &&
      nodes(c.args).length === 1 &&
      node(nodes(c.args)[0])?._type === 'Name' &&
      this.arrayByName.has(String(nodes(c.args)[0]!.id));
    if ([x, count].some((e) => mentions(e, variable) || mentionsCall(e, len) || this.makesArray(e)))
      throw Refuse.at(
        n,
        '[[…] * m for … in range(n)]',
        `a list of lists is compiled when its rows are [x] * m with x and m the same for every row (not reading ${variable}, calling nothing but len() of an array)`,
      );
    const iter = shape.range;
    const rows = this.intArg(node(nodes(iter.args)[0])!, 'range');
    const fill = this.listElement(x, name);
    const cols = this.intArg(count, 'a list repeated by');
    const element = fill.e.type as Element;
    const size = (k: Val): PyExpr => ({ kind: 'binary', type: 'int', op: 'int.max', left: k.e, right: ZERO, checked: false });
    return {
      type: { array: 'list', element, ndim: 2, rows: 'list' },
      make: (slot) => [alloc(slot, [size(rows), size(cols)], fill.e)],
      dims: [this.dimOf(rows.e), this.dimOf(cols.e)],
    };
  }

  /**
   * `[[e for j in range(m)] for i in range(n)]`: a table of n rows of m values, as a matrix product or a distance
   * table is written. n and m are names, int constants, len() of an array or sums and products of them (the same at
   * every evaluation, and never raising: Python evaluates m once per row, the compiled code once), m not reading i.
   * The table is made n × m, then filled in Python's order, e evaluated at each (i, j) in the comprehension's own
   * scope. Anything else: undefined (a 1-D comprehension, or refused as one).
   */
  private buildTable(n: PyNode, name: string, annotated?: PyArrayType): Built | undefined {
    const loop = (c: PyNode): { variable: string; count: PyNode; gen: PyNode } | undefined => {
      const gens = nodes(c.generators);
      const g = gens[0];
      const target = node(g?.target);
      const iter = node(g?.iter);
      if (c._type !== 'ListComp' || gens.length !== 1 || g!.is_async || nodes(g!.ifs).length || target?._type !== 'Name' || !iter) return undefined;
      if (!this.builtinCall(iter, 'range') || nodes(iter.args).length !== 1 || nodes(iter.keywords).length) return undefined;
      return { variable: String(target.id), count: nodes(iter.args)[0]!, gen: g! };
    };
    const outer = loop(n);
    const innerNode = node(n.elt);
    const inner = outer && innerNode ? loop(innerNode) : undefined;
    if (!outer || !inner || !innerNode) return undefined;
    const fixed = (e: PyNode): boolean => {
      if (e._type === 'Constant') return (e.value as { int?: string } | null)?.int !== undefined;
      if (e._type === 'Name') return e.id !== outer.variable && e.id !== inner.variable;
      if (e._type === 'BinOp') return ['Add', 'Sub', 'Mult'].includes(String(e.op)) && fixed(node(e.left)!) && fixed(node(e.right)!);
      // len(a) or len(a[0]): a row of a constant index (a missing row bails out, and the original then runs).
      const arg = nodes(e.args)[0];
      const of = arg?._type === 'Subscript' && fixed(node(arg.slice)!) && node(arg.slice)!._type === 'Constant' ? node(arg.value) : arg;
      return this.builtinCall(e, 'len') && nodes(e.args).length === 1 && of?._type === 'Name' && this.arrayByName.has(String(of.id));
    };
    if (!fixed(outer.count) || !fixed(inner.count))
      throw Refuse.at(
        n,
        '[[…] for … in range(n)]',
        `a table built by a nested comprehension is compiled when both ranges are range(n) with n a name, a constant, len() of an array or of its row a[0], or a sum or product of them, the same for every row (not reading ${outer.variable})`,
      );
    const rows = this.intArg(outer.count, 'range');
    const cols = this.intArg(inner.count, 'range');
    const element = this.guessElement(name, annotated);
    const size = (k: Val): PyExpr => ({ kind: 'binary', type: 'int', op: 'int.max', left: k.e, right: ZERO, checked: false });
    const pos = { line: n.line, col: n.col };
    const nameOf = (v: string): PyNode => ({ _type: 'Name', id: v, ...pos });
    return {
      type: { array: 'list', element, ndim: 2, rows: 'list' },
      make: (slot) => {
        const out: PyStmt[] = [alloc(slot, [size(rows), size(cols)], zeroOf(element))];
        // The loops write the table while it is being built: it is bound for them, not yet for the program.
        const wasDefined = this.defined.has(name);
        this.defined.add(name);
        const cells: PyNode = {
          _type: 'GeneratorExp',
          // (i, j, e): the comprehension's renamed variables come back beside the value, to index the cell.
          elt: { _type: 'Tuple', elts: [nameOf(outer.variable), nameOf(inner.variable), node(innerNode.elt)!], ...pos },
          generators: [outer.gen, inner.gen],
          ...pos,
        };
        out.push(
          ...this.comprehensionLoops(cells, (elt) => {
            const [i, j, value] = nodes(elt.elts);
            const cell: PyNode = { _type: 'Subscript', value: { _type: 'Subscript', value: nameOf(name), slice: i!, ...pos }, slice: j!, ...pos };
            return [{ _type: 'Assign', targets: [cell], value: value!, ...pos }];
          }),
        );
        if (!wasDefined) this.defined.delete(name);
        return out;
      },
      dims: [this.dimOf(rows.e), this.dimOf(cols.e)],
    };
  }

  /** A scalar element of a list display or `[x] * n`: a Python int, float or bool (a list holds the object itself). */
  private listElement(e: PyNode, name: string): Val {
    if (e._type === 'List' || e._type === 'ListComp' || this.makesArray(e))
      throw Refuse.at(
        e,
        '[[…] …]',
        'a list of lists built in the function is compiled only as [[x] * m for _ in range(n)] (or use a 2-D NumPy array, np.zeros((n, m)))',
      );
    const v = this.expr(e);
    if (v.e.type === 'none') throw Refuse.at(e, show(e), 'a list of None is not compiled');
    if (v.np !== false)
      throw Refuse.at(
        e,
        show(e),
        `${name === '' || name.startsWith('_pl_') ? 'the list' : name} would hold a NumPy scalar; convert it with float() or int() first`,
      );
    return v;
  }

  /** The element type of a list that starts empty: learnt from an earlier lowering, its annotation, or a guess (int). */
  private guessElement(name: string, annotated?: PyArrayType): Element {
    const known = this.elements.get(name) ?? annotated?.element;
    if (known) return known;
    this.guessed.add(name);
    return 'int';
  }

  /** `[e for x in xs if c]` (also `list(…)` of a generator): an empty list appended to in the comprehension's loops. */
  private buildComprehension(n: PyNode, name: string, annotated?: PyArrayType): Built {
    const element = this.guessElement(name, annotated);
    return {
      type: { array: 'list', element, ndim: 1 },
      make: (slot) => {
        const a = this.arrays[slot]!;
        a.growable = true;
        const pos = { line: n.line, col: n.col };
        const target: PyNode = { _type: 'Name', id: name, ...pos };
        const out: PyStmt[] = [alloc(slot, [ZERO], zeroOf(element))];
        // The loops append to the list while it is being built: it is bound for them, not yet for the program.
        const wasDefined = this.defined.has(name);
        this.defined.add(name);
        out.push(...this.comprehensionLoops(n, (elt) => [{ _type: 'Expr', value: call(attribute(target, 'append'), [elt]), ...pos }]));
        if (!wasDefined) this.defined.delete(name);
        return out;
      },
      dims: [],
    };
  }

  /** `list(range(…))`, `np.arange(…)`: an array of the range's length, filled by a loop over it. */
  private buildRange(n: PyNode, array: 'list' | 'ndarray'): Built {
    const args = nodes(n.args);
    if (args.length < 1 || args.length > 3 || nodes(n.keywords).length) throw Refuse.at(n, show(n), `${show(n)} takes 1 to 3 positional int arguments`);
    const vals = args.map((a) => {
      const v = this.intArg(a, array === 'list' ? 'range' : 'np.arange');
      if (array === 'ndarray' && v.e.type !== 'int') throw Refuse.at(a, show(a), 'np.arange of a bool is not compiled');
      return v;
    });
    const start: Val = vals.length === 1 ? { e: ZERO, np: false, range: [0n, 0n] } : vals[0]!;
    const stop = vals.length === 1 ? vals[0]! : vals[1]!;
    const stepVal: Val = vals[2] ?? { e: intConst(1n), np: false, range: [1n, 1n] };
    if (stepVal.e.kind === 'const' && stepVal.e.value === 0n) throw Refuse.at(args[2], show(args[2]), 'a step of 0 raises ValueError');
    return {
      type: { array, element: 'int', ndim: 1 },
      // range(n) has max(n, 0) values.
      dims: vals.length === 1 ? [this.dimOf(stop.e)] : [],
      make: (slot) => {
        // The bounds and the step once, in Python's order, then the length: (stop - start - 1) // step + 1 when the
        // range is not empty (start < stop for a positive step), the same mirrored for a negative one.
        const out: PyStmt[] = [];
        const once = (v: Val): Val => {
          if (v.e.kind === 'const') return v;
          const t = this.temp('int');
          out.push({ kind: 'set', local: t, value: v.e });
          return { ...v, e: { kind: 'local', type: 'int', local: t } };
        };
        const a = once(start);
        const b = once(stop);
        const st = once(stepVal);
        const one: Val = { e: intConst(1n), np: false, range: [1n, 1n] };
        const length = (lo: Val, hi: Val, by: Val): PyExpr => ({
          kind: 'cond',
          type: 'int',
          cond: { kind: 'binary', type: 'bool', op: 'int.lt', left: lo.e, right: hi.e, checked: false },
          then: this.binop('Add', this.binop('FloorDiv', this.binop('Sub', this.binop('Sub', hi, lo, n), one, n), by, n), one, n).e,
          else: ZERO,
        });
        const positive = st.e.kind === 'const' ? BigInt(st.e.value) > 0n : undefined;
        const neg = (): Val => this.binop('Sub', { e: ZERO, np: false, range: [0n, 0n] }, st, n);
        const size: PyExpr =
          positive === true
            ? length(a, b, st)
            : positive === false
              ? length(b, a, neg())
              : {
                  kind: 'cond',
                  type: 'int',
                  cond: { kind: 'binary', type: 'bool', op: 'int.gt', left: st.e, right: ZERO, checked: false },
                  then: length(a, b, st),
                  else: length(b, a, neg()),
                };
        out.push(alloc(slot, [size], ZERO));
        const k = this.temp('int');
        const v = this.temp('int');
        out.push({ kind: 'set', local: k, value: ZERO });
        out.push({
          kind: 'for',
          label: this.labels++,
          local: v,
          start: a.e,
          stop: b.e,
          step: st.e.kind === 'const' ? BigInt(st.e.value) : st.e,
          body: [
            {
              kind: 'store',
              array: slot,
              indices: [{ kind: 'local', type: 'int', local: k }],
              checked: [false],
              value: { kind: 'local', type: 'int', local: v },
            },
            {
              kind: 'set',
              local: k,
              value: { kind: 'binary', type: 'int', op: 'int.add', left: { kind: 'local', type: 'int', local: k }, right: intConst(1n), checked: false },
            },
          ],
        });
        return out;
      },
    };
  }

  /** np.zeros, np.ones, np.empty, np.full (and their _like forms), np.arange: float64 or int64 arrays, as NumPy makes them. */
  private buildNumpy(fn: string, n: PyNode): Built {
    const args = nodes(n.args);
    const kw = new Map(nodes(n.keywords).map((k) => [String(k.arg), node(k.value)!] as const));
    if (args.some((a) => a._type === 'Starred') || kw.has('null')) throw Refuse.at(n, show(n), '*args and **kwargs in a call are not compiled');
    for (const k of kw.keys())
      if (k !== 'dtype' && !(k === 'shape' && !fn.endsWith('_like') && fn !== 'arange') && !(k === 'fill_value' && fn.startsWith('full')))
        throw Refuse.at(n, `np.${fn}(…, ${k}=…)`, `the ${k} argument of np.${fn} is not compiled (only shape, dtype and fill_value)`);
    const dtype = kw.has('dtype') ? this.dtypeOf(kw.get('dtype')!, fn) : undefined;
    if (fn === 'arange') {
      if (dtype === 'float') throw Refuse.at(n, 'np.arange(…, dtype=float)', 'np.arange with a float dtype is not compiled; only of ints');
      return this.buildRange({ ...n, keywords: [] }, 'ndarray');
    }
    const like = fn.endsWith('_like');
    const kind = like ? fn.slice(0, -5) : fn;
    const want = kind === 'full' ? 2 : 1;
    const positional = [...args];
    if (!like && kw.has('shape')) positional.unshift(kw.get('shape')!);
    if (kind === 'full' && kw.has('fill_value')) positional.push(kw.get('fill_value')!);
    if (positional.length !== want) throw Refuse.at(n, show(n), `np.${fn} takes ${want === 2 ? 'a shape and a fill value' : 'a shape'} here`);
    let dims: Val[];
    let element: 'int' | 'float' | undefined = dtype;
    const keys: (DimRef | undefined)[] = [];
    if (like) {
      const a = positional[0]!;
      const slot = a._type === 'Name' ? this.arrayNamed(a) : undefined;
      if (slot === undefined) throw Refuse.at(a, show(a), `np.${fn} is compiled of an array parameter or an array the function built`);
      const t = this.arrays[slot]!.type;
      if (t.array === 'str' || t.element === 'bool') throw Refuse.at(a, show(a), `np.${fn} of ${an(pyTypeName(t))} is not compiled`);
      if (t.ndim > 2) throw Refuse.at(a, show(a), `np.${fn} of a ${t.ndim}-D array: only arrays of 1 or 2 dimensions are built in compiled code`);
      element ??= t.element;
      dims = [];
      for (let k = 0; k < t.ndim; k++) {
        dims.push({ e: { kind: 'dim', type: 'int', array: slot, axis: k as PyAxis }, np: false, range: FULL_DIM });
        keys.push(this.dimKey(slot, k as PyAxis));
      }
    } else {
      const shape = positional[0]!;
      const parts = shape._type === 'Tuple' || shape._type === 'List' ? nodes(shape.elts) : [shape];
      if (parts.length < 1 || parts.length > 2) throw Refuse.at(shape, show(shape), 'only arrays of 1 or 2 dimensions are built in compiled code');
      dims = parts.map((p) => {
        const v = this.expr(p);
        if (v.e.type !== 'int') throw Refuse.at(p, show(p), `a dimension must be an int, not ${an(String(v.e.type))} (NumPy raises TypeError)`);
        keys.push(this.dimOf(v.e));
        return v;
      });
    }
    let fill: PyExpr;
    if (kind === 'full') {
      const v = this.expr(positional[positional.length - 1]!);
      if (v.e.type === 'none') throw Refuse.at(n, show(n), 'np.full of None is not compiled');
      if (v.e.type === 'bool' && element === undefined) throw Refuse.at(n, show(n), 'np.full of a bool makes a bool array, which is not compiled');
      element ??= v.e.type === 'float' ? 'float' : 'int';
      if (element === 'int' && v.e.type === 'float')
        throw Refuse.at(n, show(n), 'np.full of a float into an int64 array truncates it; write int(…) explicitly');
      fill = element === 'float' ? this.asFloat(v).e : this.asInt(v).e;
    } else {
      element ??= 'float';
      const one = kind === 'ones';
      fill = element === 'float' ? { kind: 'const', type: 'float', value: one ? 1 : 0 } : intConst(one ? 1n : 0n);
    }
    const type: PyArrayType = { array: 'ndarray', element, ndim: dims.length as 1 | 2 };
    return {
      type,
      make: (slot) => [
        alloc(
          slot,
          dims.map((d) => d.e),
          fill,
        ),
      ],
      dims: keys,
    };
  }

  /** A dtype argument: float64 or int64 (by any of NumPy's names for them); anything else is refused, naming it. */
  private dtypeOf(d: PyNode, fn: string): 'int' | 'float' {
    const text =
      d._type === 'Constant' ? (d.value as { str?: string }).str : d._type === 'Name' ? String(d.id) : d._type === 'Attribute' ? String(d.attr) : undefined;
    const base = d._type === 'Attribute' ? node(d.value) : undefined;
    const viaNumpy = !base || (base._type === 'Name' && this.importOf(String(base.id), base) === 'numpy');
    if (text && viaNumpy) {
      if (d._type === 'Name' && this.isLocalName(text)) throw Refuse.at(d, text, `the dtype ${text} is a variable`);
      if (['float', 'float64', 'double', 'f8', 'd', 'float_'].includes(text)) return 'float';
      // np.int_ and Python's int are int64 on every 64-bit platform of NumPy 2.
      if (['int', 'int64', 'i8', 'int_', 'longlong'].includes(text)) return 'int';
    }
    throw Refuse.at(
      d,
      `dtype=${show(d)}`,
      `np.${fn} with dtype=${show(d)} is not compiled: the compiled arrays are float64 and int64 (dtype=float, np.float64, int or np.int64)`,
    );
  }

  /**
   * A comprehension's clauses as the loops they are: `[e for x in xs if c]` runs `for x in xs: if c: <inner(e)>`, its
   * variables renamed so that they stay its own (Python 3 gives a comprehension a scope of its own). The first
   * iterable is evaluated in the enclosing scope, the others and the conditions in the comprehension's.
   */
  private comprehensionLoops(n: PyNode, inner: (elt: PyNode) => PyNode[]): PyStmt[] {
    const k = this.synthetic++;
    const renames = new Map<string, string>();
    const loops: { target: PyNode; iter: PyNode; ifs: PyNode[] }[] = [];
    nodes(n.generators).forEach((g, i) => {
      if (g.is_async) throw Refuse.at(n, 'async for', 'an asynchronous comprehension is not compiled');
      const t = node(g.target)!;
      const names = targetNames(t);
      if (!names) throw Refuse.at(t, show(t), 'the variables of a comprehension must be names (or tuples of names: `for i, x in enumerate(a)`)');
      const iter = i === 0 ? node(g.iter)! : renamed(node(g.iter)!, renames, n);
      for (const name of names) {
        const hidden = `_pl_c${k}_${name}`;
        renames.set(name, hidden);
        this.assigned.set(hidden, 1);
        this.forOnly.add(hidden);
      }
      loops.push({ target: renamed(t, renames, n), iter, ifs: nodes(g.ifs).map((c) => renamed(c, renames, n)) });
    });
    let body = inner(renamed(node(n.elt)!, renames, n));
    for (let i = loops.length - 1; i >= 0; i--) {
      const l = loops[i]!;
      for (let j = l.ifs.length - 1; j >= 0; j--) body = [{ _type: 'If', test: l.ifs[j]!, body, orelse: [], line: l.ifs[j]!.line, col: l.ifs[j]!.col }];
      body = [{ _type: 'For', target: l.target, iter: l.iter, body, orelse: [], line: l.iter.line ?? n.line, col: l.iter.col ?? n.col }];
    }
    return this.block(body);
  }

  /** Loops over a generator, a comprehension or an iterable a `for` takes (an array, `range(…)`), running `inner` per element. */
  private iterate(arg: PyNode, inner: (elt: PyNode) => PyNode[], at: PyNode): PyStmt[] {
    if (arg._type === 'GeneratorExp' || arg._type === 'ListComp') return this.comprehensionLoops(arg, inner);
    const isRange = arg._type === 'Call' && node(arg.func)?._type === 'Name' && node(arg.func)!.id === 'range' && !this.isLocalName('range');
    if (!isRange && !(arg._type === 'Name' && (this.arrayByName.has(String(arg.id)) || this.aliases.has(String(arg.id)))))
      throw Refuse.at(at, show(at), `${show(at)} is compiled of a list, an array, range(…), a comprehension or a generator expression`);
    const x = `_pl_x${this.synthetic++}`;
    return this.comprehensionLoops(
      { _type: 'GeneratorExp', elt: { _type: 'Name', id: x, line: at.line, col: at.col }, generators: [comprehensionOver(x, arg)], line: at.line, col: at.col },
      inner,
    );
  }

  /** `sum(iterable)`: Python adds each element to 0 in turn (an empty one gives the int 0). */
  private sumOf(arg: PyNode, n: PyNode): Val {
    const acc = `_pl_s${this.synthetic++}`;
    this.assigned.set(acc, 2);
    const pos = { line: n.line, col: n.col };
    const name: PyNode = { _type: 'Name', id: acc, ...pos };
    const out = this.block([{ _type: 'Assign', targets: [name], value: { _type: 'Constant', value: { int: '0' }, ...pos }, ...pos }]);
    out.push(...this.iterate(arg, (elt) => [{ _type: 'AugAssign', target: name, op: 'Add', value: elt, ...pos }], n));
    const info = this.info.get(acc)!;
    if (info.type === 'float' && !info.np && pythonAtLeast(this.mod.ast.python, 3, 12))
      throw Refuse.at(
        n,
        'sum(…)',
        `Python ${this.mod.ast.python} adds floats in sum() with compensated summation, which the compiled code does not reproduce bit for bit; write the loop (total += x) instead`,
      );
    this.hoist(out, n);
    this.defined.add(acc);
    return this.name_(name);
  }

  /** `min(iterable)`, `max(iterable)`: the first smallest or largest element, as Python keeps it; empty bails out (ValueError). */
  private bestOf(fn: 'min' | 'max', arg: PyNode, n: PyNode): Val {
    const k = this.synthetic++;
    const acc = `_pl_m${k}`;
    const has = `_pl_h${k}`;
    this.assigned.set(acc, 2);
    const hasSlot = this.declare(has, 'bool', n);
    const pos = { line: n.line, col: n.col };
    const out: PyStmt[] = [{ kind: 'set', local: hasSlot, value: FALSE }];
    out.push(...this.iterate(arg, (elt) => [{ _type: 'PlBest', acc, has, op: fn === 'max' ? 'Gt' : 'Lt', value: elt, ...pos }], n));
    if (!this.info.has(acc)) throw Refuse.at(n, show(n), `${fn}() of nothing raises ValueError`);
    out.push({
      kind: 'if',
      cond: not({ kind: 'local', type: 'bool', local: hasSlot }),
      then: [{ kind: 'bail', reason: `${fn}() of an empty sequence` }],
      else: [],
    });
    this.hoist(out, n);
    this.defined.add(acc);
    return this.name_({ _type: 'Name', id: acc, ...pos });
  }

  /** One element of min() / max(): kept when it is the first, or beats the one kept (`>` for max, `<` for min). */
  private best(s: PyNode): PyStmt[] {
    const acc = String(s.acc);
    const v = this.expr(node(s.value)!);
    if (v.e.type === 'none') throw Refuse.at(s, show(s), 'min() / max() of None');
    if (typeof v.np !== 'boolean')
      throw Refuse.at(s, show(s), 'the elements are NumPy scalars on some paths and Python numbers on others; convert them with int() or float()');
    const type = v.e.type as PyScalar;
    const t = this.temp(type);
    const tv: Val = { ...v, e: { kind: 'local', type, local: t } };
    const slot = this.declare(acc, type, s);
    const kept: Val = { e: { kind: 'local', type, local: slot }, np: v.np, range: FULL };
    const hasSlot = this.info.get(String(s.has))!.slot;
    const keep = (): PyStmt[] => this.npAssign(acc, v.np, [{ kind: 'set', local: slot, value: tv.e }]);
    return [
      { kind: 'set', local: t, value: v.e },
      {
        kind: 'if',
        cond: not({ kind: 'local', type: 'bool', local: hasSlot }),
        then: [...keep(), { kind: 'set', local: hasSlot, value: TRUE }],
        else: [{ kind: 'if', cond: this.compareOne(String(s.op), tv, kept, s), then: keep(), else: [] }],
      },
    ];
  }

  /** `xs.append(x)` on a list the function built. */
  private append(c: PyNode): PyStmt[] {
    const base = node(node(c.func)!.value)!;
    const name = String(base.id);
    const slot = this.arrayByName.get(name);
    if (slot === undefined) {
      if (this.info.has(name)) throw Refuse.at(c, `${name}.append`, `${name} is a number, which has no append`);
      throw Refuse.at(c, `${name}.append`, `only lists the function builds itself can grow (${name} is not one)`);
    }
    const a = this.arrays[this.arrayNamed(base)!]!;
    if (!a.local)
      throw Refuse.at(
        c,
        `${name}.append`,
        `${name} is an argument: appending to it changes the caller's list, and the compiled code works on a copy of fixed length`,
      );
    if (a.type.array !== 'list') throw Refuse.at(c, `${name}.append`, `${name} is ${an(pyTypeName(a.type))}, which has no append`);
    if (a.type.ndim === 2)
      throw Refuse.at(c, `${name}.append`, `${name} is a list of lists, whose rows are fixed when it is built; appending a row to it is not compiled`);
    const args = nodes(c.args);
    if (args.length !== 1 || nodes(c.keywords).length || args[0]!._type === 'Starred') throw Refuse.at(c, `${name}.append`, 'append takes one argument');
    const v = this.listElement(args[0]!, name);
    if (v.e.type !== a.type.element) {
      if (this.guessed.has(name) && !this.elements.has(name)) throw new ElementHint(name, v.e.type as Element);
      throw Refuse.at(
        c,
        `${name}.append`,
        `${name} holds ${a.type.element}s and this appends ${an(String(v.e.type))}: Python allows it, the compiled code keeps one element type`,
      );
    }
    a.written = true;
    a.growable = true;
    return [{ kind: 'append', array: slot, value: v.e }];
  }

  /**
   * A name the function assigns is its local everywhere in it (Python's rule), a builtin's or a module-level name
   * included: `max = 0` makes `max(…)` in the same function a call of that local, which is refused where it is made.
   * A name the function imports may not also be assigned.
   */
  private checkAssignable(name: string, at: PyNode): void {
    if (this.importedHere.has(name)) throw Refuse.at(at, name, `${name} is imported in the function and also assigned; give the variable another name`);
  }

  /**
   * What a name imports (a module's dotted path: `math`, `math.sqrt`, `numpy`), as seen here: an import in the
   * function once it has run, else the module's, unless a local of the function hides it.
   */
  private importOf(name: string, at: PyNode): string | undefined {
    if (this.importedHere.has(name)) {
      if (!this.defined.has(name))
        throw Refuse.at(at, name, `${name} may be used before the function imports it (Python would raise UnboundLocalError); import it first on every path`);
      return this.localImports.get(name);
    }
    if (this.isLocalName(name)) return undefined;
    return this.mod.ast.imports[name];
  }

  /** `import math`, `from math import sqrt`, `import numpy as np` inside the function: the names it binds, from here on. */
  private importHere(s: PyNode): PyStmt[] {
    const from = s._type === 'ImportFrom' ? String(s.module ?? '') : undefined;
    if (from !== undefined && (Number(s.level ?? 0) > 0 || !IMPORTABLE.has(from.split('.')[0]!)))
      throw Refuse.at(
        s,
        `from ${'.'.repeat(Number(s.level ?? 0))}${from} import …`,
        `importing from ${from || 'a package'} inside the function is not compiled (math and numpy are)`,
      );
    for (const a of nodes(s.names)) {
      const name = String(a.name);
      if (name === '*') throw Refuse.at(s, `from ${from} import *`, 'import * binds names the compiler cannot know');
      if (from === undefined && !IMPORTABLE.has(name.split('.')[0]!))
        throw Refuse.at(s, `import ${name}`, `importing ${name} inside the function is not compiled (math and numpy are)`);
      const local = a.asname ? String(a.asname) : from === undefined ? name.split('.')[0]! : name;
      const path = from !== undefined ? `${from}.${name}` : a.asname ? name : name.split('.')[0]!;
      const known = this.localImports.get(local);
      if (known !== undefined && known !== path) throw Refuse.at(s, local, `${local} is imported as ${known} and as ${path} in the function`);
      this.localImports.set(local, path);
      this.defined.add(local);
    }
    // Importing a module the program has imported already only binds the name: nothing runs.
    return [];
  }

  // ----- statements

  private block(stmts: PyNode[], top = false): PyStmt[] {
    const out: PyStmt[] = [];
    stmts.forEach((s, i) => {
      // A docstring (a string expression first in the function) is not code.
      if (top && i === 0 && s._type === 'Expr' && node(s.value)?._type === 'Constant' && 'str' in (node(s.value)!.value as object)) return;
      out.push(...this.stmt(s));
    });
    return out;
  }

  /** Whether a block never reaches its end (every path returns, or loops forever without break). */
  private terminates(stmts: PyNode[]): boolean {
    return stmts.some((s) => {
      if (s._type === 'Return') return true;
      if (s._type === 'If') return this.terminates(nodes(s.body)) && this.terminates(nodes(s.orelse));
      if (s._type === 'While') {
        const t = node(s.test);
        const forever = t?._type === 'Constant' && (t.value as { bool?: boolean }).bool === true;
        return forever && !hasBreak(nodes(s.body));
      }
      return false;
    });
  }

  private stmt(s: PyNode): PyStmt[] {
    switch (s._type) {
      case 'Pass':
        return [];
      case 'Expr': {
        const v = node(s.value)!;
        if (v._type === 'Constant' && 'str' in (v.value as object)) return [];
        if (v._type !== 'Call') throw Refuse.at(s, show(v), 'an expression statement that is not a call does nothing the compiled code could keep');
        const f = node(v.func)!;
        if (f._type === 'Attribute' && String(f.attr) === 'append' && node(f.value)?._type === 'Name') return this.withPre(s, () => this.append(v));
        return this.withPre(s, () => [{ kind: 'expr', value: this.expr(v).e }]);
      }
      case 'Assign':
        return this.withPre(s, () => this.assign(s));
      case 'AnnAssign':
        return this.withPre(s, () => this.annAssign(s));
      case 'AugAssign':
        return this.withPre(s, () => this.augAssign(s));
      case 'PlBest':
        return this.withPre(s, () => this.best(s));
      case 'If': {
        const pre: PyStmt[] = [];
        const cond = this.hoisting(pre, () => this.test(node(s.test)!));
        const before = new Set(this.defined);
        const then = this.block(nodes(s.body));
        const afterThen = this.defined;
        this.defined = new Set(before);
        const els = this.block(nodes(s.orelse));
        const afterElse = this.defined;
        const thenEnds = this.terminates(nodes(s.body)) || endsWithJump(nodes(s.body));
        const elseEnds = this.terminates(nodes(s.orelse)) || endsWithJump(nodes(s.orelse));
        this.defined = thenEnds ? afterElse : elseEnds ? afterThen : new Set([...afterThen].filter((n) => afterElse.has(n)));
        return [...this.checkedPre(pre, [{ kind: 'expr', value: cond.e }], s), { kind: 'if', cond: cond.e, then, else: els }];
      }
      case 'While': {
        if (nodes(s.orelse).length) throw Refuse.at(s, 'while … else', 'a loop with an else clause is not compiled');
        const label = this.labels++;
        // The condition is evaluated before every iteration: nothing may be hoisted out of it.
        const test = this.hoisting(null, () => this.test(node(s.test)!));
        const before = new Set(this.defined);
        this.loops.push(label);
        const body = this.block(nodes(s.body));
        this.loops.pop();
        this.defined = before;
        return [{ kind: 'while', label, test: test.e, body }];
      }
      case 'For':
        return this.forRange(s);
      case 'Break':
      case 'Continue': {
        const label = this.loops[this.loops.length - 1];
        if (label === undefined) throw Refuse.at(s, s._type.toLowerCase(), 'outside a loop');
        return [{ kind: s._type === 'Break' ? 'break' : 'continue', label }];
      }
      case 'Return':
        return this.withPre(s, () => this.ret(s));
      case 'Import':
      case 'ImportFrom':
        return this.importHere(s);
      default:
        throw Refuse.at(
          s,
          statementName(s),
          'this statement is outside the subset the compiler takes (assignments, if, for … in range(…), while, break, continue, return)',
        );
    }
  }

  /**
   * Lowers one statement with a list for the statements its expressions need first (a comprehension's loop, a sum over
   * a generator); they run before it.
   */
  private withPre(at: PyNode, lower: () => PyStmt[]): PyStmt[] {
    const pre: PyStmt[] = [];
    const body = this.hoisting(pre, lower);
    return pre.length ? [...this.checkedPre(pre, body, at), ...body] : body;
  }

  /** Runs `lower` with `pre` as the list hoisted statements go to (null: none may be), outside any lazy expression. */
  private hoisting<T>(pre: PyStmt[] | null, lower: () => T): T {
    const saved = this.pre;
    const lazy = this.lazy;
    this.pre = pre;
    this.lazy = 0;
    try {
      return lower();
    } finally {
      this.pre = saved;
      this.lazy = lazy;
    }
  }

  /** Lowers an expression Python evaluates only sometimes: nothing may be hoisted out of it. */
  private lazily<T>(lower: () => T): T {
    this.lazy++;
    try {
      return lower();
    } finally {
      this.lazy--;
    }
  }

  /** Hoists statements an expression needs before the statement it is in. */
  private hoist(stmts: PyStmt[], at: PyNode): void {
    if (this.pre === null)
      throw Refuse.at(at, show(at), 'a comprehension or a sum, min or max of a sequence in a while condition is not compiled; compute it in a variable first');
    if (this.lazy > 0)
      throw Refuse.at(
        at,
        show(at),
        'a comprehension or a sum, min or max of a sequence inside a conditional expression, and / or or a comparison chain is not compiled (Python evaluates it only sometimes); compute it in a variable first',
      );
    this.pre.push(...stmts);
  }

  /** The statements hoisted before a statement, once shown to run in Python's order relative to it (see hoistedInOrder). */
  private checkedPre(pre: PyStmt[], rest: PyStmt[], at: PyNode | undefined): PyStmt[] {
    if (pre.length && !this.hoistedInOrder(pre, rest))
      throw Refuse.at(
        at,
        show(at),
        'a comprehension or sum in an expression that also calls a function writing to arrays is not compiled (the order of the two would change); compute it in a variable first',
      );
    return pre;
  }

  /**
   * Hoisted statements run before the rest of the expression they were in, which Python may evaluate partly before
   * them. That changes nothing unless one side calls a function that writes to an array the other side reads.
   */
  private hoistedInOrder(pre: PyStmt[], rest: PyStmt[]): boolean {
    const scan = (stmts: PyStmt[]) => {
      let writes = false;
      let reads = false;
      const onExpr = (e: PyExpr) => {
        if (e.kind === 'call') {
          reads = true;
          // A function still being lowered (a recursive call) may write anything it is passed.
          const callee = this.mod.lowered.find((f) => f.name === e.fn);
          if (!callee || callee.arrays.some((a) => a.written && !a.local)) writes = true;
        }
        if (e.kind === 'load' || e.kind === 'dim') reads = true;
      };
      walkPyIr(stmts, () => {}, onExpr);
      return { writes, reads };
    };
    const a = scan(pre);
    const b = scan(rest);
    return !((a.writes && b.reads) || (b.writes && a.reads));
  }

  private annAssign(s: PyNode): PyStmt[] {
    const value = node(s.value);
    if (!value) return [];
    const target = node(s.target)!;
    const want = annotationType(node(s.annotation));
    if (target._type === 'Name' && this.makesArray(value))
      return this.assignArray(String(target.id), value, target, want && isPyArrayType(want) ? want : undefined);
    const v = this.value(value);
    if (v.char && want !== undefined) throw Refuse.at(s, show(target), `${show(target)} is annotated but holds a character (a str)`);
    if (want && !isPyArrayType(want) && want !== v.e.type) {
      if (want === 'float' && v.e.type === 'int') {
        // An annotation does not convert in Python: the variable would hold an int.
        throw Refuse.at(s, show(target), `${show(target)} is annotated float but assigned an int; Python keeps the int. Write a float (e.g. 0.0)`);
      }
      throw Refuse.at(s, show(target), `${show(target)} is annotated ${pyTypeName(want)} but assigned a ${v.e.type}`);
    }
    return this.storeTo(target, v, s);
  }

  private ret(s: PyNode): PyStmt[] {
    const value = node(s.value);
    if (this.isComplex(value)) return this.returnComplex(value!, s);
    if (this.resultComplex) throw Refuse.at(s, 'return', `${this.name} returns a complex elsewhere: the compiled code has one result type`);
    if (!value || (value._type === 'Constant' && 'none' in (value.value as object))) {
      if (this.resultArg) throw Refuse.at(s, 'return', `${this.name} returns its argument ${this.resultArg} elsewhere and None here`);
      if (this.result !== undefined && this.result !== 'none')
        throw Refuse.at(s, 'return', `${this.name} returns ${an(pyTypeName(this.result))} elsewhere and None here`);
      this.result = 'none';
      return [{ kind: 'return' }];
    }
    if (value._type === 'Name' && this.arrayByName.has(String(value.id))) return this.returnArray(this.arrayNamed(value)!, s);
    if (this.makesArray(value)) {
      const hidden = `_pl_r${this.synthetic++}`;
      return [...this.assignArray(hidden, value, value), ...this.returnArray(this.arrayByName.get(hidden)!, s)];
    }
    const v = this.expr(value);
    const t = v.e.type as PyScalar;
    if (this.resultArg) throw Refuse.at(s, `return ${show(value)}`, `${this.name} returns its argument ${this.resultArg} elsewhere and ${an(t)} here`);
    if (this.result !== undefined && this.result !== t)
      throw Refuse.at(
        s,
        `return ${show(value)}`,
        `${this.name} returns ${an(pyTypeName(this.result))} elsewhere and ${an(t)} here: Python allows it, the compiled code has one result type`,
      );
    this.result = t;
    this.returnNp.push(v.np);
    if (this.resultNpArray === undefined) return [{ kind: 'return', value: v.e }];
    // The entry reports the result's kind in its hidden array; the wrapper boxes the result accordingly.
    const flag: PyExpr =
      typeof v.np === 'boolean'
        ? { kind: 'const', type: 'int', value: v.np ? 1n : 0n }
        : { kind: 'unary', type: 'int', op: 'int.from_bool', arg: v.np, checked: false };
    return [
      { kind: 'store', array: this.resultNpArray, indices: [{ kind: 'const', type: 'int', value: 0n }], checked: [false], value: flag },
      { kind: 'return', value: v.e },
    ];
  }

  /** `return xs` of a list or array the function built: the wrapper hands it back as a list of Python numbers, or as the array. */
  private returnArray(slot: number, s: PyNode): PyStmt[] {
    const a = this.arrays[slot]!;
    const what = `return ${a.name.startsWith('_pl_') ? '[…]' : a.name}`;
    if (!a.local) {
      // `return dist` of the entry's own argument (written in place): the wrapper returns that very object after the
      // kernel's writes are copied back into it; the kernel returns nothing.
      const param = this.params.find((p) => p.slot === slot && isPyArrayType(p.type) && !p.global && !p.attr && !p.record && p.name === a.name);
      if (!this.isEntry || !param || this.swaps.has(a.name))
        throw Refuse.at(
          s,
          what,
          `${a.name} is ${param ? 'an argument' : 'module-level data'}: Python returns the caller's own object, which the compiled code gives back only from the function optimized, of an argument it never reassigns`,
        );
      if (this.result !== undefined && this.resultArg !== a.name)
        throw Refuse.at(
          s,
          what,
          `${this.name} returns ${this.resultArg ? `its argument ${this.resultArg}` : an(pyTypeName(this.result))} elsewhere and its argument ${a.name} here: the compiled code has one result`,
        );
      this.result = 'none';
      this.resultArg = a.name;
      return [{ kind: 'return' }];
    }
    if (!this.isEntry)
      throw Refuse.at(
        s,
        what,
        `${this.name} returns ${an(pyTypeName(a.type))} to the function that calls it; a function of the file that returns a list or an array is compiled only as the function optimized`,
      );
    if (this.result !== undefined && pyTypeName(this.result) !== pyTypeName(a.type))
      throw Refuse.at(
        s,
        what,
        `${this.name} returns ${an(pyTypeName(this.result))} elsewhere and ${an(pyTypeName(a.type))} here: Python allows it, the compiled code has one result type`,
      );
    this.result = a.type;
    return [{ kind: 'return', array: slot }];
  }

  private assign(s: PyNode): PyStmt[] {
    const targets = nodes(s.targets);
    const value = node(s.value)!;
    if (targets.length !== 1) {
      // `flags[0] = flags[1] = False`, `x = y = 0.0`: the value once, then each target from left to right.
      if (this.makesArray(value) || (value._type === 'Name' && this.arrayByName.has(String(value.id))))
        throw Refuse.at(s, 'a = b = […]', 'the names would share one list, which the compiled code does not do; build one list per name');
      if (targets.some((t) => t._type !== 'Name' && t._type !== 'Subscript'))
        throw Refuse.at(s, 'a = b, c = …', 'chained assignment to a tuple is not compiled');
      return this.assignTuple(targets, [this.value(value)], s, true);
    }
    const target = targets[0]!;
    if (target._type === 'Name' && this.makesArray(value)) return this.assignArray(String(target.id), value, target);
    if (target._type === 'Name' && this.rowOf(value) !== undefined) return this.bindRowAlias(String(target.id), value, target);
    if (target._type === 'Name' && value._type === 'Name' && this.arrayByName.has(String(value.id))) return this.moveArray(String(target.id), value, target);
    if (target._type === 'Name' && (this.isComplex(value) || this.complexLocals.has(String(target.id))))
      return this.assignComplex(String(target.id), value, target);
    if (target._type === 'Tuple' || target._type === 'List') {
      // `a, b = b, a + b`: every value first, then every target, as Python does.
      const elts = nodes(target.elts);
      // `row, up = t[i], t[i - 1]`: rows named one after the other, which is the same while no index reads a target.
      const vals = value._type === 'Tuple' ? nodes(value.elts) : [];
      if (
        vals.length === elts.length &&
        elts.every((e) => e._type === 'Name') &&
        vals.every((v) => this.rowOf(v) !== undefined) &&
        !vals.some((v) => elts.some((e) => mentions(v, String(e.id))))
      )
        return elts.flatMap((e, i) => this.bindRowAlias(String(e.id), vals[i]!, e));
      if (elts.length === 2 && value._type === 'Tuple' && elts.every((e) => e._type === 'Name' && this.arrayByName.has(String(e.id))))
        return this.swap(elts, nodes(value.elts), s);
      // `M, N = X.shape`
      if (value._type === 'Attribute' && String(value.attr) === 'shape' && node(value.value)?._type === 'Name') {
        const slot = this.arrayByName.has(String(node(value.value)!.id)) ? this.arrayNamed(node(value.value)!) : undefined;
        const t = slot === undefined ? undefined : this.arrays[slot]!.type;
        if (slot === undefined || t?.array !== 'ndarray') throw Refuse.at(s, show(value), '.shape is taken only of NumPy arrays');
        if (t.ndim !== elts.length)
          throw Refuse.at(s, show(value), `${show(node(value.value))} has ${t.ndim} dimension${t.ndim === 1 ? '' : 's'}, not ${elts.length}`);
        const dims = elts.map((_, k): Val => ({ e: { kind: 'dim', type: 'int', array: slot, axis: k as PyAxis }, np: false, range: FULL_DIM }));
        return this.assignTuple(elts, dims, s);
      }
      if (value._type !== 'Tuple' || nodes(value.elts).length !== elts.length)
        throw Refuse.at(s, 'a, b = …', 'tuple assignment is compiled only from a tuple of the same length');
      return this.assignTuple(
        elts,
        nodes(value.elts).map((v) => this.value(v)),
        s,
      );
    }
    return this.storeTo(target, this.value(value), s);
  }

  /**
   * Values already evaluated, assigned to targets left to right (each target gets `vals[i]`, or with `one` every
   * target gets `vals[0]`): through temporaries, so that a target written first cannot change a value read later.
   */
  private assignTuple(targets: PyNode[], vals: Val[], s: PyNode, one = false): PyStmt[] {
    const none = vals.findIndex((v) => v.e.type === 'none');
    if (none >= 0) throw Refuse.at(s, show(targets[one ? 0 : none]), 'the value is None (a function that returns nothing)');
    const out: PyStmt[] = [];
    // A constant or a dimension cannot change while the targets are assigned: used as it is (and what the range facts
    // know of it is kept); anything else goes through a temporary.
    const direct = (v: Val) => v.e.kind === 'const' || v.e.kind === 'dim';
    const temps = vals.map((v) => {
      if (direct(v)) return -1;
      const t = this.temp(v.e.type as PyScalar);
      out.push({ kind: 'set', local: t, value: v.e });
      return t;
    });
    // A NumPy flag read now, before a target changes it.
    const nps = vals.map((v): Np => {
      if (typeof v.np === 'boolean') return v.np;
      const t = this.temp('bool');
      out.push({ kind: 'set', local: t, value: v.np });
      return { kind: 'local', type: 'bool', local: t };
    });
    targets.forEach((t, j) => {
      const i = one ? 0 : j;
      const v = vals[i]!;
      out.push(...this.storeTo(t, { ...v, e: direct(v) ? v.e : { kind: 'local', type: v.e.type as PyScalar, local: temps[i]! }, np: nps[i]! }, s));
    });
    return out;
  }

  /** `a, b = b, a` of two local arrays of one type: they exchange their values (nothing else refers to either). */
  private swap(targets: PyNode[], values: PyNode[], s: PyNode): PyStmt[] {
    const [x, y] = targets.map((t) => String(t.id));
    if (values.length !== 2 || values[0]!._type !== 'Name' || values[1]!._type !== 'Name' || values[0]!.id !== y || values[1]!.id !== x || x === y)
      throw Refuse.at(s, 'a, b = …', 'of arrays, only the swap a, b = b, a is compiled (other assignments would make two names share one array)');
    const [a, b] = targets.map((t) => this.arrayNamed(t)!);
    const ta = this.arrays[a]!;
    const tb = this.arrays[b]!;
    if (!ta.local !== !tb.local)
      throw Refuse.at(s, `${x}, ${y} = ${y}, ${x}`, 'an argument and a list the function builds cannot be swapped; swap two arguments or two lists built here');
    if (pyTypeName(ta.type) !== pyTypeName(tb.type))
      throw Refuse.at(
        s,
        `${x}, ${y} = ${y}, ${x}`,
        `${x} is ${an(pyTypeName(ta.type))} and ${y} ${an(pyTypeName(tb.type))}: swapping them would change their types`,
      );
    if (!ta.growable !== !tb.growable) throw new Error(`${x} and ${y} are swapped but only one of them grows`);
    return [{ kind: 'swap', a: a!, b: b! }];
  }

  private storeTo(target: PyNode, v: Val, at: PyNode): PyStmt[] {
    if (v.e.type === 'none') throw Refuse.at(at, show(target), 'the value is None (a function that returns nothing)');
    if (target._type === 'Name') return this.assignLocal(String(target.id), v, target);
    if (target._type === 'Subscript') {
      const { array, indices, checked } = this.subscript(target);
      const a = this.arrays[array]!;
      if (a.type.array === 'str') throw Refuse.at(target, show(target), 'a str cannot be written (Python raises TypeError)');
      this.noChar(v, target);
      if (a.type.array === 'tuple' || (a.type.ndim === 2 && indices.length === 2 && a.type.rows === 'tuple')) {
        throw Refuse.at(target, show(target), 'a tuple cannot be written (Python raises TypeError)');
      }
      a.written = true;
      // A table a nested comprehension fills (buildTable) learns its element type from what is written.
      if (a.type.array === 'list' && v.e.type !== a.type.element && this.guessed.has(a.name) && !this.elements.has(a.name))
        throw new ElementHint(a.name, v.e.type as Element);
      return [{ kind: 'store', array, indices, checked, value: this.storeValue(a.type, v, target) }];
    }
    throw Refuse.at(target, show(target), 'only names and array elements can be assigned');
  }

  /** The value a store writes: converted as NumPy converts it, or exactly the element type for a list. */
  private storeValue(t: PyArrayType, v: Val, at: PyNode): PyExpr {
    const ty = v.e.type;
    if (t.array !== 'ndarray') {
      if (ty !== t.element)
        throw Refuse.at(at, show(at), `writing a ${ty} into a list of ${t.element}s would change the list's element type; the compiled code keeps one`);
      if (v.np !== false)
        throw Refuse.at(at, show(at), 'writing a NumPy scalar into a list would put a NumPy object in the list; convert it with float() or int()');
      return v.e;
    }
    if (t.element === 'float') {
      if (ty === 'float') return v.e;
      if (ty === 'int') return { kind: 'unary', type: 'float', op: 'float.from_int', arg: v.e, checked: false };
      if (ty === 'bool') return { kind: 'unary', type: 'float', op: 'float.from_bool', arg: v.e, checked: false };
    }
    if (ty === 'int') return v.e;
    if (ty === 'bool') return { kind: 'unary', type: 'int', op: 'int.from_bool', arg: v.e, checked: false };
    throw Refuse.at(at, show(at), 'writing a float into an int64 array truncates it in NumPy; write int(…) explicitly');
  }

  private augAssign(s: PyNode): PyStmt[] {
    const target = node(s.target)!;
    const op = String(s.op);
    if (target._type === 'Name' && (this.isComplex(node(s.value)) || this.complexLocals.has(String(target.id)))) {
      // z += w, z *= z: the complex operation, then the assignment.
      const value: PyNode = { _type: 'BinOp', line: s.line, col: s.col, left: target, op: s.op, right: node(s.value)! };
      return this.assignComplex(String(target.id), value, target);
    }
    if (target._type === 'Name') {
      const cur = this.noChar(this.name_(target, true), target);
      const rhs = this.expr(node(s.value)!);
      return this.assignLocal(String(target.id), this.binop(op, cur, rhs, s), target);
    }
    if (target._type === 'Subscript') {
      // a[i] += x: the index once, the element read, combined, written back.
      const { array, indices, checked } = this.subscript(target);
      const out: PyStmt[] = [];
      const fixed = indices.map((ix) => {
        if (ix.kind === 'const' || ix.kind === 'local') return ix;
        const t = this.temp('int');
        out.push({ kind: 'set', local: t, value: ix });
        return { kind: 'local', type: 'int', local: t } as PyExpr;
      });
      const a = this.arrays[array]!;
      if (a.type.array === 'str') throw Refuse.at(target, show(target), 'a str cannot be written (Python raises TypeError)');
      const cur: Val = { e: { kind: 'load', type: a.type.element, array, indices: fixed, checked }, np: a.type.array === 'ndarray' };
      const v = this.binop(op, cur, this.expr(node(s.value)!), s);
      if (a.type.array === 'tuple' || (a.type.ndim === 2 && a.type.rows === 'tuple'))
        throw Refuse.at(target, show(target), 'a tuple cannot be written (Python raises TypeError)');
      a.written = true;
      // The store checks (and wraps) as the load did: a negative index must reach the element the load read, never
      // the memory before the array (the check cannot fail a second time).
      out.push({ kind: 'store', array, indices: fixed, checked, value: this.storeValue(a.type, v, target) });
      return out;
    }
    throw Refuse.at(target, show(target), 'only names and array elements can be assigned');
  }

  private forRange(s: PyNode): PyStmt[] {
    if (nodes(s.orelse).length) throw Refuse.at(s, 'for … else', 'a loop with an else clause is not compiled');
    const target = node(s.target)!;
    const iter = node(s.iter)!;
    if (target._type !== 'Name' || !this.builtinCall(iter, 'range')) return this.forOver(s, target, iter);
    const args = nodes(iter.args);
    if (args.length < 1 || args.length > 3 || nodes(iter.keywords).length) throw Refuse.at(iter, 'range(…)', 'range takes 1 to 3 positional arguments');
    // range's arguments are evaluated once, before the loop: what they need may run before it too.
    const pre: PyStmt[] = [];
    const vals = this.hoisting(pre, () => args.map((a) => this.intArg(a, 'range')));
    const start: Val = vals.length === 1 ? { e: { kind: 'const', type: 'int', value: 0n }, np: false, range: [0n, 0n] } : vals[0]!;
    const stop = vals.length === 1 ? vals[0]! : vals[1]!;
    let step: bigint | PyExpr = 1n;
    // The step's sign: 1 or -1, or 0 when only the running program knows it.
    let sign = 1;
    if (vals.length === 3) {
      const st = vals[2]!;
      if (st.e.kind === 'const') {
        if (st.e.value === 0n) throw Refuse.at(args[2], show(args[2]), 'range() with a step of 0 raises ValueError');
        step = BigInt(st.e.value);
        sign = step > 0n ? 1 : -1;
      } else {
        // `range(i * i, n + 1, i)`: a step of 0 bails out (Python raises ValueError).
        step = st.e;
        const r = clamp(st.range);
        sign = r[0] > 0n ? 1 : r[1] < 0n ? -1 : 0;
      }
    }
    const name = String(target.id);
    const slot = this.declare(name, 'int', target);
    const info = this.info.get(name)!;
    const label = this.labels++;
    const sr = clamp(start.range);
    const er = clamp(stop.range);
    // The counter takes values in [start, stop) (step > 0) or (stop, start] (step < 0), unless the body reassigns it.
    const facts = this.forOnly.has(name);
    if (facts && this.activeFor.has(name))
      throw Refuse.at(target, name, `the loop variable ${name} of an enclosing loop is reused by an inner loop; name it differently`);
    if (facts && sign !== 0) {
      info.range = sign > 0 ? [sr[0], er[1] - 1n > sr[0] ? er[1] - 1n : sr[0]] : [er[0] + 1n < sr[1] ? er[0] + 1n : sr[1], sr[1]];
      const d = sign > 0 ? this.dimOf(stop.e) : undefined;
      info.below = d ? [{ dim: d.key, slack: d.offset }] : [];
      this.activeFor.add(name);
    } else info.range = FULL;
    const before = new Set(this.defined);
    this.defined.add(name);
    this.loops.push(label);
    // The counter is a Python int at the top of each iteration.
    const body = [...this.npAssign(name, false, []), ...this.block(nodes(s.body))];
    this.loops.pop();
    // A range that is never empty runs the body at least once: what the body always assigns (when no break or
    // continue can skip the rest of it) is assigned after the loop, the counter too.
    const nonEmpty = sign > 0 ? sr[1] < er[0] : sign < 0 ? sr[0] > er[1] : false;
    this.defined = nonEmpty && !hasJump(nodes(s.body)) ? new Set([...this.defined, name]) : before;
    if (facts && sign !== 0) {
      // After the loop the counter holds some value of this or another loop over it: nothing is known.
      this.activeFor.delete(name);
      info.range = FULL;
      info.below = [];
    }
    return [...this.checkedPre(pre, [], s), { kind: 'for', label, local: slot, start: start.e, stop: stop.e, step, body }];
  }

  /** Whether `n` calls the builtin `name` (not a local, a function of the file, a module-level name or an import of that name). */
  private builtinCall(n: PyNode, name: string): boolean {
    const f = node(n.func);
    if (n._type !== 'Call' || f?._type !== 'Name' || f.id !== name) return false;
    const ast = this.mod.ast;
    return !this.isLocalName(name) && !(name in ast.functions) && !ast.globals.includes(name) && !(name in ast.imports) && !this.importedHere.has(name);
  }

  /**
   * What a `for` header iterates over, other than a plain `range(…)`: a 1-D array (a list, a tuple, a str, a NumPy
   * array), `range(…)` with a constant step inside zip or enumerate, `enumerate(it, start)` and `zip(it, …)` of them.
   * Their arguments are evaluated now, in Python's order, into `pre` (a value that is not a constant goes into a
   * temporary, as the iterator keeps it).
   */
  private iterSource(n: PyNode, pre: PyStmt[], top: boolean): IterSource {
    const once = (v: Val): Val => (v.e.kind === 'const' ? v : this.hold(pre, { e: v.e, np: false, range: clamp(v.range) }));
    const intArg = (a: PyNode, what: string) => once(this.hoisting(pre, () => this.intArg(a, what)));
    if (n._type === 'Name' && this.records.has(String(n.id))) return { kind: 'records', name: String(n.id), node: n };
    if (n._type === 'Name' && this.aliases.has(String(n.id))) {
      if (!this.defined.has(String(n.id)))
        throw Refuse.at(
          n,
          String(n.id),
          `${String(n.id)} may be read before it is assigned (Python would raise UnboundLocalError); assign it first on every path`,
        );
      const alias = this.aliases.get(String(n.id))!;
      return { kind: 'row', array: alias.array, local: alias.local, node: n };
    }
    // A module-level name the compiled code does not read: refused as a read of it is, with why.
    if (n._type === 'Name' && !this.isLocalName(String(n.id)) && this.mod.ast.globals.includes(String(n.id))) this.name_(n);
    if (n._type === 'Name' && this.arrayByName.has(String(n.id))) {
      // A 2-D array gives its rows, which only a target that unpacks them takes (see bindRow).
      const array = this.arrayNamed(n)!;
      if (this.arrays[array]!.type.ndim > 2)
        throw Refuse.at(
          n,
          show(n),
          `${String(n.id)} is a ${this.arrays[array]!.type.ndim}-D array, whose items are 2-D arrays the compiled code does not hold; loop over range(${String(n.id)}.shape[0]) and index its elements (${String(n.id)}[i, j, k])`,
        );
      return { kind: 'array', array, node: n };
    }
    const args = n._type === 'Call' ? nodes(n.args) : [];
    const keywords = n._type === 'Call' ? nodes(n.keywords) : [];
    if (args.some((a) => a._type === 'Starred')) throw Refuse.at(n, show(n), '*args in a call is not compiled');
    if (!top && this.builtinCall(n, 'range')) {
      if (args.length < 1 || args.length > 3 || keywords.length) throw Refuse.at(n, 'range(…)', 'range takes 1 to 3 positional arguments');
      const vals = args.map((a) => intArg(a, 'range'));
      const start: Val = vals.length === 1 ? { e: ZERO, np: false, range: [0n, 0n] } : vals[0]!;
      const stop = vals.length === 1 ? vals[0]! : vals[1]!;
      const stepArg = vals[2];
      if (stepArg && stepArg.e.kind !== 'const')
        throw Refuse.at(args[2], show(args[2]), 'a range inside zip(…) or enumerate(…) is compiled with a constant step; loop over range(…) alone otherwise');
      const step = stepArg ? BigInt(stepArg.e.kind === 'const' ? stepArg.e.value : 1n) : 1n;
      if (step === 0n) throw Refuse.at(args[2], show(args[2]), 'range() with a step of 0 raises ValueError');
      // len(range(start, stop, step)): ceil((stop - start) / step), at least 0.
      const konst = (v: bigint): Val => ({ e: intConst(v), np: false, range: [v, v] });
      const span = step > 0n ? this.binop('Sub', stop, start, n) : this.binop('Sub', start, stop, n);
      const abs = step > 0n ? step : -step;
      const count = abs === 1n ? span : this.binop('FloorDiv', this.binop('Add', span, konst(abs - 1n), n), konst(abs), n);
      const len = once({ e: { kind: 'binary', type: 'int', op: 'int.max', left: count.e, right: ZERO, checked: false }, np: false, range: [0n, INT64_MAX] });
      return { kind: 'range', start, step, len, node: n };
    }
    if (this.builtinCall(n, 'enumerate')) {
      const startKw = keywords.find((k) => k.arg === 'start');
      if (args.length < 1 || args.length + keywords.length > 2 || keywords.length !== (startKw ? 1 : 0))
        throw Refuse.at(n, 'enumerate(…)', 'enumerate takes an iterable and a start');
      const inner = this.iterSource(args[0]!, pre, false);
      const startNode = args[1] ?? node(startKw?.value);
      const start = startNode ? intArg(startNode, 'enumerate') : undefined;
      return { kind: 'enumerate', inner, ...(start ? { start } : {}), node: n };
    }
    if (this.builtinCall(n, 'zip')) {
      if (keywords.length) throw Refuse.at(n, 'zip(…, strict=…)', "zip's keyword arguments are not compiled");
      if (!args.length) throw Refuse.at(n, 'zip()', 'zip() of nothing is empty; there is nothing to compile');
      return { kind: 'zip', parts: args.map((a) => this.iterSource(a, pre, false)), node: n };
    }
    if (n._type === 'Tuple' || n._type === 'List') return this.valuesSource(n, pre);
    if (n._type === 'Subscript' && node(n.slice)?._type === 'Slice') return this.sliceSource(n, pre, intArg);
    if (top && n._type === 'Call' && node(n.func)?._type === 'Name' && ['range', 'enumerate', 'zip'].includes(String(node(n.func)!.id)))
      throw Refuse.at(n, show(n), `${String(node(n.func)!.id)} is not the builtin here (the file or the function gives the name another value)`);
    throw Refuse.at(
      n,
      `for … in ${show(n)}`,
      top
        ? 'only loops over range(…), 1-D arrays (lists, tuples, strs, NumPy arrays), enumerate(…) and zip(…) of them are compiled'
        : 'enumerate(…) and zip(…) are compiled of 1-D arrays, range(…) and enumerate(…) or zip(…) of them',
    );
  }

  /**
   * `(-1, 0, 1)` or `[a, b]` in a for header: Python builds the tuple before the loop, each value evaluated once in
   * order (into a temporary unless a constant), then the target takes them in turn. The values are numbers of one type
   * (an int in one iteration and a float in the next is not one variable of the compiled code).
   */
  private valuesSource(n: PyNode, pre: PyStmt[]): IterSource {
    const elts = nodes(n.elts);
    if (!elts.length) throw Refuse.at(n, show(n), 'a loop over an empty tuple or list never runs its body; there is nothing to compile');
    if (elts.some((e) => e._type === 'Starred')) throw Refuse.at(n, show(n), 'a starred value (*rest) in a for header is not compiled');
    const vals = elts.map((e) => {
      const v = this.hoisting(pre, () => this.noChar(this.value(e), e));
      if (v.e.type !== 'int' && v.e.type !== 'float')
        throw Refuse.at(e, show(e), `the values a for header lists are compiled when they are numbers; this one is ${an(String(v.e.type))}`);
      return this.hold(pre, v);
    });
    const type = vals[0]!.e.type;
    if (vals.some((v) => v.e.type !== type))
      throw Refuse.at(n, show(n), 'the values mix ints and floats; the loop variable would change type between iterations, which the compiled code does not');
    if (vals.some((v) => v.np !== vals[0]!.np))
      throw Refuse.at(n, show(n), 'the values mix NumPy scalars and Python numbers; convert them with int() or float()');
    return { kind: 'values', vals, node: n };
  }

  /**
   * `for x in xs[a:]`, `zip(xs[i + 1:], ys[i + 1:])`: Python copies a list's slice before the loop (a NumPy slice is a
   * view), its bounds clamped as Python clamps them (a negative bound counts from the end). The compiled loop reads
   * the array itself, from start to start + len, which is the copy while nothing writes the array during the loop:
   * forOver refuses a loop over a slice whose body may write any array (sliceMayChange).
   */
  private sliceSource(n: PyNode, pre: PyStmt[], intArg: (a: PyNode, what: string) => Val): IterSource {
    const base = node(n.value)!;
    const sl = node(n.slice)!;
    const array = base._type === 'Name' ? this.arrayNamed(base) : undefined;
    if (array === undefined) throw Refuse.at(n, show(n), 'a slice is looped over when it is of a list, tuple, str or 1-D array held in a name');
    const a = this.arrays[array]!;
    if (a.type.ndim !== 1)
      throw Refuse.at(n, show(n), `a slice of a ${a.type.ndim}-D array gives rows, which the compiled code does not hold; loop over range(…) and index`);
    const step = node(sl.step);
    if (step && !(step._type === 'Constant' && step.value === null))
      throw Refuse.at(n, show(n), 'a slice with a step is not looped over; loop over range(start, stop, step) and index');
    const dim: PyExpr = { kind: 'dim', type: 'int', array, axis: 0 };
    const bound = (b: PyNode | undefined, absent: PyExpr): PyExpr => {
      if (!b || (b._type === 'Constant' && b.value === null)) return absent;
      const v = intArg(b, 'a slice').e;
      // Python: a negative bound counts from the end, then the bound is clamped to [0, len].
      const negative: PyExpr = { kind: 'binary', type: 'bool', op: 'int.lt', left: v, right: ZERO, checked: false };
      const fromEnd: PyExpr = { kind: 'binary', type: 'int', op: 'int.add', left: v, right: dim, checked: false };
      return {
        kind: 'cond',
        type: 'int',
        cond: negative,
        then: { kind: 'binary', type: 'int', op: 'int.max', left: fromEnd, right: ZERO, checked: false },
        else: { kind: 'binary', type: 'int', op: 'int.min', left: v, right: dim, checked: false },
      };
    };
    const held = (e: PyExpr): Val => {
      const v: Val = { e, np: false, range: [0n, INT64_MAX] };
      return e.kind === 'dim' ? v : this.hold(pre, v);
    };
    const start = held(bound(node(sl.lower), ZERO));
    const stop = held(bound(node(sl.upper), dim));
    // Both bounds lie in [0, len]: the difference cannot overflow.
    const len = held({
      kind: 'binary',
      type: 'int',
      op: 'int.max',
      left: { kind: 'binary', type: 'int', op: 'int.sub', left: stop.e, right: start.e, checked: false },
      right: ZERO,
      checked: false,
    });
    return { kind: 'slice', array, start, len, node: n, base };
  }

  /** Whether a loop over a slice could see the slice differ from the array: its body writes an element or calls a function that might. */
  private sliceMayChange(body: PyNode[]): PyNode | undefined {
    const pure = new Set(['abs', 'min', 'max', 'len', 'int', 'float', 'bool', 'range', 'enumerate', 'zip', 'sum', 'ord', 'round']);
    let found: PyNode | undefined;
    const storeTarget = (t: PyNode | undefined): PyNode | undefined =>
      !t
        ? undefined
        : t._type === 'Subscript'
          ? t
          : t._type === 'Tuple' || t._type === 'List'
            ? nodes(t.elts)
                .map(storeTarget)
                .find((x) => x)
            : undefined;
    const visit = (v: unknown): void => {
      if (found) return;
      if (Array.isArray(v)) return v.forEach(visit);
      const x = node(v);
      if (!x) return;
      if (x._type === 'Assign')
        found = nodes(x.targets)
          .map(storeTarget)
          .find((t) => t);
      else if (x._type === 'AugAssign' || x._type === 'AnnAssign') found = storeTarget(node(x.target));
      else if (x._type === 'Delete') found = x;
      if (found) return;
      if (x._type === 'Call') {
        const f = node(x.func)!;
        const builtin = f._type === 'Name' && pure.has(String(f.id)) && this.builtinCall(x, String(f.id));
        if (!builtin && !this.mathName(f)) found = x;
      }
      for (const [k, w] of Object.entries(x)) if (k !== '_type' && typeof w === 'object') visit(w);
    };
    visit(body);
    return found;
  }

  /** The arrays a source reads, each with the node that names it. */
  private sourceArrays(src: IterSource): { array: number; node: PyNode; axis: PyAxis }[] {
    if (src.kind === 'array') return [{ array: src.array, node: src.node, axis: 0 }];
    if (src.kind === 'row') return [{ array: src.array, node: src.node, axis: 1 }];
    if (src.kind === 'records') return [{ array: this.records.get(src.name)!.lists, node: src.node, axis: 0 }];
    if (src.kind === 'range' || src.kind === 'values') return [];
    if (src.kind === 'slice') return [{ array: src.array, node: src.base, axis: 0 }];
    if (src.kind === 'enumerate') return this.sourceArrays(src.inner);
    return src.parts.flatMap((p) => this.sourceArrays(p));
  }

  /** How many elements a source gives (evaluated once, before the loop): the shortest of a zip's parts. */
  private sourceLength(src: IterSource): PyExpr {
    if (src.kind === 'array') return { kind: 'dim', type: 'int', array: src.array, axis: 0 };
    if (src.kind === 'row') return { kind: 'dim', type: 'int', array: src.array, axis: 1 };
    if (src.kind === 'records') return { kind: 'dim', type: 'int', array: this.records.get(src.name)!.lists, axis: 0 };
    if (src.kind === 'range') return src.len.e;
    if (src.kind === 'values') return intConst(BigInt(src.vals.length));
    if (src.kind === 'slice') return src.len.e;
    if (src.kind === 'enumerate') return this.sourceLength(src.inner);
    return src.parts.map((p) => this.sourceLength(p)).reduce((a, b) => ({ kind: 'binary', type: 'int', op: 'int.min', left: a, right: b, checked: false }));
  }

  /** Element `index` of a 1-D array, known to be in range (unchecked): a character of a str, or a number. */
  private elementAt(array: number, index: PyExpr): Val {
    const a = this.arrays[array]!;
    return {
      e: { kind: 'load', type: a.type.element, array, indices: [index], checked: [false] },
      np: a.type.array === 'ndarray',
      ...(a.type.array === 'str' ? { range: [0n, MAX_CODE_POINT] as Range, char: true } : a.type.element === 'int' ? { range: FULL } : {}),
    };
  }

  /** A value evaluated once, into a temporary appended to `pre` (a constant stays as it is). */
  private hold(pre: PyStmt[], v: Val): Val {
    if (v.e.kind === 'const') return v;
    const type = v.e.type as PyScalar;
    const t = this.temp(type);
    pre.push({ kind: 'set', local: t, value: v.e });
    return { ...v, e: { kind: 'local', type, local: t } };
  }

  /** The element a source gives at the hidden counter `c` (0 ≤ c < its length): one value, or a tuple of them. */
  private sourceElement(src: IterSource, c: Val): SourceElement {
    switch (src.kind) {
      case 'records':
        return { record: src.name, c: c.e, node: src.node };
      case 'row': {
        // Element c of the row (c is below the row's length): read when Python's iterator reads it.
        const a = this.arrays[src.array]!;
        return {
          e: {
            kind: 'load',
            type: a.type.element,
            array: src.array,
            indices: [{ kind: 'local', type: 'int', local: src.local }, c.e],
            checked: [false, false],
          },
          np: a.type.array === 'ndarray',
          ...(a.type.element === 'int' ? { range: FULL } : {}),
        };
      }
      case 'array': {
        const a = this.arrays[src.array]!;
        if (a.type.ndim === 2) return { row: src.array, c: c.e, node: src.node };
        return this.elementAt(src.array, c.e);
      }
      case 'range': {
        // start + c * step lies between start and stop: no check is needed, and the range facts know it.
        const r = clamp(src.start.range);
        const offset: PyExpr = src.step === 1n ? c.e : { kind: 'binary', type: 'int', op: 'int.mul', left: c.e, right: intConst(src.step), checked: false };
        const e: PyExpr =
          src.start.e.kind === 'const' && src.start.e.value === 0n
            ? offset
            : { kind: 'binary', type: 'int', op: 'int.add', left: src.start.e, right: offset, checked: false };
        return { e, np: false, range: src.step > 0n ? [r[0], INT64_MAX] : [INT64_MIN, r[1]] };
      }
      case 'enumerate': {
        const index = src.start ? this.binop('Add', c, src.start, src.node) : c;
        return { tuple: [{ ...index, np: false }, this.sourceElement(src.inner, c)], node: src.node };
      }
      case 'zip':
        return { tuple: src.parts.map((p) => this.sourceElement(p, c)), node: src.node };
      case 'slice': {
        // Element start + c, below start + len <= the array's length: no check.
        const index: PyExpr =
          src.start.e.kind === 'const' && src.start.e.value === 0n
            ? c.e
            : { kind: 'binary', type: 'int', op: 'int.add', left: src.start.e, right: c.e, checked: false };
        return this.elementAt(src.array, index);
      }
      case 'values': {
        // c === 0 ? v0 : c === 1 ? v1 : … : the last value (c is below the count).
        const last = src.vals[src.vals.length - 1]!;
        let e = last.e;
        let range = last.range;
        for (let k = src.vals.length - 2; k >= 0; k--) {
          const v = src.vals[k]!;
          const at: PyExpr = { kind: 'binary', type: 'bool', op: 'int.eq', left: c.e, right: intConst(BigInt(k)), checked: false };
          e = { kind: 'cond', type: last.e.type as PyScalar, cond: at, then: v.e, else: e };
          range = range && v.range ? [min(range[0], v.range[0]), max(range[1], v.range[1])] : undefined;
        }
        return { e, np: last.np, ...(range ? { range } : {}) };
      }
    }
  }

  /**
   * `for target in <source>` other than a plain range: a hidden counter runs over the source's length (the shortest of
   * a zip's parts, read once: the body may neither grow nor reassign an array it reads), and the target is assigned the
   * element first in the body, unpacked. An enumerate's index counted from 0 knows what the counter knows (below each
   * array's length) when only for headers assign its name.
   */
  private forOver(s: PyNode, target: PyNode, iter: PyNode): PyStmt[] {
    const pre: PyStmt[] = [];
    const src = this.iterSource(iter, pre, true);
    const what = `for ${targetNames(target)?.join(', ') ?? show(target)} in ${show(iter)}`;
    const arrays = this.sourceArrays(src);
    const written = assignedNames(nodes(s.body)).all;
    const grown = appendedNames(nodes(s.body));
    const slices = (x: IterSource): boolean => x.kind === 'slice' || (x.kind === 'enumerate' && slices(x.inner)) || (x.kind === 'zip' && x.parts.some(slices));
    if (slices(src)) {
      const change = this.sliceMayChange(nodes(s.body));
      if (change)
        throw Refuse.at(
          change,
          show(change),
          `the loop iterates over a slice (a copy of the list, made before the loop) and this may change an array while it runs; loop over range(…) and index instead`,
        );
    }
    for (const { array, node: at } of arrays) {
      // Python's iterators read the length at each step; the compiled loop reads it once, which is the same only
      // while the body neither grows the list nor gives the name another array.
      const name = at._type === 'Name' ? String(at.id) : this.arrays[array]!.name;
      if (grown.has(name) || written.has(name))
        throw Refuse.at(s, what, `the loop appends to ${name} or assigns it while iterating over it; loop over range(len(…)) instead`);
    }
    const counter = this.temp('int');
    const info = this.localInfo(counter)!;
    info.range = [0n, INT64_MAX - 1n];
    const below: Below[] = [];
    for (const { array, axis } of arrays) {
      const key = this.dimKey(array, axis);
      if (key) below.push({ dim: key.key, slack: key.offset });
    }
    info.below = below;
    const c: Val = { e: { kind: 'local', type: 'int', local: counter }, np: false, range: info.range };
    const stop = this.sourceLength(src);
    const label = this.labels++;
    const before = new Set(this.defined);
    this.loops.push(label);
    const facts: string[] = [];
    const first = this.bindTarget(target, this.sourceElement(src, c), s);
    // `for i, x in enumerate(a)`: i is the counter, whatever the body does to it at the end of an iteration.
    if (src.kind === 'enumerate' && !src.start && (target._type === 'Tuple' || target._type === 'List')) {
      const index = nodes(target.elts)[0];
      const name = index?._type === 'Name' ? String(index.id) : undefined;
      if (name !== undefined && this.forOnly.has(name) && this.info.get(name)?.type === 'int') {
        const ii = this.info.get(name)!;
        ii.range = [0n, INT64_MAX - 1n];
        ii.below = this.sourceArrays(src.inner).length ? [...below] : [];
        facts.push(name);
      }
    }
    for (const name of facts) this.activeFor.add(name);
    const body = [...first, ...this.block(nodes(s.body))];
    for (const name of facts) {
      this.activeFor.delete(name);
      const ii = this.info.get(name)!;
      ii.range = FULL;
      ii.below = [];
    }
    this.loops.pop();
    this.defined = before;
    return [
      ...pre,
      {
        kind: 'for',
        label,
        local: counter,
        start: ZERO,
        stop,
        step: 1n,
        body,
      },
    ];
  }

  /**
   * A row of a 2-D list or array (a record: `for x, y, m in bodies`) unpacked into names: Python raises ValueError when
   * the row's length is not the number of names, so the compiled code bails out there (every row has one length).
   */
  private bindRow(target: PyNode, v: { row: number; c: PyExpr; node: PyNode }): PyStmt[] {
    const a = this.arrays[v.row]!;
    const elts = target._type === 'Tuple' || target._type === 'List' ? nodes(target.elts) : [];
    if (!elts.length || elts.some((e) => e._type !== 'Name'))
      throw Refuse.at(
        target,
        show(target),
        `each element of ${show(v.node)} is a row, which the compiled code does not hold in one name; unpack it into names (for x, y, m in ${show(v.node)}) or loop over range(len(…)) and index`,
      );
    const k = BigInt(elts.length);
    const out: PyStmt[] = [
      {
        kind: 'if',
        cond: { kind: 'binary', type: 'bool', op: 'int.ne', left: { kind: 'dim', type: 'int', array: v.row, axis: 1 }, right: intConst(k), checked: false },
        then: [{ kind: 'bail', reason: `a row of ${a.name} does not have ${k} values (Python raises ValueError)` }],
        else: [],
      },
    ];
    elts.forEach((e, j) => {
      const val: Val = {
        // Row c exists (c is below the row count) and has k values (checked above).
        e: { kind: 'load', type: a.type.element, array: v.row, indices: [v.c, intConst(BigInt(j))], checked: [false, false] },
        np: a.type.array === 'ndarray',
        ...(a.type.element === 'int' ? { range: FULL } : {}),
      };
      out.push(...this.bindTarget(e, val, target));
    });
    return out;
  }

  /**
   * A record of a list of records (recordParam) unpacked in a for target, its parts in order: a float into a name, a
   * list into a name (which then stands for that row of the pool: `v1[0] -= …` writes the very list) or into names
   * (`[x1, y1, z1]`: its values now; Python raises ValueError when the list has another length, the compiled code
   * bails out), a tuple into a tuple of targets again.
   */
  private bindRecord(target: PyNode, v: { record: string; c: PyExpr; node: PyNode }): PyStmt[] {
    const r = this.records.get(v.record)!;
    const pool = this.pool!;
    const out: PyStmt[] = [];
    const next = { list: 0, float: 0 };
    const walk = (t: PyNode, shape: PyRecordShape): void => {
      const elts = t._type === 'Tuple' || t._type === 'List' ? nodes(t.elts) : undefined;
      if (Array.isArray(shape)) {
        if (!elts)
          throw Refuse.at(
            t,
            show(t),
            `the records of ${v.record} are ${pyRecordShapeName(shape)}, which the compiled code does not hold in one name; unpack each part in the for target (for (r, v, m) in ${v.record})`,
          );
        if (elts.some((e) => e._type === 'Starred')) throw Refuse.at(t, show(t), 'a starred target (*rest) is not compiled');
        if (elts.length !== shape.length)
          throw Refuse.at(t, show(t), `the records of ${v.record} hold ${shape.length} values here, not ${elts.length} (Python raises ValueError)`);
        elts.forEach((e, i) => walk(e, shape[i]!));
        return;
      }
      if (shape === 'float') {
        const f = next.float++;
        if (t._type !== 'Name') throw Refuse.at(t, show(t), `a float of the records of ${v.record} cannot be unpacked (Python raises TypeError)`);
        const e: PyExpr = { kind: 'load', type: 'float', array: r.floats, indices: [v.c, intConst(BigInt(f))], checked: [false, false] };
        out.push(...this.bindTarget(t, { e, np: false }, t));
        return;
      }
      const k = next.list++;
      const row: PyExpr = { kind: 'load', type: 'int', array: r.lists, indices: [v.c, intConst(BigInt(k))], checked: [false, false] };
      if (t._type === 'Name') {
        out.push({ kind: 'set', local: this.aliasLocal(String(t.id), t), value: row });
        this.defined.add(String(t.id));
        return;
      }
      if (!elts || elts.some((e) => e._type === 'Starred'))
        throw Refuse.at(t, show(t), `a list of the records of ${v.record} is assigned to a name or unpacked into names`);
      const at = this.temp('int');
      out.push({ kind: 'set', local: at, value: row });
      out.push({
        kind: 'if',
        cond: {
          kind: 'binary',
          type: 'bool',
          op: 'int.ne',
          left: { kind: 'dim', type: 'int', array: pool, axis: 1 },
          right: intConst(BigInt(elts.length)),
          checked: false,
        },
        then: [{ kind: 'bail', reason: `a list in ${v.record} does not have ${elts.length} values (Python raises ValueError)` }],
        else: [],
      });
      elts.forEach((e, j) => {
        const load: PyExpr = {
          kind: 'load',
          type: 'float',
          array: pool,
          indices: [{ kind: 'local', type: 'int', local: at }, intConst(BigInt(j))],
          checked: [false, false],
        };
        out.push(...this.bindTarget(e, { e: load, np: false }, t));
      });
    };
    walk(target, r.shape);
    return out;
  }

  /** What a name in `aliases` stands for, in words: `a list inside a record`, `a row of dist`. */
  private aliasWhat(name: string): string {
    const a = this.aliases.get(name)!.array;
    return a === this.pool ? 'a list inside a record' : `a row of ${this.arrays[a]!.name}`;
  }

  /** The int local that holds the pool row a name bound to a list of a record stands for (see bindRecord). */
  private aliasLocal(name: string, at: PyNode): number {
    const known = this.aliases.get(name);
    if (known !== undefined && known.array === this.pool) return known.local;
    if (!this.forOnly.has(name) || this.info.has(name) || this.arrayByName.has(name) || this.complexLocals.has(name))
      throw Refuse.at(
        at,
        name,
        `${name} is bound to a list of a record here and given another value elsewhere in the function; the compiled code keeps such a name for the list only`,
      );
    const slot = this.temp('int');
    this.aliases.set(name, { array: this.pool!, local: slot });
    return slot;
  }

  /** The 2-D array `a` of `a[i]` (one index, not a slice): the value is then a row of it, not a number. */
  private rowOf(value: PyNode): number | undefined {
    if (value._type !== 'Subscript') return undefined;
    const base = node(value.value);
    const idx = sliceOf(value);
    if (base?._type !== 'Name' || !idx || idx._type === 'Slice' || idx._type === 'Tuple') return undefined;
    const slot = this.arrayByName.get(String(base.id));
    return slot !== undefined && this.arrays[slot]!.type.ndim === 2 ? slot : undefined;
  }

  /**
   * `row = a[i]` of a 2-D list of lists or NumPy array: `row` stands for row i of `a` itself (in Python the very
   * list, or a view), so `row[j]` reads and writes `a[i][j]` and whatever writes through `a` or another name for the
   * row shows through it too. The index is taken once, as Python takes it (a negative one counts from the end; one out
   * of range bails out: IndexError). Exact only while `a` keeps its rows: a parameter never reassigned, or a list built
   * in one place outside any loop (a row of a list built again would outlive it in Python).
   */
  private bindRowAlias(name: string, value: PyNode, at: PyNode): PyStmt[] {
    const base = node(value.value)!;
    const baseName = String(base.id);
    const array = this.arrayNamed(base)!;
    const a = this.arrays[array]!;
    const what = `${name} = ${show(value)}`;
    this.checkAssignable(name, at);
    const bound = this.rowBound.get(name);
    const known = this.aliases.get(name);
    if (
      bound?.base !== baseName ||
      bound.count !== this.assigned.get(name) ||
      (known && known.array !== array) ||
      this.info.has(name) ||
      this.arrayByName.has(name) ||
      this.complexLocals.has(name) ||
      this.records.has(name)
    )
      throw Refuse.at(
        at,
        what,
        `${name} is bound to a row of ${baseName} here and given another value elsewhere in the function; the compiled code keeps such a name for rows of one array`,
      );
    if (a.local ? this.allocSites(baseName) > 1 || this.swaps.has(baseName) || this.allocatedInLoop.has(baseName) : this.assigned.has(baseName))
      throw Refuse.at(
        at,
        what,
        `${baseName} is given another list in the function${a.local ? ' (or built in a loop)' : ''}, and a row taken before would still be the old list's in Python; index ${baseName}[i][j] instead`,
      );
    const ix = this.index(sliceOf(value)!, array, 0);
    const local = known?.local ?? this.temp('int');
    const at_ = (): PyExpr => ({ kind: 'local', type: 'int', local });
    const rows: PyExpr = { kind: 'dim', type: 'int', array, axis: 0 };
    const out: PyStmt[] = [{ kind: 'set', local, value: ix.e }];
    if (ix.checked) {
      // As a checked load indexes: a negative index counts from the end; outside the rows bails out (IndexError).
      const cmp = (op: 'int.lt' | 'int.ge', right: PyExpr): PyExpr => ({ kind: 'binary', type: 'bool', op, left: at_(), right, checked: false });
      out.push(
        {
          kind: 'if',
          cond: cmp('int.lt', ZERO),
          then: [{ kind: 'set', local, value: { kind: 'binary', type: 'int', op: 'int.add', left: at_(), right: rows, checked: false } }],
          else: [],
        },
        {
          kind: 'if',
          cond: { kind: 'cond', type: 'bool', cond: cmp('int.lt', ZERO), then: TRUE, else: cmp('int.ge', rows) },
          then: [{ kind: 'bail', reason: `${what}: the row index is out of range (Python raises IndexError)` }],
          else: [],
        },
      );
    }
    this.aliases.set(name, { array, local });
    this.defined.add(name);
    return out;
  }

  /**
   * `prev = cur` of two lists (or arrays) the function builds: the names then share one list in Python. The compiled
   * code moves cur's list to prev (a swap, prev's old list going to cur), which is the same wherever cur is given a new
   * list before it is read again (`prev = cur` at the end of a loop whose next pass builds cur anew): checked on the
   * whole function once it is lowered (movedLive), refused elsewhere.
   */
  private moveArray(name: string, value: PyNode, at: PyNode): PyStmt[] {
    const from = this.arrayNamed(value)!;
    const f = this.arrays[from]!;
    const what = `${name} = ${String(value.id)}`;
    this.checkAssignable(name, at);
    if (!f.local)
      throw Refuse.at(at, what, `${name} would be a second name for the argument ${f.name}, which the compiled code does not keep; index ${f.name} itself`);
    if (this.aliases.has(name) || this.complexLocals.has(name) || this.info.has(name))
      throw Refuse.at(at, what, `${name} holds another kind of value elsewhere: Python lets a variable change type, the compiled code does not`);
    const existing = this.arrayByName.get(name);
    if (existing !== undefined && !this.arrays[existing]!.local)
      throw Refuse.at(at, name, `the array parameter ${name} is assigned in the function; only its elements may be`);
    if (name === String(value.id)) return [];
    const to = this.localArray(name, f.type, at);
    if (!this.arrays[to]!.growable !== !f.growable) throw new Error(`${name} takes ${f.name}'s list but only one of them grows`);
    // A name not yet bound gets an empty array first, which the move hands to the other name (never read there).
    const out: PyStmt[] = this.defined.has(name) ? [] : [alloc(to, Array<PyExpr>(f.type.ndim).fill(ZERO), zeroOf(f.type.element))];
    const move: PyStmt = { kind: 'swap', a: to, b: from };
    this.moves.set(move, { from, to, at });
    this.defined.add(name);
    return [...out, move];
  }

  /** Assigns a loop's element to its target, unpacking tuples as Python does (the element is read whole first). */
  private bindTarget(target: PyNode, v: SourceElement, s: PyNode): PyStmt[] {
    if ('row' in v) return this.bindRow(target, v);
    if ('record' in v) return this.bindRecord(target, v);
    if (target._type === 'Name') {
      if ('tuple' in v)
        throw Refuse.at(
          target,
          String(target.id),
          `${show(v.node)} gives tuples, which the compiled code does not hold in one name; unpack them: for i, x in …`,
        );
      if (this.activeFor.has(String(target.id)))
        throw Refuse.at(
          target,
          String(target.id),
          `the loop variable ${String(target.id)} of an enclosing loop is reused by an inner loop; name it differently`,
        );
      return this.assignLocal(String(target.id), v, target);
    }
    if (target._type === 'Tuple' || target._type === 'List') {
      const elts = nodes(target.elts);
      if (!('tuple' in v)) throw Refuse.at(target, show(target), 'the elements are numbers, which cannot be unpacked (Python raises TypeError)');
      if (elts.some((e) => e._type === 'Starred')) throw Refuse.at(target, show(target), 'a starred target (*rest) is not compiled');
      if (elts.length !== v.tuple.length)
        throw Refuse.at(target, show(target), `each element has ${v.tuple.length} values, not ${elts.length} (Python raises ValueError)`);
      return elts.flatMap((e, i) => this.bindTarget(e, v.tuple[i]!, s));
    }
    throw Refuse.at(target, show(target), 'a loop assigns only names and tuples of names');
  }

  private intArg(a: PyNode, what: string): Val {
    const v = this.expr(a);
    this.plainBool(v, a, `${what}() of`);
    if (v.e.type === 'int') return v;
    if (v.e.type === 'bool') return { e: { kind: 'unary', type: 'int', op: 'int.from_bool', arg: v.e, checked: false }, np: false, range: [0n, 1n] };
    throw Refuse.at(a, show(a), `${what} needs an int here, not a ${v.e.type} (Python raises TypeError)`);
  }

  private isLocalName(name: string): boolean {
    return this.assigned.has(name) || this.arrayByName.has(name) || this.info.has(name);
  }

  // ----- complex numbers

  /**
   * Whether an expression is a Python complex: a `1j` literal, `complex(…)`, a complex local, `z.conjugate()`, or
   * arithmetic with one. The compiled code holds a complex as two float locals (its real and imaginary parts) and
   * computes each operation with CPython's own formulas (Objects/complexobject.c), not C's complex arithmetic.
   */
  private isComplex(n: PyNode | undefined): boolean {
    if (!n) return false;
    switch (n._type) {
      case 'Constant':
        return 'complex' in (n.value as object);
      case 'Name':
        return this.complexLocals.has(String(n.id));
      case 'BinOp':
        return this.isComplex(node(n.left)) || this.isComplex(node(n.right));
      case 'UnaryOp':
        return (n.op === 'USub' || n.op === 'UAdd') && this.isComplex(node(n.operand));
      case 'Call': {
        const f = node(n.func)!;
        if (f._type === 'Name' && String(f.id) === 'complex') return !this.isLocalName('complex') && !('complex' in this.mod.ast.functions);
        return f._type === 'Attribute' && String(f.attr) === 'conjugate' && this.isComplex(node(f.value));
      }
      default:
        return false;
    }
  }

  /** A real operand of complex arithmetic, as the float CPython converts it to (an int exactly rounded, a bool 0.0 / 1.0). */
  private realPart(n: PyNode): PyExpr {
    const v = this.expr(n);
    if (v.np !== false)
      throw Refuse.at(n, show(n), 'a NumPy scalar in complex arithmetic gives a NumPy complex, which is not compiled; convert it with float()');
    if (v.e.type === 'float') return v.e;
    if (v.e.type === 'int') return { kind: 'unary', type: 'float', op: 'float.from_int', arg: v.e, checked: false };
    if (v.e.type === 'bool') return { kind: 'unary', type: 'float', op: 'float.from_bool', arg: v.e, checked: false };
    throw Refuse.at(n, show(n), `${an(pyTypeName(v.e.type))} is not a number complex arithmetic takes`);
  }

  /** A complex value's two parts (side-effect free: locals, constants and arithmetic on them). */
  private cx(n: PyNode): Cx {
    switch (n._type) {
      case 'Constant': {
        const [re, im] = (n.value as { complex: [string, string] }).complex;
        return { re: fconst(parseFloatHex(re)), im: fconst(parseFloatHex(im)) };
      }
      case 'Name': {
        const name = String(n.id);
        if (!this.defined.has(name))
          throw Refuse.at(n, name, `${name} may be read before it is assigned (Python would raise UnboundLocalError); assign it first on every path`);
        const [re, im] = this.complexLocals.get(name)!;
        return { re: { kind: 'local', type: 'float', local: re }, im: { kind: 'local', type: 'float', local: im } };
      }
      case 'UnaryOp': {
        const z = this.cx(node(n.operand)!);
        if (n.op === 'UAdd') return z;
        return { re: fneg(z.re), im: fneg(z.im) };
      }
      case 'Call': {
        const f = node(n.func)!;
        const args = nodes(n.args);
        if (nodes(n.keywords).length) throw Refuse.at(n, show(n), 'keyword arguments of complex() are not compiled');
        if (f._type === 'Attribute') {
          if (args.length) throw Refuse.at(n, show(n), 'conjugate() takes no arguments');
          const z = this.cx(node(f.value)!);
          return { re: z.re, im: fneg(z.im) };
        }
        if (args.length > 2) throw Refuse.at(n, show(n), 'complex() takes at most two arguments');
        if (args.some((a) => this.isComplex(a) || (a._type === 'Constant' && 'str' in (a.value as object))))
          throw Refuse.at(n, show(n), 'complex() is compiled from real numbers only (complex(x, y), complex(x))');
        // complex(x, y) of real numbers is exactly (float(x), float(y)).
        const [re, im] = [args[0] ? this.realPart(args[0]) : fconst(0), args[1] ? this.realPart(args[1]) : fconst(0)];
        return { re, im };
      }
      case 'BinOp':
        return this.cxBinop(n);
      default:
        throw Refuse.at(n, show(n), 'this complex expression is not compiled (complex(x, y), 1j literals, complex locals, + - * /, z.conjugate() are)');
    }
  }

  /** An operand of complex arithmetic: a complex, or a real number CPython first turns into complex(x, 0.0). */
  private cxOperand(n: PyNode, at: PyNode): Cx {
    if (this.isComplex(n)) return this.cx(n);
    if (pythonAtLeast(this.mod.ast.python, 3, 14))
      throw Refuse.at(
        at,
        show(at),
        'arithmetic between a complex and a real number follows the mixed-mode rules of Python 3.14, which are not compiled; write the real number as complex(x, 0.0)',
      );
    return { re: this.realPart(n), im: fconst(0) };
  }

  private cxBinop(n: PyNode): Cx {
    const op = String(n.op);
    const a = this.cxOperand(node(n.left)!, n);
    const b = this.cxOperand(node(n.right)!, n);
    switch (op) {
      case 'Add':
        return { re: fbin('float.add', a.re, b.re), im: fbin('float.add', a.im, b.im) };
      case 'Sub':
        return { re: fbin('float.sub', a.re, b.re), im: fbin('float.sub', a.im, b.im) };
      case 'Mult': {
        // _Py_c_prod: no special cases for infinities or NaN (C's Annex G has some; CPython does not).
        const [x, y] = [this.cxSettled(a, n), this.cxSettled(b, n)];
        return {
          re: fbin('float.sub', fbin('float.mul', x.re, y.re), fbin('float.mul', x.im, y.im)),
          im: fbin('float.add', fbin('float.mul', x.re, y.im), fbin('float.mul', x.im, y.re)),
        };
      }
      case 'Div':
        return this.cxDiv(this.cxSettled(a, n), this.cxSettled(b, n), n);
      case 'Pow':
        throw Refuse.at(n, show(n), 'a complex power is not compiled (CPython computes it with its own algorithm); write z * z');
      default:
        throw Refuse.at(n, show(n), `${op} of a complex is not compiled (Python raises TypeError for // and %)`);
    }
  }

  /** A complex held in two temporaries (hoisted before the statement) unless its parts are already locals or constants. */
  private cxSettled(z: Cx, at: PyNode): Cx {
    const simple = (e: PyExpr) => e.kind === 'local' || e.kind === 'const';
    if (simple(z.re) && simple(z.im)) return z;
    if (this.pre === null || this.lazy > 0)
      throw Refuse.at(
        at,
        show(at),
        'complex products, quotients and abs() of computed values in a while condition, a conditional expression, and / or or a comparison chain are not compiled; compute the value in a variable first',
      );
    const [re, im] = [this.temp('float'), this.temp('float')];
    this.pre.push({ kind: 'set', local: re, value: z.re }, { kind: 'set', local: im, value: z.im });
    return { re: { kind: 'local', type: 'float', local: re }, im: { kind: 'local', type: 'float', local: im } };
  }

  /**
   * a / b as CPython's _Py_c_quot computes it (Smith's method, dividing by the larger part of b): a zero divisor bails
   * out (Python raises ZeroDivisionError), and so does a result whose two parts are both NaN (Python 3.14 recovers
   * infinities and zeros there, earlier versions do not; the original gives whichever its version gives).
   */
  private cxDiv(a: Cx, b: Cx, at: PyNode): Cx {
    if (this.pre === null || this.lazy > 0)
      throw Refuse.at(
        at,
        show(at),
        'a complex division in a while condition or an expression Python evaluates only sometimes is not compiled; compute it in a variable first',
      );
    const t = () => this.temp('float');
    const [abr, abi, ratio, denom, re, im] = [t(), t(), t(), t(), t(), t()];
    const l = (slot: number): PyExpr => ({ kind: 'local', type: 'float', local: slot });
    const set = (slot: number, value: PyExpr): PyStmt => ({ kind: 'set', local: slot, value });
    const div = (x: PyExpr, y: PyExpr): PyExpr => ({ kind: 'binary', type: 'float', op: 'float.div', left: x, right: y, checked: true });
    const ge = (x: PyExpr, y: PyExpr): PyExpr => ({ kind: 'binary', type: 'bool', op: 'float.ge', left: x, right: y, checked: false });
    const isnan = (x: PyExpr): PyExpr => ({ kind: 'unary', type: 'bool', op: 'bool.isnan', arg: x, checked: false });
    this.pre.push(
      set(abr, { kind: 'unary', type: 'float', op: 'float.abs', arg: b.re, checked: false }),
      set(abi, { kind: 'unary', type: 'float', op: 'float.abs', arg: b.im, checked: false }),
      {
        kind: 'if',
        cond: ge(l(abr), l(abi)),
        then: [
          {
            kind: 'if',
            cond: { kind: 'binary', type: 'bool', op: 'float.eq', left: l(abr), right: fconst(0), checked: false },
            then: [{ kind: 'bail', reason: 'complex division by zero' }],
            else: [],
          },
          set(ratio, div(b.im, b.re)),
          set(denom, fbin('float.add', b.re, fbin('float.mul', b.im, l(ratio)))),
          set(re, div(fbin('float.add', a.re, fbin('float.mul', a.im, l(ratio))), l(denom))),
          set(im, div(fbin('float.sub', a.im, fbin('float.mul', a.re, l(ratio))), l(denom))),
        ],
        else: [
          {
            kind: 'if',
            cond: ge(l(abi), l(abr)),
            then: [
              set(ratio, div(b.re, b.im)),
              set(denom, fbin('float.add', fbin('float.mul', b.re, l(ratio)), b.im)),
              set(re, div(fbin('float.add', fbin('float.mul', a.re, l(ratio)), a.im), l(denom))),
              set(im, div(fbin('float.sub', fbin('float.mul', a.im, l(ratio)), a.re), l(denom))),
            ],
            // A part of b is NaN.
            else: [set(re, fconst(NaN)), set(im, fconst(NaN))],
          },
        ],
      },
      {
        kind: 'if',
        cond: cond(isnan(l(re)), isnan(l(im)), FALSE),
        then: [{ kind: 'bail', reason: 'complex quotient NaN in both parts' }],
        else: [],
      },
    );
    return { re: l(re), im: l(im) };
  }

  /** The two float locals of a complex local (its real and imaginary parts), made at its first use. */
  private complexSlots(name: string): [number, number] {
    let slots = this.complexLocals.get(name);
    if (!slots) {
      slots = [0, 1].map((k) => {
        const slot = this.locals.length;
        this.locals.push({ name: `_pl_c_${name}_${k ? 'im' : 're'}`, type: 'float' });
        return slot;
      }) as [number, number];
      this.complexLocals.set(name, slots);
    }
    return slots;
  }

  /**
   * `return <complex>` from the function optimized: its two parts in a local float64 array of 2, which the wrapper
   * turns into complex(re, im) (exactly those parts).
   */
  private returnComplex(value: PyNode, s: PyNode): PyStmt[] {
    if (!this.isEntry)
      throw Refuse.at(s, show(value), `${this.name} returns a complex to the function that calls it; a complex is returned only by the function optimized`);
    if (this.result !== undefined && !this.resultComplex)
      throw Refuse.at(s, 'return', `${this.name} returns ${an(pyTypeName(this.result))} elsewhere and a complex here: the compiled code has one result type`);
    const z = this.cx(value);
    const type: PyArrayType = { array: 'ndarray', element: 'float', ndim: 1 };
    const slot = this.localArray('_pl_complex_result', type, s);
    const at = (k: bigint): PyExpr => ({ kind: 'const', type: 'int', value: k });
    this.result = type;
    this.resultComplex = true;
    return [
      { kind: 'alloc', array: slot, dims: [at(2n)], fill: fconst(0) },
      { kind: 'store', array: slot, indices: [at(0n)], checked: [false], value: z.re },
      { kind: 'store', array: slot, indices: [at(1n)], checked: [false], value: z.im },
      { kind: 'return', array: slot },
    ];
  }

  /** `z = <complex>`: both parts computed first (they may read z), then stored. */
  private assignComplex(name: string, value: PyNode, at: PyNode): PyStmt[] {
    this.checkAssignable(name, at);
    if (this.info.has(name) || this.arrayByName.has(name))
      throw Refuse.at(at, name, `${name} holds a complex here and another type elsewhere: Python lets a variable change type, the compiled code does not`);
    if (!this.isComplex(value))
      throw Refuse.at(at, name, `${name} holds a complex and then ${show(value)}: Python lets a variable change type, the compiled code does not`);
    const z = this.cx(value);
    const slots = this.complexSlots(name);
    const [re, im] = [this.temp('float'), this.temp('float')];
    this.defined.add(name);
    return [
      { kind: 'set', local: re, value: z.re },
      { kind: 'set', local: im, value: z.im },
      { kind: 'set', local: slots[0], value: { kind: 'local', type: 'float', local: re } },
      { kind: 'set', local: slots[1], value: { kind: 'local', type: 'float', local: im } },
    ];
  }

  /** `abs(z)`: CPython's _Py_c_abs is the C library's hypot (an infinite part gives inf even beside NaN), and overflow raises OverflowError: the checked math hypot. */
  private cxAbs(n: PyNode, at: PyNode): Val {
    const z = this.cxSettled(this.cx(n), at);
    return { e: { kind: 'math', type: 'float', fn: 'hypot', args: [z.re, z.im] }, np: false };
  }

  /** `z == w`, `z != w` with a complex operand: both parts equal (an int operand compared exactly, as Python does). */
  private cxCompare(op: string, l: PyNode, r: PyNode, at: PyNode): Val {
    if (op !== 'Eq' && op !== 'NotEq') throw Refuse.at(at, show(at), 'complex numbers are not ordered (Python raises TypeError)');
    const part = (n: PyNode): Cx => {
      if (this.isComplex(n)) return this.cx(n);
      const v = this.expr(n);
      if (v.np !== false) throw Refuse.at(n, show(n), 'a NumPy scalar compared with a complex is not compiled');
      const re: PyExpr =
        v.e.type === 'int'
          ? { kind: 'unary', type: 'float', op: 'float.from_int_exact', arg: v.e, checked: true }
          : v.e.type === 'bool'
            ? { kind: 'unary', type: 'float', op: 'float.from_bool', arg: v.e, checked: false }
            : v.e;
      if (re.type !== 'float') throw Refuse.at(n, show(n), `${an(pyTypeName(v.e.type))} compared with a complex is not compiled`);
      return { re, im: fconst(0) };
    };
    const [a, b] = [part(l), part(r)];
    const feq = (x: PyExpr, y: PyExpr): PyExpr => ({ kind: 'binary', type: 'bool', op: 'float.eq', left: x, right: y, checked: false });
    const eq = cond(feq(a.re, b.re), feq(a.im, b.im), FALSE);
    return { e: op === 'Eq' ? eq : { kind: 'unary', type: 'bool', op: 'bool.not', arg: eq, checked: false }, np: false };
  }

  // ----- expressions

  /** A condition: any scalar, by Python's truth value. */
  private test(n: PyNode): Val {
    if (n._type === 'BoolOp') {
      // Operands after the first are evaluated only sometimes.
      const values = nodes(n.values).map((v, i) => (i === 0 ? this.test(v) : this.lazily(() => this.test(v))));
      const and = n.op === 'And';
      const e = values.reduceRight<PyExpr | undefined>((acc, v) => (acc === undefined ? v.e : and ? cond(v.e, acc, FALSE) : cond(v.e, TRUE, acc)), undefined)!;
      return { e, np: false };
    }
    if (n._type === 'UnaryOp' && n.op === 'Not') return { e: not(this.test(node(n.operand)!).e), np: false };
    // Only the truth of a comparison counts here, not whether it is a NumPy bool.
    if (n._type === 'Compare') return { e: this.compare(n, true).e, np: false };
    return { e: truthy(this.expr(n)), np: false };
  }

  /** A value used as a number (or bool): a character is refused here. */
  expr(n: PyNode): Val {
    return this.noChar(this.value(n), n);
  }

  private noChar(v: Val, n: PyNode): Val {
    if (v.char)
      throw Refuse.at(
        n,
        show(n),
        'a character (an element of a str) is compiled where it is compared, assigned to a name or given to ord(); Python would treat it as a str here',
      );
    return v;
  }

  /** Any value, a character included (compared, assigned, given to ord()). */
  private value(n: PyNode): Val {
    if (this.isComplex(n))
      throw Refuse.at(n, show(n), 'a complex value is compiled where it is assigned to a name or used in complex arithmetic, abs(), .real, .imag and == / !=');
    switch (n._type) {
      case 'Constant':
        return this.constant(n);
      case 'Name':
        return this.name_(n);
      case 'BinOp':
        return this.binop(String(n.op), this.operand(node(n.left)!), this.operand(node(n.right)!), n);
      case 'UnaryOp':
        return this.unary(n);
      case 'BoolOp': {
        const values = nodes(n.values).map((v, i) => (i === 0 ? this.expr(v) : this.lazily(() => this.expr(v))));
        if (values.some((v) => v.e.type !== 'bool')) {
          throw Refuse.at(
            n,
            n.op === 'And' ? 'and' : 'or',
            'and / or on values that are not bools returns one of the operands in Python; compile it as a condition (in if / while) or compare explicitly',
          );
        }
        // The operand that decides is returned as it is: a Python bool or a NumPy bool.
        const and = n.op === 'And';
        const np = values.reduceRight<Np | undefined>(
          (acc, v) => (acc === undefined ? v.np : and ? this.npCond(v.e, acc, v.np, n) : this.npCond(v.e, v.np, acc, n)),
          undefined,
        )!;
        const e = values.reduceRight<PyExpr | undefined>(
          (acc, v) => (acc === undefined ? v.e : and ? cond(v.e, acc, FALSE) : cond(v.e, TRUE, acc)),
          undefined,
        )!;
        return { e, np };
      }
      case 'Compare':
        return this.compare(n);
      case 'IfExp': {
        const c = this.test(node(n.test)!);
        // Each branch's own hoisted statements (a comprehension, a sum) run only in that branch.
        const preA: PyStmt[] = [];
        const preB: PyStmt[] = [];
        const branch = (pre: PyStmt[], b: PyNode) =>
          this.pre === null || this.lazy > 0 ? this.lazily(() => this.expr(b)) : this.hoisting(pre, () => this.expr(b));
        const a = branch(preA, node(n.body)!);
        const b = branch(preB, node(n.orelse)!);
        if (a.e.type !== b.e.type)
          throw Refuse.at(n, '… if … else …', `the two branches give ${an(String(a.e.type))} and ${an(String(b.e.type))}; the compiled code has one type`);
        if (preA.length || preB.length) {
          // `max(xs) if xs else 0`: an if statement that runs first, each branch with what it needs.
          if (typeof a.np !== 'boolean' || a.np !== b.np)
            throw Refuse.at(n, '… if … else …', 'one branch gives a NumPy scalar and the other a Python number; convert them with int() or float()');
          const t = this.temp(a.e.type as PyScalar);
          this.hoist(
            [{ kind: 'if', cond: c.e, then: [...preA, { kind: 'set', local: t, value: a.e }], else: [...preB, { kind: 'set', local: t, value: b.e }] }],
            n,
          );
          return {
            e: { kind: 'local', type: a.e.type as PyScalar, local: t },
            np: a.np,
            ...(a.range && b.range ? { range: [min(a.range[0], b.range[0]), max(a.range[1], b.range[1])] as Range } : {}),
          };
        }
        return {
          e: { kind: 'cond', type: a.e.type as PyScalar, cond: c.e, then: a.e, else: b.e },
          np: this.npCond(c.e, a.np, b.np, n),
          ...(a.range && b.range ? { range: [min(a.range[0], b.range[0]), max(a.range[1], b.range[1])] as Range } : {}),
        };
      }
      case 'Call':
        return this.call(n);
      case 'Subscript':
        return this.load(n);
      case 'List':
      case 'ListComp':
      case 'GeneratorExp':
      case 'Tuple':
        throw Refuse.at(
          n,
          show(n),
          n._type === 'Tuple'
            ? 'a tuple as a value is not compiled'
            : 'a list or generator is compiled where it is assigned to a name, returned, passed to a function of the file, or given to sum, min, max or len',
        );
      case 'Attribute':
        return this.attribute(n);
      default:
        throw Refuse.at(
          n,
          show(n),
          "this expression is outside the subset the compiler takes (numbers, arithmetic, comparisons, math.*, len, array elements, calls of the file's functions)",
        );
    }
  }

  private constant(n: PyNode): Val {
    const v = n.value as { int?: string; float?: string; bool?: boolean };
    if (v.bool !== undefined) return { e: { kind: 'const', type: 'bool', value: v.bool ? 1 : 0 }, np: false };
    if (v.int !== undefined) {
      const i = BigInt(v.int);
      if (i < INT64_MIN || i > INT64_MAX) throw Refuse.at(n, v.int, 'an int constant beyond 64 bits');
      return { e: { kind: 'const', type: 'int', value: i }, np: false, range: [i, i] };
    }
    if (v.float !== undefined) return { e: { kind: 'const', type: 'float', value: parseFloatHex(v.float) }, np: false };
    const str = (n.value as { str?: string }).str;
    if (str !== undefined && [...str].length === 1) {
      const c = BigInt(str.codePointAt(0)!);
      return { e: { kind: 'const', type: 'int', value: c }, np: false, range: [c, c], char: true };
    }
    if (str !== undefined)
      throw Refuse.at(n, show(n), 'a str constant is compiled as one character (compared with an element of a str, or after `in`), not as a string value');
    throw Refuse.at(n, show(n), 'only int, float and bool constants are compiled');
  }

  /** An operand of arithmetic: a promoted local comes as it is, for binop to settle unless the other side is a float. */
  private operand(n: PyNode): Val {
    return n._type === 'Name' ? this.noChar(this.name_(n, true), n) : this.expr(n);
  }

  private name_(n: PyNode, loose = false): Val {
    const name = String(n.id);
    if (this.complexLocals.has(name))
      throw Refuse.at(
        n,
        name,
        `${name} is a complex: it is compiled in complex arithmetic (+ - * /), abs(${name}), ${name}.real, ${name}.imag and == / !=, not here`,
      );
    const info = this.info.get(name);
    if (info) {
      if (!this.defined.has(name))
        throw Refuse.at(n, name, `${name} may be read before it is assigned (Python would raise UnboundLocalError); assign it first on every path`);
      const v: Val = {
        e: { kind: 'local', type: info.type, local: info.slot },
        np: this.npOfLocal(name, info),
        ...(info.type === 'int' ? { range: info.range ?? FULL } : {}),
        ...(info.char ? { char: true, range: [0n, MAX_CODE_POINT] as Range } : {}),
      };
      if (this.promote.has(name)) {
        const flagged = { ...v, maybeInt: this.flagOf(name) };
        return loose ? flagged : this.settle(flagged);
      }
      return v;
    }
    if (this.aliases.has(name) || this.records.has(name))
      throw Refuse.at(
        n,
        name,
        this.records.has(name)
          ? `${name} is a list of records, which the compiled code reads only in a for loop that unpacks each record`
          : `${name} is ${this.aliasWhat(name)}, which the compiled code takes only indexed (${name}[0]), in len(${name}), looped over or passed to a function of the file`,
      );
    if (this.arrayByName.has(name)) {
      const t = this.arrays[this.arrayByName.get(name)!]!.type;
      throw Refuse.at(
        n,
        name,
        `the ${t.array === 'str' ? 'str' : 'array'} ${name} is used as a value; index it, take its len(), loop over it, or pass it to a function of the file`,
      );
    }
    if (this.assigned.has(name))
      throw Refuse.at(n, name, `${name} may be read before it is assigned (Python would raise UnboundLocalError); assign it first on every path`);
    if (this.mod.ast.globals.includes(name))
      throw Refuse.at(
        n,
        name,
        `${name} is a module-level variable the compiled code does not read here: the optimized function (outside a recursion) reads those bound once to a literal number, bool or tuple of numbers, and the numbers, lists, tuples, arrays and lists of records the file binds at its top level whose types its recorded calls showed; optimize it with the program's real calls, or pass it as a parameter`,
      );
    throw Refuse.at(n, name, `${name} is not a parameter or local of ${this.name}`);
  }

  private attribute(n: PyNode): Val {
    const base = node(n.value)!;
    const attr = String(n.attr);
    if (base._type === 'Name' && this.importOf(String(base.id), base) === 'math' && attr in MATH_CONSTS) {
      return { e: { kind: 'const', type: 'float', value: MATH_CONSTS[attr]! }, np: false };
    }
    if ((attr === 'real' || attr === 'imag') && this.isComplex(base)) {
      const z = this.cx(base);
      return { e: attr === 'real' ? z.re : z.im, np: false };
    }
    throw Refuse.at(n, show(n), 'this attribute is outside the subset (math.pi, math.e, math.tau, math.inf, math.nan and a.shape[k] are compiled)');
  }

  private unary(n: PyNode): Val {
    const op = String(n.op);
    if (op === 'Not') return this.test(n);
    const a = this.expr(node(n.operand)!);
    const t = a.e.type;
    this.plainBool(a, n, 'a unary operator on');
    if (op === 'UAdd') {
      if (t === 'bool') return { e: { kind: 'unary', type: 'int', op: 'int.from_bool', arg: a.e, checked: false }, np: a.np, range: [0n, 1n] };
      return a;
    }
    if (op === 'USub') {
      if (t === 'float') return { e: { kind: 'unary', type: 'float', op: 'float.neg', arg: a.e, checked: false }, np: a.np };
      const x = this.asInt(a);
      if (x.e.kind === 'const') {
        const v = -BigInt(x.e.value);
        if (v > INT64_MAX) return { e: { kind: 'unary', type: 'int', op: 'int.neg', arg: x.e, checked: true }, np: x.np };
        return { e: { kind: 'const', type: 'int', value: v }, np: x.np, range: [v, v] };
      }
      const r = clamp(x.range);
      const checked = r[0] === INT64_MIN;
      return { e: { kind: 'unary', type: 'int', op: 'int.neg', arg: x.e, checked }, np: x.np, range: checked ? FULL : [-r[1], -r[0]] };
    }
    if (op === 'Invert') {
      if (t === 'float') throw Refuse.at(n, '~', 'bitwise not of a float (Python raises TypeError)');
      const x = this.asInt(a);
      const r = clamp(x.range);
      return { e: { kind: 'unary', type: 'int', op: 'int.invert', arg: x.e, checked: false }, np: x.np, range: [-r[1] - 1n, -r[0] - 1n] };
    }
    throw Refuse.at(n, op, 'unknown unary operator');
  }

  private asInt(v: Val): Val {
    if (v.e.type === 'int') return v;
    if (v.e.type === 'bool') return { e: { kind: 'unary', type: 'int', op: 'int.from_bool', arg: v.e, checked: false }, np: v.np, range: [0n, 1n] };
    throw new Error('asInt on a float');
  }

  private asFloat(v: Val): Val {
    if (v.e.type === 'float') return v;
    const i = this.asInt(v);
    return {
      e:
        i.e.kind === 'const'
          ? { kind: 'const', type: 'float', value: Number(i.e.value) }
          : { kind: 'unary', type: 'float', op: 'float.from_int', arg: i.e, checked: false },
      np: v.np,
    };
  }

  binop(op: string, l: Val, r: Val, at: PyNode): Val {
    // A promoted local still holding its int computes the same as its float only against a float.
    if (l.maybeInt !== undefined && r.e.type !== 'float') l = this.settle(l);
    if (r.maybeInt !== undefined && l.e.type !== 'float') r = this.settle(r);
    if (l.maybeInt !== undefined || r.maybeInt !== undefined) {
      if (['FloorDiv', 'Mod', 'Pow'].includes(op)) {
        l = this.settle(l);
        r = this.settle(r);
      }
      l = { ...l, maybeInt: undefined };
      r = { ...r, maybeInt: undefined };
    }
    const np = npOr(l.np, r.np);
    const lt = l.e.type;
    const rt = r.e.type;
    if (lt === 'none' || rt === 'none') throw Refuse.at(at, show(at), 'arithmetic on None');
    if (!(lt === 'bool' && rt === 'bool' && ['BitAnd', 'BitOr', 'BitXor'].includes(op))) {
      this.plainBool(l, at, 'arithmetic on');
      this.plainBool(r, at, 'arithmetic on');
    }
    const isFloat = lt === 'float' || rt === 'float';
    const sym: Record<string, string> = {
      Add: '+',
      Sub: '-',
      Mult: '*',
      Div: '/',
      FloorDiv: '//',
      Mod: '%',
      Pow: '**',
      LShift: '<<',
      RShift: '>>',
      BitAnd: '&',
      BitOr: '|',
      BitXor: '^',
    };
    if (!(op in sym)) throw Refuse.at(at, op === 'MatMult' ? '@' : op, 'this operator is outside the subset');
    if (lt === 'bool' && rt === 'bool' && (op === 'BitAnd' || op === 'BitOr' || op === 'BitXor')) {
      const e: PyExpr =
        op === 'BitAnd'
          ? cond(l.e, r.e, FALSE)
          : op === 'BitOr'
            ? cond(l.e, TRUE, r.e)
            : { kind: 'binary', type: 'bool', op: 'bool.ne', left: l.e, right: r.e, checked: false };
      return { e, np };
    }
    if (isFloat) {
      if (['LShift', 'RShift', 'BitAnd', 'BitOr', 'BitXor'].includes(op)) throw Refuse.at(at, sym[op]!, `${sym[op]} on a float (Python raises TypeError)`);
      const a = this.asFloat(l).e;
      const b = this.asFloat(r).e;
      const fop = (
        { Add: 'float.add', Sub: 'float.sub', Mult: 'float.mul', Div: 'float.div', FloorDiv: 'float.floordiv', Mod: 'float.mod', Pow: 'float.pow' } as Record<
          string,
          PyBinaryOp
        >
      )[op]!;
      const nonZero = b.kind === 'const' && b.value !== 0;
      // On a NumPy scalar every operation but ** (always checked) bails out where NumPy would warn.
      const checked = fop === 'float.pow' || ((fop === 'float.div' || fop === 'float.floordiv' || fop === 'float.mod') && !nonZero) || np !== false;
      return { e: { kind: 'binary', type: 'float', op: fop, left: a, right: b, checked }, np };
    }
    const a = this.asInt(l);
    const b = this.asInt(r);
    const ar = clamp(a.range);
    const br = clamp(b.range);
    // A checked operation bails out beyond int64: when it does not, its result is the exact one, within int64.
    const int = (iop: PyBinaryOp, range: Range | undefined, checked: boolean): Val => ({
      e: { kind: 'binary', type: 'int', op: iop, left: a.e, right: b.e, checked },
      np,
      range: range && (checked || fits(range)) ? [max(range[0], INT64_MIN), min(range[1], INT64_MAX)] : FULL,
    });
    switch (op) {
      case 'Add': {
        const rr = add(ar, br);
        return int('int.add', rr, !fits(rr));
      }
      case 'Sub': {
        const rr = sub(ar, br);
        return int('int.sub', rr, !fits(rr));
      }
      case 'Mult': {
        const rr = mul(ar, br);
        return int('int.mul', rr, !fits(rr));
      }
      case 'Div': {
        const exact = (x: Range) => x[0] >= -EXACT && x[1] <= EXACT;
        const nonZero = br[0] > 0n || br[1] < 0n;
        return { e: { kind: 'binary', type: 'float', op: 'int.truediv', left: a.e, right: b.e, checked: !(exact(ar) && exact(br) && nonZero) }, np };
      }
      case 'FloorDiv':
      case 'Mod': {
        // A constant divisor other than 0 and -1 can neither fail nor overflow.
        const safe = b.e.kind === 'const' && b.e.value !== 0n && b.e.value !== -1n;
        const c = b.e.kind === 'const' ? BigInt(b.e.value) : 0n;
        let range: Range | undefined;
        if (safe && op === 'Mod') range = c > 0n ? [0n, c - 1n] : [c + 1n, 0n];
        if (safe && op === 'FloorDiv' && c > 0n) range = [ar[0] / c - 1n, ar[1] / c + 1n];
        return int(op === 'Mod' ? 'int.mod' : 'int.floordiv', range, !safe);
      }
      case 'Pow':
        return int('int.pow', undefined, true);
      case 'LShift':
        return int('int.shl', undefined, true);
      case 'RShift':
        return int('int.shr', undefined, !(br[0] >= 0n && br[1] < 63n));
      case 'BitAnd':
        return int(
          'int.and',
          ar[0] >= 0n || br[0] >= 0n ? [0n, ar[0] >= 0n && br[0] >= 0n ? min(ar[1], br[1]) : ar[0] >= 0n ? ar[1] : br[1]] : undefined,
          false,
        );
      case 'BitOr':
        return int('int.or', undefined, false);
      default:
        return int('int.xor', undefined, false);
    }
  }

  private compare(n: PyNode, truthOnly = false): Val {
    const ops = (n.ops as string[]).map(String);
    const operands = [node(n.left)!, ...nodes(n.comparators)];
    if (ops.length === 1 && (ops[0] === 'In' || ops[0] === 'NotIn')) return this.membership(ops[0] === 'NotIn', operands[0]!, operands[1]!, n);
    if (operands.some((o) => this.isComplex(o))) {
      if (ops.length !== 1) throw Refuse.at(n, show(n), 'a comparison chain of complex numbers is not compiled');
      return this.cxCompare(ops[0]!, operands[0]!, operands[1]!, n);
    }
    const vals: Val[] = [];
    const pre: { local: number; value: PyExpr }[] = [];
    operands.forEach((o, i) => {
      // a < b < c evaluates c only when a < b.
      let v = i < 2 ? this.value(o) : this.lazily(() => this.value(o));
      // A middle operand of a chain is evaluated once: a temporary holds it when it is not a local or constant.
      if (i > 0 && i < operands.length - 1 && v.e.kind !== 'local' && v.e.kind !== 'const') {
        const t = this.temp(v.e.type as PyScalar);
        pre.push({ local: t, value: v.e });
        v = { ...v, e: { kind: 'local', type: v.e.type as PyScalar, local: t } };
      }
      vals.push(v);
    });
    if (pre.length)
      throw Refuse.at(n, 'a < f(x) < b', 'a comparison chain with a computed middle operand is not compiled; assign the middle value to a variable first');
    const parts = ops.map((op, i) => ({ e: this.compareOne(op, vals[i]!, vals[i + 1]!, n), np: npOr(vals[i]!.np, vals[i + 1]!.np) }));
    const e = parts.reduceRight<PyExpr | undefined>((acc, p) => (acc === undefined ? p.e : cond(p.e, acc, FALSE)), undefined)!;
    // A chain gives its first false part, or its last one: a Python bool or a NumPy bool.
    if (truthOnly) return { e, np: false };
    const np = parts.reduceRight<Np | undefined>((acc, p) => (acc === undefined ? p.np : this.npCond(p.e, acc, p.np, n)), undefined)!;
    return { e, np };
  }

  /**
   * One comparison. An int against a float: Python compares exactly (an int beyond 2**53 is not rounded first), NumPy
   * converts the int to float64 when either operand is a NumPy scalar; when that is known only at run time, both are
   * compiled and the flag chooses.
   */
  private compareOne(op: string, l: Val, r: Val, at: PyNode): PyExpr {
    const names: Record<string, string> = { Eq: 'eq', NotEq: 'ne', Lt: 'lt', LtE: 'le', Gt: 'gt', GtE: 'ge' };
    const suffix = names[op];
    if (!suffix) throw Refuse.at(at, op === 'Is' || op === 'IsNot' ? 'is' : 'in', 'identity and membership tests are outside the subset');
    if (l.char || r.char) {
      // Characters compare by code point, as Python compares one-letter strs.
      if (!l.char || !r.char)
        throw Refuse.at(at, show(at), 'a character (a str) compared with a number: Python answers == with False and < with TypeError; compare with ord(c)');
      return { kind: 'binary', type: 'bool', op: `int.${suffix}` as PyBinaryOp, left: l.e, right: r.e, checked: false };
    }
    const lt = l.e.type;
    const rt = r.e.type;
    if (lt === 'bool' && rt === 'bool' && (suffix === 'eq' || suffix === 'ne'))
      return { kind: 'binary', type: 'bool', op: `bool.${suffix}` as PyBinaryOp, left: l.e, right: r.e, checked: false };
    if (lt === 'float' || rt === 'float') {
      const conv = (v: Val, numpy: boolean): PyExpr => {
        if (v.e.type === 'float') return v.e;
        const i = this.asInt(v);
        if (i.e.kind === 'const') {
          const c = BigInt(i.e.value);
          if (numpy || (c >= -EXACT && c <= EXACT)) return { kind: 'const', type: 'float', value: Number(c) };
        }
        const rr = clamp(i.range);
        // Checked: the backends compare it exactly (python-emit.ts, exactComparison).
        if (numpy) return { kind: 'unary', type: 'float', op: 'float.from_int', arg: i.e, checked: false };
        return { kind: 'unary', type: 'float', op: 'float.from_int_exact', arg: i.e, checked: !(rr[0] >= -EXACT && rr[1] <= EXACT) };
      };
      const form = (numpy: boolean): PyExpr => ({
        kind: 'binary',
        type: 'bool',
        op: `float.${suffix}` as PyBinaryOp,
        left: conv(l, numpy),
        right: conv(r, numpy),
        checked: false,
      });
      const np = npOr(l.np, r.np);
      if (typeof np === 'boolean') return form(np);
      const python = form(false);
      const numpy = form(true);
      if (
        JSON.stringify(python, (_, x) => (typeof x === 'bigint' ? String(x) : x)) === JSON.stringify(numpy, (_, x) => (typeof x === 'bigint' ? String(x) : x))
      )
        return python;
      return { kind: 'cond', type: 'bool', cond: np, then: numpy, else: python };
    }
    return { kind: 'binary', type: 'bool', op: `int.${suffix}` as PyBinaryOp, left: this.asInt(l).e, right: this.asInt(r).e, checked: false };
  }

  /** `c in "aeiou"`: a character is one of the constant's code points (for one character, `in` tests exactly that). */
  private membership(negated: boolean, item: PyNode, container: PyNode, n: PyNode): Val {
    if (container._type === 'Tuple' || container._type === 'List') return this.listedMembership(negated, item, container, n);
    const str = container._type === 'Constant' ? (container.value as { str?: string }).str : undefined;
    if (str === undefined)
      throw Refuse.at(
        n,
        'in',
        'membership tests are compiled of a number in a tuple or list written out (n in (2, 3)) and of a character in a str constant (c in "aeiou")',
      );
    const c = this.value(item);
    if (!c.char) throw Refuse.at(n, 'in', `${show(item)} in a str: Python needs a str on the left (it raises TypeError)`);
    let e: PyExpr = FALSE;
    for (const cp of [...new Set([...str].map((x) => x.codePointAt(0)!))].reverse())
      e = cond({ kind: 'binary', type: 'bool', op: 'int.eq', left: c.e, right: intConst(BigInt(cp)), checked: false }, TRUE, e);
    return { e: negated ? not(e) : e, np: false };
  }

  /**
   * `n in (2, 3)`, `x not in [a, b]`: Python builds the tuple, then tests each value in turn with `is` or `==`. The
   * values are constants or names holding ints or bools, where `is` can only be true when `==` is (a float name could
   * be the very NaN object on the left, which `is` finds and `==` does not); the left side a constant or a name.
   */
  private listedMembership(negated: boolean, item: PyNode, container: PyNode, n: PyNode): Val {
    const x = this.noChar(this.value(item), item);
    if (x.e.kind !== 'local' && x.e.kind !== 'const')
      throw Refuse.at(item, show(item), 'a membership test is compiled of a name or a constant on the left; assign the value to a variable first');
    const elts = nodes(container.elts);
    if (elts.some((e) => e._type === 'Starred')) throw Refuse.at(container, show(container), 'a starred value (*rest) is not compiled');
    const vals = elts.map((e) => {
      const v = this.noChar(this.value(e), e);
      if (v.e.kind !== 'const' && !(v.e.kind === 'local' && (v.e.type === 'int' || v.e.type === 'bool')))
        throw Refuse.at(
          e,
          show(e),
          'a membership test is compiled when the values listed are constants or names of ints; compare with == one by one otherwise',
        );
      return v;
    });
    let e: PyExpr = FALSE;
    for (const v of [...vals].reverse()) e = cond(this.compareOne('Eq', x, v, n), TRUE, e);
    return { e: negated ? not(e) : e, np: false };
  }

  private call(n: PyNode): Val {
    const f = node(n.func)!;
    const args = nodes(n.args);
    if (args.some((a) => a._type === 'Starred')) throw Refuse.at(n, show(n), '*args in a call is not compiled');
    if (f._type === 'Name' && !this.isLocalName(String(f.id)) && String(f.id) in this.mod.ast.functions)
      return this.kernelCall(String(f.id), this.boundArgs(String(f.id), args, nodes(n.keywords), n), n);
    if (nodes(n.keywords).length) throw Refuse.at(n, show(n), 'keyword arguments are not compiled (except in calls of the functions of this file)');
    if (f._type === 'Name' && String(f.id) === 'abs' && !this.isLocalName('abs') && args.length === 1 && this.isComplex(args[0]))
      return this.cxAbs(args[0]!, n);
    const mathFn = this.mathName(f);
    if (mathFn) return this.mathCall(mathFn, args, n);
    if (f._type !== 'Name')
      throw Refuse.at(n, show(n), "only math.* functions, len, abs, min, max, int, float, bool and the file's own functions can be called");
    const name = String(f.id);
    if (this.isLocalName(name)) throw Refuse.at(n, show(n), `${name} is a variable, not a function`);
    const one = (): PyNode => {
      if (args.length !== 1) throw Refuse.at(n, show(n), `${name} takes one argument here`);
      return args[0]!;
    };
    switch (name) {
      case 'len': {
        const a = one();
        const arr = this.arrayRef(a);
        if (!arr) throw Refuse.at(a, show(a), 'len() is compiled of a list, a tuple, a str or an array (a parameter, or one the function built)');
        const dim: PyExpr = { kind: 'dim', type: 'int', array: arr.array, axis: arr.axis };
        if (arr.row) {
          // len(a[i]): Python raises IndexError when there is no row i; unless i is proven in range, the kernel
          // tests -rows <= i < rows and otherwise bails out (through a division by zero, which always does).
          const ix = this.index(arr.row, arr.array, 0);
          if (ix.checked) {
            if (ix.e.kind !== 'local' && ix.e.kind !== 'const')
              throw Refuse.at(a, show(a), 'len(a[i]) with a computed row index: assign the index to a variable first');
            const rows: PyExpr = { kind: 'dim', type: 'int', array: arr.array, axis: 0 };
            const inRange = cond(
              {
                kind: 'binary',
                type: 'bool',
                op: 'int.le',
                left: { kind: 'unary', type: 'int', op: 'int.neg', arg: rows, checked: false },
                right: ix.e,
                checked: false,
              },
              { kind: 'binary', type: 'bool', op: 'int.lt', left: ix.e, right: rows, checked: false },
              FALSE,
            );
            const bail: PyExpr = {
              kind: 'binary',
              type: 'int',
              op: 'int.floordiv',
              left: { kind: 'const', type: 'int', value: 0n },
              right: { kind: 'const', type: 'int', value: 0n },
              checked: true,
            };
            return { e: { kind: 'cond', type: 'int', cond: inRange, then: dim, else: bail }, np: false, range: FULL_DIM };
          }
        }
        return { e: dim, np: false, range: FULL_DIM };
      }
      case 'abs': {
        const v = this.expr(one());
        this.plainBool(v, n, 'abs() of');
        if (v.e.type === 'float') return { e: { kind: 'unary', type: 'float', op: 'float.abs', arg: v.e, checked: false }, np: v.np };
        const i = this.asInt(v);
        const r = clamp(i.range);
        const checked = r[0] === INT64_MIN;
        const hi = max(-r[0], r[1]);
        return {
          e: { kind: 'unary', type: 'int', op: 'int.abs', arg: i.e, checked },
          np: v.np,
          range: checked ? FULL : [r[0] >= 0n ? r[0] : r[1] <= 0n ? -r[1] : 0n, hi],
        };
      }
      case 'ord': {
        const v = this.value(one());
        if (!v.char) throw Refuse.at(n, show(n), 'ord() of something that is not a character (Python raises TypeError)');
        return { e: v.e, np: false, range: [0n, MAX_CODE_POINT] };
      }
      case 'sum':
        if (args.length !== 1) throw Refuse.at(n, show(n), 'sum() is compiled with one argument (no start value)');
        return this.sumOf(args[0]!, n);
      case 'min':
      case 'max': {
        if (args.length === 0) throw Refuse.at(n, show(n), `${name}() takes at least one argument`);
        if (args.length === 1) return this.bestOf(name, args[0]!, n);
        const vals = args.map((a) => this.expr(a));
        const t = vals[0]!.e.type;
        if (vals.some((v) => v.e.type !== t) || t === 'bool' || t === 'none') {
          throw Refuse.at(n, show(n), `${name}() of values of different types returns one of them unchanged in Python; give them one type (int or float)`);
        }
        const op = `${t}.${name}` as PyBinaryOp;
        // min(a, b) is b if b < a else a, as it is: a NumPy scalar or a Python number.
        const beats = (v: Val, acc: Val): PyExpr => ({
          kind: 'binary',
          type: 'bool',
          op: `${t}.${name === 'min' ? 'lt' : 'gt'}` as PyBinaryOp,
          left: v.e,
          right: acc.e,
          checked: false,
        });
        return vals.slice(1).reduce<Val>(
          (acc, v) => ({
            e: { kind: 'binary', type: t as PyScalar, op, left: acc.e, right: v.e, checked: false },
            np: this.npCond(beats(v, acc), v.np, acc.np, n),
            ...(t === 'int' ? { range: [min(clamp(acc.range)[0], clamp(v.range)[0]), max(clamp(acc.range)[1], clamp(v.range)[1])] as Range } : {}),
          }),
          vals[0]!,
        );
      }
      case 'int': {
        const v = this.expr(one());
        if (v.e.type === 'int') return { ...v, np: false };
        if (v.e.type === 'bool') return { ...this.asInt(v), np: false };
        return { e: { kind: 'unary', type: 'int', op: 'int.from_float', arg: v.e, checked: true }, np: false };
      }
      case 'float': {
        const arg = one();
        if (arg._type === 'Constant' && 'str' in (arg.value as object)) {
          // float("inf"), float("-inf"), float("nan"): the constants (case as Python ignores it; other strs refused).
          const text = String((arg.value as { str: unknown }).str);
          const m = /^([+-]?)(inf|infinity|nan)$/i.exec(text);
          if (!m || (m[2]!.toLowerCase() === 'nan' && m[1] === '-'))
            throw Refuse.at(n, show(n), 'float() of a str is compiled for "inf", "-inf", "infinity" and "nan" written as constants only');
          return { e: fconst(m[2]!.toLowerCase() === 'nan' ? NaN : m[1] === '-' ? -Infinity : Infinity), np: false };
        }
        return { ...this.asFloat(this.expr(arg)), np: false };
      }
      case 'bool':
        return { e: truthy(this.expr(one())), np: false };
      case 'range':
        throw Refuse.at(n, 'range(…)', 'range(…) is compiled only as the iterable of a for loop');
      default:
        throw Refuse.at(n, show(n), `${name} is not a function the compiler knows (math.*, len, abs, min, max, int, float, bool, or a function of this file)`);
    }
  }

  /** `math.sqrt`, `sqrt` imported from math: the function's name in math. */
  private mathName(f: PyNode): string | undefined {
    if (f._type === 'Attribute' && node(f.value)?._type === 'Name' && this.importOf(String(node(f.value)!.id), f) === 'math') return String(f.attr);
    const path = f._type === 'Name' ? this.importOf(String(f.id), f) : undefined;
    return path?.startsWith('math.') ? path.slice(5) : undefined;
  }

  private mathCall(fn: string, args: PyNode[], n: PyNode): Val {
    const vals = args.map((a) => this.expr(a));
    const arity = (k: number) => {
      if (vals.length !== k) throw Refuse.at(n, `math.${fn}`, `math.${fn} takes ${k} argument${k === 1 ? '' : 's'}`);
    };
    const f = (v: Val) => {
      if (v.e.type === 'none') throw Refuse.at(n, `math.${fn}`, 'an argument is None');
      return this.asFloat(v).e;
    };
    if (fn === 'floor' || fn === 'ceil' || fn === 'trunc') {
      arity(1);
      const v = vals[0]!;
      if (fn === 'trunc' && v.e.type === 'int' && v.np !== false)
        throw Refuse.at(n, 'math.trunc', 'math.trunc of a NumPy int raises TypeError (NumPy ints have no __trunc__); the compiled code would not');
      if (v.e.type !== 'float') return { ...this.asInt(v), np: false };
      const op = fn === 'floor' ? 'int.floor' : fn === 'ceil' ? 'int.ceil' : 'int.from_float';
      return { e: { kind: 'unary', type: 'int', op, arg: v.e, checked: true }, np: false };
    }
    if (fn === 'isnan' || fn === 'isinf' || fn === 'isfinite') {
      arity(1);
      return { e: { kind: 'unary', type: 'bool', op: `bool.${fn}`, arg: f(vals[0]!), checked: false }, np: false };
    }
    if (!(PY_MATH as readonly string[]).includes(fn))
      throw Refuse.at(
        n,
        `math.${fn}`,
        `math.${fn} is not compiled (the compiled math functions: ${PY_MATH.join(', ')}, floor, ceil, trunc, isnan, isinf, isfinite)`,
      );
    const two = fn === 'atan2' || fn === 'hypot' || fn === 'pow' || fn === 'copysign';
    if (fn === 'log' && vals.length === 2) throw Refuse.at(n, 'math.log(x, base)', 'math.log with a base is not compiled; divide by math.log(base)');
    arity(two ? 2 : 1);
    return { e: { kind: 'math', type: 'float', fn: fn as PyMath, args: vals.map(f) }, np: false };
  }

  /** An array parameter (axis 0) or a row of a 2-D one (axis 1) named by an expression, for len() and calls. */
  private arrayRef(a: PyNode): { array: number; axis: PyAxis; row?: PyNode; alias?: number } | undefined {
    // len(v) of a list of a record, or of a name for a row (every row of the array has the one length; the wrapper
    // checks a list of lists's and the pool's rows), and v passed to a function: that row.
    if (a._type === 'Name' && this.aliases.has(String(a.id)) && this.defined.has(String(a.id))) {
      const alias = this.aliases.get(String(a.id))!;
      return { array: alias.array, axis: 1, alias: alias.local };
    }
    // len(records): how many records there are.
    if (a._type === 'Name' && this.records.has(String(a.id))) return { array: this.records.get(String(a.id))!.lists, axis: 0 };
    if (a._type === 'Name' && this.arrayByName.has(String(a.id))) return { array: this.arrayNamed(a)!, axis: 0 };
    if (a._type === 'Subscript') {
      const base = node(a.value)!;
      if (base._type === 'Name' && this.arrayByName.has(String(base.id))) {
        const array = this.arrayNamed(base)!;
        const idx = sliceOf(a);
        if (this.arrays[array]!.type.ndim === 2 && idx && idx._type !== 'Tuple' && idx._type !== 'Slice') return { array, axis: 1, row: idx };
      }
    }
    return undefined;
  }

  /**
   * The arguments of a call of a function of this file, one per parameter: positional ones, then keyword ones by name,
   * then the defaults of the rest (numbers only: another default is a value the compiled code cannot see).
   */
  private boundArgs(name: string, args: PyNode[], keywords: PyNode[], n: PyNode): PyNode[] {
    const def = this.mod.ast.functions[name]!;
    checkPlainParams(def);
    const params = nodes(node(def.args)!.args).map((p) => String(p.arg));
    if (args.length > params.length) throw Refuse.at(n, show(n), `${name} takes ${params.length} arguments; the call passes ${args.length}`);
    const bound: (PyNode | undefined)[] = [...args];
    let last = args.length - 1;
    let inOrder = true;
    for (const k of keywords) {
      const at = params.indexOf(String(k.arg));
      if (k.arg === null || at < 0) throw Refuse.at(n, show(n), `${name} has no parameter ${k.arg === null ? '**' : String(k.arg)}`);
      if (bound[at]) throw Refuse.at(n, show(n), `${name} gets ${String(k.arg)} twice (Python raises TypeError)`);
      if (at < last) inOrder = false;
      last = at;
      bound[at] = node(k.value);
    }
    // Python evaluates the arguments as written; in another order they may only be values without calls.
    if (!inOrder && [...args, ...keywords.map((k) => node(k.value)!)].some((a) => mentionsCall(a)))
      throw Refuse.at(n, show(n), 'keyword arguments out of the parameters’ order that call functions are not compiled; pass them in order');
    return params.map((p, i) => {
      if (bound[i]) return bound[i]!;
      const d = defaultOf(def, i);
      if (!d) throw Refuse.at(n, show(n), `${name} needs its argument ${p} (Python raises TypeError)`);
      if (!constantNumber(d))
        throw Refuse.at(
          n,
          show(n),
          `${name}'s parameter ${p} defaults to ${show(d)}, a value bound when ${name} was defined that the compiled call cannot see; pass it explicitly`,
        );
      return d;
    });
  }

  private kernelCall(name: string, args: PyNode[], n: PyNode): Val {
    const callArgs: PyCallArg[] = [];
    const types: PyValueType[] = [];
    const nps: boolean[] = [];
    const passed: { arg: number; array: number }[] = [];
    args.forEach((a, i) => {
      if (this.makesArray(a)) {
        // f([…]): the list is built first, then passed.
        const hidden = `_pl_a${this.synthetic++}`;
        this.hoist(this.assignArray(hidden, a, a), a);
        a = { _type: 'Name', id: hidden, line: a.line, col: a.col };
      }
      const ref = this.arrayRef(a);
      if (ref) {
        const t = this.arrays[ref.array]!.type;
        if (ref.row || ref.alias !== undefined) {
          const ix = ref.row ? this.index(ref.row, ref.array, 0) : { e: { kind: 'local', type: 'int', local: ref.alias! } as PyExpr, checked: false };
          callArgs.push({ kind: 'row', array: ref.array, index: ix.e, checked: ix.checked });
          types.push({ array: t.array === 'ndarray' ? 'ndarray' : (t.rows ?? 'list'), element: t.element, ndim: 1 });
        } else {
          callArgs.push({ kind: 'array', array: ref.array });
          types.push(t);
        }
        nps.push(false);
        passed.push({ arg: i, array: ref.array });
        return;
      }
      const v = this.expr(a);
      if (v.e.type === 'none') throw Refuse.at(a, show(a), 'passing None');
      if (typeof v.np !== 'boolean')
        throw Refuse.at(
          a,
          show(a),
          `this value is a NumPy scalar on some paths and a Python number on others; ${name} is compiled for one kind. Convert it with int() or float() first`,
        );
      callArgs.push(v.e);
      types.push(v.e.type as PyScalar);
      nps.push(v.np);
    });
    const callee = this.mod.function(name, nps.some(Boolean) ? { types, np: nps } : { types }, n);
    // The budget is at least 1 here (the prologue bailed out otherwise): one less can neither overflow nor go below 0.
    if (this.depth !== undefined)
      callArgs.push({
        kind: 'binary',
        type: 'int',
        op: 'int.sub',
        left: { kind: 'local', type: 'int', local: this.depth },
        right: intConst(1n),
        checked: false,
      });
    for (const p of passed) {
      const written = callee.arrays[callee.params[p.arg]!.slot]!.written;
      if (!written) continue;
      const a = this.arrays[p.array]!;
      if (
        a.type.array === 'tuple' ||
        (a.type.ndim === 2 && a.type.rows === 'tuple' && types[p.arg] && isPyArrayType(types[p.arg]!) && (types[p.arg] as PyArrayType).ndim === 1)
      ) {
        throw Refuse.at(n, show(n), `${name} writes to a tuple (Python raises TypeError)`);
      }
      a.written = true;
    }
    return { e: { kind: 'call', type: callee.result, fn: callee.name, args: callArgs }, np: callee.resultNumpy === true };
  }

  /** `a[i]`, `a[i, j]`, `a[i][j]`: the array, its indices and which of them need a check. */
  private subscript(n: PyNode): { array: number; indices: PyExpr[]; checked: boolean[] } {
    const base = node(n.value)!;
    const idx = sliceOf(n);
    if (!idx || idx._type === 'Slice' || (base._type === 'Subscript' && sliceOf(base)?._type === 'Slice'))
      throw Refuse.at(n, show(n), 'slices are not compiled; index single elements');
    let root = base;
    while (root._type === 'Subscript') root = node(root.value)!;
    if (root._type === 'Name' && this.records.has(String(root.id)))
      throw Refuse.at(
        n,
        show(n),
        `${String(root.id)} is a list of records holding lists, which the compiled code reads only in a for loop that unpacks each record (for (r, v, m) in ${String(root.id)})`,
      );
    // v[k] of a name that stands for a row (a list of a record, bindRecord; `row = a[i]`, bindRowAlias): element k of
    // that row of its array.
    if (base._type === 'Name' && this.aliases.has(String(base.id))) {
      const name = String(base.id);
      if (!this.defined.has(name))
        throw Refuse.at(n, name, `${name} may be read before it is assigned (Python would raise UnboundLocalError); assign it first on every path`);
      const alias = this.aliases.get(name)!;
      const ndarray = this.arrays[alias.array]!.type.array === 'ndarray';
      if (idx._type === 'Tuple')
        throw Refuse.at(
          n,
          show(n),
          ndarray ? `${name} is a row of a 2-D array, indexed ${name}[j]` : 'a list is indexed a[i], not a[i, j] (Python raises TypeError)',
        );
      const j = this.index(idx, alias.array, 1);
      return { array: alias.array, indices: [{ kind: 'local', type: 'int', local: alias.local }, j.e], checked: [false, j.checked] };
    }
    // a[i][j] on a 2-D array, a[i][j][k] on a 3-D one: one index per axis, outermost first.
    if (base._type === 'Subscript') {
      const levels: PyNode[] = [];
      let inner: PyNode = base;
      while (inner._type === 'Subscript') {
        const at = sliceOf(inner);
        if (!at || at._type === 'Tuple' || at._type === 'Slice') break;
        levels.unshift(at);
        inner = node(inner.value)!;
      }
      if (inner._type === 'Name' && this.arrayByName.has(String(inner.id))) {
        const array = this.arrayNamed(inner)!;
        const t = this.arrays[array]!.type;
        if (levels.length >= t.ndim)
          throw Refuse.at(n, show(n), `${String(inner.id)}${['[i]', '[j]', '[k]'].slice(0, t.ndim).join('')} is a number, which cannot be indexed`);
        if (idx._type === 'Tuple') throw Refuse.at(n, show(n), 'a row indexed by a tuple');
        if (levels.length + 1 < t.ndim) throw Refuse.at(n, show(n), partialIndex(String(inner.id), t.ndim));
        const ix = [...levels, idx].map((p, k) => this.index(p, array, k as PyAxis));
        return { array, indices: ix.map((x) => x.e), checked: ix.map((x) => x.checked) };
      }
    }
    if (base._type !== 'Name' || !this.arrayByName.has(String(base.id))) {
      if (base._type === 'Attribute' && String(base.attr) === 'shape') throw Refuse.at(n, show(n), 'a.shape[k] is a value, not a place to write');
      throw Refuse.at(n, show(n), 'only arrays (parameters, and lists and arrays the function builds) can be indexed');
    }
    const array = this.arrayNamed(base)!;
    const t = this.arrays[array]!.type;
    const parts = idx._type === 'Tuple' ? nodes(idx.elts) : [idx];
    if (parts.length !== t.ndim) {
      throw Refuse.at(
        n,
        show(n),
        parts.length < t.ndim ? partialIndex(String(base.id), t.ndim) : `${String(base.id)} has ${t.ndim} dimension${t.ndim === 1 ? '' : 's'}`,
      );
    }
    if (parts.length === 2 && t.array !== 'ndarray') throw Refuse.at(n, show(n), 'a list is indexed a[i][j], not a[i, j] (Python raises TypeError)');
    const ix = parts.map((p, k) => this.index(p, array, k as 0 | 1));
    return { array, indices: ix.map((x) => x.e), checked: ix.map((x) => x.checked) };
  }

  /** An index: its IR expression and whether it needs a check (negative or possibly outside the dimension). */
  private index(p: PyNode, array: number, axis: PyAxis): { e: PyExpr; checked: boolean } {
    const v = this.expr(p);
    if (v.e.type === 'float') throw Refuse.at(p, show(p), 'a float index (Python raises TypeError)');
    if (v.e.type === 'bool' && this.arrays[array]!.type.array === 'ndarray')
      throw Refuse.at(p, show(p), 'a bool index into a NumPy array selects by mask (a[True] is a new array, not an element); index with an int');
    this.plainBool(v, p, 'an index that is');
    const i = this.asInt(v);
    const dim = this.dimKey(array, axis);
    return { e: i.e, checked: dim === undefined || !this.provenIndex(i.e, clamp(i.range), dim) };
  }

  /** 0 ≤ e < dim: e is `local + c` (or a local) with the local a loop counter bounded by the dim (minus slack ≥ c). */
  private provenIndex(e: PyExpr, range: Range, dim: DimRef): boolean {
    if (range[0] < 0n) return false;
    let local: number | undefined;
    let c = 0n;
    if (e.kind === 'local') local = e.local;
    else if (e.kind === 'binary' && (e.op === 'int.add' || e.op === 'int.sub') && e.left.kind === 'local' && e.right.kind === 'const') {
      local = e.left.local;
      c = e.op === 'int.add' ? BigInt(e.right.value) : -BigInt(e.right.value);
    }
    if (local === undefined) return false;
    const info = this.localInfo(local);
    if (!info?.below) return false;
    // The loop gives local + slack < value(key); the dimension is value(key) - offset (when positive).
    return info.below.some((b) => b.dim === dim.key && c + dim.offset <= b.slack);
  }

  private load(n: PyNode): Val {
    const base = node(n.value)!;
    // a.shape[k]
    if (base._type === 'Attribute' && String(base.attr) === 'shape') {
      const arr = node(base.value)!;
      const array = arr._type === 'Name' && this.arrayByName.has(String(arr.id)) ? this.arrayNamed(arr) : undefined;
      const k = sliceOf(n);
      const axis = k?._type === 'Constant' ? Number((k.value as { int?: string }).int) : NaN;
      if (array === undefined || this.arrays[array]!.type.array !== 'ndarray') throw Refuse.at(n, show(n), '.shape is taken only of NumPy array parameters');
      if (!(axis >= 0 && axis < this.arrays[array]!.type.ndim))
        throw Refuse.at(n, show(n), "the axis of .shape[k] must be a constant below the array's dimensions");
      return { e: { kind: 'dim', type: 'int', array, axis: axis as PyAxis }, np: false, range: FULL_DIM };
    }
    const { array, indices, checked } = this.subscript(n);
    const t = this.arrays[array]!.type;
    if (t.array === 'str') return { e: { kind: 'load', type: 'int', array, indices, checked }, np: false, range: [0n, MAX_CODE_POINT], char: true };
    return { e: { kind: 'load', type: t.element, array, indices, checked }, np: t.array === 'ndarray', ...(t.element === 'int' ? { range: FULL } : {}) };
  }
}

/**
 * The moves (FunctionLowering.moveArray, swaps that lower `prev = cur`) after which the array moved from may still be
 * read before it is given a new array: a backward liveness of the local arrays over the structured IR (a loop's head
 * to a fixed point; a break goes to the loop's exit, a continue to its head; a return and a bail-out end every use).
 */
function movedLive(body: PyStmt[], moves: ReadonlyMap<PyStmt, { from: number; to: number }>): PyStmt[] {
  const bad = new Set<PyStmt>();
  type Jumps = Map<number, { exit: Set<number>; head: Set<number> }>;
  const uses = (e: PyExpr, live: Set<number>): void =>
    walkPyIr(
      [{ kind: 'expr', value: e }],
      () => {},
      (x) => {
        if (x.kind === 'load' || x.kind === 'dim') live.add(x.array);
        else if (x.kind === 'call') for (const a of x.args) if (a.kind === 'array' || a.kind === 'row') live.add(a.array);
      },
    );
  const block = (list: PyStmt[], after: Set<number>, jumps: Jumps): Set<number> => {
    let live = after;
    for (let i = list.length - 1; i >= 0; i--) live = stmt(list[i]!, live, jumps);
    return live;
  };
  const stmt = (s: PyStmt, after: Set<number>, jumps: Jumps): Set<number> => {
    const live = new Set(after);
    switch (s.kind) {
      case 'set':
      case 'expr':
        uses(s.value, live);
        return live;
      case 'store':
      case 'append':
        live.add(s.array);
        if (s.kind === 'store') s.indices.forEach((e) => uses(e, live));
        uses(s.value, live);
        return live;
      case 'alloc':
        // The dimensions and the fill are read before the new array replaces the old one.
        live.delete(s.array);
        s.dims.forEach((e) => uses(e, live));
        uses(s.fill, live);
        return live;
      case 'swap': {
        const m = moves.get(s);
        if (!m) {
          live.add(s.a).add(s.b);
          return live;
        }
        if (after.has(m.from)) bad.add(s);
        live.delete(m.to);
        live.add(m.from);
        return live;
      }
      case 'if': {
        const r = new Set([...block(s.then, after, jumps), ...block(s.else, after, jumps)]);
        uses(s.cond, r);
        return r;
      }
      case 'return': {
        const r = new Set<number>();
        if (s.value) uses(s.value, r);
        if (s.array !== undefined) r.add(s.array);
        return r;
      }
      case 'bail':
        return new Set();
      case 'break':
        return new Set(jumps.get(s.label)!.exit);
      case 'continue':
        return new Set(jumps.get(s.label)!.head);
      case 'for':
      case 'while': {
        // At the head the loop either ends (after) or runs its body again; the sets only grow, to a fixed point.
        let head = new Set(after);
        for (;;) {
          const inner: Jumps = new Map(jumps).set(s.label, { exit: after, head });
          const next = new Set([...after, ...block(s.body, head, inner)]);
          if (s.kind === 'while') uses(s.test, next);
          if (next.size === head.size) break;
          head = next;
        }
        if (s.kind === 'for') {
          uses(s.start, head);
          uses(s.stop, head);
          if (typeof s.step !== 'bigint') uses(s.step, head);
        }
        return head;
      }
    }
  };
  block(body, new Set(), new Map());
  return [...bad];
}

/** Why an array is indexed along every axis: a 2-D array's row may be passed on, a 3-D array's planes are not held. */
function partialIndex(name: string, ndim: number): string {
  return ndim === 2
    ? `${name} has 2 dimensions: index both (a[i, j] or a[i][j]), name a row (row = a[i]) and index it, or pass the row to a function`
    : `${name} has ${ndim} dimensions: index all ${ndim} (a[i, j, k] or a[i][j][k]); its rows and planes are arrays the compiled code does not hold`;
}

/** Lengths: an array's dimension is at most the largest int64 (sys.maxsize). */
const FULL_DIM: Range = [0n, INT64_MAX];

/** A complex value as the compiled code holds it: its real and imaginary parts, two float expressions. */
interface Cx {
  re: PyExpr;
  im: PyExpr;
}

function fconst(value: number): PyExpr {
  return { kind: 'const', type: 'float', value };
}

function fneg(e: PyExpr): PyExpr {
  return { kind: 'unary', type: 'float', op: 'float.neg', arg: e, checked: false };
}

/** Float + - * as C computes them (Python floats never raise on these). */
function fbin(op: 'float.add' | 'float.sub' | 'float.mul', left: PyExpr, right: PyExpr): PyExpr {
  return { kind: 'binary', type: 'float', op, left, right, checked: false };
}

const TRUE: PyExpr = { kind: 'const', type: 'bool', value: 1 };
const FALSE: PyExpr = { kind: 'const', type: 'bool', value: 0 };
const ZERO: PyExpr = { kind: 'const', type: 'int', value: 0n };

function intConst(v: bigint): PyExpr {
  return { kind: 'const', type: 'int', value: v };
}

/** The zero of an element type: what a list that starts empty is filled with (nothing reads it). */
function zeroOf(element: PyArrayType['element']): PyExpr {
  return element === 'float' ? { kind: 'const', type: 'float', value: 0 } : element === 'bool' ? FALSE : ZERO;
}

function alloc(array: number, dims: PyExpr[], fill: PyExpr): PyStmt {
  return { kind: 'alloc', array, dims, fill };
}

function cond(c: PyExpr, a: PyExpr, b: PyExpr): PyExpr {
  return { kind: 'cond', type: 'bool', cond: c, then: a, else: b };
}

/** NumPy-ness of `a op b`: a NumPy scalar when either is (NumPy 2 keeps the NumPy type, NEP 50). */
function npOr(a: Np, b: Np): Np {
  if (a === true || b === true) return true;
  if (a === false) return b;
  if (b === false) return a;
  return cond(a, TRUE, b);
}

function npValue(a: Np): PyExpr {
  return a === true ? TRUE : a === false ? FALSE : a;
}

/** An expression that calls no function: evaluating it again gives the same value (or bails out the same way). */
function pure(e: PyExpr): boolean {
  switch (e.kind) {
    case 'call':
      return false;
    case 'unary':
      return pure(e.arg);
    case 'binary':
      return pure(e.left) && pure(e.right);
    case 'cond':
      return pure(e.cond) && pure(e.then) && pure(e.else);
    case 'math':
      return e.args.every(pure);
    case 'load':
      return e.indices.every(pure);
    default:
      return true;
  }
}

function not(e: PyExpr): PyExpr {
  return { kind: 'unary', type: 'bool', op: 'bool.not', arg: e, checked: false };
}

function truthy(v: Val): PyExpr {
  switch (v.e.type) {
    case 'bool':
      return v.e;
    case 'int':
      return { kind: 'unary', type: 'bool', op: 'bool.from_int', arg: v.e, checked: false };
    case 'float':
      return { kind: 'unary', type: 'bool', op: 'bool.from_float', arg: v.e, checked: false };
    default:
      throw new RefusalError({ construct: 'None', line: 1, column: 1, reason: 'the truth value of None' });
  }
}

/** "an int", "a float". */
function an(t: string): string {
  return `${/^[aeiou]/.test(t) ? 'an' : 'a'} ${t}`;
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function sliceOf(n: PyNode): PyNode | undefined {
  let s = node(n.slice);
  if (s?._type === 'Index') s = node(s.value);
  return s;
}

/** Whether a break or continue of this loop (not of a loop nested in it) is among the statements. */
function hasJump(stmts: PyNode[]): boolean {
  return stmts.some(
    (s) =>
      s._type === 'Break' ||
      s._type === 'Continue' ||
      (['If', 'With', 'Try'].includes(s._type) && (hasJump(nodes(s.body)) || hasJump(nodes(s.orelse)) || hasJump(nodes(s.finalbody)))),
  );
}

function hasBreak(stmts: PyNode[]): boolean {
  return stmts.some((s) => s._type === 'Break' || (s._type === 'If' && (hasBreak(nodes(s.body)) || hasBreak(nodes(s.orelse)))));
}

function endsWithJump(stmts: PyNode[]): boolean {
  const last = stmts[stmts.length - 1];
  return !!last && (last._type === 'Break' || last._type === 'Continue' || last._type === 'Return');
}

function statementName(s: PyNode): string {
  const names: Record<string, string> = {
    With: 'with',
    Try: 'try',
    Raise: 'raise',
    Assert: 'assert',
    Delete: 'del',
    Global: 'global',
    Nonlocal: 'nonlocal',
    Import: 'import',
    ImportFrom: 'from … import',
    FunctionDef: 'a nested def',
    ClassDef: 'class',
    AsyncFor: 'async for',
    AsyncWith: 'async with',
    Match: 'match',
  };
  return names[s._type] ?? s._type;
}

/** Lowers the exported AST of `functionName` (and the functions of the file it calls) to the Python IR. */
export function lowerPython(ast: PyAstExport, fileName: string, options: PyFrontendOptions = {}): PyFrontendResult {
  if (!ast.ok) return { ok: false, refusal: { construct: fileName, line: ast.line, column: ast.column, reason: ast.message } };
  const info = ast.method;
  const self = String(nodes(node(ast.functions[ast.entry]?.args)?.args)[0]?.arg ?? 'self');
  try {
    // A method: self's attributes are hidden arguments, taken as the module-level data are (method-py.ts).
    const method = info ? lowerMethod(ast, info, options.attrs ?? {}, options.params) : undefined;
    if (method) {
      ast = method.ast;
      options = { ...options, globals: { ...options.globals, ...method.globals }, ...(method.params ? { params: method.params } : {}) };
    }
    const def = ast.functions[ast.entry]!;
    const sig = entryTypes(def, options.params);
    const mod = new ModuleLowering(ast, fileName, options.globals);
    const entry = mod.function(ast.entry, sig, def, true);
    if (method)
      for (const p of entry.params) {
        const attr = selfAttribute(p.name);
        if (attr === undefined) continue;
        delete p.global;
        p.attr = { name: attr, ...(method.cells.has(attr) ? { cell: true as const } : {}) };
      }
    // Callees come first in `lowered` (they finish first); the entry is last.
    const ir: PyModule = { entry: entry.name, functions: mod.lowered };
    const recorded = options.params?.some(Boolean);
    return {
      ok: true,
      kernel: {
        name: info ? `${info.class}.${info.method}` : ast.entry,
        ...(info ? { method: { class: info.class, self } } : {}),
        fileName,
        line: def.line ?? 1,
        ir,
        callees: [...new Set(mod.lowered.filter((f) => f !== entry).map((f) => mod.sourceName.get(f)!))],
        typesFrom: recorded ? 'recorded calls' : 'annotations',
      },
    };
  } catch (e) {
    if (e instanceof RefusalError) return { ok: false, refusal: info ? methodRefusal(e.refusal, self) : e.refusal };
    throw e;
  }
}

/** Exports the AST on the user's interpreter and lowers it (the select stage for Python). */
export async function selectPythonKernel(req: {
  python: string;
  file: string;
  fileName: string;
  functionName: string;
  params?: (string | undefined)[];
  globals?: Record<string, string>;
  attrs?: Record<string, string>;
  signal?: AbortSignal;
}): Promise<PyFrontendResult> {
  const ast = await exportPythonAst(req.python, req.file, req.functionName, req.signal);
  return lowerPython(ast, req.fileName, {
    ...(req.params ? { params: req.params } : {}),
    ...(req.globals ? { globals: req.globals } : {}),
    ...(req.attrs ? { attrs: req.attrs } : {}),
  });
}

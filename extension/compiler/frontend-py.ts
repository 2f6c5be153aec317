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
import { RESULT_NP, type PythonKernel } from './compile-python';
import {
  PY_MATH,
  isPyArrayType,
  pyTypeName,
  type PyArray,
  type PyArrayType,
  type PyBinaryOp,
  type PyCallArg,
  type PyExpr,
  type PyFunction,
  type PyLocal,
  type PyMath,
  type PyModule,
  type PyParam,
  type PyResult,
  type PyScalar,
  type PyStmt,
  type PyValueType,
} from './ir-py';
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
  | { ok: true; entry: string; functions: Record<string, PyNode>; imports: Record<string, string>; globals: string[]; python: string }
  | { ok: false; line: number; column: number; message: string };

export interface PyFrontendOptions {
  /** Types of the entry function's parameters as recorded (pyTypeName spelling); they win over annotations. */
  params?: (string | undefined)[];
}

export type PyFrontendResult = { ok: true; kernel: PythonKernel } | { ok: false; refusal: Refusal };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const EXACT = 2n ** 53n;

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

/** Parses a type name as recordings and annotations spell it: int, float, bool, list[float], ndarray[float64, 2], … */
export function parsePyType(text: string): PyValueType | undefined {
  const t = text
    .replace(/\s+/g, '')
    .replace(/^typing\./, '')
    .replace(/^List\[/, 'list[')
    .replace(/^Tuple\[/, 'tuple[');
  if (t === 'int' || t === 'float' || t === 'bool') return t;
  const elem = (e: string): 'int' | 'float' | undefined => (e === 'float' || e === 'float64' ? 'float' : e === 'int' || e === 'int64' ? 'int' : undefined);
  let m = /^ndarray\[(float64|int64)(?:,([12]))?\]$/.exec(t);
  if (m) return { array: 'ndarray', element: elem(m[1]!)!, ndim: m[2] === '2' ? 2 : 1 };
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

const BUILTINS = new Set(['len', 'range', 'abs', 'min', 'max', 'int', 'float', 'bool']);
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
}

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
  /** Whether an assignment (or the parameter's signature) has fixed `np`. */
  npKnown: boolean;
}

/** A specialisation's argument types; `np[i]`: scalar argument i is a NumPy scalar (absent: none is). */
type Signature = { types: PyValueType[]; np?: boolean[] };

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
    if (x._type === 'For' && node(x.target)?._type === 'Name') {
      const name = String(node(x.target)!.id);
      fors.set(name, (fors.get(name) ?? 0) + 1);
    }
    if (x._type === 'NamedExpr') add(node(x.target));
    for (const [k, v] of Object.entries(x)) if (k !== '_type' && typeof v === 'object') visit(v);
  };
  visit(body);
  return { all: out, fors };
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
  private readonly inProgress = new Set<string>();
  /** The source name of each lowered function (specialisations are named `<name>_2`, …). */
  readonly sourceName = new Map<PyFunction, string>();

  constructor(
    readonly ast: Extract<PyAstExport, { ok: true }>,
    readonly fileName: string,
  ) {}

  /** The lowered function for `name` called with `types`; lowered on first use. */
  function(name: string, sig: Signature, at: PyNode | undefined, entry = false): PyFunction {
    const key = `${name}(${sig.types.map((t, i) => `${pyTypeName(t)}${sig.np?.[i] ? ' numpy' : ''}`).join(',')})`;
    const done = this.bySignature.get(key);
    if (done) return done;
    if (this.inProgress.has(name)) throw Refuse.at(at, `${name}(…)`, 'recursive calls are not compiled: the compiled code would need a call stack of its own');
    const def = this.ast.functions[name];
    if (!def) throw Refuse.at(at, `${name}(…)`, `${name} is not a function of this file`);
    this.inProgress.add(name);
    try {
      const count = [...this.bySignature.keys()].filter((k) => k.startsWith(`${name}(`)).length;
      const irName = count === 0 ? name : `${name}_${count + 1}`;
      // `total = 0` then `total += x` (a float): lowered again with `total` a float that remembers it may be an int.
      const promoted = new Set<string>();
      // A local that is a NumPy scalar on some paths only: lowered again with a flag that tracks it at run time.
      const varying = new Set<string>();
      let fn: PyFunction | undefined;
      while (!fn) {
        try {
          fn = new FunctionLowering(this, def, irName, sig, promoted, varying, entry).lower();
        } catch (e) {
          if (e instanceof NpVaries && !varying.has(e.local) && varying.size < 64) {
            varying.add(e.local);
            continue;
          }
          if (!(e instanceof Promote) || promoted.has(e.local) || promoted.size > 8) throw e instanceof Promote ? new Error(`cannot promote ${e.local}`) : e;
          promoted.add(e.local);
        }
      }
      this.bySignature.set(key, fn);
      this.sourceName.set(fn, name);
      this.lowered.push(fn);
      return fn;
    } finally {
      this.inProgress.delete(name);
    }
  }
}

/** The parameter types of the entry function: recorded types first, then annotations. */
function entryTypes(def: PyNode, given: (string | undefined)[] | undefined): PyValueType[] {
  const args = node(def.args)!;
  const params = nodes(args.args);
  checkPlainParams(def);
  return params.map((p, i) => {
    const rec = given?.[i];
    const fromRecord = rec ? parsePyType(rec) : undefined;
    if (rec && !fromRecord)
      throw Refuse.at(
        p,
        String(p.arg),
        `the program passes ${rec} for ${String(p.arg)}, which the compiler does not take (it takes int, float, bool, lists or tuples of floats or ints, and float64 / int64 NumPy arrays of 1 or 2 dimensions)`,
      );
    const t = fromRecord ?? annotationType(node(p.annotation));
    if (!t)
      throw Refuse.at(
        p,
        String(p.arg),
        "the parameter has no type: annotate it (int, float, list[float], …) or record the arguments by profiling or optimizing with the program's real calls",
      );
    return t;
  });
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
  if (nodes(args.defaults).length) throw Refuse.at(def, `def ${String(def.name)}`, 'parameters with default values are not compiled');
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
  /** The array slot of RESULT_NP, when the entry reports its result's kind at run time. */
  private resultNpArray: number | undefined;
  private labels = 0;
  private loops: number[] = [];
  /** Locals definitely assigned at this point (Python raises UnboundLocalError when reading others). */
  private defined = new Set<string>();
  private temps = 0;
  private readonly name: string;

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
  ) {
    this.name = String(def.name);
    const names = assignedNames(nodes(def.body));
    this.assigned = names.all;
    for (const [n, count] of names.fors) if (names.all.get(n) === count) this.forOnly.add(n);
  }

  lower(): PyFunction {
    checkPlainParams(this.def);
    const params = nodes(node(this.def.args)!.args);
    if (params.length !== this.sig.types.length)
      throw Refuse.at(this.def, `${this.name}(…)`, `${this.name} takes ${params.length} arguments; the call passes ${this.sig.types.length}`);
    params.forEach((p, i) => {
      const name = String(p.arg);
      const t = this.sig.types[i]!;
      if (isPyArrayType(t)) {
        if (this.assigned.has(name)) throw Refuse.at(p, name, `the array parameter ${name} is assigned in the function; only its elements may be`);
        this.arrayByName.set(name, this.arrays.length);
        this.params.push({ name, type: t, slot: this.arrays.length });
        this.arrays.push({ name, type: t, written: false });
      } else {
        const slot = this.declare(name, t, p, true);
        this.params.push({ name, type: t, slot });
        this.defined.add(name);
        const info = this.info.get(name)!;
        info.np = this.sig.np?.[i] ?? false;
        if (this.varying.has(name)) this.prologue.push({ kind: 'set', local: this.npFlagOf(name), value: info.np ? TRUE : FALSE });
      }
    });
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
    const body = [...this.prologue, ...this.block(nodes(this.def.body), true)];
    const terminated = this.terminates(nodes(this.def.body));
    if (this.result === undefined) this.result = 'none';
    else if (this.result !== 'none' && !terminated) {
      throw Refuse.at(
        this.def,
        `def ${this.name}`,
        `${this.name} returns ${an(this.result)} on some paths and None when it reaches its end: make every path return ${an(this.result)}`,
      );
    }
    const fn: PyFunction = {
      name: this.irName,
      params: this.params,
      locals: this.locals,
      arrays: this.arrays,
      result: this.result,
      body,
      line: this.def.line ?? 1,
    };
    if (this.result !== 'none' && this.resultNpArray === undefined) {
      const first = this.returnNp[0];
      if (this.returnNp.some((n) => typeof n !== 'boolean' || n !== first)) throw new NpVaries(RESULT);
      if (first === true) fn.resultNumpy = true;
    }
    return fn;
  }

  // ----- locals

  private declare(name: string, type: PyScalar, at: PyNode | undefined, param = false): number {
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
    if (this.arrayByName.has(name)) throw Refuse.at(at, name, `${name} is an array parameter and cannot be reassigned`);
    const slot = this.locals.length;
    this.locals.push({ name, type });
    this.info.set(name, {
      slot,
      type,
      assignments: param ? 1 : (this.assigned.get(name) ?? 0),
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
    if (BUILTINS.has(name) || name in this.mod.ast.functions || name in this.mod.ast.imports) {
      throw Refuse.at(at, name, `assigning to ${name} shadows a name the compiler resolves (a builtin, an import or a function of the file)`);
    }
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
    const slot = this.declare(name, type, at);
    const info = this.info.get(name)!;
    if (type === 'int') {
      if (info.assignments === 1) {
        info.range = v.range ?? FULL;
        const d = this.dimOf(v.e);
        if (d) info.dim = d;
      } else info.range = FULL;
    }
    this.defined.add(name);
    return this.npAssign(name, v.np, [{ kind: 'set', local: slot, value: v.e }]);
  }

  /** `len(a)`, `a.shape[k]`, or one of them minus a constant (or a local holding one). */
  private dimOf(e: PyExpr): { key: string; offset: bigint } | undefined {
    if (e.kind === 'dim') return { key: `${e.array}:${e.axis}`, offset: 0n };
    if (e.kind === 'local') {
      const i = [...this.info.values()].find((x) => x.slot === e.local);
      return i?.dim;
    }
    if (e.kind === 'binary' && e.op === 'int.sub' && e.right.kind === 'const') {
      const d = this.dimOf(e.left);
      const c = BigInt(e.right.value);
      if (d && c >= 0n) return { key: d.key, offset: d.offset + c };
    }
    return undefined;
  }

  private localInfo(slot: number): LocalInfo | undefined {
    for (const i of this.info.values()) if (i.slot === slot) return i;
    return undefined;
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
        return [{ kind: 'expr', value: this.expr(v).e }];
      }
      case 'Assign':
        return this.assign(s);
      case 'AnnAssign': {
        const value = node(s.value);
        if (!value) return [];
        const target = node(s.target)!;
        const want = annotationType(node(s.annotation));
        const v = this.expr(value);
        if (want && !isPyArrayType(want) && want !== v.e.type) {
          if (want === 'float' && v.e.type === 'int') {
            // An annotation does not convert in Python: the variable would hold an int.
            throw Refuse.at(s, show(target), `${show(target)} is annotated float but assigned an int; Python keeps the int. Write a float (e.g. 0.0)`);
          }
          throw Refuse.at(s, show(target), `${show(target)} is annotated ${pyTypeName(want)} but assigned a ${v.e.type}`);
        }
        return this.storeTo(target, v, s);
      }
      case 'AugAssign':
        return this.augAssign(s);
      case 'If': {
        const cond = this.test(node(s.test)!);
        const before = new Set(this.defined);
        const then = this.block(nodes(s.body));
        const afterThen = this.defined;
        this.defined = new Set(before);
        const els = this.block(nodes(s.orelse));
        const afterElse = this.defined;
        const thenEnds = this.terminates(nodes(s.body)) || endsWithJump(nodes(s.body));
        const elseEnds = this.terminates(nodes(s.orelse)) || endsWithJump(nodes(s.orelse));
        this.defined = thenEnds ? afterElse : elseEnds ? afterThen : new Set([...afterThen].filter((n) => afterElse.has(n)));
        return [{ kind: 'if', cond: cond.e, then, else: els }];
      }
      case 'While': {
        if (nodes(s.orelse).length) throw Refuse.at(s, 'while … else', 'a loop with an else clause is not compiled');
        const label = this.labels++;
        const test = this.test(node(s.test)!);
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
        return this.ret(s);
      default:
        throw Refuse.at(
          s,
          statementName(s),
          'this statement is outside the subset the compiler takes (assignments, if, for … in range(…), while, break, continue, return)',
        );
    }
  }

  private ret(s: PyNode): PyStmt[] {
    const value = node(s.value);
    if (!value || (value._type === 'Constant' && 'none' in (value.value as object))) {
      if (this.result !== undefined && this.result !== 'none') throw Refuse.at(s, 'return', `${this.name} returns ${an(this.result)} elsewhere and None here`);
      this.result = 'none';
      return [{ kind: 'return' }];
    }
    const v = this.expr(value);
    const t = v.e.type as PyScalar;
    if (this.result !== undefined && this.result !== t)
      throw Refuse.at(
        s,
        `return ${show(value)}`,
        `${this.name} returns ${an(this.result)} elsewhere and ${an(t)} here: Python allows it, the compiled code has one result type`,
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

  private assign(s: PyNode): PyStmt[] {
    const targets = nodes(s.targets);
    const value = node(s.value)!;
    if (targets.length !== 1) throw Refuse.at(s, 'a = b = …', 'chained assignment is not compiled');
    const target = targets[0]!;
    if (target._type === 'Tuple' || target._type === 'List') {
      // `a, b = b, a + b`: every value first, then every target, as Python does.
      const elts = nodes(target.elts);
      if (value._type !== 'Tuple' || nodes(value.elts).length !== elts.length)
        throw Refuse.at(s, 'a, b = …', 'tuple assignment is compiled only from a tuple of the same length');
      const vals = nodes(value.elts).map((v) => this.expr(v));
      const out: PyStmt[] = [];
      const temps = vals.map((v) => {
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
      elts.forEach((t, i) => {
        const v = vals[i]!;
        out.push(...this.storeTo(t, { ...v, e: { kind: 'local', type: v.e.type as PyScalar, local: temps[i]! }, np: nps[i]! }, s));
      });
      return out;
    }
    return this.storeTo(target, this.expr(value), s);
  }

  private storeTo(target: PyNode, v: Val, at: PyNode): PyStmt[] {
    if (v.e.type === 'none') throw Refuse.at(at, show(target), 'the value is None (a function that returns nothing)');
    if (target._type === 'Name') return this.assignLocal(String(target.id), v, target);
    if (target._type === 'Subscript') {
      const { array, indices, checked } = this.subscript(target);
      const a = this.arrays[array]!;
      if (a.type.array === 'tuple' || (a.type.ndim === 2 && indices.length === 2 && a.type.rows === 'tuple')) {
        throw Refuse.at(target, show(target), 'a tuple cannot be written (Python raises TypeError)');
      }
      a.written = true;
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
    if (target._type === 'Name') {
      const cur = this.name_(target, true);
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
      const cur: Val = { e: { kind: 'load', type: a.type.element, array, indices: fixed, checked }, np: a.type.array === 'ndarray' };
      const v = this.binop(op, cur, this.expr(node(s.value)!), s);
      if (a.type.array === 'tuple' || (a.type.ndim === 2 && a.type.rows === 'tuple'))
        throw Refuse.at(target, show(target), 'a tuple cannot be written (Python raises TypeError)');
      a.written = true;
      out.push({ kind: 'store', array, indices: fixed, checked: checked.map(() => false), value: this.storeValue(a.type, v, target) });
      return out;
    }
    throw Refuse.at(target, show(target), 'only names and array elements can be assigned');
  }

  private forRange(s: PyNode): PyStmt[] {
    if (nodes(s.orelse).length) throw Refuse.at(s, 'for … else', 'a loop with an else clause is not compiled');
    const target = node(s.target)!;
    const iter = node(s.iter)!;
    if (target._type !== 'Name') throw Refuse.at(target, show(target), 'the loop variable must be a single name');
    if (iter._type === 'Name' && this.arrayByName.has(String(iter.id))) return this.forEach(s, target, this.arrayByName.get(String(iter.id))!);
    const fn = node(iter.func);
    if (iter._type !== 'Call' || fn?._type !== 'Name' || fn.id !== 'range' || this.isLocalName('range')) {
      throw Refuse.at(iter, `for ${String(target.id)} in ${show(iter)}`, 'only loops over range(…) and over 1-D arrays are compiled');
    }
    const args = nodes(iter.args);
    if (args.length < 1 || args.length > 3 || nodes(iter.keywords).length) throw Refuse.at(iter, 'range(…)', 'range takes 1 to 3 positional arguments');
    const vals = args.map((a) => this.intArg(a, 'range'));
    const start: Val = vals.length === 1 ? { e: { kind: 'const', type: 'int', value: 0n }, np: false, range: [0n, 0n] } : vals[0]!;
    const stop = vals.length === 1 ? vals[0]! : vals[1]!;
    let step = 1n;
    if (vals.length === 3) {
      const st = vals[2]!.e;
      if (st.kind !== 'const' || st.value === 0n) throw Refuse.at(args[2], show(args[2]), 'the step of range(…) must be a non-zero constant');
      step = BigInt(st.value);
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
    if (facts) {
      info.range = step > 0n ? [sr[0], er[1] - 1n > sr[0] ? er[1] - 1n : sr[0]] : [er[0] + 1n < sr[1] ? er[0] + 1n : sr[1], sr[1]];
      const d = step > 0n ? this.dimOf(stop.e) : undefined;
      info.below = d ? [{ dim: d.key, slack: d.offset }] : [];
      this.activeFor.add(name);
    } else info.range = FULL;
    const before = new Set(this.defined);
    this.defined.add(name);
    this.loops.push(label);
    // The counter is a Python int at the top of each iteration.
    const body = [...this.npAssign(name, false, []), ...this.block(nodes(s.body))];
    this.loops.pop();
    this.defined = before;
    if (facts) {
      // After the loop the counter holds some value of this or another loop over it: nothing is known.
      this.activeFor.delete(name);
      info.range = FULL;
      info.below = [];
    }
    return [{ kind: 'for', label, local: slot, start: start.e, stop: stop.e, step, body }];
  }

  /** `for x in a` over a 1-D array: a hidden counter over its length, `x = a[counter]` first in the body. */
  private forEach(s: PyNode, target: PyNode, array: number): PyStmt[] {
    const a = this.arrays[array]!;
    if (a.type.ndim !== 1)
      throw Refuse.at(s, `for ${String(target.id)} in ${a.name}`, 'looping over the rows of a 2-D array is not compiled; loop over range(len(…)) and index');
    const counter = this.temp('int');
    const info = this.localInfo(counter)!;
    info.range = [0n, INT64_MAX - 1n];
    info.below = [{ dim: `${array}:0`, slack: 0n }];
    const label = this.labels++;
    const before = new Set(this.defined);
    this.loops.push(label);
    const element: Val = {
      e: { kind: 'load', type: a.type.element, array, indices: [{ kind: 'local', type: 'int', local: counter }], checked: [false] },
      np: a.type.array === 'ndarray',
      ...(a.type.element === 'int' ? { range: FULL } : {}),
    };
    const first = this.assignLocal(String(target.id), element, target);
    const body = [...first, ...this.block(nodes(s.body))];
    this.loops.pop();
    this.defined = before;
    return [
      {
        kind: 'for',
        label,
        local: counter,
        start: { kind: 'const', type: 'int', value: 0n },
        stop: { kind: 'dim', type: 'int', array, axis: 0 },
        step: 1n,
        body,
      },
    ];
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

  // ----- expressions

  /** A condition: any scalar, by Python's truth value. */
  private test(n: PyNode): Val {
    if (n._type === 'BoolOp') {
      const values = nodes(n.values).map((v) => this.test(v));
      const and = n.op === 'And';
      const e = values.reduceRight<PyExpr | undefined>((acc, v) => (acc === undefined ? v.e : and ? cond(v.e, acc, FALSE) : cond(v.e, TRUE, acc)), undefined)!;
      return { e, np: false };
    }
    if (n._type === 'UnaryOp' && n.op === 'Not') return { e: not(this.test(node(n.operand)!).e), np: false };
    // Only the truth of a comparison counts here, not whether it is a NumPy bool.
    if (n._type === 'Compare') return { e: this.compare(n, true).e, np: false };
    return { e: truthy(this.expr(n)), np: false };
  }

  expr(n: PyNode): Val {
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
        const values = nodes(n.values).map((v) => this.expr(v));
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
        return { e: this.test(n).e, np };
      }
      case 'Compare':
        return this.compare(n);
      case 'IfExp': {
        const c = this.test(node(n.test)!);
        const a = this.expr(node(n.body)!);
        const b = this.expr(node(n.orelse)!);
        if (a.e.type !== b.e.type) throw Refuse.at(n, '… if … else …', `the two branches give a ${a.e.type} and a ${b.e.type}; the compiled code has one type`);
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
    throw Refuse.at(n, show(n), 'only int, float and bool constants are compiled');
  }

  /** An operand of arithmetic: a promoted local comes as it is, for binop to settle unless the other side is a float. */
  private operand(n: PyNode): Val {
    return n._type === 'Name' ? this.name_(n, true) : this.expr(n);
  }

  private name_(n: PyNode, loose = false): Val {
    const name = String(n.id);
    const info = this.info.get(name);
    if (info) {
      if (!this.defined.has(name))
        throw Refuse.at(n, name, `${name} may be read before it is assigned (Python would raise UnboundLocalError); assign it first on every path`);
      const v: Val = {
        e: { kind: 'local', type: info.type, local: info.slot },
        np: this.npOfLocal(name, info),
        ...(info.type === 'int' ? { range: info.range ?? FULL } : {}),
      };
      if (this.promote.has(name)) {
        const flagged = { ...v, maybeInt: this.flagOf(name) };
        return loose ? flagged : this.settle(flagged);
      }
      return v;
    }
    if (this.arrayByName.has(name))
      throw Refuse.at(n, name, `the array ${name} is used as a value; index it, take its len(), or pass it to a function of the file`);
    if (this.assigned.has(name))
      throw Refuse.at(n, name, `${name} may be read before it is assigned (Python would raise UnboundLocalError); assign it first on every path`);
    if (this.mod.ast.globals.includes(name))
      throw Refuse.at(n, name, `${name} is a module-level variable, which the program could change between calls; pass it as a parameter`);
    throw Refuse.at(n, name, `${name} is not a parameter or local of ${this.name}`);
  }

  private attribute(n: PyNode): Val {
    const base = node(n.value)!;
    const attr = String(n.attr);
    if (base._type === 'Name' && this.mod.ast.imports[String(base.id)] === 'math' && attr in MATH_CONSTS) {
      return { e: { kind: 'const', type: 'float', value: MATH_CONSTS[attr]! }, np: false };
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
    const int = (iop: PyBinaryOp, range: Range | undefined, checked: boolean): Val => ({
      e: { kind: 'binary', type: 'int', op: iop, left: a.e, right: b.e, checked },
      np,
      range: !checked && range && fits(range) ? range : FULL,
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
    const vals: Val[] = [];
    const pre: { local: number; value: PyExpr }[] = [];
    operands.forEach((o, i) => {
      let v = this.expr(o);
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

  private call(n: PyNode): Val {
    const f = node(n.func)!;
    const args = nodes(n.args);
    if (nodes(n.keywords).length) throw Refuse.at(n, show(n), 'keyword arguments are not compiled');
    if (args.some((a) => a._type === 'Starred')) throw Refuse.at(n, show(n), '*args in a call is not compiled');
    const mathFn = this.mathName(f);
    if (mathFn) return this.mathCall(mathFn, args, n);
    if (f._type !== 'Name')
      throw Refuse.at(n, show(n), "only math.* functions, len, abs, min, max, int, float, bool and the file's own functions can be called");
    const name = String(f.id);
    if (this.isLocalName(name)) throw Refuse.at(n, show(n), `${name} is a variable, not a function`);
    if (name in this.mod.ast.functions) return this.kernelCall(name, args, n);
    const one = (): PyNode => {
      if (args.length !== 1) throw Refuse.at(n, show(n), `${name} takes one argument here`);
      return args[0]!;
    };
    switch (name) {
      case 'len': {
        const a = one();
        const arr = this.arrayRef(a);
        if (!arr) throw Refuse.at(a, show(a), 'len() of something that is not an array parameter');
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
      case 'min':
      case 'max': {
        if (args.length < 2) throw Refuse.at(n, show(n), `${name}() of an iterable is not compiled; pass the values as arguments`);
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
      case 'float':
        return { ...this.asFloat(this.expr(one())), np: false };
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
    const imports = this.mod.ast.imports;
    if (f._type === 'Attribute' && node(f.value)?._type === 'Name' && imports[String(node(f.value)!.id)] === 'math') return String(f.attr);
    if (f._type === 'Name' && !this.isLocalName(String(f.id)) && imports[String(f.id)]?.startsWith('math.')) return imports[String(f.id)]!.slice(5);
    return undefined;
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
  private arrayRef(a: PyNode): { array: number; axis: 0 | 1; row?: PyNode } | undefined {
    if (a._type === 'Name' && this.arrayByName.has(String(a.id))) return { array: this.arrayByName.get(String(a.id))!, axis: 0 };
    if (a._type === 'Subscript') {
      const base = node(a.value)!;
      if (base._type === 'Name' && this.arrayByName.has(String(base.id))) {
        const array = this.arrayByName.get(String(base.id))!;
        const idx = sliceOf(a);
        if (this.arrays[array]!.type.ndim === 2 && idx && idx._type !== 'Tuple' && idx._type !== 'Slice') return { array, axis: 1, row: idx };
      }
    }
    return undefined;
  }

  private kernelCall(name: string, args: PyNode[], n: PyNode): Val {
    const callArgs: PyCallArg[] = [];
    const types: PyValueType[] = [];
    const nps: boolean[] = [];
    const passed: { arg: number; array: number }[] = [];
    args.forEach((a, i) => {
      const ref = this.arrayRef(a);
      if (ref) {
        const t = this.arrays[ref.array]!.type;
        if (ref.row) {
          const ix = this.index(ref.row, ref.array, 0);
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
    // a[i][j] on a 2-D array
    if (base._type === 'Subscript') {
      const inner = node(base.value)!;
      const innerIdx = sliceOf(base);
      if (inner._type === 'Name' && this.arrayByName.has(String(inner.id)) && innerIdx && innerIdx._type !== 'Tuple' && innerIdx._type !== 'Slice') {
        const array = this.arrayByName.get(String(inner.id))!;
        if (this.arrays[array]!.type.ndim !== 2) throw Refuse.at(n, show(n), `${String(inner.id)}[i] is a number, which cannot be indexed`);
        if (idx._type === 'Tuple') throw Refuse.at(n, show(n), 'a row indexed by a tuple');
        const i = this.index(innerIdx, array, 0);
        const j = this.index(idx, array, 1);
        return { array, indices: [i.e, j.e], checked: [i.checked, j.checked] };
      }
    }
    if (base._type !== 'Name' || !this.arrayByName.has(String(base.id))) {
      if (base._type === 'Attribute' && String(base.attr) === 'shape') throw Refuse.at(n, show(n), 'a.shape[k] is a value, not a place to write');
      throw Refuse.at(n, show(n), 'only array parameters can be indexed');
    }
    const array = this.arrayByName.get(String(base.id))!;
    const t = this.arrays[array]!.type;
    const parts = idx._type === 'Tuple' ? nodes(idx.elts) : [idx];
    if (parts.length !== t.ndim) {
      throw Refuse.at(
        n,
        show(n),
        parts.length < t.ndim
          ? `${String(base.id)} has ${t.ndim} dimensions: index both (a[i, j] or a[i][j]), or pass the row to a function`
          : `${String(base.id)} has ${t.ndim} dimension${t.ndim === 1 ? '' : 's'}`,
      );
    }
    if (parts.length === 2 && t.array !== 'ndarray') throw Refuse.at(n, show(n), 'a list is indexed a[i][j], not a[i, j] (Python raises TypeError)');
    const ix = parts.map((p, k) => this.index(p, array, k as 0 | 1));
    return { array, indices: ix.map((x) => x.e), checked: ix.map((x) => x.checked) };
  }

  /** An index: its IR expression and whether it needs a check (negative or possibly outside the dimension). */
  private index(p: PyNode, array: number, axis: 0 | 1): { e: PyExpr; checked: boolean } {
    const v = this.expr(p);
    if (v.e.type === 'float') throw Refuse.at(p, show(p), 'a float index (Python raises TypeError)');
    if (v.e.type === 'bool' && this.arrays[array]!.type.array === 'ndarray')
      throw Refuse.at(p, show(p), 'a bool index into a NumPy array selects by mask (a[True] is a new array, not an element); index with an int');
    this.plainBool(v, p, 'an index that is');
    const i = this.asInt(v);
    return { e: i.e, checked: !this.provenIndex(i.e, clamp(i.range), `${array}:${axis}`) };
  }

  /** 0 ≤ e < dim: e is `local + c` (or a local) with the local a loop counter bounded by the dim (minus slack ≥ c). */
  private provenIndex(e: PyExpr, range: Range, dim: string): boolean {
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
    return info.below.some((b) => b.dim === dim && c <= b.slack);
  }

  private load(n: PyNode): Val {
    const base = node(n.value)!;
    // a.shape[k]
    if (base._type === 'Attribute' && String(base.attr) === 'shape') {
      const arr = node(base.value)!;
      const array = arr._type === 'Name' ? this.arrayByName.get(String(arr.id)) : undefined;
      const k = sliceOf(n);
      const axis = k?._type === 'Constant' ? Number((k.value as { int?: string }).int) : NaN;
      if (array === undefined || this.arrays[array]!.type.array !== 'ndarray') throw Refuse.at(n, show(n), '.shape is taken only of NumPy array parameters');
      if (!(axis >= 0 && axis < this.arrays[array]!.type.ndim))
        throw Refuse.at(n, show(n), "the axis of .shape[k] must be a constant below the array's dimensions");
      return { e: { kind: 'dim', type: 'int', array, axis: axis as 0 | 1 }, np: false, range: FULL_DIM };
    }
    const { array, indices, checked } = this.subscript(n);
    const t = this.arrays[array]!.type;
    return { e: { kind: 'load', type: t.element, array, indices, checked }, np: t.array === 'ndarray', ...(t.element === 'int' ? { range: FULL } : {}) };
  }
}

/** Lengths: an array's dimension is at most the largest int64 (sys.maxsize). */
const FULL_DIM: Range = [0n, INT64_MAX];

const TRUE: PyExpr = { kind: 'const', type: 'bool', value: 1 };
const FALSE: PyExpr = { kind: 'const', type: 'bool', value: 0 };

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
  try {
    const def = ast.functions[ast.entry]!;
    const types = entryTypes(def, options.params);
    const mod = new ModuleLowering(ast, fileName);
    const entry = mod.function(ast.entry, { types }, def, true);
    // Callees come first in `lowered` (they finish first); the entry is last.
    const ir: PyModule = { entry: entry.name, functions: mod.lowered };
    const recorded = options.params?.some(Boolean);
    return {
      ok: true,
      kernel: {
        name: ast.entry,
        fileName,
        line: def.line ?? 1,
        ir,
        callees: [...new Set(mod.lowered.filter((f) => f !== entry).map((f) => mod.sourceName.get(f)!))],
        typesFrom: recorded ? 'recorded calls' : 'annotations',
      },
    };
  } catch (e) {
    if (e instanceof RefusalError) return { ok: false, refusal: e.refusal };
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
  signal?: AbortSignal;
}): Promise<PyFrontendResult> {
  const ast = await exportPythonAst(req.python, req.file, req.functionName, req.signal);
  return lowerPython(ast, req.fileName, req.params ? { params: req.params } : {});
}

// The parallel loop of a Python function: a `for` loop or a comprehension whose iterations are independent, so that
// a process pool, Ray or Dask (backend-parallel.ts) may run them on other cores or machines and the results are
// collected in the original order. The rules follow those of the native `threads` opt-in (parallel.ts), on Python's
// AST instead of the typed IR, since the work of such a loop is ordinary Python (a simulation per seed, a file, a row):
//  - the work of an iteration is the loop's body up to its last statement plus the value that statement collects:
//    `results.append(E)`, `out[k] = E`, `total += E` (or the element of `[E for x in xs]`). The collecting statement
//    itself stays in the caller and runs in the original order, so a list keeps its order and a float sum adds in the
//    same order as before (gather, then add);
//  - the work writes nothing it does not create in that iteration: no global, argument, closure or shared object
//    (`x[i] = …`, `x.append(…)`, `out=` on a name it did not make), and neither do the file's functions it calls;
//  - every name the work assigns is written before it is read in each iteration and is not read after the loop (a
//    value carried from one iteration to the next, a running sum or state, refuses the loop), and the work reads
//    nothing the collecting statement writes;
//  - it prints nothing, opens nothing, draws nothing from a global random generator (`random.*`, `np.random.*` other
//    than a generator made from a seed), and reads only module values fixed when the module loads (functions,
//    classes, imports, literal constants): a worker loads the module again, or gets a copy of what it needs;
//  - no `break`, `continue`, `return` or `yield` leaves an iteration early, and the loop has no `else`.
// A loop that breaks a rule is refused with the statement and the line. The rewrite (`rewriteParallel`) is text:
// the function's own source with that loop replaced by a call of the engine's map and the collecting statement run
// over the results, in order; the work becomes a function of its own (`_pl_body`).
import { Buffer } from 'node:buffer';
import type { PyAstExport, PyNode } from './frontend-py';
import type { Refusal } from './refusal';

/** A loop proven parallel, and the rewrite's text. */
export interface ParallelLoopPlan {
  kind: 'parallel-loop';
  /** The function's name, the file's name, the 1-based line of its `def`. */
  name: string;
  fileName: string;
  line: number;
  /** Where the loop is, and what it is, in words: `the loop over seeds (line 12)`. */
  loopLine: number;
  description: string;
  /** The function's local names the work reads (sent to each worker with the items). */
  free: string[];
  /** The file's functions the work calls (checked too). */
  callees: string[];
  /**
   * How many items a call sends, from its arguments, where the loop goes over a parameter (`for x in xs`,
   * `enumerate(xs)`, `zip(xs, …)`, `range(len(xs))`: its length) or `range(n)` of one (its value): the break-even
   * model of dispatch (bench/dispatch.ts) reads it from the recorded calls.
   */
  items?: { param: number; how: 'length' | 'count' };
  /**
   * `def _pl_body(_pl_item, …free): …; return E`: one iteration's work. Compiled in the generated module, run with the
   * globals of the user's module.
   */
  body: string;
  /**
   * The function rewritten, named `_pl_parallel`, with the loop replaced; `__PL_MODULE__` stands for the generated
   * module's name (the backend's, which differs per target).
   */
  rewritten: string;
}

export type ParallelResult = { ok: true; plan: ParallelLoopPlan } | { ok: false; refusal: Refusal };

/** The placeholder of the generated module's name in `ParallelLoopPlan.rewritten`. */
export const MODULE_PLACEHOLDER = '__PL_MODULE__';

class NotParallel extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    readonly construct: string,
    message: string,
  ) {
    super(message);
  }
}

function node(v: unknown): PyNode | undefined {
  return v && typeof v === 'object' && '_type' in (v as object) ? (v as PyNode) : undefined;
}

function nodes(v: unknown): PyNode[] {
  return (Array.isArray(v) ? v : []).filter((x) => node(x)) as PyNode[];
}

/** Every node below `n` (itself included), not entering nested functions, lambdas or classes unless `deep`. */
function walk(n: unknown, visit: (x: PyNode) => void, deep = false): void {
  if (Array.isArray(n)) return n.forEach((x) => walk(x, visit, deep));
  const x = node(n);
  if (!x) return;
  visit(x);
  if (!deep && ['FunctionDef', 'AsyncFunctionDef', 'Lambda', 'ClassDef'].includes(x._type)) return;
  for (const [k, v] of Object.entries(x)) if (k !== '_type' && typeof v === 'object') walk(v, visit, deep);
}

const SCOPES = new Set(['ListComp', 'SetComp', 'DictComp', 'GeneratorExp']);
const MUTATING = new Set([
  'append',
  'extend',
  'insert',
  'pop',
  'remove',
  'clear',
  'update',
  'add',
  'discard',
  'setdefault',
  'sort',
  'reverse',
  'popitem',
  '__setitem__',
  '__delitem__',
  'fill',
  'resize',
  'put',
  'itemset',
  'write',
  'writelines',
  'send',
]);
/** Builtins whose call is I/O or reaches into scopes. */
const IMPURE_BUILTINS = new Set(['print', 'open', 'input', 'exec', 'eval', 'globals', 'locals', 'vars', 'setattr', 'delattr', 'breakpoint', '__import__']);
/** Constructors of a random generator from a seed: each iteration gets its own. */
const SEEDED = new Set(['default_rng', 'Generator', 'SeedSequence', 'PCG64', 'PCG64DXSM', 'Philox', 'SFC64', 'MT19937', 'RandomState', 'Random']);
/** Calls that make a new object the iteration may then write. */
const FRESH_CALLS = new Set([
  'list',
  'dict',
  'set',
  'bytearray',
  'zeros',
  'ones',
  'empty',
  'full',
  'zeros_like',
  'ones_like',
  'empty_like',
  'array',
  'copy',
  'deepcopy',
]);
/** Consumers of a generator expression that take every element, in order. */
const CONSUMERS = new Set(['sum', 'list', 'tuple', 'sorted', 'min', 'max']);

/** The names a target binds (`x`, `(a, b)`, `[a, *b]`); undefined when it stores elsewhere (an element, an attribute). */
function targetNames(t: PyNode | undefined): string[] | undefined {
  if (!t) return undefined;
  if (t._type === 'Name') return [String(t.id)];
  if (t._type === 'Starred') return targetNames(node(t.value));
  if (t._type === 'Tuple' || t._type === 'List') {
    const out: string[] = [];
    for (const e of nodes(t.elts)) {
      const n = targetNames(e);
      if (!n) return undefined;
      out.push(...n);
    }
    return out;
  }
  return undefined;
}

/** The name at the root of `x[i].a[j]`, or undefined. */
function rootName(t: PyNode | undefined): string | undefined {
  let x = t;
  while (x && (x._type === 'Subscript' || x._type === 'Attribute')) x = node(x.value);
  return x?._type === 'Name' ? String(x.id) : undefined;
}

/** The names a function binds locally: its parameters and every name it stores (not in nested scopes). */
function localNames(fn: PyNode): Set<string> {
  const out = new Set<string>();
  const args = node(fn.args);
  if (args) {
    for (const key of ['posonlyargs', 'args', 'kwonlyargs']) for (const a of nodes(args[key])) out.add(String(a.arg));
    for (const key of ['vararg', 'kwarg']) if (node(args[key])) out.add(String(node(args[key])!.arg));
  }
  const declared = new Set<string>();
  const visit = (n: unknown, inComprehension: boolean): void => {
    if (Array.isArray(n)) return n.forEach((x) => visit(x, inComprehension));
    const x = node(n);
    if (!x) return;
    if (x._type === 'Global' || x._type === 'Nonlocal') for (const name of (x.names as string[]) ?? []) declared.add(name);
    if (['FunctionDef', 'AsyncFunctionDef', 'ClassDef'].includes(x._type)) {
      out.add(String(x.name));
      return;
    }
    if (x._type === 'Lambda') return;
    if (x._type === 'Name' && (x.ctx === 'Store' || x.ctx === 'Del') && !inComprehension) out.add(String(x.id));
    if (x._type === 'NamedExpr') for (const name of targetNames(node(x.target)) ?? []) out.add(name);
    if (x._type === 'Import' || x._type === 'ImportFrom') for (const a of nodes(x.names)) out.add(a.asname ? String(a.asname) : String(a.name).split('.')[0]!);
    if (x._type === 'ExceptHandler' && x.name) out.add(String(x.name));
    const comp = SCOPES.has(x._type);
    for (const [k, v] of Object.entries(x)) if (k !== '_type' && typeof v === 'object') visit(v, inComprehension || comp);
  };
  visit(fn.body, false);
  for (const d of declared) out.delete(d);
  return out;
}

/** The source text, addressed by the AST's (line, 1-based UTF-8 byte column). */
class SourceText {
  private readonly starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.starts.push(i + 1);
  }
  lineText(line: number): string {
    const start = this.starts[line - 1] ?? this.text.length;
    const end = this.starts[line] ?? this.text.length;
    return this.text.slice(start, end).replace(/\r?\n$/, '');
  }
  /** The string offset of (line, byte column). */
  offset(line: number, col: number): number {
    const bytes = Buffer.from(this.lineText(line), 'utf8');
    return (this.starts[line - 1] ?? 0) + bytes.subarray(0, col - 1).toString('utf8').length;
  }
  startOf(n: PyNode): number {
    return this.offset(Number(n.line), Number(n.col));
  }
  endOf(n: PyNode): number {
    const end = n.end as [number, number] | undefined;
    if (!end) throw new Error(`the AST export gave no end for a ${n._type}`);
    return this.offset(end[0], end[1]);
  }
  of(n: PyNode): string {
    return this.text.slice(this.startOf(n), this.endOf(n));
  }
}

function short(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > 60 ? `${one.slice(0, 57)}…` : one;
}

interface Candidate {
  loop: PyNode;
  /** The comprehension's consumer call when it is a generator expression. */
  kind: 'for' | 'comprehension';
}

/** What the analysis knows of the file and the function. */
/** The AST export with how each top-level name gets its value (perf_lab_ast.py module_values). */
type ModuleExport = Extract<PyAstExport, { ok: true }> & { moduleValues?: Record<string, 'def' | 'class' | 'import' | 'constant' | 'other'> };

interface Context {
  ast: ModuleExport;
  fn: PyNode;
  locals: Set<string>;
  src: SourceText;
}

function refuse(at: PyNode, construct: string, message: string): never {
  throw new NotParallel(Number(at.line ?? 1), Number(at.col ?? 1), construct, message);
}

/**
 * Finds the parallel loop of the entry function of an AST export: the first loop or comprehension (outermost first, in
 * source order) whose iterations are independent, or the refusal of the first one that is not.
 */
export function findParallelLoop(ast: PyAstExport, fileName: string, source: string): ParallelResult {
  if (!ast.ok) return { ok: false, refusal: { construct: fileName, line: ast.line, column: ast.column, reason: ast.message } };
  const fn = ast.functions[ast.entry]!;
  const ctx: Context = { ast: ast as ModuleExport, fn, locals: localNames(fn), src: new SourceText(source) };
  const at = (n: PyNode, reason: string): Refusal => ({ construct: `def ${ast.entry}`, line: Number(n.line ?? 1), column: Number(n.col ?? 1), reason });
  if (fn._type !== 'FunctionDef') return { ok: false, refusal: at(fn, 'an async function: its loop waits on an event loop, not on cores') };
  if (nodes(fn.decorator_list).length > 0) return { ok: false, refusal: at(fn, 'a decorated function: the rewrite would lose what the decorator does') };
  let reserved: PyNode | undefined;
  walk(fn, (x) => {
    if (!reserved && ((x._type === 'Name' && String(x.id).startsWith('_pl')) || (x._type === 'arg' && String(x.arg).startsWith('_pl')))) reserved = x;
  });
  if (reserved) return { ok: false, refusal: at(reserved, 'it uses a name starting with _pl, which the parallel rewrite keeps for itself') };

  const candidates: Candidate[] = [];
  const whiles: PyNode[] = [];
  const collect = (n: unknown, parent?: PyNode): void => {
    if (Array.isArray(n)) return n.forEach((x) => collect(x, parent));
    const x = node(n);
    if (!x) return;
    if (['FunctionDef', 'AsyncFunctionDef', 'Lambda', 'ClassDef'].includes(x._type) && x !== fn) return;
    if (x._type === 'For') candidates.push({ loop: x, kind: 'for' });
    if (x._type === 'While') whiles.push(x);
    if (x._type === 'ListComp') candidates.push({ loop: x, kind: 'comprehension' });
    if (x._type === 'GeneratorExp') {
      const f = parent && parent._type === 'Call' ? node(parent.func) : undefined;
      const sole = parent && nodes(parent.args).length === 1 && nodes(parent.keywords).length === 0;
      if (f?._type === 'Name' && CONSUMERS.has(String(f.id)) && sole && !ctx.locals.has(String(f.id)) && !(String(f.id) in (ctx.ast.moduleValues ?? {})))
        candidates.push({ loop: x, kind: 'comprehension' });
    }
    for (const [k, v] of Object.entries(x)) if (k !== '_type' && typeof v === 'object') collect(v, x);
  };
  collect(fn.body);
  candidates.sort((a, b) => Number(a.loop.line) - Number(b.loop.line) || Number(a.loop.col) - Number(b.loop.col));
  let first: Refusal | undefined;
  for (const c of candidates) {
    try {
      const plan = c.kind === 'for' ? planFor(ctx, c.loop, fileName) : planComprehension(ctx, c.loop, fileName);
      return { ok: true, plan };
    } catch (e) {
      if (!(e instanceof NotParallel)) throw e;
      // A loop inside a refused loop may still qualify; the first refusal is the one reported.
      first ??= { construct: e.construct, line: e.line, column: e.column, reason: e.message };
    }
  }
  if (first) return { ok: false, refusal: first };
  if (whiles[0])
    return {
      ok: false,
      refusal: {
        construct: 'while',
        line: Number(whiles[0].line),
        column: Number(whiles[0].col),
        reason: 'a while loop: its iterations are not the items of a sequence that could be sent to workers',
      },
    };
  return { ok: false, refusal: at(fn, `${ast.entry} has no for loop or comprehension to run in parallel`) };
}

/** The checks of one iteration's work: `stmts` (the body before the collecting statement) and `value` (what is collected). */
interface Work {
  ctx: Context;
  loop: PyNode;
  /** Names bound by the loop's target. */
  targets: Set<string>;
  /** Names the collecting statement writes (its root name). */
  collected: Set<string>;
  collectAt?: PyNode;
}

interface WorkFacts {
  free: string[];
  callees: string[];
  hasWork: boolean;
}

/** Checks the work of one iteration; returns the function's locals it reads, the file's functions it calls. */
function checkWork(w: Work, stmts: PyNode[], value: PyNode): WorkFacts {
  const { ctx } = w;
  const moduleValues = ctx.ast.moduleValues ?? {};
  // Names the work assigns (its temporaries), and those that hold a new object it may write.
  const temps = new Set<string>();
  for (const s of stmts)
    walk(s, (x) => {
      if (x._type === 'Name' && (x.ctx === 'Store' || x.ctx === 'Del')) temps.add(String(x.id));
      if (x._type === 'NamedExpr') for (const n of targetNames(node(x.target)) ?? []) temps.add(n);
    });
  // Comprehension variables inside the work are their own scope: not temporaries of the iteration.
  const compVars = new Set<string>();
  walk([...stmts, value], (x) => {
    if (SCOPES.has(x._type)) for (const g of nodes(x.generators)) for (const n of targetNames(node(g.target)) ?? []) compVars.add(n);
  });
  for (const t of temps) {
    if (w.targets.has(t)) {
      const where = firstStore(stmts, t)!;
      refuse(where, short(ctx.src.of(where)), `it assigns the loop's variable ${t} (line ${where.line})`);
    }
  }
  const fresh = new Set<string>();
  for (const s of stmts) {
    if (s._type !== 'Assign') continue;
    const names = nodes(s.targets).length === 1 && node(nodes(s.targets)[0])?._type === 'Name' ? [String(nodes(s.targets)[0]!.id)] : [];
    if (names.length === 1 && isFresh(node(s.value))) fresh.add(names[0]!);
  }
  // A temporary assigned anywhere but as a fresh object is not fresh.
  for (const s of stmts)
    walk(s, (x) => {
      if (x._type === 'Name' && x.ctx === 'Store' && fresh.has(String(x.id))) {
        const assign = stmts.find((t) => t._type === 'Assign' && nodes(t.targets)[0] === x);
        if (!assign) fresh.delete(String(x.id));
      }
    });

  // Each temporary is written before it is read in every iteration: in evaluation order, a top-level assignment
  // defines it for the statements after it; an inner loop's variable is defined inside that loop.
  const readBeforeWrite = (n: unknown, scope: Set<string>, comp: Set<string>): void => {
    if (Array.isArray(n)) return n.forEach((x) => readBeforeWrite(x, scope, comp));
    const x = node(n);
    if (!x) return;
    if (x._type === 'Name' && x.ctx === 'Load') {
      const name = String(x.id);
      if (temps.has(name) && !scope.has(name) && !comp.has(name))
        refuse(x, name, `${name} carries a value from one iteration to the next (read on line ${x.line} before this iteration assigns it)`);
      return;
    }
    if (SCOPES.has(x._type)) {
      const inner = new Set(comp);
      nodes(x.generators).forEach((g, i) => {
        readBeforeWrite(g.iter, scope, i === 0 ? comp : inner);
        for (const n of targetNames(node(g.target)) ?? []) inner.add(n);
        readBeforeWrite(g.ifs, scope, inner);
      });
      readBeforeWrite(x.elt ?? [x.key, x.value], scope, inner);
      return;
    }
    if (x._type === 'Assign' || x._type === 'AnnAssign') {
      readBeforeWrite(x.value, scope, comp);
      for (const t of x._type === 'Assign' ? nodes(x.targets) : [node(x.target)!]) {
        if (t._type !== 'Name') readBeforeWrite(t, scope, comp);
      }
      for (const t of x._type === 'Assign' ? nodes(x.targets) : [node(x.target)!]) for (const n of targetNames(t) ?? []) scope.add(n);
      return;
    }
    if (x._type === 'AugAssign') {
      const t = node(x.target)!;
      readBeforeWrite(x.value, scope, comp);
      readBeforeWrite({ ...t, ctx: 'Load' }, scope, comp);
      return;
    }
    if (x._type === 'For') {
      readBeforeWrite(x.iter, scope, comp);
      const inner = new Set(scope);
      for (const n of targetNames(node(x.target)) ?? []) inner.add(n);
      readBeforeWrite(x.body, inner, comp);
      readBeforeWrite(x.orelse, new Set(scope), comp);
      return;
    }
    if (x._type === 'If' || x._type === 'While') {
      readBeforeWrite(x.test, scope, comp);
      readBeforeWrite(x.body, new Set(scope), comp);
      readBeforeWrite(x.orelse, new Set(scope), comp);
      return;
    }
    for (const [k, v] of Object.entries(x)) if (k !== '_type' && typeof v === 'object') readBeforeWrite(v, scope, comp);
  };
  const top = new Set<string>(w.targets);
  for (const s of stmts) {
    const scope = new Set(top);
    readBeforeWrite(s, scope, new Set());
    // Only a top-level assignment defines a name for the statements after it.
    if (s._type === 'Assign' || s._type === 'AnnAssign' || s._type === 'AugAssign')
      for (const t of s._type === 'Assign' ? nodes(s.targets) : [node(s.target)!]) for (const n of targetNames(t) ?? []) top.add(n);
  }
  readBeforeWrite(value, top, new Set());

  // Temporaries are not read outside the loop (the rewrite does not bind them).
  const loopNodes = new Set<PyNode>();
  walk(w.loop, (x) => loopNodes.add(x));
  walk(ctx.fn.body, (x) => {
    if (loopNodes.has(x)) return;
    if (x._type === 'Name' && x.ctx === 'Load' && temps.has(String(x.id)))
      refuse(x, String(x.id), `${x.id} is assigned in the loop and read outside it (line ${x.line}), so the iterations cannot run elsewhere`);
  });

  const free = new Set<string>();
  const callees = new Set<string>();
  let hasWork = false;
  const seenCallees = new Set<string>();
  const checkBody = (body: unknown, locals: Set<string>, own: Set<string>, freshNames: Set<string>, where: string, isCallee: boolean): void => {
    const visit = (n: unknown, loops: number): void => {
      if (Array.isArray(n)) return n.forEach((x) => visit(x, loops));
      const x = node(n);
      if (!x) return;
      const text = () => short(ctx.src.of(x));
      switch (x._type) {
        case 'Break':
        case 'Continue':
          if (loops === 0 && !isCallee) refuse(x, x._type.toLowerCase(), `it leaves the loop early (${x._type.toLowerCase()} on line ${x.line})`);
          break;
        case 'Return':
          if (!isCallee) refuse(x, 'return', `it returns from inside the loop (line ${x.line})`);
          break;
        case 'Yield':
        case 'YieldFrom':
        case 'Await':
          refuse(x, x._type.toLowerCase(), `${where} ${x._type === 'Await' ? 'awaits' : 'yields'} (line ${x.line})`);
          break;
        case 'Global':
        case 'Nonlocal':
          refuse(
            x,
            text(),
            `${where} declares ${((x.names as string[]) ?? []).join(', ')} ${x._type.toLowerCase()} (line ${x.line}): a worker's write would be lost`,
          );
          break;
        case 'FunctionDef':
        case 'AsyncFunctionDef':
        case 'ClassDef':
        case 'Lambda':
          refuse(x, x._type === 'Lambda' ? 'lambda' : String(x.name), `${where} defines a function or class (line ${x.line}), which a worker cannot be sent`);
          break;
        case 'With':
        case 'AsyncWith':
          refuse(x, 'with', `${where} enters a context (line ${x.line}): a file or lock there would be opened in each worker`);
          break;
        case 'For':
        case 'While':
          hasWork = true;
          visit(x.target, loops);
          visit(x.iter ?? x.test, loops);
          visit(x.body, loops + 1);
          visit(x.orelse, loops);
          return;
        case 'Delete':
        case 'Assign':
        case 'AugAssign':
        case 'AnnAssign': {
          const targets = x._type === 'Assign' || x._type === 'Delete' ? nodes(x.targets) : [node(x.target)!];
          for (const t of targets) {
            const all: PyNode[] = t._type === 'Tuple' || t._type === 'List' ? nodes(t.elts) : [t];
            for (const e of all) {
              if (e._type === 'Name' || e._type === 'Starred') continue;
              const root = rootName(e);
              if (!root || !freshNames.has(root))
                refuse(
                  x,
                  short(ctx.src.of(e)),
                  `${where} writes ${short(ctx.src.of(e))} (line ${x.line}), which is not its own: ${isCallee ? 'a caller' : 'other iterations'} may share it`,
                );
            }
          }
          break;
        }
        case 'Call': {
          hasWork = true;
          const f = node(x.func)!;
          if (f._type === 'Name') {
            const name = String(f.id);
            if (!locals.has(name) && IMPURE_BUILTINS.has(name) && !(name in moduleValues))
              refuse(
                x,
                text(),
                `${where} calls ${name} (line ${x.line}): ${name === 'print' ? "the workers' output would not come out in order" : 'it reaches outside the iteration'}`,
              );
            if (!locals.has(name) && moduleValues[name] === 'def') {
              if (!ctx.ast.functions[name]) refuse(x, text(), `${where} calls ${name}, which Perf Lab could not read`);
              callees.add(name);
              checkCallee(name);
            }
          }
          if (f._type === 'Attribute') {
            const root = rootName(f.value as PyNode);
            const method = String(f.attr);
            if (MUTATING.has(method) && !(root && freshNames.has(root)))
              refuse(
                x,
                text(),
                `${where} calls ${short(ctx.src.of(f))} (line ${x.line}), which changes ${root ?? 'an object'} that ${isCallee ? 'a caller' : 'other iterations'} may share`,
              );
            const path = dotted(f, locals, ctx.ast.imports);
            if (path && (path.startsWith('random.') || path.startsWith('numpy.random.')) && !SEEDED.has(path.split('.').pop()!))
              refuse(
                x,
                text(),
                `${where} draws from the global random generator (${short(ctx.src.of(f))}, line ${x.line}): the results would depend on which worker draws first`,
              );
          }
          if (f._type === 'Name' && !locals.has(f.id as string)) {
            const path = ctx.ast.imports[String(f.id)];
            if (path && (path.startsWith('random.') || path.startsWith('numpy.random.')) && !SEEDED.has(path.split('.').pop()!))
              refuse(
                x,
                text(),
                `${where} draws from the global random generator (${f.id}, line ${x.line}): the results would depend on which worker draws first`,
              );
          }
          for (const k of nodes(x.keywords)) {
            if (k.arg !== 'out') continue;
            const root = rootName(node(k.value));
            if (!root || !freshNames.has(root)) refuse(x, text(), `${where} writes into ${short(ctx.src.of(node(k.value)!))} through out= (line ${x.line})`);
          }
          break;
        }
        case 'Name': {
          const name = String(x.id);
          if (x.ctx !== 'Load') break;
          if (locals.has(name)) {
            if (!isCallee && !own.has(name) && !compVars.has(name)) free.add(name);
            break;
          }
          const kind = moduleValues[name];
          if (kind === 'other')
            refuse(
              x,
              name,
              `${where} reads ${name} (line ${x.line}), a module value that is not fixed when the module loads: a worker would not see the program's value`,
            );
          if (kind === 'def' && !ctx.ast.functions[name])
            refuse(x, name, `${where} uses the function ${name} as a value (line ${x.line}); Perf Lab checks only the functions it calls`);
          break;
        }
        default:
          break;
      }
      for (const [k, v] of Object.entries(x)) if (k !== '_type' && typeof v === 'object') visit(v, loops);
    };
    visit(body, 0);
  };
  const checkCallee = (name: string): void => {
    if (seenCallees.has(name)) return;
    seenCallees.add(name);
    const g = ctx.ast.functions[name]!;
    const locals = localNames(g);
    const params = new Set<string>();
    const args = node(g.args);
    if (args) for (const key of ['posonlyargs', 'args', 'kwonlyargs']) for (const a of nodes(args[key])) params.add(String(a.arg));
    // Names the callee makes from a new object: it may write those.
    const freshNames = new Set<string>();
    walk(g.body, (x) => {
      if (x._type === 'Assign' && nodes(x.targets).length === 1 && node(nodes(x.targets)[0])?._type === 'Name' && isFresh(node(x.value)))
        freshNames.add(String(nodes(x.targets)[0]!.id));
    });
    // A name assigned otherwise as well (or a parameter) is not fresh.
    walk(g.body, (x) => {
      if (x._type !== 'Name' || x.ctx !== 'Store' || !freshNames.has(String(x.id))) return;
      let ok = false;
      walk(g.body, (s) => (ok ||= s._type === 'Assign' && nodes(s.targets)[0] === x && isFresh(node(s.value))));
      if (!ok) freshNames.delete(String(x.id));
    });
    for (const p of params) freshNames.delete(p);
    checkBody(g.body, locals, locals, freshNames, `${name}, which it calls,`, true);
  };
  const own = new Set<string>([...temps, ...w.targets]);
  const freshNames = new Set([...fresh].filter((f) => temps.has(f)));
  checkBody([...stmts, value], ctx.locals, own, freshNames, 'the loop', false);
  for (const c of w.collected)
    if (free.has(c)) {
      const at = w.collectAt!;
      refuse(at, short(ctx.src.of(at)), `the loop writes ${c} (line ${at.line}) and its iterations read it`);
    }
  return { free: [...free].sort(), callees: [...callees].sort(), hasWork };
}

/** The dotted module path of `np.random.rand` through the file's imports (`numpy.random.rand`), when its root is an import. */
function dotted(f: PyNode, locals: Set<string>, imports: Record<string, string>): string | undefined {
  const parts: string[] = [];
  let x: PyNode | undefined = f;
  while (x && x._type === 'Attribute') {
    parts.unshift(String(x.attr));
    x = node(x.value);
  }
  if (!x || x._type !== 'Name' || locals.has(String(x.id))) return undefined;
  const path = imports[String(x.id)];
  return path ? [path, ...parts].join('.') : undefined;
}

function isFresh(v: PyNode | undefined): boolean {
  if (!v) return false;
  if (['List', 'Dict', 'Set', 'ListComp', 'DictComp', 'SetComp'].includes(v._type)) return true;
  if (v._type === 'BinOp' && v.op === 'Mult' && (node(v.left)?._type === 'List' || node(v.right)?._type === 'List')) {
    const list = node(v.left)?._type === 'List' ? node(v.left)! : node(v.right)!;
    return nodes(list.elts).every((e) => e._type === 'Constant');
  }
  if (v._type === 'Call') {
    const f = node(v.func)!;
    const name = f._type === 'Name' ? String(f.id) : f._type === 'Attribute' ? String(f.attr) : '';
    return FRESH_CALLS.has(name);
  }
  return false;
}

function firstStore(stmts: PyNode[], name: string): PyNode | undefined {
  let found: PyNode | undefined;
  walk(stmts, (x) => {
    if (!found && x._type === 'Name' && x.ctx === 'Store' && x.id === name) found = x;
  });
  return found;
}

/** A multi-line string in the text the rewrite moves would change if its lines were indented again. */
function checkNoMultilineStrings(n: unknown): void {
  walk(n, (x) => {
    const end = x.end as [number, number] | undefined;
    if (x._type === 'Constant' && end && end[0] !== x.line && (x.value as { str?: string } | undefined)?.str !== undefined)
      refuse(x, 'a string', `a string spanning lines (line ${x.line}) in the loop's body, which the rewrite would indent again`);
  });
}

/** The text of a statement list's lines, indented from `from` to `to` spaces. */
function reindent(ctx: Context, stmts: PyNode[], to: string): string[] {
  if (stmts.length === 0) return [];
  const first = Number(stmts[0]!.line);
  const last = Number(stmts.at(-1)!.endLine ?? stmts.at(-1)!.line);
  const indent = /^\s*/.exec(ctx.src.lineText(first))![0];
  const out: string[] = [];
  for (let l = first; l <= last; l++) {
    const t = ctx.src.lineText(l);
    out.push(t.trim() === '' ? '' : to + (t.startsWith(indent) ? t.slice(indent.length) : t.trimStart()));
  }
  return out;
}

function withItems(items: ParallelLoopPlan['items']): Pick<ParallelLoopPlan, 'items'> {
  return items ? { items } : {};
}

function tupleOf(names: string[]): string {
  return names.length === 0 ? '()' : names.length === 1 ? `(${names[0]},)` : `(${names.join(', ')})`;
}

/** The rewritten function: the def's text from its line to its end, renamed, with [start, end) replaced. */
function rewriteDef(ctx: Context, start: number, end: number, replacement: string): string {
  const fn = ctx.fn;
  const defStart = ctx.src.offset(Number(fn.line), 1);
  const defEnd = ctx.src.endOf(fn);
  let text = ctx.src.text.slice(defStart, start) + replacement + ctx.src.text.slice(end, defEnd);
  text = text.replace(new RegExp(`^(\\s*def\\s+)${ctx.ast.entry}\\b`), '$1_pl_parallel');
  if (!text.startsWith('def _pl_parallel'))
    throw new NotParallel(
      Number(fn.line),
      1,
      `def ${ctx.ast.entry}`,
      `the definition of ${ctx.ast.entry} does not start with "def ${ctx.ast.entry}" on its line`,
    );
  return text.replace(/\s+$/, '') + '\n';
}

function bodyText(targetText: string, free: string[], stmts: string[], value: string): string {
  return [`def _pl_body(_pl_item${free.map((f) => `, ${f}`).join('')}):`, `    ${targetText} = _pl_item`, ...stmts, `    return (${value})`, ''].join('\n');
}

/** How many items the sequence `iter` holds, in terms of one of the function's parameters (ParallelLoopPlan.items). */
function itemsOf(ctx: Context, iter: PyNode): ParallelLoopPlan['items'] {
  const params = nodes(node(ctx.fn.args)?.args).map((a) => String(a.arg));
  const param = (n: PyNode | undefined): number => (n?._type === 'Name' ? params.indexOf(String(n.id)) : -1);
  const call = (n: PyNode | undefined, name: string): PyNode[] | undefined => {
    const f = n?._type === 'Call' ? node(n.func) : undefined;
    return f?._type === 'Name' && f.id === name && !ctx.locals.has(name) ? nodes(n!.args) : undefined;
  };
  const length = (n: PyNode | undefined): ParallelLoopPlan['items'] => {
    const p = param(n);
    return p >= 0 && !firstStore(nodes(ctx.fn.body), params[p]!) ? { param: p, how: 'length' } : undefined;
  };
  if (iter._type === 'Name') return length(iter);
  const over = call(iter, 'enumerate') ?? call(iter, 'zip');
  if (over?.[0]) return length(over[0]);
  const range = call(iter, 'range');
  if (range?.length === 1) {
    const inner = call(range[0], 'len');
    if (inner?.length === 1) return length(inner[0]);
    const p = param(range[0]);
    if (p >= 0 && !firstStore(nodes(ctx.fn.body), params[p]!)) return { param: p, how: 'count' };
  }
  return undefined;
}

function loopName(ctx: Context, target: PyNode, iter: PyNode): string {
  return `${short(ctx.src.of(target))} in ${short(ctx.src.of(iter))}`;
}

function planFor(ctx: Context, loop: PyNode, fileName: string): ParallelLoopPlan {
  const body = nodes(loop.body);
  const construct = `for ${loopName(ctx, node(loop.target)!, node(loop.iter)!)}`;
  if (nodes(loop.orelse).length > 0) refuse(loop, construct, 'a for loop with an else clause');
  const targetNames_ = targetNames(node(loop.target));
  if (!targetNames_) refuse(loop, construct, "the loop's variable is not a name or a tuple of names");
  const last = body.at(-1)!;
  let value: PyNode | undefined;
  let collected: string | undefined;
  if (last._type === 'Expr') {
    const call = node(last.value);
    const f = call?._type === 'Call' ? node(call.func) : undefined;
    if (
      f?._type === 'Attribute' &&
      f.attr === 'append' &&
      node(f.value)?._type === 'Name' &&
      nodes(call!.args).length === 1 &&
      nodes(call!.keywords).length === 0
    ) {
      value = nodes(call!.args)[0];
      collected = String(node(f.value)!.id);
    }
  } else if (last._type === 'Assign' && nodes(last.targets).length === 1 && node(nodes(last.targets)[0])?._type === 'Subscript') {
    value = node(last.value);
    collected = rootName(nodes(last.targets)[0]);
  } else if (last._type === 'AugAssign' && ['Name', 'Subscript'].includes(String(node(last.target)?._type))) {
    value = node(last.value);
    collected = rootName(node(last.target));
  }
  if (!value || !collected)
    refuse(
      last,
      short(ctx.src.of(last)),
      `the loop's last statement (line ${last.line}) does not collect a result (results.append(…), out[i] = …, total += …)`,
    );
  if (value._type === 'Starred') refuse(last, short(ctx.src.of(last)), 'it collects a starred value');
  const stmts = body.slice(0, -1);
  checkNoMultilineStrings([...stmts, value]);
  const facts = checkWork({ ctx, loop, targets: new Set(targetNames_), collected: new Set([collected]), collectAt: last }, stmts, value);
  // The collecting statement's other parts (an index) run in the caller, in order; the sequence is read once, first.
  const iter = node(loop.iter)!;
  walk(iter, (x) => {
    if (x._type === 'Name' && x.id === collected)
      refuse(iter, short(ctx.src.of(iter)), `the loop goes over ${collected}, which it also writes (line ${last.line})`);
  });
  if (!facts.hasWork) refuse(loop, construct, 'its iterations call nothing and run no inner loop: too little work per item to send to another process');
  // The loop's lines are replaced whole: nothing else may share them.
  const start = ctx.src.startOf(loop);
  const end = ctx.src.endOf(loop);
  const lineStart = ctx.src.offset(Number(loop.line), 1);
  const before = ctx.src.text.slice(lineStart, start);
  const after = ctx.src.text.slice(end).split('\n')[0]!;
  if (before.trim() !== '' || (after.trim() !== '' && !after.trim().startsWith('#'))) refuse(loop, construct, 'another statement shares a line with the loop');
  const indent = before;
  const target = ctx.src.of(node(loop.target)!);
  const collectText =
    ctx.src.text.slice(ctx.src.startOf(last), ctx.src.startOf(value)) + '_pl_value' + ctx.src.text.slice(ctx.src.endOf(value), ctx.src.endOf(last));
  const replacement = [
    `_pl_items = list(${ctx.src.of(iter)})`,
    `${indent}_pl_values, _pl_error = __import__("${MODULE_PLACEHOLDER}")._map(_pl_items, ${tupleOf(facts.free)})`,
    `${indent}for (${target}), _pl_value in zip(_pl_items, _pl_values):`,
    `${indent}    ${collectText}`,
    `${indent}if _pl_error is not None:`,
    `${indent}    (${target}) = _pl_items[len(_pl_values)]`,
    `${indent}    raise _pl_error`,
  ].join('\n');
  const where = `the loop over ${short(ctx.src.of(iter))} (line ${loop.line})`;
  return {
    kind: 'parallel-loop',
    name: ctx.ast.entry,
    fileName,
    line: Number(ctx.fn.line),
    loopLine: Number(loop.line),
    description: `${where}, collected in order by ${short(ctx.src.of(last))}`,
    free: facts.free,
    callees: facts.callees,
    ...withItems(itemsOf(ctx, iter)),
    body: bodyText(target, facts.free, reindent(ctx, stmts, '    '), ctx.src.of(value)),
    rewritten: rewriteDef(ctx, start, end, replacement),
  };
}

function planComprehension(ctx: Context, comp: PyNode, fileName: string): ParallelLoopPlan {
  const gens = nodes(comp.generators);
  const g = gens[0]!;
  const construct = short(ctx.src.of(comp));
  if (gens.length !== 1) refuse(comp, construct, 'a comprehension with more than one for');
  if (nodes(g.ifs).length > 0) refuse(comp, construct, 'a comprehension with a condition');
  if (g.is_async) refuse(comp, construct, 'an async comprehension');
  const targets = targetNames(node(g.target));
  if (!targets) refuse(comp, construct, "the comprehension's variable is not a name or a tuple of names");
  const value = node(comp.elt)!;
  let walrus: PyNode | undefined;
  walk(value, (x) => (walrus ??= x._type === 'NamedExpr' ? x : undefined));
  if (walrus) refuse(walrus, ':=', `it assigns with := (line ${walrus.line})`);
  checkNoMultilineStrings(value);
  const facts = checkWork({ ctx, loop: comp, targets: new Set(targets), collected: new Set() }, [], value);
  if (!facts.hasWork) refuse(comp, construct, 'its iterations call nothing and run no inner loop: too little work per item to send to another process');
  const iter = node(g.iter)!;
  const target = ctx.src.of(node(g.target)!);
  const replacement = `(__import__("${MODULE_PLACEHOLDER}")._comprehension(list(${ctx.src.of(iter)}), ${tupleOf(facts.free)}))`;
  return {
    kind: 'parallel-loop',
    name: ctx.ast.entry,
    fileName,
    line: Number(ctx.fn.line),
    loopLine: Number(comp.line),
    description: `the comprehension over ${short(ctx.src.of(iter))} (line ${comp.line}): its elements in order`,
    free: facts.free,
    callees: facts.callees,
    ...withItems(itemsOf(ctx, iter)),
    body: bodyText(target, facts.free, [], ctx.src.of(value)),
    rewritten: rewriteDef(ctx, ctx.src.startOf(comp), ctx.src.endOf(comp), replacement),
  };
}

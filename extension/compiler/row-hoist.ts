// Rows of an array of arrays held for a whole loop. `m[i][j]` is lowered (frontend-js.ts rowElement) to an element
// of the rows' data at `starts[i] + j` when `j < lengths[i]`, else at -1, where the read bails out. Inside a loop
// that assigns none of the locals of `i` and writes neither `starts` nor `lengths` (a parameter's never change; one
// the function makes changes only by a push, a new array or a swap), `starts[i]` and `lengths[i]` are the same in
// every iteration, so they are read once, before the loop, into two locals, and the loop reads the locals: matmul's
// `a[i][t]` in its inner `t` loop, a row held in a variable (`const row = m[i]`) in the loops that use it.
// The reads before the loop must not bail out where the loop would not (it may run no iteration, or reach no
// access): an `i` that is not a row gives a start and a length of 0 instead, so that every `j` is outside the row
// and the access inside the loop still reads at -1 and bails out where it did, as JavaScript reads undefined there.
// Only the start and length inside such an element index are replaced: `m[i].length` keeps its own read, which bails
// out for a missing row (JavaScript throws a TypeError there).
import type { Expr, IrFunction, IrLocal, IrModule, NumType, Stmt } from './ir';
import { forEachSet, walkExpr, walkIr } from './ir-walk';

/** The module with row starts and lengths read once per loop where they cannot change (a new tree). */
export function hoistRows(ir: IrModule): IrModule {
  return { ...ir, functions: ir.functions.map(hoistFunction) };
}

/** A starts/lengths pair of one array of arrays (their array slots). */
interface RowParts {
  starts: number;
  lengths: number;
}

function rowParts(f: IrFunction): Map<number, RowParts> {
  // Keyed by the data array: a parameter's three arrays (IrParam.rows), or a local array of arrays (`c.starts`).
  const out = new Map<number, RowParts>();
  for (const p of f.params) if (p.rows?.part === 'data') out.set(p.slot, { starts: p.slot + 1, lengths: p.slot + 2 });
  f.arrays.forEach((a, k) => {
    const s = f.arrays[k + 1];
    const l = f.arrays[k + 2];
    if (a.local && s?.local && l?.local && s.name === `${a.name}.starts` && l.name === `${a.name}.lengths`) out.set(k, { starts: k + 1, lengths: k + 2 });
  });
  return out;
}

/** A pure int32 index with no read, call or trap: locals, constants, additions, subtractions, products. */
function pureIndex(e: Expr): boolean {
  if (e.type !== 'i32') return false;
  if (e.kind === 'local' || e.kind === 'const') return true;
  return e.kind === 'binary' && ['i32.add', 'i32.sub', 'i32.mul'].includes(e.op) && pureIndex(e.left) && pureIndex(e.right);
}

function localsIn(e: Expr): Set<number> {
  const out = new Set<number>();
  walkExpr(e, (x) => {
    if (x.kind === 'local') out.add(x.local);
  });
  return out;
}

/** One row element access: the start and length reads in its index, and the row index they read at. */
interface Site {
  parts: RowParts;
  row: Expr;
  key: string;
  start: Load;
  length: Load;
}

type Load = Extract<Expr, { kind: 'load' }>;

/** The read of `array` at a row index in `e` (a load, or ToInt32 of a local array's double). */
function loadOf(e: Expr, array: number): Load | undefined {
  if (e.kind === 'unary' && (e.op === 'i32.from_f64' || e.op === 'f64.from_i32')) return loadOf(e.arg, array);
  return e.kind === 'load' && e.array === array ? e : undefined;
}

/** `cond(j within lengths[i], starts[i] + j, -1)`, the index rowElement makes, read in `data`. */
function siteOf(index: Expr, parts: RowParts): Site | undefined {
  if (index.kind !== 'cond' || index.else.kind !== 'const' || index.else.value !== -1) return undefined;
  const at = index.then;
  if (at.kind !== 'binary' || (at.op !== 'i32.add' && at.op !== 'f64.add')) return undefined;
  const start = loadOf(at.left, parts.starts);
  if (!start || !pureIndex(start.index)) return undefined;
  const key = JSON.stringify(start.index);
  let length: Load | undefined;
  walkExpr(index.cond, (x) => {
    if (x.kind === 'load' && x.array === parts.lengths && JSON.stringify(x.index) === key) length ??= x;
  });
  return length ? { parts, row: start.index, key: `${parts.starts}:${key}`, start, length } : undefined;
}

function sitesIn(list: Stmt[], rows: Map<number, RowParts>): Site[] {
  const out: Site[] = [];
  const index = (array: number, e: Expr): void => {
    const parts = rows.get(array);
    const site = parts && siteOf(e, parts);
    if (site) out.push(site);
  };
  walkIr(
    list,
    (s) => {
      if (s.kind === 'store') index(s.array, s.index);
    },
    (e) => {
      if (e.kind === 'load') index(e.array, e.index);
    },
  );
  return out;
}

/** Arrays a statement list may change: written, made, grown, shrunk, swapped, or passed to a function. */
function arraysChanged(list: Stmt[]): Set<number> {
  const out = new Set<number>();
  walkIr(
    list,
    (s) => {
      if (s.kind === 'store' || s.kind === 'alloc' || s.kind === 'push' || s.kind === 'pop') out.add(s.array);
      if (s.kind === 'swap') out.add(s.array).add(s.other);
    },
    (e) => {
      if (e.kind === 'call') for (const a of e.args) if (a.kind === 'array') out.add(a.array);
    },
  );
  return out;
}

function hoistFunction(f: IrFunction): IrFunction {
  const rows = rowParts(f);
  if (rows.size === 0) return f;
  const locals: IrLocal[] = [...f.locals];

  const list = (body: Stmt[]): Stmt[] => body.flatMap(stmt);
  const stmt = (s: Stmt): Stmt[] => {
    if (s.kind === 'if') return [{ ...s, then: list(s.then), else: list(s.else) }];
    if (s.kind !== 'loop') return [s];
    const assigned = new Set<number>();
    forEachSet([s], (local) => assigned.add(local));
    const changed = arraysChanged([s]);
    const replace = new Map<Expr, Expr>();
    const before: Stmt[] = [];
    const held = new Map<string, { start: Expr; length: Expr }>();
    for (const site of sitesIn([s], rows)) {
      if (changed.has(site.parts.starts) || changed.has(site.parts.lengths)) continue;
      if ([...localsIn(site.row)].some((l) => assigned.has(l))) continue;
      let h = held.get(site.key);
      if (!h) {
        h = { start: hold(site.start, site.row, before), length: hold(site.length, site.row, before) };
        held.set(site.key, h);
      }
      replace.set(site.start, h.start);
      replace.set(site.length, h.length);
    }
    const loop = replace.size ? mapLoop(s, replace) : s;
    return [...before, { ...loop, body: list(loop.body), update: list(loop.update) }];
  };

  /** A local holding `load` read before the loop, 0 when `row` is not an index of its array. */
  const hold = (load: Load, row: Expr, before: Stmt[]): Expr => {
    const local = locals.length;
    const type: NumType = load.type;
    locals.push({ name: `${f.arrays[load.array]!.name}[row]`, type });
    const inside: Expr = { kind: 'binary', type: 'bool', op: 'i32.lt_u', left: row, right: { kind: 'length', type: 'i32', array: load.array } };
    before.push({ kind: 'set', local, value: { kind: 'cond', type, cond: inside, then: load, else: { kind: 'const', type, value: 0 } } });
    return { kind: 'local', type, local };
  };

  const body = list(f.body);
  return locals.length === f.locals.length ? f : { ...f, locals, body };
}

function mapLoop(s: Extract<Stmt, { kind: 'loop' }>, replace: Map<Expr, Expr>): Extract<Stmt, { kind: 'loop' }> {
  const e = (x: Expr): Expr => mapExpr(x, replace);
  const list = (l: Stmt[]): Stmt[] => l.map((t) => mapStmt(t, replace));
  return {
    ...s,
    ...(s.test ? { test: e(s.test) } : {}),
    body: list(s.body),
    update: list(s.update),
    ...(s.postTest ? { postTest: e(s.postTest) } : {}),
  };
}

function mapStmt(s: Stmt, replace: Map<Expr, Expr>): Stmt {
  const e = (x: Expr): Expr => mapExpr(x, replace);
  switch (s.kind) {
    case 'set':
    case 'expr':
      return { ...s, value: e(s.value) };
    case 'store':
      return { ...s, index: e(s.index), value: e(s.value) };
    case 'alloc':
      return {
        ...s,
        ...(s.length ? { length: e(s.length) } : {}),
        ...(s.values ? { values: s.values.map(e) } : {}),
        ...(s.fill ? { fill: e(s.fill) } : {}),
      };
    case 'push':
      return { ...s, value: e(s.value) };
    case 'if':
      return { ...s, cond: e(s.cond), then: s.then.map((t) => mapStmt(t, replace)), else: s.else.map((t) => mapStmt(t, replace)) };
    case 'loop':
      return mapLoop(s, replace);
    case 'return':
      return s.value ? { ...s, value: e(s.value) } : s;
    default:
      return s;
  }
}

function mapExpr(x: Expr, replace: Map<Expr, Expr>): Expr {
  const r = replace.get(x);
  if (r) return r;
  const e = (y: Expr): Expr => mapExpr(y, replace);
  switch (x.kind) {
    case 'unary':
      return { ...x, arg: e(x.arg) };
    case 'binary':
      return { ...x, left: e(x.left), right: e(x.right) };
    case 'math':
      return { ...x, args: x.args.map(e) };
    case 'cond':
      return { ...x, cond: e(x.cond), then: e(x.then), else: e(x.else) };
    case 'load':
      return { ...x, index: e(x.index) };
    case 'call':
      return { ...x, args: x.args.map((a) => (a.kind === 'array' ? a : e(a))) };
    default:
      return x;
  }
}

// Index ranges proven by one check at function entry. An index such as `(y + dy) * w + x` is a polynomial in
// the loop counters and the function's unchanging values (int32 parameters never assigned, array lengths).
// Each loop bounds its counter (`for (let y = 1; y < h - 1; y++)`), an `if` that jumps away narrows it
// (`if (x === 0 || x === w - 1) continue`), and the extremes of a polynomial that is linear in each counter
// lie at the ends of the counters' ranges. Substituting them, innermost counter first, leaves polynomials over
// the entry values only: `0 <= each` and `each < a.length` are checked once, at entry, in 64-bit integers.
// When the whole guard holds, every proven access is in range in every iteration and every step of its index
// arithmetic is exact in doubles, so a backend may compute the index in wrapping int32 arithmetic with no
// per-access check; when it fails, the function runs the checked code (backends keep both versions).
//
// The analysis also finds integer-double locals whose every assignment stays within int32 (`narrow`), and
// `Math.round(s / c)` on a non-negative integer below 2^30 (`roundDivs`), which is `floor((2s + c) / 2c)`, that
// is `floor((s + floor(c / 2)) / c)`: for an even c the two are the same; for an odd c no multiple of c lies
// strictly between the integer s + (c - 1) / 2 and that plus a half.
// It reads the IR and changes nothing.
import { conjuncts } from './bounds';
import { intShape } from './exact-ints';
import type { ArrayKind } from '../abi';
import { lengthArray, type Expr, type IrFunction, type Stmt } from './ir';
import { forEachSet } from './ir-walk';

/** Polynomial: monomial (sorted variable names joined by '*', '' for the constant) → integer coefficient. */
export type Poly = Map<string, number>;

/** A condition of the guard: `poly <= 0`, a polynomial over entry values. */
export interface GuardTerm {
  poly: Poly;
  key: string;
}

/** What a backend may rely on when `guard` holds at entry (every term `<= 0`). */
export interface RangeFacts {
  guard: GuardTerm[];
  /** Load expressions and store statements whose index is in range and exact. */
  proven: Set<Expr | Stmt>;
  /** Integer-double locals (exact-ints.ts) whose every assignment is an int32 value. */
  narrow: Set<number>;
  /** Double comparisons of two int32 values (`x === w - 1`): made on int32 values, exactly. */
  i32Compares: Set<Expr>;
  /** ToInt32 of an integer expression proven within int32 (`(sum * 7282) >>> 16`): the value itself, in int32. */
  toInt32s: Set<Expr>;
  /** `js.round` nodes of `x / c`, 0 <= x < 2^30 an integer never -0, 0 < c <= 2^29 an integer: x and c. */
  roundDivs: Map<Expr, { x: Expr; c: number }>;
  /**
   * Proven accesses whose index is `base + d` with `base >= 0` implied by the guard (d > 0 elements): a backend
   * may compute `base` and add d as a constant offset of the access. Accesses whose indices differ only in their
   * constant (`a[i - 1]`, `a[i]`, `a[i + 1]`) share one base, the smallest of them.
   */
  offsets: Map<Expr | Stmt, number>;
}

/** Entry values: `p<local>` an int32 parameter never assigned, `n<array>` an array's length. */
export interface AtomRange {
  lo: number;
  hi: number;
}

const I32_MIN = -(2 ** 31);
const I32_MAX = 2 ** 31 - 1;
/** Doubles hold every integer up to 2^53; half of it keeps the coefficients of the checks safe integers too. */
const EXACT = 2 ** 52;
/** Largest magnitude a guard polynomial may reach so that evaluating it in int64 cannot overflow. */
const EVAL_LIMIT = 2 ** 63 - 2 ** 61;
const MAX_CANDIDATES = 64;
/** Largest constant offset, in elements, given to an access (wasm offsets are bytes below 2^32). */
const MAX_OFFSET = 1 << 16;
const COMPARE = new Set(['f64.eq', 'f64.ne', 'f64.lt', 'f64.le', 'f64.gt', 'f64.ge']);

// ---------------------------------------------------------------- polynomials

function pconst(c: number): Poly {
  return c === 0 ? new Map() : new Map([['', c]]);
}
function pvar(v: string): Poly {
  return new Map([[v, 1]]);
}
function padd(a: Poly, b: Poly, sign = 1): Poly | undefined {
  const out = new Map(a);
  for (const [m, c] of b) {
    const v = (out.get(m) ?? 0) + sign * c;
    if (!Number.isSafeInteger(v)) return undefined;
    if (v === 0) out.delete(m);
    else out.set(m, v);
  }
  return out;
}
function pmul(a: Poly, b: Poly): Poly | undefined {
  let out: Poly | undefined = new Map();
  for (const [ma, ca] of a) {
    for (const [mb, cb] of b) {
      const c = ca * cb;
      if (!Number.isSafeInteger(c)) return undefined;
      const m = [...(ma ? ma.split('*') : []), ...(mb ? mb.split('*') : [])].sort().join('*');
      out = padd(out!, new Map([[m, c]]));
      if (!out) return undefined;
    }
  }
  return out;
}
function pkey(p: Poly): string {
  return (
    [...p]
      .sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
      .map(([m, c]) => `${c}${m ? '*' + m : ''}`)
      .join('+') || '0'
  );
}
function pequal(a: Poly, b: Poly): boolean {
  return pkey(a) === pkey(b);
}
function vars(p: Poly): Set<string> {
  const out = new Set<string>();
  for (const m of p.keys()) if (m) for (const v of m.split('*')) out.add(v);
  return out;
}
/** p = rest + v * coeff, when v appears at most once in each monomial. */
function split(p: Poly, v: string): { rest: Poly; coeff: Poly } | undefined {
  const rest: Poly = new Map();
  const coeff: Poly = new Map();
  for (const [m, c] of p) {
    const parts = m ? m.split('*') : [];
    const n = parts.filter((x) => x === v).length;
    if (n > 1) return undefined;
    if (n === 0) rest.set(m, c);
    else coeff.set(parts.filter((x) => x !== v).join('*'), c);
  }
  return { rest, coeff };
}

// ---------------------------------------------------------------- analysis state

/** A variable's range where code runs: a loop counter (bounds over entry values and outer counters) or a value with constant bounds. */
interface VarRange {
  v: string;
  lo: Poly;
  hi: Poly;
  /** Guard terms the bounds rely on. */
  req: GuardTerm[];
}

interface Sym {
  p: Poly;
  req: GuardTerm[];
}

type Env = Map<number, Sym>;

interface State {
  env: Env;
  ctx: VarRange[];
}

/**
 * The range facts of `f`. `ints`: its integer-double locals; `maxLength`: the largest array length the caller
 * allows; `offsets`: find constant offsets too (only where the guard already implies `base >= 0`).
 */
export function rangeFacts(f: IrFunction, ints: ReadonlySet<number>, maxLength: number, opts: { offsets?: boolean } = {}): RangeFacts {
  const r = new Analysis(f, ints, maxLength).run(opts.offsets ?? false);
  // A function without loops (a helper called from an inner loop) would pay its guard on every call for a few
  // checks: it keeps only what needs no guard.
  if (r.guard.length && !hasLoop(f.body))
    return { guard: [], proven: new Set(), narrow: new Set(), roundDivs: new Map(), i32Compares: new Set(), toInt32s: new Set(), offsets: new Map() };
  return r;
}

function hasLoop(list: Stmt[]): boolean {
  return list.some((s) => s.kind === 'loop' || (s.kind === 'if' && (hasLoop(s.then) || hasLoop(s.else))));
}

class Analysis {
  private atoms = new Map<string, AtomRange>();
  /** Values with constant bounds (integer array elements), eliminated first. */
  private opaque = new Map<string, AtomRange>();
  private opaqueCount = 0;
  private params = new Set<number>();
  /** Per access: the guard terms of each visit, or null once a visit failed. */
  private access = new Map<Expr | Stmt, GuardTerm[] | null>();
  /** Per proven access: its index polynomial and context at each visit. */
  private visits = new Map<Expr | Stmt, { p: Poly; ctx: VarRange[] }[]>();
  private narrowTerms = new Map<number, GuardTerm[] | null>();
  private rounds = new Map<Expr, { x: Expr; c: number; terms: GuardTerm[] } | null>();
  private compares = new Map<Expr, GuardTerm[] | null>();
  private toInt32 = new Map<Expr, GuardTerm[] | null>();

  constructor(
    private f: IrFunction,
    private ints: ReadonlySet<number>,
    maxLength: number,
  ) {
    const assigned = new Set<number>();
    forEachSet(f.body, (l) => assigned.add(l));
    for (const p of f.params) {
      if (typeof p.type === 'object') {
        this.atoms.set(`n${p.slot}`, { lo: 0, hi: maxLength });
      } else {
        this.params.add(p.slot);
        const t = f.locals[p.slot]!.type;
        if (t === 'i32' && !assigned.has(p.slot)) this.atoms.set(`p${p.slot}`, { lo: I32_MIN, hi: I32_MAX });
      }
    }
    for (const a of f.arrays.keys()) if (!this.atoms.has(`n${a}`)) this.atoms.set(`n${a}`, { lo: 0, hi: maxLength });
  }

  run(withOffsets: boolean): RangeFacts {
    this.block(this.f.body, { env: new Map(), ctx: [] });
    const guard = new Map<string, GuardTerm>();
    /** The nodes whose facts held, with their guard terms added to the entry guard. */
    const held = <K>(facts: Map<K, GuardTerm[] | null>): Set<K> => {
      const nodes = new Set<K>();
      for (const [node, terms] of facts) {
        if (!terms) continue;
        nodes.add(node);
        for (const t of terms) guard.set(t.key, t);
      }
      return nodes;
    };
    const proven = held(this.access);
    const narrow = held(this.narrowTerms);
    const roundDivs = new Map<Expr, { x: Expr; c: number }>();
    for (const [node, r] of this.rounds) {
      if (!r) continue;
      roundDivs.set(node, { x: r.x, c: r.c });
      for (const t of r.terms) guard.set(t.key, t);
    }
    const i32Compares = held(this.compares);
    const toInt32s = held(this.toInt32);
    const offsets = withOffsets ? this.offsets(proven, guard) : new Map<Expr | Stmt, number>();
    return { guard: [...guard.values()], proven, narrow, roundDivs, i32Compares, toInt32s, offsets };
  }

  /** Groups proven accesses by their index less its constant; each member above the group's smallest gets an offset. */
  private offsets(proven: Set<Expr | Stmt>, guard: ReadonlyMap<string, GuardTerm>): Map<Expr | Stmt, number> {
    const groups = new Map<string, { node: Expr | Stmt; c: number; visits: { p: Poly; ctx: VarRange[] }[] }[]>();
    for (const node of proven) {
      const visits = this.visits.get(node) ?? [];
      const key = visits.length ? pkey(visits[0]!.p) : undefined;
      if (!key || visits.some((v) => pkey(v.p) !== key)) continue;
      const p = visits[0]!.p;
      const rest = new Map([...p].filter(([m]) => m !== ''));
      const k = pkey(rest);
      groups.set(k, [...(groups.get(k) ?? []), { node, c: p.get('') ?? 0, visits }]);
    }
    const out = new Map<Expr | Stmt, number>();
    for (const members of groups.values()) {
      const min = Math.min(...members.map((x) => x.c));
      for (const x of members) {
        const d = x.c - min;
        if (d <= 0 || d > MAX_OFFSET) continue;
        // Only when the guard already implies it (usually the smallest member's own `index >= 0`): a new
        // condition could fail for every input of a border case and turn the fast version off.
        const ok = x.visits.every((v) => this.within(padd(v.p, pconst(d), -1)!, v.ctx, 0, undefined)?.every((t) => guard.has(t.key)));
        if (ok) out.set(x.node, d);
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- bounds of a polynomial

  /** Static range of a polynomial over entry values, or undefined when it mentions anything else. */
  private staticRange(p: Poly): AtomRange | undefined {
    let lo = 0;
    let hi = 0;
    for (const [m, c] of p) {
      let mlo = c;
      let mhi = c;
      for (const v of m ? m.split('*') : []) {
        const r = this.atoms.get(v);
        if (!r) return undefined;
        const prods = [mlo * r.lo, mlo * r.hi, mhi * r.lo, mhi * r.hi];
        mlo = Math.min(...prods);
        mhi = Math.max(...prods);
      }
      lo += mlo;
      hi += mhi;
    }
    return { lo, hi };
  }

  /**
   * Polynomials over entry values whose minimum (`mins`) and maximum (`maxs`) bound `p` wherever `ctx` holds:
   * each variable is replaced by its bounds, values with constant bounds first, then counters from the
   * innermost out (a counter's bounds mention only outer ones).
   */
  private extremes(p: Poly, ctx: VarRange[]): { mins: Poly[]; maxs: Poly[] } | undefined {
    let mins = [p];
    let maxs = [p];
    const opaqueRanges = (list: Poly[]): VarRange[] => {
      const seen = new Set<string>();
      for (const q of list) for (const v of vars(q)) if (this.opaque.has(v)) seen.add(v);
      return [...seen].map((v) => ({ v, lo: pconst(this.opaque.get(v)!.lo), hi: pconst(this.opaque.get(v)!.hi), req: [] }));
    };
    // Values with constant bounds first, then counters from the innermost out, then values their bounds named.
    const order: (VarRange | 'opaque')[] = ['opaque', ...[...ctx].reverse(), 'opaque'];
    for (const item of order) {
      const ranges = item === 'opaque' ? opaqueRanges([...mins, ...maxs]) : [item];
      for (const r of ranges) {
        const step = (list: Poly[], wantMax: boolean): Poly[] | undefined => {
          const out: Poly[] = [];
          for (const q of list) {
            const s = split(q, r.v);
            if (!s) return undefined;
            if (s.coeff.size === 0) {
              out.push(q);
              continue;
            }
            const sub = (bound: Poly) => {
              const prod = pmul(s.coeff, bound);
              return prod && padd(s.rest, prod);
            };
            const c = s.coeff.size === 1 && s.coeff.has('') ? s.coeff.get('')! : undefined;
            const picks = c === undefined ? [r.lo, r.hi] : c > 0 === wantMax ? [r.hi] : [r.lo];
            for (const b of picks) {
              const x = sub(b);
              if (!x) return undefined;
              out.push(x);
            }
          }
          const dedup = new Map(out.map((x) => [pkey(x), x]));
          return dedup.size > MAX_CANDIDATES ? undefined : [...dedup.values()];
        };
        const m1 = step(mins, false);
        const m2 = step(maxs, true);
        if (!m1 || !m2) return undefined;
        mins = m1;
        maxs = m2;
      }
    }
    for (const q of [...mins, ...maxs]) if (!this.staticRange(q)) return undefined;
    return { mins, maxs };
  }

  /** Guard terms for `lo <= p <= hi` wherever `ctx` holds (bounds given as polynomials over entry values; no `hi`: no upper bound). */
  private within(p: Poly, ctx: VarRange[], lo: Poly | number, hi: Poly | number | undefined): GuardTerm[] | undefined {
    const ex = this.extremes(p, ctx);
    if (!ex) return undefined;
    const L = typeof lo === 'number' ? pconst(lo) : lo;
    const H = typeof hi === 'number' ? pconst(hi) : hi;
    const out: GuardTerm[] = [];
    const need = (q: Poly | undefined): boolean => {
      if (!q) return false;
      const r = this.staticRange(q);
      if (!r) return false;
      if (r.hi <= 0) return true; // always holds
      if (r.lo > 0) return false; // never holds
      // Every partial sum and product of the evaluation stays within the sum of the monomials' magnitudes.
      let magnitude = 0;
      for (const [m, c] of q)
        magnitude += Math.abs(c) * (m ? m.split('*') : []).reduce((x, v) => x * Math.max(Math.abs(this.atoms.get(v)!.lo), Math.abs(this.atoms.get(v)!.hi)), 1);
      if (magnitude > EVAL_LIMIT) return false;
      out.push({ poly: q, key: pkey(q) });
      return true;
    };
    if (H) for (const q of ex.maxs) if (!need(padd(q, H, -1))) return undefined;
    for (const q of ex.mins) if (!need(padd(L, q, -1))) return undefined;
    return out;
  }

  // ---------------------------------------------------------------- expressions

  /** The polynomial an integer-valued expression computes exactly (given its terms), or undefined. */
  private sym(e: Expr, st: State): Sym | undefined {
    switch (e.kind) {
      case 'const':
        if (e.type === 'bool' || !Number.isInteger(e.value) || Math.abs(e.value) > EXACT) return undefined;
        return { p: pconst(e.value === 0 ? 0 : e.value), req: [] };
      case 'local': {
        const known = st.env.get(e.local);
        if (known) return known;
        if (st.ctx.some((r) => r.v === `c${e.local}`)) return { p: pvar(`c${e.local}`), req: [] };
        if (this.atoms.has(`p${e.local}`)) return { p: pvar(`p${e.local}`), req: [] };
        return undefined;
      }
      case 'length':
        // (The length of an array the function makes is not the one the entry guard would read: none is known.)
        if (this.f.arrays[e.array]!.local) return undefined;
        return { p: pvar(`n${lengthArray(this.f, e.array)}`), req: [] };
      case 'load': {
        // An integer element: a value with the element type's bounds, different at each read.
        const kind = this.f.arrays[e.array]!.kind;
        const r = elementRange(kind);
        if (!r) return undefined;
        const v = `o${this.opaqueCount++}`;
        this.opaque.set(v, r);
        return { p: pvar(v), req: [] };
      }
      case 'unary': {
        if (e.op === 'f64.from_i32') return this.sym(e.arg, st);
        if (e.op === 'i32.from_f64') return this.ranged(this.sym(e.arg, st), st, I32_MIN, I32_MAX);
        return undefined;
      }
      case 'binary': {
        const isF64 = e.op === 'f64.add' || e.op === 'f64.sub' || e.op === 'f64.mul';
        const isI32 = e.type === 'i32' && (e.op === 'i32.add' || e.op === 'i32.sub' || e.op === 'i32.mul');
        if (e.type === 'i32' && e.op === 'i32.shl' && e.right.kind === 'const' && e.right.value >= 0 && e.right.value < 31) {
          const l = this.sym(e.left, st);
          return l && this.ranged({ p: pmul(l.p, pconst(2 ** e.right.value))!, req: l.req }, st, I32_MIN, I32_MAX);
        }
        if (!isF64 && !isI32) return undefined;
        const l = this.sym(e.left, st);
        const r = l && this.sym(e.right, st);
        if (!l || !r) return undefined;
        const p = e.op.endsWith('add') ? padd(l.p, r.p) : e.op.endsWith('sub') ? padd(l.p, r.p, -1) : pmul(l.p, r.p);
        if (!p) return undefined;
        const s = { p, req: [...l.req, ...r.req] };
        return isF64 ? this.ranged(s, st, -EXACT, EXACT) : this.ranged(s, st, I32_MIN, I32_MAX);
      }
      default:
        return undefined;
    }
  }

  /** `s`, with the terms that keep it within [lo, hi] (exact in doubles, or no int32 wrap). */
  private ranged(s: Sym | undefined, st: State, lo: number, hi: number): Sym | undefined {
    if (!s) return undefined;
    const t = this.within(s.p, st.ctx, lo, hi);
    return t ? { p: s.p, req: [...s.req, ...t] } : undefined;
  }

  private ctxTerms(st: State): GuardTerm[] {
    return st.ctx.flatMap((r) => r.req);
  }

  /** Visits the loads inside `e` (proving each), and the `Math.round(s / c)` shapes. */
  private scan(e: Expr, st: State, poison = false): void {
    switch (e.kind) {
      case 'load':
        this.scan(e.index, st, poison);
        if (poison) this.access.set(e, null);
        else this.prove(e, e.array, e.index, st);
        return;
      case 'unary':
        if (e.op === 'js.round' && !poison) this.roundDiv(e, st);
        if (e.op === 'i32.from_f64' && this.toInt32.get(e) !== null) {
          // (ToInt32 of -0 is 0, as int32 arithmetic gives: no sign of zero to keep here.)
          const s = this.sym(e.arg, st);
          const t = s && this.within(s.p, st.ctx, I32_MIN, I32_MAX);
          this.toInt32.set(e, s && t ? [...(this.toInt32.get(e) ?? []), ...s.req, ...t, ...this.ctxTerms(st)] : null);
        }
        return this.scan(e.arg, st, poison);
      case 'binary':
        if (COMPARE.has(e.op)) this.compare(e, st);
        this.scan(e.left, st, poison);
        return this.scan(e.right, st, poison);
      case 'math':
        return e.args.forEach((a) => this.scan(a, st, poison));
      case 'cond':
        this.scan(e.cond, st, poison);
        this.scan(e.then, st, poison);
        return this.scan(e.else, st, poison);
      case 'call':
        return e.args.forEach((a) => a.kind !== 'array' && this.scan(a, st, poison));
      default:
        return;
    }
  }

  private prove(node: Expr | Stmt, array: number, index: Expr, st: State): void {
    if (this.access.get(node) === null) return;
    // An array the function makes changes its length as it runs: nothing the entry guard sees bounds it.
    if (this.f.arrays[array]!.local) {
      this.access.set(node, null);
      return;
    }
    const s = this.sym(index, st);
    const t = s && this.within(s.p, st.ctx, 0, padd(pvar(`n${lengthArray(this.f, array)}`), pconst(-1))!);
    if (!s || !t) {
      this.access.set(node, null);
      return;
    }
    this.access.set(node, [...(this.access.get(node) ?? []), ...s.req, ...t, ...this.ctxTerms(st)]);
    this.visits.set(node, [...(this.visits.get(node) ?? []), { p: s.p, ctx: st.ctx }]);
  }

  /** A double comparison whose sides are int32 values: `f64.from_i32` of one, or an integer proven within int32. */
  private compare(e: Extract<Expr, { kind: 'binary' }>, st: State): void {
    if (this.compares.get(e) === null) return;
    const side = (x: Expr): GuardTerm[] | undefined => {
      if (x.kind === 'unary' && x.op === 'f64.from_i32') return [];
      const s = this.sym(x, st);
      const t = s && this.within(s.p, st.ctx, I32_MIN, I32_MAX);
      return t && [...s.req, ...t];
    };
    const l = side(e.left);
    const r = l && side(e.right);
    this.compares.set(e, l && r ? [...(this.compares.get(e) ?? []), ...l, ...r, ...(l.length + r.length ? this.ctxTerms(st) : [])] : null);
  }

  private roundDiv(e: Extract<Expr, { kind: 'unary' }>, st: State): void {
    if (this.rounds.get(e) === null) return;
    const d = e.arg;
    const ok =
      d.kind === 'binary' && d.op === 'f64.div' && d.right.kind === 'const' && Number.isInteger(d.right.value) && d.right.value > 0 && d.right.value <= 2 ** 29;
    // (A -0 dividend would round to -0: only values that are never -0.)
    const s = ok && intShape(d.left, this.ints)?.noNegZero ? this.sym(d.left, st) : undefined;
    const t = s && this.within(s.p, st.ctx, 0, 2 ** 30 - 1);
    if (!ok || !s || !t) {
      this.rounds.set(e, null);
      return;
    }
    const prev = this.rounds.get(e);
    this.rounds.set(e, { x: d.left, c: (d.right as { value: number }).value, terms: [...(prev?.terms ?? []), ...s.req, ...t, ...this.ctxTerms(st)] });
  }

  // ---------------------------------------------------------------- statements

  /** Runs a statement list; returns the state after it (refinements by jumping `if`s included). */
  private block(list: Stmt[], st0: State): State {
    let st = st0;
    for (const s of list) st = this.stmt(s, st);
    return st;
  }

  private stmt(s: Stmt, st: State): State {
    switch (s.kind) {
      case 'set': {
        this.scan(s.value, st);
        // (A double local that may hold -0, `row = y * w`, still indexes exactly: a[-0] is a[0].)
        const v = this.sym(s.value, st);
        if (this.ints.has(s.local) && this.narrowTerms.get(s.local) !== null) {
          const t = v && this.within(v.p, st.ctx, I32_MIN, I32_MAX);
          this.narrowTerms.set(s.local, t ? [...(this.narrowTerms.get(s.local) ?? []), ...v.req, ...t, ...this.ctxTerms(st)] : null);
        }
        const env = new Map(st.env);
        if (v && !vars(v.p).has(`c${s.local}`)) env.set(s.local, v);
        else env.delete(s.local);
        return { env, ctx: st.ctx };
      }
      case 'store':
        this.scan(s.index, st);
        this.scan(s.value, st);
        this.prove(s, s.array, s.index, st);
        return st;
      case 'expr':
        this.scan(s.value, st);
        return st;
      case 'return':
        if (s.value) this.scan(s.value, st);
        return st;
      case 'break':
      case 'continue':
        return st;
      case 'if': {
        this.scan(s.cond, st);
        const t = this.block(s.then, { env: st.env, ctx: this.refine(s.cond, true, st) });
        const e = this.block(s.else, { env: st.env, ctx: this.refine(s.cond, false, st) });
        const tj = jumps(s.then);
        const ej = jumps(s.else);
        if (tj && !ej) return e;
        if (ej && !tj) return t;
        const env: Env = new Map();
        for (const [l, v] of t.env) {
          const w = e.env.get(l);
          if (w && pequal(v.p, w.p)) env.set(l, { p: v.p, req: [...v.req, ...w.req] });
        }
        return { env, ctx: st.ctx };
      }
      case 'loop':
        return this.loop(s, st);
      case 'alloc':
        if (s.length) this.scan(s.length, st);
        s.values?.forEach((v) => this.scan(v, st));
        if (s.fill) this.scan(s.fill, st);
        return st;
      case 'push':
        this.scan(s.value, st);
        return st;
      case 'pop':
      case 'swap':
        return st;
      default: {
        const never: never = s;
        throw new Error(`unknown statement ${JSON.stringify(never)}`);
      }
    }
  }

  private loop(s: Extract<Stmt, { kind: 'loop' }>, st: State): State {
    const assigned = new Set<number>();
    forEachSet(s.body, (l) => assigned.add(l));
    forEachSet(s.update, (l) => assigned.add(l));
    const env: Env = new Map([...st.env].filter(([l]) => !assigned.has(l)));
    const base: State = { env, ctx: st.ctx };
    const counter = s.postTest ? undefined : this.counter(s, st, base);
    const inner: State = counter ? { env, ctx: [...st.ctx, counter] } : base;
    if (s.test) this.scan(s.test, base, true);
    this.block(s.body, inner);
    this.block(s.update, inner);
    if (s.postTest) this.scan(s.postTest, base, true);
    return base;
  }

  /** The counter a loop bounds: `c` starts at a known value, steps by ±1 in the update only, and the test bounds it. */
  private counter(s: Extract<Stmt, { kind: 'loop' }>, before: State, base: State): VarRange | undefined {
    if (!s.test) return undefined;
    const bodySets = new Set<number>();
    forEachSet(s.body, (l) => bodySets.add(l));
    for (const c of conjuncts(s.test)) {
      if (c.kind !== 'binary') continue;
      let op = c.op.slice(4);
      let left = c.left;
      let right = c.right;
      const local = (x: Expr): number | undefined => {
        if (x.kind === 'local' && (x.type === 'i32' || this.ints.has(x.local))) return x.local;
        if (x.kind === 'unary' && x.op === 'f64.from_i32' && x.arg.kind === 'local' && x.arg.type === 'i32') return x.arg.local;
        return undefined;
      };
      if (local(left) === undefined && local(right) !== undefined) {
        [left, right] = [right, left];
        op = ({ lt: 'gt', le: 'ge', gt: 'lt', ge: 'le', lt_s: 'gt_s', le_s: 'ge_s', gt_s: 'lt_s', ge_s: 'le_s' } as Record<string, string>)[op] ?? op;
      }
      const i = local(left);
      if (i === undefined || this.params.has(i) || bodySets.has(i)) continue;
      if (!['lt', 'le', 'gt', 'ge', 'lt_s', 'le_s', 'gt_s', 'ge_s'].includes(op)) continue;
      const up = op.startsWith('l');
      const step = updateStep(s.update, i, this.f.locals[i]!.type === 'i32');
      if (step !== (up ? 1 : -1)) continue;
      const init = before.env.get(i);
      const bound = this.sym(right, base);
      if (!init || !bound || vars(bound.p).has(`c${i}`)) continue;
      const strict = op.startsWith('lt') || op.startsWith('gt');
      const edge = strict ? padd(bound.p, pconst(up ? -1 : 1))! : bound.p;
      const range: VarRange = up ? { v: `c${i}`, lo: init.p, hi: edge, req: [] } : { v: `c${i}`, lo: edge, hi: init.p, req: [] };
      // The step must not wrap an int32 counter, nor leave the exact doubles.
      const limit = this.f.locals[i]!.type === 'i32' ? I32_MAX - 1 : EXACT - 1;
      const noWrap = this.within(pvar(range.v), [...before.ctx, range], -limit, limit);
      if (!noWrap) continue;
      range.req = [...init.req, ...bound.req, ...noWrap];
      return range;
    }
    return undefined;
  }

  /** The context where `cond` is `truth`: counters narrowed by comparisons with values that do not depend on them. */
  private refine(cond: Expr, truth: boolean, st: State): VarRange[] {
    let ctx = st.ctx;
    const visit = (e: Expr, t: boolean): void => {
      if (e.kind === 'cond' && e.type === 'bool') {
        if (t && e.else.kind === 'const' && e.else.value === 0) {
          visit(e.cond, true);
          visit(e.then, true);
        } else if (!t && e.then.kind === 'const' && e.then.value === 1) {
          visit(e.cond, false);
          visit(e.else, false);
        }
        return;
      }
      if (e.kind === 'unary' && e.op === 'bool.not') return visit(e.arg, !t);
      if (e.kind !== 'binary') return;
      const ops: Record<string, string> = {
        'i32.eq': 'eq',
        'i32.ne': 'ne',
        'i32.lt_s': 'lt',
        'i32.le_s': 'le',
        'i32.gt_s': 'gt',
        'i32.ge_s': 'ge',
        'f64.eq': 'eq',
        'f64.ne': 'ne',
        'f64.lt': 'lt',
        'f64.le': 'le',
        'f64.gt': 'gt',
        'f64.ge': 'ge',
      };
      let op = ops[e.op];
      if (!op) return;
      if (!t) op = ({ eq: 'ne', ne: 'eq', lt: 'ge', le: 'gt', gt: 'le', ge: 'lt' } as Record<string, string>)[op]!;
      const cur: State = { env: st.env, ctx };
      const l = this.sym(e.left, cur);
      const r = l && this.sym(e.right, cur);
      if (!l || !r) return;
      let v: string | undefined;
      let other: typeof r;
      const single = (p: Poly) => (p.size === 1 && [...p.values()][0] === 1 && ctx.some((x) => x.v === [...p.keys()][0]) ? [...p.keys()][0] : undefined);
      if ((v = single(l.p))) other = r;
      else if ((v = single(r.p))) {
        other = l;
        op = ({ lt: 'gt', le: 'ge', gt: 'lt', ge: 'le', eq: 'eq', ne: 'ne' } as Record<string, string>)[op]!;
      } else return;
      const at = ctx.findIndex((x) => x.v === v);
      const outer = new Set(ctx.slice(0, at).map((x) => x.v));
      if ([...vars(other.p)].some((x) => x.startsWith('c') && !outer.has(x)) || [...vars(other.p)].some((x) => x.startsWith('o'))) return;
      const old = ctx[at]!;
      const req = [...old.req, ...l.req, ...r.req];
      let next: VarRange | undefined;
      if (op === 'ne') {
        if (pequal(other.p, old.lo)) next = { ...old, lo: padd(old.lo, pconst(1))!, req };
        else if (pequal(other.p, old.hi)) next = { ...old, hi: padd(old.hi, pconst(-1))!, req };
      } else if (op === 'eq') next = { ...old, lo: other.p, hi: other.p, req };
      else if (op === 'lt') next = { ...old, hi: padd(other.p, pconst(-1))!, req };
      else if (op === 'le') next = { ...old, hi: other.p, req };
      else if (op === 'gt') next = { ...old, lo: padd(other.p, pconst(1))!, req };
      else if (op === 'ge') next = { ...old, lo: other.p, req };
      if (next) ctx = [...ctx.slice(0, at), next, ...ctx.slice(at + 1)];
    };
    visit(cond, truth);
    return ctx;
  }
}

/** The range of an integer element kind (floats: none). */
function elementRange(kind: ArrayKind): AtomRange | undefined {
  switch (kind) {
    case 'Uint8Array':
    case 'Uint8ClampedArray':
      return { lo: 0, hi: 255 };
    case 'Int8Array':
      return { lo: -128, hi: 127 };
    case 'Uint16Array':
      return { lo: 0, hi: 65535 };
    case 'Int16Array':
      return { lo: -32768, hi: 32767 };
    case 'Int32Array':
      return { lo: I32_MIN, hi: I32_MAX };
    default:
      return undefined;
  }
}

/** +1 / -1 when the update is exactly `c = c ± 1` (and nothing else assigns c there); undefined otherwise. */
function updateStep(update: Stmt[], c: number, i32: boolean): number | undefined {
  let step: number | undefined;
  for (const s of update) {
    if (s.kind !== 'set') {
      let touches = false;
      forEachSet([s], (l) => (touches ||= l === c));
      if (touches) return undefined;
      continue;
    }
    if (s.local !== c) continue;
    if (step !== undefined) return undefined;
    const v = s.value;
    if (v.kind !== 'binary' || v.left.kind !== 'local' || v.left.local !== c || v.right.kind !== 'const') return undefined;
    const k = v.right.value;
    if (i32 && v.op === 'i32.add' && (k === 1 || k === -1)) step = k;
    else if (i32 && v.op === 'i32.sub' && (k === 1 || k === -1)) step = -k;
    else if (!i32 && v.op === 'f64.add' && (k === 1 || k === -1)) step = k;
    else if (!i32 && v.op === 'f64.sub' && (k === 1 || k === -1)) step = -k;
    else return undefined;
  }
  return step;
}

/** The list always leaves by break, continue or return (the statements after an `if` with it see the condition false). */
function jumps(list: Stmt[]): boolean {
  const last = list[list.length - 1];
  if (!last) return false;
  if (last.kind === 'break' || last.kind === 'continue' || last.kind === 'return') return true;
  return last.kind === 'if' && jumps(last.then) && jumps(last.else);
}

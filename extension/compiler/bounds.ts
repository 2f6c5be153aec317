// Bounds checks a loop makes redundant: in `for (let i = 0; i < a.length; i++) … a[i] …` the index is in
// [0, a.length) wherever the body reads it, since arrays keep their length during a call. A counter qualifies
// when every assignment to it is a non-negative constant or the +1 update of a loop it bounds (so it never
// wraps), and the body of that loop does not assign it.
import { lengthArray, type Expr, type IrFunction, type Stmt } from './ir';

/** What a loop's test proves inside its body: `counter` is a valid index of each array in `arrays`. */
export interface InBounds {
  counter: number;
  arrays: Set<number>;
}

/** Facts for the function: which loops prove which counters in bounds (keyed by the loop statement). */
export function boundsFacts(f: IrFunction, ints: ReadonlySet<number> = new Set()): Map<Stmt, InBounds> {
  const sets = new Map<number, { value: Expr; update?: Extract<Stmt, { kind: 'loop' }> }[]>();
  const record = (body: Stmt[], update?: Extract<Stmt, { kind: 'loop' }>): void => {
    for (const s of body) {
      if (s.kind === 'set') {
        const list = sets.get(s.local) ?? [];
        list.push({ value: s.value, update });
        sets.set(s.local, list);
      } else if (s.kind === 'if') {
        record(s.then);
        record(s.else);
      } else if (s.kind === 'loop') {
        record(s.body);
        record(s.update, s);
      }
    }
  };
  record(f.body);
  const params = new Set(f.params.filter((p) => typeof p.type !== 'object').map((p) => p.slot));

  // Locals that only ever hold some array's length (0 before their first assignment, which is no larger).
  const lengthOf = new Map<number, number>();
  for (const [local, list] of sets) {
    if (params.has(local)) continue;
    const arrays = new Set(list.map((s) => (s.value.kind === 'length' ? s.value.array : -1)));
    if (arrays.size === 1 && !arrays.has(-1)) lengthOf.set(local, [...arrays][0]!);
  }
  // (Not an array the function makes: its length changes as it grows or is made again.)
  const fixed = (a: number | undefined): number | undefined => (a !== undefined && !f.arrays[a]!.local ? a : undefined);
  const boundArrays = (x: Expr): number | undefined => fixed(x.kind === 'length' ? x.array : x.kind === 'local' ? lengthOf.get(x.local) : undefined);

  // The arrays whose length is always the same as this one's (the fields of one array of objects: IrArray.sameLength).
  const sameLength = (array: number): Set<number> => {
    const n = lengthArray(f, array);
    return new Set([...f.arrays.keys()].filter((a) => a === array || lengthArray(f, a) === n));
  };
  const out = new Map<Stmt, InBounds>();
  const visit = (body: Stmt[]): void => {
    for (const s of body) {
      if (s.kind === 'if') {
        visit(s.then);
        visit(s.else);
      } else if (s.kind === 'loop') {
        visit(s.body);
        const fact = loopFact(s);
        if (fact) out.set(s, fact);
      }
    }
  };
  const loopFact = (loop: Extract<Stmt, { kind: 'loop' }>): InBounds | undefined => {
    if (!loop.test) return undefined;
    for (const c of conjuncts(loop.test)) {
      if (c.kind !== 'binary' || c.left.kind !== 'local') continue;
      const i = c.left.local;
      if (c.op === 'i32.lt_s') {
        const array = boundArrays(c.right);
        if (array === undefined || params.has(i) || assigns(loop.body, i) || !nonNegativeCounter(i)) continue;
        return { counter: i, arrays: sameLength(array) };
      }
      // An integer double (an i64 local, exact-ints.ts) below a length: `for (let j = i + 1; j < n; j++)`.
      if (c.op === 'f64.lt' && ints.has(i) && c.right.kind === 'unary' && c.right.op === 'f64.from_i32') {
        const array = boundArrays(c.right.arg);
        // (Not a parameter, whose value on entry no assignment shows: exact-ints.ts may hold one as an integer.)
        if (array === undefined || params.has(i) || assigns(loop.body, i) || !nonNegativeInt(i)) continue;
        return { counter: i, arrays: sameLength(array) };
      }
    }
    return undefined;
  };
  // Every assignment: a constant ≥ 0, or `i + 1` as the update of a loop whose test bounds i by an int32.
  const nonNegativeCounter = (i: number): boolean =>
    (sets.get(i) ?? []).every(({ value, update }) => {
      if (value.kind === 'const') return value.type === 'i32' && value.value >= 0;
      if (!update || value.kind !== 'binary' || value.op !== 'i32.add' || value.left.kind !== 'local' || value.left.local !== i) return false;
      if (value.right.kind !== 'const' || value.right.value !== 1 || assigns(update.body, i)) return false;
      return !!update.test && conjuncts(update.test).some((c) => c.kind === 'binary' && c.op === 'i32.lt_s' && c.left.kind === 'local' && c.left.local === i);
    });
  // An integer double never below 0: every assignment a constant ≥ 0, itself plus a constant ≥ 0, or a
  // non-negative int32 counter plus a constant ≥ 0 (64-bit integer locals cannot wrap: they bail out first).
  const nonNegativeInt = (j: number): boolean =>
    (sets.get(j) ?? []).every(({ value }) => {
      if (value.kind === 'const') return value.value >= 0 && !Object.is(value.value, -0);
      if (value.kind !== 'binary' || value.op !== 'f64.add' || value.right.kind !== 'const' || !(value.right.value >= 0)) return false;
      const l = value.left;
      if (l.kind === 'local') return l.local === j;
      return (
        l.kind === 'unary' &&
        l.op === 'f64.from_i32' &&
        l.arg.kind === 'local' &&
        l.arg.type === 'i32' &&
        !params.has(l.arg.local) &&
        nonNegativeCounter(l.arg.local)
      );
    });
  visit(f.body);
  return out;
}

/** The terms of `a && b && …` (a condition the loop's body can rely on). */
export function conjuncts(e: Expr): Expr[] {
  if (e.kind === 'cond' && e.type === 'bool' && e.else.kind === 'const' && e.else.value === 0) return [...conjuncts(e.cond), ...conjuncts(e.then)];
  return [e];
}

/** The terms of `a || b || …` (the IR writes `a || b` as `a ? true : b`). */
export function disjuncts(e: Expr): Expr[] {
  if (e.kind === 'cond' && e.type === 'bool' && e.then.kind === 'const' && e.then.value === 1) return [...disjuncts(e.cond), ...disjuncts(e.else)];
  return [e];
}

function assigns(body: Stmt[], local: number): boolean {
  return body.some((s) => {
    switch (s.kind) {
      case 'set':
        return s.local === local;
      case 'if':
        return assigns(s.then, local) || assigns(s.else, local);
      case 'loop':
        return assigns(s.body, local) || assigns(s.update, local);
      default:
        return false;
    }
  });
}

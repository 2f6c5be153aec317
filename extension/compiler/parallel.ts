// Which loops of a kernel may run their iterations on several threads, and the rules that decide it, for both IRs:
// the JavaScript IR's outer loops (the native target's `threads` opt-in, as OpenMP loops) and the Python IR's `for`
// loops (the numba-parallel target, as Numba `prange` loops: `analyzePyParallel`). A loop qualifies only when its
// iterations provably share no data:
//  - it counts: `for (i = …; i < B; i++)` with B unchanged by the loop, or Python's `for i in range(a, b, c)` with a
//    constant step (its bounds are evaluated once, before it); no do-while test, no `break` out of it (nor, in
//    Python, `continue`) and no `return` in it;
//  - every scalar it assigns is written before it is read in each iteration and is not read outside the loop
//    (each thread gets its own copy): a value carried from one iteration to the next, such as a running state,
//    refuses the loop. A sum (any `s = s op e` with e not reading s) is not reordered: a float sum in another order
//    has other bits. For JavaScript it refuses the loop; for Python each iteration computes its e and the loop's
//    end combines them into s in the original order, so the result is the serial one for floats and ints alike;
//  - every element it writes, and every element it reads of an array it writes, is indexed so that no two
//    iterations reach the same element: `a[i]`, `a[i ± c]` (Python: the first index of `a[i ± c, j]`, proven in
//    range, since a negative index wraps onto another element), or `a[i * W + x]` computed exactly in doubles with W
//    unchanged and x an inner counter that stays in [0, W);
//  - arrays keep their size (nothing made, grown or swapped in it), and the functions it calls write no array it
//    passes; in JavaScript nothing in it calls back into JavaScript (the Math functions the host computes: Node-API
//    may only be used on the main thread).
// The same array passed as two arguments (a source that is also the destination) is checked when the loop
// starts (JavaScript) or by the wrapper (Python), and the loop then runs on one thread (the original, for Python),
// as it does when it has too few iterations to pay for the threads. Iterations keep their own results, so a
// parallel loop computes exactly what the serial one does.
import type { Expr, IrFunction, IrModule, Stmt } from './ir';
import { forEachSet, walkExpr, walkIr } from './ir-walk';
import { walkPyIr, type PyBinaryOp, type PyExpr, type PyFunction, type PyModule, type PyStmt } from './ir-py';

type Loop = Extract<Stmt, { kind: 'loop' }>;

/** A loop proven parallel: its counter, its bound, and what its threads need. */
export interface ParallelLoop {
  fn: string;
  /** The counter local and its source name. */
  counter: number;
  counterName: string;
  /** The loop runs while counter < bound − minus (bound an int32 expression unchanged by the loop). */
  bound: Expr;
  minus: number;
  /** Locals the loop assigns: each thread has its own. */
  privates: number[];
  /** Pairs (written, other) of array slots of one kind: the loop runs on one thread when they are the same array. */
  aliases: [number, number][];
  /** Fewest iterations worth starting threads for. */
  minIterations: number;
}

/** An outer loop that stays serial, and why. */
export interface SerialLoop {
  fn: string;
  counterName?: string;
  reason: string;
}

export interface ParallelReport {
  loops: ParallelLoop[];
  serial: SerialLoop[];
}

/** Iterations a loop needs before threads pay off: a loop with an inner loop does real work per iteration. */
export const MIN_ITERATIONS = { nested: 4, flat: 4096 };

class NotParallel extends Error {}

function refuse(reason: string): never {
  throw new NotParallel(reason);
}

/** Every outer loop of every function of the module: parallel, or serial with the reason. */
export function analyzeParallel(ir: IrModule): ParallelReport {
  const report: ParallelReport = { loops: [], serial: [] };
  for (const f of ir.functions) {
    for (const result of analyzeFunction(ir, f).values()) {
      if ('reason' in result) report.serial.push(result);
      else report.loops.push(result);
    }
  }
  return report;
}

/** The report in a line or two, for the candidate's log. */
export function describeParallel(r: ParallelReport): string {
  const par = r.loops.map((l) => `${l.fn}: the loop over ${l.counterName} runs on threads (from ${l.minIterations} iterations)`);
  const ser = r.serial.map((s) => `${s.fn}: ${s.counterName ? `the loop over ${s.counterName}` : 'a loop'} stays serial (${s.reason})`);
  if (par.length === 0 && ser.length === 0) return 'threads: no loop to run in parallel';
  return `threads: ${[...par, ...ser].join('; ')}`;
}

const cache = new WeakMap<IrFunction, Map<Stmt, ParallelLoop | SerialLoop>>();

/** The parallel outer loops of one function, keyed by their statement (what the C++ backend looks up). */
export function parallelLoops(ir: IrModule, f: IrFunction): Map<Stmt, ParallelLoop> {
  const out = new Map<Stmt, ParallelLoop>();
  for (const [s, r] of analyzeFunction(ir, f)) if (!('reason' in r)) out.set(s, r);
  return out;
}

function analyzeFunction(ir: IrModule, f: IrFunction): Map<Stmt, ParallelLoop | SerialLoop> {
  let found = cache.get(f);
  if (found) return found;
  found = new Map();
  const outer: Loop[] = [];
  const collect = (list: Stmt[]): void => {
    for (const s of list) {
      if (s.kind === 'loop') outer.push(s);
      else if (s.kind === 'if') {
        collect(s.then);
        collect(s.else);
      }
    }
  };
  collect(f.body);
  for (const loop of outer) {
    const counter = counterOf(loop);
    const counterName = counter !== undefined ? f.locals[counter]?.name : undefined;
    try {
      found.set(loop, analyzeLoop(ir, f, loop));
    } catch (e) {
      if (!(e instanceof NotParallel)) throw e;
      found.set(loop, { fn: f.name, ...(counterName ? { counterName } : {}), reason: e.message });
    }
  }
  cache.set(f, found);
  return found;
}

/** `i = i + 1` as a loop's only update: its counter. */
function counterOf(loop: Loop): number | undefined {
  if (loop.update.length !== 1) return undefined;
  const u = loop.update[0]!;
  if (u.kind !== 'set' || u.value.kind !== 'binary' || u.value.op !== 'i32.add') return undefined;
  const { left, right } = u.value;
  if (left.kind === 'local' && left.local === u.local && right.kind === 'const' && right.value === 1) return u.local;
  return undefined;
}

/** The loop's bound when its test is `i < B` (int32) or `double(i) < double(B) − c` (c an integer ≥ 0). */
function boundOf(test: Expr, i: number): { bound: Expr; minus: number } | undefined {
  if (test.kind !== 'binary') return undefined;
  if (test.op === 'i32.lt_s' && isLocal(test.left, i) && test.right.type === 'i32') return { bound: test.right, minus: 0 };
  if (test.op === 'f64.lt' && isWidened(test.left, i)) {
    const r = test.right;
    if (r.kind === 'unary' && r.op === 'f64.from_i32') return { bound: r.arg, minus: 0 };
    if (r.kind === 'binary' && r.op === 'f64.sub' && r.left.kind === 'unary' && r.left.op === 'f64.from_i32' && isSmallCount(r.right))
      return { bound: r.left.arg, minus: r.right.value };
  }
  return undefined;
}

function isLocal(e: Expr, local: number): boolean {
  return e.kind === 'local' && e.local === local;
}

/** `local` or `double(local)` of an int32 local. */
function isWidened(e: Expr, local: number): boolean {
  return isLocal(e, local) || (e.kind === 'unary' && e.op === 'f64.from_i32' && isLocal(e.arg, local));
}

function isSmallCount(e: Expr): e is Extract<Expr, { kind: 'const' }> {
  return e.kind === 'const' && Number.isInteger(e.value) && e.value >= 0 && e.value <= 2 ** 31 && !Object.is(e.value, -0);
}

/** Locals assigned anywhere in a statement list (nested ones included). */
function assignedIn(list: Stmt[]): Set<number> {
  const into = new Set<number>();
  forEachSet(list, (l) => into.add(l));
  return into;
}

function localsRead(e: Expr): Set<number> {
  const out = new Set<number>();
  walkExpr(e, (x) => x.kind === 'local' && out.add(x.local));
  return out;
}

/** A callee the threads may run: no array writes and no host Math, itself and whatever it calls. */
function checkCallee(ir: IrModule, name: string, seen = new Set<string>()): void {
  if (seen.has(name)) return;
  seen.add(name);
  const g = ir.functions.find((x) => x.name === name);
  if (!g) refuse(`it calls ${name}, which is not compiled with it`);
  const written = g.arrays.find((a) => a.written);
  if (written) refuse(`it calls ${name}, which writes ${written.name}`);
  walkIr(
    g.body,
    () => {},
    (x) => {
      if (x.kind === 'math') refuse(`${name} calls Math.${x.fn}, which runs in JavaScript on the main thread only`);
      if (x.kind === 'call') checkCallee(ir, x.fn, seen);
    },
  );
}

function analyzeLoop(ir: IrModule, f: IrFunction, loop: Loop): ParallelLoop {
  if (loop.postTest) refuse('a do-while loop');
  const i = counterOf(loop);
  const b = loop.test && i !== undefined ? boundOf(loop.test, i) : undefined;
  if (i === undefined || !b || f.locals[i]!.type !== 'i32') refuse('not a counted loop (for (let i = …; i < n; i++))');
  const assigned = assignedIn(loop.body);
  if (assigned.has(i)) refuse(`its body assigns the counter ${f.locals[i]!.name}`);
  assigned.delete(i);
  walkExpr(b.bound, (x) => {
    if (x.kind === 'local' && assigned.has(x.local)) refuse(`its bound changes in the loop (${f.locals[x.local]!.name})`);
    if (x.kind === 'load' || x.kind === 'call' || x.kind === 'math') refuse('its bound is not a plain expression of values the loop leaves unchanged');
  });

  // Arrays the loop writes.
  const written = new Set<number>();
  walkIr(
    loop.body,
    (s) => s.kind === 'store' && written.add(s.array),
    () => {},
  );
  const used = new Set<number>(written);
  walkIr(
    loop.body,
    () => {},
    (x) => {
      if (x.kind === 'load' || x.kind === 'length') used.add(x.array);
      if (x.kind === 'call') for (const a of x.args) if (a.kind === 'array') used.add(a.array);
    },
  );
  walkIr(
    loop.body,
    (s) =>
      (s.kind === 'alloc' || s.kind === 'push' || s.kind === 'pop' || s.kind === 'swap') && refuse(`it makes or resizes the array ${f.arrays[s.array]!.name}`),
    () => {},
  );
  for (const a of used) if (f.arrays[a]!.local) refuse(`it uses ${f.arrays[a]!.name}, an array the function makes`);

  // Locals assigned exactly once in the function: an index held in one (`const k = y * w + x`) is read through it.
  const assignCount = new Map<number, number>();
  forEachSet(f.body, (l) => assignCount.set(l, (assignCount.get(l) ?? 0) + 1));
  const invariant = (l: number) => !assigned.has(l) && l !== i;
  const name = (l: number) => f.locals[l]!.name;
  const arrayName = (a: number) => f.arrays[a]!.name;

  interface State {
    /** Locals definitely assigned so far in this iteration. */
    defined: Set<number>;
    /** Single-assignment locals whose value is known here. */
    env: Map<number, Expr>;
    /** Inner counters in [0, W): counter → W's local. */
    rows: Map<number, number>;
  }
  const copy = (st: State): State => ({ defined: new Set(st.defined), env: new Map(st.env), rows: new Map(st.rows) });

  const resolve = (e: Expr, st: State): Expr => (e.kind === 'local' && st.env.has(e.local) ? resolve(st.env.get(e.local)!, st) : e);
  const isCounter = (e: Expr, st: State): boolean => {
    const r = resolve(e, st);
    if (isLocal(r, i)) return true;
    return r.kind === 'unary' && r.op === 'f64.from_i32' && isLocal(resolve(r.arg, st), i);
  };
  // `double(i) * double(W)` with W unchanged by the loop: the row's first element.
  const rowStart = (e: Expr, st: State): number | undefined => {
    const r = resolve(e, st);
    if (r.kind !== 'binary' || r.op !== 'f64.mul') return undefined;
    for (const [p, q] of [
      [r.left, r.right],
      [r.right, r.left],
    ] as const) {
      const w = resolve(q, st);
      if (isCounter(p, st) && w.kind === 'unary' && w.op === 'f64.from_i32' && w.arg.kind === 'local' && invariant(w.arg.local)) return w.arg.local;
    }
    return undefined;
  };
  const inRow = (e: Expr, w: number, st: State): boolean => {
    const r = resolve(e, st);
    if (r.kind !== 'unary' || r.op !== 'f64.from_i32') return false;
    const x = resolve(r.arg, st);
    return x.kind === 'local' && st.rows.get(x.local) === w;
  };
  /**
   * Which elements an index reaches, as a signature: `i+c` (the counter plus c) or `row W+c` (i·W + x + c with x
   * in [0, W)). Two accesses with the same signature in different iterations never reach the same element;
   * undefined when the index is neither.
   */
  const signature = (e: Expr, st: State): string | undefined => {
    let r = resolve(e, st);
    let c = 0;
    for (;;) {
      if (r.kind !== 'binary') break;
      const intConst = (x: Expr): number | undefined => {
        if (x.kind !== 'const') return undefined;
        if (r.type === 'i32' || r.type === 'u32') return x.value | 0;
        return Number.isInteger(x.value) && Math.abs(x.value) <= 2 ** 31 ? x.value : undefined;
      };
      const add = r.op === 'i32.add' || r.op === 'f64.add';
      const sub = r.op === 'i32.sub' || r.op === 'f64.sub';
      const right = intConst(r.right);
      const left = intConst(r.left);
      if ((add || sub) && right !== undefined) {
        c += sub ? -right : right;
        r = resolve(r.left, st);
      } else if (add && left !== undefined) {
        c += left;
        r = resolve(r.right, st);
      } else break;
    }
    const off = c === 0 ? '' : c > 0 ? `+${c}` : `${c}`;
    if (isCounter(r, st)) return `i${off}`;
    if (r.kind === 'binary' && r.op === 'f64.add') {
      for (const [p, q] of [
        [r.left, r.right],
        [r.right, r.left],
      ] as const) {
        const w = rowStart(p, st);
        if (w !== undefined && inRow(q, w, st)) return `row ${w}${off}`;
      }
    }
    return undefined;
  };
  // Every access to an array the loop writes must have one and the same signature.
  const signatures = new Map<number, string>();
  const access = (array: number, index: Expr, st: State, what: string): void => {
    if (!written.has(array)) return;
    const sig = signature(index, st);
    if (sig === undefined) refuse(`it ${what} ${arrayName(array)}[…] at an index not proven distinct for each iteration`);
    const before = signatures.get(array);
    if (before !== undefined && before !== sig) refuse(`it reaches ${arrayName(array)} at two different offsets, which other iterations may reach too`);
    signatures.set(array, sig);
  };

  const checkExpr = (e: Expr, st: State): void =>
    walkExpr(e, (x) => {
      if (x.kind === 'local' && assigned.has(x.local) && !st.defined.has(x.local)) {
        refuse(`${name(x.local)} carries a value from one iteration to the next`);
      }
      if (x.kind === 'load') access(x.array, x.index, st, 'reads');
      if (x.kind === 'math') refuse(`it calls Math.${x.fn}, which runs in JavaScript on the main thread only`);
      if (x.kind === 'call') {
        for (const a of x.args) if (a.kind === 'array' && written.has(a.array)) refuse(`it passes ${arrayName(a.array)}, which it writes, to ${x.fn}`);
        checkCallee(ir, x.fn);
      }
    });

  // An inner loop whose counter x starts at a constant ≥ 0 and runs while x < W (or double(x) < double(W) − c).
  const rowCounter = (inner: Loop, st: State): [number, number] | undefined => {
    const x = counterOf(inner);
    if (x === undefined || !inner.test || inner.postTest || !st.defined.has(x)) return undefined;
    const ib = boundOf(inner.test, x);
    if (!ib || ib.bound.kind !== 'local' || !invariant(ib.bound.local)) return undefined;
    if (ib.minus > 0 && inner.test.kind === 'binary' && inner.test.op !== 'f64.lt') return undefined;
    if (assignedIn(inner.body).has(x)) return undefined;
    // Every other assignment of x starts it at a constant ≥ 0.
    let ok = true;
    walkIr(
      f.body,
      (s) => {
        if (s.kind !== 'set' || s.local !== x || s === inner.update[0]) return;
        if (!(s.value.kind === 'const' && s.value.type === 'i32' && s.value.value >= 0)) ok = false;
      },
      () => {},
    );
    return ok ? [x, ib.bound.local] : undefined;
  };

  const walk = (list: Stmt[], st: State): void => {
    for (const s of list) {
      switch (s.kind) {
        case 'set':
          checkExpr(s.value, st);
          st.defined.add(s.local);
          st.env.delete(s.local);
          if (assignCount.get(s.local) === 1 && [...localsRead(s.value)].every((l) => l === i || invariant(l) || st.rows.has(l))) st.env.set(s.local, s.value);
          break;
        case 'store':
          checkExpr(s.index, st);
          checkExpr(s.value, st);
          access(s.array, s.index, st, 'writes');
          break;
        case 'expr':
          checkExpr(s.value, st);
          break;
        case 'if': {
          checkExpr(s.cond, st);
          const a = copy(st);
          const b2 = copy(st);
          walk(s.then, a);
          walk(s.else, b2);
          st.defined = new Set([...a.defined].filter((l) => b2.defined.has(l)));
          break;
        }
        case 'loop': {
          if (s.test) checkExpr(s.test, st);
          if (s.postTest) checkExpr(s.postTest, st);
          const inner = copy(st);
          const row = rowCounter(s, st);
          if (row) inner.rows.set(row[0], row[1]);
          walk(s.body, inner);
          walk(s.update, copy(st));
          break;
        }
        case 'break':
          if (s.label === loop.label) refuse('it breaks out of the loop');
          break;
        case 'return':
          refuse('it returns from inside the loop');
          break;
        default:
          break;
      }
    }
  };
  walk(loop.body, { defined: new Set(), env: new Map(), rows: new Map() });

  // Scalars the loop assigns must not be read anywhere else in the function.
  const outside: Stmt[] = [];
  const gather = (list: Stmt[]): void => {
    for (const s of list) {
      if (s === loop) continue;
      if (s.kind === 'if') {
        outside.push({ ...s, then: [], else: [] });
        gather(s.then);
        gather(s.else);
      } else if (s.kind === 'loop') {
        outside.push({ ...s, body: [], update: [] });
        gather(s.body);
        gather(s.update);
      } else outside.push(s);
    }
  };
  gather(f.body);
  walkIr(
    outside,
    () => {},
    (x) => {
      if (x.kind === 'local' && assigned.has(x.local)) refuse(`${f.locals[x.local]!.name} is read after the loop`);
    },
  );

  const aliases: [number, number][] = [];
  for (const w of written) {
    for (const o of used) {
      if (o === w || f.arrays[o]!.kind !== f.arrays[w]!.kind) continue;
      if (written.has(o) && o < w) continue;
      aliases.push([w, o]);
    }
  }
  const hasLoop = (l: Stmt[]): boolean => l.some((s) => s.kind === 'loop' || (s.kind === 'if' && (hasLoop(s.then) || hasLoop(s.else))));
  let calls = false;
  walkIr(
    loop.body,
    () => {},
    (x) => (calls ||= x.kind === 'call'),
  );
  const nested = hasLoop(loop.body) || calls;
  return {
    fn: f.name,
    counter: i,
    counterName: f.locals[i]!.name,
    bound: b.bound,
    minus: b.minus,
    privates: [...assigned].sort((x, y) => x - y),
    aliases,
    minIterations: nested ? MIN_ITERATIONS.nested : MIN_ITERATIONS.flat,
  };
}

/** What the backend lends the OpenMP form: its expression printer, block printer and the jump labels in use. */
export interface LoopPrinter {
  expr(e: Expr): string;
  block(list: Stmt[], depth: number, out: string[]): void;
  jumps: Set<string>;
}

/**
 * Writes the loop as an OpenMP parallel loop when it was proven parallel (true), or nothing (false: the backend
 * writes it serially). Each iteration has its own copy of the counter and of the locals the loop assigns; a bail-out
 * in any iteration bails out the call once the loop ends (the written arrays are then restored as usual).
 */
export function emitParallelLoop(ir: IrModule, f: IrFunction, loop: Stmt, depth: number, out: string[], p: LoopPrinter): boolean {
  if (loop.kind !== 'loop') return false;
  const par = parallelLoops(ir, f).get(loop);
  if (!par) return false;
  const pad = '  '.repeat(depth);
  const c = par.counter;
  const lo = `plab_lo${c}`;
  const hi = `plab_hi${c}`;
  const failed = `plab_bail${c}`;
  const k = `plab_k${c}`;
  const chunk = `plab_chunk${c}`;
  const iter = `plab_iter${c}`;
  const conds = [`${hi} - ${lo} >= ${par.minIterations}`, ...par.aliases.map(([w, o]) => `(const void*)a${w} != (const void*)a${o}`)];
  out.push(`${pad}{  // iterations of the loop over ${par.counterName.replace(/[^\w$]/g, '')} are independent: run on threads`);
  out.push(`${pad}  const int64_t ${lo} = int64_t(l${c});`);
  out.push(`${pad}  const int64_t ${hi} = int64_t(int32_t(${p.expr(par.bound)}))${par.minus ? ` - ${par.minus}` : ''};`);
  out.push(`${pad}  bool ${failed} = false;`);
  // One iteration, with its own counter and locals; a bail-out is noted and raised once the loop is over.
  out.push(`${pad}  auto ${iter} = [&](int64_t ${k}) {`);
  out.push(`${pad}    decltype(l${c}) l${c} = decltype(l${c})(${k});`);
  for (const l of par.privates) out.push(`${pad}    decltype(l${l}) l${l}{};`);
  out.push(`${pad}    try {`);
  out.push(`${pad}      {`);
  p.block(loop.body, depth + 4, out);
  out.push(`${pad}      }`);
  if (p.jumps.has(`cont${loop.label}`)) out.push(`${pad}      cont${loop.label}:;`);
  out.push(`${pad}    } catch (const plab::Bail&) {`);
  out.push(`${pad}      __atomic_store_n(&${failed}, true, __ATOMIC_RELAXED);`);
  out.push(`${pad}    }`);
  out.push(`${pad}  };`);
  // Threads only for enough iterations and distinct arrays; a short loop does not pay for starting a team.
  out.push(`${pad}  if (${conds.join(' && ')}) {`);
  // Threads only where cores are free: OpenMP's dynamic adjustment sizes each team from the load average, so on
  // a busy machine the loop runs on fewer threads (a thread waiting for a core holds up the whole loop at its
  // end), unless the user's OMP_DYNAMIC says otherwise. omp_set_dynamic is declared here, by its symbol, since
  // the prelude does not include omp.h.
  const setDynamic = (symbol: string) =>
    `${pad}    { static const bool plab_dynamic = std::getenv("OMP_DYNAMIC") == nullptr; void plab_omp_set_dynamic(int) __asm__("${symbol}"); if (plab_dynamic) plab_omp_set_dynamic(1); }`;
  out.push('#ifdef __APPLE__');
  out.push(setDynamic('_omp_set_dynamic'));
  out.push('#else');
  out.push(setDynamic('omp_set_dynamic'));
  out.push('#endif');
  // Chunks of about 1/64 of the iterations taken as threads get free: a thread the system pauses holds up
  // one chunk, not its fixed share.
  out.push(`${pad}    const int64_t ${chunk} = ${hi} - ${lo} > 64 ? (${hi} - ${lo}) / 64 : 1;`);
  out.push(`${pad}    #pragma omp parallel for schedule(dynamic, ${chunk})`);
  out.push(`${pad}    for (int64_t ${k} = ${lo}; ${k} < ${hi}; ${k}++) ${iter}(${k});`);
  out.push(`${pad}  } else {`);
  out.push(`${pad}    for (int64_t ${k} = ${lo}; ${k} < ${hi} && !${failed}; ${k}++) ${iter}(${k});`);
  out.push(`${pad}  }`);
  out.push(`${pad}  if (${failed}) plab::bail();`);
  out.push(`${pad}  if (${hi} > ${lo}) l${c} = decltype(l${c})(${hi});`);
  out.push(`${pad}}`);
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// The Python IR's loops (the numba-parallel target): the same rules, on `for … in range(…)` loops of the entry.

type PyFor = Extract<PyStmt, { kind: 'for' }>;
type PySet = Extract<PyStmt, { kind: 'set' }>;

/**
 * `s = s op e` at the top level of a parallel loop's body, with e not reading s and s used nowhere else in the body:
 * each iteration computes e, and the loop's end combines them into s in the original order.
 */
export interface PyReduction {
  stmt: PySet;
  local: number;
  name: string;
  op: PyBinaryOp;
  checked: boolean;
  value: PyExpr;
}

/** A Python `for` loop proven parallel. */
export interface PyParallelLoop {
  fn: string;
  loop: PyFor;
  counter: number;
  counterName: string;
  step: bigint;
  /** Locals the iteration reads and does not assign (its arguments), the counter excluded, in index order. */
  reads: number[];
  /** Arrays it reads or writes, in slot order. */
  arrays: number[];
  reductions: PyReduction[];
  /** Fewest iterations worth starting threads for. */
  minIterations: number;
}

export interface PyParallelReport {
  loops: PyParallelLoop[];
  serial: SerialLoop[];
}

/**
 * The `for` loops of the entry function, outermost first: each is parallel, or serial with the reason (and then the
 * loops inside it are tried in turn, so that a sweep loop that carries its grid still has its row loop run on threads).
 */
export function analyzePyParallel(mod: PyModule): PyParallelReport {
  const f = mod.functions.find((g) => g.name === mod.entry);
  const report: PyParallelReport = { loops: [], serial: [] };
  if (!f) return report;
  const visit = (list: PyStmt[]): void => {
    for (const s of list) {
      if (s.kind === 'if') {
        visit(s.then);
        visit(s.else);
      } else if (s.kind === 'while') visit(s.body);
      else if (s.kind === 'for') {
        try {
          report.loops.push(analyzePyLoop(mod, f, s));
        } catch (e) {
          if (!(e instanceof NotParallel)) throw e;
          report.serial.push({ fn: f.name, counterName: f.locals[s.local]!.name, reason: e.message });
          visit(s.body);
        }
      }
    }
  };
  visit(f.body);
  return report;
}

/** The report in a line or two, for the candidate's log. */
export function describePyParallel(r: PyParallelReport): string {
  const par = r.loops.map((l) => {
    const combined = l.reductions.map((x) => x.name);
    return `the loop over ${l.counterName} runs on threads (from ${l.minIterations} iterations${combined.length ? `; ${combined.join(', ')} combined in order after it` : ''})`;
  });
  const ser = r.serial.map((s) => `the loop over ${s.counterName} stays serial (${s.reason})`);
  if (par.length === 0 && ser.length === 0) return 'prange: no for loop to run in parallel';
  return `prange: ${[...par, ...ser].join('; ')}`;
}

/** Why a function with no loop proven parallel is not built for a target with parallel loops: each loop's reason. */
export function noPyParallelLoop(name: string, r: PyParallelReport): string {
  const why = r.serial.length ? r.serial.map((s) => `the loop over ${s.counterName}: ${s.reason}`).join('; ') : `${name} has no for loop over a range`;
  return `No loop of ${name} runs in parallel: ${why}.`;
}

/**
 * The worker count a Python module with parallel loops is generated with (numba-parallel, cython-parallel):
 * `perfLab.parallel.workers` / `--workers` written in as the default, `PERF_LAB_WORKERS` where the program runs first.
 */
export function pyWorkersLine(workers?: number): string {
  return workers
    ? `_PL_WORKERS = _os.environ.get("PERF_LAB_WORKERS", "${Math.floor(workers)}")  # perfLab.parallel.workers; PERF_LAB_WORKERS overrides`
    : '_PL_WORKERS = _os.environ.get("PERF_LAB_WORKERS", "")';
}

/**
 * The lines of a Python function body (4 spaces in) that set `free`, the threads a call of a parallel loop takes:
 * PERF_LAB_WORKERS when set (as for the parallel targets), else the cores the load average leaves free, counting the
 * caller's own thread as one of them; `most` (the threads the runtime has, `mostIs` in words) caps it where the
 * caller applies max(1, min(most, free)). A thread that waits for a busy core holds up the whole loop.
 */
export function pyFreeThreads(most: string, mostIs: string): string[] {
  return [
    '    # PERF_LAB_WORKERS when set (as for the parallel targets), else the cores the load average leaves free, counting',
    `    # the caller's own thread as one of them; at most the threads ${mostIs}, at least one. A`,
    '    # thread that waits for a busy core holds up the whole loop.',
    '    if _PL_WORKERS.isdigit() and int(_PL_WORKERS) > 0:',
    '        free = int(_PL_WORKERS)',
    '    else:',
    '        try:',
    `            free = ${most} - int(_os.getloadavg()[0] + 0.5) + 1`,
    '        except (AttributeError, OSError):',
    `            free = ${most}`,
  ];
}

function pyReads(e: PyExpr, into: Set<number>): void {
  walkPyIr(
    [{ kind: 'expr', value: e }],
    () => {},
    (x) => x.kind === 'local' && into.add(x.local),
  );
}

function analyzePyLoop(mod: PyModule, f: PyFunction, loop: PyFor): PyParallelLoop {
  const i = loop.local;
  const name = (l: number) => f.locals[l]!.name;
  const arrayName = (a: number) => f.arrays[a]!.name;
  if (typeof loop.step !== 'bigint') refuse('its step is not a constant');
  if (loop.step === 0n) refuse('its step is 0');

  // Locals the body assigns (inner loops' counters included), and statements it may not hold.
  const assigned = new Set<number>();
  walkPyIr(
    loop.body,
    (s) => {
      if (s.kind === 'set' || s.kind === 'for') assigned.add(s.local);
      if (s.kind === 'return') refuse('it returns from inside the loop');
      if (s.kind === 'break' && s.label === loop.label) refuse('it breaks out of the loop');
      if (s.kind === 'continue' && s.label === loop.label) refuse('it continues the loop early');
      if (s.kind === 'alloc' || s.kind === 'append') refuse(`it makes or resizes the array ${arrayName(s.array)}`);
      if (s.kind === 'swap') refuse(`it swaps the arrays ${arrayName(s.a)} and ${arrayName(s.b)}`);
    },
    () => {},
  );
  if (assigned.has(i)) refuse(`its body assigns the counter ${name(i)}`);

  // Reductions: `s = s op e` at the top level, s used nowhere else in the body.
  const reductions: PyReduction[] = [];
  for (const s of loop.body) {
    if (s.kind !== 'set' || s.value.kind !== 'binary') continue;
    const v = s.value;
    if (v.left.kind !== 'local' || v.left.local !== s.local) continue;
    const inValue = new Set<number>();
    pyReads(v.right, inValue);
    if (inValue.has(s.local)) continue;
    let elsewhere = 0;
    walkPyIr(
      loop.body,
      (x) => {
        if ((x.kind === 'set' || x.kind === 'for') && x.local === s.local && x !== s) elsewhere++;
      },
      (x) => {
        if (x.kind === 'local' && x.local === s.local && x !== v.left) elsewhere++;
      },
    );
    if (elsewhere > 0) continue;
    reductions.push({ stmt: s, local: s.local, name: name(s.local), op: v.op, checked: v.checked, value: v.right });
  }
  const reduced = new Set(reductions.map((r) => r.local));
  const reductionStmts = new Set<PyStmt>(reductions.map((r) => r.stmt));

  // Arrays the loop writes and uses.
  const written = new Set<number>();
  const used = new Set<number>();
  walkPyIr(
    loop.body,
    (s) => {
      if (s.kind === 'store') {
        written.add(s.array);
        used.add(s.array);
      }
    },
    (x) => {
      if (x.kind === 'load' || x.kind === 'dim') used.add(x.array);
      if (x.kind === 'call') for (const a of x.args) if (a.kind === 'array' || a.kind === 'row') used.add(a.array);
    },
  );
  for (const a of used) if (f.arrays[a]!.growable) refuse(`it uses ${arrayName(a)}, a list the function grows`);

  // Locals assigned exactly once in the function: an index held in one (`k = i + 1`) is read through it.
  const assignCount = new Map<number, number>();
  walkPyIr(
    f.body,
    (s) => {
      if (s.kind === 'set' || s.kind === 'for') assignCount.set(s.local, (assignCount.get(s.local) ?? 0) + 1);
    },
    () => {},
  );
  const invariant = (l: number) => !assigned.has(l) && l !== i;
  const env = new Map<number, PyExpr>();
  const resolve = (e: PyExpr): PyExpr => (e.kind === 'local' && env.has(e.local) ? resolve(env.get(e.local)!) : e);
  /** `i+c` when the index is the counter plus a constant: distinct for each iteration. */
  const signature = (e: PyExpr): string | undefined => {
    let r = resolve(e);
    let c = 0n;
    for (;;) {
      if (r.kind !== 'binary' || (r.op !== 'int.add' && r.op !== 'int.sub')) break;
      const right = resolve(r.right);
      const left = resolve(r.left);
      if (right.kind === 'const' && typeof right.value === 'bigint') {
        c += r.op === 'int.sub' ? -right.value : right.value;
        r = left;
      } else if (r.op === 'int.add' && left.kind === 'const' && typeof left.value === 'bigint') {
        c += left.value;
        r = right;
      } else break;
    }
    if (r.kind === 'local' && r.local === i) return `i${c === 0n ? '' : c > 0n ? `+${c}` : `${c}`}`;
    return undefined;
  };
  const signatures = new Map<number, string>();
  const access = (array: number, index: PyExpr, checked: boolean, what: string): void => {
    if (!written.has(array)) return;
    if (checked) refuse(`it ${what} ${arrayName(array)}[…] at an index not proven in range (a negative one would reach another iteration's element)`);
    const sig = signature(index);
    if (sig === undefined) refuse(`it ${what} ${arrayName(array)}[…] at an index not proven distinct for each iteration`);
    const before = signatures.get(array);
    if (before !== undefined && before !== sig) refuse(`it reaches ${arrayName(array)} at two different offsets, which other iterations may reach too`);
    signatures.set(array, sig);
  };
  const seenCallees = new Set<string>();
  const checkCallee = (fn: string): void => {
    if (seenCallees.has(fn)) return;
    seenCallees.add(fn);
    const g = mod.functions.find((x) => x.name === fn);
    if (!g) refuse(`it calls ${fn}, which is not compiled with it`);
    const w = g.arrays.find((a) => a.written && !a.local);
    if (w) refuse(`it calls ${fn}, which writes ${w.name}`);
    walkPyIr(
      g.body,
      () => {},
      (x) => x.kind === 'call' && checkCallee(x.fn),
    );
  };
  const checkExpr = (e: PyExpr, defined: Set<number>): void =>
    walkPyIr(
      [{ kind: 'expr', value: e }],
      () => {},
      (x) => {
        if (x.kind === 'local' && reduced.has(x.local)) refuse(`it reads ${name(x.local)}, which the loop sums`);
        if (x.kind === 'local' && assigned.has(x.local) && !defined.has(x.local)) refuse(`${name(x.local)} carries a value from one iteration to the next`);
        if (x.kind === 'load') access(x.array, x.indices[0]!, x.checked[0]!, 'reads');
        if (x.kind === 'call') {
          for (const a of x.args) {
            if (a.kind === 'array' && written.has(a.array)) refuse(`it passes ${arrayName(a.array)}, which it writes, to ${x.fn}`);
            if (a.kind === 'row') access(a.array, a.index, a.checked, 'passes a row of');
          }
          checkCallee(x.fn);
        }
      },
    );
  const walk = (list: PyStmt[], defined: Set<number>): Set<number> => {
    let d = defined;
    for (const s of list) {
      switch (s.kind) {
        case 'set':
          if (reductionStmts.has(s)) {
            checkExpr((s.value as Extract<PyExpr, { kind: 'binary' }>).right, d);
            break;
          }
          checkExpr(s.value, d);
          d.add(s.local);
          env.delete(s.local);
          if (assignCount.get(s.local) === 1) {
            const reads = new Set<number>();
            pyReads(s.value, reads);
            if ([...reads].every((l) => l === i || invariant(l))) env.set(s.local, s.value);
          }
          break;
        case 'store':
          s.indices.forEach((x) => checkExpr(x, d));
          checkExpr(s.value, d);
          access(s.array, s.indices[0]!, s.checked[0]!, 'writes');
          break;
        case 'expr':
          checkExpr(s.value, d);
          break;
        case 'if': {
          checkExpr(s.cond, d);
          const a = walk(s.then, new Set(d));
          const b = walk(s.else, new Set(d));
          d = new Set([...a].filter((l) => b.has(l)));
          break;
        }
        case 'for':
          checkExpr(s.start, d);
          checkExpr(s.stop, d);
          if (typeof s.step !== 'bigint') checkExpr(s.step, d);
          walk(s.body, new Set([...d, s.local]));
          break;
        case 'while':
          checkExpr(s.test, d);
          walk(s.body, new Set(d));
          break;
        default:
          break;
      }
    }
    return d;
  };
  walk(loop.body, new Set());

  // The counter and the scalars the loop assigns must not be read anywhere else in the function (a sum is: it is
  // combined in order), but in the body of another loop over a range that counts with it (`for i in …` twice).
  const outside = (list: PyStmt[], counted: Set<number>): void => {
    for (const s of list) {
      if (s === loop) continue;
      const head: PyStmt = s.kind === 'if' ? { ...s, then: [], else: [] } : s.kind === 'for' || s.kind === 'while' ? { ...s, body: [] } : s;
      walkPyIr(
        [head],
        () => {},
        (x) => {
          if (x.kind === 'local' && (x.local === i || assigned.has(x.local)) && !reduced.has(x.local) && !counted.has(x.local))
            refuse(`${name(x.local)} is read after the loop`);
        },
      );
      if (s.kind === 'if') {
        outside(s.then, counted);
        outside(s.else, counted);
      } else if (s.kind === 'while') outside(s.body, counted);
      else if (s.kind === 'for') outside(s.body, new Set([...counted, s.local]));
    }
  };
  outside(f.body, new Set());

  const reads = new Set<number>();
  walkPyIr(
    loop.body,
    () => {},
    (x) => x.kind === 'local' && reads.add(x.local),
  );
  let nested = false;
  walkPyIr(
    loop.body,
    (s) => (nested ||= s.kind === 'for' || s.kind === 'while'),
    (x) => (nested ||= x.kind === 'call'),
  );
  return {
    fn: f.name,
    loop,
    counter: i,
    counterName: name(i),
    step: loop.step,
    reads: [...reads].filter((l) => l !== i && !assigned.has(l)).sort((a, b) => a - b),
    arrays: [...used].sort((a, b) => a - b),
    reductions,
    minIterations: nested ? MIN_ITERATIONS.nested : MIN_ITERATIONS.flat,
  };
}

// Full unrolling of short counted loops (`for (let dy = -1; dy <= 1; dy++)`): the copies see the counter as a
// constant, so the optimiser folds it into index arithmetic and drops the loop's branches. Only loops whose
// counter starts at a constant, is tested against a constant, steps by one in the update alone, and whose body
// has no loop, break or continue of its own; the counter ends with the value the loop would leave.
import type { Expr, IrFunction, IrModule, Stmt } from './ir';
import { walkIr } from './ir-walk';

/** Most iterations a loop may have to be unrolled. */
const MAX_TRIPS = 4;
/** Most expression nodes in the body of an unrolled loop. */
const MAX_BODY = 80;

/** The module with short counted loops unrolled (a new tree; the input is not changed). */
export function unrollLoops(ir: IrModule): IrModule {
  return { ...ir, functions: ir.functions.map((f): IrFunction => ({ ...f, body: unrollList(f.body) })) };
}

function unrollList(list: Stmt[]): Stmt[] {
  const out: Stmt[] = [];
  for (const s0 of list) {
    const s = inner(s0);
    const prev = out[out.length - 1];
    const copies = s.kind === 'loop' && prev ? unrolled(prev, s) : undefined;
    if (copies) out.push(...copies);
    else out.push(s);
  }
  return out;
}

function inner(s: Stmt): Stmt {
  switch (s.kind) {
    case 'if':
      return { ...s, then: unrollList(s.then), else: unrollList(s.else) };
    case 'loop':
      return { ...s, body: unrollList(s.body), update: unrollList(s.update) };
    default:
      return s;
  }
}

function unrolled(init: Stmt, loop: Extract<Stmt, { kind: 'loop' }>): Stmt[] | undefined {
  if (init.kind !== 'set' || init.value.kind !== 'const' || init.value.type !== 'i32' || loop.postTest || !loop.test) return undefined;
  const c = init.local;
  const t = loop.test;
  if (t.kind !== 'binary' || (t.op !== 'i32.lt_s' && t.op !== 'i32.le_s') || !isLocal(t.left, c) || t.right.kind !== 'const') return undefined;
  const u = loop.update;
  if (u.length !== 1 || u[0]!.kind !== 'set' || u[0]!.local !== c) return undefined;
  const step = u[0]!.value;
  if (step.kind !== 'binary' || step.op !== 'i32.add' || !isLocal(step.left, c) || step.right.kind !== 'const' || step.right.value !== 1) return undefined;
  const start = init.value.value;
  const end = t.op === 'i32.lt_s' ? t.right.value : t.right.value + 1;
  const trips = Math.max(0, end - start);
  if (trips > MAX_TRIPS || !Number.isInteger(start) || !Number.isInteger(end) || end > 2 ** 31 - 1) return undefined;
  let size = 0;
  let ok = true;
  walkIr(
    loop.body,
    (s) => {
      if (s.kind === 'loop' || s.kind === 'break' || s.kind === 'continue' || (s.kind === 'set' && s.local === c)) ok = false;
    },
    () => size++,
  );
  if (!ok || size > MAX_BODY) return undefined;
  const out: Stmt[] = [init];
  for (let k = start; k < end; k++) {
    if (k !== start) out.push({ kind: 'set', local: c, value: { kind: 'const', type: 'i32', value: k } });
    // Each copy its own nodes: analyses keyed by node (ranges.ts) then see one index per copy.
    out.push(...structuredClone(loop.body));
  }
  out.push({ kind: 'set', local: c, value: { kind: 'const', type: 'i32', value: Math.max(start, end) } });
  return out;
}

function isLocal(e: Expr, local: number): boolean {
  return e.kind === 'local' && e.local === local;
}

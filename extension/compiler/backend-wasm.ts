// WebAssembly backend: IR → binaryen module → optimised wasm bytes and WAT text.
// Arrays live in linear memory: an array parameter becomes (pointer, length). A bail-out is a trap
// (`unreachable`); the loader then runs the original function, which computes what JavaScript computes.
import { elementSize, type ArrayKind, type WasmAbi } from '../abi';
import { LOCAL_ARRAY_LIMIT, RECURSION_LIMIT, abiParams, isArrayType, type Expr, type IrFunction, type IrModule, type ResultType, type Stmt } from './ir';
import { boundsFacts, disjuncts, type InBounds } from './bounds';
import { dyadicPlan, dyadicScale, type DyadicPlan } from './dyadic';
import {
  CHECKED_LIMIT,
  dividendLimit,
  EXACT,
  FACTOR_LIMIT,
  intDivision,
  intLocals,
  intShape,
  operandLimits,
  exactCompare,
  int32Valued,
  remainderOperands,
  sameLocal,
  squareFactors,
  type IntLocals,
  type IntShape,
} from './exact-ints';
import { hoistRows } from './row-hoist';
import { unrollLoops } from './unroll';
import { forEachSet, walkExpr, walkIr } from './ir-walk';
import { rangeFacts, type GuardTerm, type RangeFacts } from './ranges';
import { kernelFeatures, loadBinaryen, optimizeAndEmit, type Binaryen, type BinaryenModule, type BinaryenType, type ExpressionRef } from './binaryen';

export interface WasmArtifact {
  wasm: Uint8Array;
  wat: string;
  abi: WasmAbi;
  flags: string[];
}

export const EXPORT_NAME = 'kernel';

/** Compiles an IR module to optimised WebAssembly. */
export async function compileWasm(source: IrModule): Promise<WasmArtifact> {
  const ir = hoistRows(unrollLoops(source));
  const b = await loadBinaryen();
  const mod = new b.Module();
  try {
    mod.setFeatures(kernelFeatures(b));
    mod.setMemory(1, 65536, 'memory');
    const gen = new ModuleGen(b, mod, ir);
    for (const f of ir.functions) gen.function(f);
    mod.addFunctionExport(gen.exported(ir.functions.find((f) => f.name === ir.entry)!), EXPORT_NAME);
    const out = optimizeAndEmit(b, mod);
    const entry = ir.functions.find((f) => f.name === ir.entry)!;
    const reads = arraysRead(entry);
    const abi: WasmAbi = {
      export: EXPORT_NAME,
      params: abiParams(entry, (slot) => reads.has(slot)),
      result: entry.returns ? 'array' : entry.result,
      ...(entry.returns ? { resultArray: entry.returns } : {}),
      ...(entry.returnsRows ? { resultRows: true as const } : {}),
      ...(gen.allocates ? { allocates: true } : {}),
      imports: [...gen.importModules].sort() as ('Math' | 'js')[],
      globals: ir.globals ?? [],
      ...(ir.constants?.length ? { constants: ir.constants } : {}),
    };
    return { wasm: out.wasm, wat: out.wat, abi, flags: out.flags };
  } finally {
    mod.dispose();
  }
}

type Helper = 'toInt32' | 'round' | 'sign' | 'modI32' | 'jsMod' | 'u8clamp' | 'index' | 'alloc';

/**
 * The bits of a hole in a plain array made by `new Array(n)` (IrArray.local 'holey'): a NaN that no store leaves
 * there (a NaN stored into such an array is stored as the canonical NaN); a read that finds it bails out.
 */
const HOLE = 0x7ff4dead0000beefn;

class ModuleGen {
  importModules = new Set<string>();
  /** Some function is recursive: the module has the global `depth` (counted). */
  private depth = false;
  private imported = new Set<string>();
  private helpers = new Set<Helper>();

  /**
   * Some function makes arrays: they live above the arguments, from the global `heap` the export starts at the
   * address the loader passes (an extra last argument), growing memory as needed.
   */
  readonly allocates: boolean;

  constructor(
    readonly b: Binaryen,
    readonly m: BinaryenModule,
    private ir: IrModule,
  ) {
    this.allocates = ir.functions.some((f) => f.arrays.some((a) => a.local));
    if (this.allocates) {
      m.addGlobal('heap', b.i32, true, m.i32.const(0));
      m.addGlobal('rlen', b.i32, true, m.i32.const(0));
    }
  }

  /** A function's result as WebAssembly returns it: a returned array is its address (its length in the global `rlen`). */
  resultType(f: IrFunction): BinaryenType {
    return f.returns ? this.b.i32 : this.wasmType(f.result);
  }

  wasmType(t: ResultType): BinaryenType {
    return t === 'void' ? this.b.none : t === 'f64' ? this.b.f64 : this.b.i32;
  }

  /** A scalar parameter's wasm type: its local's, except a double the loader checks as an int32, which arrives as an i32. */
  paramType(f: IrFunction, p: IrFunction['params'][number]): BinaryenType {
    return p.guard === 'int32' ? this.b.i32 : this.wasmType(f.locals[p.slot]!.type);
  }

  function(f: IrFunction): void {
    new FunctionGen(this, f).emit();
  }

  /**
   * A recursive function as its callers call it: `f` counts the depth of calls in the global `depth` and traps
   * past RECURSION_LIMIT (the loader then runs the original), around `f$body`, the function itself.
   */
  counted(f: IrFunction, body: string, params: BinaryenType[]): void {
    const { b, m } = this;
    if (!this.depth) {
      m.addGlobal('depth', b.i32, true, m.i32.const(0));
      this.depth = true;
    }
    const depth = () => m.global.get('depth', b.i32);
    const args = params.map((t, i) => m.local.get(i, t));
    const result = this.resultType(f);
    const call = m.call(body, args, result);
    const leave = m.global.set('depth', m.i32.sub(depth(), m.i32.const(1)));
    const list = [
      m.global.set('depth', m.i32.add(depth(), m.i32.const(1))),
      m.if(m.i32.gt_s(depth(), m.i32.const(RECURSION_LIMIT)), m.unreachable()),
      ...(result === b.none ? [call, leave] : [m.local.set(params.length, call), leave, m.local.get(params.length, result)]),
    ];
    m.addFunction(f.name, b.createType(params), result, result === b.none ? [] : [result], m.block(null, list, result));
  }

  /**
   * The function the module exports: the entry, or, when some function is recursive, the entry after the depth is
   * reset (a trap leaves it counted); when some function makes arrays, the entry after `heap` is set from the
   * extra last argument, the address of 8 free bytes above the arguments (an array result's length goes there).
   */
  exported(entry: IrFunction): string {
    if (!this.depth && !this.allocates) return entry.name;
    const { b, m } = this;
    const params = entry.params.flatMap((p) => (isArrayType(p.type) ? [b.i32, b.i32] : [this.paramType(entry, p)]));
    const result = this.resultType(entry);
    const call = m.call(
      entry.name,
      params.map((t, i) => m.local.get(i, t)),
      result,
    );
    const base = () => m.local.get(params.length, b.i32);
    const list: ExpressionRef[] = [];
    if (this.depth) list.push(m.global.set('depth', m.i32.const(0)));
    if (this.allocates) list.push(m.global.set('heap', m.i32.add(base(), m.i32.const(8))));
    if (entry.returns) {
      list.push(m.local.set(params.length + 1, call), m.i32.store(0, 4, base(), m.global.get('rlen', b.i32)), m.local.get(params.length + 1, b.i32));
    } else list.push(call);
    const all = this.allocates ? [...params, b.i32] : params;
    m.addFunction('$export', b.createType(all), result, entry.returns ? [b.i32] : [], m.block(null, list, result));
    return '$export';
  }

  /** The WebAssembly result of the function `name` (an array it returns is an address: resultType). */
  resultOf(name: string): BinaryenType {
    return this.resultType(this.ir.functions.find((f) => f.name === name)!);
  }

  /** A host function import, added once: `Math.<fn>` with `arity` doubles, or `js.mod`. */
  importFn(module: 'Math' | 'js', base: string, arity: number): string {
    const name = `${module}.${base}/${arity}`;
    if (!this.imported.has(name)) {
      this.imported.add(name);
      this.importModules.add(module);
      const b = this.b;
      this.m.addFunctionImport(name, module, base, b.createType(Array(arity).fill(b.f64)), b.f64);
    }
    return name;
  }

  /** Small functions for the semantics that need several instructions; the optimiser inlines them. */
  helper(h: Helper): string {
    const name = `$${h}`;
    if (this.helpers.has(h)) return name;
    this.helpers.add(h);
    const { b, m } = this;
    const f64 = b.f64;
    const i32 = b.i32;
    const x = m.local.get(0, f64);
    switch (h) {
      case 'toInt32': {
        // Exact for |x| < 2^63 through i64; above, x is an integer and x mod 2^32 is computed exactly in doubles.
        const two32 = m.f64.const(4294967296);
        const big = m.i32.trunc_u_sat.f64(
          m.f64.sub(m.local.get(0, f64), m.f64.mul(two32, m.f64.floor(m.f64.div(m.local.get(0, f64), m.f64.const(4294967296))))),
        );
        const body = m.if(m.f64.lt(m.f64.abs(x), m.f64.const(9223372036854775808)), m.i32.wrap(m.i64.trunc_s.f64(m.local.get(0, f64))), big);
        m.addFunction(name, f64, i32, [], body);
        break;
      }
      case 'round': {
        // Math.round: r = ceil(x); r - 0.5 > x ? r - 1 : r  (exact, keeps -0, NaN and infinities).
        const r = () => m.local.get(1, f64);
        const body = m.block(
          null,
          [m.local.set(1, m.f64.ceil(x)), m.select(m.f64.gt(m.f64.sub(r(), m.f64.const(0.5)), m.local.get(0, f64)), m.f64.sub(r(), m.f64.const(1)), r())],
          f64,
        );
        m.addFunction(name, f64, f64, [f64], body);
        break;
      }
      case 'sign': {
        const body = m.if(
          m.f64.gt(x, m.f64.const(0)),
          m.f64.const(1),
          m.if(m.f64.lt(m.local.get(0, f64), m.f64.const(0)), m.f64.const(-1), m.local.get(0, f64)),
        );
        m.addFunction(name, f64, f64, [], body);
        break;
      }
      case 'modI32': {
        // JavaScript % on int32 values: NaN for a zero divisor, -0 when a negative dividend leaves no remainder.
        const a = () => m.local.get(0, i32);
        const d = () => m.local.get(1, i32);
        const r = () => m.local.get(2, i32);
        const body = m.if(
          m.i32.eqz(d()),
          m.f64.const(NaN),
          m.block(
            null,
            [
              m.local.set(2, m.i32.rem_s(a(), d())),
              m.if(m.i32.and(m.i32.eqz(r()), m.i32.lt_s(a(), m.i32.const(0))), m.f64.const(-0), m.f64.convert_s.i32(r())),
            ],
            f64,
          ),
        );
        m.addFunction(name, b.createType([i32, i32]), f64, [i32], body);
        break;
      }
      case 'jsMod': {
        // JavaScript % on doubles. Two integers below 2^53 (the common case) take the integer remainder with the
        // dividend's sign (fmod's: -0 when a negative dividend, or -0, leaves none); anything else (a zero divisor,
        // NaN, infinities, fractions) goes to the host's %.
        const a = () => m.local.get(0, f64);
        const d = () => m.local.get(1, f64);
        const ia = () => m.local.get(2, b.i64);
        const id = () => m.local.get(3, b.i64);
        const small = (v: () => ExpressionRef) => m.f64.lt(m.f64.abs(v()), m.f64.const(EXACT));
        const integral = (v: () => ExpressionRef, i: () => ExpressionRef) => m.f64.eq(m.f64.convert_s.i64(i()), v());
        const body = m.block(
          null,
          [
            m.if(
              m.i32.and(small(a), small(d)),
              m.block(
                null,
                [
                  m.local.set(2, m.i64.trunc_s_sat.f64(a())),
                  m.local.set(3, m.i64.trunc_s_sat.f64(d())),
                  m.if(
                    m.i32.and(m.i32.and(integral(a, ia), integral(d, id)), m.i64.ne(id(), m.i64.const(0n))),
                    m.return(m.f64.copysign(m.f64.convert_s.i64(m.i64.rem_s(ia(), id())), a())),
                  ),
                ],
                b.none,
              ),
            ),
            m.call(this.importFn('js', 'mod', 2), [a(), d()], f64),
          ],
          f64,
        );
        m.addFunction(name, b.createType([f64, f64]), f64, [b.i64, b.i64], body);
        break;
      }
      case 'u8clamp': {
        // ToUint8Clamp: NaN and ≤ 0 → 0, ≥ 255 → 255, otherwise round half to even.
        const body = m.if(
          m.f64.gt(x, m.f64.const(0)),
          m.if(m.f64.lt(m.local.get(0, f64), m.f64.const(255)), m.i32.trunc_u_sat.f64(m.f64.nearest(m.local.get(0, f64))), m.i32.const(255)),
          m.i32.const(0),
        );
        m.addFunction(name, f64, i32, [], body);
        break;
      }
      case 'alloc': {
        // `bytes` (at most 2^30) at `heap`, rounded up to 8, growing memory when they pass its end; no memory left traps.
        const p = () => m.local.get(1, i32);
        const end = () => m.local.get(2, b.i64);
        const size = () => m.i64.shl(m.i64.extend_u(m.memory.size()), m.i64.const(16n));
        const body = m.block(
          null,
          [
            m.local.set(1, m.global.get('heap', i32)),
            m.local.set(2, m.i64.and(m.i64.add(m.i64.add(m.i64.extend_u(p()), m.i64.extend_u(m.local.get(0, i32))), m.i64.const(7n)), m.i64.const(-8n))),
            m.if(
              m.i64.gt_u(end(), size()),
              m.if(
                m.i32.eq(m.memory.grow(m.i32.wrap(m.i64.shr_u(m.i64.add(m.i64.sub(end(), size()), m.i64.const(65535n)), m.i64.const(16n)))), m.i32.const(-1)),
                m.unreachable(),
              ),
            ),
            m.global.set('heap', m.i32.wrap(end())),
            p(),
          ],
          i32,
        );
        m.addFunction(name, i32, i32, [i32, b.i64], body);
        break;
      }
      case 'index': {
        // A double index as an element number, or 0xFFFFFFFF (always out of range) when it is not one.
        const t = () => m.local.get(1, i32);
        const body = m.block(
          null,
          [m.local.set(1, m.i32.trunc_u_sat.f64(x)), m.select(m.f64.eq(m.f64.convert_u.i32(t()), m.local.get(0, f64)), t(), m.i32.const(-1))],
          i32,
        );
        m.addFunction(name, f64, i32, [i32], body);
        break;
      }
    }
    return name;
  }
}

class FunctionGen {
  private b: Binaryen;
  private m: BinaryenModule;
  /** Wasm local index of each IR local. */
  private localIndex: number[] = [];
  private arrayPtr: number[] = [];
  private arrayLen: number[] = [];
  /** A local plain array's capacity (elements) at arrayPtr. */
  private arrayCap: number[] = [];
  /** Labels of the loops that fill or scan arrays the function makes. */
  private fills = 0;
  private paramTypes: BinaryenType[] = [];
  private varTypes: BinaryenType[] = [];
  /** Double locals that hold exact integers, kept in i64 wasm locals (see exact-ints.ts). */
  private ints: IntLocals = new Set<number>();
  /** Loops whose test proves a counter in bounds, and those whose body is being emitted. */
  private facts = new Map<Stmt, InBounds>();
  private active: InBounds[] = [];
  /** Index ranges proven by the entry guard (ranges.ts); used by the fast version only. */
  private ranges: RangeFacts | undefined;
  /** Emitting the fast version: the guard held at entry. */
  private fast = false;
  /** i32 wasm locals of the narrowed integer-double locals (fast version). */
  private narrowIndex: number[] = [];
  /** Emitting the double version of a planned integer expression (dyadic.ts): no plans inside it. */
  private plainDoubles = false;
  /** Conditions known in the loop copy being emitted (unswitching): emitted as constants. */
  private known = new Map<Expr, boolean>();
  /** Loops emitted a second time (unswitching), whose labels take a suffix; loops being unswitched. */
  private copied = new Set<number>();
  private splitting = new Set<number>();

  constructor(
    private gen: ModuleGen,
    private f: IrFunction,
  ) {
    this.b = gen.b;
    this.m = gen.m;
  }

  emit(): void {
    const { b, f } = this;
    const m = this.m;
    // A double parameter the loader checks as an int32 (it is also assigned other values) arrives as an i32 and
    // is copied into its local, an integer local (exact-ints.ts) or a double.
    const entryInts: { param: number; local: number }[] = [];
    for (const p of f.params) {
      if (isArrayType(p.type)) {
        this.arrayPtr[p.slot] = this.paramTypes.push(b.i32) - 1;
        this.arrayLen[p.slot] = this.paramTypes.push(b.i32) - 1;
      } else {
        const t = this.gen.paramType(f, p);
        const index = this.paramTypes.push(t) - 1;
        if (f.locals[p.slot]!.type === 'f64' && t === b.i32) entryInts.push({ param: index, local: p.slot });
        else this.localIndex[p.slot] = index;
      }
    }
    f.arrays.forEach((a, i) => {
      if (!a.local) return;
      this.arrayPtr[i] = this.newVar(b.i32);
      this.arrayLen[i] = this.newVar(b.i32);
      if (a.local !== 'typed') this.arrayCap[i] = this.newVar(b.i32);
    });
    this.ints = intLocals(f);
    this.facts = boundsFacts(f, this.ints);
    f.locals.forEach((l, i) => {
      if (this.localIndex[i] === undefined) this.localIndex[i] = this.newVar(this.ints.has(i) ? b.i64 : this.gen.wasmType(l.type));
    });
    const prologue = entryInts.map(({ param, local }) => {
      const v = m.local.get(param, b.i32);
      return m.local.set(this.localIndex[local]!, this.ints.has(local) ? m.i64.extend_s(v) : m.f64.convert_s.i32(v));
    });
    this.ranges = rangeFacts(f, this.ints, 0x3fffffff, { offsets: true });
    const r = this.ranges;
    let body: ExpressionRef[];
    if (r.proven.size + r.narrow.size + r.roundDivs.size + r.i32Compares.size + r.toInt32s.size === 0) {
      body = this.stmts(f.body);
    } else {
      // Two versions: without the checks the entry guard makes redundant, and the checked one.
      for (const l of r.narrow) this.narrowIndex[l] = this.newVar(b.i32);
      // (A narrowed parameter starts from its value on entry, an int32.)
      for (const { param, local } of entryInts)
        if (this.narrowIndex[local] !== undefined) prologue.push(m.local.set(this.narrowIndex[local]!, m.local.get(param, b.i32)));
      this.fast = true;
      const fast = this.block(f.body);
      this.fast = false;
      if (r.guard.length === 0) body = [fast];
      else body = [m.if(this.guard(r.guard), fast, this.block(f.body))];
    }
    body.unshift(...prologue);
    if (f.result !== 'void' || f.returns) body.push(m.unreachable());
    const name = f.recursive ? `${f.name}$body` : f.name;
    m.addFunction(name, b.createType(this.paramTypes), this.gen.resultType(f), this.varTypes, m.block(null, body, b.none));
    if (f.recursive) this.gen.counted(f, name, this.paramTypes);
  }

  /** The entry guard: every term's polynomial over parameters and lengths is ≤ 0, evaluated in i64. */
  private guard(terms: GuardTerm[]): ExpressionRef {
    const { m, b } = this;
    const atom = (v: string): ExpressionRef => {
      const n = Number(v.slice(1));
      if (v[0] === 'n') return this.u32ToI64(m.local.get(this.arrayLen[n]!, b.i32));
      return m.i64.extend_s(m.local.get(this.localIndex[n]!, b.i32));
    };
    const term = (t: GuardTerm): ExpressionRef => {
      let sum: ExpressionRef | undefined;
      for (const [mono, c] of t.poly) {
        let v: ExpressionRef = m.i64.const(BigInt(c));
        for (const a of mono ? mono.split('*') : []) v = m.i64.mul(v, atom(a));
        sum = sum === undefined ? v : m.i64.add(sum, v);
      }
      return m.i64.le_s(sum ?? m.i64.const(0n), m.i64.const(0n));
    };
    return terms.map(term).reduce((acc, t) => m.i32.and(acc, t));
  }

  /**
   * An integer expression the range analysis proved exact (ranges.ts), in wrapping int32 arithmetic: its value
   * is an int32 (an index, a narrowed local), so the low 32 bits of each step give it exactly.
   */
  private i32Of(e: Expr): ExpressionRef {
    const { m, b } = this;
    switch (e.kind) {
      case 'const':
        return m.i32.const(e.value | 0);
      case 'local':
        if (e.type !== 'f64') return m.local.get(this.localIndex[e.local]!, b.i32);
        if (this.narrowIndex[e.local] !== undefined) return m.local.get(this.narrowIndex[e.local]!, b.i32);
        if (this.ints.has(e.local)) return m.i32.wrap(m.local.get(this.localIndex[e.local]!, b.i64));
        // A double holding an integer within ±2^52 (maybe -0): truncated exactly through i64.
        return m.i32.wrap(m.i64.trunc_s_sat.f64(m.local.get(this.localIndex[e.local]!, b.f64)));
      case 'unary':
        if (e.op === 'f64.from_i32') return this.expr(e.arg);
        if (e.op === 'i32.from_f64') return this.i32Of(e.arg);
        break;
      case 'binary': {
        if (e.op === 'i32.shl') return m.i32.shl(this.i32Of(e.left), this.expr(e.right));
        const l = this.i32Of(e.left);
        const r = this.i32Of(e.right);
        if (e.op === 'f64.add' || e.op === 'i32.add') return m.i32.add(l, r);
        if (e.op === 'f64.sub' || e.op === 'i32.sub') return m.i32.sub(l, r);
        if (e.op === 'f64.mul' || e.op === 'i32.mul') return m.i32.mul(l, r);
        break;
      }
      case 'length':
      case 'load':
        return this.expr(e);
      default:
        break;
    }
    throw new Error(`not a proven integer expression: ${e.kind}`);
  }

  /** `Math.round(x / c)` for a proven 0 <= x < 2^30 and c <= 2^29: floor((x + floor(c / 2)) / c), exact in uint32. */
  private roundDiv(d: { x: Expr; c: number }): ExpressionRef {
    const m = this.m;
    return m.i32.div_u(m.i32.add(this.i32Of(d.x), m.i32.const(Math.floor(d.c / 2))), m.i32.const(d.c));
  }

  private newVar(t: BinaryenType): number {
    this.varTypes.push(t);
    return this.paramTypes.length + this.varTypes.length - 1;
  }

  private stmts(list: Stmt[]): ExpressionRef[] {
    return list.map((s) => this.stmt(s));
  }

  private block(list: Stmt[]): ExpressionRef {
    const body = this.stmts(list);
    return body.length === 1 ? body[0]! : this.m.block(null, body, this.b.none);
  }

  private stmt(s: Stmt): ExpressionRef {
    const { m } = this;
    switch (s.kind) {
      case 'set': {
        if (this.fast && this.narrowIndex[s.local] !== undefined) return m.local.set(this.narrowIndex[s.local]!, this.i32Of(s.value));
        if (this.ints.has(s.local)) {
          const shape = intShape(s.value, this.ints)!;
          // A value JavaScript may make -0 is checked: an integer local holds +0 only (exact-ints.ts intLocals).
          const v = this.intExpr(s.value, !shape.noNegZero);
          // An int32 local's step is checked to stay int32 (its other values are int32 values).
          if (this.ints.int32?.has(s.local)) return m.local.set(this.localIndex[s.local]!, this.fitsInt32(s.value) ? v : this.checkedInt32(v));
          return m.local.set(this.localIndex[s.local]!, shape.bound > CHECKED_LIMIT ? this.checked(v) : v);
        }
        return m.local.set(this.localIndex[s.local]!, this.expr(s.value));
      }
      case 'store':
        return this.store(s, s.array, s.index, s.value);
      case 'expr': {
        const v = this.expr(s.value);
        // (A call of the entry that returns an array, from itself, gives its address.)
        const none = s.value.type === 'void' && (s.value.kind !== 'call' || this.gen.resultOf(s.value.fn) === this.b.none);
        return none ? v : m.drop(v);
      }
      case 'if':
        return m.if(this.expr(s.cond), this.block(s.then), s.else.length ? this.block(s.else) : undefined);
      case 'loop': {
        const split = this.fast && !this.splitting.has(s.label) ? unswitchable(s, this.f) : undefined;
        if (split) return this.unswitched(s, split);
        const brk = this.label('brk', s.label);
        const top = this.label('top', s.label);
        const cont = this.label('cont', s.label);
        // A loop with a test is rotated: the test once before the loop, then again at its bottom (`br_if top`),
        // the shape clang emits; the tests run at the same points as in JavaScript. V8 compiles a loop that
        // ends in its own conditional branch markedly faster than one that tests at the top and always branches back.
        const rotated = s.test !== undefined && s.postTest === undefined;
        const inner: ExpressionRef[] = [];
        if (s.test && !rotated) inner.push(...this.exitUnless(brk, s.test));
        const fact = this.facts.get(s);
        if (fact) this.active.push(fact);
        inner.push(m.block(cont, this.stmts(s.body), this.b.none));
        if (fact) this.active.pop();
        inner.push(...this.stmts(s.update));
        if (rotated) inner.push(...this.continueIf(top, brk, s.test!));
        else inner.push(s.postTest ? m.br(top, this.expr(s.postTest)) : m.br(top));
        const loop = m.loop(top, m.block(null, inner, this.b.none));
        return m.block(brk, rotated ? [...this.exitUnless(brk, s.test!), loop] : [loop], this.b.none);
      }
      case 'break':
        return m.br(this.label('brk', s.label));
      case 'continue':
        return m.br(this.label('cont', s.label));
      case 'return':
        if (s.array !== undefined) return this.returnArray(s.array);
        return m.return(s.value ? this.expr(s.value) : undefined);
      case 'alloc':
        return this.alloc(s);
      case 'pop': {
        const len = this.arrayLen[s.array]!;
        const get = () => m.local.get(len, this.b.i32);
        return m.if(get(), m.local.set(len, m.i32.sub(get(), m.i32.const(1))));
      }
      case 'push': {
        const v = this.newVar(this.b.f64);
        return m.block(null, [m.local.set(v, this.expr(s.value)), this.append(s.array, m.local.get(v, this.b.f64))], this.b.none);
      }
      case 'swap': {
        // The locals that hold each array (its address, length and room) are exchanged.
        const i32 = this.b.i32;
        const locals = [this.arrayPtr, this.arrayLen, ...(this.f.arrays[s.array]!.local !== 'typed' ? [this.arrayCap] : [])];
        return m.block(
          null,
          locals.flatMap((l) => {
            const t = this.newVar(i32);
            return [
              m.local.set(t, m.local.get(l[s.array]!, i32)),
              m.local.set(l[s.array]!, m.local.get(l[s.other]!, i32)),
              m.local.set(l[s.other]!, m.local.get(t, i32)),
            ];
          }),
          this.b.none,
        );
      }
      default: {
        const never: never = s;
        throw new Error(`unknown statement ${JSON.stringify(never)}`);
      }
    }
  }

  /** A value stored into a holey array: a NaN as the canonical NaN, so that no stored value reads as a hole (HOLE). */
  private unholed(array: number, v: ExpressionRef): ExpressionRef {
    if (this.f.arrays[array]!.local !== 'holey') return v;
    const { m, b } = this;
    const t = this.newVar(b.f64);
    return m.block(null, [m.local.set(t, v), m.select(m.f64.ne(m.local.get(t, b.f64), m.local.get(t, b.f64)), m.f64.const(NaN), m.local.get(t, b.f64))], b.f64);
  }

  /** `len` elements of `size` bytes from the heap: their address (LOCAL_ARRAY_LIMIT bounds len, so bytes stay below 2^30). */
  private allocate(len: ExpressionRef, size: number): ExpressionRef {
    const m = this.m;
    return m.call(this.gen.helper('alloc'), [m.i32.mul(len, m.i32.const(size))], this.b.i32);
  }

  /** Appends the double `v` to local plain array `array`, moving it to twice the room when it is full. */
  private append(array: number, v: ExpressionRef): ExpressionRef {
    const { m, b } = this;
    const ptr = this.arrayPtr[array]!;
    const len = this.arrayLen[array]!;
    const cap = this.arrayCap[array]!;
    const get = (l: number) => m.local.get(l, b.i32);
    const fresh = this.newVar(b.i32);
    const grow = m.if(
      m.i32.ge_u(get(len), get(cap)),
      m.block(
        null,
        [
          m.if(m.i32.ge_u(get(len), m.i32.const(LOCAL_ARRAY_LIMIT)), m.unreachable()),
          m.local.set(cap, m.i32.add(m.i32.shl(get(cap), m.i32.const(1)), m.i32.const(4))),
          m.if(m.i32.gt_u(get(cap), m.i32.const(LOCAL_ARRAY_LIMIT)), m.local.set(cap, m.i32.const(LOCAL_ARRAY_LIMIT))),
          m.local.set(fresh, this.allocate(get(cap), 8)),
          m.memory.copy(get(fresh), get(ptr), m.i32.shl(get(len), m.i32.const(3))),
          m.local.set(ptr, get(fresh)),
        ],
        b.none,
      ),
    );
    const store = m.f64.store(0, 8, m.i32.add(get(ptr), m.i32.shl(get(len), m.i32.const(3))), this.unholed(array, v));
    return m.block(null, [grow, store, m.local.set(len, m.i32.add(get(len), m.i32.const(1)))], b.none);
  }

  /** Stmt 'alloc': a new array in the heap (its length checked first), its elements set, then bound to the array's locals. */
  private alloc(s: Extract<Stmt, { kind: 'alloc' }>): ExpressionRef {
    const { m, b } = this;
    const a = this.f.arrays[s.array]!;
    const size = elementSize(a.kind);
    const get = (l: number) => m.local.get(l, b.i32);
    const ptr = this.newVar(b.i32);
    const n = this.newVar(b.i32);
    const out: ExpressionRef[] = [];
    if (s.values) {
      out.push(m.local.set(n, m.i32.const(s.values.length)), m.local.set(ptr, this.allocate(m.i32.const(Math.max(s.values.length, 4)), 8)));
      s.values.forEach((v, k) => out.push(m.f64.store(k * 8, 8, get(ptr), this.expr(v))));
    } else {
      const len = s.length!;
      // An integer in [0, LOCAL_ARRAY_LIMIT), or the call bails out (a RangeError, or more than compiled code takes).
      const idx = len.type === 'f64' ? this.index(len) : this.expr(len);
      out.push(m.local.set(n, idx), m.if(m.i32.ge_u(get(n), m.i32.const(LOCAL_ARRAY_LIMIT)), m.unreachable()));
      const fillType = s.fill && (s.fill.type === 'f64' ? b.f64 : b.i32);
      const fv = s.fill ? this.newVar(fillType!) : undefined;
      if (s.fill) out.push(m.local.set(fv!, this.expr(s.fill)));
      out.push(m.local.set(ptr, this.allocate(get(n), size)));
      const bytes = m.i32.mul(get(n), m.i32.const(size));
      if (s.fill) {
        out.push(
          ...this.countedLoop('fill', n, (i) => {
            const addr = m.i32.add(get(ptr), m.i32.mul(get(i), m.i32.const(size)));
            const val = m.local.get(fv!, fillType!);
            if (size === 8) return m.f64.store(0, 8, addr, a.local === 'holey' ? this.unholed(s.array, val) : val);
            if (a.kind === 'Float32Array') return m.f32.store(0, 4, addr, m.f32.demote(val));
            if (size === 4) return m.i32.store(0, 4, addr, val);
            if (size === 2) return m.i32.store16(0, 2, addr, val);
            return m.i32.store8(0, 1, addr, val);
          }),
        );
      } else if (a.local === 'holey') {
        out.push(...this.countedLoop('fill', n, (i) => m.i64.store(0, 8, m.i32.add(get(ptr), m.i32.shl(get(i), m.i32.const(3))), m.i64.const(HOLE))));
      } else out.push(m.memory.fill(get(ptr), m.i32.const(0), bytes));
    }
    out.push(m.local.set(this.arrayPtr[s.array]!, get(ptr)), m.local.set(this.arrayLen[s.array]!, get(n)));
    if (a.local !== 'typed') out.push(m.local.set(this.arrayCap[s.array]!, s.values ? m.i32.const(Math.max(s.values.length, 4)) : get(n)));
    return m.block(null, out, b.none);
  }

  /** `return a` of a local array: its length to `rlen`, its address returned; a hole left in it bails out (JavaScript's would be undefined). */
  private returnArray(array: number): ExpressionRef {
    const { m, b } = this;
    const get = (l: number) => m.local.get(l, b.i32);
    const ptr = this.arrayPtr[array]!;
    const len = this.arrayLen[array]!;
    const out: ExpressionRef[] = [];
    if (this.f.arrays[array]!.local === 'holey') {
      out.push(
        ...this.countedLoop('holes', len, (i) =>
          m.if(m.i64.eq(m.i64.load(0, 8, m.i32.add(get(ptr), m.i32.shl(get(i), m.i32.const(3)))), m.i64.const(HOLE)), m.unreachable()),
        ),
      );
    }
    out.push(m.global.set('rlen', get(len)), m.return(get(ptr)));
    return m.block(null, out, b.none);
  }

  /** `for (i = 0; i < n; i++) body(i)`, `n` an i32 local: a fresh counter, and a loop in a block it breaks out of. */
  private countedLoop(prefix: string, n: number, body: (i: number) => ExpressionRef): ExpressionRef[] {
    const { m, b } = this;
    const get = (l: number) => m.local.get(l, b.i32);
    const i = this.newVar(b.i32);
    const label = `${prefix}${this.fills++}`;
    const step = [m.br(`${label}out`, m.i32.ge_u(get(i), get(n))), body(i), m.local.set(i, m.i32.add(get(i), m.i32.const(1))), m.br(label)];
    return [m.local.set(i, m.i32.const(0)), m.block(`${label}out`, [m.loop(label, m.block(null, step, b.none))])];
  }

  /** A loop's label, kept apart between the two versions of a function and the two copies of an unswitched loop. */
  private label(kind: string, n: number): string {
    return `${this.fast ? 'f' : ''}${kind}${n}${this.copied.has(n) ? 'u' : ''}`;
  }

  /**
   * Loop unswitching: `for (x…) { if (x === 0 || y === 0 || …) {…; continue} … }` tests `y === 0` once, before
   * the loop, and runs one of two copies of it: one where the whole condition is true, one where the
   * invariant tests are false (the border rows of an image, and its interior). The tests are pure, so
   * evaluating them once instead of once per iteration computes the same thing.
   */
  private unswitched(s: Extract<Stmt, { kind: 'loop' }>, split: Unswitch): ExpressionRef {
    const m = this.m;
    const test = split.invariant.map((d) => this.expr(d)).reduce((a, b) => m.i32.or(a, b));
    const emit = (known: [Expr, boolean][], copy: boolean): ExpressionRef => {
      for (const [e, v] of known) this.known.set(e, v);
      if (copy) this.copied.add(s.label);
      const out = this.stmt(s);
      for (const [e] of known) this.known.delete(e);
      this.copied.delete(s.label);
      return out;
    };
    this.splitting.add(s.label);
    const always = emit([[split.cond, true]], true);
    const other = emit(
      split.invariant.map((d) => [d, false]),
      false,
    );
    this.splitting.delete(s.label);
    return m.if(test, always, other);
  }

  /** Branches to `label` unless `test` holds; `a && b` becomes two branches, with no boolean materialised. */
  private exitUnless(label: string, test: Expr): ExpressionRef[] {
    if (test.kind === 'cond' && test.type === 'bool' && test.else.kind === 'const' && test.else.value === 0) {
      return [...this.exitUnless(label, test.cond), ...this.exitUnless(label, test.then)];
    }
    return [this.m.br(label, this.m.i32.eqz(this.expr(test)))];
  }

  /** Branches back to `top` if `test` holds, else falls out of the loop: `a && b` leaves by `exit` unless `a`, then tests `b`. */
  private continueIf(top: string, exit: string, test: Expr): ExpressionRef[] {
    if (test.kind === 'cond' && test.type === 'bool' && test.else.kind === 'const' && test.else.value === 0) {
      return [...this.exitUnless(exit, test.cond), ...this.continueIf(top, exit, test.then)];
    }
    return [this.m.br(top, this.expr(test))];
  }

  /** An element index as an i32, or 0xFFFFFFFF when JavaScript would not see an element there. */
  private index(e: Expr): ExpressionRef {
    if (e.type !== 'f64') return this.expr(e);
    const exact = this.index64(e);
    if (exact !== undefined) return this.inArrayRange(exact);
    return this.m.call(this.gen.helper('index'), [this.expr(e)], this.b.i32);
  }

  /** A double index computed exactly as an i64 (or, where JavaScript's is not exact, as far out of range). */
  private index64(e: Expr): ExpressionRef | undefined {
    if (e.type !== 'f64') return undefined;
    return this.exactIndex(e) ?? (intShape(e, this.ints) ? this.intExpr(e) : undefined);
  }

  /**
   * Sets `t` (i32) to an element number of `array` and guards `onRange`: an i64 index is compared with the
   * length as it is (one check), any other goes through `index` (0xFFFFFFFF when not an element).
   */
  private checkedIndex(array: number, index: Expr, t: number, inRange: (ok: ExpressionRef) => ExpressionRef[]): ExpressionRef[] {
    const { m, b } = this;
    const wide = this.index64(index);
    if (wide === undefined) return [m.local.set(t, this.index(index)), ...inRange(this.inRange(array, t))];
    const t64 = this.newVar(b.i64);
    const len = this.u32ToI64(m.local.get(this.arrayLen[array]!, b.i32));
    // Lengths stay below 2^30, so an index below the length wraps to i32 exactly.
    return [m.local.set(t64, wide), m.local.set(t, m.i32.wrap(m.local.get(t64, b.i64))), ...inRange(m.i64.lt_u(m.local.get(t64, b.i64), len))];
  }

  /**
   * `y * w + x` over int32 values, computed in i64. Exact whenever JavaScript's double arithmetic is; when it is
   * not, one product exceeds 2^53 - 2^50 while the other terms stay within 2^50, so both results lie far
   * outside any array and JavaScript and the compiled code both see an index out of range.
   */
  private exactIndex(e: Expr): ExpressionRef | undefined {
    const m = this.m;
    const terms: { sign: 1 | -1; e: Expr; bound: number }[] = [];
    const leafBound = (x: Expr): number | undefined => {
      if (x.kind === 'const') return Number.isInteger(x.value) && Math.abs(x.value) <= 2 ** 50 ? Math.abs(x.value) : undefined;
      if (x.kind === 'unary' && x.op === 'f64.from_i32') return 2 ** 31;
      if (x.kind === 'unary' && x.op === 'f64.from_u32') return 2 ** 32;
      if (x.kind === 'local' && this.ints.has(x.local)) return CHECKED_LIMIT;
      return undefined;
    };
    const flatten = (x: Expr, sign: 1 | -1): boolean => {
      if (x.kind === 'binary' && (x.op === 'f64.add' || x.op === 'f64.sub'))
        return flatten(x.left, sign) && flatten(x.right, x.op === 'f64.add' ? sign : (-sign as 1 | -1));
      if (x.kind === 'binary' && x.op === 'f64.mul') {
        const l = leafBound(x.left);
        const r = leafBound(x.right);
        if (l === undefined || r === undefined) return false;
        terms.push({ sign, e: x, bound: l * r });
        return true;
      }
      const bound = leafBound(x);
      if (bound === undefined) return false;
      terms.push({ sign, e: x, bound });
      return true;
    };
    if (!flatten(e, 1) || terms.length > 64) return undefined;
    const total = terms.reduce((s, t) => s + t.bound, 0);
    const largest = Math.max(...terms.map((t) => t.bound));
    if (total >= 2 ** 63 || total - largest > 2 ** 50) return undefined;
    const leaf = (x: Expr): ExpressionRef => {
      if (x.kind === 'const') return m.i64.const(BigInt(x.value));
      if (x.kind === 'local') return this.intExpr(x);
      const u = x as Extract<Expr, { kind: 'unary' }>;
      return u.op === 'f64.from_i32' ? m.i64.extend_s(this.expr(u.arg)) : this.u32ToI64(this.expr(u.arg));
    };
    const term = (x: Expr): ExpressionRef => (x.kind === 'binary' ? m.i64.mul(leaf(x.left), leaf(x.right)) : leaf(x));
    let acc: ExpressionRef | undefined;
    for (const t of terms) {
      const v = term(t.e);
      acc = acc === undefined ? (t.sign === 1 ? v : m.i64.sub(m.i64.const(0n), v)) : t.sign === 1 ? m.i64.add(acc, v) : m.i64.sub(acc, v);
    }
    return acc!;
  }

  /** An exact i64 index as an i32 element number, or 0xFFFFFFFF (out of range of any array) beyond 2^30. */
  private inArrayRange(v: ExpressionRef): ExpressionRef {
    const { m, b } = this;
    const tmp = this.newVar(b.i64);
    // (select evaluates its condition last: the value is stored first.)
    return m.block(
      null,
      [m.local.set(tmp, v), m.select(m.i64.lt_u(m.local.get(tmp, b.i64), m.i64.const(0x40000000n)), m.i32.wrap(m.local.get(tmp, b.i64)), m.i32.const(-1))],
      b.i32,
    );
  }

  /**
   * An integer-shaped double expression (exact-ints.ts) as an i64. Operands that might leave ±2^53 are checked,
   * so every step JavaScript takes is exact; the result itself is not: the caller checks it where it must be exact.
   * A remainder by zero (NaN in JavaScript) bails out; so does a -0 where `noNegZero` asks for its absence (the
   * value then is a remainder or a product: exact-ints.ts negZeroDetectable).
   */
  private intExpr(e: Expr, noNegZero = false): ExpressionRef {
    const { m, b } = this;
    switch (e.kind) {
      case 'const':
        return m.i64.const(BigInt(e.value));
      case 'local':
        if (this.fast && this.narrowIndex[e.local] !== undefined) return m.i64.extend_s(m.local.get(this.narrowIndex[e.local]!, b.i32));
        return m.local.get(this.localIndex[e.local]!, b.i64);
      case 'unary':
        if (e.op === 'f64.from_i32') return m.i64.extend_s(this.expr(e.arg));
        if (e.op === 'f64.from_u32') return this.u32ToI64(this.expr(e.arg));
        return this.intDivide(e.arg, e.op === 'f64.floor');
      case 'binary': {
        if (e.op === 'js.mod_i32')
          return this.remainder(m.i64.extend_s(this.expr(e.left)), m.i64.extend_s(this.expr(e.right)), true, noNegZero ? true : undefined);
        const l = intShape(e.left, this.ints)!;
        const r = intShape(e.right, this.ints)!;
        const [ll, rl] = operandLimits(l, r);
        const lv = this.limited(this.intExpr(e.left), ll);
        const rv = this.limited(this.intExpr(e.right), rl);
        if (e.op === 'js.mod') return this.remainder(lv, rv, this.fitsInt32(e.left) && this.fitsInt32(e.right), noNegZero ? l.noNegZero : undefined);
        if (e.op === 'f64.mul' && noNegZero) {
          // 0 times a negative number is -0.
          const a = this.newVar(b.i64);
          const c = this.newVar(b.i64);
          const p = this.newVar(b.i64);
          const get = (x: number) => m.local.get(x, b.i64);
          const negZero = m.i32.and(m.i64.eqz(get(p)), m.i64.lt_s(m.i64.or(get(a), get(c)), m.i64.const(0n)));
          return m.block(
            null,
            [m.local.set(a, lv), m.local.set(c, rv), m.local.set(p, m.i64.mul(get(a), get(c))), m.if(negZero, m.unreachable()), get(p)],
            b.i64,
          );
        }
        return e.op === 'f64.add' ? m.i64.add(lv, rv) : e.op === 'f64.sub' ? m.i64.sub(lv, rv) : m.i64.mul(lv, rv);
      }
      case 'cond':
        return m.if(this.expr(e.cond), this.intExpr(e.then, noNegZero), this.intExpr(e.else, noNegZero));
      default:
        throw new Error(`not an integer expression: ${e.kind}`);
    }
  }

  /** `v`, checked against `limit` (bailing out beyond it) when there is one. */
  private limited(v: ExpressionRef, limit: number | undefined): ExpressionRef {
    return limit === undefined ? v : this.checked(v, limit);
  }

  /**
   * JavaScript's `%` of two exact integers as an i64: the truncated remainder, with the dividend's sign. A zero
   * divisor bails out (NaN). `int32`: both are int32 values. `dividendNoNegZero` given: bail out where JavaScript's
   * result is -0 (a zero remainder of a negative dividend; with `false`, of a dividend that may itself be -0, so of
   * any dividend <= 0).
   */
  private remainder(dividend: ExpressionRef, divisor: ExpressionRef, int32: boolean, dividendNoNegZero?: boolean): ExpressionRef {
    const { m, b } = this;
    const a = this.newVar(b.i64);
    const d = this.newVar(b.i64);
    const r = this.newVar(b.i64);
    const get = (x: number) => m.local.get(x, b.i64);
    const out: ExpressionRef[] = [
      m.local.set(a, dividend),
      m.local.set(d, divisor),
      m.if(m.i64.eqz(get(d)), m.unreachable()),
      m.local.set(r, this.rem(a, d, int32)),
    ];
    if (dividendNoNegZero !== undefined) {
      const negative = dividendNoNegZero ? m.i64.lt_s(get(a), m.i64.const(0n)) : m.i64.le_s(get(a), m.i64.const(0n));
      out.push(m.if(m.i32.and(m.i64.eqz(get(r)), negative), m.unreachable()));
    }
    out.push(get(r));
    return m.block(null, out, b.i64);
  }

  /**
   * The remainder of the i64 locals `a` and a nonzero `d` (never INT64_MIN % -1 here: operands stay within 2^53). Of
   * two int32 values it is a 32-bit division, markedly faster than a 64-bit one (a trial division loop ran 15-20%
   * faster on AMD Zen 3); wasm's i32.rem_s of INT32_MIN by -1 is 0, as the integer remainder is.
   */
  private rem(a: number, d: number, int32: boolean): ExpressionRef {
    const { m, b } = this;
    const get = (x: number) => m.local.get(x, b.i64);
    return int32 ? m.i64.extend_s(m.i32.rem_s(m.i32.wrap(get(a)), m.i32.wrap(get(d)))) : m.i64.rem_s(get(a), get(d));
  }

  /** Whether an integer expression is an int32 value (exact-ints.ts int32Valued; in the fast version, a narrowed local too). */
  private fitsInt32(e: Expr): boolean {
    return int32Valued(e, this.ints.int32 ?? new Set()) || (this.fast && e.kind === 'local' && this.narrowIndex[e.local] !== undefined);
  }

  /** `v`, or a bail-out when it is not an int32 value. */
  private checkedInt32(v: ExpressionRef): ExpressionRef {
    const { m, b } = this;
    const t = this.newVar(b.i64);
    const get = () => m.local.get(t, b.i64);
    return m.block(null, [m.local.set(t, v), m.if(m.i64.ne(m.i64.extend_s(m.i32.wrap(get())), get()), m.unreachable()), get()], b.i64);
  }

  /**
   * `Math.floor(x / c)` (`floor`) or `Math.trunc(x / c)` of an integer x and a positive integer constant c
   * (exact-ints.ts intDivision), as an i64: integer division rounding down, or toward zero.
   */
  private intDivide(div: Expr, floor: boolean): ExpressionRef {
    const { m, b } = this;
    const d = intDivision(div, this.ints)!;
    const x = this.limited(this.intExpr(d.x), dividendLimit(d.shape));
    const c = m.i64.const(BigInt(d.c));
    if (!floor) return m.i64.div_s(x, c);
    const shift = Math.log2(d.c);
    if (Number.isInteger(shift)) return m.i64.shr_s(x, m.i64.const(BigInt(shift)));
    const t = this.newVar(b.i64);
    const get = () => m.local.get(t, b.i64);
    // The truncated quotient, less one where the remainder is negative.
    return m.block(
      null,
      [m.local.set(t, x), m.i64.sub(m.i64.div_s(get(), c), m.i64.extend_u(m.i64.lt_s(m.i64.rem_s(get(), m.i64.const(BigInt(d.c))), m.i64.const(0n))))],
      b.i64,
    );
  }

  /** ToInt32 of an integer expression or an integer division (`(x / 2) | 0`): the low 32 bits of the exact value. */
  private intToInt32(e: Expr): ExpressionRef | undefined {
    const m = this.m;
    const s = intShape(e, this.ints);
    if (s) return m.i32.wrap(this.limited(this.intExpr(e), s.bound > EXACT ? CHECKED_LIMIT : undefined));
    if (intDivision(e, this.ints)) return m.i32.wrap(this.intDivide(e, false));
    return undefined;
  }

  /**
   * JavaScript's `%` of two integer expressions as a double, when its dividend is never -0: NaN for a zero divisor,
   * -0 for a zero remainder of a negative dividend.
   */
  private intRemainderF64(e: Extract<Expr, { kind: 'binary' }>): ExpressionRef | undefined {
    const { m, b } = this;
    const ops = remainderOperands(e, this.ints);
    if (!ops || e.op !== 'js.mod' || !ops[0].noNegZero) return undefined;
    const [ll, rl] = operandLimits(ops[0], ops[1]);
    const a = this.newVar(b.i64);
    const d = this.newVar(b.i64);
    const r = this.newVar(b.i64);
    const get = (x: number) => m.local.get(x, b.i64);
    return m.block(
      null,
      [
        m.local.set(a, this.limited(this.intExpr(e.left), ll)),
        m.local.set(d, this.limited(this.intExpr(e.right), rl)),
        m.if(
          m.i64.eqz(get(d)),
          m.f64.const(NaN),
          m.block(
            null,
            [
              m.local.set(r, this.rem(a, d, this.fitsInt32(e.left) && this.fitsInt32(e.right))),
              m.select(m.i32.and(m.i64.eqz(get(r)), m.i64.lt_s(get(a), m.i64.const(0n))), m.f64.const(-0), m.f64.convert_s.i64(get(r))),
            ],
            b.f64,
          ),
        ),
      ],
      b.f64,
    );
  }

  /**
   * A uint32 value as an i64. Not `i64.extend_i32_u`: binaryen 132's optimiser folds that into a following
   * `i32.load` as `i64.load32_s` (found by the differential fuzzer); a mask is folded correctly.
   */
  private u32ToI64(v: ExpressionRef): ExpressionRef {
    const m = this.m;
    return m.i64.and(m.i64.extend_s(v), m.i64.const(0xffffffffn));
  }

  /** `v`, or a bail-out when |v| > `max` (the original function then computes it in doubles). */
  private checked(v: ExpressionRef, max = CHECKED_LIMIT): ExpressionRef {
    const { m, b } = this;
    const tmp = this.newVar(b.i64);
    const limit = BigInt(max);
    return m.block(
      null,
      [
        m.local.set(tmp, v),
        m.if(m.i64.gt_u(m.i64.add(m.local.get(tmp, b.i64), m.i64.const(limit)), m.i64.const(2n * limit)), m.unreachable()),
        m.local.get(tmp, b.i64),
      ],
      b.i64,
    );
  }

  /**
   * A double comparison of two integer-shaped expressions, made exactly on i64 values; undefined otherwise. A side
   * that is a product of two factors that may leave the exact doubles (`d * d <= k`, exact-ints.ts squareFactors)
   * is compared on integers while its factors are within FACTOR_LIMIT, and on doubles, as written, beyond.
   */
  private intCompare(e: Extract<Expr, { kind: 'binary' }>): ExpressionRef | undefined {
    const { m } = this;
    type Cmp = (l: ExpressionRef, r: ExpressionRef) => ExpressionRef;
    const ops: Partial<Record<string, Cmp>> = {
      'f64.eq': (l, r) => m.i64.eq(l, r),
      'f64.ne': (l, r) => m.i64.ne(l, r),
      'f64.lt': (l, r) => m.i64.lt_s(l, r),
      'f64.le': (l, r) => m.i64.le_s(l, r),
      'f64.gt': (l, r) => m.i64.gt_s(l, r),
      'f64.ge': (l, r) => m.i64.ge_s(l, r),
    };
    const op = ops[e.op];
    if (!op) return undefined;
    const factors: Expr[] = [];
    const ls = intShape(e.left, this.ints);
    const rs = intShape(e.right, this.ints);
    // A side that might round (beyond 2^53) is checked (bails beyond 2^49), unless the other is exact and below 2^53
    // (exact-ints.ts exactCompare).
    const side = (x: Expr, s: IntShape | undefined, other: IntShape | undefined): ExpressionRef | undefined => {
      if (s && exactCompare(s, other)) return this.intExpr(x);
      const sq = squareFactors(x, this.ints);
      if (sq) {
        // (`d * d`: one factor to check.)
        factors.push(...(sameLocal(sq[0], sq[1]) ? [sq[0]] : sq));
        return m.i64.mul(this.intExpr(sq[0]), this.intExpr(sq[1]));
      }
      return s && this.checked(this.intExpr(x));
    };
    const l = side(e.left, ls, rs);
    const r = l && side(e.right, rs, ls);
    if (!l || !r) return undefined;
    if (factors.length === 0) return op(l, r);
    const small = factors
      .map((x) => m.i64.le_u(m.i64.add(this.intExpr(x), m.i64.const(BigInt(FACTOR_LIMIT))), m.i64.const(BigInt(2 * FACTOR_LIMIT))))
      .reduce((x, y) => m.i32.and(x, y));
    return m.if(small, op(l, r), this.binary(e.op, this.expr(e.left), this.expr(e.right)));
  }

  /** The index is a loop counter that the test of an enclosing loop keeps within this array (bounds.ts). */
  private provenInBounds(array: number, index: Expr): boolean {
    if (index.kind !== 'local' || (index.type !== 'i32' && !this.ints.has(index.local))) return false;
    return this.active.some((f) => f.counter === index.local && f.arrays.has(array));
  }

  /** A proven index as an i32 (an integer double's i64 local is below the length, so it wraps exactly). */
  private provenIndex(index: Expr): ExpressionRef {
    if (this.fast && index.kind === 'local' && this.narrowIndex[index.local] !== undefined) return this.i32Of(index);
    if (index.kind === 'local' && this.ints.has(index.local)) return this.m.i32.wrap(this.m.local.get(this.localIndex[index.local]!, this.b.i64));
    return this.expr(index);
  }

  private address(array: number, index: ExpressionRef, kind: ArrayKind): ExpressionRef {
    const m = this.m;
    const size = elementSize(kind);
    const scaled = size === 1 ? index : m.i32.shl(index, m.i32.const(Math.log2(size)));
    return m.i32.add(m.local.get(this.arrayPtr[array]!, this.b.i32), scaled);
  }

  private inRange(array: number, idx: number): ExpressionRef {
    const m = this.m;
    return m.i32.lt_u(m.local.get(idx, this.b.i32), m.local.get(this.arrayLen[array]!, this.b.i32));
  }

  /** The constant offset (elements) of a proven access in the fast version: its index less it is proven >= 0. */
  private offset(node: Expr | Stmt): number {
    return this.fast && this.ranges!.proven.has(node) ? (this.ranges!.offsets.get(node) ?? 0) : 0;
  }

  /** A proven index less its offset: binaryen folds the constants, so `a[i - 1]`, `a[i]`, `a[i + 1]` share one address. */
  private offsetIndex(index: Expr, d: number): ExpressionRef {
    const i = this.i32Of(index);
    return d ? this.m.i32.sub(i, this.m.i32.const(d)) : i;
  }

  private load(node: Expr, array: number, index: Expr): ExpressionRef {
    const { m, b } = this;
    const kind = this.f.arrays[array]!.kind;
    const t = this.newVar(b.i32);
    const addr = this.address(array, m.local.get(t, b.i32), kind);
    const d = this.offset(node);
    const off = d * elementSize(kind);
    let value: ExpressionRef;
    switch (kind) {
      case 'Float64Array':
      case 'Array':
        if (this.f.arrays[array]!.local === 'holey') {
          // A hole reads as undefined in JavaScript: bail out.
          const bits = this.newVar(b.i64);
          value = m.block(
            null,
            [
              m.local.set(bits, m.i64.load(off, 8, addr)),
              m.if(m.i64.eq(m.local.get(bits, b.i64), m.i64.const(HOLE)), m.unreachable()),
              m.f64.reinterpret(m.local.get(bits, b.i64)),
            ],
            b.f64,
          );
        } else value = m.f64.load(off, 8, addr);
        break;
      case 'Float32Array':
        value = m.f64.promote(m.f32.load(off, 4, addr));
        break;
      case 'Int32Array':
      case 'Uint32Array':
        value = m.i32.load(off, 4, addr);
        break;
      case 'Int16Array':
        value = m.i32.load16_s(off, 2, addr);
        break;
      case 'Uint16Array':
        value = m.i32.load16_u(off, 2, addr);
        break;
      case 'Int8Array':
        value = m.i32.load8_s(off, 1, addr);
        break;
      default:
        value = m.i32.load8_u(off, 1, addr);
    }
    const type = kind === 'Float64Array' || kind === 'Float32Array' || kind === 'Array' ? b.f64 : b.i32;
    if (this.fast && this.ranges!.proven.has(node)) return m.block(null, [m.local.set(t, this.offsetIndex(index, d)), value], type);
    if (this.provenInBounds(array, index)) return m.block(null, [m.local.set(t, this.provenIndex(index)), value], type);
    return m.block(null, [...this.checkedIndex(array, index, t, (ok) => [m.if(m.i32.eqz(ok), m.unreachable())]), value], type);
  }

  private store(node: Stmt, array: number, index: Expr, value: Expr): ExpressionRef {
    const { m, b } = this;
    const kind = this.f.arrays[array]!.kind;
    const t = this.newVar(b.i32);
    const floaty = kind === 'Float64Array' || kind === 'Float32Array' || kind === 'Array';
    const v = this.newVar(floaty ? b.f64 : b.i32);
    const addr = this.address(array, m.local.get(t, b.i32), kind);
    const d = this.offset(node);
    const off = d * elementSize(kind);
    const val = this.unholed(array, m.local.get(v, floaty ? b.f64 : b.i32));
    let write: ExpressionRef;
    switch (kind) {
      case 'Float64Array':
      case 'Array':
        write = m.f64.store(off, 8, addr, val);
        break;
      case 'Float32Array':
        write = m.f32.store(off, 4, addr, m.f32.demote(val));
        break;
      case 'Int32Array':
      case 'Uint32Array':
        write = m.i32.store(off, 4, addr, val);
        break;
      case 'Int16Array':
      case 'Uint16Array':
        write = m.i32.store16(off, 2, addr, val);
        break;
      default:
        write = m.i32.store8(off, 1, addr, val);
    }
    // JavaScript evaluates the index, then the value, then writes; a typed array ignores writes out of range.
    if (this.fast && this.ranges!.proven.has(node))
      return m.block(null, [m.local.set(t, this.offsetIndex(index, d)), m.local.set(v, this.expr(value)), write], b.none);
    if (this.provenInBounds(array, index)) return m.block(null, [m.local.set(t, this.provenIndex(index)), m.local.set(v, this.expr(value)), write], b.none);
    if (kind === 'Array' && this.f.arrays[array]!.local) {
      // A plain array the function made grows by a write at its length; past it (holes) or off an index, bail out.
      // (`index` gives 0xFFFFFFFF for what is not an index, never a length: lengths stay below LOCAL_ARRAY_LIMIT.)
      const len = m.local.get(this.arrayLen[array]!, b.i32);
      const append = m.if(m.i32.eq(m.local.get(t, b.i32), len), this.append(array, m.local.get(v, b.f64)), m.unreachable());
      return m.block(null, [m.local.set(t, this.index(index)), m.local.set(v, this.expr(value)), m.if(this.inRange(array, t), write, append)], b.none);
    }
    let ok: ExpressionRef = 0;
    const setIndex = this.checkedIndex(array, index, t, (test) => {
      ok = test;
      return [];
    });
    const guarded = kind === 'Array' ? m.block(null, [m.if(m.i32.eqz(ok), m.unreachable()), write], b.none) : m.if(ok, write);
    return m.block(null, [...setIndex, m.local.set(v, this.expr(value)), guarded], b.none);
  }

  private expr(e: Expr): ExpressionRef {
    const { m, b } = this;
    const known = this.known.get(e);
    if (known !== undefined) return m.i32.const(known ? 1 : 0);
    switch (e.kind) {
      case 'const':
        return e.type === 'f64' ? m.f64.const(e.value) : m.i32.const(e.value | 0);
      case 'local':
        if (this.fast && this.narrowIndex[e.local] !== undefined) return m.f64.convert_s.i32(m.local.get(this.narrowIndex[e.local]!, b.i32));
        if (this.ints.has(e.local)) return m.f64.convert_s.i64(m.local.get(this.localIndex[e.local]!, b.i64));
        return m.local.get(this.localIndex[e.local]!, this.gen.wasmType(e.type));
      case 'unary': {
        const rd = this.fast ? this.ranges!.roundDivs.get(e.op === 'i32.from_f64' ? e.arg : e) : undefined;
        if (rd) return e.op === 'i32.from_f64' ? this.roundDiv(rd) : m.f64.convert_u.i32(this.roundDiv(rd));
        if (this.fast && this.ranges!.toInt32s.has(e)) return this.i32Of(e.arg);
        if (e.op === 'i32.from_f64') {
          const wrapped = this.intToInt32(e.arg);
          if (wrapped) return wrapped;
        }
        return this.unary(e.op, this.expr(e.arg));
      }
      case 'binary': {
        if (this.fast && this.ranges!.i32Compares.has(e)) return this.binary(I32_COMPARE[e.op]!, this.i32Of(e.left), this.i32Of(e.right));
        if (!this.plainDoubles && e.op === 'f64.div' && e.left.kind === 'const') {
          const plan = dyadicPlan(e.right);
          const scale = plan && dyadicScale(e.right);
          const c = e.left.value;
          if (plan && Number.isFinite(c * 2 ** scale!) && (c * 2 ** scale!) / 2 ** scale! === c) return this.dyadic(e, plan, c);
        }
        const plan = this.plainDoubles ? undefined : dyadicPlan(e);
        if (plan) return this.dyadic(e, plan);
        const scaled = shiftAddFactor(e);
        if (scaled) return m.i32.mul(this.expr(scaled.x), m.i32.const(scaled.factor));
        return this.intCompare(e) ?? this.intRemainderF64(e) ?? this.binary(e.op, this.expr(e.left), this.expr(e.right));
      }
      case 'math':
        return m.call(
          this.gen.importFn('Math', e.fn, e.args.length),
          e.args.map((a) => this.expr(a)),
          b.f64,
        );
      case 'cond':
        return m.if(this.expr(e.cond), this.expr(e.then), this.expr(e.else));
      case 'load':
        return this.load(e, e.array, e.index);
      case 'length':
        return m.local.get(this.arrayLen[e.array]!, b.i32);
      case 'call': {
        const args: ExpressionRef[] = [];
        for (const a of e.args) {
          if (a.kind === 'array') args.push(m.local.get(this.arrayPtr[a.array]!, b.i32), m.local.get(this.arrayLen[a.array]!, b.i32));
          else args.push(this.expr(a));
        }
        return m.call(e.fn, args, this.gen.resultOf(e.fn));
      }
      default: {
        const never: never = e;
        throw new Error(`unknown expression ${JSON.stringify(never)}`);
      }
    }
  }

  /**
   * A planned expression (dyadic.ts) in 64-bit integers when its int32 leaves are in [0, limit), else in doubles
   * as written. `c / planned` (a constant c) is `(c * 2^scale) / numerator`: the same single rounding of the
   * same quotient, without scaling the numerator down first.
   */
  private dyadic(e: Expr, plan: DyadicPlan, dividend?: number): ExpressionRef {
    const { m, b } = this;
    let leaves: ExpressionRef | undefined;
    for (const l of plan.locals)
      leaves = leaves === undefined ? m.local.get(this.localIndex[l]!, b.i32) : m.i32.or(leaves, m.local.get(this.localIndex[l]!, b.i32));
    const ok = m.i32.lt_u(leaves!, m.i32.const(plan.limit));
    const planned = dividend === undefined ? e : (e as Extract<Expr, { kind: 'binary' }>).right;
    const scale = dyadicScale(planned);
    const whole = m.f64.convert_s.i64(this.dyadicInt(planned, scale));
    this.plainDoubles = true;
    const doubles = this.expr(e);
    this.plainDoubles = false;
    const fast =
      dividend !== undefined ? m.f64.div(m.f64.const(dividend * 2 ** scale), whole) : scale === 0 ? whole : m.f64.mul(whole, m.f64.const(2 ** -scale));
    return m.if(ok, fast, doubles);
  }

  /** The numerator of a planned expression's value at `scale` (value × 2^scale), an exact i64. */
  private dyadicInt(e: Expr, scale: number): ExpressionRef {
    const m = this.m;
    const own = dyadicScale(e);
    let v: ExpressionRef;
    if (e.kind === 'const') v = m.i64.const(BigInt(e.value));
    else if (e.kind === 'unary') v = m.i64.extend_s(this.expr(e.arg));
    else if (e.kind !== 'binary') throw new Error('dyadic: not a planned expression');
    else if (e.op === 'f64.div') v = this.dyadicInt(e.left, dyadicScale(e.left));
    else if (e.op === 'f64.mul') v = m.i64.mul(this.dyadicInt(e.left, dyadicScale(e.left)), this.dyadicInt(e.right, dyadicScale(e.right)));
    else if (e.op === 'f64.add') v = m.i64.add(this.dyadicInt(e.left, own), this.dyadicInt(e.right, own));
    else v = m.i64.sub(this.dyadicInt(e.left, own), this.dyadicInt(e.right, own));
    return scale === own ? v : m.i64.shl(v, m.i64.const(BigInt(scale - own)));
  }

  private unary(op: Extract<Expr, { kind: 'unary' }>['op'], x: ExpressionRef): ExpressionRef {
    const { m, b } = this;
    const call = (h: Helper, t: BinaryenType) => m.call(this.gen.helper(h), [x], t);
    switch (op) {
      case 'f64.neg':
        return m.f64.neg(x);
      case 'f64.abs':
        return m.f64.abs(x);
      case 'f64.sqrt':
        return m.f64.sqrt(x);
      case 'f64.floor':
        return m.f64.floor(x);
      case 'f64.ceil':
        return m.f64.ceil(x);
      case 'f64.trunc':
        return m.f64.trunc(x);
      case 'js.round':
        return call('round', b.f64);
      case 'js.sign':
        return call('sign', b.f64);
      case 'js.fround':
        return m.f64.promote(m.f32.demote(x));
      case 'f64.from_i32':
        return m.f64.convert_s.i32(x);
      case 'f64.from_u32':
        return m.f64.convert_u.i32(x);
      case 'i32.from_f64':
        return call('toInt32', b.i32);
      case 'i32.from_u32':
      case 'u32.from_i32':
        return x;
      case 'u8clamp.from_f64':
        return call('u8clamp', b.i32);
      case 'u8clamp.from_i32': {
        const t = this.newVar(b.i32);
        const g = () => m.local.get(t, b.i32);
        return m.block(
          null,
          [m.local.set(t, x), m.select(m.i32.lt_s(g(), m.i32.const(0)), m.i32.const(0), m.select(m.i32.gt_s(g(), m.i32.const(255)), m.i32.const(255), g()))],
          b.i32,
        );
      }
      case 'i32.not':
        return m.i32.xor(x, m.i32.const(-1));
      case 'i32.clz':
        return m.i32.clz(x);
      case 'f64.truthy':
        return m.f64.gt(m.f64.abs(x), m.f64.const(0));
      case 'i32.truthy':
        return m.i32.ne(x, m.i32.const(0));
      case 'bool.not':
        return m.i32.eqz(x);
      default: {
        const never: never = op;
        throw new Error(`unknown unary ${String(never)}`);
      }
    }
  }

  private binary(op: Extract<Expr, { kind: 'binary' }>['op'], l: ExpressionRef, r: ExpressionRef): ExpressionRef {
    const { m, b } = this;
    switch (op) {
      case 'f64.add':
        return m.f64.add(l, r);
      case 'f64.sub':
        return m.f64.sub(l, r);
      case 'f64.mul':
        return m.f64.mul(l, r);
      case 'f64.div':
        return m.f64.div(l, r);
      case 'f64.min':
        return m.f64.min(l, r);
      case 'f64.max':
        return m.f64.max(l, r);
      case 'js.mod':
        return m.call(this.gen.helper('jsMod'), [l, r], b.f64);
      case 'js.mod_i32':
        return m.call(this.gen.helper('modI32'), [l, r], b.f64);
      case 'i32.add':
        return m.i32.add(l, r);
      case 'i32.sub':
        return m.i32.sub(l, r);
      case 'i32.mul':
        return m.i32.mul(l, r);
      case 'i32.and':
        return m.i32.and(l, r);
      case 'i32.or':
        return m.i32.or(l, r);
      case 'i32.xor':
        return m.i32.xor(l, r);
      case 'i32.shl':
        return m.i32.shl(l, r);
      case 'i32.shr_s':
        return m.i32.shr_s(l, r);
      case 'i32.shr_u':
        return m.i32.shr_u(l, r);
      case 'f64.eq':
        return m.f64.eq(l, r);
      case 'f64.ne':
        return m.f64.ne(l, r);
      case 'f64.lt':
        return m.f64.lt(l, r);
      case 'f64.le':
        return m.f64.le(l, r);
      case 'f64.gt':
        return m.f64.gt(l, r);
      case 'f64.ge':
        return m.f64.ge(l, r);
      case 'i32.eq':
        return m.i32.eq(l, r);
      case 'i32.ne':
        return m.i32.ne(l, r);
      case 'i32.lt_s':
        return m.i32.lt_s(l, r);
      case 'i32.le_s':
        return m.i32.le_s(l, r);
      case 'i32.gt_s':
        return m.i32.gt_s(l, r);
      case 'i32.ge_s':
        return m.i32.ge_s(l, r);
      case 'i32.lt_u':
        return m.i32.lt_u(l, r);
      case 'i32.le_u':
        return m.i32.le_u(l, r);
      case 'i32.gt_u':
        return m.i32.gt_u(l, r);
      case 'i32.ge_u':
        return m.i32.ge_u(l, r);
      default: {
        const never: never = op;
        throw new Error(`unknown binary ${String(never)}`);
      }
    }
  }
}

/** The int32 comparison a double comparison of two int32 values becomes. */
const I32_COMPARE: Partial<Record<string, Extract<Expr, { kind: 'binary' }>['op']>> = {
  'f64.eq': 'i32.eq',
  'f64.ne': 'i32.ne',
  'f64.lt': 'i32.lt_s',
  'f64.le': 'i32.le_s',
  'f64.gt': 'i32.gt_s',
  'f64.ge': 'i32.ge_s',
};

/**
 * `x + (x << c)` (and `(x << c) + x`) on a local: `x * (1 + 2^c)` in wrapping int32 arithmetic, so that the
 * optimiser can merge it with a neighbouring multiplication (hashes write their multipliers this way).
 */
function shiftAddFactor(e: Extract<Expr, { kind: 'binary' }>): { x: Expr; factor: number } | undefined {
  if (e.op !== 'i32.add') return undefined;
  for (const [x, sh] of [
    [e.left, e.right],
    [e.right, e.left],
  ] as const) {
    if (x.kind !== 'local' || sh.kind !== 'binary' || sh.op !== 'i32.shl' || sh.left.kind !== 'local' || sh.left.local !== x.local || sh.right.kind !== 'const')
      continue;
    return { x, factor: (1 + 2 ** (sh.right.value & 31)) | 0 };
  }
  return undefined;
}

/** The arrays of `f` whose elements it may read (an array passed on to another function counts as read). */
function arraysRead(f: IrFunction): Set<number> {
  const out = new Set<number>();
  walkIr(
    f.body,
    () => {},
    (e) => {
      if (e.kind === 'load') out.add(e.array);
      if (e.kind === 'call') for (const a of e.args) if (a.kind === 'array') out.add(a.array);
    },
  );
  return out;
}

/** An `if` of a loop body whose condition ORs tests that do not change in the loop with tests that do. */
interface Unswitch {
  cond: Expr;
  invariant: Expr[];
}

/** Most expression nodes in a loop that unswitching copies. */
const MAX_UNSWITCH = 400;

/** The first `if` at the top of an innermost loop's body that unswitching splits, if any. */
function unswitchable(s: Extract<Stmt, { kind: 'loop' }>, f: IrFunction): Unswitch | undefined {
  let size = 0;
  let inner = false;
  walkIr(
    s.body,
    (x) => (inner ||= x.kind === 'loop'),
    () => size++,
  );
  if (inner || size > MAX_UNSWITCH) return undefined;
  const assigned = new Set<number>();
  forEachSet(s.body, (l) => assigned.add(l));
  forEachSet(s.update, (l) => assigned.add(l));
  const invariant = (e: Expr): boolean => {
    let ok = true;
    walkExpr(e, (x) => {
      if (x.kind === 'load' || x.kind === 'call' || x.kind === 'math' || (x.kind === 'local' && assigned.has(x.local))) ok = false;
      // (The length of an array the function makes changes as it grows or is made again.)
      if (x.kind === 'length' && f.arrays[x.array]!.local) ok = false;
    });
    return ok;
  };
  for (const st of s.body) {
    if (st.kind !== 'if') continue;
    const terms = disjuncts(st.cond);
    const inv = terms.filter(invariant);
    if (inv.length > 0 && inv.length < terms.length) return { cond: st.cond, invariant: inv };
  }
  return undefined;
}

// Native backend: IR → C++ for a Node-API addon (node-addon-api 8), keeping JavaScript's results bit for bit.
//
// Exactness: doubles stay `double` and are built with `-O3 -ffp-contract=off` and no fast-math, so every
// + - * / and sqrt rounds once, as in JavaScript. Integer operations wrap through uint32_t (no signed-overflow
// undefined behaviour); ToInt32, Math.round, min/max (NaN, -0), sign, fround, `%` (fmod, the dividend's sign)
// and ToUint8Clamp are written out as the wasm backend does. The Math functions V8 computes with its own
// ieee754 library (sin, exp, pow, … — HOST_MATH in ir.ts) are called back in the host's Math object: exact by
// construction, but each costs a Node-API round trip (≈ 0.2 µs), which the candidate reports.
//
// Bail-out: a read outside an array, a non-integer index or a write past a plain array's end throws `Bail`;
// the glue catches it and returns `undefined`, and the loader runs the original function. Typed arrays are
// used in place (no copy), so a kernel that may bail first snapshots the arrays it writes and restores them
// on a bail-out: the original then starts from the arguments exactly as the caller passed them.
import type { ArrayKind, NativeAbi } from '../abi';
import { asset } from '../assets';
import { emitParallelLoop } from './parallel';
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
import { forEachSet, walkIr } from './ir-walk';
import { hoistRows } from './row-hoist';
import { unrollLoops } from './unroll';
import { rangeFacts, type GuardTerm, type RangeFacts } from './ranges';
import {
  HOST_MATH,
  LOCAL_ARRAY_LIMIT,
  RECURSION_LIMIT,
  abiParams,
  isArrayType,
  type CallArg,
  type Expr,
  type IrFunction,
  type IrModule,
  type ResultType,
  type ScalarType,
  type Stmt,
} from './ir';

/** One kernel's C++: a namespace with its functions and the Node-API entry point. */
export interface CppKernel {
  abi: NativeAbi;
  /** The kernel's code (without the shared prelude and module registration). */
  code: string;
}

/** Generates the C++ of one kernel; `id` keeps names apart when many kernels share an addon. */
export function emitCppKernel(source: IrModule, id: string, opts: { threads?: boolean } = {}): CppKernel {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(id)) throw new Error(`kernel id '${id}' is not a C++ identifier`);
  // Short counted loops unrolled, as for WebAssembly: a sum over a 3×3 window becomes straight-line code whose
  // range the analysis can bound (ranges.ts); rows of arrays of arrays read once per loop (row-hoist.ts).
  const ir = hoistRows(unrollLoops(source));
  const entry = ir.functions.find((f) => f.name === ir.entry);
  if (!entry) throw new Error(`the IR has no entry function ${ir.entry}`);
  const host = new Set<string>();
  const gen = new CppGen(ir, host, opts.threads === true);
  const lines: string[] = [`namespace ${id} {`];
  for (const f of ir.functions) lines.push(gen.prototype(f) + ';');
  for (const f of ir.functions) lines.push(gen.function(f));
  // (Integer arithmetic in doubles bails out where JavaScript's value is not the integer: known once emitted.)
  const mayBail = gen.intBails || ir.functions.some((f) => functionMayBail(f));
  const safeWhen = gen.safeWhen;
  const abi: NativeAbi = {
    export: id,
    params: abiParams(entry),
    result: entry.returns ? 'array' : entry.result,
    ...(entry.returns ? { resultArray: entry.returns } : {}),
    ...(entry.returnsRows ? { resultRows: true as const } : {}),
    hostMath: [...host].sort(),
    mayBail,
    globals: ir.globals ?? [],
    ...(ir.constants?.length ? { constants: ir.constants } : {}),
  };
  lines.push(glue(entry, abi, safeWhen));
  lines.push(`}  // namespace ${id}`);
  return { abi, code: lines.join('\n') + '\n' };
}

/** A whole addon source: the prelude, the kernels, and a module initialiser exporting each under its id. */
export function emitAddonSource(kernels: CppKernel[]): string {
  const regs = kernels.map((k) => `  plab::export_function(env, exports, "${k.abi.export}", ${k.abi.export}::entry);`);
  return [
    cppPrelude(),
    ...kernels.map((k) => k.code),
    'static Napi::Object Init(Napi::Env env, Napi::Object exports) {',
    '  plab::init_host_math(env);',
    ...regs,
    '  return exports;',
    '}',
    'NODE_API_MODULE(NODE_GYP_MODULE_NAME, Init)',
    '',
  ].join('\n');
}

/** True when some operation of `f` can bail out (any element read, a plain-array write, a recursive call too deep). */
function functionMayBail(f: IrFunction): boolean {
  // (An array it makes may be too long, or hold a hole where it is read.)
  let found = f.recursive === true || f.arrays.some((a) => a.local);
  const visitExpr = (e: Expr): void => {
    if (found) return;
    switch (e.kind) {
      case 'load':
        found = true;
        return;
      case 'unary':
        return visitExpr(e.arg);
      case 'binary':
        visitExpr(e.left);
        return visitExpr(e.right);
      case 'math':
        return e.args.forEach(visitExpr);
      case 'cond':
        visitExpr(e.cond);
        visitExpr(e.then);
        return visitExpr(e.else);
      case 'call':
        // A callee that may bail is found when it is visited itself (every module function is checked).
        return e.args.forEach((a) => a.kind !== 'array' && visitExpr(a));
      default:
        return;
    }
  };
  const visit = (list: Stmt[]): void => {
    for (const s of list) {
      if (found) return;
      switch (s.kind) {
        case 'set':
        case 'expr':
          visitExpr(s.value);
          break;
        case 'store':
          if (f.arrays[s.array]!.kind === 'Array') found = true;
          visitExpr(s.index);
          visitExpr(s.value);
          break;
        case 'if':
          visitExpr(s.cond);
          visit(s.then);
          visit(s.else);
          break;
        case 'loop':
          if (s.test) visitExpr(s.test);
          visit(s.body);
          visit(s.update);
          if (s.postTest) visitExpr(s.postTest);
          break;
        case 'return':
          if (s.value) visitExpr(s.value);
          break;
        default:
          break;
      }
    }
  };
  visit(f.body);
  // A function with a result that could fall off its end bails there (JavaScript would return undefined).
  return found || (f.result !== 'void' && !alwaysReturns(f.body));
}

/** Whether the guarded version of `f` can bail out: an access left checked, a host Math call, a call, a missing return. */
function fastMayBail(f: IrFunction, r: RangeFacts): boolean {
  // (An array it makes may be too long, or hold a hole where it is read.)
  let bail = ((f.result !== 'void' || f.returns !== undefined) && !alwaysReturns(f.body)) || f.arrays.some((a) => a.local);
  walkIr(
    f.body,
    (s) => {
      if (s.kind === 'store' && f.arrays[s.array]!.kind === 'Array' && !r.proven.has(s)) bail = true;
    },
    (e) => {
      if ((e.kind === 'load' && !r.proven.has(e)) || e.kind === 'math' || e.kind === 'call') bail = true;
    },
  );
  return bail;
}

/**
 * The int32 counter `c` of a loop `while (c < e) … next c = c + 1` whose test compares two int32 values
 * (ranges.ts's i32Compares) and whose body never assigns c: at the update c < e <= 2^31 - 1, so `c + 1` in signed
 * int32 cannot overflow and equals the wrapping sum. Signed, it is an induction variable the compiler can vectorise on.
 */
function signedStepCounter(s: Extract<Stmt, { kind: 'loop' }>, r: RangeFacts): number | undefined {
  const t = s.test;
  if (!t || s.postTest || t.kind !== 'binary' || !r.i32Compares.has(t) || (t.op !== 'f64.lt' && t.op !== 'f64.gt')) return undefined;
  const side = t.op === 'f64.lt' ? t.left : t.right;
  const c = side.kind === 'unary' && side.op === 'f64.from_i32' ? side.arg : side;
  if (c.kind !== 'local' || c.type !== 'i32' || s.update.length !== 1) return undefined;
  const u = s.update[0]!;
  const v = u.kind === 'set' && u.local === c.local ? u.value : undefined;
  if (!v || v.kind !== 'binary' || v.op !== 'i32.add' || v.type !== 'i32' || v.left.kind !== 'local' || v.left.local !== c.local) return undefined;
  if (v.right.kind !== 'const' || v.right.value !== 1) return undefined;
  let assigned = false;
  forEachSet(s.body, (l) => (assigned ||= l === c.local));
  return assigned ? undefined : c.local;
}

/** A double parameter of the entry that the loader checks as an int32: it arrives as an int32_t (`l<slot>_in`). */
function entryInt(p: IrFunction['params'][number], f: IrFunction): boolean {
  return p.guard === 'int32' && f.locals[p.slot]!.type === 'f64';
}

function alwaysReturns(list: Stmt[]): boolean {
  const last = list[list.length - 1];
  if (!last) return false;
  if (last.kind === 'return') return true;
  return last.kind === 'if' && alwaysReturns(last.then) && alwaysReturns(last.else);
}

function collectJumps(list: Stmt[], into: Set<string>): void {
  for (const s of list) {
    if (s.kind === 'break') into.add(`brk${s.label}`);
    else if (s.kind === 'continue') into.add(`cont${s.label}`);
    else if (s.kind === 'if') {
      collectJumps(s.then, into);
      collectJumps(s.else, into);
    } else if (s.kind === 'loop') {
      collectJumps(s.body, into);
      collectJumps(s.update, into);
    }
  }
}

/** C operators of the double comparisons made on int32 values (ranges.ts). */
const CPP_COMPARE: Partial<Record<string, string>> = { 'f64.eq': '==', 'f64.ne': '!=', 'f64.lt': '<', 'f64.le': '<=', 'f64.gt': '>', 'f64.ge': '>=' };

const C_TYPE: Record<ScalarType, string> = { f64: 'double', i32: 'int32_t', u32: 'uint32_t', bool: 'bool' };

function resultCType(t: ResultType): string {
  return t === 'void' ? 'void' : C_TYPE[t];
}

/** The C element type of an array kind as the kernel sees its storage (plain arrays arrive as doubles). */
export function elementCType(kind: ArrayKind): string {
  switch (kind) {
    case 'Float64Array':
    case 'Array':
      return 'double';
    case 'Float32Array':
      return 'float';
    case 'Int32Array':
      return 'int32_t';
    case 'Uint32Array':
      return 'uint32_t';
    case 'Int16Array':
      return 'int16_t';
    case 'Uint16Array':
      return 'uint16_t';
    case 'Int8Array':
      return 'int8_t';
    default:
      return 'uint8_t';
  }
}

/** napi_typedarray_type of each kind (plain arrays are handed over as a Float64Array). */
const NAPI_TYPE: Record<ArrayKind, string> = {
  Float64Array: 'napi_float64_array',
  Float32Array: 'napi_float32_array',
  Int32Array: 'napi_int32_array',
  Uint32Array: 'napi_uint32_array',
  Int16Array: 'napi_int16_array',
  Uint16Array: 'napi_uint16_array',
  Int8Array: 'napi_int8_array',
  Uint8Array: 'napi_uint8_array',
  Uint8ClampedArray: 'napi_uint8_clamped_array',
  Array: 'napi_float64_array',
};

function mangle(name: string): string {
  return 'fn_' + name.replace(/[^A-Za-z0-9_]/g, (c) => `_${c.charCodeAt(0).toString(16)}_`);
}

/** A double constant as C++ source that parses back to the same bits. */
export function doubleLiteral(v: number): string {
  if (Number.isNaN(v)) return 'plab::NaN';
  if (v === Infinity) return 'plab::Inf';
  if (v === -Infinity) return '(-plab::Inf)';
  if (Object.is(v, -0)) return '(-0.0)';
  const s = String(v);
  const text = /[.eE]/.test(s) ? s : `${s}.0`;
  return v < 0 ? `(${text})` : text;
}

function intLiteral(type: ScalarType, v: number): string {
  if (type === 'bool') return v ? 'true' : 'false';
  if (type === 'u32') return `${v >>> 0}u`;
  return `int32_t(${v >>> 0}u)`;
}

class CppGen {
  private f!: IrFunction;
  private tmp = 0;
  /** `brk<label>` / `cont<label>` targets some jump uses (unused labels would only draw warnings). */
  private jumps = new Set<string>();

  constructor(
    private ir: IrModule,
    private host: Set<string>,
    /** Independent outer loops run on threads (OpenMP; see parallel.ts). */
    private threads = false,
  ) {}

  /** Index ranges proven by the entry guard, for the function being emitted. */
  private ranges!: RangeFacts;
  /** Double locals that hold exact integers, kept in int64_t (exact-ints.ts), for the function being emitted. */
  private ints: IntLocals = new Set<number>();
  /** Some integer arithmetic emitted can bail out (a check, a remainder): the kernel may bail. */
  intBails = false;
  /** Emitting the version that runs when the entry guard holds. */
  private fast = false;
  /** The entry function's guard when its guarded version cannot bail out: no snapshot is needed then. */
  safeWhen: string | undefined;

  prototype(f: IrFunction, suffix = ''): string {
    const params: string[] = [];
    for (const p of f.params) {
      if (isArrayType(p.type)) params.push(`${elementCType(p.type.array)}* a${p.slot}, uint32_t n${p.slot}`);
      else if (entryInt(p, f)) params.push(`int32_t l${p.slot}_in`);
      else params.push(`${C_TYPE[f.locals[p.slot]!.type]} l${p.slot}`);
    }
    const result = f.returns ? `std::vector<${elementCType(f.returns)}>` : resultCType(f.result);
    return `static inline ${result} ${mangle(f.name)}${suffix}(${params.join(', ')})`;
  }

  /**
   * The function; when the range analysis (ranges.ts) proves accesses in range under an entry guard, a
   * version without their checks comes first (`<name>_fast`), and the function calls it when the guard holds.
   */
  function(f: IrFunction): string {
    this.f = f;
    this.jumps = new Set();
    collectJumps(f.body, this.jumps);
    this.ints = intLocals(f);
    this.ranges = rangeFacts(f, this.ints, 0x7fffffff);
    const r = this.ranges;
    const out: string[] = [];
    const args = f.params.map((p) => (isArrayType(p.type) ? `a${p.slot}, n${p.slot}` : entryInt(p, f) ? `l${p.slot}_in` : `l${p.slot}`)).join(', ');
    let enter: string | undefined;
    if (r.proven.size + r.narrow.size + r.roundDivs.size + r.i32Compares.size + r.toInt32s.size > 0) {
      this.fast = true;
      const before = this.intBails;
      this.intBails = false;
      out.push(...this.body(f, '_fast'));
      const fastIntBails = this.intBails;
      this.intBails ||= before;
      this.fast = false;
      const call = `${mangle(f.name)}_fast(${args})`;
      const guard = r.guard.length ? r.guard.map((t) => this.guardTerm(t)).join(' && ') : 'true';
      // Expected true: without the hint the compiler rates a conjunction of many tests unlikely, takes the
      // guarded version for cold code and optimises it for size (no vectorising).
      enter = `  if (__builtin_expect(bool(${guard}), 1)) ${f.result === 'void' && !f.returns ? `{ ${call}; return; }` : `return ${call};`}`;
      if (f.name === this.ir.entry && !fastMayBail(f, r) && !fastIntBails) this.safeWhen = guard;
    }
    out.push(...this.body(f, '', enter));
    return out.join('\n');
  }

  private body(f: IrFunction, suffix: string, enter?: string): string[] {
    this.tmp = 0;
    const out: string[] = [this.prototype(f, suffix) + ' {'];
    // Every call of a recursive function goes through its checked version, which counts the depth.
    if (f.recursive && suffix === '') out.push('  plab::Depth depth_;');
    if (enter) out.push(enter);
    const params = new Set(f.params.filter((p) => !isArrayType(p.type) && !entryInt(p, f)).map((p) => p.slot));
    f.locals.forEach((l, i) => {
      // An integer local (exact-ints.ts; a narrowed one included) is held in int64_t: the same value, and an index
      // built from it stays an affine function of the loop counters for the compiler (a truncation to int32_t would
      // hide that: no vectorising). A double parameter the loader checks as an int32 starts from it.
      const type = this.ints.has(i) ? 'int64_t' : C_TYPE[l.type];
      const init = f.params.some((p) => p.slot === i && entryInt(p, f)) ? `l${i}_in` : l.type === 'bool' ? 'false' : '0';
      if (!params.has(i)) out.push(`  ${type} l${i} = ${init};  // ${l.name.replace(/[^\w$]/g, '')}`);
    });
    f.arrays.forEach((a, i) => {
      // An array it makes: its storage, and the pointer and length every access reads (as a parameter's).
      if (!a.local) return;
      const t = elementCType(a.kind);
      out.push(`  std::vector<${t}> v${i}; ${t}* a${i} = nullptr; uint32_t n${i} = 0;  // ${a.name.replace(/[^\w$]/g, '')}`);
    });
    this.block(f.body, 1, out);
    if (f.result !== 'void' || f.returns) out.push('  plab::bail();');
    out.push('}');
    return out;
  }

  /** One term of the entry guard: a polynomial over int32 parameters and lengths, `<= 0` in int64 (no overflow: ranges.ts). */
  private guardTerm(t: GuardTerm): string {
    const monos = [...t.poly].map(([mono, c]) =>
      [`int64_t(${c})`, ...(mono ? mono.split('*') : []).map((v) => `int64_t(${v[0] === 'n' ? 'n' : 'l'}${v.slice(1)})`)].join(' * '),
    );
    return `(${monos.join(' + ') || '0'}) <= 0`;
  }

  /**
   * An integer expression the range analysis proved exact, in int64_t: every step of it stays within ±2^52
   * (ranges.ts), so nothing overflows, and the compiler may treat an index as it would a C programmer's.
   */
  private intOf(e: Expr): string {
    switch (e.kind) {
      case 'const':
        return `int64_t(${e.value})`;
      case 'local':
        return `int64_t(l${e.local})`;
      case 'unary':
        if (e.op === 'f64.from_i32') return `int64_t(${this.expr(e.arg)})`;
        if (e.op === 'i32.from_f64') return this.intOf(e.arg);
        break;
      case 'binary': {
        const l = this.intOf(e.left);
        if (e.op === 'i32.shl') return `(${l} * int64_t(${2 ** (e.right as { value: number }).value}))`;
        const r = this.intOf(e.right);
        if (e.op === 'f64.add' || e.op === 'i32.add') return `(${l} + ${r})`;
        if (e.op === 'f64.sub' || e.op === 'i32.sub') return `(${l} - ${r})`;
        if (e.op === 'f64.mul' || e.op === 'i32.mul') return `(${l} * ${r})`;
        break;
      }
      case 'length':
      case 'load':
        return `int64_t(${this.expr(e)})`;
      default:
        break;
    }
    throw new Error(`not a proven integer expression: ${e.kind}`);
  }

  /**
   * An integer-shaped double expression (exact-ints.ts) as an int64_t, with the checks of the WebAssembly
   * backend's (backend-wasm.ts intExpr): operands that might leave ±2^53 are checked (the result itself is not: the
   * caller checks it where it must be exact), a remainder by zero bails out, and so does a -0 where `noNegZero`
   * asks for its absence. Operands are evaluated in JavaScript's order where one of them calls a function.
   */
  private intExpr(e: Expr, noNegZero = false): string {
    switch (e.kind) {
      case 'const':
        return `int64_t(${e.value})`;
      case 'local':
        return `l${e.local}`;
      case 'unary':
        if (e.op === 'f64.from_i32') return `int64_t(int32_t(${this.expr(e.arg)}))`;
        if (e.op === 'f64.from_u32') return `int64_t(uint32_t(${this.expr(e.arg)}))`;
        return this.intDivide(e.arg, e.op === 'f64.floor');
      case 'binary': {
        this.intBails ||= e.op === 'js.mod' || e.op === 'js.mod_i32' || (e.op === 'f64.mul' && noNegZero);
        if (e.op === 'js.mod_i32') {
          return this.intOperands([`int64_t(int32_t(${this.expr(e.left)}))`, `int64_t(int32_t(${this.expr(e.right)}))`], [e.left, e.right], ([a, d]) =>
            noNegZero ? `plab::rem_nz<true>(${a}, ${d}, true)` : `plab::rem<true>(${a}, ${d})`,
          );
        }
        const l = intShape(e.left, this.ints)!;
        const r = intShape(e.right, this.ints)!;
        const [ll, rl] = operandLimits(l, r);
        const xs = [this.limited(this.intExpr(e.left), ll), this.limited(this.intExpr(e.right), rl)];
        return this.intOperands(xs, [e.left, e.right], ([a, b]) => {
          const i32 = this.fitsInt32(e.left) && this.fitsInt32(e.right);
          if (e.op === 'js.mod') return noNegZero ? `plab::rem_nz<${i32}>(${a}, ${b}, ${l.noNegZero})` : `plab::rem<${i32}>(${a}, ${b})`;
          if (e.op === 'f64.mul') return noNegZero ? `plab::mul_nz(${a}, ${b})` : `(${a} * ${b})`;
          return `(${a} ${e.op === 'f64.add' ? '+' : '-'} ${b})`;
        });
      }
      case 'cond':
        return `(${this.expr(e.cond)} ? ${this.intExpr(e.then, noNegZero)} : ${this.intExpr(e.else, noNegZero)})`;
      default:
        throw new Error(`not an integer expression: ${e.kind}`);
    }
  }

  /** Integer operands (as emitted) combined by `build`, through temporaries in order when one of them calls a function. */
  private intOperands(xs: string[], of: Expr[], build: (xs: string[]) => string): string {
    if (!of.some((x) => this.effects(x))) return build(xs);
    const names = xs.map(() => `t${this.tmp++}`);
    return `({ ${xs.map((x, i) => `int64_t ${names[i]} = ${x};`).join(' ')} ${build(names)}; })`;
  }

  /** Whether an integer expression is an int32 value (exact-ints.ts int32Valued; in the fast version, a narrowed local too). */
  private fitsInt32(e: Expr): boolean {
    return int32Valued(e, this.ints.int32 ?? new Set()) || (this.fast && e.kind === 'local' && this.ranges.narrow.has(e.local));
  }

  /** `v`, checked against `limit` (bailing out beyond it) when there is one. */
  private limited(v: string, limit: number | undefined): string {
    if (limit === undefined) return v;
    this.intBails = true;
    return `plab::checked(${v}, int64_t(${limit}))`;
  }

  /** `Math.floor(x / c)` (`floor`) or `Math.trunc(x / c)` of an integer x and a positive integer constant c, as an int64_t. */
  private intDivide(div: Expr, floor: boolean): string {
    const d = intDivision(div, this.ints)!;
    const x = this.limited(this.intExpr(d.x), dividendLimit(d.shape));
    return floor ? `plab::floor_div(${x}, int64_t(${d.c}))` : `(${x} / int64_t(${d.c}))`;
  }

  /** ToInt32 of an integer expression or an integer division (`(x / 2) | 0`): the low 32 bits of the exact value. */
  private intToInt32(e: Expr): string | undefined {
    const s = intShape(e, this.ints);
    if (s) return `plab::wrap32(${this.limited(this.intExpr(e), s.bound > EXACT ? CHECKED_LIMIT : undefined)})`;
    if (intDivision(e, this.ints)) return `plab::wrap32(${this.intDivide(e, false)})`;
    return undefined;
  }

  /**
   * A double comparison of two integer-shaped expressions, made exactly on int64_t values (a side that might round is
   * checked, unless the other is exact and below 2^53: exact-ints.ts exactCompare); a product whose factors may leave the exact doubles (`d * d <= k`) is compared on integers while they are
   * within FACTOR_LIMIT, and on doubles, as written, beyond (exact-ints.ts squareFactors).
   */
  private intCompare(e: Extract<Expr, { kind: 'binary' }>): string | undefined {
    const op = CPP_COMPARE[e.op];
    if (!op) return undefined;
    const factors: Expr[] = [];
    const ls = intShape(e.left, this.ints);
    const rs = intShape(e.right, this.ints);
    const side = (x: Expr, s: IntShape | undefined, other: IntShape | undefined): string | undefined => {
      if (s && exactCompare(s, other)) return this.intExpr(x);
      const sq = squareFactors(x, this.ints);
      if (sq) {
        // (`d * d`: one factor to check.)
        factors.push(...(sameLocal(sq[0], sq[1]) ? [sq[0]] : sq));
        return `(${this.intExpr(sq[0])} * ${this.intExpr(sq[1])})`;
      }
      return s && this.limited(this.intExpr(x), CHECKED_LIMIT);
    };
    const l = side(e.left, ls, rs);
    const r = l && side(e.right, rs, ls);
    if (!l || !r) return undefined;
    const compare = this.intOperands([l, r], [e.left, e.right], ([a, b]) => `(${a} ${op} ${b})`);
    if (factors.length === 0) return compare;
    const small = factors.map((x) => `plab::within(${this.intExpr(x)}, ${FACTOR_LIMIT})`).join(' && ');
    return `((${small}) ? ${compare} : ${this.operands([e.left, e.right], ([a, b]) => this.binary(e.op, a!, b!, e.type))})`;
  }

  /** JavaScript's `%` of two integer expressions as a double, when its dividend is never -0 (NaN and -0 as JavaScript gives them). */
  private intRemainderF64(e: Extract<Expr, { kind: 'binary' }>): string | undefined {
    const ops = remainderOperands(e, this.ints);
    if (!ops || e.op !== 'js.mod' || !ops[0].noNegZero) return undefined;
    const [ll, rl] = operandLimits(ops[0], ops[1]);
    const xs = [this.limited(this.intExpr(e.left), ll), this.limited(this.intExpr(e.right), rl)];
    const i32 = this.fitsInt32(e.left) && this.fitsInt32(e.right);
    return this.intOperands(xs, [e.left, e.right], ([a, d]) => `plab::rem_f64<${i32}>(${a}, ${d})`);
  }

  /** `Math.round(x / c)` for a proven 0 <= x < 2^30 and c <= 2^29: floor((x + floor(c / 2)) / c). */
  private roundDiv(d: { x: Expr; c: number }): string {
    return `int32_t((${this.intOf(d.x)} + ${Math.floor(d.c / 2)}) / ${d.c})`;
  }

  private block(list: Stmt[], d: number, out: string[]): void {
    for (const s of list) this.stmt(s, d, out);
  }

  private stmt(s: Stmt, d: number, out: string[]): void {
    const pad = '  '.repeat(d);
    switch (s.kind) {
      case 'set':
        if (this.fast && this.ranges.narrow.has(s.local)) out.push(`${pad}l${s.local} = ${this.intOf(s.value)};`);
        else if (this.ints.has(s.local)) {
          // A value JavaScript may make -0 is checked: an integer local holds +0 only (exact-ints.ts intLocals).
          const shape = intShape(s.value, this.ints)!;
          const v = this.intExpr(s.value, !shape.noNegZero);
          // An int32 local's step is checked to stay int32 (its other values are int32 values).
          if (this.ints.int32?.has(s.local)) {
            if (!this.fitsInt32(s.value)) this.intBails = true;
            out.push(`${pad}l${s.local} = ${this.fitsInt32(s.value) ? v : `plab::checked32(${v})`};`);
          } else out.push(`${pad}l${s.local} = ${this.limited(v, shape.bound > CHECKED_LIMIT ? CHECKED_LIMIT : undefined)};`);
        } else out.push(`${pad}l${s.local} = ${this.expr(s.value)};`);
        return;
      case 'store':
        out.push(`${pad}{`);
        this.store(s, s.array, s.index, s.value, d + 1, out);
        out.push(`${pad}}`);
        return;
      case 'expr':
        out.push(`${pad}(void)(${this.expr(s.value)});`);
        return;
      case 'if':
        out.push(`${pad}if (${this.expr(s.cond)}) {`);
        this.block(s.then, d + 1, out);
        if (s.else.length) {
          out.push(`${pad}} else {`);
          this.block(s.else, d + 1, out);
        }
        out.push(`${pad}}`);
        return;
      case 'loop': {
        if (
          this.threads &&
          emitParallelLoop(this.ir, this.f, s, d, out, { expr: (e) => this.expr(e), block: (b, n, o) => this.block(b, n, o), jumps: this.jumps })
        )
          return;
        // `continue` jumps to the update, then the post-test; `break` past the loop.
        out.push(`${pad}for (;;) {`);
        if (s.test) out.push(`${pad}  if (!(${this.expr(s.test)})) break;`);
        out.push(`${pad}  {`);
        this.block(s.body, d + 2, out);
        out.push(`${pad}  }`);
        if (this.jumps.has(`cont${s.label}`)) out.push(`${pad}  cont${s.label}:;`);
        const counter = this.fast ? signedStepCounter(s, this.ranges) : undefined;
        for (const u of s.update) {
          if (u.kind === 'set' && u.local === counter) out.push(`${pad}  l${counter} = l${counter} + 1;`);
          else this.stmt(u, d + 1, out);
        }
        if (s.postTest) out.push(`${pad}  if (!(${this.expr(s.postTest)})) break;`);
        out.push(`${pad}}`);
        if (this.jumps.has(`brk${s.label}`)) out.push(`${pad}brk${s.label}:;`);
        return;
      }
      case 'break':
        out.push(`${pad}goto brk${s.label};`);
        return;
      case 'continue':
        out.push(`${pad}goto cont${s.label};`);
        return;
      case 'return':
        if (s.array !== undefined) {
          if (this.f.arrays[s.array]!.local === 'holey') out.push(`${pad}plab::check_holes(a${s.array}, n${s.array});`);
          out.push(`${pad}return std::move(v${s.array});`);
          return;
        }
        out.push(s.value ? `${pad}return ${this.expr(s.value)};` : `${pad}return;`);
        return;
      case 'alloc':
        this.alloc(s, pad, out);
        return;
      case 'pop':
        out.push(`${pad}if (n${s.array} > 0) { v${s.array}.pop_back(); n${s.array}--; }`);
        return;
      case 'push': {
        const a = s.array;
        const v = this.f.arrays[a]!.local === 'holey' ? `plab::unhole(${this.expr(s.value)})` : this.expr(s.value);
        out.push(`${pad}plab::push(v${a}, a${a}, n${a}, double(${v}));`);
        return;
      }
      case 'swap': {
        // The vectors exchange their buffers; the pointers and lengths follow.
        const [a, o] = [s.array, s.other];
        out.push(`${pad}std::swap(v${a}, v${o}); std::swap(a${a}, a${o}); std::swap(n${a}, n${o});`);
        return;
      }
      default: {
        const never: never = s;
        throw new Error(`unknown statement ${JSON.stringify(never)}`);
      }
    }
  }

  /** An element index as a uint32_t that is ≥ the length whenever JavaScript sees no element there. */
  private index(e: Expr): string {
    switch (e.type) {
      case 'i32':
        return `uint32_t(${this.expr(e)})`; // negative → huge → out of range
      case 'u32':
        return this.expr(e);
      case 'f64': {
        const shape = intShape(e, this.ints);
        if (shape) return `plab::index_i(${this.limited(this.intExpr(e), shape.bound > EXACT ? CHECKED_LIMIT : undefined)})`;
        return `plab::index(${this.expr(e)})`;
      }
      default:
        throw new Error(`an index of type ${e.type}`);
    }
  }

  /** Stmt 'alloc': the length checked, then the elements (zero, holes, `fill` or the literal's values), then bound. */
  private alloc(s: Extract<Stmt, { kind: 'alloc' }>, pad: string, out: string[]): void {
    const a = this.f.arrays[s.array]!;
    const t = elementCType(a.kind);
    const i = s.array;
    out.push(`${pad}{`);
    if (s.values) {
      // (A braced list is evaluated left to right.)
      out.push(`${pad}  std::vector<${t}> made{${s.values.map((v) => `double(${this.expr(v)})`).join(', ')}};`);
    } else {
      const n = s.length!.type === 'f64' ? this.index(s.length!) : `uint32_t(${this.expr(s.length!)})`;
      out.push(`${pad}  uint32_t len = plab::local_length(${n});`);
      const init = s.fill
        ? a.local === 'holey'
          ? `plab::unhole(${this.expr(s.fill)})`
          : `${t}(${a.kind.startsWith('Float') || a.kind === 'Array' ? this.expr(s.fill) : `uint32_t(${this.expr(s.fill)})`})`
        : a.local === 'holey'
          ? 'plab::hole()'
          : `${t}(0)`;
      out.push(`${pad}  ${t} init = ${init};`);
      out.push(`${pad}  std::vector<${t}> made(len, init);`);
    }
    out.push(`${pad}  v${i} = std::move(made);`, `${pad}  a${i} = v${i}.data();`, `${pad}  n${i} = uint32_t(v${i}.size());`, `${pad}}`);
  }

  private store(node: Stmt, array: number, index: Expr, value: Expr, d: number, out: string[]): void {
    const pad = '  '.repeat(d);
    const kind = this.f.arrays[array]!.kind;
    const local = this.f.arrays[array]!.local;
    if (kind === 'Array' && local) {
      // A plain array the function made grows by a write at its length; past it (holes) or off an index, bail out.
      out.push(`${pad}uint32_t i = ${this.index(index)};`);
      out.push(`${pad}double v = ${local === 'holey' ? `plab::unhole(${this.expr(value)})` : this.expr(value)};`);
      out.push(
        `${pad}if (i < n${array}) a${array}[i] = v;`,
        `${pad}else if (i == n${array}) plab::push(v${array}, a${array}, n${array}, v);`,
        `${pad}else plab::bail();`,
      );
      return;
    }
    // JavaScript evaluates the index, then the value, then writes; a typed array ignores a write out of range.
    const proven = this.fast && this.ranges.proven.has(node);
    out.push(`${pad}${proven ? `int64_t i = ${this.intOf(index)}` : `uint32_t i = ${this.index(index)}`};`);
    const vt = kind === 'Float64Array' || kind === 'Float32Array' || kind === 'Array' ? 'double' : 'int32_t';
    out.push(`${pad}${vt} v = ${this.expr(value)};`);
    const write = `a${array}[i] = ${elementCType(kind)}(${kind === 'Float32Array' || kind.startsWith('Float') || kind === 'Array' ? 'v' : 'uint32_t(v)'});`;
    if (proven) out.push(`${pad}${write}`);
    else if (kind === 'Array') out.push(`${pad}if (i >= n${array}) plab::bail();`, `${pad}${write}`);
    else out.push(`${pad}if (i < n${array}) ${write}`);
  }

  /** Whether evaluating `e` can write memory (a call to a module function): operands around it are sequenced. */
  private effects(e: Expr): boolean {
    switch (e.kind) {
      case 'call':
        return true;
      case 'unary':
        return this.effects(e.arg);
      case 'binary':
        return this.effects(e.left) || this.effects(e.right);
      case 'math':
        return e.args.some((a) => this.effects(a));
      case 'cond':
        return this.effects(e.cond) || this.effects(e.then) || this.effects(e.else);
      case 'load':
        return this.effects(e.index);
      default:
        return false;
    }
  }

  /**
   * Operands in JavaScript's left-to-right order. C++ leaves the order of operands unspecified, which matters
   * only when one of them calls a function that may write an array another reads: those are evaluated into
   * temporaries first, inside a GCC statement expression.
   */
  private operands(args: Expr[], build: (xs: string[]) => string): string {
    if (args.length < 2 || !args.some((a) => this.effects(a))) return build(args.map((a) => this.expr(a)));
    const names = args.map(() => `t${this.tmp++}`);
    const decls = args.map((a, i) => `${a.type === 'void' ? 'int' : C_TYPE[a.type as ScalarType]} ${names[i]} = ${this.expr(a)};`);
    return `({ ${decls.join(' ')} ${build(names)}; })`;
  }

  expr(e: Expr): string {
    switch (e.kind) {
      case 'const':
        return e.type === 'f64' ? doubleLiteral(e.value) : intLiteral(e.type, e.value);
      case 'local':
        // An integer local is read as the double it stands for (so that `-x` of 0 is -0, as in JavaScript).
        return this.ints.has(e.local) ? `plab::l2d(l${e.local})` : `l${e.local}`;
      case 'unary': {
        const rd = this.fast ? this.ranges.roundDivs.get(e.op === 'i32.from_f64' ? e.arg : e) : undefined;
        if (rd) return e.op === 'i32.from_f64' ? this.roundDiv(rd) : `plab::l2d(${this.roundDiv(rd)})`;
        if (this.fast && this.ranges.toInt32s.has(e)) return `${e.type === 'u32' ? 'uint32_t' : 'int32_t'}(${this.intOf(e.arg)})`;
        const wrapped = e.op === 'i32.from_f64' ? this.intToInt32(e.arg) : undefined;
        if (wrapped) return e.type === 'u32' ? `uint32_t(${wrapped})` : wrapped;
        return this.unary(e.op, this.expr(e.arg), e.type);
      }
      case 'binary':
        if (this.fast && this.ranges.i32Compares.has(e)) return `(${this.intOf(e.left)} ${CPP_COMPARE[e.op]} ${this.intOf(e.right)})`;
        return this.intCompare(e) ?? this.intRemainderF64(e) ?? this.operands([e.left, e.right], ([l, r]) => this.binary(e.op, l!, r!, e.type));
      case 'math': {
        const idx = (HOST_MATH as readonly string[]).indexOf(e.fn);
        if (idx < 0) throw new Error(`Math.${e.fn} is not a host function`);
        this.host.add(e.fn);
        if (e.args.length < 1 || e.args.length > 4) throw new Error(`Math.${e.fn} with ${e.args.length} arguments`);
        return this.operands(e.args, (xs) => `plab::host_math(${idx}, ${xs.join(', ')})`);
      }
      case 'cond':
        return `(${this.expr(e.cond)} ? ${this.expr(e.then)} : ${this.expr(e.else)})`;
      case 'load': {
        const kind = this.f.arrays[e.array]!.kind;
        const read =
          this.fast && this.ranges.proven.has(e)
            ? `a${e.array}[${this.intOf(e.index)}]`
            : `plab::${this.f.arrays[e.array]!.local === 'holey' ? 'load_holey' : 'load'}(a${e.array}, n${e.array}, ${this.index(e.index)})`;
        return kind === 'Float32Array' ? `double(${read})` : kind === 'Float64Array' || kind === 'Array' || kind === 'Uint32Array' ? read : `int32_t(${read})`;
      }
      case 'length':
        return `int32_t(n${e.array})`;
      case 'call': {
        const callee = this.ir.functions.find((f) => f.name === e.fn);
        if (!callee) throw new Error(`call to unknown function ${e.fn}`);
        const scalars = e.args.filter((a): a is Expr => a.kind !== 'array');
        return this.operands(scalars, (xs) => {
          let k = 0;
          const args = e.args.map((a: CallArg) => (a.kind === 'array' ? `a${a.array}, n${a.array}` : xs[k++]!));
          return `${mangle(e.fn)}(${args.join(', ')})`;
        });
      }
      default: {
        const never: never = e;
        throw new Error(`unknown expression ${JSON.stringify(never)}`);
      }
    }
  }

  private unary(op: Extract<Expr, { kind: 'unary' }>['op'], x: string, type: ScalarType): string {
    switch (op) {
      case 'f64.neg':
        return `(-${x})`;
      case 'f64.abs':
        return `std::fabs(${x})`;
      case 'f64.sqrt':
        return `std::sqrt(${x})`;
      case 'f64.floor':
        return `std::floor(${x})`;
      case 'f64.ceil':
        return `std::ceil(${x})`;
      case 'f64.trunc':
        return `std::trunc(${x})`;
      case 'js.round':
        return `plab::js_round(${x})`;
      case 'js.sign':
        return `plab::js_sign(${x})`;
      case 'js.fround':
        return `double(float(${x}))`;
      // Through a function: GCC's front end folds `0.0 - double(i)` into `-double(i)`, which is -0 for i = 0
      // (JavaScript's 0 - 0 is +0); the optimiser, which sees the conversion only after inlining, does not.
      case 'f64.from_i32':
        return `plab::i2d(int32_t(${x}))`;
      case 'f64.from_u32':
        return `plab::u2d(uint32_t(${x}))`;
      case 'i32.from_f64':
        return type === 'u32' ? `uint32_t(plab::to_int32(${x}))` : `plab::to_int32(${x})`;
      case 'i32.from_u32':
        return `int32_t(${x})`;
      case 'u32.from_i32':
        return `uint32_t(${x})`;
      case 'u8clamp.from_f64':
        return `plab::u8clamp(${x})`;
      case 'u8clamp.from_i32':
        return `plab::u8clamp_i(${x})`;
      case 'i32.not':
        return this.int(`(~uint32_t(${x}))`, type);
      case 'i32.clz':
        return `plab::clz(uint32_t(${x}))`;
      case 'f64.truthy':
        return `(std::fabs(${x}) > 0.0)`;
      case 'i32.truthy':
        return `(${x} != 0)`;
      case 'bool.not':
        return `(!${x})`;
      default: {
        const never: never = op;
        throw new Error(`unknown unary ${String(never)}`);
      }
    }
  }

  /** A uint32_t result read as the expression's type. */
  private int(x: string, type: ScalarType): string {
    return type === 'u32' ? x : `int32_t(${x})`;
  }

  private binary(op: Extract<Expr, { kind: 'binary' }>['op'], l: string, r: string, type: ScalarType): string {
    const u = (a: string) => `uint32_t(${a})`;
    const s = (a: string) => `int32_t(${a})`;
    switch (op) {
      case 'f64.add':
        return `(${l} + ${r})`;
      case 'f64.sub':
        return `(${l} - ${r})`;
      case 'f64.mul':
        return `(${l} * ${r})`;
      case 'f64.div':
        return `(${l} / ${r})`;
      case 'f64.min':
        return `plab::js_min(${l}, ${r})`;
      case 'f64.max':
        return `plab::js_max(${l}, ${r})`;
      case 'js.mod':
        return `plab::js_mod(${l}, ${r})`;
      case 'js.mod_i32':
        return `plab::mod_i32(${l}, ${r})`;
      case 'i32.add':
        return this.int(`(${u(l)} + ${u(r)})`, type);
      case 'i32.sub':
        return this.int(`(${u(l)} - ${u(r)})`, type);
      case 'i32.mul':
        return this.int(`(${u(l)} * ${u(r)})`, type);
      case 'i32.and':
        return this.int(`(${u(l)} & ${u(r)})`, type);
      case 'i32.or':
        return this.int(`(${u(l)} | ${u(r)})`, type);
      case 'i32.xor':
        return this.int(`(${u(l)} ^ ${u(r)})`, type);
      case 'i32.shl':
        return this.int(`(${u(l)} << (${u(r)} & 31u))`, type);
      case 'i32.shr_s':
        return this.int(`uint32_t(${s(l)} >> (${u(r)} & 31u))`, type);
      case 'i32.shr_u':
        return this.int(`(${u(l)} >> (${u(r)} & 31u))`, type);
      case 'f64.eq':
        return `(${l} == ${r})`;
      case 'f64.ne':
        return `(${l} != ${r})`;
      case 'f64.lt':
        return `(${l} < ${r})`;
      case 'f64.le':
        return `(${l} <= ${r})`;
      case 'f64.gt':
        return `(${l} > ${r})`;
      case 'f64.ge':
        return `(${l} >= ${r})`;
      case 'i32.eq':
        return `(${u(l)} == ${u(r)})`;
      case 'i32.ne':
        return `(${u(l)} != ${u(r)})`;
      case 'i32.lt_s':
        return `(${s(l)} < ${s(r)})`;
      case 'i32.le_s':
        return `(${s(l)} <= ${s(r)})`;
      case 'i32.gt_s':
        return `(${s(l)} > ${s(r)})`;
      case 'i32.ge_s':
        return `(${s(l)} >= ${s(r)})`;
      case 'i32.lt_u':
        return `(${u(l)} < ${u(r)})`;
      case 'i32.le_u':
        return `(${u(l)} <= ${u(r)})`;
      case 'i32.gt_u':
        return `(${u(l)} > ${u(r)})`;
      case 'i32.ge_u':
        return `(${u(l)} >= ${u(r)})`;
      default: {
        const never: never = op;
        throw new Error(`unknown binary ${String(never)}`);
      }
    }
  }
}

/** The Node-API entry point: unpack arguments once, snapshot written arrays if the kernel may bail, call. */
function glue(entry: IrFunction, abi: NativeAbi, safeWhen?: string): string {
  const n = entry.params.length;
  const L: string[] = [];
  L.push('static napi_value entry(napi_env env, napi_callback_info info) {');
  L.push(`  size_t argc = ${n};`);
  L.push(`  napi_value argv[${Math.max(n, 1)}];`);
  L.push('  napi_value undef;');
  L.push('  napi_get_undefined(env, &undef);');
  L.push(`  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < ${n}) return undef;`);
  const callArgs: string[] = [];
  const written: number[] = [];
  entry.params.forEach((p, i) => {
    if (isArrayType(p.type)) {
      const kind = p.type.array;
      const ct = elementCType(kind);
      L.push(`  ${ct}* a${p.slot}; uint32_t n${p.slot};`);
      L.push(`  if (!plab::typed_array(env, argv[${i}], ${NAPI_TYPE[kind]}, (void**)&a${p.slot}, &n${p.slot})) return undef;`);
      callArgs.push(`a${p.slot}, n${p.slot}`);
      if (entry.arrays[p.slot]!.written) written.push(p.slot);
    } else {
      const t = entry.locals[p.slot]!.type;
      if (t === 'bool') {
        L.push(`  bool l${p.slot}; if (napi_get_value_bool(env, argv[${i}], &l${p.slot}) != napi_ok) return undef;`);
      } else if (t === 'f64' && p.guard !== 'int32') {
        L.push(`  double l${p.slot}; if (napi_get_value_double(env, argv[${i}], &l${p.slot}) != napi_ok) return undef;`);
      } else {
        // int32 parameters: the loader has checked the value is an int32 (u32 reads the same bits; a double
        // parameter checked as an int32 is passed as one).
        const ct = t === 'f64' ? 'int32_t' : C_TYPE[t];
        L.push(`  int32_t l${p.slot}_; if (napi_get_value_int32(env, argv[${i}], &l${p.slot}_) != napi_ok) return undef;`);
        L.push(`  ${ct} l${p.slot} = ${ct}(l${p.slot}_);`);
      }
      callArgs.push(`l${p.slot}`);
    }
  });
  const snap = abi.mayBail ? written : [];
  if (abi.hostMath.length) L.push('  plab::HostScope host(env);');
  // When the entry guard holds, the version that runs cannot bail out (ranges.ts): nothing to restore then.
  if (snap.length && safeWhen) L.push(`  const bool safe = ${safeWhen};`);
  for (const s of snap) L.push(`  plab::Snapshot s${s}(a${s}, size_t(n${s}) * sizeof(*a${s})${snap.length && safeWhen ? ', !safe' : ''});`);
  const call = `${mangle(entry.name)}(${callArgs.join(', ')})`;
  const r = entry.result;
  if (entry.returns) {
    L.push(`  bool bailed = false;\n  std::vector<${elementCType(entry.returns)}> r;\n  try { r = ${call}; } catch (const plab::Bail&) { bailed = true; }`);
  } else L.push(guardedCall(r, call));
  L.push('  if (bailed) {');
  for (const s of [...snap].reverse()) L.push(`    s${s}.restore();`);
  L.push('    return undef;');
  L.push('  }');
  L.push('  napi_value out;');
  if (entry.returns) {
    // The elements, in a new typed array of the kind returned (a Float64Array for a plain array: the loader makes the Array).
    L.push('  void* data = nullptr;', '  napi_value buffer;');
    L.push('  if (napi_create_arraybuffer(env, r.size() * sizeof(r[0]), &data, &buffer) != napi_ok) return undef;');
    L.push('  if (!r.empty()) std::memcpy(data, r.data(), r.size() * sizeof(r[0]));');
    L.push(`  if (napi_create_typedarray(env, ${NAPI_TYPE[entry.returns]}, r.size(), buffer, 0, &out) != napi_ok) return undef;`);
    L.push('  return out;');
    L.push('}');
    return L.join('\n');
  }
  switch (r) {
    case 'void':
      L.push('  napi_get_null(env, &out);');
      break;
    case 'f64':
      L.push('  napi_create_double(env, r, &out);');
      break;
    case 'i32':
      L.push('  napi_create_int32(env, r, &out);');
      break;
    case 'u32':
      L.push('  napi_create_uint32(env, r, &out);');
      break;
    case 'bool':
      L.push('  napi_get_boolean(env, r, &out);');
      break;
  }
  L.push('  return out;');
  L.push('}');
  return L.join('\n');
}

/** The kernel call inside a try block: a bail-out unwinds to here. */
function guardedCall(r: ResultType, call: string): string {
  if (r === 'void') return `  bool bailed = false;\n  try { ${call}; } catch (const plab::Bail&) { bailed = true; }`;
  return `  bool bailed = false;\n  ${resultCType(r)} r = 0;\n  try { r = ${call}; } catch (const plab::Bail&) { bailed = true; }`;
}

/**
 * Helpers shared by every kernel: JavaScript's number semantics, bail-out, snapshots, host Math calls
 * (runtime/plab-prelude.h, with HOST_MATH's names and count written in).
 */
export function cppPrelude(): string {
  return asset('compiler/runtime/plab-prelude.h')
    .replace('PLAB_HOST_MATH_NAMES', HOST_MATH.map((m) => `"${m}"`).join(', '))
    .replaceAll('PLAB_HOST_MATH_COUNT', String(HOST_MATH.length))
    .replaceAll('PLAB_RECURSION_LIMIT', String(RECURSION_LIMIT))
    .replaceAll('PLAB_LOCAL_ARRAY_LIMIT', `${LOCAL_ARRAY_LIMIT}u`);
}

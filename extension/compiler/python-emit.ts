// What the Python targets' emitters share (backend-numba.ts, backend-cython.ts, backend-pybind11.ts): the walk over
// a function's statements and expressions, the tables of unary and binary operations, the spelling of constants and
// the origin line of a generated module. Each backend says only how its language writes what differs: Python's
// indentation or C's braces, its casts, its helpers' prefix, its loops and array elements.
import type { PythonKernel } from './compile-python';
import type { PyParallelLoop } from './parallel';
import { isPyArrayType, type PyBinaryOp, type PyCallArg, type PyExpr, type PyFunction, type PyLocal, type PyMath, type PyStmt, type PyUnaryOp } from './ir-py';

type PyConst = Extract<PyExpr, { kind: 'const' }>;

/** How a language writes blocks: Python's indentation and colons, or C's braces and semicolons. */
export interface BlockSyntax {
  indent: string;
  /** Written after each simple statement. */
  end: string;
  /** The line that opens `if` or `while` on its condition. */
  head(keyword: 'if' | 'while', cond: string): string;
  /** The line between the branches of an `if`. */
  orElse: string;
  /** The line that closes a compound statement, where the language has one. */
  close?: string;
  /** The statement an empty block holds, where the language needs one. */
  empty?: string;
  /** An expression evaluated for its effect alone. */
  discard(x: string): string;
}

export const PYTHON_BLOCKS: BlockSyntax = { indent: '    ', end: '', head: (k, c) => `${k} ${c}:`, orElse: 'else:', empty: 'pass', discard: (x) => x };
export const C_BLOCKS: BlockSyntax = {
  indent: '  ',
  end: ';',
  head: (k, c) => `${k} (${c}) {`,
  orElse: '} else {',
  close: '}',
  discard: (x) => `(void)(${x})`,
};

/** `a if c else b` in Python and Cython. */
export const pythonCond = (c: string, t: string, e: string): string => `(${t} if ${c} else ${e})`;

/** How a language spells the constants whose Python value has no one literal. */
export interface ConstSpelling {
  true: string;
  false: string;
  int(value: number | bigint): string;
  nan: string;
  inf: string;
  negZero: string;
}

/** A constant as source that reads back as the same value and type. */
export function constSource(e: PyConst, s: ConstSpelling): string {
  if (e.type === 'bool') return e.value ? s.true : s.false;
  if (e.type === 'int') return s.int(e.value);
  const x = Number(e.value);
  if (Number.isNaN(x)) return s.nan;
  if (x === Infinity) return s.inf;
  if (x === -Infinity) return `(-${s.inf})`;
  if (Object.is(x, -0)) return s.negZero;
  const text = String(x);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

/**
 * How a binary operation is written: an infix operator where the machine's answer is Python's, else a helper
 * (`pl_*` ones bail out, `py_*` ones only follow Python's rules). `pythonDivision`: the language's own `//` and `%`
 * already follow Python's signs (Numba), so only the checked forms need a helper.
 */
export function binaryForm(op: PyBinaryOp, checked: boolean, pythonDivision = false): { infix: string } | { call: string } {
  const division = (infix: string, helper: string, py: string) => (checked ? { call: helper } : pythonDivision ? { infix } : { call: py });
  switch (op) {
    case 'int.add':
      return checked ? { call: 'pl_add' } : { infix: '+' };
    case 'int.sub':
      return checked ? { call: 'pl_sub' } : { infix: '-' };
    case 'int.mul':
      return checked ? { call: 'pl_mul' } : { infix: '*' };
    case 'int.floordiv':
      return division('//', 'pl_floordiv', 'py_floordiv');
    case 'int.mod':
      return division('%', 'pl_mod', 'py_mod');
    case 'int.pow':
      return { call: 'pl_pow' };
    case 'int.shl':
      return { call: 'pl_shl' };
    case 'int.shr':
      return { call: 'pl_shr' };
    case 'int.truediv':
      return { call: 'pl_truediv' };
    case 'float.pow':
      return { call: 'pl_fpow' };
    case 'int.and':
      return { infix: '&' };
    case 'int.or':
      return { infix: '|' };
    case 'int.xor':
      return { infix: '^' };
    case 'int.min':
    case 'float.min':
      return { call: 'pl_min' };
    case 'int.max':
    case 'float.max':
      return { call: 'pl_max' };
    // Checked: a NumPy scalar's arithmetic, which bails out where NumPy would warn (overflow, invalid operation).
    case 'float.add':
      return checked ? { call: 'pl_npadd' } : { infix: '+' };
    case 'float.sub':
      return checked ? { call: 'pl_npsub' } : { infix: '-' };
    case 'float.mul':
      return checked ? { call: 'pl_npmul' } : { infix: '*' };
    case 'float.div':
      return checked ? { call: 'pl_fdiv' } : { infix: '/' };
    case 'float.floordiv':
      return division('//', 'pl_ffloordiv', 'py_ffloordiv');
    case 'float.mod':
      return division('%', 'pl_fmod', 'py_fmod');
    case 'int.eq':
    case 'float.eq':
    case 'bool.eq':
      return { infix: '==' };
    case 'int.ne':
    case 'float.ne':
    case 'bool.ne':
      return { infix: '!=' };
    case 'int.lt':
    case 'float.lt':
      return { infix: '<' };
    case 'int.le':
    case 'float.le':
      return { infix: '<=' };
    case 'int.gt':
    case 'float.gt':
      return { infix: '>' };
    case 'int.ge':
    case 'float.ge':
      return { infix: '>=' };
    default: {
      const never: never = op;
      throw new Error(`unknown binary ${String(never)}`);
    }
  }
}

const SWAPPED: Record<string, string> = { lt: 'gt', le: 'ge', gt: 'lt', ge: 'le', eq: 'eq', ne: 'ne' };

/**
 * A Python int compared with a float where the int may lie beyond 2**53 (the frontend marks its conversion
 * `float.from_int_exact`, checked): compared exactly by a helper, `pl_<op>_if(int, float)`, as Python compares them,
 * instead of through a rounded double. Undefined for every other expression.
 */
export function exactComparison(e: PyExpr): { op: string; int: PyExpr; float: PyExpr } | undefined {
  if (e.kind !== 'binary' || !/^float\.(lt|le|gt|ge|eq|ne)$/.test(e.op)) return undefined;
  const op = e.op.slice(6);
  const wide = (x: PyExpr): PyExpr | undefined => (x.kind === 'unary' && x.op === 'float.from_int_exact' && x.checked ? x.arg : undefined);
  const l = wide(e.left);
  if (l) return { op, int: l, float: e.right };
  const r = wide(e.right);
  if (r) return { op: SWAPPED[op]!, int: r, float: e.left };
  return undefined;
}

/** What a function's emitter is told of its language, beyond the blocks. */
export interface Dialect {
  blocks: BlockSyntax;
  /** Before every Python name (locals, arrays), so that none clashes with a name of the language or a helper. */
  names: string;
  /** Before the name of a called kernel function. */
  functions: string;
  /** Before the name of every runtime helper (`pl_ix`, `pl_add`, …). */
  helpers: string;
  /** The language's own `//` and `%` follow Python's signs. */
  pythonDivision?: boolean;
  constant(e: PyConst): string;
  cond(c: string, t: string, e: string): string;
  math(fn: PyMath, args: string[]): string;
  /** An int or bool converted by the language's own cast. */
  toFloat(a: string): string;
  toInt(a: string): string;
  intAbs(a: string, checked: boolean): string;
  floatAbs(a: string): string;
  not(a: string): string;
  /** `isnan`, `isinf`, `isfinite`. */
  classify(fn: string, a: string): string;
  dim(array: string, axis: number): string;
}

/**
 * Writes one IR function's statements and expressions in a dialect. Subclasses write the function around them, the
 * `for` loop, and (for C's flat arrays) elements and rows; the defaults index as Python does, `a[i, j]`.
 */
export abstract class PyFunctionEmitter {
  protected readonly loops: number[] = [];
  protected tmp = 0;

  constructor(
    protected readonly f: PyFunction,
    protected readonly dialect: Dialect,
  ) {}

  protected abstract forLoop(s: Extract<PyStmt, { kind: 'for' }>, d: number, pad: string, out: string[]): void;
  /** A local array gets a new value: `dims` elements along each axis, every one `fill` (see the IR's `alloc`). */
  protected abstract allocate(s: Extract<PyStmt, { kind: 'alloc' }>, pad: string, out: string[]): void;
  /** `a.append(x)` on a growable local list. */
  protected abstract appendTo(s: Extract<PyStmt, { kind: 'append' }>, d: number, pad: string, out: string[]): void;
  /** The statement that bails out, without its end. */
  protected abstract bailOut(reason: string): string;
  /** What `return` of a local array gives back: the array, cut to its length when it grows. */
  protected abstract arrayResult(array: number): string;

  /**
   * A parallel loop's sums, after it, term by term in the serial loop's order (its very operations): `counter` runs
   * over `n`, and term j of an iteration is `term(j)`, the element the iterations wrote. `like` makes an emitter of
   * this backend for the function with those terms as extra locals.
   */
  protected orderedSums(
    par: PyParallelLoop,
    pad: string,
    counter: string,
    n: string,
    term: (j: number) => string,
    like: (f: PyFunction) => PyFunctionEmitter,
    out: string[],
  ): void {
    const f = this.f;
    const terms = par.reductions.map((r, j) => ({ name: term(j), type: f.locals[r.local]!.type }));
    const withTerms = like({ ...f, locals: [...f.locals, ...terms] });
    out.push(`${pad}for ${counter} in range(${n}):`);
    par.reductions.forEach((r, j) => {
      const type = f.locals[r.local]!.type;
      const value: PyExpr = {
        kind: 'binary',
        type,
        op: r.op,
        checked: r.checked,
        left: { kind: 'local', type, local: r.local },
        right: { kind: 'local', type: terms[j]!.type, local: f.locals.length + j },
      };
      out.push(`${pad}    ${this.local(r.local)} = ${withTerms.expr(value)}`);
    });
  }

  /** Two local arrays exchange their values (and lengths, when they grow): Python's parallel assignment. */
  protected swap(a: number, b: number, pad: string, out: string[]): void {
    const [x, y] = [this.array(a), this.array(b)];
    out.push(`${pad}${x}, ${y} = ${y}, ${x}`);
    if (this.f.arrays[a]!.growable) out.push(`${pad}${this.length(a)}, ${this.length(b)} = ${this.length(b)}, ${this.length(a)}`);
  }

  /** The variable that holds a growable list's length (its array holds the capacity). */
  protected length(array: number): string {
    return `${this.dialect.names}_pl_n_${this.f.arrays[array]!.name}`;
  }

  /** An array's dimension: a growable list's is its length. */
  protected dimText(array: number, axis: number): string {
    return this.f.arrays[array]!.growable && axis === 0 ? this.length(array) : this.dialect.dim(this.array(array), axis);
  }

  /** An array passed to a called function: a growable list as a view of its elements. */
  protected arrayArg(array: number): string {
    return this.f.arrays[array]!.growable ? `${this.array(array)}[:${this.length(array)}]` : this.array(array);
  }

  /** The locals the function declares in its body: all but its scalar parameters. */
  protected bodyLocals(): PyLocal[] {
    const params = new Set(this.f.params.filter((p) => !isPyArrayType(p.type)).map((p) => p.slot));
    return this.f.locals.filter((_, i) => !params.has(i));
  }

  /** What a `return` without a value adds after the keyword. */
  protected bareReturn(): string {
    return '';
  }

  protected block(stmts: PyStmt[], d: number, out: string[]): void {
    const syntax = this.dialect.blocks;
    const pad = syntax.indent.repeat(d);
    const end = syntax.end;
    const start = out.length;
    const close = () => {
      if (syntax.close !== undefined) out.push(`${pad}${syntax.close}`);
    };
    for (const s of stmts) {
      switch (s.kind) {
        case 'set':
          out.push(`${pad}${this.local(s.local)} = ${this.expr(s.value)}${end}`);
          break;
        case 'store':
          out.push(`${pad}${this.element(s.array, s.indices, s.checked)} = ${this.expr(s.value)}${end}`);
          break;
        case 'expr':
          out.push(`${pad}${syntax.discard(this.expr(s.value))}${end}`);
          break;
        case 'if':
          out.push(`${pad}${syntax.head('if', this.expr(s.cond))}`);
          this.block(s.then, d + 1, out);
          if (s.else.length) {
            out.push(`${pad}${syntax.orElse}`);
            this.block(s.else, d + 1, out);
          }
          close();
          break;
        case 'for':
          this.forLoop(s, d, pad, out);
          break;
        case 'while':
          out.push(`${pad}${syntax.head('while', this.expr(s.test))}`);
          this.loopBody(s.label, s.body, d + 1, out);
          close();
          break;
        case 'break':
        case 'continue':
          if (this.loops[this.loops.length - 1] !== s.label) throw new Error(`${s.kind} to loop L${s.label}, which is not the innermost loop`);
          out.push(`${pad}${s.kind}${end}`);
          break;
        case 'return':
          if (s.array !== undefined) out.push(`${pad}return ${this.arrayResult(s.array)}${end}`);
          else out.push(`${pad}return${s.value ? ` ${this.expr(s.value)}` : this.bareReturn()}${end}`);
          break;
        case 'alloc':
          this.allocate(s, pad, out);
          break;
        case 'append':
          this.appendTo(s, d, pad, out);
          break;
        case 'bail':
          out.push(`${pad}${this.bailOut(s.reason)}${end}`);
          break;
        case 'swap':
          this.swap(s.a, s.b, pad, out);
          break;
        default: {
          const never: never = s;
          throw new Error(`unknown statement ${JSON.stringify(never)}`);
        }
      }
    }
    if (out.length === start && syntax.empty !== undefined) out.push(`${pad}${syntax.empty}`);
  }

  /** A loop's body, inside which `break` and `continue` may name the loop. */
  protected loopBody(label: number, body: PyStmt[], d: number, out: string[]): void {
    this.loops.push(label);
    this.block(body, d, out);
    this.loops.pop();
  }

  protected local(i: number): string {
    return `${this.dialect.names}${this.f.locals[i]!.name}`;
  }

  protected array(i: number): string {
    return `${this.dialect.names}${this.f.arrays[i]!.name}`;
  }

  /** An index the IR could not prove in range: wrapped as Python wraps a negative one, a bail-out past the end. */
  protected checkedIndex(i: string, length: string): string {
    return `${this.dialect.helpers}pl_ix(${i}, ${length})`;
  }

  protected element(array: number, indices: PyExpr[], checked: boolean[]): string {
    const a = this.array(array);
    const growable = this.f.arrays[array]!.growable;
    const ix = indices.map((x, k) =>
      checked[k] ? this.checkedIndex(this.expr(x), growable && k === 0 ? this.length(array) : `${a}.shape[${k}]`) : this.expr(x),
    );
    return `${a}[${ix.join(', ')}]`;
  }

  /** A row of a 2-D array passed to a function. */
  protected row(array: number, index: PyExpr, checked: boolean): string {
    return this.element(array, [index], [checked]);
  }

  private arg(a: PyCallArg): string {
    if (a.kind === 'array') return this.arrayArg(a.array);
    if (a.kind === 'row') return this.row(a.array, a.index, a.checked);
    return this.expr(a);
  }

  expr(e: PyExpr): string {
    const d = this.dialect;
    switch (e.kind) {
      case 'const':
        return d.constant(e);
      case 'local':
        return this.local(e.local);
      case 'unary':
        return this.unary(e.op, e.checked, this.expr(e.arg));
      case 'binary': {
        const exact = exactComparison(e);
        if (exact) return `${d.helpers}pl_${exact.op}_if(${this.expr(exact.int)}, ${this.expr(exact.float)})`;
        const form = binaryForm(e.op, e.checked, d.pythonDivision);
        const l = this.expr(e.left);
        const r = this.expr(e.right);
        return 'infix' in form ? `(${l} ${form.infix} ${r})` : `${d.helpers}${form.call}(${l}, ${r})`;
      }
      case 'math':
        return d.math(
          e.fn,
          e.args.map((a) => this.expr(a)),
        );
      case 'cond':
        return d.cond(this.expr(e.cond), this.expr(e.then), this.expr(e.else));
      case 'load':
        return this.element(e.array, e.indices, e.checked);
      case 'dim':
        return this.dimText(e.array, e.axis);
      case 'call':
        return `${d.functions}${e.fn}(${e.args.map((a) => this.arg(a)).join(', ')})`;
      default: {
        const never: never = e;
        throw new Error(`unknown expression ${JSON.stringify(never)}`);
      }
    }
  }

  private unary(op: PyUnaryOp, checked: boolean, a: string): string {
    const d = this.dialect;
    const helper = (name: string) => `${d.helpers}${name}(${a})`;
    switch (op) {
      case 'int.neg':
        return checked ? helper('pl_neg') : `(-${a})`;
      case 'int.abs':
        return d.intAbs(a, checked);
      case 'int.invert':
        return `(~${a})`;
      case 'float.neg':
        return `(-${a})`;
      case 'float.abs':
        return d.floatAbs(a);
      case 'float.from_int':
        return d.toFloat(a);
      case 'float.from_int_exact':
        return checked ? helper('pl_exact_float') : d.toFloat(a);
      case 'int.from_float':
        return helper('pl_int');
      case 'int.floor':
        return helper('pl_floor');
      case 'int.ceil':
        return helper('pl_ceil');
      case 'int.from_bool':
        return d.toInt(a);
      case 'float.from_bool':
        return d.cond(a, '1.0', '0.0');
      case 'bool.from_int':
        return `(${a} != 0)`;
      case 'bool.from_float':
        return `(${a} != 0.0)`;
      case 'bool.not':
        return d.not(a);
      case 'bool.isnan':
        return d.classify('isnan', a);
      case 'bool.isinf':
        return d.classify('isinf', a);
      case 'bool.isfinite':
        return d.classify('isfinite', a);
      default: {
        const never: never = op;
        throw new Error(`unknown unary ${String(never)}`);
      }
    }
  }
}

/** Where a generated module comes from, for its header comment. */
export function kernelOrigin(kernel: PythonKernel): string {
  return `from ${kernel.fileName}, function ${kernel.name} (line ${kernel.line})`;
}

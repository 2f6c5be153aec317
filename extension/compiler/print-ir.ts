// Text form of the IR for golden tests and for the panel: one statement per line, expressions as s-expressions.
import {
  isArrayType,
  pyTypeName,
  type CallArg,
  type Expr,
  type IrFunction,
  type IrModule,
  type PyCallArg,
  type PyExpr,
  type PyFunction,
  type PyModule,
  type PyStmt,
  type Stmt,
  type ValueType,
} from './ir';

/** The lines under a signature, in either dialect: locals other than the scalar parameters, and the arrays written. */
function declarations<T>(
  f: { params: { type: T; slot: number }[]; locals: { name: string; type: unknown }[]; arrays: { name: string; written: boolean }[] },
  isScalar: (t: T) => boolean,
): string[] {
  const lines: string[] = [];
  const scalarParams = new Set(f.params.filter((p) => isScalar(p.type)).map((p) => p.slot));
  const locals = f.locals.map((l, i) => (scalarParams.has(i) ? null : `$${i}:${l.name}: ${String(l.type)}`)).filter(Boolean);
  if (locals.length) lines.push(`  locals ${locals.join(', ')}`);
  const written = f.arrays.filter((a) => a.written).map((a) => a.name);
  if (written.length) lines.push(`  writes ${written.join(', ')}`);
  return lines;
}

/** Prints a module: each function with its signature, locals and body. */
export function printIr(mod: IrModule): string {
  return mod.functions.map((f) => printFunction(f, f.name === mod.entry)).join('\n');
}

function typeName(t: ValueType): string {
  return isArrayType(t) ? t.array : t;
}

function printFunction(f: IrFunction, entry: boolean): string {
  const params = f.params.map((p) => `${p.name}: ${typeName(p.type)}${p.guard ? ` (guard ${p.guard})` : ''}`).join(', ');
  const lines = [`${entry ? 'entry ' : ''}function ${f.name}(${params}): ${f.result}`, ...declarations(f, (t) => !isArrayType(t))];
  const out = new Printer(f, lines);
  out.block(f.body, 1);
  return lines.join('\n') + '\n';
}

class Printer {
  constructor(
    private f: IrFunction,
    private lines: string[],
  ) {}

  block(stmts: Stmt[], depth: number): void {
    for (const s of stmts) this.stmt(s, depth);
  }

  private line(depth: number, text: string): void {
    this.lines.push('  '.repeat(depth) + text);
  }

  private stmt(s: Stmt, d: number): void {
    switch (s.kind) {
      case 'set':
        return this.line(d, `${this.local(s.local)} = ${this.expr(s.value)}`);
      case 'store':
        return this.line(d, `${this.f.arrays[s.array]!.name}[${this.expr(s.index)}] = ${this.expr(s.value)}`);
      case 'expr':
        return this.line(d, this.expr(s.value));
      case 'if':
        this.line(d, `if ${this.expr(s.cond)}`);
        this.block(s.then, d + 1);
        if (s.else.length) {
          this.line(d, 'else');
          this.block(s.else, d + 1);
        }
        return this.line(d, 'end');
      case 'loop':
        this.line(d, `loop L${s.label}${s.test ? ` while ${this.expr(s.test)}` : ''}`);
        this.block(s.body, d + 1);
        if (s.update.length) {
          this.line(d, 'next');
          this.block(s.update, d + 1);
        }
        return this.line(d, `end${s.postTest ? ` while ${this.expr(s.postTest)}` : ''}`);
      case 'break':
        return this.line(d, `break L${s.label}`);
      case 'continue':
        return this.line(d, `continue L${s.label}`);
      case 'return':
        return this.line(d, s.value ? `return ${this.expr(s.value)}` : 'return');
      default: {
        const never: never = s;
        throw new Error(`unknown statement ${JSON.stringify(never)}`);
      }
    }
  }

  private local(i: number): string {
    return `$${i}:${this.f.locals[i]!.name}`;
  }

  private arg(a: CallArg): string {
    return a.kind === 'array' ? this.f.arrays[a.array]!.name : this.expr(a);
  }

  expr(e: Expr): string {
    switch (e.kind) {
      case 'const':
        return `${e.type}:${Object.is(e.value, -0) ? '-0' : String(e.value)}`;
      case 'local':
        return this.local(e.local);
      case 'unary':
        return `(${e.op} ${this.expr(e.arg)})`;
      case 'binary':
        return `(${e.op} ${this.expr(e.left)} ${this.expr(e.right)})`;
      case 'math':
        return `(Math.${e.fn} ${e.args.map((a) => this.expr(a)).join(' ')})`;
      case 'cond':
        return `(${e.type}.cond ${this.expr(e.cond)} ${this.expr(e.then)} ${this.expr(e.else)})`;
      case 'load':
        return `${this.f.arrays[e.array]!.name}[${this.expr(e.index)}]`;
      case 'length':
        return `${this.f.arrays[e.array]!.name}.length`;
      case 'call':
        return `(call ${e.fn} ${e.args.map((a) => this.arg(a)).join(' ')})`;
      default: {
        const never: never = e;
        throw new Error(`unknown expression ${JSON.stringify(never)}`);
      }
    }
  }
}

/** Prints a Python-dialect module the same way: signature, locals, written arrays, body; `!` marks a checked operation. */
export function printPyIr(mod: PyModule): string {
  return mod.functions.map((f) => printPyFunction(f, f.name === mod.entry)).join('\n');
}

function printPyFunction(f: PyFunction, entry: boolean): string {
  const params = f.params.map((p) => `${p.name}: ${pyTypeName(p.type)}`).join(', ');
  const lines = [
    `${entry ? 'entry ' : ''}def ${f.name}(${params}) -> ${f.result}${f.resultNumpy ? ' (numpy scalar)' : ''}`,
    ...declarations(f, (t) => typeof t !== 'object'),
  ];
  new PyPrinter(f, lines).block(f.body, 1);
  return lines.join('\n') + '\n';
}

class PyPrinter {
  constructor(
    private f: PyFunction,
    private lines: string[],
  ) {}

  block(stmts: PyStmt[], depth: number): void {
    for (const s of stmts) this.stmt(s, depth);
  }

  private line(depth: number, text: string): void {
    this.lines.push('  '.repeat(depth) + text);
  }

  private stmt(s: PyStmt, d: number): void {
    switch (s.kind) {
      case 'set':
        return this.line(d, `${this.local(s.local)} = ${this.expr(s.value)}`);
      case 'store':
        return this.line(d, `${this.index(s.array, s.indices, s.checked)} = ${this.expr(s.value)}`);
      case 'expr':
        return this.line(d, this.expr(s.value));
      case 'if':
        this.line(d, `if ${this.expr(s.cond)}`);
        this.block(s.then, d + 1);
        if (s.else.length) {
          this.line(d, 'else');
          this.block(s.else, d + 1);
        }
        return this.line(d, 'end');
      case 'for':
        this.line(d, `for L${s.label} ${this.local(s.local)} in range(${this.expr(s.start)}, ${this.expr(s.stop)}, ${s.step})`);
        this.block(s.body, d + 1);
        return this.line(d, 'end');
      case 'while':
        this.line(d, `while L${s.label} ${this.expr(s.test)}`);
        this.block(s.body, d + 1);
        return this.line(d, 'end');
      case 'break':
        return this.line(d, `break L${s.label}`);
      case 'continue':
        return this.line(d, `continue L${s.label}`);
      case 'return':
        return this.line(d, s.value ? `return ${this.expr(s.value)}` : 'return');
      default: {
        const never: never = s;
        throw new Error(`unknown statement ${JSON.stringify(never)}`);
      }
    }
  }

  private local(i: number): string {
    return `$${i}:${this.f.locals[i]!.name}`;
  }

  private index(array: number, indices: PyExpr[], checked: boolean[]): string {
    return `${this.f.arrays[array]!.name}[${indices.map((x, k) => `${checked[k] ? '!' : ''}${this.expr(x)}`).join(', ')}]`;
  }

  private arg(a: PyCallArg): string {
    if (a.kind === 'array') return this.f.arrays[a.array]!.name;
    if (a.kind === 'row') return `${this.f.arrays[a.array]!.name}[${a.checked ? '!' : ''}${this.expr(a.index)}, :]`;
    return this.expr(a);
  }

  expr(e: PyExpr): string {
    switch (e.kind) {
      case 'const':
        if (e.type === 'float') return `float:${Object.is(e.value, -0) ? '-0' : String(e.value)}`;
        return `${e.type}:${e.type === 'bool' ? (e.value ? 'True' : 'False') : String(e.value)}`;
      case 'local':
        return this.local(e.local);
      case 'unary':
        return `(${e.op}${e.checked ? '!' : ''} ${this.expr(e.arg)})`;
      case 'binary':
        return `(${e.op}${e.checked ? '!' : ''} ${this.expr(e.left)} ${this.expr(e.right)})`;
      case 'math':
        return `(math.${e.fn} ${e.args.map((a) => this.expr(a)).join(' ')})`;
      case 'cond':
        return `(${e.type}.cond ${this.expr(e.cond)} ${this.expr(e.then)} ${this.expr(e.else)})`;
      case 'load':
        return this.index(e.array, e.indices, e.checked);
      case 'dim':
        return `${this.f.arrays[e.array]!.name}.shape[${e.axis}]`;
      case 'call':
        return `(call ${e.fn} ${e.args.map((a) => this.arg(a)).join(' ')})`;
      default: {
        const never: never = e;
        throw new Error(`unknown expression ${JSON.stringify(never)}`);
      }
    }
  }
}

// Text form of the IR for golden tests and for the panel: one statement per line, expressions as s-expressions.
// `IrPrinter` is what the two IRs' printers share; the Python IR's printer extends it in print-ir-py.ts.
import { isArrayType, type CallArg, type Expr, type IrFunction, type IrModule, type Stmt, type ValueType } from './ir';

/** A function as a printer reads it, in either IR. */
interface PrintedFunction<T> {
  params: { type: T; slot: number }[];
  locals: { name: string; type: string }[];
  arrays: { name: string; written: boolean }[];
}

/** The statements both IRs spell alike, over an IR's expression `E` and statement `S`. */
type SharedStmt<E, S> =
  | { kind: 'set'; local: number; value: E }
  | { kind: 'expr'; value: E }
  | { kind: 'if'; cond: E; then: S[]; else: S[] }
  | { kind: 'break' | 'continue'; label: number }
  | { kind: 'return'; value?: E };

/**
 * Prints one function of either IR: its signature, the locals other than the scalar parameters, the arrays it
 * writes, then its body, one statement a line, indented by nesting. An IR's printer adds its own statements and
 * its expressions.
 */
export abstract class IrPrinter<T, S, E> {
  private readonly lines: string[] = [];

  constructor(protected readonly f: PrintedFunction<T>) {}

  protected abstract isScalar(t: T): boolean;
  protected abstract stmt(s: S, depth: number): void;
  protected abstract expr(e: E): string;

  print(signature: string, body: S[]): string {
    this.lines.push(signature);
    const scalarParams = new Set(this.f.params.filter((p) => this.isScalar(p.type)).map((p) => p.slot));
    const locals = this.f.locals.map((l, i) => (scalarParams.has(i) ? null : `$${i}:${l.name}: ${l.type}`)).filter(Boolean);
    if (locals.length) this.lines.push(`  locals ${locals.join(', ')}`);
    const written = this.f.arrays.filter((a) => a.written).map((a) => a.name);
    if (written.length) this.lines.push(`  writes ${written.join(', ')}`);
    this.block(body, 1);
    return this.lines.join('\n') + '\n';
  }

  protected block(stmts: S[], depth: number): void {
    for (const s of stmts) this.stmt(s, depth);
  }

  protected line(depth: number, text: string): void {
    this.lines.push('  '.repeat(depth) + text);
  }

  protected local(i: number): string {
    return `$${i}:${this.f.locals[i]!.name}`;
  }

  protected array(i: number): string {
    return this.f.arrays[i]!.name;
  }

  /** A statement both IRs spell alike. */
  protected shared(s: SharedStmt<E, S>, d: number): void {
    switch (s.kind) {
      case 'set':
        return this.line(d, `${this.local(s.local)} = ${this.expr(s.value)}`);
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
      case 'break':
      case 'continue':
        return this.line(d, `${s.kind} L${s.label}`);
      case 'return':
        return this.line(d, s.value ? `return ${this.expr(s.value)}` : 'return');
      default: {
        const never: never = s;
        throw new Error(`unknown statement ${JSON.stringify(never)}`);
      }
    }
  }
}

/** Prints a module: each function with its signature, locals and body. */
export function printIr(mod: IrModule): string {
  return mod.functions.map((f) => new Printer(f).print(signature(f, f.name === mod.entry), f.body)).join('\n');
}

function typeName(t: ValueType): string {
  return isArrayType(t) ? t.array : t;
}

function signature(f: IrFunction, entry: boolean): string {
  const params = f.params.map((p) => `${p.name}: ${typeName(p.type)}${p.guard ? ` (guard ${p.guard})` : ''}`).join(', ');
  return `${entry ? 'entry ' : ''}function ${f.name}(${params}): ${f.returns ?? f.result}`;
}

class Printer extends IrPrinter<ValueType, Stmt, Expr> {
  constructor(private readonly fn: IrFunction) {
    super(fn);
  }

  protected isScalar(t: ValueType): boolean {
    return !isArrayType(t);
  }

  protected stmt(s: Stmt, d: number): void {
    switch (s.kind) {
      case 'store':
        return this.line(d, `${this.array(s.array)}[${this.expr(s.index)}] = ${this.expr(s.value)}`);
      case 'alloc': {
        const a = this.fn.arrays[s.array]!;
        const made = s.values
          ? `[${s.values.map((v) => this.expr(v)).join(', ')}]`
          : `new ${a.kind}(${this.expr(s.length!)})${s.fill ? `.fill(${this.expr(s.fill)})` : a.local === 'holey' ? ' (holes)' : ''}`;
        return this.line(d, `${this.array(s.array)} = ${made}`);
      }
      case 'push':
        return this.line(d, `${this.array(s.array)}.push(${this.expr(s.value)})`);
      case 'pop':
        return this.line(d, `${this.array(s.array)}.pop()`);
      case 'swap':
        return this.line(d, `swap ${this.array(s.array)}, ${this.array(s.other)}`);
      case 'return':
        if (s.array !== undefined) return this.line(d, `return ${this.array(s.array)}`);
        return this.shared(s, d);
      case 'loop':
        this.line(d, `loop L${s.label}${s.test ? ` while ${this.expr(s.test)}` : ''}`);
        this.block(s.body, d + 1);
        if (s.update.length) {
          this.line(d, 'next');
          this.block(s.update, d + 1);
        }
        return this.line(d, `end${s.postTest ? ` while ${this.expr(s.postTest)}` : ''}`);
      default:
        return this.shared(s, d);
    }
  }

  private arg(a: CallArg): string {
    return a.kind === 'array' ? this.array(a.array) : this.expr(a);
  }

  protected expr(e: Expr): string {
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
        return `${this.array(e.array)}[${this.expr(e.index)}]`;
      case 'length':
        return `${this.array(e.array)}.length`;
      case 'call':
        return `(call ${e.fn} ${e.args.map((a) => this.arg(a)).join(' ')})`;
      default: {
        const never: never = e;
        throw new Error(`unknown expression ${JSON.stringify(never)}`);
      }
    }
  }
}

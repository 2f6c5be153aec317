// Text form of the Python IR, as print-ir.ts prints the JavaScript IR: signature, locals, written arrays, body;
// `!` marks a checked operation or index (the compiled code bails out there when Python would not give its result).
import { IrPrinter } from './print-ir';
import { pyTypeName, type PyCallArg, type PyExpr, type PyFunction, type PyModule, type PyStmt, type PyValueType } from './ir-py';

/** Prints a module: each function with its signature, locals and body. */
export function printPyIr(mod: PyModule): string {
  return mod.functions.map((f) => new PyPrinter(f).print(signature(f, f.name === mod.entry), f.body)).join('\n');
}

function signature(f: PyFunction, entry: boolean): string {
  const params = f.params
    .map((p) => `${p.name}: ${p.numpy ? `numpy.${p.type === 'int' ? 'int64' : 'float64'}` : pyTypeName(p.type)}${p.global ? ' (module-level)' : ''}`)
    .join(', ');
  const local = f.arrays.filter((a) => a.local).map((a) => `${a.name}: ${pyTypeName(a.type)}${a.growable ? ' (grows)' : ''}`);
  return `${entry ? 'entry ' : ''}def ${f.name}(${params}) -> ${f.resultArg ? `${f.resultArg} (the argument)` : pyTypeName(f.result)}${f.resultNumpy ? ' (numpy scalar)' : ''}${local.length ? `\n  arrays ${local.join(', ')}` : ''}`;
}

class PyPrinter extends IrPrinter<PyValueType, PyStmt, PyExpr> {
  protected isScalar(t: PyValueType): boolean {
    return typeof t !== 'object';
  }

  protected stmt(s: PyStmt, d: number): void {
    switch (s.kind) {
      case 'store':
        return this.line(d, `${this.index(s.array, s.indices, s.checked)} = ${this.expr(s.value)}`);
      case 'for':
        this.line(
          d,
          `for L${s.label} ${this.local(s.local)} in range(${this.expr(s.start)}, ${this.expr(s.stop)}, ${typeof s.step === 'bigint' ? s.step : this.expr(s.step)})`,
        );
        this.block(s.body, d + 1);
        return this.line(d, 'end');
      case 'while':
        this.line(d, `while L${s.label} ${this.expr(s.test)}`);
        this.block(s.body, d + 1);
        return this.line(d, 'end');
      case 'alloc':
        return this.line(d, `${this.array(s.array)} = alloc[${s.dims.map((x) => this.expr(x)).join(', ')}] of ${this.expr(s.fill)}`);
      case 'append':
        return this.line(d, `${this.array(s.array)}.append(${this.expr(s.value)})`);
      case 'swap':
        return this.line(d, `${this.array(s.a)}, ${this.array(s.b)} = ${this.array(s.b)}, ${this.array(s.a)}`);
      case 'bail':
        return this.line(d, `bail ${JSON.stringify(s.reason)}`);
      case 'return':
        if (s.array !== undefined) return this.line(d, `return ${this.array(s.array)}`);
        return this.shared(s, d);
      default:
        return this.shared(s, d);
    }
  }

  private index(array: number, indices: PyExpr[], checked: boolean[]): string {
    return `${this.array(array)}[${indices.map((x, k) => `${checked[k] ? '!' : ''}${this.expr(x)}`).join(', ')}]`;
  }

  private arg(a: PyCallArg): string {
    if (a.kind === 'array') return this.array(a.array);
    if (a.kind === 'row') return `${this.array(a.array)}[${a.checked ? '!' : ''}${this.expr(a.index)}, :]`;
    return this.expr(a);
  }

  protected expr(e: PyExpr): string {
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
        return `${this.array(e.array)}.shape[${e.axis}]`;
      case 'call':
        return `(call ${e.fn} ${e.args.map((a) => this.arg(a)).join(' ')})`;
      default: {
        const never: never = e;
        throw new Error(`unknown expression ${JSON.stringify(never)}`);
      }
    }
  }
}

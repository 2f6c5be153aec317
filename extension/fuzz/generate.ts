// Random programs in the compiled subset, for differential fuzzing: numeric locals (let, const, and var: declared
// at the top and assigned later, assigned before its declaration, counters read after their loop and declared again
// by a later loop), file-level numeric constants, every operator, Math functions, array reads and writes (in range
// and out of range), loops with break/continue, a helper call, calls of two functions that recurse into each other
// and themselves (now and then deeper than compiled code goes), and functions written as static methods of a class
// or methods of an object literal (named `K.f3`, `O.f5`); arrays made in the function (`[a, b]`, `[]` and push,
// `new Array(n)` with its holes, `.fill(v)`, typed arrays of a length, lengths that are not valid now and then),
// read, written (a write at the end grows a plain one), pushed to, popped and returned; an array of arrays passed in
// (plain or typed rows, ragged or missing), its rows read and written (`rows0[1][i] += x`, `rows0[0].length`); an
// array of objects with numeric fields (`objs0`, { x, y, … } of one shape) and one object (`obj0`), their fields read
// and written through an element (`objs0[i & 1].x += v`), a variable holding one (`const b3 = objs0[i]`), or the
// object (`obj0.m`), in loops over the array's length; file-level tables (`var T0 = [...]`, typed) read and written
// through their elements and file-level numbers read and assigned (`S0++`: passed in cells), which the fuzzer's
// originals take as arguments after their own (run-fuzz.ts withModuleData); string parameters (`s0.length`,
// `s0.charCodeAt(i)`, `s0[i] === 'a'`, `s0[i] !== s1[j]`, indices past the end or not integers now and then).
import { ARRAY_KINDS, type ArrayKind } from '../abi';
import type { ParamTypeName } from '../compiler/frontend-js';
import { pick } from './inputs';

export interface GeneratedFunction {
  /** Its name as Optimize takes it: `f3`, or `K.f3` (a static method of class K), `O.f3` (a method of object O). */
  name: string;
  params: ParamTypeName[];
}

/** A generated function as the module exports it (`K.f3` is the property f3 of the export K). */
export function exportedFunction<F>(exports: Record<string, unknown>, name: string): F {
  return name.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], exports) as F;
}

export interface GeneratedModule {
  source: string;
  functions: GeneratedFunction[];
  /**
   * The types of the file-level tables and numbers it declares for its functions to read and write (`T0`, `S0`),
   * which compiled code takes as hidden parameters (module-data.ts); numbers a function assigns go in cells.
   */
  dataTypes: Record<string, ParamTypeName>;
}

const LITERALS = [
  '0',
  '1',
  '2',
  '3',
  '-1',
  '0.5',
  '-0',
  '-0.5',
  '1.5',
  '2.5',
  '255',
  '256',
  '1e-310',
  '1e308',
  '2147483647',
  '2147483648',
  '-2147483648',
  '4294967295',
  '9007199254740992',
  '0x7fffffff',
  'NaN',
  'Infinity',
  '-Infinity',
  '7',
  '13',
];
const BINARY = ['+', '-', '*', '/', '%', '**', '&', '|', '^', '<<', '>>', '>>>'];
const COMPARE = ['<', '<=', '>', '>=', '===', '!==', '==', '!='];
const MATH1 = ['sqrt', 'abs', 'floor', 'ceil', 'round', 'trunc', 'sign', 'fround', 'exp', 'log', 'sin', 'cos', 'tan', 'clz32', 'cbrt', 'atan', 'log2'];
const MATH2 = ['min', 'max', 'pow', 'atan2', 'hypot', 'imul'];
const ASSIGN = ['=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<=', '>>=', '>>>='];

class Gen {
  private out: string[] = [];
  private vars: string[] = [];
  private counters: string[] = [];
  /** `var` loop counters after their loop: read, never assigned (a later loop may declare one again). */
  private finished: string[] = [];
  /** Vars declared at the top without a value, not assigned yet: reading one is refused (it would be undefined). */
  private pending: string[] = [];
  /** Vars assigned before their declaration, declared at the end of the body (hoisting). */
  private declaredLate: string[] = [];
  private n = 0;
  private loopDepth = 0;

  constructor(
    private r: () => number,
    private numbers: string[],
    private arrays: { name: string; kind: ArrayKind }[],
    private helper: string | undefined,
    /** The int32 parameters among `numbers` (sizes of the 2-D loops). */
    private int32s: string[] = [],
    /** File-level numeric constants the function may read. */
    private constants: string[] = [],
    /** Whether it may call the recursive functions `rec` and `rec2`. */
    private recursive = false,
    /** Whether it may make arrays of its own; 'result': it makes one first and returns it (its only result). */
    private locals: boolean | 'result' = false,
    /** Objects with numeric fields among its parameters: an array of them, or one (`one`). */
    private objects: { name: string; keys: string[]; one: boolean }[] = [],
    /** String parameters (read only: length, charCodeAt, elements compared with one-unit strings). */
    private strings: string[] = [],
  ) {}

  /** An index into a string: a counter, a small one, past its end now and then, or not an integer. */
  private stringIndex(s: string): string {
    const r = this.r();
    if (this.counters.length && r < 0.25) return pick(this.r, this.counters);
    if (r < 0.6) return `((${this.intish(1)} >>> 0) % ${s}.length)`;
    if (r < 0.75) return `(${this.intish(1)} & 3)`;
    if (r < 0.85) return `${s}.length - 1`;
    return pick(this.r, ['0', '1', '(-1)', '0.5', `${s}.length`]);
  }

  /** A comparison of string elements: `s0[i] === 'a'`, `s0[i] !== s0[j]`, `'é' == s1[k]`. */
  private stringCompare(): string {
    const s = pick(this.r, this.strings);
    const a = `${s}[${this.stringIndex(s)}]`;
    const op = pick(this.r, ['===', '!==', '==', '!=']);
    if (this.chance(0.5)) {
      const t = pick(this.r, this.strings);
      return `${a} ${op} ${t}[${this.stringIndex(t)}]`;
    }
    const unit = JSON.stringify(pick(this.r, ['a', 'b', 'é', '\ud83d', '0']));
    return this.chance(0.8) ? `${a} ${op} ${unit}` : `${unit} ${op} ${a}`;
  }

  /** Variables holding an element of an array of objects (`const b3 = objs0[i]`), and the array. */
  private elements: { name: string; of: { name: string; keys: string[] } }[] = [];

  /** A field of an object: `obj0.x`, `objs0[i].y` (the index in range mostly, not always), `b3.x`. */
  private field(depth: number): string {
    const o = pick(this.r, this.objects);
    const key = pick(this.r, o.keys);
    if (o.one) return `${o.name}.${key}`;
    const held = this.elements.filter((e) => e.of.name === o.name);
    if (held.length && this.chance(0.4)) return `${pick(this.r, held).name}.${key}`;
    return `${o.name}[${this.objectIndex(o.name, depth)}].${key}`;
  }

  private objectIndex(a: string, depth: number): string {
    const r = this.r();
    if (this.counters.length && r < 0.35) return pick(this.r, this.counters);
    if (r < 0.7) return `(${this.intish(depth)} & 1)`;
    if (r < 0.85) return `${a}.length - 1`;
    return pick(this.r, ['0', '1', '2']);
  }

  /** `for (let i = 0; i < objs0.length; i++) { const p = objs0[i]; p.x += …; }`: the loop real code writes. */
  private objectLoop(indent: number): void {
    const arrays = this.objects.filter((o) => !o.one);
    if (!arrays.length) return;
    const o = pick(this.r, arrays);
    const i = `i${this.n++}`;
    const kw = this.chance(0.3) ? 'var' : 'let';
    this.line(indent, `for (${kw} ${i} = 0; ${i} < ${o.name}.length; ${i}++) {`);
    this.loopDepth++;
    this.counters.push(i);
    const held = `b${this.n++}`;
    this.line(indent + 1, `${pick(this.r, ['const', 'let', 'var'])} ${held} = ${o.name}[${i}];`);
    this.elements.push({ name: held, of: o });
    this.block(indent + 1, 2);
    this.line(indent + 1, `${held}.${pick(this.r, o.keys)} ${pick(this.r, ['=', '+=', '-=', '*='])} ${this.expr(2)};`);
    this.elements.pop();
    this.counters.pop();
    this.loopDepth--;
    this.line(indent, '}');
  }

  /** File-level numbers it may read and assign like its own variables (`S0 = (S0 * 3 + x) % 1000`). */
  useState(names: string[]): void {
    this.vars.push(...names);
  }

  /** The plain arrays it made (they are in `arrays` too), and the one it returns. */
  private plain: string[] = [];
  result: string | undefined;

  /**
   * `let m = <a new array>` at the top level of the body: a literal, `[]`, `new Array(n)` (holes), a filled one or a
   * typed array; the length small, or now and then a value JavaScript refuses (negative, fractional, NaN).
   */
  newArray(indent: number): string {
    const name = `m${this.n++}`;
    const length = (): string => {
      const r = this.r();
      if (r < 0.4) return pick(this.r, ['0', '1', '3', '5', '8']);
      if (r < 0.85) return `(${this.intish(2)} & 7)`;
      return `(${this.expr(2)} % 9)`;
    };
    const r = this.r();
    let kind: ArrayKind = 'Array';
    let init: string;
    if (r < 0.2) init = `[${Array.from({ length: Math.floor(this.r() * 4) }, () => this.expr(2)).join(', ')}]`;
    else if (r < 0.35) init = '[]';
    else if (r < 0.5) init = `new Array(${length()})`;
    else if (r < 0.6) init = `${this.chance(0.5) ? 'new ' : ''}Array(${length()}).fill(${this.expr(2)})`;
    else {
      kind = pick(
        this.r,
        ARRAY_KINDS.filter((k) => k !== 'Array'),
      );
      init = `new ${kind}(${length()})${this.chance(0.3) ? `.fill(${this.expr(2)})` : ''}`;
    }
    this.line(indent, `${pick(this.r, ['let', 'const', 'var'])} ${name} = ${init};`);
    this.arrays.push({ name, kind });
    if (kind === 'Array') this.plain.push(name);
    return name;
  }

  private chance(p: number): boolean {
    return this.r() < p;
  }

  expr(depth: number): string {
    const r = this.r();
    if (depth <= 0 || r < 0.25) return this.leaf();
    if (r < 0.55) return `(${this.expr(depth - 1)} ${pick(this.r, BINARY)} ${this.expr(depth - 1)})`;
    if (r < 0.63) return `(${pick(this.r, ['-', '+', '~'])} ${this.expr(depth - 1)})`;
    if (r < 0.73) return `Math.${pick(this.r, MATH1)}(${this.expr(depth - 1)})`;
    if (r < 0.8) return `Math.${pick(this.r, MATH2)}(${this.expr(depth - 1)}, ${this.expr(depth - 1)})`;
    if (r < 0.87) return `(${this.cond(depth - 1)} ? ${this.expr(depth - 1)} : ${this.expr(depth - 1)})`;
    if (r < 0.95 && this.objects.length && this.chance(0.4)) return this.field(depth - 1);
    if (r < 0.95 && this.arrays.length) return this.read(depth - 1);
    if (r < 0.97) return this.chance(0.5) ? this.dyadic(depth) : `tri(${this.int32Leaf()}, ${this.int32Leaf()})`;
    if (this.recursive && this.chance(0.5)) return this.recCall(depth);
    if (this.helper) return `${this.helper}(${this.expr(depth - 1)}, ${this.expr(depth - 1)})`;
    return this.leaf();
  }

  private literal(): string {
    const l = pick(this.r, LITERALS);
    return l.startsWith('-') ? `(${l})` : l;
  }

  private leaf(): string {
    const r = this.r();
    if (this.pending.length && r < 0.003) return pick(this.r, this.pending);
    const names = [...this.numbers, ...this.vars, ...this.counters, ...this.finished, ...this.constants];
    if (r < 0.35 || names.length === 0) return this.literal();
    if (r < 0.85) return pick(this.r, names);
    const arrays = this.objects.filter((o) => !o.one);
    if (arrays.length && this.chance(0.3)) return `${pick(this.r, arrays).name}.length`;
    if (this.strings.length && this.chance(0.4)) {
      const s = pick(this.r, this.strings);
      return this.chance(0.4) ? `${s}.length` : `${s}.charCodeAt(${this.chance(0.1) ? '' : this.stringIndex(s)})`;
    }
    if (this.arrays.length) return `${pick(this.r, this.arrays).name}.length`;
    return this.literal();
  }

  private index(depth: number, a: string, write = false): string {
    // A write far out of range grows a plain array to that length in JavaScript: keep plain-array writes near.
    const r = write && this.arrays.find((x) => x.name === a)?.kind === 'Array' ? this.r() * 0.85 : this.r();
    if (this.counters.length && r < 0.4) return pick(this.r, this.counters);
    if (r < 0.6) return `(${this.expr(depth)} & 3)`;
    if (r < 0.75) return `((${this.expr(depth)} >>> 0) % ${a}.length)`;
    if (r < 0.85) return `${a}.length - 1`;
    // (Writes to plain arrays stay below 0.85: a far index would make JavaScript grow the array to billions.)
    if (r < 0.93) return this.intish(depth + 1);
    return this.expr(depth);
  }

  /**
   * Integer arithmetic held in doubles (`y * w + x - 1`, `k % d`, `Math.floor(x / 10)`, `(n / 2) | 0`, `c ? a : b`):
   * what the backend computes in 64-bit integers, with checks that bail out where JavaScript's value is not that
   * integer (a remainder by zero, a -0 kept in a variable, a value past 2^53).
   */
  private intish(depth: number): string {
    const names = [...this.counters, ...this.vars, ...this.numbers, ...this.arrays.map((a) => `${a.name}.length`)];
    const leaf = () =>
      names.length && this.r() < 0.75
        ? pick(this.r, names)
        : pick(this.r, ['0', '1', '2', '3', '(-1)', '7', '10', '255', '2147483647', '(-2147483648)', '4294967295', '9007199254740992', '4503599627370497']);
    if (depth <= 0 || this.r() < 0.3) return leaf();
    const r = this.r();
    if (r < 0.55) return `(${this.intish(depth - 1)} ${pick(this.r, ['+', '-', '*', '+'])} ${this.intish(depth - 1)})`;
    if (r < 0.75) return `(${this.intish(depth - 1)} % ${this.chance(0.5) ? pick(this.r, ['2', '3', '10', '(-7)', '0', '1000003']) : this.intish(depth - 1)})`;
    const c = pick(this.r, ['2', '10', '3', '16', '1', '7']);
    if (r < 0.85) return `Math.${pick(this.r, ['floor', 'floor', 'trunc'])}(${this.intish(depth - 1)} / ${c})`;
    if (r < 0.92) return `((${this.intish(depth - 1)} / ${c}) | 0)`;
    return `(${this.intCompare(depth - 1)} ? ${this.intish(depth - 1)} : ${this.intish(depth - 1)})`;
  }

  /** A comparison of integer arithmetic (`d * d <= k`, `k % d === 0`): made on integers by the backend. */
  private intCompare(depth: number): string {
    return `${this.intish(depth)} ${pick(this.r, COMPARE)} ${this.intish(depth)}`;
  }

  /**
   * A loop of integer arithmetic in doubles, each bounded by a counter (a NaN or an infinity never ends one):
   * trial division (`d * d <= k`, `k % d === 0`), Euclid's algorithm (`t = a % b; a = b; b = t`), digits taken off
   * (`s += x % 10; x = Math.floor(x / 10)`) and a Collatz step (`n % 2 === 0 ? (n / 2) | 0 : 3 * n + 1`). Now and
   * then on a number parameter, reassigned.
   */
  private intLoop(indent: number): void {
    const v = () => `v${this.n++}`;
    const start = () => (this.numbers.length && this.chance(0.4) ? pick(this.r, this.numbers) : this.intish(2));
    const target = (): string => {
      if (this.numbers.length && this.chance(0.25)) return pick(this.r, this.numbers);
      const t = v();
      this.line(indent, `let ${t} = ${start()};`);
      return t;
    };
    const e = v();
    const kind = Math.floor(this.r() * 4);
    if (kind === 0) {
      const k = target();
      const d = v();
      const found = v();
      this.line(indent, `let ${found} = 0;`);
      this.line(indent, `for (let ${d} = 2; ${d} * ${d} <= ${k} && ${d} < 200; ${d}++) {`);
      this.line(indent + 1, `if (${k} % ${d} === 0) { ${found} = ${this.chance(0.5) ? d : `${k} / ${d}`}; break; }`);
      this.line(indent, '}');
      this.vars.push(found);
    } else if (kind === 1) {
      const a = target();
      const b = target();
      const t = v();
      this.line(indent, `for (let ${e} = 0; ${e} < 40 && ${b} !== 0; ${e}++) {`);
      this.line(indent + 1, `${this.chance(0.5) ? 'var' : 'const'} ${t} = ${a} % ${b};`);
      this.line(indent + 1, `${a} = ${b};`);
      this.line(indent + 1, `${b} = ${t};`);
      this.line(indent, '}');
      if (a.startsWith('v')) this.vars.push(a);
    } else if (kind === 2) {
      const x = target();
      const sum = v();
      this.line(indent, `let ${sum} = 0;`);
      this.line(indent, `for (let ${e} = 0; ${e} < 20 && ${x} ${pick(this.r, ['> 0', '!== 0', '>= 1'])}; ${e}++) {`);
      this.line(indent + 1, `${sum} += ${x} % ${pick(this.r, ['10', '2', '16'])};`);
      this.line(indent + 1, `${x} = ${pick(this.r, [`Math.floor(${x} / 10)`, `Math.trunc(${x} / 10)`, `(${x} / 10) | 0`, `Math.floor(${x} / 2)`])};`);
      this.line(indent, '}');
      this.vars.push(sum);
    } else {
      const n = target();
      const steps = v();
      this.line(indent, `let ${steps} = 0;`);
      this.line(indent, `for (let ${e} = 0; ${e} < 30 && ${n} !== 1; ${e}++) {`);
      this.line(indent + 1, `${n} = ${n} % 2 === 0 ? ${pick(this.r, [`(${n} / 2) | 0`, `${n} / 2`, `Math.floor(${n} / 2)`])} : 3 * ${n} + 1;`);
      this.line(indent + 1, `${steps}++;`);
      this.line(indent, '}');
      this.vars.push(steps);
    }
  }

  /** A call of a recursive function: a few levels deep, now and then past the compiled code's depth limit. */
  private recCall(depth: number): string {
    const d = this.chance(0.97) ? `(${this.int32Leaf()} & 7)` : pick(this.r, ['1999', '2001', '2500']);
    return `${pick(this.r, ['rec', 'rec2'])}(${d}, ${this.expr(depth - 1)}, ${this.expr(depth - 1)})`;
  }

  /** An int32 value: a counter, `v | 0`, or an int32 literal (small, at the limits of the integer plans, extreme). */
  private int32Leaf(): string {
    const names = [...this.counters, ...this.vars, ...this.numbers];
    if (names.length && this.r() < 0.7) {
      const n = pick(this.r, names);
      return this.counters.includes(n) ? n : `(${n} | 0)`;
    }
    return pick(this.r, ['0', '1', '2', '5', '(-1)', '(-3)', '33554431', '33554432', '67108864', '67108863', '2147483647', '(-2147483648)', '1073741824']);
  }

  /**
   * Integer arithmetic on int32 values in doubles, halved or quartered (`(i + j) * (i + j + 1) / 2 + i`, maybe
   * `1 / (...)`): what the backend computes in 64-bit integers when the values are small (dyadic.ts).
   */
  private dyadic(depth: number): string {
    const part = (d: number): string => {
      if (d <= 0 || this.r() < 0.25) return this.int32Leaf();
      const r = this.r();
      if (r < 0.2) return `(${part(d - 1)} / ${pick(this.r, ['2', '4', '8'])})`;
      return `(${part(d - 1)} ${pick(this.r, ['+', '-', '*', '*'])} ${part(d - 1)})`;
    };
    const e = part(Math.max(depth, 2));
    return this.chance(0.4) ? `(${pick(this.r, ['1', '-2', '3'])} / ${e})` : e;
  }

  private read(depth: number): string {
    const a = pick(this.r, this.arrays).name;
    return `${a}[${this.index(depth, a)}]`;
  }

  /** A boolean-valued condition (&& and || are compiled on booleans only). */
  private compare(depth: number): string {
    return this.r() < 0.8 ? `${this.expr(depth)} ${pick(this.r, COMPARE)} ${this.expr(depth)}` : `!(${this.expr(depth)})`;
  }

  cond(depth: number): string {
    if (this.strings.length && this.chance(0.25)) return this.stringCompare();
    const r = this.r();
    if (r < 0.08) return this.intCompare(depth);
    if (r < 0.6) return `${this.expr(depth)} ${pick(this.r, COMPARE)} ${this.expr(depth)}`;
    if (r < 0.7) return `!(${this.expr(depth)})`;
    if (r < 0.85 && depth > 0) return `(${this.compare(depth - 1)}) ${pick(this.r, ['&&', '||'])} (${this.compare(depth - 1)})`;
    return this.expr(depth);
  }

  private line(indent: number, s: string): void {
    this.out.push('  '.repeat(indent) + s);
  }

  stmts(indent: number, count: number): void {
    for (let k = 0; k < count; k++) this.stmt(indent);
  }

  /** A function body's opening: sometimes `var a, b = …, c;` in the classic style, `a` and `c` assigned later. */
  prologue(): void {
    if (!this.chance(0.3)) return;
    const decls: string[] = [];
    for (let k = 1 + Math.floor(this.r() * 3); k > 0; k--) {
      const v = `h${this.n++}`;
      if (this.chance(0.4)) {
        decls.push(`${v} = ${this.expr(2)}`);
        this.vars.push(v);
      } else {
        decls.push(v);
        this.pending.push(v);
      }
    }
    this.line(1, `var ${decls.join(', ')};`);
  }

  /** A function body's end: the declarations of the vars assigned before them (legal: a var is hoisted). */
  epilogue(): void {
    if (this.declaredLate.length) this.line(1, `var ${this.declaredLate.join(', ')};`);
  }

  private stmt(indent: number): void {
    // Deep nesting adds little: past three levels only declarations are generated.
    const r = indent > 3 ? 0 : this.r();
    if (indent === 1 && this.pending.length && this.chance(0.3)) {
      // A var declared at the top gets its value: from here on it is read like any other.
      const v = this.pending.splice(Math.floor(this.r() * this.pending.length), 1)[0]!;
      this.line(indent, `${v} = ${this.expr(3)};`);
      this.vars.push(v);
    } else if (indent === 1 && this.chance(0.03)) {
      // Assigned before its declaration, which comes at the end of the body.
      const v = `t${this.n++}`;
      this.line(indent, `${v} = ${this.expr(3)};`);
      this.vars.push(v);
      this.declaredLate.push(v);
    } else if (r < 0.22) {
      const v = `v${this.n++}`;
      this.line(indent, `${this.chance(0.4) ? 'var' : 'let'} ${v} = ${this.chance(0.3) ? this.intish(3) : this.expr(3)};`);
      this.vars.push(v);
    } else if (r < 0.42 && this.vars.length) {
      this.line(indent, `${pick(this.r, this.vars)} ${pick(this.r, ASSIGN)} ${this.expr(3)};`);
    } else if (r < 0.47 && this.vars.length) {
      const v = pick(this.r, this.vars);
      this.line(indent, this.chance(0.5) ? `${v}++;` : `--${v};`);
    } else if (r < 0.62 && this.objects.length && this.chance(0.4)) {
      this.line(indent, `${this.field(2)} ${this.chance(0.6) ? '=' : pick(this.r, ASSIGN)} ${this.expr(3)};`);
    } else if (r < 0.66 && this.loopDepth < 2 && this.objects.some((o) => !o.one) && this.chance(0.5)) {
      this.objectLoop(indent);
    } else if (r < 0.62 && this.arrays.length) {
      const a = pick(this.r, this.arrays).name;
      const op = this.chance(0.7) ? '=' : pick(this.r, ASSIGN);
      this.line(indent, `${a}[${this.index(2, a, true)}] ${op} ${this.expr(3)};`);
    } else if (r < 0.74) {
      this.line(indent, `if (${this.cond(2)}) {`);
      this.block(indent + 1, 2);
      if (this.chance(0.5)) {
        this.line(indent, '} else {');
        this.block(indent + 1, 2);
      }
      this.line(indent, '}');
    } else if (r < 0.79 && this.loopDepth === 0 && this.arrays.length && this.chance(0.5)) {
      this.grid(indent);
    } else if (r < 0.84 && this.loopDepth < 2 && this.arrays.length) {
      // A var counter is read after its loop, and a later loop may declare the same name again.
      const kw = this.chance(0.35) ? 'var' : 'let';
      const reuse = kw === 'var' && this.finished.length > 0 && this.chance(0.4);
      const i = reuse ? this.finished.splice(Math.floor(this.r() * this.finished.length), 1)[0]! : `i${this.n++}`;
      const a = pick(this.r, this.arrays).name;
      const start = pick(this.r, [-1, 0, 1]);
      const r2 = this.r();
      this.line(
        indent,
        r2 < 0.15 && this.counters.length
          ? `for (${kw} ${i} = ${pick(this.r, this.counters)} + 1; ${i} < ${a}.length; ${i}++) {`
          : r2 < 0.6
            ? `for (${kw} ${i} = 0; ${i} < ${a}.length; ${i}++) {`
            : r2 < 0.75
              ? `for (${kw} ${i} = ${a}.length - 1; ${i} >= 0; ${i}--) {`
              : `for (${kw} ${i} = ${start}; ${i} ${this.chance(0.5) ? '<' : '<='} ${start + pick(this.r, [0, 1, 2, 3, 4])}; ${i}++) {`,
      );
      this.loop(i, indent);
      if (kw === 'var') this.finished.push(i);
    } else if (r < 0.89 && this.loopDepth < 2) {
      const w = `w${this.n++}`;
      this.line(indent, `let ${w} = 0;`);
      if (this.chance(0.5)) {
        this.line(indent, `while (${w} < 3 && (${this.cond(1)})) {`);
        this.line(indent + 1, `${w}++;`);
        this.loop(w, indent);
      } else {
        this.line(indent, 'do {');
        this.line(indent + 1, `${w}++;`);
        this.loopDepth++;
        this.counters.push(w);
        this.block(indent + 1, 2);
        this.counters.pop();
        this.loopDepth--;
        this.line(indent, `} while (${w} < 3 && (${this.cond(1)}));`);
      }
    } else if (r < 0.93 && this.loopDepth > 0) {
      this.line(indent, `if (${this.cond(1)}) ${this.chance(0.5) ? 'break' : 'continue'};`);
    } else if (this.locals && indent === 1 && this.chance(0.15)) {
      this.newArray(indent);
    } else if (this.plain.length && this.loopDepth === 0 && this.chance(0.2)) {
      // (Not in a loop, which may run to the array's length.)
      const values = Array.from({ length: this.chance(0.8) ? 1 : 2 }, () => this.expr(2));
      this.line(indent, `${pick(this.r, this.plain)}.push(${values.join(', ')});`);
    } else if (this.plain.length && this.chance(0.1)) {
      // (An empty array's pop is undefined: the compiled code bails out where the value is read.)
      const a = pick(this.r, this.plain);
      if (this.chance(0.4)) this.line(indent, `${a}.pop();`);
      else {
        const v = `v${this.n++}`;
        this.line(indent, `${pick(this.r, ['let', 'var', 'const'])} ${v} = ${a}.pop();`);
        this.vars.push(v);
      }
    } else if (r < 0.95) {
      this.line(indent, `if (${this.cond(1)}) return ${this.result ?? this.expr(2)};`);
    } else if (r < 0.98 && this.loopDepth < 2) {
      this.intLoop(indent);
    } else {
      const v = `v${this.n++}`;
      this.line(indent, `const ${v} = ${this.expr(2)};`);
    }
  }

  /**
   * An image-style double loop with row-major index arithmetic (`y * w + x`, `(y + dy) * w + (x + dx)`), a
   * border that jumps away, and `Math.round(sum / 9)`: what the entry-guarded range analysis proves, or fails
   * to prove for the sizes of the call (then the checked code runs).
   */
  private grid(indent: number): void {
    const sizes = [...this.int32s, '3', '4', ...this.arrays.map((a) => `${a.name}.length`)];
    const w = pick(this.r, sizes);
    const h = pick(this.r, sizes);
    const y = `y${this.n++}`;
    const x = `x${this.n++}`;
    const k = `k${this.n++}`;
    const s = `s${this.n++}`;
    const src = pick(this.r, this.arrays).name;
    // (A write past a plain array's end grows it, and a loop bounded by its length would never end.)
    const typed = this.arrays.filter((a) => a.kind !== 'Array');
    if (!typed.length) return;
    const dst = pick(this.r, typed).name;
    const y0 = pick(this.r, ['0', '1']);
    const x0 = pick(this.r, ['0', '1']);
    const yEnd = this.chance(0.5) ? h : `${h} - 1`;
    const xEnd = this.chance(0.5) ? w : `${w} - 1`;
    const d = () => pick(this.r, ['-1', '0', '1']);
    this.line(indent, `if (${w} <= 12 && ${h} <= 12) {`);
    this.line(indent + 1, `for (let ${y} = ${y0}; ${y} < ${yEnd}; ${y}++) {`);
    this.line(indent + 2, `for (let ${x} = ${x0}; ${x} < ${xEnd}; ${x}++) {`);
    this.loopDepth += 2;
    this.counters.push(y, x);
    this.line(indent + 3, `const ${k} = ${y} * ${w} + ${x};`);
    if (this.chance(0.5)) {
      // The border test in any order, some of its tests left out: the ones on y are unswitched out of the x loop.
      const tests = [`${x} === 0`, `${y} === 0`, `${x} === ${w} - 1`, `${y} === ${h} - 1`, `${y} > ${h} - 2`].filter(() => this.chance(0.7));
      for (let j = tests.length - 1; j > 0; j--) {
        const t = Math.floor(this.r() * (j + 1));
        [tests[j], tests[t]] = [tests[t]!, tests[j]!];
      }
      if (tests.length) this.line(indent + 3, `if (${tests.join(' || ')}) { ${dst}[${k}] = ${src}[${k}]; continue; }`);
    }
    this.line(indent + 3, `let ${s} = 0;`);
    if (this.chance(0.3)) {
      // The 3×3 neighbourhood as two short loops (unrolled: each read then has an index of its own).
      const dy = `dy${this.n++}`;
      const dx = `dx${this.n++}`;
      this.line(indent + 3, `for (let ${dy} = -1; ${dy} <= 1; ${dy}++) for (let ${dx} = -1; ${dx} <= 1; ${dx}++) ${s} += ${src}[${k} + ${dy} * ${w} + ${dx}];`);
    } else {
      const reads = 1 + Math.floor(this.r() * 4);
      for (let j = 0; j < reads; j++) {
        const idx = this.chance(0.5) ? `${k} + ${d()} * ${w} + ${d()}` : `(${y} + ${d()}) * ${w} + (${x} + ${d()})`;
        this.line(indent + 3, `${s} += ${src}[${idx}];`);
      }
    }
    if (this.chance(0.3)) this.stmts(indent + 3, 1);
    this.line(indent + 3, `${dst}[${k}] = ${this.chance(0.6) ? `Math.round(${s} / ${pick(this.r, ['9', '4', '3', '2', '10', '25'])})` : s};`);
    this.counters.pop();
    this.counters.pop();
    this.loopDepth -= 2;
    this.line(indent + 2, '}');
    this.line(indent + 1, '}');
    this.line(indent, '}');
  }

  private loop(counter: string, indent: number): void {
    this.loopDepth++;
    this.counters.push(counter);
    this.block(indent + 1, 3);
    this.counters.pop();
    this.loopDepth--;
    this.line(indent, '}');
  }

  private block(indent: number, count: number): void {
    const saved = this.vars.length;
    const finished = [...this.finished];
    this.stmts(indent, 1 + Math.floor(this.r() * count));
    this.vars.length = saved;
    // A counter whose loop ran inside the block may not have been assigned after it (the block may not run).
    this.finished = finished;
  }

  text(): string {
    return this.out.join('\n');
  }
}

const NUMBER_PARAMS: ParamTypeName[] = ['number', 'number', 'int32', 'double'];

/**
 * The initialiser of a file-level number: arithmetic on literals, Math and Number constants, exact Math functions
 * and earlier constants (folded by the frontend).
 */
function constantExpr(r: () => number, earlier: string[], depth: number): string {
  const x = r();
  if (depth <= 0 || x < 0.3) {
    const y = r();
    if (earlier.length && y < 0.35) return pick(r, earlier);
    // (Not NaN or Infinity by name: a hostile line may declare them after, and these run first.)
    if (y < 0.5) return pick(r, ['Math.PI', 'Math.E', 'Math.SQRT2', 'Number.EPSILON', 'Number.MAX_SAFE_INTEGER', '(0 / 0)', '(1 / 0)']);
    return pick(r, ['365.24', '4', '0.5', '(-0)', '7', '1e-300', '2147483647', '0xff', '(-3)', '0.1', '16777619', '2166136261']);
  }
  const a = constantExpr(r, earlier, depth - 1);
  const b = constantExpr(r, earlier, depth - 1);
  if (x < 0.75) return `(${a} ${pick(r, ['+', '-', '*', '/', '%', '|', '&', '^', '<<', '>>', '>>>'])} ${b})`;
  if (x < 0.87) return `Math.${pick(r, ['sqrt', 'floor', 'ceil', 'abs', 'round', 'fround', 'trunc', 'sign'])}(${a})`;
  return x < 0.97 ? `Math.${pick(r, ['min', 'max', 'imul'])}(${a}, ${b})` : `(-${a})`;
}

/**
 * File-level numbers, as `const`, `var` and `let` (C0, V0, L0 always, so that hostile lines can assign them), some
 * declared after the functions, a few initialised by what the frontend does not fold (`**`, Math.sin: the functions
 * that read them are refused); the functions read them as constants when the file never assigns them.
 */
function moduleConstants(r: () => number): { before: string[]; after: string[]; names: string[] } {
  const names: string[] = [];
  const declarations: string[] = [];
  const declare = (keyword: string, name: string): void => {
    const value = constantExpr(r, [...names], 2);
    declarations.push(`${keyword} ${name} = ${r() < 0.03 ? pick(r, [`${value} ** 0.5`, `Math.sin(${value})`]) : value};`);
    names.push(name);
  };
  declare('const', 'C0');
  declare('var', 'V0');
  declare('let', 'L0');
  for (let k = 1, n = Math.floor(r() * 3); k <= n; k++) declare(pick(r, ['const', 'var', 'let']), pick(r, ['C', 'V', 'L']) + k);
  // The last ones (maybe none) come after the functions, in the same order: each still follows what it reads.
  const split = declarations.length - Math.floor(r() * r() * (declarations.length + 1));
  return { before: declarations.slice(0, split), after: declarations.slice(split), names };
}

/**
 * Module-level lines a hostile program adds after its functions: a helper reassigned, a global shadowed, a
 * block-level function that replaces a helper only in sloppy code. The frontend must refuse what they change
 * (or compile what they do not), and the differential run must then find no difference.
 */
const HOSTILE_LINES = [
  'helper = (p, q) => p - q;',
  'const Infinity = 3;',
  'var NaN = 1;',
  'if (Math.abs(-1) === 1) { function helper(p, q) { return p * q; } }',
  'tri = (i, j) => i - j;',
  'V0 = 2;',
  'L0++;',
  'rec = (d, p, q) => p;',
  'var V0;',
  'var V0 = 1;',
];

/** A module of `count` random functions, each with its parameter types, plus a shared helper and file-level numbers. */
export function generateModule(r: () => number, count: number, hostile = false): GeneratedModule {
  const consts = moduleConstants(r);
  const parts: string[] = [...consts.before];
  const helper = new Gen(r, ['p', 'q'], [], undefined, [], consts.names);
  helper.stmts(1, 2);
  helper.epilogue();
  parts.push(`function helper(p, q) {\n${helper.text()}\n  return ${helper.expr(2)};\n}`);
  parts.push('function tri(i, j) {\n  return 1 / (((i + j) * (i + j + 1)) / 2 + i + 1);\n}');
  // Two functions that call each other and themselves, d levels deep (d - 1 each call; NaN ends at once).
  for (const [name, other] of [
    ['rec', 'rec2'],
    ['rec2', 'rec'],
  ] as const) {
    const g = new Gen(r, ['p', 'q'], [], undefined, [], consts.names);
    const base = g.expr(2);
    const next = pick(r, [name, other]);
    const again = `${next}(d - 1, ${g.expr(1)}, ${pick(r, ['p', 'q', g.expr(1)])})`;
    const back = r() < 0.5 ? `${g.expr(1)} ${pick(r, ['+', '-', '*'])} ${again}` : `${again} ${pick(r, ['+', '-', '*', '/'])} ${g.expr(1)}`;
    parts.push(`function ${name}(d, p, q) {\n  if (!(d >= 1)) return ${base};\n  return ${back};\n}`);
  }
  // File-level tables (read and written through their elements) and numbers (read and assigned) for the functions.
  const dataTypes: Record<string, ParamTypeName> = {};
  const tables: { name: string; kind: ArrayKind }[] = [];
  for (let k = 0, n = Math.floor(r() * 3); k < n; k++) {
    const kind = pick(r, ARRAY_KINDS);
    const name = `T${k}`;
    const values = Array.from({ length: 1 + Math.floor(r() * 6) }, () => pick(r, ['0', '1', '-2', '0.5', '3', '255', '1e300', 'NaN', '-0'])).join(', ');
    parts.push(`${pick(r, ['var', 'let'])} ${name} = ${kind === 'Array' ? `[${values}]` : `new ${kind}([${values}])`};`);
    tables.push({ name, kind });
    dataTypes[name] = kind === 'Array' ? 'number[]' : kind;
  }
  const state: string[] = [];
  for (let k = 0, n = Math.floor(r() * 3); k < n; k++) {
    parts.push(`${pick(r, ['var', 'let'])} S${k} = ${pick(r, ['42', '0', '0.5', '-7', '2147483647'])};`);
    state.push(`S${k}`);
    dataTypes[`S${k}`] = 'number';
  }
  const functions: GeneratedFunction[] = [];
  const members: { K: string[]; O: string[] } = { K: [], O: [] };
  for (let f = 0; f < count; f++) {
    const params: ParamTypeName[] = [];
    const names: string[] = [];
    const numbers: string[] = [];
    const arrays: { name: string; kind: ArrayKind }[] = [];
    const nArrays = Math.floor(r() * 3);
    for (let k = 0; k < nArrays; k++) {
      const kind = pick(r, ARRAY_KINDS);
      const name = `a${k}`;
      arrays.push({ name, kind });
      names.push(name);
      params.push(kind === 'Array' ? 'number[]' : kind);
    }
    // Now and then an array of arrays, read and written through two of its rows (rows0[0][i], rows0[1].length), which may
    // be missing (JavaScript throws, the compiled code bails out) or ragged; half the time through variables holding
    // the rows (`const r0 = rows0[0], r1 = rows0[1];`, or let, or var), taken at the top of the body.
    let rowVars = '';
    if (r() < 0.25) {
      const kind = pick(r, ARRAY_KINDS);
      names.push('rows0');
      params.push(kind === 'Array' ? 'number[][]' : `${kind}[]`);
      const held = r() < 0.5;
      if (held) rowVars = `  ${pick(r, ['const', 'let', 'var'] as const)} r0 = rows0[0], r1 = rows0[1];\n`;
      for (const row of ['0', '1']) arrays.push({ name: held ? `r${row}` : `rows0[${row}]`, kind });
    }
    // Now and then an array of objects of one shape ({ x, y, … }, plain), and one object.
    const objects: { name: string; keys: string[]; one: boolean }[] = [];
    for (const [name, one, p] of [
      ['objs0', false, 0.25],
      ['obj0', true, 0.12],
    ] as const) {
      if (r() >= p) continue;
      const keys = ['x', 'y', 'vx', 'm'].filter(() => r() < 0.6);
      if (!keys.length) keys.push('x');
      objects.push({ name, keys, one });
      names.push(name);
      params.push(`{${keys.join(',')}}${one ? '' : '[]'}` as ParamTypeName);
    }
    // Now and then a file-level table among its arrays, and string parameters.
    for (const t of tables) if (r() < 0.2) arrays.push(t);
    const strings: string[] = [];
    for (let k = 0, n = r() < 0.15 ? 1 + Math.floor(r() * 2) : 0; k < n; k++) {
      strings.push(`s${k}`);
      names.push(`s${k}`);
      params.push('string');
    }
    const nNumbers = Math.floor(r() * 3);
    const int32s: string[] = [];
    for (let k = 0; k < nNumbers; k++) {
      const name = `x${k}`;
      numbers.push(name);
      names.push(name);
      const type = pick(r, NUMBER_PARAMS);
      params.push(type);
      if (type === 'int32') int32s.push(name);
    }
    const locals = r() < 0.25 ? (r() < 0.3 ? 'result' : true) : false;
    const g = new Gen(r, numbers, arrays, r() < 0.3 ? 'helper' : undefined, int32s, consts.names, r() < 0.25, locals, objects, strings);
    if (state.length && r() < 0.25) g.useState(state.filter(() => r() < 0.7));
    g.prologue();
    if (locals === 'result') g.result = g.newArray(1);
    g.stmts(1, 2 + Math.floor(r() * 5));
    g.epilogue();
    const ret = g.result ? `  return ${g.result};` : r() < 0.85 ? `  return ${g.expr(3)};` : r() < 0.5 ? `  return ${g.cond(2)};` : '  return;';
    const name = `f${f}`;
    const body = `(${names.join(', ')}) {\n${rowVars}${g.text()}\n${ret}\n}`;
    const holder = r() < 0.2 ? pick(r, ['K', 'O'] as const) : undefined;
    if (holder) members[holder].push(`${holder === 'K' ? 'static ' : ''}${name}${body}`);
    else parts.push(`export function ${name}${body}`);
    functions.push({ name: holder ? `${holder}.${name}` : name, params });
  }
  if (members.K.length) parts.push(`export class K {\n${members.K.join('\n')}\n}`);
  if (members.O.length) parts.push(`export const O = {\n${members.O.join(',\n')},\n};`);
  parts.push(...consts.after);
  if (hostile && r() < 0.2) parts.push(pick(r, HOSTILE_LINES));
  return { source: parts.join('\n\n') + '\n', functions, dataTypes };
}

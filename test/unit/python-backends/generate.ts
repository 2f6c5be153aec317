// Random Python kernels in the shapes of lists and arrays built inside a function, for the differential fuzzer
// (fuzz.ts): each builds lists by `[x] * n`, comprehensions (with conditions, over enumerate(zip(…)) too), `[]` and
// `.append`, `list(range(…))`, `np.zeros` or parts joined with `+`, tables whose rows it names (`r, q = t[j], t[n]`)
// and writes through, reads, writes and swaps them, gives a list to a new name and its old name a new list, loops over enumerate(…) and zip(…) of them
// and ranges with targets that unpack, takes `sum`, `min`, `max` and `len` of lists and generators, reads and
// writes module-level lists and records holding lists (fresh for each call, sometimes sharing their lists), and
// returns a list, an array or a number. Ints may leave 64 bits and indices may fall outside; the compiled code must
// bail out exactly there. Deterministic for a seed.
import type { KernelCase } from './kernels';

/** A small seeded generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Kind = 'int' | 'float';

class Generator {
  private readonly r: () => number;
  private lists: { name: string; kind: Kind; grows: boolean }[] = [];
  private scalars: { name: string; kind: Kind }[] = [];
  private n = 0;

  constructor(seed: number) {
    this.r = random(seed);
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.r() * xs.length)]!;
  }

  private chance(p: number): boolean {
    return this.r() < p;
  }

  private fresh(prefix: string): string {
    return `${prefix}${this.n++}`;
  }

  /** A count for a list's length or a range: small, sometimes negative. */
  private count(): string {
    return this.pick(['n', '(n % 7)', 'len(xs)', 'len(ys)', '(n - 3)', '3', '0', '((n + 1) // 2)']);
  }

  /** An int expression of the loop variable `v` (an int) and the scalars so far. */
  private intExpr(v: string, depth = 0): string {
    const leaves = [v, String(this.pick([0, 1, 2, 3, 7, -1, -5, 1000003])), ...this.scalars.filter((s) => s.kind === 'int').map((s) => s.name)];
    if (depth > 1 || this.chance(0.35)) return this.pick(leaves);
    const a = this.intExpr(v, depth + 1);
    const b = this.intExpr(v, depth + 1);
    const op = this.pick(['+', '-', '*', '//', '%', '*']);
    // A divisor of 0 raises in Python; the compiled code bails out there (most divisors are kept from 0).
    return `(${a} ${op} ${op === '//' || op === '%' ? `(${b} if ${b} != 0 else 7)` : b})`;
  }

  /** A float expression of `v` (an int or a float). */
  private floatExpr(v: string, depth = 0): string {
    const leaves = [`${v} * 0.5`, `${v} + 1.5`, `${v} * -1.0`, '2.25', ...this.scalars.filter((s) => s.kind === 'float').map((s) => s.name)];
    if (depth > 1 || this.chance(0.4)) return this.pick(leaves);
    const a = this.floatExpr(v, depth + 1);
    const b = this.floatExpr(v, depth + 1);
    return this.pick([`(${a} + ${b})`, `(${a} * ${b})`, `(${a} - ${b})`, `math.sqrt(abs(${a}))`, `min(${a}, ${b})`, `max(${a}, ${b})`]);
  }

  private expr(kind: Kind, v: string): string {
    return kind === 'int' ? this.intExpr(v) : this.floatExpr(v);
  }

  /** Builds a new list (or a 1-D NumPy array); its statements. */
  private build(out: string[], pad: string): void {
    const name = this.fresh('l');
    const kind: Kind = this.chance(0.5) ? 'int' : 'float';
    let grows = false;
    switch (this.pick(['repeat', 'comprehension', 'append', 'range', 'over', 'numpy', 'zipped', 'joined', 'table'] as const)) {
      case 'joined': {
        // Parts written out and repeated, joined with + (a count may be 0 or negative).
        const v = (): string => (kind === 'int' ? this.intExpr('n') : this.floatExpr('n'));
        const fill = kind === 'int' ? this.pick(['0', '-1']) : this.pick(['0.0', '2.5']);
        const parts = this.pick([
          () => [`[${v()}]`, `[${fill}] * ${this.count()}`],
          () => [`[${fill}] * ${this.count()}`, `[${v()}, ${v()}]`],
          () => [`[${v()}]`, `${this.count()} * [${fill}]`, `[${v()}]`],
        ])();
        out.push(`${pad}${name} = ${parts.join(' + ')}`);
        break;
      }
      case 'table': {
        // A table built once, its rows held in names and written through them (and read back through the table).
        const t = this.fresh('t');
        const [r, q, j, k, x] = [this.fresh('r'), this.fresh('q'), this.fresh('j'), this.fresh('k'), this.fresh('x')];
        const zero = kind === 'int' ? '0' : '0.0';
        out.push(`${pad}${t} = [[${kind === 'int' ? '1' : '0.5'}] * ${this.count()} for _ in range(${this.count()})]`);
        out.push(`${pad}${name} = [${zero}] * len(${t})`);
        out.push(`${pad}for ${j} in range(len(${t})):`);
        out.push(`${pad}    ${r}, ${q} = ${t}[${j}], ${t}[${this.pick([`${j} - 1`, '0', `-${j} - 1`, `(${j} + n) % len(${t})`, 'n'])}]`);
        out.push(`${pad}    for ${k} in range(len(${r})):`);
        out.push(`${pad}        ${r}[${k}] = ${r}[${k}] + ${q}[${k}]${kind === 'int' ? ` * ${this.pick(['2', '3', '1000003'])}` : ' * 0.5'}`);
        out.push(`${pad}    for ${x} in ${q}:`, `${pad}        ${name}[${j}] += ${x}`);
        out.push(`${pad}    ${name}[${j}] += ${t}[${j}][0] if len(${r}) > 0 else ${zero}`);
        break;
      }
      case 'zipped': {
        if (!this.lists.length) return this.build(out, pad);
        const l = this.pick(this.lists.filter((m) => !this.numpy.has(m.name)).concat([{ name: 'ys', kind: 'int', grows: false }]));
        const p = this.partner();
        if (p.numpy) return this.build(out, pad);
        const both = l.kind === 'int' && p.kind === 'int';
        out.push(
          `${pad}${name} = [${both ? 'a * b - i' : 'float(a) * 0.5 - float(b) + i'} for i, (a, b) in enumerate(zip(${l.name}, ${p.text}))${this.chance(0.4) ? ' if a != b' : ''}]`,
        );
        this.lists.push({ name, kind: both ? 'int' : 'float', grows: true });
        return;
      }
      case 'repeat':
        out.push(`${pad}${name} = [${kind === 'int' ? this.pick(['0', '1', '-2']) : this.pick(['0.0', '1.5', '-0.0'])}] * ${this.count()}`);
        break;
      case 'comprehension': {
        const cond = this.chance(0.5) ? ` if i % ${this.pick([2, 3])} == ${this.pick([0, 1])}` : '';
        out.push(`${pad}${name} = [${this.expr(kind, 'i')} for i in range(${this.count()})${cond}]`);
        grows = true;
        break;
      }
      case 'append':
        out.push(`${pad}${name} = []`, `${pad}for i in range(${this.count()}):`, `${pad}    ${name}.append(${this.expr(kind, 'i')})`);
        grows = true;
        break;
      case 'range':
        out.push(`${pad}${name} = list(range(${this.pick(['0', '1', '-3'])}, ${this.count()}, ${this.pick(['1', '2', '-1', '3'])}))`);
        this.lists.push({ name, kind: 'int', grows: false });
        return;
      case 'over': {
        const src = kind === 'int' ? 'ys' : 'xs';
        out.push(`${pad}${name} = [${this.expr(kind, 'x')} for x in ${src}${this.chance(0.4) ? ' if x > 0' : ''}]`);
        grows = true;
        break;
      }
      case 'numpy':
        // A NumPy array: its elements are NumPy scalars, kept out of lists and Python arithmetic below.
        out.push(`${pad}${name} = np.zeros(${this.count()}${kind === 'int' ? ', dtype=np.int64' : ''})`);
        out.push(`${pad}for i in range(len(${name})):`, `${pad}    ${name}[i] = ${kind === 'int' ? this.intExpr('i') : this.floatExpr('i')}`);
        this.lists.push({ name, kind, grows: false });
        this.numpy.add(name);
        return;
    }
    this.lists.push({ name, kind, grows });
  }

  /** Names of the lists that are NumPy arrays. */
  private readonly numpy = new Set<string>();

  /** Reads the lists into scalars, writes them, swaps two. */
  private use(out: string[], pad: string): void {
    const lists = this.lists.filter((l) => !this.numpy.has(l.name));
    const l = this.pick(this.lists);
    const s = this.fresh('s');
    switch (this.pick(['sum', 'sumgen', 'best', 'index', 'write', 'append', 'swap', 'len', 'loop', 'loop', 'module', 'module', 'move'] as const)) {
      case 'move': {
        // The list taken by a new name, the old name given a new list at once (prev = cur; cur = [0] * n).
        if (this.numpy.has(l.name)) return;
        const kept = this.fresh('m');
        out.push(`${pad}${kept} = ${l.name}`, `${pad}${l.name} = [${l.kind === 'int' ? '0' : '0.0'}] * ${this.count()}`);
        this.lists.push({ name: kept, kind: l.kind, grows: l.grows });
        return;
      }
      case 'module':
        this.moduleData(s, out, pad);
        return;
      case 'loop':
        this.loop(l, s, out, pad);
        return;
      case 'sum':
        if (this.numpy.has(l.name)) return;
        out.push(`${pad}${s} = sum(${l.name})`);
        this.scalars.push({ name: s, kind: l.kind === 'int' ? 'int' : 'float' });
        return;
      case 'sumgen':
        if (this.numpy.has(l.name)) return;
        out.push(`${pad}${s} = sum(${this.expr(l.kind, 'v')} for v in ${l.name}${this.chance(0.3) ? ' if v != 0' : ''})`);
        // An empty float sum is the int 0: kept apart from the float scalars.
        if (l.kind === 'int') this.scalars.push({ name: s, kind: 'int' });
        else {
          out.push(`${pad}${s} = float(${s})`);
          this.scalars.push({ name: s, kind: 'float' });
        }
        return;
      case 'best':
        if (this.numpy.has(l.name)) return;
        out.push(`${pad}${s} = ${this.pick(['max', 'min'])}(${l.name}) if len(${l.name}) > 0 else ${l.kind === 'int' ? '0' : '0.0'}`);
        this.scalars.push({ name: s, kind: l.kind });
        return;
      case 'index':
        if (this.numpy.has(l.name)) return;
        out.push(`${pad}${s} = ${l.name}[${this.pick(['0', '-1', 'n', 'n % 5', '-n'])}] if len(${l.name}) > 3 else ${l.kind === 'int' ? '1' : '1.0'}`);
        this.scalars.push({ name: s, kind: l.kind });
        return;
      case 'write':
        out.push(`${pad}for i in range(len(${l.name})):`);
        out.push(
          `${pad}    ${l.name}[i] = ${
            this.numpy.has(l.name)
              ? `${l.name}[i] + ${l.kind === 'int' ? '1' : '0.5'}`
              : l.kind === 'int'
                ? `${l.name}[i] + ${this.intExpr('i')}`
                : `${l.name}[i] * 0.5 + ${this.floatExpr('i')}`
          }`,
        );
        return;
      case 'append':
        if (!l.grows) return;
        out.push(`${pad}${l.name}.append(${this.expr(l.kind, 'n')})`);
        return;
      case 'swap': {
        const other = lists.find((m) => m !== l && m.kind === l.kind && m.grows === l.grows && !this.numpy.has(l.name) && !this.numpy.has(m.name));
        if (!other) return;
        out.push(`${pad}${l.name}, ${other.name} = ${other.name}, ${l.name}`);
        return;
      }
      case 'len':
        out.push(`${pad}${s} = len(${l.name})`);
        this.scalars.push({ name: s, kind: 'int' });
        return;
    }
  }

  /** A second sequence to zip with: another list, a parameter or a range (the lengths often differ). */
  private partner(): { text: string; kind: Kind; numpy: boolean } {
    const other = this.pick(this.lists);
    return this.pick([
      { text: other.name, kind: other.kind, numpy: this.numpy.has(other.name) },
      { text: 'xs', kind: 'float' as Kind, numpy: false },
      { text: 'ys', kind: 'int' as Kind, numpy: false },
      { text: `range(${this.count()})`, kind: 'int' as Kind, numpy: false },
      { text: `range(${this.pick(['n', '5', '-2'])}, ${this.pick(['-4', '0', '9'])}, ${this.pick(['-2', '1', '3'])})`, kind: 'int' as Kind, numpy: false },
    ]);
  }

  /**
   * A loop over enumerate(…) or zip(…) with a target that unpacks: sums its elements into a new scalar and sometimes
   * writes the list it reads (Python's iterators see the writes).
   */
  private loop(l: { name: string; kind: Kind }, s: string, out: string[], pad: string): void {
    const p = this.partner();
    // Elements of a NumPy array are NumPy scalars: converted before Python arithmetic.
    const el = (v: string, kind: Kind, numpy: boolean) => (numpy ? `${kind}(${v})` : v);
    // Names of their own: the elements' types differ from loop to loop.
    const [na, nb] = [this.fresh('a'), this.fresh('b')];
    const a = el(na, l.kind, this.numpy.has(l.name));
    const b = el(nb, p.kind, p.numpy);
    const start = this.pick(['', '', ', 1', ', -3', ', start=n']);
    const shape = this.pick(['enumerate', 'zip', 'enumerate_zip'] as const);
    const header =
      shape === 'enumerate'
        ? `for i, ${na} in enumerate(${l.name}${start}):`
        : shape === 'zip'
          ? `for ${na}, ${nb} in zip(${l.name}, ${p.text}):`
          : `for i, (${na}, ${nb}) in enumerate(zip(${l.name}, ${p.text})${start}):`;
    const kind: Kind = l.kind === 'int' && (shape === 'enumerate' || p.kind === 'int') ? 'int' : 'float';
    const terms = [a, ...(shape !== 'enumerate' ? [b] : []), ...(shape !== 'zip' ? ['i'] : [])];
    out.push(`${pad}${s} = ${kind === 'int' ? '0' : '0.0'}`, `${pad}${header}`);
    out.push(
      kind === 'int'
        ? `${pad}    ${s} += ${terms.map((t, k) => (k === 0 ? `${t} * ${this.pick(['3', '1000003', '-1'])}` : t)).join(' - ')}`
        : `${pad}    ${s} += ${terms.map((t) => `float(${t})`).join(' * 0.5 + ')}`,
    );
    if (shape !== 'zip' && this.chance(0.4)) {
      const write = this.numpy.has(l.name) || l.kind === 'int' ? `${l.name}[i] = ${na} + 1` : `${l.name}[i] = ${na} * 0.5`;
      out.push(`${pad}    if i % 2 == 0 and i < len(${l.name}):`, `${pad}        ${write}`);
    }
    this.scalars.push({ name: s, kind });
  }

  /**
   * Reads and writes the module's data (MODULE_DATA: GX floats, GY ints, GR records of a list of floats and a float,
   * which may share their lists): a float sum into a new scalar, and sometimes a write through a record's list or into
   * GX / GY (ints may leave 64 bits).
   */
  private moduleData(s: string, out: string[], pad: string): void {
    const [p, w, a, b, k] = [this.fresh('p'), this.fresh('w'), this.fresh('a'), this.fresh('b'), this.fresh('k')];
    out.push(`${pad}${s} = 0.0`);
    switch (this.pick(['alias', 'unpack', 'gx', 'gy'] as const)) {
      case 'alias':
        out.push(`${pad}for (${p}, ${w}) in GR:`, `${pad}    ${s} += ${p}[0] * ${w} + len(${p})`);
        if (this.chance(0.6)) out.push(`${pad}    ${p}[${this.pick(['0', '-1', '1'])}] += ${w} * 0.5`);
        break;
      case 'unpack':
        // A list of another length than two bails out (Python raises ValueError).
        out.push(`${pad}for ([${a}, ${b}], ${w}) in GR:`, `${pad}    ${s} += ${a} - ${b} * ${w}`);
        break;
      case 'gx':
        out.push(`${pad}for ${k} in range(len(GX)):`, `${pad}    ${s} += GX[${k}]`);
        if (this.chance(0.6)) out.push(`${pad}    GX[${k}] = GX[${k}] * 0.5 + ${k}`);
        break;
      case 'gy':
        out.push(`${pad}for ${k} in range(len(GY)):`, `${pad}    ${s} += float(GY[${k}])`);
        if (this.chance(0.6)) out.push(`${pad}    GY[${k}] = GY[${k}] * ${this.pick(['3', '1000003', '-2'])} + n`);
        break;
    }
    this.scalars.push({ name: s, kind: 'float' });
  }

  /** One function: parameters n, xs (floats), ys (ints); lists built and used; a list, an array or a number returned. */
  kernel(name: string): string {
    this.lists = [];
    this.scalars = [];
    this.numpy.clear();
    const body: string[] = [];
    const steps = 2 + Math.floor(this.r() * 5);
    this.build(body, '    ');
    for (let i = 0; i < steps; i++) {
      if (this.chance(0.35)) this.build(body, '    ');
      else this.use(body, '    ');
    }
    const ret = this.chance(0.5) && this.lists.length ? `return ${this.pick(this.lists).name}` : this.scalarResult();
    body.push(`    ${ret}`);
    return [`def ${name}(n: int, xs: list[float], ys: list[int]):`, ...body].join('\n');
  }

  private scalarResult(): string {
    const ints = this.scalars.filter((s) => s.kind === 'int').map((s) => s.name);
    const floats = this.scalars.filter((s) => s.kind === 'float').map((s) => s.name);
    if (floats.length) return `return ${[...floats, ...ints].join(' + ')} + 0.0`;
    if (ints.length) return `return ${ints.join(' + ')}`;
    return `return len(${this.pick(this.lists).name})`;
  }
}

/** The module-level data the generated kernels read and write, and the reset each differential call starts from. */
const MODULE_DATA = `GX = [0.5, 1.5]
GY = [1, 2]
GR = [([0.0, 1.0], 2.0)]


def reset(gx, gy, gr, shared):
    global GX, GY, GR
    GX, GY = list(gx), list(gy)
    GR = [(list(p), w) for (p, w) in gr]
    if shared == 1 and len(GR) > 1:
        GR[1] = (GR[0][0], GR[1][1])
    if shared == 2 and GR:
        GX = GR[0][0]`;

/** `count` random kernels in one Python file's text, and the cases the differential runs for each. */
export function generateListKernels(seed: number, count: number, file: string): { source: string; cases: KernelCase[] } {
  const g = new Generator(seed);
  const names = Array.from({ length: count }, (_, i) => `gen_${seed}_${i}`);
  const source = [
    '"""Generated by test/unit/python-backends/generate.ts."""',
    'import math',
    '',
    'import numpy as np',
    '',
    MODULE_DATA,
    '',
    '',
    ...names.map((n) => `${g.kernel(n)}\n\n`),
  ].join('\n');
  const calls = '[(I(-4, 24), [F() for _ in range(I(0, 6))], [I(-50, 50) if rng.random() < 0.8 else I() for _ in range(I(0, 6))]) for _ in range(40)]';
  // Each call starts from fresh module data: records whose lists have 2 values (sometimes 1 or 3), an int among
  // floats now and then (the wrapper falls back), and lists shared between records or with GX.
  const reset =
    '([F() for _ in range(I(0, 5))], [I(-50, 50) if rng.random() < 0.9 else I() for _ in range(I(0, 5))], [(rng.choice([FL(2)] * 12 + [FL(1), FL(3), [1, 0.5]]), F()) for _ in range(I(0, 4))], rng.choice([0, 0, 1, 2]))';
  const globals = { GX: 'list[float]', GY: 'list[int]', GR: 'list[tuple[list[float], float]]' };
  return { source, cases: names.map((fn) => ({ id: fn, file, fn, calls, globals, reset })) };
}

// A method of a small class (`Particles.step`, `Vector.dot`) as the Python frontend lowers it: self's attributes
// become hidden arguments. The entry's AST is rewritten before lowering: `self.x` read is a name the wrapper reads
// from self at each call (a number, a list or an array, checked as an argument is), `self.vx` written (a number) is
// the one element of a cell the wrapper fills from self and writes back after a call that did not bail out
// (`_pl_self_vx[0]`), and a list or array attribute is that list or array, its elements written in place or copied
// back into the very object. Anything else done with self is refused with the construct and its line.
import type { PyAstExport, PyNode } from './frontend-py';
import { RefusalError, type Refusal } from './refusal';

/** What perf_lab_ast.py says of the class of a method (`PyAstExport.method`). */
export interface PyMethodInfo {
  class: string;
  method: string;
  /** The class statement's line, and its first line (its first decorator's). */
  line: number;
  start: number;
  /** What the class body binds: "def", "property" (a decorated def), "attribute", "slots", each with its line. */
  members: Record<string, { kind: string; line: number }>;
}

/** The prefix of the hidden arguments that stand for self's attributes. */
export const SELF_PREFIX = '_pl_self_';

/** The attribute a hidden argument stands for (`_pl_self_vx` → `vx`), or undefined. */
export function selfAttribute(name: string): string | undefined {
  return name.startsWith(SELF_PREFIX) ? name.slice(SELF_PREFIX.length) : undefined;
}

/** The rewritten entry and what the lowering needs to take the attributes as module-level data. */
export interface MethodLowering {
  ast: Extract<PyAstExport, { ok: true }>;
  /** The recorded types of the hidden names (cells as one-element lists), merged into the module data's. */
  globals: Record<string, string>;
  /** The recorded parameter types without self's. */
  params?: (string | undefined)[];
  /** Attributes written as numbers: their hidden arguments are cells. */
  cells: Set<string>;
}

function refuse(at: PyNode | undefined, construct: string, reason: string): RefusalError {
  return new RefusalError({ construct, line: at?.line ?? 1, column: at?.col ?? 1, reason });
}

const SCALARS = new Set(['int', 'float', 'bool']);

/**
 * The method's entry rewritten as a function of its other parameters (see the top of this file); `attrs` are the
 * recorded types of the attributes of self its code names.
 */
export function lowerMethod(
  ast: Extract<PyAstExport, { ok: true }>,
  info: PyMethodInfo,
  attrs: Record<string, string>,
  params: (string | undefined)[] | undefined,
): MethodLowering {
  const def = ast.functions[ast.entry]!;
  const qualified = `${info.class}.${info.method}`;
  if (nodes(def.decorator_list).length > 0)
    throw refuse(def, `def ${info.method}`, `${qualified} is decorated (a staticmethod, classmethod or other wrapper); the compiled code takes plain methods`);
  const args = node(def.args)!;
  const positional = nodes(args.args);
  if (nodes(args.posonlyargs).length > 0 || positional.length === 0)
    throw refuse(def, `def ${info.method}`, `${qualified} takes no self as its first plain parameter`);
  const self = String(positional[0]!.arg);
  const members = info.members;
  for (const special of ['__getattribute__', '__getattr__', '__setattr__', '__delattr__']) {
    const m = members[special];
    if (m)
      throw refuse(
        { _type: 'ClassDef', line: m.line, col: 1 },
        `${info.class}.${special}`,
        `${info.class} defines ${special}, so reading or writing its attributes runs Python code; the compiled method reads and writes plain attributes only`,
      );
  }
  // Which attributes are written as a whole (self.x = …, self.x += …).
  const stored = new Set<string>();
  const isSelfAttr = (x: PyNode): boolean => x._type === 'Attribute' && node(x.value)?._type === 'Name' && String(node(x.value)!.id) === self;
  walk(def.body, (x) => {
    if (isSelfAttr(x) && x.ctx === 'Store') stored.add(String(x.attr));
  });
  const cells = new Set<string>();
  const globals: Record<string, string> = {};
  const rewrite = (v: unknown, parent?: PyNode, field?: string): unknown => {
    if (Array.isArray(v)) return v.map((e) => rewrite(e, parent, field));
    const x = node(v);
    if (!x) return v;
    if (x._type === 'Name' && String(x.id) === self)
      throw refuse(
        x,
        self,
        x.ctx === 'Store'
          ? `${self} is assigned in ${qualified}; the compiled method keeps ${self} for the instance it was called on`
          : `${self} is used as a value (passed, returned, compared or iterated); the compiled method reads and writes ${self}'s number, list and array attributes only`,
      );
    if (isSelfAttr(x)) {
      const attr = String(x.attr);
      const shown = `${self}.${attr}`;
      const member = members[attr];
      const called = parent?._type === 'Call' && field === 'func';
      if (member?.kind === 'def' || member?.kind === 'property') {
        const what =
          member.kind === 'property'
            ? `a property of ${info.class} (a decorated def, line ${member.line}): Python code runs where it is read`
            : `a method of ${info.class} (line ${member.line})`;
        throw refuse(
          x,
          called ? `${shown}(…)` : shown,
          called
            ? `${shown}(…) calls ${what}, which the compiled method does not follow; compile a method that does the work itself, or make ${attr} a function of the file`
            : `${shown} is ${what}; the compiled method reads number, list and array attributes only`,
        );
      }
      if (called) throw refuse(x, `${shown}(…)`, `${shown}(…) calls an attribute of ${self}; the compiled method calls only the file's functions`);
      const t = attrs[attr];
      if (t === undefined) {
        if (x.ctx === 'Store')
          throw refuse(
            x,
            shown,
            `${shown} = … adds an attribute ${self} did not hold at any recorded call; the compiled method writes only the number attributes ${self} already holds`,
          );
        throw refuse(
          x,
          shown,
          `${shown}: no recorded call's ${self} held ${attr} as its own attribute${member ? ` (it is a class-level ${member.kind}, line ${member.line})` : ''}; the compiled method reads ${self}'s own number, list and array attributes`,
        );
      }
      if (x.ctx === 'Del') throw refuse(x, `del ${shown}`, `deleting an attribute of ${self} is outside the subset`);
      const name = SELF_PREFIX + attr;
      if (stored.has(attr)) {
        if (!SCALARS.has(t) || t === 'bool')
          throw refuse(
            x,
            shown,
            `${shown} holds ${t === 'bool' ? 'a bool' : `a ${t}`} and is assigned in ${qualified}; the compiled method assigns int and float attributes, and writes the elements of list and array attributes in place`,
          );
        cells.add(attr);
        globals[name] = `list[${t}]`;
        const at = { line: x.line, col: x.col };
        return {
          _type: 'Subscript',
          ...at,
          value: { _type: 'Name', ...at, id: name, ctx: 'Load' },
          slice: { _type: 'Constant', ...at, value: { int: '0' } },
          ctx: x.ctx,
        };
      }
      globals[name] = t;
      return { _type: 'Name', line: x.line, col: x.col, id: name, ctx: x.ctx };
    }
    const out: PyNode = { _type: x._type };
    for (const [k, e] of Object.entries(x)) if (k !== '_type') out[k] = typeof e === 'object' && e !== null ? rewrite(e, x, k) : e;
    return out;
  };
  const body = rewrite(def.body) as PyNode[];
  const entry: PyNode = { ...def, args: { ...args, args: positional.slice(1) }, body };
  return {
    ast: {
      ...ast,
      functions: { ...ast.functions, [ast.entry]: entry },
      globals: [...ast.globals, ...Object.keys(globals)],
      moduleValues: { ...(ast.moduleValues ?? {}), ...Object.fromEntries(Object.keys(globals).map((n) => [n, 'other'])) },
    },
    globals,
    ...(params ? { params: params.slice(1) } : {}),
    cells,
  };
}

/** A refusal whose text names the hidden arguments as the attributes they stand for (`self.vx`, not `_pl_self_vx[0]`). */
export function methodRefusal(r: Refusal, self: string): Refusal {
  const plain = (s: string): string => s.replace(new RegExp(`${SELF_PREFIX}(\\w+)(\\[0\\])?`, 'g'), (_, attr: string) => `${self}.${attr}`);
  return { ...r, construct: plain(r.construct), reason: plain(r.reason) };
}

function nodes(v: unknown): PyNode[] {
  return (Array.isArray(v) ? v : []) as PyNode[];
}

function node(v: unknown): PyNode | undefined {
  return v && typeof v === 'object' && '_type' in (v as object) ? (v as PyNode) : undefined;
}

function walk(v: unknown, visit: (x: PyNode) => void): void {
  if (Array.isArray(v)) return v.forEach((e) => walk(e, visit));
  const x = node(v);
  if (!x) return;
  visit(x);
  for (const [k, e] of Object.entries(x)) if (k !== '_type' && typeof e === 'object') walk(e, visit);
}

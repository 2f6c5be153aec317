// The argument checks every generated loader starts with (WebAssembly and native): each argument has the type
// the kernel was compiled for, arrays are short enough, and distinct typed-array views do not overlap. A failed
// check leaves the block labelled `fast` with `why` set, and the loader runs the original function.
import type { ArrayKind } from '../extension/compiler/ir';

/** An argument as both backends describe it (AbiParam and NativeAbiParam have this shape). */
export type GuardedParam = { kind: 'f64' | 'int32' | 'bool' } | { kind: 'array'; array: ArrayKind };

/** The guard: module-level declarations (before `bind`) and the checks (inside `fast: { … }`). */
export interface ArgumentGuard {
  decls: string[];
  lines: string[];
}

/**
 * Checks of arguments `p0…pN`, each line indented by `pad`. The overlap checks read each typed array's
 * `.buffer` (a getter that costs a call); they are skipped when the typed arrays are the very objects of the
 * last call that passed them, unless one of their buffers can be resized (a view's length then changes).
 */
export function emitArgumentGuard(params: readonly GuardedParam[], maxLength: number, pad: string): ArgumentGuard {
  const L: string[] = [];
  const decls: string[] = [];
  const fail = (why: string) => `{ why = ${why}; break fast; }`;
  params.forEach((p, i) => {
    const v = `p${i}`;
    if (p.kind === 'f64') L.push(`if (typeof ${v} !== 'number') ${fail(`'argument ${i + 1} is not a number'`)}`);
    if (p.kind === 'int32') L.push(`if (typeof ${v} !== 'number' || (${v} | 0) !== ${v} || (${v} === 0 && 1 / ${v} < 0)) ${fail(`'argument ${i + 1} is not an int32'`)}`);
    if (p.kind === 'bool') L.push(`if (typeof ${v} !== 'boolean') ${fail(`'argument ${i + 1} is not a boolean'`)}`);
    if (p.kind === 'array') {
      const test = p.array === 'Array' ? `!Array.isArray(${v}) || Object.getPrototypeOf(${v}) !== Array.prototype` : `Object.getPrototypeOf(${v}) !== ${p.array}.prototype`;
      L.push(`if (${v} === null || typeof ${v} !== 'object' || ${test}) ${fail(`'argument ${i + 1} is not a ${p.array}'`)}`);
      L.push(`if (${v}.length > 0x${maxLength.toString(16)}) ${fail(`'argument ${i + 1} is too long'`)}`);
    }
  });
  // The same array twice is one memory; distinct views sharing bytes are left to JavaScript (the compiled
  // code assumes distinct arrays never alias). A plain array and a typed array never share storage.
  const typed = params.map((p, i) => ({ p, i })).filter((x) => x.p.kind === 'array' && x.p.array !== 'Array').map((x) => x.i);
  if (typed.length > 1) {
    for (const i of typed) decls.push(`let seen${i} = null;`);
    L.push(`if (${typed.map((i) => `p${i} !== seen${i}`).join(' || ')}) {`);
    for (const i of typed) L.push(`  const b${i} = p${i}.buffer;`);
    for (let x = 0; x < typed.length; x++) {
      for (let y = x + 1; y < typed.length; y++) {
        const [a, b] = [typed[x]!, typed[y]!];
        L.push(
          `  if (b${a} === b${b} && p${a} !== p${b} && p${a}.byteOffset < p${b}.byteOffset + p${b}.byteLength && p${b}.byteOffset < p${a}.byteOffset + p${a}.byteLength) ${fail(`'arguments ${a + 1} and ${b + 1} overlap in memory'`)}`,
        );
      }
    }
    L.push(`  if (${typed.map((i) => `b${i}.resizable !== true && b${i}.growable !== true`).join(' && ')}) { ${typed.map((i) => `seen${i} = p${i};`).join(' ')} }`);
    L.push('}');
  }
  return { decls, lines: L.map((l) => pad + l) };
}

/**
 * The end both loaders share: the guard's declarations, `bind(original)` returning a function of `p0…pN` that
 * counts the call, runs the checks and `body` (indented inside `fast: { … }`, returning on success) and
 * otherwise records `why` (starting as `unavailable`) and calls the original; then the module's exports.
 */
export function emitBind(params: readonly GuardedParam[], maxLength: number, unavailable: string, body: readonly string[], esm: boolean): string[] {
  const names = params.map((_, i) => `p${i}`);
  const guard = emitArgumentGuard(params, maxLength, '      ');
  const L: string[] = [...guard.decls];
  L.push('function bind(original) {');
  L.push(`  return function (${names.join(', ')}) {`);
  L.push('    stats.calls++;');
  L.push(`    let why = '${unavailable}';`);
  L.push('    fast: if (exported !== null) {');
  L.push(...guard.lines);
  L.push(...body);
  L.push('    }');
  L.push('    stats.fallbacks++;');
  L.push('    stats.reason = why;');
  // (Not `apply(this, arguments)`: naming `arguments` can make every call allocate it.)
  L.push(`    return original.call(this${names.map((p) => `, ${p}`).join('')});`);
  L.push('  };');
  L.push('}');
  L.push(esm ? 'export { bind, stats, loadError };' : 'module.exports = { bind, stats, loadError };');
  return L;
}

// The checks every generated loader (WebAssembly and native) makes before it runs compiled code, and the
// built-ins it makes them with. The compiled code assumes more than the original function states: exact
// typed-array instances, plain arrays whose elements are writable data, globals (Math, Math.exp, Number) with
// their built-in meaning. Each assumption is checked on every call, at the cost of a few compares; when one
// fails the block labelled `fast` is left with `why` set, and the loader runs the original function instead.
//
// The loader never looks a built-in up while a call runs: what it uses (Object.getPrototypeOf, the typed-array
// getters, set, subarray, util.types.isProxy) is captured once when it loads, so a program that replaces one
// later changes nothing the loader relies on.
import { ARRAY_KINDS, GLOBAL_CONSTANTS, rowsDataKind, type AbiParam, type ArrayKind, type ConstantRead } from '../extension/abi';

/** The guard: module-level declarations (before `bind`) and the checks (inside `fast: { … }`). */
export interface ArgumentGuard {
  decls: string[];
  lines: string[];
}

/** A test, in the loader, that `x` is not exactly the number `v` (NaN is NaN, -0 is not +0); no built-in is called. */
function differsFrom(x: string, v: number): string {
  if (Number.isNaN(v)) return `${x} === ${x}`;
  if (v === 0) return `${x} !== 0 || 1 / ${x} !== ${Object.is(v, -0) ? '-Infinity' : 'Infinity'}`;
  return `${x} !== ${numberLiteral(v)}`;
}

/** A JavaScript literal that reads back as exactly `v`. */
function numberLiteral(v: number): string {
  return Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : String(v);
}

/**
 * The built-ins a loader uses, captured when it loads (`$`-prefixed consts), and `$builtin(f, name)`, true when
 * `f` is the engine's own function of that name. Goes first in every loader.
 */
export function emitIntrinsics(esm: boolean, kinds: readonly ArrayKind[]): string[] {
  const L: string[] = [];
  L.push(esm ? "import { types as $types } from 'node:util';" : "const $types = require('node:util').types;");
  L.push(esm ? "import { runInNewContext as $fresh } from 'node:vm';" : "const $fresh = require('node:vm').runInNewContext;");
  // Whether a function is the engine's own is asked of a fresh realm's Function.prototype.toString (and call),
  // which no code of the program can have replaced; each built-in is then used only if it passed.
  L.push(
    "const $pristine = $fresh('({ fnText: Function.prototype.call.bind(Function.prototype.toString), objectTag: Function.prototype.call.bind(Object.prototype.toString) })');",
  );
  L.push('const $fnText = $pristine.fnText;');
  L.push('const $objectTag = $pristine.objectTag;');
  L.push(
    "function $builtin(f, name) { try { return typeof f === 'function' && $fnText(f) === 'function ' + name + '() { [native code] }'; } catch (e) { return false; } }",
  );
  // A replaced getOwnPropertyDescriptor is never called: it then finds nothing (and $intrinsicProblem says why).
  L.push("const $ownDesc = $builtin(Object.getOwnPropertyDescriptor, 'getOwnPropertyDescriptor') ? Object.getOwnPropertyDescriptor : () => undefined;");
  L.push('const $TA = Object.getPrototypeOf(Int8Array.prototype);');
  L.push('const $getterOf = (o, k) => { const d = o && $ownDesc(o, k); return d && d.get; };');
  const checked: [string, string][] = [
    ['Array.isArray', 'isArray'],
    ['Object.getPrototypeOf', 'getPrototypeOf'],
    ['Object.getOwnPropertyDescriptor', 'getOwnPropertyDescriptor'],
    ['Object.keys', 'keys'],
    ['ArrayBuffer.isView', 'isView'],
    ['Function.prototype.call', 'call'],
    ['Function.prototype.bind', 'bind'],
    ['$types.isProxy', 'isProxy'],
    ["$getterOf($TA, 'length')", 'get length'],
    ["$getterOf($TA, 'buffer')", 'get buffer'],
    ["$getterOf($TA, 'byteOffset')", 'get byteOffset'],
    ["$getterOf($TA, 'byteLength')", 'get byteLength'],
    ['$TA.set', 'set'],
    ['$TA.subarray', 'subarray'],
    ['Set', 'Set'],
    ['Set.prototype.add', 'add'],
    ['Set.prototype.has', 'has'],
  ];
  // A program that replaced one of these before the loader loaded could mislead the checks: then the compiled
  // code never runs, and none of them is even called.
  L.push(
    `const $intrinsicProblem = ${checked
      .map(
        ([f, n]) =>
          `!$builtin(${f}, '${n}') ? '${f
            .replace(/\$types\./, 'util.types.')
            .replace(/\$getterOf\(\$TA, '(\w+)'\)/, 'the typed-array $1 getter')
            .replace(/^\$TA\./, 'TypedArray.prototype.')} is not the built-in function'`,
      )
      .join(' : ')} : null;`,
  );
  L.push('const $uncurry = $intrinsicProblem === null ? (f) => Function.prototype.call.bind(f) : () => () => undefined;');
  L.push('const $isProxy = $types.isProxy;');
  L.push("const $reflectApply = $fresh('Reflect.apply');");
  L.push('const $getProto = Object.getPrototypeOf;');
  L.push('const $keys = Object.keys;');
  L.push('const $ObjectProto = Object.prototype;');
  L.push('const $isArray = Array.isArray;');
  L.push('const $isView = ArrayBuffer.isView;');
  L.push('const $getter = (o, k) => { const g = $getterOf(o, k); return g ? $uncurry(g) : undefined; };');
  L.push("const $taLength = $getter($TA, 'length');");
  L.push("const $taBuffer = $getter($TA, 'buffer');");
  L.push("const $taByteOffset = $getter($TA, 'byteOffset');");
  L.push("const $taByteLength = $getter($TA, 'byteLength');");
  L.push('const $taSet = $uncurry($TA.set);');
  L.push('const $Set = Set;');
  L.push('const $setAdd = $uncurry(Set.prototype.add);');
  L.push('const $setHas = $uncurry(Set.prototype.has);');
  L.push('const $Int32Array = Int32Array;');
  L.push('const $taSubarray = $uncurry($TA.subarray);');
  L.push(
    "const $abResizable = $builtin($getterOf(ArrayBuffer.prototype, 'resizable'), 'get resizable') ? $getter(ArrayBuffer.prototype, 'resizable') : undefined;",
  );
  L.push(
    "const $sabGrowable = typeof SharedArrayBuffer === 'function' && $builtin($getterOf(SharedArrayBuffer.prototype, 'growable'), 'get growable') ? $getter(SharedArrayBuffer.prototype, 'growable') : undefined;",
  );
  // A Math function the compiled code calls (a module's import, an addon's call back): the built-in one, or an error.
  L.push(
    "function $builtinMath(name) { const f = Math[name]; if (!$builtin(f, name)) throw new Error('Math.' + name + ' is not the built-in function'); return f; }",
  );
  L.push('const $ArrayProto = Array.prototype;');
  // A prototype whose own constructor is a function of that name (a class's, or a constructor function's).
  L.push(
    "function $classNamed(pr, name) { if (pr === null || $isProxy(pr)) return false; const d = $ownDesc(pr, 'constructor'); if (d === undefined || typeof d.value !== 'function') return false; const n = $ownDesc(d.value, 'name'); return n !== undefined && n.value === name; }",
  );
  L.push('const $Float64Array = Float64Array;');
  for (const k of new Set(kinds)) {
    if (k === 'Array') continue;
    L.push(`const $${k}Proto = ${k}.prototype;`);
    if (k !== 'Float64Array' && k !== 'Int32Array') L.push(`const $${k} = ${k};`);
  }
  // A buffer whose size can change (a view's length then changes with it): resizable or growable. Without
  // a trustworthy getter a buffer counts as resizable, so its views are checked on every call.
  L.push(
    'function $fixedSize(b) { try { return $abResizable !== undefined && !$abResizable(b); } catch (e) { try { return $sabGrowable !== undefined && !$sabGrowable(b); } catch (e2) { return false; } } }',
  );
  return L;
}

/**
 * Checks of arguments `p0…pN`, each line indented by `pad`. The overlap checks read each typed array's buffer
 * (a getter that costs a call); they are skipped when the typed arrays are the very objects of the last call
 * that passed them, unless one of their buffers can be resized (a view's length then changes).
 */
export function emitArgumentGuard(params: readonly AbiParam[], maxLength: number, pad: string): ArgumentGuard {
  const L: string[] = [];
  const decls: string[] = [];
  const fail = (why: string) => `{ why = ${why}; break fast; }`;
  params.forEach((p, i) => {
    const v = `p${i}`;
    if (p.kind === 'f64') L.push(`if (typeof ${v} !== 'number') ${fail(`'argument ${i + 1} is not a number'`)}`);
    if (p.kind === 'int32')
      L.push(`if (typeof ${v} !== 'number' || (${v} | 0) !== ${v} || (${v} === 0 && 1 / ${v} < 0)) ${fail(`'argument ${i + 1} is not an int32'`)}`);
    if (p.kind === 'bool') L.push(`if (typeof ${v} !== 'boolean') ${fail(`'argument ${i + 1} is not a boolean'`)}`);
    if (p.kind === 'string') {
      // The string itself is `s<i>` (emitBind); the compiled code takes its code units, read through the built-in
      // charCodeAt (which the original calls too: a program that replaced it runs the original).
      L.push(`if (typeof s${i} !== 'string') ${fail(`'argument ${i + 1} is not a string'`)}`);
      L.push(`if (!$charCodeAtOk || $StringProto.charCodeAt !== $charCodeAt) ${fail(`'String.prototype.charCodeAt is not the built-in function'`)}`);
      L.push(`if (s${i}.length > 0x${maxLength.toString(16)}) ${fail(`'argument ${i + 1} is too long'`)}`);
      L.push(`const ${v} = $codeUnits(s${i});`);
    }
    if (p.kind === 'rows' || (p.kind === 'objects' && !p.one)) {
      // The rows, and the objects, are checked as they are copied in (emitRowsIn, emitObjectsIn).
      L.push(
        `if (${v} === null || typeof ${v} !== 'object' || $isProxy(${v}) || !$isArray(${v}) || $getProto(${v}) !== $ArrayProto) ${fail(`'argument ${i + 1} is not a plain Array'`)}`,
      );
      L.push(`if (${v}.length > 0x${maxLength.toString(16)}) ${fail(`'argument ${i + 1} is too long'`)}`);
    }
    if (p.kind === 'array') {
      if (p.array === 'Array') {
        // A Proxy is tested first: its traps are the program's code, and a revoked one throws on Array.isArray.
        // Each element is checked to be a writable data property when the loader copies it in.
        L.push(
          `if (${v} === null || typeof ${v} !== 'object' || $isProxy(${v}) || !$isArray(${v}) || $getProto(${v}) !== $ArrayProto) ${fail(`'argument ${i + 1} is not a plain Array'`)}`,
        );
        L.push(`if (${v}.length > 0x${maxLength.toString(16)}) ${fail(`'argument ${i + 1} is too long'`)}`);
      } else {
        // isView is false for a Proxy (it has no typed-array slots) without running any of its traps.
        L.push(
          `if (${v} === null || typeof ${v} !== 'object' || !$isView(${v}) || $getProto(${v}) !== $${p.array}Proto) ${fail(`'argument ${i + 1} is not a ${p.array}'`)}`,
        );
        // The length the original reads is the one the engine keeps (no own or redefined length property).
        L.push(`const n${i} = $taLength(${v});`);
        L.push(`if (n${i} > 0x${maxLength.toString(16)} || ${v}.length !== n${i}) ${fail(`'argument ${i + 1} is too long or has a length of its own'`)}`);
      }
    }
  });
  // A plain array and a typed array never share storage; typed arrays are checked for overlap (emitOverlapCheck).
  if (params.some((p) => p.kind === 'string')) {
    decls.push("const $StringProto = $getProto('');");
    decls.push('const $charCodeAt = $StringProto.charCodeAt;');
    decls.push("const $charCodeAtOk = $builtin($charCodeAt, 'charCodeAt') && $builtin($Uint16Array, 'Uint16Array');");
    decls.push('const $codeUnit = $uncurry($charCodeAt);');
    decls.push('function $codeUnits(s) { const n = s.length, u = new $Uint16Array(n); for (let i = 0; i < n; i++) u[i] = $codeUnit(s, i); return u; }');
  }
  // With objects holding typed arrays, the overlap check waits for their fields (emitObjectsIn).
  if (!params.some(holdsTypedArrays)) {
    const overlap = emitOverlapCheck(typedArguments(params));
    decls.push(...overlap.decls);
    L.push(...overlap.lines);
  }
  return { decls, lines: L.map((l) => pad + l) };
}

/** An object argument some of whose keys hold typed arrays (AbiParam 'objects' with `arrays`). */
function holdsTypedArrays(p: AbiParam): boolean {
  return p.kind === 'objects' && (p.arrays ?? []).some((a) => a !== null);
}

/** A typed array the compiled function takes as it is: its variable in the loader, a name for it, and its key. */
interface TypedOperand {
  v: string;
  what: string;
  id: string;
  /** An argument's number (1-based), not a key of an object. */
  arg?: number;
}

/** The typed-array arguments (`p<i>`). */
function typedArguments(params: readonly AbiParam[]): TypedOperand[] {
  return params.flatMap((p, i) => (p.kind === 'array' && p.array !== 'Array' ? [{ v: `p${i}`, what: `argument ${i + 1}`, id: `${i}`, arg: i + 1 }] : []));
}

/** The typed arrays object arguments' keys hold (`q<i>_<k>`, emitObjectsIn). */
function typedFields(params: readonly AbiParam[]): TypedOperand[] {
  return params.flatMap((p, i) =>
    p.kind === 'objects' && p.arrays
      ? p.keys.flatMap((k, j) => (p.arrays![j] ? [{ v: `q${i}_${j}`, what: `${p.self ? 'this' : `argument ${i + 1}`}.${k}`, id: `${i}_${j}` }] : []))
      : [],
  );
}

/**
 * The same typed array twice is one memory (the compiled code sees a write through one at the other); distinct views
 * sharing bytes are left to JavaScript (the compiled code assumes distinct arrays never alias): the original runs.
 * The check reads each typed array's buffer (a getter that costs a call); it is skipped when the typed arrays are the
 * very objects of the last call that passed them, unless one of their buffers can be resized (a view's length then
 * changes).
 */
function emitOverlapCheck(typed: readonly TypedOperand[]): ArgumentGuard {
  const L: string[] = [];
  const decls: string[] = [];
  if (typed.length < 2) return { decls, lines: L };
  const fail = (why: string) => `{ why = ${why}; break fast; }`;
  for (const t of typed) decls.push(`let seen${t.id} = null;`);
  L.push(`if (${typed.map((t) => `${t.v} !== seen${t.id}`).join(' || ')}) {`);
  for (const t of typed) L.push(`  const b${t.id} = $taBuffer(${t.v}), s${t.id} = $taByteOffset(${t.v}), e${t.id} = s${t.id} + $taByteLength(${t.v});`);
  for (let x = 0; x < typed.length; x++) {
    for (let y = x + 1; y < typed.length; y++) {
      const [a, b] = [typed[x]!, typed[y]!];
      const why = a.arg && b.arg ? `arguments ${a.arg} and ${b.arg} overlap in memory` : `${a.what} and ${b.what} overlap in memory`;
      L.push(`  if (b${a.id} === b${b.id} && ${a.v} !== ${b.v} && s${a.id} < e${b.id} && s${b.id} < e${a.id}) ${fail(`'${why}'`)}`);
    }
  }
  L.push(`  if (${typed.map((t) => `$fixedSize(b${t.id})`).join(' && ')}) { ${typed.map((t) => `seen${t.id} = ${t.v};`).join(' ')} }`);
  L.push('}');
  return { decls, lines: L };
}

/**
 * The check of the globals the source reads (`Math`, `Math.exp`, `Number`, the array constructors it calls and their
 * methods, `Array.prototype.push`; IrModule.globals): their values when the loader loads are checked once to be the
 * built-in ones, then on every call to be the same values still.
 */
export function emitGlobalsGuard(globals: readonly string[], pad: string): ArgumentGuard {
  const objects = ['Math', 'Number', ...ARRAY_KINDS].filter((g) => globals.includes(g));
  if (objects.length === 0) return { decls: [], lines: [] };
  const decls: string[] = [];
  const problems: string[] = [];
  const same: string[] = [];
  for (const g of objects) {
    decls.push(`const $env${g} = ${g};`);
    same.push(`${g} !== $env${g}`);
    if (g === 'Math' || g === 'Number') {
      problems.push(
        g === 'Math'
          ? "$objectTag($envMath) !== '[object Math]' ? 'Math is not the built-in Math object'"
          : "!$builtin($envNumber, 'Number') ? 'Number is not the built-in Number'",
      );
      const wrongConstant = Object.entries(GLOBAL_CONSTANTS[g])
        .map(([c, value]) => `!Object.is($env${g}.${c}, ${numberLiteral(value)})`)
        .join(' || ');
      problems.push(`${wrongConstant} ? 'a constant of ${g} is not the built-in one'`);
    } else problems.push(`!$builtin($env${g}, '${g}') ? '${g} is not the built-in ${g}'`);
    for (const name of globals) {
      if (!name.startsWith(`${g}.`)) continue;
      const prop = name.slice(g.length + 1);
      const local = `$env${g}_${prop.replace(/\./g, '_')}`;
      decls.push(`const ${local} = $env${g}.${prop};`);
      same.push(`$env${g}.${prop} !== ${local}`);
      problems.push(`!$builtin(${local}, '${prop.split('.').pop()}') ? '${name} is not the built-in function'`);
    }
  }
  decls.push(`const $envProblem = ${problems.join(' : ')} : null;`);
  const lines = [
    `if ($envProblem !== null) { why = $envProblem; break fast; }`,
    // Math first: a replaced Math is never read through.
    `if (${same.join(' || ')}) { why = 'a global it reads was replaced (${globals.join(', ')})'; break fast; }`,
  ];
  return { decls, lines: lines.map((l) => pad + l) };
}

/**
 * The end both loaders share: the guards' declarations, `bind(original, ready)` returning a function of
 * `p0…pN` that counts the call, runs the checks and `body` (indented inside `fast: { … }`, returning on success)
 * and otherwise records `why` (starting as `unavailable`) and calls the original; then the module's exports.
 * `ready`, when given, throws until every module binding the compiled code reads is initialised (a const read
 * before its declaration ran), and returns their values, in which each of `constants` must hold the number the
 * compiled code was built with (a var is undefined until then); once it has passed it is not called again.
 */
export function emitBind(
  params: readonly AbiParam[],
  globals: readonly string[],
  constants: readonly ConstantRead[],
  maxLength: number,
  unavailable: string,
  body: readonly string[],
  esm: boolean,
): string[] {
  // A string arrives as `s<i>`, which the fallback passes on; the guard makes its code units `p<i>`.
  const names = params.map((p, i) => (p.kind === 'string' ? `s${i}` : `p${i}`));
  const guard = emitArgumentGuard(params, maxLength, '      ');
  const env = emitGlobalsGuard(globals, '      ');
  const L: string[] = [...env.decls, ...guard.decls];
  L.push('function bind(original, ready) {');
  L.push("  let initialised = typeof ready !== 'function';");
  L.push(`  return function (${names.join(', ')}) {`);
  L.push('    stats.calls++;');
  L.push(`    let why = '${unavailable}';`);
  L.push('    fast: if (exported !== null) {');
  L.push('      if ($intrinsicProblem !== null) { why = $intrinsicProblem; break fast; }');
  // Until it has passed once: the bindings exist (ready does not throw) and the numbers hold their values.
  const differs = constants.map((c) => differsFrom(`v[${c.index}]`, c.value)).join(' || ');
  const check = constants.length
    ? ` if (${differs}) { why = 'a file-level number it reads does not hold its value yet (${constants.map((c) => c.name).join(', ')})'; break fast; }`
    : '';
  L.push(
    `      if (!initialised) { let v; try { v = ready(); } catch (e) { why = 'a binding it reads is not initialised yet'; break fast; }${check} initialised = true; }`,
  );
  L.push(...env.lines);
  L.push(...guard.lines);
  L.push(...body);
  L.push('    }');
  L.push('    stats.fallbacks++;');
  L.push('    stats.reason = why;');
  // A plain call: compiled functions never read `this`, and neither `original.call` nor `arguments` is looked up
  // (a program may have wrapped Function.prototype.call; naming `arguments` can make every call allocate it). A
  // method's object (AbiParam `self`, last) is its `this`, through a fresh realm's Reflect.apply, and not an argument:
  // the original gets exactly the arguments the rewritten method passed on. `apply` is that same Reflect.apply, for
  // the rewrite's own wrapper around the original (apply.ts dataCall), which must not call the program's.
  const last = params[params.length - 1];
  if (last?.kind === 'objects' && last.self) L.push(`    return $reflectApply(original, ${names[names.length - 1]}, [${names.slice(0, -1).join(', ')}]);`);
  else L.push(`    return original(${names.join(', ')});`);
  L.push('  };');
  L.push('}');
  L.push('const apply = $reflectApply;');
  L.push(esm ? 'export { bind, stats, loadError, apply };' : 'module.exports = { bind, stats, loadError, apply };');
  return L;
}

/**
 * The copy of plain-array element `i` of `v` into `x`, inside a loop in `fast: { … }`: each element must be a
 * data property holding a number (a getter would run once here but at every read in the original), and, when
 * the kernel writes the array, writable (a read-only or frozen element ignores the original's store).
 */
export function emitPlainElementRead(v: string, argument: number, written: boolean): string {
  const writable = written ? ' || d.writable !== true' : '';
  return (
    `const d = $ownDesc(${v}, i); if (d === undefined || d.get !== undefined || d.set !== undefined${writable}) { why = 'argument ${argument} has an element that is not ${written ? 'a writable' : 'a'} data property'; break fast; } ` +
    `const x = d.value; if (typeof x !== 'number') { why = 'argument ${argument} holds a value that is not a number'; break fast; }`
  );
}

/**
 * The three arrays each array of arrays (AbiParam 'rows', argument `p<i>`) is passed as, made inside `fast: { … }`:
 * `r<i>d` the rows' elements one after another, `r<i>s` each row's start in it, `r<i>l` its length, and `r<i>r` the
 * rows themselves (for the copy back). Each element of the outer array must be a data property holding a row of the
 * recorded kind: a typed array of that class with the engine's length, or a plain Array whose elements are (writable,
 * when the rows are written) data properties holding numbers. When the function writes any array, no row may be
 * another row or another argument, nor share a typed array's buffer with one (the compiled code would not see
 * one write through the other): the original runs instead.
 */
export function emitRowsIn(params: readonly AbiParam[], maxLength: number, pad: string): string[] {
  const L: string[] = [];
  const rows = params.map((p, i) => ({ p, i })).filter((x) => x.p.kind === 'rows');
  if (rows.length === 0) return L;
  const fail = (why: string) => `{ why = ${why}; break fast; }`;
  const written = params.some(
    (p) => ((p.kind === 'array' || p.kind === 'rows') && p.written) || (p.kind === 'objects' && p.keys.some((_, k) => p.arrays?.[k] && p.written[k])),
  );
  if (written) {
    // Every array argument's storage and every typed array an object's key holds (emitObjectsIn, which runs
    // first), then each row's: one seen twice is shared.
    L.push('const $seen = new $Set();');
    params.forEach((p, i) => {
      if (p.kind === 'array') L.push(`$setAdd($seen, ${p.array === 'Array' ? `p${i}` : `$taBuffer(p${i})`});`);
    });
    for (const t of typedFields(params)) L.push(`$setAdd($seen, $taBuffer(${t.v}));`);
  }
  for (const { p, i } of rows) {
    const row = (p as { row: ArrayKind }).row;
    const rowsWritten = (p as { written: boolean }).written;
    const v = `p${i}`;
    const a = i + 1;
    L.push(`const n${i} = ${v}.length, r${i}s = new $Int32Array(n${i}), r${i}l = new $Int32Array(n${i}), r${i}r = [];`);
    L.push(`let t${i} = 0;`);
    L.push(`for (let r = 0; r < n${i}; r++) {`);
    L.push(
      `  const d = $ownDesc(${v}, r); if (d === undefined || d.get !== undefined || d.set !== undefined) ${fail(`'argument ${a} has an element that is not a data property'`)}`,
    );
    L.push('  const row = d.value;');
    if (row === 'Array') {
      L.push(
        `  if (row === null || typeof row !== 'object' || $isProxy(row) || !$isArray(row) || $getProto(row) !== $ArrayProto) ${fail(`'argument ${a} has a row that is not a plain Array'`)}`,
      );
      L.push('  const m = row.length;');
    } else {
      L.push(
        `  if (row === null || typeof row !== 'object' || !$isView(row) || $getProto(row) !== $${row}Proto) ${fail(`'argument ${a} has a row that is not a ${row}'`)}`,
      );
      L.push(`  const m = $taLength(row); if (row.length !== m) ${fail(`'argument ${a} has a row with a length of its own'`)}`);
    }
    if (written) {
      const key = row === 'Array' ? 'row' : '$taBuffer(row)';
      L.push(
        `  const k = ${key}; if ($setHas($seen, k)) ${fail(`'argument ${a} has a row that is another row or argument, or shares its memory'`)} $setAdd($seen, k);`,
      );
    }
    L.push(`  r${i}s[r] = t${i}; r${i}l[r] = m; r${i}r[r] = row; t${i} += m;`);
    L.push(`  if (t${i} > 0x${maxLength.toString(16)}) ${fail(`'argument ${a} is too long'`)}`);
    L.push('}');
    L.push(`const r${i}d = new $${rowsDataKind(row)}(t${i});`);
    L.push(`for (let r = 0; r < n${i}; r++) {`);
    L.push(`  const row = r${i}r[r], b = r${i}s[r];`);
    if (row === 'Array') L.push(`  for (let i = 0, m = r${i}l[r]; i < m; i++) { ${emitPlainElementRead('row', a, rowsWritten)} r${i}d[b + i] = x; }`);
    else L.push(`  $taSet(r${i}d, row, b);`);
    L.push('}');
  }
  return L.map((l) => pad + l);
}

/**
 * The Float64Arrays each object or array of objects (AbiParam 'objects', argument `p<i>`) is passed as, made inside
 * `fast: { … }`: `q<i>_<k>` the values of key k, one per object, `n<i>` how many objects, and `c<i>` the objects
 * themselves (for the copy back). Each object must be a plain object, or an instance of the recorded class (its
 * prototype's own constructor a function of that name: the first such prototype seen, then that very one), not a
 * Proxy, with exactly the recorded keys as its own enumerable keys in the same order (a hidden class), each a data
 * property holding a number, writable where the function writes that field (a key that held a function, which the
 * function never uses, only a data property). When the function writes any field, an
 * object seen twice (in one array or in two arguments) runs the original: the compiled code would not see one write
 * through the other.
 */
export function emitObjectsIn(params: readonly AbiParam[], maxLength: number, pad: string): { decls: string[]; lines: string[] } {
  const L: string[] = [];
  const decls: string[] = [];
  const objects = params.map((p, i) => ({ p, i })).filter((x) => x.p.kind === 'objects');
  if (objects.length === 0) return { decls, lines: L };
  const fail = (why: string) => `{ why = ${why}; break fast; }`;
  const written = objects.some((x) => (x.p as { written: boolean[] }).written.some((w) => w));
  if (written) L.push('const $seenObjects = new $Set();');
  for (const { p, i } of objects) {
    const o = p as Extract<AbiParam, { kind: 'objects' }>;
    const a = i + 1;
    const v = `p${i}`;
    if (o.one) L.push(`const n${i} = 1;`);
    else {
      L.push(`const n${i} = ${v}.length;`);
      L.push(`if (n${i} > 0x${maxLength.toString(16)}) ${fail(`'argument ${a} is too long'`)}`);
    }
    // A key holding a typed array (one object: `arrays`) is passed as that very array, found in the loop.
    const typed = (k: number) => o.arrays?.[k] ?? null;
    L.push(`let ${o.keys.map((_, k) => `q${i}_${k} = ${typed(k) ? 'null' : `new $Float64Array(n${i})`}`).join(', ')}, c${i} = [];`);
    L.push(`for (let r = 0; r < n${i}; r++) {`);
    if (o.one) L.push(`  const o = ${v};`);
    else {
      L.push(
        `  const e = $ownDesc(${v}, r); if (e === undefined || e.get !== undefined || e.set !== undefined) ${fail(`'argument ${a} has an element that is not a data property'`)}`,
      );
      L.push('  const o = e.value;');
    }
    const what = o.one ? `argument ${a}` : `argument ${a} has an element that`;
    L.push(`  if (o === null || typeof o !== 'object' || $isProxy(o)) ${fail(`'${what} is not an object'`)}`);
    const proto = o.ctor ? `proto${i}` : undefined;
    if (proto) {
      // The class the recording saw, by name; then the very prototype first seen (a hidden-class check).
      decls.push(`let ${proto} = null;`);
      L.push('  const pr = $getProto(o);');
      L.push(
        `  if (pr !== $ObjectProto && pr !== ${proto}) { if (${proto} !== null || !$classNamed(pr, ${JSON.stringify(o.ctor)})) ${fail(`'${what} is not a plain object or a ${o.ctor}'`)} ${proto} = pr; }`,
      );
    } else L.push(`  if ($getProto(o) !== $ObjectProto) ${fail(`'${what} is not a plain object'`)}`);
    const own = o.ownKeys ?? o.keys;
    const keys = own.map((k, j) => `ks[${j}] !== ${JSON.stringify(k)}`).join(' || ');
    L.push(`  const ks = $keys(o); if (ks.length !== ${own.length} || ${keys}) ${fail(`'${what} does not have the keys ${own.join(', ')}'`)}`);
    // A key holding a method the function never uses: there, as a data property (a getter could run code).
    for (const k of own.filter((k) => !o.keys.includes(k)))
      L.push(
        `  { const d = $ownDesc(o, ${JSON.stringify(k)}); if (d === undefined || d.get !== undefined || d.set !== undefined) ${fail(`'${what} has a key ${k} that is not a data property'`)} }`,
      );
    o.keys.forEach((k, j) => {
      const kind = typed(j);
      if (kind) {
        // A data property (writable or not: the function never gives the key another value) holding a typed array
        // of the recorded kind, with the engine's length; isView is false for a Proxy, without running its traps.
        L.push(
          `  { const d = $ownDesc(o, ${JSON.stringify(k)}); if (d === undefined || d.get !== undefined || d.set !== undefined) ${fail(`'${what} has a field ${k} that is not a data property'`)} const x = d.value; if (x === null || typeof x !== 'object' || !$isView(x) || $getProto(x) !== $${kind}Proto) ${fail(`'${what} has a field ${k} that is not a ${kind}'`)} const m = $taLength(x); if (m > 0x${maxLength.toString(16)} || x.length !== m) ${fail(`'${what} has a field ${k} that is too long or has a length of its own'`)} q${i}_${j} = x; }`,
        );
        return;
      }
      const writable = o.written[j] ? ' || d.writable !== true' : '';
      L.push(
        `  { const d = $ownDesc(o, ${JSON.stringify(k)}); if (d === undefined || d.get !== undefined || d.set !== undefined${writable}) ${fail(`'${what} has a field ${k} that is not ${o.written[j] ? 'a writable' : 'a'} data property'`)} const x = d.value; if (typeof x !== 'number') ${fail(`'${what} has a field ${k} that is not a number'`)} q${i}_${j}[r] = x; }`,
      );
    });
    if (written) L.push(`  if ($setHas($seenObjects, o)) ${fail(`'${what} is an object seen twice'`)} $setAdd($seenObjects, o);`);
    L.push(`  c${i}[r] = o;`);
    L.push('}');
  }
  // The typed arrays the keys hold, with the typed-array arguments: one seen twice is one memory, views that
  // overlap run the original (emitOverlapCheck).
  if (objects.some((x) => holdsTypedArrays(x.p))) {
    const overlap = emitOverlapCheck([...typedArguments(params), ...typedFields(params)]);
    decls.push(...overlap.decls);
    L.push(...overlap.lines);
  }
  return { decls, lines: L.map((l) => pad + l) };
}

/** After a call that succeeded: each written field of each object gets its value back from `q<i>_<k>`. */
export function emitObjectsBack(params: readonly AbiParam[], pad: string): string[] {
  const L: string[] = [];
  params.forEach((p, i) => {
    if (p.kind !== 'objects' || !p.written.some((w) => w)) return;
    // A key holding a typed array is written in place, or copied back by the loader as an array argument is.
    const sets = p.keys.flatMap((k, j) => (p.written[j] && !p.arrays?.[j] ? [`o[${JSON.stringify(k)}] = q${i}_${j}[r];`] : []));
    if (sets.length === 0) return;
    L.push(`for (let r = 0; r < n${i}; r++) { const o = c${i}[r]; ${sets.join(' ')} }`);
  });
  return L.map((l) => pad + l);
}

/** After a call that succeeded: each row of a written array of arrays gets its elements back from `r<i>d`. */
export function emitRowsBack(params: readonly AbiParam[], pad: string): string[] {
  const L: string[] = [];
  params.forEach((p, i) => {
    if (p.kind !== 'rows' || !p.written) return;
    L.push(`for (let r = 0; r < n${i}; r++) {`);
    L.push(`  const row = r${i}r[r], b = r${i}s[r], m = r${i}l[r];`);
    if (p.row === 'Array') L.push(`  for (let i = 0; i < m; i++) row[i] = r${i}d[b + i];`);
    else L.push(`  $taSet(row, $taSubarray(r${i}d, b, b + m));`);
    L.push('}');
  });
  return L.map((l) => pad + l);
}

/**
 * An array of arrays the compiled code returned as one plain array `flat` (WasmAbi/NativeAbi resultRows: its number
 * of rows, each row's length, then the rows' elements): made into a plain Array of new plain Arrays and returned.
 */
export function emitRowsResult(flat: string, pad: string): string[] {
  return [
    `const nr = ${flat}[0], rows = [];`,
    `for (let i = 0, at = 1 + nr; i < nr; i++) { const m = ${flat}[1 + i], row = []; for (let j = 0; j < m; j++) row[j] = ${flat}[at++]; rows[i] = row; }`,
    'return rows;',
  ].map((l) => pad + l);
}

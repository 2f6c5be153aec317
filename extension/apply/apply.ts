// The apply stage: turns a proven candidate into files and one edit of the source. The target's artifact (the
// generated .wasm, a copy of the built .node) and its loader, as the target's registry entry writes them, go next to
// the source; the function keeps its name and signature but calls the compiled code, and the original body stays in
// the file, renamed, as the fallback the loader runs when the compiled code cannot.
// Every change sits on the function's first and last lines, so no line of the file moves.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type * as TS from 'typescript';
import type { JsCandidate } from '../compiler/compile';
import { loadTypeScript } from '../compiler/frontend-js';
import { enclosingFunctions, findJsFunction, identifierOf, type JsFunctionNode } from '../compiler/js-functions';
import { PerfLabError } from '../errors';
import type { TargetId } from '../protocol';
import type { Proof } from '../prove/prove';
import { allTargets, jsTarget } from '../targets';
import {
  binaryHash,
  checkGeneratedTargets,
  identityLine,
  withWasmIdentity,
  type GeneratedIdentity,
  type GeneratedKind,
  type GeneratedTarget,
} from './generated-file';

/** A replacement of `source.slice(start, end)` by `text` (UTF-16 offsets, as JavaScript strings and VS Code count). */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/** A file the plan creates (or overwrites) next to the source. */
export interface PlannedFile {
  path: string;
  contents: Uint8Array;
  /** What it is, for the summary and the editor's edit label ('module': a generated Python module or its built file). */
  role: 'wasm' | 'addon' | 'loader' | 'types' | 'module';
  /** How the file says it is Perf Lab's (generated-file.ts). */
  kind: GeneratedKind;
  /** The contents without the identity line, for a file several sources share (Cython's runtime header). */
  body?: Uint8Array;
  /** True when a Perf Lab file of this source is there now and is replaced; otherwise the file must not exist. */
  replaces: boolean;
}

/** What applying a candidate changes: files to create and edits of the source, checked against the source's hash. */
export interface ApplyPlan {
  /** The source file that is edited. */
  file: string;
  functionName: string;
  /** The name the original function keeps in the file, as the fallback. */
  fallbackName: string;
  /** The module format of the source, which the loader matches ('py' for a Python source). */
  format: 'esm' | 'cjs' | 'ts' | 'py';
  files: PlannedFile[];
  /** Edits of the source, not overlapping, in order. */
  textEdits: TextEdit[];
  /** The text the edits apply to, so that a changed file is noticed. */
  sourceHash: string;
  /** One paragraph for the user: what changes and how to undo it. */
  summary: string;
  /** The planned loader (or Python wrapper) that records the hashes of the built binaries beside it. */
  manifest?: string;
}

export interface ApplyRequest {
  /** Absolute path of the source file. */
  file: string;
  /** The source text the candidate was compiled from. */
  source: string;
  functionName: string;
  candidate: JsCandidate;
  /** The candidate's proof: only a proven candidate is applied. */
  proof: Proof;
  /** The source's module format; read from its extension, its syntax and the nearest package.json when omitted. */
  format?: 'esm' | 'cjs';
}

/** A short content hash (FNV-1a 64 over UTF-16 units), so plans carry no crypto dependency. */
export function textHash(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) h = BigInt.asUintN(64, (h ^ BigInt(text.charCodeAt(i))) * 0x100000001b3n);
  return h.toString(16).padStart(16, '0');
}

/** Applies edits to a text (they may come in any order; they must not overlap). */
export function applyTextEdits(source: string, edits: readonly TextEdit[]): string {
  let out = source;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/**
 * The names of the generated files: `<file name>.<function>.<artifact's extension>` (`.wasm`, `.node`; the target's
 * id when it has no artifact) and its loader beside it. The source's whole file name, extension included, keeps the
 * names of `k.js`, `k.mjs` and `k.ts` in one folder apart.
 */
export function generatedNames(
  file: string,
  functionName: string,
  format: ApplyPlan['format'],
  target: TargetId = 'wasm',
): { artifact: string; loader: string; types?: string } {
  const artifact = `${basename(file)}.${identifierOf(functionName)}.${jsTarget(target).artifact?.extension ?? target}`;
  if (format === 'ts') return { artifact, loader: `${artifact}.cjs`, types: `${artifact}.d.cts` };
  return { artifact, loader: `${artifact}.${format === 'esm' ? 'mjs' : 'cjs'}` };
}

/** The variable that caches the bound function in the source: `f$wasm` (an identifier whatever the target's id and the function's name). */
function cacheNameOf(functionName: string, target: TargetId): string {
  return `${identifierOf(functionName)}$${target.replace(/[^\w$]/g, '_')}`;
}

/** Nearest package.json's "type" field, which decides whether a .js file is an ES module. */
async function packageType(dir: string): Promise<string | undefined> {
  for (let d = dir; ; d = dirname(d)) {
    const text = await readFile(join(d, 'package.json'), 'utf8').catch(() => undefined);
    if (text !== undefined) {
      try {
        return (JSON.parse(text) as { type?: string }).type;
      } catch {
        return undefined;
      }
    }
    if (dirname(d) === d) return undefined;
  }
}

function isTypeScript(file: string): boolean {
  return /\.[cm]?tsx?$/i.test(file);
}

/** The module format of a JavaScript file as Node.js would load it: by extension, package.json, then syntax. */
export async function moduleFormatOf(ts: typeof TS, file: string, source: string): Promise<'esm' | 'cjs'> {
  const ext = extname(file).toLowerCase();
  if (ext === '.mjs' || ext === '.mts') return 'esm';
  if (ext === '.cjs' || ext === '.cts') return 'cjs';
  const type = await packageType(dirname(file));
  if (type === 'module') return 'esm';
  if (type === 'commonjs') return 'cjs';
  // No declared type: Node.js detects ES module syntax in the file itself.
  const sf = ts.createSourceFile(basename(file), source, ts.ScriptTarget.Latest, false, isTypeScript(file) ? ts.ScriptKind.TS : ts.ScriptKind.JS);
  const esm = sf.statements.some(
    (s) =>
      ts.isImportDeclaration(s) ||
      ts.isExportDeclaration(s) ||
      ts.isExportAssignment(s) ||
      (ts.canHaveModifiers(s) && ts.getModifiers(s)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)),
  );
  return esm ? 'esm' : 'cjs';
}

/** The declaration a TypeScript source needs to import the loader (a .d.cts beside the .cjs). */
export const LOADER_TYPES = `// Generated by Perf Lab: the types of the loader beside it.
/** Returns a function that behaves as \`original\`, running the compiled version when it can. */
export declare function bind<F extends (...args: never[]) => unknown>(original: F): F;
/** Calls through the bound function, those that fell back to the original, and the last fallback's reason. */
export declare const stats: { calls: number; fallbacks: number; reason: string };
/** Why the compiled code could not be loaded, or null. */
export declare const loadError: unknown;
/** A fresh realm's Reflect.apply, which the program cannot have replaced. */
export declare const apply: typeof Reflect.apply;
`;

/**
 * Plans the rewrite of `functionName` in `file` into a call of the compiled candidate. Refuses (PerfLabError) a
 * candidate whose proof failed, a function it cannot find, and a file that already holds the generated names.
 */
export async function planApply(req: ApplyRequest): Promise<ApplyPlan> {
  const { file, source, functionName, candidate, proof } = req;
  const entry = jsTarget(candidate.target);
  if (!proof.ok) {
    throw new PerfLabError(
      `${functionName} was not applied: its ${entry.name} version is not proven equal to the original${proof.reason ? ` (${proof.reason})` : ''}. Only a proven rewrite can be applied.`,
    );
  }
  if (proof.target !== undefined && proof.target !== candidate.target) {
    throw new PerfLabError(
      `${functionName} was not applied: the proof is of its ${jsTarget(proof.target).name} version, not of the ${entry.name} one. Optimize ${functionName} again.`,
    );
  }
  if (candidate.kernel.name !== functionName) {
    throw new PerfLabError(`The compiled candidate is for ${candidate.kernel.name}, not ${functionName}. Optimize ${functionName} again.`);
  }
  const ts = await loadTypeScript();
  const typed = isTypeScript(file);
  const jsFormat = req.format ?? (await moduleFormatOf(ts, file, source));
  const format: ApplyPlan['format'] = typed ? 'ts' : jsFormat;
  const names = generatedNames(file, functionName, format, candidate.target);

  const fallbackName = `${identifierOf(functionName)}$js`;
  const cacheName = cacheNameOf(functionName, candidate.target);
  const bindName = `${identifierOf(functionName)}$bind`;
  const applyName = `${identifierOf(functionName)}$apply`;
  checkSourceNames(file, source, functionName);
  const loaderSpec = `'./${names.loader.replace(/[\\']/g, (c) => `\\${c}`)}'`;
  // ES modules and TypeScript import the loader (imports are hoisted, so any position works); CommonJS requires it.
  // A method that uses this and assigns file-level variables calls its original through the loader's Reflect.apply.
  const self = candidate.kernel.self === true;
  const withApply = self && (candidate.kernel.moduleData ?? []).some((d) => d.cell);
  const importLine = format === 'cjs' ? '' : ` import { bind as ${bindName}${withApply ? `, apply as ${applyName}` : ''} } from ${loaderSpec};`;
  // The consts the compiled code reads are in their temporal dead zone until their declarations run: until then
  // reading one throws, and the loader runs the original (which throws where the program would). A var is undefined
  // until then: the loader compares the numbers it folded in with the values ready returns (IrModule.constants).
  const consts = candidate.kernel.constReads ?? [];
  const ready = consts.length ? `, () => [${consts.join(', ')}]` : ''; // reads them; no statement a linter would call unused
  const bindCall = (fn: string) => (format === 'cjs' ? `require(${loaderSpec}).bind(${fn}${ready})` : `${bindName}(${fn}${ready})`);

  const kind = typed ? (/x$/i.test(file) ? ts.ScriptKind.TSX : ts.ScriptKind.TS) : /x$/i.test(file) ? ts.ScriptKind.JSX : ts.ScriptKind.JS;
  const sf = ts.createSourceFile(basename(file), source, ts.ScriptTarget.Latest, true, kind);
  const edits = rewriteFunction(ts, sf, functionName, {
    fallbackName,
    cacheName,
    typed,
    importLine,
    bindCall,
    captures: candidate.kernel.captures ?? [],
    data: candidate.kernel.moduleData ?? [],
    self,
    applyCall: format === 'cjs' ? `require(${loaderSpec}).apply` : applyName,
  });

  const loaderFormat = format === 'esm' ? 'esm' : 'cjs';
  const dir = dirname(file);
  const kb = (n: number) => (n < 1024 ? `${n} bytes` : `${(n / 1024).toFixed(1)} KiB`);
  const built = await entry.loaderFiles(candidate, { format: loaderFormat, where: 'beside', artifactFile: names.artifact, functionName });
  const id: GeneratedIdentity = { source: basename(file), function: functionName, sourceHash: textHash(source) };
  const enc = new TextEncoder();
  const loaderPath = join(dir, names.loader);
  const planned: Omit<PlannedFile, 'replaces'>[] = [];
  let artifact: Uint8Array | undefined;
  if (entry.artifact && built.artifact) {
    // A .wasm names its source in a custom section; the loader records the hash of the binary it loads.
    artifact = entry.artifact.kind === 'wasm' ? withWasmIdentity(built.artifact, id) : built.artifact;
    planned.push({ path: join(dir, names.artifact), contents: artifact, role: entry.artifact.role, kind: entry.artifact.kind });
  }
  const artifacts = artifact ? { artifacts: { [names.artifact]: binaryHash(artifact) } } : {};
  planned.push({ path: loaderPath, contents: enc.encode(identityLine('//', { ...id, ...artifacts }) + built.loader), role: 'loader', kind: 'text' });
  if (names.types) planned.push({ path: join(dir, names.types), contents: enc.encode(identityLine('//', id) + LOADER_TYPES), role: 'types', kind: 'text' });
  const existing = await checkGeneratedTargets(file, functionName, planned, loaderPath);
  const files: PlannedFile[] = planned.map((f) => ({ ...f, replaces: existing.has(f.path) }));

  const summary =
    `${functionName} in ${basename(file)} now runs ${artifact ? `${names.artifact} (${kb(artifact.length)}) through ${names.loader}` : names.loader}; ` +
    `the original stays in the file as ${fallbackName} and runs whenever ${built.fallsBackWhen} or an argument does not fit the compiled signature. ` +
    `Proven on ${proof.cases} cases (${proof.recordedCases} recorded). No line of ${basename(file)} moves. Undo reverts the edit and removes the generated files.`;
  return { file, functionName, fallbackName, format, files, textEdits: edits, sourceHash: textHash(source), summary, manifest: loaderPath };
}

/** Refuses a source that already uses a name the rewrite adds (`f$js`, one per JavaScript target such as `f$wasm`, `f$bind`). */
function checkSourceNames(file: string, source: string, functionName: string): void {
  const targets = allTargets()
    .filter((t) => t.language === 'js')
    .map((t) => cacheNameOf(functionName, t.id));
  for (const taken of [`${identifierOf(functionName)}$js`, ...targets, `${identifierOf(functionName)}$bind`, `${identifierOf(functionName)}$apply`]) {
    if (new RegExp(`(^|[^\\w$])${taken.replace(/\$/g, '\\$')}(?![\\w$])`).test(source)) {
      throw new PerfLabError(
        `${basename(file)} already uses the name ${taken}: ${functionName} looks optimized already. Undo the earlier rewrite first, or rename ${taken}.`,
      );
    }
  }
}

/**
 * The checks apply makes that do not need a compiled candidate, run before recording so that a user learns at once:
 * the names the rewrite adds to the source, and the files it would write for each target (a file Perf Lab did not
 * write, or wrote from another source, is never overwritten). `source` is read from `file` when omitted. Throws a
 * PerfLabError that says what to do.
 */
export async function checkApplyClashes(req: { file: string; source?: string; functionName: string; targets: readonly TargetId[] }): Promise<void> {
  const { file, functionName } = req;
  // Without a readable file there is nothing to check; the recording says what is wrong with the path.
  const source = req.source ?? (await readFile(file, 'utf8').catch(() => undefined));
  if (source === undefined) return;
  checkSourceNames(file, source, functionName);
  const format: ApplyPlan['format'] = isTypeScript(file) ? 'ts' : await moduleFormatOf(await loadTypeScript(), file, source);
  const dir = dirname(file);
  for (const target of req.targets) {
    const names = generatedNames(file, functionName, format, target);
    const artifact = jsTarget(target).artifact;
    const targets: GeneratedTarget[] = [
      ...(artifact ? [{ path: join(dir, names.artifact), kind: artifact.kind }] : []),
      { path: join(dir, names.loader), kind: 'text' },
      ...(names.types ? [{ path: join(dir, names.types), kind: 'text' as const }] : []),
    ];
    await checkGeneratedTargets(file, functionName, targets, join(dir, names.loader));
  }
}

interface RewriteNames {
  fallbackName: string;
  cacheName: string;
  typed: boolean;
  importLine: string;
  bindCall: (fn: string) => string;
  /** A nested function's hidden parameters (Kernel.captures), passed after its own. */
  captures: string[];
  /** The file-level variables it uses (Kernel.moduleData), passed last. */
  data: { name: string; cell: boolean; lexical: boolean }[];
  /** A method that uses `this` (Kernel.self): its object is passed last. */
  self: boolean;
  /** The loader's Reflect.apply (a fresh realm's, not the program's), as the rewrite names it. */
  applyCall: string;
}

/**
 * The statements of the rewritten function's body (one to an element), which pass the file-level variables the
 * compiled code takes (Kernel.moduleData) after its parameters (`params`) and a closure's variables (`captures`):
 * each read where the function is (a let in its temporal dead zone passes undefined, which no argument check takes:
 * the original runs and throws where the program would), a variable the function assigns in a cell, a one-element
 * array whose element is written back to the variable after the call. `calling(fallback)` is the bound function;
 * with cells, `fallback` wraps the original so that it, too, takes the variables from their cells and leaves them
 * there: `open` goes before the original's text and `close` after it.
 */
function dataCall(n: RewriteNames, params: string[], calling: (fallback: { open: string; close: string }) => string): string[] {
  const local = (i: number) => `${n.fallbackName}$m${i}`;
  const result = `${n.fallbackName}$r`;
  const before: string[] = [];
  const after: string[] = [];
  const passed = n.data.map((d, i) => {
    const value = d.cell ? `[${d.name}]` : d.name;
    if (!d.cell && !d.lexical) return d.name;
    before.push(d.lexical ? `var ${local(i)}; try { ${local(i)} = ${value}; } catch (e) {}` : `var ${local(i)} = ${value};`);
    if (d.cell) after.push(d.lexical ? `if (${local(i)} !== undefined) ${d.name} = ${local(i)}[0];` : `${d.name} = ${local(i)}[0];`);
    return local(i);
  });
  const cells = n.data.flatMap((d, i) => (d.cell ? [{ d, i }] : []));
  let fallback = { open: '', close: '' };
  if (cells.length) {
    // The original, run by the loader with the same arguments: from the cells to the variables, and back.
    const own = params.map((_, k) => `${n.fallbackName}$a${k}`);
    // The loader passes a method's object as this, not as an argument (emitBind), and so does the wrapper.
    const hidden = [...n.captures, ...n.data].map((_, k) => `${n.fallbackName}$h${k}`);
    const cell = (i: number) => hidden[n.captures.length + i]!;
    const guard = (d: { lexical: boolean }, i: number, s: string) => (d.lexical ? `if (${cell(i)} !== undefined) ${s}` : s);
    const into = cells.map(({ d, i }) => guard(d, i, `${d.name} = ${cell(i)}[0];`)).join(' ');
    const out = cells.map(({ d, i }) => guard(d, i, `${cell(i)}[0] = ${d.name};`)).join(' ');
    fallback = {
      open: `function (${[...own, ...hidden].join(', ')}) { ${into} var ${result} = ${n.self ? `${n.applyCall}(` : '('}`,
      close: n.self ? `, this, [${own.join(', ')}]); ${out} return ${result}; }` : `)(${own.join(', ')}); ${out} return ${result}; }`,
    };
  }
  // A method that uses this (Kernel.self) passes its object last; the loader falls back on it as this.
  const call = `${calling(fallback)}(${[...params, ...n.captures, ...passed, ...(n.self ? ['this'] : [])].join(', ')})`;
  if (before.length === 0 && after.length === 0) return [`return ${call};`];
  return [...before, `var ${result} = ${call};`, ...after, `return ${result};`];
}

/** The edits that rename the original and add the function that calls the compiled code, on the same lines. */
function rewriteFunction(ts: typeof TS, sf: TS.SourceFile, functionName: string, n: RewriteNames): TextEdit[] {
  const refuse = (node: TS.Node, why: string) => {
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    return new PerfLabError(`${functionName} (line ${line}) cannot be rewritten: ${why}.`);
  };
  const paramsOf = (fn: TS.SignatureDeclarationBase) => {
    const params = fn.parameters.filter((p) => !(ts.isIdentifier(p.name) && p.name.text === 'this'));
    for (const p of params) {
      if (!ts.isIdentifier(p.name)) throw refuse(p, 'a destructured parameter has no name to pass on');
      if (p.dotDotDotToken) throw refuse(p, 'a rest parameter is not part of a compiled signature');
    }
    return { text: params.map((p) => p.getText(sf)).join(', '), names: params.map((p) => (p.name as TS.Identifier).text).join(', ') };
  };

  // A function bound to a variable, with file-level variables to pass: a function that passes them to the bound one.
  const dataFunction = (init: TS.ArrowFunction | TS.FunctionExpression): string => {
    const { text, names } = paramsOf(init);
    const call = dataCall(
      n,
      names ? names.split(', ') : [],
      (f) => `(${n.cacheName} || (${n.cacheName} = ${n.bindCall(`${f.open}${n.fallbackName}${f.close}`)}))`,
    );
    return `function (${text}) { ${call.join(' ')} }; var ${n.cacheName}${n.typed ? ': any' : ''}`;
  };
  for (const st of sf.statements) {
    if (ts.isFunctionDeclaration(st) && st.name?.text === functionName) {
      if (!st.body) continue; // an overload signature
      const mods = st.modifiers ?? [];
      if (st.asteriskToken || mods.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) throw refuse(st, 'async and generator functions are not compiled');
      const { text, names } = paramsOf(st);
      const typeParams = st.typeParameters ? `<${st.typeParameters.map((t) => t.getText(sf)).join(', ')}>` : '';
      const ret = st.type ? `: ${st.type.getText(sf)}` : '';
      // `function` is the first token after the modifiers, which stay with the new function (export, default).
      const keyword = st.getChildren(sf).find((c) => c.kind === ts.SyntaxKind.FunctionKeyword);
      if (!keyword) throw refuse(st, 'the function keyword was not found');
      const body = dataCall(
        n,
        names ? names.split(', ') : [],
        (f) => `(${n.cacheName} || (${n.cacheName} = ${n.bindCall(`${f.open}${n.fallbackName}${f.close}`)}))`,
      );
      // A var is hoisted, so calls that run before this line (the declaration is hoisted too) find it, unset. With
      // file-level variables the bound function takes more arguments than the original.
      const cacheType = n.data.length ? 'any' : `typeof ${n.fallbackName} | undefined`;
      const cache = n.typed ? `var ${n.cacheName}: ${cacheType};` : `var ${n.cacheName};`;
      const overloaded = sf.statements.some((o) => o !== st && ts.isFunctionDeclaration(o) && o.name?.text === functionName && !o.body);
      if (overloaded) {
        // Overload signatures must stay next to the implementation: the new function goes right before the original.
        const wrapper = `function ${functionName}${typeParams}(${text})${ret} { ${body.join(' ')} } `;
        return [
          { start: keyword.getStart(sf), end: keyword.getStart(sf), text: wrapper },
          { start: st.name.getStart(sf), end: st.name.end, text: n.fallbackName },
          { start: st.end, end: st.end, text: `${n.importLine} ${cache}` },
        ];
      }
      // The original keeps its lines under its new name; the function that calls the compiled code is written, as a
      // person would, after the file's last line (a declaration is hoisted, so it serves calls from anywhere), and the
      // modifiers (export, default) move to it. No line of the file moves; a few are added at its end.
      const modifiers = keyword.getStart(sf) > st.getStart(sf) ? sf.text.slice(st.getStart(sf), keyword.getStart(sf)) : '';
      const tail = sf.text.endsWith('\n') ? '' : '\n';
      const wrapper =
        `${tail}\n// ${functionName} runs compiled code when it can, and ${n.fallbackName} above otherwise (Perf Lab).\n` +
        (n.importLine ? `${n.importLine.trim()}\n` : '') +
        `${cache}\n` +
        `${modifiers}function ${functionName}${typeParams}(${text})${ret} {\n${body.map((s) => `  ${s}\n`).join('')}}\n`;
      return [
        ...(modifiers ? [{ start: st.getStart(sf), end: keyword.getStart(sf), text: '' }] : []),
        { start: st.name.getStart(sf), end: st.name.end, text: n.fallbackName },
        { start: sf.text.length, end: sf.text.length, text: wrapper },
      ];
    }
    if (ts.isVariableStatement(st)) {
      const decls = st.declarationList.declarations;
      const d = decls.find((x) => ts.isIdentifier(x.name) && x.name.text === functionName);
      if (!d) continue;
      const init = d.initializer;
      if (!init || !(ts.isArrowFunction(init) || ts.isFunctionExpression(init))) throw refuse(st, 'it is not bound to a function');
      if (decls.length > 1) throw refuse(st, 'declare it on its own (one function per const)');
      const flags = st.declarationList.flags;
      const keyword = flags & ts.NodeFlags.Const ? 'const' : flags & ts.NodeFlags.Let ? 'let' : 'var';
      const exportMod = st.modifiers?.find((m) => m.kind === ts.SyntaxKind.ExportKeyword);
      const edits: TextEdit[] = [{ start: d.name.getStart(sf), end: d.name.end, text: n.fallbackName }];
      // The export moves to the new binding; the original stays a private fallback.
      if (exportMod) edits.push({ start: exportMod.getStart(sf), end: st.declarationList.getStart(sf), text: '' });
      edits.push({
        start: st.end,
        end: st.end,
        text: `${n.importLine} ${exportMod ? 'export ' : ''}${keyword} ${functionName} = ${n.data.length ? dataFunction(init) : n.bindCall(n.fallbackName)};`,
      });
      return edits.sort((a, b) => a.start - b.start);
    }
  }
  const found = findJsFunction(ts, sf, functionName);
  if (found.ok && !found.fn.topLevel) return rewriteNested(ts, sf, found.fn.node, n, refuse);
  throw new PerfLabError(`${sf.fileName} has no top-level function named ${functionName} any more. Save the file and optimize again.`);
}

/**
 * A method or nested function keeps its place, its name and its parameters; its body becomes a call of the
 * compiled code with its parameters and the enclosing variables it reads, and the original body stays where it is,
 * inside the function expression the loader falls back to: `advance(dt) { return (c || (c = bind(function (dt)
 * {…original…})))(dt); }`. The bound function is cached in a var after the statement that holds the function; a
 * function nested in another reads that function's variables, so its statement must be one of that function's own
 * (each call of the enclosing function makes its own closure, and its own cache), not one inside a block or loop.
 */
function rewriteNested(
  ts: typeof TS,
  sf: TS.SourceFile,
  fn: JsFunctionNode,
  n: RewriteNames,
  refuse: (node: TS.Node, why: string) => PerfLabError,
): TextEdit[] {
  if (fn.asteriskToken || fn.modifiers?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) throw refuse(fn, 'async and generator functions are not compiled');
  const params = fn.parameters.filter((p) => !(ts.isIdentifier(p.name) && p.name.text === 'this'));
  for (const p of params)
    if (!ts.isIdentifier(p.name) || p.dotDotDotToken || p.initializer)
      throw refuse(p, 'a destructured, rest or default parameter is not part of a compiled signature');
  const body = fn.body!;
  // The statement that holds the function, in a list of statements (a block, a function's body, the file).
  let holder: TS.Node = fn;
  while (!ts.isSourceFile(holder.parent) && !ts.isBlock(holder.parent) && !ts.isModuleBlock(holder.parent) && !ts.isCaseClause(holder.parent))
    holder = holder.parent;
  const outer = enclosingFunctions(ts, fn)[0];
  if (outer && holder.parent !== outer.body) {
    throw refuse(
      holder,
      `it is declared inside a block or loop of its enclosing function, where one cached rewrite would serve several of its closures; declare it at the top of the function's body`,
    );
  }
  let topStatement: TS.Node = holder;
  while (!ts.isSourceFile(topStatement.parent)) topStatement = topStatement.parent;
  const self = ts.isFunctionExpression(fn) && fn.name ? ` ${fn.name.text}` : '';
  const original = `function${self}(${params.map((p) => p.getText(sf)).join(', ')}) `;
  // The bind call around the original's text, which stays where it is: `bind(` before it, `, ready)` after (and,
  // with file-level variables in cells, the wrapper that moves them, dataCall).
  const [bindOpen, bindClose] = n.bindCall('\u0000').split('\u0000') as [string, string];
  const call = dataCall(
    n,
    params.map((p) => (p.name as TS.Identifier).text),
    (f) => `(${n.cacheName} || (${n.cacheName} = ${bindOpen}${f.open}\u0000${f.close}${bindClose}))`,
  );
  const [callOpen, callClose] = call.join(' ').split('\u0000') as [string, string];
  const block = ts.isBlock(body);
  const edits: TextEdit[] = [
    { start: body.getStart(sf), end: body.getStart(sf), text: `{ ${callOpen}${original}${block ? '' : '{ return ('}` },
    { start: body.end, end: body.end, text: `${block ? '' : '); }'}${callClose} }` },
  ];
  // The cache (and the import, at the top level) after the holding statement; a function declaration ends where its body does.
  const cache = ` ${n.typed ? `var ${n.cacheName}: any;` : `var ${n.cacheName};`}`;
  const later = (at: number, text: string) => {
    const same = edits.find((e) => e.start === at);
    if (same) same.text += text;
    else edits.push({ start: at, end: at, text });
  };
  if (topStatement.end === holder.end) later(holder.end, `${n.importLine}${cache}`);
  else {
    later(holder.end, cache);
    later(topStatement.end, n.importLine);
  }
  return edits.filter((e) => e.text !== '').sort((a, b) => a.start - b.start);
}

/**
 * Writes a plan to disk (the command line's apply): the generated files, then the edited source. The files at the
 * generated paths are checked again (one may have appeared since the plan); a new file is created exclusively, and
 * the loader, which records the binaries' hashes, is written last.
 */
export async function writePlan(plan: ApplyPlan): Promise<void> {
  const source = await readFile(plan.file, 'utf8');
  if (textHash(source) !== plan.sourceHash) {
    throw new PerfLabError(`${basename(plan.file)} changed since ${plan.functionName} was compiled; nothing was written. Optimize it again.`);
  }
  const existing = await checkGeneratedTargets(plan.file, plan.functionName, plan.files, plan.manifest);
  const ordered = [...plan.files.filter((f) => f.path !== plan.manifest), ...plan.files.filter((f) => f.path === plan.manifest)];
  for (const f of ordered) {
    await writeFile(f.path, f.contents, { flag: existing.has(f.path) ? 'w' : 'wx' }).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
      throw new PerfLabError(
        `${basename(f.path)} appeared while ${plan.functionName} was being applied; Perf Lab never overwrites a file it did not write, so it was left as is. Move it away, then optimize ${plan.functionName} again.`,
      );
    });
  }
  const part = `${plan.file}.perf-lab.part`;
  await writeFile(part, applyTextEdits(source, plan.textEdits));
  await rename(part, plan.file);
}

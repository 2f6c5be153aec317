// The target registry: every target a function can be compiled to, one entry each. The optimize flow, the command
// line and the editor read it instead of branching on a target's name; a new target is a backend plus one entry here
// (docs/architecture.md, "Adding a target"). The names live in protocol.ts (TARGET_NAMES), which the webview reads too.
import { join } from 'node:path';
import type { OptIn } from '../native/opt-ins';
import type { Candidate, StageOptions } from './compiler/compile';
import type { PythonCandidate, PythonTarget } from './compiler/compile-python';
import type { Kernel } from './compiler/frontend-js';
import type { PythonKernel } from './compiler/compile-python';
import { TARGET_NAMES, type TargetId, type TargetNames } from './protocol';

/** The language of the functions a target compiles: it decides the recorder, the prover and the benchmark. */
export type Language = 'js' | 'python';

/** What every target's compile gets besides the kernel: cancellation, progress, and where its builds are cached. */
export interface TargetBuildContext extends StageOptions {
  /** The build cache of this target's language (`buildCacheDir`), shared by the command line and the editor. */
  cacheDir: string;
  /** The node executable (JavaScript targets): native addons are built for its version. */
  nodePath?: string;
  /** The interpreter's executable (Python targets). */
  python?: string;
  /** Native opt-ins (native/opt-ins.ts); none keeps results exact. */
  optIns?: OptIn[];
}

/** A JavaScript function's target: compiles a Kernel to a Candidate the prove and bench stages load. */
export interface JsTargetEntry extends TargetNames {
  id: Candidate['target'];
  language: 'js';
  compile(kernel: Kernel, ctx: TargetBuildContext): Promise<Candidate>;
  /** What was built, for the command line: `4,120 bytes`, or the addon's path and its build line. */
  built(candidate: Candidate, shown: (path: string) => string): string;
}

/** A Python function's target: compiles a PythonKernel to a PythonCandidate (the PythonBackend does the work). */
export interface PythonTargetEntry extends TargetNames {
  id: PythonTarget;
  language: 'python';
  compile(kernel: PythonKernel, ctx: TargetBuildContext): Promise<PythonCandidate>;
  built(candidate: PythonCandidate, shown: (path: string) => string): string;
}

export type TargetEntry = JsTargetEntry | PythonTargetEntry;

/**
 * The one rule for where builds are cached: `<store>/native` for JavaScript's targets (native addons), `<store>/python`
 * for Python's; `store` is the command line's --store or the editor's storage folder.
 */
export function buildCacheDir(store: string, language: Language): string {
  return join(store, language === 'python' ? 'python' : 'native');
}

function pythonEntry(id: PythonTarget): PythonTargetEntry {
  return {
    id,
    ...TARGET_NAMES[id],
    language: 'python',
    compile: async (kernel, ctx) => {
      if (!ctx.python) throw new Error(`the ${TARGET_NAMES[id].name} target needs the interpreter`);
      return (await import('./compiler/compile-python')).compilePython(kernel, id, { ...ctx, python: ctx.python });
    },
    built: (c, shown) => `${shown(join(c.dir, `${c.moduleName}.py`))} (${c.log[0]})`,
  };
}

const ENTRIES: TargetEntry[] = [
  {
    id: 'wasm',
    ...TARGET_NAMES.wasm,
    language: 'js',
    compile: async (kernel, ctx) => (await import('./compiler/compile')).compileKernel(kernel, ctx),
    built: (c) => `${c.target === 'wasm' ? c.wasm.length.toLocaleString('en-US') : '?'} bytes`,
  },
  {
    id: 'native',
    ...TARGET_NAMES.native,
    language: 'js',
    compile: async (kernel, ctx) =>
      (await import('./compiler/compile-native')).compileNative(kernel, {
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        ...(ctx.progress ? { progress: ctx.progress } : {}),
        cacheDir: ctx.cacheDir,
        nodePath: ctx.nodePath || 'node',
        ...(ctx.optIns ? { optIns: ctx.optIns } : {}),
      }),
    built: (c, shown) => (c.target === 'native' ? `${shown(c.addonPath)} (${c.log[0]})` : c.log[0] ?? ''),
  },
  pythonEntry('numba'),
  pythonEntry('cython'),
  pythonEntry('pybind11'),
];

/** Every registered target, in the order a side-by-side run lists them. */
export function allTargets(): readonly TargetEntry[] {
  return ENTRIES;
}

/** A target's entry; an id without one is a bug (ids come from TargetId). */
export function targetEntry(id: TargetId): TargetEntry {
  const e = ENTRIES.find((t) => t.id === id);
  if (!e) throw new Error(`no target "${id}" is registered`);
  return e;
}

/** A JavaScript target's entry. */
export function jsTarget(id: Candidate['target']): JsTargetEntry {
  return targetEntry(id) as JsTargetEntry;
}

/** A Python target's entry. */
export function pythonTarget(id: PythonTarget): PythonTargetEntry {
  return targetEntry(id) as PythonTargetEntry;
}

/** The targets of a language, in registry order. */
export function targetsOfLanguage(language: Language): TargetId[] {
  return ENTRIES.filter((t) => t.language === language).map((t) => t.id);
}

/** The language of a source file: Python for .py, JavaScript (or TypeScript) otherwise. */
export function languageOf(file: string): Language {
  return /\.py$/i.test(file) ? 'python' : 'js';
}

/** What a language's function is called in the benchmark and the advice (`keep JavaScript`). */
export function originalName(language: Language): 'JavaScript' | 'Python' {
  return language === 'python' ? 'Python' : 'JavaScript';
}

/**
 * The targets a choice names for a language: `auto` is every target of the language; one target's id is that target;
 * nothing (or another language's target) is the language's default, its first target (WebAssembly, Numba).
 */
export function targetsFor(language: Language, choice: string | undefined): TargetId[] {
  const own = targetsOfLanguage(language);
  if (choice === 'auto') return own;
  return own.includes(choice as TargetId) ? [choice as TargetId] : [own[0]!];
}

/** The targets in prose, as a refusal says what the function cannot be compiled to: `WebAssembly or native code`. */
export function targetsProse(ids: readonly TargetId[]): string {
  return ids.map((t) => TARGET_NAMES[t].prose).join(' or ');
}

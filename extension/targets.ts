// The target registry: every target a function can be compiled to, one entry each. The optimize flow, the command
// line and the editor read it instead of branching on a target's name; a new target is a backend plus one entry here
// (docs/architecture.md, "Adding a target"). The names live in protocol.ts (TARGET_NAMES), which the webview reads too.
import { join } from 'node:path';
import type { OptIn } from '../native/opt-ins';
import type { GeneratedKind } from './abi';
import type { JsCandidate, WasmCandidate } from './compiler/compile';
import type { StageOptions } from './progress';
import type { NativeCandidate } from './compiler/compile-native';
import type { PythonCandidate, PythonTarget } from './compiler/compile-python';
import type { Kernel } from './compiler/frontend-js';
import type { PythonKernel } from './compiler/compile-python';
import type { ParallelTarget, WorkCallee } from './compiler/backend-parallel';
import type { ParallelLoopPlan, ParallelResult } from './compiler/parallel-py';
import { formatRefusal, type Refusal } from './compiler/refusal';
import { PerfLabError } from './errors';
import { TARGET_NAMES, type Language, type TargetId, type TargetNames } from './protocol';

/** What every target's compile gets besides the kernel: cancellation, progress, and where its builds are cached. */
export interface TargetBuildContext extends StageOptions {
  /** The build cache of this target's language (`buildCacheDir`), shared by the command line and the editor. */
  cacheDir: string;
  /** The text of the source file the kernel was selected from. */
  source?: string;
  /** The node executable (JavaScript targets): native addons are built for its version. */
  nodePath?: string;
  /** The interpreter's executable (Python targets). */
  python?: string;
  /** Native opt-ins (native/opt-ins.ts); none keeps results exact. */
  optIns?: OptIn[];
  /** The local workers of a parallel target (perfLab.parallel.workers, --workers); its engine's default when absent. */
  workers?: number;
  /**
   * The file's functions one iteration of a parallel loop calls, compiled to Numba and proven for the tasks, or why
   * each stays Python (Python: languages/python-callees.ts); asked once per loop, shared by the engines.
   */
  workCallees?: (plan: ParallelLoopPlan, cacheDir: string) => Promise<WorkCallee[]>;
}

/** Where a candidate's loader is written, and in which module format. */
export interface LoaderPlace {
  format: 'esm' | 'cjs';
  /**
   * 'lab': the proof's or the benchmark's temporary folder (the loader may load its artifact from the build cache);
   * 'beside': next to the user's source (Apply), where the loader loads only files written beside it.
   */
  where: 'lab' | 'beside';
  /** The artifact's file name beside the loader, for a target that has one (`artifact`). */
  artifactFile: string;
  /** The function's name, for a message that says what to do. */
  functionName: string;
}

/** A candidate's loader: the module text and the artifact to write beside it. */
export interface LoaderFiles {
  /** An ES module or CommonJS text that exports `bind`, `stats` and `loadError` (the contract of wasm/load-kernel.ts). */
  loader: string;
  /** The bytes to write as `artifactFile` beside the loader; absent when the loader needs nothing there. */
  artifact?: Uint8Array;
  /** When the rewritten function runs the original instead, for Apply's summary: `WebAssembly cannot be loaded`. */
  fallsBackWhen: string;
}

/**
 * A JavaScript function's target: compiles a Kernel to a candidate, and says how the candidate is loaded, named and
 * costed, so that the prove, bench and apply stages and the break-even model read this entry instead of its id.
 */
export interface JsTargetEntry extends TargetNames {
  id: TargetId;
  language: 'js';
  compile(kernel: Kernel, ctx: TargetBuildContext): Promise<JsCandidate>;
  /** What was built, for the command line: `4,120 bytes`, or the addon's path and its build line. */
  built(candidate: JsCandidate, shown: (path: string) => string): string;
  /** What runs, in the proof's sentences: `WebAssembly code`. */
  code: string;
  /** What is loaded, in the proof's sentences: `WebAssembly module`. */
  module: string;
  /** How the benchmark's advice names the rewrite (`use WebAssembly: …`): `WebAssembly`, `the native addon`. */
  advice: string;
  /** How a call crosses into the compiled code, which decides its cost in the break-even model (bench/break-even.ts). */
  boundary: 'webassembly' | 'node-api' | 'javascript';
  /** The file the loader loads, written beside it (by Apply, and in the lab); absent when the loader is the whole rewrite. */
  artifact?: { extension: string; role: 'wasm' | 'addon'; kind: GeneratedKind };
  /** The loader and its artifact for one place. */
  loaderFiles(candidate: JsCandidate, place: LoaderPlace): Promise<LoaderFiles>;
}

/**
 * What Python's frontend selects (languages/python.ts): the function lowered for the compiled targets, its parallel
 * loop for the parallel ones, each asked for only when a target of its kind is, each a refusal when it does not qualify.
 */
export interface PythonSelection {
  kernel?: { ok: true; kernel: PythonKernel } | { ok: false; refusal: Refusal };
  loop?: ParallelResult;
}

/**
 * A Python function's target: compiles what the frontend selected to a PythonCandidate (a PythonBackend, or the
 * parallel backend for a parallel target).
 */
export interface PythonTargetEntry extends TargetNames {
  id: PythonTarget;
  language: 'python';
  /** Left out of `auto` (the parallel targets are asked for by name). */
  byNameOnly?: boolean;
  compile(selection: PythonSelection, ctx: TargetBuildContext): Promise<PythonCandidate>;
  built(candidate: PythonCandidate, shown: (path: string) => string): string;
}

export type TargetEntry = JsTargetEntry | PythonTargetEntry;

/** The selection's part a target needs, or a PerfLabError with the refusal (the target is then unavailable). */
function selected<T>(part: ({ ok: true } & T) | { ok: false; refusal: Refusal } | undefined, id: PythonTarget): T {
  if (!part) throw new Error(`nothing was selected for the ${TARGET_NAMES[id].name} target`);
  if (!part.ok) throw new PerfLabError(`${TARGET_NAMES[id].title} cannot run it: ${formatRefusal(part.refusal)}`);
  return part;
}

function pythonEntry(id: PythonTarget, byNameOnly = false): PythonTargetEntry {
  return {
    id,
    ...TARGET_NAMES[id],
    language: 'python',
    ...(byNameOnly ? { byNameOnly } : {}),
    compile: async (selection, ctx) => {
      if (!ctx.python) throw new Error(`the ${TARGET_NAMES[id].name} target needs the interpreter`);
      const { kernel } = selected(selection.kernel, id);
      return (await import('./compiler/compile-python')).compilePython(kernel, id, { ...ctx, python: ctx.python });
    },
    built: (c, shown) => `${shown(join(c.dir, `${c.moduleName}.py`))} (${c.log[0]})`,
  };
}

/** A parallel target: the function's parallel loop on an engine (compiler/backend-parallel.ts). */
function parallelEntry(id: ParallelTarget): PythonTargetEntry {
  return {
    id,
    ...TARGET_NAMES[id],
    language: 'python',
    byNameOnly: true,
    compile: async (selection, ctx) => {
      if (!ctx.python) throw new Error(`the ${TARGET_NAMES[id].name} target needs the interpreter`);
      const { plan } = selected(selection.loop, id);
      const callees = ctx.workCallees ? await ctx.workCallees(plan, ctx.cacheDir) : [];
      return (await import('./compiler/backend-parallel')).compileParallel(plan, id, {
        ...ctx,
        python: ctx.python,
        ...(ctx.workers ? { workers: ctx.workers } : {}),
        callees,
      });
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
    built: (c) => `${(c as WasmCandidate).wasm.length.toLocaleString('en-US')} bytes`,
    code: 'WebAssembly code',
    module: 'WebAssembly module',
    advice: 'WebAssembly',
    boundary: 'webassembly',
    artifact: { extension: 'wasm', role: 'wasm', kind: 'wasm' },
    loaderFiles: async (candidate, place) => {
      const c = candidate as WasmCandidate;
      const { emitLoader } = await import('../wasm/emit-loader');
      return {
        loader: emitLoader(c.abi, { format: place.format, wasm: { file: `./${place.artifactFile}` } }),
        artifact: c.wasm,
        fallsBackWhen: 'WebAssembly cannot be loaded',
      };
    },
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
    built: (c, shown) => `${shown((c as NativeCandidate).addonPath)} (${c.log[0]})`,
    code: 'native code',
    module: 'native addon',
    advice: 'the native addon',
    boundary: 'node-api',
    artifact: { extension: 'node', role: 'addon', kind: 'binary' },
    loaderFiles: async (candidate, place) => {
      const c = candidate as NativeCandidate;
      const { emitNativeLoader } = await import('../native/emit-native-loader');
      const built = c.node
        ? `${c.node.version.replace(/^v/, '')}, ${c.node.platform}-${c.node.arch}`
        : `${process.versions.node}, ${process.platform}-${process.arch}`;
      const fallsBackWhen = `the addon is missing or cannot be loaded by the running Node.js (built for Node.js ${built})`;
      // In the lab the loader requires the addon where the build cache keeps it; beside the source, a copy.
      if (place.where === 'lab') return { loader: emitNativeLoader(c.abi, { format: place.format, addon: c.addonPath }), fallsBackWhen };
      const { readFile } = await import('node:fs/promises');
      const artifact = await readFile(c.addonPath).catch((e: Error) => {
        throw new PerfLabError(`The native addon ${c.addonPath} is missing (${e.message}). Optimize ${place.functionName} again to rebuild it.`);
      });
      return { loader: emitNativeLoader(c.abi, { format: place.format, addon: `./${place.artifactFile}` }), artifact, fallsBackWhen };
    },
  },
  pythonEntry('numba'),
  pythonEntry('cython'),
  pythonEntry('pybind11'),
  // Numba with the loops proven independent on its threads: asked for by name, or as the parallel engine.
  pythonEntry('numba-parallel', true),
  // Cython with those loops on OpenMP's threads (prange): the same opt-in.
  pythonEntry('cython-parallel', true),
  parallelEntry('processes'),
  parallelEntry('ray'),
  parallelEntry('dask'),
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
export function jsTarget(id: TargetId): JsTargetEntry {
  return targetEntry(id) as JsTargetEntry;
}

/**
 * The test-only target "JavaScript copied verbatim" (compiler/backend-js-copy.ts): the function's own source behind a
 * loader, so that a test can run a target that needs no toolchain through the whole flow and Apply. Only a test calls
 * this; no setting, flag or environment variable reaches it.
 */
export function registerTestTarget(): void {
  if (ENTRIES.some((t) => t.id === JS_COPY.id)) return;
  ENTRIES.push(JS_COPY);
}

/** The test target's entry; its names are here, not in protocol.ts, as the webview never shows it. */
const JS_COPY: JsTargetEntry = {
  // Not a TargetId the protocol (and so the webview) knows: a test target only.
  id: 'js-copy' as TargetId,
  name: 'JavaScript copy' as TargetNames['name'],
  prose: 'a copy of the JavaScript',
  title: 'A copy of the JavaScript',
  language: 'js',
  compile: async (kernel, ctx) => {
    if (ctx.source === undefined) throw new Error('the js-copy target needs the source text');
    return (await import('./compiler/backend-js-copy')).compileJsCopy(kernel, ctx.source);
  },
  built: (c) => `${c.log[0]}`,
  code: 'copied JavaScript',
  module: 'copy of the JavaScript',
  advice: 'the copy of the JavaScript',
  boundary: 'javascript',
  loaderFiles: async (c, place) => ({
    loader: (await import('./compiler/backend-js-copy')).jsCopyLoader(c, place.format),
    fallsBackWhen: 'never (it is the original, copied)',
  }),
};

/** A Python target's entry. */
export function pythonTarget(id: PythonTarget): PythonTargetEntry {
  return targetEntry(id) as PythonTargetEntry;
}

/** The targets of a language, in registry order. */
export function targetsOfLanguage(language: Language): TargetId[] {
  return ENTRIES.filter((t) => t.language === language).map((t) => t.id);
}

/**
 * The targets a choice names for a language: `auto` is every target of the language but those asked for by name only
 * (the parallel ones), and the parallel engine `engine` (perfLab.parallel.engine, --engine) beside them when one is
 * named; one target's id is that target;
 * nothing (or another language's target) is the language's default, its first target (WebAssembly, Numba).
 */
export function targetsFor(language: Language, choice: string | undefined, engine?: string): TargetId[] {
  const own = targetsOfLanguage(language);
  if (choice === 'auto') {
    const byName = (t: TargetId) => (targetEntry(t) as PythonTargetEntry).byNameOnly === true;
    return own.filter((t) => !byName(t) || t === engine);
  }
  return own.includes(choice as TargetId) ? [choice as TargetId] : [own[0]!];
}

/** The engines a parallel target may be (`perfLab.parallel.engine`, `--engine`): the registry's parallel targets. */
export function parallelEngines(): TargetId[] {
  return ENTRIES.filter((t) => (t as PythonTargetEntry).byNameOnly === true).map((t) => t.id);
}

/** The targets in prose, as a refusal says what the function cannot be compiled to: `WebAssembly or native code`. */
export function targetsProse(ids: readonly TargetId[]): string {
  return ids.map((t) => TARGET_NAMES[t].prose).join(' or ');
}

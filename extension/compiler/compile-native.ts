// The compile stage for the native target: Kernel → C++ (backend-cpp) → a Node-API addon built offline
// (native/build-addon), as a candidate with the same calling convention as the WebAssembly one.
import { createHash } from 'node:crypto';
import { buildAddon, type AddonBuild, type AddonBuildOptions } from '../../native/build-addon';
import { normalizeOptIns, optInFlags, optInTolerance, type OptIn } from '../../native/opt-ins';
import type { Tolerance } from '../tolerance';
import { noProgress, throwIfCancelled, type StageOptions } from '../progress';
import type { NativeAbi } from '../abi';
import { emitAddonSource, emitCppKernel, type CppKernel } from './backend-cpp';
import type { Kernel } from './frontend-js';
import { analyzeParallel, describeParallel } from './parallel';
import { printIr } from './print-ir';

/** A native rewrite of a kernel: what the proof runs, the benchmark measures and `apply` writes. */
export interface NativeCandidate {
  target: 'native';
  kernel: Kernel;
  /** Printed IR (golden tests, the panel). */
  ir: string;
  /** The addon's whole C++ source. */
  cpp: string;
  abi: NativeAbi;
  /** The built addon and the generated source beside it in the build cache. */
  addonPath: string;
  sourcePath: string;
  flags: string[];
  /** The Node the addon was built for (the user's, which loads it). */
  node?: { version: string; modules: string; platform: string; arch: string };
  log: string[];
  /** The build-cache key (source, flags, compiler, Node version and ABI). */
  hash: string;
  /** The optimisation opt-ins it was built with (none: exact results). */
  optIns: OptIn[];
  /** The tolerance its proof compares within (native/opt-ins.ts); absent: bit for bit. */
  tolerance?: Tolerance;
}

export type NativeOptions = StageOptions & Omit<AddonBuildOptions, 'signal' | 'progress'> & { optIns?: OptIn[] };

/** Compiles one kernel to a native addon. Throws PerfLabError when no toolchain is found or the build fails. */
export async function compileNative(kernel: Kernel, opts: NativeOptions = {}): Promise<NativeCandidate> {
  const [c] = await compileNativeBatch([kernel], opts);
  return c!;
}

/** Compiles many kernels into one addon (one build instead of many); the candidates share its file. */
export async function compileNativeBatch(kernels: Kernel[], opts: NativeOptions = {}): Promise<NativeCandidate[]> {
  const progress = opts.progress ?? noProgress;
  progress({ message: 'Generating C++…' });
  const optIns = normalizeOptIns(opts.optIns);
  const threads = optIns.includes('threads');
  const parts: CppKernel[] = kernels.map((k, i) => emitCppKernel(k.ir, `k${i}_${k.name.replace(/[^A-Za-z0-9_]/g, '_')}`, { threads }));
  const cpp = emitAddonSource(parts);
  throwIfCancelled(opts.signal);
  const flags = opts.flags ?? optInFlags(optIns);
  const build: AddonBuild = await buildAddon(cpp, { ...opts, flags });
  const forNode = `Node ${build.node.version}, ABI ${build.node.modules}`;
  const log = [
    build.cached ? `cached addon ${build.key} (${build.builder}, ${forNode})` : `${build.builder} ${flags.join(' ')} for ${forNode}: built in ${build.ms} ms`,
  ];
  if (build.log.trim()) log.push(build.log.trim());
  const tolerance = optInTolerance(optIns);
  return kernels.map((kernel, i) => ({
    target: 'native',
    kernel,
    ir: printIr(kernel.ir),
    cpp,
    abi: parts[i]!.abi,
    addonPath: build.addonPath,
    sourcePath: build.sourcePath,
    flags,
    node: { version: build.node.version, modules: build.node.modules, platform: build.node.platform, arch: build.node.arch },
    log: threads ? [...log, describeParallel(analyzeParallel(kernel.ir))] : log,
    optIns,
    ...(tolerance ? { tolerance } : {}),
    hash: createHash('sha256').update(build.key).update(parts[i]!.abi.export).digest('hex').slice(0, 16),
  }));
}

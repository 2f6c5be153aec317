// Build driver for native kernels: C++ source → a `.node` addon, offline, in a cache keyed by the source, the
// flags and the Node it is built for (rebuilt only when one of them changes).
//
// Addons are built for the user's Node (`perfLab.nodePath`, `--node`), the one that loads them, never for the
// process running this code: in the editor that is the extension host, an Electron binary without Node's headers
// that cannot run node-gyp. That Node is asked once for its executable, version, ABI and install prefix; node-gyp 12
// runs with it and is pointed at its own headers (`--nodedir`), so it never downloads any. Where node-gyp cannot run
// (no make, no Python, or node-gyp not installed) the same flags go to the C++ compiler directly; both give the same
// addon.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { EXACT_FLAGS } from './opt-ins';
import { PerfLabError } from '../extension/errors';
import { noProgress, type ProgressSink } from '../extension/progress';
import { runTool } from './run-tool';

export type Builder = 'node-gyp' | 'direct';

export interface AddonBuildOptions {
  /** The Node that will load the addon (a name on PATH or a path); default `node`. */
  nodePath?: string;
  /** Where built addons are kept; default `$PERF_LAB_CACHE/native` or `~/.cache/perf-lab/native`. */
  cacheDir?: string;
  /** Compiler flags (the exact default: EXACT_FLAGS of opt-ins.ts). */
  flags?: string[];
  /** 'auto' uses node-gyp when make and Python are present, the compiler directly otherwise. */
  builder?: 'auto' | Builder;
  /** Environment for the build (CXX picks the compiler, PATH finds the tools); default `process.env`. */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  progress?: ProgressSink;
  /** Milliseconds a build may take; default 180 s. */
  timeoutMs?: number;
}

export interface AddonBuild {
  /** The built addon (load it with `require`). */
  addonPath: string;
  /** The generated C++ as compiled: shown with the log when a build fails. */
  sourcePath: string;
  /** True when the addon came from the cache. */
  cached: boolean;
  builder: Builder;
  flags: string[];
  /** Compiler output (empty on a cache hit). */
  log: string;
  ms: number;
  /** The cache key: hash of the source, flags, compiler and Node version/ABI. */
  key: string;
  /** The Node it was built for. */
  node: NodeRuntime;
}

/** What a build needs to know about the Node that will load the addon. */
export interface NodeRuntime {
  /** Its real executable. */
  execPath: string;
  /** `v20.19.2` */
  version: string;
  /** `process.versions.modules`: the ABI of addons it loads. */
  modules: string;
  /** `process.versions.napi`. */
  napi: string;
  arch: string;
  platform: string;
  /** `process.config.variables.node_prefix` ('' when it has none). */
  prefix: string;
}

export interface Toolchain {
  cxx: string;
  make?: string;
  python?: string;
  nodeGyp?: string;
}

/** Preprocessor settings every build uses (node-addon-api without C++ exceptions of its own). */
const DEFINES = ['NAPI_VERSION=8', 'NAPI_DISABLE_CPP_EXCEPTIONS', 'NODE_GYP_MODULE_NAME=kernel'];

const INSTALL_HINT =
  'Install a C++ toolchain to build native rewrites (Debian/Ubuntu: `sudo apt-get install g++ make python3`; ' +
  'Fedora: `sudo dnf install gcc-c++ make python3`; macOS: `xcode-select --install`), or set CXX to your compiler. ' +
  'WebAssembly rewrites do not need it and stay available.';

/** The default cache folder of built addons. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.PERF_LAB_CACHE ? join(env.PERF_LAB_CACHE, 'native') : join(homedir(), '.cache', 'perf-lab', 'native');
}

const RUNTIME_PROBE =
  'const c=process.config&&process.config.variables||{};console.log(JSON.stringify({execPath:process.execPath,version:process.version,' +
  'modules:process.versions.modules,napi:process.versions.napi||"",arch:process.arch,platform:process.platform,prefix:typeof c.node_prefix==="string"?c.node_prefix:""}))';

const runtimes = new Map<string, Promise<NodeRuntime>>();

/**
 * Asks a Node executable (a name on PATH or a path) what it is, in one small child process; the answer is cached per
 * path for the life of this process. Throws PerfLabError when it is missing or does not answer like Node.js.
 */
export function nodeRuntime(nodePath = 'node', env: NodeJS.ProcessEnv = process.env): Promise<NodeRuntime> {
  let found = runtimes.get(nodePath);
  if (!found) {
    found = probeRuntime(nodePath, env);
    runtimes.set(nodePath, found);
    // A failure is not kept: the user may install Node or fix the setting and try again.
    found.catch(() => runtimes.delete(nodePath));
  }
  return found;
}

function probeRuntime(nodePath: string, env: NodeJS.ProcessEnv): Promise<NodeRuntime> {
  return new Promise((resolvePromise, reject) => {
    execFile(nodePath, ['-e', RUNTIME_PROBE], { env, timeout: 30_000, windowsHide: true }, (err, stdout, stderr) => {
      const advice =
        'Native rewrites are built for the Node.js that runs your program: set perfLab.nodePath (--node on the command line) to the full path of its node executable. WebAssembly rewrites do not need it.';
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return reject(new PerfLabError(`Node.js was not found at "${nodePath}". ${advice}`));
        if (code === 'EACCES') return reject(new PerfLabError(`"${nodePath}" cannot be executed (permission denied). ${advice}`));
        return reject(
          new PerfLabError(`"${nodePath}" did not run as Node.js (${String(stderr).trim().split('\n').slice(0, 3).join(' ') || err.message}). ${advice}`),
        );
      }
      try {
        const r = JSON.parse(String(stdout).trim().split('\n').pop() ?? '') as NodeRuntime;
        if (typeof r.execPath !== 'string' || typeof r.version !== 'string' || typeof r.modules !== 'string') throw new Error('incomplete');
        resolvePromise(r);
      } catch {
        reject(new PerfLabError(`"${nodePath}" did not answer like Node.js. ${advice}`));
      }
    });
  });
}

/** What the running process would answer as its own runtime (tests, and callers that load the addon in-process). */
export function currentRuntime(): NodeRuntime {
  const prefix = (process.config as { variables?: { node_prefix?: unknown } }).variables?.node_prefix;
  return {
    execPath: process.execPath,
    version: process.version,
    modules: process.versions.modules,
    napi: process.versions.napi ?? '',
    arch: process.arch,
    platform: process.platform,
    prefix: typeof prefix === 'string' ? prefix : '',
  };
}

/**
 * The folder holding `include/node/node_api.h` for a Node (the running one by default): beside its executable
 * (official builds, Debian's /usr), or its configured install prefix. Never downloaded.
 */
export function nodeHeadersDir(runtime: NodeRuntime = currentRuntime()): string {
  const candidates = [resolve(dirname(runtime.execPath), '..'), ...(runtime.prefix ? [runtime.prefix] : [])];
  for (const dir of candidates) if (existsSync(join(dir, 'include', 'node', 'node_api.h'))) return dir;
  throw new PerfLabError(
    `Node's C headers were not found for ${runtime.execPath} (${runtime.version}; looked in ${candidates.map((d) => join(d, 'include', 'node')).join(', ')}). ` +
      'Install the Node development headers (Debian/Ubuntu: `sudo apt-get install libnode-dev`; official Node builds include them). ' +
      'WebAssembly rewrites do not need them.',
  );
}

/** node-addon-api's header folder (absolute). */
export function addonApiDir(): string {
  return dirname(require.resolve('node-addon-api/napi.h'));
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** A program's path: as given when it contains a slash, else looked up on PATH. */
export function findProgram(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (name.includes('/') || isAbsolute(name)) return isExecutable(name) ? name : undefined;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    if (isExecutable(p)) return p;
  }
  return undefined;
}

/** Finds the compiler (CXX, else g++ / c++ / clang++), make, Python and node-gyp; throws when no compiler. */
export function findToolchain(env: NodeJS.ProcessEnv = process.env): Toolchain {
  let cxx: string | undefined;
  if (env.CXX) {
    cxx = findProgram(env.CXX, env);
    if (!cxx) throw new PerfLabError(`The C++ compiler CXX=${env.CXX} was not found. ${INSTALL_HINT}`);
  } else {
    for (const c of ['g++', 'c++', 'clang++']) if ((cxx = findProgram(c, env))) break;
    if (!cxx) throw new PerfLabError(`No C++ compiler was found on PATH (looked for g++, c++, clang++). ${INSTALL_HINT}`);
  }
  const make = findProgram('make', env);
  const python = findProgram('python3', env) ?? findProgram('python', env);
  let nodeGyp: string | undefined;
  try {
    nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    nodeGyp = undefined;
  }
  return { cxx, ...(make ? { make } : {}), ...(python ? { python } : {}), ...(nodeGyp ? { nodeGyp } : {}) };
}

/** The cache key of a build: the source, flags, compiler and the Node it is built for. */
export function buildKey(source: string, flags: string[], cxx: string, node: NodeRuntime = currentRuntime()): string {
  const h = createHash('sha256');
  // Code for this CPU (the march-native opt-in) is only right for this CPU model.
  const cpu = flags.includes('-march=native') ? (cpus()[0]?.model ?? '') : '';
  h.update(
    JSON.stringify({
      source,
      flags,
      defines: DEFINES,
      cxx,
      node: node.version,
      execPath: node.execPath,
      modules: node.modules,
      napi: node.napi,
      arch: node.arch,
      platform: node.platform,
      ...(cpu ? { cpu } : {}),
    }),
  );
  return h.digest('hex').slice(0, 24);
}

/** Builds `source` into an addon, or returns the cached one. Throws PerfLabError with the compiler log on failure. */
export async function buildAddon(source: string, opts: AddonBuildOptions = {}): Promise<AddonBuild> {
  const started = Date.now();
  const env = opts.env ?? process.env;
  const progress = opts.progress ?? noProgress;
  const flags = opts.flags ?? EXACT_FLAGS;
  const tools = findToolchain(env);
  const node = await nodeRuntime(opts.nodePath || 'node', env);
  const key = buildKey(source, flags, tools.cxx, node);
  const dir = join(opts.cacheDir ?? defaultCacheDir(env), key);
  const addonPath = join(dir, 'kernel.node');
  const sourcePath = join(dir, 'kernel.cc');
  const viaGyp = opts.builder === 'node-gyp' || (opts.builder !== 'direct' && !!tools.make && !!tools.python && !!tools.nodeGyp);
  const builder: Builder = viaGyp ? 'node-gyp' : 'direct';
  if (existsSync(addonPath)) return { addonPath, sourcePath, cached: true, builder, flags, log: '', ms: Date.now() - started, key, node };

  mkdirSync(dir, { recursive: true });
  writeFileSync(sourcePath, source);
  const nodedir = nodeHeadersDir(node);
  // A private work folder: concurrent builds of the same key never see each other's half-written files.
  const work = mkdtempSync(join(dir, 'build-'));
  try {
    writeFileSync(join(work, 'kernel.cc'), source);
    let run: { cmd: string; args: string[] };
    let built: string;
    if (viaGyp) {
      if (!tools.nodeGyp) throw new PerfLabError(`node-gyp is not installed beside Perf Lab. ${INSTALL_HINT}`);
      if (!tools.make || !tools.python) throw new PerfLabError(`node-gyp needs ${!tools.make ? 'make' : 'Python 3'}, which was not found. ${INSTALL_HINT}`);
      writeFileSync(join(work, 'binding.gyp'), bindingGyp(flags));
      run = { cmd: node.execPath, args: [tools.nodeGyp, 'rebuild', '--release', `--nodedir=${nodedir}`, `--python=${tools.python}`] };
      built = join(work, 'build', 'Release', 'kernel.node');
    } else {
      built = join(work, 'kernel.node');
      run = { cmd: tools.cxx, args: directArgs(flags, nodedir, 'kernel.cc', built) };
    }
    progress({ message: `Building the native addon (${builder})…` });
    const res = await runTool(run.cmd, run.args, {
      cwd: work,
      env: { ...env, ...(viaGyp ? { CXX: tools.cxx } : {}) },
      timeoutMs: opts.timeoutMs ?? 180_000,
      hint: INSTALL_HINT,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    if (res.code !== 0 || !existsSync(built)) {
      writeFileSync(join(dir, 'build.log'), res.output);
      throw new PerfLabError(
        `The native addon did not build (${builder} exited with ${res.code}). Generated source: ${sourcePath}; log: ${join(dir, 'build.log')}.`,
        `${[run.cmd, ...run.args].join(' ')}\n${res.output}`,
      );
    }
    const staged = join(work, 'staged.node');
    copyFileSync(built, staged);
    renameSync(staged, addonPath);
    return { addonPath, sourcePath, cached: false, builder, flags, log: res.output, ms: Date.now() - started, key, node };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Arguments for building with the compiler directly: the same flags and defines as the node-gyp build. */
export function directArgs(flags: string[], nodedir: string, source: string, out: string): string[] {
  const args = [
    ...flags,
    '-std=gnu++17',
    '-fPIC',
    '-shared',
    '-fexceptions',
    '-pthread',
    ...DEFINES.map((d) => `-D${d}`),
    `-I${join(nodedir, 'include', 'node')}`,
    `-I${addonApiDir()}`,
    source,
    '-o',
    out,
  ];
  if (process.platform === 'darwin') args.push('-undefined', 'dynamic_lookup');
  return args;
}

function bindingGyp(flags: string[]): string {
  const target = {
    target_name: 'kernel',
    sources: ['kernel.cc'],
    include_dirs: [addonApiDir()],
    defines: DEFINES.filter((d) => !d.startsWith('NODE_GYP_MODULE_NAME')),
    cflags: flags,
    // OpenMP (the threads opt-in) is linked as well as compiled.
    ldflags: flags.filter((f) => f === '-fopenmp'),
    'cflags!': ['-fno-exceptions'],
    'cflags_cc!': ['-fno-exceptions'],
    cflags_cc: ['-fexceptions'],
    xcode_settings: { GCC_ENABLE_CPP_EXCEPTIONS: 'YES', OTHER_CFLAGS: flags },
  };
  return JSON.stringify({ targets: [target] }, null, 2) + '\n';
}

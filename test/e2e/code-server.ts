// Installs a pinned code-server into a git-ignored cache folder and starts throwaway instances of it.
// `node --import tsx test/e2e/code-server.ts` installs it ahead of a test run (the tests do it too when needed).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { arch, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The last code-server release that installs on Node 20 (VS Code 1.100.3). */
export const CODE_SERVER_VERSION = '4.100.3';

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where code-server is installed, outside the project's node_modules so that `npm ci` stays light. */
export const CODE_SERVER_HOME = join(ROOT, '.cache', 'code-server', CODE_SERVER_VERSION);

const ENTRY = join(CODE_SERVER_HOME, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const MARKER = join(CODE_SERVER_HOME, '.installed');

/**
 * Packages of code-server 4.100.3 (from its npm-shrinkwrap.json files) whose install scripts must run, pinned so that
 * no other version is ever allowed by accident. The outer install runs code-server's postinstall (which installs VS
 * Code's own dependencies with nested `npm install`s) and argon2's build; VS Code's dependencies build native modules
 * and fetch ripgrep.
 */
const OUTER_SCRIPTS = [`code-server@${CODE_SERVER_VERSION}`, 'argon2@0.31.2'];
const VSCODE_SCRIPTS = [
  '@parcel/watcher@2.5.1',
  '@vscode/deviceid@0.1.1',
  '@vscode/ripgrep@1.15.11',
  '@vscode/spdlog@0.15.1',
  '@vscode/windows-process-tree@0.6.0',
  '@vscode/windows-registry@1.1.0',
  'kerberos@2.1.1',
  'native-watchdog@1.4.2',
  'node-pty@1.1.0-beta33',
];

/** @vscode/ripgrep 1.15.11 (pinned by code-server's shrinkwrap) looks for this archive before downloading one. */
const RIPGREP_PACKAGE_VERSION = '1.15.11';
const RIPGREP_RELEASE = 'v13.0.0-10';

function log(message: string): void {
  process.stderr.write(`[code-server] ${message}\n`);
}

function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = join(dir, command);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; quiet?: boolean } = {}): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', options.quiet ? 'ignore' : 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit code ${code}`})`));
    });
  });
}

/**
 * The version in what `code-server --version` printed (`4.100.3 <commit> with Code 1.100.3`): the first line that
 * starts with one, since a code-server that finds no config file first says that it wrote one.
 */
export function parseCodeServerVersion(output: string): string | undefined {
  return /^(\d+\.\d+\.\d+)(?:\s|$)/m.exec(output)?.[1];
}

/** Why the cached code-server cannot be used, or undefined when it answers `--version` with the pinned version. */
export function codeServerProblem(home?: string): string | undefined {
  if (!existsSync(MARKER) || !existsSync(ENTRY)) return 'not installed';
  // Its config and data folders are the install's own, so that asking for the version writes nothing under HOME.
  const dir = join(CODE_SERVER_HOME, 'version-check');
  for (const sub of ['ud', 'ext', 'tmp', 'xdg/config', 'xdg/data', 'xdg/cache']) mkdirSync(join(dir, sub), { recursive: true });
  const r = spawnSync(process.execPath, [ENTRY, ...serverArgs(dir), '--version'], { encoding: 'utf8', timeout: 30_000, env: serverEnv(dir, home) });
  const version = r.status === 0 ? parseCodeServerVersion(r.stdout) : undefined;
  if (version === CODE_SERVER_VERSION) return undefined;
  if (version) return `\`code-server --version\` says ${version}, not ${CODE_SERVER_VERSION}`;
  return `\`code-server --version\` gave ${r.error ?? r.signal ?? `exit code ${r.status}`}: ${r.stdout}${r.stderr}`;
}

function ripgrepTarget(): string {
  switch (arch()) {
    case 'x64':
      return 'x86_64-unknown-linux-musl';
    case 'arm64':
      return 'aarch64-unknown-linux-musl';
    default:
      throw new Error(`No ripgrep archive name known for the CPU architecture ${arch()}.`);
  }
}

/**
 * Installs code-server unless a working copy is already cached. Installs into a staging folder first and renames it
 * into place, so that an interrupted install is never mistaken for a finished one.
 */
export async function ensureCodeServer(home?: string): Promise<void> {
  if (codeServerProblem(home) === undefined) return;
  if (process.platform !== 'linux') throw new Error('The end-to-end tests install code-server on Linux only.');
  const rg = which('rg');
  if (!rg) throw new Error('ripgrep is missing: install it (apt-get install -y ripgrep) and run again.');
  const npm = which('npm');
  if (!npm) throw new Error('npm is not on PATH.');

  const started = Date.now();
  log(`installing code-server@${CODE_SERVER_VERSION} into ${CODE_SERVER_HOME} …`);
  const staging = `${CODE_SERVER_HOME}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  const tmp = join(staging, 'tmp');
  const rgCache = join(tmp, `vscode-ripgrep-cache-${RIPGREP_PACKAGE_VERSION}`);
  await mkdir(rgCache, { recursive: true });

  // @vscode/ripgrep's postinstall downloads from GitHub; an archive with the system's rg at its root satisfies it.
  const rgReal = spawnSync('readlink', ['-f', rg], { encoding: 'utf8' }).stdout.trim() || rg;
  await run('tar', [
    '-czf',
    join(rgCache, `ripgrep-${RIPGREP_RELEASE}-${ripgrepTarget()}.tar.gz`),
    '-C',
    dirname(rgReal),
    '--transform',
    's,.*,rg,',
    '--',
    rgReal.split('/').pop()!,
  ]);

  // npm exports every effective setting to the environment of install scripts, and rejects `allow-scripts` from the
  // environment in a project-scoped install; code-server's postinstall runs nested `npm install`s in lib/vscode and
  // lib/vscode/extensions. So: the outer allow list lives in package.json (not exported), the packages are unpacked
  // without scripts, the nested lists go into project .npmrc files there, and then the scripts run.
  await writeFile(
    join(staging, 'package.json'),
    `${JSON.stringify({ name: 'perf-lab-code-server', private: true, dependencies: { 'code-server': CODE_SERVER_VERSION }, allowScripts: Object.fromEntries(OUTER_SCRIPTS.map((p) => [p, true])) }, null, 2)}\n`,
  );

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // node-pty's postinstall runs `npx node-gyp`, which a `yes=false` config cancels.
    npm_config_yes: 'true',
    // code-server's postinstall refuses to run as root unless npm passes this on.
    npm_config_unsafe_perm: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    TMPDIR: tmp,
  };
  // Native modules build against the running Node's own headers (/usr/include/node for Debian's /usr/bin/node)
  // instead of downloading them, which fails here.
  const nodeDir = resolve(dirname(process.execPath), '..');
  if (existsSync(join(nodeDir, 'include', 'node', 'node.h'))) env.npm_config_nodedir = nodeDir;
  delete env.npm_config_allow_scripts;
  await run(npm, ['install', '--ignore-scripts', '--loglevel=error'], { cwd: staging, env });
  const codeServerDir = join(staging, 'node_modules', 'code-server');
  for (const sub of ['lib/vscode', 'lib/vscode/extensions']) {
    await writeFile(join(codeServerDir, sub, '.npmrc'), `allow-scripts=${VSCODE_SCRIPTS.join(',')}\n`);
  }
  await run(npm, ['rebuild', '--loglevel=error'], { cwd: staging, env });

  await rm(tmp, { recursive: true, force: true });
  const stagedEntry = join(staging, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  const vscode = join(staging, 'node_modules', 'code-server', 'lib', 'vscode', 'node_modules');
  for (const p of [stagedEntry, join(vscode, '@vscode', 'ripgrep', 'bin', 'rg'), join(vscode, 'node-pty', 'build', 'Release', 'pty.node')]) {
    if (!existsSync(p)) throw new Error(`code-server's install finished without ${p}; see the npm output above.`);
  }
  await writeFile(join(staging, '.installed'), `${CODE_SERVER_VERSION}\n`);
  await rm(CODE_SERVER_HOME, { recursive: true, force: true });
  await rename(staging, CODE_SERVER_HOME);
  const problem = codeServerProblem(home);
  if (problem) throw new Error(`code-server was installed into ${CODE_SERVER_HOME} but is not usable: ${problem}`);
  log(`installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePromise(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A running code-server and the throwaway folders it uses. */
export interface CodeServer {
  url: string;
  port: number;
  /** The throwaway folder holding its settings, extensions, logs and caches. */
  dir: string;
  userDataDir: string;
  logFile: string;
  process: ChildProcess;
  /** Stops it (its whole process group, extension hosts included); safe to call twice. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Extensions (.vsix files) to install before starting. */
  vsix?: string[];
  /** Leave workspace trust on, so that the folder opens untrusted. */
  workspaceTrust?: boolean;
  /** Settings written into the user settings file. */
  settings?: Record<string, unknown>;
  /** HOME for code-server and all it runs (the test that checks that none of it writes there); the caller's by default. */
  home?: string;
}

/** Process groups of the code-servers this process started and has not stopped yet. */
const running = new Set<number>();

function killRunning(): void {
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  running.clear();
}

// code-server runs in its own process group (so that stop() reaches its extension hosts), which also means it would
// outlive a test process that is interrupted or crashes: end those groups on the way out.
process.once('exit', killRunning);
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const) {
  process.once(signal, () => {
    killRunning();
    process.exit(code);
  });
}

/** code-server's config file, settings and extensions, all in `dir` (else it reads and writes them under HOME). */
function serverArgs(dir: string): string[] {
  return ['--config', join(dir, 'cs.yaml'), '--user-data-dir', join(dir, 'ud'), '--extensions-dir', join(dir, 'ext')];
}

/** The environment of a code-server whose other folders (data, caches, temporary files) are in `dir`. */
function serverEnv(dir: string, home?: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...(home === undefined ? {} : { HOME: home }),
    XDG_CONFIG_HOME: join(dir, 'xdg', 'config'),
    XDG_DATA_HOME: join(dir, 'xdg', 'data'),
    XDG_CACHE_HOME: join(dir, 'xdg', 'cache'),
    // npm keeps its cache and logs under HOME (~/.npm) otherwise.
    npm_config_cache: join(dir, 'npm'),
    TMPDIR: join(dir, 'tmp'),
  };
}

async function waitForHealth(url: string, child: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`code-server exited (${child.signalCode ?? child.exitCode}) before it was ready:\n${await readFile(logFile, 'utf8').catch(() => '')}`);
    }
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`code-server did not answer ${url}/healthz within ${timeoutMs / 1000} s; its log is ${logFile}`);
}

/** Starts code-server on 127.0.0.1 with every folder throwaway, after installing the given extensions into it. */
export async function startCodeServer(options: StartOptions = {}): Promise<CodeServer> {
  await ensureCodeServer(options.home);
  const dir = await mkdtemp(join(tmpdir(), 'perf-lab-e2e-'));
  for (const sub of ['ud/User', 'ext', 'tmp', 'xdg/config', 'xdg/data', 'xdg/cache']) await mkdir(join(dir, sub), { recursive: true });
  await writeFile(join(dir, 'cs.yaml'), 'auth: none\n');
  await writeFile(
    join(dir, 'ud', 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'extensions.ignoreRecommendations': true,
        'telemetry.telemetryLevel': 'off',
        'update.mode': 'none',
        'security.workspace.trust.startupPrompt': 'never',
        'git.enabled': false,
        'git.openRepositoryInParentFolders': 'never',
        // TypeScript's type acquisition runs npm for each JavaScript file opened: a download no test needs.
        'typescript.disableAutomaticTypeAcquisition': true,
        ...options.settings,
      },
      null,
      2,
    ),
  );
  const env = serverEnv(dir, options.home);
  for (const vsix of options.vsix ?? []) {
    await run(process.execPath, [ENTRY, ...serverArgs(dir), '--install-extension', vsix], { env, quiet: true });
  }

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logFile = join(dir, 'code-server.log');
  const out = createWriteStream(logFile);
  await new Promise((r) => out.once('open', r));
  const args = [ENTRY, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check', ...serverArgs(dir)];
  if (!options.workspaceTrust) args.push('--disable-workspace-trust');
  // Its own process group, so that stopping it also ends the extension hosts it forked.
  const child = spawn(process.execPath, args, { env, detached: true, stdio: ['ignore', out, out] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  running.add(child.pid!);

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      const kill = (signal: NodeJS.Signals): void => {
        try {
          process.kill(-child.pid!, signal);
        } catch {
          // already gone
        }
      };
      kill('SIGTERM');
      const timer = setTimeout(() => kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    // Forked processes of the group may still be ending; make sure none is left.
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // the group is empty
    }
    running.delete(child.pid!);
    out.end();
  };

  try {
    await waitForHealth(url, child, logFile, 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, port, dir, userDataDir: join(dir, 'ud'), logFile, process: child, stop };
}

/** Copies what helps to debug a failure (code-server's log, the window and extension host logs) into `dest`. */
export async function saveLogs(server: CodeServer, dest: string): Promise<void> {
  await mkdir(dest, { recursive: true });
  await cp(server.logFile, join(dest, 'code-server.log')).catch(() => undefined);
  await cp(join(server.userDataDir, 'logs'), join(dest, 'logs'), { recursive: true }).catch(() => undefined);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  ensureCodeServer().then(
    () => log(`ready: ${ENTRY}`),
    (error: unknown) => {
      log(error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}

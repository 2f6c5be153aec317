// The Python virtual environment the tests and the bench use: .cache/py-venv with the pinned releases of
// test/python-requirements.txt, installed with pip as users do. Created on first use, reused while the pins and the
// base interpreter stay the same; a lock folder keeps test files that start in parallel from building it twice.
// `node --import tsx test/python-env.ts` creates it ahead of a run and prints its interpreter.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The pinned packages, one `name==version` a line. */
export const REQUIREMENTS = join(ROOT, 'test', 'python-requirements.txt');

/** Where the environment lives (git-ignored with the rest of .cache/). */
export const VENV_DIR = join(ROOT, '.cache', 'py-venv');

/** The environment's interpreter; exists once {@link pythonEnv} has resolved. */
export const VENV_PYTHON = join(VENV_DIR, 'bin', 'python');

const STAMP = join(VENV_DIR, '.perf-lab-ready.json');
const LOCK = `${VENV_DIR}.lock`;
const LOCK_WAIT_MS = 15 * 60_000;

/** The interpreter the environment is made from: PERF_LAB_BASE_PYTHON, else `python3` on PATH. */
function basePython(): string {
  return process.env.PERF_LAB_BASE_PYTHON || 'python3';
}

export interface PythonEnv {
  /** The environment's interpreter, for perfLab.pythonPath. */
  python: string;
  /** Whether this call created the environment. */
  created: boolean;
  /** How long creating it took (this call's or the one recorded when it was made), in seconds. */
  seconds: number;
  /** name -> version of the pinned packages. */
  packages: Record<string, string>;
}

interface Stamp {
  key: string;
  seconds: number;
  packages: Record<string, string>;
}

function log(message: string): void {
  process.stderr.write(`[py-venv] ${message}\n`);
}

function exec(cmd: string, args: string[], quiet = true): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => {
      err += d;
      if (!quiet) process.stderr.write(d);
    });
    child.on('error', (e: NodeJS.ErrnoException) =>
      fail(
        new Error(
          e.code === 'ENOENT'
            ? `${cmd} was not found: install Python 3.11 with its venv module (Debian: apt-get install python3 python3-venv python3-dev), or set PERF_LAB_BASE_PYTHON.`
            : `${cmd}: ${e.message}`,
        ),
      ),
    );
    child.on('close', (code) => (code === 0 ? done(out) : fail(new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${err.slice(-3000)}`))));
  });
}

function pins(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(REQUIREMENTS, 'utf8').split('\n')) {
    const m = /^\s*([A-Za-z0-9_.-]+)==(\S+)/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** What the environment must match: the pins and the base interpreter's version and path. */
async function wantedKey(): Promise<string> {
  const base = await exec(basePython(), ['-c', 'import sys; print(sys.version, sys.executable)']);
  return createHash('sha256').update(readFileSync(REQUIREMENTS)).update(base).digest('hex').slice(0, 16);
}

async function readStamp(): Promise<Stamp | undefined> {
  try {
    return JSON.parse(await readFile(STAMP, 'utf8')) as Stamp;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock folder (atomic mkdir); a lock left by a process that is gone is broken. */
async function lock(): Promise<() => Promise<void>> {
  const until = Date.now() + LOCK_WAIT_MS;
  await mkdir(dirname(LOCK), { recursive: true });
  for (;;) {
    try {
      await mkdir(LOCK);
      await writeFile(join(LOCK, 'pid'), String(process.pid));
      return () => rm(LOCK, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = Number(await readFile(join(LOCK, 'pid'), 'utf8').catch(() => '0'));
    if (owner > 0 && !alive(owner)) {
      await rm(LOCK, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > until)
      throw new Error(
        `Waited ${LOCK_WAIT_MS / 60_000} min for ${LOCK} (held by process ${owner}); remove it if no test run is creating the Python environment.`,
      );
    await new Promise((r) => setTimeout(r, owner > 0 ? 500 : 100));
  }
}

let cached: Promise<PythonEnv> | undefined;

/** The test environment, created (or recreated when the pins changed) on first use; one creation at a time. */
export function pythonEnv(): Promise<PythonEnv> {
  cached ??= ensure();
  return cached;
}

async function ensure(): Promise<PythonEnv> {
  const key = await wantedKey();
  const ready = (s: Stamp | undefined) => s?.key === key && existsSync(VENV_PYTHON);
  let stamp = await readStamp();
  if (ready(stamp)) return { python: VENV_PYTHON, created: false, seconds: stamp!.seconds, packages: stamp!.packages };
  const unlock = await lock();
  try {
    stamp = await readStamp();
    if (ready(stamp)) return { python: VENV_PYTHON, created: false, seconds: stamp!.seconds, packages: stamp!.packages };
    const started = Date.now();
    log(
      `creating ${VENV_DIR} with ${basePython()} and pip (${Object.entries(pins())
        .map(([n, v]) => `${n} ${v}`)
        .join(', ')})…`,
    );
    await rm(VENV_DIR, { recursive: true, force: true });
    await exec(basePython(), ['-m', 'venv', VENV_DIR]);
    await exec(VENV_PYTHON, ['-m', 'pip', 'install', '--quiet', '--no-input', '-r', REQUIREMENTS], false);
    const listed = JSON.parse(await exec(VENV_PYTHON, ['-m', 'pip', 'list', '--format', 'json'])) as { name: string; version: string }[];
    const packages: Record<string, string> = {};
    for (const [name, version] of Object.entries(pins())) {
      const got = listed.find((p) => p.name.toLowerCase() === name.toLowerCase());
      if (got?.version !== version) throw new Error(`pip installed ${name} ${got?.version ?? '(nothing)'} instead of ${version}.`);
      packages[name] = version;
    }
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    await writeFile(STAMP, JSON.stringify({ key, seconds, packages } satisfies Stamp));
    log(`created in ${seconds} s`);
    return { python: VENV_PYTHON, created: true, seconds, packages };
  } finally {
    await unlock();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  pythonEnv().then(
    (env) => console.log(`${env.python} (${env.created ? 'created' : 'ready; was created'} in ${env.seconds} s)`),
    (e: Error) => {
      console.error(e.message);
      process.exit(1);
    },
  );
}

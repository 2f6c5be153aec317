// The history's SQLite file: opened through node-sqlite3-wasm (SQLite compiled to WebAssembly, with a VFS over
// Node's fs: the same code in the editor's extension host and in plain Node, no native build), migrated to the
// current schema, and guarded so that two processes (the editor and the command line) take turns and a killed one
// loses only the transaction it was writing.
//
// Two things about that VFS decide how the file is opened. Its lock is one exclusive `<file>.lock` folder, which
// SQLite's busy timeout cannot wait on (a second process gets "database is locked" at once) and which a killed process
// leaves behind, locking everyone out. And it reports its own lock as another's when SQLite checks for a hot rollback
// journal, so a journal left by a kill is never rolled back (the next open reads half a transaction). Hence:
// - every Perf Lab process first takes `<file>.owner` (created exclusively, holding its pid and host), waits its turn
//   with short sleeps, and breaks an owner whose process is gone; holding it, a left-over `.lock` folder can only be a
//   dead process's, and is removed;
// - the file is written ahead (WAL) in exclusive locking mode, which keeps the WAL index in the process's memory (no
//   shared memory, which the VFS lacks): opening replays the committed transactions of a WAL a kill left behind and
//   drops an unfinished one, with no lock check; closing checkpoints it into the file.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { Database as SqliteDatabase } from 'node-sqlite3-wasm';
import { PerfLabError } from '../errors';
import { MIGRATIONS, SCHEMA_VERSION } from './schema';

export type Db = SqliteDatabase;

/** How long a process waits for another to finish with the file before saying the store is busy. */
const WAIT_MS = 15_000;
/** An owner file older than this whose process cannot be checked (another host) is taken as left over. */
const STALE_MS = 10 * 60_000;

let library: typeof import('node-sqlite3-wasm') | undefined;

/** The SQLite library, loaded on first use (its WebAssembly module is instantiated then, ~1 MB). */
function sqlite(): typeof import('node-sqlite3-wasm') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  library ??= require('node-sqlite3-wasm') as typeof import('node-sqlite3-wasm');
  return library;
}

interface Owner {
  pid: number;
  host: string;
  at: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, owned by another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the owner file names a process that is gone (on this host), or is too old to be anyone's. */
function ownerIsStale(path: string): boolean {
  let owner: Owner | undefined;
  try {
    owner = JSON.parse(readFileSync(path, 'utf8')) as Owner;
  } catch {
    // Being written this instant, or unreadable: stale only when old.
  }
  let age: number;
  try {
    age = Date.now() - statSync(path).mtimeMs;
  } catch {
    return false; // gone already: the next try takes it
  }
  if (owner && typeof owner.pid === 'number' && owner.host === hostname()) return owner.pid !== process.pid ? !alive(owner.pid) : false;
  return age > STALE_MS;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Takes `<file>.owner`, waiting for another process to finish; returns the release. */
async function takeOwner(file: string, waitMs: number): Promise<() => void> {
  const path = `${file}.owner`;
  const deadline = Date.now() + waitMs;
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), at: Date.now() } satisfies Owner));
      } finally {
        closeSync(fd);
      }
      return () => {
        try {
          unlinkSync(path);
        } catch {
          // Already broken by another process that judged it stale: nothing to release.
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (ownerIsStale(path)) {
      try {
        unlinkSync(path);
      } catch {
        // Another process broke it first.
      }
      continue;
    }
    if (Date.now() > deadline)
      throw new PerfLabError(
        `The history store ${file} is busy: another Perf Lab process has held it for ${Math.round(waitMs / 1000)} s. Try again when it has finished; if no Perf Lab is running, delete ${path}.`,
      );
    await sleep(Math.min(200, 5 + attempt * 5) * (0.5 + Math.random()));
  }
}

/** A dead process's lock folder (see the file's comment): removed while we own the file. */
function removeLeftOverLock(file: string): void {
  try {
    rmdirSync(`${file}.lock`);
  } catch {
    // None, the usual case.
  }
}

/** SQLite's words for a file that is not a database or is damaged. */
export function isCorruption(e: unknown): boolean {
  return e instanceof Error && /file is not a database|database disk image is malformed|malformed database schema/i.test(e.message);
}

/** What opening the store found that the user should hear of (a damaged file set aside). */
export interface OpenNotice {
  message: string;
  keptAs: string;
}

/** Brings the file's schema to the current version, each migration in its own transaction. */
export function migrate(db: Db, file: string, upTo = SCHEMA_VERSION): void {
  const version = Number(db.get('PRAGMA user_version')?.user_version ?? 0);
  if (version > SCHEMA_VERSION)
    throw new PerfLabError(
      `The history store ${file} was written by a newer Perf Lab (schema ${version}; this one knows up to ${SCHEMA_VERSION}). Update Perf Lab, or use another --store.`,
    );
  for (let v = version; v < upTo; v++) {
    db.exec('BEGIN IMMEDIATE');
    try {
      MIGRATIONS[v]!(db);
      db.exec(`PRAGMA user_version = ${v + 1}`);
      db.exec('COMMIT');
    } catch (e) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw e;
    }
  }
}

/** Opens the file and brings it to the schema `upTo`; closed again if either fails. */
function openMigrated(file: string, upTo: number): Db {
  const db = new (sqlite().Database)(file);
  try {
    // Exclusive locking before anything is read, then WAL (see the file's comment), synced at each commit.
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    const mode = String(db.get('PRAGMA journal_mode = WAL')?.journal_mode);
    if (mode !== 'wal') throw new PerfLabError(`The history store ${file} could not be opened in WAL mode (it is in ${mode} mode).`);
    db.exec('PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON');
    // Reads the header and the schema: a file that is not a database fails here.
    db.get('SELECT count(*) AS n FROM sqlite_master');
    migrate(db, file, upTo);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

/** Moves a damaged store (and its journal) aside, keeping it, and says where. */
function setAside(file: string, why: string): OpenNotice {
  const keptAs = `${file}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  renameSync(file, keptAs);
  for (const extra of ['-wal', '-journal']) if (existsSync(`${file}${extra}`)) renameSync(`${file}${extra}`, `${keptAs}${extra}`);
  return {
    keptAs,
    message: `The history store ${file} could not be read (${why}); it was kept as ${keptAs}, and a new, empty store was started in its place.`,
  };
}

/** Opens, runs `fn`, closes (an unfinished transaction rolled back). */
function run<T>(file: string, upTo: number, fn: (db: Db) => T): T {
  const db = openMigrated(file, upTo);
  try {
    return fn(db);
  } finally {
    if (db.inTransaction) db.exec('ROLLBACK');
    db.close();
  }
}

/**
 * Runs `fn` on the open, migrated database while this process owns the file, then closes it. A damaged file (found
 * when opening or while `fn` reads it) is set aside, kept under another name, and `fn` runs again on a fresh store;
 * `onNotice` hears of it.
 */
export async function withDatabase<T>(file: string, fn: (db: Db) => T, onNotice?: (n: OpenNotice) => void, upTo = SCHEMA_VERSION): Promise<T> {
  mkdirSync(dirname(file), { recursive: true });
  const release = await takeOwner(file, WAIT_MS);
  try {
    removeLeftOverLock(file);
    try {
      return run(file, upTo, fn);
    } catch (e) {
      if (!isCorruption(e)) throw e;
      onNotice?.(setAside(file, (e as Error).message));
      return run(file, upTo, fn);
    }
  } finally {
    release();
  }
}

/** Runs `fn` in one transaction: everything it writes is kept, or nothing. */
export function transaction<T>(db: Db, fn: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const r = fn();
    db.exec('COMMIT');
    return r;
  } catch (e) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw e;
  }
}

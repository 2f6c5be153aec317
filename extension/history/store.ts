// The history store: one SQLite file per workspace (the editor's workspace storage; the command line's --store), to
// which every profile, optimize run and benchmark is saved as one provenance graph in one transaction (a kill
// mid-write loses that run and nothing else), and from which a function's measurements are read back.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { transaction, withDatabase, type Db, type OpenNotice } from './database';
import type { CodeIdentity } from './identity';
import { loadAverage, thisMachine } from './machine';
import { PYTHON_PACKAGES, type PackageVersions } from './toolchain';

/** The store's file name in its folder. */
export const HISTORY_FILE = 'history.sqlite';

/** The history file of a store folder. */
export function historyFile(storeDir: string): string {
  return join(storeDir, HISTORY_FILE);
}

/** An activity of a run, named by `ref` within it. */
export interface ActivityNode {
  ref: string;
  /** `optimize`, `profile`, `bench`, `record`, `compile`, `prove`, `benchmark`, `whole-program`, `predict`. */
  kind: string;
  /** The run's activity this one is a step of. */
  parent?: string;
  started: string;
  ended?: string;
  code?: CodeIdentity;
  /** The runtime and toolchain, e.g. `{ name: 'Node.js', version, execPath }`. */
  runtime?: object;
  /** The settings that shaped the result. */
  settings?: object;
  /** The Python packages of the interpreter (or the ones a compile used), each stored in its own column. */
  packages?: PackageVersions;
  /** `ok`, `refused`, `unavailable`, `failed`, … with a reason where there is one. */
  status?: string;
}

/** A measurement: time per call (or per run, for the whole program) of one variant. */
export interface MeasurementData {
  variant: string;
  medianMs: number;
  ci95: [number, number];
  /** Samples taken. */
  n: number;
  /** The samples kept (at most HISTORY_SAMPLES, in the order measured). */
  samples?: number[];
}

/** An entity of a run, named by `ref` within it. */
export interface EntityNode {
  ref: string;
  /** `profile`, `recording`, `candidate`, `proof`, `benchmark`, `measurement`, `prediction`. */
  kind: string;
  label: string;
  generatedBy?: string;
  code?: CodeIdentity;
  /** Stored once: a later run with an entity of the same kind and key links to the stored one. */
  key?: string;
  data?: object;
  /** Stored once by content hash (gzip). */
  blob?: string | Uint8Array;
  measurement?: MeasurementData;
}

/** One run's records and their links; `used` and `derived` name nodes by ref. */
export interface RunGraph {
  agent: string;
  activities: ActivityNode[];
  entities: EntityNode[];
  used: { activity: string; entity: string; role: string }[];
  derived: { entity: string; source: string; how: string }[];
}

/** A stored measurement, as a function's history reads it. */
export interface MeasurementRow {
  entity: number;
  key: string;
  function: string;
  variant: string;
  at: string;
  medianMs: number;
  ci95: [number, number];
  n: number;
  samples: number[];
  machine: string;
  machineLabel: string;
  code: string;
  commit?: string;
  dirty: boolean;
  fileHash: string;
  functionHash?: string;
  /** The activity that measured it, and the run it was part of. */
  activity: number;
  run: number;
  runKind: string;
}

function json(v: unknown): string | null {
  return v === undefined ? null : JSON.stringify(v);
}

function saveCode(db: Db, c: CodeIdentity): void {
  db.run(
    'INSERT OR IGNORE INTO code (id, key, file, file_hash, function, function_hash, git_commit, git_dirty, file_dirty) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [
      c.id,
      c.key,
      c.file,
      c.fileHash,
      c.function,
      c.functionHash ?? null,
      c.git?.commit ?? null,
      c.git ? (c.git.dirty ? 1 : 0) : null,
      c.git ? (c.git.fileDirty ? 1 : 0) : null,
    ],
  );
}

function saveBlob(db: Db, content: string | Uint8Array): string {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const hash = createHash('sha256').update(bytes).digest('hex');
  if (!db.get('SELECT 1 AS one FROM blobs WHERE hash = ?', hash)) {
    db.run('INSERT INTO blobs (hash, encoding, size, data) VALUES (?, ?, ?, ?)', [hash, 'gzip', bytes.length, new Uint8Array(gzipSync(bytes))]);
  }
  return hash;
}

/** Writes a run's graph in the open database, in one transaction; returns the id of its first activity. */
export function writeRun(db: Db, run: RunGraph): number {
  return transaction(db, () => {
    const machine = thisMachine();
    db.run('INSERT OR IGNORE INTO machines (id, host, cpu, cores, os, arch, memory) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      machine.id,
      machine.host,
      machine.cpu,
      machine.cores,
      machine.os,
      machine.arch,
      machine.memory,
    ]);
    const load = JSON.stringify(loadAverage());
    const activities = new Map<string, number>();
    for (const a of run.activities) {
      if (a.code) saveCode(db, a.code);
      const parent = a.parent === undefined ? null : (activities.get(a.parent) ?? null);
      const packages = PYTHON_PACKAGES.map((p) => a.packages?.[p.field] ?? null);
      const r = db.run(
        `INSERT INTO activities (kind, parent, started, ended, machine, load, code, agent, runtime, settings, status, ${PYTHON_PACKAGES.map((p) => p.field).join(', ')})
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?${', ?'.repeat(PYTHON_PACKAGES.length)})`,
        [
          a.kind,
          parent,
          a.started,
          a.ended ?? null,
          machine.id,
          load,
          a.code?.id ?? null,
          run.agent,
          json(a.runtime),
          json(a.settings),
          a.status ?? null,
          ...packages,
        ],
      );
      activities.set(a.ref, Number(r.lastInsertRowid));
    }
    const entities = new Map<string, number>();
    for (const e of run.entities) {
      if (e.key !== undefined) {
        const found = db.get('SELECT id FROM entities WHERE kind = ? AND key = ?', [e.kind, e.key]);
        if (found) {
          entities.set(e.ref, Number(found.id));
          continue;
        }
      }
      if (e.code) saveCode(db, e.code);
      const blob = e.blob === undefined ? null : saveBlob(db, e.blob);
      const generatedBy = e.generatedBy === undefined ? null : (activities.get(e.generatedBy) ?? null);
      const data = e.measurement ? { ...e.data, ...e.measurement } : e.data;
      const r = db.run('INSERT INTO entities (kind, generated_by, code, label, key, data, blob) VALUES (?, ?, ?, ?, ?, ?, ?)', [
        e.kind,
        generatedBy,
        e.code?.id ?? null,
        e.label,
        e.key ?? null,
        json(data),
        blob,
      ]);
      const id = Number(r.lastInsertRowid);
      entities.set(e.ref, id);
      const m = e.measurement;
      if (m && e.code && Number.isFinite(m.medianMs)) {
        const at = run.activities.find((a) => a.ref === e.generatedBy)?.started ?? new Date().toISOString();
        db.run(
          'INSERT INTO measurements (entity, key, function, variant, code, machine, at, median_ms, lo_ms, hi_ms, n, samples) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          [
            id,
            e.code.key,
            e.code.function,
            m.variant,
            e.code.id,
            machine.id,
            at,
            m.medianMs,
            Number.isFinite(m.ci95[0]) ? m.ci95[0] : null,
            Number.isFinite(m.ci95[1]) ? m.ci95[1] : null,
            m.n,
            json(m.samples),
          ],
        );
      }
    }
    for (const u of run.used) {
      const activity = activities.get(u.activity);
      const entity = entities.get(u.entity);
      if (activity !== undefined && entity !== undefined)
        db.run('INSERT OR IGNORE INTO used (activity, entity, role) VALUES (?, ?, ?)', [activity, entity, u.role]);
    }
    for (const d of run.derived) {
      const entity = entities.get(d.entity);
      const source = entities.get(d.source);
      if (entity !== undefined && source !== undefined && entity !== source)
        db.run('INSERT OR IGNORE INTO derived (entity, source, how) VALUES (?, ?, ?)', [entity, source, d.how]);
    }
    return activities.get(run.activities[0]?.ref ?? '') ?? 0;
  });
}

/** Reads the measurements of the functions under `key` (one function, or all), oldest first. */
export function readMeasurements(db: Db, key: string, functionName?: string): MeasurementRow[] {
  const rows = db.all(
    `SELECT m.entity, m.key, m.function, m.variant, m.at, m.median_ms, m.lo_ms, m.hi_ms, m.n, m.samples, m.machine, m.code,
            c.git_commit, c.git_dirty, c.file_dirty, c.file_hash, c.function_hash,
            mc.host, mc.cpu, mc.cores,
            e.generated_by AS activity, COALESCE(a.parent, a.id) AS run, COALESCE(p.kind, a.kind) AS run_kind
     FROM measurements m
     JOIN code c ON c.id = m.code
     JOIN entities e ON e.id = m.entity
     LEFT JOIN activities a ON a.id = e.generated_by
     LEFT JOIN activities p ON p.id = a.parent
     LEFT JOIN machines mc ON mc.id = m.machine
     WHERE m.key = ? ${functionName === undefined ? '' : 'AND m.function = ?'}
     ORDER BY m.at, m.entity`,
    functionName === undefined ? [key] : [key, functionName],
  );
  return rows.map((r) => ({
    entity: Number(r.entity),
    key: String(r.key),
    function: String(r.function),
    variant: String(r.variant),
    at: String(r.at),
    medianMs: Number(r.median_ms),
    ci95: [r.lo_ms === null ? 0 : Number(r.lo_ms), r.hi_ms === null ? Infinity : Number(r.hi_ms)],
    n: Number(r.n),
    samples: r.samples ? (JSON.parse(String(r.samples)) as number[]) : [],
    machine: String(r.machine ?? ''),
    machineLabel: r.host ? `${String(r.host)} (${String(r.cpu)}, ${Number(r.cores)} cores)` : 'unknown machine',
    code: String(r.code),
    ...(r.git_commit ? { commit: String(r.git_commit) } : {}),
    dirty: Number(r.file_dirty ?? 0) === 1,
    fileHash: String(r.file_hash),
    ...(r.function_hash ? { functionHash: String(r.function_hash) } : {}),
    activity: Number(r.activity ?? 0),
    run: Number(r.run ?? 0),
    runKind: String(r.run_kind ?? ''),
  }));
}

/** A stored profile of a file: the version of the code it ran (the file's content hash, the commit) and its blob. */
export interface ProfileRow {
  entity: number;
  at: string;
  fileHash: string;
  commit?: string;
  /** The blob's content hash (the profile as .cpuprofile JSON). */
  blob: string;
}

/** Reads the profiles stored of the file under `key`, oldest first. */
export function readProfiles(db: Db, key: string): ProfileRow[] {
  const rows = db.all(
    `SELECT e.id, e.blob, c.file_hash, c.git_commit, a.started
     FROM entities e JOIN code c ON c.id = e.code LEFT JOIN activities a ON a.id = e.generated_by
     WHERE e.kind = 'profile' AND e.blob IS NOT NULL AND c.key = ?
     ORDER BY a.started, e.id`,
    [key],
  );
  return rows.map((r) => ({
    entity: Number(r.id),
    at: String(r.started ?? ''),
    fileHash: String(r.file_hash),
    ...(r.git_commit ? { commit: String(r.git_commit) } : {}),
    blob: String(r.blob),
  }));
}

/** A stored blob's content (unzipped), or undefined when the store has no blob of that hash. */
export function readBlob(db: Db, hash: string): Uint8Array | undefined {
  const r = db.get('SELECT encoding, data FROM blobs WHERE hash = ?', hash);
  if (!r) return undefined;
  const data = r.data as Uint8Array;
  return String(r.encoding) === 'gzip' ? new Uint8Array(gunzipSync(data)) : data;
}

/** The store of a folder: each call opens the file, takes its turn with other processes, and closes it again. */
export class HistoryStore {
  readonly file: string;

  constructor(
    storeDir: string,
    private readonly onNotice?: (n: OpenNotice) => void,
  ) {
    this.file = historyFile(storeDir);
  }

  /** Saves one run; returns its first activity's id. */
  save(run: RunGraph): Promise<number> {
    return withDatabase(this.file, (db) => writeRun(db, run), this.onNotice);
  }

  measurements(key: string, functionName?: string): Promise<MeasurementRow[]> {
    return withDatabase(this.file, (db) => readMeasurements(db, key, functionName), this.onNotice);
  }

  profiles(key: string): Promise<ProfileRow[]> {
    return withDatabase(this.file, (db) => readProfiles(db, key), this.onNotice);
  }

  blob(hash: string): Promise<Uint8Array | undefined> {
    return withDatabase(this.file, (db) => readBlob(db, hash), this.onNotice);
  }

  /** Runs any read on the open database (the PROV export, the tests). */
  read<T>(fn: (db: Db) => T): Promise<T> {
    return withDatabase(this.file, fn, this.onNotice);
  }
}

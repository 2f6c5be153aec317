// The history's schema, as the list of migrations that build it: the file's `PRAGMA user_version` says how many have
// run, and opening a store runs the rest, each in its own transaction (database.ts migrate). A migration is never
// edited once released: a change to the schema is a new migration at the end.
//
// The records form a provenance graph (W3C PROV's words): activities (a profile run, a recording, a compile, a proof,
// a benchmark, an optimize run that holds them) used entities and generated others (a profile, a recording, a
// candidate, a proof, a measurement); `derived` links an entity to those it was made from. Each activity names the
// code it ran (`code`: file and function with their content hashes, git commit and dirty flag), the machine and its
// load, the runtime and toolchain, and the settings. Large blobs (profiles) are kept once, by content hash.
import type { Db } from './database';
import { packagesFromLog, PYTHON_PACKAGES } from './toolchain';

/** The schema this Perf Lab writes: the number of migrations. */
export const SCHEMA_VERSION = 3;

export const MIGRATIONS: readonly ((db: Db) => void)[] = [
  // 1: the provenance graph.
  (db) =>
    db.exec(`
      CREATE TABLE machines (
        id TEXT PRIMARY KEY,
        host TEXT NOT NULL,
        cpu TEXT NOT NULL,
        cores INTEGER NOT NULL,
        os TEXT NOT NULL,
        arch TEXT NOT NULL,
        memory INTEGER NOT NULL
      );
      CREATE TABLE code (
        id TEXT PRIMARY KEY,
        -- Where the function is tracked across versions and worktrees: the repository's first commit and the path in
        -- it, or the absolute path outside git.
        key TEXT NOT NULL,
        file TEXT NOT NULL,
        file_hash TEXT NOT NULL,
        function TEXT NOT NULL,
        function_hash TEXT,
        git_commit TEXT,
        git_dirty INTEGER,
        file_dirty INTEGER
      );
      CREATE INDEX code_key ON code(key, function);
      CREATE TABLE activities (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        parent INTEGER REFERENCES activities(id),
        started TEXT NOT NULL,
        ended TEXT,
        machine TEXT REFERENCES machines(id),
        load TEXT,
        code TEXT REFERENCES code(id),
        agent TEXT NOT NULL,
        runtime TEXT,
        settings TEXT,
        status TEXT
      );
      CREATE TABLE blobs (
        hash TEXT PRIMARY KEY,
        encoding TEXT NOT NULL,
        size INTEGER NOT NULL,
        data BLOB NOT NULL
      );
      CREATE TABLE entities (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        generated_by INTEGER REFERENCES activities(id),
        code TEXT REFERENCES code(id),
        label TEXT NOT NULL,
        -- What makes two records the same thing (a recording reused by a later run, a candidate from the build cache):
        -- such an entity is stored once and linked again.
        key TEXT,
        data TEXT,
        blob TEXT REFERENCES blobs(hash)
      );
      CREATE INDEX entities_kind ON entities(kind, code);
      CREATE UNIQUE INDEX entities_key ON entities(kind, key) WHERE key IS NOT NULL;
      CREATE TABLE used (
        activity INTEGER NOT NULL REFERENCES activities(id),
        entity INTEGER NOT NULL REFERENCES entities(id),
        role TEXT NOT NULL,
        PRIMARY KEY (activity, entity, role)
      );
      CREATE TABLE derived (
        entity INTEGER NOT NULL REFERENCES entities(id),
        source INTEGER NOT NULL REFERENCES entities(id),
        how TEXT NOT NULL,
        PRIMARY KEY (entity, source)
      );
    `),
  // 2: measurements in a table of their own, indexed by function and time, with their kept samples, so that a
  // function's history and the test between two versions read one index instead of every entity's JSON. Version 1's
  // measurement entities are copied in.
  (db) =>
    db.exec(`
      CREATE TABLE measurements (
        entity INTEGER PRIMARY KEY REFERENCES entities(id),
        key TEXT NOT NULL,
        function TEXT NOT NULL,
        variant TEXT NOT NULL,
        code TEXT NOT NULL REFERENCES code(id),
        machine TEXT REFERENCES machines(id),
        at TEXT NOT NULL,
        median_ms REAL NOT NULL,
        lo_ms REAL,
        hi_ms REAL,
        n INTEGER NOT NULL,
        samples TEXT
      );
      CREATE INDEX measurements_function ON measurements(key, function, variant, at);
      INSERT INTO measurements (entity, key, function, variant, code, machine, at, median_ms, lo_ms, hi_ms, n, samples)
        SELECT e.id, c.key, c.function, json_extract(e.data, '$.variant'), e.code, a.machine, a.started,
               json_extract(e.data, '$.medianMs'), json_extract(e.data, '$.ci95[0]'), json_extract(e.data, '$.ci95[1]'),
               json_extract(e.data, '$.n'), json_extract(e.data, '$.samples')
        FROM entities e JOIN code c ON c.id = e.code JOIN activities a ON a.id = e.generated_by
        WHERE e.kind = 'measurement';
    `),
  // 3: the Python packages that shaped a run, each a field of the activity (numpy, numba, cython, pybind11) instead
  // of words in a log. Version 2 kept them only in each Python candidate's first log line: they are read out of it
  // into its compile step, and the run that holds the step gets the versions its steps agree on.
  (db) => {
    for (const p of PYTHON_PACKAGES) db.exec(`ALTER TABLE activities ADD COLUMN ${p.field} TEXT`);
    const compiles = db.all(
      `SELECT a.id, a.parent, json_extract(e.data, '$.log[0]') AS line
       FROM activities a JOIN entities e ON e.generated_by = a.id
       WHERE a.kind = 'compile' AND e.kind = 'candidate' AND json_valid(e.data)`,
    );
    const runs = new Map<number, Map<string, Set<string>>>();
    for (const c of compiles) {
      const versions = packagesFromLog(String(c.line ?? ''));
      const fields = Object.entries(versions);
      if (fields.length === 0) continue;
      db.run(`UPDATE activities SET ${fields.map(([f]) => `${f} = ?`).join(', ')} WHERE id = ?`, [...fields.map(([, v]) => v), Number(c.id)]);
      if (c.parent === null) continue;
      const run = runs.get(Number(c.parent)) ?? new Map<string, Set<string>>();
      runs.set(Number(c.parent), run);
      for (const [f, v] of fields) run.set(f, (run.get(f) ?? new Set()).add(v));
    }
    for (const [id, run] of runs) {
      const agreed = [...run].filter(([, vs]) => vs.size === 1).map(([f, vs]) => [f, [...vs][0]!] as const);
      if (agreed.length > 0) db.run(`UPDATE activities SET ${agreed.map(([f]) => `${f} = ?`).join(', ')} WHERE id = ?`, [...agreed.map(([, v]) => v), id]);
    }
  },
];

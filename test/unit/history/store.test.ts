// The history store on a real SQLite file: migrations from nothing and from each previous schema, two processes
// writing at once, a process killed in the middle of a write, a damaged file set aside.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { withDatabase, type OpenNotice } from '../../../extension/history/database';
import { SCHEMA_VERSION } from '../../../extension/history/schema';
import { historyFile, HistoryStore, type RunGraph } from '../../../extension/history/store';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'perf-lab-history-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const code = { id: 'c1', key: '/src/k.js', file: '/src/k.js', fileHash: 'abc', function: 'work', functionHash: 'def' };

function benchRun(median: number): RunGraph {
  return {
    agent: 'test',
    activities: [{ ref: 'a', kind: 'bench', started: new Date().toISOString(), code }],
    entities: [
      { ref: 'r', kind: 'recording', label: 'calls', key: 'rec-1', code },
      {
        ref: 'm',
        kind: 'measurement',
        label: 'time per call',
        generatedBy: 'a',
        code,
        measurement: { variant: 'JavaScript', medianMs: median, ci95: [median * 0.9, median * 1.1], n: 100, samples: [median, median] },
      },
    ],
    used: [{ activity: 'a', entity: 'r', role: 'inputs' }],
    derived: [{ entity: 'm', source: 'r', how: 'measured on' }],
  };
}

const tsxChild = (args: string[]) =>
  spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'writer-child.ts'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });

describe('history store', () => {
  test('an empty folder gets the current schema, and a run reads back with its links', async () => {
    const store = join(dir, 'fresh');
    const s = new HistoryStore(store);
    await s.save(benchRun(2));
    await s.save(benchRun(3));
    const rows = await s.measurements('/src/k.js', 'work');
    assert.deepEqual(
      rows.map((r) => [r.variant, r.medianMs, r.samples.length]),
      [
        ['JavaScript', 2, 2],
        ['JavaScript', 3, 2],
      ],
    );
    const counts = await s.read((db) => ({
      version: Number(db.get('PRAGMA user_version')!.user_version),
      recordings: Number(db.get("SELECT count(*) AS n FROM entities WHERE kind = 'recording'")!.n),
      used: Number(db.get('SELECT count(*) AS n FROM used')!.n),
      derived: Number(db.get('SELECT count(*) AS n FROM derived')!.n),
      journal: String(db.get('PRAGMA journal_mode')!.journal_mode),
    }));
    // The recording has a key: the second run links to the stored one instead of copying it.
    assert.deepEqual(counts, { version: SCHEMA_VERSION, recordings: 1, used: 2, derived: 2, journal: 'wal' });
  });

  test("a store of schema 1 is migrated, its measurements copied into schema 2's table", async () => {
    const file = historyFile(join(dir, 'v1'));
    await withDatabase(
      file,
      (db) => {
        db.run("INSERT INTO code (id, key, file, file_hash, function) VALUES ('c', '/old.js', '/old.js', 'h', 'work')");
        db.run("INSERT INTO activities (id, kind, started, agent) VALUES (7, 'bench', '2024-01-01T00:00:00.000Z', 'old')");
        db.run("INSERT INTO entities (kind, generated_by, code, label, data) VALUES ('measurement', 7, 'c', 'm', ?)", [
          JSON.stringify({ variant: 'JavaScript', medianMs: 1.5, ci95: [1.25, 1.75], n: 40, samples: [1.5, 1.4] }),
        ]);
      },
      undefined,
      1,
    );
    assert.equal(await withDatabase(file, (db) => Number(db.get('PRAGMA user_version')!.user_version), undefined, 1), 1);
    const rows = await new HistoryStore(join(dir, 'v1')).measurements('/old.js');
    assert.equal(rows.length, 1);
    assert.deepEqual(
      [rows[0]!.medianMs, rows[0]!.ci95, rows[0]!.n, rows[0]!.samples, rows[0]!.at],
      [1.5, [1.25, 1.75], 40, [1.5, 1.4], '2024-01-01T00:00:00.000Z'],
    );
  });

  test("a store of schema 2 is migrated: the Python packages of its compile steps, named in each candidate's log, become fields", async () => {
    const store = join(dir, 'v2');
    const file = historyFile(store);
    await withDatabase(
      file,
      (db) => {
        db.run("INSERT INTO activities (id, kind, started, agent, runtime) VALUES (1, 'optimize', '2024-01-01T00:00:00.000Z', 'old', ?)", [
          JSON.stringify({ execPath: '/usr/bin/python3', version: '3.11.2', language: 'python' }),
        ]);
        db.run("INSERT INTO activities (id, kind, parent, started, agent) VALUES (2, 'compile', 1, '2024-01-01T00:00:01.000Z', 'old')");
        db.run("INSERT INTO activities (id, kind, parent, started, agent) VALUES (3, 'compile', 1, '2024-01-01T00:00:02.000Z', 'old')");
        db.run("INSERT INTO activities (id, kind, parent, started, agent) VALUES (4, 'compile', 1, '2024-01-01T00:00:03.000Z', 'old')");
        const candidate = (activity: number, line: string) =>
          db.run("INSERT INTO entities (kind, generated_by, label, data) VALUES ('candidate', ?, 'c', ?)", [
            activity,
            JSON.stringify({ log: [line, 'built'] }),
          ]);
        candidate(2, 'Numba (numba 0.60.0, numpy 2.0.2, Python 3.11.2): k.py, k_kernel.py');
        candidate(3, 'Cython (Cython 3.0.11, numpy 2.0.2, Python 3.11.2): k.py, k_kernel.pyx');
        candidate(4, 'pybind11 (pybind11 installed, numpy 2.0.2, Python 3.11.2): k.py, k_kernel.cpp');
      },
      undefined,
      2,
    );
    const read = () =>
      new HistoryStore(store).read((db) => ({
        version: Number(db.get('PRAGMA user_version')!.user_version),
        rows: db.all('SELECT id, numpy, numba, cython, pybind11 FROM activities ORDER BY id').map((r) => ({ ...r })),
      }));
    assert.deepEqual(await read(), {
      version: SCHEMA_VERSION,
      rows: [
        // The run: the versions its steps agree on (all of them here).
        { id: 1, numpy: '2.0.2', numba: '0.60.0', cython: '3.0.11', pybind11: 'installed' },
        { id: 2, numpy: '2.0.2', numba: '0.60.0', cython: null, pybind11: null },
        { id: 3, numpy: '2.0.2', numba: null, cython: '3.0.11', pybind11: null },
        { id: 4, numpy: '2.0.2', numba: null, cython: null, pybind11: 'installed' },
      ],
    });
  });

  test("a Python run is saved with its interpreter's package versions, each in its own field, and exported so", async () => {
    const python = join(process.cwd(), '.cache', 'py-venv', 'bin', 'python');
    const { execFileSync } = await import('node:child_process');
    const expected = JSON.parse(
      execFileSync(
        python,
        [
          '-c',
          'import json, numpy, numba, Cython, pybind11; print(json.dumps([numpy.__version__, numba.__version__, Cython.__version__, pybind11.__version__]))',
        ],
        {
          encoding: 'utf8',
        },
      ),
    ) as string[];
    const { pythonPackages } = await import('../../../extension/history/toolchain');
    const packages = await pythonPackages(python);
    assert.deepEqual(packages, { numpy: expected[0], numba: expected[1], cython: expected[2], pybind11: expected[3] });
    const store = join(dir, 'packages');
    const s = new HistoryStore(store);
    const run = benchRun(1);
    run.activities[0] = { ...run.activities[0]!, runtime: { execPath: python, language: 'python' }, packages };
    await s.save(run);
    const row = await s.read((db) => ({ ...db.get('SELECT numpy, numba, cython, pybind11 FROM activities')! }));
    assert.deepEqual(row, { numpy: expected[0], numba: expected[1], cython: expected[2], pybind11: expected[3] });
    const { provDocument } = await import('../../../extension/history/prov');
    const doc = await s.read((db) => provDocument(db));
    const activity = Object.values(doc.activity)[0] as Record<string, unknown>;
    assert.equal(activity['perflab:numba'], expected[1]);
  });

  test('a store written by a newer Perf Lab is refused with a clear message, and left as it is', async () => {
    const file = historyFile(join(dir, 'newer'));
    await withDatabase(file, (db) => db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 5}`));
    await assert.rejects(new HistoryStore(join(dir, 'newer')).save(benchRun(1)), /written by a newer Perf Lab .*Update Perf Lab/);
  });

  test('a damaged file is kept under another name and a fresh store takes its place, with a message', async () => {
    const store = join(dir, 'damaged');
    const s0 = new HistoryStore(store);
    await s0.save(benchRun(1));
    const file = historyFile(store);
    const garbage = 'this is not a database '.repeat(400);
    writeFileSync(file, garbage);
    const notices: OpenNotice[] = [];
    const s = new HistoryStore(store, (n) => notices.push(n));
    await s.save(benchRun(4));
    assert.equal(notices.length, 1);
    assert.match(notices[0]!.message, /could not be read \(file is not a database\); it was kept as .*damaged-.*a new, empty store/);
    assert.equal(readFileSync(notices[0]!.keptAs, 'utf8'), garbage);
    assert.deepEqual(
      (await s.measurements('/src/k.js')).map((r) => r.medianMs),
      [4],
    );
    assert.equal(notices.length, 1, 'the fresh store opens without a notice');
  });

  test('two processes writing at once both land every run', async () => {
    const store = join(dir, 'two');
    const children = ['a', 'b'].map((tag) => tsxChild([store, tag, '25', '3', '8']));
    const codes = await Promise.all(
      children.map(
        (c) =>
          new Promise<number | null>((done) => {
            let err = '';
            c.stderr.on('data', (d: Buffer) => (err += d.toString()));
            c.on('exit', (code) => {
              if (code !== 0) console.error(err);
              done(code);
            });
          }),
      ),
    );
    assert.deepEqual(codes, [0, 0]);
    const r = await new HistoryStore(store).read((db) => ({
      runs: db.all('SELECT agent, count(*) AS n FROM activities GROUP BY agent ORDER BY agent').map((x) => [x.agent, Number(x.n)]),
      entities: Number(db.get('SELECT count(*) AS n FROM entities')!.n),
      check: String(db.get('PRAGMA integrity_check')!.integrity_check),
    }));
    assert.deepEqual(r, {
      runs: [
        ['writer a', 25],
        ['writer b', 25],
      ],
      entities: 150,
      check: 'ok',
    });
  });

  test('a process killed in the middle of a write loses that run only; the file reopens intact at once', async () => {
    const store = join(dir, 'killed');
    const file = historyFile(store);
    // Each run writes 40 blobs of 256 KB (10 MB) in one transaction.
    const child = tsxChild([store, 'k', '100', '40', '256']);
    let saved = -1;
    let poll: NodeJS.Timeout | undefined;
    await new Promise<void>((done) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        for (const m of out.matchAll(/saved (\d+)/g)) saved = Math.max(saved, Number(m[1]));
        // Killed as soon as the third run's pages reach the write-ahead log: in the middle of writing them.
        if (/begin 2\n/.test(out) && !poll)
          poll = setInterval(() => {
            if (existsSync(`${file}-wal`) && statSync(`${file}-wal`).size > 0) {
              child.kill('SIGKILL');
              clearInterval(poll);
            }
          }, 1);
      });
      child.on('exit', () => {
        clearInterval(poll);
        done();
      });
    });
    assert.equal(saved, 1, 'killed during its third run');
    // What a kill leaves: the write-ahead log of the open connection, the VFS's lock folder, and the process's turn.
    assert.ok(statSync(`${file}-wal`).size > 0 && existsSync(`${file}.lock`) && existsSync(`${file}.owner`));
    const started = Date.now();
    const r = await new HistoryStore(store).read((db) => ({
      runs: Number(db.get('SELECT count(*) AS n FROM activities')!.n),
      entities: Number(db.get('SELECT count(*) AS n FROM entities')!.n),
      blobs: Number(db.get('SELECT count(*) AS n FROM blobs')!.n),
      check: String(db.get('PRAGMA integrity_check')!.integrity_check),
    }));
    assert.ok(Date.now() - started < 5000, 'a dead owner does not make the next process wait');
    // The two saved runs, whole; the third, which was being written, not at all (not half of it).
    assert.deepEqual(r, { runs: 2, entities: 80, blobs: 80, check: 'ok' });
    assert.deepEqual(
      readdirSync(store).filter((f) => f.startsWith('history')),
      ['history.sqlite'],
    );
  });
});

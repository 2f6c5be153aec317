// The asv workflow end to end: `perf-lab bench --commits A..B` over a small git repository built here, whose third
// commit makes the measured function four times slower, finds that regression at that commit and nowhere else; the
// history and its PROV-JSON export trace each number to the commit and run that produced it. Runs the real recorder
// and benchmark harness (dist/: npm run build first).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { main, type CliIO } from '../../../extension/cli';
import type { FunctionHistory } from '../../../extension/history/report';
import type { ProvDocument } from '../../../extension/history/prov';

let dir: string;
const commits: string[] = [];

const program = (body: string, note: string) => `// ${note}
function work(n) {
${body}
}
let total = 0;
for (let r = 0; r < 100; r++) total += work(20000 + (r % 3));
console.log(total.toFixed(2));
`;
const fast = `  let s = 0;
  for (let i = 0; i < n; i++) s += Math.sqrt(i) * 0.5;
  return s;`;
// The same result, computed four times over: the planted regression.
const slow = `  let s = 0;
  for (let rep = 0; rep < 4; rep++) {
    s = 0;
    for (let i = 0; i < n; i++) s += Math.sqrt(i) * 0.5;
  }
  return s;`;

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
}

function io(): CliIO & { text: () => string; errors: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => (out += t), err: (t) => (err += t), text: () => out, errors: () => err };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'perf-lab-commits-'));
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'test@example.com');
  git('config', 'user.name', 'Perf Lab test');
  const versions: [string, string][] = [
    [fast, 'first version'],
    [fast, 'a comment changed'],
    [slow, 'the regression'],
    [slow, 'another comment'],
  ];
  for (const [body, note] of versions) {
    writeFileSync(join(dir, 'k.js'), program(body, note));
    git('add', 'k.js');
    git('commit', '-q', '-m', note);
    commits.push(git('rev-parse', 'HEAD'));
  }
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('bench --commits finds the regression planted in one commit, and nowhere else', { timeout: 300_000 }, async () => {
  const store = join(dir, '.store');
  const file = join(dir, 'k.js');
  const run = io();
  const code = await main(['bench', file, '--fn', 'work', '--commits', `${commits[0]}..${commits[3]}`, '--time', '0.4', '--store', store, '--json'], run);
  assert.equal(code, 0, run.errors());
  const h = JSON.parse(run.text()) as FunctionHistory;
  assert.equal(h.series.length, 1);
  const points = h.series[0]!.points;
  assert.deepEqual(
    points.map((p) => p.commit),
    commits,
    'one measurement per commit, oldest first',
  );
  assert.ok(
    points.every((p) => p.ci95[0] <= p.medianMs && p.medianMs <= p.ci95[1] && p.n > 10),
    'each point has its interval',
  );
  const ratio = points[2]!.medianMs / points[1]!.medianMs;
  assert.ok(ratio > 2, `the planted regression is measured (${ratio.toFixed(2)}×)`);
  assert.deepEqual(
    h.flagged.map((f) => [f.kind, f.version]),
    [['regression', commits[2]!.slice(0, 7)]],
    JSON.stringify(points.map((p) => [p.version, p.medianMs, p.change?.p])),
  );
  assert.match(h.flagged[0]!.text, new RegExp(`^▲ \\d+ % slower than at ${commits[1]!.slice(0, 7)} \\(p < 0\\.0\\d+\\)$`));
  // The worktrees are gone.
  assert.equal(git('worktree', 'list').split('\n').length, 1);

  // The history as text marks that commit's line only.
  const text = io();
  assert.equal(await main(['history', file, '--fn', 'work', '--store', store], text), 0);
  const marked = text
    .text()
    .split('\n')
    .filter((l) => l.includes('◀ regression'));
  assert.equal(marked.length, 1, text.text());
  assert.ok(marked[0]!.includes(commits[2]!.slice(0, 7)));

  // Every measurement traces back, in PROV-JSON, to the run that made it and the commit of the code it ran.
  const exported = io();
  const provFile = join(dir, 'prov.json');
  assert.equal(await main(['history', '--export', provFile, '--store', store], exported), 0, exported.errors());
  const doc = JSON.parse(readFileSync(provFile, 'utf8')) as ProvDocument;
  assert.equal(doc.prefix.prov, 'http://www.w3.org/ns/prov#');
  const measurements = Object.entries(doc.entity).filter(([, e]) => e['prov:type'] === 'perflab:measurement');
  assert.equal(measurements.length, 4);
  const traced = measurements.map(([id]) => {
    const activity = Object.values(doc.wasGeneratedBy).find((g) => g['prov:entity'] === id)!['prov:activity'] as string;
    assert.equal(doc.activity[activity]!['prov:type'], 'perflab:bench');
    const source = Object.values(doc.used).find((u) => u['prov:activity'] === activity && u['prov:role'] === 'perflab:source')!['prov:entity'] as string;
    assert.ok(Object.values(doc.wasAssociatedWith).some((a) => a['prov:activity'] === activity && String(a['prov:agent']).startsWith('perflab:machine/')));
    assert.ok(
      Object.values(doc.wasDerivedFrom).some(
        (d) => d['prov:generatedEntity'] === id && doc.entity[d['prov:usedEntity'] as string]?.['prov:type'] === 'perflab:recording',
      ),
    );
    return doc.entity[source]!['perflab:gitCommit'];
  });
  assert.deepEqual(traced.sort(), [...commits].sort());
});

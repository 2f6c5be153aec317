// `perf-lab report` as users run it: the built dist/cli.js (run `npm run build` first) on every fixture.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { INITIAL_DATA_ID } from '../../../extension/protocol';
import { assertCliBuilt, perfLab } from '../cli-process';
import { PROFILE_FIXTURES } from './profile-fixtures';

const scratch = mkdtempSync(join(tmpdir(), 'perf-lab-report-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** The data rows of the printed table: function name, self share. */
function rows(stdout: string): { name: string; selfPct: number }[] {
  const lines = stdout.split('\n');
  const head = lines.findIndex((l) => l.startsWith('Function '));
  assert.ok(head >= 0, `no table in:\n${stdout}`);
  const header = lines[head]!;
  const selfPctAt = header.indexOf('Self %');
  return lines
    .slice(head + 2)
    .filter((l) => l.trim() !== '' && !l.startsWith('Wrote') && !l.startsWith('Hot region:'))
    .map((l) => ({
      name: l.split(/\s{2,}/)[0]!,
      selfPct: Number(
        l
          .slice(selfPctAt - 2, selfPctAt + 6)
          .trim()
          .replace('%', ''),
      ),
    }));
}

describe('perf-lab report', () => {
  before(assertCliBuilt);

  for (const f of PROFILE_FIXTURES) {
    it(`prints the top functions of ${f.file}`, async () => {
      const r = await perfLab('report', `test/fixtures/profiles/${f.file}`, '--top', '5');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^test/fixtures/profiles/${f.file.replace(/\./g, '\\.')}: `));
      const table = rows(r.stdout);
      assert.ok(table.length >= 1 && table.length <= 5, `${table.length} rows`);
      assert.equal(table[0]!.name, f.top);
      for (let i = 1; i < table.length; i++) assert.ok(table[i]!.selfPct <= table[i - 1]!.selfPct, 'sorted by self time');
    });
  }

  it('writes the standalone flame graph with --html', async () => {
    const html = join(scratch, 'flame.html');
    const r = await perfLab('report', 'test/fixtures/profiles/chromium.trace.json', '--html', html);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Wrote the flame graph to /);
    const page = readFileSync(html, 'utf8');
    assert.match(page, /Content-Security-Policy/);
    const data = page.slice(page.indexOf(`id="${INITIAL_DATA_ID}"`));
    assert.match(data, /"name":"fib"/);
  });

  it('shortens a long location (a data: URL of a bundled module) in the middle', async () => {
    const url = `data:text/javascript,${'x'.repeat(500)}`;
    const cf = (functionName: string, u: string) => ({ functionName, scriptId: '1', url: u, lineNumber: 1, columnNumber: 0 });
    const profile = {
      nodes: [
        { id: 1, callFrame: cf('(root)', ''), children: [2] },
        { id: 2, callFrame: cf('inData', url), children: [] },
      ],
      startTime: 0,
      endTime: 2000,
      samples: [2, 2],
      timeDeltas: [0, 1000],
    };
    const file = join(scratch, 'data-url.cpuprofile');
    writeFileSync(file, JSON.stringify(profile));
    const r = await perfLab('report', file);
    assert.equal(r.code, 0, r.stderr);
    const row = r.stdout.split('\n').find((l) => l.startsWith('inData'))!;
    assert.match(row, /data:text\/javascript,x+…x+:2 /);
    assert.ok(row.length < 140, row);
  });

  it('exits 1 with a message for a missing or unreadable file, 2 for bad usage', async () => {
    const missing = await perfLab('report', 'no/such.cpuprofile');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^perf-lab: no\/such\.cpuprofile does not exist/);
    const notes = join(scratch, 'notes.txt');
    writeFileSync(notes, 'hello world\n');
    const bad = await perfLab('report', notes);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /notes\.txt is not a profile Perf Lab can read/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /, 'no stack trace');
    const cut = join(scratch, 'cut.cpuprofile');
    writeFileSync(cut, readFileSync('test/fixtures/profiles/node-cpu-prof.cpuprofile', 'utf8').slice(0, 3000));
    const truncated = await perfLab('report', cut);
    assert.equal(truncated.code, 1);
    assert.match(truncated.stderr, /cut\.cpuprofile is not valid JSON: it ends after 3000 bytes/);
    for (const args of [['report'], ['report', 'a', 'b'], ['report', 'a.cpuprofile', '--top', 'x']])
      assert.equal((await perfLab(...args)).code, 2, args.join(' '));
  });
});

// `perf-lab report` and `compare` given what is not a profile: a folder, a pipe, nothing, binary data, a 2 GB file of
// zero bytes. Each gets one line that says what is wrong and what to give instead, fast and in little memory, never
// a stack trace.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readLinesOfFile } from '../../../extension/profile/line-read';
import { scanJsonText } from '../../../extension/profile/json-scan';
import { ProfileFormatError } from '../../../extension/profile/model';
import { assertCliBuilt, cli, root } from '../cli-process';

const scratch = mkdtempSync(join(tmpdir(), 'perf-lab-bad-input-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const GB2 = 2 * 1024 ** 3;

/** Runs perf-lab, killed after `limitMs`; the peak resident memory is read from /proc while it runs (Linux). */
function perfLabMeasured(
  args: string[],
  limitMs = 10_000,
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number; peakMB: number | undefined }> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const p = spawn(process.execPath, [cli, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peakKB: number | undefined;
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'));
        if (m) peakKB = Number(m[1]);
      } catch {
        // Not Linux, or already gone.
      }
    }, 10);
    const kill = setTimeout(() => p.kill('SIGKILL'), limitMs);
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => {
      clearInterval(poll);
      clearTimeout(kill);
      resolvePromise({ code, stdout, stderr, ms: performance.now() - started, peakMB: peakKB === undefined ? undefined : peakKB / 1024 });
    });
  });
}

/** One line on stderr starting "perf-lab: " that matches `expected`, exit status 1, no stack trace. */
function assertClearMessage(r: { code: number | null; stderr: string; stdout: string }, expected: RegExp): void {
  assert.equal(r.code, 1, `exit status ${r.code}; stderr: ${r.stderr}`);
  assert.match(r.stderr, /^perf-lab: [^\n]+\n$/, `not one line: ${JSON.stringify(r.stderr)}`);
  assert.match(r.stderr, expected);
  assert.doesNotMatch(r.stderr, /unexpected problem|^\s+at |Error:/m);
}

describe('perf-lab report and compare on what is not a profile', () => {
  before(assertCliBuilt);

  const good = join(root, 'test', 'fixtures', 'profiles');

  it('a folder: says it is a folder (no EISDIR)', async () => {
    const dir = join(scratch, 'profiles.cpuprofile');
    mkdirSync(dir, { recursive: true });
    for (const target of [dir, scratch])
      assertClearMessage(await perfLabMeasured(['report', target]), /is a folder, not a file\. Give the path of a profile file/);
    assertClearMessage(await perfLabMeasured(['compare', dir, dir]), /is a folder, not a file/);
  });

  it('a missing file, an empty file, a named pipe', async () => {
    assertClearMessage(
      await perfLabMeasured(['report', join(scratch, 'missing.cpuprofile')]),
      /missing\.cpuprofile does not exist\. Give the path of a profile file/,
    );
    const empty = join(scratch, 'empty.folded');
    writeFileSync(empty, '');
    assertClearMessage(await perfLabMeasured(['report', empty]), /empty\.folded is empty \(0 bytes\)/);
    if (process.platform !== 'win32') {
      const fifo = join(scratch, 'pipe.folded');
      spawnSync('mkfifo', [fifo]);
      // Opening a pipe for reading would wait for a writer for ever: it must be refused before it is opened.
      assertClearMessage(await perfLabMeasured(['report', fifo], 5000), /pipe\.folded is a named pipe, not a regular file/);
    }
  });

  it('a file it may not read', { skip: process.platform === 'win32' || process.getuid?.() === 0 ? 'root reads every file' : false }, async () => {
    const locked = join(scratch, 'locked.cpuprofile');
    writeFileSync(locked, '{}');
    chmodSync(locked, 0);
    assertClearMessage(await perfLabMeasured(['report', locked]), /locked\.cpuprofile cannot be read: permission denied/);
  });

  it('binary data under a profile name: refused at its first bytes', async () => {
    const bytes = Buffer.alloc(1 << 20);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
    for (const [name, expected] of [
      ['noise.cpuprofile', /noise\.cpuprofile is not valid JSON at byte 0: a JSON document starts with "\{" or "\["/],
      ['noise.folded', /noise\.folded is not text: it holds a zero byte at byte \d+/],
      ['noise.bin', /noise\.bin is not a profile Perf Lab can read/],
    ] as const) {
      writeFileSync(join(scratch, name), bytes);
      assertClearMessage(await perfLabMeasured(['report', join(scratch, name)]), expected);
    }
  });

  for (const name of ['sparse.cpuprofile', 'sparse.folded', 'sparse.speedscope.json', 'Trace-sparse.json']) {
    it(`a 2 GB file of zero bytes (${name}): refused at its first byte, in well under a second and little memory`, async () => {
      const file = join(scratch, name);
      writeFileSync(file, '');
      // Sparse: 2 GB long, no disk used.
      truncateSync(file, GB2);
      const r = await perfLabMeasured(['report', file]);
      assertClearMessage(r, /starts with zero bytes: it was allocated but never written, or is truncated/);
      assert.ok(r.ms < 5000, `took ${r.ms.toFixed(0)} ms`);
      if (r.peakMB !== undefined) assert.ok(r.peakMB < 300, `peak memory ${r.peakMB.toFixed(0)} MB`);
      rmSync(file);
    });
  }

  it('compare names the file that is not a profile', async () => {
    const file = join(scratch, 'zeros.cpuprofile');
    writeFileSync(file, '');
    truncateSync(file, 1 << 20);
    const r = await perfLabMeasured(['compare', join(good, 'node-cpu-prof.cpuprofile'), file]);
    assertClearMessage(r, /zeros\.cpuprofile is not valid JSON at byte 0/);
  });
});

describe('bounded reads', () => {
  it('a line longer than the bound ends the read with a message, holding no more than the bound', async () => {
    const file = join(scratch, 'long-line.folded');
    writeFileSync(file, `main;work 3\n${'x'.repeat(300_000)} 4\n`);
    const lines: string[] = [];
    await assert.rejects(
      readLinesOfFile({ line: (t) => lines.push(t), result: () => lines }, file, 100_000),
      (e: Error) => e instanceof ProfileFormatError && /long-line\.folded:2 is a line longer than/.test(e.message),
    );
    assert.deepEqual(lines, ['main;work 3']);
  });

  it('reads lines across chunks, with CRLF and without a final newline', async () => {
    const file = join(scratch, 'lines.folded');
    const text = Array.from({ length: 50_000 }, (_, i) => `main;f${i} ${i}`).join('\r\n');
    writeFileSync(file, text);
    const lines: string[] = [];
    await readLinesOfFile({ line: (t) => lines.push(t), result: () => lines }, file);
    assert.equal(lines.length, 50_000);
    assert.equal(lines[49_999], 'main;f49999 49999');
    assert.equal(lines[123], 'main;f123 123');
  });

  it('a scalar with no end is refused after a few kilobytes, not gathered whole', () => {
    const handler = { action: () => 'descend' as const };
    assert.throws(() => scanJsonText(`{"a": ${'t'.repeat(100_000)}`, handler, 'x.json'), /runs on for more than 4096 bytes/);
    assert.throws(() => scanJsonText('{"a": \u0001}', handler, 'x.json'), /expected a value at a, found byte 0x01/);
    assert.throws(() => scanJsonText('\u0000\u0000', handler, 'x.json'), /not byte 0x00 \(the file starts with zero bytes/);
    // A byte order mark and white space before the document are fine.
    scanJsonText('\ufeff  \n{"a": [1, true, null, "s"]}', handler, 'x.json');
  });
});

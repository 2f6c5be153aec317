// A signal that ends the command line (a closed terminal, a CI timeout, Ctrl+C twice) ends everything it started:
// the user's program and the processes the program started, with a one-line message and the conventional status.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertCliBuilt, cli, root } from './cli-process';
import { isAlive } from './profile/helpers';

const scratch = mkdtempSync(join(tmpdir(), 'perf-lab-cli-signals-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

// A program that starts a child which sleeps, prints both pids, then runs until it is killed.
const PROGRAM = `
const { spawn } = require('node:child_process');
const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
console.log('PIDS ' + process.pid + ' ' + child.pid);
setInterval(() => {}, 1000);
`;

async function waitGone(pids: number[]): Promise<void> {
  for (let i = 0; i < 60 && pids.some(isAlive); i++) await new Promise((r) => setTimeout(r, 50));
}

/** Starts `perf-lab profile` on the program, sends `signal` (`times` times) once the program runs, and reports what happened. */
async function signalDuringProfile(signal: NodeJS.Signals, times = 1): Promise<{ status: number | null; stderr: string; pids: number[] }> {
  const program = join(scratch, `sleeps-${signal}.js`);
  writeFileSync(program, PROGRAM);
  const p = spawn(process.execPath, [cli, 'profile', program, '--timeout', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  p.stderr.on('data', (d) => (stderr += d));
  // The status a shell reports: the exit code, or 128 + n for a process ended by signal n.
  const closed = new Promise<number | null>((r) => p.on('close', (code, sig) => r(sig ? 128 + constants.signals[sig] : code)));
  const pids = await new Promise<number[]>((resolvePids, reject) => {
    const timer = setTimeout(() => reject(new Error(`the program did not start: ${stdout}${stderr}`)), 20_000);
    p.stdout.on('data', (d) => {
      stdout += d;
      const m = /PIDS (\d+) (\d+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolvePids([Number(m[1]), Number(m[2])]);
      }
    });
  });
  try {
    for (let i = 0; i < times; i++) {
      p.kill(signal);
      await new Promise((r) => setTimeout(r, 100));
    }
    const code = await Promise.race([closed, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15_000))]);
    assert.notEqual(code, 'hung', `perf-lab did not end after ${signal}`);
    await waitGone(pids);
    return { status: code as number | null, stderr, pids };
  } finally {
    for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    p.kill('SIGKILL');
  }
}

describe('perf-lab ended by a signal', { skip: process.platform === 'win32' ? 'POSIX signals' : false }, () => {
  before(assertCliBuilt);

  for (const [signal, number] of [
    ['SIGTERM', 15],
    ['SIGHUP', 1],
  ] as const) {
    it(`ends the program and its child on ${signal}, exits ${128 + number} with one line`, async () => {
      const r = await signalDuringProfile(signal);
      for (const pid of r.pids) assert.ok(!isAlive(pid), `process ${pid} outlived perf-lab after ${signal}`);
      assert.equal(r.status, 128 + number);
      assert.match(r.stderr, new RegExp(`^perf-lab: stopped by ${signal}`, 'm'));
      assert.doesNotMatch(r.stderr, /^\s+at /m);
    });
  }

  it('ends the program and its child on a second Ctrl+C, exits 130', async () => {
    const r = await signalDuringProfile('SIGINT', 2);
    for (const pid of r.pids) assert.ok(!isAlive(pid), `process ${pid} outlived perf-lab after Ctrl+C`);
    assert.equal(r.status, 130);
    assert.doesNotMatch(r.stderr, /^\s+at /m);
  });
});

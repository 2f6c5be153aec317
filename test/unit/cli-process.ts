// The built command line (dist/cli.js) run as users run it, in a child process; shared by the command-line tests.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The checkout's root folder. */
export const root = resolve(__dirname, '..', '..');
/** The built command line. */
export const cli = join(root, 'dist', 'cli.js');

/** Fails with what to do when the command line has not been built (`npm run build`). */
export function assertCliBuilt(): void {
  assert.ok(existsSync(cli), `${cli} is missing: run npm run build first`);
}

/** Runs `perf-lab <args>` from the root folder and collects its exit code and output. */
export function perfLab(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const p = spawn(process.execPath, [cli, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** `--apply` for a test about what Apply writes, not whether it pays: the whole program is not run, and Apply goes ahead. */
export const APPLY_REGARDLESS = ['--apply', '--force', '--whole-program-time', '0'];

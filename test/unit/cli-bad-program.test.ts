// `perf-lab profile` and `optimize` given a program that cannot run: a Python syntax error, a folder, a named pipe.
// One line that says what is wrong, never a traceback or a stack, and never a wait for ever on a pipe. A profiled
// program that fails: its error and exit code, and a non-zero exit status.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertCliBuilt, perfLab } from './cli-process';

const scratch = mkdtempSync(join(tmpdir(), 'perf-lab-bad-program-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const hasPython = spawnSync('python3', ['--version']).status === 0;

function assertOneLine(r: { code: number | null; stdout: string; stderr: string }, expected: RegExp): void {
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^perf-lab: [^\n]+\n$/, `not one line: ${JSON.stringify(r.stderr)}`);
  assert.match(r.stderr, expected);
  assert.doesNotMatch(r.stdout + r.stderr, /Traceback|^\s+at |unexpected problem/m);
}

describe('perf-lab on a program that cannot run', () => {
  before(assertCliBuilt);

  it(
    'optimize on a Python file with a syntax error names the file, the line and the error',
    { skip: hasPython ? false : 'python3 is not on PATH' },
    async () => {
      const file = join(scratch, 'broken.py');
      writeFileSync(file, 'def f(x):\n    return x +\n\nprint(f(1))\n');
      assertOneLine(
        await perfLab('optimize', file, '--fn', 'f', '--store', join(scratch, 'store')),
        /^perf-lab: broken\.py line 2: SyntaxError: invalid syntax\. Fix the file/,
      );
      const binary = join(scratch, 'binary.py');
      writeFileSync(binary, Buffer.from([0x64, 0x65, 0x66, 0, 0, 0xff, 0x0a]));
      assertOneLine(await perfLab('optimize', binary, '--fn', 'f', '--store', join(scratch, 'store')), /^perf-lab: binary\.py(: | line \d+: )\w+Error: /);
    },
  );

  it('optimize on a JavaScript or TypeScript file with a syntax error names the file, the line and the error (not a missing function)', async () => {
    const file = join(scratch, 'broken.js');
    writeFileSync(file, 'function f(x) {\n  return x +;\n}\nconsole.log(f(1));\n');
    assertOneLine(
      await perfLab('optimize', file, '--fn', 'f', '--store', join(scratch, 'store')),
      /^perf-lab: broken\.js line 2:\d+: Expression expected\. The file has a syntax error/,
    );
    const ts = join(scratch, 'broken.ts');
    writeFileSync(ts, 'export function f(x: number): number {\n  return x * (2;\n}\n');
    assertOneLine(
      await perfLab('optimize', ts, '--fn', 'f', '--store', join(scratch, 'store')),
      /^perf-lab: broken\.ts line 2:\d+: '\)' expected\. The file has a syntax error/,
    );
  });

  it(
    'profile on a Python script that fails: its error and exit code, the profile kept, exit status 1',
    { skip: hasPython ? false : 'python3 is not on PATH' },
    async () => {
      const out = join(scratch, 'fails.cpuprofile');
      const r = await perfLab('profile', 'test/fixtures/profile-corpus/fails_import.py', '--out', out);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, /run {7}[\d.]+ s, exit code 1\n/);
      assert.match(r.stdout, /^Function +Location/m, 'the profile collected is shown');
      assert.ok(existsSync(out), 'and written');
      assert.match(
        r.stderr,
        /\nperf-lab: The program failed with exit code 1: ModuleNotFoundError: No module named 'perf_lab_corpus_missing_module' \(the profile above holds what it ran until then\)\n$/,
      );
      const ok = await perfLab('profile', 'test/fixtures/profile-corpus/exits_early.py');
      assert.equal(ok.code, 0, 'sys.exit(0) is a success');
    },
  );

  it('profile on a Node program that fails: its error and exit code, exit status 1', async () => {
    const file = join(scratch, 'fails.js');
    writeFileSync(file, 'let s = 0;\nfor (let i = 0; i < 1e6; i++) s += i;\nconsole.log(s);\nrequire("perf-lab-no-such-module");\n');
    const r = await perfLab('profile', file);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /exit code 1\n/);
    assert.match(
      r.stderr,
      /\nperf-lab: The program failed with exit code 1: Error: Cannot find module 'perf-lab-no-such-module' \(the profile above holds what it ran until then\)\n$/,
    );
  });

  it('a folder or a named pipe given as the program: said at once', async () => {
    const dir = join(scratch, 'app.js');
    mkdirSync(dir);
    assertOneLine(await perfLab('profile', dir), /app\.js is a folder, not a file/);
    assertOneLine(await perfLab('optimize', dir, '--fn', 'f', '--store', join(scratch, 'store')), /app\.js is a folder, not a file/);
    if (process.platform === 'win32') return;
    const fifo = join(scratch, 'pipe.js');
    spawnSync('mkfifo', [fifo]);
    for (const args of [
      ['profile', fifo],
      ['optimize', fifo, '--fn', 'f', '--store', join(scratch, 'store')],
    ]) {
      const started = performance.now();
      assertOneLine(await perfLab(...args), /pipe\.js is a named pipe, not a regular file/);
      assert.ok(performance.now() - started < 10_000);
    }
  });
});

// These tests really run node and really profile; each program runs well under a second unless it is meant to be stopped.
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { CancelledError, PerfLabError, SourceError } from '../../../extension/errors';
import { functionStats, totalWeight } from '../../../extension/profile/aggregate';
import type { Profile } from '../../../extension/profile/model';
import { INLINING_NOTE, parseNodeSyntaxError, preloadPath, probeNode, profileNodeFile, runSummary } from '../../../extension/profile/node-runner';
import { STOP_GRACE_MS } from '../../../extension/profile/run-child';
import { isAlive } from './helpers';

const root = resolve(__dirname, '..', '..', '..');
const examples = join(root, 'examples');
const programs = join(root, 'test', 'fixtures', 'programs');
const scratch = mkdtempSync(join(tmpdir(), 'perf-lab-runner-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Self share of the heaviest function with this name, and whether it is the top one. */
function selfShare(p: Profile, name: string): { share: number; top: boolean } {
  const stats = functionStats(p);
  const fn = stats.find((f) => f.name === name);
  return { share: fn ? fn.self / totalWeight(p) : 0, top: stats[0]?.name === name };
}

/** A PerfLabError (of a class) whose message matches every pattern. */
function userError(patterns: RegExp[], type: typeof PerfLabError = PerfLabError) {
  return (e: unknown) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${String(e)}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  };
}

/** The first line of a file that includes `text`, 1-based. */
function lineOf(file: string, text: string): number {
  return (
    readFileSync(file, 'utf8')
      .split('\n')
      .findIndex((l) => l.includes(text)) + 1
  );
}

describe('profileNodeFile: inlining', () => {
  const nbody = join(examples, 'nbody.js');
  let withFlag: Awaited<ReturnType<typeof profileNodeFile>>;

  it('with inlining off, advance() is the top self function with most of the time', async () => {
    withFlag = await profileNodeFile({ file: nbody, args: ['1000000'] });
    const { share, top } = selfShare(withFlag.profile, 'advance');
    assert.ok(top, `advance is not the top self function: ${functionStats(withFlag.profile)[0]?.name}`);
    assert.ok(share > 0.6, `advance self share ${share.toFixed(3)}`);
    assert.ok(withFlag.notes.includes(INLINING_NOTE));
    const advance = functionStats(withFlag.profile).find((f) => f.name === 'advance')!;
    assert.equal(advance.file, nbody);
    assert.equal(advance.line, lineOf(nbody, 'function advance('));
    assert.equal(withFlag.run.exitCode, 0);
    assert.deepEqual(withFlag.warnings, []);
  });

  it('with inlining on, most of that time lands in the caller instead', async () => {
    const plain = await profileNodeFile({ file: nbody, args: ['1000000'], disableInlining: false });
    const off = selfShare(withFlag.profile, 'advance').share;
    const on = selfShare(plain.profile, 'advance').share;
    assert.ok(on < off / 2, `advance share with inlining ${on.toFixed(3)}, without ${off.toFixed(3)}`);
    assert.ok(!plain.notes.includes(INLINING_NOTE));
  });
});

describe('profileNodeFile: TypeScript', () => {
  it('maps frames and line times back to the .ts file', async () => {
    const file = join(examples, 'pairwise.ts');
    const r = await profileNodeFile({ file, args: ['2500', '8'] });
    assert.equal(r.run.language, 'typescript');
    assert.equal(r.run.exitCode, 0);
    const start = lineOf(file, 'export function sumPairwiseDistances(');
    const lines = readFileSync(file, 'utf8').split('\n');
    const end = lines.findIndex((l, i) => i >= start && l === '}') + 1;
    const hot = functionStats(r.profile)[0]!;
    assert.equal(hot.name, 'sumPairwiseDistances');
    assert.equal(hot.file, file);
    assert.equal(hot.line, start);
    assert.ok(hot.self / totalWeight(r.profile) > 0.5);
    const ticks = r.profile.lines.filter((l) => hot.frames.includes(l.frame));
    assert.ok(ticks.length > 0, 'the hot function has line times');
    for (const t of ticks) assert.ok(t.line >= start && t.line <= end, `line ${t.line} lies in ${start}..${end}`);
    assert.ok(!r.profile.frames.some((f) => f.file.includes('perf-lab-') || f.file.endsWith('.cjs')), 'no frame points into the temporary bundle');
    assert.ok(r.notes.some((n) => /bundled with esbuild/.test(n)));
  });

  it('bundles an ES-module project, keeps packages external, and shows the program its own location', async () => {
    const dir = join(scratch, 'ts-app');
    mkdirSync(join(dir, 'node_modules', 'slowpkg'), { recursive: true });
    mkdirSync(join(dir, 'src'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(
      join(dir, 'node_modules', 'slowpkg', 'package.json'),
      JSON.stringify({ name: 'slowpkg', exports: { import: './index.mjs', require: './index.cjs' } }),
    );
    writeFileSync(
      join(dir, 'node_modules', 'slowpkg', 'index.mjs'),
      'export function slowSum(n) {\n  let s = 0;\n  for (let i = 0; i < n; i++) s += Math.cos(i);\n  return s;\n}\n',
    );
    writeFileSync(join(dir, 'node_modules', 'slowpkg', 'index.cjs'), 'exports.slowSum = () => 0;\n');
    writeFileSync(
      join(dir, 'src', 'kernel.ts'),
      [
        'export function kernel(n: number): number {',
        '  let s = 0;',
        '  for (let i = 0; i < n; i++) s += Math.sqrt(i) * Math.sin(i);',
        '  return s;',
        '}',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'src', 'main.ts'),
      [
        "import { kernel } from './kernel';",
        "import { slowSum } from 'slowpkg';",
        'const where: { dir: string; url: string; argv1: string } = { dir: import.meta.dirname, url: import.meta.url, argv1: process.argv[1]! };',
        'await new Promise((r) => setTimeout(r, 1));',
        'console.log(JSON.stringify(where), kernel(3e6), slowSum(1e6));',
        '',
      ].join('\n'),
    );
    let out = '';
    const main = join(dir, 'src', 'main.ts');
    const r = await profileNodeFile({ file: main, onOutput: (s, t) => (out += s === 'stdout' ? t : '') });
    assert.equal(r.run.exitCode, 0, r.run.stderrTail);
    const where = JSON.parse(out.slice(0, out.indexOf('}') + 1));
    assert.deepEqual(where, { dir: join(dir, 'src'), url: `file://${main}`, argv1: main });
    const kernel = functionStats(r.profile).find((f) => f.name === 'kernel')!;
    assert.deepEqual([kernel.file, kernel.line], [join(dir, 'src', 'kernel.ts'), 1]);
    const slow = functionStats(r.profile).find((f) => f.name === 'slowSum')!;
    assert.equal(slow.file, join(dir, 'node_modules', 'slowpkg', 'index.mjs'));
    for (const l of r.profile.lines.filter((l) => kernel.frames.includes(l.frame))) assert.ok(l.line >= 1 && l.line <= 5);
  });

  it('runs a .ts file with top-level await as an ES module, whatever its package says', async () => {
    const dir = join(scratch, 'tla');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'commonjs' }));
    const file = join(dir, 'main.ts');
    writeFileSync(
      file,
      'function spin(n: number): number {\n  let s = 0;\n  for (let i = 0; i < n; i++) s += i % 3;\n  return s;\n}\nawait Promise.resolve();\nconsole.log(spin(5e6));\n',
    );
    const r = await profileNodeFile({ file });
    assert.equal(r.run.exitCode, 0, r.run.stderrTail);
    assert.deepEqual(
      functionStats(r.profile)
        .filter((f) => f.name === 'spin')
        .map((f) => [f.file, f.line]),
      [[file, 1]],
    );
  });

  it('reports a syntax error as file:line:col, with no profile', async () => {
    const file = join(programs, 'syntax-error.ts');
    await assert.rejects(profileNodeFile({ file }), userError([new RegExp(`${file.replace(/[.\\]/g, '\\$&')}:4:16: `), /Unexpected "\*"/, /Fix it/]));
    await assert.rejects(profileNodeFile({ file }), (e: unknown) => e instanceof SourceError && isDeepStrictEqual(e.place, { file, line: 4, column: 16 }));
  });
});

describe('profileNodeFile: programs that fail', () => {
  it('reports a JavaScript syntax error as file:line:col, with no profile', async () => {
    const file = join(programs, 'syntax-error.js');
    await assert.rejects(profileNodeFile({ file }), userError([new RegExp(`${file.replace(/[.\\]/g, '\\$&')}:4:11: `), /Unexpected token ';'/]));
    // The editor's "Go to Error" opens the place the error carries.
    await assert.rejects(profileNodeFile({ file }), (e: unknown) => e instanceof SourceError && isDeepStrictEqual(e.place, { file, line: 4, column: 11 }));
  });

  it('keeps the profile of a program that throws, with a warning naming the exit code and the error', async () => {
    const r = await profileNodeFile({ file: join(programs, 'throws.js') });
    assert.equal(r.run.exitCode, 1);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0]!, /exited with code 1/);
    assert.match(r.warnings[0]!, /boom: the input was not what it expected/);
    assert.match(r.run.stderrTail, /boom/);
    assert.ok(selfShare(r.profile, 'work').top);
  });

  it('keeps the profile of a program that calls process.exit(3)', async () => {
    const r = await profileNodeFile({ file: join(programs, 'exit-code.js') });
    assert.equal(r.run.exitCode, 3);
    assert.match(r.warnings[0]!, /exited with code 3\. First lines of stderr:\ngiving up: exit 3/);
    assert.ok(r.profile.sampleStack.length > 0);
  });

  it('says which setting to change when node is not found', async () => {
    await assert.rejects(
      profileNodeFile({ file: join(programs, 'tiny.js'), nodePath: join(scratch, 'no-such-node') }),
      userError([/was not found/, /perfLab\.nodePath/]),
    );
  });

  it('lists the supported extensions for any other file', async () => {
    const file = join(scratch, 'notes.txt');
    writeFileSync(file, 'hello');
    await assert.rejects(profileNodeFile({ file }), userError([/notes\.txt/, /\.js \.mjs \.cjs \.ts \.mts/]));
    await assert.rejects(profileNodeFile({ file: join(scratch, 'missing.js') }), userError([/does not exist/]));
  });

  it('returns a valid empty result, with advice, when the program ends before the first sample', async () => {
    const r = await profileNodeFile({ file: join(programs, 'tiny.js'), samplingIntervalUs: 2_000_000 });
    assert.equal(r.profile.sampleStack.length, 0);
    assert.equal(r.run.exitCode, 0);
    assert.ok(
      r.notes.some((n) => /no samples/.test(n) && /smaller sampling interval/.test(n)),
      r.notes.join('\n'),
    );
  });
});

describe('profileNodeFile: stopping a program that never ends', () => {
  it('stops at the timeout and keeps the samples so far', async () => {
    // 2 s: on a loaded machine Node's start alone may take most of a second.
    const r = await profileNodeFile({ file: join(examples, 'forever.js'), timeoutMs: 2000 });
    assert.equal(r.run.stoppedBy, 'timeout');
    assert.equal(r.run.signal, 'SIGKILL');
    assert.match(r.warnings[0]!, /^Stopped after \d+\.\d s/);
    assert.ok(selfShare(r.profile, 'spin').share > 0.8);
    assert.ok(totalWeight(r.profile) > 300, `only ${totalWeight(r.profile)} ms of samples`);
    assert.ok(r.run.stopHandshakeMs! < 1000, `the stop took ${r.run.stopHandshakeMs} ms`);
    assert.ok(r.run.durationMs < 2000 + STOP_GRACE_MS);
  });

  it('stops an ES module busy in a loop after a top-level await', async () => {
    const r = await profileNodeFile({ file: join(programs, 'forever.mjs'), timeoutMs: 700 });
    assert.equal(r.run.stoppedBy, 'timeout');
    assert.ok(selfShare(r.profile, 'spinForever').top);
  });

  it('stops on cancel and kills every process the program started', async () => {
    const pidsFile = join(scratch, 'pids.json');
    const controller = new AbortController();
    // Cancelled once the program runs and has started its children (they write their ids), however slow the start.
    const started = setInterval(() => {
      if (!existsSync(pidsFile)) return;
      clearInterval(started);
      setTimeout(() => controller.abort(), 200);
    }, 20);
    const r = await profileNodeFile({ file: join(programs, 'spawner.js'), args: [pidsFile], signal: controller.signal }).finally(() => clearInterval(started));
    assert.equal(r.run.stoppedBy, 'cancel');
    assert.match(r.warnings[0]!, /^Stopped after \d+\.\d s because profiling was cancelled/);
    assert.ok(r.profile.sampleStack.length > 0);
    const pids = JSON.parse(readFileSync(pidsFile, 'utf8')) as number[];
    assert.equal(pids.length, 2);
    // Killed processes may take a moment to be reaped.
    for (let i = 0; i < 20 && pids.some(isAlive); i++) await new Promise((r) => setTimeout(r, 50));
    for (const pid of pids) assert.ok(!isAlive(pid), `process ${pid} is still running`);
  });

  it('fails with a clear message when the program cannot answer, and still kills it', async () => {
    await assert.rejects(
      profileNodeFile({ file: join(programs, 'blocked.js'), timeoutMs: 300 }),
      userError([/stopped after/, /no samples could be saved/, /perfLab\.timeout/]),
    );
  });

  it('cancels before starting when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(profileNodeFile({ file: join(programs, 'tiny.js'), signal: controller.signal }), userError([/cancelled/], CancelledError));
  });
});

describe('profileNodeFile: the run', () => {
  it('runs in the file folder with the arguments, streams the output, and reports the run', async () => {
    let stdout = '';
    let stderr = '';
    const steps: string[] = [];
    const file = join(programs, 'where.js');
    const r = await profileNodeFile({
      file,
      args: ['--flag', 'two words'],
      onOutput: (s, t) => (s === 'stdout' ? (stdout += t) : (stderr += t)),
      onProgress: (e) => steps.push(e.message),
    });
    const seen = JSON.parse(stdout.split('\n')[0]!);
    assert.equal(seen.cwd, programs);
    assert.deepEqual(seen.argv, ['--flag', 'two words']);
    assert.match(stderr, /^sum \d+/);
    assert.equal(r.run.file, file);
    assert.equal(r.run.language, 'javascript');
    assert.equal(r.run.runtimeVersion, process.version);
    assert.equal(r.run.runtime, process.execPath);
    assert.deepEqual(r.run.args, ['--flag', 'two words']);
    assert.equal(r.run.samplingIntervalUs, 100);
    assert.ok(r.run.durationMs > 0);
    assert.ok(
      steps.some((s) => /^Running where\.js/.test(s)),
      steps.join(' | '),
    );
    const summary = runSummary(r.run);
    assert.equal(summary.runtime, `${process.execPath} (${process.version})`);
    assert.ok(!('stderrTail' in summary));
  });

  it("keeps Perf Lab's own preload out of the profile", async () => {
    const r = await profileNodeFile({ file: join(programs, 'hot.mjs') });
    assert.ok(selfShare(r.profile, 'hotLoop').top);
    const preload = preloadPath();
    assert.ok(!r.profile.frames.some((f) => f.file === preload || f.name === 'stop'));
  });

  it('leaves no temporary files behind', async () => {
    const tmp = mkdtempSync(join(scratch, 'tmp-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      await profileNodeFile({ file: join(programs, 'tiny.js') });
      await profileNodeFile({ file: join(examples, 'pairwise.ts'), args: ['100', '1'] });
      await assert.rejects(profileNodeFile({ file: join(programs, 'syntax-error.ts') }));
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    assert.deepEqual(readdirSync(tmp), []);
  });
});

describe('probeNode', () => {
  it('reports the version and real path, and whether V8 takes --no-maglev-inlining', async () => {
    assert.deepEqual(await probeNode(process.execPath), { version: process.version, execPath: process.execPath, maglevFlag: true });
  });

  it('asks again without the Maglev flag when an older node refuses it', { skip: process.platform === 'win32' }, async () => {
    const fake = join(scratch, 'old-node');
    writeFileSync(
      fake,
      [
        `#!${process.execPath}`,
        'const args = process.argv.slice(2);',
        "if (args.includes('--no-maglev-inlining')) { console.error(process.argv0 + ': bad option: --no-maglev-inlining'); process.exit(9); }",
        "const r = require('node:child_process').spawnSync(process.execPath, args, { stdio: 'inherit' });",
        'process.exit(r.status ?? 1);',
        '',
      ].join('\n'),
    );
    chmodSync(fake, 0o755);
    assert.deepEqual(await probeNode(fake), { version: process.version, execPath: process.execPath, maglevFlag: false });
  });
});

describe('parseNodeSyntaxError', () => {
  it("reads file, line, caret column and message from node's stderr", () => {
    const stderr = [
      '/a/b.js:3',
      '\tlet x = ;',
      '\t        ^',
      '',
      "SyntaxError: Unexpected token ';'",
      '    at wrapSafe (node:internal/modules/cjs/loader:1464:18)',
      '',
      'Node.js v20.20.2',
    ].join('\n');
    assert.deepEqual(parseNodeSyntaxError(stderr), { file: '/a/b.js', line: 3, column: 10, message: "Unexpected token ';'" });
    assert.equal(parseNodeSyntaxError('Error: Cannot find module'), undefined);
  });
});

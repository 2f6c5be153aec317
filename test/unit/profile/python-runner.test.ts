// These tests really run python3 (3.8 or later on PATH) under cProfile and Perf Lab's sampler.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { topTable } from '../../../extension/cli';
import { PerfLabError, SourceError } from '../../../extension/errors';
import { functionStats, lineStats, totalWeight } from '../../../extension/profile/aggregate';
import { detectFormat, readProfile } from '../../../extension/profile/import';
import { parsePythonProfile } from '../../../extension/profile/importers/python';
import { profilePythonFile, probePython, readPstats } from '../../../extension/profile/python-runner';

const root = resolve(__dirname, '..', '..', '..');
const pairwise = join(root, 'examples', 'python', 'pairwise.py');
const scratch = mkdtempSync(join(tmpdir(), 'perf-lab-python-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function lineOf(file: string, text: string): number {
  return (
    readFileSync(file, 'utf8')
      .split('\n')
      .findIndex((l) => l.includes(text)) + 1
  );
}

function userError(patterns: RegExp[]) {
  return (e: unknown) => {
    assert.ok(e instanceof PerfLabError, `expected PerfLabError, got ${String(e)}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  };
}

describe('profilePythonFile', () => {
  it('names the hot function with exact call counts under cProfile', async () => {
    const n = 200;
    const r = await profilePythonFile({ file: pairwise, args: [String(n)], mode: 'cprofile' });
    assert.equal(r.run.language, 'python');
    assert.match(r.run.runtimeVersion, /^Python 3\.\d+/);
    assert.equal(r.run.exitCode, 0);
    assert.equal(r.profile.unit, 'ms');
    const stats = functionStats(r.profile);
    // cProfile's own per-call cost lands partly in the caller's self time, so distance and its caller trade places.
    const top = stats.find((f) => f.name === 'distance')!;
    assert.ok(
      stats.slice(0, 3).includes(top),
      `distance is among the top three: ${stats
        .slice(0, 3)
        .map((f) => f.name)
        .join(', ')}`,
    );
    assert.ok(top.total > 0.3 * totalWeight(r.profile));
    assert.equal(top.file, pairwise);
    assert.equal(top.line, lineOf(pairwise, 'def distance'));
    assert.equal(top.kind, 'python');
    const calls = (name: string) => r.profile.calls![r.profile.frames.findIndex((f) => f.name === name && f.file === pairwise)];
    assert.equal(calls('distance'), (n * (n - 1)) / 2);
    assert.equal(calls('pairwise_sum'), 1);
    assert.equal(r.profile.calls![r.profile.frames.findIndex((f) => f.name === 'math.sqrt')], (n * (n - 1)) / 2);
    // distance is reached through <module> -> main -> pairwise_sum, with the helper's own frames left out.
    const sum = stats.find((f) => f.name === 'pairwise_sum')!;
    assert.ok(sum.total >= top.total, 'pairwise_sum includes distance');
    assert.deepEqual(
      r.profile.frames.filter((f) => f.file.endsWith('perf_lab_profile.py')),
      [],
    );
    assert.ok(r.notes.some((x) => /caller -> callee edges/.test(x)));
    // The command line's table shows the exact counts.
    assert.match(topTable(r.profile, 5), /distance .* 19,900\n/);
  });

  it('names the hot function and the lines inside it with the sampler', async () => {
    const r = await profilePythonFile({ file: pairwise, args: ['1200'], mode: 'sampling', samplingIntervalUs: 500 });
    assert.equal(r.run.profiler, 'Perf Lab sampler');
    assert.ok(r.profile.sampleStack.length > 20, `only ${r.profile.sampleStack.length} samples`);
    const stats = functionStats(r.profile);
    const distance = stats.find((f) => f.name === 'distance')!;
    // Shares of the whole run move with the machine's load (start-up, the sampler's own turns); what must hold is
    // where the script's time goes: distance is the hottest function, and its own lines carry its time.
    const hottest = [...stats].sort((a, b) => b.self - a.self)[0]!;
    assert.equal(
      hottest.name,
      'distance',
      `the hottest function is ${hottest.name} (${hottest.self}), distance has ${distance.self} of ${totalWeight(r.profile)}`,
    );
    assert.ok(distance.self / totalWeight(r.profile) > 0.1, `distance has ${distance.self} of ${totalWeight(r.profile)}`);
    const lines = lineStats(r.profile).get(pairwise)!;
    const first = lineOf(pairwise, 'def distance');
    const last = lineOf(pairwise, 'return math.sqrt');
    const inside = [...lines].filter(([l]) => l >= first && l <= last).reduce((a, [, w]) => a + w, 0);
    // (Most of it: a sample taken while the call is set up or torn down lands on the caller's line.)
    assert.ok(inside >= 0.5 * distance.self, `the lines of distance carry its time (${inside} of ${distance.self})`);
  });

  it('reports a syntax error with file:line:col before running', async () => {
    const bad = join(scratch, 'bad.py');
    writeFileSync(bad, 'x = 1\ndef f(:\n    pass\n');
    await assert.rejects(profilePythonFile({ file: bad }), userError([new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:\\d+`), /SyntaxError/]));
    // The editor's "Go to Error" opens the place the error carries.
    await assert.rejects(
      profilePythonFile({ file: bad }),
      (e: unknown) => e instanceof SourceError && e.place.file === bad && e.place.line === 2 && e.place.column > 0,
    );
  });

  it('keeps the samples of a never-ending script stopped by the timeout', async () => {
    const forever = join(scratch, 'forever.py');
    writeFileSync(forever, 'def spin():\n    x = 0\n    while True:\n        x += 1\n\nspin()\n');
    for (const mode of ['sampling', 'cprofile'] as const) {
      const r = await profilePythonFile({ file: forever, mode, timeoutMs: 800 });
      assert.equal(r.run.stoppedBy, 'timeout');
      assert.ok(r.warnings.some((w) => /timeout/.test(w)));
      const spin = functionStats(r.profile).find((f) => f.name === 'spin');
      assert.ok(spin && spin.total > 0.5 * totalWeight(r.profile), `${mode}: spin holds the time`);
      assert.ok(totalWeight(r.profile) > 200, `${mode}: ${totalWeight(r.profile)} ms recorded`);
    }
  });

  it('keeps the samples so far when cancelled, and runs on the interpreter it is given', async () => {
    const forever = join(scratch, 'forever-cancel.py');
    writeFileSync(forever, 'import time\n\ndef wait_forever():\n    while True:\n        time.sleep(0.01)\n\nwait_forever()\n');
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 700);
    const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
    const r = await profilePythonFile({ file: forever, mode: 'sampling', pythonPath: python, signal: abort.signal, timeoutMs: 0 });
    assert.equal(r.run.stoppedBy, 'cancel');
    assert.ok(r.warnings.some((w) => /cancelled/.test(w)));
    assert.ok(functionStats(r.profile).some((f) => f.name === 'wait_forever' && f.total > 0));
    if (python !== 'python3') assert.equal(r.run.runtime, python);
  });

  it('keeps the profile of a failing script and warns with its stderr', async () => {
    const failing = join(scratch, 'failing.py');
    writeFileSync(failing, 'def work():\n    return sum(i * i for i in range(100000))\n\nwork()\nraise ValueError("boom")\n');
    const r = await profilePythonFile({ file: failing });
    assert.equal(r.run.exitCode, 1);
    assert.ok(r.warnings[0]!.includes('ValueError: boom'));
    assert.ok(!/perf_lab_profile/.test(r.run.stderrTail), 'the traceback starts at the script');
    assert.ok(functionStats(r.profile).some((f) => f.name === 'work'));
  });

  it('names perfLab.pythonPath when the interpreter is missing', async () => {
    await assert.rejects(probePython('/nonexistent/python3'), userError([/perfLab\.pythonPath/]));
  });
});

describe('pstats files', () => {
  it('converts a cProfile .prof file and imports it', async () => {
    const prof = join(scratch, 'pairwise.prof');
    execFileSync('python3', ['-m', 'cProfile', '-o', prof, pairwise, '150'], { stdio: 'ignore' });
    assert.equal(detectFormat(prof, ''), 'pstats');
    const converted = await readPstats(prof);
    assert.equal(converted.mode, 'pstats');
    const p = await readProfile(prof);
    const distance = functionStats(p).find((f) => f.name === 'distance')!;
    assert.equal(distance.file, pairwise);
    assert.ok(distance.total > 0.3 * totalWeight(p));
    assert.equal(p.calls![p.frames.findIndex((f) => f.name === 'distance')], (150 * 149) / 2);
  });

  it('says so when a .prof file is not pstats', async () => {
    const bogus = join(scratch, 'bogus.prof');
    writeFileSync(bogus, 'not marshal data');
    await assert.rejects(readProfile(bogus), /not a cProfile\/pstats file/);
  });

  it("rejects JSON that is not the helper's", () => {
    assert.throws(() => parsePythonProfile('{"format":"other"}', 'x.json'), /not a Perf Lab Python profile/);
  });
});

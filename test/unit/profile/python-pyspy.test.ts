// Sampling with py-spy: the test environment's interpreter (test/python-env.ts) has py-spy installed next to it, so
// perfLab.pythonProfiler=sampling runs the script under `py-spy record`, out of process.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { functionStats, lineStats, totalWeight } from '../../../extension/profile/aggregate';
import { parsePythonProfile } from '../../../extension/profile/importers/python';
import { findPySpy, probePython, profilePythonFile, pythonHelperPath } from '../../../extension/profile/python-runner';
import { pythonEnv } from '../../python-env';

const root = resolve(__dirname, '..', '..', '..');
const pairwise = join(root, 'examples', 'python', 'pairwise.py');
const scratch = mkdtempSync(join(tmpdir(), 'perf-lab-pyspy-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let python = '';
before(async () => {
  python = (await pythonEnv()).python;
});

function lineOf(file: string, text: string): number {
  return (
    readFileSync(file, 'utf8')
      .split('\n')
      .findIndex((l) => l.includes(text)) + 1
  );
}

describe('sampling with py-spy', () => {
  it("finds py-spy next to a virtual environment's interpreter, and not for one without it", async () => {
    const spy = await findPySpy(await probePython(python), python);
    assert.ok(spy, 'py-spy is found in the test environment');
    assert.equal(spy.path, join(root, '.cache', 'py-venv', 'bin', 'py-spy'));
    assert.match(spy.version, /^\d+\.\d+\.\d+$/);
    // Debian's interpreter has no py-spy (it is not packaged): sampling falls back to the built-in sampler.
    assert.equal(await findPySpy({ execPath: '/usr/bin/python3', version: '3', scripts: ['/usr/bin'] }), undefined);
  });

  it("names the hot function and its lines, and leaves py-spy's messages out of the program's output", async () => {
    let stdout = '';
    const r = await profilePythonFile({
      file: pairwise,
      args: ['2500'],
      mode: 'sampling',
      pythonPath: python,
      onOutput: (s, t) => s === 'stdout' && (stdout += t),
    });
    assert.match(r.run.profiler!, /^py-spy \d/);
    assert.equal(r.run.exitCode, 0);
    assert.equal(stdout, 'sum of 3123750 distances: 2075915.484610\n');
    assert.ok(
      r.notes.some((n) => /Sampled by py-spy/.test(n)),
      r.notes.join('\n'),
    );
    // py-spy samples every 10 ms at the finest (PY_SPY_MIN_INTERVAL_US).
    assert.equal(r.run.samplingIntervalUs, 10_000);
    assert.ok(r.profile.sampleStack.length > 20, `only ${r.profile.sampleStack.length} samples`);
    const stats = functionStats(r.profile);
    const distance = stats.find((f) => f.name === 'distance')!;
    // Frames are named by their function's first line, as under cProfile and the built-in sampler, not py-spy's current line.
    assert.equal(distance.line, lineOf(pairwise, 'def distance'));
    assert.equal(distance.file, pairwise);
    assert.equal(stats.filter((f) => f.name === 'distance').length, 1);
    assert.ok(distance.self / totalWeight(r.profile) > 0.3, `distance has ${distance.self} of ${totalWeight(r.profile)}`);
    assert.deepEqual(
      r.profile.frames.filter((f) => f.file.endsWith('perf_lab_profile.py')),
      [],
      "the helper's frames are left out",
    );
    const lines = lineStats(r.profile).get(pairwise)!;
    const first = lineOf(pairwise, 'def distance');
    const last = lineOf(pairwise, 'return math.sqrt');
    const inside = [...lines].filter(([l]) => l > first && l <= last).reduce((a, [, w]) => a + w, 0);
    assert.ok(inside > 0.3 * totalWeight(r.profile), 'the lines of distance carry its time');
  });

  it("reports the script's own exit status and keeps the samples of a stopped script", async () => {
    const failing = join(scratch, 'exit3.py');
    writeFileSync(failing, 'import sys\n\ndef work():\n    return sum(i * i for i in range(3_000_000))\n\nwork()\nsys.exit(3)\n');
    const r = await profilePythonFile({ file: failing, mode: 'sampling', pythonPath: python });
    assert.equal(r.run.exitCode, 3);
    assert.ok(r.warnings.some((w) => /exited with code 3/.test(w)));

    const forever = join(scratch, 'forever.py');
    writeFileSync(forever, 'def spin():\n    x = 0\n    while True:\n        x += 1\n\nspin()\n');
    const t = await profilePythonFile({ file: forever, mode: 'sampling', pythonPath: python, timeoutMs: 1000 });
    assert.equal(t.run.stoppedBy, 'timeout');
    assert.match(t.run.profiler!, /^py-spy/);
    const spin = functionStats(t.profile).find((f) => f.name === 'spin');
    assert.ok(spin && spin.self > 0.8 * totalWeight(t.profile), 'spin holds the time');
    assert.ok(t.profile.sampleStack.length > 40, `${t.profile.sampleStack.length} samples`);
  });

  it('uses the built-in sampler when asked to, in the same environment', async () => {
    const r = await profilePythonFile({ file: pairwise, args: ['300'], mode: 'sampling', sampler: 'builtin', pythonPath: python });
    assert.equal(r.run.profiler, 'Perf Lab sampler');
  });
});

describe("converting py-spy's speedscope file", () => {
  it("names methods and functions by their first line, drops the helper's frames and weighs lines", () => {
    const file = join(scratch, 'shapes.py');
    writeFileSync(file, 'class Shape:\n    def area(self):\n        a = 1\n        return a * 2\n\ndef main():\n    s = Shape()\n    return s.area()\n');
    const helper = pythonHelperPath();
    const doc = {
      shared: {
        frames: [
          { name: '<module>', file: helper, line: 600 },
          { name: 'run_script', file: helper, line: 500 },
          { name: 'main', file, line: 8 },
          { name: 'Shape.area', file, line: 3 },
          { name: 'Shape.area', file, line: 4 },
          { name: 'loop', file: helper, line: 300 },
          { name: 'watch_control', file: helper, line: 400 },
          { name: 'Thread.start', file: '/usr/lib/python3.11/threading.py', line: 950 },
        ],
      },
      profiles: [
        // The helper starting its control thread from run_script, and its control thread, are left out.
        {
          type: 'sampled',
          unit: 'seconds',
          samples: [[0, 1, 2, 3], [0, 1, 2, 4], [0, 1, 2, 4], [5], [0, 1, 6, 7]],
          weights: [0.001, 0.001, 0.001, 0.001, 0.001],
        },
      ],
    };
    const input = join(scratch, 'spy.json');
    const out = join(scratch, 'spy-profile.json');
    writeFileSync(input, JSON.stringify(doc));
    execFileSync(python, [helper, 'pyspy', '--out', out, '--interval', '1000', '--version', '9.9', input]);
    const { profile, notes } = parsePythonProfile(readFileSync(out, 'utf8'), 'spy');
    assert.deepEqual(
      profile.frames.map((f) => [f.name, f.line]),
      [
        ['main', 6],
        ['Shape.area', 2],
      ],
    );
    assert.equal(profile.sampleStack.length, 3, "the helper's own stacks are left out");
    assert.equal(totalWeight(profile), 3);
    assert.deepEqual([...lineStats(profile).get(file)!].sort(), [
      [3, 1],
      [4, 2],
    ]);
    assert.match(notes[0]!, /py-spy 9\.9/);
  });
});

// The profile corpus (test/fixtures/profile-corpus/): small programs in the styles real scripts are written in (a
// local module, standard library and numpy imports, a __main__ guard, sys.exit, a thread, sys.argv and a relative
// data file, a method, a closure and a tiny leaf as the hot spot). Each is profiled under cProfile, the built-in
// sampler, and py-spy where it is installed next to the interpreter, and must name the same function on top.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { functionStats, totalWeight } from '../../../extension/profile/aggregate';
import { runReport } from '../../../extension/cli';
import {
  findPySpy,
  probePython,
  profileCoverage,
  profilePythonFile,
  readPstats,
  shortProfileWarning,
  type PythonProfileRequest,
} from '../../../extension/profile/python-runner';
import { programErrorLine } from '../../../extension/profile/run-child';
import { pythonEnv } from '../../python-env';

const root = resolve(__dirname, '..', '..', '..');
const corpus = join(root, 'test', 'fixtures', 'profile-corpus');
const scratch = mkdtempSync(join(tmpdir(), 'perf-lab-corpus-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

interface CorpusCase {
  file: string;
  args?: string[];
  /** The function with the most self time, as every mode names it; two for a tiny leaf (see below). */
  top: string[];
  /** What the program prints when it ran where it expects (its own folder, its arguments). */
  stdout?: RegExp;
}

const CASES: CorpusCase[] = [
  { file: 'local_import.py', top: ['weigh'], stdout: /^total=\d+\n$/ },
  { file: 'stdlib_imports.py', top: ['histogram'], stdout: /^CPython subprocess \d+ True\n$/ },
  { file: 'numpy_import.py', top: ['count_rises'] },
  { file: 'main_guard.py', top: ['collatz_steps'], stdout: /^longest chain starts at \d+\n$/ },
  // cProfile's own cost per call lands in the caller, a sampler's in the leaf: the leaf and its loop trade places.
  { file: 'tiny_leaf.py', top: ['total_area', 'area'] },
  { file: 'method_hot.py', top: ['Particles.step'] },
  { file: 'closure_hot.py', top: ['make_smoother/smooth'] },
  { file: 'exits_early.py', top: ['count_primes'] },
  { file: 'with_thread.py', top: ['crunch'], stdout: /^11250000 986502\ntail 999991\n$/ },
  { file: 'argv_and_files.py', args: ['150'], top: ['parse_rows'], stdout: /^argv_and_files\.py True 29700000\n$/ },
];

type Mode = { name: string; request: Pick<PythonProfileRequest, 'mode' | 'sampler' | 'samplingIntervalUs'> };
const MODES: Mode[] = [
  { name: 'cProfile', request: { mode: 'cprofile' } },
  { name: 'the built-in sampler', request: { mode: 'sampling', sampler: 'builtin', samplingIntervalUs: 1000 } },
  { name: 'py-spy', request: { mode: 'sampling' } },
];

let python = '';
let hasPySpy = false;
before(async () => {
  python = (await pythonEnv()).python;
  hasPySpy = (await findPySpy(await probePython(python), python)) !== undefined;
});

describe('the profile corpus, in every Python mode', () => {
  for (const c of CASES) {
    it(`${c.file}: ${c.top.join(' or ')} on top`, async () => {
      const file = join(corpus, c.file);
      for (const m of MODES) {
        if (m.name === 'py-spy' && !hasPySpy) continue;
        let stdout = '';
        const r = await profilePythonFile({
          file,
          args: c.args ?? [],
          pythonPath: python,
          ...m.request,
          onOutput: (s, t) => s === 'stdout' && (stdout += t),
        });
        const what = `${c.file} under ${m.name}`;
        assert.equal(r.run.exitCode, 0, `${what}: ${r.run.stderrTail}`);
        if (c.stdout) assert.match(stdout, c.stdout, what);
        const total = totalWeight(r.profile);
        const stats = functionStats(r.profile);
        assert.ok(total > 0, `${what}: the profile is empty`);
        const top = stats[0]!;
        assert.ok(
          c.top.includes(top.name),
          `${what}: ${top.name} is on top, not ${c.top.join(' or ')} (${stats
            .slice(0, 4)
            .map((f) => `${f.name} ${((100 * f.self) / total).toFixed(0)} %`)
            .join(', ')})`,
        );
        assert.equal(top.file, file, what);
        // Exact times put both on top; a sampler on a loaded machine may also catch the interpreter's start-up.
        if (c.top.length > 1 && m.request.mode === 'cprofile') assert.ok(c.top.includes(stats[1]!.name), `${what}: ${stats[1]!.name} second`);
        if (m.request.mode === 'cprofile') {
          // Every call is timed: the profile holds at least the run's CPU time (it times by the wall clock).
          assert.ok(r.coverage && !r.coverage.short, `${what}: ${JSON.stringify(r.coverage)}`);
          assert.ok(r.coverage.profiledMs >= 0.8 * r.coverage.cpuMs, `${what}: ${JSON.stringify(r.coverage)}`);
        } else {
          assert.equal(r.coverage, undefined, what);
        }
      }
    });
  }

  it('cProfile counts every call, including the calls of a thread the script starts', async () => {
    const calls = async (name: string, fn: string) => {
      const r = await profilePythonFile({ file: join(corpus, name), mode: 'cprofile', pythonPath: python });
      const i = r.profile.frames.findIndex((f) => f.name === fn && f.file === join(corpus, name));
      assert.ok(i >= 0, `${fn} is in the profile of ${name}`);
      return r.profile.calls![i];
    };
    assert.equal(await calls('tiny_leaf.py', 'area'), 1_000_000);
    assert.equal(await calls('with_thread.py', 'checksum'), 1);
    // A thread the script leaves running when its main code ends.
    assert.equal(await calls('with_thread.py', 'tail_report'), 1);
    assert.equal(await calls('method_hot.py', 'Particles.step'), 200);
  });

  it('a pstats file of `python -m cProfile` on a script that imports a module keeps its calls', async () => {
    // The script's top level and the imported module's both run under exec(), which makes the call graph a cycle.
    const prof = join(scratch, 'local_import.prof');
    execFileSync(python, ['-m', 'cProfile', '-o', prof, 'local_import.py'], { cwd: corpus, stdio: 'ignore' });
    const { profile } = await readPstats(prof, python);
    const stats = functionStats(profile);
    assert.equal(stats[0]!.name, 'weigh');
    assert.ok(stats[0]!.self > 0.5 * totalWeight(profile));
  });

  it('the command line says when a profile misses the run, and how to profile it with the sampler instead', async () => {
    const r = await profilePythonFile({ file: join(corpus, 'exits_early.py'), mode: 'cprofile', pythonPath: python });
    assert.ok(!runReport(r).includes('--profiler sampling'));
    // A profile that lost its calls (as cProfile's did before the script's top level was run without exec()).
    const coverage = profileCoverage(0, 190, 240);
    const short = { ...r, coverage, warnings: [shortProfileWarning(coverage)] };
    const report = runReport(short);
    assert.match(report, /warning {3}cProfile timed 0\.0 ms of calls, but the program used 190\.0 ms of CPU/);
    assert.match(report, /instead {3}perf-lab profile \S*exits_early\.py --profiler sampling\n/);
  });
});

describe('profileCoverage', () => {
  it('calls a profile short when it holds under half of a run that used real CPU time', () => {
    assert.equal(profileCoverage(0, 190).short, true);
    assert.equal(profileCoverage(90, 200).short, true);
    assert.equal(profileCoverage(110, 200).short, false);
    // A program that waits has more wall time than CPU time, which cProfile times.
    assert.equal(profileCoverage(900, 200).short, false);
    // Too short a run to judge.
    assert.equal(profileCoverage(0, 20).short, false);
    // Native code on several cores (BLAS threads): more CPU than wall-clock time, all of it in the timed call.
    assert.equal(profileCoverage(240, 900, 250).short, false);
  });
});

describe('programErrorLine', () => {
  it("finds the exception of a Python traceback and of a Node stack, else the program's last line", () => {
    assert.equal(
      programErrorLine(
        'Traceback (most recent call last):\n  File "/a/b.py", line 5, in <module>\n    import nope\nModuleNotFoundError: No module named \'nope\'\n',
      ),
      "ModuleNotFoundError: No module named 'nope'",
    );
    assert.equal(
      programErrorLine(
        "node:internal/modules/cjs/loader:1210\n  throw err;\n  ^\n\nError: Cannot find module 'nope'\nRequire stack:\n- /a/b.js\n    at Module._resolveFilename (node:internal/modules/cjs/loader:1207:15) {\n  code: 'MODULE_NOT_FOUND',\n  requireStack: [ '/a/b.js' ]\n}\n\nNode.js v20.20.2\n",
      ),
      "Error: Cannot find module 'nope'",
    );
    assert.equal(
      programErrorLine('/a/b.js:3\n    throw new RangeError("bad n");\n    ^\n\nRangeError: bad n\n    at f (/a/b.js:3:11)\n\nNode.js v22.1.0\n'),
      'RangeError: bad n',
    );
    assert.equal(programErrorLine('usage: tool N\nN must be positive\n'), 'N must be positive');
    assert.equal(programErrorLine(''), undefined);
  });
});

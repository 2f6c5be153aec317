// The command line as users run it: the built dist/cli.js in a child process (run `npm run build` first).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatTable } from '../../extension/cli';
import { functionStats, totalWeight } from '../../extension/profile/aggregate';
import { parseCpuProfile } from '../../extension/profile/importers/cpuprofile';
import { formatShare } from '../../extension/profile/share';
import { INITIAL_DATA_ID } from '../../extension/protocol';
import { assertCliBuilt, perfLab, root } from './cli-process';

const pairwise = join(root, 'examples', 'pairwise.ts');
const pairwiseLines = readFileSync(pairwise, 'utf8').split('\n');
/** First and last line of sumPairwiseDistances in the example. */
const hotStart = pairwiseLines.findIndex((l) => l.startsWith('export function sumPairwiseDistances(')) + 1;
const hotEnd = pairwiseLines.findIndex((l, i) => i >= hotStart && l === '}') + 1;
const scratch = mkdtempSync(join(tmpdir(), 'perf-lab-cli-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('perf-lab command line', () => {
  before(assertCliBuilt);

  it('exits 2 with the usage for a command line it cannot understand', async () => {
    for (const args of [[], ['frobnicate'], ['profile'], ['profile', 'x.js', '--bogus'], ['profile', 'x.js', '--top', 'many'], ['demo', 'extra']]) {
      const r = await perfLab(...args);
      assert.equal(r.code, 2, `perf-lab ${args.join(' ')}`);
      assert.match(r.stdout + r.stderr, /Usage:\n {2}perf-lab profile <file>/);
    }
    const help = await perfLab('--help');
    assert.equal(help.code, 0);
  });

  it('exits 1 with only a message for a problem the user can fix', async () => {
    const r = await perfLab('profile', 'README.md');
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      'perf-lab: Perf Lab cannot profile README.md: it runs JavaScript and TypeScript files (.js .mjs .cjs .ts .mts) and Python files (.py).\n',
    );
    const bad = await perfLab('profile', 'test/fixtures/programs/syntax-error.js');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /syntax-error\.js:4:11: Unexpected token ';'/);
    assert.doesNotMatch(bad.stderr, /^\s+at /m);
  });

  it('profiles a file: prints the run and the top functions, writes the profile and the flame graph', async () => {
    const out = join(scratch, 'nbody.cpuprofile');
    const html = join(scratch, 'nbody.html');
    const r = await perfLab('profile', 'examples/nbody.js', '--out', out, '--html', html, '--top', '5', '--', '400000');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /-0\.169075164/, 'the program output is shown');
    assert.match(r.stdout, /Profiled examples\/nbody\.js 400000/);
    assert.match(r.stdout, /note {6}Inlining was turned off/);
    const table = r.stdout.slice(r.stdout.indexOf('Function'));
    assert.match(table, /^Function +Location +Self ms +Self % +Total ms +Total %\n/);
    const rows = table.split('\n').slice(2, 7);
    assert.equal(rows.filter((l) => l.trim()).length, 5);
    // The engine's own rows ((garbage collector), (program)) can rise on a loaded machine; among the program's functions advance leads.
    const programRows = rows.filter((l) => /examples\//.test(l));
    assert.match(programRows[0]!, /^advance +examples\/nbody\.js:71 +[\d,.]+ +\d+\.\d% +[\d,.]+ +\d+\.\d%$/);
    const profile = parseCpuProfile(readFileSync(out, 'utf8'), out);
    const advance = functionStats(profile).filter((f) => f.kind === 'js')[0]!;
    assert.equal(advance.name, 'advance');
    // The shares read as the flame graph's page and the editor read them (one formatter).
    const shares = programRows[0]!.trim().split(/ +/);
    assert.deepEqual([shares[3], shares[5]], [formatShare(advance.self, totalWeight(profile)), formatShare(advance.total, totalWeight(profile))]);
    const page = readFileSync(html, 'utf8');
    assert.ok(page.includes(`id="${INITIAL_DATA_ID}"`));
    assert.ok(page.includes('"advance"'));
  });

  it('keeps TypeScript lines in the profile it writes', async () => {
    const out = join(scratch, 'pairwise.cpuprofile');
    const r = await perfLab('profile', 'examples/pairwise.ts', '--out', out, '--top', '10', '--', '1500', '4');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`sumPairwiseDistances +examples/pairwise\\.ts:${hotStart} `));
    const p = parseCpuProfile(readFileSync(out, 'utf8'), out);
    // On a loaded machine the engine's own rows ((garbage collector), (program)) can rise; among the program's functions the kernel leads.
    const hot = functionStats(p).filter((f) => f.kind === 'js')[0]!;
    assert.deepEqual([hot.name, hot.file, hot.line], ['sumPairwiseDistances', pairwise, hotStart]);
    const lines = p.lines.filter((l) => hot.frames.includes(l.frame));
    assert.ok(lines.length > 0 && lines.every((l) => l.line >= hotStart && l.line <= hotEnd));
  });

  it('stops a program at --timeout and still reports it', async () => {
    const r = await perfLab('profile', 'examples/forever.js', '--timeout', '0.6', '--top', '2');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /stopped \(timeout\)/);
    // Stopped soon after the timeout: under a loaded machine the stop and the profile's write take a second or two.
    const stopped = /warning {3}Stopped after (\d+(?:\.\d+)?) s/.exec(r.stdout);
    assert.ok(stopped && Number(stopped[1]) < 10, r.stdout);
    assert.match(r.stdout, /\nspin +examples\/forever\.js:5 /);
  });

  it('runs the demo: tables, and a flame graph and profile per example', async () => {
    const dir = join(scratch, 'demo');
    const r = await perfLab('demo', '--quick', '--out-dir', dir);
    assert.equal(r.code, 0, r.stderr);
    for (const name of ['nbody', 'pairwise', 'hot-helper', 'blur']) {
      assert.ok(existsSync(join(dir, `${name}.html`)), `${name}.html`);
      assert.ok(existsSync(join(dir, `${name}.cpuprofile`)), `${name}.cpuprofile`);
    }
    assert.match(r.stdout, /Self time of advance\(\): [\d.]+% with inlining off/);
    assert.match(r.stdout, new RegExp(`sumPairwiseDistances +examples/pairwise\\.ts:${hotStart} `));
    // The rewrite half of the loop, on copies: proof, before/after benchmark, the whole program before and after,
    // and applied only when the program got significantly faster (then with the same output), else why not.
    for (const [file, fn] of [
      ['blur.js', 'blur'],
      ['mandelbrot.mjs', 'mandelbrot'],
    ]) {
      const escaped = file.replace('.', '\\.');
      const section = r.stdout.slice(r.stdout.indexOf(`=== Optimize ${fn}() in ${file}`));
      assert.ok(section.length < r.stdout.length, `the demo optimizes ${fn}`);
      const whole = /^Whole program with WebAssembly: [\d.]+× \(95% CI [^)]*\): (faster|slower|not significant)/m.exec(section);
      assert.ok(whole, `the whole program before and after is measured for ${fn}`);
      if (whole[1] === 'faster') assert.match(section, new RegExp(`The rewritten ${escaped} prints the same output as the original`));
      else assert.match(section, new RegExp(`^Not applied: the program as a whole [^\\n]+/${escaped} is unchanged\\.`, 'm'));
      assert.ok(existsSync(join(dir, 'rewritten', file)));
    }
    assert.equal(r.stdout.match(/Proof: PROVEN/g)?.length, 2);
    assert.equal(r.stdout.match(/^Speedup [\d.]+× \(95% CI/gm)?.length, 2);
  });
});

describe('formatTable', () => {
  it('pads left- and right-aligned columns', () => {
    assert.equal(
      formatTable(
        ['Name', 'Ms'],
        [
          ['a', '1.0'],
          ['long name', '12.5'],
        ],
        [false, true],
      ),
      ['Name         Ms', '---------  ----', 'a           1.0', 'long name  12.5', ''].join('\n'),
    );
  });
});

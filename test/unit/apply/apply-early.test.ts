// `perf-lab optimize --apply` as users run it (the built dist/cli.js, `npm run build` first): a file of the user's
// at a generated path, or a name the rewrite adds already in the source, is reported before anything is recorded,
// the file is left as it was, and the command exits with the message instead of benchmarking first.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pythonModuleName } from '../../../extension/compiler/compile-python';
import { assertCliBuilt, perfLab } from '../cli-process';

const dir = mkdtempSync(join(tmpdir(), 'perf-lab-apply-early-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The run refused at once: a failing exit, the message, and no stage's output. */
function refusedEarly(r: { code: number | null; stdout: string; stderr: string }, message: RegExp): void {
  assert.notEqual(r.code, 0, r.stdout);
  assert.match(r.stdout + r.stderr, message);
  assert.doesNotMatch(r.stdout + r.stderr, /Recording|Recorded|Compiled|Proof|Benchmarking/);
}

describe('perf-lab optimize --apply: clashes are refused before recording', () => {
  before(assertCliBuilt);

  it('a JavaScript file whose loader name is taken by a file of the user', async () => {
    const file = join(dir, 'small.js');
    writeFileSync(file, 'function f(x) { return (x * 2) | 0; }\nfor (let i = 0; i < 5; i++) console.log(f(i));\n');
    const mine = join(dir, 'small.js.f.wasm.cjs');
    writeFileSync(mine, 'module.exports = "mine";\n');
    const r = await perfLab('optimize', file, '--fn', 'f', '--time', '0.1', '--store', join(dir, 'store'), '--apply');
    refusedEarly(r, /small\.js\.f\.wasm\.cjs \(not a file Perf Lab generated\)[^]*never overwrites a file it did not write/);
    assert.equal(readFileSync(mine, 'utf8'), 'module.exports = "mine";\n');
  });

  it('a JavaScript file that already uses f$js', async () => {
    const file = join(dir, 'taken.js');
    writeFileSync(file, 'function f(x) { return x; }\nconst f$js = 1;\nconsole.log(f(f$js));\n');
    refusedEarly(await perfLab('optimize', file, '--fn', 'f', '--store', join(dir, 'store'), '--apply'), /already uses the name f\$js/);
  });

  it('a Python file whose module name is taken by a file of the user', async () => {
    const file = join(dir, 'smallpy.py');
    writeFileSync(file, 'def f(n):\n    return n * 2\n\n\nprint(f(3))\n');
    const mine = join(dir, `${pythonModuleName('smallpy.py', 'f', 'numba')}.py`);
    writeFileSync(mine, 'print("mine")\n');
    const r = await perfLab('optimize', file, '--fn', 'f', '--python', 'python3', '--store', join(dir, 'store'), '--apply');
    refusedEarly(r, /smallpy_f_numba_[0-9a-f]{6}\.py \(not a file Perf Lab generated\)[^]*never overwrites a file it did not write/);
    assert.equal(readFileSync(mine, 'utf8'), 'print("mine")\n');
  });
});

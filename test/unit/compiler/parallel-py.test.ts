// The parallel loop of a Python function (compiler/parallel-py.ts) on the AST of python/perf_lab_ast.py: the loops of
// test/fixtures/parallel/sims.py qualify, each in its shape (append, comprehension, index assignment, float sum), and
// the loops of refused.py are refused with the write or read that ties their iterations together and its line. The
// generated module compiles. The engines themselves run in test/unit/python/parallel-*.test.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { emitParallelModule } from '../../../extension/compiler/backend-parallel';
import { exportPythonAst } from '../../../extension/compiler/frontend-py';
import { findParallelLoop, type ParallelResult } from '../../../extension/compiler/parallel-py';

const PY = 'python3';
const unavailable = spawnSync(PY, ['--version']).status === 0 ? undefined : 'python3 is not installed';
const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'parallel');
const tmp = mkdtempSync(join(tmpdir(), 'perf-lab-parallel-py-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function find(file: string, fn: string): Promise<ParallelResult> {
  const path = join(FIXTURES, file);
  return findParallelLoop(await exportPythonAst(PY, path, fn), file, readFileSync(path, 'utf8'));
}

describe('findParallelLoop', () => {
  for (const [fn, line, what, free] of [
    ['run_append', 18, /the loop over seeds \(line 18\), collected in order by results\.append\(v\)/, ['steps']],
    ['run_comprehension', 25, /the comprehension over seeds \(line 25\)/, ['steps']],
    ['run_indexed', 30, /the loop over range\(len\(seeds\)\) \(line 30\), collected in order by out\[i\] = simulate/, ['seeds', 'steps']],
    ['run_sum', 37, /the loop over seeds \(line 37\), collected in order by total \+= simulate\(s, steps\)/, ['steps']],
  ] as const) {
    it(`finds the loop of ${fn}, its work and what it reads`, { timeout: 60_000 }, async (t) => {
      if (unavailable) return t.skip(unavailable);
      const r = await find('sims.py', fn);
      assert.ok(r.ok, JSON.stringify(r));
      assert.equal(r.plan.loopLine, line);
      assert.match(r.plan.description, what);
      assert.deepEqual(r.plan.free, free);
      assert.deepEqual(r.plan.callees, ['simulate']);
      assert.match(r.plan.body, /^def _pl_body\(_pl_item, /);
      assert.match(r.plan.rewritten, /^def _pl_parallel\(seeds, steps\):/);
    });
  }

  it('keeps the order of a float sum: the additions run in the caller over the results in order', { timeout: 60_000 }, async (t) => {
    if (unavailable) return t.skip(unavailable);
    const r = await find('sims.py', 'run_sum');
    assert.ok(r.ok);
    assert.match(r.plan.rewritten, /for \(s\), _pl_value in zip\(_pl_items, _pl_values\):\n {8}total \+= _pl_value\n/);
    assert.match(r.plan.body, /return \(simulate\(s, steps\)\)/);
  });

  for (const [file, fn, line, reason] of [
    ['sims.py', 'bad_running', 46, /state carries a value from one iteration to the next/],
    ['refused.py', 'writes_global', 15, /COUNTS/],
    ['refused.py', 'appends_to_argument', 29, /calls log\.append \(line 29\), which changes log that other iterations may share/],
    ['refused.py', 'prints', 37, /calls print \(line 37\): the workers' output would not come out in order/],
    ['refused.py', 'draws', 43, /draws from the global random generator \(random\.random, line 43\)/],
    ['refused.py', 'breaks', 50, /leaves the loop early \(break on line 50\)/],
    ['refused.py', 'reads_limit', 56, /reads LIMIT \(line 56\), a module value that is not fixed when the module loads/],
    ['refused.py', 'reads_result', 62, /the loop writes out \(line 62\) and its iterations read it/],
    ['refused.py', 'no_calls', 67, /too little work per item/],
  ] as const) {
    it(`refuses ${fn}, naming what ties its iterations together and the line`, { timeout: 60_000 }, async (t) => {
      if (unavailable) return t.skip(unavailable);
      const r = await find(file, fn);
      assert.ok(!r.ok, `${fn} was found parallel`);
      assert.match(r.refusal.reason, reason);
      assert.equal(r.refusal.line, line, r.refusal.reason);
    });
  }

  it('takes a random generator made from each item', { timeout: 60_000 }, async (t) => {
    if (unavailable) return t.skip(unavailable);
    const r = await find('refused.py', 'seeded');
    assert.ok(r.ok, JSON.stringify(r));
  });

  it('writes a module that compiles, for each engine', { timeout: 60_000 }, async (t) => {
    if (unavailable) return t.skip(unavailable);
    const r = await find('sims.py', 'run_indexed');
    assert.ok(r.ok);
    for (const target of ['processes', 'ray', 'dask'] as const) {
      const text = emitParallelModule(r.plan, target, `sims_run_indexed_${target}`);
      assert.match(text, new RegExp(`^_ENGINE = "${target}"$`, 'm'));
      assert.match(text, new RegExp(`__import__\\("sims_run_indexed_${target}"\\)\\._map\\(_pl_items, \\(seeds, steps\\)\\)`));
      const file = join(tmp, `m_${target}.py`);
      writeFileSync(file, text);
      const c = spawnSync(PY, ['-m', 'py_compile', file], { encoding: 'utf8' });
      assert.equal(c.status, 0, c.stderr);
    }
  });
});

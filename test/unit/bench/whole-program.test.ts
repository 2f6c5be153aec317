// The whole-program run before and after a rewrite (bench/whole-program.ts), with real processes: the trial copy
// finds the program's local modules and data files, what it prints is compared, and nothing is left behind.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ApplyPlan } from '../../../extension/apply/apply';
import { learnedProcessCost, learnProcessCost, loadProcessCosts } from '../../../extension/bench/break-even';
import { wholeProgramStoryText } from '../../../extension/optimize/report';
import { explainWholeProgram, MAX_RUNS, measureWholeProgram, MIN_RUNS, type WholeProgramRequest } from '../../../extension/bench/whole-program';

const root = mkdtempSync(join(tmpdir(), 'perf-lab-whole-program-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A program that reads a local module and a data file beside it, and prints a sum. */
function program(): { dir: string; file: string; source: string } {
  const dir = mkdtempSync(join(root, 'prog-'));
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'data', 'numbers.txt'), '1 2 3 4\n');
  writeFileSync(join(dir, 'helper.js'), 'exports.scale = (x) => x * 10;\n');
  const source = [
    "const { readFileSync } = require('node:fs');",
    "const { join } = require('node:path');",
    "const { scale } = require('./helper');",
    'function total(xs) {',
    '  let s = 0;',
    '  for (const x of xs) s += x;',
    '  return s;',
    '}',
    "const xs = readFileSync(join(__dirname, 'data', 'numbers.txt'), 'utf8').trim().split(' ').map(Number);",
    'console.log(scale(total(xs)));',
    '',
  ].join('\n');
  const file = join(dir, 'main.js');
  writeFileSync(file, source);
  return { dir, file, source };
}

/** A plan that replaces `total` by `body` and writes one file beside the source, as Apply's plans do. */
function plan(trialFile: string, source: string, body: string): ApplyPlan {
  const start = source.indexOf('function total');
  const end = source.indexOf('}\nconst xs') + 1;
  return {
    file: trialFile,
    functionName: 'total',
    fallbackName: 'total$js',
    format: 'cjs',
    files: [{ path: join(trialFile, '..', 'main.js.total.cjs'), contents: new TextEncoder().encode(body), role: 'loader', kind: 'text', replaces: false }],
    textEdits: [{ start, end, text: "const total = require('./main.js.total.cjs');" }],
    sourceHash: '',
    summary: '',
  };
}

function request(p: ReturnType<typeof program>, body: string): WholeProgramRequest {
  return {
    file: p.file,
    source: p.source,
    functionName: 'total',
    command: { execPath: process.execPath, args: [] },
    programArgs: [],
    plan: async (trialFile) => plan(trialFile, p.source, body),
    runTimeoutMs: 20_000,
    budgetMs: 3000,
  };
}

describe('whole program before and after', () => {
  it('runs both interleaved, at least five times each, finds local modules and data, and leaves nothing behind', async () => {
    const p = program();
    const r = await measureWholeProgram(request(p, 'module.exports = (xs) => xs.reduce((a, b) => a + b, 0);\n'));
    assert.ok(r.measured, JSON.stringify(r));
    assert.ok(r.before.length >= MIN_RUNS && r.before.length <= MAX_RUNS, `${r.before.length} runs`);
    assert.equal(r.after.length, r.before.length);
    assert.deepEqual(r.notes, []);
    assert.equal(r.changed, undefined, 'the same output');
    assert.ok(r.speedup.ci95[0] < r.speedup.estimate && r.speedup.estimate < r.speedup.ci95[1], 'an interval around the estimate');
    assert.deepEqual(readdirSync(p.dir).sort(), ['data', 'helper.js', 'main.js'], 'no trial folder, no generated file');
    assert.equal(readFileSync(join(p.dir, 'data', 'numbers.txt'), 'utf8'), '1 2 3 4\n', 'linked data untouched');
  });

  it('says when the rewritten program prints something else, or fails', async () => {
    const p = program();
    const wrong = await measureWholeProgram(request(p, 'module.exports = (xs) => xs.length;\n'));
    assert.ok(wrong.measured);
    assert.match(wrong.changed ?? '', /prints something else after the rewrite \(line 1: "100" became "40"\)/);
    const failing = await measureWholeProgram(request(p, "throw new Error('cannot load');\n"));
    assert.ok(failing.measured);
    assert.match(failing.changed ?? '', /the rewritten program failed \(exit code 1\)/);
    assert.deepEqual(readdirSync(p.dir).sort(), ['data', 'helper.js', 'main.js']);
  });

  it('gives a long program fewer runs, and says so', async () => {
    const p = program();
    // A budget far below one run: five runs of each would take more than three times it.
    const r = await measureWholeProgram({ ...request(p, 'module.exports = (xs) => xs.reduce((a, b) => a + b, 0);\n'), budgetMs: 1 });
    assert.ok(r.measured);
    assert.equal(r.before.length, 2);
    assert.match(r.notes.join('\n'), /2 runs of each, not 5: one run of the program takes \d+\.\d s/);
  });

  it('does not compare a program that fails on its own', async () => {
    const p = program();
    writeFileSync(p.file, 'process.exit(3);\n');
    const source = 'process.exit(3);\n';
    const r = await measureWholeProgram({ ...request(p, ''), source, plan: async (trialFile) => ({ ...plan(trialFile, source, ''), textEdits: [] }) });
    assert.deepEqual(r, { measured: false, reason: 'the program exits with code 3 on its own, so its time is not compared' });
  });

  it('predicts the program from its calls, and says what the rewrite cost beyond them', () => {
    // 1,000 calls of 0.2 ms in a 500 ms run: 200 ms in the function; compiled at 0.05 ms, 50 ms: 350 ms predicted.
    const e = explainWholeProgram({ before: [500, 490, 510], after: [400, 410, 390] }, 1000, 0.2, 0.05)!;
    assert.equal(e.functionBeforeMs, 200);
    assert.equal(e.functionAfterMs, 50);
    assert.equal(e.predictedAfterMs, 350);
    assert.ok(Math.abs(e.predictedSpeedup - 500 / 350) < 1e-12);
    assert.equal(e.unexplainedMs, 50, 'measured 400 ms against 350 predicted: 50 ms the calls do not explain');
    assert.equal(e.observedFixedMs, 50);
    // With 40 ms per run learned from earlier runs, the prediction includes it.
    const learned = explainWholeProgram({ before: [500, 490, 510], after: [400, 410, 390] }, 1000, 0.2, 0.05, { ms: 40, from: 3 })!;
    assert.equal(learned.predictedAfterMs, 390);
    assert.equal(learned.unexplainedMs, 10);
    assert.equal(learned.observedFixedMs, 50, "this run's own fixed cost, to learn from");
    // The sentence gives the prediction with the learned cost in it, not the cost a second time on top.
    assert.match(
      wholeProgramStoryText(learned),
      /so the program should take 390\.0 ms, counting the 40\.0 ms per run it cost in 3 earlier runs here \(1\.28×\); as measured$/,
    );
    // Calls measured longer than the whole run (other inputs in the benchmark) are capped at the run.
    const capped = explainWholeProgram({ before: [100], after: [100] }, 1000, 1, 0.5)!;
    assert.equal(capped.predictedAfterMs, 100, 'both capped at the run: no saving predicted');
    assert.equal(explainWholeProgram({ before: [1], after: [1] }, 0, 1, 1), undefined);
  });

  it('learns the fixed cost per run of a target on a runtime from earlier runs (the median), kept in the store', async () => {
    const store = mkdtempSync(join(root, 'store-'));
    assert.deepEqual(learnedProcessCost(await loadProcessCosts(store), 'numba', 'Python 3.11.7'), { ms: 0, from: 0 });
    for (const ms of [900, 1100, 1000, -20]) await learnProcessCost(store, { target: 'numba', runtime: 'Python 3.11.7', ms, at: '' });
    await learnProcessCost(store, { target: 'wasm', runtime: 'Node.js v20.20.2', ms: 3, at: '' });
    const costs = await loadProcessCosts(store);
    assert.deepEqual(learnedProcessCost(costs, 'numba', 'Python 3.11.7'), { ms: 950, from: 4 });
    assert.deepEqual(learnedProcessCost(costs, 'numba', 'Python 3.12.1'), { ms: 0, from: 0 }, 'per runtime');
    assert.deepEqual(learnedProcessCost(costs, 'wasm', 'Node.js v20.20.2'), { ms: 3, from: 1 });
  });
});

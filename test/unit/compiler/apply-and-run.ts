// What the whole-program tests share: run a program with node, and prove, apply and run it again with a compiled
// function, so that its whole output can be compared with the original's.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFile, copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { planApply, writePlan } from '../../../extension/apply/apply';
import type { Candidate } from '../../../extension/compiler/compile';
import { prove, type Proof } from '../../../extension/prove/prove';
import type { Recording } from '../../../extension/record/recording';

/** Runs `file` with this node; fails the test when it exits with an error. */
export function runNode(file: string): { stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `node ${file} failed:\n${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

/**
 * Copies of the programs of `corpus`, each in a folder of its own (Apply writes beside it) under one temporary folder
 * named with `prefix`, which `dir()` gives (for caches and stores) and which is removed after the tests.
 */
export function corpusCopies(corpus: string, prefix: string): { copyOf(file: string, tag: string): Promise<string>; dir(): string } {
  let dir: string | undefined;
  after(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));
  return {
    async copyOf(file, tag) {
      dir ??= await mkdtemp(join(tmpdir(), prefix));
      const sub = await mkdtemp(join(dir, `${tag}-`));
      const path = join(sub, file);
      await copyFile(join(corpus, file), path);
      return path;
    },
    dir: () => {
      assert.ok(dir, 'a program was copied first');
      return dir;
    },
  };
}

const STATS = 'perf-lab-test-stats ';

/**
 * Proves `candidate` (on `recording`'s calls when given), applies it to `file` (which holds `source`), and runs the
 * program again. With `countCalls` (CommonJS programs), the program also reports its loader's stats when it exits:
 * how many calls the rewritten function took and how many of them ran the original instead.
 */
export async function proveApplyRun(
  file: string,
  source: string,
  fn: string,
  candidate: Candidate,
  opts: { recording?: Recording; countCalls?: boolean } = {},
): Promise<{ proof: Proof; after: string; source: string; stats?: { calls: number; fallbacks: number; reason: string } }> {
  const fileName = file.replace(/^.*[\\/]/, '');
  const proof = await prove({ source, fileName, functionName: fn }, candidate, opts.recording, { caseTimeoutMs: 500, maxShrinkCases: 20 });
  assert.ok(proof.ok, `proven: ${proof.reason}`);
  const plan = await planApply({ file, source, functionName: fn, candidate, proof });
  await writePlan(plan);
  const rewritten = await readFile(file, 'utf8');
  if (opts.countCalls) {
    const loader = plan.files.find((f) => f.role === 'loader')!.path;
    await appendFile(
      file,
      `\nprocess.on('exit', () => process.stderr.write(${JSON.stringify(STATS)} + JSON.stringify(require(${JSON.stringify(loader)}).stats)));\n`,
    );
  }
  const out = runNode(file);
  const line = out.stderr.split('\n').find((l) => l.startsWith(STATS));
  return {
    proof,
    after: out.stdout,
    source: rewritten,
    ...(line ? { stats: JSON.parse(line.slice(STATS.length)) as { calls: number; fallbacks: number; reason: string } } : {}),
  };
}

// The Ray target with a real Ray (no mocks): one Ray head started here (`ray start --head --block --node-ip-address
// 127.0.0.1`), reached only through RAY_ADDRESS=127.0.0.1:<port> — by the proof and the benchmark, which run in child
// processes of this one, and by the applied program — and stopped by its process group's id at the end. Ray 2.60's
// `ray start` turns on token authentication, which a program given only an address does not use: the head is started
// with RAY_AUTH_MODE=disabled, as a private test cluster may be. Ray resolves a loopback address to the machine's own,
// which the head also listens on. `ray start` leaves the head's address in /tmp/ray/ray_current_cluster, where a later
// `ray.init()` with no address would look for it: the file is removed with the head, as `ray stop` would. test/fixtures/parallel/sims.py's index-assignment
// loop is recorded, rewritten to @ray.remote tasks gathered in order with ray.get, proven, benchmarked, applied, and
// the applied program prints what the original printed, connected to that head. test/fixtures/parallel/sweep.py is
// rewritten with its callee compiled to Numba inside each Ray task, and the head's timeline (Ray's own task spans) is
// read back through the Chrome-trace importer. One head for the whole file: Ray takes seconds to start.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writePlan } from '../../../extension/apply/apply';
import type { PythonCandidate } from '../../../extension/compiler/compile-python';
import { planApplyStep } from '../../../extension/optimize/apply-step';
import { optimize, optimizeRequest } from '../../../extension/optimize/optimize';
import { functionStats } from '../../../extension/profile/aggregate';
import { readChromeTraceFile } from '../../../extension/profile/importers/chrome-trace';
import type { PythonProof } from '../../../extension/prove/prove-python';
import { pythonEnv } from '../../python-env';
import { optimizeWithCallee, original, py, runApplied } from './callee-flow';

const FIXTURE = join(__dirname, '..', '..', 'fixtures', 'parallel', 'sims.py');
const store = mkdtempSync(join(tmpdir(), 'perf-lab-ray-'));
/** Where `ray start` leaves the address of the cluster it started (Ray's default temp folder). */
const CURRENT_CLUSTER = '/tmp/ray/ray_current_cluster';
let python = '';
let unavailable = '';
let head: ChildProcess | undefined;
let address = '';
let port = 0;
let headLog = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

after(() => {
  // The head and the processes it started, by the id of the group it leads.
  if (head?.pid !== undefined && head.exitCode === null) {
    try {
      // `ray start --block` does not end its processes on SIGTERM in time: the whole group is killed.
      process.kill(-head.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  if (port && existsSync(CURRENT_CLUSTER) && readFileSync(CURRENT_CLUSTER, 'utf8').trim().endsWith(`:${port}`)) rmSync(CURRENT_CLUSTER, { force: true });
  delete process.env.RAY_ADDRESS;
  rmSync(store, { recursive: true, force: true });
});

describe('the Ray target on a Ray head at RAY_ADDRESS', () => {
  before(async () => {
    try {
      python = (await pythonEnv()).python;
    } catch (e) {
      unavailable = `the Python test environment could not be made: ${(e as Error).message}`;
      return;
    }
    port = await freePort();
    address = `127.0.0.1:${port}`;
    const ray = join(dirname(python), 'ray');
    head = spawn(
      ray,
      [
        'start',
        '--head',
        '--block',
        '--node-ip-address',
        '127.0.0.1',
        '--port',
        String(port),
        '--num-cpus',
        '2',
        '--include-dashboard',
        'false',
        '--disable-usage-stats',
      ],
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RAY_AUTH_MODE: 'disabled' } },
    );
    head.stdout!.on('data', (d: Buffer) => (headLog += d));
    head.stderr!.on('data', (d: Buffer) => (headLog += d));
    const until = Date.now() + 180_000;
    while (!/Ray runtime started/.test(headLog) && head.exitCode === null && Date.now() < until) await new Promise((r) => setTimeout(r, 250));
    if (!/Ray runtime started/.test(headLog)) unavailable = `the Ray head did not start:\n${headLog.slice(-3000)}`;
    // The proof and the benchmark run in child processes of this one: they reach the head the same way.
    else process.env.RAY_ADDRESS = address;
  });

  it('proves, applies and runs the index-assignment loop on the head', { timeout: 900_000 }, async (t) => {
    if (unavailable) return t.skip(unavailable);
    const dir = mkdtempSync(join(store, 'work-'));
    const file = join(dir, 'sims.py');
    copyFileSync(FIXTURE, file);
    const outcome = await optimize(
      optimizeRequest({
        file,
        functionName: 'run_indexed',
        target: 'ray',
        programArgs: ['run_indexed', '6', '2000'],
        store: join(store, 'store'),
        pythonPath: python,
        timeMs: 300,
        wholeProgramS: 0,
        willApply: true,
      }),
    );
    assert.equal(outcome.kind, 'done');
    if (outcome.kind !== 'done') return;
    const r = outcome.targets[0]!;
    assert.equal(r.target, 'ray');
    const proof = r.proof as PythonProof;
    assert.ok(proof.ok, proof.reason);
    assert.equal(proof.fallbacks, 0, JSON.stringify(proof.fallbackReasons));
    assert.ok(r.measured, 'benchmarked');
    const candidate = r.candidate as PythonCandidate;
    assert.match(candidate.files[`${candidate.moduleName}.py`]!, /ray\.init\(/);
    await writePlan(await planApplyStep({ file, source: outcome.source, functionName: 'run_indexed', candidate, proof, python }));

    const expected = spawnSync(python, [FIXTURE, 'run_indexed', '6', '3000'], { encoding: 'utf8' });
    assert.equal(expected.status, 0, expected.stderr);
    // The applied program, as __main__, then where its Ray was: the head this test started.
    const code = `import runpy, sys; sys.argv = [${JSON.stringify(file)}, "run_indexed", "6", "3000"]; runpy.run_path(${JSON.stringify(file)}, run_name="__main__"); import ray, ${candidate.moduleName} as m; print(m._stats); print(ray.get_runtime_context().gcs_address)`;
    const run = spawnSync(python, ['-c', code], { encoding: 'utf8', cwd: dir, env: { ...process.env, RAY_ADDRESS: address }, timeout: 300_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.ok(run.stdout.startsWith(expected.stdout), run.stdout);
    assert.match(run.stdout, /'calls': 1, 'fallbacks': 0/);
    // Connected to the head this test started (Ray names it by the machine's address and the same port).
    assert.match(run.stdout, new RegExp(`^[\\d.]+:${port}$`, 'm'));
    assert.match(readFileSync(file, 'utf8'), /^def run_indexed\(seeds, steps\):/m);
  });

  it("runs damped compiled to Numba inside each Ray task; the head's timeline opens as a profile", { timeout: 900_000 }, async (t) => {
    if (unavailable) return t.skip(unavailable);
    const a = await optimizeWithCallee('ray', python, store);
    const out = runApplied(python, a, 6, 3000);
    assert.ok(out.startsWith(original(python, 6, 3000)), out);
    assert.match(out, /'calls': 1, 'fallbacks': 0, 'reason': '', 'callee_calls': 6, 'callee_fallbacks': 0/);
    // Ray's timeline of the head: the tasks the applied program ran there, one root per worker.
    const trace = join(dirname(a.file), 'ray.trace.json');
    py(python, a.file, `import ray, time; ray.init(address=${JSON.stringify(address)}); time.sleep(2); ray.timeline(filename=${JSON.stringify(trace)})`);
    const profile = await readChromeTraceFile(trace, 'ray.trace.json');
    const tasks = functionStats(profile).filter((f) => f.kind === 'python');
    assert.ok(tasks.length > 0 && tasks.every((f) => f.total > 0), JSON.stringify(tasks.map((f) => f.name)));
    assert.ok(
      functionStats(profile).some((f) => /^(worker|driver):/.test(f.name)),
      functionStats(profile)
        .map((f) => f.name)
        .join(', '),
    );
  });
});

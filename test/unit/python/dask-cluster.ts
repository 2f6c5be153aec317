// A real Dask cluster for the tests that need one: `dask scheduler` and `dask worker` from the test environment,
// started on 127.0.0.1 each in a process group of its own, and stopped by their process ids.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Stops a process a test started, with the group it leads (a Dask worker's nanny and its workers). */
export function stopGroup(p: ChildProcess): void {
  if (p.pid === undefined || p.exitCode !== null) return;
  try {
    process.kill(-p.pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
}

export interface DaskCluster {
  address: string;
  scheduler: ChildProcess;
  worker: ChildProcess;
  /** What the scheduler has written to its stderr so far. */
  log: () => string;
}

/**
 * Starts a scheduler (its address read from its scheduler file in `dir`) and one `dask worker` process with
 * `workers` single-threaded workers, and returns once a client sees them. Both are pushed to `started` as soon as they
 * exist, so that the caller's `after` stops them even when starting fails.
 */
export async function startDaskCluster(python: string, dir: string, workers: number, started: ChildProcess[]): Promise<DaskCluster> {
  const dask = join(dirname(python), 'dask');
  if (!existsSync(dask)) throw new Error(`${dask} is missing`);
  const schedulerFile = join(dir, 'scheduler.json');
  let log = '';
  const scheduler = spawn(dask, ['scheduler', '--host', '127.0.0.1', '--port', '0', '--no-dashboard', '--scheduler-file', schedulerFile], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  started.push(scheduler);
  scheduler.stderr!.on('data', (d: Buffer) => (log += d));
  const until = Date.now() + 120_000;
  while (!existsSync(schedulerFile) && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
  if (!existsSync(schedulerFile)) throw new Error(`the Dask scheduler did not start:\n${log}`);
  const address = (JSON.parse(readFileSync(schedulerFile, 'utf8')) as { address: string }).address;
  const worker = spawn(dask, ['worker', address, '--host', '127.0.0.1', '--nworkers', String(workers), '--nthreads', '1', '--no-dashboard'], {
    detached: true,
    stdio: 'ignore',
  });
  started.push(worker);
  // The workers are there once a client sees them.
  const wait = spawnSync(
    python,
    ['-c', `from distributed import Client; c = Client(${JSON.stringify(address)}); c.wait_for_workers(${workers}, timeout=120); c.close()`],
    { encoding: 'utf8', timeout: 180_000 },
  );
  if (wait.status !== 0) throw new Error(`the Dask workers did not join the scheduler:\n${wait.stderr}`);
  return { address, scheduler, worker, log: () => log };
}

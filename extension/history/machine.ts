// The machine a result was measured on, and how loaded it was: a speedup or a time per call compares only with
// numbers from the same machine (its id), and a load average far above the cores explains a noisy one.
import { createHash } from 'node:crypto';
import { arch, cpus, hostname, loadavg, platform, release, totalmem } from 'node:os';

export interface Machine {
  /** A hash of what is below: the same machine gets the same id in every store. */
  id: string;
  host: string;
  cpu: string;
  cores: number;
  os: string;
  arch: string;
  /** Bytes of memory. */
  memory: number;
}

/** This machine. */
export function thisMachine(): Machine {
  const list = cpus();
  const m = {
    host: hostname(),
    cpu: (list[0]?.model ?? 'unknown CPU').trim(),
    cores: list.length,
    os: `${platform()} ${release()}`,
    arch: arch(),
    memory: totalmem(),
  };
  const id = createHash('sha256')
    .update(JSON.stringify([m.host, m.cpu, m.cores, m.os.split(' ')[0], m.arch]))
    .digest('hex')
    .slice(0, 16);
  return { id, ...m };
}

/** The load average over 1, 5 and 15 minutes (zeros where the OS has none, as on Windows). */
export function loadAverage(): [number, number, number] {
  const [a = 0, b = 0, c = 0] = loadavg();
  return [a, b, c];
}

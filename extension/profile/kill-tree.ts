// Ends a process and everything it started, so a stopped program leaves nothing running behind.
import { execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Parent of every process, read from /proc (Linux) or `ps` (macOS and other Unixes). */
async function parentTable(): Promise<Map<number, number>> {
  const table = new Map<number, number>();
  if (process.platform === 'linux') {
    let entries: string[] = [];
    try {
      entries = readdirSync('/proc');
    } catch {
      return table;
    }
    for (const name of entries) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        // The command name may hold spaces and parentheses; the fields after the last ')' are fixed.
        const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        table.set(Number(name), Number(rest[1]));
      } catch {
        // The process ended while we looked.
      }
    }
    return table;
  }
  const text = await new Promise<string>((resolve) => {
    execFile('ps', ['-A', '-o', 'pid=', '-o', 'ppid='], (err, stdout) => resolve(err ? '' : stdout));
  });
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)/.exec(line);
    if (m) table.set(Number(m[1]), Number(m[2]));
  }
  return table;
}

/** Every descendant of `pid` that is still running, children before grandchildren. */
export async function descendants(pid: number): Promise<number[]> {
  const table = await parentTable();
  const children = new Map<number, number[]>();
  for (const [child, parent] of table) {
    const list = children.get(parent);
    if (list) list.push(child);
    else children.set(parent, [child]);
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const c of children.get(queue.shift()!) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

function kill(target: number, signal: NodeJS.Signals): void {
  try {
    process.kill(target, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Kills `pid`, its process group and every descendant, also those that left the group.
 * On POSIX the process must have been spawned with `detached: true`, which makes it a group leader.
 */
export async function killTree(pid: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (process.platform === 'win32') {
    await new Promise<void>((resolve) => {
      const p = spawn('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true });
      p.on('error', () => resolve());
      p.on('exit', () => resolve());
    });
    return;
  }
  // Found before anything dies: once a parent is gone its children are re-parented and can no longer be traced.
  const rest = await descendants(pid);
  kill(-pid, signal);
  kill(pid, signal);
  for (const d of rest) kill(d, signal);
}

/**
 * Kills what is left of the process group of a process that has already ended (POSIX only).
 * Only the group is targeted, never the pid itself, which the system may already have given to another process.
 */
export function killGroup(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (process.platform !== 'win32') kill(-pid, signal);
}

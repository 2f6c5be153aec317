// Ends a process and everything it started, so a stopped program leaves nothing running behind.
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Parent of every process from /proc (Linux); undefined where there is no /proc. */
function procParentTable(): Map<number, number> | undefined {
  if (process.platform !== 'linux') return undefined;
  const table = new Map<number, number>();
  let entries: string[];
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

function psParentTable(text: string): Map<number, number> {
  const table = new Map<number, number>();
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)/.exec(line);
    if (m) table.set(Number(m[1]), Number(m[2]));
  }
  return table;
}

const PS_ARGS = ['-A', '-o', 'pid=', '-o', 'ppid='];

/** Parent of every process, read from /proc (Linux) or `ps` (macOS and other Unixes). */
async function parentTable(): Promise<Map<number, number>> {
  const proc = procParentTable();
  if (proc) return proc;
  const text = await new Promise<string>((resolve) => {
    execFile('ps', PS_ARGS, (err, stdout) => resolve(err ? '' : stdout));
  });
  return psParentTable(text);
}

/** The same table, read synchronously: a signal handler about to exit has no time to wait for callbacks. */
function parentTableSync(): Map<number, number> {
  const proc = procParentTable();
  if (proc) return proc;
  try {
    return psParentTable(execFileSync('ps', PS_ARGS, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }));
  } catch {
    return new Map();
  }
}

function descendantsIn(table: Map<number, number>, pid: number): number[] {
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

/** Every descendant of `pid` that is still running, children before grandchildren. */
export async function descendants(pid: number): Promise<number[]> {
  return descendantsIn(await parentTable(), pid);
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

/** The process groups of the children started by this process that have not yet been cleaned up (see run-child.ts). */
const liveGroups = new Set<number>();

/** Remembers a child started in its own process group, so that {@link killEverythingStarted} reaches it. */
export function trackGroup(pid: number): void {
  liveGroups.add(pid);
}

/** Forgets a child's group once it has been cleaned up. */
export function untrackGroup(pid: number): void {
  liveGroups.delete(pid);
}

/**
 * Kills, at once and synchronously, every process this process started that is still running: its descendants and
 * the process groups of its children (which catch grandchildren whose parent has already gone). For a signal handler
 * that is about to exit. Returns how many processes and groups were signalled.
 */
export function killEverythingStarted(signal: NodeJS.Signals = 'SIGKILL'): number {
  if (process.platform === 'win32') {
    for (const pid of liveGroups) spawnSync('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true });
    const n = liveGroups.size;
    liveGroups.clear();
    return n;
  }
  // Read before anything dies: once a parent is gone its children are re-parented and can no longer be traced.
  const pids = descendantsIn(parentTableSync(), process.pid);
  for (const g of liveGroups) kill(-g, signal);
  for (const pid of pids) kill(pid, signal);
  const n = new Set([...pids, ...liveGroups]).size;
  liveGroups.clear();
  return n;
}

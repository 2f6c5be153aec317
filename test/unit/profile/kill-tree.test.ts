import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { descendants, killGroup, killTree } from '../../../extension/profile/kill-tree';
import { isAlive } from './helpers';

// A parent that starts one child in its own group and one in a new group (detached), then prints both pids.
const PARENT = `
const { spawn } = require('node:child_process');
const forever = ['-e', 'setInterval(() => {}, 1000)'];
const a = spawn(process.execPath, forever, { stdio: 'ignore' });
const b = spawn(process.execPath, forever, { stdio: 'ignore', detached: true });
console.log(JSON.stringify([a.pid, b.pid]));
setInterval(() => {}, 1000);
`;

async function startTree(): Promise<{ parent: number; children: number[] }> {
  const p = spawn(process.execPath, ['-e', PARENT], { stdio: ['ignore', 'pipe', 'inherit'], detached: process.platform !== 'win32' });
  const [line] = (await once(p.stdout!, 'data')) as [Buffer];
  p.stdout!.destroy();
  p.unref();
  return { parent: p.pid!, children: JSON.parse(line.toString()) as number[] };
}

async function waitGone(pids: number[]): Promise<void> {
  for (let i = 0; i < 40 && pids.some(isAlive); i++) await new Promise((r) => setTimeout(r, 50));
}

describe('killTree', { skip: process.platform === 'win32' ? 'POSIX process groups' : false }, () => {
  it('finds the descendants of a process', async () => {
    const { parent, children } = await startTree();
    try {
      assert.deepEqual((await descendants(parent)).sort(), [...children].sort());
    } finally {
      await killTree(parent);
    }
  });

  it('kills a process, its group, and children that left the group', async () => {
    const { parent, children } = await startTree();
    await killTree(parent);
    await waitGone([parent, ...children]);
    for (const pid of [parent, ...children]) assert.ok(!isAlive(pid), `process ${pid} is still running`);
  });

  it('kills what is left of a group after its leader ended', async () => {
    const leader = spawn(
      process.execPath,
      ['-e', "require('child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }).unref(); console.log('started')"],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        detached: true,
      },
    );
    await once(leader, 'exit');
    const orphans = execFileSync('ps', ['-A', '-o', 'pid=', '-o', 'pgid='])
      .toString()
      .split('\n')
      .map((l) => l.trim().split(/\s+/).map(Number))
      .filter(([, pgid]) => pgid === leader.pid)
      .map(([pid]) => pid!);
    assert.equal(orphans.length, 1, 'the grandchild outlived its parent in the same group');
    killGroup(leader.pid!);
    await waitGone(orphans);
    assert.ok(!isAlive(orphans[0]!));
  });

  it('does nothing to a process that is already gone', async () => {
    const p = spawn(process.execPath, ['-e', ''], { stdio: 'ignore', detached: true });
    await once(p, 'exit');
    await killTree(p.pid!);
    killGroup(p.pid!);
  });
});

// Helpers shared by the profile tests.
import { readFileSync } from 'node:fs';
import { stackPath, type Profile } from '../../../extension/profile/model';

/** Every sampled stack as "name@file:line;..." with its summed weight, rounded to tolerate float noise. */
export function stackWeights(p: Profile): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i < p.sampleStack.length; i++) {
    const key = stackPath(p, p.sampleStack[i]!)
      .map((f) => `${p.frames[f]!.name}@${p.frames[f]!.file}:${p.frames[f]!.line}`)
      .join(';');
    out.set(key, (out.get(key) ?? 0) + p.sampleWeight[i]!);
  }
  for (const [k, w] of out) out.set(k, Math.round(w * 1000) / 1000);
  return out;
}

/** Whether a process is still running; a zombie (ended, not yet reaped) counts as ended. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (process.platform !== 'linux') return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

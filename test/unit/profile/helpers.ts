// Helpers shared by the profile tests.
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


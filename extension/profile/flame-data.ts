// Turns a profile into what the flame graph panel draws.
import type { FlameGraphData, RunSummary } from '../protocol';
import { callTree, totalWeight } from './aggregate';
import type { Profile } from './model';

export interface FlameDataOptions {
  title: string;
  notes?: string[];
  warnings?: string[];
  run?: RunSummary;
  source?: string;
}

/** The panel's data for a profile: its frames and the merged left-heavy call tree. */
export function toFlameGraphData(p: Profile, o: FlameDataOptions): FlameGraphData {
  const data: FlameGraphData = {
    title: o.title,
    unit: p.unit,
    frames: p.frames,
    root: callTree(p),
    total: totalWeight(p),
    sampleCount: p.sampleStack.length,
    notes: o.notes ?? [],
    warnings: o.warnings ?? [],
  };
  if (o.run) data.run = o.run;
  if (o.source) data.source = o.source;
  return data;
}

// The hot region in the editor (profile/hot-region.ts): a leaf that is hot but cheap per call points to the caller
// worth compiling. The caller's `⚡ Optimize` lens offers it with the leaf compiled into it; the leaf's lens offers
// the caller instead, and says why. Both run the one optimize flow on the caller. No `vscode` here: the lens
// provider (code-lens.ts) draws what this decides.
import { describeHotRegion, type HotRegion } from '../profile/hot-region';
import { OPTIMIZABLE_JS_NAME } from '../protocol';

/** A profiled function as the lenses see it. */
export interface LensFunction {
  name: string;
  file: string;
  line: number;
  kind: string;
}

/** What a lens click optimizes. */
export interface OptimizeArgs {
  name: string;
  file: string;
  line: number;
}

/** One `⚡ Optimize` offer of the hot region: its title, why, and the function it optimizes. */
export interface RegionOffer {
  /** `caller`: the function's own lens, with the leaf inlined; `leaf`: a lens that optimizes a caller instead. */
  role: 'caller' | 'leaf';
  title: string;
  tooltip: string;
  target: OptimizeArgs;
}

/** Whether the editor can optimize a profiled function: a named JavaScript, TypeScript or (top-level) Python one. */
export function optimizableFunction(fn: LensFunction): boolean {
  const python = fn.kind === 'python' && /\.py$/i.test(fn.file);
  return (fn.kind === 'js' || python) && !!fn.name && !fn.name.startsWith('(') && (python ? /^[\w$]+$/ : OPTIMIZABLE_JS_NAME).test(fn.name);
}

const same = (a: LensFunction, b: LensFunction) => a.name === b.name && a.file === b.file && a.line === b.line;

const and = (xs: string[]) => (xs.length <= 2 ? xs.join(' and ') : `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}`);

/**
 * The hot region's offers for one function: as a caller, `⚡ Optimize Au (with A inlined)` (every hot leaf it is
 * the caller of); as a leaf, `⚡ Optimize Au instead (…)` for each caller the editor can optimize. Empty when the
 * function is in no region, or when its regions' callers cannot be optimized (the lens stays as it is).
 */
export function regionOffers(fn: LensFunction, regions: readonly HotRegion[]): RegionOffer[] {
  const offers: RegionOffer[] = [];
  const target = { name: fn.name, file: fn.file, line: fn.line };
  const asCaller = regions.filter((r) => r.callers.some((c) => same(c.fn, fn)));
  if (asCaller.length > 0 && optimizableFunction(fn)) {
    const leaves = [...new Set(asCaller.map((r) => r.leaf.name))];
    offers.push({
      role: 'caller',
      title: `⚡ Optimize ${fn.name} (with ${and(leaves)} inlined)`,
      tooltip: `${asCaller.map(describeHotRegion).join(' ')} Compile ${fn.name} with ${and(leaves)} compiled into it, prove it computes the same on its recorded calls, and benchmark both versions.`,
      target,
    });
  }
  for (const r of regions) {
    if (!same(r.leaf, fn)) continue;
    for (const c of r.callers) {
      if (!optimizableFunction(c.fn)) continue;
      offers.push({
        role: 'leaf',
        title: `⚡ Optimize ${c.fn.name} instead (${fn.name} is hot but cheap per call)`,
        tooltip: describeHotRegion(r),
        target: { name: c.fn.name, file: c.fn.file, line: c.fn.line },
      });
    }
  }
  return offers;
}

// The break-even model's advice on a function's `⚡ Optimize` CodeLens, before anything is compiled or built: from
// the boundary costs already measured for the user's Node, the function's recorded calls (their count and array
// sizes) and its time in the latest profile. Nothing is measured or run here beyond asking Node its version once;
// without cached costs or a recording there is no advice and the lens stays as it is.
import { approx, cachedBoundaryCosts, loadPairs, predict, WORTHWHILE, type ArrayShape, type Prediction } from '../bench/break-even';
import { formatRatio, formatTimes, MARGINAL_SPEEDUP } from '../bench/stats';
import type { Target } from '../compiler/compile';
import { ARRAY_KINDS, type ArrayKind } from '../abi';
import { isReplayable, type Recording } from '../record/recording';
import { typedKind, sameSnapshot } from '../record/value-codec';
import { TARGET_NAMES, type TargetView } from '../protocol';
import { targetsFor } from '../targets';

/** What the lens shows: a short title suffix and the tooltip's sentence. */
export interface LensAdvice {
  /** `WebAssembly ~1.6×` or `keep JS: calls are too small (120 ns each)`. */
  title: string;
  tooltip: string;
}

function arrayKind(v: unknown): ArrayKind | undefined {
  if (Array.isArray(v)) return 'Array';
  const k = typedKind(v) === 'Buffer' ? 'Uint8Array' : typedKind(v);
  return (ARRAY_KINDS as readonly string[]).includes(k ?? '') ? (k as ArrayKind) : undefined;
}

/** The array arguments of the recorded calls: kind, mean length, and whether any call changed it. */
export function recordedShapes(recording: Recording): ArrayShape[] {
  const calls = recording.calls.filter((c) => isReplayable(c));
  const out: ArrayShape[] = [];
  for (let i = 0; i < recording.arity; i++) {
    const kinds = new Set(calls.map((c) => arrayKind(c.args[i])));
    if (calls.length === 0 || kinds.size !== 1 || kinds.has(undefined)) continue;
    const kind = [...kinds][0]!;
    let sum = 0;
    let written = false;
    for (const c of calls) {
      sum += (c.args[i] as { length: number }).length;
      const after = c.argsAfter[i];
      if (after !== null && after !== undefined && !sameSnapshot(after, c.args[i])) written = true;
    }
    out.push({ kind, elements: sum / calls.length, written });
  }
  return out;
}

/** The lens advice of a prediction: the best target with its predicted speedup, or why to keep JavaScript. */
export function lensAdvice(p: Prediction, calls: number): LensAdvice {
  const best = p.pick ? p.targets.find((t) => t.target === p.pick) : undefined;
  const title = best ? `${TARGET_NAMES[best.target].name} ${approx(best.speedup)}` : p.text;
  const perCall = p.jsNs < 1000 ? `${Math.round(p.jsNs)} ns` : p.jsNs < 1e6 ? `${(p.jsNs / 1000).toFixed(1)} µs` : `${(p.jsNs / 1e6).toFixed(1)} ms`;
  return {
    title,
    tooltip: `Predicted before any build by the break-even model: ${p.text}. From the boundary costs measured on this machine and ${calls.toLocaleString('en-US')} recorded calls of about ${perCall} each in the latest profile.`,
  };
}

/** The speedup as the lens prints a measurement. */
const measuredTimes = (x: number) => formatTimes(x);

/**
 * The lens after a benchmark: the fastest target that measured faster (or keep JS), the model's prediction beside
 * the measurement. `e.g. native 2.31× measured · predicted ~3×`. The measurement decides: a prediction on the other
 * side of it (a gain predicted, none measured, or the reverse) is marked wrong.
 */
export function measuredLensAdvice(views: readonly TargetView[], original: 'JavaScript' | 'Python' = 'JavaScript'): LensAdvice | undefined {
  const measured = views.filter((v) => v.measured);
  if (measured.length === 0) return undefined;
  const gained = (v: TargetView) => v.measured!.verdict === 'faster' && v.measured!.estimate >= MARGINAL_SPEEDUP;
  const wrong = (v: TargetView) => !!v.predicted && v.predicted.speedup >= WORTHWHILE !== gained(v);
  const predicted = (v: TargetView) => (v.predicted ? ` · predicted ${v.predicted.text}${wrong(v) ? ' (the model was wrong)' : ''}` : '');
  const best = measured.filter((v) => v.canApply && v.measured!.verdict === 'faster').sort((a, b) => b.measured!.estimate - a.measured!.estimate)[0];
  const all = measured.map(
    (v) =>
      `${v.name} ${formatRatio(v.measured!).estimate} (${formatRatio(v.measured!).ci}, ${v.measured!.verdict}${v.predicted ? `; predicted ${v.predicted.text}${wrong(v) ? ', wrongly' : ''}` : ''})`,
  );
  const tooltip = `Measured by the last Optimize run against ${original}: ${all.join(', ')}. The Before/After panel has the details and Apply.`;
  if (best) return { title: `${best.name} ${measuredTimes(best.measured!.estimate)} measured${predicted(best)}`, tooltip };
  const top = [...measured].sort((a, b) => b.measured!.estimate - a.measured!.estimate)[0]!;
  return {
    title: `keep ${original === 'JavaScript' ? 'JS' : original}: ${top.name} measured ${measuredTimes(top.measured!.estimate)}${predicted(top)}`,
    tooltip,
  };
}

/** The lens once a rewrite is applied: what the function now runs as. */
export function appliedLensAdvice(view: Pick<TargetView, 'target' | 'name' | 'measured'>): LensAdvice {
  const m = view.measured ? ` ${measuredTimes(view.measured.estimate)} measured` : '';
  return {
    title: `applied: ${view.name}${m}`,
    tooltip: `This function now calls its ${TARGET_NAMES[view.target].prose} version (the original stays as the fallback). Undo in the editor reverts it; Optimize runs the whole loop again.`,
  };
}

/** The JavaScript targets `perfLab.target` asks for, as the optimize flow reads the setting (targets.ts targetsFor). */
export function targetsOf(setting: string): Target[] {
  return targetsFor('js', setting) as Target[];
}

export interface AdviceInput {
  store: string;
  /** The user's Node: its version and architecture key the cached costs. */
  node: { version: string; arch: string };
  recording: Recording;
  /** The function's total time in the profile, in milliseconds. */
  totalMs: number;
  targets: Target[];
  key: string;
}

/** The advice, or undefined when no costs were measured yet for this Node or the recording holds no calls. */
export async function adviseFromCache(o: AdviceInput): Promise<LensAdvice | undefined> {
  if (o.recording.totalCalls <= 0 || !(o.totalMs > 0)) return undefined;
  const costs = await cachedBoundaryCosts(o.store, o.node.version, o.node.arch);
  if (!costs) return undefined;
  const jsNs = (o.totalMs * 1e6) / o.recording.totalCalls;
  const pairs = await loadPairs(o.store).catch(() => []);
  return lensAdvice(predict(costs, o.targets, recordedShapes(o.recording), jsNs, pairs, o.key), o.recording.totalCalls);
}

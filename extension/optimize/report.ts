// The optimize flow's results as text: the benchmark tables and the advice. The command line prints them; they live
// with the flow so that no module needs the command-line entry to format a result.
import type { BenchResult, MultiBenchResult } from '../bench/bench';
import { formatDuration, formatRatio, formatTimes, median, type RatioEstimate } from '../bench/stats';
import type { ProgramOutlook, WholeProgramResult, WholeProgramStory } from '../bench/whole-program';
import { TARGET_NAMES } from '../protocol';
import { bestTarget } from './optimize';

/** A number with a fixed count of decimals and thousands separators (en-US). */
export function fixed(n: number, digits: number): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Left- and right-aligned columns with two spaces between them. */
export function formatTable(header: string[], rows: string[][], rightAligned: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (rightAligned[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

/** The variants of a benchmark as a table. */
function variantsTable(variants: BenchResult['variants']): string {
  const rows = variants.map((v) => [
    v.name,
    formatDuration(v.median),
    formatDuration(v.mean),
    `±${fixed(v.rme, 1)}%`,
    formatDuration(v.sd),
    v.samples.toLocaleString('en-US'),
  ]);
  return formatTable(['Variant', 'Median', 'Mean', 'RME', 'SD', 'Samples'], rows, [false, true, true, true, true, true]);
}

/** A speedup with its interval as printed everywhere: `1.441× (95% CI 1.440×–1.443×)` (stats.ts formatRatio). */
export function speedupText(r: RatioEstimate, also = ''): string {
  const f = formatRatio(r);
  return `${f.estimate} (${f.ci}${also})`;
}

/** The benchmark as a table, then the speedup, the verdict and the advice. */
export function benchReport(r: BenchResult): string {
  return (
    variantsTable(r.variants) +
    `\nSpeedup ${speedupText(r.speedup, ', ratio of medians')}: ${r.verdict}\n` +
    `Recommendation: ${r.recommendation}\n` +
    `  call shape  ${r.callShape}\n` +
    `  note        ${r.note}\n`
  );
}

/** What a table of several targets needs (a JavaScript or a Python benchmark). */
export type TargetsTable = Pick<MultiBenchResult, 'variants' | 'callShape' | 'note'> & {
  targets: Pick<MultiBenchResult['targets'][number], 'name' | 'speedup' | 'verdict' | 'recommendation'>[];
};

/** The benchmark of several targets: one table, a speedup line per target, and the advice for the fastest. */
export function multiBenchReport(r: TargetsTable, original = 'JavaScript'): string {
  const lines = r.targets.map((t) => `Speedup ${t.name.padEnd(11)} ${speedupText(t.speedup, ', ratio of medians')}: ${t.verdict}`);
  const best = bestTarget(r);
  const advice = best
    ? best.recommendation
    : `keep ${original}: ${r.targets.map((t) => `${t.name} ${t.verdict} (${formatTimes(t.speedup.estimate)})`).join(', ')}`;
  return variantsTable(r.variants) + `\n${lines.join('\n')}\n` + `Recommendation: ${advice}\n` + `  call shape  ${r.callShape}\n` + `  note        ${r.note}\n`;
}

/** A benchmark of several targets seen as the benchmark of one of them (the single-target report, the panel). */
export function benchOf(multi: MultiBenchResult, target: MultiBenchResult['targets'][number]['target']): BenchResult {
  const t = multi.targets.find((x) => x.target === target) ?? multi.targets[0]!;
  return { ...multi, speedup: t.speedup, verdict: t.verdict, recommendation: t.recommendation };
}

/** The whole program before and after a rewrite, in a few lines: the speedup with its interval, the runs, what was said. */
export function wholeProgramReport(w: WholeProgramResult, targetName: string): string {
  if (!w.measured) return `Whole program: not measured (${w.reason})\n`;
  const lines = [
    `Whole program with ${targetName}: ${speedupText(w.speedup)}: ${w.verdict}` +
      ` — ${formatDuration(median(w.before))} before, ${formatDuration(median(w.after))} after (medians of ${w.before.length} runs each, interleaved;` +
      ` the first run with it took ${formatDuration(w.firstAfterMs)})`,
    ...(w.explained ? [`  why   ${wholeProgramStoryText(w.explained)}`] : []),
    ...w.notes.map((n) => `  note  ${n}`),
    ...(w.changed ? [`  CHANGED  ${w.changed}`] : []),
  ];
  return lines.join('\n') + '\n';
}

/** The program-level prediction in one sentence: what the calls account for, and what the rewrite costs beyond them. */
export function wholeProgramStoryText(e: WholeProgramStory): string {
  const calls = e.calls.toLocaleString('en-US');
  const share = Math.min(100, Math.round((100 * e.functionBeforeMs) / e.beforeMs));
  const fixed =
    e.fixedFrom > 0 ? `, counting the ${formatDuration(e.fixedMs)} per run it cost in ${e.fixedFrom} earlier run${e.fixedFrom === 1 ? '' : 's'} here` : '';
  const rest =
    Math.abs(e.unexplainedMs) < 0.05 * e.beforeMs
      ? 'as measured'
      : e.unexplainedMs > 0
        ? `it took ${formatDuration(e.unexplainedMs)} more: what the rewrite costs beyond ${e.fixedFrom > 0 ? 'that' : 'its calls'} (loading it, a JIT's start, calls made differently from the benchmark's)`
        : `it took ${formatDuration(-e.unexplainedMs)} less than that`;
  return (
    `the ${calls} calls take about ${formatDuration(e.functionBeforeMs)} (${share}% of the run) and about ${formatDuration(e.functionAfterMs)} compiled, ` +
    `so the program should take ${formatDuration(e.predictedAfterMs)}${fixed} (${formatTimes(e.predictedSpeedup)}); ${rest}`
  );
}

/** A share of a run as printed: `3%`, `0.4%`, `88%`. */
function shareText(share: number): string {
  const pct = 100 * share;
  return `${pct > 0 && pct < 1 ? pct.toFixed(1) : Math.round(pct)}%`;
}

/**
 * The program-level prediction before anything is built, one paragraph, the same in the command line and the editor:
 * `total_area is 88% of the recorded run (…): at most 8.3× for the whole program, …`; when even that bound is no gain,
 * it starts with "This would not help".
 */
export function outlookReport(o: ProgramOutlook, functionName: string): string {
  const calls = `${o.calls.toLocaleString('en-US')} call${o.calls === 1 ? '' : 's'}`;
  const perCall = o.calls > 0 ? ` of ${formatDuration(o.functionMs / o.calls)}` : '';
  const parts = [
    `${functionName} is ${shareText(o.share)} of the recorded run (${formatDuration(o.functionMs)} of ${formatDuration(o.runMs)}, ${calls}${perCall}): ` +
      (Number.isFinite(o.bound) ? `at most ${formatTimes(o.bound)} for the whole program, were it to take no time at all` : 'it is all of the run'),
    ...o.targets.map(
      (t) =>
        `${TARGET_NAMES[t.target].name} added about ${formatDuration(t.fixedMs)} per run here (${t.from} earlier run${t.from === 1 ? '' : 's'}): at most ${formatTimes(t.bound)} with it`,
    ),
  ];
  const text = `${parts.join('; ')}.`;
  return o.helps
    ? `Predicted before building: ${text}`
    : `This would not help: ${text} Optimize goes on all the same; the whole program is measured before Apply.`;
}

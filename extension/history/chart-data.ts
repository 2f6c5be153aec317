// What the History view draws (protocol.ts HistoryData): a file's history (report.ts) with, for each point, the stored
// profile of its version of the code and of the version before it. A measurement (a benchmark of one function) makes
// no profile itself; a profile run of the same file contents does (Profile File, perf-lab profile): the one nearest
// in time to the measurement is that version's profile.
import type { HistoryData, HistoryPointView, HistorySeriesView } from '../protocol';
import { historyText, type FunctionHistory, type HistoryPoint } from './report';
import type { ProfileRow } from './store';

/** Whole-program variants (`program (against …)`, `program with …`) are times per run of the program, not per call. */
export function isWholeProgram(variant: string): boolean {
  return variant.startsWith('program ');
}

/** The profile of a version of the file: of the same contents, the one taken nearest in time to `at`. */
export function profileOfVersion(profiles: readonly ProfileRow[], fileHash: string, at: string): ProfileRow | undefined {
  const t = Date.parse(at);
  let best: ProfileRow | undefined;
  for (const p of profiles) {
    if (p.fileHash !== fileHash) continue;
    if (!best || Math.abs(Date.parse(p.at) - t) < Math.abs(Date.parse(best.at) - t)) best = p;
  }
  return best;
}

function pointView(p: HistoryPoint, profiles: readonly ProfileRow[], previous: HistoryPoint | undefined): HistoryPointView {
  const own = profileOfVersion(profiles, p.fileHash, p.at);
  const before = previous && profileOfVersion(profiles, previous.fileHash, previous.at);
  return {
    entity: p.entity,
    at: p.at,
    version: p.version,
    medianMs: p.medianMs,
    ci95: [p.ci95[0], Number.isFinite(p.ci95[1]) ? p.ci95[1] : null],
    n: p.n,
    run: p.run,
    runKind: p.runKind,
    ...(p.change ? { change: { kind: p.change.kind, text: p.change.text } } : {}),
    ...(own ? { profile: own.blob } : {}),
    ...(own && before && before.blob !== own.blob ? { previousProfile: before.blob, previousVersion: previous!.version } : {}),
  };
}

/** The History view's data for a file's history (`functionName`: only that function's). */
export function historyData(h: FunctionHistory, profiles: readonly ProfileRow[], o: { file: string; shownFile: string; functionName?: string }): HistoryData {
  const only = o.functionName;
  const kept: FunctionHistory =
    only === undefined ? h : { ...h, series: h.series.filter((s) => s.function === only), flagged: h.flagged.filter((f) => f.function === only) };
  const series: HistorySeriesView[] = kept.series.map((s) => ({
    function: s.function,
    variant: s.variant,
    machine: s.machine,
    wholeProgram: isWholeProgram(s.variant),
    points: s.points.map((p, i) => {
      // The version before: the last point of the series measured on other code.
      let previous: HistoryPoint | undefined;
      for (let j = i - 1; j >= 0 && !previous; j--) if (s.points[j]!.version !== p.version) previous = s.points[j];
      return pointView(p, profiles, previous);
    }),
  }));
  return {
    title: `History: ${only ?? o.shownFile}`,
    file: o.file,
    shownFile: o.shownFile,
    ...(only !== undefined ? { functionName: only } : {}),
    series,
    text: historyText(kept, o.shownFile),
  };
}

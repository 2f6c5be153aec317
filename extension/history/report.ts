// A function's history as the command line prints it (`perf-lab history`), and as JSON (`--json`, the editor's view):
// each measurement with its code version, machine, interval and the run that produced it, grouped per function,
// variant and machine, and the changes between consecutive versions with their test.
import { formatDuration } from '../bench/stats';
import { formatTable } from '../optimize/report';
import { describeChange, formatP, versionChanges, versionOf, type VersionChange } from './regression';
import type { MeasurementRow } from './store';

export interface HistoryPoint {
  at: string;
  version: string;
  commit?: string;
  /** The file's content hash at this version (a stored profile of the same contents belongs to it). */
  fileHash: string;
  medianMs: number;
  ci95: [number, number];
  n: number;
  /** The measurement's record and the run it came from (`optimize`, `bench`). */
  entity: number;
  run: number;
  runKind: string;
  /** The change from the previous version, when this point starts a version. */
  change?: { ratio: number; p: number; kind: VersionChange['kind']; since: string; text: string };
}

export interface HistorySeries {
  function: string;
  variant: string;
  machine: string;
  points: HistoryPoint[];
}

export interface FunctionHistory {
  key: string;
  series: HistorySeries[];
  /** The flagged changes (regressions and improvements), newest last. */
  flagged: {
    function: string;
    variant: string;
    machine: string;
    at: string;
    version: string;
    text: string;
    kind: 'regression' | 'improvement';
    ratio: number;
    p: number;
  }[];
}

/** The history of the measurements read for one key. */
export function functionHistory(key: string, rows: readonly MeasurementRow[]): FunctionHistory {
  const changes = new Map(versionChanges(rows).map((c) => [c.after.entity, c]));
  const series = new Map<string, HistorySeries>();
  for (const r of rows) {
    const k = `${r.function}\u0000${r.variant}\u0000${r.machine}`;
    let s = series.get(k);
    if (!s) series.set(k, (s = { function: r.function, variant: r.variant, machine: r.machineLabel, points: [] }));
    const c = changes.get(r.entity);
    s.points.push({
      at: r.at,
      version: versionOf(r),
      ...(r.commit ? { commit: r.commit } : {}),
      fileHash: r.fileHash,
      medianMs: r.medianMs,
      ci95: r.ci95,
      n: r.n,
      entity: r.entity,
      run: r.run,
      runKind: r.runKind,
      ...(c ? { change: { ratio: c.ratio, p: c.p, kind: c.kind, since: versionOf(c.before), text: describeChange(c) } } : {}),
    });
  }
  const flagged = [...changes.values()]
    .filter((c): c is VersionChange & { kind: 'regression' | 'improvement' } => c.kind !== 'no change')
    .map((c) => ({
      function: c.after.function,
      variant: c.variant,
      machine: c.after.machineLabel,
      at: c.after.at,
      version: versionOf(c.after),
      text: describeChange(c),
      kind: c.kind,
      ratio: c.ratio,
      p: c.p,
    }));
  return { key, series: [...series.values()], flagged };
}

/** Each function's latest change between versions, when it was flagged: what the editor's lens says (`JavaScript: ▲ 23 % slower than at abc1234 (p < 0.01)`). */
export function latestFlags(h: FunctionHistory): Map<string, string> {
  const out = new Map<string, { at: string; text: string }>();
  for (const s of h.series) {
    for (const p of s.points) {
      if (!p.change) continue;
      const prev = out.get(s.function);
      if (prev && prev.at >= p.at) continue;
      out.set(s.function, { at: p.at, text: p.change.kind === 'no change' ? '' : `${s.variant}: ${p.change.text}` });
    }
  }
  return new Map([...out].filter(([, v]) => v.text !== '').map(([k, v]) => [k, v.text]));
}

function interval(ci: [number, number]): string {
  if (!Number.isFinite(ci[1])) return 'no interval';
  return `${formatDuration(ci[0])}–${formatDuration(ci[1])}`;
}

/** The history as text: a table per function, variant and machine, the flagged changes marked. */
export function historyText(h: FunctionHistory, shownFile: string): string {
  if (h.series.length === 0)
    return `No measurements of ${shownFile} are stored yet. perf-lab optimize and perf-lab bench store theirs; perf-lab bench ${shownFile} --fn NAME measures a function as it is.\n`;
  const out: string[] = [];
  for (const s of h.series) {
    out.push(`${s.function} in ${shownFile}, ${s.variant}, on ${s.machine}`);
    const rows = s.points.map((p) => [
      p.at.replace('T', ' ').slice(0, 19),
      p.version,
      formatDuration(p.medianMs),
      interval(p.ci95),
      String(p.n),
      `${p.runKind} #${p.run}`,
      p.change
        ? p.change.kind === 'no change'
          ? `no significant change since ${p.change.since} (${formatP(p.change.p)})`
          : `${p.change.text}  ◀ ${p.change.kind}`
        : '',
    ]);
    out.push(formatTable(['When', 'Code', 'Median', '95% interval', 'Samples', 'Run', 'Change'], rows, [false, false, true, true, true, false, false]));
    out.push('');
  }
  const reg = h.flagged.filter((f) => f.kind === 'regression');
  if (reg.length > 0) out.push(`Regressions: ${reg.map((f) => `${f.function} (${f.variant}) at ${f.version}: ${f.text}`).join('; ')}`);
  else out.push('No regression flagged between consecutive versions.');
  return out.join('\n') + '\n';
}

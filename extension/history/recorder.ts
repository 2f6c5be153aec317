// What lands in the history without the user doing anything: the optimize flow's events and outcome, a profile
// run's result, and `perf-lab bench`'s measurement, each turned into one run's provenance graph (store.ts RunGraph)
// and saved in one transaction. The stages know nothing of it: the two front ends (cli.ts, lab/) hand the recorder
// what the flow already tells them. A failure to save is reported through `onError` and never fails the run.
import type { OptimizeEvent, OptimizeOutcome, OptimizeRequest } from '../optimize/optimize';
import { exportCpuProfile } from '../profile/importers/cpuprofile';
import { functionStats, totalWeight } from '../profile/aggregate';
import type { ProfileResult } from '../profile/node-runner';
import { medianWithInterval } from '../bench/stats';
import type { VariantView } from '../protocol';
import type { OpenNotice } from './database';
import { codeIdentity, type CodeIdentity } from './identity';
import { HistoryStore, type ActivityNode, type EntityNode, type MeasurementData, type RunGraph } from './store';
import { packagesFromLog, pythonPackages, type PackageVersions } from './toolchain';

/** Where and whether to record, and who records (the agent of PROV: the command line or the editor). */
export interface HistoryOptions {
  /** The store folder (the history file is `history.sqlite` in it). */
  store: string;
  enabled: boolean;
  agent: string;
  /** A damaged store was set aside (the message says where it was kept). */
  onNotice?: (n: OpenNotice) => void;
  /** Saving failed; the run itself is unaffected. */
  onError?: (message: string) => void;
  /** A run was saved (the editor refreshes its lenses). */
  onSaved?: () => void;
}

const now = () => new Date().toISOString();

/** Only the plain fields of a record (numbers, strings, booleans, short lists of them): what a proof or a candidate says about itself. */
function plain(o: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out[k] = v;
    else if (Array.isArray(v) && v.length <= 50 && v.every((x) => typeof x === 'string' || typeof x === 'number')) out[k] = v;
  }
  return out;
}

/** A variant's measurement from its summary and its kept samples (the interval comes from the samples). */
export function measurementOf(view: Pick<VariantView, 'name' | 'median' | 'samples'>, samples: readonly number[] | undefined): MeasurementData {
  const kept = samples && samples.length > 0 ? [...samples] : undefined;
  let ci95: [number, number] = [0, Infinity];
  if (kept && kept.length > 1) {
    const r = medianWithInterval(kept);
    ci95 = [Math.min(r.ci95[0], view.median), Math.max(r.ci95[1], view.median)];
  }
  return { variant: view.name, medianMs: view.median, ci95, n: view.samples, ...(kept ? { samples: kept } : {}) };
}

async function save(o: HistoryOptions, graph: RunGraph): Promise<number | undefined> {
  if (!o.enabled) return undefined;
  try {
    const id = await new HistoryStore(o.store, o.onNotice).save(graph);
    o.onSaved?.();
    return id;
  } catch (e) {
    o.onError?.(`Perf Lab could not save this run to its history (${o.store}): ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

/**
 * Follows one optimize run: hand `events` to the flow (beside the caller's own), then `finish` with the outcome (or
 * the error that ended it). The code's identity is taken when the run starts, before Apply can edit the file.
 */
export function optimizeHistory(
  o: HistoryOptions,
  req: OptimizeRequest,
): { events: (e: OptimizeEvent) => void; finish: (outcome: OptimizeOutcome | undefined, error?: unknown) => Promise<number | undefined> } {
  const started = now();
  const identity: Promise<CodeIdentity | undefined> = o.enabled ? codeIdentity(req.file, req.functionName).catch(() => undefined) : Promise.resolve(undefined);
  const seen: { at: string; e: OptimizeEvent }[] = [];
  return {
    events: (e) => {
      if (o.enabled && e.type !== 'bench-progress') seen.push({ at: now(), e });
    },
    finish: async (outcome, error) => {
      if (!o.enabled) return undefined;
      const code = await identity;
      const python = req.language === 'python' ? (outcome?.kind === 'done' ? outcome.runtime.execPath : req.pythonPath) : undefined;
      const packages = python ? await pythonPackages(python) : undefined;
      const graph = optimizeGraph(o.agent, req, started, seen, outcome, error, code, packages);
      return save(o, graph);
    },
  };
}

/**
 * Runs an optimize flow (`run`, given the events to pass on) with the recorder listening beside the caller's `events`,
 * then saves it: its outcome, or the error that ended it (which is thrown on).
 */
export async function withOptimizeHistory(
  o: HistoryOptions,
  req: OptimizeRequest,
  events: (e: OptimizeEvent) => void,
  run: (events: (e: OptimizeEvent) => void) => Promise<OptimizeOutcome>,
): Promise<OptimizeOutcome> {
  const history = optimizeHistory(o, req);
  let outcome: OptimizeOutcome;
  try {
    outcome = await run((e) => {
      history.events(e);
      events(e);
    });
  } catch (e) {
    await history.finish(undefined, e);
    throw e;
  }
  await history.finish(outcome);
  return outcome;
}

/** The graph of one optimize run, from its events in order and its outcome. */
export function optimizeGraph(
  agent: string,
  req: OptimizeRequest,
  started: string,
  seen: { at: string; e: OptimizeEvent }[],
  outcome: OptimizeOutcome | undefined,
  error: unknown,
  code: CodeIdentity | undefined,
  packages?: PackageVersions,
): RunGraph {
  const g: RunGraph = { agent, activities: [], entities: [], used: [], derived: [] };
  const status = error !== undefined ? `failed: ${error instanceof Error ? error.message : String(error)}` : outcome?.kind === 'refused' ? 'refused' : 'ok';
  const runtime = outcome?.kind === 'done' ? { ...outcome.runtime, language: outcome.language } : { language: req.language };
  g.activities.push({
    ref: 'run',
    kind: 'optimize',
    started,
    ended: now(),
    ...(code ? { code } : {}),
    runtime,
    ...(packages && Object.keys(packages).length > 0 ? { packages } : {}),
    settings: {
      targets: req.targets,
      timeMs: req.timeMs,
      timeoutMs: req.timeoutMs,
      programArgs: req.programArgs,
      rerecord: req.rerecord,
      willApply: req.willApply,
      wholeProgramMs: req.wholeProgramMs,
      ...(req.optIns ? { optIns: req.optIns } : {}),
      ...(req.nodePath ? { nodePath: req.nodePath } : {}),
      ...(req.pythonPath ? { pythonPath: req.pythonPath } : {}),
    },
    status,
  });
  const step = (a: Omit<ActivityNode, 'parent' | 'code'>): void => {
    g.activities.push({ ...a, parent: 'run', ...(code ? { code } : {}) });
  };
  const entity = (e: EntityNode): void => {
    g.entities.push({ ...e, ...(code ? { code } : {}) });
  };
  let last = started;
  let recording: string | undefined;
  const candidates = new Map<string, string>();
  let benchStart = started;
  let wholeStart = started;
  for (const { at, e } of seen) {
    switch (e.type) {
      case 'recording':
        last = at;
        break;
      case 'recorded':
      case 'recording-reused': {
        const r = e.recording;
        recording = 'recording';
        if (e.type === 'recorded') {
          step({
            ref: 'record',
            kind: 'record',
            started: last,
            ended: at,
            runtime: { version: r.runtimeVersion },
            settings: { programArgs: req.programArgs, timeoutMs: req.timeoutMs },
          });
        }
        entity({
          ref: 'recording',
          kind: 'recording',
          label: `${r.calls.length} of ${r.totalCalls} calls of ${r.functionName}, recorded ${r.recordedAt}`,
          key: `${r.file}#${r.functionName}@${r.sourceHash}/${r.recordedAt}`,
          ...(e.type === 'recorded' ? { generatedBy: 'record' } : {}),
          data: {
            calls: r.calls.length,
            totalCalls: r.totalCalls,
            truncated: r.truncated,
            recordedAt: r.recordedAt,
            runtimeVersion: r.runtimeVersion,
            sourceHash: r.sourceHash,
            line: r.line,
            arity: r.arity,
          },
        });
        g.used.push({ activity: 'run', entity: 'recording', role: e.type === 'recorded' ? 'recorded' : 'reused' });
        last = at;
        break;
      }
      case 'refused':
        step({ ref: 'select', kind: 'select', started: last, ended: at, status: `refused: ${e.refusal.reason} (line ${e.refusal.line})` });
        if (recording) g.used.push({ activity: 'select', entity: recording, role: 'types' });
        last = at;
        break;
      case 'compiled': {
        const c = e.candidate as unknown as Record<string, unknown> & { hash: string; log: string[] };
        const ref = `candidate:${e.target}`;
        candidates.set(e.target, ref);
        // A Python target's packages, as its compile found them (the first log line names the versions it used).
        const used = req.language === 'python' ? packagesFromLog(c.log[0] ?? '') : {};
        step({
          ref: `compile:${e.target}`,
          kind: 'compile',
          started: last,
          ended: at,
          ...(Object.keys(used).length > 0 ? { packages: used } : {}),
          settings: { target: e.target, ...(Array.isArray(c.flags) ? { flags: c.flags } : {}) },
          status: 'ok',
        });
        entity({
          ref,
          kind: 'candidate',
          label: `${req.functionName} compiled to ${e.target}`,
          key: `${e.target}:${c.hash}`,
          generatedBy: `compile:${e.target}`,
          data: {
            target: e.target,
            hash: c.hash,
            log: c.log,
            ...(Array.isArray(c.flags) ? { flags: c.flags } : {}),
            ...(c.tolerance ? { tolerance: c.tolerance } : {}),
            ...(e.recordedTypes ? { recordedTypes: e.recordedTypes } : {}),
          },
        });
        if (recording) {
          g.used.push({ activity: `compile:${e.target}`, entity: recording, role: 'types' });
          g.derived.push({ entity: ref, source: recording, how: 'typed by' });
        }
        last = at;
        break;
      }
      case 'unavailable':
        step({ ref: `compile:${e.target}`, kind: 'compile', started: last, ended: at, settings: { target: e.target }, status: `unavailable: ${e.reason}` });
        last = at;
        break;
      case 'proved': {
        const ref = `proof:${e.target}`;
        step({ ref: `prove:${e.target}`, kind: 'prove', started: last, ended: at, status: e.proof.ok ? 'ok' : 'not proven' });
        entity({
          ref,
          kind: 'proof',
          label: `${e.proof.ok ? 'proof' : 'failed proof'} of ${req.functionName} on ${e.target}`,
          generatedBy: `prove:${e.target}`,
          data: plain(e.proof),
        });
        const cand = candidates.get(e.target);
        if (cand) {
          g.used.push({ activity: `prove:${e.target}`, entity: cand, role: 'candidate' });
          g.derived.push({ entity: ref, source: cand, how: 'checks' });
        }
        if (recording) g.used.push({ activity: `prove:${e.target}`, entity: recording, role: 'cases' });
        last = at;
        break;
      }
      case 'benchmarking':
        benchStart = at;
        break;
      case 'benchmarked': {
        const b = e.bench;
        step({ ref: 'bench', kind: 'benchmark', started: benchStart, ended: at, runtime: { version: b.runtimeVersion }, settings: { timeMs: req.timeMs } });
        if (recording) g.used.push({ activity: 'bench', entity: recording, role: 'inputs' });
        entity({
          ref: 'benchmark',
          kind: 'benchmark',
          label: `benchmark of ${req.functionName}`,
          generatedBy: 'bench',
          data: {
            note: b.note,
            callShape: b.callShape,
            inputs: b.inputs,
            targets: b.targets.map((t) => ({ target: t.target, speedup: t.speedup.estimate, ci95: t.speedup.ci95, verdict: t.verdict })),
          },
        });
        b.variants.forEach((v, i) => {
          const ref = `measurement:${v.name}`;
          entity({
            ref,
            kind: 'measurement',
            label: `${v.name} time per call of ${req.functionName}`,
            generatedBy: 'bench',
            measurement: measurementOf(v, b.samples?.[v.name]),
          });
          g.derived.push({ entity: 'benchmark', source: ref, how: 'compares' });
          const target = i === 0 ? undefined : b.targets.find((t) => t.name === v.name)?.target;
          const cand = target && candidates.get(target);
          if (cand) {
            g.used.push({ activity: 'bench', entity: cand, role: 'variant' });
            g.derived.push({ entity: ref, source: cand, how: 'measures' });
          }
        });
        last = at;
        break;
      }
      case 'predicted':
        entity({
          ref: 'prediction',
          kind: 'prediction',
          label: `break-even prediction for ${req.functionName}`,
          generatedBy: 'bench',
          data: { text: e.checked.prediction.text, story: e.checked.story.text },
        });
        g.derived.push({ entity: 'prediction', source: 'benchmark', how: 'checked against' });
        break;
      case 'prediction-unavailable':
        break;
      case 'whole-program-start':
        wholeStart = at;
        break;
      case 'whole-program': {
        const r = e.result;
        // One step per target measured (several share the original's runs).
        const whole = `whole:${e.target}`;
        step({
          ref: whole,
          kind: 'whole-program',
          started: wholeStart,
          ended: at,
          settings: { target: e.target, budgetMs: req.wholeProgramMs, programArgs: req.programArgs },
          status: r.measured ? (r.changed ? `output changed: ${r.changed}` : r.verdict) : `not measured: ${r.reason}`,
        });
        if (r.measured) {
          const series: [string, number[]][] = [
            [`program (against ${e.target})`, r.before],
            [`program with ${e.target}`, r.after],
          ];
          for (const [variant, runs] of series) {
            const ref = `measurement:${variant}`;
            const sorted = [...runs].sort((a, b) => a - b);
            const median = sorted.length ? (sorted[(sorted.length - 1) >> 1]! + sorted[sorted.length >> 1]!) / 2 : NaN;
            entity({
              ref,
              kind: 'measurement',
              label: `${variant}: wall time per run`,
              generatedBy: whole,
              measurement: measurementOf({ name: variant as VariantView['name'], median, samples: runs.length }, runs),
            });
          }
          const cand = candidates.get(e.target);
          if (cand) {
            g.used.push({ activity: whole, entity: cand, role: 'rewrite' });
            g.derived.push({ entity: `measurement:program with ${e.target}`, source: cand, how: 'measures' });
          }
        }
        last = at;
        break;
      }
      case 'bench-progress':
        break;
      case 'dispatch-outlook':
        // Advice before building, said with the run; not a measurement the history keeps.
        break;
      default: {
        const never: never = e;
        void never;
      }
    }
  }
  return g;
}

/** Saves a profile run: the profile itself (a blob, stored once), its top functions, the runtime and the settings. */
export async function recordProfile(o: HistoryOptions, r: ProfileResult, settings: object): Promise<number | undefined> {
  if (!o.enabled) return undefined;
  const started = new Date(Date.now() - r.run.durationMs).toISOString();
  const code = await codeIdentity(r.run.file, '').catch(() => undefined);
  const packages = r.run.language === 'python' ? await pythonPackages(r.run.runtime) : undefined;
  const total = totalWeight(r.profile);
  const top = functionStats(r.profile)
    .slice(0, 20)
    .map((f) => ({ name: f.name, file: f.file, line: f.line, self: f.self, total: f.total }));
  const run = r.run;
  const status = run.stoppedBy ? `stopped (${run.stoppedBy})` : run.signal ? `ended by ${run.signal}` : `exit code ${run.exitCode}`;
  const graph: RunGraph = {
    agent: o.agent,
    activities: [
      {
        ref: 'run',
        kind: 'profile',
        started,
        ended: now(),
        ...(code ? { code } : {}),
        runtime: { language: run.language, execPath: run.runtime, version: run.runtimeVersion, ...(run.profiler ? { profiler: run.profiler } : {}) },
        ...(packages && Object.keys(packages).length > 0 ? { packages } : {}),
        settings: { ...settings, args: run.args, samplingIntervalUs: run.samplingIntervalUs },
        status,
      },
    ],
    entities: [
      {
        ref: 'profile',
        kind: 'profile',
        label: `profile of ${run.file}`,
        generatedBy: 'run',
        ...(code ? { code } : {}),
        data: { unit: r.profile.unit, total, samples: r.profile.sampleStack.length, durationMs: run.durationMs, notes: r.notes, warnings: r.warnings, top },
        blob: JSON.stringify(exportCpuProfile(r.profile)),
      },
    ],
    used: [],
    derived: [],
  };
  return save(o, graph);
}

/** Saves a measurement of a function as it is (`perf-lab bench`), with the recording it ran on. */
export async function recordMeasurement(
  o: HistoryOptions,
  m: {
    code: CodeIdentity;
    started: string;
    measurement: MeasurementData;
    runtime: { execPath?: string; language?: string };
    settings: object;
    recording: { key: string; label: string; data: object };
    note: string;
  },
): Promise<number | undefined> {
  if (!o.enabled) return undefined;
  const packages = m.runtime.language === 'python' && m.runtime.execPath ? await pythonPackages(m.runtime.execPath) : {};
  return save(o, {
    agent: o.agent,
    activities: [
      {
        ref: 'run',
        kind: 'bench',
        started: m.started,
        ended: now(),
        code: m.code,
        runtime: m.runtime,
        settings: m.settings,
        status: 'ok',
        ...(Object.keys(packages).length > 0 ? { packages } : {}),
      },
    ],
    entities: [
      { ref: 'recording', kind: 'recording', label: m.recording.label, key: m.recording.key, code: m.code, data: m.recording.data },
      {
        ref: 'measurement',
        kind: 'measurement',
        label: `${m.measurement.variant} time per call of ${m.code.function}`,
        generatedBy: 'run',
        code: m.code,
        data: { note: m.note },
        measurement: m.measurement,
      },
    ],
    used: [{ activity: 'run', entity: 'recording', role: 'inputs' }],
    derived: [{ entity: 'measurement', source: 'recording', how: 'measured on' }],
  });
}

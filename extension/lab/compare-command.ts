// `Perf Lab: Compare Profiles`: two profile files (selected in the explorer, or picked from Perf Lab's recent runs or
// the disk) as a differential flame graph; and the same comparison by itself after an applied rewrite.
import { readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { totalWeight } from '../profile/aggregate';
import { change, describeChange, diffProfiles, toDiffGraphData, type LineMaps } from '../profile/diff';
import { lineMapFromTexts } from '../profile/line-map';
import type { Profile } from '../profile/model';
import { reportFailure } from './command-helpers';
import type { CompareViews } from './compare-panel';
import { readProfileFile } from './flame-panel';
import { formatWeight } from './format';
import type { Log } from './log';
import type { ProfileStore, StoredProfile } from './profile-store';

export interface CompareDeps {
  /** The extension's storage; Profile File keeps its runs under `profiles/` in it. */
  storage: vscode.Uri;
  store: ProfileStore;
  compare: CompareViews;
  log: Log;
}

/** One side of a comparison: a profile file, or a profile already read (the latest run). */
interface Side {
  label: string;
  source?: string;
  profile?: Profile;
}

/** What the Before/After panel hands over after Apply (see optimize-panel.ts). */
export interface AppliedRewrite {
  file: string;
  functionName: string;
  /** The target in words, e.g. `WebAssembly`. */
  target: string;
  sourceBefore: string;
  sourceAfter: string;
}

const PROFILE_FILES = { Profiles: ['cpuprofile', 'folded', 'collapsed', 'stacks', 'json', 'prof', 'pstats'] };

/**
 * Runs `Perf Lab: Compare Profiles`. From the explorer with two files selected: the older one is "before". With one:
 * that one is "before" and the other is picked. From the palette: both are picked.
 */
export async function compareProfilesCommand(deps: CompareDeps, arg?: unknown, selected?: unknown): Promise<void> {
  try {
    const chosen = (Array.isArray(selected) ? selected : arg instanceof vscode.Uri ? [arg] : []).filter((u): u is vscode.Uri => u instanceof vscode.Uri);
    if (chosen.length > 2) {
      void vscode.window.showErrorMessage(
        `Perf Lab compares two profiles at a time; ${chosen.length} files are selected. Select two (Ctrl+click), then run Compare Profiles.`,
      );
      return;
    }
    let files: string[];
    if (chosen.length === 2) {
      const [a, b] = chosen.map((u) => u.fsPath);
      const [ta, tb] = await Promise.all([a!, b!].map(async (f) => (await stat(f)).mtimeMs));
      files = ta! <= tb! ? [a!, b!] : [b!, a!];
    } else {
      const first = chosen[0]?.fsPath ?? (await pickProfile(deps, 'before'));
      if (!first) return;
      const second = await pickProfile(deps, 'after', first);
      if (!second) return;
      files = [first, second];
    }
    await compare(deps, { label: runLabel(files[0]!), source: files[0]! }, { label: runLabel(files[1]!), source: files[1]! });
  } catch (e) {
    reportFailure(deps.log, e);
  }
}

/**
 * After Apply: profiles the file again and compares with the profile taken before the rewrite, lines mapped through the
 * edit. With `perfLab.compareAfterApply` off, or without an earlier profile of the file, it offers to profile again.
 */
export async function compareAfterApplyCommand(deps: CompareDeps, arg: unknown): Promise<void> {
  const a = arg as AppliedRewrite;
  if (!a || typeof a.file !== 'string' || typeof a.sourceBefore !== 'string' || typeof a.sourceAfter !== 'string') return;
  const uri = vscode.Uri.file(a.file);
  const base = path.basename(a.file);
  const previous = deps.store.latest;
  const hasBefore = previous !== undefined && deps.store.heat(a.file) !== undefined;
  if (!vscode.workspace.getConfiguration('perfLab', uri).get<boolean>('compareAfterApply', true) || !hasBefore) {
    const again = 'Profile Again';
    const pick = await vscode.window.showInformationMessage(
      `Perf Lab: ${a.functionName} now runs as ${a.target} (Undo in the editor reverts it). Profile the file again to see the new profile?`,
      again,
    );
    if (pick === again) await vscode.commands.executeCommand('perfLab.profileFile', uri);
    return;
  }
  deps.log.info(`profiling ${base} again to compare with the profile before ${a.functionName} ran as ${a.target}`);
  await vscode.commands.executeCommand('perfLab.profileFile', uri);
  const latest = deps.store.latest;
  // Profile File reported its own failure or cancel; there is nothing to compare with.
  if (!latest || latest === previous) return;
  if (latest.short || totalWeight(latest.profile) === 0) {
    // A profile that missed the run would show every function as gone (−100 %): no comparison is claimed from it.
    void vscode.window.showInformationMessage(
      `Perf Lab: ${a.functionName} now runs as ${a.target} (Undo in the editor reverts it). The new profile holds too little of the run to compare with the one before; profile with the sampler to see where the time goes now.`,
    );
    return;
  }
  try {
    const diff = await compare(
      deps,
      { label: `${base} before`, profile: previous.profile, ...(previous.source ? { source: previous.source } : {}) },
      { label: `${base} with ${a.functionName} as ${a.target}`, profile: latest.profile, ...(latest.source ? { source: latest.source } : {}) },
      new Map([[a.file, lineMapFromTexts(a.sourceBefore, a.sourceAfter)]]),
    );
    restoreOnUndo(deps, a, previous, latest);
    const fn = diff.functions.find((f) => f.name === a.functionName && f.file === a.file);
    const words = fn
      ? `${a.functionName} total ${describeChange(change(fn.totalBefore, fn.totalAfter, diff), diff.after.unit, formatWeight)}`
      : 'see the comparison';
    void vscode.window.showInformationMessage(`Perf Lab: ${a.functionName} now runs as ${a.target} (Undo in the editor reverts it); profiled again: ${words}.`);
  } catch (e) {
    reportFailure(deps.log, e);
  }
}

/**
 * Undo of the Apply brings the file back to the text the profile before it was taken of: the editor shows that profile
 * again (its lenses and heat, not the re-profile's of the rewritten code) and drops the comparison's Δ lenses. Watches
 * until then, or until another profile replaces the re-profile.
 */
function restoreOnUndo(deps: CompareDeps, a: AppliedRewrite, previous: StoredProfile, latest: StoredProfile): void {
  const subs: vscode.Disposable[] = [];
  const stop = () => subs.splice(0).forEach((s) => s.dispose());
  subs.push(
    deps.store.onDidChange(() => {
      if (deps.store.latest !== latest) stop();
    }),
    vscode.workspace.onDidChangeTextDocument((ev) => {
      if (ev.document.uri.fsPath !== a.file || ev.document.getText() !== a.sourceBefore) return;
      stop();
      deps.compare.lenses.set(undefined);
      deps.store.set(previous.profile, previous.title, previous.source, previous.short);
      deps.log.info(`${a.functionName}: the Apply was undone; the editor shows the profile from before it again`);
    }),
  );
}

/** Reads both sides, compares them, and shows the comparison and its lenses. */
async function compare(deps: CompareDeps, before: Side, after: Side, lineMaps?: LineMaps): Promise<ReturnType<typeof diffProfiles>> {
  const [pb, pa] = await Promise.all([load(before), load(after)]);
  const diff = diffProfiles(pb, pa, lineMaps ? { lineMaps } : {});
  const title = `Compare: ${before.label} → ${after.label}`;
  const strip = (s: Side) => ({ label: s.label, ...(s.source ? { source: s.source } : {}) });
  deps.compare.show(toDiffGraphData(diff, { title, before: strip(before), after: strip(after) }), diff);
  deps.log.info(`compared ${before.source ?? before.label} with ${after.source ?? after.label}: ${diff.functions.length} functions`);
  return diff;
}

async function load(side: Side): Promise<Profile> {
  if (side.profile) return side.profile;
  return readProfileFile(side.source!, 'compare');
}

/** A run Profile File kept: `<file name>-<ISO time with : and . as ->.cpuprofile`. */
const RUN_NAME = /^(.*)-(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z\.cpuprofile$/;

/** The name of the profiled file and when, for a kept run; the file name for any other profile. */
function runLabel(file: string): string {
  const m = RUN_NAME.exec(path.basename(file));
  if (!m) return path.basename(file);
  const when = new Date(`${m[2]}T${m[3]}:${m[4]}:${m[5]}.${m[6]}Z`);
  return `${m[1]} at ${when.toLocaleTimeString()}`;
}

/** The runs Profile File kept, newest first. */
async function recentRuns(storage: vscode.Uri): Promise<{ file: string; name: string; time: Date }[]> {
  const dir = path.join(storage.fsPath, 'profiles');
  const names = await readdir(dir).catch(() => [] as string[]);
  const runs = names
    .map((n) => ({ n, m: RUN_NAME.exec(n) }))
    .filter((x): x is { n: string; m: RegExpExecArray } => x.m !== null)
    .map(({ n, m }) => ({ file: path.join(dir, n), name: m[1]!, time: new Date(`${m[2]}T${m[3]}:${m[4]}:${m[5]}.${m[6]}Z`) }));
  return runs.sort((x, y) => y.time.getTime() - x.time.getTime());
}

/** Asks for one side: a recent run, or a profile file from the disk. */
async function pickProfile(deps: CompareDeps, which: 'before' | 'after', other?: string): Promise<string | undefined> {
  const runs = (await recentRuns(deps.storage)).filter((r) => r.file !== other);
  type Item = vscode.QuickPickItem & { file?: string };
  const browse: Item = { label: '$(folder-opened) Choose a profile file…', alwaysShow: true };
  const items: Item[] = [...runs.map((r) => ({ label: r.name, description: r.time.toLocaleString(), detail: r.file, file: r.file })), browse];
  const step = which === 'before' ? 1 : 2;
  const pick = await vscode.window.showQuickPick(items, {
    title: `Compare Profiles (${step}/2): the ${which.toUpperCase()} profile`,
    placeHolder:
      runs.length > 0 ? `A recent run of Profile File, or a profile file (${which})` : `No runs of Profile File yet: choose a profile file (${which})`,
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!pick) return undefined;
  if (pick.file) return pick.file;
  const uris = await vscode.window.showOpenDialog({
    canSelectMany: false,
    openLabel: `Compare (${which})`,
    filters: PROFILE_FILES,
    title: `The ${which} profile`,
  });
  return uris?.[0]?.fsPath;
}

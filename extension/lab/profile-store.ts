// The latest profile and its per-function and per-line statistics, indexed by source file for the editor views.
import * as vscode from 'vscode';
import { functionStats, lineStats, totalWeight, type FunctionStat } from '../profile/aggregate';
import { hotRegions, type HotRegion } from '../profile/hot-region';
import type { Profile } from '../profile/model';

/** What the editor knows about one profiled source file. */
export interface FileHeat {
  functions: FunctionStat[];
  lines: Map<number, number>;
}

/** The latest profile, where it was saved, and whether it missed most of its run. */
export interface StoredProfile {
  profile: Profile;
  source?: string;
  title: string;
  short?: boolean;
}

/** Holds the most recent profile; CodeLens and line heat read it and listen for changes. */
export class ProfileStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when a new profile replaces the old one. */
  readonly onDidChange = this.changed.event;
  private byFile = new Map<string, FileHeat>();
  private total = 0;
  private unitName: 'ms' | 'samples' = 'ms';
  private current: StoredProfile | undefined;
  private regions: HotRegion[] = [];

  /** Replaces the stored profile; `short` when it holds far less than the run's CPU time (see ProfileCoverage). */
  set(profile: Profile, title: string, source?: string, short = false): void {
    this.current = { profile, title, ...(source ? { source } : {}), ...(short ? { short } : {}) };
    this.total = totalWeight(profile);
    this.unitName = profile.unit;
    const byFile = new Map<string, FileHeat>();
    for (const fn of functionStats(profile)) {
      if (!fn.file || fn.line <= 0 || (fn.kind !== 'js' && fn.kind !== 'python')) continue;
      let h = byFile.get(fn.file);
      if (!h) byFile.set(fn.file, (h = { functions: [], lines: new Map() }));
      h.functions.push(fn);
    }
    for (const [file, lines] of lineStats(profile)) {
      let h = byFile.get(file);
      if (!h) byFile.set(file, (h = { functions: [], lines: new Map() }));
      h.lines = lines;
    }
    this.byFile = byFile;
    this.regions = hotRegions(profile);
    void vscode.commands.executeCommand('setContext', 'perfLab.hasProfile', true);
    this.changed.fire();
  }

  /** The statistics of a file, by its path. */
  heat(file: string): FileHeat | undefined {
    return this.byFile.get(file);
  }

  /** The profile's hot regions: leaves cheap per call that point to the callers worth compiling (profile/hot-region.ts). */
  get hotRegions(): readonly HotRegion[] {
    return this.regions;
  }

  /** The whole profile's weight, the denominator of every percentage. */
  get totalWeight(): number {
    return this.total;
  }

  get unit(): 'ms' | 'samples' {
    return this.unitName;
  }

  /** The stored profile, if any. */
  get latest(): StoredProfile | undefined {
    return this.current;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

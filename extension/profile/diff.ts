// The comparison of two profiles: functions matched across an edit, per-function and per-line deltas, and the merged
// call tree the differential flame graph draws. Pure functions of the profile model.
import type { DiffFunction, DiffGraphData, DiffNode, FlameNode, FrameInfo } from '../protocol';
import { callTree, functionStats, lineStats, totalWeight, type FunctionStat } from './aggregate';
import { countNodes } from './flame-tree';
import type { LineMapper } from './line-map';
import type { Profile } from './model';

/** How the lines of the before profile's files moved in the after profile, per file (of the after profile). */
export type LineMaps = ReadonlyMap<string, LineMapper>;

/** What a comparison can be told beyond the two profiles. */
export interface DiffOptions {
  /** The edit's line mapping of files whose before and after texts are known; other files use the nearest-line heuristic. */
  lineMaps?: LineMaps;
}

/** The self weight of one source line before and after (each in its profile's unit), at its line in the after file. */
export interface LineDelta {
  line: number;
  before: number;
  after: number;
}

/** Two profiles compared: every function with its weights on both sides, the merged call tree, and per-line deltas. */
export interface ProfileDiff {
  before: { unit: Profile['unit']; total: number; sampleCount: number };
  after: { unit: Profile['unit']; total: number; sampleCount: number };
  /** Heaviest change of self share first. */
  functions: DiffFunction[];
  /** One frame per entry of `functions` (same index), at its after line where it has one. */
  frames: FrameInfo[];
  /** The merged call tree; `self` and `total` hold the after weights. */
  root: DiffNode;
  /** Per-line self weights by file of the after profile, lines sorted; only files whose profiles have line data. */
  lines: Map<string, LineDelta[]>;
  /** Before files paired with an after file of another path (same base name), after path by before path. */
  renamedFiles: Map<string, string>;
  notes: string[];
}

/** The two profiles' units and totals: all a change needs to be worked out. */
export interface DiffSides {
  before: { unit: Profile['unit']; total: number };
  after: { unit: Profile['unit']; total: number };
}

/** The share of a weight in its profile's total (0 when the total is 0). */
export function share(weight: number, total: number): number {
  return total > 0 ? weight / total : 0;
}

/**
 * How a function's self time changed: the change of its share of the profile, and, when both profiles are in the same
 * unit, the change in that unit and relative to before (undefined when it was absent before).
 */
export function selfChange(f: DiffFunction, d: DiffSides): { shareDelta: number; delta?: number; relative?: number } {
  return change(f.selfBefore, f.selfAfter, d);
}

/** {@link selfChange} for any pair of weights of the two profiles. */
export function change(before: number, after: number, d: DiffSides): { shareDelta: number; delta?: number; relative?: number } {
  const shareDelta = share(after, d.after.total) - share(before, d.before.total);
  if (d.before.unit !== d.after.unit) {
    // Across units only shares compare; the relative change is that of the share.
    const sb = share(before, d.before.total);
    if (sb > 0) return { shareDelta, relative: share(after, d.after.total) / sb - 1 };
    return after > 0 ? { shareDelta } : { shareDelta, relative: 0 };
  }
  if (before > 0) return { shareDelta, delta: after - before, relative: after / before - 1 };
  return after > 0 ? { shareDelta, delta: after } : { shareDelta, delta: 0, relative: 0 };
}

/** A change as people read it: `−42 ms (−31 %)` within one unit, `share −12.3 pp (−31 %)` across units, `(new)` from nothing. */
export function describeChange(
  c: { shareDelta: number; delta?: number; relative?: number },
  unit: Profile['unit'],
  formatWeight: (w: number, unit: Profile['unit']) => string,
): string {
  const rel = c.relative === undefined ? 'new' : `${signed(c.relative * 100, 0)} %`;
  if (c.delta === undefined) return `share ${signed(c.shareDelta * 100, 1)} pp (${rel})`;
  const sign = c.delta > 0 ? '+' : c.delta < 0 ? '−' : '±';
  return `${sign}${formatWeight(Math.abs(c.delta), unit)} (${rel})`;
}

/** A number with its sign (a real minus), rounded to `digits`. */
function signed(n: number, digits: number): string {
  const r = Number(Math.abs(n).toFixed(digits));
  return `${r === 0 ? '±' : n > 0 ? '+' : '−'}${r.toFixed(digits)}`;
}

/** Compares two profiles of (versions of) one program. */
export function diffProfiles(before: Profile, after: Profile, o: DiffOptions = {}): ProfileDiff {
  const fb = functionStats(before);
  const fa = functionStats(after);
  const renamedFiles = pairRenamedFiles(fb, fa);
  const pairs = matchFunctions(fb, fa, { ...o, renamedFiles });

  const totalBefore = totalWeight(before);
  const totalAfter = totalWeight(after);
  const functions: DiffFunction[] = [];
  const frames: FrameInfo[] = [];
  const fidOfBefore = new Int32Array(before.frames.length).fill(-1);
  const fidOfAfter = new Int32Array(after.frames.length).fill(-1);
  for (const [b, a] of pairs) {
    const id = functions.length;
    const ref = a ?? b!;
    const frame = after.frames[a?.frames[0] ?? -1] ?? before.frames[b!.frames[0]!]!;
    functions.push({
      name: ref.name,
      ...(a && b && a.name !== b.name ? { beforeName: b.name } : {}),
      file: a ? a.file : (renamedFiles.get(b!.file) ?? b!.file),
      kind: frame.kind,
      beforeLine: b?.line ?? 0,
      afterLine: a?.line ?? 0,
      selfBefore: b?.self ?? 0,
      totalBefore: b?.total ?? 0,
      selfAfter: a?.self ?? 0,
      totalAfter: a?.total ?? 0,
    });
    frames.push({
      name: ref.name,
      file: a ? a.file : (renamedFiles.get(b!.file) ?? b!.file),
      line: a?.line ?? b!.line,
      column: frame.column,
      kind: frame.kind,
    });
    for (const f of b?.frames ?? []) fidOfBefore[f] = id;
    for (const f of a?.frames ?? []) fidOfAfter[f] = id;
  }
  // Frames without samples have no statistics; they never appear in the call trees either.
  const root = mergeTrees(callTree(before), fidOfBefore, callTree(after), fidOfAfter);

  const sides = { before: { unit: before.unit, total: totalBefore }, after: { unit: after.unit, total: totalAfter } };
  const order = functions.map((f, i) => ({ i, d: Math.abs(selfChange(f, sides).shareDelta) }));
  order.sort((x, y) => y.d - x.d || x.i - y.i);
  const notes: string[] = [];
  if (before.unit !== after.unit)
    notes.push(`The profiles are in different units (${before.unit} before, ${after.unit} after), so they are compared by shares of each profile's total.`);
  for (const [from, to] of renamedFiles) notes.push(`${from} (before) is compared with ${to} (after): they have the same name.`);
  const diff: ProfileDiff = {
    before: { unit: before.unit, total: totalBefore, sampleCount: before.sampleStack.length },
    after: { unit: after.unit, total: totalAfter, sampleCount: after.sampleStack.length },
    functions: order.map((x) => functions[x.i]!),
    frames: [],
    root,
    lines: new Map(),
    renamedFiles,
    notes,
  };
  // Renumber frames to follow the sorted functions, so that frame i is function i.
  const newId = new Int32Array(functions.length);
  order.forEach((x, k) => (newId[x.i] = k));
  diff.frames = order.map((x) => frames[x.i]!);
  const stack: DiffNode[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.frame >= 0) n.frame = newId[n.frame]!;
    stack.push(...n.children);
  }
  diff.lines = lineDeltas(before, after, pairs, renamedFiles, o.lineMaps);
  return diff;
}

/** Options of {@link matchFunctions}. */
export interface MatchOptions extends DiffOptions {
  /** After path of before files whose path changed. */
  renamedFiles?: ReadonlyMap<string, string>;
}

/**
 * Pairs the functions of two profiles by name and file. A name found once in a file on each side is one function,
 * wherever it moved. Among several same-named functions of a file (anonymous ones, say), each is paired in line order
 * with the one nearest where its line went: through the edit's line mapping when known, else shifted as the nearest
 * matched function above it moved; when one side has more of them, the extra ones are those farthest from any
 * prediction. A named function gone and another new exactly where its line went is taken as renamed. Unmatched
 * functions come as `[before, undefined]` (removed) or `[undefined, after]` (added).
 */
export function matchFunctions(
  before: readonly FunctionStat[],
  after: readonly FunctionStat[],
  o: MatchOptions = {},
): [FunctionStat | undefined, FunctionStat | undefined][] {
  const fileOf = (b: FunctionStat) => o.renamedFiles?.get(b.file) ?? b.file;
  const group = (name: string, file: string) => `${name}\u0000${file}`;
  const byGroup = <T extends FunctionStat>(list: readonly T[], file: (f: T) => string) => {
    const m = new Map<string, T[]>();
    for (const f of list) {
      const k = group(f.name, file(f));
      const l = m.get(k);
      if (l) l.push(f);
      else m.set(k, [f]);
    }
    for (const l of m.values()) l.sort((x, y) => x.line - y.line);
    return m;
  };
  const beforeByGroup = byGroup(before, fileOf);
  const afterByGroup = byGroup(after, (a) => a.file);
  const matchOf = new Map<FunctionStat, FunctionStat>();
  const taken = new Set<FunctionStat>();
  const pair = (b: FunctionStat, a: FunctionStat) => {
    matchOf.set(b, a);
    taken.add(a);
  };
  const mapped = (b: FunctionStat): number | undefined => {
    const map = o.lineMaps?.get(fileOf(b));
    return map && b.line > 0 ? map(b.line) : undefined;
  };

  // 1. A name once on each side; then, where the edit's line mapping is known, the function at the mapped line.
  for (const [k, bs] of beforeByGroup) {
    const as = afterByGroup.get(k);
    if (bs.length === 1 && as?.length === 1) pair(bs[0]!, as[0]!);
  }
  for (const [k, bs] of beforeByGroup) {
    const as = afterByGroup.get(k) ?? [];
    for (const b of bs) {
      const want = mapped(b);
      const a = want === undefined || matchOf.has(b) ? undefined : as.find((x) => x.line === want && !taken.has(x));
      if (a) pair(b, a);
    }
  }

  // 2. The rest of each group in line order, each predicted by the shift of the nearest matched function above it.
  const anchors = new Map<string, { line: number; shift: number }[]>();
  for (const [b, a] of matchOf) {
    if (b.line <= 0) continue;
    const list = anchors.get(fileOf(b)) ?? [];
    list.push({ line: b.line, shift: a.line - b.line });
    anchors.set(fileOf(b), list);
  }
  for (const list of anchors.values()) list.sort((x, y) => x.line - y.line);
  for (const [k, all] of beforeByGroup) {
    const bs = all.filter((b) => !matchOf.has(b));
    const as = (afterByGroup.get(k) ?? []).filter((a) => !taken.has(a));
    if (bs.length === 0 || as.length === 0) continue;
    const file = fileOf(bs[0]!);
    const fileAnchors = anchors.get(file) ?? [];
    let own: { line: number; shift: number } | undefined;
    const predict = (b: FunctionStat): number => {
      const m = mapped(b);
      if (m !== undefined) return m;
      const i = lastAtOrBefore(fileAnchors, b.line);
      const above = i >= 0 ? fileAnchors[i] : undefined;
      const anchor = own && (!above || own.line >= above.line) ? own : (above ?? fileAnchors[0]);
      return b.line + (anchor?.shift ?? 0);
    };
    // Equal counts pair in order; extra ones on a side are skipped where the next one fits the prediction better.
    let extraB = bs.length - as.length;
    let extraA = -extraB;
    let i = 0;
    let j = 0;
    while (i < bs.length && j < as.length) {
      const p = predict(bs[i]!);
      const d = Math.abs(as[j]!.line - p);
      if (extraB > 0 && i + 1 < bs.length && Math.abs(as[j]!.line - predict(bs[i + 1]!)) < d) {
        i++;
        extraB--;
        continue;
      }
      if (extraA > 0 && j + 1 < as.length && Math.abs(as[j + 1]!.line - p) < d) {
        j++;
        extraA--;
        continue;
      }
      pair(bs[i]!, as[j]!);
      own = { line: bs[i]!.line, shift: as[j]!.line - bs[i]!.line };
      i++;
      j++;
    }
  }

  // 3. A function renamed in place: a named one gone and a named one new of the same kind in the same file, the new
  // one exactly where the old one's line went (by the edit's mapping, or the shift of the nearest match above).
  const named = (f: FunctionStat) => f.line > 0 && f.name !== '' && !f.name.startsWith('(');
  const newAt = new Map<string, FunctionStat>();
  for (const a of after) if (!taken.has(a) && named(a)) newAt.set(`${a.file}\u0000${a.line}`, a);
  if (newAt.size > 0) {
    const shifts = new Map<string, { line: number; shift: number }[]>();
    for (const [b, a] of matchOf) {
      if (b.line <= 0) continue;
      const list = shifts.get(fileOf(b)) ?? [];
      list.push({ line: b.line, shift: a.line - b.line });
      shifts.set(fileOf(b), list);
    }
    for (const list of shifts.values()) list.sort((x, y) => x.line - y.line);
    for (const b of before) {
      if (matchOf.has(b) || !named(b)) continue;
      // Lines inserted or removed just above it moved it as the functions below; elsewhere, as those above.
      const list = shifts.get(fileOf(b)) ?? [];
      const i = lastAtOrBefore(list, b.line);
      const m = mapped(b);
      const lines = m !== undefined ? [m] : [b.line + (i >= 0 ? list[i]!.shift : 0), b.line + (list[i + 1]?.shift ?? 0)];
      const a = lines.map((l) => newAt.get(`${fileOf(b)}\u0000${l}`)).find((x) => x !== undefined && !taken.has(x) && x.kind === b.kind);
      if (a) pair(b, a);
    }
  }

  const out: [FunctionStat | undefined, FunctionStat | undefined][] = before.map((b) => [b, matchOf.get(b)]);
  for (const a of after) if (!taken.has(a)) out.push([undefined, a]);
  return out;
}

/** The index of the last item whose line is at most `line` in a list sorted by line; -1 when there is none. */
function lastAtOrBefore(list: readonly { line: number }[], line: number): number {
  let lo = 0;
  let hi = list.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.line <= line) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * Before files that have no counterpart of the same path in the after profile, paired with the one after file of the
 * same base name that has none either: the same program profiled from another folder or checkout.
 */
function pairRenamedFiles(before: readonly FunctionStat[], after: readonly FunctionStat[]): Map<string, string> {
  const filesB = new Set(before.map((f) => f.file).filter(isSourceFile));
  const filesA = new Set(after.map((f) => f.file).filter(isSourceFile));
  const onlyA = new Map<string, string[]>();
  for (const f of filesA) {
    if (filesB.has(f)) continue;
    const base = baseName(f);
    onlyA.set(base, [...(onlyA.get(base) ?? []), f]);
  }
  const onlyB = new Map<string, string[]>();
  for (const f of filesB) {
    if (filesA.has(f)) continue;
    const base = baseName(f);
    onlyB.set(base, [...(onlyB.get(base) ?? []), f]);
  }
  const out = new Map<string, string>();
  for (const [base, bs] of onlyB) {
    const as = onlyA.get(base);
    if (bs.length === 1 && as?.length === 1) out.set(bs[0]!, as[0]!);
  }
  return out;
}

function isSourceFile(file: string): boolean {
  return file !== '' && !file.startsWith('node:');
}

function baseName(file: string): string {
  return file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
}

/** Merges the call trees of both profiles by function: a node per path of matched functions, with both sides' weights. */
function mergeTrees(before: FlameNode, fidOfBefore: Int32Array, after: FlameNode, fidOfAfter: Int32Array): DiffNode {
  const root: DiffNode = {
    frame: -1,
    self: 0,
    total: 0,
    children: [],
    selfBefore: before.self,
    totalBefore: before.total,
    selfAfter: after.self,
    totalAfter: after.total,
  };
  const index = new Map<DiffNode, Map<number, DiffNode>>();
  const add = (tree: FlameNode, fidOf: Int32Array, side: 'Before' | 'After') => {
    const stack: { into: DiffNode; from: FlameNode }[] = [{ into: root, from: tree }];
    while (stack.length > 0) {
      const { into, from } = stack.pop()!;
      let children = index.get(into);
      if (!children) index.set(into, (children = new Map()));
      for (const c of from.children) {
        const fid = fidOf[c.frame]!;
        let node = children.get(fid);
        if (!node) {
          node = { frame: fid, self: 0, total: 0, children: [], selfBefore: 0, totalBefore: 0, selfAfter: 0, totalAfter: 0 };
          children.set(fid, node);
          into.children.push(node);
        }
        node[`self${side}`] += c.self;
        node[`total${side}`] += c.total;
        stack.push({ into: node, from: c });
      }
    }
  };
  add(before, fidOfBefore, 'Before');
  add(after, fidOfAfter, 'After');
  const stack: DiffNode[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    n.self = n.selfAfter;
    n.total = n.totalAfter;
    n.children.sort((x, y) => y.totalAfter - x.totalAfter || y.totalBefore - x.totalBefore);
    stack.push(...n.children);
  }
  return root;
}

/**
 * Self weight per line of each after file, with the before lines moved to where they went: through the edit's line
 * mapping when known, else shifted as the function they lie in (the nearest function starting above) moved. Lines of
 * a function that is gone have no place in the after file and are left out.
 */
function lineDeltas(
  before: Profile,
  after: Profile,
  pairs: readonly [FunctionStat | undefined, FunctionStat | undefined][],
  renamedFiles: ReadonlyMap<string, string>,
  lineMaps: LineMaps | undefined,
): Map<string, LineDelta[]> {
  // Per after file: where each before function starts, and how far it moved (undefined: removed).
  const starts = new Map<string, { line: number; shift: number | undefined }[]>();
  for (const [b, a] of pairs) {
    if (!b || b.line <= 0) continue;
    const file = renamedFiles.get(b.file) ?? b.file;
    const list = starts.get(file) ?? [];
    list.push({ line: b.line, shift: a ? a.line - b.line : undefined });
    starts.set(file, list);
  }
  for (const list of starts.values()) list.sort((x, y) => x.line - y.line);
  const moveLine = (file: string, line: number): number | undefined => {
    const map = lineMaps?.get(file);
    if (map) return map(line);
    const list = starts.get(file) ?? [];
    const i = lastAtOrBefore(list, line);
    const shift = i < 0 ? 0 : list[i]!.shift;
    return shift === undefined ? undefined : line + shift;
  };
  const out = new Map<string, Map<number, LineDelta>>();
  const at = (file: string, line: number): LineDelta => {
    let m = out.get(file);
    if (!m) out.set(file, (m = new Map()));
    let d = m.get(line);
    if (!d) m.set(line, (d = { line, before: 0, after: 0 }));
    return d;
  };
  for (const [file, lines] of lineStats(after)) for (const [line, w] of lines) at(file, line).after += w;
  for (const [fileB, lines] of lineStats(before)) {
    const file = renamedFiles.get(fileB) ?? fileB;
    for (const [line, w] of lines) {
      const moved = moveLine(file, line);
      if (moved !== undefined && moved > 0) at(file, moved).before += w;
    }
  }
  const sorted = new Map<string, LineDelta[]>();
  for (const [file, m] of out)
    sorted.set(
      file,
      [...m.values()].sort((x, y) => x.line - y.line),
    );
  return sorted;
}

/** Above this many nodes the panel gets the merged tree without the calls too small to see in either profile. */
export const MAX_DIFF_NODES = 20_000;
/** What counts as too small: a 4096th of its profile (about a pixel of the whole width) on both sides. */
const MIN_SHARE = 1 / 4096;

/**
 * The comparison panel's data: the merged tree and the functions, with a label (and file) per profile. A tree of more
 * than {@link MAX_DIFF_NODES} nodes is pruned in place first: calls under a 4096th of both profiles are left out (the
 * table still lists their functions), and a note says so.
 */
export function toDiffGraphData(
  d: ProfileDiff,
  o: { title: string; before: { label: string; source?: string }; after: { label: string; source?: string } },
): DiffGraphData {
  const side = (s: ProfileDiff['before'], x: { label: string; source?: string }) => ({
    label: x.label,
    unit: s.unit,
    total: s.total,
    sampleCount: s.sampleCount,
    ...(x.source ? { source: x.source } : {}),
  });
  const notes = [...d.notes];
  const left = pruneDiffTree(d.root, d, MAX_DIFF_NODES);
  if (left > 0)
    notes.push(`${left.toLocaleString('en-US')} calls smaller than a 4096th of both profiles are left out of the graph (the table lists every function).`);
  return { title: o.title, before: side(d.before, o.before), after: side(d.after, o.after), frames: d.frames, root: d.root, functions: d.functions, notes };
}

/** Leaves out the calls under a 4096th of both profiles when the tree has more than `maxNodes` nodes; returns how many went. */
export function pruneDiffTree(root: DiffNode, d: DiffSides, maxNodes: number): number {
  let count = 0;
  const stack: DiffNode[] = [root];
  while (stack.length > 0 && count <= maxNodes) {
    const n = stack.pop()!;
    count++;
    stack.push(...n.children);
  }
  if (count <= maxNodes) return 0;
  const minBefore = d.before.total * MIN_SHARE;
  const minAfter = d.after.total * MIN_SHARE;
  let dropped = 0;
  const walk: DiffNode[] = [root];
  while (walk.length > 0) {
    const n = walk.pop()!;
    const kept: DiffNode[] = [];
    for (const c of n.children) {
      if (c.totalBefore >= minBefore || c.totalAfter >= minAfter) kept.push(c);
      else dropped += countNodes(c);
    }
    n.children = kept;
    walk.push(...kept);
  }
  return dropped;
}

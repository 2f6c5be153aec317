// Which calls a recording keeps: the first few, then a sample of each shape of call (argument types and array
// length classes, `callShape`), so that a shape the program rarely passes is represented beside the common one. Within
// a shape the sample is uniform (Vitter's algorithm R); a shape below its share of the calls takes calls from the
// largest one. The byte budget counts unique contents: a large value is stored once and referenced by its content key,
// so calls that pass the same grid cost it once. The first call of a shape is kept even past the budget, alone,
// up to a hard limit. The count-based decision is taken before a call, so that calls that are not kept cost no
// copying or hashing at all.
import { seededRandom } from '../random';

/** How much a recording may keep. */
export interface RecordLimits {
  /** Calls kept at most (first calls plus the samples of each shape). */
  maxCalls: number;
  /** Bytes the kept contents may take (each stored value once, arguments before and after, results). */
  maxBytes: number;
  /** The first calls, always kept (they show how the program starts); the rest is sampled by shape. */
  firstCalls: number;
  /**
   * Bytes a recording may hold at most, whatever the budget: the one call of a shape that does not fit the budget is
   * kept up to this. The recording is JSON text, which must stay well under the longest string JavaScript can hold.
   * Absent from recordings stored before it existed.
   */
  hardMaxBytes?: number;
}

export const DEFAULT_LIMITS: Required<RecordLimits> = { maxCalls: 64, maxBytes: 16 * 1024 * 1024, firstCalls: 16, hardMaxBytes: 256 * 1024 * 1024 };

/** Bytes as the notes and messages print them (`20.0 MB`, `256 MB`, `320 KB`, `510 bytes`). */
export function byteSize(bytes: number): string {
  const [n, unit] = bytes >= 1024 * 1024 ? [bytes / (1024 * 1024), 'MB'] : bytes >= 1024 ? [bytes / 1024, 'KB'] : [bytes, 'bytes'];
  return `${n >= 100 || Number.isInteger(n) ? n.toFixed(0) : n.toFixed(1)} ${unit}`;
}

/** One shape of call as the recording saw it. */
export interface ShapeSummary {
  /** `Float64Array[32768–65535], number`. */
  shape: string;
  /** Calls of this shape the program made. */
  calls: number;
  /** Calls of this shape the recording holds. */
  kept: number;
  /** The bytes of the one call kept past the budget, when it did not fit. */
  oversizedBytes?: number;
  /** Calls not kept because each held more than the hard limit, and the largest of them in bytes. */
  refused?: number;
  refusedBytes?: number;
}

/** Where a call would go: `victim` is the slot it replaces (-1: appended). */
export interface Proposal {
  shape: string;
  victim: number;
  pinned: boolean;
  /** Stored contents the call refers to, held for it from {@link CallSampler.begin}. */
  held: string[];
}

class ShapeClass {
  seen = 0;
  kept = 0;
  /** Kept calls that are pinned first calls. */
  pinned = 0;
  /** Bytes over the budget granted to the one call of this shape that did not fit it. */
  allowance = 0;
  oversizedBytes = 0;
  refused = 0;
  refusedBytes = 0;
  /** Whether a kept call of this shape has been seen to the end, and the argument positions such calls wrote. */
  observed = false;
  readonly written = new Set<number>();
}

interface Slot<T> {
  value: T;
  shape: string;
  /** Bytes of the call's values stored in the call itself (small ones). */
  own: number;
  /** Content keys of the stored values it refers to, each once. */
  keys: string[];
  pinned: boolean;
}

interface Stored<B> {
  value: B;
  bytes: number;
  refs: number;
}

/**
 * Keeps the first calls and a sample of each shape within the limits. A call goes through {@link propose} (counted,
 * and where it would go), then, if proposed, {@link begin} with the cost of its contents at call time (whether it
 * fits), then {@link put} after it ran (its contents stored).
 */
export class CallSampler<T, B = unknown> {
  private readonly slots: Slot<T>[] = [];
  private readonly classes = new Map<string, ShapeClass>();
  private readonly stored = new Map<string, Stored<B>>();
  private readonly limits: Required<RecordLimits>;
  /** Every call seen, kept or not. */
  total = 0;
  /** Bytes of the kept calls: their own values and each stored value once. */
  bytes = 0;
  /** Calls that were drawn for the sample but left out because they did not fit the byte budget. */
  tooLarge = 0;
  private readonly random: () => number;

  constructor(limits: RecordLimits, seed = 1) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.random = seededRandom(seed);
  }

  /** The kept calls (the first calls first). */
  get kept(): T[] {
    return this.slots.map((s) => s.value);
  }

  /** Whether calls were seen that the sample does not hold. */
  get truncated(): boolean {
    return this.total > this.slots.length;
  }

  /** Counts a call that is not a candidate at all (a recursive call made while one is recorded). */
  count(): void {
    this.total++;
  }

  /** The stored value under a content key, when the sample holds one. */
  storedValue(key: string): B | undefined {
    return this.stored.get(key)?.value;
  }

  /** Each stored value with its key. */
  storedValues(): [string, B][] {
    return [...this.stored].map(([k, s]) => [k, s.value]);
  }

  /**
   * Whether a call of this shape may write the argument at `position`: true until a kept call of the shape has been
   * seen to the end, then only where such a call wrote it. What the budget reserves for the arguments after a call.
   */
  mayWrite(shape: string, position: number): boolean {
    const c = this.classes.get(shape);
    return !c?.observed || c.written.has(position);
  }

  /** Counts a call and says where it would be kept, or undefined when it is not drawn (decided before any copy). */
  propose(shape: string): Proposal | undefined {
    const n = ++this.total;
    let c = this.classes.get(shape);
    if (!c) this.classes.set(shape, (c = new ShapeClass()));
    c.seen++;
    const pinned = n <= this.limits.firstCalls;
    if (this.slots.length < this.limits.maxCalls) return { shape, victim: -1, pinned, held: [] };
    // Full. A shape below an equal share takes a call from the largest shape (one that has more than it).
    if (c.kept === 0 || c.kept * this.classes.size < this.limits.maxCalls) {
      const victim = this.victim(c.kept + 1, shape);
      if (victim >= 0) return { shape, victim, pinned: false, held: [] };
      if (c.kept === 0) return undefined;
    }
    // Algorithm R within the shape, over its slots that are not pinned first calls (decided from the counts; the
    // slots are looked at only for a call that is kept).
    const j = Math.floor(this.random() * (c.seen - c.pinned));
    if (j >= c.kept - c.pinned) return undefined;
    let k = j;
    const victim = this.slots.findIndex((s) => s.shape === shape && !s.pinned && k-- === 0);
    return { shape, victim, pinned: false, held: [] };
  }

  /**
   * Whether a proposed call fits, from its contents at call time: `held`, the content keys it refers to that the
   * sample already stores (held for it from now on); `bytes`, what it adds (its own values, the values not stored yet,
   * and a reserve for the arguments it may write). A call of a shape the sample does not hold yet makes room by
   * taking calls from shapes that have several, or, when it alone is larger than the budget, is kept past it up to
   * the hard limit. The replaced call is removed here.
   */
  begin(p: Proposal, cost: { held: string[]; bytes: number }): boolean {
    const c = this.classes.get(p.shape)!;
    for (const k of cost.held) this.stored.get(k)!.refs++;
    p.held = cost.held;
    const fresh = c.kept === 0;
    const freed = p.victim >= 0 ? this.freedBy(this.slots[p.victim]!) : 0;
    if (cost.bytes <= this.room() + freed) {
      if (p.victim >= 0) this.remove(p.victim);
      return true;
    }
    if (fresh) {
      if (p.victim >= 0) this.remove(p.victim);
      // A call that fits the budget at all makes room; one larger than the whole budget goes past it instead.
      if (cost.bytes <= this.limits.maxBytes) {
        for (let v = this.victim(1); cost.bytes > this.room() && v >= 0; v = this.victim(1)) this.remove(v);
      }
      if (cost.bytes <= this.room() || this.bytes + cost.bytes <= this.limits.hardMaxBytes) return true;
      c.refused++;
      c.refusedBytes = Math.max(c.refusedBytes, cost.bytes);
    }
    this.release(cost.held);
    p.held = [];
    this.tooLarge++;
    return false;
  }

  /**
   * Stores a call that {@link begin} let in, after it ran: `own`, the bytes of its small values; `keys`, the content
   * keys of its stored values; `added`, the values among them the sample does not store yet; `written`, the argument
   * positions the call changed. Returns false when the call turned out too large after all (it wrote more than was
   * reserved, past what other calls can give up) and was left out.
   */
  put(
    p: Proposal,
    value: T,
    own: number,
    keys: readonly string[],
    added: ReadonlyMap<string, { value: B; bytes: number }>,
    written: readonly number[],
  ): boolean {
    const c = this.classes.get(p.shape)!;
    for (const [k, s] of added) {
      if (!this.stored.has(k)) {
        this.stored.set(k, { value: s.value, bytes: s.bytes, refs: 0 });
        this.bytes += s.bytes;
      }
    }
    const distinct = [...new Set(keys)];
    const held = new Set(p.held);
    for (const k of distinct) if (!held.has(k)) this.stored.get(k)!.refs++;
    this.release(p.held.filter((k) => !distinct.includes(k)));
    const slot: Slot<T> = { value, shape: p.shape, own, keys: distinct, pinned: p.pinned };
    this.slots.push(slot);
    this.bytes += own;
    c.kept++;
    if (slot.pinned) c.pinned++;
    c.observed = true;
    for (const w of written) c.written.add(w);
    // Over the budget (the call wrote more than was reserved): other shapes' extra calls go first.
    for (let v = this.victim(1, undefined, slot); this.bytes > this.budget() && v >= 0; v = this.victim(1, undefined, slot)) this.remove(v);
    if (this.bytes <= this.budget()) return true;
    if (c.kept === 1 && this.bytes <= this.limits.hardMaxBytes) {
      // The one call of its shape, kept past the budget: the budget stays for the other calls.
      c.oversizedBytes = this.bytesOf(slot);
      c.allowance += Math.max(c.oversizedBytes, this.bytes - this.budget());
      return true;
    }
    if (c.kept === 1) {
      c.refused++;
      c.refusedBytes = Math.max(c.refusedBytes, this.bytesOf(slot));
    }
    this.remove(this.slots.indexOf(slot));
    this.tooLarge++;
    return false;
  }

  /** Each shape seen, in the order first seen. */
  shapes(): ShapeSummary[] {
    return [...this.classes].map(([shape, c]) => ({
      shape,
      calls: c.seen,
      kept: c.kept,
      ...(c.kept > 0 && c.allowance > 0 ? { oversizedBytes: c.oversizedBytes } : {}),
      ...(c.refused > 0 ? { refused: c.refused, refusedBytes: c.refusedBytes } : {}),
    }));
  }

  /** The budget now: the byte budget plus what the oversized call of a shape was granted. */
  private budget(): number {
    let b = this.limits.maxBytes;
    for (const c of this.classes.values()) b += c.allowance;
    return b;
  }

  private room(): number {
    return this.budget() - this.bytes;
  }

  /** Bytes that removing a slot would free: its own values and the stored values only it refers to. */
  private freedBy(s: Slot<T>): number {
    let n = s.own;
    for (const k of s.keys) {
      const st = this.stored.get(k)!;
      if (st.refs === 1) n += st.bytes;
    }
    return n;
  }

  /** All the bytes of one kept call: its own values and every stored value it refers to. */
  private bytesOf(s: Slot<T>): number {
    return s.keys.reduce((n, k) => n + this.stored.get(k)!.bytes, s.own);
  }

  private release(keys: readonly string[]): void {
    for (const k of keys) {
      const st = this.stored.get(k)!;
      if (--st.refs === 0) {
        this.stored.delete(k);
        this.bytes -= st.bytes;
      }
    }
  }

  private remove(index: number): void {
    const [s] = this.slots.splice(index, 1);
    const c = this.classes.get(s!.shape)!;
    c.kept--;
    if (s!.pinned) c.pinned--;
    if (c.kept === 0) c.allowance = 0;
    this.bytes -= s!.own;
    this.release(s!.keys);
  }

  /**
   * A random slot, not a pinned first call, of the shape with the most kept calls, when that shape has more than
   * `moreThan` (so that no shape is left without a call); -1 when there is none. `except` is never chosen, nor `not`'s shape.
   */
  private victim(moreThan: number, not?: string, except?: Slot<T>): number {
    const free = new Map<string, number[]>();
    this.slots.forEach((s, i) => {
      if (!s.pinned && s !== except && s.shape !== not) {
        const list = free.get(s.shape);
        if (list) list.push(i);
        else free.set(s.shape, [i]);
      }
    });
    let best: string | undefined;
    for (const shape of free.keys()) {
      const kept = this.classes.get(shape)!.kept;
      if (kept > moreThan && (best === undefined || kept > this.classes.get(best)!.kept)) best = shape;
    }
    if (best === undefined) return -1;
    const list = free.get(best)!;
    return list[Math.floor(this.random() * list.length)]!;
  }
}

/** What to do about a call too large to record. */
export const SMALLER_INPUT =
  'Run the program on a smaller input to record it: set perfLab.args in the editor, or give the arguments after -- on the command line.';

/** What the sampling left out or kept past the budget, in sentences for the recording's notes. */
export function samplingNotes(shapes: readonly ShapeSummary[], limits: RecordLimits): string[] {
  const notes: string[] = [];
  const seen = shapes.filter((s) => s.calls > 0);
  if (seen.length > 1) {
    notes.push(`Calls were sampled by shape, each shape kept: ${seen.map((s) => `(${s.shape}) ${s.kept} of ${s.calls.toLocaleString('en-US')}`).join('; ')}.`);
  }
  const budget = byteSize(limits.maxBytes);
  for (const s of shapes) {
    if (s.oversizedBytes !== undefined)
      notes.push(
        `The call of shape (${s.shape}) holds ${byteSize(s.oversizedBytes)}, more than the ${budget} recording budget: it is kept anyway, past the budget, so that its shape is represented.`,
      );
    if (s.refused)
      notes.push(
        `${s.refused === s.calls ? `No call of shape (${s.shape}) was` : `${s.refused} call${s.refused === 1 ? '' : 's'} of shape (${s.shape}) were`} recorded: ${s.refused === 1 ? 'it holds' : 'the largest holds'} ${byteSize(s.refusedBytes ?? 0)}, more than the ${byteSize(limits.hardMaxBytes ?? DEFAULT_LIMITS.hardMaxBytes)} a recording can hold. ${SMALLER_INPUT}`,
      );
  }
  return notes;
}

/** Why no call at all could be recorded, when every call was too large: the sizes and what to do. */
export function tooLargeMessage(functionName: string, totalCalls: number, shapes: readonly ShapeSummary[], limits: RecordLimits): string {
  const largest = Math.max(0, ...shapes.map((s) => s.refusedBytes ?? 0));
  const hard = limits.hardMaxBytes ?? DEFAULT_LIMITS.hardMaxBytes;
  const sized = largest > 0 ? ` (the largest, with its copy after the call, ${byteSize(largest)})` : '';
  return `${functionName} was called ${totalCalls.toLocaleString('en-US')} time${totalCalls === 1 ? '' : 's'}, but every call held more than the ${byteSize(hard)} a recording can hold${sized}, so none could be recorded to prove and benchmark a compiled version on. ${SMALLER_INPUT}`;
}

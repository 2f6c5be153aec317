// Which calls a recording keeps: the first few, then a uniform reservoir sample of the rest, within a call count and
// a byte budget. The decision is taken before a call, so that calls that are not kept cost no copying at all.
import { seededRandom } from '../random';

/** How much a recording may keep. */
export interface RecordLimits {
  /** Calls kept at most (first calls plus the reservoir). */
  maxCalls: number;
  /** Bytes the kept copies may take at most (arguments before and after, results). */
  maxBytes: number;
  /** The first calls, always kept (they show how the program starts); the rest is sampled uniformly. */
  firstCalls: number;
}

export const DEFAULT_LIMITS: RecordLimits = { maxCalls: 64, maxBytes: 16 * 1024 * 1024, firstCalls: 16 };

/** Where a call goes: appended, replacing a slot of the reservoir, or not kept. */
export type Admission = { keep: false } | { keep: true; slot: number };

/** Keeps the first calls and a reservoir sample (Vitter's algorithm R) of the others, within the limits. */
export class CallSampler<T> {
  readonly kept: T[] = [];
  private readonly sizes: number[] = [];
  /** Every call seen, kept or not. */
  total = 0;
  bytes = 0;
  /** Calls that were drawn for the sample but left out because they did not fit the byte budget. */
  tooLarge = 0;
  private readonly random: () => number;

  constructor(
    readonly limits: RecordLimits,
    seed = 1,
  ) {
    this.random = seededRandom(seed);
  }

  /** Counts a call and says whether (and where) to keep it; `bytes` is the estimated size of its copies. */
  admit(bytes: number): Admission {
    const n = ++this.total;
    const { maxCalls, maxBytes } = this.limits;
    const first = Math.min(this.limits.firstCalls, maxCalls);
    let slot: number;
    if (this.kept.length < maxCalls && n <= maxCalls) slot = this.kept.length;
    else {
      const reservoir = maxCalls - first;
      if (reservoir <= 0) return { keep: false };
      // The n-th call after the first ones replaces a random slot with probability reservoir / seen.
      const seen = n - first;
      const j = Math.floor(this.random() * seen);
      if (j >= reservoir) return { keep: false };
      slot = first + j;
      if (slot >= this.kept.length) slot = this.kept.length;
    }
    const freed = slot < this.kept.length ? this.sizes[slot]! : 0;
    if (this.bytes - freed + bytes > maxBytes) {
      this.tooLarge++;
      return { keep: false };
    }
    return { keep: true, slot };
  }

  /** Stores a call admitted at `slot` with its measured size. */
  put(slot: number, value: T, bytes: number): void {
    if (slot < this.kept.length) {
      this.bytes -= this.sizes[slot]!;
      this.kept[slot] = value;
      this.sizes[slot] = bytes;
    } else {
      this.kept.push(value);
      this.sizes.push(bytes);
    }
    this.bytes += bytes;
  }

  /** Whether calls were seen that the sample does not hold. */
  get truncated(): boolean {
    return this.total > this.kept.length;
  }
}

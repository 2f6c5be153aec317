// Types of kernels.mjs (plain JavaScript, so that the benchmark's child processes import it without a loader).

export interface BenchKernel {
  id: string;
  title: string;
  /** Its file under test/fixtures/compiler. */
  fixture: string;
  /** The exported function benchmarked. */
  fn: string;
  /** Fresh inputs for one call. */
  args(): unknown[];
}

export const KERNELS: BenchKernel[];

/** A checksum of a call's result and of every array argument after it (FNV-1a, as 8 hex digits). */
export function checksum(result: unknown, args: unknown[]): string;

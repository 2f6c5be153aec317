// Why a function cannot be compiled: the construct, where it is, and why.

/** A function the compiler will not translate, with the first construct outside the subset. */
export interface Refusal {
  /** The source text (shortened) or name of the construct. */
  construct: string;
  /** 1-based position in the file. */
  line: number;
  column: number;
  reason: string;
}

/** Thrown inside a frontend to stop at the first construct it refuses; callers get a Refusal value. */
export class RefusalError extends Error {
  override name = 'RefusalError';
  constructor(readonly refusal: Refusal) {
    super(`${refusal.construct} (line ${refusal.line}:${refusal.column}): ${refusal.reason}`);
  }
}

/** One line for a CodeLens tooltip or the command line. */
export function formatRefusal(r: Refusal): string {
  return `line ${r.line}:${r.column}: ${r.construct} — ${r.reason}`;
}

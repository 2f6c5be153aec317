// Errors whose message is written for the user: shown as is, never with a stack trace.

/** Something the user can act on; the message says what happened and what to do next. */
export class PerfLabError extends Error {
  override name = 'PerfLabError';
  constructor(
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

/** A place in a source file: 1-based line and column (column 0 when only the line is known). */
export interface SourcePlace {
  file: string;
  line: number;
  column: number;
}

/** A problem at a place in the user's source (a syntax error): the editor offers to go there. */
export class SourceError extends PerfLabError {
  override name = 'SourceError';
  constructor(
    message: string,
    readonly place: SourcePlace,
  ) {
    super(message);
  }
}

/** Packages a Python target needs that the interpreter does not import: the editor offers to install them. */
export class MissingPythonPackages extends PerfLabError {
  override name = 'MissingPythonPackages';
  constructor(
    message: string,
    /** The interpreter's executable. */
    readonly python: string,
    /** What to give `python -m pip install`. */
    readonly pip: readonly string[],
  ) {
    super(message);
  }
}

/** Thrown when the user or a timeout cancelled an operation. */
export class CancelledError extends PerfLabError {
  override name = 'CancelledError';
  constructor(message = 'Cancelled.') {
    super(message);
  }
}

/** The message to show for any error: user-facing messages as they are, anything else with a hint to report it. */
export function userMessage(e: unknown): string {
  if (e instanceof PerfLabError) return e.message;
  const msg = e instanceof Error ? e.message : String(e);
  return `Perf Lab hit an unexpected problem: ${msg}. The Perf Lab log has details.`;
}

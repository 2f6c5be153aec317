// What every stage takes and reports through: the cancellation signal and the one progress callback (editor progress
// bar, command line, tests).
import { CancelledError } from './errors';

/** A step a stage has reached; `increment` is a share of 100 when the stage can tell. */
export interface ProgressEvent {
  message: string;
  increment?: number;
  /** The stage's estimate of the time it has left, in milliseconds, when it can tell (also said in `message`). */
  remainingMs?: number;
}

export type ProgressSink = (e: ProgressEvent) => void;

/** The options every stage takes. */
export interface StageOptions {
  signal?: AbortSignal;
  progress?: ProgressSink;
}

/** Throws a CancelledError (with `message`, e.g. 'The proof was cancelled.') once `signal` is aborted. */
export function throwIfCancelled(signal: AbortSignal | undefined, message?: string): void {
  if (signal?.aborted) throw new CancelledError(message);
}

/** A sink that drops every event. */
export const noProgress: ProgressSink = () => {};

/** "about 12 s left", for a progress message (CLI lines and the editor's notification show the message). */
export function timeLeft(ms: number): string {
  const s = Math.max(1, Math.ceil(ms / 1000));
  return s < 90 ? `about ${s} s left` : `about ${Math.ceil(s / 60)} min left`;
}

/**
 * A runner of measurements one after the other, each saying every second which of `names` it measures and the time
 * left: the rest of its own expected time, `expectedMs` for each one after it, and half a second for the statistics.
 */
export function measuredInTurn(names: readonly string[], expectedMs: number, progress: ProgressSink): <T>(index: number, run: () => Promise<T>) => Promise<T> {
  return async (index, run) => {
    const started = performance.now();
    const say = () => {
      const left = Math.max(0, expectedMs - (performance.now() - started)) + (names.length - 1 - index) * expectedMs + 500;
      progress({ message: `Measuring ${names[index]} (${index + 1} of ${names.length}), ${timeLeft(left)}…`, remainingMs: left });
    };
    say();
    const ticker = setInterval(say, 1000);
    try {
      return await run();
    } finally {
      clearInterval(ticker);
    }
  };
}

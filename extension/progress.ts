// The one progress callback every stage reports through (editor progress bar, command line, tests).

/** A step a stage has reached; `increment` is a share of 100 when the stage can tell. */
export interface ProgressEvent {
  message: string;
  increment?: number;
  /** The stage's estimate of the time it has left, in milliseconds, when it can tell (also said in `message`). */
  remainingMs?: number;
}

export type ProgressSink = (e: ProgressEvent) => void;

/** A sink that drops every event. */
export const noProgress: ProgressSink = () => {};

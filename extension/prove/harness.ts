// The proof's child process: harness-child.ts, bundled into dist/ by build.mjs and run by the user's Node.js. It
// imports the original and the candidate's loader, runs each case it is sent through both on fresh copies of the
// arguments, and sends back what each returned or threw, the arguments after the call, and whether the compiled code ran.
// Comparing is left to the parent, so the harness stays small. This file holds the messages both sides share.
import { childScript } from '../assets';

/** Parent to harness. */
export type ToHarness = { type: 'cases'; cases: { id: number; args: unknown[] }[] };

/** What one version did with one case. */
export interface HarnessRun {
  value?: unknown;
  threw?: string;
  /** The arguments after the call (copies the function received). */
  args: unknown[];
  ms: number;
}

/**
 * Harness to parent. For each case: `start` before the original runs, `original-done` before the candidate runs, then
 * `case`; each is written out before the code after it starts, so a case that never returns is the one after the
 * last message, and the parent times each run from its own message, not from when the cases were sent.
 */
export type FromHarness =
  | { type: 'ready'; loadError: string | null }
  | { type: 'start'; id: number }
  | { type: 'original-done'; id: number; ms: number }
  | { type: 'case'; id: number; expected: HarnessRun; actual: HarnessRun; compiled: boolean; reason: string }
  | { type: 'batch-done' };

/** The harness script (dist/prove-harness.mjs, built from harness-child.ts); argv: original module URL, loader URL, function name. */
export function proveHarnessPath(): string {
  return childScript('prove-harness.mjs');
}

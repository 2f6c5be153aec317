// Drives the proof's child process: sends batches of cases, collects the answers, and stops a case that runs too
// long by ending the child (a synchronous loop cannot be interrupted otherwise), then goes on in a fresh one.
import { CancelledError, PerfLabError } from '../errors';
import { throwIfCancelled } from '../progress';
import { firstLines, startChild, type Child } from '../profile/run-child';
import type { FromHarness, HarnessRun } from './harness';

/** What both versions did with one case. */
export interface CaseRun {
  expected: HarnessRun;
  actual: HarnessRun;
  /** Whether the candidate ran its compiled code (rather than falling back to the original). */
  compiled: boolean;
  /** The loader's reason for the fallback, when it fell back. */
  reason: string;
}

/** A case that could not be run to the end. */
export interface CaseSkipped {
  skipped: string;
}

export type CaseResult = CaseRun | CaseSkipped;

export interface SessionOptions {
  execPath: string;
  harnessPath: string;
  harnessArgs: string[];
  cwd: string;
  signal?: AbortSignal | undefined;
  /** Milliseconds the child may take to load the modules. */
  startTimeoutMs?: number;
}

/** A case to run, with the time it may take and, for large scalar values, what to skip when it runs out of time. */
export interface SessionCase {
  args: unknown[];
  timeoutMs: number;
  growth?: { param: number; magnitude: number } | undefined;
}

type Listener = (m: FromHarness) => void;

export class ProofSession {
  private child: Child | undefined;
  private listener: Listener | undefined;
  private exited: ((why: string) => void) | undefined;
  loadError: string | null = null;
  /** Children started (one more after each case that had to be stopped). */
  starts = 0;

  constructor(private readonly opts: SessionOptions) {}

  private async start(): Promise<void> {
    this.starts++;
    let stderr = '';
    const child = startChild({
      execPath: this.opts.execPath,
      args: [this.opts.harnessPath, ...this.opts.harnessArgs],
      cwd: this.opts.cwd,
      timeoutMs: 0,
      ipc: true,
      onOutput: (stream, text) => {
        if (stream === 'stderr' && stderr.length < 4096) stderr += text;
      },
      onMessage: (m) => this.listener?.(m as FromHarness),
    });
    this.child = child;
    void child.done.then((o) => {
      if (this.child === child) this.child = undefined;
      this.exited?.(o.signal ? `it was ended by ${o.signal}` : `it exited with code ${o.code}`);
    });
    await new Promise<void>((resolveReady, rejectReady) => {
      const timer = setTimeout(() => {
        child.stop();
        rejectReady(
          new PerfLabError(
            `The proof's child process did not load the original and the candidate within ${Math.round((this.opts.startTimeoutMs ?? 30_000) / 1000)} s.`,
          ),
        );
      }, this.opts.startTimeoutMs ?? 30_000);
      this.exited = (why) => {
        clearTimeout(timer);
        rejectReady(
          new PerfLabError(`The proof's child process could not load the original and the candidate: ${why}.${stderr ? `\n${firstLines(stderr, 8)}` : ''}`),
        );
      };
      this.listener = (m) => {
        if (m.type !== 'ready') return;
        clearTimeout(timer);
        this.loadError = m.loadError;
        resolveReady();
      };
    });
  }

  /** Runs the cases in order; a case that runs out of time (or ends the child) is reported as skipped. */
  async run(cases: SessionCase[]): Promise<CaseResult[]> {
    const results: (CaseResult | undefined)[] = new Array(cases.length);
    let todo = cases.map((_, i) => i);
    while (todo.length > 0) {
      throwIfCancelled(this.opts.signal, 'The proof was cancelled.');
      if (!this.child) await this.start();
      const child = this.child!;
      const batch = todo;
      const stopped = await new Promise<{ at: number; why: string } | undefined>((resolveBatch) => {
        let timer: NodeJS.Timeout | undefined;
        let current = 0;
        const arm = () => {
          clearTimeout(timer);
          const c = cases[batch[current]!];
          if (c) timer = setTimeout(() => finish({ at: current, why: `it ran longer than ${c.timeoutMs} ms` }), c.timeoutMs);
        };
        const onAbort = () => finish({ at: current, why: 'the proof was cancelled' });
        const finish = (r: { at: number; why: string } | undefined) => {
          clearTimeout(timer);
          this.listener = undefined;
          this.exited = undefined;
          this.opts.signal?.removeEventListener('abort', onAbort);
          resolveBatch(r);
        };
        this.opts.signal?.addEventListener('abort', onAbort, { once: true });
        this.listener = (m) => {
          if (m.type === 'case') {
            results[m.id] = { expected: m.expected, actual: m.actual, compiled: m.compiled, reason: m.reason };
            current++;
            arm();
          } else if (m.type === 'batch-done') finish(undefined);
        };
        this.exited = (why) => finish({ at: current, why: `the child process ended (${why})` });
        arm();
        child.send({ type: 'cases', cases: batch.map((id) => ({ id, args: cases[id]!.args })) });
      });
      if (!stopped) break;
      if (this.opts.signal?.aborted) {
        child.stop('cancel');
        throw new CancelledError('The proof was cancelled.');
      }
      // The case in progress is given up; the child goes, with whatever it was running.
      child.stop();
      await child.done;
      this.child = undefined;
      const culprit = batch[stopped.at];
      if (culprit === undefined) break;
      results[culprit] = { skipped: stopped.why };
      const g = cases[culprit]!.growth;
      todo = batch.slice(stopped.at + 1).filter((i) => {
        const h = cases[i]!.growth;
        if (g && h && h.param === g.param && h.magnitude >= g.magnitude) {
          results[i] = { skipped: `a smaller value of argument ${g.param + 1} already ran longer than ${cases[culprit]!.timeoutMs} ms` };
          return false;
        }
        return true;
      });
    }
    return results.map((r) => r ?? { skipped: 'not run' });
  }

  /** Ends the child process. */
  async close(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child) return;
    child.process.disconnect?.();
    const timer = setTimeout(() => child.stop(), 2000);
    await child.done;
    clearTimeout(timer);
  }
}

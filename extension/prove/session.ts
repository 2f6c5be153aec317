// Drives the proof's child process: sends the cases one at a time, collects the answers, and stops a run that lasts
// too long by ending the child (a synchronous loop cannot be interrupted otherwise), then goes on in a fresh one. Each
// run is timed from the child's own message that it started, so a skip names the run that did not finish.
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

/** A case that could not be run to the end, and why, in words that name a cause only when it is the cause. */
export interface CaseSkipped {
  skipped: string;
  /**
   * What stopped it: `original`, the original did not finish in time on this input; `candidate`, the original did
   * and the compiled version did not (a difference in behaviour, not a slow input); `child`, the child process ended;
   * `budget`, it was not run because the stage's time was spent; `growth`, it was not run because a smaller value of
   * the same parameter already kept the original running too long.
   */
  cause: 'original' | 'candidate' | 'child' | 'budget' | 'growth';
  /** For `candidate`: how long the original took on this input. */
  originalMs?: number;
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
  /** Milliseconds the original may run on it; the compiled version gets as long, or 20× the original's time plus a second. */
  timeoutMs: number;
  growth?: { param: number; magnitude: number } | undefined;
}

/** What a run of cases reports and how long it may last. */
export interface RunHooks {
  /** Called as each case is sent to the child (its index in the cases given). */
  onCase?: (index: number) => void;
  /**
   * `performance.now()` after which no case is started; the rest are skipped with `budgetReason`. The original's run
   * of a case started before it is stopped there too (given at least {@link MIN_CASE_MS}, or its own time if less):
   * a large value that keeps a loop running cannot hold the stage past its bound.
   */
  deadline?: number;
  budgetReason?: string;
  /** The bound in words, for a case stopped by the deadline ("the edge cases' 30 s"). */
  budgetName?: string;
}

/** The time the compiled version may take once the original took `originalMs`: a hang, not a slower loop, is what it catches. */
export function candidateTimeoutMs(timeoutMs: number, originalMs: number): number {
  return Math.max(timeoutMs, Math.ceil(20 * originalMs) + 1000);
}

/** The least time the original gets on a case started just before the deadline. */
export const MIN_CASE_MS = 1000;

/** Milliseconds between sending a case and the child starting it before the child is taken for stuck. */
const RECEIVE_TIMEOUT_MS = 30_000;

type Listener = (m: FromHarness) => void;

function fixedMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(2)} ms` : `${Math.round(ms)} ms`;
}

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

  /**
   * Runs the cases in order, one at a time. A case that runs out of time (or ends the child) is reported as skipped
   * with what stopped it, and the next case goes to a fresh child; a larger value of a parameter whose smaller value
   * kept the original running too long is not run; once `hooks.deadline` passes, no case is started.
   */
  async run(cases: SessionCase[], hooks: RunHooks = {}): Promise<CaseResult[]> {
    const results: CaseResult[] = [];
    // Per parameter: the smallest value that kept the original running past its time, and that time.
    const tooLong = new Map<number, { magnitude: number; timeoutMs: number }>();
    for (const [i, c] of cases.entries()) {
      throwIfCancelled(this.opts.signal, 'The proof was cancelled.');
      if (hooks.deadline !== undefined && performance.now() > hooks.deadline) {
        results.push({ skipped: hooks.budgetReason ?? 'not run: the time for these cases was spent', cause: 'budget' });
        continue;
      }
      const g = c.growth;
      const known = g && tooLong.get(g.param);
      if (g && known && g.magnitude >= known.magnitude) {
        results.push({
          skipped: `not run: a smaller value of argument ${g.param + 1} (${known.magnitude}) already kept the original running longer than ${known.timeoutMs} ms`,
          cause: 'growth',
        });
        continue;
      }
      hooks.onCase?.(i);
      const left = hooks.deadline === undefined ? Infinity : Math.ceil(hooks.deadline - performance.now());
      const limit = left < c.timeoutMs ? { ms: Math.min(c.timeoutMs, Math.max(left, MIN_CASE_MS)), why: hooks.budgetName } : { ms: c.timeoutMs };
      const r = await this.runOne(i, c, limit);
      if (g && 'skipped' in r && r.cause === 'original') tooLong.set(g.param, { magnitude: g.magnitude, timeoutMs: limit.ms });
      results.push(r);
    }
    return results;
  }

  /**
   * One case in the child: timed from the child's own messages, so sending it and starting a child are not counted.
   * `limit` bounds the original's run (`why`: the bound it is what is left of, when that is less than the case's own).
   */
  private async runOne(id: number, c: SessionCase, limit: { ms: number; why?: string | undefined }): Promise<CaseResult> {
    if (!this.child) await this.start();
    const child = this.child!;
    const outcome = await new Promise<CaseResult | { stop: CaseSkipped }>((resolveCase) => {
      let timer: NodeJS.Timeout | undefined;
      let phase: 'sent' | 'original' | 'candidate' = 'sent';
      let originalMs = 0;
      const arm = (ms: number, why: () => CaseSkipped) => {
        clearTimeout(timer);
        timer = setTimeout(() => finish({ stop: why() }), ms);
      };
      const onAbort = () => finish({ stop: { skipped: 'the proof was cancelled', cause: 'child' } });
      const finish = (r: CaseResult | { stop: CaseSkipped }) => {
        clearTimeout(timer);
        this.listener = undefined;
        this.exited = undefined;
        this.opts.signal?.removeEventListener('abort', onAbort);
        resolveCase(r);
      };
      this.opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.listener = (m) => {
        if (m.type === 'start' && m.id === id) {
          phase = 'original';
          const within = `within ${limit.ms} ms${limit.why ? ` (what was left of ${limit.why})` : ''}`;
          arm(limit.ms, () => ({ skipped: `the original did not finish ${within} on this input`, cause: 'original' }));
        } else if (m.type === 'original-done' && m.id === id) {
          phase = 'candidate';
          originalMs = m.ms;
          const limit = candidateTimeoutMs(c.timeoutMs, m.ms);
          arm(limit, () => ({
            skipped: `the compiled version did not finish within ${limit} ms on this input, where the original returned in ${fixedMs(originalMs)}`,
            cause: 'candidate',
            originalMs,
          }));
        } else if (m.type === 'case' && m.id === id) finish({ expected: m.expected, actual: m.actual, compiled: m.compiled, reason: m.reason });
      };
      this.exited = (why) =>
        finish({
          stop: {
            skipped:
              phase === 'sent'
                ? `the child process ended before it started this input (${why})`
                : `the child process ended while the ${phase === 'original' ? 'original' : 'compiled version'} ran on this input (${why})`,
            cause: phase === 'candidate' ? 'candidate' : phase === 'original' ? 'original' : 'child',
            ...(phase === 'candidate' ? { originalMs } : {}),
          },
        });
      arm(RECEIVE_TIMEOUT_MS, () => ({ skipped: `the child process did not start this input within ${RECEIVE_TIMEOUT_MS / 1000} s`, cause: 'child' }));
      child.send({ type: 'cases', cases: [{ id, args: c.args }] });
    });
    if (!('stop' in outcome)) return outcome;
    if (this.opts.signal?.aborted) {
      child.stop('cancel');
      throw new CancelledError('The proof was cancelled.');
    }
    // The run in progress is given up; the child goes, with whatever it was running.
    child.stop();
    await child.done;
    if (this.child === child) this.child = undefined;
    return outcome.stop;
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

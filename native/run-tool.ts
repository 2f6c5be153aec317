// Runs a build tool (a compiler, node-gyp, an interpreter building a module): an argument array and no shell,
// stdout and stderr collected together in the order they came, a timeout and cancel.
import { spawn } from 'node:child_process';
import { CancelledError, PerfLabError } from '../extension/errors';

export interface ToolRun {
  /** The exit status; -1 when the tool was stopped by the timeout or a signal. */
  code: number;
  output: string;
}

export interface ToolOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Default 300 s; a tool still running then is killed and reported with code -1. */
  timeoutMs?: number;
  /** Appended to the message when the tool cannot be started (what to install). */
  hint?: string;
}

export function runTool(cmd: string, args: string[], opts: ToolOptions): Promise<ToolRun> {
  const timeoutMs = opts.timeoutMs ?? 300_000;
  return new Promise((done, fail) => {
    if (opts.signal?.aborted) return fail(new CancelledError());
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const onAbort = () => child.kill('SIGKILL');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const settle = () => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    };
    const hint = opts.hint ? ` ${opts.hint}` : '';
    child.on('error', (e: NodeJS.ErrnoException) => {
      settle();
      fail(new PerfLabError(e.code === 'ENOENT' ? `${cmd} was not found.${hint}` : `Could not run ${cmd}: ${e.message}.${hint}`));
    });
    child.on('close', (code) => {
      settle();
      if (opts.signal?.aborted) return fail(new CancelledError());
      const output = Buffer.concat(chunks).toString('utf8');
      if (timedOut) return done({ code: -1, output: `${output}\n(stopped after ${timeoutMs / 1000} s)` });
      done({ code: code ?? -1, output });
    });
  });
}

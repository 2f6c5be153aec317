// The proof's child process (dist/prove-harness.mjs, run by the user's Node.js): imports the original and the
// candidate's loader, runs each case it is sent through both on fresh copies of the arguments, and sends back what
// each returned or threw, the arguments after the call, and whether the compiled code ran. argv: original module
// URL, loader URL, function name. Comparing is left to the parent, so the harness stays small.
import { copyArgs } from './edge-cases';
import type { FromHarness, HarnessRun, ToHarness } from './harness';

type Fn = (...args: unknown[]) => unknown;
interface Loader {
  bind(original: Fn): Fn;
  stats: { calls: number; fallbacks: number; reason: string };
  loadError?: unknown;
}

function send(m: FromHarness): void {
  process.send!(m);
}

/** Sends `m` and resolves once it is written out: a long synchronous run after it cannot hold it back. */
function sendNow(m: FromHarness): Promise<void> {
  return new Promise((done) => process.send!(m, undefined, undefined, () => done()));
}

function sendable(v: unknown): unknown {
  try {
    structuredClone(v);
    return v;
  } catch {
    return String(v);
  }
}

function run(f: Fn, args: unknown[]): HarnessRun {
  const a = copyArgs(args);
  const t0 = performance.now();
  try {
    const value = f(...a);
    return { value: sendable(value), args: a, ms: performance.now() - t0 };
  } catch (e) {
    const err = e as { name?: string; message?: string } | null;
    return {
      threw: (err && err.name ? err.name + ': ' : '') + (err && err.message !== undefined ? err.message : String(e)),
      args: a,
      ms: performance.now() - t0,
    };
  }
}

async function main(): Promise<void> {
  const [originalUrl, loaderUrl, name] = process.argv.slice(2) as [string, string, string];
  const original = ((await import(originalUrl)) as Record<string, Fn>)[name]!;
  const loader = (await import(loaderUrl)) as Loader;
  const bound = loader.bind(original);
  const stats = loader.stats;

  // Each message is written out before the next run starts (the parent stops a case that runs too long by ending
  // this process, and must know which run that was).
  async function runCases(cases: ToHarness['cases']): Promise<void> {
    for (const { id, args } of cases) {
      await sendNow({ type: 'start', id });
      const expected = run(original, args);
      await sendNow({ type: 'original-done', id, ms: expected.ms });
      const calls = stats.calls;
      const fallbacks = stats.fallbacks;
      const actual = run(bound, args);
      const compiled = stats.calls === calls + 1 && stats.fallbacks === fallbacks;
      await sendNow({ type: 'case', id, expected, actual, compiled, reason: compiled ? '' : stats.reason });
    }
    send({ type: 'batch-done' });
  }

  process.on('message', (m: ToHarness | null) => {
    if (m && m.type === 'cases') void runCases(m.cases);
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', loadError: loader.loadError ? String(loader.loadError) : null });
}

await main();

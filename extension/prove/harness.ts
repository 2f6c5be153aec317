// The proof's child process: a module written to a temporary folder and run by the user's Node.js. It imports the
// original and the candidate's loader, runs each case it is sent through both on fresh copies of the arguments,
// and sends back what each returned or threw, the arguments after the call, and whether WebAssembly ran.
// Comparing is left to the parent, so the harness stays small.

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

/** Harness to parent. */
export type FromHarness =
  | { type: 'ready'; loadError: string | null }
  | { type: 'case'; id: number; expected: HarnessRun; actual: HarnessRun; wasm: boolean; reason: string }
  | { type: 'batch-done' };

/** The harness module's source; argv: original module URL, loader URL, function name. */
export const PROVE_HARNESS = `// Perf Lab proof harness: runs the original function and its compiled version on the cases it is sent.
const [originalUrl, loaderUrl, name] = process.argv.slice(2);
const original = (await import(originalUrl))[name];
const loader = await import(loaderUrl);
const compiled = loader.bind(original);
const stats = loader.stats;

function copy(args) {
  const seen = new Map();
  return args.map((a) => {
    if (a === null || typeof a !== 'object') return a;
    let c = seen.get(a);
    if (c === undefined) {
      c = Array.isArray(a) ? a.slice() : ArrayBuffer.isView(a) ? a.slice() : structuredClone(a);
      seen.set(a, c);
    }
    return c;
  });
}

function sendable(v) {
  try {
    structuredClone(v);
    return v;
  } catch {
    return String(v);
  }
}

function run(f, args) {
  const a = copy(args);
  const t0 = performance.now();
  try {
    const value = f(...a);
    return { value: sendable(value), args: a, ms: performance.now() - t0 };
  } catch (e) {
    return { threw: (e && e.name ? e.name + ': ' : '') + (e && e.message !== undefined ? e.message : String(e)), args: a, ms: performance.now() - t0 };
  }
}

// One case per turn of the event loop, so that each answer leaves before the next case starts
// (the parent stops a case that runs too long by ending this process).
function runCases(cases, i) {
  if (i >= cases.length) {
    process.send({ type: 'batch-done' });
    return;
  }
  const { id, args } = cases[i];
  const expected = run(original, args);
  const calls = stats.calls;
  const fallbacks = stats.fallbacks;
  const actual = run(compiled, args);
  const wasm = stats.calls === calls + 1 && stats.fallbacks === fallbacks;
  process.send({ type: 'case', id, expected, actual, wasm, reason: wasm ? '' : stats.reason });
  setImmediate(runCases, cases, i + 1);
}

process.on('message', (m) => {
  if (m && m.type === 'cases') runCases(m.cases, 0);
});
process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready', loadError: loader.loadError ? String(loader.loadError) : null });
`;

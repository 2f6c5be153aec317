// The test-only target "JavaScript copied verbatim": the function's own source (with the functions it calls and the
// file's numeric constants) behind a loader with the contract of wasm/load-kernel.ts (`bind`, `stats`, `loadError`, `apply`).
// It needs no toolchain, so a test can run a target through the whole flow and Apply; targets.ts registers it only
// when a test calls registerTestTarget().
import type { JsCandidate } from './compile';
import { extractOriginal } from './extract-js';
import { loadTypeScript, type Kernel } from './frontend-js';
import { abiParams } from './ir';
import { printIr } from './print-ir';
import type { TargetId } from '../protocol';

/** A candidate that is the original, copied: `body` declares the function and what it needs. */
export interface JsCopyCandidate extends JsCandidate {
  ir: string;
  /** The declarations copied from the source (no import or export), the function among them. */
  body: string;
}

/** Copies the function's declarations out of `source`; the signature is the one the IR gives its entry. */
export async function compileJsCopy(kernel: Kernel, source: string): Promise<JsCopyCandidate> {
  const ts = await loadTypeScript();
  const module = extractOriginal(ts, source, kernel.fileName, kernel.name, kernel.callees);
  const body = module.replace(/^export \{[^}]*\};?\s*$/m, '').trimEnd();
  const entry = kernel.ir.functions.find((f) => f.name === kernel.ir.entry)!;
  const params = abiParams(entry);
  const { createHash } = await import('node:crypto');
  return {
    target: 'js-copy' as TargetId,
    kernel,
    ir: printIr(kernel.ir),
    abi: { params },
    body,
    log: [`${kernel.name} copied verbatim (${body.length} characters)`],
    hash: createHash('sha256').update(body).digest('hex').slice(0, 16),
  };
}

/** The loader: the copy in a closure of its own, so that its names cannot clash with the loader's. */
export function jsCopyLoader(candidate: JsCandidate, format: 'esm' | 'cjs'): string {
  const c = candidate as JsCopyCandidate;
  const exported = format === 'esm' ? 'export { bind, stats, loadError, apply };' : 'module.exports = { bind, stats, loadError, apply };';
  return `// Perf Lab's test target: ${c.kernel.name} copied verbatim.
const copy = (() => {
${c.body}
return ${c.kernel.name};
})();
const stats = { calls: 0, fallbacks: 0, reason: '' };
const loadError = null;
const apply = Reflect.apply;
function bind(original) {
  return function (...args) {
    stats.calls++;
    return copy(...args);
  };
}
${exported}
`;
}

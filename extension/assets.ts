// Perf Lab's own code in other languages, kept in real files so that their own tools check them (test/unit/assets.test.ts):
// - assets: text an emitter copies into what it generates (C++ headers, Python helpers), beside the emitter that uses
//   it. build.mjs puts every .h, .cc and .py file under extension/ into the bundles (`PERF_LAB_ASSETS`); run from the
//   sources (tests, through tsx, which cannot import text), the same file is read from disk. One name, both ways.
// - child scripts: the TypeScript entry points that child processes run (harnesses, probes), bundled by build.mjs into
//   dist/ like the preloads, and found there from the bundle or from the sources.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PerfLabError } from './errors';

/** Every asset's text by its path under extension/, defined by build.mjs in the bundles; absent in the sources. */
declare const PERF_LAB_ASSETS: Readonly<Record<string, string>>;

const bundled: Readonly<Record<string, string>> | undefined = typeof PERF_LAB_ASSETS === 'object' ? PERF_LAB_ASSETS : undefined;
const read = new Map<string, string>();

/** The text of the asset at `path` under extension/ (e.g. 'compiler/runtime/plab-prelude.h'). */
export function asset(path: string): string {
  if (bundled) {
    const text = bundled[path];
    if (text === undefined) throw new Error(`the asset ${path} is not in the bundle: build.mjs bundles the .h, .cc and .py files under extension/`);
    return text;
  }
  let text = read.get(path);
  if (text === undefined) {
    text = readFileSync(join(__dirname, path), 'utf8');
    read.set(path, text);
  }
  return text;
}

/** The path of dist/`name`, a child script build.mjs bundles: beside the running bundle, or in dist/ from the sources. */
export function childScript(name: string): string {
  const candidates = [join(__dirname, name), join(__dirname, '..', 'dist', name)];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new PerfLabError(`Perf Lab's ${name} is missing from ${candidates[0]}. Reinstall the extension, or run \`npm run build\` in a checkout.`);
  return found;
}

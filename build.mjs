// Builds the extension (Node, CommonJS), the command line, the profiler and recorder preloads, the child processes'
// scripts (harnesses, probe) and the webview (browser, IIFE).
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  metafile: true,
};

/**
 * The code in other languages that the emitters copy into what they generate (C++ headers and sources, Python), by
 * path under extension/: extension/assets.ts reads it from PERF_LAB_ASSETS in the bundles, from the files otherwise.
 * Read when the build starts (--watch does not see an edited asset).
 */
function assets() {
  const files = readdirSync('extension', { recursive: true }).filter((f) => /\.(h|cc|py)$/.test(f));
  return Object.fromEntries(files.sort().map((f) => [f.split('\\').join('/'), readFileSync(`extension/${f}`, 'utf8')]));
}

/** @type {import('esbuild').BuildOptions[]} */
const targets = [
  {
    ...common,
    entryPoints: { extension: 'extension/extension.ts', cli: 'extension/cli.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // 'vscode' is provided by the editor at run time; esbuild ships a native binary; TypeScript's compiler is large
    // and loaded only when a function is compiled, so the extension and the command line share one copy of it.
    // node-addon-api is a folder of C++ headers that native/build-addon.ts finds with require.resolve at run time
    // (the package ships them beside the bundles, .vscodeignore), not code to bundle.
    external: ['vscode', 'esbuild', 'typescript', 'node-addon-api'],
    define: { PERF_LAB_ASSETS: JSON.stringify(assets()) },
  },
  {
    ...common,
    entryPoints: { 'cpu-profiler': 'extension/profile/preload/cpu-profiler.ts', recorder: 'extension/record/preload/recorder.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.cjs' },
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    sourcemap: false,
  },
  {
    // Run by the user's Node.js as ES modules: the proof's and the benchmark's harnesses, the break-even probe.
    ...common,
    entryPoints: {
      'prove-harness': 'extension/prove/harness-child.ts',
      'bench-harness': 'extension/bench/harness-child.ts',
      'break-even-probe': 'extension/bench/break-even-probe.ts',
    },
    outdir: 'dist',
    outExtension: { '.js': '.mjs' },
    platform: 'node',
    format: 'esm',
    target: 'node18',
    sourcemap: false,
  },
  {
    ...common,
    entryPoints: { webview: 'webview/main.ts' },
    outdir: 'dist',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    loader: { '.css': 'text' },
  },
];

// SQLite's WebAssembly module for the history store (extension/history/database.ts): node-sqlite3-wasm's loader,
// bundled into extension.js and cli.js, reads it from the bundle's own folder.
mkdirSync('dist', { recursive: true });
copyFileSync(createRequire(import.meta.url).resolve('node-sqlite3-wasm/dist/node-sqlite3-wasm.wasm'), 'dist/node-sqlite3-wasm.wasm');

if (watch) {
  const contexts = await Promise.all(targets.map((t) => esbuild.context(t)));
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('watching for changes…');
} else {
  const results = await Promise.all(targets.map((t) => esbuild.build(t)));
  if (production) {
    for (const r of results) console.log(await esbuild.analyzeMetafile(r.metafile));
  }
}

// Builds the extension (Node, CommonJS), the command line, the profiler and recorder preloads and the webview (browser, IIFE).
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
    external: ['vscode', 'esbuild', 'typescript'],
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
    ...common,
    entryPoints: { webview: 'webview/main.ts' },
    outdir: 'dist',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    loader: { '.css': 'text' },
  },
];

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

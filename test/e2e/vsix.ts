// Packages the extension with vsce, the way it is published, once per change of its sources.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ROOT } from './code-server';

/** What goes into the package: a change to any of these makes a new one. */
const INPUTS = [
  'package.json',
  'package-lock.json',
  '.vscodeignore',
  'build.mjs',
  'README.md',
  'LICENSE',
  'CHANGELOG.md',
  'docs',
  'extension',
  'webview',
  'wasm',
  'native',
  'python',
  'media',
  'resources',
];

function hashInputs(): string {
  const hash = createHash('sha256');
  const visit = (p: string): void => {
    if (!existsSync(p)) return;
    if (statSync(p).isDirectory()) {
      for (const name of readdirSync(p).sort()) visit(join(p, name));
    } else {
      hash.update(relative(ROOT, p)).update('\0').update(readFileSync(p)).update('\0');
    }
  };
  for (const input of INPUTS) visit(join(ROOT, input));
  return hash.digest('hex').slice(0, 16);
}

const PACKAGE_OPTIONS = ['--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links'];

/** A packaged extension and how long packaging took (0 when it was already packaged for the same sources). */
export interface Vsix {
  path: string;
  bytes: number;
  packagingMs: number;
}

/**
 * Runs `vsce package` (which runs the production build) into a temporary folder and keeps the result under
 * .cache/e2e/, keyed by a hash of the sources, so that the test files of one run package the extension once.
 */
export async function packageExtension(): Promise<Vsix> {
  const cacheDir = join(ROOT, '.cache', 'e2e');
  const cached = join(cacheDir, `perf-lab-${hashInputs()}.vsix`);
  if (existsSync(cached) && !process.env.PERF_LAB_E2E_REPACKAGE) return { path: cached, bytes: statSync(cached).size, packagingMs: 0 };

  const started = Date.now();
  const out = await mkdtemp(join(tmpdir(), 'perf-lab-vsix-'));
  try {
    const vsix = join(out, 'perf-lab.vsix');
    const vsce = join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
    // The same options as `npm run package`: without them vsce asks on stdin about the missing repository field and
    // license file, and fails on README's relative image link, which it cannot rewrite without a repository URL.
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [vsce, 'package', '--out', vsix, ...PACKAGE_OPTIONS], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.stderr.on('data', (d: Buffer) => (text += d.toString()));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`vsce package failed (exit code ${code}):\n${text}`))));
    });
    if (!existsSync(vsix)) throw new Error(`vsce package wrote no ${vsix}:\n${output}`);
    await mkdir(cacheDir, { recursive: true });
    for (const old of readdirSync(cacheDir)) if (old.endsWith('.vsix')) await rm(join(cacheDir, old), { force: true });
    await copyFile(vsix, `${cached}.tmp`);
    await rename(`${cached}.tmp`, cached);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
  return { path: cached, bytes: statSync(cached).size, packagingMs: Date.now() - started };
}

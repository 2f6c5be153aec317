// The native build driver: offline node-gyp build, the build cache (hit, and a rebuild when the flags change),
// the direct-compiler fallback, the compiler log on failure, and a clear message when no compiler is found (through
// the command line too, where WebAssembly stays available).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emitAddonSource, emitCppKernel } from '../../../extension/compiler/backend-cpp';
import { selectKernel } from '../../../extension/compiler/compile';
import { compileNative } from '../../../extension/compiler/compile-native';
import { PerfLabError } from '../../../extension/errors';
import { buildAddon, nodeHeadersDir, nodeRuntime } from '../../../native/build-addon';

async function squareSource(): Promise<string> {
  const sel = await selectKernel({ source: 'export function sq(x: number) { return x * x + 1; }', fileName: 'sq.ts', functionName: 'sq' });
  assert.ok(sel.ok);
  if (!sel.ok) throw new Error('refused');
  return emitAddonSource([emitCppKernel(sel.kernel.ir, 'sq')]);
}

const req = createRequire(__filename);

test('node headers come from the running Node, never a download', () => {
  assert.ok(existsSync(join(nodeHeadersDir(), 'include', 'node', 'node_api.h')));
});

test('node-gyp builds once; the second build is a cache hit; other flags rebuild', async () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'perf-lab-build-cache-'));
  const source = await squareSource();
  const first = await buildAddon(source, { cacheDir, builder: 'node-gyp' });
  assert.equal(first.cached, false);
  assert.equal(first.builder, 'node-gyp');
  assert.equal((req(first.addonPath) as { sq(x: number): number }).sq(3), 10);
  assert.equal(readFileSync(first.sourcePath, 'utf8'), source);
  const second = await buildAddon(source, { cacheDir });
  assert.equal(second.cached, true);
  assert.equal(second.addonPath, first.addonPath);
  assert.ok(second.ms < 200, `a cache hit took ${second.ms} ms`);
  const other = await buildAddon(source, { cacheDir, flags: ['-O2', '-ffp-contract=off'], builder: 'direct' });
  assert.equal(other.cached, false);
  assert.notEqual(other.key, first.key);
  assert.equal(other.builder, 'direct');
  assert.equal((req(other.addonPath) as { sq(x: number): number }).sq(-2), 5);
});

test('a missing compiler (CXX names no program) is a PerfLabError that says what to install', async () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'perf-lab-build-nocxx-'));
  await assert.rejects(buildAddon(await squareSource(), { cacheDir, env: { ...process.env, CXX: '/nonexistent/bin/g++' } }), (e: unknown) => {
    assert.ok(e instanceof PerfLabError);
    assert.match(e.message, /CXX=\/nonexistent\/bin\/g\+\+ was not found/);
    assert.match(e.message, /apt-get install g\+\+/);
    assert.match(e.message, /WebAssembly rewrites do not need it/);
    return true;
  });
  const sel = await selectKernel({ source: 'function id(x: number) { return x; }', fileName: 'id.ts', functionName: 'id' });
  assert.ok(sel.ok);
  if (sel.ok)
    await assert.rejects(
      compileNative(sel.kernel, { cacheDir, env: { ...process.env, PATH: '/nonexistent', CXX: '' } }),
      /No C\+\+ compiler was found on PATH/,
    );
});

test('a failed build names the generated source and carries the compiler log', async () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'perf-lab-build-fail-'));
  const source = (await squareSource()).replace('static Napi::Object Init', 'this is not C++;\nstatic Napi::Object Init');
  await assert.rejects(buildAddon(source, { cacheDir, builder: 'direct' }), (e: unknown) => {
    assert.ok(e instanceof PerfLabError);
    assert.match(e.message, /did not build .*Generated source: .*kernel\.cc/);
    const src = /Generated source: (\S+kernel\.cc)/.exec(e.message)![1]!;
    assert.equal(readFileSync(src, 'utf8'), source);
    assert.match(e.detail ?? '', /error/);
    return true;
  });
});

test("the addon is built for the user's Node, asked once: its headers, its node-gyp, its ABI in the cache key", async () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'perf-lab-build-node-'));
  const node = await nodeRuntime(process.execPath);
  assert.equal(node.execPath, process.execPath);
  assert.equal(node.version, process.version);
  assert.equal(node.modules, process.versions.modules);
  assert.equal(node.napi, process.versions.napi);
  assert.ok(existsSync(join(nodeHeadersDir(node), 'include', 'node', 'node_api.h')));
  assert.equal(await nodeRuntime(process.execPath), node, 'the answer is cached');
  const source = await squareSource();
  const built = await buildAddon(source, { cacheDir, nodePath: process.execPath, builder: 'node-gyp' });
  assert.equal(built.node.execPath, process.execPath);
  assert.equal((req(built.addonPath) as { sq(x: number): number }).sq(4), 17);
  // Another Node (here a wrapper script that answers for a different ABI) is another cache entry.
  const dir = mkdtempSync(join(tmpdir(), 'perf-lab-other-node-'));
  const other = join(dir, 'node');
  writeFileSync(
    other,
    `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} -e 'console.log(JSON.stringify({execPath:process.execPath,version:"v99.0.0",modules:"999",napi:"9",arch:process.arch,platform:process.platform,prefix:""}))'\n`,
  );
  chmodSync(other, 0o755);
  const elsewhere = await buildAddon(source, { cacheDir, nodePath: other, builder: 'direct' });
  assert.notEqual(elsewhere.key, built.key);
  assert.equal(elsewhere.node.modules, '999');
});

test('a nodePath that names no Node is a PerfLabError naming the setting, before any build', async () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'perf-lab-build-nonode-'));
  const missing = join(tmpdir(), 'perf-lab-no-such-dir', 'bin', 'node');
  await assert.rejects(buildAddon(await squareSource(), { cacheDir, nodePath: missing }), (e: unknown) => {
    assert.ok(e instanceof PerfLabError);
    assert.match(e.message, /Node\.js was not found at ".*perf-lab-no-such-dir\/bin\/node"/);
    assert.match(e.message, /perfLab\.nodePath/);
    assert.match(e.message, /--node/);
    return true;
  });
  const sel = await selectKernel({ source: 'function id(x: number) { return x; }', fileName: 'id.ts', functionName: 'id' });
  assert.ok(sel.ok);
  if (sel.ok) await assert.rejects(compileNative(sel.kernel, { cacheDir, nodePath: missing }), /Node\.js was not found/);
});

test('with no C++ compiler on PATH, perf-lab optimize says what to install and WebAssembly still runs', { timeout: 240_000 }, async () => {
  // A PATH that holds Node.js and nothing else: no g++, c++, clang++, make or Python.
  const dir = mkdtempSync(join(tmpdir(), 'perf-lab-no-cxx-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  const program = join(dir, 'scale.mjs');
  writeFileSync(
    program,
    'export function scale(a, k) { for (let i = 0; i < a.length; i++) a[i] = a[i] * k; }\nconst a = new Float64Array(256).fill(1.5);\nfor (let r = 0; r < 200; r++) scale(a, 1.0001);\nconsole.log(a[0]);\n',
  );
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: bin, PERF_LAB_CACHE: join(dir, 'cache') };
  delete env.CXX;
  const root = join(__dirname, '..', '..', '..');
  const run = (target: string) =>
    spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(root, 'extension', 'cli.ts'),
        'optimize',
        program,
        '--fn',
        'scale',
        '--target',
        target,
        '--time',
        '0.2',
        '--store',
        join(dir, 'store'),
      ],
      {
        cwd: root,
        env,
        encoding: 'utf8',
        timeout: 200_000,
      },
    );
  const auto = run('auto');
  assert.equal(auto.status, 0, auto.stdout + auto.stderr);
  assert.match(auto.stdout, /Native code is not available: No C\+\+ compiler was found on PATH \(looked for g\+\+, c\+\+, clang\+\+\)/);
  assert.match(auto.stdout, /Debian\/Ubuntu: `sudo apt-get install g\+\+ make python3`/);
  assert.match(auto.stdout, /WebAssembly rewrites do not need it and stay available/);
  assert.match(auto.stdout, /Compiled scale .*to WebAssembly/);
  assert.match(auto.stdout, /Proof: PROVEN/);
  assert.match(auto.stdout, /Speedup/);
  const native = run('native');
  assert.equal(native.status, 1, native.stdout + native.stderr);
  assert.match(native.stderr, /perf-lab: No C\+\+ compiler was found on PATH.*sudo apt-get install g\+\+ make python3/s);
  assert.doesNotMatch(native.stderr, /\n\s+at /, 'a message, not a stack trace');
});

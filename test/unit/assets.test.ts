// The code in other languages that Perf Lab copies into what it generates (extension/**/*.h, .cc, .py: see
// extension/assets.ts), checked by its own language's tools: each C++ file compiled by the C++ compiler with the flags
// of an addon build (-fsyntax-only), each Python file compiled by Python. The C++ files are checked as they are and as
// the emitters write them out (names filled in).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { asset } from '../../extension/assets';
import { cppPrelude } from '../../extension/compiler/backend-cpp';
import { PY_NATIVE_RUNTIME } from '../../extension/compiler/python-native-runtime';
import { directArgs, findProgram, findToolchain, nodeHeadersDir } from '../../native/build-addon';

const run = promisify(execFile);
const EXTENSION = join(__dirname, '..', '..', 'extension');

/** Every asset, as build.mjs finds them: paths under extension/. */
const ASSETS = readdirSync(EXTENSION, { recursive: true })
  .map(String)
  .filter((f) => /\.(h|cc|py)$/.test(f))
  .sort();

/** Values for the names an emitter fills in, so that the file compiles as it stands. */
const PLACEHOLDERS: Record<string, string[]> = {
  'compiler/runtime/plab-prelude.h': [
    '-DPLAB_HOST_MATH_NAMES="sin"',
    '-DPLAB_HOST_MATH_COUNT=1',
    '-DPLAB_RECURSION_LIMIT=2000',
    '-DPLAB_LOCAL_ARRAY_LIMIT=134217728u',
  ],
};

/** The C++ compiler's complaints about `file` (empty when it compiles). */
async function cppErrors(file: string, extra: string[] = []): Promise<string> {
  const args = directArgs(['-fsyntax-only', '-x', 'c++', ...extra], nodeHeadersDir(), file, join(tmpdir(), 'perf-lab-assets-unused.o'));
  try {
    await run(findToolchain().cxx, args, { maxBuffer: 1 << 24 });
    return '';
  } catch (e) {
    return (e as { stderr?: string }).stderr || String(e);
  }
}

/** Python's complaints about `file` (compiled in memory: no __pycache__ beside the source). */
async function pythonErrors(python: string, file: string): Promise<string> {
  try {
    await run(python, ['-c', 'import sys; compile(open(sys.argv[1], encoding="utf-8").read(), sys.argv[1], "exec")', file]);
    return '';
  } catch (e) {
    return (e as { stderr?: string }).stderr || String(e);
  }
}

function hasCompiler(): boolean {
  try {
    findToolchain();
    nodeHeadersDir();
    return true;
  } catch {
    return false;
  }
}

test('the assets are the files build.mjs bundles, and each one reads back as its file', () => {
  for (const a of [
    'bench/runtime/probe-addon.cc',
    'compiler/runtime/numba_helpers.py',
    'compiler/runtime/plab-prelude.h',
    'compiler/runtime/py-native-runtime.h',
  ])
    assert.ok(ASSETS.includes(a), a);
  for (const a of ASSETS) assert.equal(asset(a), readFileSync(join(EXTENSION, a), 'utf8'));
});

test('every C++ asset compiles, as it stands and as the emitters write it', { skip: !hasCompiler() && 'no C++ compiler or Node headers' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perf-lab-assets-'));
  const emitted: Record<string, string> = { 'prelude.h': cppPrelude(), 'py-native-runtime.h': PY_NATIVE_RUNTIME };
  const checks = [
    ...ASSETS.filter((a) => /\.(h|cc)$/.test(a)).map((a) => ({ name: a, file: join(EXTENSION, a), extra: PLACEHOLDERS[a] ?? [] })),
    ...Object.entries(emitted).map(([name, text]) => {
      const file = join(dir, name);
      writeFileSync(file, text);
      return { name: `${name} as emitted`, file, extra: [] };
    }),
  ];
  const errors = await Promise.all(checks.map((c) => cppErrors(c.file, c.extra)));
  for (const [i, c] of checks.entries()) assert.equal(errors[i], '', `${c.name} does not compile`);
});

test('every Python asset compiles', { skip: !findProgram('python3') && 'no python3' }, async () => {
  for (const a of ASSETS.filter((f) => f.endsWith('.py')))
    assert.equal(await pythonErrors(findProgram('python3')!, join(EXTENSION, a)), '', `${a} does not compile`);
});

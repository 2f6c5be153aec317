// The differential fuzzer against the native backend: random programs in the subset, all built into one addon
// (a build costs seconds), run against the original JavaScript on random and edge-case inputs, compared exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileNativeBatch } from '../../../extension/compiler/compile-native';
import { loadTypeScript, lowerJs, type Kernel } from '../../../extension/compiler/frontend-js';
import { compareCall, importSource, type Arg } from '../../../extension/compiler/fuzz/differential';
import { generateModule } from '../../../extension/compiler/fuzz/generate';
import { randomArgs, rng } from '../../../extension/compiler/fuzz/inputs';
import { loadNativeKernel } from '../../../native/load-native-kernel';

type Fn = (...a: Arg[]) => unknown;

test('native differential fuzzer: at least 2,000 random cases in one addon, zero mismatches', async () => {
  const ts = await loadTypeScript();
  const r = rng(20260202);
  const perFunction = 40;
  const kernels: Kernel[] = [];
  const originals: Fn[] = [];
  let programs = 0;
  let refused = 0;
  while (kernels.length * perFunction < 2400) {
    const mod = generateModule(r, 20);
    const exports = await importSource<Record<string, Fn>>(mod.source);
    for (const f of mod.functions) {
      programs++;
      const low = lowerJs(ts, mod.source, 'fuzz.js', f.name, { params: f.params });
      if (!low.ok) {
        refused++;
        continue;
      }
      kernels.push(low.kernel);
      originals.push(exports[f.name]!);
    }
  }
  const candidates = await compileNativeBatch(kernels, { cacheDir: mkdtempSync(join(tmpdir(), 'perf-lab-native-fuzz-')) });
  let cases = 0;
  let nativeCalls = 0;
  const failures: string[] = [];
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    const k = await loadNativeKernel(c.addonPath, c.abi);
    const compiled = k.bind(originals[i]! as never) as Fn;
    for (let j = 0; j < perFunction; j++) {
      const m = compareCall(originals[i]!, compiled, randomArgs(r, c.abi.params));
      cases++;
      if (m && failures.length < 3) failures.push(`${c.kernel.name}: ${m.what} on ${m.args}: ${m.expected} vs ${m.actual}\n${c.cpp.slice(c.cpp.indexOf(`namespace ${c.abi.export} {`)).slice(0, 3000)}`);
    }
    nativeCalls += k.stats.calls - k.stats.fallbacks;
  }
  assert.deepEqual(failures, []);
  assert.ok(cases >= 2000, `${cases} cases`);
  assert.ok(refused < programs * 0.4, `${refused} of ${programs} programs refused`);
  assert.ok(nativeCalls > cases * 0.5, `${nativeCalls} of ${cases} calls ran native code`);
});

// `npm run bench`: each kernel of bench/kernels.mjs as JavaScript, as Perf Lab's WebAssembly, as the same kernel
// written in C and compiled by clang to WebAssembly and natively by gcc, as Perf Lab's native addon (exact, and
// with each optimisation opt-in), and as the "limit": the C kernel behind hand-written Node-API entry points,
// built with the same flags as the march-native opt-in. Each variant is timed in a process of its own; the
// break-even model predicts each kernel from boundary costs measured in this run. The tables go to
// bench/RESULTS.md. Options: --ms <measured per variant, default 1200, split over the rounds>, --rounds <default 3>,
// --kernel <id> (repeatable), --no-write (print only).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  boundaryCosts,
  kernelClass,
  modelError,
  overheadNs,
  predict,
  WORTHWHILE,
  type ArrayShape,
  type BoundaryCosts,
  type KernelClass,
  type Prediction,
  type PredictionPair,
} from '../extension/bench/break-even';
import { compileKernel, selectKernel, type WasmCandidate } from '../extension/compiler/compile';
import { compileNativeBatch, type NativeCandidate } from '../extension/compiler/compile-native';
import type { Kernel, ParamTypeName } from '../extension/compiler/frontend-js';
import { analyzeParallel } from '../extension/compiler/parallel';
import { formatRefusal } from '../extension/compiler/refusal';
import { PerfLabError, userMessage } from '../extension/errors';
import { callError, type ErrorSize } from '../extension/prove/compare';
import { buildAddon, defaultCacheDir } from '../native/build-addon';
import { emitNativeLoader } from '../native/emit-native-loader';
import { optInFlags, type OptIn } from '../native/opt-ins';
import { emitLoader } from '../wasm/emit-loader';
import { writeKernelFiles } from '../wasm/load-kernel';
import { KERNELS } from './kernels.mjs';

const root = join(__dirname, '..');
const fixtures = join(root, 'test/fixtures/compiler');
const cDir = join(__dirname, 'c');

/** The variants, in the order they are timed. */
const VARIANTS = ['js', 'wasm', 'clang', 'native', 'plNative', 'plMarch', 'limit', 'plFast', 'plThreads', 'plAll'] as const;
type Variant = (typeof VARIANTS)[number];

/** Perf Lab's native variants and the opt-ins each is built with. */
const NATIVE_BUILDS: { variant: Variant; optIns: OptIn[] }[] = [
  { variant: 'plNative', optIns: [] },
  { variant: 'plMarch', optIns: ['march-native'] },
  { variant: 'plFast', optIns: ['fast-math'] },
  { variant: 'plThreads', optIns: ['threads'] },
  { variant: 'plAll', optIns: ['march-native', 'fast-math', 'threads'] },
];

const OPT_IN_LABEL: Partial<Record<Variant, string>> = { plFast: 'fast-math', plThreads: 'threads', plAll: 'all three opt-ins' };

interface Timing {
  median: number;
  p25: number;
  p75: number;
  samples: number;
  checksum: string;
  fallbacks?: number;
}

interface Row {
  id: string;
  title: string;
  t: Partial<Record<Variant, Timing>>;
  /** Largest difference from JavaScript after one call on fresh inputs, per variant. */
  err: Partial<Record<Variant, ErrorSize>>;
  shapes: ArrayShape[];
  /** The break-even model's class of the kernel. */
  cls: KernelClass;
  /** Outer loops the threads opt-in runs in parallel, and why others stay serial. */
  parallel: string;
}

function option(name: string): string[] {
  const out: string[] = [];
  process.argv.forEach((a, i) => {
    if (a === `--${name}` && process.argv[i + 1] !== undefined) out.push(process.argv[i + 1]!);
  });
  return out;
}

function has(cmd: string): boolean {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function version(cmd: string): string {
  return execFileSync(cmd, ['--version'], { encoding: 'utf8' }).split('\n')[0]!.trim();
}

function fmt(ms: number): string {
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  if (ms >= 1e-3) return `${(ms * 1e3).toFixed(1)} µs`;
  return `${(ms * 1e6).toFixed(0)} ns`;
}

function spread(t: Timing): string {
  return `±${(((t.p75 - t.p25) / 2 / t.median) * 100).toFixed(1)} %`;
}

const x2 = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : '–');

/** A dump of bench/child.mjs read back: the result and the arrays after one call. */
function readDump(path: string): { value: unknown; arrays: unknown[] } {
  const d = JSON.parse(readFileSync(path, 'utf8')) as { result: number | null; arrays: ({ type: string; bytes: string } | null)[] };
  const arrays = d.arrays.map((a) => {
    if (!a) return null;
    const buf = Buffer.from(a.bytes, 'base64');
    const C = (globalThis as unknown as Record<string, new (b: ArrayBuffer) => ArrayLike<number>>)[a.type]!;
    return new C(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  });
  return { value: d.result ?? undefined, arrays };
}

async function main(): Promise<void> {
  const ms = Number(option('ms')[0] ?? 1200);
  const rounds = Math.max(1, Math.floor(Number(option('rounds')[0] ?? 3)));
  const only = option('kernel');
  const kernels = KERNELS.filter((k) => only.length === 0 || only.includes(k.id));
  const work = mkdtempSync(join(tmpdir(), 'perf-lab-bench-'));
  const cacheDir = defaultCacheDir();
  const clang = has('clang') && has('wasm-ld');
  const gcc = has('gcc');
  const notes: string[] = [];
  if (!clang) notes.push('clang or wasm-ld is missing (`apt-get install -y clang lld`): no clang WebAssembly column.');
  if (!gcc) notes.push('gcc is missing (`apt-get install -y g++ make python3`): no native columns.');
  try {
    const native = join(work, 'native');
    if (gcc) execFileSync('gcc', ['-O3', '-o', native, join(cDir, 'native.c'), '-lm'], { stdio: 'inherit' });

    // Select every kernel once; the native variants are one addon per set of opt-ins (one build each, cached).
    const selected: { k: (typeof kernels)[number]; fixture: string; kernel: Kernel; wasm: WasmCandidate }[] = [];
    for (const k of kernels) {
      const fixture = join(fixtures, k.fixture);
      const spec = (await import(fixture)) as { kernel: { name: string; params?: ParamTypeName[] } };
      const sel = await selectKernel({
        source: readFileSync(fixture, 'utf8'),
        fileName: k.fixture,
        functionName: k.fn,
        ...(spec.kernel.params ? { params: spec.kernel.params } : {}),
      });
      if (!sel.ok) throw new Error(`${k.id}: ${formatRefusal(sel.refusal)}`);
      selected.push({ k, fixture, kernel: sel.kernel, wasm: await compileKernel(sel.kernel) });
    }
    const nativeBuilds = new Map<Variant, NativeCandidate[]>();
    let limitPath: string | undefined;
    if (gcc) {
      try {
        for (const b of NATIVE_BUILDS) {
          const started = Date.now();
          const built = await compileNativeBatch(
            selected.map((s) => s.kernel),
            { cacheDir, optIns: b.optIns },
          );
          console.log(`Perf Lab native ${b.optIns.join(',') || 'exact'}: ${built[0]!.log[0]} (${Date.now() - started} ms)`);
          nativeBuilds.set(b.variant, built);
        }
        const limitSource = [
          'nbody-step.c',
          'spectral-norm.c',
          'mandelbrot.c',
          'blur-u8.c',
          'blur-f64.c',
          'hash-i32.c',
          'primes-trial.c',
          'collatz.c',
          'limit.cc',
        ]
          .map((f) => readFileSync(join(cDir, f), 'utf8'))
          .join('\n');
        const limit = await buildAddon(limitSource, { cacheDir, flags: optInFlags(['march-native']) });
        limitPath = limit.addonPath;
        console.log(`limit: ${limit.cached ? 'cached' : `built in ${limit.ms} ms`} (${limit.flags.join(' ')})`);
      } catch (e) {
        // No C++ toolchain for addons (gcc alone is not enough): the other columns are still measured.
        if (!(e instanceof PerfLabError)) throw e;
        nativeBuilds.clear();
        notes.push(`No Perf Lab native or limit columns, and no model table: ${userMessage(e)}`);
      }
    }
    const costs: BoundaryCosts = await boundaryCosts({ execPath: process.execPath, version: process.version, store: work, cacheDir, fresh: true });

    const rows: Row[] = [];
    for (const [index, { k, fixture, kernel, wasm }] of selected.entries()) {
      const gen = writeKernelFiles(work, `${k.id}-perf-lab`, wasm.wasm, wasm.abi);
      const loaders: Partial<Record<Variant, string>> = { wasm: gen.loaderPath };
      if (clang) {
        const wasmFile = join(work, `${k.id}-clang.wasm`);
        execFileSync(
          'clang',
          ['--target=wasm32', '-O3', '-mbulk-memory', '-nostdlib', '-Wl,--no-entry', '-Wl,--export-all', join(cDir, `${k.id}.c`), '-o', wasmFile],
          { stdio: 'inherit' },
        );
        // The same loader as the generated module's: same calling convention, same copies in and out.
        const loader = join(work, `${k.id}-clang.mjs`);
        writeFileSync(loader, emitLoader(wasm.abi, { format: 'esm', wasm: { file: `./${k.id}-clang.wasm` } }));
        loaders.clang = loader;
      }
      for (const [variant, built] of nativeBuilds) {
        const c = built[index]!;
        loaders[variant] = join(work, `${k.id}-${variant}.mjs`);
        writeFileSync(loaders[variant]!, emitNativeLoader(c.abi, { format: 'esm', addon: c.addonPath }));
      }
      const abi = nativeBuilds.get('plNative')?.[index]?.abi;
      if (limitPath && abi) {
        // The generated loader of the same signature, pointed at the hand-written entry point.
        loaders.limit = join(work, `${k.id}-limit.mjs`);
        writeFileSync(loaders.limit, emitNativeLoader({ ...abi, export: k.id }, { format: 'esm', addon: limitPath }));
      }
      const t: Partial<Record<Variant, Timing>> = {};
      const dumps: Partial<Record<Variant, string>> = {};
      // Rounds over all variants in turn; each variant keeps its least disturbed round (the lowest median): other
      // work on the machine comes and goes, and it only ever makes a round slower.
      for (let round = 0; round < rounds; round++) {
        for (const v of VARIANTS) {
          let timing: Timing | undefined;
          if (v === 'native') {
            if (gcc) timing = JSON.parse(execFileSync(native, [k.id, String(ms / rounds)], { encoding: 'utf8' })) as Timing;
          } else if (v === 'js' || loaders[v]) {
            dumps[v] = join(work, `${k.id}-${v}.dump.json`);
            const req = JSON.stringify({ kernel: k.id, variant: v, fixture, loader: loaders[v], ms: ms / rounds, dump: dumps[v] });
            timing = JSON.parse(execFileSync(process.execPath, [join(__dirname, 'child.mjs'), req], { encoding: 'utf8', maxBuffer: 1 << 24 })) as Timing;
          }
          if (timing && (!t[v] || timing.median < t[v]!.median)) t[v] = timing;
        }
      }
      const err: Partial<Record<Variant, ErrorSize>> = {};
      const js = readDump(dumps.js!);
      for (const [v, path] of Object.entries(dumps) as [Variant, string][]) {
        if (v === 'js') continue;
        const d = readDump(path);
        err[v] = callError({ value: js.value }, { value: d.value }, js.arrays, d.arrays);
      }
      const args = k.args() as unknown[];
      const shapes: ArrayShape[] = wasm.abi.params.flatMap((p, i) =>
        p.kind === 'array' ? [{ kind: p.array, elements: (args[i] as { length: number }).length, written: p.written }] : [],
      );
      const report = analyzeParallel(kernel.ir);
      const parallel = [
        ...report.loops.map((l) => `${l.fn}: ${l.counterName} loop on threads from ${l.minIterations} iterations`),
        ...report.serial.map((s) => `${s.fn}: ${s.counterName ?? 'a'} loop serial (${s.reason})`),
      ].join('; ');
      console.log(
        `${k.id}: ${VARIANTS.map((v) => (t[v] ? `${v} ${fmt(t[v]!.median)}` : ''))
          .filter(Boolean)
          .join(', ')}`,
      );
      rows.push({ id: k.id, title: k.title, t, err, shapes, cls: kernelClass(kernel.ir), parallel });
    }
    const table = render(rows, ms, rounds, notes, clang ? version('clang') : '', gcc ? version('gcc') : '', nativeBuilds.size > 0 ? costs : undefined);
    console.log(`\n${table}`);
    if (!process.argv.includes('--no-write')) {
      writeFileSync(join(__dirname, 'RESULTS.md'), table);
      writeDocsTable(mainTable(rows));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The model's view of one kernel: its predictions (fresh and calibrated on the other kernels) and the measurement. */
interface ModelRow {
  row: Row;
  jsNs: number;
  measured: { wasm: number; native: number };
  fresh: Prediction;
  /** Calibrated on all other kernels (the model before kernel classes). */
  pooled: Prediction;
  /** Calibrated on the other kernels of the same class when there are any (the model now). */
  calibrated: Prediction;
}

/** Predictions for every kernel: as on a fresh machine (no pairs kept yet), and calibrated on the other kernels' pairs. */
function modelRows(
  rows: Row[],
  costs: BoundaryCosts,
): { models: ModelRow[]; freshPairs: PredictionPair[]; pooledPairs: PredictionPair[]; calibratedPairs: PredictionPair[] } {
  const measured = rows
    .filter((r) => r.t.js && r.t.wasm && r.t.plNative)
    .map((r) => ({ row: r, jsNs: r.t.js!.median * 1e6, measured: { wasm: r.t.js!.median / r.t.wasm!.median, native: r.t.js!.median / r.t.plNative!.median } }));
  const at = new Date().toISOString();
  const pairOf = (m: (typeof measured)[number], target: PredictionPair['target'], predicted: number): PredictionPair => ({
    at,
    key: m.row.id,
    target,
    node: costs.node,
    jsNs: m.jsNs,
    overheadNs: overheadNs(costs, target, m.row.shapes),
    predicted,
    measured: m.measured[target as keyof (typeof m)['measured']],
    class: m.row.cls,
  });
  const models: ModelRow[] = measured.map((m) => {
    const fresh = predict(costs, ['wasm', 'native'], m.row.shapes, m.jsNs);
    return { ...m, fresh, pooled: fresh, calibrated: fresh };
  });
  const freshPairs = models.flatMap((m) => m.fresh.targets.map((t) => pairOf(m, t.target, t.speedup)));
  for (const m of models) {
    m.pooled = predict(costs, ['wasm', 'native'], m.row.shapes, m.jsNs, freshPairs, m.row.id);
    m.calibrated = predict(costs, ['wasm', 'native'], m.row.shapes, m.jsNs, freshPairs, m.row.id, m.row.cls);
  }
  const pooledPairs = models.flatMap((m) => m.pooled.targets.map((t) => pairOf(m, t.target, t.speedup)));
  const calibratedPairs = models.flatMap((m) => m.calibrated.targets.map((t) => pairOf(m, t.target, t.speedup)));
  return { models, freshPairs, pooledPairs, calibratedPairs };
}

const TABLE_START = '<!-- bench-table: written by npm run bench -->';
const TABLE_END = '<!-- /bench-table -->';

/** Replaces the table between the markers in docs/benchmarks.md (left alone when they are missing). */
function writeDocsTable(lines: string[]): void {
  const file = join(root, 'docs', 'benchmarks.md');
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(TABLE_START);
  const end = text.indexOf(TABLE_END);
  if (start < 0 || end < start) return;
  writeFileSync(file, `${text.slice(0, start + TABLE_START.length)}\n${lines.join('\n')}\n${text.slice(end)}`);
}

/** A timing as a table cell: median ± spread. */
const cell = (t?: Timing): string => (t ? `${fmt(t.median)} ${spread(t)}` : '–');
/** How many calls of a variant fell back to JavaScript, when any did. */
const fell = (t?: Timing): string => (t?.fallbacks ? ` (${t.fallbacks} calls fell back)` : '');
const ratio = (a?: Timing, b?: Timing): number => (a && b ? a.median / b.median : NaN);

/** The first table (every kernel, every exact variant, the ratios): in RESULTS.md and, between its markers, in docs/benchmarks.md. */
function mainTable(rows: Row[]): string[] {
  const L: string[] = [];
  L.push(
    '| Kernel | JavaScript | Perf Lab wasm | clang wasm | gcc -O3 native | Perf Lab native | limit (C++ -O3 -march=native) | Perf Lab wasm vs JS | Perf Lab native vs JS | Perf Lab wasm / clang wasm | Same result | Perf Lab advice |',
  );
  L.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const { js, wasm, clang: cw, native, plNative, limit } = r.t;
    const speed = ratio(js, wasm);
    const nspeed = ratio(js, plNative);
    const sums = [js, wasm, cw, native, plNative, r.t.plMarch, limit, r.t.plThreads].filter((t): t is Timing => !!t).map((t) => t.checksum);
    const same = sums.every((s) => s === sums[0]) ? 'yes' : `no (${sums.join(' / ')})`;
    const best = Math.max(speed, Number.isFinite(nspeed) ? nspeed : 0);
    const advice = !(best > 0) ? '–' : best < WORTHWHILE ? 'keep JavaScript (no real gain)' : nspeed >= speed ? 'use native code' : 'use WebAssembly';
    L.push(
      `| ${r.title} | ${cell(js)} | ${cell(wasm)}${fell(wasm)} | ${cell(cw)} | ${cell(native)} | ${cell(plNative)}${fell(plNative)} | ${cell(limit)}${fell(limit)} | ${x2(speed)} | ${x2(nspeed)} | ${x2(ratio(wasm, cw))} | ${same} | ${advice} |`,
    );
  }
  L.push('');
  L.push(
    '"vs JS" above 1 means the generated code is faster; "/ clang wasm" at or below 1.2 meets the WebAssembly goal. The advice is the bench stage\'s threshold without its confidence interval: below a 1.1× gain Perf Lab recommends keeping JavaScript.',
  );
  return L;
}

function render(rows: Row[], ms: number, rounds: number, notes: string[], clang: string, gcc: string, costs: BoundaryCosts | undefined): string {
  const L: string[] = [];
  L.push("# Benchmark: JavaScript vs Perf Lab's WebAssembly and native code vs hand-written C");
  L.push('');
  L.push(`- Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores; Node ${process.version}; ${clang || 'no clang'}; ${gcc || 'no gcc'}`);
  L.push(
    `- Date: ${new Date().toISOString().slice(0, 10)}; command: \`npm run bench\` (${ms} ms measured per variant in ${rounds} round${rounds === 1 ? '' : 's'}, each after a warm-up of a fifth of it)`,
  );
  L.push(
    `- Each variant runs in a process of its own on the same inputs (bench/kernels.mjs, bench/c/native.c): batches of calls lasting ≥ 1 ms, median time per call, ± half the interquartile range. The variants take turns over ${rounds} rounds and each keeps its lowest median: other work on this shared machine (load average ${loadavg()[0]!.toFixed(0)} on ${cpus().length} cores when the run ended) only ever slows a round down.`,
  );
  L.push(
    '- JavaScript is the fixture under test/fixtures/compiler imported as a module. Both WebAssembly columns are called through the same generated loader (argument checks, copies of arrays into linear memory and of written arrays back). "Perf Lab native" is the generated addon (default flags `-O3 -ffp-contract=off -fno-math-errno`: exact results) called through its generated loader, as a user\'s program calls it. "limit" is the same C kernel behind hand-written Node-API entry points (bench/c/limit.cc), built with the flags of the march-native opt-in (`-O3 -ffp-contract=off -fno-math-errno -march=native`: -march=native without floating-point contraction, so its results stay exact too), called through the same generated loader. "gcc -O3 native" is the C kernel in its own C harness, called directly (no Node-API).',
  );
  L.push(
    '- "Same result": the checksum of the result and of every array after one call on fresh inputs, equal across the exact variants (every column of this table).',
  );
  L.push('');
  L.push(...mainTable(rows));

  // Native code against the hand-written limit, at equal flags.
  L.push('');
  L.push('## Native code: generated vs hand-written (the limit)');
  L.push('');
  L.push(
    '"+march-native" is the generated addon built with the march-native opt-in, the limit\'s flags: their ratio measures the generated code alone (goal ≤ 1.2×). Both go through the same generated loader.',
  );
  L.push('');
  L.push(
    '| Kernel | Perf Lab native (exact) | Perf Lab native +march-native | limit | native (+march-native) / limit | within 1.2× | native (exact) vs JS | native beats JS by ≥ 2× |',
  );
  L.push('|---|---|---|---|---|---|---|---|');
  const twice: string[] = [];
  const twiceOptIn: string[] = [];
  const within: string[] = [];
  for (const r of rows) {
    const { js, plNative, plMarch, limit } = r.t;
    const vsLimit = ratio(plMarch, limit);
    const nspeed = ratio(js, plNative);
    const bestNative = Math.max(nspeed, ratio(js, plMarch));
    if (bestNative >= 2) twice.push(`${r.title} (${x2(nspeed)} exact${ratio(js, plMarch) > nspeed ? `, ${x2(ratio(js, plMarch))} with -march=native` : ''})`);
    const optIn = (['plFast', 'plThreads', 'plAll'] as const).map((v) => ({ v, x: ratio(js, r.t[v]) })).filter((o) => o.x >= 2);
    if (optIn.length > 0) twiceOptIn.push(`${r.title} (${optIn.map((o) => `${OPT_IN_LABEL[o.v]} ${x2(o.x)}`).join(', ')})`);
    if (vsLimit <= 1.2) within.push(r.title);
    L.push(
      `| ${r.title} | ${cell(plNative)} | ${cell(plMarch)} | ${cell(limit)} | ${x2(vsLimit)} | ${Number.isFinite(vsLimit) ? (vsLimit <= 1.2 ? 'yes' : '**no**') : '–'} | ${x2(nspeed)} | ${bestNative >= 2 ? '**yes**' : 'no'} |`,
    );
  }
  L.push('');
  L.push(`- Native code with exact results beats JavaScript by ≥ 2× on: ${twice.length ? twice.join('; ') : 'no kernel'}.`);
  L.push(`- With opt-ins (see the last table) it does on: ${twiceOptIn.length ? twiceOptIn.join('; ') : 'no kernel'}.`);
  L.push(
    `- Within 1.2× of the hand-written limit: ${within.length} of ${rows.length} kernels${
      within.length < rows.length
        ? ` (not: ${rows
            .filter((r) => !within.includes(r.title))
            .map((r) => r.title)
            .join('; ')})`
        : ''
    }.`,
  );

  // The break-even model against the measurements.
  if (costs) L.push(...renderModel(rows, costs));

  // Opt-ins.
  L.push('');
  L.push('## Native opt-ins: speed and error');
  L.push('');
  L.push(
    'Speedups over the exact native addon (time of "Perf Lab native" over the variant\'s), and the largest difference from JavaScript after one call on the benchmark\'s inputs (absolute / relative; "exact" when bit for bit). march-native: `-march=native`; fast-math: `-fassociative-math -fno-signed-zeros -fno-trapping-math -ffp-contract=fast` (not `-ffast-math`: NaN and infinities keep their meaning), declared tolerance relative 1e-9 + absolute 1e-12; threads: OpenMP `-fopenmp` on outer loops extension/compiler/parallel.ts proves independent (exact). On this machine threads share 2 cores with other work: their gain is a floor.',
  );
  L.push('');
  L.push(
    '| Kernel | march-native | fast-math | threads | all three | all three vs JS | error: march-native | error: fast-math | error: threads | error: all three | loops on threads |',
  );
  L.push('|---|---|---|---|---|---|---|---|---|---|---|');
  const e = (x?: ErrorSize) => (!x ? '–' : x.absolute === 0 ? 'exact' : `${x.absolute.toPrecision(2)} / ${x.relative.toPrecision(2)}`);
  for (const r of rows) {
    const base = r.t.plNative;
    L.push(
      `| ${r.title} | ${x2(ratio(base, r.t.plMarch))} | ${x2(ratio(base, r.t.plFast))} | ${x2(ratio(base, r.t.plThreads))} | ${x2(ratio(base, r.t.plAll))} | ${x2(ratio(r.t.js, r.t.plAll))} | ${e(r.err.plMarch)} | ${e(r.err.plFast)} | ${e(r.err.plThreads)} | ${e(r.err.plAll)} | ${r.parallel} |`,
    );
  }

  L.push('');
  L.push('Notes:');
  L.push(
    '- The C kernels (bench/c/) are the same algorithms written as a C programmer would (int indices, `(s + 4) / 9` for `Math.round(s / 9)` on non-negative sums); the checksums show they compute the same bytes.',
  );
  L.push(
    "- Both WebAssembly columns pay the loader's per-call work: argument checks, copying every array into linear memory and written arrays back. On the 5-body n-body step that work dominates (7 small arrays per call), so JavaScript, which works on the arrays in place, stays faster. Native code uses typed arrays in place but pays a Node-API call (≈ 40 ns) and its argument unpacking.",
  );
  L.push(
    "- What the generated code keeps that the hand-written code does not, to stay exact: a bounds check on every element access not proven in range (a read outside an array, or an index that is not an integer, makes the call fall back to JavaScript), a range check on integer arithmetic held in doubles, JavaScript's `Math.round` and ToInt32 conversions, and, for a kernel that may bail out, a snapshot of the arrays it writes. The blurs pay most of it: their indices are not loop counters.",
  );
  for (const n of notes) L.push(`\n${n}`);
  return L.join('\n') + '\n';
}

function renderModel(rows: Row[], costs: BoundaryCosts): string[] {
  const L: string[] = [];
  const { models, freshPairs, pooledPairs, calibratedPairs } = modelRows(rows, costs);
  const name = (t?: string) => (t === 'wasm' ? 'WebAssembly' : t === 'native' ? 'native' : 'keep JS');
  const f = (n: number) => (n < 10 ? n.toFixed(1) : n.toFixed(0));
  L.push('');
  L.push('## Break-even model: predicted vs measured');
  L.push('');
  L.push(
    `Boundary costs measured in this run: call JS ${f(costs.jsCallNs)} ns, WebAssembly ${f(costs.wasmCallNs)} ns, Node-API ${f(costs.napiCallNs)} ns (+ ${f(costs.napiTypedArrayNs)} ns per typed array); passing an array into WebAssembly ${f(costs.wasmArrayNs ?? 0)} ns plus ${costs.wasmElementNs.Float64Array.toFixed(2)} ns per Float64Array element, ${costs.wasmElementNs.Uint8Array.toFixed(2)} ns per Uint8Array element. ` +
      `Three versions of the model predict each kernel, none from its own measurement: "fresh", a machine with no benchmark kept yet (compiled loops as fast as JavaScript's); "pooled", calibrated on the median of what the other ${Math.max(0, models.length - 1)} kernels' benchmarks implied (the model before kernel classes); "by class", calibrated on the other kernels of the same class (extension/bench/break-even.ts kernelClass: checked double indices, integer or float work; pooled when the class has no other kernel), the model Perf Lab uses now. Both calibrations leave out pairs whose time was mostly the boundary and draw the median toward 1 as if two more functions had measured exactly JavaScript's speed. ` +
      `Measured speedups are JavaScript's median over Perf Lab's WebAssembly and exact native code. A model "says" a target when its predicted gain is ≥ ${WORTHWHILE}×; it is right when that is the measured best (keep JS when neither target gains ${WORTHWHILE}×).`,
  );
  L.push('');
  L.push(
    '| Kernel | class | JS per call | wasm: fresh / pooled / by class / measured | native: fresh / pooled / by class / measured | by class says | measured best | right: fresh / pooled / by class |',
  );
  L.push('|---|---|---|---|---|---|---|---|');
  type Which = 'fresh' | 'pooled' | 'calibrated';
  const verdicts: ({ kernel: string; measured: string } & Record<Which, string>)[] = [];
  for (const m of models) {
    const p = (pr: Prediction, t: 'wasm' | 'native') => x2(pr.targets.find((x) => x.target === t)?.speedup ?? NaN);
    const best = m.measured.native >= m.measured.wasm ? 'native' : 'wasm';
    const measuredBest = Math.max(m.measured.native, m.measured.wasm) >= WORTHWHILE ? best : undefined;
    const right = (pr: Prediction) =>
      pr.pick === measuredBest ? 'yes' : pr.pick === undefined || measuredBest === undefined ? '**no**' : 'gain yes, target no';
    verdicts.push({
      kernel: m.row.title,
      measured: name(measuredBest),
      fresh: name(m.fresh.pick),
      pooled: name(m.pooled.pick),
      calibrated: name(m.calibrated.pick),
    });
    L.push(
      `| ${m.row.title} | ${m.row.cls} | ${fmt(m.jsNs / 1e6)} | ${p(m.fresh, 'wasm')} / ${p(m.pooled, 'wasm')} / ${p(m.calibrated, 'wasm')} / ${x2(m.measured.wasm)} | ${p(m.fresh, 'native')} / ${p(m.pooled, 'native')} / ${p(m.calibrated, 'native')} / ${x2(m.measured.native)} | ${m.calibrated.text} | ${name(measuredBest)} | ${right(m.fresh)} / ${right(m.pooled)} / ${right(m.calibrated)} |`,
    );
  }
  const errLine = (label: string, pairs: PredictionPair[]) => {
    const e = modelError(pairs);
    const by = Object.entries(e.byTarget)
      .map(([t, v]) => `${name(t)} ${v!.medianPct.toFixed(0)}% (${v!.n})`)
      .join(', ');
    return `- Model error, ${label}: median ${e.medianPct.toFixed(0)}%, mean ${e.meanPct.toFixed(0)}% of |predicted / measured − 1| over ${e.n} (kernel, target) pairs; median by target: ${by}.`;
  };
  L.push('');
  L.push(errLine('fresh', freshPairs));
  L.push(errLine('pooled', pooledPairs));
  L.push(errLine('by class (the model now)', calibratedPairs));
  const keepJs = verdicts.filter((v) => v.measured === 'keep JS');
  for (const [k, label] of [
    ['fresh', 'fresh'],
    ['pooled', 'pooled'],
    ['calibrated', 'by-class'],
  ] as [Which, string][]) {
    const saidKeep = verdicts.filter((v) => v[k] === 'keep JS');
    const correct = saidKeep.filter((v) => v.measured === 'keep JS').map((v) => v.kernel);
    const wrongKeep = saidKeep.filter((v) => v.measured !== 'keep JS').map((v) => `${v.kernel} (${v.measured} measured faster)`);
    const missed = keepJs.filter((v) => v[k] !== 'keep JS').map((v) => `${v.kernel} (said ${v[k]})`);
    L.push(
      `- The ${label} model correctly said "keep JS" on: ${correct.length ? correct.join('; ') : 'no kernel'}; wrongly on: ${wrongKeep.length ? wrongKeep.join('; ') : 'no kernel'}; missed "keep JS" on: ${missed.length ? missed.join('; ') : 'no kernel'}.`,
    );
  }
  return L;
}

void main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});

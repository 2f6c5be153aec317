// Times one variant of one kernel in a process of its own, in the same shape as bench/c/native.c:
// batches of k calls lasting at least 1 ms, a warm-up of a fifth of the budget, then the median and
// quartiles of the per-call time. The JavaScript variant is the fixture imported as a module; the two
// WebAssembly variants are called through the loader Perf Lab generates, bound to that same original.
// The native variants (Perf Lab's addon, the hand-written limit) are called through the native loader Perf Lab
// generates, in the same way. With `dump`, the result and the arrays after the call on fresh inputs are written to
// that file (JSON, arrays as base64 of their bytes), so that the caller can measure how far a variant is from
// JavaScript.
// Usage: node bench/child.mjs '<json: {kernel, variant, fixture, loader?, ms, dump?}>'. Prints one JSON line.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { KERNELS, checksum } from './kernels.mjs';

const req = JSON.parse(process.argv[2]);
const spec = KERNELS.find((k) => k.id === req.kernel);
const original = (await import(pathToFileURL(req.fixture).href))[spec.fn];
let fn = original;
let loader;
if (req.variant !== 'js') {
  loader = await import(pathToFileURL(req.loader).href);
  if (loader.loadError) throw loader.loadError;
  fn = loader.bind(original);
}

const fresh = spec.args();
const result = fn(...fresh);
const sum = checksum(result, fresh);
if (req.dump) {
  const arrays = fresh.map((a) =>
    ArrayBuffer.isView(a) ? { type: a.constructor.name, bytes: Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64') } : null,
  );
  writeFileSync(req.dump, JSON.stringify({ result: typeof result === 'number' ? result : null, arrays }));
}

const args = spec.args();
let sink = 0;
const callBatch = (k) => {
  for (let c = 0; c < k; c++) {
    const r = fn(...args);
    if (typeof r === 'number') sink ^= r;
  }
};
let k = 1;
for (;;) {
  const t0 = performance.now();
  callBatch(k);
  if (performance.now() - t0 >= 1 || k > 2 ** 30) break;
  k *= 2;
}
let end = performance.now() + req.ms / 5;
while (performance.now() < end) callBatch(k);
const samples = [];
end = performance.now() + req.ms;
while (performance.now() < end || samples.length < 10) {
  const t0 = performance.now();
  callBatch(k);
  samples.push((performance.now() - t0) / k);
}
samples.sort((a, b) => a - b);
const q = (p) => samples[Math.floor(p * samples.length)];
const fallbacks = loader ? loader.stats.fallbacks : 0;
console.log(JSON.stringify({ median: q(0.5), p25: q(0.25), p75: q(0.75), samples: samples.length, batch: k, checksum: sum, fallbacks, sink: sink & 1 }));

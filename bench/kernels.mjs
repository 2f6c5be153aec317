// The benchmarked kernels: which fixture and function, and the inputs every variant gets (JavaScript, the
// generated WebAssembly, clang's WebAssembly, native C). bench/c/inputs.h builds the same inputs in C.

/** One kernel: its fixture under test/fixtures/compiler, the exported function, and its inputs. */
export const KERNELS = [
  {
    id: 'nbody-step',
    title: 'n-body step (5 bodies)',
    fixture: 'nbody-step.mjs',
    fn: 'advance',
    args() {
      const n = 5;
      const a = (f) => Float64Array.from({ length: n }, (_, i) => f(i));
      return [
        a((i) => i * 1.5),
        a((i) => (i % 3) - 1),
        a((i) => i * 0.25 - 0.5),
        a((i) => 0.01 * i),
        a((i) => -0.02 * i),
        a((i) => 0.005 * (i % 2)),
        a((i) => 1 + i),
        0.01,
      ];
    },
  },
  {
    id: 'spectral-norm',
    title: 'spectral norm, AᵀA·v (n = 250)',
    fixture: 'spectral-norm.mjs',
    fn: 'multiplyAtAv',
    args() {
      const n = 250;
      return [new Float64Array(n).fill(1), new Float64Array(n), new Float64Array(n)];
    },
  },
  {
    id: 'mandelbrot',
    title: 'Mandelbrot (160×120, 64 iterations)',
    fixture: 'mandelbrot.mjs',
    fn: 'mandelbrot',
    args() {
      return [new Uint8Array(160 * 120), 160, 120, 64];
    },
  },
  {
    id: 'blur-u8',
    title: '3×3 box blur, Uint8Array (256×256)',
    fixture: 'blur-u8.mjs',
    fn: 'blur',
    args() {
      const w = 256,
        h = 256;
      return [Uint8Array.from({ length: w * h }, (_, i) => (i * 37) & 255), new Uint8Array(w * h), w, h];
    },
  },
  {
    id: 'blur-f64',
    title: '3×3 weighted blur, Float64Array (256×256)',
    fixture: 'blur-f64.mjs',
    fn: 'blur',
    args() {
      const w = 256,
        h = 256;
      return [Float64Array.from({ length: w * h }, (_, i) => ((i * 37) & 255) / 8), new Float64Array(w * h), w, h];
    },
  },
  {
    id: 'hash-i32',
    title: 'integer hash, Int32Array (65,536 words)',
    fixture: 'hash-i32.mjs',
    fn: 'hash',
    args() {
      return [Int32Array.from({ length: 65536 }, (_, i) => Math.imul(i, 0x9e3779b1)), 12345];
    },
  },
  {
    id: 'primes-trial',
    title: 'primes by trial division, `%` in doubles (n = 30,000)',
    fixture: 'primes-trial.mjs',
    fn: 'countPrimes',
    args() {
      return [30000];
    },
  },
  {
    id: 'collatz',
    title: 'longest Collatz chain, `n % 2`, halving and `3 * n + 1` (below 20,000)',
    fixture: 'collatz.mjs',
    fn: 'longestChain',
    args() {
      return [20000];
    },
  },
];

/** A checksum of a call's result and array arguments after one call on fresh inputs (FNV-1a over the bytes). */
export function checksum(result, args) {
  let h = 0x811c9dc5;
  const eat = (bytes) => {
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 16777619);
  };
  if (typeof result === 'number') eat(new Uint8Array(Float64Array.of(result).buffer));
  for (const a of args) if (ArrayBuffer.isView(a)) eat(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return (h >>> 0).toString(16).padStart(8, '0');
}

// A 3×3 box blur over a grey-scale image held in a Uint8Array, applied again and again: byte loads and 32-bit
// integer arithmetic, where WebAssembly can beat the JIT.
// Usage: node blur.js [width] [height] [passes]   (prints a checksum of the blurred image)
'use strict';

/** One blur pass from `src` into `dst` (both width × height bytes); the border is copied unchanged. */
function blur(src, dst, width, height) {
  for (let x = 0; x < width; x++) {
    dst[x] = src[x];
    dst[(height - 1) * width + x] = src[(height - 1) * width + x];
  }
  for (let y = 1; y < height - 1; y++) {
    const row = y * width;
    dst[row] = src[row];
    dst[row + width - 1] = src[row + width - 1];
    for (let x = 1; x < width - 1; x++) {
      const i = row + x;
      const sum =
        src[i - width - 1] + src[i - width] + src[i - width + 1] +
        src[i - 1] + src[i] + src[i + 1] +
        src[i + width - 1] + src[i + width] + src[i + width + 1];
      // sum / 9, rounded down, for sums up to 9 × 255.
      dst[i] = (sum * 7282) >>> 16;
    }
  }
}

/** FNV-1a over the bytes, so that runs can be compared by one number. */
function fnv1a(bytes) {
  let hash = 2166136261;
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i], 16777619);
  return hash >>> 0;
}

const width = Number(process.argv[2] ?? 320);
const height = Number(process.argv[3] ?? 240);
const passes = Number(process.argv[4] ?? 2000);
let a = new Uint8Array(width * height);
let b = new Uint8Array(width * height);
for (let i = 0; i < a.length; i++) a[i] = (i * 2654435761) >>> 24;
for (let p = 0; p < passes; p++) {
  blur(a, b, width, height);
  [a, b] = [b, a];
}
console.log(`blurred ${width}×${height} ${passes} times: checksum ${fnv1a(a).toString(16)}`);

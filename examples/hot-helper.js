// A small helper called from a hot loop: V8 inlines `mix` into `checksum`, so without Perf Lab's
// inlining switch the profile shows only `checksum`; with it, `mix` keeps its own frame.
// Usage: node hot-helper.js [bytes] [rounds]
'use strict';

/** One step of FNV-1a: the helper that does the real work. */
function mix(hash, byte) {
  return Math.imul(hash ^ byte, 16777619);
}

function checksum(bytes) {
  let hash = 2166136261;
  for (let i = 0; i < bytes.length; i++) hash = mix(hash, bytes[i]);
  return hash >>> 0;
}

const size = Number(process.argv[2] ?? 1 << 20);
const rounds = Number(process.argv[3] ?? 100);
const bytes = new Uint8Array(size);
for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) & 0xff;
let h = 0;
for (let r = 0; r < rounds; r++) {
  bytes[r % size] ^= 1;
  h = (h + checksum(bytes)) >>> 0;
}
console.log(`checksum: ${h.toString(16)}`);

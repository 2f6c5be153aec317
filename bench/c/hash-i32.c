/* FNV-1a over 32-bit words with a murmur-style finaliser (test/fixtures/compiler/hash-i32.mjs in C). */
#include <stdint.h>

static uint32_t hash_i32(const int32_t *data, int n, int32_t seed) {
  uint32_t h = (uint32_t)seed ^ 0x811c9dc5u;
  for (int i = 0; i < n; i++) {
    h ^= (uint32_t)data[i];
    h *= 16777619u;
    h = h + (h << 13);
  }
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

#ifdef __wasm__
/* seed arrives as a double, as the generated module takes it; the benchmark passes an int32 value. */
uint32_t kernel(const int32_t *data, int n, double seed) { return hash_i32(data, n, (int32_t)seed); }
#endif

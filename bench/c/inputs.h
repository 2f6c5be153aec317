/* The inputs of bench/kernels.mjs, built the same way in C, and the same checksum. */
#include <stdint.h>
#include <string.h>

static uint32_t checksum_bytes(uint32_t h, const void *p, size_t n) {
  const unsigned char *b = (const unsigned char *)p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 16777619u;
  return h;
}

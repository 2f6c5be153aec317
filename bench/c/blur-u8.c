/* 3×3 box blur of a grey image, border copied (test/fixtures/compiler/blur-u8.mjs in C). */
static void blur_u8(const unsigned char *src, unsigned char *dst, int w, int h) {
  for (int y = 0; y < h; y++) {
    for (int x = 0; x < w; x++) {
      int i = y * w + x;
      if (x == 0 || y == 0 || x == w - 1 || y == h - 1) {
        dst[i] = src[i];
        continue;
      }
      int s = 0;
      for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++) s += src[i + dy * w + dx];
      dst[i] = (unsigned char)((s + 4) / 9); /* Math.round(s / 9) for s >= 0 */
    }
  }
}

#ifdef __wasm__
void kernel(const unsigned char *src, int ns, unsigned char *dst, int nd, int w, int h) { blur_u8(src, dst, w, h); }
#endif

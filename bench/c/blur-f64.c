/* 3×3 weighted blur of a double image, interior only (test/fixtures/compiler/blur-f64.mjs in C). */
static void blur_f64(const double *src, double *dst, int w, int h) {
  for (int y = 1; y < h - 1; y++) {
    for (int x = 1; x < w - 1; x++) {
      int i = y * w + x;
      dst[i] = (src[i - w - 1] + 2 * src[i - w] + src[i - w + 1] +
                2 * src[i - 1] + 4 * src[i] + 2 * src[i + 1] +
                src[i + w - 1] + 2 * src[i + w] + src[i + w + 1]) / 16;
    }
  }
}

#ifdef __wasm__
void kernel(const double *src, int ns, double *dst, int nd, int w, int h) { blur_f64(src, dst, w, h); }
#endif

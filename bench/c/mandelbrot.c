/* Mandelbrot escape counts, one byte per pixel (test/fixtures/compiler/mandelbrot.mjs in C). */
static void mandelbrot(unsigned char *out, int w, int h, int maxIter) {
  for (int py = 0; py < h; py++) {
    double ci = (2.0 * py) / h - 1;
    for (int px = 0; px < w; px++) {
      double cr = (2.5 * px) / w - 2;
      double zr = 0, zi = 0;
      int k = 0;
      while (k < maxIter && zr * zr + zi * zi <= 4) {
        double t = zr * zr - zi * zi + cr;
        zi = 2 * zr * zi + ci;
        zr = t;
        k++;
      }
      out[py * w + px] = (unsigned char)k;
    }
  }
}

#ifdef __wasm__
void kernel(unsigned char *out, int n, int w, int h, int maxIter) { mandelbrot(out, w, h, maxIter); }
#endif

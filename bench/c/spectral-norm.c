/* Spectral norm: v -> AᵀA v (test/fixtures/compiler/spectral-norm.mjs in C). */
static double evalA(int i, int j) { return 1.0 / ((i + j) * (i + j + 1) / 2 + i + 1); }

static void multiplyAv(const double *v, double *av, int n) {
  for (int i = 0; i < n; i++) {
    double sum = 0;
    for (int j = 0; j < n; j++) sum += evalA(i, j) * v[j];
    av[i] = sum;
  }
}

static void multiplyAtv(const double *v, double *atv, int n) {
  for (int i = 0; i < n; i++) {
    double sum = 0;
    for (int j = 0; j < n; j++) sum += evalA(j, i) * v[j];
    atv[i] = sum;
  }
}

static void multiplyAtAv(const double *v, double *tmp, double *atav, int n) {
  multiplyAv(v, tmp, n);
  multiplyAtv(tmp, atav, n);
}

#ifdef __wasm__
void kernel(const double *v, int nv, double *tmp, int nt, double *atav, int na) { multiplyAtAv(v, tmp, atav, nv); }
#endif

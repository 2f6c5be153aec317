/* n-body: one step on bodies stored as parallel arrays (test/fixtures/compiler/nbody-step.mjs in C). */
static void advance(double *x, double *y, double *z, double *vx, double *vy, double *vz, const double *mass, int n, double dt) {
  for (int i = 0; i < n; i++) {
    double xi = x[i], yi = y[i], zi = z[i];
    double vxi = vx[i], vyi = vy[i], vzi = vz[i];
    double mi = mass[i];
    for (int j = i + 1; j < n; j++) {
      double dx = xi - x[j], dy = yi - y[j], dz = zi - z[j];
      double d2 = dx * dx + dy * dy + dz * dz;
      double mag = dt / (d2 * __builtin_sqrt(d2));
      double mj = mass[j];
      vxi -= dx * mj * mag;
      vyi -= dy * mj * mag;
      vzi -= dz * mj * mag;
      vx[j] += dx * mi * mag;
      vy[j] += dy * mi * mag;
      vz[j] += dz * mi * mag;
    }
    vx[i] = vxi;
    vy[i] = vyi;
    vz[i] = vzi;
  }
  for (int i = 0; i < n; i++) {
    x[i] += dt * vx[i];
    y[i] += dt * vy[i];
    z[i] += dt * vz[i];
  }
}

#ifdef __wasm__
/* The generated module's calling convention: (pointer, length) per array, then dt. */
void kernel(double *x, int nx, double *y, int ny, double *z, int nz, double *vx, int nvx, double *vy, int nvy, double *vz, int nvz, double *mass, int nm, double dt) {
  advance(x, y, z, vx, vy, vz, mass, nx, dt);
}
#endif

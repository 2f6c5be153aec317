/* Native timing harness: the kernels of bench/kernels.mjs on the same inputs, timed like bench/child.mjs
   (calibrated batches, warm-up, median and quartiles per call). Usage: native <kernel-id> <milliseconds>.
   Prints one JSON line. */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "inputs.h"
#include "nbody-step.c"
#include "spectral-norm.c"
#include "mandelbrot.c"
#include "blur-u8.c"
#include "blur-f64.c"
#include "hash-i32.c"
#include "primes-trial.c"
#include "collatz.c"

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static double *f64s(int n) { return calloc(n ? n : 1, sizeof(double)); }

/* Inputs, built as in kernels.mjs. */
static double *nb[7];
static double *sv, *stmp, *satav;
static unsigned char *mout, *bsrc, *bdst;
static double *fsrc, *fdst;
static int32_t *hdata;
static int which = -1;
static const char *const IDS[] = {"nbody-step", "spectral-norm", "mandelbrot", "blur-u8", "blur-f64", "hash-i32", "primes-trial", "collatz"};

static void setup(const char *id) {
  for (int k = 0; k < 8; k++) if (!strcmp(id, IDS[k])) which = k;
  if (!strcmp(id, "nbody-step")) {
    for (int k = 0; k < 7; k++) nb[k] = f64s(5);
    for (int i = 0; i < 5; i++) {
      nb[0][i] = i * 1.5; nb[1][i] = (i % 3) - 1; nb[2][i] = i * 0.25 - 0.5;
      nb[3][i] = 0.01 * i; nb[4][i] = -0.02 * i; nb[5][i] = 0.005 * (i % 2); nb[6][i] = 1 + i;
    }
  } else if (!strcmp(id, "spectral-norm")) {
    sv = f64s(250); stmp = f64s(250); satav = f64s(250);
    for (int i = 0; i < 250; i++) sv[i] = 1;
  } else if (!strcmp(id, "mandelbrot")) {
    mout = calloc(160 * 120, 1);
  } else if (!strcmp(id, "blur-u8")) {
    bsrc = malloc(256 * 256); bdst = calloc(256 * 256, 1);
    for (int i = 0; i < 256 * 256; i++) bsrc[i] = (unsigned char)((i * 37) & 255);
  } else if (!strcmp(id, "blur-f64")) {
    fsrc = f64s(256 * 256); fdst = f64s(256 * 256);
    for (int i = 0; i < 256 * 256; i++) fsrc[i] = ((i * 37) & 255) / 8.0;
  } else if (!strcmp(id, "hash-i32")) {
    hdata = malloc(65536 * 4);
    for (int i = 0; i < 65536; i++) hdata[i] = (int32_t)((uint32_t)i * 0x9e3779b1u);
  } else if (strcmp(id, "primes-trial") && strcmp(id, "collatz")) {
    fprintf(stderr, "unknown kernel %s\n", id);
    exit(2);
  }
}

/* One call; returns the result as the checksum sees it (hash only). */
__attribute__((noinline)) static double call(const char *id) {
  double r = 0;
  (void)id;
  switch (which) {
    case 0: advance(nb[0], nb[1], nb[2], nb[3], nb[4], nb[5], nb[6], 5, 0.01); break;
    case 1: multiplyAtAv(sv, stmp, satav, 250); break;
    case 2: mandelbrot(mout, 160, 120, 64); break;
    case 3: blur_u8(bsrc, bdst, 256, 256); break;
    case 4: blur_f64(fsrc, fdst, 256, 256); break;
    case 5: r = hash_i32(hdata, 65536, 12345); break;
    case 6: r = count_primes(30000); break;
    case 7: r = longest_chain(20000); break;
  }
  __asm__ volatile("" ::: "memory");
  return r;
}

static uint32_t checksum_after_one_call(const char *id) {
  double r = call(id);
  uint32_t h = 0x811c9dc5u;
  if (!strcmp(id, "nbody-step")) for (int k = 0; k < 7; k++) h = checksum_bytes(h, nb[k], 5 * 8);
  if (!strcmp(id, "spectral-norm")) { h = checksum_bytes(h, sv, 2000); h = checksum_bytes(h, stmp, 2000); h = checksum_bytes(h, satav, 2000); }
  if (!strcmp(id, "mandelbrot")) h = checksum_bytes(h, mout, 160 * 120);
  if (!strcmp(id, "blur-u8")) { h = checksum_bytes(h, bsrc, 65536); h = checksum_bytes(h, bdst, 65536); }
  if (!strcmp(id, "blur-f64")) { h = checksum_bytes(h, fsrc, 65536 * 8); h = checksum_bytes(h, fdst, 65536 * 8); }
  if (!strcmp(id, "hash-i32")) { h = checksum_bytes(0x811c9dc5u, &r, 8); h = checksum_bytes(h, hdata, 65536 * 4); }
  if (!strcmp(id, "primes-trial") || !strcmp(id, "collatz")) h = checksum_bytes(0x811c9dc5u, &r, 8);
  return h;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: native <kernel> <ms>\n"); return 2; }
  const char *id = argv[1];
  double budget = atof(argv[2]);
  setup(id);
  uint32_t sum = checksum_after_one_call(id);
  setup(id); /* fresh inputs for the timing, as the JavaScript side */
  /* Calibrate a batch of k calls lasting at least 1 ms, warm up for a fifth of the budget. */
  long k = 1;
  for (;;) {
    double t0 = now_ms();
    for (long c = 0; c < k; c++) call(id);
    if (now_ms() - t0 >= 1 || k > (1L << 30)) break;
    k *= 2;
  }
  double end = now_ms() + budget / 5;
  while (now_ms() < end) call(id);
  static double samples[100000];
  int ns = 0;
  end = now_ms() + budget;
  while ((now_ms() < end || ns < 10) && ns < 100000) {
    double t0 = now_ms();
    for (long c = 0; c < k; c++) call(id);
    samples[ns++] = (now_ms() - t0) / k;
  }
  qsort(samples, ns, sizeof(double), cmp);
  printf("{\"median\":%.9g,\"p25\":%.9g,\"p75\":%.9g,\"samples\":%d,\"batch\":%ld,\"checksum\":\"%08x\"}\n",
         samples[ns / 2], samples[ns / 4], samples[(3 * ns) / 4], ns, k, sum);
  return 0;
}

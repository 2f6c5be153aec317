/* Counting primes by trial division (test/fixtures/compiler/primes-trial.mjs in C): int counters, 32-bit remainders. */
static int count_primes(int n) {
  int count = 0;
  for (int k = 2; k <= n; k++) {
    int prime = 1;
    for (int d = 2; d * d <= k; d++)
      if (k % d == 0) {
        prime = 0;
        break;
      }
    if (prime) count++;
  }
  return count;
}

#ifdef __wasm__
double kernel(int n) { return count_primes(n); }
#endif

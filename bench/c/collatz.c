/* The longest Collatz chain below a limit (test/fixtures/compiler/collatz.mjs in C): the values stay below 2^31. */
static double longest_chain(int limit) {
  int best = 0, best_start = 1;
  for (int start = 1; start < limit; start++) {
    int n = start, steps = 0;
    while (n != 1) {
      n = n % 2 == 0 ? n / 2 : 3 * n + 1;
      steps++;
    }
    if (steps > best) {
      best = steps;
      best_start = start;
    }
  }
  return best_start * 1000.0 + best;
}

#ifdef __wasm__
double kernel(int limit) { return longest_chain(limit); }
#endif

"""A sieve of Eratosthenes over a list of flags, then the primes collected (sized to run 1-3 s)."""
import sys


def primes_below(n):
    flags = [True] * n
    flags[0] = flags[1] = False
    i = 2
    while i * i < n:
        if flags[i]:
            for k in range(i * i, n, i):
                flags[k] = False
        i += 1
    return [k for k in range(n) if flags[k]]


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    p = primes_below(n)
    print(len(p), p[-3:])

"""Spectral norm with plain loops: lists of floats in and out, a list built by append (sized to run about 1 s)."""
import sys


def entry(i, j):
    return 1.0 / ((i + j) * (i + j + 1) // 2 + i + 1)


def times_u(u):
    n = len(u)
    out = []
    for i in range(n):
        total = 0.0
        for j in range(n):
            total += entry(i, j) * u[j]
        out.append(total)
    return out


def transposed_times_u(u):
    n = len(u)
    out = []
    for i in range(n):
        total = 0.0
        for j in range(n):
            total += entry(j, i) * u[j]
        out.append(total)
    return out


def main(n):
    u = [1.0] * n
    v = u
    for _ in range(10):
        v = transposed_times_u(times_u(u))
        u = transposed_times_u(times_u(v))
    num = den = 0.0
    for a, b in zip(u, v):
        num += a * b
        den += b * b
    print("%0.9f" % ((num / den) ** 0.5))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 220)

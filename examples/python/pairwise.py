"""Pairwise distances over plain lists: a numeric hot spot for Perf Lab's Python profiling demo and tests."""

import math
import random
import sys


def distance(a, b):
    dx = a[0] - b[0]
    dy = a[1] - b[1]
    dz = a[2] - b[2]
    return math.sqrt(dx * dx + dy * dy + dz * dz)


def pairwise_sum(points):
    total = 0.0
    n = len(points)
    for i in range(n):
        for j in range(i + 1, n):
            total += distance(points[i], points[j])
    return total


def make_points(n, seed=1):
    rng = random.Random(seed)
    return [(rng.random(), rng.random(), rng.random()) for _ in range(n)]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 600
    points = make_points(n)
    print(f"sum of {n * (n - 1) // 2} distances: {pairwise_sum(points):.6f}")


if __name__ == "__main__":
    main()

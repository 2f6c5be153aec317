"""Spectral norm as scripts write it: a one-line leaf, the caller a comprehension of sums (sized to run 1-3 s)."""
import math
import sys


def eval_A(i, j):
    return 1.0 / ((i + j) * (i + j + 1) // 2 + i + 1)


def A_times_u(u):
    n = len(u)
    return [sum(eval_A(i, j) * u[j] for j in range(n)) for i in range(n)]


def At_times_u(u):
    n = len(u)
    return [sum(eval_A(j, i) * u[j] for j in range(n)) for i in range(n)]


def main(n):
    u = [1.0] * n
    for _ in range(4):
        v = At_times_u(A_times_u(u))
        u = At_times_u(A_times_u(v))
    vBv = sum(ue * ve for ue, ve in zip(u, v))
    vv = sum(ve * ve for ve in v)
    print(f"{math.sqrt(vBv / vv):0.9f}")


main(int(sys.argv[1]) if len(sys.argv) > 1 else 320)

"""A 2-D five-point stencil on NumPy arrays: Gauss-Seidel sweeps for Poisson's equation on a square grid."""

import sys

import numpy as np


def relax(u, f, h2, sweeps):
    """Updates the interior of u in place, `sweeps` times: each point becomes the mean of its four neighbours
    corrected by the source term."""
    n = u.shape[0]
    m = u.shape[1]
    for sweep in range(sweeps):
        for i in range(1, n - 1):
            for j in range(1, m - 1):
                u[i, j] = 0.25 * (u[i - 1, j] + u[i + 1, j] + u[i, j - 1] + u[i, j + 1] - h2 * f[i, j])


def residual(u, f, h2):
    """The largest absolute residual of the discrete equation over the interior."""
    n = u.shape[0]
    m = u.shape[1]
    worst = 0.0
    for i in range(1, n - 1):
        for j in range(1, m - 1):
            r = (u[i - 1, j] + u[i + 1, j] + u[i, j - 1] + u[i, j + 1] - 4.0 * u[i, j]) / h2 - f[i, j]
            worst = max(worst, abs(r))
    return worst


def make_problem(n):
    """A grid of n x n points with a zero boundary and a point source in the middle."""
    u = np.zeros((n, n))
    f = np.zeros((n, n))
    f[n // 2, n // 2] = 1.0
    f[n // 4, n // 3] = -0.5
    return u, f, 1.0 / ((n - 1) * (n - 1))


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 120
    sweeps = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    u, f, h2 = make_problem(n)
    relax(u, f, h2, sweeps)
    print(f"after {sweeps} sweeps on {n}x{n}: residual {residual(u, f, h2):.6e}, sum {float(u.sum()):.9e}")


if __name__ == "__main__":
    main()

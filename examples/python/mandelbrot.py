"""Mandelbrot set: counts the points of a grid that stay bounded; float arithmetic in a while loop."""

import sys


def mandelbrot(width, height, max_iter):
    """The number of grid points (of width x height over [-2, 1] x [-1, 1]) still bounded after max_iter steps."""
    inside = 0
    for py in range(height):
        y0 = py / height * 2.0 - 1.0
        for px in range(width):
            x0 = px / width * 3.0 - 2.0
            x = 0.0
            y = 0.0
            i = 0
            while i < max_iter and x * x + y * y <= 4.0:
                xt = x * x - y * y + x0
                y = 2.0 * x * y + y0
                x = xt
                i += 1
            if i == max_iter:
                inside += 1
    return inside


def main():
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    max_iter = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    inside = mandelbrot(size, size * 2 // 3, max_iter)
    print(f"{inside} of {size * (size * 2 // 3)} points inside after {max_iter} iterations")


if __name__ == "__main__":
    main()

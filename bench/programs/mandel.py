"""Escape counts over a grid of floats: the hot function loops per pixel (sized to run 1-3 s)."""


def mandelbrot(width, height, limit):
    counts = [0] * (width * height)
    for y in range(height):
        ci = -1.2 + 2.4 * y / height
        for x in range(width):
            cr = -2.0 + 3.0 * x / width
            zr = 0.0
            zi = 0.0
            n = 0
            while n < limit and zr * zr + zi * zi <= 4.0:
                zr, zi = zr * zr - zi * zi + cr, 2.0 * zr * zi + ci
                n += 1
            counts[y * width + x] = n
    return counts


c = mandelbrot(480, 320, 120)
print(sum(c), max(c))

"""Collatz chains: integer division, modulo and multiplication in a while loop (Python ints, no floats)."""

import sys


def collatz_steps(limit):
    """The total number of Collatz steps taken by every start in [1, limit) to reach 1."""
    total = 0
    for start in range(1, limit):
        n = start
        while n != 1:
            if n % 2 == 0:
                n = n // 2
            else:
                n = 3 * n + 1
            total += 1
    return total


def main():
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    print(f"{collatz_steps(limit)} Collatz steps for the starts below {limit}")


if __name__ == "__main__":
    main()

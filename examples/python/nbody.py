"""N-body simulation over plain lists (the Benchmarks Game's five planets): float arithmetic in nested loops."""

import math
import sys

PI = 3.14159265358979323
SOLAR_MASS = 4 * PI * PI
DAYS_PER_YEAR = 365.24


def make_system():
    """Sun, Jupiter, Saturn, Uranus, Neptune: positions, velocities (lists of [x, y, z]) and masses."""
    pos = [
        [0.0, 0.0, 0.0],
        [4.84143144246472090e00, -1.16032004402742839e00, -1.03622044471123109e-01],
        [8.34336671824457987e00, 4.12479856412430479e00, -4.03523417114321381e-01],
        [1.28943695621391310e01, -1.51111514016986312e01, -2.23307578892655734e-01],
        [1.53796971148509165e01, -2.59193146099879641e01, 1.79258772950371181e-01],
    ]
    vel = [
        [0.0, 0.0, 0.0],
        [1.66007664274403694e-03 * DAYS_PER_YEAR, 7.69901118419740425e-03 * DAYS_PER_YEAR, -6.90460016972063023e-05 * DAYS_PER_YEAR],
        [-2.76742510726862411e-03 * DAYS_PER_YEAR, 4.99852801234917238e-03 * DAYS_PER_YEAR, 2.30417297573763929e-05 * DAYS_PER_YEAR],
        [2.96460137564761618e-03 * DAYS_PER_YEAR, 2.37847173959480950e-03 * DAYS_PER_YEAR, -2.96589568540237556e-05 * DAYS_PER_YEAR],
        [2.68067772490389322e-03 * DAYS_PER_YEAR, 1.62824170038242295e-03 * DAYS_PER_YEAR, -9.51592254519715870e-05 * DAYS_PER_YEAR],
    ]
    mass = [
        SOLAR_MASS,
        9.54791938424326609e-04 * SOLAR_MASS,
        2.85885980666130812e-04 * SOLAR_MASS,
        4.36624404335156298e-05 * SOLAR_MASS,
        5.15138902046611451e-05 * SOLAR_MASS,
    ]
    # Offset the sun's momentum so that the system's total is zero.
    for k in range(3):
        p = 0.0
        for i in range(len(mass)):
            p += vel[i][k] * mass[i]
        vel[0][k] = -p / SOLAR_MASS
    return pos, vel, mass


def advance(pos, vel, mass, dt, steps):
    """Moves the bodies `steps` times by `dt`: pairwise gravity, then positions."""
    n = len(mass)
    for step in range(steps):
        for i in range(n):
            for j in range(i + 1, n):
                dx = pos[i][0] - pos[j][0]
                dy = pos[i][1] - pos[j][1]
                dz = pos[i][2] - pos[j][2]
                d2 = dx * dx + dy * dy + dz * dz
                mag = dt / (d2 * math.sqrt(d2))
                mi = mass[i] * mag
                mj = mass[j] * mag
                vel[i][0] = vel[i][0] - dx * mj
                vel[i][1] = vel[i][1] - dy * mj
                vel[i][2] = vel[i][2] - dz * mj
                vel[j][0] = vel[j][0] + dx * mi
                vel[j][1] = vel[j][1] + dy * mi
                vel[j][2] = vel[j][2] + dz * mi
        for i in range(n):
            pos[i][0] = pos[i][0] + dt * vel[i][0]
            pos[i][1] = pos[i][1] + dt * vel[i][1]
            pos[i][2] = pos[i][2] + dt * vel[i][2]


def energy(pos, vel, mass):
    """Kinetic plus potential energy of the system."""
    n = len(mass)
    e = 0.0
    for i in range(n):
        e += 0.5 * mass[i] * (vel[i][0] * vel[i][0] + vel[i][1] * vel[i][1] + vel[i][2] * vel[i][2])
        for j in range(i + 1, n):
            dx = pos[i][0] - pos[j][0]
            dy = pos[i][1] - pos[j][1]
            dz = pos[i][2] - pos[j][2]
            e -= mass[i] * mass[j] / math.sqrt(dx * dx + dy * dy + dz * dz)
    return e


def main():
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    pos, vel, mass = make_system()
    print(f"energy before: {energy(pos, vel, mass):.9f}")
    advance(pos, vel, mass, 0.01, steps)
    print(f"energy after {steps} steps: {energy(pos, vel, mass):.9f}")


if __name__ == "__main__":
    main()

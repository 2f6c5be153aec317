// Sum of the distances between every pair of points: an O(n²) numeric kernel written in TypeScript.
// Usage: perf-lab profile examples/pairwise.ts [points] [rounds]   (Perf Lab bundles and runs the .ts file)

/** Points in 3-D, one coordinate per typed array. */
interface Points {
  x: Float64Array;
  y: Float64Array;
  z: Float64Array;
}

/** Deterministic pseudo-random points (xorshift32), so every run does the same work. */
function randomPoints(n: number, seed: number): Points {
  let s = seed >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
  const p: Points = { x: new Float64Array(n), y: new Float64Array(n), z: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    p.x[i] = next();
    p.y[i] = next();
    p.z[i] = next();
  }
  return p;
}

/** The hot spot: visits every pair once. */
export function sumPairwiseDistances(p: Points): number {
  const { x, y, z } = p;
  const n = x.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i]!;
    const yi = y[i]!;
    const zi = z[i]!;
    for (let j = i + 1; j < n; j++) {
      const dx = xi - x[j]!;
      const dy = yi - y[j]!;
      const dz = zi - z[j]!;
      sum += Math.sqrt(dx * dx + dy * dy + dz * dz);
    }
  }
  return sum;
}

// Read through globalThis so the file type-checks with or without Node's type definitions installed.
const argv = (globalThis as { process?: { argv: string[] } }).process?.argv ?? [];
const n = Number(argv[2] ?? 3000);
const rounds = Number(argv[3] ?? 40);
const points = randomPoints(n, 42);
let total = 0;
for (let r = 0; r < rounds; r++) total += sumPairwiseDistances(points);
console.log(`mean pairwise distance of ${n} points: ${(total / rounds / ((n * (n - 1)) / 2)).toFixed(6)}`);

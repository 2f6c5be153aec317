// Smaller variants of a failing input, simplest first: shorter arrays (all arrays of one length together, then
// each alone), then simpler numbers. The proof keeps the first variant that still fails and starts again.

function isArray(v: unknown): v is ArrayLike<number> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

/** How complex a number looks: 0 for 0, then ±1, small integers, integers, fractions, and specials last. */
export function complexity(x: number): number {
  if (Object.is(x, 0)) return 0;
  if (x === 1) return 1;
  if (x === -1 || Object.is(x, -0)) return 2;
  if (Number.isInteger(x) && Math.abs(x) <= 16) return 3;
  if (Number.isInteger(x) && Math.abs(x) <= 2 ** 31) return 4;
  if (Number.isFinite(x) && Math.abs(x) >= 1e-3 && Math.abs(x) <= 1e6) return 5;
  if (Number.isFinite(x)) return 6;
  return 7;
}

/** Numbers to try instead of `x`, each strictly simpler. */
export function simplerNumbers(x: number): number[] {
  const c = complexity(x);
  const options = [0, 1, -1, Math.trunc(x), Math.round(x / 2), Math.sign(x) * 2 ** Math.round(Math.log2(Math.abs(x) || 1))];
  const out: number[] = [];
  for (const y of options) {
    if (Number.isNaN(y) || Object.is(y, x) || out.some((z) => Object.is(z, y))) continue;
    if (complexity(y) < c || (complexity(y) === c && Math.abs(y) < Math.abs(x))) out.push(y);
  }
  return out;
}

function slice(v: ArrayLike<number>, start: number, end: number): unknown {
  return Array.isArray(v) ? v.slice(start, end) : (v as unknown as Uint8Array).slice(start, end);
}

function replaced(v: ArrayLike<number>, index: number, x: number): unknown {
  const c = Array.isArray(v) ? v.slice() : (v as unknown as Uint8Array).slice();
  (c as number[])[index] = x;
  return c;
}

/** Simpler variants of `args`, most reduced first; at most `limit`. */
export function shrinkCandidates(args: readonly unknown[], limit = 48): unknown[][] {
  const out: unknown[][] = [];
  const push = (a: unknown[]) => {
    if (out.length < limit) out.push(a);
  };
  // Arrays of the same length often belong together (x, y, z): cut them together first.
  const lengths = [...new Set(args.filter(isArray).map((a) => a.length))].filter((n) => n > 0).sort((a, b) => b - a);
  for (const n of lengths) {
    for (const [start, end] of [
      [0, 0],
      [0, 1],
      [0, n >> 1],
      [n >> 1, n],
      [0, n - 1],
      [1, n],
    ] as const) {
      if (end - start >= n) continue;
      push(args.map((a) => (isArray(a) && a.length === n ? slice(a, start, end) : a)));
    }
  }
  args.forEach((a, i) => {
    if (!isArray(a) || a.length === 0) return;
    for (const [start, end] of [
      [0, 0],
      [0, a.length >> 1],
      [a.length >> 1, a.length],
      [0, a.length - 1],
      [1, a.length],
    ] as const) {
      if (end - start >= a.length) continue;
      push(args.map((b, j) => (j === i ? slice(a, start, end) : b)));
    }
  });
  args.forEach((a, i) => {
    if (typeof a === 'number') for (const y of simplerNumbers(a)) push(args.map((b, j) => (j === i ? y : b)));
  });
  args.forEach((a, i) => {
    if (!isArray(a)) return;
    for (let k = 0; k < Math.min(a.length, 16); k++) {
      for (const y of simplerNumbers(a[k]!).slice(0, 2)) push(args.map((b, j) => (j === i ? replaced(a, k, y) : b)));
    }
  });
  return out;
}

/** The size of an input, compared lexicographically: elements in all arrays, then the complexity of its numbers. */
export function inputSize(args: readonly unknown[]): [number, number] {
  let elements = 0;
  let numbers = 0;
  for (const a of args) {
    if (typeof a === 'number') numbers += complexity(a);
    else if (isArray(a)) {
      elements += a.length;
      for (let i = 0; i < a.length; i++) numbers += typeof a[i] === 'number' ? complexity(a[i]!) : 0;
    }
  }
  return [elements, numbers];
}

/** Whether input `a` is strictly smaller than input `b` (so that shrinking always ends). */
export function smaller(a: readonly unknown[], b: readonly unknown[]): boolean {
  const [ea, na] = inputSize(a);
  const [eb, nb] = inputSize(b);
  return ea < eb || (ea === eb && na < nb);
}

// Optimisation levels of the native target. The default keeps JavaScript's results bit for bit (EXACT_FLAGS:
// -O3 -ffp-contract=off). Each opt-in trades something for speed and declares the tolerance its proof compares
// with:
//  - march-native: -march=native, code for this machine's CPU (AVX2, …). Floating-point contraction stays off, so
//    results stay exact; the addon may not load on an older CPU (the loader then runs the original function).
//  - fast-math: reassociating float math, GCC's -fassociative-math with the two flags it needs to act
//    (-fno-signed-zeros -fno-trapping-math), plus -ffp-contract=fast (fused multiply-add). Not -ffast-math: its
//    -ffinite-math-only would let the compiler assume no NaN or infinity, which JavaScript code can hold. Sums in
//    another order round differently: compared within a relative 1e-9 (+ 1e-12 absolute), -0 equal to +0.
//  - threads: outer loops whose iterations are proven independent (extension/compiler/parallel.ts) run on
//    threads with OpenMP (-fopenmp). Each iteration computes what it computed alone: exact.
import type { Tolerance } from '../extension/tolerance';

/** Compiler flags that keep results identical to JavaScript (the default optimisation level). */
export const EXACT_FLAGS = ['-O3', '-ffp-contract=off', '-fno-math-errno'];

/** The opt-ins of the native target (the Optimize panel's toggles and `--opt` name them so). */
export const OPT_INS = ['march-native', 'fast-math', 'threads'] as const;
export type OptIn = (typeof OPT_INS)[number];

/** What each opt-in does, in words (panel tooltips, `--help`). */
export const OPT_IN_TEXT: Record<OptIn, string> = {
  'march-native': '-march=native: code for this CPU; results stay exact',
  'fast-math': '-fassociative-math -fno-signed-zeros -fno-trapping-math -ffp-contract=fast: float sums may be reordered; proven within a relative 1e-9',
  threads: '-fopenmp: outer loops proven independent run on threads; results stay exact',
};

/** The tolerance fast-math's proof compares within. */
export const FAST_MATH_TOLERANCE: Tolerance = { relative: 1e-9, absolute: 1e-12 };

/** The opt-ins in their canonical order, without repeats (the build-cache key depends on the flags only). */
export function normalizeOptIns(optIns: readonly OptIn[] = []): OptIn[] {
  return OPT_INS.filter((o) => optIns.includes(o));
}

/** Compiler flags for a set of opt-ins (EXACT_FLAGS when none). */
export function optInFlags(optIns: readonly OptIn[] = []): string[] {
  const on = new Set(optIns);
  const flags = EXACT_FLAGS.filter((f) => !(on.has('fast-math') && f === '-ffp-contract=off'));
  if (on.has('march-native')) flags.push('-march=native');
  if (on.has('fast-math')) flags.push('-fassociative-math', '-fno-signed-zeros', '-fno-trapping-math', '-ffp-contract=fast');
  if (on.has('threads')) flags.push('-fopenmp');
  return flags;
}

/** The tolerance a candidate built with these opt-ins declares: undefined (bit for bit) unless fast-math. */
export function optInTolerance(optIns: readonly OptIn[] = []): Tolerance | undefined {
  return optIns.includes('fast-math') ? { ...FAST_MATH_TOLERANCE } : undefined;
}

/** Parses `march-native,fast-math,threads`; throws an Error naming the accepted values on anything else. */
export function parseOptIns(text: string): OptIn[] {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = items.filter((s) => !(OPT_INS as readonly string[]).includes(s));
  if (bad.length > 0) throw new Error(`--opt takes a comma-separated list of ${OPT_INS.join(', ')}, not "${bad.join(', ')}".`);
  return normalizeOptIns(items as OptIn[]);
}

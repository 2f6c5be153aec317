// One seeded generator for everything that must repeat itself: the bootstrap, the recorder's reservoir sample,
// the proof's and the fuzzer's random inputs.

/** A small seeded generator (mulberry32), independent of Math.random: the same seed gives the same sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

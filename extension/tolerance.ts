// How far a candidate's results may be from the original's and still count as equal: declared by the candidate
// (an opt-in such as fast-math), checked by the proof. Exact unless a candidate declares one.

/** Two finite numbers a, b are equal when |a - b| <= absolute + relative * max(|a|, |b|) (prove/compare.ts). */
export interface Tolerance {
  relative: number;
  absolute: number;
}

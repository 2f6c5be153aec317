// How times and shares read in the editor (CodeLens, hovers, messages).

/** A weight with its unit (`812 ms`, `1.25 s`, `42 samples`), as the flame graph shows it. */
export { formatWeight } from '../profile/weight';

/** A share of a total as a percentage, as the flame graph shows it. */
export { formatShare } from '../profile/share';

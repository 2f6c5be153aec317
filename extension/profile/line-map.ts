// Where the lines of one version of a text went in another: the mapping a before/after comparison needs when an edit
// moved code. Pure, line-based, no dependencies.

/** Maps a 1-based line of the old text to its 1-based line in the new text (lines inside a change: the nearest place). */
export type LineMapper = (line: number) => number;

/** Above this many cells the middle of a change is not aligned line by line but treated as one changed block. */
const MAX_LCS_CELLS = 4_000_000;

/**
 * A line mapping from `before` to `after`: equal lines (the longest common subsequence) map exactly; a line in a changed
 * block maps to the same offset in the block that replaced it, clamped to that block (its start when it was deleted).
 */
export function lineMapFromTexts(before: string, after: string): LineMapper {
  const a = before.split(/\r?\n/);
  const b = after.split(/\r?\n/);
  // to[i] is the 0-based line of b that line i of a became, or -1 inside a change.
  const to = new Int32Array(a.length).fill(-1);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) {
    to[start] = start;
    start++;
  }
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
    to[endA] = endB;
  }
  const n = endA - start;
  const m = endB - start;
  if (n > 0 && m > 0 && n * m <= MAX_LCS_CELLS) alignMiddle(a, b, start, endA, endB, to);
  // Lines in changes: the same offset into the block of b between the neighbouring equal lines.
  const map = new Int32Array(a.length);
  let i = 0;
  while (i < a.length) {
    if (to[i]! >= 0) {
      map[i] = to[i]!;
      i++;
      continue;
    }
    let j = i;
    while (j < a.length && to[j]! < 0) j++;
    const blockStart = i > 0 ? to[i - 1]! + 1 : 0;
    const blockEnd = j < a.length ? to[j]! : b.length;
    for (let k = i; k < j; k++) map[k] = blockEnd > blockStart ? Math.min(blockStart + (k - i), blockEnd - 1) : Math.min(blockStart, Math.max(0, b.length - 1));
    i = j;
  }
  return (line: number) => {
    if (line < 1) return line;
    if (line > a.length) return line - a.length + b.length;
    return map[line - 1]! + 1;
  };
}

/** Longest common subsequence of a[start..endA) and b[start..endB), written into `to`. */
function alignMiddle(a: string[], b: string[], start: number, endA: number, endB: number, to: Int32Array): void {
  const n = endA - start;
  const m = endB - start;
  const width = m + 1;
  // lcs[i][j]: the LCS length of a[start+i..endA) and b[start+j..endB).
  const lcs = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * width + j] = a[start + i] === b[start + j] ? lcs[(i + 1) * width + j + 1]! + 1 : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[start + i] === b[start + j]) {
      to[start + i] = start + j;
      i++;
      j++;
    } else if (lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!) i++;
    else j++;
  }
}

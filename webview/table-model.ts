// The table view's rows: filtered by text, sorted by a column; pure.
import type { FunctionRow } from '../extension/protocol';

export type SortColumn = 'name' | 'location' | 'self' | 'total' | 'count';

export interface TableQuery {
  sort: SortColumn;
  /** Descending (heaviest first) when true. */
  descending: boolean;
  filter: string;
  /** Only the program's own functions: no runtime or native frames, nothing from a dependency or the standard library. */
  mine?: boolean;
}

/** Code the user did not write: the runtime's and native frames, Node's own modules, installed packages and Python's library. */
const NOT_MINE = /^node:|^internal\/|[\\/](node_modules|site-packages|dist-packages)[\\/]|[\\/]lib[\\/]python\d+(\.\d+)?[\\/]|^<frozen /;

/** Whether a row is the program's own code (see {@link TableQuery.mine}). */
export function isMine(r: FunctionRow): boolean {
  return r.kind !== 'runtime' && r.kind !== 'native' && r.file !== '' && !NOT_MINE.test(r.file);
}

/** The direction a column sorts in first: numbers heaviest first, text A to Z. */
export function defaultDescending(c: SortColumn): boolean {
  return c === 'self' || c === 'total' || c === 'count';
}

/** The count column: calls where the profiler counted them, samples otherwise. */
export function countOf(r: FunctionRow): number {
  return r.calls ?? r.samples;
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Rows whose name or file contains the filter (case-insensitive), sorted; ties go heaviest self first, then by name. */
export function tableRows(rows: readonly FunctionRow[], q: TableQuery): FunctionRow[] {
  const f = q.filter.trim().toLowerCase();
  const own = q.mine ? rows.filter(isMine) : rows;
  const kept = f ? own.filter((r) => r.name.toLowerCase().includes(f) || r.file.toLowerCase().includes(f)) : [...own];
  const dir = q.descending ? -1 : 1;
  const cmp = (a: FunctionRow, b: FunctionRow): number => {
    switch (q.sort) {
      case 'name':
        return collator.compare(a.name, b.name);
      case 'location':
        return collator.compare(a.file, b.file) || a.line - b.line;
      case 'self':
        return a.self - b.self;
      case 'total':
        return a.total - b.total;
      case 'count':
        return countOf(a) - countOf(b);
    }
  };
  return kept.sort((a, b) => dir * cmp(a, b) || b.self - a.self || collator.compare(a.name, b.name));
}

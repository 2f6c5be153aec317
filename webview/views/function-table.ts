// The table of functions: a real <table> (screen readers announce rows and sorted columns), sortable by every column
// from its header, filtered by a text box, the selected function marked. End-to-end tests read its data attributes.
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { FunctionRow } from '../../extension/protocol';
import { el } from '../dom';
import { functionKey } from '../flame/stats';
import { formatCount, formatMs, formatShare, location, shareNumber } from '../format';
import { countOf, defaultDescending, isMine, tableRows, type SortColumn, type TableQuery } from '../table-model';

/** What the table reports back to the page. */
export interface FunctionTableEvents {
  /** A function's name was activated (click, Enter, Space). */
  select(fn: FunctionRow): void;
  /** A function's location was activated, or its name with ctrl/cmd; only offered when `canOpen`. */
  open(fn: FunctionRow): void;
  /** Right-click or the context-menu key on a row. */
  contextMenu(fn: FunctionRow, x: number, y: number): void;
}

/** Rows drawn at most; the filter narrows the rest down. */
const MAX_ROWS = 1000;

type TextField = HTMLElement & { value: string };

export class FunctionTable {
  /** The section holding the filter and the table; the page moves it between views. */
  readonly element = el('section', 'functions');
  readonly table = el('table', 'hot-table');
  private readonly filter = document.createElement('vscode-textfield') as TextField;
  private readonly count = el('span', 'table-count');
  private rows: readonly FunctionRow[] = [];
  private total = 0;
  private unit: 'ms' | 'samples' = 'ms';
  private query: TableQuery = { sort: 'self', descending: true, filter: '', mine: true };
  private readonly mine = el('input', 'mine-only');
  private selectedKey: string | undefined;
  private matchFrames: Set<string> | undefined;
  private readonly byKey = new Map<string, HTMLTableRowElement>();

  constructor(
    private readonly canOpen: boolean,
    private readonly events: FunctionTableEvents,
  ) {
    this.element.setAttribute('aria-label', 'Functions');
    this.table.id = 'hot-functions';
    this.filter.id = 'table-filter';
    this.filter.setAttribute('placeholder', 'Filter functions and files');
    this.filter.setAttribute('aria-label', 'Filter the table by function or file');
    const bar = el('div', 'table-bar');
    this.count.id = 'table-count';
    this.count.setAttribute('aria-live', 'polite');
    this.mine.type = 'checkbox';
    this.mine.id = 'table-mine';
    this.mine.checked = true;
    this.mine.addEventListener('change', () => {
      this.query = { ...this.query, mine: this.mine.checked };
      this.render();
    });
    const mineLabel = el('label', 'mine-label');
    mineLabel.title = "Hide the runtime's and native frames, installed packages and the standard library";
    mineLabel.append(this.mine, ' My code only');
    bar.append(this.filter, mineLabel, this.count);
    const scroll = el('div', 'table-scroll');
    scroll.append(this.table);
    this.element.append(bar, scroll);
    const onFilter = () => {
      if (this.filter.value === this.query.filter) return;
      this.query = { ...this.query, filter: this.filter.value ?? '' };
      this.render();
    };
    this.filter.addEventListener('input', onFilter);
    this.filter.addEventListener('change', onFilter);
    this.table.addEventListener('contextmenu', (e) => {
      const fn = this.rowOf(e.target);
      if (!fn) return;
      e.preventDefault();
      this.events.contextMenu(fn, e.clientX, e.clientY);
    });
  }

  setData(rows: readonly FunctionRow[], total: number, unit: 'ms' | 'samples'): void {
    this.rows = rows;
    this.total = total;
    this.unit = unit;
    this.render();
  }

  /** Marks the selected function's row and scrolls it into view (undefined clears). */
  setSelected(key: string | undefined, reveal = true): void {
    this.selectedKey = key;
    for (const [k, tr] of this.byKey) {
      if (k === key) tr.setAttribute('aria-current', 'true');
      else tr.removeAttribute('aria-current');
    }
    const tr = key ? this.byKey.get(key) : undefined;
    if (tr && reveal && this.element.isConnected) tr.scrollIntoView({ block: 'nearest' });
  }

  /** Marks the rows of functions matching the search (keys from functionKey); undefined clears. */
  setMatches(keys: Set<string> | undefined): void {
    this.matchFrames = keys;
    for (const [k, tr] of this.byKey) tr.classList.toggle('match', keys?.has(k) ?? false);
  }

  /** Focuses the selected row's name, or the first row's. */
  focus(): void {
    const tr = (this.selectedKey && this.byKey.get(this.selectedKey)) || this.table.tBodies[0]?.rows[0];
    tr?.querySelector<HTMLButtonElement>('button.fn')?.focus();
  }

  private rowOf(target: EventTarget | null): FunctionRow | undefined {
    const tr = (target as Element | null)?.closest?.('tr[data-key]') as HTMLTableRowElement | null;
    return tr ? this.rows.find((r) => functionKey(r) === tr.dataset.key) : undefined;
  }

  private render(): void {
    const t = this.table;
    t.replaceChildren();
    t.createCaption().textContent = 'Functions';
    const head = t.createTHead().insertRow();
    const unit = this.unit === 'samples' ? ' (samples)' : '';
    const hasCalls = this.rows.some((r) => r.calls !== undefined);
    const cols: [SortColumn, string, string][] = [
      ['name', 'Function', ''],
      ['location', 'Location', ''],
      ['self', `Self${unit}`, 'num'],
      ['total', `Total${unit}`, 'num'],
      ['count', hasCalls ? 'Calls' : 'Samples', 'num'],
    ];
    for (const [col, label, cls] of cols) {
      const th = el('th', cls);
      th.scope = 'col';
      th.dataset.column = col;
      const sorted = this.query.sort === col;
      th.setAttribute('aria-sort', sorted ? (this.query.descending ? 'descending' : 'ascending') : 'none');
      const b = el('button', 'sort', label);
      b.type = 'button';
      b.title = `Sort by ${label.toLowerCase()}`;
      if (sorted) b.append(el('span', 'sort-mark', this.query.descending ? ' ▼' : ' ▲'));
      b.addEventListener('click', () => {
        this.query = { ...this.query, sort: col, descending: sorted ? !this.query.descending : defaultDescending(col) };
        this.render();
        this.table.querySelector<HTMLButtonElement>(`th[data-column="${col}"] button`)?.focus();
      });
      th.append(b);
      head.append(th);
    }
    const body = t.createTBody();
    this.byKey.clear();
    // My code only, unless the profile has none of it (a profile of a page's scripts, of the runtime alone).
    const mine = this.query.mine === true && this.rows.some(isMine);
    const shown = tableRows(this.rows, { ...this.query, mine });
    const hidden = mine ? this.rows.length - this.rows.filter(isMine).length : 0;
    this.count.textContent =
      (shown.length > MAX_ROWS
        ? `${formatCount(MAX_ROWS)} of ${formatCount(shown.length)} functions shown; filter to find others`
        : `${formatCount(shown.length)} ${shown.length === 1 ? 'function' : 'functions'}`) + (hidden > 0 ? ` (${formatCount(hidden)} not yours hidden)` : '');
    if (shown.length === 0) {
      const td = body.insertRow().insertCell();
      td.colSpan = cols.length;
      td.className = 'empty';
      td.textContent = this.rows.length === 0 ? 'The profile has no samples.' : 'No function matches the filter.';
      return;
    }
    for (const fn of shown.slice(0, MAX_ROWS)) body.append(this.row(fn));
    this.setSelected(this.selectedKey, false);
    if (this.matchFrames) this.setMatches(this.matchFrames);
  }

  private row(fn: FunctionRow): HTMLTableRowElement {
    const tr = el('tr');
    const key = functionKey(fn);
    this.byKey.set(key, tr);
    tr.dataset.key = key;
    tr.dataset.function = fn.name;
    tr.dataset.file = fn.file;
    tr.dataset.line = String(fn.line);
    tr.dataset.kind = fn.kind;
    tr.dataset.self = String(fn.self);
    tr.dataset.total = String(fn.total);
    tr.dataset.selfShare = String(shareNumber(fn.self, this.total));
    tr.dataset.totalShare = String(shareNumber(fn.total, this.total));

    const nameCell = el('th');
    nameCell.scope = 'row';
    const name = el('button', `fn kind-${fn.kind}`, fn.name || '(anonymous)');
    name.type = 'button';
    name.title = `${fn.name || '(anonymous)'}: select${this.canOpen && fn.file ? ' (Ctrl/⌘ opens the source)' : ''}`;
    name.addEventListener('click', (e) => (this.canOpen && fn.file && (e.ctrlKey || e.metaKey) ? this.events.open(fn) : this.events.select(fn)));
    name.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey || e.altKey) && this.canOpen && fn.file) {
        e.preventDefault();
        this.events.open(fn);
      } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const next = (e.key === 'ArrowDown' ? tr.nextElementSibling : tr.previousElementSibling) as HTMLElement | null;
        next?.querySelector<HTMLButtonElement>('button.fn')?.focus();
      } else if (e.key === 'ContextMenu' || (e.key === 'F10' && e.shiftKey)) {
        e.preventDefault();
        const r = name.getBoundingClientRect();
        this.events.contextMenu(fn, r.left + 8, r.bottom);
      }
    });
    nameCell.append(name);

    const locCell = el('td', 'loc');
    const loc = location(fn.file, fn.line, true);
    if (loc && this.canOpen) {
      const open = el('button', 'link', loc);
      open.type = 'button';
      open.title = `Open ${location(fn.file, fn.line)}`;
      open.addEventListener('click', () => this.events.open(fn));
      locCell.append(open);
    } else {
      locCell.textContent = loc || kindWord(fn.kind);
      if (fn.file) locCell.title = location(fn.file, fn.line);
    }
    const countCell = el('td', 'num count', formatCount(countOf(fn)));
    tr.append(nameCell, locCell, this.weightCell(fn.self, true), this.weightCell(fn.total, false), countCell);
    return tr;
  }

  private weightCell(value: number, bar: boolean): HTMLTableCellElement {
    const td = el('td', 'num');
    const share = el('span', 'share', formatShare(value, this.total));
    if (bar) {
      // A bar behind the percentage, as wide as the share of the whole profile.
      const b = el('span', 'bar');
      b.style.width = `${Math.min(100, shareNumber(value, this.total))}%`;
      share.prepend(b);
    }
    td.append(el('span', 'value', this.unit === 'samples' ? formatCount(value) : formatMs(value)), share);
    return td;
  }
}

function kindWord(kind: FunctionRow['kind']): string {
  return kind === 'native' ? '(native)' : kind === 'runtime' ? '(runtime)' : '';
}

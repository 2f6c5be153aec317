// The accessible table of the hottest functions, beside the canvas; end-to-end tests read it too.
import type { FlameGraphData } from '../extension/protocol';
import { el } from './dom';
import type { HotFunction } from './flame/stats';
import { formatCount, formatMs, formatShare, location, shareNumber } from './format';

/** What the table reports back to the page. */
export interface HotTableEvents {
  /** The function's name was activated (click, Enter, Space). */
  select(fn: HotFunction): void;
  /** The function's location was activated; only offered when `canOpen`. */
  open(fn: HotFunction): void;
}

/** Fills `table` (an existing `<table id="hot-functions">`) with one row per function. */
export function renderHotTable(table: HTMLTableElement, data: FlameGraphData, fns: readonly HotFunction[], canOpen: boolean, events: HotTableEvents): void {
  table.replaceChildren();
  table.createCaption().textContent = 'Hottest functions';
  const head = table.createTHead().insertRow();
  const unit = data.unit === 'samples' ? ' (samples)' : '';
  for (const [label, cls] of [['Function', ''], ['Location', ''], [`Self${unit}`, 'num'], [`Total${unit}`, 'num']] as const) {
    const th = el('th', cls, label);
    th.scope = 'col';
    head.append(th);
  }
  const body = table.createTBody();
  if (fns.length === 0) {
    const td = body.insertRow().insertCell();
    td.colSpan = 4;
    td.className = 'empty';
    td.textContent = 'The profile has no samples.';
    return;
  }
  for (const fn of fns) {
    const tr = body.insertRow();
    tr.dataset.function = fn.name;
    tr.dataset.file = fn.file;
    tr.dataset.line = String(fn.line);
    tr.dataset.kind = fn.kind;
    tr.dataset.self = String(fn.self);
    tr.dataset.total = String(fn.total);
    tr.dataset.selfShare = String(shareNumber(fn.self, data.total));
    tr.dataset.totalShare = String(shareNumber(fn.total, data.total));

    const nameCell = el('th');
    nameCell.scope = 'row';
    const name = el('button', `fn kind-${fn.kind}`, fn.name || '(anonymous)');
    name.type = 'button';
    name.title = `${fn.name || '(anonymous)'}: show in the flame graph`;
    name.addEventListener('click', () => events.select(fn));
    nameCell.append(name);

    const locCell = el('td', 'loc');
    const loc = location(fn.file, fn.line, true);
    if (loc && canOpen) {
      const open = el('button', 'link', loc);
      open.type = 'button';
      open.title = `Open ${location(fn.file, fn.line)}`;
      open.addEventListener('click', () => events.open(fn));
      locCell.append(open);
    } else {
      locCell.textContent = loc || kindWord(fn.kind);
      if (fn.file) locCell.title = location(fn.file, fn.line);
    }

    tr.append(nameCell, locCell, weightCell(fn.self, data, true), weightCell(fn.total, data, false));
  }
}

function weightCell(value: number, data: FlameGraphData, bar: boolean): HTMLTableCellElement {
  const td = el('td', 'num');
  const share = el('span', 'share', formatShare(value, data.total));
  if (bar) {
    // A bar behind the percentage, as wide as the share of the whole profile.
    const b = el('span', 'bar');
    b.style.width = `${Math.min(100, shareNumber(value, data.total))}%`;
    share.prepend(b);
  }
  td.append(el('span', 'value', data.unit === 'samples' ? formatCount(value) : formatMs(value)), share);
  return td;
}

function kindWord(kind: HotFunction['kind']): string {
  return kind === 'native' ? '(native)' : kind === 'runtime' ? '(runtime)' : '';
}

// The comparison page: a differential flame graph of two profiles (red: a larger share than before, blue: a smaller one),
// its legend, and the table of per-function changes. The same bundle as the flame graph, another page.
import { change, describeChange, share } from '../../extension/profile/diff';
import type { DiffGraphData, DiffNode, FrameInfo, FromWebview } from '../../extension/protocol';
import { el } from '../dom';
import { cssColor, mix, parseColor, type Rgb } from '../flame/colors';
import { FlameView } from '../flame/flame-view';
import { formatShare, formatWeight, location } from '../format';
import { readTheme, watchTheme, type Theme } from '../flame/theme';
import pageCss from './diff.css';
import {
  diffFill,
  diffRows,
  maxShareDelta,
  nodeShareDelta,
  setWidths,
  trendOf,
  type ColourBasis,
  type DiffColumn,
  type DiffPalette,
  type Trend,
  type WidthBasis,
} from './diff-model';

export interface DiffPageDeps {
  post(message: FromWebview): void;
  nonce: string;
  css: string;
  /** False in the standalone page, where there is no editor to open files in. */
  canOpen: boolean;
}

const TREND_WORDS: Record<Trend, string> = { slower: '▲ slower', faster: '▼ faster', unchanged: '= same', added: '+ new', removed: '− gone' };

/** Starts the comparison page with its data. */
export function startDiff(data: DiffGraphData, deps: DiffPageDeps): void {
  const style = el('style');
  if (deps.nonce) style.setAttribute('nonce', deps.nonce);
  style.textContent = `${deps.css}\n${pageCss}`;
  document.head.append(style);
  document.body.classList.add('page-diff');
  const fail = (message: string) => {
    const box = el('div', 'error-box', `Perf Lab could not show this comparison: ${message}`);
    box.id = 'error';
    box.setAttribute('role', 'alert');
    (document.getElementById('app') ?? document.body).prepend(box);
    deps.post({ type: 'error', message });
  };
  window.addEventListener('error', (e) => {
    // Chrome reports a benign ResizeObserver notice as an error event.
    if (!/ResizeObserver loop/.test(e.message)) fail(e.message);
  });
  try {
    new DiffPage(data, deps);
  } catch (e) {
    fail(e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e));
  }
}

class DiffPage {
  private width: WidthBasis = 'both';
  private colour: ColourBasis = 'self';
  private max = 0;
  private palette: DiffPalette | undefined;
  private sort: { column: DiffColumn; descending: boolean } = { column: 'deltaSelf', descending: true };
  private readonly table = el('table', 'hot-table diff-table');
  private readonly crumbs = el('nav', 'breadcrumb');
  private readonly graph: FlameView;
  private readonly cursor = el('p', 'diff-cursor');

  constructor(
    private readonly data: DiffGraphData,
    private readonly deps: DiffPageDeps,
  ) {
    document.title = data.title;
    const root = document.getElementById('app') ?? document.body.appendChild(el('div'));
    root.id = 'app';
    const graphHost = el('div', 'graph');
    graphHost.id = 'diff-graph';
    this.table.id = 'diff-functions';
    this.crumbs.id = 'breadcrumb';
    this.crumbs.setAttribute('aria-label', 'Zoom path');
    const section = el('section', 'hot');
    section.setAttribute('aria-label', 'Changes per function');
    section.append(this.table);
    this.cursor.id = 'diff-cursor';
    this.cursor.setAttribute('aria-live', 'polite');
    this.cursor.textContent = 'Hover a frame, or focus the graph and use the arrow keys, to read its change.';
    root.replaceChildren(this.header(), this.notes(), this.toolbar(), this.crumbs, graphHost, this.cursor, section);

    this.graph = new FlameView(
      graphHost,
      {
        cursor: (n) => this.describeCursor(n as DiffNode),
        openSource: (f) => this.open(f),
        zoom: (path) => this.zoomed(path as readonly DiffNode[]),
      },
      {
        id: 'diff-flame',
        label: 'Differential flame graph',
        rootLabel: () => `all (${this.sideTotal()})`,
        fill: (n) => this.fill(n as DiffNode),
        rows: (n) => this.rows(n as DiffNode),
      },
    );
    const applyTheme = () => {
      const theme = readTheme();
      this.palette = diffPalette(theme);
      this.graph.setTheme(theme);
    };
    applyTheme();
    watchTheme(applyTheme);
    setWidths(data.root, this.width, data);
    this.max = maxShareDelta(data.root, this.colour, data);
    this.setTree();
    this.renderTable();
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.graph.zoomOut()) e.preventDefault();
    });
    document.body.dataset.state = 'ready';
    deps.post({ type: 'ready' });
  }

  private header(): HTMLElement {
    const d = this.data;
    const header = el('header', 'header');
    const title = el('h1', 'title', d.title);
    title.id = 'title';
    const summary = el('p', 'summary');
    summary.id = 'summary';
    const item = (label: string, value: string, key: string, tip?: string) => {
      const s = el('span', 'item');
      s.dataset.key = key;
      if (tip) s.title = tip;
      s.append(el('span', 'label', label), ' ', el('span', 'value', value));
      summary.append(s);
    };
    item('Before', `${formatWeight(d.before.total, d.before.unit)}`, 'before', d.before.source ?? d.before.label);
    item('After', `${formatWeight(d.after.total, d.after.unit)}`, 'after', d.after.source ?? d.after.label);
    if (d.before.unit === d.after.unit && d.before.total > 0) {
      const c = change(d.before.total, d.after.total, d);
      item('Change', describeChange(c, d.after.unit, formatWeight), 'change');
    }
    summary.dataset.before = d.before.label;
    summary.dataset.after = d.after.label;
    header.append(title, summary);
    return header;
  }

  private notes(): HTMLElement {
    const box = el('div', 'messages');
    for (const n of this.data.notes) {
      const b = el('div', 'banner note');
      b.setAttribute('role', 'note');
      b.append(el('span', 'banner-label', 'Note'), el('span', 'banner-text', n));
      box.append(b);
    }
    box.hidden = this.data.notes.length === 0;
    return box;
  }

  private toolbar(): HTMLElement {
    const bar = el('div', 'toolbar diff-toolbar');
    const legend = el('div', 'diff-legend');
    legend.id = 'diff-legend';
    legend.setAttribute('role', 'group');
    legend.setAttribute('aria-label', 'Colour legend');
    for (const [cls, text] of [
      ['faster', '▼ faster: smaller share than before'],
      ['same', 'unchanged'],
      ['slower', '▲ slower: larger share than before'],
    ] as const) {
      const item = el('span', `legend-item legend-${cls}`);
      item.append(el('span', 'swatch'), el('span', undefined, text));
      legend.append(item);
    }
    legend.append(el('span', 'legend-hint', 'stronger colour: larger change'));
    const select = <T extends string>(id: string, label: string, options: [T, string][], value: T, set: (v: T) => void) => {
      const wrap = el('label', 'diff-select');
      wrap.append(`${label} `);
      const s = el('select');
      s.id = id;
      for (const [v, text] of options) {
        const o = el('option', undefined, text);
        o.value = v;
        o.selected = v === value;
        s.append(o);
      }
      s.addEventListener('change', () => set(s.value as T));
      wrap.append(s);
      return wrap;
    };
    bar.append(
      legend,
      select<ColourBasis>(
        'diff-colour',
        'Colour by',
        [
          ['self', 'Δ self'],
          ['total', 'Δ total'],
        ],
        this.colour,
        (v) => {
          this.colour = v;
          this.max = maxShareDelta(this.data.root, v, this.data);
          this.graph.view.invalidate();
        },
      ),
      select<WidthBasis>(
        'diff-width',
        'Widths',
        [
          ['both', 'both (mean share)'],
          ['after', 'after'],
          ['before', 'before'],
        ],
        this.width,
        (v) => {
          this.width = v;
          setWidths(this.data.root, v, this.data);
          this.setTree();
        },
      ),
    );
    return bar;
  }

  private sideTotal(): string {
    const { before, after } = this.data;
    if (this.width === 'both') return `before ${formatWeight(before.total, before.unit)}, after ${formatWeight(after.total, after.unit)}`;
    const side = this.width === 'after' ? after : before;
    return `${this.width} ${formatWeight(side.total, side.unit)}`;
  }

  private fill(n: DiffNode): Rgb {
    return diffFill(nodeShareDelta(n, this.colour, this.data), this.max, this.palette!);
  }

  /** Shows the tree at the chosen side's widths, zoomed out. */
  private setTree(): void {
    // With both, widths are shares: the whole is 1.
    const side = this.width === 'after' ? this.data.after : this.width === 'before' ? this.data.before : { total: 1, unit: 'ms' as const };
    this.graph.setTree(this.data.root, this.data.frames, side.total, side.unit);
  }

  /** The tooltip's rows: both sides' weights and the changes in words, and the trend the colour shows. */
  private rows(n: DiffNode): [string, string][] {
    const d = this.data;
    const side = (w: number, s: DiffGraphData['before']) => `${formatWeight(w, s.unit)} (${formatShare(w, s.total)})`;
    const delta = (b: number, a: number) =>
      `${describeChange(change(b, a, d), d.after.unit, formatWeight)}, share ${points(share(a, d.after.total) - share(b, d.before.total))}`;
    const trend = trendOf(
      this.colour === 'self' ? n.selfBefore : n.totalBefore,
      this.colour === 'self' ? n.selfAfter : n.totalAfter,
      nodeShareDelta(n, this.colour, d),
    );
    return [
      ['Self before', side(n.selfBefore, d.before)],
      ['Self after', side(n.selfAfter, d.after)],
      ['Δ self', delta(n.selfBefore, n.selfAfter)],
      ['Total before', side(n.totalBefore, d.before)],
      ['Total after', side(n.totalAfter, d.after)],
      ['Δ total', delta(n.totalBefore, n.totalAfter)],
      [`Colour (Δ ${this.colour})`, TREND_WORDS[trend]],
    ];
  }

  /** The keyboard cursor's frame and its change, in a live region (screen readers hear it). */
  private describeCursor(n: DiffNode): void {
    const frame = n.frame >= 0 ? this.data.frames[n.frame] : undefined;
    const name = frame ? frame.name || '(anonymous)' : 'All samples';
    this.cursor.textContent = `${name}${frame?.file ? ` (${location(frame.file, frame.line, true)})` : ''}: ${this.rows(n)
      .map(([k, v]) => `${k} ${v}`)
      .join('; ')}`;
  }

  /** The zoom path in words with a button back to the whole graph, and the canvas's description for screen readers. */
  private zoomed(path: readonly DiffNode[]): void {
    const names = path.slice(1).map((n) => this.data.frames[n.frame]?.name || '(anonymous)');
    const whole = el('button', 'crumb', 'All');
    whole.type = 'button';
    whole.disabled = names.length === 0;
    whole.addEventListener('click', () => this.graph.zoomToDepth(0));
    const where = el('span', 'current', names.length > 0 ? ` › ${names.join(' › ')}` : '');
    const hint = el('span', 'hint', names.length > 0 ? 'Esc zooms out' : 'Click a frame to zoom; arrow keys move, Enter zooms');
    this.crumbs.replaceChildren(whole, where, hint);
    const top = diffRows(this.data, 'deltaSelf', true)
      .slice(0, 5)
      .map((r) => `${r.fn.name || '(anonymous)'} ${describeChange(r.self, this.data.after.unit, formatWeight)}`);
    this.graph.canvas.setAttribute(
      'aria-label',
      `Differential flame graph of ${this.data.title}. Largest changes of self time: ${top.join(', ')}. The table below lists every function.`,
    );
  }

  private open(f: FrameInfo): void {
    if (!f.file || !this.deps.canOpen) return;
    this.deps.post({ type: 'openSource', file: f.file, line: f.line, column: f.column });
  }

  /** The table of functions: both sides and the changes, sortable by every column. */
  private renderTable(): void {
    const d = this.data;
    const t = this.table;
    t.replaceChildren();
    t.createCaption().textContent = 'Changes per function (shares of each profile)';
    const head = t.createTHead().insertRow();
    const columns: [DiffColumn, string, boolean][] = [
      ['name', 'Function', false],
      ['location', 'Location', false],
      ['selfBefore', 'Self before', true],
      ['selfAfter', 'Self after', true],
      ['deltaSelf', 'Δ self', true],
      ['totalBefore', 'Total before', true],
      ['totalAfter', 'Total after', true],
      ['deltaTotal', 'Δ total', true],
    ];
    for (const [column, label, num] of columns) {
      const th = el('th', num ? 'num' : '');
      th.scope = 'col';
      const active = this.sort.column === column;
      th.setAttribute('aria-sort', active ? (this.sort.descending ? 'descending' : 'ascending') : 'none');
      const b = el('button', 'sort', `${label}${active ? (this.sort.descending ? ' ↓' : ' ↑') : ''}`);
      b.type = 'button';
      b.dataset.column = column;
      b.title = `Sort by ${label}`;
      b.addEventListener('click', () => {
        this.sort = { column, descending: active ? !this.sort.descending : num };
        this.renderTable();
        (t.querySelector(`button[data-column="${column}"]`) as HTMLButtonElement | null)?.focus();
      });
      th.append(b);
      head.append(th);
    }
    const body = t.createTBody();
    const rows = diffRows(d, this.sort.column, this.sort.descending);
    if (rows.length === 0) {
      const td = body.insertRow().insertCell();
      td.colSpan = columns.length;
      td.textContent = 'Neither profile has samples.';
      return;
    }
    for (const r of rows) {
      const fn = r.fn;
      const tr = body.insertRow();
      const trend = trendOf(fn.selfBefore, fn.selfAfter, r.self.shareDelta);
      tr.dataset.function = fn.name;
      tr.dataset.file = fn.file;
      tr.dataset.trend = trend;
      tr.dataset.deltaSelfShare = String(round2(r.self.shareDelta * 100));
      tr.dataset.deltaTotalShare = String(round2(r.total.shareDelta * 100));
      const name = el('th', `fn-cell trend-${trend}`);
      name.scope = 'row';
      name.append(el('span', 'trend-mark', TREND_WORDS[trend].split(' ')[0]!), ' ', fn.name || '(anonymous)');
      if (fn.beforeName) name.append(el('span', 'was', ` (was ${fn.beforeName})`));
      const loc = el('td', 'loc');
      const line = fn.afterLine || fn.beforeLine;
      const text = location(fn.file, line, true) || (fn.kind === 'native' ? '(native)' : fn.kind === 'runtime' ? '(runtime)' : '');
      if (fn.file && this.deps.canOpen && fn.afterLine > 0) {
        const b = el('button', 'link', text);
        b.type = 'button';
        b.title = `Open ${location(fn.file, line)}`;
        b.addEventListener('click', () => this.deps.post({ type: 'openSource', file: fn.file, line, column: 1 }));
        loc.append(b);
      } else {
        loc.textContent = text;
        if (fn.file) loc.title = location(fn.file, line);
      }
      tr.append(
        name,
        loc,
        weightCell(fn.selfBefore, d.before),
        weightCell(fn.selfAfter, d.after),
        deltaCell(r.self, d, trend),
        weightCell(fn.totalBefore, d.before),
        weightCell(fn.totalAfter, d.after),
        deltaCell(r.total, d, trendOf(fn.totalBefore, fn.totalAfter, r.total.shareDelta)),
      );
    }
  }
}

function weightCell(w: number, side: DiffGraphData['before']): HTMLTableCellElement {
  const td = el('td', 'num');
  td.append(el('span', 'value', w > 0 ? formatWeight(w, side.unit) : '–'), el('span', 'share', formatShare(w, side.total)));
  return td;
}

function deltaCell(c: ReturnType<typeof change>, d: DiffGraphData, trend: Trend): HTMLTableCellElement {
  const td = el('td', `num delta trend-${trend}`);
  td.append(el('span', 'value', describeChange(c, d.after.unit, formatWeight)), el('span', 'share', points(c.shareDelta)));
  return td;
}

/** A change of share in percentage points, signed. */
function points(shareDelta: number): string {
  const v = round2(shareDelta * 100);
  return `${v > 0 ? '+' : v < 0 ? '−' : '±'}${Math.abs(v).toFixed(1)} pp`;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** The comparison's colours from the theme: VS Code's chart red and blue, and a neutral between background and text. */
function diffPalette(theme: Theme): DiffPalette {
  const cs = getComputedStyle(document.body);
  const v = (name: string, fallback: string) => parseColor(cs.getPropertyValue(name)) ?? parseColor(fallback)!;
  const neutral = mix(theme.background, theme.foreground, theme.kind === 'dark' ? 0.2 : 0.12);
  const p = { kind: theme.kind, neutral, slower: v('--vscode-charts-red', '#f14c4c'), faster: v('--vscode-charts-blue', '#3794ff') };
  document.body.style.setProperty('--pl-diff-neutral', cssColor(neutral));
  return p;
}

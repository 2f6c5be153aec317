// The flame graph page: receives profiles from the extension (or inlined in the page), owns the one model every view
// draws from (data, selected function, search), and switches between the views without reloading.
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { graftSubtree } from '../extension/profile/flame-tree';
import {
  INITIAL_DATA_ID,
  OPTIMIZABLE_JS_NAME,
  type FlameGraphData,
  type FlameNode,
  type FrameInfo,
  type FromWebview,
  type FunctionRow,
  type ToWebview,
  type WebviewState,
} from '../extension/protocol';
import { el } from './dom';
import { ChartView } from './flame/chart-view';
import { FlameView } from './flame/flame-view';
import { findFunction, functionKey, hotFunctions, matchingFrames, searchTree } from './flame/stats';
import { formatCount, formatMs, formatShare, formatWeight, location, shareNumber } from './format';
import { startDiff } from './diff/diff-page';
import { startHistory } from './history/history-page';
import { startBeforeAfter } from './optimize/before-after';
import css from './style.css';
import { readTheme, watchTheme } from './flame/theme';
import { FunctionTable } from './views/function-table';
import { SandwichView } from './views/sandwich-view';

interface VsCodeApi {
  postMessage(message: FromWebview): void;
  setState(state: WebviewState): void;
  getState(): WebviewState | undefined;
}
declare const acquireVsCodeApi: (() => VsCodeApi) | undefined;

/** The editor's API inside a webview; undefined in the standalone page, where nothing is posted. */
const vscode: VsCodeApi | undefined = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : undefined;

/** Sends one message to the extension. */
function post(message: FromWebview): void {
  vscode?.postMessage(message);
}

const nonce = (document.currentScript as HTMLScriptElement | null)?.nonce || document.querySelector<HTMLScriptElement>('script[nonce]')?.nonce || '';
// Lit reads this when it has to fall back from adopted style sheets to <style> elements.
(window as unknown as { litNonce?: string }).litNonce = nonce;

/** Search box element from @vscode-elements; only `value` is used. */
type TextField = HTMLElement & { value: string };

/** The views, in the order of their tabs. */
const VIEWS = ['flame', 'chart', 'sandwich', 'table'] as const;
type ViewName = (typeof VIEWS)[number];
const VIEW_TITLES: Record<ViewName, string> = { flame: 'Flame Graph', chart: 'Flame Chart', sandwich: 'Sandwich', table: 'Table' };

/** Draw times of the canvases (ms), kept for measurements; the newest last. */
const drawTimes: number[] = [];
(window as unknown as { perfLabDrawTimes: number[] }).perfLabDrawTimes = drawTimes;
function noteDraw(ms: number): void {
  drawTimes.push(ms);
  if (drawTimes.length > 2000) drawTimes.splice(0, 1000);
}

class App {
  private data: FlameGraphData | undefined;
  private rows: FunctionRow[] = [];
  private firstFrameOfKey = new Map<string, number>();
  /** functionKey of each frame, computed once per profile. */
  private frameKeys: string[] = [];
  private pendingReveal: { name: string; file?: string } | undefined;
  private view: ViewName = 'flame';
  private selected: { key: string; frame: number } | undefined;
  /** Subtrees asked of the extension, by node id, with the view that shows the node. */
  private readonly pendingSubtrees = new Map<number, { node: FlameNode; view: FlameView }>();
  private readonly title = el('h1', 'title', 'Perf Lab');
  private readonly summary = el('p', 'summary');
  private readonly messages = el('div', 'messages');
  private readonly error = el('div', 'error-box');
  private readonly tabs = document.createElement('vscode-tabs') as HTMLElement & { selectedIndex: number };
  private readonly panels = {} as Record<ViewName, HTMLElement>;
  private readonly search = document.createElement('vscode-textfield') as TextField;
  private readonly searchSummary = el('span', 'search-summary');
  private readonly selection = el('div', 'selection-bar');
  private readonly breadcrumb = el('nav', 'breadcrumb');
  private readonly graph = el('div', 'graph');
  private readonly placeholder = el('div', 'placeholder', 'Loading profile…');
  private readonly hotSlot = el('div', 'hot');
  private readonly splitter: HTMLElement;
  private readonly status = el('div', 'status');
  private readonly menu = el('div', 'frame-menu');
  private readonly flame: FlameView;
  private readonly chart: ChartView;
  private readonly sandwich: SandwichView;
  private readonly table: FunctionTable;

  constructor() {
    const style = el('style');
    if (nonce) style.setAttribute('nonce', nonce);
    style.textContent = css;
    document.head.append(style);
    document.body.dataset.state = 'loading';

    this.title.id = 'title';
    this.summary.id = 'summary';
    this.messages.id = 'messages';
    this.error.id = 'error';
    this.error.setAttribute('role', 'alert');
    this.error.hidden = true;
    this.search.id = 'search';
    this.search.setAttribute('placeholder', 'Search functions and files');
    this.search.setAttribute('aria-label', 'Search functions and files');
    this.search.setAttribute('type', 'search');
    this.searchSummary.id = 'search-summary';
    this.searchSummary.setAttribute('aria-live', 'polite');
    this.selection.id = 'selection';
    this.selection.setAttribute('aria-live', 'polite');
    this.breadcrumb.id = 'breadcrumb';
    this.breadcrumb.setAttribute('aria-label', 'Zoom path');
    this.graph.id = 'graph';
    this.status.id = 'status';
    this.status.setAttribute('role', 'status');
    this.menu.id = 'frame-menu';
    this.menu.setAttribute('role', 'menu');
    this.menu.hidden = true;

    // Tabs from the design toolkit: arrow keys move between them, the search sits at their right.
    this.tabs.id = 'views';
    this.tabs.setAttribute('panel', '');
    this.tabs.setAttribute('aria-label', 'Views');
    for (const v of VIEWS) {
      const h = document.createElement('vscode-tab-header');
      h.slot = 'header';
      // vscode-tabs gives headers ids of its own; the view's name stays in data-view.
      h.dataset.view = v;
      h.textContent = VIEW_TITLES[v];
      this.tabs.append(h);
    }
    const addons = el('div', 'tab-addons');
    addons.slot = 'addons';
    addons.append(this.searchSummary, this.search);
    this.tabs.append(addons);
    for (const v of VIEWS) {
      const p = document.createElement('vscode-tab-panel');
      p.id = `view-${v}`;
      p.classList.add('view-panel');
      p.dataset.view = v;
      this.panels[v] = p;
      this.tabs.append(p);
    }
    this.tabs.addEventListener('vsc-tabs-select', (e) => this.activate(VIEWS[(e as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex] ?? 'flame'));

    const header = el('header', 'header');
    header.append(this.title, this.summary);
    this.graph.append(this.placeholder);
    this.splitter = makeSplitter(this.hotSlot);
    this.panels.flame.append(this.breadcrumb, this.graph, this.splitter, this.hotSlot);
    const chartHost = el('div', 'chart');
    chartHost.id = 'chart-host';
    this.panels.chart.append(chartHost);
    const sandwichHost = el('div', 'sandwich');
    sandwichHost.id = 'sandwich';
    this.panels.sandwich.append(sandwichHost);
    const root = document.getElementById('app') ?? document.body.appendChild(el('div'));
    root.id = 'app';
    root.replaceChildren(header, this.messages, this.error, this.selection, this.tabs, this.status);
    document.body.append(this.menu);

    const canvasEvents = {
      cursor: (node: FlameNode) => this.selectFrame(node.frame, 'canvas'),
      openSource: (frame: FrameInfo) => this.openSource(frame),
      contextMenu: (frame: FrameInfo, x: number, y: number) => this.showFrameMenu(frame, x, y),
      drawn: noteDraw,
    };
    this.flame = new FlameView(
      this.graph,
      {
        ...canvasEvents,
        zoom: (path) => this.onZoom(path),
        ...(vscode ? { needSubtree: (node: FlameNode, minTotal: number) => this.askSubtree(node, minTotal, this.flame) } : {}),
      },
      { id: 'flame', label: 'Flame graph', rootLabel: () => (this.data ? `all (${formatWeight(this.data.total, this.data.unit)})` : 'all') },
    );
    this.chart = new ChartView(chartHost, {
      ...canvasEvents,
      ...(vscode ? { needRuns: (request: number, from: number, to: number, width: number) => post({ type: 'chartRuns', request, from, to, width }) } : {}),
    });
    this.sandwich = new SandwichView(
      sandwichHost,
      {
        ...canvasEvents,
        ...(vscode ? { needSubtree: (node: FlameNode, minTotal: number) => this.askSubtree(node, minTotal, this.sandwichViewOf(node)) } : {}),
      },
      vscode ? (request, f) => post({ type: 'sandwich', request, name: f.name, file: f.file, line: f.line }) : undefined,
    );
    this.table = new FunctionTable(vscode !== undefined, {
      select: (fn) => this.selectRow(fn),
      open: (fn) => this.openSource(fn),
      contextMenu: (fn, x, y) => this.showFrameMenu(fn, x, y),
    });
    this.hotSlot.append(this.table.element);

    const applyTheme = () => {
      const theme = readTheme();
      this.flame.setTheme(theme);
      this.chart.setTheme(theme);
      this.sandwich.setTheme(theme);
    };
    watchTheme(applyTheme);
    applyTheme();

    document.addEventListener('click', (e) => {
      if (!this.menu.contains(e.target as Node)) this.menu.hidden = true;
    });
    this.menu.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        this.menu.hidden = true;
      }
    });
    this.search.addEventListener('input', () => this.onSearch());
    this.search.addEventListener('change', () => this.onSearch());
    document.addEventListener('keydown', (e) => this.onKey(e));
    window.addEventListener('message', (e: MessageEvent) => {
      const m = e.data as ToWebview | undefined;
      if (m && typeof m === 'object' && typeof m.type === 'string') this.handle(m);
    });
    window.addEventListener('error', (e) => {
      // Chrome reports a benign ResizeObserver notice as an error event; it is no failure of the view.
      if (/ResizeObserver loop/.test(e.message)) return;
      this.fail(`The flame graph view failed: ${e.message}`);
    });
    this.renderSelection();
    this.activate('flame');
  }

  /**
   * Handles the message inlined in the page (data or an error), already parsed as `first` when it could be, then tells
   * the extension the page is ready. Inlined text that did not parse is parsed again only to say why.
   */
  start(first: ToWebview | undefined): void {
    const text = first ? undefined : document.getElementById(INITIAL_DATA_ID)?.textContent;
    if (first || text) {
      try {
        this.handle(first ?? (JSON.parse(text!) as ToWebview));
      } catch (e) {
        this.fail(`The profile embedded in this page could not be read: ${(e as Error).message}`);
      }
    }
    post({ type: 'ready' });
  }

  private handle(m: ToWebview): void {
    switch (m.type) {
      case 'load':
        this.load(m.data);
        break;
      case 'error':
        this.showError(m.message);
        break;
      case 'reveal':
        this.reveal(m.name, m.file);
        break;
      case 'subtree':
        this.onSubtree(m.id, m.node);
        break;
      case 'chartRuns':
        this.chart.addRuns(m.request, m.runs);
        break;
      case 'sandwich':
        this.sandwich.answer(m.request, { callers: m.callers, callees: m.callees });
        break;
      case 'optimize':
        console.warn('Perf Lab: the flame graph page got Before/After data; it is shown in its own panel');
        break;
      case 'diff':
        console.warn('Perf Lab: the flame graph page got a comparison of profiles; it is shown in its own panel');
        break;
      case 'history':
        console.warn('Perf Lab: the flame graph page got a history; it is shown in its own panel');
        break;
      default: {
        const unknown: never = m;
        console.warn('Perf Lab: ignored a message it does not know', unknown);
      }
    }
  }

  private load(data: FlameGraphData): void {
    if (!data || !data.root || !Array.isArray(data.frames)) {
      this.fail('The profile data is incomplete (it has no call tree), so there is nothing to draw.');
      return;
    }
    this.data = data;
    this.error.hidden = true;
    this.placeholder.remove();
    document.title = data.title;
    vscode?.setState({ source: data.source, title: data.title });
    this.renderHeader(data);
    this.renderMessages(data);
    this.firstFrameOfKey = new Map();
    this.frameKeys = data.frames.map(functionKey);
    this.frameKeys.forEach((k, i) => {
      if (!this.firstFrameOfKey.has(k)) this.firstFrameOfKey.set(k, i);
    });
    this.rows = data.functions ?? rowsFromTree(data);
    this.table.setData(this.rows, data.total, data.unit);
    this.pendingSubtrees.clear();
    this.flame.setTree(data.root, data.frames, data.total, data.unit);
    this.chart.setRuns(data.chart, data.frames, data.total, data.unit);
    this.panels.chart.dataset.empty = String(!this.chart.hasRuns);
    this.sandwich.setData(data);
    this.selected = undefined;
    this.renderSelection();
    this.onSearch();
    document.body.dataset.state = 'ready';
    if (this.pendingReveal) {
      const r = this.pendingReveal;
      this.pendingReveal = undefined;
      this.reveal(r.name, r.file);
    }
  }

  /** Switches the view; the model (selection, search) stays. */
  private activate(view: ViewName): void {
    if (view !== this.view) {
      this.view = view;
      const i = VIEWS.indexOf(view);
      if (this.tabs.selectedIndex !== i) this.tabs.selectedIndex = i;
    }
    document.body.dataset.view = view;
    // The function table lives under the flame graph, and fills the Table view.
    const tableHome = view === 'table' ? this.panels.table : this.hotSlot;
    if (this.table.element.parentElement !== tableHome) tableHome.append(this.table.element);
    if (view === 'sandwich') this.sandwich.show(this.selectedFrameInfo() ?? this.heaviestFrame());
    // The flame graph's cursor follows a selection made in another view.
    const info = this.selectedFrameInfo();
    const cursor = this.flame.view.focused;
    if (view === 'flame' && info && this.data && (!cursor || this.frameKeys[cursor.frame] !== this.selected!.key)) {
      const node = findFunction(this.data, info.name, info.file || undefined);
      if (node) this.flame.setCursor(node);
    }
    if (view === 'table' && this.selected) this.table.setSelected(this.selected.key);
  }

  private renderHeader(data: FlameGraphData): void {
    this.title.textContent = data.title;
    const parts: (string | HTMLElement)[] = [];
    const item = (label: string, value: string, key?: string) => {
      const s = el('span', 'item');
      if (key) s.dataset.key = key;
      s.append(el('span', 'label', `${label}:`), ' ', el('span', 'value', value));
      parts.push(s);
    };
    item('Total', formatWeight(data.total, data.unit), 'total');
    // A traced profile (cProfile) has functions and call edges, no samples.
    if (data.traced) item('Functions', formatCount(data.functions?.length ?? data.frames.length), 'functions');
    else item('Samples', formatCount(data.sampleCount), 'samples');
    const run = data.run;
    if (run) {
      if (run.runtime) item('Runtime', run.runtime, 'runtime');
      item('Wall time', formatMs(run.durationMs), 'duration');
      if (run.stoppedBy) item('Stopped', run.stoppedBy === 'timeout' ? 'at the timeout' : 'cancelled', 'stopped');
      else if (run.signal) item('Signal', run.signal, 'signal');
      else if (run.exitCode !== null) item('Exit code', String(run.exitCode), 'exit-code');
    }
    this.summary.replaceChildren(...parts);
    this.summary.dataset.total = String(data.total);
    this.summary.dataset.unit = data.unit;
    this.summary.dataset.samples = String(data.sampleCount);
    if (run?.file) this.summary.title = [run.file, ...run.args].join(' ');
  }

  private renderMessages(data: FlameGraphData): void {
    const out: HTMLElement[] = [];
    for (const w of data.warnings) out.push(banner('warning', w));
    for (const n of data.notes) out.push(banner('note', n));
    this.messages.replaceChildren(...out);
    this.messages.hidden = out.length === 0;
  }

  private onZoom(path: readonly FlameNode[]): void {
    const data = this.data;
    if (!data) return;
    const items = path.map((node, i) => {
      const li = el('li');
      const label = node.frame >= 0 ? data.frames[node.frame]?.name || '(anonymous)' : 'All';
      if (i === path.length - 1) {
        li.setAttribute('aria-current', 'location');
        li.append(el('span', 'current', label));
      } else {
        const b = el('button', 'crumb', label);
        b.type = 'button';
        b.dataset.depth = String(i);
        b.title = `Zoom to ${label} (${formatShare(node.total, data.total)})`;
        b.addEventListener('click', () => this.flame.zoomToDepth(i));
        li.append(b);
      }
      return li;
    });
    const ol = el('ol');
    ol.append(...items);
    const hint = el(
      'span',
      'hint',
      path.length > 1 ? 'Esc zooms out' : 'Click a frame to zoom · arrows move · Enter zooms · Ctrl+wheel zooms, Shift+wheel pans',
    );
    this.breadcrumb.replaceChildren(ol, hint);
    this.foldBreadcrumb(ol, items);
    ol.scrollLeft = ol.scrollWidth;
    this.breadcrumb.dataset.depth = String(path.length - 1);
    this.describeCanvas(path);
  }

  /**
   * A path wider than the bar keeps its first and last crumbs whole and folds those between into one '…' (their names
   * in its tooltip; a click zooms to the deepest of them), instead of cutting the first ones at the bar's left edge.
   */
  private foldBreadcrumb(ol: HTMLOListElement, items: HTMLLIElement[]): void {
    if (ol.clientWidth === 0 || ol.scrollWidth <= ol.clientWidth || items.length < 3) return;
    const folded = el('li', 'folded');
    const button = el('button', 'crumb', '…');
    button.type = 'button';
    folded.append(button);
    items[0]!.after(folded);
    const hidden: HTMLLIElement[] = [];
    for (let i = 1; i < items.length - 1 && ol.scrollWidth > ol.clientWidth; i++) {
      items[i]!.hidden = true;
      hidden.push(items[i]!);
    }
    const depth = hidden.length;
    button.title = `Zoom to ${hidden[depth - 1]!.textContent ?? ''} (${hidden.map((li) => li.textContent ?? '').join(' › ')})`;
    button.setAttribute('aria-label', `${depth} more: ${hidden.map((li) => li.textContent ?? '').join(', ')}`);
    button.addEventListener('click', () => this.flame.zoomToDepth(depth));
  }

  /** A text summary of the graph for screen readers, since the canvas itself says nothing. */
  private describeCanvas(path: readonly FlameNode[]): void {
    const data = this.data;
    if (!data) return;
    const focus = path[path.length - 1]!;
    const top = [...this.rows]
      .sort((a, b) => b.self - a.self)
      .slice(0, 5)
      .map((h) => `${h.name || '(anonymous)'} ${formatShare(h.self, data.total)}`);
    let label = `Flame graph of ${data.title}, ${formatWeight(data.total, data.unit)} in total. Arrow keys move between frames, Enter zooms.`;
    if (focus.frame >= 0) label += ` Zoomed into ${data.frames[focus.frame]?.name} (${formatShare(focus.total, data.total)}).`;
    if (top.length) label += ` Hottest functions by self time: ${top.join(', ')}. The Table view lists them all.`;
    this.flame.canvas.setAttribute('aria-label', label);
  }

  private onSearch(): void {
    const data = this.data;
    if (!data) return;
    const match = matchingFrames(data.frames, this.search.value ?? '');
    if (!match) {
      this.flame.setMatches(undefined);
      this.chart.setMatches(undefined);
      this.sandwich.setMatches(undefined);
      this.table.setMatches(undefined);
      this.searchSummary.replaceChildren();
      delete this.searchSummary.dataset.total;
      delete this.searchSummary.dataset.share;
      delete this.searchSummary.dataset.count;
      return;
    }
    const r = searchTree(data.root, match);
    this.flame.setMatches(r.nodes);
    this.chart.setMatches(match);
    this.sandwich.setMatches(match);
    const keys = new Set<string>();
    match.forEach((m, i) => m && keys.add(this.frameKeys[i]!));
    this.table.setMatches(keys);
    this.searchSummary.dataset.total = String(r.total);
    this.searchSummary.dataset.share = String(shareNumber(r.total, data.total));
    this.searchSummary.dataset.count = String(r.frameCount);
    if (r.nodes.size === 0) {
      this.searchSummary.textContent = 'No matches';
      return;
    }
    const frames = `${r.frameCount} ${r.frameCount === 1 ? 'frame' : 'frames'}`;
    // In a pruned tree the boxes not yet loaded are not counted: the sum is a lower bound.
    const atLeast = data.pruned ? '≥ ' : '';
    this.searchSummary.replaceChildren(
      el('span', 'value', `${atLeast}${formatWeight(r.total, data.unit)}`),
      ' ',
      el('span', 'share', `(${atLeast}${formatShare(r.total, data.total)})`),
      ` in ${frames}`,
    );
  }

  private onKey(e: KeyboardEvent): void {
    const path = e.composedPath();
    const inSearch = path.includes(this.search);
    const inField = path.some((t) => t instanceof HTMLElement && (t.tagName === 'INPUT' || t.tagName === 'VSCODE-TEXTFIELD'));
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'f') {
      e.preventDefault();
      this.search.focus();
      return;
    }
    // 1–4 switch views when no text box has the focus.
    if (!inField && !e.ctrlKey && !e.metaKey && !e.altKey && /^[1-4]$/.test(e.key) && this.data) {
      e.preventDefault();
      this.activate(VIEWS[Number(e.key) - 1]!);
      return;
    }
    if (e.key !== 'Escape') return;
    // Esc in the table's filter is the text box's own.
    if (inField && !inSearch) return;
    if (!this.menu.hidden) {
      this.menu.hidden = true;
    } else if (inSearch && this.search.value) {
      this.search.value = '';
      this.onSearch();
    } else if (!this.zoomOut(path)) {
      this.select(undefined, 'key');
      return;
    }
    e.preventDefault();
  }

  /** Esc in the active view: zooms out one step; false when there is nothing to zoom out of. */
  private zoomOut(path: EventTarget[]): boolean {
    switch (this.view) {
      case 'flame':
        return this.flame.zoomOut();
      case 'chart':
        return this.chart.zoomOut();
      case 'sandwich':
        return path.includes(this.sandwich.callers.canvas)
          ? this.sandwich.callers.zoomOut()
          : this.sandwich.callees.zoomOut() || this.sandwich.callers.zoomOut();
      case 'table':
        return false;
    }
  }

  private selectedFrameInfo(): FrameInfo | undefined {
    return this.selected ? this.data?.frames[this.selected.frame] : undefined;
  }

  private heaviestFrame(): FrameInfo | undefined {
    const top = [...this.rows].filter((r) => r.kind !== 'runtime').sort((a, b) => b.self - a.self)[0] ?? this.rows[0];
    const i = top ? this.firstFrameOfKey.get(functionKey(top)) : undefined;
    return i === undefined ? undefined : this.data?.frames[i];
  }

  /** A box's function became the selection (click or arrow keys in a canvas). */
  private selectFrame(frame: number, origin: 'canvas'): void {
    if (frame < 0) return;
    this.select(frame, origin);
  }

  /**
   * Makes a function (by one of its frames) the selection of every view: its boxes outlined in the graphs and the
   * chart, its row marked in the table, the middle of the sandwich. `origin` says which view it came from, which
   * keeps its own cursor where the user put it.
   */
  private select(frame: number | undefined, origin: 'canvas' | 'table' | 'reveal' | 'key'): void {
    const data = this.data;
    if (!data) return;
    const info = frame === undefined ? undefined : data.frames[frame];
    if (!info) {
      this.selected = undefined;
      this.flame.setSelectedFrames(undefined);
      this.chart.setSelectedFrames(undefined);
      this.table.setSelected(undefined);
      this.renderSelection();
      return;
    }
    const key = functionKey(info);
    this.selected = { key, frame: frame! };
    const flags = new Uint8Array(data.frames.length);
    this.frameKeys.forEach((k, i) => (flags[i] = k === key ? 1 : 0));
    this.flame.setSelectedFrames(flags);
    this.chart.setSelectedFrames(flags);
    this.table.setSelected(key, origin !== 'table');
    if (origin !== 'canvas') {
      const heaviest = findFunction(data, info.name, info.file || undefined);
      if (heaviest) this.flame.setCursor(heaviest);
    }
    if (this.view === 'sandwich' && origin !== 'canvas') this.sandwich.show(info);
    this.renderSelection();
  }

  /** The bar above the views: the selected function, its weights and what can be done with it. */
  private renderSelection(): void {
    const data = this.data;
    const info = this.selectedFrameInfo();
    const bar = this.selection;
    if (!data || !info || !this.selected) {
      bar.replaceChildren(el('span', 'hint', 'No function selected: click a frame, use the arrow keys, or pick a row of the table.'));
      delete bar.dataset.function;
      bar.dataset.empty = 'true';
      return;
    }
    bar.dataset.empty = 'false';
    bar.dataset.function = info.name;
    bar.dataset.file = info.file;
    bar.dataset.line = String(info.line);
    const row = this.rows.find((r) => functionKey(r) === this.selected!.key);
    const parts: (HTMLElement | string)[] = [el('span', 'label', 'Selected'), el('strong', 'fn-name', info.name || '(anonymous)')];
    const where = location(info.file, info.line);
    // The file's name and line (the whole path in its title), as the table shows it.
    if (where) {
      const loc = el('span', 'loc', location(info.file, info.line, true));
      loc.title = where;
      parts.push(loc);
    }
    if (row)
      parts.push(
        el(
          'span',
          'value',
          `self ${formatWeight(row.self, data.unit)} (${formatShare(row.self, data.total)}) · total ${formatWeight(row.total, data.unit)} (${formatShare(row.total, data.total)})`,
        ),
      );
    const actions = el('span', 'selection-actions');
    const button = (id: string, label: string, title: string, run: () => void) => {
      const b = el('button', 'tool-button secondary', label);
      b.type = 'button';
      b.id = id;
      b.title = title;
      b.addEventListener('click', run);
      actions.append(b);
    };
    if (info.file && vscode) button('open-selected', 'Open Source', `Open ${where} (Ctrl/⌘+Enter on a frame)`, () => this.openSource(info));
    if (this.view !== 'sandwich')
      button('sandwich-selected', 'Callers & Callees', 'Show the selected function in the Sandwich view (3)', () => this.activate('sandwich'));
    if (vscode && canOptimize(info))
      button('optimize-selected', '⚡ Optimize', `Compile ${info.name} to WebAssembly, prove it equal and benchmark it`, () => this.optimize(info));
    if (actions.childElementCount > 0) parts.push(actions);
    bar.replaceChildren(...parts);
  }

  /** A row of the table was chosen: the function is selected, and the flame graph zooms to its heaviest call's caller. */
  private selectRow(fn: FunctionRow): void {
    const frame = this.firstFrameOfKey.get(functionKey(fn));
    if (frame === undefined) return;
    this.select(frame, 'table');
    this.zoomFlameTo(fn);
  }

  private zoomFlameTo(fn: Pick<FrameInfo, 'name' | 'file'>, node?: FlameNode): void {
    const data = this.data;
    if (!data) return;
    const target = node ?? findFunction(data, fn.name, fn.file || undefined);
    if (!target) return;
    // Zoom to the caller, so the function is seen beside its siblings.
    this.flame.zoomToCallerOf(target);
    this.flame.setCursor(target);
  }

  private reveal(name: string, file?: string): void {
    const data = this.data;
    if (!data) {
      this.pendingReveal = file === undefined ? { name } : { name, file };
      return;
    }
    const node = findFunction(data, name, file);
    if (!node) {
      this.flash(`${name} does not appear in this profile.`);
      return;
    }
    const f = data.frames[node.frame]!;
    this.select(node.frame, 'reveal');
    this.zoomFlameTo(f, node);
    this.flash(`${f.name}: ${formatWeight(node.total, data.unit)} total (${formatShare(node.total, data.total)}) on its heaviest path.`);
  }

  private askSubtree(node: FlameNode, minTotal: number, view: FlameView): void {
    if (node.id === undefined) return;
    this.pendingSubtrees.set(node.id, { node, view });
    post({ type: 'subtree', id: node.id, minTotal });
  }

  /** The half of the sandwich whose tree holds `node`. */
  private sandwichViewOf(node: FlameNode): FlameView {
    return this.sandwich.callers.parentOf(node) !== undefined || this.sandwich.callers.tree === node ? this.sandwich.callers : this.sandwich.callees;
  }

  /** A pruned node's children arrived: they are grafted in place, and the views that read the tree see them. */
  private onSubtree(id: number, subtree: FlameNode): void {
    const pending = this.pendingSubtrees.get(id);
    if (!pending) return;
    this.pendingSubtrees.delete(id);
    graftSubtree(pending.node, subtree);
    pending.view.grafted(pending.node);
    if (this.search.value) this.onSearch();
  }

  /** The menu of a right-clicked frame: optimize it (JavaScript functions in files on disk) or open its source. */
  private showFrameMenu(frame: Pick<FrameInfo, 'name' | 'file' | 'line' | 'column' | 'kind'>, x: number, y: number): void {
    const items: HTMLButtonElement[] = [];
    const item = (id: string, label: string, run: () => void) => {
      const b = el('button', 'menu-item', label);
      b.type = 'button';
      b.id = id;
      b.setAttribute('role', 'menuitem');
      b.addEventListener('click', () => {
        this.menu.hidden = true;
        run();
      });
      items.push(b);
    };
    if (vscode && canOptimize(frame)) item('menu-optimize', `⚡ Optimize ${frame.name}`, () => this.optimize(frame));
    if (frame.file) item('menu-open', 'Open Source', () => this.openSource(frame));
    const i = this.firstFrameOfKey.get(functionKey(frame));
    if (i !== undefined) {
      item('menu-sandwich', 'Show Callers & Callees', () => {
        this.select(i, 'key');
        this.activate('sandwich');
      });
    }
    if (items.length === 0) return;
    this.menu.replaceChildren(...items);
    this.menu.style.left = `${Math.min(x, window.innerWidth - 220)}px`;
    this.menu.style.top = `${Math.min(y, window.innerHeight - 110)}px`;
    this.menu.hidden = false;
    items[0]!.focus();
  }

  private optimize(fn: Pick<FrameInfo, 'name' | 'file' | 'line'>): void {
    post({ type: 'optimize', name: fn.name, file: fn.file, line: fn.line });
    this.flash(`Optimizing ${fn.name}…`);
  }

  private openSource(frame: Pick<FrameInfo, 'file' | 'line' | 'column'>): void {
    if (!frame.file) return;
    if (vscode) post({ type: 'openSource', file: frame.file, line: frame.line, column: frame.column });
    else this.flash(location(frame.file, frame.line));
  }

  private showError(message: string): void {
    this.error.replaceChildren(el('strong', undefined, 'Perf Lab could not show this profile. '), message);
    this.error.hidden = false;
    this.placeholder.remove();
    if (!this.data) document.body.dataset.state = 'error';
  }

  private fail(message: string): void {
    this.showError(message);
    post({ type: 'error', message });
  }

  private flashTimer: ReturnType<typeof setTimeout> | undefined;

  /** A short message at the bottom of the page, also read by screen readers. */
  private flash(text: string): void {
    this.status.textContent = text;
    this.status.classList.add('visible');
    clearTimeout(this.flashTimer);
    this.flashTimer = setTimeout(() => this.status.classList.remove('visible'), 4000);
  }
}

/** Function rows from the tree, for data that came without them (older saved pages). */
function rowsFromTree(data: FlameGraphData): FunctionRow[] {
  return hotFunctions(data, Infinity).map((h) => ({
    name: h.name,
    file: h.file,
    line: h.line,
    column: h.column,
    kind: h.kind,
    self: h.self,
    total: h.total,
    samples: data.unit === 'samples' ? h.total : 0,
  }));
}

/** A handle that resizes the section below it by dragging or with the arrow keys. */
function makeSplitter(below: HTMLElement): HTMLElement {
  const handle = el('div', 'splitter');
  handle.setAttribute('role', 'separator');
  handle.setAttribute('aria-orientation', 'horizontal');
  handle.setAttribute('aria-label', 'Resize the table of functions');
  handle.tabIndex = 0;
  const setHeight = (px: number) => {
    const max = Math.max(80, window.innerHeight - 200);
    below.style.flex = `0 0 ${Math.round(Math.min(max, Math.max(60, px)))}px`;
  };
  handle.addEventListener('pointerdown', (e) => {
    const startY = e.clientY;
    const startH = below.getBoundingClientRect().height;
    handle.setPointerCapture(e.pointerId);
    const move = (m: PointerEvent) => setHeight(startH - (m.clientY - startY));
    const up = () => {
      handle.removeEventListener('pointermove', move);
      handle.removeEventListener('pointerup', up);
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', up);
  });
  handle.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowUp' && e.key !== 'ArrowDown') return;
    e.preventDefault();
    setHeight(below.getBoundingClientRect().height + (e.key === 'ArrowUp' ? 24 : -24));
  });
  return handle;
}

/** Whether a frame is a named JavaScript function in a file on this machine, which Optimize can look up. */
function canOptimize(f: Pick<FrameInfo, 'name' | 'file'> & { kind?: FrameInfo['kind'] }): boolean {
  return (f.kind === undefined || f.kind === 'js') && OPTIMIZABLE_JS_NAME.test(f.name) && (f.file.startsWith('/') || /^[A-Za-z]:[\\/]/.test(f.file));
}

function banner(kind: 'note' | 'warning', text: string): HTMLElement {
  const d = el('div', `banner ${kind}`);
  d.setAttribute('role', kind === 'warning' ? 'alert' : 'note');
  d.append(el('span', 'banner-label', kind === 'warning' ? 'Warning' : 'Note'));
  const lines = text.split('\n');
  if (lines.length > 4) {
    // Long stderr tails fold away so the graph stays in view.
    const details = el('details');
    details.append(el('summary', undefined, lines[0]!), el('pre', undefined, lines.slice(1).join('\n')));
    d.append(details);
  } else {
    d.append(el(lines.length > 1 ? 'pre' : 'span', 'banner-text', text));
  }
  return d;
}

/** The message inlined in the page, which also says which page this is (flame graph, Before/After, comparison). */
function initialMessage(): ToWebview | undefined {
  const text = document.getElementById(INITIAL_DATA_ID)?.textContent;
  if (!text) return undefined;
  try {
    return JSON.parse(text) as ToWebview;
  } catch {
    return undefined;
  }
}

const first = initialMessage();
if (first?.type === 'optimize') startBeforeAfter(first.data, { post, nonce, css });
else if (first?.type === 'diff') startDiff(first.data, { post, nonce, css, canOpen: vscode !== undefined });
else if (first?.type === 'history')
  startHistory(first.data, {
    post,
    nonce,
    css,
    selected: vscode?.getState()?.selected,
    onSelect: (selected) => vscode?.setState({ ...vscode.getState(), selected }),
  });
else new App().start(first);

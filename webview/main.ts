// The flame graph page: receives profiles from the extension (or inlined in the page), owns the view state.
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { INITIAL_DATA_ID, type FlameGraphData, type FlameNode, type FrameInfo, type FromWebview, type ToWebview, type WebviewState } from '../extension/protocol';
import { el } from './dom';
import { FlameView } from './flame/flame-view';
import { findFunction, functionKey, hotFunctions, matchingFrames, searchTree, type HotFunction } from './flame/stats';
import { formatCount, formatMs, formatShare, formatWeight, location, shareNumber } from './format';
import { renderHotTable } from './hot-table';
import { startDiff } from './diff/diff-page';
import { startBeforeAfter } from './optimize/before-after';
import css from './style.css';
import { readTheme, watchTheme } from './theme';

interface VsCodeApi {
  postMessage(message: FromWebview): void;
  setState(state: WebviewState): void;
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

class App {
  private data: FlameGraphData | undefined;
  private hot: HotFunction[] = [];
  private pendingReveal: { name: string; file?: string } | undefined;
  private readonly title = el('h1', 'title', 'Perf Lab');
  private readonly summary = el('p', 'summary');
  private readonly messages = el('div', 'messages');
  private readonly error = el('div', 'error-box');
  private readonly search = document.createElement('vscode-textfield') as TextField;
  private readonly searchSummary = el('span', 'search-summary');
  private readonly breadcrumb = el('nav', 'breadcrumb');
  private readonly graph = el('div', 'graph');
  private readonly placeholder = el('div', 'placeholder', 'Loading profile…');
  private readonly table = el('table', 'hot-table');
  private readonly status = el('div', 'status');
  private readonly menu = el('div', 'frame-menu');
  private readonly optimizeSelected = el('button', 'tool-button', '⚡ Optimize');
  private selectedFn: Pick<FrameInfo, 'name' | 'file' | 'line'> | undefined;
  private readonly flame: FlameView;

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
    this.breadcrumb.id = 'breadcrumb';
    this.breadcrumb.setAttribute('aria-label', 'Zoom path');
    this.graph.id = 'graph';
    this.table.id = 'hot-functions';
    this.status.id = 'status';
    this.status.setAttribute('role', 'status');

    const header = el('header', 'header');
    header.append(this.title, this.summary);
    const toolbar = el('div', 'toolbar');
    this.optimizeSelected.id = 'optimize-selected';
    this.optimizeSelected.type = 'button';
    this.optimizeSelected.hidden = true;
    this.optimizeSelected.addEventListener('click', () => {
      if (this.selectedFn) this.optimize(this.selectedFn);
    });
    toolbar.append(this.search, this.searchSummary, this.optimizeSelected);
    this.menu.id = 'frame-menu';
    this.menu.setAttribute('role', 'menu');
    this.menu.hidden = true;
    document.body.append(this.menu);
    document.addEventListener('click', (e) => {
      if (!this.menu.contains(e.target as Node)) this.menu.hidden = true;
    });
    this.menu.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.menu.hidden = true;
    });
    // The table's rows offer the same menu as the graph's frames.
    this.table.addEventListener('contextmenu', (e) => {
      const row = (e.target as Element | null)?.closest?.('tr[data-function]') as HTMLTableRowElement | null;
      const fn = row ? this.hot.find((h) => h.name === row.dataset.function && h.file === row.dataset.file && String(h.line) === row.dataset.line) : undefined;
      if (!fn) return;
      e.preventDefault();
      this.showFrameMenu({ name: fn.name, file: fn.file, line: fn.line, column: fn.column, kind: fn.kind }, e.clientX, e.clientY);
    });
    const hotSection = el('section', 'hot');
    hotSection.setAttribute('aria-label', 'Hottest functions');
    hotSection.append(this.table);
    this.graph.append(this.placeholder);
    const root = document.getElementById('app') ?? document.body.appendChild(el('div'));
    root.id = 'app';
    const splitter = makeSplitter(hotSection);
    root.replaceChildren(header, this.messages, this.error, toolbar, this.breadcrumb, this.graph, splitter, hotSection, this.status);

    this.flame = new FlameView(this.graph, {
      zoom: (path) => this.onZoom(path),
      openSource: (frame) => this.openSource(frame),
      contextMenu: (frame, x, y) => this.showFrameMenu(frame, x, y),
    });
    const applyTheme = () => this.flame.setTheme(readTheme());
    applyTheme();
    watchTheme(applyTheme);

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
  }

  /** Handles the message inlined in the page (data or an error) if it has one, then tells the extension the page is ready. */
  start(): void {
    const inline = document.getElementById(INITIAL_DATA_ID);
    if (inline?.textContent) {
      try {
        this.handle(JSON.parse(inline.textContent) as ToWebview);
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
      case 'optimize':
        console.warn('Perf Lab: the flame graph page got Before/After data; it is shown in its own panel');
        break;
      case 'diff':
        console.warn('Perf Lab: the flame graph page got a comparison of profiles; it is shown in its own panel');
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
    this.hot = hotFunctions(data, 50);
    renderHotTable(this.table, data, this.hot, vscode !== undefined, {
      select: (fn) => this.selectFunction(fn),
      open: (fn) => this.openSource(fn),
    });
    this.flame.setData(data);
    this.onSearch();
    document.body.dataset.state = 'ready';
    if (this.pendingReveal) {
      const r = this.pendingReveal;
      this.pendingReveal = undefined;
      this.reveal(r.name, r.file);
    }
  }

  private renderHeader(data: FlameGraphData): void {
    this.title.textContent = data.title;
    const parts: (string | HTMLElement)[] = [];
    const item = (label: string, value: string, key?: string) => {
      const s = el('span', 'item');
      if (key) s.dataset.key = key;
      s.append(el('span', 'label', label), ' ', el('span', 'value', value));
      parts.push(s);
    };
    item('Total', formatWeight(data.total, data.unit), 'total');
    item('Samples', formatCount(data.sampleCount), 'samples');
    const run = data.run;
    if (run) {
      if (run.runtime) item('Runtime', run.runtime, 'runtime');
      item('Wall time', formatMs(run.durationMs), 'duration');
      if (run.stoppedBy) item('Stopped', run.stoppedBy === 'timeout' ? 'by timeout' : 'cancelled', 'stopped');
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
        const cur = el('span', 'current', label);
        li.setAttribute('aria-current', 'location');
        li.append(cur);
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
    const hint = el('span', 'hint', path.length > 1 ? 'Esc zooms out' : 'Click a frame to zoom');
    this.breadcrumb.replaceChildren(ol, hint);
    ol.scrollLeft = ol.scrollWidth;
    this.breadcrumb.dataset.depth = String(path.length - 1);
    this.describeCanvas(path);
  }

  /** A text summary of the graph for screen readers, since the canvas itself says nothing. */
  private describeCanvas(path: readonly FlameNode[]): void {
    const data = this.data;
    if (!data) return;
    const focus = path[path.length - 1]!;
    const top = this.hot.slice(0, 5).map((h) => `${h.name || '(anonymous)'} ${formatShare(h.self, data.total)}`);
    let label = `Flame graph of ${data.title}, ${formatWeight(data.total, data.unit)} in total.`;
    if (focus.frame >= 0) label += ` Zoomed into ${data.frames[focus.frame]?.name} (${formatShare(focus.total, data.total)}).`;
    if (top.length) label += ` Hottest functions by self time: ${top.join(', ')}. The table of hottest functions lists them all.`;
    this.flame.canvas.setAttribute('aria-label', label);
  }

  private onSearch(): void {
    const data = this.data;
    if (!data) return;
    const match = matchingFrames(data.frames, this.search.value ?? '');
    if (!match) {
      this.flame.setMatches(undefined);
      this.searchSummary.replaceChildren();
      delete this.searchSummary.dataset.total;
      delete this.searchSummary.dataset.share;
      delete this.searchSummary.dataset.count;
      return;
    }
    const r = searchTree(data.root, match);
    this.flame.setMatches(r.nodes);
    this.searchSummary.dataset.total = String(r.total);
    this.searchSummary.dataset.share = String(shareNumber(r.total, data.total));
    this.searchSummary.dataset.count = String(r.frameCount);
    if (r.nodes.size === 0) {
      this.searchSummary.textContent = 'No matches';
      return;
    }
    const frames = `${r.frameCount} ${r.frameCount === 1 ? 'frame' : 'frames'}`;
    this.searchSummary.replaceChildren(
      el('span', 'value', formatWeight(r.total, data.unit)),
      ' ',
      el('span', 'share', `(${formatShare(r.total, data.total)})`),
      ` in ${frames}`,
    );
  }

  private onKey(e: KeyboardEvent): void {
    const inSearch = e.composedPath().includes(this.search);
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'f') {
      e.preventDefault();
      this.search.focus();
      return;
    }
    if (e.key !== 'Escape') return;
    if (inSearch && this.search.value) {
      this.search.value = '';
      this.onSearch();
    } else if (!this.flame.zoomOut()) {
      this.flame.setSelected(undefined);
      return;
    }
    e.preventDefault();
  }

  /** Zooms to the heaviest call of a function and outlines all its calls. */
  private selectFunction(fn: Pick<HotFunction, 'name' | 'file' | 'line'>, node?: FlameNode): void {
    const data = this.data;
    if (!data) return;
    const target = node ?? findFunction(data, fn.name, fn.file || undefined);
    if (!target) return;
    const key = functionKey({ name: fn.name, file: fn.file, line: fn.line, column: 0, kind: 'js' });
    const nodes = new Set<FlameNode>();
    const stack = [data.root];
    while (stack.length > 0) {
      const n = stack.pop()!;
      const f = n.frame >= 0 ? data.frames[n.frame] : undefined;
      if (f && functionKey(f) === key) nodes.add(n);
      stack.push(...n.children);
    }
    this.selectedFn = canOptimize(fn) ? { name: fn.name, file: fn.file, line: fn.line } : undefined;
    this.optimizeSelected.hidden = !this.selectedFn || !vscode;
    if (this.selectedFn) this.optimizeSelected.title = `Compile ${fn.name} to WebAssembly, prove it equal and benchmark it`;
    // Zoom to the caller, so the function is seen beside its siblings.
    this.flame.zoomToCallerOf(target);
    this.flame.setSelected(nodes);
    this.flame.scrollToNode(target);
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
    this.selectFunction(f, node);
    this.flash(`${f.name}: ${formatWeight(node.total, data.unit)} total (${formatShare(node.total, data.total)}) on its heaviest path.`);
  }

  /** The menu of a right-clicked frame: optimize it (JavaScript functions in files on disk) or open its source. */
  private showFrameMenu(frame: FrameInfo, x: number, y: number): void {
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
    if (items.length === 0) return;
    this.menu.replaceChildren(...items);
    this.menu.style.left = `${Math.min(x, window.innerWidth - 220)}px`;
    this.menu.style.top = `${Math.min(y, window.innerHeight - 80)}px`;
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

/** A handle that resizes the section below it by dragging or with the arrow keys. */
function makeSplitter(below: HTMLElement): HTMLElement {
  const handle = el('div', 'splitter');
  handle.setAttribute('role', 'separator');
  handle.setAttribute('aria-orientation', 'horizontal');
  handle.setAttribute('aria-label', 'Resize the table of hottest functions');
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
  return (f.kind === undefined || f.kind === 'js') && /^[\w$]+$/.test(f.name) && (f.file.startsWith('/') || /^[A-Za-z]:[\\/]/.test(f.file));
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

/** The message inlined in the page, which also says which page this is (flame graph or Before/After). */
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
else new App().start();

// The interactive flame graph: owns the canvas, its scroll container and tooltip; lays out on change, draws once per frame.
import type { FlameGraphData, FlameNode, FrameInfo } from '../../extension/protocol';
import { formatShare, formatWeight, location } from '../format';
import { el } from '../dom';
import type { Theme } from '../theme';
import { hitTest, layoutFlame, parentMap, pathTo, type FlameLayout } from './layout';
import { FlameRenderer } from './render';

/** What the view tells its owner about. */
export interface FlameViewEvents {
  /** The zoom path changed (root first). */
  zoom(path: readonly FlameNode[]): void;
  /** A frame was ctrl- or cmd-clicked. */
  openSource(frame: FrameInfo): void;
  /** A frame was right-clicked (or the context-menu key pressed on it), at a point of the page. */
  contextMenu?(frame: FrameInfo, clientX: number, clientY: number): void;
}

/** Height of one row of boxes, in CSS pixels. */
export const ROW_HEIGHT = 18;
const MIN_BOX_WIDTH = 1;
const IS_MAC = /Mac|iPhone|iPad/.test(navigator.platform);

/** A canvas flame graph in `host`, zoomable by click, with a tooltip on hover. */
export class FlameView {
  readonly canvas: HTMLCanvasElement;
  private readonly scroller: HTMLDivElement;
  private readonly sizer: HTMLDivElement;
  private readonly tooltip: HTMLDivElement;
  private readonly renderer: FlameRenderer;
  private data: FlameGraphData | undefined;
  private parents = new Map<FlameNode, FlameNode>();
  private path: FlameNode[] = [];
  private layout: FlameLayout | undefined;
  private layoutWidth = -1;
  private hovered: FlameNode | undefined;
  private matches: ReadonlySet<FlameNode> | undefined;
  private selected: ReadonlySet<FlameNode> | undefined;
  private frameRequested = false;
  private width = 0;
  private height = 0;

  constructor(host: HTMLElement, private readonly events: FlameViewEvents) {
    this.scroller = el('div', 'flame-scroller');
    this.sizer = el('div', 'flame-sizer');
    this.canvas = el('canvas', 'flame-canvas');
    this.canvas.id = 'flame';
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', 'Flame graph');
    this.tooltip = el('div', 'tooltip');
    this.tooltip.id = 'tooltip';
    this.tooltip.setAttribute('role', 'tooltip');
    this.tooltip.hidden = true;
    this.sizer.append(this.canvas);
    this.scroller.append(this.sizer);
    host.append(this.scroller);
    document.body.append(this.tooltip);
    this.renderer = new FlameRenderer(this.canvas);

    new ResizeObserver(() => this.measure()).observe(this.scroller);
    this.scroller.addEventListener('scroll', () => this.invalidate(), { passive: true });
    this.canvas.addEventListener('mousemove', (e) => this.onMove(e));
    this.canvas.addEventListener('mouseleave', () => this.setHovered(undefined));
    this.canvas.addEventListener('click', (e) => this.onClick(e));
    this.canvas.addEventListener('contextmenu', (e) => this.onContextMenu(e));
    // A change of zoom level or monitor changes the pixel ratio without resizing the element.
    const watchDpr = () => matchMedia(`(resolution: ${window.devicePixelRatio}dppx)`).addEventListener('change', () => {
      this.invalidate();
      watchDpr();
    }, { once: true });
    watchDpr();
  }

  /** Shows a new profile, zoomed out. */
  setData(data: FlameGraphData): void {
    this.data = data;
    this.parents = parentMap(data.root);
    this.renderer.resetFrames();
    this.hovered = undefined;
    this.matches = undefined;
    this.selected = undefined;
    this.setPath([data.root]);
  }

  setTheme(theme: Theme): void {
    this.renderer.setTheme(theme);
    this.invalidate();
  }

  /** The current zoom path, root first. */
  get zoomPath(): readonly FlameNode[] {
    return this.path;
  }

  /** Zooms so that `node` fills the width. */
  zoomTo(node: FlameNode): void {
    this.setPath(pathTo(node, this.parents));
  }

  /** Zooms so that the caller of `node` fills the width (the root for a top-level node). */
  zoomToCallerOf(node: FlameNode): void {
    const path = pathTo(node, this.parents);
    this.setPath(path.length > 1 ? path.slice(0, -1) : path);
  }

  /** Zooms to a prefix of the current path (0 is the whole profile). */
  zoomToDepth(depth: number): void {
    this.setPath(this.path.slice(0, Math.max(1, depth + 1)));
  }

  /** Zooms out one level; false when already at the root. */
  zoomOut(): boolean {
    if (this.path.length <= 1) return false;
    this.setPath(this.path.slice(0, -1));
    return true;
  }

  /** Highlights search matches; undefined clears the search. */
  setMatches(matches: ReadonlySet<FlameNode> | undefined): void {
    this.matches = matches;
    this.invalidate();
  }

  /** Outlines these nodes (a chosen function's call sites); undefined clears. */
  setSelected(nodes: ReadonlySet<FlameNode> | undefined): void {
    this.selected = nodes;
    this.invalidate();
  }

  /** Scrolls so that the row of `node` is visible. */
  scrollToNode(node: FlameNode): void {
    const depth = pathTo(node, this.parents).length - 1;
    const top = depth * ROW_HEIGHT;
    if (top < this.scroller.scrollTop || top + ROW_HEIGHT > this.scroller.scrollTop + this.height) {
      this.scroller.scrollTop = Math.max(0, top - this.height / 3);
    }
  }

  /** Requests a redraw on the next animation frame; many calls in one frame draw once. */
  invalidate(): void {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      this.draw();
    });
  }

  private setPath(path: FlameNode[]): void {
    this.path = path;
    this.layout = undefined;
    this.hideTooltip();
    const focus = path[path.length - 1];
    this.canvas.dataset.zoom = focus && focus.frame >= 0 ? this.data?.frames[focus.frame]?.name ?? '' : '';
    this.canvas.dataset.zoomDepth = String(path.length - 1);
    this.events.zoom(path);
    this.invalidate();
  }

  private measure(): void {
    this.width = this.scroller.clientWidth;
    this.height = this.scroller.clientHeight;
    this.canvas.style.width = `${this.width}px`;
    this.canvas.style.height = `${this.height}px`;
    this.invalidate();
  }

  private currentLayout(): FlameLayout | undefined {
    if (!this.data || this.width <= 0) return undefined;
    if (!this.layout || this.layoutWidth !== this.width) {
      this.layout = layoutFlame(this.path, { width: this.width, minWidth: MIN_BOX_WIDTH });
      this.layoutWidth = this.width;
      const content = this.layout.depth * ROW_HEIGHT + ROW_HEIGHT;
      this.sizer.style.height = `${Math.max(content, this.height)}px`;
      this.canvas.dataset.boxes = String(this.layout.boxes.length);
    }
    return this.layout;
  }

  private draw(): void {
    const layout = this.currentLayout();
    if (!layout || !this.data) return;
    const state: Parameters<FlameRenderer['draw']>[0] = {
      layout,
      frames: this.data.frames,
      width: this.width,
      height: this.height,
      scrollTop: this.scroller.scrollTop,
      rowHeight: ROW_HEIGHT,
      rootLabel: `all (${formatWeight(this.data.total, this.data.unit)})`,
    };
    if (this.hovered) state.hovered = this.hovered;
    if (this.selected) state.selected = this.selected;
    if (this.matches) state.matches = this.matches;
    this.renderer.draw(state);
  }

  private nodeAt(e: MouseEvent): FlameNode | undefined {
    const layout = this.currentLayout();
    if (!layout) return undefined;
    const r = this.canvas.getBoundingClientRect();
    return hitTest(layout, e.clientX - r.left, e.clientY - r.top + this.scroller.scrollTop, ROW_HEIGHT)?.node;
  }

  private onMove(e: MouseEvent): void {
    const node = this.nodeAt(e);
    this.setHovered(node);
    if (node) this.showTooltip(node, e.clientX, e.clientY);
  }

  private setHovered(node: FlameNode | undefined): void {
    if (node === this.hovered) return;
    this.hovered = node;
    const frame = node && node.frame >= 0 ? this.data?.frames[node.frame] : undefined;
    this.canvas.classList.toggle('pointer', node !== undefined);
    this.canvas.classList.toggle('has-source', !!frame?.file);
    if (!node) this.hideTooltip();
    this.invalidate();
  }

  private onClick(e: MouseEvent): void {
    const node = this.nodeAt(e);
    if (!node || !this.data) return;
    if (e.ctrlKey || e.metaKey) {
      const frame = node.frame >= 0 ? this.data.frames[node.frame] : undefined;
      if (frame?.file) this.events.openSource(frame);
      return;
    }
    if (node === this.path[this.path.length - 1] && this.path.length > 1) this.zoomOut();
    else this.zoomTo(node);
  }

  private onContextMenu(e: MouseEvent): void {
    const node = this.nodeAt(e);
    const frame = node && node.frame >= 0 ? this.data?.frames[node.frame] : undefined;
    if (!frame || !this.events.contextMenu) return;
    e.preventDefault();
    e.stopPropagation();
    this.hideTooltip();
    this.events.contextMenu(frame, e.clientX, e.clientY);
  }

  private showTooltip(node: FlameNode, clientX: number, clientY: number): void {
    const data = this.data;
    if (!data) return;
    const t = this.tooltip;
    t.replaceChildren();
    const frame = node.frame >= 0 ? data.frames[node.frame] : undefined;
    const name = el('div', 'tt-name');
    name.textContent = frame ? frame.name || '(anonymous)' : 'All samples';
    t.append(name);
    if (frame) {
      const meta = el('div', 'tt-location');
      meta.textContent = location(frame.file, frame.line) || KIND_WORDS[frame.kind];
      if (frame.file) {
        const kind = el('span', 'tt-kind');
        kind.textContent = ` · ${KIND_WORDS[frame.kind]}`;
        meta.append(kind);
      }
      t.append(meta);
    }
    const grid = el('dl', 'tt-grid');
    const row = (label: string, value: number) => {
      const dt = el('dt');
      dt.textContent = label;
      const dd = el('dd');
      dd.textContent = `${formatWeight(value, data.unit)}`;
      const share = el('span', 'tt-share');
      share.textContent = formatShare(value, data.total);
      dd.append(' ', share);
      grid.append(dt, dd);
    };
    row('Self', node.self);
    row('Total', node.total);
    const focus = this.path[this.path.length - 1]!;
    if (focus !== data.root && node !== focus && !this.path.includes(node)) {
      grid.append(el('dt', undefined, 'Of zoomed'), el('dd', undefined, formatShare(node.total, focus.total)));
    }
    t.append(grid);
    const hint = el('div', 'tt-hint');
    const click = node === focus && this.path.length > 1 ? 'Click to zoom out' : 'Click to zoom';
    hint.textContent = frame?.file ? `${click} · ${IS_MAC ? '⌘' : 'Ctrl'}+click to open source` : click;
    t.append(hint);
    t.hidden = false;
    // Keep the tooltip inside the window, flipping to the other side of the pointer when needed.
    const pad = 14;
    const { offsetWidth: w, offsetHeight: h } = t;
    let x = clientX + pad;
    let y = clientY + pad;
    if (x + w > window.innerWidth - 4) x = Math.max(4, clientX - pad - w);
    if (y + h > window.innerHeight - 4) y = Math.max(4, clientY - pad - h);
    t.style.left = `${x}px`;
    t.style.top = `${y}px`;
  }

  private hideTooltip(): void {
    this.tooltip.hidden = true;
  }
}

const KIND_WORDS: Record<FrameInfo['kind'], string> = {
  js: 'JavaScript',
  python: 'Python',
  native: 'native code',
  runtime: 'runtime',
};

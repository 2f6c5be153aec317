// A canvas of flame boxes with everything the views share: sizing to the device pixel ratio, drawing once per animation
// frame, hover tooltip, click, drag to pan, wheel and trackpad zoom, and the keyboard cursor. What the boxes are and
// what zooming means is the source's business (flame graph, flame chart, sandwich).
import type { FlameNode, FrameInfo } from '../../extension/protocol';
import { el } from '../dom';
import type { Theme } from './theme';
import type { Rgb } from './colors';
import { hitTest, type FlameBox, type FlameLayout } from './layout';
import { isNavKey, navigate, type NavTree } from './nav';
import { FlameRenderer } from './render';

/** Height of one row of boxes, in CSS pixels. */
export const ROW_HEIGHT = 18;
export const IS_MAC = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

/** What a canvas view draws and how it reacts; implemented by each view. */
export interface CanvasSource {
  /** The boxes at this width (the source caches them until something changes). */
  layout(width: number): FlameLayout | undefined;
  frames(): readonly FrameInfo[];
  rootLabel(): string;
  nav(): NavTree<FlameNode>;
  /** A box was clicked (no modifier, unless `clickSelectsOnly`) or Enter pressed on the cursor. */
  activate(node: FlameNode): void;
  /** A click only moves the cursor (the flame chart); Enter and double-click activate. */
  clickSelectsOnly?: boolean;
  /** Ctrl/cmd+wheel or +/-: zoom by `factor` (< 1 zooms in) around x (CSS px from the left). */
  zoomBy(factor: number, x: number, width: number): void;
  /** Drag or horizontal wheel: move the view by dx CSS px (positive: content moves left). */
  panBy(dx: number, width: number): void;
  /** The tooltip's lines for a box. */
  describe(node: FlameNode): { title: string; location: string; rows: [string, string][]; hint: string };
  /** The colour function handed to the renderer, if the view has its own colours. */
  fill?: (node: FlameNode, frame: FrameInfo | undefined) => Rgb | undefined;
}

/** What the view tells its owner. */
export interface CanvasEvents {
  /** The cursor moved to a box (click or arrow keys): the owner selects its function. */
  cursor(node: FlameNode): void;
  openSource(frame: FrameInfo): void;
  contextMenu?(frame: FrameInfo, clientX: number, clientY: number): void;
  /** Frame timing of each draw, for measurements. */
  drawn?(ms: number): void;
}

let sharedTooltip: HTMLDivElement | undefined;

function tooltipElement(): HTMLDivElement {
  if (!sharedTooltip) {
    sharedTooltip = el('div', 'tooltip');
    sharedTooltip.id = 'tooltip';
    sharedTooltip.setAttribute('role', 'tooltip');
    sharedTooltip.hidden = true;
    document.body.append(sharedTooltip);
  }
  return sharedTooltip;
}

/** A scrollable canvas of boxes; rows scroll vertically with the page's scroller, the source handles horizontal zoom. */
export class CanvasView {
  readonly canvas: HTMLCanvasElement;
  readonly scroller: HTMLDivElement;
  private readonly sizer: HTMLDivElement;
  private readonly renderer: FlameRenderer;
  private layoutCache: FlameLayout | undefined;
  private hovered: FlameNode | undefined;
  private focusedNode: FlameNode | undefined;
  private selected: ReadonlySet<FlameNode> | undefined;
  private selectedFrames: Uint8Array | undefined;
  private matches: ReadonlySet<FlameNode> | undefined;
  private matchFrames: Uint8Array | undefined;
  private frameRequested = false;
  private width = 0;
  private height = 0;
  private drag: { x: number; y: number; scrollTop: number; moved: boolean; lastX: number } | undefined;

  constructor(
    host: HTMLElement,
    private readonly source: CanvasSource,
    private readonly events: CanvasEvents,
    private readonly options: { id: string; label: string; inverted?: boolean },
  ) {
    this.scroller = el('div', 'flame-scroller');
    this.sizer = el('div', 'flame-sizer');
    this.canvas = el('canvas', 'flame-canvas');
    this.canvas.id = options.id;
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', options.label);
    this.canvas.setAttribute('aria-roledescription', 'flame graph');
    this.sizer.append(this.canvas);
    this.scroller.append(this.sizer);
    host.append(this.scroller);
    this.renderer = new FlameRenderer(this.canvas);

    new ResizeObserver(() => this.measure()).observe(this.scroller);
    this.scroller.addEventListener('scroll', () => this.invalidate(), { passive: true });
    this.canvas.addEventListener('mousemove', (e) => this.onMove(e));
    this.canvas.addEventListener('mouseleave', () => this.setHovered(undefined));
    this.canvas.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    this.canvas.addEventListener('pointermove', (e) => this.onPointerMove(e));
    this.canvas.addEventListener('pointerup', (e) => this.onPointerUp(e));
    this.canvas.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    this.canvas.addEventListener('contextmenu', (e) => this.onContextMenu(e));
    this.canvas.addEventListener('keydown', (e) => this.onKey(e));
    this.canvas.addEventListener('focus', () => this.invalidate());
    this.canvas.addEventListener('blur', () => this.invalidate());
    // A change of zoom level or monitor changes the pixel ratio without resizing the element.
    const watchDpr = () =>
      matchMedia(`(resolution: ${window.devicePixelRatio}dppx)`).addEventListener(
        'change',
        () => {
          this.invalidate();
          watchDpr();
        },
        { once: true },
      );
    watchDpr();
  }

  setTheme(theme: Theme): void {
    this.renderer.setTheme(theme);
    this.invalidate();
  }

  /** Forgets cached colours (a new profile). */
  resetFrames(): void {
    this.renderer.resetFrames();
    this.hovered = undefined;
    this.focusedNode = undefined;
    this.relayout();
  }

  /** The layout must be computed again (zoom, data); redraws on the next frame. */
  relayout(): void {
    this.layoutCache = undefined;
    this.hideTooltip();
    this.invalidate();
  }

  /** Outlines these nodes, or the nodes of these frames (a chosen function's calls); undefined clears. */
  setSelected(nodes: ReadonlySet<FlameNode> | undefined, frames?: Uint8Array): void {
    this.selected = nodes;
    this.selectedFrames = frames;
    this.invalidate();
  }

  /** Highlights search matches by node or frame; undefined clears the search. */
  setMatches(nodes: ReadonlySet<FlameNode> | undefined, frames?: Uint8Array): void {
    this.matches = nodes;
    this.matchFrames = frames;
    this.invalidate();
  }

  get focused(): FlameNode | undefined {
    return this.focusedNode;
  }

  /** Puts the keyboard cursor on a node (without telling the owner) and scrolls its row into view. */
  setFocused(node: FlameNode | undefined): void {
    this.focusedNode = node;
    this.canvas.dataset.cursor = node ? (this.source.frames()[node.frame]?.name ?? 'all') : '';
    if (node) this.scrollToNode(node);
    this.invalidate();
  }

  /** Scrolls so that the row of `node` is visible, when it is in the layout. */
  scrollToNode(node: FlameNode): void {
    const box = this.current()?.boxes.find((b) => b.node === node);
    if (!box) return;
    const top = this.rowTop(box.depth);
    if (top < this.scroller.scrollTop || top + ROW_HEIGHT > this.scroller.scrollTop + this.height) {
      this.scroller.scrollTop = Math.max(0, top - this.height / 3);
    }
  }

  /** Scrolls to the end the tree grows from: the top, or the bottom for an inverted tree. */
  scrollToRoot(): void {
    this.current();
    this.scroller.scrollTop = this.options.inverted ? this.scroller.scrollHeight : 0;
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

  /** The current layout, computed when missing. */
  current(): FlameLayout | undefined {
    if (this.width <= 0) return undefined;
    if (!this.layoutCache) {
      this.layoutCache = this.source.layout(this.width);
      if (this.layoutCache) {
        this.sizer.style.height = `${Math.max(this.contentHeight(), this.height)}px`;
        this.canvas.dataset.boxes = String(this.layoutCache.boxes.length);
      }
    }
    return this.layoutCache;
  }

  get viewWidth(): number {
    return this.width;
  }

  private contentHeight(): number {
    return ((this.layoutCache?.depth ?? 0) + 1) * ROW_HEIGHT;
  }

  private rowTop(depth: number): number {
    const content = Math.max(this.contentHeight(), this.height);
    return this.options.inverted ? content - (depth + 1) * ROW_HEIGHT : depth * ROW_HEIGHT;
  }

  private measure(): void {
    const w = this.scroller.clientWidth;
    const h = this.scroller.clientHeight;
    if (w === this.width && h === this.height) return;
    const wasAtBottom = this.options.inverted && this.scroller.scrollTop + this.height >= this.scroller.scrollHeight - 2;
    this.width = w;
    this.height = h;
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${h}px`;
    this.layoutCache = undefined;
    this.current();
    if (wasAtBottom || (this.options.inverted && this.scroller.scrollTop === 0)) this.scroller.scrollTop = this.scroller.scrollHeight;
    this.invalidate();
  }

  private draw(): void {
    const layout = this.current();
    if (!layout) return;
    const t0 = performance.now();
    const state: Parameters<FlameRenderer['draw']>[0] = {
      layout,
      frames: this.source.frames(),
      width: this.width,
      height: this.height,
      scrollTop: this.scroller.scrollTop,
      rowHeight: ROW_HEIGHT,
      rootLabel: this.source.rootLabel(),
      contentHeight: Math.max(this.contentHeight(), this.height),
    };
    if (this.options.inverted) state.inverted = true;
    if (this.hovered) state.hovered = this.hovered;
    if (this.selected) state.selected = this.selected;
    if (this.selectedFrames) state.selectedFrames = this.selectedFrames;
    if (this.matches) state.matches = this.matches;
    if (this.matchFrames) state.matchFrames = this.matchFrames;
    if (this.focusedNode && document.activeElement === this.canvas) state.focused = this.focusedNode;
    if (this.source.fill) state.fill = this.source.fill;
    this.renderer.draw(state);
    this.events.drawn?.(performance.now() - t0);
  }

  private boxAt(e: MouseEvent): FlameBox | undefined {
    const layout = this.current();
    if (!layout) return undefined;
    const r = this.canvas.getBoundingClientRect();
    let y = e.clientY - r.top + this.scroller.scrollTop;
    if (this.options.inverted) {
      const content = Math.max(this.contentHeight(), this.height);
      const d = Math.floor((content - y) / ROW_HEIGHT);
      y = d * ROW_HEIGHT + 1;
    }
    return hitTest(layout, e.clientX - r.left, y, ROW_HEIGHT);
  }

  private onMove(e: MouseEvent): void {
    if (this.drag?.moved) return;
    const box = this.boxAt(e);
    this.setHovered(box?.node);
    if (box) this.showTooltip(box.node, e.clientX, e.clientY);
  }

  private setHovered(node: FlameNode | undefined): void {
    if (node === this.hovered) return;
    this.hovered = node;
    const frame = node && node.frame >= 0 ? this.source.frames()[node.frame] : undefined;
    this.canvas.classList.toggle('pointer', node !== undefined);
    this.canvas.classList.toggle('has-source', !!frame?.file);
    if (!node) this.hideTooltip();
    this.invalidate();
  }

  private onPointerDown(e: PointerEvent): void {
    if (e.button !== 0) return;
    this.drag = { x: e.clientX, y: e.clientY, scrollTop: this.scroller.scrollTop, moved: false, lastX: e.clientX };
    this.canvas.setPointerCapture(e.pointerId);
  }

  private onPointerMove(e: PointerEvent): void {
    const d = this.drag;
    if (!d) return;
    if (!d.moved && Math.abs(e.clientX - d.x) + Math.abs(e.clientY - d.y) < 4) return;
    if (!d.moved) {
      d.moved = true;
      this.canvas.classList.add('dragging');
      this.setHovered(undefined);
    }
    this.source.panBy(d.lastX - e.clientX, this.width);
    d.lastX = e.clientX;
    this.scroller.scrollTop = d.scrollTop - (e.clientY - d.y);
    this.relayout();
  }

  private onPointerUp(e: PointerEvent): void {
    const d = this.drag;
    this.drag = undefined;
    this.canvas.classList.remove('dragging');
    if (!d || d.moved) return;
    const box = this.boxAt(e);
    if (!box) return;
    const frame = box.node.frame >= 0 ? this.source.frames()[box.node.frame] : undefined;
    if (e.ctrlKey || e.metaKey) {
      if (frame?.file) this.events.openSource(frame);
      return;
    }
    this.focusedNode = box.node;
    this.events.cursor(box.node);
    if (!this.source.clickSelectsOnly) this.source.activate(box.node);
    this.invalidate();
  }

  private onWheel(e: WheelEvent): void {
    const r = this.canvas.getBoundingClientRect();
    // Lines and pages become pixels, so every device pans and zooms at about the same rate.
    const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? this.height : 1;
    if (e.ctrlKey || e.metaKey) {
      e.preventDefault();
      this.source.zoomBy(Math.exp(e.deltaY * unit * 0.002), e.clientX - r.left, this.width);
      this.relayout();
    } else if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
      e.preventDefault();
      this.source.panBy((e.shiftKey && e.deltaX === 0 ? e.deltaY : e.deltaX) * unit, this.width);
      this.relayout();
    }
  }

  private onContextMenu(e: MouseEvent): void {
    const node = this.boxAt(e)?.node;
    const frame = node && node.frame >= 0 ? this.source.frames()[node.frame] : undefined;
    if (!frame || !this.events.contextMenu) return;
    e.preventDefault();
    e.stopPropagation();
    this.hideTooltip();
    this.events.contextMenu(frame, e.clientX, e.clientY);
  }

  /** Arrow keys move the cursor, Enter zooms to it (with ctrl/cmd: opens its source), +/- zoom, shift+arrows pan. */
  private onKey(e: KeyboardEvent): void {
    const layout = this.current();
    if (!layout) return;
    if (isNavKey(e.key) && e.shiftKey && (e.key === 'ArrowLeft' || e.key === 'ArrowRight')) {
      e.preventDefault();
      this.source.panBy((e.key === 'ArrowLeft' ? -1 : 1) * this.width * 0.1, this.width);
      this.relayout();
      return;
    }
    if (isNavKey(e.key)) {
      e.preventDefault();
      const visible = new Set(layout.boxes.map((b) => b.node));
      let key = e.key;
      // In an inverted tree the caller is drawn below: the arrows follow what is seen.
      if (this.options.inverted && (key === 'ArrowUp' || key === 'ArrowDown')) key = key === 'ArrowUp' ? 'ArrowDown' : 'ArrowUp';
      const from = this.focusedNode && visible.has(this.focusedNode) ? this.focusedNode : layout.boxes.find((b) => !b.ancestor)?.node;
      if (!from) return;
      const to = from === this.focusedNode ? navigate(this.source.nav(), from, key) : from;
      if (!to) return;
      this.setFocused(to);
      this.events.cursor(to);
      return;
    }
    if (e.key === 'Enter' && this.focusedNode) {
      e.preventDefault();
      const frame = this.source.frames()[this.focusedNode.frame];
      if (e.ctrlKey || e.metaKey || e.altKey) {
        if (frame?.file) this.events.openSource(frame);
      } else {
        this.source.activate(this.focusedNode);
      }
      return;
    }
    if (e.key === '+' || e.key === '=' || e.key === '-') {
      e.preventDefault();
      const box = layout.boxes.find((b) => b.node === this.focusedNode);
      const x = box ? Math.min(this.width, Math.max(0, box.x + box.width / 2)) : this.width / 2;
      this.source.zoomBy(e.key === '-' ? 1.25 : 0.8, x, this.width);
      this.relayout();
      return;
    }
    if (e.key === 'ContextMenu' || (e.key === 'F10' && e.shiftKey)) {
      const frame = this.focusedNode ? this.source.frames()[this.focusedNode.frame] : undefined;
      if (!frame || !this.events.contextMenu) return;
      e.preventDefault();
      const r = this.canvas.getBoundingClientRect();
      const box = layout.boxes.find((b) => b.node === this.focusedNode);
      this.events.contextMenu(
        frame,
        r.left + (box ? Math.max(0, box.x) + 8 : 20),
        r.top + (box ? this.rowTop(box.depth) - this.scroller.scrollTop + ROW_HEIGHT : 20),
      );
    }
  }

  private showTooltip(node: FlameNode, clientX: number, clientY: number): void {
    const t = tooltipElement();
    const d = this.source.describe(node);
    const grid = el('dl', 'tt-grid');
    for (const [label, value] of d.rows) grid.append(el('dt', undefined, label), el('dd', undefined, value));
    t.replaceChildren(el('div', 'tt-name', d.title));
    if (d.location) t.append(el('div', 'tt-location', d.location));
    t.append(grid, el('div', 'tt-hint', d.hint));
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

  hideTooltip(): void {
    if (sharedTooltip) sharedTooltip.hidden = true;
  }
}

export const KIND_WORDS: Record<FrameInfo['kind'], string> = {
  js: 'JavaScript',
  python: 'Python',
  native: 'native code',
  runtime: 'runtime',
};

/** The hint line of a tooltip: what clicking does, and how to open the source when there is one. */
export function clickHint(click: string, frame: FrameInfo | undefined): string {
  return frame?.file ? `${click} · ${IS_MAC ? '⌘' : 'Ctrl'}+click to open source` : click;
}

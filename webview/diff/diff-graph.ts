// The differential flame graph: the shared layout and renderer of webview/flame with a fill per box from its change;
// click to zoom, Esc to zoom out, arrow keys to move between frames, Enter to zoom into the one under the cursor.
import type { DiffNode, FlameNode, FrameInfo } from '../../extension/protocol';
import { el } from '../dom';
import type { Rgb } from '../flame/colors';
import { hitTest, layoutFlame, parentMap, pathTo, type FlameLayout } from '../flame/layout';
import { isNavKey, navigate } from '../flame/nav';
import { FlameRenderer } from '../flame/render';
import type { Theme } from '../theme';

const ROW = 18;

/** What the graph asks of its page. */
export interface DiffGraphHooks {
  fill(node: DiffNode): Rgb;
  /** The tooltip's content for a node (the page builds it: names, weights, changes). */
  describe(node: DiffNode): HTMLElement[];
  /** Label of the root box. */
  rootLabel(): string;
  /** A frame was ctrl- or cmd-clicked. */
  open(node: DiffNode): void;
  /** The zoom path changed (root first), for the page's breadcrumb and screen-reader text. */
  zoomed(path: readonly DiffNode[]): void;
  frames(): readonly FrameInfo[];
}

/** A canvas in `host` that draws a merged before/after tree. */
export class DiffGraph {
  readonly canvas = el('canvas', 'flame-canvas');
  private readonly scroller = el('div', 'flame-scroller');
  private readonly sizer = el('div', 'flame-sizer');
  private readonly tip = el('div', 'tooltip');
  private readonly renderer: FlameRenderer;
  private root: DiffNode | undefined;
  private parents = new Map<FlameNode, FlameNode>();
  private path: DiffNode[] = [];
  private layout: FlameLayout | undefined;
  private hovered: DiffNode | undefined;
  private cursor: DiffNode | undefined;
  private pending = false;
  private size = { w: 0, h: 0 };

  constructor(host: HTMLElement, private readonly hooks: DiffGraphHooks) {
    this.canvas.id = 'diff-flame';
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'img');
    this.tip.id = 'diff-tooltip';
    this.tip.setAttribute('role', 'tooltip');
    this.tip.hidden = true;
    this.sizer.append(this.canvas);
    this.scroller.append(this.sizer);
    host.append(this.scroller);
    document.body.append(this.tip);
    this.renderer = new FlameRenderer(this.canvas);
    new ResizeObserver(() => {
      this.size = { w: this.scroller.clientWidth, h: this.scroller.clientHeight };
      this.canvas.style.width = `${this.size.w}px`;
      this.canvas.style.height = `${this.size.h}px`;
      this.layout = undefined;
      this.redraw();
    }).observe(this.scroller);
    this.scroller.addEventListener('scroll', () => this.redraw(), { passive: true });
    this.canvas.addEventListener('mousemove', (e) => this.hover(this.nodeAt(e), e.clientX, e.clientY));
    this.canvas.addEventListener('mouseleave', () => this.hover(undefined, 0, 0));
    this.canvas.addEventListener('click', (e) => {
      const n = this.nodeAt(e);
      if (!n) return;
      if ((e.ctrlKey || e.metaKey) && n.frame >= 0) this.hooks.open(n);
      else if (n === this.path[this.path.length - 1] && this.path.length > 1) this.zoomOut();
      else this.zoomTo(n);
    });
    this.canvas.addEventListener('keydown', (e) => this.key(e));
  }

  setTheme(theme: Theme): void {
    this.renderer.setTheme(theme);
    this.redraw();
  }

  /** Shows a tree (widths already set), zoomed out. */
  setRoot(root: DiffNode): void {
    this.root = root;
    this.parents = parentMap(root);
    this.cursor = undefined;
    this.setPath([root]);
  }

  /** Lays out again (after the widths changed) keeping the zoom. */
  relayout(): void {
    this.layout = undefined;
    this.redraw();
  }

  /** Draws again (after the colours changed). */
  redraw(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  zoomTo(node: DiffNode): void {
    this.setPath(pathTo(node, this.parents) as DiffNode[]);
  }

  /** Zooms out one level; false at the root. */
  zoomOut(): boolean {
    if (this.path.length <= 1) return false;
    this.setPath(this.path.slice(0, -1));
    return true;
  }

  private setPath(path: DiffNode[]): void {
    this.path = path;
    this.layout = undefined;
    this.tip.hidden = true;
    this.hooks.zoomed(path);
    this.redraw();
  }

  private currentLayout(): FlameLayout | undefined {
    if (!this.root || this.size.w <= 0) return undefined;
    if (!this.layout) {
      this.layout = layoutFlame(this.path, { width: this.size.w, minWidth: 1 });
      this.sizer.style.height = `${Math.max((this.layout.depth + 1) * ROW, this.size.h)}px`;
      this.canvas.dataset.boxes = String(this.layout.boxes.length);
    }
    return this.layout;
  }

  private draw(): void {
    const layout = this.currentLayout();
    if (!layout) return;
    this.renderer.draw({
      layout,
      frames: this.hooks.frames(),
      width: this.size.w,
      height: this.size.h,
      scrollTop: this.scroller.scrollTop,
      rowHeight: ROW,
      rootLabel: this.hooks.rootLabel(),
      fill: (node) => this.hooks.fill(node as DiffNode),
      ...(this.hovered ? { hovered: this.hovered } : {}),
      ...(this.cursor ? { focused: this.cursor } : {}),
    });
  }

  private nodeAt(e: MouseEvent): DiffNode | undefined {
    const layout = this.currentLayout();
    if (!layout) return undefined;
    const r = this.canvas.getBoundingClientRect();
    return hitTest(layout, e.clientX - r.left, e.clientY - r.top + this.scroller.scrollTop, ROW)?.node as DiffNode | undefined;
  }

  private hover(node: DiffNode | undefined, x: number, y: number): void {
    if (node !== this.hovered) {
      this.hovered = node;
      this.canvas.classList.toggle('pointer', node !== undefined);
      this.redraw();
    }
    if (!node) {
      this.tip.hidden = true;
      return;
    }
    this.showTip(node, x, y);
  }

  private showTip(node: DiffNode, x: number, y: number): void {
    this.tip.replaceChildren(...this.hooks.describe(node));
    this.tip.hidden = false;
    const pad = 14;
    const { offsetWidth: w, offsetHeight: h } = this.tip;
    this.tip.style.left = `${x + pad + w > window.innerWidth - 4 ? Math.max(4, x - pad - w) : x + pad}px`;
    this.tip.style.top = `${y + pad + h > window.innerHeight - 4 ? Math.max(4, y - pad - h) : y + pad}px`;
  }

  /** Keyboard: arrows move the cursor frame (its change shown as the tooltip), Enter zooms into it, Esc zooms out. */
  private key(e: KeyboardEvent): void {
    const root = this.root;
    if (!root) return;
    if (e.key === 'Escape') {
      if (this.zoomOut()) e.preventDefault();
      return;
    }
    const current = this.cursor ?? this.path[this.path.length - 1]!;
    if (e.key === 'Enter' && this.cursor) {
      e.preventDefault();
      this.zoomTo(this.cursor);
      return;
    }
    if (!isNavKey(e.key)) return;
    e.preventDefault();
    const next = navigate<DiffNode>({ parent: (n) => this.parents.get(n) as DiffNode | undefined, children: (n) => n.children.filter((c) => c.total > 0) }, current, e.key);
    if (!next) return;
    this.cursor = next;
    const box = this.currentLayout()?.boxes.find((b) => b.node === next);
    const r = this.canvas.getBoundingClientRect();
    if (box) this.showTip(next, r.left + box.x + Math.min(box.width, 40), r.top + box.depth * ROW - this.scroller.scrollTop + ROW);
    else this.tip.hidden = true;
    this.redraw();
  }
}

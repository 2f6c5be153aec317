// The left-heavy flame graph (and each half of the sandwich): a call tree zoomed to a node by click or Enter, and
// narrowed or moved by wheel, trackpad, drag and keys. Asks for the subtrees the host left out once they would show.
import type { FlameNode, FrameInfo } from '../../extension/protocol';
import { formatShare, formatWeight, location } from '../format';
import type { Theme } from './theme';
import { CanvasView, clickHint, KIND_WORDS, type CanvasEvents } from './canvas-view';
import { clampWindow, zoomWindow } from './chart-layout';
import type { Rgb } from './colors';
import { layoutFlame, parentMap, pathTo, type FlameLayout } from './layout';
import type { NavTree } from './nav';

/** What the view tells its owner about, beyond the canvas's own events. */
export interface FlameViewEvents extends CanvasEvents {
  /** The zoom path changed (root first). */
  zoom?(path: readonly FlameNode[]): void;
  /** A node the host pruned is now wide enough to show its children: ask for them (nodes under minTotal may stay out). */
  needSubtree?(node: FlameNode, minTotal: number): void;
}

export interface FlameViewOptions {
  id: string;
  label: string;
  /** The callers' half of the sandwich: row 0 at the bottom. */
  inverted?: boolean;
  /** Label of a root without a frame (the whole profile). */
  rootLabel?: () => string;
  /** Per-box colours in place of the palette (e.g. a before/after difference). */
  fill?: (node: FlameNode, frame: FrameInfo | undefined) => Rgb | undefined;
  /** The tooltip's rows in place of self and total (e.g. both sides of a comparison and the change). */
  rows?: (node: FlameNode) => [string, string][];
}

/** The narrowest window, as a fraction of the zoomed node. */
const MIN_WINDOW = 1e-6;

/** A canvas flame graph in `host`. */
export class FlameView {
  readonly view: CanvasView;
  private root: FlameNode = { frame: -1, self: 0, total: 0, children: [] };
  private frames: readonly FrameInfo[] = [];
  private total = 0;
  private unit: 'ms' | 'samples' = 'ms';
  private parents = new Map<FlameNode, FlameNode>();
  private path: FlameNode[] = [];
  private window: [number, number] = [0, 1];
  private readonly asked = new Set<FlameNode>();

  constructor(
    host: HTMLElement,
    private readonly events: FlameViewEvents,
    private readonly options: FlameViewOptions,
  ) {
    this.view = new CanvasView(
      host,
      {
        layout: (width) => this.layout(width),
        frames: () => this.frames,
        rootLabel: () => this.options.rootLabel?.() ?? 'all',
        nav: () => this.nav,
        activate: (node) => this.activate(node),
        zoomBy: (factor, x, width) => {
          const at = this.window[0] + (x / width) * (this.window[1] - this.window[0]);
          this.window = zoomWindow(this.window[0], this.window[1], at, factor, 0, 1, MIN_WINDOW);
        },
        panBy: (dx, width) => {
          const shift = (dx / width) * (this.window[1] - this.window[0]);
          this.window = clampWindow(this.window[0] + shift, this.window[1] + shift, 0, 1);
        },
        describe: (node) => this.describe(node),
        ...(options.fill ? { fill: options.fill } : {}),
      },
      events,
      options,
    );
  }

  get canvas(): HTMLCanvasElement {
    return this.view.canvas;
  }

  private readonly nav: NavTree<FlameNode> = {
    parent: (n) => this.parents.get(n),
    children: (n) => n.children,
  };

  /** Shows a tree, zoomed out; `total` is what shares are of. */
  setTree(root: FlameNode, frames: readonly FrameInfo[], total: number, unit: 'ms' | 'samples'): void {
    this.root = root;
    this.frames = frames;
    this.total = total;
    this.unit = unit;
    this.parents = parentMap(root);
    this.asked.clear();
    this.view.resetFrames();
    this.setPath([root]);
    this.view.scrollToRoot();
  }

  setTheme(theme: Theme): void {
    this.view.setTheme(theme);
  }

  /** The current zoom path, root first. */
  get zoomPath(): readonly FlameNode[] {
    return this.path;
  }

  get tree(): FlameNode {
    return this.root;
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

  /** Zooms to a prefix of the current path (0 is the whole tree). */
  zoomToDepth(depth: number): void {
    this.setPath(this.path.slice(0, Math.max(1, depth + 1)));
  }

  /** Zooms out one step: first a narrowed window back to the whole node, then one level; false at the root. */
  zoomOut(): boolean {
    if (this.window[0] > 0 || this.window[1] < 1) {
      this.window = [0, 1];
      this.view.relayout();
      return true;
    }
    if (this.path.length <= 1) return false;
    const left = this.path[this.path.length - 1]!;
    this.setPath(this.path.slice(0, -1));
    this.view.setFocused(left);
    return true;
  }

  /** Highlights search matches (by node or by frame); undefined clears the search. */
  setMatches(nodes: ReadonlySet<FlameNode> | undefined, frames?: Uint8Array): void {
    this.view.setMatches(nodes, frames);
  }

  /** Outlines the boxes of the frames marked 1 (the selected function); undefined clears. */
  setSelectedFrames(frames: Uint8Array | undefined): void {
    this.view.setSelected(undefined, frames);
  }

  /** Puts the keyboard cursor on a node and shows its row. */
  setCursor(node: FlameNode | undefined): void {
    this.view.setFocused(node);
  }

  /** The parent of a node in the tree shown. */
  parentOf(node: FlameNode): FlameNode | undefined {
    return this.parents.get(node);
  }

  /** A subtree arrived and was grafted under `node`: the parent map and layout are brought up to date. */
  grafted(node: FlameNode): void {
    for (const [child, parent] of parentMap(node)) this.parents.set(child, parent);
    this.asked.delete(node);
    this.canvas.dataset.grafts = String(Number(this.canvas.dataset.grafts ?? 0) + 1);
    this.view.relayout();
  }

  private activate(node: FlameNode): void {
    if (node === this.path[this.path.length - 1] && this.path.length > 1 && this.window[0] === 0 && this.window[1] === 1) this.zoomOut();
    else this.zoomTo(node);
  }

  private setPath(path: FlameNode[]): void {
    this.path = path;
    this.window = [0, 1];
    const focus = path[path.length - 1];
    this.canvas.dataset.zoom = focus && focus.frame >= 0 ? (this.frames[focus.frame]?.name ?? '') : '';
    this.canvas.dataset.zoomDepth = String(path.length - 1);
    this.events.zoom?.(path);
    this.view.relayout();
  }

  private layout(width: number): FlameLayout {
    const l = layoutFlame(this.path, { width, minWidth: 1, window: this.window });
    // Pruned nodes whose left-out children would now be a pixel or wider: ask the host once for each.
    if (this.events.needSubtree && l.scale > 0) {
      for (const b of l.boxes) {
        const n = b.node;
        if (n.id !== undefined && n.dropped !== undefined && n.dropped * l.scale >= 1 && !this.asked.has(n)) {
          this.asked.add(n);
          this.events.needSubtree(n, 1 / l.scale);
        }
      }
    }
    return l;
  }

  private describe(node: FlameNode): { title: string; location: string; rows: [string, string][]; hint: string } {
    const frame = node.frame >= 0 ? this.frames[node.frame] : undefined;
    const w = (v: number) => `${formatWeight(v, this.unit)} ${formatShare(v, this.total)}`;
    const rows: [string, string][] = this.options.rows?.(node) ?? [
      ['Self', w(node.self)],
      ['Total', w(node.total)],
    ];
    const focus = this.path[this.path.length - 1]!;
    if (focus !== this.root && node !== focus && !this.path.includes(node)) rows.push(['Of zoomed', formatShare(node.total, focus.total)]);
    if (node.dropped !== undefined)
      rows.push([
        'Not loaded',
        this.events.needSubtree ? 'calls narrower than a pixel; zooming in loads them' : 'calls narrower than a pixel of the whole profile',
      ]);
    const click = node === focus && this.path.length > 1 ? 'Click to zoom out' : 'Click to zoom';
    return {
      title: frame ? frame.name || '(anonymous)' : (this.options.rootLabel?.() ?? 'All samples'),
      location: frame ? location(frame.file, frame.line) + (frame.file ? ` · ${KIND_WORDS[frame.kind]}` : KIND_WORDS[frame.kind]) : '',
      rows,
      hint: clickHint(click, frame),
    };
  }
}

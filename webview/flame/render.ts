// Draws a flame layout on a canvas: a thin layer over layout.ts, aware of the device pixel ratio.
import type { FlameNode, FrameInfo } from '../../extension/protocol';
import type { Theme } from './theme';
import { boxStyle, cssColor, frameFill, Look, mix, type Rgb } from './colors';
import { LabelFitter } from './labels';
import type { FlameLayout } from './layout';

/** What one frame shows: the layout, the viewport into it, and which boxes stand out. */
export interface DrawState {
  layout: FlameLayout;
  frames: readonly FrameInfo[];
  /** Viewport size and vertical scroll offset, in CSS pixels. */
  width: number;
  height: number;
  scrollTop: number;
  rowHeight: number;
  hovered?: FlameNode;
  /** Boxes outlined as selected (the revealed or chosen function). */
  selected?: ReadonlySet<FlameNode>;
  /** Search matches; when set, every other box is faded. */
  matches?: ReadonlySet<FlameNode>;
  /** Boxes of the frames marked 1 are outlined as selected (as `selected`, by frame). */
  selectedFrames?: Uint8Array;
  /** Boxes of the frames marked 1 match the search (as `matches`, by frame). */
  matchFrames?: Uint8Array;
  /** Label of the root box. */
  rootLabel: string;
  /** The keyboard cursor: drawn with a focus ring. */
  focused?: FlameNode;
  /** Row 0 at the bottom, deeper rows above (the sandwich's callers). */
  inverted?: boolean;
  /**
   * The fill of each box, replacing the per-kind palette (e.g. a before/after difference); undefined for a box keeps
   * the palette's colour. Text colour is chosen against whatever fill results.
   */
  fill?: (node: FlameNode, frame: FrameInfo | undefined) => Rgb | undefined;
  /** Height of the content (all rows) in CSS pixels; needed with `inverted`. */
  contentHeight?: number;
}

const PAD_X = 4;
const MIN_LABEL_WIDTH = 18;

/** Paints flame layouts onto one canvas. */
export class FlameRenderer {
  private readonly ctx: CanvasRenderingContext2D;
  private theme: Theme | undefined;
  private readonly fills = new Map<number, { fill: string; text: string }>();
  private readonly labels: LabelFitter;

  constructor(private readonly canvas: HTMLCanvasElement) {
    const ctx = canvas.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('This view needs a 2D canvas, which the browser did not provide.');
    this.ctx = ctx;
    this.labels = new LabelFitter((t) => this.ctx.measureText(t).width);
  }

  /** Uses new theme colours and font; cached fills and label widths are dropped. */
  setTheme(theme: Theme): void {
    this.theme = theme;
    this.fills.clear();
    this.labels.clear();
  }

  /** Forgets per-frame colours, for when a new profile arrives. */
  resetFrames(): void {
    this.fills.clear();
  }

  /** Draws one frame; sizes the backing store to the viewport times the device pixel ratio. */
  draw(s: DrawState): void {
    const theme = this.theme;
    if (!theme) return;
    const dpr = window.devicePixelRatio || 1;
    const pw = Math.max(1, Math.round(s.width * dpr));
    const ph = Math.max(1, Math.round(s.height * dpr));
    if (this.canvas.width !== pw || this.canvas.height !== ph) {
      this.canvas.width = pw;
      this.canvas.height = ph;
    }
    const ctx = this.ctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = cssColor(theme.background);
    ctx.fillRect(0, 0, s.width, s.height);
    ctx.font = theme.font;
    ctx.textBaseline = 'middle';

    const rh = s.rowHeight;
    const content = s.contentHeight ?? s.layout.rows.length * rh;
    // Row d's top edge in content coordinates; inverted layouts grow upwards from the bottom of the content.
    const rowTop = (d: number) => (s.inverted ? content - (d + 1) * rh : d * rh);
    const visible = (d: number) => rowTop(d) + rh > s.scrollTop && rowTop(d) < s.scrollTop + s.height;
    // Snap edges to device pixels so adjacent boxes share crisp one-pixel gaps.
    const snap = (v: number) => Math.round(v * dpr) / dpr;
    const gap = 1 / dpr < 0.75 ? 1 : 1 / dpr;
    const outlines: { x: number; y: number; w: number; colour: string; lw: number }[] = [];

    for (let d = 0; d < s.layout.rows.length; d++) {
      const row = s.layout.rows[d];
      if (!row || !visible(d)) continue;
      const y = rowTop(d) - s.scrollTop;
      for (const b of row) {
        // Boxes reaching past the edges are clipped to the canvas, so their labels stay in view.
        const x0 = snap(Math.max(-2, b.x));
        const x1 = snap(Math.min(s.width + 2, b.x + b.width));
        if (x1 <= 0 || x0 >= s.width) continue;
        const w = Math.max(1 / dpr, x1 - x0 - gap);
        const searching = s.matches !== undefined || s.matchFrames !== undefined;
        const isMatch = (s.matches?.has(b.node) ?? false) || s.matchFrames?.[b.node.frame] === 1;
        const look = searching && !isMatch ? Look.Dimmed : b.ancestor ? Look.Ancestor : Look.Normal;
        const { fill, text } = this.colours(b.node, s.frames, theme, look, s.fill);
        ctx.fillStyle = fill;
        ctx.fillRect(x0, y, w, rh - 1);
        if (isMatch) {
          ctx.fillStyle = cssColor(theme.match);
          ctx.fillRect(x0, y, w, rh - 1);
          outlines.push({ x: x0, y, w, colour: cssColor({ ...theme.matchBorder, a: 1 }), lw: 1 });
        }
        if (theme.contrastBorder) {
          ctx.strokeStyle = cssColor(theme.contrastBorder);
          ctx.lineWidth = 1;
          ctx.strokeRect(x0 + 0.5, y + 0.5, Math.max(0, w - 1), rh - 2);
        }
        if (w >= MIN_LABEL_WIDTH) {
          const lx = Math.max(x0, 0);
          const label = this.labels.fit(this.label(b.node, s.frames, s.rootLabel), Math.min(w, x0 + w - lx) - 2 * PAD_X);
          if (label) {
            ctx.fillStyle = text;
            ctx.fillText(label, lx + PAD_X, y + (rh - 1) / 2 + 0.5);
          }
        }
        if (s.selected?.has(b.node) || s.selectedFrames?.[b.node.frame] === 1) outlines.push({ x: x0, y, w, colour: cssColor(theme.focus), lw: 2 });
        if (b.node === s.hovered) outlines.push({ x: x0, y, w, colour: cssColor(theme.foreground), lw: 1.5 });
        if (b.node === s.focused) {
          outlines.push({ x: x0, y, w, colour: cssColor(theme.background), lw: 4 });
          outlines.push({ x: x0, y, w, colour: cssColor(theme.focus), lw: 2 });
        }
      }
    }
    // Outlines last, so a neighbour's fill never covers them.
    for (const o of outlines) {
      ctx.strokeStyle = o.colour;
      ctx.lineWidth = o.lw;
      const inset = o.lw / 2;
      ctx.strokeRect(o.x + inset, o.y + inset, Math.max(0, o.w - o.lw), rh - 1 - o.lw);
    }
  }

  private label(node: FlameNode, frames: readonly FrameInfo[], rootLabel: string): string {
    return node.frame < 0 ? rootLabel : frames[node.frame]?.name || '(anonymous)';
  }

  private colours(node: FlameNode, frames: readonly FrameInfo[], theme: Theme, look: Look, custom?: DrawState['fill']): { fill: string; text: string } {
    const own = custom?.(node, frames[node.frame]);
    if (own) return this.style(own, theme, look);
    const key = node.frame * 3 + look;
    let c = this.fills.get(key);
    if (!c) {
      const f = frames[node.frame];
      c = this.style(f ? frameFill(f.kind, f.name, theme.palette, theme.kind) : rootFill(theme), theme, look);
      this.fills.set(key, c);
    }
    return c;
  }

  /** CSS fill and text colours of a base fill drawn with a look. */
  private style(base: Rgb, theme: Theme, look: Look): { fill: string; text: string } {
    const c = boxStyle(base, theme, look);
    return { fill: cssColor(c.fill), text: cssColor(c.text) };
  }
}

/** The root box: a neutral tone between background and foreground. */
function rootFill(t: Theme): Rgb {
  return mix(t.background, t.foreground, 0.22);
}

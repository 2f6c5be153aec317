// Draws a flame layout on a canvas: a thin layer over layout.ts, aware of the device pixel ratio.
import type { FlameNode, FrameInfo } from '../../extension/protocol';
import type { Theme } from '../theme';
import { cssColor, frameFill, readableText, type Rgb } from './colors';
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
  /** Label of the root box. */
  rootLabel: string;
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
    const first = Math.max(0, Math.floor(s.scrollTop / rh));
    const last = Math.min(s.layout.rows.length - 1, Math.floor((s.scrollTop + s.height) / rh));
    // Snap edges to device pixels so adjacent boxes share crisp one-pixel gaps.
    const snap = (v: number) => Math.round(v * dpr) / dpr;
    const gap = 1 / dpr < 0.75 ? 1 : 1 / dpr;
    const outlines: { x: number; y: number; w: number; colour: string; lw: number }[] = [];

    for (let d = first; d <= last; d++) {
      const row = s.layout.rows[d];
      if (!row) continue;
      const y = d * rh - s.scrollTop;
      for (const b of row) {
        const x0 = snap(b.x);
        const x1 = snap(b.x + b.width);
        const w = Math.max(1 / dpr, x1 - x0 - gap);
        const isMatch = s.matches?.has(b.node) ?? false;
        const look = s.matches !== undefined && !isMatch ? Look.Dimmed : b.ancestor ? Look.Ancestor : Look.Normal;
        const { fill, text } = this.colours(b.node, s.frames, theme, look);
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
          const label = this.labels.fit(this.label(b.node, s.frames, s.rootLabel), w - 2 * PAD_X);
          if (label) {
            ctx.fillStyle = text;
            ctx.fillText(label, x0 + PAD_X, y + (rh - 1) / 2 + 0.5);
          }
        }
        if (s.selected?.has(b.node)) outlines.push({ x: x0, y, w, colour: cssColor(theme.focus), lw: 2 });
        if (b.node === s.hovered) outlines.push({ x: x0, y, w, colour: cssColor(theme.foreground), lw: 1.5 });
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

  private colours(node: FlameNode, frames: readonly FrameInfo[], theme: Theme, look: Look): { fill: string; text: string } {
    const key = node.frame * 3 + look;
    let c = this.fills.get(key);
    if (!c) {
      const f = frames[node.frame];
      let fill: Rgb = f ? frameFill(f.kind, f.name, theme.palette, theme.kind) : rootFill(theme);
      // Faded boxes blend towards the background; their text is chosen against the blended fill so it stays legible.
      if (look !== Look.Normal) fill = mix(fill, theme.background, look === Look.Ancestor ? 0.45 : 0.72);
      const dark = theme.kind === 'dark' ? theme.background : theme.foreground;
      const light = theme.kind === 'dark' ? theme.foreground : theme.background;
      let text = readableText(fill, dark, light);
      if (look === Look.Dimmed) text = mix(text, fill, 0.45);
      c = { fill: cssColor(fill), text: cssColor(text) };
      this.fills.set(key, c);
    }
    return c;
  }
}

/** How a box is drawn: as is, as a zoom ancestor, or faded behind search matches. */
const enum Look {
  Normal = 0,
  Ancestor = 1,
  Dimmed = 2,
}

function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return { r: a.r + (b.r - a.r) * t, g: a.g + (b.g - a.g) * t, b: a.b + (b.b - a.b) * t, a: 1 };
}

/** The root box: a neutral tone between background and foreground. */
function rootFill(t: Theme): Rgb {
  return mix(t.background, t.foreground, 0.22);
}

// The time-ordered flame chart: samples left to right in the order they were taken, with a time axis and an overview of
// the whole profile whose highlighted window can be dragged. Finer boxes are asked of the host when zoomed past the
// resolution it sent.
import type { ChartRuns, FlameNode, FrameInfo } from '../../extension/protocol';
import { el } from '../dom';
import { formatCount, formatMs, formatShare, location, niceStep } from '../format';
import type { Theme } from './theme';
import { CanvasView, clickHint, KIND_WORDS, type CanvasEvents } from './canvas-view';
import { chartNav, clampWindow, indexRuns, layoutChart, zoomWindow, type ChartBox, type ChartIndex } from './chart-layout';
import { cssColor, frameFill, mix } from './colors';
import type { FlameLayout } from './layout';
import type { NavTree } from './nav';

export interface ChartViewEvents extends CanvasEvents {
  /** The window is finer than the boxes the chart has: ask the host for runs of `from`..`to` at `width` px. */
  needRuns?(request: number, from: number, to: number, width: number): void;
}

const OVERVIEW_HEIGHT = 34;
const AXIS_HEIGHT = 18;

export class ChartView {
  readonly view: CanvasView;
  readonly overview: HTMLCanvasElement;
  private base: ChartIndex | undefined;
  private detail: ChartIndex | undefined;
  private frames: readonly FrameInfo[] = [];
  private duration = 0;
  private total = 0;
  /** The axis's unit: time, or sample counts for profiles that record only the order of samples. */
  private unit: 'ms' | 'samples' = 'ms';
  private from = 0;
  private to = 1;
  private theme: Theme | undefined;
  private request = 0;
  private wanted: { from: number; to: number } | undefined;
  private requestTimer: ReturnType<typeof setTimeout> | undefined;
  private overviewRequested = false;
  private minimap: HTMLCanvasElement | undefined;
  private nav: NavTree<FlameNode> = { parent: () => undefined, children: () => [] };

  constructor(
    host: HTMLElement,
    private readonly events: ChartViewEvents,
  ) {
    this.overview = el('canvas', 'chart-overview');
    this.overview.id = 'chart-overview';
    this.overview.tabIndex = 0;
    this.overview.setAttribute('role', 'slider');
    this.overview.setAttribute('aria-label', 'Time window of the flame chart: arrow keys move it, + and - zoom');
    host.append(this.overview);
    const body = el('div', 'chart-body');
    host.append(body);
    this.view = new CanvasView(
      body,
      {
        layout: (width) => this.layout(width),
        frames: () => this.frames,
        rootLabel: () => 'all',
        nav: () => this.nav,
        activate: (node) => this.zoomToBox(node as ChartBox),
        clickSelectsOnly: true,
        zoomBy: (factor, x, width) =>
          this.setWindow(...zoomWindow(this.from, this.to, this.from + (x / width) * (this.to - this.from), factor, 0, this.duration, this.minSpan())),
        panBy: (dx, width) => {
          const shift = (dx / width) * (this.to - this.from);
          this.setWindow(...clampWindow(this.from + shift, this.to + shift, 0, this.duration));
        },
        describe: (node) => this.describe(node as ChartBox),
      },
      events,
      { id: 'chart', label: 'Flame chart: the profile in time order' },
    );
    new ResizeObserver(() => {
      this.minimap = undefined;
      this.invalidateOverview();
    }).observe(this.overview);
    this.wireOverview();
  }

  get canvas(): HTMLCanvasElement {
    return this.view.canvas;
  }

  /** Shows the runs of a whole profile, zoomed out. */
  setRuns(runs: ChartRuns | undefined, frames: readonly FrameInfo[], total: number, unit: 'ms' | 'samples'): void {
    this.frames = frames;
    this.total = total;
    this.unit = unit;
    this.base = runs ? indexRuns(runs) : undefined;
    this.detail = undefined;
    this.duration = runs ? runs.to : 0;
    this.from = 0;
    this.to = this.duration || 1;
    this.nav = this.base ? chartNav(this.base) : { parent: () => undefined, children: () => [] };
    this.minimap = undefined;
    this.view.resetFrames();
    this.invalidateOverview();
  }

  get hasRuns(): boolean {
    return this.base !== undefined && this.base.to > 0;
  }

  /** Finer runs the host sent for a window. */
  addRuns(request: number, runs: ChartRuns): void {
    if (request !== this.request) return;
    const index = indexRuns(runs);
    // The first runs of a chart the host sent empty cover the whole profile: they become its overview too.
    if (this.base && this.base.rows.length === 0 && runs.from <= 0 && runs.to >= this.duration) {
      this.base = index;
      this.detail = undefined;
      this.minimap = undefined;
      this.invalidateOverview();
    } else {
      this.detail = index;
    }
    this.nav = chartNav(index);
    this.view.relayout();
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    this.view.setTheme(theme);
    this.minimap = undefined;
    this.invalidateOverview();
  }

  /** The shown window in ms since the profile's start. */
  get window(): [number, number] {
    return [this.from, this.to];
  }

  setWindow(from: number, to: number): void {
    if (from === this.from && to === this.to) return;
    this.from = from;
    this.to = to;
    this.canvas.dataset.from = String(from);
    this.canvas.dataset.to = String(to);
    this.overview.setAttribute('aria-valuetext', `${this.fmt(from)} to ${this.fmt(to)} of ${this.fmt(this.duration)}`);
    this.view.relayout();
    this.invalidateOverview();
  }

  /** Back to the whole profile; false when already there. */
  zoomOut(): boolean {
    if (this.from <= 0 && this.to >= this.duration) return false;
    this.setWindow(0, this.duration);
    return true;
  }

  setMatches(frames: Uint8Array | undefined): void {
    this.view.setMatches(undefined, frames);
  }

  /** Outlines the selected function's boxes and puts the cursor on its longest box in the window. */
  setSelectedFrames(frames: Uint8Array | undefined): void {
    this.view.setSelected(undefined, frames);
    const index = this.index();
    if (!frames || !index) return;
    let best: ChartBox | undefined;
    for (const row of index.rows) {
      for (const b of row) if (frames[b.frame] === 1 && b.end > this.from && b.start < this.to && (!best || b.end - b.start > best.end - best.start)) best = b;
    }
    if (best && (!this.view.focused || frames[this.view.focused.frame] !== 1)) this.view.setFocused(best);
  }

  /** A point or length on the axis in its unit. */
  private fmt(v: number): string {
    return this.unit === 'ms' ? formatMs(v) : `#${formatCount(v)}`;
  }

  private minSpan(): number {
    return Math.max(1e-4, this.duration * 1e-7);
  }

  private index(): ChartIndex | undefined {
    const d = this.detail;
    if (d && d.from <= this.from && d.to >= this.to && (!this.base || d.resolution < this.base.resolution)) return d;
    return this.base;
  }

  private layout(width: number): FlameLayout | undefined {
    const index = this.index();
    if (!index) return undefined;
    // Coarser than a pixel here: ask the host for the window (once the zooming pauses).
    const pixel = (this.to - this.from) / width;
    if (index.resolution > pixel && this.events.needRuns) this.askRuns(width);
    if (index !== this.base || !this.detail) this.nav = chartNav(index);
    return layoutChart(index, { from: this.from, to: this.to, width });
  }

  private askRuns(width: number): void {
    const span = this.to - this.from;
    // A margin on each side, so that small pans need no new request.
    const from = Math.max(0, this.from - span / 2);
    const to = Math.min(this.duration, this.to + span / 2);
    if (this.wanted && this.wanted.from <= this.from && this.wanted.to >= this.to) return;
    this.wanted = { from, to };
    clearTimeout(this.requestTimer);
    this.requestTimer = setTimeout(() => {
      this.events.needRuns?.(++this.request, from, to, width * 2);
      this.wanted = undefined;
    }, 80);
  }

  private zoomToBox(b: ChartBox): void {
    const pad = (b.end - b.start) * 0.02;
    this.setWindow(...clampWindow(b.start - pad, b.end + pad, 0, this.duration));
  }

  private describe(b: ChartBox): { title: string; location: string; rows: [string, string][]; hint: string } {
    const frame = this.frames[b.frame];
    return {
      title: frame ? frame.name || '(anonymous)' : 'all',
      location: frame ? location(frame.file, frame.line) || KIND_WORDS[frame.kind] : '',
      rows: [
        [this.unit === 'ms' ? 'Duration' : 'Samples', `${this.fmt(b.end - b.start)} ${formatShare(b.end - b.start, this.total)}`],
        ['From', `${this.fmt(b.start)} to ${this.fmt(b.end)}`],
      ],
      hint: clickHint('Click to select · Enter or double-click zooms to it', frame),
    };
  }

  private invalidateOverview(): void {
    if (this.overviewRequested) return;
    this.overviewRequested = true;
    requestAnimationFrame(() => {
      this.overviewRequested = false;
      this.drawOverview();
    });
  }

  /** The whole profile in small (drawn once per size and theme), the window over it, and the time axis of the window. */
  private drawOverview(): void {
    const c = this.overview;
    const theme = this.theme;
    const w = c.clientWidth;
    if (!theme || w <= 0) return;
    const dpr = window.devicePixelRatio || 1;
    const h = OVERVIEW_HEIGHT + AXIS_HEIGHT;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
      this.minimap = undefined;
    }
    const ctx = c.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = cssColor(theme.background);
    ctx.fillRect(0, 0, w, h);
    if (!this.minimap && this.base) this.minimap = this.drawMinimap(w, dpr, theme);
    if (this.minimap) ctx.drawImage(this.minimap, 0, 0, w, OVERVIEW_HEIGHT);
    const d = this.duration || 1;
    const x0 = (this.from / d) * w;
    const x1 = Math.max(x0 + 2, (this.to / d) * w);
    // Outside the window is veiled; the window itself is outlined.
    ctx.fillStyle = cssColor({ ...theme.background, a: 0.6 });
    ctx.fillRect(0, 0, x0, OVERVIEW_HEIGHT);
    ctx.fillRect(x1, 0, w - x1, OVERVIEW_HEIGHT);
    ctx.strokeStyle = cssColor(theme.focus);
    ctx.lineWidth = document.activeElement === c ? 2 : 1;
    ctx.strokeRect(x0 + 0.5, 0.5, x1 - x0 - 1, OVERVIEW_HEIGHT - 1);
    // The time axis of the window.
    ctx.fillStyle = cssColor(theme.muted);
    ctx.strokeStyle = cssColor(mix(theme.background, theme.foreground, 0.35));
    ctx.lineWidth = 1;
    ctx.font = theme.font;
    ctx.textBaseline = 'middle';
    const span = this.to - this.from;
    const step = niceStep(span / Math.max(1, w / 110));
    const y = OVERVIEW_HEIGHT + AXIS_HEIGHT / 2;
    for (let t = Math.ceil(this.from / step) * step; t <= this.to; t += step) {
      const x = Math.round(((t - this.from) / span) * w) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, OVERVIEW_HEIGHT);
      ctx.lineTo(x, OVERVIEW_HEIGHT + 5);
      ctx.stroke();
      if (x + 60 < w) ctx.fillText(this.fmt(t), x + 3, y + 2);
    }
    ctx.beginPath();
    ctx.moveTo(0, OVERVIEW_HEIGHT + 0.5);
    ctx.lineTo(w, OVERVIEW_HEIGHT + 0.5);
    ctx.stroke();
  }

  private drawMinimap(w: number, dpr: number, theme: Theme): HTMLCanvasElement {
    const m = document.createElement('canvas');
    m.width = Math.round(w * dpr);
    m.height = Math.round(OVERVIEW_HEIGHT * dpr);
    const ctx = m.getContext('2d')!;
    ctx.scale(dpr, dpr);
    const index = this.base!;
    const rows = Math.max(1, index.rows.length);
    const rh = Math.max(1, OVERVIEW_HEIGHT / rows);
    const l = layoutChart(index, { from: 0, to: this.duration || 1, width: w, minWidth: 0.3 });
    const fills = new Map<number, string>();
    for (const b of l.boxes) {
      if (b.depth * rh >= OVERVIEW_HEIGHT) continue;
      let f = fills.get(b.node.frame);
      if (!f) {
        const fr = this.frames[b.node.frame];
        f = cssColor(fr ? frameFill(fr.kind, fr.name, theme.palette, theme.kind) : theme.muted);
        fills.set(b.node.frame, f);
      }
      ctx.fillStyle = f;
      ctx.fillRect(b.x, b.depth * rh, Math.max(0.5, b.width), rh);
    }
    return m;
  }

  private wireOverview(): void {
    const c = this.overview;
    let grab: number | undefined;
    const timeAt = (e: PointerEvent) => {
      const r = c.getBoundingClientRect();
      return ((e.clientX - r.left) / Math.max(1, r.width)) * this.duration;
    };
    c.addEventListener('pointerdown', (e) => {
      const t = timeAt(e);
      const span = this.to - this.from;
      // Grabbing outside the window first centres it on the pointer.
      if (t < this.from || t > this.to) this.setWindow(...clampWindow(t - span / 2, t + span / 2, 0, this.duration));
      grab = t - this.from;
      c.setPointerCapture(e.pointerId);
    });
    c.addEventListener('pointermove', (e) => {
      if (grab === undefined) return;
      const span = this.to - this.from;
      const from = timeAt(e) - grab;
      this.setWindow(...clampWindow(from, from + span, 0, this.duration));
    });
    c.addEventListener('pointerup', () => (grab = undefined));
    c.addEventListener('keydown', (e) => {
      const span = this.to - this.from;
      if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
        e.preventDefault();
        const shift = (e.key === 'ArrowLeft' ? -0.1 : 0.1) * span;
        this.setWindow(...clampWindow(this.from + shift, this.to + shift, 0, this.duration));
      } else if (e.key === '+' || e.key === '=' || e.key === '-') {
        e.preventDefault();
        this.setWindow(...zoomWindow(this.from, this.to, (this.from + this.to) / 2, e.key === '-' ? 1.25 : 0.8, 0, this.duration, this.minSpan()));
      } else if (e.key === 'Home') {
        e.preventDefault();
        this.setWindow(0, this.duration);
      }
    });
    c.addEventListener('focus', () => this.invalidateOverview());
    c.addEventListener('blur', () => this.invalidateOverview());
    this.canvas.addEventListener('dblclick', (e) => {
      const node = this.view.focused;
      if (node) {
        e.preventDefault();
        this.zoomToBox(node as ChartBox);
      }
    });
  }
}

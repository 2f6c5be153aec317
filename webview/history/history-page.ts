// The History page: per function, time per call over the code's versions (commits), one series per variant and
// machine, each point with its 95 % interval as a whisker and a marker where a regression or an improvement was
// flagged; whole-program times per run in a chart of their own. A point (clicked, or focused and Enter) opens the
// profile of its code version in the flame graph, or compares it with the previous version's; the history as text
// is a button away. The same bundle as the flame graph, another page.
import type { FromWebview, HistoryData, HistoryPointView, HistorySeriesView, ToWebview } from '../../extension/protocol';
import { el } from '../dom';
import { formatDuration } from '../../extension/bench/stats';
import { layoutChart, SERIES_COLOURS, type ChartLayout, type PlotPoint } from './chart-model';
import pageCss from './history.css';

export interface HistoryPageDeps {
  post(message: FromWebview): void;
  nonce: string;
  css: string;
  /** The point selected when the page was last shown (a hidden webview is loaded again when shown). */
  selected?: number;
  onSelect?(entity: number): void;
}

const SVG = 'http://www.w3.org/2000/svg';
const SIZE = { width: 720, height: 280 };

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A point in words: what a screen reader says and the details line shows. */
export function pointWords(s: Pick<HistorySeriesView, 'variant' | 'machine' | 'wholeProgram'>, p: HistoryPointView): string {
  const interval = p.ci95[1] === null ? 'no interval (too few samples)' : `95 % interval ${formatDuration(p.ci95[0])} to ${formatDuration(p.ci95[1])}`;
  const per = s.wholeProgram ? 'per run' : 'per call';
  const when = p.at.replace('T', ' ').slice(0, 16);
  const change = p.change && p.change.kind !== 'no change' ? `; ${p.change.kind}: ${p.change.text}` : '';
  return `${s.variant} on ${s.machine}: ${formatDuration(p.medianMs)} ${per}, ${interval}, ${p.n} samples, code ${p.version}, ${when} UTC, ${p.runKind} run #${p.run}${change}`;
}

/** Starts the History page with its data; a later `history` message draws it again. */
export function startHistory(data: HistoryData, deps: HistoryPageDeps): void {
  const style = el('style');
  if (deps.nonce) style.setAttribute('nonce', deps.nonce);
  style.textContent = `${deps.css}\n${pageCss}`;
  document.head.append(style);
  document.body.classList.add('page-history');
  const root = document.getElementById('app') ?? document.body.appendChild(el('div'));
  root.id = 'app';
  let selected = deps.selected;
  const render = (d: HistoryData): void => {
    document.title = d.title;
    root.replaceChildren(
      ...page(d, deps, selected, (entity) => {
        selected = entity;
        deps.onSelect?.(entity);
      }),
    );
    document.body.dataset.state = 'ready';
  };
  render(data);
  window.addEventListener('message', (e: MessageEvent) => {
    const m = e.data as ToWebview | undefined;
    if (!m || typeof m !== 'object') return;
    if (m.type === 'history') {
      data = m.data;
      render(data);
    } else if (m.type === 'error') {
      const box = el('div', 'error-box', m.message);
      box.setAttribute('role', 'alert');
      root.prepend(box);
    }
  });
  deps.post({ type: 'ready' });
}

function button(id: string, text: string, title: string, onClick: () => void, primary = false): HTMLButtonElement {
  const b = el('button', primary ? 'primary-button' : 'secondary-button', text);
  b.id = id;
  b.type = 'button';
  b.title = title;
  b.addEventListener('click', onClick);
  return b;
}

function page(d: HistoryData, deps: HistoryPageDeps, selected: number | undefined, select: (entity: number) => void): HTMLElement[] {
  const header = el('header', 'history-header');
  const title = el('h1', 'title', d.functionName ? `${d.functionName} in ${d.shownFile}` : d.shownFile);
  const tools = el('div', 'history-tools');
  tools.append(
    button('history-copy', 'Copy as Text', 'Copy this history as the command line prints it', () => deps.post({ type: 'historyText', action: 'copy' })),
    button('history-open-text', 'Open as Text', 'Open this history as a text document', () => deps.post({ type: 'historyText', action: 'open' })),
  );
  header.append(title, tools);
  if (d.series.length === 0) {
    const empty = el('p', 'history-empty', d.text.trim());
    empty.id = 'history-empty';
    return [header, empty];
  }
  const help = el(
    'p',
    'history-help',
    'Each point is a measurement: its median, and its 95 % interval as a whisker. ▲ marks a regression and ▼ an improvement from the previous version of the code on the same machine. Click a point (or focus it and press Enter) to open the profile of that version.',
  );
  const details = el('div', 'history-details');
  details.id = 'history-details';
  details.setAttribute('aria-live', 'polite');
  const all = new Map<number, { s: HistorySeriesView; p: HistoryPointView }>();
  for (const s of d.series) for (const p of s.points) all.set(p.entity, { s, p });
  const show = (entity: number): void => {
    select(entity);
    const hit = all.get(entity);
    for (const g of document.querySelectorAll('.pt.selected')) g.classList.remove('selected');
    document.querySelector(`.pt[data-entity="${entity}"]`)?.classList.add('selected');
    if (!hit) return;
    const { s, p } = hit;
    const line = el('p', 'details-text', pointWords(s, p));
    const actions = el('div', 'details-actions');
    if (p.profile) {
      actions.append(button('history-profile', 'Open Profile', `Open the profile of ${p.version} in the flame graph`, () => open(p, 'profile')));
      if (p.previousProfile)
        actions.append(
          button('history-compare', `Compare with ${p.previousVersion}`, `Compare the profile of ${p.version} with ${p.previousVersion}'s`, () =>
            open(p, 'compare'),
          ),
        );
    } else {
      actions.append(el('span', 'details-note', 'No profile of this version of the code is stored: Profile File (or perf-lab profile) on it stores one.'));
    }
    details.replaceChildren(line, actions);
  };
  const open = (p: HistoryPointView, action: 'profile' | 'compare'): void => deps.post({ type: 'historyOpen', entity: p.entity, action });
  const activate = (p: HistoryPointView): void => {
    show(p.entity);
    if (p.profile) open(p, 'profile');
  };

  const sections: HTMLElement[] = [];
  const functions = [...new Set(d.series.map((s) => s.function))];
  for (const fn of functions) {
    const section = el('section', 'history-function');
    section.dataset.function = fn;
    section.append(el('h2', undefined, fn));
    for (const whole of [false, true]) {
      const series = d.series.filter((s) => s.function === fn && s.wholeProgram === whole);
      if (series.length === 0) continue;
      section.append(chart(series, whole ? `Whole program of ${d.shownFile}: wall time per run` : `${fn}: time per call`, activate));
    }
    const flagged = d.series
      .filter((s) => s.function === fn)
      .flatMap((s) => s.points.filter((p) => p.change && p.change.kind !== 'no change').map((p) => ({ s, p })));
    if (flagged.length > 0) {
      const list = el('ul', 'history-flagged');
      list.setAttribute('aria-label', `Flagged changes of ${fn}`);
      for (const { s, p } of flagged) {
        const li = el('li', `flag-${p.change!.kind}`);
        li.append(el('span', 'flag-kind', p.change!.kind === 'regression' ? 'Regression' : 'Improvement'), ` ${s.variant} at ${p.version}: ${p.change!.text}`);
        list.append(li);
      }
      section.append(list);
    } else section.append(el('p', 'history-none', 'No regression or improvement flagged between consecutive versions.'));
    sections.push(section);
  }
  const out = [header, help, ...sections, details];
  if (selected !== undefined && all.has(selected)) queueMicrotask(() => show(selected));
  return out;
}

/** One chart: the axes, a line and points per series, whiskers and markers, and the legend. */
function chart(series: HistorySeriesView[], caption: string, activate: (p: HistoryPointView) => void): HTMLElement {
  const layout = layoutChart(series, SIZE);
  const figure = el('figure', 'history-chart');
  const cap = el('figcaption', undefined, caption);
  const root = svg('svg', { viewBox: `0 0 ${layout.width} ${layout.height}`, role: 'group', 'aria-label': caption });
  root.append(axes(layout));
  layout.series.forEach((ps, i) => {
    const s = series[i]!;
    const g = svg('g', { class: `series series-${ps.index % SERIES_COLOURS}`, 'aria-label': ps.label, role: 'group' });
    g.append(svg('path', { class: 'series-line', d: ps.path }));
    for (const pt of ps.points) g.append(point(s, pt, activate));
    root.append(g);
  });
  const legend = el('ul', 'history-legend');
  for (const ps of layout.series) {
    const li = el('li');
    li.append(el('span', `swatch series-${ps.index % SERIES_COLOURS}`), ps.label);
    legend.append(li);
  }
  figure.append(cap, root, legend);
  return figure;
}

function axes(l: ChartLayout): SVGGElement {
  const g = svg('g', { class: 'axes', 'aria-hidden': 'true' });
  const { left, right, top, bottom } = l.plot;
  for (const t of l.yTicks) {
    g.append(svg('line', { class: 'grid', x1: left, x2: right, y1: t.pos, y2: t.pos }));
    g.append(svg('text', { class: 'tick y-tick', x: left - 6, y: t.pos + 4, 'text-anchor': 'end' }, t.label));
  }
  for (const t of l.xTicks) {
    g.append(svg('text', { class: 'tick x-tick', x: t.pos, y: bottom + 16, 'text-anchor': 'middle' }, t.label));
    if (t.sub) g.append(svg('text', { class: 'tick x-sub', x: t.pos, y: bottom + 32, 'text-anchor': 'middle' }, t.sub));
  }
  g.append(
    svg('line', { class: 'axis', x1: left, x2: left, y1: top, y2: bottom }),
    svg('line', { class: 'axis', x1: left, x2: right, y1: bottom, y2: bottom }),
  );
  return g;
}

function point(s: HistorySeriesView, pt: PlotPoint, activate: (p: HistoryPointView) => void): SVGGElement {
  const p = pt.point;
  const words = pointWords(s, p);
  const g = svg('g', {
    class: `pt${pt.marker ? ` ${pt.marker}` : ''}${p.profile ? ' has-profile' : ''}`,
    tabindex: 0,
    role: 'button',
    'data-entity': p.entity,
    'data-version': p.version,
    'aria-label': p.profile ? `${words}. Enter opens its profile.` : words,
  });
  g.append(svg('title', {}, words));
  if (pt.whisker) {
    const w = pt.whisker;
    g.append(svg('line', { class: 'whisker', x1: pt.x, x2: pt.x, y1: w.lo, y2: w.hi }));
    g.append(svg('line', { class: 'whisker', x1: pt.x - 4, x2: pt.x + 4, y1: w.lo, y2: w.lo }));
    g.append(svg('line', { class: 'whisker', x1: pt.x - 4, x2: pt.x + 4, y1: w.hi, y2: w.hi }));
  }
  g.append(svg('circle', { class: pt.whisker ? 'dot' : 'dot open', cx: pt.x, cy: pt.y, r: 4.5 }));
  if (pt.marker) {
    const top = Math.min(pt.y, pt.whisker?.hi ?? pt.y) - 8;
    // ▲ above the point for a regression, ▼ for an improvement: the shape says it, not only the colour.
    const d =
      pt.marker === 'regression'
        ? `M${pt.x},${top - 9} L${pt.x - 6},${top} L${pt.x + 6},${top} Z`
        : `M${pt.x},${top} L${pt.x - 6},${top - 9} L${pt.x + 6},${top - 9} Z`;
    g.append(svg('path', { class: `marker marker-${pt.marker}`, d }));
  }
  // A larger, invisible target than the dot, for the pointer.
  g.append(svg('circle', { class: 'hit', cx: pt.x, cy: pt.y, r: 10 }));
  g.addEventListener('click', () => activate(p));
  g.addEventListener('keydown', (e: KeyboardEvent) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      activate(p);
    }
  });
  return g;
}

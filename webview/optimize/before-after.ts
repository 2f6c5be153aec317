// The Before/After page of an optimized function: the proof, the benchmark as a chart and a table, the speedup with
// its interval and the verdict in plain words, and Apply. The same bundle as the flame graph, another page. The
// original is JavaScript (against WebAssembly and native code) or CPython (against Numba, Cython and pybind11).
import {
  TARGET_NAMES,
  type BenchView,
  type FromWebview,
  type OptimizeData,
  type ProofView,
  type TargetId,
  type TargetNames,
  type TargetView,
  type ToWebview,
  type VariantName,
  type VariantView,
} from '../../extension/protocol';
import { formatDuration, formatRatio, formatTimes } from '../../extension/bench/stats';
import { el } from '../dom';
import { niceStep } from '../format';
import pageCss from './before-after.css';

export interface PageDeps {
  post(message: FromWebview): void;
  nonce: string;
  css: string;
}

const SVG = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A small positive number in scientific notation (0 stays 0). */
function sci(x: number): string {
  return x === 0 ? '0' : x.toExponential(1);
}

function times(x: number): string {
  return formatTimes(x);
}

/** The upper end of an interval: an unbounded one (a variant with one sample) arrives from JSON as null. */
function upper(ci95: readonly number[]): number {
  return Number.isFinite(ci95[1]) ? ci95[1]! : Infinity;
}

/** A ratio with its interval as printed everywhere (stats.ts formatRatio): `1.441× (95% CI 1.440×–1.443×)`. */
function withInterval(estimate: number, ci95: readonly number[]): string {
  const f = formatRatio({ estimate, ci95: [ci95[0] ?? 0, upper(ci95)] });
  return `${f.estimate} (${f.ci})`;
}

/** The verdict in plain words, with what to do. */
export function verdictWords(b: BenchView, compiled: string, original = 'JavaScript'): string {
  switch (b.verdict) {
    case 'faster':
      return `${compiled} is faster: ${times(b.speedup.estimate)} the speed of ${original}`;
    case 'slower':
      return `slower: keep ${original}`;
    case 'not significant':
      return `not significant: keep ${original}`;
    default: {
      const never: never = b.verdict;
      return String(never);
    }
  }
}

/** Starts the Before/After page with its data; later 'optimize' messages redraw it. */
export function startBeforeAfter(data: OptimizeData, deps: PageDeps): void {
  const style = el('style');
  if (deps.nonce) style.setAttribute('nonce', deps.nonce);
  style.textContent = `${deps.css}\n${pageCss}`;
  document.head.append(style);
  document.body.classList.add('page-optimize');
  const root = document.getElementById('app') ?? document.body.appendChild(el('div'));
  root.id = 'app';
  const render = (d: OptimizeData) => {
    root.replaceChildren(...page(d, deps));
    document.title = d.title;
    document.body.dataset.state = d.applied ? 'applied' : 'ready';
  };
  render(data);
  window.addEventListener('message', (e: MessageEvent) => {
    const m = e.data as ToWebview | undefined;
    if (!m || typeof m !== 'object') return;
    // Only these two concern this page; the rest of ToWebview belongs to the flame graph.
    if (m.type === 'optimize') render(m.data);
    else if (m.type === 'error') {
      const box = el('div', 'error-box', m.message);
      box.setAttribute('role', 'alert');
      root.prepend(box);
    }
  });
  deps.post({ type: 'ready' });
}

/** The original's name: JavaScript, or CPython for a Python function. */
function original(d: OptimizeData): 'JavaScript' | 'CPython' {
  return d.baseline ?? 'JavaScript';
}

/** The bar class of a variant: its target's colour (`bar-<id>` in the page's CSS), or the original's (`bar-js`). */
function barClass(name: VariantName): string {
  const target = (Object.keys(TARGET_NAMES) as TargetId[]).find((id) => TARGET_NAMES[id].name === name);
  return target ? `bar-${target}` : 'bar-js';
}

function page(d: OptimizeData, deps: PageDeps): HTMLElement[] {
  const header = el('header', 'header');
  const versus = d.targets ? d.targets.map((t) => t.name).join(' vs ') : TARGET_NAMES[d.target ?? 'wasm'].name;
  const title = el('h1', 'title', `${d.functionName}: ${original(d)} vs ${versus}`);
  title.id = 'title';
  const summary = el('p', 'summary');
  summary.id = 'summary';
  const where = el('button', 'link', `${d.file.split(/[\\/]/).pop()}:${d.line}`);
  where.type = 'button';
  where.title = `Open ${d.file}`;
  where.addEventListener('click', () => deps.post({ type: 'openSource', file: d.file, line: d.line, column: 1 }));
  const rec = d.recording;
  const names = TARGET_NAMES[d.target ?? 'wasm'];
  const built = d.targets ? (d.targets.length === 1 ? 'one target' : `${d.targets.length} targets side by side`) : d.built && `${names.title}: ${d.built}`;
  const recorded = `${rec.calls} of ${rec.totalCalls.toLocaleString('en-US')} real calls recorded${rec.reused ? ' (an earlier recording of the unchanged file)' : ''}`;
  summary.append(where, ` · ${built ? `${built} · ` : ''}${recorded}`);
  header.append(title, summary);
  if (d.runtime) {
    const runtime = el('p', 'summary runtime', `Interpreter: ${d.runtime}`);
    runtime.id = 'runtime';
    header.append(runtime);
  }
  if (d.restored) header.append(restoredBanner(d, deps));
  if (d.targets) return [header, ...sideBySide(d, d.targets, deps)];
  const out: HTMLElement[] = [header, proofSection(d.proof, names, original(d))];
  if (d.bench) out.push(benchSection(d.bench, names.title));
  if (d.wholeProgram || d.outlook) out.push(wholeProgramSection(d, original(d)));
  out.push(applySection(d, deps));
  if (d.optIns) out.push(optInSection(d, deps));
  return out;
}

function proofSection(p: ProofView, target: TargetNames, baseline: string, idSuffix = ''): HTMLElement {
  const s = el('section', 'ba-section proof');
  s.id = `proof${idSuffix}`;
  s.dataset.ok = String(p.ok);
  s.dataset.cases = String(p.cases);
  s.dataset.recorded = String(p.recordedCases);
  s.dataset.compiledCalls = String(p.compiledCalls);
  s.dataset.fallbacks = String(p.fallbacks);
  s.dataset.mismatches = String(p.mismatches);
  const verdict = p.ok ? 'Proven equal' : p.vacuous ? `Not proven: the ${target.prose} hardly ran` : 'Refused: the versions differ';
  const h = el('h2', undefined, 'Proof');
  const badge = el('span', `badge ${p.ok ? 'ok' : 'bad'}`, verdict);
  badge.id = `proof-verdict${idSuffix}`;
  h.append(' ', badge);
  const dl = el('dl', 'facts');
  const fact = (k: string, v: string) => dl.append(el('dt', undefined, k), el('dd', undefined, v));
  const edges = baseline === 'JavaScript' ? ' (NaN, ±0, ±Infinity, subnormals, int32 and 2^53 limits, empty arrays)' : '';
  fact('Cases', `${p.cases.toLocaleString('en-US')}: ${p.recordedCases} recorded calls, ${p.edgeCases} edge cases${edges}`);
  fact('Mismatches', String(p.mismatches));
  fact(
    'Ran',
    `${target.title} on ${p.compiledCalls} cases (${p.recordedCompiledCalls} of ${p.recordedCases} recorded), fell back to ${baseline === 'CPython' ? 'Python' : baseline} on ${p.fallbacks}`,
  );
  if (p.fallbackReasons.length > 0) fact('Fallbacks', p.fallbackReasons.map((f) => `${f.reason} (${f.count})`).join('; '));
  fact('Compared', p.comparison);
  if (p.tolerance || (p.maxError && (p.maxError.absolute > 0 || p.maxError.relative > 0))) {
    const e = p.maxError;
    const largest = e ? `${sci(e.relative)} relative, ${sci(e.absolute)} absolute` : 'not measured';
    const within = p.tolerance ? ` (tolerance used: ${sci(p.tolerance.relative)} relative + ${sci(p.tolerance.absolute)} absolute)` : '';
    fact('Largest error', `${largest}${within}`);
    s.dataset.maxRelative = String(e?.relative ?? '');
    if (p.tolerance) s.dataset.toleranceRelative = String(p.tolerance.relative);
  }
  s.append(h, dl);
  if (p.reason) s.append(el('p', 'reason', p.reason));
  const c = p.counterexample;
  if (c) {
    const box = el('div', 'counterexample');
    box.id = `counterexample${idSuffix}`;
    box.append(el('h3', undefined, `Counter-example (from ${c.foundIn})`));
    const label = `${target.name}:`;
    box.append(
      el(
        'pre',
        undefined,
        [c.call, `  ${'original:'.padEnd(12)} ${c.expected}`, `  ${label.padEnd(12)} ${c.actual}`, ...c.argsAfter.map((a) => `  ${a}`)].join('\n'),
      ),
    );
    s.append(box);
  }
  for (const n of p.notes) s.append(el('p', 'note', n));
  return s;
}

function benchSection(b: BenchView, compiled: string): HTMLElement {
  const s = el('section', 'ba-section bench');
  s.id = 'bench';
  s.append(el('h2', undefined, 'Benchmark'));
  s.append(chart(b.variants, annotations(b)));
  s.append(el('p', 'caption', 'Bars: median time per call (shorter is faster). Whiskers: ± the relative margin of error at 95 %.'));
  s.append(table(b.variants));
  const sp = el('p', `speedup ${b.verdict.replace(' ', '-')}`);
  sp.id = 'speedup';
  sp.dataset.estimate = String(b.speedup.estimate);
  sp.dataset.lo = String(b.speedup.ci95[0]);
  sp.dataset.hi = String(b.speedup.ci95[1]);
  sp.dataset.verdict = b.verdict;
  const f = formatRatio({ estimate: b.speedup.estimate, ci95: [b.speedup.ci95[0], upper(b.speedup.ci95)] });
  sp.append(el('strong', undefined, `Speedup ${f.estimate}`), ` (${f.ci}): `);
  const words = el('span', 'verdict', verdictWords(b, compiled));
  words.id = 'verdict';
  sp.append(words);
  s.append(sp);
  if (b.targets) {
    const list = el('ul', 'targets');
    list.id = 'targets';
    for (const t of b.targets) {
      const li = el('li', `speedup ${t.verdict.replace(' ', '-')}`, `${t.name}: ${withInterval(t.estimate, t.ci95)}, ${t.verdict}`);
      li.dataset.target = t.name;
      list.append(li);
    }
    s.append(list);
  }
  s.append(el('p', 'recommendation', `Recommendation: ${b.recommendation}`));
  // The prediction as the measurement judges it: after the recommendation, which the measurement alone makes.
  if (b.prediction) s.append(el('p', 'prediction', b.prediction));
  const details = el('details');
  details.append(el('summary', undefined, 'How it was measured'), el('p', undefined, b.callShape), el('p', undefined, b.note));
  s.append(details);
  return s;
}

/** What is written beside each compiled variant's bar: its measured speedup and the model's prediction. */
function annotations(b: BenchView): Partial<Record<VariantName, string>> {
  const out: Partial<Record<VariantName, string>> = {};
  const measured = b.targets ?? (b.variants.length === 2 ? [{ name: b.variants[1]!.name, estimate: b.speedup.estimate, ci95: b.speedup.ci95 }] : []);
  for (const t of measured) {
    const p = b.predicted?.[t.name];
    const f = formatRatio({ estimate: t.estimate, ci95: [t.ci95[0], upper(t.ci95)] });
    out[t.name] = `${f.estimate} ${f.ci.startsWith('95%') ? `[${f.lo}–${f.hi}]` : `(${f.ci})`}${p ? ` · predicted ${p.text}` : ''}`;
  }
  return out;
}

/** An interval drawn as a horizontal line with end caps, centred on `cy`. */
function whisker(lo: number, hi: number, cy: number): SVGLineElement[] {
  return [
    svg('line', { x1: lo, x2: hi, y1: cy, y2: cy, class: 'whisker' }),
    svg('line', { x1: lo, x2: lo, y1: cy - 6, y2: cy + 6, class: 'whisker' }),
    svg('line', { x1: hi, x2: hi, y1: cy - 6, y2: cy + 6, class: 'whisker' }),
  ];
}

/** Horizontal bars of the medians with error whiskers, drawn in SVG with the theme's chart colours. */
function chart(variants: VariantView[], notes: Partial<Record<VariantName, string>> = {}): SVGSVGElement {
  const annotated = Object.keys(notes).length > 0;
  const W = annotated ? 760 : 640;
  const rowH = 40;
  const left = 110;
  const right = annotated ? 290 : 90;
  const top = 8;
  const axis = 24;
  const H = top + rowH * variants.length + axis;
  const err = (v: VariantView) => (v.median * v.rme) / 100;
  const max = Math.max(...variants.map((v) => v.median + err(v)), 1e-12) * 1.05;
  const x = (t: number) => left + (Math.max(0, t) / max) * (W - left - right);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'bench-chart', id: 'bench-chart' });
  root.setAttribute('aria-label', `Median time per call: ${variants.map((v) => `${v.name} ${formatDuration(v.median)}`).join(', ')}`);
  variants.forEach((v, i) => {
    const y = top + i * rowH;
    const cls = barClass(v.name);
    root.append(svg('text', { x: left - 8, y: y + rowH / 2, class: 'chart-label', 'text-anchor': 'end', 'dominant-baseline': 'middle' }, v.name));
    const bar = svg('rect', { x: left, y: y + 8, width: Math.max(1, x(v.median) - left), height: rowH - 16, class: cls, 'data-variant': v.name });
    bar.append(svg('title', {}, `${v.name}: median ${formatDuration(v.median)}, ±${v.rme.toFixed(1)}%`));
    root.append(bar);
    const lo = x(v.median - err(v));
    const hi = x(v.median + err(v));
    const cy = y + rowH / 2;
    root.append(...whisker(lo, hi, cy));
    const note = notes[v.name];
    const value = svg('text', { x: hi + 6, y: cy, class: 'chart-value', 'dominant-baseline': 'middle', 'data-variant': v.name }, formatDuration(v.median));
    if (note) value.append(svg('tspan', { class: 'chart-note', dx: 8 }, note));
    root.append(value);
  });
  const ay = top + rowH * variants.length + 4;
  root.append(svg('line', { x1: left, x2: W - right, y1: ay, y2: ay, class: 'axis' }));
  for (const t of roundTicks(max)) {
    root.append(svg('line', { x1: x(t), x2: x(t), y1: ay, y2: ay + 4, class: 'axis' }));
    root.append(
      svg('text', { x: x(t), y: ay + 15, class: 'chart-tick', 'text-anchor': t === 0 ? 'start' : 'middle' }, formatDuration(t).replace(/\.?0+ /, ' ')),
    );
  }
  return sized(root, W, H);
}

function table(variants: VariantView[]): HTMLTableElement {
  const t = el('table', 'bench-table');
  t.id = 'bench-table';
  t.createCaption().textContent = 'Time per call';
  const head = t.createTHead().insertRow();
  for (const [label, cls] of [
    ['Variant', ''],
    ['Median', 'num'],
    ['Mean', 'num'],
    ['± RME', 'num'],
    ['SD', 'num'],
    ['Samples', 'num'],
  ] as const) {
    const th = el('th', cls, label);
    th.scope = 'col';
    head.append(th);
  }
  const body = t.createTBody();
  for (const v of variants) {
    const tr = body.insertRow();
    tr.dataset.variant = v.name;
    tr.dataset.median = String(v.median);
    tr.dataset.mean = String(v.mean);
    tr.dataset.rme = String(v.rme);
    tr.dataset.samples = String(v.samples);
    const name = el('th', undefined, v.name);
    name.scope = 'row';
    tr.append(name);
    for (const text of [formatDuration(v.median), formatDuration(v.mean), `±${v.rme.toFixed(1)}%`, formatDuration(v.sd), v.samples.toLocaleString('en-US')])
      tr.append(el('td', 'num', text));
  }
  return t;
}

/** Beside an "Apply anyway" button: why applying is not recommended. */
function notRecommended(reason: string, base: string): string {
  return `Not recommended: ${reason}. Keeping ${base === 'CPython' ? 'Python' : base} is the better choice; Apply anyway writes it all the same (Undo reverts it).`;
}

/**
 * The whole program before and after the chosen rewrite: what the user will feel, which decides Apply; and what the
 * recorded run predicted for it before anything was built.
 */
function wholeProgramSection(d: OptimizeData, base: string): HTMLElement {
  const s = el('section', 'ba-section whole-program');
  s.id = 'whole-program';
  const w = d.wholeProgram;
  const outlook = () => {
    if (!d.outlook) return;
    const p = el('p', 'outlook', d.outlook);
    p.id = 'outlook';
    s.append(p);
  };
  if (!w) {
    s.append(el('h2', undefined, 'The whole program'));
    outlook();
    return s;
  }
  const name = TARGET_NAMES[w.target].name;
  s.append(el('h2', undefined, `The whole program, ${base} and ${name}`));
  outlook();
  if (!w.speedup || !w.verdict) {
    s.dataset.measured = 'false';
    s.append(el('p', 'reason', `Not measured: ${w.reason ?? 'unknown reason'}. The function-level benchmark decides.`));
    return s;
  }
  s.dataset.measured = 'true';
  s.dataset.verdict = w.verdict;
  const f = formatRatio({ estimate: w.speedup.estimate, ci95: w.speedup.ci95 });
  const line = el('p', 'whole-program-result');
  line.append(el('strong', undefined, f.estimate), ` (${f.ci}): `, el('span', 'verdict', w.verdict));
  s.append(line);
  const dl = el('dl', 'facts');
  const fact = (k: string, v: string) => dl.append(el('dt', undefined, k), el('dd', undefined, v));
  fact('Before', `${formatDuration(w.beforeMs!)} (median of ${w.runs} runs)`);
  fact(
    'After',
    `${formatDuration(w.afterMs!)} (median of ${w.runs} runs; the first run with ${name} took ${formatDuration(w.firstAfterMs!)}, one-time costs included)`,
  );
  fact('How', `the program as you run it (perfLab.args), the two versions taking turns; the time is the whole process's, loading ${name} included`);
  s.append(dl);
  if (w.story) s.append(el('p', 'story', `Why: ${w.story}.`));
  if (w.changed) s.append(el('p', 'reason', `The rewritten program did not do the same: ${w.changed}.`));
  for (const n of w.notes) s.append(el('p', 'note', n));
  return s;
}

function applySection(d: OptimizeData, deps: PageDeps): HTMLElement {
  const s = el('section', 'ba-section apply');
  const button = el('button', 'primary-button');
  button.id = 'apply';
  button.type = 'button';
  const blocked = !!d.applyBlocked && d.canApply && !d.applied;
  button.textContent = d.applied ? 'Applied' : blocked ? 'Apply anyway' : 'Apply';
  button.disabled = !d.canApply || !!d.applied;
  button.dataset.blocked = String(blocked);
  if (blocked) button.className = 'secondary-button';
  button.addEventListener('click', () => {
    button.disabled = true;
    button.textContent = 'Applying…';
    deps.post({ type: 'apply' });
  });
  const note = el('p', 'apply-note', blocked ? notRecommended(d.applyBlocked!, original(d)) : d.applyNote);
  note.id = 'apply-note';
  s.append(button, note);
  if (d.applied) {
    const done = el('div', 'applied');
    done.id = 'applied';
    done.setAttribute('role', 'status');
    done.append(el('p', undefined, d.applied.summary), el('p', 'files', `Wrote ${d.applied.files.join(', ')}.`));
    s.append(done);
  }
  return s;
}

/**
 * The page of a side-by-side run: what to do, one benchmark of the original and every target (time per call, and
 * each target's speedup with its interval beside the model's prediction), then one card per target with its proof,
 * its refusal if any, and its own Apply.
 */
function sideBySide(d: OptimizeData, targets: TargetView[], deps: PageDeps): HTMLElement[] {
  const out: HTMLElement[] = [];
  const base = original(d);
  const predicted = targets.some((t) => t.predicted);
  const advice = el('section', 'ba-section advice');
  advice.id = 'recommendation';
  advice.append(el('h2', undefined, 'Recommendation'), el('p', 'recommendation', d.recommendation ?? ''));
  out.push(advice);
  const b = d.bench;
  if (b) {
    const s = el('section', 'ba-section bench');
    s.id = 'bench';
    s.append(el('h2', undefined, 'Benchmark: one run, each variant in its own process'));
    s.append(chart(b.variants, annotations(b)));
    s.append(
      el(
        'p',
        'caption',
        `Bars: median time per call (shorter is faster). Whiskers: ± the relative margin of error at 95 %. Beside each compiled bar: its speedup over ${base} [95 % CI]${predicted ? ' and what the break-even model predicted before the build' : ''}.`,
      ),
    );
    const measured = targets.filter((t) => t.measured);
    if (measured.length > 0) {
      s.append(speedupChart(measured, base));
      s.append(
        el(
          'p',
          'caption',
          `Speedup over ${base} (right of the 1× line is faster): bar and whisker, the measured ratio of medians and its 95 % bootstrap interval; ${predicted ? "diamond, the break-even model's prediction" : base === 'JavaScript' ? 'no prediction was made' : "no prediction: the break-even model knows JavaScript's boundary costs only"}.`,
        ),
      );
    }
    s.append(table(b.variants));
    if (b.prediction) s.append(el('p', 'prediction', b.prediction));
    const details = el('details');
    details.append(el('summary', undefined, 'How it was measured'), el('p', undefined, b.callShape), el('p', undefined, b.note));
    s.append(details);
    out.push(s);
  }
  if (d.wholeProgram || d.outlook) out.push(wholeProgramSection(d, base));
  const cards = el('section', 'ba-section target-cards');
  cards.id = 'targets';
  cards.append(el('h2', undefined, 'Targets'));
  for (const t of targets) cards.append(targetCard(d, t, deps));
  out.push(cards);
  if (d.optIns) out.push(optInSection(d, deps));
  if (d.applied) {
    const done = el('div', 'applied ba-section');
    done.id = 'applied';
    if (d.applied.target) done.dataset.target = d.applied.target;
    done.setAttribute('role', 'status');
    done.append(el('p', undefined, d.applied.summary), el('p', 'files', `Wrote ${d.applied.files.join(', ')}.`));
    out.push(done);
  }
  return out;
}

function targetCard(d: OptimizeData, t: TargetView, deps: PageDeps): HTMLElement {
  const card = el('article', 'target-card');
  card.id = `target-${t.target}`;
  card.dataset.target = t.target;
  card.dataset.proven = String(!!t.proof?.ok);
  const state = t.proof?.ok ? 'Proven equal' : t.proof ? 'Refused' : 'Not built';
  const h = el('h3', undefined, TARGET_NAMES[t.target].title);
  const badge = el('span', `badge ${t.proof?.ok ? 'ok' : 'bad'}`, state);
  h.append(' ', badge);
  card.append(h);
  if (t.built) card.append(el('p', 'built', t.built));
  if (t.refusal) {
    const r = el('p', 'refusal', `Refused: ${t.refusal}`);
    r.id = `refusal-${t.target}`;
    card.append(r);
  }
  if (t.measured) {
    const m = t.measured;
    const line = el('p', `speedup ${m.verdict.replace(' ', '-')}`);
    line.id = `measured-${t.target}`;
    line.dataset.estimate = String(m.estimate);
    line.dataset.lo = String(m.ci95[0]);
    line.dataset.hi = String(m.ci95[1]);
    line.dataset.verdict = m.verdict;
    if (t.predicted) line.dataset.predicted = String(t.predicted.speedup);
    line.append(
      el('strong', undefined, `Measured ${formatRatio({ estimate: m.estimate, ci95: [m.ci95[0], upper(m.ci95)] }).estimate}`),
      ` (${formatRatio({ estimate: m.estimate, ci95: [m.ci95[0], upper(m.ci95)] }).ci}): `,
      el('span', 'verdict', m.verdict),
    );
    // Without a prediction the speedup chart's caption says so, once for the panel.
    if (t.predicted) line.append(el('span', 'predicted', ` · predicted ${t.predicted.text}`));
    card.append(line, el('p', 'recommendation', m.recommendation));
  } else if (t.predicted) {
    card.append(el('p', 'predicted', `Predicted ${t.predicted.text}; not measured.`));
  }
  const actions = el('div', 'apply');
  const button = el('button', 'primary-button');
  button.id = `apply-${t.target}`;
  button.type = 'button';
  button.dataset.target = t.target;
  const blocked = !!t.applyBlocked && t.canApply && !d.applied;
  button.dataset.blocked = String(blocked);
  if (blocked) button.className = 'secondary-button';
  const label = t.name;
  button.textContent = d.applied?.target === t.target ? `Applied ${label}` : blocked ? `Apply ${label} anyway` : `Apply ${label}`;
  button.disabled = !t.canApply || !!d.applied;
  button.addEventListener('click', () => {
    button.disabled = true;
    button.textContent = 'Applying…';
    deps.post({ type: 'apply', target: t.target });
  });
  const note = el('p', 'apply-note', blocked ? notRecommended(t.applyBlocked!, original(d)) : t.applyNote);
  note.id = `apply-note-${t.target}`;
  actions.append(button, note);
  card.append(actions);
  if (t.proof) {
    const details = el('details', 'target-proof');
    if (!t.proof.ok) details.open = true;
    details.append(el('summary', undefined, `Proof: ${t.proof.cases.toLocaleString('en-US')} cases, ${t.proof.mismatches} mismatches`));
    details.append(proofSection(t.proof, TARGET_NAMES[t.target], original(d), `-${t.target}`));
    card.append(details);
  }
  return card;
}

/** The space between two tick labels, and a label's width at the ticks' 11 px (digits and × are ~6.2 px wide). */
const TICK_GAP = 10;
function tickWidth(text: string): number {
  return text.length * 6.4;
}

/** Round ticks (0 and steps of 1, 2 or 5 times a power of ten) up to `max`, three or four of them. */
export function roundTicks(max: number): number[] {
  const step = niceStep(max / 4);
  const ticks: number[] = [];
  for (let i = 0; i * step <= max * (1 + 1e-9); i++) ticks.push(i * step);
  return ticks;
}

/** A chart drawn at its own size in pixels, so its 11–12 px text never shrinks with a narrow panel (the section
 * scrolls sideways instead). */
function sized(root: SVGSVGElement, w: number, h: number): SVGSVGElement {
  root.setAttribute('width', String(w));
  root.setAttribute('height', String(h));
  return root;
}

/** Each target's measured speedup over the original with its 95 % interval, and the model's prediction as a diamond. */
function speedupChart(targets: TargetView[], base: string): SVGSVGElement {
  const W = 640;
  const rowH = 36;
  const left = 110;
  const right = 40;
  const top = 8;
  const axis = 24;
  const H = top + rowH * targets.length + axis;
  const values = targets.flatMap((t) => [t.measured!.ci95[1], t.measured!.estimate, t.predicted?.speedup ?? 1]);
  const max = Math.max(2, ...values.filter((v) => Number.isFinite(v))) * 1.08;
  const x = (v: number) => left + (Math.min(Math.max(0, v), max) / max) * (W - left - right);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'bench-chart speedup-chart', id: 'speedup-chart' });
  root.setAttribute(
    'aria-label',
    `Speedup over ${base}: ${targets.map((t) => `${t.name} measured ${withInterval(t.measured!.estimate, t.measured!.ci95)}${t.predicted ? `, predicted ${t.predicted.text}` : ''}`).join('; ')}`,
  );
  targets.forEach((t, i) => {
    const m = t.measured!;
    const y = top + i * rowH;
    const cy = y + rowH / 2;
    root.append(svg('text', { x: left - 8, y: cy, class: 'chart-label', 'text-anchor': 'end', 'dominant-baseline': 'middle' }, t.name));
    const bar = svg('rect', {
      x: left,
      y: y + 9,
      width: Math.max(1, x(m.estimate) - left),
      height: rowH - 18,
      class: barClass(t.name),
      'data-target': t.target,
    });
    bar.append(svg('title', {}, `${t.name}: ${withInterval(m.estimate, m.ci95)}, ${m.verdict}`));
    root.append(bar);
    root.append(...whisker(x(m.ci95[0]), x(upper(m.ci95)), cy));
    if (t.predicted) {
      const px = x(t.predicted.speedup);
      const d = svg('path', {
        d: `M ${px} ${cy - 7} L ${px + 7} ${cy} L ${px} ${cy + 7} L ${px - 7} ${cy} Z`,
        class: 'predicted-mark',
        'data-target': t.target,
      });
      d.append(svg('title', {}, `${t.name}: predicted ${t.predicted.text}`));
      root.append(d);
    }
  });
  const ay = top + rowH * targets.length + 4;
  root.append(svg('line', { x1: left, x2: W - right, y1: ay, y2: ay, class: 'axis' }));
  root.append(svg('line', { x1: x(1), x2: x(1), y1: top, y2: ay, class: 'one-line' }));
  // Powers of two up to the largest value, each label far enough from its neighbours to be read (speedups of 50–100×
  // put 2×, 4× and 8× on top of the 1× line, whose label names the original).
  const label = (v: number) => (v === 1 ? `1× (${base === 'JavaScript' ? 'JS' : base})` : `${v}×`);
  const candidates = [...(x(1) - x(0) >= tickWidth('0×') + tickWidth(label(1)) / 2 + TICK_GAP ? [0] : []), 1];
  for (let v = 2; v < max; v *= 2) candidates.push(v);
  const ticks: number[] = [];
  for (const v of candidates) {
    const last = ticks[ticks.length - 1];
    const room = last === undefined ? Infinity : x(v) - x(last) - (tickWidth(label(v)) + (last === 0 ? 2 : 1) * tickWidth(label(last))) / 2;
    if (v === 1 || room >= TICK_GAP) ticks.push(v);
  }
  for (const v of ticks) {
    root.append(svg('line', { x1: x(v), x2: x(v), y1: ay, y2: ay + 4, class: 'axis' }));
    root.append(svg('text', { x: x(v), y: ay + 15, class: 'chart-tick', 'text-anchor': v === 0 ? 'start' : 'middle' }, label(v)));
  }
  return sized(root, W, H);
}

/** After a window reload: the numbers are back, the compiled code is not; one click runs Optimize again. */
function restoredBanner(d: OptimizeData, deps: PageDeps): HTMLElement {
  const box = el('div', 'restored-banner');
  box.id = 'restored';
  box.setAttribute('role', 'note');
  const again = el('button', 'primary-button', '⚡ Optimize again');
  again.id = 'optimize-again';
  again.type = 'button';
  again.addEventListener('click', () => {
    again.disabled = true;
    deps.post({ type: 'optimize', name: d.functionName, file: d.file, line: d.line });
  });
  box.append(el('span', undefined, 'Shown again after a window reload. The compiled code was not kept, so Apply needs a new run. '), again);
  return box;
}

/** The native target's opt-ins as toggles, and a button that runs Optimize again with them (each is proven again). */
function optInSection(d: OptimizeData, deps: PageDeps): HTMLElement {
  const s = el('section', 'ba-section opt-ins');
  s.id = 'opt-ins';
  s.append(el('h2', undefined, 'Native opt-ins'));
  const used = d.optIns!.filter((o) => o.on).map((o) => o.id);
  s.append(
    el(
      'p',
      'note',
      used.length > 0
        ? `This run used ${used.join(', ')}; the proof above says the tolerance and the largest error.`
        : "This run kept JavaScript's results bit for bit. Each opt-in may make native code faster; it is proven again, within a stated tolerance where results may differ.",
    ),
  );
  const boxes: HTMLInputElement[] = [];
  for (const o of d.optIns!) {
    const label = el('label', 'opt-in');
    const box = el('input');
    box.type = 'checkbox';
    box.id = `opt-in-${o.id}`;
    box.value = o.id;
    box.checked = o.on;
    boxes.push(box);
    label.append(box, ' ', el('code', undefined, o.id), ` — ${o.label}`);
    s.append(label);
  }
  const again = el('button', 'primary-button', 'Run again with these opt-ins');
  again.id = 'rerun-opt-ins';
  again.type = 'button';
  again.addEventListener('click', () => {
    again.disabled = true;
    again.textContent = 'Running…';
    const optIns = boxes.filter((b) => b.checked).map((b) => b.value as NonNullable<OptimizeData['optIns']>[number]['id']);
    deps.post({ type: 'optimize', name: d.functionName, file: d.file, line: d.line, optIns });
  });
  s.append(again);
  return s;
}

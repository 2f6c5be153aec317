// The Before/After page of an optimized function: the proof, the benchmark as a chart and a table, the speedup with
// its interval and the verdict in plain words, and Apply. The same bundle as the flame graph, another page.
import type { BenchView, FromWebview, OptimizeData, ProofView, ToWebview, VariantView } from '../../extension/protocol';
import { el } from '../dom';

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

/** A time per call with a unit that keeps it readable (input in milliseconds). */
export function formatTime(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms === 0) return '0';
  if (ms < 1e-3) return `${(ms * 1e6).toFixed(ms < 1e-4 ? 2 : 1)} ns`;
  if (ms < 1) return `${(ms * 1e3).toFixed(ms < 1e-2 ? 2 : 1)} µs`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

function times(x: number): string {
  return `${x.toFixed(x < 10 ? 2 : 1)}×`;
}

/** The verdict in plain words, with what to do. */
export function verdictWords(b: BenchView, compiled = 'WebAssembly'): string {
  switch (b.verdict) {
    case 'faster':
      return `${compiled} is faster: ${times(b.speedup.estimate)} the speed of JavaScript`;
    case 'slower':
      return 'slower: keep JavaScript';
    case 'not significant':
      return 'not significant: keep JavaScript';
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
  style.textContent = deps.css;
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
    switch (m.type) {
      case 'optimize':
        render(m.data);
        break;
      case 'error': {
        const box = el('div', 'error-box', m.message);
        box.setAttribute('role', 'alert');
        root.prepend(box);
        break;
      }
      case 'load':
      case 'reveal':
        break;
      default: {
        const never: never = m;
        console.warn('Perf Lab: ignored a message it does not know', never);
      }
    }
  });
  deps.post({ type: 'ready' });
}

function page(d: OptimizeData, deps: PageDeps): HTMLElement[] {
  const header = el('header', 'header');
  const versus = d.bench?.targets ? d.bench.targets.map((t) => t.name).join(' and ') : d.target === 'native' ? 'native' : 'WebAssembly';
  const title = el('h1', 'title', `${d.functionName}: JavaScript vs ${versus}`);
  title.id = 'title';
  const summary = el('p', 'summary');
  summary.id = 'summary';
  const where = el('button', 'link', `${d.file.split(/[\\/]/).pop()}:${d.line}`);
  where.type = 'button';
  where.title = `Open ${d.file}`;
  where.addEventListener('click', () => deps.post({ type: 'openSource', file: d.file, line: d.line, column: 1 }));
  const rec = d.recording;
  summary.append(
    where,
    ` · ${d.target === 'native' ? 'a native addon (Apply writes it)' : `${d.wasmBytes.toLocaleString('en-US')} bytes of WebAssembly`} · ${rec.calls} of ${rec.totalCalls.toLocaleString('en-US')} real calls recorded${rec.reused ? ' (an earlier recording of the unchanged file)' : ''}`,
  );
  header.append(title, summary);
  const out: HTMLElement[] = [header, proofSection(d.proof, d.target === 'native' ? 'native code' : 'WebAssembly')];
  if (d.bench) out.push(benchSection(d.bench, d.target === 'native' ? 'Native code' : 'WebAssembly'));
  out.push(applySection(d, deps));
  return out;
}

function proofSection(p: ProofView, compiled: string): HTMLElement {
  const s = el('section', 'ba-section proof');
  s.id = 'proof';
  s.dataset.ok = String(p.ok);
  s.dataset.cases = String(p.cases);
  s.dataset.recorded = String(p.recordedCases);
  s.dataset.wasmCalls = String(p.wasmCalls);
  s.dataset.fallbacks = String(p.fallbacks);
  s.dataset.mismatches = String(p.mismatches);
  const verdict = p.ok ? 'Proven equal' : p.vacuous ? `Not proven: the ${compiled} hardly ran` : 'Refused: the versions differ';
  const h = el('h2', undefined, 'Proof');
  const badge = el('span', `badge ${p.ok ? 'ok' : 'bad'}`, verdict);
  badge.id = 'proof-verdict';
  h.append(' ', badge);
  const dl = el('dl', 'facts');
  const fact = (k: string, v: string) => dl.append(el('dt', undefined, k), el('dd', undefined, v));
  fact('Cases', `${p.cases.toLocaleString('en-US')}: ${p.recordedCases} recorded calls, ${p.edgeCases} edge cases (NaN, ±0, ±Infinity, subnormals, int32 and 2^53 limits, empty arrays)`);
  fact('Mismatches', String(p.mismatches));
  fact('Ran', `${compiled[0]!.toUpperCase()}${compiled.slice(1)} on ${p.wasmCalls} cases (${p.recordedWasmCalls} of ${p.recordedCases} recorded), fell back to JavaScript on ${p.fallbacks}`);
  if (p.fallbackReasons.length > 0) fact('Fallbacks', p.fallbackReasons.map((f) => `${f.reason} (${f.count})`).join('; '));
  fact('Compared', p.comparison);
  s.append(h, dl);
  if (p.reason) s.append(el('p', 'reason', p.reason));
  const c = p.counterexample;
  if (c) {
    const box = el('div', 'counterexample');
    box.id = 'counterexample';
    box.append(el('h3', undefined, `Counter-example (from ${c.foundIn})`));
    box.append(el('pre', undefined, [c.call, `  original:    ${c.expected}`, `  WebAssembly: ${c.actual}`, ...c.argsAfter.map((a) => `  ${a}`)].join('\n')));
    s.append(box);
  }
  for (const n of p.notes) s.append(el('p', 'note', n));
  return s;
}

function benchSection(b: BenchView, compiled: string): HTMLElement {
  const s = el('section', 'ba-section bench');
  s.id = 'bench';
  s.append(el('h2', undefined, 'Benchmark'));
  s.append(chart(b.variants));
  s.append(el('p', 'caption', 'Bars: median time per call (shorter is faster). Whiskers: ± the relative margin of error at 95 %.'));
  s.append(table(b.variants));
  const sp = el('p', `speedup ${b.verdict.replace(' ', '-')}`);
  sp.id = 'speedup';
  sp.dataset.estimate = String(b.speedup.estimate);
  sp.dataset.lo = String(b.speedup.ci95[0]);
  sp.dataset.hi = String(b.speedup.ci95[1]);
  sp.dataset.verdict = b.verdict;
  const [lo, hi] = b.speedup.ci95;
  sp.append(el('strong', undefined, `Speedup ${times(b.speedup.estimate)}`), ` (95% CI ${times(lo)}–${times(hi)}): `);
  const words = el('span', 'verdict', verdictWords(b, compiled));
  words.id = 'verdict';
  sp.append(words);
  s.append(sp);
  if (b.targets) {
    const list = el('ul', 'targets');
    list.id = 'targets';
    for (const t of b.targets) {
      const li = el('li', `speedup ${t.verdict.replace(' ', '-')}`, `${t.name}: ${times(t.estimate)} (95% CI ${times(t.ci95[0])}–${times(t.ci95[1])}), ${t.verdict}`);
      li.dataset.target = t.name;
      list.append(li);
    }
    s.append(list);
  }
  if (b.prediction) s.append(el('p', 'prediction', `Break-even model predicted: ${b.prediction}`));
  s.append(el('p', 'recommendation', `Recommendation: ${b.recommendation}`));
  const details = el('details');
  details.append(el('summary', undefined, 'How it was measured'), el('p', undefined, b.callShape), el('p', undefined, b.note));
  s.append(details);
  return s;
}

/** Horizontal bars of the medians with error whiskers, drawn in SVG with the theme's chart colours. */
function chart(variants: VariantView[]): SVGSVGElement {
  const W = 640;
  const rowH = 40;
  const left = 110;
  const right = 90;
  const top = 8;
  const axis = 24;
  const H = top + rowH * variants.length + axis;
  const err = (v: VariantView) => (v.median * v.rme) / 100;
  const max = Math.max(...variants.map((v) => v.median + err(v)), 1e-12) * 1.05;
  const x = (t: number) => left + (Math.max(0, t) / max) * (W - left - right);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'bench-chart', id: 'bench-chart' });
  root.setAttribute('aria-label', `Median time per call: ${variants.map((v) => `${v.name} ${formatTime(v.median)}`).join(', ')}`);
  variants.forEach((v, i) => {
    const y = top + i * rowH;
    const cls = v.name === 'JavaScript' ? 'bar-js' : 'bar-wasm';
    root.append(svg('text', { x: left - 8, y: y + rowH / 2, class: 'chart-label', 'text-anchor': 'end', 'dominant-baseline': 'middle' }, v.name));
    const bar = svg('rect', { x: left, y: y + 8, width: Math.max(1, x(v.median) - left), height: rowH - 16, class: cls, 'data-variant': v.name });
    bar.append(svg('title', {}, `${v.name}: median ${formatTime(v.median)}, ±${v.rme.toFixed(1)}%`));
    root.append(bar);
    const lo = x(v.median - err(v));
    const hi = x(v.median + err(v));
    const cy = y + rowH / 2;
    root.append(svg('line', { x1: lo, x2: hi, y1: cy, y2: cy, class: 'whisker' }));
    root.append(svg('line', { x1: lo, x2: lo, y1: cy - 6, y2: cy + 6, class: 'whisker' }));
    root.append(svg('line', { x1: hi, x2: hi, y1: cy - 6, y2: cy + 6, class: 'whisker' }));
    root.append(svg('text', { x: hi + 6, y: cy, class: 'chart-value', 'dominant-baseline': 'middle' }, formatTime(v.median)));
  });
  const ay = top + rowH * variants.length + 4;
  root.append(svg('line', { x1: left, x2: W - right, y1: ay, y2: ay, class: 'axis' }));
  for (const f of [0, 0.5, 1]) {
    const t = max * f;
    root.append(svg('line', { x1: x(t), x2: x(t), y1: ay, y2: ay + 4, class: 'axis' }));
    root.append(svg('text', { x: x(t), y: ay + 15, class: 'chart-tick', 'text-anchor': f === 0 ? 'start' : 'middle' }, formatTime(t)));
  }
  return root;
}

function table(variants: VariantView[]): HTMLTableElement {
  const t = el('table', 'bench-table');
  t.id = 'bench-table';
  t.createCaption().textContent = 'Time per call';
  const head = t.createTHead().insertRow();
  for (const [label, cls] of [['Variant', ''], ['Median', 'num'], ['Mean', 'num'], ['± RME', 'num'], ['SD', 'num'], ['Samples', 'num']] as const) {
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
    for (const text of [formatTime(v.median), formatTime(v.mean), `±${v.rme.toFixed(1)}%`, formatTime(v.sd), v.samples.toLocaleString('en-US')]) tr.append(el('td', 'num', text));
  }
  return t;
}

function applySection(d: OptimizeData, deps: PageDeps): HTMLElement {
  const s = el('section', 'ba-section apply');
  const button = el('button', 'primary-button');
  button.id = 'apply';
  button.type = 'button';
  const notFaster = !!d.bench && d.bench.verdict !== 'faster';
  button.textContent = d.applied ? 'Applied' : notFaster ? 'Apply (will not make it faster)' : 'Apply';
  button.disabled = !d.canApply || !!d.applied;
  button.dataset.notFaster = String(notFaster);
  button.addEventListener('click', () => {
    button.disabled = true;
    button.textContent = 'Applying…';
    deps.post({ type: 'apply' });
  });
  const note = el('p', 'apply-note', d.applyNote);
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

// The checks of how a webview reads, run inside its page on the colours and boxes the browser rendered: every visible
// text's contrast against what is painted under it (WCAG 2 AA: 4.5:1, 3:1 for large text), no text smaller than a
// minimum, no truncated numeric cell or placeholder, no two chart labels on top of each other. The pure parts are
// exported for their unit test; `auditFrame` sends them into the page as one script, a screen at a time.
import type { FrameLocator } from 'playwright-core';
import { contrast, luminance, parseColor, type Rgb } from '../../webview/flame/colors';

/** One problem found in a page: what kind, the text concerned, and where and why. */
export interface Finding {
  kind: 'contrast' | 'size' | 'truncated' | 'overlap';
  text: string;
  detail: string;
}

/** What the audit checks and where. */
export interface AuditOptions {
  /** Text below this size (CSS px, as rendered) is a finding. */
  minFontPx: number;
  /** The numeric cells that must show their whole text. */
  numeric: string;
}

/** A box in page coordinates. */
export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** `top` painted over `bottom` (source-over); the result has the alpha of the two together. */
export function over(top: Rgb, bottom: Rgb): Rgb {
  const a = top.a + bottom.a * (1 - top.a);
  if (a === 0) return { r: 0, g: 0, b: 0, a: 0 };
  const ch = (t: number, b: number) => (t * top.a + b * bottom.a * (1 - top.a)) / a;
  return { r: ch(top.r, bottom.r), g: ch(top.g, bottom.g), b: ch(top.b, bottom.b), a };
}

/** The colour seen through layers listed top first, down to the first opaque one (or `base` under them all). */
export function composite(layers: readonly Rgb[], base: Rgb): Rgb {
  const opaque = layers.findIndex((c) => c.a >= 1);
  const used = opaque < 0 ? layers : layers.slice(0, opaque + 1);
  let seen = opaque < 0 ? base : used[used.length - 1]!;
  for (let i = used.length - (opaque < 0 ? 1 : 2); i >= 0; i--) seen = over(used[i]!, seen);
  return seen;
}

/** WCAG 2's minimum contrast for text of this size (CSS px) and weight: large text (24 px, or 18.66 px bold) needs 3:1. */
export function requiredContrast(fontPx: number, weight: number): number {
  return fontPx >= 24 || (fontPx >= 18.66 && weight >= 700) ? 3 : 4.5;
}

/** The contrast of text of colour `text` (maybe translucent) over an opaque background. */
export function textContrast(text: Rgb, background: Rgb): number {
  return contrast(over(text, background), background);
}

/** The pairs of boxes (by index) that overlap by more than `tolerance` px in both directions. */
export function overlapping(boxes: readonly Box[], tolerance = 1): [number, number][] {
  const pairs: [number, number][] = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i]!;
      const b = boxes[j]!;
      const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (x > tolerance && y > tolerance) pairs.push([i, j]);
    }
  }
  return pairs;
}

/**
 * Runs in the webview's page (sent as text with the functions above): collects the findings of `options` over the
 * document and its open shadow roots.
 */
function auditPage(options: AuditOptions): Finding[] {
  const findings: Finding[] = [];
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 1;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const TRANSPARENT: Rgb = { r: 0, g: 0, b: 0, a: 0 };
  // Computed colours come as rgb()/rgba(), except mixes (color(srgb …), oklab …): the canvas resolves those.
  const colour = (css: string): Rgb | undefined => {
    const parsed = parseColor(css);
    if (parsed) return parsed;
    if (!css || css === 'none' || css.startsWith('url(') || css === 'currentcolor') return undefined;
    ctx.clearRect(0, 0, 1, 1);
    ctx.fillStyle = 'rgba(0, 0, 0, 0)';
    ctx.fillStyle = css;
    ctx.fillRect(0, 0, 1, 1);
    const [r, g, b, a] = ctx.getImageData(0, 0, 1, 1).data;
    return { r: r!, g: g!, b: b!, a: a! / 255 };
  };
  const parent = (e: Element): Element | null => e.parentElement ?? ((e.getRootNode() as ShadowRoot).host || null);
  const opacity = (e: Element): number => {
    let o = 1;
    for (let x: Element | null = e; x; x = parent(x)) o *= Number(getComputedStyle(x).opacity);
    return o;
  };
  const where = (e: Element): string => {
    const parts: string[] = [];
    for (let x: Element | null = e; x && parts.length < 3; x = parent(x)) {
      parts.unshift(x.id ? `#${x.id}` : `${x.tagName.toLowerCase()}${[...x.classList].map((c) => `.${c}`).join('')}`);
      if (x.id) break;
    }
    return parts.join(' > ');
  };
  const rootStyle = getComputedStyle(document.documentElement);
  const base = [
    colour(rootStyle.backgroundColor),
    colour(getComputedStyle(document.body).backgroundColor),
    colour(rootStyle.getPropertyValue('--vscode-editor-background').trim()),
  ].find((c) => c && c.a >= 1) ?? { r: 255, g: 255, b: 255, a: 1 };
  const SHAPES = new Set(['rect', 'circle', 'ellipse', 'path', 'polygon']);
  /** What an element paints under text: its background, or an SVG shape's fill; undefined when not known (an image). */
  const paint = (e: Element): Rgb | 'unknown' => {
    const s = getComputedStyle(e);
    const tag = e.tagName.toLowerCase();
    if (tag === 'canvas' || tag === 'img' || tag === 'video') return 'unknown';
    if (e instanceof SVGElement) {
      if (!SHAPES.has(tag)) return TRANSPARENT;
      const fill = colour(s.fill);
      return fill ? { ...fill, a: fill.a * Number(s.fillOpacity) * opacity(e) } : TRANSPARENT;
    }
    if (s.backgroundImage !== 'none') return 'unknown';
    const bg = colour(s.backgroundColor) ?? TRANSPARENT;
    return { ...bg, a: bg.a * opacity(e) };
  };
  /** The opaque colour under point (x, y) beneath element `e`, or undefined where `e` is not there (covered, clipped). */
  const backgroundAt = (e: Element, x: number, y: number): Rgb | undefined => {
    const root = e.getRootNode() as Document | ShadowRoot;
    const el = e as HTMLElement;
    const saved = el.style.getPropertyValue('pointer-events');
    el.style.setProperty('pointer-events', 'auto', 'important');
    const stack = root.elementsFromPoint(x, y);
    if (saved) el.style.setProperty('pointer-events', saved);
    else el.style.removeProperty('pointer-events');
    const at = stack.indexOf(e);
    if (at < 0) return undefined;
    const layers: Rgb[] = [];
    for (const x of stack.slice(at)) {
      if (x !== e && x.tagName.toLowerCase() === 'text') continue;
      const p = paint(x);
      if (p === 'unknown') return undefined;
      layers.push(p);
      if (p.a >= 1) break;
    }
    return composite(layers, base);
  };
  const disabled = (e: Element): boolean => !!e.closest(':disabled, [aria-disabled="true"], [disabled]');
  const visible = (e: Element): boolean => {
    const s = getComputedStyle(e);
    return s.visibility === 'visible' && opacity(e) > 0.05;
  };
  /** The size text is drawn at: its font size, scaled by an SVG's viewBox. */
  const renderedSize = (e: Element): number => {
    const size = parseFloat(getComputedStyle(e).fontSize);
    const m = e instanceof SVGGraphicsElement ? e.getScreenCTM() : null;
    return m ? size * Math.hypot(m.a, m.b) : size;
  };
  const inView = (r: DOMRect): boolean => r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0 && r.left < innerWidth && r.top < innerHeight;
  const checkText = (e: Element, text: string, rects: DOMRect[], colourCss: string): void => {
    const s = getComputedStyle(e);
    const size = renderedSize(e);
    if (size < options.minFontPx - 0.05) findings.push({ kind: 'size', text, detail: `${size.toFixed(1)} px at ${where(e)}` });
    const fg = colour(colourCss);
    if (!fg || disabled(e)) return;
    const need = requiredContrast(size, Number(s.fontWeight));
    let worst: { ratio: number; bg: Rgb } | undefined;
    for (const r of rects) {
      if (!inView(r)) continue;
      const y = r.top + r.height / 2;
      for (const x of [r.left + Math.min(2, r.width / 2), r.left + r.width / 2, r.right - Math.min(2, r.width / 2)]) {
        if (x < 0 || x >= innerWidth || y < 0 || y >= innerHeight) continue;
        const bg = backgroundAt(e, x, y);
        if (!bg) continue;
        const ratio = textContrast({ ...fg, a: fg.a * opacity(e) }, bg);
        if (!worst || ratio < worst.ratio) worst = { ratio, bg };
      }
    }
    if (worst && worst.ratio < need - 0.005) {
      const rgb = (c: Rgb) => `rgb(${Math.round(c.r)}, ${Math.round(c.g)}, ${Math.round(c.b)}${c.a < 1 ? `, ${c.a.toFixed(2)}` : ''})`;
      findings.push({ kind: 'contrast', text, detail: `${worst.ratio.toFixed(2)}:1 < ${need}:1 (${rgb(fg)} on ${rgb(worst.bg)}) at ${where(e)}` });
    }
  };

  const roots: (Document | ShadowRoot)[] = [document];
  for (let i = 0; i < roots.length; i++) {
    for (const e of roots[i]!.querySelectorAll('*')) if (e.shadowRoot) roots.push(e.shadowRoot);
  }
  for (const root of roots) {
    // Text nodes: their own rectangles, their element's colour (an SVG text's fill).
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = (n.textContent ?? '').trim();
      const e = n.parentElement;
      if (!text || !e || ['style', 'script', 'title', 'option', 'noscript'].includes(e.tagName.toLowerCase()) || !visible(e)) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      const rects = [...range.getClientRects()].filter(inView);
      if (rects.length === 0) continue;
      checkText(e, text, rects, e instanceof SVGElement ? getComputedStyle(e).fill : getComputedStyle(e).color);
    }
    // Form fields: the value's colour, and the placeholder's, which must also fit.
    for (const e of root.querySelectorAll<HTMLInputElement | HTMLSelectElement>(
      'input:not([type=checkbox]):not([type=radio]):not([type=hidden]), select, textarea',
    )) {
      const r = e.getBoundingClientRect();
      if (!inView(r) || !visible(e)) continue;
      const s = getComputedStyle(e);
      const placeholder = e instanceof HTMLInputElement && !e.value ? e.placeholder : '';
      if (placeholder) {
        checkText(e, placeholder, [r], getComputedStyle(e, '::placeholder').color);
        ctx.font = `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
        const room = e.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
        const width = ctx.measureText(placeholder).width;
        if (width > room + 1)
          findings.push({ kind: 'truncated', text: placeholder, detail: `placeholder ${width.toFixed(0)} px in ${room.toFixed(0)} px at ${where(e)}` });
      } else {
        const value = e instanceof HTMLSelectElement ? (e.selectedOptions[0]?.text ?? '') : e.value;
        if (value) checkText(e, value, [r], s.color);
      }
    }
    // Numeric cells: the whole number shows (no ellipsis, nothing scrolled or clipped away).
    for (const cell of root.querySelectorAll(options.numeric)) {
      const r = cell.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || !visible(cell)) continue;
      const text = (cell.textContent ?? '').trim();
      for (const x of [cell, ...cell.querySelectorAll('*')]) {
        const s = getComputedStyle(x);
        if (s.overflowX !== 'visible' && x.scrollWidth > x.clientWidth + 1) {
          findings.push({
            kind: 'truncated',
            text,
            detail: `${x.scrollWidth} px of text in ${x.clientWidth} px (${s.textOverflow === 'ellipsis' ? 'ellipsis' : `overflow ${s.overflowX}`}) at ${where(x)}`,
          });
          break;
        }
      }
      // What the cell draws (its text and inline boxes, an ellipsis included: the text's range keeps its full width)
      // lies within its padding box; scrollWidth misses an inline-block cut by an ellipsis.
      const cs = getComputedStyle(cell);
      const inner = { left: r.left + parseFloat(cs.borderLeftWidth) - 1, right: r.right - parseFloat(cs.borderRightWidth) + 1 };
      const range = document.createRange();
      range.selectNodeContents(cell);
      const drawn = [...range.getClientRects(), ...[...cell.querySelectorAll('*')].map((x) => x.getBoundingClientRect())].filter((b) => b.width > 0);
      const out = drawn.find((b) => b.right > inner.right || b.left < inner.left);
      if (out && !findings.some((f) => f.kind === 'truncated' && f.text === text && f.detail.endsWith(where(cell))))
        findings.push({
          kind: 'truncated',
          text,
          detail: `drawn ${out.left.toFixed(0)}–${out.right.toFixed(0)} in a cell ${r.left.toFixed(0)}–${r.right.toFixed(0)} at ${where(cell)}`,
        });
      // A clipping ancestor narrower than the cell hides part of it.
      for (let a = parent(cell); a && a !== document.documentElement; a = parent(a)) {
        const s = getComputedStyle(a);
        if (s.overflowX === 'auto' || s.overflowX === 'scroll') break; // (reachable by scrolling)
        if (s.overflowX !== 'hidden' && s.overflowX !== 'clip') continue;
        const box = a.getBoundingClientRect();
        if (r.right > box.right + 1 || r.left < box.left - 1)
          findings.push({
            kind: 'truncated',
            text,
            detail: `cut by ${where(a)} (cell ${r.left.toFixed(0)}–${r.right.toFixed(0)}, box ${box.left.toFixed(0)}–${box.right.toFixed(0)})`,
          });
        break;
      }
    }
    // Chart labels: no two texts of one SVG drawn over each other.
    for (const chart of root.querySelectorAll('svg')) {
      const labels = [...chart.querySelectorAll('text')].filter((t) => visible(t) && (t.textContent ?? '').trim() && inView(t.getBoundingClientRect()));
      const boxes = labels.map((t) => t.getBoundingClientRect());
      for (const [i, j] of overlapping(boxes)) {
        findings.push({ kind: 'overlap', text: `${labels[i]!.textContent} / ${labels[j]!.textContent}`, detail: `in ${where(chart)}` });
      }
    }
  }
  return findings;
}

/** The script that runs the audit in a page: the functions it uses, then the call. */
export function auditScript(options: AuditOptions): string {
  // (tsx names functions with a helper, __name, that the page does not have.)
  const functions = [parseColor, luminance, contrast, over, composite, requiredContrast, textContrast, overlapping, auditPage];
  const code = functions.map((f) => f.toString()).join('\n');
  // A module's imports are read through an object in transpiled code (import_colors.contrast): give each such name
  // an object holding the functions sent.
  const modules = new Map<string, Set<string>>();
  for (const [, object, name] of code.matchAll(/\b(import_\w+)\.(\w+)/g)) modules.set(object!, (modules.get(object!) ?? new Set()).add(name!));
  const imports = [...modules].map(([object, names]) => `const ${object} = { ${[...names].join(', ')} };`).join('\n');
  return `(() => { const __name = (f) => f;\n${code}\n${imports}\nreturn auditPage(${JSON.stringify(options)}); })()`;
}

/**
 * Marks the page's main scrolling box (the document, or the tallest box that scrolls) and returns how far it scrolls,
 * in CSS px; 0 when nothing does.
 */
const MARK_SCROLLER = `(() => {
  const scrolls = (e) => e.scrollHeight > e.clientHeight + 1;
  const root = document.scrollingElement;
  let box = root && scrolls(root) ? root : undefined;
  if (!box) {
    for (const e of document.querySelectorAll('*')) {
      const y = getComputedStyle(e).overflowY;
      if ((y === 'auto' || y === 'scroll') && scrolls(e) && (!box || e.clientHeight > box.clientHeight)) box = e;
    }
  }
  document.querySelector('[data-look-scroller]')?.removeAttribute('data-look-scroller');
  if (!box) return { range: 0, view: 0 };
  box.setAttribute('data-look-scroller', '');
  return { range: box.scrollHeight - box.clientHeight, view: box.clientHeight };
})()`;

/** Scrolls the marked box to `y` and resolves after the next frame is drawn. */
function scrollScript(y: number): string {
  return `new Promise((resolve) => {
    document.querySelector('[data-look-scroller]')?.scrollTo(0, ${y});
    requestAnimationFrame(() => requestAnimationFrame(() => resolve(true)));
  })`;
}

/**
 * Runs the audit in a webview's page over its whole height: the checks read what is drawn in the viewport, so the
 * page's main scrolling box is scrolled a screen at a time (with an overlap) and each finding is kept once; the page is
 * scrolled back to its top at the end.
 */
export async function auditFrame(frame: FrameLocator, options: AuditOptions): Promise<Finding[]> {
  // As an expression the browser evaluates itself: the page's content security policy forbids its own eval().
  const handle = await frame.locator('html').elementHandle();
  const page = await handle.ownerFrame();
  await handle.dispose();
  if (!page) throw new Error('The webview has no frame');
  const { range, view } = (await page.evaluate(MARK_SCROLLER)) as { range: number; view: number };
  const step = Math.max(1, Math.floor(view * 0.8));
  const found = new Map<string, Finding>();
  for (let y = 0; ; y = Math.min(range, y + step)) {
    if (range > 0) await page.evaluate(scrollScript(y));
    for (const f of (await page.evaluate(auditScript(options))) as Finding[]) found.set(`${f.kind}\0${f.text}\0${f.detail}`, f);
    if (y >= range) break;
  }
  if (range > 0) await page.evaluate(scrollScript(0));
  return [...found.values()];
}

/** One line per finding, for an assertion's message. */
export function describeFindings(findings: readonly Finding[]): string {
  return findings.map((f) => `${f.kind}: "${f.text.length > 60 ? `${f.text.slice(0, 57)}…` : f.text}" ${f.detail}`).join('\n');
}

// The sandwich: one function in the middle, everything that calls it above (callers drawn upwards, nearest first) and
// everything it calls below, each merged over all the function's call sites.
import { functionKey, sandwich, type Sandwich } from '../../extension/profile/flame-tree';
import type { FlameGraphData, FlameNode, FrameInfo } from '../../extension/protocol';
import { el } from '../dom';
import { ROW_HEIGHT } from '../flame/canvas-view';
import { FlameView, type FlameViewEvents } from '../flame/flame-view';
import { formatShare, formatWeight, location } from '../format';
import type { Theme } from '../flame/theme';

export class SandwichView {
  readonly callers: FlameView;
  readonly callees: FlameView;
  private readonly heading = el('div', 'sandwich-heading');
  private readonly empty = el('p', 'placeholder', 'Select a function (in any view or the table) to see its callers and callees.');
  private data: FlameGraphData | undefined;
  private key: string | undefined;
  private request = 0;
  private pending: FrameInfo | undefined;
  /** The callers' and the callees' halves. */
  private readonly panes: [HTMLElement, HTMLElement];

  /**
   * @param fetch when given and the profile was sent pruned, the sandwich is asked of the extension (which has the
   * whole tree) instead of merged from what the page has; the answer comes to {@link answer}.
   */
  constructor(
    host: HTMLElement,
    events: FlameViewEvents,
    private readonly fetch?: (request: number, frame: FrameInfo) => void,
  ) {
    const top = el('div', 'sandwich-pane callers');
    const bottom = el('div', 'sandwich-pane callees');
    this.heading.id = 'sandwich-heading';
    this.heading.setAttribute('aria-live', 'polite');
    host.append(this.empty, top, this.heading, bottom);
    this.panes = [top, bottom];
    this.callers = new FlameView(top, events, { id: 'sandwich-callers', label: 'Callers of the selected function', inverted: true });
    this.callees = new FlameView(bottom, events, { id: 'sandwich-callees', label: 'Callees of the selected function' });
    host.dataset.empty = 'true';
  }

  setTheme(theme: Theme): void {
    this.callers.setTheme(theme);
    this.callees.setTheme(theme);
  }

  setData(data: FlameGraphData): void {
    this.data = data;
    this.key = undefined;
  }

  /** The function in the middle. */
  get functionKey(): string | undefined {
    return this.key;
  }

  /** Puts a function in the middle (again, when the tree grew since). */
  show(frame: FrameInfo | undefined, force = false): void {
    const data = this.data;
    const host = this.heading.parentElement!;
    if (!data || !frame) {
      host.dataset.empty = 'true';
      this.key = undefined;
      return;
    }
    const key = functionKey(frame);
    if (key === this.key && !force) return;
    this.key = key;
    if (data.pruned && this.fetch) {
      this.pending = frame;
      host.dataset.empty = 'true';
      this.empty.textContent = `Loading the callers and callees of ${frame.name || '(anonymous)'}…`;
      this.fetch(++this.request, frame);
      return;
    }
    this.draw(frame, sandwich(data.root, data.frames, key));
  }

  /** The extension's answer to the latest request; older answers are dropped. */
  answer(request: number, s: Sandwich): void {
    if (request !== this.request || !this.pending) return;
    const frame = this.pending;
    this.pending = undefined;
    this.draw(frame, s);
  }

  private draw(frame: FrameInfo, s: Sandwich): void {
    const data = this.data!;
    const host = this.heading.parentElement!;
    host.dataset.empty = String(s.callees.frame < 0);
    if (s.callees.frame < 0) {
      this.empty.textContent = `${frame.name || '(anonymous)'} has no samples in the loaded part of the profile.`;
      return;
    }
    this.callers.setTree(s.callers, data.frames, data.total, data.unit);
    this.callees.setTree(s.callees, data.frames, data.total, data.unit);
    // Each half as tall as its rows: a shallow caller chain leaves no empty band between the graphs and the heading.
    for (const [pane, tree] of [
      [this.panes[0], s.callers],
      [this.panes[1], s.callees],
    ] as const)
      pane.style.setProperty('--pl-pane-height', `${(depthOf(tree) + 1) * ROW_HEIGHT + 2}px`);
    this.heading.dataset.function = frame.name;
    const where = location(frame.file, frame.line);
    // The function's own boxes are right above and below: the heading names it for a screen reader only, and shows
    // where it is and its weight.
    const loc = where ? el('span', 'loc', location(frame.file, frame.line, true)) : '';
    if (loc) loc.title = where;
    this.heading.replaceChildren(
      el('span', 'arrow', '▲ callers'),
      el('strong', 'fn-name', frame.name || '(anonymous)'),
      loc,
      el('span', 'value', `${formatWeight(s.callees.total, data.unit)} total (${formatShare(s.callees.total, data.total)})`),
      el('span', 'arrow', '▼ callees'),
    );
  }

  setMatches(frames: Uint8Array | undefined): void {
    this.callers.setMatches(undefined, frames);
    this.callees.setMatches(undefined, frames);
  }

  /** Both halves' roots, for focusing. */
  roots(): FlameNode[] {
    return [this.callers.tree, this.callees.tree];
  }
}

/** The number of levels below a node (0 for a leaf). */
function depthOf(node: FlameNode): number {
  let deepest = 0;
  for (const c of node.children) deepest = Math.max(deepest, 1 + depthOf(c));
  return deepest;
}

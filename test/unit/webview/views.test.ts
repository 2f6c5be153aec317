import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlameSession, toFlameGraphData } from '../../../extension/profile/flame-data';
import { countNodes, functionKey, graftSubtree, pruneTree, sandwich } from '../../../extension/profile/flame-tree';
import { parseFolded } from '../../../extension/profile/importers/folded';
import { ProfileBuilder } from '../../../extension/profile/model';
import { chartRuns, sampleTimes, timelineOf } from '../../../extension/profile/timeline';
import type { FlameNode, FunctionRow } from '../../../extension/protocol';
import { boxAt, chartNav, clampWindow, indexRuns, layoutChart, zoomWindow } from '../../../webview/flame/chart-layout';
import { navigate, type NavTree } from '../../../webview/flame/nav';
import { parentMap } from '../../../webview/flame/layout';
import { tableRows } from '../../../webview/table-model';
import { child, makeData } from './tree';

const js = (name: string) => ({ name, file: `/src/${name}.js`, line: 1, column: 1, kind: 'js' as const });

/** A profile from stacks given as 'a;b;c' strings, one sample of 1 ms each at consecutive times. */
function timed(stacks: string[], gaps: number[] = []): ReturnType<ProfileBuilder['build']> {
  const b = new ProfileBuilder('ms');
  let t = 0;
  stacks.forEach((s, i) => {
    b.sample(b.path(s.split(';').map((n) => b.frame(js(n)))), 1, t);
    t += 1 + (gaps[i] ?? 0);
  });
  return b.build();
}

function boxes(p: ReturnType<typeof timed>, runs: ReturnType<typeof chartRuns>): string[] {
  return runs.depth.map((d, i) => `${d}:${p.frames[runs.frame[i]!]!.name}@${runs.start[i]}-${runs.end[i]}`).sort();
}

test('flame chart: consecutive samples with the same stack prefix are one box per row', () => {
  const p = timed(['main;a;x', 'main;a;x', 'main;a;y', 'main;b', 'main;a']);
  const runs = chartRuns(timelineOf(p), 0, 5);
  assert.deepEqual(boxes(p, runs), ['0:main@0-5', '1:a@0-3', '1:a@4-5', '1:b@3-4', '2:x@0-2', '2:y@2-3'].sort());
  // A window keeps the boxes of samples that overlap it, whole.
  assert.deepEqual(boxes(p, chartRuns(timelineOf(p), 3.5, 5)), ['0:main@3-5', '1:a@4-5', '1:b@3-4']);
  // A resolution leaves out the short boxes only.
  assert.deepEqual(boxes(p, chartRuns(timelineOf(p), 0, 5, 2)), ['0:main@0-5', '1:a@0-3', '2:x@0-2']);
});

test('flame chart: a recursion and a return to the same function start new boxes; idle gaps keep recorded times', () => {
  const p = timed(['f;f;f', 'f;f', 'f', 'f;g', 'f'], [0, 0, 3]);
  assert.deepEqual(boxes(p, chartRuns(timelineOf(p), 0, 100)), ['0:f@0-8', '1:f@0-2', '1:g@6-7', '2:f@0-1'].sort());
  const t = sampleTimes(p);
  assert.deepEqual([...t.start], [0, 1, 2, 6, 7]);
  assert.equal(t.duration, 8);
  // Counts without times lie end to end.
  const folded = parseFolded('a;b 2\na;c 3\n', 'x.folded');
  assert.deepEqual([...sampleTimes(folded).end], [2, 5]);
});

test('flame chart: buckets keep every long box and do not merge calls that alternate within a bucket', () => {
  const stacks = [...Array(100).fill('main;a;x'), ...Array.from({ length: 100 }, (_, i) => (i % 2 ? 'main;b' : 'main;c')), ...Array(100).fill('main;a;y')];
  const p = timed(stacks);
  const exact = boxes(p, chartRuns(timelineOf(p), 0, 300, 20));
  assert.deepEqual(exact, ['0:main@0-300', '1:a@0-100', '1:a@200-300', '2:x@0-100', '2:y@200-300']);
  // Buckets of ~10 samples: the same boxes, edges within a bucket; b and c (one sample each) never become a 100 ms box.
  const bucketed = boxes(p, chartRuns(timelineOf(p), 0, 300, 20.5));
  assert.equal(bucketed.length, exact.length);
  const parse = (b: string) => /^(\d+):(\w+)@([\d.]+)-([\d.]+)$/.exec(b)!.slice(1);
  bucketed.forEach((b, i) => {
    const [d, f, s0, e0] = parse(b);
    const [d1, f1, s1, e1] = parse(exact[i]!);
    assert.deepEqual([d, f], [d1, f1]);
    assert.ok(Math.abs(Number(s0) - Number(s1)) <= 10.25 && Math.abs(Number(e0) - Number(e1)) <= 10.25, `${b} ≈ ${exact[i]}`);
  });
  const coarse = chartRuns(timelineOf(p), 0, 300, 150);
  assert.deepEqual(boxes(p, coarse), ['0:main@0-300']);
  // A lone sample of another outermost frame (the garbage collector) does not break the program's runs at coarse zoom.
  const gc = timed([...Array(50).fill('main;a'), '(gc)', ...Array(50).fill('main;a')]);
  assert.deepEqual(boxes(gc, chartRuns(timelineOf(gc), 0, 101, 20)), ['0:main@0-101', '1:a@0-101']);
  assert.equal(boxes(gc, chartRuns(timelineOf(gc), 0, 101)).length, 5, 'exactly, the GC sample splits them');
});

test('flame chart layout: a window scales and culls boxes; rows link callers and callees for the keyboard', () => {
  const p = timed(['main;a;x', 'main;a;x', 'main;a;y', 'main;b', 'main;a']);
  const index = indexRuns(chartRuns(timelineOf(p), 0, 5));
  const l = layoutChart(index, { from: 1, to: 3, width: 200 });
  assert.equal(l.scale, 100);
  const names = l.rows.map((r) => r.map((b) => `${p.frames[b.node.frame]!.name}:${b.x}+${b.width}`));
  assert.deepEqual(names, [['main:-100+500'], ['a:-100+300'], ['x:-100+200', 'y:100+100']], 'b starts where the window ends');
  const main = boxAt(index, 0, 2)!;
  const nav = chartNav(index);
  const a = navigate(nav, main, 'ArrowDown')!;
  assert.equal(p.frames[a.frame]!.name, 'a');
  assert.equal(navigate(nav, a, 'ArrowRight')!.frame, index.rows[1]![1]!.frame);
  assert.equal(navigate(nav, a, 'ArrowUp'), main);
  assert.equal(navigate(nav, main, 'ArrowUp'), undefined);
  assert.deepEqual(zoomWindow(0, 10, 5, 0.5, 0, 10), [2.5, 7.5]);
  assert.deepEqual(zoomWindow(0, 10, 0, 0.5, 0, 10), [0, 5]);
  assert.deepEqual(zoomWindow(2, 4, 3, 100, 0, 10), [0, 10], 'zooming out stops at the whole profile');
  assert.deepEqual(clampWindow(8, 12, 0, 10), [6, 10]);
});

test('sandwich: callers and callees merged over all call sites, recursion counted once', () => {
  const data = makeData({ main: { parse: { lex: 20, '.': 5, 'parse#2': { lex: 10 } }, run: { parse: { lex: 3, eval: 7 } }, other: 15 } });
  const parse = data.frames.findIndex((f) => f.name === 'parse');
  const s = sandwich(data.root, data.frames, functionKey(data.frames[parse]!));
  const name = (n: FlameNode) => data.frames[n.frame]!.name;
  assert.equal(s.callees.frame, parse);
  assert.equal(s.callees.total, 45);
  assert.deepEqual(
    s.callees.children.map((c) => [name(c), c.total]),
    [
      ['lex', 23],
      ['parse', 10],
      ['eval', 7],
    ],
  );
  assert.equal(s.callers.total, 45);
  // Nearest caller first: main called parse directly for 35, run for 10 (and main called run).
  assert.deepEqual(
    s.callers.children.map((c) => [name(c), c.total, c.self]),
    [
      ['main', 35, 35],
      ['run', 10, 0],
    ],
  );
  assert.deepEqual(
    s.callers.children[1]!.children.map((c) => [name(c), c.total, c.self]),
    [['main', 10, 10]],
  );
  const none = sandwich(data.root, data.frames, 'nothing');
  assert.equal(none.callers.frame, -1);
  assert.equal(none.callees.total, 0);
});

test('table: sorted by each column both ways and filtered by name or file', () => {
  const row = (name: string, file: string, self: number, total: number, samples: number, calls?: number): FunctionRow => ({
    name,
    file,
    line: 3,
    column: 1,
    kind: 'js',
    self,
    total,
    samples,
    ...(calls === undefined ? {} : { calls }),
  });
  const rows = [row('beta', '/b.js', 5, 50, 9), row('alpha', '/c.js', 20, 20, 2, 40), row('Gamma', '/a.js', 1, 90, 7)];
  const names = (q: Parameters<typeof tableRows>[1]) => tableRows(rows, q).map((r) => r.name);
  assert.deepEqual(names({ sort: 'self', descending: true, filter: '' }), ['alpha', 'beta', 'Gamma']);
  assert.deepEqual(names({ sort: 'self', descending: false, filter: '' }), ['Gamma', 'beta', 'alpha']);
  assert.deepEqual(names({ sort: 'total', descending: true, filter: '' }), ['Gamma', 'beta', 'alpha']);
  assert.deepEqual(names({ sort: 'name', descending: false, filter: '' }), ['alpha', 'beta', 'Gamma']);
  assert.deepEqual(names({ sort: 'location', descending: false, filter: '' }), ['Gamma', 'beta', 'alpha']);
  assert.deepEqual(names({ sort: 'count', descending: true, filter: '' }), ['alpha', 'beta', 'Gamma'], 'calls where counted, samples elsewhere');
  assert.deepEqual(names({ sort: 'self', descending: true, filter: 'A.JS' }), ['Gamma']);
  assert.deepEqual(names({ sort: 'self', descending: true, filter: ' et ' }), ['beta']);
  // My code only: the runtime's and native frames, installed packages and Python's library are left out.
  const mixed = [
    ...rows,
    { ...row('(garbage collector)', '', 50, 50, 3), kind: 'runtime' as const },
    { ...row('readFileSync', 'node:fs', 1, 1, 1) },
    { ...row('helper', '/w/node_modules/lib/index.js', 1, 1, 1) },
    { ...row('dot', '/venv/lib/python3.11/site-packages/numpy/core.py', 1, 1, 1), kind: 'python' as const },
    { ...row('randint', '/usr/lib/python3.11/random.py', 1, 1, 1), kind: 'python' as const },
    { ...row('kernel', '/w/lib/python/kernel.py', 1, 1, 1), kind: 'python' as const },
  ];
  assert.deepEqual(
    tableRows(mixed, { sort: 'self', descending: true, filter: '', mine: true }).map((r) => r.name),
    ['alpha', 'beta', 'Gamma', 'kernel'],
  );
  assert.equal(tableRows(mixed, { sort: 'self', descending: true, filter: '' }).length, mixed.length);
  assert.deepEqual(
    rows.map((r) => r.name),
    ['beta', 'alpha', 'Gamma'],
    'the input is not reordered',
  );
});

test('keyboard navigation over the call tree: up parent, down heaviest child, left/right siblings', () => {
  const data = makeData({ main: { a: { c: 30, d: 10 }, b: 50 } });
  const parents = parentMap(data.root);
  const tree: NavTree<FlameNode> = { parent: (n) => parents.get(n), children: (n) => n.children };
  const main = child(data, data.root, 'main');
  const b = child(data, main, 'b');
  const a = child(data, main, 'a');
  assert.equal(navigate(tree, data.root, 'ArrowDown'), main);
  assert.equal(navigate(tree, main, 'ArrowDown'), b, 'the heaviest child is drawn first');
  assert.equal(navigate(tree, b, 'ArrowRight'), a);
  assert.equal(navigate(tree, a, 'ArrowRight'), undefined);
  assert.equal(navigate(tree, a, 'ArrowLeft'), b);
  assert.equal(navigate(tree, child(data, a, 'd'), 'ArrowUp'), a);
  assert.equal(navigate(tree, data.root, 'ArrowUp'), undefined);
  assert.equal(navigate(tree, data.root, 'ArrowLeft'), undefined);
});

test('pruning keeps boxes of at least the threshold; a pruned node can be asked for and grafted back', () => {
  const data = makeData({ main: { big: { x: 90, tiny1: 0.5 }, tiny2: 0.2, small: 2 } });
  const full: FlameNode[] = [];
  const pruned = pruneTree(data.root, 1, (n) => full.push(n) - 1);
  assert.equal(countNodes(pruned), 5, 'root, main, big, x, small');
  const main = child(data, pruned, 'main');
  const big = child(data, main, 'big');
  assert.equal(main.dropped, 0.2);
  assert.equal(big.dropped, 0.5);
  assert.equal(child(data, big, 'x').dropped, undefined);
  const again = pruneTree(full[big.id!]!, 0.1, (n) => full.push(n) - 1);
  graftSubtree(big, again);
  assert.deepEqual(
    big.children.map((c) => data.frames[c.frame]!.name),
    ['x', 'tiny1'],
  );
  assert.equal(big.dropped, undefined);
  assert.equal(big.id, undefined);
  assert.equal(big.total, 90.5, 'totals are never changed by pruning');
});

test('the host session sends big trees pruned and answers subtree and chart requests', () => {
  const b = new ProfileBuilder('ms');
  const f = (n: string) => b.frame(js(n));
  let t = 0;
  for (let i = 0; i < 3000; i++) b.sample(b.path([f('main'), f('hot')]), 1, t++);
  for (let i = 0; i < 40; i++) b.sample(b.path([f('main'), f('cold'), f(`rare${i}`), f('leaf')]), 0.01, t++);
  const data = toFlameGraphData(b.build(), { title: 'big' });
  const whole = new FlameSession(data).initial();
  assert.equal(whole.pruned, undefined);
  assert.equal(countNodes(whole.root), 84);
  const session = new FlameSession(data, { maxWholeNodes: 10, maxWholeChartSamples: 100 });
  const sent = session.initial();
  assert.equal(sent.pruned, true);
  assert.equal(countNodes(sent.root), 3, 'root, main, hot and nothing narrower than a 4096th');
  const main = sent.root.children[0]!;
  assert.ok(main.id !== undefined && Math.abs(main.dropped! - 0.4) < 1e-9, 'cold, 0.4 ms, was left out');
  const coarse = session.subtree(main.id!, 1)!;
  assert.equal(countNodes(coarse), 2, 'asked with a coarse pixel, the subtree is never coarser than a 4096th of main');
  const sub = session.subtree(main.id!, 0.001)!;
  assert.equal(countNodes(sub), 2 + 1 + 80, 'zoomed far in, every rare call and its leaf comes');
  assert.equal(session.subtree(9999, 1), undefined);
  // The sandwich comes from the full tree: cold was pruned from what the page has, yet its 40 callees are there.
  const sw = session.sandwich({ name: 'cold', file: '/src/cold.js', line: 1 });
  assert.equal(sw.callees.children.length, 40);
  assert.deepEqual(
    sw.callers.children.map((c) => data.frames[c.frame]!.name),
    ['main'],
  );
  assert.deepEqual(
    [sent.chart!.depth.length, sent.chart!.resolution, sent.chart!.to],
    [0, 3039.01, 3039.01],
    'a long timeline (3039.01 ms) is left for the page to ask for',
  );
  const standalone = new FlameSession(data, { maxWholeNodes: 10, maxWholeChartSamples: 100, deferChart: false }).initial();
  assert.ok(standalone.chart!.depth.length > 0 && standalone.chart!.resolution > 0, 'without a host it comes at the resolution of a wide screen');
  const fine = session.chart(3000, 3004, 800)!;
  assert.equal(fine.resolution, 4 / 800);
  assert.equal(fine.depth.length, 10, 'main, cold, and 4 rare calls each with its leaf: boxes of 0.01 ms are kept when zoomed in');
  assert.equal(session.chart(0, 4000, 800)!.depth.length, 3, 'zoomed out only main, hot and cold (one run of 39 ms) are wide enough');
  assert.deepEqual(
    data.functions!.find((r) => r.name === 'hot'),
    { name: 'hot', file: '/src/hot.js', line: 1, column: 1, kind: 'js', self: 3000, total: 3000, samples: 3000 },
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findFunction, hotFunctions, matchingFrames, searchTree } from '../../../webview/flame/stats';
import { child, makeData } from './tree';

test('search matches name or file, ignoring case, and an empty query matches nothing', () => {
  const data = makeData({ parseJson: 1, render: 1 }, { render: '/app/JSON/render.js' });
  const m = matchingFrames(data.frames, 'json')!;
  assert.deepEqual([...m], [1, 1]);
  assert.deepEqual([...matchingFrames(data.frames, 'PARSE')!], [1, 0]);
  assert.equal(matchingFrames(data.frames, '  '), undefined);
});

test('the search sum counts a match nested under another match once', () => {
  // parse (60) calls lex (20) and parse again (recursion, 25 of its 60); lex is also called from main directly.
  const data = makeData({ main: { parse: { '.': 10, lex: 20, 'parse#2': { '.': 5, lex: 20 } }, lex: 15, other: 25 } });
  const r = searchTree(data.root, matchingFrames(data.frames, 'parse')!);
  assert.equal(r.total, 55);
  assert.equal(r.nodes.size, 2);
  assert.equal(r.frameCount, 1);
  const both = searchTree(data.root, matchingFrames(data.frames, 'e')!);
  // 'e' matches parse, lex, other but also main (the file /src/main.js), which covers everything.
  assert.equal(both.total, 95);
  const lexOrParse = matchingFrames(data.frames, 'x')!; // only lex
  assert.equal(searchTree(data.root, lexOrParse).total, 55);
});

test('hot functions sum self over call paths and count recursive totals once', () => {
  const data = makeData({ main: { '.': 1, fib: { '.': 10, 'fib#2': { '.': 20, 'fib#3': 30 } }, helper: { fib: 5 }, work: 34 } });
  const hot = hotFunctions(data, 50);
  assert.deepEqual(
    hot.map((h) => [h.name, h.self, h.total]),
    [
      ['fib', 65, 65],
      ['work', 34, 34],
      ['main', 1, 100],
      ['helper', 0, 5],
    ],
  );
  assert.equal(data.frames[hot[0]!.heaviest.frame]!.name, 'fib');
  assert.equal(hot[0]!.heaviest.total, 60);
  assert.equal(hotFunctions(data, 2).length, 2);
});

test('hot functions merge frames that differ only in column', () => {
  const data = makeData({ main: { f: 3, g: { f: 4 } } });
  data.frames.push({ ...data.frames[1]!, column: 9 });
  const g = child(data, child(data, data.root, 'main'), 'g');
  g.children[0]!.frame = data.frames.length - 1;
  const hot = hotFunctions(data);
  const f = hot.find((h) => h.name === 'f')!;
  assert.equal(f.self, 7);
  assert.equal(f.total, 7);
});

test('findFunction picks the heaviest call, optionally by file', () => {
  const data = makeData({ main: { a: { hot: 5 }, b: { hot: 30 } } });
  const n = findFunction(data, 'hot')!;
  assert.equal(n.total, 30);
  assert.equal(findFunction(data, 'hot', 'hot.js'), n);
  assert.equal(findFunction(data, 'hot', '/elsewhere/x.js'), undefined);
  assert.equal(findFunction(data, 'cold'), undefined);
});

// The folders read as the architecture (docs/architecture.md): no folder imports another that imports it back.
// The graph is over every import (static, dynamic, type-only) of the extension, the webview and the runtimes; a
// file directly under extension/ or webview/ is a node of its own, a file in a folder belongs to its folder.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const root = resolve(__dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The node a file belongs to: `extension/compiler`, `wasm`, or a top-level file such as `extension/targets.ts`. */
function nodeOf(file: string): string {
  const parts = relative(root, file).split('/');
  if (parts.length === 2 && (parts[0] === 'extension' || parts[0] === 'webview')) return parts.join('/');
  return parts.slice(0, Math.min(2, parts.length - 1)).join('/');
}

/** The strongly connected components of more than one node (Tarjan). */
function cycles(edges: Map<string, Set<string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1) found.push(c.sort());
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('architecture', () => {
  it('has no import cycle between folders', () => {
    const edges = new Map<string, Set<string>>();
    const why: string[] = [];
    for (const top of ['extension', 'webview', 'wasm', 'native']) {
      for (const file of sources(join(root, top))) {
        for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)) {
          const target = resolve(dirname(file), m[1]!);
          const a = nodeOf(file);
          const b = nodeOf(target.endsWith('.ts') ? target : `${target}.ts`);
          if (a === b) continue;
          if (!edges.has(a)) edges.set(a, new Set());
          edges.get(a)!.add(b);
          why.push(`${relative(root, file)} → ${m[1]}`);
        }
      }
    }
    assert.ok(edges.size > 10, 'the import graph was read');
    const found = cycles(edges);
    const explain = found.map((c) => `${c.join(' ↔ ')}:\n  ${why.filter((w) => c.some((n) => w.startsWith(n))).join('\n  ')}`).join('\n');
    assert.deepEqual(found, [], explain);
  });
});

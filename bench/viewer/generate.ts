// Synthetic .cpuprofile files of a chosen size, written as a stream (never held in memory): a wide fan-out of
// handlers, a deep recursion, long runs in one function, and the runtime's own nodes, sampled about every 100 µs.
import { closeSync, existsSync, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Bumped whenever the shape changes, so cached files are made again. */
export const GENERATOR_VERSION = 2;

/** A small fast deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Node {
  id: number;
  name: string;
  file: string;
  line: number;
  children: number[];
}

/** The call tree: its size grows slowly with the file (real profiles have thousands of nodes, millions of samples). */
function buildTree(sizeMB: number): { nodes: Node[]; fanLeaves: number[]; deep: number[]; longRun: number; runtime: number[] } {
  const nodes: Node[] = [];
  const add = (name: string, file: string, line: number, parent?: Node): Node => {
    const n: Node = { id: nodes.length + 1, name, file, line, children: [] };
    nodes.push(n);
    parent?.children.push(n.id);
    return n;
  };
  const root = add('(root)', '', 0);
  const runtime = [add('(program)', '', 0, root).id, add('(garbage collector)', '', 0, root).id, add('(idle)', '', 0, root).id];
  const main = add('main', '/srv/app/main.js', 1, root);
  // Wide fan-out: a dispatcher calling many handlers, each through a helper to a leaf.
  const width = Math.round(200 * Math.max(1, Math.sqrt(sizeMB)));
  const dispatch = add('dispatch', '/srv/app/router.js', 12, main);
  const fanLeaves: number[] = [];
  for (let i = 0; i < width; i++) {
    const h = add(`handler${i}`, `/srv/app/handlers/h${i % 97}.js`, 1 + (i % 400), dispatch);
    const helper = add(`helper${i % 50}`, '/srv/app/lib/helpers.js', 10 + (i % 50) * 7, h);
    fanLeaves.push(h.id, add(`leaf${i % 23}`, '/srv/app/lib/leaves.js', 3 + (i % 23) * 5, helper).id);
  }
  // Deep recursion: a tree walk 600 levels deep, with a visit() at every level.
  const deep: number[] = [];
  let walk = add('walk', '/srv/app/tree.js', 40, main);
  for (let d = 0; d < 600; d++) {
    deep.push(walk.id, add('visit', '/srv/app/tree.js', 70, walk).id);
    walk = add('walk', '/srv/app/tree.js', 40, walk);
  }
  // Long runs: one tight loop that holds the CPU for thousands of samples in a row.
  const parse = add('parseInput', '/srv/app/parse.js', 5, main);
  const longRun = add('tokenize', '/srv/app/parse.js', 88, parse).id;
  return { nodes, fanLeaves, deep, longRun, runtime };
}

/** The next run of samples: which node, how many samples in a row. */
function runPicker(tree: ReturnType<typeof buildTree>, seed: number): () => [number, number] {
  const r = rng(seed);
  return () => {
    const x = r();
    if (x < 0.35) {
      // Skewed towards the first handlers, as real traffic is.
      const i = Math.floor(tree.fanLeaves.length * r() ** 3);
      return [tree.fanLeaves[i]!, 1 + Math.floor(r() * 30)];
    }
    if (x < 0.7) return [tree.deep[Math.floor(r() * tree.deep.length)]!, 1 + Math.floor(r() * 20)];
    if (x < 0.702) return [tree.longRun, 500 + Math.floor(r() * 4500)];
    return [tree.runtime[Math.floor(r() * tree.runtime.length)]!, 1 + Math.floor(r() * 10)];
  };
}

function nodeJson(n: Node): string {
  return JSON.stringify({
    id: n.id,
    callFrame: {
      functionName: n.name,
      scriptId: n.file ? '1' : '0',
      url: n.file ? `file://${n.file}` : '',
      lineNumber: n.line - 1,
      columnNumber: n.file ? 2 : -1,
    },
    hitCount: 0,
    children: n.children,
  });
}

/** Writes text in large pieces to a file descriptor. */
class Writer {
  private parts: string[] = [];
  private pending = 0;
  written = 0;
  constructor(private readonly fd: number) {}
  write(s: string): void {
    this.parts.push(s);
    this.pending += s.length;
    if (this.pending > 1 << 20) this.flush();
  }
  flush(): void {
    if (this.pending === 0) return;
    this.written += writeSync(this.fd, this.parts.join(''));
    this.parts = [];
    this.pending = 0;
  }
}

/** Writes a synthetic profile of about `sizeMB` megabytes to `path` (through a temporary file). */
export function generateProfile(path: string, sizeMB: number, seed = 1): { bytes: number; samples: number; nodes: number } {
  const tree = buildTree(sizeMB);
  const target = sizeMB * 1024 * 1024;
  const nodesText = tree.nodes.map(nodeJson);
  const nodesBytes = nodesText.reduce((s, t) => s + t.length + 1, 0);
  // The mean length of a sample and its delta, from a dry run of the same generators.
  const dry = runPicker(tree, seed);
  const dt = rng(seed + 1);
  let dryChars = 0;
  let dryCount = 0;
  while (dryCount < 200_000) {
    const [id, len] = dry();
    for (let k = 0; k < len && dryCount < 200_000; k++, dryCount++) dryChars += String(id).length + 1 + String(90 + Math.floor(dt() * 30)).length + 1;
  }
  const count = Math.max(1000, Math.floor((target - nodesBytes - 100) / (dryChars / dryCount)));

  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  const w = new Writer(fd);
  try {
    w.write('{"nodes":[');
    nodesText.forEach((t, i) => w.write(i === 0 ? t : `,${t}`));
    w.write('],"startTime":0,"endTime":');
    // The end time is known before the deltas are written: the same generator runs twice.
    const deltas = rng(seed + 1);
    let end = 0;
    for (let i = 0; i < count; i++) end += 90 + Math.floor(deltas() * 30);
    w.write(`${end + 100},"samples":[`);
    const pick = runPicker(tree, seed);
    let written = 0;
    let line: string[] = [];
    while (written < count) {
      const [id, len] = pick();
      const s = String(id);
      for (let k = 0; k < len && written < count; k++, written++) line.push(s);
      if (line.length > 65536) {
        w.write((written - line.length > 0 ? ',' : '') + line.join(','));
        line = [];
      }
    }
    if (line.length) w.write((written - line.length > 0 ? ',' : '') + line.join(','));
    w.write('],"timeDeltas":[');
    const d2 = rng(seed + 1);
    line = [];
    for (let i = 0; i < count; i++) {
      line.push(String(90 + Math.floor(d2() * 30)));
      if (line.length > 65536) {
        w.write((i + 1 - line.length > 0 ? ',' : '') + line.join(','));
        line = [];
      }
    }
    if (line.length) w.write((count - line.length > 0 ? ',' : '') + line.join(','));
    w.write(']}');
    w.flush();
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  return { bytes: statSync(path).size, samples: count, nodes: tree.nodes.length };
}

/** The cached profile of a size, made when missing. */
export function cachedProfile(dir: string, sizeMB: number): { path: string; made: boolean } {
  const path = `${dir}/synthetic-${sizeMB}mb-v${GENERATOR_VERSION}.cpuprofile`;
  if (existsSync(path)) return { path, made: false };
  generateProfile(path, sizeMB);
  return { path, made: true };
}

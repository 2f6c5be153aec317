// Builds small flame trees for the webview tests from a compact description.
import type { FlameGraphData, FlameNode, FrameInfo } from '../../../extension/protocol';

export interface TreeSpec {
  [name: string]: number | TreeSpec;
}

/**
 * A FlameGraphData from nested objects: a number is a leaf's self weight, an object a node's children;
 * a node's own self weight can be given under the key '.'. Names may repeat (recursion); frames are interned by name.
 */
export function makeData(spec: TreeSpec, files: Record<string, string> = {}): FlameGraphData {
  const frames: FrameInfo[] = [];
  const ids = new Map<string, number>();
  const frameOf = (name: string) => {
    let id = ids.get(name);
    if (id === undefined) {
      id = frames.length;
      ids.set(name, id);
      frames.push({ name, file: files[name] ?? `/src/${name}.js`, line: id + 1, column: 1, kind: name.startsWith('(') ? 'runtime' : 'js' });
    }
    return id;
  };
  const build = (frame: number, s: number | TreeSpec): FlameNode => {
    if (typeof s === 'number') return { frame, self: s, total: s, children: [] };
    const self = typeof s['.'] === 'number' ? s['.'] : 0;
    const children = Object.entries(s)
      .filter(([k]) => k !== '.')
      .map(([k, v]) => build(frameOf(k.replace(/#\d+$/, '')), v))
      .sort((a, b) => b.total - a.total);
    return { frame, self, total: self + children.reduce((t, c) => t + c.total, 0), children };
  };
  const root = build(-1, spec);
  return { title: 't', unit: 'ms', frames, root, total: root.total, sampleCount: 0, notes: [], warnings: [] };
}

/** The child of `n` whose frame is named `name`. */
export function child(data: FlameGraphData, n: FlameNode, name: string): FlameNode {
  const c = n.children.find((x) => data.frames[x.frame]!.name === name);
  if (!c) throw new Error(`no child ${name}`);
  return c;
}

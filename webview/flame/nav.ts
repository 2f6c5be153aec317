// Keyboard movement through frames, the same in every view: up to the caller, down to the first (heaviest or earliest)
// callee, left and right to the neighbouring frames of the same caller. Pure.

/** The arrow keys that move the cursor. */
export type NavKey = 'ArrowUp' | 'ArrowDown' | 'ArrowLeft' | 'ArrowRight';

/** How a view's frames are linked: each view (flame graph, flame chart, sandwich) supplies its own. */
export interface NavTree<T> {
  parent(n: T): T | undefined;
  /** In the order they are drawn, left to right. */
  children(n: T): readonly T[];
}

export function isNavKey(key: string): key is NavKey {
  return key === 'ArrowUp' || key === 'ArrowDown' || key === 'ArrowLeft' || key === 'ArrowRight';
}

/** Where the cursor goes from `current` on `key`; undefined when there is nowhere to go (it stays). */
export function navigate<T>(tree: NavTree<T>, current: T, key: NavKey): T | undefined {
  switch (key) {
    case 'ArrowUp':
      return tree.parent(current);
    case 'ArrowDown':
      return tree.children(current)[0];
    case 'ArrowLeft':
    case 'ArrowRight': {
      const p = tree.parent(current);
      if (p === undefined) return undefined;
      const siblings = tree.children(p);
      const i = siblings.indexOf(current);
      return siblings[i + (key === 'ArrowLeft' ? -1 : 1)];
    }
  }
}

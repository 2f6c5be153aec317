// A second process for the store's tests: saves `count` runs to the store in argv[2], each with `entities` entities
// of `blobKb` kilobytes of random bytes (a large, slow transaction), saying `begin N` before and `saved N` after each.
import { randomBytes } from 'node:crypto';
import { HistoryStore, type RunGraph } from '../../../extension/history/store';

const [store, tag, count, entities, blobKb] = process.argv.slice(2) as [string, string, string, string, string];

function run(n: number): RunGraph {
  const code = { id: `code-${tag}`, key: `/tmp/${tag}.js`, file: `/tmp/${tag}.js`, fileHash: 'f', function: 'f' };
  return {
    agent: `writer ${tag}`,
    activities: [{ ref: 'a', kind: 'bench', started: new Date().toISOString(), code, status: `${tag} ${n}` }],
    entities: Array.from({ length: Number(entities) }, (_, i) => ({
      ref: `e${i}`,
      kind: 'profile',
      label: `${tag} ${n}.${i}`,
      generatedBy: 'a',
      code,
      ...(Number(blobKb) > 0 ? { blob: randomBytes(Number(blobKb) * 1024) } : {}),
    })),
    used: [],
    derived: [],
  };
}

void (async () => {
  const s = new HistoryStore(store);
  for (let n = 0; n < Number(count); n++) {
    process.stdout.write(`begin ${n}\n`);
    await s.save(run(n));
    process.stdout.write(`saved ${n}\n`);
  }
})();

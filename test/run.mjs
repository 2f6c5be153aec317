// Runs the unit tests, then the end-to-end tests, with Node's test runner (TypeScript through tsx).
// `node test/run.mjs unit` or `node test/run.mjs e2e` runs one suite.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function find(dir) {
  let out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(find(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out.sort();
}

const which = process.argv[2];
const suites = which ? [which] : ['unit', 'e2e'];
let failed = 0;
for (const suite of suites) {
  const files = find(join('test', suite));
  if (files.length === 0) continue;
  // End-to-end tests share one code-server and one browser per file: run them one file at a time.
  const concurrency = suite === 'e2e' ? ['--test-concurrency=1'] : [];
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...concurrency, ...files], { stdio: 'inherit' });
  // Later suites still run after a failure, so one run shows everything that is broken.
  if (r.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);

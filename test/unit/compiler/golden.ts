// Golden files beside the fixtures: compared as text, rewritten when UPDATE_GOLDEN=1 (review the diff).
// A missing golden file fails the test, so that a fixture never passes without its expected output committed.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import assert from 'node:assert/strict';

export function golden(path: string, actual: string): void {
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(path, actual);
    return;
  }
  assert.ok(existsSync(path), `${path} is missing: run the test with UPDATE_GOLDEN=1 to write it, review it, and commit it`);
  assert.equal(actual, readFileSync(path, 'utf8'), `${path} differs (UPDATE_GOLDEN=1 rewrites it)`);
}

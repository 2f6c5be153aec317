import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { lineStats } from '../../../extension/profile/aggregate';
import { ProfileBuilder, type Frame } from '../../../extension/profile/model';
import { bundleTypeScript } from '../../../extension/profile/node-runner';
import { loadSourceMap, mapProfileToSources } from '../../../extension/profile/source-map';

const scratch = mkdtempSync(join(tmpdir(), 'perf-lab-source-map-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** 1-based line and column of the first occurrence of `text` in `code`. */
function find(code: string, text: string): { line: number; column: number } {
  const i = code.indexOf(text);
  assert.ok(i >= 0, `${text} not in the bundle`);
  const before = code.slice(0, i).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

describe('mapProfileToSources', () => {
  const src = join(scratch, 'src');
  mkdirSync(src);
  // Two functions named `hot`: the bundler renames one of them.
  writeFileSync(
    join(src, 'a.ts'),
    ['export function hot(n: number): number {', '  let s = 0;', '  for (let i = 0; i < n; i++) s += Math.sqrt(i);', '  return s;', '}', ''].join('\n'),
  );
  writeFileSync(
    join(src, 'main.ts'),
    [
      "import { hot as other } from './a';",
      'interface P { x: number }',
      'function hot(p: P): number {',
      '  return p.x * 2;',
      '}',
      'console.log(other(10) + hot({ x: 1 }));',
      '',
    ].join('\n'),
  );
  const out = join(scratch, 'out');
  mkdirSync(out);

  it('moves frames and line times to the .ts sources, restoring renamed functions', async () => {
    const main = join(src, 'main.ts');
    const bundle = await bundleTypeScript(main, out, process.version);
    const code = readFileSync(bundle.outFile, 'utf8');
    const map = await loadSourceMap(bundle.outFile);
    assert.ok(map);

    // Positions as V8 reports them: a function at its parameter list, the script at its first character.
    const renamed = find(code, 'function hot2(');
    const original = find(code, 'function hot(');
    const gen = (name: string, at: { line: number; column: number }, offset: number): Frame => ({
      name,
      file: bundle.outFile,
      line: at.line,
      column: at.column + offset,
      kind: 'js',
    });
    const b = new ProfileBuilder('ms');
    const top = b.frame({ name: '(anonymous)', file: bundle.outFile, line: 1, column: 1, kind: 'js' });
    const hot2 = b.frame(gen('hot2', renamed, 'function hot2'.length));
    const hot = b.frame(gen('hot', original, 'function hot'.length));
    const glue = b.frame({ name: '__glue', file: bundle.outFile, line: 1, column: 1, kind: 'js' });
    const node = b.frame({ name: 'readFile', file: 'node:fs', line: 10, column: 1, kind: 'runtime' });
    b.sample(b.path([top, hot2]), 2, 0);
    b.sample(b.path([top, hot]), 5, 2);
    b.sample(b.path([top, glue, node]), 1, 7);
    b.line(hot, find(code, 'Math.sqrt').line, 4);
    b.line(hot, find(code, 'let s = 0').line, 1);
    b.line(hot2, find(code, 'p.x * 2').line, 2);
    b.line(top, find(code, 'console.log').line, 1);

    const p = mapProfileToSources(b.build(), [{ file: bundle.outFile, map: map!, entry: main }]);
    const frames = p.frames.map((f) => [f.name, f.file, f.line]);
    assert.deepEqual(frames, [
      ['(anonymous)', main, 1],
      ['hot', main, 3],
      ['hot', join(src, 'a.ts'), 1],
      ['__glue', '', 0],
      ['readFile', 'node:fs', 10],
    ]);
    assert.deepEqual(
      lineStats(p),
      new Map([
        [
          main,
          new Map([
            [4, 2],
            [6, 1],
          ]),
        ],
        [
          join(src, 'a.ts'),
          new Map([
            [3, 4],
            [2, 1],
          ]),
        ],
      ]),
    );
  });

  it('leaves a profile with no generated frames as it is', () => {
    const b = new ProfileBuilder('ms');
    b.sample(b.path([b.frame({ name: 'f', file: '/x.js', line: 1, column: 1, kind: 'js' })]), 1, 0);
    const p = b.build();
    assert.equal(mapProfileToSources(p, []), p);
  });
});

describe('loadSourceMap', () => {
  const map = { version: 3, sources: ['orig.ts'], names: [], mappings: 'AAAA' };

  it('reads file.map, a sourceMappingURL file, and an inline data URL', async () => {
    writeFileSync(join(scratch, 'a.js'), 'x();\n');
    writeFileSync(join(scratch, 'a.js.map'), JSON.stringify(map));
    assert.ok(await loadSourceMap(join(scratch, 'a.js')));

    writeFileSync(join(scratch, 'b.js'), 'x();\n//# sourceMappingURL=maps/b.map\n');
    mkdirSync(join(scratch, 'maps'), { recursive: true });
    writeFileSync(join(scratch, 'maps', 'b.map'), JSON.stringify(map));
    const b = await loadSourceMap(join(scratch, 'b.js'));
    assert.deepEqual(b?.resolvedSources, [join(scratch, 'maps', 'orig.ts')]);

    const inline = Buffer.from(JSON.stringify(map)).toString('base64');
    writeFileSync(join(scratch, 'c.js'), `x();\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,${inline}\n`);
    assert.ok(await loadSourceMap(join(scratch, 'c.js')));
  });

  it('returns undefined when there is no map or it is broken', async () => {
    writeFileSync(join(scratch, 'd.js'), 'x();\n');
    assert.equal(await loadSourceMap(join(scratch, 'd.js')), undefined);
    writeFileSync(join(scratch, 'e.js'), 'x();\n');
    writeFileSync(join(scratch, 'e.js.map'), '{not json');
    assert.equal(await loadSourceMap(join(scratch, 'e.js')), undefined);
    assert.equal(await loadSourceMap(join(scratch, 'missing.js')), undefined);
  });
});

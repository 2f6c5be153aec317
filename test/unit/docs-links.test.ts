// The documentation holds together: every relative link and anchor in README.md and docs/*.md resolves, every page
// of docs/ is reachable from the README, and the README stays short enough to be read to the end.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const root = resolve(__dirname, '..', '..');
const README = join(root, 'README.md');
const README_LIMIT_BYTES = 15 * 1024;
/** Prose lines of the README longer than this are a paragraph that was never wrapped. */
const README_LINE_LIMIT = 160;

/** The text with fenced code blocks, HTML comments and code spans blanked, so that code is never read as a link. */
function withoutCode(text: string): string {
  const lines = text.split('\n');
  let fence: string | undefined;
  const kept = lines.map((line) => {
    const m = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (fence) {
      if (m && m[1][0] === fence[0] && m[1].length >= fence.length) fence = undefined;
      return '';
    }
    if (m) {
      fence = m[1];
      return '';
    }
    return line;
  });
  return kept
    .join('\n')
    .replace(/<!--[\s\S]*?-->/g, (comment) => comment.replace(/[^\n]/g, ''))
    .replace(/(`+)[\s\S]*?\1/g, (span) => span.replace(/`/g, '').replace(/[[\]()]/g, ' '));
}

/** GitHub's anchor for a heading: its text lower-cased, punctuation dropped, each space a hyphen. */
export function githubSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/[`*]/g, '')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** Every anchor a Markdown file defines: its ATX headings (duplicates numbered as GitHub does) and HTML ids. */
function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence: string | undefined;
  for (const line of text.split('\n')) {
    const f = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (fence) {
      if (f && f[1][0] === fence[0] && f[1].length >= fence.length) fence = undefined;
      continue;
    }
    if (f) {
      fence = f[1];
      continue;
    }
    const h = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (h) {
      const slug = githubSlug(h[1]);
      const n = seen.get(slug) ?? 0;
      seen.set(slug, n + 1);
      anchors.add(n === 0 ? slug : `${slug}-${n}`);
    }
    for (const a of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(a[1]);
  }
  return anchors;
}

/** The link targets of a Markdown text: inline links and images, and reference definitions. */
function linkTargets(text: string): string[] {
  const prose = withoutCode(text);
  const inline = [...prose.matchAll(/!?\[(?:[^[\]]|\[[^\]]*\])*\]\(\s*<?([^()\s<>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]);
  const defined = [...prose.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]);
  return [...inline, ...defined];
}

/** What is wrong with each relative link of `file` (whose text is `text`): a missing file or an unknown anchor. */
export function brokenLinks(file: string, text: string, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): string[] {
  const problems: string[] = [];
  for (const target of linkTargets(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue;
    const hash = target.indexOf('#');
    const pathPart = decodeURI(hash < 0 ? target : target.slice(0, hash));
    const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
    const resolved = pathPart === '' ? file : resolve(dirname(file), pathPart);
    if (pathPart !== '' && !existsSync(resolved)) {
      problems.push(`${target}: ${relative(root, resolved)} does not exist`);
      continue;
    }
    if (anchor === undefined || !resolved.endsWith('.md')) continue;
    if (resolved !== file && statSync(resolved).isDirectory()) continue;
    const anchors = anchorsOf(resolved === file ? text : read(resolved));
    if (!anchors.has(anchor)) problems.push(`${target}: no heading of ${relative(root, resolved)} has the anchor #${anchor}`);
  }
  return problems;
}

const docsDir = join(root, 'docs');
const pages = [
  README,
  ...readdirSync(docsDir)
    .filter((n) => n.endsWith('.md'))
    .map((n) => join(docsDir, n)),
];

describe('documentation links', () => {
  for (const page of pages) {
    it(`${relative(root, page)}: every relative link and anchor resolves`, () => {
      assert.deepEqual(brokenLinks(page, readFileSync(page, 'utf8')), []);
    });
  }

  it('every page of docs/ is reachable from the README', () => {
    const reached = new Set<string>([README]);
    const queue = [README];
    while (queue.length > 0) {
      const page = queue.shift()!;
      for (const target of linkTargets(readFileSync(page, 'utf8'))) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
        const path = target.split('#')[0];
        if (!path.endsWith('.md')) continue;
        const next = resolve(dirname(page), decodeURI(path));
        if (!reached.has(next) && existsSync(next)) {
          reached.add(next);
          queue.push(next);
        }
      }
    }
    assert.deepEqual(
      pages.filter((p) => !reached.has(p)).map((p) => relative(root, p)),
      [],
    );
  });

  it('finds a missing file and a missing anchor (the check can fail)', () => {
    const doc = join(docsDir, 'example.md');
    const text = [
      '# Title',
      '## A "quoted" heading (with `code`)',
      '## Title',
      'See [ok](#a-quoted-heading-with-code), [dup](#title-1), [arch](architecture.md#where-each-piece-lives), and',
      '[gone](no-such-file.md), [bad](#no-such-heading), [bad there](architecture.md#nope), ![img](screenshot.png).',
      '`[code](not-a-link.md)`',
      '```',
      '[fenced](not-a-link-either.md)',
      '```',
      '[web](https://example.com/x.md)',
    ].join('\n');
    assert.deepEqual(brokenLinks(doc, text), [
      'no-such-file.md: docs/no-such-file.md does not exist',
      '#no-such-heading: no heading of docs/example.md has the anchor #no-such-heading',
      'architecture.md#nope: no heading of docs/architecture.md has the anchor #nope',
    ]);
  });

  it('makes anchors as GitHub does', () => {
    assert.equal(githubSlug('What "proven" covers'), 'what-proven-covers');
    assert.equal(githubSlug('Python kernels (`npm run bench:python`)'), 'python-kernels-npm-run-benchpython');
    assert.equal(githubSlug('A 5-minute tour'), 'a-5-minute-tour');
    assert.equal(githubSlug('Cython and pybind11 targets'), 'cython-and-pybind11-targets');
    assert.equal(githubSlug('perf_lab — Ünïcode & more'), 'perf_lab--ünïcode--more');
  });
});

describe('README', () => {
  const text = readFileSync(README, 'utf8');

  it(`stays under ${README_LIMIT_BYTES / 1024} KB`, () => {
    const bytes = Buffer.byteLength(text);
    assert.ok(bytes < README_LIMIT_BYTES, `README.md is ${bytes} bytes; move the depth into docs/`);
  });

  it(`wraps its prose (no line over ${README_LINE_LIMIT} characters outside tables and code)`, () => {
    const long = withoutCode(text)
      .split('\n')
      .map((line, i) => ({ line, n: i + 1 }))
      .filter(({ line }) => !line.trimStart().startsWith('|') && [...line].length > README_LINE_LIMIT)
      .map(({ n, line }) => `line ${n}: ${[...line].length} characters`);
    assert.deepEqual(long, []);
  });

  it('has a table of contents that names every section', () => {
    const sections = [...text.matchAll(/^## (.+)$/gm)].map((m) => githubSlug(m[1])).filter((s) => s !== 'contents');
    const contents = /^## Contents\n([\s\S]*?)\n## /m.exec(text)?.[1] ?? '';
    const listed = [...contents.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
    assert.deepEqual(listed, sections);
  });
});

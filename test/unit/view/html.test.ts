import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INITIAL_DATA_ID, type FlameGraphData } from '../../../extension/protocol';
import { jsonForScript, makeNonce, standaloneHtml, webviewHtml } from '../../../extension/view/html';

const data: FlameGraphData = {
  title: 'evil </script><script>alert(1)</script> & <b>',
  unit: 'ms',
  frames: [{ name: '</script><!--', file: '/x/<y>.js', line: 1, column: 1, kind: 'js' }],
  root: { frame: -1, self: 0, total: 1, children: [{ frame: 0, self: 1, total: 1, children: [] }] },
  total: 1,
  sampleCount: 1,
  notes: ['a\u2028b'],
  warnings: [],
};

function scripts(html: string): { attrs: string; body: string }[] {
  return [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)].map((m) => ({ attrs: m[1]!, body: m[2]! }));
}

function csp(html: string): string {
  return /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)![1]!;
}

test('nonces are random and safe in attributes and policies', () => {
  const a = makeNonce();
  assert.match(a, /^[A-Za-z0-9_-]{24}$/);
  assert.notEqual(a, makeNonce());
});

test('the panel page has a strict policy and a nonce on every script', () => {
  const html = webviewHtml({
    scriptUri: 'https://file+.vscode-resource/dist/webview.js',
    cspSource: 'https://file+.vscode-resource',
    nonce: 'abc123',
    data,
    title: 'T <1>',
  });
  assert.equal(
    csp(html),
    "default-src 'none'; img-src https://file+.vscode-resource data:; style-src https://file+.vscode-resource 'nonce-abc123'; script-src 'nonce-abc123'; font-src https://file+.vscode-resource",
  );
  const s = scripts(html);
  assert.equal(s.length, 2);
  for (const x of s) assert.match(x.attrs, /nonce="abc123"/);
  assert.match(s[1]!.attrs, /src="https:\/\/file\+\.vscode-resource\/dist\/webview\.js"/);
  assert.match(html, /<title>T &lt;1&gt;<\/title>/);
  assert.doesNotMatch(html, /https?:\/\/(?!file\+\.vscode-resource)/, 'nothing remote');
});

test('the panel page without data waits for a load message', () => {
  const html = webviewHtml({ scriptUri: 'u.js', cspSource: 'vscode-resource:', nonce: 'n', title: 'T' });
  assert.ok(!html.includes(INITIAL_DATA_ID));
  assert.equal(scripts(html).length, 1);
});

test('an error given to the panel page is inlined as an error message', () => {
  const html = webviewHtml({ scriptUri: 'u.js', cspSource: 'c', nonce: 'n', error: 'bad.cpuprofile is not valid JSON <x>', title: 't' });
  const json = scripts(html).find((x) => x.attrs.includes(INITIAL_DATA_ID))!;
  assert.deepEqual(JSON.parse(json.body), { type: 'error', message: 'bad.cpuprofile is not valid JSON <x>' });
});

test('inlined data cannot close its script element and parses back unchanged', () => {
  const html = webviewHtml({ scriptUri: 'u.js', cspSource: 'c', nonce: 'n', data, title: 't' });
  const s = scripts(html);
  const json = s.find((x) => x.attrs.includes(INITIAL_DATA_ID))!;
  assert.ok(!json.body.includes('<'));
  assert.deepEqual(JSON.parse(json.body), { type: 'load', data });
  assert.equal(jsonForScript('<\u2028'), '"\\u003c\\u2028"');
});

test('the standalone page inlines the bundle under its own nonce', () => {
  const bundle = 'var s = "</script><!--";\nconsole.log(s);\n//# sourceMappingURL=webview.js.map\n';
  const html = standaloneHtml(data, bundle);
  const policy = csp(html);
  const nonce = /'nonce-([^']+)'/.exec(policy)![1]!;
  assert.equal(policy, `default-src 'none'; img-src data:; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'`);
  const s = scripts(html);
  assert.equal(s.length, 2, 'the bundle does not end its element early');
  for (const x of s) assert.ok(x.attrs.includes(`nonce="${nonce}"`));
  const code = s[1]!.body;
  assert.ok(code.includes('"<\\/script>\\x3C!--"'));
  assert.ok(!code.includes('sourceMappingURL'));
  // The escaped string still means the same thing to JavaScript.
  assert.equal(new Function(`${code.replace('console.log(s);', '')}; return s;`)(), '</script><!--');
  assert.deepEqual(JSON.parse(s[0]!.body), { type: 'load', data });
  assert.notEqual(nonce, /'nonce-([^']+)'/.exec(csp(standaloneHtml(data, bundle)))![1]);
});

// The HTML around the webview bundle: for the editor's panel (script from a URI) and for a standalone file (script inlined).
import { randomBytes } from 'node:crypto';
import { FlameSession } from '../profile/flame-data';
import { INITIAL_DATA_ID, type FlameGraphData, type ToWebview } from '../protocol';

/** A fresh nonce for one page's Content-Security-Policy. */
export function makeNonce(): string {
  return randomBytes(18)
    .toString('base64')
    .replace(/[+/=]/g, (c) => (c === '+' ? '-' : c === '/' ? '_' : ''));
}

/** What the panel's page is made of. */
export interface WebviewHtmlOptions {
  /** The bundle's URI as the webview sees it (webview.asWebviewUri). */
  scriptUri: string;
  /** The webview's cspSource. */
  cspSource: string;
  nonce: string;
  /** When given, the page draws it at once instead of waiting for a 'load' message. */
  data?: FlameGraphData;
  /** When given (and no data), the page shows this error at once. */
  error?: string;
  /** Any other first message (the Before/After page), when neither data nor an error is given. */
  initial?: ToWebview;
  title: string;
}

/** The page of the flame graph panel. */
export function webviewHtml(o: WebviewHtmlOptions): string {
  const csp = [
    "default-src 'none'",
    `img-src ${o.cspSource} data:`,
    `style-src ${o.cspSource} 'nonce-${o.nonce}'`,
    `script-src 'nonce-${o.nonce}'`,
    `font-src ${o.cspSource}`,
  ].join('; ');
  const script = `<script nonce="${escapeAttr(o.nonce)}" src="${escapeAttr(o.scriptUri)}"></script>`;
  const initial: ToWebview | undefined = o.data ? { type: 'load', data: o.data } : o.error ? { type: 'error', message: o.error } : o.initial;
  return page(csp, o.title, o.nonce, initial, script);
}

/**
 * A self-contained page for a browser: the bundle and the data inlined, nothing loaded from elsewhere. No host answers
 * requests there, so the tree goes whole up to 200,000 nodes (pruned to a 4096th of the total beyond) and the flame
 * chart at the resolution of a wide screen.
 */
export function standaloneHtml(data: FlameGraphData, webviewScript: string): string {
  data = new FlameSession(data, { maxWholeNodes: 200_000, deferChart: false }).initial();
  return standalonePage({ type: 'load', data }, data.title, webviewScript);
}

/** A self-contained page like {@link standaloneHtml} that starts with another first message (a comparison of profiles). */
export function standalonePage(initial: ToWebview, title: string, webviewScript: string): string {
  const nonce = makeNonce();
  const csp = ["default-src 'none'", 'img-src data:', `style-src 'nonce-${nonce}'`, `script-src 'nonce-${nonce}'`].join('; ');
  return page(csp, title, nonce, initial, `<script nonce="${nonce}">\n${inlineScript(webviewScript)}\n</script>`);
}

/** Data as JSON that is safe inside a script element: no '<' can start a closing tag or comment. */
export function jsonForScript(data: unknown): string {
  return JSON.stringify(data)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Script text that cannot end its own element early; the source map comment is dropped since no map travels with it. */
function inlineScript(js: string): string {
  return js
    .replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n')
    .replace(/<\/(script)/gi, '<\\/$1')
    .replace(/<!--/g, '\\x3C!--');
}

function page(csp: string, title: string, nonce: string, initial: ToWebview | undefined, script: string): string {
  const dataTag = initial ? `\n<script type="application/json" id="${INITIAL_DATA_ID}" nonce="${escapeAttr(nonce)}">${jsonForScript(initial)}</script>` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeText(title)}</title>
</head>
<body>
<div id="app"><p>Loading profile…</p></div>${dataTag}
${script}
</body>
</html>
`;
}

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;');
}

// What the webview panels share: their data noted to a file each time it changes, so that a window reload can show
// them again (the webview's own state reaches disk only when the workbench next saves, which a reload soon after
// can outrun), and opening a frame's source beside them.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { userMessage } from '../errors';
import type { FromWebview } from '../protocol';
import { makeNonce, webviewHtml, type WebviewHtmlOptions } from '../view/html';
import type { Log } from './log';

/** One panel's noted data: `what` names the panel in the log when the file cannot be written. */
export class NotedState<T> {
  constructor(
    private readonly file: string | undefined,
    private readonly what: string,
    private readonly log: Log,
  ) {}

  note(data: T): void {
    if (!this.file) return;
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      writeFileSync(this.file, JSON.stringify(data));
    } catch (e) {
      this.log.warn(`could not note the ${this.what}'s state: ${userMessage(e)}`);
    }
  }

  /** What was noted last; undefined when nothing was, or the file cannot be read. */
  read(): T | undefined {
    if (!this.file) return undefined;
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as T;
    } catch {
      return undefined;
    }
  }
}

/** Opens a profiled frame's file at its line in the first editor column; a runtime frame or a missing file says why not. */
export async function openSource(file: string, line: number, column = 1): Promise<void> {
  if (!path.isAbsolute(file)) {
    void vscode.window.showInformationMessage(`Perf Lab: ${file} is not a file on this machine (it is part of the runtime), so there is no source to open.`);
    return;
  }
  try {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    const pos = new vscode.Position(Math.max(0, line - 1), Math.max(0, column - 1));
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, selection: new vscode.Range(pos, pos) });
  } catch {
    void vscode.window.showWarningMessage(`Perf Lab: cannot open ${file}: it does not exist on this machine any more.`);
  }
}

/** Fills a webview with the page's error view: a panel that cannot show what it showed says what to run instead. */
export function showPageError(webview: vscode.Webview, host: SharedPanel, error: string): void {
  webview.html = host.html(webview, { title: 'Perf Lab', error });
}

/**
 * The one panel a kind of view reuses: created on the first show, adopted again by its serializer after a reload,
 * forgotten when the user closes it; with the listener of the page it shows.
 */
export class SharedPanel implements vscode.Disposable {
  panel: vscode.WebviewPanel | undefined;
  private listen: vscode.Disposable | undefined;
  readonly distRoot: vscode.Uri;

  /** @param onClosed called when the user closes the panel (not when it is replaced). */
  constructor(
    extensionUri: vscode.Uri,
    private readonly onClosed?: () => void,
  ) {
    this.distRoot = vscode.Uri.joinPath(extensionUri, 'dist');
    openPanels.add(this);
  }

  /** Scripts on, and only the extension's dist folder readable. */
  options(): vscode.WebviewOptions {
    return { enableScripts: true, localResourceRoots: [this.distRoot] };
  }

  /**
   * The panel, creating it when there is none: in the editor group of another Perf Lab panel when one is open apart
   * from the active editor (the comparison after Apply joins the Before/After panel instead of opening a third
   * group), else beside the editor.
   */
  open(viewType: string, title: string, preserveFocus: boolean): vscode.WebviewPanel {
    if (!this.panel) {
      const active = vscode.window.activeTextEditor?.viewColumn;
      const other = [...openPanels].map((p) => p.panel?.viewColumn).find((c) => c !== undefined && c !== active);
      this.adopt(vscode.window.createWebviewPanel(viewType, title, { viewColumn: other ?? vscode.ViewColumn.Beside, preserveFocus }, this.options()));
    }
    return this.panel!;
  }

  adopt(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    panel.onDidDispose(() => {
      if (this.panel !== panel) return;
      this.panel = undefined;
      this.listenTo(undefined);
      this.onClosed?.();
    });
  }

  /** Replaces the listener of the page shown. */
  listenTo(listener: vscode.Disposable | undefined): void {
    this.listen?.dispose();
    this.listen = listener;
  }

  /** The page for a webview (this panel's or a custom editor's): the script's URI, the CSP source and a fresh nonce filled in. */
  html(webview: vscode.Webview, content: Omit<WebviewHtmlOptions, 'scriptUri' | 'cspSource' | 'nonce'>): string {
    const scriptUri = webview.asWebviewUri(vscode.Uri.joinPath(this.distRoot, 'webview.js')).toString();
    return webviewHtml({ ...content, scriptUri, cspSource: webview.cspSource, nonce: makeNonce() });
  }

  dispose(): void {
    openPanels.delete(this);
    this.listenTo(undefined);
    this.panel?.dispose();
  }
}

/** Every shared panel of the extension, to open a new one where the others are. */
const openPanels = new Set<SharedPanel>();

/** How long a page may take to say it started before it is loaded again. */
const START_TIMEOUT_MS = 10_000;

/**
 * Gives a webview its page and listens to it. A page that has not said `ready` within 10 s is loaded again (twice
 * at most): a panel revived while the workbench is busy has been seen to keep "Loading profile…" without running
 * its script.
 */
export function loadPage(webview: vscode.Webview, html: string, onMessage: (msg: FromWebview) => void, log: Log, what: string): vscode.Disposable {
  let ready = false;
  let tries = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    timer = setTimeout(() => {
      if (ready || tries >= 2) return;
      tries++;
      log.warn(`the ${what} had not started after ${START_TIMEOUT_MS / 1000} s: loading it again`);
      // (A different text, or the webview may keep the page it has.)
      webview.html = `${html}<!-- ${tries} -->`;
      arm();
    }, START_TIMEOUT_MS);
  };
  const listener = webview.onDidReceiveMessage((msg: FromWebview) => {
    if (msg.type === 'ready') ready = true;
    onMessage(msg);
  });
  webview.html = html;
  arm();
  return {
    dispose: () => {
      clearTimeout(timer);
      listener.dispose();
    },
  };
}

// One end-to-end session: a throwaway workspace, code-server with the packaged extension, Chromium, and the page
// helpers the tests use (open a file, run a context-menu command, read a webview, read CodeLenses).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type FrameLocator, type Locator, type Page } from 'playwright-core';
import { ROOT, saveLogs, startCodeServer, type CodeServer, type StartOptions } from './code-server';
import { packageExtension, type Vsix } from './vsix';

/** Where screenshots and the logs of failed tests go (git-ignored). */
export const RESULTS = join(ROOT, 'test-results');

/** The Chromium that Debian installs; Playwright's own browser downloads are not used. */
const CHROMIUM = process.env.PERF_LAB_CHROMIUM ?? '/usr/bin/chromium';

/** Launches headless Chromium with the flags known to work with code-server on these machines. */
export function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Chromium (apt-get install -y chromium) or set PERF_LAB_CHROMIUM.`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface SessionOptions extends Omit<StartOptions, 'vsix'> {
  /** Called with the workspace folder after examples/ is copied there, to add files. */
  prepare?: (workspace: string) => Promise<void> | void;
}

/** Prints a measurement in a form that is easy to find in the test output. */
export function measure(name: string, value: string): void {
  process.stdout.write(`# measured: ${name}: ${value}\n`);
}

/** A code-server with the extension installed, a browser page showing a copy of examples/, and helpers on it. */
export class Session {
  private screenshots = 0;

  private constructor(
    readonly suite: string,
    readonly server: CodeServer,
    readonly browser: Browser,
    readonly page: Page,
    readonly workspace: string,
    readonly vsix: Vsix,
  ) {}

  /** Packages and installs the extension, starts code-server on a copy of examples/ and opens it in Chromium. */
  static async start(suite: string, options: SessionOptions = {}): Promise<Session> {
    await rm(join(RESULTS, suite), { recursive: true, force: true });
    const vsix = await packageExtension();
    measure('vsix size', `${(vsix.bytes / 1024).toFixed(0)} KiB${vsix.packagingMs ? ` (packaged in ${(vsix.packagingMs / 1000).toFixed(1)} s)` : ''}`);
    const root = await mkdtemp(join(tmpdir(), 'perf-lab-ws-'));
    const workspace = join(root, 'examples');
    let server: CodeServer;
    try {
      await cp(join(ROOT, 'examples'), workspace, { recursive: true });
      await options.prepare?.(workspace);
      const started = Date.now();
      server = await startCodeServer({ ...options, vsix: [vsix.path] });
      measure(`${suite}: code-server installed the extension and answered /healthz in`, `${((Date.now() - started) / 1000).toFixed(1)} s`);
    } catch (error) {
      await rm(root, { recursive: true, force: true });
      throw error;
    }
    let browser: Browser | undefined;
    try {
      browser = await launchBrowser();
      const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
      const session = new Session(suite, server, browser, page, workspace, vsix);
      await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      await page.locator('.explorer-folders-view, .part.sidebar').first().waitFor({ timeout: 60_000 });
      return session;
    } catch (error) {
      await browser?.close();
      await saveLogs(server, join(RESULTS, suite, 'start-failure'));
      await server.stop();
      await rm(root, { recursive: true, force: true });
      throw error;
    }
  }

  /** Closes the browser, stops code-server (extension hosts included) and removes the throwaway folders. */
  async stop(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    await this.server.stop();
    if (!process.env.PERF_LAB_E2E_KEEP) {
      await rm(this.server.dir, { recursive: true, force: true });
      await rm(join(this.workspace, '..'), { recursive: true, force: true });
    }
  }

  /**
   * Changes a user setting with an enum value in the Settings editor, as a user does (code-server does not notice
   * an edit of the settings file while it runs), then closes the editor.
   */
  async chooseSetting(key: string, value: string): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.page.keyboard.press('Control+Comma');
    const search = this.page.locator('.settings-editor .suggest-input-container textarea, .settings-editor .settings-header input').first();
    await search.waitFor({ timeout: 15_000 });
    // `@id:` matches the key alone (a plain search for perfLab.target also finds perfLab.pythonTarget).
    await search.fill(`@id:${key}`);
    // The editor filters after a pause: wait until the key is the only setting listed.
    await this.page.locator('.settings-editor .settings-count-widget', { hasText: /^1 Setting Found$/ }).waitFor({ timeout: 15_000 });
    const select = this.page.locator('.settings-editor .settings-tree-container .setting-item-enum select').first();
    await select.waitFor({ timeout: 15_000 });
    await select.click();
    // (Only the open list: a list left from an earlier choice may still be in the page. A click that did not open
    // it, on a busy machine, is made again.)
    const option = this.page.locator('.monaco-select-box-dropdown-container:visible .option-text', { hasText: new RegExp(`^${value}$`) }).first();
    for (
      let attempt = 0;
      !(await option.waitFor({ timeout: 5_000 }).then(
        () => true,
        () => false,
      ));
      attempt++
    ) {
      if (attempt === 3) throw new Error(`The list of ${key} did not open`);
      await this.page.keyboard.press('Escape');
      await select.click();
    }
    await option.click();
    // The editor writes the settings file a moment later; the extension host reads it from there.
    const file = join(this.server.userDataDir, 'User', 'settings.json');
    const deadline = Date.now() + 15_000;
    // The file may be caught empty or half written: read it again until it holds the value.
    const written = (): unknown => {
      try {
        return (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)[key];
      } catch {
        return undefined;
      }
    };
    // Choosing a setting's default removes it from the file instead.
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      contributes: { configuration: { properties: Record<string, { default?: unknown }> } };
    };
    const isDefault = manifest.contributes.configuration.properties[key]?.default === value;
    while (written() !== value && !(isDefault && written() === undefined)) {
      if (Date.now() > deadline) throw new Error(`The Settings editor did not write ${key}: ${value} to ${file}`);
      await this.page.waitForTimeout(200);
    }
    // A list still open would outlive the editor and cover the next choice.
    const open = this.page.locator('.monaco-select-box-dropdown-container:visible');
    if (await open.count()) {
      await this.page.keyboard.press('Escape');
      await open
        .first()
        .waitFor({ state: 'hidden', timeout: 5_000 })
        .catch(() => undefined);
    }
    await this.page.keyboard.press('Control+W');
  }

  /** Saves a screenshot of the whole page under test-results/<suite>/. */
  async screenshot(name: string): Promise<string> {
    const file = join(RESULTS, this.suite, `${String(++this.screenshots).padStart(2, '0')}-${name}.png`);
    await mkdir(join(RESULTS, this.suite), { recursive: true });
    await this.page.screenshot({ path: file });
    return file;
  }

  /**
   * Reloads the window and shows the tab whose title contains `tab` (VS Code revives a webview panel when it is next
   * shown); returns when the reload began (Date.now()), for timing what follows.
   */
  async reloadAndShowTab(tab: string): Promise<number> {
    const started = Date.now();
    await this.page.reload();
    await this.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await this.page.locator('.tabs-container .tab', { hasText: tab }).first().click({ timeout: 60_000 });
    return started;
  }

  /** Runs one test's body; on failure saves a screenshot and code-server's logs before the error goes on. */
  async step(name: string, body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (error) {
      const slug = name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
      await this.screenshot(`${slug}-failure`).catch(() => undefined);
      await saveLogs(this.server, join(RESULTS, this.suite, `${slug}-logs`));
      throw error;
    }
  }

  /** Opens a workspace file with Quick Open and waits for its editor tab. */
  async quickOpen(name: string): Promise<void> {
    // The active tab of a group: a tab of the file in another group is there before Quick Open has opened it here.
    const tab = this.page.locator(`.tabs-container .tab.active[data-resource-name="${name}"]`).first();
    const deadline = Date.now() + 60_000;
    for (;;) {
      await this.page.keyboard.press('Escape');
      await this.page.keyboard.press('Control+P');
      const input = this.page.locator('.quick-input-widget input');
      try {
        await input.waitFor({ timeout: 5_000 });
        await input.fill(name);
        await this.page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 10_000 });
        await input.press('Enter');
        await tab.waitFor({ timeout: 10_000 });
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`Quick Open could not open ${name}: ${String(error)}`, { cause: error });
      }
    }
  }

  /** Opens a workspace file in a text editor and waits for its text. */
  async openFile(name: string): Promise<Locator> {
    await this.quickOpen(name);
    const editor = this.editor(name);
    await editor.locator('.view-lines').waitFor({ timeout: 10_000 });
    return editor;
  }

  /** The text editor showing a workspace file (a visible one: a group can keep a hidden editor of the file behind a panel). */
  editor(name: string): Locator {
    return this.page.locator(`.editor-instance .monaco-editor[data-uri$="/${name}"]`).filter({ visible: true }).first();
  }

  /** The rendered line of an editor that matches `text` (the editor draws spaces as U+00A0: match them with \s). */
  line(editor: Locator, text: RegExp): Locator {
    return editor.locator('.view-line', { hasText: text }).first();
  }

  /**
   * Gives an editor the keyboard: clicks the text of a line it shows (never where a CodeLens may be drawn, since a
   * click runs the lens's command and moves the focus elsewhere) and waits until the editor has the focus.
   */
  async focusEditor(editor: Locator, timeoutMs = 30_000): Promise<void> {
    const focused = editor.and(this.page.locator('.monaco-editor.focused'));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        // The editor's own input element (a hidden textarea, or the EditContext element) takes the focus without a
        // click, which lenses being drawn (lines moving, never "stable") or a lens under the pointer cannot disturb.
        const input = editor.locator('textarea.inputarea, .native-edit-context').first();
        if ((await input.count()) > 0) await input.focus({ timeout: 5_000 });
        else
          await editor
            .locator('.view-lines .view-line')
            .first()
            .click({ position: { x: 1, y: 1 }, timeout: 10_000 });
        await focused.waitFor({ timeout: 5_000 });
        return;
      } catch (error) {
        if (Date.now() > deadline)
          throw new Error(`The editor ${await editor.getAttribute('data-uri')} did not take the focus: ${String(error)}`, { cause: error });
        await this.page.keyboard.press('Escape');
      }
    }
  }

  /**
   * Moves the cursor of the focused editor to a line (Go to Line), so that the editor shows it, and waits until the
   * status bar says the cursor is there. A key press that a busy workbench missed, or a box that opened late, is
   * answered by starting again.
   */
  async goToLine(line: number, timeoutMs = 60_000): Promise<void> {
    const widget = this.page.locator('.quick-input-widget');
    const input = widget.locator('.quick-input-box input');
    const position = this.page.locator('[id="status.editor.selection"]', { hasText: new RegExp(`^\\s*Ln ${line}, Col \\d+`) });
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        // As in runCommand: after a miss, the keyboard focus is taken back from a webview first; each step waits
        // 5 s, so that a box closed under the pointer is opened again instead of waited on until the deadline.
        if (attempt > 0) await this.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
        await this.page.keyboard.press('Control+G');
        await input.waitFor({ state: 'visible', timeout: 5_000 });
        await input.fill(`:${line}`, { timeout: 5_000 });
        await input.press('Enter', { timeout: 5_000 });
        await widget.waitFor({ state: 'hidden', timeout: 5_000 });
        await position.waitFor({ timeout: 5_000 });
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`Go to Line ${line} did not move the cursor there: ${String(error)}`, { cause: error });
        // Close a box left open before pressing the keys again.
        if (await widget.isVisible()) await this.page.keyboard.press('Escape');
      }
    }
  }

  /**
   * Undoes the last edit of a file's editor (Ctrl+Z) and returns once `restored()` holds and the file's tab is saved.
   * What follows the key press differs: a dialog asking to undo in every file the edit touched (one that also created
   * files), an editor changed and not yet saved, or a file already back as it was on disk; each is answered as it
   * shows up (the dialog confirmed, the editor saved).
   */
  async undoEdit(editor: Locator, name: string, restored: () => boolean, timeoutMs = 30_000): Promise<void> {
    await this.focusEditor(editor);
    await this.page.keyboard.press('Control+Z');
    const all = this.page.locator('.monaco-dialog-box .monaco-button', { hasText: /Undo in \d+ Files|Undo/ }).first();
    const dirty = this.page.locator(`.tabs-container .tab.dirty[data-resource-name="${name}"]`).first();
    // The dialog comes first when the edit also created files (Undo in every file removes them): wait for it a while
    // before reading an unsaved editor as the answer, or only this file's text would be undone.
    if (
      await all.waitFor({ timeout: 5_000 }).then(
        () => true,
        () => false,
      )
    ) {
      await this.screenshot('undo-dialog');
      await all.click();
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await all.isVisible()) {
        await this.screenshot('undo-dialog');
        await all.click();
      } else if (await dirty.isVisible()) {
        await this.page.keyboard.press('Control+S');
        await dirty.waitFor({ state: 'detached', timeout: 5_000 }).catch(() => undefined);
      } else if (restored()) {
        return;
      } else {
        if (Date.now() > deadline) throw new Error(`Ctrl+Z in ${name} did not bring the file back within ${timeoutMs / 1000} s`);
        await this.page.waitForTimeout(100);
      }
    }
  }

  /**
   * Right-clicks in an editor and picks a command from its context menu. The extension host starts a few seconds after
   * the workbench, so the menu is opened again until the command shows up.
   */
  async runFromContextMenu(editor: Locator, title: RegExp, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    // The editor element itself is the size of what it shows; its inner layers scroll and can lie off screen.
    const point = { x: 200, y: 40 };
    for (;;) {
      await this.focusEditor(editor);
      await editor.click({ button: 'right', position: point });
      const item = this.page.getByRole('menuitem', { name: title }).first();
      try {
        await item.waitFor({ state: 'visible', timeout: 2_000 });
        await item.click();
        // Language features can add items while the menu opens and swallow a click; then the menu is still there.
        if (await item.isVisible()) {
          await this.page.waitForTimeout(500);
          if (await item.isVisible()) await item.press('Enter');
        }
        await item.waitFor({ state: 'hidden', timeout: 5_000 });
        return;
      } catch (error) {
        await this.page.keyboard.press('Escape');
        if (Date.now() > deadline)
          throw new Error(`The editor's context menu never showed ${title} within ${timeoutMs / 1000} s (${String(error)})`, { cause: error });
        await this.page.waitForTimeout(500);
      }
    }
  }

  /**
   * Shows line `line` of an editor and waits for a CodeLens matching `text` drawn directly above it (the line whose
   * text matches `lineText`); returns the lens's text.
   */
  async codeLensAbove(editor: Locator, line: number, lineText: RegExp, text: RegExp, timeoutMs = 30_000): Promise<string> {
    await this.focusEditor(editor);
    await this.goToLine(line);
    const target = this.line(editor, lineText);
    await target.waitFor({ timeout: 10_000 });
    const lenses = editor.locator('.codelens-decoration');
    const deadline = Date.now() + timeoutMs;
    let seen: string[];
    for (;;) {
      const lineBox = await target.boundingBox();
      seen = [];
      for (let i = 0, n = await lenses.count(); i < n; i++) {
        const lens = lenses.nth(i);
        const content = (await lens.textContent().catch(() => null)) ?? '';
        const box = await lens.boundingBox().catch(() => null);
        seen.push(content);
        if (!lineBox || !box || !text.test(content)) continue;
        const gap = lineBox.y - (box.y + box.height);
        // A lens sits in a view zone right above its line: no more than a line's height away, never below it.
        if (gap > -2 && gap < lineBox.height * 1.5) return content;
      }
      if (Date.now() > deadline) {
        throw new Error(`No CodeLens matching ${text} right above line ${line} (${lineText}); lenses seen: ${JSON.stringify(seen)}`);
      }
      await this.page.waitForTimeout(250);
    }
  }

  /** The content frame of each webview now shown (each is two iframes deep). */
  async webviews(): Promise<FrameLocator[]> {
    const outer = this.page.locator('iframe.webview.ready');
    const frames: FrameLocator[] = [];
    for (let i = 0, n = await outer.count(); i < n; i++) {
      if (await outer.nth(i).isVisible()) frames.push(outer.nth(i).contentFrame().locator('#active-frame').contentFrame());
    }
    return frames;
  }

  /** Waits until a visible webview holds an element matching `selector` and returns that webview. */
  async webviewWith(selector: string, timeoutMs = 60_000): Promise<FrameLocator> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const frame of await this.webviews()) {
        if (
          (await frame
            .locator(selector)
            .count()
            .catch(() => 0)) > 0
        )
          return frame;
      }
      if (Date.now() > deadline) throw new Error(`No webview showed ${selector} within ${timeoutMs / 1000} s`);
      await this.page.waitForTimeout(250);
    }
  }

  /** Runs a command from the command palette by its title (with its category, as the palette lists it). */
  async runCommand(title: string): Promise<void> {
    const input = this.page.locator('.quick-input-widget input');
    const deadline = Date.now() + 60_000;
    for (let attempt = 0; ; attempt++) {
      try {
        // A webview can hold the keyboard focus (its iframe is the page's active element), and then the palette's
        // keys may not reach the workbench: after a first miss, the focus is taken back to the workbench first.
        if (attempt > 0) await this.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
        await this.page.keyboard.press('Escape');
        await this.page.keyboard.press(attempt % 2 === 0 ? 'Control+Shift+P' : 'F1');
        await input.waitFor({ state: 'visible', timeout: 5_000 });
        await input.fill(`>${title}`, { timeout: 5_000 });
        await this.page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first().click({ timeout: 5_000 });
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`The command palette did not run ${title}: ${String(error)}`, { cause: error });
      }
    }
  }

  /**
   * Switches the colour theme with Preferences: Color Theme (which writes `workbench.colorTheme`) and waits until the
   * workbench draws it; `kind` is the class the workbench then carries (vs, vs-dark, hc-black, hc-light).
   */
  async chooseColorTheme(theme: string, kind: string): Promise<void> {
    await this.runCommand('Preferences: Color Theme');
    const input = this.page.locator('.quick-input-widget input');
    await input.fill(theme);
    // (The exact name: "Default High Contrast" is also the start of "Default High Contrast Light".)
    const label = this.page.locator('.monaco-highlighted-label', { hasText: new RegExp(`^${theme}$`) });
    await this.page.locator('.quick-input-widget .monaco-list-row').filter({ has: label }).first().click({ timeout: 10_000 });
    await this.page.locator(`.monaco-workbench.${kind}`).waitFor({ timeout: 15_000 });
  }

  /**
   * Selects two files in the explorer (a click, then a Ctrl+click) and runs Compare Profiles from their context menu;
   * returns when the command was clicked (Date.now()).
   */
  async compareInExplorer(first: string, second: string): Promise<number> {
    const row = (name: string) =>
      this.page
        .locator('.part.sidebar .monaco-list-row')
        .filter({ hasText: new RegExp(`^${name.replace(/\./g, '\\.')}$`) })
        .first();
    await row(first).waitFor({ timeout: 30_000 });
    const deadline = Date.now() + 60_000;
    for (;;) {
      await this.page.keyboard.press('Escape');
      // A file's hover (its path) would cover the row below it.
      await this.page.mouse.move(1, 1);
      await this.page
        .locator('.context-view .hover-contents')
        .waitFor({ state: 'hidden', timeout: 3_000 })
        .catch(() => undefined);
      await row(first).click();
      await row(second).click({ modifiers: ['Control'] });
      await row(second).click({ button: 'right' });
      const item = this.page.getByRole('menuitem', { name: COMPARE_PROFILES }).first();
      try {
        await item.waitFor({ state: 'visible', timeout: 2_000 });
        // Opening the first file's editor can take the focus from the list and drop the Ctrl+click's selection:
        // then the command would compare one file and ask for the other, so start the selection again.
        const selected = async (name: string) => (await row(name).getAttribute('aria-selected')) === 'true';
        if (!(await selected(first)) || !(await selected(second))) throw new Error('the two profiles are not both selected');
        await this.screenshot('explorer-menu');
        const clicked = Date.now();
        await item.click();
        return clicked;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`The explorer's context menu never showed Compare Profiles: ${String(error)}`, { cause: error });
        await this.page.waitForTimeout(500);
      }
    }
  }

  /** Notification toasts now shown. */
  notifications(): Locator {
    return this.page.locator('.notifications-toasts .notification-toast');
  }

  /** The message of a notification toast, without its buttons and source. */
  async notificationText(toast: Locator): Promise<string> {
    return (await toast.locator('.notification-list-item-message').first().innerText()).trim();
  }

  /** A text file under the throwaway user-data folder (the extension's output channel, the extension host log). */
  findLog(namePart: string): string | undefined {
    const visit = (dir: string): string | undefined => {
      if (!existsSync(dir)) return undefined;
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) {
          const found = visit(p);
          if (found) return found;
        } else if (name.includes(namePart)) {
          return p;
        }
      }
      return undefined;
    };
    return visit(join(this.server.userDataDir, 'logs'));
  }

  /** The extension's own activation time, from the line it writes to its output channel, when it is there. */
  activationMs(): number | undefined {
    const file = this.findLog('Perf Lab');
    const m = file ? /activated in ([\d.]+) ms/.exec(readFileSync(file, 'utf8')) : null;
    return m ? Number(m[1]) : undefined;
  }
}

/**
 * Writes a real CPU profile of a workspace script next to it, with Node's own --cpu-prof. Inlining is off (as Perf Lab
 * runs programs by default) so that small hot functions keep their own frames.
 */
export function recordCpuProfile(workspace: string, script: string, out: string): void {
  const args = ['--cpu-prof', '--cpu-prof-dir', workspace, '--cpu-prof-name', out, '--no-turbo-inlining', join(workspace, script)];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`node --cpu-prof ${script} failed: ${r.stderr}`);
}

/** A row of the flame graph's accessible table `#hot-functions`, as numbers. */
export interface HotRow {
  selfShare: number;
  totalShare: number;
}

/** Reads the shares (0–100) of a function's row in `#hot-functions`. */
export async function hotRow(webview: FrameLocator, fn: string): Promise<HotRow> {
  const row = webview.locator(`#hot-functions tr[data-function="${fn}"]`).first();
  const selfShare = Number(await row.getAttribute('data-self-share'));
  const totalShare = Number(await row.getAttribute('data-total-share'));
  return { selfShare, totalShare };
}

/** The 1-based number of the first line of a file that matches `pattern`. */
export function lineOf(file: string, pattern: RegExp): number {
  const index = readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => pattern.test(l));
  if (index < 0) throw new Error(`${file} has no line matching ${pattern}`);
  return index + 1;
}

/** The Compare Profiles entry of a context menu (with or without its category). */
export const COMPARE_PROFILES = /^(Perf Lab: )?Compare Profiles$/;

/** The Profile File entry of the context menu (with or without its category). */
export const PROFILE_FILE = /^(Perf Lab: )?Profile File$/;

/** What a program prints when run with the test's node; fails the test when it exits non-zero. */
export function programOutput(file: string, args: string[]): string {
  const r = spawnSync(process.execPath, [file, ...args], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `node ${file} failed: ${r.stderr}`);
  return r.stdout;
}

/**
 * Profiles a workspace file from the context menu, then clicks the ⚡ Optimize lens above the line matching `fnLine`;
 * returns when the lens was clicked (Date.now()), for timing what follows.
 */
export async function profileThenOptimize(lab: Session, name: string, fn: string, fnLine: RegExp): Promise<number> {
  let clicked = 0;
  await lab.step('profile', async () => {
    const editor = await lab.openFile(name);
    await lab.runFromContextMenu(editor, PROFILE_FILE);
    await lab.webviewWith(`#hot-functions tr[data-function="${fn}"]`, 90_000);
  });
  await lab.step('optimize from the CodeLens', async () => {
    // In a window of one editor group the flame graph's tab covers the file's editor: bring the editor back.
    if (!(await lab.editor(name).isVisible())) await lab.openFile(name);
    const editor = lab.editor(name);
    const line = lineOf(join(lab.workspace, name), fnLine);
    await lab.codeLensAbove(editor, line, fnLine, /⚡ Optimize/);
    clicked = Date.now();
    await editor.locator('.codelens-decoration a', { hasText: '⚡ Optimize' }).first().click();
  });
  return clicked;
}

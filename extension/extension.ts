// Activation: registers commands, views and providers; the heavy work loads when a command runs.
import * as vscode from 'vscode';
import { userMessage } from './errors';
import { DIFF_VIEW_TYPE, FLAME_VIEW_TYPE, HISTORY_VIEW_TYPE, OPTIMIZE_VIEW_TYPE } from './protocol';
import { HotFunctionLenses, type AdviceSource } from './lab/code-lens';
import { CompareViews } from './lab/compare-panel';
import { FlameViews } from './lab/flame-panel';
import { onHistorySaved, setHistoryFolder } from './lab/history';
import { HistoryLenses } from './lab/history-lens';
import { HistoryViews } from './lab/history-panel';
import { LineHeat } from './lab/line-heat';
import { OptimizeViews } from './lab/optimize-panel';
import { createLog, type Log } from './lab/log';
import type { LensAdvice } from './lab/optimize-advice';
import { ProfileStore } from './lab/profile-store';

const JS_TS: vscode.DocumentSelector = [
  { scheme: 'file', language: 'javascript' },
  { scheme: 'file', language: 'typescript' },
  { scheme: 'file', language: 'python' },
];

/**
 * The break-even model's advice for the `⚡ Optimize` lens: only from what earlier runs left in the store (measured
 * boundary costs, a recording of the function), loaded on first use so that activation stays light.
 */
function lensAdvice(store: string, log: Log): AdviceSource {
  return async (file, name, totalMs) => {
    try {
      return await adviseLens(store, file, name, totalMs);
    } catch (e) {
      log.warn(`no break-even advice for ${name}: ${userMessage(e)}`);
      return undefined;
    }
  };
}

async function adviseLens(store: string, file: string, name: string, totalMs: number): Promise<LensAdvice | undefined> {
  // Asking the configured Node for its version runs it: not in an untrusted folder.
  if (!vscode.workspace.isTrusted) return undefined;
  const [{ adviseFromCache, targetsOf }, { loadRecording }, { nodeRuntime }] = await Promise.all([
    import('./lab/optimize-advice'),
    import('./record/store'),
    import('../native/build-addon'),
  ]);
  const recording = await loadRecording(store, file, name);
  if (!recording) return undefined;
  const cfg = vscode.workspace.getConfiguration('perfLab', vscode.Uri.file(file));
  const node = await nodeRuntime(cfg.get<string>('nodePath', 'node') || 'node');
  const targets = targetsOf(cfg.get<string>('target', 'wasm'));
  return adviseFromCache({ store, node: { version: node.version, arch: process.arch }, recording, totalMs, targets, key: `${file}#${name}` });
}

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const log = createLog();
  try {
    // One history per workspace (extension/history/): in the workspace's storage, the global one without a folder.
    const historyDir = context.storageUri ?? context.globalStorageUri;
    setHistoryFolder(historyDir.fsPath);
    // Where it is, for perf-lab bench --store and perf-lab history --store to use the same one.
    log.info(`history store: ${vscode.Uri.joinPath(historyDir, 'history.sqlite').fsPath}`);
    const store = new ProfileStore();
    const views = new FlameViews(context.extensionUri, log, vscode.Uri.joinPath(context.storageUri ?? context.globalStorageUri, 'flame-panel.json').fsPath);
    const heat = new LineHeat(store);
    const lenses = new HotFunctionLenses(store, lensAdvice(context.globalStorageUri.fsPath, log));
    const optimizeViews = new OptimizeViews(
      context.extensionUri,
      log,
      vscode.Uri.joinPath(context.storageUri ?? context.globalStorageUri, 'optimize-panel.json').fsPath,
      lenses,
    );
    const deps = { storage: context.globalStorageUri, store, views, log, said: context.globalState };
    const compare = new CompareViews(
      context.extensionUri,
      log,
      vscode.Uri.joinPath(context.storageUri ?? context.globalStorageUri, 'compare-panel.json').fsPath,
    );
    const compareDeps = { storage: context.globalStorageUri, store, compare, log };
    context.subscriptions.push(
      log,
      store,
      views,
      heat,
      lenses,
      optimizeViews,
      vscode.languages.registerCodeLensProvider(JS_TS, lenses),
      vscode.window.registerWebviewPanelSerializer(FLAME_VIEW_TYPE, views.serializer),
      vscode.window.registerWebviewPanelSerializer(OPTIMIZE_VIEW_TYPE, optimizeViews.serializer),
      vscode.window.registerWebviewPanelSerializer(DIFF_VIEW_TYPE, compare.serializer),
      vscode.window.registerCustomEditorProvider('perfLab.cpuprofile', views.cpuprofileEditor, {
        webviewOptions: { retainContextWhenHidden: false },
        supportsMultipleEditorsPerDocument: true,
      }),
      vscode.commands.registerCommand('perfLab.profileFile', async (arg: unknown) => {
        const { profileFileCommand } = await import('./lab/profile-command');
        await profileFileCommand(deps, arg);
      }),
      vscode.commands.registerCommand('perfLab.optimizeFunction', async (arg: unknown) => {
        const { optimizeFunctionCommand } = await import('./lab/optimize-command');
        await optimizeFunctionCommand({ storage: context.globalStorageUri, log, optimizeViews, lenses }, arg);
      }),
      vscode.commands.registerCommand('perfLab.toggleLineHeat', () => heat.toggle()),
      compare,
      vscode.languages.registerCodeLensProvider(JS_TS, compare.lenses),
      vscode.commands.registerCommand('perfLab.compareProfiles', async (arg: unknown, selected: unknown) => {
        const { compareProfilesCommand } = await import('./lab/compare-command');
        await compareProfilesCommand(compareDeps, arg, selected);
      }),
      vscode.commands.registerCommand('perfLab.compareAfterApply', async (arg: unknown) => {
        const { compareAfterApplyCommand } = await import('./lab/compare-command');
        await compareAfterApplyCommand(compareDeps, arg);
      }),
      vscode.commands.registerCommand('perfLab.showComparison', () => {
        if (!compare.reveal()) void vscode.window.showInformationMessage('Perf Lab: no comparison is open. Run "Perf Lab: Compare Profiles".');
      }),
      vscode.commands.registerCommand('perfLab.showFlameGraph', (target?: { name: string; file?: string }) => {
        if (target && views.reveal(target.name, target.file)) return;
        const latest = store.latest;
        if (!latest) {
          void vscode.window.showInformationMessage(
            'Perf Lab: no profile yet. Right-click a JavaScript, TypeScript or Python file and pick "Perf Lab: Profile File".',
          );
          return;
        }
        void import('./profile/flame-data').then(({ toFlameGraphData }) => {
          views.show(toFlameGraphData(latest.profile, { title: latest.title, ...(latest.source ? { source: latest.source } : {}) }));
          if (target) views.reveal(target.name, target.file);
        });
      }),
    );
    const historyLenses = new HistoryLenses(log);
    const historyViews = new HistoryViews(
      context.extensionUri,
      log,
      { flame: views, compare },
      vscode.Uri.joinPath(context.storageUri ?? context.globalStorageUri, 'history-panel.json').fsPath,
    );
    onHistorySaved(() => {
      historyLenses.refresh();
      void historyViews.refresh();
    });
    context.subscriptions.push(
      historyViews,
      vscode.languages.registerCodeLensProvider(JS_TS, historyLenses),
      vscode.window.registerWebviewPanelSerializer(HISTORY_VIEW_TYPE, historyViews.serializer),
      vscode.commands.registerCommand('perfLab.showHistory', (arg: unknown, fn: unknown) => historyViews.show(arg, fn)),
    );
    log.info(`Perf Lab activated in ${(performance.now() - started).toFixed(1)} ms`);
  } catch (e) {
    const message = `Perf Lab could not start: ${userMessage(e)}`;
    log.error(message);
    void vscode.window.showErrorMessage(message);
  }
}

export function deactivate(): void {}

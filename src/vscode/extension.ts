/**
 * The VS Code entry point: activation (failures are shown to the user, not swallowed),
 * document events → the two analysis tiers, commands, code actions, hover and CodeLens.
 * Thin by design: state and running live in controller.ts, decisions in ./logic and
 * src/core/fixes. `activate` returns a small test API (documented in docs/extension.md) for the
 * real-editor tests of issue #8.
 */
import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { AnalysisReport } from '../core/model/analysis';
import type { Finding } from '../core/model/finding';
import { fixesForFinding } from '../core/fixes/fixes';
import { Controller, isConfigDocument, toRange } from './controller';
import { codeLensTitle, hoverMarkdown, looksLikeTrainingConfig, DIAGNOSTIC_SOURCE } from './logic/presentation';
import { referenceKeyAt, referenceKeys } from './logic/keys';
import { openReport, registerReportPanel } from './reportPanel';

/** What `activate` returns: hooks for integration tests (issue #8). */
export interface TransferLensTestApi {
  /** The last analysis report of a config, if any. */
  lastReport(uri: vscode.Uri | string): AnalysisReport | undefined;
  /** Resolves when no static check or analysis is pending or running. */
  whenIdle(): Promise<void>;
  /** PID of the analysis worker process, if it runs (tests kill it to check the restart). */
  workerPid(): number | undefined;
  /** The status bar item's current text. */
  statusText(): string;
  /** Runs an analysis of the config and resolves when it finished. */
  analyze(uri: vscode.Uri, options?: { noCache?: boolean }): Promise<AnalysisReport | undefined>;
}

let controller: Controller | undefined;

const SELECTOR: vscode.DocumentSelector = [
  { scheme: 'file', language: 'yaml' },
  { scheme: 'file', language: 'json' },
  { scheme: 'file', language: 'jsonc' },
];

function fsPath(uri: vscode.Uri | string): string {
  return typeof uri === 'string' ? vscode.Uri.file(uri).fsPath : uri.fsPath;
}

export async function activate(context: vscode.ExtensionContext): Promise<TransferLensTestApi | undefined> {
  try {
    return activateInner(context);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    void vscode.window.showErrorMessage(`TransferLens failed to start: ${message}`);
    console.error('TransferLens activation failed', error);
    return undefined;
  }
}

function activateInner(context: vscode.ExtensionContext): TransferLensTestApi {
  const ctl = new Controller(context);
  controller = ctl;
  context.subscriptions.push(ctl);
  ctl.log.info(`TransferLens ${context.extension.packageJSON.version as string} activated (${vscode.workspace.isTrusted ? 'trusted workspace' : 'Restricted Mode: static checks only'})`);

  const analyzeIfConfig = (document: vscode.TextDocument, reason: 'open' | 'save'): void => {
    if (!isConfigDocument(document) || !looksLikeTrainingConfig(document.getText())) return;
    ctl.scheduleStatic(document);
    if ((reason === 'open' && ctl.settings.analyzeOnOpen) || (reason === 'save' && ctl.settings.analyzeOnSave)) {
      ctl.analyze(document.uri.fsPath, { explicit: false, delayMs: 200 });
    }
  };

  context.subscriptions.push(
    vscode.workspace.onDidOpenTextDocument((d) => analyzeIfConfig(d, 'open')),
    vscode.workspace.onDidSaveTextDocument((d) => analyzeIfConfig(d, 'save')),
    vscode.workspace.onDidChangeTextDocument((e) => ctl.scheduleStatic(e.document)),
    vscode.workspace.onDidDeleteFiles((e) => e.files.forEach((f) => ctl.forget(f.fsPath))),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('transferlens')) void ctl.reloadSettings();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      ctl.log.info('workspace trusted: heavy analysis enabled');
      ctl.setStatus({ kind: 'idle' });
      vscode.workspace.textDocuments.forEach((d) => analyzeIfConfig(d, 'open'));
    }),
  );
  vscode.workspace.textDocuments.forEach((d) => analyzeIfConfig(d, 'open'));

  registerCommands(context, ctl);
  registerProviders(context, ctl);
  registerReportPanel(context, ctl);

  // `transferlens.hasReport` shows the report button in the editor title for analysed configs.
  const updateContext = (): void => {
    const editor = vscode.window.activeTextEditor;
    const hasReport = editor ? ctl.states.get(editor.document.uri.fsPath)?.report?.analysis !== undefined : false;
    void vscode.commands.executeCommand('setContext', 'transferlens.hasReport', hasReport);
  };
  context.subscriptions.push(vscode.window.onDidChangeActiveTextEditor(updateContext), ctl.onDidChangeCodeLenses(updateContext));

  return {
    lastReport: (uri) => ctl.states.get(fsPath(uri))?.report,
    whenIdle: () => ctl.whenIdle(),
    workerPid: () => ctl.workerPid,
    statusText: () => ctl.statusText,
    analyze: async (uri, options) => {
      await ctl.runAnalysis(uri.fsPath, false, new AbortController().signal, options?.noCache);
      return ctl.states.get(uri.fsPath)?.report;
    },
  };
}

export async function deactivate(): Promise<void> {
  await controller?.shutdown();
  controller = undefined;
}

// ---------------------------------------------------------------------------------- commands

function currentConfig(ctl: Controller, uri?: vscode.Uri): string | undefined {
  if (uri instanceof vscode.Uri) return uri.fsPath;
  const editor = vscode.window.activeTextEditor;
  if (editor && isConfigDocument(editor.document)) return editor.document.uri.fsPath;
  return ctl.lastFile;
}

function registerCommands(context: vscode.ExtensionContext, ctl: Controller): void {
  const register = (id: string, run: (...args: never[]) => unknown): void => {
    context.subscriptions.push(vscode.commands.registerCommand(id, run));
  };

  register('transferlens.analyzeCurrent', async (uri?: vscode.Uri) => {
    const file = currentConfig(ctl, uri);
    if (!file) {
      void vscode.window.showInformationMessage('TransferLens: open a training config (YAML or JSON) first.');
      return;
    }
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showInformationMessage('TransferLens: this workspace is in Restricted Mode, so only static checks run. Trust the workspace to analyse transfer.');
      return;
    }
    await ctl.runAnalysis(file, true, new AbortController().signal, true);
  });

  register('transferlens.analyzeAll', async () => {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showInformationMessage('TransferLens: Restricted Mode: only static checks run.');
      return;
    }
    const candidates = await vscode.workspace.findFiles('**/*.{yaml,yml,json}', '{**/node_modules/**,**/.git/**,**/dist/**}', 500);
    const configs: vscode.Uri[] = [];
    for (const uri of candidates) {
      try {
        const bytes = await vscode.workspace.fs.readFile(uri);
        if (bytes.byteLength < 512 * 1024 && looksLikeTrainingConfig(Buffer.from(bytes).toString('utf8'))) configs.push(uri);
      } catch {
        // unreadable: skip it
      }
    }
    if (configs.length === 0) {
      void vscode.window.showInformationMessage('TransferLens: no training configs found in the workspace.');
      return;
    }
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'TransferLens: analysing configs', cancellable: true },
      async (progress, token) => {
        for (const [index, uri] of configs.entries()) {
          if (token.isCancellationRequested) break;
          progress.report({ message: `${index + 1}/${configs.length}: ${vscode.workspace.asRelativePath(uri)}`, increment: 100 / configs.length });
          const controller = new AbortController();
          const subscription = token.onCancellationRequested(() => controller.abort());
          await ctl.runAnalysis(uri.fsPath, false, controller.signal);
          subscription.dispose();
        }
      },
    );
  });

  register('transferlens.compareCheckpoints', async (uri?: vscode.Uri) => {
    const file = currentConfig(ctl, uri);
    if (!file || !vscode.workspace.isTrusted) {
      void vscode.window.showInformationMessage(file ? 'TransferLens: Restricted Mode: comparing checkpoints needs a trusted workspace.' : 'TransferLens: open a training config first.');
      return;
    }
    const found = await vscode.workspace.findFiles('**/{model.json,*.safetensors,*.onnx,*.keras,*.h5}', '{**/node_modules/**,**/.git/**}', 200);
    const picks = await vscode.window.showQuickPick(
      found.map((u) => ({ label: vscode.workspace.asRelativePath(u), uri: u })),
      { canPickMany: true, title: 'Compare checkpoints on this config\'s data', placeHolder: 'Pick two or more candidate checkpoints' },
    );
    if (!picks || picks.length === 0) return;
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `TransferLens: ranking ${picks.length} checkpoints`, cancellable: true },
      async (_progress, token) => {
        try {
          const ranking = await ctl.rank(file, picks.map((p) => p.uri.fsPath), token);
          ctl.log.info(`ranking for ${file}:\n${ranking.map((r, i) => `${i + 1}. ${r.checkpoint} ${r.verdict ?? ''} ${JSON.stringify(r.scores)}${r.error ? ` (${r.error})` : ''}`).join('\n')}`);
          await vscode.window.showQuickPick(ranking.map((r, i) => ({
            label: `${i + 1}. ${vscode.workspace.asRelativePath(r.checkpoint)}`,
            description: r.error ?? [r.verdict, r.gain ? `gain ${r.gain.mean.toFixed(3)}` : undefined].filter(Boolean).join(' · '),
            detail: Object.entries(r.scores).map(([k, v]) => `${k} ${v.toFixed(3)}`).join('  '),
          })), { title: 'Checkpoints ranked by predicted gain (best first)' });
        } catch (error) {
          if (error instanceof Error && error.name !== 'CancelledError') void vscode.window.showErrorMessage(`TransferLens: ${error.message}`);
        }
      },
    );
  });

  register('transferlens.openReport', async (uri?: vscode.Uri, finding?: Finding) => {
    const file = currentConfig(ctl, uri);
    const report = file ? ctl.states.get(file)?.report : undefined;
    if (!file || !report) {
      void vscode.window.showInformationMessage('TransferLens: no report yet for this config. Run "TransferLens: Analyze Current Config" first.');
      return;
    }
    await openReport(context, ctl, report, { finding });
  });

  register('transferlens.cancelAnalysis', () => {
    const count = ctl.cancelAll();
    ctl.log.info(`cancelled ${count} analysis request(s)`);
  });

  register('transferlens.showLog', () => ctl.log.show());

  register('transferlens.suppressInSettings', async (code: string) => {
    const configuration = vscode.workspace.getConfiguration('transferlens');
    const current = configuration.get<Record<string, string>>('severityOverrides') ?? {};
    await configuration.update('severityOverrides', { ...current, [code]: 'off' }, vscode.ConfigurationTarget.Workspace);
  });
}

// ---------------------------------------------------------------------------------- providers

function findingFor(ctl: Controller, document: vscode.TextDocument, diagnostic: vscode.Diagnostic): Finding | undefined {
  const code = typeof diagnostic.code === 'object' ? String(diagnostic.code.value) : String(diagnostic.code);
  const state = ctl.states.get(document.uri.fsPath);
  const all = [...(state?.report?.findings ?? []), ...(state?.staticFindings ?? [])];
  return all.find((f) => f.code === code && toRange(f.range).isEqual(diagnostic.range)) ?? all.find((f) => f.code === code);
}

function registerProviders(context: vscode.ExtensionContext, ctl: Controller): void {
  context.subscriptions.push(vscode.languages.registerCodeActionsProvider(SELECTOR, {
    provideCodeActions(document, _range, actionContext) {
      const actions: vscode.CodeAction[] = [];
      for (const diagnostic of actionContext.diagnostics) {
        if (diagnostic.source !== DIAGNOSTIC_SOURCE) continue;
        const finding = findingFor(ctl, document, diagnostic);
        if (!finding) continue;
        for (const fix of fixesForFinding(finding, document.getText())) {
          const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
          action.diagnostics = [diagnostic];
          action.isPreferred = fix.isPreferred;
          const edit = new vscode.WorkspaceEdit();
          for (const e of fix.edits) edit.replace(document.uri, toRange(e.range), e.newText);
          action.edit = edit;
          actions.push(action);
        }
        if (document.languageId !== 'yaml') {
          const suppress = new vscode.CodeAction(`Suppress '${finding.code}' in workspace settings`, vscode.CodeActionKind.QuickFix);
          suppress.diagnostics = [diagnostic];
          suppress.command = { title: suppress.title, command: 'transferlens.suppressInSettings', arguments: [finding.code] };
          actions.push(suppress);
        }
        if (ctl.states.get(document.uri.fsPath)?.report?.analysis) {
          const open = new vscode.CodeAction('Open the transfer report for this finding', vscode.CodeActionKind.QuickFix);
          open.diagnostics = [diagnostic];
          open.command = { title: open.title, command: 'transferlens.openReport', arguments: [document.uri, finding] };
          actions.push(open);
        }
      }
      return actions;
    },
  }, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }));

  context.subscriptions.push(vscode.languages.registerHoverProvider(SELECTOR, {
    provideHover(document, position) {
      const state = ctl.states.get(document.uri.fsPath);
      if (!state?.report?.analysis) return undefined;
      const key = referenceKeyAt(document.getText(), position.line, position.character);
      if (!key) return undefined;
      const markdown = hoverMarkdown(state.report, key.field, state.durationMs);
      return markdown ? new vscode.Hover(new vscode.MarkdownString(markdown), toRange(key.range)) : undefined;
    },
  }));

  context.subscriptions.push(vscode.languages.registerCodeLensProvider(SELECTOR, {
    onDidChangeCodeLenses: ctl.onDidChangeCodeLenses,
    provideCodeLenses(document) {
      const state = ctl.states.get(document.uri.fsPath);
      const title = codeLensTitle(state?.report?.analysis);
      if (!title) return [];
      const checkpoint = referenceKeys(document.getText()).find((k) => k.field === 'checkpoint');
      const range = checkpoint ? toRange(checkpoint.range) : new vscode.Range(0, 0, 0, 0);
      const open = { title: 'Open report', command: 'transferlens.openReport', arguments: [document.uri] };
      return [
        new vscode.CodeLens(range, { ...open, title, tooltip: `Analysed ${basename(document.uri.fsPath)}; click for the report` }),
        new vscode.CodeLens(range, open),
      ];
    },
  }));
}

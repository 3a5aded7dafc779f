/**
 * The transfer report panel: one webview panel per analysed config (reused when the same config
 * is shown again), restored after a window reload by a WebviewPanelSerializer, with a strict
 * CSP (nothing loads except the extension's own media/ and dist/ files, scripts need the nonce).
 * It speaks the protocol in src/webview/protocol.ts; editor-side effects it cannot do alone
 * (apply a fix, re-run the analysis) go to the `onAction` callback the extension passes in.
 */
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import type { AnalysisReport } from '../../core/model/analysis';
import { buildReportModel } from '../../core/report/build';
import type { ReportExtras } from '../../core/report/build';
import { toStandaloneHtml, webviewShellHtml } from '../../core/report/html';
import { toMarkdown } from '../../core/report/markdown';
import type { PlotId, ReportModel } from '../../core/report/model';
import { REPORT_SCHEMA_VERSION } from '../../core/report/model';
import { isWebviewToHostMessage } from '../../webview/protocol';
import type { HostToWebviewMessage, WebviewState, WebviewToHostMessage } from '../../webview/protocol';

/** View type of the panel; the extension's activation events need `onWebviewPanel:transferlens.report`. */
export const REPORT_VIEW_TYPE = 'transferlens.report';

/** Editor-side actions the report asks for; the extension routes them to its own commands. */
export type ReportPanelAction =
  | { readonly kind: 'applyFix'; readonly file: string; readonly code: string }
  | { readonly kind: 'rerun'; readonly file: string };

export interface ReportPanelOptions {
  /** Called for applyFix and rerun. A rejected promise is shown to the user and logged. */
  readonly onAction?: (action: ReportPanelAction) => void | Promise<void>;
  /** Extra report input, e.g. a ranking for the candidates table. */
  readonly extras?: ReportExtras;
  /** Where problems inside the panel are logged (the extension's output channel). */
  readonly log?: (message: string) => void;
}

const panels = new Map<string, ReportPanel>();

/**
 * Shows the report for `report.file`, reusing that config's panel when it is open (it is then
 * updated in place and revealed without taking focus). Returns the panel.
 */
export function showReport(context: vscode.ExtensionContext, report: AnalysisReport, options: ReportPanelOptions = {}): vscode.WebviewPanel {
  const model = buildReportModel(report, options.extras);
  const existing = panels.get(model.file);
  if (existing) {
    existing.setOptions(options);
    existing.update(model);
    existing.panel.reveal(undefined, true);
    return existing.panel;
  }
  const panel = vscode.window.createWebviewPanel(
    REPORT_VIEW_TYPE,
    model.title,
    { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
    webviewOptions(context.extensionUri),
  );
  return new ReportPanel(context, panel, model, options).panel;
}

/** Registers the serializer that brings report panels back after a reload. Call once on activation. */
export function registerReportSerializer(context: vscode.ExtensionContext, options: ReportPanelOptions = {}): vscode.Disposable {
  const disposable = vscode.window.registerWebviewPanelSerializer(REPORT_VIEW_TYPE, {
    async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
      panel.webview.options = webviewOptions(context.extensionUri);
      const saved = state as Partial<WebviewState> | undefined;
      if (saved?.stateVersion === 1 && saved.model?.schemaVersion === REPORT_SCHEMA_VERSION) {
        new ReportPanel(context, panel, saved.model, options);
      } else {
        // State from an older build: the model shape changed, so ask for a fresh run.
        panel.webview.html = '<!DOCTYPE html><html><body><p>This report was made by an older TransferLens version. Re-run the analysis to see it again.</p></body></html>';
      }
    },
  });
  context.subscriptions.push(disposable);
  return disposable;
}

/** Disposes every open report panel (extension deactivation). */
export function disposeReportPanels(): void {
  for (const panel of [...panels.values()]) panel.panel.dispose();
}

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media'), vscode.Uri.joinPath(extensionUri, 'dist')],
    enableFindWidget: true,
  };
}

class ReportPanel {
  private model: ReportModel;
  private options: ReportPanelOptions;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly panel: vscode.WebviewPanel,
    model: ReportModel,
    options: ReportPanelOptions,
  ) {
    this.model = model;
    this.options = options;
    panels.set(model.file, this);
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'report-icon.svg');
    panel.webview.html = this.shellHtml();
    this.disposables.push(
      panel.webview.onDidReceiveMessage((message: unknown) => {
        this.onMessage(message).catch((error: unknown) => this.fail('report action failed', error));
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  setOptions(options: ReportPanelOptions): void {
    this.options = options;
  }

  update(model: ReportModel): void {
    this.model = model;
    this.panel.title = model.title;
    this.post({ type: 'showReport', model });
  }

  private shellHtml(): string {
    const webview = this.panel.webview;
    const asUri = (...segments: string[]): string => webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, ...segments)).toString();
    return webviewShellHtml({
      cspSource: webview.cspSource,
      nonce: randomBytes(18).toString('base64url'),
      scriptUri: asUri('dist', 'webview.js'),
      styleUri: asUri('media', 'report.css'),
      title: this.model.title,
    });
  }

  private post(message: HostToWebviewMessage): void {
    void this.panel.webview.postMessage(message);
  }

  private async onMessage(raw: unknown): Promise<void> {
    if (!isWebviewToHostMessage(raw)) {
      this.options.log?.(`report: ignored a malformed message from the webview: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    const message: WebviewToHostMessage = raw;
    switch (message.type) {
      case 'ready':
        this.post({ type: 'showReport', model: this.model });
        return;
      case 'applyFix':
        await this.options.onAction?.({ kind: 'applyFix', file: this.model.file, code: message.code });
        return;
      case 'rerun':
        if (!this.options.onAction) {
          this.post({ type: 'status', message: 'Re-run is not available here.' });
          return;
        }
        await this.options.onAction({ kind: 'rerun', file: this.model.file });
        return;
      case 'copyMarkdown':
        await vscode.env.clipboard.writeText(toMarkdown(this.model));
        this.post({ type: 'status', message: 'Copied the report as Markdown.' });
        return;
      case 'exportHtml': {
        const cssBytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(this.context.extensionUri, 'media', 'report.css'));
        const html = toStandaloneHtml(this.model, { css: new TextDecoder().decode(cssBytes) });
        await this.save('transfer-report.html', { HTML: ['html'] }, new TextEncoder().encode(html));
        return;
      }
      case 'exportSvg':
        await this.save(`${message.plot}.svg`, { SVG: ['svg'] }, new TextEncoder().encode(message.svg));
        return;
      case 'exportPng':
        await this.save(`${message.plot}.png`, { PNG: ['png'] }, decodePngDataUrl(message.dataUrl));
        return;
      case 'error':
        this.options.log?.(`report webview: ${message.message}`);
        return;
    }
  }

  /** Asks where to save (defaulting next to the config) and writes through workspace.fs. */
  private async save(suffix: string, filters: Record<string, string[]>, bytes: Uint8Array): Promise<void> {
    const configUri = vscode.Uri.file(this.model.file);
    const stem = this.model.file.split(/[\\/]/).pop()?.replace(/\.[^.]+$/, '') || 'config';
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(configUri, '..', `${stem}-${suffix}`),
      filters,
      saveLabel: 'Export',
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, bytes);
    this.post({ type: 'status', message: `Saved ${vscode.workspace.asRelativePath(target)}.` });
  }

  private fail(what: string, error: unknown): void {
    const text = `${what}: ${error instanceof Error ? error.message : String(error)}`;
    this.options.log?.(text);
    this.post({ type: 'status', message: text });
    void vscode.window.showErrorMessage(`TransferLens: ${text}`);
  }

  private dispose(): void {
    if (panels.get(this.model.file) === this) panels.delete(this.model.file);
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }
}

/** Turns the webview's PNG data URL into bytes (the protocol guard checked the prefix). */
export function decodePngDataUrl(dataUrl: string): Uint8Array {
  return Uint8Array.from(Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64'));
}

export type { PlotId };

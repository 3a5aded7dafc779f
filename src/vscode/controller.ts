/**
 * The runner of the extension: owns the worker host, the per-file state (static findings, last
 * report), diagnostics, the status bar item, file watchers on referenced checkpoints/datasets,
 * and the two tiers (static checks debounced on edit; heavy analysis in the worker on open, on
 * save and on command, latest wins). Decisions are delegated to the vscode-free modules in
 * ./logic; this file converts between them and the vscode API.
 */
import * as vscode from 'vscode';
import { dirname, basename } from 'node:path';
import type { AnalysisReport } from '../core/model/analysis';
import type { Finding, Severity } from '../core/model/finding';
import type { Range } from '../core/model/range';
import { CancelledError } from '../core/model/progress';
import { suppressedCodes } from '../core/fixes/fixes';
import { WorkerHost, WorkerError, type WorkerHostEvent } from '../node/worker/host';
import { referencedFiles } from '../node/worker/cache';
import { KeyedScheduler } from './logic/scheduler';
import { readSettings, analyzeOptionsFrom, type ExtensionSettings } from './logic/settings';
import { diagnosticFor, findingsByFile, looksLikeTrainingConfig, statusPresentation, type StatusState } from './logic/presentation';
import { runStaticCheck } from './staticTier';

export interface FileState {
  staticFindings: readonly Finding[];
  report?: AnalysisReport;
  durationMs?: number;
  cached?: boolean;
  /** The last run was asked for by the user (shows "unrecognised" findings too). */
  explicit: boolean;
  /** Files shown diagnostics for this config (the config itself and included files). */
  diagnosticFiles: Set<string>;
}

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

export function toRange(range: Range): vscode.Range {
  return new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
}

export function isConfigDocument(document: vscode.TextDocument): boolean {
  return document.uri.scheme === 'file' && ['yaml', 'json', 'jsonc'].includes(document.languageId);
}

export class Controller implements vscode.Disposable {
  readonly log: vscode.LogOutputChannel;
  readonly diagnostics: vscode.DiagnosticCollection;
  readonly states = new Map<string, FileState>();
  settings: ExtensionSettings;
  private host: WorkerHost | undefined;
  private readonly status: vscode.StatusBarItem;
  private readonly scheduler: KeyedScheduler;
  private readonly watchers = new Map<string, { watcher: vscode.FileSystemWatcher; configs: Set<string> }>();
  private readonly codeLensChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.codeLensChanged.event;
  private statusState: StatusState = { kind: 'idle' };
  private lastStatusFile: string | undefined;

  constructor(private readonly context: vscode.ExtensionContext) {
    this.log = vscode.window.createOutputChannel('TransferLens', { log: true });
    this.diagnostics = vscode.languages.createDiagnosticCollection('transferlens');
    this.status = vscode.window.createStatusBarItem('transferlens.status', vscode.StatusBarAlignment.Left, 20);
    this.status.name = 'TransferLens';
    this.settings = this.readSettings();
    this.scheduler = new KeyedScheduler((key, error) => this.log.error(`${key}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`));
    this.setStatus(vscode.workspace.isTrusted ? { kind: 'idle' } : { kind: 'restricted' });
    this.status.show();
  }

  private readSettings(): ExtensionSettings {
    const configuration = vscode.workspace.getConfiguration('transferlens');
    return readSettings((key) => configuration.get(key));
  }

  /** Re-reads settings; restarts the worker when its process parameters changed. */
  async reloadSettings(): Promise<void> {
    const before = this.settings;
    this.settings = this.readSettings();
    if (this.host && (before.workerMemoryMb !== this.settings.workerMemoryMb || before.backend !== this.settings.backend)) {
      this.log.info('worker settings changed: restarting the analysis worker');
      await this.host.dispose();
      this.host = undefined;
    }
    for (const file of this.states.keys()) this.publish(file);
  }

  /** The worker host, created on first heavy analysis (never in Restricted Mode). */
  private worker(): WorkerHost {
    if (!this.host) {
      this.host = new WorkerHost({
        workerScript: this.context.asAbsolutePath('dist/worker.js'),
        memoryMb: this.settings.workerMemoryMb,
        args: [`--backend=${this.settings.backend}`],
        logger: this.log,
        onEvent: (event) => this.onWorkerEvent(event),
      });
    }
    return this.host;
  }

  private onWorkerEvent(event: WorkerHostEvent): void {
    if (event.type === 'exited' && event.exit.reason !== 'shutdown' && event.exit.reason !== 'restart') {
      this.setStatus({ kind: 'restarted', reason: event.exit.description });
    }
  }

  get workerPid(): number | undefined {
    return this.host?.pid;
  }

  get statusText(): string {
    return this.status.text;
  }

  private state(file: string): FileState {
    let state = this.states.get(file);
    if (!state) {
      state = { staticFindings: [], explicit: false, diagnosticFiles: new Set() };
      this.states.set(file, state);
    }
    return state;
  }

  // ------------------------------------------------------------------------------ static tier

  /** Debounced static checks after an edit (both trusted and Restricted Mode). */
  scheduleStatic(document: vscode.TextDocument): void {
    if (!isConfigDocument(document)) return;
    const text = document.getText();
    const file = document.uri.fsPath;
    if (!this.states.has(file) && !looksLikeTrainingConfig(text)) return;
    this.scheduler.schedule(`static:${file}`, this.settings.staticCheckDelayMs, async (signal) => {
      const started = Date.now();
      const result = await runStaticCheck(text, file, this.options());
      if (signal.aborted) return;
      this.state(file).staticFindings = result.findings;
      this.log.trace(`static checks of ${basename(file)}: ${result.findings.length} findings in ${Date.now() - started} ms`);
      this.publish(file);
    });
  }

  // ------------------------------------------------------------------------------ heavy tier

  private options(): ReturnType<typeof analyzeOptionsFrom> {
    const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const storage = this.context.storageUri?.fsPath ?? this.context.globalStorageUri.fsPath;
    return analyzeOptionsFrom(this.settings, root, storage ? `${storage}/features` : undefined);
  }

  /**
   * Analyses a config in the worker. Automatic runs (open/save/watch) are debounced and shown in
   * the status item; explicit ones also get a cancellable progress notification.
   */
  analyze(file: string, how: { explicit: boolean; delayMs?: number; noCache?: boolean }): void {
    if (!vscode.workspace.isTrusted) {
      this.setStatus({ kind: 'restricted' });
      return;
    }
    this.scheduler.schedule(`analyze:${file}`, how.delayMs ?? 0, (signal) => this.runAnalysis(file, how.explicit, signal, how.noCache));
  }

  /** Runs one analysis now; resolves when it finished, failed or was superseded. */
  async runAnalysis(file: string, explicit: boolean, signal: AbortSignal, noCache = false): Promise<void> {
    const state = this.state(file);
    const budgetMs = this.settings.timeBudgetSeconds * 1000;
    const started = Date.now();
    const run = async (progress?: vscode.Progress<{ message?: string; increment?: number }>, token?: vscode.CancellationToken): Promise<void> => {
      const controller = new AbortController();
      signal.addEventListener('abort', () => controller.abort(), { once: true });
      token?.onCancellationRequested(() => controller.abort());
      let lastFraction = 0;
      this.setStatus({ kind: 'analyzing', file, elapsedMs: 0, budgetMs, queued: this.queuedCount() });
      const ticker = setInterval(() => {
        if (this.statusState.kind === 'analyzing' && this.statusState.file === file) {
          this.setStatus({ ...this.statusState, elapsedMs: Date.now() - started });
        }
      }, 1000);
      try {
        const outcome = await this.worker().analyze(file, this.options(), {
          signal: controller.signal,
          timeBudgetMs: budgetMs,
          noCache,
          onProgress: (event) => {
            this.setStatus({ kind: 'analyzing', file, message: event.message, fraction: event.fraction, elapsedMs: Date.now() - started, budgetMs, queued: this.queuedCount() });
            if (progress) {
              const fraction = event.fraction ?? lastFraction;
              progress.report({ message: event.message, increment: Math.max(0, (fraction - lastFraction) * 100) });
              lastFraction = fraction;
            }
          },
        });
        state.report = outcome.report;
        state.durationMs = outcome.durationMs;
        state.cached = outcome.cached;
        state.explicit = explicit;
        const timings = outcome.report.analysis?.timings;
        this.log.info(`analysed ${file}: ${outcome.report.analysis?.verdict ?? 'no verdict'}, ${outcome.report.findings.length} findings, ` +
          `${outcome.cached ? 'cached' : `${outcome.durationMs} ms`}` + (outcome.report.analysis ? ` on ${outcome.report.analysis.backend}` : '') +
          (timings ? ` (${Object.entries(timings).map(([k, v]) => `${k} ${Math.round(v)} ms`).join(', ')})` : ''));
        this.watchReferences(file, outcome.report);
        this.publish(file);
        this.setStatus({
          kind: 'result', file, verdict: outcome.report.analysis?.verdict, n: outcome.report.analysis?.n,
          errors: outcome.report.findings.filter((f) => f.severity === 'error').length, cached: outcome.cached,
        });
      } catch (error) {
        if (error instanceof CancelledError) {
          this.log.debug(`analysis of ${file} ${error.message}`);
          if (this.statusState.kind === 'analyzing' && this.statusState.file === file) this.setStatus({ kind: 'idle' });
          return;
        }
        const message = error instanceof Error ? error.message : String(error);
        this.log.error(`analysis of ${file} failed: ${message}`);
        if (error instanceof WorkerError && error.kind === 'worker-exited') {
          this.setStatus({ kind: 'restarted', reason: error.exit?.description ?? message });
        } else {
          this.setStatus({ kind: 'error', message });
        }
        // One notification for explicit runs only: automatic runs never produce a notification storm.
        if (explicit) void vscode.window.showErrorMessage(`TransferLens: ${message}`, 'Show Log').then((choice) => choice && this.log.show());
      } finally {
        clearInterval(ticker);
        this.codeLensChanged.fire();
      }
    };
    if (explicit) {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `TransferLens: analysing ${basename(file)}`, cancellable: true },
        (progress, token) => run(progress, token),
      );
    } else {
      await run();
    }
  }

  private queuedCount(): number {
    return Math.max(0, (this.host?.pendingCount ?? 1) - 1);
  }

  /** Cancels every running and pending analysis. */
  cancelAll(): number {
    this.scheduler.cancelAll();
    const count = this.host?.cancel() ?? 0;
    if (this.statusState.kind === 'analyzing') this.setStatus({ kind: 'idle' });
    return count;
  }

  whenIdle(): Promise<void> {
    return this.scheduler.whenIdle();
  }

  // ------------------------------------------------------------------------------ output

  /** Re-publishes the diagnostics of one config from its state. */
  publish(file: string): void {
    const state = this.states.get(file);
    if (!state) return;
    const document = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file);
    const suppressed = document ? suppressedCodes(document.getText()) : [];
    const byFile = findingsByFile(file, state.staticFindings, state.report, suppressed, state.explicit);
    for (const old of state.diagnosticFiles) if (!byFile.has(old)) this.diagnostics.delete(vscode.Uri.file(old));
    state.diagnosticFiles = new Set(byFile.keys());
    for (const [target, findings] of byFile) {
      const diagnostics: vscode.Diagnostic[] = [];
      for (const finding of findings) {
        const data = diagnosticFor(finding, this.settings.severityOverrides);
        if (!data) continue;
        const diagnostic = new vscode.Diagnostic(toRange(data.range), data.message, SEVERITY[data.severity]);
        diagnostic.source = data.source;
        diagnostic.code = { value: data.code.value, target: vscode.Uri.parse(data.code.target) };
        if (data.related.length > 0) {
          diagnostic.relatedInformation = data.related.map((r) => new vscode.DiagnosticRelatedInformation(
            new vscode.Location(vscode.Uri.file(r.file), toRange(r.range ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } })),
            r.message,
          ));
        }
        diagnostics.push(diagnostic);
      }
      this.diagnostics.set(vscode.Uri.file(target), diagnostics);
    }
    this.codeLensChanged.fire();
  }

  /** Drops everything known about a config (e.g. the file was deleted). */
  forget(file: string): void {
    const state = this.states.get(file);
    for (const target of state?.diagnosticFiles ?? []) this.diagnostics.delete(vscode.Uri.file(target));
    this.states.delete(file);
    this.scheduler.cancel(`static:${file}`);
    this.scheduler.cancel(`analyze:${file}`);
  }

  setStatus(state: StatusState): void {
    this.statusState = state;
    if ('file' in state) this.lastStatusFile = state.file;
    const shown = statusPresentation(!vscode.workspace.isTrusted && state.kind !== 'restricted' && state.kind !== 'result' ? { kind: 'restricted' } : state);
    this.status.text = shown.text;
    this.status.tooltip = shown.tooltip;
    this.status.backgroundColor = shown.tone === 'normal' ? undefined : new vscode.ThemeColor(shown.tone === 'error' ? 'statusBarItem.errorBackground' : 'statusBarItem.warningBackground');
    this.status.command = state.kind === 'analyzing' ? 'transferlens.cancelAnalysis'
      : state.kind === 'result' && state.verdict ? { title: 'Open Transfer Report', command: 'transferlens.openReport', arguments: [vscode.Uri.file(state.file)] }
        : state.kind === 'error' || state.kind === 'restarted' ? 'transferlens.showLog' : undefined;
  }

  /** The config the status item last talked about (the "current" report for commands). */
  get lastFile(): string | undefined {
    return this.lastStatusFile;
  }

  // ------------------------------------------------------------------------------ watchers

  /** Watches the files a report read; a change re-analyses every config that depends on them. */
  private watchReferences(configFile: string, report: AnalysisReport): void {
    const wanted = new Set(referencedFiles(report));
    for (const [path, entry] of this.watchers) {
      if (!wanted.has(path) && entry.configs.delete(configFile) && entry.configs.size === 0) {
        entry.watcher.dispose();
        this.watchers.delete(path);
      }
    }
    for (const path of wanted) {
      let entry = this.watchers.get(path);
      if (!entry) {
        const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dirname(path)), basename(path)));
        const configs = new Set<string>();
        const onChange = (): void => {
          this.log.info(`${path} changed: re-analysing ${[...configs].map((c) => basename(c)).join(', ')}`);
          for (const config of configs) this.analyze(config, { explicit: false, delayMs: 500 });
        };
        watcher.onDidChange(onChange);
        watcher.onDidCreate(onChange);
        watcher.onDidDelete(onChange);
        entry = { watcher, configs };
        this.watchers.set(path, entry);
      }
      entry.configs.add(configFile);
    }
  }

  dispose(): void {
    this.scheduler.cancelAll();
    for (const { watcher } of this.watchers.values()) watcher.dispose();
    this.watchers.clear();
    void this.host?.dispose();
    this.diagnostics.dispose();
    this.status.dispose();
    this.codeLensChanged.dispose();
    this.log.dispose();
  }

  /** Stops the worker (awaitable, for deactivate). */
  async shutdown(): Promise<void> {
    await this.host?.dispose();
    this.host = undefined;
  }

  /** For Compare Checkpoints: the worker's ranking. */
  rank(file: string, candidates: readonly string[], token: vscode.CancellationToken): ReturnType<WorkerHost['rank']> {
    const controller = new AbortController();
    token.onCancellationRequested(() => controller.abort());
    return this.worker().rank(file, candidates, this.options(), { signal: controller.signal, timeBudgetMs: this.settings.timeBudgetSeconds * 1000 * Math.max(1, candidates.length) });
  }
}

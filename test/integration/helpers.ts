/**
 * Shared helpers of the integration suite: bounded waits that say what they waited for, the
 * extension handle, fresh copies of the fixture workspace's example projects, and the driver
 * bridge (screenshots and webview DOM reads that only the code-server + Chromium runner can do).
 */
/// <reference types="mocha" />
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const EXTENSION_ID = process.env.TRANSFERLENS_E2E_EXTENSION_ID ?? 'transferlens.transferlens';

/** Polls `probe` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  description: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}${detail}`);
    }
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the integration suite needs a workspace folder (the runner opens the fixture copy)');
  return folder.uri.fsPath;
}

/**
 * Copies `examples/<name>` of the fixture workspace into a new folder of the same workspace,
 * so each test edits its own files. The shared folders beside the examples (those without a
 * config, e.g. `checkpoints/`) are copied along, so references like `../checkpoints/x` resolve.
 */
export function copyExample(name: string, testName: string): string {
  const examples = path.join(workspaceRoot(), 'examples');
  const source = path.join(examples, name);
  if (!fs.existsSync(source)) throw new Error(`fixture example '${name}' is missing at ${source}`);
  const runFolder = path.join(workspaceRoot(), 'runs', `${testName}-${Date.now().toString(36)}`);
  fs.mkdirSync(runFolder, { recursive: true });
  for (const entry of fs.readdirSync(examples, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === name) continue;
    const folder = path.join(examples, entry.name);
    const isExample = ['config.yaml', 'config.yml', 'config.json'].some((f) => fs.existsSync(path.join(folder, f)));
    if (!isExample) fs.cpSync(folder, path.join(runFolder, entry.name), { recursive: true });
  }
  const target = path.join(runFolder, name);
  fs.cpSync(source, target, { recursive: true });
  return target;
}

export async function openFile(file: string): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  return vscode.window.showTextDocument(document, { preview: false });
}

export function diagnosticsOf(uri: vscode.Uri, source = 'transferlens'): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === source || d.source === undefined);
}

export function codeOf(diagnostic: vscode.Diagnostic): string | undefined {
  const code = diagnostic.code;
  if (code === undefined) return undefined;
  if (typeof code === 'object') return String(code.value);
  return String(code);
}

/** Zero-based line of the first line whose text matches `pattern`. */
export function lineOf(document: vscode.TextDocument, pattern: RegExp): number {
  for (let line = 0; line < document.lineCount; line++) {
    if (pattern.test(document.lineAt(line).text)) return line;
  }
  throw new Error(`no line matches ${pattern} in ${document.uri.fsPath}`);
}

export async function closeAllEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/**
 * The driver bridge: a loopback HTTP endpoint the code-server runner starts, through which a
 * test asks the Chromium page for a screenshot or for the text of the webview. Absent under
 * `@vscode/test-electron`, where these checks are skipped (and say so).
 */
export const driverUrl = process.env.TRANSFERLENS_E2E_DRIVER_URL;

export async function driver<T>(action: string, body: Record<string, unknown> = {}): Promise<T> {
  if (!driverUrl) throw new Error('no driver bridge (TRANSFERLENS_E2E_DRIVER_URL unset)');
  const response = await fetch(`${driverUrl}/${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`driver ${action} failed: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Saves a PNG of the whole workbench to test-artifacts/e2e/<name>.png (runner side). */
export async function screenshot(name: string): Promise<string | undefined> {
  if (!driverUrl) return undefined;
  const result = await driver<{ file: string }>('screenshot', { name });
  return result.file;
}

export interface WebviewSnapshot {
  readonly text: string;
  readonly svgCount: number;
  readonly canvasCount: number;
  readonly html: string;
}

/** The rendered DOM of the innermost webview frame whose text contains `marker`. */
export async function webviewSnapshot(marker: string): Promise<WebviewSnapshot | undefined> {
  const result = await driver<{ snapshot: WebviewSnapshot | null }>('webview', { marker });
  return result.snapshot ?? undefined;
}

export interface StatusBarItem {
  readonly id: string;
  readonly text: string;
  readonly ariaLabel: string;
  readonly spinning: boolean;
}

/** Status bar entries of the running workbench, read from the page's DOM by the driver. */
export async function statusBarItems(): Promise<StatusBarItem[]> {
  const result = await driver<{ items: StatusBarItem[] }>('statusbar');
  return result.items;
}

/**
 * The extension's own status bar entries: VS Code gives each entry the DOM id
 * `<extension id>.<item id>`, so they are found without knowing the item's text.
 */
export async function extensionStatusItems(extensionId = EXTENSION_ID): Promise<StatusBarItem[]> {
  const prefix = extensionId.toLowerCase();
  return (await statusBarItems()).filter((item) => item.id.toLowerCase().startsWith(prefix));
}

export interface NotificationToast {
  readonly severity: 'error' | 'warning' | 'info';
  readonly text: string;
}

export async function notificationToasts(): Promise<NotificationToast[]> {
  const result = await driver<{ toasts: NotificationToast[] }>('notifications');
  return result.toasts;
}

/**
 * PIDs of the extension host's child processes whose command line contains `needle` (the
 * analysis worker is forked from the extension host, which is this process). Linux /proc only;
 * used when the extension's test API does not report the worker's PID itself.
 */
export function childProcesses(needle: string): number[] {
  const found: number[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name in field 2 may contain spaces; the parent PID is the 2nd field after ')'.
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent !== process.pid) continue;
      const commandLine = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      if (commandLine.includes(needle)) found.push(Number(entry));
    } catch {
      // The process ended while we looked at it.
    }
  }
  return found;
}

/** The command id contributed by the extension under test whose title matches `title`. */
export function commandByTitle(title: RegExp, extensionId = EXTENSION_ID): string {
  const extension = vscode.extensions.getExtension(extensionId);
  const commands = (extension?.packageJSON?.contributes?.commands ?? []) as { command: string; title: string }[];
  const match = commands.find((c) => title.test(c.title));
  if (!match) throw new Error(`no contributed command titled ${title} (has: ${commands.map((c) => c.title).join(', ') || 'none'})`);
  return match.command;
}

/** The activated extension's exports (its test API, when it has one). */
export async function activeExtensionApi<T = Record<string, unknown>>(extensionId = EXTENSION_ID): Promise<T | undefined> {
  const extension = await waitFor(`extension ${extensionId} to be registered`, () => vscode.extensions.getExtension(extensionId), 20_000);
  const api = (await extension.activate()) as unknown;
  return (api ?? undefined) as T | undefined;
}

/** Finding codes that carry the transfer verdict (see src/core/model/codes.ts). */
export const VERDICT_CODES = ['negative-transfer', 'positive-transfer', 'too-close-to-call'];

/** How long one heavy analysis may take in the editor before a test gives up. */
export const ANALYSIS_TIMEOUT_MS = Number(process.env.TRANSFERLENS_E2E_ANALYSIS_TIMEOUT_MS ?? 120_000);

/**
 * Waits until the file has a verdict diagnostic accepted by `accept` (default: any verdict) and
 * returns it. Fails at once, with the extension's own message, when the analysis failed instead.
 */
export async function waitForVerdict(
  uri: vscode.Uri,
  accept: (diagnostic: vscode.Diagnostic) => boolean = () => true,
  timeoutMs = ANALYSIS_TIMEOUT_MS,
): Promise<vscode.Diagnostic> {
  // Once an analysis has timed out without any ever succeeding, the analysis is broken, not
  // slow: later waits are kept short so a broken build fails the suite in minutes, not hours.
  const limit = verdictTimedOut && !verdictSeen ? Math.min(timeoutMs, 15_000) : timeoutMs;
  try {
    const found = await waitFor(`a verdict diagnostic on ${path.basename(path.dirname(uri.fsPath))}/${path.basename(uri.fsPath)}`, () => {
      const diagnostics = vscode.languages.getDiagnostics(uri);
      const failed = diagnostics.find((d) => codeOf(d) === 'analysis-failed');
      if (failed) throw new Error(`the analysis failed: ${failed.message}`);
      return diagnostics.find((d) => VERDICT_CODES.includes(codeOf(d) ?? '') && accept(d));
    }, limit, 200);
    verdictSeen = true;
    return found;
  } catch (error) {
    verdictTimedOut = true;
    const shown = vscode.languages.getDiagnostics(uri).map((d) => `${codeOf(d)}: ${d.message}`).join(' | ') || 'none';
    throw new Error(`${error instanceof Error ? error.message : String(error)}; diagnostics shown: ${shown}`);
  }
}

let verdictSeen = false;
let verdictTimedOut = false;

/** Key names of the training size and the checkpoint in the example configs. */
export const TRAIN_SIZE_KEY = /^(\s*)(max_train_samples|max_samples)(\s*:\s*)(\d+)/;
export const CHECKPOINT_KEY = /^\s*(model_name_or_path|base_model|pretrained_model_name_or_path|model|[\w.]*checkpoint[\w.]*|load_from)\s*:/;

/** Replaces the configured training size in the open document (undoable, like typing) and saves. */
export async function setTrainSize(editor: vscode.TextEditor, n: number, save = true): Promise<void> {
  const document = editor.document;
  const line = lineOf(document, TRAIN_SIZE_KEY);
  const match = TRAIN_SIZE_KEY.exec(document.lineAt(line).text)!;
  const start = match[1]!.length + match[2]!.length + match[3]!.length;
  const range = new vscode.Range(line, start, line, start + match[4]!.length);
  const ok = await editor.edit((builder) => builder.replace(range, String(n)));
  if (!ok) throw new Error(`could not edit the training size in ${document.uri.fsPath}`);
  if (save && !(await document.save())) throw new Error(`could not save ${document.uri.fsPath}`);
}

export function trainSizeOf(document: vscode.TextDocument): number {
  const line = lineOf(document, TRAIN_SIZE_KEY);
  return Number(TRAIN_SIZE_KEY.exec(document.lineAt(line).text)![4]);
}

/**
 * The test API the extension returns from activate() (src/vscode/extension.ts, documented in
 * docs/extension.md). Every member is treated as optional so a missing hook fails one check
 * with a clear message instead of crashing the suite.
 */
export interface TransferLensTestApi {
  /** The last analysis report of a config (`analysis.crossoverN`, `analysis.verdict`, ...). */
  lastReport?(uri: vscode.Uri | string): { analysis?: { verdict?: string; crossoverN?: number | null; n?: number } } | undefined;
  /** Resolves when no static check or analysis is pending or running. */
  whenIdle?(): Promise<void>;
  /** PID of the analysis worker process, when one runs. */
  workerPid?(): number | undefined;
  /** The status bar item's current text. */
  statusText?(): string;
  /** Runs an analysis of the config and resolves when it finished. */
  analyze?(uri: vscode.Uri, options?: { noCache?: boolean }): Promise<{ analysis?: { verdict?: string } } | undefined>;
}

/** The status item's text: from the test API, else from the page's DOM (code-server runner). */
export async function statusTexts(api: TransferLensTestApi | undefined): Promise<{ text: string; spinning: boolean }[]> {
  const found: { text: string; spinning: boolean }[] = [];
  if (typeof api?.statusText === 'function') {
    const text = api.statusText();
    found.push({ text, spinning: /~spin/.test(text) });
  }
  if (driverUrl) {
    for (const item of await extensionStatusItems().catch(() => [])) found.push({ text: `${item.text} ${item.ariaLabel}`, spinning: item.spinning });
  }
  return found;
}

/**
 * For a suite of Hugging Face checkpoints from a fixture cache laid out as huggingface_hub writes
 * it: registers the suite's setup, which points HF_HUB_CACHE of the extension host (this process)
 * at `hub` and restarts the worker (forked with this environment) by changing a worker setting, so
 * the static tier and the worker both see the fixture cache; and its teardown, which restores both.
 * Returns a handle whose `api` is the extension's test API once the setup ran.
 */
export function useHfCache(hub: string): { readonly api: TransferLensTestApi | undefined } {
  const handle: { api: TransferLensTestApi | undefined } = { api: undefined };
  const previousCache = process.env.HF_HUB_CACHE;
  let memory: number | undefined;

  suiteSetup(async () => {
    handle.api = await activeExtensionApi<TransferLensTestApi>();
    process.env.HF_HUB_CACHE = hub;
    // A fresh worker: one more MB than the current value is a change even when an earlier suite's
    // reset has not landed yet.
    const config = vscode.workspace.getConfiguration('transferlens');
    memory = config.get<number>('workerMemoryMb') ?? 2048;
    await config.update('workerMemoryMb', memory + 1, vscode.ConfigurationTarget.Global);
    await handle.api?.whenIdle?.();
    // The configuration event that restarts the worker arrives asynchronously: let it land before
    // the first analysis, or the restart kills that analysis (seen in CI after the other suites).
    await sleep(3000);
  });

  suiteTeardown(async () => {
    if (previousCache === undefined) delete process.env.HF_HUB_CACHE;
    else process.env.HF_HUB_CACHE = previousCache;
    // The setting is reset and the worker restarted (back to the user's cache) only once it is
    // idle: a restart racing the next suite's own restart left that suite without a worker.
    await handle.api?.whenIdle?.();
    if (memory !== undefined) await vscode.workspace.getConfiguration('transferlens').update('workerMemoryMb', undefined, vscode.ConfigurationTarget.Global);
    await handle.api?.whenIdle?.();
    await sleep(2000);
    await closeAllEditors();
  });

  return handle;
}

/** PID of the analysis worker: from the test API when offered, else from /proc. */
export function workerPid(api: TransferLensTestApi | undefined): number | undefined {
  const fromApi = typeof api?.workerPid === 'function' ? api.workerPid() : undefined;
  if (fromApi) return fromApi;
  const found = childProcesses('worker.js');
  return found.length > 0 ? found[found.length - 1] : undefined;
}

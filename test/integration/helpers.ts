/**
 * Shared helpers of the integration suite: bounded waits that say what they waited for, the
 * extension handle, fresh copies of the fixture workspace's example projects, and the driver
 * bridge (screenshots and webview DOM reads that only the code-server + Chromium runner can do).
 */
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
 * so each test edits its own files and relative references inside the example still resolve.
 */
export function copyExample(name: string, testName: string): string {
  const source = path.join(workspaceRoot(), 'examples', name);
  if (!fs.existsSync(source)) throw new Error(`fixture example '${name}' is missing at ${source}`);
  const target = path.join(workspaceRoot(), 'runs', `${testName}-${Date.now().toString(36)}`, name);
  fs.mkdirSync(path.dirname(target), { recursive: true });
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

/**
 * What a user sees on the bundled examples (issue #8, section 2): the negative-transfer warning
 * on the checkpoint key with progress then the result in the status item, the hover and the
 * CodeLens, the preferred quick fix (right key, comments kept, undone by undo), the diagnostic
 * following an edit of the training size past the crossover, and the report webview. Each test
 * works on its own copy of the example, so edits never leak between tests.
 */
/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  CHECKPOINT_KEY, activeExtensionApi, closeAllEditors, codeOf, commandByTitle, copyExample, driverUrl,
  lineOf, openFile, screenshot, setTrainSize, sleep, statusTexts, trainSizeOf, waitFor,
  waitForVerdict, webviewSnapshot, type TransferLensTestApi,
} from '../helpers';

function isNegative(diagnostic: vscode.Diagnostic): boolean {
  return codeOf(diagnostic) === 'negative-transfer';
}

/** Opens a fresh copy of examples/<name>/config.yaml. */
async function openExample(name: string, testName: string): Promise<vscode.TextEditor> {
  const folder = copyExample(name, testName);
  return openFile(path.join(folder, 'config.yaml'));
}

/** Flattens parsed YAML to `a.b.c → value` so two versions of a config can be compared key by key. */
function flatten(value: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) flatten(child, prefix ? `${prefix}.${key}` : key, out);
  } else {
    out[prefix] = JSON.stringify(value);
  }
  return out;
}

function changedKeys(before: string, after: string): string[] {
  const a = flatten(parseYaml(before));
  const b = flatten(parseYaml(after));
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((key) => a[key] !== b[key]);
}

function commentLines(text: string): string[] {
  return text.split('\n').map((line) => line.trim()).filter((line) => line.startsWith('#'));
}

/** Reads the crossover n from what the editor shows (diagnostic, CodeLens, hover). */
function crossoverFrom(texts: string[]): number | undefined {
  for (const text of texts) {
    const match = /crossover[^0-9]{0,30}([0-9][0-9,. ]*[0-9]|[0-9])/i.exec(text);
    if (match) {
      const value = Number(match[1]!.replace(/[, ]/g, ''));
      if (Number.isFinite(value) && value > 0) return Math.round(value);
    }
  }
  return undefined;
}

async function codeLensTitles(uri: vscode.Uri): Promise<string[]> {
  const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 20)) ?? [];
  return lenses.map((lens) => lens.command?.title ?? '').filter(Boolean);
}

async function hoverText(uri: vscode.Uri, position: vscode.Position): Promise<string> {
  const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position)) ?? [];
  return hovers
    .flatMap((hover) => hover.contents)
    .map((content) => (typeof content === 'string' ? content : 'value' in content ? content.value : ''))
    .join('\n');
}

suite('the verdict in the editor (examples/hurts and examples/helps)', function () {
  let api: TransferLensTestApi | undefined;

  suiteSetup(async () => {
    api = await activeExtensionApi<TransferLensTestApi>();
  });

  teardown(async () => {
    await closeAllEditors();
  });

  test('negative transfer: warning on the checkpoint key, progress then the result in the status item', async () => {
    const editor = await openExample('hurts', 'warning');
    const uri = editor.document.uri;

    // Sample the status item while the analysis runs (test API text and, in code-server, the DOM).
    const seen: { text: string; spinning: boolean }[][] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        seen.push(await statusTexts(api));
        await sleep(100);
      }
    })();
    let diagnostic: vscode.Diagnostic;
    try {
      diagnostic = await waitForVerdict(uri, isNegative);
    } finally {
      sampling = false;
      await sampler;
    }

    assert.equal(diagnostic.source, 'transferlens');
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Warning);
    const lineText = editor.document.lineAt(diagnostic.range.start.line).text;
    assert.match(lineText, CHECKPOINT_KEY, `the warning is on "${lineText}", not on the checkpoint key`);
    assert.ok(diagnostic.message.split('\n')[0]!.length <= 200, 'the first line of the message stays short');

    const texts = [...new Set(seen.map((items) => items.map((i) => i.text).join(' | ')))];
    assert.ok(seen.some((items) => items.length > 0), 'no status item found (neither the test API statusText() nor the DOM)');
    const sawProgress = seen.some((items) => items.some((i) => i.spinning || /analy[sz]|running|loading|%/i.test(i.text)));
    assert.ok(sawProgress, `the status item never showed progress; it showed: ${texts.join(' / ')}`);
    const final = await waitFor('the status item to show the verdict', async () => {
      const items = await statusTexts(api);
      return items.find((i) => /negative/i.test(i.text));
    }, 10_000);
    assert.equal(final.spinning, false);

    if (driverUrl) {
      // The editor screenshot: the warning's line under the cursor with its hover open.
      editor.selection = new vscode.Selection(diagnostic.range.start, diagnostic.range.start);
      editor.revealRange(diagnostic.range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      await vscode.commands.executeCommand('editor.action.showHover');
      await sleep(800);
      await screenshot('editor-warning');
    }
  });

  test('positive example: no negative-transfer warning', async () => {
    const editor = await openExample('helps', 'helps');
    const verdict = await waitForVerdict(editor.document.uri);
    assert.notEqual(codeOf(verdict), 'negative-transfer', `helps was judged negative: ${verdict.message}`);
  });

  test('hover and CodeLens on the checkpoint key show the verdict', async () => {
    const editor = await openExample('hurts', 'hover');
    const uri = editor.document.uri;
    const diagnostic = await waitForVerdict(uri, isNegative);
    const titles = await waitFor('a CodeLens with the verdict', async () => {
      const found = await codeLensTitles(uri);
      return found.some((t) => /negative/i.test(t)) ? found : undefined;
    }, 15_000, 250);
    assert.ok(titles.some((t) => /negative/i.test(t)), `CodeLens titles: ${titles.join(' | ')}`);
    const line = lineOf(editor.document, CHECKPOINT_KEY);
    const keyColumn = editor.document.lineAt(line).firstNonWhitespaceCharacterIndex + 1;
    const hover = await hoverText(uri, new vscode.Position(line, keyColumn));
    assert.match(hover, /negative/i, `hover on the checkpoint key says: ${hover}`);
    assert.equal(diagnostic.range.start.line, line);
  });

  test('the preferred quick fix edits the right key, keeps comments, and undo reverts it', async () => {
    const editor = await openExample('hurts', 'quickfix');
    const document = editor.document;
    const diagnostic = await waitForVerdict(document.uri, isNegative);
    const before = document.getText();

    const actions = (await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider', document.uri, diagnostic.range, vscode.CodeActionKind.QuickFix.value,
    )) ?? [];
    const preferred = actions.filter((a) => a.isPreferred);
    assert.equal(preferred.length, 1, `expected one preferred quick fix, got: ${actions.map((a) => `${a.title}${a.isPreferred ? ' (preferred)' : ''}`).join(' | ')}`);
    const fix = preferred[0]!;
    assert.ok(fix.edit, `the preferred fix "${fix.title}" carries no edit`);
    assert.ok(fix.diagnostics?.some((d) => codeOf(d) === 'negative-transfer'), 'the preferred fix is joined to the negative-transfer diagnostic');

    assert.equal(await vscode.workspace.applyEdit(fix.edit!), true);
    const after = document.getText();
    assert.notEqual(after, before, 'the quick fix changed nothing');
    const keys = changedKeys(before, after);
    const strategyOrRate = /^(finetuning_type|freeze_trainable_layers|learning_rate|lr|lr0|freeze_.*|strategy|.*\.freeze.*)$/;
    assert.ok(keys.length > 0 && keys.every((k) => strategyOrRate.test(k) || fix.title.includes(k)),
      `the fix "${fix.title}" changed unexpected keys: ${keys.join(', ')}`);
    for (const comment of commentLines(before)) {
      assert.ok(after.includes(comment), `the comment "${comment}" was lost`);
    }

    await vscode.window.showTextDocument(document);
    await vscode.commands.executeCommand('undo');
    await waitFor('undo to restore the original text', () => document.getText() === before, 5_000);
  });

  test('editing the training size past the crossover updates the diagnostic', async () => {
    const editor = await openExample('hurts', 'crossover');
    const document = editor.document;
    const diagnostic = await waitForVerdict(document.uri, isNegative);
    const line = lineOf(document, CHECKPOINT_KEY);
    const texts = [diagnostic.message, ...(await codeLensTitles(document.uri)), await hoverText(document.uri, new vscode.Position(line, 1))];
    const fromReport = typeof api?.lastReport === 'function' ? api.lastReport(document.uri)?.analysis?.crossoverN : undefined;
    const crossover = fromReport ?? crossoverFrom(texts);
    assert.ok(crossover, `no crossover n in the report nor shown in the editor: ${texts.join(' || ')}`);
    const n = trainSizeOf(document);
    // Go well past the crossover, on whichever side of it transfer wins.
    const target = n < crossover ? Math.ceil(crossover * 2) : Math.max(2, Math.floor(crossover / 2));
    await setTrainSize(editor, target);
    const updated = await waitForVerdict(document.uri, (d) => !isNegative(d));
    assert.notEqual(codeOf(updated), 'negative-transfer', `n=${target} (crossover ${crossover}, was ${n}) still negative`);
  });

  test('"Open Transfer Report" shows the verdict and the learning curves in a webview', async function () {
    const editor = await openExample('hurts', 'report');
    await waitForVerdict(editor.document.uri, isNegative);
    await vscode.commands.executeCommand(commandByTitle(/Open Transfer Report/i));
    if (!driverUrl) this.skip();
    const snapshot = await waitFor('the report webview to render the verdict', () => webviewSnapshot('negative'), 30_000, 250);
    assert.ok(snapshot.svgCount + snapshot.canvasCount > 0, 'the report has no plot');
    assert.match(`${snapshot.text}\n${snapshot.html}`, /learning[- ]curve/i, 'the report has no learning-curve plot');
    await sleep(500);
    await screenshot('report-in-vscode');
  });

  suiteTeardown(async () => {
    if (typeof api?.whenIdle === 'function') await Promise.race([api.whenIdle(), sleep(10_000)]);
  });
});

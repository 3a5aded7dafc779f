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
  ANALYSIS_TIMEOUT_MS, CHECKPOINT_KEY, activeExtensionApi, closeAllEditors, codeOf, commandByTitle, copyExample, driverUrl,
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

async function quickFixes(uri: vscode.Uri, range: vscode.Range): Promise<vscode.CodeAction[]> {
  return (await vscode.commands.executeCommand<vscode.CodeAction[]>(
    'vscode.executeCodeActionProvider', uri, range, vscode.CodeActionKind.QuickFix.value,
  )) ?? [];
}

/** The preferred fix joined to `diagnostic` that carries a text edit, if any. */
function preferredFixOf(actions: vscode.CodeAction[], diagnostic: vscode.Diagnostic): { fix: vscode.CodeAction; diagnostic: vscode.Diagnostic } | undefined {
  // `vscode.executeCodeActionProvider` does not always carry `diagnostics` back, so an action
  // without them counts as belonging to the diagnostic whose range was asked for.
  const fix = actions.find((a) => a.isPreferred && a.edit && (a.diagnostics === undefined || a.diagnostics.some((d) => codeOf(d) === codeOf(diagnostic))));
  return fix ? { fix, diagnostic } : undefined;
}

/** True when a message states the training size `n` (written with or without thousands separators). */
function mentionsN(message: string, n: number): boolean {
  return new RegExp(`n\\s*[=≈]\\s*${n}(?![0-9])`).test(message.replace(/(\d),(\d{3})/g, '$1$2'));
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
      // The editor screenshots: the whole config with the squiggle, CodeLens, status item and the
      // Problems panel; then the warning's hover on the checkpoint key.
      await vscode.commands.executeCommand('workbench.action.closeSidebar');
      await vscode.commands.executeCommand('workbench.actions.view.problems');
      await vscode.window.showTextDocument(editor.document, { preserveFocus: false });
      editor.selection = new vscode.Selection(diagnostic.range.start, diagnostic.range.start);
      editor.revealRange(diagnostic.range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      await sleep(800);
      await screenshot('editor-warning');
      await vscode.commands.executeCommand('editor.action.showHover');
      await sleep(800);
      await screenshot('editor-warning-hover');
      await vscode.commands.executeCommand('workbench.action.closePanel');
      await vscode.commands.executeCommand('workbench.action.focusSideBar');
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

  test('the preferred quick fix edits the right key, keeps comments, and undo reverts it', async function () {
    this.timeout(240_000); // up to two analyses
    const editor = await openExample('hurts', 'quickfix');
    const document = editor.document;
    const negative = await waitForVerdict(document.uri, isNegative);
    const negativeActions = await quickFixes(document.uri, negative.range);
    assert.ok(negativeActions.length > 0, 'the negative-transfer warning offers no quick fix at all');

    let found = preferredFixOf(negativeActions, negative);
    if (!found) {
      // hurts recommends training from scratch, which has no config key to write, so its warning
      // has no preferred edit. Full fine-tuning at the example's learning rate draws a
      // learning-rate finding whose preferred fix does edit a key: test the fix mechanics there.
      const line = lineOf(document, /^\s*finetuning_type\s*:/);
      const text = document.lineAt(line).text;
      const valueStart = text.indexOf(':') + 1 + (/^\s*/.exec(text.slice(text.indexOf(':') + 1))![0].length);
      const valueEnd = valueStart + /^[^\s#]+/.exec(text.slice(valueStart))![0].length;
      await editor.edit((b) => b.replace(new vscode.Range(line, valueStart, line, valueEnd), 'full'));
      await document.save();
      let offered = '';
      found = await waitFor('a diagnostic with a preferred quick fix that edits the config', async () => {
        offered = '';
        for (const diagnostic of vscode.languages.getDiagnostics(document.uri).filter((d) => d.source === 'transferlens')) {
          const actions = await quickFixes(document.uri, diagnostic.range);
          offered += `${codeOf(diagnostic)}@${diagnostic.range.start.line}: [${actions.map((a) => `${a.title}${a.isPreferred ? '*' : ''}${a.edit ? '(edit)' : ''}`).join(', ')}]; `;
          const fix = preferredFixOf(actions, diagnostic);
          if (fix) return fix;
        }
        return undefined;
      }, Math.min(ANALYSIS_TIMEOUT_MS, 90_000), 500).catch((error: unknown) => {
        throw new Error(`${error instanceof Error ? error.message : String(error)}; offered: ${offered}`);
      });
    }
    const { fix, diagnostic } = found;
    const before = document.getText();
    const diagnosticKey = /^\s*([\w.-]+)\s*:/.exec(document.lineAt(diagnostic.range.start.line).text)?.[1];

    assert.equal(await vscode.workspace.applyEdit(fix.edit!), true);
    const after = document.getText();
    assert.notEqual(after, before, 'the quick fix changed nothing');
    const keys = changedKeys(before, after);
    const strategyKeys = /^(finetuning_type|freeze_trainable_layers|freeze_.*)$/;
    assert.ok(keys.length > 0 && keys.every((k) => k === diagnosticKey || fix.title.includes(k) || strategyKeys.test(k)),
      `the fix "${fix.title}" for ${codeOf(diagnostic)} on '${diagnosticKey}' changed: ${keys.join(', ')}`);
    for (const comment of commentLines(before)) {
      assert.ok(after.includes(comment), `the comment "${comment}" was lost`);
    }

    await vscode.window.showTextDocument(document);
    await vscode.commands.executeCommand('undo');
    await waitFor('undo to restore the text before the fix', () => document.getText() === before, 5_000);
  });

  test('editing the training size updates the diagnostic (past the crossover when there is one)', async () => {
    const editor = await openExample('hurts', 'crossover');
    const document = editor.document;
    await waitForVerdict(document.uri, isNegative);
    const report = typeof api?.lastReport === 'function' ? api.lastReport(document.uri) : undefined;
    const crossover = report?.analysis?.crossoverN ?? undefined;
    const n = trainSizeOf(document);
    if (crossover) {
      // Go well past the crossover, on whichever side of it transfer wins.
      const target = n < crossover ? Math.ceil(crossover * 2) : Math.max(2, Math.floor(crossover / 2));
      await setTrainSize(editor, target);
      const updated = await waitForVerdict(document.uri, (d) => !isNegative(d));
      assert.notEqual(codeOf(updated), 'negative-transfer', `n=${target} (crossover ${crossover}, was ${n}) still negative`);
    } else {
      // No crossover in range (hurts: transfer loses at every n): the diagnostic must follow n.
      console.log(`[transferlens-e2e] hurts has no crossover (crossoverN ${String(report?.analysis?.crossoverN)}): checking that the warning follows n`);
      const target = n === 500 ? 700 : 500;
      await setTrainSize(editor, target);
      const updated = await waitForVerdict(document.uri, (d) => mentionsN(d.message, target));
      assert.ok(mentionsN(updated.message, target));
    }
  });

  test('"Open Transfer Report" shows the verdict and the learning curves in a webview', async function () {
    const editor = await openExample('hurts', 'report');
    await waitForVerdict(editor.document.uri, isNegative);
    await vscode.commands.executeCommand(commandByTitle(/Open Transfer Report/i));
    if (!driverUrl) this.skip();
    const snapshot = await waitFor('the report webview to render the verdict', () => webviewSnapshot('negative'), 30_000, 250);
    assert.ok(snapshot.svgCount + snapshot.canvasCount > 0, 'the report has no plot');
    assert.match(`${snapshot.text}\n${snapshot.html}`, /learning[- ]curve/i, 'the report has no learning-curve plot');
    // Give the report the whole window for the screenshot.
    await vscode.commands.executeCommand('workbench.action.closeSidebar');
    await vscode.commands.executeCommand('workbench.action.focusSecondEditorGroup');
    await vscode.commands.executeCommand('workbench.action.toggleMaximizeEditorGroup');
    await sleep(1000);
    await screenshot('report-in-vscode');
    await vscode.commands.executeCommand('workbench.action.toggleMaximizeEditorGroup');
    await vscode.commands.executeCommand('workbench.action.focusSideBar');
  });

  suiteTeardown(async () => {
    if (typeof api?.whenIdle === 'function') await Promise.race([api.whenIdle(), sleep(10_000)]);
  });
});

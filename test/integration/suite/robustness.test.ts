/**
 * The extension under failure (issue #8, section 2): the analysis worker killed in the middle
 * of an analysis is reported and restarted, and the next analysis succeeds; a malformed config
 * gives one clear diagnostic and no storm of error notifications.
 */
/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  TRAIN_SIZE_KEY, activeExtensionApi, closeAllEditors, codeOf, copyExample, driverUrl,
  lineOf, notificationToasts, openFile, setTrainSize, sleep, statusTexts, trainSizeOf, waitFor, waitForVerdict, workerPid,
  type TransferLensTestApi,
} from '../helpers';

suite('robustness', function () {
  let api: TransferLensTestApi | undefined;

  suiteSetup(async () => {
    api = await activeExtensionApi<TransferLensTestApi>();
  });

  teardown(async () => {
    await closeAllEditors();
    if (driverUrl) await vscode.commands.executeCommand('notifications.clearAll');
  });

  test('a worker killed mid-analysis is reported and restarted, and the next analysis succeeds', async () => {
    const editor = await openFile(path.join(copyExample('hurts', 'worker-kill'), 'config.yaml'));
    const uri = editor.document.uri;
    await waitForVerdict(uri);
    // An uncached analysis (the test API's noCache, else a training size never analysed before).
    let pending: Promise<unknown>;
    if (typeof api?.analyze === 'function') {
      pending = api.analyze(uri, { noCache: true }).catch((error: unknown) => error);
    } else {
      await setTrainSize(editor, trainSizeOf(editor.document) + 13);
      pending = Promise.resolve();
    }
    const killed = await waitFor('the analysis worker process', () => workerPid(api), 30_000, 50);
    await sleep(300); // let the worker get into the analysis
    process.kill(killed, 'SIGKILL');
    await Promise.race([pending, sleep(30_000)]);

    await waitFor('the extension to report the worker exit (status item or notification)', async () => {
      const texts = (await statusTexts(api)).map((i) => i.text);
      if (driverUrl) texts.push(...(await notificationToasts()).map((t) => t.text));
      return texts.find((t) => /restart|crash|stopp|killed|exited|worker/i.test(t));
    }, 30_000, 200);
    const restarted = await waitFor('a new worker process', () => {
      const pid = workerPid(api);
      return pid !== undefined && pid !== killed ? pid : undefined;
    }, 60_000, 200);
    assert.notEqual(restarted, killed);

    if (typeof api?.analyze === 'function') {
      const report = await api.analyze(uri, { noCache: true });
      assert.ok(report?.analysis?.verdict, 'the analysis after the restart gave no verdict');
    }
    await setTrainSize(editor, trainSizeOf(editor.document) + 17);
    const verdict = await waitForVerdict(uri);
    assert.ok(verdict, 'the analysis after the restart gave a verdict');
  });

  test('a malformed config shows one clear diagnostic and no notification storm', async () => {
    const folder = copyExample('hurts', 'malformed');
    const file = path.join(folder, 'config.yaml');
    // Break the YAML on the training-size line with a stray second colon (a common typo, and one
    // the YAML parser reports on that very line).
    const text = fs.readFileSync(file, 'utf8').split('\n');
    const line = text.findIndex((l) => TRAIN_SIZE_KEY.test(l));
    assert.ok(line >= 0, 'the hurts example has no training-size key');
    text[line] = text[line]!.replace(/:\s*(\d+)/, ': $1: samples');
    fs.writeFileSync(file, text.join('\n'));

    const toastsBefore = driverUrl ? (await notificationToasts()).length : 0;
    const editor = await openFile(file);
    const uri = editor.document.uri;
    const problems = await waitFor('a transferlens diagnostic on the malformed config', () => {
      const found = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'transferlens');
      return found.length > 0 ? found : undefined;
    }, 30_000, 200);
    // Let a few more edits and the (skipped) heavy analysis settle, then count again.
    for (let i = 0; i < 3; i++) {
      await editor.edit((b) => b.insert(new vscode.Position(editor.document.lineCount, 0), '\n'));
      await sleep(300);
    }
    await editor.document.save();
    await sleep(3000);

    const syntax = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'transferlens' && codeOf(d) === 'config-syntax');
    assert.equal(syntax.length, 1, `expected one config-syntax diagnostic, got: ${problems.map((d) => `${codeOf(d)}: ${d.message}`).join(' | ')}`);
    assert.equal(syntax[0]!.range.start.line, lineOf(editor.document, /\d+: samples/), 'the syntax error points at the broken line');
    assert.ok(syntax[0]!.message.length > 10 && syntax[0]!.message.length < 300, `unclear message: ${syntax[0]!.message}`);

    if (driverUrl) {
      const toasts = await notificationToasts();
      const errors = toasts.filter((t) => t.severity === 'error');
      assert.equal(errors.length, 0, `error notifications: ${errors.map((t) => t.text).join(' | ')}`);
      assert.ok(toasts.length - toastsBefore <= 1, `notification storm: ${toasts.map((t) => t.text).join(' | ')}`);
    }
  });
});

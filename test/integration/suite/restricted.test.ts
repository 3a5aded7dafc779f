/**
 * Restricted Mode (runs only in the runner's `restricted` window, opened without
 * --disable-workspace-trust): in an untrusted workspace only the static checks run (no
 * checkpoint is loaded, so no verdict), and the status item says why.
 */
/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import * as path from 'node:path';
import { VERDICT_CODES, activeExtensionApi, codeOf, copyExample, openFile, sleep, statusTexts, waitFor, type TransferLensTestApi } from '../helpers';

suite('Restricted Mode', function () {
  test('the workspace is untrusted', () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the runner opened the restricted window trusted');
  });

  test('only static checks run and the status item says why', async () => {
    const api = await activeExtensionApi<TransferLensTestApi>();
    const editor = await openFile(path.join(copyExample('hurts', 'restricted'), 'config.yaml'));
    await waitFor('the status item to mention Restricted Mode', async () => {
      const items = await statusTexts(api);
      return items.find((i) => /restrict|trust/i.test(i.text));
    }, 30_000, 200);
    // Give a heavy analysis every chance to (wrongly) run: longer than the static checks need.
    await sleep(8000);
    const verdicts = vscode.languages.getDiagnostics(editor.document.uri).filter((d) => VERDICT_CODES.includes(codeOf(d) ?? ''));
    assert.deepEqual(verdicts.map((d) => d.message), [], 'a verdict was computed in an untrusted workspace');
  });
});

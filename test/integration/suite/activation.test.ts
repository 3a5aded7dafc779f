/**
 * Smoke test: the extension under test is installed in the real editor and activates, and the
 * host is what the runner promised (a workspace folder with the fixture examples).
 */
/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, waitFor, workspaceRoot } from '../helpers';

suite('activation', () => {
  test('the extension is present and activates', async () => {
    const extension = await waitFor(`extension ${EXTENSION_ID} to be registered`, () => vscode.extensions.getExtension(EXTENSION_ID), 20_000);
    await extension.activate();
    assert.equal(extension.isActive, true);
  });

  test('the fixture workspace is open', () => {
    const root = workspaceRoot();
    assert.ok(root.length > 0);
    console.log(`[transferlens-e2e] workspace ${root}; uiKind=${vscode.env.uiKind === vscode.UIKind.Web ? 'web' : 'desktop'}; trusted=${vscode.workspace.isTrusted}`);
  });
});

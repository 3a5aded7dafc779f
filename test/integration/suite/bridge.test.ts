/**
 * Self-test of the driver bridge (runs only with the runner's --smoke, against the throwaway
 * smoke extension): status bar, notification and webview DOM readers, screenshots, and the
 * /proc child-process lookup the worker test falls back on. If these fail, the product tests'
 * failures would say nothing about the product.
 */
/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { spawn } from 'node:child_process';
import * as vscode from 'vscode';
import { childProcesses, driverUrl, extensionStatusItems, notificationToasts, screenshot, waitFor, webviewSnapshot, activeExtensionApi, commandByTitle } from '../helpers';

suite('driver bridge (smoke extension)', function () {
  suiteSetup(function () {
    if (!driverUrl) this.skip();
  });

  test('reads the extension status item, spinner included, and follows its changes', async () => {
    const api = await activeExtensionApi<{ setStatus(text: string): void }>();
    const first = await waitFor('the smoke status item', async () => (await extensionStatusItems()).find((i) => i.text.includes('Smoke')), 10_000);
    assert.equal(first.spinning, true);
    api!.setStatus('Smoke: done');
    const second = await waitFor('the status item to change', async () => (await extensionStatusItems()).find((i) => i.text.includes('done')), 10_000);
    assert.equal(second.spinning, false);
  });

  test('counts error notifications', async () => {
    assert.equal((await notificationToasts()).filter((t) => t.text.includes('Smoke error')).length, 0);
    await vscode.commands.executeCommand(commandByTitle(/Show Smoke Error/));
    const toast = await waitFor('the error toast', async () => (await notificationToasts()).find((t) => t.text.includes('Smoke error')), 10_000);
    assert.equal(toast.severity, 'error');
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  test('reads a webview DOM and saves a screenshot', async () => {
    await vscode.commands.executeCommand(commandByTitle(/Open Smoke Report/));
    const snapshot = await waitFor('the smoke webview to render', () => webviewSnapshot('Smoke verdict'), 20_000, 250);
    assert.match(snapshot.text, /negative/);
    assert.equal(snapshot.svgCount, 1);
    const file = await screenshot('smoke-report');
    assert.ok(file && fs.statSync(file).size > 1000, `screenshot ${file} is missing or empty`);
  });

  test('finds a child process of the extension host by its command line', async () => {
    const marker = `transferlens-e2e-marker-${process.pid}`;
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)', marker], { stdio: 'ignore' });
    try {
      const pids = await waitFor('the child process to show up in /proc', () => {
        const found = childProcesses(marker);
        return found.length > 0 ? found : undefined;
      }, 5_000);
      assert.deepEqual(pids, [child.pid]);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

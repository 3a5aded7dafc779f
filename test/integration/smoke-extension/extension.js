// A minimal extension used only to prove the e2e runner and its driver bridge
// (scripts/e2e/run-code-server.mjs --smoke): a status item, a webview with an SVG plot and an
// error notification, so the bridge's DOM readers are tested without the real extension.
/* global exports, require */
'use strict';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain CommonJS extension, no build step
const vscode = require('vscode');

exports.activate = function activate(context) {
  const status = vscode.window.createStatusBarItem('status', vscode.StatusBarAlignment.Left, 100);
  status.text = '$(sync~spin) Smoke: analysing';
  status.tooltip = 'Smoke status';
  status.show();
  context.subscriptions.push(status);
  context.subscriptions.push(
    vscode.commands.registerCommand('transferlensSmoke.openReport', () => {
      const panel = vscode.window.createWebviewPanel('smokeReport', 'Smoke Report', vscode.ViewColumn.Beside, {});
      panel.webview.html = '<!doctype html><html><body><h1>Smoke verdict: negative</h1>' +
        '<svg width="200" height="100" aria-label="learning curves"><polyline points="0,90 100,20 200,10" stroke="red" fill="none"/></svg></body></html>';
      return true;
    }),
    vscode.commands.registerCommand('transferlensSmoke.notify', () => {
      void vscode.window.showErrorMessage('Smoke error notification');
    }),
  );
  return {
    setStatus(text) { status.text = text; },
  };
};
exports.deactivate = function deactivate() {};

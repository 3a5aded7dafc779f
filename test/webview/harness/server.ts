/**
 * The static harness for the report webview: a localhost HTTP server that serves the same page
 * the panel loads (webviewShellHtml, same CSP, sent as a header too), dist/webview.js,
 * media/report.css, a VS Code theme stylesheet, and a tiny nonce'd script that plays the
 * extension host: it sets the theme's body class and posts `showReport` with a fixture's model.
 * Usage from a test: const harness = await startHarness(); harness.url({ fixture, theme }); harness.close().
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { webviewCsp, webviewShellHtml } from '../../../src/core/report/html';
import type { ReportModel } from '../../../src/core/report/model';

export type HarnessTheme = 'light' | 'dark' | 'high-contrast';

const repositoryRoot = join(__dirname, '..', '..', '..');
const BODY_CLASS: Record<HarnessTheme, string> = { light: 'vscode-light', dark: 'vscode-dark', 'high-contrast': 'vscode-high-contrast' };

export interface Harness {
  readonly origin: string;
  url(options: { fixture: string; theme: HarnessTheme }): string;
  close(): Promise<void>;
}

export async function startHarness(models: Readonly<Record<string, ReportModel>>): Promise<Harness> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const send = (status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): void => {
      response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', ...headers });
      response.end(body);
    };
    try {
      if (url.pathname === '/' || url.pathname === '/index.html') {
        const fixture = url.searchParams.get('fixture') ?? '';
        const theme = (url.searchParams.get('theme') ?? 'light') as HarnessTheme;
        if (!(fixture in models) || !(theme in BODY_CLASS)) return send(404, 'text/plain', 'unknown fixture or theme');
        const nonce = randomBytes(16).toString('base64url');
        let html = webviewShellHtml({ cspSource: origin, nonce, scriptUri: `${origin}/dist/webview.js`, styleUri: `${origin}/media/report.css` });
        // The theme stylesheet plays VS Code's injected variables; the host script plays the extension.
        html = html.replace('<link rel="stylesheet"', `<link rel="stylesheet" href="${origin}/harness/vscode-${theme}.css">\n<link rel="stylesheet"`);
        html = html.replace('</body>', `<script nonce="${nonce}" src="${origin}/harness/host.js?fixture=${encodeURIComponent(fixture)}&theme=${theme}"></script>\n</body>`);
        return send(200, 'text/html; charset=utf-8', html, { 'Content-Security-Policy': webviewCsp(origin, nonce) });
      }
      if (url.pathname === '/harness/host.js') {
        const fixture = url.searchParams.get('fixture') ?? '';
        const theme = (url.searchParams.get('theme') ?? 'light') as HarnessTheme;
        const model = models[fixture];
        if (!model) return send(404, 'text/plain', 'unknown fixture');
        const script = `document.body.className = ${JSON.stringify(BODY_CLASS[theme])};\nwindow.postMessage({ type: 'showReport', model: ${JSON.stringify(model)} }, '*');\n`;
        return send(200, 'text/javascript; charset=utf-8', script);
      }
      // Browsers ask for a favicon on their own; answer so it is not reported as a failed load.
      if (url.pathname === '/favicon.ico') return send(204, 'image/x-icon', '');
      const files: Record<string, [string, string]> = {
        '/dist/webview.js': [join(repositoryRoot, 'dist', 'webview.js'), 'text/javascript; charset=utf-8'],
        '/media/report.css': [join(repositoryRoot, 'media', 'report.css'), 'text/css; charset=utf-8'],
        '/harness/vscode-light.css': [join(__dirname, 'vscode-light.css'), 'text/css; charset=utf-8'],
        '/harness/vscode-dark.css': [join(__dirname, 'vscode-dark.css'), 'text/css; charset=utf-8'],
        '/harness/vscode-high-contrast.css': [join(__dirname, 'vscode-high-contrast.css'), 'text/css; charset=utf-8'],
      };
      const file = files[url.pathname];
      if (!file) return send(404, 'text/plain', 'not found');
      return send(200, file[1], readFileSync(file[0]));
    } catch (error) {
      return send(500, 'text/plain', String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: ({ fixture, theme }) => `${origin}/?fixture=${encodeURIComponent(fixture)}&theme=${theme}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Unit tests of the renderers: escaping of user text, standalone export self-containment, Markdown, SVG structure. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReportModel, renderReportBody, toMarkdown, toStandaloneHtml, webviewShellHtml, SECTION_IDS } from '../../../src/core/report/index';
import { escapeHtml, formatNumber, formatInteger } from '../../../src/core/report/format';
import { loadFixture, mutable } from './helpers';

const ATTACK = '<script>alert("x")</script>';

function hostileReport(): any {
  const report = mutable(loadFixture('hurts'));
  report.file = `/work/${ATTACK}/config.yaml`;
  report.analysis.checkpoint.layer = ATTACK;
  report.analysis.perLayer[0].layer = `<img src=x onerror=alert(1)>`;
  report.analysis.curves.curves[0].label = `"><svg onload=alert(1)>`;
  report.analysis.notes = [ATTACK];
  report.analysis.scores = { [ATTACK]: 1 };
  report.findings[0].message = `${ATTACK}\nsecond line`;
  return report;
}

test('config values containing markup are rendered as text everywhere', () => {
  const model = buildReportModel(hostileReport());
  for (const html of [renderReportBody(model, { interactive: true }), toStandaloneHtml(model, { css: '' })]) {
    assert.ok(!html.includes('<script>alert'), 'no live script element from user text');
    assert.ok(!html.includes('<img src=x'), 'no live img element');
    assert.ok(!html.includes('<svg onload'), 'no live svg element from a curve label');
    assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'), 'the text is still shown, escaped');
  }
});

test('the standalone export is self-contained: inline CSS, CSP forbidding all loads, no external URLs', () => {
  const model = buildReportModel(loadFixture('hurts'));
  const html = toStandaloneHtml(model, { css: 'body { color: red; } </style><script>bad()</script>' });
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
  assert.ok(html.includes('body { color: red; }'));
  assert.ok(!html.includes('</style><script>bad()'), 'a stylesheet cannot close the style element');
  assert.ok(!/\b(src|href)="(https?:)?\/\//.test(html), 'no external src/href');
  assert.ok(!/<link\b/.test(html));
  for (const id of SECTION_IDS) assert.ok(html.includes(`data-section="${id}"`), id);
  assert.equal((html.match(/<svg /g) ?? []).length, 4, 'four inline plots');
  assert.ok(!html.includes('data-action='), 'no editor-only buttons in the export');
  // The embedded model must survive a round trip and not break out of its script element.
  const json = html.match(/<script type="application\/json" id="report-model">([\s\S]*?)<\/script>/)![1]!;
  assert.deepEqual(JSON.parse(json), JSON.parse(JSON.stringify(model)));
});

test('the embedded model cannot close its script element', () => {
  const model = buildReportModel(hostileReport());
  const html = toStandaloneHtml(model, { css: '' });
  const start = html.indexOf('id="report-model">');
  const end = html.indexOf('</script>', start);
  assert.ok(!html.slice(start, end).includes('<'), 'no raw < inside the JSON');
});

test('the interactive body has action buttons with the protocol names and plot export buttons', () => {
  const html = renderReportBody(buildReportModel(loadFixture('helps')), { interactive: true });
  for (const action of ['applyFix', 'rerun', 'copyMarkdown', 'exportHtml', 'exportSvg', 'exportPng']) assert.ok(html.includes(`data-action="${action}"`), action);
  assert.ok(html.includes('data-code="prefer-lp-ft"'));
  assert.ok(!/ style="/.test(html), 'no inline style attributes (the webview CSP blocks them)');
  assert.ok(!/ on[a-z]+="/.test(html), 'no inline event handlers');
});

test('plots are labelled images with titles, and every point has a keyboard read-out label', () => {
  const html = renderReportBody(buildReportModel(loadFixture('hurts')), { interactive: true });
  const svgs = html.match(/<svg [^>]*>/g) ?? [];
  assert.equal(svgs.length, 4);
  for (const svg of svgs) {
    assert.match(svg, /role="img"/);
    assert.match(svg, /tabindex="0"/);
    assert.match(svg, /aria-labelledby="plot-\w+-title plot-\w+-desc"/);
  }
  const points = html.match(/class="[^"]*\bpoint\b[^"]*"[^>]*data-label="[^"]+"/g) ?? [];
  // 27 curve points + 64 spectrum bars + 4 layers + 1 phase position.
  assert.equal(points.length, 27 + 64 + 4 + 1);
  assert.ok(!html.includes('NaN'), 'no NaN coordinates');
});

test('scores carry hover and focus explanations', () => {
  const html = renderReportBody(buildReportModel(loadFixture('helps')), { interactive: true });
  assert.match(html, /<span class="term" tabindex="0" data-tip="Log marginal evidence[^"]*" aria-describedby="tip-score-logme">LogME<\/span>/);
});

test('Markdown has every non-action section, escapes user text, and keeps absent reasons', () => {
  const markdown = toMarkdown(buildReportModel(hostileReport()));
  assert.match(markdown, /^# Transfer report — config\.yaml/);
  for (const heading of ['Verdict', 'Predicted learning curves', 'Feature-overlap spectrum', 'Overlap per layer', 'Phase diagram', 'Myth check', 'Transferability scores', 'Candidate checkpoints', 'Details']) {
    assert.ok(markdown.includes(`## ${heading}`), heading);
  }
  assert.ok(!markdown.includes('## Actions'));
  assert.match(markdown, /_Not shown: No ranking was run/);
  assert.ok(!markdown.includes('<script>'), 'markup is escaped in Markdown too');
  assert.ok(markdown.includes('\\<script\\>'));
});

test('the webview shell declares the strict CSP with the nonce on the script', () => {
  const html = webviewShellHtml({ cspSource: 'https://x.test', nonce: 'abc123', scriptUri: 'https://x.test/dist/webview.js', styleUri: 'https://x.test/media/report.css' });
  const csp = html.match(/http-equiv="Content-Security-Policy" content="([^"]+)"/)![1]!.replace(/&#39;/g, "'");
  assert.equal(csp, "default-src 'none'; img-src https://x.test data:; style-src https://x.test; script-src 'nonce-abc123'");
  assert.match(html, /<script nonce="abc123" src="https:\/\/x\.test\/dist\/webview\.js"><\/script>/);
});

test('number formatting is locale-independent and readable', () => {
  assert.equal(formatInteger(1204362), '1,204,362');
  assert.equal(formatNumber(0.0001), '1e-4');
  assert.equal(formatNumber(0.12345), '0.123');
  assert.equal(formatNumber(3.75, 3), '3.75');
  assert.equal(formatNumber(Number.NaN), 'n/a');
  assert.equal(escapeHtml(`a&b<"c'>`), 'a&amp;b&lt;&quot;c&#39;&gt;');
});

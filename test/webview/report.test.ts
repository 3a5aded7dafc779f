/**
 * Browser test of the report webview on the static harness (headless Debian Chromium through
 * playwright-core): renders the synthetic fixtures and the bundled examples' REAL reports
 * (example-helps/-hurts.json, written by test/fixtures/reports/generate-examples.mjs from the
 * shipped CLI) in light, dark and high-contrast themes with no console errors, no CSP violations
 * and no overlapping legend labels (measured with the browser's own text boxes); exercises the
 * actions, keyboard navigation and plot export; saves screenshots to test-artifacts/ (and, with
 * TRANSFERLENS_UPDATE_SCREENSHOTS=1, the README pair — the real hurts example — to
 * media/screenshots/); and opens the exported standalone HTML to check it shows the same content.
 * Run: node scripts/run-tests.mjs test/webview   (skips, saying why, without /usr/bin/chromium)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { buildReportModel, toStandaloneHtml, SECTION_IDS } from '../../src/core/report/index';
import type { ReportModel } from '../../src/core/report/index';
import type { AnalysisReport } from '../../src/core/model/analysis';
import { startHarness } from './harness/server';
import type { HarnessTheme } from './harness/server';

const CHROMIUM = process.env.TRANSFERLENS_CHROMIUM ?? '/usr/bin/chromium';
const root = join(__dirname, '..', '..');
const artifacts = join(root, 'test-artifacts');
const MAX_BUNDLE_BYTES = 300 * 1024;

const skipReason = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is absent (install Debian's chromium: apt-get install -y chromium)`;
if (skipReason) console.log(`# skipping the report browser test: ${skipReason}`);

function loadModel(name: string): ReportModel {
  const report = JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'reports', `${name}.json`), 'utf8')) as AnalysisReport;
  return buildReportModel(report);
}

/** Builds dist/webview.js exactly as scripts/build.mjs does, so the test checks the shipped bundle. */
async function buildWebviewBundle(): Promise<number> {
  await build({
    entryPoints: [join(root, 'src', 'webview', 'main.ts')],
    outfile: join(root, 'dist', 'webview.js'),
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    sourcemap: false,
    minify: true,
    logLevel: 'warning',
  });
  return statSync(join(root, 'dist', 'webview.js')).size;
}

/** Comparable text of a rendered report (runs in the page; DOM reached through globalThis because the Node tsconfig has no DOM types): per section, its visible text without editor-only buttons. */
function sectionTexts(): Record<string, string> {
  const texts: Record<string, string> = {};
  (globalThis as any).document.querySelectorAll('section[data-section]').forEach((section: any) => {
    const clone = section.cloneNode(true) as any;
    clone.querySelectorAll('button, .plot-actions, .action-bar').forEach((element: any) => element.remove());
    texts[`${section.dataset.section}:${section.dataset.status}`] = (clone.textContent ?? '').replace(/\s+/g, ' ').trim();
  });
  return texts;
}

test('report webview renders in Chromium without errors, in every theme, and the export matches', { skip: skipReason, timeout: 120_000 }, async () => {
  const bundleBytes = await buildWebviewBundle();
  assert.ok(bundleBytes < MAX_BUNDLE_BYTES, `dist/webview.js is ${bundleBytes} bytes (limit ${MAX_BUNDLE_BYTES})`);
  console.log(`# dist/webview.js: ${(bundleBytes / 1024).toFixed(1)} KB`);
  mkdirSync(artifacts, { recursive: true });

  const models: Record<string, ReportModel> = {
    helps: loadModel('helps'),
    hurts: loadModel('hurts'),
    failed: loadModel('failed'),
    'example-helps': loadModel('example-helps'),
    'example-hurts': loadModel('example-hurts'),
  };
  const harness = await startHarness(models);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    timeout: 30_000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const themes: HarnessTheme[] = ['light', 'dark', 'high-contrast'];
    const backgrounds: Record<string, string> = {};
    for (const fixture of Object.keys(models)) {
      for (const theme of themes) {
        if (fixture === 'failed' && theme !== 'light') continue; // the failed report has no plots to check per theme
        const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
        page.setDefaultTimeout(15_000);
        const problems: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
        });
        page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
        page.on('response', (response) => {
          if (response.status() >= 400) problems.push(`HTTP ${response.status()} for ${response.url()}`);
        });
        // Registered before any page script, so even violations during parsing are caught.
        await page.addInitScript(() => {
          (globalThis as any).document.addEventListener('securitypolicyviolation', (event: any) => {
            (globalThis as any).cspViolations = [...((globalThis as any).cspViolations ?? []), `${event.violatedDirective} blocked ${event.blockedURI}`];
          });
        });
        await page.goto(harness.url({ fixture, theme }));
        await page.waitForSelector('section[data-section="actions"]');
        const model = models[fixture]!;
        const statuses = await page.$$eval('section[data-section]', (sections) => sections.map((section) => `${(section as any).dataset.section}:${(section as any).dataset.status}`));
        assert.deepEqual(statuses, SECTION_IDS.map((id) => `${id}:${model.sections[id].status}`), `${fixture}/${theme} sections`);
        const plots = await page.$$eval('svg.plot', (svgs) => svgs.map((svg) => svg.getBoundingClientRect().width));
        assert.equal(plots.length, SECTION_IDS.filter((id) => ['learningCurves', 'spectrum', 'perLayer', 'phaseDiagram'].includes(id) && model.sections[id].status === 'present').length);
        for (const width of plots) assert.ok(width > 300, `plot drawn at ${width}px`);
        // Legend labels, as the browser lays them out with the theme's real font, never overlap
        // each other or leave their plot (the learning-curve legend used to).
        const legendProblems = await page.$$eval('svg.plot', (svgs) => {
          const found: string[] = [];
          for (const svg of svgs as any[]) {
            const viewBoxWidth = svg.viewBox.baseVal.width;
            const boxes = [...svg.querySelectorAll('.legend-entry')].map((entry: any) => ({ box: entry.getBBox(), text: entry.textContent }));
            for (const { box, text } of boxes) if (box.x + box.width > viewBoxWidth + 0.5) found.push(`${svg.dataset.plot}: '${text}' runs off the plot`);
            for (let i = 0; i < boxes.length; i++) {
              for (let j = i + 1; j < boxes.length; j++) {
                const a = boxes[i]!.box;
                const b = boxes[j]!.box;
                if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height) found.push(`${svg.dataset.plot}: '${boxes[i]!.text}' overlaps '${boxes[j]!.text}'`);
              }
            }
          }
          return found;
        });
        assert.deepEqual(legendProblems, [], `${fixture}/${theme}: legend`);
        backgrounds[`${fixture}/${theme}`] = await page.evaluate(() => (globalThis as any).getComputedStyle((globalThis as any).document.body).backgroundColor);
        // Plot colours must come from the theme (a missing CSS class would paint lines black).
        if (model.sections.learningCurves.status === 'present') {
          const stroke = await page.$eval('polyline.line.role-configured', (line) => (globalThis as any).getComputedStyle(line).stroke);
          assert.notEqual(stroke, 'none');
          assert.notEqual(stroke, 'rgb(0, 0, 0)');
        }
        const screenshot = join(artifacts, `report-${fixture}-${theme}.png`);
        await page.screenshot({ path: screenshot, fullPage: true });

        if (fixture === 'hurts' && theme === 'light') {
          // Actions post the documented protocol messages.
          await page.click('button[data-action="rerun"]');
          await page.click('button[data-action="copyMarkdown"]');
          await page.click('button[data-action="exportSvg"][data-plot="learningCurves"]');
          await page.click('button[data-action="exportPng"][data-plot="phaseDiagram"]');
          await page.waitForFunction(() => ((globalThis as any).transferlensMessages ?? []).some((message: any) => message.type === 'exportPng'));
          const messages = (await page.evaluate(() => (globalThis as any).transferlensMessages ?? [])) as any[];
          assert.deepEqual(messages.map((message) => message.type), ['ready', 'rerun', 'copyMarkdown', 'exportSvg', 'exportPng']);
          const svg = messages[3].svg as string;
          assert.match(svg, /^<\?xml/);
          assert.ok(!svg.includes('var(--'), 'exported SVG has resolved colours');
          assert.match(svg, /stroke="rgb\(/);
          writeFileSync(join(artifacts, 'learningCurves.svg'), svg);
          const png = Buffer.from((messages[4].dataUrl as string).split(',')[1]!, 'base64');
          assert.equal(png.subarray(1, 4).toString('ascii'), 'PNG');
          writeFileSync(join(artifacts, 'phaseDiagram.png'), png);
          assert.match(await page.textContent('#status-line') ?? '', /Re-running/);
          // Keyboard: focus a plot, step through its points; the live region reads them out.
          await page.focus('svg.plot[data-plot="learningCurves"]');
          await page.keyboard.press('ArrowRight');
          await page.keyboard.press('ArrowRight');
          const live = (await page.textContent('#live-region')) ?? '';
          assert.match(live, /^2 of 27\. Full fine-tune \(configured\): n = 200/);
          // Hover/focus explanation of a score is reachable by keyboard.
          await page.focus('[aria-describedby="tip-score-logme"]');
          const tip = await page.$eval('[aria-describedby="tip-score-logme"]', (element) => (globalThis as any).getComputedStyle(element, '::after').content);
          assert.match(tip, /marginal evidence/);
          const webviewTexts = await page.evaluate(sectionTexts);

          // The exported HTML opens standalone (file://, no server) and shows the same content.
          const exported = join(artifacts, 'report-hurts-export.html');
          writeFileSync(exported, toStandaloneHtml(model, { css: readFileSync(join(root, 'media', 'report.css'), 'utf8') }));
          const standalone = await browser.newPage({ viewport: { width: 1000, height: 900 } });
          const standaloneProblems: string[] = [];
          standalone.on('console', (message) => {
            if (message.type() === 'error' || message.type() === 'warning') standaloneProblems.push(message.text());
          });
          standalone.on('request', (request) => {
            if (!request.url().startsWith('file:')) standaloneProblems.push(`external request: ${request.url()}`);
          });
          await standalone.goto(pathToFileURL(exported).href);
          await standalone.waitForSelector('section[data-section="details"]');
          const exportTexts = await standalone.evaluate(sectionTexts);
          for (const [key, text] of Object.entries(webviewTexts)) {
            if (key.startsWith('actions:')) continue; // the export says where to find the actions instead
            assert.equal(exportTexts[key], text, `exported section ${key} matches the webview`);
          }
          await standalone.screenshot({ path: join(artifacts, 'report-hurts-export.png'), fullPage: true });
          assert.deepEqual(standaloneProblems, []);
          await standalone.close();
        }
        const violations = (await page.evaluate(() => (globalThis as any).cspViolations ?? [])) as string[];
        assert.deepEqual(violations, [], `${fixture}/${theme}: CSP violations`);
        assert.deepEqual(problems, [], `${fixture}/${theme}: console errors`);

        if (fixture === 'example-hurts' && (theme === 'light' || theme === 'dark')) {
          // README pictures: the top of the real hurts example's report (verdict and learning curves).
          await page.evaluate(() => (globalThis as any).scrollTo(0, 0));
          const clip = await page.evaluate(() => {
            const end = (globalThis as any).document.querySelector('section[data-section="learningCurves"] figcaption')!.getBoundingClientRect();
            return { x: 0, y: 0, width: 1000, height: Math.ceil(end.bottom + (globalThis as any).scrollY + 3) };
          });
          mkdirSync(join(root, 'media', 'screenshots'), { recursive: true });
          const target = join(artifacts, `readme-${theme}.png`);
          // fullPage makes the clip page-relative, independent of where earlier steps scrolled.
          await page.screenshot({ path: target, clip, fullPage: true });
          // Only on request, so an ordinary test run leaves the committed README pictures alone.
          if (process.env.TRANSFERLENS_UPDATE_SCREENSHOTS === '1') copyFileSync(target, join(root, 'media', 'screenshots', `report-${theme}.png`));
        }
        await page.close();
      }
    }
    // The themes really differ (the variables reach the page).
    assert.notEqual(backgrounds['hurts/light'], backgrounds['hurts/dark']);
    assert.equal(backgrounds['hurts/dark'], 'rgb(31, 31, 31)');
  } finally {
    await browser.close();
    await harness.close();
  }
});

/**
 * HTML rendering of the report model, as strings (pure: no DOM). The webview sets this markup
 * and then adds behaviour; the export wraps it into one self-contained file; both therefore show
 * the same content. All text from the model goes through `escapeHtml` (file names and config
 * values are user input). No inline styles or event handlers: the webview CSP forbids them.
 */
import { levelPercent } from '../model/analysis';
import { escapeHtml as esc, formatInteger, formatMilliseconds, formatNumber } from './format';
import type { PlotId, ReportModel, Section, SectionId } from './model';
import { SECTION_IDS, SECTION_TITLES } from './model';
import { learningCurvesSvg, perLayerSvg, phaseDiagramSvg, spectrumSvg } from './svg';

export interface RenderOptions {
  /** Buttons (actions, plot export) only make sense inside the editor. */
  readonly interactive: boolean;
}

export function renderReportBody(model: ReportModel, options: RenderOptions): string {
  let out = `<main class="report" data-schema="${model.schemaVersion}" aria-label="${esc(model.title)}">`;
  out += `<header class="report-header"><h1>${esc(model.title)}</h1><p class="report-file">${esc(model.file)}</p>`;
  if (model.finishedAt) out += `<p class="report-time">Analysed ${esc(model.finishedAt)}</p>`;
  out += '</header>';
  for (const id of SECTION_IDS) out += renderSection(model, id, options);
  out += '<div class="live-region visually-hidden" aria-live="polite" id="live-region"></div>';
  out += '</main>';
  return out;
}

function sectionShell(id: SectionId, status: 'present' | 'absent', inner: string, extraClass = ''): string {
  return (
    `<section class="section section-${id}${extraClass ? ' ' + extraClass : ''}" id="section-${id}" data-section="${id}" data-status="${status}" aria-labelledby="heading-${id}">` +
    `<h2 id="heading-${id}">${esc(SECTION_TITLES[id])}</h2>${inner}</section>`
  );
}

function renderSection(model: ReportModel, id: SectionId, options: RenderOptions): string {
  const section = model.sections[id] as Section<unknown>;
  if (section.status === 'absent') {
    return sectionShell(id, 'absent', `<p class="absent-reason">${esc(section.reason)}</p>`, 'absent');
  }
  const sections = model.sections;
  switch (id) {
    case 'headline': {
      if (sections.headline.status !== 'present') return '';
      const headline = sections.headline.data;
      let inner = `<p class="badge tone-${headline.tone}"><span class="badge-text">${esc(headline.badge)}</span></p>`;
      inner += `<p class="headline-sentence">${esc(headline.sentence)}</p>`;
      inner += '<dl class="key-numbers">';
      inner += keyNumber('Predicted gain', `${formatNumber(headline.gain.mean, 2)}`, `${levelPercent(headline.gainLevel)} interval ${formatNumber(headline.gain.low, 2)} to ${formatNumber(headline.gain.high, 2)} (${headline.riskName}; > 0 means transfer helps)`);
      inner += keyNumber('Training size n', formatInteger(headline.n), 'the size the verdict is for');
      inner += keyNumber('Crossover n*', headline.crossoverN === null ? 'none' : formatInteger(headline.crossoverN), 'where transfer and scratch meet');
      inner += keyNumber('Feature overlap', formatNumber(headline.overlap.value, 2), `${formatNumber(headline.overlap.low, 2)}–${formatNumber(headline.overlap.high, 2)}, ${headline.overlap.method}`);
      inner += keyNumber('Recommended', headline.recommendation.label, '');
      inner += '</dl>';
      if (headline.recommendation.reason) inner += `<p class="recommendation-reason">${esc(headline.recommendation.reason)}</p>`;
      return sectionShell(id, 'present', inner, `tone-${headline.tone}`);
    }
    case 'learningCurves':
      if (sections.learningCurves.status !== 'present') return '';
      return sectionShell(id, 'present', figure('learningCurves', learningCurvesSvg(sections.learningCurves.data), sections.learningCurves.data.caption, curvesTable(model), options));
    case 'spectrum':
      if (sections.spectrum.status !== 'present') return '';
      return sectionShell(id, 'present', figure('spectrum', spectrumSvg(sections.spectrum.data), sections.spectrum.data.caption, spectrumTable(model), options));
    case 'perLayer':
      if (sections.perLayer.status !== 'present') return '';
      return sectionShell(id, 'present', figure('perLayer', perLayerSvg(sections.perLayer.data), sections.perLayer.data.caption, perLayerTable(model), options));
    case 'phaseDiagram':
      if (sections.phaseDiagram.status !== 'present') return '';
      return sectionShell(id, 'present', figure('phaseDiagram', phaseDiagramSvg(sections.phaseDiagram.data), sections.phaseDiagram.data.caption, '', options));
    case 'mythCheck': {
      if (sections.mythCheck.status !== 'present') return '';
      const myth = sections.mythCheck.data;
      let inner = `<p class="myth-summary${myth.disagrees ? ' disagrees' : ''}">${esc(myth.summary)}</p>`;
      inner += `<p class="myth-explanation">${esc(myth.explanation)}</p>`;
      inner += '<table class="data"><thead><tr><th scope="col">Distance (source vs target inputs)</th><th scope="col">Value</th></tr></thead><tbody>';
      for (const distance of myth.distances) {
        inner += `<tr><th scope="row">${term(distance.name, distance.explanation, `myth-${distance.name}`)}</th><td class="number">${esc(formatNumber(distance.value))}</td></tr>`;
      }
      inner += '</tbody></table>';
      inner += `<p class="note">Source sample: ${esc(myth.sourceFile)} (${formatInteger(myth.sourceSamples)} rows). A naive reading calls the inputs <strong>${esc(myth.naiveReading)}</strong>; the verdict is <strong>${esc(myth.verdict)}</strong>.</p>`;
      return sectionShell(id, 'present', inner);
    }
    case 'scores': {
      if (sections.scores.status !== 'present') return '';
      const scores = sections.scores.data;
      let inner = `<p class="note">${esc(scores.caption)}</p><table class="data"><thead><tr><th scope="col">Score</th><th scope="col">Value</th><th scope="col">Reference</th></tr></thead><tbody>`;
      for (const row of scores.rows) {
        inner += `<tr data-score="${esc(row.key)}"><th scope="row">${term(row.name, row.explanation, `score-${row.key}`)}</th><td class="number">${esc(row.formatted)}</td><td class="muted">${esc(row.reference)}</td></tr>`;
      }
      inner += '</tbody></table>';
      return sectionShell(id, 'present', inner);
    }
    case 'candidates': {
      if (sections.candidates.status !== 'present') return '';
      const candidates = sections.candidates.data;
      let inner = `<p class="note">Ranked by ${esc(candidates.rankedBy)}, best first.</p><table class="data"><thead><tr><th scope="col">#</th><th scope="col">Checkpoint</th>`;
      for (const column of candidates.columns) inner += `<th scope="col">${term(column.name, column.explanation, `candidate-${column.key}`)}</th>`;
      inner += '<th scope="col">Verdict</th><th scope="col">Gain at n</th></tr></thead><tbody>';
      for (const row of candidates.rows) {
        inner += `<tr${row.isCurrent ? ' class="current" aria-current="true"' : ''}><td class="number">${row.rank}</td><th scope="row" title="${esc(row.checkpoint)}">${esc(row.label)}${row.isCurrent ? ' <span class="muted">(this config)</span>' : ''}</th>`;
        for (const value of row.values) inner += `<td class="number">${esc(value)}</td>`;
        inner += `<td>${esc(row.verdict)}</td><td class="number">${esc(row.gain)}</td></tr>`;
      }
      inner += '</tbody></table>';
      return sectionShell(id, 'present', inner);
    }
    case 'details': {
      if (sections.details.status !== 'present') return '';
      const details = sections.details.data;
      let inner = '<dl class="details-list">';
      for (const row of details.rows) inner += `<dt>${esc(row.label)}</dt><dd>${esc(row.value)}</dd>`;
      inner += '</dl>';
      if (details.datasets && details.datasets.length > 0) {
        inner += '<h3>Datasets mixed</h3><table class="data datasets"><thead><tr><th scope="col">#</th><th scope="col">Dataset</th><th scope="col">Listed at</th><th scope="col">Format</th><th scope="col">Rows used</th><th scope="col">Rows</th></tr></thead><tbody>';
        details.datasets.forEach((dataset, index) => {
          inner += `<tr><td class="number">${index + 1}</td><th scope="row" title="${esc(dataset.fullPath)}">${esc(dataset.path)}</th><td><code>${esc(dataset.keyPath)}</code></td>` +
            `<td>${esc(dataset.format)}</td><td class="number">${esc(formatInteger(dataset.rowsUsed))}</td><td class="number">${esc(formatInteger(dataset.rows))}</td></tr>`;
        });
        inner += '</tbody></table>';
      }
      if (details.warnings.length > 0) {
        inner += '<h3>Warnings and caveats</h3><ul class="warnings">';
        for (const warning of details.warnings) inner += `<li>${esc(warning)}</li>`;
        inner += '</ul>';
      }
      if (details.findings.length > 0) {
        inner += '<h3>Findings</h3><table class="data"><thead><tr><th scope="col">Severity</th><th scope="col">Code</th><th scope="col">Line</th><th scope="col">Message</th></tr></thead><tbody>';
        for (const finding of details.findings) {
          inner += `<tr class="severity-${finding.severity}"><td>${esc(finding.severity)}</td><td><code>${esc(finding.code)}</code></td><td class="number">${finding.line}</td><td>${esc(finding.title)}</td></tr>`;
        }
        inner += '</tbody></table>';
      }
      if (details.timings.length > 0) {
        inner += '<h3>Timings</h3><table class="data timings"><tbody>';
        for (const timing of details.timings) inner += `<tr><th scope="row">${esc(timing.step)}</th><td class="number">${esc(formatMilliseconds(timing.milliseconds))}</td></tr>`;
        inner += `<tr class="total"><th scope="row">total</th><td class="number">${esc(formatMilliseconds(details.totalMilliseconds))}</td></tr></tbody></table>`;
      }
      return sectionShell(id, 'present', `<details class="details-block" open><summary>Samples, backend, timings, inputs read</summary>${inner}</details>`);
    }
    case 'actions': {
      if (sections.actions.status !== 'present') return '';
      if (!options.interactive) {
        return sectionShell(id, 'present', '<p class="note">Exported report: apply fixes and re-run from the TransferLens report in the editor.</p>');
      }
      let inner = '<div class="action-bar" role="toolbar" aria-label="Report actions">';
      for (const action of sections.actions.data.actions) {
        inner += `<button type="button" class="action${action.primary ? ' primary' : ' secondary'}" data-action="${esc(action.kind)}"${action.code ? ` data-code="${esc(action.code)}"` : ''} title="${esc(action.description)}">${esc(action.label)}</button>`;
      }
      inner += '</div>';
      return sectionShell(id, 'present', inner);
    }
  }
}

function keyNumber(label: string, value: string, hint: string): string {
  return `<div class="key-number"><dt>${esc(label)}</dt><dd><span class="key-value">${esc(value)}</span>${hint ? `<span class="key-hint">${esc(hint)}</span>` : ''}</dd></div>`;
}

/** A term with an explanation shown on hover and on keyboard focus (CSS tooltip), and read by screen readers. */
function term(name: string, explanation: string, idSeed: string): string {
  const id = 'tip-' + idSeed.replace(/[^A-Za-z0-9_-]/g, '-');
  return `<span class="term" tabindex="0" data-tip="${esc(explanation)}" aria-describedby="${esc(id)}">${esc(name)}</span><span class="visually-hidden" id="${esc(id)}">${esc(explanation)}</span>`;
}

function figure(plot: PlotId, svg: string, caption: string, table: string, options: RenderOptions): string {
  let out = `<figure class="plot-figure" data-plot="${plot}">${svg}<figcaption>${esc(caption)}</figcaption>`;
  if (options.interactive) {
    out += `<div class="plot-actions" role="group" aria-label="Export this plot"><button type="button" class="action secondary small" data-action="exportSvg" data-plot="${plot}">Save SVG…</button><button type="button" class="action secondary small" data-action="exportPng" data-plot="${plot}">Save PNG…</button></div>`;
  }
  if (table) out += `<details class="data-table"><summary>Data table</summary>${table}</details>`;
  return out + '</figure>';
}

function curvesTable(model: ReportModel): string {
  const section = model.sections.learningCurves;
  if (section.status !== 'present') return '';
  let out = `<table class="data"><thead><tr><th scope="col">Curve</th><th scope="col">n</th><th scope="col">${esc(section.data.riskName)}</th><th scope="col">90% interval</th><th scope="col">Source</th></tr></thead><tbody>`;
  for (const series of section.data.series) {
    for (const point of series.points) {
      out += `<tr><td>${esc(series.label)}</td><td class="number">${formatInteger(point.n)}</td><td class="number">${esc(formatNumber(point.mean))}</td><td class="number">${esc(formatNumber(point.low))}–${esc(formatNumber(point.high))}</td><td>${point.measured ? 'measured' : 'extrapolated'}</td></tr>`;
    }
  }
  return out + '</tbody></table>';
}

function spectrumTable(model: ReportModel): string {
  const section = model.sections.spectrum;
  if (section.status !== 'present') return '';
  let out = '<table class="data"><thead><tr><th scope="col">Direction</th><th scope="col">Variance</th><th scope="col">Target share</th><th scope="col">Cumulative</th></tr></thead><tbody>';
  for (const component of section.data.components) {
    out += `<tr><td class="number">${component.index}</td><td class="number">${esc(formatNumber(component.variance))}</td><td class="number">${esc(formatNumber(component.share))}</td><td class="number">${esc(formatNumber(component.cumulative))}</td></tr>`;
  }
  return out + '</tbody></table>';
}

function perLayerTable(model: ReportModel): string {
  const section = model.sections.perLayer;
  if (section.status !== 'present') return '';
  let out = '<table class="data"><thead><tr><th scope="col">Layer</th><th scope="col">Depth</th><th scope="col">Overlap</th><th scope="col">90% interval</th></tr></thead><tbody>';
  for (const layer of section.data.layers) {
    out += `<tr><td>${esc(layer.layer)}</td><td class="number">${layer.depth}</td><td class="number">${esc(formatNumber(layer.value, 2))}</td><td class="number">${esc(formatNumber(layer.low, 2))}–${esc(formatNumber(layer.high, 2))}</td></tr>`;
  }
  return out + '</tbody></table>';
}

// ---------------------------------------------------------------------------------------------

/** Content-Security-Policy of the exported file: nothing may load from anywhere. */
export const STANDALONE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'unsafe-inline'";

export interface StandaloneAssets {
  /** The report stylesheet (media/report.css), inlined. */
  readonly css: string;
  /** Optional script to inline (e.g. dist/webview.js); the report reads fine without it. */
  readonly script?: string;
}

/**
 * One self-contained HTML file: inline CSS, inline SVG, the model as JSON (for tools and for the
 * optional script), and a CSP that forbids every external resource.
 */
export function toStandaloneHtml(model: ReportModel, assets: StandaloneAssets): string {
  // `</style` or `</script` inside inlined text would end the element early; break them up.
  const css = assets.css.replace(/<\/style/gi, '<\\/style');
  const json = JSON.stringify(model).replace(/</g, '\\u003c');
  const script = assets.script ? `<script>${assets.script.replace(/<\/script/gi, '<\\/script')}</script>` : '';
  return (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    `<meta http-equiv="Content-Security-Policy" content="${STANDALONE_CSP}">\n` +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    `<title>${esc(model.title)}</title>\n<style>\n${css}\n</style>\n</head>\n` +
    `<body class="standalone">\n${renderReportBody(model, { interactive: false })}\n` +
    `<script type="application/json" id="report-model">${json}</script>\n${script}\n</body>\n</html>\n`
  );
}

export interface WebviewShellOptions {
  /** `webview.cspSource` in VS Code; the harness's own origin in tests. */
  readonly cspSource: string;
  readonly nonce: string;
  readonly scriptUri: string;
  readonly styleUri: string;
  readonly title?: string;
}

/** The webview's Content-Security-Policy (shared by the panel and the browser harness). */
export function webviewCsp(cspSource: string, nonce: string): string {
  return `default-src 'none'; img-src ${cspSource} data:; style-src ${cspSource}; script-src 'nonce-${nonce}'`;
}

/** The HTML page the panel loads; the script renders the model posted to it. */
export function webviewShellHtml(options: WebviewShellOptions): string {
  return (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    `<meta http-equiv="Content-Security-Policy" content="${esc(webviewCsp(options.cspSource, options.nonce))}">\n` +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    `<link rel="stylesheet" href="${esc(options.styleUri)}">\n<title>${esc(options.title ?? 'TransferLens report')}</title>\n</head>\n` +
    '<body>\n<div id="root" class="root"><p class="loading" role="status">Loading the transfer report…</p></div>\n' +
    `<script nonce="${esc(options.nonce)}" src="${esc(options.scriptUri)}"></script>\n</body>\n</html>\n`
  );
}

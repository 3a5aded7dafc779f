/**
 * Configs that list several datasets (analysis.datasets): the details section names each one
 * (path relative to the config, where it is listed, format, rows used / rows) in the model, the
 * HTML body, the standalone export and the Markdown copy, with user text escaped; a single
 * dataset keeps its one "Dataset" row.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReportModel, renderReportBody, toMarkdown, toStandaloneHtml } from '../../../src/core/report/index';
import { pathFromConfig } from '../../../src/core/report/format';
import type { AnalysisReport } from '../../../src/core/model/analysis';
import type { DetailsSection } from '../../../src/core/report/model';
import { loadFixture, mutable } from './helpers';

const ATTACK = '<img src=x onerror=alert(1)>';

/** The helps fixture trained on two listed files (the second outside the config's folder). */
function twoDatasets(second = '/data/shared/extra.jsonl'): AnalysisReport {
  const report = mutable(loadFixture('helps'));
  report.analysis.dataset = { path: '/workspace/examples/helps/data/train.csv', format: 'csv', rows: 12500, columns: 3073 };
  report.analysis.datasets = [
    { path: '/workspace/examples/helps/data/train.csv', format: 'csv', rows: 12000, rowsUsed: 1920, index: 0, keyPath: 'datasets[0].path' },
    { path: second, format: 'jsonl', rows: 500, rowsUsed: 80, index: 1, keyPath: 'datasets[1].path' },
  ];
  return report;
}

function details(report: AnalysisReport): DetailsSection {
  const section = buildReportModel(report).sections.details;
  if (section.status !== 'present') return assert.fail('details absent');
  return section.data;
}

test('two datasets: one row each in the model, paths relative to the config, a summary row instead of the first file', () => {
  const d = details(twoDatasets());
  assert.deepEqual(d.datasets, [
    { path: 'data/train.csv', fullPath: '/workspace/examples/helps/data/train.csv', format: 'csv', rowsUsed: 1920, rows: 12000, keyPath: 'datasets[0].path' },
    { path: '/data/shared/extra.jsonl', fullPath: '/data/shared/extra.jsonl', format: 'jsonl', rowsUsed: 80, rows: 500, keyPath: 'datasets[1].path' },
  ]);
  const rows = new Map(d.rows.map((row) => [row.label, row.value]));
  assert.equal(rows.get('Dataset'), undefined, 'the first file alone would misstate the rows');
  assert.equal(rows.get('Datasets'), '2 listed in the config, mixed: 2,000 of 12,500 rows used × 3,073 columns (per dataset below)');
});

test('a single dataset (or a list reduced to one) keeps the one Dataset row and no table', () => {
  const single = details(loadFixture('helps'));
  assert.equal(single.datasets, undefined);
  assert.equal(new Map(single.rows.map((row) => [row.label, row.value])).get('Dataset'), '/workspace/examples/helps/data/train.csv (csv, 12,000 rows × 3,073 columns)');
  const html = renderReportBody(buildReportModel(loadFixture('helps')), { interactive: true });
  assert.ok(!html.includes('Datasets mixed'));
  assert.ok(!toMarkdown(buildReportModel(loadFixture('helps'))).includes('Datasets mixed'));

  const one = mutable(twoDatasets());
  one.analysis.datasets.pop();
  assert.equal(details(one).datasets, undefined);
  // Malformed entries are dropped rather than shown as NaN.
  const malformed = mutable(twoDatasets());
  malformed.analysis.datasets[1].rows = 'many';
  assert.equal(details(malformed).datasets, undefined);
});

test('HTML body and export show the table; paths and key paths are escaped, the full path is the title', () => {
  const model = buildReportModel(twoDatasets(`/data/${ATTACK}/b".csv`));
  for (const html of [renderReportBody(model, { interactive: true }), toStandaloneHtml(model, { css: '' })]) {
    assert.match(html, /<h3>Datasets mixed<\/h3><table class="data datasets">/);
    assert.match(html, /<th scope="row" title="\/workspace\/examples\/helps\/data\/train\.csv">data\/train\.csv<\/th><td><code>datasets\[0\]\.path<\/code><\/td><td>csv<\/td><td class="number">1,920<\/td><td class="number">12,000<\/td>/);
    assert.ok(!html.includes('<img src=x'), 'no live element from a file name');
    assert.ok(html.includes('title="/data/&lt;img src=x onerror=alert(1)&gt;/b&quot;.csv"'), 'the attribute is escaped');
    assert.ok(html.includes('>/data/&lt;img src=x onerror=alert(1)&gt;/b&quot;.csv</th>'), 'the cell is escaped');
  }
});

test('Markdown lists the datasets as a table with escaped cells', () => {
  const markdown = toMarkdown(buildReportModel(twoDatasets(`/data/${ATTACK}|x_y.csv`)));
  assert.ok(markdown.includes('**Datasets mixed**'));
  assert.ok(markdown.includes('| # | dataset | listed at | format | rows used | rows |'));
  assert.ok(markdown.includes('| 1 | data/train.csv | datasets\\[0\\].path | csv | 1,920 | 12,000 |'));
  assert.ok(markdown.includes('| 2 | /data/\\<img src=x onerror=alert(1)\\>\\|x\\_y.csv | datasets\\[1\\].path | jsonl | 80 | 500 |'), markdown);
});

test('pathFromConfig: inside the config folder relative, elsewhere unchanged, Windows separators too', () => {
  assert.equal(pathFromConfig('/w/proj/data/a.csv', '/w/proj/config.yaml'), 'data/a.csv');
  assert.equal(pathFromConfig('/w/projects/a.csv', '/w/proj/config.yaml'), '/w/projects/a.csv');
  assert.equal(pathFromConfig('/w/proj/', '/w/proj/config.yaml'), '/w/proj/');
  assert.equal(pathFromConfig('C:\\w\\data\\a.csv', 'C:\\w\\train.yml'), 'data\\a.csv');
  assert.equal(pathFromConfig('data/a.csv', 'config.yaml'), 'data/a.csv');
});

/**
 * Below MIN_ROWS rows, only a linear checkpoint on isotropic inputs gets a verdict (the closed
 * forms need no CV folds); anything else still gets `dataset-too-small` on the right key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveCheckpoint } from '../../../bench/groundtruth/checkpoint';
import { analyzeConfigFile } from '../../../src/node/pipeline';
import { initBackend } from '../../../src/node/backend';
import { makeRng, gaussian } from '../../../src/core/analysis/random';
import { MIN_ROWS, MIN_ROWS_CLOSED_FORM } from '../../../src/core/analysis/analyze';

const folder = mkdtempSync(join(tmpdir(), 'tl-small-linear-'));
test.after(() => rmSync(folder, { recursive: true, force: true }));
const d = 40;

/** 10 rows of y = x·β with β along the checkpoint's single feature (transfer clearly helps). */
function writeData(name: string, rows: number): void {
  const rng = makeRng(5);
  const lines = [[...Array.from({ length: d }, (_, j) => `x${j}`), 'label'].join(',')];
  for (let i = 0; i < rows; i++) {
    const x = Array.from({ length: d }, () => gaussian(rng));
    lines.push([...x.map((v) => v.toFixed(5)), (0.92 * x[0]! + 0.38 * x[1]! + 0.2 * gaussian(rng)).toFixed(5)].join(','));
  }
  writeFileSync(join(folder, name), lines.join('\n') + '\n');
}

async function checkpoint(sub: string, activation: 'linear' | 'relu'): Promise<string> {
  const dir = join(folder, sub);
  mkdirSync(dir, { recursive: true });
  const kernel = new Float64Array(d);
  kernel[0] = 1;
  await saveCheckpoint(dir, d, [
    { name: 'features', units: 1, activation, kernel },
    { name: 'head', units: 1, activation: 'linear', kernel: Float64Array.of(1) },
  ], 'unit test');
  return join(dir, 'model.json');
}

test(`a linear checkpoint gets a closed-form verdict with ${MIN_ROWS_CLOSED_FORM} ≤ n < ${MIN_ROWS} rows`, async () => {
  await initBackend('cpu');
  writeData('ten.csv', 10);
  const model = await checkpoint('linear', 'linear');
  const config = join(folder, 'linear.yaml');
  writeFileSync(config, `model_name_or_path: ${model}\ntrain_file: ten.csv\nproblem_type: regression\nfinetuning_type: freeze\n`);
  const report = await analyzeConfigFile(config, { workspaceRoot: folder, backend: 'cpu' });
  assert.ok(report.analysis, JSON.stringify(report.findings.map((f) => f.code)));
  assert.equal(report.analysis.samplesUsed, 10);
  assert.ok(report.analysis.notes.some((n) => /exact finite-n risks/.test(n)), report.analysis.notes.join('\n'));
  assert.equal(report.analysis.verdict, 'positive');
});

test('a non-linear checkpoint with the same 10 rows gets dataset-too-small on the dataset key', async () => {
  const model = await checkpoint('relu', 'relu');
  const config = join(folder, 'relu.yaml');
  writeFileSync(config, `model_name_or_path: ${model}\ntrain_file: ten.csv\nproblem_type: regression\n`);
  const report = await analyzeConfigFile(config, { workspaceRoot: folder, backend: 'cpu' });
  assert.equal(report.analysis, undefined);
  const f = report.findings.find((x) => x.code === 'dataset-too-small');
  assert.ok(f, JSON.stringify(report.findings.map((x) => x.code)));
  assert.equal(f.range.start.line, 1);
  assert.match(f.message, /10 usable rows/);
});

test(`fewer than ${MIN_ROWS_CLOSED_FORM} rows is too small even for a linear checkpoint`, async () => {
  writeData('six.csv', 6);
  const config = join(folder, 'six.yaml');
  writeFileSync(config, `model_name_or_path: ${join(folder, 'linear', 'model.json')}\ntrain_file: six.csv\nproblem_type: regression\n`);
  const report = await analyzeConfigFile(config, { workspaceRoot: folder, backend: 'cpu' });
  assert.equal(report.analysis, undefined);
  assert.ok(report.findings.some((x) => x.code === 'dataset-too-small'));
});

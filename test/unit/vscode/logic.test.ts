/**
 * The extension's vscode-free logic: settings validation, the debounce/latest-wins scheduler,
 * diagnostic data (overrides, README link, related info), which findings are shown, CodeLens and
 * hover text, status text, and locating the checkpoint/dataset keys.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readSettings, analyzeOptionsFrom, DEFAULT_SETTINGS } from '../../../src/vscode/logic/settings';
import { KeyedScheduler } from '../../../src/vscode/logic/scheduler';
import {
  codeLensTitle, diagnosticFor, findingsByFile, hoverMarkdown, looksLikeTrainingConfig, statusPresentation, README_URL,
} from '../../../src/vscode/logic/presentation';
import { referenceKeyAt, referenceKeys } from '../../../src/vscode/logic/keys';
import type { Finding } from '../../../src/core/model/finding';
import type { AnalysisReport, TransferAnalysis } from '../../../src/core/model/analysis';
import { makeRange } from '../../../src/core/model/range';

const finding = (code: string, extra: Partial<Finding> = {}): Finding => ({
  code, severity: 'warning', message: `${code} first line\nmore numbers`, file: '/w/config.yaml', range: makeRange(1, 0, 1, 18), ...extra,
});

const analysis = {
  verdict: 'negative', n: 200, nSource: 'config', gain: { mean: -0.123, low: -0.2, high: -0.05 }, crossoverN: 1400,
  overlap: { value: 0.41, low: 0.33, high: 0.5, method: 'adjusted-r2' }, recommendation: { strategy: 'scratch', reason: 'features miss the target.' },
  samplesUsed: 2000, datasetRows: 10000, backend: 'wasm', task: 'classification', numClasses: 4, featureDim: 64,
  checkpoint: { path: '/w/ckpt/model.json', format: 'tfjs-layers', layer: 'dense_1', parameters: 12345 },
  dataset: { path: '/w/data/train.csv', format: 'csv', rows: 10000, columns: 33 },
} as unknown as TransferAnalysis;
const report: AnalysisReport = { file: '/w/config.yaml', findings: [finding('negative-transfer')], analysis, finishedAt: '2025-01-02T10:20:30Z' };

test('settings: defaults, clamping, wrong types and severity names', () => {
  assert.deepEqual(readSettings(() => undefined), DEFAULT_SETTINGS);
  const values: Record<string, unknown> = {
    maxSamples: 10, timeBudgetSeconds: 'soon', backend: 'gpu', workerMemoryMb: 4096.4, analyzeOnSave: false,
    severityOverrides: { 'negative-transfer': 'error', 'too-close-to-call': 'off', 'x': 'loud', 'y': 'information' }, configProfiles: { not: 'a list' },
  };
  const settings = readSettings((k) => values[k]);
  assert.equal(settings.maxSamples, 50);
  assert.equal(settings.timeBudgetSeconds, 60);
  assert.equal(settings.backend, 'auto');
  assert.equal(settings.workerMemoryMb, 4096);
  assert.equal(settings.analyzeOnSave, false);
  assert.deepEqual(settings.severityOverrides, { 'negative-transfer': 'error', 'too-close-to-call': 'off', 'y': 'info' });
  assert.deepEqual(settings.configProfiles, []);
  const options = analyzeOptionsFrom(settings, '/w', '/cache');
  assert.equal(options.timeBudgetMs, 60_000);
  assert.equal(options.workspaceRoot, '/w');
});

test('scheduler: debounces, lets the latest win, and reports idle', async () => {
  const scheduler = new KeyedScheduler();
  const ran: string[] = [];
  const aborted: string[] = [];
  const task = (name: string, ms: number) => async (signal: AbortSignal) => {
    await new Promise((r) => setTimeout(r, ms));
    if (signal.aborted) aborted.push(name);
    else ran.push(name);
  };
  scheduler.schedule('a', 20, task('a1', 0));
  scheduler.schedule('a', 20, task('a2', 0)); // debounced away before it started
  scheduler.schedule('b', 0, task('b1', 50));
  await new Promise((r) => setTimeout(r, 10));
  scheduler.schedule('b', 0, task('b2', 0)); // aborts the running b1
  assert.deepEqual(scheduler.busyKeys.sort(), ['a', 'b']);
  await scheduler.whenIdle();
  assert.deepEqual(ran.sort(), ['a2', 'b2']);
  assert.deepEqual(aborted, ['b1']);
  assert.deepEqual(scheduler.busyKeys, []);
  scheduler.schedule('c', 1000, task('c', 0));
  scheduler.cancel('c');
  await scheduler.whenIdle();
  assert.ok(!ran.includes('c'));
});

test('diagnostic data: source, code link, overrides and related information', () => {
  const data = diagnosticFor(finding('negative-transfer', { related: [{ file: '/w/ckpt/model.json', message: 'checkpoint' }] }), {})!;
  assert.equal(data.source, 'transferlens');
  assert.deepEqual(data.code, { value: 'negative-transfer', target: `${README_URL}#negative-transfer` });
  assert.equal(data.severity, 'warning');
  assert.equal(data.related[0]!.file, '/w/ckpt/model.json');
  assert.equal(diagnosticFor(finding('negative-transfer'), { 'negative-transfer': 'error' })!.severity, 'error');
  assert.equal(diagnosticFor(finding('negative-transfer'), { 'negative-transfer': 'off' }), undefined);
});

test('shown findings: merged, suppressed codes dropped, unrecognised files silent unless asked', () => {
  const staticOnes = [finding('dataset-too-small', { range: makeRange(3, 0, 3, 5) }), finding('negative-transfer')];
  const shown = findingsByFile('/w/config.yaml', staticOnes, report, ['dataset-too-small'], false);
  assert.deepEqual(shown.get('/w/config.yaml')!.map((f) => f.code), ['negative-transfer']);
  const unrecognised: AnalysisReport = { file: '/w/other.yaml', findings: [finding('config-unrecognised', { file: '/w/other.yaml' })] };
  assert.deepEqual(findingsByFile('/w/other.yaml', [], unrecognised, [], false).get('/w/other.yaml'), []);
  assert.equal(findingsByFile('/w/other.yaml', [], unrecognised, [], true).get('/w/other.yaml')!.length, 1);
  const included = findingsByFile('/w/config.yaml', [finding('config-invalid-value', { file: '/w/conf/model/a.yaml' })], undefined, [], false);
  assert.deepEqual([...included.keys()].sort(), ['/w/conf/model/a.yaml', '/w/config.yaml']);
});

test('CodeLens, hover and status texts carry the numbers', () => {
  assert.equal(codeLensTitle(analysis), 'Transfer: negative at n=200 · crossover n≈1,400');
  assert.equal(codeLensTitle({ ...analysis, verdict: 'positive', crossoverN: null, n: 5000 }), 'Transfer: helps at n=5,000');
  assert.equal(codeLensTitle(undefined), undefined);
  const hover = hoverMarkdown(report, 'checkpoint', 3200)!;
  assert.match(hover, /checkpoint `\/w\/ckpt\/model\.json`/);
  assert.match(hover, /tfjs-layers, features from layer `dense_1` \(64 dims\), 12,345 parameters/);
  assert.match(hover, /\*\*negative\*\* at n=200 \(config\); gain −0\.12 \[−0\.2, −0\.05\]/);
  assert.match(hover, /Ω: 0\.41 \[0\.33, 0\.50\]/);
  assert.match(hover, /Samples used: 2,000 of 10,000 rows/);
  assert.match(hover, /Backend wasm · analysed .* in 3\.2 s/);
  assert.match(hoverMarkdown(report, 'dataset')!, /csv, 10,000 rows, 33 columns, task classification \(4 classes\)/);
  assert.match(statusPresentation({ kind: 'restricted' }).text, /static checks only/);
  const busy = statusPresentation({ kind: 'analyzing', file: '/w/config.yaml', fraction: 0.4, elapsedMs: 12_000, budgetMs: 60_000, queued: 1, message: 'features' });
  assert.equal(busy.text, '$(sync~spin) TransferLens 40% · 12/60 s');
  assert.match(busy.tooltip, /config\.yaml: features[\s\S]*1 more queued/);
  const done = statusPresentation({ kind: 'result', file: '/w/config.yaml', verdict: 'negative', n: 200, errors: 0, cached: true });
  assert.equal(done.text, '$(warning) Transfer: negative at n=200');
  assert.equal(done.tone, 'warning');
  assert.match(statusPresentation({ kind: 'restarted', reason: 'ran out of memory' }).tooltip, /ran out of memory/);
});

test('reference keys are found in YAML (nested too) and JSON; sniffing spots configs', () => {
  const yaml = '# run\nmodel_name_or_path: ./ckpt/model.json\ndatasets:\n  - path: data/a.jsonl\nlearning_rate: 1e-3\n';
  const keys = referenceKeys(yaml);
  assert.deepEqual(keys.map((k) => [k.field, k.key, k.range.start.line]), [['checkpoint', 'model_name_or_path', 1], ['dataset', 'path', 3]]);
  assert.equal(referenceKeyAt(yaml, 1, 25)?.field, 'checkpoint');
  assert.equal(referenceKeyAt(yaml, 4, 3), undefined);
  const json = '{\n  "model_name_or_path": "m",\n  "train_file": "t.csv"\n}';
  assert.deepEqual(referenceKeys(json).map((k) => k.field), ['checkpoint', 'dataset']);
  assert.ok(looksLikeTrainingConfig(yaml));
  assert.ok(looksLikeTrainingConfig(json));
  assert.ok(!looksLikeTrainingConfig('name: CI\non: push\njobs:\n  build: {}\n'));
});

test('hover on a dataset key of a config listing several datasets: one line each, paths relative to the config', () => {
  const listed = {
    ...analysis,
    dataset: { path: '/w/data/a.csv', format: 'csv', rows: 180, columns: 17 },
    datasets: [
      { path: '/w/data/a.csv', format: 'csv', rows: 100, rowsUsed: 100, index: 0, keyPath: 'datasets[0].path' },
      { path: '/elsewhere/b`x`.jsonl', format: 'jsonl', rows: 2000, rowsUsed: 80, index: 1, keyPath: 'datasets[1].path' },
    ],
  } as unknown as TransferAnalysis;
  const hover = hoverMarkdown({ ...report, analysis: listed }, 'dataset')!;
  assert.match(hover, /^\*\*TransferLens\*\* · 2 datasets, mixed$/m);
  assert.match(hover, /^- `data\/a\.csv` \(datasets\[0\]\.path\): csv, 100 of 100 rows used$/m);
  assert.match(hover, /^- `` \/elsewhere\/b`x`\.jsonl `` \(datasets\[1\]\.path\): jsonl, 80 of 2,000 rows used$/m);
  assert.match(hover, /^- Together: 2,100 rows, 17 columns, task classification \(4 classes\)$/m);
  assert.match(hover, /Samples used: 2,000 of 10,000 rows/);
  // One dataset (a list reduced to one by a missing file, or no list): the single-dataset hover.
  const single = hoverMarkdown({ ...report, analysis: { ...listed, datasets: listed.datasets!.slice(0, 1) } }, 'dataset')!;
  assert.match(single, /dataset `\/w\/data\/a\.csv`[\s\S]*csv, 180 rows, 17 columns/);
  assert.equal(hoverMarkdown(report, 'dataset'), hoverMarkdown({ ...report, analysis: { ...analysis, datasets: undefined } as unknown as TransferAnalysis }, 'dataset'));
});

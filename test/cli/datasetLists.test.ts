/**
 * Black-box tests of dist/cli.js on configs that train on several datasets (Axolotl
 * `datasets[]`) and on Ultralytics `fraction`: the analysis mixes the rows of every listed
 * dataset, reports how many came from each, and n follows the documented rules.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');

function cli(args: string[], cwd: string) {
  assert.ok(existsSync(CLI), 'dist/cli.js missing: run `npm run build` first');
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A project with the sensor-a checkpoint and the helps example's rows split over two files (100 + 80 rows). */
function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tl-cli-lists-'));
  cpSync(join(ROOT, 'examples', 'checkpoints'), join(dir, 'checkpoints'), { recursive: true });
  const lines = readFileSync(join(ROOT, 'examples', 'helps', 'data', 'train.csv'), 'utf8').trimEnd().split('\n');
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'data', 'a.csv'), [lines[0], ...lines.slice(1, 101)].join('\n') + '\n');
  writeFileSync(join(dir, 'data', 'b.csv'), [lines[0], ...lines.slice(101, 181)].join('\n') + '\n');
  return dir;
}

const SMALL = ['--max-samples', '300', '--time-budget', '20', '--format', 'json', '--fail-on', 'never'];

test('a two-dataset Axolotl config analyses the rows of both, with a note of how many came from each', () => {
  const dir = project();
  const config = [
    'base_model: checkpoints/sensor-a/model.json',
    'adapter: lora',
    'datasets:',
    '  - path: data/a.csv',
    '    type: completion',
    '  - path: data/b.csv',
    '    type: completion',
    'label_column_name: label',
    'learning_rate: 0.0002',
    'num_epochs: 3',
    '',
  ].join('\n');
  writeFileSync(join(dir, 'axolotl.yml'), config);
  const r = cli(['analyze', 'axolotl.yml', ...SMALL], dir);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  const a = out.analysis;
  assert.ok(a, `an analysis: ${JSON.stringify(out.findings)}`);
  // n = rows of both datasets; the sample holds all of them.
  assert.equal(a.n, 180);
  assert.equal(a.datasetRows, 180);
  assert.equal(a.samplesUsed, 180);
  // analysis.dataset stays an object (the first file, the rows of all); analysis.datasets lists each.
  assert.equal(typeof a.dataset, 'object');
  assert.equal(a.dataset.rows, 180);
  assert.deepEqual(a.datasets.map((d: { keyPath: string; rows: number; rowsUsed: number; path: string }) => [d.keyPath, d.rows, d.rowsUsed, d.path.endsWith(d.keyPath === 'datasets[0].path' ? 'a.csv' : 'b.csv')]), [
    ['datasets[0].path', 100, 100, true],
    ['datasets[1].path', 80, 80, true],
  ]);
  assert.ok(a.notes.some((n: string) => /Training mixes 2 datasets; rows from each: a\.csv 100 .*b\.csv 80/.test(n)), a.notes.join('\n'));

  // One item missing: an error on that item (line 5, at its value), and the other is still analysed.
  writeFileSync(join(dir, 'axolotl.yml'), config.replace('data/b.csv', 'data/gone.csv'));
  const missing = cli(['analyze', 'axolotl.yml', ...SMALL], dir);
  const partial = JSON.parse(missing.stdout);
  const finding = partial.findings.find((f: { code: string }) => f.code === 'dataset-missing');
  assert.deepEqual(finding.range, { start: { line: 5, character: 10 }, end: { line: 5, character: 23 } });
  assert.equal(partial.analysis.n, 100);
  assert.deepEqual(partial.analysis.datasets.map((d: { rows: number }) => d.rows), [100]);
  assert.ok(partial.analysis.notes.some((n: string) => /Only 1 of the 2 listed datasets is analysed/.test(n)));
});

test('Ultralytics fraction: n = round(fraction × rows), stated in the notes', () => {
  const dir = project();
  writeFileSync(join(dir, 'train.yaml'), 'model: checkpoints/sensor-a/model.json\ndata: data/a.csv\nepochs: 5\nlr0: 0.01\nfraction: 0.5\n');
  const r = cli(['analyze', 'train.yaml', ...SMALL], dir);
  assert.equal(r.code, 0, r.stderr);
  const a = JSON.parse(r.stdout).analysis;
  assert.equal(a.n, 50);
  assert.equal(a.nSource, 'fraction');
  assert.ok(a.notes.some((n: string) => /fraction: 0\.5 of 100 dataset rows: n = round\(0\.5 × 100\) = 50/.test(n)), a.notes.join('\n'));
});

test('text output lists each mixed dataset (path relative to cwd, rows used / rows, where it is listed); a single dataset adds no such lines', () => {
  const configs = join(ROOT, 'test', 'fixtures', 'configs');
  const text = ['--max-samples', '300', '--time-budget', '20', '--format', 'text', '--fail-on', 'never'];
  // Exit code 2: the fixtures also list a missing dataset (an invalid input), still analysed without it.
  const axolotl = cli(['analyze', 'axolotl/mixed.yml', ...text], configs);
  assert.equal(axolotl.code, 2, axolotl.stderr);
  // datasets[2] (other columns) and datasets[3] (missing) are left out: two datasets mixed.
  assert.match(axolotl.stdout, /^ {2}Datasets mixed \(2\):\n {4}data\/train\.csv \(csv\): 120 of 120 rows used · datasets\[0\]\.path\n {4}data\/validation\.csv \(csv\): 30 of 30 rows used · datasets\[1\]\.data_files\n {2}Samples used: 150 of 150 /m, axolotl.stdout);

  const factory = cli(['analyze', 'llama-factory/mixed.yaml', ...text], configs);
  assert.equal(factory.code, 2, factory.stderr);
  assert.match(factory.stdout, /^ {2}Datasets mixed \(2\):\n {4}data\/train\.csv \(csv\): 120 of 120 rows used · dataset\n {4}data\/validation\.csv \(csv\): 30 of 30 rows used · dataset\n/m, factory.stdout);

  const single = cli(['analyze', 'huggingface/run.yaml', ...text], configs);
  assert.equal(single.code, 0, single.stderr);
  assert.match(single.stdout, /Samples used: /);
  assert.doesNotMatch(single.stdout, /Datasets mixed/);
});

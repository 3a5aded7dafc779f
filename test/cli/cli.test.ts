/**
 * Black-box tests of the bundled CLI (dist/cli.js, built by `npm test` before the suites run):
 * output contracts (text, JSON, SARIF 2.1.0), exit codes, and bad inputs named clearly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync, truncateSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');

function cli(args: string[], cwd = ROOT) {
  assert.ok(existsSync(CLI), 'dist/cli.js missing: run `npm run build` first');
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A scratch copy of the examples (configs reference ../checkpoints). */
function examplesCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tl-cli-'));
  for (const d of ['checkpoints', 'hurts', 'helps']) cpSync(join(ROOT, 'examples', d), join(dir, d), { recursive: true });
  return dir;
}

const SMALL = ['--max-samples', '300', '--time-budget', '20'];

test('analyze --format json has the documented shape and a verdict', () => {
  const r = cli(['analyze', 'examples/hurts/config.yaml', '--format', 'json', '--fail-on', 'never', ...SMALL]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.ok(out.file.endsWith('config.yaml'));
  assert.ok(Array.isArray(out.findings));
  for (const f of out.findings) {
    assert.match(f.code, /^[a-z0-9-]+$/);
    assert.ok(['error', 'warning', 'info', 'hint'].includes(f.severity));
    assert.equal(typeof f.message, 'string');
    for (const k of ['start', 'end']) {
      assert.ok(Number.isInteger(f.range[k].line) && f.range[k].line >= 0);
      assert.ok(Number.isInteger(f.range[k].character) && f.range[k].character >= 0);
    }
  }
  const a = out.analysis;
  assert.ok(['positive', 'negative', 'too-close'].includes(a.verdict));
  assert.equal(typeof a.n, 'number');
  assert.ok(a.gain.low <= a.gain.mean && a.gain.mean <= a.gain.high);
  assert.ok(a.overlap.low <= a.overlap.value && a.overlap.value <= a.overlap.high);
  assert.ok(['linear-probe', 'lp-ft', 'full', 'partial-freeze', 'scratch'].includes(a.recommendation.strategy));
  assert.equal(typeof a.samplesUsed, 'number');
  assert.ok(['wasm', 'cpu', 'tensorflow'].includes(a.backend), a.backend);
  // The verdict finding sits on the checkpoint key (line of model_name_or_path).
  const lines = readFileSync(join(ROOT, 'examples/hurts/config.yaml'), 'utf8').split('\n');
  const verdict = out.findings.find((f: { code: string }) => ['negative-transfer', 'positive-transfer', 'too-close-to-call'].includes(f.code));
  assert.ok(verdict, 'a verdict finding');
  assert.match(lines[verdict.range.start.line]!, /^model_name_or_path:/);
});

test('analyze --format sarif is SARIF 2.1.0 with results located in the config', () => {
  const r = cli(['analyze', 'examples/hurts/config.yaml', '--format', 'sarif', '--fail-on', 'never', ...SMALL]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.version, '2.1.0');
  assert.equal(s.runs.length, 1);
  const run = s.runs[0];
  assert.equal(run.tool.driver.name, 'TransferLens');
  assert.ok(run.results.length > 0);
  for (const res of run.results) {
    assert.ok(run.tool.driver.rules.some((rule: { id: string }) => rule.id === res.ruleId));
    assert.ok(['error', 'warning', 'note'].includes(res.level));
    const loc = res.locations[0].physicalLocation;
    assert.match(loc.artifactLocation.uri, /config\.yaml$/);
    assert.ok(loc.region.startLine >= 1 && loc.region.startColumn >= 1);
  }
});

test('--fail-on warning exits 1 on the negative-transfer example, --fail-on error exits 0', () => {
  assert.equal(cli(['analyze', 'examples/hurts/config.yaml', '--fail-on', 'warning', ...SMALL]).code, 1);
  assert.equal(cli(['analyze', 'examples/hurts/config.yaml', '--fail-on', 'error', ...SMALL]).code, 0);
});

test('usage errors exit 2 with one clear line, no stack trace', () => {
  const r = cli(['analyze', 'examples/hurts/config.yaml', '--format', 'xml']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--format must be one of text\|json\|sarif/);
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
  assert.equal(cli(['frobnicate']).code, 2);
  const missing = cli(['analyze', 'no/such/config.yaml']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no\/such\/config\.yaml: no such file/);
});

test('malformed YAML: exit 2 and a config-syntax finding on the broken line', () => {
  const dir = examplesCopy();
  const cfg = join(dir, 'hurts', 'config.yaml');
  writeFileSync(cfg, 'model_name_or_path: ../checkpoints/sensor-a/model.json\ntrain_file: [data/train.csv\nlearning_rate: 1e-3\n');
  const r = cli(['analyze', cfg, '--format', 'json']);
  assert.equal(r.code, 2);
  const out = JSON.parse(r.stdout);
  const f = out.findings.find((x: { code: string }) => x.code === 'config-syntax');
  assert.ok(f, JSON.stringify(out.findings));
  assert.equal(f.severity, 'error');
  assert.ok(f.range.start.line >= 1 && f.range.start.line <= 2, `line ${f.range.start.line}`);
});

test('missing checkpoint: exit 2 and an error on the model_name_or_path key naming the file', () => {
  const dir = examplesCopy();
  const cfg = join(dir, 'hurts', 'config.yaml');
  writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('../checkpoints/sensor-a/model.json', '../checkpoints/nope/model.json'));
  const r = cli(['analyze', cfg, '--format', 'json']);
  assert.equal(r.code, 2);
  const f = JSON.parse(r.stdout).findings.find((x: { severity: string }) => x.severity === 'error');
  assert.ok(f);
  assert.match(f.message, /nope/);
  assert.match(readFileSync(cfg, 'utf8').split('\n')[f.range.start.line]!, /^model_name_or_path:/);
});

test('truncated weight shard: exit 2 and a checkpoint-invalid finding that says so', () => {
  const dir = examplesCopy();
  const shard = join(dir, 'checkpoints', 'sensor-a', 'weights.bin');
  truncateSync(shard, Math.floor(statSync(shard).size / 2));
  const r = cli(['analyze', join(dir, 'hurts', 'config.yaml'), '--format', 'json']);
  assert.equal(r.code, 2, r.stderr);
  const f = JSON.parse(r.stdout).findings.find((x: { severity: string }) => x.severity === 'error');
  assert.ok(f, r.stdout);
  assert.match(f.code, /^checkpoint-/);
  assert.match(f.message, /weights\.bin|shard|bytes|truncat/i);
});

test('CSV without the label column: exit 2 and label-column-missing on the right key', () => {
  const dir = examplesCopy();
  const cfg = join(dir, 'hurts', 'config.yaml');
  writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('label_column_name: label', 'label_column_name: target'));
  const r = cli(['analyze', cfg, '--format', 'json']);
  assert.equal(r.code, 2);
  const f = JSON.parse(r.stdout).findings.find((x: { code: string }) => x.code === 'label-column-missing');
  assert.ok(f, r.stdout);
  assert.match(f.message, /target/);
  assert.match(readFileSync(cfg, 'utf8').split('\n')[f.range.start.line]!, /label_column_name|train_file/);
});

test('rank orders the candidate checkpoints as the example was built', () => {
  const r = cli(['rank', 'examples/hurts/config.yaml', '--candidates', 'examples/checkpoints/*/model.json', '--format', 'json', ...SMALL]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.candidates.length, 2);
  // The hurts target is a function of sensor-b's source teacher: sensor-b must rank first.
  assert.match(out.candidates[0].checkpoint, /sensor-b/);
  assert.ok(out.candidates[0].gain.mean > out.candidates[1].gain.mean);
});

test('the flips example: transfer helps at n=60 with a crossover in range, and loses at n=2,000', () => {
  const small = JSON.parse(cli(['analyze', 'examples/flips/config.yaml', '--format', 'json', '--fail-on', 'never']).stdout).analysis;
  assert.equal(small.verdict, 'positive', JSON.stringify(small.gain));
  assert.ok(small.crossoverN !== null && small.crossoverN > 60 && small.crossoverN < 4000, `crossover ${small.crossoverN}`);
  const dir = examplesCopy();
  cpSync(join(ROOT, 'examples', 'flips'), join(dir, 'flips'), { recursive: true });
  const cfg = join(dir, 'flips', 'config.yaml');
  writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('max_train_samples: 60', 'max_train_samples: 2000'));
  const large = JSON.parse(cli(['analyze', cfg, '--format', 'json', '--fail-on', 'never']).stdout).analysis;
  assert.equal(large.verdict, 'negative', JSON.stringify(large.gain));
});

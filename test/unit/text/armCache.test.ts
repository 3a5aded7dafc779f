/**
 * Cached re-analysis of a text config (issue #15 "Speed"): with a cache folder, the second
 * analysis of unchanged data and checkpoint takes the features, the TF-IDF view, the classic
 * scores, the checkpoint's description (no weights loaded) and every arm's fit from the cache — no learner is fitted (analysis.cache.arms: all hits,
 * nothing missed or uncached) — and reports the identical verdict, gain, interval, curves and
 * scores. New labels miss every arm (each key carries the targets) but keep the TF-IDF view (the
 * texts did not change); another seed gives what a fresh cache gives. The first run's time-budget
 * decisions (curve points skipped on a loaded machine) are replayed, so even those agree. Small fixture (the tiny BERT
 * of examples/text on 300 reviews), no timing assertions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeConfigFile } from '../../../src/node/pipeline';
import type { AnalysisReport } from '../../../src/core/model/analysis';

const ROOT = join(__dirname, '..', '..', '..');

function workspace(): string {
  const root = mkdtempSync(join(tmpdir(), 'tl-armcache-'));
  cpSync(join(ROOT, 'examples', 'text', 'checkpoint'), join(root, 'checkpoint'), { recursive: true });
  mkdirSync(join(root, 'data'));
  cpSync(join(ROOT, 'test', 'fixtures', 'text', 'sentiment.csv'), join(root, 'data', 'train.csv'));
  writeFileSync(join(root, 'config.yaml'), 'model_name_or_path: checkpoint\ntrain_file: data/train.csv\ntext_column_names: text\nlabel_column_name: label\nmax_seq_length: 32\nmax_train_samples: 60\n');
  return root;
}

/** `unbounded`: no time budget, so runs compared with a fresh cache do not depend on the machine's load. */
async function run(root: string, cacheDir: string, seed = 0, unbounded = false): Promise<NonNullable<AnalysisReport['analysis']>> {
  const report = await analyzeConfigFile(join(root, 'config.yaml'), { workspaceRoot: root, backend: 'cpu', cacheDir, seed, ...(unbounded ? { timeBudgetMs: 1e9 } : {}) });
  assert.ok(report.analysis, report.findings.map((f) => `${f.code}: ${f.message}`).join('\n'));
  return report.analysis;
}

/** Everything the user reads, minus timings, cache use and the sentence saying where features came from. */
function result(a: NonNullable<AnalysisReport['analysis']>): string {
  const text = (a.preprocessing?.text ?? {}) as Record<string, unknown>;
  return JSON.stringify({
    verdict: a.verdict, gain: a.gain, crossoverN: a.crossoverN, curves: a.curves, overlap: a.overlap, spectrum: a.spectrum,
    recommendation: a.recommendation, scores: a.scores, logmeVsRaw: a.logmeVsRaw, scratch: text.scratch,
    notes: a.notes.filter((n) => !/^Features of \d+ texts/.test(n)),
  });
}

test('second run: features, TF-IDF view, scores and every arm fit from the cache; identical result', async () => {
  const root = workspace();
  const cacheDir = join(root, '.cache');
  const first = await run(root, cacheDir);
  assert.equal(first.cache?.features, 'miss');
  assert.deepEqual(first.cache?.steps, { tokenize: 'miss', checkpoint: 'miss', tfidf: 'miss', scores: 'miss' });
  const fits = first.cache!.arms!.misses;
  assert.ok(fits > 20, `fits ${fits}`);
  assert.equal(first.cache?.arms?.hits, 0);
  assert.equal(first.cache?.arms?.uncached, 0, 'every arm of the text branch has a cache key');
  for (const phase of ['tokenize', 'features', 'tfidf', 'scores', 'arms', 'armFits', 'total']) assert.equal(typeof first.timings[phase], 'number', phase);

  const second = await run(root, cacheDir);
  assert.equal(second.cache?.features, 'hit');
  assert.deepEqual(second.cache?.steps, { tokenize: 'hit', checkpoint: 'hit', tfidf: 'hit', scores: 'hit' }, 'the weights are not even loaded, the texts not re-encoded');
  assert.deepEqual(second.cache?.arms, { hits: fits, misses: 0, uncached: 0 }, 'no learner fitted on the second run');
  assert.equal(second.timings.armFits, 0);
  assert.equal(result(second), result(first));
  const lambdas = ((second.preprocessing?.text as { scratch?: { lambdas?: number[] } }).scratch?.lambdas ?? []);
  assert.ok(lambdas.length > 0, 'the TF-IDF arm\'s tuned λ are replayed from the cache');

  // New labels (same texts): every arm misses, the TF-IDF view still hits.
  const csv = readFileSync(join(root, 'data', 'train.csv'), 'utf8').split('\n');
  const flipped = csv.map((line, i) => (i > 0 && i % 5 === 0 ? line.replace(/,(neg|pos)$/, (_, l: string) => (l === 'neg' ? ',pos' : ',neg')) : line));
  assert.notDeepEqual(flipped, csv);
  writeFileSync(join(root, 'data', 'train.csv'), flipped.join('\n'));
  const relabelled = await run(root, cacheDir, 0, true);
  assert.equal(relabelled.cache?.arms?.hits, 0, 'every arm key carries the labels');
  assert.ok((relabelled.cache?.arms?.misses ?? 0) > 0);
  assert.equal(relabelled.cache?.steps?.tfidf, 'hit', 'the texts did not change');
  assert.equal(relabelled.cache?.steps?.checkpoint, 'hit', 'the checkpoint did not change…');
  assert.equal(relabelled.cache?.steps?.tokenize, 'hit', 'the texts did not change: no re-encoding');
  assert.equal(relabelled.cache?.features, 'miss', '…but the data file did: the lazily loaded checkpoint extracts the features again');
  assert.equal(relabelled.cache?.steps?.scores, 'miss');
  assert.equal(result(relabelled), result(await run(root, join(root, '.fresh-labels'), 0, true)), 'the same as with an empty cache');
});

test('another seed: what an empty cache gives', async () => {
  const root = workspace();
  const cacheDir = join(root, '.cache');
  await run(root, cacheDir, 0, true);
  const reseeded = await run(root, cacheDir, 1, true);
  assert.ok((reseeded.cache?.arms?.misses ?? 0) > 0, 'new draws are fitted');
  assert.equal(result(reseeded), result(await run(root, join(root, '.fresh'), 1, true)));
});

test('editor time limit (hardTimeLimit): extraction estimated to outlast the budget is not started — a warning with the estimate and what fits, tokenizer checks kept; with the features cached the analysis runs', async () => {
  const root = workspace();
  const cacheDir = join(root, '.cache');
  const limited = await analyzeConfigFile(join(root, 'config.yaml'), { workspaceRoot: root, backend: 'cpu', cacheDir, timeBudgetMs: 5, hardTimeLimit: true });
  assert.equal(limited.analysis, undefined);
  const refused = limited.findings.find((f) => f.code === 'checkpoint-unsupported');
  assert.ok(refused, limited.findings.map((f) => `${f.code}: ${f.message}`).join('\n'));
  assert.equal(refused.severity, 'warning');
  assert.match(refused.message, /^Extracting features of \d+ texts with this .*-parameter checkpoint would take ~.* longer than the editor's .* analysis budget allows/);
  assert.match(refused.message, /transferlens\.timeBudgetSeconds/);
  assert.ok(limited.findings.some((f) => f.code === 'token-lengths'), 'the tokenizer checks still run');
  // The CLI (no hard limit) is not refused, and fills the feature cache…
  await run(root, cacheDir);
  // …after which the editor's short budget is no obstacle: the features come from the cache.
  const cached = await analyzeConfigFile(join(root, 'config.yaml'), { workspaceRoot: root, backend: 'cpu', cacheDir, timeBudgetMs: 5, hardTimeLimit: true });
  assert.ok(cached.analysis, cached.findings.map((f) => `${f.code}: ${f.message}`).join('\n'));
  assert.equal(cached.analysis.cache?.features, 'hit');
});

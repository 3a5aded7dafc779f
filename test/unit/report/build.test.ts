/** Unit tests of buildReportModel: every section is present or absent with a reason, and the wording follows the numbers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReportModel, SECTION_IDS } from '../../../src/core/report/index';
import type { ReportModel, Section } from '../../../src/core/report/index';
import { loadFixture, mutable } from './helpers';

function statusOf(model: ReportModel): Record<string, string> {
  return Object.fromEntries(SECTION_IDS.map((id) => [id, model.sections[id].status]));
}

function reasonOf(section: Section<unknown>): string {
  assert.equal(section.status, 'absent');
  return section.status === 'absent' ? section.reason : '';
}

test('every section id is present or absent with a non-empty reason, for every fixture', () => {
  for (const name of ['helps', 'hurts', 'failed'] as const) {
    const model = buildReportModel(loadFixture(name));
    assert.deepEqual(Object.keys(model.sections).sort(), [...SECTION_IDS].sort(), name);
    for (const id of SECTION_IDS) {
      const section = model.sections[id];
      if (section.status === 'absent') assert.ok(section.reason.length > 20, `${name}/${id} needs a reason`);
      else assert.ok(section.data !== undefined, `${name}/${id} has data`);
    }
  }
});

test('the negative example shows all analysis sections; candidates are absent until a ranking', () => {
  const model = buildReportModel(loadFixture('hurts'));
  assert.deepEqual(statusOf(model), {
    headline: 'present', learningCurves: 'present', spectrum: 'present', perLayer: 'present', phaseDiagram: 'present',
    mythCheck: 'present', scores: 'present', candidates: 'absent', details: 'present', actions: 'present',
  });
  assert.match(reasonOf(model.sections.candidates), /ranking/);
});

test('the positive example explains the missing per-layer and myth-check sections', () => {
  const model = buildReportModel(loadFixture('helps'));
  assert.match(reasonOf(model.sections.perLayer), /global_average_pooling2d/);
  assert.match(reasonOf(model.sections.mythCheck), /source/);
});

test('a run without analysis says why, naming the blocking finding', () => {
  const model = buildReportModel(loadFixture('failed'));
  for (const id of ['headline', 'learningCurves', 'spectrum', 'perLayer', 'phaseDiagram', 'mythCheck', 'scores'] as const) {
    assert.match(reasonOf(model.sections[id]), /checkpoint-missing/);
  }
  assert.equal(model.sections.details.status, 'present');
  const noFindings = buildReportModel({ file: '/a/b.yaml', findings: [] });
  assert.match(reasonOf(noFindings.sections.headline), /Re-run/);
});

test('the headline sentence carries the verdict, the gain interval, the recommendation and n*', () => {
  const hurts = buildReportModel(loadFixture('hurts')).sections.headline;
  assert.equal(hurts.status, 'present');
  if (hurts.status !== 'present') return;
  assert.equal(hurts.data.tone, 'bad');
  assert.match(hurts.data.sentence, /lose to training from scratch with 3,000 training samples/);
  assert.match(hurts.data.sentence, /0\.13 higher \(90% interval 0\.07 to 0\.19\)/);
  assert.match(hurts.data.sentence, /switch to training from scratch/);
  assert.match(hurts.data.sentence, /below about 590 samples/);

  const helps = buildReportModel(loadFixture('helps')).sections.headline;
  if (helps.status !== 'present') return assert.fail('helps headline absent');
  assert.equal(helps.data.tone, 'good');
  assert.match(helps.data.sentence, /beat training from scratch with 500 training samples: the error rate is 0\.32 lower/);
  assert.match(helps.data.sentence, /LP-FT .* at learning rate 1e-4/);
  assert.match(helps.data.sentence, /do not cross/);
});

test('a too-close verdict is worded as such with a signed interval', () => {
  const report = mutable(loadFixture('helps'));
  report.analysis.verdict = 'too-close';
  report.analysis.gain = { mean: 0.01, low: -0.03, high: 0.05 };
  report.analysis.crossoverN = 480;
  const headline = buildReportModel(report).sections.headline;
  if (headline.status !== 'present') return assert.fail('absent');
  assert.equal(headline.data.tone, 'neutral');
  assert.match(headline.data.sentence, /too close to call/);
  assert.match(headline.data.sentence, /\+0\.01 \(90% interval −0\.03 to \+0\.05\)/);
  assert.match(headline.data.sentence, /cross at about 480 samples/);
});

test('curves get roles from the configured and recommended strategies, in legend order', () => {
  const curves = buildReportModel(loadFixture('helps')).sections.learningCurves;
  if (curves.status !== 'present') return assert.fail('absent');
  assert.deepEqual(curves.data.series.map((series) => series.role), ['configured', 'recommended', 'scratch', 'scratch-unregularised']);
  assert.equal(curves.data.measuredUpTo, 2000);
  assert.equal(curves.data.scratchSpike, null);
  const hurts = buildReportModel(loadFixture('hurts')).sections.learningCurves;
  if (hurts.status !== 'present') return assert.fail('absent');
  assert.deepEqual(hurts.data.scratchSpike, { low: 650, high: 950 });
  assert.match(hurts.data.caption, /interpolation threshold/);
});

test('curves with no finite points make the section absent instead of an empty plot', () => {
  const report = mutable(loadFixture('hurts'));
  for (const curve of report.analysis.curves.curves) for (const point of curve.points) point.risk.mean = null;
  assert.match(reasonOf(buildReportModel(report).sections.learningCurves), /No learning curves/);
});

test('spectrum states feature sparsity from directionsFor90, or that 90% is never reached', () => {
  const spectrum = buildReportModel(loadFixture('helps')).sections.spectrum;
  if (spectrum.status !== 'present') return assert.fail('absent');
  assert.equal(spectrum.data.directionsFor90, 8);
  assert.match(spectrum.data.caption, /^8 of 48 principal feature directions carry 90%/);
  assert.match(spectrum.data.caption, /concentrated/);
  const report = mutable(loadFixture('helps'));
  report.analysis.spectrum.directionsFor90 = null;
  report.analysis.spectrum.cumulativeShare = report.analysis.spectrum.cumulativeShare.map((value: number) => value * 0.7);
  const missing = buildReportModel(report).sections.spectrum;
  if (missing.status !== 'present') return assert.fail('absent');
  assert.match(missing.data.caption, /No set of feature directions reaches 90%/);
});

test('per-layer freeze depth follows the recommendation when given, else the overlap rule', () => {
  const ruled = buildReportModel(loadFixture('hurts')).sections.perLayer;
  if (ruled.status !== 'present') return assert.fail('absent');
  // dense_1 0.71, dense_2 0.63 (within 0.1 of the best), dense_3 0.34: freeze up to dense_2.
  assert.equal(ruled.data.freezeUpTo, 'dense_2');
  assert.equal(ruled.data.freezeSource, 'overlap-rule');
  const report = mutable(loadFixture('hurts'));
  report.analysis.recommendation.freezeDepth = 3;
  const recommended = buildReportModel(report).sections.perLayer;
  if (recommended.status !== 'present') return assert.fail('absent');
  assert.equal(recommended.data.freezeUpTo, 'dense_3');
  assert.equal(recommended.data.freezeSource, 'recommendation');
});

test('phase diagram places the config in the theory region and compares with the verdict', () => {
  const hurts = buildReportModel(loadFixture('hurts')).sections.phaseDiagram;
  if (hurts.status !== 'present') return assert.fail('absent');
  // overlap 0.18, σ² 0.2: negative for γ > 1 + 0.2/0.82 ≈ 1.24; γ = 3.75 is inside.
  assert.equal(hurts.data.region, 'negative');
  assert.match(hurts.data.caption, /agrees/);
  assert.ok(hurts.data.negativeRegions.length >= 1);
  const helps = buildReportModel(loadFixture('helps')).sections.phaseDiagram;
  if (helps.status !== 'present') return assert.fail('absent');
  assert.equal(helps.data.region, 'positive');
  const report = mutable(loadFixture('helps'));
  delete report.analysis.phase;
  assert.match(reasonOf(buildReportModel(report).sections.phaseDiagram), /phase diagram/);
});

test('myth check reports the disagreement and the reason distances do not decide', () => {
  const myth = buildReportModel(loadFixture('hurts')).sections.mythCheck;
  if (myth.status !== 'present') return assert.fail('absent');
  assert.equal(myth.data.disagrees, true);
  assert.match(myth.data.summary, /look similar to the source inputs, yet transfer hurts/);
  assert.match(myth.data.explanation, /do not predict transfer/);
  assert.deepEqual(myth.data.distances.map((d) => d.value), [0.042, 0.031, 0.0047]);
});

test('scores have explanations, including unknown keys and the derived rows', () => {
  const report = mutable(loadFixture('hurts'));
  report.analysis.scores.brandNewScore = 1.5;
  const scores = buildReportModel(report).sections.scores;
  if (scores.status !== 'present') return assert.fail('absent');
  const byKey = new Map(scores.data.rows.map((row) => [row.key, row]));
  assert.equal(byKey.get('logme')?.name, 'LogME');
  assert.match(byKey.get('brandNewScore')!.explanation, /higher is better/);
  assert.equal(byKey.get('zeroShotR2')?.value, -0.34);
  assert.equal(byKey.get('logmeVsRaw')?.formatted, '−0.58');
  for (const row of scores.data.rows) assert.ok(row.explanation.length > 20, row.key);
  delete report.analysis.scores;
  delete report.analysis.logmeVsRaw;
  delete report.analysis.zeroShotR2;
  assert.match(reasonOf(buildReportModel(report).sections.scores), /No transferability scores/);
});

test('candidates table orders by the ranking score and marks the analysed checkpoint', () => {
  const report = loadFixture('helps');
  const model = buildReportModel(report, {
    ranking: {
      rankedBy: 'logme',
      candidates: [
        { checkpoint: '/m/other.json', scores: { logme: 0.4, leep: -1.2 } },
        { checkpoint: report.analysis!.checkpoint!.path, scores: { logme: 1.284 }, verdict: 'positive', gain: { mean: 0.32, low: 0.25, high: 0.39 } },
        { checkpoint: '/m/nan.json', scores: { logme: Number.NaN } },
      ],
    },
  });
  const candidates = model.sections.candidates;
  if (candidates.status !== 'present') return assert.fail('absent');
  assert.deepEqual(candidates.data.rows.map((row) => row.label), ['model.json', 'other.json', 'nan.json']);
  assert.equal(candidates.data.rows[0]!.isCurrent, true);
  assert.equal(candidates.data.columns[0]!.key, 'logme');
  assert.equal(candidates.data.rows[0]!.values[1], '—');
});

test('actions offer a fix per fixable finding code plus re-run, copy and export', () => {
  const actions = buildReportModel(loadFixture('helps')).sections.actions;
  if (actions.status !== 'present') return assert.fail('absent');
  assert.deepEqual(actions.data.actions.map((action) => action.id), ['applyFix:prefer-lp-ft', 'applyFix:feature-distortion-risk', 'rerun', 'copyMarkdown', 'exportHtml']);
  assert.equal(actions.data.actions.filter((action) => action.primary).length, 1);
  const failed = buildReportModel(loadFixture('failed')).sections.actions;
  if (failed.status !== 'present') return assert.fail('absent');
  assert.equal(failed.data.actions[0]!.kind, 'rerun');
});

test('details name the inputs read, samples used, backend and timings; warnings include notes and warning findings', () => {
  const details = buildReportModel(loadFixture('helps')).sections.details;
  if (details.status !== 'present') return assert.fail('absent');
  const rows = new Map(details.data.rows.map((row) => [row.label, row.value]));
  assert.match(rows.get('Checkpoint')!, /model\.json \(tfjs-layers, 1,204,362 parameters; features from layer 'global_average_pooling2d'\)/);
  assert.equal(rows.get('Samples used by the analysis'), '2,000 of 12,000 rows');
  assert.equal(rows.get('Backend'), 'wasm');
  assert.equal(details.data.totalMilliseconds, 4 + 310 + 820 + 2950 + 45 + 5400 + 260);
  assert.ok(details.data.warnings.some((warning) => warning.includes('extrapolated')));
  assert.ok(details.data.warnings.some((warning) => warning.includes('[feature-distortion-risk]')));
});

test('a malformed part of the analysis becomes an absent section instead of an exception', () => {
  const report = mutable(loadFixture('hurts'));
  report.analysis.perLayer = [{ layer: 'x', depth: 1, overlap: null }];
  report.analysis.spectrum = { variance: 'oops' };
  report.analysis.curves = null;
  const model = buildReportModel(report);
  assert.equal(model.sections.perLayer.status, 'absent');
  assert.equal(model.sections.spectrum.status, 'absent');
  assert.equal(model.sections.learningCurves.status, 'absent');
  assert.equal(model.sections.headline.status, 'present');
});

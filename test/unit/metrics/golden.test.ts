/**
 * Golden tests: every score against the reference implementations' values in the shared golden
 * files (rtol 1e-9 in float64 for the same algorithm; see the golden README and method.md §4).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromRows, matrix } from '../../../src/core/linalg/matrix';
import { computeScores } from '../../../src/core/metrics/registry';
import { logme } from '../../../src/core/metrics/logme';
import { oneHot, prepareScoreInput } from '../../../src/core/metrics/input';
import { leep } from '../../../src/core/metrics/leep';
import { nce } from '../../../src/core/metrics/nce';
import { ledoitWolfShrinkage } from '../../../src/core/metrics/shrinkageHScore';
import { transRate } from '../../../src/core/metrics/transRate';
import { linearCkaOf } from '../../../src/core/metrics/linearCka';
import { probeAccuracyDetails } from '../../../src/core/metrics/probeAccuracy';
import { stratifiedFolds } from '../../../src/core/metrics/linearProbe';
import { centerColumns, gram } from '../../../src/core/linalg/products';
import { kendallTauB, weightedTau } from '../../../src/core/metrics/rankCorrelation';
import { assertRelative } from '../linalg/helpers';
import { classificationGolden, goldenAvailable, leepGolden, readGolden } from './golden';

const skip = goldenAvailable() ? false : 'golden files not found (set TRANSFERLENS_GOLDEN)';
const RTOL = 1e-9;

test('classification golden: every feature score matches its reference', { skip }, () => {
  const g = classificationGolden();
  const result = computeScores({ features: g.features, labels: g.labels });
  assert.deepEqual(result.errors, {});
  assertRelative(result.scores.logme!, g.expected.logme.fixed_point, RTOL, 'logme');
  assertRelative(result.scores.hScore!, g.expected.hscore, RTOL, 'hScore');
  assertRelative(result.scores.shrinkageHScore!, g.expected.regularized_hscore, RTOL, 'shrinkageHScore');
  assertRelative(result.scores.gbc!, g.expected.gbc_spherical, RTOL, 'gbc');
  assertRelative(result.scores.transRate!, g.expected['transrate_eps1e-4'], RTOL, 'transRate');
  assertRelative(result.scores.linearCka!, g.expected.linear_cka, RTOL, 'linearCka');
  assertRelative(result.scores.probeAccuracy!, g.expected.linear_probe.mean_accuracy, 1e-12, 'probeAccuracy');
  assert.ok(!('leep' in result.scores) && 'leep' in result.skipped, 'LEEP needs source outputs');
});

test('classification golden: LogME internals (α, β, iterations, per-class evidence, rank)', { skip }, () => {
  const g = classificationGolden();
  const result = logme(g.features, oneHot(g.labels, 5));
  assert.equal(result.rank, g.expected.logme.fixed_point_rank_k);
  result.perTarget.forEach((t, c) => {
    assertRelative(t.evidence, g.expected.logme.fixed_point_per_target_evidence[c], RTOL, `evidence ${c}`);
    assertRelative(t.alpha, g.expected.logme.fixed_point_alphas[c], RTOL, `alpha ${c}`);
    assertRelative(t.beta, g.expected.logme.fixed_point_betas[c], RTOL, `beta ${c}`);
    assert.equal(t.iterations, g.expected.logme.fixed_point_iterations[c]);
  });
});

test('classification golden: Ledoit–Wolf α, TransRate ε = 1e-2, folds and fold accuracies', { skip }, () => {
  const g = classificationGolden();
  const { centered } = centerColumns(g.features);
  assertRelative(ledoitWolfShrinkage(centered, gram(centered)), g.expected.ledoit_wolf_shrinkage, RTOL, 'LW shrinkage');
  const prepared = prepareScoreInput({ features: g.features, labels: g.labels });
  assertRelative(transRate(prepared, 1e-2), g.expected['transrate_eps1e-2'], RTOL, 'transRate 1e-2');
  assert.deepEqual(Array.from(stratifiedFolds(g.labels)), g.expected.linear_probe.fold_of_sample);
  const probe = probeAccuracyDetails(prepared);
  assert.deepEqual(probe.perFold, g.expected.linear_probe.fold_accuracy);
});

test('LogME regression mode equals the per-column classification evidence on one-hot targets', { skip }, () => {
  const g = classificationGolden();
  const targets = oneHot(g.labels, 5);
  const regression = computeScores({ features: g.features, targets, task: 'regression' }, { scores: ['logme'] });
  assertRelative(regression.scores.logme!, g.expected.logme.fixed_point, RTOL, 'logme regression');
});

test('LEEP and NCE golden, including the one-hot and uniform edge cases', { skip }, () => {
  const g = leepGolden();
  const features = matrix(g.labels.length, 1, Float64Array.from(g.labels, (_, i) => i));
  const result = computeScores({ features, labels: g.labels, sourceProbabilities: g.sourceProbabilities }, { scores: ['leep', 'nce'] });
  assertRelative(result.scores.leep!, g.expected.leep_thuml, RTOL, 'leep');
  assertRelative(result.scores.nce!, g.expected.nce_thuml, RTOL, 'nce');

  // One-hot "perfect" predictions on 10 source classes: the reference returns NaN, we must not.
  const perfect = oneHot(g.labels, 10);
  const onehotInput = prepareScoreInput({ features, labels: g.labels, sourceProbabilities: perfect });
  const value = leep(onehotInput);
  assert.ok(Number.isFinite(value));
  assert.equal(value, g.expected.edge_onehot_perfect_preds.leep_google_port);
  assert.ok(Math.abs(nce(onehotInput) - g.expected.edge_onehot_perfect_preds.nce_thuml_source_eq_target) < 1e-15);

  const uniform = matrix(g.labels.length, 10, new Float64Array(g.labels.length * 10).fill(0.1));
  assertRelative(leep(prepareScoreInput({ features, labels: g.labels, sourceProbabilities: uniform })), g.expected.edge_uniform_preds.leep_thuml, 1e-12, 'uniform');
});

test('linear CKA on the Kornblith demo', { skip }, () => {
  const g = readGolden('cka_kornblith_demo.json');
  assertRelative(linearCkaOf(fromRows(g.inputs.X), fromRows(g.inputs.Y)), g.expected.linear_cka, RTOL, 'linear CKA');
});

test('weighted Kendall τ (scipy defaults) and τ-b on every published set', { skip }, () => {
  const g = readGolden('rank_correlation.json');
  let checked = 0;
  for (const set of g.expected_sets) {
    const what = `${set.source} / ${set.metric}`;
    if (Number.isNaN(set.weighted_tau)) assert.ok(Number.isNaN(weightedTau(set.scores, set.finetune_acc)), what);
    else assert.ok(Math.abs(weightedTau(set.scores, set.finetune_acc) - set.weighted_tau) < 1e-12, `${what}: ${weightedTau(set.scores, set.finetune_acc)} vs ${set.weighted_tau}`);
    assert.ok(Math.abs(kendallTauB(set.scores, set.finetune_acc) - set.kendall_tau_b) < 1e-12, `${what} τ-b`);
    checked++;
  }
  assert.equal(checked, g.expected_sets.length);
});

/**
 * Edge cases and invariants of the linear theory listed in paper-test-vectors.md ("How to
 * validate"), plus argument validation and the phase-diagram helper.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  scratchRiskAsymptotic,
  scratchRiskFinite,
  linearTransferRiskFinite,
  linearProbeRiskFinite,
  linearProbeRiskAsymptotic,
  linearTransferGainAsymptotic,
  fineTuningGain,
  fineTuningGainPaper,
  fineTuningGainFinite,
  fineTuningRiskFinite,
  linearTransferNegativeInterval,
  linearTransferNegativeAbove,
  minimumNegativeTransferAngle,
  ridgeHeadRiskFinite,
  ridgeHeadRiskAsymptotic,
  tunedRidgeScratchRisk,
  marchenkoPasturStieltjes,
  phaseDiagram,
  linearGrid,
} from '../../../src/core/theory';

test('γ = 1 is the interpolation spike: +∞ with noise, finite without', () => {
  assert.equal(scratchRiskAsymptotic(1, 0.04), Number.POSITIVE_INFINITY);
  assert.equal(scratchRiskAsymptotic(1, 0), 0);
  for (const n of [99, 100, 101]) assert.equal(scratchRiskFinite(n, 100, 0.04), Number.POSITIVE_INFINITY, `n=${n}`);
  assert.ok(Math.abs(scratchRiskFinite(99, 100, 0) - 0.01) < 1e-12);
  assert.ok(Number.isFinite(scratchRiskFinite(98, 100, 0.04)));
  assert.ok(Number.isFinite(scratchRiskFinite(102, 100, 0.04)));
  // The spike is approached continuously from both sides.
  assert.ok(scratchRiskAsymptotic(0.999, 0.04) > 30 && scratchRiskAsymptotic(1.001, 0.04) > 30);
});

test('T_ft is exactly 0 for γ ≥ 1 (all variants)', () => {
  for (const gamma of [1, 1.03, 2, 10]) {
    for (const cos of [-1, -0.3, 0, 0.7, 1]) {
      assert.ok(Object.is(fineTuningGainPaper(gamma, cos), 0));
      assert.ok(Object.is(fineTuningGain(gamma, cos, 0.25), 0));
    }
  }
  for (const n of [100, 101, 150]) assert.ok(Object.is(fineTuningGainFinite(n, 100, 0.5), 0));
  assert.equal(fineTuningRiskFinite(150, 100, 0.3, 0.04), scratchRiskFinite(150, 100, 0.04));
});

test('linear transfer depends on cos²θ only; fine-tuning on the signed cos θ', () => {
  for (const gamma of [0.25, 0.5, 0.9, 1.5]) {
    for (const cos of [0.2, 0.6, 0.95]) {
      assert.equal(linearTransferGainAsymptotic(gamma, cos, 0.04), linearTransferGainAsymptotic(gamma, -cos, 0.04));
      if (gamma < 1) {
        assert.ok(fineTuningGain(gamma, -cos, 0.04) < fineTuningGain(gamma, cos, 0.04));
        assert.ok(fineTuningGain(gamma, -cos, 0.04) < 0, 'a sign-flipped source hurts FT');
      }
    }
  }
  assert.equal(linearTransferRiskFinite(20, 0.6, 0.1), linearTransferRiskFinite(20, -0.6, 0.1));
  assert.equal(ridgeHeadRiskFinite(12, 0.6, 0.1, 0.3), ridgeHeadRiskFinite(12, -0.6, 0.1, 0.3));
});

test('finite probes need n > k + 1 (n > 2 for one feature)', () => {
  assert.equal(linearTransferRiskFinite(2, 0.7, 0.04), Number.POSITIVE_INFINITY);
  assert.ok(Number.isFinite(linearTransferRiskFinite(3, 0.7, 0.04)));
  assert.equal(linearProbeRiskFinite(11, 10, 0.2, 0.04), Number.POSITIVE_INFINITY);
  assert.ok(Math.abs(linearProbeRiskFinite(21, 10, 0.2, 0.04) - (0.2 + 0.24)) < 1e-12);
  assert.equal(linearProbeRiskAsymptotic(1, 0.2, 0.04), Number.POSITIVE_INFINITY);
  assert.ok(Math.abs(linearProbeRiskAsymptotic(0.5, 0.2, 0.04) - 0.44) < 1e-12);
});

test('the negative window of linear transfer agrees with the sign of T_lt', () => {
  for (const noise of [0, 0.01, 0.04, 0.25]) {
    for (const degrees of [10, 30, 45, 60, 75, 90]) {
      const cos = Math.cos((degrees * Math.PI) / 180);
      const window = linearTransferNegativeInterval(cos, noise);
      for (let gamma = 0.02; gamma < 1; gamma += 0.02) {
        const gain = linearTransferGainAsymptotic(gamma, cos, noise);
        const inside = window !== null && gamma > window.low + 1e-9 && gamma < window.high - 1e-9;
        const outside = window === null || gamma < window.low - 1e-9 || gamma > window.high + 1e-9;
        if (inside) assert.ok(gain < 0, `σ²=${noise} θ=${degrees}° γ=${gamma} inside`);
        if (outside) assert.ok(gain >= -1e-12, `σ²=${noise} θ=${degrees}° γ=${gamma} outside, gain ${gain}`);
      }
      const above = linearTransferNegativeAbove(cos, noise);
      if (Number.isFinite(above)) {
        assert.ok(linearTransferGainAsymptotic(above * 1.01 + 0.01, cos, noise) < 0);
        if (above > 1.02) assert.ok(linearTransferGainAsymptotic((1 + above) / 2, cos, noise) > 0);
      }
      // Below θ_min there is no negative window at γ < 1.
      if ((degrees * Math.PI) / 180 < minimumNegativeTransferAngle(noise) - 1e-9) assert.equal(window, null);
    }
  }
  assert.equal(linearTransferNegativeAbove(1, 0.04), Number.POSITIVE_INFINITY);
  assert.equal(minimumNegativeTransferAngle(4), Math.PI / 2);
});

test('tuned ridge never loses to min-norm scratch and has no spike', () => {
  for (const noise of [0.01, 0.04, 0.25, 1]) {
    for (const gamma of [0.2, 0.5, 0.9, 1, 1.1, 2, 5]) {
      const tuned = tunedRidgeScratchRisk(gamma, noise);
      assert.ok(Number.isFinite(tuned));
      assert.ok(tuned <= scratchRiskAsymptotic(gamma, noise) + 1e-12, `σ²=${noise} γ=${gamma}`);
    }
  }
  // Both forms of the Stieltjes root agree where both are stable.
  const direct = (lambda: number, r: number): number =>
    (-(1 - r + lambda) + Math.sqrt((1 - r + lambda) ** 2 + 4 * r * lambda)) / (2 * r * lambda);
  for (const [lambda, r] of [[0.1, 0.5], [0.5, 2], [0.04, 1], [1, 0.9]] as const) {
    assert.ok(Math.abs(marchenkoPasturStieltjes(lambda, r) - direct(lambda, r)) < 1e-12);
  }
});

test('finite-n ridge head tends to the asymptotic form as n grows', () => {
  for (const lambda of [0.1, 0.5]) {
    const large = ridgeHeadRiskFinite(4000, Math.cos(Math.PI / 4), 0.04, lambda);
    assert.ok(Math.abs(large - ridgeHeadRiskAsymptotic(Math.cos(Math.PI / 4), lambda)) < 2e-3, `λ=${lambda}: ${large}`);
  }
});

test('invalid arguments throw RangeErrors that name the argument', () => {
  assert.throws(() => scratchRiskAsymptotic(0, 0.1), /gamma/);
  assert.throws(() => scratchRiskAsymptotic(0.5, -1), /noiseVariance/);
  assert.throws(() => fineTuningGain(0.5, 1.5, 0), /cosTheta/);
  assert.throws(() => scratchRiskFinite(10.5, 20, 0), /nSamples/);
  assert.throws(() => linearProbeRiskFinite(10, 2, 1.5, 0), /residualShare/);
  assert.throws(() => phaseDiagram({ overlaps: [0.5, 2], gammas: [0.5], noiseVariance: 0 }), /overlaps\[1\]/);
});

test('phaseDiagram: shape, values and signs follow the closed forms', () => {
  const overlaps = linearGrid(0, 1, 11);
  const gammas = [0.1, 0.5, 0.9, 1, 1.5, 3];
  const diagram = phaseDiagram({ overlaps, gammas, noiseVariance: 0.04 });
  assert.equal(diagram.linearTransferSign.length, gammas.length);
  assert.equal(diagram.fineTuningSign[0]!.length, overlaps.length);
  gammas.forEach((gamma, i) => {
    overlaps.forEach((overlap, j) => {
      const cos = Math.sqrt(overlap);
      assert.equal(diagram.linearTransferGain[i]![j], linearTransferGainAsymptotic(gamma, cos, 0.04));
      assert.equal(diagram.fineTuningGain[i]![j], fineTuningGain(gamma, cos, 0.04));
      const ft = diagram.fineTuningSign[i]![j];
      if (gamma >= 1) assert.equal(ft, 0);
      else assert.equal(ft, Math.sign(fineTuningGain(gamma, cos, 0.04)));
    });
  });
  // At the spike linear transfer wins at every overlap.
  assert.ok(diagram.linearTransferSign[3]!.every((s) => s === 1));
  // A flipped source turns every under-parameterised FT cell with overlap > 0 negative.
  const flipped = phaseDiagram({ overlaps, gammas: [0.5], noiseVariance: 0.04, cosineSign: -1 });
  assert.ok(flipped.fineTuningSign[0]!.every((s) => s === -1));
});

/** Unit tests of the report's linear-theory phase helper against paper-test-vectors.md (sign boundaries of T_lt). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linearTransferGain, negativeIntervalBelowOne, negativeRegions, negativeThresholdAboveOne, scratchRisk } from '../../../src/core/report/phase';

const overlapAt = (degrees: number): number => Math.cos((degrees * Math.PI) / 180) ** 2;
const close = (actual: number, expected: number, tolerance = 1e-4): void => assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} vs ${expected}`);

test('T_lt matches the deterministic vectors', () => {
  // (γ, θ, σ) → T_lt from the table in paper-test-vectors.md.
  const vectors: [number, number, number, number][] = [
    [0.1, 45, 0, 0.4], [0.5, 22.5, 0, 0.3536], [0.5, 90, 0, -0.5], [0.9, 45, 0, -0.4], [1.5, 22.5, 0, -0.1464],
    [0.25, 45, 0.2, 0.2633], [0.5, 60, 0.2, -0.21], [0.97, 90, 0.2, 0.3233], [1.1, 45, 0.2, -0.1], [2, 22.5, 0.2, -0.1064], [0.75, 45, 1, 2.75],
  ];
  for (const [gamma, theta, sigma, expected] of vectors) close(linearTransferGain(overlapAt(theta), gamma, sigma * sigma), expected);
  assert.equal(scratchRisk(1, 0.04), Infinity);
});

test('negative-transfer intervals match the sign-boundary table', () => {
  const interval = negativeIntervalBelowOne(overlapAt(45), 0.01)!;
  close(interval[0], 0.5104);
  close(interval[1], 0.9796);
  close(negativeThresholdAboveOne(overlapAt(45), 0.01), 1.02);
  const wide = negativeIntervalBelowOne(overlapAt(75), 0.25)!;
  close(wide[0], 0.0925);
  close(wide[1], 0.7245);
  close(negativeThresholdAboveOne(overlapAt(20), 0.04), 1.3419);
  assert.equal(negativeIntervalBelowOne(overlapAt(30), 0.04), null);
  assert.equal(negativeIntervalBelowOne(overlapAt(60), 0.25), null);
});

test('region polygons agree with the sign of T_lt at sampled points', () => {
  const noise = 0.04;
  const polygons = negativeRegions(noise, 3, 201);
  const inside = (x: number, y: number): boolean =>
    polygons.some((polygon) => {
      let hit = false;
      for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
        const [xi, yi] = polygon[i]!;
        const [xj, yj] = polygon[j]!;
        if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
      }
      return hit;
    });
  let checked = 0;
  for (let overlap = 0.03; overlap < 1; overlap += 0.0917) {
    for (let gamma = 0.05; gamma < 3; gamma += 0.137) {
      const gain = linearTransferGain(overlap, gamma, noise);
      if (Math.abs(gain) < 0.03) continue; // boundary cells are approximated by straight segments
      assert.equal(inside(overlap, gamma), gain < 0, `overlap ${overlap.toFixed(3)}, γ ${gamma.toFixed(3)}`);
      checked++;
    }
  }
  assert.ok(checked > 150);
});

/**
 * The linear theory's phase diagram for linear transfer (a frozen-feature probe) against
 * min-norm scratch regression, in the asymptotic limit (method.md §5):
 *
 *   R_sc(γ) = (1−γ) + σ²γ/(1−γ) for γ < 1,  σ²/(γ−1) for γ > 1,  ∞ at γ = 1
 *   R_lt    = sin²θ = 1 − overlap           (n → ∞ for the probe)
 *   T_lt    = R_sc − R_lt                   (> 0: transfer helps)
 *
 * with overlap = cos²θ, γ = n/d and σ² the relative noise. Closed-form boundaries:
 * negative for γ < 1 iff γ ∈ (γ−, γ+) with γ± = ½[(1+cos²θ−σ²) ± √((1+cos²θ−σ²)² − 4cos²θ)],
 * negative for γ > 1 iff γ > 1 + σ²/sin²θ.
 *
 * The formulas themselves live in src/core/theory (tested there against the paper's vectors);
 * this file adapts them to the report's coordinates (overlap = cos²θ, aligned source) and traces
 * the negative regions as polygons for the SVG.
 */
import type { PhasePolygon } from './model';
import { linearTransferNegativeAbove, linearTransferNegativeInterval, scratchRiskAsymptotic } from '../theory/index';

const cosineOf = (overlap: number): number => Math.sqrt(Math.min(1, Math.max(0, overlap)));

/** Asymptotic min-norm scratch risk R_sc(γ) with relative noise σ² (1 at γ = 0: the zero predictor). */
export function scratchRisk(gamma: number, noise: number): number {
  return gamma <= 0 ? 1 : scratchRiskAsymptotic(gamma, noise);
}

/** Asymptotic gain of linear transfer over min-norm scratch, T_lt = R_sc − (1 − overlap). */
export function linearTransferGain(overlap: number, gamma: number, noise: number): number {
  return scratchRisk(gamma, noise) - (1 - Math.min(1, Math.max(0, overlap)));
}

/** The γ < 1 interval where linear transfer loses, or null when there is none. */
export function negativeIntervalBelowOne(overlap: number, noise: number): readonly [number, number] | null {
  const interval = linearTransferNegativeInterval(cosineOf(overlap), noise);
  return interval === null ? null : [interval.low, interval.high];
}

/** The γ > 1 threshold above which linear transfer loses (∞ when overlap = 1). */
export function negativeThresholdAboveOne(overlap: number, noise: number): number {
  return linearTransferNegativeAbove(cosineOf(overlap), noise);
}

/**
 * Polygons (overlap, γ) of the negative-transfer regions, sampled on `columns` overlap values and
 * clipped to γ ≤ gammaMax. Regions are traced column by column, so a region that pinches off
 * (the γ < 1 lens closes where the discriminant turns negative) starts a new polygon.
 */
export function negativeRegions(noise: number, gammaMax: number, columns = 101): PhasePolygon[] {
  const overlaps = Array.from({ length: columns }, (_, i) => i / (columns - 1));
  const polygons: PhasePolygon[] = [];
  const trace = (interval: (overlap: number) => readonly [number, number] | null): void => {
    let lower: [number, number][] = [];
    let upper: [number, number][] = [];
    const flush = (): void => {
      if (lower.length >= 2) polygons.push([...lower, ...upper.reverse()]);
      lower = [];
      upper = [];
    };
    for (const overlap of overlaps) {
      const span = interval(overlap);
      if (span === null) {
        flush();
        continue;
      }
      lower.push([overlap, span[0]]);
      upper.push([overlap, span[1]]);
    }
    flush();
  };
  trace((overlap) => {
    const span = negativeIntervalBelowOne(overlap, noise);
    return span === null ? null : [span[0], Math.min(span[1], gammaMax)];
  });
  trace((overlap) => {
    const threshold = negativeThresholdAboveOne(overlap, noise);
    return threshold >= gammaMax ? null : [threshold, gammaMax];
  });
  return polygons;
}

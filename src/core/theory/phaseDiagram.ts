/**
 * The phase diagram of the report: on a grid of feature-space overlap (cos²θ) and sample ratio
 * γ = n/d, the sign of the asymptotic linear-transfer gain T_lt and of the noise-corrected
 * fine-tuning gain T_ft at a given noise level. The report draws the user's estimated position
 * (overlap, γ) on top of it.
 *
 * The overlap fixes only |cos θ|. FT depends on the signed cosine, so the diagram assumes an
 * aligned source (cos θ = +sqrt(overlap)) unless `cosineSign: -1` is asked for.
 */
import { linearTransferGainAsymptotic } from './linearTransfer';
import { fineTuningGain } from './fineTuning';
import { requireNonNegative, requirePositive, requireUnitInterval } from './validate';

export type GainSign = -1 | 0 | 1;

export interface PhaseDiagramOptions {
  /** Overlap values cos²θ in [0, 1] (columns). */
  readonly overlaps: readonly number[];
  /** Sample ratios γ = n/d > 0 (rows). γ = 1 with noise gives T_lt = +∞ (sign +1). */
  readonly gammas: readonly number[];
  /** Label-noise variance σ² relative to the signal energy ‖β_t‖² = 1. */
  readonly noiseVariance: number;
  /** Sign of cos θ assumed for fine-tuning (default +1: aligned source). */
  readonly cosineSign?: 1 | -1;
  /** |T| below this counts as 0 (a boundary cell). Default 1e-9. */
  readonly tolerance?: number;
}

export interface PhaseDiagram {
  readonly overlaps: readonly number[];
  readonly gammas: readonly number[];
  readonly noiseVariance: number;
  /** linearTransferGain[i][j] at gammas[i], overlaps[j]. */
  readonly linearTransferGain: readonly (readonly number[])[];
  readonly fineTuningGain: readonly (readonly number[])[];
  readonly linearTransferSign: readonly (readonly GainSign[])[];
  readonly fineTuningSign: readonly (readonly GainSign[])[];
}

/** Evenly spaced grid helper: `count` values from `first` to `last` inclusive. */
export function linearGrid(first: number, last: number, count: number): number[] {
  if (!(Number.isInteger(count) && count >= 2)) throw new RangeError(`count must be an integer ≥ 2, got ${count}`);
  return Array.from({ length: count }, (_, i) => first + ((last - first) * i) / (count - 1));
}

export function phaseDiagram(options: PhaseDiagramOptions): PhaseDiagram {
  requireNonNegative(options.noiseVariance, 'noiseVariance');
  options.overlaps.forEach((o, j) => requireUnitInterval(o, `overlaps[${j}]`));
  options.gammas.forEach((g, i) => requirePositive(g, `gammas[${i}]`));
  const tolerance = options.tolerance ?? 1e-9;
  const cosineSign = options.cosineSign ?? 1;
  const sign = (value: number): GainSign => (Math.abs(value) <= tolerance ? 0 : value > 0 ? 1 : -1);
  const linearTransfer: number[][] = [];
  const fineTuning: number[][] = [];
  for (const gamma of options.gammas) {
    const ltRow: number[] = [];
    const ftRow: number[] = [];
    for (const overlap of options.overlaps) {
      const cosTheta = cosineSign * Math.sqrt(Math.min(1, Math.max(0, overlap)));
      ltRow.push(linearTransferGainAsymptotic(gamma, cosTheta, options.noiseVariance));
      ftRow.push(fineTuningGain(gamma, cosTheta, options.noiseVariance));
    }
    linearTransfer.push(ltRow);
    fineTuning.push(ftRow);
  }
  return {
    overlaps: [...options.overlaps],
    gammas: [...options.gammas],
    noiseVariance: options.noiseVariance,
    linearTransferGain: linearTransfer,
    fineTuningGain: fineTuning,
    linearTransferSign: linearTransfer.map((row) => row.map(sign)),
    fineTuningSign: fineTuning.map((row) => row.map(sign)),
  };
}

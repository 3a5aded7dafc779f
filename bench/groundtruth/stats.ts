/**
 * Small statistics for the benchmark: mean / standard error, Student-t quantiles, and the rule
 * that turns R measured gains into a ground-truth sign.
 */

export function meanAndStandardError(values: readonly number[]): { mean: number; se: number; sd: number } {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, se: Math.sqrt(variance / n), sd: Math.sqrt(variance) };
}

/** Two-sided 97.5% quantile of Student's t with `dof` degrees of freedom (table + normal tail). */
export function tQuantile975(dof: number): number {
  const table: Record<number, number> = {
    1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
    11: 2.201, 12: 2.179, 13: 2.16, 14: 2.145, 15: 2.131, 16: 2.12, 17: 2.11, 18: 2.101, 19: 2.093, 20: 2.086,
    24: 2.064, 29: 2.045, 30: 2.042, 39: 2.023, 40: 2.021, 49: 2.01, 60: 2.0, 99: 1.984, 120: 1.98,
  };
  if (table[dof] !== undefined) return table[dof]!;
  const keys = Object.keys(table).map(Number).sort((a, b) => a - b);
  const upper = keys.find((k) => k > dof);
  if (upper === undefined) return 1.96;
  const lower = [...keys].reverse().find((k) => k < dof)!;
  // Interpolate linearly in 1/dof, where the quantile is nearly linear.
  const w = (1 / dof - 1 / upper) / (1 / lower - 1 / upper);
  return table[upper]! + w * (table[lower]! - table[upper]!);
}

export type TrueSign = 'positive' | 'negative' | 'within-noise';

/**
 * Ground-truth sign of a gain measured on R independent draws of the training set:
 * decisive when the 95% t-interval of the mean gain excludes 0 AND |mean| is at least
 * `minimumEffect` (a practical floor: 2% of Var(y) for regression, 1 point of error rate for
 * classification), otherwise `within-noise`. A gain that is exactly 0 on every draw (full
 * fine-tuning with n ≥ d in the linear model) is within noise.
 */
export function classifyGain(gains: readonly number[], minimumEffect: number): { sign: TrueSign; mean: number; se: number; low: number; high: number } {
  const { mean, se } = meanAndStandardError(gains);
  const halfWidth = tQuantile975(gains.length - 1) * se;
  const low = mean - halfWidth;
  const high = mean + halfWidth;
  const decisive = (low > 0 || high < 0) && Math.abs(mean) >= minimumEffect;
  return { sign: decisive ? (mean > 0 ? 'positive' : 'negative') : 'within-noise', mean, se, low, high };
}

/**
 * Rank correlations used to evaluate scores against fine-tuned accuracy: weighted Kendall τ
 * (Vigna, "A weighted correlation index for rankings with ties", WWW 2015) with scipy's
 * `weightedtau` defaults, plus Kendall τ-b. Direct O(n²) definitions: the inputs are a few dozen
 * checkpoints at most.
 */

function checkPair(x: ArrayLike<number>, y: ArrayLike<number>, what: string): void {
  if (x.length !== y.length) throw new RangeError(`${what}: x has ${x.length} values but y has ${y.length}`);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!) || !Number.isFinite(y[i]!)) throw new RangeError(`${what}: non-finite value at index ${i}`);
  }
}

/**
 * τ with additive hyperbolic weights, elements ranked by decreasing (primary, secondary):
 * pair (i, j) weighs 1/(r_i + 1) + 1/(r_j + 1); ties count as in τ-b.
 */
function weightedTauRanked(primary: ArrayLike<number>, secondary: ArrayLike<number>): number {
  const n = primary.length;
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => primary[b]! - primary[a]! || secondary[b]! - secondary[a]!,
  );
  const weight = new Float64Array(n);
  order.forEach((element, rank) => (weight[element] = 1 / (rank + 1)));
  let total = 0;
  let tiedPrimary = 0;
  let tiedSecondary = 0;
  let signed = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const w = weight[i]! + weight[j]!;
      total += w;
      const a = Math.sign(primary[i]! - primary[j]!);
      const b = Math.sign(secondary[i]! - secondary[j]!);
      if (a === 0) tiedPrimary += w;
      if (b === 0) tiedSecondary += w;
      signed += w * a * b;
    }
  }
  const denominator = Math.sqrt(total - tiedPrimary) * Math.sqrt(total - tiedSecondary);
  return denominator === 0 ? NaN : signed / denominator;
}

/**
 * scipy.stats.weightedtau(x, y) with its defaults (rank=True, weigher 1/(r+1), additive): the
 * mean of the weighted τ ranked by (x, y) and by (y, x). Symmetric in x and y; range [−1, 1];
 * NaN when either input is constant.
 */
export function weightedTau(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkPair(x, y, 'weightedTau');
  return (weightedTauRanked(x, y) + weightedTauRanked(y, x)) / 2;
}

/** Kendall τ-b. */
export function kendallTauB(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkPair(x, y, 'kendallTauB');
  let concordance = 0;
  let pairsX = 0;
  let pairsY = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const a = Math.sign(x[i]! - x[j]!);
      const b = Math.sign(y[i]! - y[j]!);
      concordance += a * b;
      if (a !== 0) pairsX++;
      if (b !== 0) pairsY++;
    }
  }
  return concordance / Math.sqrt(pairsX * pairsY);
}

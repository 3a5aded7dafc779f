/**
 * The naive baselines the benchmark compares the tool against, computed from the case folder
 * alone (so they exist even when the CLI does not output them):
 *  - LogME of the checkpoint's penultimate features minus LogME of the raw inputs (You et al.,
 *    fixed-point algorithm, method.md §4 variant incl. the −(D−k)/2·log α term): "positive" when
 *    the features have the higher evidence. Ignores n and the strategy; always commits.
 *  - A distribution distance between source.csv and the target inputs (unbiased MMD² with a
 *    median-heuristic RBF kernel): "similar" inputs → "positive", else "negative". Always commits.
 */

/** Symmetric eigen-decomposition by cyclic Jacobi (small D only). Returns eigenvalues and column eigenvectors. */
export function symmetricEigen(matrixA: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrixA);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i]!;
  return { values, vectors: v };
}

/**
 * LogME (evidence per sample, averaged over target columns). features: N × D row-major;
 * targets: N × C row-major (regression: C = 1; classification: one-hot).
 */
export function logme(features: Float64Array, rows: number, width: number, targets: Float64Array, columns: number): number {
  // FᵀF = V diag(σ²) Vᵀ; u_i = F v_i / σ_i for the kept directions.
  const gram = new Float64Array(width * width);
  for (let r = 0; r < rows; r++) {
    for (let a = 0; a < width; a++) {
      const fa = features[r * width + a]!;
      if (fa === 0) continue;
      for (let b = 0; b < width; b++) gram[a * width + b] = gram[a * width + b]! + fa * features[r * width + b]!;
    }
  }
  const { values, vectors } = symmetricEigen(gram, width);
  const kept: number[] = [];
  // Relative cut: Jacobi leaves numerical zeros of order 1e-13·max when N < D.
  const largest = Math.max(...values);
  for (let i = 0; i < width; i++) if (values[i]! > 1e-10 * largest && Math.sqrt(values[i]!) > 1e-10) kept.push(i);
  const sigma = kept.map((i) => values[i]!);
  let total = 0;
  for (let c = 0; c < columns; c++) {
    const y = new Float64Array(rows);
    for (let r = 0; r < rows; r++) y[r] = targets[r * columns + c]!;
    // x_i = u_iᵀy = (F v_i)ᵀ y / σ_i
    const x2 = kept.map((i, idx) => {
      let s = 0;
      for (let r = 0; r < rows; r++) {
        let fv = 0;
        for (let j = 0; j < width; j++) fv += features[r * width + j]! * vectors[j * width + i]!;
        s += fv * y[r]!;
      }
      return (s * s) / sigma[idx]!;
    });
    const yy = y.reduce((a, b) => a + b * b, 0);
    const residual = Math.max(0, yy - x2.reduce((a, b) => a + b, 0));
    let alpha = 1;
    let beta = 1;
    let evidence = 0;
    for (let iteration = 0; iteration < 11; iteration++) {
      const t = alpha / beta;
      const gamma = sigma.reduce((a, s) => a + s / (s + t), 0);
      const m2 = sigma.reduce((a, s, i) => a + (s * x2[i]!) / (t + s) ** 2, 0);
      const res2 = sigma.reduce((a, s, i) => a + x2[i]! / (1 + s / t) ** 2, 0) + residual;
      alpha = gamma / (m2 + 1e-5);
      beta = (rows - gamma) / (res2 + 1e-5);
      evidence =
        (width / 2) * Math.log(alpha) +
        (rows / 2) * Math.log(beta) -
        0.5 * sigma.reduce((a, s) => a + Math.log(alpha + beta * s), 0) -
        (beta / 2) * res2 -
        (alpha / 2) * m2 -
        (rows / 2) * Math.log(2 * Math.PI);
      // Directions with σ = 0 still carry the prior's log α term (method.md §4).
      if (kept.length < width) evidence -= ((width - kept.length) / 2) * Math.log(alpha);
      if (Math.abs(alpha / beta - t) / t <= 1e-3) break;
    }
    total += evidence / rows;
  }
  return total / columns;
}

/** Unbiased MMD² between two samples with an RBF kernel of median-heuristic bandwidth (≤ 300 rows each). */
export function mmdSquared(first: Float64Array, firstRows: number, second: Float64Array, secondRows: number, dimension: number): number {
  const take = (m: Float64Array, rows: number): Float64Array[] => {
    const count = Math.min(rows, 300);
    return Array.from({ length: count }, (_, i) => m.subarray(i * dimension, (i + 1) * dimension));
  };
  const a = take(first, firstRows);
  const b = take(second, secondRows);
  const distance = (u: Float64Array, v: Float64Array): number => {
    let s = 0;
    for (let j = 0; j < dimension; j++) s += (u[j]! - v[j]!) ** 2;
    return s;
  };
  const pooled = [...a, ...b];
  const sample: number[] = [];
  for (let i = 0; i < pooled.length; i += 3) for (let j = i + 1; j < pooled.length; j += 7) sample.push(distance(pooled[i]!, pooled[j]!));
  sample.sort((x, y) => x - y);
  const bandwidth = sample[Math.floor(sample.length / 2)]! || 1;
  const kernel = (u: Float64Array, v: Float64Array): number => Math.exp(-distance(u, v) / bandwidth);
  let xx = 0;
  let yy = 0;
  let xy = 0;
  for (let i = 0; i < a.length; i++) for (let j = 0; j < a.length; j++) if (i !== j) xx += kernel(a[i]!, a[j]!);
  for (let i = 0; i < b.length; i++) for (let j = 0; j < b.length; j++) if (i !== j) yy += kernel(b[i]!, b[j]!);
  for (let i = 0; i < a.length; i++) for (let j = 0; j < b.length; j++) xy += kernel(a[i]!, b[j]!);
  return xx / (a.length * (a.length - 1)) + yy / (b.length * (b.length - 1)) - (2 * xy) / (a.length * b.length);
}

/** Pre-registered threshold: MMD² below it reads as "similar inputs" (hence "transfer helps"). */
export const MMD_SIMILAR_THRESHOLD = 0.05;

/**
 * The linear teacher–student task the analysis tests share: x ~ N(0, I_d), y = β_tᵀx + ε. The
 * "checkpoint" features are Φ = X·B with B (d×k) the first k coordinate axes; the target lies
 * inside their span (overlap 1) or orthogonal to it (overlap 0). `featureMap` is B, for the
 * closed-form (linear checkpoint) path.
 */
import { matrix } from '../../../src/core/linalg/matrix';
import { makeRng, gaussian } from '../../../src/core/analysis/random';

export function task(opts: { n: number; d: number; k: number; inside: boolean; noise: number; seed: number }) {
  const rng = makeRng(opts.seed);
  const { n, d, k } = opts;
  const x = matrix(n, d);
  for (let i = 0; i < x.data.length; i++) x.data[i] = gaussian(rng);
  // B = first k coordinate axes; β_t on axis 0 (inside) or on axis k (outside), plus spread.
  const beta = new Float64Array(d);
  if (opts.inside) for (let j = 0; j < k; j++) beta[j] = 1 / Math.sqrt(k);
  else for (let j = k; j < d; j++) beta[j] = 1 / Math.sqrt(d - k);
  const phi = matrix(n, k);
  const y = matrix(n, 1);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x.data[i * d + j]! * beta[j]!;
    y.data[i] = s + opts.noise * gaussian(rng);
    for (let j = 0; j < k; j++) phi.data[i * k + j] = x.data[i * d + j]!;
  }
  const featureMap = matrix(d, k);
  for (let j = 0; j < k; j++) featureMap.data[j * k + j] = 1;
  return { x, phi, y, featureMap };
}

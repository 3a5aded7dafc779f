/**
 * Deterministic analysis steps stored through the same injected store as the arms' fits
 * (AnalysisInput.learnerCache, issue #15 cached re-analysis). The PCA of a 2,000 × 768 feature
 * matrix (covariance + symmetric eigen-solver in plain TypeScript) costs seconds; a re-analysis of
 * the same features reads it back instead. Keyed by the exact bits of the features and the
 * component cap, so a hit is the very result `pca` gives.
 */
import { matrix, type Matrix } from '../linalg/matrix';
import { hashMatrix } from './contentHash';
import type { LearnerCache } from './learners';
import { pca, type Pca } from './overlap';

const PCA_VERSION = 'pca-v1';

/** `pca(x, maxComponents)`, read from / written to `cache` when one is given. */
export async function cachedPca(x: Matrix, maxComponents: number, cache: LearnerCache | undefined): Promise<Pca> {
  if (!cache) return pca(x, maxComponents);
  const key = `${PCA_VERSION}|max=${maxComponents}|x:${hashMatrix(x)}`;
  const [scores, components, vectors] = await Promise.all([cache.get(`${key}|scores`), cache.get(`${key}|components`), cache.get(`${key}|means+variances`)]);
  const p = x.cols;
  if (scores && components && vectors && scores.predictions.rows === x.rows && components.predictions.rows === p && components.predictions.cols === scores.predictions.cols && vectors.predictions.rows === 1 && vectors.predictions.cols >= p) {
    const data = vectors.predictions.data;
    return { means: data.slice(0, p), variances: data.slice(p), scores: scores.predictions, components: components.predictions };
  }
  const result = pca(x, maxComponents);
  const packed = matrix(1, p + result.variances.length);
  packed.data.set(result.means, 0);
  packed.data.set(result.variances, p);
  await cache.set(`${key}|scores`, { predictions: result.scores });
  await cache.set(`${key}|components`, { predictions: result.components });
  await cache.set(`${key}|means+variances`, { predictions: packed });
  return result;
}

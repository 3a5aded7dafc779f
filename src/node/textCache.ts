/**
 * Cached steps of the text branch (issue #15, cached re-analysis under 5 s), stored in the fit
 * cache (src/node/cache/fitCache.ts) next to the feature cache:
 *
 *  - the TF-IDF view: the hashed dense inputs (rows × HASHED_DIMS) and the term count, keyed by the
 *    texts and the vectoriser version; the sparse matrix itself is rebuilt only when a TF-IDF fit is
 *    not in the cache (tfidfLearner takes it as a thunk);
 *  - the classic scores (LogME & co. on the features, LogME of the hashed inputs), keyed by the
 *    exact features, inputs, labels and score list.
 *
 * Every key is a content identity, so a hit is the very value the first run computed (bit for bit).
 */
import { createHash } from 'node:crypto';
import type { Matrix } from '../core/linalg/matrix';
import { hashedDense, tfidfMatrix, type SparseRows } from '../core/analysis/tfidf';
import type { TextSample } from '../core/formats/textTable';
import type { FitCache } from './cache/fitCache';

/** Bump when tfidf.ts's vectoriser (tokens, n-grams, weighting, vocabulary rule, hashing) changes. */
export const TFIDF_VECTORISER_VERSION = 'tfidf-vectoriser-v1';
const SCORES_VERSION = 'text-scores-v1';

const textsMemo = new WeakMap<TextSample, string>();

/** SHA-256 of a sample's texts and pair texts, in order (memoised per sample object). */
export function textsIdentity(sample: TextSample): string {
  let id = textsMemo.get(sample);
  if (id === undefined) {
    const h = createHash('sha256');
    sample.texts.forEach((t, i) => h.update(`${t}\u0000${sample.pairs?.[i] ?? ''}\u0001`));
    id = h.digest('hex');
    textsMemo.set(sample, id);
  }
  return id;
}

function hashBytes(h: ReturnType<typeof createHash>, values: Float64Array | Int32Array | Float32Array): void {
  h.update(`${values.constructor.name}:${values.length}\n`);
  h.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}

export interface TextTfidf {
  /** The sparse TF-IDF matrix, built on first call (then kept). */
  readonly matrix: () => SparseRows;
  /** Signed-hashed dense view (rows × dims). */
  readonly inputs: Matrix;
  /** Terms in the vocabulary. */
  readonly cols: number;
  /** Content identity of the matrix (texts + vectoriser version), for the TF-IDF arm's cache key. */
  readonly identity: string;
  readonly cached: boolean;
}

/** The TF-IDF view of a sample, from the fit cache when it has it. */
export async function textTfidf(sample: TextSample, dims: number, fits: FitCache | undefined): Promise<TextTfidf> {
  const identity = `${TFIDF_VECTORISER_VERSION}|texts:${textsIdentity(sample)}|pairs:${sample.pairs ? 1 : 0}`;
  let built: (SparseRows & { readonly vocabulary: readonly string[] }) | undefined;
  const matrix = () => (built ??= tfidfMatrix(sample.texts, sample.pairs));
  const key = `tfidf-inputs|${identity}|dims:${dims}`;
  const hit = await fits?.get(key);
  const cols = (hit?.meta as { cols?: unknown } | undefined)?.cols;
  if (hit && typeof cols === 'number' && hit.predictions.rows === sample.texts.length && hit.predictions.cols === dims) {
    return { matrix, inputs: hit.predictions, cols, identity, cached: true };
  }
  const x = matrix();
  const inputs = hashedDense(x, dims);
  await fits?.set(key, { predictions: inputs, meta: { cols: x.cols } });
  return { matrix, inputs, cols: x.cols, identity, cached: false };
}

export interface TextScores {
  readonly scores?: Record<string, number>;
  readonly logmeVsRaw?: number;
}

/**
 * The classic scores, from the fit cache when it has them for exactly these features, inputs,
 * labels and score keys; otherwise `compute()` (whose errors propagate and are not cached).
 */
export async function cachedScores(
  fits: FitCache | undefined,
  what: { readonly features: Matrix; readonly inputs: Matrix; readonly labels: Float64Array | Int32Array; readonly task: string; readonly keys: readonly string[] },
  compute: () => TextScores,
): Promise<TextScores & { readonly cached: boolean }> {
  if (!fits) return { ...compute(), cached: false };
  const h = createHash('sha256');
  h.update(`${SCORES_VERSION}\n${what.task}\n${what.keys.join(',')}\n${what.features.rows}x${what.features.cols}\n${what.inputs.rows}x${what.inputs.cols}\n`);
  hashBytes(h, what.features.data);
  hashBytes(h, what.inputs.data);
  hashBytes(h, what.labels);
  const key = `scores|${h.digest('hex')}`;
  const hit = await fits.get(key);
  const meta = hit?.meta as { scores?: Record<string, number>; logmeVsRaw?: number } | undefined;
  if (hit && meta && typeof meta === 'object') return { ...(meta.scores ? { scores: meta.scores } : {}), ...(typeof meta.logmeVsRaw === 'number' ? { logmeVsRaw: meta.logmeVsRaw } : {}), cached: true };
  const result = compute();
  // Scores are finite numbers (computeScores drops the others), so JSON keeps them exactly.
  await fits.set(key, { predictions: { rows: 0, cols: 0, data: new Float64Array(0) }, meta: { ...(result.scores ? { scores: result.scores } : {}), ...(result.logmeVsRaw !== undefined ? { logmeVsRaw: result.logmeVsRaw } : {}) } });
  return { ...result, cached: false };
}

/**
 * Feature extraction over an image folder: batches from `readImageFolder` → the checkpoint's
 * `features(...)` → one feature Matrix whose rows line up with `labels` and `files`.
 *
 * Reports progress (images/s and ETA) through the ProgressEvent contract, honours cancellation
 * between batches, and uses the feature cache (src/node/cache) when one is given: a hit skips
 * decoding and the forward pass, and re-reports the per-file problems of the original run.
 *
 * The checkpoint is typed structurally (`ImageFeatureSource`) so this file does not depend on
 * the checkpoint reader's internals: anything with `features(tensor, {layer, batchSize})`
 * (src/node/readers/checkpoint.ts's loaded checkpoint, or a test model) works.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Matrix } from '../../../core/linalg/matrix';
import { CancelledError, type ProgressEvent } from '../../../core/model/progress';
import { FeatureCache, featureCacheKey, hashFiles } from '../../cache/featureCache';
import type { ImageFolderResult, ImageProblem } from './folder';

/** What extraction needs from a checkpoint. */
export interface ImageFeatureSource {
  features(inputs: tf.Tensor, options?: { layer?: string; batchSize?: number }): Matrix | Promise<Matrix>;
}

export interface ImageFeatureOptions {
  /** Images per forward pass; default 16. */
  readonly batchSize?: number;
  /** Layer name; default: the checkpoint's default (penultimate, global-pooled). */
  readonly layer?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: ProgressEvent) => void;
  /** Feature cache and the checkpoint files whose bytes key it. */
  readonly cache?: { readonly cache: FeatureCache; readonly checkpointFiles: readonly string[]; readonly extra?: unknown };
  /** Clock for images/s (injectable for tests); default performance.now. */
  readonly now?: () => number;
}

export interface ImageFeatures {
  readonly features: Matrix;
  /** Aligned with the rows of `features`: files that failed to decode are not in here. */
  readonly labels: Int32Array;
  readonly files: readonly string[];
  readonly classNames: readonly string[];
  /** All per-file problems (scan + decode). */
  readonly problems: readonly ImageProblem[];
  readonly fromCache: boolean;
  readonly cacheKey?: string;
  /** Wall time of this call and the throughput of the extraction (of the original run on a hit). */
  readonly seconds: number;
  readonly imagesPerSecond: number;
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/** Extracts features for every decodable image of the folder sample. */
export async function extractImageFeatures(
  checkpoint: ImageFeatureSource,
  folder: ImageFolderResult,
  options: ImageFeatureOptions = {},
): Promise<ImageFeatures> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 16));
  const layer = options.layer ?? '';
  const { signal, onProgress } = options;
  if (signal?.aborted) throw new CancelledError();

  let cacheKey: string | undefined;
  if (options.cache) {
    const checkpointHash = await hashFiles(options.cache.checkpointFiles);
    cacheKey = featureCacheKey({
      checkpointHash,
      files: folder.entries,
      preprocessing: folder.preprocessing,
      layer,
      extra: options.cache.extra,
    });
    const hit = await options.cache.cache.get(cacheKey);
    if (hit && hit.labels && hit.files) {
      for (const problem of hit.problems ?? []) {
        if (!folder.problems.some((p) => p.file === problem.file && p.message === problem.message)) folder.problems.push(problem);
      }
      const seconds = (now() - started) / 1000;
      onProgress?.({ step: 'features', message: `features from cache (${hit.features.rows} images × ${hit.features.cols})`, fraction: 1 });
      const original = hit.meta?.imagesPerSecond;
      return {
        features: hit.features,
        labels: hit.labels,
        files: hit.files,
        classNames: folder.classNames,
        problems: folder.problems,
        fromCache: true,
        cacheKey,
        seconds,
        imagesPerSecond: typeof original === 'number' ? original : 0,
      };
    }
  }

  const parts: Matrix[] = [];
  const labels: number[] = [];
  const files: string[] = [];
  let done = 0;
  let attempted = 0;
  const total = folder.used;
  const sampled = new Set(folder.files);
  for await (const batch of folder.batches(batchSize)) {
    let features: Matrix;
    try {
      if (signal?.aborted) throw new CancelledError();
      features = await checkpoint.features(batch.images, { layer: options.layer, batchSize });
    } finally {
      batch.images.dispose();
    }
    if (features.rows !== batch.files.length) {
      throw new Error(`checkpoint.features returned ${features.rows} rows for a batch of ${batch.files.length} images`);
    }
    parts.push(features);
    labels.push(...batch.labels);
    files.push(...batch.files);
    done += batch.files.length;
    // Files skipped by the decoder also count as progress.
    attempted = Math.min(total, done + folder.problems.filter((p) => sampled.has(p.file)).length);
    const elapsed = (now() - started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const eta = rate > 0 ? (total - attempted) / rate : Number.POSITIVE_INFINITY;
    onProgress?.({
      step: 'features',
      message: `extracting image features (${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} images, ${rate.toFixed(1)} images/s, ETA ${formatSeconds(eta)})`,
      fraction: total ? attempted / total : 1,
    });
  }
  if (signal?.aborted) throw new CancelledError();

  const cols = parts.length ? parts[0]!.cols : 0;
  const data = new Float64Array(done * cols);
  let offset = 0;
  for (const part of parts) {
    if (part.cols !== cols) throw new Error(`checkpoint.features returned ${part.cols} columns after ${cols}`);
    data.set(part.data, offset);
    offset += part.data.length;
  }
  const features: Matrix = { rows: done, cols, data };
  const seconds = (now() - started) / 1000;
  const imagesPerSecond = seconds > 0 ? done / seconds : 0;
  const labelArray = Int32Array.from(labels);
  if (options.cache && cacheKey && done > 0) {
    await options.cache.cache.set(cacheKey, {
      features,
      labels: labelArray,
      files,
      problems: folder.problems,
      meta: { imagesPerSecond, seconds, backend: tf.getBackend(), layer },
    });
  }
  return {
    features,
    labels: labelArray,
    files,
    classNames: folder.classNames,
    problems: folder.problems,
    fromCache: false,
    cacheKey,
    seconds,
    imagesPerSecond,
  };
}

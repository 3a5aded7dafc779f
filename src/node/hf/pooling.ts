/**
 * Pooling of hidden states into one vector per sample, as `transformers` / sentence-transformers
 * compute it. Call inside tf.tidy.
 *
 * - `cls`: hidden[:, 0]
 * - `mean`: Σ_t mask·h / Σ_t mask (sentence-transformers' mean pooling; the mask is clamped to ≥ 1e-9)
 * - `last`: the last non-padding token of each row (right or left padding both handled: the
 *   highest position whose mask is 1)
 * - `gap`: NHWC feature maps averaged over H and W
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Pooling } from './types';

export function poolCls(hidden: tf.Tensor): tf.Tensor2D {
  const [b, , h] = hidden.shape as [number, number, number];
  return tf.reshape(tf.slice(hidden, [0, 0, 0], [b, 1, h]), [b, h]) as tf.Tensor2D;
}

export function poolMean(hidden: tf.Tensor, attentionMask?: tf.Tensor2D): tf.Tensor2D {
  if (!attentionMask) return tf.mean(hidden, 1) as tf.Tensor2D;
  const mask = tf.expandDims(tf.cast(attentionMask, 'float32'), 2);
  const summed = tf.sum(tf.mul(hidden, mask), 1);
  const counts = tf.maximum(tf.sum(mask, 1), 1e-9);
  return tf.div(summed, counts) as tf.Tensor2D;
}

export function poolLast(hidden: tf.Tensor, attentionMask?: tf.Tensor2D): tf.Tensor2D {
  const [b, t, h] = hidden.shape as [number, number, number];
  if (!attentionMask) return tf.reshape(tf.slice(hidden, [0, t - 1, 0], [b, 1, h]), [b, h]) as tf.Tensor2D;
  // Highest index with mask 1: argmax over (mask · (position + 1)).
  const positions = tf.expandDims(tf.range(1, t + 1, 1, 'int32'), 0);
  const index = tf.argMax(tf.mul(tf.cast(attentionMask, 'int32'), positions), 1);
  const oneHot = tf.expandDims(tf.oneHot(index, t), 2);
  return tf.sum(tf.mul(hidden, tf.cast(oneHot, 'float32')), 1) as tf.Tensor2D;
}

export function poolGap(hidden: tf.Tensor): tf.Tensor2D {
  return tf.mean(hidden, [1, 2]) as tf.Tensor2D;
}

/** Applies `pooling` to a hidden state; `pooler` must be handled by the caller (model output). */
export function pool(pooling: Exclude<Pooling, 'pooler'>, hidden: tf.Tensor, attentionMask?: tf.Tensor2D): tf.Tensor2D {
  switch (pooling) {
    case 'cls': return poolCls(hidden);
    case 'mean': return hidden.rank === 4 ? poolGap(hidden) : poolMean(hidden, attentionMask);
    case 'last': return poolLast(hidden, attentionMask);
    case 'gap': return hidden.rank === 4 ? poolGap(hidden) : poolMean(hidden, attentionMask);
  }
}

/**
 * Building blocks shared by the Hugging Face architectures (text encoders, decoders, vision
 * transformers): loading a Linear / LayerNorm / embedding table through a WeightSource with the
 * shape config.json implies, the BERT-likes' token embeddings (absolute or RoBERTa's
 * padding-offset positions), and the functional forward ops (linear, layer norm, RMS norm,
 * activations by `hidden_act` name, additive attention biases, multi-head attention with
 * grouped-query support). Only tfjs-core functional ops, so they run on WASM and any backend;
 * inference only, call inside tf.tidy.
 *
 * Conventions: a Linear's weight stays in PyTorch's layout [out, in] (checked at load) and is the
 * LEFT operand of a plain product: y = (W · xᵀ)ᵀ + b. Why: on the WASM backend (tfjs 4.22)
 * - matMul with transposeB runs ~9× slower than the plain product (6.1 s vs 0.68 s for
 *   [2048, 768]·[768, 768], measured on a loaded machine), and the fused matMul with transposeB +
 *   bias returns wrong values;
 * - the plain product hands its RIGHT operand to XNNPACK, which packs it and keeps the packed copy
 *   until that tensor is disposed: with the weight on the right, every weight matrix was held twice
 *   for the model's lifetime (measured: RSS +386 MB for 377 MB of weights; BERT-base peaked at 2.2×
 *   its float32 size). With the activation on the right the packed copy is freed with it (RSS +0)
 *   and the two activation transposes cost less than they save (3.9 s vs 5.5 s, same run).
 * Attention masks become an additive bias of MASK_BIAS (a large negative number) on masked keys,
 * as `transformers` adds torch.finfo(dtype).min.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { WeightSource } from '../types';
import { CheckpointError } from '../../../core/formats/errors';

/** Added to attention scores of masked keys (exp underflows to exactly 0 against real scores). */
export const MASK_BIAS = -1e9;

export interface Linear {
  /** [out, in], PyTorch's layout (the left operand of `linear`'s product; see the file comment). */
  readonly weight: tf.Tensor2D;
  readonly bias?: tf.Tensor1D;
}

export interface LayerNorm {
  readonly weight: tf.Tensor1D;
  readonly bias?: tf.Tensor1D;
  readonly eps: number;
}

/**
 * Loads `${prefix}.weight` [outFeatures, inFeatures] and `${prefix}.bias` [outFeatures].
 * `bias`: 'required' (default), 'optional' (used when stored), or 'none'.
 */
export async function loadLinear(
  weights: WeightSource,
  prefix: string,
  inFeatures: number,
  outFeatures: number,
  bias: 'required' | 'optional' | 'none' = 'required',
): Promise<Linear> {
  const weight = (await weights.tensor(`${prefix}.weight`, [outFeatures, inFeatures])) as tf.Tensor2D;
  let b: tf.Tensor1D | undefined;
  if (bias === 'required') b = (await weights.tensor(`${prefix}.bias`, [outFeatures])) as tf.Tensor1D;
  else if (bias === 'optional') b = (await weights.optionalTensor(`${prefix}.bias`, [outFeatures])) as tf.Tensor1D | undefined;
  return { weight, bias: b };
}

/**
 * Loads a LayerNorm `${prefix}.weight`/`.bias`; some checkpoints converted from TF BERT store them
 * as `.gamma`/`.beta` (transformers renames those on load), which are accepted too.
 * `bias`: false for bias-free norms (some decoders).
 */
export async function loadLayerNorm(weights: WeightSource, prefix: string, size: number, eps: number, bias = true): Promise<LayerNorm> {
  const gammaName = !weights.has(`${prefix}.weight`) && weights.has(`${prefix}.gamma`) ? `${prefix}.gamma` : `${prefix}.weight`;
  const betaName = !weights.has(`${prefix}.bias`) && weights.has(`${prefix}.beta`) ? `${prefix}.beta` : `${prefix}.bias`;
  const weight = (await weights.tensor(gammaName, [size])) as tf.Tensor1D;
  const b = bias ? ((await weights.tensor(betaName, [size])) as tf.Tensor1D) : undefined;
  return { weight, bias: b, eps };
}

/** Loads an embedding table `${name}` of shape [rows, width]. */
export async function loadEmbedding(weights: WeightSource, name: string, rows: number, width: number): Promise<tf.Tensor2D> {
  return (await weights.tensor(name, [rows, width])) as tf.Tensor2D;
}

/** The embeddings of the BERT-likes (bert, roberta / xlm-roberta, electra): word, position and token-type tables and their LayerNorm. */
export interface TokenEmbeddings {
  readonly word: tf.Tensor2D;
  readonly position: tf.Tensor2D;
  readonly tokenType: tf.Tensor2D;
  readonly norm: LayerNorm;
}

/**
 * Loads `embeddings.{word,position,token_type}_embeddings.weight` ([vocab | positions | typeVocab,
 * width], the shapes config.json implies) and `embeddings.LayerNorm`.
 */
export async function loadTokenEmbeddings(
  weights: WeightSource,
  dims: { readonly vocab: number; readonly positions: number; readonly typeVocab: number; readonly width: number; readonly eps: number },
): Promise<TokenEmbeddings> {
  const word = await loadEmbedding(weights, 'embeddings.word_embeddings.weight', dims.vocab, dims.width);
  const position = await loadEmbedding(weights, 'embeddings.position_embeddings.weight', dims.positions, dims.width);
  const tokenType = await loadEmbedding(weights, 'embeddings.token_type_embeddings.weight', dims.typeVocab, dims.width);
  const norm = await loadLayerNorm(weights, 'embeddings.LayerNorm', dims.width, dims.eps);
  return { word, position, tokenType, norm };
}

/** The tensors of loaded embeddings (for parameter counts and disposal). */
export function tokenEmbeddingTensors(e: TokenEmbeddings): tf.Tensor[] {
  return [e.word, e.position, e.tokenType, e.norm.weight, ...(e.norm.bias ? [e.norm.bias] : [])];
}

/**
 * Position ids [B, T] int32 that count only non-padding tokens and start after the padding index
 * (fairseq, RoBERTa): cumsum(ids ≠ pad) · (ids ≠ pad) + pad; padding tokens get the pad index.
 */
export function paddingOffsetPositionIds(inputIds: tf.Tensor2D, paddingIdx: number): tf.Tensor2D {
  const mask = tf.cast(tf.notEqual(tf.cast(inputIds, 'int32'), paddingIdx), 'float32');
  const incremental = tf.mul(tf.cumsum(mask, 1), mask);
  return tf.cast(tf.add(incremental, paddingIdx), 'int32') as tf.Tensor2D;
}

/**
 * LayerNorm(word[ids] + tokenType[typeIds] + position[p]) → [B, T, width]. Positions p are absolute
 * (0…T−1, BERT, ELECTRA) unless `paddingIdx` is given: then RoBERTa's padding-offset ids
 * (paddingOffsetPositionIds). Callers check the ids against the vocabulary first.
 */
export function embedTokens(e: TokenEmbeddings, inputIds: tf.Tensor2D, tokenTypeIds: tf.Tensor2D, options: { readonly paddingIdx?: number } = {}): tf.Tensor {
  const ids = tf.cast(inputIds, 'int32');
  const position = options.paddingIdx === undefined
    ? tf.expandDims(tf.slice(e.position, [0, 0], [inputIds.shape[1], e.position.shape[1]]), 0)
    : tf.gather(e.position, paddingOffsetPositionIds(inputIds, options.paddingIdx));
  const sum = tf.add(tf.add(tf.gather(e.word, ids), tf.gather(e.tokenType, tokenTypeIds)), position);
  return layerNorm(sum, e.norm);
}

/** x [..., in] · W + b → [..., out] (W stored [in, out], see loadLinear). */
export function linear(x: tf.Tensor, layer: Linear): tf.Tensor {
  const shape = x.shape;
  const inFeatures = shape[shape.length - 1];
  const rows = x.size / inFeatures;
  const outFeatures = layer.weight.shape[0];
  return tf.tidy(() => {
    const x2 = tf.reshape(x, [rows, inFeatures]) as tf.Tensor2D;
    // Never transposeB, and never the weight on the right (see the file comment): (W · xᵀ)ᵀ.
    const yT = tf.matMul(layer.weight, tf.transpose(x2));
    const y = layer.bias ? tf.add(tf.transpose(yT), layer.bias) : tf.transpose(yT);
    return tf.reshape(y, [...shape.slice(0, -1), outFeatures]);
  });
}

/** LayerNorm over the last axis: (x − mean) / sqrt(var + eps) · weight + bias (biased variance, as torch). */
export function layerNorm(x: tf.Tensor, norm: LayerNorm): tf.Tensor {
  const axis = x.rank - 1;
  const { mean, variance } = tf.moments(x, axis, true);
  const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, norm.eps)));
  const scaled = tf.mul(normed, norm.weight);
  return norm.bias ? tf.add(scaled, norm.bias) : scaled;
}

/**
 * RMSNorm (Llama / Qwen2 / Mistral): x / sqrt(mean(x²) + eps) · weight. `addOne`: Gemma-style
 * (1 + weight) scaling.
 */
export function rmsNorm(x: tf.Tensor, weight: tf.Tensor1D, eps: number, addOne = false): tf.Tensor {
  const axis = x.rank - 1;
  const ms = tf.mean(tf.square(x), axis, true);
  const normed = tf.mul(x, tf.rsqrt(tf.add(ms, eps)));
  return tf.mul(normed, addOne ? tf.add(weight, 1) : weight);
}

/** gelu with erf (torch.nn.functional.gelu default; transformers' "gelu"). */
export function geluExact(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
}

/**
 * tanh approximation ("gelu_new", "gelu_pytorch_tanh", "gelu_fast" are the same function):
 * 0.5·x·(1 + tanh(u)), u = √(2/π)·(x + 0.044715·x³), computed as x·sigmoid(2u) (the same
 * function: 0.5·(1 + tanh(u)) = sigmoid(2u)). On WASM, tanh and pow are scalar kernels ~10× slower
 * than sigmoid (bench/hf-wasm-kernels.ts: ~2 s vs 0.25 s on [2048, 3072] on a loaded machine).
 */
export function geluTanh(x: tf.Tensor): tf.Tensor {
  const c = 2 * Math.sqrt(2 / Math.PI);
  const twiceInner = tf.mul(x, tf.add(tf.mul(tf.square(x), 0.044715 * c), c));
  return tf.mul(x, tf.sigmoid(twiceInner));
}

/** x · sigmoid(1.702 x) (CLIP's "quick_gelu"). */
export function quickGelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(tf.mul(x, 1.702)));
}

export function silu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(x));
}

export type Activation = (x: tf.Tensor) => tf.Tensor;

/** transformers' ACT2FN names handled here. */
export const ACTIVATIONS: Readonly<Record<string, Activation>> = {
  gelu: geluExact,
  gelu_python: geluExact,
  gelu_new: geluTanh,
  gelu_pytorch_tanh: geluTanh,
  gelu_fast: geluTanh,
  quick_gelu: quickGelu,
  relu: (x) => tf.relu(x),
  relu6: (x) => tf.relu6(x),
  silu,
  swish: silu,
  sigmoid: (x) => tf.sigmoid(x),
  tanh: (x) => tf.tanh(x),
  linear: (x) => x,
};

/**
 * The activation for a config's `hidden_act` (string). Unknown names are a
 * CheckpointError('checkpoint-unsupported') naming the config key and the supported names.
 */
export function activationFor(name: unknown, configKey = 'hidden_act', fallback = 'gelu'): Activation {
  const key = name === undefined || name === null ? fallback : name;
  if (typeof key === 'string' && Object.prototype.hasOwnProperty.call(ACTIVATIONS, key)) return ACTIVATIONS[key];
  throw new CheckpointError(
    'checkpoint-unsupported',
    `config.json: ${configKey} ${JSON.stringify(key)} is not supported; supported: ${Object.keys(ACTIVATIONS).join(', ')}. Export the model to ONNX or give precomputed features (features_file).`,
  );
}

/** [B, T] 0/1 mask → additive bias [B, 1, 1, T]: 0 where attended, MASK_BIAS where padded. */
export function paddingBias(attentionMask: tf.Tensor2D): tf.Tensor4D {
  const [b, t] = attentionMask.shape;
  const m = tf.cast(attentionMask, 'float32');
  return tf.reshape(tf.mul(tf.sub(1, m), MASK_BIAS), [b, 1, 1, t]) as tf.Tensor4D;
}

/** Causal bias [1, 1, T, T]: MASK_BIAS above the diagonal (key position > query position). */
export function causalBias(t: number): tf.Tensor4D {
  const lower = tf.linalg.bandPart(tf.ones([t, t]), -1, 0);
  return tf.reshape(tf.mul(tf.sub(1, lower), MASK_BIAS), [1, 1, t, t]) as tf.Tensor4D;
}

/** [B, T, heads·d] → [B, heads, T, d]. */
export function splitHeads(x: tf.Tensor, heads: number): tf.Tensor4D {
  const [b, t, width] = x.shape as [number, number, number];
  return tf.transpose(tf.reshape(x, [b, t, heads, width / heads]), [0, 2, 1, 3]) as tf.Tensor4D;
}

/** [B, heads, T, d] → [B, T, heads·d]. */
export function mergeHeads(x: tf.Tensor): tf.Tensor3D {
  const [b, heads, t, d] = x.shape as [number, number, number, number];
  return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [b, t, heads * d]) as tf.Tensor3D;
}

/**
 * Scaled dot-product attention on split heads: softmax(q·kᵀ·scale + bias)·v.
 * q [B, H, Tq, d]; k, v [B, Hkv, Tk, d] with H a multiple of Hkv (grouped-query attention: each
 * key/value head serves H/Hkv consecutive query heads, as transformers' repeat_kv);
 * bias broadcastable to [B, H, Tq, Tk] (sum padding and causal biases). scale defaults to 1/√d.
 */
export function attention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, bias?: tf.Tensor, scale?: number): tf.Tensor4D {
  const [b, heads, , d] = q.shape;
  const kvHeads = k.shape[1];
  const tk = k.shape[2];
  const s = scale ?? 1 / Math.sqrt(d);
  let kk: tf.Tensor = k;
  let vv: tf.Tensor = v;
  if (kvHeads !== heads) {
    const rep = heads / kvHeads;
    kk = tf.reshape(tf.tile(tf.expandDims(k, 2), [1, 1, rep, 1, 1]), [b, heads, tk, d]);
    vv = tf.reshape(tf.tile(tf.expandDims(v, 2), [1, 1, rep, 1, 1]), [b, heads, tk, v.shape[3]]);
  }
  // Both products run as depthwise convolutions with one channel per (batch, head) pair, n = B·H:
  // on WASM (tfjs 4.22) a batched (3-D/4-D) matMul takes a scalar fallback, while depthwiseConv2d
  // runs on XNNPACK; bench/hf-wasm-kernels.ts measures 2–3× less time, transposes included.
  // scores[i, n, j] = Σ_c q[n, i, c]·k[n, j, c]: input [1, Tq, d, n] (rows i, width c), filter
  // [1, d, n, Tk] (width c, channel n, multiplier j); 'valid' leaves width 1, and output channel
  // n·Tk + j is (n, j). q is scaled first (one [B,H,Tq,d] multiply instead of one on the scores).
  const tq = q.shape[2];
  const dv = v.shape[3];
  const n = b * heads;
  const x1 = tf.reshape(tf.transpose(tf.mul(q, s), [2, 3, 0, 1]), [1, tq, d, n]) as tf.Tensor4D;
  const f1 = tf.reshape(tf.transpose(kk, [3, 0, 1, 2]), [1, d, n, tk]) as tf.Tensor4D;
  let scores: tf.Tensor = tf.reshape(tf.depthwiseConv2d(x1, f1, 1, 'valid'), [tq, b, heads, tk]);
  if (bias) {
    // bias broadcasts to [B, H, Tq, Tk]; the scores are laid out [Tq, B, H, Tk].
    const b4 = bias.rank === 4 ? bias : tf.reshape(bias, [...new Array<number>(4 - bias.rank).fill(1), ...bias.shape]);
    scores = tf.add(scores, tf.transpose(b4, [2, 0, 1, 3]));
  }
  const probs = tf.softmax(scores, -1); // [Tq, B, H, Tk]
  // out[i, n, c] = Σ_j p[i, n, j]·v[n, j, c]: input [1, Tq, Tk, n], filter [1, Tk, n, dv].
  const x2 = tf.reshape(tf.transpose(probs, [0, 3, 1, 2]), [1, tq, tk, n]) as tf.Tensor4D;
  const f2 = tf.reshape(tf.transpose(vv, [2, 0, 1, 3]), [1, tk, n, dv]) as tf.Tensor4D;
  const out = tf.reshape(tf.depthwiseConv2d(x2, f2, 1, 'valid'), [tq, b, heads, dv]);
  return tf.transpose(out, [1, 2, 0, 3]) as tf.Tensor4D;
}

/** Sum of the element counts of tensors (parameter counts of loaded models). */
export function countParameters(tensors: readonly (tf.Tensor | undefined)[]): number {
  let n = 0;
  for (const t of tensors) if (t) n += t.size;
  return n;
}

/** Reads a positive integer from config.json, or a CheckpointError naming the key. */
export function configInt(config: Readonly<Record<string, unknown>>, key: string, fallback?: number): number {
  const v = config[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new CheckpointError('checkpoint-invalid', `config.json: ${key} must be a non-negative integer, found ${JSON.stringify(config[key])}; fix config.json or re-save the model with transformers.`);
  }
  return v;
}

/** Reads a number from config.json (fallback when absent), or a CheckpointError naming the key. */
export function configNumber(config: Readonly<Record<string, unknown>>, key: string, fallback?: number): number {
  const v = config[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new CheckpointError('checkpoint-invalid', `config.json: ${key} must be a number, found ${JSON.stringify(config[key])}; fix config.json or re-save the model with transformers.`);
  }
  return v;
}

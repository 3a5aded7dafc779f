/**
 * Decoder-only transformers of the Llama family (`llama`; `qwen2` and `mistral` register thin
 * variants of the same core in qwen2.ts / mistral.ts), written on tfjs-core functional ops so they
 * run on WASM and any later backend. Inference only, batched, with attention masks. It follows
 * `transformers` 5.x modeling_llama.py / modeling_qwen2.py / modeling_mistral.py:
 *
 *   h₀ = embed_tokens[input_ids]
 *   per layer: h += o_proj(attn(rope(q_proj(rms(h))), rope(k_proj(rms(h))), v_proj(rms(h))))
 *              h += down_proj(act(gate_proj(rms(h))) · up_proj(rms(h)))          (SwiGLU, act = hidden_act)
 *   last = norm(h)                                                              (RMSNorm, eps = rms_norm_eps)
 *
 * - RMSNorm: x · rsqrt(mean(x²) + eps) · weight.
 * - Attention: head_dim from config.json when given (Mistral/Qwen3-style checkpoints whose
 *   heads·head_dim ≠ hidden_size), else hidden_size / num_attention_heads; scale head_dim^-½;
 *   grouped-query attention with num_key_value_heads: query head h reads key/value head
 *   ⌊h / (heads/kv_heads)⌋, as transformers' repeat_kv (done here by grouping the query heads of one
 *   key/value head into one matrix product, without copying keys and values).
 * - Masks: causal + padding (+ sliding window where it applies) as an additive bias of MASK_BIAS
 *   (−1e9) on disallowed keys. A query row with no allowed key (a padding position under left
 *   padding) gets a zero attention output, as torch's SDPA (transformers' default attention)
 *   returns; eager attention would attend uniformly there. Both agree on every real token, and
 *   padding positions are never pooled.
 * - Position ids: transformers 5 computes `arange(T)` for every row when `position_ids` are not
 *   given (LlamaModel/Qwen2Model/MistralModel.forward: `torch.arange(inputs_embeds.shape[1])`),
 *   whatever the padding — so with LEFT padding the first real token sits at position = number of
 *   pads. `model(**tokenizer(texts, padding=True))`, the usual feature extraction, does exactly
 *   this (only generate() derives positions from the mask). We match it: positions are arange(T).
 *   RoPE scores depend only on position differences, so a text's features do not change with
 *   the pad count (tested).
 * - RoPE (rotate_half convention, cos/sin over [freqs, freqs]): `rope_parameters` (transformers 5)
 *   or `rope_scaling` + `rope_theta` (4.x configs). Types: default, linear (inv_freq / factor),
 *   llama3 (frequency bands by wavelength), yarn (ramped interpolation + attention factor on
 *   cos/sin), dynamic (NTK: base rescaled when the padded length T exceeds
 *   max_position_embeddings, computed per batch — transformers caches the largest length seen, so
 *   after a longer batch it may keep those frequencies; a stateless forward cannot). Anything else
 *   (longrope, per-layer-type parameters, partial_rotary_factor < 1) is a
 *   CheckpointError('checkpoint-unsupported') naming the type.
 * - Sliding window (Mistral `sliding_window`; Qwen2 with `use_sliding_window` on the layers
 *   `layer_types` marks "sliding_attention"): key k is visible to query q iff q − W < k ≤ q
 *   (masking_utils.sliding_window_overlay). It has no effect while T ≤ W.
 * - Hidden states as transformers' output_hidden_states: 0 = embeddings, i = output of layer i,
 *   numLayers = after the final norm (transformers replaces the last layer's raw output by it).
 * - Poolings: 'last' (default — the last non-padding token by the attention mask, what
 *   *ForSequenceClassification reads; transformers finds it from pad_token_id, which equals the
 *   mask unless pad == eos occurs inside a text) and 'mean' (mask-aware).
 *
 * Every tensor is read through the WeightSource with the shape config.json implies, so a config
 * that disagrees with the weights is a CheckpointError naming the tensor. `estimateParameters`
 * counts the checkpoint's parameters from config.json alone (lm_head included unless
 * tie_word_embeddings), for the guard rails before any weight is read; `parameters` of a loaded
 * model counts what was read (no lm_head). `maxLength` is max_position_embeddings (the trained
 * context; RoPE itself has no hard limit).
 *
 * WASM (tfjs-backend-wasm 4.22) notes that shaped this file: a 2-D product with transposeB is ~9×
 * slower than a plain one, and its right operand is packed and kept by XNNPACK (so Linear weights stay [out, in] and multiply from the left: (W·xᵀ)ᵀ), fused
 * matMul with transposeB AND a bias returns wrong values, a last-axis tf.split is a slow strided
 * copy (so q/k/v and gate/up are separate products and rotate_half is a product with a signed
 * permutation), and batched (rank ≥ 3) products run ~5× below 2-D throughput (attention is
 * ~20 % of the time at 128 tokens).
 */
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError } from '../../../core/formats/errors';
import type { ForwardOptions, ForwardOutput, HfArchitecture, HfConfig, HfModel, ModelBatch, Pooling, TextBatch, WeightSource } from '../types';

/** Added to attention scores of disallowed keys (exp underflows to 0 against real scores). */
export const MASK_BIAS = -1e9;

// ───────────────────────────── config.json reading ─────────────────────────────

function describe(value: unknown): string {
  return value === undefined ? 'missing' : JSON.stringify(value);
}

/** A positive integer config key (or the fallback when absent/null); otherwise a CheckpointError. */
export function configInt(config: HfConfig, key: string, modelType: string, fallback?: number): number {
  const v = config[key];
  if ((v === undefined || v === null) && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new CheckpointError('checkpoint-invalid', `config.json (${modelType}): '${key}' must be a positive integer, got ${describe(v)}; fix config.json or re-save the checkpoint with transformers`);
  }
  return v;
}

/** A finite positive number config key (or the fallback). */
export function configFloat(config: HfConfig, key: string, modelType: string, fallback?: number): number {
  const v = config[key];
  if ((v === undefined || v === null) && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new CheckpointError('checkpoint-invalid', `config.json (${modelType}): '${key}' must be a positive number, got ${describe(v)}; fix config.json or re-save the checkpoint with transformers`);
  }
  return v;
}

export function configBool(config: HfConfig, key: string, fallback: boolean): boolean {
  const v = config[key];
  return typeof v === 'boolean' ? v : fallback;
}

// ───────────────────────────── shared functional ops ─────────────────────────────

export type Activation = (x: tf.Tensor) => tf.Tensor;

const geluTanh: Activation = (x) => {
  const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.square(x), x), 0.044715)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
};
const geluErf: Activation = (x) => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
const silu: Activation = (x) => tf.mul(x, tf.sigmoid(x));

/** transformers' ACT2FN names the decoders use. */
const ACTIVATIONS: Readonly<Record<string, Activation>> = {
  silu,
  swish: silu,
  gelu: geluErf,
  gelu_new: geluTanh,
  gelu_pytorch_tanh: geluTanh,
  gelu_fast: geluTanh,
  quick_gelu: (x) => tf.mul(x, tf.sigmoid(tf.mul(x, 1.702))),
  relu: (x) => tf.relu(x),
  tanh: (x) => tf.tanh(x),
};

export function activation(name: unknown, key: string, modelType: string, fallback: string): Activation {
  const n = name === undefined || name === null ? fallback : name;
  if (typeof n === 'string' && Object.prototype.hasOwnProperty.call(ACTIVATIONS, n)) return ACTIVATIONS[n]!;
  throw new CheckpointError('checkpoint-unsupported', `config.json (${modelType}): ${key} ${describe(n)} is not supported (supported: ${Object.keys(ACTIVATIONS).join(', ')}); give precomputed features (features_file) or an ONNX export`);
}

/**
 * x [..., in] · W + b with W [in, out] (GPT-2 Conv1D as stored: a fused matMul with the weight on
 * the right) or [out, in] (PyTorch Linear as stored: (W · xᵀ)ᵀ + b, the weight on the left). On
 * the WASM backend (tfjs 4.22) a product with transposeB is ~9× slower and, fused with a bias,
 * wrong; and the right operand of a plain product is packed by XNNPACK and kept while that tensor
 * lives — a second copy of the model when it is the weight (layers.ts has the measurements).
 */
export function dense(x: tf.Tensor, weight: tf.Tensor2D, bias: tf.Tensor1D | undefined, layout: 'out-in' | 'in-out'): tf.Tensor {
  const shape = x.shape;
  const inFeatures = shape[shape.length - 1]!;
  const outFeatures = layout === 'out-in' ? weight.shape[0] : weight.shape[1];
  return tf.tidy(() => {
    const x2 = tf.reshape(x, [x.size / inFeatures, inFeatures]) as tf.Tensor2D;
    let y: tf.Tensor;
    if (layout === 'in-out') {
      y = tf.fused.matMul({ a: x2, b: weight, bias });
    } else {
      // (W · xᵀ)ᵀ: the weight on the left, so XNNPACK packs (and keeps) the activation, not a
      // second copy of every weight matrix (see layers.ts); no transposeB either.
      const yT = tf.transpose(tf.matMul(weight, tf.transpose(x2)));
      y = bias ? tf.add(yT, bias) : yT;
    }
    return tf.reshape(y, [...shape.slice(0, -1), outFeatures]);
  });
}

export function rmsNorm(x: tf.Tensor, weight: tf.Tensor1D, eps: number): tf.Tensor {
  const ms = tf.mean(tf.square(x), -1, true);
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, eps))), weight);
}

export function layerNorm(x: tf.Tensor, weight: tf.Tensor1D, bias: tf.Tensor1D, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), weight), bias);
}

/** The additive attention bias and which query rows may read any key at all. */
export interface DecoderMask {
  /** [B, 1, T, T]: 0 where query q may read key k, MASK_BIAS elsewhere. */
  readonly bias: tf.Tensor4D;
  /** [B, T, 1]: 1 for query rows with at least one allowed key, 0 for fully masked rows. */
  readonly rows: tf.Tensor3D;
}

/**
 * The decoder mask: query q may read key k iff k ≤ q, the key is not padding, and q − k < window
 * when a window is given. A fully masked query row (a padding position before the first real
 * token, under left padding) gets a zero attention output, as torch's scaled_dot_product_attention
 * — transformers' default attention — returns for rows with no allowed key (eager attention would
 * attend uniformly instead; the two agree on every real token, and padding is never pooled).
 */
export function decoderMask(attentionMask: tf.Tensor2D, window?: number): DecoderMask {
  const [b, t] = attentionMask.shape;
  const allowed = new Float32Array(t * t);
  for (let q = 0; q < t; q++) {
    for (let k = 0; k <= q; k++) if (window === undefined || q - k < window) allowed[q * t + k] = 1;
  }
  return tf.tidy(() => {
    const keys = tf.reshape(tf.cast(attentionMask, 'float32'), [b, 1, 1, t]);
    const both = tf.mul(keys, tf.tensor4d(allowed, [1, 1, t, t]));
    return {
      bias: tf.mul(tf.sub(1, both), MASK_BIAS) as tf.Tensor4D,
      rows: tf.reshape(tf.max(both, -1), [b, t, 1]) as tf.Tensor3D,
    };
  });
}

/**
 * softmax(q·kᵀ·scale + bias)·v for q [B, H, T, d], k/v [B, Hkv, T, d] (H a multiple of Hkv),
 * zeroed on fully masked query rows. Returns [B, T, H·d]. The rep = H/Hkv query heads of one
 * key/value head are stacked into one [rep·T, d] matrix, which equals repeat_kv without copying
 * k and v.
 */
export function groupedAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, mask: DecoderMask, scale: number): tf.Tensor3D {
  const [b, heads, t, d] = q.shape;
  const kvHeads = k.shape[1];
  const rep = heads / kvHeads;
  const qs = tf.reshape(tf.mul(q, scale), [b, kvHeads, rep * t, d]) as tf.Tensor4D;
  const scores = tf.reshape(tf.matMul(qs, k, false, true), [b, kvHeads, rep, t, t]);
  const probs = tf.softmax(tf.add(scores, tf.reshape(mask.bias, [b, 1, 1, t, t])), -1);
  const out = tf.matMul(tf.reshape(probs, [b, kvHeads, rep * t, t]) as tf.Tensor4D, v);
  const merged = tf.reshape(tf.transpose(tf.reshape(out, [b, heads, t, d]), [0, 2, 1, 3]), [b, t, heads * d]);
  return tf.mul(merged, mask.rows) as tf.Tensor3D;
}

/** [B, T, H·d] → [B, H, T, d]. */
export function splitHeads(x: tf.Tensor, heads: number, d: number): tf.Tensor4D {
  const [b, t] = x.shape as [number, number, number];
  return tf.transpose(tf.reshape(x, [b, t, heads, d]), [0, 2, 1, 3]) as tf.Tensor4D;
}

/** The text batch of a forward call, checked (ids within the vocabulary, 2-D, same shapes). */
export function textBatchOf(batch: ModelBatch, modelType: string, vocabSize: number): TextBatch {
  if (batch.kind !== 'text') {
    throw new CheckpointError('shape-mismatch', `${modelType} is a text model: it takes token ids, not images`);
  }
  const ids = batch.inputIds;
  if (ids.rank !== 2 || batch.attentionMask.rank !== 2 || ids.shape[0] !== batch.attentionMask.shape[0] || ids.shape[1] !== batch.attentionMask.shape[1]) {
    throw new CheckpointError('shape-mismatch', `${modelType}: input_ids ${JSON.stringify(ids.shape)} and attention_mask ${JSON.stringify(batch.attentionMask.shape)} must both be [batch, length]`);
  }
  const range = tf.tidy(() => [tf.min(ids).dataSync()[0]!, tf.max(ids).dataSync()[0]!]);
  if (range[0]! < 0 || range[1]! >= vocabSize) {
    throw new CheckpointError('shape-mismatch', `${modelType}: token id ${range[1]! >= vocabSize ? range[1] : range[0]} is outside the model's vocabulary (vocab_size ${vocabSize}): the tokenizer does not belong to this checkpoint`);
  }
  return batch;
}

/**
 * The hidden-state plumbing both decoder files share (llama family, gpt2): from the embedding
 * output, runs `block(x, i)` for i = 0 … layers − 1, each in its own tidy; keeps the hidden states
 * `wanted` asks for (0 = embeddings, i = after block i, `layers` = after `finalNorm`) and releases
 * every other one as soon as the next exists, instead of at the caller's tidy.
 */
export function runDecoderStack(
  embedded: tf.Tensor,
  layers: number,
  wanted: ReadonlySet<number>,
  block: (x: tf.Tensor, i: number) => tf.Tensor,
  finalNorm: (x: tf.Tensor) => tf.Tensor,
): Map<number, tf.Tensor> {
  const hiddenOut = new Map<number, tf.Tensor>();
  let h = embedded;
  if (wanted.has(0)) hiddenOut.set(0, h);
  for (let i = 0; i < layers; i++) {
    const prev = h;
    h = tf.tidy(() => block(prev, i));
    if (![...hiddenOut.values()].includes(prev)) prev.dispose();
    if (i + 1 < layers && wanted.has(i + 1)) hiddenOut.set(i + 1, h);
  }
  const last = finalNorm(h);
  if (![...hiddenOut.values()].includes(h)) h.dispose();
  hiddenOut.set(layers, last);
  return hiddenOut;
}

/** Hidden-state indices wanted (always including the last), validated against 0 … numLayers. */
export function wantedLayers(options: ForwardOptions | undefined, numLayers: number, modelType: string): Set<number> {
  const wanted = new Set<number>([numLayers]);
  for (const l of options?.layers ?? []) {
    if (!Number.isInteger(l) || l < 0 || l > numLayers) {
      throw new CheckpointError('shape-mismatch', `${modelType}: hidden state ${l} does not exist (0 = embeddings … ${numLayers} = last, after the final norm)`);
    }
    wanted.add(l);
  }
  return wanted;
}

// ───────────────────────────── RoPE ─────────────────────────────

export interface Rope {
  readonly type: string;
  readonly theta: number;
  /** Rotated dimensions (= head_dim). */
  readonly dim: number;
  /** Inverse frequencies for a padded length T (dynamic NTK depends on it), float32-rounded. */
  invFreq(seqLen: number): Float64Array;
  /** Factor on cos/sin (yarn's attention factor; 1 otherwise). */
  readonly attentionScaling: number;
}

const SUPPORTED_ROPE = ['default', 'linear', 'dynamic', 'yarn', 'llama3'];

function ropeDict(config: HfConfig): Record<string, unknown> {
  const params = config.rope_parameters ?? config.rope_scaling;
  if (params === undefined || params === null) return {};
  if (typeof params !== 'object' || Array.isArray(params)) {
    throw new CheckpointError('checkpoint-invalid', `config.json: rope_parameters/rope_scaling must be an object, got ${describe(params)}`);
  }
  return params as Record<string, unknown>;
}

function baseInvFreq(theta: number, dim: number): Float64Array {
  const out = new Float64Array(dim / 2);
  for (let i = 0; i < dim / 2; i++) out[i] = Math.fround(1 / Math.fround(theta ** Math.fround((2 * i) / dim)));
  return out;
}

/** RoPE as transformers' ROPE_INIT_FUNCTIONS compute it (modeling_rope_utils.py). */
export function ropeFor(config: HfConfig, modelType: string, headDim: number): Rope {
  const d = ropeDict(config);
  // Nested per layer type (Gemma-3 style) is not something these families use.
  if (typeof d.full_attention === 'object' || typeof d.sliding_attention === 'object') {
    throw new CheckpointError('checkpoint-unsupported', `config.json (${modelType}): RoPE parameters per layer type are not supported; give precomputed features (features_file) or an ONNX export`);
  }
  const typeValue = d.rope_type ?? d.type ?? 'default';
  const type = typeof typeValue === 'string' ? typeValue : String(typeValue);
  if (!SUPPORTED_ROPE.includes(type)) {
    throw new CheckpointError('checkpoint-unsupported', `config.json (${modelType}): RoPE type '${type}' is not supported (supported: ${SUPPORTED_ROPE.join(', ')}); give precomputed features (features_file) or an ONNX export`);
  }
  const thetaValue = d.rope_theta ?? config.rope_theta ?? 10000;
  if (typeof thetaValue !== 'number' || !(thetaValue > 0)) {
    throw new CheckpointError('checkpoint-invalid', `config.json (${modelType}): rope_theta must be a positive number, got ${describe(thetaValue)}`);
  }
  const theta = thetaValue;
  const partial = d.partial_rotary_factor ?? config.partial_rotary_factor;
  if (partial !== undefined && partial !== null && partial !== 1) {
    throw new CheckpointError('checkpoint-unsupported', `config.json (${modelType}): partial_rotary_factor ${describe(partial)} is not supported by the ${modelType} forward pass (transformers' rotate_half needs the whole head); give precomputed features (features_file) or an ONNX export`);
  }
  if (headDim % 2 !== 0) throw new CheckpointError('checkpoint-invalid', `config.json (${modelType}): head_dim ${headDim} must be even for RoPE`);
  const dim = headDim;
  const num = (key: string, fallback?: number): number => {
    const v = d[key];
    if ((v === undefined || v === null) && fallback !== undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new CheckpointError('checkpoint-invalid', `config.json (${modelType}): RoPE type '${type}' needs a numeric '${key}' in rope_parameters, got ${describe(v)}`);
    }
    return v;
  };
  const maxPositions = configInt(config, 'max_position_embeddings', modelType, 2048);
  // transformers moves a top-level original_max_position_embeddings into the rope dict, with priority.
  const originalMax = (): number => {
    const top = config.original_max_position_embeddings;
    return typeof top === 'number' ? top : num('original_max_position_embeddings', maxPositions);
  };
  const base = baseInvFreq(theta, dim);
  switch (type) {
    case 'default':
      return { type, theta, dim, attentionScaling: 1, invFreq: () => base };
    case 'linear': {
      const factor = num('factor');
      const scaled = base.map((f) => Math.fround(f / factor));
      return { type, theta, dim, attentionScaling: 1, invFreq: () => scaled };
    }
    case 'dynamic': {
      const factor = num('factor');
      return {
        type, theta, dim, attentionScaling: 1,
        invFreq: (seqLen) => {
          if (seqLen <= maxPositions) return base;
          const b = theta * ((factor * seqLen) / maxPositions - (factor - 1)) ** (dim / (dim - 2));
          return baseInvFreq(b, dim);
        },
      };
    }
    case 'llama3': {
      const factor = num('factor');
      const low = num('low_freq_factor');
      const high = num('high_freq_factor');
      const old = originalMax();
      const lowWavelen = old / low;
      const highWavelen = old / high;
      const out = base.map((f) => {
        const wavelen = (2 * Math.PI) / f;
        if (wavelen < highWavelen) return f;
        if (wavelen > lowWavelen) return Math.fround(f / factor);
        const smooth = (old / wavelen - low) / (high - low);
        return Math.fround((1 - smooth) * (f / factor) + smooth * f);
      });
      return { type, theta, dim, attentionScaling: 1, invFreq: () => out };
    }
    case 'yarn': {
      const old = originalMax();
      const factorValue = d.factor;
      const factor = typeof factorValue === 'number' ? factorValue : maxPositions / old;
      const getMscale = (scale: number, m = 1): number => (scale <= 1 ? 1 : 0.1 * m * Math.log(scale) + 1);
      let attentionFactor = typeof d.attention_factor === 'number' ? d.attention_factor : undefined;
      if (attentionFactor === undefined) {
        const mscale = d.mscale;
        const mscaleAll = d.mscale_all_dim;
        attentionFactor = typeof mscale === 'number' && mscale && typeof mscaleAll === 'number' && mscaleAll
          ? getMscale(factor, mscale) / getMscale(factor, mscaleAll)
          : getMscale(factor);
      }
      const betaFast = typeof d.beta_fast === 'number' && d.beta_fast ? d.beta_fast : 32;
      const betaSlow = typeof d.beta_slow === 'number' && d.beta_slow ? d.beta_slow : 1;
      const truncate = d.truncate === undefined ? true : Boolean(d.truncate);
      const correctionDim = (rotations: number): number => (dim * Math.log(old / (rotations * 2 * Math.PI))) / (2 * Math.log(theta));
      let lo = correctionDim(betaFast);
      let hi = correctionDim(betaSlow);
      if (truncate) { lo = Math.floor(lo); hi = Math.ceil(hi); }
      lo = Math.max(lo, 0);
      hi = Math.min(hi, dim - 1);
      if (lo === hi) hi += 0.001;
      const out = new Float64Array(dim / 2);
      for (let i = 0; i < dim / 2; i++) {
        const posFreq = Math.fround(theta ** Math.fround((2 * i) / dim));
        const extrapolation = 1 / posFreq;
        const interpolation = 1 / (factor * posFreq);
        const ramp = Math.min(1, Math.max(0, (i - lo) / (hi - lo)));
        const extrapolationFactor = 1 - ramp;
        out[i] = Math.fround(interpolation * (1 - extrapolationFactor) + extrapolation * extrapolationFactor);
      }
      return { type, theta, dim, attentionScaling: attentionFactor, invFreq: () => out };
    }
    default:
      throw new CheckpointError('checkpoint-unsupported', `config.json (${modelType}): RoPE type '${type}' is not supported`);
  }
}

/**
 * RoPE tables for positions 0 … T−1 in the [B, T, heads, dim] layout the projections come out in:
 * cos and sin [1, T, 1, dim] (emb = [freqs, freqs], times attentionScaling) and the signed
 * permutation R [dim, dim] with x·R = rotate_half(x) = [−x₂, x₁].
 */
export function ropeTables(rope: Rope, t: number): { cos: tf.Tensor4D; sin: tf.Tensor4D; rotate: tf.Tensor2D } {
  const inv = rope.invFreq(t);
  const dim = rope.dim;
  const half = dim / 2;
  const cos = new Float32Array(t * dim);
  const sin = new Float32Array(t * dim);
  for (let p = 0; p < t; p++) {
    for (let j = 0; j < half; j++) {
      const angle = Math.fround(p * inv[j]!);
      const c = Math.cos(angle) * rope.attentionScaling;
      const s = Math.sin(angle) * rope.attentionScaling;
      cos[p * dim + j] = c;
      cos[p * dim + j + half] = c;
      sin[p * dim + j] = s;
      sin[p * dim + j + half] = s;
    }
  }
  const r = new Float32Array(dim * dim);
  for (let j = 0; j < half; j++) {
    r[(j + half) * dim + j] = -1; // output j (< half) = −x[j + half]
    r[j * dim + j + half] = 1; // output j + half = x[j]
  }
  return { cos: tf.tensor4d(cos, [1, t, 1, dim]), sin: tf.tensor4d(sin, [1, t, 1, dim]), rotate: tf.tensor2d(r, [dim, dim]) };
}

/**
 * x·cos + rotate_half(x)·sin for x [B, T, heads, dim]. rotate_half is a product with a signed
 * permutation matrix: tf.split / slicing the last axis is a slow strided copy on WASM, a [·, dim]
 * × [dim, dim] product is not.
 */
export function applyRope(x: tf.Tensor4D, tables: { cos: tf.Tensor4D; sin: tf.Tensor4D; rotate: tf.Tensor2D }): tf.Tensor4D {
  const dim = x.shape[3];
  const rotated = tf.reshape(tf.fused.matMul({ a: tf.reshape(x, [x.size / dim, dim]) as tf.Tensor2D, b: tables.rotate }), x.shape);
  return tf.add(tf.mul(x, tables.cos), tf.mul(rotated, tables.sin)) as tf.Tensor4D;
}

// ───────────────────────────── the Llama-family core ─────────────────────────────

/** What distinguishes llama, qwen2 and mistral. */
export interface LlamaVariant {
  readonly modelType: string;
  /** Which projections carry biases. */
  attentionBias(config: HfConfig): { qkv: boolean; o: boolean };
  mlpBias(config: HfConfig): boolean;
  /** Sliding window of layer i, or undefined for full attention. */
  slidingWindow(config: HfConfig, layer: number, numLayers: number): number | undefined;
  /** tie_word_embeddings default of the family's config class. */
  readonly tieDefault: boolean;
}

export const LLAMA_VARIANT: LlamaVariant = {
  modelType: 'llama',
  attentionBias: (c) => { const b = configBool(c, 'attention_bias', false); return { qkv: b, o: b }; },
  mlpBias: (c) => configBool(c, 'mlp_bias', false),
  slidingWindow: () => undefined,
  tieDefault: false,
};

interface Dims {
  readonly hidden: number;
  readonly intermediate: number;
  readonly layers: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly vocab: number;
}

function dimsOf(config: HfConfig, modelType: string): Dims {
  const hidden = configInt(config, 'hidden_size', modelType);
  const heads = configInt(config, 'num_attention_heads', modelType);
  const kvHeads = configInt(config, 'num_key_value_heads', modelType, heads);
  if (heads % kvHeads !== 0) {
    throw new CheckpointError('checkpoint-invalid', `config.json (${modelType}): num_attention_heads ${heads} is not a multiple of num_key_value_heads ${kvHeads}`);
  }
  let headDim: number;
  if (config.head_dim !== undefined && config.head_dim !== null) headDim = configInt(config, 'head_dim', modelType);
  else {
    if (hidden % heads !== 0) throw new CheckpointError('checkpoint-invalid', `config.json (${modelType}): hidden_size ${hidden} is not a multiple of num_attention_heads ${heads} and no head_dim is given`);
    headDim = hidden / heads;
  }
  return {
    hidden, heads, kvHeads, headDim,
    intermediate: configInt(config, 'intermediate_size', modelType),
    layers: configInt(config, 'num_hidden_layers', modelType),
    vocab: configInt(config, 'vocab_size', modelType),
  };
}

/** Parameters of the checkpoint (lm_head included unless tied), from config.json alone. */
export function estimateLlamaParameters(config: HfConfig, variant: LlamaVariant): number | undefined {
  try {
    const d = dimsOf(config, variant.modelType);
    const bias = variant.attentionBias(config);
    const q = d.heads * d.headDim;
    const kv = d.kvHeads * d.headDim;
    const attention = d.hidden * q + 2 * d.hidden * kv + q * d.hidden + (bias.qkv ? q + 2 * kv : 0) + (bias.o ? d.hidden : 0);
    const mlp = 3 * d.hidden * d.intermediate + (variant.mlpBias(config) ? 2 * d.intermediate + d.hidden : 0);
    const layer = attention + mlp + 2 * d.hidden;
    const tied = configBool(config, 'tie_word_embeddings', variant.tieDefault);
    return d.vocab * d.hidden * (tied ? 1 : 2) + d.layers * layer + d.hidden;
  } catch {
    return undefined;
  }
}

/** A Linear layer, weight [out, in] as stored (see dense()). */
interface Proj {
  readonly w: tf.Tensor2D;
  readonly b?: tf.Tensor1D;
}

interface LlamaLayer {
  readonly inputNorm: tf.Tensor1D;
  readonly postNorm: tf.Tensor1D;
  readonly q: Proj;
  readonly k: Proj;
  readonly v: Proj;
  readonly o: Proj;
  readonly gate: Proj;
  readonly up: Proj;
  readonly down: Proj;
  readonly window?: number;
}

/** Tracks loaded tensors (for the parameter count and dispose). */
class Loaded {
  readonly tensors: tf.Tensor[] = [];
  parameters = 0;
  constructor(private readonly weights: WeightSource) {}
  async get(name: string, shape: readonly number[]): Promise<tf.Tensor> {
    const t = await this.weights.tensor(name, shape);
    this.tensors.push(t);
    this.parameters += t.size;
    return t;
  }
  /**
   * `${prefix}.weight` [out, in] (+ `${prefix}.bias` [out] when `bias`), kept as stored: dense()
   * multiplies it from the left (no transposeB, no packed copy of the weight; see dense()).
   */
  async linear(prefix: string, inFeatures: number, outFeatures: number, bias: boolean): Promise<Proj> {
    const w = (await this.get(`${prefix}.weight`, [outFeatures, inFeatures])) as tf.Tensor2D;
    const b = bias ? ((await this.get(`${prefix}.bias`, [outFeatures])) as tf.Tensor1D) : undefined;
    return { w, b };
  }
}

class LlamaModel implements HfModel {
  readonly modality = 'text' as const;
  readonly defaultPooling: Pooling = 'last';
  readonly poolings: readonly Pooling[] = ['last', 'mean'];
  readonly engine = 'tfjs' as const;
  readonly numLayers: number;
  readonly hiddenSize: number;
  readonly maxLength: number | undefined;

  constructor(
    readonly modelType: string,
    private readonly dims: Dims,
    private readonly eps: number,
    private readonly act: Activation,
    private readonly rope: Rope,
    private readonly embed: tf.Tensor2D,
    private readonly layers: readonly LlamaLayer[],
    private readonly finalNorm: tf.Tensor1D,
    private readonly owned: tf.Tensor[],
    readonly parameters: number,
    maxPositions: number | undefined,
  ) {
    this.numLayers = dims.layers;
    this.hiddenSize = dims.hidden;
    this.maxLength = maxPositions;
  }

  forward(batch: ModelBatch, options?: ForwardOptions): ForwardOutput {
    const text = textBatchOf(batch, this.modelType, this.dims.vocab);
    const wanted = wantedLayers(options, this.numLayers, this.modelType);
    const t = text.inputIds.shape[1];
    const { heads, kvHeads, headDim } = this.dims;
    // Masks (one per distinct window) and RoPE tables, shared by all layers.
    const masks = new Map<number | undefined, DecoderMask>();
    const maskFor = (window: number | undefined): DecoderMask => {
      const w = window !== undefined && window < t ? window : undefined; // no effect while T ≤ W
      let mask = masks.get(w);
      if (!mask) { mask = decoderMask(text.attentionMask, w); masks.set(w, mask); }
      return mask;
    };
    const tables = ropeTables(this.rope, t);
    const scale = 1 / Math.sqrt(headDim);
    const b = text.inputIds.shape[0];
    const project = (x: tf.Tensor, p: Proj): tf.Tensor => dense(x, p.w, p.b, 'out-in');
    /** [B, T, n·d] → RoPE → [B, n, T, d]. */
    const heads4 = (x: tf.Tensor, n: number, rope: boolean): tf.Tensor4D => {
      const split = tf.reshape(x, [b, t, n, headDim]) as tf.Tensor4D;
      return tf.transpose(rope ? applyRope(split, tables) : split, [0, 2, 1, 3]) as tf.Tensor4D;
    };
    // Made here, outside the blocks' tidies, so that every layer with the same window shares one.
    const layerMasks = this.layers.map((layer) => maskFor(layer.window));
    const embedded = tf.gather(this.embed, tf.cast(text.inputIds, 'int32'));
    const hiddenOut = runDecoderStack(embedded, this.layers.length, wanted, (prev, i) => {
      const layer = this.layers[i]!;
      const mask = layerMasks[i]!;
      const x = rmsNorm(prev, layer.inputNorm, this.eps);
      const q = heads4(project(x, layer.q), heads, true);
      const k = heads4(project(x, layer.k), kvHeads, true);
      const v = heads4(project(x, layer.v), kvHeads, false);
      const attn = groupedAttention(q, k, v, mask, scale);
      const h1 = tf.add(prev, project(attn, layer.o));
      const y = rmsNorm(h1, layer.postNorm, this.eps);
      return tf.add(h1, project(tf.mul(this.act(project(y, layer.gate)), project(y, layer.up)), layer.down));
    }, (h) => rmsNorm(h, this.finalNorm, this.eps));
    tf.dispose([tables.cos, tables.sin, tables.rotate, ...[...masks.values()].flatMap((m) => [m.bias, m.rows])]);
    return { hidden: hiddenOut };
  }

  dispose(): void {
    tf.dispose(this.owned);
  }
}

export async function loadLlamaFamily(config: HfConfig, weights: WeightSource, variant: LlamaVariant): Promise<HfModel> {
  const modelType = variant.modelType;
  const dims = dimsOf(config, modelType);
  const eps = configFloat(config, 'rms_norm_eps', modelType, 1e-6);
  const act = activation(config.hidden_act, 'hidden_act', modelType, 'silu');
  const rope = ropeFor(config, modelType, dims.headDim);
  const bias = variant.attentionBias(config);
  const mlpBias = variant.mlpBias(config);
  const { hidden, heads, kvHeads, headDim, intermediate } = dims;
  const loaded = new Loaded(weights);
  try {
    const embed = (await loaded.get('embed_tokens.weight', [dims.vocab, hidden])) as tf.Tensor2D;
    const layers: LlamaLayer[] = [];
    for (let i = 0; i < dims.layers; i++) {
      const p = `layers.${i}`;
      const inputNorm = (await loaded.get(`${p}.input_layernorm.weight`, [hidden])) as tf.Tensor1D;
      const postNorm = (await loaded.get(`${p}.post_attention_layernorm.weight`, [hidden])) as tf.Tensor1D;
      const q = await loaded.linear(`${p}.self_attn.q_proj`, hidden, heads * headDim, bias.qkv);
      const k = await loaded.linear(`${p}.self_attn.k_proj`, hidden, kvHeads * headDim, bias.qkv);
      const v = await loaded.linear(`${p}.self_attn.v_proj`, hidden, kvHeads * headDim, bias.qkv);
      const o = await loaded.linear(`${p}.self_attn.o_proj`, heads * headDim, hidden, bias.o);
      const gate = await loaded.linear(`${p}.mlp.gate_proj`, hidden, intermediate, mlpBias);
      const up = await loaded.linear(`${p}.mlp.up_proj`, hidden, intermediate, mlpBias);
      const down = await loaded.linear(`${p}.mlp.down_proj`, intermediate, hidden, mlpBias);
      const window = variant.slidingWindow(config, i, dims.layers);
      layers.push({ inputNorm, postNorm, q, k, v, o, gate, up, down, window });
    }
    const finalNorm = (await loaded.get('norm.weight', [hidden])) as tf.Tensor1D;
    const maxPositions = typeof config.max_position_embeddings === 'number' ? config.max_position_embeddings : undefined;
    return new LlamaModel(modelType, dims, eps, act, rope, embed, layers, finalNorm, loaded.tensors, loaded.parameters, maxPositions);
  } catch (error) {
    tf.dispose(loaded.tensors);
    throw error;
  }
}

export const llamaArchitecture: HfArchitecture = {
  modelTypes: ['llama'],
  modality: 'text',
  estimateParameters: (config) => estimateLlamaParameters(config, LLAMA_VARIANT),
  load: (config, weights) => loadLlamaFamily(config, weights, LLAMA_VARIANT),
};

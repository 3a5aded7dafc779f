/**
 * BERT (`model_type: bert`) in tfjs-core ops, matching transformers' BertModel (inference), plus
 * the post-LN encoder the other BERT-likes (roberta, xlm-roberta, electra) share.
 *
 * Embeddings: word + absolute position (position ids 0…T−1) + token type, LayerNorm
 * (layer_norm_eps). Each layer: self-attention (query/key/value, scores / √head_dim + additive
 * padding bias, softmax), output dense + residual + LayerNorm; intermediate dense + `hidden_act`
 * (`gelu` = exact erf gelu, `gelu_new` = tanh approximation, …); output dense + residual +
 * LayerNorm. Pooler: dense + tanh on the first ([CLS]) token.
 *
 * Hidden states as transformers numbers them: 0 = embedding output, i = output of layer i,
 * numLayers = num_hidden_layers (the last hidden state, no final norm).
 *
 * Poolings: `pooler` (default: BertForSequenceClassification feeds `outputs[1]`, the pooler
 * output, to its dropout + classifier), `cls` (hidden[:, 0] of the chosen layer), `mean`
 * (mask-aware, sentence-transformers' mean). `pooler` is offered only when the checkpoint holds
 * pooler weights (BertModel saved with add_pooling_layer=False, or MLM-only heads, lack them; then
 * the default falls back to `cls`).
 *
 * Unsupported: position_embedding_type other than "absolute" (relative_key*) and is_decoder
 * configs — a CheckpointError('checkpoint-unsupported') naming the key.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError } from '../../../core/formats/errors';
import type { ForwardOptions, ForwardOutput, HfArchitecture, HfConfig, HfModel, ModelBatch, Pooling, TextBatch, WeightSource } from '../types';
import {
  activationFor, attention, configInt, configNumber, countParameters, embedTokens, layerNorm, linear, loadLayerNorm, loadLinear, loadTokenEmbeddings,
  mergeHeads, paddingBias, splitHeads, tokenEmbeddingTensors, type Activation, type LayerNorm, type Linear,
} from './layers';

/** Dimensions of a post-LN BERT encoder from config.json. */
export interface BertDims {
  readonly hidden: number;
  readonly layers: number;
  readonly heads: number;
  readonly intermediate: number;
  readonly eps: number;
  readonly activation: Activation;
}

export interface BertLayer {
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;
  readonly attentionOutput: Linear;
  readonly attentionNorm: LayerNorm;
  readonly intermediate: Linear;
  readonly output: Linear;
  readonly outputNorm: LayerNorm;
}

export interface BertEncoder {
  readonly dims: BertDims;
  readonly layers: readonly BertLayer[];
  readonly pooler?: Linear;
}

/** The encoder dimensions (hidden_size, num_hidden_layers, num_attention_heads, intermediate_size, layer_norm_eps, hidden_act). */
export function bertDims(config: HfConfig): BertDims {
  const hidden = configInt(config, 'hidden_size');
  const heads = configInt(config, 'num_attention_heads');
  if (heads === 0 || hidden % heads !== 0) {
    throw new CheckpointError('checkpoint-invalid', `config.json: hidden_size ${hidden} is not a multiple of num_attention_heads ${heads}; fix config.json.`);
  }
  const pet = config.position_embedding_type;
  if (pet !== undefined && pet !== null && pet !== 'absolute') {
    throw new CheckpointError('checkpoint-unsupported', `config.json: position_embedding_type ${JSON.stringify(pet)} is not supported (only "absolute"). Export the model to ONNX or give precomputed features (features_file).`);
  }
  if (config.is_decoder === true) {
    throw new CheckpointError('checkpoint-unsupported', 'config.json: is_decoder true (a causal BERT) is not supported; use the encoder checkpoint, an ONNX export, or precomputed features (features_file).');
  }
  return {
    hidden,
    layers: configInt(config, 'num_hidden_layers'),
    heads,
    intermediate: configInt(config, 'intermediate_size'),
    eps: configNumber(config, 'layer_norm_eps', 1e-12),
    activation: activationFor(config.hidden_act, 'hidden_act', 'gelu'),
  };
}

/** Loads `encoder.layer.{i}.*` and, when stored, `pooler.dense` (each checked against config.json). */
export async function loadBertEncoder(weights: WeightSource, dims: BertDims, withPooler: boolean): Promise<BertEncoder> {
  const { hidden: h, intermediate: m, eps } = dims;
  const layers: BertLayer[] = [];
  for (let i = 0; i < dims.layers; i++) {
    const p = `encoder.layer.${i}`;
    layers.push({
      query: await loadLinear(weights, `${p}.attention.self.query`, h, h),
      key: await loadLinear(weights, `${p}.attention.self.key`, h, h),
      value: await loadLinear(weights, `${p}.attention.self.value`, h, h),
      attentionOutput: await loadLinear(weights, `${p}.attention.output.dense`, h, h),
      attentionNorm: await loadLayerNorm(weights, `${p}.attention.output.LayerNorm`, h, eps),
      intermediate: await loadLinear(weights, `${p}.intermediate.dense`, h, m),
      output: await loadLinear(weights, `${p}.output.dense`, m, h),
      outputNorm: await loadLayerNorm(weights, `${p}.output.LayerNorm`, h, eps),
    });
  }
  const pooler = withPooler && weights.has('pooler.dense.weight') ? await loadLinear(weights, 'pooler.dense', h, h) : undefined;
  return { dims, layers, pooler };
}

/** One post-LN encoder layer; `bias` is the [B, 1, 1, T] additive padding bias. */
export function bertLayer(x: tf.Tensor, layer: BertLayer, dims: BertDims, bias: tf.Tensor): tf.Tensor {
  const q = splitHeads(linear(x, layer.query), dims.heads);
  const k = splitHeads(linear(x, layer.key), dims.heads);
  const v = splitHeads(linear(x, layer.value), dims.heads);
  const context = mergeHeads(attention(q, k, v, bias));
  const attended = layerNorm(tf.add(linear(context, layer.attentionOutput), x), layer.attentionNorm);
  const inner = dims.activation(linear(attended, layer.intermediate));
  return layerNorm(tf.add(linear(inner, layer.output), attended), layer.outputNorm);
}

/**
 * Runs the encoder layers on the embedding output; returns the wanted hidden states (0 = the
 * input given here) and, when the encoder has one, the pooler output of the last layer.
 */
export function runBertEncoder(embedded: tf.Tensor, attentionMask: tf.Tensor2D, encoder: BertEncoder, options?: ForwardOptions): ForwardOutput {
  const wanted = new Set(options?.layers ?? []);
  const last = encoder.layers.length;
  wanted.add(last);
  const hidden = new Map<number, tf.Tensor>();
  const bias = paddingBias(attentionMask);
  let x = embedded;
  if (wanted.has(0)) hidden.set(0, x);
  encoder.layers.forEach((layer, i) => {
    // A tidy per layer frees its intermediates (attention scores, FFN activations) at once
    // instead of at the caller's tidy: BERT-base at batch 16 × 128 would hold ~2 GB otherwise.
    const input = x;
    x = tf.tidy(() => bertLayer(input, layer, encoder.dims, bias));
    if (wanted.has(i + 1)) hidden.set(i + 1, x);
  });
  let pooler: tf.Tensor2D | undefined;
  if (encoder.pooler) {
    const [b, , h] = x.shape as [number, number, number];
    const first = tf.reshape(tf.slice(x, [0, 0, 0], [b, 1, h]), [b, h]);
    pooler = tf.tanh(linear(first, encoder.pooler)) as tf.Tensor2D;
  }
  return pooler ? { hidden, pooler } : { hidden };
}

/** The text batch of a forward call, or a CheckpointError when an image batch reached a text model. */
export function textBatch(batch: ModelBatch, modelType: string): TextBatch {
  if (batch.kind !== 'text') throw new CheckpointError('shape-mismatch', `${modelType} is a text model; it takes token ids, not images.`);
  return batch;
}

/** Token type ids for the embedding lookup: the batch's when the model has several types, else zeros. */
export function tokenTypes(batch: TextBatch, typeVocab: number): tf.Tensor2D {
  if (typeVocab > 1 && batch.tokenTypeIds) return tf.cast(batch.tokenTypeIds, 'int32') as tf.Tensor2D;
  return tf.zerosLike(tf.cast(batch.inputIds, 'int32')) as tf.Tensor2D;
}

/** Checks that token ids fit the vocabulary (tf.gather would silently read zeros past the table). */
export function checkIds(batch: TextBatch, vocab: number, modelType: string): void {
  const ids = batch.inputIds.dataSync();
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] < 0 || ids[i] >= vocab) {
      throw new CheckpointError('shape-mismatch', `token id ${ids[i]} is outside the ${modelType} vocabulary (vocab_size ${vocab}); the tokenizer does not belong to this model.`);
    }
  }
}

export function checkLength(t: number, max: number, modelType: string): void {
  if (t > max) {
    throw new CheckpointError('shape-mismatch', `${t} tokens exceed the ${modelType} model's ${max} positions (max_position_embeddings); truncate to at most ${max} tokens.`);
  }
}

/** Tensors of an encoder (for parameter counts and dispose). */
export function encoderTensors(encoder: BertEncoder): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  const lin = (l?: Linear): void => { if (l) { out.push(l.weight); if (l.bias) out.push(l.bias); } };
  const norm = (n: LayerNorm): void => { out.push(n.weight); if (n.bias) out.push(n.bias); };
  for (const l of encoder.layers) {
    lin(l.query); lin(l.key); lin(l.value); lin(l.attentionOutput); norm(l.attentionNorm); lin(l.intermediate); lin(l.output); norm(l.outputNorm);
  }
  lin(encoder.pooler);
  return out;
}

/** Parameters of the post-LN encoder (+ pooler) from its dimensions. */
export function encoderParameters(h: number, m: number, layers: number, pooler: boolean): number {
  const perLayer = 4 * (h * h + h) + 2 * 2 * h + (h * m + m) + (m * h + h);
  return layers * perLayer + (pooler ? h * h + h : 0);
}

/**
 * estimateParameters of a BERT-like from config.json alone: token embeddings (word + position +
 * token type tables and their LayerNorm) of width hidden_size — or `embedding_size` with a
 * projection to hidden_size when `projected` (ELECTRA) — plus the post-LN encoder and, when
 * `pooler`, the pooler. `defaults`: the family's max_position_embeddings and type_vocab_size.
 * Undefined when the config lacks a needed size.
 */
export function estimateBertLikeParameters(
  config: HfConfig,
  defaults: { readonly positions: number; readonly typeVocab: number; readonly pooler: boolean; readonly projected?: boolean },
): number | undefined {
  try {
    const h = configInt(config, 'hidden_size');
    const e = defaults.projected ? configInt(config, 'embedding_size', h) : h;
    const m = configInt(config, 'intermediate_size');
    const embeddings = (configInt(config, 'vocab_size') + configInt(config, 'max_position_embeddings', defaults.positions) + configInt(config, 'type_vocab_size', defaults.typeVocab)) * e + 2 * e;
    return embeddings + (e !== h ? e * h + h : 0) + encoderParameters(h, m, configInt(config, 'num_hidden_layers'), defaults.pooler);
  } catch {
    return undefined;
  }
}

/** Builds the HfModel around an embedding function and an encoder (shared by the BERT-likes). */
export function bertLikeModel(args: {
  modelType: string;
  encoder: BertEncoder;
  embeddingTensors: readonly (tf.Tensor | undefined)[];
  maxLength: number;
  defaultPooling: Pooling;
  embed: (batch: TextBatch) => tf.Tensor;
}): HfModel {
  const { encoder } = args;
  const tensors = [...args.embeddingTensors.filter((t): t is tf.Tensor => t !== undefined), ...encoderTensors(encoder)];
  const poolings: Pooling[] = encoder.pooler ? ['pooler', 'cls', 'mean'] : ['cls', 'mean'];
  const defaultPooling = args.defaultPooling === 'pooler' && !encoder.pooler ? 'cls' : args.defaultPooling;
  return {
    modelType: args.modelType,
    modality: 'text',
    numLayers: encoder.layers.length,
    hiddenSize: encoder.dims.hidden,
    parameters: countParameters(tensors),
    defaultPooling,
    poolings,
    maxLength: args.maxLength,
    engine: 'tfjs',
    forward(batch: ModelBatch, options?: ForwardOptions): ForwardOutput {
      const text = textBatch(batch, args.modelType);
      checkLength(text.inputIds.shape[1], args.maxLength, args.modelType);
      return runBertEncoder(args.embed(text), text.attentionMask, encoder, options);
    },
    dispose(): void {
      tf.dispose(tensors);
    },
  };
}

export const bert: HfArchitecture = {
  modelTypes: ['bert'],
  modality: 'text',
  estimateParameters: (config) => estimateBertLikeParameters(config, { positions: 512, typeVocab: 2, pooler: true }),
  async load(config: HfConfig, weights: WeightSource): Promise<HfModel> {
    const dims = bertDims(config);
    const h = dims.hidden;
    const vocab = configInt(config, 'vocab_size');
    const positions = configInt(config, 'max_position_embeddings', 512);
    const typeVocab = configInt(config, 'type_vocab_size', 2);
    const embeddings = await loadTokenEmbeddings(weights, { vocab, positions, typeVocab, width: h, eps: dims.eps });
    const encoder = await loadBertEncoder(weights, dims, true);
    return bertLikeModel({
      modelType: 'bert',
      encoder,
      embeddingTensors: tokenEmbeddingTensors(embeddings),
      maxLength: positions,
      defaultPooling: 'pooler',
      embed(batch) {
        checkIds(batch, vocab, 'bert');
        return embedTokens(embeddings, batch.inputIds, tokenTypes(batch, typeVocab));
      },
    });
  },
};

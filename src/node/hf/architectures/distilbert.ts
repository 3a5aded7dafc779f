/**
 * DistilBERT (`model_type: distilbert`) in tfjs-core ops, matching transformers' DistilBertModel
 * (inference). Its own names and config keys (dim, n_layers, n_heads, hidden_dim, activation):
 *
 * - embeddings: word + position (no token types), LayerNorm eps 1e-12 (fixed in transformers);
 *   with `sinusoidal_pos_embds` the position table is the fixed sinusoid — the stored table is
 *   used when present (transformers saves it), else it is computed as transformers does
 *   (sin on even, cos on odd columns of pos / 10000^(2⌊j/2⌋/dim));
 * - each layer: attention (q_lin, k_lin, v_lin, scores / √head_dim + padding bias, out_lin),
 *   sa_layer_norm(attn + x); ffn lin1 → `activation` → lin2; output_layer_norm(ffn + sa).
 *
 * Hidden states: 0 = embedding output, i = output of layer i, numLayers = n_layers. No pooler.
 * Poolings: `cls` (default: DistilBertForSequenceClassification reads hidden_state[:, 0], then
 * pre_classifier + ReLU + classifier), `mean`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError } from '../../../core/formats/errors';
import type { ForwardOptions, ForwardOutput, HfArchitecture, HfConfig, HfModel, ModelBatch, WeightSource } from '../types';
import {
  activationFor, attention, configInt, countParameters, layerNorm, linear, loadEmbedding, loadLayerNorm, loadLinear, mergeHeads,
  paddingBias, splitHeads, type LayerNorm, type Linear,
} from './layers';
import { checkIds, checkLength, textBatch } from './bert';

const EPS = 1e-12;

interface DistilLayer {
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly out: Linear;
  readonly saNorm: LayerNorm;
  readonly lin1: Linear;
  readonly lin2: Linear;
  readonly outNorm: LayerNorm;
}

/** transformers' create_sinusoidal_embeddings table [positions, dim]. */
export function sinusoidalTable(positions: number, dim: number): Float32Array {
  const out = new Float32Array(positions * dim);
  for (let pos = 0; pos < positions; pos++) {
    for (let j = 0; j < dim; j++) {
      const angle = pos / Math.pow(10000, (2 * Math.floor(j / 2)) / dim);
      out[pos * dim + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return out;
}

export const distilbert: HfArchitecture = {
  modelTypes: ['distilbert'],
  modality: 'text',
  estimateParameters(config: HfConfig): number | undefined {
    try {
      const h = configInt(config, 'dim');
      const m = configInt(config, 'hidden_dim');
      const layers = configInt(config, 'n_layers');
      const embeddings = (configInt(config, 'vocab_size') + configInt(config, 'max_position_embeddings', 512)) * h + 2 * h;
      return embeddings + layers * (4 * (h * h + h) + 4 * h + h * m + m + m * h + h);
    } catch {
      return undefined;
    }
  },
  async load(config: HfConfig, weights: WeightSource): Promise<HfModel> {
    const h = configInt(config, 'dim');
    const heads = configInt(config, 'n_heads');
    const m = configInt(config, 'hidden_dim');
    const nLayers = configInt(config, 'n_layers');
    const vocab = configInt(config, 'vocab_size');
    const positions = configInt(config, 'max_position_embeddings', 512);
    if (heads === 0 || h % heads !== 0) throw new CheckpointError('checkpoint-invalid', `config.json: dim ${h} is not a multiple of n_heads ${heads}; fix config.json.`);
    const act = activationFor(config.activation, 'activation', 'gelu');
    const word = await loadEmbedding(weights, 'embeddings.word_embeddings.weight', vocab, h);
    let position = (await weights.optionalTensor('embeddings.position_embeddings.weight', [positions, h])) as tf.Tensor2D | undefined;
    if (!position) {
      if (config.sinusoidal_pos_embds !== true) await weights.tensor('embeddings.position_embeddings.weight', [positions, h]); // throws, naming it
      position = tf.tensor2d(sinusoidalTable(positions, h), [positions, h]);
    }
    const norm = await loadLayerNorm(weights, 'embeddings.LayerNorm', h, EPS);
    const layers: DistilLayer[] = [];
    for (let i = 0; i < nLayers; i++) {
      const p = `transformer.layer.${i}`;
      layers.push({
        q: await loadLinear(weights, `${p}.attention.q_lin`, h, h),
        k: await loadLinear(weights, `${p}.attention.k_lin`, h, h),
        v: await loadLinear(weights, `${p}.attention.v_lin`, h, h),
        out: await loadLinear(weights, `${p}.attention.out_lin`, h, h),
        saNorm: await loadLayerNorm(weights, `${p}.sa_layer_norm`, h, EPS),
        lin1: await loadLinear(weights, `${p}.ffn.lin1`, h, m),
        lin2: await loadLinear(weights, `${p}.ffn.lin2`, m, h),
        outNorm: await loadLayerNorm(weights, `${p}.output_layer_norm`, h, EPS),
      });
    }
    const tensors: tf.Tensor[] = [word, position, norm.weight, ...(norm.bias ? [norm.bias] : [])];
    for (const l of layers) {
      for (const lin of [l.q, l.k, l.v, l.out, l.lin1, l.lin2]) tensors.push(lin.weight, ...(lin.bias ? [lin.bias] : []));
      for (const n of [l.saNorm, l.outNorm]) tensors.push(n.weight, ...(n.bias ? [n.bias] : []));
    }
    const table = position;
    return {
      modelType: 'distilbert',
      modality: 'text',
      numLayers: nLayers,
      hiddenSize: h,
      parameters: countParameters(tensors),
      defaultPooling: 'cls',
      poolings: ['cls', 'mean'],
      maxLength: positions,
      engine: 'tfjs',
      forward(batch: ModelBatch, options?: ForwardOptions): ForwardOutput {
        const text = textBatch(batch, 'distilbert');
        const t = text.inputIds.shape[1];
        checkLength(t, positions, 'distilbert');
        checkIds(text, vocab, 'distilbert');
        const wanted = new Set(options?.layers ?? []);
        wanted.add(nLayers);
        const hidden = new Map<number, tf.Tensor>();
        const ids = tf.cast(text.inputIds, 'int32');
        let x = layerNorm(tf.add(tf.gather(word, ids), tf.expandDims(tf.slice(table, [0, 0], [t, h]), 0)), norm);
        if (wanted.has(0)) hidden.set(0, x);
        const bias = paddingBias(text.attentionMask);
        layers.forEach((l, i) => {
          const input = x;
          x = tf.tidy(() => {
            // One tidy per layer frees its intermediates at once (see bert.ts runBertEncoder).
            const context = mergeHeads(attention(splitHeads(linear(input, l.q), heads), splitHeads(linear(input, l.k), heads), splitHeads(linear(input, l.v), heads), bias));
            const sa = layerNorm(tf.add(linear(context, l.out), input), l.saNorm);
            return layerNorm(tf.add(linear(act(linear(sa, l.lin1)), l.lin2), sa), l.outNorm);
          });
          if (wanted.has(i + 1)) hidden.set(i + 1, x);
        });
        return { hidden };
      },
      dispose(): void {
        tf.dispose(tensors);
      },
    };
  },
};

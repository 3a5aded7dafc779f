/**
 * ViT (`model_type` vit) and DeiT (deit) as `transformers` 5.x runs them (ViTModel, DeiTModel),
 * inference only, in tfjs-core ops on NHWC pixel values:
 *
 *   patch embedding (Conv2d kernel = stride = patch_size) → [CLS] (+ DeiT's distillation token)
 *   + position embeddings → num_hidden_layers pre-LayerNorm blocks (layernorm_before, attention,
 *   residual, layernorm_after, intermediate + output, residual) → final `layernorm`.
 *
 * Hidden states: 0 = embeddings, i = block i, numLayers = the final-layernormed sequence (the
 * model's last_hidden_state). Poolings: `cls` (default: ViTForImageClassification and
 * DeiTForImageClassification read token 0 of the final-layernormed sequence; the WithTeacher
 * variant's average of the CLS and distillation heads is not reproduced — its input is the same
 * CLS token plus token 1), `pooler` (ViTModel's dense + tanh on token 0, when the checkpoint has
 * one: classification checkpoints drop it), `mean` (over all tokens, special ones included).
 * Position embeddings are not interpolated: other image sizes are a shape-mismatch error.
 * Stored names are the ones save_pretrained writes (`encoder.layer.N.attention.attention.query`…),
 * under the `vit.` / `deit.` prefixes of task heads (resolved by the WeightSource).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ForwardOptions, ForwardOutput, HfArchitecture, HfConfig, HfModel, ModelBatch, Pooling, WeightSource } from '../types';
import { CheckpointError } from '../../../core/formats/errors';
import { activationFor, configInt, configNumber, countParameters, layerNorm, linear, loadLayerNorm, loadLinear, type Linear } from './layers';
import { blockTensors, checkPixels, configBool, configPair, loadConv, loadPreNormBlock, patchEmbed, preNormBlock, type Conv, type PreNormBlock } from './visionLayers';

const VIT_BLOCK_NAMES = {
  norm1: 'layernorm_before',
  q: 'attention.attention.query',
  k: 'attention.attention.key',
  v: 'attention.attention.value',
  out: 'attention.output.dense',
  norm2: 'layernorm_after',
  fc1: 'intermediate.dense',
  fc2: 'output.dense',
} as const;

interface VitShape {
  readonly hidden: number;
  readonly layers: number;
  readonly heads: number;
  readonly intermediate: number;
  readonly channels: number;
  readonly imageSize: [number, number];
  readonly patch: [number, number];
  readonly specialTokens: number;
}

function vitShape(config: HfConfig, modelType: string): VitShape {
  const hidden = configInt(config, 'hidden_size', 768);
  const heads = configInt(config, 'num_attention_heads', 12);
  if (heads === 0 || hidden % heads !== 0) {
    throw new CheckpointError('checkpoint-invalid', `config.json: hidden_size ${hidden} is not a multiple of num_attention_heads ${heads}; fix config.json or re-save the model with transformers.`);
  }
  const imageSize = configPair(config, 'image_size', 224);
  const patch = configPair(config, 'patch_size', 16);
  if (patch[0] !== patch[1]) throw new CheckpointError('checkpoint-unsupported', `config.json: non-square patch_size ${JSON.stringify(config.patch_size)} is not supported.`);
  if (imageSize[0] % patch[0] !== 0 || imageSize[1] % patch[1] !== 0) {
    throw new CheckpointError('checkpoint-invalid', `config.json: image_size ${imageSize.join('×')} is not a multiple of patch_size ${patch[0]}.`);
  }
  return {
    hidden,
    heads,
    layers: configInt(config, 'num_hidden_layers', 12),
    intermediate: configInt(config, 'intermediate_size', 3072),
    channels: configInt(config, 'num_channels', 3),
    imageSize,
    patch,
    specialTokens: modelType === 'deit' ? 2 : 1,
  };
}

function vitParameters(config: HfConfig, modelType: string): number | undefined {
  try {
    const s = vitShape(config, modelType);
    const patches = (s.imageSize[0] / s.patch[0]) * (s.imageSize[1] / s.patch[1]);
    const embed = s.hidden * s.channels * s.patch[0] * s.patch[1] + s.hidden + (patches + s.specialTokens) * s.hidden + s.specialTokens * s.hidden;
    const block = 4 * (s.hidden * s.hidden + s.hidden) + 2 * s.hidden * s.intermediate + s.intermediate + s.hidden + 4 * s.hidden;
    return embed + s.layers * block + 2 * s.hidden + s.hidden * s.hidden + s.hidden;
  } catch {
    return undefined;
  }
}

async function loadVit(config: HfConfig, weights: WeightSource, modelType: 'vit' | 'deit'): Promise<HfModel> {
  const s = vitShape(config, modelType);
  const eps = configNumber(config, 'layer_norm_eps', 1e-12);
  const act = activationFor(config.hidden_act);
  const qkvBias = configBool(config, 'qkv_bias', true);
  const patchesH = s.imageSize[0] / s.patch[0];
  const patchesW = s.imageSize[1] / s.patch[1];
  const tokens = patchesH * patchesW + s.specialTokens;

  const patchConv: Conv = await loadConv(weights, 'embeddings.patch_embeddings.projection', s.channels, s.hidden, s.patch[0], { bias: 'required' });
  const cls = await weights.tensor('embeddings.cls_token', [1, 1, s.hidden]);
  const distillation = modelType === 'deit' ? await weights.tensor('embeddings.distillation_token', [1, 1, s.hidden]) : undefined;
  const positions = await weights.tensor('embeddings.position_embeddings', [1, tokens, s.hidden]);
  const blocks: PreNormBlock[] = [];
  for (let i = 0; i < s.layers; i++) {
    blocks.push(await loadPreNormBlock(weights, `encoder.layer.${i}`, VIT_BLOCK_NAMES, s.hidden, s.intermediate, eps, qkvBias));
  }
  const finalNorm = await loadLayerNorm(weights, 'layernorm', s.hidden, eps);
  let pooler: Linear | undefined;
  const poolerSize = configInt(config, 'pooler_output_size', s.hidden);
  if (weights.has('pooler.dense.weight')) pooler = await loadLinear(weights, 'pooler.dense', s.hidden, poolerSize);
  const poolerAct = activationFor(config.pooler_act, 'pooler_act', 'tanh');

  const tensors: tf.Tensor[] = [patchConv.kernel, patchConv.bias!, cls, positions, finalNorm.weight, finalNorm.bias!, ...blocks.flatMap(blockTensors)];
  if (distillation) tensors.push(distillation);
  if (pooler) tensors.push(pooler.weight, pooler.bias!);
  const poolings: Pooling[] = pooler ? ['cls', 'pooler', 'mean'] : ['cls', 'mean'];

  return {
    modelType,
    modality: 'image',
    numLayers: s.layers,
    hiddenSize: s.hidden,
    parameters: countParameters(tensors),
    defaultPooling: 'cls',
    poolings,
    maxLength: s.imageSize[0],
    engine: 'tfjs',
    forward(batch: ModelBatch, options?: ForwardOptions): ForwardOutput {
      if (batch.kind !== 'image') throw new CheckpointError('shape-mismatch', `${modelType} takes images, not text.`);
      const pixels = batch.pixelValues;
      checkPixels(pixels, s.channels, modelType, { height: s.imageSize[0], width: s.imageSize[1] });
      const b = pixels.shape[0];
      const wanted = new Set(options?.layers ?? []);
      const hidden = new Map<number, tf.Tensor>();
      const patches = patchEmbed(pixels, patchConv, s.patch[0]);
      const special = [tf.tile(cls, [b, 1, 1])];
      if (distillation) special.push(tf.tile(distillation, [b, 1, 1]));
      let x: tf.Tensor = tf.add(tf.concat([...special, patches], 1), positions);
      if (wanted.has(0)) hidden.set(0, x);
      for (let i = 0; i < s.layers; i++) {
        const input = x;
        // One tidy per block: its intermediates are freed before the next (peak memory ≈ one block).
        x = tf.tidy(() => preNormBlock(input, blocks[i]!, s.heads, act));
        if (wanted.has(i + 1) && i + 1 < s.layers) hidden.set(i + 1, x);
      }
      const last = layerNorm(x, finalNorm);
      hidden.set(s.layers, last);
      let pooled: tf.Tensor2D | undefined;
      if (pooler) {
        const first = tf.reshape(tf.slice(last, [0, 0, 0], [b, 1, s.hidden]), [b, s.hidden]);
        pooled = poolerAct(linear(first, pooler)) as tf.Tensor2D;
      }
      return { hidden, pooler: pooled };
    },
    dispose(): void {
      for (const t of tensors) t.dispose();
    },
  };
}

export const vitArchitecture: HfArchitecture = {
  modelTypes: ['vit'],
  modality: 'image',
  estimateParameters: (config) => vitParameters(config, 'vit'),
  load: (config, weights) => loadVit(config, weights, 'vit'),
};

export const deitArchitecture: HfArchitecture = {
  modelTypes: ['deit'],
  modality: 'image',
  estimateParameters: (config) => vitParameters(config, 'deit'),
  load: (config, weights) => loadVit(config, weights, 'deit'),
};

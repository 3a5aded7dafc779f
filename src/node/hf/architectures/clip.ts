/**
 * The CLIP vision tower (`model_type` clip, clip_vision_model) as `transformers` 5.x runs it
 * (CLIPVisionTransformer), inference only, in tfjs-core ops on NHWC pixel values:
 *
 *   patch embedding (Conv2d without bias) → class embedding + position embeddings → pre_layrnorm
 *   → pre-LayerNorm blocks (layer_norm1, self_attn, residual, layer_norm2, mlp, residual;
 *   quick_gelu by default) → last_hidden_state (no final norm) ; pooled = post_layernorm(token 0).
 *
 * A full `clip` config.json holds the tower's settings under `vision_config`, and its weights under
 * `vision_model.`; the text tower and the projections are ignored. CLIPVisionModel checkpoints
 * saved by transformers 5 store the same names without the prefix (the WeightSource resolves both).
 *
 * Hidden states: 0 = the embeddings after pre_layrnorm (what transformers reports), i = block i,
 * numLayers = the last block = last_hidden_state. Poolings: `pooler` (default: post-layernormed
 * CLS, what CLIPVisionModel returns as pooler_output and visual_projection reads; the projection
 * itself is not applied), `cls` (token 0 without post_layernorm), `mean` (all tokens, CLS
 * included; CLIPForImageClassification averages the patch tokens only).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ForwardOptions, ForwardOutput, HfArchitecture, HfConfig, HfModel, ModelBatch, WeightSource } from '../types';
import { CheckpointError } from '../../../core/formats/errors';
import { activationFor, configInt, configNumber, countParameters, layerNorm, loadLayerNorm } from './layers';
import { blockTensors, checkPixels, configPair, loadConv, loadPreNormBlock, patchEmbed, preNormBlock, type PreNormBlock } from './visionLayers';

const PREFIX = 'vision_model.';

const CLIP_BLOCK_NAMES = {
  norm1: 'layer_norm1',
  q: 'self_attn.q_proj',
  k: 'self_attn.k_proj',
  v: 'self_attn.v_proj',
  out: 'self_attn.out_proj',
  norm2: 'layer_norm2',
  fc1: 'mlp.fc1',
  fc2: 'mlp.fc2',
} as const;

/** The vision settings: `vision_config` of a full clip config, else the config itself. */
export function clipVisionConfig(config: HfConfig): HfConfig {
  if (config.model_type === 'clip') {
    const v = config.vision_config;
    if (v === undefined || v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v)) {
      throw new CheckpointError('checkpoint-invalid', 'config.json: vision_config must be an object (the CLIP vision tower settings); re-save the model with transformers.');
    }
    return v as HfConfig;
  }
  return config;
}

interface ClipShape {
  hidden: number;
  heads: number;
  layers: number;
  intermediate: number;
  channels: number;
  imageSize: [number, number];
  patch: number;
}

function clipShape(config: HfConfig): ClipShape {
  const v = clipVisionConfig(config);
  const hidden = configInt(v, 'hidden_size', 768);
  const heads = configInt(v, 'num_attention_heads', 12);
  if (heads === 0 || hidden % heads !== 0) {
    throw new CheckpointError('checkpoint-invalid', `config.json: hidden_size ${hidden} is not a multiple of num_attention_heads ${heads}; fix config.json or re-save the model with transformers.`);
  }
  const imageSize = configPair(v, 'image_size', 224);
  const patch = configInt(v, 'patch_size', 32);
  if (patch === 0 || imageSize[0] % patch !== 0 || imageSize[1] % patch !== 0) {
    throw new CheckpointError('checkpoint-invalid', `config.json: image_size ${imageSize.join('×')} is not a multiple of patch_size ${patch}.`);
  }
  return {
    hidden,
    heads,
    layers: configInt(v, 'num_hidden_layers', 12),
    intermediate: configInt(v, 'intermediate_size', 3072),
    channels: configInt(v, 'num_channels', 3),
    imageSize,
    patch,
  };
}

function clipParameters(config: HfConfig): number | undefined {
  try {
    const s = clipShape(config);
    const tokens = (s.imageSize[0] / s.patch) * (s.imageSize[1] / s.patch) + 1;
    const embed = s.hidden * s.channels * s.patch * s.patch + s.hidden + tokens * s.hidden;
    const block = 4 * (s.hidden * s.hidden + s.hidden) + 2 * s.hidden * s.intermediate + s.intermediate + s.hidden + 4 * s.hidden;
    return embed + s.layers * block + 4 * s.hidden;
  } catch {
    return undefined;
  }
}

async function loadClip(config: HfConfig, weights: WeightSource): Promise<HfModel> {
  const modelType = String(config.model_type);
  const s = clipShape(config);
  const v = clipVisionConfig(config);
  const eps = configNumber(v, 'layer_norm_eps', 1e-5);
  const act = activationFor(v.hidden_act, 'vision_config.hidden_act', 'quick_gelu');
  const tokens = (s.imageSize[0] / s.patch) * (s.imageSize[1] / s.patch) + 1;

  const patchConv = await loadConv(weights, `${PREFIX}embeddings.patch_embedding`, s.channels, s.hidden, s.patch);
  const classEmbedding = await weights.tensor(`${PREFIX}embeddings.class_embedding`, [s.hidden]);
  const positions = await weights.tensor(`${PREFIX}embeddings.position_embedding.weight`, [tokens, s.hidden]);
  const preNorm = await loadLayerNorm(weights, `${PREFIX}pre_layrnorm`, s.hidden, eps);
  const blocks: PreNormBlock[] = [];
  for (let i = 0; i < s.layers; i++) {
    blocks.push(await loadPreNormBlock(weights, `${PREFIX}encoder.layers.${i}`, CLIP_BLOCK_NAMES, s.hidden, s.intermediate, eps, true));
  }
  const postNorm = await loadLayerNorm(weights, `${PREFIX}post_layernorm`, s.hidden, eps);
  const tensors: tf.Tensor[] = [patchConv.kernel, classEmbedding, positions, preNorm.weight, preNorm.bias!, postNorm.weight, postNorm.bias!, ...blocks.flatMap(blockTensors)];

  return {
    modelType,
    modality: 'image',
    numLayers: s.layers,
    hiddenSize: s.hidden,
    parameters: countParameters(tensors),
    defaultPooling: 'pooler',
    poolings: ['pooler', 'cls', 'mean'],
    maxLength: s.imageSize[0],
    engine: 'tfjs',
    forward(batch: ModelBatch, options?: ForwardOptions): ForwardOutput {
      if (batch.kind !== 'image') throw new CheckpointError('shape-mismatch', `${modelType} (vision tower) takes images, not text.`);
      const pixels = batch.pixelValues;
      checkPixels(pixels, s.channels, modelType, { height: s.imageSize[0], width: s.imageSize[1] });
      const b = pixels.shape[0];
      const wanted = new Set(options?.layers ?? []);
      const hidden = new Map<number, tf.Tensor>();
      const patches = patchEmbed(pixels, patchConv, s.patch);
      const cls = tf.tile(tf.reshape(classEmbedding, [1, 1, s.hidden]), [b, 1, 1]);
      let x: tf.Tensor = layerNorm(tf.add(tf.concat([cls, patches], 1), positions), preNorm);
      if (wanted.has(0)) hidden.set(0, x);
      for (let i = 0; i < s.layers; i++) {
        const input = x;
        // One tidy per block: its intermediates are freed before the next (peak memory ≈ one block).
        x = tf.tidy(() => preNormBlock(input, blocks[i]!, s.heads, act));
        if (wanted.has(i + 1) || i + 1 === s.layers) hidden.set(i + 1, x);
      }
      const first = tf.reshape(tf.slice(x, [0, 0, 0], [b, 1, s.hidden]), [b, s.hidden]);
      return { hidden, pooler: layerNorm(first, postNorm) as tf.Tensor2D };
    },
    dispose(): void {
      for (const t of tensors) t.dispose();
    },
  };
}

export const clipArchitecture: HfArchitecture = {
  modelTypes: ['clip', 'clip_vision_model'],
  modality: 'image',
  estimateParameters: clipParameters,
  load: loadClip,
};

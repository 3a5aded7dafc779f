/**
 * ConvNeXt v1 (`model_type` convnext, e.g. facebook/convnext-tiny-224) as `transformers` 5.x runs
 * it (ConvNextModel), inference only, NHWC in tfjs-core ops:
 *
 *   stem: Conv patch_size×patch_size stride patch_size + LayerNorm (eps 1e-6, over channels)
 *   stages: (stage > 0) LayerNorm + Conv 2×2 stride 2 downsampling, then blocks of
 *   depthwise Conv 7×7 (padding 3) → LayerNorm (1e-6) → Linear 4C → act → Linear C →
 *   × layer_scale_parameter (when layer_scale_init_value > 0) → + residual.
 *   pooled: LayerNorm(layer_norm_eps) of the spatial mean of the last stage.
 *
 * NHWC makes the channels-first LayerNorms of PyTorch plain last-axis LayerNorms, and the
 * pointwise "convs" (nn.Linear in transformers) plain matrix products. No GRN (that is v2).
 * Hidden states: 0 = the stem output, i = stage i. Poolings: `pooler` (default: the
 * layernormed average ConvNextForImageClassification reads, = the model's pooler output),
 * `gap` / `mean` (the plain spatial average of the last stage, without that LayerNorm).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ForwardOptions, ForwardOutput, HfArchitecture, HfConfig, HfModel, ModelBatch, WeightSource } from '../types';
import { CheckpointError } from '../../../core/formats/errors';
import { activationFor, configInt, configNumber, countParameters, layerNorm, linear, loadLayerNorm, loadLinear, type LayerNorm, type Linear } from './layers';
import { checkPixels, configIntList, conv2d, loadConv, type Conv } from './visionLayers';
import { poolGap } from '../pooling';

/** The LayerNorm epsilon transformers hard-codes inside ConvNeXt (stem, downsampling, blocks). */
const INNER_EPS = 1e-6;

interface Block {
  readonly dw: Conv;
  readonly norm: LayerNorm;
  readonly fc1: Linear;
  readonly fc2: Linear;
  readonly scale?: tf.Tensor1D;
}

interface Stage {
  readonly downNorm?: LayerNorm;
  readonly down?: Conv;
  readonly blocks: readonly Block[];
}

interface ConvnextShape {
  channels: number;
  patch: number;
  hiddenSizes: number[];
  depths: number[];
}

function convnextShape(config: HfConfig): ConvnextShape {
  const stages = configInt(config, 'num_stages', 4);
  const hiddenSizes = configIntList(config, 'hidden_sizes', [96, 192, 384, 768]);
  const depths = configIntList(config, 'depths', [3, 3, 9, 3]);
  if (hiddenSizes.length < stages || depths.length < stages || stages === 0) {
    throw new CheckpointError('checkpoint-invalid', `config.json: num_stages ${stages} needs that many hidden_sizes (${hiddenSizes.length}) and depths (${depths.length}); fix config.json or re-save the model with transformers.`);
  }
  return { channels: configInt(config, 'num_channels', 3), patch: configInt(config, 'patch_size', 4), hiddenSizes: hiddenSizes.slice(0, stages), depths: depths.slice(0, stages) };
}

function convnextParameters(config: HfConfig): number | undefined {
  try {
    const s = convnextShape(config);
    const layerScale = configNumber(config, 'layer_scale_init_value', 1e-6) > 0;
    const c0 = s.hiddenSizes[0]!;
    let n = s.channels * c0 * s.patch * s.patch + c0 + 2 * c0;
    s.hiddenSizes.forEach((c, i) => {
      if (i > 0) n += 2 * s.hiddenSizes[i - 1]! + s.hiddenSizes[i - 1]! * c * 4 + c;
      const block = 49 * c + c + 2 * c + (c * 4 * c + 4 * c) + (4 * c * c + c) + (layerScale ? c : 0);
      n += s.depths[i]! * block;
    });
    return n + 2 * s.hiddenSizes[s.hiddenSizes.length - 1]!;
  } catch {
    return undefined;
  }
}

async function loadConvnext(config: HfConfig, weights: WeightSource): Promise<HfModel> {
  const s = convnextShape(config);
  const act = activationFor(config.hidden_act);
  const finalEps = configNumber(config, 'layer_norm_eps', 1e-12);
  const layerScale = configNumber(config, 'layer_scale_init_value', 1e-6) > 0;
  const c0 = s.hiddenSizes[0]!;
  const stem = await loadConv(weights, 'embeddings.patch_embeddings', s.channels, c0, s.patch, { bias: 'required' });
  const stemNorm = await loadLayerNorm(weights, 'embeddings.layernorm', c0, INNER_EPS);
  const stages: Stage[] = [];
  let prev = c0;
  for (let i = 0; i < s.hiddenSizes.length; i++) {
    const c = s.hiddenSizes[i]!;
    const prefix = `encoder.stages.${i}`;
    let downNorm: LayerNorm | undefined;
    let down: Conv | undefined;
    if (prev !== c || i > 0) {
      downNorm = await loadLayerNorm(weights, `${prefix}.downsampling_layer.0`, prev, INNER_EPS);
      down = await loadConv(weights, `${prefix}.downsampling_layer.1`, prev, c, 2, { bias: 'required' });
    }
    const blocks: Block[] = [];
    for (let j = 0; j < s.depths[i]!; j++) {
      const p = `${prefix}.layers.${j}`;
      blocks.push({
        dw: await loadConv(weights, `${p}.dwconv`, c, c, 7, { depthwise: true, bias: 'required' }),
        norm: await loadLayerNorm(weights, `${p}.layernorm`, c, INNER_EPS),
        fc1: await loadLinear(weights, `${p}.pwconv1`, c, 4 * c),
        fc2: await loadLinear(weights, `${p}.pwconv2`, 4 * c, c),
        scale: layerScale ? ((await weights.tensor(`${p}.layer_scale_parameter`, [c])) as tf.Tensor1D) : undefined,
      });
    }
    stages.push({ downNorm, down, blocks });
    prev = c;
  }
  const last = s.hiddenSizes[s.hiddenSizes.length - 1]!;
  const finalNorm = await loadLayerNorm(weights, 'layernorm', last, finalEps);

  const tensors: (tf.Tensor | undefined)[] = [stem.kernel, stem.bias, stemNorm.weight, stemNorm.bias, finalNorm.weight, finalNorm.bias];
  for (const st of stages) {
    tensors.push(st.downNorm?.weight, st.downNorm?.bias, st.down?.kernel, st.down?.bias);
    for (const b of st.blocks) tensors.push(b.dw.kernel, b.dw.bias, b.norm.weight, b.norm.bias, b.fc1.weight, b.fc1.bias, b.fc2.weight, b.fc2.bias, b.scale);
  }

  return {
    modelType: 'convnext',
    modality: 'image',
    numLayers: stages.length,
    hiddenSize: last,
    parameters: countParameters(tensors),
    defaultPooling: 'pooler',
    poolings: ['pooler', 'gap', 'mean'],
    engine: 'tfjs',
    forward(batch: ModelBatch, options?: ForwardOptions): ForwardOutput {
      if (batch.kind !== 'image') throw new CheckpointError('shape-mismatch', 'convnext takes images, not text.');
      checkPixels(batch.pixelValues, s.channels, 'convnext');
      const wanted = new Set(options?.layers ?? []);
      const hidden = new Map<number, tf.Tensor>();
      let x = layerNorm(conv2d(batch.pixelValues, stem, s.patch, 0), stemNorm) as tf.Tensor4D;
      if (wanted.has(0)) hidden.set(0, x);
      stages.forEach((st, i) => {
        if (st.down && st.downNorm) x = conv2d(layerNorm(x, st.downNorm) as tf.Tensor4D, st.down, 2, 0);
        for (const b of st.blocks) {
          const input = x;
          // One tidy per block: its intermediates are freed before the next.
          x = tf.tidy(() => {
            let y = linear(act(linear(layerNorm(conv2d(input, b.dw, 1, 3), b.norm), b.fc1)), b.fc2);
            if (b.scale) y = tf.mul(y, b.scale);
            return tf.add(input, y) as tf.Tensor4D;
          });
        }
        if (wanted.has(i + 1) || i + 1 === stages.length) hidden.set(i + 1, x);
      });
      return { hidden, pooler: layerNorm(poolGap(x), finalNorm) as tf.Tensor2D };
    },
    dispose(): void {
      for (const t of tensors) t?.dispose();
    },
  };
}

export const convnextArchitecture: HfArchitecture = {
  modelTypes: ['convnext'],
  modality: 'image',
  estimateParameters: convnextParameters,
  load: loadConvnext,
};

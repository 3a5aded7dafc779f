/**
 * ResNet (`model_type` resnet, e.g. microsoft/resnet-50) as `transformers` 5.x runs it
 * (ResNetModel), inference only, NHWC in tfjs-core ops:
 *
 *   embedder: Conv 7×7 stride 2 (padding 3) + BatchNorm + act, MaxPool 3×3 stride 2 (padding 1)
 *   stages: `layer_type` bottleneck (1×1 reduce by 4, 3×3, 1×1 expand; `downsample_in_bottleneck`
 *   puts the stride on the first 1×1 instead of the 3×3) or basic (two 3×3); a 1×1 conv + BN
 *   shortcut where channels or stride change; stage 1 strides only with
 *   `downsample_in_first_stage`, every later stage by 2.
 *
 * Every BatchNorm (eps 1e-5, PyTorch's default, which transformers uses here) is folded into its
 * convolution at load time (visionLayers.ts). Hidden states: 0 = the embedder output (after the
 * max pool), i = stage i (NHWC). Poolings: `gap` (default: the adaptive average pool
 * ResNetForImageClassification reads, = the model's pooler output), `mean` (the same average),
 * `pooler` (the same tensor, returned as the model's pooler output). `parameters` counts what
 * transformers counts (conv weights, BatchNorm weight and bias; running statistics are buffers).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ForwardOptions, ForwardOutput, HfArchitecture, HfConfig, HfModel, ModelBatch, WeightSource } from '../types';
import { CheckpointError } from '../../../core/formats/errors';
import { activationFor, configInt } from './layers';
import { checkPixels, configBool, configIntList, conv2d, foldBatchNorm, loadBatchNorm, loadConv, type Conv, type FusedActivation } from './visionLayers';
import { poolGap } from '../pooling';

/** nn.BatchNorm2d's default epsilon (ResNetConvLayer / ResNetShortCut do not set one). */
export const RESNET_BN_EPS = 1e-5;

interface ConvBn {
  readonly conv: Conv;
  readonly stride: number;
  readonly padding: number;
  readonly act: boolean;
}

interface ResidualLayer {
  readonly layers: readonly ConvBn[];
  readonly shortcut?: ConvBn;
}

interface ResnetShape {
  channels: number;
  embedding: number;
  hiddenSizes: number[];
  depths: number[];
  bottleneck: boolean;
  downsampleFirst: boolean;
  downsampleInBottleneck: boolean;
}

function resnetShape(config: HfConfig): ResnetShape {
  const hiddenSizes = configIntList(config, 'hidden_sizes', [256, 512, 1024, 2048]);
  const depths = configIntList(config, 'depths', [3, 4, 6, 3]);
  if (hiddenSizes.length !== depths.length) {
    throw new CheckpointError('checkpoint-invalid', `config.json: hidden_sizes has ${hiddenSizes.length} entries but depths ${depths.length}; fix config.json or re-save the model with transformers.`);
  }
  const layerType = config.layer_type ?? 'bottleneck';
  if (layerType !== 'bottleneck' && layerType !== 'basic') {
    throw new CheckpointError('checkpoint-unsupported', `config.json: layer_type ${JSON.stringify(layerType)} is not supported (bottleneck, basic).`);
  }
  return {
    channels: configInt(config, 'num_channels', 3),
    embedding: configInt(config, 'embedding_size', 64),
    hiddenSizes,
    depths,
    bottleneck: layerType === 'bottleneck',
    downsampleFirst: configBool(config, 'downsample_in_first_stage', false),
    downsampleInBottleneck: configBool(config, 'downsample_in_bottleneck', false),
  };
}

/** The layer plan shared by the parameter estimate and the loader: for each conv, its channels, kernel and stride. */
interface ConvPlan { name: string; inC: number; outC: number; k: number; stride: number; act: boolean }
interface LayerPlan { convs: ConvPlan[]; shortcut?: ConvPlan }

function plan(s: ResnetShape): LayerPlan[][] {
  const stages: LayerPlan[][] = [];
  let inC = s.embedding;
  s.hiddenSizes.forEach((outC, si) => {
    const stageStride = si === 0 ? (s.downsampleFirst ? 2 : 1) : 2;
    const layers: LayerPlan[] = [];
    for (let li = 0; li < s.depths[si]!; li++) {
      const stride = li === 0 ? stageStride : 1;
      const from = li === 0 ? inC : outC;
      const prefix = `encoder.stages.${si}.layers.${li}`;
      const convs: ConvPlan[] = [];
      if (s.bottleneck) {
        const reduced = Math.floor(outC / 4);
        convs.push({ name: `${prefix}.layer.0`, inC: from, outC: reduced, k: 1, stride: s.downsampleInBottleneck ? stride : 1, act: true });
        convs.push({ name: `${prefix}.layer.1`, inC: reduced, outC: reduced, k: 3, stride: s.downsampleInBottleneck ? 1 : stride, act: true });
        convs.push({ name: `${prefix}.layer.2`, inC: reduced, outC, k: 1, stride: 1, act: false });
      } else {
        convs.push({ name: `${prefix}.layer.0`, inC: from, outC, k: 3, stride, act: true });
        convs.push({ name: `${prefix}.layer.1`, inC: outC, outC, k: 3, stride: 1, act: false });
      }
      const shortcut = from !== outC || stride !== 1 ? { name: `${prefix}.shortcut`, inC: from, outC, k: 1, stride, act: false } : undefined;
      layers.push({ convs, shortcut });
    }
    stages.push(layers);
    inC = outC;
  });
  return stages;
}

function resnetParameters(config: HfConfig): number | undefined {
  try {
    const s = resnetShape(config);
    const convParams = (c: ConvPlan): number => c.inC * c.outC * c.k * c.k + 2 * c.outC;
    let n = s.channels * s.embedding * 49 + 2 * s.embedding;
    for (const stage of plan(s)) for (const layer of stage) for (const c of [...layer.convs, ...(layer.shortcut ? [layer.shortcut] : [])]) n += convParams(c);
    return n;
  } catch {
    return undefined;
  }
}

async function loadConvBn(weights: WeightSource, c: ConvPlan, padding: number): Promise<ConvBn> {
  const conv = await loadConv(weights, `${c.name}.convolution`, c.inC, c.outC, c.k);
  const bn = await loadBatchNorm(weights, `${c.name}.normalization`, c.outC);
  return { conv: foldBatchNorm(conv, bn, RESNET_BN_EPS), stride: c.stride, padding, act: c.act };
}

async function loadResnet(config: HfConfig, weights: WeightSource): Promise<HfModel> {
  const s = resnetShape(config);
  const actName = config.hidden_act ?? 'relu';
  // relu / relu6 fuse into the convolution; anything else runs after it.
  const fused: FusedActivation | undefined = actName === 'relu' || actName === 'relu6' ? actName : undefined;
  const act = activationFor(actName);
  const embedder = await loadConvBn(weights, { name: 'embedder.embedder', inC: s.channels, outC: s.embedding, k: 7, stride: 2, act: true }, 3);
  const stages: ResidualLayer[][] = [];
  for (const stage of plan(s)) {
    const layers: ResidualLayer[] = [];
    for (const layer of stage) {
      const convs: ConvBn[] = [];
      for (const c of layer.convs) convs.push(await loadConvBn(weights, c, Math.floor(c.k / 2)));
      layers.push({ layers: convs, shortcut: layer.shortcut ? await loadConvBn(weights, layer.shortcut, 0) : undefined });
    }
    stages.push(layers);
  }
  const all: ConvBn[] = [embedder, ...stages.flat().flatMap((l) => [...l.layers, ...(l.shortcut ? [l.shortcut] : [])])];
  const parameters = all.reduce((n, c) => n + c.conv.kernel.size + (c.conv.bias?.size ?? 0) * 2, 0);

  const run = (x: tf.Tensor4D, c: ConvBn): tf.Tensor4D => {
    if (!c.act) return conv2d(x, c.conv, c.stride, c.padding);
    if (fused) return conv2d(x, c.conv, c.stride, c.padding, fused);
    return act(conv2d(x, c.conv, c.stride, c.padding)) as tf.Tensor4D;
  };

  return {
    modelType: 'resnet',
    modality: 'image',
    numLayers: stages.length,
    hiddenSize: s.hiddenSizes[s.hiddenSizes.length - 1]!,
    parameters,
    defaultPooling: 'gap',
    poolings: ['gap', 'mean', 'pooler'],
    engine: 'tfjs',
    forward(batch: ModelBatch, options?: ForwardOptions): ForwardOutput {
      if (batch.kind !== 'image') throw new CheckpointError('shape-mismatch', 'resnet takes images, not text.');
      checkPixels(batch.pixelValues, s.channels, 'resnet');
      const wanted = new Set(options?.layers ?? []);
      const hidden = new Map<number, tf.Tensor>();
      let x = tf.maxPool(run(batch.pixelValues, embedder), 3, 2, 1);
      if (wanted.has(0)) hidden.set(0, x);
      stages.forEach((stage, si) => {
        for (const layer of stage) {
          const input = x;
          // One tidy per residual layer: its intermediates are freed before the next.
          x = tf.tidy(() => {
            let y = input;
            for (const c of layer.layers) y = run(y, c);
            const residual = layer.shortcut ? run(input, layer.shortcut) : input;
            return act(tf.add(y, residual)) as tf.Tensor4D;
          });
        }
        if (wanted.has(si + 1) || si + 1 === stages.length) hidden.set(si + 1, x);
      });
      return { hidden, pooler: poolGap(x) };
    },
    dispose(): void {
      for (const c of all) {
        c.conv.kernel.dispose();
        c.conv.bias?.dispose();
      }
    },
  };
}

export const resnetArchitecture: HfArchitecture = {
  modelTypes: ['resnet'],
  modality: 'image',
  estimateParameters: resnetParameters,
  load: loadResnet,
};

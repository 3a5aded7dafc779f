/**
 * MobileNetV2 (`model_type` mobilenet_v2, e.g. google/mobilenet_v2_1.0_224) as `transformers` 5.x
 * runs it (MobileNetV2Model), inference only, NHWC in tfjs-core ops:
 *
 *   stem: Conv 3×3 stride 2 → (expand 1×1 unless first_layer_is_expansion) → depthwise 3×3 →
 *   project 1×1; 16 inverted residual blocks (expand 1×1 by expand_ratio, depthwise 3×3 with the
 *   block's stride, project 1×1 without activation, residual when stride 1 and widths match);
 *   conv_1x1 to 1280 channels (scaled by depth_multiplier unless finegrained_output and the
 *   multiplier is below 1). Every conv is followed by BatchNorm (eps = layer_norm_eps, 0.001), folded
 *   into the conv at load, and by hidden_act (relu6) except the projections.
 *
 * Padding: with `tf_padding` (the default, the TF-trained checkpoints) each conv pads like
 * TensorFlow "SAME" (more at the bottom/right when the padding is odd, e.g. a stride-2 3×3 conv on
 * an even size), as transformers' apply_tf_padding; otherwise PyTorch's symmetric (k−1)/2.
 * Channel counts follow transformers' make_divisible with Python's round (half to even).
 * `output_stride` below 32 turns later strides into dilations, as transformers does.
 *
 * Hidden states (TransferLens numbering; transformers' tuple lacks the stem): 0 = the stem output,
 * i = inverted residual block i (transformers' hidden_states[i − 1]), 17 = conv_1x1 output = the
 * model's last_hidden_state. Poolings: `gap` (default: the average pool
 * MobileNetV2ForImageClassification reads, = the pooler output), `mean` (same), `pooler` (same).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ForwardOptions, ForwardOutput, HfArchitecture, HfConfig, HfModel, ModelBatch, WeightSource } from '../types';
import { CheckpointError } from '../../../core/formats/errors';
import { activationFor, configInt, configNumber } from './layers';
import { checkPixels, configBool, conv2d, foldBatchNorm, loadBatchNorm, loadConv, type Conv, type ConvPadding, type FusedActivation } from './visionLayers';
import { poolGap } from '../pooling';

const BASE_CHANNELS = [16, 24, 24, 32, 32, 32, 64, 64, 64, 64, 96, 96, 96, 160, 160, 160, 320];
const STRIDES = [2, 1, 2, 1, 1, 2, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1];

/** Python's round(): halves go to the even neighbour. */
export function pyRound(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** transformers' make_divisible. */
export function makeDivisible(value: number, divisor = 8, minValue?: number): number {
  const min = minValue ?? divisor;
  let v = Math.max(min, Math.floor(Math.trunc(value + divisor / 2) / divisor) * divisor);
  if (v < 0.9 * value) v += divisor;
  return v;
}

interface ConvSpec {
  readonly name: string;
  readonly inC: number;
  readonly outC: number;
  readonly k: number;
  readonly stride: number;
  readonly dilation: number;
  readonly depthwise: boolean;
  readonly act: boolean;
}

interface Plan {
  readonly stem: ConvSpec[];
  readonly blocks: { convs: ConvSpec[]; residual: boolean }[];
  readonly head: ConvSpec;
}

function mobilenetPlan(config: HfConfig): Plan {
  const dm = configNumber(config, 'depth_multiplier', 1.0);
  if (!(dm > 0)) throw new CheckpointError('checkpoint-invalid', `config.json: depth_multiplier must be positive, found ${JSON.stringify(config.depth_multiplier)}.`);
  const divisor = configInt(config, 'depth_divisible_by', 8);
  const minDepth = configInt(config, 'min_depth', 8);
  const expandRatio = configNumber(config, 'expand_ratio', 6.0);
  const outputStride = configInt(config, 'output_stride', 32);
  const channelsIn = configInt(config, 'num_channels', 3);
  const applyDm = (c: number): number => makeDivisible(pyRound(c * dm), divisor, minDepth);
  const channels = BASE_CHANNELS.map(applyDm);
  const spec = (name: string, inC: number, outC: number, k: number, stride = 1, opts: { depthwise?: boolean; act?: boolean; dilation?: number } = {}): ConvSpec =>
    ({ name, inC, outC, k, stride, dilation: opts.dilation ?? 1, depthwise: opts.depthwise ?? false, act: opts.act ?? true });

  const expanded = applyDm(32);
  const stem = [spec('conv_stem.first_conv', channelsIn, expanded, 3, 2)];
  if (!configBool(config, 'first_layer_is_expansion', true)) stem.push(spec('conv_stem.expand_1x1', expanded, expanded, 1));
  stem.push(spec('conv_stem.conv_3x3', expanded, expanded, 3, 1, { depthwise: true }));
  stem.push(spec('conv_stem.reduce_1x1', expanded, channels[0]!, 1, 1, { act: false }));

  const blocks: Plan['blocks'] = [];
  let currentStride = 2;
  let dilation = 1;
  for (let i = 0; i < 16; i++) {
    let stride: number;
    let blockDilation: number;
    if (currentStride === outputStride) {
      stride = 1;
      blockDilation = dilation;
      dilation *= STRIDES[i]!;
    } else {
      stride = STRIDES[i]!;
      blockDilation = 1;
      currentStride *= stride;
    }
    const inC = channels[i]!;
    const outC = channels[i + 1]!;
    const hidden = makeDivisible(pyRound(inC * expandRatio), divisor, minDepth);
    blocks.push({
      convs: [
        spec(`layer.${i}.expand_1x1`, inC, hidden, 1),
        spec(`layer.${i}.conv_3x3`, hidden, hidden, 3, stride, { depthwise: true, dilation: blockDilation }),
        spec(`layer.${i}.reduce_1x1`, hidden, outC, 1, 1, { act: false }),
      ],
      residual: stride === 1 && inC === outC,
    });
  }
  const outputChannels = configBool(config, 'finegrained_output', true) && dm < 1.0 ? 1280 : applyDm(1280);
  return { stem, blocks, head: spec('conv_1x1', channels[16]!, outputChannels, 1) };
}

function allSpecs(p: Plan): ConvSpec[] {
  return [...p.stem, ...p.blocks.flatMap((b) => b.convs), p.head];
}

function mobilenetParameters(config: HfConfig): number | undefined {
  try {
    return allSpecs(mobilenetPlan(config)).reduce((n, c) => n + c.outC * (c.depthwise ? 1 : c.inC) * c.k * c.k + 2 * c.outC, 0);
  } catch {
    return undefined;
  }
}

interface LoadedConv {
  readonly spec: ConvSpec;
  readonly conv: Conv;
}

async function loadMobilenet(config: HfConfig, weights: WeightSource): Promise<HfModel> {
  const p = mobilenetPlan(config);
  const eps = configNumber(config, 'layer_norm_eps', 0.001);
  const tfPadding = configBool(config, 'tf_padding', true);
  const actName = config.hidden_act ?? 'relu6';
  const fused: FusedActivation | undefined = actName === 'relu6' || actName === 'relu' ? actName : undefined;
  const act = activationFor(actName, 'hidden_act', 'relu6');
  const channelsIn = configInt(config, 'num_channels', 3);

  const load = async (c: ConvSpec): Promise<LoadedConv> => {
    const conv = await loadConv(weights, `${c.name}.convolution`, c.inC, c.outC, c.k, { depthwise: c.depthwise });
    const bn = await loadBatchNorm(weights, `${c.name}.normalization`, c.outC);
    return { spec: c, conv: foldBatchNorm(conv, bn, eps) };
  };
  const stem: LoadedConv[] = [];
  for (const c of p.stem) stem.push(await load(c));
  const blocks: { convs: LoadedConv[]; residual: boolean }[] = [];
  for (const b of p.blocks) {
    const convs: LoadedConv[] = [];
    for (const c of b.convs) convs.push(await load(c));
    blocks.push({ convs, residual: b.residual });
  }
  const head = await load(p.head);
  const all = [...stem, ...blocks.flatMap((b) => b.convs), head];
  const parameters = all.reduce((n, c) => n + c.conv.kernel.size + 2 * c.spec.outC, 0);

  const run = (x: tf.Tensor4D, c: LoadedConv): tf.Tensor4D => {
    const { k, stride, dilation } = c.spec;
    const padding: ConvPadding = tfPadding ? 'tf-same' : Math.floor((k - 1) / 2) * dilation;
    if (!c.spec.act) return conv2d(x, c.conv, stride, padding, 'linear', dilation);
    if (fused) return conv2d(x, c.conv, stride, padding, fused, dilation);
    return act(conv2d(x, c.conv, stride, padding, 'linear', dilation)) as tf.Tensor4D;
  };
  const numLayers = blocks.length + 1;

  return {
    modelType: 'mobilenet_v2',
    modality: 'image',
    numLayers,
    hiddenSize: p.head.outC,
    parameters,
    defaultPooling: 'gap',
    poolings: ['gap', 'mean', 'pooler'],
    engine: 'tfjs',
    forward(batch: ModelBatch, options?: ForwardOptions): ForwardOutput {
      if (batch.kind !== 'image') throw new CheckpointError('shape-mismatch', 'mobilenet_v2 takes images, not text.');
      checkPixels(batch.pixelValues, channelsIn, 'mobilenet_v2');
      const wanted = new Set(options?.layers ?? []);
      const hidden = new Map<number, tf.Tensor>();
      let x = batch.pixelValues;
      for (const c of stem) x = run(x, c);
      if (wanted.has(0)) hidden.set(0, x);
      blocks.forEach((b, i) => {
        const input = x;
        // One tidy per block: its intermediates are freed before the next.
        x = tf.tidy(() => {
          let y = input;
          for (const c of b.convs) y = run(y, c);
          return b.residual ? (tf.add(input, y) as tf.Tensor4D) : y;
        });
        if (wanted.has(i + 1)) hidden.set(i + 1, x);
      });
      const last = run(x, head);
      hidden.set(numLayers, last);
      return { hidden, pooler: poolGap(last) };
    },
    dispose(): void {
      for (const c of all) {
        c.conv.kernel.dispose();
        c.conv.bias?.dispose();
      }
    },
  };
}

export const mobilenetV2Architecture: HfArchitecture = {
  modelTypes: ['mobilenet_v2'],
  modality: 'image',
  estimateParameters: mobilenetParameters,
  load: loadMobilenet,
};

/**
 * Building blocks shared by the Hugging Face vision architectures (vit/deit, clip, resnet,
 * convnext, mobilenet_v2): convolution kernels loaded from PyTorch's layout into TF.js' NHWC one,
 * BatchNorm folded into the preceding convolution at load time, convolutions with PyTorch's
 * symmetric padding or TensorFlow's "SAME" padding (MobileNetV2 `tf_padding`), the patch
 * embedding of ViT-likes, and a pre-LayerNorm transformer block whose tensor names the caller
 * gives (ViT and CLIP name the same pieces differently).
 *
 * Layouts: PyTorch stores a Conv2d weight as [out, in/groups, kh, kw]; TF.js wants
 * [kh, kw, in, out] for conv2d and [kh, kw, in, multiplier] for depthwiseConv2d, so kernels are
 * transposed once at load ([2, 3, 1, 0]). Each tensor is read with the shape config.json implies,
 * so a checkpoint that disagrees with its config fails with CheckpointError naming the tensor.
 *
 * BatchNorm folding (inference only): y = γ·(conv(x) + b − μ)/√(σ² + ε) + β becomes one
 * convolution with kernel W·s and bias (b − μ)·s + β, s = γ/√(σ² + ε) per output channel. It is
 * exact up to float32 rounding (the parity fixtures, with random running statistics, agree with
 * transformers at rtol 1e-4) and saves a pass over every feature map.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { WeightSource } from '../types';
import { CheckpointError } from '../../../core/formats/errors';
import { attention, layerNorm, linear, loadLayerNorm, loadLinear, mergeHeads, splitHeads, type Activation, type LayerNorm, type Linear } from './layers';

/** A convolution ready for TF.js: kernel [kh, kw, in, out] (depthwise: [kh, kw, C, 1]). */
export interface Conv {
  readonly kernel: tf.Tensor4D;
  readonly bias?: tf.Tensor1D;
  readonly depthwise: boolean;
  readonly size: number;
}

export interface BatchNorm {
  readonly weight: tf.Tensor1D;
  readonly bias: tf.Tensor1D;
  readonly mean: tf.Tensor1D;
  readonly variance: tf.Tensor1D;
}

/**
 * Loads `${name}.weight` stored [out, in, k, k] (depthwise: [C, 1, k, k]) and the optional or
 * required `${name}.bias` [out], transposed to TF.js' layout.
 */
export async function loadConv(
  weights: WeightSource,
  name: string,
  inChannels: number,
  outChannels: number,
  size: number,
  options: { readonly depthwise?: boolean; readonly bias?: 'required' | 'optional' | 'none' } = {},
): Promise<Conv> {
  const depthwise = options.depthwise ?? false;
  const stored = await weights.tensor(`${name}.weight`, [outChannels, depthwise ? 1 : inChannels, size, size]);
  const kernel = tf.transpose(stored, [2, 3, 1, 0]) as tf.Tensor4D;
  // depthwise: [kh, kw, 1, C] → [kh, kw, C, 1]
  const finalKernel = depthwise ? (tf.reshape(kernel, [size, size, outChannels, 1]) as tf.Tensor4D) : kernel;
  if (finalKernel !== kernel) kernel.dispose();
  stored.dispose();
  const biasMode = options.bias ?? 'none';
  let bias: tf.Tensor1D | undefined;
  if (biasMode === 'required') bias = (await weights.tensor(`${name}.bias`, [outChannels])) as tf.Tensor1D;
  else if (biasMode === 'optional') bias = (await weights.optionalTensor(`${name}.bias`, [outChannels])) as tf.Tensor1D | undefined;
  return { kernel: finalKernel, bias, depthwise, size };
}

/** Loads a BatchNorm2d's `${prefix}.{weight,bias,running_mean,running_var}` ([C] each). */
export async function loadBatchNorm(weights: WeightSource, prefix: string, channels: number): Promise<BatchNorm> {
  return {
    weight: (await weights.tensor(`${prefix}.weight`, [channels])) as tf.Tensor1D,
    bias: (await weights.tensor(`${prefix}.bias`, [channels])) as tf.Tensor1D,
    mean: (await weights.tensor(`${prefix}.running_mean`, [channels])) as tf.Tensor1D,
    variance: (await weights.tensor(`${prefix}.running_var`, [channels])) as tf.Tensor1D,
  };
}

/** The convolution followed by BatchNorm(eps) as one convolution (see the file comment). Disposes the inputs. */
export function foldBatchNorm(conv: Conv, bn: BatchNorm, eps: number): Conv {
  const folded = tf.tidy(() => {
    const scale = tf.div(bn.weight, tf.sqrt(tf.add(bn.variance, eps)));
    // Output channels are the last kernel axis for conv2d, the third for depthwise ([kh, kw, C, 1]).
    const kernelScale = conv.depthwise ? tf.reshape(scale, [1, 1, -1, 1]) : scale;
    const kernel = tf.mul(conv.kernel, kernelScale) as tf.Tensor4D;
    const b0 = conv.bias ? tf.sub(conv.bias, bn.mean) : tf.neg(bn.mean);
    const bias = tf.add(tf.mul(b0, scale), bn.bias) as tf.Tensor1D;
    return { kernel, bias };
  });
  for (const t of [conv.kernel, conv.bias, bn.weight, bn.bias, bn.mean, bn.variance]) t?.dispose();
  return { kernel: folded.kernel, bias: folded.bias, depthwise: conv.depthwise, size: conv.size };
}

/** Padding of a convolution: PyTorch's symmetric `padding=p`, or TensorFlow "SAME" as transformers' apply_tf_padding computes it. */
export type ConvPadding = number | 'tf-same';

export type FusedActivation = 'linear' | 'relu' | 'relu6';

/** [[top, bottom], [left, right]] of transformers' apply_tf_padding (TF "SAME", dilation-scaled). */
export function tfSamePadding(inH: number, inW: number, kernel: number, stride: number, dilation = 1): [[number, number], [number, number]] {
  const along = (n: number): number => (n % stride === 0 ? Math.max(kernel - stride, 0) : Math.max(kernel - (n % stride), 0));
  const h = along(inH);
  const w = along(inW);
  const top = Math.floor(h / 2);
  const left = Math.floor(w / 2);
  return [[top * dilation, (h - top) * dilation], [left * dilation, (w - left) * dilation]];
}

/** NHWC convolution with bias and activation fused (WASM runs it as one kernel). */
export function conv2d(x: tf.Tensor4D, conv: Conv, stride = 1, padding: ConvPadding = 0, activation: FusedActivation = 'linear', dilation = 1): tf.Tensor4D {
  let input = x;
  let pad: 'valid' | number = 'valid';
  if (padding === 'tf-same') {
    const [[t, b], [l, r]] = tfSamePadding(x.shape[1], x.shape[2], conv.size, stride, dilation);
    if (t || b || l || r) input = tf.pad(x, [[0, 0], [t, b], [l, r], [0, 0]]);
  } else if (padding > 0) {
    pad = padding;
  }
  if (conv.depthwise) {
    return tf.fused.depthwiseConv2d({ x: input, filter: conv.kernel, strides: stride, pad, dilations: dilation, bias: conv.bias, activation });
  }
  return tf.fused.conv2d({ x: input, filter: conv.kernel, strides: stride, pad, dilations: dilation, bias: conv.bias, activation });
}

/** Throws a CheckpointError unless the batch is NHWC with `channels` channels and the expected side. */
export function checkPixels(pixels: tf.Tensor, channels: number, modelType: string, side?: { height: number; width: number }): void {
  if (pixels.rank !== 4 || pixels.shape[3] !== channels) {
    throw new CheckpointError('shape-mismatch', `${modelType}: pixel values must be NHWC [B, H, W, ${channels}], got [${pixels.shape.join(', ')}]; config.json num_channels is ${channels}.`);
  }
  if (side && (pixels.shape[1] !== side.height || pixels.shape[2] !== side.width)) {
    throw new CheckpointError(
      'shape-mismatch',
      `${modelType}: images are ${pixels.shape[1]}×${pixels.shape[2]} but config.json image_size is ${side.height}×${side.width}; position embeddings are not interpolated, so resize the images to the model's size (preprocessor_config.json size / crop_size).`,
    );
  }
}

/** config.json `image_size` / `patch_size` as [height, width] (an int or a pair). */
export function configPair(config: Readonly<Record<string, unknown>>, key: string, fallback: number): [number, number] {
  const v = config[key] ?? fallback;
  const ok = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x > 0;
  if (ok(v)) return [v, v];
  if (Array.isArray(v) && v.length === 2 && ok(v[0]) && ok(v[1])) return [v[0], v[1]];
  throw new CheckpointError('checkpoint-invalid', `config.json: ${key} must be a positive integer or a pair, found ${JSON.stringify(v)}; fix config.json or re-save the model with transformers.`);
}

/** A positive integer list from config.json (`hidden_sizes`, `depths`). */
export function configIntList(config: Readonly<Record<string, unknown>>, key: string, fallback?: readonly number[]): number[] {
  const v = config[key] ?? fallback;
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'number' && Number.isInteger(x) && x > 0)) {
    throw new CheckpointError('checkpoint-invalid', `config.json: ${key} must be a list of positive integers, found ${JSON.stringify(config[key])}; fix config.json or re-save the model with transformers.`);
  }
  return v as number[];
}

export function configBool(config: Readonly<Record<string, unknown>>, key: string, fallback: boolean): boolean {
  const v = config[key] ?? fallback;
  if (typeof v !== 'boolean') {
    throw new CheckpointError('checkpoint-invalid', `config.json: ${key} must be true or false, found ${JSON.stringify(v)}; fix config.json or re-save the model with transformers.`);
  }
  return v;
}

/** One pre-LayerNorm transformer block (ViT, DeiT, CLIP vision): x + attn(LN₁ x), then + mlp(LN₂ ·). */
export interface PreNormBlock {
  readonly norm1: LayerNorm;
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly out: Linear;
  readonly norm2: LayerNorm;
  readonly fc1: Linear;
  readonly fc2: Linear;
}

/** Tensor names of one block, relative to its prefix. */
export interface PreNormBlockNames {
  readonly norm1: string;
  readonly q: string;
  readonly k: string;
  readonly v: string;
  readonly out: string;
  readonly norm2: string;
  readonly fc1: string;
  readonly fc2: string;
}

export async function loadPreNormBlock(
  weights: WeightSource,
  prefix: string,
  names: PreNormBlockNames,
  hidden: number,
  intermediate: number,
  eps: number,
  qkvBias: boolean,
): Promise<PreNormBlock> {
  const biasMode = qkvBias ? 'required' : 'none';
  return {
    norm1: await loadLayerNorm(weights, `${prefix}.${names.norm1}`, hidden, eps),
    q: await loadLinear(weights, `${prefix}.${names.q}`, hidden, hidden, biasMode),
    k: await loadLinear(weights, `${prefix}.${names.k}`, hidden, hidden, biasMode),
    v: await loadLinear(weights, `${prefix}.${names.v}`, hidden, hidden, biasMode),
    out: await loadLinear(weights, `${prefix}.${names.out}`, hidden, hidden),
    norm2: await loadLayerNorm(weights, `${prefix}.${names.norm2}`, hidden, eps),
    fc1: await loadLinear(weights, `${prefix}.${names.fc1}`, hidden, intermediate),
    fc2: await loadLinear(weights, `${prefix}.${names.fc2}`, intermediate, hidden),
  };
}

export function preNormBlock(x: tf.Tensor, block: PreNormBlock, heads: number, act: Activation): tf.Tensor {
  const h = layerNorm(x, block.norm1);
  const q = splitHeads(linear(h, block.q), heads);
  const k = splitHeads(linear(h, block.k), heads);
  const v = splitHeads(linear(h, block.v), heads);
  const attended = linear(mergeHeads(attention(q, k, v)), block.out);
  const x1 = tf.add(x, attended);
  const m = linear(act(linear(layerNorm(x1, block.norm2), block.fc1)), block.fc2);
  return tf.add(x1, m);
}

export function blockTensors(block: PreNormBlock): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  for (const part of [block.norm1, block.norm2, block.q, block.k, block.v, block.out, block.fc1, block.fc2]) {
    out.push(part.weight);
    if (part.bias) out.push(part.bias);
  }
  return out;
}

/** Patch embedding: conv(kernel = stride = patch) → [B, patches, hidden] in row-major patch order, as transformers flattens. */
export function patchEmbed(pixels: tf.Tensor4D, conv: Conv, patch: number): tf.Tensor3D {
  const y = conv2d(pixels, conv, patch, 0);
  const [b, h, w, c] = y.shape;
  return tf.reshape(y, [b, h * w, c]) as tf.Tensor3D;
}

/** Disposes every tensor of a list (model dispose()). */
export function disposeAll(tensors: readonly (tf.Tensor | undefined)[]): void {
  for (const t of tensors) t?.dispose();
}

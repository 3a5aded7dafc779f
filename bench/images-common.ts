/**
 * Helpers shared by the image benchmarks (bench/images-*.ts): load a TF.js layers model from a
 * folder on disk as an `ImageFeatureSource` (features at a named layer, flattened), and build a
 * folder of mnist digits. The product uses src/node/readers/checkpoint.ts; this small loader keeps
 * the benchmarks independent of it.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ImageFeatureSource } from '../src/node/readers/images/features';

export interface LoadedExtractor extends ImageFeatureSource {
  readonly model: tfl.LayersModel;
  readonly inputShape: [number, number, number];
  readonly files: string[];
}

export async function loadLayersExtractor(modelJson: string, layer: string): Promise<LoadedExtractor> {
  const json = JSON.parse(readFileSync(modelJson, 'utf8'));
  const specs = json.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights);
  const files: string[] = json.weightsManifest.flatMap((g: { paths: string[] }) => g.paths.map((p) => join(dirname(modelJson), p)));
  const buffers = files.map((f) => readFileSync(f));
  const total = Buffer.concat(buffers);
  const weightData = total.buffer.slice(total.byteOffset, total.byteOffset + total.byteLength);
  const model = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData }));
  const target = model.getLayer(layer);
  const sub = tfl.model({ inputs: model.inputs, outputs: target.output as tfl.SymbolicTensor });
  const shape = model.inputs[0]!.shape.slice(1) as [number, number, number];
  return {
    model,
    inputShape: shape,
    files: [modelJson, ...files],
    async features(inputs: tf.Tensor) {
      const out = tf.tidy(() => {
        const y = sub.predict(inputs) as tf.Tensor;
        return tf.reshape(y, [y.shape[0]!, -1]);
      });
      const values = await out.data();
      const [rows, cols] = out.shape as [number, number];
      out.dispose();
      return { rows, cols, data: Float64Array.from(values) };
    },
  };
}

/**
 * The WASM backend has no Conv2DBackpropFilter kernel (training a CNN fails with "Kernel
 * 'Conv2DBackpropFilter' not registered"), but it has Conv3DBackpropFilterV2: a 2-D filter
 * gradient is the 3-D one with depth 1. Registers that bridge once; the CPU backend is ~50× slower
 * for the scratch CNN here.
 */
export function registerWasmConv2dFilterGradient(): void {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return;
  const conv3d = tf.getKernel('Conv3DBackpropFilterV2', 'wasm');
  const reshape = tf.getKernel('Reshape', 'wasm');
  if (!conv3d || !reshape) throw new Error('wasm backend lacks Conv3DBackpropFilterV2 or Reshape');
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const a = attrs as unknown as { strides: number | [number, number]; pad: 'valid' | 'same'; filterShape: [number, number, number, number] };
      const strides = typeof a.strides === 'number' ? [a.strides, a.strides] : a.strides;
      const [b, h, w, ci] = x.shape as [number, number, number, number];
      const [, oh, ow, co] = dy.shape as [number, number, number, number];
      const run = (k: tf.KernelConfig, i: tf.NamedTensorInfoMap, at: object): tf.TensorInfo => k.kernelFunc({ inputs: i, backend, attrs: at as tf.NamedAttrMap }) as tf.TensorInfo;
      const x5 = run(reshape, { x }, { shape: [b, 1, h, w, ci] });
      const dy5 = run(reshape, { x: dy }, { shape: [b, 1, oh, ow, co] });
      const out5 = run(conv3d, { x: x5, dy: dy5 }, { strides: [1, strides[0], strides[1]], pad: a.pad, filterShape: [1, ...a.filterShape] });
      const out = run(reshape, { x: out5 }, { shape: a.filterShape });
      for (const t of [x5, dy5, out5]) (backend as { disposeData(dataId: object): void }).disposeData(t.dataId);
      return out;
    },
  });
}

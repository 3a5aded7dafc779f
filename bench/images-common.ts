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

/** Moved to src/node/wasmKernels.ts (registered by initBackend); re-exported for the benchmarks. */
export { registerWasmConv2dFilterGradient } from '../src/node/wasmKernels';

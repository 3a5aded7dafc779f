/**
 * Dense-stack checkpoints for the benchmark: build a TF.js layers `Sequential` model from
 * explicit float64 weights, save it as `model.json` + `weights.bin` (TF.js layers format, float32,
 * through tfjs-layers' own serialiser so any TF.js loader reads it), and run the same stack in
 * float64 without TF.js (the scorer's baselines need penultimate features).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DenseLayerSpec {
  readonly name: string;
  readonly units: number;
  readonly activation: 'linear' | 'relu' | 'softmax';
  /** Row-major [inputs × units] (the Keras kernel layout). */
  readonly kernel: Float64Array;
  readonly bias?: Float64Array;
  readonly trainable?: boolean;
}

/** Rounds to float32, so the float64 truth uses exactly the weights the checkpoint stores. */
export function toFloat32Values(values: Float64Array): Float64Array {
  return Float64Array.from(Float32Array.from(values));
}

export function buildModel(inputDim: number, layers: readonly DenseLayerSpec[], withWeights: boolean): tfl.Sequential {
  const model = tfl.sequential();
  layers.forEach((layer, i) => {
    model.add(
      tfl.layers.dense({
        units: layer.units,
        activation: layer.activation,
        useBias: layer.bias !== undefined,
        name: layer.name,
        trainable: layer.trainable ?? true,
        ...(i === 0 ? { inputShape: [inputDim] } : {}),
      }),
    );
  });
  if (withWeights) {
    // Per layer: model.setWeights orders trainable weights before frozen ones.
    let inputs = inputDim;
    layers.forEach((layer, i) => {
      const tensors: tf.Tensor[] = [tf.tensor2d(Float32Array.from(layer.kernel), [inputs, layer.units])];
      if (layer.bias) tensors.push(tf.tensor1d(Float32Array.from(layer.bias)));
      model.layers[i]!.setWeights(tensors);
      tensors.forEach((t) => t.dispose());
      inputs = layer.units;
    });
  }
  return model;
}

/** Writes `model.json` and `weights.bin` into `folder`. */
export async function saveCheckpoint(folder: string, inputDim: number, layers: readonly DenseLayerSpec[], description: string): Promise<void> {
  const model = buildModel(inputDim, layers, true);
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  if (!artifacts?.weightData || !artifacts.weightSpecs) throw new Error('tfjs-layers produced no weights');
  const weightData = artifacts.weightData;
  const bytes = weightData instanceof ArrayBuffer ? new Uint8Array(weightData) : new Uint8Array(tf.io.concatenateArrayBuffers(weightData as ArrayBuffer[]));
  writeFileSync(join(folder, 'weights.bin'), bytes);
  const modelJson = {
    format: 'layers-model',
    generatedBy: `TransferLens ground-truth benchmark (tfjs-layers ${tfl.version_layers})`,
    convertedBy: null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
    userDefinedMetadata: { description },
  };
  writeFileSync(join(folder, 'model.json'), JSON.stringify(modelJson, null, 1));
}

/** Reads a Dense-stack model.json + weights.bin back into layer specs (float32 values as float64). */
export function loadDenseStack(modelJsonPath: string): { inputDim: number; layers: DenseLayerSpec[] } {
  const json = JSON.parse(readFileSync(modelJsonPath, 'utf8'));
  const topologyLayers = json.modelTopology.config.layers as any[];
  const weightsFile = join(modelJsonPath, '..', json.weightsManifest[0].paths[0]);
  const buffer = readFileSync(weightsFile);
  const floats = new Float32Array(buffer.buffer, buffer.byteOffset, buffer.byteLength / 4);
  const specs = json.weightsManifest[0].weights as { name: string; shape: number[] }[];
  const byName = new Map<string, Float64Array>();
  let offset = 0;
  for (const spec of specs) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    byName.set(spec.name, Float64Array.from(floats.subarray(offset, offset + size)));
    offset += size;
  }
  const inputDim = (topologyLayers[0].config.batch_input_shape as number[])[1]!;
  const layers = topologyLayers.map((l) => {
    const name = l.config.name as string;
    const bias = byName.get(`${name}/bias`);
    return {
      name,
      units: l.config.units as number,
      activation: l.config.activation as DenseLayerSpec['activation'],
      kernel: byName.get(`${name}/kernel`)!,
      ...(bias ? { bias } : {}),
    };
  });
  return { inputDim, layers };
}

/** Forward pass of the first `upTo` layers in float64; rows × inputDim → rows × units. */
export function forwardDense(inputs: Float64Array, rows: number, inputDim: number, layers: readonly DenseLayerSpec[], upTo = layers.length): { values: Float64Array; width: number } {
  let current = inputs;
  let width = inputDim;
  for (const layer of layers.slice(0, upTo)) {
    const next = new Float64Array(rows * layer.units);
    for (let r = 0; r < rows; r++) {
      for (let u = 0; u < layer.units; u++) {
        let s = layer.bias ? layer.bias[u]! : 0;
        for (let j = 0; j < width; j++) s += current[r * width + j]! * layer.kernel[j * layer.units + u]!;
        next[r * layer.units + u] = layer.activation === 'relu' ? Math.max(0, s) : s;
      }
      if (layer.activation === 'softmax') {
        let max = -Infinity;
        for (let u = 0; u < layer.units; u++) max = Math.max(max, next[r * layer.units + u]!);
        let total = 0;
        for (let u = 0; u < layer.units; u++) total += next[r * layer.units + u] = Math.exp(next[r * layer.units + u]! - max);
        for (let u = 0; u < layer.units; u++) next[r * layer.units + u] = next[r * layer.units + u]! / total;
      }
    }
    current = next;
    width = layer.units;
  }
  return { values: current, width };
}

/**
 * loadCheckpoint: a TF.js checkpoint on disk (model.json + weight shards, layers or graph
 * format) → a runnable model with feature extraction, WITHOUT tfjs-node: the files are read with
 * fs, validated by the pure `parseTfjsModelJson` / `checkShardSizes`, and handed to TensorFlow.js
 * through `tf.io.fromMemory`, so any backend works (WASM here). Other checkpoint formats
 * (.pt/.pth/.bin/.ckpt/.onnx/.h5/.keras/.safetensors) are recognised and refused with
 * 'checkpoint-unsupported' and a way forward (export to TF.js or provide precomputed features).
 *
 * Feature extraction runs in batches (memory stays bounded), inside tf.tidy, and returns plain
 * float64 matrices; 4-D conv activations are global-average-pooled to one vector per sample and
 * 3-D sequence activations mean-pooled over time, everything else is flattened.
 *
 * Example:
 *   await initBackend();
 *   const ck = await loadCheckpoint('examples/helps/model');
 *   const phi = await ck.features(table.features);   // N × k penultimate features
 *   ck.dispose();
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as tfc from '@tensorflow/tfjs-converter';
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { CheckpointError, FormatError } from '../../core/formats/errors';
import { checkShardSizes, graphPenultimateNode, parseTfjsModelJson, type ParsedTfjsModel, type TfjsFormat } from '../../core/formats/tfjsModel';
import type { Matrix } from '../../core/linalg/matrix';
import { DEFAULT_MAX_BYTES, statOrThrow } from './files';

export interface CheckpointLayer {
  readonly name: string;
  /** Keras class (`Dense`, `Conv2D` ...) or graph op (`MatMul`, `Relu` ...). */
  readonly className: string;
  /** Output shape with -1 for the batch and other free dimensions ([] when unknown: graph nodes). */
  readonly outputShape: number[];
  readonly trainableParams: number;
}

export interface CheckpointInfo {
  readonly format: TfjsFormat;
  /** Absolute path of model.json. */
  readonly path: string;
  /** Input shape including the batch dimension as -1, e.g. [-1, 32] or [-1, 8, 8, 1]. */
  readonly inputShape: number[];
  readonly outputShape: number[];
  /** Layers (graph: op nodes) in topological order, input layers and constants left out. */
  readonly layers: CheckpointLayer[];
  /** Total parameter count (all weights in the manifest for graph models). */
  readonly parameters: number;
  /** Layer (graph: node) whose activations are the default features. */
  readonly penultimateLayer: string;
}

export interface FeatureOptions {
  /** Layer (graph: node) name; default the penultimate layer. */
  readonly layer?: string;
  /** Samples per forward pass; default 256. */
  readonly batchSize?: number;
}

export interface LoadedCheckpoint {
  readonly info: CheckpointInfo;
  features(inputs: Matrix | tf.Tensor, options?: FeatureOptions): Promise<Matrix>;
  featuresAtLayers(inputs: Matrix | tf.Tensor, layerNames: readonly string[], options?: { batchSize?: number }): Promise<Map<string, Matrix>>;
  /** The model's own outputs (e.g. source-class probabilities), N × output width. */
  predict(inputs: Matrix | tf.Tensor, options?: { batchSize?: number }): Promise<Matrix>;
  readonly model: tfl.LayersModel | tfc.GraphModel;
  dispose(): void;
}

export interface LoadCheckpointOptions {
  /** Cap on model.json + shard bytes; default 2 GiB − 1. */
  readonly maxBytes?: number;
}

const UNSUPPORTED: Record<string, string> = {
  '.pt': 'a PyTorch checkpoint',
  '.pth': 'a PyTorch checkpoint',
  '.bin': 'a PyTorch/Hugging Face weights file',
  '.ckpt': 'a PyTorch Lightning / TensorFlow checkpoint',
  '.onnx': 'an ONNX model',
  '.h5': 'a Keras HDF5 model',
  '.hdf5': 'a Keras HDF5 model',
  '.keras': 'a Keras 3 model archive',
  '.safetensors': 'a safetensors weights file',
  '.pb': 'a TensorFlow SavedModel graph',
  '.tflite': 'a TensorFlow Lite model',
};

function unsupported(path: string, what: string): CheckpointError {
  return new CheckpointError(
    'checkpoint-unsupported',
    `${path}: is ${what}, which cannot be run here. Export it to TF.js (tensorflowjs_converter, or model.save with tfjs) ` +
      `and point the config at model.json, or compute the penultimate features yourself and give them as a .npy/.npz/.safetensors features file`,
  );
}

/** Resolves a checkpoint reference to model.json, or throws a typed error. */
async function resolveModelJson(path: string): Promise<string> {
  const info = await statOrThrow(path, 'checkpoint');
  if (info.isDirectory()) {
    const candidate = join(path, 'model.json');
    try {
      const inner = await statOrThrow(candidate, 'checkpoint');
      if (inner.isFile()) return candidate;
    } catch {
      // fall through to look for other formats in the folder
    }
    const { readdir } = await import('node:fs/promises');
    const names = await readdir(path);
    const other = names.find((n) => UNSUPPORTED[extname(n).toLowerCase()] !== undefined);
    if (other) throw unsupported(join(path, other), UNSUPPORTED[extname(other).toLowerCase()]!);
    if (names.includes('saved_model.pb')) throw unsupported(join(path, 'saved_model.pb'), 'a TensorFlow SavedModel');
    throw new CheckpointError('checkpoint-missing', `${path}: the folder has no model.json; point the config at a TF.js model folder or its model.json`);
  }
  const what = UNSUPPORTED[extname(path).toLowerCase()];
  if (what) throw unsupported(path, what);
  return path;
}

export async function loadCheckpoint(path: string, options: LoadCheckpointOptions = {}): Promise<LoadedCheckpoint> {
  const modelJsonPath = resolve(await resolveModelJson(path));
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const jsonInfo = await statOrThrow(modelJsonPath, 'checkpoint');
  if (jsonInfo.size > maxBytes) {
    throw new CheckpointError('checkpoint-invalid', `${modelJsonPath}: is ${jsonInfo.size} bytes, more than the limit of ${maxBytes}`);
  }
  let parsed: ParsedTfjsModel;
  const folder = dirname(modelJsonPath);
  const groupBuffers: Uint8Array[] = [];
  try {
    parsed = parseTfjsModelJson(await readFile(modelJsonPath, 'utf8'), modelJsonPath);
    const sizes: (number | undefined)[][] = [];
    let total = jsonInfo.size;
    for (const group of parsed.groups) {
      const groupSizes: (number | undefined)[] = [];
      for (const shard of group.paths) {
        try {
          const s = await statOrThrow(join(folder, shard), 'checkpoint');
          groupSizes.push(s.isFile() ? s.size : undefined);
          total += s.size;
        } catch {
          groupSizes.push(undefined);
        }
      }
      sizes.push(groupSizes);
    }
    checkShardSizes(parsed, sizes, modelJsonPath);
    if (total > maxBytes) {
      throw new CheckpointError('checkpoint-invalid', `${modelJsonPath}: model.json and its shards are ${total} bytes, more than the limit of ${maxBytes}`);
    }
    for (const group of parsed.groups) {
      const buffer = new Uint8Array(group.byteLength);
      let offset = 0;
      for (const shard of group.paths) {
        const bytes = await readFile(join(folder, shard));
        buffer.set(bytes, offset);
        offset += bytes.length;
      }
      groupBuffers.push(buffer);
    }
  } catch (e) {
    if (e instanceof FormatError) throw new CheckpointError('checkpoint-invalid', e.message);
    throw e;
  }
  const weightData = concatenate(groupBuffers);
  const weightSpecs = parsed.weights.map((w) => ({
    name: w.name,
    shape: w.shape,
    dtype: w.dtype,
    ...(w.quantization ? { quantization: w.quantization } : {}),
  }));
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: parsed.modelTopology as tf.io.ModelArtifacts['modelTopology'],
    format: parsed.json['format'] as string | undefined,
    generatedBy: parsed.json['generatedBy'] as string | undefined,
    convertedBy: parsed.json['convertedBy'] as string | null | undefined,
    weightSpecs,
    weightData,
    signature: parsed.json['signature'] as object | undefined,
    userDefinedMetadata: parsed.json['userDefinedMetadata'] as Record<string, object> | undefined,
    modelInitializer: parsed.json['modelInitializer'] as object | undefined,
  };
  const handler = tf.io.fromMemory(artifacts);
  try {
    if (parsed.format === 'tfjs-layers') {
      const model = await tfl.loadLayersModel(handler, { strict: true });
      return layersCheckpoint(model, modelJsonPath);
    }
    const model = await tfc.loadGraphModel(handler);
    return graphCheckpoint(model, parsed, modelJsonPath);
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    const message = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    const unknownLayer = /Unknown (layer|op|activation|initializer|regularizer|constraint)[^:]*: ?([\w.]+)/i.exec(message);
    if (unknownLayer) {
      throw new CheckpointError(
        'checkpoint-unsupported',
        `${modelJsonPath}: uses ${unknownLayer[1]!.toLowerCase()} '${unknownLayer[2]!.replace(/\.+$/, '')}', which TensorFlow.js does not implement; replace it or export precomputed features`,
      );
    }
    throw new CheckpointError('checkpoint-invalid', `${modelJsonPath}: TensorFlow.js could not build the model: ${message}`);
  }
}

function concatenate(parts: Uint8Array[]): ArrayBuffer {
  const total = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out.buffer;
}

function shapeOf(shape: unknown): number[] {
  // Layers may report a list of shapes (several outputs): describe the first.
  const s = Array.isArray(shape) && Array.isArray(shape[0]) ? shape[0] : shape;
  return Array.isArray(s) ? s.map((d: number | null) => (typeof d === 'number' && d >= 0 ? d : -1)) : [];
}

/** Layers with no effect at inference: the features are read before them. */
const INFERENCE_NO_OPS = new Set(['Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'SpatialDropout3D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'ActivityRegularization']);

function layersCheckpoint(model: tfl.LayersModel, path: string): LoadedCheckpoint {
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    model.dispose();
    throw new CheckpointError('checkpoint-unsupported', `${path}: has ${model.inputs.length} inputs and ${model.outputs.length} outputs; only single-input, single-output models are supported`);
  }
  // The head is the last layer with weights; the features are what flows into it.
  let head: tfl.layers.Layer | undefined;
  for (let i = layers.length - 1; i >= 0; i--) {
    if (layers[i]!.countParams() > 0) {
      head = layers[i];
      break;
    }
  }
  let penultimate = head ? sourceLayerOf(head) : undefined;
  while (penultimate && INFERENCE_NO_OPS.has(penultimate.getClassName())) penultimate = sourceLayerOf(penultimate);
  if (!penultimate || penultimate.getClassName() === 'InputLayer') {
    model.dispose();
    throw new CheckpointError('checkpoint-unsupported', `${path}: has no hidden layer before its output layer, so it has no learned features to reuse`);
  }
  const info: CheckpointInfo = {
    format: 'tfjs-layers',
    path,
    inputShape: shapeOf(model.inputs[0]!.shape),
    outputShape: shapeOf(model.outputs[0]!.shape),
    layers: layers.map((l) => ({
      name: l.name,
      className: l.getClassName(),
      outputShape: shapeOf(l.outputShape),
      trainableParams: l.trainableWeights.reduce((a, w) => a + w.shape.reduce((x: number, y) => x * (y ?? 1), 1), 0),
    })),
    parameters: model.countParams(),
    penultimateLayer: penultimate.name,
  };
  const extractors = new Map<string, tfl.LayersModel>();
  const extractorFor = (names: readonly string[]): tfl.LayersModel => {
    const key = names.join('\u0000');
    let extractor = extractors.get(key);
    if (!extractor) {
      const outputs = names.map((name) => {
        let layer: tfl.layers.Layer;
        try {
          layer = model.getLayer(name);
        } catch {
          throw new CheckpointError('checkpoint-invalid', `${path}: has no layer '${name}'; its layers are ${info.layers.map((l) => `'${l.name}'`).join(', ')}`);
        }
        return layer.output as tfl.SymbolicTensor;
      });
      extractor = tfl.model({ inputs: model.inputs, outputs });
      extractors.set(key, extractor);
    }
    return extractor;
  };
  const run = async (inputs: Matrix | tf.Tensor, names: readonly string[] | undefined, batchSize: number, pool: boolean): Promise<Matrix[]> => {
    const runner = names ? extractorFor(names) : model;
    return runBatched(inputs, info.inputShape, path, batchSize, names?.length ?? 1, (batch) => {
      const out = runner.predict(batch);
      return Array.isArray(out) ? out : [out];
    }, pool);
  };
  return {
    info,
    model,
    async features(inputs, options = {}) {
      return (await run(inputs, [options.layer ?? info.penultimateLayer], options.batchSize ?? 256, true))[0]!;
    },
    async featuresAtLayers(inputs, layerNames, options = {}) {
      const matrices = await run(inputs, layerNames, options.batchSize ?? 256, true);
      return new Map(layerNames.map((name, i) => [name, matrices[i]!]));
    },
    async predict(inputs, options = {}) {
      return (await run(inputs, undefined, options.batchSize ?? 256, false))[0]!;
    },
    dispose() {
      model.dispose();
      extractors.clear();
    },
  };
}

function sourceLayerOf(layer: tfl.layers.Layer): tfl.layers.Layer | undefined {
  try {
    const input = layer.input;
    const tensor = Array.isArray(input) ? input[0] : input;
    return tensor?.sourceLayer as tfl.layers.Layer | undefined;
  } catch {
    return undefined;
  }
}

function graphCheckpoint(model: tfc.GraphModel, parsed: ParsedTfjsModel, path: string): LoadedCheckpoint {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    model.dispose();
    throw new CheckpointError('checkpoint-unsupported', `${path}: has ${model.inputs.length} inputs and ${model.outputs.length} outputs; only single-input, single-output graph models are supported`);
  }
  const outputNode = model.outputs[0]!.name.replace(/:\d+$/, '');
  const penultimate = graphPenultimateNode(parsed, outputNode);
  if (!penultimate) {
    model.dispose();
    throw new CheckpointError('checkpoint-unsupported', `${path}: the graph's output is not computed by a dense or conv head, so its penultimate features cannot be located; name a node as the feature layer`);
  }
  const weightSizes = new Map(parsed.weights.map((w) => [w.name, w.shape.reduce((a, b) => a * b, 1)]));
  const nodes = parsed.layers.filter((n) => n.className !== 'Const' && n.className !== 'Placeholder');
  const info: CheckpointInfo = {
    format: 'tfjs-graph',
    path,
    inputShape: shapeOf(model.inputs[0]!.shape),
    outputShape: shapeOf(model.outputs[0]!.shape),
    layers: nodes.map((n) => ({
      name: n.name,
      className: n.className,
      outputShape: [],
      trainableParams: (n.inputs ?? []).reduce((a, i) => a + (weightSizes.get(i) ?? 0), 0),
    })),
    parameters: [...weightSizes.values()].reduce((a, b) => a + b, 0),
    penultimateLayer: penultimate,
  };
  const known = new Set(parsed.layers.map((n) => n.name));
  const run = (inputs: Matrix | tf.Tensor, names: readonly string[], batchSize: number, pool: boolean): Promise<Matrix[]> => {
    for (const name of names) {
      if (!known.has(name)) throw new CheckpointError('checkpoint-invalid', `${path}: has no node '${name}'; its nodes include ${nodes.slice(-8).map((n) => `'${n.name}'`).join(', ')}`);
    }
    return runBatched(inputs, info.inputShape, path, batchSize, names.length, (batch) => {
      const out = model.execute(batch, [...names]);
      return Array.isArray(out) ? out : [out];
    }, pool);
  };
  return {
    info,
    model,
    async features(inputs, options = {}) {
      return (await run(inputs, [options.layer ?? penultimate], options.batchSize ?? 256, true))[0]!;
    },
    async featuresAtLayers(inputs, layerNames, options = {}) {
      const matrices = await run(inputs, layerNames, options.batchSize ?? 256, true);
      return new Map(layerNames.map((name, i) => [name, matrices[i]!]));
    },
    async predict(inputs, options = {}) {
      return (await run(inputs, [outputNode], options.batchSize ?? 256, false))[0]!;
    },
    dispose() {
      model.dispose();
    },
  };
}

/**
 * Runs `forward` over the inputs in batches and collects each output as a float64 matrix.
 * Inputs given as a Matrix are reshaped to the model's input shape (N × product of the rest).
 */
async function runBatched(
  inputs: Matrix | tf.Tensor,
  inputShape: readonly number[],
  path: string,
  batchSize: number,
  outputCount: number,
  forward: (batch: tf.Tensor) => tf.Tensor[],
  pool: boolean,
): Promise<Matrix[]> {
  const sampleShape = inputShape.slice(1);
  const perSample = sampleShape.reduce((a, b) => a * (b > 0 ? b : 1), 1);
  const isTensor = inputs instanceof tf.Tensor;
  const rows = isTensor ? inputs.shape[0] ?? 0 : inputs.rows;
  if (!isTensor && inputs.cols !== perSample && !sampleShape.some((d) => d < 0)) {
    throw new CheckpointError(
      'shape-mismatch',
      `${path}: the model expects ${perSample} input values per sample (shape [${sampleShape.join(', ')}]) but the data has ${inputs.cols} columns`,
    );
  }
  if (rows === 0) throw new RangeError('loadCheckpoint: no input rows');
  const size = Math.max(1, Math.floor(batchSize));
  const results: { cols: number; data: Float64Array }[] = [];
  for (let start = 0; start < rows; start += size) {
    const count = Math.min(size, rows - start);
    const batchValues = tf.tidy(() => {
      const batch = isTensor
        ? tf.slice(inputs as tf.Tensor, start, count)
        : tf.tensor(
            Float32Array.from((inputs as Matrix).data.subarray(start * perSample, (start + count) * perSample)),
            // A free (-1) sample dimension can only be the flat width of the matrix.
            [count, ...(sampleShape.some((d) => d < 0) ? [(inputs as Matrix).cols] : sampleShape)],
          );
      return forward(batch).map((out) => toVectors(out, pool));
    });
    for (let k = 0; k < outputCount; k++) {
      const tensor = batchValues[k]!;
      const values = (await tensor.data()) as Float32Array | Int32Array;
      const cols = tensor.shape[1] ?? 1;
      tensor.dispose();
      if (start === 0) results.push({ cols, data: new Float64Array(rows * cols) });
      results[k]!.data.set(values, start * cols);
    }
    batchValues.slice(outputCount).forEach((t) => t.dispose());
  }
  return results.map((r) => ({ rows, cols: r.cols, data: r.data }));
}

/** Per-sample vectors: global average pooling of conv maps (4-D) and sequences (3-D) when pooling, else flattening. */
function toVectors(output: tf.Tensor, pool: boolean): tf.Tensor2D {
  const n = output.shape[0]!;
  if (pool && output.rank === 4) return tf.mean(output, [1, 2]) as tf.Tensor2D;
  if (pool && output.rank === 3) return tf.mean(output, 1) as tf.Tensor2D;
  if (output.rank === 1) return tf.reshape(output, [n, 1]);
  return tf.reshape(output, [n, -1]);
}

/** For messages and tests: the name a reference resolves to. */
export function checkpointDisplayName(path: string): string {
  return basename(path) === 'model.json' ? basename(dirname(path)) : basename(path);
}

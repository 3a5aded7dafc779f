/**
 * The ONNX engine (issue #16): an ONNX export of a Hugging Face model run by onnxruntime-node's
 * native CPU kernels, behind the same HfModel contract as the TF.js architectures (types.ts), so
 * tokenisation, masks, pooling, caching and the analysis do not care which engine ran.
 *
 * `loadOnnxModel(folder, { variant })` picks the graph (engine.ts findOnnxExports: `onnx/model.onnx`,
 * `model.onnx`, `onnx/model_quantized.onnx`, …), creates a session, and maps the graph's inputs and
 * outputs by name:
 *   inputs   input_ids, attention_mask, token_type_ids (zeros when the batch has none),
 *            position_ids (0 … T−1, as transformers computes them without a cache),
 *            pixel_values (our NHWC ImageBatch transposed to the NCHW every PyTorch export takes),
 *            past_key_values.* (empty, length 0) and use_cache_branch (false) of decoder-with-past
 *            exports; anything else → CheckpointError('checkpoint-unsupported') naming the inputs.
 *   outputs  last_hidden_state (or token_embeddings), pooler_output, hidden_states.<i> (our
 *            fixture exports add them; optimum / Xenova exports do not, and then only the last
 *            hidden state exists: asking for another layer is a CheckpointError that says so).
 *            4-D outputs are NCHW feature maps (CNNs) and come back NHWC like the TF.js ones;
 *            a [B, C, 1, 1] pooler becomes [B, C]; float16 outputs become float32.
 * An unknown model_type works as long as the graph's inputs are understood; its pooling defaults by
 * modality (text: mean; image: the pooler output when the graph has one, else mean / gap) — a
 * sentence-transformers folder's own pooling is applied by checkpoint.ts on top.
 *
 * `forward` (synchronous, inside tf.tidy) cannot run a native session: this engine implements
 * `forwardAsync`, whose tensors the caller disposes.
 */
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as Ort from 'onnxruntime-node';
import { CheckpointError } from '../../core/formats/errors';
import { findOnnxExports, loadOnnxRuntime, pickOnnxExport, type OnnxExport, type OnnxRuntimeModule, type OnnxVariant } from './engine';
import type { ForwardOptions, ForwardOutput, HfConfig, HfModel, ImageBatch, Modality, ModelBatch, Pooling, TextBatch } from './types';

export interface OnnxLoadOptions {
  /** Which graph: fp32 (default), quantized, fp16, … (falls back to fp32 with a note when absent). */
  readonly variant?: OnnxVariant;
  /** intraOpNumThreads (default: the available cores, at most 4). */
  readonly threads?: number;
  /** config.json as already parsed (read from the folder otherwise). */
  readonly config?: HfConfig;
  /** The runtime (tests inject one; default loadOnnxRuntime()). */
  readonly runtime?: OnnxRuntimeModule;
}

export interface OnnxModel extends HfModel {
  readonly engine: 'onnx';
  readonly file: string;
  readonly variant: OnnxVariant;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Hidden-state indices the graph outputs (always includes numLayers, the last); see HfModel.availableLayers. */
  readonly availableLayers: readonly number[];
  /** onnxruntime-node version and threads, for notes. */
  readonly runtimeVersion: string;
  readonly threads: number;
  /** Set when the wanted variant was absent. */
  readonly note?: string;
  forwardAsync(batch: ModelBatch, options?: ForwardOptions): Promise<ForwardOutput>;
}

const TEXT_INPUTS = new Set(['input_ids', 'attention_mask', 'token_type_ids', 'position_ids']);
const LAST_HIDDEN_NAMES = ['last_hidden_state', 'token_embeddings'];
const POOLER_NAMES = ['pooler_output', 'pooled_output'];
const HIDDEN_STATE = /^hidden_states[._](\d+)$/;
const PAST = /^past_key_values\.(\d+)\.(key|value)$/;

/** Pooling the family's classification head reads, for model types the TF.js side also runs (same defaults). */
const FAMILY_POOLING: Readonly<Record<string, Pooling>> = {
  bert: 'pooler', roberta: 'cls', 'xlm-roberta': 'cls', distilbert: 'cls', electra: 'cls', camembert: 'cls',
  gpt2: 'last', llama: 'last', qwen2: 'last', mistral: 'last', gemma: 'last', phi: 'last',
  vit: 'cls', deit: 'cls', clip: 'pooler', clip_vision_model: 'pooler',
  resnet: 'gap', convnext: 'pooler', mobilenet_v2: 'gap',
};
const DECODERS = new Set(['gpt2', 'llama', 'qwen2', 'mistral', 'gemma', 'gemma2', 'phi', 'phi3', 'gpt_neox', 'falcon', 'opt', 'bloom', 'mpt']);
/** Families whose positions start after padding_idx (fairseq style): max tokens = max_position_embeddings − pad − 1. */
const OFFSET_POSITIONS = new Set(['roberta', 'xlm-roberta', 'camembert', 'mpnet', 'longformer', 'bart', 'mbart']);

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The config the graph runs: CLIP configs keep the vision tower under vision_config. */
function towerConfig(config: HfConfig): HfConfig {
  const vision = config.vision_config;
  if ((config.model_type === 'clip' || config.model_type === 'siglip') && vision && typeof vision === 'object') return vision as HfConfig;
  return config;
}

function readConfig(folder: string): HfConfig {
  const path = join(folder, 'config.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return {};
  }
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as HfConfig) : {};
  } catch (e) {
    throw new CheckpointError('checkpoint-invalid', `${path} is not valid JSON (${(e as Error).message}); restore it from the model repository.`);
  }
}

function dimsOf(meta: Ort.InferenceSession.ValueMetadata | undefined): readonly (number | string)[] | undefined {
  return meta && meta.isTensor ? meta.shape : undefined;
}

/** float16 bits → float32 (ORT returns float16 outputs as Uint16Array). */
function halfToFloat(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i]!;
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const fraction = h & 0x3ff;
    out[i] = exponent === 0 ? sign * 2 ** -14 * (fraction / 1024)
      : exponent === 31 ? (fraction ? NaN : sign * Infinity)
        : sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
  }
  return out;
}

function floatData(value: Ort.Tensor, name: string, file: string): Float32Array {
  if (value.type === 'float32') return value.data as Float32Array;
  if (value.type === 'float16') {
    const data = value.data as unknown;
    return data instanceof Uint16Array ? halfToFloat(data) : Float32Array.from(data as ArrayLike<number>);
  }
  if (value.type === 'float64') return Float32Array.from(value.data as Float64Array);
  throw new CheckpointError('checkpoint-unsupported', `${file}: output '${name}' is ${value.type}, not a floating-point tensor; TransferLens reads hidden states from float outputs.`);
}

/** A tf tensor in our layouts: 4-D NCHW → NHWC; a [B, C, 1, 1] pooler → [B, C]. */
function toTf(value: Ort.Tensor, name: string, file: string, pooler: boolean): tf.Tensor {
  const data = floatData(value, name, file);
  const dims = value.dims.map(Number);
  const t = tf.tensor(data, dims, 'float32');
  if (dims.length === 4) {
    if (pooler) {
      const out = tf.reshape(t, [dims[0]!, dims[1]! * dims[2]! * dims[3]!]);
      t.dispose();
      return out;
    }
    const out = tf.transpose(t, [0, 2, 3, 1]);
    t.dispose();
    return out;
  }
  return t;
}

interface GraphPlan {
  readonly modality: Modality;
  readonly lastName: string;
  readonly poolerName?: string;
  /** hidden-state index → output name. */
  readonly hiddenNames: ReadonlyMap<number, string>;
  readonly past: readonly { name: string; layer: number }[];
  readonly useCacheBranch: boolean;
}

/** Maps a graph's inputs and outputs, or throws CheckpointError naming what is not understood. */
export function planGraph(inputNames: readonly string[], outputNames: readonly string[], file: string): GraphPlan {
  const unknown: string[] = [];
  const past: { name: string; layer: number }[] = [];
  let useCacheBranch = false;
  for (const name of inputNames) {
    const p = PAST.exec(name);
    if (TEXT_INPUTS.has(name) || name === 'pixel_values') continue;
    if (p) past.push({ name, layer: Number(p[1]) });
    else if (name === 'use_cache_branch') useCacheBranch = true;
    else unknown.push(name);
  }
  const hasText = inputNames.includes('input_ids');
  const hasImage = inputNames.includes('pixel_values');
  if (unknown.length > 0 || hasText === hasImage) {
    const what = unknown.length > 0 ? `inputs it does not understand: ${unknown.join(', ')}` : hasText ? 'both input_ids and pixel_values (a multimodal graph)' : 'neither input_ids nor pixel_values';
    throw new CheckpointError('checkpoint-unsupported',
      `${file} has ${what} (graph inputs: ${inputNames.join(', ')}). TransferLens feeds input_ids, attention_mask, token_type_ids, position_ids or pixel_values. ` +
      `Export the base model for feature extraction (\`optimum-cli export onnx --task feature-extraction --model <model> <folder>\`), or set features_file to features you computed.`);
  }
  const lastName = LAST_HIDDEN_NAMES.find((n) => outputNames.includes(n));
  if (!lastName) {
    throw new CheckpointError('checkpoint-unsupported',
      `${file} has no last_hidden_state output (graph outputs: ${outputNames.join(', ')}): it looks like a task head, not the base model. ` +
      `Export it for feature extraction (\`optimum-cli export onnx --task feature-extraction --model <model> <folder>\`), or set features_file.`);
  }
  const hiddenNames = new Map<number, string>();
  for (const name of outputNames) {
    const m = HIDDEN_STATE.exec(name);
    if (m) hiddenNames.set(Number(m[1]), name);
  }
  return { modality: hasText ? 'text' : 'image', lastName, poolerName: POOLER_NAMES.find((n) => outputNames.includes(n)), hiddenNames, past, useCacheBranch };
}

/** Parameter count: from the config when it says (hidden sizes do not), else graph bytes ÷ bytes per weight of the variant. */
function estimateParameters(bytes: number, variant: OnnxVariant): number {
  const perWeight: Record<OnnxVariant, number> = { fp32: 4, fp16: 2, quantized: 1, int8: 1, uint8: 1, q4: 0.5, q4f16: 0.5, bnb4: 0.5 };
  return Math.round(bytes / perWeight[variant]);
}

class OnnxHfModel implements OnnxModel {
  readonly engine = 'onnx' as const;
  readonly modelType: string;
  readonly modality: Modality;
  readonly numLayers: number;
  readonly hiddenSize: number;
  readonly parameters: number;
  readonly defaultPooling: Pooling;
  readonly poolings: readonly Pooling[];
  readonly maxLength?: number;
  readonly file: string;
  readonly variant: OnnxVariant;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly availableLayers: readonly number[];
  readonly runtimeVersion: string;
  readonly threads: number;
  readonly note?: string;
  private session: Ort.InferenceSession | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ort: OnnxRuntimeModule,
    session: Ort.InferenceSession,
    private readonly plan: GraphPlan,
    fields: {
      modelType: string; numLayers: number; hiddenSize: number; parameters: number; defaultPooling: Pooling; poolings: Pooling[];
      maxLength?: number; file: string; variant: OnnxVariant; runtimeVersion: string; threads: number; note?: string;
      pastShape?: { heads: number; headDim: number };
    },
  ) {
    this.session = session;
    this.modelType = fields.modelType;
    this.modality = plan.modality;
    this.numLayers = fields.numLayers;
    this.hiddenSize = fields.hiddenSize;
    this.parameters = fields.parameters;
    this.defaultPooling = fields.defaultPooling;
    this.poolings = fields.poolings;
    if (fields.maxLength !== undefined) this.maxLength = fields.maxLength;
    this.file = fields.file;
    this.variant = fields.variant;
    this.inputNames = session.inputNames;
    this.outputNames = session.outputNames;
    this.availableLayers = [...new Set([...plan.hiddenNames.keys(), fields.numLayers])].sort((a, b) => a - b);
    this.runtimeVersion = fields.runtimeVersion;
    this.threads = fields.threads;
    if (fields.note) this.note = fields.note;
    this.pastShape = fields.pastShape;
  }

  private readonly pastShape?: { heads: number; headDim: number };

  forward(): ForwardOutput {
    throw new Error('the ONNX engine runs outside tf.tidy: call forwardAsync (src/node/hf/onnx.ts)');
  }

  /** One run at a time per session (feeds share nothing, but onnxruntime-node sessions are not re-entrant). */
  forwardAsync(batch: ModelBatch, options: ForwardOptions = {}): Promise<ForwardOutput> {
    const run = this.queue.then(() => this.run(batch, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private inputType(name: string): Ort.Tensor.Type {
    const index = this.inputNames.indexOf(name);
    const meta = this.session?.inputMetadata?.[index];
    return meta && meta.isTensor ? meta.type : 'int64';
  }

  private intTensor(name: string, values: Int32Array, dims: readonly number[]): Ort.Tensor {
    const type = this.inputType(name);
    if (type === 'int32') return new this.ort.Tensor('int32', values, dims);
    const big = new BigInt64Array(values.length);
    for (let i = 0; i < values.length; i++) big[i] = BigInt(values[i]!);
    return new this.ort.Tensor('int64', big, dims);
  }

  private async feeds(batch: ModelBatch): Promise<Record<string, Ort.Tensor>> {
    const feeds: Record<string, Ort.Tensor> = {};
    if (batch.kind === 'image') {
      if (this.modality !== 'image') throw new CheckpointError('shape-mismatch', `${this.file} is a text model; it cannot take images.`);
      const nchw = tf.tidy(() => tf.transpose((batch as ImageBatch).pixelValues, [0, 3, 1, 2]));
      try {
        feeds.pixel_values = new this.ort.Tensor('float32', (await nchw.data()) as Float32Array, nchw.shape);
      } finally {
        nchw.dispose();
      }
      return feeds;
    }
    if (this.modality !== 'text') throw new CheckpointError('shape-mismatch', `${this.file} is an image model; it cannot take text.`);
    const text = batch as TextBatch;
    const [b, t] = text.inputIds.shape;
    const ids = Int32Array.from(await text.inputIds.data());
    const mask = Int32Array.from(await text.attentionMask.data());
    for (const name of this.inputNames) {
      if (name === 'input_ids') feeds[name] = this.intTensor(name, ids, [b, t]);
      else if (name === 'attention_mask') {
        // Decoder-with-past graphs take the mask over past + current positions: past is empty.
        feeds[name] = this.intTensor(name, mask, [b, t]);
      } else if (name === 'token_type_ids') {
        feeds[name] = this.intTensor(name, text.tokenTypeIds ? Int32Array.from(await text.tokenTypeIds.data()) : new Int32Array(b * t), [b, t]);
      } else if (name === 'position_ids') {
        const positions = new Int32Array(b * t);
        for (let i = 0; i < b; i++) for (let j = 0; j < t; j++) positions[i * t + j] = j;
        feeds[name] = this.intTensor(name, positions, [b, t]);
      } else if (name === 'use_cache_branch') {
        feeds[name] = new this.ort.Tensor('bool', new Uint8Array([0]), [1]);
      } else if (PAST.test(name)) {
        const index = this.inputNames.indexOf(name);
        const dims = dimsOf(this.session?.inputMetadata?.[index]);
        const heads = typeof dims?.[1] === 'number' ? dims[1] : this.pastShape?.heads;
        const headDim = typeof dims?.[3] === 'number' ? dims[3] : this.pastShape?.headDim;
        if (!heads || !headDim) throw new CheckpointError('checkpoint-unsupported', `${this.file}: input ${name} needs the key/value head count and head size, which neither the graph nor config.json states.`);
        const type = this.inputType(name);
        feeds[name] = type === 'float16'
          ? new this.ort.Tensor('float16', new Uint16Array(0), [b, heads, 0, headDim])
          : new this.ort.Tensor('float32', new Float32Array(0), [b, heads, 0, headDim]);
      }
    }
    return feeds;
  }

  private async run(batch: ModelBatch, options: ForwardOptions): Promise<ForwardOutput> {
    const session = this.session;
    if (!session) throw new Error('the ONNX model was disposed');
    const wanted = new Set<number>([this.numLayers, ...(options.layers ?? [])]);
    const fetch = new Map<string, number | 'pooler'>([[this.plan.lastName, this.numLayers]]);
    for (const layer of wanted) {
      if (layer === this.numLayers) continue;
      const name = this.plan.hiddenNames.get(layer);
      if (!name) {
        throw new CheckpointError('checkpoint-unsupported',
          `${this.file} outputs only the last hidden state${this.plan.hiddenNames.size > 0 ? ` and hidden states ${[...this.plan.hiddenNames.keys()].join(', ')}` : ''}, not hidden state ${layer}. ` +
          `Use the TF.js engine (engine: tfjs) when it implements ${this.modelType}, leave feature_layer unset, or export with output_hidden_states.`);
      }
      fetch.set(name, layer);
    }
    if (this.plan.poolerName) fetch.set(this.plan.poolerName, 'pooler');
    const feeds = await this.feeds(batch);
    let results: Ort.InferenceSession.ReturnType;
    try {
      results = await session.run(feeds, [...fetch.keys()]);
    } catch (e) {
      throw new CheckpointError('checkpoint-invalid', `${this.file} failed to run in onnxruntime-node: ${(e as Error).message.split('\n')[0]}`);
    }
    const hidden = new Map<number, tf.Tensor>();
    let pooler: tf.Tensor2D | undefined;
    try {
      for (const [name, target] of fetch) {
        const value = results[name] as Ort.Tensor | undefined;
        if (!value) continue;
        const converted = toTf(value, name, this.file, target === 'pooler');
        if (target === 'pooler') pooler = converted.rank === 2 ? (converted as tf.Tensor2D) : (tf.reshape(converted, [converted.shape[0]!, -1]) as tf.Tensor2D);
        else hidden.set(target, converted);
      }
    } catch (e) {
      for (const t of hidden.values()) t.dispose();
      pooler?.dispose();
      throw e;
    }
    return pooler ? { hidden, pooler } : { hidden };
  }

  dispose(): void {
    const session = this.session;
    this.session = undefined;
    if (session) void session.release().catch(() => undefined);
  }
}

/** intraOpNumThreads default: the available cores, at most 4 (the editor and the gram pool share the machine). */
export function defaultOnnxThreads(): number {
  const configured = Number(process.env.TRANSFERLENS_ONNX_THREADS);
  if (Number.isInteger(configured) && configured >= 1) return configured;
  return Math.max(1, Math.min(4, availableParallelism()));
}

/**
 * Loads the ONNX export of `folder` (a checkpoint folder or cache snapshot). Throws CheckpointError
 * when the folder has no export, the runtime is unavailable, or the graph is not understood.
 */
export async function loadOnnxModel(folder: string, options: OnnxLoadOptions = {}): Promise<OnnxModel> {
  const exports = findOnnxExports(folder);
  const picked = pickOnnxExport(exports, options.variant ?? 'fp32');
  if (!picked.export) {
    throw new CheckpointError('checkpoint-missing', `${folder} has no ONNX export (looked for onnx/model.onnx, model.onnx and their _quantized/_fp16 variants). Export one with \`optimum-cli export onnx --task feature-extraction --model <model> ${folder}\`, or use engine tfjs.`);
  }
  let ort = options.runtime;
  let version = 'injected';
  if (!ort) {
    const status = loadOnnxRuntime();
    if (!status.ok) throw new CheckpointError('checkpoint-unsupported', `${picked.export.file} needs onnxruntime-node, which is unavailable: ${status.reason}. Use engine tfjs when TF.js implements this model_type.`);
    ort = status.ort;
    version = status.version;
  }
  const config = options.config ?? readConfig(folder);
  return createOnnxModel(ort, picked.export, config, { threads: options.threads ?? defaultOnnxThreads(), version, note: picked.note });
}

async function createOnnxModel(ort: OnnxRuntimeModule, exported: OnnxExport, fullConfig: HfConfig, extra: { threads: number; version: string; note?: string }): Promise<OnnxModel> {
  const file = exported.file;
  let session: Ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(file, {
      executionProviders: ['cpu'],
      intraOpNumThreads: extra.threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
  } catch (e) {
    throw new CheckpointError('checkpoint-invalid', `${file} cannot be loaded by onnxruntime-node: ${(e as Error).message.split('\n')[0]}. Re-download or re-export it.`);
  }
  let plan: GraphPlan;
  try {
    plan = planGraph(session.inputNames, session.outputNames, file);
  } catch (e) {
    await session.release().catch(() => undefined);
    throw e;
  }
  const modelType = typeof fullConfig.model_type === 'string' ? fullConfig.model_type : basename(file, '.onnx');
  const config = towerConfig(fullConfig);
  const lastIndex = session.outputNames.indexOf(plan.lastName);
  const lastDims = dimsOf(session.outputMetadata?.[lastIndex]);
  const hiddenSizes = Array.isArray(config.hidden_sizes) ? (config.hidden_sizes as unknown[]).map(num).filter((v): v is number => v !== undefined) : [];
  const cnn = lastDims?.length === 4 || (plan.modality === 'image' && hiddenSizes.length > 0 && num(config.hidden_size) === undefined);
  // Width of the last hidden state: the graph's static dimension when it has one, else config.json.
  const staticWidth = lastDims ? (cnn ? lastDims[1] : lastDims[lastDims.length - 1]) : undefined;
  let hiddenSize = typeof staticWidth === 'number' ? staticWidth
    : num(config.hidden_size) ?? num(config.n_embd) ?? num(config.d_model) ?? num(config.dim) ?? (hiddenSizes.length > 0 ? hiddenSizes[hiddenSizes.length - 1] : undefined)
      ?? 0;
  const declaredLayers = plan.hiddenNames.size > 0 ? Math.max(...plan.hiddenNames.keys()) : undefined;
  const configLayers = num(config.num_hidden_layers) ?? num(config.n_layer) ?? num(config.num_layers) ?? (Array.isArray(config.depths) ? (config.depths as unknown[]).length : undefined) ?? (hiddenSizes.length > 0 ? hiddenSizes.length : undefined);
  // mobilenet_v2: stem (0), 16 inverted residual blocks, the final 1×1 conv (17), as the TF.js side numbers them.
  const numLayers = declaredLayers ?? (modelType === 'mobilenet_v2' ? 17 : configLayers) ?? 1;
  // Image side (the graph's static H/W, or config image_size) and text max length.
  let maxLength: number | undefined;
  if (plan.modality === 'image') {
    const pixelDims = dimsOf(session.inputMetadata?.[session.inputNames.indexOf('pixel_values')]);
    maxLength = (typeof pixelDims?.[2] === 'number' ? pixelDims[2] : undefined) ?? num(config.image_size) ?? 224;
  } else {
    const positions = num(config.max_position_embeddings) ?? num(config.n_positions);
    const pad = num(config.pad_token_id);
    maxLength = positions !== undefined && OFFSET_POSITIONS.has(modelType) && pad !== undefined ? positions - pad - 1 : positions;
    if (positions !== undefined && (config.rope_theta !== undefined || config.rope_scaling !== undefined)) maxLength = undefined;
  }
  const decoder = DECODERS.has(modelType) || plan.past.length > 0;
  const poolings: Pooling[] = plan.modality === 'text'
    ? ['cls', 'mean', ...(decoder ? ['last' as const] : []), ...(plan.poolerName ? ['pooler' as const] : [])]
    : cnn ? ['gap', 'mean', ...(plan.poolerName ? ['pooler' as const] : [])] : ['cls', 'mean', ...(plan.poolerName ? ['pooler' as const] : [])];
  let defaultPooling: Pooling = FAMILY_POOLING[modelType]
    ?? (plan.modality === 'text' ? (decoder ? 'last' : 'mean') : plan.poolerName ? 'pooler' : cnn ? 'gap' : 'mean');
  if (!poolings.includes(defaultPooling)) defaultPooling = plan.modality === 'text' ? 'mean' : cnn ? 'gap' : 'mean';
  const heads = num(config.num_key_value_heads) ?? num(config.num_attention_heads) ?? num(config.n_head);
  const width = num(config.hidden_size) ?? num(config.n_embd);
  const headDim = num(config.head_dim) ?? (width && num(config.num_attention_heads) ? width / num(config.num_attention_heads)! : undefined);
  const model = new OnnxHfModel(ort, session, plan, {
    modelType, numLayers, hiddenSize, parameters: estimateParameters(exported.bytes, exported.variant), defaultPooling, poolings,
    maxLength, file, variant: exported.variant, runtimeVersion: extra.version, threads: extra.threads, note: extra.note,
    ...(heads && headDim ? { pastShape: { heads, headDim } } : {}),
  });
  if (!hiddenSize) {
    // Neither the graph nor config.json states the width: run one tiny input and read it.
    const probe = await model.forwardAsync(plan.modality === 'text'
      ? { kind: 'text', inputIds: tf.tensor2d([[0, 0]], [1, 2], 'int32'), attentionMask: tf.tensor2d([[1, 1]], [1, 2], 'int32') }
      : { kind: 'image', pixelValues: tf.zeros([1, maxLength ?? 224, maxLength ?? 224, 3]) as tf.Tensor4D });
    const last = probe.hidden.get(numLayers)!;
    hiddenSize = last.shape[last.shape.length - 1]!;
    for (const t of probe.hidden.values()) t.dispose();
    probe.pooler?.dispose();
    (model as { hiddenSize: number }).hiddenSize = hiddenSize;
  }
  return model;
}

/**
 * For checkpoint.ts's HfDependencies.loadOnnx: the model when the folder has an ONNX export and
 * the runtime loads, undefined otherwise (the caller then falls back to TF.js or explains).
 * Graph problems (inputs not understood, no last_hidden_state) still throw CheckpointError.
 */
export async function loadOnnxIfAvailable(folder: string, config?: HfConfig, options: Omit<OnnxLoadOptions, 'config'> = {}): Promise<OnnxModel | undefined> {
  if (findOnnxExports(folder).length === 0) return undefined;
  if (!options.runtime && !loadOnnxRuntime().ok) return undefined;
  return loadOnnxModel(folder, { ...options, ...(config ? { config } : {}) });
}

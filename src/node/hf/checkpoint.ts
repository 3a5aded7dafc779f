/**
 * A Hugging Face checkpoint folder (a local folder with config.json, or a Hub snapshot in the
 * local cache) loaded and ready to turn texts or images into features: the glue between the
 * weights reader, the architecture registry, the tokenizer / image processor, sentence-transformers
 * pooling and the ONNX engine (issue #14), for the pipeline, the worker and `transferlens features`.
 *
 *   const ck = await loadHfCheckpoint(folder, { engine: 'auto' });
 *   ck.info                    // model type, modality, parameters, dtype, layers, pooling and why, …
 *   const m = await ck.extract({ texts }, { pooling: 'mean', layer: -2, batchSize: 16, signal, onProgress });
 *   ck.dispose();
 *
 * `extract` runs the forward pass batch by batch inside tf.tidy (or `forwardAsync` for engines
 * outside TF.js), pools each batch and copies it into a float64 Matrix (N × D) at once, so tensor
 * memory stays bounded by one batch. Between batches it yields to the event loop (a worker gets
 * `cancel` messages), checks the AbortSignal (CancelledError) and reports samples/second and ETA.
 * Texts are sorted by token count before batching (less padding) and returned in input order.
 *
 * Pooling: the family's default (what its classification head reads), a sentence-transformers
 * folder's own pooling and normalisation (modules.json, 1_Pooling/config.json), or the caller's
 * override; `info.poolingReason` says which and why. `layer` picks an intermediate hidden state
 * the way `transformers`' `hidden_states` index it: 0 … numLayers, or −k from the end (−1 = last).
 *
 * User-input problems are `CheckpointError`s naming the file and what to change; the only other
 * throw is `CancelledError`.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError } from '../../core/formats/errors';
import type { Matrix } from '../../core/linalg/matrix';
import { CancelledError, yieldToEventLoop, type ProgressEvent } from '../../core/model/progress';
import { defaultHfDependencies } from './deps';
import { decideHfRun, defaultMemoryLimit, estimateHfCost, formatParameters } from './guard';
import { pool } from './pooling';
import type { Encoding, HfArchitecture, HfConfig, HfModel, HfTokenizer, ImageBatch, Modality, ModelBatch, Pooling, TextBatch, TokenizerInfo, WeightSource } from './types';

export type HfEngine = 'auto' | 'tfjs' | 'onnx';

/** What a sentence-transformers folder says about pooling (modules.json + 1_Pooling/config.json). */
export interface SentenceTransformersPooling {
  readonly pooling: Pooling;
  readonly normalize: boolean;
  /** sentence_bert_config.json `max_seq_length`, when present. */
  readonly maxSeqLength?: number;
  /** Files read, for the report. */
  readonly files: readonly string[];
  /** Set when the folder's pooling could not be reproduced exactly (e.g. max or weighted-mean pooling). */
  readonly note?: string;
}

/** The pieces loadHfCheckpoint composes; injectable so tests can run without real weights. */
export interface HfDependencies {
  openWeights(folder: string): Promise<WeightSource>;
  architectureFor(modelType: string | undefined): HfArchitecture | undefined;
  supportedModelTypes(): string[];
  /** undefined when the folder has no tokenizer.json. */
  loadTokenizer?(folder: string): Promise<HfTokenizer | undefined>;
  sentenceTransformers?(folder: string): Promise<SentenceTransformersPooling | undefined>;
  /** The ONNX engine (issue #16): undefined when the folder has no ONNX export or the runtime is absent. */
  loadOnnx?(folder: string, config: HfConfig): Promise<HfModel | undefined>;
  /** Image processor description for the report (preprocessor_config.json), when there is one. */
  describeProcessor?(folder: string): Promise<string | undefined>;
  /** Where config.json and the weights live (a sentence-transformers `0_Transformer/` subfolder) and whether weights are there. */
  locate?(folder: string): Promise<{ modelFolder: string; hasWeights: boolean }>;
  /** Which engine runs the folder (engine.ts chooseEngine); default: TF.js when it implements model_type, else ONNX. */
  chooseEngine?(input: { folder: string; modelType?: string; hasWeights: boolean; tfjsSupported: boolean }, preference: HfEngine): { engine: 'onnx' | 'tfjs' | 'none'; note: string; runtimeUnavailable?: string };
}

export interface LoadHfCheckpointOptions {
  readonly engine?: HfEngine;
  /** Hub id the folder was resolved from, for the report. */
  readonly hubId?: string;
  readonly deps?: Partial<HfDependencies>;
  readonly signal?: AbortSignal;
  /**
   * Guard rails (src/node/hf/guard.ts), checked from the headers before any weight is read: a model
   * whose float32 weights plus a batch of activations exceed `memoryBytes` (default: what this
   * process can use — 4 GiB on WASM) is never loaded; with `maxModelParameters`, neither is a
   * larger one. Either is a CheckpointError('checkpoint-unsupported') with the estimate.
   */
  readonly guard?: { readonly maxModelParameters?: number; readonly memoryBytes?: number; readonly samples?: number; readonly sequenceLength?: number; readonly backend?: string };
}

export interface HfTokenizerSummary {
  readonly model: string;
  readonly vocabSize: number;
  readonly byteLevel: boolean;
  readonly paddingSide: 'left' | 'right';
  readonly truncationSide: 'left' | 'right';
  /** Truncation length used by `extract` when the caller gives none. */
  readonly maxLength: number;
  /** Where that length comes from, in words. */
  readonly maxLengthSource: string;
  readonly files: readonly string[];
}

export interface HfCheckpointInfo {
  /** The checkpoint folder (a snapshot folder for Hub ids). */
  readonly folder: string;
  readonly hubId?: string;
  /** Snapshot revision (the folder name under snapshots/), when the folder is a cache snapshot. */
  readonly revision?: string;
  readonly modelType: string;
  readonly modality: Modality;
  readonly parameters: number;
  /** Stored dtype of the weights (the most common one when mixed), e.g. F32, BF16. */
  readonly dtype?: string;
  readonly numLayers: number;
  readonly hiddenSize: number;
  readonly defaultPooling: Pooling;
  readonly poolings: readonly Pooling[];
  /** Why defaultPooling (family head, or the sentence-transformers config). */
  readonly poolingReason: string;
  /** L2-normalised output (sentence-transformers Normalize module). */
  readonly normalize: boolean;
  readonly tokenizer?: HfTokenizerSummary;
  /** Image models: input side in pixels and the processor in words. */
  readonly imageSize?: number;
  readonly processor?: string;
  readonly engine: 'tfjs' | 'onnx';
  /** Which engine runs and why (one sentence for the notes). */
  readonly engineNote?: string;
  /** Weight, config and tokenizer files (absolute), for cache keys and messages. */
  readonly files: readonly string[];
}

export type HfInputs =
  | { readonly texts: readonly string[]; readonly pairs?: readonly string[] }
  | { readonly images: HfImageSource };

/** Preprocessed images, batch by batch (NHWC float32, already normalised by the processor). */
export interface HfImageSource {
  readonly count: number;
  batches(batchSize: number): AsyncIterable<ImageBatch | tf.Tensor4D>;
}

export interface ExtractOptions {
  readonly pooling?: Pooling;
  /** Hidden-state index (0 … numLayers, or −k from the end), or a string holding one. */
  readonly layer?: number | string;
  readonly batchSize?: number;
  /** Text truncation (special tokens included); default `info.tokenizer.maxLength`. */
  readonly maxLength?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: ProgressEvent) => void;
  /** Clock for samples/s (tests); default performance.now. */
  readonly now?: () => number;
  /**
   * More hidden states pooled in the same forward pass (per-layer overlap, freeze depth): their
   * columns follow the main features' (see `extractLayers`). `pooler` there becomes cls / gap.
   */
  readonly extraLayers?: readonly (number | string)[];
}

/** Features at the main layer plus the extra layers, each N × D. */
export interface LayeredFeatures {
  readonly features: Matrix;
  readonly layers: ReadonlyMap<number, Matrix>;
}

export interface ResolvedExtraction {
  readonly pooling: Pooling;
  readonly layer: number;
  /** Why this pooling, in words. */
  readonly poolingReason: string;
}

export interface HfCheckpoint {
  readonly info: HfCheckpointInfo;
  readonly model: HfModel;
  readonly tokenizer?: HfTokenizer;
  /** The pooling and layer `extract` would use for these options (throws CheckpointError for bad ones). */
  resolve(options?: Pick<ExtractOptions, 'pooling' | 'layer'>): ResolvedExtraction;
  /** Token ids after special tokens are added and truncation, per text. */
  tokenize(texts: readonly string[], pairs?: readonly string[], maxLength?: number): Encoding[];
  /** N × D features (with `extraLayers`: their columns appended, in order). */
  extract(inputs: HfInputs, options?: ExtractOptions): Promise<Matrix>;
  /** `extract` with `extraLayers` split into one matrix per layer. */
  extractLayers(inputs: HfInputs, options: ExtractOptions & { readonly extraLayers: readonly (number | string)[] }): Promise<LayeredFeatures>;
  dispose(): void;
}

/** Max length when neither the tokenizer nor the model states one (RoPE decoders). */
export const DEFAULT_UNBOUNDED_MAX_LENGTH = 512;

const HEAD_REASONS: Partial<Record<Pooling, string>> = {
  cls: 'the first token ([CLS]), which the family\'s classification head reads',
  pooler: 'the family\'s pooler head (dense + tanh on [CLS] for BERT-likes; the pooled output for ViT/CLIP)',
  mean: 'the mean over tokens',
  last: 'the last non-padding token, which decoder classification heads read',
  gap: 'global average pooling over the last feature map, which the family\'s classifier reads',
};

export async function readJsonFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new CheckpointError('checkpoint-missing', `${path} cannot be read (${(e as Error).message}).`);
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a JSON object');
    return value as Record<string, unknown>;
  } catch (e) {
    throw new CheckpointError('checkpoint-invalid', `${path} is not valid JSON (${(e as Error).message}); restore it from the model repository.`);
  }
}

/** `…/models--org--name/snapshots/<rev>` → rev (and the Hub id); undefined for other folders. */
export function snapshotIdentity(folder: string): { revision?: string; hubId?: string } {
  const parent = dirname(folder);
  if (basename(parent) !== 'snapshots') return {};
  const repo = basename(dirname(parent));
  const match = /^models--(.+)$/.exec(repo);
  return { revision: basename(folder), ...(match ? { hubId: match[1]!.split('--').join('/') } : {}) };
}

/** Parses a layer option: integer i (0 … numLayers) or −k from the end (−1 = last), as in `hidden_states[i]`. */
export function resolveLayerIndex(layer: number | string | undefined, numLayers: number, where = 'feature_layer'): number {
  if (layer === undefined || layer === '') return numLayers;
  const text = String(layer).trim();
  const value = Number(text);
  if (!/^[+-]?\d+$/.test(text) || !Number.isInteger(value)) {
    throw new CheckpointError('checkpoint-invalid', `${where} '${text}' is not a hidden-state index. Hugging Face checkpoints take an integer: 0 (embeddings) to ${numLayers} (last), or −k counting from the end (−1 = last, −2 = the block below).`);
  }
  const index = value < 0 ? numLayers + 1 + value : value;
  if (index < 0 || index > numLayers) {
    throw new CheckpointError('checkpoint-invalid', `${where} ${text} is out of range: this model has hidden states 0 … ${numLayers} (or −1 … −${numLayers + 1}).`);
  }
  return index;
}

function mostCommonDtype(weights: WeightSource): string | undefined {
  const counts = new Map<string, number>();
  for (const entry of weights.entries.values()) {
    const n = entry.shape.reduce((a, b) => a * b, 1);
    counts.set(entry.dtype, (counts.get(entry.dtype) ?? 0) + n);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}

function tokenizerSummary(info: TokenizerInfo, model: HfModel, st: SentenceTransformersPooling | undefined): HfTokenizerSummary {
  const limits: { value: number; source: string }[] = [];
  if (st?.maxSeqLength) limits.push({ value: st.maxSeqLength, source: 'sentence_bert_config.json max_seq_length' });
  if (info.modelMaxLength) limits.push({ value: info.modelMaxLength, source: 'tokenizer_config.json model_max_length' });
  if (model.maxLength) limits.push({ value: model.maxLength, source: 'config.json position embeddings' });
  const chosen = limits.length > 0 ? limits.reduce((a, b) => (b.value < a.value ? b : a)) : { value: DEFAULT_UNBOUNDED_MAX_LENGTH, source: `default ${DEFAULT_UNBOUNDED_MAX_LENGTH} (neither the tokenizer nor the model states a limit)` };
  return {
    model: info.model,
    vocabSize: info.vocabSize,
    byteLevel: info.byteLevel,
    paddingSide: info.paddingSide,
    truncationSide: info.truncationSide,
    maxLength: chosen.value,
    maxLengthSource: chosen.source,
    files: info.files,
  };
}

async function existingFiles(folder: string, names: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const name of names) {
    try {
      if ((await stat(join(folder, name))).isFile()) out.push(join(folder, name));
    } catch {
      // absent
    }
  }
  return out;
}


/**
 * Loads a Hugging Face checkpoint folder. Throws CheckpointError for user-input problems
 * (unknown model_type: names it, lists the supported ones and the two ways out).
 */
export async function loadHfCheckpoint(folder: string, options: LoadHfCheckpointOptions = {}): Promise<HfCheckpoint> {
  const injected = options.deps ?? {};
  const needsDefaults = !injected.openWeights || !injected.architectureFor;
  const deps: HfDependencies = { ...(needsDefaults ? defaultHfDependencies() : ({} as HfDependencies)), ...injected } as HfDependencies;
  const located = deps.locate ? await deps.locate(folder) : { modelFolder: folder, hasWeights: true };
  const modelFolder = located.modelFolder;
  const configPath = join(modelFolder, 'config.json');
  const config = await readJsonFile(configPath);
  const modelType = typeof config.model_type === 'string' ? config.model_type : undefined;
  const preference = options.engine ?? 'auto';
  const architecture = deps.architectureFor(modelType);
  const st = deps.sentenceTransformers ? await deps.sentenceTransformers(folder) : undefined;
  const choice = deps.chooseEngine
    ? deps.chooseEngine({ folder: modelFolder, ...(modelType ? { modelType } : {}), hasWeights: located.hasWeights, tfjsSupported: !!architecture }, preference)
    : architecture && preference !== 'onnx'
      ? { engine: 'tfjs' as const, note: 'engine: TF.js' }
      : { engine: 'onnx' as const, note: 'engine: ONNX' };
  const unsupported = (): CheckpointError => {
    const supported = deps.supportedModelTypes();
    return new CheckpointError('checkpoint-unsupported',
      `${configPath}: model_type '${modelType ?? '(missing)'}' has no TypeScript implementation here (supported: ${supported.length > 0 ? supported.join(', ') : 'none yet'}). ` +
      `Two ways out: export the features yourself and set features_file: path/to/features.npy (one row per sample, dataset order), or export the model to ONNX (\`optimum-cli export onnx --model ${modelFolder} ${modelFolder}/onnx\`) so the ONNX engine runs it.`);
  };

  const engineFor = choice.engine === 'onnx' ? 'onnx' : 'tfjs';
  const estimate = await estimateHfCost(modelFolder, { samples: options.guard?.samples ?? 1, sequenceLength: options.guard?.sequenceLength ?? 128, engine: engineFor, ...(architecture ? { architecture } : {}) });
  if (estimate) {
    const memory = options.guard?.memoryBytes ?? defaultMemoryLimit(engineFor, options.guard?.backend);
    const decision = decideHfRun(estimate, { maxModelParameters: options.guard?.maxModelParameters ?? Number.POSITIVE_INFINITY, memoryBytes: memory, timeBudgetSeconds: Number.POSITIVE_INFINITY, minSamples: 1 });
    const overParameters = options.guard?.maxModelParameters !== undefined && estimate.parameters > options.guard.maxModelParameters;
    if (decision.action === 'skip' || overParameters) {
      throw new CheckpointError('checkpoint-unsupported', decision.message ?? `${modelFolder} has ${formatParameters(estimate.parameters)} parameters (${estimate.parametersSource}), over transferlens.maxModelParameters (CLI --max-model-parameters), now ${formatParameters(options.guard!.maxModelParameters!)}; it was not loaded (extracting features would take ~${estimate.secondsPerSample.toFixed(1)} s per sample).\nRaise the limit to run it, or set features_file to precomputed features.`);
    }
  }

  let model: HfModel | undefined;
  let weights: WeightSource | undefined;
  let engineNote = choice.note;
  if (choice.engine === 'onnx') {
    model = deps.loadOnnx ? await deps.loadOnnx(modelFolder, config) : undefined;
    if (!model && preference === 'onnx' && !architecture) {
      throw new CheckpointError('checkpoint-unsupported', `${modelFolder} cannot run on the ONNX engine: it holds no ONNX export (onnx/model.onnx or model.onnx) or onnxruntime-node is not installed, and TF.js does not implement model_type '${modelType ?? '(missing)'}'. Export the model with optimum (\`optimum-cli export onnx --model ${modelFolder} ${modelFolder}/onnx\`), or set features_file to precomputed features.`);
    }
    if (!model) engineNote = 'engine: TF.js (the ONNX engine could not load this folder)';
  } else if (choice.engine === 'none') {
    // An ONNX export that onnxruntime-node cannot run here, and nothing TF.js can run instead (issue #16).
    if (choice.runtimeUnavailable !== undefined) {
      throw new CheckpointError('checkpoint-unsupported', `${modelFolder} holds an ONNX export but the ONNX engine is unavailable here (${choice.runtimeUnavailable}), and ${architecture ? 'no safetensors weights for the TF.js engine' : `TF.js does not implement model_type '${modelType ?? '(missing)'}'`}. ` +
        `Install the platform-specific VSIX (or \`npm install onnxruntime-node\` beside the CLI)${architecture ? ', download the safetensors weights (`huggingface-cli download ORG/NAME --include "*.safetensors"`)' : ''}, or set features_file to precomputed features.`);
    }
    if (!architecture) throw unsupported();
  }
  if (!model) {
    if (!architecture) throw unsupported();
    if (options.signal?.aborted) throw new CancelledError();
    weights = await deps.openWeights(modelFolder);
    model = await architecture.load(config, weights);
  }
  let tokenizer: HfTokenizer | undefined;
  try {
    if (model.modality === 'text') {
      tokenizer = deps.loadTokenizer ? ((await deps.loadTokenizer(modelFolder)) ?? (modelFolder !== folder ? await deps.loadTokenizer(folder) : undefined)) : undefined;
      if (!tokenizer) {
        throw new CheckpointError('checkpoint-invalid', `${folder} has no tokenizer.json, which a text model needs. Download it with the model (\`huggingface-cli download <repo> tokenizer.json tokenizer_config.json\`) or save the tokenizer beside the weights (tokenizer.save_pretrained).`);
      }
    }
  } catch (e) {
    model.dispose();
    throw e;
  }

  const identity = snapshotIdentity(folder);
  const poolingReason = st
    ? `${st.pooling}${st.normalize ? ', L2-normalised' : ''}: this is a sentence-transformers folder (${st.files.map((f) => relative(folder, f) || basename(f)).join(', ')})${st.note ? `; ${st.note}` : ''}`
    : `${model.defaultPooling}: ${HEAD_REASONS[model.defaultPooling] ?? 'the family default'} (${model.modelType})`;
  const defaultPooling = st?.pooling ?? model.defaultPooling;
  // The ONNX engine's graph file stands for the weights (feature-cache keys, messages).
  const graphFile = (model as unknown as { file?: unknown }).file;
  const onnxFile = model.engine === 'onnx' && typeof graphFile === 'string' ? [graphFile] : [];
  const weightFiles = weights ? [...new Set([...weights.entries.values()].map((e) => e.file))].sort() : onnxFile;
  const otherFiles = await existingFiles(modelFolder, ['config.json', 'model.safetensors.index.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'preprocessor_config.json', 'modules.json', 'sentence_bert_config.json', '1_Pooling/config.json']);
  const processor = model.modality === 'image' && deps.describeProcessor ? await deps.describeProcessor(modelFolder) : undefined;
  const weightParameters = weights ? [...weights.entries.values()].reduce((sum, e) => sum + e.shape.reduce((a, b) => a * b, 1), 0) : 0;
  const info: HfCheckpointInfo = {
    folder,
    ...(options.hubId ?? identity.hubId ? { hubId: options.hubId ?? identity.hubId } : {}),
    ...(identity.revision ? { revision: identity.revision } : {}),
    modelType: model.modelType,
    modality: model.modality,
    parameters: model.parameters || weightParameters,
    ...(weights ? { dtype: mostCommonDtype(weights) } : {}),
    numLayers: model.numLayers,
    hiddenSize: model.hiddenSize,
    defaultPooling,
    poolings: model.poolings,
    poolingReason,
    normalize: st?.normalize ?? false,
    ...(tokenizer ? { tokenizer: tokenizerSummary(tokenizer.info, model, st) } : {}),
    ...(model.modality === 'image' && model.maxLength ? { imageSize: model.maxLength } : {}),
    ...(processor ? { processor } : {}),
    engine: model.engine ?? 'tfjs',
    engineNote,
    files: [...new Set([...otherFiles, ...weightFiles])],
  };
  return makeCheckpoint(info, model, tokenizer);
}

/** Wraps a loaded model (tests build one from a fake HfModel directly). */
export function makeCheckpoint(info: HfCheckpointInfo, model: HfModel, tokenizer?: HfTokenizer): HfCheckpoint {
  const resolve = (options: Pick<ExtractOptions, 'pooling' | 'layer'> = {}): ResolvedExtraction => {
    const layer = resolveLayerIndex(options.layer, model.numLayers);
    const last = layer === model.numLayers;
    if (options.pooling) {
      if (!model.poolings.includes(options.pooling)) {
        throw new CheckpointError('checkpoint-invalid', `pooling '${options.pooling}' does not apply to ${model.modelType} (it offers ${model.poolings.join(', ')}).`);
      }
      if (options.pooling === 'pooler' && !last) {
        throw new CheckpointError('checkpoint-invalid', `pooling 'pooler' reads the last layer only; with layer ${layer} of ${model.numLayers} choose ${model.poolings.filter((p) => p !== 'pooler').join(' or ')}.`);
      }
      return { pooling: options.pooling, layer, poolingReason: `${options.pooling}: requested` };
    }
    if (info.defaultPooling === 'pooler' && !last) {
      const fallback: Pooling = model.poolings.includes('cls') ? 'cls' : model.poolings.includes('gap') ? 'gap' : 'mean';
      return { pooling: fallback, layer, poolingReason: `${fallback}: the pooler head reads only the last layer, and layer ${layer} of ${model.numLayers} was asked for` };
    }
    return { pooling: info.defaultPooling, layer, poolingReason: info.poolingReason };
  };

  const tokenize = (texts: readonly string[], pairs?: readonly string[], maxLength?: number): Encoding[] => {
    if (!tokenizer) throw new CheckpointError('checkpoint-invalid', `${info.folder} is an ${info.modality} model; it takes images, not texts.`);
    const limit = maxLength ?? info.tokenizer?.maxLength;
    return texts.map((text, i) => tokenizer.encode(text, pairs?.[i], { maxLength: limit, addSpecialTokens: true }));
  };

  /** Widths of the main and extra-layer parts of the last extraction (CNN stages differ in width). */
  let partWidths: number[] = [];
  const extract = async (inputs: HfInputs, options: ExtractOptions = {}): Promise<Matrix> => {
    const { pooling, layer } = resolve(options);
    const batchSize = Math.max(1, Math.floor(options.batchSize ?? defaultBatchSize(info.modality, info.parameters)));
    const now = options.now ?? (() => performance.now());
    const started = now();
    const signal = options.signal;
    if (signal?.aborted) throw new CancelledError();
    const extra = (options.extraLayers ?? []).map((l) => resolveLayerIndex(l, model.numLayers, 'layer'));
    const extraPooling: Exclude<Pooling, 'pooler'> = pooling !== 'pooler' ? pooling : model.poolings.includes('cls') ? 'cls' : model.poolings.includes('gap') ? 'gap' : 'mean';
    const layers = [...new Set([layer, ...extra])].filter((l) => l !== model.numLayers);
    const total = 'texts' in inputs ? inputs.texts.length : inputs.images.count;
    let done = 0;
    let data: Float64Array | undefined;
    let cols = 0;
    const report = (): void => {
      if (!options.onProgress) return;
      const elapsed = (now() - started) / 1000;
      const rate = elapsed > 0 ? done / elapsed : 0;
      const eta = rate > 0 ? (total - done) / rate : Number.POSITIVE_INFINITY;
      options.onProgress({
        step: 'features',
        message: `extracting ${info.modelType} features (${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} ${'texts' in inputs ? 'texts' : 'images'}, ${rate.toFixed(1)} samples/s, ETA ${formatEta(eta)})`,
        fraction: total > 0 ? done / total : 1,
      });
    };
    const store = (values: Float32Array, rows: readonly number[], width: number): void => {
      if (!data) {
        cols = width;
        data = new Float64Array(total * cols);
      }
      if (width !== cols) throw new Error(`feature width changed from ${cols} to ${width} between batches`);
      rows.forEach((row, i) => {
        for (let j = 0; j < cols; j++) data![row * cols + j] = values[i * cols + j]!;
      });
    };

    const runBatch = async (batch: ModelBatch, mask: tf.Tensor2D | undefined): Promise<{ values: Float32Array; width: number }> => {
      const normalise = (out: tf.Tensor2D): tf.Tensor2D => (info.normalize ? (tf.div(out, tf.maximum(tf.norm(out, 'euclidean', 1, true), 1e-12)) as tf.Tensor2D) : out);
      const hiddenAt = (hidden: ReadonlyMap<number, tf.Tensor>, index: number): tf.Tensor => {
        const h = hidden.get(index);
        if (!h) throw new Error(`the ${info.modelType} forward pass returned no hidden state ${index}`);
        return h;
      };
      const poolIt = (hidden: ReadonlyMap<number, tf.Tensor>, pooler: tf.Tensor2D | undefined): tf.Tensor2D => {
        let out: tf.Tensor2D;
        if (pooling === 'pooler') {
          if (!pooler) throw new CheckpointError('checkpoint-invalid', `${info.modelType} at ${info.folder} has no pooler weights; use --pooling ${model.poolings.filter((p) => p !== 'pooler').join(' or ')}.`);
          out = pooler;
        } else {
          out = pool(pooling, hiddenAt(hidden, layer), mask);
        }
        out = normalise(out);
        const parts = [out, ...extra.map((l) => normalise(pool(extraPooling, hiddenAt(hidden, l), mask)))];
        partWidths = parts.map((t) => t.shape[1]);
        return parts.length === 1 ? out : (tf.concat(parts, 1) as tf.Tensor2D);
      };
      let pooled: tf.Tensor2D;
      if (model.forwardAsync) {
        const output = await model.forwardAsync(batch, { layers });
        try {
          // clone: the pooled tensor may be one of the outputs disposed below (pooler, no normalisation).
          pooled = tf.tidy(() => tf.clone(poolIt(output.hidden, output.pooler)));
        } finally {
          for (const t of output.hidden.values()) t.dispose();
          output.pooler?.dispose();
        }
      } else {
        pooled = tf.tidy(() => {
          const output = model.forward(batch, { layers });
          return poolIt(output.hidden, output.pooler);
        });
      }
      try {
        const values = (await pooled.data()) as Float32Array;
        return { values, width: pooled.shape[1] };
      } finally {
        pooled.dispose();
      }
    };

    if ('texts' in inputs) {
      if (inputs.pairs && inputs.pairs.length !== inputs.texts.length) throw new RangeError(`extract: ${inputs.pairs.length} pairs for ${inputs.texts.length} texts`);
      const encodings = tokenize(inputs.texts, inputs.pairs, options.maxLength);
      // Sort by length so each batch pads little; rows go back to input order in `store`.
      const order = encodings.map((_, i) => i).sort((a, b) => encodings[a]!.ids.length - encodings[b]!.ids.length || a - b);
      for (let from = 0; from < order.length; from += batchSize) {
        if (signal?.aborted) throw new CancelledError();
        const rows = order.slice(from, from + batchSize);
        const padded = padEncodings(rows.map((r) => encodings[r]!), tokenizer!.info);
        const batch = toTensors(padded);
        try {
          const { values, width } = await runBatch(batch, batch.attentionMask);
          store(values, rows, width);
        } finally {
          batch.inputIds.dispose();
          batch.attentionMask.dispose();
          batch.tokenTypeIds?.dispose();
        }
        done += rows.length;
        report();
        await yieldToEventLoop();
      }
    } else {
      for await (const item of inputs.images.batches(batchSize)) {
        const pixelValues = 'kind' in item ? item.pixelValues : (item as tf.Tensor4D);
        try {
          if (signal?.aborted) throw new CancelledError();
          const rows = Array.from({ length: pixelValues.shape[0] }, (_, i) => done + i);
          if (done + rows.length > total) throw new RangeError(`the image source yielded more than its count (${total}) images`);
          const { values, width } = await runBatch({ kind: 'image', pixelValues }, undefined);
          store(values, rows, width);
          done += rows.length;
        } finally {
          pixelValues.dispose();
        }
        report();
        await yieldToEventLoop();
      }
    }
    if (signal?.aborted) throw new CancelledError();
    if (done !== total) {
      // An image source may skip undecodable files: keep the rows it produced.
      return { rows: done, cols, data: (data ?? new Float64Array(0)).slice(0, done * cols) };
    }
    return { rows: total, cols, data: data ?? new Float64Array(0) };
  };

  const extractLayers = async (inputs: HfInputs, options: ExtractOptions & { readonly extraLayers: readonly (number | string)[] }): Promise<LayeredFeatures> => {
    const all = await extract(inputs, options);
    const extra = options.extraLayers.map((l) => resolveLayerIndex(l, model.numLayers, 'layer'));
    const widths = all.rows > 0 ? partWidths : [];
    if (all.rows > 0 && (widths.length !== 1 + extra.length || widths.reduce((a, b) => a + b, 0) !== all.cols)) throw new Error(`extractLayers: ${all.cols} columns do not match the parts ${widths.join('+')}`);
    const offsets = widths.map((_, k) => widths.slice(0, k).reduce((a, b) => a + b, 0));
    const part = (k: number): Matrix => {
      const width = widths[k] ?? 0;
      const data = new Float64Array(all.rows * width);
      for (let i = 0; i < all.rows; i++) data.set(all.data.subarray(i * all.cols + offsets[k]!, i * all.cols + offsets[k]! + width), i * width);
      return { rows: all.rows, cols: width, data };
    };
    return { features: part(0), layers: new Map(extra.map((l, k) => [l, part(k + 1)])) };
  };

  return {
    info,
    model,
    ...(tokenizer ? { tokenizer } : {}),
    resolve,
    tokenize,
    extract,
    extractLayers,
    dispose: () => model.dispose(),
  };
}

export interface PaddedEncodings {
  readonly inputIds: number[][];
  readonly attentionMask: number[][];
  readonly tokenTypeIds: number[][];
}

/** Pads encodings to the longest on the tokenizer's padding side with its pad id (0 when it has none). */
export function padEncodings(encodings: readonly Encoding[], info: Pick<TokenizerInfo, 'paddingSide' | 'padTokenId' | 'eosTokenId'>): PaddedEncodings {
  const length = Math.max(1, ...encodings.map((e) => e.ids.length));
  const padId = info.padTokenId ?? info.eosTokenId ?? 0;
  const left = info.paddingSide === 'left';
  const pad = <T>(values: readonly T[], fill: T): T[] => {
    const filler = new Array<T>(length - values.length).fill(fill);
    return left ? [...filler, ...values] : [...values, ...filler];
  };
  return {
    inputIds: encodings.map((e) => pad(e.ids, padId)),
    attentionMask: encodings.map((e) => pad(e.ids.map(() => 1), 0)),
    tokenTypeIds: encodings.map((e) => pad(e.typeIds.length === e.ids.length ? e.typeIds : e.ids.map(() => 0), 0)),
  };
}

function toTensors(padded: PaddedEncodings): TextBatch {
  return {
    kind: 'text',
    inputIds: tf.tensor2d(padded.inputIds, undefined, 'int32'),
    attentionMask: tf.tensor2d(padded.attentionMask, undefined, 'int32'),
    tokenTypeIds: tf.tensor2d(padded.tokenTypeIds, undefined, 'int32'),
  };
}

export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

/** The analysis contract's description of a run (TransferAnalysis.hfModel). */
export function hfModelUsed(info: HfCheckpointInfo, resolved: ResolvedExtraction, maxLength?: number): import('../../core/model/analysis').HfModelUsed {
  const t = info.tokenizer;
  return {
    modelType: info.modelType,
    modality: info.modality,
    engine: info.engine,
    ...(info.engineNote ? { engineNote: info.engineNote } : {}),
    ...(info.hubId ? { hubId: info.hubId } : {}),
    ...(info.revision ? { revision: info.revision } : {}),
    ...(info.dtype ? { dtype: info.dtype } : {}),
    parameters: info.parameters,
    pooling: resolved.pooling,
    poolingReason: resolved.poolingReason,
    layer: resolved.layer,
    numLayers: info.numLayers,
    ...(t ? { tokenizer: `${t.model}${t.byteLevel ? ' (byte-level)' : ''}, ${t.vocabSize.toLocaleString('en-US')} tokens, padding ${t.paddingSide}`, maxLength: maxLength ?? t.maxLength, maxLengthSource: maxLength !== undefined && maxLength !== t.maxLength ? 'set for the analysis' : t.maxLengthSource } : {}),
    ...(info.processor ? { processor: info.processor } : {}),
  };
}

/**
 * Default batch size: small models gain from batching, big ones only pay in memory. Measured on
 * BERT-base (110 M, 128 tokens, WASM, bench/hf-memory.ts): batch 1 / 4 / 16 peak at 1.52× /
 * 1.70× / 2.64× the float32 weights, at 1.08 / 1.08 / 0.93 texts per second — so from 50 M
 * parameters a batch of 4 keeps peak memory under 2× at no cost in speed.
 */
export function defaultBatchSize(modality: 'text' | 'image', parameters: number): number {
  if (parameters >= 50e6) return 4;
  return modality === 'image' ? 8 : 16;
}

/**
 * Guard rails for big Hugging Face checkpoints (issue #14 §6): before any weight is read, estimate
 * what extracting features would cost — parameters from the safetensors headers (or the shard
 * index's total_size, or config.json), float32 memory on the backend, activations for the batch,
 * seconds per sample — and decide whether to run on every planned sample, on fewer, or not at all.
 * A 7B checkpoint in the editor then gets a finding with the estimate instead of a worker that
 * allocates 28 GB and dies.
 *
 * Why these numbers:
 * - DEFAULT_MAX_MODEL_PARAMETERS = 350 M: the largest common encoders (BERT-large / RoBERTa-large
 *   335 M, ViT-L / CLIP-L 304 M) fit; their float32 weights (1.4 GB) plus a batch of activations
 *   stay well inside the WASM backend's 4 GiB heap and beside a 2 GB worker heap. Above it (Qwen2-0.5B
 *   and every decoder from 1 B) a forward pass takes seconds per sample on two cores, so the
 *   sample is cut to what fits the time budget.
 * - Throughput: ~15 GFLOP/s for TF.js on WASM and ~50 GFLOP/s for onnxruntime-node, on two shared
 *   cores (BERT-base at 128 tokens: ~1.5 s vs ~0.45 s per sample, /work/shared/docs/hf-models.md).
 *   A transformer costs ≈ 2 · (non-embedding parameters) FLOPs per token; a CNN at 224 px costs about
 *   as much as 160 tokens (ResNet-50: 8.2 GFLOP = 2 · 25.6 M · 160).
 * - Memory: the WASM backend cannot address more than 4 GiB; the process limit is the free memory
 *   the OS reports (80% of it).
 */
import { readFile, stat } from 'node:fs/promises';
import { freemem } from 'node:os';
import { join } from 'node:path';
import { safetensorsDtypeSize } from '../../core/formats/safetensors';
import type { HfArchitecture, HfConfig } from './types';
import { readSafetensorsFileHeader } from './weights';

export const DEFAULT_MAX_MODEL_PARAMETERS = 350_000_000;
/** The WASM backend's address space. */
export const WASM_MEMORY_LIMIT_BYTES = 4 * 1024 ** 3;
export const FLOPS_PER_SECOND = { tfjs: 15e9, onnx: 50e9 } as const;
/** Tokens a CNN at 224 px costs as much as (see the doc comment). */
const CNN_TOKEN_EQUIVALENT_224 = 160;

export interface HfCostInput {
  /** Samples the analysis plans to extract. */
  readonly samples: number;
  /** Text: tokens per sample (after truncation); images: ignored (the image size decides). */
  readonly sequenceLength?: number;
  readonly batchSize?: number;
  readonly engine?: 'tfjs' | 'onnx';
  /** The architecture, when known (its estimateParameters is used before the rough formula). */
  readonly architecture?: HfArchitecture;
}

export interface HfCostEstimate {
  readonly parameters: number;
  readonly parametersSource: 'safetensors headers' | 'index total_size' | 'architecture' | 'config.json (rough)';
  /** Stored dtype when known (F32, BF16, …). */
  readonly dtype?: string;
  readonly weightsPresent: boolean;
  readonly float32WeightBytes: number;
  /** Weights + one batch of activations. */
  readonly peakBytes: number;
  /** Tokens per sample the time estimate assumed (patches + 1 for ViTs, an equivalent for CNNs). */
  readonly tokensPerSample: number;
  readonly secondsPerSample: number;
  readonly samples: number;
  readonly totalSeconds: number;
  readonly modality: 'text' | 'image';
}

const IMAGE_TYPES = new Set(['vit', 'deit', 'resnet', 'convnext', 'mobilenet_v2', 'clip', 'clip_vision_model', 'dinov2', 'swin', 'beit', 'efficientnet', 'regnet']);
const CNN_TYPES = new Set(['resnet', 'convnext', 'mobilenet_v2', 'efficientnet', 'regnet']);

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

/** The config fields that matter here, looking into CLIP's vision_config. */
function dims(config: HfConfig): { hidden?: number; layers?: number; intermediate?: number; vocab?: number; heads?: number; imageSize?: number; patchSize?: number } {
  const vision = (config.model_type === 'clip' && typeof config.vision_config === 'object' && config.vision_config) ? (config.vision_config as HfConfig) : config;
  const hiddenSizes = Array.isArray(vision.hidden_sizes) ? (vision.hidden_sizes as unknown[]).map(num).filter((v): v is number => v !== undefined) : [];
  return {
    hidden: num(vision.hidden_size) ?? num(vision.n_embd) ?? num(vision.dim) ?? hiddenSizes[hiddenSizes.length - 1],
    layers: num(vision.num_hidden_layers) ?? num(vision.n_layer) ?? num(vision.n_layers),
    intermediate: num(vision.intermediate_size) ?? num(vision.n_inner) ?? num(vision.hidden_dim),
    vocab: num(vision.vocab_size),
    heads: num(vision.num_attention_heads) ?? num(vision.n_head) ?? num(vision.n_heads),
    imageSize: num(vision.image_size),
    patchSize: num(vision.patch_size),
  };
}

const GATED_MLP_TYPES = new Set(['llama', 'mistral', 'qwen2', 'qwen3', 'gemma', 'gemma2', 'phi3', 'mixtral']);

/**
 * L·(4H² + k·H·I) + vocab·H (twice when the output embedding is not tied) for transformers, k = 3
 * for gated (SwiGLU) MLPs: a rough count when nothing better is known.
 */
function roughParameters(config: HfConfig): number | undefined {
  const d = dims(config);
  if (!d.hidden || !d.layers) return undefined;
  const intermediate = d.intermediate ?? 4 * d.hidden;
  const gated = GATED_MLP_TYPES.has(String(config.model_type));
  const tied = config.tie_word_embeddings === undefined ? !gated : config.tie_word_embeddings !== false;
  return d.layers * (4 * d.hidden * d.hidden + (gated ? 3 : 2) * d.hidden * intermediate) + (d.vocab ?? 0) * d.hidden * (tied ? 1 : 2);
}

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    const value = JSON.parse(await readFile(path, 'utf8')) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Element counts and dtypes from one safetensors header (reads 8 + N bytes; undefined when unreadable). */
async function headerCounts(file: string): Promise<{ elements: number; byDtype: Map<string, number> } | undefined> {
  try {
    const header = await readSafetensorsFileHeader(file);
    const byDtype = new Map<string, number>();
    let elements = 0;
    for (const t of header.tensors) {
      const n = t.shape.reduce((a, b) => a * b, 1);
      elements += n;
      byDtype.set(t.dtype, (byDtype.get(t.dtype) ?? 0) + n);
    }
    return { elements, byDtype };
  } catch {
    return undefined;
  }
}

const TORCH_DTYPES: Record<string, string> = { float32: 'F32', float16: 'F16', bfloat16: 'BF16', float64: 'F64' };

/**
 * Estimates the cost of extracting features from the checkpoint in `folder` from its headers and
 * config.json only. Undefined when config.json is unreadable (someone else's finding).
 */
export async function estimateHfCost(folder: string, input: HfCostInput): Promise<HfCostEstimate | undefined> {
  const config = await readJson(join(folder, 'config.json'));
  if (!config) return undefined;
  const modelType = typeof config.model_type === 'string' ? config.model_type : '';
  const modality: 'text' | 'image' = input.architecture?.modality ?? (IMAGE_TYPES.has(modelType) ? 'image' : 'text');
  const configDtype = typeof config.torch_dtype === 'string' ? TORCH_DTYPES[config.torch_dtype] : typeof config.dtype === 'string' ? TORCH_DTYPES[config.dtype] : undefined;

  let parameters: number | undefined;
  let source: HfCostEstimate['parametersSource'] = 'config.json (rough)';
  let dtype = configDtype;
  let weightsPresent = false;
  const single = join(folder, 'model.safetensors');
  const indexFile = join(folder, 'model.safetensors.index.json');
  if (await isFile(single)) {
    const counts = await headerCounts(single);
    if (counts) {
      parameters = counts.elements;
      source = 'safetensors headers';
      dtype = [...counts.byDtype.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? dtype;
      weightsPresent = true;
    }
  } else if (await isFile(indexFile)) {
    const index = await readJson(indexFile);
    const map = index?.weight_map && typeof index.weight_map === 'object' ? (index.weight_map as Record<string, unknown>) : {};
    const shards = [...new Set(Object.values(map).filter((v): v is string => typeof v === 'string' && !v.includes('..')))];
    const present = await Promise.all(shards.map((s) => isFile(join(folder, s))));
    weightsPresent = shards.length > 0 && present.every(Boolean);
    if (weightsPresent) {
      let elements = 0;
      const byDtype = new Map<string, number>();
      let complete = true;
      for (const shard of shards) {
        const counts = await headerCounts(join(folder, shard));
        if (!counts) {
          complete = false;
          break;
        }
        elements += counts.elements;
        for (const [k, v] of counts.byDtype) byDtype.set(k, (byDtype.get(k) ?? 0) + v);
      }
      if (complete) {
        parameters = elements;
        source = 'safetensors headers';
        dtype = [...byDtype.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? dtype;
      }
    }
    const total = num((index?.metadata as Record<string, unknown> | undefined)?.total_size);
    if (parameters === undefined && total) {
      parameters = Math.round(total / (safetensorsDtypeSize(dtype ?? 'F32') ?? 4));
      source = 'index total_size';
    }
  }
  if (parameters === undefined) {
    const fromArchitecture = input.architecture?.estimateParameters?.(config);
    if (fromArchitecture) {
      parameters = fromArchitecture;
      source = 'architecture';
    } else {
      parameters = roughParameters(config) ?? 0;
    }
  }

  const d = dims(config);
  const engine = input.engine ?? 'tfjs';
  const batch = Math.max(1, input.batchSize ?? (modality === 'image' ? 8 : 16));
  let tokens: number;
  if (modality === 'image') {
    const side = d.imageSize ?? 224;
    tokens = CNN_TYPES.has(modelType) || !d.patchSize ? Math.round(CNN_TOKEN_EQUIVALENT_224 * (side / 224) ** 2) : (side / d.patchSize) ** 2 + 1;
  } else {
    tokens = Math.max(1, input.sequenceLength ?? 128);
  }
  const embedding = modality === 'text' ? (d.vocab ?? 0) * (d.hidden ?? 0) : 0;
  const computeParameters = Math.max(parameters - embedding, parameters * 0.1);
  const secondsPerSample = (2 * computeParameters * tokens) / FLOPS_PER_SECOND[engine];
  const float32WeightBytes = parameters * 4;
  const hidden = d.hidden ?? 768;
  const heads = d.heads ?? 12;
  const activations = modality === 'text' || d.patchSize
    ? batch * tokens * (hidden * 8 + (d.intermediate ?? 4 * hidden) * 2) * 4 + batch * heads * tokens * tokens * 4 * 3
    : batch * 224 * 224 * 64 * 4 * 3;
  return {
    parameters,
    parametersSource: source,
    ...(dtype ? { dtype } : {}),
    weightsPresent,
    float32WeightBytes,
    peakBytes: float32WeightBytes + activations,
    tokensPerSample: tokens,
    secondsPerSample,
    samples: input.samples,
    totalSeconds: secondsPerSample * input.samples,
    modality,
  };
}

export interface GuardLimits {
  /** Setting `transferlens.maxModelParameters` / `--max-model-parameters`. */
  readonly maxModelParameters?: number;
  /** Bytes the forward pass may use; default min(WASM limit, 80% of free memory). */
  readonly memoryBytes?: number;
  /** Seconds feature extraction may take when the model is over maxModelParameters. */
  readonly timeBudgetSeconds: number;
  /** Fewest samples an analysis can use (below: not at all). */
  readonly minSamples: number;
}

export interface GuardDecision {
  readonly action: 'run' | 'reduce' | 'skip';
  /** Samples to extract (0 for skip). */
  readonly samples: number;
  /** Why, with the estimate, for a finding on the checkpoint key (absent for a plain run). */
  readonly message?: string;
  readonly estimate: HfCostEstimate;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  if (bytes >= 1024 ** 2) return `${Math.round(bytes / 1024 ** 2)} MB`;
  return `${Math.round(bytes / 1024)} KB`;
}

export function formatParameters(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} B`;
  if (n >= 1e6) return `${Math.round(n / 1e6)} M`;
  return n.toLocaleString('en-US');
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** Memory a forward pass may use on this machine for this engine. */
export function defaultMemoryLimit(engine: 'tfjs' | 'onnx' = 'tfjs', backend?: string): number {
  const available = (process as { availableMemory?: () => number }).availableMemory?.() ?? freemem();
  const system = available * 0.8;
  return engine === 'tfjs' && (backend === undefined || backend === 'wasm') ? Math.min(WASM_MEMORY_LIMIT_BYTES, system) : system;
}

/** What to do with this estimate under these limits. */
export function decideHfRun(estimate: HfCostEstimate, limits: GuardLimits): GuardDecision {
  const maxParameters = limits.maxModelParameters ?? DEFAULT_MAX_MODEL_PARAMETERS;
  const memory = limits.memoryBytes ?? defaultMemoryLimit();
  const what = `${formatParameters(estimate.parameters)} parameters (${estimate.parametersSource}${estimate.dtype ? `, stored as ${estimate.dtype}` : ''})`;
  const cost = `${formatBytes(estimate.peakBytes)} in float32 with a batch of activations, ~${estimate.secondsPerSample < 1 ? estimate.secondsPerSample.toFixed(2) : estimate.secondsPerSample.toFixed(1)} s per sample (${estimate.tokensPerSample} ${estimate.modality === 'text' ? 'tokens' : 'token-equivalents'})${estimate.samples > 1 ? `, ~${formatDuration(estimate.totalSeconds)} for ${estimate.samples.toLocaleString('en-US')} samples` : ''}`;
  if (estimate.peakBytes > memory) {
    return {
      action: 'skip', samples: 0, estimate,
      message: `The checkpoint has ${what}: extracting features needs about ${cost}, more than the ${formatBytes(memory)} this process can use. It was not loaded.\n` +
        'Compute the features elsewhere and set features_file: path/to/features.npy (one row per sample, dataset order), or pick a smaller checkpoint of the same family for the analysis.',
    };
  }
  if (estimate.parameters > maxParameters) {
    const affordable = Math.floor(limits.timeBudgetSeconds / Math.max(estimate.secondsPerSample, 1e-9));
    const samples = Math.min(estimate.samples, affordable);
    const setting = `transferlens.maxModelParameters (CLI --max-model-parameters), now ${formatParameters(maxParameters)}`;
    if (samples < limits.minSamples) {
      return {
        action: 'skip', samples: 0, estimate,
        message: `The checkpoint has ${what}, over ${setting}: extracting features needs about ${cost}; in the ${formatDuration(limits.timeBudgetSeconds)} time budget only ${samples} samples fit, fewer than the ${limits.minSamples} a verdict needs. It was not loaded.\n` +
          `Raise the time budget (transferlens.timeBudgetSeconds, CLI --time-budget) or ${setting.split(' (')[0]}, or set features_file to precomputed features.`,
      };
    }
    if (samples < estimate.samples) {
      return {
        action: 'reduce', samples, estimate,
        message: `The checkpoint has ${what}, over ${setting}: extracting features for all ${estimate.samples.toLocaleString('en-US')} samples would take ~${formatDuration(estimate.totalSeconds)} (${cost}). The analysis uses ${samples.toLocaleString('en-US')} samples, what fits the ${formatDuration(limits.timeBudgetSeconds)} time budget.\n` +
          'Raise the setting or the time budget to use more, or set features_file to precomputed features.',
      };
    }
  }
  return { action: 'run', samples: estimate.samples, estimate };
}

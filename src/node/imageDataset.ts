/**
 * The image-folder branch of the analysis pipeline (issue #10): when the config's dataset resolves
 * to an image folder, this runs instead of the table path of src/node/pipeline.ts.
 *
 * Steps: load the checkpoint → resolve the preprocessing (preprocessor_config.json beside the
 * checkpoint, else the default) → scan and sample the folder → extract the backbone's features at
 * the configured layer (`feature_layer`, else the penultimate layer), through the feature cache
 * when a cache folder is given → read the same images again as small pixel grids for the scratch
 * arm (cached too) → the verdict of src/core/analysis with a small CNN as the scratch learner.
 *
 * Hugging Face vision checkpoints (a folder with config.json + safetensors, or a Hub id in the local
 * cache; issue #14) take the same path with another backbone (`hfBackbone`): guard rails from the
 * headers before loading, src/node/hf's runner (TF.js architectures or the ONNX engine), the
 * snapshot's preprocessor_config.json at the model's image size, and one forward pass that also
 * pools the blocks below the chosen hidden state (per-layer overlap; a probe on the block below the
 * trainable ones stands in for partial freeze). Fine-tuning is not simulated (inference only).
 *
 * Why the scratch arm is a small CNN on downsampled pixels: training the checkpoint's own
 * architecture (MobileNetV2 at 224×224) from scratch in a 5-fold simulation would take hours on
 * the WASM backend, and 600 images at 224×224×3 in float64 are 0.7 GB. The measured ground truth
 * in docs/vision.md uses the same small CNN, so the verdict answers the question that table
 * measures. The report says which scratch model ran (notes and `preprocessing.scratchInputs`).
 *
 * User-input problems become findings: undecodable files (`dataset-invalid`, warning, one per file
 * up to a limit, each naming the file), a bad preprocessor_config.json (`config-invalid-value`),
 * an unknown `feature_layer` (`checkpoint-invalid`), a checkpoint that does not take images
 * (`shape-mismatch`), dead or constant features (`degenerate-features`). Only cancellation and
 * programmer errors throw.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { AnalysisReport, HfModelUsed } from '../core/model/analysis';
import type { NormalizedConfig, SourceValue, Strategy } from '../core/model/config';
import type { Finding } from '../core/model/finding';
import { CancelledError, throwIfAborted, type RunControl } from '../core/model/progress';
import { FILE_START } from '../core/model/range';
import { analyzeTransfer, MIN_ROWS, type LayerFeatures } from '../core/analysis/analyze';
import { verdictFindings } from '../core/analysis/findings';
import { plannedTrainSize } from '../core/config/datasetList';
import { makeTarget, oneHot, ridgeLearner } from '../core/analysis/learners';
import type { Matrix } from '../core/linalg/matrix';
import { CheckpointError, DatasetError } from '../core/formats/errors';
import { defaultPreprocessing, degenerateFeaturesFinding, describePreprocessing, featureDegeneracy, type ImageInputShape } from '../core/formats/imagePreprocess';
import { computeScores, SCORE_KEYS } from '../core/metrics/registry';
import { FeatureCache, fingerprintFiles } from './cache/featureCache';
import { loadCheckpoint, type LoadedCheckpoint } from './readers/checkpoint';
import { extractImageFeatures, readImageFolder, resolveImagePreprocessing, type ImageFeatures, type ImageFeatureSource, type ImageFolderResult, type ImageProblem, type ResolvedPreprocessing } from './readers/images';
import { hfModelUsed, loadHfCheckpoint, type HfCheckpoint } from './hf/checkpoint';
import { decideHfRun, defaultMemoryLimit, estimateHfCost } from './hf/guard';
import { hfImageInputs, withHfProcessor } from './hf/imageInputs';
import { imageCnnLearner, SCRATCH_CNN_RECIPE } from './training';
import { DEFAULT_TRAINABLE_LAYERS, freezeCountDefaulted } from './textDataset';
import { adaptiveGram } from '../core/linalg/tensorGram';
import { gram as exactGram } from '../core/linalg/products';

/** LogME's FᵀF on the TF.js backend (float32 WASM GEMM) when N·D² is large; float64 otherwise. */
const fastGram = adaptiveGram(exactGram);

/** Images analysed by default: a forward pass costs ~0.1 s per image on WASM (vs µs per table row). */
export const DEFAULT_MAX_IMAGES = 600;
/** Side of the downsampled pixel grid the scratch CNN trains on (at most the model's own size). */
export const SCRATCH_IMAGE_SIDE = 32;
/** Files named one by one in findings; the rest are summarised in one more finding. */
export const MAX_FILE_FINDINGS = 10;
/** Model input side used when the checkpoint leaves height/width free (None). */
const FREE_INPUT_SIDE = 224;

/** What the pipeline hands over: everything it has resolved before the dataset is read. */
export interface ImageBranchContext {
  readonly file: string;
  readonly config: NormalizedConfig;
  /** Findings so far (static checks); the branch appends to a copy. */
  readonly findings: readonly Finding[];
  readonly datasetPath: string;
  readonly checkpointPath: string;
  readonly backend: string;
  readonly seed: number;
  /** Most images used (stratified sample); default DEFAULT_MAX_IMAGES. */
  readonly maxImages?: number;
  readonly cacheDir?: string;
  readonly maxBytes?: number;
  readonly timeBudgetMs?: number;
  /** Pipeline start (performance.now()) and the timings so far, for the report. */
  readonly startedAt: number;
  readonly timings: Readonly<Record<string, number>>;
  /** Scratch CNN recipe override (tests use fewer epochs). */
  readonly scratchEpochs?: number;
  /** The resolved checkpoint format: Hugging Face folders (`hf-safetensors`, `hf-onnx`, …) run through src/node/hf. */
  readonly checkpointFormat?: string;
  /** Hub id the checkpoint was resolved from (Hugging Face cache). */
  readonly hubId?: string;
  /** Images in the folder (static tier), for the guard rails' estimate before scanning. */
  readonly datasetRows?: number;
  /** Engine for Hugging Face checkpoints. */
  readonly engine?: 'auto' | 'tfjs' | 'onnx';
  /** Setting transferlens.maxModelParameters / --max-model-parameters. */
  readonly maxModelParameters?: number;
}

/** Resolved formats of Hugging Face model folders the runner (src/node/hf) takes. */
export const HF_CHECKPOINT_FORMATS: readonly string[] = ['hf-safetensors', 'hf-onnx', 'hf-pytorch'];

function findingAt(context: ImageBranchContext, code: string, severity: Finding['severity'], message: string, at: SourceValue<unknown> | undefined, field?: string): Finding {
  return { code, severity, message, file: at?.file ?? context.config.file ?? context.file, range: at?.keyRange ?? FILE_START, field };
}

/** model.json plus its weight shards: the bytes that key the feature cache. */
async function checkpointFiles(modelJsonPath: string): Promise<string[]> {
  try {
    const json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as { weightsManifest?: { paths?: string[] }[] };
    const shards = (json.weightsManifest ?? []).flatMap((group) => group.paths ?? []).map((p) => join(dirname(modelJsonPath), p));
    return [modelJsonPath, ...shards];
  } catch {
    // The checkpoint already loaded, so this cannot fail in practice; key on model.json alone.
    return [modelJsonPath];
  }
}

/** An ImageFeatureSource that returns the (already downsampled) pixels themselves, flattened. */
const pixelSource: ImageFeatureSource = {
  async features(inputs: tf.Tensor) {
    const rows = inputs.shape[0] ?? 0;
    const values = await inputs.data();
    return { rows, cols: rows ? values.length / rows : 0, data: Float64Array.from(values) };
  },
};

/** Rows of `from` reordered to follow `files` (both keyed by file path); rows missing in `from` are dropped. */
function alignRows(files: readonly string[], fromFiles: readonly string[], from: Matrix): { keep: number[]; rows: Matrix } {
  const index = new Map(fromFiles.map((f, i) => [f, i]));
  const keep: number[] = [];
  const picked: number[] = [];
  files.forEach((f, i) => {
    const j = index.get(f);
    if (j !== undefined) {
      keep.push(i);
      picked.push(j);
    }
  });
  const data = new Float64Array(picked.length * from.cols);
  picked.forEach((j, r) => data.set(from.data.subarray(j * from.cols, (j + 1) * from.cols), r * from.cols));
  return { keep, rows: { rows: picked.length, cols: from.cols, data } };
}

/** Side of the coarse grey grid the closed-form ridge baselines see (≤ 256 columns keeps them fast). */
export const RIDGE_IMAGE_SIDE = 16;

/**
 * The pixels the ridge baselines and the LogME-vs-raw score use: the scratch grid averaged over
 * channels and over square blocks down to at most RIDGE_IMAGE_SIDE per side. The core's ridge works
 * in the primal (p×p eigen-decomposition per fold), which at 32×32×3 = 3,072 columns takes minutes;
 * the CNN scratch arm still trains on the full grid.
 */
export function coarsePixels(pixels: Matrix, shape: ImageInputShape): { matrix: Matrix; height: number; width: number } {
  const [height, width, channels] = shape;
  const block = Math.max(1, Math.ceil(Math.max(height, width) / RIDGE_IMAGE_SIDE));
  const outHeight = Math.ceil(height / block);
  const outWidth = Math.ceil(width / block);
  const cols = outHeight * outWidth;
  const data = new Float64Array(pixels.rows * cols);
  const counts = new Float64Array(cols);
  for (let r = 0; r < height; r++) for (let c = 0; c < width; c++) counts[Math.floor(r / block) * outWidth + Math.floor(c / block)]! += channels;
  for (let i = 0; i < pixels.rows; i++) {
    const from = i * pixels.cols;
    const to = i * cols;
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        const cell = to + Math.floor(r / block) * outWidth + Math.floor(c / block);
        for (let k = 0; k < channels; k++) data[cell] += pixels.data[from + (r * width + c) * channels + k]!;
      }
    }
    for (let j = 0; j < cols; j++) data[to + j] /= counts[j]!;
  }
  return { matrix: { rows: pixels.rows, cols, data }, height: outHeight, width: outWidth };
}

function selectRows(m: Matrix, rows: readonly number[]): Matrix {
  if (rows.length === m.rows) return m;
  const data = new Float64Array(rows.length * m.cols);
  rows.forEach((r, i) => data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols));
  return { rows: rows.length, cols: m.cols, data };
}

/** Per-file problems as findings on the dataset key: the first MAX_FILE_FINDINGS by name, then a summary. */
export function fileProblemFindings(problems: readonly ImageProblem[], at: (message: string) => Finding): Finding[] {
  const unique = [...new Map(problems.map((p) => [`${p.file}\u0000${p.message}`, p])).values()];
  const out = unique.slice(0, MAX_FILE_FINDINGS).map((p) => at(p.message.includes(p.file) ? p.message : `${p.file}: ${p.message}`));
  if (unique.length > MAX_FILE_FINDINGS) {
    const rest = unique.slice(MAX_FILE_FINDINGS);
    const names = rest.slice(0, 5).map((p) => p.file).join(', ');
    out.push(at(`${rest.length} more files were skipped (${names}${rest.length > 5 ? ', …' : ''}).\nFix or remove them so the analysis sees the whole sample.`));
  }
  return out;
}

/**
 * The pretrained backbone of the image branch, whatever runs it: a TF.js model.json (the
 * checkpoint's own layers) or a Hugging Face vision checkpoint (src/node/hf, issue #14).
 * Everything after feature extraction is shared.
 */
interface ImageBackbone {
  /** Model input [height, width, channels]. */
  readonly modelShape: ImageInputShape;
  readonly resolved: ResolvedPreprocessing;
  /** Where the features come from, for messages and the report (`flatten_1`, `hidden state 2 of 2 (cls)`). */
  readonly layerLabel: string;
  readonly format: string;
  readonly parameters: number;
  readonly notes: readonly string[];
  /** Extracts the sample's features (and per-layer features when the backbone gives them in the same pass). */
  extract(folder: ImageFolderResult, cache: FeatureCache | undefined, control: RunControl): Promise<{ extracted: ImageFeatures; layerFeatures?: LayerFeatures[]; partialFreeze?: { block: number; trainable: number; features: Matrix } }>;
  /** What stands in for fine-tuning, in words. */
  readonly fineTuneNote: string;
  readonly perLayerNote?: string;
  readonly hfModel?: HfModelUsed;
  /** The report's description of the pixels the backbone saw, when not the image reader's record (HF image processors). */
  readonly preprocessingRecord?: Readonly<Record<string, unknown>>;
  dispose(): void;
}

type BackboneResult = { readonly backbone: ImageBackbone; readonly maxImages?: number } | { readonly report: AnalysisReport };

/** The TF.js backbone: model.json through src/node/readers/checkpoint.ts (the issue #10 path). */
async function tfjsBackbone(context: ImageBranchContext, findings: Finding[], timings: Record<string, number>): Promise<BackboneResult> {
  const { file, config } = context;
  const checkpointAt = config.checkpoint;
  const t = performance.now();
  let checkpoint: LoadedCheckpoint;
  try {
    checkpoint = await loadCheckpoint(context.checkpointPath, { maxBytes: context.maxBytes });
  } catch (e) {
    if (e instanceof CheckpointError) {
      findings.push(findingAt(context, e.code, e.code === 'checkpoint-unsupported' ? 'warning' : 'error', e.message, checkpointAt, 'checkpoint'));
      return { report: { file, findings } };
    }
    throw e;
  }
  timings.checkpoint = performance.now() - t;
  const shape = checkpoint.info.inputShape;
  if (shape.length !== 4 || ![1, 3, 4].includes(shape[3]!)) {
    checkpoint.dispose();
    findings.push(findingAt(context, 'shape-mismatch', 'error', `${context.datasetPath} is an image folder, but the checkpoint takes inputs of shape [${shape.slice(1).join(', ')}], not images [height, width, 1|3|4 channels].\nPoint model_name_or_path at a vision checkpoint, or train_dir/train_file at data in the checkpoint's input layout.`, config.dataset, 'dataset'));
    return { report: { file, findings } };
  }
  const notes: string[] = [];
  const freeSize = shape[1]! <= 0 || shape[2]! <= 0;
  if (freeSize) notes.push(`The checkpoint accepts any image size; images were resized to ${FREE_INPUT_SIDE}×${FREE_INPUT_SIDE}.`);
  const modelShape: ImageInputShape = [shape[1]! > 0 ? shape[1]! : FREE_INPUT_SIDE, shape[2]! > 0 ? shape[2]! : FREE_INPUT_SIDE, shape[3]!];
  const resolved = await resolveImagePreprocessing(checkpoint.info.path, modelShape);
  const layerName = config.featureLayer?.value;
  const strategy: Strategy = config.strategy?.value ?? 'full';
  return {
    backbone: {
      modelShape,
      resolved,
      layerLabel: layerName ?? checkpoint.info.penultimateLayer,
      format: checkpoint.info.format,
      parameters: checkpoint.info.parameters,
      notes,
      fineTuneNote: strategy === 'full' || strategy === 'partial-freeze'
        ? `Fine-tuning the ${checkpoint.info.parameters.toLocaleString('en-US')}-parameter backbone on images is not simulated (too slow on this backend); the frozen linear probe stands in for the transfer arm.`
        : '',
      perLayerNote: 'Per-layer overlap (freeze depth) is not computed for image datasets: it would need another pass of the backbone.',
      async extract(folder, cache, control) {
        const ckFiles = cache ? await checkpointFiles(checkpoint.info.path) : [];
        const extracted = await extractImageFeatures(checkpoint, folder, {
          batchSize: 16,
          layer: layerName,
          signal: control.signal,
          onProgress: control.onProgress,
          cache: cache ? { cache, checkpointFiles: ckFiles } : undefined,
        });
        return { extracted };
      },
      dispose: () => checkpoint.dispose(),
    },
  };
}

/** Hidden states below `top` whose per-layer overlap is computed (≤ 4, from the lower blocks up). */
export function perLayerIndices(top: number): number[] {
  if (top < 2) return [];
  const picks = [Math.round(top / 4), Math.round(top / 2), Math.round((3 * top) / 4), top - 1];
  return [...new Set(picks)].filter((l) => l >= 1 && l < top).sort((a, b) => a - b);
}

/**
 * The Hugging Face backbone (issue #14): guard rails from the headers before anything is loaded,
 * then loadHfCheckpoint (TF.js architectures or the ONNX engine), the checkpoint's own
 * preprocessor_config.json at its image size, and one forward pass per batch that pools the
 * chosen hidden state plus the blocks below it (per-layer overlap, partial freeze).
 */
async function hfBackbone(context: ImageBranchContext, findings: Finding[], timings: Record<string, number>, control: RunControl): Promise<BackboneResult> {
  const { file, config } = context;
  const checkpointAt = config.checkpoint;
  const folder = context.checkpointPath;
  const maxImages = context.maxImages ?? DEFAULT_MAX_IMAGES;
  const plannedImages = Math.min(maxImages, context.datasetRows ?? maxImages);
  const estimate = await estimateHfCost(folder, { samples: plannedImages, engine: context.engine === 'onnx' ? 'onnx' : 'tfjs' });
  let allowedImages = maxImages;
  if (estimate) {
    const decision = decideHfRun(estimate, {
      ...(context.maxModelParameters !== undefined ? { maxModelParameters: context.maxModelParameters } : {}),
      memoryBytes: defaultMemoryLimit(context.engine === 'onnx' ? 'onnx' : 'tfjs', context.backend),
      timeBudgetSeconds: (context.timeBudgetMs ?? 30_000) / 1000,
      minSamples: MIN_ROWS,
    });
    if (decision.action === 'skip') {
      findings.push(findingAt(context, 'partial-analysis', 'warning', decision.message!, checkpointAt, 'checkpoint'));
      return { report: { file, findings } };
    }
    if (decision.action === 'reduce') {
      findings.push(findingAt(context, 'partial-analysis', 'info', decision.message!, checkpointAt, 'checkpoint'));
      allowedImages = decision.samples;
    }
  }
  const t = performance.now();
  control.onProgress?.({ step: 'checkpoint', message: `loading ${context.hubId ?? folder}`, fraction: 0.05 });
  let checkpoint: HfCheckpoint;
  try {
    checkpoint = await loadHfCheckpoint(folder, { engine: context.engine ?? 'auto', ...(context.hubId ? { hubId: context.hubId } : {}), signal: control.signal });
  } catch (e) {
    if (e instanceof CheckpointError) {
      findings.push(findingAt(context, e.code, e.code === 'checkpoint-unsupported' ? 'warning' : 'error', e.message, checkpointAt, 'checkpoint'));
      return { report: { file, findings } };
    }
    throw e;
  }
  timings.checkpoint = performance.now() - t;
  // The static tier may have flagged the folder before it could know the runner loads it.
  for (let i = findings.length - 1; i >= 0; i--) if (findings[i]!.code === 'checkpoint-unsupported' && findings[i]!.field === 'checkpoint') findings.splice(i, 1);
  const info = checkpoint.info;
  if (info.modality !== 'image') {
    checkpoint.dispose();
    findings.push(findingAt(context, 'shape-mismatch', 'error', `${context.datasetPath} is an image folder, but ${context.hubId ?? folder} is a ${info.modality} model (${info.modelType}).\nPoint model_name_or_path at a vision checkpoint (vit, deit, resnet, convnext, mobilenet_v2, clip), or train_dir/train_file at text data.`, config.dataset, 'dataset'));
    return { report: { file, findings } };
  }
  let resolvedLayer;
  try {
    resolvedLayer = checkpoint.resolve({ layer: config.featureLayer?.value });
  } catch (e) {
    checkpoint.dispose();
    if (e instanceof CheckpointError) {
      findings.push(findingAt(context, e.code, 'error', e.message, config.featureLayer ?? checkpointAt, config.featureLayer ? 'featureLayer' : 'checkpoint'));
      return { report: { file, findings } };
    }
    throw e;
  }
  const prep = await hfImageInputs(folder);
  const strategy: Strategy = config.strategy?.value ?? 'full';
  // `finetuning_type: freeze` without freeze_trainable_layers: LLaMA-Factory's default (the top 2
  // blocks), as the text branch takes it.
  const freezeDefaulted = freezeCountDefaulted(strategy, config);
  const trainable = typeof config.frozenLayers?.value === 'number' ? config.frozenLayers.value : freezeDefaulted ? DEFAULT_TRAINABLE_LAYERS : undefined;
  // Partial freeze: a probe on the hidden state below the trainable blocks stands in for training them.
  const wantedFreezeBlock = strategy === 'partial-freeze' && trainable !== undefined && trainable > 0 && trainable < resolvedLayer.layer ? resolvedLayer.layer - trainable : undefined;
  // ONNX exports without hidden_states outputs (optimum, Xenova) give only the last hidden state (issue #16).
  const available = checkpoint.model.availableLayers;
  const has = (l: number) => !available || available.includes(l);
  const freezeBlock = wantedFreezeBlock !== undefined && has(wantedFreezeBlock) ? wantedFreezeBlock : undefined;
  const wantedBelow = perLayerIndices(resolvedLayer.layer);
  const below = wantedBelow.filter(has);
  const extraLayers = [...new Set([...below, ...(freezeBlock !== undefined ? [freezeBlock] : [])])].sort((a, b) => a - b);
  const layerLabel = `hidden state ${resolvedLayer.layer} of ${info.numLayers} (${resolvedLayer.pooling})`;
  const notes: string[] = [];
  if (freezeDefaulted) notes.push(`freeze_trainable_layers is not set: LLaMA-Factory's default is assumed — the top ${DEFAULT_TRAINABLE_LAYERS} blocks trainable, the blocks below frozen. Set freeze_trainable_layers to say otherwise (0: only a new head, i.e. a linear probe).`);
  if (below.length < wantedBelow.length || freezeBlock !== wantedFreezeBlock) {
    const missing = [...(below.length < wantedBelow.length ? ['the per-layer overlap'] : []), ...(freezeBlock !== wantedFreezeBlock ? [`the partial-freeze probe on hidden state ${wantedFreezeBlock}`] : [])];
    notes.push(`This ${info.engine === 'onnx' ? 'ONNX export' : 'model'} outputs hidden state${available!.length === 1 ? '' : 's'} ${available!.join(', ')} only, so ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not computed (engine: tfjs computes ${missing.length === 1 ? 'it' : 'them'} when TF.js implements ${info.modelType}).`);
  }
  const hfModel = hfModelUsed({ ...info, processor: prep.description }, resolvedLayer);
  const widthsOf = async (): Promise<number[]> => {
    // Widths of the concatenated parts (CNN stages differ): from one zero image.
    const probe = await checkpoint.extractLayers({ images: { count: 1, async *batches() { yield tf.zeros([1, ...prep.inputShape]) as tf.Tensor4D; } } }, { pooling: resolvedLayer.pooling, layer: resolvedLayer.layer, extraLayers });
    return [probe.features.cols, ...extraLayers.map((l) => probe.layers.get(l)!.cols)];
  };
  const source: ImageFeatureSource = {
    features: (images: tf.Tensor) => checkpoint.extract(
      { images: { count: images.shape[0] ?? 0, async *batches() { yield tf.clone(images) as tf.Tensor4D; } } },
      { pooling: resolvedLayer.pooling, layer: resolvedLayer.layer, extraLayers, batchSize: images.shape[0] ?? 1 },
    ),
  };
  return {
    maxImages: allowedImages,
    backbone: {
      modelShape: prep.inputShape,
      resolved: prep.resolved,
      layerLabel,
      format: `hf-${info.engine}`,
      parameters: info.parameters,
      notes,
      hfModel,
      preprocessingRecord: {
        source: prep.loaded.file ? 'preprocessor_config.json' : 'default',
        ...(prep.loaded.file ? { configFile: prep.loaded.file } : {}),
        applied: prep.description,
        processor: prep.loaded.processor,
        height: prep.inputShape[0],
        width: prep.inputShape[1],
        channels: 3,
        layout: 'NHWC',
      },
      fineTuneNote: strategy === 'full' || strategy === 'partial-freeze'
        ? `Fine-tuning the ${info.parameters.toLocaleString('en-US')}-parameter ${info.modelType} is not simulated: TransferLens runs Hugging Face checkpoints for inference only (no backpropagation through the network), so the frozen linear probe stands in for the transfer arm${freezeBlock !== undefined ? `, and partial freeze is judged by a probe on hidden state ${freezeBlock} (below the ${trainable} trainable blocks), a lower bound on training them` : ''}.`
        : '',
      async extract(folderSample, cache, run) {
        const extracted = await extractImageFeatures(source, withHfProcessor(folderSample, prep, run.signal), {
          batchSize: 8,
          layer: `hf:${resolvedLayer.layer}:${resolvedLayer.pooling}:${extraLayers.join(',')}`,
          signal: run.signal,
          onProgress: run.onProgress,
          cache: cache ? { cache, checkpointFiles: [], extra: { weights: await fingerprintFiles(info.files), revision: info.revision ?? null, engine: info.engine, normalize: info.normalize, version: 'hf-image-v1' } } : undefined,
        });
        // Split [main | extra layers…] into one matrix per layer.
        const widths = extraLayers.length === 0 ? [extracted.features.cols] : await widthsOf();
        const offsets = widths.map((_, k) => widths.slice(0, k).reduce((a, b) => a + b, 0));
        const all = extracted.features;
        const part = (k: number): Matrix => {
          const data = new Float64Array(all.rows * widths[k]!);
          for (let i = 0; i < all.rows; i++) data.set(all.data.subarray(i * all.cols + offsets[k]!, i * all.cols + offsets[k]! + widths[k]!), i * widths[k]!);
          return { rows: all.rows, cols: widths[k]!, data };
        };
        const top = part(0);
        const byLayer = new Map(extraLayers.map((l, k) => [l, part(k + 1)]));
        const layerFeatures: LayerFeatures[] = [
          ...below.map((l) => ({ layer: `hidden state ${l}`, depth: l, features: byLayer.get(l)! })),
          { layer: `hidden state ${resolvedLayer.layer}`, depth: resolvedLayer.layer, features: top },
        ];
        return {
          extracted: { ...extracted, features: top },
          ...(below.length > 0 ? { layerFeatures } : {}),
          ...(freezeBlock !== undefined ? { partialFreeze: { block: freezeBlock, trainable: trainable!, features: byLayer.get(freezeBlock)! } } : {}),
        };
      },
      dispose: () => checkpoint.dispose(),
    },
  };
}

/** Runs the whole analysis for a config whose dataset is an image folder. */
export async function analyzeImageFolder(context: ImageBranchContext, control: RunControl = {}): Promise<AnalysisReport> {
  const { file, config, seed } = context;
  const findings: Finding[] = [...context.findings];
  const timings: Record<string, number> = { ...context.timings };
  const progress = (step: string, message: string, fraction?: number) => control.onProgress?.({ step, message, fraction });
  const datasetAt = config.dataset;
  const checkpointAt = config.checkpoint;

  progress('checkpoint', `loading ${context.checkpointPath}`, 0.05);
  const chosen = context.checkpointFormat && HF_CHECKPOINT_FORMATS.includes(context.checkpointFormat)
    ? await hfBackbone(context, findings, timings, control)
    : await tfjsBackbone(context, findings, timings);
  if ('report' in chosen) return chosen.report;
  const backbone = chosen.backbone;
  try {
    const { modelShape, resolved } = backbone;
    const notes: string[] = [...backbone.notes];
    // Preprocessing: explicit, and every problem with it is shown.
    for (const problem of resolved.problems) {
      findings.push(findingAt(context, 'config-invalid-value', 'warning', `${problem.file}: ${problem.key ? `${problem.key}: ` : ''}${problem.message}`, checkpointAt, 'checkpoint'));
    }

    // The sample: backbone-sized images, and the same files as small grids for the scratch CNN.
    let t = performance.now();
    progress('dataset', `scanning ${context.datasetPath}`, 0.1);
    const maxImages = chosen.maxImages ?? context.maxImages ?? DEFAULT_MAX_IMAGES;
    const side = (n: number) => Math.min(SCRATCH_IMAGE_SIDE, n);
    const scratchShape: ImageInputShape = [side(modelShape[0]), side(modelShape[1]), modelShape[2]];
    let folder;
    let smallFolder;
    try {
      const common = { maxImages, seed, signal: control.signal, onProgress: control.onProgress };
      folder = await readImageFolder(context.datasetPath, { ...common, inputShape: modelShape, preprocessing: resolved.preprocessing, batchSize: 16 });
      smallFolder = await readImageFolder(context.datasetPath, { ...common, inputShape: scratchShape, preprocessing: defaultPreprocessing(scratchShape), batchSize: 64 });
    } catch (e) {
      if (e instanceof DatasetError) {
        findings.push(findingAt(context, e.code, 'error', e.message, e.code === 'label-column-missing' ? (config.labelColumn ?? datasetAt) : datasetAt, 'dataset'));
        return { file, findings };
      }
      throw e;
    }
    timings.dataset = performance.now() - t;
    throwIfAborted(control.signal);

    const cache = context.cacheDir ? new FeatureCache(context.cacheDir) : undefined;
    const layerLabel = backbone.layerLabel;

    t = performance.now();
    progress('features', `reading ${smallFolder.used} images at ${scratchShape.join('×')} for the scratch baseline`, 0);
    const pixels = await extractImageFeatures(pixelSource, smallFolder, {
      batchSize: 64,
      signal: control.signal,
      layer: 'transferlens:pixels',
      cache: cache ? { cache, checkpointFiles: [], extra: 'scratch-pixels-v1' } : undefined,
    });
    timings.scratchPixels = performance.now() - t;

    t = performance.now();
    let run;
    try {
      run = await backbone.extract(folder, cache, control);
    } catch (e) {
      if (e instanceof CheckpointError) {
        findings.push(findingAt(context, e.code, 'error', e.message, config.featureLayer ?? checkpointAt, config.featureLayer ? 'featureLayer' : 'checkpoint'));
        return { file, findings };
      }
      throw e;
    }
    const extracted = run.extracted;
    timings.features = performance.now() - t;
    throwIfAborted(control.signal);

    // Files that could not be read: named, and the analysis goes on without them.
    findings.push(...fileProblemFindings([...extracted.problems, ...pixels.problems], (message) => findingAt(context, 'dataset-invalid', 'warning', message, datasetAt, 'dataset')));

    // Rows present in both reads (the same decoder runs twice, so normally all of them).
    const aligned = alignRows(extracted.files, pixels.files, pixels.features);
    const features = selectRows(extracted.features, aligned.keep);
    const labels = Int32Array.from(aligned.keep.map((i) => extracted.labels[i]!));
    const pixelsForCnn = aligned.rows;
    const coarse = coarsePixels(pixelsForCnn, scratchShape);
    const inputs = coarse.matrix;
    const rowsUsed = features.rows;
    if (rowsUsed < MIN_ROWS) {
      findings.push(findingAt(context, 'dataset-too-small', 'warning', `${rowsUsed} readable images in ${context.datasetPath}: at least ${MIN_ROWS} are needed for a cross-validated verdict.\nAdd images (one subfolder per class) or fix the skipped files.`, config.trainSize ?? datasetAt, 'dataset'));
      return { file, findings };
    }
    const layerFeatures = run.layerFeatures?.map((lf) => ({ ...lf, features: selectRows(lf.features, aligned.keep) }));

    const degeneracy = featureDegeneracy(features);
    if (degeneracy.nonFiniteColumns > 0) {
      findings.push(findingAt(context, 'non-finite-values', 'error', `${degeneracy.nonFiniteColumns} of the ${degeneracy.columns} features at layer '${layerLabel}' are NaN or infinite for some images (preprocessing: ${describePreprocessing(folder.preprocessing)}).\nCheck the preprocessing and the checkpoint's weights.`, checkpointAt, 'checkpoint'));
      return { file, findings };
    }
    const degenerate = degenerateFeaturesFinding(degeneracy, folder.preprocessing, checkpointAt?.file ?? config.file ?? file, checkpointAt?.keyRange ?? FILE_START);
    if (degenerate) findings.push(degenerate);

    const classNames = folder.classNames;
    const target = makeTarget('classification', oneHot(labels, classNames.length), labels, classNames.length);

    // Classic scores and LogME of the features against LogME of the raw pixels.
    t = performance.now();
    progress('scores', 'classic transferability scores', 0.2);
    let scores: Record<string, number> | undefined;
    let logmeVsRaw: number | undefined;
    try {
      // The cross-validated probe score repeats what the verdict's CV measures, and at 1,280
      // features it costs ~20 s here: skipped for images (the probe's CV risk is in the curves).
      scores = computeScores({ features, labels, task: 'classification' }, { now: () => performance.now(), gram: fastGram, scores: SCORE_KEYS.filter((key) => key !== 'probeAccuracy') }).scores;
      const raw = computeScores({ features: inputs, labels, task: 'classification' }, { scores: ['logme'], gram: fastGram }).scores.logme;
      if (scores.logme !== undefined && raw !== undefined) logmeVsRaw = scores.logme - raw;
    } catch (e) {
      if (e instanceof CancelledError) throw e;
      // Scores are supplementary: a failure here must not hide the verdict.
      findings.push(findingAt(context, 'partial-analysis', 'info', `Classic scores were skipped: ${(e as Error).message}`, checkpointAt, 'checkpoint'));
    }
    timings.scores = performance.now() - t;

    const strategy: Strategy = config.strategy?.value ?? 'full';
    const epochs = context.scratchEpochs ?? SCRATCH_CNN_RECIPE.epochs;
    const scratchLearner = imageCnnLearner(pixelsForCnn, scratchShape, target, { epochs, seed: context.seed });
    const transferLearners = run.partialFreeze
      ? [ridgeLearner('transfer:partial-freeze', `Partial freeze stand-in: linear probe on hidden state ${run.partialFreeze.block} (top ${run.partialFreeze.trainable} blocks not trained)`, selectRows(run.partialFreeze.features, aligned.keep), target)]
      : [];
    notes.push(
      `Scratch arm: a small CNN (conv 8@3×3, pool, conv 16@3×3, pool, dense; Adam ${SCRATCH_CNN_RECIPE.learningRate}, batch ${SCRATCH_CNN_RECIPE.batchSize}, ${epochs} epochs) trained from default initialisation on ${scratchShape.join('×')} downsampled pixels: training the checkpoint's own architecture at ${modelShape.join('×')} from scratch is not affordable here.`,
    );
    if (backbone.fineTuneNote) notes.push(backbone.fineTuneNote);
    notes.push(
      extracted.fromCache
        ? `Backbone features of ${rowsUsed} images came from the feature cache (${context.cacheDir}).`
        : `Backbone features of ${rowsUsed} images extracted at ${extracted.imagesPerSecond.toFixed(1)} images/s on ${context.backend}.`,
    );
    notes.push(`The closed-form scratch baselines (tuned and unregularised ridge) and LogME of the raw inputs use ${coarse.height}×${coarse.width} grey pixels.`);
    if (!layerFeatures && backbone.perLayerNote) notes.push(backbone.perLayerNote);

    const preprocessing: Record<string, unknown> = {
      ...(backbone.preprocessingRecord ?? { ...folder.preprocessing, applied: describePreprocessing(folder.preprocessing), keysUsed: resolved.keysUsed }),
      featureLayer: layerLabel,
      labelSource: folder.labelSource,
      imagesFound: folder.total,
      imagesSampled: folder.used,
      imagesUsed: rowsUsed,
      featureCache: cache ? (extracted.fromCache ? 'hit' : 'miss') : 'off',
      imagesPerSecond: extracted.imagesPerSecond,
      scratchInputs: {
        height: scratchShape[0],
        width: scratchShape[1],
        channels: scratchShape[2],
        applied: describePreprocessing(smallFolder.preprocessing),
        ridgeBaselines: `${coarse.height}×${coarse.width} grey (channel and block mean of the scratch grid)`,
      },
    };

    // Planned n: the cap, round(fraction × images) for Ultralytics, or every image (core/config/datasetList.ts).
    const planned = plannedTrainSize(config, [folder.total], 'images in the folder');
    if (planned.note) notes.push(planned.note);
    const analysis = await analyzeTransfer(
      {
        features,
        inputs,
        target,
        plannedN: planned.n,
        nSource: planned.source,
        strategy,
        learningRate: config.learningRate?.value,
        datasetRows: folder.total,
        scratchLearner,
        transferLearners,
        ...(layerFeatures ? { layerFeatures } : {}),
        scores,
        logmeVsRaw,
        backend: context.backend,
        seed,
        checkpoint: { path: context.checkpointPath, format: backbone.format, layer: layerLabel, parameters: backbone.parameters },
        dataset: { path: context.datasetPath, format: 'image-folder', rows: folder.total, columns: inputs.cols },
        preprocessing,
        timeBudgetMs: context.timeBudgetMs,
        now: () => performance.now(),
        timings,
        notes,
      },
      { signal: control.signal, onProgress: control.onProgress },
    );
    findings.push(...verdictFindings(analysis, config));
    progress('done', `verdict: ${analysis.verdict}`, 1);
    return { file, findings, analysis: { ...analysis, ...(backbone.hfModel ? { hfModel: backbone.hfModel } : {}), timings: { ...analysis.timings, total: performance.now() - context.startedAt } }, finishedAt: new Date().toISOString() };
  } finally {
    backbone.dispose();
  }
}

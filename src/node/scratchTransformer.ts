/**
 * The second text scratch arm (issue #15): the checkpoint's own architecture — a transformer
 * encoder of its family — trained from random initialisation on the training rows, as a
 * practitioner who does not fine-tune could train it. The verdict compares transfer against the
 * better of this arm and the TF-IDF ridge (src/core/analysis/tfidf.ts; the choice is made in
 * src/core/analysis/analyze.ts).
 *
 * Model: token + position embeddings (+ segment embeddings for sentence pairs) from the
 * checkpoint's own tokenizer ids, truncated at the configured max length, padding masked; N blocks
 * of multi-head self-attention and a GELU MLP with LayerNorm placed as the family places it
 * (after the residual for BERT-likes, before it with a final norm for decoder families — trained
 * here as a bidirectional encoder); mask-aware mean pooling; a linear head. Classification trains
 * softmax cross-entropy, regression MSE on standardised targets.
 *
 * Size: the checkpoint's own config (hidden, layers, heads, intermediate) when one fit at that
 * size costs at most MAX_FIT_FLOPS (measured on this machine: see the constant); otherwise the
 * small model SMALL_FAMILY_SHAPE of the same family. `chooseScratchShape` says which and why.
 *
 * Recipe (small data): AdamW (decoupled weight decay on matrices only), linear warm-up then
 * linear decay, dropout on embeddings and residual branches, batch 16, an epoch count scaled so a
 * fit takes about RECIPE.targetSteps optimiser steps, early stopping on a seeded 15% inner
 * validation split (best weights kept). Initial weights, batch order and dropout masks all come
 * from one seed per fit (the arm's id and training rows, as src/node/training.ts seeds its
 * arms), so an analysis is reproducible.
 *
 * Embedding tables keep only the rows of token ids that occur in the sample (ids remapped):
 * rows of other ids never receive a gradient, so this is exact for training from scratch and
 * keeps a 250k-token vocabulary out of memory. Gather's gradient needs UnsortedSegmentSum, which
 * the WASM backend lacks, so the lookup has a custom gradient through ScatterNd (which sums
 * duplicate indices on WASM and CPU alike).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { matrix } from '../core/linalg/matrix';
import type { Learner, Target } from '../core/analysis/learners';
import { throwIfAborted, yieldToEventLoop, CancelledError } from '../core/model/progress';
import { createRandom, normal, type Random } from '../core/formats/random';
import { CheckpointError } from '../core/formats/errors';
import { trainingSeed } from './seededRandom';
import { readJsonFile } from './hf/checkpoint';
import { geluExact, geluTanh } from './hf/architectures/layers';

/** Bumped whenever the model or the recipe changes what a fit predicts (part of `cacheKey`). */
export const SCRATCH_TRANSFORMER_VERSION = 'scratch-transformer-v2';

export interface TransformerShape {
  readonly layers: number;
  readonly hidden: number;
  readonly heads: number;
  readonly intermediate: number;
  /** LayerNorm after the residual (BERT-likes) or before it with a final norm (decoder families). */
  readonly postNorm: boolean;
  /** LayerNorm epsilon (default 1e-12, BERT's; the fine-tuned arm uses the checkpoint's layer_norm_eps). */
  readonly eps?: number;
  /** MLP activation: exact (erf) GELU (default) or the tanh approximation (`gelu_new`). */
  readonly activation?: 'gelu' | 'gelu_new';
}

/** Where a shape came from, for the notes. */
export interface FamilyShape extends TransformerShape {
  readonly modelType: string;
  /** Position embeddings the checkpoint has (caps the max length). */
  readonly maxPositions?: number;
}

/** The small model of the same family trained when the checkpoint's own size is not affordable. */
export const SMALL_FAMILY_SHAPE = { layers: 2, hidden: 64, heads: 2, intermediate: 256 } as const;

/**
 * Budget of one fit in training FLOPs (trainingFlops below): the checkpoint's own size is trained
 * when a full fit costs at most this, and no fit trains beyond it (steps are cut, see FitRecord).
 * A FLOP count, not a clock, so the same input gives the same numbers on any machine. Measured on
 * the project's shared 2-core machine (WASM backend): this trainer reached ~0.4–0.9 GFLOP/s under
 * load 16–19 (examples/text: 8.9 GFLOP in ~10–23 s per fit), several times that when the machine
 * is quiet; the analysis trains the arm 5–8 times at n plus on the learning-curve points its time
 * budget allows (src/core/analysis/analyze.ts).
 */
export const MAX_FIT_FLOPS = 1e10;

export interface ScratchRecipe {
  readonly learningRate: number;
  readonly weightDecay: number;
  readonly batchSize: number;
  readonly dropout: number;
  /** Optimiser steps a fit aims at (epochs = targetSteps / steps per epoch, clamped). */
  readonly targetSteps: number;
  readonly minEpochs: number;
  readonly maxEpochs: number;
  /** Epochs without a better inner-validation loss before stopping. */
  readonly patience: number;
  /** Share of the training rows held out for early stopping (when ≥ minRowsForValidation rows). */
  readonly validationShare: number;
  readonly minRowsForValidation: number;
  readonly warmupShare: number;
  readonly initStd: number;
  /**
   * A fixed number of epochs (may be fractional: steps = round(epochs × steps per epoch)) instead
   * of targetSteps; set for the fine-tuned arm, which follows the config's own recipe.
   */
  readonly fixedEpochs?: number;
  /** A fixed number of optimiser steps (transformers' max_steps > 0), overriding the epochs. */
  readonly fixedSteps?: number;
  /** Floor of the linear decay as a share of the peak rate (0.05 here; 0 = transformers' linear schedule). */
  readonly decayFloor?: number;
  /**
   * transformers' schedules (get_scheduler), for the fine-tuned arm: linear warm-up over
   * `warmupSteps` (else warmupShare of the steps, no minimum), then linear decay to 0, cosine decay
   * to 0, or constant. Unset: this arm's own warm-up then linear decay to decayFloor.
   */
  readonly schedule?: 'linear' | 'cosine' | 'constant';
  readonly warmupSteps?: number;
  /** Apply weight decay to the embedding tables too (transformers' Trainer decays every weight but biases and LayerNorms). */
  readonly decayEmbeddings?: boolean;
}

export const RECIPE: ScratchRecipe = {
  learningRate: 2e-3,
  weightDecay: 0.01,
  batchSize: 16,
  dropout: 0.1,
  targetSteps: 80,
  minEpochs: 3,
  maxEpochs: 20,
  patience: 3,
  validationShare: 0.15,
  minRowsForValidation: 40,
  warmupShare: 0.1,
  initStd: 0.02,
};

const DECODER_FAMILIES = new Set(['gpt2', 'gpt_neo', 'gpt_neox', 'gptj', 'llama', 'mistral', 'mixtral', 'qwen2', 'qwen3', 'gemma', 'gemma2', 'gemma3', 'phi', 'phi3', 'opt', 'bloom', 'falcon', 'smollm3']);

function num(config: Readonly<Record<string, unknown>>, ...keys: string[]): number | undefined {
  for (const key of keys) {
    const v = config[key];
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v;
  }
  return undefined;
}

/** The transformer sizes of a Hugging Face config.json (BERT, DistilBERT, GPT-2 and Llama key spellings), or undefined. */
export function familyShape(config: Readonly<Record<string, unknown>>): FamilyShape | undefined {
  const modelType = typeof config.model_type === 'string' ? config.model_type : 'unknown';
  const hidden = num(config, 'hidden_size', 'dim', 'd_model', 'n_embd');
  const layers = num(config, 'num_hidden_layers', 'n_layers', 'n_layer', 'num_layers');
  const heads = num(config, 'num_attention_heads', 'n_heads', 'n_head', 'num_heads');
  if (!hidden || !layers || !heads || hidden % heads !== 0) return undefined;
  const intermediate = num(config, 'intermediate_size', 'hidden_dim', 'n_inner', 'ffn_dim', 'encoder_ffn_dim') ?? 4 * hidden;
  const postNorm = !(DECODER_FAMILIES.has(modelType) || 'rms_norm_eps' in config);
  return { modelType, hidden, layers, heads, intermediate, postNorm, maxPositions: num(config, 'max_position_embeddings', 'n_positions') };
}

/** Parameters of the blocks and head (embeddings excluded: their cost is a lookup). */
export function blockParameters(shape: TransformerShape, outputs: number): number {
  const { layers, hidden: h, intermediate: i } = shape;
  return layers * (4 * h * h + 4 * h + 2 * h * i + i + h + 4 * h) + h * outputs + outputs;
}

/** Training FLOPs of one fit: ≈ 3 × forward (2 per weight per token, plus the attention's 4·T·H per layer). */
export function trainingFlops(shape: TransformerShape, tokens: number, meanLength: number, outputs: number): number {
  return 3 * tokens * (2 * blockParameters(shape, outputs) + 4 * shape.layers * meanLength * shape.hidden);
}

/** Tokens one fit processes with RECIPE on `trainRows` rows of `meanLength` tokens. */
export function tokensPerFit(trainRows: number, meanLength: number, recipe: ScratchRecipe = RECIPE): number {
  const inner = trainRows >= recipe.minRowsForValidation ? Math.round(trainRows * (1 - recipe.validationShare)) : trainRows;
  const stepsPerEpoch = Math.max(1, Math.ceil(inner / recipe.batchSize));
  const epochs = recipe.fixedEpochs !== undefined || recipe.fixedSteps !== undefined ? plannedSteps(stepsPerEpoch, recipe) / stepsPerEpoch : epochsFor(stepsPerEpoch, recipe);
  return epochs * inner * meanLength;
}

function epochsFor(stepsPerEpoch: number, recipe: ScratchRecipe): number {
  return Math.min(recipe.maxEpochs, Math.max(recipe.minEpochs, Math.ceil(recipe.targetSteps / stepsPerEpoch)));
}

/**
 * transformers' lr_lambda of get_linear / get_cosine / get_constant_schedule_with_warmup at
 * `current` (0 for the first update): warm-up current / warmup, then the schedule's decay.
 */
export function scheduleFactor(schedule: 'linear' | 'cosine' | 'constant', current: number, warmup: number, total: number): number {
  if (current < warmup) return current / Math.max(1, warmup);
  if (schedule === 'constant') return 1;
  const progress = (current - warmup) / Math.max(1, total - warmup);
  if (schedule === 'cosine') return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress)));
  return Math.max(0, 1 - progress);
}

/** Optimiser steps a fit plans: fixedEpochs × steps per epoch (rounded, at least 1), or whole epochs aimed at targetSteps. */
function plannedSteps(stepsPerEpoch: number, recipe: ScratchRecipe): number {
  if (recipe.fixedSteps !== undefined) return Math.max(1, Math.round(recipe.fixedSteps));
  if (recipe.fixedEpochs !== undefined) return Math.max(1, Math.round(recipe.fixedEpochs * stepsPerEpoch));
  return epochsFor(stepsPerEpoch, recipe) * stepsPerEpoch;
}

export interface ShapeChoice {
  readonly shape: TransformerShape;
  /** True when the checkpoint's own sizes are trained. */
  readonly own: boolean;
  readonly flops: number;
  readonly ownFlops?: number;
  /** One sentence for the notes. */
  readonly reason: string;
}

/** SMALL_FAMILY_SHAPE, never larger than the family's own sizes in any dimension. */
export function smallShape(family: FamilyShape | undefined): TransformerShape {
  const hidden = Math.min(SMALL_FAMILY_SHAPE.hidden, family?.hidden ?? Infinity);
  const heads = [SMALL_FAMILY_SHAPE.heads, 1].find((h) => h <= (family?.heads ?? Infinity) && hidden % h === 0) ?? 1;
  return {
    layers: Math.min(SMALL_FAMILY_SHAPE.layers, family?.layers ?? Infinity),
    hidden,
    heads,
    intermediate: Math.min(SMALL_FAMILY_SHAPE.intermediate, family?.intermediate ?? Infinity),
    postNorm: family?.postNorm ?? true,
  };
}

/** The checkpoint's own size when affordable (MAX_FIT_FLOPS for a fit on `trainRows` rows), else SMALL_FAMILY_SHAPE of the family. */
export function chooseScratchShape(family: FamilyShape | undefined, trainRows: number, meanLength: number, outputs: number, budget = MAX_FIT_FLOPS): ShapeChoice {
  const tokens = tokensPerFit(trainRows, meanLength);
  const small = smallShape(family);
  const smallFlops = trainingFlops(small, tokens, meanLength, outputs);
  const sizeText = (s: TransformerShape) => `${s.layers} layers, hidden ${s.hidden}, ${s.heads} heads, MLP ${s.intermediate}`;
  if (!family) {
    return { shape: small, own: false, flops: smallFlops, reason: `the checkpoint's config.json does not state its transformer sizes, so a small ${small.postNorm ? 'post-norm (BERT-style)' : 'pre-norm'} encoder (${sizeText(small)}) was trained` };
  }
  const ownFlops = trainingFlops(family, tokens, meanLength, outputs);
  if (ownFlops <= budget) {
    return { shape: family, own: true, flops: ownFlops, ownFlops, reason: `the checkpoint's own size (${sizeText(family)}) was trained: one fit on ${trainRows.toLocaleString('en-US')} rows costs ≈ ${formatFlops(ownFlops)}, within the ${formatFlops(budget)} budget per fit` };
  }
  return { shape: small, own: false, flops: smallFlops, ownFlops, reason: `the checkpoint's own size (${sizeText(family)}) would cost ≈ ${formatFlops(ownFlops)} per fit on ${trainRows.toLocaleString('en-US')} rows, over the ${formatFlops(budget)} budget, so a small model of the same family (${sizeText(small)}) was trained — a smaller scratch network, so a "transfer wins" verdict against it leans towards transfer` };
}

/** A FLOP count for the notes: "51 GFLOP", "2.4 GFLOP", "40 MFLOP". */
export function formatFlops(f: number): string {
  if (f < 1e8) return `${Math.round(f / 1e6)} MFLOP`;
  return `${(f / 1e9).toFixed(f < 1e10 ? 1 : 0)} GFLOP`;
}

/** Token ids of the sample remapped to the ids that occur in it. */
export interface SampleTokens {
  /** Per row: remapped ids (special tokens included, truncated). */
  readonly ids: readonly Int32Array[];
  /** Per row: segment ids (0/1), when the sample has sentence pairs. */
  readonly typeIds?: readonly Int32Array[];
  /** Distinct token ids kept (rows of the embedding table). */
  readonly vocabulary: number;
  /** The tokenizer's id of each kept row (ascending): row r of the table is token id sourceIds[r]. */
  readonly sourceIds: Int32Array;
  readonly maxLength: number;
  readonly meanLength: number;
  /** sha256 of the original ids and segments (the learner's cache key uses it). */
  readonly hash: string;
}

/** Remaps tokenizer encodings to a dense vocabulary of the ids present (id order kept), truncating at maxLength. */
export function remapTokens(encodings: readonly { readonly ids: readonly number[]; readonly typeIds?: readonly number[] }[], maxLength?: number): SampleTokens {
  const cap = maxLength ?? Infinity;
  const present = new Set<number>();
  for (const e of encodings) for (let i = 0; i < Math.min(e.ids.length, cap); i++) present.add(e.ids[i]!);
  const order = [...present].sort((a, b) => a - b);
  const map = new Map(order.map((id, i) => [id, i]));
  const hasPairs = encodings.some((e) => e.typeIds?.some((t) => t > 0));
  const h = createHash('sha256');
  let total = 0;
  let longest = 1;
  const ids = encodings.map((e) => {
    const length = Math.max(1, Math.min(e.ids.length, cap));
    const row = new Int32Array(length);
    for (let i = 0; i < length; i++) row[i] = map.get(e.ids[i] ?? order[0]!) ?? 0;
    total += length;
    longest = Math.max(longest, length);
    h.update(Int32Array.from(e.ids.slice(0, length)));
    h.update('|');
    return row;
  });
  const typeIds = hasPairs ? encodings.map((e, r) => {
    const row = new Int32Array(ids[r]!.length);
    for (let i = 0; i < row.length; i++) row[i] = (e.typeIds?.[i] ?? 0) > 0 ? 1 : 0;
    h.update(row);
    return row;
  }) : undefined;
  return { ids, ...(typeIds ? { typeIds } : {}), vocabulary: Math.max(1, order.length), sourceIds: Int32Array.from(order.length ? order : [0]), maxLength: longest, meanLength: total / Math.max(1, encodings.length), hash: h.digest('hex') };
}

/** sha256 of a target's labels (cache-key part). */
export function targetHash(target: Target): string {
  const h = createHash('sha256');
  h.update(target.task);
  h.update(Float64Array.from(target.y.data));
  return h.digest('hex');
}

// ---------------------------------------------------------------------------------------------
// The model.

interface Dense { w: tf.Variable; b: tf.Variable }
interface Norm { g: tf.Variable; b: tf.Variable }
interface Block { qkv: Dense; o: Dense; norm1: Norm; up: Dense; down: Dense; norm2: Norm }
interface Params {
  tokens: tf.Variable;
  positions: tf.Variable;
  segments?: tf.Variable;
  embedNorm?: Norm;
  blocks: Block[];
  finalNorm?: Norm;
  /** BERT's pooler (dense + tanh on the first token), with `pooling: 'pooler'`. */
  pooler?: Dense;
  head: Dense;
}

/** Every variable, in a fixed order: embeddings, blocks, final norm, pooler, head. */
function allVariables(p: Params): tf.Variable[] {
  return [...variablesBelow(p, p.blocks.length), ...(p.finalNorm ? [p.finalNorm.g, p.finalNorm.b] : []), ...(p.pooler ? [p.pooler.w, p.pooler.b] : []), p.head.w, p.head.b];
}

/** The embedding variables and those of blocks 0 … fromBlock − 1. */
function variablesBelow(p: Params, fromBlock: number): tf.Variable[] {
  const out: tf.Variable[] = [p.tokens, p.positions];
  if (p.segments) out.push(p.segments);
  const norm = (n?: Norm) => n && out.push(n.g, n.b);
  const dense = (d: Dense) => out.push(d.w, d.b);
  norm(p.embedNorm);
  for (const b of p.blocks.slice(0, fromBlock)) {
    dense(b.qkv); dense(b.o); norm(b.norm1); dense(b.up); dense(b.down); norm(b.norm2);
  }
  return out;
}

/** A trainable variable of `initial`, which is then disposed (tf.variable keeps its own reference). */
function owned(initial: tf.Tensor): tf.Variable {
  const v = tf.variable(initial, true);
  initial.dispose();
  return v;
}

/** A dense layer's pretrained values: w [in, out] row-major, b [out]. */
export interface DenseValues { readonly w: Float32Array; readonly b: Float32Array }
export interface NormValues { readonly g: Float32Array; readonly b: Float32Array }

/**
 * Pretrained values of every parameter but the head (the fine-tuned arm; src/node/textFineTune.ts
 * reads them from the checkpoint): the model of `forward` then computes what the checkpoint's own
 * encoder computes (tested against the engine's forward pass).
 */
export interface PretrainedWeights {
  /** [vocabulary, hidden]: row r is the embedding of token id SampleTokens.sourceIds[r]. */
  readonly tokens: Float32Array;
  /** [positionRows, hidden]: the rows used for positions 0, 1, … (RoBERTa's padding offset already applied). */
  readonly positions: Float32Array;
  readonly positionRows: number;
  /** [typeRows, hidden] token-type embeddings (BERT-likes), or absent. */
  readonly types?: Float32Array;
  readonly typeRows?: number;
  readonly embedNorm?: NormValues;
  readonly blocks: readonly { readonly qkv: DenseValues; readonly o: DenseValues; readonly norm1: NormValues; readonly up: DenseValues; readonly down: DenseValues; readonly norm2: NormValues }[];
  readonly finalNorm?: NormValues;
  /** BERT's pooler (used with pooling 'pooler'). */
  readonly pooler?: DenseValues;
}

function initParams(shape: TransformerShape, vocabulary: number, positions: number, segments: boolean, outputs: number, random: Random, std: number, pretrained?: PretrainedWeights): Params {
  if (pretrained) return pretrainedParams(shape, vocabulary, positions, segments, outputs, random, std, pretrained);
  const gaussian = (rows: number, cols: number): tf.Variable => {
    const data = new Float32Array(rows * cols);
    for (let i = 0; i < data.length; i++) data[i] = std * normal(random);
    return owned(tf.tensor2d(data, [rows, cols]));
  };
  const filled = (size: number, value: number): tf.Variable => owned(tf.fill([size], value));
  const dense = (i: number, o: number): Dense => ({ w: gaussian(i, o), b: filled(o, 0) });
  const norm = (): Norm => ({ g: filled(shape.hidden, 1), b: filled(shape.hidden, 0) });
  const h = shape.hidden;
  return {
    tokens: gaussian(vocabulary, h),
    positions: gaussian(positions, h),
    ...(segments ? { segments: gaussian(2, h) } : {}),
    ...(shape.postNorm ? { embedNorm: norm() } : {}),
    blocks: Array.from({ length: shape.layers }, () => ({ qkv: dense(h, 3 * h), o: dense(h, h), norm1: norm(), up: dense(h, shape.intermediate), down: dense(shape.intermediate, h), norm2: norm() })),
    ...(shape.postNorm ? {} : { finalNorm: norm() }),
    head: dense(h, outputs),
  };
}

/**
 * Variables holding the pretrained values (and a fresh head, N(0, std²) as transformers
 * initialises a new classifier). Token-type embeddings: with sentence pairs (and ≥ 2 types) rows 0
 * and 1 become the segment table; otherwise every token has type 0, so row 0 is added to the
 * position rows — the same sum the checkpoint computes.
 */
function pretrainedParams(shape: TransformerShape, vocabulary: number, positions: number, segments: boolean, outputs: number, random: Random, std: number, w: PretrainedWeights): Params {
  const h = shape.hidden;
  const check = (what: string, values: Float32Array, size: number): Float32Array => {
    if (values.length !== size) throw new RangeError(`pretrained ${what}: ${values.length} values, expected ${size}`);
    return values;
  };
  const variable = (values: Float32Array, dims: number[]): tf.Variable => owned(tf.tensor(values, dims, 'float32'));
  const dense = (d: DenseValues, i: number, o: number, what: string): Dense => ({ w: variable(check(`${what} weight`, d.w, i * o), [i, o]), b: variable(check(`${what} bias`, d.b, o), [o]) });
  const norm = (n: NormValues, what: string): Norm => ({ g: variable(check(`${what} gain`, n.g, h), [h]), b: variable(check(`${what} bias`, n.b, h), [h]) });
  if (positions > w.positionRows) throw new RangeError(`pretrained positions: the sample needs ${positions}, the checkpoint has ${w.positionRows}`);
  const pairTable = segments && w.types !== undefined && (w.typeRows ?? 0) >= 2;
  const pos = w.positions.slice(0, positions * h);
  if (!pairTable && w.types) for (let p = 0; p < positions; p++) for (let j = 0; j < h; j++) pos[p * h + j] += w.types[j]!;
  if (w.blocks.length !== shape.layers) throw new RangeError(`pretrained blocks: ${w.blocks.length}, the shape has ${shape.layers}`);
  const head = new Float32Array(h * outputs);
  for (let i = 0; i < head.length; i++) head[i] = std * normal(random);
  return {
    tokens: variable(check('token embeddings', w.tokens, vocabulary * h), [vocabulary, h]),
    positions: variable(pos, [positions, h]),
    ...(pairTable ? { segments: variable(w.types!.slice(0, 2 * h), [2, h]) } : {}),
    ...(w.embedNorm ? { embedNorm: norm(w.embedNorm, 'embedding LayerNorm') } : {}),
    blocks: w.blocks.map((b, i) => ({
      qkv: dense(b.qkv, h, 3 * h, `block ${i} qkv`),
      o: dense(b.o, h, h, `block ${i} attention output`),
      norm1: norm(b.norm1, `block ${i} norm1`),
      up: dense(b.up, h, shape.intermediate, `block ${i} MLP up`),
      down: dense(b.down, shape.intermediate, h, `block ${i} MLP down`),
      norm2: norm(b.norm2, `block ${i} norm2`),
    })),
    ...(w.finalNorm ? { finalNorm: norm(w.finalNorm, 'final LayerNorm') } : {}),
    ...(w.pooler ? { pooler: dense(w.pooler, h, h, 'pooler') } : {}),
    head: { w: variable(head, [h, outputs]), b: owned(tf.zeros([outputs])) },
  };
}

/** Embedding lookup with a ScatterNd gradient (Gather's own gradient needs a kernel WASM lacks). */
export function embeddingLookup(table: tf.Variable, ids: tf.Tensor1D): tf.Tensor2D {
  const [rows, width] = table.shape as [number, number];
  const lookup = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: tf.gather(inputs[0] as tf.Tensor, ids),
    gradFunc: (dy: tf.Tensor) => tf.scatterND(tf.reshape(ids, [-1, 1]), dy, [rows, width]),
  }));
  return lookup(table) as tf.Tensor2D;
}

function layerNorm(x: tf.Tensor2D, n: Norm, eps = 1e-12): tf.Tensor2D {
  const mu = tf.mean(x, -1, true);
  const centred = tf.sub(x, mu);
  const variance = tf.mean(tf.square(centred), -1, true);
  return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, eps))), n.g), n.b);
}

/**
 * x·W + b with a hand-written gradient: matMul's own gradient uses transposeA/transposeB products,
 * which run several times slower than plain ones on the WASM backend (docs/hf-wasm-kernels.md);
 * here every product is plain, with explicit (cheap) transposes.
 */
const denseOp = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, w, b, save] = inputs as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.add(tf.matMul(x, w), b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy as tf.Tensor2D, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dy as tf.Tensor2D), tf.sum(dy, 0)];
    },
  };
});

/** x·W + b (x [N, in], W [in, out], b [out]) with the gradient above. */
export function denseLayer(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  return denseOp(x, w, b) as tf.Tensor2D;
}

function dense(x: tf.Tensor2D, d: Dense): tf.Tensor2D {
  return denseLayer(x, d.w as tf.Tensor2D, d.b as tf.Tensor1D);
}

/** The engine's GELUs (layers.ts): exact (erf), or the tanh approximation transformers calls gelu_new. */
function gelu(x: tf.Tensor2D, kind: TransformerShape['activation'] = 'gelu'): tf.Tensor2D {
  return (kind === 'gelu_new' ? geluTanh(x) : geluExact(x)) as tf.Tensor2D;
}

interface Batch {
  readonly size: number;
  readonly length: number;
  /** [B·T] remapped ids (0 in padding). */
  readonly ids: tf.Tensor1D;
  /** [B·T, 1] 1 for tokens, 0 for padding. */
  readonly mask: tf.Tensor2D;
  /** [B, 1, 1, T] additive attention bias (−1e9 on padding). */
  readonly bias: tf.Tensor4D;
  readonly segments?: tf.Tensor2D;
}

/**
 * One epoch's batches: rows shuffled, then sorted by length within chunks of BUCKET_BATCHES
 * batches, cut into batches, and the batches shuffled — each batch pads to its longest row, so
 * similar lengths together spend less compute on padding (the usual length bucketing).
 */
export function lengthBucketedBatches(rows: ArrayLike<number>, tokens: SampleTokens, batchSize: number, random: Random): Int32Array[] {
  const order = Int32Array.from(rows);
  const shuffle = <T>(a: { length: number; [i: number]: T }) => {
    for (let i = a.length - 1; i > 0; i--) {
      const j = random.nextInt(i + 1);
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
  };
  shuffle(order);
  const chunk = batchSize * BUCKET_BATCHES;
  const batches: Int32Array[] = [];
  for (let from = 0; from < order.length; from += chunk) {
    const part = order.slice(from, Math.min(order.length, from + chunk)).sort((a, b) => tokens.ids[a]!.length - tokens.ids[b]!.length);
    for (let b = 0; b < part.length; b += batchSize) batches.push(part.slice(b, Math.min(part.length, b + batchSize)));
  }
  shuffle(batches);
  return batches;
}

/** Batches per length-sorted chunk (lengthBucketedBatches). */
const BUCKET_BATCHES = 8;

function makeBatch(tokens: SampleTokens, rows: ArrayLike<number>): Batch {
  const size = rows.length;
  let length = 1;
  for (let r = 0; r < size; r++) length = Math.max(length, tokens.ids[rows[r]!]!.length);
  const ids = new Int32Array(size * length);
  const mask = new Float32Array(size * length);
  const seg = tokens.typeIds ? new Float32Array(size * length) : undefined;
  for (let r = 0; r < size; r++) {
    const row = tokens.ids[rows[r]!]!;
    ids.set(row, r * length);
    mask.fill(1, r * length, r * length + row.length);
    if (seg) for (let i = 0; i < row.length; i++) seg[r * length + i] = tokens.typeIds![rows[r]!]![i]!;
  }
  const bias = Float32Array.from(mask, (m) => (m ? 0 : -1e9));
  return {
    size,
    length,
    ids: tf.tensor1d(ids, 'int32'),
    mask: tf.tensor2d(mask, [size * length, 1]),
    bias: tf.tensor4d(bias, [size, 1, 1, length]),
    ...(seg ? { segments: tf.tensor2d(seg, [size * length, 1]) } : {}),
  };
}

function disposeBatch(b: Batch): void {
  tf.dispose([b.ids, b.mask, b.bias, ...(b.segments ? [b.segments] : [])]);
}

/**
 * Forward pass to the head's outputs [B, outputs]. `keep`, in training: 1 + 2·layers dropout
 * masks [B·T, H] already scaled by 1/(1 − p) (embeddings, then each block's attention and MLP
 * outputs).
 */
function forward(p: Params, shape: TransformerShape, batch: Batch, keep?: readonly tf.Tensor2D[], pooling: TokenPooling = 'mean'): tf.Tensor2D {
  return dense(encode(p, shape, batch, keep, pooling), p.head);
}

/** The pooled representation [B, hidden] the head reads. */
function encode(p: Params, shape: TransformerShape, batch: Batch, keep?: readonly tf.Tensor2D[], pooling: TokenPooling = 'mean'): tf.Tensor2D {
  const { size: b, length: t } = batch;
  const h = shape.hidden;
  const eps = shape.eps ?? 1e-12;
  const heads = shape.heads;
  const dh = h / heads;
  let site = 0;
  const drop = (x: tf.Tensor2D): tf.Tensor2D => (keep ? tf.mul(x, keep[site++]!) : x);
  let x: tf.Tensor2D = embeddingLookup(p.tokens, batch.ids);
  const pos = tf.slice(p.positions, [0, 0], [t, h]);
  x = tf.reshape(tf.add(tf.reshape(x, [b, t, h]), pos), [b * t, h]) as tf.Tensor2D;
  if (p.segments && batch.segments) {
    const s0 = tf.slice(p.segments, [0, 0], [1, h]);
    const s1 = tf.slice(p.segments, [1, 0], [1, h]);
    x = tf.add(x, tf.add(s0, tf.mul(batch.segments, tf.sub(s1, s0)))) as tf.Tensor2D;
  }
  if (p.embedNorm) x = layerNorm(x, p.embedNorm, eps);
  x = drop(x);
  const split = (y: tf.Tensor2D) => tf.transpose(tf.reshape(y, [b, t, heads, dh]), [0, 2, 1, 3]);
  for (const block of p.blocks) {
    const a = shape.postNorm ? x : layerNorm(x, block.norm1, eps);
    const qkv = dense(a, block.qkv);
    const q = split(tf.slice(qkv, [0, 0], [b * t, h]));
    const k = split(tf.slice(qkv, [0, h], [b * t, h]));
    const v = split(tf.slice(qkv, [0, 2 * h], [b * t, h]));
    const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh)), batch.bias);
    const context = tf.reshape(tf.transpose(tf.matMul(tf.softmax(scores), v), [0, 2, 1, 3]), [b * t, h]) as tf.Tensor2D;
    const attended = drop(dense(context, block.o));
    x = shape.postNorm ? layerNorm(tf.add<tf.Tensor2D>(x, attended), block.norm1, eps) : tf.add<tf.Tensor2D>(x, attended);
    const m = shape.postNorm ? x : layerNorm(x, block.norm2, eps);
    const mlp = drop(dense(gelu(dense(m, block.up), shape.activation), block.down));
    x = shape.postNorm ? layerNorm(tf.add<tf.Tensor2D>(x, mlp), block.norm2, eps) : tf.add<tf.Tensor2D>(x, mlp);
  }
  if (p.finalNorm) x = layerNorm(x, p.finalNorm, eps);
  return poolTokens(x, p, batch, pooling, h);
}

/**
 * The pooled vectors [rows × hidden] of `rows` under the pretrained weights, before any training
 * (inference: no dropout). The fine-tuned arm starts from exactly this model; the tests compare it
 * with the checkpoint engine's features of the same texts.
 */
export async function pretrainedEncode(shape: TransformerShape, tokens: SampleTokens, weights: PretrainedWeights, rows: ArrayLike<number>, pooling: TokenPooling): Promise<Float32Array> {
  const params = initParams(shape, tokens.vocabulary, tokens.maxLength, Boolean(tokens.typeIds), 1, createRandom(0), 0.02, weights);
  const out = new Float32Array(rows.length * shape.hidden);
  try {
    for (let i = 0; i < rows.length; i += 64) {
      const chunk = Array.from({ length: Math.min(64, rows.length - i) }, (_, k) => rows[i + k]!);
      const batch = makeBatch(tokens, chunk);
      const pooled = tf.tidy(() => encode(params, shape, batch, undefined, pooling));
      out.set(await pooled.data(), i * shape.hidden);
      pooled.dispose();
      disposeBatch(batch);
    }
    return out;
  } finally {
    tf.dispose(allVariables(params));
  }
}

/**
 * How token states become one vector for the head: `mean` (mask-aware, sentence-transformers'),
 * `cls` (the first token), `pooler` (BERT's dense + tanh on the first token; needs the pooler).
 */
export type TokenPooling = 'mean' | 'cls' | 'pooler';

function poolTokens(x: tf.Tensor2D, p: Params, batch: Batch, pooling: TokenPooling, h: number): tf.Tensor2D {
  const { size: b, length: t } = batch;
  if (pooling === 'cls' || pooling === 'pooler') {
    const first = tf.reshape(tf.slice(tf.reshape(x, [b, t, h]), [0, 0, 0], [b, 1, h]), [b, h]) as tf.Tensor2D;
    if (pooling === 'cls') return first;
    if (!p.pooler) throw new RangeError('pooling "pooler" needs the pooler weights');
    return tf.tanh(dense(first, p.pooler));
  }
  // Mask-aware mean over tokens.
  const summed = tf.sum(tf.reshape(tf.mul(x, batch.mask), [b, t, h]), 1);
  const counts = tf.sum(tf.reshape(batch.mask, [b, t]), 1, true);
  return tf.div(summed, counts) as tf.Tensor2D;
}

function lossOf(outputs: tf.Tensor2D, y: tf.Tensor2D, classification: boolean): tf.Scalar {
  if (classification) return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(outputs)), -1))) as tf.Scalar;
  return tf.mean(tf.sum(tf.square(tf.sub(outputs, y)), -1)) as tf.Scalar;
}

export interface ScratchTransformerOptions {
  readonly shape: TransformerShape;
  readonly seed: number;
  readonly recipe?: ScratchRecipe;
  /** Notes-ready words on the size choice (shown in the label). */
  readonly sizeWords?: string;
  /** Identity of the sample's texts/labels beyond the tokens (e.g. the tokenizer's files); default none. */
  readonly identity?: string;
  readonly id?: string;
  /** Cap on one fit's training FLOPs (trainingFlops): epochs are cut to fit, at least one. */
  readonly maxFitFlops?: number;
  /**
   * Start from these weights instead of random ones (the fine-tuned arm): read once, on the first
   * fit. Its identity (the checkpoint's fingerprint) belongs in `identity`.
   */
  readonly pretrained?: () => Promise<PretrainedWeights>;
  /** Pooling before the head (default mean). */
  readonly pooling?: TokenPooling;
  /** The learner's label (default: the scratch arm's). */
  readonly label?: string;
  /**
   * Partial freeze: only blocks from this index up (and the pooler and head) are trained; the
   * embeddings and lower blocks keep their (pretrained) values. Default: everything trains.
   */
  readonly trainableFromBlock?: number;
}

/** What one fit did (for the notes / tests). */
export interface FitRecord {
  readonly epochs: number;
  readonly steps: number;
  readonly bestEpoch: number;
  readonly ms: number;
  readonly trainRows: number;
  /** True when the FLOP budget cut the planned steps. */
  readonly capped: boolean;
  /** Parameters the optimiser updated (all of them unless blocks are frozen). */
  readonly trainedParameters: number;
}

/**
 * Learner `scratch-transformer`: trains the encoder on the training rows (see the module comment)
 * and predicts the test rows — class probabilities for classification, values for regression.
 */
export function scratchTransformerLearner(tokens: SampleTokens, target: Target, options: ScratchTransformerOptions): Learner & { readonly fits: FitRecord[]; readonly shape: TransformerShape; readonly cacheKey: string } {
  const recipe = options.recipe ?? RECIPE;
  const shape = options.shape;
  const id = options.id ?? 'scratch-transformer';
  const classification = target.task === 'classification';
  const outputs = classification ? (target.numClasses ?? target.y.cols) : target.y.cols;
  if (tokens.ids.length !== target.y.rows) throw new RangeError(`scratchTransformerLearner: ${tokens.ids.length} token rows, ${target.y.rows} label rows`);
  const fits: FitRecord[] = [];
  const cacheKey = createHash('sha256').update(JSON.stringify({
    version: SCRATCH_TRANSFORMER_VERSION, id, tokens: tokens.hash, labels: targetHash(target), shape, recipe, maxFitFlops: options.maxFitFlops ?? null, seed: options.seed, identity: options.identity ?? '',
    pretrained: Boolean(options.pretrained), pooling: options.pooling ?? 'mean', trainableFromBlock: options.trainableFromBlock ?? 0,
  })).digest('hex');
  let pretrained: Promise<PretrainedWeights> | undefined;
  const pooling = options.pooling ?? 'mean';
  const size = `${shape.layers} layers, hidden ${shape.hidden}, ${shape.heads} heads`;
  return {
    id,
    label: options.label ?? `Scratch: ${options.sizeWords ?? 'transformer encoder'} (${size}) trained from random initialisation`,
    expensive: true,
    cacheKey,
    fits,
    shape,
    async fitPredict(train, test, control) {
      throwIfAborted(control?.signal);
      const started = Date.now();
      const seed = trainingSeed(options.seed, id, train);
      const random = createRandom(seed);
      // Inner validation split for early stopping (seeded shuffle of the training rows).
      const shuffled = Int32Array.from(train);
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = random.nextInt(i + 1);
        [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
      }
      const nVal = train.length >= recipe.minRowsForValidation ? Math.max(4, Math.round(train.length * recipe.validationShare)) : 0;
      const val = shuffled.subarray(0, nVal);
      const inner = shuffled.subarray(nVal);
      // Regression: standardise on the inner training rows.
      const q = target.y.cols;
      const yMean = new Float64Array(q);
      const ySd = new Float64Array(q).fill(1);
      if (!classification) {
        for (let c = 0; c < q; c++) {
          let s = 0;
          let s2 = 0;
          inner.forEach((row) => {
            const v = target.y.data[row * q + c]!;
            s += v;
            s2 += v * v;
          });
          yMean[c] = s / inner.length;
          ySd[c] = Math.sqrt(Math.max(0, s2 / inner.length - yMean[c]! ** 2)) || 1;
        }
      }
      const yOf = (rows: ArrayLike<number>): tf.Tensor2D => {
        const data = new Float32Array(rows.length * q);
        for (let r = 0; r < rows.length; r++) for (let c = 0; c < q; c++) data[r * q + c] = (target.y.data[rows[r]! * q + c]! - yMean[c]!) / ySd[c]!;
        return tf.tensor2d(data, [rows.length, q]);
      };
      const positions = tokens.maxLength;
      if (options.pretrained) pretrained ??= options.pretrained();
      const params = initParams(shape, tokens.vocabulary, positions, Boolean(tokens.typeIds), outputs, random, recipe.initStd, pretrained ? await pretrained : undefined);
      const all = allVariables(params);
      const from = options.trainableFromBlock ?? 0;
      const frozen = new Set<tf.Variable>(from > 0 ? variablesBelow(params, from) : []);
      const variables = all.filter((v) => !frozen.has(v));
      // AdamW, per tensor (slicing one flat vector copies it whole on WASM: slower).
      const embeddingTable = (v: tf.Variable) => v === params.positions || v === params.tokens || v === params.segments;
      const decays = variables.map((v) => (v.shape.length === 2 && (recipe.decayEmbeddings || !embeddingTable(v)) ? recipe.weightDecay : 0));
      let m: tf.Tensor[] = variables.map((v) => tf.zerosLike(v));
      let s: tf.Tensor[] = variables.map((v) => tf.zerosLike(v));
      const stepsPerEpoch = Math.max(1, Math.ceil(inner.length / recipe.batchSize));
      const tokensPerEpoch = inner.reduce((a, row) => a + tokens.ids[row]!.length, 0);
      // Epochs aimed at `targetSteps` steps, capped by the FLOP budget of one fit (at least one epoch).
      // Steps aimed at `targetSteps` (whole epochs), capped by the FLOP budget of one fit: a capped
      // fit is undertrained, which only weakens this arm (the verdict takes the better scratch arm).
      // (The same count as chooseScratchShape: planned epochs × the training rows' tokens.)
      const planned = plannedSteps(stepsPerEpoch, recipe);
      const plannedFlops = trainingFlops(shape, (planned / stepsPerEpoch) * tokensPerEpoch, tokens.meanLength, outputs);
      const capped = plannedFlops > (options.maxFitFlops ?? Infinity);
      const totalSteps = capped ? Math.max(1, Math.floor((planned * options.maxFitFlops!) / plannedFlops)) : planned;
      const epochs = Math.ceil(totalSteps / stepsPerEpoch);
      const warmup = recipe.schedule ? Math.min(totalSteps, recipe.warmupSteps ?? Math.ceil(totalSteps * recipe.warmupShare)) : Math.max(1, Math.round(totalSteps * recipe.warmupShare));
      const sites = 1 + 2 * shape.layers;
      const keepScale = 1 / (1 - recipe.dropout);
      let step = 0;
      let best = Infinity;
      let bestEpoch = 0;
      let bestWeights: tf.Tensor[] | undefined;
      const evalLoss = async (rows: Int32Array): Promise<number> => {
        let total = 0;
        for (let i = 0; i < rows.length; i += 64) {
          const chunk = rows.subarray(i, Math.min(rows.length, i + 64));
          const batch = makeBatch(tokens, chunk);
          const y = yOf(chunk);
          const l = tf.tidy(() => lossOf(forward(params, shape, batch, undefined, pooling), y, classification));
          total += (await l.data())[0]! * chunk.length;
          tf.dispose([l, y]);
          disposeBatch(batch);
        }
        return total / rows.length;
      };
      try {
        const doing = options.pretrained ? (from > 0 ? 'fine-tuning the checkpoint\'s top blocks' : 'fine-tuning the checkpoint') : 'training the scratch transformer';
        for (let epoch = 0; epoch < epochs; epoch++) {
          // A message without a fraction: the analysis keeps its own, the editor shows what runs.
          control?.onProgress?.({ step: 'curves', message: `${doing} on ${train.length.toLocaleString('en-US')} rows: epoch ${epoch + 1} of ${epochs}` });
          const batches = lengthBucketedBatches(inner, tokens, recipe.batchSize, random);
          for (const rows of batches) {
            if (step >= totalSteps) break;
            if (control?.signal?.aborted) throw new CancelledError();
            const batch = makeBatch(tokens, rows);
            const y = yOf(rows);
            step++;
            const lr = recipe.learningRate * (recipe.schedule ? scheduleFactor(recipe.schedule, step - 1, warmup, totalSteps) : step <= warmup ? step / warmup : Math.max(recipe.decayFloor ?? 0.05, (totalSteps - step) / Math.max(1, totalSteps - warmup)));
            // Dropout masks from the fit's own generator (deterministic, and cheaper than seeded tf.randomUniform).
            const width = batch.size * batch.length * shape.hidden;
            const keep = recipe.dropout > 0 ? Array.from({ length: sites }, () => {
              const data = new Float32Array(width);
              for (let i = 0; i < width; i++) data[i] = random.next() >= recipe.dropout ? keepScale : 0;
              return tf.tensor2d(data, [batch.size * batch.length, shape.hidden]);
            }) : undefined;
            const c1 = 1 - 0.9 ** step;
            const c2 = 1 - 0.999 ** step;
            const lrT = lr / c1;
            const next = tf.tidy(() => {
              const { grads } = tf.variableGrads(() => lossOf(forward(params, shape, batch, keep, pooling), y, classification), variables);
              const moments = variables.map((v, i) => {
                const g = grads[v.name]!;
                const mN = tf.add(tf.mul(m[i]!, 0.9), tf.mul(g, 0.1));
                const sN = tf.add(tf.mul(s[i]!, 0.999), tf.mul(tf.square(g), 0.001));
                // w ← w − lr·(m̂ / (√v̂ + ε) + λ·w)
                let w = tf.sub(v, tf.div(tf.mul(mN, lrT), tf.add(tf.sqrt(tf.div(sN, c2)), 1e-8)));
                if (decays[i]! > 0) w = tf.sub(w, tf.mul(v, lr * decays[i]!));
                v.assign(w);
                return [mN, sN];
              });
              return { m: moments.map((x) => x[0]!), s: moments.map((x) => x[1]!) };
            });
            tf.dispose([...m, ...s, ...(keep ?? [])]);
            m = next.m;
            s = next.s;
            tf.dispose(y);
            disposeBatch(batch);
            if (step % 8 === 0) await yieldToEventLoop();
          }
          if (val.length > 0) {
            const l = await evalLoss(val);
            if (l < best - 1e-4) {
              best = l;
              bestEpoch = epoch + 1;
              if (bestWeights) tf.dispose(bestWeights);
              bestWeights = variables.map((v) => tf.clone(v));
            } else if (epoch + 1 - bestEpoch >= recipe.patience) {
              break;
            }
          } else {
            bestEpoch = epoch + 1;
          }
        }
        if (bestWeights) variables.forEach((v, i) => v.assign(bestWeights![i]!));
        // Predictions for the test rows.
        const out = matrix(test.length, outputs);
        for (let i = 0; i < test.length; i += 64) {
          const chunk = test.subarray(i, Math.min(test.length, i + 64));
          const batch = makeBatch(tokens, chunk);
          const pred = tf.tidy(() => {
            const o = forward(params, shape, batch, undefined, pooling);
            return classification ? tf.softmax(o) : o;
          });
          const values = await pred.data();
          for (let r = 0; r < chunk.length; r++) for (let c = 0; c < outputs; c++) out.data[(i + r) * outputs + c] = classification ? values[r * outputs + c]! : values[r * outputs + c]! * ySd[c]! + yMean[c]!;
          pred.dispose();
          disposeBatch(batch);
        }
        fits.push({ epochs, steps: step, bestEpoch, ms: Date.now() - started, trainRows: train.length, capped, trainedParameters: variables.reduce((a, v) => a + v.size, 0) });
        return out;
      } finally {
        tf.dispose([...all, ...m, ...s, ...(bestWeights ?? [])]);
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The text branch's use of it (src/node/textDataset.ts).

export interface TextScratchArm {
  /** Absent when the arm is not trained here (the note says why). */
  readonly learner?: Learner & { readonly fits: FitRecord[] };
  /** One note for the report. */
  readonly note: string;
  /** For analysis.preprocessing.text (scratchTransformer, fullFineTune). */
  readonly summary: Record<string, unknown>;
}

/** What the text branch gives every transformer arm it builds (this one and textFineTune.ts's). */
export interface TextArmInput {
  readonly backend: string;
  readonly modelType: string;
  /** The checkpoint folder (its config.json gives the sizes). */
  readonly folder: string;
  /**
   * The sample's token ids as the checkpoint's tokenizer gives them (special tokens, truncation at
   * the configured max length), remapped (remapTokens); the text branch tokenizes once for both
   * arms. May throw CheckpointError (the arm is then not trained, and says why).
   */
  readonly tokens: () => SampleTokens;
  readonly target: Target;
  readonly trainRows: number;
  readonly seed: number;
}

/** Adds `fits` to an arm's summary: what its fits did, read when the report is serialised (fits run inside analyzeTransfer). */
export function withFitsSummary(summary: Record<string, unknown>, learner: { readonly fits: readonly FitRecord[] }): Record<string, unknown> {
  Object.defineProperty(summary, 'fits', {
    enumerable: true,
    get: () => ({
      trained: learner.fits.length,
      meanMs: learner.fits.length ? Math.round(learner.fits.reduce((a, f) => a + f.ms, 0) / learner.fits.length) : null,
      capped: learner.fits.filter((f) => f.capped).length,
      meanSteps: learner.fits.length ? Math.round(learner.fits.reduce((a, f) => a + f.steps, 0) / learner.fits.length) : null,
    }),
  });
  return summary;
}

/**
 * Builds the `scratch-transformer` arm for a text sample: the checkpoint's config.json sizes
 * (familyShape), its tokenizer's ids (truncated at `maxLength`), the size rule (chooseScratchShape
 * for `trainRows` training rows). Not trained on the pure-JavaScript `cpu` backend (an order of
 * magnitude slower than WASM for this): the TF-IDF arm is then the only scratch arm, and the note
 * says so.
 */
export async function textScratchTransformer(args: TextArmInput & {
  readonly vocabSize?: number;
  readonly identity?: string;
  readonly budget?: number;
}): Promise<TextScratchArm> {
  if (args.backend === 'cpu') {
    return {
      note: `Second scratch arm (the ${args.modelType} architecture from random initialisation) not trained: the TF.js backend is the pure-JavaScript cpu one, an order of magnitude slower than WASM for training; the TF-IDF model is the only scratch arm. Use the WASM backend (--backend wasm) to train it.`,
      summary: { trained: false, reason: 'cpu backend' },
    };
  }
  const config = await readJsonFile(join(args.folder, 'config.json')).catch(() => undefined);
  const family = config ? familyShape(config) : undefined;
  let tokens: SampleTokens;
  try {
    tokens = args.tokens();
  } catch (e) {
    if (!(e instanceof CheckpointError)) throw e;
    return { note: `Second scratch arm (the ${args.modelType} architecture from random initialisation) not trained: ${e.message}`, summary: { trained: false, reason: e.message } };
  }
  const classification = args.target.task === 'classification';
  const outputs = classification ? (args.target.numClasses ?? args.target.y.cols) : args.target.y.cols;
  const budget = args.budget ?? MAX_FIT_FLOPS;
  const choice = chooseScratchShape(family ? { ...family, modelType: args.modelType } : undefined, args.trainRows, tokens.meanLength, outputs, budget);
  const learner = scratchTransformerLearner(tokens, args.target, {
    shape: choice.shape,
    seed: args.seed,
    maxFitFlops: budget,
    sizeWords: `${args.modelType} ${choice.own ? 'architecture' : 'family, small'}`,
    ...(args.identity !== undefined ? { identity: args.identity } : {}),
  });
  const r = RECIPE;
  const note = `Second scratch arm: the ${args.modelType} architecture trained from random initialisation on the training rows — ${choice.reason}. ` +
    `${choice.shape.postNorm ? 'Post-norm (BERT-style)' : 'Pre-norm'} encoder over the tokenizer's ids truncated at ${tokens.maxLength} tokens (${tokens.vocabulary.toLocaleString('en-US')} distinct ids occur in the sample${args.vocabSize ? ` of its ${args.vocabSize.toLocaleString('en-US')}` : ''}; only their embedding rows are kept, exact for training from scratch), token + position${tokens.typeIds ? ' + segment' : ''} embeddings, mean pooling, linear head; ` +
    `AdamW (lr ${r.learningRate}, weight decay ${r.weightDecay}, warm-up then linear decay), dropout ${r.dropout}, batch ${r.batchSize}, about ${r.targetSteps} steps (${r.minEpochs}–${r.maxEpochs} epochs) with early stopping on a ${Math.round(r.validationShare * 100)}% inner split, at most ${(budget / 1e9).toFixed(0)} GFLOP per fit, seeded. ` +
    'A recipe tuned for small samples, not a search over recipes: a scratch network tuned harder could do better, so when it loses to the TF-IDF model the verdict already uses the stronger arm.';
  const summary: Record<string, unknown> = {
    trained: true,
    own: choice.own,
    shape: choice.shape,
    reason: choice.reason,
    flopsPerFit: choice.flops,
    ...(choice.ownFlops !== undefined ? { ownFlopsPerFit: choice.ownFlops } : {}),
    vocabulary: tokens.vocabulary,
    maxLength: tokens.maxLength,
    recipe: RECIPE,
    version: SCRATCH_TRANSFORMER_VERSION,
  };
  return { learner, note, summary: withFitsSummary(summary, learner) };
}

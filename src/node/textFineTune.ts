/**
 * The fine-tuned text arm (issue #15, "transfer arm per the configured strategy"): with
 * `strategy: full` the checkpoint itself is fine-tuned end to end on the training rows — every
 * weight trainable, a new linear head on the pooled output — as the config's own run would do,
 * instead of the frozen linear probe standing in for it.
 *
 * The model is src/node/scratchTransformer.ts's encoder started from the checkpoint's weights
 * (`PretrainedWeights`): that encoder is the BERT-like post-LN stack, so the families are the
 * BERT-likes whose weights map onto it one to one — bert, roberta / xlm-roberta, electra (when
 * embedding_size = hidden_size) and distilbert (no token types). Its untrained output equals the
 * checkpoint engine's features (test/textFineTune.test.ts). Decoder families (GPT-2, Llama, …) are
 * not simulated (their fine-tuning is causal and generative); the frozen probe stands in and a
 * note says so.
 *
 * Recipe: the config's — `learning_rate` (default 5e-5, transformers' TrainingArguments),
 * epochs (default 3), per-device batch size (default 8), weight decay (default 0) — AdamW with
 * transformers' linear decay to zero, dropout at the checkpoint's hidden_dropout_prob, no early
 * stopping (the Trainer does not stop early unless told to). Pooling: the checkpoint's (the one
 * its features use: sentence-transformers' mean, BERT's pooler, else the first token).
 *
 * Affordability: one fit costs trainingFlops at the checkpoint's own size; above the FLOP budget
 * per fit (MAX_FINE_TUNE_FLOPS; in the editor, what its time budget allows) the arm is not
 * trained and the note gives the cost. In practice: checkpoints of a few million parameters on
 * hundreds of texts; BERT-base fine-tuning is hours per fit on one WASM thread.
 */
import * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import { CheckpointError } from '../core/formats/errors';
import { readJsonFile } from './hf/checkpoint';
import { openWeights } from './hf/weights';
import { activationFor, geluExact, geluTanh, loadLayerNorm, loadLinear } from './hf/architectures/layers';
import type { Pooling, WeightSource } from './hf/types';
import {
  RECIPE, SCRATCH_TRANSFORMER_VERSION, familyShape, scratchTransformerLearner, tokensPerFit, trainingFlops, withFitsSummary, formatFlops,
  type DenseValues, type TextArmInput, type TextScratchArm, type NormValues, type PretrainedWeights, type SampleTokens, type ScratchRecipe, type TokenPooling, type TransformerShape,
} from './scratchTransformer';

/**
 * FLOP budget of one fine-tuning fit (trainingFlops). Ten times the scratch arm's MAX_FIT_FLOPS:
 * the scratch arm can shrink to a small model of the family, the fine-tuned one cannot. At the
 * 0.4–2 GFLOP/s this trainer reaches on the project's 2-core machine (docs/text-scratch-transformer.md),
 * a fit at the budget takes about 1–4 minutes, and the verdict needs 5–15 of them.
 */
export const MAX_FINE_TUNE_FLOPS = 1e11;

/** transformers' TrainingArguments defaults, used when the config does not set a value. */
export const TRAINER_DEFAULTS = { learningRate: 5e-5, epochs: 3, batchSize: 8, weightDecay: 0 } as const;

/** Model types whose weights map onto the encoder of scratchTransformer.ts. */
export const FINE_TUNE_FAMILIES: readonly string[] = ['bert', 'roberta', 'xlm-roberta', 'camembert', 'electra', 'distilbert'];

export interface FineTuneSettings {
  readonly learningRate?: number;
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly weightDecay?: number;
  /** lr_scheduler_type as written (linear, cosine, constant, constant_with_warmup, …). */
  readonly lrScheduler?: string;
  readonly warmupRatio?: number;
  readonly warmupSteps?: number;
  /** max_steps: > 0 overrides the epochs. */
  readonly maxSteps?: number;
  /** gradient_accumulation_steps: the optimiser sees batchSize × this per step. */
  readonly gradientAccumulation?: number;
}

/** The FineTuneSettings keys, which are also the NormalizedConfig fields they are read from. */
export const FINE_TUNE_SETTING_KEYS = ['learningRate', 'epochs', 'batchSize', 'weightDecay', 'lrScheduler', 'warmupRatio', 'warmupSteps', 'maxSteps', 'gradientAccumulation'] as const satisfies readonly (keyof FineTuneSettings)[];

/** The simulated schedule for a trainer's scheduler name, and whether it is that schedule exactly. */
export function scheduleOf(name: string | undefined): { schedule: 'linear' | 'cosine' | 'constant'; exact: boolean } {
  const n = (name ?? 'linear').trim().toLowerCase();
  if (n === 'linear') return { schedule: 'linear', exact: true };
  if (n === 'cosine') return { schedule: 'cosine', exact: true };
  if (n === 'constant' || n === 'constant_with_warmup') return { schedule: 'constant', exact: true };
  if (n === 'cosine_with_restarts' || n === 'cosine_with_min_lr' || n === 'warmup_stable_decay') return { schedule: 'cosine', exact: false };
  return { schedule: 'linear', exact: false };
}

/** The recipe of a fine-tuning fit from the config's settings (TRAINER_DEFAULTS for the rest). */
export function fineTuneRecipe(settings: FineTuneSettings, dropout: number): ScratchRecipe {
  const epochs = settings.epochs ?? TRAINER_DEFAULTS.epochs;
  return {
    ...RECIPE,
    learningRate: settings.learningRate ?? TRAINER_DEFAULTS.learningRate,
    weightDecay: settings.weightDecay ?? TRAINER_DEFAULTS.weightDecay,
    // Accumulated gradients average over the micro-batches: one step on their union is the same step.
    batchSize: (settings.batchSize ?? TRAINER_DEFAULTS.batchSize) * (settings.gradientAccumulation ?? 1),
    dropout,
    fixedEpochs: epochs,
    ...(settings.maxSteps !== undefined && settings.maxSteps > 0 ? { fixedSteps: settings.maxSteps } : {}),
    targetSteps: 0,
    minEpochs: Math.ceil(epochs),
    maxEpochs: Math.ceil(epochs),
    validationShare: 0,
    minRowsForValidation: Number.MAX_SAFE_INTEGER,
    warmupShare: settings.warmupRatio ?? 0,
    ...(settings.warmupSteps !== undefined && settings.warmupSteps > 0 ? { warmupSteps: settings.warmupSteps } : {}),
    schedule: scheduleOf(settings.lrScheduler).schedule,
    decayFloor: 0,
    decayEmbeddings: true,
  };
}

type Config = Readonly<Record<string, unknown>>;

function int(config: Config, key: string, fallback?: number): number | undefined {
  const v = config[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

/** Why this checkpoint cannot be fine-tuned here, or undefined when it can. */
export function fineTuneUnsupported(config: Config): string | undefined {
  const modelType = String(config.model_type ?? 'unknown');
  if (!FINE_TUNE_FAMILIES.includes(modelType)) return `fine-tuning is simulated for the BERT-like encoders (${FINE_TUNE_FAMILIES.join(', ')}), not for ${modelType}`;
  const act = activationOf(config);
  if (act === undefined) return `its activation ${JSON.stringify(config.model_type === 'distilbert' ? config.activation : config.hidden_act)} is not one the simulated encoder has (gelu, gelu_new)`;
  if (config.position_embedding_type !== undefined && config.position_embedding_type !== null && config.position_embedding_type !== 'absolute') return `its position_embedding_type ${JSON.stringify(config.position_embedding_type)} is not supported (only "absolute")`;
  if (config.is_decoder === true) return 'it is a causal (is_decoder) model';
  if (modelType === 'electra' && int(config, 'embedding_size') !== undefined && int(config, 'embedding_size') !== int(config, 'hidden_size')) return 'its embeddings are projected (embedding_size ≠ hidden_size)';
  if (modelType === 'distilbert' && config.sinusoidal_pos_embds === true) return 'its positions are the fixed sinusoid (sinusoidal_pos_embds)';
  return undefined;
}

/** The MLP activation as the encoder names it (the engine's own name table, layers.ts), or undefined when it has no such activation. */
function activationOf(config: Config): TransformerShape['activation'] | undefined {
  let act;
  try {
    act = activationFor(config.model_type === 'distilbert' ? config.activation : config.hidden_act);
  } catch (e) {
    if (e instanceof CheckpointError) return undefined;
    throw e;
  }
  return act === geluExact ? 'gelu' : act === geluTanh ? 'gelu_new' : undefined;
}

/** Where a block's tensors are stored: BERT-likes, and DistilBERT's own names. */
const BLOCK_NAMES = {
  bert: { layer: 'encoder.layer', q: 'attention.self.query', k: 'attention.self.key', v: 'attention.self.value', o: 'attention.output.dense', norm1: 'attention.output.LayerNorm', up: 'intermediate.dense', down: 'output.dense', norm2: 'output.LayerNorm' },
  distilbert: { layer: 'transformer.layer', q: 'attention.q_lin', k: 'attention.k_lin', v: 'attention.v_lin', o: 'attention.out_lin', norm1: 'sa_layer_norm', up: 'ffn.lin1', down: 'ffn.lin2', norm2: 'output_layer_norm' },
} as const;

function blockNames(config: Config): (typeof BLOCK_NAMES)[keyof typeof BLOCK_NAMES] {
  return config.model_type === 'distilbert' ? BLOCK_NAMES.distilbert : BLOCK_NAMES.bert;
}

/** The encoder shape of a supported checkpoint (familyShape plus its LayerNorm epsilon and activation). */
export function fineTuneShape(config: Config): TransformerShape | undefined {
  const family = familyShape(config);
  if (!family) return undefined;
  const eps = config.model_type === 'distilbert' ? 1e-12 : (int(config, 'layer_norm_eps') ?? 1e-12);
  return { layers: family.layers, hidden: family.hidden, heads: family.heads, intermediate: family.intermediate, postNorm: true, eps, activation: activationOf(config) ?? 'gelu' };
}

async function values(weights: WeightSource, name: string, shape: readonly number[]): Promise<Float32Array> {
  const t = await weights.tensor(name, shape);
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}

/** A torch Linear (loadLinear: [out, in]) as [in, out] row-major. */
async function linearValues(weights: WeightSource, prefix: string, inFeatures: number, outFeatures: number): Promise<DenseValues> {
  const linear = await loadLinear(weights, prefix, inFeatures, outFeatures);
  const wt = tf.transpose(linear.weight);
  try {
    return { w: (await wt.data()) as Float32Array, b: (await linear.bias!.data()) as Float32Array };
  } finally {
    tf.dispose([linear.weight, linear.bias!, wt]);
  }
}

/** A LayerNorm's gain and bias (loadLayerNorm: also the `.gamma` / `.beta` names of TF-converted checkpoints). */
async function normValues(weights: WeightSource, prefix: string, h: number): Promise<NormValues> {
  const norm = await loadLayerNorm(weights, prefix, h, 0);
  try {
    return { g: (await norm.weight.data()) as Float32Array, b: (await norm.bias!.data()) as Float32Array };
  } finally {
    tf.dispose([norm.weight, norm.bias!]);
  }
}

function concatColumns(parts: readonly DenseValues[], inFeatures: number): DenseValues {
  const widths = parts.map((p) => p.b.length);
  const out = widths.reduce((a, b) => a + b, 0);
  const w = new Float32Array(inFeatures * out);
  for (let i = 0; i < inFeatures; i++) {
    let col = 0;
    parts.forEach((p, k) => {
      w.set(p.w.subarray(i * widths[k]!, (i + 1) * widths[k]!), i * out + col);
      col += widths[k]!;
    });
  }
  const b = new Float32Array(out);
  let at = 0;
  for (const p of parts) {
    b.set(p.b, at);
    at += p.b.length;
  }
  return { w, b };
}

/**
 * Reads the checkpoint's weights for the encoder of `shape`: the embedding rows of the sample's
 * token ids (`tokens.sourceIds`), the position rows from RoBERTa's padding offset (pad_token_id + 1)
 * or from 0, the token-type table, every block (query/key/value fused as the encoder's qkv) and,
 * when `withPooler`, BERT's pooler.
 */
export async function loadPretrainedWeights(folder: string, config: Config, shape: TransformerShape, tokens: SampleTokens, withPooler: boolean): Promise<PretrainedWeights> {
  const weights = await openWeights(folder);
  const modelType = String(config.model_type);
  const h = shape.hidden;
  const m = shape.intermediate;
  const vocab = int(config, 'vocab_size')!;
  const distil = modelType === 'distilbert';
  const names = blockNames(config);
  const roberta = ['roberta', 'xlm-roberta', 'camembert'].includes(modelType);
  const positionsStored = int(config, 'max_position_embeddings', roberta ? 514 : 512)!;
  const offset = roberta ? int(config, 'pad_token_id', 1)! + 1 : 0;
  for (const id of tokens.sourceIds) {
    if (id < 0 || id >= vocab) throw new CheckpointError('shape-mismatch', `token id ${id} is outside the ${modelType} vocabulary (vocab_size ${vocab}); the tokenizer does not belong to this model.`);
  }
  const word = await values(weights, 'embeddings.word_embeddings.weight', [vocab, h]);
  const rows = new Float32Array(tokens.vocabulary * h);
  tokens.sourceIds.forEach((id, r) => rows.set(word.subarray(id * h, (id + 1) * h), r * h));
  const positionTable = await values(weights, 'embeddings.position_embeddings.weight', [positionsStored, h]);
  const positions = positionTable.slice(offset * h);
  const typeRows = distil ? 0 : int(config, 'type_vocab_size', roberta ? 1 : 2)!;
  const types = typeRows > 0 ? await values(weights, 'embeddings.token_type_embeddings.weight', [typeRows, h]) : undefined;
  const embedNorm = await normValues(weights, 'embeddings.LayerNorm', h);
  const blocks: PretrainedWeights['blocks'][number][] = [];
  for (let i = 0; i < shape.layers; i++) {
    const p = `${names.layer}.${i}`;
    blocks.push({
      qkv: concatColumns([await linearValues(weights, `${p}.${names.q}`, h, h), await linearValues(weights, `${p}.${names.k}`, h, h), await linearValues(weights, `${p}.${names.v}`, h, h)], h),
      o: await linearValues(weights, `${p}.${names.o}`, h, h),
      norm1: await normValues(weights, `${p}.${names.norm1}`, h),
      up: await linearValues(weights, `${p}.${names.up}`, h, m),
      down: await linearValues(weights, `${p}.${names.down}`, m, h),
      norm2: await normValues(weights, `${p}.${names.norm2}`, h),
    });
  }
  const pooler = withPooler && weights.has('pooler.dense.weight') ? await linearValues(weights, 'pooler.dense', h, h) : undefined;
  return {
    tokens: rows,
    positions,
    positionRows: positionsStored - offset,
    ...(types ? { types, typeRows } : {}),
    embedNorm,
    blocks,
    ...(pooler ? { pooler } : {}),
  };
}

/**
 * The encoder's pooling for the checkpoint's resolved one: mean and pooler as they are (the engine
 * resolves `pooler` only when the checkpoint holds the pooler's weights), everything else the first token.
 */
export function fineTunePooling(pooling: Pooling): TokenPooling {
  return pooling === 'mean' || pooling === 'pooler' ? pooling : 'cls';
}

function scheduleWords(settings: FineTuneSettings, recipe: ScratchRecipe): string {
  const { schedule, exact } = scheduleOf(settings.lrScheduler);
  const shape = schedule === 'constant' ? 'constant learning rate' : schedule === 'cosine' ? 'cosine decay to 0' : 'linear decay to 0';
  const given = settings.lrScheduler === undefined ? ' (transformers\' default)' : exact ? '' : ` (lr_scheduler_type ${JSON.stringify(settings.lrScheduler)} is simulated as ${schedule})`;
  const warm = recipe.warmupSteps !== undefined ? `${recipe.warmupSteps} warm-up steps, then ` : recipe.warmupShare > 0 ? `warm-up over ${Math.round(recipe.warmupShare * 100)}% of the steps, then ` : '';
  return `${warm}${shape}${given}`;
}

export type TextFineTuneArm = TextScratchArm;

/**
 * Builds the `transfer:full` arm for a text sample, or says why it is not trained.
 */
export async function textFullFineTune(args: TextArmInput & {
  readonly pooling: Pooling;
  readonly settings: FineTuneSettings;
  /** The checkpoint files' fingerprint (cache identity of the pretrained weights). */
  readonly identity: string;
  /** FLOP budget per fit (default MAX_FINE_TUNE_FLOPS) and, when it is not the default, why (for the note). */
  readonly budget?: number;
  readonly budgetWhy?: string;
  /**
   * Partial freeze: the number of top blocks trained (LLaMA-Factory's freeze_trainable_layers),
   * the embeddings and lower blocks frozen; the arm is then `transfer:partial-freeze`.
   */
  readonly trainableTop?: number;
}): Promise<TextFineTuneArm> {
  const partial = args.trainableTop !== undefined;
  const what = partial ? `Partial-freeze fine-tuning (top ${args.trainableTop} blocks trainable)` : 'Full fine-tuning';
  const notTrained = (reason: string): TextFineTuneArm => ({
    note: `${what} of the ${args.modelType} is not simulated: ${reason}. ${partial ? 'Probes on its blocks\' features stand in' : 'The frozen linear probe on its features stands in for the transfer arm'} (a lower bound on what fine-tuning reaches).`,
    summary: { trained: false, reason },
  });
  if (args.backend === 'cpu') return notTrained('the TF.js backend is the pure-JavaScript cpu one, an order of magnitude slower than WASM for training (use --backend wasm)');
  const config = (await readJsonFile(join(args.folder, 'config.json')).catch(() => undefined)) as Config | undefined;
  if (!config) return notTrained(`${join(args.folder, 'config.json')} cannot be read`);
  const unsupported = fineTuneUnsupported(config);
  if (unsupported) return notTrained(unsupported);
  const shape = fineTuneShape(config);
  if (!shape) return notTrained('its config.json does not state the transformer sizes');
  let tokens: SampleTokens;
  try {
    tokens = args.tokens();
  } catch (e) {
    if (!(e instanceof CheckpointError)) throw e;
    return notTrained(e.message);
  }
  // The weights the fits will read (headers only here): an ONNX-only folder, or weights that lack
  // the encoder's tensors, are declined now rather than failing inside the cross-validation.
  try {
    const weights = await openWeights(args.folder);
    const names = blockNames(config);
    for (const name of ['embeddings.word_embeddings.weight', `${names.layer}.0.${names.q}.weight`]) {
      if (!weights.has(name)) return notTrained(`its weights (${weights.files[0]}) hold no '${name}'`);
    }
  } catch (e) {
    if (!(e instanceof CheckpointError)) throw e;
    return notTrained(`fine-tuning needs the checkpoint's PyTorch / safetensors weights, and ${e.code === 'checkpoint-missing' ? 'the folder has none (ONNX weights cannot be trained here)' : e.message}`);
  }
  const pooling = fineTunePooling(args.pooling);
  const dropout = Math.min(0.5, Math.max(0, Number(config.hidden_dropout_prob ?? config.dropout ?? 0.1) || 0));
  const recipe = fineTuneRecipe(args.settings, dropout);
  const classification = args.target.task === 'classification';
  const outputs = classification ? (args.target.numClasses ?? args.target.y.cols) : args.target.y.cols;
  const budget = args.budget ?? MAX_FINE_TUNE_FLOPS;
  const flops = trainingFlops(shape, tokensPerFit(args.trainRows, tokens.meanLength, recipe), tokens.meanLength, outputs);
  if (flops > budget) return notTrained(`one fine-tuning fit on ${args.trainRows.toLocaleString('en-US')} rows (${recipe.fixedSteps !== undefined ? `${recipe.fixedSteps} steps` : `${recipe.fixedEpochs} epochs`}) costs ≈ ${formatFlops(flops)}, over the ${formatFlops(budget)} budget per fit${args.budgetWhy ? ` (${args.budgetWhy})` : ''}`);
  const pooledWords = pooling === 'mean' ? 'mean-pooled' : pooling === 'pooler' ? 'pooler' : 'first-token';
  const top = partial ? Math.min(shape.layers, Math.max(1, args.trainableTop!)) : shape.layers;
  const trainedWords = partial ? `the top ${top} of its ${shape.layers} blocks trainable${top === shape.layers ? ' (every block: with the embeddings frozen, nearly a full fine-tune)' : ''}, the embeddings and lower blocks frozen` : 'every weight trainable';
  const learner = scratchTransformerLearner(tokens, args.target, {
    id: partial ? 'transfer:partial-freeze' : 'transfer:full',
    label: `${partial ? `Partial freeze of the ${args.modelType} (top ${top} of ${shape.layers} blocks` : `Full fine-tune of the ${args.modelType} (every weight`} trainable, new head on the ${pooledWords} output)`,
    ...(partial ? { trainableFromBlock: shape.layers - top } : {}),
    shape,
    seed: args.seed,
    recipe,
    pooling,
    identity: `${args.identity}|${SCRATCH_TRANSFORMER_VERSION}-ft1`,
    pretrained: () => loadPretrainedWeights(args.folder, config, shape, tokens, pooling === 'pooler'),
  });
  const set = (key: keyof FineTuneSettings, words: string, value: number) => `${words} ${value > 0 && value < 1e-3 ? value.toExponential() : value}${args.settings[key] === undefined ? ' (transformers\' default)' : ''}`;
  const note = `Transfer arm: the ${args.modelType} fine-tuned on the training rows, as the config's ${partial ? 'partial freeze' : 'full fine-tune'} would be — ${trainedWords}, a new linear head on the ${pooledWords} output; ` +
    `AdamW (${set('learningRate', 'lr', recipe.learningRate)}, ${set('weightDecay', 'weight decay', recipe.weightDecay)}), ${scheduleWords(args.settings, recipe)}, ${(args.settings.gradientAccumulation ?? 1) > 1 ? `batch ${recipe.batchSize} (${args.settings.batchSize ?? TRAINER_DEFAULTS.batchSize} × ${args.settings.gradientAccumulation} accumulated)` : set('batchSize', 'batch', recipe.batchSize)}, ${recipe.fixedSteps !== undefined ? `${recipe.fixedSteps} steps (max_steps, overriding the epochs)` : set('epochs', 'epochs', recipe.fixedEpochs!)}, dropout ${dropout}, no early stopping, texts cut at ${tokens.maxLength} tokens, seeded; ≈ ${formatFlops(flops)} per fit. ` +
    'Not reproduced: gradient clipping and mixed precision.';
  const summary: Record<string, unknown> = { trained: true, shape, pooling, recipe, flopsPerFit: flops };
  return { learner, note, summary: withFitsSummary(summary, learner) };
}

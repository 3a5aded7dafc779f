/**
 * The normalised training-config model: what every config profile (Hugging Face, Axolotl,
 * LLaMA-Factory, torchtune, Lightning/Hydra, Ultralytics, user key maps) is turned into.
 * Every value carries the exact source range of its value and of its key, so findings and quick
 * fixes land on the right characters.
 */
import type { Range } from './range';
import type { Finding } from './finding';

/** Fine-tuning strategy as planned in the config. */
export type Strategy = 'full' | 'linear-probe' | 'partial-freeze' | 'lora' | 'qlora' | 'adapter-other';

/** A value read from a config file, with where it came from. */
export interface SourceValue<T> {
  readonly value: T;
  /** Dotted key path in the file, e.g. `datasets[0].path`. */
  readonly keyPath: string;
  /** Absolute path of the file holding the value (differs from the config for Hydra includes). */
  readonly file: string;
  /** Range of the value's text (for replacing it). */
  readonly range: Range;
  /** Range of the key (where diagnostics about the setting go). */
  readonly keyRange: Range;
}

export type TaskKind = 'classification' | 'regression' | 'multi-label';

export interface NormalizedConfig {
  /** Absolute path of the config file. */
  readonly file: string;
  /** Profile that recognised the file (`huggingface`, `axolotl`, ...). */
  readonly profile: string;
  readonly checkpoint?: SourceValue<string>;
  /** Training data reference (file, folder, hub id or dataset name); for a list, its first item (LLaMA-Factory: the `a,b` value as written). */
  readonly dataset?: SourceValue<string>;
  /**
   * Every training dataset, in order, when the config names more than one (Axolotl `datasets[]`,
   * LLaMA-Factory `dataset: a,b`, a key map's `[*]` path); each with its own range. Absent for a
   * single dataset: use `datasetEntries(config)` from core/config to read either form.
   */
  readonly datasets?: readonly SourceValue<string>[];
  readonly validationDataset?: SourceValue<string>;
  readonly labelColumn?: SourceValue<string>;
  readonly task?: SourceValue<TaskKind>;
  /** Planned number of training samples (e.g. `max_train_samples`). */
  readonly trainSize?: SourceValue<number>;
  readonly strategy?: SourceValue<Strategy>;
  readonly learningRate?: SourceValue<number>;
  /** Number of trainable top layers (partial freeze), or layer names. */
  readonly frozenLayers?: SourceValue<number | string | readonly string[]>;
  readonly epochs?: SourceValue<number>;
  /** Samples per optimiser step on one device (`per_device_train_batch_size`, `micro_batch_size`, …). */
  readonly batchSize?: SourceValue<number>;
  /** Decoupled (AdamW) weight decay. */
  readonly weightDecay?: SourceValue<number>;
  /** Learning-rate schedule as the trainer names it (`lr_scheduler_type`: linear, cosine, constant, …). */
  readonly lrScheduler?: SourceValue<string>;
  /** Warm-up as a share of the training steps (`warmup_ratio`), or in steps (`warmup_steps`). */
  readonly warmupRatio?: SourceValue<number>;
  readonly warmupSteps?: SourceValue<number>;
  /** Optimiser steps that override the epochs when > 0 (`max_steps`). */
  readonly maxSteps?: SourceValue<number>;
  /** Batches accumulated per optimiser step (`gradient_accumulation_steps`). */
  readonly gradientAccumulation?: SourceValue<number>;
  /** A sample of the source (pretraining) inputs, for the myth check. */
  readonly sourceTrainFile?: SourceValue<string>;
  /** Precomputed target features (.npy/.npz/safetensors) for checkpoints we cannot run. */
  readonly featuresFile?: SourceValue<string>;
  /** Layer whose activations are the features (default: penultimate). */
  readonly featureLayer?: SourceValue<string>;
  /** Codes suppressed for this file (`# transferlens: disable=code1,code2`). */
  readonly suppressed?: readonly string[];
  /** How the profile resolves relative paths: from the config's folder or the workspace root. */
  readonly pathBase?: 'file' | 'workspace';
  /** Profile-specific references the resolver needs (e.g. LLaMA-Factory `datasetDir`, torchtune `checkpointFiles`). */
  readonly extras?: Readonly<Record<string, SourceValue<unknown>>>;
  /**
   * Extras a profile reads per listed dataset (paths under `datasets[0]`, e.g. Axolotl's `type`,
   * `field_messages`, `chat_template`), resolved for every item of the list and keyed by the item
   * (`datasets[1]`); `datasetScopedExtras` names them. Read through `configForDataset`.
   */
  readonly datasetExtras?: Readonly<Record<string, Readonly<Record<string, SourceValue<unknown>>>>>;
  readonly datasetScopedExtras?: readonly string[];
  /** Files merged into this config (Hydra defaults), for watching and cache keys. */
  readonly includedFiles?: readonly string[];
}

/** Result of reading a config: never throws on user input; problems are findings. */
export interface ConfigReadResult {
  readonly config: NormalizedConfig | undefined;
  readonly problems: readonly Finding[];
}

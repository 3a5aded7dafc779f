/**
 * Rules shared by several profiles: the Hugging Face / LLaMA-Factory strategy vocabulary
 * (`finetuning_type`, `freeze_trainable_layers`, `use_peft`, quantisation → QLoRA) and the
 * TransferLens extension keys (`features_file`, `feature_layer`, `source_train_file`) that any
 * profile accepts at the top level.
 */
import type { FieldSpec } from '../keymap';
import { firstOf, numberOf, sourceValue } from '../keymap';
import type { RefineContext } from './types';

/** `finetuning_type` as LLaMA-Factory defines it; `freeze` is refined by the layer count. */
export const FINETUNING_TYPE_RULE: FieldSpec = {
  from: 'finetuning_type',
  map: { full: 'full', freeze: 'partial-freeze', lora: 'lora', oft: 'adapter-other' },
};

/** Extension keys every profile understands at the top level. */
export const EXTENSION_FIELDS = {
  featuresFile: ['features_file', 'transferlens.features_file'],
  featureLayer: ['feature_layer', 'transferlens.feature_layer'],
  sourceTrainFile: ['source_train_file', 'transferlens.source_train_file'],
} as const;

/**
 * transformers' TrainingArguments keys for the recipe (HF scripts, TRL and LLaMA-Factory share
 * them): what the simulated fine-tune of a text checkpoint follows (src/node/textFineTune.ts).
 */
export const TRAINING_ARGUMENT_FIELDS = {
  learningRate: ['learning_rate'],
  epochs: ['num_train_epochs'],
  batchSize: ['per_device_train_batch_size'],
  weightDecay: ['weight_decay'],
  maxSteps: ['max_steps'],
  gradientAccumulation: ['gradient_accumulation_steps'],
  lrScheduler: ['lr_scheduler_type'],
  warmupRatio: ['warmup_ratio'],
  warmupSteps: ['warmup_steps'],
} as const;

/** Hugging Face `problem_type` values → task kinds. */
export const PROBLEM_TYPE_RULE: FieldSpec = {
  from: 'problem_type',
  map: { regression: 'regression', single_label_classification: 'classification', multi_label_classification: 'multi-label' },
};

/**
 * `freeze` with zero trainable layers (or a frozen backbone flag) trains only the head: that is
 * a linear probe. LoRA with 4/8-bit quantisation is QLoRA.
 */
export function refineFreezeAndQuantisation(context: RefineContext, prefix = ''): void {
  const { root, fields } = context;
  if (fields.strategy?.value === 'partial-freeze') {
    const trainable = firstOf(root, [`${prefix}freeze_trainable_layers`]);
    const count = trainable ? numberOf(trainable.node) : undefined;
    if (count === 0) fields.strategy = { ...fields.strategy, value: 'linear-probe' };
  }
  const frozenBackbone = firstOf(root, [`${prefix}freeze_backbone`, `${prefix}freeze_base_model`]);
  if (frozenBackbone && frozenBackbone.node.kind === 'scalar' && frozenBackbone.node.value === true && fields.strategy?.value !== 'lora') {
    fields.strategy = sourceValue(frozenBackbone, 'linear-probe');
  }
  if (fields.strategy?.value === 'lora') {
    const quantised = firstOf(root, [`${prefix}quantization_bit`, `${prefix}load_in_4bit`, `${prefix}load_in_8bit`]);
    if (quantised && quantised.node.kind === 'scalar' && (quantised.node.value === true || quantised.node.value === 4 || quantised.node.value === 8)) {
      fields.strategy = { ...fields.strategy, value: 'qlora' };
    }
  }
}

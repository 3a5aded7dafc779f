/**
 * torchtune recipe configs: `_component_` builders. The checkpoint is
 * `checkpointer.checkpoint_dir` (+ `checkpoint_files`, captured as an extra); LoRA vs full comes
 * from the model builder's name (`lora_llama3_2_1b`, `qlora_…`). `${…}` interpolation applies.
 */
import { EXTENSION_FIELDS } from './common';
import { TORCHTUNE_TEXT_EXTRAS } from './text';
import type { BuiltinProfile } from './types';

export const torchtuneProfile: BuiltinProfile = {
  description: 'torchtune recipes (_component_ builders, checkpointer.checkpoint_dir, LoRA from the builder name)',
  keyMap: {
    name: 'torchtune',
    detect: {
      anyKey: ['model._component_', 'optimizer._component_', 'tokenizer._component_', 'epochs', 'max_steps_per_epoch', 'loss._component_'],
      strongKey: ['checkpointer._component_', 'checkpointer.checkpoint_dir', 'dataset._component_'],
    },
    fields: {
      checkpoint: ['checkpointer.checkpoint_dir'],
      dataset: ['dataset.data_files', 'dataset.source', 'dataset[*].data_files', 'dataset[*].source'],
      labelColumn: ['dataset.column_map.output', 'dataset.column'],
      trainSize: ['max_train_samples', 'dataset.max_train_samples'],
      strategy: [{ from: 'model._component_', map: { '/(^|\\.)qlora_/': 'qlora', '/(^|\\.)lora_/': 'lora', '/(^|\\.)dora_/': 'adapter-other', '*': 'full' } }],
      learningRate: ['optimizer.lr'],
      epochs: ['epochs'],
      batchSize: ['batch_size'],
      weightDecay: ['optimizer.weight_decay'],
      gradientAccumulation: ['gradient_accumulation_steps'],
      ...EXTENSION_FIELDS,
    },
    pathBase: 'workspace',
  },
  interpolation: true,
  extras: { checkpointFiles: ['checkpointer.checkpoint_files'], modelType: ['checkpointer.model_type'], ...TORCHTUNE_TEXT_EXTRAS },
};

/**
 * Axolotl YAML: `base_model`, `datasets[].path`, `adapter: lora | qlora` (absent or empty =
 * full fine-tune), `unfrozen_parameters` (a regex list: only those train → partial freeze).
 * Relative paths are resolved from the workspace (axolotl runs from the project root).
 */
import { EXTENSION_FIELDS } from './common';
import { firstOf, sourceValue } from '../keymap';
import { AXOLOTL_TEXT_EXTRAS } from './text';
import type { BuiltinProfile } from './types';

export const axolotlProfile: BuiltinProfile = {
  description: 'Axolotl (base_model, datasets[].path, adapter lora | qlora | empty = full)',
  keyMap: {
    name: 'axolotl',
    detect: {
      anyKey: ['learning_rate', 'num_epochs', 'output_dir', 'load_in_4bit', 'lora_r'],
      strongKey: ['base_model', 'datasets[*].path', 'adapter', 'sequence_len', 'micro_batch_size', 'val_set_size'],
    },
    fields: {
      checkpoint: ['base_model'],
      dataset: ['datasets[*].path', 'datasets[*].data_files'],
      validationDataset: ['test_datasets[*].path'],
      trainSize: ['max_train_samples', 'transferlens.max_train_samples'],
      strategy: [{ from: 'adapter', map: { lora: 'lora', qlora: 'qlora', '': 'full', full: 'full', '*': 'adapter-other' } }],
      learningRate: ['learning_rate'],
      frozenLayers: ['unfrozen_parameters'],
      epochs: ['num_epochs'],
      batchSize: ['micro_batch_size'],
      weightDecay: ['weight_decay'],
      maxSteps: ['max_steps'],
      gradientAccumulation: ['gradient_accumulation_steps'],
      lrScheduler: ['lr_scheduler'],
      warmupRatio: ['warmup_ratio'],
      warmupSteps: ['warmup_steps'],
      labelColumn: ['datasets[*].field_output', 'label_column_name'],
      ...EXTENSION_FIELDS,
    },
    pathBase: 'workspace',
  },
  extras: AXOLOTL_TEXT_EXTRAS,
  refine: ({ root, fields }) => {
    // `unfrozen_parameters` without an adapter means only the listed modules train.
    if (fields.frozenLayers && (!fields.strategy || fields.strategy.value === 'full')) {
      const located = firstOf(root, ['unfrozen_parameters']);
      if (located) fields.strategy = sourceValue(located, 'partial-freeze');
    }
  },
};

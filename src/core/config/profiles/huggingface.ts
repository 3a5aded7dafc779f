/**
 * Hugging Face TrainingArguments / example-script arguments / TRL run configs (YAML or JSON),
 * plus the keys TransferLens's own examples use (`finetuning_type`, `freeze_trainable_layers`
 * from LLaMA-Factory's vocabulary). Paths are relative to the config file.
 */
import { EXTENSION_FIELDS, TRAINING_ARGUMENT_FIELDS, FINETUNING_TYPE_RULE, PROBLEM_TYPE_RULE, refineFreezeAndQuantisation } from './common';
import { HF_TEXT_EXTRAS } from './text';
import type { BuiltinProfile } from './types';

export const huggingfaceProfile: BuiltinProfile = {
  description: 'Hugging Face TrainingArguments / example scripts / TRL (YAML or JSON)',
  keyMap: {
    name: 'huggingface',
    detect: {
      anyKey: [
        'model_name_or_path', 'learning_rate', 'num_train_epochs', 'output_dir', 'per_device_train_batch_size',
        'finetuning_type', 'dataset_name', 'use_peft', 'max_eval_samples',
      ],
      strongKey: ['train_file', 'validation_file', 'max_train_samples', 'label_column_name', 'problem_type', 'train_dir', 'features_file', 'text_column_names', 'task_name', 'max_seq_length'],
    },
    fields: {
      checkpoint: ['model_name_or_path'],
      // `train_file: [a.csv, b.csv]` (load_dataset data_files lists): every file, concatenated.
      dataset: ['train_file[*]', 'train_file', 'train_dir', 'dataset_name'],
      validationDataset: ['validation_file', 'validation_dir'],
      labelColumn: ['label_column_name', 'label_column'],
      task: [PROBLEM_TYPE_RULE as never],
      trainSize: ['max_train_samples'],
      strategy: [FINETUNING_TYPE_RULE as never, { from: 'use_peft', map: { true: 'lora', false: 'full' } }],
      frozenLayers: ['freeze_trainable_layers'],
      ...TRAINING_ARGUMENT_FIELDS,
      ...EXTENSION_FIELDS,
    },
    pathBase: 'file',
  },
  extras: HF_TEXT_EXTRAS,
  refine: (context) => refineFreezeAndQuantisation(context),
};

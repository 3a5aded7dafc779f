/**
 * LLaMA-Factory training YAML. `dataset` is a comma list (or YAML list) of names defined in
 * `<dataset_dir>/dataset_info.json` (default `data`); the lookup reads a file, so it happens in
 * src/node/resolve using the `datasetDir` extra captured here. Relative paths are resolved from
 * the workspace (LLaMA-Factory runs from its project root).
 */
import { EXTENSION_FIELDS, TRAINING_ARGUMENT_FIELDS, FINETUNING_TYPE_RULE, refineFreezeAndQuantisation } from './common';
import { splitNameList } from '../datasetList';
import { selectAll } from '../tree';
import { LLAMA_FACTORY_TEXT_EXTRAS } from './text';
import type { BuiltinProfile } from './types';

export const llamaFactoryProfile: BuiltinProfile = {
  description: 'LLaMA-Factory (finetuning_type full | freeze | lora, dataset_info.json names)',
  keyMap: {
    name: 'llama-factory',
    detect: {
      anyKey: ['model_name_or_path', 'finetuning_type', 'dataset', 'max_samples', 'learning_rate', 'num_train_epochs'],
      strongKey: ['stage', 'template', 'dataset_dir', 'cutoff_len', 'lora_target', 'quantization_bit', 'freeze_trainable_modules'],
    },
    fields: {
      checkpoint: ['model_name_or_path'],
      // `dataset: a,b` (the usual form) or a YAML list of names.
      dataset: ['dataset[*]', 'dataset'],
      validationDataset: ['eval_dataset'],
      trainSize: ['max_samples'],
      strategy: [FINETUNING_TYPE_RULE as never],
      frozenLayers: ['freeze_trainable_layers'],
      ...TRAINING_ARGUMENT_FIELDS,
      ...EXTENSION_FIELDS,
    },
    pathBase: 'workspace',
  },
  extras: { datasetDir: ['dataset_dir'], adapter: ['adapter_name_or_path'], ...LLAMA_FACTORY_TEXT_EXTRAS },
  refine: (context) => {
    // LLaMA-Factory's default finetuning_type is lora.
    refineFreezeAndQuantisation(context);
    // One value per dataset name, each with the range of that name inside `a,b`.
    const entries = context.datasets ?? (context.fields.dataset ? [context.fields.dataset] : []);
    const names = entries.flatMap((entry) => splitNameList(entry, selectAll(context.root, entry.keyPath)[0]?.node));
    context.datasets = names.length > 1 ? names : undefined;
  },
};

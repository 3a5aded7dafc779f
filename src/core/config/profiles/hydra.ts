/**
 * Hydra configs (`_target_`, `defaults:` composition from the config's folder, `${a.b}` and
 * `${oc.env:VAR}` interpolation). Keys are user-defined; the built-in map follows the
 * lightning-hydra-template layout (`model.*`, `data.*`, `trainer.max_epochs`,
 * `model.optimizer.lr`). Values read from a group file keep that file's ranges.
 */
import { EXTENSION_FIELDS, refineFreezeAndQuantisation } from './common';
import type { BuiltinProfile } from './types';

export const hydraProfile: BuiltinProfile = {
  description: 'Hydra (_target_, defaults composition, ${a.b} and ${oc.env:VAR} interpolation)',
  keyMap: {
    name: 'hydra',
    detect: {
      anyKey: ['model._target_', 'data._target_', 'trainer._target_', 'hydra', 'ckpt_path', 'task_name', 'trainer.max_epochs'],
      strongKey: ['defaults', '_target_', 'model.net._target_'],
    },
    fields: {
      checkpoint: ['model.pretrained_checkpoint', 'model.net.pretrained_checkpoint', 'model.checkpoint', 'model.net.checkpoint', 'model.model_name_or_path', 'model.net.model_name_or_path', 'ckpt_path'],
      dataset: ['data.train_file', 'data.data_dir', 'data.data_path', 'data.path'],
      validationDataset: ['data.validation_file', 'data.val_file'],
      labelColumn: ['data.label_column', 'data.label_column_name'],
      task: [{ from: 'data.problem_type', map: { regression: 'regression', single_label_classification: 'classification', multi_label_classification: 'multi-label', classification: 'classification' } }],
      trainSize: ['data.max_train_samples', 'data.train_size'],
      strategy: [
        { from: 'model.finetuning_type', map: { full: 'full', freeze: 'partial-freeze', lora: 'lora' } },
        { from: 'model.freeze_backbone', map: { true: 'linear-probe', false: 'full' } },
      ],
      learningRate: ['model.optimizer.lr', 'optimizer.lr', 'model.lr'],
      frozenLayers: ['model.freeze_trainable_layers', 'model.freeze_until'],
      epochs: ['trainer.max_epochs'],
      batchSize: ['data.batch_size'],
      weightDecay: ['model.optimizer.weight_decay', 'optimizer.weight_decay'],
      featuresFile: [...EXTENSION_FIELDS.featuresFile, 'data.features_file'],
      featureLayer: [...EXTENSION_FIELDS.featureLayer, 'model.feature_layer'],
      sourceTrainFile: [...EXTENSION_FIELDS.sourceTrainFile, 'data.source_train_file'],
    },
    pathBase: 'workspace',
  },
  interpolation: true,
  composition: 'hydra',
  refine: (context) => refineFreezeAndQuantisation(context, 'model.'),
};

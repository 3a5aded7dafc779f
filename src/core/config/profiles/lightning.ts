/**
 * Lightning CLI configs (`class_path` / `init_args`). Keys under `init_args` are user-defined;
 * the built-in map covers common names and the user key map does the rest.
 * `trainer.callbacks[].class_path: …BackboneFinetuning` freezes the backbone first and unfreezes
 * it later, which ends as a full fine-tune (LP-FT style): mapped to `full`.
 */
import { EXTENSION_FIELDS } from './common';
import type { BuiltinProfile } from './types';
import { firstOf, sourceValue, numberOf } from '../keymap';

const MODEL = 'model.init_args';
const DATA = 'data.init_args';

export const lightningProfile: BuiltinProfile = {
  description: 'Lightning CLI (class_path / init_args)',
  keyMap: {
    name: 'lightning',
    detect: {
      anyKey: ['trainer.max_epochs', 'seed_everything', 'optimizer.init_args', 'trainer.callbacks'],
      strongKey: ['model.class_path', 'data.class_path', 'model.init_args'],
    },
    fields: {
      checkpoint: [`${MODEL}.pretrained_checkpoint`, `${MODEL}.checkpoint_path`, `${MODEL}.backbone_weights`, `${MODEL}.model_name_or_path`, `${MODEL}.backbone`],
      dataset: [`${DATA}.train_file`, `${DATA}.data_dir`, `${DATA}.data_path`, `${DATA}.root`],
      validationDataset: [`${DATA}.validation_file`, `${DATA}.val_file`],
      labelColumn: [`${DATA}.label_column`, `${DATA}.label_column_name`],
      trainSize: [`${DATA}.max_train_samples`, `${DATA}.train_size`],
      strategy: [
        { from: `${MODEL}.finetuning_type`, map: { full: 'full', freeze: 'partial-freeze', lora: 'lora' } },
        { from: `${MODEL}.freeze_backbone`, map: { true: 'linear-probe', false: 'full' } },
      ],
      learningRate: ['optimizer.init_args.lr', 'optimizer.lr', `${MODEL}.lr`, `${MODEL}.learning_rate`],
      frozenLayers: [`${MODEL}.freeze_trainable_layers`, `${MODEL}.freeze_until`],
      epochs: ['trainer.max_epochs'],
      batchSize: ['data.init_args.batch_size', 'data.batch_size'],
      weightDecay: ['optimizer.init_args.weight_decay', 'optimizer.weight_decay'],
      featuresFile: [...EXTENSION_FIELDS.featuresFile, `${DATA}.features_file`],
      featureLayer: [...EXTENSION_FIELDS.featureLayer, `${MODEL}.feature_layer`],
      sourceTrainFile: [...EXTENSION_FIELDS.sourceTrainFile, `${DATA}.source_train_file`],
    },
    pathBase: 'workspace',
  },
  interpolation: true,
  refine: ({ root, fields }) => {
    if (fields.strategy?.value === 'partial-freeze') {
      const trainable = firstOf(root, [`${MODEL}.freeze_trainable_layers`]);
      if (trainable && numberOf(trainable.node) === 0) fields.strategy = { ...fields.strategy, value: 'linear-probe' };
    }
    if (!fields.strategy) {
      const callbacks = root?.kind === 'map' ? root.entries.get('trainer') : undefined;
      const list = callbacks?.kind === 'map' ? callbacks.entries.get('callbacks') : undefined;
      if (list?.kind === 'seq') {
        list.items.forEach((item, index) => {
          const classPath = item.kind === 'map' ? item.entries.get('class_path') : undefined;
          if (classPath?.kind === 'scalar' && /BackboneFinetuning$/.test(String(classPath.value))) {
            fields.strategy = sourceValue({ node: classPath, keyPath: `trainer.callbacks[${index}].class_path` }, 'full');
          }
        });
      }
    }
  },
};

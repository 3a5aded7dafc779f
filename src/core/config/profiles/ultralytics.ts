/**
 * Ultralytics YOLO training YAML: `model` (yolov8n.pt), `data` (a data.yaml), `fraction`
 * (share of the training set used), `freeze` (first N layers, or a list) → partial freeze,
 * `lr0`, `epochs`. The planned sample count is round(fraction × rows) (core/config/datasetList.ts).
 */
import { EXTENSION_FIELDS } from './common';
import { firstOf, invalidValue, numberOf, sourceValue } from '../keymap';
import type { Finding } from '../../model/finding';
import type { SourceValue } from '../../model/config';
import type { TreeNode } from '../tree';
import type { BuiltinProfile } from './types';

export const ultralyticsProfile: BuiltinProfile = {
  description: 'Ultralytics YOLO (model, data, freeze, fraction, lr0)',
  keyMap: {
    name: 'ultralytics',
    detect: {
      anyKey: ['model', 'data', 'epochs', 'freeze', 'batch', 'pretrained', 'optimizer', 'task', 'mode'],
      strongKey: ['lr0', 'lrf', 'imgsz', 'mosaic', 'close_mosaic', 'fraction'],
    },
    fields: {
      checkpoint: ['model'],
      dataset: ['data'],
      learningRate: ['lr0'],
      frozenLayers: ['freeze'],
      epochs: ['epochs'],
      weightDecay: ['weight_decay'],
      ...EXTENSION_FIELDS,
    },
    pathBase: 'workspace',
  },
  extras: { fraction: ['fraction'] },
  refine: ({ root, fields, extras, problems }) => {
    refineFraction(root, extras, problems);
    const freeze = firstOf(root, ['freeze']);
    if (!freeze) return;
    const count = numberOf(freeze.node);
    if (freeze.node.kind === 'seq' || (count !== undefined && count > 0)) fields.strategy = sourceValue(freeze, 'partial-freeze');
    else if (count === 0 || (freeze.node.kind === 'scalar' && freeze.node.value === null)) fields.strategy = sourceValue(freeze, 'full');
  },
};

/**
 * `fraction` must be a number in (0, 1]: Ultralytics trains on the first round(fraction × N)
 * images. Above 1 it uses every image (a warning; the value is kept and read as 1); zero, negative
 * or non-numeric values are errors and the value is dropped.
 */
function refineFraction(root: TreeNode | undefined, extras: Record<string, SourceValue<unknown>>, problems: Finding[]): void {
  if (!extras.fraction) return;
  const located = firstOf(root, ['fraction']);
  if (!located) return;
  const value = numberOf(located.node);
  if (value === undefined || value <= 0) {
    const got = located.node.kind === 'scalar' && located.node.value !== null && located.node.value !== '' ? `'${String(located.node.value)}'` : 'an empty or non-numeric value';
    problems.push(invalidValue(located, `fraction must be a number greater than 0 and at most 1 (the share of the training images used, e.g. 0.5); got ${got}. Set it to 1.0 to train on every image.`, 'trainSize'));
    delete extras.fraction;
    return;
  }
  extras.fraction = sourceValue(located, value);
  if (value > 1) {
    problems.push({
      ...invalidValue(located, `fraction ${value} is above 1: Ultralytics then trains on every image, as with fraction: 1.0. Set it to 1.0, or below 1 to train on part of the data (e.g. 0.5 for half).`, 'trainSize'),
      severity: 'warning',
    });
  }
}

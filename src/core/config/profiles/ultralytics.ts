/**
 * Ultralytics YOLO training YAML: `model` (yolov8n.pt), `data` (a data.yaml), `fraction`
 * (share of the training set used), `freeze` (first N layers, or a list) → partial freeze,
 * `lr0`, `epochs`. The planned sample count is derived by the resolver from `fraction`.
 */
import { EXTENSION_FIELDS } from './common';
import { firstOf, numberOf, sourceValue } from '../keymap';
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
      ...EXTENSION_FIELDS,
    },
    pathBase: 'workspace',
  },
  extras: { fraction: ['fraction'] },
  refine: ({ root, fields }) => {
    const freeze = firstOf(root, ['freeze']);
    if (!freeze) return;
    const count = numberOf(freeze.node);
    if (freeze.node.kind === 'seq' || (count !== undefined && count > 0)) fields.strategy = sourceValue(freeze, 'partial-freeze');
    else if (count === 0 || (freeze.node.kind === 'scalar' && freeze.node.value === null)) fields.strategy = sourceValue(freeze, 'full');
  },
};

/**
 * Per-file overrides written in the file itself, modelled on `# yaml-language-server: $schema=…`:
 *
 *   # transferlens: profile=axolotl disable=dataset-too-small,suspicious-learning-rate
 *   # transferlens: checkpoint=model.init_args.ckpt dataset=data.init_args.root
 *   # transferlens: features_file=feats/train.npy feature_layer=pool source_train_file=src.csv
 *
 * `field=key.path` redirects a field to another key; `features_file=`, `feature_layer=` and
 * `source_train_file=` give the value itself, for trainers that reject unknown keys
 * (LLaMA-Factory's and Axolotl's argument parsers fail on extra keys, so a comment is the only
 * place these TransferLens-only settings can live).
 *
 * In JSON (no comments) the same settings go in a top-level `"$transferlens"` object:
 * `{"$transferlens": {"profile": "huggingface", "disable": ["dataset-too-small"]}}`.
 */
import type { Range } from '../model/range';
import { FIELD_NAMES, type FieldName } from './keymap';
import type { TreeNode } from './tree';
import type { LineIndex } from '../model/range';

export interface Modeline {
  readonly profile?: { readonly name: string; readonly range: Range };
  readonly disable: string[];
  /** Field → key path overrides (tried before the profile's own paths). */
  readonly fields: Partial<Record<FieldName, string>>;
  /** Values given directly in the modeline (features_file, feature_layer, source_train_file). */
  readonly values: Partial<Record<'featuresFile' | 'featureLayer' | 'sourceTrainFile', { readonly value: string; readonly range: Range; readonly keyRange: Range }>>;
  /** Settings that were not understood, with where they were written. */
  readonly unknown: { readonly text: string; readonly range: Range }[];
}

const MARKER = /^\s*#\s*transferlens\s*:(.*)$/i;
const SCRATCH_NOTE = /^\s*train from scratch\b/i;

/** Reads `# transferlens:` comment lines and the JSON `$transferlens` key. */
export function readModeline(text: string, lines: LineIndex, root: TreeNode | undefined): Modeline {
  const result: MutableModeline = { disable: [], fields: {}, values: {}, unknown: [] };
  let offset = 0;
  for (const line of text.split('\n')) {
    const match = MARKER.exec(line);
    // The scratch quick fix's note (`# transferlens: train from scratch — was: <line>`) is prose
    // around a commented-out line, whose own `a=b` text must not be read as settings.
    if (match && !SCRATCH_NOTE.test(match[1]!)) {
      const bodyStart = offset + line.indexOf(match[1]!, line.indexOf(':'));
      const settings = /(\S+?)=(\S+)/g;
      let setting: RegExpExecArray | null;
      while ((setting = settings.exec(match[1]!)) !== null) {
        const [whole, key, value] = setting;
        const start = bodyStart + setting.index;
        const range = lines.rangeAt(start, start + whole.length);
        const valueRange = lines.rangeAt(start + key!.length + 1, start + whole.length);
        const keyRange = lines.rangeAt(start, start + key!.length);
        if (DIRECT_VALUES[key!]) result.values[DIRECT_VALUES[key!]!] = { value: value!, range: valueRange, keyRange };
        else apply(result, key!, value!, range);
      }
    }
    offset += line.length + 1;
  }
  if (root?.kind === 'map') {
    const json = root.entries.get('$transferlens');
    if (json?.kind === 'map') {
      for (const [key, node] of json.entries) {
        const value = node.kind === 'seq'
          ? node.items.map((item) => (item.kind === 'scalar' ? String(item.value) : '')).join(',')
          : node.kind === 'scalar' ? String(node.value) : '';
        apply(result, key, value, node.range);
      }
    }
  }
  return result;
}

type MutableModeline = {
  profile?: { name: string; range: Range };
  disable: string[];
  fields: Partial<Record<FieldName, string>>;
  values: Modeline['values'] & Record<string, unknown>;
  unknown: { text: string; range: Range }[];
};

const DIRECT_VALUES: Record<string, 'featuresFile' | 'featureLayer' | 'sourceTrainFile'> = {
  features_file: 'featuresFile',
  feature_layer: 'featureLayer',
  source_train_file: 'sourceTrainFile',
};

function apply(
  result: MutableModeline,
  key: string,
  value: string,
  range: Range,
): void {
  if (key === 'profile') result.profile = { name: value, range };
  else if (key === 'disable') result.disable.push(...value.split(',').map((code) => code.trim()).filter(Boolean));
  else if ((FIELD_NAMES as readonly string[]).includes(key)) result.fields[key as FieldName] = value;
  else result.unknown.push({ text: `${key}=${value}`, range });
}

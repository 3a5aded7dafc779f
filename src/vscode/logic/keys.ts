/**
 * Finds the checkpoint and dataset keys in a config's text, for the hover and the CodeLens when
 * the config engine's exact ranges are not at hand (they are preferred when they are). Covers
 * the key names of the profiles in docs/configs-and-formats.md; pure, no vscode.
 */
import { visit, isScalar, type Pair, type Node } from 'yaml';
import { parseConfigText } from '../../core/fixes/textEdits';
import type { Range } from '../../core/model/range';

export const CHECKPOINT_KEYS: ReadonlySet<string> = new Set([
  'model_name_or_path', 'base_model', 'pretrained_model_name_or_path', 'init_checkpoint', 'checkpoint_dir',
  'load_from', 'initial_checkpoint', 'ckpt_path', 'checkpoint', 'pretrained_checkpoint', 'model',
]);
export const DATASET_KEYS: ReadonlySet<string> = new Set([
  'train_file', 'dataset', 'dataset_name', 'train_dir', 'data_dir', 'data', 'path', 'input_path', 'data_files', 'datasets',
]);

export interface ReferenceKey {
  readonly field: 'checkpoint' | 'dataset';
  readonly key: string;
  /** Range of the key and its scalar value together. */
  readonly range: Range;
}

/** Every checkpoint/dataset key with a scalar value, in document order. */
export function referenceKeys(text: string): ReferenceKey[] {
  const parsed = parseConfigText(text);
  if (!parsed) return [];
  const found: ReferenceKey[] = [];
  visit(parsed.document, {
    Pair: (_, pair) => {
      const { key, value } = pair as Pair<Node, Node>;
      if (!isScalar(key) || !key.range || !isScalar(value) || !value.range) return;
      const name = String(key.value);
      // `model`/`data`/`path` are generic names: only string values that look like references count.
      const field = CHECKPOINT_KEYS.has(name) ? 'checkpoint' : DATASET_KEYS.has(name) ? 'dataset' : undefined;
      if (!field || typeof value.value !== 'string' || value.value.length === 0) return;
      found.push({ field, key: name, range: parsed.lines.rangeAt(key.range[0], value.range[1]) });
    },
  });
  return found;
}

/** The reference key whose range contains the position, if any. */
export function referenceKeyAt(text: string, line: number, character: number): ReferenceKey | undefined {
  return referenceKeys(text).find((k) =>
    (line > k.range.start.line || (line === k.range.start.line && character >= k.range.start.character)) &&
    (line < k.range.end.line || (line === k.range.end.line && character <= k.range.end.character)));
}

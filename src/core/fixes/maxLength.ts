/**
 * The quick fix of `sequence-truncated` (issue #15): set the maximum sequence length key
 * (`max_seq_length`, `max_length`, `sequence_len`, `cutoff_len`, `tokenizer.max_seq_len`) to the
 * suggested value — the 95th percentile of token lengths rounded up to a multiple of 64, capped at
 * the model's limit. The key at the finding's range is edited in place (any depth); when the
 * config relies on the trainer's default, the key is inserted at the top level. An ordinary text
 * edit, so the editor's undo reverts it.
 */
import type { Finding } from '../model/finding';
import { applyEdits, findKeyAt, findTopLevelKey, insertTopLevelKey, parseConfigText, replaceValue, type TextEdit } from './textEdits';
import type { ProposedFix } from './fixes';

/** Keys the anchor search tries when a new maximum-length key is inserted (placed near the data keys). */
const ANCHORS = ['train_file', 'dataset', 'datasets', 'text_column_names', 'model_name_or_path', 'base_model'];

export function setMaxLengthEdits(text: string, key: string, value: number, at?: Finding['range']): TextEdit[] | undefined {
  const parsed = parseConfigText(text);
  if (!parsed || !(value > 0) || !Number.isInteger(value)) return undefined;
  const leaf = key.split('.').pop()!;
  const atFinding = at ? findKeyAt(parsed, at.start) : undefined;
  const target = atFinding && atFinding.key === leaf ? atFinding : !key.includes('.') ? findTopLevelKey(parsed, key) : undefined;
  if (target) {
    const edit = replaceValue(parsed, target, value);
    return edit ? [edit] : undefined;
  }
  if (key.includes('.')) return undefined;
  return [insertTopLevelKey(parsed, key, value, ANCHORS)];
}

/** The fix for a `sequence-truncated` finding, when its payload suggests a length. */
export function maxLengthFix(finding: Finding, text: string): ProposedFix | undefined {
  if (finding.code !== 'sequence-truncated') return undefined;
  const key = finding.data?.maxLengthKey;
  const value = finding.data?.suggestedMaxLength;
  if (typeof key !== 'string' || typeof value !== 'number') return undefined;
  const edits = setMaxLengthEdits(text, key, value, finding.data?.insert ? undefined : finding.range);
  if (!edits || applyEdits(text, edits) === text) return undefined;
  return { title: `Raise ${key} to ${value} (95th percentile of token lengths)`, code: finding.code, isPreferred: true, edits };
}

/**
 * Axolotl drops (or, with `raise`, stops on) samples longer than `sequence_len`; when raising the
 * length is not possible or not wanted, `excess_length_strategy: truncate` keeps them, cut. Set
 * the top-level key (replaced when present, inserted after `sequence_len` otherwise).
 */
export function excessLengthFix(finding: Finding, text: string): ProposedFix | undefined {
  if (finding.code !== 'sequence-truncated') return undefined;
  const action = finding.data?.overLength;
  if (action !== 'drop' && action !== 'raise') return undefined;
  const parsed = parseConfigText(text);
  if (!parsed) return undefined;
  const existing = findTopLevelKey(parsed, 'excess_length_strategy');
  const edit = existing ? replaceValue(parsed, existing, 'truncate') : insertTopLevelKey(parsed, 'excess_length_strategy', 'truncate', ['sequence_len', ...ANCHORS]);
  if (!edit || applyEdits(text, [edit]) === text) return undefined;
  return { title: `Keep over-long samples, cut at ${String(finding.data?.maxLength ?? 'sequence_len')} tokens (excess_length_strategy: truncate)`, code: finding.code, isPreferred: false, edits: [edit] };
}

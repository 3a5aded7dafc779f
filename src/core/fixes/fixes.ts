/**
 * Quick fixes as data: a finding plus the config's text → proposed edits, with no editor types
 * (the VS Code adapter turns them into WorkspaceEdits; a CLI could print them as a diff).
 * Edits touch only the value of the exact key (or insert one line), so comments and formatting
 * survive.
 *
 * Strategy vocabulary written by the fixes (LLaMA-Factory keys, which TransferLens's own
 * examples use; see docs/extension.md):
 *   linear probe   → finetuning_type: freeze, freeze_trainable_layers: 0 (only the new head trains)
 *   partial freeze → finetuning_type: freeze, freeze_trainable_layers: <trainable top blocks>
 *   LP-FT          → stage 1 of LP-FT = the linear probe above, with a comment for stage 2
 *   full           → finetuning_type: full
 * Training from scratch has no key in these formats, so it gets no edit (the report explains it).
 *
 * Finding payload read (`finding.data`): `strategy` or `recommendedStrategy` (RecommendedStrategy),
 * `learningRate` or `suggestedLearningRate` (number), `trainableLayers` (number) or `freezeDepth`
 * + `totalLayers` (numbers).
 */
import type { Finding } from '../model/finding';
import type { RecommendedStrategy } from '../model/analysis';
import {
  parseConfigText, findTopLevelKey, findKeyAt, replaceValue, insertTopLevelKey, renderValue,
  type ParsedConfigText, type TextEdit,
} from './textEdits';

export type { TextEdit } from './textEdits';

export interface ProposedFix {
  readonly title: string;
  /** The finding code the fix answers (joins it to the diagnostic). */
  readonly code: string;
  readonly isPreferred: boolean;
  readonly edits: readonly TextEdit[];
}

/** Keys that name the checkpoint at top level: new strategy keys go right below them. */
const CHECKPOINT_KEYS = ['model_name_or_path', 'base_model', 'model', 'pretrained_model_name_or_path'];
const LEARNING_RATE_KEYS = ['learning_rate', 'lr', 'lr0'];

export interface StrategyTarget {
  readonly strategy: RecommendedStrategy;
  /** For partial freeze: how many top blocks stay trainable. */
  readonly trainableLayers?: number;
}

function numberFrom(data: Finding['data'], ...keys: string[]): number | undefined {
  for (const key of keys) {
    const value = data?.[key];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
  }
  return undefined;
}

function strategyFrom(data: Finding['data']): RecommendedStrategy | undefined {
  const value = data?.strategy ?? data?.recommendedStrategy;
  return typeof value === 'string' && ['linear-probe', 'lp-ft', 'full', 'partial-freeze', 'scratch'].includes(value)
    ? (value as RecommendedStrategy)
    : undefined;
}

/** How many top blocks stay trainable for a partial freeze, from the finding's payload. */
export function trainableLayersFrom(data: Finding['data']): number | undefined {
  const direct = numberFrom(data, 'trainableLayers');
  if (direct !== undefined) return Math.max(0, Math.round(direct));
  const depth = numberFrom(data, 'freezeDepth');
  const total = numberFrom(data, 'totalLayers');
  return depth !== undefined && total !== undefined && total >= depth ? Math.round(total - depth) : undefined;
}

/** Sets (or inserts) several top-level keys; insertions after the same anchor are merged into one edit so their order is fixed. */
function setTopLevelKeys(parsed: ParsedConfigText, values: readonly (readonly [string, string | number])[], anchors: readonly string[], comment?: string): TextEdit[] {
  const edits: TextEdit[] = [];
  const missing: (readonly [string, string | number])[] = [];
  for (const [name, value] of values) {
    const existing = findTopLevelKey(parsed, name);
    const edit = existing ? replaceValue(parsed, existing, value) : undefined;
    if (edit) edits.push(edit);
    else if (!existing) missing.push([name, value]);
    else return []; // the key holds a map or list: do not guess
  }
  if (missing.length > 0) {
    const first = insertTopLevelKey(parsed, missing[0]![0], missing[0]![1], anchors);
    let newText = first.newText;
    const lead = parsed.isJson ? ',' : '';
    const indent = /\n( *)/.exec(first.newText)?.[1] ?? '';
    for (const [name, value] of missing.slice(1)) {
      const rendered = renderValue(value, parsed.isJson);
      const line = parsed.isJson ? `${indent}${JSON.stringify(name)}: ${rendered}` : `${indent}${name}: ${rendered}`;
      newText = newText.endsWith('\n') ? `${newText}${line}\n` : `${newText}${lead}\n${line}`;
    }
    if (comment && !parsed.isJson) newText = newText.endsWith('\n') ? `${newText}${indent}# ${comment}\n` : `${newText}\n${indent}# ${comment}`;
    edits.push({ range: first.range, newText });
  } else if (comment && !parsed.isJson && edits.length > 0) {
    // Put the comment on its own line above the strategy key.
    const key = findTopLevelKey(parsed, 'finetuning_type');
    if (key) {
      const position = { line: parsed.lines.positionAt(key.keyStart).line, character: 0 };
      edits.push({ range: { start: position, end: position }, newText: `${' '.repeat(key.column)}# ${comment}\n` });
    }
  }
  return edits;
}

/** Edits that switch the planned strategy; undefined when the target cannot be written as keys. */
export function switchStrategyEdits(text: string, target: StrategyTarget): TextEdit[] | undefined {
  const parsed = parseConfigText(text);
  if (!parsed) return undefined;
  let values: (readonly [string, string | number])[];
  let comment: string | undefined;
  switch (target.strategy) {
    case 'linear-probe':
      values = [['finetuning_type', 'freeze'], ['freeze_trainable_layers', 0]];
      break;
    case 'lp-ft':
      values = [['finetuning_type', 'freeze'], ['freeze_trainable_layers', 0]];
      comment = 'LP-FT stage 1 (linear probe); stage 2: resume from it with finetuning_type: full and a lower learning_rate';
      break;
    case 'partial-freeze':
      if (target.trainableLayers === undefined) return undefined;
      values = [['finetuning_type', 'freeze'], ['freeze_trainable_layers', target.trainableLayers]];
      break;
    case 'full':
      values = [['finetuning_type', 'full']];
      break;
    case 'scratch':
      return undefined;
  }
  const edits = setTopLevelKeys(parsed, values, ['finetuning_type', ...CHECKPOINT_KEYS], comment);
  return edits.length ? edits : undefined;
}

/**
 * Sets the learning rate: the key at the finding's range when it is a learning-rate key (any
 * depth, so `optimizer.lr` works), else a top-level learning-rate key, else inserts `learning_rate`.
 */
export function setLearningRateEdits(text: string, value: number, at?: Finding['range']): TextEdit[] | undefined {
  const parsed = parseConfigText(text);
  if (!parsed || !(value > 0)) return undefined;
  const atFinding = at ? findKeyAt(parsed, at.start) : undefined;
  const target = atFinding && /(^|_)(lr|lr0|learning_rate|initial_learning_rate)$/.test(atFinding.key)
    ? atFinding
    : LEARNING_RATE_KEYS.map((k) => findTopLevelKey(parsed, k)).find((k) => k !== undefined);
  if (target) {
    const edit = replaceValue(parsed, target, value);
    return edit ? [edit] : undefined;
  }
  return [insertTopLevelKey(parsed, 'learning_rate', value, ['finetuning_type', ...CHECKPOINT_KEYS])];
}

const MODELINE = /^(\s*#\s*transferlens\s*:)(.*)$/i;

/** YAML only: adds `code` to the file's `# transferlens: disable=…` modeline (creating it on line 1). */
export function suppressCodeEdits(text: string, code: string): TextEdit[] | undefined {
  const parsed = parseConfigText(text);
  if (parsed?.isJson) return undefined; // JSON has no comments: the editor offers a setting instead
  const lines = text.split('\n');
  for (let line = 0; line < lines.length; line++) {
    const match = MODELINE.exec(lines[line]!);
    if (!match) continue;
    const disable = /disable=(\S*)/.exec(match[2]!);
    if (disable) {
      const codes = disable[1]!.split(',').filter(Boolean);
      if (codes.includes(code)) return [];
      const start = match[1]!.length + disable.index + 'disable='.length;
      const end = start + disable[1]!.length;
      return [{ range: { start: { line, character: start }, end: { line, character: end } }, newText: [...codes, code].join(',') }];
    }
    const endCharacter = lines[line]!.replace(/\s+$/, '').length;
    return [{ range: { start: { line, character: endCharacter }, end: { line, character: endCharacter } }, newText: ` disable=${code}` }];
  }
  return [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: `# transferlens: disable=${code}\n` }];
}

/** Codes disabled by the file's YAML modeline(s). */
export function suppressedCodes(text: string): string[] {
  const codes: string[] = [];
  for (const line of text.split('\n')) {
    const match = MODELINE.exec(line);
    const disable = match ? /disable=(\S*)/.exec(match[2]!) : null;
    if (disable) codes.push(...disable[1]!.split(',').filter(Boolean));
  }
  return codes;
}

const STRATEGY_TITLES: Record<RecommendedStrategy, string> = {
  'linear-probe': 'Switch to a frozen linear probe (finetuning_type: freeze, 0 trainable layers)',
  'lp-ft': 'Switch to LP-FT: fit the head first (stage 1: linear probe)',
  'partial-freeze': 'Freeze the lower blocks',
  'full': 'Switch to full fine-tuning (finetuning_type: full)',
  'scratch': 'Train from scratch',
};

/** Which strategy a code's fix switches to when the payload does not say. */
const STRATEGY_FOR_CODE: Readonly<Record<string, RecommendedStrategy>> = {
  'prefer-linear-probe': 'linear-probe',
  'prefer-lp-ft': 'lp-ft',
  'prefer-partial-freeze': 'partial-freeze',
};

/**
 * Every text fix for a finding, the best one first and marked preferred. Editor-only actions
 * (open the report, suppress through settings) are added by the adapter.
 */
export function fixesForFinding(finding: Finding, text: string): ProposedFix[] {
  const fixes: ProposedFix[] = [];
  const learningRate = numberFrom(finding.data, 'learningRate', 'suggestedLearningRate');
  const strategy = strategyFrom(finding.data) ?? STRATEGY_FOR_CODE[finding.code];
  const lrFirst = finding.code === 'feature-distortion-risk' || finding.code === 'suspicious-learning-rate' || finding.field === 'learningRate';

  const lrFix = (): void => {
    if (learningRate === undefined) return;
    const edits = setLearningRateEdits(text, learningRate, finding.field === 'learningRate' ? finding.range : undefined);
    if (edits) fixes.push({ title: `Lower learning_rate to ${formatForTitle(learningRate)}`, code: finding.code, isPreferred: false, edits });
  };
  const strategyFix = (): void => {
    if (!strategy) return;
    const trainableLayers = trainableLayersFrom(finding.data);
    const edits = switchStrategyEdits(text, { strategy, trainableLayers });
    if (!edits) return;
    const title = strategy === 'partial-freeze'
      ? `Freeze the lower blocks, train the top ${trainableLayers} (finetuning_type: freeze)`
      : STRATEGY_TITLES[strategy];
    fixes.push({ title, code: finding.code, isPreferred: false, edits });
  };
  if (lrFirst) {
    lrFix();
    strategyFix();
  } else {
    strategyFix();
    lrFix();
  }
  if (fixes.length > 0) fixes[0] = { ...fixes[0]!, isPreferred: true };
  const suppress = suppressCodeEdits(text, finding.code);
  if (suppress && suppress.length > 0) {
    fixes.push({ title: `Suppress '${finding.code}' in this file`, code: finding.code, isPreferred: false, edits: suppress });
  }
  return fixes;
}

function formatForTitle(value: number): string {
  return value >= 1e-3 ? String(Number(value.toPrecision(3))) : Number(value.toPrecision(2)).toExponential();
}

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
 *   scratch        → (YAML only) the checkpoint key's line is commented out as
 *                    `# transferlens: train from scratch — was: <original line>`; Hugging Face
 *                    scripts build a freshly initialised model from config_name / model_type when
 *                    model_name_or_path is absent. JSON has no comments, so it gets no edit.
 *
 * A fix whose edits leave the text unchanged (e.g. "switch to full" on a config that already says
 * full) is never offered.
 *
 * Finding payload read (`finding.data`): `strategy` or `recommendedStrategy` (RecommendedStrategy),
 * `learningRate` or `suggestedLearningRate` (number), `trainableLayers` (number) or `freezeDepth`
 * + `totalLayers` (numbers).
 */
import type { Finding } from '../model/finding';
import type { RecommendedStrategy } from '../model/analysis';
import {
  parseConfigText, findTopLevelKey, findKeyAt, replaceValue, insertTopLevelKey, renderValue, applyEdits,
  type ParsedConfigText, type TextEdit,
} from './textEdits';

import { excessLengthFix, maxLengthFix } from './maxLength';

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
    // Only a line of `key=value` settings is a modeline to extend; prose after the marker (the
    // scratch fix's "train from scratch — was: …") must not collect `disable=` settings.
    if (!match || !/^\s*([^\s=]+=\S*(\s+[^\s=]+=\S*)*)?\s*$/.test(match[2]!)) continue;
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

/**
 * Comments out the checkpoint key's line so the trainer starts from random initialisation:
 * `# transferlens: train from scratch — was: <original line>` (undo restores the line). The key
 * is the one at `at` (the finding's range) when it is a checkpoint key, else the first top-level
 * checkpoint key. YAML only; undefined when there is no checkpoint key to comment out.
 */
export function trainFromScratchEdits(text: string, at?: Finding['range']): { edits: TextEdit[]; key: string } | undefined {
  const parsed = parseConfigText(text);
  if (!parsed || parsed.isJson) return undefined;
  const atFinding = at ? findKeyAt(parsed, at.start) : undefined;
  const located = atFinding && isCheckpointKey(atFinding.key) && atFinding.valueStart !== undefined
    ? atFinding
    : CHECKPOINT_KEYS.map((k) => findTopLevelKey(parsed, k)).find((k) => k !== undefined && k.valueStart !== undefined);
  if (!located) return undefined;
  const start = parsed.lines.positionAt(located.keyStart);
  const valueEnd = parsed.lines.positionAt(located.valueEnd!);
  // Only a block-style `key: value` that owns its line can be commented out as one line.
  if (valueEnd.line !== start.line) return undefined;
  const lineText = text.split('\n')[start.line]!.replace(/\r$/, '');
  if (lineText.slice(0, start.character).trim() !== '') return undefined;
  const newText = `${' '.repeat(start.character)}# transferlens: train from scratch — was: ${lineText.slice(start.character)}`;
  return { edits: [{ range: { start: { line: start.line, character: 0 }, end: { line: start.line, character: lineText.length } }, newText }], key: located.key };
}

function isCheckpointKey(key: string): boolean {
  return CHECKPOINT_KEYS.includes(key) || /(^|_)(checkpoint|ckpt|pretrained[a-z_]*)$/.test(key);
}

/** Title of the scratch fix: what is commented out and why that means scratch. */
function scratchTitle(key: string, text: string): string {
  if (key === 'model_name_or_path') {
    const hasArchitecture = /^\s*(config_name|model_type)\s*:/m.test(text);
    return `Train from scratch: comment out model_name_or_path (Hugging Face scripts then initialise a new model from config_name / model_type${hasArchitecture ? '' : ' — set one of them'})`;
  }
  return `Train from scratch: comment out ${key} so no pretrained weights are loaded`;
}

/** Which strategy a code's fix switches to when the payload does not say. */
const STRATEGY_FOR_CODE: Readonly<Record<string, RecommendedStrategy>> = {
  'prefer-linear-probe': 'linear-probe',
  'prefer-lp-ft': 'lp-ft',
  'prefer-partial-freeze': 'partial-freeze',
  'prefer-scratch': 'scratch',
};

/**
 * The strategy a finding's fix switches to. `suspicious-learning-rate` carries the CONFIGURED
 * strategy (not advice), so switching to it would change nothing; under full fine-tuning its
 * message suggests LP-FT, which is what its second fix offers.
 */
function targetStrategy(finding: Finding): RecommendedStrategy | undefined {
  if (finding.code === 'suspicious-learning-rate') return strategyFrom(finding.data) === 'full' ? 'lp-ft' : undefined;
  return strategyFrom(finding.data) ?? STRATEGY_FOR_CODE[finding.code];
}

/**
 * Every text fix for a finding, the best one first and marked preferred. Editor-only actions
 * (open the report, suppress through settings) are added by the adapter.
 */
export function fixesForFinding(finding: Finding, text: string): ProposedFix[] {
  const fixes: ProposedFix[] = [];
  const learningRate = numberFrom(finding.data, 'learningRate', 'suggestedLearningRate');
  const strategy = targetStrategy(finding);
  const lrFirst = finding.code === 'feature-distortion-risk' || finding.code === 'suspicious-learning-rate' || finding.field === 'learningRate';

  // A fix that changes nothing is noise in the lightbulb menu (and a lie when marked preferred).
  const offer = (title: string, edits: readonly TextEdit[] | undefined): void => {
    if (edits && edits.length > 0 && applyEdits(text, edits) !== text) fixes.push({ title, code: finding.code, isPreferred: false, edits });
  };
  const lrFix = (): void => {
    if (learningRate === undefined) return;
    const edits = setLearningRateEdits(text, learningRate, finding.field === 'learningRate' ? finding.range : undefined);
    offer(`${learningRateVerb(text, learningRate, edits)} learning_rate to ${formatForTitle(learningRate)}`, edits);
  };
  const strategyFix = (): void => {
    if (!strategy) return;
    if (strategy === 'scratch') {
      const scratch = trainFromScratchEdits(text, finding.field === 'checkpoint' ? finding.range : undefined);
      if (scratch) offer(scratchTitle(scratch.key, text), scratch.edits);
      return;
    }
    const trainableLayers = trainableLayersFrom(finding.data);
    const edits = switchStrategyEdits(text, { strategy, trainableLayers });
    if (!edits) return;
    const title = strategy === 'partial-freeze'
      ? `Freeze the lower blocks, train the top ${trainableLayers} (finetuning_type: freeze)`
      : STRATEGY_TITLES[strategy];
    offer(title, edits);
  };
  const maxLength = maxLengthFix(finding, text);
  if (maxLength) fixes.push(maxLength);
  const excessLength = excessLengthFix(finding, text);
  if (excessLength) fixes.push(excessLength);
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

/** "Lower" or "Raise": the suggested rate can be either (LoRA and probes under-train at tiny rates). */
function learningRateVerb(text: string, value: number, edits: readonly TextEdit[] | undefined): string {
  const edit = edits?.[0];
  if (!edit || edit.range.start.line !== edit.range.end.line) return 'Set';
  const line = text.split('\n')[edit.range.start.line] ?? '';
  const current = Number(line.slice(edit.range.start.character, edit.range.end.character).replace(/["']/g, ''));
  if (!Number.isFinite(current) || edit.range.start.character === edit.range.end.character) return 'Set';
  return value < current ? 'Lower' : value > current ? 'Raise' : 'Set';
}

function formatForTitle(value: number): string {
  return value >= 1e-3 ? String(Number(value.toPrecision(3))) : Number(value.toPrecision(2)).toExponential();
}

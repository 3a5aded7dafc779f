/**
 * The text branch of the analysis pipeline (issue #15): when a config's data is text (text-column
 * keys, a Hugging Face text checkpoint, an instruction/chat format), this runs instead of the table
 * path of src/node/pipeline.ts, as src/node/imageDataset.ts does for image folders.
 *
 * Steps: read a seeded sample of the texts (src/node/readers/textDataset.ts: the columns the
 * user's training script would read) → tokenizer checks from the tokenizer alone (lengths against
 * the configured maximum, unknown / byte-fallback tokens, chat template) → for generative configs
 * (instruction / chat data, no label) stop there and say why there is no verdict → otherwise the
 * checkpoint's features (loadHfCheckpoint, pooled as the family's head reads them, truncated at the
 * configured maximum, through the feature cache) → the core verdict against the better of two
 * scratch arms → findings. A config that lists several datasets gets
 * each one tokenizer-checked on its list entry, and a supervised verdict on the rows training
 * mixes (concatenated or interleaved, labels mapped across the files: src/node/textMix.ts).
 *
 * Arms, plainly: the transfer arm is the linear probe on the checkpoint's features; partial freeze
 * adds per-layer features (a probe on a lower block); full fine-tuning of a transformer is not
 * simulated (TransferLens runs checkpoints for inference only), so the probe stands in, as the
 * image path does. Two scratch arms, both in the curves, the verdict against the one with the lower
 * risk at n: the tuned TF-IDF linear model (src/core/analysis/tfidf.ts), and the checkpoint's own
 * architecture trained from random initialisation on its tokenizer's ids — its own config.json
 * size when a fit is affordable, otherwise a small model of the same family, stated in the notes
 * (src/node/scratchTransformer.ts; not on the pure-JavaScript cpu backend, where the note says so).
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { AnalysisReport } from '../core/model/analysis';
import type { NormalizedConfig, SourceValue, Strategy } from '../core/model/config';
import type { Finding } from '../core/model/finding';
import { CancelledError, throwIfAborted, type RunControl } from '../core/model/progress';
import { FILE_START } from '../core/model/range';
import { analyzeTransfer, MIN_ROWS, type LayerFeatures } from '../core/analysis/analyze';
import { verdictFindings } from '../core/analysis/findings';
import { configForDataset, plannedTrainSize } from '../core/config/datasetList';
import { isGenerativeConfig } from '../core/config/generative';
import { makeTarget, oneHot } from '../core/analysis/learners';
import { hashedDense, tfidfLearner, tfidfMatrix, unigramJensenShannon } from '../core/analysis/tfidf';
import { remapTokens, textScratchTransformer, type SampleTokens } from './scratchTransformer';
import { FINE_TUNE_SETTING_KEYS, MAX_FINE_TUNE_FLOPS, textFullFineTune, type FineTuneSettings } from './textFineTune';
import type { Matrix } from '../core/linalg/matrix';
import { CheckpointError, DatasetError } from '../core/formats/errors';
import { estimateHfCost, formatDuration, formatParameters } from './hf/guard';
import { TEXT_ROW_PROBLEM_KINDS, type TextColumnSpec, type TextSample } from '../core/formats/textTable';
import { computeScores, SCORE_KEYS } from '../core/metrics/registry';
import { adaptiveGram } from '../core/linalg/tensorGram';
import { gram as exactGram } from '../core/linalg/products';
import { FeatureCache, featureCacheKey, fingerprintFiles } from './cache/featureCache';
import { FitCache } from './cache/fitCache';
import { cachedScores, textsIdentity, textTfidf } from './textCache';
import { checkpointMemoKey, lazyCheckpoint, readCheckpointMemo, writeCheckpointMemo } from './checkpointMemo';
import { readTextDataset } from './readers/textDataset';
import { mixTextSamples, type MixedTextSample, type TextPart } from './textMix';
import { runTokenizerChecks, type TokenizerCheckResult } from './hf/tokenizerChecks';
import { hfModelUsed, loadHfCheckpoint, type HfCheckpoint } from './hf/checkpoint';
import { findTokenizer } from './hf/tokenizer';
import type { DatasetInfoEntry } from './resolve/inspect';

const fastGram = adaptiveGram(exactGram);

/** Texts analysed by default (a forward pass of a BERT-base costs ~0.1–0.4 s per text on WASM). */
export const DEFAULT_MAX_TEXTS = 2000;
/** Columns of the hashed TF-IDF view used by the ridge baselines, LogME of the inputs and the myth check. */
export const HASHED_DIMS = 256;

export interface TextBranchContext {
  readonly file: string;
  readonly config: NormalizedConfig;
  readonly findings: readonly Finding[];
  readonly datasetPath: string;
  /** LLaMA-Factory dataset_info.json entry of the dataset, when it came from one. */
  readonly datasetInfo?: DatasetInfoEntry;
  /** The first dataset's list entry when the config lists several (findings about it land there). */
  readonly datasetEntry?: { readonly reference: SourceValue<string>; readonly index: number };
  /** Further listed datasets (LLaMA-Factory `dataset: a,b`, Axolotl `datasets[]`): tokenizer-checked each; the verdict mixes them as training does (src/node/textMix.ts). */
  readonly otherDatasets?: readonly { readonly path: string; readonly datasetInfo?: DatasetInfoEntry; readonly reference: SourceValue<string>; readonly index: number }[];
  readonly checkpointPath: string;
  /** Path of `source_train_file` (a sample of the pretraining text), for the myth check. */
  readonly sourcePath?: string;
  readonly backend: string;
  /** Engine preference for the checkpoint (setting transferlens.engine, CLI --engine; issue #16). */
  readonly engine?: 'auto' | 'onnx' | 'tfjs';
  readonly seed: number;
  readonly maxSamples?: number;
  readonly cacheDir?: string;
  readonly maxBytes?: number;
  readonly timeBudgetMs?: number;
  /**
   * Set when the caller stops the analysis at its budget (the editor): feature extraction whose
   * estimate outlasts FEATURE_BUDGET_SHARE of it is not started (a finding says what would fit).
   */
  readonly featureBudgetMs?: number;
  readonly startedAt: number;
  readonly timings: Readonly<Record<string, number>>;
  /** Tests: load the checkpoint another way (e.g. injected dependencies). */
  readonly loadCheckpoint?: (folder: string, signal?: AbortSignal) => Promise<HfCheckpoint>;
}

function findingAt(context: TextBranchContext, code: string, severity: Finding['severity'], message: string, at: SourceValue<unknown> | undefined, field?: string, data?: Finding['data']): Finding {
  return { code, severity, message, file: at?.file ?? context.config.file ?? context.file, range: at?.keyRange ?? FILE_START, field, ...(data ? { data } : {}) };
}

function extraString(config: NormalizedConfig, name: string): string | undefined {
  const v = config.extras?.[name]?.value;
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/** True when the config's training is generative (src/core/config/generative.ts). */
export { isGenerativeConfig };

/**
 * Runs of 5-fold CV behind the text verdict (repeated k-fold with the Bouckaert–Frank corrected
 * interval), at every n: on the text ground truth (docs/text-groundtruth.md) the single-run
 * interval left most decisive cases uncommitted; 3 runs narrow it by ≈ 16% and average out the
 * fold assignment. The cost is 3× the cross-validation phase, bounded per fit by the scratch
 * transformer's and the fine-tune's FLOP budgets (the editor's budget already plans 15 fits).
 */
export const TEXT_CV_REPEATS = 3;

/** True when the config names text columns or a GLUE task (the table path cannot read it). */
export function hasTextKeys(config: NormalizedConfig): boolean {
  return Boolean(config.extras?.textColumns || config.extras?.taskName || config.extras?.pairColumn);
}

/** What the config says about the columns, as the text reader takes it. */
export function textColumnSpec(config: NormalizedConfig, datasetInfo?: DatasetInfoEntry): TextColumnSpec {
  const generative = isGenerativeConfig(config);
  const textColumns = extraString(config, 'textColumns')?.split(',').map((c) => c.trim()).filter(Boolean);
  const axolotlType = extraString(config, 'datasetType');
  let formatting: TextColumnSpec['formatting'];
  if (datasetInfo) formatting = datasetInfo.formatting;
  else if (axolotlType && /^alpaca/.test(axolotlType)) formatting = 'alpaca';
  else if (axolotlType && /sharegpt/.test(axolotlType)) formatting = 'sharegpt';
  else if (axolotlType && /chat_template|chat_dataset/.test(axolotlType)) formatting = 'messages';
  const messagesField = extraString(config, 'messagesField');
  const columnMap: Record<string, string> = { ...(datasetInfo?.columns ?? {}), ...(messagesField ? { messages: messagesField } : {}) };
  const delimiter = config.extras?.textDelimiter?.value;
  // Axolotl message_property_mappings / message_field_*: the message fields, as dataset_info tags name them.
  const roleField = extraString(config, 'messageRoleField');
  const contentField = extraString(config, 'messageContentField');
  const tags = { ...(datasetInfo?.tags ?? {}), ...(roleField ? { role_tag: roleField } : {}), ...(contentField ? { content_tag: contentField } : {}) };
  const roleNames = axolotlRoleNames(config.extras?.messageRoles?.value);
  // Axolotl's chat_template reads only the mapped message fields (default role / content) and a
  // record's `system` field (field_system) as the system turn when the first message is not one.
  const axolotlChat = config.profile === 'axolotl' && formatting === 'messages';
  const messageFields = axolotlChat
    ? { role: roleField ?? 'role', content: contentField ?? 'content', setting: roleField || contentField ? 'Axolotl reads only the fields message_property_mappings names' : "Axolotl's chat_template reads each message's 'role' and 'content' unless message_property_mappings names others" }
    : undefined;
  if (axolotlChat && !columnMap.system) columnMap.system = extraString(config, 'systemField') ?? 'system';
  const reasoningField = axolotlChat ? extraString(config, 'thinkingField') : undefined;
  return {
    ...(textColumns && textColumns.length > 0 && !formatting ? { textColumns } : {}),
    ...(typeof delimiter === 'string' ? { delimiter } : {}),
    ...(extraString(config, 'pairColumn') ? { pairColumn: extraString(config, 'pairColumn') } : {}),
    ...(generative ? {} : { labelColumn: config.labelColumn?.value ?? 'label', ...(config.labelColumn ? {} : { labelDefaulted: true }) }),
    ...(extraString(config, 'taskName') ? { glueTask: extraString(config, 'taskName') } : {}),
    ...(formatting ? { formatting } : {}),
    ...(Object.keys(columnMap).length > 0 ? { columnMap } : {}),
    ...(Object.keys(tags).length > 0 ? { tags } : {}),
    ...(roleNames ? { roleNames } : {}),
    ...(messageFields ? { messageFields } : {}),
    ...(reasoningField ? { reasoningField } : {}),
    ...(generative ? { generative: true } : {}),
  };
}

/**
 * Axolotl `roles` ({user: [human, prompter], assistant: [gpt, bot], …}: the role each listed
 * dataset name stands for) as dataset name → role; undefined when it is not such a mapping.
 */
function axolotlRoleNames(value: unknown): Record<string, string> | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [role, names] of Object.entries(value as Record<string, unknown>)) {
    for (const name of Array.isArray(names) ? names : [names]) if (typeof name === 'string' && name !== '') out[name] = role;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function taskOf(config: NormalizedConfig): 'classification' | 'regression' | undefined {
  if (config.extras?.doRegression?.value === true) return 'regression';
  const glue = extraString(config, 'taskName')?.toLowerCase();
  if (glue === 'stsb') return 'regression';
  return config.task?.value === 'regression' ? 'regression' : config.task?.value === 'classification' ? 'classification' : undefined;
}

/** Row problems (empty texts, numbers in a text column, over-long cells) → warnings naming file and row. */
function rowProblemFindings(context: TextBranchContext, sample: TextSample): Finding[] {
  const out: Finding[] = [];
  for (const kind of TEXT_ROW_PROBLEM_KINDS) {
    const n = sample.problemCounts[kind];
    if (n === 0) continue;
    const listed = sample.problems.filter((p) => p.kind === kind);
    const more = n > listed.length ? `\n…and ${n - listed.length} more sampled rows like these.` : '';
    const what = { empty: 'empty texts', 'not-text': 'values that are not text', 'too-long': 'over-long cells', 'bad-chat': 'rows that are not conversations', 'unread-fields': 'messages in fields the trainer does not read' }[kind];
    // Rows the trainer cannot read at all (Axolotl stops on unmapped message fields) are errors.
    out.push(findingAt(context, 'dataset-invalid', kind === 'unread-fields' ? 'error' : 'warning', `${n} of the ${sample.rowsUsed.toLocaleString('en-US')} sampled rows of ${context.datasetPath} have ${what}.\n${listed.map((p) => p.message).join('\n')}${more}`, context.config.dataset, 'dataset', { rows: listed.map((p) => p.row), kind }));
  }
  return out;
}

function sampleHash(sample: TextSample): string {
  return textsIdentity(sample);
}

/** Runs the text analysis (see the module comment). */
/** Share of the editor's time budget that feature extraction may take (the arms need the rest). */
export const FEATURE_BUDGET_SHARE = 0.6;

/**
 * With a hard time limit (the editor), extraction estimated (src/node/hf/guard.ts: 2 · parameters
 * FLOPs per token at the engine's throughput) to outlast FEATURE_BUDGET_SHARE of the budget is not
 * started: a CheckpointError with the estimate and what fits, instead of a run the host stops.
 */
async function refuseOverBudget(folder: string, engine: 'tfjs' | 'onnx', samples: number, tokensPerSample: number, budgetMs: number): Promise<void> {
  const estimate = await estimateHfCost(folder, { samples, sequenceLength: tokensPerSample, engine });
  const allowed = (budgetMs / 1000) * FEATURE_BUDGET_SHARE;
  if (!estimate || estimate.totalSeconds <= allowed) return;
  const fits = Math.floor(allowed / Math.max(estimate.secondsPerSample, 1e-9));
  const engineName = engine === 'onnx' ? 'onnxruntime-node' : 'TF.js (WebAssembly)';
  throw Object.assign(new CheckpointError('checkpoint-unsupported',
    `Extracting features of ${samples.toLocaleString('en-US')} texts with this ${formatParameters(estimate.parameters)}-parameter checkpoint would take ~${formatDuration(estimate.totalSeconds)} on ${engineName} (~${estimate.secondsPerSample < 0.1 ? `${(estimate.secondsPerSample * 1000).toFixed(1)} ms` : `${estimate.secondsPerSample.toFixed(estimate.secondsPerSample < 1 ? 2 : 1)} s`} per text at ~${tokensPerSample} tokens), longer than the editor's ${formatDuration(budgetMs / 1000)} analysis budget allows, so the verdict was not computed here. The tokenizer checks do not need the model.\n` +
    `Raise transferlens.timeBudgetSeconds (up to 3,600; features are cached, so only the first run is slow)${fits >= 50 ? `, lower transferlens.maxSamples to ${fits.toLocaleString('en-US')} (what fits now)` : ''}${engine === 'tfjs' ? ', add an ONNX export (optimum-cli export onnx; onnxruntime-node runs BERT-likes several times faster)' : ''}, or run \`transferlens analyze\` in a terminal, which has no such limit.`), { severity: 'warning' as const });
}

export async function analyzeTextDataset(context: TextBranchContext, control: RunControl = {}): Promise<AnalysisReport> {
  const { file, config, seed } = context;
  const findings: Finding[] = [...context.findings];
  const timings: Record<string, number> = { ...context.timings };
  const notes: string[] = [];
  const progress = (step: string, message: string, fraction?: number) => control.onProgress?.({ step, message, fraction });
  const datasetAt = config.dataset;
  const checkpointAt = config.checkpoint;
  const generative = isGenerativeConfig(config);
  const spec = textColumnSpec(config, context.datasetInfo);
  const listed = (context.otherDatasets?.length ?? 0) > 0;

  // 1. The sample.
  let t = performance.now();
  progress('dataset', `reading ${context.datasetPath}`, 0.05);
  let sample: TextSample;
  try {
    sample = await readTextDataset(context.datasetPath, { spec, task: taskOf(config), maxRows: context.maxSamples ?? DEFAULT_MAX_TEXTS, seed, maxBytes: context.maxBytes, signal: control.signal, allowSingleClass: listed });
  } catch (e) {
    if (e instanceof DatasetError && listed && !generative && context.datasetEntry) {
      // One unreadable file of a list (e.g. no label column): a finding on its entry; the others are still mixed.
      const [next, ...rest] = context.otherDatasets!;
      findings.push({ ...findingAt(context, e.code, 'error', `${e.message.replace(/\.$/, '')}. The analysis leaves this dataset out and mixes the other listed ones.`, context.datasetEntry.reference, 'dataset'), range: context.datasetEntry.reference.range, data: { datasetIndex: context.datasetEntry.index } });
      return analyzeTextDataset({ ...context, config: configForDataset(config, next!.reference), findings, datasetPath: next!.path, datasetInfo: next!.datasetInfo, datasetEntry: { reference: next!.reference, index: next!.index }, otherDatasets: rest }, control);
    }
    if (e instanceof DatasetError) {
      findings.push(findingAt(context, e.code, 'error', e.message, e.code === 'label-column-missing' ? (config.labelColumn ?? datasetAt) : datasetAt, 'dataset'));
      return { file, findings };
    }
    throw e;
  }
  timings.dataset = performance.now() - t;
  findings.push(...rowProblemFindings(context, sample));
  throwIfAborted(control.signal);

  // 2. Tokenizer checks (tokenizer only).
  t = performance.now();
  progress('tokenize', `tokenizing ${sample.rowsUsed} texts`, 0.1);
  let checks: TokenizerCheckResult | undefined;
  // The fit cache (next to the feature cache) also keeps the token counts, PCA, TF-IDF and scores.
  const fits = context.cacheDir ? FitCache.under(context.cacheDir) : undefined;
  try {
    checks = await runTokenizerChecks(context.checkpointPath, config, sample, { datasetName: context.datasetPath, ...(fits ? { cache: fits } : {}) });
    findings.push(...checks.findings);
  } catch (e) {
    if (!(e instanceof CheckpointError)) throw e;
    findings.push(findingAt(context, e.code, e.code === 'checkpoint-unsupported' ? 'warning' : 'error', `Tokenizer checks skipped: ${e.message}`, checkpointAt, 'checkpoint'));
  }
  // Every further listed dataset gets the same checks, on its own name in the list.
  // Their samples also join the verdict's mix below (supervised configs).
  const otherParts: TextPart[] = [];
  for (const other of context.otherDatasets ?? []) {
    try {
      // The item's own keys (Axolotl datasets[i].type / field_messages / chat_template) apply to it.
      const otherConfig = configForDataset(config, other.reference);
      const ownTemplate = ['chatTemplate', 'chatTemplateJinja'].some((k) => otherConfig.extras?.[k]?.keyPath !== config.extras?.[k]?.keyPath);
      const otherSample = await readTextDataset(other.path, { spec: textColumnSpec(otherConfig, other.datasetInfo), task: taskOf(config), maxRows: context.maxSamples ?? DEFAULT_MAX_TEXTS, seed, maxBytes: context.maxBytes, signal: control.signal, allowSingleClass: true });
      otherParts.push({ path: other.path, reference: other.reference, index: other.index, sample: otherSample });
      findings.push(...rowProblemFindings({ ...context, datasetPath: other.path }, otherSample).map((f) => ({ ...f, range: other.reference.range ?? f.range, data: { ...f.data, datasetIndex: other.index } })));
      if (!checks) continue;
      const more = await runTokenizerChecks(context.checkpointPath, otherConfig, otherSample, { datasetName: other.path, tokenizer: checks.tokenizer, datasetAt: other.reference });
      // Findings about the model or a template the first dataset shares were said once already.
      findings.push(...more.findings.map((f) => (f.field === 'dataset' ? { ...f, data: { ...f.data, datasetIndex: other.index } } : f)).filter((f) => (f.code !== 'tokenizer-fragmentation' && f.code !== 'chat-template-missing' || f.field === 'dataset') && !(f.code === 'chat-template-invalid' && f.data?.kind === 'template' && !ownTemplate)));
    } catch (e) {
      if (!(e instanceof DatasetError)) throw e;
      findings.push({ ...findingAt(context, e.code, 'error', generative ? e.message : `${e.message.replace(/\.$/, '')}. The analysis leaves this dataset out of the mix.`, other.reference, 'dataset'), range: other.reference.range, data: { datasetIndex: other.index } });
    }
  }
  timings.tokenize = performance.now() - t;
  throwIfAborted(control.signal);

  // 3. Generative configs: no verdict.
  if (generative || !sample.labels) {
    findings.push(findingAt(context, 'generative-no-verdict', 'info',
      `No transfer-versus-scratch verdict: this is generative fine-tuning (${sample.columns.reason}, no label column).` +
      `\nThe verdict compares a supervised head on the checkpoint's features with a model trained from scratch on the same labels; instruction and chat tuning has no such head and no fixed label, and nobody trains a language model from scratch on a fine-tuning set, so a verdict here would mean nothing. The tokenizer checks above apply.`,
      checkpointAt ?? datasetAt, 'checkpoint', { sampled: sample.rowsUsed, format: sample.columns.kind }));
    progress('done', 'tokenizer checks done (generative config: no verdict)', 1);
    return { file, findings, finishedAt: new Date().toISOString() };
  }
  // Weights never downloaded (the static tier's checkpoint-missing error says what to run): the
  // tokenizer checks above needed the tokenizer only; the verdict needs the weights.
  if (findings.some((f) => f.code === 'checkpoint-missing' && f.severity === 'error' && f.data?.tokenizerOnly === true)) {
    progress('done', 'tokenizer checks done (weights not downloaded: no verdict)', 1);
    return { file, findings, finishedAt: new Date().toISOString() };
  }
  // Several listed datasets: the rows training mixes, labels mapped across the files (src/node/textMix.ts).
  let mixed: MixedTextSample | undefined;
  if (listed) {
    const first: TextPart = { path: context.datasetPath, reference: context.datasetEntry?.reference ?? datasetAt!, index: context.datasetEntry?.index ?? 0, sample };
    mixed = mixTextSamples(config, [first, ...otherParts], { maxRows: context.maxSamples ?? DEFAULT_MAX_TEXTS, seed }, findings);
    if (!mixed) return { file, findings };
    sample = mixed.sample;
    notes.push(...mixed.notes);
  }
  const labels = sample.labels!;
  if (sample.rowsUsed < MIN_ROWS) {
    findings.push(findingAt(context, 'dataset-too-small', 'warning', `${sample.rowsUsed} usable rows in ${context.datasetPath}: at least ${MIN_ROWS} are needed for a cross-validated verdict.\nLabel more samples.`, config.trainSize ?? datasetAt, 'dataset'));
    return { file, findings };
  }
  const target = labels.kind === 'classes'
    ? makeTarget('classification', oneHot(labels.values, labels.classNames.length), labels.values, labels.classNames.length)
    : makeTarget('regression', labels.values);

  // 4. The checkpoint's features.
  t = performance.now();
  progress('checkpoint', `loading ${context.checkpointPath}`, 0.15);
  let checkpoint: HfCheckpoint;
  // With a cache folder: the fit cache (arms, TF-IDF view, scores) and a memo of the checkpoint, so a
  // re-analysis whose features are cached does not load the weights (src/node/checkpointMemo.ts).
  const memoKey = fits && !context.loadCheckpoint ? await checkpointMemoKey(context.checkpointPath, { engine: context.engine, layer: config.featureLayer?.value }) : undefined;
  const memo = fits && memoKey ? await readCheckpointMemo(fits, memoKey) : undefined;
  try {
    const load = () => (context.loadCheckpoint ? context.loadCheckpoint(context.checkpointPath, control.signal) : loadHfCheckpoint(context.checkpointPath, { signal: control.signal, ...(context.engine ? { engine: context.engine } : {}), deps: { loadTokenizer: findTokenizer } }));
    // The tokenizer the checks loaded is the one loadHfCheckpoint would load from the same folder.
    const tokenizerOf = async () => (checks && memo?.info.folder === context.checkpointPath ? checks.tokenizer : undefined) ?? (await findTokenizer(memo!.info.folder)) ?? (await findTokenizer(context.checkpointPath));
    checkpoint = memo ? lazyCheckpoint(memo, config.featureLayer?.value, load, await tokenizerOf()) : await load();
  } catch (e) {
    if (e instanceof CheckpointError) {
      findings.push(findingAt(context, e.code, e.code === 'checkpoint-unsupported' ? 'warning' : 'error', e.message, checkpointAt, 'checkpoint'));
      return { file, findings };
    }
    throw e;
  }
  // The static tier flags Hugging Face folders it cannot judge; the checkpoint loaded, so that warning is moot.
  for (let i = findings.length - 1; i >= 0; i--) if (findings[i]!.code === 'checkpoint-unsupported' && findings[i]!.field === 'checkpoint') findings.splice(i, 1);
  try {
    timings.checkpoint = performance.now() - t;
    if (checkpoint.info.modality !== 'text') {
      findings.push(findingAt(context, 'shape-mismatch', 'error', `${context.datasetPath} holds text, but ${context.checkpointPath} is a ${checkpoint.info.modality} model (${checkpoint.info.modelType}).\nPoint the checkpoint key at a text model.`, checkpointAt, 'checkpoint'));
      return { file, findings };
    }
    const strategy: Strategy = config.strategy?.value ?? 'full';
    const maxLength = checks?.maxLength?.value ?? checkpoint.info.tokenizer?.maxLength;
    const layerSetting = config.featureLayer?.value;
    const resolved = checkpoint.resolve({ layer: layerSetting });
    if (fits && memoKey && !memo) await writeCheckpointMemo(fits, memoKey, { info: checkpoint.info, resolved });
    const cache = context.cacheDir ? new FeatureCache(context.cacheDir) : undefined;
    let checkpointHash: string | undefined;
    const keyFor = async (layer: number): Promise<string | undefined> => {
      if (!cache) return undefined;
      // Sizes, mtimes and the safetensors headers: hashing gigabytes of weights on every run is not needed.
      checkpointHash ??= await fingerprintFiles(checkpoint.info.files);
      const info = await stat(context.datasetPath).catch(() => undefined);
      return featureCacheKey({
        checkpointHash,
        files: [{ relativePath: context.datasetPath, size: info?.size ?? 0, mtimeMs: info?.mtimeMs ?? 0 }],
        preprocessing: { pooling: resolved.pooling, maxLength, engine: checkpoint.info.engine, columns: sample.columns, rows: sample.rows.length },
        layer: String(layer),
        extra: { texts: sampleHash(sample), version: 'text-features-v1' },
      });
    };
    const extract = async (layer: number, share: [number, number]): Promise<{ features: Matrix; cached: boolean; perSecond: number }> => {
      const key = await keyFor(layer);
      if (cache && key) {
        const hit = await cache.get(key);
        if (hit && hit.features.rows === sample.texts.length) return { features: hit.features, cached: true, perSecond: Number(hit.meta?.perSecond ?? 0) };
      }
      if (context.featureBudgetMs !== undefined) await refuseOverBudget(checkpoint.info.folder, checkpoint.info.engine ?? 'tfjs', sample.texts.length, Math.min(maxLength ?? 512, Math.max(8, Math.round(checks?.stats.percentiles.mean ?? 128))), context.featureBudgetMs);
      const t0 = performance.now();
      const features = await checkpoint.extract(sample.pairs ? { texts: sample.texts, pairs: sample.pairs } : { texts: sample.texts }, {
        layer,
        maxLength,
        signal: control.signal,
        onProgress: (event) => control.onProgress?.({ ...event, step: 'features', fraction: event.fraction !== undefined ? share[0] + (share[1] - share[0]) * event.fraction : undefined }),
      });
      const perSecond = sample.texts.length / Math.max(1e-3, (performance.now() - t0) / 1000);
      if (cache && key) await cache.set(key, { features, meta: { perSecond } });
      return { features, cached: false, perSecond };
    };
    t = performance.now();
    progress('features', `extracting features of ${sample.rowsUsed} texts`, 0.2);
    let top;
    try {
      top = await extract(resolved.layer, [0.2, 0.5]);
    } catch (e) {
      if (e instanceof CheckpointError) {
        findings.push(findingAt(context, e.code, (e as { severity?: 'warning' }).severity ?? 'error', e.message, config.featureLayer ?? checkpointAt, config.featureLayer ? 'featureLayer' : 'checkpoint'));
        return { file, findings };
      }
      throw e;
    }
    const features = top.features;
    timings.features = performance.now() - t;
    throwIfAborted(control.signal);

    // Per-layer features for partial freeze (one more pass per block; only when the config freezes).
    let layerFeatures: LayerFeatures[] | undefined;
    if (strategy === 'partial-freeze' && checkpoint.info.numLayers >= 2) {
      t = performance.now();
      const depths = [...new Set([Math.max(1, Math.round(checkpoint.info.numLayers / 2)), checkpoint.info.numLayers - 1])].filter((d) => d !== resolved.layer && d >= 1);
      layerFeatures = [];
      for (const depth of depths) {
        const lf = await extract(depth, [0.5, 0.6]);
        layerFeatures.push({ layer: `hidden_states[${depth}]`, depth, features: lf.features });
      }
      layerFeatures.push({ layer: `hidden_states[${resolved.layer}]`, depth: resolved.layer, features });
      timings.layerFeatures = performance.now() - t;
    }

    // 5. The scratch arm: TF-IDF (word 1–2-grams + char 2–4-grams), ridge tuned by CV.
    // With a cache folder, the hashed view and the term count come from the fit cache and the sparse
    // matrix is built only when a TF-IDF fit is not cached (src/node/textCache.ts, issue #15).
    t = performance.now();
    const tfidf = await textTfidf(sample, HASHED_DIMS, fits);
    const x = { cols: tfidf.cols };
    const scratchLearner = tfidfLearner(tfidf.matrix, target, { seed, identity: tfidf.identity });
    const inputs = tfidf.inputs;
    timings.tfidf = performance.now() - t;

    // The second scratch arm: the checkpoint's own architecture (or a small model of its family)
    // from random initialisation on the checkpoint's token ids (src/node/scratchTransformer.ts).
    // Both transformer arms read the sample's token ids: tokenized and remapped once, when first asked.
    let sampleTokens: SampleTokens | undefined;
    const armInput = {
      backend: context.backend,
      modelType: checkpoint.info.modelType,
      folder: checkpoint.info.folder,
      tokens: () => (sampleTokens ??= remapTokens(checkpoint.tokenize(sample.texts, sample.pairs, maxLength), maxLength)),
      target,
      trainRows: Math.min(plannedTrainSize(config, [sample.rowsTotal]).n, sample.rowsUsed),
      seed,
    };
    const transformerArm = await textScratchTransformer({ ...armInput, vocabSize: checkpoint.info.tokenizer?.vocabSize });
    // With `full`, the transfer arm is the checkpoint fine-tuned end to end with the config's
    // recipe (src/node/textFineTune.ts), where its family maps onto that encoder and a fit is affordable.
    // With `freeze`, the same with the lower blocks frozen (partialFreezeBlocks: how many train).
    const trainableTop = partialFreezeBlocks(strategy, config, notes);
    const fullArm = strategy === 'full' || trainableTop !== undefined ? await textFullFineTune({
      ...armInput,
      pooling: resolved.pooling,
      // The config's recipe fields carry the names FineTuneSettings uses.
      settings: Object.fromEntries(FINE_TUNE_SETTING_KEYS.flatMap((key) => (config[key] ? [[key, config[key].value]] : []))) as FineTuneSettings,
      identity: (checkpointHash ??= await fingerprintFiles(checkpoint.info.files)),
      ...(trainableTop !== undefined ? { trainableTop } : {}),
      // In the editor the analysis stops at its time budget: the fits the verdict needs (up to 15
      // with repeated CV) at a pessimistic 1 GFLOP/s must fit in the features' share of it.
      ...(context.featureBudgetMs !== undefined ? {
        budget: Math.min(MAX_FINE_TUNE_FLOPS, ((context.featureBudgetMs / 1000) * FEATURE_BUDGET_SHARE * 1e9) / 15),
        budgetWhy: `what the editor's ${formatDuration(context.featureBudgetMs / 1000)} analysis budget allows; raise transferlens.timeBudgetSeconds or run \`transferlens analyze\` in a terminal, where the budget is ${MAX_FINE_TUNE_FLOPS / 1e9} GFLOP`,
      } : {}),
    }) : undefined;

    // Myth check: a sample of the pretraining text (source_train_file), vectorised with the target.
    let sourceInputs: { file: string; inputs: Matrix } | undefined;
    let vocabularyJs: number | undefined;
    if (context.sourcePath) {
      try {
        const source = await readTextDataset(context.sourcePath, { spec: { generative: true }, maxRows: Math.min(1000, context.maxSamples ?? DEFAULT_MAX_TEXTS), seed, maxBytes: context.maxBytes, signal: control.signal });
        const joint = hashedDense(tfidfMatrix([...sample.texts, ...source.texts]), HASHED_DIMS);
        sourceInputs = { file: context.sourcePath, inputs: { rows: source.texts.length, cols: HASHED_DIMS, data: joint.data.slice(sample.texts.length * HASHED_DIMS) } };
        vocabularyJs = unigramJensenShannon(source.texts, sample.texts);
        notes.push(`Myth check (text): the Jensen–Shannon divergence between the word-unigram distributions of ${context.sourcePath} and the training texts is ${vocabularyJs.toFixed(3)} (0 = same vocabulary use, 1 = disjoint); the input-space distances are computed on ${HASHED_DIMS} hashed TF-IDF columns. Vocabulary distance is shown because people reach for it; the verdict and the feature overlap above are what predict the gain.`);
      } catch (e) {
        if (e instanceof CancelledError) throw e;
        if (!(e instanceof DatasetError)) throw e;
        findings.push(findingAt(context, 'dataset-invalid', 'warning', `The source sample cannot be used for the myth check: ${e.message}`, config.sourceTrainFile, 'dataset'));
      }
    }

    // Classic scores on the features, and LogME of the features against LogME of the hashed TF-IDF.
    t = performance.now();
    progress('scores', 'classic transferability scores', 0.6);
    const scoreInput = labels.kind === 'classes' ? { labels: labels.values, task: 'classification' as const } : { targets: labels.values, task: 'regression' as const };
    let scores: Record<string, number> | undefined;
    let logmeVsRaw: number | undefined;
    let scoresCached = false;
    try {
      // The cross-validated probe score repeats what the verdict's CV measures: skipped, as for images.
      const scoreKeys = SCORE_KEYS.filter((key) => key !== 'probeAccuracy');
      const scored = await cachedScores(fits, { features, inputs, labels: labels.kind === 'classes' ? labels.values : labels.values.data, task: scoreInput.task, keys: scoreKeys }, () => {
        const all = computeScores({ features, ...scoreInput }, { now: () => performance.now(), gram: fastGram, scores: scoreKeys }).scores;
        const raw = computeScores({ features: inputs, ...scoreInput }, { scores: ['logme'], gram: fastGram }).scores.logme;
        return { scores: all, ...(all.logme !== undefined && raw !== undefined ? { logmeVsRaw: all.logme - raw } : {}) };
      });
      scores = scored.scores;
      logmeVsRaw = scored.logmeVsRaw;
      scoresCached = scored.cached;
    } catch (e) {
      if (e instanceof CancelledError) throw e;
      findings.push(findingAt(context, 'partial-analysis', 'info', `Classic scores were skipped: ${(e as Error).message}`, checkpointAt, 'checkpoint'));
    }
    timings.scores = performance.now() - t;

    const info = checkpoint.info;
    notes.push(`Scratch arm: a TF-IDF linear model (word 1–2-grams + character 2–4-grams, ${x.cols.toLocaleString('en-US')} terms; ridge one-vs-rest, λ tuned by 3-fold CV inside every training set) — what a practitioner trains instead of fine-tuning.`);
    notes.push(transformerArm.note);
    if (fullArm) notes.push(fullArm.note);
    if (strategy === 'lora' || strategy === 'qlora') notes.push(`Fine-tuning the ${info.parameters.toLocaleString('en-US')}-parameter ${info.modelType} is not simulated (inference-only engine); the frozen linear probe on its features stands in for the transfer arm (a lower bound on what fine-tuning reaches).`);
    if (strategy === 'partial-freeze' && !fullArm?.learner) notes.push(`Partial freeze: probes on lower blocks' features (hidden states ${layerFeatures?.map((l) => l.depth).join(', ')}) stand in for fine-tuning above them.`);
    notes.push(top.cached ? `Features of ${sample.rowsUsed} texts came from the feature cache (${context.cacheDir}).` : `Features of ${sample.rowsUsed} texts extracted at ${top.perSecond.toFixed(1)} texts/s (${info.engine}, ${context.backend}).`);
    // Which engine ran and, when it is not the preferred one, why (src/node/hf/engine.ts chooseEngine).
    if (info.engineNote) notes.push(`${info.engineNote.charAt(0).toUpperCase()}${info.engineNote.slice(1)}.`);
    notes.push(`The closed-form ridge baselines and LogME of the inputs use ${HASHED_DIMS} signed-hashed TF-IDF columns.`);
    if (!context.sourcePath) notes.push('Myth check: set source_train_file to a sample of the checkpoint\'s pretraining text to see vocabulary (unigram Jensen–Shannon) and input-space distances next to the overlap.');

    const preprocessing: Record<string, unknown> = {
      text: {
        columns: sample.columns,
        rowsSampled: sample.rowsUsed,
        pooling: resolved.pooling,
        poolingReason: resolved.poolingReason,
        layer: resolved.layer,
        maxLength,
        maxLengthSource: checks?.maxLength?.source ?? info.tokenizer?.maxLengthSource,
        tokenizer: info.tokenizer,
        tokenStats: checks?.stats,
        featureCache: cache ? (top.cached ? 'hit' : 'miss') : 'off',
        textsPerSecond: top.perSecond,
        scratch: { kind: 'tfidf-ridge', terms: x.cols, lambdas: scratchLearner.lambdas },
        scratchTransformer: transformerArm.summary,
        ...(fullArm ? { fullFineTune: fullArm.summary } : {}),
        ...(vocabularyJs !== undefined ? { vocabularyJensenShannon: vocabularyJs } : {}),
      },
    };

    const planned = mixed?.planned ?? plannedTrainSize(config, [sample.rowsTotal]);
    if (planned.note) notes.push(planned.note);
    progress('curves', 'training the arms', 0.65);
    t = performance.now();
    const analysis = await analyzeTransfer(
      {
        features,
        inputs,
        target,
        plannedN: planned.n,
        nSource: planned.source,
        // Repeated 5-fold CV (3 runs): text arms are noisy (bench/groundtruth/text, docs/text-groundtruth.md).
        cvRepeats: TEXT_CV_REPEATS,
        // The gain at n, not at the (k−1)/k·n rows CV trains on (bench/groundtruth/text/procedure.ts).
        trainSizeCorrection: true,
        strategy,
        learningRate: config.learningRate?.value,
        datasetRows: sample.rowsTotal,
        scratchLearners: [scratchLearner, ...(transformerArm.learner ? [transformerArm.learner] : [])],
        ...(fits ? { learnerCache: fits } : {}),
        transferLearners: fullArm?.learner ? [fullArm.learner] : [],
        layerFeatures,
        sourceInputs,
        scores,
        logmeVsRaw,
        backend: context.backend,
        seed,
        checkpoint: { path: context.checkpointPath, format: `hf-${info.modelType}`, layer: `hidden_states[${resolved.layer}] (${resolved.pooling})`, parameters: info.parameters },
        dataset: { path: context.datasetPath, format: 'text', rows: sample.rowsTotal, columns: x.cols },
        preprocessing,
        timeBudgetMs: context.timeBudgetMs,
        now: () => performance.now(),
        timings,
        notes,
      },
      { signal: control.signal, onProgress: control.onProgress },
    );
    await fits?.flush();
    const arms = performance.now() - t;
    const cacheUse = fits ? { ...analysis.cache, features: top.cached ? 'hit' as const : 'miss' as const, steps: { ...(checks?.countsCached !== undefined ? { tokenize: checks.countsCached ? 'hit' as const : 'miss' as const } : {}), checkpoint: memo ? 'hit' as const : 'miss' as const, tfidf: tfidf.cached ? 'hit' as const : 'miss' as const, ...(scores ? { scores: scoresCached ? 'hit' as const : 'miss' as const } : {}) } } : undefined;
    findings.push(...verdictFindings(analysis, config));
    progress('done', `verdict: ${analysis.verdict}`, 1);
    // The model, tokenizer, max length and pooling used, as the image branch reports them (report, hover, CLI text).
    const hfModel = hfModelUsed(checkpoint.info, resolved, maxLength);
    return { file, findings, analysis: { ...analysis, hfModel, timings: { ...analysis.timings, arms, total: performance.now() - context.startedAt }, ...(cacheUse ? { cache: cacheUse } : {}), ...(mixed ? { datasets: mixed.parts } : {}) }, finishedAt: new Date().toISOString() };
  } finally {
    checkpoint.dispose();
  }
}

/** LLaMA-Factory's `freeze_trainable_layers` default (FreezeArguments): the top 2 layers train. */
export const DEFAULT_TRAINABLE_LAYERS = 2;

/**
 * The number of top blocks a partial freeze trains, as `finetuning_type: freeze` means it
 * (LLaMA-Factory's FreezeArguments, which the Hugging Face-style profile borrows): the config's
 * `freeze_trainable_layers` when ≥ 1; when the key is absent, LLaMA-Factory's default (the top
 * 2), said in a note. A negative count trains the bottom blocks (LLaMA-Factory: "negative numbers
 * mean the first n layers are set as trainable"), which is not simulated — the note says so and
 * the probes on lower blocks stand in. Undefined: no partial-freeze fine-tune.
 */
/**
 * A partial freeze set by `finetuning_type: freeze` (LLaMA-Factory's meaning) with no
 * `freeze_trainable_layers`: its default count (DEFAULT_TRAINABLE_LAYERS) applies. Shared by the
 * text and image branches.
 */
export function freezeCountDefaulted(strategy: string, config: NormalizedConfig): boolean {
  return strategy === 'partial-freeze' && config.frozenLayers?.value === undefined && /(^|\.)finetuning_type$/.test(config.strategy?.keyPath ?? '');
}

export function partialFreezeBlocks(strategy: string, config: NormalizedConfig, notes: string[]): number | undefined {
  if (strategy !== 'partial-freeze') return undefined;
  const value = config.frozenLayers?.value;
  if (typeof value === 'number') {
    if (value >= 1) return value;
    if (value < 0) notes.push(`${config.frozenLayers!.keyPath}: ${value} trains the bottom ${-value} block${value === -1 ? '' : 's'} with the blocks above frozen (LLaMA-Factory's meaning); that fine-tune is not simulated — probes on the lower blocks' features stand in.`);
    return undefined;
  }
  if (value !== undefined) {
    const names = Array.isArray(value) ? value.join(', ') : String(value);
    notes.push(`${config.frozenLayers!.keyPath} names layers (${names.length > 80 ? `${names.slice(0, 77)}…` : names}) rather than a number of top blocks: that fine-tune is not simulated — probes on the lower blocks' features stand in.`);
    return undefined;
  }
  if (freezeCountDefaulted(strategy, config)) {
    notes.push(`freeze_trainable_layers is not set: LLaMA-Factory's default is simulated — the top ${DEFAULT_TRAINABLE_LAYERS} blocks trainable, the embeddings and the blocks below frozen. Set freeze_trainable_layers to say otherwise (0: only a new head, i.e. a linear probe).`);
    return DEFAULT_TRAINABLE_LAYERS;
  }
  return undefined;
}

/**
 * Whether the pipeline takes the text branch: text-column keys or a generative profile, a JSON
 * records file, or a Hugging Face checkpoint folder with a tokenizer (a text model) — never for
 * TF.js checkpoints (their inputs are numbers) or image folders.
 */
export async function isTextAnalysis(config: NormalizedConfig, dataset: { readonly format: string }, checkpointPath: string): Promise<boolean> {
  if (dataset.format === 'image-folder' || dataset.format === 'npy' || dataset.format === 'npz') return false;
  if (/model\.json$/i.test(checkpointPath)) return false;
  if (hasTextKeys(config) || isGenerativeConfig(config) || dataset.format === 'json') return true;
  try {
    await stat(join(checkpointPath, 'tokenizer.json'));
    return true;
  } catch {
    return false;
  }
}

/**
 * The analysis pipeline shared by the CLI and the worker: config file → static checks →
 * dataset and checkpoint loading → features → the core verdict → findings on the config's keys.
 * User-input problems become findings (never exceptions); only cancellation and programmer
 * errors throw.
 */
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { AnalysisReport } from '../core/model/analysis';
import type { NormalizedConfig, SourceValue, Strategy } from '../core/model/config';
import type { Finding } from '../core/model/finding';
import { CancelledError, throwIfAborted, type RunControl } from '../core/model/progress';
import { FILE_START } from '../core/model/range';
import { analyzeTransfer, closedFormApplies, MIN_ROWS, MIN_ROWS_CLOSED_FORM, type LayerFeatures } from '../core/analysis/analyze';
import { verdictFindings } from '../core/analysis/findings';
import { makeTarget, oneHot, type Learner } from '../core/analysis/learners';
import { minNormFineTuneLearner, minNormScratchLearner } from '../core/analysis/linearArms';
import type { Matrix } from '../core/linalg/matrix';
import { DatasetError, CheckpointError } from '../core/formats/errors';
import { computeScores } from '../core/metrics/registry';
import { initBackend, type BackendPreference } from './backend';
import type { EnginePreference } from './hf/engine';
import { readTable } from './readers/table';
import { readDatasetList, type DatasetPart } from './readDatasets';
import { plannedTrainSize } from '../core/config/datasetList';
import { loadCheckpoint } from './readers/checkpoint';
import { staticCheck } from './resolve';
import { isLinearModel, networkLearner } from './training';
import { analyzeImageFolder, HF_CHECKPOINT_FORMATS } from './imageDataset';
import { analyzeTextDataset, isTextAnalysis } from './textDataset';
import { linearCheckpointMaps } from './linearMaps';
import { readSourceSample } from './readers/sourceSample';
import { adaptiveGram } from '../core/linalg/tensorGram';
import { gram as exactGram } from '../core/linalg/products';

/** LogME's FᵀF on the TF.js backend (float32 WASM GEMM) when N·D² is large; float64 otherwise. */
const fastGram = adaptiveGram(exactGram);

export interface AnalyzeOptions {
  /** Upper bound on target rows used by the analysis (stratified sample). Default 2000. */
  readonly maxSamples?: number;
  readonly seed?: number;
  /** Soft time budget in ms; when exceeded, remaining optional steps are skipped (partial-analysis finding). */
  readonly timeBudgetMs?: number;
  /**
   * The caller stops the analysis at about its time budget (the editor's worker host does): a
   * Hugging Face text checkpoint whose feature extraction is estimated to outlast the budget is
   * not started; a finding gives the estimate and the settings that make it fit. The CLI waits.
   */
  readonly hardTimeLimit?: boolean;
  readonly backend?: BackendPreference;
  /** Engine for Hugging Face checkpoints (issue #16): auto (onnxruntime-node when it loads and an ONNX export exists), onnx, tfjs. */
  readonly engine?: EnginePreference;
  /**
   * Hugging Face checkpoints above this many parameters run on fewer samples (what fits the time
   * budget) or not at all (issue #14 guard rails; setting transferlens.maxModelParameters,
   * CLI --max-model-parameters). Default 350 M (src/node/hf/guard.ts).
   */
  readonly maxModelParameters?: number;
  /** Folder that relative references may not escape without a warning. */
  readonly workspaceRoot?: string;
  /** Feature cache folder; no caching when absent. */
  readonly cacheDir?: string;
  /** Max bytes read from any one file. */
  readonly maxBytes?: number;
  /** User key maps / profiles (setting `transferlens.configProfiles`). */
  readonly profiles?: readonly unknown[];
  /** Environment for `${oc.env:…}` and HF_HOME resolution (defaults to process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Config text to analyse instead of reading the file (unsaved editor buffers). */
  readonly text?: string;
  /** Analyse this checkpoint instead of the one the config names (ranking candidates). */
  readonly checkpointOverride?: string;
}

const DEFAULT_MAX_SAMPLES = 2000;
/** Default soft budget: optional curve points of trained networks stop after 60% of it. */
const DEFAULT_TIME_BUDGET_MS = 30_000;
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

function finding(code: string, severity: Finding['severity'], message: string, at: SourceValue<unknown> | undefined, config: NormalizedConfig | undefined, file: string, field?: string): Finding {
  return { code, severity, message, file: at?.file ?? config?.file ?? file, range: at?.keyRange ?? FILE_START, field };
}

function strategyOf(config: NormalizedConfig): Strategy {
  return config.strategy?.value ?? 'full';
}

/** Runs the whole analysis for one config file. */
export async function analyzeConfigFile(file: string, options: AnalyzeOptions = {}, control: RunControl = {}): Promise<AnalysisReport> {
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  const progress = (step: string, message: string, fraction?: number) => control.onProgress?.({ step, message, fraction });
  const env = options.env ?? process.env;
  progress('config', 'reading config', 0);
  let text = options.text;
  if (text === undefined) {
    try {
      const bytes = await readFile(file);
      if (bytes.length > MAX_CONFIG_BYTES) {
        return { file, findings: [{ code: 'config-invalid-value', severity: 'error', file, range: FILE_START, message: `The config is ${bytes.length.toLocaleString('en-US')} bytes; configs over ${MAX_CONFIG_BYTES / 1024 / 1024} MB are not analysed.` }] };
      }
      text = bytes.toString('utf8');
    } catch (e) {
      return { file, findings: [{ code: 'config-syntax', severity: 'error', file, range: FILE_START, message: `Cannot read the config file: ${(e as Error).message}` }] };
    }
  }
  const checked = await staticCheck(text, file, { workspaceRoot: options.workspaceRoot, env, keyMaps: options.profiles as never });
  const findings: Finding[] = [...checked.findings];
  const config = checked.config;
  timings.staticChecks = performance.now() - t0;
  throwIfAborted(control.signal);
  if (!config) return { file, findings };
  // Several listed datasets: a problem with one of them (data.datasetIndex) leaves it out but does not stop the others.
  const listed = checked.resolved?.datasets;
  const usable = listed?.filter((entry) => entry.resolved && !entry.resolved.problem && !findings.some((f) => f.severity === 'error' && f.data?.datasetIndex === entry.index));
  const itemOnly = (f: Finding) => !!usable && usable.length > 0 && typeof f.data?.datasetIndex === 'number';
  // Weights never downloaded but the tokenizer is there: the text branch still runs the tokenizer
  // checks (they need the tokenizer only) and stops before the features (textDataset.ts).
  const tokenizerOnly = (f: Finding) => f.code === 'checkpoint-missing' && f.data?.tokenizerOnly === true;
  const blocking = findings.some((f) => !itemOnly(f) && !tokenizerOnly(f) && f.severity === 'error' && (f.field === 'checkpoint' || f.field === 'dataset' || f.code === 'config-syntax' || f.code.startsWith('checkpoint-') || f.code.startsWith('dataset-') || f.code === 'label-column-missing'));
  const ckRef = options.checkpointOverride ? { path: options.checkpointOverride, format: 'tfjs-layers' } : checked.resolved?.checkpoint;
  const dsRef = usable ? usable[0]?.resolved : checked.resolved?.dataset;
  if (blocking || !ckRef || !dsRef || !config.checkpoint || !config.dataset) {
    if (!config.checkpoint) findings.push(finding('config-invalid-value', 'info', 'No pretrained checkpoint is referenced: nothing to compare with training from scratch.', undefined, config, file, 'checkpoint'));
    else if (!config.dataset) findings.push(finding('config-invalid-value', 'info', 'No training dataset is referenced: add train_file (or the profile\'s dataset key) to get a verdict.', config.checkpoint, config, file, 'dataset'));
    return { file, findings };
  }
  // ── Text datasets (issue #15): their own branch, in src/node/textDataset.ts. ──
  if (dsRef.format !== 'image-folder' && !config.featuresFile && !options.checkpointOverride && (await isTextAnalysis(config, dsRef, ckRef.path))) {
    const otherDatasets = (usable ?? []).slice(1).map((entry) => ({ path: entry.resolved!.path, datasetInfo: entry.resolved!.datasetInfo, reference: entry.reference, index: entry.index }));
    const textBackend = await initBackend(options.backend ?? 'auto');
    return analyzeTextDataset(
      { file, config, findings, datasetPath: dsRef.path, datasetInfo: dsRef.datasetInfo, ...(usable?.[0] ? { datasetEntry: { reference: usable[0].reference, index: usable[0].index } } : {}), otherDatasets, checkpointPath: ckRef.path, sourcePath: checked.resolved?.source?.path, backend: textBackend.name, ...(options.engine ? { engine: options.engine } : {}), seed: options.seed ?? 0, maxSamples: options.maxSamples, cacheDir: options.cacheDir, maxBytes: options.maxBytes, timeBudgetMs: options.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS, ...(options.hardTimeLimit && options.timeBudgetMs ? { featureBudgetMs: options.timeBudgetMs } : {}), startedAt: t0, timings },
      control,
    );
  }
  // ── End of the text branch. ──
  // Not text after all: a checkpoint without weights stops here (its finding says what to download).
  if (findings.some(tokenizerOnly)) return { file, findings };
  // Hugging Face vision checkpoints on image folders run through src/node/hf (issue #14).
  const hfImages = dsRef.format === 'image-folder' && HF_CHECKPOINT_FORMATS.includes(ckRef.format) && !config.featuresFile;
  if (ckRef.format !== 'tfjs-layers' && ckRef.format !== 'tfjs-graph' && !config.featuresFile && !hfImages) {
    // A runnable Hugging Face checkpoint on data it does not take (numeric columns, or a text
    // model's data that the text branch did not recognise as text): say so instead of stopping silently.
    if (HF_CHECKPOINT_FORMATS.includes(ckRef.format) && !findings.some((f) => f.field === 'checkpoint' && (f.severity === 'error' || f.severity === 'warning') && f.code !== 'path-outside-workspace')) {
      const name = 'hubId' in ckRef && ckRef.hubId ? ckRef.hubId : ckRef.path;
      findings.push(finding('checkpoint-unsupported', 'warning', `${name} is a Hugging Face checkpoint; TransferLens runs those on image folders (vision models) and on text columns (text models), but ${dsRef.path} was read as ${dsRef.format} data without a text column.\nPoint the dataset at images or text (text_column_name / the profile's text keys), or extract features with \`transferlens features ${name} --dataset …\` and set features_file.`, config.checkpoint, config, file, 'checkpoint'));
    }
    // staticCheck has already explained the unsupported format.
    return { file, findings };
  }

  const seed = options.seed ?? 0;
  const maxSamples = options.maxSamples ?? DEFAULT_MAX_SAMPLES;
  const backend = await initBackend(options.backend ?? 'auto');
  throwIfAborted(control.signal);

  // ── Image-folder datasets (issue #10): their own branch, in src/node/imageDataset.ts. ──
  if (dsRef.format === 'image-folder') {
    if (usable && usable.length > 1) {
      findings.push({ ...finding('partial-analysis', 'info', `Only the first listed image folder (${dsRef.path}) is analysed; lists of image folders are not mixed yet.`, undefined, config, file, 'dataset'), range: usable[1]!.reference.range, data: { datasetIndex: usable[1]!.index } });
    }
    return analyzeImageFolder(
      { file, config, findings, datasetPath: dsRef.path, checkpointPath: ckRef.path, backend: backend.name, seed, maxImages: options.maxSamples, cacheDir: options.cacheDir, maxBytes: options.maxBytes, timeBudgetMs: options.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS, startedAt: t0, timings,
        checkpointFormat: ckRef.format, ...('hubId' in ckRef && ckRef.hubId ? { hubId: ckRef.hubId } : {}), ...(dsRef.rows !== undefined ? { datasetRows: dsRef.rows } : {}), ...(options.engine ? { engine: options.engine } : {}), ...(options.maxModelParameters !== undefined ? { maxModelParameters: options.maxModelParameters } : {}) },
      control,
    );
  }
  // ── End of the image-folder branch. ──

  // Dataset (several listed datasets: src/node/readDatasets.ts concatenates those whose columns agree).
  let t = performance.now();
  progress('dataset', `reading ${listed ? `${listed.length} datasets` : dsRef.path}`, 0.05);
  const task = config.task?.value === 'regression' ? 'regression' : config.task?.value === 'classification' ? 'classification' : undefined;
  let table;
  let datasetParts: DatasetPart[] | undefined;
  const datasetNotes: string[] = [];
  try {
    if (listed && usable) {
      const loaded = await readDatasetList(config, listed, { labelColumn: config.labelColumn?.value ?? 'label', task, maxRows: maxSamples, seed, signal: control.signal, maxBytes: options.maxBytes }, findings);
      if (!loaded) return { file, findings };
      table = loaded.table;
      datasetParts = loaded.parts;
      datasetNotes.push(...loaded.notes);
    } else {
      table = await readTable(dsRef.path, { labelColumn: config.labelColumn?.value ?? 'label', task, maxRows: maxSamples, seed, signal: control.signal, maxBytes: options.maxBytes } as never);
    }
  } catch (e) {
    if (e instanceof CancelledError) throw e;
    if (e instanceof DatasetError) {
      findings.push(finding(e.code, 'error', `${e.message}`, e.code === 'label-column-missing' ? config.labelColumn ?? config.dataset : config.dataset, config, file, 'dataset'));
      return { file, findings };
    }
    throw e;
  }
  timings.dataset = performance.now() - t;
  throwIfAborted(control.signal);

  const tooSmall = () =>
    finding('dataset-too-small', 'warning', `${table.rowsUsed} usable rows: at least ${MIN_ROWS} are needed for a cross-validated verdict (${MIN_ROWS_CLOSED_FORM} for a linear checkpoint on standardised inputs).\nWith this little data no comparison of transfer and scratch is reliable; label more samples.`, config.trainSize ?? config.dataset, config, file, 'dataset');
  // Between MIN_ROWS_CLOSED_FORM and MIN_ROWS rows only a linear checkpoint can be judged (the
  // closed forms need no CV folds): decided once the checkpoint is loaded.
  if (table.rowsUsed < MIN_ROWS_CLOSED_FORM) {
    findings.push(tooSmall());
    return { file, findings };
  }

  // Target.
  const labels = table.labels;
  const target = labels.kind === 'classes'
    ? makeTarget('classification', oneHot(labels.values, labels.classNames.length), labels.values, labels.classNames.length)
    : makeTarget('regression', labels.values);

  // Checkpoint and features.
  t = performance.now();
  progress('checkpoint', `loading ${ckRef.path}`, 0.1);
  let checkpoint;
  try {
    checkpoint = await loadCheckpoint(ckRef.path, { maxBytes: options.maxBytes });
  } catch (e) {
    if (e instanceof CheckpointError) {
      findings.push(finding(e.code, e.code === 'checkpoint-unsupported' ? 'warning' : 'error', e.message, config.checkpoint, config, file, 'checkpoint'));
      return { file, findings };
    }
    throw e;
  }
  try {
    timings.checkpoint = performance.now() - t;
    const inputWidth = checkpoint.info.inputShape.slice(1).reduce((a: number, b: number) => a * (b > 0 ? b : 1), 1);
    if (inputWidth !== table.features.cols) {
      findings.push(finding('shape-mismatch', 'error', `The checkpoint expects ${inputWidth} input values per sample (shape [${checkpoint.info.inputShape.slice(1).join(', ')}]); ${dsRef.path} has ${table.features.cols} feature columns.\nPoint train_file at data with the checkpoint's input layout, or pick a checkpoint trained on it.`, config.dataset, config, file, 'dataset'));
      return { file, findings };
    }
    t = performance.now();
    progress('features', `extracting features of ${table.rowsUsed} rows`, 0.15);
    const layerName = config.featureLayer?.value;
    const features = await checkpoint.features(table.features, { layer: layerName });
    timings.features = performance.now() - t;
    throwIfAborted(control.signal);

    // Per-layer features: the outputs of the weighted layers below the penultimate one.
    let layerFeatures: LayerFeatures[] | undefined;
    const weighted = checkpoint.info.layers.filter((l) => l.trainableParams > 0);
    if (weighted.length >= 3) {
      const names = weighted.slice(0, -1).map((l) => l.name).slice(-4);
      const maps = await checkpoint.featuresAtLayers(table.features, names);
      layerFeatures = names.map((name) => ({ layer: name, depth: weighted.findIndex((l) => l.name === name) + 1, features: maps.get(name)! })).filter((l) => l.features);
    }

    // Zero-shot: the pretrained head's outputs when they have the target's width (regression).
    let zeroShot: Matrix | undefined;
    const outWidth = checkpoint.info.outputShape[checkpoint.info.outputShape.length - 1];
    if (target.task === 'regression' && outWidth === target.y.cols) zeroShot = await checkpoint.predict(table.features);

    // Classic transferability scores on the same sample, and LogME of the features against
    // LogME of the raw inputs (a log Bayes factor per sample: the cheap sign pre-screen).
    t = performance.now();
    progress('scores', 'classic transferability scores', 0.2);
    const scoreInput = labels.kind === 'classes' ? { labels: labels.values, task: 'classification' as const } : { targets: labels.values, task: 'regression' as const };
    let scores: Record<string, number> | undefined;
    let logmeVsRaw: number | undefined;
    try {
      scores = computeScores({ features, ...scoreInput }, { now: () => performance.now(), gram: fastGram }).scores;
      const raw = computeScores({ features: table.features, ...scoreInput }, { scores: ['logme'], gram: fastGram }).scores.logme;
      if (scores.logme !== undefined && raw !== undefined) logmeVsRaw = scores.logme - raw;
    } catch (e) {
      // Scores are supplementary: a failure here must not hide the verdict.
      findings.push(finding('partial-analysis', 'info', `Classic scores were skipped: ${(e as Error).message}`, config.checkpoint, config, file, 'checkpoint'));
    }
    timings.scores = performance.now() - t;

    // The arms.
    const strategy = strategyOf(config);
    const lr = config.learningRate?.value ?? 1e-3;
    const epochs = Math.max(5, Math.min(config.epochs?.value ?? 30, 60));
    let scratchLearner: Learner | undefined;
    const transferLearners: Learner[] = [];
    const model = checkpoint.model as import('@tensorflow/tfjs-layers').LayersModel | undefined;
    const layersModel = model && typeof (model as { getWeights?: unknown }).getWeights === 'function' && checkpoint.info.format === 'tfjs-layers' ? model : undefined;
    let linearMaps;
    let partialFreezeIs: { arm: 'linear-probe' | 'full'; trainable: number; layers: number } | undefined;
    if (layersModel && isLinearModel(layersModel)) {
      linearMaps = await linearCheckpointMaps(checkpoint, table.features.cols, layerName);
      scratchLearner = minNormScratchLearner(table.features, target);
      if (zeroShot) transferLearners.push(minNormFineTuneLearner(table.features, target, zeroShot));
      // Partial freeze of a linear stack is exactly another arm at its extremes (issue #17): only
      // the top layer trainable = a linear probe on the penultimate features; all trainable = full.
      if (strategy === 'partial-freeze') {
        const trainable = typeof config.frozenLayers?.value === 'number' ? config.frozenLayers.value : 1;
        if (trainable >= weighted.length) partialFreezeIs = { arm: 'full' as const, trainable, layers: weighted.length };
        else if (trainable <= 1 && layerName === undefined) partialFreezeIs = { arm: 'linear-probe' as const, trainable: 1, layers: weighted.length };
      }
    } else if (layersModel) {
      const training = { learningRate: lr, epochs, batchSize: 32, seed, freezeLayers: typeof config.frozenLayers?.value === 'number' ? config.frozenLayers.value : undefined };
      scratchLearner = networkLearner('scratch', layersModel, table.features, target, training);
      if (strategy === 'full') transferLearners.push(networkLearner('transfer:full', layersModel, table.features, target, training));
      if (strategy === 'partial-freeze') {
        const trainable = typeof config.frozenLayers?.value === 'number' ? config.frozenLayers.value : 1;
        transferLearners.push(networkLearner('transfer:partial-freeze', layersModel, table.features, target, { ...training, freezeLayers: Math.max(0, weighted.length - trainable) }));
      }
    }

    if (table.rowsUsed < MIN_ROWS && !closedFormApplies(table.features, target, linearMaps)) {
      findings.push(tooSmall());
      return { file, findings };
    }

    // Myth check: a sample of the source inputs, when the config names one (source_train_file).
    let sourceInputs: { file: string; inputs: Matrix } | undefined;
    const sourceRef = checked.resolved?.source;
    if (sourceRef?.path) {
      try {
        sourceInputs = { file: sourceRef.path, inputs: await readSourceSample(sourceRef.path, table.featureNames, { maxRows: Math.min(maxSamples, 1000), seed, signal: control.signal, maxBytes: options.maxBytes }) };
      } catch (e) {
        if (e instanceof CancelledError) throw e;
        findings.push(finding('dataset-invalid', 'warning', `The source sample cannot be used for the myth check: ${(e as Error).message}`, config.sourceTrainFile, config, file, 'dataset'));
      }
    }

    // Planned n: the cap, Σ min(cap, rowsᵢ) for LLaMA-Factory lists, round(fraction × rows), or all rows (core/config/datasetList.ts).
    const planned = plannedTrainSize(config, datasetParts ? datasetParts.map((p) => p.rows) : [table.rowsTotal]);
    if (planned.note) datasetNotes.push(planned.note);
    const analysis = await analyzeTransfer(
      {
        features,
        inputs: table.features,
        target,
        plannedN: planned.n,
        nSource: planned.source,
        ...(datasetNotes.length > 0 ? { notes: datasetNotes } : {}),
        strategy,
        learningRate: config.learningRate?.value,
        datasetRows: table.rowsTotal,
        scratchLearner,
        transferLearners,
        layerFeatures,
        zeroShotPredictions: zeroShot,
        linearMaps,
        partialFreezeIs,
        sourceInputs,
        scores,
        logmeVsRaw,
        backend: backend.name,
        seed,
        checkpoint: { path: ckRef.path, format: checkpoint.info.format, layer: layerName ?? checkpoint.info.penultimateLayer, parameters: checkpoint.info.parameters },
        dataset: { path: dsRef.path, format: table.format, rows: table.rowsTotal, columns: table.features.cols },
        timeBudgetMs: options.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS,
        now: () => performance.now(),
        timings,
      },
      { signal: control.signal, onProgress: control.onProgress },
    );
    findings.push(...verdictFindings(analysis, config));
    progress('done', `verdict: ${analysis.verdict}`, 1);
    return { file, findings, analysis: { ...analysis, ...(datasetParts ? { datasets: datasetParts } : {}), timings: { ...analysis.timings, total: performance.now() - t0 } }, finishedAt: new Date().toISOString() };
  } finally {
    checkpoint.dispose();
  }
}



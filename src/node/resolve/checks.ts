/**
 * Static checks that combine the config with what resolution learnt from file headers: dataset
 * smaller than the planned sample count, label column absent, checkpoint input width different
 * from the dataset's feature count (CSV/JSONL headers, Parquet/Arrow schemas), and strategy/learning-rate combinations that usually go
 * wrong. Pure given its inputs (no I/O), instant, each finding on the exact value it is about.
 */
import type { Finding } from '../../core/model/finding';
import type { NormalizedConfig, SourceValue } from '../../core/model/config';
import type { ResolvedReferences } from './resolve';
import { datasetListChecks } from './datasetList';
import { PANDAS_INDEX } from '../readers/columnar';

/** Full fine-tuning of a pretrained backbone at or above this rate tends to distort its features. */
export const FULL_FINE_TUNE_HIGH_LR = 1e-3;
/** LoRA adapters start at zero; at or below this rate they barely move. */
export const ADAPTER_LOW_LR = 1e-6;
/** A newly initialised head (linear probe) needs more than this to learn in a few epochs. */
export const PROBE_LOW_LR = 1e-6;

function on(value: SourceValue<unknown>, code: string, severity: Finding['severity'], field: string, message: string, data?: Record<string, unknown>): Finding {
  return { code, severity, message, file: value.file, range: value.range, field, ...(data ? { data } : {}) };
}

export function staticChecks(config: NormalizedConfig, resolved: ResolvedReferences): Finding[] {
  const findings: Finding[] = [];
  // Several listed datasets: per-item label/column checks and n against their rows together (datasetList.ts).
  const list = resolved.datasets && resolved.datasets.length > 1 ? datasetListChecks(config, resolved) : undefined;
  if (list) findings.push(...list.findings);
  const dataset = list ? list.reference ?? resolved.dataset : resolved.dataset;
  const datasetName = dataset ? dataset.hubId ?? dataset.path.split(/[\\/]/).pop() : undefined;

  // Planned samples vs rows available.
  if (!list && config.trainSize && dataset?.rows !== undefined) {
    const planned = config.trainSize.value;
    const rows = dataset.rows;
    const certain = dataset.rowsExact !== false;
    // An estimate (large file, average line length of the first MB) only warns when far off.
    if ((certain && rows < planned) || (!certain && rows * 2 < planned)) {
      findings.push(on(config.trainSize, 'dataset-too-small', 'warning', 'trainSize',
        `${config.trainSize.keyPath} is ${planned} but ${datasetName} has ${certain ? '' : 'about '}${rows} rows, so training will use at most ${rows}. Lower ${config.trainSize.keyPath} to ${rows} or add data; the analysis uses n = ${rows}.`,
        { rows, planned, suggestedValue: rows }));
    }
  }

  // Label column present in the header?
  const columns = dataset?.columns;
  if (!list && config.labelColumn && columns && dataset && dataset.format !== 'image-folder' && !columns.includes(config.labelColumn.value)) {
    const shown = columns.slice(0, 20).join(', ') + (columns.length > 20 ? ', …' : '');
    findings.push(on(config.labelColumn, 'label-column-missing', 'error', 'labelColumn',
      `Column '${config.labelColumn.value}' is not in ${datasetName} (columns: ${shown}). Set ${config.labelColumn.keyPath} to the column that holds the labels.`,
      { columns }));
  }

  // Checkpoint input width vs dataset feature count (tabular data, model run directly).
  const checkpoint = resolved.checkpoint;
  const inputShape = checkpoint?.shape;
  if (config.checkpoint && !config.featuresFile && inputShape && inputShape.length === 2 && typeof inputShape[1] === 'number' && dataset && columns && (dataset.format === 'csv' || dataset.format === 'jsonl')) {
    // A missing label column is already an error; counting features without it would mislead.
    const labelKnown = !config.labelColumn || columns.includes(config.labelColumn.value);
    const label = config.labelColumn?.value ?? (columns.includes('label') ? 'label' : undefined);
    const featureColumns = columns.filter((column) => column !== label);
    const numeric = new Set(dataset.numericColumns ?? featureColumns);
    // Text datasets (instruction tuning etc.) are not fed to the model column by column.
    const tabular = featureColumns.every((column) => numeric.has(column));
    const featureCount = featureColumns.length;
    const width = inputShape[1];
    if (labelKnown && tabular && featureCount !== width) {
      findings.push(on(config.checkpoint, 'shape-mismatch', 'error', 'checkpoint',
        `The checkpoint expects ${width} input features but ${datasetName} has ${featureCount} feature columns (all columns except the label${label ? ` '${label}'` : ''}). Use a dataset with the checkpoint's ${width} inputs in its order, or a checkpoint trained on these features.`,
        { inputWidth: width, featureCount }));
    }
  }

  // The same for Parquet/Arrow, from the schema in their metadata: the readers take every numeric
  // column except the label (and a pandas index) as features, a fixed-size list of n numbers as n
  // of them; a variable-length list's width is only known from the rows, so then nothing is said.
  const widths = dataset?.featureWidths;
  if (config.checkpoint && !config.featuresFile && inputShape && inputShape.length === 2 && typeof inputShape[1] === 'number' && dataset && columns && widths && (dataset.format === 'parquet' || dataset.format === 'arrow')) {
    const label = config.labelColumn?.value ?? 'label';
    const features = widths.filter((column) => column.name !== label && !PANDAS_INDEX.test(column.name));
    const known = features.every((column): column is { name: string; width: number } => column.width !== null);
    const featureCount = features.reduce((sum, column) => sum + (column.width ?? 0), 0);
    const width = inputShape[1];
    if (columns.includes(label) && known && features.length > 0 && featureCount !== width) {
      const shown = features.slice(0, 12).map((column) => (column.width === 1 ? column.name : `${column.name} (${column.width} values)`)).join(', ') + (features.length > 12 ? ', …' : '');
      const skipped = columns.length - features.length - 1;
      findings.push(on(config.checkpoint, 'shape-mismatch', 'error', 'checkpoint',
        `The checkpoint expects ${width} input features but ${datasetName} has ${featureCount} feature values per row (its numeric columns except the label '${label}': ${shown}${skipped > 0 ? `; ${skipped} non-numeric column${skipped === 1 ? '' : 's'} left out` : ''}). Use a dataset with the checkpoint's ${width} inputs in its order, or a checkpoint trained on these features.`,
        { inputWidth: width, featureCount }));
    }
  }

  // Strategy × learning rate.
  const rate = config.learningRate;
  if (rate) {
    const strategy = config.strategy?.value ?? (config.profile === 'llama-factory' ? 'lora' : 'full');
    const lr = rate.value;
    if (strategy === 'full' && lr >= FULL_FINE_TUNE_HIGH_LR && config.checkpoint && config.profile !== 'ultralytics') {
      findings.push(on(rate, 'suspicious-learning-rate', 'warning', 'learningRate',
        `${rate.keyPath} ${lr} is high for fully fine-tuning a pretrained checkpoint: large steps overwrite the pretrained features. Use 1e-5 to 1e-4 (e.g. 2e-5), or fit the head first and then fine-tune (LP-FT).`,
        { strategy, suggestedLearningRate: 2e-5 }));
    } else if ((strategy === 'lora' || strategy === 'qlora') && lr <= ADAPTER_LOW_LR) {
      findings.push(on(rate, 'suspicious-learning-rate', 'warning', 'learningRate',
        `${rate.keyPath} ${lr} is very low for ${strategy === 'lora' ? 'LoRA' : 'QLoRA'}: adapters start at zero and barely move at this rate. LoRA usually needs 1e-4 to 3e-4 (e.g. 2e-4).`,
        { strategy, suggestedLearningRate: 2e-4 }));
    } else if (strategy === 'linear-probe' && lr <= PROBE_LOW_LR) {
      findings.push(on(rate, 'suspicious-learning-rate', 'warning', 'learningRate',
        `${rate.keyPath} ${lr} is very low for training a new head on frozen features; it will underfit. Use about 1e-3.`,
        { strategy, suggestedLearningRate: 1e-3 }));
    }
  }

  // Precomputed features must have one row per dataset row.
  const features = resolved.features;
  const datasetRows = list ? list.rows : dataset?.rows;
  const rowsExact = list ? list.rowsExact : dataset?.rowsExact !== false;
  if (config.featuresFile && features?.rows !== undefined && datasetRows !== undefined && rowsExact && features.rows !== datasetRows) {
    findings.push(on(config.featuresFile, 'shape-mismatch', 'error', 'featuresFile',
      `${config.featuresFile.keyPath} has ${features.rows} rows but ${list ? `the ${resolved.datasets!.length} listed datasets have ${datasetRows} together` : `${datasetName} has ${datasetRows}`}; the features must have one row per dataset row, in the same order. Re-export them from the same file${list ? 's, in list order' : ''}.`,
      { featureRows: features.rows, datasetRows }));
  }
  return findings;
}

/**
 * Reads a sample of the source (pretraining) inputs for the myth check: a CSV or JSONL whose
 * columns include the target's feature columns (a label column, if any, is ignored). Bounded:
 * at most `maxRows` rows (a seeded sample) from at most `maxBytes` bytes.
 */
import { matrix, type Matrix } from '../../core/linalg/matrix';
import { readTable } from './table';

export async function readSourceSample(path: string, featureNames: readonly string[], options: { maxRows: number; seed: number; signal?: AbortSignal; maxBytes?: number }): Promise<Matrix> {
  // The table reader needs a label column; use the first feature column as a stand-in and
  // read every target feature column explicitly.
  const table = await readTable(path, { labelColumn: featureNames[0]!, task: 'regression', maxRows: options.maxRows, seed: options.seed, featureColumns: featureNames.slice(1), signal: options.signal, maxBytes: options.maxBytes });
  const label = table.labels.kind === 'values' ? table.labels.values : undefined;
  if (!label) throw new Error(`${path}: the source sample's column ${featureNames[0]} is not numeric`);
  const d = featureNames.length;
  const out = matrix(table.features.rows, d);
  for (let i = 0; i < out.rows; i++) {
    out.data[i * d] = label.data[i]!;
    out.data.set(table.features.data.subarray(i * (d - 1), (i + 1) * (d - 1)), i * d + 1);
  }
  return out;
}

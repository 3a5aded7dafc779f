/**
 * Loads the shared golden files (/work/shared/golden, or $TRANSFERLENS_GOLDEN) into Matrix /
 * Int32Array form for the metric tests. "NaN" strings in JSON become NaN.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fromRows, type Matrix } from '../../../src/core/linalg/matrix';

export const goldenDirectory = process.env.TRANSFERLENS_GOLDEN ?? '/work/shared/golden';

export function goldenAvailable(): boolean {
  return existsSync(join(goldenDirectory, 'classification_n300_d32_c5.json'));
}

export function readGolden(name: string): any {
  return JSON.parse(readFileSync(join(goldenDirectory, name), 'utf8'), (_key, value) => (value === 'NaN' ? NaN : value));
}

export function classificationGolden(): { features: Matrix; labels: Int32Array; expected: any } {
  const g = readGolden('classification_n300_d32_c5.json');
  return { features: fromRows(g.inputs.features), labels: Int32Array.from(g.inputs.labels), expected: g.expected };
}

export function leepGolden(): { sourceProbabilities: Matrix; labels: Int32Array; expected: any } {
  const g = readGolden('leep_nce_n300_cs10_ct4.json');
  return { sourceProbabilities: fromRows(g.inputs.source_probs), labels: Int32Array.from(g.inputs.labels), expected: g.expected };
}

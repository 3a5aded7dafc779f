/**
 * Words for a Hugging Face checkpoint as the analysis ran it (TransferAnalysis.hfModel, issue #14):
 * the same label/value rows for the report details, the hover and the CLI text, so all three say
 * which model type, engine, pooling, layer, tokenizer (and max length) or image processor produced
 * the features. Tolerates partial or malformed values (reports are read back from JSON).
 */
import type { HfModelUsed } from '../model/analysis';

export interface HfModelRow {
  readonly label: string;
  readonly value: string;
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');

/** Rows describing `hf`, or [] when it is absent or not an object. */
export function hfModelRows(hf: HfModelUsed | undefined): HfModelRow[] {
  if (!hf || typeof hf !== 'object' || typeof hf.modelType !== 'string') return [];
  const rows: HfModelRow[] = [];
  const where = [hf.hubId, hf.revision ? `revision ${hf.revision.slice(0, 12)}` : undefined].filter(Boolean).join(' @ ');
  const size = typeof hf.parameters === 'number' && hf.parameters > 0 ? `, ${count(hf.parameters)} parameters` : '';
  rows.push({ label: 'Model', value: `${hf.modelType} (${hf.modality}${size}${hf.dtype ? `, stored ${hf.dtype}` : ''})${where ? ` · ${where}` : ''}` });
  rows.push({ label: 'Engine', value: (hf.engineNote ?? String(hf.engine)).replace(/^engine: /, '') });
  if (typeof hf.layer === 'number' && typeof hf.numLayers === 'number') {
    rows.push({ label: 'Features', value: `hidden state ${hf.layer} of ${hf.numLayers}${hf.layer === hf.numLayers ? ' (last)' : ''}, pooling ${hf.pooling} — ${hf.poolingReason ?? ''}`.replace(/ — $/, '') });
  }
  if (hf.tokenizer) rows.push({ label: 'Tokenizer', value: `${hf.tokenizer}${typeof hf.maxLength === 'number' ? `; max length ${count(hf.maxLength)}${hf.maxLengthSource ? ` (${hf.maxLengthSource})` : ''}` : ''}` });
  if (hf.processor) rows.push({ label: 'Image processor', value: hf.processor });
  return rows;
}

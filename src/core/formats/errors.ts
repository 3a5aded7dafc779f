/**
 * Typed errors of the format parsers and the fs-backed readers. Every message names the file (or
 * the caller-supplied source label, since pure parsers never see a path) and says what is wrong
 * and what to do. Codes are finding codes from src/core/model/codes.ts, so the pipeline can turn
 * an error into a finding on the config key that referenced the file without string matching.
 */

/** A byte- or text-level problem found by a pure parser (npy, npz, safetensors, model.json ...). */
export class FormatError extends Error {
  override readonly name = 'FormatError';
  /** File name or label of the bytes that were parsed. */
  readonly source: string;
  /** The problem without the source prefix. */
  readonly detail: string;
  constructor(source: string, detail: string) {
    super(`${source}: ${detail}`);
    this.source = source;
    this.detail = detail;
  }
}

/** Finding codes a dataset problem maps to (all exist in src/core/model/codes.ts). */
export type DatasetErrorCode =
  | 'dataset-missing'
  | 'dataset-unsupported'
  | 'dataset-invalid'
  | 'label-column-missing'
  | 'non-finite-values'
  | 'single-class'
  | 'dataset-too-small';

/** A dataset that cannot be used as it is; `line` is 1-based (physical line of the record start). */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';
  readonly code: DatasetErrorCode;
  readonly line: number | undefined;
  constructor(code: DatasetErrorCode, message: string, options: { line?: number } = {}) {
    super(message);
    this.code = code;
    this.line = options.line;
  }
}

/** Finding codes a checkpoint problem maps to (all exist in src/core/model/codes.ts). */
/** 'shape-mismatch': the data given to a loaded model does not fit its input layer. */
export type CheckpointErrorCode = 'checkpoint-missing' | 'checkpoint-invalid' | 'checkpoint-unsupported' | 'shape-mismatch';

export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
  readonly code: CheckpointErrorCode;
  constructor(code: CheckpointErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

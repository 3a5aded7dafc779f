/**
 * The shape of one registered score: its stable key, the tasks it supports, what it needs, the
 * invariances the common property tests check, and the function computing it from a validated
 * input. Adding a score = one file exporting a ScoreDefinition + one line in registry.ts.
 */
import type { Matrix } from '../linalg/matrix';
import type { PreparedInput, ScoreTask } from './input';

/** Options shared by all scores. */
export interface ScoreOptions {
  /**
   * Computes XᵀX for large inputs (e.g. a float32 TF.js matMul). Defaults to the exact float64
   * `gram`. Only used where the score's doc comment says so.
   */
  readonly gram?: (x: Matrix) => Matrix;
}

export interface ScoreContext {
  readonly options: ScoreOptions;
  /** Records a caveat about this score's value (shown next to it, never fatal). */
  warn(message: string): void;
}

export interface ScoreDefinition {
  /** Stable key used in JSON output, CLI `--scores` and settings. */
  readonly key: string;
  readonly title: string;
  readonly tasks: readonly ScoreTask[];
  readonly needsSourceProbabilities: boolean;
  /** Which invariances hold (checked for every score by the common tests). */
  readonly invariant: {
    readonly classRelabelling: boolean;
    readonly sampleOrder: boolean;
    readonly featurePermutation: boolean;
  };
  compute(input: PreparedInput, context: ScoreContext): number;
}

/**
 * Findings: what TransferLens tells the user. Every user-input problem and every piece of
 * advice is a Finding with a stable kebab-case `code` (documented in README "Diagnostic codes"
 * and in `codes.ts`), a severity, a range in the file it is about, and a message whose first
 * line is short (editors show it inline) and says what to change.
 */
import type { Range } from './range';

export type Severity = 'error' | 'warning' | 'info' | 'hint';

export const SEVERITY_ORDER: Record<Severity, number> = { error: 3, warning: 2, info: 1, hint: 0 };

export interface RelatedLocation {
  /** Absolute path of the file the related location is in. */
  readonly file: string;
  readonly range?: Range;
  readonly message: string;
}

export interface Finding {
  /** Stable kebab-case code, e.g. `negative-transfer`; see codes.ts. */
  readonly code: string;
  readonly severity: Severity;
  /** First line short and actionable; further lines give the numbers. */
  readonly message: string;
  /** Absolute path of the file the range refers to (the config, or an included file). */
  readonly file: string;
  readonly range: Range;
  /** Normalised field the finding is about (checkpoint, dataset, trainSize, strategy, learningRate, ...). */
  readonly field?: string;
  readonly related?: readonly RelatedLocation[];
  /** Machine-readable payload for quick fixes (e.g. suggested strategy or learning rate). */
  readonly data?: Readonly<Record<string, unknown>>;
}

export function atLeast(severity: Severity, threshold: Severity): boolean {
  return SEVERITY_ORDER[severity] >= SEVERITY_ORDER[threshold];
}

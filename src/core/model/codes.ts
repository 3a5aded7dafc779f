/**
 * The catalogue of finding codes. Codes are stable: editors join quick fixes to diagnostics by
 * them, users suppress them, and the README documents each one (section "Diagnostic codes",
 * anchor = the code). Add a code here before emitting it; `test/unit/model/codes.test.ts`
 * checks that every code is documented in the README.
 */
import type { Severity } from './finding';

export interface CodeInfo {
  readonly code: string;
  readonly severity: Severity;
  /** Which part of the product raises it. */
  readonly kind: 'config' | 'input' | 'verdict' | 'advice' | 'limit' | 'internal';
  readonly title: string;
}

const list: CodeInfo[] = [
  // config and input problems (static, instant)
  { code: 'config-syntax', severity: 'error', kind: 'config', title: 'The config file cannot be parsed' },
  { code: 'config-unrecognised', severity: 'info', kind: 'config', title: 'No profile recognises this file' },
  { code: 'config-invalid-value', severity: 'error', kind: 'config', title: 'A key has a value of the wrong type or range' },
  { code: 'checkpoint-missing', severity: 'error', kind: 'input', title: 'The checkpoint reference does not resolve to a file' },
  { code: 'checkpoint-unsupported', severity: 'warning', kind: 'input', title: 'The checkpoint format cannot be run here' },
  { code: 'checkpoint-invalid', severity: 'error', kind: 'input', title: 'The checkpoint is corrupt, truncated or inconsistent' },
  { code: 'dataset-missing', severity: 'error', kind: 'input', title: 'The dataset reference does not resolve to a file' },
  { code: 'dataset-unsupported', severity: 'warning', kind: 'input', title: 'The dataset format cannot be read here' },
  { code: 'dataset-invalid', severity: 'error', kind: 'input', title: 'The dataset is malformed' },
  { code: 'label-column-missing', severity: 'error', kind: 'input', title: 'The label column is not in the dataset' },
  { code: 'dataset-too-small', severity: 'warning', kind: 'input', title: 'The dataset has fewer rows than max_train_samples' },
  { code: 'shape-mismatch', severity: 'error', kind: 'input', title: "The checkpoint's input shape does not match the dataset" },
  { code: 'path-outside-workspace', severity: 'warning', kind: 'input', title: 'A referenced path lies outside the workspace' },
  { code: 'non-finite-values', severity: 'error', kind: 'input', title: 'Features or labels contain NaN or infinity' },
  { code: 'single-class', severity: 'error', kind: 'input', title: 'The label column has only one class' },
  { code: 'suspicious-learning-rate', severity: 'warning', kind: 'config', title: 'The learning rate is unusual for this strategy' },
  // text configs (issue #15): tokenizer checks and generative configs
  { code: 'token-lengths', severity: 'info', kind: 'input', title: 'Token-length distribution of the text against the maximum length' },
  { code: 'sequence-truncated', severity: 'warning', kind: 'input', title: 'Samples are longer than the configured maximum length and get cut (or dropped)' },
  { code: 'tokenizer-fragmentation', severity: 'warning', kind: 'advice', title: "The checkpoint's tokenizer shreds this text (unknown / byte-fallback tokens, many tokens per word)" },
  { code: 'chat-template-missing', severity: 'warning', kind: 'config', title: 'Chat data without a chat template' },
  { code: 'chat-template-invalid', severity: 'warning', kind: 'config', title: 'The chat template does not parse or refuses some conversations' },
  { code: 'generative-no-verdict', severity: 'info', kind: 'limit', title: 'Generative fine-tuning: the transfer-versus-scratch verdict is for supervised heads' },
  // the verdict
  { code: 'negative-transfer', severity: 'warning', kind: 'verdict', title: 'Transfer is predicted to lose to training from scratch at this n' },
  { code: 'positive-transfer', severity: 'info', kind: 'verdict', title: 'Transfer is predicted to beat training from scratch at this n' },
  { code: 'too-close-to-call', severity: 'info', kind: 'verdict', title: 'Transfer and scratch are within noise of each other at this n' },
  { code: 'low-feature-overlap', severity: 'warning', kind: 'verdict', title: "Little of the target lies in the checkpoint's feature space" },
  { code: 'probe-underdetermined', severity: 'warning', kind: 'verdict', title: 'The sample count is close to the feature count (probe double descent)' },
  { code: 'scratch-double-descent', severity: 'info', kind: 'verdict', title: 'The scratch baseline is near its interpolation threshold' },
  { code: 'crossover-near', severity: 'info', kind: 'verdict', title: 'The sign of the gain flips near the configured n' },
  // advice
  { code: 'feature-distortion-risk', severity: 'warning', kind: 'advice', title: 'Full fine-tuning with a high learning rate on few samples distorts features' },
  { code: 'prefer-linear-probe', severity: 'info', kind: 'advice', title: 'A frozen linear probe is predicted to do better' },
  { code: 'prefer-lp-ft', severity: 'info', kind: 'advice', title: 'Fit the head first, then fine-tune (LP-FT)' },
  { code: 'prefer-partial-freeze', severity: 'info', kind: 'advice', title: 'Freeze the lower blocks and fine-tune the rest' },
  { code: 'prefer-scratch', severity: 'warning', kind: 'advice', title: 'Training from scratch is predicted to do better' },
  { code: 'zero-shot-negative', severity: 'warning', kind: 'advice', title: 'The pretrained head is worse than predicting the mean' },
  { code: 'dataset-similarity-misleading', severity: 'info', kind: 'advice', title: 'Input-distribution distances disagree with the verdict' },
  { code: 'degenerate-features', severity: 'warning', kind: 'advice', title: 'Most features are dead or constant (check preprocessing)' },
  // limits
  { code: 'partial-analysis', severity: 'info', kind: 'limit', title: 'The analysis hit a limit and used part of the data' },
  { code: 'analysis-failed', severity: 'error', kind: 'internal', title: 'The analysis failed unexpectedly' },
];

export const CODES: ReadonlyMap<string, CodeInfo> = new Map(list.map((c) => [c.code, c]));

export function codeInfo(code: string): CodeInfo {
  const info = CODES.get(code);
  if (!info) throw new Error(`unknown finding code '${code}': add it to src/core/model/codes.ts`);
  return info;
}

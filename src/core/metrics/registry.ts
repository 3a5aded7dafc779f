/**
 * The registry of transferability scores and `computeScores`, the one entry point the analysis,
 * the CLI and the editor use. Adding a score = one file exporting a ScoreDefinition + one line
 * in SCORES; the common property tests then cover it automatically.
 */
import type { ScoreDefinition, ScoreOptions } from './definition';
import { prepareScoreInput, ScoreInputError, type PreparedInput, type ScoreInput } from './input';
import { logmeScore } from './logme';
import { leepScore } from './leep';
import { nceScore } from './nce';
import { hScoreScore } from './hScore';
import { shrinkageHScoreScore } from './shrinkageHScore';
import { gbcScore } from './gbc';
import { transRateScore } from './transRate';
import { linearCkaScore } from './linearCka';
import { probeAccuracyScore } from './probeAccuracy';
import { probeR2Score } from './probeR2';

/** Every score, in display order. Keys are stable (JSON output, `--scores`, settings). */
export const SCORES: readonly ScoreDefinition[] = [
  logmeScore,
  leepScore,
  nceScore,
  hScoreScore,
  shrinkageHScoreScore,
  gbcScore,
  transRateScore,
  linearCkaScore,
  probeAccuracyScore,
  probeR2Score,
];

export const SCORE_KEYS: readonly string[] = SCORES.map((s) => s.key);

export function scoreDefinition(key: string): ScoreDefinition | undefined {
  return SCORES.find((s) => s.key === key);
}

export interface ComputeScoresOptions extends ScoreOptions {
  /** Keys to compute; default: every score that applies to the task and the inputs given. */
  readonly scores?: readonly string[];
  /** Millisecond clock for `timings` (default `performance.now`). */
  readonly now?: () => number;
}

export interface ScoreResults {
  /** Finite score values by key. */
  readonly scores: Record<string, number>;
  /** Compute milliseconds per score (input validation excluded). */
  readonly timings: Record<string, number>;
  /** Why a requested score could not be computed, by key. */
  readonly errors: Record<string, string>;
  /** Caveats about computed values (e.g. H-score saturation), by key. */
  readonly warnings: Record<string, string>;
  /** Scores not requested explicitly that do not apply to these inputs, with the reason. */
  readonly skipped: Record<string, string>;
}

function notApplicable(score: ScoreDefinition, input: PreparedInput): string | undefined {
  if (!score.tasks.includes(input.task)) return `${score.key} does not support ${input.task} (supports ${score.tasks.join(', ')})`;
  if (score.needsSourceProbabilities && !input.sourceProbabilities) {
    return `${score.key} needs the source head's probabilities (sourceProbabilities / --source-probs)`;
  }
  return undefined;
}

/**
 * Validates the input once and computes the requested scores. Problems with the input as a
 * whole (shapes, NaN, labels) throw ScoreInputError naming the argument; a problem with one
 * score (unsupported task, missing source outputs, a numerical failure) lands in `errors` and
 * the other scores are still computed. Unknown keys throw ScoreInputError('scores').
 */
export function computeScores(input: ScoreInput, options: ComputeScoresOptions = {}): ScoreResults {
  if (options.scores) {
    const unknown = options.scores.filter((key) => !scoreDefinition(key));
    if (unknown.length) {
      throw new ScoreInputError(`unknown score key(s) ${unknown.join(', ')}; known: ${SCORE_KEYS.join(', ')}`, 'scores');
    }
  }
  const prepared = prepareScoreInput(input);
  const now = options.now ?? (() => performance.now());
  const results: ScoreResults = { scores: {}, timings: {}, errors: {}, warnings: {}, skipped: {} };
  const requested = options.scores ? new Set(options.scores) : undefined;
  for (const score of SCORES) {
    if (requested && !requested.has(score.key)) continue;
    const reason = notApplicable(score, prepared);
    if (reason) {
      if (requested) results.errors[score.key] = reason;
      else results.skipped[score.key] = reason;
      continue;
    }
    const warnings: string[] = [];
    const start = now();
    try {
      const value = score.compute(prepared, { options, warn: (message) => warnings.push(message) });
      results.timings[score.key] = now() - start;
      if (Number.isFinite(value)) results.scores[score.key] = value;
      else results.errors[score.key] = `${score.key} is not finite (${value}) for these inputs`;
    } catch (error) {
      results.timings[score.key] = now() - start;
      results.errors[score.key] = error instanceof Error ? error.message : String(error);
    }
    if (warnings.length) results.warnings[score.key] = warnings.join('; ');
  }
  return results;
}

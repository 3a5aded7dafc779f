/**
 * The analysis result: the JSON contract of `transferlens analyze --format json` (under
 * `analysis`), the payload the worker sends to the editor, and the input of the report model.
 * All risks are on the task's loss scale (classification: cross-entropy-free error rate is not
 * used; see docs/method.md in the repo); gain = risk(scratch) − risk(transfer), > 0 means
 * transfer helps.
 */
import type { Strategy, TaskKind } from './config';

export type Verdict = 'positive' | 'negative' | 'too-close';
export type RecommendedStrategy = 'linear-probe' | 'lp-ft' | 'full' | 'partial-freeze' | 'scratch';

/** An estimate with an interval (90% unless stated; the gain's level is `TransferAnalysis.gainLevel`). */
export interface Estimate {
  readonly mean: number;
  readonly low: number;
  readonly high: number;
}

/** Feature-space overlap Ω ∈ [0, 1] with its interval. */
export interface OverlapEstimate {
  readonly value: number;
  readonly low: number;
  readonly high: number;
  /** How it was estimated, e.g. `adjusted-r2`, `noise-corrected`, `cv-ridge`. */
  readonly method: string;
}

export interface OverlapSpectrum {
  /** Variance λ_i of each principal feature direction, descending. */
  readonly variance: readonly number[];
  /** Share of the target signal carried by direction i. */
  readonly targetShare: readonly number[];
  /** Cumulative share (non-decreasing, ends ≤ 1). */
  readonly cumulativeShare: readonly number[];
  /** Participation ratio (Σλ)²/Σλ². */
  readonly effectiveRank: number;
  /** Number of directions carrying 90% of the target signal (null when never reached). */
  readonly directionsFor90: number | null;
}

export interface CurvePoint {
  readonly n: number;
  readonly risk: Estimate;
  /** True when the point was measured (CV on a subsample), false when extrapolated. */
  readonly measured: boolean;
}

export interface LearningCurve {
  /** `transfer:<strategy>`, `scratch`, `scratch-unregularised`, ... */
  readonly id: string;
  readonly label: string;
  readonly points: readonly CurvePoint[];
}

export interface LearningCurves {
  /** Risk name and unit, e.g. `error rate` or `MSE / Var(y)`. */
  readonly riskName: string;
  readonly curves: readonly LearningCurve[];
  /** Sample-size range where the scratch baseline sits near its interpolation threshold. */
  readonly scratchSpike?: { readonly low: number; readonly high: number };
}

export interface LayerOverlap {
  readonly layer: string;
  readonly depth: number;
  readonly overlap: OverlapEstimate;
}

export interface MythCheck {
  readonly sourceFile: string;
  readonly sourceSamples: number;
  readonly gaussianKl: number;
  readonly slicedWasserstein: number;
  readonly mmd: number;
  /** `similar` / `distant`, what a naive reading of the distances would conclude. */
  readonly naiveReading: 'similar' | 'distant';
  /** True when the naive reading disagrees with the verdict. */
  readonly disagreesWithVerdict: boolean;
}

export interface Recommendation {
  readonly strategy: RecommendedStrategy;
  /** One sentence, with the numbers. */
  readonly reason: string;
  /** Suggested learning rate when the configured one is risky. */
  readonly learningRate?: number;
  /** For partial freeze: how many bottom blocks to freeze / the deepest frozen layer. */
  readonly freezeDepth?: number;
  readonly freezeUpTo?: string;
  /** Alternatives considered, with their predicted gain at n (at `gainLevel` for the arms the closed forms cover, else 90%). */
  readonly alternatives?: readonly { readonly strategy: RecommendedStrategy; readonly gain: Estimate }[];
}

export interface PhasePosition {
  /** Estimated overlap (cos²θ in the linear theory). */
  readonly overlap: number;
  readonly overlapLow: number;
  readonly overlapHigh: number;
  /** n / d with d the scratch model's effective parameter count. */
  readonly gamma: number;
  /** Relative noise level σ²/‖f‖² used to draw the boundaries. */
  readonly noise: number;
}

/** One of several listed datasets, as the analysis used it. */
export interface DatasetUsed {
  readonly path: string;
  readonly format: string;
  /** Rows in the whole dataset. */
  readonly rows: number;
  /** Rows of this dataset in the analysis sample. */
  readonly rowsUsed: number;
  /** Position in the config's list (0-based) and the key it is read from. */
  readonly index: number;
  readonly keyPath: string;
}

/** How a Hugging Face checkpoint produced the features (issue #14); every field plain data. */
export interface HfModelUsed {
  /** config.json `model_type`, e.g. bert, vit, llama. */
  readonly modelType: string;
  readonly modality: 'text' | 'image';
  /** `tfjs` or `onnx`, and why (one sentence). */
  readonly engine: string;
  readonly engineNote?: string;
  readonly hubId?: string;
  /** Snapshot commit (the folder under snapshots/) when resolved through the cache. */
  readonly revision?: string;
  /** Stored dtype of the weights (F32, BF16, …). */
  readonly dtype?: string;
  readonly parameters: number;
  /** Pooling used and why (family head, sentence-transformers config, or asked for). */
  readonly pooling: string;
  readonly poolingReason: string;
  /** Hidden-state index the features come from (0 = embeddings … numLayers = last). */
  readonly layer: number;
  readonly numLayers: number;
  /** Text: tokenizer model and vocabulary, e.g. "WordPiece, 30,522 tokens", and the truncation length. */
  readonly tokenizer?: string;
  readonly maxLength?: number;
  readonly maxLengthSource?: string;
  /** Images: what the processor does to every image, in words. */
  readonly processor?: string;
}

export interface TransferAnalysis {
  readonly verdict: Verdict;
  /** Configured training size the verdict is for. */
  readonly n: number;
  /** Where n came from: `config` (max_train_samples), `dataset` (rows available), ... */
  readonly nSource: string;
  /**
   * Predicted gain at n (scratch − transfer risk) with its interval. Absent, with a note, when it
   * is not a finite number (an expected risk is infinite at n); the verdict is then `too-close`.
   */
  readonly gain?: Estimate;
  /**
   * Coverage of the gain interval: 0.9 for the cross-validated arms, 0.8 for the closed forms of
   * linear checkpoints (0.95 for a REML fit at the boundary). Absent in analyses written before the
   * field existed, whose gain interval was 95%: read it with `gainIntervalLevel`.
   */
  readonly gainLevel?: number;
  /**
   * Curve id of the scratch arm the gain is measured against, when there were several (text: the
   * TF-IDF ridge `scratch` and the architecture from random initialisation `scratch-transformer`):
   * the one with the lower risk at n. Absent: the curve `scratch` (or `scratch-ridge`).
   */
  readonly scratchArm?: string;
  /** Sample size where transfer and scratch meet; null when they do not cross in range. */
  readonly crossoverN: number | null;
  readonly overlap: OverlapEstimate;
  readonly recommendation: Recommendation;
  /** Rows of the target data actually used by the analysis. */
  readonly samplesUsed: number;
  /** Rows available in the dataset (when known). */
  readonly datasetRows?: number;
  /** TensorFlow.js backend that ran (`tensorflow`, `wasm`, `cpu`). */
  readonly backend: string;
  readonly task: TaskKind;
  readonly strategy: Strategy;
  readonly featureDim: number;
  readonly inputDim: number;
  readonly numClasses?: number;
  readonly spectrum: OverlapSpectrum;
  readonly curves: LearningCurves;
  readonly phase: PhasePosition;
  readonly perLayer?: readonly LayerOverlap[];
  readonly mythCheck?: MythCheck;
  /** Zero-shot R² of the pretrained head on the target (when it predicts the same quantity). */
  readonly zeroShotR2?: number;
  /** Classic transferability scores (registry keys: logme, leep, hScore, ...). */
  readonly scores?: Readonly<Record<string, number>>;
  /** LogME of pretrained features minus LogME of raw inputs (log Bayes factor per sample). */
  readonly logmeVsRaw?: number;
  readonly checkpoint?: { readonly path: string; readonly format: string; readonly layer: string; readonly parameters?: number };
  /** The analysed data; when the config lists several datasets: the first one's path, the rows of all of them together. */
  readonly dataset?: { readonly path: string; readonly format: string; readonly rows: number; readonly columns?: number };
  /** Every dataset the analysis mixed, in list order, when the config lists several (`index`/`keyPath`: where it is listed). */
  readonly datasets?: readonly DatasetUsed[];
  readonly preprocessing?: Readonly<Record<string, unknown>>;
  /** A Hugging Face checkpoint as the analysis ran it (issue #14): model type, engine, pooling, layer, tokenizer or processor. */
  readonly hfModel?: HfModelUsed;
  /** Milliseconds per step. */
  readonly timings: Readonly<Record<string, number>>;
  /**
   * What the persistent caches (CLI --cache-dir, the worker's cache folder) served on this run
   * (issue #15): the features, the arms' fits (predictions per train/test rows) and other cached
   * steps by name ('hit' / 'miss'). Absent when nothing was cached or looked up.
   */
  readonly cache?: AnalysisCacheUse;
  /** Honest caveats, e.g. "probe under-determined", "partial analysis: row limit". */
  readonly notes: readonly string[];
  readonly seed: number;
}

/** See TransferAnalysis.cache. */
export interface AnalysisCacheUse {
  readonly features?: 'hit' | 'miss' | 'off';
  /** Fits of learners with a cache key: served from the cache / fitted and stored; `uncached`: learners without a key. */
  readonly arms?: { readonly hits: number; readonly misses: number; readonly uncached: number };
  readonly steps?: Readonly<Record<string, 'hit' | 'miss'>>;
}

/** The gain interval's coverage of analyses written before `gainLevel` existed. */
export const GAIN_LEVEL_WITHOUT_FIELD = 0.95;

/**
 * Coverage of `analysis.gain`'s interval (e.g. 0.8): `gainLevel` when it is a level, else the 95%
 * that every analysis written before the field had. Every text that prints the gain interval says
 * this level, since it differs between the cross-validated and the closed-form verdicts.
 */
export function gainIntervalLevel(analysis: { readonly gainLevel?: unknown }): number {
  const level = analysis.gainLevel;
  return typeof level === 'number' && level > 0 && level < 1 ? level : GAIN_LEVEL_WITHOUT_FIELD;
}

/** A coverage as words, e.g. 0.8 → "80%", 0.975 → "97.5%". */
export function levelPercent(level: number): string {
  return `${Number((level * 100).toFixed(1))}%`;
}

/** What `transferlens analyze` prints (JSON) and the worker returns. */
export interface AnalysisReport {
  readonly file: string;
  readonly findings: readonly import('./finding').Finding[];
  readonly analysis?: TransferAnalysis;
  /** ISO timestamp of when the analysis finished. */
  readonly finishedAt?: string;
  /** Content hash of the inputs the result is valid for. */
  readonly cacheKey?: string;
}

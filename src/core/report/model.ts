/**
 * The report model: everything the transfer report shows, already decided and worded, as plain
 * JSON-serialisable data. The webview, the Markdown copy and the standalone HTML export all
 * render this one model, so they cannot disagree. Every section is either present with its data
 * or explicitly absent with a reason the user can act on (a report that silently drops a plot
 * reads as "nothing to see", which is wrong when the analysis simply did not compute it).
 */
import type { Estimate, RecommendedStrategy, Verdict } from '../model/analysis';
import type { Severity } from '../model/finding';

/** A section that is either shown or explained away. */
export type Section<T> =
  | { readonly status: 'present'; readonly data: T }
  | { readonly status: 'absent'; readonly reason: string };

/** Section ids in display order; also the keys of `ReportModel.sections`. */
export const SECTION_IDS = [
  'headline',
  'learningCurves',
  'spectrum',
  'perLayer',
  'phaseDiagram',
  'mythCheck',
  'scores',
  'candidates',
  'details',
  'actions',
] as const;
export type SectionId = (typeof SECTION_IDS)[number];

export const SECTION_TITLES: Readonly<Record<SectionId, string>> = {
  headline: 'Verdict',
  learningCurves: 'Predicted learning curves',
  spectrum: 'Feature-overlap spectrum',
  perLayer: 'Overlap per layer',
  phaseDiagram: 'Phase diagram (linear theory)',
  mythCheck: 'Myth check: input-distribution distances',
  scores: 'Transferability scores',
  candidates: 'Candidate checkpoints',
  details: 'Details',
  actions: 'Actions',
};

/** Tone drives colour only; the words always carry the meaning too (colour-blind users). */
export type Tone = 'good' | 'bad' | 'neutral';

export interface HeadlineSection {
  readonly verdict: Verdict;
  readonly tone: Tone;
  /** One or two sentences a manager can read: verdict, gain with interval, recommendation, n*. */
  readonly sentence: string;
  /** Short badge text, e.g. "Transfer helps". */
  readonly badge: string;
  readonly n: number;
  readonly gain: Estimate;
  /** Coverage of the gain interval (0.8 for the closed forms, 0.9 cross-validated, …). */
  readonly gainLevel: number;
  readonly riskName: string;
  readonly crossoverN: number | null;
  readonly recommendation: { readonly strategy: RecommendedStrategy; readonly label: string; readonly reason: string };
  readonly overlap: { readonly value: number; readonly low: number; readonly high: number; readonly method: string };
}

/** Role of a curve decides its colour and legend position. */
export type CurveRole = 'configured' | 'recommended' | 'transfer-other' | 'scratch' | 'scratch-unregularised' | 'other';

export interface CurveSeries {
  readonly id: string;
  readonly label: string;
  readonly role: CurveRole;
  readonly points: readonly { readonly n: number; readonly mean: number; readonly low: number; readonly high: number; readonly measured: boolean }[];
}

export interface LearningCurvesSection {
  readonly riskName: string;
  readonly series: readonly CurveSeries[];
  readonly configuredN: number;
  readonly crossoverN: number | null;
  readonly scratchSpike: { readonly low: number; readonly high: number } | null;
  /** Largest n measured on subsamples; beyond it the curves are extrapolated. */
  readonly measuredUpTo: number | null;
  readonly caption: string;
}

export interface SpectrumSection {
  readonly components: readonly { readonly index: number; readonly variance: number; readonly share: number; readonly cumulative: number }[];
  /** Number of directions in the analysis (the plot may show fewer). */
  readonly totalDirections: number;
  readonly effectiveRank: number;
  readonly directionsFor90: number | null;
  readonly caption: string;
}

export interface PerLayerSection {
  readonly layers: readonly { readonly layer: string; readonly depth: number; readonly value: number; readonly low: number; readonly high: number }[];
  /** Suggested number of bottom blocks to freeze, and the deepest frozen layer. */
  readonly freezeDepth: number | null;
  readonly freezeUpTo: string | null;
  /** Where the freeze depth came from: the engine's recommendation, or the report's rule. */
  readonly freezeSource: 'recommendation' | 'overlap-rule' | null;
  readonly caption: string;
}

/** A polygon in (overlap, n/d) coordinates. */
export type PhasePolygon = readonly (readonly [number, number])[];

export interface PhaseDiagramSection {
  /** Plot range of n/d (overlap always spans 0..1). */
  readonly gammaMax: number;
  /** Relative noise σ²/‖f‖² the boundaries are drawn for. */
  readonly noise: number;
  /** Regions where linear transfer loses to min-norm scratch (T_lt < 0). The rest is positive. */
  readonly negativeRegions: readonly PhasePolygon[];
  readonly position: { readonly overlap: number; readonly overlapLow: number; readonly overlapHigh: number; readonly gamma: number; readonly gammaClipped: boolean };
  /** Region the position falls in under the theory. */
  readonly region: 'positive' | 'negative';
  /** Where the helper came from, for honesty in the caption. */
  readonly source: string;
  readonly caption: string;
}

export interface MythCheckSection {
  readonly sourceFile: string;
  readonly sourceSamples: number;
  readonly distances: readonly { readonly name: string; readonly value: number; readonly explanation: string }[];
  readonly naiveReading: 'similar' | 'distant';
  readonly verdict: Verdict;
  readonly disagrees: boolean;
  /** The one-line reason distances do not decide transfer. */
  readonly explanation: string;
  readonly summary: string;
}

export interface ScoreRow {
  readonly key: string;
  readonly name: string;
  readonly value: number;
  readonly formatted: string;
  /** Shown on hover and focus; also in the Markdown and as a screen-reader description. */
  readonly explanation: string;
  readonly reference: string;
}

export interface ScoresSection {
  readonly rows: readonly ScoreRow[];
  readonly caption: string;
}

/** Input for the candidates table: produced by a ranking run (several checkpoints, one dataset). */
export interface RankingInput {
  /** Score key the ranking is ordered by, e.g. `logme`. */
  readonly rankedBy: string;
  readonly candidates: readonly {
    readonly checkpoint: string;
    readonly label?: string;
    readonly scores: Readonly<Record<string, number>>;
    readonly verdict?: Verdict;
    readonly gain?: Estimate;
  }[];
}

export interface CandidatesSection {
  readonly rankedBy: string;
  readonly columns: readonly { readonly key: string; readonly name: string; readonly explanation: string }[];
  readonly rows: readonly {
    readonly rank: number;
    readonly checkpoint: string;
    readonly label: string;
    readonly isCurrent: boolean;
    readonly values: readonly string[];
    readonly verdict: string;
    readonly gain: string;
  }[];
}

/** One of several datasets the config lists and the analysis mixed. */
export interface DatasetRow {
  /** Relative to the config's folder when the file lies inside it (as configs usually write it), else absolute. */
  readonly path: string;
  readonly fullPath: string;
  readonly format: string;
  /** Rows of this dataset in the analysis sample, and in the whole dataset. */
  readonly rowsUsed: number;
  readonly rows: number;
  /** Where the config lists it, e.g. `datasets[1].path`. */
  readonly keyPath: string;
}

export interface DetailsSection {
  readonly rows: readonly { readonly label: string; readonly value: string }[];
  /** Present only when the config lists more than one dataset (one `Dataset` row otherwise). */
  readonly datasets?: readonly DatasetRow[];
  readonly timings: readonly { readonly step: string; readonly milliseconds: number }[];
  readonly totalMilliseconds: number;
  /** Honest caveats from the analysis plus warning/error findings. */
  readonly warnings: readonly string[];
  readonly findings: readonly { readonly code: string; readonly severity: Severity; readonly title: string; readonly line: number; readonly field: string | null }[];
}

/** A button in the report; `message` is what the webview posts when it is pressed. */
export interface ReportAction {
  readonly id: string;
  readonly label: string;
  readonly description: string;
  readonly kind: 'applyFix' | 'rerun' | 'copyMarkdown' | 'exportHtml';
  /** Finding code the fix is for (applyFix only). */
  readonly code?: string;
  readonly primary: boolean;
}

export interface ActionsSection {
  readonly actions: readonly ReportAction[];
}

/** Plots that can be exported as SVG/PNG. */
export type PlotId = 'learningCurves' | 'spectrum' | 'perLayer' | 'phaseDiagram';

export interface ReportSections {
  readonly headline: Section<HeadlineSection>;
  readonly learningCurves: Section<LearningCurvesSection>;
  readonly spectrum: Section<SpectrumSection>;
  readonly perLayer: Section<PerLayerSection>;
  readonly phaseDiagram: Section<PhaseDiagramSection>;
  readonly mythCheck: Section<MythCheckSection>;
  readonly scores: Section<ScoresSection>;
  readonly candidates: Section<CandidatesSection>;
  readonly details: Section<DetailsSection>;
  readonly actions: Section<ActionsSection>;
}

export interface ReportModel {
  /** Bumped when the shape changes, so a restored webview state from an older build is ignored. */
  readonly schemaVersion: 1;
  readonly title: string;
  /** Absolute path of the analysed config. */
  readonly file: string;
  readonly finishedAt: string | null;
  readonly sections: ReportSections;
}

export const REPORT_SCHEMA_VERSION = 1;

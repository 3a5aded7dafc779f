/**
 * buildReportModel: turns an AnalysisReport (the engine's JSON contract) into the ReportModel the
 * webview, the Markdown copy and the HTML export render. All wording and all decisions about what
 * to show live here, in pure code, so they are unit-tested without a browser. It never throws on
 * a malformed or partial report: missing parts become absent sections with a reason.
 */
import { gainIntervalLevel, levelPercent, type AnalysisReport, type Estimate, type TransferAnalysis } from '../model/analysis';
import { CODES } from '../model/codes';
import type { Finding } from '../model/finding';
import {
  baseName,
  capitalise,
  formatInteger,
  formatMilliseconds,
  formatNumber,
  formatPercent,
  formatSigned,
  pathFromConfig,
  strategyLabel,
} from './format';
import type {
  ActionsSection,
  CandidatesSection,
  CurveRole,
  CurveSeries,
  DatasetRow,
  DetailsSection,
  HeadlineSection,
  LearningCurvesSection,
  MythCheckSection,
  PerLayerSection,
  PhaseDiagramSection,
  RankingInput,
  ReportAction,
  ReportModel,
  ScoreRow,
  ScoresSection,
  Section,
  SpectrumSection,
} from './model';
import { REPORT_SCHEMA_VERSION } from './model';
import { linearTransferGain, negativeRegions } from './phase';
import { scoreInfo } from './scores';
import { hfModelRows } from './hfModel';
import { fixesForFinding } from '../fixes/fixes';

export interface ReportExtras {
  /** Result of ranking several checkpoints against this dataset (fills the candidates table). */
  readonly ranking?: RankingInput;
  /**
   * The config's current text. With it, "Apply fix" buttons are offered only for findings whose
   * quick fix really edits this text (the same fixesForFinding the editor uses), labelled with
   * the fix's title; without it (CLI export, old state) every finding with a payload is offered.
   */
  readonly configText?: string;
}

/** Most principal directions drawn in the spectrum plot; the caption states the total. */
export const MAX_SPECTRUM_COMPONENTS = 64;
/** Layers whose overlap is within this of the best layer count as "still high" for freezing. */
export const FREEZE_OVERLAP_TOLERANCE = 0.1;

const present = <T>(data: T): Section<T> => ({ status: 'present', data });
const absent = <T>(reason: string): Section<T> => ({ status: 'absent', reason });
const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

export function buildReportModel(report: AnalysisReport, extras: ReportExtras = {}): ReportModel {
  const analysis = report.analysis;
  const findings = Array.isArray(report.findings) ? report.findings : [];
  const whyNoAnalysis = analysis ? '' : noAnalysisReason(findings);
  const section = <T>(build: (a: TransferAnalysis) => Section<T>): Section<T> => {
    if (!analysis) return absent(whyNoAnalysis);
    try {
      return build(analysis);
    } catch (error) {
      // A malformed field in one part must not blank the whole report; say which part failed.
      return absent(`This part of the analysis result is malformed (${error instanceof Error ? error.message : String(error)}).`);
    }
  };
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    title: `Transfer report — ${baseName(report.file ?? 'config')}`,
    file: report.file ?? '',
    finishedAt: typeof report.finishedAt === 'string' ? report.finishedAt : null,
    sections: {
      headline: section(buildHeadline),
      learningCurves: section(buildLearningCurves),
      spectrum: section(buildSpectrum),
      perLayer: section(buildPerLayer),
      phaseDiagram: section(buildPhaseDiagram),
      mythCheck: section(buildMythCheck),
      scores: section(buildScores),
      candidates: buildCandidates(extras.ranking, analysis),
      details: present(buildDetails(report, findings)),
      actions: present(buildActions(findings, extras.configText)),
    },
  };
}

function firstLine(text: string): string {
  return String(text ?? '').split('\n')[0]!.trim();
}

function noAnalysisReason(findings: readonly Finding[]): string {
  const blocking = findings.filter((finding) => finding.severity === 'error');
  if (blocking.length > 0) {
    const first = blocking[0]!;
    const more = blocking.length > 1 ? ` (and ${blocking.length - 1} more error${blocking.length > 2 ? 's' : ''} in Details)` : '';
    return `The analysis did not run: ${firstLine(first.message)} [${first.code}]${more}. Fix the config and re-run.`;
  }
  return 'No analysis result yet: save the config or press Re-run to analyse it.';
}

// ---------------------------------------------------------------------------------------------
// Headline

function intervalText(level: number, low: number, high: number): string {
  return `${levelPercent(level)} interval ${formatNumber(low, 2)} to ${formatNumber(high, 2)}`;
}

function buildHeadline(analysis: TransferAnalysis): Section<HeadlineSection> {
  const { verdict, n, gain, crossoverN, recommendation } = analysis;
  if (!isFiniteNumber(gain?.mean)) return absent('The analysis did not produce a predicted gain.');
  const riskName = analysis.curves?.riskName || 'risk';
  const gainLevel = gainIntervalLevel(analysis);
  const size = `${formatInteger(n)} training samples`;
  // The short label (no parenthetical gloss) keeps the sentence free of nested parentheses.
  const configured = `Reusing the checkpoint (${strategyLabel(analysis.strategy).replace(/ \(.*\)$/, '')}, as configured)`;
  let verdictSentence: string;
  let badge: string;
  if (verdict === 'positive') {
    badge = 'Transfer helps';
    verdictSentence = `${configured} is predicted to beat training from scratch with ${size}: the ${riskName} is ${formatNumber(gain.mean, 2)} lower (${intervalText(gainLevel, gain.low, gain.high)}).`;
  } else if (verdict === 'negative') {
    badge = 'Transfer hurts';
    verdictSentence = `${configured} is predicted to lose to training from scratch with ${size}: the ${riskName} is ${formatNumber(-gain.mean, 2)} higher (${intervalText(gainLevel, -gain.high, -gain.low)}).`;
  } else {
    badge = 'Too close to call';
    verdictSentence = `${configured} and training from scratch are too close to call with ${size}: the predicted gain in ${riskName} is ${formatSigned(gain.mean)} (${levelPercent(gainLevel)} interval ${formatSigned(gain.low)} to ${formatSigned(gain.high)}), within noise.`;
  }
  const crossoverSentence = crossoverText(verdict, n, crossoverN);
  const recommendedLabel = strategyLabel(recommendation?.strategy ?? 'full');
  const keeps = recommendation?.strategy === analysis.strategy;
  const learningRate = isFiniteNumber(recommendation?.learningRate) ? ` at learning rate ${formatNumber(recommendation.learningRate)}` : '';
  const recommendationSentence = keeps
    ? `Recommendation: keep ${recommendedLabel}${learningRate}.`
    : `Recommendation: switch to ${recommendedLabel}${learningRate}.`;
  const sentence = [verdictSentence, recommendationSentence, crossoverSentence].filter(Boolean).join(' ');
  return present({
    verdict,
    tone: verdict === 'positive' ? 'good' : verdict === 'negative' ? 'bad' : 'neutral',
    sentence,
    badge,
    n,
    gain: { mean: gain.mean, low: gain.low, high: gain.high },
    gainLevel,
    riskName,
    crossoverN: isFiniteNumber(crossoverN) ? crossoverN : null,
    recommendation: { strategy: recommendation?.strategy ?? 'full', label: capitalise(recommendedLabel), reason: recommendation?.reason ?? '' },
    overlap: { value: analysis.overlap.value, low: analysis.overlap.low, high: analysis.overlap.high, method: analysis.overlap.method },
  });
}

function crossoverText(verdict: TransferAnalysis['verdict'], n: number, crossoverN: number | null): string {
  if (!isFiniteNumber(crossoverN)) return 'The transfer and scratch curves do not cross in the range analysed.';
  const at = `about ${formatInteger(crossoverN)} samples`;
  if (verdict === 'positive') {
    return crossoverN > n
      ? `Beyond ${at}, training from scratch is predicted to catch up and win.`
      : `Below ${at} scratch would have won; transfer pays off from there on.`;
  }
  if (verdict === 'negative') {
    return crossoverN < n
      ? `Transfer would win below ${at}; at your size, scratch does.`
      : `With more than ${at}, transfer is predicted to win.`;
  }
  return `The two curves cross at ${at}, close to your size.`;
}

// ---------------------------------------------------------------------------------------------
// Learning curves

function curveRole(id: string, analysis: TransferAnalysis): CurveRole {
  if (id === `transfer:${analysis.strategy}`) return 'configured';
  if (id === `transfer:${analysis.recommendation?.strategy}`) return 'recommended';
  if (id.startsWith('transfer:')) return 'transfer-other';
  // With several scratch arms (text), the one the verdict uses is drawn as scratch, the others as alternatives.
  if (id === (analysis.scratchArm ?? 'scratch')) return 'scratch';
  if (id === 'scratch-unregularised') return 'scratch-unregularised';
  return 'other';
}

const ROLE_ORDER: Readonly<Record<CurveRole, number>> = { configured: 0, recommended: 1, 'transfer-other': 2, scratch: 3, 'scratch-unregularised': 4, other: 5 };

function buildLearningCurves(analysis: TransferAnalysis): Section<LearningCurvesSection> {
  const curves = analysis.curves?.curves ?? [];
  const series: CurveSeries[] = curves
    .map((curve) => ({
      id: curve.id,
      label: curve.label,
      role: curveRole(curve.id, analysis),
      points: curve.points
        .filter((point) => point.n > 0 && isFiniteNumber(point.risk?.mean) && isFiniteNumber(point.risk.low) && isFiniteNumber(point.risk.high))
        .map((point) => ({ n: point.n, mean: point.risk.mean, low: point.risk.low, high: point.risk.high, measured: point.measured === true }))
        .sort((a, b) => a.n - b.n),
    }))
    .filter((curve) => curve.points.length > 0)
    .sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role]);
  if (series.length === 0) return absent('No learning curves were computed for this run (the curve step was skipped or produced no finite points).');
  const measured = series.flatMap((curve) => curve.points.filter((point) => point.measured).map((point) => point.n));
  const measuredUpTo = measured.length > 0 ? Math.max(...measured) : null;
  const spike = analysis.curves.scratchSpike;
  const scratchSpike = spike && isFiniteNumber(spike.low) && isFiniteNumber(spike.high) && spike.high > spike.low ? { low: spike.low, high: spike.high } : null;
  const crossoverN = isFiniteNumber(analysis.crossoverN) ? analysis.crossoverN : null;
  const parts = [
    `Predicted ${analysis.curves.riskName} (lower is better) against the number of training samples, on a log scale.`,
    'Bands are 90% intervals; filled dots were measured by cross-validation on subsamples, hollow dots are extrapolated.',
    `The solid vertical line marks your n = ${formatInteger(analysis.n)}`,
  ];
  parts[2] += crossoverN !== null ? `; the dotted one the crossover n* ≈ ${formatInteger(crossoverN)}.` : '.';
  if (scratchSpike) {
    parts.push(
      `The shaded band (${formatInteger(scratchSpike.low)}–${formatInteger(scratchSpike.high)}) is where scratch sits near its interpolation threshold (double descent): an unregularised scratch baseline looks anomalously bad there, so advice uses the tuned one.`,
    );
  }
  return present({
    riskName: analysis.curves.riskName,
    series,
    configuredN: analysis.n,
    crossoverN,
    scratchSpike,
    measuredUpTo,
    caption: parts.join(' '),
  });
}

// ---------------------------------------------------------------------------------------------
// Overlap spectrum

function buildSpectrum(analysis: TransferAnalysis): Section<SpectrumSection> {
  const spectrum = analysis.spectrum;
  const total = Math.min(spectrum?.variance?.length ?? 0, spectrum?.targetShare?.length ?? 0, spectrum?.cumulativeShare?.length ?? 0);
  if (total === 0) return absent('The feature spectrum was not computed for this run.');
  const shown = Math.min(total, MAX_SPECTRUM_COMPONENTS);
  const components = Array.from({ length: shown }, (_, i) => ({
    index: i + 1,
    variance: spectrum.variance[i]!,
    share: spectrum.targetShare[i]!,
    cumulative: spectrum.cumulativeShare[i]!,
  }));
  const directionsFor90 = isFiniteNumber(spectrum.directionsFor90) ? spectrum.directionsFor90 : null;
  const rank = `effective rank ${formatNumber(spectrum.effectiveRank)}`;
  let caption: string;
  if (directionsFor90 !== null) {
    const concentrated = directionsFor90 <= Math.max(1, total / 4);
    caption =
      `${formatInteger(directionsFor90)} of ${formatInteger(total)} principal feature directions carry 90% of the target signal (${rank}): ` +
      (concentrated
        ? 'the target is concentrated in a few feature directions, which a linear head learns from few samples.'
        : 'the target is spread across many directions, so a head on these features needs many samples.');
  } else {
    const last = spectrum.cumulativeShare[total - 1]!;
    caption = `No set of feature directions reaches 90% of the target signal: together they carry ${formatPercent(last)} (${rank}); the rest lies outside the feature space.`;
  }
  if (shown < total) caption += ` The plot shows the first ${shown} directions.`;
  caption += ' Bars: share of the target per direction; line: cumulative share; dots: feature variance (right axis, log scale).';
  return present({ components, totalDirections: total, effectiveRank: spectrum.effectiveRank, directionsFor90, caption });
}

// ---------------------------------------------------------------------------------------------
// Per-layer overlap

function buildPerLayer(analysis: TransferAnalysis): Section<PerLayerSection> {
  const layers = (analysis.perLayer ?? [])
    .filter((layer) => isFiniteNumber(layer.overlap?.value))
    .map((layer) => ({ layer: layer.layer, depth: layer.depth, value: layer.overlap.value, low: layer.overlap.low, high: layer.overlap.high }))
    .sort((a, b) => a.depth - b.depth);
  if (layers.length === 0) {
    const layer = analysis.checkpoint?.layer ? `'${analysis.checkpoint.layer}'` : 'the feature layer';
    return absent(`Per-layer overlap was not computed: only ${layer} was read. It needs features from earlier blocks, which this checkpoint or run did not provide.`);
  }
  const recommendation = analysis.recommendation;
  let freezeDepth: number | null = null;
  let freezeUpTo: string | null = null;
  let freezeSource: PerLayerSection['freezeSource'] = null;
  if (isFiniteNumber(recommendation?.freezeDepth)) {
    freezeDepth = recommendation.freezeDepth;
    freezeUpTo = recommendation.freezeUpTo ?? layers.find((layer) => layer.depth === freezeDepth)?.layer ?? null;
    freezeSource = 'recommendation';
  } else {
    // Method §3.4: freeze up to the deepest block whose overlap stays high; fine-tune above it.
    const best = Math.max(...layers.map((layer) => layer.value));
    let deepest: (typeof layers)[number] | null = null;
    for (const layer of layers) {
      if (layer.value < best - FREEZE_OVERLAP_TOLERANCE) break;
      deepest = layer;
    }
    if (deepest) {
      freezeDepth = deepest.depth;
      freezeUpTo = deepest.layer;
      freezeSource = 'overlap-rule';
    }
  }
  const range = `Overlap runs from ${formatNumber(layers[0]!.value, 2)} at '${layers[0]!.layer}' to ${formatNumber(layers[layers.length - 1]!.value, 2)} at '${layers[layers.length - 1]!.layer}'.`;
  let freezeText = '';
  if (freezeDepth !== null) {
    freezeText =
      freezeSource === 'recommendation'
        ? ` Recommended: freeze the bottom ${formatInteger(freezeDepth)} block${freezeDepth === 1 ? '' : 's'} (up to '${freezeUpTo}') and fine-tune the rest.`
        : ` Suggested freeze depth: up to '${freezeUpTo}' (the deepest block whose overlap stays within ${FREEZE_OVERLAP_TOLERANCE} of the best), fine-tuning the blocks above it.`;
  }
  return present({
    layers,
    freezeDepth,
    freezeUpTo,
    freezeSource,
    caption: `Share of the target inside each block's feature space (90% intervals). ${range}${freezeText}`,
  });
}

// ---------------------------------------------------------------------------------------------
// Phase diagram

function buildPhaseDiagram(analysis: TransferAnalysis): Section<PhaseDiagramSection> {
  const phase = analysis.phase;
  if (!phase || !isFiniteNumber(phase.overlap) || !isFiniteNumber(phase.gamma) || !isFiniteNumber(phase.noise)) {
    return absent('The position in the phase diagram (overlap, n/d and noise) was not estimated for this run.');
  }
  const noise = Math.max(0, phase.noise);
  const gammaCap = 8;
  const gammaMax = Math.min(gammaCap, Math.max(2, Math.ceil(phase.gamma * 1.25 * 2) / 2));
  const clamp01 = (value: number): number => Math.min(1, Math.max(0, value));
  const position = {
    overlap: clamp01(phase.overlap),
    overlapLow: clamp01(isFiniteNumber(phase.overlapLow) ? phase.overlapLow : phase.overlap),
    overlapHigh: clamp01(isFiniteNumber(phase.overlapHigh) ? phase.overlapHigh : phase.overlap),
    gamma: Math.max(0, phase.gamma),
    gammaClipped: phase.gamma > gammaMax,
  };
  const region = linearTransferGain(position.overlap, position.gamma, noise) >= 0 ? 'positive' : 'negative';
  const agrees =
    (region === 'positive' && analysis.verdict === 'positive') || (region === 'negative' && analysis.verdict === 'negative');
  const where = region === 'positive' ? "the theory's transfer-helps region" : "the theory's negative-transfer region";
  const comparison = agrees
    ? 'The measured verdict agrees.'
    : analysis.verdict === 'too-close'
      ? 'The measured verdict is too close to call.'
      : `The measured verdict (${analysis.verdict}) differs: real networks are not linear, and the verdict comes from the measurements.`;
  const clipped = position.gammaClipped ? ` (drawn at the top edge; the plot stops at n/d = ${gammaMax})` : '';
  return present({
    gammaMax,
    noise,
    negativeRegions: negativeRegions(noise, gammaMax),
    position,
    region,
    source: 'closed forms of method §5 (src/core/theory)',
    caption:
      `Where a frozen-feature probe beats (green) or loses to (red, hatched) min-norm scratch in the linear teacher–student theory, over feature overlap and n/d, at relative noise σ² = ${formatNumber(noise, 2)}. ` +
      `This config sits at overlap ${formatNumber(position.overlap, 2)} (${formatNumber(position.overlapLow, 2)}–${formatNumber(position.overlapHigh, 2)}), n/d = ${formatNumber(position.gamma, 3)}${clipped}: ${where}. ${comparison}`,
  });
}

// ---------------------------------------------------------------------------------------------
// Myth check

export const MYTH_EXPLANATION =
  "Distances between input distributions do not predict transfer: what decides it is whether the target lies in the checkpoint's feature space, and how many samples you have.";

function buildMythCheck(analysis: TransferAnalysis): Section<MythCheckSection> {
  const myth = analysis.mythCheck;
  if (!myth) {
    return absent(
      'No sample of the source (pretraining) inputs was configured, so input-distribution distances were not computed. They would not decide the verdict anyway.',
    );
  }
  const verdictWords = analysis.verdict === 'positive' ? 'transfer helps' : analysis.verdict === 'negative' ? 'transfer hurts' : 'the verdict is too close to call';
  const looks = myth.naiveReading === 'similar' ? 'similar to' : 'far from';
  const summary = myth.disagreesWithVerdict
    ? `The target inputs look ${looks} the source inputs, yet ${verdictWords}: a distance-based check would have got this wrong.`
    : `The target inputs look ${looks} the source inputs and ${verdictWords}; here they happen to agree, which is coincidence, not evidence.`;
  return present({
    sourceFile: myth.sourceFile,
    sourceSamples: myth.sourceSamples,
    distances: [
      { name: 'Gaussian-fit KL divergence', value: myth.gaussianKl, explanation: 'KL divergence between Gaussians fitted to source and target inputs.' },
      { name: 'Sliced Wasserstein distance', value: myth.slicedWasserstein, explanation: 'Average 1-D Wasserstein distance over random projections of the inputs.' },
      { name: 'MMD (RBF kernel)', value: myth.mmd, explanation: 'Maximum mean discrepancy with a median-heuristic RBF kernel.' },
    ],
    naiveReading: myth.naiveReading,
    verdict: analysis.verdict,
    disagrees: myth.disagreesWithVerdict,
    explanation: MYTH_EXPLANATION,
    summary,
  });
}

// ---------------------------------------------------------------------------------------------
// Scores

function buildScores(analysis: TransferAnalysis): Section<ScoresSection> {
  const rows: ScoreRow[] = Object.entries(analysis.scores ?? {})
    .filter(([, value]) => typeof value === 'number')
    .map(([key, value]) => {
      const info = scoreInfo(key);
      return { key, name: info.name, value, formatted: formatNumber(value), explanation: info.explanation, reference: info.reference };
    });
  if (isFiniteNumber(analysis.logmeVsRaw)) {
    rows.push({
      key: 'logmeVsRaw',
      name: 'LogME: features vs raw inputs',
      value: analysis.logmeVsRaw,
      formatted: formatSigned(analysis.logmeVsRaw, 3),
      explanation: 'Log Bayes factor per sample of the pretrained features over the raw inputs; above 0 means the features explain the labels better. A cheap sign pre-screen that ignores n and the strategy.',
      reference: 'method §3.3',
    });
  }
  if (isFiniteNumber(analysis.zeroShotR2)) {
    rows.push({
      key: 'zeroShotR2',
      name: 'Zero-shot R² of the pretrained head',
      value: analysis.zeroShotR2,
      formatted: formatNumber(analysis.zeroShotR2),
      explanation: 'R² of the pretrained head used as-is on the target; below 0 it is worse than predicting the mean, so full fine-tuning starts from a harmful point.',
      reference: 'method §3.4',
    });
  }
  if (rows.length === 0) return absent('No transferability scores were computed for this run (they need features and labels of the target).');
  return present({
    rows,
    caption: 'Classic scores rank checkpoints for one dataset; they ignore your sample count and strategy, so the verdict above does not rest on them. Hover or focus a name for its meaning.',
  });
}

// ---------------------------------------------------------------------------------------------
// Candidates

function buildCandidates(ranking: RankingInput | undefined, analysis: TransferAnalysis | undefined): Section<CandidatesSection> {
  if (!ranking || !Array.isArray(ranking.candidates) || ranking.candidates.length === 0) {
    return absent('No ranking was run: the candidates table appears after ranking several checkpoints against this dataset.');
  }
  const keys = [...new Set(ranking.candidates.flatMap((candidate) => Object.keys(candidate.scores ?? {})))];
  keys.sort((a, b) => (a === ranking.rankedBy ? -1 : b === ranking.rankedBy ? 1 : a.localeCompare(b)));
  const sortValue = (value: number | undefined): number => (isFiniteNumber(value) ? value : -Infinity);
  const ordered = [...ranking.candidates].sort((a, b) => sortValue(b.scores?.[ranking.rankedBy]) - sortValue(a.scores?.[ranking.rankedBy]));
  const gainText = (gain: Estimate | undefined): string =>
    gain && isFiniteNumber(gain.mean) ? `${formatSigned(gain.mean)} (${formatSigned(gain.low)} to ${formatSigned(gain.high)})` : '—';
  return present({
    rankedBy: scoreInfo(ranking.rankedBy).name,
    columns: keys.map((key) => ({ key, name: scoreInfo(key).name, explanation: scoreInfo(key).explanation })),
    rows: ordered.map((candidate, index) => ({
      rank: index + 1,
      checkpoint: candidate.checkpoint,
      label: candidate.label ?? baseName(candidate.checkpoint),
      isCurrent: analysis?.checkpoint?.path === candidate.checkpoint,
      values: keys.map((key) => (typeof candidate.scores?.[key] === 'number' ? formatNumber(candidate.scores[key]!) : '—')),
      verdict: candidate.verdict ?? '—',
      gain: gainText(candidate.gain),
    })),
  });
}

// ---------------------------------------------------------------------------------------------
// Details

function buildDetails(report: AnalysisReport, findings: readonly Finding[]): DetailsSection {
  const analysis = report.analysis;
  const rows: { label: string; value: string }[] = [{ label: 'Config', value: report.file ?? '' }];
  const warnings: string[] = [];
  let timings: { step: string; milliseconds: number }[] = [];
  let datasets: DatasetRow[] | undefined;
  if (analysis) {
    const checkpoint = analysis.checkpoint;
    if (checkpoint) {
      const parameters = isFiniteNumber(checkpoint.parameters) ? `, ${formatInteger(checkpoint.parameters)} parameters` : '';
      rows.push({ label: 'Checkpoint', value: `${checkpoint.path} (${checkpoint.format}${parameters}; features from layer '${checkpoint.layer}')` });
    }
    const dataset = analysis.dataset;
    datasets = datasetRows(analysis, report.file ?? '');
    if (datasets) {
      // analysis.dataset is then the first file with the rows of all of them: say so, and list each below.
      const total = datasets.reduce((sum, d) => sum + d.rows, 0);
      const used = datasets.reduce((sum, d) => sum + d.rowsUsed, 0);
      const columns = dataset && isFiniteNumber(dataset.columns) ? ` × ${formatInteger(dataset.columns)} columns` : '';
      rows.push({ label: 'Datasets', value: `${datasets.length} listed in the config, mixed: ${formatInteger(used)} of ${formatInteger(total)} rows used${columns} (per dataset below)` });
    } else if (dataset) {
      const columns = isFiniteNumber(dataset.columns) ? ` × ${formatInteger(dataset.columns)} columns` : '';
      rows.push({ label: 'Dataset', value: `${dataset.path} (${dataset.format}, ${formatInteger(dataset.rows)} rows${columns})` });
    }
    const classes = isFiniteNumber(analysis.numClasses) ? `, ${formatInteger(analysis.numClasses)} classes` : '';
    rows.push({ label: 'Task', value: `${analysis.task}${classes}` });
    rows.push({ label: 'Planned strategy', value: strategyLabel(analysis.strategy) });
    rows.push({ label: 'Training size n', value: `${formatInteger(analysis.n)} (from ${analysis.nSource})` });
    const ofRows = isFiniteNumber(analysis.datasetRows) ? ` of ${formatInteger(analysis.datasetRows)} rows` : '';
    rows.push({ label: 'Samples used by the analysis', value: `${formatInteger(analysis.samplesUsed)}${ofRows}` });
    rows.push({ label: 'Feature overlap', value: `${formatNumber(analysis.overlap.value, 2)} (90% interval ${formatNumber(analysis.overlap.low, 2)}–${formatNumber(analysis.overlap.high, 2)}, ${analysis.overlap.method})` });
    rows.push({ label: 'Dimensions', value: `${formatInteger(analysis.featureDim)} features, ${formatInteger(analysis.inputDim)} inputs` });
    if (analysis.recommendation?.reason) rows.push({ label: 'Why this recommendation', value: analysis.recommendation.reason });
    rows.push({ label: 'Backend', value: analysis.backend });
    rows.push({ label: 'Seed', value: String(analysis.seed) });
    // A Hugging Face checkpoint: model type, engine, pooling, layer, tokenizer / processor (issue #14).
    for (const row of hfModelRows(analysis.hfModel)) rows.push({ label: `Hugging Face: ${row.label}`, value: row.value });
    for (const [key, value] of Object.entries(analysis.preprocessing ?? {})) {
      rows.push({ label: `Preprocessing: ${key}`, value: typeof value === 'string' ? value : JSON.stringify(value) });
    }
    timings = Object.entries(analysis.timings ?? {})
      .filter(([, milliseconds]) => isFiniteNumber(milliseconds))
      .map(([step, milliseconds]) => ({ step, milliseconds }));
    warnings.push(...(analysis.notes ?? []).map(String));
  }
  if (report.finishedAt) rows.push({ label: 'Finished at', value: report.finishedAt });
  if (report.cacheKey) rows.push({ label: 'Cache key', value: report.cacheKey });
  for (const finding of findings) {
    if (finding.severity === 'error' || finding.severity === 'warning') warnings.push(`${firstLine(finding.message)} [${finding.code}]`);
  }
  const totalMilliseconds = timings.reduce((sum, timing) => sum + timing.milliseconds, 0);
  if (timings.length > 0) rows.push({ label: 'Analysis time', value: formatMilliseconds(totalMilliseconds) });
  return {
    rows,
    ...(datasets ? { datasets } : {}),
    timings,
    totalMilliseconds,
    warnings,
    findings: findings.map((finding) => ({
      code: finding.code,
      severity: finding.severity,
      title: firstLine(finding.message),
      line: (finding.range?.start?.line ?? 0) + 1,
      field: finding.field ?? null,
    })),
  };
}

/** The per-dataset rows when the analysis mixed more than one dataset (malformed entries dropped). */
function datasetRows(analysis: TransferAnalysis, configFile: string): DatasetRow[] | undefined {
  if (!Array.isArray(analysis.datasets)) return undefined;
  const rows = analysis.datasets
    .filter((d) => d && typeof d.path === 'string' && isFiniteNumber(d.rows) && isFiniteNumber(d.rowsUsed))
    .map((d) => ({
      path: pathFromConfig(d.path, configFile),
      fullPath: d.path,
      format: typeof d.format === 'string' ? d.format : '?',
      rowsUsed: d.rowsUsed,
      rows: d.rows,
      keyPath: typeof d.keyPath === 'string' ? d.keyPath : '',
    }));
  return rows.length > 1 ? rows : undefined;
}

// ---------------------------------------------------------------------------------------------
// Actions

function buildActions(findings: readonly Finding[], configText?: string): ActionsSection {
  // A finding with a machine-readable payload is one the editor's code actions can apply; with
  // the config text at hand, only one whose preferred fix really changes it (no "fix" buttons
  // that do nothing, e.g. "keep the linear probe" on a config that already says so).
  const preferredFix = (finding: Finding): string | undefined =>
    configText === undefined ? firstLine(finding.message) : fixesForFinding(finding, configText).find((fix) => fix.isPreferred)?.title;
  const fixable = findings.filter((finding) => finding.data !== undefined && Object.keys(finding.data).length > 0);
  const seen = new Set<string>();
  const actions: ReportAction[] = [];
  for (const finding of fixable) {
    if (seen.has(finding.code)) continue;
    const fixTitle = preferredFix(finding);
    if (fixTitle === undefined) continue;
    seen.add(finding.code);
    const title = CODES.get(finding.code)?.title ?? finding.code;
    actions.push({
      id: `applyFix:${finding.code}`,
      kind: 'applyFix',
      code: finding.code,
      label: `Apply fix: ${fixTitle}`,
      description: `${title} (line ${(finding.range?.start?.line ?? 0) + 1}); edits the config like the editor's quick fix.`,
      primary: actions.length === 0,
    });
  }
  actions.push(
    { id: 'rerun', kind: 'rerun', label: 'Re-run analysis', description: 'Analyse the config again (ignores the cache).', primary: false },
    { id: 'copyMarkdown', kind: 'copyMarkdown', label: 'Copy as Markdown', description: 'Copy this report as Markdown to the clipboard.', primary: false },
    { id: 'exportHtml', kind: 'exportHtml', label: 'Export HTML…', description: 'Save the report as one self-contained HTML file.', primary: false },
  );
  return { actions };
}

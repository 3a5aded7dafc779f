/**
 * Turns an analysis into findings placed on the config key each is about (method.md §3, issue
 * #3 item 3): the verdict on the checkpoint key, sample-size effects on the training-size key,
 * strategy advice on the strategy key, learning-rate advice on the learning-rate key, the myth
 * check on the dataset (or source) key. First lines are short; the numbers follow.
 */
import { gainIntervalLevel, levelPercent, type TransferAnalysis } from '../model/analysis';
import type { NormalizedConfig, SourceValue } from '../model/config';
import type { Finding, Severity } from '../model/finding';
import { codeInfo } from '../model/codes';
import { FILE_START, type Range } from '../model/range';
import { DISTORTION_LR, DISTORTION_MAX_N } from './analyze';

const fmtN = (n: number) => Math.round(n).toLocaleString('en-US');
/** The gain with its interval and the interval's level (80% for the closed forms, 90% cross-validated). */
const fmtGain = (a: TransferAnalysis) => {
  const g = a.gain;
  return g ? `${g.mean >= 0 ? '+' : ''}${g.mean.toFixed(3)} [${g.low.toFixed(3)}, ${g.high.toFixed(3)}] (${levelPercent(gainIntervalLevel(a))} interval)` : 'not a finite number (an expected risk is infinite at this n)';
};

export function verdictFindings(a: TransferAnalysis, config: NormalizedConfig): Finding[] {
  const out: Finding[] = [];
  const place = (v: SourceValue<unknown> | undefined, fallback?: SourceValue<unknown>): { file: string; range: Range } =>
    v ? { file: v.file, range: v.keyRange } : fallback ? { file: fallback.file, range: fallback.keyRange } : { file: config.file, range: FILE_START };
  const add = (code: string, message: string, where: { file: string; range: Range }, field: string, data?: Record<string, unknown>, severity?: Severity) => {
    if (config.suppressed?.includes(code)) return;
    out.push({ code, severity: severity ?? codeInfo(code).severity, message, field, ...where, data });
  };
  const ck = place(config.checkpoint);
  const risk = a.curves.riskName;
  const crossover = a.crossoverN !== null ? ` · crossover n≈${fmtN(a.crossoverN)}` : '';
  const rec = a.recommendation;
  // totalLayers: the deepest block the per-layer analysis read (the feature layer), so a quick fix
  // can turn "freeze up to block d" into "train the top totalLayers − d blocks".
  const totalLayers = a.perLayer?.length ? Math.max(...a.perLayer.map((l) => l.depth)) : undefined;
  const recData = { strategy: rec.strategy, learningRate: rec.learningRate, freezeDepth: rec.freezeDepth, totalLayers, verdict: a.verdict };
  const details = `Predicted gain (scratch ${risk} − transfer ${risk}) at n=${fmtN(a.n)}: ${fmtGain(a)}; feature overlap ${a.overlap.value.toFixed(2)} [${a.overlap.low.toFixed(2)}, ${a.overlap.high.toFixed(2)}]; ${fmtN(a.samplesUsed)} rows analysed on ${a.backend}.`;

  if (a.verdict === 'negative') {
    add('negative-transfer', `Negative transfer likely at n=${fmtN(a.n)}: scratch is predicted to beat this checkpoint${crossover}.\n${details}\nRecommendation: ${rec.strategy} — ${rec.reason}`, ck, 'checkpoint', recData);
  } else if (a.verdict === 'positive') {
    add('positive-transfer', `Transfer helps at n=${fmtN(a.n)} (gain ${a.gain?.mean.toFixed(3)})${crossover}.\n${details}`, ck, 'checkpoint', recData);
  } else if (!a.gain) {
    const why = a.notes.find((note) => note.startsWith('No gain is reported')) ?? 'The predicted gain is not a finite number at this n.';
    add('too-close-to-call', `No verdict at n=${fmtN(a.n)}: an expected risk is infinite there${crossover}.\n${why}\n${details}`, ck, 'checkpoint', recData);
  } else {
    add('too-close-to-call', `Too close to call at n=${fmtN(a.n)}: transfer and scratch are within noise${crossover}.\n${details}`, ck, 'checkpoint', recData);
  }
  if (a.overlap.high < 0.3) {
    add('low-feature-overlap', `Only ${(a.overlap.value * 100).toFixed(0)}% of the target lies in the checkpoint's feature space (interval ${a.overlap.low.toFixed(2)}–${a.overlap.high.toFixed(2)}).\nDataset similarity does not matter here: the features do. Consider another checkpoint or training from scratch.`, ck, 'checkpoint');
  }
  const sizeKey = place(config.trainSize, config.dataset);
  if (a.notes.some((n) => n.startsWith('Probe under-determined'))) {
    add('probe-underdetermined', `n=${fmtN(a.n)} is close to the feature count k=${fmtN(a.featureDim)}: a linear probe is at its interpolation threshold.\nUse clearly fewer features (a lower layer, PCA) or clearly more samples, or a ridge-regularised head.`, sizeKey, 'trainSize');
  }
  if (a.curves.scratchSpike && a.n >= a.curves.scratchSpike.low && a.n <= a.curves.scratchSpike.high) {
    add('scratch-double-descent', `n=${fmtN(a.n)} is near the scratch model's interpolation threshold (d=${fmtN(a.inputDim)}): unregularised scratch training spikes here, which flatters transfer.\nThe verdict uses the simulated training; compare against a regularised scratch run before trusting a win here.`, sizeKey, 'trainSize');
  }
  if (a.crossoverN !== null && a.crossoverN > a.n / 2 && a.crossoverN < a.n * 2) {
    add('crossover-near', `The sign of the gain flips near n≈${fmtN(a.crossoverN)}, close to the planned n=${fmtN(a.n)}.\nSmall changes in the training size change the verdict.`, sizeKey, 'trainSize', { crossoverN: a.crossoverN });
  }
  const strategyKey = place(config.strategy, config.checkpoint);
  const lrKey = place(config.learningRate, config.strategy ?? config.checkpoint);
  const lr = config.learningRate?.value;
  if (a.strategy === 'full' && lr !== undefined && lr >= DISTORTION_LR && a.n <= DISTORTION_MAX_N) {
    add('feature-distortion-risk', `Full fine-tuning at lr ${lr} on ${fmtN(a.n)} samples risks distorting the pretrained features.\nUse LP-FT (fit the head first) or lower the learning rate to ${lr / 10}.`, lrKey, 'learningRate', { learningRate: lr / 10, strategy: 'lp-ft' });
  }
  // A partial freeze the analysis identified as exactly another arm (a linear stack with only its
  // head trainable is a linear probe; with every layer trainable a full fine-tune) is that arm.
  const partialFreezeIs = a.notes.find((note) => note.startsWith('Partial freeze with') && note.includes('the verdict uses the'));
  const configured = a.strategy === 'full' ? 'full'
    : a.strategy !== 'partial-freeze' ? 'linear-probe'
      : partialFreezeIs?.includes('that is a linear probe') ? 'linear-probe' : partialFreezeIs?.includes('that is a full fine-tune') ? 'full' : 'partial-freeze';
  if (rec.strategy !== configured) {
    const code = { 'linear-probe': 'prefer-linear-probe', 'lp-ft': 'prefer-lp-ft', full: undefined, 'partial-freeze': 'prefer-partial-freeze', scratch: 'prefer-scratch' }[rec.strategy];
    if (code) add(code, `${codeInfo(code).title}.\n${rec.reason}`, strategyKey, 'strategy', recData);
  }
  if (a.zeroShotR2 !== undefined && a.zeroShotR2 < 0) {
    add('zero-shot-negative', `The pretrained head predicts worse than the mean (zero-shot R² ${a.zeroShotR2.toFixed(2)}): full fine-tuning starts further from the target than zero.\nPrefer a new head (linear probe or LP-FT) over fine-tuning the old one.`, ck, 'checkpoint');
  }
  if (a.mythCheck?.disagreesWithVerdict) {
    const m = a.mythCheck;
    add('dataset-similarity-misleading', `Input distributions look ${m.naiveReading} (MMD² ${m.mmd.toFixed(3)}, KL ${m.gaussianKl.toFixed(2)}), yet the verdict is ${a.verdict}.\nDistribution distances do not predict transfer; the feature-space overlap does.`, place(config.sourceTrainFile, config.dataset), 'dataset');
  }
  if (a.notes.some((n) => n.startsWith('Partial analysis'))) {
    add('partial-analysis', a.notes.find((n) => n.startsWith('Partial analysis'))!, ck, 'checkpoint');
  }
  return out;
}

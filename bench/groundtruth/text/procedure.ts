/**
 * How the text verdict behaves over many users' samples, not one (issue #15): the benchmark
 * (run.ts) scores the CLI on ONE draw of n rows per case, so a case's "too close" or commit is one
 * sample of the procedure's behaviour. Here the verdict's probe-versus-TF-IDF procedure —
 * analyzeTransfer as the text branch calls it (src/node/textDataset.ts: the checkpoint's pooled
 * features, the TF-IDF ridge on the sample's own vocabulary, 256 hashed TF-IDF columns as inputs,
 * TEXT_CV_REPEATS runs of 5-fold CV, the gain moved from the rows CV trains on to n) — runs on each of the truth's first D draws of n rows (draw 0
 * is the case's train.csv), and per case reports how often it commits, how often it is right,
 * and how often its interval holds the truth; next to the spread of its gain over draws against
 * the standard error it reports (is the interval as wide as the sampling spread, or wider?).
 *
 * Not the CLI: no scratch transformer (on every decisive case the TF-IDF ridge is the truth's
 * scratch arm, and the one-standard-error rule keeps the TF-IDF ridge unless the transformer is
 * clearly lower), probe-family cases only (the full fine-tune costs minutes per draw).
 *
 *   npx tsx bench/groundtruth/text/procedure.ts [--draws 10] [--replicate R] [--only S] [--uncorrected]
 * Output: bench/groundtruth/text/published/procedure[-rR][-uncorrected].txt and .json
 * (--uncorrected: without the train-size correction of the gain, AnalysisInput.trainSizeCorrection).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeTransfer, VERDICT_Z } from '../../../src/core/analysis/analyze';
import { hashedDense, tfidfLearner, tfidfMatrix } from '../../../src/core/analysis/tfidf';
import { takeRows } from '../../../src/core/linalg/matrix';
import { initBackend } from '../../../src/node/backend';
import { HASHED_DIMS, TEXT_CV_REPEATS } from '../../../src/node/textDataset';
import { median, transcript } from '../../common';
import { meanAndStandardError } from '../stats';
import { drawsFor, featuresOf, pool, targetOf, textCases, type TextTruth } from './run';

const HERE = __dirname;
/** --uncorrected: the gain at the rows CV trains on, as before the train-size correction. */
const UNCORRECTED = process.argv.includes('--uncorrected');

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

interface DrawAnswer {
  readonly verdict: string;
  readonly mean: number;
  readonly low: number;
  readonly high: number;
}

interface CaseSummary {
  readonly id: string;
  readonly n: number;
  readonly trueSign: string;
  /** The truth's gain on the tool's scale (error rate; MSE / Var(y) for regression). */
  readonly truthGain: number;
  readonly draws: readonly DrawAnswer[];
  readonly commits: number;
  readonly right: number;
  readonly covered: number;
  /** Standard deviation of the tool's gain over the draws. */
  readonly spread: number;
  /** Mean reported standard error (interval half-width / z). */
  readonly meanSe: number;
  readonly seconds: number;
}

async function main(): Promise<void> {
  const replicate = Number(option('--replicate') ?? 0);
  const drawCount = Number(option('--draws') ?? 10);
  const only = option('--only');
  const casesDir = join(HERE, replicate ? `suite-r${replicate}` : 'suite');
  const specs = textCases(replicate).filter((s) => s.strategy !== 'full' && (!only || s.id.includes(only)));
  await initBackend('wasm');
  const z = VERDICT_Z;
  const summaries: CaseSummary[] = [];
  const { lines, log } = transcript();
  for (const spec of specs) {
    const started = Date.now();
    const truth = (await import(join(casesDir, spec.id, 'truth.json'))).default as TextTruth;
    const p = pool(spec.task);
    const draws = drawsFor(spec, p, drawCount);
    const classNames = p.task === 'classification' ? [...new Set(p.labels as string[])].sort() : [];
    const setFeatures = await featuresOf(spec.checkpoint, p.set);
    const answers: DrawAnswer[] = [];
    let normalised = false;
    for (const train of draws.train) {
      const texts = Array.from(train, (i) => p.texts[i]!);
      const target = targetOf(p, train, classNames);
      const x = tfidfMatrix(texts);
      const analysis = await analyzeTransfer({
        features: takeRows(setFeatures, Array.from(train, (i) => p.setRows[i]!)),
        inputs: hashedDense(x, HASHED_DIMS),
        target,
        plannedN: spec.n,
        nSource: 'bench',
        strategy: 'linear-probe',
        cvRepeats: TEXT_CV_REPEATS,
        trainSizeCorrection: !UNCORRECTED,
        scratchLearners: [tfidfLearner(x, target, { seed: 0 })],
        backend: 'wasm',
        seed: 0,
      });
      normalised = /var/i.test(analysis.curves.riskName);
      const g = analysis.gain;
      answers.push({ verdict: analysis.verdict, mean: g?.mean ?? NaN, low: g?.low ?? NaN, high: g?.high ?? NaN });
    }
    const truthGain = normalised ? truth.gainMean / truth.labelVariance : truth.gainMean;
    const commits = answers.filter((a) => a.verdict !== 'too-close').length;
    const right = answers.filter((a) => a.verdict === truth.trueSign).length;
    const covered = answers.filter((a) => a.low <= truthGain && truthGain <= a.high).length;
    const gains = answers.map((a) => a.mean);
    const spread = Math.sqrt(meanAndStandardError(gains).se ** 2 * gains.length);
    const meanSe = answers.reduce((s, a) => s + (a.high - a.low) / (2 * z), 0) / answers.length;
    const summary: CaseSummary = { id: spec.id, n: spec.n, trueSign: truth.trueSign, truthGain, draws: answers, commits, right, covered, spread, meanSe, seconds: Math.round((Date.now() - started) / 1000) };
    summaries.push(summary);
    log(`${spec.id.padEnd(26)} truth ${truth.trueSign.padEnd(12)} ${truthGain.toFixed(3).padStart(7)} | commits ${commits}/${answers.length} right ${right} covered ${covered} | tool gain ${meanAndStandardError(gains).mean.toFixed(3).padStart(7)}, spread ${spread.toFixed(3)} vs reported SE ${meanSe.toFixed(3)} (ratio ${(meanSe / spread).toFixed(2)}) | draw 0: ${answers[0]!.verdict} ${answers[0]!.mean.toFixed(3)} [${answers[0]!.low.toFixed(3)}, ${answers[0]!.high.toFixed(3)}] ${summary.seconds}s`);
  }
  const decisive = summaries.filter((s) => s.trueSign !== 'within-noise');
  const within = summaries.filter((s) => s.trueSign === 'within-noise');
  const sum = (xs: readonly CaseSummary[], f: (s: CaseSummary) => number) => xs.reduce((a, s) => a + f(s), 0);
  const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)}% (${a}/${b})` : 'n/a');
  log('');
  log(`over ${drawCount} draws per case (${summaries.length} probe cases; a draw = one user's sample of n rows):`);
  log(`(a) right when committing, decisive: ${pct(sum(decisive, (s) => s.right), sum(decisive, (s) => s.commits))}`);
  log(`(b) commits on decisive draws:       ${pct(sum(decisive, (s) => s.commits), sum(decisive, (s) => s.draws.length))}`);
  log(`(c) commits on within-noise draws:   ${pct(sum(within, (s) => s.commits), sum(within, (s) => s.draws.length))}`);
  log(`interval holds the truth:            ${pct(sum(summaries, (s) => s.covered), sum(summaries, (s) => s.draws.length))}`);
  for (const [label, keep] of [['n < 100', (n: number) => n < 100], ['100 ≤ n < 500', (n: number) => n >= 100 && n < 500], ['n ≥ 500', (n: number) => n >= 500]] as const) {
    const part = summaries.filter((s) => keep(s.n));
    const dec = part.filter((s) => s.trueSign !== 'within-noise');
    if (!part.length) continue;
    log(`  ${label.padEnd(14)} (b) ${pct(sum(dec, (s) => s.commits), sum(dec, (s) => s.draws.length))}, coverage ${pct(sum(part, (s) => s.covered), sum(part, (s) => s.draws.length))}, reported SE / spread over draws: median ${median(part.map((s) => s.meanSe / s.spread)).toFixed(2)}`);
  }
  const stem = `procedure${replicate ? `-r${replicate}` : ''}${UNCORRECTED ? '-uncorrected' : ''}${only ? '-partial' : ''}`;
  writeFileSync(join(HERE, 'published', `${stem}.txt`), lines.join('\n') + '\n');
  writeFileSync(join(HERE, 'published', `${stem}.json`), JSON.stringify({ finishedAt: new Date().toISOString(), drawCount, cvRepeats: TEXT_CV_REPEATS, summaries }, null, 1) + '\n');
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});

/**
 * The benchmark's scorer: runs the real CLI (`node dist/cli.js analyze <case>/config.yaml
 * --format json`) on every case, reads `analysis.verdict` and `analysis.gain` (contract:
 * src/core/model/analysis.ts), computes the naive baselines from the case data, and prints
 *   (a) accuracy on decisive cases where the method commits,
 *   (b) commit rate on decisive cases,
 *   (c) commit rate on within-noise cases,
 *   interval calibration (share of cases whose measured mean gain lies in the predicted interval),
 * per method and per family. Degrades gracefully: a missing CLI, a crash, a timeout or a report
 * without `analysis` counts as "no answer" (not a commit) and is listed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Truth } from './generate';
import { featuresAndLabels, readCsv } from './csv';
import { forwardDense, loadDenseStack } from './checkpoint';
import { logme, mmdSquared, MMD_SIMILAR_THRESHOLD } from './baselines';

type Answer = 'positive' | 'negative' | 'too-close' | 'no-answer';

interface CaseResult {
  readonly id: string;
  readonly family: string;
  readonly trueSign: Truth['trueSign'];
  readonly gainMean: number;
  readonly tool: Answer;
  readonly toolGain?: { mean: number; low: number; high: number };
  /** Measured gain expressed on the tool's risk scale (normalised when the tool normalises). */
  readonly gainOnToolScale: number;
  readonly toolLogmeVsRaw?: number;
  readonly toolError?: string;
  /** Breaches of the JSON contract's invariants (see contractProblems), empty when it holds. */
  readonly contract?: readonly string[];
  readonly toolSeconds: number;
  readonly logmeVsRaw: number;
  readonly mmd2: number;
}

export interface ScoreOptions {
  readonly casesDir: string;
  readonly caseIds: readonly string[];
  readonly cli: string;
  readonly timeoutSeconds: number;
  readonly resultsFile: string;
}

function runCli(cli: string, config: string, timeoutSeconds: number): { report?: any; error?: string; seconds: number } {
  const started = Date.now();
  if (!existsSync(cli)) return { error: `CLI not found at ${cli} (run npm run build)`, seconds: 0 };
  const result = spawnSync(process.execPath, [cli, 'analyze', config, '--format', 'json'], {
    encoding: 'utf8',
    timeout: timeoutSeconds * 1000,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
  });
  const seconds = (Date.now() - started) / 1000;
  if (result.error) return { error: `CLI failed: ${result.error.message}`, seconds };
  const stdout = result.stdout ?? '';
  const start = stdout.indexOf('{');
  if (start < 0) return { error: `no JSON on stdout (exit ${result.status}): ${(result.stderr ?? '').trim().split('\n').slice(-1)[0] ?? ''}`, seconds };
  try {
    return { report: JSON.parse(stdout.slice(start)), seconds };
  } catch (e) {
    return { error: `unparseable JSON (exit ${result.status}): ${e instanceof Error ? e.message : e}`, seconds };
  }
}

function baselineScores(folder: string, truth: Truth): { logmeVsRaw: number; mmd2: number } {
  const train = featuresAndLabels(readCsv(join(folder, 'train.csv')), 'label');
  const source = featuresAndLabels(readCsv(join(folder, 'source.csv')), 'label');
  const stack = loadDenseStack(join(folder, 'model.json'));
  const penultimate = forwardDense(train.inputs, train.labels.length, train.dimension, stack.layers, stack.layers.length - 1);
  const rows = train.labels.length;
  let targets: Float64Array;
  let columns = 1;
  if (truth.task === 'classification') {
    columns = truth.numClasses ?? 1 + Math.max(...train.labels);
    targets = new Float64Array(rows * columns);
    for (let r = 0; r < rows; r++) targets[r * columns + train.labels[r]!] = 1;
  } else {
    targets = Float64Array.from(train.labels);
  }
  const logmeVsRaw =
    logme(penultimate.values, rows, penultimate.width, targets, columns) - logme(train.inputs, rows, train.dimension, targets, columns);
  const mmd2 = mmdSquared(source.inputs, source.labels.length, train.inputs, rows, train.dimension);
  return { logmeVsRaw, mmd2 };
}

interface Summary {
  readonly method: string;
  readonly cases: number;
  readonly decisive: number;
  readonly withinNoise: number;
  /** (a) */
  readonly accuracyWhenCommitted: number | null;
  readonly committedDecisive: number;
  /** (b) */
  readonly commitRateDecisive: number | null;
  /** (c) */
  readonly commitRateWithinNoise: number | null;
  readonly calibration: number | null;
  readonly noAnswer: number;
}

function summarise(method: string, results: readonly CaseResult[], answer: (r: CaseResult) => Answer, interval?: (r: CaseResult) => boolean | null): Summary {
  const decisive = results.filter((r) => r.trueSign !== 'within-noise');
  const within = results.filter((r) => r.trueSign === 'within-noise');
  const commits = (r: CaseResult): boolean => answer(r) === 'positive' || answer(r) === 'negative';
  const committedDecisive = decisive.filter(commits);
  const correct = committedDecisive.filter((r) => answer(r) === r.trueSign);
  const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);
  const intervals = interval ? results.map(interval).filter((v): v is boolean => v !== null) : [];
  return {
    method,
    cases: results.length,
    decisive: decisive.length,
    withinNoise: within.length,
    accuracyWhenCommitted: ratio(correct.length, committedDecisive.length),
    committedDecisive: committedDecisive.length,
    commitRateDecisive: ratio(committedDecisive.length, decisive.length),
    commitRateWithinNoise: ratio(within.filter(commits).length, within.length),
    calibration: interval ? ratio(intervals.filter(Boolean).length, intervals.length) : null,
    noAnswer: results.filter((r) => answer(r) === 'no-answer').length,
  };
}

const percent = (v: number | null): string => (v === null ? '   n/a' : `${(100 * v).toFixed(1).padStart(5)}%`);

function printSummaries(title: string, summaries: readonly Summary[]): void {
  console.log(`\n${title}`);
  console.log('method                      cases decisive within | (a) acc|commit  (b) commit|decisive  (c) commit|within  calibration  no-answer');
  for (const s of summaries) {
    console.log(
      `${s.method.padEnd(27)} ${String(s.cases).padStart(5)} ${String(s.decisive).padStart(8)} ${String(s.withinNoise).padStart(6)} | ` +
        `${percent(s.accuracyWhenCommitted)} (${s.committedDecisive})`.padEnd(16) +
        `${percent(s.commitRateDecisive)}`.padEnd(21) +
        `${percent(s.commitRateWithinNoise)}`.padEnd(19) +
        `${percent(s.calibration)}`.padEnd(13) +
        `${s.noAnswer}`,
    );
  }
}

export async function scoreCases(options: ScoreOptions): Promise<void> {
  const results: CaseResult[] = [];
  const cliPresent = existsSync(options.cli);
  if (!cliPresent) console.log(`\nnote: ${options.cli} does not exist — scoring the baselines only (build with npm run build).`);
  for (const id of options.caseIds) {
    const folder = join(options.casesDir, id);
    if (!existsSync(join(folder, 'truth.json'))) {
      console.log(`${id}: not generated (run without --score-only) — skipped`);
      continue;
    }
    const truth = JSON.parse(readFileSync(join(folder, 'truth.json'), 'utf8')) as Truth;
    const baselines = baselineScores(folder, truth);
    const run = cliPresent ? runCli(options.cli, join(folder, 'config.yaml'), options.timeoutSeconds) : { error: 'CLI not built', seconds: 0 };
    const analysis = run.report?.analysis;
    let tool: Answer = 'no-answer';
    let toolError = run.error;
    if (analysis && ['positive', 'negative', 'too-close'].includes(analysis.verdict)) tool = analysis.verdict;
    else if (!toolError) toolError = run.report ? `no analysis in report (findings: ${(run.report.findings ?? []).map((f: any) => f.code).join(', ')})` : 'no report';
    // When the tool reports risks normalised by Var(y), compare on that scale.
    const normalised = typeof analysis?.curves?.riskName === 'string' && /var/i.test(analysis.curves.riskName);
    const gainOnToolScale = normalised ? truth.gainMean / truth.labelVariance : truth.gainMean;
    const gain = analysis?.gain;
    const contract = analysis ? contractProblems(analysis) : [];
    results.push({
      id,
      family: truth.family,
      trueSign: truth.trueSign,
      gainMean: truth.gainMean,
      tool,
      ...(gain && [gain.mean, gain.low, gain.high].every((v: unknown) => typeof v === 'number') ? { toolGain: { mean: gain.mean, low: gain.low, high: gain.high } } : {}),
      gainOnToolScale,
      ...(typeof analysis?.logmeVsRaw === 'number' ? { toolLogmeVsRaw: analysis.logmeVsRaw } : {}),
      ...(toolError ? { toolError } : {}),
      ...(contract.length > 0 ? { contract } : {}),
      toolSeconds: run.seconds,
      ...baselines,
    });
    const last = results[results.length - 1]!;
    console.log(
      `${id.padEnd(52)} truth ${truth.trueSign.padEnd(12)} tool ${tool.padEnd(9)}` +
        (last.toolGain ? ` gain ${last.toolGain.mean.toFixed(3)} [${last.toolGain.low.toFixed(3)}, ${last.toolGain.high.toFixed(3)}] vs ${gainOnToolScale.toFixed(3)}` : '') +
        ` logme ${baselines.logmeVsRaw.toFixed(3)} mmd² ${baselines.mmd2.toFixed(3)}` +
        (run.seconds ? ` ${run.seconds.toFixed(1)}s` : '') +
        (toolError && cliPresent ? `  (${toolError.slice(0, 120)})` : '') +
        (contract.length > 0 ? `  CONTRACT: ${contract.join('; ')}` : ''),
    );
  }
  const breaches = results.filter((r) => r.contract);
  console.log(`\nJSON contract (finite numbers, gain = its arm's alternatives entry, committed intervals clear zero): ${breaches.length === 0 ? `holds on all ${results.length} cases` : `BROKEN on ${breaches.length}: ${breaches.map((r) => r.id).join(', ')}`}`);

  const sign = (v: number): Answer => (v > 0 ? 'positive' : 'negative');
  const methods: [string, (r: CaseResult) => Answer, ((r: CaseResult) => boolean | null)?][] = [
    ['TransferLens (CLI)', (r) => r.tool, (r) => (r.toolGain ? r.gainOnToolScale >= r.toolGain.low && r.gainOnToolScale <= r.toolGain.high : null)],
    ['LogME features vs raw', (r) => sign(r.logmeVsRaw)],
    [`MMD² < ${MMD_SIMILAR_THRESHOLD} ⇒ positive`, (r) => (r.mmd2 < MMD_SIMILAR_THRESHOLD ? 'positive' : 'negative')],
    ['always positive', () => 'positive'],
  ];
  if (results.some((r) => r.toolLogmeVsRaw !== undefined)) {
    methods.splice(1, 0, ['LogME vs raw (CLI field)', (r) => (r.toolLogmeVsRaw === undefined ? 'no-answer' : sign(r.toolLogmeVsRaw))]);
  }
  const overall = methods.map(([name, answer, interval]) => summarise(name, results, answer, interval));
  printSummaries(`ALL CASES (${results.length})`, overall);
  const families = [...new Set(results.map((r) => r.family))];
  const perFamily: Record<string, Summary[]> = {};
  for (const family of families) {
    const subset = results.filter((r) => r.family === family);
    perFamily[family] = methods.map(([name, answer, interval]) => summarise(name, subset, answer, interval));
    printSummaries(`family ${family} (${subset.length})`, perFamily[family]!);
  }
  const times = results.map((r) => r.toolSeconds).filter((t) => t > 0);
  if (times.length) console.log(`\nCLI time per case: mean ${(times.reduce((a, b) => a + b, 0) / times.length).toFixed(1)} s, max ${Math.max(...times).toFixed(1)} s`);
  console.log('\ntargets (issue #3): (a) ≥ 95%, (b) ≥ 60%, (c) ≤ 25%; beat the LogME baseline on (a) and (c).');
  mkdirSync(dirname(options.resultsFile), { recursive: true });
  writeFileSync(options.resultsFile, JSON.stringify({ finishedAt: new Date().toISOString(), overall, perFamily, results }, null, 2) + '\n');
  console.log(`results written to ${options.resultsFile}`);
}

/** Fields the contract allows to be null (no crossover in range; fewer than 90% of directions). */
const NULLABLE = new Set(['crossoverN', 'directionsFor90']);

/**
 * The JSON contract's invariants on one report's `analysis` (issue #17), as the CLI printed it:
 * every number finite and null only where the type allows it (JSON turns ±Infinity and NaN into
 * null); a reported gain is one of `recommendation.alternatives`' entries (its arm's); a
 * committed verdict has a gain whose interval excludes zero.
 */
export function contractProblems(analysis: any): string[] {
  const problems: string[] = [];
  const walk = (value: unknown, path: string): void => {
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) problems.push(`${path} = ${value}`);
    } else if (value === null) {
      if (!NULLABLE.has(path.split('.').pop()!)) problems.push(`${path} = null`);
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${path}[${i}]`));
    } else if (typeof value === 'object' && value !== undefined) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) walk(v, `${path}.${k}`);
    }
  };
  walk(analysis, 'analysis');
  const gain = analysis.gain;
  const alternatives: { gain?: unknown }[] = analysis.recommendation?.alternatives ?? [];
  if (gain && alternatives.length > 0 && !alternatives.some((a) => JSON.stringify(a.gain) === JSON.stringify(gain))) {
    problems.push(`gain ${JSON.stringify(gain)} is no alternatives entry`);
  }
  if (analysis.verdict === 'positive' && !(gain && gain.low > 0)) problems.push(`positive with ${JSON.stringify(gain)}`);
  if (analysis.verdict === 'negative' && !(gain && gain.high < 0)) problems.push(`negative with ${JSON.stringify(gain)}`);
  return problems;
}

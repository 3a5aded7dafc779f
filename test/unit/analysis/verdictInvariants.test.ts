/**
 * Invariants of the whole verdict path on linear checkpoints (issue #17), checked over a spread of
 * configurations rather than one: strategies full / partial freeze (exactly a probe, or a stand-in)
 * / linear probe; n below, at and above the probe's feature count k and the input width d; noisy
 * and noiseless targets; CV inside n rows and repeated hold-out on a larger dataset.
 *
 *  1. The verdict's arm is the configured strategy's arm or the stand-in the notes name, and
 *     `analysis.gain` equals that arm's entry in `recommendation.alternatives` (both absent together).
 *  2. Every number in the JSON contract is finite; `null` appears only where the type allows it;
 *     an absent gain comes with a note that says why in words.
 *  3. A committed verdict (positive / negative) has an interval that excludes zero by more than
 *     numerical noise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix } from '../../../src/core/linalg/matrix';
import { analyzeTransfer, type AnalysisInput } from '../../../src/core/analysis/analyze';
import { makeTarget } from '../../../src/core/analysis/learners';
import { minNormFineTuneLearner, minNormScratchLearner } from '../../../src/core/analysis/linearArms';
import { verdictFindings } from '../../../src/core/analysis/findings';
import { GAIN_NUMERIC_MARGIN } from '../../../src/core/analysis/linearClosedForm';
import { createRandom } from '../../../src/core/theory';
import type { TransferAnalysis } from '../../../src/core/model/analysis';
import type { NormalizedConfig } from '../../../src/core/model/config';

type Configured = 'full' | 'partial-freeze-probe' | 'partial-freeze-standin' | 'linear-probe';

interface Case {
  readonly strategy: Configured;
  readonly d: number;
  readonly k: number;
  readonly n: number;
  readonly sigma: number;
  /** Rows in the dataset (≥ n; 4·n and more switch to repeated hold-out). */
  readonly rows: number;
  readonly seed: number;
}

function inputFor(c: Case): AnalysisInput {
  const random = createRandom(c.seed);
  const { d, k, rows } = c;
  // A generic two-layer linear checkpoint: Dense(d → k) with Gaussian weights, head w2; β_s = W1·w2.
  const w1 = matrix(d, k);
  for (let i = 0; i < w1.data.length; i++) w1.data[i] = random.normal() / Math.sqrt(d);
  const w2 = Float64Array.from({ length: k }, () => random.normal() / Math.sqrt(k));
  const source = new Float64Array(d);
  for (let j = 0; j < d; j++) for (let a = 0; a < k; a++) source[j]! += w1.data[j * k + a]! * w2[a]!;
  const sn = Math.hypot(...source);
  // β_t = 0.8·β̂_s + 0.6·(a random direction): part inside the span, part (when k < d) outside.
  const other = Float64Array.from({ length: d }, () => random.normal());
  const on = Math.hypot(...other);
  const beta = Float64Array.from(source, (v, j) => (0.8 * v) / sn + (0.6 * other[j]!) / on);
  const x = matrix(rows, d);
  for (let i = 0; i < x.data.length; i++) x.data[i] = random.normal();
  const y = matrix(rows, 1);
  const zeroShot = matrix(rows, 1);
  const phi = matrix(rows, k);
  for (let i = 0; i < rows; i++) {
    let v = 0;
    let f = 0;
    for (let j = 0; j < d; j++) {
      v += x.data[i * d + j]! * beta[j]!;
      f += x.data[i * d + j]! * source[j]!;
    }
    y.data[i] = v + c.sigma * random.normal();
    zeroShot.data[i] = f;
    for (let a = 0; a < k; a++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += x.data[i * d + j]! * w1.data[j * k + a]!;
      phi.data[i * k + a] = s;
    }
  }
  const target = makeTarget('regression', y);
  const strategy = c.strategy === 'full' ? 'full' : c.strategy === 'linear-probe' ? 'linear-probe' : 'partial-freeze';
  return {
    features: phi,
    inputs: x,
    target,
    plannedN: c.n,
    nSource: 'config',
    strategy,
    backend: 'none',
    seed: c.seed,
    scratchLearner: minNormScratchLearner(x, target),
    transferLearners: [minNormFineTuneLearner(x, target, zeroShot)],
    zeroShotPredictions: zeroShot,
    linearMaps: { featureMap: w1, headMap: source },
    ...(c.strategy === 'partial-freeze-probe' ? { partialFreezeIs: { arm: 'linear-probe' as const, trainable: 1, layers: 2 } } : {}),
    datasetRows: rows,
  };
}

/** The arm the verdict must report: the configured one, or the stand-in its notes name. */
function expectedArm(c: Case, a: TransferAnalysis): 'full' | 'linear-probe' {
  if (c.strategy === 'full') return 'full';
  if (c.strategy === 'linear-probe') return 'linear-probe';
  if (c.strategy === 'partial-freeze-probe') {
    assert.ok(a.notes.some((n) => n.startsWith('Partial freeze with the top 1 of 2 layers trainable') && n.includes('linear probe')), `no note names the probe: ${a.notes.join(' | ')}`);
  } else {
    assert.ok(a.notes.some((n) => n.includes('the verdict uses the frozen linear probe as the transfer arm')), `no stand-in note: ${a.notes.join(' | ')}`);
  }
  return 'linear-probe';
}

const NULLABLE = new Set(['crossoverN', 'directionsFor90']);

/** Walks the JSON contract: every number finite, null only where the type allows it. */
function assertFiniteTree(value: unknown, path: string, problems: string[]): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) problems.push(`${path} = ${value}`);
  } else if (value === null) {
    const key = path.split('.').pop()!;
    if (!NULLABLE.has(key)) problems.push(`${path} = null`);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => assertFiniteTree(v, `${path}[${i}]`, problems));
  } else if (typeof value === 'object' && value !== undefined) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) assertFiniteTree(v, `${path}.${k}`, problems);
  }
}

const CONFIG: NormalizedConfig = { file: 'config.yaml', profile: 'test' } as unknown as NormalizedConfig;

async function checkCase(c: Case): Promise<{ verdict: string; gainAbsent: boolean }> {
  const label = JSON.stringify(c);
  const a = await analyzeTransfer(inputFor(c));
  // 1. Arm and alternatives entry.
  const arm = expectedArm(c, a);
  const entry = a.recommendation.alternatives?.find((x) => x.strategy === arm);
  if (a.gain) {
    assert.ok(entry, `${label}: no alternatives entry for ${arm}`);
    assert.deepEqual(entry.gain, a.gain, `${label}: gain ${JSON.stringify(a.gain)} is not the ${arm} entry ${JSON.stringify(entry.gain)}`);
  } else {
    assert.equal(entry, undefined, `${label}: an alternatives entry for ${arm} while the gain is absent`);
    assert.ok(a.notes.some((n) => n.startsWith('No gain is reported') || n.startsWith('The predicted gain is not a finite number')), `${label}: gain absent without a note`);
    assert.equal(a.verdict, 'too-close', `${label}: committed without a gain`);
  }
  // 2. Finite numbers everywhere (the object itself: JSON.stringify would hide ±Infinity as null).
  const problems: string[] = [];
  assertFiniteTree(a, 'analysis', problems);
  assert.deepEqual(problems, [], `${label}: non-finite numbers`);
  const json = JSON.stringify(a);
  assert.equal(JSON.stringify(JSON.parse(json)), json);
  for (const f of verdictFindings(a, CONFIG)) assert.ok(!/NaN|Infinity|undefined/.test(f.message), `${label}: finding ${f.code}: ${f.message}`);
  // 3. A committed verdict clears zero by more than numerical noise.
  if (a.verdict === 'positive') assert.ok(a.gain && a.gain.low > GAIN_NUMERIC_MARGIN, `${label}: positive with ${JSON.stringify(a.gain)}`);
  if (a.verdict === 'negative') assert.ok(a.gain && a.gain.high < -GAIN_NUMERIC_MARGIN, `${label}: negative with ${JSON.stringify(a.gain)}`);
  return { verdict: a.verdict, gainAbsent: !a.gain };
}

function cases(strategy: Configured, seed0: number): Case[] {
  const out: Case[] = [];
  let seed = seed0;
  const d = 12;
  for (const k of [9, 16]) {
    for (const n of [8, 9, 10, 12, 13, 24, 48]) {
      for (const sigma of [0, 0.5]) out.push({ strategy, d, k, n, sigma, rows: n, seed: seed++ });
    }
  }
  // Repeated hold-out: the dataset holds 5·n rows.
  out.push({ strategy, d, k: 6, n: 24, sigma: 0.5, rows: 120, seed: seed++ });
  return out;
}

async function runAll(strategy: Configured, seed0: number): Promise<void> {
  const seen = { absent: 0, committed: 0 };
  for (const c of cases(strategy, seed0)) {
    const r = await checkCase(c);
    if (r.gainAbsent) seen.absent++;
    if (r.verdict !== 'too-close') seen.committed++;
  }
  // The spread must exercise both sides: infinite risks at the thresholds and real commits.
  assert.ok(seen.absent > 0, `${strategy}: no case with an infinite risk`);
  assert.ok(seen.committed > 0, `${strategy}: no committed verdict`);
}

test('invariants: full fine-tune on a two-layer linear checkpoint', async () => {
  await runAll('full', 1000);
});

test('invariants: partial freeze with only the top layer trainable (exactly a linear probe)', async () => {
  await runAll('partial-freeze-probe', 2000);
});

test('invariants: partial freeze the analysis cannot simulate (the probe as a named stand-in)', async () => {
  await runAll('partial-freeze-standin', 3000);
});

test('invariants: linear probe', async () => {
  await runAll('linear-probe', 4000);
});

test('the issue #17 shape: partial freeze = probe at n = 60, d = k = 40 reports the probe entry, and finite below k', async () => {
  for (const [n, k] of [[60, 40], [20, 40], [30, 60]] as const) {
    const c: Case = { strategy: 'partial-freeze-probe', d: 40, k, n, sigma: 0.5, rows: n, seed: 17 + n };
    const a = await analyzeTransfer(inputFor(c));
    const probe = a.recommendation.alternatives?.find((x) => x.strategy === 'linear-probe');
    assert.ok(a.gain && probe, JSON.stringify({ gain: a.gain, alternatives: a.recommendation.alternatives }));
    assert.deepEqual(a.gain, probe.gain);
    if (n < k) assert.ok(Number.isFinite(a.gain.mean) && a.gain.high - a.gain.low > 0, `n = ${n} < k = ${k}: ${JSON.stringify(a.gain)}`);
  }
});

test('partial freeze that is exactly the probe is not told to switch to a linear probe', async () => {
  // Target mostly inside a small span, few rows: the probe is the best strategy.
  const c: Case = { strategy: 'partial-freeze-probe', d: 40, k: 4, n: 20, sigma: 0.3, rows: 20, seed: 71 };
  const a = await analyzeTransfer(inputFor(c));
  const findings = verdictFindings(a, CONFIG);
  if (a.recommendation.strategy === 'linear-probe') assert.ok(!findings.some((f) => f.code === 'prefer-linear-probe'), findings.map((f) => f.code).join(', '));
  const standIn = await analyzeTransfer(inputFor({ ...c, strategy: 'partial-freeze-standin' }));
  assert.equal(standIn.recommendation.strategy, a.recommendation.strategy);
  if (standIn.recommendation.strategy === 'linear-probe') assert.ok(verdictFindings(standIn, CONFIG).some((f) => f.code === 'prefer-linear-probe'));
  assert.equal(a.recommendation.strategy, 'linear-probe', `the case should make the probe best: ${JSON.stringify(a.recommendation)}`);
});

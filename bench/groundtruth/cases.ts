/**
 * The ground-truth benchmark's case list: which tasks are generated, with every parameter that
 * determines them (the generator is seeded from the case id, so a spec fully reproduces its
 * folder). Three families, as issue #3 asks: the paper's deep-linear teacher–student, nonlinear
 * ReLU teacher–student pairs with a controlled share of first-layer features, and
 * covariate-shift traps that fool distribution distances.
 */

export type Strategy = 'freeze' | 'full';
export type Family = 'linear' | 'relu' | 'shift-trap';

/** x ~ N(0, I_d), y = β_tᵀx + ε; checkpoint = Dense(k, linear) → Dense(1) with β_s in the span. */
export interface LinearCase {
  readonly kind: 'linear';
  readonly id: string;
  readonly family: Family;
  readonly strategy: Strategy;
  readonly dimension: number;
  /** Penultimate width k: column 0 is β_s, the rest random directions orthogonal to it. */
  readonly features: number;
  /** Signed angle between β_s and β_t (radians). */
  readonly theta: number;
  readonly noiseStd: number;
  readonly nSamples: number;
  /** Source inputs (source.csv) ~ N(shift·1, scale²I); the checkpoint is exact either way. */
  readonly sourceShift: number;
  readonly sourceScale: number;
  readonly draws: number;
}

/**
 * Teacher f(x) = head·relu(W x + b) with `hidden` units; the target teacher reuses the first
 * round(sharedFraction·hidden) source units (rows of W and b) and draws the others and its head
 * fresh. The checkpoint is the source teacher itself (constructed, not trained).
 */
export interface ReluCase {
  readonly kind: 'relu';
  readonly id: string;
  readonly family: Family;
  readonly strategy: Strategy;
  readonly task: 'regression' | 'classification';
  readonly dimension: number;
  readonly hidden: number;
  /** Output width: 1 (regression) or the number of classes. */
  readonly outputs: number;
  readonly sharedFraction: number;
  /** Regression: noise std on the unit-variance target. Classification: label-flip probability. */
  readonly noise: number;
  readonly nSamples: number;
  readonly sourceShift: number;
  readonly sourceScale: number;
  readonly learningRate: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly draws: number;
}

export type CaseSpec = LinearCase | ReluCase;

const ANGLES: readonly [string, number][] = [
  ['pi8', Math.PI / 8],
  ['pi4', Math.PI / 4],
  ['pi3', Math.PI / 3],
  ['pi2', Math.PI / 2],
];
const FLIPPED: [string, number] = ['2pi3', (2 * Math.PI) / 3];
const GAMMAS = [0.25, 0.5, 0.9, 1.5, 3];
const NOISE_STDS = [0.2, 0.5, 1.0];
const DIMENSIONS = [40, 100];

function linearFamily(strategy: Strategy): LinearCase[] {
  const angles = strategy === 'freeze' ? ANGLES : [ANGLES[0]!, ANGLES[1]!, ANGLES[2]!, FLIPPED];
  const cases: LinearCase[] = [];
  let index = 0;
  for (const [angleName, theta] of angles) {
    for (const gamma of GAMMAS) {
      const dimension = DIMENSIONS[index % DIMENSIONS.length]!;
      // Offset so that every quick-mode subset (every 3rd case) still sees all noise levels.
      const noiseStd = NOISE_STDS[(index + Math.floor(index / 5)) % NOISE_STDS.length]!;
      // A few frozen cases use a wider span (k = d/10) to exercise the k-feature probe.
      const features = strategy === 'freeze' && angleName === 'pi3' ? dimension / 10 : 1;
      const nSamples = Math.round(gamma * dimension);
      cases.push({
        kind: 'linear',
        id: `linear-${strategy}-${angleName}-g${gamma}-s${noiseStd}-d${dimension}-k${features}`,
        family: 'linear',
        strategy,
        dimension,
        features,
        theta,
        noiseStd,
        nSamples,
        sourceShift: 0,
        sourceScale: 1,
        draws: 40,
      });
      index++;
    }
  }
  return cases;
}

function reluCase(
  task: 'regression' | 'classification',
  strategy: Strategy,
  sharedFraction: number,
  nSamples: number,
  family: Family = 'relu',
  sourceShift = 0,
  sourceScale = 1,
): ReluCase {
  const regression = task === 'regression';
  return {
    kind: 'relu',
    id: `${family}-${task === 'regression' ? 'reg' : 'cls'}-${strategy}-f${sharedFraction}-n${nSamples}${sourceShift ? `-shift${sourceShift}` : ''}`,
    family,
    strategy,
    task,
    dimension: 12,
    hidden: 24,
    outputs: regression ? 1 : 3,
    sharedFraction,
    noise: regression ? 0.3 : 0.1,
    nSamples,
    sourceShift,
    sourceScale,
    learningRate: 0.01,
    epochs: 60,
    batchSize: 32,
    draws: 10,
  };
}

function reluFamily(): ReluCase[] {
  const cases: ReluCase[] = [];
  let index = 0;
  for (const sharedFraction of [0, 0.5, 1]) {
    for (const nSamples of [30, 120, 480]) {
      cases.push(reluCase('regression', index % 2 === 0 ? 'freeze' : 'full', sharedFraction, nSamples));
      index++;
    }
    for (const nSamples of [60, 240]) {
      cases.push(reluCase('classification', index % 2 === 0 ? 'freeze' : 'full', sharedFraction, nSamples));
      index++;
    }
  }
  return cases;
}

function trapFamily(): CaseSpec[] {
  const linear = (id: string, strategy: Strategy, theta: number, gamma: number, noiseStd: number, shift: number, scale: number): LinearCase => ({
    kind: 'linear',
    id: `shift-trap-${id}`,
    family: 'shift-trap',
    strategy,
    dimension: 40,
    features: 1,
    theta,
    noiseStd,
    nSamples: Math.round(gamma * 40),
    sourceShift: shift,
    sourceScale: scale,
    draws: 40,
  });
  return [
    // Same input distribution, negative transfer: the features miss the target entirely.
    linear('same-inputs-negative-probe', 'freeze', Math.PI / 2, 2, 0.3, 0, 1),
    linear('same-inputs-negative-ft', 'full', (2 * Math.PI) / 3, 0.5, 0.3, 0, 1),
    reluCase('regression', 'freeze', 0, 480, 'shift-trap'),
    // Shifted inputs, positive transfer: the features are exactly the ones the target needs.
    linear('shifted-inputs-positive-probe', 'freeze', Math.PI / 8, 0.5, 0.5, 1.5, 2),
    linear('shifted-inputs-positive-ft', 'full', Math.PI / 8, 0.25, 0.5, 1.5, 2),
    reluCase('classification', 'freeze', 1, 40, 'shift-trap', 1.5, 2),
  ];
}

/** All cases; `quick` keeps a spread-out subset (~2 minutes to generate). */
export function benchmarkCases(quick: boolean): CaseSpec[] {
  const all: CaseSpec[] = [...linearFamily('freeze'), ...linearFamily('full'), ...reluFamily(), ...trapFamily()];
  if (!quick) return all;
  const keep = (list: CaseSpec[], every: number): CaseSpec[] => list.filter((_, i) => i % every === 0);
  return [...keep(linearFamily('freeze'), 3), ...keep(linearFamily('full'), 3), ...keep(reluFamily(), 4), ...keep(trapFamily(), 2)];
}

/**
 * Short explanations of the classic transferability scores, keyed like
 * `TransferAnalysis.scores` (the metrics registry keys). The report shows them on hover and
 * focus, so each says what the number means and which way is better, in one sentence.
 * Unknown keys still render, with a generic explanation, so a new metric never disappears.
 */
export interface ScoreInfo {
  readonly name: string;
  readonly explanation: string;
  readonly reference: string;
}

export const SCORE_INFO: Readonly<Record<string, ScoreInfo>> = {
  logme: {
    name: 'LogME',
    explanation: 'Log marginal evidence per sample of a Bayesian linear model on the features; higher means the labels are easier to explain linearly from the features.',
    reference: 'You et al., ICML 2021',
  },
  leep: {
    name: 'LEEP',
    explanation: "Log expected empirical prediction from the source head's soft outputs; higher (closer to 0) means source classes map well onto target classes.",
    reference: 'Nguyen et al., ICML 2020',
  },
  nce: {
    name: 'NCE',
    explanation: "Negative conditional entropy of target labels given the source head's hard predictions; higher (closer to 0) is better.",
    reference: 'Tran et al., ICCV 2019',
  },
  hScore: {
    name: 'H-score',
    explanation: 'How well class means separate relative to the feature covariance; higher is better, saturating at (classes − 1) when features outnumber samples.',
    reference: 'Bao et al., ICIP 2019',
  },
  shrinkageHScore: {
    name: 'Shrinkage H-score',
    explanation: 'H-score with a Ledoit–Wolf shrunk covariance, stable when features are many; higher is better.',
    reference: 'Ibrahim et al., 2022',
  },
  gbc: {
    name: 'GBC',
    explanation: 'Gaussian Bhattacharyya coefficient: negative total overlap between per-class Gaussians; higher (closer to 0) means classes are better separated.',
    reference: 'Pándy et al., CVPR 2022',
  },
  transRate: {
    name: 'TransRate',
    explanation: 'Coding-rate gain of the features from knowing the labels; higher means the features keep more label information.',
    reference: 'Huang et al., ICML 2022',
  },
  linearCka: {
    name: 'Linear CKA',
    explanation: 'Centred kernel alignment between features and labels, from 0 (unrelated) to 1 (aligned).',
    reference: 'Kornblith et al., ICML 2019',
  },
  linearProbeAccuracy: {
    name: 'Linear-probe accuracy (CV)',
    explanation: 'Cross-validated accuracy of a linear head on the frozen features: the slow, honest proxy; higher is better.',
    reference: 'cross-validation',
  },
  linearProbeR2: {
    name: 'Linear-probe R² (CV)',
    explanation: 'Cross-validated R² of a linear head on the frozen features: the slow, honest proxy; higher is better.',
    reference: 'cross-validation',
  },
};

export function scoreInfo(key: string): ScoreInfo {
  return (
    SCORE_INFO[key] ?? {
      name: key,
      explanation: 'A transferability score from the metrics registry; higher is better.',
      reference: '',
    }
  );
}

/**
 * Closed-form arms for linear checkpoints (method.md §3.3, "for linear checkpoints trained to
 * convergence, use the closed forms on the user's actual X"): gradient descent on a linear model
 * from zero initialisation converges to the minimum-norm least-squares fit (scratch), and full
 * fine-tuning from the pretrained map f_s converges to f_s plus the minimum-norm fit of the
 * residual y − f_s(x). Both are computed as ridge fits with a vanishing penalty.
 */
import { matrix, type Matrix } from '../linalg/matrix';
import { ridgeLearner, type Learner, type Target } from './learners';

/** Penalty (relative to n) standing in for the min-norm limit λ → 0⁺. */
const VANISHING = 1e-8;

export function minNormScratchLearner(inputs: Matrix, target: Target): Learner {
  const inner = ridgeLearner('scratch', 'Scratch: the checkpoint architecture (linear) trained to convergence', inputs, target, { lambda: VANISHING * inputs.rows });
  return { ...inner, id: 'scratch' };
}

/**
 * Full fine-tuning of a linear checkpoint: `pretrained` holds f_s(x) for every row (same width as
 * the target). Fits the residual with min-norm least squares and adds f_s back.
 */
export function minNormFineTuneLearner(inputs: Matrix, target: Target, pretrained: Matrix): Learner {
  const q = target.y.cols;
  const residual = matrix(target.y.rows, q);
  for (let i = 0; i < residual.data.length; i++) residual.data[i] = target.y.data[i]! - pretrained.data[i]!;
  const residualTarget: Target = { ...target, y: residual };
  const inner = ridgeLearner('transfer:full', 'Full fine-tune (linear checkpoint, trained to convergence)', inputs, residualTarget, { lambda: VANISHING * inputs.rows });
  return {
    id: 'transfer:full',
    label: inner.label,
    expensive: false,
    async fitPredict(train, test, control) {
      const pred = await inner.fitPredict(train, test, control);
      for (let r = 0; r < test.length; r++) for (let c = 0; c < q; c++) pred.data[r * q + c]! += pretrained.data[test[r]! * q + c]!;
      return pred;
    },
  };
}

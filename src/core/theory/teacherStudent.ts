/**
 * Simulation of the linear teacher–student model in float64: unit teacher vectors at a chosen
 * angle, Gaussian designs, and the estimators the closed forms describe (min-norm scratch,
 * min-norm fine-tuning from the source vector, least-squares probe on a feature span). Used by
 * the Monte Carlo unit test of the closed forms and by the ground-truth benchmark generator.
 * Risks returned are excess risks ‖β̂ − β_t‖² (the population MSE minus σ², exact for x ~ N(0, I)).
 */
import type { RandomSource } from './random';

/** Two unit vectors in R^d with sourceᵀtarget = cosTheta exactly (random orientation). */
export function unitVectorPair(dimension: number, cosTheta: number, random: RandomSource): { source: Float64Array; target: Float64Array } {
  const source = randomUnitVector(dimension, random);
  const other = randomUnitVector(dimension, random);
  // Gram–Schmidt: the part of `other` orthogonal to `source`, normalised.
  const along = dot(other, source);
  for (let i = 0; i < dimension; i++) other[i] = other[i]! - along * source[i]!;
  scaleInPlace(other, 1 / Math.sqrt(dot(other, other)));
  const sine = Math.sqrt(Math.max(0, 1 - cosTheta * cosTheta));
  const target = new Float64Array(dimension);
  for (let i = 0; i < dimension; i++) target[i] = cosTheta * source[i]! + sine * other[i]!;
  return { source, target };
}

export function randomUnitVector(dimension: number, random: RandomSource): Float64Array {
  const v = new Float64Array(dimension);
  for (let i = 0; i < dimension; i++) v[i] = random.normal();
  return scaleInPlace(v, 1 / Math.sqrt(dot(v, v)));
}

/** n × d standard Gaussian design (row-major) and labels y = Xβ + ε, ε ~ N(0, σ²). */
export function sampleLinearTask(
  nSamples: number,
  teacher: Float64Array,
  noiseVariance: number,
  random: RandomSource,
): { inputs: Float64Array; labels: Float64Array } {
  const dimension = teacher.length;
  const inputs = new Float64Array(nSamples * dimension);
  const labels = new Float64Array(nSamples);
  const noise = Math.sqrt(noiseVariance);
  for (let r = 0; r < nSamples; r++) {
    let value = 0;
    for (let j = 0; j < dimension; j++) {
      const x = random.normal();
      inputs[r * dimension + j] = x;
      value += x * teacher[j]!;
    }
    labels[r] = value + noise * random.normal();
  }
  return { inputs, labels };
}

/**
 * Minimum-norm interpolant closest to `start` (min ‖β − start‖ s.t. Xβ = y) when n < d, and the
 * ordinary least-squares solution when n ≥ d. This is where gradient descent from `start`
 * converges on the square loss; start = 0 is scratch, start = β_s is full fine-tuning.
 */
export function leastSquaresFrom(inputs: Float64Array, labels: Float64Array, dimension: number, start?: Float64Array): Float64Array {
  const n = labels.length;
  if (n < dimension) {
    const residual = new Float64Array(n);
    for (let r = 0; r < n; r++) residual[r] = labels[r]! - (start ? rowDot(inputs, r, dimension, start) : 0);
    const gram = new Float64Array(n * n); // X Xᵀ
    for (let a = 0; a < n; a++) {
      for (let b = 0; b <= a; b++) {
        let s = 0;
        for (let j = 0; j < dimension; j++) s += inputs[a * dimension + j]! * inputs[b * dimension + j]!;
        gram[a * n + b] = s;
        gram[b * n + a] = s;
      }
    }
    const coefficients = choleskySolve(gram, n, residual);
    const estimate = start ? Float64Array.from(start) : new Float64Array(dimension);
    for (let r = 0; r < n; r++) {
      const c = coefficients[r]!;
      for (let j = 0; j < dimension; j++) estimate[j] = estimate[j]! + c * inputs[r * dimension + j]!;
    }
    return estimate;
  }
  const normal = new Float64Array(dimension * dimension); // Xᵀ X
  const moment = new Float64Array(dimension); // Xᵀ y
  for (let r = 0; r < n; r++) {
    const offset = r * dimension;
    for (let a = 0; a < dimension; a++) {
      const xa = inputs[offset + a]!;
      moment[a] = moment[a]! + xa * labels[r]!;
      for (let b = 0; b <= a; b++) normal[a * dimension + b] = normal[a * dimension + b]! + xa * inputs[offset + b]!;
    }
  }
  for (let a = 0; a < dimension; a++) for (let b = 0; b < a; b++) normal[b * dimension + a] = normal[a * dimension + b]!;
  return choleskySolve(normal, dimension, moment);
}

/**
 * Least-squares head on the features Z = X·basis (basis: d × k row-major), returned as the
 * end-to-end vector basis·â. Min-norm head when n ≤ k.
 */
export function probeEstimate(inputs: Float64Array, labels: Float64Array, dimension: number, basis: Float64Array, features: number): Float64Array {
  const n = labels.length;
  const projected = new Float64Array(n * features);
  for (let r = 0; r < n; r++) {
    for (let f = 0; f < features; f++) {
      let s = 0;
      for (let j = 0; j < dimension; j++) s += inputs[r * dimension + j]! * basis[j * features + f]!;
      projected[r * features + f] = s;
    }
  }
  const head = leastSquaresFrom(projected, labels, features);
  const estimate = new Float64Array(dimension);
  for (let j = 0; j < dimension; j++) {
    let s = 0;
    for (let f = 0; f < features; f++) s += basis[j * features + f]! * head[f]!;
    estimate[j] = s;
  }
  return estimate;
}

export function squaredDistance(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s;
}

/**
 * Solves A x = b for symmetric positive definite A (n × n, row-major) by Cholesky. A tiny
 * diagonal jitter is added only if the factorisation meets a non-positive pivot (rank-deficient
 * Gram matrices near n ≈ d), so the solver never returns NaN.
 */
export function choleskySolve(matrixA: Float64Array, n: number, rhs: Float64Array): Float64Array {
  let jitter = 0;
  for (let attempt = 0; attempt < 6; attempt++) {
    const factor = new Float64Array(n * n);
    let ok = true;
    for (let i = 0; i < n && ok; i++) {
      for (let j = 0; j <= i; j++) {
        let s = matrixA[i * n + j]! + (i === j ? jitter : 0);
        for (let k = 0; k < j; k++) s -= factor[i * n + k]! * factor[j * n + k]!;
        if (i === j) {
          if (!(s > 0)) {
            ok = false;
            break;
          }
          factor[i * n + i] = Math.sqrt(s);
        } else {
          factor[i * n + j] = s / factor[j * n + j]!;
        }
      }
    }
    if (ok) {
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let s = rhs[i]!;
        for (let k = 0; k < i; k++) s -= factor[i * n + k]! * y[k]!;
        y[i] = s / factor[i * n + i]!;
      }
      const x = new Float64Array(n);
      for (let i = n - 1; i >= 0; i--) {
        let s = y[i]!;
        for (let k = i + 1; k < n; k++) s -= factor[k * n + i]! * x[k]!;
        x[i] = s / factor[i * n + i]!;
      }
      return x;
    }
    let trace = 0;
    for (let i = 0; i < n; i++) trace += matrixA[i * n + i]!;
    jitter = jitter === 0 ? 1e-12 * (trace / n || 1) : jitter * 100;
  }
  throw new Error(`choleskySolve: matrix of size ${n} is not positive definite even with jitter`);
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function rowDot(inputs: Float64Array, row: number, dimension: number, v: Float64Array): number {
  let s = 0;
  for (let j = 0; j < dimension; j++) s += inputs[row * dimension + j]! * v[j]!;
  return s;
}

function scaleInPlace(v: Float64Array, factor: number): Float64Array {
  for (let i = 0; i < v.length; i++) v[i] = v[i]! * factor;
  return v;
}

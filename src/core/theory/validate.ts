/**
 * Argument checks shared by the theory functions. The closed forms are called by the analysis
 * engine with computed numbers, so an out-of-domain argument is a programmer error: it throws a
 * RangeError that names the argument, instead of letting a NaN travel into a verdict.
 */

export function requireFinite(value: number, name: string): void {
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be a finite number, got ${value}`);
}

export function requirePositive(value: number, name: string): void {
  if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`${name} must be a finite number > 0, got ${value}`);
}

export function requireNonNegative(value: number, name: string): void {
  if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`${name} must be a finite number ≥ 0, got ${value}`);
}

export function requireCosine(value: number, name: string): void {
  if (!(Number.isFinite(value) && value >= -1 - 1e-12 && value <= 1 + 1e-12)) {
    throw new RangeError(`${name} must be a cosine in [-1, 1], got ${value}`);
  }
}

export function requireUnitInterval(value: number, name: string): void {
  if (!(Number.isFinite(value) && value >= -1e-12 && value <= 1 + 1e-12)) {
    throw new RangeError(`${name} must lie in [0, 1], got ${value}`);
  }
}

export function requireInteger(value: number, name: string, minimum: number): void {
  if (!(Number.isInteger(value) && value >= minimum)) throw new RangeError(`${name} must be an integer ≥ ${minimum}, got ${value}`);
}

/** sin²θ from cos θ, clamped at 0 so rounding in cos θ ≈ ±1 cannot make it negative. */
export function sineSquared(cosTheta: number): number {
  return Math.max(0, 1 - cosTheta * cosTheta);
}

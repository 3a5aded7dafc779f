/**
 * Seeded randomness for the analysis (sampling, fold assignment, bootstrap), as plain functions
 * over the one seeded generator of the core (src/core/formats/random.ts, mulberry32).
 */
import { createRandom, normal } from '../formats/random';

/** A uniform [0, 1) draw per call. */
export type Rng = () => number;

export function makeRng(seed: number): Rng {
  const random = createRandom(seed);
  return () => random.next();
}

/** Fisher–Yates shuffle in place. */
export function shuffle<T>(arr: T[] | Int32Array, rng: Rng): void {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = arr[i]!;
    arr[i] = arr[j]!;
    arr[j] = tmp;
  }
}

/** Standard normal draw (Box–Muller). */
export function gaussian(rng: Rng): number {
  return normal({ next: rng, nextInt: (n) => Math.floor(rng() * n) });
}

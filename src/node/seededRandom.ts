/**
 * Deterministic TF.js training: tfjs-layers draws initial weights and shuffles batches from
 * Math.random when no seed is given, so two analyses of the same data would differ. While a
 * simulated arm trains, Math.random is replaced by a seeded generator (the core's mulberry32) and
 * restored afterwards. Only the worker and the CLI train, one arm at a time, so the swap is safe.
 */
import { createRandom } from '../core/formats/random';

export async function withSeededMathRandom<T>(seed: number, run: () => Promise<T>): Promise<T> {
  const original = Math.random;
  const random = createRandom(seed);
  Math.random = () => random.next();
  try {
    return await run();
  } finally {
    Math.random = original;
  }
}

/** A seed that depends on the arm, the base seed and which rows it trains on. */
export function trainingSeed(base: number, armId: string, rows: Int32Array): number {
  let h = (base ^ 0x811c9dc5) >>> 0;
  const mix = (v: number) => {
    h ^= v;
    h = Math.imul(h, 0x01000193) >>> 0;
  };
  for (let i = 0; i < armId.length; i++) mix(armId.charCodeAt(i));
  mix(rows.length);
  for (let i = 0; i < rows.length; i += Math.max(1, Math.floor(rows.length / 64))) mix(rows[i]!);
  return h;
}

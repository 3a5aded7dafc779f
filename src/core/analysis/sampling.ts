/**
 * Bounded, stratified subsampling and cross-validation folds. The analysis works on at most a
 * few thousand rows so its time does not grow with the dataset; classification keeps class
 * proportions (every class keeps at least one row when it has one).
 */
import { makeRng, shuffle } from './random';

/**
 * Picks `size` row indices out of `total`, stratified by `classes` when given. Returned sorted
 * ascending so the subsample keeps file order (stable across runs with the same seed).
 */
export function stratifiedSample(total: number, size: number, seed: number, classes?: Int32Array): Int32Array {
  if (size >= total) return Int32Array.from({ length: total }, (_, i) => i);
  const rng = makeRng(seed);
  if (!classes) {
    const idx = Int32Array.from({ length: total }, (_, i) => i);
    shuffle(idx, rng);
    return idx.slice(0, size).sort();
  }
  const groups = new Map<number, number[]>();
  for (let i = 0; i < total; i++) {
    const c = classes[i]!;
    let g = groups.get(c);
    if (!g) groups.set(c, (g = []));
    g.push(i);
  }
  const keys = [...groups.keys()].sort((a, b) => a - b);
  // Largest-remainder allocation of `size` across classes, at least one per class.
  const quotas = keys.map((k) => (groups.get(k)!.length * size) / total);
  const alloc = quotas.map((q, i) => Math.min(groups.get(keys[i]!)!.length, Math.max(1, Math.floor(q))));
  let left = size - alloc.reduce((a, b) => a + b, 0);
  const order = quotas.map((q, i) => [q - Math.floor(q), i] as const).sort((a, b) => b[0] - a[0]);
  for (let pass = 0; left > 0 && pass < 4; pass++) {
    for (const [, i] of order) {
      if (left <= 0) break;
      if (alloc[i]! < groups.get(keys[i]!)!.length) {
        alloc[i]!++;
        left--;
      }
    }
  }
  const out: number[] = [];
  keys.forEach((k, i) => {
    const g = groups.get(k)!;
    shuffle(g, rng);
    for (let j = 0; j < alloc[i]! && out.length < size; j++) out.push(g[j]!);
  });
  return Int32Array.from(out).sort();
}

/**
 * Assigns each of `n` rows to one of `k` folds, stratified by class when given, balanced in size.
 */
export function foldAssignment(n: number, k: number, seed: number, classes?: Int32Array): Int32Array {
  const rng = makeRng(seed ^ 0x5bd1e995);
  const folds = new Int32Array(n);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  shuffle(order, rng);
  if (classes) {
    // Sort the shuffled order by class so round-robin dealing stratifies.
    const arr = Array.from(order);
    arr.sort((a, b) => classes[a]! - classes[b]!);
    arr.forEach((row, i) => (folds[row] = i % k));
  } else {
    order.forEach((row, i) => (folds[row] = i % k));
  }
  return folds;
}

export function foldIndices(folds: Int32Array, fold: number): { train: Int32Array; test: Int32Array } {
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < folds.length; i++) (folds[i] === fold ? test : train).push(i);
  return { train: Int32Array.from(train), test: Int32Array.from(test) };
}

/**
 * A small seeded pseudo-random generator for sampling rows reproducibly (the same seed gives
 * the same sample on every machine). src/core has no clock and no Math.random, so every
 * random choice in the core goes through this.
 *
 * Algorithm: SplitMix32-style seeding into Mulberry32 (32-bit state, period 2^32), which is
 * plenty for choosing a few thousand rows and has no statistically visible bias at that scale.
 */
export interface Random {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n) for 1 ≤ n ≤ 2^32. */
  nextInt(n: number): number;
}

export function createRandom(seed: number): Random {
  // Mix the seed so that neighbouring seeds (0, 1, 2 ...) give unrelated streams.
  let state = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
  state = Math.imul(state ^ (state >>> 16), 0x85ebca6b) >>> 0;
  state = Math.imul(state ^ (state >>> 13), 0xc2b2ae35) >>> 0;
  state = (state ^ (state >>> 16)) >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    nextInt(n: number): number {
      return Math.floor(next() * n);
    },
  };
}

/** Standard normal draw (Box–Muller), for fixtures and tests that need Gaussian data. */
export function normal(random: Random): number {
  let u = 0;
  while (u === 0) u = random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.next());
}

/** A seeded source of numbers in [0, 1), and the draws the traffic model makes from it. */
export interface Random {
  /** [0, 1). */
  next(): number;
  /** An integer in [min, max], uniform. */
  integer(min: number, max: number): number;
  /** An integer in [min, max], log-uniform: as many values between 1K and 2K as between 50K and 100K. */
  logInteger(min: number, max: number): number;
  /** True with probability `percent` / 100. */
  chance(percent: number): boolean;
  /** An index into `weights`, with probability proportional to its weight (weights ≥ 0, not all 0). */
  weighted(weights: readonly number[]): number;
}

/**
 * Mulberry32: a 32-bit PRNG, fast, with a full period over its state, and the same sequence for the same seed on
 * every platform (only 32-bit integer arithmetic). Not for secrets: it only makes demo traffic reproducible.
 */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    integer: (min, max) => min + Math.floor(next() * (max - min + 1)),
    logInteger: (min, max) => Math.min(max, Math.round(min * (max / min) ** next())),
    chance: (percent) => next() * 100 < percent,
    weighted: (weights) => {
      const total = weights.reduce((sum, weight) => sum + weight, 0);
      let remaining = next() * total;
      for (const [index, weight] of weights.entries()) {
        remaining -= weight;
        if (remaining < 0) return index;
      }
      // Only float rounding reaches here: the last index with any weight.
      return weights.findLastIndex((weight) => weight > 0);
    },
  };
}

/** A seed for one part of a run (a week, the router), so each part's draws are independent of the others'. */
export function deriveSeed(seed: number, part: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(part + 1, 0xc2b2ae35)) >>> 0;
}

/**
 * Bounds of `meridian simulate`, unit last. A simulated request stands for real traffic only through its token
 * counts, so the number of requests stays small: the whole run lives in one process, one week of calls in memory
 * at a time. A flag outside these bounds is refused before anything is written.
 */
export const simulateLimits = {
  /** Weeks simulated when `--weeks` is absent. */
  weeksDefault: 8,
  /** Most weeks one run backfills (a year): the market curve is extrapolated beyond MARKET.md's weeks, not measured. */
  weeksMax: 52,
  /** Requests of the busiest (last) week when `--requests-per-week` is absent; earlier weeks follow the market curve. */
  requestsPerWeekDefault: 2_000,
  /**
   * Most requests in one week. One week's calls are planned in memory before they are written, so this bounds
   * the run's memory: a 50 000-call week peaked at 334 MB resident (185 MB for 2 000) and took 21 s on the 2-core
   * development machine.
   */
  requestsPerWeekMax: 50_000,
  /** Seed when `--seed` is absent. */
  seedDefault: 1,
  /** Largest seed accepted (a 32-bit PRNG state). */
  seedMax: 4_294_967_295,
  /**
   * Calls admitted, then settled and written, per transaction: the generation writer's own batch bound. Their
   * holds are outstanding together, as in-flight calls are on a busy node.
   */
  batchCountMax: 512,
  /** Credit top-ups are whole multiples of this (USD 100 in nano-units), like a customer buying credit. */
  topUpStepNanos: 100_000_000_000n,
} as const;

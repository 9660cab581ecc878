/** Successes and failures counted over a window. */
export interface OutcomeCounts {
  readonly successes: number;
  readonly failures: number;
}

/** Outcome counts in fixed time buckets, kept in a ring: memory is `bucketCount` slots whatever the traffic. */
export interface RollingCounter {
  add(nowMs: number, isSuccess: boolean): void;
  /** Counts in the bucket holding `nowMs` plus the `bucketCount - 1` buckets before it. */
  totals(nowMs: number): OutcomeCounts;
  /** Forgets every outcome (the breaker closing after a good probe). */
  reset(): void;
}

export interface RollingCounterOptions {
  readonly bucketMs: number;
  readonly bucketCount: number;
}

/**
 * Buckets are aligned on multiples of `bucketMs` since the epoch, so a window of
 * `bucketMs × bucketCount` covers between `bucketMs × (bucketCount - 1)` and the full
 * span of history: an outcome leaves exactly when its bucket is `bucketCount` buckets old.
 * An outcome older than what the ring still holds (late and out of order) is dropped.
 */
export function createRollingCounter(options: RollingCounterOptions): RollingCounter {
  const { bucketMs, bucketCount } = options;
  // Which absolute bucket each slot currently holds; -Infinity = never used.
  const bucketIndexes = new Float64Array(bucketCount).fill(-Infinity);
  const successes = new Float64Array(bucketCount);
  const failures = new Float64Array(bucketCount);
  const slotOf = (bucketIndex: number): number => ((bucketIndex % bucketCount) + bucketCount) % bucketCount;

  return {
    add(nowMs, isSuccess) {
      const bucketIndex = Math.floor(nowMs / bucketMs);
      const slot = slotOf(bucketIndex);
      const held = bucketIndexes[slot] ?? -Infinity;
      if (held > bucketIndex) return;
      if (held < bucketIndex) {
        bucketIndexes[slot] = bucketIndex;
        successes[slot] = 0;
        failures[slot] = 0;
      }
      const counts = isSuccess ? successes : failures;
      counts[slot] = (counts[slot] ?? 0) + 1;
    },
    totals(nowMs) {
      const newest = Math.floor(nowMs / bucketMs);
      const oldest = newest - bucketCount + 1;
      let successCount = 0;
      let failureCount = 0;
      for (let slot = 0; slot < bucketCount; slot += 1) {
        const held = bucketIndexes[slot] ?? -Infinity;
        if (held < oldest || held > newest) continue;
        successCount += successes[slot] ?? 0;
        failureCount += failures[slot] ?? 0;
      }
      return { successes: successCount, failures: failureCount };
    },
    reset() {
      bucketIndexes.fill(-Infinity);
      successes.fill(0);
      failures.fill(0);
    },
  };
}

import type { EndpointHealthSnapshot } from './health-types.js';
import { healthDefaults } from './health-defaults.js';
import type { RollingCounter } from './rolling-counter.js';
import { createRollingCounter } from './rolling-counter.js';

export type Uptime = EndpointHealthSnapshot['uptime'];

/** Successes ÷ requests over 5 min, 30 min and 1 day, each at its own resolution. */
export interface UptimeCounter {
  add(nowMs: number, isSuccess: boolean): void;
  uptime(nowMs: number): Uptime;
}

const windowMs = { last5m: 5 * 60_000, last30m: 30 * 60_000, last1d: 24 * 60 * 60_000 } as const;

function createTier(bucketMs: number, spanMs: number): RollingCounter {
  return createRollingCounter({ bucketMs, bucketCount: spanMs / bucketMs });
}

function ratio(counter: RollingCounter, nowMs: number): number | undefined {
  const { successes, failures } = counter.totals(nowMs);
  const requests = successes + failures;
  return requests === 0 ? undefined : successes / requests;
}

/**
 * Three rings (30 × 10 s, 30 × 1 min, 24 × 1 h = 84 buckets), each outcome added to all
 * three: constant memory, and each window reads one ring. A window covers the bucket
 * holding `nowMs` and the whole buckets before it, so it spans between one bucket less
 * than its nominal length and the full length.
 */
export function createUptimeCounter(): UptimeCounter {
  const bucketMs = healthDefaults.uptimeBucketMs;
  const last5m = createTier(bucketMs.last5m, windowMs.last5m);
  const last30m = createTier(bucketMs.last30m, windowMs.last30m);
  const last1d = createTier(bucketMs.last1d, windowMs.last1d);
  return {
    add(nowMs, isSuccess) {
      last5m.add(nowMs, isSuccess);
      last30m.add(nowMs, isSuccess);
      last1d.add(nowMs, isSuccess);
    },
    uptime: (nowMs) => ({
      last5m: ratio(last5m, nowMs),
      last30m: ratio(last30m, nowMs),
      last1d: ratio(last1d, nowMs),
    }),
  };
}

import { limits } from '../config/index.js';

/**
 * Every bound of health tracking, named, unit last. The reasons are in the doc
 * comment of create-health-tracker.ts; each line here says what it limits.
 */
export const healthDefaults = {
  /** The breaker judges the failure rate over this much recent history. */
  breakerWindowMs: 60_000,
  /** Resolution of the breaker window (60 buckets): outcomes leave it within a second of turning 60 s old. */
  breakerBucketMs: 1_000,
  /** Fewer requests than this in the window never open the circuit, whatever fails. */
  minimumRequests: 10,
  /** Failures ÷ requests in the window at or above this (with the minimum met) open the circuit. */
  failureRateThreshold: 0.5,
  /** First open period; doubles on each consecutive re-open. */
  cooldownBaseMs: 15_000,
  /** Longest open period (exponential ejection stops growing here). */
  cooldownMaxMs: 5 * 60_000,
  /** A half-open probe with no outcome after this long is presumed leaked and its slot freed; longer than any request can run. */
  probeLeaseMs: limits.upstreamTotalTimeoutMs + 5 * 60_000,
  /** Whether `rate-limited` failures count toward opening the circuit (they always count in uptime). */
  rateLimitsCountAsFailures: true,
  /** TTFT and tokens/s samples kept per endpoint (the most recent ones). */
  sampleCapacity: 256,
  /** Samples older than this are ignored by the percentiles. */
  sampleMaxAgeMs: 30 * 60_000,
  /** An endpoint with no admission or outcome for this long is forgotten (its 1-day uptime is empty by then). */
  idleEvictionMs: 24 * 60 * 60_000,
  /** How often (in observed time) the tracker looks for idle endpoints to forget. */
  evictionSweepIntervalMs: 60_000,
  /** Bucket sizes of the three uptime windows (5 min, 30 min, 1 day): 30, 30 and 24 buckets. */
  uptimeBucketMs: { last5m: 10_000, last30m: 60_000, last1d: 60 * 60_000 },
} as const;

/** Overrides of `healthDefaults` (the uptime windows are fixed by the snapshot shape). */
export interface HealthOptions {
  readonly breakerWindowMs?: number;
  readonly breakerBucketMs?: number;
  readonly minimumRequests?: number;
  readonly failureRateThreshold?: number;
  readonly cooldownBaseMs?: number;
  readonly cooldownMaxMs?: number;
  readonly probeLeaseMs?: number;
  readonly rateLimitsCountAsFailures?: boolean;
  readonly sampleCapacity?: number;
  readonly sampleMaxAgeMs?: number;
  readonly idleEvictionMs?: number;
  readonly evictionSweepIntervalMs?: number;
}

export type ResolvedHealthOptions = Required<HealthOptions>;
